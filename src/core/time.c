/* time.c -- clocks, RFC 3339, and civil dates (Hinnant's algorithms). */
#define _POSIX_C_SOURCE 200809L
#include "core/time.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t lc_time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

uint64_t lc_time_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

bool lc_year_is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && lc_year_is_leap(y) ? 29 : dim[m - 1];
}

bool lc_date_valid(struct lc_date d)
{
    if (d.year < 1 || d.year > 9999 || d.month < 1 || d.month > 12)
        return false;
    return d.day >= 1 && d.day <= days_in_month(d.year, d.month);
}

int64_t lc_days_from_civil(struct lc_date d)
{
    int64_t y = d.year - (d.month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (d.month + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

struct lc_date lc_civil_from_days(int64_t z)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    struct lc_date d;
    d.day = (int)(doy - (153 * mp + 2) / 5 + 1);
    d.month = (int)(mp < 10 ? mp + 3 : mp - 9);
    d.year = (int)(yoe + era * 400 + (d.month <= 2));
    return d;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

struct lc_date lc_date_at(int64_t t, int offset_s)
{
    return lc_civil_from_days(floor_div(t + offset_s, 86400));
}

void lc_time_format(int64_t t, char *out)
{
    int64_t days = floor_div(t, 86400);
    int64_t secs = t - days * 86400;
    struct lc_date d = lc_civil_from_days(days);
    snprintf(out, LC_TIME_STRLEN, "%04d-%02d-%02dT%02d:%02d:%02dZ", d.year, d.month,
             d.day, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Parses the zone suffix at s ("Z", "+08:00"); sets *off seconds east. */
static bool parse_zone(const char *s, int *off)
{
    int hh, mm;
    if ((s[0] == 'Z' || s[0] == 'z') && s[1] == '\0') {
        *off = 0;
        return true;
    }
    if ((s[0] != '+' && s[0] != '-') || !digits(s + 1, 2, &hh) || s[3] != ':' ||
        !digits(s + 4, 2, &mm) || s[6] != '\0' || hh > 23 || mm > 59)
        return false;
    *off = (s[0] == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
    return true;
}

enum lc_err lc_time_parse(const char *s, int64_t *out)
{
    struct lc_date d;
    int hh, mi, ss, off;
    if (!s || strlen(s) < 20 || !digits(s, 4, &d.year) || s[4] != '-' ||
        !digits(s + 5, 2, &d.month) || s[7] != '-' || !digits(s + 8, 2, &d.day) ||
        (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &hh) || s[13] != ':' ||
        !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &ss))
        return LC_EINVAL;
    if (!lc_date_valid(d) || hh > 23 || mi > 59 || ss > 60)
        return LC_EINVAL;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return LC_EINVAL;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (!parse_zone(p, &off))
        return LC_EINVAL;
    if (ss == 60)
        ss = 59; /* a leap second is held at :59 */
    *out = lc_days_from_civil(d) * 86400 + hh * 3600 + mi * 60 + ss - off;
    return LC_OK;
}

int64_t lc_time_add_months(int64_t t, int n)
{
    int64_t days = floor_div(t, 86400);
    int64_t secs = t - days * 86400;
    struct lc_date d = lc_civil_from_days(days);
    int64_t m0 = (int64_t)d.year * 12 + (d.month - 1) + n;
    d.year = (int)floor_div(m0, 12);
    d.month = (int)(m0 - (int64_t)d.year * 12) + 1;
    int dim = days_in_month(d.year, d.month);
    if (d.day > dim)
        d.day = dim;
    return lc_days_from_civil(d) * 86400 + secs;
}

int lc_age_years(struct lc_date birth, struct lc_date today)
{
    int age = today.year - birth.year;
    if (today.month < birth.month || (today.month == birth.month && today.day < birth.day))
        age--;
    return age;
}
