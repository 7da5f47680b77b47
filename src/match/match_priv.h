/* match_priv.h -- private to src/match and its tests and benchmarks:
 * figures about a compiled matcher that the public contract does not need. */
#ifndef LC_MATCH_MATCH_PRIV_H
#define LC_MATCH_MATCH_PRIV_H

#include <stddef.h>

#include "match/match.h"

struct lc_match_stats {
    double build_seconds; /* wall time of lc_match_compile */
    size_t bytes;         /* Vectorscan: database size; AC: automaton and NFA tables */
    size_t states, slots; /* AC only: trie states and double-array slots */
};

void lc_match_stats(const struct lc_matcher *m, struct lc_match_stats *st);
/* Which Vectorscan scanner the self-test chose: "hs_scan", a fat-runtime
 * entry point such as "avx2_hs_scan", or "none ..." (see match.c). */
const char *lc_match_vectorscan_path(void);
/* Bytes a scratch holds (Vectorscan scratch, hit buffer, AC/NFA buffers). */
size_t lc_match_scratch_bytes(const struct lc_scratch *s);

#endif
