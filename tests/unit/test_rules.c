/* test_rules.c -- unit tests for src/rules: the pack parser and its
 * diagnostics, the scan pipeline (allow words, contexts, domains, lowering,
 * verdicts, offsets on evasive input, JSON hit shape), the default packs in
 * rules/, and hot swap under concurrent readers.
 *
 * Most packs are written inline and built with lc_rules_load_text (the
 * private twin of lc_rules_load); folder and file loading go through
 * lc_rules_load on a temporary directory.  Both engines are exercised where
 * the engine could matter.  Every scan through scan_item() is repeated
 * without a hits array and explained with lc_rules_explain, which must give
 * the same verdict and exactly json_dumps(hits, JSON_COMPACT). */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "rules/rules.h"
#include "rules/rules_int.h"

/* ---- helpers ---------------------------------------------------------- */

#define HEAD "pack t\nversion 1\n"

/* A rule block with one literal and the given extra lines. */
#define RULE(id, act, lit, extra)                                                            \
    "\nrule " id "\ncategory test\nseverity medium\naction " act "\nbasis 测试依据\nliteral " lit \
    "\n" extra

static enum lc_err check(const char *text, struct lc_rules_diag *d)
{
    size_t n = 0;
    return lc_rules_check_text(text, strlen(text), "t.rules", d, &n);
}

/* Expects text to fail at line with a message containing want. */
static void expect_error(const char *text, unsigned line, const char *want)
{
    struct lc_rules_diag d;
    enum lc_err e = check(text, &d);
    if (e != LC_EINVAL || d.line != line || !strstr(d.message, want) ||
        strcmp(d.file, "t.rules") != 0)
        fail_msg("expected t.rules:%u: ...%s...; got %s %s:%u: %s", line, want, lc_err_name(e),
                 d.file, d.line, d.message);
}

static struct lc_ruleset *build(const char *text, enum lc_engine engine)
{
    struct lc_ruleset *rs = NULL;
    struct lc_rules_diag d;
    enum lc_err e = lc_rules_load_text(text, strlen(text), "t.rules", engine, &rs, &d);
    if (e)
        fail_msg("pack does not load: %s:%u: %s", d.file, d.line, d.message);
    return rs;
}

struct scan {
    enum lc_verdict v;
    json_t *hits;
};

/* it scanned again on sc, without a hits array, then explained: the same
 * verdict v and exactly the JSON text of hits. */
static void check_explain(const struct lc_ruleset *rs, struct lc_scanner *sc,
                          const struct lc_scan_item *it, enum lc_verdict v, json_t *hits)
{
    enum lc_verdict v2 = LC_VERDICT_BLOCK;
    size_t bad = 0, len = 0;
    char *got = NULL, *want = json_dumps(hits, JSON_COMPACT);
    assert_non_null(want);
    assert_int_equal(lc_rules_scan(rs, sc, it, &v2, NULL, &bad), LC_OK);
    assert_int_equal(v2, v);
    assert_int_equal(lc_rules_explain(rs, sc, it, &got, &len), LC_OK);
    if (strcmp(got, want) != 0)
        fail_msg("explained \"%.*s\":\n  %s\nhits array:\n  %s", (int)it->len, it->text, got,
                 want);
    assert_int_equal(len, strlen(got));
    free(got);
    free(want);
}

static struct scan scan_item(const struct lc_ruleset *rs, const char *text, const char *domain)
{
    struct lc_scanner *sc = NULL;
    assert_int_equal(lc_scanner_new(&sc), LC_OK);
    struct lc_scan_item it = {text, strlen(text), "chat", domain};
    struct scan s = {LC_VERDICT_PASS, NULL};
    size_t bad = 0;
    assert_int_equal(lc_rules_scan(rs, sc, &it, &s.v, &s.hits, &bad), LC_OK);
    check_explain(rs, sc, &it, s.v, s.hits);
    lc_scanner_free(sc);
    return s;
}

/* The hit for rule id, or NULL. */
static json_t *hit_of(json_t *hits, const char *rule)
{
    size_t i;
    json_t *h;
    json_array_foreach(hits, i, h)
    {
        if (strcmp(json_string_value(json_object_get(h, "rule")), rule) == 0)
            return h;
    }
    return NULL;
}

static const char *str(json_t *h, const char *k)
{
    const char *s = json_string_value(json_object_get(h, k));
    return s ? s : "";
}

static char *rules_dir(void)
{
    static char path[4096];
    const char *data = getenv("LC_TEST_DATA");
    snprintf(path, sizeof path, "%s/../../rules", data ? data : "tests/data");
    return path;
}

/* ---- parser: diagnostics with exact lines ----------------------------- */

static void unknown_directive_is_reported_at_its_line(void **state)
{
    (void)state;
    expect_error(HEAD RULE("A-1", "review", "x", "colour red\n"), 10, "unknown directive 'colour'");
}

static void missing_pack_is_reported(void **state)
{
    (void)state;
    expect_error("version 1\n", 1, "missing 'pack'");
    expect_error("", 1, "missing 'pack'");
    expect_error("version 1\n\nrule A-1\n", 3, "'rule' before 'pack'");
}

static void missing_version_is_reported(void **state)
{
    (void)state;
    expect_error("pack t\n# c\n", 2, "missing 'version'");
    expect_error("pack t\n\nrule A-1\n", 3, "'rule' before 'version'");
}

static void each_missing_rule_field_is_reported_at_the_rule_line(void **state)
{
    (void)state;
    const char *base = HEAD "\n# a comment\nrule A-1\n";
    static const struct {
        const char *lines, *missing;
    } cases[] = {
        {"severity low\naction log\nbasis b\nliteral x\n", "missing 'category'"},
        {"category c\naction log\nbasis b\nliteral x\n", "missing 'severity'"},
        {"category c\nseverity low\nbasis b\nliteral x\n", "missing 'action'"},
        {"category c\nseverity low\naction log\nliteral x\n", "missing 'basis'"},
        {"category c\nseverity low\naction log\nbasis b\n", "at least one 'literal' or 'pattern'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, "%s%s", base, cases[i].lines);
        expect_error(text, 5, cases[i].missing);
        /* a following block closes it the same way */
        snprintf(text, sizeof text, "%s%s\nrule A-2\n", base, cases[i].lines);
        expect_error(text, 5, cases[i].missing);
    }
}

static void duplicate_rule_id_is_reported_with_the_first_place(void **state)
{
    (void)state;
    expect_error(HEAD RULE("A-1", "log", "x", "") RULE("A-1", "log", "y", ""), 11,
                 "duplicate rule id 'A-1' (first at t.rules:4)");
}

static void duplicate_rule_id_across_packs_is_reported(void **state)
{
    (void)state;
    char dir[] = "/tmp/lc_rules_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char a[600], b[600];
    snprintf(a, sizeof a, "%s/a.rules", dir);
    snprintf(b, sizeof b, "%s/b.rules", dir);
    FILE *f = fopen(a, "w");
    fputs("pack a\nversion 1\n" RULE("X-1", "log", "x", ""), f);
    fclose(f);
    f = fopen(b, "w");
    fputs("pack b\nversion 2\n\n" RULE("X-1", "log", "y", ""), f);
    fclose(f);
    struct lc_ruleset *rs = NULL;
    struct lc_rules_diag d;
    assert_int_equal(lc_rules_load(dir, LC_ENGINE_AUTO, &rs, &d), LC_EINVAL);
    assert_null(rs);
    assert_string_equal(d.file, b);
    assert_int_equal(d.line, 5);
    assert_non_null(strstr(d.message, "duplicate rule id 'X-1'"));
    assert_non_null(strstr(d.message, "a.rules:4"));
    unlink(a);
    unlink(b);
    rmdir(dir);
}

static void bad_enum_values_are_reported(void **state)
{
    (void)state;
    expect_error(HEAD "\nrule A-1\ncategory c\nseverity huge\n", 6, "bad severity 'huge'");
    expect_error(HEAD "\nrule A-1\ncategory c\nseverity low\naction ban\n", 7, "bad action 'ban'");
    expect_error(HEAD "\ncontext c\neffect drop\n", 5, "bad effect 'drop'");
    expect_error(HEAD "\ncontext c\neffect cancel\nwindow ten\n", 6, "bad window 'ten'");
    expect_error(HEAD "\nrule a-1\n", 4, "bad rule id 'a-1'");
    expect_error(HEAD "\nrule A-1\ncategory Ads\n", 5, "bad category 'Ads'");
    expect_error("pack Bad\n", 1, "bad pack name 'Bad'");
    expect_error(HEAD RULE("A-1", "log", "x", "boundary line\n"), 10, "bad boundary 'line'");
    expect_error(HEAD RULE("A-1", "log", "x", "boundary none\n"), 10, "bad boundary 'none'");
    expect_error(HEAD RULE("A-1", "log", "x", "repeat yes\n"), 10, "bad repeat 'yes'");
}

static void literal_that_normalises_to_empty_is_reported(void **state)
{
    (void)state;
    expect_error(HEAD RULE("A-1", "log", "x", "literal *·* \xe2\x80\x8b\n"), 10,
                 "is empty after normalisation");
    expect_error(HEAD RULE("A-1", "log", "x", "allow !!!\n"), 10, "allow '!!!' is empty");
    expect_error(HEAD "\ncontext c\neffect cancel\ncue ...\n", 6, "cue '...' is empty");
}

static void pattern_that_does_not_compile_is_reported_at_its_line(void **state)
{
    (void)state;
    struct lc_rules_diag d;
    const char *text = HEAD RULE("A-1", "log", "x", "pattern ab[cd\n");
    assert_int_equal(check(text, &d), LC_EINVAL);
    assert_int_equal(d.line, 10);
    assert_non_null(strstr(d.message, "pattern does not compile"));
    assert_non_null(strstr(d.message, "unbalanced '['"));
    assert_null(strstr(d.message, "pattern 0:")); /* the matcher's index is replaced by the line */
    expect_error(HEAD RULE("A-1", "log", "x", "pattern a+\n"), 10, "pattern does not compile");
}

static void pattern_characters_normalisation_changes_are_reported(void **state)
{
    (void)state;
    expect_error(HEAD RULE("A-1", "log", "x", "pattern QQ\\d{5}\n"), 10,
                 "pattern character 'Q' never occurs in normalised text (write 'q')");
    expect_error(HEAD RULE("A-1", "log", "x", "pattern [A-Z]{3}\n"), 10, "upper-case 'A'");
    expect_error(HEAD RULE("A-1", "log", "x", "pattern a\\.b\n"), 10, "'.' is removed by normalisation");
    expect_error(HEAD RULE("A-1", "log", "x", "pattern qq[1-9]\\d{4}\n"), 10, "repeats 'q'");
    struct lc_rules_diag d; /* repeated digits and a repeat via a quantifier are fine */
    assert_int_equal(check(HEAD RULE("A-1", "log", "x", "pattern 110\\d{3}q{1,2}\n"), &d), LC_OK);
}

static void unknown_context_in_exempt_is_reported_at_the_exempt_line(void **state)
{
    (void)state;
    expect_error(HEAD RULE("A-1", "log", "x", "exempt nope\n") "\ncontext yes\neffect cancel\ncue y\n",
                 10, "unknown context 'nope'");
}

static void exempt_may_name_a_context_defined_later(void **state)
{
    (void)state;
    struct lc_rules_diag d;
    assert_int_equal(check(HEAD RULE("A-1", "log", "x", "exempt later\n")
                               "\ncontext later\neffect cancel\ncue y\n",
                           &d),
                     LC_OK);
}

static void invalid_utf8_is_reported_at_its_line(void **state)
{
    (void)state;
    expect_error(HEAD RULE("A-1", "log", "x", "literal ab\xff\n"), 10, "invalid UTF-8 at byte 11");
    expect_error(HEAD "# \xe6\x9c\n", 3, "invalid UTF-8"); /* truncated, even in a comment */
    expect_error(HEAD "\xed\xa0\x80\n", 3, "invalid UTF-8");    /* a surrogate */
    const char nul[] = "pack t\nversion 1\nrule\0X\n";
    struct lc_rules_diag d;
    size_t n = 0;
    assert_int_equal(lc_rules_check_text(nul, sizeof nul - 1, "t.rules", &d, &n), LC_EINVAL);
    assert_int_equal(d.line, 3);
    assert_non_null(strstr(d.message, "NUL byte"));
}

static void overlong_line_is_reported(void **state)
{
    (void)state;
    size_t n = strlen(HEAD) + 8 + 5000 + 2;
    char *text = malloc(n);
    strcpy(text, HEAD "literal ");
    memset(text + strlen(text), 'a', 5000);
    strcpy(text + strlen(HEAD) + 8 + 5000, "\n");
    expect_error(text, 3, "over the 4096-byte cap");
    /* exactly at the cap is fine (here a comment line) */
    memset(text + strlen(HEAD), '#', LC_RULES_LINE_MAX);
    strcpy(text + strlen(HEAD) + LC_RULES_LINE_MAX, "\n");
    struct lc_rules_diag d;
    assert_int_equal(check(text, &d), LC_OK);
    free(text);
}

static void pack_over_the_size_cap_is_refused(void **state)
{
    (void)state;
    size_t n = LC_RULES_PACK_MAX + 1;
    char *text = malloc(n);
    memset(text, '\n', n);
    memcpy(text, HEAD, strlen(HEAD));
    struct lc_rules_diag d;
    size_t nr = 0;
    assert_int_equal(lc_rules_check_text(text, n, "big.rules", &d, &nr), LC_EINVAL);
    assert_int_equal(d.line, 0);
    assert_non_null(strstr(d.message, "cap"));
    assert_int_equal(lc_rules_check_text(text, n - 1, "big.rules", &d, &nr), LC_OK);
    free(text);
}

static void field_outside_a_block_is_reported(void **state)
{
    (void)state;
    expect_error(HEAD "literal x\n", 3, "'literal' outside a block");
    /* a blank line ends the block */
    expect_error(HEAD RULE("A-1", "log", "x", "\nliteral y\n"), 11, "'literal' outside a block");
    expect_error(HEAD "\ncontext c\ncategory x\n", 5, "'category' is not a field of a context block");
    expect_error(HEAD "\ndomain d\neffect cancel\n", 5, "'effect' is not a field of a domain block");
}

static void duplicate_fields_and_headers_are_reported(void **state)
{
    (void)state;
    expect_error(HEAD RULE("A-1", "log", "x", "basis again\n"), 10, "duplicate 'basis'");
    expect_error(HEAD "pack u\n", 3, "duplicate 'pack'");
    expect_error(HEAD "\ncontext c\neffect cancel\ncue y\n\ncontext c\n", 8,
                 "duplicate context 'c' (first at line 4)");
    expect_error(HEAD "literal\n", 3, "'literal' needs a value");
    expect_error(HEAD RULE("A-1", "log", "x", "boundary word\nboundary digit\n"), 11,
                 "duplicate 'boundary'");
    expect_error(HEAD RULE("A-1", "log", "x", "repeat required\nrepeat required\n"), 11,
                 "duplicate 'repeat'");
    expect_error(HEAD "\ncontext c\nboundary word\n", 5,
                 "'boundary' is not a field of a context block");
}

static void comments_crlf_and_bom_are_accepted(void **state)
{
    (void)state;
    const char *text = "\xef\xbb\xbfpack t   # the name\r\nversion 1\r\n\r\n"
                       "rule A-1   # id\r\ncategory c\r\nseverity low\r\naction log\r\n"
                       "basis b # c\r\nliteral a#b\r\n";
    struct lc_ruleset *rs = build(text, LC_ENGINE_AC);
    assert_int_equal(lc_ruleset_count(rs), 1);
    /* '#' inside a value is kept: a#b normalises to ab */
    struct scan s = scan_item(rs, "xx ab", NULL);
    assert_int_equal(s.v, LC_VERDICT_PASS); /* log counts as pass */
    assert_int_equal(json_array_size(s.hits), 1);
    json_decref(s.hits);
    lc_ruleset_free(rs);
}

/* ---- loading and counting -------------------------------------------- */

static void pack_with_n_rules_loads_and_counts_n(void **state)
{
    (void)state;
    char *text = malloc(200000);
    strcpy(text, HEAD);
    for (int i = 0; i < 500; i++) {
        char block[200];
        snprintf(block, sizeof block,
                 "\nrule N-%d\ncategory c\nseverity low\naction log\nbasis b\nliteral 词%d\n", i, i);
        strcat(text, block);
    }
    struct lc_rules_diag d;
    size_t n = 0;
    assert_int_equal(lc_rules_check_text(text, strlen(text), "t.rules", &d, &n), LC_OK);
    assert_int_equal(n, 500);
    struct lc_ruleset *rs = build(text, LC_ENGINE_AUTO);
    assert_int_equal(lc_ruleset_count(rs), 500);
    assert_string_equal(lc_ruleset_version(rs), "t@1");
    lc_ruleset_free(rs);
    free(text);
}

static void folder_loads_packs_in_name_order_with_a_joined_version(void **state)
{
    (void)state;
    char dir[] = "/tmp/lc_rules_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char p1[600], p2[600], p3[600];
    snprintf(p1, sizeof p1, "%s/b.rules", dir);
    snprintf(p2, sizeof p2, "%s/a.rules", dir);
    snprintf(p3, sizeof p3, "%s/notes.txt", dir);
    FILE *f = fopen(p1, "w");
    fputs("pack beta\nversion 2\n" RULE("B-1", "block", "乙", ""), f);
    fclose(f);
    f = fopen(p2, "w");
    fputs("pack alpha\nversion 1\n" RULE("A-1", "review", "甲", "") RULE("A-2", "log", "丙", ""), f);
    fclose(f);
    f = fopen(p3, "w");
    fputs("not a pack", f);
    fclose(f);
    struct lc_ruleset *rs = NULL;
    struct lc_rules_diag d;
    assert_int_equal(lc_rules_load(dir, LC_ENGINE_AUTO, &rs, &d), LC_OK);
    assert_int_equal(lc_ruleset_count(rs), 3);
    assert_string_equal(lc_ruleset_version(rs), "alpha@1,beta@2");
    lc_ruleset_free(rs);
    /* one file */
    assert_int_equal(lc_rules_load(p1, LC_ENGINE_AC, &rs, &d), LC_OK);
    assert_string_equal(lc_ruleset_version(rs), "beta@2");
    lc_ruleset_free(rs);
    unlink(p1);
    unlink(p2);
    unlink(p3);
    /* an empty folder and a missing path fail with a file-level diagnostic */
    assert_int_equal(lc_rules_load(dir, LC_ENGINE_AUTO, &rs, &d), LC_EINVAL);
    assert_int_equal(d.line, 0);
    rmdir(dir);
    assert_int_equal(lc_rules_load(dir, LC_ENGINE_AUTO, &rs, &d), LC_ENOTFOUND);
}

/* ---- pipeline --------------------------------------------------------- */

static const char *ABS_PACK =
    HEAD
    "\nrule ABS-1\ncategory absolute_claim\nseverity medium\naction review\nbasis 广告法第九条\n"
    "literal 最\nliteral 第一\nallow 最近\nallow 第一次\nexempt self_comparison\nexempt award\n"
    "exempt limited\n"
    "\nrule ABS-2\ncategory absolute_claim\nseverity high\naction block\nbasis 广告法第九条\n"
    "literal 国家级\nexempt limited\n"
    "\ncontext self_comparison\neffect cancel\nwindow 4\ncue 比上一代\ncue 自家\n"
    "\ncontext award\neffect cancel\ncue 荣获\n"
    "\ncontext limited\neffect lower\nwindow 10\ncue 本市\n"
    "\ndomain medical\ncue 治疗\n";

static void allow_words_cancel_hits_inside_them(void **state)
{
    (void)state;
    struct lc_ruleset *rs = build(ABS_PACK, LC_ENGINE_AUTO);
    static const char *benign[] = {"最近很忙", "这是我第一次来", "最 近", "第一次最近"};
    for (size_t i = 0; i < 4; i++) {
        struct scan s = scan_item(rs, benign[i], NULL);
        assert_int_equal(s.v, LC_VERDICT_PASS);
        assert_int_equal(json_array_size(s.hits), 0);
        json_decref(s.hits);
    }
    /* an allow word elsewhere in the text does not cancel another hit */
    struct scan s = scan_item(rs, "最近发现这个最好", NULL);
    assert_int_equal(s.v, LC_VERDICT_REVIEW);
    assert_int_equal(json_array_size(s.hits), 1);
    assert_string_equal(str(json_array_get(s.hits, 0), "original"), "最");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(s.hits, 0), "start")), 18);
    json_decref(s.hits);
    lc_ruleset_free(rs);
}

/* `boundary`: a hit that a word (digit) character touches in the original
 * text, with nothing dropped in between and written in the same form
 * (ASCII, CJK, full-width...), does not count; noise between them is a
 * boundary.  Both engines. */
static void boundary_word_keeps_short_words_out_of_longer_ones(void **state)
{
    (void)state;
    static const char pack[] = HEAD RULE("W-1", "block", "meth", "boundary word\n")
        RULE("W-2", "block", "ak47", "boundary word\n") RULE("W-3", "block", "meth2", "");
    static const struct {
        const char *text;
        enum lc_verdict v;
    } cases[] = {
        {"METH for sale", LC_VERDICT_BLOCK}, {"meeeeth, DM", LC_VERDICT_BLOCK},
        {"卖meth", LC_VERDICT_BLOCK},        {"𝗺𝗲𝘁𝗵", LC_VERDICT_BLOCK},
        {"ＡＫ４７配件", LC_VERDICT_BLOCK},  {"the method works", LC_VERDICT_PASS},
        {"something", LC_VERDICT_PASS},      {"ak470", LC_VERDICT_PASS},
        {"bak47", LC_VERDICT_PASS},          {"meth2", LC_VERDICT_BLOCK}, /* W-3 has no boundary */
        /* letters of a look-alike script are letters of the word */
        {"mеthоd：先卸妆", LC_VERDICT_PASS}, {"ｍеthоd", LC_VERDICT_PASS},
        {"卖mеth", LC_VERDICT_BLOCK},
        /* a spelled-out word goes on past the hit; an unspaced word after it
         * or another separator starts a new word */
        {"m-e-t-h-o-d：先敷后洗", LC_VERDICT_PASS}, {"m e t h o d", LC_VERDICT_PASS},
        {"s o m e t h i n g", LC_VERDICT_PASS},      {"m e t h for sale", LC_VERDICT_BLOCK},
        {"m-e-t-h 出售", LC_VERDICT_BLOCK},          {"m-e-t-h o d", LC_VERDICT_BLOCK},
        {"m e t h", LC_VERDICT_BLOCK},
    };
    for (int engine = 0; engine < 2; engine++) {
        struct lc_ruleset *rs = build(pack, engine ? LC_ENGINE_AC : LC_ENGINE_AUTO);
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            struct scan s = scan_item(rs, cases[i].text, NULL);
            if (s.v != cases[i].v)
                fail_msg("%s: verdict %s", cases[i].text, lc_verdict_name(s.v));
            json_decref(s.hits);
        }
        lc_ruleset_free(rs);
    }
}

static void boundary_digit_keeps_phone_numbers_out_of_longer_digit_runs(void **state)
{
    (void)state;
    static const char pack[] = HEAD "\nrule P-1\ncategory contact\nseverity high\naction review\n"
                                    "basis 测试依据\npattern 1[3-9]\\d{9}\nboundary digit\n";
    static const struct {
        const char *text;
        enum lc_verdict v;
    } cases[] = {
        {"电话13800138000", LC_VERDICT_REVIEW},
        {"138 0013 8000", LC_VERDICT_REVIEW},
        {"１３８－００１３－８０００", LC_VERDICT_REVIEW},
        {"tel13800138000 3件", LC_VERDICT_REVIEW},      /* a space separates the 3 */
        {"一三八零零一三八零零零", LC_VERDICT_REVIEW},
        {"订单号3521847093216548721", LC_VERDICT_PASS}, /* inside a 19-digit run */
        {"商品条码6913800138000", LC_VERDICT_PASS},
        {"１３８００１３８０００９", LC_VERDICT_PASS},    /* full-width digits touch */
        {"尺码 155 160 165 170", LC_VERDICT_PASS},       /* 11 digits never end a group */
        {"⑷13800138000", LC_VERDICT_REVIEW}, /* digits of another form do not touch: */
        {"23１３８００１３８０００", LC_VERDICT_REVIEW},   /* a reader sees where it starts */
        {"一三八零零一三八零零零5", LC_VERDICT_REVIEW},
        {"一三八零零一三八零零零五", LC_VERDICT_PASS},      /* the same form touches */
        {"1 3 8 0 0 1 3 8 0 0 0 5", LC_VERDICT_PASS},   /* 12 digits spelled out */
        {"1 3 8 0 0 1 3 8 0 0 0 号", LC_VERDICT_REVIEW},
    };
    for (int engine = 0; engine < 2; engine++) {
        struct lc_ruleset *rs = build(pack, engine ? LC_ENGINE_AC : LC_ENGINE_AUTO);
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            struct scan s = scan_item(rs, cases[i].text, NULL);
            if (s.v != cases[i].v)
                fail_msg("%s: verdict %s", cases[i].text, lc_verdict_name(s.v));
            json_decref(s.hits);
        }
        lc_ruleset_free(rs);
    }
}

/* `repeat required`: a hit counts only if one of its characters came from a
 * collapsed run in the original, so `weed` (normalised `wed`) finds weed
 * however it is disguised but not "we'd" or "Wed".  Both engines. */
static void repeat_required_needs_a_collapsed_run_in_the_original(void **state)
{
    (void)state;
    static const char pack[] = HEAD RULE("R-1", "review", "weed", "boundary word\nrepeat required\n");
    static const struct {
        const char *text;
        enum lc_verdict v;
    } cases[] = {
        {"weed同城", LC_VERDICT_REVIEW},      {"WEED and coke", LC_VERDICT_REVIEW},
        {"weeeeed同城送", LC_VERDICT_REVIEW}, {"w e e d同城送", LC_VERDICT_REVIEW},
        {"wееd叶子", LC_VERDICT_REVIEW},      {"𝐰𝐞𝐞𝐝 𝐚𝐧𝐝", LC_VERDICT_REVIEW},
        {"we'd love that", LC_VERDICT_PASS},  {"Wed 8pm live", LC_VERDICT_PASS},
        {"w é d", LC_VERDICT_PASS},           /* a combining mark is not a repeat */
        {"tweed coat", LC_VERDICT_PASS},      {"seaweed snack", LC_VERDICT_PASS},
    };
    for (int engine = 0; engine < 2; engine++) {
        struct lc_ruleset *rs = build(pack, engine ? LC_ENGINE_AC : LC_ENGINE_AUTO);
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            struct scan s = scan_item(rs, cases[i].text, NULL);
            if (s.v != cases[i].v)
                fail_msg("%s: verdict %s", cases[i].text, lc_verdict_name(s.v));
            json_decref(s.hits);
        }
        lc_ruleset_free(rs);
    }
}

/* A clause mark (，。！？；) between the two characters of a two-character
 * hit, inside running text, splits it; spaced-out characters, a bare pair
 * and hits of three characters or more are not split. */
static void clause_mark_splits_only_a_two_character_hit_in_running_text(void **state)
{
    (void)state;
    static const char pack[] = HEAD RULE("C-1", "review", "A货", "") RULE("C-2", "review", "加V", "")
        RULE("C-3", "review", "加微信", "");
    static const struct {
        const char *text;
        enum lc_verdict v;
    } cases[] = {
        {"我要A，货到付款可以吗", LC_VERDICT_PASS}, {"要A。货到了吗", LC_VERDICT_PASS},
        {"我选A！货呢", LC_VERDICT_PASS},           {"我要A货", LC_VERDICT_REVIEW},
        {"A，货", LC_VERDICT_REVIEW},               /* no running text around it */
        {"我要A，货", LC_VERDICT_REVIEW},           {"卖A, 货", LC_VERDICT_REVIEW},
        {"我要A, 货到付款", LC_VERDICT_REVIEW},     /* an ASCII comma is noise */
        {"想要就加，V，我", LC_VERDICT_REVIEW},     /* every character spaced out */
        {"加，微，信", LC_VERDICT_REVIEW},          {"快来加，微信领红包", LC_VERDICT_REVIEW},
        {"快来加微，信领红包", LC_VERDICT_REVIEW},
    };
    for (int engine = 0; engine < 2; engine++) {
        struct lc_ruleset *rs = build(pack, engine ? LC_ENGINE_AC : LC_ENGINE_AUTO);
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            struct scan s = scan_item(rs, cases[i].text, NULL);
            if (s.v != cases[i].v)
                fail_msg("%s: verdict %s", cases[i].text, lc_verdict_name(s.v));
            json_decref(s.hits);
        }
        lc_ruleset_free(rs);
    }
}

static void self_comparison_context_exempts_with_exempted_by(void **state)
{
    (void)state;
    struct lc_ruleset *rs = build(ABS_PACK, LC_ENGINE_AUTO);
    struct scan s = scan_item(rs, "比上一代最好", NULL);
    assert_int_equal(s.v, LC_VERDICT_PASS);
    assert_int_equal(json_array_size(s.hits), 1);
    json_t *h = json_array_get(s.hits, 0);
    assert_string_equal(str(h, "exempted_by"), "self_comparison");
    assert_string_equal(str(h, "action"), "review"); /* unchanged; it just does not count */
    assert_null(json_object_get(h, "lowered"));
    json_decref(s.hits);
    lc_ruleset_free(rs);
}

static void cue_beyond_the_window_does_not_exempt(void **state)
{
    (void)state;
    struct lc_ruleset *rs = build(ABS_PACK, LC_ENGINE_AUTO);
    /* window 4: four characters between cue and hit still exempt, five do not */
    struct scan s = scan_item(rs, "比上一代四个字的最好", NULL);
    assert_string_equal(str(json_array_get(s.hits, 0), "exempted_by"), "self_comparison");
    json_decref(s.hits);
    s = scan_item(rs, "比上一代五个字的了最好", NULL);
    assert_int_equal(s.v, LC_VERDICT_REVIEW);
    assert_null(json_object_get(json_array_get(s.hits, 0), "exempted_by"));
    json_decref(s.hits);
    /* after the hit counts the same way */
    s = scan_item(rs, "最好的的东西自家货", NULL); /* 好的东西: 4 (的的 collapses) */
    assert_int_equal(s.v, LC_VERDICT_PASS);
    json_decref(s.hits);
    s = scan_item(rs, "最好看的东西自家货", NULL); /* 好看的东西: 5 */
    assert_int_equal(s.v, LC_VERDICT_REVIEW);
    json_decref(s.hits);
    lc_ruleset_free(rs);
}

static void domain_cue_disables_every_exemption(void **state)
{
    (void)state;
    struct lc_ruleset *rs = build(ABS_PACK, LC_ENGINE_AUTO);
    struct scan s = scan_item(rs, "治疗效果比上一代最好", NULL);
    assert_int_equal(s.v, LC_VERDICT_REVIEW);
    assert_int_equal(json_array_size(s.hits), 1);
    assert_null(json_object_get(json_array_get(s.hits, 0), "exempted_by"));
    json_decref(s.hits);
    /* the cue may be anywhere, even far away */
    s = scan_item(rs, "比上一代最好，这个不是用来治疗的", NULL);
    assert_int_equal(s.v, LC_VERDICT_REVIEW);
    json_decref(s.hits);
    lc_ruleset_free(rs);
}

static void caller_domain_disables_exemptions_only_if_declared(void **state)
{
    (void)state;
    struct lc_ruleset *rs = build(ABS_PACK, LC_ENGINE_AUTO);
    struct scan s = scan_item(rs, "比上一代最好", "medical");
    assert_int_equal(s.v, LC_VERDICT_REVIEW);
    assert_null(json_object_get(json_array_get(s.hits, 0), "exempted_by"));
    json_decref(s.hits);
    s = scan_item(rs, "比上一代最好", "gardening"); /* not a declared domain */
    assert_int_equal(s.v, LC_VERDICT_PASS);
    json_decref(s.hits);
    lc_ruleset_free(rs);
}

static void lower_effect_steps_action_and_severity_down(void **state)
{
    (void)state;
    struct lc_ruleset *rs = build(ABS_PACK, LC_ENGINE_AUTO);
    struct scan s = scan_item(rs, "本市销量国家级", NULL);
    assert_int_equal(s.v, LC_VERDICT_REVIEW); /* block lowered to review */
    json_t *h = hit_of(s.hits, "ABS-2");
    assert_non_null(h);
    assert_string_equal(str(h, "action"), "review");
    assert_string_equal(str(h, "severity"), "medium");
    assert_true(json_is_true(json_object_get(h, "lowered")));
    assert_null(json_object_get(h, "exempted_by"));
    json_decref(s.hits);
    /* review lowered to log: the verdict passes */
    s = scan_item(rs, "本市最大", NULL);
    assert_int_equal(s.v, LC_VERDICT_PASS);
    h = hit_of(s.hits, "ABS-1");
    assert_string_equal(str(h, "action"), "log");
    assert_string_equal(str(h, "severity"), "low");
    json_decref(s.hits);
    /* cancel wins over lower when both apply */
    s = scan_item(rs, "本市自家最大", NULL);
    h = hit_of(s.hits, "ABS-1");
    assert_string_equal(str(h, "exempted_by"), "self_comparison");
    assert_null(json_object_get(h, "lowered"));
    json_decref(s.hits);
    lc_ruleset_free(rs);
}

static void verdict_is_the_strongest_counting_action(void **state)
{
    (void)state;
    const char *text = HEAD RULE("L-1", "log", "甲", "") RULE("R-1", "review", "乙", "")
        RULE("B-1", "block", "丙", "exempt c\n") "\ncontext c\neffect cancel\ncue 丁\n";
    struct lc_ruleset *rs = build(text, LC_ENGINE_AC);
    static const struct {
        const char *text;
        enum lc_verdict v;
        size_t nhits;
    } cases[] = {
        {"无", LC_VERDICT_PASS, 0},     {"甲", LC_VERDICT_PASS, 1},
        {"甲乙", LC_VERDICT_REVIEW, 2}, {"乙丙甲", LC_VERDICT_BLOCK, 3},
        {"丙丁", LC_VERDICT_PASS, 1},   {"乙丙丁", LC_VERDICT_REVIEW, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct scan s = scan_item(rs, cases[i].text, NULL);
        if (s.v != cases[i].v || json_array_size(s.hits) != cases[i].nhits)
            fail_msg("%s: verdict %s with %zu hits", cases[i].text, lc_verdict_name(s.v),
                     json_array_size(s.hits));
        json_decref(s.hits);
    }
    assert_string_equal(lc_verdict_name(LC_VERDICT_BLOCK), "block");
    assert_string_equal(lc_action_name(LC_ACT_LOG), "log");
    assert_string_equal(lc_severity_name(LC_SEV_CRITICAL), "critical");
    lc_ruleset_free(rs);
}

static void offsets_cover_the_original_text_of_evasive_input(void **state)
{
    (void)state;
    const char *text = HEAD RULE("C-1", "review", "加V信", "pattern 1[3-9]\\d{9}\n");
    for (int engine = 0; engine < 2; engine++) {
        struct lc_ruleset *rs = build(text, engine ? LC_ENGINE_AC : LC_ENGINE_AUTO);
        const char *in = "请加 V 信：１３８ ００１３ ８０００";
        struct scan s = scan_item(rs, in, NULL);
        assert_int_equal(s.v, LC_VERDICT_REVIEW);
        assert_int_equal(json_array_size(s.hits), 2);
        json_t *h = json_array_get(s.hits, 0);
        assert_int_equal(json_integer_value(json_object_get(h, "start")), 3);
        assert_int_equal(json_integer_value(json_object_get(h, "end")), 12);
        assert_string_equal(str(h, "original"), "加 V 信");
        assert_string_equal(str(h, "normalized"), "加v信");
        h = json_array_get(s.hits, 1);
        assert_string_equal(str(h, "original"), "１３８ ００１３ ８０００");
        assert_string_equal(str(h, "normalized"), "13800138000");
        size_t st = (size_t)json_integer_value(json_object_get(h, "start"));
        size_t en = (size_t)json_integer_value(json_object_get(h, "end"));
        assert_int_equal(en, strlen(in));
        assert_memory_equal(in + st, str(h, "original"), en - st);
        json_decref(s.hits);
        lc_ruleset_free(rs);
    }
}

static void hit_objects_have_exactly_the_documented_keys(void **state)
{
    (void)state;
    struct lc_ruleset *rs = build(ABS_PACK, LC_ENGINE_AUTO);
    struct scan s = scan_item(rs, "国家级", NULL);
    json_t *h = json_array_get(s.hits, 0);
    static const char *keys[] = {"rule",  "category", "severity", "action",   "basis",
                                 "start", "end",      "original", "normalized"};
    assert_int_equal(json_object_size(h), 9);
    for (size_t i = 0; i < 9; i++)
        assert_non_null(json_object_get(h, keys[i]));
    assert_string_equal(str(h, "basis"), "广告法第九条");
    assert_string_equal(str(h, "category"), "absolute_claim");
    assert_string_equal(str(h, "severity"), "high");
    assert_string_equal(str(h, "action"), "block");
    json_decref(s.hits);
    lc_ruleset_free(rs);
}

static void one_hit_per_rule_and_original_span(void **state)
{
    (void)state;
    /* two expressions of one rule matching the same span, and a repeat run
     * that collapses onto one normalised character */
    const char *text = HEAD RULE("D-1", "review", "高仿", "literal 高 仿\npattern 高仿\n");
    struct lc_ruleset *rs = build(text, LC_ENGINE_AUTO);
    struct scan s = scan_item(rs, "高仿 高高仿仿", NULL);
    assert_int_equal(json_array_size(s.hits), 2);
    assert_string_equal(str(json_array_get(s.hits, 1), "original"), "高高仿仿");
    json_decref(s.hits);
    lc_ruleset_free(rs);
}

static void scan_without_hits_array_gives_the_verdict_only(void **state)
{
    (void)state;
    struct lc_ruleset *rs = build(ABS_PACK, LC_ENGINE_AUTO);
    struct lc_scanner *sc = NULL;
    assert_int_equal(lc_scanner_new(&sc), LC_OK);
    struct lc_scan_item it = {"国家级", strlen("国家级"), "chat", NULL};
    enum lc_verdict v = LC_VERDICT_PASS;
    size_t bad = 0;
    assert_int_equal(lc_rules_scan(rs, sc, &it, &v, NULL, &bad), LC_OK);
    assert_int_equal(v, LC_VERDICT_BLOCK);
    /* empty text, NULL text with length 0 */
    struct lc_scan_item empty = {NULL, 0, "chat", NULL};
    assert_int_equal(lc_rules_scan(rs, sc, &empty, &v, NULL, &bad), LC_OK);
    assert_int_equal(v, LC_VERDICT_PASS);
    lc_scanner_free(sc);
    lc_ruleset_free(rs);
}

static void invalid_utf8_in_scanned_text_is_einval_with_offset(void **state)
{
    (void)state;
    struct lc_ruleset *rs = build(ABS_PACK, LC_ENGINE_AUTO);
    struct lc_scanner *sc = NULL;
    assert_int_equal(lc_scanner_new(&sc), LC_OK);
    const char in[] = "最好\xc3(";
    struct lc_scan_item it = {in, sizeof in - 1, "chat", NULL};
    enum lc_verdict v = LC_VERDICT_BLOCK;
    json_t *hits = NULL;
    size_t bad = 99;
    assert_int_equal(lc_rules_scan(rs, sc, &it, &v, &hits, &bad), LC_EINVAL);
    assert_int_equal(bad, 6);
    assert_null(hits);
    assert_int_equal(v, LC_VERDICT_BLOCK); /* untouched on failure */
    lc_scanner_free(sc);
    lc_ruleset_free(rs);
}

static void one_scanner_serves_several_rulesets(void **state)
{
    (void)state;
    struct lc_ruleset *a = build(HEAD RULE("A-1", "block", "甲", ""), LC_ENGINE_AUTO);
    struct lc_ruleset *b = build(ABS_PACK, LC_ENGINE_AUTO);
    struct lc_scanner *sc = NULL;
    assert_int_equal(lc_scanner_new(&sc), LC_OK);
    for (int i = 0; i < 4; i++) {
        const struct lc_ruleset *rs = (i & 1) ? b : a;
        struct lc_scan_item it = {"甲国家级", strlen("甲国家级"), "chat", NULL};
        enum lc_verdict v;
        json_t *hits = NULL;
        size_t bad;
        assert_int_equal(lc_rules_scan(rs, sc, &it, &v, &hits, &bad), LC_OK);
        assert_int_equal(json_array_size(hits), 1);
        assert_string_equal(str(json_array_get(hits, 0), "rule"), (i & 1) ? "ABS-2" : "A-1");
        json_decref(hits);
    }
    lc_scanner_free(sc);
    lc_ruleset_free(a);
    lc_ruleset_free(b);
}

static void engines_agree_on_the_pipeline(void **state)
{
    (void)state;
    struct lc_ruleset *vs = build(ABS_PACK, LC_ENGINE_AUTO);
    struct lc_ruleset *ac = build(ABS_PACK, LC_ENGINE_AC);
    static const char *texts[] = {"最近最好", "比上一代最好", "本市国家级第一次第一", "治疗最好",
                                  "最最最 好"};
    for (size_t i = 0; i < 5; i++) {
        struct scan x = scan_item(vs, texts[i], NULL), y = scan_item(ac, texts[i], NULL);
        assert_int_equal(x.v, y.v);
        assert_true(json_equal(x.hits, y.hits));
        json_decref(x.hits);
        json_decref(y.hits);
    }
    lc_ruleset_free(vs);
    lc_ruleset_free(ac);
}

/* JSON text from lc_rules_explain escapes what json_dumps escapes: quotes,
 * backslashes and control characters in the original span and the basis,
 * and nothing else (UTF-8 and DEL verbatim). */
static void explanations_escape_like_json_dumps(void **state)
{
    (void)state;
    const char *pack =
        HEAD "\nrule E-1\ncategory test\nseverity low\naction review\n"
             "basis 依据 \"引号\" 与 \\反斜杠\\ /斜线\nliteral 最佳\nliteral ab\nexempt c\n"
             "\ncontext c\neffect lower\ncue 本市\n";
    static const char *const texts[] = {
        "最\"佳", "最\\佳", "最\t佳", "最\n\r\b\f佳", "最\x01\x1f佳", "最\x7f佳", "a\x00" "b",
        "本市 a/b", "最 佳 ab 最\"\"佳", "nothing here", "",
    };
    for (int engine = 0; engine < 2; engine++) {
        struct lc_ruleset *rs = build(pack, engine ? LC_ENGINE_AC : LC_ENGINE_AUTO);
        struct lc_scanner *sc = NULL;
        assert_int_equal(lc_scanner_new(&sc), LC_OK);
        for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
            /* "a\0b" has a NUL inside: its length is 3 */
            size_t len = i == 6 ? 3 : strlen(texts[i]);
            struct lc_scan_item it = {texts[i], len, "chat", NULL};
            enum lc_verdict v;
            json_t *hits = NULL;
            size_t bad = 0;
            assert_int_equal(lc_rules_scan(rs, sc, &it, &v, &hits, &bad), LC_OK);
            if (i < 9 && json_array_size(hits) == 0)
                fail_msg("text %zu has no hit", i);
            check_explain(rs, sc, &it, v, hits);
            json_decref(hits);
        }
        lc_scanner_free(sc);
        lc_ruleset_free(rs);
    }
}

static void explain_refuses_what_the_last_scan_was_not(void **state)
{
    (void)state;
    struct lc_ruleset *rs = build(ABS_PACK, LC_ENGINE_AUTO);
    struct lc_ruleset *other = build(ABS_PACK, LC_ENGINE_AUTO);
    struct lc_scanner *sc = NULL;
    assert_int_equal(lc_scanner_new(&sc), LC_OK);
    const char *t = "国家级最好";
    struct lc_scan_item it = {t, strlen(t), "chat", NULL};
    struct lc_scan_item shorter = {t, 3, "chat", NULL};
    char *json = (char *)"untouched";
    size_t len = 77, bad = 0;
    enum lc_verdict v;
    /* nothing scanned yet */
    assert_int_equal(lc_rules_explain(rs, sc, &it, &json, &len), LC_EINVAL);
    assert_int_equal(lc_rules_scan(rs, sc, &it, &v, NULL, &bad), LC_OK);
    /* another text, another ruleset */
    assert_int_equal(lc_rules_explain(rs, sc, &shorter, &json, &len), LC_EINVAL);
    assert_int_equal(lc_rules_explain(other, sc, &it, &json, &len), LC_EINVAL);
    assert_string_equal(json, "untouched");
    assert_int_equal(len, 77);
    /* the scanned one; len may be NULL */
    assert_int_equal(lc_rules_explain(rs, sc, &it, &json, NULL), LC_OK);
    assert_non_null(strstr(json, "\"rule\":\"ABS-2\""));
    free(json);
    /* a failed scan leaves nothing to explain */
    const char badtext[] = "最好\xc3(";
    struct lc_scan_item b = {badtext, sizeof badtext - 1, "chat", NULL};
    assert_int_equal(lc_rules_scan(rs, sc, &b, &v, NULL, &bad), LC_EINVAL);
    assert_int_equal(lc_rules_explain(rs, sc, &b, &json, &len), LC_EINVAL);
    assert_int_equal(lc_rules_explain(rs, sc, &it, &json, &len), LC_EINVAL);
    /* a passing text explains as an empty array */
    struct lc_scan_item ok = {"你好", strlen("你好"), "chat", NULL};
    assert_int_equal(lc_rules_scan(rs, sc, &ok, &v, NULL, &bad), LC_OK);
    assert_int_equal(lc_rules_explain(rs, sc, &ok, &json, &len), LC_OK);
    assert_string_equal(json, "[]");
    assert_int_equal(len, 2);
    free(json);
    lc_scanner_free(sc);
    lc_ruleset_free(rs);
    lc_ruleset_free(other);
}

/* ---- the default packs ------------------------------------------------- */

static struct lc_ruleset *defaults;

static int load_defaults(void **state)
{
    (void)state;
    struct lc_rules_diag d;
    if (lc_rules_load(rules_dir(), LC_ENGINE_AUTO, &defaults, &d) != LC_OK) {
        fprintf(stderr, "default packs: %s:%u: %s\n", d.file, d.line, d.message);
        return -1;
    }
    return 0;
}

static int free_defaults(void **state)
{
    (void)state;
    lc_ruleset_free(defaults);
    defaults = NULL;
    return 0;
}

static void default_packs_load_with_at_least_1500_rules_each_with_a_basis(void **state)
{
    (void)state;
    assert_true(lc_ruleset_count(defaults) >= 1500);
    size_t with_exempt = 0;
    for (size_t i = 0; i < defaults->nrules; i++) {
        const struct rrule *r = &defaults->rules[i];
        if (!r->basis || strlen(r->basis) < 6 || !strstr(r->basis, "《"))
            fail_msg("%s has no legal basis", r->id);
        with_exempt += r->n_exempt > 0;
    }
    assert_true(with_exempt > 50);
    static const char *packs[] = {"absolute_claims@", "contact@",  "contraband@", "counterfeit@",
                                  "fraud@",           "gambling@", "harassment@", "pyramid@"};
    for (size_t i = 0; i < 8; i++)
        assert_non_null(strstr(lc_ruleset_version(defaults), packs[i]));
}

static void default_packs_decide_typical_messages(void **state)
{
    (void)state;
    static const struct {
        const char *text, *domain;
        enum lc_verdict v;
        const char *rule;     /* prefix of the expected hit's rule id, or NULL */
        const char *category; /* the expected hit's category, or NULL for no hit */
    } cases[] = {
        {"最近上新了", NULL, LC_VERDICT_PASS, NULL, NULL},
        {"第一次来直播间", NULL, LC_VERDICT_PASS, NULL, NULL},
        {"第一时间发货", NULL, LC_VERDICT_PASS, NULL, NULL},
        {"今天给大家上链接，3号链接", NULL, LC_VERDICT_PASS, NULL, NULL},
        {"想要的扣1，扣666的都是老粉", NULL, LC_VERDICT_PASS, NULL, NULL},
        {"高仿真绿植，不用浇水", NULL, LC_VERDICT_PASS, NULL, NULL},
        {"去死皮膏一周两次", NULL, LC_VERDICT_PASS, NULL, NULL},
        {"这是全网最好的面膜", NULL, LC_VERDICT_REVIEW, "ABS-", "absolute_claim"},
        {"这款是国家级的", NULL, LC_VERDICT_REVIEW, "ABS-", "absolute_claim"},
        {"这款比上一代最好用", NULL, LC_VERDICT_PASS, "ABS-", "absolute_claim"},
        {"这款比上一代最好用", "medical", LC_VERDICT_REVIEW, "ABS-", "absolute_claim"},
        {"治疗效果比上一代最好", NULL, LC_VERDICT_REVIEW, "ABS-", "absolute_claim"},
        {"三天根治脚气", NULL, LC_VERDICT_BLOCK, "MED-", "absolute_claim"},
        {"LV高仿包包", NULL, LC_VERDICT_REVIEW, "CF-LV-GF", "counterfeit"},
        {"高仿 古驰", NULL, LC_VERDICT_REVIEW, "CF-GUCCI-GF", "counterfeit"},
        {"莆田鞋便宜出", NULL, LC_VERDICT_REVIEW, "CF-", "counterfeit"},
        {"来玩百家乐", NULL, LC_VERDICT_BLOCK, "GAM-", "gambling"},
        {"拉人头就有收益", NULL, LC_VERDICT_BLOCK, "PYR-", "pyramid"},
        {"稳赚不赔的项目", NULL, LC_VERDICT_BLOCK, "FRD-INV-", "fraud"},
        {"出仿真枪", NULL, LC_VERDICT_BLOCK, "CTB-WPN-", "contraband"},
        {"加 V 信详聊", NULL, LC_VERDICT_REVIEW, "CON-", "contact"},
        {"电话13912345678", NULL, LC_VERDICT_REVIEW, "CON-PAT-", "contact"},
        {"QQ：１２３４５６７", NULL, LC_VERDICT_REVIEW, "CON-PAT-", "contact"},
        {"扣扣 8876543", NULL, LC_VERDICT_REVIEW, "CON-PAT-", "contact"},
        {"加vip会员", NULL, LC_VERDICT_PASS, NULL, NULL},
        {"你个傻逼", NULL, LC_VERDICT_REVIEW, "HAR-INS-", "harassment"},
        {"真他妈的热", NULL, LC_VERDICT_PASS, "HAR-INS-", "harassment"}, /* mild: logged */
        {"我们家价格全网最低", NULL, LC_VERDICT_REVIEW, "ABS-", "absolute_claim"},
        {"全店最便宜的就是这款", NULL, LC_VERDICT_PASS, "ABS-", "absolute_claim"},
        {"can you help me pick a size", NULL, LC_VERDICT_PASS, NULL, NULL},
        {"我知道你住哪", NULL, LC_VERDICT_REVIEW, "HAR-THR-", "harassment"},
        {"add my wechat please", NULL, LC_VERDICT_REVIEW, "CON-", "contact"},
        {"best ever replica watch", NULL, LC_VERDICT_REVIEW, "CF-", "counterfeit"},
        {"online casino bonus", NULL, LC_VERDICT_BLOCK, "GAM-", "gambling"},
        /* from the held-out set's misses and false positives (2026-11-26) */
        {"订单号3521847093216548721", NULL, LC_VERDICT_PASS, NULL, NULL},
        {"尺码 155 160 165 170 175 都有", NULL, LC_VERDICT_PASS, NULL, NULL},
        {"联系电话 138-OO13-8OOO", NULL, LC_VERDICT_REVIEW, "CON-PAT-", "contact"},
        {"+86 13800138000", NULL, LC_VERDICT_REVIEW, "CON-PAT-", "contact"},
        {"+8613800138000", NULL, LC_VERDICT_REVIEW, "CON-PAT-", "contact"},
        {"以下注意事项请看清楚", NULL, LC_VERDICT_PASS, NULL, NULL},
        {"防骗提醒：凡是让你私下转账的都是骗子", NULL, LC_VERDICT_PASS, "FRD-SCM-", "fraud"},
        {"私下转账给我更便宜", NULL, LC_VERDICT_BLOCK, "FRD-SCM-", "fraud"},
        {"上半场一比一", NULL, LC_VERDICT_PASS, "CF-", "counterfeit"},
        {"一比一复刻大牌", NULL, LC_VERDICT_REVIEW, "CF-", "counterfeit"},
        {"Can I pay with WECHAT PAY at checkout?", NULL, LC_VERDICT_PASS, "CON-PAT-", "contact"},
        {"wechat: abc123", NULL, LC_VERDICT_REVIEW, "CON-PAT-", "contact"},
        {"METH for sale", NULL, LC_VERDICT_BLOCK, "CTB-DRG-", "contraband"},
        {"this method works", NULL, LC_VERDICT_PASS, NULL, NULL},
        {"全网销量第Ⅰ", NULL, LC_VERDICT_REVIEW, "ABS-", "absolute_claim"},
        /* from heldout2.tsv's misses and false positives (2026-11-26) */
        {"最多拍两件哦", NULL, LC_VERDICT_PASS, NULL, NULL},
        {"每单最多3件", NULL, LC_VERDICT_PASS, NULL, NULL},
        {"这是最多人买的款", NULL, LC_VERDICT_REVIEW, "ABS-", "absolute_claim"},
        {"mеthоd：先卸妆再洗脸", NULL, LC_VERDICT_PASS, NULL, NULL},
        {"我要A，货到付款可以吗", NULL, LC_VERDICT_PASS, NULL, NULL},
        {"平台提醒：不要私下加微信转账，谨防诈骗", NULL, LC_VERDICT_PASS, "CON-", "contact"},
        {"加微信转账更便宜", NULL, LC_VERDICT_REVIEW, "CON-", "contact"},
        {"加微信abc12345，谨防诈骗", NULL, LC_VERDICT_REVIEW, "CON-PAT-", "contact"},
        {"请不要向任何人提供验证码", NULL, LC_VERDICT_PASS, "FRD-SCM-", "fraud"},
        {"请提供验证码完成退款", NULL, LC_VERDICT_BLOCK, "FRD-SCM-", "fraud"},
        {"tel：l86-O2l3-7759", NULL, LC_VERDICT_REVIEW, "CON-PAT-", "contact"},
        {"weed同城送", NULL, LC_VERDICT_REVIEW, "CTB-DRG-", "contraband"},
        {"we'd love to see you Wed", NULL, LC_VERDICT_PASS, NULL, NULL},
        {"weed killer for the garden", NULL, LC_VERDICT_PASS, NULL, NULL},
        {"Q群12345678", NULL, LC_VERDICT_REVIEW, "CON-PAT-", "contact"},
        {"ΑΑΑ quality bags", NULL, LC_VERDICT_REVIEW, "CF-", "counterfeit"},
        {"such a quality product", NULL, LC_VERDICT_PASS, NULL, NULL},
        {"only 3 time slots left", NULL, LC_VERDICT_PASS, NULL, NULL},
        {"各类证件照拍摄", NULL, LC_VERDICT_PASS, NULL, NULL},
        {"这个present吧", NULL, LC_VERDICT_PASS, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct scan s = scan_item(defaults, cases[i].text, cases[i].domain);
        bool found = cases[i].category == NULL && json_array_size(s.hits) == 0;
        size_t k;
        json_t *h;
        json_array_foreach(s.hits, k, h)
        {
            if (cases[i].category && strcmp(str(h, "category"), cases[i].category) == 0 &&
                strncmp(str(h, "rule"), cases[i].rule, strlen(cases[i].rule)) == 0)
                found = true;
        }
        if (s.v != cases[i].v || !found) {
            char *dump = json_dumps(s.hits, JSON_COMPACT);
            fail_msg("%s: verdict %s, hits %s", cases[i].text, lc_verdict_name(s.v), dump);
        }
        json_decref(s.hits);
    }
}

static void default_packs_report_the_specific_rule_only(void **state)
{
    (void)state;
    /* 最 inside 最佳 and 高仿 inside LV高仿 are allowed in the generic rule */
    struct scan s = scan_item(defaults, "最佳选择", NULL);
    assert_int_equal(json_array_size(s.hits), 1);
    assert_string_equal(str(json_array_get(s.hits, 0), "normalized"), "最佳");
    json_decref(s.hits);
    s = scan_item(defaults, "LV高仿", NULL);
    assert_int_equal(json_array_size(s.hits), 1);
    json_decref(s.hits);
}

/* ---- hot swap ------------------------------------------------------------ */

#define SWAPS 100
#define READERS 4

static char *swap_pack(int k)
{
    /* version k; the rule's action encodes k's parity */
    char *t = malloc(512);
    snprintf(t, 512,
             "pack s\nversion %d\n\nrule S-1\ncategory c\nseverity low\naction %s\nbasis b\n"
             "literal 苹果\n",
             k, (k & 1) ? "block" : "review");
    return t;
}

struct reader {
    struct lc_rules_live *live;
    atomic_int *stop;
    long scans, bad;
};

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    struct lc_scanner *sc = NULL;
    if (lc_scanner_new(&sc) != LC_OK) {
        r->bad++;
        return NULL;
    }
    while (!atomic_load(r->stop)) {
        const struct lc_ruleset *rs = lc_rules_acquire(r->live);
        int k = atoi(lc_ruleset_version(rs) + 2); /* "s@K" */
        struct lc_scan_item it = {"买苹果", strlen("买苹果"), "chat", NULL};
        enum lc_verdict v;
        json_t *hits = NULL;
        size_t bad;
        if (lc_rules_scan(rs, sc, &it, &v, (r->scans & 7) ? NULL : &hits, &bad) != LC_OK ||
            v != ((k & 1) ? LC_VERDICT_BLOCK : LC_VERDICT_REVIEW))
            r->bad++;
        json_decref(hits);
        lc_rules_release(r->live, rs);
        r->scans++;
    }
    lc_scanner_free(sc);
    return NULL;
}

static void hot_swap_under_concurrent_readers_is_consistent(void **state)
{
    (void)state;
    char *t = swap_pack(0);
    struct lc_rules_live *live = NULL;
    assert_int_equal(lc_rules_live_new(build(t, LC_ENGINE_AUTO), &live), LC_OK);
    free(t);
    atomic_int stop;
    atomic_init(&stop, 0);
    pthread_t th[READERS];
    struct reader rd[READERS];
    for (int i = 0; i < READERS; i++) {
        rd[i] = (struct reader){live, &stop, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, reader_main, &rd[i]), 0);
    }
    for (int k = 1; k <= SWAPS; k++) {
        t = swap_pack(k);
        struct lc_ruleset *next = build(t, (k % 3) ? LC_ENGINE_AUTO : LC_ENGINE_AC);
        free(t);
        lc_rules_replace(live, next);
        usleep(200);
    }
    atomic_store(&stop, 1);
    long scans = 0;
    for (int i = 0; i < READERS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(rd[i].bad, 0);
        scans += rd[i].scans;
    }
    assert_true(scans > SWAPS);
    const struct lc_ruleset *rs = lc_rules_acquire(live);
    assert_string_equal(lc_ruleset_version(rs), "s@100");
    lc_rules_release(live, rs);
    lc_rules_live_free(live);
}

static void reader_keeps_its_ruleset_after_replace_and_free(void **state)
{
    (void)state;
    char *t = swap_pack(1);
    struct lc_rules_live *live = NULL;
    assert_int_equal(lc_rules_live_new(build(t, LC_ENGINE_AUTO), &live), LC_OK);
    free(t);
    const struct lc_ruleset *held = lc_rules_acquire(live);
    t = swap_pack(2);
    lc_rules_replace(live, build(t, LC_ENGINE_AUTO));
    free(t);
    lc_rules_live_free(live);
    /* the old ruleset is still usable until released (ASan checks the rest) */
    struct scan s = scan_item(held, "苹果", NULL);
    assert_int_equal(s.v, LC_VERDICT_BLOCK);
    json_decref(s.hits);
    lc_rules_release(NULL, held);
}

int main(void)
{
    const struct CMUnitTest parse[] = {
        cmocka_unit_test(unknown_directive_is_reported_at_its_line),
        cmocka_unit_test(missing_pack_is_reported),
        cmocka_unit_test(missing_version_is_reported),
        cmocka_unit_test(each_missing_rule_field_is_reported_at_the_rule_line),
        cmocka_unit_test(duplicate_rule_id_is_reported_with_the_first_place),
        cmocka_unit_test(duplicate_rule_id_across_packs_is_reported),
        cmocka_unit_test(bad_enum_values_are_reported),
        cmocka_unit_test(literal_that_normalises_to_empty_is_reported),
        cmocka_unit_test(pattern_that_does_not_compile_is_reported_at_its_line),
        cmocka_unit_test(pattern_characters_normalisation_changes_are_reported),
        cmocka_unit_test(unknown_context_in_exempt_is_reported_at_the_exempt_line),
        cmocka_unit_test(exempt_may_name_a_context_defined_later),
        cmocka_unit_test(invalid_utf8_is_reported_at_its_line),
        cmocka_unit_test(overlong_line_is_reported),
        cmocka_unit_test(pack_over_the_size_cap_is_refused),
        cmocka_unit_test(field_outside_a_block_is_reported),
        cmocka_unit_test(duplicate_fields_and_headers_are_reported),
        cmocka_unit_test(comments_crlf_and_bom_are_accepted),
        cmocka_unit_test(pack_with_n_rules_loads_and_counts_n),
        cmocka_unit_test(folder_loads_packs_in_name_order_with_a_joined_version),
    };
    const struct CMUnitTest pipeline[] = {
        cmocka_unit_test(allow_words_cancel_hits_inside_them),
        cmocka_unit_test(boundary_word_keeps_short_words_out_of_longer_ones),
        cmocka_unit_test(boundary_digit_keeps_phone_numbers_out_of_longer_digit_runs),
        cmocka_unit_test(repeat_required_needs_a_collapsed_run_in_the_original),
        cmocka_unit_test(clause_mark_splits_only_a_two_character_hit_in_running_text),
        cmocka_unit_test(self_comparison_context_exempts_with_exempted_by),
        cmocka_unit_test(cue_beyond_the_window_does_not_exempt),
        cmocka_unit_test(domain_cue_disables_every_exemption),
        cmocka_unit_test(caller_domain_disables_exemptions_only_if_declared),
        cmocka_unit_test(lower_effect_steps_action_and_severity_down),
        cmocka_unit_test(verdict_is_the_strongest_counting_action),
        cmocka_unit_test(offsets_cover_the_original_text_of_evasive_input),
        cmocka_unit_test(hit_objects_have_exactly_the_documented_keys),
        cmocka_unit_test(one_hit_per_rule_and_original_span),
        cmocka_unit_test(scan_without_hits_array_gives_the_verdict_only),
        cmocka_unit_test(invalid_utf8_in_scanned_text_is_einval_with_offset),
        cmocka_unit_test(one_scanner_serves_several_rulesets),
        cmocka_unit_test(engines_agree_on_the_pipeline),
        cmocka_unit_test(explanations_escape_like_json_dumps),
        cmocka_unit_test(explain_refuses_what_the_last_scan_was_not),
    };
    const struct CMUnitTest packs[] = {
        cmocka_unit_test(default_packs_load_with_at_least_1500_rules_each_with_a_basis),
        cmocka_unit_test(default_packs_decide_typical_messages),
        cmocka_unit_test(default_packs_report_the_specific_rule_only),
    };
    const struct CMUnitTest live[] = {
        cmocka_unit_test(hot_swap_under_concurrent_readers_is_consistent),
        cmocka_unit_test(reader_keeps_its_ruleset_after_replace_and_free),
    };
    int failed = 0;
    failed += cmocka_run_group_tests_name("rules.parse", parse, NULL, NULL);
    failed += cmocka_run_group_tests_name("rules.pipeline", pipeline, NULL, NULL);
    failed += cmocka_run_group_tests_name("rules.packs", packs, load_defaults, free_defaults);
    failed += cmocka_run_group_tests_name("rules.live", live, NULL, NULL);
    return failed ? 1 : 0;
}
