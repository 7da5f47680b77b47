/* fuzz_bundle.c -- the offline evidence-bundle verifier (archive.h,
 * lc_bundle_verify) on arbitrary bytes: it must never crash, and it may
 * accept a bundle only when it names a format, a key and a checkpoint. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "archive/archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char report[4096];
    size_t checked = 0;
    enum lc_err err =
        lc_bundle_verify((const char *)data, size, NULL, &checked, report, sizeof report);
    if (err == LC_OK && (!memmem(data, size, "livecomply-evidence/1", 21) ||
                         !memmem(data, size, "checkpoint", 10)))
        abort();
    if (err != LC_OK && !report[0])
        abort(); /* every failure is explained */
    return 0;
}
