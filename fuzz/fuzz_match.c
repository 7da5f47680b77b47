/* fuzz_match.c -- libFuzzer harness for src/match: parser and both engines.
 *
 * Input: expression lines, then a NUL byte, then the text to scan (without
 * a NUL the input is scanned against itself).  A line starting with 'P' is
 * a pattern, any other line a literal; the line's first byte is dropped;
 * ids cycle through 0..3 so that several expressions share one.
 *
 * Checks, for any input:
 *   - Aho-Corasick and Vectorscan (when usable) accept and reject the same
 *     expression sets, with the same message on rejection;
 *   - on acceptance, both report the same hits; hits are in strict
 *     (end, id) order with start < end <= length;
 *   - a callback that stops after the first hit gets exactly one.
 * Any violation aborts, which libFuzzer reports as a crash. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/match.h"

#define CHECK(c)                                                                           \
    do {                                                                                   \
        if (!(c)) {                                                                        \
            fprintf(stderr, "fuzz_match: check failed: %s (line %d)\n", #c, __LINE__);   \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

#define MAX_EXPRS 16
#define MAX_HITS 4096

struct hits {
    struct lc_hit h[MAX_HITS];
    size_t n;
    bool stop_first;
};

static int on_hit(void *ctx, const struct lc_hit *hit)
{
    struct hits *l = ctx;
    if (l->n < MAX_HITS)
        l->h[l->n] = *hit;
    l->n++;
    return l->stop_first;
}

/* Scans text with m into out (from scratch). */
static void scan(const struct lc_matcher *m, const char *text, size_t len, struct hits *out,
                 bool stop_first)
{
    struct lc_scratch *s = NULL;
    CHECK(lc_match_scratch_new(m, &s) == LC_OK);
    out->n = 0;
    out->stop_first = stop_first;
    CHECK(lc_match_scan(m, s, text, len, on_hit, out) == LC_OK);
    lc_match_scratch_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t rules_len = nul ? (size_t)(nul - data) : size;
    const char *text = nul ? (const char *)nul + 1 : (const char *)data;
    size_t text_len = nul ? size - rules_len - 1 : size;

    char *buf = malloc(rules_len + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, rules_len);
    buf[rules_len] = '\0';
    struct lc_pattern p[MAX_EXPRS];
    size_t n = 0;
    for (char *line = buf; line && n < MAX_EXPRS;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (*line)
            p[n] = (struct lc_pattern){(unsigned)(n % 4), line + 1, line[0] != 'P'}, n++;
        line = next;
    }

    struct lc_matcher *ac = NULL, *vs = NULL;
    char eac[256] = "", evs[256] = "";
    enum lc_err rac = lc_match_compile(p, n, LC_ENGINE_AC, &ac, eac, sizeof eac);
    CHECK(rac == LC_OK || rac == LC_EINVAL);
    CHECK((rac == LC_OK) == (ac != NULL));
    if (lc_match_vectorscan_available()) {
        enum lc_err rvs = lc_match_compile(p, n, LC_ENGINE_VECTORSCAN, &vs, evs, sizeof evs);
        if (rvs != rac)
            fprintf(stderr, "fuzz_match: ac: %d %s / vectorscan: %d %s\n", rac, eac, rvs, evs);
        CHECK(rvs == rac);
        if (rac != LC_OK)
            CHECK(strcmp(eac, evs) == 0);
    }
    if (rac == LC_OK) {
        static struct hits a, b;
        scan(ac, text, text_len, &a, false);
        for (size_t k = 0; k < a.n && k < MAX_HITS; k++) {
            CHECK(a.h[k].start < a.h[k].end && a.h[k].end <= text_len);
            if (k)
                CHECK(a.h[k - 1].end < a.h[k].end ||
                      (a.h[k - 1].end == a.h[k].end && a.h[k - 1].id < a.h[k].id));
        }
        if (vs) {
            scan(vs, text, text_len, &b, false);
            CHECK(a.n == b.n);
            for (size_t k = 0; k < a.n && k < MAX_HITS; k++)
                CHECK(a.h[k].id == b.h[k].id && a.h[k].start == b.h[k].start &&
                      a.h[k].end == b.h[k].end);
            scan(vs, text, text_len, &b, true);
            CHECK(b.n == (a.n ? 1u : 0u));
        }
        scan(ac, text, text_len, &b, true);
        CHECK(b.n == (a.n ? 1u : 0u));
    }
    lc_match_free(ac);
    lc_match_free(vs);
    free(buf);
    return 0;
}
