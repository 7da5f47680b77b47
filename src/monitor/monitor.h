/* monitor.h -- watching live rooms: scanning text, ingesting live events,
 * and turning hits into violations (R27, R29, R30).
 *
 * Text is scanned with the current rule packs (rules/rules.h, hot-swappable).
 * When a room (and a user, for chat) is known, the text is also scanned
 * joined to the same sender's last few messages (window.h), and hits that
 * cross into the new message are reported with "cross_message": true.
 *
 * Events arrive as newline-delimited JSON, one object a line:
 *   {"type":"chat","room_id":…,"ts":RFC3339,"user_id":…,"text":…}
 *   {"type":"transcript","room_id":…,"ts":…,"text":…}
 *   {"type":"product_claim","room_id":…,"ts":…,"product_id":…,"text":…}
 * A bad line is reported with its line number and does not lose the good
 * ones.  The good lines, and the violations their hits produce, are stored
 * in one transaction before the batch is acknowledged.  A violation records
 * the room, its host, the evidence span (original and normalised), the rule
 * with its category, severity, action and legal basis, and the pack version;
 * its status starts "open". */
#ifndef LC_MONITOR_MONITOR_H
#define LC_MONITOR_MONITOR_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"
#include "core/log.h"
#include "registry/registry.h"
#include "rules/rules.h"
#include "store/store.h"

#define LC_K_EVENT "event"
#define LC_K_VIOLATION "violation"
#define LC_EVENTS_MAX_LINES 10000

struct lc_monitor;

/* All borrowed; they must outlive the monitor.  events may be NULL. */
LC_MUST_USE enum lc_err lc_monitor_new(struct lc_store *store, struct lc_registry *reg,
                                       struct lc_rules_live *rules, struct lc_log *events,
                                       struct lc_monitor **out);
void lc_monitor_free(struct lc_monitor *m);

/* POST /v1/scan: in is {"text","kind","room_id"?,"user_id"?,"domain"?} or
 * {"items":[...same...]}.  *out: {"version","results":[{"verdict","hits",
 * "normalized"}]}.  Shape and UTF-8 errors are 400 with the item index in
 * the field ("items[3].text"). */
LC_MUST_USE enum lc_err lc_monitor_scan(struct lc_monitor *m, json_t *in, json_t **out,
                                        struct lc_errinfo *e);

/* POST /v1/events: body is NDJSON (at most LC_EVENTS_MAX_LINES lines).
 * *out: {"accepted":N,"rejected":[{"line":K,"error":{...}}],
 *        "violations":[ids]}.  Fails as a whole (nothing stored) only when
 * the store fails (503) or no line could be parsed at all is still a 200
 * with everything in "rejected". */
LC_MUST_USE enum lc_err lc_monitor_ingest(struct lc_monitor *m, const char *body, size_t len,
                                          json_t **out, struct lc_errinfo *e);

#endif
