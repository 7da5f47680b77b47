/* t2s.h -- the traditional -> simplified character table (private to text/).
 *
 * The definition is generated at build time by scripts/gen_t2s.py from
 * OpenCC's TSCharacters data (see src/text/text.cmake) into the build's gen
 * folder.  Pairs {traditional, simplified}, sorted by the first; chains are
 * already resolved, so one lookup gives the final character.  fold.c copies
 * it into the per-code-point fold table in lc_text_init. */
#ifndef LC_TEXT_T2S_H
#define LC_TEXT_T2S_H

#include <stddef.h>
#include <stdint.h>

extern const uint32_t lc_t2s_map[][2];
extern const size_t lc_t2s_len;

#endif
