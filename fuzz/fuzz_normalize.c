/* fuzz_normalize.c -- libFuzzer harness for lc_text_normalize (src/text).
 *
 * Checks, for any input:
 *   - the result agrees with an independent strict UTF-8 validator: LC_OK
 *     exactly when the input is valid (and within LC_TEXT_MAX), LC_EINVAL
 *     with *bad at a position whose prefix is valid, LC_ETOOBIG past the cap;
 *     on failure the output is empty;
 *   - on LC_OK: output is valid UTF-8 and NUL-terminated; every output byte
 *     has a non-empty span inside the input, on character boundaries, and
 *     start/end are non-decreasing; lc_norm_span agrees with the arrays;
 *   - normalising the output again gives the same text (idempotence).
 * Any violation aborts, which libFuzzer reports as a crash. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/text.h"

#define CHECK(c)                                                                           \
    do {                                                                                   \
        if (!(c)) {                                                                        \
            fprintf(stderr, "fuzz_normalize: check failed: %s (line %d)\n", #c, __LINE__); \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

/* Length of the valid prefix under strict UTF-8 (Unicode table 3-7). */
static size_t valid_prefix(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t b = s[i];
        size_t n;
        uint32_t cp, min;
        if (b < 0x80) {
            i++;
            continue;
        } else if ((b & 0xE0) == 0xC0) {
            n = 2, cp = b & 0x1F, min = 0x80;
        } else if ((b & 0xF0) == 0xE0) {
            n = 3, cp = b & 0x0F, min = 0x800;
        } else if ((b & 0xF8) == 0xF0) {
            n = 4, cp = b & 0x07, min = 0x10000;
        } else {
            return i;
        }
        if (i + n > len)
            return i;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += n;
    }
    return len;
}

static bool boundary(const uint8_t *s, size_t len, size_t at)
{
    return at == 0 || at == len || (s[at] & 0xC0) != 0x80;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lc_norm a, b;
    lc_norm_init(&a);
    lc_norm_init(&b);
    CHECK(lc_text_init() == LC_OK);

    size_t bad = SIZE_MAX;
    enum lc_err e = lc_text_normalize((const char *)data, size, &a, &bad);
    size_t valid = valid_prefix(data, size);
    if (size > LC_TEXT_MAX) {
        CHECK(e == LC_ETOOBIG);
        CHECK(a.len == 0);
        goto out;
    }
    if (valid < size) {
        CHECK(e == LC_EINVAL);
        CHECK(bad == valid);
        CHECK(a.len == 0);
        CHECK(a.text == NULL || a.text[0] == '\0');
        goto out;
    }
    CHECK(e == LC_OK);
    CHECK(bad == SIZE_MAX);
    CHECK(a.text[a.len] == '\0');
    CHECK(valid_prefix((const uint8_t *)a.text, a.len) == a.len);
    for (size_t i = 0; i < a.len; i++) {
        CHECK(a.start[i] < a.end[i]);
        CHECK(a.end[i] <= size);
        CHECK(boundary(data, size, a.start[i]));
        CHECK(boundary(data, size, a.end[i]));
        if (i > 0) {
            CHECK(a.start[i - 1] <= a.start[i]);
            CHECK(a.end[i - 1] <= a.end[i]);
        }
    }
    if (a.len > 0) {
        uint32_t os, oe;
        lc_norm_span(&a, 0, a.len, &os, &oe);
        CHECK(os == a.start[0] && oe == a.end[a.len - 1]);
    }

    CHECK(lc_text_normalize(a.text, a.len, &b, NULL) == LC_OK);
    if (b.len != a.len || memcmp(a.text, b.text, a.len) != 0) {
        fprintf(stderr, "fuzz_normalize: not idempotent: \"%s\" then \"%s\"\n", a.text, b.text);
        abort();
    }
out:
    lc_norm_cleanup(&a);
    lc_norm_cleanup(&b);
    return 0;
}
