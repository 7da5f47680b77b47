/* live.c -- hot swap of the current ruleset (lc_rules_live_*).
 *
 * The holder keeps an atomic pointer to the current ruleset and owns one
 * reference to it.  A reader takes its own reference for the length of a
 * scan; lc_rules_replace swaps the pointer and drops the holder's reference
 * to the old ruleset, which is freed by whoever drops the last one.
 *
 * The only delicate moment is between a reader loading the pointer and
 * incrementing the count: the old ruleset must not be freed in between.
 * Readers announce that window in one of two counters chosen by an epoch
 * parity; the writer swaps the pointer, flips the epoch, and waits until the
 * counter of the old parity drains.  Readers arriving after the flip use
 * the other counter (and see the new pointer), so the wait is bounded by
 * the few instructions of readers already in the window: readers never
 * wait, and writers wait only for them.  All atomics are sequentially
 * consistent, which is what the argument needs. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "rules/rules_int.h"

struct lc_rules_live {
    _Atomic(struct lc_ruleset *) cur;
    atomic_uint epoch;
    atomic_ulong entering[2]; /* readers between loading cur and taking a ref */
    pthread_mutex_t wlock;    /* one writer at a time */
};

enum lc_err lc_rules_live_new(struct lc_ruleset *initial, struct lc_rules_live **out)
{
    if (!initial)
        return LC_EINVAL;
    struct lc_rules_live *live = calloc(1, sizeof *live);
    if (!live)
        return LC_ENOMEM;
    if (pthread_mutex_init(&live->wlock, NULL) != 0) {
        free(live);
        return LC_ENOMEM;
    }
    atomic_init(&live->cur, initial);
    atomic_init(&live->epoch, 0);
    atomic_init(&live->entering[0], 0);
    atomic_init(&live->entering[1], 0);
    *out = live;
    return LC_OK;
}

void lc_rules_live_free(struct lc_rules_live *live)
{
    if (!live)
        return;
    lc_ruleset_unref(atomic_load(&live->cur));
    pthread_mutex_destroy(&live->wlock);
    free(live);
}

const struct lc_ruleset *lc_rules_acquire(struct lc_rules_live *live)
{
    unsigned e = atomic_load(&live->epoch) & 1u;
    atomic_fetch_add(&live->entering[e], 1);
    struct lc_ruleset *rs = atomic_load(&live->cur);
    atomic_fetch_add(&rs->refs, 1);
    atomic_fetch_sub(&live->entering[e], 1);
    return rs;
}

void lc_rules_release(struct lc_rules_live *live, const struct lc_ruleset *rs)
{
    (void)live;
    lc_ruleset_unref((struct lc_ruleset *)rs);
}

void lc_rules_replace(struct lc_rules_live *live, struct lc_ruleset *next)
{
    if (!next)
        return;
    pthread_mutex_lock(&live->wlock);
    struct lc_ruleset *old = atomic_exchange(&live->cur, next);
    unsigned e = atomic_fetch_add(&live->epoch, 1) & 1u;
    for (unsigned spins = 0; atomic_load(&live->entering[e]) != 0; spins++)
        if (spins > 64)
            sched_yield();
    pthread_mutex_unlock(&live->wlock);
    lc_ruleset_unref(old);
}
