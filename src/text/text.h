/* text.h -- normalisation of UTF-8 text for matching, with an offset map.
 *
 * One pass over the input produces normalised UTF-8 plus, for every byte of
 * the output, the byte span of the original character it came from, so a
 * match found in normalised text can be shown and appealed on the original.
 * Rule literals go through the same function, so folding is consistent on
 * both sides.  Folds, in order, per code point:
 *   - noise removal: white space, punctuation and symbols, controls,
 *     zero-width and format characters, variation selectors, emoji and
 *     pictographs, '*', '·' (dropped); a symbol that folds to a letter or
 *     digit (Ⓦ, ①, ™) is kept as that letter or digit;
 *   - compatibility forms (NFKC + case fold, from utf8proc): full-width to
 *     half-width, circled and styled digits and letters, upper to lower;
 *     combining marks are dropped (é and e + U+0301 both give e), and
 *     non-ASCII decimal digits (٣, १, 𝟑) become ASCII;
 *   - traditional to simplified Chinese (single characters, from OpenCC's
 *     TSCharacters data, generated at build time);
 *   - homoglyphs: Cyrillic, Greek and Armenian letters and Latin small
 *     capitals that look like Latin ones (е -> e, Н -> н -> h, ν -> v);
 *     Greek capitals whose lower case looks different are mapped before
 *     case folding (Ν -> n, Μ -> m, Η -> h, Υ -> y);
 *   - numerals: Chinese numerals 零〇一二三四五六七八九两幺, financial
 *     壹贰叁肆伍陆柒捌玖 and their traditional forms, radio-style 洞 (0),
 *     Cyrillic з/З (3) and Roman numerals Ⅰ..Ⅻ, to ASCII digits (十百千万
 *     are positional and stay); digit look-alikes: a run of o (-> 0) and
 *     l or i (-> 1; after case folding, so O and I too) with a digit right
 *     before and right after it, e.g. 1o0 -> 100, 1oo2 -> 1002, 1ox stays;
 *     also a run that ends a digit run of 3 or more at the end of the text
 *     or before a non-ASCII character (138OO13800O -> 13800138000), or
 *     starts one, at the start or after a non-ASCII character, when 3
 *     digits follow (电话l38 -> 电话138..., but 2L and o1 stay), or after
 *     a Latin letter and a dropped separator when 6 digits follow
 *     (tel：l86-O2l3-7759 -> tel18602137759, but "ab l380" stays);
 *   - repeat collapse: a run of the same non-digit character becomes one,
 *     so "hello" -> "helo" and 加加微信 -> 加微信; digits never collapse.
 * Characters are compared after noise removal, so "微 微" collapses and
 * "1 o 0" gives 100.  Normalising is idempotent.
 *
 * Offsets: start[i] and end[i] give the original span of output byte i.
 * Both arrays are non-decreasing.  All bytes of one output character share a
 * span; a character that folds to several (⑩ -> 10, ㎏ -> kg) gives them all
 * its span; the kept character of a collapsed run spans the whole run; a
 * combining mark's bytes join the span of the character before it.
 *
 * Tables are built once (lc_text_init, thread-safe, a few tens of ms;
 * lc_text_normalize calls it too) and are read-only afterwards; normalising
 * allocates only inside struct lc_norm, which can be reused across calls.
 * One struct lc_norm must not be used by two threads at once. */
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
    int mapped;      /* start and end describe text (lc_text_normalize);
                        0 after lc_text_normalize_unmapped */
};

/* Builds the fold tables; safe to call from several threads, cheap after
 * the first call.  LC_ENOMEM if they cannot be built (and then for good:
 * the build is not retried). */
LC_MUST_USE enum lc_err lc_text_init(void);

/* An empty lc_norm owning nothing; cleanup frees its buffers (NULL is
 * fine, and so is cleaning up twice). */
void lc_norm_init(struct lc_norm *n);
void lc_norm_cleanup(struct lc_norm *n);

/* Normalises in[0..len) into out (reusing and growing its buffers; out keeps
 * owning them).  in may be NULL when len is 0.  Inputs over LC_TEXT_MAX bytes
 * are LC_ETOOBIG.  Strict UTF-8 only: overlongs, surrogates, code points past
 * U+10FFFF, stray continuation bytes and truncated sequences are LC_EINVAL
 * with the byte offset of the first bad sequence in *bad (if bad is
 * non-NULL; untouched otherwise).  On any failure (also LC_ENOMEM) out is
 * left empty: len 0 and text "" if it was allocated. */
#define LC_TEXT_MAX (1u << 20)
LC_MUST_USE enum lc_err lc_text_normalize(const char *in, size_t len, struct lc_norm *out,
                                          size_t *bad);

/* lc_text_normalize without the offset map: the same text, byte for byte,
 * the same errors, but start and end are not written and mapped is 0 (so
 * lc_norm_span gives 0, 0).  For callers that need spans only now and then:
 * the scan pipeline needs them only when a rule hit survives (about 1 % of
 * chat), and normalises again with the map then.  About a third faster. */
LC_MUST_USE enum lc_err lc_text_normalize_unmapped(const char *in, size_t len,
                                                   struct lc_norm *out, size_t *bad);

/* The original span of normalised bytes [s, e): *os, *oe (e > s).  Requests
 * outside [0, len) are clamped; an empty or unmapped n gives 0, 0. */
void lc_norm_span(const struct lc_norm *n, size_t s, size_t e, uint32_t *os, uint32_t *oe);

#endif
