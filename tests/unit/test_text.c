/* test_text.c -- unit tests for src/text (the normaliser) through text.h.
 *
 * Each fold has its own examples; every successful normalisation in this
 * file also goes through check_map(), which checks the offset map's
 * invariants (spans non-empty, non-decreasing, inside the input and on its
 * character boundaries) and that the output is valid UTF-8.  The last tests walk
 * all of Unicode to check that folding is idempotent and yields valid UTF-8,
 * and that the OpenCC-derived table is really in the build.  Every
 * normalisation through norm() and expect_invalid() is repeated with
 * lc_text_normalize_unmapped, which must give the same text (or the same
 * error and offset) without the map. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "text/t2s.h"
#include "text/text.h"

/* ---- helpers ---------------------------------------------------------- */

static bool is_boundary(const char *s, size_t len, size_t at)
{
    return at == len || at == 0 || ((uint8_t)s[at] & 0xC0) != 0x80;
}

/* Strict UTF-8 check, independent of the code under test. */
static bool valid_utf8(const uint8_t *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        uint8_t b = s[i];
        size_t n;
        uint32_t cp, min;
        if (b < 0x80) {
            i++;
            continue;
        } else if ((b & 0xE0) == 0xC0) {
            n = 2, cp = b & 0x1F, min = 0x80;
        } else if ((b & 0xF0) == 0xE0) {
            n = 3, cp = b & 0x0F, min = 0x800;
        } else if ((b & 0xF8) == 0xF0) {
            n = 4, cp = b & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (i + n > len)
            return false;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n;
    }
    return true;
}

/* The offset map's invariants for in[0..len) normalised into n. */
static void check_map(const struct lc_norm *n, const char *in, size_t len)
{
    assert_non_null(n->text);
    assert_int_equal(n->text[n->len], '\0');
    assert_true(valid_utf8((const uint8_t *)n->text, n->len));
    for (size_t i = 0; i < n->len; i++) {
        assert_true(n->start[i] < n->end[i]);
        assert_true(n->end[i] <= len);
        assert_true(is_boundary(in, len, n->start[i]));
        assert_true(is_boundary(in, len, n->end[i]));
        if (i > 0) {
            assert_true(n->start[i - 1] <= n->start[i]);
            assert_true(n->end[i - 1] <= n->end[i]);
        }
    }
}

/* lc_text_normalize_unmapped on in[0..len) agrees with n, the mapped result
 * (or error e at offset bad). */
static void check_unmapped(const char *in, size_t len, const struct lc_norm *n, enum lc_err e,
                           size_t bad)
{
    struct lc_norm u;
    lc_norm_init(&u);
    size_t ubad = 54321;
    enum lc_err ue = lc_text_normalize_unmapped(in, len, &u, &ubad);
    if (ue != e)
        fail_msg("unmapped: %s, mapped: %s (input of %zu bytes)", lc_err_name(ue),
                 lc_err_name(e), len);
    if (e == LC_EINVAL)
        assert_int_equal(ubad, bad);
    if (e == LC_OK) {
        if (u.len != n->len || memcmp(u.text, n->text, n->len) != 0)
            fail_msg("unmapped \"%s\", mapped \"%s\"", u.text, n->text);
        assert_int_equal(u.text[u.len], '\0');
        assert_int_equal(u.mapped, 0);
        assert_int_equal(n->mapped, 1);
        uint32_t os = 7, oe = 7;
        lc_norm_span(&u, 0, u.len, &os, &oe);
        assert_int_equal(os, 0);
        assert_int_equal(oe, 0);
    }
    lc_norm_cleanup(&u);
}

/* Normalises a NUL-terminated string, checks the map, returns the text. */
static const char *norm(struct lc_norm *n, const char *in)
{
    size_t bad = 12345;
    enum lc_err e = lc_text_normalize(in, strlen(in), n, &bad);
    if (e != LC_OK)
        fail_msg("normalising \"%s\": %s (bad=%zu)", in, lc_err_name(e), bad);
    assert_int_equal(bad, 12345); /* untouched on success */
    check_map(n, in, strlen(in));
    check_unmapped(in, strlen(in), n, LC_OK, 0);
    return n->text;
}

static void expect(const char *in, const char *want)
{
    struct lc_norm n;
    lc_norm_init(&n);
    const char *got = norm(&n, in);
    if (strcmp(got, want) != 0)
        fail_msg("\"%s\" normalised to \"%s\", want \"%s\"", in, got, want);
    lc_norm_cleanup(&n);
}

/* Finds needle (already normalised) in the normalised form of in and
 * returns its original span as a string. */
static void expect_span(const char *in, const char *needle, const char *want)
{
    struct lc_norm n;
    lc_norm_init(&n);
    const char *t = norm(&n, in);
    const char *hit = strstr(t, needle);
    if (!hit)
        fail_msg("\"%s\" not found in \"%s\" (from \"%s\")", needle, t, in);
    uint32_t os, oe;
    size_t s = (size_t)(hit - t);
    lc_norm_span(&n, s, s + strlen(needle), &os, &oe);
    char got[256];
    snprintf(got, sizeof got, "%.*s", (int)(oe - os), in + os);
    if (strcmp(got, want) != 0)
        fail_msg("span of \"%s\" in \"%s\" is \"%s\", want \"%s\"", needle, in, got, want);
    lc_norm_cleanup(&n);
}

static void expect_invalid(const char *in, size_t len, size_t want_bad)
{
    struct lc_norm n;
    lc_norm_init(&n);
    (void)norm(&n, "先写点东西"); /* out must be emptied by the failure */
    size_t bad = 99999;
    assert_int_equal(lc_text_normalize(in, len, &n, &bad), LC_EINVAL);
    if (bad != want_bad)
        fail_msg("bad offset %zu, want %zu (input of %zu bytes)", bad, want_bad, len);
    check_unmapped(in, len, &n, LC_EINVAL, bad);
    assert_int_equal(n.len, 0);
    assert_string_equal(n.text, "");
    lc_norm_cleanup(&n);
}

static size_t encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---- initialisation ----------------------------------------------------- */

#define NTHREADS 8

static void *normalise_in_thread(void *arg)
{
    struct lc_norm n;
    lc_norm_init(&n);
    const char *in = "請加我的ＷｅＣｈａｔ：壹叁捌 ①②③";
    bool ok = lc_text_normalize(in, strlen(in), &n, NULL) == LC_OK &&
              strcmp(n.text, "请加我的wechat138123") == 0;
    lc_norm_cleanup(&n);
    *(bool *)arg = ok;
    return NULL;
}

/* Runs first, so the threads race to build the tables. */
static void test_concurrent_first_use_builds_tables_once(void **state)
{
    pthread_t th[NTHREADS];
    bool ok[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, normalise_in_thread, &ok[i]), 0);
    for (int i = 0; i < NTHREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_true(ok[i]);
    }
    assert_int_equal(lc_text_init(), LC_OK);
}

/* ---- folds -------------------------------------------------------------- */

static void test_fullwidth_folds_to_halfwidth(void **state)
{
    expect("全角ＡＢＣ１２３", "全角abc123");
    expect("ｗｅｃｈａｔ", "wechat");
}

static void test_upper_case_folds_to_lower(void **state)
{
    expect("WeChat VIP", "wechatvip");
    expect("STRASSE", "strase"); /* ss collapses too */
    expect("straße", "strase");  /* ß case-folds to ss */
}

static void test_circled_and_styled_digits_fold_to_digits(void **state)
{
    expect("①②③", "123");
    expect("❶➁⓷", "123");
    expect("⑴⒉⓾", "1210");
    expect("⓫⓿", "110");
    expect("𝟏𝟑𝟖", "138");
    expect("1️⃣3️⃣8️⃣", "138"); /* keycaps */
}

static void test_other_scripts_digits_fold_to_ascii(void **state)
{
    expect("٣٤", "34");  /* Arabic-Indic */
    expect("१२३", "123"); /* Devanagari */
}

static void test_circled_and_styled_letters_fold_to_latin(void **state)
{
    expect("Ⓦⓔⓒⓗⓐⓣ", "wechat");
    expect("𝐖𝐞𝐂𝐡𝐚𝐭", "wechat");
    expect("𝓦𝓮𝓒𝓱𝓪𝓽", "wechat");
    expect("🅦🅔🅒🅗🅐🅣", "wechat");
    expect("🆆🅴🅲🅷🅰🆃", "wechat");
    expect("ᴡᴇᴄʜᴀᴛ", "wechat"); /* small capitals */
}

static void test_compatibility_forms_expand(void **state)
{
    expect("㎏", "kg");
    expect("⑩", "10");
    expect("ﬁ", "fi");
}

static void test_plain_chinese_is_unchanged(void **state)
{
    expect("微信", "微信");
    expect("高仿", "高仿");
    expect("主播今天穿的衣服很好看", "主播今天穿的衣服很好看");
}

static void test_spaces_and_punctuation_between_characters_are_dropped(void **state)
{
    expect("微 信", "微信");
    expect("微*信", "微信");
    expect("微·信", "微信");
    expect("微\t信\n", "微信");
    expect("微\u3000信", "微信");       /* ideographic space */
    expect("微，信。", "微信");
    expect("微-信_!@#$%^&()信", "微信"); /* and repeat collapse */
    expect("we.chat", "wechat");
    expect("【微】「信」", "微信");
}

static void test_zero_width_and_format_characters_are_dropped(void **state)
{
    expect("微\u200b信", "微信");
    expect("微\u200c\u200d\u200e\u200f信", "微信");
    expect("微\u2060信", "微信");
    expect("微\ufeff信", "微信");
    expect("微\u00ad信", "微信");  /* soft hyphen */
    expect("微\u3164信", "微信");  /* Hangul filler */
    expect("微\U000E0041信", "微信"); /* tag character */
}

static void test_emoji_and_variation_selectors_are_dropped(void **state)
{
    expect("微😀信", "微信");
    expect("微❤️信", "微信");
    expect("微\ufe0f信", "微信");
    expect("微👨‍👩‍👧信", "微信");
    expect("微👍🏽信", "微信");
    expect("微🇨🇳信", "微信");
    expect("微🫠信", "微信"); /* newer than our Unicode data: unassigned */
    expect("加★微☆信♥", "加微信");
}

static void test_accents_are_dropped_precomposed_or_not(void **state)
{
    expect("wéchàt", "wechat");
    expect("we\u0301cha\u0300t", "wechat");
    expect("wēixìn", "weixin"); /* pinyin tones */
}

static void test_traditional_folds_to_simplified(void **state)
{
    expect("機", "机");
    expect("龍", "龙");
    expect("臺灣", "台湾");
    expect("後來", "后来");
    expect("加我微信號", "加我微信号");
    expect("高仿", "高仿");
}

static void test_compatibility_ideographs_fold_to_unified(void **state)
{
    expect("\uFA0C", "\u5140"); /* CJK COMPATIBILITY IDEOGRAPH-FA0C -> 兀 */
    expect("\uF900", "岂");      /* -> 豈, traditional -> 岂 */
    expect("\uF9D1", "6");       /* -> 六 -> 6 */
    expect("⼀⼆", "12");         /* Kangxi radicals -> 一二 -> digits */
}

static void test_cyrillic_and_greek_homoglyphs_fold_to_latin(void **state)
{
    expect("еxаmрlе", "example"); /* Cyrillic е а р */
    expect("WЕCНАТ", "wechat");   /* Cyrillic capitals Е Н А Т */
    expect("ѕіјԁԛԝ", "sijdqw");
    expect("νιρ", "vip");         /* Greek */
    expect("ΑΒΕΚΜΟΡΤΧ", "abekmoptx");
    /* Greek capitals whose lower case looks like another letter are mapped
     * before case folding: Ν is N (ν would be v), Μ M, Η H, Υ Y. */
    expect("ΝΟ.1", "no1");
    expect("ΝΜSL", "nmsl");
    expect("ΗΥ", "hy");
    expect("νμηυ", "vunu"); /* the lower-case forms keep their own look-alikes */
}

static void test_roman_numerals_are_digits(void **state)
{
    expect("第Ⅰ", "第1");
    expect("ⅢⅫ", "312");
    expect("ⅰⅱ", "12");
    expect("ⅬⅭⅮⅯ", "lcdm"); /* the letter-valued ones stay letters */
}

static void test_cyrillic_ze_and_radio_digits(void **state)
{
    expect("1З9", "139");
    expect("з", "3");
    expect("幺三八洞洞", "13800");
}

static void test_chinese_numerals_fold_to_digits(void **state)
{
    expect("一三八", "138");
    expect("幺三八", "138");
    expect("零〇两", "002");
    expect("二四五六七九", "245679");
    expect("壹贰叁肆伍陆柒捌玖", "123456789");
    expect("壹叁捌", "138");
    expect("貳陸兩", "262"); /* traditional forms */
    expect("加V信一三八零零一三八零零零", "加v信13800138000");
}

static void test_ten_is_not_converted(void **state)
{
    expect("十", "十");
    expect("三十", "3十");
    expect("百千万", "百千万");
}

static void test_digit_lookalikes_between_digits_become_digits(void **state)
{
    expect("1o0", "100");
    expect("1O0", "100");
    expect("1l1", "111");
    expect("1I1", "111");
    expect("1oo2", "1002");                /* a whole run, before any collapse */
    expect("1 o 0", "100");                /* noise in between is gone first */
    expect("1о0", "100");                  /* Cyrillic о */
    expect("一o一", "101");
}

/* A run that ends or starts a digit run becomes digits when the digit run
 * has at least 3 digits and the run is at the edge of the text or next to
 * a non-ASCII character. */
static void test_digit_lookalikes_at_the_ends_of_digit_runs(void **state)
{
    expect("13800l38ooo", "13800138000");     /* trailing run */
    expect("138-OO13-8OOO", "13800138000");
    expect("1388OOO加我", "1388000加我"); /* before a non-ASCII character */
    expect("l38OOl38OOO", "13800138000");     /* leading run at the start */
    expect("电话l3800138000", "电话13800138000"); /* after a non-ASCII character */
    expect("l 3 9 - O O O O - l l l l", "13900001111");
    expect("ll38000", "138000"); /* a leading run collapses as it is written */
}

/* After a Latin letter and a separator, a run starts digits only before a
 * phone-length number (6 digits or more), and when it repeats the letter
 * before it ("tel：l") it is not lost to repeat collapse. */
static void test_digit_lookalikes_start_a_number_after_a_word_and_a_separator(void **state)
{
    expect("tel：l86-O2l3-7759", "tel18602137759");
    expect("tel: l3800138000", "tel13800138000");
    expect("phone：O2l3-7759", "phone02137759");
    expect("call\u200bl380013", "cal1380013"); /* a zero-width separator too */
    expect("tel：l8x", "tel8x");     /* letters: the repeat collapses after all */
    expect("tel：lx", "telx");
    expect("tel：l", "tel");
    expect("tel：l86电话", "tel86电话"); /* too few digits */
    expect("tel：ll86", "tel86");
    expect("size: l 42", "sizel42");
    expect("ok I 100% agree", "oki100agre"); /* the run must start a long number */
    expect("tell86021", "tel86021"); /* no separator: an ordinary letter */
}

static void test_digit_lookalikes_elsewhere_stay_letters(void **state)
{
    expect("2L", "2l");       /* too few digits before a trailing run */
    expect("1.5L装", "15l装");
    expect("l38", "l38");     /* too few digits after a leading run */
    expect("o1o", "o1o");
    expect("ab l380", "abl380"); /* a leading run must not follow a letter */
    expect("1388OOO too", "1388oto"); /* a letter ends the run: letters */
    expect("o1", "o1");
    expect("1o", "1o");
    expect("1oox", "1ox"); /* run turned out to be letters: it collapses */
    expect("look", "lok");
    expect("hi10", "hi10");
    expect("1ob2", "1ob2");
}

static void test_repeats_collapse_to_one(void **state)
{
    /* Rule literals go through the same function, so "hello" as a literal
     * becomes "helo" too and still matches. */
    expect("hello", "helo");
    expect("加加加微微信", "加微信");
    expect("哈哈哈哈", "哈");
    expect("微 微 信", "微信"); /* repeats across noise */
    expect("Aa", "a");          /* after folding */
}

static void test_digits_never_collapse(void **state)
{
    expect("13800138000", "13800138000");
    expect("一一一", "111");
    expect("666666", "666666");
}

/* ---- offset map ----------------------------------------------------------- */

static void test_each_output_byte_maps_to_its_source_character(void **state)
{
    const char *in = "Ａ微 信😀機1o0";
    struct lc_norm n;
    lc_norm_init(&n);
    assert_string_equal(norm(&n, in), "a微信机100");
    /* a <- Ａ (3 bytes) */
    assert_int_equal(n.start[0], 0);
    assert_int_equal(n.end[0], 3);
    /* 微 <- bytes 3..6, all three output bytes */
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(n.start[i], 3);
        assert_int_equal(n.end[i], 6);
    }
    /* 信 <- 7..10 (after the space) */
    assert_int_equal(n.start[4], 7);
    assert_int_equal(n.end[6], 10);
    /* 机 <- 機 at 14..17 (after the 4-byte emoji) */
    assert_int_equal(n.start[7], 14);
    assert_int_equal(n.end[9], 17);
    /* 1 0 0 <- 1 o 0 */
    assert_int_equal(n.start[11], 18);
    assert_int_equal(n.end[11], 19);
    lc_norm_cleanup(&n);
}

static void test_collapsed_run_span_covers_the_run(void **state)
{
    struct lc_norm n;
    lc_norm_init(&n);
    assert_string_equal(norm(&n, "加加加微微信"), "加微信");
    uint32_t os, oe;
    lc_norm_span(&n, 0, 3, &os, &oe); /* 加 */
    assert_int_equal(os, 0);
    assert_int_equal(oe, 9);
    lc_norm_span(&n, 3, 6, &os, &oe); /* 微 */
    assert_int_equal(os, 9);
    assert_int_equal(oe, 15);
    assert_string_equal(norm(&n, "hello"), "helo");
    lc_norm_span(&n, 2, 3, &os, &oe); /* l <- ll */
    assert_int_equal(os, 2);
    assert_int_equal(oe, 4);
    lc_norm_cleanup(&n);
}

static void test_match_in_normalised_text_maps_back_to_original(void **state)
{
    expect_span("加 微 信", "加微信", "加 微 信");
    expect_span("请加 微*信 谢谢", "加微信", "加 微*信");
    expect_span("主播说：加ＶＸ，一三八零零", "加vx", "加ＶＸ");
    expect_span("电话一三八零零一三八零零零哦", "13800138000", "一三八零零一三八零零零");
    expect_span("好好好高仿包", "高仿", "高仿");
    expect_span("最最最好", "最好", "最最最好");
    expect_span("wé chat", "wechat", "wé chat");
    expect_span("x1o0y", "100", "1o0");
}

static void test_expansion_bytes_share_the_source_span(void **state)
{
    struct lc_norm n;
    lc_norm_init(&n);
    assert_string_equal(norm(&n, "a⑩"), "a10");
    assert_int_equal(n.start[1], 1);
    assert_int_equal(n.end[1], 4);
    assert_int_equal(n.start[2], 1);
    assert_int_equal(n.end[2], 4);
    lc_norm_cleanup(&n);
}

static void test_combining_mark_joins_the_span_of_its_base(void **state)
{
    struct lc_norm n;
    lc_norm_init(&n);
    assert_string_equal(norm(&n, "e\u0301x"), "ex");
    assert_int_equal(n.end[0], 3); /* e + U+0301 */
    assert_int_equal(n.start[1], 3);
    assert_string_equal(norm(&n, "1\ufe0f\u20e3"), "1"); /* keycap */
    assert_int_equal(n.end[0], 7);
    lc_norm_cleanup(&n);
}

static void test_span_clamps_out_of_range_requests(void **state)
{
    struct lc_norm n;
    lc_norm_init(&n);
    uint32_t os = 7, oe = 7;
    assert_string_equal(norm(&n, ""), "");
    lc_norm_span(&n, 0, 1, &os, &oe);
    assert_int_equal(os, 0);
    assert_int_equal(oe, 0);
    assert_string_equal(norm(&n, "ab"), "ab");
    lc_norm_span(&n, 1, 99, &os, &oe);
    assert_int_equal(os, 1);
    assert_int_equal(oe, 2);
    lc_norm_span(&n, 5, 5, &os, &oe);
    assert_int_equal(os, 1);
    assert_int_equal(oe, 2);
    lc_norm_cleanup(&n);
}

/* ---- input handling ------------------------------------------------------- */

static void test_invalid_utf8_is_rejected_with_offset(void **state)
{
    expect_invalid("\x80", 1, 0);                      /* lone continuation */
    expect_invalid("ab\xbf", 3, 2);
    expect_invalid("\xc0\xaf", 2, 0);                  /* overlong '/' */
    expect_invalid("\xc1\xbf", 2, 0);                  /* overlong */
    expect_invalid("x\xe0\x80\xaf", 4, 1);             /* overlong 3-byte */
    expect_invalid("\xf0\x80\x80\xaf", 4, 0);          /* overlong 4-byte */
    expect_invalid("ab\xed\xa0\x80", 5, 2);            /* surrogate D800 */
    expect_invalid("\xed\xbf\xbf", 3, 0);              /* surrogate DFFF */
    expect_invalid("微\xf4\x90\x80\x80", 7, 3);        /* U+110000 */
    expect_invalid("\xf5\x80\x80\x80", 4, 0);
    expect_invalid("\xff", 1, 0);
    expect_invalid("\xfe", 1, 0);
    expect_invalid("abc\xe4\xb8", 5, 3);               /* truncated at the end */
    expect_invalid("\xe4\xb8x", 3, 0);                 /* truncated in the middle */
    expect_invalid("\xf0\x9f\x98", 3, 0);              /* truncated emoji */
    expect_invalid("\xc3", 1, 0);
    expect_invalid("微信\xe4\x41", 8, 6);              /* bad continuation */
    expect_invalid("ok 微 \xf0\x9f\x98\x80 \xc0\x80", 14, 12); /* after valid emoji */
}

static void test_valid_edge_code_points_are_accepted(void **state)
{
    struct lc_norm n;
    lc_norm_init(&n);
    const char in[] = "\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf"
                      "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf";
    assert_int_equal(lc_text_normalize(in, sizeof in - 1, &n, NULL), LC_OK);
    check_map(&n, in, sizeof in - 1);
    /* NUL is a control character: valid, and dropped */
    assert_int_equal(lc_text_normalize("a\0b", 3, &n, NULL), LC_OK);
    assert_string_equal(n.text, "ab");
    lc_norm_cleanup(&n);
}

static void test_empty_input_gives_empty_output(void **state)
{
    struct lc_norm n;
    lc_norm_init(&n);
    assert_int_equal(lc_text_normalize("", 0, &n, NULL), LC_OK);
    assert_int_equal(n.len, 0);
    assert_string_equal(n.text, "");
    assert_int_equal(lc_text_normalize(NULL, 0, &n, NULL), LC_OK);
    assert_int_equal(n.len, 0);
    /* all noise is empty too */
    assert_int_equal(lc_text_normalize(" *·😀\u200b", strlen(" *·😀\u200b"), &n, NULL), LC_OK);
    assert_int_equal(n.len, 0);
    assert_string_equal(n.text, "");
    lc_norm_cleanup(&n);
}

static void test_norm_is_reusable_across_calls(void **state)
{
    struct lc_norm n;
    lc_norm_init(&n);
    char *big = malloc(100001);
    assert_non_null(big);
    for (size_t i = 0; i < 100000; i++)
        big[i] = "abcdefghij"[i % 10];
    big[100000] = '\0';
    assert_int_equal(strlen(norm(&n, big)), 100000);
    assert_string_equal(norm(&n, "微 信"), "微信");
    assert_int_equal(n.len, 6);
    assert_int_equal(n.end[5], 7);
    assert_string_equal(norm(&n, "機"), "机");
    size_t bad;
    assert_int_equal(lc_text_normalize("\xff", 1, &n, &bad), LC_EINVAL);
    assert_string_equal(norm(&n, "1o0"), "100");
    assert_int_equal(strlen(norm(&n, big)), 100000);
    free(big);
    lc_norm_cleanup(&n);
    lc_norm_cleanup(&n); /* idempotent */
    lc_norm_cleanup(NULL);
}

static void test_one_mebibyte_is_accepted_and_one_more_byte_is_too_big(void **state)
{
    size_t max = LC_TEXT_MAX;
    assert_int_equal(max, 1u << 20);
    char *in = malloc(max + 1);
    assert_non_null(in);
    /* Chinese, ASCII and emoji, padded with ASCII to exactly 1 MiB. */
    const char *piece = "加微信abc😀一三八 ";
    size_t pl = strlen(piece), len = 0;
    while (len + pl <= max) {
        memcpy(in + len, piece, pl);
        len += pl;
    }
    memset(in + len, 'z', max + 1 - len);
    struct lc_norm n;
    lc_norm_init(&n);
    assert_int_equal(lc_text_normalize(in, max, &n, NULL), LC_OK);
    check_map(&n, in, max);
    assert_true(n.len > max / 2);
    assert_int_equal(lc_text_normalize(in, max + 1, &n, NULL), LC_ETOOBIG);
    assert_int_equal(n.len, 0);
    assert_string_equal(n.text, "");
    lc_norm_cleanup(&n);
    free(in);
}

/* ---- whole-table properties ------------------------------------------------ */

static void test_opencc_table_is_present_and_sorted(void **state)
{
    assert_true(lc_t2s_len > 2000);
    for (size_t i = 1; i < lc_t2s_len; i++)
        assert_true(lc_t2s_map[i - 1][0] < lc_t2s_map[i][0]);
    struct {
        uint32_t t, s;
    } want[] = {{0x9F8D, 0x9F99} /* 龍 龙 */, {0x81FA, 0x53F0} /* 臺 台 */,
                {0x5F8C, 0x540E} /* 後 后 */, {0x6A5F, 0x673A} /* 機 机 */};
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        bool found = false;
        for (size_t i = 0; i < lc_t2s_len; i++)
            if (lc_t2s_map[i][0] == want[k].t)
                found = lc_t2s_map[i][1] == want[k].s;
        if (!found)
            fail_msg("U+%04X -> U+%04X missing from the t2s table", want[k].t, want[k].s);
    }
}

static void test_every_t2s_entry_folds_like_its_simplified_form(void **state)
{
    struct lc_norm a, b;
    lc_norm_init(&a);
    lc_norm_init(&b);
    for (size_t i = 0; i < lc_t2s_len; i++) {
        char t[5] = {0}, s[5] = {0};
        encode(lc_t2s_map[i][0], t);
        encode(lc_t2s_map[i][1], s);
        assert_int_equal(lc_text_normalize(t, strlen(t), &a, NULL), LC_OK);
        assert_int_equal(lc_text_normalize(s, strlen(s), &b, NULL), LC_OK);
        if (strcmp(a.text, b.text) != 0)
            fail_msg("%s -> \"%s\" but %s -> \"%s\"", t, a.text, s, b.text);
    }
    lc_norm_cleanup(&a);
    lc_norm_cleanup(&b);
}

/* Normalising is idempotent, for every code point on its own and between
 * digits (which exercises the look-alike rule), and always valid UTF-8. */
static void test_folding_every_code_point_is_idempotent(void **state)
{
    struct lc_norm a, b;
    lc_norm_init(&a);
    lc_norm_init(&b);
    char buf[16];
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        /* Unassigned planes 4..13 and private use are all alike: sample. */
        if (cp >= 0x40000 && cp < 0xE0000 && (cp & 0xFFF) != 0)
            continue;
        if (cp >= 0xF0000 && (cp & 0xFFF) != 0)
            continue;
        for (int ctx = 0; ctx < 2; ctx++) {
            size_t len = 0;
            if (ctx)
                buf[len++] = '1';
            len += encode(cp, buf + len);
            if (ctx)
                buf[len++] = '2';
            assert_int_equal(lc_text_normalize(buf, len, &a, NULL), LC_OK);
            if (!valid_utf8((const uint8_t *)a.text, a.len))
                fail_msg("U+%04X gives invalid UTF-8", cp);
            assert_int_equal(lc_text_normalize(a.text, a.len, &b, NULL), LC_OK);
            if (a.len != b.len || memcmp(a.text, b.text, a.len) != 0)
                fail_msg("U+%04X: \"%s\" then \"%s\"", cp, a.text, b.text);
            for (size_t i = 0; i < a.len; i++)
                if (a.start[i] >= a.end[i] || a.end[i] > len)
                    fail_msg("U+%04X: bad span at %zu", cp, i);
        }
    }
    lc_norm_cleanup(&a);
    lc_norm_cleanup(&b);
}

static void test_ascii_letters_digits_survive_and_the_rest_is_dropped(void **state)
{
    struct lc_norm n;
    lc_norm_init(&n);
    for (int c = 0; c < 128; c++) {
        char in[2] = {(char)c, 0};
        assert_int_equal(lc_text_normalize(in, 1, &n, NULL), LC_OK);
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            assert_int_equal(n.len, 1);
            assert_int_equal(n.text[0], c);
        } else if (c >= 'A' && c <= 'Z') {
            assert_int_equal(n.len, 1);
            assert_int_equal(n.text[0], c - 'A' + 'a');
        } else {
            if (n.len != 0)
                fail_msg("ASCII 0x%02x kept as \"%s\"", c, n.text);
        }
    }
    lc_norm_cleanup(&n);
}

/* Every sequence of one or two bytes, and three- and four-byte ones over
 * the boundary values of each byte, after a valid prefix: accepted exactly
 * when the independent valid_utf8() accepts it, rejected at the sequence's
 * first byte otherwise (the prefix is valid), the same with and without the
 * map. */
static void test_short_byte_sequences_are_validated_like_the_reference(void **state)
{
    static const uint8_t edge[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0,
                                   0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xF0, 0xF4, 0xF5, 0xFF};
    const size_t ne = sizeof edge;
    struct lc_norm n;
    lc_norm_init(&n);
    char buf[8] = "x";
    size_t checked = 0;
    for (unsigned len = 1; len <= 4; len++) {
        /* len 1, 2: every byte; len 3, 4: every lead byte, edge values after */
        size_t combos = len == 1 ? 256 : len == 2 ? 65536 : len == 3 ? 256 * ne * ne
                                                                     : 256 * ne * ne * ne;
        for (size_t c = 0; c < combos; c++) {
            size_t r = c;
            buf[1] = (char)(r % 256);
            r /= 256;
            for (unsigned k = 2; k <= len; k++) {
                buf[k] = (char)(len <= 2 ? r % 256 : edge[r % ne]);
                r /= len <= 2 ? 256 : ne;
            }
            size_t bad = 99999;
            enum lc_err e = lc_text_normalize(buf, len + 1, &n, &bad);
            bool want = valid_utf8((const uint8_t *)buf, len + 1);
            if ((e == LC_OK) != want || (e != LC_OK && e != LC_EINVAL))
                fail_msg("bytes %02x %02x %02x %02x (%u): %s, reference says %s",
                         (uint8_t)buf[1], (uint8_t)buf[2], (uint8_t)buf[3], (uint8_t)buf[4], len,
                         lc_err_name(e), want ? "valid" : "invalid");
            if (e == LC_EINVAL && bad < 1)
                fail_msg("bad offset %zu inside the valid prefix", bad);
            check_unmapped(buf, len + 1, &n, e, bad);
            checked++;
        }
    }
    assert_true(checked > 100000);
    lc_norm_cleanup(&n);
}

/* Random text over an alphabet that exercises every step (digit look-alikes,
 * repeats, marks, expansions, noise, folds): the same text with and without
 * the map. */
static void test_unmapped_text_equals_mapped_text_on_random_input(void **state)
{
    static const char *const alpha[] = {
        "1", "2", "0", "o", "O", "l", "I", "i", "a", "a", "b", " ", ".", "*", "微", "微", "信",
        "書", "⑩", "㎏", "ﬁ", "Ｗ", "е", "\xcc\x81", "e", "😀", "\xe2\x80\x8b", "ⓦ", "一", "七",
        "é", "Ⅻ", "\xef\xb7\xba", "\t", "-", "·", "加", "加"};
    const size_t na = sizeof alpha / sizeof alpha[0];
    uint64_t x = 0x9E3779B97F4A7C15ull;
    struct lc_norm n;
    lc_norm_init(&n);
    char buf[1024];
    for (int t = 0; t < 20000; t++) {
        size_t len = 0;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t chars = (size_t)(x % 60);
        for (size_t c = 0; c < chars; c++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            const char *s = alpha[x % na];
            memcpy(buf + len, s, strlen(s));
            len += strlen(s);
        }
        size_t bad = 0;
        enum lc_err e = lc_text_normalize(buf, len, &n, &bad);
        assert_int_equal(e, LC_OK);
        check_map(&n, buf, len);
        check_unmapped(buf, len, &n, e, bad);
    }
    lc_norm_cleanup(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent_first_use_builds_tables_once),
        cmocka_unit_test(test_short_byte_sequences_are_validated_like_the_reference),
        cmocka_unit_test(test_unmapped_text_equals_mapped_text_on_random_input),
        cmocka_unit_test(test_fullwidth_folds_to_halfwidth),
        cmocka_unit_test(test_upper_case_folds_to_lower),
        cmocka_unit_test(test_circled_and_styled_digits_fold_to_digits),
        cmocka_unit_test(test_other_scripts_digits_fold_to_ascii),
        cmocka_unit_test(test_circled_and_styled_letters_fold_to_latin),
        cmocka_unit_test(test_compatibility_forms_expand),
        cmocka_unit_test(test_plain_chinese_is_unchanged),
        cmocka_unit_test(test_spaces_and_punctuation_between_characters_are_dropped),
        cmocka_unit_test(test_zero_width_and_format_characters_are_dropped),
        cmocka_unit_test(test_emoji_and_variation_selectors_are_dropped),
        cmocka_unit_test(test_accents_are_dropped_precomposed_or_not),
        cmocka_unit_test(test_traditional_folds_to_simplified),
        cmocka_unit_test(test_compatibility_ideographs_fold_to_unified),
        cmocka_unit_test(test_cyrillic_and_greek_homoglyphs_fold_to_latin),
        cmocka_unit_test(test_chinese_numerals_fold_to_digits),
        cmocka_unit_test(test_roman_numerals_are_digits),
        cmocka_unit_test(test_cyrillic_ze_and_radio_digits),
        cmocka_unit_test(test_digit_lookalikes_at_the_ends_of_digit_runs),
        cmocka_unit_test(test_ten_is_not_converted),
        cmocka_unit_test(test_digit_lookalikes_between_digits_become_digits),
        cmocka_unit_test(test_digit_lookalikes_elsewhere_stay_letters),
        cmocka_unit_test(test_digit_lookalikes_start_a_number_after_a_word_and_a_separator),
        cmocka_unit_test(test_repeats_collapse_to_one),
        cmocka_unit_test(test_digits_never_collapse),
        cmocka_unit_test(test_each_output_byte_maps_to_its_source_character),
        cmocka_unit_test(test_collapsed_run_span_covers_the_run),
        cmocka_unit_test(test_match_in_normalised_text_maps_back_to_original),
        cmocka_unit_test(test_expansion_bytes_share_the_source_span),
        cmocka_unit_test(test_combining_mark_joins_the_span_of_its_base),
        cmocka_unit_test(test_span_clamps_out_of_range_requests),
        cmocka_unit_test(test_invalid_utf8_is_rejected_with_offset),
        cmocka_unit_test(test_valid_edge_code_points_are_accepted),
        cmocka_unit_test(test_empty_input_gives_empty_output),
        cmocka_unit_test(test_norm_is_reusable_across_calls),
        cmocka_unit_test(test_one_mebibyte_is_accepted_and_one_more_byte_is_too_big),
        cmocka_unit_test(test_opencc_table_is_present_and_sorted),
        cmocka_unit_test(test_every_t2s_entry_folds_like_its_simplified_form),
        cmocka_unit_test(test_folding_every_code_point_is_idempotent),
        cmocka_unit_test(test_ascii_letters_digits_survive_and_the_rest_is_dropped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
