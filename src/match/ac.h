/* ac.h -- private to src/match: our own engine, an Aho-Corasick automaton
 * over bytes for literals plus a Thompson NFA for patterns, scanned in one
 * pass.  It is the fallback when Vectorscan cannot run and the oracle the
 * differential test compares Vectorscan against.
 *
 * The automaton is immutable after build and shared by all threads; every
 * scan-time buffer lives in a struct lc_match_acbuf owned by the caller's
 * scratch, so a scan never allocates. */
#ifndef LC_MATCH_AC_H
#define LC_MATCH_AC_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "match/match.h"
#include "match/pattern.h"

struct lc_ac;

struct lc_match_lit {
    const uint8_t *s; /* borrowed for the length of the build */
    uint32_t len;     /* > 0 */
    unsigned id;
};

struct lc_match_patin {
    const struct lc_match_pat *pat; /* borrowed for the length of the build */
    unsigned id;
};

/* Builds the automaton; lits and pats are only read. */
LC_MUST_USE enum lc_err lc_match_ac_build(const struct lc_match_lit *lits, size_t nlits,
                                          const struct lc_match_patin *pats, size_t npats,
                                          struct lc_ac **out);
void lc_match_ac_free(struct lc_ac *ac);

/* Bytes held by the automaton (tables, NFA, output records). */
size_t lc_match_ac_footprint(const struct lc_ac *ac);
/* Build statistics for benchmarks: states and double-array slots. */
void lc_match_ac_stats(const struct lc_ac *ac, size_t *states, size_t *slots);

struct lc_match_act; /* an active NFA position and its leftmost start */

/* Scan buffers, sized by lc_match_acbuf_fit to the largest automaton seen.
 * Zero-initialise before the first fit. */
struct lc_match_acbuf {
    struct lc_match_act *cur, *next; /* active NFA positions, before/after a byte */
    struct lc_match_act *acc;        /* patterns accepted at the current byte */
    uint32_t *stamp, *slot;          /* per NFA position: generation seen, list index */
    struct lc_hit *hits;             /* hits ending at the current byte */
    size_t npos, npat, nhits;        /* capacities */
    uint32_t gen;                    /* current generation for stamp[] */
};

/* Grows b to serve ac.  On failure b still serves what it served before. */
LC_MUST_USE enum lc_err lc_match_acbuf_fit(struct lc_match_acbuf *b, const struct lc_ac *ac);
void lc_match_acbuf_cleanup(struct lc_match_acbuf *b);
size_t lc_match_acbuf_size(const struct lc_match_acbuf *b);

/* LC_EINVAL when b has not been fitted to ac. */
LC_MUST_USE enum lc_err lc_match_ac_scan(const struct lc_ac *ac, struct lc_match_acbuf *b,
                                         const uint8_t *text, uint32_t len, lc_hit_fn fn,
                                         void *ctx);

#endif
