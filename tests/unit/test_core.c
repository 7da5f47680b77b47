/* test_core.c -- unit tests for src/core: RFC 3339 timestamps and civil-date
 * arithmetic (time.h), request-body parsing and shape checks (jsonv.h), and
 * object ids (id.h).
 *
 * Expected instants were worked out independently of the code under test
 * (`date -u -d ... +%s`), so a wrong offset sign or day count fails here
 * rather than agreeing with itself. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/id.h"
#include "core/jsonv.h"
#include "core/time.h"

/* ---- helpers ---------------------------------------------------------- */

/* Parses s, failing the test unless it is accepted. */
static int64_t parse_ok(const char *s)
{
    int64_t t = -12345;
    if (lc_time_parse(s, &t) != LC_OK)
        fail_msg("lc_time_parse refused \"%s\"", s);
    return t;
}

static void assert_date(struct lc_date d, int y, int m, int day)
{
    assert_int_equal(d.year, y);
    assert_int_equal(d.month, m);
    assert_int_equal(d.day, day);
}

static struct lc_date date(int y, int m, int d)
{
    struct lc_date x = {y, m, d};
    return x;
}

static void assert_formats_as(int64_t t, const char *want)
{
    char buf[LC_TIME_STRLEN];
    lc_time_format(t, buf);
    assert_string_equal(buf, want);
}

/* ---- lc_time_parse ---------------------------------------------------- */

static void time_parse_utc_z_gives_epoch_seconds(void **state)
{
    assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
    /* date -u -d 2026-11-25T17:53:03Z +%s */
    assert_int_equal(parse_ok("2026-11-25T17:53:03Z"), 1795629183);
    assert_int_equal(parse_ok("2026-11-25t17:53:03z"), 1795629183);
}

static void time_parse_positive_offset_is_east_of_utc(void **state)
{
    /* 08:00 in Beijing is midnight UTC */
    assert_int_equal(parse_ok("2026-11-26T01:53:03+08:00"), 1795629183);
    assert_int_equal(parse_ok("1970-01-01T08:00:00+08:00"), 0);
}

static void time_parse_negative_half_hour_offset_is_west_of_utc(void **state)
{
    /* 12:23:03 at -05:30 is 17:53:03 UTC */
    assert_int_equal(parse_ok("2026-11-25T12:23:03-05:30"), 1795629183);
    assert_int_equal(parse_ok("1969-12-31T18:30:00-05:30"), 0);
}

static void time_parse_drops_fractional_seconds(void **state)
{
    assert_int_equal(parse_ok("2026-11-25T17:53:03.5Z"), 1795629183);
    assert_int_equal(parse_ok("2026-11-25T17:53:03.999999999Z"), 1795629183);
    assert_int_equal(parse_ok("2026-11-26T01:53:03.123+08:00"), 1795629183);
}

static void time_parse_holds_leap_second_at_59(void **state)
{
    int64_t leap = parse_ok("2016-12-31T23:59:60Z");
    assert_int_equal(leap, parse_ok("2016-12-31T23:59:59Z"));
    assert_int_equal(leap, 1483228799);
}

static void time_parse_refuses_missing_zone(void **state)
{
    int64_t t = 777;
    assert_int_equal(lc_time_parse("2026-11-25T17:53:03", &t), LC_EINVAL);
    assert_int_equal(lc_time_parse("2026-11-25T17:53:03.123", &t), LC_EINVAL);
    assert_int_equal(lc_time_parse("2026-11-25T17:53:03+08", &t), LC_EINVAL);
    assert_int_equal(lc_time_parse("2026-11-25T17:53:03+0800", &t), LC_EINVAL);
    assert_int_equal(t, 777); /* untouched on failure */
}

static void time_parse_refuses_impossible_dates_and_times(void **state)
{
    int64_t t = 777;
    assert_int_equal(lc_time_parse("2026-13-01T00:00:00Z", &t), LC_EINVAL);
    assert_int_equal(lc_time_parse("2026-00-01T00:00:00Z", &t), LC_EINVAL);
    assert_int_equal(lc_time_parse("2026-02-30T00:00:00Z", &t), LC_EINVAL);
    assert_int_equal(lc_time_parse("2026-02-29T00:00:00Z", &t), LC_EINVAL); /* common year */
    assert_int_equal(lc_time_parse("2100-02-29T00:00:00Z", &t), LC_EINVAL); /* century */
    assert_int_equal(lc_time_parse("2026-04-31T00:00:00Z", &t), LC_EINVAL);
    assert_int_equal(lc_time_parse("2026-01-00T00:00:00Z", &t), LC_EINVAL);
    assert_int_equal(lc_time_parse("2026-01-01T24:00:00Z", &t), LC_EINVAL);
    assert_int_equal(lc_time_parse("2026-01-01T23:60:00Z", &t), LC_EINVAL);
    assert_int_equal(lc_time_parse("2026-01-01T23:59:61Z", &t), LC_EINVAL);
    assert_int_equal(lc_time_parse("2026-01-01T00:00:00+24:00", &t), LC_EINVAL);
    assert_int_equal(lc_time_parse("2026-01-01T00:00:00+08:60", &t), LC_EINVAL);
    assert_int_equal(t, 777);
    /* and the leap day itself is fine in a leap year */
    assert_int_equal(parse_ok("2024-02-29T00:00:00Z"), 1709164800);
}

static void time_parse_refuses_garbage_empty_and_null(void **state)
{
    int64_t t = 777;
    assert_int_equal(lc_time_parse("", &t), LC_EINVAL);
    assert_int_equal(lc_time_parse(NULL, &t), LC_EINVAL);
    assert_int_equal(lc_time_parse("not a timestamp at all", &t), LC_EINVAL);
    assert_int_equal(lc_time_parse("2026-11-25 17:53:03Z", &t), LC_EINVAL);
    assert_int_equal(lc_time_parse("2026/11/25T17:53:03Z", &t), LC_EINVAL);
    assert_int_equal(lc_time_parse("2026-11-25T17:53:03ZZ", &t), LC_EINVAL);
    assert_int_equal(lc_time_parse("2026-11-25T17:53:03.Z", &t), LC_EINVAL);
    assert_int_equal(lc_time_parse("2026-11-25T17:53:03Z ", &t), LC_EINVAL);
    assert_int_equal(lc_time_parse(" 2026-11-25T17:53:03Z", &t), LC_EINVAL);
    assert_int_equal(lc_time_parse("+026-11-25T17:53:03Z", &t), LC_EINVAL);
    assert_int_equal(lc_time_parse("2026-11-25T17:53:03+08:00junk", &t), LC_EINVAL);
    assert_int_equal(t, 777);
}

/* ---- lc_time_format --------------------------------------------------- */

static void time_format_round_trips_through_parse(void **state)
{
    const char *samples[] = {"1970-01-01T00:00:00Z", "2026-11-25T17:53:03Z",
                             "2024-02-29T23:59:59Z", "2000-01-01T00:00:00Z",
                             "2100-03-01T12:34:56Z", "2100-12-31T23:59:59Z",
                             "1969-12-31T23:59:59Z", "1900-01-01T00:00:00Z",
                             "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"};
    char buf[LC_TIME_STRLEN];
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        lc_time_format(parse_ok(samples[i]), buf);
        assert_string_equal(buf, samples[i]);
    }
}

static void time_format_handles_negative_epoch(void **state)
{
    assert_formats_as(-1, "1969-12-31T23:59:59Z");
    assert_formats_as(-86400, "1969-12-31T00:00:00Z");
    assert_formats_as(-86401, "1969-12-30T23:59:59Z");
    assert_formats_as(-2208988800LL, "1900-01-01T00:00:00Z");
    assert_int_equal(parse_ok("1969-12-31T23:59:59Z"), -1);
}

static void time_format_handles_year_2100_as_common_year(void **state)
{
    /* date -u -d 2100-02-28T23:59:59Z +%s */
    assert_formats_as(4107542399LL, "2100-02-28T23:59:59Z");
    assert_formats_as(4107542400LL, "2100-03-01T00:00:00Z");
    assert_false(lc_year_is_leap(2100));
    assert_true(lc_year_is_leap(2000));
    assert_true(lc_year_is_leap(2024));
    assert_false(lc_year_is_leap(2026));
}

/* ---- lc_date_at ------------------------------------------------------- */

static void date_at_changes_at_cst_midnight(void **state)
{
    int64_t before = parse_ok("2026-11-25T15:59:59Z");
    int64_t at = parse_ok("2026-11-25T16:00:00Z");
    assert_date(lc_date_at(before, LC_CST_OFFSET), 2026, 11, 25);
    assert_date(lc_date_at(at, LC_CST_OFFSET), 2026, 11, 26);
    /* UTC itself has not changed day */
    assert_date(lc_date_at(at, 0), 2026, 11, 25);
}

static void date_at_crosses_year_and_negative_epoch(void **state)
{
    assert_date(lc_date_at(parse_ok("2026-12-31T16:00:00Z"), LC_CST_OFFSET), 2027, 1, 1);
    assert_date(lc_date_at(parse_ok("2026-12-31T15:59:59Z"), LC_CST_OFFSET), 2026, 12, 31);
    assert_date(lc_date_at(-1, 0), 1969, 12, 31);
    assert_date(lc_date_at(-1, LC_CST_OFFSET), 1970, 1, 1);
    assert_date(lc_date_at(0, -3600), 1969, 12, 31);
}

/* ---- lc_time_add_months ----------------------------------------------- */

static void add_months_clamps_aug_31_plus_6_to_end_of_february(void **state)
{
    assert_formats_as(lc_time_add_months(parse_ok("2025-08-31T10:20:30Z"), 6),
                      "2026-02-28T10:20:30Z");
    assert_formats_as(lc_time_add_months(parse_ok("2023-08-31T10:20:30Z"), 6),
                      "2024-02-29T10:20:30Z");
}

static void add_months_clamps_jan_31_plus_1(void **state)
{
    assert_formats_as(lc_time_add_months(parse_ok("2026-01-31T00:00:00Z"), 1),
                      "2026-02-28T00:00:00Z");
    assert_formats_as(lc_time_add_months(parse_ok("2024-01-31T23:59:59Z"), 1),
                      "2024-02-29T23:59:59Z");
    assert_formats_as(lc_time_add_months(parse_ok("2026-03-31T00:00:00Z"), 1),
                      "2026-04-30T00:00:00Z");
    /* a day that exists is kept */
    assert_formats_as(lc_time_add_months(parse_ok("2026-01-15T08:00:00Z"), 1),
                      "2026-02-15T08:00:00Z");
}

static void add_months_goes_backwards_with_negative_n(void **state)
{
    assert_formats_as(lc_time_add_months(parse_ok("2026-03-31T06:00:00Z"), -1),
                      "2026-02-28T06:00:00Z");
    assert_formats_as(lc_time_add_months(parse_ok("2026-01-15T06:00:00Z"), -1),
                      "2025-12-15T06:00:00Z");
    assert_formats_as(lc_time_add_months(parse_ok("2026-01-15T06:00:00Z"), -13),
                      "2024-12-15T06:00:00Z");
    assert_formats_as(lc_time_add_months(parse_ok("2026-06-15T06:00:00Z"), -6),
                      "2025-12-15T06:00:00Z");
    assert_formats_as(lc_time_add_months(parse_ok("1970-01-31T00:00:01Z"), -2),
                      "1969-11-30T00:00:01Z");
    assert_formats_as(lc_time_add_months(-1, 1), "1970-01-31T23:59:59Z");
}

static void add_months_rolls_december_into_next_january(void **state)
{
    assert_formats_as(lc_time_add_months(parse_ok("2025-12-15T23:00:00Z"), 1),
                      "2026-01-15T23:00:00Z");
    assert_formats_as(lc_time_add_months(parse_ok("2025-12-31T23:00:00Z"), 2),
                      "2026-02-28T23:00:00Z");
    assert_formats_as(lc_time_add_months(parse_ok("2025-11-30T00:00:00Z"), 12),
                      "2026-11-30T00:00:00Z");
    assert_formats_as(lc_time_add_months(parse_ok("2024-02-29T00:00:00Z"), 12),
                      "2025-02-28T00:00:00Z");
    assert_int_equal(lc_time_add_months(12345, 0), 12345);
}

/* ---- lc_age_years ----------------------------------------------------- */

static void age_increments_on_the_birthday_not_the_day_before(void **state)
{
    struct lc_date b = date(2008, 6, 15);
    assert_int_equal(lc_age_years(b, date(2026, 6, 14)), 17);
    assert_int_equal(lc_age_years(b, date(2026, 6, 15)), 18);
    assert_int_equal(lc_age_years(b, date(2026, 6, 16)), 18);
    assert_int_equal(lc_age_years(b, date(2026, 5, 31)), 17);
    assert_int_equal(lc_age_years(b, date(2026, 7, 1)), 18);
    assert_int_equal(lc_age_years(b, date(2008, 6, 15)), 0);
    assert_int_equal(lc_age_years(b, date(2008, 6, 14)), -1);
}

static void age_of_feb_29_birthday_turns_on_mar_1_in_common_years(void **state)
{
    struct lc_date b = date(2008, 2, 29);
    assert_int_equal(lc_age_years(b, date(2026, 2, 28)), 17);
    assert_int_equal(lc_age_years(b, date(2026, 3, 1)), 18);
    /* in a leap year the birthday itself counts */
    assert_int_equal(lc_age_years(b, date(2024, 2, 28)), 15);
    assert_int_equal(lc_age_years(b, date(2024, 2, 29)), 16);
}

/* ---- lc_jsonv_parse --------------------------------------------------- */

static void jsonv_parse_accepts_an_object(void **state)
{
    const char *body = "{\"name\":\"x\",\"n\":9007199254740993}";
    json_t *o = NULL;
    struct lc_errinfo e = {0};
    assert_int_equal(lc_jsonv_parse(body, strlen(body), &o, &e), LC_OK);
    assert_non_null(o);
    assert_string_equal(lc_jstr(o, "name"), "x");
    /* 2^53 + 1 survives exactly */
    assert_true(json_integer_value(json_object_get(o, "n")) == 9007199254740993LL);
    assert_null(lc_jstr(o, "n"));
    assert_null(lc_jstr(o, "absent"));
    json_decref(o);
}

/* Parses body, expecting a 400 with code; out must stay untouched. */
static void assert_parse_refused(const char *body, size_t len, const char *code)
{
    json_t *sentinel = json_object();
    json_t *o = sentinel;
    struct lc_errinfo e = {0};
    assert_int_equal(lc_jsonv_parse(body, len, &o, &e), LC_EINVAL);
    assert_ptr_equal(o, sentinel);
    assert_string_equal(e.code, code);
    assert_int_equal(e.status, 400);
    json_decref(sentinel);
}

static void jsonv_parse_refuses_invalid_json(void **state)
{
    assert_parse_refused("{\"a\":", 5, "invalid_json");
    assert_parse_refused("{a:1}", 5, "invalid_json");
    assert_parse_refused("", 0, "invalid_json");
    assert_parse_refused("{} {}", 5, "invalid_json");
}

static void jsonv_parse_refuses_invalid_utf8_in_a_string(void **state)
{
    const char bad[] = "{\"name\":\"\xff\xfe\"}";
    const char overlong[] = "{\"name\":\"\xc0\xaf\"}";
    assert_parse_refused(bad, sizeof bad - 1, "invalid_utf8");
    assert_parse_refused(overlong, sizeof overlong - 1, "invalid_utf8");
}

static void jsonv_parse_refuses_duplicate_keys(void **state)
{
    const char *body = "{\"name\":\"a\",\"name\":\"b\"}";
    assert_parse_refused(body, strlen(body), "invalid_json");
}

static void jsonv_parse_refuses_top_level_array_and_scalars(void **state)
{
    assert_parse_refused("[{\"a\":1}]", 9, "invalid_json");
    assert_parse_refused("\"str\"", 5, "invalid_json");
    assert_parse_refused("1", 1, "invalid_json");
    assert_parse_refused("null", 4, "invalid_json");
}

/* ---- lc_jsonv_check --------------------------------------------------- */

static const struct lc_jfield shape[] = {
    {"s", LC_JSTR, true, 5},   {"d", LC_JSTR, false, 0}, {"b", LC_JBOOL, false, 0},
    {"i", LC_JINT, false, 0},  {"o", LC_JOBJ, false, 0}, {"a", LC_JARR, false, 0},
    {NULL, 0, 0, 0}};

/* Checks the JSON text against shape; returns the result, e gets the detail. */
static enum lc_err check(const char *text, struct lc_errinfo *e)
{
    json_error_t je;
    json_t *o = json_loads(text, 0, &je);
    if (!o)
        fail_msg("bad test JSON %s: %s", text, je.text);
    memset(e, 0, sizeof *e);
    enum lc_err err = lc_jsonv_check(o, shape, e);
    json_decref(o);
    return err;
}

static void assert_check_refused(const char *text, const char *code, const char *field)
{
    struct lc_errinfo e;
    assert_int_equal(check(text, &e), LC_EINVAL);
    assert_string_equal(e.code, code);
    assert_string_equal(e.field, field);
    assert_int_equal(e.status, 400);
}

static void jsonv_check_accepts_a_body_of_the_right_shape(void **state)
{
    struct lc_errinfo e;
    assert_int_equal(check("{\"s\":\"abc\"}", &e), LC_OK);
    assert_int_equal(check("{\"s\":\"abc\",\"d\":\"x\",\"b\":true,\"i\":-3,\"o\":{},"
                           "\"a\":[1]}",
                           &e),
                     LC_OK);
}

static void jsonv_check_refuses_unknown_field_by_name(void **state)
{
    assert_check_refused("{\"s\":\"abc\",\"extra\":1}", "unknown_field", "extra");
    /* even when null */
    assert_check_refused("{\"s\":\"abc\",\"extra\":null}", "unknown_field", "extra");
}

static void jsonv_check_refuses_wrong_type_for_each_type(void **state)
{
    assert_check_refused("{\"s\":1}", "wrong_type", "s");
    assert_check_refused("{\"s\":\"a\",\"b\":\"true\"}", "wrong_type", "b");
    assert_check_refused("{\"s\":\"a\",\"b\":1}", "wrong_type", "b");
    assert_check_refused("{\"s\":\"a\",\"i\":1.5}", "wrong_type", "i");
    assert_check_refused("{\"s\":\"a\",\"i\":\"1\"}", "wrong_type", "i");
    assert_check_refused("{\"s\":\"a\",\"o\":[]}", "wrong_type", "o");
    assert_check_refused("{\"s\":\"a\",\"a\":{}}", "wrong_type", "a");
}

static void jsonv_check_refuses_missing_required_field(void **state)
{
    assert_check_refused("{}", "missing_field", "s");
    assert_check_refused("{\"d\":\"x\"}", "missing_field", "s");
}

static void jsonv_check_treats_null_as_absent(void **state)
{
    struct lc_errinfo e;
    /* a null required field is missing, not of the wrong type */
    assert_check_refused("{\"s\":null}", "missing_field", "s");
    /* a null optional field of any type is simply absent */
    assert_int_equal(check("{\"s\":\"a\",\"b\":null,\"i\":null,\"o\":null,\"a\":null}", &e),
                     LC_OK);
}

static void jsonv_check_refuses_too_long_string_at_max_len(void **state)
{
    struct lc_errinfo e;
    assert_int_equal(check("{\"s\":\"abcde\"}", &e), LC_OK);
    assert_check_refused("{\"s\":\"abcdef\"}", "too_long", "s");
    /* the cap counts bytes: two 3-byte characters are 6 bytes */
    assert_check_refused("{\"s\":\"\xe5\xbc\xa0\xe4\xb8\x89\"}", "too_long", "s");
}

static void jsonv_check_default_cap_is_256_bytes(void **state)
{
    char text[400];
    struct lc_errinfo e;
    char v[258];
    memset(v, 'x', 256);
    v[256] = '\0';
    snprintf(text, sizeof text, "{\"s\":\"a\",\"d\":\"%s\"}", v);
    assert_int_equal(check(text, &e), LC_OK);
    v[256] = 'x';
    v[257] = '\0';
    snprintf(text, sizeof text, "{\"s\":\"a\",\"d\":\"%s\"}", v);
    assert_check_refused(text, "too_long", "d");
}

/* ---- ids -------------------------------------------------------------- */

static int cmp_ids(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void id_new_has_prefix_and_24_hex_digits(void **state)
{
    char id[LC_ID_MAX];
    lc_id_new("host", id);
    assert_int_equal(strlen(id), 5 + 24);
    assert_memory_equal(id, "host_", 5);
    for (size_t i = 5; i < strlen(id); i++)
        assert_non_null(strchr("0123456789abcdef", id[i]));
    assert_true(lc_id_valid(id));
}

static void id_new_is_unique_over_10000(void **state)
{
    enum { N = 10000 };
    char(*ids)[LC_ID_MAX] = calloc(N, LC_ID_MAX);
    assert_non_null(ids);
    for (size_t i = 0; i < N; i++)
        lc_id_new("decision", ids[i]);
    qsort(ids, N, LC_ID_MAX, cmp_ids);
    for (size_t i = 1; i < N; i++)
        if (strcmp(ids[i - 1], ids[i]) == 0)
            fail_msg("duplicate id %s", ids[i]);
    free(ids);
}

static void id_new_sorts_by_creation_time_across_2ms(void **state)
{
    struct timespec two_ms = {0, 2 * 1000 * 1000};
    char prev[LC_ID_MAX], next[LC_ID_MAX];
    lc_id_new("room", prev);
    for (int i = 0; i < 20; i++) {
        nanosleep(&two_ms, NULL);
        lc_id_new("room", next);
        if (strcmp(prev, next) >= 0)
            fail_msg("%s was created after %s but does not sort after it", next, prev);
        memcpy(prev, next, sizeof prev);
    }
}

/* Gate decisions are made many per millisecond; "newest first" must still
 * be creation order, so ids made back to back sort strictly. */
static void id_new_made_back_to_back_sort_in_creation_order(void **state)
{
    char prev[LC_ID_MAX], cur[LC_ID_MAX];
    lc_id_new("decision", prev);
    for (int i = 0; i < 5000; i++) {
        lc_id_new("decision", cur);
        assert_true(strcmp(prev, cur) < 0);
        memcpy(prev, cur, sizeof prev);
    }
}

static void id_valid_accepts_lowercase_digits_underscore_up_to_47(void **state)
{
    char s[LC_ID_MAX + 1];
    assert_true(lc_id_valid("a"));
    assert_true(lc_id_valid("host_0190f3c2a1b2c3d4e5f6a7b8"));
    assert_true(lc_id_valid("_9_"));
    memset(s, 'a', LC_ID_MAX - 1);
    s[LC_ID_MAX - 1] = '\0';
    assert_true(lc_id_valid(s));
    s[LC_ID_MAX - 1] = 'a';
    s[LC_ID_MAX] = '\0';
    assert_false(lc_id_valid(s));
}

static void id_valid_refuses_empty_and_other_characters(void **state)
{
    assert_false(lc_id_valid(""));
    assert_false(lc_id_valid("Host_1"));
    assert_false(lc_id_valid("host-1"));
    assert_false(lc_id_valid("host 1"));
    assert_false(lc_id_valid("host/1"));
    assert_false(lc_id_valid("../etc"));
    assert_false(lc_id_valid("host_1%00"));
    assert_false(lc_id_valid("h\xc3\xa9"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(time_parse_utc_z_gives_epoch_seconds),
        cmocka_unit_test(time_parse_positive_offset_is_east_of_utc),
        cmocka_unit_test(time_parse_negative_half_hour_offset_is_west_of_utc),
        cmocka_unit_test(time_parse_drops_fractional_seconds),
        cmocka_unit_test(time_parse_holds_leap_second_at_59),
        cmocka_unit_test(time_parse_refuses_missing_zone),
        cmocka_unit_test(time_parse_refuses_impossible_dates_and_times),
        cmocka_unit_test(time_parse_refuses_garbage_empty_and_null),
        cmocka_unit_test(time_format_round_trips_through_parse),
        cmocka_unit_test(time_format_handles_negative_epoch),
        cmocka_unit_test(time_format_handles_year_2100_as_common_year),
        cmocka_unit_test(date_at_changes_at_cst_midnight),
        cmocka_unit_test(date_at_crosses_year_and_negative_epoch),
        cmocka_unit_test(add_months_clamps_aug_31_plus_6_to_end_of_february),
        cmocka_unit_test(add_months_clamps_jan_31_plus_1),
        cmocka_unit_test(add_months_goes_backwards_with_negative_n),
        cmocka_unit_test(add_months_rolls_december_into_next_january),
        cmocka_unit_test(age_increments_on_the_birthday_not_the_day_before),
        cmocka_unit_test(age_of_feb_29_birthday_turns_on_mar_1_in_common_years),
        cmocka_unit_test(jsonv_parse_accepts_an_object),
        cmocka_unit_test(jsonv_parse_refuses_invalid_json),
        cmocka_unit_test(jsonv_parse_refuses_invalid_utf8_in_a_string),
        cmocka_unit_test(jsonv_parse_refuses_duplicate_keys),
        cmocka_unit_test(jsonv_parse_refuses_top_level_array_and_scalars),
        cmocka_unit_test(jsonv_check_accepts_a_body_of_the_right_shape),
        cmocka_unit_test(jsonv_check_refuses_unknown_field_by_name),
        cmocka_unit_test(jsonv_check_refuses_wrong_type_for_each_type),
        cmocka_unit_test(jsonv_check_refuses_missing_required_field),
        cmocka_unit_test(jsonv_check_treats_null_as_absent),
        cmocka_unit_test(jsonv_check_refuses_too_long_string_at_max_len),
        cmocka_unit_test(jsonv_check_default_cap_is_256_bytes),
        cmocka_unit_test(id_new_has_prefix_and_24_hex_digits),
        cmocka_unit_test(id_new_is_unique_over_10000),
        cmocka_unit_test(id_new_sorts_by_creation_time_across_2ms),
        cmocka_unit_test(id_new_made_back_to_back_sort_in_creation_order),
        cmocka_unit_test(id_valid_accepts_lowercase_digits_underscore_up_to_47),
        cmocka_unit_test(id_valid_refuses_empty_and_other_characters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
