/* match.c -- the public face of the matcher: validation, engine choice,
 * the Vectorscan engine, scratch management, and the ordering contract.
 *
 * Every expression is checked and parsed here first, the same way for both
 * engines, so an expression that one engine accepts the other accepts too.
 *
 * Vectorscan.  The literals go into one block-mode database and the
 * patterns into a second (see "The pattern gate" below), each expression
 * under its own index as the Vectorscan id (the caller's ids need not be
 * unique, and the index tells us the expression's width).  Literals are
 * spelt as escaped regexes; compiling them with hs_compile_multi costs the
 * same as hs_compile_lit_multi (measured: 100,000 CJK literals in 3 to 4 s
 * either way, against 0.1 s for our automaton).  Nothing
 * uses HS_FLAG_UTF8: text and patterns are treated as bytes, which is what
 * offsets are counted in and makes invalid UTF-8 harmless.  Literals and
 * fixed-width patterns need no start-of-match tracking (start = end -
 * width); only variable-width patterns get HS_FLAG_SOM_LEFTMOST.  Hits are
 * gathered from the callback into the scratch, then sorted by (end, id,
 * start) and cut to one per (id, end): the leftmost start.
 *
 * A self-test guards the Vectorscan runtime.  Debian's 5.4.9 is a "fat"
 * library that dispatches hs_scan to a scanner built for the CPU, and two
 * of those are wrong (found by test_match_diff, reduced by hand): the
 * AVX-512 scanner misses matches such as "6x?" at offset 64 of a longer
 * buffer, with or without SOM, and the AVX2 scanner misses SOM matches such
 * as "a{0,3}b?2{1,4}[0-9]" on "2" "9" after 16 filler bytes.  The SSE4.2
 * (corei7) and SSSE3 (core2) scanners get all of them right, provided the
 * database is compiled for a generic platform (a database compiled for the
 * host may use engines those scanners lack: calling them then crashes).
 * Upstream has since fixed several AVX-512 and AVX2 accelerator bugs
 * (VectorCamp/vectorscan PRs #375, #378, in 5.4.13); whether those cover
 * these cases was not tested here.  So, once per process,
 * pick_scanner() runs probes with known answers through hs_scan; if they
 * fail, it tries the fat runtime's corei7 and then core2 entry points with
 * generic-platform databases; if none passes, Vectorscan counts as
 * unavailable and LC_ENGINE_AUTO falls back to our engine.
 *
 * Windows.  5.4.9 also aborts the process ("buffer overflow detected") in
 * every scanner when a buffer of 256 bytes or more meets certain SOM
 * patterns: \d{2,5}\.{2,5} over any 256 bytes that hold two digits does
 * it, match or not (an unconditional snprintf sized by the input into a
 * 255-byte stack buffer in rvermicelliDoubleExecReal; fixed upstream by
 * VectorCamp/vectorscan PR #392).  The same snprintf reads the buffer as
 * a C string, so it also reads past the end of a text that is not
 * NUL-terminated (found by fuzz_match under ASan).  A chat message could
 * take the server down, so every hs_scan call here gets a copy of at most
 * VS_WINDOW bytes followed by a NUL, in the scratch: a longer
 * text is scanned in windows that overlap by the widest expression, and
 * each window keeps only the hits whose end lies where it holds the whole
 * left context (every possible start), so each (id, end) is reported
 * once, by one window, with its true leftmost start.
 *
 * The pattern gate.  Patterns cost more to scan for than literals, and
 * every text pays for them: with the default packs' 21 contact patterns,
 * 20,000 literals scan a chat message in about 130 ns alone and 200 ns
 * with the patterns, though nearly no message holds a digit run or a
 * contact word.  So literals and patterns go into two databases.  For each
 * pattern, lc_match_pat_gate works out something every match of it holds:
 * a run of k ASCII digits (used when k >= GATE_DIGITS), or else a fixed
 * string (its factor, e.g. "wechat" or 微信), which joins the literal
 * database under an id past the caller's.  A window is scanned with the
 * pattern database only when the gate opens: the literal scan reported a
 * factor, or the window holds a digit run as long as the shortest digit
 * requirement, or some pattern has neither (then always).  Each condition
 * is necessary for its pattern to match inside the window, so the hits are
 * exactly those of one database, only found in two steps. */
#include "match/match.h"

#include <dlfcn.h>
#include <hs/hs.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "match/ac.h"
#include "match/match_priv.h"
#include "match/pattern.h"

/* Largest buffer handed to one hs_scan call; below 5.4.9's 255-byte crash. */
#define VS_WINDOW 240
/* A pattern whose matches all hold this many digits in a row is gated on a
 * digit run; with fewer, on its factor if it has one.  Chat is full of
 * 666, 2333 and prices, and rarely holds five digits in a row. */
#define GATE_DIGITS 4
/* Digit runs are looked for up to this length (a longer requirement is
 * gated on this many, which it implies). */
#define GATE_DIGITS_MAX 16

struct lc_matcher {
    enum lc_engine engine; /* LC_ENGINE_VECTORSCAN or LC_ENGINE_AC */
    size_t n;
    uint32_t maxw; /* widest match of any expression, bytes (<= LC_MATCH_MAX_WIDTH) */
    hs_database_t *db;  /* literals and gate factors; NULL when there are none */
    hs_database_t *pdb; /* patterns, scanned when the gate opens; NULL if none */
    uint32_t gate_digits; /* open on this many digits in a row (0: never) */
    bool gate_always;     /* a pattern has no gate: scan pdb every time */
    size_t ngates;        /* gate factors in db */
    unsigned *uid;     /* Vectorscan id (expression index) -> caller's id;
                          ids from n up are gate factors */
    uint32_t *width;   /* match width in bytes, or 0 when SOM reports the start */
    struct lc_ac *ac;
    double build_seconds;
};

struct lc_scratch {
    hs_scratch_t *hs;  /* grown for every Vectorscan matcher this scratch served */
    struct lc_hit *vh; /* one scan's Vectorscan hits, before ordering */
    size_t vh_len, vh_cap;
    bool vh_oom; /* a hit could not be stored */
    size_t windows, pattern_scans; /* counts, see lc_match_scratch_gate_counts */
    /* the window hs_scan sees, NUL-terminated (see above); the rest is
     * padding the digit-run check may read in 16-byte steps */
    char win[VS_WINDOW + 16];
    struct lc_match_acbuf ac;
};

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t errlen,
                                                          const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

typedef hs_error_t (*scan_fn)(const hs_database_t *db, const char *data, unsigned length,
                              unsigned flags, hs_scratch_t *scratch,
                              match_event_handler on_match, void *ctx);

static pthread_once_t vs_once = PTHREAD_ONCE_INIT;
static scan_fn vs_scan;                   /* NULL: Vectorscan is not usable */
static const hs_platform_info_t *vs_plat; /* platform to compile for; NULL = host */
static hs_platform_info_t vs_generic;     /* what vs_plat points to when not NULL */
static const char *vs_path = "none";      /* which scanner vs_scan is */

struct probe_ctx {
    unsigned long long end;
    unsigned n;
};

static int probe_on_match(unsigned id, unsigned long long from, unsigned long long to,
                          unsigned flags, void *ctx)
{
    struct probe_ctx *c = ctx;
    c->end = to;
    c->n++;
    return 0;
}

/* True when f, scanning databases compiled for plat, finds the one match
 * of each probe wherever it sits in a run of filler: the cases 5.4.9's
 * AVX-512 and AVX2 scanners get wrong, with and without SOM. */
static bool probe(scan_fn f, const hs_platform_info_t *plat)
{
    static const struct {
        const char *re, *body; /* body is planted in 'x' filler */
        unsigned len;          /* bytes of body the match covers */
    } cases[] = {
        {"6y?", "68", 1},
        {"[0-9_a]?67?", "68", 1},
        {"a{0,3}b?2{1,4}[0-9]", "29", 2},
        {"68", "68", 2},
    };
    hs_database_t *db = NULL;
    hs_scratch_t *scr = NULL;
    hs_compile_error_t *cerr = NULL;
    char buf[256];
    bool ok = true;
    for (size_t k = 0; ok && k < 2 * sizeof cases / sizeof cases[0]; k++) {
        const char *re = cases[k / 2].re;
        unsigned flags = k % 2 ? HS_FLAG_SOM_LEFTMOST : 0;
        if (hs_compile(re, flags, HS_MODE_BLOCK, plat, &db, &cerr) != HS_SUCCESS ||
            hs_alloc_scratch(db, &scr) != HS_SUCCESS) {
            ok = false;
            break;
        }
        for (unsigned at = 0; ok && at < 160; at++)
            for (unsigned tail = 0; ok && tail < 80; tail += tail < 3 ? 1 : 11) {
                memset(buf, 'x', sizeof buf);
                memcpy(buf + at, cases[k / 2].body, 2);
                struct probe_ctx c = {0, 0};
                ok = f(db, buf, at + 2 + tail, 0, scr, probe_on_match, &c) == HS_SUCCESS &&
                     c.n == 1 && c.end == at + cases[k / 2].len;
            }
        hs_free_scratch(scr);
        hs_free_database(db);
        scr = NULL;
        db = NULL;
    }
    if (cerr)
        hs_free_compile_error(cerr);
    hs_free_scratch(scr);
    hs_free_database(db);
    return ok;
}

#if defined(__x86_64__)
/* An entry point of the x86 fat runtime, if this library is one. */
static scan_fn fat_entry(const char *name)
{
    void *sym = dlsym(RTLD_DEFAULT, name);
    scan_fn f = NULL;
    if (sym)
        memcpy(&f, &sym, sizeof f);
    return f;
}
#endif

static void pick_scanner(void)
{
    if (hs_valid_platform() != HS_SUCCESS)
        return;
    if (probe(hs_scan, NULL)) {
        vs_scan = hs_scan;
        vs_path = "hs_scan";
        return;
    }
#if defined(__x86_64__)
    if (hs_populate_platform(&vs_generic) == HS_SUCCESS) {
        vs_generic.tune = HS_TUNE_FAMILY_GENERIC;
        vs_generic.cpu_features = 0;
        scan_fn f;
        __builtin_cpu_init();
        if (__builtin_cpu_supports("sse4.2") && (f = fat_entry("corei7_hs_scan")) &&
            probe(f, &vs_generic)) {
            vs_scan = f;
            vs_plat = &vs_generic;
            vs_path = "corei7_hs_scan (hs_scan failed the self-test)";
            return;
        }
        if (__builtin_cpu_supports("ssse3") && (f = fat_entry("core2_hs_scan")) &&
            probe(f, &vs_generic)) {
            vs_scan = f;
            vs_plat = &vs_generic;
            vs_path = "core2_hs_scan (hs_scan failed the self-test)";
            return;
        }
    }
#endif
    vs_path = "none (every scanner failed the self-test)";
}

bool lc_match_vectorscan_available(void)
{
    pthread_once(&vs_once, pick_scanner);
    return vs_scan != NULL;
}

const char *lc_match_vectorscan_path(void)
{
    pthread_once(&vs_once, pick_scanner);
    return vs_path;
}

void lc_match_free(struct lc_matcher *m)
{
    if (!m)
        return;
    hs_free_database(m->db);
    hs_free_database(m->pdb);
    free(m->uid);
    free(m->width);
    lc_match_ac_free(m->ac);
    free(m);
}

enum lc_engine lc_match_engine(const struct lc_matcher *m)
{
    return m->engine;
}

/* Compiles exprs[0..n) into *db (left NULL when n is 0). */
static enum lc_err compile_db(char **exprs, unsigned *flags, unsigned *ids, size_t n,
                              const size_t *index, hs_database_t **db, char *err, size_t errlen)
{
    hs_compile_error_t *cerr = NULL;
    if (!n)
        return LC_OK;
    hs_error_t rc = hs_compile_multi((const char *const *)exprs, flags, ids, (unsigned)n,
                                     HS_MODE_BLOCK, vs_plat, db, &cerr);
    if (rc == HS_SUCCESS)
        return LC_OK;
    *db = NULL;
    const char *why = cerr && cerr->message ? cerr->message : "compile failed";
    if (cerr && cerr->expression >= 0 && (size_t)cerr->expression < n)
        set_err(err, errlen, "pattern %zu: vectorscan: %s", index[cerr->expression], why);
    else
        set_err(err, errlen, "vectorscan: %s", why);
    if (cerr)
        hs_free_compile_error(cerr);
    return rc == HS_NOMEM ? LC_ENOMEM : LC_EINVAL;
}

/* The gate of one pattern (see the top of the file): its digit requirement
 * joins m->gate_digits, or its factor joins the literal list as id
 * m->n + *ngates, or it has none and the patterns are scanned always. */
static enum lc_err add_gate(struct lc_matcher *m, const struct lc_match_pat *pat, char **lexprs,
                            unsigned *lids, size_t *nl, size_t *ngates)
{
    struct lc_match_gate g;
    lc_match_pat_gate(pat, &g);
    if (g.digits >= GATE_DIGITS || (g.digits && !g.flen)) {
        uint32_t d = g.digits < GATE_DIGITS_MAX ? g.digits : GATE_DIGITS_MAX;
        if (!m->gate_digits || d < m->gate_digits)
            m->gate_digits = d;
        return LC_OK;
    }
    if (!g.flen) {
        m->gate_always = true;
        return LC_OK;
    }
    if (!(lexprs[*nl] = lc_match_lit_regex(g.factor, g.flen)))
        return LC_ENOMEM;
    lids[(*nl)++] = (unsigned)(m->n + (*ngates)++);
    return LC_OK;
}

static enum lc_err build_vectorscan(struct lc_matcher *m, const struct lc_pattern *p, size_t n,
                                    const struct lc_match_pat *pats, char *err, size_t errlen)
{
    enum lc_err e = LC_ENOMEM;
    /* literals and gate factors (at most one per pattern), then patterns */
    char **lexprs = calloc(n, sizeof *lexprs), **pexprs = calloc(n, sizeof *pexprs);
    unsigned *lids = calloc(n, sizeof *lids), *pids = calloc(n, sizeof *pids);
    unsigned *lflags = calloc(n, sizeof *lflags), *pflags = calloc(n, sizeof *pflags);
    size_t *lidx = calloc(n, sizeof *lidx), *pidx = calloc(n, sizeof *pidx);
    size_t nl = 0, np = 0, ngates = 0;
    m->uid = calloc(n, sizeof *m->uid);
    m->width = calloc(n, sizeof *m->width);
    if (!lexprs || !pexprs || !lids || !pids || !lflags || !pflags || !lidx || !pidx || !m->uid ||
        !m->width)
        goto out;
    for (size_t k = 0; k < n; k++) {
        m->uid[k] = p[k].id;
        if (p[k].literal) {
            size_t len = strlen(p[k].expr);
            lidx[nl] = k;
            lids[nl] = (unsigned)k;
            if (!(lexprs[nl++] = lc_match_lit_regex((const uint8_t *)p[k].expr, len)))
                goto out;
            m->width[k] = (uint32_t)len;
            if (len > m->maxw)
                m->maxw = (uint32_t)len;
            continue;
        }
        pidx[np] = k;
        pids[np] = (unsigned)k;
        if (!(pexprs[np] = lc_match_pat_regex(&pats[k])))
            goto out;
        if (pats[k].maxw > m->maxw)
            m->maxw = pats[k].maxw;
        if (pats[k].minw == pats[k].maxw)
            m->width[k] = pats[k].minw;
        else
            pflags[np] = HS_FLAG_SOM_LEFTMOST;
        np++;
        lidx[nl] = k; /* a factor that fails to compile is its pattern's fault */
        if ((e = add_gate(m, &pats[k], lexprs, lids, &nl, &ngates)) != LC_OK)
            goto out;
        e = LC_ENOMEM; /* what the gotos above mean */
    }
    m->ngates = ngates;
    if ((e = compile_db(pexprs, pflags, pids, np, pidx, &m->pdb, err, errlen)) != LC_OK ||
        (e = compile_db(lexprs, lflags, lids, nl, lidx, &m->db, err, errlen)) != LC_OK)
        goto out;
out:
    for (size_t k = 0; k < n && lexprs && pexprs; k++) {
        free(lexprs[k]);
        free(pexprs[k]);
    }
    free(lexprs);
    free(pexprs);
    free(lids);
    free(pids);
    free(lflags);
    free(pflags);
    free(lidx);
    free(pidx);
    return e;
}

static enum lc_err build_ac(struct lc_matcher *m, const struct lc_pattern *p, size_t n,
                            const struct lc_match_pat *pats)
{
    size_t nl = 0, np = 0;
    for (size_t k = 0; k < n; k++)
        nl += p[k].literal;
    np = n - nl;
    struct lc_match_lit *lits = malloc((nl ? nl : 1) * sizeof *lits);
    struct lc_match_patin *pins = malloc((np ? np : 1) * sizeof *pins);
    enum lc_err e = LC_ENOMEM;
    if (!lits || !pins)
        goto out;
    nl = np = 0;
    for (size_t k = 0; k < n; k++) {
        if (p[k].literal)
            lits[nl++] = (struct lc_match_lit){(const uint8_t *)p[k].expr,
                                               (uint32_t)strlen(p[k].expr), p[k].id};
        else
            pins[np++] = (struct lc_match_patin){&pats[k], p[k].id};
    }
    e = lc_match_ac_build(lits, nl, pins, np, &m->ac);
out:
    free(lits);
    free(pins);
    return e;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum lc_err lc_match_compile(const struct lc_pattern *p, size_t n, enum lc_engine engine,
                             struct lc_matcher **out, char *err, size_t errlen)
{
    struct lc_match_pat *pats = NULL;
    struct lc_matcher *m = NULL;
    enum lc_err e = LC_EINVAL;
    double t0 = now_seconds();

    if (err && errlen)
        err[0] = '\0';
    if (!out || (n && !p)) {
        set_err(err, errlen, "no patterns given");
        goto out;
    }
    if (n > UINT32_MAX / 4) {
        set_err(err, errlen, "too many patterns (%zu)", n);
        e = LC_ETOOBIG;
        goto out;
    }
    if (engine == LC_ENGINE_AUTO)
        engine = lc_match_vectorscan_available() ? LC_ENGINE_VECTORSCAN : LC_ENGINE_AC;
    else if (engine == LC_ENGINE_VECTORSCAN && !lc_match_vectorscan_available()) {
        set_err(err, errlen, "Vectorscan is not usable here: %s", lc_match_vectorscan_path());
        goto out;
    } else if (engine != LC_ENGINE_VECTORSCAN && engine != LC_ENGINE_AC) {
        set_err(err, errlen, "unknown engine %d", (int)engine);
        goto out;
    }

    pats = calloc(n ? n : 1, sizeof *pats);
    if (!pats) {
        e = LC_ENOMEM;
        goto out;
    }
    for (size_t k = 0; k < n; k++) {
        if (!p[k].expr) {
            set_err(err, errlen, "pattern %zu: no expression", k);
            e = LC_EINVAL;
            goto out;
        }
        if (p[k].literal) {
            size_t len = strlen(p[k].expr);
            if (len == 0) {
                set_err(err, errlen, "pattern %zu: empty literal", k);
                e = LC_EINVAL;
                goto out;
            }
            if (len > LC_MATCH_MAX_LIT) {
                set_err(err, errlen, "pattern %zu: literal longer than %d bytes", k,
                        LC_MATCH_MAX_LIT);
                e = LC_EINVAL;
                goto out;
            }
        } else {
            e = lc_match_pat_parse(p[k].expr, k, &pats[k], err, errlen);
            if (e != LC_OK)
                goto out;
        }
    }

    m = calloc(1, sizeof *m);
    if (!m) {
        e = LC_ENOMEM;
        goto out;
    }
    m->engine = engine;
    m->n = n;
    if (engine == LC_ENGINE_VECTORSCAN)
        e = n ? build_vectorscan(m, p, n, pats, err, errlen) : LC_OK;
    else
        e = build_ac(m, p, n, pats);
    if (e != LC_OK) {
        if (e == LC_ENOMEM && err && errlen && !err[0])
            set_err(err, errlen, "out of memory");
        else if (e == LC_ETOOBIG && err && errlen && !err[0])
            set_err(err, errlen, "the patterns are too large for the automaton");
        goto out;
    }
    m->build_seconds = now_seconds() - t0;
    *out = m;
    m = NULL;
out:
    if (pats)
        for (size_t k = 0; k < n; k++)
            lc_match_pat_cleanup(&pats[k]);
    free(pats);
    lc_match_free(m);
    return e;
}

/* ---- scratch ----------------------------------------------------------- */

enum lc_err lc_match_scratch_grow(const struct lc_matcher *m, struct lc_scratch *s)
{
    if (!m || !s)
        return LC_EINVAL;
    if (m->engine == LC_ENGINE_VECTORSCAN) {
        hs_error_t rc = HS_SUCCESS;
        if (m->db)
            rc = hs_alloc_scratch(m->db, &s->hs);
        if (rc == HS_SUCCESS && m->pdb)
            rc = hs_alloc_scratch(m->pdb, &s->hs);
        if (rc == HS_SUCCESS)
            return LC_OK;
        return rc == HS_NOMEM ? LC_ENOMEM : LC_EIO;
    }
    return lc_match_acbuf_fit(&s->ac, m->ac);
}

enum lc_err lc_match_scratch_new(const struct lc_matcher *m, struct lc_scratch **out)
{
    if (!out)
        return LC_EINVAL;
    struct lc_scratch *s = calloc(1, sizeof *s);
    if (!s)
        return LC_ENOMEM;
    if (m) {
        enum lc_err e = lc_match_scratch_grow(m, s);
        if (e != LC_OK) {
            lc_match_scratch_free(s);
            return e;
        }
    }
    *out = s;
    return LC_OK;
}

void lc_match_scratch_free(struct lc_scratch *s)
{
    if (!s)
        return;
    hs_free_scratch(s->hs);
    free(s->vh);
    lc_match_acbuf_cleanup(&s->ac);
    free(s);
}

/* ---- scan -------------------------------------------------------------- */

struct vs_ctx {
    const struct lc_matcher *m;
    struct lc_scratch *s;
    uint32_t base;   /* offset of the window in the text */
    uint64_t lo, hi; /* keep hits with lo <= end < hi (text offsets) */
    bool gate;       /* a gate factor occurs in the window */
};

static int vs_on_match(unsigned idx, unsigned long long from, unsigned long long to,
                       unsigned flags, void *ctx)
{
    struct vs_ctx *c = ctx;
    struct lc_scratch *s = c->s;
    if (idx >= c->m->n) {
        /* a gate factor, wherever it lies in the window: a pattern match
         * that this window keeps may start before lo */
        c->gate = true;
        return 0;
    }
    uint32_t end = c->base + (uint32_t)to;
    if (end < c->lo || end >= c->hi)
        return 0;
    if (s->vh_len == s->vh_cap) {
        size_t cap = s->vh_cap ? s->vh_cap * 2 : 64;
        struct lc_hit *h = realloc(s->vh, cap * sizeof *h);
        if (!h) {
            s->vh_oom = true;
            return 1;
        }
        s->vh = h;
        s->vh_cap = cap;
    }
    uint32_t w = c->m->width[idx];
    s->vh[s->vh_len++] =
        (struct lc_hit){c->m->uid[idx], w ? end - w : c->base + (uint32_t)from, end};
    return 0;
}

static int vh_cmp(const void *a, const void *b)
{
    const struct lc_hit *x = a, *y = b;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return (x->start > y->start) - (x->start < y->start);
}

/* Does w[0..len) hold k ASCII digits in a row (1 <= k <= GATE_DIGITS_MAX)?
 * w is readable, and defined, up to the next multiple of 16 past len. */
static bool digit_run(const char *w, uint32_t len, uint32_t k)
{
    if (len < k)
        return false;
#if defined(__SSE2__)
    /* 16 bytes at a time: bit j of cur says byte j is a digit; a run of k
     * ending in this block lies within it and the block before (k <= 16) */
    const __m128i zero = _mm_setzero_si128(), d0 = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9);
    uint32_t prev = 0;
    for (uint32_t i = 0; i < len; i += 16) {
        __m128i b = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(const void *)(w + i)), d0);
        uint32_t cur = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_subs_epu8(b, nine), zero));
        if (len - i < 16)
            cur &= (1u << (len - i)) - 1;
        uint32_t x = prev | (cur << 16);
        for (uint32_t j = 1; j < k && x; j++)
            x &= x >> 1;
        if (x)
            return true;
        prev = cur;
    }
    return false;
#else
    uint32_t run = 0;
    for (uint32_t i = 0; i < len; i++) {
        run = (unsigned char)w[i] - '0' < 10u ? run + 1 : 0;
        if (run >= k)
            return true;
    }
    return false;
#endif
}

static enum lc_err vs_err(hs_error_t rc)
{
    if (rc == HS_INVALID)
        return LC_EINVAL; /* the scratch was not grown for this database */
    if (rc == HS_SCRATCH_IN_USE)
        return LC_EBUSY;
    if (rc == HS_NOMEM)
        return LC_ENOMEM;
    return LC_EIO;
}

/* One window, s->win[0..wlen): the literal database, then the patterns if
 * the gate opens. */
static enum lc_err scan_window(const struct lc_matcher *m, struct lc_scratch *s, uint32_t wlen,
                               struct vs_ctx *c)
{
    hs_error_t rc = HS_SUCCESS;
    s->windows++;
    if (m->db)
        rc = vs_scan(m->db, s->win, wlen, 0, s->hs, vs_on_match, c);
    if (rc == HS_SUCCESS && !s->vh_oom && m->pdb &&
        (c->gate || m->gate_always || (m->gate_digits && digit_run(s->win, wlen, m->gate_digits)))) {
        s->pattern_scans++;
        rc = vs_scan(m->pdb, s->win, wlen, 0, s->hs, vs_on_match, c);
    }
    if (s->vh_oom)
        return LC_ENOMEM;
    return rc == HS_SUCCESS ? LC_OK : vs_err(rc);
}

static enum lc_err scan_vectorscan(const struct lc_matcher *m, struct lc_scratch *s,
                                   const char *text, uint32_t len, lc_hit_fn fn, void *ctx)
{
    if (!m->db && !m->pdb)
        return LC_OK;
    s->vh_len = 0;
    s->vh_oom = false;
    /* Window k starts at a_k = k * step and keeps ends in [a_k + maxw,
     * a_k + VS_WINDOW + 1): every start of such a match is inside it, and
     * the next window takes over exactly where it stops. */
    uint32_t step = VS_WINDOW + 1 - m->maxw;
    for (uint32_t a = 0;; a += step) {
        uint32_t wlen = len - a < VS_WINDOW ? len - a : VS_WINDOW;
        bool last = a + wlen == len;
        struct vs_ctx c = {m, s, a, a ? (uint64_t)a + m->maxw : 0,
                           last ? UINT64_MAX : (uint64_t)a + step + m->maxw, false};
        if (wlen)
            memcpy(s->win, text + a, wlen);
        s->win[wlen] = '\0';
        enum lc_err e = scan_window(m, s, wlen, &c);
        if (e != LC_OK)
            return e;
        if (last)
            break;
    }

    struct lc_hit *h = s->vh;
    size_t n = s->vh_len;
    for (size_t k = 1; k < n; k++)
        if (vh_cmp(&h[k - 1], &h[k]) > 0) {
            qsort(h, n, sizeof *h, vh_cmp);
            break;
        }
    for (size_t k = 0; k < n; k++) {
        if (k && h[k].end == h[k - 1].end && h[k].id == h[k - 1].id)
            continue;
        if (fn(ctx, &h[k]))
            break;
    }
    return LC_OK;
}

enum lc_err lc_match_scan(const struct lc_matcher *m, struct lc_scratch *s, const char *text,
                          size_t len, lc_hit_fn fn, void *ctx)
{
    if (!m || !s || !fn || (!text && len))
        return LC_EINVAL;
    if (len > UINT32_MAX)
        return LC_ETOOBIG;
    if (m->engine == LC_ENGINE_VECTORSCAN)
        return scan_vectorscan(m, s, text, (uint32_t)len, fn, ctx);
    return lc_match_ac_scan(m->ac, &s->ac, (const uint8_t *)text, (uint32_t)len, fn, ctx);
}

/* ---- private: figures for benchmarks ----------------------------------- */

void lc_match_stats(const struct lc_matcher *m, struct lc_match_stats *st)
{
    memset(st, 0, sizeof *st);
    st->build_seconds = m->build_seconds;
    if (m->engine == LC_ENGINE_VECTORSCAN) {
        size_t sz = 0;
        if (m->db && hs_database_size(m->db, &sz) == HS_SUCCESS)
            st->bytes = sz;
        if (m->pdb && hs_database_size(m->pdb, &sz) == HS_SUCCESS)
            st->bytes += sz;
        st->bytes += m->n * (sizeof *m->uid + sizeof *m->width);
        st->gate_digits = m->gate_digits;
        st->gate_factors = m->ngates;
        st->gate_always = m->gate_always;
    } else {
        st->bytes = lc_match_ac_footprint(m->ac);
        lc_match_ac_stats(m->ac, &st->states, &st->slots);
    }
}

void lc_match_scratch_gate_counts(const struct lc_scratch *s, size_t *windows,
                                  size_t *pattern_scans)
{
    *windows = s->windows;
    *pattern_scans = s->pattern_scans;
}

size_t lc_match_scratch_bytes(const struct lc_scratch *s)
{
    size_t sz = 0;
    if (s->hs && hs_scratch_size(s->hs, &sz) != HS_SUCCESS)
        sz = 0;
    return sz + s->vh_cap * sizeof *s->vh + lc_match_acbuf_size(&s->ac);
}
