/* sqlite.h -- private to the SQLite backend and its tests.
 *
 * Domain code uses store.h only.  This header exposes the SQL that list()
 * and find() run, so a test can ask SQLite's planner (EXPLAIN QUERY PLAN)
 * whether the common shapes stay on an index. */
#ifndef LC_STORE_SQLITE_H
#define LC_STORE_SQLITE_H

#include <stddef.h>

#include "store/store.h"

/* Writes into buf (cap bytes, NUL-terminated when cap > 0) the SELECT that
 * list() prepares for q.  Only q's shape matters (which filters are set, the
 * order), never its values: they are bound as parameters ?1 kind, ?2 scope,
 * ?3 key, ?4 ref, ?5 after_id, ?6 from, ?7 to, ?8 limit (-1 for none).
 * Returns the length of the full statement, as snprintf does. */
size_t lc_store_sqlite_list_sql(const struct lc_query *q, char *buf, size_t cap);
/* The SELECT that find() runs (?1 kind, ?2 key); a static string. */
const char *lc_store_sqlite_find_sql(void);

#endif
