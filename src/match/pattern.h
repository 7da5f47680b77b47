/* pattern.h -- private to src/match: the pattern subset of match.h, parsed
 * once into atoms that both engines consume.
 *
 * A pattern is a plain sequence of atoms, each repeated between min and max
 * times; there is no alternation and no grouping.  The Aho-Corasick engine
 * expands the atoms into a Thompson NFA over bytes (ac.c); the Vectorscan
 * engine gets the same atoms spelt as a byte-level regex (every byte as
 * \xHH, multi-byte characters grouped so a quantifier covers the whole
 * character), so both engines see one parse and cannot disagree on syntax.
 *
 * The limits keep every accepted pattern inside what Vectorscan compiles
 * with HS_FLAG_SOM_LEFTMOST (measured on 5.4.9: a variable-width repeat
 * stops compiling at about 126 bytes of span, "Pattern is too large"), so
 * the engine choice never decides whether a rule pack loads.  Literals
 * share the width limit: the Vectorscan engine scans long texts in
 * overlapping windows (see match.c), which needs a bound on how far back
 * a match can start. */
#ifndef LC_MATCH_PATTERN_H
#define LC_MATCH_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define LC_MATCH_MAX_SRC 1024  /* bytes of a pattern's source text */
#define LC_MATCH_MAX_WIDTH 100 /* bytes the longest match of an expression may span */
#define LC_MATCH_MAX_LIT LC_MATCH_MAX_WIDTH /* bytes of a literal */
#define LC_MATCH_MAX_REPEAT 100

struct lc_match_atom {
    uint64_t set[4];  /* accepted bytes when nbytes == 0 (a class or \d) */
    uint8_t bytes[4]; /* one UTF-8 character or one escaped ASCII byte */
    uint8_t nbytes;   /* 0 for a class */
    uint8_t min, max; /* repetition bounds, 1 <= max <= LC_MATCH_MAX_REPEAT */
};

struct lc_match_pat {
    struct lc_match_atom *atoms; /* owned */
    size_t n;
    uint32_t minw, maxw; /* shortest and longest match, bytes; minw > 0 */
};

/* Parses src (NUL-terminated).  On LC_EINVAL err gets
 * "pattern <index>: column <c>: <why>", the column counting UTF-8
 * characters from 1.  *out is written only on success. */
LC_MUST_USE enum lc_err lc_match_pat_parse(const char *src, size_t index,
                                           struct lc_match_pat *out, char *err,
                                           size_t errlen);
void lc_match_pat_cleanup(struct lc_match_pat *p);

/* The pattern as a Vectorscan regex (no flags needed); malloc'd, the
 * caller frees it.  NULL when out of memory. */
char *lc_match_pat_regex(const struct lc_match_pat *p);
/* A literal as a Vectorscan regex, every byte escaped; NULL on ENOMEM. */
char *lc_match_lit_regex(const uint8_t *s, size_t len);

/* What any text a pattern matches must contain, for the Vectorscan engine's
 * pattern gate (match.c):
 *   digits: the longest run of ASCII digits every match holds (atoms that
 *           accept only digits, counted by their minimum, up to the first
 *           atom that may be something else), 0 if none;
 *   factor: the longest byte string every match holds (consecutive atoms
 *           of one fixed character, each counted min times; an atom whose
 *           count varies ends it), flen 0 if none.  factor has room for
 *           LC_MATCH_MAX_WIDTH bytes. */
struct lc_match_gate {
    uint32_t digits;
    uint8_t factor[LC_MATCH_MAX_WIDTH];
    size_t flen;
};
void lc_match_pat_gate(const struct lc_match_pat *p, struct lc_match_gate *g);

static inline int lc_match_set_has(const uint64_t set[4], unsigned c)
{
    return (int)((set[c >> 6] >> (c & 63)) & 1);
}

#endif
