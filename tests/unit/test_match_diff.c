/* test_match_diff.c -- differential test of the two matching engines.
 *
 * A seeded generator makes a corpus of texts (CJK from a fixed alphabet,
 * ASCII letters, digits, some punctuation, a few 2- and 4-byte characters;
 * 0..200 characters each) and a rule set: literals drawn from the same
 * alphabet and from substrings of the corpus, with ids shared between
 * several literals, plus random patterns of the match.h subset.  Every
 * text is scanned by Vectorscan and by our Aho-Corasick/NFA engine, and
 * the two hit lists must be identical.
 *
 * Two engines can agree and both be wrong, so a third, naive oracle checks
 * them on part of the corpus: it tries every literal and every pattern at
 * every start by backtracking over the generator's own description of the
 * pattern (not over our parser's output), then keeps the leftmost start
 * per (id, end).
 *
 * A second test does the same for patterns that the Vectorscan engine's
 * pattern gate (match.c) can keep closed: every pattern needs a digit run
 * or a fixed factor, the corpus has few digits but planted digit runs
 * around each threshold and planted factors, and texts run past several
 * 240-byte windows.  It also checks that the gate really closed on many
 * windows and opened on many.
 *
 * LC_MATCH_DIFF_SEED and LC_MATCH_DIFF_TEXTS override the seed and corpus
 * size for longer runs; the seed is printed so a failure can be replayed. */
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

#define NTEXTS 20000
#define NORACLE 3000 /* texts also checked against the naive oracle */
#define NLITS 2000
#define NPATS 30
#define NIDS 600
#define MAX_CHARS 200
#define MAX_ATOMS 5
#define PATTERN_IDS 10000 /* ids used by patterns only */

static uint64_t rng;

static uint64_t next_u64(void)
{
    /* xorshift64* */
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545F4914F6CDD1Dull;
}

static unsigned below(unsigned n)
{
    return (unsigned)((next_u64() >> 33) % n);
}

static const char *const cjk[] = {
    "最", "佳", "第", "一", "加", "微", "信", "药", "治", "疗", "国", "家", "级", "顶",
    "尖", "好", "的", "是", "不", "了", "人", "我", "在", "有", "这", "中", "大", "来",
    "上", "个", "到", "说", "们", "为", "子", "和", "你", "地", "出", "道", "也", "时",
    "年", "得", "就", "那", "要", "下"};
static const char *const rare[] = {"é", "ß", "😀", "𠀀"}; /* 2- and 4-byte characters */
static const char ascii[] = "abcdefgh";
static const char punct[] = ".-_+";

/* One character of the corpus alphabet, appended to out; returns its bytes. */
static size_t gen_char(char *out)
{
    unsigned r = below(100);
    const char *s;
    char one[2] = {0, 0};
    if (r < 50)
        s = cjk[below(sizeof cjk / sizeof cjk[0])];
    else if (r < 72)
        one[0] = ascii[below(sizeof ascii - 1)], s = one;
    else if (r < 94)
        one[0] = (char)('0' + below(10)), s = one;
    else if (r < 98)
        one[0] = punct[below(sizeof punct - 1)], s = one;
    else
        s = rare[below(sizeof rare / sizeof rare[0])];
    size_t n = strlen(s);
    memcpy(out, s, n);
    return n;
}

/* ---- the rule set, described independently of the parser --------------- */

struct gatom {
    char bytes[5];     /* a character (nbytes > 0) ... */
    size_t nbytes;
    const char *chars; /* ... or the ASCII characters of a class */
    const char *src;   /* how the class is written */
    unsigned min, max;
};

struct gpat {
    struct gatom a[MAX_ATOMS];
    size_t n;
    char src[256];
};

static const struct {
    const char *src, *chars;
} classes[] = {
    {"\\d", "0123456789"},     {"[a-d]", "abcd"},          {"[0-5x]", "012345x"},
    {"[\\-_.]", "-_."},        {"[a-hA-C]", "abcdefghABC"}, {"[\\d_a]", "0123456789_a"},
    {"[.]", "."},              {"[+\\-]", "+-"},           {"[e-h3-4]", "efgh34"},
};

static void gen_pattern(struct gpat *g)
{
    for (;;) {
        memset(g, 0, sizeof *g);
        g->n = 1 + below(MAX_ATOMS);
        unsigned minw = 0, maxw = 0;
        size_t len = 0;
        for (size_t k = 0; k < g->n; k++) {
            struct gatom *a = &g->a[k];
            unsigned r = below(10);
            if (r < 5) {
                a->nbytes = gen_char(a->bytes);
                bool meta = a->nbytes == 1 && strchr(punct, a->bytes[0]);
                len += (size_t)snprintf(g->src + len, sizeof g->src - len, "%s%s",
                                        meta ? "\\" : "", a->bytes);
            } else {
                unsigned c = below(sizeof classes / sizeof classes[0]);
                a->chars = classes[c].chars;
                a->src = classes[c].src;
                len += (size_t)snprintf(g->src + len, sizeof g->src - len, "%s", a->src);
            }
            r = below(10);
            if (r < 4) {
                a->min = a->max = 1;
            } else if (r < 6) {
                a->min = 0, a->max = 1;
                len += (size_t)snprintf(g->src + len, sizeof g->src - len, "?");
            } else if (r < 8) {
                a->min = a->max = 1 + below(3);
                len += (size_t)snprintf(g->src + len, sizeof g->src - len, "{%u}", a->min);
            } else {
                a->min = below(3);
                a->max = a->min + 1 + below(3);
                len += (size_t)snprintf(g->src + len, sizeof g->src - len, "{%u,%u}", a->min,
                                        a->max);
            }
            unsigned w = a->nbytes ? (unsigned)a->nbytes : 1;
            minw += w * a->min;
            maxw += w * a->max;
        }
        if (minw > 0 && maxw <= 100)
            return;
    }
}

/* ---- hits ------------------------------------------------------------- */

struct hits {
    struct lc_hit *h;
    size_t n, cap;
};

static void push(struct hits *l, unsigned id, uint32_t s, uint32_t e)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->h = realloc(l->h, l->cap * sizeof *l->h);
        assert_non_null(l->h);
    }
    l->h[l->n++] = (struct lc_hit){id, s, e};
}

static int on_hit(void *ctx, const struct lc_hit *h)
{
    push(ctx, h->id, h->start, h->end);
    return 0;
}

static int hit_cmp(const void *a, const void *b)
{
    const struct lc_hit *x = a, *y = b;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return (x->start > y->start) - (x->start < y->start);
}

/* ---- the naive oracle --------------------------------------------------- */

static bool atom_at(const struct gatom *a, const char *t, size_t len, size_t p, size_t *np)
{
    if (a->nbytes) {
        if (p + a->nbytes > len || memcmp(t + p, a->bytes, a->nbytes) != 0)
            return false;
        *np = p + a->nbytes;
        return true;
    }
    if (p >= len || t[p] == '\0' || !strchr(a->chars, t[p]))
        return false;
    *np = p + 1;
    return true;
}

/* Every end reachable from (atom k, offset p); mark[] dedupes ends per start. */
struct walk {
    const struct gpat *g;
    const char *t;
    size_t len, start;
    unsigned id;
    uint32_t *mark, gen;
    struct hits *out;
};

static void ends_from(struct walk *w, size_t k, size_t p)
{
    if (k == w->g->n) {
        if (p > w->start && w->mark[p] != w->gen) {
            w->mark[p] = w->gen;
            push(w->out, w->id, (uint32_t)w->start, (uint32_t)p);
        }
        return;
    }
    const struct gatom *a = &w->g->a[k];
    for (unsigned c = 0;; c++) {
        if (c >= a->min)
            ends_from(w, k + 1, p);
        if (c == a->max || !atom_at(a, w->t, w->len, p, &p))
            return;
    }
}

struct rules {
    struct lc_pattern *p;
    size_t n;
    struct gpat *g; /* g[k] describes p[NLITS + k] */
    char **owned;
    /* Oracle index: literals by their first two bytes (one-byte literals
     * under second byte 0, which no literal contains). */
    uint32_t *bucket_off; /* 65537 offsets into bucket */
    uint32_t *bucket;
    size_t *lens;
};

static unsigned bucket_of(const char *s, size_t n)
{
    return (unsigned)(uint8_t)s[0] << 8 | (n > 1 ? (uint8_t)s[1] : 0);
}

static void index_literals(struct rules *r)
{
    r->bucket_off = calloc(65537, sizeof *r->bucket_off);
    r->bucket = calloc(NLITS, sizeof *r->bucket);
    r->lens = calloc(NLITS, sizeof *r->lens);
    assert_non_null(r->bucket_off);
    assert_non_null(r->bucket);
    assert_non_null(r->lens);
    for (size_t k = 0; k < NLITS; k++) {
        r->lens[k] = strlen(r->p[k].expr);
        r->bucket_off[bucket_of(r->p[k].expr, r->lens[k]) + 1]++;
    }
    for (size_t b = 0; b < 65536; b++)
        r->bucket_off[b + 1] += r->bucket_off[b];
    uint32_t *fill = calloc(65536, sizeof *fill);
    assert_non_null(fill);
    for (size_t k = 0; k < NLITS; k++) {
        unsigned b = bucket_of(r->p[k].expr, r->lens[k]);
        r->bucket[r->bucket_off[b] + fill[b]++] = (uint32_t)k;
    }
    free(fill);
}

static void oracle(const struct rules *r, const char *t, size_t len, struct hits *out)
{
    out->n = 0;
    for (size_t s = 0; s < len; s++) {
        unsigned keys[2] = {(unsigned)(uint8_t)t[s] << 8, bucket_of(t + s, len - s)};
        for (int q = 0; q < 2; q++) {
            if (q == 1 && keys[1] == keys[0])
                break;
            for (uint32_t x = r->bucket_off[keys[q]]; x < r->bucket_off[keys[q] + 1]; x++) {
                size_t k = r->bucket[x], n = r->lens[k];
                if (s + n <= len && memcmp(t + s, r->p[k].expr, n) == 0)
                    push(out, r->p[k].id, (uint32_t)s, (uint32_t)(s + n));
            }
        }
    }
    uint32_t *mark = calloc(len + 1, sizeof *mark);
    assert_non_null(mark);
    struct walk w = {.t = t, .len = len, .mark = mark, .out = out};
    for (size_t k = NLITS; k < r->n; k++) {
        w.g = &r->g[k - NLITS];
        w.id = r->p[k].id;
        for (size_t s = 0; s < len; s++) {
            w.start = s;
            w.gen++;
            ends_from(&w, 0, s);
        }
    }
    free(mark);
    qsort(out->h, out->n, sizeof *out->h, hit_cmp);
    size_t kept = 0;
    for (size_t k = 0; k < out->n; k++)
        if (!kept || out->h[k].end != out->h[kept - 1].end ||
            out->h[k].id != out->h[kept - 1].id)
            out->h[kept++] = out->h[k];
    out->n = kept;
}

/* ---- the test ----------------------------------------------------------- */

static bool same(const struct hits *a, const struct hits *b)
{
    if (a->n != b->n)
        return false;
    for (size_t k = 0; k < a->n; k++)
        if (a->h[k].id != b->h[k].id || a->h[k].start != b->h[k].start ||
            a->h[k].end != b->h[k].end)
            return false;
    return true;
}

static void report(const char *what, size_t text_no, const char *t, size_t len,
                   const struct hits *a, const char *an, const struct hits *b, const char *bn)
{
    fprintf(stderr, "%s: text %zu (%zu bytes) \"%.*s\"\n", what, text_no, len, (int)len, t);
    size_t n = a->n > b->n ? a->n : b->n;
    for (size_t k = 0; k < n; k++) {
        bool d = k >= a->n || k >= b->n || hit_cmp(&a->h[k], &b->h[k]) != 0;
        if (!d)
            continue;
        fprintf(stderr, "  first difference at hit %zu: %s ", k, an);
        if (k < a->n)
            fprintf(stderr, "(%u,%u,%u)", a->h[k].id, a->h[k].start, a->h[k].end);
        fprintf(stderr, " vs %s ", bn);
        if (k < b->n)
            fprintf(stderr, "(%u,%u,%u)", b->h[k].id, b->h[k].start, b->h[k].end);
        fprintf(stderr, "\n");
        break;
    }
}

static void make_rules(struct rules *r, char **texts, size_t *lens, size_t ntexts)
{
    r->n = NLITS + NPATS;
    r->p = calloc(r->n, sizeof *r->p);
    r->g = calloc(NPATS, sizeof *r->g);
    r->owned = calloc(NLITS, sizeof *r->owned);
    assert_non_null(r->p);
    assert_non_null(r->g);
    assert_non_null(r->owned);
    for (size_t k = 0; k < NLITS; k++) {
        char buf[64];
        size_t n = 0;
        if (below(3) == 0 && ntexts) {
            /* a substring of a text, cut at character boundaries */
            size_t t = below((unsigned)ntexts);
            while (lens[t] == 0)
                t = below((unsigned)ntexts);
            size_t s = below((unsigned)lens[t]);
            while (s > 0 && (texts[t][s] & 0xC0) == 0x80)
                s--;
            size_t e = s, chars = 2 + below(5);
            while (e < lens[t] && chars > 0 && e - s < 40) {
                e++;
                while (e < lens[t] && (texts[t][e] & 0xC0) == 0x80)
                    e++;
                chars--;
            }
            n = e - s;
            memcpy(buf, texts[t] + s, n);
        } else {
            size_t chars = below(200) == 0 ? 1 : 2 + below(3);
            for (size_t c = 0; c < chars; c++)
                n += gen_char(buf + n);
        }
        buf[n] = '\0';
        r->owned[k] = strdup(buf);
        assert_non_null(r->owned[k]);
        r->p[k] = (struct lc_pattern){below(NIDS), r->owned[k], true};
    }
    for (size_t k = 0; k < NPATS; k++) {
        gen_pattern(&r->g[k]);
        /* Half share ids with literals; the other half have ids of their own,
         * so their hits can be counted. */
        unsigned id = k % 2 ? below(NIDS) : PATTERN_IDS + below(NPATS / 2);
        r->p[NLITS + k] = (struct lc_pattern){id, r->g[k].src, false};
    }
    index_literals(r);
}

static void free_rules(struct rules *r)
{
    for (size_t k = 0; k < NLITS; k++)
        free(r->owned[k]);
    free(r->owned);
    free(r->bucket_off);
    free(r->bucket);
    free(r->lens);
    free(r->g);
    free(r->p);
}

static void vectorscan_and_ac_report_identical_hits_on_random_corpus(void **state)
{
    if (!lc_match_vectorscan_available()) {
        fprintf(stderr, "note: Vectorscan cannot run on this CPU; differential test skipped\n");
        skip();
    }
    uint64_t seed = 0x6C69766563706C79ull; /* "livecply" */
    size_t ntexts = NTEXTS;
    const char *env = getenv("LC_MATCH_DIFF_SEED");
    if (env && *env)
        seed = strtoull(env, NULL, 0);
    env = getenv("LC_MATCH_DIFF_TEXTS");
    if (env && *env)
        ntexts = strtoull(env, NULL, 0);
    rng = seed ? seed : 1;

    char **texts = calloc(ntexts ? ntexts : 1, sizeof *texts);
    size_t *lens = calloc(ntexts ? ntexts : 1, sizeof *lens);
    assert_non_null(texts);
    assert_non_null(lens);
    for (size_t k = 0; k < ntexts; k++) {
        size_t chars = below(MAX_CHARS + 1);
        texts[k] = malloc(chars * 4 + 1);
        assert_non_null(texts[k]);
        size_t n = 0;
        for (size_t c = 0; c < chars; c++)
            n += gen_char(texts[k] + n);
        texts[k][n] = '\0';
        lens[k] = n;
    }
    struct rules r;
    make_rules(&r, texts, lens, ntexts);

    struct lc_matcher *vs = NULL, *ac = NULL;
    char err[256];
    enum lc_err rc = lc_match_compile(r.p, r.n, LC_ENGINE_VECTORSCAN, &vs, err, sizeof err);
    if (rc != LC_OK)
        fail_msg("vectorscan compile: %s", err);
    rc = lc_match_compile(r.p, r.n, LC_ENGINE_AC, &ac, err, sizeof err);
    if (rc != LC_OK)
        fail_msg("ac compile: %s", err);
    /* One scratch for both: it must serve two matchers after growing. */
    struct lc_scratch *s = NULL;
    assert_int_equal(lc_match_scratch_new(vs, &s), LC_OK);
    assert_int_equal(lc_match_scratch_grow(ac, s), LC_OK);

    struct hits a = {0}, b = {0}, o = {0};
    size_t total = 0, with_hits = 0, pattern_hits = 0, oracle_texts = 0, bytes = 0, scanned = 0;
    bool ok = true;
    for (size_t k = 0; k < ntexts && ok; k++) {
        a.n = b.n = 0;
        assert_int_equal(lc_match_scan(vs, s, texts[k], lens[k], on_hit, &a), LC_OK);
        assert_int_equal(lc_match_scan(ac, s, texts[k], lens[k], on_hit, &b), LC_OK);
        bytes += lens[k];
        scanned++;
        total += a.n;
        with_hits += a.n > 0;
        for (size_t j = 0; j < b.n; j++)
            pattern_hits += b.h[j].id >= PATTERN_IDS;
        if (!same(&a, &b)) {
            report("engines disagree", k, texts[k], lens[k], &a, "vectorscan", &b, "ac");
            oracle(&r, texts[k], lens[k], &o);
            if (!same(&o, &a))
                report("vectorscan is wrong", k, texts[k], lens[k], &o, "oracle", &a,
                       "vectorscan");
            if (!same(&o, &b))
                report("ac is wrong", k, texts[k], lens[k], &o, "oracle", &b, "ac");
            ok = false;
            break;
        }
        for (size_t j = 1; j < b.n; j++)
            if (hit_cmp(&b.h[j - 1], &b.h[j]) >= 0 ||
                (b.h[j - 1].end == b.h[j].end && b.h[j - 1].id == b.h[j].id)) {
                report("hits out of order or repeated", k, texts[k], lens[k], &b, "ac", &b, "ac");
                ok = false;
            }
        if (k < NORACLE) {
            oracle(&r, texts[k], lens[k], &o);
            oracle_texts++;
            if (!same(&o, &b)) {
                report("engines disagree with the oracle", k, texts[k], lens[k], &o, "oracle",
                       &b, "engines");
                ok = false;
            }
        }
    }
    printf("vectorscan scanner: %s\n", lc_match_vectorscan_path());
    printf("seed %#llx: %zu texts (%zu bytes), %zu literals + %zu patterns over %d ids; "
           "%zu hits (%zu of pattern-only ids), %zu texts with hits; %zu texts also "
           "checked by the naive oracle\n",
           (unsigned long long)seed, scanned, bytes, (size_t)NLITS, (size_t)NPATS, NIDS, total,
           pattern_hits, with_hits, oracle_texts);
    free(a.h);
    free(b.h);
    free(o.h);
    lc_match_scratch_free(s);
    lc_match_free(vs);
    lc_match_free(ac);
    free_rules(&r);
    for (size_t k = 0; k < ntexts; k++)
        free(texts[k]);
    free(texts);
    free(lens);
    assert_true(ok);
    /* A corpus without hits, or without pattern hits, would prove nothing. */
    assert_true(with_hits > ntexts / 2);
    assert_true(pattern_hits > 0);
}

/* ---- gated patterns --------------------------------------------------- */

#define GATED_TEXTS 3000
#define GATED_PATS 40
#define GATED_LITS 300
#define GATED_ID0 20000 /* pattern ids, so pattern hits can be counted */

/* characters the corpus alphabet lacks, so only planted ones occur */
static const char *const factors[] = {"q", "vx", "tg", "扣", "企鹅", "薇信"};

static const char *pick_factor(void)
{
    return factors[below(sizeof factors / sizeof factors[0])];
}

/* One pattern source of a shape the gate handles, into buf. */
static void gen_gated(char *buf, size_t cap)
{
    unsigned k = 2 + below(8), r = below(4);
    switch (below(5)) {
    case 0: /* factor, then digits (gated on digits from 4 on) */
        snprintf(buf, cap, "%s\\d{%u,%u}", pick_factor(), k, k + r);
        break;
    case 1: /* factor, then letters and digits: gated on the factor */
        snprintf(buf, cap, "%s[a-h][a-h0-9]{%u,%u}", pick_factor(), k, k + r);
        break;
    case 2: /* digits only */
        snprintf(buf, cap, "[1-9]\\d{%u}", k);
        break;
    case 3: /* digits with an optional letter inside: the longest part counts */
        snprintf(buf, cap, "\\d{2}x?\\d{%u,%u}", k, k + r);
        break;
    default: /* CJK factor, an optional digit, letters */
        snprintf(buf, cap, "%s\\d?[a-d]{2,%u}", below(2) ? "扣" : "企鹅", 2 + r);
        break;
    }
}

/* A text of up to 300 characters, few of them digits (1.3 %), with a few
 * planted digit runs and factors; returns its length. */
static size_t gen_gated_text(char *out)
{
    size_t n = 0, chars = below(301);
    for (size_t c = 0; c < chars; c++) {
        unsigned r = below(1000);
        if (r < 4) { /* a digit run of 1..11 */
            for (unsigned d = 1 + below(11); d > 0; d--)
                out[n++] = (char)('0' + below(10));
        } else if (r < 7) {
            const char *f = pick_factor();
            memcpy(out + n, f, strlen(f));
            n += strlen(f);
        } else if (r < 20) {
            out[n++] = (char)('0' + below(10));
        } else if (r < 600) {
            const char *s = cjk[below(sizeof cjk / sizeof cjk[0])];
            memcpy(out + n, s, strlen(s));
            n += strlen(s);
        } else {
            out[n++] = "abcdefgh"[below(8)];
        }
    }
    out[n] = '\0';
    return n;
}

static void gated_patterns_agree_with_ac_and_the_gate_opens_and_closes(void **state)
{
    if (!lc_match_vectorscan_available())
        skip();
    rng = 0x67617465ull; /* "gate" */
    struct lc_pattern p[GATED_LITS + GATED_PATS];
    char lits[GATED_LITS][32], pats[GATED_PATS][64];
    for (size_t k = 0; k < GATED_LITS; k++) {
        size_t n = 0;
        for (size_t c = 2 + below(3); c > 0; c--)
            n += gen_char(lits[k] + n);
        lits[k][n] = '\0';
        p[k] = (struct lc_pattern){below(NIDS), lits[k], true};
    }
    for (size_t k = 0; k < GATED_PATS; k++) {
        gen_gated(pats[k], sizeof pats[k]);
        p[GATED_LITS + k] = (struct lc_pattern){GATED_ID0 + (unsigned)k, pats[k], false};
    }
    struct lc_matcher *vs = NULL, *ac = NULL;
    char err[256];
    if (lc_match_compile(p, GATED_LITS + GATED_PATS, LC_ENGINE_VECTORSCAN, &vs, err, sizeof err))
        fail_msg("vectorscan compile: %s", err);
    if (lc_match_compile(p, GATED_LITS + GATED_PATS, LC_ENGINE_AC, &ac, err, sizeof err))
        fail_msg("ac compile: %s", err);
    struct lc_match_stats st;
    lc_match_stats(vs, &st);
    assert_false(st.gate_always);
    assert_true(st.gate_digits >= 2 && st.gate_digits <= 4);
    assert_true(st.gate_factors > 0);

    struct lc_scratch *sv = NULL, *sa = NULL;
    assert_int_equal(lc_match_scratch_new(vs, &sv), LC_OK);
    assert_int_equal(lc_match_scratch_new(ac, &sa), LC_OK);
    struct hits a = {0}, b = {0};
    size_t pattern_hits = 0, long_texts = 0;
    char *t = malloc(300 * 12 + 1);
    assert_non_null(t);
    bool ok = true;
    for (size_t k = 0; k < GATED_TEXTS && ok; k++) {
        size_t len = gen_gated_text(t);
        long_texts += len > 240;
        a.n = b.n = 0;
        assert_int_equal(lc_match_scan(vs, sv, t, len, on_hit, &a), LC_OK);
        assert_int_equal(lc_match_scan(ac, sa, t, len, on_hit, &b), LC_OK);
        for (size_t j = 0; j < b.n; j++)
            pattern_hits += b.h[j].id >= GATED_ID0;
        if (!same(&a, &b)) {
            report("engines disagree on gated patterns", k, t, len, &a, "vectorscan", &b, "ac");
            ok = false;
        }
    }
    size_t windows, scans;
    lc_match_scratch_gate_counts(sv, &windows, &scans);
    printf("gated: %d texts (%zu over one window), %zu windows, %zu pattern scans, %zu pattern "
           "hits; gate: %u digits, %zu factors\n",
           GATED_TEXTS, long_texts, windows, scans, pattern_hits, st.gate_digits, st.gate_factors);
    free(t);
    free(a.h);
    free(b.h);
    lc_match_scratch_free(sv);
    lc_match_scratch_free(sa);
    lc_match_free(vs);
    lc_match_free(ac);
    assert_true(ok);
    /* the gate must have been tested both ways, on hits that matter */
    assert_true(scans > windows / 10);
    assert_true(windows - scans > windows / 10);
    assert_true(pattern_hits > 100);
    assert_true(long_texts > GATED_TEXTS / 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vectorscan_and_ac_report_identical_hits_on_random_corpus),
        cmocka_unit_test(gated_patterns_agree_with_ac_and_the_gate_opens_and_closes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
