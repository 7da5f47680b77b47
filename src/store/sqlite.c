/* sqlite.c -- the SQLite backend of the storage interface (store.h).
 *
 * One database file in WAL mode serves every thread of the process.  SQLite
 * connections opened with SQLITE_OPEN_NOMUTEX must not be shared between
 * threads, so each thread that touches a store gets its own connection, found
 * through a pthread key and listed in a registry so close() can reach every
 * one; a thread's connection is closed when the thread exits.  Each
 * connection caches its prepared statements.
 *
 * Writes run in BEGIN IMMEDIATE transactions: the write lock is taken up
 * front and waits on busy_timeout, whereas a deferred transaction that reads
 * and then writes gets SQLITE_BUSY in WAL mode without waiting.
 *
 * The schema is built by numbered migrations recorded in schema_migrations;
 * a database written by a newer build (a higher version) is refused. */
#define _POSIX_C_SOURCE 200809L
#include "store/sqlite.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ticker.h"
#include "store/store.h"

#define BUSY_TIMEOUT_MS 5000

/* Migration i (0-based) brings the schema to version i + 1.  Append only:
 * a published entry is never edited, since databases already carry it. */
static const char *const migrations[] = {
    /* 1: records, with the indexes find() and list() search by. */
    "CREATE TABLE records ("
    " kind TEXT NOT NULL,"
    " id TEXT NOT NULL,"
    " scope TEXT,"
    " key TEXT,"
    " ref TEXT,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " version INTEGER NOT NULL,"
    " body TEXT NOT NULL,"
    " PRIMARY KEY (kind, id)"
    ") WITHOUT ROWID;"
    "CREATE INDEX records_kind_key ON records (kind, key, id);"
    "CREATE INDEX records_kind_ref ON records (kind, ref, id);"
    "CREATE INDEX records_kind_scope ON records (kind, scope, id);"
    "CREATE INDEX records_kind_created ON records (kind, created_at);",
};
#define N_MIGRATIONS ((int64_t)(sizeof migrations / sizeof migrations[0]))

/* Column order read_row() expects. */
#define COLS "kind, id, scope, key, ref, created_at, updated_at, version, body"

enum stmt_id {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_INSERT,
    ST_UPDATE,
    ST_EXISTS,
    ST_GET,
    ST_FIND,
    ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_INSERT] = "INSERT INTO records (" COLS ")"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8)",
    [ST_UPDATE] = "UPDATE records SET scope = ?3, key = ?4, ref = ?5, updated_at = ?7,"
                  " body = ?8, version = version + 1"
                  " WHERE kind = ?1 AND id = ?2 AND version = ?9",
    [ST_EXISTS] = "SELECT 1 FROM records WHERE kind = ?1 AND id = ?2",
    [ST_GET] = "SELECT " COLS " FROM records WHERE kind = ?1 AND id = ?2",
    [ST_FIND] = "SELECT " COLS " FROM records INDEXED BY records_kind_key"
                " WHERE kind = ?1 AND key = ?2 ORDER BY id DESC LIMIT 1",
};

/* list() statements differ only in which predicates they carry; a bit per
 * optional part names each shape, and each connection caches one statement
 * per shape.  Predicates are plain equalities, not "(? IS NULL OR ...)", so
 * the (kind, x, id) indexes serve both the filter and the order.
 *
 * Without sqlite_stat1 the planner prefers scanning the primary key over
 * kind (it counts the extra lookup a secondary index of a WITHOUT ROWID
 * table costs, and cannot know that one kind holds most rows), so shapes
 * with key, ref or scope name their index with INDEXED BY, most selective
 * first.  Each such index ends in id, so the cursor and ORDER BY stay on it
 * too; a prepare error, not a slow plan, follows if an index goes away. */
enum {
    Q_SCOPE = 1,
    Q_KEY = 2,
    Q_REF = 4,
    Q_AFTER = 8,
    Q_RANGE = 16,
    Q_DESC = 32,
    Q_SHAPES = 64
};

struct sq_store;

struct conn {
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];     /* prepared on first use */
    sqlite3_stmt *list[Q_SHAPES];   /* by shape, prepared on first use */
    struct sq_store *owner;         /* set once registered */
    struct conn *prev, *next;       /* registry links, under owner->mu */
};

/* WAL checkpoints run on a thread of their own, every CKPT_INTERVAL_MS,
 * instead of inside whichever commit crosses the auto-checkpoint threshold:
 * a checkpoint copies pages back and syncs the database file, which took
 * milliseconds out of a gate decision's commit.  PASSIVE mode never blocks
 * writers or readers. */
#define CKPT_INTERVAL_MS 100

struct checkpointer {
    struct lc_ticker *ticker;
    struct conn *conn; /* its own connection */
};

struct sq_store {
    struct lc_store base; /* first, so the ops can convert back */
    struct checkpointer *ckpt; /* NULL until started */
    /* All writes of this process go through one connection, under wmu.
     * SQLite admits one writer at a time anyway; a single writer keeps its
     * page cache valid across commits, where per-thread writers re-read
     * the pages another thread had just written (pread from the WAL). */
    pthread_mutex_t wmu;
    struct conn *writer;
    char *path;
    pthread_key_t key;    /* the calling thread's struct conn */
    pthread_mutex_t mu;   /* guards conns */
    struct conn *conns;   /* every open connection of this store */
};

static const struct lc_store_ops sqlite_ops;

/* The one translation from SQLite result codes to enum lc_err. */
static enum lc_err from_sqlite(int rc)
{
    switch (rc) {
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_UNIQUE:
        return LC_ECONFLICT;
    default:
        break;
    }
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return LC_OK;
    case SQLITE_NOMEM:
        return LC_ENOMEM;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return LC_EBUSY;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
        return LC_EINVAL;
    case SQLITE_TOOBIG:
        return LC_ETOOBIG;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return LC_ECORRUPT;
    default:
        return LC_EIO;
    }
}

static void set_err(char *errbuf, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!errbuf || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(errbuf, errlen, fmt, ap);
    va_end(ap);
}

static void conn_close(struct conn *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(c->st[i]);
    for (size_t i = 0; i < Q_SHAPES; i++)
        sqlite3_finalize(c->list[i]);
    sqlite3_close_v2(c->db);
    free(c);
}

/* Opens a connection to path and sets its per-connection options.  On
 * failure *out is unchanged and errbuf (may be NULL) says why. */
/* SQLite's memory statistics take a global mutex on every allocation;
 * livecomply does not read them, and many threads allocate at once. */
static pthread_once_t config_once = PTHREAD_ONCE_INIT;

static void configure_sqlite(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static enum lc_err conn_open(const char *path, struct conn **out, char *errbuf,
                             size_t errlen)
{
    struct conn *c = NULL;
    sqlite3_stmt *st = NULL;
    enum lc_err err = LC_OK;
    int rc;

    pthread_once(&config_once, configure_sqlite);
    c = calloc(1, sizeof *c);
    if (!c) {
        err = LC_ENOMEM;
        set_err(errbuf, errlen, "%s: out of memory", path);
        goto out;
    }
    rc = sqlite3_open_v2(path, &c->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                         NULL);
    if (rc != SQLITE_OK) {
        err = from_sqlite(rc);
        set_err(errbuf, errlen, "%s: %s", path,
                c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        goto out;
    }
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);

    /* journal_mode answers with the mode it ended up in: anything but "wal"
     * (an in-memory database says "memory") would break per-thread
     * connections sharing one database. */
    /* Small pages: a commit writes each page it dirties whole to the WAL,
     * and small commits (one gate decision) dirty a few pages of several
     * indexes; 1 KiB pages cut the bytes written per commit about 4x.  Only
     * takes effect when the database file is created. */
    sqlite3_exec(c->db, "PRAGMA page_size = 1024", NULL, NULL, NULL);
    rc = sqlite3_prepare_v2(c->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        err = from_sqlite(rc);
        set_err(errbuf, errlen, "%s: %s", path, sqlite3_errmsg(c->db));
        goto out;
    }
    const char *mode = (const char *)sqlite3_column_text(st, 0);
    if (!mode || strcmp(mode, "wal") != 0) {
        err = LC_EIO;
        set_err(errbuf, errlen, "%s: journal mode is %s, not wal; the store needs a database file",
                path, mode ? mode : "unknown");
        goto out;
    }
    sqlite3_wal_autocheckpoint(c->db, 0); /* the checkpointer thread does it */
    rc = sqlite3_exec(c->db,
                      "PRAGMA synchronous = NORMAL;"
                      /* read pages through a shared mapping: with one
                       * connection per thread, each commit elsewhere
                       * invalidates a connection's private page cache,
                       * and re-reading cost ~15 pread(2) per decision */
                      "PRAGMA mmap_size = 1073741824;"
                      "PRAGMA foreign_keys = ON;",
                      NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        err = from_sqlite(rc);
        set_err(errbuf, errlen, "%s: %s", path, sqlite3_errmsg(c->db));
        goto out;
    }
    *out = c;
    c = NULL;
out:
    sqlite3_finalize(st);
    conn_close(c);
    return err;
}

static void conn_unlink(struct sq_store *s, struct conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
}

/* pthread key destructor: a thread that used the store is exiting. */
static void conn_release(void *p)
{
    struct conn *c = p;
    struct sq_store *s = c->owner;

    pthread_mutex_lock(&s->mu);
    conn_unlink(s, c);
    pthread_mutex_unlock(&s->mu);
    conn_close(c);
}

/* Makes c the calling thread's connection and registers it.  On failure c
 * is left unregistered and still belongs to the caller. */
static enum lc_err conn_adopt(struct sq_store *s, struct conn *c)
{
    if (pthread_setspecific(s->key, c) != 0)
        return LC_ENOMEM;
    c->owner = s;
    pthread_mutex_lock(&s->mu);
    c->prev = NULL;
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    pthread_mutex_unlock(&s->mu);
    return LC_OK;
}

/* The calling thread's connection, opened on its first call. */
static enum lc_err conn_get(struct sq_store *s, struct conn **out)
{
    struct conn *c = pthread_getspecific(s->key);
    enum lc_err err = LC_OK;

    if (c) {
        *out = c;
        return LC_OK;
    }
    err = conn_open(s->path, &c, NULL, 0);
    if (err != LC_OK)
        goto out;
    err = conn_adopt(s, c);
    if (err != LC_OK) {
        conn_close(c);
        goto out;
    }
    *out = c;
out:
    return err;
}

/* The cached statement for id, prepared on first use. */
static int stmt_get(struct conn *c, enum stmt_id id, sqlite3_stmt **out)
{
    int rc = SQLITE_OK;

    if (!c->st[id])
        rc = sqlite3_prepare_v3(c->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                &c->st[id], NULL);
    if (rc == SQLITE_OK)
        *out = c->st[id];
    return rc;
}

/* Readies a cached statement for its next use; bindings are cleared so no
 * statement keeps pointers to a caller's strings. */
static void stmt_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* Runs a statement that returns no rows (BEGIN, COMMIT, ROLLBACK). */
static int run(struct conn *c, enum stmt_id id)
{
    sqlite3_stmt *st = NULL;
    int rc = stmt_get(c, id, &st);

    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    stmt_done(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static bool fixed_ok(const char *s, size_t cap)
{
    return s[0] != '\0' && memchr(s, '\0', cap) != NULL;
}

static enum lc_err check_write(const struct lc_write *w)
{
    const struct lc_record *r = w->rec;

    if (w->op != LC_WRITE_INSERT && w->op != LC_WRITE_UPDATE)
        return LC_EINVAL;
    if (!r || !r->body || !fixed_ok(r->kind, sizeof r->kind) || !fixed_ok(r->id, sizeof r->id))
        return LC_EINVAL;
    return LC_OK;
}

/* Binds r to the parameters INSERT and UPDATE share: ?1 kind, ?2 id,
 * ?3 scope, ?4 key, ?5 ref, ?6 created_at, ?7 updated_at, ?8 body.  Strings
 * are SQLITE_STATIC: r outlives the step, and stmt_done() clears them. */
static int bind_record(sqlite3_stmt *st, const struct lc_record *r)
{
    int rc = sqlite3_bind_text(st, 1, r->kind, -1, SQLITE_STATIC);

    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 2, r->id, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 3, r->scope, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 4, r->key, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 5, r->ref, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 6, r->created_at);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 7, r->updated_at);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 8, r->body, -1, SQLITE_STATIC);
    return rc;
}

/* After an UPDATE matched nothing: was the version stale, or is there no
 * such record? */
static enum lc_err missing_or_stale(struct conn *c, const struct lc_record *r)
{
    sqlite3_stmt *st = NULL;
    int rc = stmt_get(c, ST_EXISTS, &st);

    if (rc != SQLITE_OK)
        return from_sqlite(rc);
    rc = sqlite3_bind_text(st, 1, r->kind, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 2, r->id, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    stmt_done(st);
    if (rc == SQLITE_ROW)
        return LC_ECONFLICT;
    if (rc == SQLITE_DONE)
        return LC_ENOTFOUND;
    return from_sqlite(rc);
}

static enum lc_err write_one(struct conn *c, const struct lc_write *w)
{
    bool update = w->op == LC_WRITE_UPDATE;
    sqlite3_stmt *st = NULL;
    int changes;
    int rc;

    rc = stmt_get(c, update ? ST_UPDATE : ST_INSERT, &st);
    if (rc != SQLITE_OK)
        return from_sqlite(rc);
    rc = bind_record(st, w->rec);
    if (rc == SQLITE_OK && update)
        rc = sqlite3_bind_int64(st, 9, w->rec->version);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    changes = sqlite3_changes(c->db);
    stmt_done(st);
    if (rc != SQLITE_DONE)
        return from_sqlite(rc);
    if (update && changes == 0)
        return missing_or_stale(c, w->rec);
    return LC_OK;
}

static enum lc_err sq_apply(struct lc_store *base, const struct lc_write *w, size_t n)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = NULL;
    bool in_tx = false;
    enum lc_err err = LC_OK;
    int rc;

    if (n > 0 && !w)
        return LC_EINVAL;
    for (size_t i = 0; i < n; i++) {
        err = check_write(&w[i]);
        if (err != LC_OK)
            return err;
    }
    if (n == 0)
        return LC_OK;
    pthread_mutex_lock(&s->wmu);
    c = s->writer;
    rc = run(c, ST_BEGIN);
    if (rc != SQLITE_OK) {
        err = from_sqlite(rc);
        goto out;
    }
    in_tx = true;
    for (size_t i = 0; i < n; i++) {
        err = write_one(c, &w[i]);
        if (err != LC_OK)
            goto out;
    }
    /* A COMMIT that fails leaves the transaction open; out: rolls it back. */
    rc = run(c, ST_COMMIT);
    if (rc != SQLITE_OK) {
        err = from_sqlite(rc);
        goto out;
    }
    in_tx = false;
out:
    /* Some errors (I/O, full disk) roll back by themselves. */
    if (in_tx && !sqlite3_get_autocommit(c->db))
        (void)run(c, ST_ROLLBACK);
    pthread_mutex_unlock(&s->wmu);
    return err;
}

/* Copies a text column into a fixed array; false if it does not fit. */
static bool read_fixed(sqlite3_stmt *st, int col, char *dst, size_t cap)
{
    const unsigned char *p = sqlite3_column_text(st, col);
    size_t n = (size_t)sqlite3_column_bytes(st, col);

    if (!p || n >= cap)
        return false;
    memcpy(dst, p, n);
    dst[n] = '\0';
    return true;
}

/* Fills r from the current row.  With own, strings are copied to the heap
 * and r is the caller's to clean up (on failure it is cleaned here);
 * without, they point into the row and last until the statement moves on. */
static enum lc_err read_row(sqlite3_stmt *st, struct lc_record *r, bool own)
{
    char **text[] = {&r->scope, &r->key, &r->ref, &r->body};
    const int text_col[] = {2, 3, 4, 8};
    enum lc_err err = LC_OK;

    memset(r, 0, sizeof *r);
    if (!read_fixed(st, 0, r->kind, sizeof r->kind) || !read_fixed(st, 1, r->id, sizeof r->id)) {
        err = LC_ECORRUPT;
        goto out;
    }
    for (size_t i = 0; i < sizeof text / sizeof text[0]; i++) {
        if (sqlite3_column_type(st, text_col[i]) == SQLITE_NULL) {
            if (text[i] == &r->body) {
                err = LC_ECORRUPT;
                goto out;
            }
            continue;
        }
        const char *p = (const char *)sqlite3_column_text(st, text_col[i]);
        if (!p) {
            err = LC_ENOMEM;
            goto out;
        }
        /* Borrowed rows hand out SQLite's buffer; the callback gets the
         * record as const and is told not to keep or change it. */
        *text[i] = own ? strdup(p) : (char *)p;
        if (!*text[i]) {
            err = LC_ENOMEM;
            goto out;
        }
    }
    r->created_at = sqlite3_column_int64(st, 5);
    r->updated_at = sqlite3_column_int64(st, 6);
    r->version = sqlite3_column_int64(st, 7);
out:
    if (err != LC_OK && own)
        lc_record_cleanup(r);
    return err;
}

/* get() and find(): one row by two text parameters into *out. */
static enum lc_err fetch_one(struct lc_store *base, enum stmt_id id, const char *a,
                             const char *b, struct lc_record *out)
{
    struct sq_store *s = (struct sq_store *)base;
    struct lc_record tmp;
    struct conn *c = NULL;
    sqlite3_stmt *st = NULL;
    enum lc_err err = LC_OK;
    int rc;

    if (!a || !b || !out)
        return LC_EINVAL;
    err = conn_get(s, &c);
    if (err != LC_OK)
        goto out;
    rc = stmt_get(c, id, &st);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        err = LC_ENOTFOUND;
        goto out;
    }
    if (rc != SQLITE_ROW) {
        err = from_sqlite(rc);
        goto out;
    }
    err = read_row(st, &tmp, true);
    if (err != LC_OK)
        goto out;
    *out = tmp;
out:
    if (st)
        stmt_done(st);
    return err;
}

static enum lc_err sq_get(struct lc_store *s, const char *kind, const char *id,
                          struct lc_record *out)
{
    return fetch_one(s, ST_GET, kind, id, out);
}

static enum lc_err sq_find(struct lc_store *s, const char *kind, const char *key,
                           struct lc_record *out)
{
    return fetch_one(s, ST_FIND, kind, key, out);
}

static unsigned query_shape(const struct lc_query *q)
{
    unsigned shape = 0;

    if (q->scope)
        shape |= Q_SCOPE;
    if (q->key)
        shape |= Q_KEY;
    if (q->ref)
        shape |= Q_REF;
    if (q->after_id)
        shape |= Q_AFTER;
    if (q->to > 0)
        shape |= Q_RANGE;
    if (q->newest_first)
        shape |= Q_DESC;
    return shape;
}

/* The longest shape is well under this; see lc_store_sqlite_list_sql(). */
#define LIST_SQL_MAX 512

static size_t shape_sql(unsigned shape, char *buf, size_t cap)
{
    bool desc = shape & Q_DESC;
    const char *index = shape & Q_KEY     ? " INDEXED BY records_kind_key"
                        : shape & Q_REF   ? " INDEXED BY records_kind_ref"
                        : shape & Q_SCOPE ? " INDEXED BY records_kind_scope"
                                          : "";
    int n = snprintf(buf, cap,
                     "SELECT " COLS " FROM records%s WHERE kind = ?1%s%s%s%s%s"
                     " ORDER BY id %s LIMIT ?8",
                     index,
                     shape & Q_SCOPE ? " AND scope = ?2" : "",
                     shape & Q_KEY ? " AND key = ?3" : "",
                     shape & Q_REF ? " AND ref = ?4" : "",
                     shape & Q_AFTER ? (desc ? " AND id < ?5" : " AND id > ?5") : "",
                     shape & Q_RANGE ? " AND created_at >= ?6 AND created_at < ?7" : "",
                     desc ? "DESC" : "ASC");
    return n < 0 ? 0 : (size_t)n;
}

size_t lc_store_sqlite_list_sql(const struct lc_query *q, char *buf, size_t cap)
{
    return shape_sql(query_shape(q), buf, cap);
}

const char *lc_store_sqlite_find_sql(void)
{
    return stmt_sql[ST_FIND];
}

/* Binds every list parameter; those a shape does not mention are ignored
 * by SQLite, since ?8 makes all of ?1..?8 valid indexes. */
static int bind_query(sqlite3_stmt *st, const struct lc_query *q)
{
    int64_t limit = q->limit == 0 || q->limit > INT64_MAX ? -1 : (int64_t)q->limit;
    int rc = sqlite3_bind_text(st, 1, q->kind, -1, SQLITE_STATIC);

    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 2, q->scope, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 3, q->key, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 4, q->ref, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 5, q->after_id, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 6, q->from);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 7, q->to);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 8, limit);
    return rc;
}

/* The records handed to fn point into SQLite's row buffers: valid during
 * the call only.  fn may call the store again, even list() with the same
 * shape (that nested call prepares a statement of its own). */
static enum lc_err sq_list(struct lc_store *base, const struct lc_query *q, lc_record_fn fn,
                           void *ctx)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = NULL;
    sqlite3_stmt *st = NULL;
    bool cached = true;
    char sql[LIST_SQL_MAX];
    enum lc_err err = LC_OK;
    unsigned shape;
    int rc;

    if (!q || !q->kind || !fn)
        return LC_EINVAL;
    err = conn_get(s, &c);
    if (err != LC_OK)
        goto out;
    shape = query_shape(q);
    if (c->list[shape] && sqlite3_stmt_busy(c->list[shape])) {
        /* fn of an outer list() with this shape is calling us. */
        cached = false;
        shape_sql(shape, sql, sizeof sql);
        rc = sqlite3_prepare_v3(c->db, sql, -1, 0, &st, NULL);
    } else if (!c->list[shape]) {
        shape_sql(shape, sql, sizeof sql);
        rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->list[shape],
                                NULL);
        st = c->list[shape];
    } else {
        rc = SQLITE_OK;
        st = c->list[shape];
    }
    if (rc == SQLITE_OK)
        rc = bind_query(st, q);
    if (rc != SQLITE_OK) {
        err = from_sqlite(rc);
        goto out;
    }
    for (;;) {
        struct lc_record r;

        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_ROW) {
            err = from_sqlite(rc);
            break;
        }
        err = read_row(st, &r, false);
        if (err != LC_OK || fn(ctx, &r) != 0)
            break;
    }
out:
    if (st && cached)
        stmt_done(st);
    else
        sqlite3_finalize(st);
    return err;
}

static void checkpoint_tick(void *arg)
{
    struct checkpointer *k = arg;
    sqlite3_wal_checkpoint_v2(k->conn->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

static enum lc_err checkpointer_start(struct sq_store *s, char *errbuf, size_t errlen)
{
    struct checkpointer *k = calloc(1, sizeof *k);
    if (!k)
        return LC_ENOMEM;
    enum lc_err err = conn_open(s->path, &k->conn, errbuf, errlen);
    if (err != LC_OK) {
        free(k);
        return err;
    }
    if (lc_ticker_start(CKPT_INTERVAL_MS, checkpoint_tick, k, &k->ticker) != LC_OK) {
        conn_close(k->conn);
        free(k);
        set_err(errbuf, errlen, "%s: cannot start the checkpoint thread", s->path);
        return LC_EIO;
    }
    s->ckpt = k;
    return LC_OK;
}

/* Stops the thread and folds the whole WAL back into the database. */
static void checkpointer_stop(struct checkpointer *k)
{
    if (!k)
        return;
    lc_ticker_stop(k->ticker);
    sqlite3_wal_checkpoint_v2(k->conn->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    conn_close(k->conn);
    free(k);
}

static void sq_close(struct lc_store *base)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c;

    checkpointer_stop(s->ckpt);
    s->ckpt = NULL;
    conn_close(s->writer);
    s->writer = NULL;
    pthread_mutex_destroy(&s->wmu);
    /* After key delete no destructor runs, so the registry is the only way
     * left to each connection. */
    pthread_key_delete(s->key);
    pthread_mutex_lock(&s->mu);
    c = s->conns;
    s->conns = NULL;
    pthread_mutex_unlock(&s->mu);
    while (c) {
        struct conn *next = c->next;
        conn_close(c);
        c = next;
    }
    pthread_mutex_destroy(&s->mu);
    free(s->path);
    free(s);
}

/* One query returning a single integer. */
static int query_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_ERROR;
    }
    sqlite3_finalize(st);
    return rc;
}

static int record_migration(sqlite3 *db, int64_t version)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(
        db, "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)", -1, &st,
        NULL);

    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 1, version);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 2, (int64_t)time(NULL));
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Brings the schema up to N_MIGRATIONS, one migration per transaction.  The
 * version is read under the write lock, so processes opening the same file
 * at once apply each migration exactly once. */
static enum lc_err migrate(sqlite3 *db, const char *path, char *errbuf, size_t errlen)
{
    bool in_tx = false;
    enum lc_err err = LC_OK;
    int64_t current = 0;
    int rc;

    for (;;) {
        rc = sqlite3_exec(db,
                          "BEGIN IMMEDIATE;"
                          "CREATE TABLE IF NOT EXISTS schema_migrations ("
                          " version INTEGER PRIMARY KEY, applied_at INTEGER)",
                          NULL, NULL, NULL);
        in_tx = !sqlite3_get_autocommit(db);
        if (rc == SQLITE_OK)
            rc = query_int(db, "SELECT coalesce(max(version), 0) FROM schema_migrations",
                           &current);
        if (rc != SQLITE_OK) {
            err = from_sqlite(rc);
            set_err(errbuf, errlen, "%s: reading schema version: %s", path,
                    sqlite3_errmsg(db));
            goto out;
        }
        if (current > N_MIGRATIONS || current < 0) {
            err = LC_ECORRUPT;
            set_err(errbuf, errlen,
                    "%s: schema version %lld is newer than this build knows (%lld); "
                    "refusing to open it",
                    path, (long long)current, (long long)N_MIGRATIONS);
            goto out;
        }
        if (current == N_MIGRATIONS)
            break;
        rc = sqlite3_exec(db, migrations[current], NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            rc = record_migration(db, current + 1);
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
            err = from_sqlite(rc);
            set_err(errbuf, errlen, "%s: migration %lld: %s", path, (long long)current + 1,
                    sqlite3_errmsg(db));
            goto out;
        }
        in_tx = false;
    }
    rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        err = from_sqlite(rc);
        set_err(errbuf, errlen, "%s: %s", path, sqlite3_errmsg(db));
        goto out;
    }
    in_tx = false;
out:
    if (in_tx && !sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return err;
}

enum lc_err lc_store_open_sqlite(const char *path, struct lc_store **out, char *errbuf,
                                 size_t errlen)
{
    struct sq_store *s = NULL;
    struct conn *c = NULL;
    bool ready = false; /* mutex and key exist: sq_close() can undo s */
    enum lc_err err = LC_OK;

    if (!path || !*path || !out) {
        set_err(errbuf, errlen, "sqlite store: no database path given");
        return LC_EINVAL;
    }
    s = calloc(1, sizeof *s);
    if (s)
        s->path = strdup(path);
    if (!s || !s->path) {
        err = LC_ENOMEM;
        set_err(errbuf, errlen, "%s: out of memory", path);
        goto out;
    }
    s->base.ops = &sqlite_ops;
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        err = LC_ENOMEM;
        set_err(errbuf, errlen, "%s: cannot create mutex", path);
        goto out;
    }
    if (pthread_mutex_init(&s->wmu, NULL) != 0) {
        pthread_mutex_destroy(&s->mu);
        err = LC_ENOMEM;
        set_err(errbuf, errlen, "%s: cannot create mutex", path);
        goto out;
    }
    if (pthread_key_create(&s->key, conn_release) != 0) {
        pthread_mutex_destroy(&s->mu);
        pthread_mutex_destroy(&s->wmu);
        err = LC_ENOMEM;
        set_err(errbuf, errlen, "%s: cannot create thread key", path);
        goto out;
    }
    ready = true;
    err = conn_open(path, &c, errbuf, errlen);
    if (err != LC_OK)
        goto out;
    err = migrate(c->db, path, errbuf, errlen);
    if (err != LC_OK)
        goto out;
    err = checkpointer_start(s, errbuf, errlen);
    if (err == LC_OK)
        err = conn_open(path, &s->writer, errbuf, errlen);
    if (err != LC_OK)
        goto out;
    err = conn_adopt(s, c);
    if (err != LC_OK) {
        set_err(errbuf, errlen, "%s: cannot set thread connection", path);
        goto out;
    }
    c = NULL;
    *out = &s->base;
    s = NULL;
out:
    conn_close(c);
    if (s && ready) {
        sq_close(&s->base);
    } else if (s) {
        free(s->path);
        free(s);
    }
    return err;
}

static const struct lc_store_ops sqlite_ops = {
    .name = "sqlite",
    .apply = sq_apply,
    .get = sq_get,
    .find = sq_find,
    .list = sq_list,
    .close = sq_close,
};
