/* text.h -- normalisation of UTF-8 text for matching, with an offset map.
 *
 * One pass over the input produces normalised UTF-8 plus, for every byte of
 * the output, the byte span of the original character it came from, so a
 * match found in normalised text can be shown and appealed on the original.
 * Rule literals go through the same function, so folding is consistent on
 * both sides.  Folds, in order, per code point:
 *   - noise removal: white space, punctuation and symbols, zero-width and
 *     format characters, variation selectors, emoji, '*', '·' (dropped);
 *   - compatibility forms (NFKC + case fold, from utf8proc): full-width to
 *     half-width, circled and styled digits and letters, upper to lower;
 *   - traditional to simplified Chinese (single characters, from OpenCC's
 *     STCharacters/TSCharacters data, generated at build time);
 *   - homoglyphs: Cyrillic and Greek letters that look like Latin ones;
 *   - numerals: Chinese numerals (一二三…九十零〇两幺壹贰…) and digit look-alikes
 *     (o/O for 0 only between digits, l/I for 1 only between digits) to ASCII
 *     digits;
 *   - repeat collapse: a run of the same non-digit character becomes one.
 * Tables are built once (lc_text_init, thread-safe); normalising allocates
 * only inside struct lc_norm, which can be reused across calls. */
#ifndef LC_TEXT_TEXT_H
#define LC_TEXT_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct lc_norm {
    char *text;      /* normalised UTF-8, NUL-terminated */
    size_t len;      /* bytes in text */
    uint32_t *start; /* start[i]: original byte offset where the character
                        that produced text byte i begins */
    uint32_t *end;   /* end[i]: original byte offset just past it */
    size_t cap;      /* allocated bytes (internal) */
};

/* Builds the fold tables; safe to call from several threads, cheap after
 * the first call.  LC_ENOMEM if they cannot be built. */
LC_MUST_USE enum lc_err lc_text_init(void);

void lc_norm_init(struct lc_norm *n);
void lc_norm_cleanup(struct lc_norm *n);

/* Normalises in[0..len) into out (reusing its buffers).  Inputs over
 * LC_TEXT_MAX bytes are LC_ETOOBIG.  Invalid UTF-8 is LC_EINVAL with the
 * byte offset of the first bad sequence in *bad (if bad is non-NULL); out is
 * then left empty. */
#define LC_TEXT_MAX (1u << 20)
LC_MUST_USE enum lc_err lc_text_normalize(const char *in, size_t len, struct lc_norm *out,
                                          size_t *bad);

/* The original span of normalised bytes [s, e): *os, *oe (e > s). */
void lc_norm_span(const struct lc_norm *n, size_t s, size_t e, uint32_t *os, uint32_t *oe);

#endif
