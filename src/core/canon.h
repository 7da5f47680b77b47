/* canon.h -- canonical JSON text: compact, object members sorted by key
 * (bytewise), byte for byte what jansson's json_dumps(v, JSON_COMPACT |
 * JSON_SORT_KEYS) writes, but into one growing buffer without building or
 * copying any JSON values (the archive's Merkle leaves are such bytes).
 *
 * The buffer is owned by the caller: zero-initialise it, append, then
 * free(b->buf).  On failure (out of memory, nesting deeper than
 * LC_CANON_MAX_DEPTH, a value that is not JSON) the writer returns -1 and
 * b->failed stays set: later appends do nothing and also return -1. */
#ifndef LC_CORE_CANON_H
#define LC_CORE_CANON_H

#include <jansson.h>
#include <stddef.h>

#define LC_CANON_MAX_DEPTH 2048 /* as jansson's parser: anything it parses fits */

struct lc_canon {
    char *buf; /* NUL-terminated after every successful append */
    size_t len, cap;
    int failed;
};

/* Appends n raw bytes (the caller's own JSON punctuation or literals). */
int lc_canon_raw(struct lc_canon *b, const char *s, size_t n);
/* Appends s[0..n) as a JSON string, quoted and escaped as jansson does
 * (s must be UTF-8; jansson's strings are). */
int lc_canon_string(struct lc_canon *b, const char *s, size_t n);
/* Appends v in canonical form. */
int lc_canon_value(struct lc_canon *b, const json_t *v);
/* Appends object obj with only the members for which keep(key, ctx) is
 * non-zero (keep NULL: all of them); *kept (may be NULL) gets how many. */
int lc_canon_object(struct lc_canon *b, const json_t *obj, int (*keep)(const char *key, void *ctx),
                    void *ctx, size_t *kept);

#endif
