/* log.h -- JSON-lines logs (access log, event log).
 *
 * Each call writes one complete line under a lock, so lines from different
 * threads never interleave.  Callers pass a jansson object; personal data must
 * never be put in it (mask first: see ident/ident.h). */
#ifndef LC_CORE_LOG_H
#define LC_CORE_LOG_H

#include <jansson.h>
#include "core/err.h"

struct lc_log;

/* Opens path for appending (creating it 0640); "-" means stderr. */
LC_MUST_USE enum lc_err lc_log_open(const char *path, struct lc_log **out);
void lc_log_free(struct lc_log *log);
/* Adds "ts" (RFC 3339) and "kind", writes obj as one line; obj is borrowed. */
void lc_log_write(struct lc_log *log, const char *kind, json_t *obj);

#endif
