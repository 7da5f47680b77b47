/* blacklist.c -- open-addressing hash table of 64-hex-digit keys under a
 * read-write lock.  Keys are already uniform hashes, so their first 16 hex
 * digits serve as the table hash. */
#include "registry/blacklist.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define KEY_LEN 64

struct slot {
    char key[KEY_LEN + 1]; /* "" = empty */
    int64_t expires_at;
};

struct lc_blacklist {
    pthread_rwlock_t lock;
    struct slot *slots;
    size_t cap; /* power of two */
    size_t used;
};

static uint64_t key_hash(const char *key)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a: keys may not be hex in tests */
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h;
}

static struct slot *probe(struct slot *slots, size_t cap, const char *key)
{
    size_t i = key_hash(key) & (cap - 1);
    while (slots[i].key[0] && strcmp(slots[i].key, key) != 0)
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

enum lc_err lc_blacklist_new(struct lc_blacklist **out)
{
    struct lc_blacklist *bl = calloc(1, sizeof *bl);
    if (!bl)
        return LC_ENOMEM;
    bl->cap = 256;
    bl->slots = calloc(bl->cap, sizeof *bl->slots);
    if (!bl->slots) {
        free(bl);
        return LC_ENOMEM;
    }
    pthread_rwlock_init(&bl->lock, NULL);
    *out = bl;
    return LC_OK;
}

void lc_blacklist_free(struct lc_blacklist *bl)
{
    if (!bl)
        return;
    pthread_rwlock_destroy(&bl->lock);
    free(bl->slots);
    free(bl);
}

static enum lc_err grow(struct lc_blacklist *bl)
{
    size_t cap = bl->cap * 2;
    struct slot *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return LC_ENOMEM;
    for (size_t i = 0; i < bl->cap; i++)
        if (bl->slots[i].key[0])
            *probe(slots, cap, bl->slots[i].key) = bl->slots[i];
    free(bl->slots);
    bl->slots = slots;
    bl->cap = cap;
    return LC_OK;
}

enum lc_err lc_blacklist_put(struct lc_blacklist *bl, const char *key, int64_t expires_at)
{
    if (strlen(key) > KEY_LEN || !key[0])
        return LC_EINVAL;
    enum lc_err err = LC_OK;
    pthread_rwlock_wrlock(&bl->lock);
    if ((bl->used + 1) * 2 > bl->cap && (err = grow(bl)) != LC_OK)
        goto out;
    struct slot *s = probe(bl->slots, bl->cap, key);
    if (!s->key[0]) {
        strcpy(s->key, key);
        s->expires_at = expires_at;
        bl->used++;
    } else if (expires_at > s->expires_at) {
        s->expires_at = expires_at;
    }
out:
    pthread_rwlock_unlock(&bl->lock);
    return err;
}

enum lc_err lc_blacklist_set(struct lc_blacklist *bl, const char *key, int64_t expires_at)
{
    if (strlen(key) > KEY_LEN || !key[0])
        return LC_EINVAL;
    enum lc_err err = LC_OK;
    pthread_rwlock_wrlock(&bl->lock);
    if ((bl->used + 1) * 2 > bl->cap && (err = grow(bl)) != LC_OK)
        goto out;
    struct slot *s = probe(bl->slots, bl->cap, key);
    if (!s->key[0]) {
        strcpy(s->key, key);
        bl->used++;
    }
    s->expires_at = expires_at;
out:
    pthread_rwlock_unlock(&bl->lock);
    return err;
}

bool lc_blacklist_active(struct lc_blacklist *bl, const char *key, int64_t now)
{
    if (!key || !key[0] || strlen(key) > KEY_LEN)
        return false;
    pthread_rwlock_rdlock(&bl->lock);
    struct slot *s = probe(bl->slots, bl->cap, key);
    bool active = s->key[0] && s->expires_at > now;
    pthread_rwlock_unlock(&bl->lock);
    return active;
}
