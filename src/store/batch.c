/* batch.c -- group commit: a queue of waiting submitters, one writer thread. */
#include "store/batch.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct job {
    const struct lc_write *w;
    size_t n;
    enum lc_err err;
    bool done;
    struct job *next;
};

struct lc_batch {
    struct lc_store *store;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t work; /* signalled when jobs arrive or on stop */
    pthread_cond_t done; /* broadcast when a group is finished */
    struct job *head, *tail;
    bool stop;
    uint64_t commits, submissions;
};

/* Applies a group in one transaction, or one job at a time if that fails. */
static void apply_group(struct lc_batch *b, struct job *group)
{
    size_t total = 0;
    for (struct job *j = group; j; j = j->next)
        total += j->n;
    struct lc_write *all = malloc(total * sizeof *all);
    enum lc_err err = all ? LC_OK : LC_ENOMEM;
    if (all) {
        size_t k = 0;
        for (struct job *j = group; j; j = j->next)
            for (size_t i = 0; i < j->n; i++)
                all[k++] = j->w[i];
        err = lc_store_apply(b->store, all, total);
        free(all);
    }
    uint64_t commits = err == LC_OK;
    for (struct job *j = group; j; j = j->next) {
        j->err = err == LC_OK ? LC_OK : lc_store_apply(b->store, j->w, j->n);
        commits += err != LC_OK;
    }
    pthread_mutex_lock(&b->mu);
    b->commits += commits;
    for (struct job *j = group; j; j = j->next) {
        j->done = true;
        b->submissions++;
    }
    pthread_cond_broadcast(&b->done);
    pthread_mutex_unlock(&b->mu);
}

static void *writer(void *arg)
{
    struct lc_batch *b = arg;
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (!b->head && !b->stop)
            pthread_cond_wait(&b->work, &b->mu);
        if (!b->head)
            break;
        struct job *group = b->head;
        b->head = b->tail = NULL;
        pthread_mutex_unlock(&b->mu);
        apply_group(b, group); /* the next group gathers meanwhile */
        pthread_mutex_lock(&b->mu);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

enum lc_err lc_batch_new(struct lc_store *store, struct lc_batch **out)
{
    struct lc_batch *b = calloc(1, sizeof *b);
    if (!b)
        return LC_ENOMEM;
    b->store = store;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->work, NULL);
    pthread_cond_init(&b->done, NULL);
    if (pthread_create(&b->thread, NULL, writer, b) != 0) {
        pthread_mutex_destroy(&b->mu);
        pthread_cond_destroy(&b->work);
        pthread_cond_destroy(&b->done);
        free(b);
        return LC_EIO;
    }
    *out = b;
    return LC_OK;
}

void lc_batch_free(struct lc_batch *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->mu);
    b->stop = true;
    pthread_cond_signal(&b->work);
    pthread_mutex_unlock(&b->mu);
    pthread_join(b->thread, NULL);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->work);
    pthread_cond_destroy(&b->done);
    free(b);
}

enum lc_err lc_batch_submit(struct lc_batch *b, const struct lc_write *w, size_t n)
{
    struct job j = {w, n, LC_OK, false, NULL};
    pthread_mutex_lock(&b->mu);
    if (b->stop) {
        pthread_mutex_unlock(&b->mu);
        return LC_EBUSY;
    }
    if (b->tail)
        b->tail->next = &j;
    else
        b->head = &j;
    b->tail = &j;
    pthread_cond_signal(&b->work);
    while (!j.done)
        pthread_cond_wait(&b->done, &b->mu);
    pthread_mutex_unlock(&b->mu);
    return j.err;
}

void lc_batch_stats(struct lc_batch *b, uint64_t *commits, uint64_t *submissions)
{
    pthread_mutex_lock(&b->mu);
    *commits = b->commits;
    *submissions = b->submissions;
    pthread_mutex_unlock(&b->mu);
}
