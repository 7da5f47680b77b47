/* match.h -- multi-pattern matching over normalised UTF-8.
 *
 * A set of literals and simple patterns, each with a numeric id, compiles
 * into an immutable database that many threads can scan at once.  Two
 * engines implement the same semantics: Vectorscan (when the library and the
 * CPU support it) and our own Aho-Corasick automaton with an NFA for
 * patterns, which is the fallback and the oracle for differential tests.
 *
 * Semantics (both engines): for every id and every end offset e at which
 * some occurrence of the expression ends, one hit (id, s, e) is reported,
 * with s the leftmost start of an occurrence ending at e.  Hits are reported
 * in order of e, then id.  Offsets are byte offsets into the scanned text.
 *
 * Pattern syntax (a small, engine-neutral subset of regular expressions):
 * literal UTF-8 characters; \d (ASCII digit); [..] classes of ASCII
 * characters and ranges (no negation); quantifiers {n}, {n,m}, ?, after an
 * atom (no unbounded * or +); \ escapes a metacharacter.  A literal
 * expression is taken byte for byte.
 *
 * Limits (both engines, so the engine never decides whether rules load):
 * an expression is non-empty and cannot match the empty string; no match
 * spans more than 100 bytes (a literal is at most 100 bytes; a pattern's
 * longest match at most 100); repetition bounds are at most 100. */
#ifndef LC_MATCH_MATCH_H
#define LC_MATCH_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum lc_engine {
    LC_ENGINE_AUTO,       /* Vectorscan if available, else Aho-Corasick */
    LC_ENGINE_VECTORSCAN,
    LC_ENGINE_AC,
};

struct lc_pattern {
    unsigned id;      /* reported with each hit; need not be unique */
    const char *expr; /* NUL-terminated UTF-8 */
    bool literal;     /* expr is a literal string, not a pattern */
};

struct lc_hit {
    unsigned id;
    uint32_t start, end; /* byte offsets, end exclusive */
};

/* Return non-zero to stop the scan early. */
typedef int (*lc_hit_fn)(void *ctx, const struct lc_hit *hit);

struct lc_matcher;

/* True when Vectorscan is linked in and this CPU can run it correctly:
 * hs_valid_platform() and, once per process, a self-test with known
 * answers (Debian's 5.4.9 fails it wherever it dispatches to its AVX2 or
 * AVX-512 scanner; match.c then
 * uses the library's SSE scanner, or reports false if that fails too). */
bool lc_match_vectorscan_available(void);

/* Compiles; on LC_EINVAL, err names the offending pattern index and why
 * ("pattern 3: column 5: ..." for syntax).  Requesting LC_ENGINE_VECTORSCAN
 * where it is not available is LC_EINVAL.  *out is written only on
 * success; the patterns are not referenced after the call. */
LC_MUST_USE enum lc_err lc_match_compile(const struct lc_pattern *p, size_t n,
                                         enum lc_engine engine, struct lc_matcher **out,
                                         char *err, size_t errlen);
void lc_match_free(struct lc_matcher *m);
enum lc_engine lc_match_engine(const struct lc_matcher *m);

/* Per-thread scan state (Vectorscan scratch, AC/NFA buffers).  A scratch
 * made for one matcher serves any matcher compiled later as well, after
 * lc_match_scratch_grow. */
struct lc_scratch;
LC_MUST_USE enum lc_err lc_match_scratch_new(const struct lc_matcher *m,
                                             struct lc_scratch **out);
LC_MUST_USE enum lc_err lc_match_scratch_grow(const struct lc_matcher *m, struct lc_scratch *s);
void lc_match_scratch_free(struct lc_scratch *s);

LC_MUST_USE enum lc_err lc_match_scan(const struct lc_matcher *m, struct lc_scratch *s,
                                      const char *text, size_t len, lc_hit_fn fn, void *ctx);

#endif
