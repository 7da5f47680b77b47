/* cache.c -- direct-mapped slots guarded by striped mutexes. */
#include "core/cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/time.h"

#define STRIPES 64

struct lc_cache {
    size_t mask, value_size, slot_size;
    uint64_t ttl_ns;
    pthread_mutex_t locks[STRIPES];
    unsigned char *slots; /* slot: struct head + value bytes */
};

struct head {
    char key[LC_CACHE_KEY_MAX];
    uint64_t gen;
    uint64_t stored_ns;
};

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

enum lc_err lc_cache_new(size_t slots, size_t value_size, uint64_t ttl_ns,
                         struct lc_cache **out)
{
    size_t n = 1;
    while (n < slots)
        n <<= 1;
    struct lc_cache *c = calloc(1, sizeof *c);
    if (!c)
        return LC_ENOMEM;
    c->mask = n - 1;
    c->value_size = value_size;
    c->slot_size = (sizeof(struct head) + value_size + 15) & ~(size_t)15;
    c->ttl_ns = ttl_ns;
    c->slots = calloc(n, c->slot_size);
    if (!c->slots) {
        free(c);
        return LC_ENOMEM;
    }
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_init(&c->locks[i], NULL);
    *out = c;
    return LC_OK;
}

void lc_cache_free(struct lc_cache *c)
{
    if (!c)
        return;
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_destroy(&c->locks[i]);
    free(c->slots);
    free(c);
}

static unsigned char *slot_of(struct lc_cache *c, uint64_t h)
{
    return c->slots + (h & c->mask) * c->slot_size;
}

bool lc_cache_get(struct lc_cache *c, const char *key, uint64_t gen, void *out)
{
    if (strlen(key) >= LC_CACHE_KEY_MAX)
        return false;
    uint64_t h = fnv1a(key), now = lc_time_mono_ns();
    unsigned char *s = slot_of(c, h);
    struct head *hd = (struct head *)s;
    pthread_mutex_t *lock = &c->locks[h % STRIPES];
    pthread_mutex_lock(lock);
    bool hit = hd->key[0] && hd->gen == gen && now - hd->stored_ns < c->ttl_ns &&
               strcmp(hd->key, key) == 0;
    if (hit)
        memcpy(out, s + sizeof *hd, c->value_size);
    pthread_mutex_unlock(lock);
    return hit;
}

void lc_cache_put(struct lc_cache *c, const char *key, uint64_t gen, const void *value)
{
    if (strlen(key) >= LC_CACHE_KEY_MAX)
        return;
    uint64_t h = fnv1a(key);
    unsigned char *s = slot_of(c, h);
    struct head *hd = (struct head *)s;
    pthread_mutex_t *lock = &c->locks[h % STRIPES];
    pthread_mutex_lock(lock);
    strcpy(hd->key, key);
    hd->gen = gen;
    hd->stored_ns = lc_time_mono_ns();
    memcpy(s + sizeof *hd, value, c->value_size);
    pthread_mutex_unlock(lock);
}
