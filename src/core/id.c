/* id.c -- id generation: milliseconds, a process-wide sequence, randomness.
 *
 * The 24 hex digits are 12 of milliseconds since the epoch, 4 of a
 * sequence number shared by all threads (so ids made within one
 * millisecond still sort in creation order), and 8 random (so ids made by
 * different processes or nodes do not collide). */
#define _POSIX_C_SOURCE 200809L
#include "core/id.h"

#include <sodium.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static atomic_uint_fast32_t sequence;

void lc_id_new(const char *prefix, char *out)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    unsigned seq = (unsigned)(atomic_fetch_add(&sequence, 1) & 0xffffu);
    uint32_t rnd = randombytes_random();
    snprintf(out, LC_ID_MAX, "%s_%012llx%04x%08x", prefix,
             (unsigned long long)(ms & 0xffffffffffffull), seq, (unsigned)rnd);
}

bool lc_id_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= LC_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}
