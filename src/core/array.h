/* array.h -- growing a heap array by doubling, with overflow checks. */
#ifndef LC_CORE_ARRAY_H
#define LC_CORE_ARRAY_H

#include <stddef.h>

/* Makes *pp (an array of elem-byte items, capacity *cap) hold at least need
 * items, doubling from 16.  Returns 0, or -1 on overflow or out of memory,
 * leaving *pp and *cap unchanged. */
int lc_array_grow(void *pp, size_t *cap, size_t need, size_t elem);

#endif
