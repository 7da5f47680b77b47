/* test_canon.c -- src/core/canon.c against jansson's own json_dumps(v,
 * JSON_COMPACT | JSON_SORT_KEYS), byte for byte: the archive's leaves were
 * written by jansson before canon.c existed and must not change form.
 * Hand-picked edge cases, then 20,000 random documents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/canon.h"

static void same_as_jansson(const json_t *v)
{
    char *want = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    struct lc_canon b = {0};
    assert_int_equal(lc_canon_value(&b, v), 0);
    assert_non_null(want);
    if (strlen(want) != b.len || memcmp(want, b.buf, b.len) != 0)
        fail_msg("canon differs from jansson:\n  jansson: %s\n  canon:   %s", want, b.buf);
    free(want);
    free(b.buf);
}

static void edge_cases(void **state)
{
    (void)state;
    static const char *docs[] = {
        "{}", "[]", "\"\"", "0", "-1", "9223372036854775807", "-9223372036854775808", "true",
        "false", "null", "1.0", "-0.0", "0.1", "1e300", "1e-7", "123456789.123456789",
        "2.5e-308", "[1,[2,[3,{}]],{\"a\":[]}]",
        "{\"b\":1,\"a\":2,\"ab\":3,\"a0\":4,\"\":5,\"B\":6,\"\\u00e9\":7,\"z\":8}",
        "\"quote \\\" backslash \\\\ slash / tab \\t nl \\n cr \\r bs \\b ff \\f\"",
        "\"\\u0001\\u001f\\u007f \\u2028 \\u2029 \\ud83d\\ude00 \\u4e2d\\u6587 \\u0000 end\"",
        "{\"\\n\":{\"\\u0001\":[\"\\\"\"]}}",
    };
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
        json_error_t err;
        json_t *v = json_loads(docs[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
        if (!v)
            fail_msg("bad test doc %s: %s", docs[i], err.text);
        same_as_jansson(v);
        json_decref(v);
    }
    /* every control byte and every ASCII byte alone, as a key and a value */
    for (int c = 0; c < 128; c++) {
        char s[2] = {(char)c, 0};
        json_t *o = json_object();
        json_object_setn_new(o, s, 1, json_stringn(s, 1));
        same_as_jansson(o);
        json_decref(o);
    }
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static json_t *random_string(void)
{
    static const char *pieces[] = {"a", "b", "id", "room_id", "\"", "\\", "/", "\n", "\t",
                                   "\x01", "\x1f", "\x7f", " ", "\xc3\xa9", "\xe4\xb8\xad",
                                   "\xf0\x9f\x98\x80", "\xe2\x80\xa8", "0", "Z", "\0"};
    char buf[64];
    size_t n = 0, k = next() % 8;
    for (size_t i = 0; i < k; i++) {
        const char *p = pieces[next() % 20];
        size_t pl = *p ? strlen(p) : 1;
        memcpy(buf + n, p, pl);
        n += pl;
    }
    return json_stringn(buf, n);
}

static json_t *random_value(int depth)
{
    switch (next() % (depth > 4 ? 6 : 8)) {
    case 0:
        return json_integer((json_int_t)(next() % 2 ? next() : next() % 1000) *
                            (next() % 2 ? 1 : -1));
    case 1:
        return json_real((double)(int64_t)next() / (double)(next() % 1000000 + 1));
    case 2:
        return json_boolean(next() % 2);
    case 3:
        return json_null();
    case 4:
    case 5:
        return random_string();
    case 6: {
        json_t *a = json_array();
        for (size_t i = next() % 5; i > 0; i--)
            json_array_append_new(a, random_value(depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (size_t i = next() % 40; i > 0; i--) { /* past the 16 sorted on the stack */
            json_t *k = random_string();
            json_object_setn_new(o, json_string_value(k), json_string_length(k),
                                 random_value(depth + 1));
            json_decref(k);
        }
        return o;
    }
    }
}

static void random_documents(void **state)
{
    (void)state;
    for (int i = 0; i < 20000; i++) {
        json_t *v = random_value(0);
        same_as_jansson(v);
        json_decref(v);
    }
}

static int not_secret(const char *key, void *ctx)
{
    (void)ctx;
    return strcmp(key, "secret") != 0;
}

static void filtered_object(void **state)
{
    (void)state;
    json_t *o = json_pack("{s:i, s:s, s:[i]}", "z", 1, "secret", "x", "a", 2);
    struct lc_canon b = {0};
    size_t kept = 0;
    assert_int_equal(lc_canon_object(&b, o, not_secret, NULL, &kept), 0);
    assert_string_equal(b.buf, "{\"a\":[2],\"z\":1}");
    assert_int_equal(kept, 2);
    /* a non-object is refused, and the buffer stays failed */
    assert_int_equal(lc_canon_object(&b, json_object_get(o, "a"), NULL, NULL, NULL), -1);
    assert_int_equal(lc_canon_raw(&b, "x", 1), -1);
    free(b.buf);
    json_decref(o);
}

/* anything jansson's parser accepts (2,047 nested arrays) is written; one
 * level more and jansson refuses to parse it */
static void as_deep_as_jansson_parses(void **state)
{
    (void)state;
    for (int depth = LC_CANON_MAX_DEPTH - 1; depth <= LC_CANON_MAX_DEPTH; depth++) {
        char *text = malloc(2 * (size_t)depth + 2);
        size_t n = 0;
        for (int i = 0; i < depth; i++)
            text[n++] = '[';
        text[n++] = '7';
        for (int i = 0; i < depth; i++)
            text[n++] = ']';
        text[n] = '\0';
        json_t *v = json_loads(text, 0, NULL);
        if (depth < LC_CANON_MAX_DEPTH) {
            assert_non_null(v);
            same_as_jansson(v);
        } else {
            assert_null(v);
        }
        json_decref(v);
        free(text);
    }
}

static void too_deep(void **state)
{
    (void)state;
    json_t *v = json_integer(1);
    for (int i = 0; i < LC_CANON_MAX_DEPTH + 2; i++) {
        json_t *a = json_array();
        json_array_append_new(a, v);
        v = a;
    }
    struct lc_canon b = {0};
    assert_int_equal(lc_canon_value(&b, v), -1);
    assert_true(b.failed);
    free(b.buf);
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(edge_cases),
        cmocka_unit_test(random_documents),
        cmocka_unit_test(filtered_object),
        cmocka_unit_test(as_deep_as_jansson_parses),
        cmocka_unit_test(too_deep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
