/* fuzz_segment.c -- the archive log's segment decoder (archive/seglog.h,
 * lc_seglog_decode), which open and verify run over whatever is on disk.
 *
 * The input is a segment file.  Its first record index is read from the
 * first frame header when there is one (so real segments decode in full),
 * else 0.  Checked on every input: records arrive with consecutive indexes,
 * back to back from offset 0, with lengths inside the cap; on LC_OK only
 * zeros follow the valid prefix; on LC_ECORRUPT the bad index is the one
 * after the last record delivered and the message names it; and the valid
 * prefix on its own decodes cleanly to the same length. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/seglog.h"

struct seen {
    const uint8_t *base;
    uint64_t next; /* index expected next */
    size_t end;    /* end of the last frame delivered */
    uint64_t count;
};

static int on_record(void *ctx, uint64_t idx, const uint8_t *p, size_t len)
{
    struct seen *s = ctx;
    if (idx != s->next || (size_t)(p - s->base) != s->end + LC_SEGLOG_FRAME_HEAD || len == 0 ||
        len > LC_SEGLOG_MAX_RECORD)
        abort();
    s->next++;
    s->count++;
    s->end = (size_t)(p - s->base) + len;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t first = 0;
    if (size >= 12 && memcmp(data, "LCR1", 4) == 0)
        for (int i = 0; i < 8; i++)
            first |= (uint64_t)data[4 + i] << (8 * i);
    struct seen s = {data, first, 0, 0};
    size_t good = SIZE_MAX;
    uint64_t bad = UINT64_MAX;
    char err[200] = "";
    enum lc_err rc = lc_seglog_decode(data, size, first, on_record, &s, &good, &bad, err,
                                      sizeof err);
    if (good > size || good != s.end)
        abort();
    if (rc == LC_OK) {
        for (size_t i = good; i < size; i++)
            if (data[i])
                abort(); /* only zeros may follow the frames */
    } else if (rc == LC_ECORRUPT) {
        char needle[40];
        snprintf(needle, sizeof needle, "record %llu:", (unsigned long long)bad);
        if (good >= size || bad != first + s.count || !strstr(err, needle))
            abort();
    } else {
        abort();
    }
    size_t good2 = SIZE_MAX;
    if (lc_seglog_decode(data, good, first, NULL, NULL, &good2, NULL, NULL, 0) != LC_OK ||
        good2 != good)
        abort();
    return 0;
}
