/* text.c -- lc_text_normalize: one pass from UTF-8 to folded UTF-8 with an
 * offset map (contract in text.h).
 *
 * The per-character folds are a lookup in the table fold.c builds once; this
 * file decodes and validates the input, applies the entry, and does the two
 * steps that depend on neighbours while writing the output:
 *   - digit look-alikes: a run of o, l or i (after folding, so O, I, and the
 *     Cyrillic/Greek look-alikes too) with a digit on both sides becomes
 *     0 (o) or 1 (l, i).  The run is written as letters and rewritten in
 *     place when the next digit arrives; it has the same length either way.
 *     Letters in the run do not collapse until the run is known to be letters.
 *   - repeat collapse: a character equal to the last one written is not
 *     written again; the kept one's span grows to cover it.  Digits never
 *     collapse (phone numbers, prices).
 * Output bytes each get the byte span of the input character they came from;
 * several output bytes can share one span (a multi-byte character, or a
 * character that folds to several, like ⑩ -> 10). */
#include "text/text.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "text/fold.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static struct lc_fold *tables; /* read-only once built; kept until exit */
static enum lc_err init_err;

static void build_tables(void)
{
    init_err = lc_fold_build(&tables);
}

enum lc_err lc_text_init(void)
{
    pthread_once(&init_once, build_tables);
    return init_err;
}

const struct lc_fold *lc_fold_get(void)
{
    return lc_text_init() == LC_OK ? tables : NULL;
}

void lc_norm_init(struct lc_norm *n)
{
    memset(n, 0, sizeof *n);
}

void lc_norm_cleanup(struct lc_norm *n)
{
    if (!n)
        return;
    free(n->text);
    free(n->start);
    free(n->end);
    memset(n, 0, sizeof *n);
}

void lc_norm_span(const struct lc_norm *n, size_t s, size_t e, uint32_t *os, uint32_t *oe)
{
    if (n->len == 0) {
        *os = *oe = 0;
        return;
    }
    /* Out-of-range requests are clamped rather than trusted. */
    if (s >= n->len)
        s = n->len - 1;
    if (e > n->len)
        e = n->len;
    if (e <= s)
        e = s + 1;
    /* Both arrays are non-decreasing, so the ends give the whole span. */
    *os = n->start[s];
    *oe = n->end[e - 1];
}

/* Makes room for need output bytes (plus the NUL).  On failure the buffers
 * that did grow are kept, and cap stays what all three can hold. */
static bool reserve(struct lc_norm *n, size_t need)
{
    if (need <= n->cap)
        return true;
    size_t cap = n->cap ? n->cap : 256;
    while (cap < need)
        cap *= 2;
    char *t = realloc(n->text, cap + 1);
    if (!t)
        return false;
    n->text = t;
    uint32_t *s = realloc(n->start, cap * sizeof *s);
    if (!s)
        return false;
    n->start = s;
    uint32_t *e = realloc(n->end, cap * sizeof *e);
    if (!e)
        return false;
    n->end = e;
    n->cap = cap;
    return true;
}

static void set_empty(struct lc_norm *n)
{
    n->len = 0;
    if (n->text)
        n->text[0] = '\0';
}

#define NO_RUN SIZE_MAX
#define NO_CHAR UINT32_MAX

struct writer {
    uint8_t *text;
    uint32_t *start, *end;
    size_t o;        /* bytes written */
    size_t last_pos; /* where the last written character begins */
    size_t run;      /* start of a pending o/l/i run after a digit, or NO_RUN */
    uint32_t last;   /* last written code point, or NO_CHAR */
};

static inline bool is_digit(uint32_t c)
{
    return c - '0' < 10u;
}

/* Writes one character of nb bytes.  The caller keeps at least 4 bytes of
 * slack, so all four offset slots can be stored unconditionally. */
static inline void put(struct writer *w, const uint8_t *u, unsigned nb, uint32_t s, uint32_t e)
{
    size_t o = w->o;
    for (unsigned i = 0; i < 4; i++) {
        w->start[o + i] = s;
        w->end[o + i] = e;
    }
    switch (nb) {
    case 4:
        w->text[o + 3] = u[3];
        /* fall through */
    case 3:
        w->text[o + 2] = u[2];
        /* fall through */
    case 2:
        w->text[o + 1] = u[1];
        /* fall through */
    default:
        w->text[o] = u[0];
    }
    w->last_pos = o;
    w->o = o + nb;
}

/* The last character absorbs a repeat of itself ending at e. */
static inline void widen(struct writer *w, uint32_t e)
{
    for (size_t i = w->last_pos; i < w->o; i++)
        w->end[i] = e;
}

/* A pending o/l/i run turned out to sit between digits. */
static void run_to_digits(struct writer *w)
{
    for (size_t i = w->run; i < w->o; i++)
        w->text[i] = w->text[i] == 'o' ? '0' : '1';
    w->run = NO_RUN;
}

/* A pending run turned out to be letters: collapse its repeats now. */
static void run_to_letters(struct writer *w)
{
    size_t r = w->run, k = r;
    for (size_t i = r; i < w->o; i++) {
        if (k > r && w->text[k - 1] == w->text[i]) {
            w->end[k - 1] = w->end[i];
            continue;
        }
        w->text[k] = w->text[i];
        w->start[k] = w->start[i];
        w->end[k] = w->end[i];
        k++;
    }
    w->o = k;
    w->last_pos = k - 1;
    w->last = w->text[k - 1];
    w->run = NO_RUN;
}

static inline void emit_ascii(struct writer *w, uint8_t c, uint32_t s, uint32_t e)
{
    if (is_digit(c)) {
        if (w->run != NO_RUN)
            run_to_digits(w);
        put(w, &c, 1, s, e);
        w->last = c;
        return;
    }
    bool look = c == 'o' || c == 'l' || c == 'i';
    if (w->run != NO_RUN) {
        if (look) {
            put(w, &c, 1, s, e);
            w->last = c;
            return;
        }
        run_to_letters(w);
    } else if (look && is_digit(w->last)) {
        w->run = w->o;
        put(w, &c, 1, s, e);
        w->last = c;
        return;
    }
    if (c == w->last) {
        widen(w, e);
        return;
    }
    put(w, &c, 1, s, e);
    w->last = c;
}

/* A non-ASCII character cp, UTF-8 in u[0..nb). */
static inline void emit_wide(struct writer *w, uint32_t cp, const uint8_t *u, unsigned nb,
                             uint32_t s, uint32_t e)
{
    if (w->run != NO_RUN)
        run_to_letters(w);
    if (cp == w->last) {
        widen(w, e);
        return;
    }
    put(w, u, nb, s, e);
    w->last = cp;
}

static void emit_cp(struct writer *w, uint32_t cp, uint32_t s, uint32_t e)
{
    uint8_t u[4] = {0};
    if (cp < 0x80) {
        emit_ascii(w, (uint8_t)cp, s, e);
        return;
    }
    unsigned nb;
    if (cp < 0x800) {
        u[0] = (uint8_t)(0xC0 | (cp >> 6));
        u[1] = (uint8_t)(0x80 | (cp & 0x3F));
        nb = 2;
    } else if (cp < 0x10000) {
        u[0] = (uint8_t)(0xE0 | (cp >> 12));
        u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (uint8_t)(0x80 | (cp & 0x3F));
        nb = 3;
    } else {
        u[0] = (uint8_t)(0xF0 | (cp >> 18));
        u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (uint8_t)(0x80 | (cp & 0x3F));
        nb = 4;
    }
    emit_wide(w, cp, u, nb, s, e);
}

/* Decodes one strictly valid UTF-8 character (Unicode table 3-7: no
 * overlongs, surrogates, code points past U+10FFFF or truncated sequences)
 * from p[0..rem), rem >= 1, p[0] >= 0x80.  Returns its length, 0 if invalid. */
static inline unsigned decode(const uint8_t *p, size_t rem, uint32_t *cp)
{
    uint32_t b = p[0];
    if (b < 0xC2) {
        return 0;
    } else if (b < 0xE0) {
        if (rem < 2 || (p[1] & 0xC0) != 0x80)
            return 0;
        *cp = ((b & 0x1Fu) << 6) | (p[1] & 0x3Fu);
        return 2;
    } else if (b < 0xF0) {
        uint8_t lo = b == 0xE0 ? 0xA0 : 0x80, hi = b == 0xED ? 0x9F : 0xBF;
        if (rem < 3 || p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80)
            return 0;
        *cp = ((b & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
        return 3;
    } else if (b < 0xF5) {
        uint8_t lo = b == 0xF0 ? 0x90 : 0x80, hi = b == 0xF4 ? 0x8F : 0xBF;
        if (rem < 4 || p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80 ||
            (p[3] & 0xC0) != 0x80)
            return 0;
        *cp = ((b & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) |
              (p[3] & 0x3Fu);
        return 4;
    }
    return 0;
}

enum lc_err lc_text_normalize(const char *in, size_t len, struct lc_norm *out, size_t *bad)
{
    enum lc_err err = lc_text_init();
    const struct lc_fold *t = tables;
    /* Each input character may write max_out bytes and put() stores 4 offset
     * slots: this much room is kept free before each character. */
    const size_t slack = t ? (size_t)t->max_out + 4 : 0;

    if (err != LC_OK)
        goto out;
    if (len > LC_TEXT_MAX) {
        err = LC_ETOOBIG;
        goto out;
    }
    if (!reserve(out, len + slack)) {
        err = LC_ENOMEM;
        goto out;
    }
    struct writer w = {(uint8_t *)out->text, out->start, out->end, 0, 0, NO_RUN, NO_CHAR};
    const uint8_t *base = (const uint8_t *)in;

    for (size_t i = 0; i < len;) {
        if (out->cap - w.o < slack) {
            if (!reserve(out, out->cap * 2)) {
                err = LC_ENOMEM;
                goto out;
            }
            w.text = (uint8_t *)out->text;
            w.start = out->start;
            w.end = out->end;
        }
        const uint8_t *p = base + i;
        uint32_t s = (uint32_t)i, cp = p[0];
        if (cp < 0x80) {
            uint8_t c = t->ascii[cp];
            i++;
            if (c)
                emit_ascii(&w, c, s, s + 1);
            continue;
        }
        unsigned n = decode(p, len - i, &cp);
        if (n == 0) {
            if (bad)
                *bad = i;
            err = LC_EINVAL;
            goto out;
        }
        uint32_t v = lc_fold_entry(t, cp);
        if (v == LC_FOLD_KEEP) {
            emit_wide(&w, cp, p, n, s, s + n);
        } else if (v & LC_FOLD_EXP) {
            const uint32_t *q = t->pool + (v & ~LC_FOLD_EXP);
            for (uint32_t k = 1; k <= q[0]; k++)
                emit_cp(&w, q[k], s, s + n);
        } else if (v == LC_FOLD_ATTACH) {
            if (w.o > 0 && w.end[w.o - 1] == s)
                widen(&w, s + n);
        } else if (v != LC_FOLD_DROP) {
            emit_cp(&w, v, s, s + n);
        }
        i += n;
    }
    if (w.run != NO_RUN)
        run_to_letters(&w);
    out->text[w.o] = '\0';
    out->len = w.o;
out:
    if (err != LC_OK)
        set_empty(out);
    return err;
}
