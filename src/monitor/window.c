/* window.c -- a mutex-guarded hash map of small message rings with LRU
 * eviction (a doubly linked list through the entries). */
#include "monitor/window.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 128

struct msg {
    int64_t ts;
    size_t len;
    char text[LC_WINDOW_BYTES];
};

struct entry {
    char key[KEY_MAX];
    struct msg msgs[LC_WINDOW_MSGS]; /* ring, oldest first from head */
    unsigned head, count;
    struct entry *hnext;             /* hash chain */
    struct entry *prev, *next;       /* LRU list, most recent first */
};

struct lc_window {
    pthread_mutex_t mu;
    struct entry **buckets;
    size_t nbuckets, nkeys, max_keys;
    struct entry *lru_head, *lru_tail;
};

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

enum lc_err lc_window_new(size_t max_keys, struct lc_window **out)
{
    struct lc_window *w = calloc(1, sizeof *w);
    if (!w)
        return LC_ENOMEM;
    w->max_keys = max_keys ? max_keys : 1;
    w->nbuckets = 1;
    while (w->nbuckets < w->max_keys * 2)
        w->nbuckets <<= 1;
    w->buckets = calloc(w->nbuckets, sizeof *w->buckets);
    if (!w->buckets) {
        free(w);
        return LC_ENOMEM;
    }
    pthread_mutex_init(&w->mu, NULL);
    *out = w;
    return LC_OK;
}

void lc_window_free(struct lc_window *w)
{
    if (!w)
        return;
    for (struct entry *e = w->lru_head, *n; e; e = n) {
        n = e->next;
        free(e);
    }
    pthread_mutex_destroy(&w->mu);
    free(w->buckets);
    free(w);
}

static void lru_unlink(struct lc_window *w, struct entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        w->lru_head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        w->lru_tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_front(struct lc_window *w, struct entry *e)
{
    e->next = w->lru_head;
    if (w->lru_head)
        w->lru_head->prev = e;
    w->lru_head = e;
    if (!w->lru_tail)
        w->lru_tail = e;
}

static void evict_oldest(struct lc_window *w)
{
    struct entry *e = w->lru_tail;
    struct entry **pp = &w->buckets[hash(e->key) & (w->nbuckets - 1)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    lru_unlink(w, e);
    free(e);
    w->nkeys--;
}

static struct entry *lookup(struct lc_window *w, const char *key, bool create)
{
    struct entry **b = &w->buckets[hash(key) & (w->nbuckets - 1)];
    for (struct entry *e = *b; e; e = e->hnext)
        if (!strcmp(e->key, key)) {
            lru_unlink(w, e);
            lru_front(w, e);
            return e;
        }
    if (!create)
        return NULL;
    if (w->nkeys >= w->max_keys)
        evict_oldest(w);
    struct entry *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    snprintf(e->key, sizeof e->key, "%s", key);
    b = &w->buckets[hash(key) & (w->nbuckets - 1)];
    e->hnext = *b;
    *b = e;
    lru_front(w, e);
    w->nkeys++;
    return e;
}

/* Joins the fresh earlier messages of e and text into a new buffer. */
static char *join(struct entry *e, int64_t ts, const char *text, size_t len, size_t *prefix)
{
    size_t total = len, n = 0;
    for (unsigned i = 0; i < e->count; i++) {
        struct msg *m = &e->msgs[(e->head + i) % LC_WINDOW_MSGS];
        if (ts - m->ts <= LC_WINDOW_SECONDS)
            total += m->len;
    }
    if (total == len)
        return NULL;
    char *out = malloc(total + 1);
    if (!out)
        return NULL;
    for (unsigned i = 0; i < e->count; i++) {
        struct msg *m = &e->msgs[(e->head + i) % LC_WINDOW_MSGS];
        if (ts - m->ts <= LC_WINDOW_SECONDS) {
            memcpy(out + n, m->text, m->len);
            n += m->len;
        }
    }
    *prefix = n;
    memcpy(out + n, text, len);
    out[n + len] = '\0';
    return out;
}

/* Keeps at most LC_WINDOW_BYTES of text: its tail, cut at a UTF-8 boundary. */
static void remember(struct entry *e, int64_t ts, const char *text, size_t len)
{
    size_t skip = len > LC_WINDOW_BYTES ? len - LC_WINDOW_BYTES : 0;
    while (skip < len && ((unsigned char)text[skip] & 0xC0) == 0x80)
        skip++;
    unsigned slot = (e->head + e->count) % LC_WINDOW_MSGS;
    if (e->count == LC_WINDOW_MSGS) {
        e->head = (e->head + 1) % LC_WINDOW_MSGS;
        slot = (e->head + LC_WINDOW_MSGS - 1) % LC_WINDOW_MSGS;
    } else {
        e->count++;
    }
    e->msgs[slot].ts = ts;
    e->msgs[slot].len = len - skip;
    memcpy(e->msgs[slot].text, text + skip, len - skip);
}

enum lc_err lc_window_push(struct lc_window *w, const char *key, int64_t ts, const char *text,
                           size_t len, char **joined, size_t *prefix)
{
    pthread_mutex_lock(&w->mu);
    struct entry *e = lookup(w, key, true);
    if (!e) {
        pthread_mutex_unlock(&w->mu);
        return LC_ENOMEM;
    }
    *prefix = 0;
    *joined = join(e, ts, text, len, prefix);
    remember(e, ts, text, len);
    pthread_mutex_unlock(&w->mu);
    return LC_OK;
}
