/* id.c -- id generation from the clock and libsodium's random source. */
#define _POSIX_C_SOURCE 200809L
#include "core/id.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void lc_id_new(const char *prefix, char *out)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    unsigned char rnd[6];
    randombytes_buf(rnd, sizeof rnd);
    snprintf(out, LC_ID_MAX, "%s_%012llx%02x%02x%02x%02x%02x%02x", prefix,
             (unsigned long long)(ms & 0xffffffffffffull), rnd[0], rnd[1], rnd[2], rnd[3],
             rnd[4], rnd[5]);
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
