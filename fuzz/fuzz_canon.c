/* fuzz_canon.c -- core/canon.c against jansson on arbitrary JSON: for any
 * text jansson parses (NULs allowed in strings), lc_canon_value must write
 * exactly what json_dumps(JSON_COMPACT | JSON_SORT_KEYS) writes, since the
 * archive's leaves are those bytes. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/canon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *v = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (!v)
        return 0;
    char *want = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    struct lc_canon b = {0};
    int r = lc_canon_value(&b, v);
    /* whatever jansson parses is within LC_CANON_MAX_DEPTH: it must be
     * written, and exactly as jansson writes it */
    if (r != 0 || !want || strlen(want) != b.len || memcmp(want, b.buf, b.len) != 0)
        abort();
    free(b.buf);
    free(want);
    json_decref(v);
    return 0;
}
