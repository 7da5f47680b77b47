/* match_priv.h -- private to src/match and its tests and benchmarks:
 * figures about a compiled matcher that the public contract does not need. */
#ifndef LC_MATCH_MATCH_PRIV_H
#define LC_MATCH_MATCH_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "match/match.h"

struct lc_match_stats {
    double build_seconds; /* wall time of lc_match_compile */
    size_t bytes;         /* Vectorscan: database size; AC: automaton and NFA tables */
    size_t states, slots; /* AC only: trie states and double-array slots */
    /* Vectorscan only: the pattern gate (match.c) */
    uint32_t gate_digits; /* digit run that opens it, 0 if none does */
    size_t gate_factors;  /* factor literals in the literal database */
    bool gate_always;     /* some pattern has no gate: patterns are always scanned */
};

void lc_match_stats(const struct lc_matcher *m, struct lc_match_stats *st);
/* Which Vectorscan scanner the self-test chose: "hs_scan", a fat-runtime
 * entry point such as "avx2_hs_scan", or "none ..." (see match.c). */
const char *lc_match_vectorscan_path(void);
/* Vectorscan windows this scratch has scanned, and how many of them the
 * pattern gate let through to the pattern database (for tests). */
void lc_match_scratch_gate_counts(const struct lc_scratch *s, size_t *windows,
                                  size_t *pattern_scans);
/* Bytes a scratch holds (Vectorscan scratch, hit buffer, AC/NFA buffers). */
size_t lc_match_scratch_bytes(const struct lc_scratch *s);

#endif
