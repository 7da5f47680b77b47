/* test_window.c -- the per-sender message windows behind cross-message
 * detection: joining, expiry, per-key separation, bounds and eviction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/window.h"

static char *push(struct lc_window *w, const char *key, int64_t ts, const char *text,
                  size_t *prefix)
{
    char *joined = NULL;
    assert_int_equal(lc_window_push(w, key, ts, text, strlen(text), &joined, prefix), LC_OK);
    return joined;
}

static void first_message_has_nothing_to_join(void **state)
{
    struct lc_window *w = NULL;
    size_t prefix = 99;
    assert_int_equal(lc_window_new(16, &w), LC_OK);
    assert_null(push(w, "room/u1", 100, "138", &prefix));
    lc_window_free(w);
}

static void later_messages_join_earlier_ones_in_order(void **state)
{
    struct lc_window *w = NULL;
    size_t prefix = 0;
    assert_int_equal(lc_window_new(16, &w), LC_OK);
    free(push(w, "room/u1", 100, "138", &prefix));
    char *j = push(w, "room/u1", 101, "0013", &prefix);
    assert_string_equal(j, "1380013");
    assert_int_equal(prefix, 3);
    free(j);
    j = push(w, "room/u1", 102, "8000", &prefix);
    assert_string_equal(j, "13800138000");
    assert_int_equal(prefix, 7);
    free(j);
    lc_window_free(w);
}

static void keys_are_kept_apart(void **state)
{
    struct lc_window *w = NULL;
    size_t prefix = 0;
    assert_int_equal(lc_window_new(16, &w), LC_OK);
    free(push(w, "room/u1", 100, "138", &prefix));
    assert_null(push(w, "room/u2", 100, "0013", &prefix));
    assert_null(push(w, "other/u1", 100, "8000", &prefix));
    lc_window_free(w);
}

static void messages_older_than_the_window_are_forgotten(void **state)
{
    struct lc_window *w = NULL;
    size_t prefix = 0;
    assert_int_equal(lc_window_new(16, &w), LC_OK);
    free(push(w, "k", 100, "old", &prefix));
    free(push(w, "k", 100 + LC_WINDOW_SECONDS - 5, "mid", &prefix));
    char *j = push(w, "k", 100 + LC_WINDOW_SECONDS + 1, "new", &prefix);
    assert_string_equal(j, "midnew"); /* "old" is over a minute old */
    free(j);
    lc_window_free(w);
}

static void only_the_last_few_messages_are_kept(void **state)
{
    struct lc_window *w = NULL;
    size_t prefix = 0;
    char msg[8];
    assert_int_equal(lc_window_new(16, &w), LC_OK);
    for (int i = 0; i < LC_WINDOW_MSGS + 3; i++) {
        snprintf(msg, sizeof msg, "%d", i);
        free(push(w, "k", 100, msg, &prefix));
    }
    char *j = push(w, "k", 100, "x", &prefix);
    assert_int_equal(prefix, LC_WINDOW_MSGS); /* one digit each */
    assert_string_equal(j + prefix, "x");
    assert_int_equal(j[0], '0' + 3);           /* the oldest ones were dropped */
    free(j);
    lc_window_free(w);
}

static void long_messages_keep_their_tail_on_a_utf8_boundary(void **state)
{
    struct lc_window *w = NULL;
    size_t prefix = 0;
    char big[LC_WINDOW_BYTES * 2 + 2];
    assert_int_equal(lc_window_new(16, &w), LC_OK);
    /* 3-byte characters, so the cut point falls inside one */
    size_t n = 0;
    while (n + 3 < sizeof big - 1) {
        memcpy(big + n, "\xe5\x8a\xa0", 3); /* 加 */
        n += 3;
    }
    big[n] = '\0';
    free(push(w, "k", 100, big, &prefix));
    char *j = push(w, "k", 100, "x", &prefix);
    assert_true(prefix <= LC_WINDOW_BYTES);
    assert_int_equal(prefix % 3, 0);
    assert_int_equal((unsigned char)j[0], 0xe5); /* starts on a character */
    free(j);
    lc_window_free(w);
}

static void least_recently_used_key_is_evicted(void **state)
{
    struct lc_window *w = NULL;
    size_t prefix = 0;
    assert_int_equal(lc_window_new(2, &w), LC_OK);
    free(push(w, "a", 100, "1", &prefix));
    free(push(w, "b", 100, "2", &prefix));
    free(push(w, "a", 100, "3", &prefix)); /* a is now the most recent */
    free(push(w, "c", 100, "4", &prefix)); /* evicts b */
    assert_null(push(w, "b", 100, "5", &prefix) /* b starts fresh */);
    char *j = push(w, "c", 100, "6", &prefix);
    assert_string_equal(j, "46");
    free(j);
    lc_window_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_message_has_nothing_to_join),
        cmocka_unit_test(later_messages_join_earlier_ones_in_order),
        cmocka_unit_test(keys_are_kept_apart),
        cmocka_unit_test(messages_older_than_the_window_are_forgotten),
        cmocka_unit_test(only_the_last_few_messages_are_kept),
        cmocka_unit_test(long_messages_keep_their_tail_on_a_utf8_boundary),
        cmocka_unit_test(least_recently_used_key_is_evicted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
