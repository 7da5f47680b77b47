/* metrics.h -- Prometheus counters and latency histograms.
 *
 * Lock-free: every counter is an atomic, so observing a request costs a few
 * relaxed increments.  Routes are numbered by the router; gate decisions are
 * counted by outcome and by reason. */
#ifndef LC_HTTP_METRICS_H
#define LC_HTTP_METRICS_H

#include <stdint.h>

#include "core/err.h"
#include "store/batch.h"

struct lc_metrics;

/* names[0..nroutes) are borrowed and must outlive the metrics. */
LC_MUST_USE enum lc_err lc_metrics_new(const char *const *names, unsigned nroutes,
                                       struct lc_metrics **out);
void lc_metrics_free(struct lc_metrics *m);
void lc_metrics_request(struct lc_metrics *m, unsigned route, int status, uint64_t ns);
/* reasons: bit set of enum lc_gate_reason; names from lc_gate_reason_name. */
void lc_metrics_gate(struct lc_metrics *m, int allow, unsigned reasons);
/* Text exposition format; *out is heap, owned by the caller.  batch holds
 * the group-commit writer's counters (store/batch.h). */
LC_MUST_USE enum lc_err lc_metrics_render(struct lc_metrics *m,
                                          const struct lc_batch_stats *batch, char **out);

#endif
