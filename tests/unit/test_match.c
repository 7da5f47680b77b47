/* test_match.c -- unit tests for src/match: the multi-pattern matcher.
 *
 * Every case runs on both engines (Aho-Corasick and Vectorscan) and checks
 * the exact hit list: one hit per (id, end) with the leftmost start, in
 * order of end, then id.  Where this CPU cannot run Vectorscan, the
 * Vectorscan half of each case is skipped with a message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "match/match.h"
#include "match/match_priv.h"
#include "match/pattern.h"

#define MAX_HITS 256

struct coll {
    struct lc_hit h[MAX_HITS];
    struct lc_hit big[1024]; /* for collect_many */
    size_t n;
    size_t stop_after; /* 0: never stop */
};

static int collect(void *ctx, const struct lc_hit *hit)
{
    struct coll *c = ctx;
    if (c->n < MAX_HITS)
        c->h[c->n] = *hit;
    c->n++;
    return c->stop_after && c->n >= c->stop_after;
}

static int collect_many(void *ctx, const struct lc_hit *hit)
{
    struct coll *c = ctx;
    if (c->n < sizeof c->big / sizeof c->big[0])
        c->big[c->n] = *hit;
    c->n++;
    return 0;
}

static const enum lc_engine engines[] = {LC_ENGINE_AC, LC_ENGINE_VECTORSCAN};

static const char *engine_name(enum lc_engine e)
{
    return e == LC_ENGINE_AC ? "ac" : "vectorscan";
}

static bool engine_usable(enum lc_engine e)
{
    if (e != LC_ENGINE_VECTORSCAN || lc_match_vectorscan_available())
        return true;
    static bool said;
    if (!said)
        fprintf(stderr, "note: Vectorscan cannot run on this CPU; its cases are skipped\n");
    said = true;
    return false;
}

static struct lc_matcher *compile_ok(const struct lc_pattern *p, size_t n, enum lc_engine e)
{
    struct lc_matcher *m = NULL;
    char err[256];
    enum lc_err rc = lc_match_compile(p, n, e, &m, err, sizeof err);
    if (rc != LC_OK)
        fail_msg("%s: compile failed: %s", engine_name(e), err);
    assert_int_equal(lc_match_engine(m), e);
    return m;
}

static void scan_into(const struct lc_matcher *m, const char *text, size_t len, struct coll *c)
{
    struct lc_scratch *s = NULL;
    assert_int_equal(lc_match_scratch_new(m, &s), LC_OK);
    assert_int_equal(lc_match_scan(m, s, text, len, collect, c), LC_OK);
    lc_match_scratch_free(s);
}

static void print_hits(const char *label, const struct lc_hit *h, size_t n)
{
    fprintf(stderr, "  %s:", label);
    for (size_t k = 0; k < n && k < MAX_HITS; k++)
        fprintf(stderr, " (%u,%u,%u)", h[k].id, h[k].start, h[k].end);
    fprintf(stderr, "\n");
}

/* Compiles p on each engine, scans text and compares with want. */
static void expect_hits(const struct lc_pattern *p, size_t n, const char *text,
                        const struct lc_hit *want, size_t nwant)
{
    for (size_t k = 0; k < sizeof engines / sizeof engines[0]; k++) {
        if (!engine_usable(engines[k]))
            continue;
        struct lc_matcher *m = compile_ok(p, n, engines[k]);
        struct coll c = {0};
        scan_into(m, text, strlen(text), &c);
        bool same = c.n == nwant;
        for (size_t j = 0; same && j < nwant; j++)
            same = c.h[j].id == want[j].id && c.h[j].start == want[j].start &&
                   c.h[j].end == want[j].end;
        if (!same) {
            fprintf(stderr, "%s on \"%s\":\n", engine_name(engines[k]), text);
            print_hits("want", want, nwant);
            print_hits("got ", c.h, c.n);
        }
        lc_match_free(m);
        assert_true(same);
    }
}

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define LIT(id, s) {(id), (s), true}
#define PAT(id, s) {(id), (s), false}

static void literal_hits_have_byte_offsets_in_ascii_and_cjk(void **state)
{
    const struct lc_pattern p[] = {LIT(1, "abc"), LIT(2, "最佳"), LIT(3, "第一")};
    /* x abc 最佳 y 第一: bytes 0, 1..4, 4..10, 10, 11..17 */
    const struct lc_hit want[] = {{1, 1, 4}, {2, 4, 10}, {3, 11, 17}};
    expect_hits(p, N(p), "xabc最佳y第一", want, N(want));
}

static void overlapping_literals_he_she_his_hers_all_reported(void **state)
{
    const struct lc_pattern p[] = {LIT(1, "he"), LIT(2, "she"), LIT(3, "his"), LIT(4, "hers")};
    const struct lc_hit want[] = {{1, 2, 4}, {2, 1, 4}, {4, 2, 6}};
    expect_hits(p, N(p), "ushers", want, N(want));
}

static void repeated_literal_reports_every_occurrence(void **state)
{
    const struct lc_pattern p[] = {LIT(1, "aa")};
    const struct lc_hit want[] = {{1, 0, 2}, {1, 1, 3}, {1, 2, 4}};
    expect_hits(p, N(p), "aaaa", want, N(want));
}

static void same_id_for_several_literals_gives_one_hit_per_end_leftmost_start(void **state)
{
    const struct lc_pattern p[] = {LIT(7, "cd"), LIT(7, "abcd"), LIT(8, "d"), LIT(7, "bcd"),
                                   LIT(7, "ab")};
    const struct lc_hit want[] = {{7, 0, 2}, {7, 0, 4}, {8, 3, 4}};
    expect_hits(p, N(p), "abcd", want, N(want));

    const struct lc_pattern q[] = {LIT(5, "佳"), LIT(5, "最佳"), LIT(5, "最佳")};
    const struct lc_hit wq[] = {{5, 0, 6}, {5, 9, 12}};
    expect_hits(q, N(q), "最佳的佳", wq, N(wq));
}

static void hits_at_one_end_are_ordered_by_id(void **state)
{
    const struct lc_pattern p[] = {LIT(30, "c"), LIT(10, "abc"), LIT(20, "bc")};
    const struct lc_hit want[] = {{10, 0, 3}, {20, 1, 3}, {30, 2, 3}};
    expect_hits(p, N(p), "abc", want, N(want));
}

static void phone_pattern_in_longer_digit_run_reports_each_end(void **state)
{
    const struct lc_pattern p[] = {PAT(1, "1[3-9]\\d{9}")};
    /* Starts at 0 and 5; the run is too short for a start at 11. */
    const struct lc_hit want[] = {{1, 0, 11}, {1, 5, 16}};
    expect_hits(p, N(p), "138001380001390013900", want, N(want));
    const struct lc_hit w2[] = {{1, 9, 20}};
    expect_hits(p, N(p), "加微信13912345678吧", w2, N(w2));
}

static void variable_pattern_reports_each_end_with_leftmost_start(void **state)
{
    const struct lc_pattern p[] = {PAT(2, "[a-z]{3,5}")};
    const struct lc_hit want[] = {{2, 0, 3}, {2, 0, 4}, {2, 0, 5}, {2, 1, 6}, {2, 2, 7}};
    expect_hits(p, N(p), "abcdefg", want, N(want));
    const struct lc_hit w2[] = {{2, 3, 6}, {2, 3, 7}};
    expect_hits(p, N(p), "ab1cdef", w2, N(w2));
}

static void optional_atom_matches_with_and_without_it(void **state)
{
    const struct lc_pattern p[] = {PAT(1, "colou?r")};
    const struct lc_hit want[] = {{1, 0, 5}, {1, 6, 12}};
    expect_hits(p, N(p), "color colour colouur", want, N(want));

    const struct lc_pattern q[] = {PAT(4, "中?国")};
    const struct lc_hit wq[] = {{4, 0, 6}, {4, 6, 9}};
    expect_hits(q, N(q), "中国国", wq, N(wq));
}

static void quantifier_repeats_a_whole_cjk_character(void **state)
{
    const struct lc_pattern p[] = {PAT(3, "哈{2,3}")};
    const struct lc_hit want[] = {{3, 0, 6}, {3, 0, 9}, {3, 3, 12}};
    expect_hits(p, N(p), "哈哈哈哈", want, N(want));
    /* Only whole characters repeat: 哈 and then its last byte twice more is no hit. */
    expect_hits(p, N(p), "\xe5\x93\x88\x88\x88", NULL, 0);
}

static void escapes_and_classes_match_punctuation_literally(void **state)
{
    const struct lc_pattern p[] = {PAT(1, "a\\.b"), PAT(2, "\\[x\\]"), PAT(3, "[\\-+]\\d{2}"),
                                   PAT(4, "[-a]z"), PAT(5, "[\\d_]{2}")};
    const struct lc_hit want[] = {{1, 3, 6},   {2, 6, 9},   {3, 9, 12},
                                  {5, 10, 12}, {4, 12, 14}, {5, 14, 16}};
    expect_hits(p, N(p), "axba.b[x]-42-z_9", want, N(want));
}

/* Vectorscan 5.4.9's AVX-512 scanner misses these (see match.c); the
 * self-test must have steered around it. */
static void optional_suffix_pattern_is_found_past_the_first_64_bytes(void **state)
{
    char text[200];
    const struct lc_pattern p[] = {PAT(1, "6x?"), PAT(2, "[0-9_a]?67?")};
    for (unsigned at = 60; at < 130; at += 3) {
        memset(text, 'b', sizeof text);
        memcpy(text + at, "68", 2);
        text[at + 2 + at % 7] = '\0';
        const struct lc_hit want[] = {{1, at, at + 1}, {2, at, at + 1}};
        expect_hits(p, N(p), text, want, N(want));
    }
}

/* Vectorscan 5.4.9 aborts the process on this pattern over 256+ bytes
 * holding two digits (see match.c); long texts are scanned in windows. */
static void long_text_with_crashing_pattern_is_scanned_safely(void **state)
{
    char text[700];
    memset(text, 'x', sizeof text);
    text[sizeof text - 1] = '\0';
    memcpy(text + 250, "12", 2);
    const struct lc_pattern p[] = {PAT(1, "\\d{2,5}\\.{2,5}")};
    expect_hits(p, N(p), text, NULL, 0);
    memcpy(text + 400, "123...", 6);
    const struct lc_hit want[] = {{1, 400, 405}, {1, 400, 406}};
    expect_hits(p, N(p), text, want, N(want));
}

/* The same Vectorscan code reads the buffer as a C string; a text without
 * a NUL after it must not be read past its end (ASan reports it). */
static void text_without_terminator_is_not_read_past_its_end(void **state)
{
    enum { LEN = 300 };
    char *text = malloc(LEN);
    assert_non_null(text);
    memset(text, 'x', LEN);
    memcpy(text + LEN - 6, "12....", 6);
    const struct lc_pattern p[] = {PAT(1, "\\d{2,5}\\.{2,5}")};
    for (size_t k = 0; k < N(engines); k++) {
        if (!engine_usable(engines[k]))
            continue;
        struct lc_matcher *m = compile_ok(p, N(p), engines[k]);
        struct coll c = {0};
        scan_into(m, text, LEN, &c);
        assert_int_equal(c.n, 3); /* 12.. 12... 12.... */
        assert_int_equal(c.h[0].start, LEN - 6);
        lc_match_free(m);
    }
    free(text);
}

/* Every end of a run of 1,000 letters, with the leftmost start 100 bytes
 * back: each window boundary must hand over without loss or repeat. */
static void widest_pattern_over_long_text_keeps_leftmost_starts(void **state)
{
    enum { LEN = 1000 };
    char text[LEN + 1];
    memset(text, 'a', LEN);
    text[LEN] = '\0';
    static struct lc_hit want[LEN];
    size_t n = 0;
    for (uint32_t e = 3; e <= LEN; e++)
        want[n++] = (struct lc_hit){1, e > 100 ? e - 100 : 0, e};
    const struct lc_pattern p[] = {PAT(1, "[a-z]{3,100}")};
    for (size_t k = 0; k < N(engines); k++) {
        if (!engine_usable(engines[k]))
            continue;
        struct lc_matcher *m = compile_ok(p, N(p), engines[k]);
        struct lc_scratch *s = NULL;
        assert_int_equal(lc_match_scratch_new(m, &s), LC_OK);
        static struct coll c;
        c.n = 0;
        c.stop_after = 0;
        assert_int_equal(lc_match_scan(m, s, text, LEN, collect_many, &c), LC_OK);
        assert_int_equal(c.n, n);
        for (size_t j = 0; j < n; j++)
            if (c.big[j].start != want[j].start || c.big[j].end != want[j].end)
                fail_msg("%s: hit %zu is (%u,%u), want (%u,%u)", engine_name(engines[k]), j,
                         c.big[j].start, c.big[j].end, want[j].start, want[j].end);
        lc_match_scratch_free(s);
        lc_match_free(m);
    }
}

static void literals_and_patterns_sharing_an_id_merge_per_end(void **state)
{
    const struct lc_pattern p[] = {LIT(5, "abc"), PAT(5, "[a-c]{2,3}"), PAT(6, "b[c]")};
    const struct lc_hit want[] = {{5, 0, 2}, {5, 0, 3}, {6, 1, 3}};
    expect_hits(p, N(p), "abc", want, N(want));
}

static void literal_is_taken_byte_for_byte(void **state)
{
    /* Metacharacters are literal in a literal, and invalid UTF-8 is bytes. */
    const struct lc_pattern p[] = {LIT(1, "a.b*"), LIT(2, "\xff\xfe")};
    const struct lc_hit want[] = {{2, 1, 3}, {1, 3, 7}};
    expect_hits(p, N(p), "x\xff\xfe" "a.b*axb", want, N(want));
}

static void text_with_nul_bytes_is_scanned_to_its_length(void **state)
{
    const struct lc_pattern p[] = {LIT(1, "ab")};
    const char text[] = "a\0ab";
    for (size_t k = 0; k < N(engines); k++) {
        if (!engine_usable(engines[k]))
            continue;
        struct lc_matcher *m = compile_ok(p, N(p), engines[k]);
        struct coll c = {0};
        scan_into(m, text, 4, &c);
        assert_int_equal(c.n, 1);
        assert_int_equal(c.h[0].start, 2);
        assert_int_equal(c.h[0].end, 4);
        lc_match_free(m);
    }
}

static void callback_returning_nonzero_stops_the_scan(void **state)
{
    const struct lc_pattern p[] = {LIT(1, "a"), PAT(2, "\\d")};
    for (size_t k = 0; k < N(engines); k++) {
        if (!engine_usable(engines[k]))
            continue;
        struct lc_matcher *m = compile_ok(p, N(p), engines[k]);
        struct coll c = {.stop_after = 2};
        scan_into(m, "a1a1a1", 6, &c);
        assert_int_equal(c.n, 2);
        assert_int_equal(c.h[0].id, 1);
        assert_int_equal(c.h[1].id, 2);
        assert_int_equal(c.h[1].end, 2);
        lc_match_free(m);
    }
}

static void empty_text_and_empty_pattern_set_give_no_hits(void **state)
{
    const struct lc_pattern p[] = {LIT(1, "a"), PAT(2, "\\d")};
    for (size_t k = 0; k < N(engines); k++) {
        if (!engine_usable(engines[k]))
            continue;
        struct lc_matcher *m = compile_ok(p, N(p), engines[k]);
        struct coll c = {0};
        scan_into(m, "", 0, &c);
        scan_into(m, NULL, 0, &c);
        assert_int_equal(c.n, 0);
        lc_match_free(m);

        m = compile_ok(NULL, 0, engines[k]);
        scan_into(m, "abc123", 6, &c);
        assert_int_equal(c.n, 0);
        lc_match_free(m);
    }
}

/* Compiling p must fail with LC_EINVAL and a message containing want, the
 * same on both engines. */
static void expect_error(const struct lc_pattern *p, size_t n, const char *want)
{
    for (size_t k = 0; k < N(engines); k++) {
        if (!engine_usable(engines[k]))
            continue;
        struct lc_matcher *m = NULL;
        char err[256] = "";
        enum lc_err rc = lc_match_compile(p, n, engines[k], &m, err, sizeof err);
        if (rc != LC_EINVAL || !strstr(err, want))
            fail_msg("%s: %s: got %d \"%s\", want \"%s\"", engine_name(engines[k]),
                     p[n - 1].expr, rc, err, want);
        assert_null(m);
    }
}

static void bad_pattern(const char *expr, const char *want)
{
    const struct lc_pattern p[] = {LIT(1, "ok"), PAT(2, expr)};
    expect_error(p, N(p), want);
}

static void compile_errors_name_the_pattern_and_column(void **state)
{
    const struct lc_pattern empty_lit[] = {LIT(1, "ok"), LIT(2, "")};
    expect_error(empty_lit, N(empty_lit), "pattern 1: empty literal");

    bad_pattern("", "pattern 1: column 1: empty pattern");
    bad_pattern("ab*", "pattern 1: column 3: unbounded repetition '*'");
    bad_pattern("a+", "column 2: unbounded repetition '+'");
    bad_pattern("(ab)", "column 1: unsupported syntax '('");
    bad_pattern("a|b", "column 2: unsupported syntax '|'");
    bad_pattern("中.国", "column 2: unsupported syntax '.'");
    bad_pattern("^a", "column 1: unsupported syntax '^'");
    bad_pattern("a{2", "column 2: unbalanced '{'");
    bad_pattern("a{2,3", "column 2: unbalanced '{'");
    bad_pattern("a{2x}", "column 2: unbalanced '{'");
    bad_pattern("a}", "column 2: unbalanced '}'");
    bad_pattern("a]", "column 2: unbalanced ']'");
    bad_pattern("a{5,2}", "column 2: {5,2}: the upper bound is below the lower bound");
    bad_pattern("a{,2}", "column 2: '{' must be followed by a number");
    bad_pattern("a{2,}", "column 2: unbounded repetition {2,}");
    bad_pattern("a{0}b", "column 2: {0} repeats nothing");
    bad_pattern("a{101}", "repetition bound above 100");
    bad_pattern("{2}a", "column 1: quantifier '{' has nothing to repeat");
    bad_pattern("a??", "column 3: quantifier '?' follows a quantifier");
    bad_pattern("a{2}{3}", "column 5: quantifier '{' follows a quantifier");
    bad_pattern("[^a]", "column 2: negated classes are not supported");
    bad_pattern("[a-", "column 1: unbalanced '['");
    bad_pattern("[]", "column 1: empty class");
    bad_pattern("[z-a]", "column 2: range is out of order");
    bad_pattern("[中]", "column 2: classes take ASCII characters only");
    bad_pattern("[[:alpha:]]", "column 2: '[' inside a class must be escaped");
    bad_pattern("\\w", "column 1: unsupported escape \\w");
    bad_pattern("ab\\", "column 3: trailing backslash");
    bad_pattern("a?", "column 1: the pattern can match the empty string");
    bad_pattern("\\d{0,3}[a-z]?", "the pattern can match the empty string");
    bad_pattern("ab\xff", "column 3: invalid UTF-8");
    bad_pattern("[a-z]{60}[0-9]{41}", "a match could span more than 100 bytes");

    static char long_lit[102];
    memset(long_lit, 'a', 101);
    const struct lc_pattern too_long[] = {LIT(1, "ok"), LIT(2, long_lit)};
    expect_error(too_long, N(too_long), "pattern 1: literal longer than 100 bytes");

    const struct lc_pattern no_expr[] = {LIT(1, "ok"), {2, NULL, false}};
    expect_error(no_expr, N(no_expr), "pattern 1: no expression");
}

/* The parser's limits keep every accepted pattern within what Vectorscan
 * compiles with SOM, so the engine never decides whether rules load. */
static void widest_accepted_patterns_compile_on_both_engines(void **state)
{
    static const char *const widest[] = {
        "[a-z]{1,100}",     "x[a-z]{1,98}y",         "哈{1,33}",
        "[a-z]{0,50}\\d{1,50}", "a?b?c?d?e?f?g?h?i?j?k?l?m?n?o?p?q?r?s?t?u?v?w?x?y?z?0",
        "[0-9]{1,25}[a-f]{0,25}[a-z]{1,25}[_.]{0,25}", "中{0,33}[0-9]",
    };
    for (size_t k = 0; k < N(widest); k++) {
        const struct lc_pattern p[] = {PAT(1, widest[k])};
        for (size_t e = 0; e < N(engines); e++) {
            if (!engine_usable(engines[e]))
                continue;
            lc_match_free(compile_ok(p, 1, engines[e]));
        }
    }
}

static void errors_never_write_the_output(void **state)
{
    struct lc_matcher *m = (struct lc_matcher *)&m;
    const struct lc_pattern p[] = {PAT(1, "a*")};
    assert_int_equal(lc_match_compile(p, 1, LC_ENGINE_AC, &m, NULL, 0), LC_EINVAL);
    assert_ptr_equal(m, (struct lc_matcher *)&m);
    assert_int_equal(lc_match_compile(NULL, 3, LC_ENGINE_AC, &m, NULL, 0), LC_EINVAL);
}

static void scan_rejects_bad_arguments(void **state)
{
    const struct lc_pattern p[] = {LIT(1, "a")};
    struct lc_matcher *m = compile_ok(p, 1, LC_ENGINE_AC);
    struct lc_scratch *s = NULL;
    assert_int_equal(lc_match_scratch_new(m, &s), LC_OK);
    struct coll c = {0};
    assert_int_equal(lc_match_scan(m, s, NULL, 3, collect, &c), LC_EINVAL);
    assert_int_equal(lc_match_scan(m, s, "a", 1, NULL, &c), LC_EINVAL);
    assert_int_equal(lc_match_scan(NULL, s, "a", 1, collect, &c), LC_EINVAL);
    assert_int_equal(lc_match_scan(m, NULL, "a", 1, collect, &c), LC_EINVAL);
    lc_match_scratch_free(s);
    lc_match_free(m);
    lc_match_free(NULL);
    lc_match_scratch_free(NULL);
}

static void scratch_serves_a_later_matcher_after_grow(void **state)
{
    const struct lc_pattern small[] = {LIT(1, "a")};
    const struct lc_pattern big[] = {LIT(1, "abc"), LIT(2, "bc"), PAT(3, "[a-z]{2,4}\\d{1,3}"),
                                     PAT(4, "x{5}"), LIT(5, "量大从优")};
    for (size_t k = 0; k < N(engines); k++) {
        if (!engine_usable(engines[k]))
            continue;
        struct lc_matcher *a = compile_ok(small, N(small), engines[k]);
        struct lc_matcher *b = compile_ok(big, N(big), engines[k]);
        struct lc_scratch *s = NULL;
        assert_int_equal(lc_match_scratch_new(a, &s), LC_OK);
        struct coll c = {0};
        if (engines[k] == LC_ENGINE_AC) /* too small for b: refused, not a crash */
            assert_int_equal(lc_match_scan(b, s, "abc12", 5, collect, &c), LC_EINVAL);
        assert_int_equal(lc_match_scratch_grow(b, s), LC_OK);
        c.n = 0;
        assert_int_equal(lc_match_scan(b, s, "abc12", 5, collect, &c), LC_OK);
        assert_int_equal(c.n, 4); /* (2,1,3) (1,0,3) (3,0,4) (3,0,5) */
        c.n = 0;
        assert_int_equal(lc_match_scan(a, s, "abc12", 5, collect, &c), LC_OK);
        assert_int_equal(c.n, 1);
        lc_match_scratch_free(s);
        lc_match_free(a);
        lc_match_free(b);
    }
}

static void auto_engine_prefers_vectorscan_when_it_can_run(void **state)
{
    const struct lc_pattern p[] = {LIT(1, "a")};
    struct lc_matcher *m = NULL;
    assert_int_equal(lc_match_compile(p, 1, LC_ENGINE_AUTO, &m, NULL, 0), LC_OK);
    assert_int_equal(lc_match_engine(m),
                     lc_match_vectorscan_available() ? LC_ENGINE_VECTORSCAN : LC_ENGINE_AC);
    lc_match_free(m);
}

static void many_ids_ending_at_one_byte_are_all_reported_in_order(void **state)
{
    /* 200 literals all ending at the last byte, ids given in reverse. */
    enum { K = 200 };
    static char bufs[K][8];
    struct lc_pattern p[K];
    for (int k = 0; k < K; k++) {
        snprintf(bufs[k], sizeof bufs[k], "%s", (k % 3 == 0) ? "xyz" : (k % 3 == 1) ? "yz" : "z");
        p[k] = (struct lc_pattern){(unsigned)(K - k), bufs[k], true};
    }
    for (size_t e = 0; e < N(engines); e++) {
        if (!engine_usable(engines[e]))
            continue;
        struct lc_matcher *m = compile_ok(p, K, engines[e]);
        struct coll c = {0};
        scan_into(m, "xyz", 3, &c);
        assert_int_equal(c.n, K);
        for (size_t k = 0; k < K; k++) {
            assert_int_equal(c.h[k].end, 3);
            if (k)
                assert_true(c.h[k].id > c.h[k - 1].id);
            /* id K-j: j%3 == 0 is xyz (start 0), 1 is yz, 2 is z */
            assert_int_equal(c.h[k].start, (K - c.h[k].id) % 3);
        }
        lc_match_free(m);
    }
}

/* ---- the pattern gate (match.c) --------------------------------------- */

static void expect_gate(const char *src, uint32_t digits, const char *factor)
{
    struct lc_match_pat pat;
    struct lc_match_gate g;
    char err[200];
    assert_int_equal(lc_match_pat_parse(src, 0, &pat, err, sizeof err), LC_OK);
    lc_match_pat_gate(&pat, &g);
    lc_match_pat_cleanup(&pat);
    if (g.digits != digits || g.flen != strlen(factor) || memcmp(g.factor, factor, g.flen))
        fail_msg("%s: gate digits %u factor \"%.*s\", want %u \"%s\"", src, g.digits,
                 (int)g.flen, (const char *)g.factor, digits, factor);
}

static void pattern_gate_is_what_every_match_holds(void **state)
{
    expect_gate("1[3-9]\\d{9}", 11, "1");
    expect_gate("0[1-9]\\d{1,2}[2-8]\\d{6,7}", 10, "0");
    expect_gate("q[1-9]\\d{4,10}", 5, "q");
    expect_gate("企鹅号[1-9]\\d{4,10}", 5, "企鹅号");
    expect_gate("wechat[a-z0-9]{6,20}", 0, "wechat");   /* the class holds letters */
    expect_gate("微信[a-z][a-z0-9]{5,19}", 0, "微信");
    expect_gate("\\d?x\\d{2}y?\\d{2}", 2, "x");     /* y? ends a run: 2, not 4 */
    expect_gate("\\d{2}\\d?\\d{2}", 4, "");           /* optional digits keep the run */
    expect_gate("ab{1,3}cd", 0, "ab");                 /* a varying count ends a factor */
    expect_gate("a{2}b?cde", 0, "cde");
    expect_gate("[0-5x]{3}", 0, "");                   /* not digits only */
    expect_gate("加{2}", 0, "加加");
}

/* The gate opens exactly when a match is possible: hits at the thresholds
 * agree with our engine (which has no gate), and the counts show windows
 * both with and without a pattern scan. */
static void gated_patterns_are_found_at_and_only_at_the_threshold(void **state)
{
    if (!engine_usable(LC_ENGINE_VECTORSCAN))
        skip();
    const struct lc_pattern p[] = {
        LIT(1, "最佳"),          PAT(2, "q[1-9]\\d{4,10}"), PAT(3, "wechat[a-z0-9]{6,8}"),
        PAT(4, "1[3-9]\\d{9}"),  PAT(5, "微信[a-z][a-z0-9]{5,6}"),
    };
    struct lc_matcher *vs = compile_ok(p, N(p), LC_ENGINE_VECTORSCAN);
    struct lc_matcher *ac = compile_ok(p, N(p), LC_ENGINE_AC);
    struct lc_match_stats st;
    lc_match_stats(vs, &st);
    assert_int_equal(st.gate_digits, 5);
    assert_int_equal(st.gate_factors, 2);
    assert_false(st.gate_always);
    static const char *const texts[] = {
        "q1234",          "q12345",        "q012345",      "abq1234x5",       "最佳q99999",
        "wechatabc12",    "wechatabc123",  "wechat",       "xwechatzzzzzz9",  "1391234567",
        "13912345678",    "微信abc12",      "微信abc123",    "微信1abcdef",      "最佳",
        "12341234",       "66666",         "6666",         "",                "1",
    };
    struct lc_scratch *s = NULL;
    assert_int_equal(lc_match_scratch_new(vs, &s), LC_OK);
    for (size_t k = 0; k < N(texts); k++) {
        struct coll a = {0}, b = {0};
        assert_int_equal(lc_match_scan(vs, s, texts[k], strlen(texts[k]), collect, &a), LC_OK);
        scan_into(ac, texts[k], strlen(texts[k]), &b);
        bool same = a.n == b.n;
        for (size_t j = 0; same && j < a.n; j++)
            same = a.h[j].id == b.h[j].id && a.h[j].start == b.h[j].start &&
                   a.h[j].end == b.h[j].end;
        if (!same) {
            fprintf(stderr, "on \"%s\":\n", texts[k]);
            print_hits("vectorscan", a.h, a.n);
            print_hits("ac        ", b.h, b.n);
        }
        assert_true(same);
    }
    size_t windows, scans;
    lc_match_scratch_gate_counts(s, &windows, &scans);
    /* one window each; the gate opens on the 14 with five digits in a row,
     * wechat or 微信 */
    assert_int_equal(windows, N(texts));
    assert_int_equal(scans, 14);
    lc_match_scratch_free(s);
    lc_match_free(vs);
    lc_match_free(ac);
}

/* A factor before the part of a long text a window keeps still opens that
 * window's gate: the match it starts ends inside the part kept. */
static void gate_factor_left_of_the_kept_part_of_a_window_opens_it(void **state)
{
    const struct lc_pattern p[] = {PAT(7, "wechat[a-z0-9]{6,60}")};
    for (size_t pad = 0; pad < 260; pad += 7) {
        char text[512];
        memset(text, 'z', sizeof text);
        memcpy(text + pad, "wechat", 6);
        text[pad + 6 + 60] = '\0';
        /* one hit per end from pad + 12 to pad + 66, all starting at pad */
        struct lc_hit want[55];
        for (unsigned k = 0; k < 55; k++)
            want[k] = (struct lc_hit){7, (uint32_t)pad, (uint32_t)(pad + 12 + k)};
        expect_hits(p, N(p), text, want, N(want));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(literal_hits_have_byte_offsets_in_ascii_and_cjk),
        cmocka_unit_test(overlapping_literals_he_she_his_hers_all_reported),
        cmocka_unit_test(repeated_literal_reports_every_occurrence),
        cmocka_unit_test(same_id_for_several_literals_gives_one_hit_per_end_leftmost_start),
        cmocka_unit_test(hits_at_one_end_are_ordered_by_id),
        cmocka_unit_test(phone_pattern_in_longer_digit_run_reports_each_end),
        cmocka_unit_test(variable_pattern_reports_each_end_with_leftmost_start),
        cmocka_unit_test(optional_atom_matches_with_and_without_it),
        cmocka_unit_test(quantifier_repeats_a_whole_cjk_character),
        cmocka_unit_test(escapes_and_classes_match_punctuation_literally),
        cmocka_unit_test(optional_suffix_pattern_is_found_past_the_first_64_bytes),
        cmocka_unit_test(long_text_with_crashing_pattern_is_scanned_safely),
        cmocka_unit_test(widest_pattern_over_long_text_keeps_leftmost_starts),
        cmocka_unit_test(text_without_terminator_is_not_read_past_its_end),
        cmocka_unit_test(literals_and_patterns_sharing_an_id_merge_per_end),
        cmocka_unit_test(literal_is_taken_byte_for_byte),
        cmocka_unit_test(text_with_nul_bytes_is_scanned_to_its_length),
        cmocka_unit_test(callback_returning_nonzero_stops_the_scan),
        cmocka_unit_test(empty_text_and_empty_pattern_set_give_no_hits),
        cmocka_unit_test(compile_errors_name_the_pattern_and_column),
        cmocka_unit_test(widest_accepted_patterns_compile_on_both_engines),
        cmocka_unit_test(errors_never_write_the_output),
        cmocka_unit_test(scan_rejects_bad_arguments),
        cmocka_unit_test(scratch_serves_a_later_matcher_after_grow),
        cmocka_unit_test(auto_engine_prefers_vectorscan_when_it_can_run),
        cmocka_unit_test(many_ids_ending_at_one_byte_are_all_reported_in_order),
        cmocka_unit_test(pattern_gate_is_what_every_match_holds),
        cmocka_unit_test(gated_patterns_are_found_at_and_only_at_the_threshold),
        cmocka_unit_test(gate_factor_left_of_the_kept_part_of_a_window_opens_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
