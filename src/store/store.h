/* store.h -- the storage interface: a table of operations over records.
 *
 * Domain code (registry, gate, ...) sees only this header.  A record is a
 * JSON body plus a few indexed columns; each backend (SQLite here, PostgreSQL
 * later) implements struct lc_store_ops.  All operations are safe to call from
 * several threads at once: a backend keeps one connection per thread.
 *
 * Ownership: records returned through an out-pointer belong to the caller, who
 * releases them with lc_record_cleanup().  Records passed in are borrowed. */
#ifndef LC_STORE_STORE_H
#define LC_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/id.h"

#define LC_KIND_MAX 32

struct lc_record {
    char kind[LC_KIND_MAX]; /* record type, e.g. "host" */
    char id[LC_ID_MAX];     /* unique within kind; time-sortable (core/id.h) */
    char *scope;            /* owning agency id, for scoped reads; or NULL */
    char *key;              /* lookup key (e.g. a blind index); or NULL */
    char *ref;              /* parent object id; or NULL */
    int64_t created_at;     /* unix seconds */
    int64_t updated_at;     /* unix seconds */
    int64_t version;        /* 1 on insert, +1 on each update */
    char *body;             /* JSON text; never NULL in a stored record */
};

/* Frees the heap fields and zeroes r; accepts a zeroed record. */
void lc_record_cleanup(struct lc_record *r);
/* Deep copy; dst is overwritten (its old heap fields are not freed), and
 * written only on LC_OK. */
LC_MUST_USE enum lc_err lc_record_copy(struct lc_record *dst, const struct lc_record *src);

enum lc_write_op {
    LC_WRITE_INSERT, /* LC_ECONFLICT if (kind, id) exists */
    LC_WRITE_UPDATE, /* replaces scope/key/ref/updated_at/body; version must
                        equal the stored version (optimistic lock), else
                        LC_ECONFLICT; LC_ENOTFOUND if absent.  The stored
                        version becomes version + 1. */
};

struct lc_write {
    enum lc_write_op op;
    const struct lc_record *rec;
};

struct lc_query {
    const char *kind;     /* required */
    const char *scope;    /* filter when non-NULL */
    const char *key;      /* filter when non-NULL */
    const char *ref;      /* filter when non-NULL */
    const char *after_id; /* cursor: ids strictly after (before, if newest_first) */
    int64_t from, to;     /* created_at in [from, to) when to > 0 */
    size_t limit;         /* 0 = no limit */
    bool newest_first;    /* order by id descending */
};

/* Called once per matching record, in order; the record is borrowed for the
 * call: its strings may point into the backend's row buffers, so copy what
 * must outlive the call (lc_record_copy).  fn may call the store again.
 * Return non-zero to stop early (list then returns LC_OK). */
typedef int (*lc_record_fn)(void *ctx, const struct lc_record *r);

struct lc_store;

struct lc_store_ops {
    const char *name; /* "sqlite", "pg" */
    /* Applies all writes in one transaction: all or none. */
    enum lc_err (*apply)(struct lc_store *s, const struct lc_write *w, size_t n);
    enum lc_err (*get)(struct lc_store *s, const char *kind, const char *id,
                       struct lc_record *out);
    /* The newest record of kind whose key equals key. */
    enum lc_err (*find)(struct lc_store *s, const char *kind, const char *key,
                        struct lc_record *out);
    enum lc_err (*list)(struct lc_store *s, const struct lc_query *q, lc_record_fn fn,
                        void *ctx);
    void (*close)(struct lc_store *s);
};

/* Sees every transaction after it commits (the archive mirrors writes into
 * its tamper-evident log this way).  Its failure is the apply's failure, so
 * nothing is acknowledged that the observer did not take. */
typedef enum lc_err (*lc_store_observer)(void *ctx, const struct lc_write *w, size_t n);

struct lc_store {
    const struct lc_store_ops *ops;
    lc_store_observer observe; /* or NULL */
    void *observe_ctx;
};

/* Sets (or with NULL clears) the observer; call before other threads use s. */
void lc_store_observe(struct lc_store *s, lc_store_observer fn, void *ctx);

/* Opens (creating and migrating as needed) an SQLite database at path.
 * On failure *out is unchanged and a message goes into errbuf (which may be
 * NULL).  path must name a file: each thread gets its own connection, so an
 * in-memory database is refused.  A database whose schema is newer than this
 * build is refused with LC_ECORRUPT.  A thread's connection is closed when the
 * thread exits; close() closes the rest, and must not run while another thread
 * is still using the store or exiting after having used it. */
LC_MUST_USE enum lc_err lc_store_open_sqlite(const char *path, struct lc_store **out,
                                             char *errbuf, size_t errlen);

/* Convenience wrappers over s->ops. */
LC_MUST_USE enum lc_err lc_store_apply(struct lc_store *s, const struct lc_write *w, size_t n);
LC_MUST_USE enum lc_err lc_store_insert(struct lc_store *s, const struct lc_record *r);
LC_MUST_USE enum lc_err lc_store_update(struct lc_store *s, const struct lc_record *r);
LC_MUST_USE enum lc_err lc_store_get(struct lc_store *s, const char *kind, const char *id,
                                     struct lc_record *out);
LC_MUST_USE enum lc_err lc_store_find(struct lc_store *s, const char *kind, const char *key,
                                      struct lc_record *out);
LC_MUST_USE enum lc_err lc_store_list(struct lc_store *s, const struct lc_query *q,
                                      lc_record_fn fn, void *ctx);
void lc_store_close(struct lc_store *s);

#endif
