/* batch.c -- leader/follower group commit.
 *
 * Submitters queue up.  The submitter at the head of the queue is the
 * leader: it takes every job queued so far, applies them in one transaction
 * on its own thread, marks them done, wakes their submitters and hands the
 * lead to the next job in line.  An uncontended submission therefore costs
 * one transaction and no thread switch; under load, one transaction serves
 * everyone who arrived while the previous one was running. */
#include "store/batch.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/time.h"

const double lc_batch_bucket_le[LC_BATCH_BUCKETS] = {0.00005, 0.0001, 0.00025, 0.0005, 0.001,
                                                     0.0025,  0.005,  0.01,    0.05,   0.25};

struct job {
    const struct lc_write *w;
    size_t n;
    enum lc_err err;
    bool done;
    pthread_cond_t cv; /* signalled when done, or when this job leads */
    struct job *next;
};

struct lc_batch {
    struct lc_store *store;
    pthread_mutex_t mu;
    struct job *head, *tail;
    unsigned active;     /* submitters inside lc_batch_submit */
    pthread_cond_t idle; /* signalled when active drops to 0 */
    bool stop;
    struct lc_batch_stats stats;
};

/* Applies jobs first..last in one transaction (falling back to one
 * transaction per job if the combined one fails, so one bad write never
 * sinks its neighbours) and returns the number of transactions committed.
 * Runs unlocked: the submitters are waiting and the links do not change. */
static uint64_t apply_group(struct lc_store *store, struct job *first, size_t njobs)
{
    size_t total = 0, k = 0, i;
    struct job *j;
    for (j = first, i = 0; i < njobs; j = j->next, i++)
        total += j->n;
    struct lc_write *all = njobs > 1 ? malloc(total * sizeof *all) : NULL;
    if (all) {
        for (j = first, i = 0; i < njobs; j = j->next, i++)
            for (size_t w = 0; w < j->n; w++)
                all[k++] = j->w[w];
        enum lc_err err = lc_store_apply(store, all, total);
        free(all);
        if (err == LC_OK) {
            for (j = first, i = 0; i < njobs; j = j->next, i++)
                j->err = LC_OK;
            return 1;
        }
    }
    uint64_t commits = 0;
    for (j = first, i = 0; i < njobs; j = j->next, i++) {
        j->err = lc_store_apply(store, j->w, j->n);
        commits += j->err == LC_OK;
    }
    return commits;
}

enum lc_err lc_batch_new(struct lc_store *store, struct lc_batch **out)
{
    struct lc_batch *b = calloc(1, sizeof *b);
    if (!b)
        return LC_ENOMEM;
    b->store = store;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->idle, NULL);
    *out = b;
    return LC_OK;
}

void lc_batch_free(struct lc_batch *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->mu);
    b->stop = true; /* refuse new submissions, let the queued ones finish */
    while (b->active)
        pthread_cond_wait(&b->idle, &b->mu);
    pthread_mutex_unlock(&b->mu);
    pthread_cond_destroy(&b->idle);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

enum lc_err lc_batch_submit(struct lc_batch *b, const struct lc_write *w, size_t n)
{
    struct job j = {.w = w, .n = n, .err = LC_OK, .done = false, .next = NULL};
    pthread_cond_init(&j.cv, NULL);
    pthread_mutex_lock(&b->mu);
    if (b->stop) {
        pthread_mutex_unlock(&b->mu);
        pthread_cond_destroy(&j.cv);
        return LC_EBUSY;
    }
    b->active++;
    if (b->tail)
        b->tail->next = &j;
    else
        b->head = &j;
    b->tail = &j;
    while (!j.done && b->head != &j)
        pthread_cond_wait(&j.cv, &b->mu);
    if (!j.done) {
        /* leader: commit everything queued up to now */
        struct job *last = b->tail;
        size_t njobs = 1;
        for (struct job *k = &j; k != last; k = k->next)
            njobs++;
        pthread_mutex_unlock(&b->mu);
        uint64_t t0 = lc_time_mono_ns();
        uint64_t commits = apply_group(b->store, &j, njobs);
        double secs = (double)(lc_time_mono_ns() - t0) / 1e9;
        pthread_mutex_lock(&b->mu);
        unsigned bucket = 0;
        while (bucket < LC_BATCH_BUCKETS && secs > lc_batch_bucket_le[bucket])
            bucket++;
        b->stats.hist[bucket]++;
        b->stats.groups++;
        b->stats.seconds += secs;
        b->stats.commits += commits;
        struct job *next = last->next;
        for (struct job *k = &j;; k = k->next) {
            k->done = true;
            b->stats.submissions++;
            if (k != &j)
                pthread_cond_signal(&k->cv);
            if (k == last)
                break;
        }
        b->head = next;
        if (!next)
            b->tail = NULL;
        else
            pthread_cond_signal(&next->cv);
    }
    if (--b->active == 0)
        pthread_cond_signal(&b->idle);
    pthread_mutex_unlock(&b->mu);
    pthread_cond_destroy(&j.cv);
    return j.err;
}

void lc_batch_stats(struct lc_batch *b, struct lc_batch_stats *out)
{
    pthread_mutex_lock(&b->mu);
    *out = b->stats;
    pthread_mutex_unlock(&b->mu);
}
