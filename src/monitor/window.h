/* window.h -- per-room and per-user sliding windows of recent messages.
 *
 * People split a contact number or an ID across consecutive messages
 * ("加我 V" … "x1234" … "5678").  The window keeps, for each key (room + user,
 * or room alone for a host's transcript), the last few messages of the last
 * minute; the caller scans their concatenation and keeps the hits that cross
 * into the newest message.  Memory is bounded: a fixed number of keys
 * (least recently used evicted) and of bytes per key. */
#ifndef LC_MONITOR_WINDOW_H
#define LC_MONITOR_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define LC_WINDOW_MSGS 4       /* earlier messages kept per key */
#define LC_WINDOW_BYTES 256    /* bytes kept per earlier message */
#define LC_WINDOW_SECONDS 60   /* older messages are forgotten */

struct lc_window;

LC_MUST_USE enum lc_err lc_window_new(size_t max_keys, struct lc_window **out);
void lc_window_free(struct lc_window *w);

/* Appends text (at time ts) under key and writes into *joined the key's
 * recent messages followed by this one (heap, NUL-terminated, owned by the
 * caller), with *prefix the byte length of the earlier part; when there is
 * no earlier message, *joined is NULL.  Thread-safe. */
LC_MUST_USE enum lc_err lc_window_push(struct lc_window *w, const char *key, int64_t ts,
                                       const char *text, size_t len, char **joined,
                                       size_t *prefix);

#endif
