/* batch.h -- a group-commit writer over the store interface.
 *
 * Callers on many threads submit small sets of writes; the first caller in
 * line (the leader) applies everything queued so far in a single
 * transaction, so a burst of N submissions costs one commit instead of N,
 * and a lone submission costs no thread switch.  Each submission still gets
 * its own result: if the combined transaction fails, the writer retries the
 * submissions one by one, so one bad write never sinks its neighbours. */
#ifndef LC_STORE_BATCH_H
#define LC_STORE_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct lc_batch;

/* store is borrowed and must outlive the writer. */
LC_MUST_USE enum lc_err lc_batch_new(struct lc_store *store, struct lc_batch **out);
/* Refuses new submissions (LC_EBUSY), waits for those in flight to finish,
 * then frees. */
void lc_batch_free(struct lc_batch *b);
/* Blocks until w[0..n) are committed (LC_OK) or refused; w is borrowed. */
LC_MUST_USE enum lc_err lc_batch_submit(struct lc_batch *b, const struct lc_write *w, size_t n);
#define LC_BATCH_BUCKETS 10
/* Upper bounds (seconds) of the commit-duration histogram buckets; the
 * last bucket counts everything slower. */
extern const double lc_batch_bucket_le[LC_BATCH_BUCKETS];

struct lc_batch_stats {
    uint64_t commits;     /* transactions committed */
    uint64_t submissions; /* submissions served */
    uint64_t groups;      /* leader turns (one apply each, maybe retried) */
    uint64_t hist[LC_BATCH_BUCKETS + 1]; /* group apply durations */
    double seconds;       /* sum of group apply durations */
};

void lc_batch_stats(struct lc_batch *b, struct lc_batch_stats *out);

#endif
