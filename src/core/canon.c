/* canon.c -- canonical JSON text without building JSON values. */
#include "core/canon.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SMALL_OBJECT 16 /* members sorted on the stack up to this many (small: up to
                         LC_CANON_MAX_DEPTH frames may be live) */

static int grow(struct lc_canon *b, size_t more)
{
    if (b->failed)
        return -1;
    if (more < b->cap - b->len) /* room for more bytes and a NUL */
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len <= more) {
        if (cap > SIZE_MAX / 2) {
            b->failed = 1;
            return -1;
        }
        cap *= 2;
    }
    char *p = realloc(b->buf, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->buf = p;
    b->cap = cap;
    return 0;
}

int lc_canon_raw(struct lc_canon *b, const char *s, size_t n)
{
    if (grow(b, n) != 0)
        return -1;
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
    return 0;
}

/* The escape for byte c: a quote, a backslash or a control byte. */
static const char *escape(unsigned char c, char seq[8])
{
    switch (c) {
    case '"':
        return "\\\"";
    case '\\':
        return "\\\\";
    case '\b':
        return "\\b";
    case '\f':
        return "\\f";
    case '\n':
        return "\\n";
    case '\r':
        return "\\r";
    case '\t':
        return "\\t";
    default:
        snprintf(seq, 8, "\\u%04X", c);
        return seq;
    }
}

int lc_canon_string(struct lc_canon *b, const char *s, size_t n)
{
    /* at most 6 bytes per input byte, plus the quotes */
    if (n > (SIZE_MAX - 2) / 6 || grow(b, n * 6 + 2) != 0)
        return -1;
    char *o = b->buf + b->len;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            *o++ = (char)c;
            continue;
        }
        char seq[8];
        const char *e = escape(c, seq);
        size_t k = strlen(e);
        memcpy(o, e, k);
        o += k;
    }
    *o++ = '"';
    b->len = (size_t)(o - b->buf);
    b->buf[b->len] = '\0';
    return 0;
}

struct member {
    const char *key;
    size_t klen;
    const json_t *value;
};

static int member_cmp(const void *x, const void *y)
{
    const struct member *a = x, *b = y;
    int r = memcmp(a->key, b->key, a->klen < b->klen ? a->klen : b->klen);
    return r ? r : (a->klen > b->klen) - (a->klen < b->klen);
}

static void sort_members(struct member *m, size_t n)
{
    if (n > 16) {
        qsort(m, n, sizeof *m, member_cmp);
        return;
    }
    for (size_t i = 1; i < n; i++) { /* insertion sort: most objects are small */
        struct member x = m[i];
        size_t j = i;
        for (; j > 0 && member_cmp(&m[j - 1], &x) > 0; j--)
            m[j] = m[j - 1];
        m[j] = x;
    }
}

static int value_at(struct lc_canon *b, const json_t *v, int depth);

static int object_at(struct lc_canon *b, const json_t *obj, int (*keep)(const char *, void *),
                     void *ctx, size_t *kept, int depth)
{
    struct member small[SMALL_OBJECT], *m = small;
    size_t n = json_object_size(obj), k = 0;
    if (n > SMALL_OBJECT && !(m = malloc(n * sizeof *m))) {
        b->failed = 1;
        return -1;
    }
    for (void *it = json_object_iter((json_t *)obj); it && k < n;
         it = json_object_iter_next((json_t *)obj, it)) {
        const char *key = json_object_iter_key(it);
        if (!keep || keep(key, ctx))
            m[k++] = (struct member){key, json_object_iter_key_len(it), json_object_iter_value(it)};
    }
    sort_members(m, k);
    int r = lc_canon_raw(b, "{", 1);
    for (size_t i = 0; i < k && r == 0; i++) {
        if (i)
            r = lc_canon_raw(b, ",", 1);
        if (r == 0)
            r = lc_canon_string(b, m[i].key, m[i].klen);
        if (r == 0)
            r = lc_canon_raw(b, ":", 1);
        if (r == 0)
            r = value_at(b, m[i].value, depth + 1);
    }
    if (r == 0)
        r = lc_canon_raw(b, "}", 1);
    if (m != small)
        free(m);
    if (kept)
        *kept = k;
    return r;
}

/* Reals as jansson formats them (%.17g, ".0" added, exponent trimmed). */
static int real_text(struct lc_canon *b, const json_t *v)
{
    char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    int r = t ? lc_canon_raw(b, t, strlen(t)) : -1;
    if (!t)
        b->failed = 1;
    free(t);
    return r;
}

static int value_at(struct lc_canon *b, const json_t *v, int depth)
{
    char num[32];
    if (depth > LC_CANON_MAX_DEPTH || !v) {
        b->failed = 1;
        return -1;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return object_at(b, v, NULL, NULL, NULL, depth);
    case JSON_ARRAY: {
        int r = lc_canon_raw(b, "[", 1);
        for (size_t i = 0; i < json_array_size(v) && r == 0; i++) {
            if (i)
                r = lc_canon_raw(b, ",", 1);
            if (r == 0)
                r = value_at(b, json_array_get(v, i), depth + 1);
        }
        return r == 0 ? lc_canon_raw(b, "]", 1) : r;
    }
    case JSON_STRING:
        return lc_canon_string(b, json_string_value(v), json_string_length(v));
    case JSON_INTEGER: {
        int k = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return lc_canon_raw(b, num, (size_t)k);
    }
    case JSON_REAL:
        return real_text(b, v);
    case JSON_TRUE:
        return lc_canon_raw(b, "true", 4);
    case JSON_FALSE:
        return lc_canon_raw(b, "false", 5);
    case JSON_NULL:
        return lc_canon_raw(b, "null", 4);
    }
    b->failed = 1;
    return -1;
}

int lc_canon_value(struct lc_canon *b, const json_t *v)
{
    return b->failed ? -1 : value_at(b, v, 0);
}

int lc_canon_object(struct lc_canon *b, const json_t *obj, int (*keep)(const char *key, void *ctx),
                    void *ctx, size_t *kept)
{
    if (b->failed || !json_is_object(obj)) {
        b->failed = 1;
        return -1;
    }
    return object_at(b, obj, keep, ctx, kept, 0);
}
