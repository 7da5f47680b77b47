/* mirror.c -- copies every committed store write into the archive, so gate
 * decisions, registry changes, live events, orders and violations are all
 * in the tamper-evident log (R15-R19) without each module knowing about
 * it.  Installed with lc_store_observe by the application.
 *
 * Gate decisions are the one high-rate kind, so the archiver (below) takes
 * them off the request path: they are queued and appended in large batches
 * by a thread of its own, and a start-up reconciliation re-mirrors any the
 * queue lost to a crash.  Every other kind is appended before the write is
 * acknowledged. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/archive.h"
#include "archive/archive_int.h"
#include "core/time.h"
#include "store/store.h"

/* Kinds that are not records of the platform's business (hashed API
 * tokens). */
static int skipped(const char *kind)
{
    return strcmp(kind, "token") == 0;
}

/* {type, ts, data} for one write: events keep their own type and time. */
static json_t *record_of(const struct lc_write *w)
{
    const struct lc_record *r = w->rec;
    json_t *data = json_loads(r->body, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(data)) {
        json_decref(data);
        data = json_pack("{s:s}", "body", r->body);
    }
    if (!data)
        return NULL;
    const char *type = r->kind, *ts = json_string_value(json_object_get(data, "ts"));
    int64_t t;
    if (strcmp(r->kind, "event") == 0 && json_string_value(json_object_get(data, "type")))
        type = json_string_value(json_object_get(data, "type"));
    char now[LC_TIME_STRLEN];
    if (!ts || lc_time_parse(ts, &t) != LC_OK) {
        lc_time_format(r->updated_at ? r->updated_at : lc_time_now(), now);
        ts = now;
    }
    json_t *rec = json_pack("{s:s, s:s, s:O}", "type", type, "ts", ts, "data", data);
    if (rec) {
        json_t *d = json_object_get(rec, "data");
        json_object_set_new(d, "_kind", json_string(r->kind));
        json_object_set_new(d, "_id", json_string(r->id));
        json_object_set_new(d, "_op", json_string(w->op == LC_WRITE_INSERT ? "insert" : "update"));
    }
    json_decref(data);
    return rec;
}

/* ---- the archiver: gate decisions through a queue ---- */

#define DECISION "gate_decision"
/* Observers wait (backpressure) rather than grow the queue past this. */
#define QUEUE_MAX ((size_t)1 << 16)
/* One lc_archive_append takes at most this many records. */
#define CHUNK ((size_t)4096)

struct lc_archiver {
    struct lc_archive *a;
    unsigned flush_ms;
    size_t batch;
    pthread_mutex_t mu;
    pthread_cond_t more; /* records queued, or stop */
    pthread_cond_t room; /* the queue drained */
    json_t **q;
    size_t n, cap;
    size_t busy;   /* records taken by the thread, not yet appended */
    int stop;      /* lc_archiver_free: drain, then exit */
    int failed;    /* an append failed: fail-stop */
    pthread_t thread;
};

static int deferred(const char *kind)
{
    return strcmp(kind, DECISION) == 0;
}

/* Appends recs[0..n) in chunks; LC_OK or the first failure. */
static enum lc_err append_all(struct lc_archive *a, json_t *const *recs, size_t n)
{
    enum lc_err err = LC_OK;
    for (size_t i = 0; err == LC_OK && i < n; i += CHUNK) {
        struct lc_errinfo e = {0};
        err = lc_archive_append(a, recs + i, n - i < CHUNK ? n - i : CHUNK, NULL, &e);
    }
    return err;
}

static void deadline_after(struct timespec *ts, unsigned ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Takes the whole queue once it holds batch records, its oldest has waited
 * flush_ms, or the archiver stops.  Caller holds mu. */
static json_t **take(struct lc_archiver *r, size_t *n)
{
    while (!r->n && !r->stop)
        pthread_cond_wait(&r->more, &r->mu);
    struct timespec until;
    deadline_after(&until, r->flush_ms);
    while (r->n < r->batch && !r->stop)
        if (pthread_cond_timedwait(&r->more, &r->mu, &until) == ETIMEDOUT)
            break;
    json_t **q = r->q;
    *n = r->n;
    r->busy = r->n;
    r->q = NULL;
    r->n = r->cap = 0;
    return q;
}

static void *drain(void *arg)
{
    struct lc_archiver *r = arg;
    pthread_mutex_lock(&r->mu);
    while (!r->stop || r->n) {
        size_t n = 0;
        json_t **q = take(r, &n);
        int failed = r->failed;
        pthread_mutex_unlock(&r->mu);
        /* after a failure the records are dropped: the store has them and
         * the next start re-mirrors them (lc_archiver_reconcile) */
        enum lc_err err = failed || !n ? LC_OK : append_all(r->a, q, n);
        if (err != LC_OK)
            fprintf(stderr, "archive: cannot append %zu gate decisions (%s); "
                            "refusing further writes until a restart reconciles them\n",
                    n, lc_err_name(err));
        for (size_t i = 0; i < n; i++)
            json_decref(q[i]);
        free(q);
        pthread_mutex_lock(&r->mu);
        r->failed |= err != LC_OK;
        r->busy = 0;
        pthread_cond_broadcast(&r->room);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

enum lc_err lc_archiver_new(struct lc_archive *a, unsigned flush_ms, size_t batch,
                            struct lc_archiver **out)
{
    struct lc_archiver *r = calloc(1, sizeof *r);
    if (!r)
        return LC_ENOMEM;
    r->a = a;
    r->flush_ms = flush_ms ? flush_ms : 1;
    r->batch = batch ? batch : 1;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->more, NULL);
    pthread_cond_init(&r->room, NULL);
    if (pthread_create(&r->thread, NULL, drain, r) != 0) {
        pthread_cond_destroy(&r->room);
        pthread_cond_destroy(&r->more);
        pthread_mutex_destroy(&r->mu);
        free(r);
        return LC_EIO;
    }
    *out = r;
    return LC_OK;
}

void lc_archiver_free(struct lc_archiver *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->stop = 1;
    pthread_cond_broadcast(&r->more);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    pthread_cond_destroy(&r->room);
    pthread_cond_destroy(&r->more);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

/* Queues recs (taking them); LC_EIO once the archiver has failed. */
static enum lc_err enqueue(struct lc_archiver *r, json_t **recs, size_t n)
{
    enum lc_err err = LC_OK;
    pthread_mutex_lock(&r->mu);
    while (!r->failed && r->n + r->busy >= QUEUE_MAX)
        pthread_cond_wait(&r->room, &r->mu);
    if (r->failed) {
        err = LC_EIO;
        goto out;
    }
    if (r->n + n > r->cap) {
        size_t cap = r->cap ? r->cap : 256;
        while (cap < r->n + n)
            cap *= 2;
        json_t **q = realloc(r->q, cap * sizeof *q);
        if (!q) {
            err = LC_ENOMEM;
            goto out;
        }
        r->q = q;
        r->cap = cap;
    }
    memcpy(r->q + r->n, recs, n * sizeof *recs);
    r->n += n;
    /* a full batch, or the first record (which starts the flush clock) */
    if (r->n >= r->batch || r->n == n)
        pthread_cond_signal(&r->more);
out:
    pthread_mutex_unlock(&r->mu);
    return err;
}

enum lc_err lc_archiver_observe(void *ctx, const struct lc_write *w, size_t n)
{
    struct lc_archiver *r = ctx;
    json_t **now = calloc(n ? n : 1, sizeof *now), **later = calloc(n ? n : 1, sizeof *later);
    size_t kn = 0, kl = 0;
    enum lc_err err = now && later ? LC_OK : LC_ENOMEM;
    for (size_t i = 0; err == LC_OK && i < n; i++) {
        if (skipped(w[i].rec->kind))
            continue;
        json_t *rec = record_of(&w[i]);
        if (!rec)
            err = LC_ENOMEM;
        else if (deferred(w[i].rec->kind))
            later[kl++] = rec;
        else
            now[kn++] = rec;
    }
    if (err == LC_OK && kn)
        err = append_all(r->a, now, kn);
    if (err == LC_OK && kl && (err = enqueue(r, later, kl)) == LC_OK)
        kl = 0; /* the queue owns them */
    for (size_t i = 0; i < kn; i++)
        json_decref(now[i]);
    for (size_t i = 0; i < kl; i++)
        json_decref(later[i]);
    free(now);
    free(later);
    return err;
}

/* ---- reconciliation ---- */

/* What the archive holds of recent decisions: "<id> insert" for each
 * mirrored insert and "<id> ended" for each mirrored end of a session. */
static enum lc_err archived_since(struct lc_archive *a, int64_t margin, json_t *seen,
                                  int64_t *since)
{
    int64_t newest = 0, at;
    for (uint64_t i = lc_archive_size(a); i-- > 0;) {
        json_t *rec = NULL;
        enum lc_err err = lc_archive_read_json(a, i, &rec);
        if (err != LC_OK)
            return err;
        const char *type = json_string_value(json_object_get(rec, "type"));
        const char *ts = json_string_value(json_object_get(rec, "at"));
        json_t *data = json_object_get(rec, "data");
        int stop = 0;
        if (type && strcmp(type, DECISION) == 0 && ts && lc_time_parse(ts, &at) == LC_OK) {
            if (!newest)
                newest = at;
            stop = at < newest - margin;
            const char *id = json_string_value(json_object_get(data, "_id"));
            const char *op = json_string_value(json_object_get(data, "_op"));
            const char *status = json_string_value(json_object_get(data, "status"));
            char k[LC_ID_MAX + 16];
            if (!stop && id && op && strcmp(op, "insert") == 0) {
                snprintf(k, sizeof k, "%s insert", id);
                json_object_set_new(seen, k, json_true());
            }
            if (!stop && id && status && strcmp(status, "ended") == 0) {
                snprintf(k, sizeof k, "%s ended", id);
                json_object_set_new(seen, k, json_true());
            }
        }
        json_decref(rec);
        if (stop)
            break;
    }
    *since = newest ? newest - margin : 0;
    return LC_OK;
}

struct recon {
    struct lc_archive *a;
    json_t *seen;
    int64_t since;
    size_t checked, repaired;
    enum lc_err err;
};

static int recon_one(void *ctx, const struct lc_record *r)
{
    struct recon *c = ctx;
    if (r->updated_at < c->since)
        return 0;
    c->checked++;
    json_t *body = json_loads(r->body, 0, NULL);
    const char *status = json_string_value(json_object_get(body, "status"));
    int ended = status && strcmp(status, "ended") == 0;
    char k[LC_ID_MAX + 16];
    snprintf(k, sizeof k, "%s %s", r->id, ended ? "ended" : "insert");
    json_decref(body);
    if (json_object_get(c->seen, k))
        return 0;
    /* re-mirror the current state: an ended session as its update, so the
     * archive shows the end whether or not its start got there */
    struct lc_write w = {ended ? LC_WRITE_UPDATE : LC_WRITE_INSERT, r};
    json_t *rec = record_of(&w);
    if (rec)
        json_object_set_new(json_object_get(rec, "data"), "_reconciled", json_true());
    struct lc_errinfo e = {0};
    c->err = rec ? lc_archive_append(c->a, &rec, 1, NULL, &e) : LC_ENOMEM;
    json_decref(rec);
    c->repaired += c->err == LC_OK;
    json_object_set_new(c->seen, k, json_true());
    return c->err != LC_OK;
}

enum lc_err lc_archiver_reconcile(struct lc_archive *a, struct lc_store *s, int64_t margin,
                                  int64_t session_max, size_t *repaired)
{
    struct recon c = {.a = a, .seen = json_object()};
    enum lc_err err = c.seen ? archived_since(a, margin, c.seen, &c.since) : LC_ENOMEM;
    /* decisions made since: every kind (allow and deny) */
    struct lc_query q = {.kind = DECISION, .from = c.since, .to = INT64_MAX};
    if (err == LC_OK)
        err = lc_store_list(s, &q, recon_one, &c);
    if (err == LC_OK)
        err = c.err;
    /* sessions opened up to session_max before and ended since: only allow
     * decisions are ever updated */
    struct lc_query old = {.kind = DECISION, .key = "allow",
                           .from = c.since > session_max ? c.since - session_max : 0,
                           .to = c.since};
    if (err == LC_OK && c.since > 0)
        err = lc_store_list(s, &old, recon_one, &c);
    if (err == LC_OK)
        err = c.err;
    if (err == LC_OK && c.repaired)
        fprintf(stderr, "archive: re-mirrored %zu of %zu recent gate decisions\n",
                c.repaired, c.checked);
    if (err == LC_OK && repaired)
        *repaired = c.repaired;
    json_decref(c.seen);
    return err;
}
