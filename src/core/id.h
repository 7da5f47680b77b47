/* id.h -- opaque, time-sortable object ids such as "host_0190f3c2a1b2c3d4e5f6a7b8".
 *
 * The prefix names the kind; 12 hex digits of milliseconds since the epoch
 * follow, then 4 of a process-wide sequence and 8 random ones, so ids sort
 * by creation time (within a process, even inside one millisecond) and
 * cursor pagination can use them directly. */
#ifndef LC_CORE_ID_H
#define LC_CORE_ID_H

#include <stdbool.h>
#include <stddef.h>

#define LC_ID_MAX 48

/* Writes prefix + "_" + 24 hex digits into out (LC_ID_MAX bytes). */
void lc_id_new(const char *prefix, char *out);
/* True when s is a plausible id: 1..LC_ID_MAX-1 chars of [a-z0-9_]. */
bool lc_id_valid(const char *s);

#endif
