/* cache.h -- a small, fixed-size, thread-safe cache of values by string key.
 *
 * Direct-mapped (one slot per key hash, a newer entry evicts an older one),
 * with a time-to-live and a generation number: an entry is served only while
 * it is younger than the TTL and was stored under the caller's current
 * generation.  Writers bump their generation on every change, so a change
 * made through this process is seen at once, and a change made elsewhere
 * (another node) within the TTL. */
#ifndef LC_CORE_CACHE_H
#define LC_CORE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define LC_CACHE_KEY_MAX 80

struct lc_cache;

/* slots is rounded up to a power of two; values are value_size bytes. */
LC_MUST_USE enum lc_err lc_cache_new(size_t slots, size_t value_size, uint64_t ttl_ns,
                                     struct lc_cache **out);
void lc_cache_free(struct lc_cache *c);
/* Copies the value into out and returns true on a fresh hit. */
bool lc_cache_get(struct lc_cache *c, const char *key, uint64_t gen, void *out);
/* Stores value under key (keys longer than LC_CACHE_KEY_MAX-1 are not cached). */
void lc_cache_put(struct lc_cache *c, const char *key, uint64_t gen, const void *value);

#endif
