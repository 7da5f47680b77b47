/* test_batch.c -- unit tests for src/store/batch.c, the group-commit writer,
 * and src/registry/blacklist.c, the in-memory blacklist index.
 *
 * The writer runs over a real SQLite store wrapped in a "gated" store: a
 * struct lc_store of our own whose apply() counts calls, records how many
 * writes each call carried and can hold the committing thread (the
 * submitter leading a group) inside apply() until the test releases it.
 * Holding it lets a test line up submissions behind it, so what ends up in
 * one group is decided by the test, not by the scheduler. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "registry/blacklist.h"
#include "store/batch.h"
#include "store/store.h"

#define KIND "probe"

/* ---- the gated store -------------------------------------------------- */

#define MAX_CALLS 4096

struct gated {
    struct lc_store base; /* first: a struct gated * is a struct lc_store * */
    struct lc_store *real;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool hold;       /* apply() waits while set */
    int inside;      /* apply() calls currently waiting on hold */
    size_t calls;    /* apply() calls so far */
    size_t ok_calls; /* of which returned LC_OK */
    size_t sizes[MAX_CALLS];
    unsigned delay_us; /* extra time each apply() takes, as a slow disk would */
};

static enum lc_err g_apply(struct lc_store *s, const struct lc_write *w, size_t n)
{
    struct gated *g = (struct gated *)s;
    pthread_mutex_lock(&g->mu);
    if (g->calls < MAX_CALLS)
        g->sizes[g->calls] = n;
    g->calls++;
    g->inside++;
    pthread_cond_broadcast(&g->cv);
    while (g->hold)
        pthread_cond_wait(&g->cv, &g->mu);
    g->inside--;
    pthread_mutex_unlock(&g->mu);
    if (g->delay_us)
        usleep(g->delay_us);
    enum lc_err err = lc_store_apply(g->real, w, n);
    pthread_mutex_lock(&g->mu);
    g->ok_calls += err == LC_OK;
    pthread_mutex_unlock(&g->mu);
    return err;
}

static enum lc_err g_get(struct lc_store *s, const char *kind, const char *id,
                         struct lc_record *out)
{
    return lc_store_get(((struct gated *)s)->real, kind, id, out);
}

static enum lc_err g_find(struct lc_store *s, const char *kind, const char *key,
                          struct lc_record *out)
{
    return lc_store_find(((struct gated *)s)->real, kind, key, out);
}

static enum lc_err g_list(struct lc_store *s, const struct lc_query *q, lc_record_fn fn,
                          void *ctx)
{
    return lc_store_list(((struct gated *)s)->real, q, fn, ctx);
}

static void g_close(struct lc_store *s)
{
}

static const struct lc_store_ops gated_ops = {"gated", g_apply, g_get, g_find, g_list, g_close};

/* Waits until the writer is parked inside apply(). */
static void wait_writer_held(struct gated *g)
{
    pthread_mutex_lock(&g->mu);
    while (g->inside == 0)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
}

static void release(struct gated *g)
{
    pthread_mutex_lock(&g->mu);
    g->hold = false;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

struct fx {
    char dir[64];
    char db[128];
    struct lc_store *real;
    struct gated g;
    struct lc_batch *batch;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    char err[256] = "";
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/lc_batch_XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->db, sizeof f->db, "%s/lc.db", f->dir);
    if (lc_store_open_sqlite(f->db, &f->real, err, sizeof err) != LC_OK) {
        fprintf(stderr, "open: %s\n", err);
        return -1;
    }
    f->g.base.ops = &gated_ops;
    f->g.real = f->real;
    pthread_mutex_init(&f->g.mu, NULL);
    pthread_cond_init(&f->g.cv, NULL);
    if (lc_batch_new(&f->g.base, &f->batch) != LC_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    const char *suffix[] = {"", "-wal", "-shm"};
    char p[160];
    release(&f->g);
    lc_batch_free(f->batch); /* NULL if a test freed it already */
    lc_store_close(f->real);
    pthread_mutex_destroy(&f->g.mu);
    pthread_cond_destroy(&f->g.cv);
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", f->db, suffix[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static struct lc_record rec(const char *id, const char *body)
{
    struct lc_record r;
    memset(&r, 0, sizeof r);
    snprintf(r.kind, sizeof r.kind, KIND);
    snprintf(r.id, sizeof r.id, "%s", id);
    r.created_at = r.updated_at = 1700000000;
    r.body = (char *)body;
    return r;
}

static int count_one(void *ctx, const struct lc_record *r)
{
    (*(size_t *)ctx)++;
    return 0;
}

static size_t count_records(struct fx *f)
{
    size_t n = 0;
    struct lc_query q = {.kind = KIND};
    assert_int_equal(lc_store_list(f->real, &q, count_one, &n), LC_OK);
    return n;
}

static bool exists(struct fx *f, const char *id, const char *body)
{
    struct lc_record r = {0};
    enum lc_err err = lc_store_get(f->real, KIND, id, &r);
    if (err == LC_ENOTFOUND)
        return false;
    assert_int_equal(err, LC_OK);
    if (body)
        assert_string_equal(r.body, body);
    lc_record_cleanup(&r);
    return true;
}

/* ---- many submitters -------------------------------------------------- */

enum { THREADS = 8, PER_THREAD = 200 };

struct worker {
    struct lc_batch *batch;
    int t;
    int failures;
};

static void *submit_many(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        char id[LC_ID_MAX];
        snprintf(id, sizeof id, "rec_%d_%04d", w->t, i);
        struct lc_record r = rec(id, "{\"n\":1}");
        struct lc_write wr = {LC_WRITE_INSERT, &r};
        if (lc_batch_submit(w->batch, &wr, 1) != LC_OK)
            w->failures++;
    }
    return NULL;
}

/* Runs THREADS x PER_THREAD submissions and checks each one succeeded. */
static void run_many(struct fx *f)
{
    pthread_t th[THREADS];
    struct worker w[THREADS];
    for (int t = 0; t < THREADS; t++) {
        w[t] = (struct worker){f->batch, t, 0};
        assert_int_equal(pthread_create(&th[t], NULL, submit_many, &w[t]), 0);
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(w[t].failures, 0);
}

static void batch_counts(struct lc_batch *b, uint64_t *commits, uint64_t *subs)
{
    struct lc_batch_stats st;
    lc_batch_stats(b, &st);
    *commits = st.commits;
    *subs = st.submissions;
}

static void batch_submissions_from_8_threads_all_land(void **state)
{
    struct fx *f = *state;
    uint64_t commits = 0, subs = 0;
    run_many(f);
    assert_int_equal(count_records(f), THREADS * PER_THREAD);
    for (int t = 0; t < THREADS; t++) {
        char id[LC_ID_MAX];
        snprintf(id, sizeof id, "rec_%d_%04d", t, PER_THREAD - 1);
        assert_true(exists(f, id, "{\"n\":1}"));
    }
    batch_counts(f->batch, &commits, &subs);
    assert_int_equal(subs, THREADS * PER_THREAD);
    /* every group's apply time lands in exactly one histogram bucket */
    struct lc_batch_stats st;
    lc_batch_stats(f->batch, &st);
    uint64_t in_hist = 0;
    for (int k = 0; k <= LC_BATCH_BUCKETS; k++)
        in_hist += st.hist[k];
    assert_true(st.groups >= 1 && st.groups <= subs);
    assert_int_equal(in_hist, st.groups);
    assert_true(st.seconds > 0);
}

static void batch_concurrent_submissions_share_commits(void **state)
{
    struct fx *f = *state;
    uint64_t commits = 0, subs = 0;
    f->g.delay_us = 200; /* a commit takes a while, as an fsync does */
    run_many(f);
    batch_counts(f->batch, &commits, &subs);
    assert_int_equal(subs, THREADS * PER_THREAD);
    assert_true(commits >= 1);
    if (commits >= subs)
        fail_msg("no group commit: %llu commits for %llu submissions",
                 (unsigned long long)commits, (unsigned long long)subs);
    /* every commit the writer counted is one apply() that succeeded */
    assert_int_equal(commits, f->g.ok_calls);
    size_t biggest = 0;
    for (size_t i = 0; i < f->g.calls && i < MAX_CALLS; i++)
        if (f->g.sizes[i] > biggest)
            biggest = f->g.sizes[i];
    assert_true(biggest > 1);
    assert_int_equal(count_records(f), THREADS * PER_THREAD);
}

/* ---- one group, one bad submission ------------------------------------ */

struct one {
    struct lc_batch *batch;
    struct lc_record r[2];
    size_t n;
    enum lc_err err;
    atomic_int *started;
};

static void *submit_one(void *arg)
{
    struct one *o = arg;
    struct lc_write w[2] = {{LC_WRITE_INSERT, &o->r[0]}, {LC_WRITE_INSERT, &o->r[1]}};
    atomic_fetch_add(o->started, 1);
    o->err = lc_batch_submit(o->batch, w, o->n);
    return NULL;
}

/* Holds the writer inside apply() on a first submission ("first"), so that
 * the submissions in o[0..n) started next queue up as one group. */
static void hold_writer_and_queue(struct fx *f, struct one *first, pthread_t *first_th,
                                  struct one *o, pthread_t *th, size_t n)
{
    static atomic_int started;
    atomic_store(&started, 0);
    pthread_mutex_lock(&f->g.mu);
    f->g.hold = true;
    pthread_mutex_unlock(&f->g.mu);
    first->batch = f->batch;
    first->started = &started;
    assert_int_equal(pthread_create(first_th, NULL, submit_one, first), 0);
    wait_writer_held(&f->g);
    for (size_t i = 0; i < n; i++) {
        o[i].batch = f->batch;
        o[i].started = &started;
        assert_int_equal(pthread_create(&th[i], NULL, submit_one, &o[i]), 0);
    }
    while (atomic_load(&started) < (int)n + 1)
        usleep(1000);
    usleep(200 * 1000); /* let each reach the queue */
}

static void batch_conflicting_submission_fails_alone_in_its_group(void **state)
{
    struct fx *f = *state;
    enum { N = 6 };
    struct one first = {0}, o[N];
    pthread_t first_th, th[N];
    char ids[N][LC_ID_MAX];

    struct lc_record taken = rec("rec_dup", "{\"v\":\"original\"}");
    assert_int_equal(lc_store_insert(f->real, &taken), LC_OK);

    first.r[0] = rec("rec_first", "{}");
    first.n = 1;
    memset(o, 0, sizeof o);
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], sizeof ids[i], "rec_ok_%d", i);
        o[i].r[0] = rec(i == 3 ? "rec_dup" : ids[i], "{\"v\":\"new\"}");
        o[i].n = 1;
        o[i].err = LC_EIO;
    }
    hold_writer_and_queue(f, &first, &first_th, o, th, N);
    release(&f->g);
    pthread_join(first_th, NULL);
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);

    assert_int_equal(first.err, LC_OK);
    /* the queued submissions went to the store as one combined group */
    assert_true(f->g.calls >= 2);
    assert_int_equal(f->g.sizes[1], N);
    for (int i = 0; i < N; i++) {
        if (i == 3) {
            assert_int_equal(o[i].err, LC_ECONFLICT);
        } else {
            assert_int_equal(o[i].err, LC_OK);
            assert_true(exists(f, ids[i], "{\"v\":\"new\"}"));
        }
    }
    assert_true(exists(f, "rec_dup", "{\"v\":\"original\"}"));
    assert_int_equal(count_records(f), 1 + 1 + (N - 1));
}

static void batch_submission_is_all_or_nothing(void **state)
{
    struct fx *f = *state;
    enum { N = 3 };
    struct one first = {0}, o[N];
    pthread_t first_th, th[N];

    struct lc_record taken = rec("rec_dup", "{}");
    assert_int_equal(lc_store_insert(f->real, &taken), LC_OK);
    first.r[0] = rec("rec_first", "{}");
    first.n = 1;
    memset(o, 0, sizeof o);
    o[0].r[0] = rec("rec_a", "{}");
    o[0].n = 1;
    /* a good write and a conflicting one in the same submission */
    o[1].r[0] = rec("rec_b_good", "{}");
    o[1].r[1] = rec("rec_dup", "{}");
    o[1].n = 2;
    o[2].r[0] = rec("rec_c", "{}");
    o[2].n = 1;
    hold_writer_and_queue(f, &first, &first_th, o, th, N);
    release(&f->g);
    pthread_join(first_th, NULL);
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(o[0].err, LC_OK);
    assert_int_equal(o[1].err, LC_ECONFLICT);
    assert_int_equal(o[2].err, LC_OK);
    assert_false(exists(f, "rec_b_good", NULL));
    assert_true(exists(f, "rec_a", NULL));
    assert_true(exists(f, "rec_c", NULL));
}

/* When a combined group fails and its jobs are retried one by one, only the
 * retries that commit are counted: 1 commit for "rec_first", then the group
 * of 6 fails and is retried as 6 single applies of which 5 commit. */
static void batch_stats_count_only_transactions_that_committed(void **state)
{
    struct fx *f = *state;
    enum { N = 6 };
    struct one first = {0}, o[N];
    pthread_t first_th, th[N];
    char ids[N][LC_ID_MAX];
    uint64_t commits = 0, subs = 0;

    struct lc_record taken = rec("rec_dup", "{}");
    assert_int_equal(lc_store_insert(f->real, &taken), LC_OK);
    first.r[0] = rec("rec_first", "{}");
    first.n = 1;
    memset(o, 0, sizeof o);
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], sizeof ids[i], "rec_ok_%d", i);
        o[i].r[0] = rec(i == 0 ? "rec_dup" : ids[i], "{}");
        o[i].n = 1;
    }
    hold_writer_and_queue(f, &first, &first_th, o, th, N);
    release(&f->g);
    pthread_join(first_th, NULL);
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    batch_counts(f->batch, &commits, &subs);
    assert_int_equal(subs, N + 1);
    assert_int_equal(f->g.ok_calls, 1 + (N - 1));
    assert_int_equal(commits, f->g.ok_calls);
}

/* ---- shutdown --------------------------------------------------------- */

struct freer {
    struct lc_batch *batch;
    atomic_bool done;
};

static void *free_batch(void *arg)
{
    struct freer *fr = arg;
    lc_batch_free(fr->batch);
    atomic_store(&fr->done, true);
    return NULL;
}

/* lc_batch_free() called while submissions are queued behind a held
 * commit waits for all of them: each gets its own result, all land, and no
 * submitter touches the freed writer afterwards (ASan would see it). */
static void batch_free_drains_pending_submissions(void **state)
{
    struct fx *f = *state;
    enum { N = 5 };
    struct one first = {0}, o[N];
    pthread_t first_th, th[N], free_th;
    struct freer fr = {f->batch, false};

    first.r[0] = rec("rec_first", "{}");
    first.n = 1;
    memset(o, 0, sizeof o);
    for (int i = 0; i < N; i++) {
        char id[LC_ID_MAX];
        snprintf(id, sizeof id, "rec_pending_%d", i);
        o[i].r[0] = rec(id, "{}");
        o[i].n = 1;
        o[i].err = LC_EIO;
    }
    hold_writer_and_queue(f, &first, &first_th, o, th, N);
    assert_int_equal(pthread_create(&free_th, NULL, free_batch, &fr), 0);
    usleep(100 * 1000);
    assert_false(atomic_load(&fr.done)); /* free waits for the writer */
    release(&f->g);
    pthread_join(free_th, NULL);
    f->batch = NULL;
    pthread_join(first_th, NULL);
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(first.err, LC_OK);
    for (int i = 0; i < N; i++)
        assert_int_equal(o[i].err, LC_OK);
    assert_int_equal(count_records(f), N + 1);
}

static void batch_free_accepts_null(void **state)
{
    lc_batch_free(NULL);
}

/* ---- blacklist index -------------------------------------------------- */

static struct lc_blacklist *bl_new(void)
{
    struct lc_blacklist *bl = NULL;
    assert_int_equal(lc_blacklist_new(&bl), LC_OK);
    assert_non_null(bl);
    return bl;
}

/* A 64-hex-digit key, like a blind index. */
static void hexkey(char out[65], unsigned n)
{
    snprintf(out, 65, "%056x%08x", 0xabcu, n);
}

static void blacklist_put_entry_is_active_until_expiry(void **state)
{
    struct lc_blacklist *bl = bl_new();
    char k[65];
    hexkey(k, 1);
    assert_int_equal(lc_blacklist_put(bl, k, 1000), LC_OK);
    assert_true(lc_blacklist_active(bl, k, 0));
    assert_true(lc_blacklist_active(bl, k, 999));
    lc_blacklist_free(bl);
}

static void blacklist_entry_expiring_now_is_not_active(void **state)
{
    struct lc_blacklist *bl = bl_new();
    assert_int_equal(lc_blacklist_put(bl, "k", 1000), LC_OK);
    assert_true(lc_blacklist_active(bl, "k", 999));
    assert_false(lc_blacklist_active(bl, "k", 1000));
    assert_false(lc_blacklist_active(bl, "k", 1001));
    lc_blacklist_free(bl);
}

static void blacklist_latest_expiry_wins(void **state)
{
    struct lc_blacklist *bl = bl_new();
    assert_int_equal(lc_blacklist_put(bl, "k", 1000), LC_OK);
    assert_int_equal(lc_blacklist_put(bl, "k", 500), LC_OK); /* shorter: ignored */
    assert_true(lc_blacklist_active(bl, "k", 800));
    assert_int_equal(lc_blacklist_put(bl, "k", 2000), LC_OK); /* longer: extends */
    assert_true(lc_blacklist_active(bl, "k", 1500));
    assert_false(lc_blacklist_active(bl, "k", 2000));
    lc_blacklist_free(bl);
}

static void blacklist_keeps_every_key_while_growing_past_10000(void **state)
{
    enum { N = 10050 };
    struct lc_blacklist *bl = bl_new();
    char k[65];
    for (unsigned i = 0; i < N; i++) {
        hexkey(k, i);
        assert_int_equal(lc_blacklist_put(bl, k, 1000 + i), LC_OK);
    }
    for (unsigned i = 0; i < N; i++) {
        hexkey(k, i);
        if (!lc_blacklist_active(bl, k, 999 + i))
            fail_msg("key %u lost after growth", i);
        assert_false(lc_blacklist_active(bl, k, 1000 + i));
    }
    hexkey(k, N);
    assert_false(lc_blacklist_active(bl, k, 0));
    lc_blacklist_free(bl);
}

static void blacklist_unknown_key_is_not_active(void **state)
{
    struct lc_blacklist *bl = bl_new();
    assert_false(lc_blacklist_active(bl, "nobody", 0));
    assert_int_equal(lc_blacklist_put(bl, "somebody", 1000), LC_OK);
    assert_false(lc_blacklist_active(bl, "nobody", 0));
    assert_false(lc_blacklist_active(bl, "somebod", 0));
    assert_false(lc_blacklist_active(bl, "somebodyy", 0));
    assert_false(lc_blacklist_active(bl, "", 0));
    assert_false(lc_blacklist_active(bl, NULL, 0));
    lc_blacklist_free(bl);
}

static void blacklist_refuses_overlong_or_empty_key(void **state)
{
    struct lc_blacklist *bl = bl_new();
    char k[66];
    memset(k, 'a', 65);
    k[65] = '\0';
    assert_int_equal(lc_blacklist_put(bl, k, 1000), LC_EINVAL);
    assert_false(lc_blacklist_active(bl, k, 0));
    k[64] = '\0'; /* exactly 64 fits */
    assert_int_equal(lc_blacklist_put(bl, k, 1000), LC_OK);
    assert_true(lc_blacklist_active(bl, k, 0));
    assert_int_equal(lc_blacklist_put(bl, "", 1000), LC_EINVAL);
    lc_blacklist_free(bl);
}

struct bl_worker {
    struct lc_blacklist *bl;
    unsigned base;
    int missing;
};

static void *bl_put_and_read(void *arg)
{
    struct bl_worker *w = arg;
    char k[65];
    for (unsigned i = 0; i < 2000; i++) {
        hexkey(k, w->base + i);
        if (lc_blacklist_put(w->bl, k, 5000) != LC_OK || !lc_blacklist_active(w->bl, k, 0))
            w->missing++;
    }
    return NULL;
}

static void blacklist_concurrent_writers_lose_nothing(void **state)
{
    enum { T = 4 };
    struct lc_blacklist *bl = bl_new();
    pthread_t th[T];
    struct bl_worker w[T];
    char k[65];
    for (unsigned t = 0; t < T; t++) {
        w[t] = (struct bl_worker){bl, t * 100000u, 0};
        assert_int_equal(pthread_create(&th[t], NULL, bl_put_and_read, &w[t]), 0);
    }
    for (unsigned t = 0; t < T; t++)
        pthread_join(th[t], NULL);
    for (unsigned t = 0; t < T; t++)
        assert_int_equal(w[t].missing, 0);
    for (unsigned t = 0; t < T; t++)
        for (unsigned i = 0; i < 2000; i++) {
            hexkey(k, t * 100000u + i);
            assert_true(lc_blacklist_active(bl, k, 4999));
        }
    lc_blacklist_free(bl);
}

static void blacklist_free_accepts_null(void **state)
{
    lc_blacklist_free(NULL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(batch_submissions_from_8_threads_all_land),
        T(batch_concurrent_submissions_share_commits),
        T(batch_conflicting_submission_fails_alone_in_its_group),
        T(batch_submission_is_all_or_nothing),
        T(batch_stats_count_only_transactions_that_committed),
        T(batch_free_drains_pending_submissions),
        cmocka_unit_test(batch_free_accepts_null),
        cmocka_unit_test(blacklist_put_entry_is_active_until_expiry),
        cmocka_unit_test(blacklist_entry_expiring_now_is_not_active),
        cmocka_unit_test(blacklist_latest_expiry_wins),
        cmocka_unit_test(blacklist_keeps_every_key_while_growing_past_10000),
        cmocka_unit_test(blacklist_unknown_key_is_not_active),
        cmocka_unit_test(blacklist_refuses_overlong_or_empty_key),
        cmocka_unit_test(blacklist_concurrent_writers_lose_nothing),
        cmocka_unit_test(blacklist_free_accepts_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
