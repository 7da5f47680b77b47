/* event.h -- decoding one line of a live-event batch.
 *
 * A pure function of the line: JSON syntax and UTF-8, the type, the fields
 * its type requires (and no others), the timestamp.  Whether the room
 * exists is the caller's business.  Every failure is a caller-facing error
 * (code, field, message) for the line. */
#ifndef LC_MONITOR_EVENT_H
#define LC_MONITOR_EVENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct lc_event {
    json_t *obj;      /* the decoded line (owned; free with lc_event_cleanup) */
    const char *type; /* "chat", "transcript", "product_claim", "order", "payment",
                         "logistics", "service_message" (borrowed) */
    const char *kind; /* what to scan it as: "chat", "transcript", "product_detail";
                         NULL for records that are only kept (orders, payments...) */
    int64_t ts;       /* the event's time, unix seconds */
};

LC_MUST_USE enum lc_err lc_event_decode(const char *line, size_t len, struct lc_event *out,
                                        struct lc_errinfo *e);
void lc_event_cleanup(struct lc_event *ev);

#endif
