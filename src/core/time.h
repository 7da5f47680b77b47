/* time.h -- UTC timestamps, RFC 3339 and civil-date arithmetic.
 *
 * Timestamps are int64 seconds since the Unix epoch, UTC.  Civil dates are
 * proleptic Gregorian.  Ages and "today" follow China Standard Time (UTC+8),
 * where the rules apply, so a birthday starts at local midnight. */
#ifndef LC_CORE_TIME_H
#define LC_CORE_TIME_H

#include <stdbool.h>
#include <stdint.h>
#include "core/err.h"

struct lc_date {
    int year;
    int month; /* 1..12 */
    int day;   /* 1..31 */
};

#define LC_CST_OFFSET (8 * 3600)
#define LC_TIME_STRLEN 32

int64_t lc_time_now(void);
/* Monotonic clock in nanoseconds, for latency measurement. */
uint64_t lc_time_mono_ns(void);

/* Writes "YYYY-MM-DDTHH:MM:SSZ" into out (at least LC_TIME_STRLEN bytes). */
void lc_time_format(int64_t t, char *out);
/* Parses RFC 3339 ("2026-11-25T17:53:03Z", "...+08:00", optional fraction,
 * which is dropped).  *out is written only on LC_OK. */
LC_MUST_USE enum lc_err lc_time_parse(const char *s, int64_t *out);

bool lc_date_valid(struct lc_date d);
bool lc_year_is_leap(int y);
int64_t lc_days_from_civil(struct lc_date d);
struct lc_date lc_civil_from_days(int64_t days);
/* The civil date at instant t in a zone offset_s seconds east of UTC. */
struct lc_date lc_date_at(int64_t t, int offset_s);
/* t moved by n calendar months (or years * 12), with the day clamped to the
 * end of a shorter month (Aug 31 + 6 months = Feb 28 or 29). */
int64_t lc_time_add_months(int64_t t, int n);
/* Whole years from birth to today; a Feb 29 birthday is reached on Mar 1 in
 * common years.  Negative if today is before birth. */
int lc_age_years(struct lc_date birth, struct lc_date today);

#endif
