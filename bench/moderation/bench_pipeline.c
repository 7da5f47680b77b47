/* bench_pipeline.c -- one engine of the moderation benchmark per process.
 *
 *   bench_pipeline MODE PACKDIR MESSAGES LISTINGS [--max N] [--reps R]
 *                  [--planted FILE] [--out-lits F] [--out-msgs F] [--out-listings F]
 *                  [--same-path 0|1] [--no-som 0|1] [--only verdict|full|json|full-jansson|normalise]
 *
 * MODE
 *   pipeline        lc_rules_load(PACKDIR, LC_ENGINE_AUTO) and lc_rules_scan on
 *                   the raw messages: verdict only; verdict then explanations
 *                   (lc_rules_explain: the hits as JSON text, from the scan
 *                   just made) for the messages that do not pass; the same
 *                   with explanations the older way (a second lc_rules_scan
 *                   for the jansson hits array, then json_dumps); explanations
 *                   for every message; a normalise-only pass; the listings.
 *   pipeline-ac     the same with LC_ENGINE_AC (our own Aho-Corasick), for scale.
 *   lcmatch         lc_match_compile + lc_match_scan (the matcher layer, with
 *                   its hit ordering) on pre-normalised messages.
 *   vectorscan      raw Vectorscan: the pipeline's expression set (rule
 *                   literals, allow words, context and domain cues, all
 *                   normalised; patterns as written) in one hs_compile_multi
 *                   block database, flags as src/match uses them; hs_scan over
 *                   pre-normalised messages, one scratch, a callback that counts.
 *   vectorscan-lit  raw Vectorscan, literals only, hs_compile_lit_multi.
 *                   Both raw modes use hs_scan, the library's own dispatch, with
 *                   databases for the host; --same-path 1 uses instead the
 *                   scanner and platform the pipeline's self-test chose;
 *                   --no-som 1 compiles the variable-width patterns without
 *                   HS_FLAG_SOM_LEFTMOST (to see what start-of-match costs).
 *   ab              pipeline and raw Vectorscan (as above) in one process,
 *                   taking turns on chunks of the corpus: the ratio of the two
 *                   (see ab_run), robust against a shared machine's drift.
 *   dump            writes the normalised literal set (deduplicated, one per
 *                   line) and the pre-normalised messages and listings, for the
 *                   npm peers.
 *
 * --only (pipeline modes, for profilers): after the build and one warm-up
 * pass, runs only that kind of pass --reps times and exits, printing nothing.
 *
 * Pre-normalising (lcmatch, vectorscan*, dump) is done before any timing.
 * Every timed pass is run --reps times (default 3) after a warm-up pass; the
 * median is reported.  The last stdout line is "RESULT {json}"; progress goes
 * to stderr.  Memory: VmRSS once the corpus is in memory (and pre-normalised),
 * VmRSS after the build, VmHWM at the end: each engine runs in its own
 * process, so peaks do not mix. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <hs/hs.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <dlfcn.h>
#include <time.h>

#include "match/match.h"
#include "match/match_priv.h"
#include "match/pattern.h"
#include "rules/rules.h"
#include "text/text.h"

/* ---- small utilities --------------------------------------------------- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *fmt, const char *a)
{
    fprintf(stderr, "bench_pipeline: ");
    fprintf(stderr, fmt, a);
    fprintf(stderr, "\n");
    exit(2);
}

/* kB from /proc/self/status: "VmRSS" or "VmHWM". */
static long proc_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long v = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
            v = strtol(line + kl + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (!b || fread(b, 1, (size_t)n, f) != (size_t)n)
        die("cannot read %s", path);
    b[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return b;
}

struct corpus {
    char *buf;
    size_t n;
    const char **p;
    uint32_t *len;
    size_t bytes;
};

/* One item per line; the newline is not part of the item. */
static void corpus_load(struct corpus *c, const char *path, size_t max)
{
    size_t blen;
    c->buf = read_file(path, &blen);
    size_t cap = 1024;
    c->p = malloc(cap * sizeof *c->p);
    c->len = malloc(cap * sizeof *c->len);
    c->n = 0;
    c->bytes = 0;
    for (size_t i = 0; i < blen && c->n < max;) {
        char *nl = memchr(c->buf + i, '\n', blen - i);
        size_t e = nl ? (size_t)(nl - c->buf) : blen;
        if (c->n == cap) {
            cap *= 2;
            c->p = realloc(c->p, cap * sizeof *c->p);
            c->len = realloc(c->len, cap * sizeof *c->len);
        }
        c->buf[e] = '\0';
        c->p[c->n] = c->buf + i;
        c->len[c->n] = (uint32_t)(e - i);
        c->bytes += e - i;
        c->n++;
        i = e + 1;
    }
}

/* A corpus normalised with lc_text_normalize into one buffer. */
static void corpus_normalise(const struct corpus *in, struct corpus *out)
{
    struct lc_norm nm;
    lc_norm_init(&nm);
    size_t cap = in->bytes + in->n + 16, used = 0;
    out->buf = malloc(cap);
    out->p = malloc(in->n * sizeof *out->p);
    out->len = malloc(in->n * sizeof *out->len);
    out->n = in->n;
    out->bytes = 0;
    size_t *off = malloc(in->n * sizeof *off);
    for (size_t i = 0; i < in->n; i++) {
        size_t bad;
        if (lc_text_normalize(in->p[i], in->len[i], &nm, &bad) != LC_OK)
            die("message does not normalise: %s", in->p[i]);
        if (used + nm.len + 1 > cap) {
            cap = (used + nm.len + 1) * 2;
            out->buf = realloc(out->buf, cap);
        }
        memcpy(out->buf + used, nm.text, nm.len);
        out->buf[used + nm.len] = '\0';
        off[i] = used;
        out->len[i] = (uint32_t)nm.len;
        out->bytes += nm.len;
        used += nm.len + 1;
    }
    for (size_t i = 0; i < in->n; i++)
        out->p[i] = out->buf + off[i];
    free(off);
    lc_norm_cleanup(&nm);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Timed passes: wall clock and this process's CPU time.  Rates are per
 * CPU-second (the machine is shared; pinned to one core, CPU time is the time
 * the pass really had the core); the wall figure is kept, and wall/cpu shows
 * how much others took. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define MAXREPS 50
static double tw[MAXREPS], tc[MAXREPS], tw0, tc0, g_wall;

static void tstart(void)
{
    tw0 = now();
    tc0 = cpu_now();
}

static void tstop(int r)
{
    tc[r] = cpu_now() - tc0;
    tw[r] = now() - tw0;
}

/* Median CPU seconds of reps passes; the median wall time goes to g_wall. */
static double tfinish(int reps)
{
    g_wall = median(tw, reps);
    return median(tc, reps);
}

/* ---- result line ------------------------------------------------------- */

static json_t *result;

static void put_num(json_t *o, const char *k, double v)
{
    json_object_set_new(o, k, json_real(v));
}

/* A timed pass: median seconds over reps, items, bytes. */
static json_t *pass_json(double secs, size_t items, size_t bytes)
{
    json_t *o = json_object();
    put_num(o, "cpu_seconds", secs);
    put_num(o, "wall_seconds", g_wall);
    put_num(o, "items_per_s", items / secs);
    put_num(o, "mb_per_s", bytes / secs / 1e6);
    put_num(o, "ns_per_item", secs * 1e9 / items);
    put_num(o, "wall_items_per_s", items / g_wall);
    return o;
}

static void report(const char *what, double secs, size_t items, size_t bytes)
{
    fprintf(stderr, "  %-28s %10.0f items/s %9.1f MB/s %8.1f ns/item (wall/cpu %.2f)\n", what,
            items / secs, bytes / secs / 1e6, secs * 1e9 / items, g_wall / secs);
}

/* ---- the expressions of a pack folder ---------------------------------- */

struct expr {
    char *text; /* normalised literal, or pattern source */
    size_t len;
    bool literal;
};

static struct expr *ex;
static size_t nex, capex;

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_expr(const char *t, size_t len, bool literal)
{
    if (nex == capex) {
        capex = capex ? capex * 2 : 1024;
        ex = realloc(ex, capex * sizeof *ex);
    }
    ex[nex].text = strndup(t, len);
    ex[nex].len = len;
    ex[nex].literal = literal;
    nex++;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t';
}

/* Reads every *.rules file in dir, in name order, and collects the
 * expressions lc_rules_load would compile, lines parsed the same way
 * (src/rules/parse.c: '#' comments, a '#' after white space ends the line). */
static void load_exprs(const char *dir, size_t *nrule_lits)
{
    DIR *d = opendir(dir);
    if (!d)
        die("cannot open %s", dir);
    char **names = NULL;
    size_t nn = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l > 6 && strcmp(de->d_name + l - 6, ".rules") == 0) {
            names = realloc(names, (nn + 1) * sizeof *names);
            names[nn++] = strdup(de->d_name);
        }
    }
    closedir(d);
    qsort(names, nn, sizeof *names, cmp_name);
    struct lc_norm nm;
    lc_norm_init(&nm);
    *nrule_lits = 0;
    for (size_t f = 0; f < nn; f++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[f]);
        size_t blen;
        char *b = read_file(path, &blen);
        for (char *line = b; line && *line;) {
            char *nl = strchr(line, '\n');
            if (nl)
                *nl = '\0';
            size_t n = strlen(line);
            if (n && line[n - 1] == '\r')
                line[--n] = '\0';
            size_t i = 0;
            while (i < n && is_ws(line[i]))
                i++;
            if (i < n && line[i] != '#') {
                size_t end = n;
                for (size_t k = i + 1; k < n; k++)
                    if (line[k] == '#' && is_ws(line[k - 1])) {
                        end = k;
                        break;
                    }
                while (end > i && is_ws(line[end - 1]))
                    end--;
                size_t kend = i;
                while (kend < end && !is_ws(line[kend]))
                    kend++;
                size_t v = kend;
                while (v < end && is_ws(line[v]))
                    v++;
                size_t kl = kend - i;
                const char *kw = line + i;
                bool lit = (kl == 7 && !memcmp(kw, "literal", 7)) ||
                           (kl == 5 && !memcmp(kw, "allow", 5)) || (kl == 3 && !memcmp(kw, "cue", 3));
                bool pat = kl == 7 && !memcmp(kw, "pattern", 7);
                if (lit) {
                    size_t bad;
                    if (lc_text_normalize(line + v, end - v, &nm, &bad) != LC_OK || !nm.len)
                        die("bad literal in %s", path);
                    add_expr(nm.text, nm.len, true);
                    if (kl == 7)
                        (*nrule_lits)++;
                } else if (pat) {
                    add_expr(line + v, end - v, false);
                }
            }
            line = nl ? nl + 1 : NULL;
        }
        free(b);
        free(names[f]);
    }
    free(names);
    lc_norm_cleanup(&nm);
}

/* ---- raw Vectorscan ---------------------------------------------------- */

/* Which scanner raw Vectorscan uses: the library's own dispatch (hs_scan,
 * databases for the host) by default; with --same-path, the scanner the
 * pipeline's self-test chose (src/match/match.c: on CPUs where the AVX-512 or
 * AVX2 scanner of 5.4.9 fails its probes, the fat runtime's corei7 or core2
 * entry with databases compiled for a generic platform). */
typedef hs_error_t (*scan_fn)(const hs_database_t *, const char *, unsigned, unsigned,
                              hs_scratch_t *, match_event_handler, void *);
static scan_fn raw_scan = hs_scan;
static const hs_platform_info_t *raw_plat;
static hs_platform_info_t raw_generic;
static const char *raw_path = "hs_scan";
static bool raw_no_som; /* --no-som 1: patterns without HS_FLAG_SOM_LEFTMOST (what SOM costs) */

static void use_same_path(void)
{
    const char *p = lc_match_vectorscan_path();
    const char *entry = !strncmp(p, "corei7", 6) ? "corei7_hs_scan"
                        : !strncmp(p, "core2", 5) ? "core2_hs_scan"
                                                  : NULL;
    if (!entry)
        return; /* the pipeline uses hs_scan too */
    void *sym = dlsym(RTLD_DEFAULT, entry);
    if (!sym || hs_populate_platform(&raw_generic) != HS_SUCCESS)
        die("cannot use %s", entry);
    memcpy(&raw_scan, &sym, sizeof raw_scan);
    raw_generic.tune = HS_TUNE_FAMILY_GENERIC;
    raw_generic.cpu_features = 0;
    raw_plat = &raw_generic;
    raw_path = entry;
}

static int count_cb(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *ctx)
{
    (*(size_t *)ctx)++;
    return 0;
}

static char *lit_regex(const char *s, size_t len)
{
    char *r = malloc(len * 4 + 1), *q = r;
    for (size_t i = 0; i < len; i++)
        q += sprintf(q, "\\x%02x", (unsigned char)s[i]);
    *q = '\0';
    return r;
}

static hs_database_t *build_hs(bool lit_api, size_t *nexpr_out)
{
    hs_database_t *db = NULL;
    hs_compile_error_t *cerr = NULL;
    size_t n = 0;
    unsigned *flags = calloc(nex, sizeof *flags), *ids = calloc(nex, sizeof *ids);
    hs_error_t rc;
    if (lit_api) {
        const char **lits = calloc(nex, sizeof *lits);
        size_t *lens = calloc(nex, sizeof *lens);
        for (size_t k = 0; k < nex; k++)
            if (ex[k].literal) {
                lits[n] = ex[k].text;
                lens[n] = ex[k].len;
                ids[n] = (unsigned)k;
                n++;
            }
        rc = hs_compile_lit_multi(lits, flags, ids, lens, (unsigned)n, HS_MODE_BLOCK, raw_plat,
                                  &db, &cerr);
        free(lits);
        free(lens);
    } else {
        char **re = calloc(nex, sizeof *re);
        for (size_t k = 0; k < nex; k++) {
            ids[k] = (unsigned)k;
            if (ex[k].literal) {
                re[k] = lit_regex(ex[k].text, ex[k].len);
            } else {
                struct lc_match_pat p;
                char err[200];
                if (lc_match_pat_parse(ex[k].text, k, &p, err, sizeof err) != LC_OK)
                    die("pattern: %s", err);
                re[k] = lc_match_pat_regex(&p);
                if (p.minw != p.maxw && !raw_no_som)
                    flags[k] = HS_FLAG_SOM_LEFTMOST;
                lc_match_pat_cleanup(&p);
            }
        }
        n = nex;
        rc = hs_compile_multi((const char *const *)re, flags, ids, (unsigned)n, HS_MODE_BLOCK,
                              raw_plat, &db, &cerr);
        for (size_t k = 0; k < nex; k++)
            free(re[k]);
        free(re);
    }
    if (rc != HS_SUCCESS)
        die("hs_compile: %s", cerr && cerr->message ? cerr->message : "failed");
    free(flags);
    free(ids);
    *nexpr_out = n;
    return db;
}

/* Messages joined with '\n' in groups of BATCH, one hs_scan per group: what
 * the per-call overhead costs.  No expression can match across the '\n':
 * normalised text has no white space and no literal or pattern class holds
 * one.  Informational; not the raw figure the ratios use. */
#define BATCH 64
static void make_batches(const struct corpus *in, struct corpus *out)
{
    size_t ng = (in->n + BATCH - 1) / BATCH;
    out->buf = malloc(in->bytes + in->n + 1);
    out->p = malloc((ng ? ng : 1) * sizeof *out->p);
    out->len = malloc((ng ? ng : 1) * sizeof *out->len);
    out->n = ng;
    out->bytes = in->bytes;
    char *q = out->buf;
    for (size_t g = 0; g < ng; g++) {
        out->p[g] = q;
        for (size_t i = g * BATCH; i < in->n && i < (g + 1) * BATCH; i++) {
            if (i > g * BATCH)
                *q++ = '\n';
            memcpy(q, in->p[i], in->len[i]);
            q += in->len[i];
        }
        out->len[g] = (uint32_t)(q - out->p[g]);
    }
}

static size_t hs_pass_with(scan_fn f, const hs_database_t *db, hs_scratch_t *scr,
                           const struct corpus *c)
{
    size_t matches = 0;
    for (size_t i = 0; i < c->n; i++)
        if (f(db, c->p[i], c->len[i], 0, scr, count_cb, &matches) != HS_SUCCESS)
            die("hs_scan failed%s", "");
    return matches;
}

static size_t hs_pass(const hs_database_t *db, hs_scratch_t *scr, const struct corpus *c)
{
    return hs_pass_with(raw_scan, db, scr, c);
}

/* ---- lc_match ---------------------------------------------------------- */

static int lcm_cb(void *ctx, const struct lc_hit *h)
{
    (*(size_t *)ctx)++;
    return 0;
}

static size_t lcm_pass(const struct lc_matcher *m, struct lc_scratch *s, const struct corpus *c)
{
    size_t hits = 0;
    for (size_t i = 0; i < c->n; i++)
        if (lc_match_scan(m, s, c->p[i], c->len[i], lcm_cb, &hits) != LC_OK)
            die("lc_match_scan failed%s", "");
    return hits;
}

/* ---- the pipeline ------------------------------------------------------ */

/* P_VERDICT: lc_rules_scan, verdict only.  P_FULL: then lc_rules_explain
 * (JSON text from the scan just made) for each message that does not pass:
 * what a real caller does.  P_JSON_ALL: lc_rules_explain for every message.
 * P_FULL_JANSSON: like P_FULL, but the explanations the older way, a second
 * lc_rules_scan asking for the jansson hits array, then json_dumps. */
enum pmode { P_VERDICT, P_FULL, P_JSON_ALL, P_FULL_JANSSON };

struct pstats {
    size_t explained;
    size_t verdict[3];
    size_t with_hits;  /* messages whose explanation array is non-empty */
    size_t json_bytes; /* serialised explanations */
};

/* The explanations of the scan just made, as JSON text. */
static char *explain(const struct lc_ruleset *rs, struct lc_scanner *sc,
                     const struct lc_scan_item *it, enum pmode mode)
{
    char *s = NULL;
    if (mode == P_FULL_JANSSON) {
        enum lc_verdict v;
        json_t *hits = NULL;
        size_t bad;
        enum lc_err e = lc_rules_scan(rs, sc, it, &v, &hits, &bad);
        if (e != LC_OK)
            die("lc_rules_scan: %s", lc_err_name(e));
        s = json_dumps(hits, JSON_COMPACT);
        json_decref(hits);
    } else {
        enum lc_err e = lc_rules_explain(rs, sc, it, &s, NULL);
        if (e != LC_OK)
            die("lc_rules_explain: %s", lc_err_name(e));
    }
    if (!s)
        die("explain: out of memory%s", "");
    return s;
}

/* No clock is read inside a pass: CLOCK_PROCESS_CPUTIME_ID is a system
 * call (about 0.55 us on the VM below), and reading it around each
 * explanation charged the pipeline about 11 ns a message.  explain_cost
 * times the explanation step on its own. */
static void pipeline_pass(const struct lc_ruleset *rs, struct lc_scanner *sc,
                          const struct corpus *c, const char *kind, enum pmode mode,
                          struct pstats *st, unsigned char *flagged)
{
    memset(st, 0, sizeof *st);
    for (size_t i = 0; i < c->n; i++) {
        struct lc_scan_item it = {c->p[i], c->len[i], kind, NULL};
        enum lc_verdict v;
        size_t bad;
        enum lc_err e = lc_rules_scan(rs, sc, &it, &v, NULL, &bad);
        if (e != LC_OK)
            die("lc_rules_scan: %s", lc_err_name(e));
        /* a real caller: explanations only for what it acts on */
        if (mode == P_JSON_ALL || (mode != P_VERDICT && v != LC_VERDICT_PASS)) {
            char *s = explain(rs, sc, &it, mode);
            size_t n = strlen(s);
            if (n > 2) { /* not "[]" */
                st->json_bytes += n;
                st->with_hits++;
            }
            free(s);
            st->explained += mode != P_JSON_ALL;
        }
        st->verdict[v]++;
        if (flagged)
            flagged[i] = v != LC_VERDICT_PASS;
    }
}

/* Microseconds the explanation step (mode P_FULL or P_FULL_JANSSON) adds
 * to each flagged message: the flagged messages scanned with and without
 * it, 20 times over, reps times; the difference of the medians. */
static double explain_cost(const struct lc_ruleset *rs, struct lc_scanner *sc,
                           const struct corpus *c, const unsigned char *flagged, enum pmode mode,
                           int reps)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        n += flagged[i];
    if (!n)
        return 0;
    double t[2][MAXREPS];
    for (int r = 0; r < reps; r++)
        for (int with = 0; with < 2; with++) {
            double c0 = cpu_now();
            for (int k = 0; k < 20; k++)
                for (size_t i = 0; i < c->n; i++) {
                    if (!flagged[i])
                        continue;
                    struct lc_scan_item it = {c->p[i], c->len[i], "chat", NULL};
                    enum lc_verdict v;
                    size_t bad;
                    if (lc_rules_scan(rs, sc, &it, &v, NULL, &bad) != LC_OK)
                        die("lc_rules_scan%s", "");
                    if (with)
                        free(explain(rs, sc, &it, mode));
                }
            t[with][r] = cpu_now() - c0;
        }
    return (median(t[1], reps) - median(t[0], reps)) * 1e6 / (20.0 * (double)n);
}

static json_t *verdicts_json(const struct pstats *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "pass", json_integer((json_int_t)st->verdict[0]));
    json_object_set_new(o, "review", json_integer((json_int_t)st->verdict[1]));
    json_object_set_new(o, "block", json_integer((json_int_t)st->verdict[2]));
    json_object_set_new(o, "with_hits", json_integer((json_int_t)st->with_hits));
    json_object_set_new(o, "json_bytes", json_integer((json_int_t)st->json_bytes));
    return o;
}

/* Planted message indices from planted.tsv ("index\tterm\tevasion\tpack"). */
static void planted_check(const char *path, const unsigned char *flagged, size_t n)
{
    if (!path)
        return;
    size_t blen;
    char *b = read_file(path, &blen);
    unsigned char *pl = calloc(n, 1);
    json_t *byev = json_object();
    for (char *line = strchr(b, '\n'); line && line[1];) {
        line++;
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *t1 = strchr(line, '\t');
        char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        char *t3 = t2 ? strchr(t2 + 1, '\t') : NULL;
        size_t idx = strtoul(line, NULL, 10);
        if (t3 && idx < n) {
            pl[idx] = 1;
            *t3 = '\0';
            const char *ev = t2 + 1;
            json_t *a = json_object_get(byev, ev);
            if (!a) {
                a = json_pack("[ii]", 0, 0);
                json_object_set_new(byev, ev, a);
            }
            json_array_set_new(a, 0, json_integer(json_integer_value(json_array_get(a, 0)) + 1));
            if (flagged[idx])
                json_array_set_new(a, 1,
                                   json_integer(json_integer_value(json_array_get(a, 1)) + 1));
        }
        line = nl;
    }
    size_t planted = 0, caught = 0, fp = 0;
    for (size_t i = 0; i < n; i++) {
        planted += pl[i];
        caught += pl[i] && flagged[i];
        fp += !pl[i] && flagged[i];
    }
    json_t *o = json_object();
    json_object_set_new(o, "planted", json_integer((json_int_t)planted));
    json_object_set_new(o, "planted_not_pass", json_integer((json_int_t)caught));
    json_object_set_new(o, "unplanted_not_pass", json_integer((json_int_t)fp));
    json_object_set_new(o, "by_evasion_planted_caught", byev);
    json_object_set_new(result, "planted", o);
    fprintf(stderr, "  planted %zu, flagged (not pass) %zu; unplanted flagged %zu\n", planted,
            caught, fp);
    free(pl);
    free(b);
}

/* ---- interleaved A/B --------------------------------------------------- */

static struct corpus view(const struct corpus *c, size_t from, size_t to)
{
    struct corpus v = {NULL, to - from, c->p + from, c->len + from, 0};
    for (size_t i = from; i < to; i++)
        v.bytes += c->len[i];
    return v;
}

/* The ratio pipeline / raw Vectorscan with both in one process, taking
 * turns on quarters of the corpus (250,000 messages at 1M; under 400,000
 * messages, on the whole corpus; the order rotates from chunk to chunk),
 * reps times over the corpus: interference from a
 * shared machine that lasts longer than a chunk hits both sides alike.  Also
 * times normalise-only and verdict-only the same way, for the breakdown.
 * Each side starts a chunk with the other's database in the caches; with
 * 250,000 messages a chunk (tens of ms) that refill is a few per cent at
 * most, and it is charged to both.  The throughputs here are for the ratio
 * and the breakdown; the stand-alone figures come from the one-engine
 * processes. */
static void ab_run(const char *packdir, const struct corpus *msgs, const struct corpus *nmsgs,
                   int reps)
{
    enum { E_NORM, E_VERDICT, E_FULL, E_RAW, E_SAME, NE };
    static const char *names[NE] = {"normalise", "verdict", "full", "raw", "raw_same"};
    struct lc_ruleset *rs = NULL;
    struct lc_rules_diag diag;
    if (lc_rules_load(packdir, LC_ENGINE_AUTO, &rs, &diag) != LC_OK)
        die("lc_rules_load: %s", diag.message);
    struct lc_scanner *sc;
    if (lc_scanner_new(&sc) != LC_OK)
        die("scanner%s", "");
    /* raw Vectorscan twice: hs_scan with a database for the host, and the
     * scanner and platform the pipeline's self-test chose */
    size_t ncomp;
    hs_database_t *db = build_hs(false, &ncomp);
    scan_fn f_raw = raw_scan;
    use_same_path();
    hs_database_t *db2 = build_hs(false, &ncomp);
    scan_fn f_same = raw_scan;
    const char *same_path = raw_path;
    hs_scratch_t *scr = NULL;
    if (hs_alloc_scratch(db, &scr) != HS_SUCCESS || hs_alloc_scratch(db2, &scr) != HS_SUCCESS)
        die("hs_alloc_scratch%s", "");
    struct lc_norm nm;
    lc_norm_init(&nm);
    struct pstats st;

    size_t nch = msgs->n >= 400000 ? 4 : 1, per = (msgs->n + nch - 1) / nch;
    double tot[NE] = {0};
    double *ratio = calloc((size_t)reps * nch, sizeof *ratio);
    double *vratio = calloc((size_t)reps * nch, sizeof *vratio);
    double *sratio = calloc((size_t)reps * nch, sizeof *sratio);
    size_t nr = 0;
    /* warm-up: each once over everything */
    pipeline_pass(rs, sc, msgs, "chat", P_FULL, &st, NULL);
    hs_pass_with(f_raw, db, scr, nmsgs);
    hs_pass_with(f_same, db2, scr, nmsgs);
    for (int r = 0; r < reps; r++)
        for (size_t c = 0; c < nch; c++) {
            size_t from = c * per, to = from + per < msgs->n ? from + per : msgs->n;
            if (from >= to)
                continue;
            struct corpus m = view(msgs, from, to), n = view(nmsgs, from, to);
            double t[NE];
            for (int k = 0; k < NE; k++) {
                int e = (int)((k + c + (size_t)r) % NE);
                double c0 = cpu_now();
                switch (e) {
                case E_NORM:
                    for (size_t i = 0; i < m.n; i++) {
                        size_t bad;
                        if (lc_text_normalize(m.p[i], m.len[i], &nm, &bad) != LC_OK)
                            die("normalise%s", "");
                    }
                    break;
                case E_VERDICT: pipeline_pass(rs, sc, &m, "chat", P_VERDICT, &st, NULL); break;
                case E_FULL: pipeline_pass(rs, sc, &m, "chat", P_FULL, &st, NULL); break;
                case E_RAW: hs_pass_with(f_raw, db, scr, &n); break;
                case E_SAME: hs_pass_with(f_same, db2, scr, &n); break;
                }
                t[e] = cpu_now() - c0;
                tot[e] += t[e];
            }
            ratio[nr] = t[E_RAW] / t[E_FULL];
            vratio[nr] = t[E_RAW] / t[E_VERDICT];
            sratio[nr] = t[E_SAME] / t[E_FULL];
            nr++;
        }
    json_t *o = json_object();
    double items = (double)msgs->n * reps;
    for (int e = 0; e < NE; e++) {
        json_t *x = json_object();
        put_num(x, "items_per_s", items / tot[e]);
        put_num(x, "ns_per_item", tot[e] * 1e9 / items);
        json_object_set_new(o, names[e], x);
    }
    json_t *ch = json_array();
    for (size_t i = 0; i < nr; i++)
        json_array_append_new(ch, json_real(ratio[i]));
    double rmin = ratio[0], rmax = ratio[0];
    for (size_t i = 1; i < nr; i++) {
        rmin = ratio[i] < rmin ? ratio[i] : rmin;
        rmax = ratio[i] > rmax ? ratio[i] : rmax;
    }
    double rmed = median(ratio, (int)nr), vmed = median(vratio, (int)nr),
           smed = median(sratio, (int)nr);
    put_num(o, "full_vs_raw", rmed);
    put_num(o, "verdict_vs_raw", vmed);
    put_num(o, "full_vs_raw_same", smed);
    put_num(o, "full_vs_raw_total", tot[E_RAW] / tot[E_FULL]);
    put_num(o, "full_vs_raw_min", rmin);
    put_num(o, "full_vs_raw_max", rmax);
    json_object_set_new(o, "chunk_ratios", ch);
    json_object_set_new(o, "same_scanner", json_string(same_path));
    json_object_set_new(result, "ab", o);
    fprintf(stderr, "  taking turns, %zu chunks x %d: ns/msg normalise %.0f, verdict %.0f, full %.0f, "
                    "raw hs_scan %.0f, raw %s %.0f; full/raw %.2f (chunks %.2f-%.2f), verdict/raw %.2f, "
                    "full/raw %s %.2f\n",
            nch, reps, tot[E_NORM] * 1e9 / items, tot[E_VERDICT] * 1e9 / items,
            tot[E_FULL] * 1e9 / items, tot[E_RAW] * 1e9 / items, same_path, tot[E_SAME] * 1e9 / items,
            rmed, rmin, rmax, vmed, same_path, smed);
    free(ratio);
    free(vratio);
    free(sratio);
    lc_norm_cleanup(&nm);
    hs_free_scratch(scr);
    hs_free_database(db);
    hs_free_database(db2);
    lc_scanner_free(sc);
    lc_ruleset_free(rs);
}

static void write_lines(const char *path, const struct corpus *c)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        die("cannot write %s", path);
    for (size_t i = 0; i < c->n; i++) {
        fwrite(c->p[i], 1, c->len[i], f);
        fputc('\n', f);
    }
    fclose(f);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: bench_pipeline MODE PACKDIR MESSAGES LISTINGS [--max N] [--reps R] "
                        "[--planted F] [--out-lits F] [--out-msgs F] [--out-listings F] [--same-path 0|1]\n");
        return 2;
    }
    const char *mode = argv[1], *packdir = argv[2], *mpath = argv[3], *lpath = argv[4];
    size_t max = SIZE_MAX;
    int reps = 3;
    const char *planted = NULL, *out_lits = NULL, *out_msgs = NULL, *out_listings = NULL;
    const char *only = NULL; /* pipeline: run just this pass (for profiling) */
    for (int i = 5; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--max"))
            max = strtoul(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--reps"))
            reps = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--only"))
            only = argv[i + 1];
        else if (!strcmp(argv[i], "--planted"))
            planted = argv[i + 1];
        else if (!strcmp(argv[i], "--out-lits"))
            out_lits = argv[i + 1];
        else if (!strcmp(argv[i], "--out-msgs"))
            out_msgs = argv[i + 1];
        else if (!strcmp(argv[i], "--no-som"))
            raw_no_som = atoi(argv[i + 1]) != 0;
        else if (!strcmp(argv[i], "--same-path")) {
            if (atoi(argv[i + 1]))
                use_same_path();
        } else if (!strcmp(argv[i], "--out-listings"))
            out_listings = argv[i + 1];
        else
            die("unknown option %s", argv[i]);
    }
    if (reps < 1 || reps > MAXREPS)
        reps = 3;

    result = json_object();
    json_object_set_new(result, "mode", json_string(mode));
    json_object_set_new(result, "packdir", json_string(packdir));

    struct corpus msgs, lists;
    corpus_load(&msgs, mpath, max);
    corpus_load(&lists, lpath, SIZE_MAX);
    json_object_set_new(result, "messages", json_integer((json_int_t)msgs.n));
    json_object_set_new(result, "message_bytes", json_integer((json_int_t)msgs.bytes));
    json_object_set_new(result, "listings", json_integer((json_int_t)lists.n));
    json_object_set_new(result, "listing_bytes", json_integer((json_int_t)lists.bytes));
    if (lc_text_init() != LC_OK)
        die("lc_text_init failed%s", "");
    fprintf(stderr, "%s on %s: %zu messages (%zu bytes), %zu listings (%zu bytes)\n", mode,
            packdir, msgs.n, msgs.bytes, lists.n, lists.bytes);

    bool is_pipe = !strcmp(mode, "pipeline") || !strcmp(mode, "pipeline-ac");
    struct corpus nmsgs = {0}, nlists = {0};
    if (!is_pipe) {
        corpus_normalise(&msgs, &nmsgs);
        corpus_normalise(&lists, &nlists);
        json_object_set_new(result, "normalised_message_bytes",
                            json_integer((json_int_t)nmsgs.bytes));
        json_object_set_new(result, "normalised_listing_bytes",
                            json_integer((json_int_t)nlists.bytes));
    }
    long rss0 = proc_kb("VmRSS");
    json_object_set_new(result, "vectorscan_path", json_string(lc_match_vectorscan_path()));

    if (is_pipe) {
        enum lc_engine eng = strcmp(mode, "pipeline") ? LC_ENGINE_AC : LC_ENGINE_AUTO;
        struct lc_ruleset *rs = NULL;
        struct lc_rules_diag diag;
        double t0 = now();
        enum lc_err e = lc_rules_load(packdir, eng, &rs, &diag);
        double tb = now() - t0;
        if (e != LC_OK) {
            fprintf(stderr, "%s:%u: %s\n", diag.file, diag.line, diag.message);
            die("lc_rules_load: %s", lc_err_name(e));
        }
        long rss1 = proc_kb("VmRSS");
        put_num(result, "build_seconds", tb);
        json_object_set_new(result, "rules", json_integer((json_int_t)lc_ruleset_count(rs)));
        fprintf(stderr, "  build %.3f s, %zu rules, vectorscan: %s\n", tb, lc_ruleset_count(rs),
                lc_match_vectorscan_path());

        struct lc_scanner *sc;
        if (lc_scanner_new(&sc) != LC_OK)
            die("scanner%s", "");
        struct pstats st;
        unsigned char *flagged = calloc(msgs.n ? msgs.n : 1, 1);
        pipeline_pass(rs, sc, &msgs, "chat", P_VERDICT, &st, NULL); /* warm-up */
        if (only) { /* profiling: one kind of pass, reps times, nothing else */
            enum pmode pm = !strcmp(only, "full")           ? P_FULL
                           : !strcmp(only, "json")         ? P_JSON_ALL
                           : !strcmp(only, "full-jansson") ? P_FULL_JANSSON
                                                           : P_VERDICT;
            if (!strcmp(only, "normalise")) {
                struct lc_norm nm;
                lc_norm_init(&nm);
                for (int r = 0; r < reps; r++)
                    for (size_t i = 0; i < msgs.n; i++) {
                        size_t bad;
                        if (lc_text_normalize(msgs.p[i], msgs.len[i], &nm, &bad) != LC_OK)
                            die("normalise%s", "");
                    }
                lc_norm_cleanup(&nm);
            } else {
                for (int r = 0; r < reps; r++)
                    pipeline_pass(rs, sc, &msgs, "chat", pm, &st, NULL);
            }
            return 0;
        }

        for (int r = 0; r < reps; r++) {
            tstart();
            pipeline_pass(rs, sc, &msgs, "chat", P_VERDICT, &st, flagged);
            tstop(r);
        }
        double s = tfinish(reps);
        report("verdict only", s, msgs.n, msgs.bytes);
        json_t *pv = pass_json(s, msgs.n, msgs.bytes);
        json_object_set_new(pv, "verdicts", verdicts_json(&st));
        json_object_set_new(result, "verdict", pv);

        for (int r = 0; r < reps; r++) {
            tstart();
            pipeline_pass(rs, sc, &msgs, "chat", P_FULL, &st, NULL);
            tstop(r);
        }
        s = tfinish(reps);
        report("full (explain non-pass)", s, msgs.n, msgs.bytes);
        json_t *pf = pass_json(s, msgs.n, msgs.bytes);
        json_object_set_new(pf, "verdicts", verdicts_json(&st));
        /* the explanation step alone, per explained message */
        double xus = explain_cost(rs, sc, &msgs, flagged, P_FULL, reps);
        put_num(pf, "explained", (double)st.explained);
        put_num(pf, "explain_us_each", xus);
        fprintf(stderr, "    explanations: %zu messages, %.2f us each (lc_rules_explain)\n",
                st.explained, xus);
        json_object_set_new(result, "full", pf);

        for (int r = 0; r < reps; r++) {
            tstart();
            pipeline_pass(rs, sc, &msgs, "chat", P_FULL_JANSSON, &st, NULL);
            tstop(r);
        }
        s = tfinish(reps);
        report("full, jansson explanations", s, msgs.n, msgs.bytes);
        pf = pass_json(s, msgs.n, msgs.bytes);
        json_object_set_new(pf, "verdicts", verdicts_json(&st));
        xus = explain_cost(rs, sc, &msgs, flagged, P_FULL_JANSSON, reps);
        put_num(pf, "explain_us_each", xus);
        fprintf(stderr, "    jansson explanations: %zu messages, %.2f us each (rescan + tree + dump)\n",
                st.explained, xus);
        json_object_set_new(result, "full_jansson", pf);

        tstart();
        pipeline_pass(rs, sc, &msgs, "chat", P_JSON_ALL, &st, NULL);
        tstop(0);
        s = tfinish(1);
        report("explanations for all", s, msgs.n, msgs.bytes);
        json_t *pj = pass_json(s, msgs.n, msgs.bytes);
        json_object_set_new(pj, "verdicts", verdicts_json(&st));
        json_object_set_new(result, "json_all", pj);

        /* normalise only: the first stage of the pipeline on its own, with
         * the offset map (lc_text_normalize) and without it (what
         * lc_rules_scan runs; it maps only texts with a rule hit) */
        for (int mapped = 1; mapped >= 0; mapped--) {
            struct lc_norm nm;
            lc_norm_init(&nm);
            for (int r = 0; r < reps; r++) {
                tstart();
                for (size_t i = 0; i < msgs.n; i++) {
                    size_t bad;
                    if ((mapped ? lc_text_normalize : lc_text_normalize_unmapped)(
                            msgs.p[i], msgs.len[i], &nm, &bad) != LC_OK)
                        die("normalise%s", "");
                }
                tstop(r);
            }
            s = tfinish(reps);
            report(mapped ? "normalise only" : "normalise only, no map", s, msgs.n, msgs.bytes);
            json_object_set_new(result, mapped ? "normalise" : "normalise_unmapped",
                                pass_json(s, msgs.n, msgs.bytes));
            lc_norm_cleanup(&nm);
        }

        pipeline_pass(rs, sc, &lists, "product_detail", P_FULL, &st, NULL);
        for (int r = 0; r < reps; r++) {
            tstart();
            pipeline_pass(rs, sc, &lists, "product_detail", P_FULL, &st, NULL);
            tstop(r);
        }
        s = tfinish(reps);
        report("listings (full)", s, lists.n, lists.bytes);
        json_t *pl = pass_json(s, lists.n, lists.bytes);
        json_object_set_new(pl, "verdicts", verdicts_json(&st));
        json_object_set_new(result, "listings_full", pl);

        planted_check(planted, flagged, msgs.n);
        put_num(result, "build_rss_mb", (rss1 - rss0) / 1024.0);
        lc_scanner_free(sc);
        lc_ruleset_free(rs);
        free(flagged);
    } else {
        size_t nrl = 0;
        double t0 = now();
        load_exprs(packdir, &nrl);
        double tparse = now() - t0;
        size_t nlit = 0;
        for (size_t k = 0; k < nex; k++)
            nlit += ex[k].literal;
        json_object_set_new(result, "rule_literals", json_integer((json_int_t)nrl));
        json_object_set_new(result, "expressions", json_integer((json_int_t)nex));
        json_object_set_new(result, "literal_expressions", json_integer((json_int_t)nlit));
        fprintf(stderr, "  %zu expressions (%zu literals, %zu of them rule literals), read in %.3f s\n",
                nex, nlit, nrl, tparse);

        if (!strcmp(mode, "dump")) {
            char **u = malloc(nlit * sizeof *u);
            size_t nu = 0;
            for (size_t k = 0; k < nex; k++)
                if (ex[k].literal)
                    u[nu++] = ex[k].text;
            qsort(u, nu, sizeof *u, cmp_str);
            FILE *f = fopen(out_lits, "wb");
            if (!f)
                die("cannot write %s", out_lits ? out_lits : "(none)");
            size_t w = 0;
            for (size_t k = 0; k < nu; k++)
                if (!k || strcmp(u[k], u[k - 1])) {
                    fprintf(f, "%s\n", u[k]);
                    w++;
                }
            fclose(f);
            if (out_msgs)
                write_lines(out_msgs, &nmsgs);
            if (out_listings)
                write_lines(out_listings, &nlists);
            json_object_set_new(result, "unique_literals", json_integer((json_int_t)w));
            free(u);
        } else if (!strcmp(mode, "lcmatch")) {
            struct lc_pattern *pats = malloc(nex * sizeof *pats);
            for (size_t k = 0; k < nex; k++)
                pats[k] = (struct lc_pattern){(unsigned)k, ex[k].text, ex[k].literal};
            struct lc_matcher *m;
            char err[256];
            t0 = now();
            if (lc_match_compile(pats, nex, LC_ENGINE_AUTO, &m, err, sizeof err) != LC_OK)
                die("lc_match_compile: %s", err);
            double tb = now() - t0;
            long rss1 = proc_kb("VmRSS");
            put_num(result, "build_seconds", tb);
            put_num(result, "build_rss_mb", (rss1 - rss0) / 1024.0);
            struct lc_match_stats ms;
            lc_match_stats(m, &ms);
            json_object_set_new(result, "db_bytes", json_integer((json_int_t)ms.bytes));
            struct lc_scratch *scr;
            if (lc_match_scratch_new(m, &scr) != LC_OK)
                die("scratch%s", "");
            size_t hits = lcm_pass(m, scr, &nmsgs);
            for (int r = 0; r < reps; r++) {
                tstart();
                hits = lcm_pass(m, scr, &nmsgs);
                tstop(r);
            }
            double s = tfinish(reps);
            report("lc_match_scan", s, msgs.n, msgs.bytes);
            json_t *o = pass_json(s, msgs.n, msgs.bytes);
            json_object_set_new(o, "matches", json_integer((json_int_t)hits));
            /* the pattern gate (src/match/match.c) over all the passes so far */
            size_t windows, pscans;
            lc_match_scratch_gate_counts(scr, &windows, &pscans);
            json_object_set_new(o, "gate", json_pack("{s:i, s:I, s:b, s:f}", "digits",
                                                     (int)ms.gate_digits, "factors",
                                                     (json_int_t)ms.gate_factors, "always",
                                                     ms.gate_always, "opened",
                                                     windows ? (double)pscans / windows : 0));
            fprintf(stderr, "    pattern gate: %u digits, %zu factors%s; opened on %zu of %zu windows\n",
                    ms.gate_digits, ms.gate_factors, ms.gate_always ? ", always open" : "", pscans,
                    windows);
            json_object_set_new(result, "scan", o);
            lcm_pass(m, scr, &nlists);
            for (int r = 0; r < reps; r++) {
                tstart();
                lcm_pass(m, scr, &nlists);
                tstop(r);
            }
            s = tfinish(reps);
            report("lc_match_scan listings", s, lists.n, lists.bytes);
            json_object_set_new(result, "listings_scan", pass_json(s, lists.n, lists.bytes));
            lc_match_scratch_free(scr);
            lc_match_free(m);
            free(pats);
        } else if (!strcmp(mode, "vectorscan") || !strcmp(mode, "vectorscan-lit")) {
            bool lit = !strcmp(mode, "vectorscan-lit");
            size_t ncomp;
            t0 = now();
            hs_database_t *db = build_hs(lit, &ncomp);
            hs_scratch_t *scr = NULL;
            if (hs_alloc_scratch(db, &scr) != HS_SUCCESS)
                die("hs_alloc_scratch%s", "");
            double tb = now() - t0;
            long rss1 = proc_kb("VmRSS");
            size_t dbsz = 0, scrsz = 0;
            hs_database_size(db, &dbsz);
            hs_scratch_size(scr, &scrsz);
            put_num(result, "build_seconds", tb);
            put_num(result, "build_rss_mb", (rss1 - rss0) / 1024.0);
            json_object_set_new(result, "compiled_expressions", json_integer((json_int_t)ncomp));
            json_object_set_new(result, "raw_scanner", json_string(raw_path));
            json_object_set_new(result, "db_bytes", json_integer((json_int_t)dbsz));
            json_object_set_new(result, "scratch_bytes", json_integer((json_int_t)scrsz));
            fprintf(stderr, "  build %.3f s, %zu expressions, database %zu bytes, scratch %zu, %s\n",
                    tb, ncomp, dbsz, scrsz, raw_path);
            size_t mt = hs_pass(db, scr, &nmsgs);
            for (int r = 0; r < reps; r++) {
                tstart();
                mt = hs_pass(db, scr, &nmsgs);
                tstop(r);
            }
            double s = tfinish(reps);
            /* MB/s of the raw input: the same bytes the pipeline is charged for */
            report("hs_scan messages", s, msgs.n, msgs.bytes);
            json_t *o = pass_json(s, msgs.n, msgs.bytes);
            json_object_set_new(o, "matches", json_integer((json_int_t)mt));
            put_num(o, "normalised_mb_per_s", nmsgs.bytes / s / 1e6);
            json_object_set_new(result, "scan", o);
            struct corpus batches;
            make_batches(&nmsgs, &batches);
            size_t mb = hs_pass(db, scr, &batches);
            for (int r = 0; r < reps; r++) {
                tstart();
                mb = hs_pass(db, scr, &batches);
                tstop(r);
            }
            s = tfinish(reps);
            report("hs_scan, 64 msgs per call", s, msgs.n, msgs.bytes);
            o = pass_json(s, msgs.n, msgs.bytes);
            json_object_set_new(o, "matches", json_integer((json_int_t)mb));
            json_object_set_new(result, "scan_batched64", o);
            free(batches.buf);
            free(batches.p);
            free(batches.len);
            hs_pass(db, scr, &nlists);
            for (int r = 0; r < reps; r++) {
                tstart();
                hs_pass(db, scr, &nlists);
                tstop(r);
            }
            s = tfinish(reps);
            report("hs_scan listings", s, lists.n, lists.bytes);
            json_object_set_new(result, "listings_scan", pass_json(s, lists.n, lists.bytes));
            hs_free_scratch(scr);
            hs_free_database(db);
        } else if (!strcmp(mode, "ab")) {
            ab_run(packdir, &msgs, &nmsgs, reps);
        } else {
            die("unknown mode %s", mode);
        }
    }
    put_num(result, "base_rss_mb", rss0 / 1024.0);
    put_num(result, "peak_rss_mb", proc_kb("VmHWM") / 1024.0);
    put_num(result, "peak_minus_base_mb", (proc_kb("VmHWM") - rss0) / 1024.0);
    char *out = json_dumps(result, JSON_COMPACT | JSON_REAL_PRECISION(6));
    printf("RESULT %s\n", out);
    free(out);
    json_decref(result);
    return 0;
}
