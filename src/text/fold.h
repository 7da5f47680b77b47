/* fold.h -- the per-code-point fold table behind lc_text_normalize
 * (private to src/text).
 *
 * fold.c builds it once, in lc_text_init, from utf8proc (NFKC + case fold +
 * mark stripping), the OpenCC-derived t2s table and our own homoglyph and
 * numeral lists; text.c only reads it.  For every code point the table says
 * what the character becomes on its own, before the context-dependent steps
 * (digit look-alikes and repeat collapse), which text.c does while writing.
 *
 * Layout: a two-level table over U+0000..U+10FFFF.  index[cp >> 8] picks a
 * block of 256 entries; identical blocks are stored once, so the whole table
 * is a few hundred KiB and the characters of a chat message touch a few of
 * them.  An entry is one of:
 *   LC_FOLD_DROP            the character is noise and produces nothing;
 *   LC_FOLD_KEEP            the character stands for itself;
 *   LC_FOLD_ATTACH          a combining mark: dropped, but its bytes join
 *                           the span of the character just written, if it
 *                           directly precedes;
 *   LC_FOLD_EXP | i         several characters: pool[i] is their count and
 *                           pool[i+1..] the code points;
 *   anything else           the one code point it becomes.
 * Every code point a table entry produces maps to itself (the folds are
 * idempotent); the unit tests check this for all of Unicode.
 *
 * keep[] repeats one fact of the table for the BMP, a bit per code point:
 * the entry is LC_FOLD_KEEP.  Most characters of Chinese chat are, and the
 * 8 KiB bitmap stays in L1 where the CJK blocks of the table (about 80 KiB)
 * do not, so the common character costs one load instead of two dependent
 * ones. */
#ifndef LC_TEXT_FOLD_H
#define LC_TEXT_FOLD_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define LC_FOLD_DROP 0u
#define LC_FOLD_KEEP 1u
#define LC_FOLD_ATTACH 2u
#define LC_FOLD_EXP 0x80000000u
#define LC_FOLD_BLOCKS (0x110000u >> 8)

struct lc_fold {
    uint16_t index[LC_FOLD_BLOCKS]; /* block number for cp >> 8 */
    const uint32_t *blocks;         /* nblocks * 256 entries */
    const uint32_t *pool;           /* expansions, see above */
    size_t nblocks, npool;
    unsigned max_out; /* most UTF-8 bytes one input character can produce */
    uint8_t ascii[128]; /* ASCII byte -> output byte, 0 = dropped */
    uint64_t keep[0x10000 / 64]; /* bit cp: entry of BMP code point cp is KEEP */
};

/* Builds the table; on success *out is owned by the caller (and in practice
 * kept for the life of the process). */
LC_MUST_USE enum lc_err lc_fold_build(struct lc_fold **out);
void lc_fold_free(struct lc_fold *f);

/* The table lc_text_init built, or NULL before it succeeded. */
const struct lc_fold *lc_fold_get(void);

static inline uint32_t lc_fold_entry(const struct lc_fold *f, uint32_t cp)
{
    return f->blocks[((size_t)f->index[cp >> 8] << 8) | (cp & 0xFFu)];
}

/* True when BMP code point cp (< 0x10000) stands for itself. */
static inline int lc_fold_keeps(const struct lc_fold *f, uint32_t cp)
{
    return (int)((f->keep[cp >> 6] >> (cp & 63)) & 1u);
}

#endif
