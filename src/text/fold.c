/* fold.c -- builds the per-code-point fold table (see fold.h).
 *
 * Every code point is folded once, at lc_text_init, through the steps text.h
 * lists, and the result is stored so that normalising is a table lookup per
 * character.  Per code point c:
 *   1. a few characters utf8proc leaves alone, or folds to the wrong look-
 *      alike, are mapped first: dingbat circled digits ❶➀➊⓵⓫⓿ and Roman
 *      numerals Ⅰ..Ⅻ (NFKC makes Ⅰ the letter I, but 第Ⅰ means 第1);
 *      negative circled/squared letters 🅐🅰; Greek capitals whose lower
 *      case looks like another Latin letter (Ν is N but ν looks like v);
 *   2. utf8proc: compatibility decomposition + case fold + dropping default
 *      ignorables and combining marks, then canonical composition, i.e.
 *      NFKC_Casefold without accents (é and e + U+0301 both give e; a
 *      per-character table could not compose a base with a following mark,
 *      so marks are dropped everywhere to keep the two spellings equal);
 *   3. each resulting code point r then goes through: traditional ->
 *      simplified (OpenCC), homoglyph -> Latin letter, Chinese numeral ->
 *      ASCII digit, any other decimal digit (Nd) -> ASCII digit;
 *   4. r is dropped if it is noise: separators (Z*), punctuation (P*),
 *      symbols (S*, which covers emoji and pictographs), marks (M*), controls
 *      and format characters (Cc, Cf, incl. zero-width ones), surrogates and
 *      private use (Cs, Co), tags and variation selectors (U+E0000..E0FFF),
 *      and unassigned code points in the emoji planes (U+1F000..1FBFF, where
 *      newer emoji than our Unicode data live).  Other unassigned code points
 *      are kept as they are (they may be newer CJK). */
#include "text/fold.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "text/t2s.h"

#define MAXSEQ 64 /* longest fold of one code point is U+FDFA, 18 code points */

/* Homoglyphs: letters of other scripts (after case folding) that look like
 * Latin letters.  Upper-case look-alikes are listed by their lower-case
 * form, since case folding comes first (e.g. Cyrillic Н folds to н -> h). */
static const uint32_t homoglyphs[][2] = {
    /* Cyrillic */
    {0x0430, 'a'}, {0x0432, 'b'}, {0x0433, 'r'}, {0x0435, 'e'}, {0x043A, 'k'},
    {0x043C, 'm'}, {0x043D, 'h'}, {0x043E, 'o'}, {0x043F, 'n'}, {0x0440, 'p'},
    {0x0441, 'c'}, {0x0442, 't'}, {0x0443, 'y'}, {0x0445, 'x'}, {0x044C, 'b'},
    {0x0455, 's'}, {0x0456, 'i'}, {0x0458, 'j'}, {0x0475, 'v'}, {0x04AF, 'y'},
    {0x04BB, 'h'}, {0x04CF, 'l'}, {0x0501, 'd'}, {0x050D, 'g'}, {0x051B, 'q'},
    {0x051D, 'w'},
    /* Greek */
    {0x03B1, 'a'}, {0x03B2, 'b'}, {0x03B3, 'y'}, {0x03B5, 'e'}, {0x03B6, 'z'},
    {0x03B7, 'n'}, {0x03B9, 'i'}, {0x03BA, 'k'}, {0x03BC, 'u'}, {0x03BD, 'v'},
    {0x03BF, 'o'}, {0x03C1, 'p'}, {0x03C4, 't'}, {0x03C5, 'u'}, {0x03C7, 'x'},
    {0x03C9, 'w'}, {0x03F2, 'c'}, {0x03F3, 'j'},
    /* Armenian */
    {0x0570, 'h'}, {0x0578, 'n'}, {0x057D, 'u'}, {0x0585, 'o'},
    /* Latin look-alikes: dotless i/j, IPA letters, small capitals */
    {0x0131, 'i'}, {0x0237, 'j'}, {0x0251, 'a'}, {0x0261, 'g'}, {0x0262, 'g'},
    {0x0269, 'i'}, {0x026A, 'i'}, {0x0274, 'n'}, {0x0280, 'r'}, {0x028F, 'y'},
    {0x0299, 'b'}, {0x029C, 'h'}, {0x029F, 'l'}, {0x1D00, 'a'}, {0x1D04, 'c'},
    {0x1D05, 'd'}, {0x1D07, 'e'}, {0x1D0A, 'j'}, {0x1D0B, 'k'}, {0x1D0D, 'm'},
    {0x1D0F, 'o'}, {0x1D18, 'p'}, {0x1D1B, 't'}, {0x1D1C, 'u'}, {0x1D20, 'v'},
    {0x1D21, 'w'}, {0x1D22, 'z'}, {0xA731, 's'},
};

/* Chinese numerals to digits.  十百千万 are positional and stay; 参 (from
 * traditional 參) is mostly "take part" and stays too. */
static const uint32_t numerals[][2] = {
    {0x96F6, '0'}, /* 零 */ {0x3007, '0'}, /* 〇 */
    {0x4E00, '1'}, /* 一 */ {0x4E8C, '2'}, /* 二 */ {0x4E09, '3'}, /* 三 */
    {0x56DB, '4'}, /* 四 */ {0x4E94, '5'}, /* 五 */ {0x516D, '6'}, /* 六 */
    {0x4E03, '7'}, /* 七 */ {0x516B, '8'}, /* 八 */ {0x4E5D, '9'}, /* 九 */
    {0x4E24, '2'}, /* 两 */ {0x5169, '2'}, /* 兩 */ {0x5E7A, '1'}, /* 幺 */
    {0x58F9, '1'}, /* 壹 */ {0x8D30, '2'}, /* 贰 */ {0x8CB3, '2'}, /* 貳 */
    {0x53C1, '3'}, /* 叁 */ {0x53C4, '3'}, /* 叄 */ {0x8086, '4'}, /* 肆 */
    {0x4F0D, '5'}, /* 伍 */ {0x9646, '6'}, /* 陆 */ {0x9678, '6'}, /* 陸 */
    {0x67D2, '7'}, /* 柒 */ {0x634C, '8'}, /* 捌 */ {0x7396, '9'}, /* 玖 */
    {0x5F0C, '1'}, /* 弌 */ {0x5F0D, '2'}, /* 弍 */ {0x5F0E, '3'}, /* 弎 */
    {0x3021, '1'}, {0x3022, '2'}, {0x3023, '3'}, {0x3024, '4'}, {0x3025, '5'},
    {0x3026, '6'}, {0x3027, '7'}, {0x3028, '8'}, {0x3029, '9'}, /* 〡..〩 */
    {0x6D1E, '0'}, /* 洞: radio-style 0, as 幺 is 1 (破洞 becomes 破0 too, which
                      no rule reads as a number) */
    {0x0437, '3'}, /* Cyrillic з (and З, after case folding) */
};

/* Ranges of numbered characters without a compatibility decomposition:
 * first code point, last, and the number of the first. */
static const uint32_t numbered[][3] = {
    {0x24EB, 0x24F4, 11}, /* ⓫..⓴ */
    {0x24F5, 0x24FE, 1},  /* ⓵..⓾ */
    {0x24FF, 0x24FF, 0},  /* ⓿ */
    {0x2776, 0x277F, 1},  /* ❶..❿ */
    {0x2780, 0x2789, 1},  /* ➀..➉ */
    {0x278A, 0x2793, 1},  /* ➊..➓ */
    {0x1F10B, 0x1F10C, 0}, /* 🄋 🄌 */
    {0x2160, 0x216B, 1},  /* Ⅰ..Ⅻ (Ⅼ Ⅽ Ⅾ Ⅿ stay the letters NFKC makes them) */
    {0x2170, 0x217B, 1},  /* ⅰ..ⅻ */
};

/* Upper-case letters to map before case folding: their lower-case forms are
 * homoglyphs of other Latin letters (ν v, μ u, η n, υ u). */
static const uint32_t capitals[][2] = {
    {0x0397, 'h'}, /* Η */ {0x039C, 'm'}, /* Μ */ {0x039D, 'n'}, /* Ν */ {0x03A5, 'y'}, /* Υ */
};

/* Negative circled and squared Latin capitals (🅐..🅩, 🅰..🆉) have no
 * decomposition either. */
static const uint32_t lettered[][2] = {{0x1F150, 0x1F169}, {0x1F170, 0x1F189}};

static int cmp_pair(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static uint32_t lookup_pair(const uint32_t (*tab)[2], size_t n, uint32_t cp)
{
    const uint32_t(*hit)[2] = bsearch(&cp, tab, n, sizeof *tab, cmp_pair);
    return hit ? (*hit)[1] : cp;
}

/* Value of a decimal digit: Unicode encodes every decimal digit set as a
 * contiguous 0..9 run, so the position within the run of Nd gives it. */
static uint32_t nd_value(uint32_t cp)
{
    uint32_t k = 0;
    while (cp - k > 0 && utf8proc_category((utf8proc_int32_t)(cp - k - 1)) ==
                             UTF8PROC_CATEGORY_ND)
        k++;
    return k % 10;
}

static bool is_noise(uint32_t r)
{
    if (r >= 0xE0000 && r <= 0xE0FFF)
        return true;
    switch (utf8proc_category((utf8proc_int32_t)r)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return false;
    case UTF8PROC_CATEGORY_CN:
        return r >= 0x1F000 && r <= 0x1FBFF;
    default: /* M*, P*, S*, Z*, Cc, Cf, Cs, Co */
        return true;
    }
}

/* Combining marks are dropped, but their bytes join the span of the
 * character they sit on, so spans cover whole accented letters. */
static bool is_mark(uint32_t c)
{
    utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)c);
    return cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC ||
           cat == UTF8PROC_CATEGORY_ME;
}

struct sorted {
    uint32_t (*homo)[2], (*num)[2];
    size_t nhomo, nnum;
};

/* Steps 3 and 4 for one code point from utf8proc; 0 if it is dropped. */
static uint32_t fold_after(const struct sorted *s, uint32_t r)
{
    r = lookup_pair(lc_t2s_map, lc_t2s_len, r);
    r = lookup_pair((const uint32_t(*)[2])s->homo, s->nhomo, r);
    r = lookup_pair((const uint32_t(*)[2])s->num, s->nnum, r);
    if (r >= 0x80 && utf8proc_category((utf8proc_int32_t)r) == UTF8PROC_CATEGORY_ND)
        r = '0' + nd_value(r);
    return is_noise(r) ? 0 : r;
}

/* Folds c into seq; returns how many code points (0: dropped). */
static size_t fold_cp(const struct sorted *s, uint32_t c, uint32_t seq[MAXSEQ])
{
    utf8proc_int32_t buf[MAXSEQ];
    utf8proc_ssize_t n;
    size_t k = 0;

    if (c >= 0xD800 && c <= 0xDFFF)
        return 0;
    for (size_t i = 0; i < sizeof numbered / sizeof numbered[0]; i++) {
        if (c >= numbered[i][0] && c <= numbered[i][1]) {
            uint32_t v = numbered[i][2] + (c - numbered[i][0]);
            if (v >= 10)
                seq[k++] = '0' + v / 10;
            seq[k++] = '0' + v % 10;
            return k;
        }
    }
    for (size_t i = 0; i < sizeof lettered / sizeof lettered[0]; i++) {
        if (c >= lettered[i][0] && c <= lettered[i][1]) {
            seq[0] = 'a' + (c - lettered[i][0]);
            return 1;
        }
    }
    for (size_t i = 0; i < sizeof capitals / sizeof capitals[0]; i++) {
        if (c == capitals[i][0]) {
            seq[0] = capitals[i][1];
            return 1;
        }
    }

    /* Unassigned, private use: nothing to fold, and most of the code space. */
    utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)c);
    if (cat == UTF8PROC_CATEGORY_CN || cat == UTF8PROC_CATEGORY_CO) {
        if (is_noise(c))
            return 0;
        seq[0] = c;
        return 1;
    }

    int bc = 0;
    n = utf8proc_decompose_char((utf8proc_int32_t)c, buf, MAXSEQ,
                                UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE |
                                    UTF8PROC_STRIPMARK | UTF8PROC_DECOMPOSE,
                                &bc);
    if (n < 0 || n > MAXSEQ) /* cannot happen with Unicode as of utf8proc 2.x */
        n = 0;
    if (n > 0)
        n = utf8proc_normalize_utf32(buf, n, UTF8PROC_COMPOSE);
    for (utf8proc_ssize_t i = 0; i < n; i++) {
        uint32_t r = fold_after(s, (uint32_t)buf[i]);
        if (r)
            seq[k++] = r;
    }
    return k;
}

static unsigned utf8_len(uint32_t cp)
{
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/* Growable arrays for the build. */
struct vec {
    uint32_t *v;
    size_t n, cap;
};

static bool vec_reserve(struct vec *a, size_t more)
{
    if (a->n + more <= a->cap)
        return true;
    size_t cap = a->cap ? a->cap : 1024;
    while (cap < a->n + more)
        cap *= 2;
    uint32_t *v = realloc(a->v, cap * sizeof *v);
    if (!v)
        return false;
    a->v = v;
    a->cap = cap;
    return true;
}

static uint32_t hash_block(const uint32_t *b)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 256; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

#define HSLOTS 8192 /* > LC_FOLD_BLOCKS, power of two */

static void *dup_sorted(const uint32_t (*tab)[2], size_t n)
{
    uint32_t(*c)[2] = malloc(n * sizeof *c);
    if (c) {
        memcpy(c, tab, n * sizeof *c);
        qsort(c, n, sizeof *c, cmp_pair);
    }
    return c;
}

enum lc_err lc_fold_build(struct lc_fold **out)
{
    enum lc_err err = LC_ENOMEM;
    struct lc_fold *f = calloc(1, sizeof *f);
    struct vec blocks = {0}, pool = {0};
    uint32_t *slot_hash = calloc(HSLOTS, sizeof *slot_hash);
    uint32_t *slot_block = malloc(HSLOTS * sizeof *slot_block);
    struct sorted s = {
        .homo = dup_sorted(homoglyphs, sizeof homoglyphs / sizeof homoglyphs[0]),
        .num = dup_sorted(numerals, sizeof numerals / sizeof numerals[0]),
        .nhomo = sizeof homoglyphs / sizeof homoglyphs[0],
        .nnum = sizeof numerals / sizeof numerals[0],
    };
    uint32_t cur[256], seq[MAXSEQ];

    if (!f || !slot_hash || !slot_block || !s.homo || !s.num)
        goto out;
    memset(slot_block, 0xFF, HSLOTS * sizeof *slot_block);
    if (!vec_reserve(&pool, 1))
        goto out;
    pool.v[pool.n++] = 0; /* index 0 unused, so LC_FOLD_EXP | 0 never appears */

    for (uint32_t blk = 0; blk < LC_FOLD_BLOCKS; blk++) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = (blk << 8) | i;
            size_t n = fold_cp(&s, c, seq);
            unsigned bytes = 0;
            for (size_t j = 0; j < n; j++)
                bytes += utf8_len(seq[j]);
            if (bytes > f->max_out)
                f->max_out = bytes;
            if (n == 0) {
                cur[i] = is_mark(c) ? LC_FOLD_ATTACH : LC_FOLD_DROP;
            } else if (n == 1 && seq[0] == c) {
                cur[i] = LC_FOLD_KEEP;
            } else if (n == 1) {
                cur[i] = seq[0];
            } else {
                if (!vec_reserve(&pool, n + 1))
                    goto out;
                cur[i] = LC_FOLD_EXP | (uint32_t)pool.n;
                pool.v[pool.n++] = (uint32_t)n;
                memcpy(pool.v + pool.n, seq, n * sizeof *seq);
                pool.n += n;
            }
        }
        /* Store the block once; identical blocks share it. */
        uint32_t h = hash_block(cur), at = h & (HSLOTS - 1);
        for (;;) {
            uint32_t b = slot_block[at];
            if (b == UINT32_MAX) {
                if (!vec_reserve(&blocks, 256))
                    goto out;
                b = (uint32_t)(blocks.n / 256);
                memcpy(blocks.v + blocks.n, cur, sizeof cur);
                blocks.n += 256;
                slot_block[at] = b;
                slot_hash[at] = h;
                f->index[blk] = (uint16_t)b;
                break;
            }
            if (slot_hash[at] == h && memcmp(blocks.v + (size_t)b * 256, cur, sizeof cur) == 0) {
                f->index[blk] = (uint16_t)b;
                break;
            }
            at = (at + 1) & (HSLOTS - 1);
        }
    }
    for (uint32_t c = 0; c < 128; c++) {
        uint32_t v = blocks.v[((size_t)f->index[0] << 8) | c];
        f->ascii[c] = v == LC_FOLD_DROP ? 0 : v == LC_FOLD_KEEP ? (uint8_t)c : (uint8_t)v;
    }
    for (uint32_t c = 0; c < 0x10000; c++)
        if (blocks.v[((size_t)f->index[c >> 8] << 8) | (c & 0xFFu)] == LC_FOLD_KEEP)
            f->keep[c >> 6] |= (uint64_t)1 << (c & 63);
    f->nblocks = blocks.n / 256;
    f->npool = pool.n;
    f->blocks = blocks.v;
    f->pool = pool.v;
    blocks.v = pool.v = NULL;
    *out = f;
    f = NULL;
    err = LC_OK;
out:
    free(blocks.v);
    free(pool.v);
    free(slot_hash);
    free(slot_block);
    free(s.homo);
    free(s.num);
    lc_fold_free(f);
    return err;
}

void lc_fold_free(struct lc_fold *f)
{
    if (!f)
        return;
    free((void *)f->blocks);
    free((void *)f->pool);
    free(f);
}
