/* test_form.c -- unit tests for src/http/form.c, the urlencoded field lookup
 * that reads nginx-rtmp's on_publish bodies.
 *
 * The first occurrence of a key must win: nginx-rtmp writes its own fields
 * first and appends the client's stream-URL arguments raw, so a client can
 * repeat name= or call= after them (rtmp.md, gotcha 4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/form.h"

/* Looks key up in the whole of s; the value goes into out (64 bytes). */
static bool get(const char *s, const char *key, char out[64])
{
    memset(out, '#', 64);
    return lc_form_get(s, strlen(s), key, out, 64);
}

static void assert_value(const char *s, const char *key, const char *want)
{
    char out[64];
    if (!get(s, key, out))
        fail_msg("\"%s\" not found in \"%s\"", key, s);
    assert_string_equal(out, want);
}

static void assert_refused(const char *s, const char *key)
{
    char out[64];
    if (get(s, key, out))
        fail_msg("\"%s\" in \"%s\" was accepted as \"%s\"", key, s, out);
}

static const char rtmp_body[] =
    "app=live&flashver=FMLE/3.0&swfurl=&tcurl=rtmp://127.0.0.1/live&pageurl=&addr=127.0.0.1"
    "&clientid=7&call=publish&name=deny9&type=live&token=abc&name=allowed_name&call=play";

static void form_first_occurrence_wins_over_client_repeats(void **state)
{
    assert_value(rtmp_body, "name", "deny9");
    assert_value(rtmp_body, "call", "publish");
    assert_value(rtmp_body, "app", "live");
    assert_value(rtmp_body, "token", "abc");
    assert_value(rtmp_body, "clientid", "7");
    assert_value(rtmp_body, "tcurl", "rtmp://127.0.0.1/live");
}

static void form_decodes_percent_escapes_and_plus(void **state)
{
    assert_value("a=%41%62c", "a", "Abc");
    assert_value("a=%2f%2F", "a", "//");
    assert_value("a=x+y+z", "a", "x y z");
    assert_value("a=%2B", "a", "+");
    assert_value("a=%26name%3Dz&name=q", "a", "&name=z");
    assert_value("a=%26name%3Dz&name=q", "name", "q");
    assert_value("a=%E5%BC%A0", "a", "\xe5\xbc\xa0");
    assert_value("a=%41", "a", "A"); /* escape right at the end */
}

static void form_key_without_equals_has_empty_value(void **state)
{
    assert_value("flag&name=x", "flag", "");
    assert_value("name=x&flag", "flag", "");
    assert_value("name=x&flag", "name", "x");
}

static void form_empty_value_is_found_as_empty(void **state)
{
    assert_value("swfurl=&name=x", "swfurl", "");
    assert_value("name=&name=x", "name", ""); /* still the first one */
}

static void form_key_prefix_of_another_key_does_not_match(void **state)
{
    assert_value("nam=x&name=y", "name", "y");
    assert_value("nam=x&name=y", "nam", "x");
    assert_value("names=x&name=y", "name", "y");
    assert_value("xname=x&name=y", "name", "y");
    assert_refused("nam=x&names=y", "name");
}

static void form_missing_key_is_not_found(void **state)
{
    assert_refused("app=live&call=publish", "name");
    assert_refused("app=live&call=publish", "");
    assert_refused("=x", "name");
    assert_refused("&&&", "name");
}

static void form_refuses_truncated_or_bad_escapes(void **state)
{
    assert_refused("name=%4", "name");
    assert_refused("name=%", "name");
    assert_refused("name=%zz", "name");
    assert_refused("name=%4g", "name");
    assert_refused("name=ab%", "name");
    assert_refused("name=%4&x=1", "name");
    assert_refused("name=%&x=1", "name");
}

static void form_refuses_encoded_nul(void **state)
{
    assert_refused("name=%00", "name");
    assert_refused("name=allowed%00deny", "name");
}

static void form_refuses_value_that_does_not_fit(void **state)
{
    char out[4];
    const char *s = "name=abcd&k=abc&e=";
    assert_false(lc_form_get(s, strlen(s), "name", out, sizeof out));
    assert_true(lc_form_get(s, strlen(s), "k", out, sizeof out));
    assert_string_equal(out, "abc");
    /* decoding shrinks: three escapes fit in four bytes */
    s = "name=%41%42%43";
    assert_true(lc_form_get(s, strlen(s), "name", out, sizeof out));
    assert_string_equal(out, "ABC");
    /* a zero-sized output holds nothing, not even "" */
    s = "e=";
    assert_false(lc_form_get(s, strlen(s), "e", out, 0));
    assert_true(lc_form_get(s, strlen(s), "e", out, 1));
    assert_string_equal(out, "");
}

static void form_empty_input_has_no_keys(void **state)
{
    char out[8] = "unset";
    assert_false(lc_form_get("", 0, "name", out, sizeof out));
    assert_false(lc_form_get("name=x", 0, "name", out, sizeof out));
}

static void form_respects_the_length_not_the_nul(void **state)
{
    /* the body is not NUL-terminated where the length ends */
    const char buf[] = "name=abcdef&call=publish";
    char out[64];
    assert_true(lc_form_get(buf, 8, "name", out, sizeof out));
    assert_string_equal(out, "abc");
    assert_false(lc_form_get(buf, 14, "call", out, sizeof out));
    /* an escape cut by the length is truncated, not read past it */
    const char esc[] = "name=%41";
    assert_false(lc_form_get(esc, 7, "name", out, sizeof out));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(form_first_occurrence_wins_over_client_repeats),
        cmocka_unit_test(form_decodes_percent_escapes_and_plus),
        cmocka_unit_test(form_key_without_equals_has_empty_value),
        cmocka_unit_test(form_empty_value_is_found_as_empty),
        cmocka_unit_test(form_key_prefix_of_another_key_does_not_match),
        cmocka_unit_test(form_missing_key_is_not_found),
        cmocka_unit_test(form_refuses_truncated_or_bad_escapes),
        cmocka_unit_test(form_refuses_encoded_nul),
        cmocka_unit_test(form_refuses_value_that_does_not_fit),
        cmocka_unit_test(form_empty_input_has_no_keys),
        cmocka_unit_test(form_respects_the_length_not_the_nul),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
