/* ticker.h -- a thread that calls a function every interval until stopped.
 *
 * Used for periodic background work (flushing logs, WAL checkpoints).
 * Stopping wakes the thread at once, waits for a call in progress, and
 * guarantees fn is not called after lc_ticker_stop returns. */
#ifndef LC_CORE_TICKER_H
#define LC_CORE_TICKER_H

#include "core/err.h"

struct lc_ticker;

/* Starts a thread calling fn(arg) every interval_ms. */
LC_MUST_USE enum lc_err lc_ticker_start(unsigned interval_ms, void (*fn)(void *), void *arg,
                                        struct lc_ticker **out);
/* Stops and joins the thread, then frees; accepts NULL. */
void lc_ticker_stop(struct lc_ticker *t);

#endif
