/* text.c -- lc_text_normalize: one pass from UTF-8 to folded UTF-8 with an
 * offset map (contract in text.h).
 *
 * The per-character folds are a lookup in the table fold.c builds once; this
 * file decodes and validates the input, applies the entry, and does the two
 * steps that depend on neighbours while writing the output:
 *   - digit look-alikes: a run of o, l or i (after folding, so O, I, and the
 *     Cyrillic/Greek look-alikes too) becomes 0 (o) or 1 (l, i) when it
 *     sits inside a digit run, or ends one (after at least 3 digits, and
 *     then the text or a non-ASCII character follows: "138-OO13-8OOO",
 *     "8OOO加我"), or starts one (at the start of the text or after a
 *     non-ASCII character, and at least 3 digits follow: "l38..." after
 *     "电话"; or after a Latin letter and a dropped separator, and then at
 *     least 6 digits follow: "tel：l86-O2l3-7759").  Ends and starts need the
 *     digits so that "2L", "1.5L装", "o1" and "ab l380" stay letters.  A
 *     run after a letter and a separator that repeats the letter ("tel：l")
 *     is written although repeats collapse, and taken out again if it
 *     turns out to be letters, so the result is then what collapsing would
 *     have given.  A run after a digit is written as letters and
 *     rewritten in place once decided; it has the same length either way,
 *     and its letters do not collapse until it is known to be letters.  A
 *     run that may start digits collapses as it is written (like any
 *     letters), so "ll38000" gives 138000: only the first of its digits can
 *     be lost, and the folds stay idempotent.
 *   - repeat collapse: a character equal to the last one written is not
 *     written again; the kept one's span grows to cover it.  Digits never
 *     collapse (phone numbers, prices).
 * Output bytes each get the byte span of the input character they came from;
 * several output bytes can share one span (a multi-byte character, or a
 * character that folds to several, like ⑩ -> 10). */
#include "text/text.h"

#include <pthread.h>
#include <stdatomic.h>
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
    if (n->len == 0 || !n->mapped) {
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

/* The writer's steps are written once and instantiated twice, with and
 * without the offset map (the `map` argument is a constant in each caller,
 * so the compiler drops the stores the unmapped pass does not need). */
#define INLINE static inline __attribute__((always_inline))

struct writer {
    uint8_t *text;
    uint32_t *start, *end;
    size_t o;        /* bytes written */
    size_t last_pos; /* where the last written character begins */
    size_t run;      /* start of a pending o/l/i run after a digit, or NO_RUN */
    size_t digits;   /* length of the digit run just written (before run) */
    size_t head;     /* start of an o/l/i run that may start digits, or NO_RUN */
    size_t head_end; /* where that run ends */
    size_t head_digits; /* digits written after it */
    size_t head_min; /* digits it needs after it to become digits */
    bool head_dup;   /* its first character repeats the one before it (the
                        separator between them kept it from collapsing) */
    bool sep;        /* a character was dropped since the last one written */
    uint32_t last;   /* last written code point, or NO_CHAR */
};

INLINE bool is_digit(uint32_t c)
{
    return c - '0' < 10u;
}

/* Writes one character of nb bytes.  The caller keeps at least 4 bytes of
 * slack, so all four offset slots can be stored unconditionally. */
INLINE void put(struct writer *w, const uint8_t *u, unsigned nb, uint32_t s, uint32_t e,
                const bool map)
{
    size_t o = w->o;
    if (map)
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
INLINE void widen(struct writer *w, uint32_t e, const bool map)
{
    if (map)
        for (size_t i = w->last_pos; i < w->o; i++)
            w->end[i] = e;
}

#define LOOK_MIN_DIGITS 3 /* digits a run must end or start to become digits */
#define LOOK_MIN_AFTER_WORD 6 /* ... when it starts them after a letter and a
                                 separator: a phone number, not "ab l380" */

static void to_digits(struct writer *w, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        w->text[i] = w->text[i] == 'o' ? '0' : '1';
    w->digits += to - from;
}

/* A pending o/l/i run turned out to sit between digits (or to end them). */
static void run_to_digits(struct writer *w)
{
    if (w->head != NO_RUN)
        w->head_digits += w->o - w->run;
    to_digits(w, w->run, w->o);
    w->run = NO_RUN;
}

/* Enough digits after a run that may start digits: it does. */
INLINE void check_head(struct writer *w)
{
    if (w->head != NO_RUN && w->head_digits >= w->head_min) {
        to_digits(w, w->head, w->head_end);
        w->head = NO_RUN;
    }
}

/* A run that may start digits turned out to be letters.  If its first
 * character repeats the letter before it, it is taken out (the bytes
 * written after it move back one), as collapsing would have done. */
static void drop_head(struct writer *w, const bool map)
{
    size_t h = w->head;
    w->head = NO_RUN;
    if (!w->head_dup)
        return;
    w->head_dup = false;
    size_t tail = w->o - h - 1;
    memmove(w->text + h, w->text + h + 1, tail);
    if (map) {
        w->end[h - 1] = w->end[h];
        memmove(w->start + h, w->start + h + 1, tail * sizeof *w->start);
        memmove(w->end + h, w->end + h + 1, tail * sizeof *w->end);
    }
    if (w->run != NO_RUN && w->run > h)
        w->run--;
    w->o--;
    w->last_pos--;
}

static void start_head(struct writer *w, size_t min, bool dup)
{
    w->head = w->o;
    w->head_end = w->o;
    w->head_digits = 0;
    w->head_min = min;
    w->head_dup = dup;
}

/* A pending run turned out to be letters: collapse its repeats now. */
INLINE void run_to_letters(struct writer *w, const bool map)
{
    size_t r = w->run, k = r;
    for (size_t i = r; i < w->o; i++) {
        if (k > r && w->text[k - 1] == w->text[i]) {
            if (map)
                w->end[k - 1] = w->end[i];
            continue;
        }
        w->text[k] = w->text[i];
        if (map) {
            w->start[k] = w->start[i];
            w->end[k] = w->end[i];
        }
        k++;
    }
    w->o = k;
    w->last_pos = k - 1;
    w->last = w->text[k - 1];
    w->run = NO_RUN;
}

static void run_to_letters_mapped(struct writer *w)
{
    run_to_letters(w, true);
}

static void run_to_letters_unmapped(struct writer *w)
{
    run_to_letters(w, false);
}

/* Rare (a digit, then o, l or i): kept out of line. */
INLINE void end_run(struct writer *w, const bool map)
{
    if (map)
        run_to_letters_mapped(w);
    else
        run_to_letters_unmapped(w);
}

/* A pending run after digits meets the end of the text or a non-ASCII
 * character: it ends the digits if there were enough of them (counting a
 * run that may start them: "l39OOOO"). */
INLINE void end_run_at_edge(struct writer *w, const bool map)
{
    if (w->head != NO_RUN && w->head_min > LOOK_MIN_DIGITS) {
        /* a head after a letter counts only with all its digits */
        if (w->digits >= LOOK_MIN_DIGITS)
            run_to_digits(w);
        else
            end_run(w, map);
        check_head(w);
        return;
    }
    size_t before = w->digits + (w->head != NO_RUN ? w->head_end - w->head : 0);
    if (before >= LOOK_MIN_DIGITS) {
        run_to_digits(w);
        if (w->head != NO_RUN) {
            to_digits(w, w->head, w->head_end);
            w->head = NO_RUN;
        }
    } else {
        end_run(w, map);
    }
}

INLINE void emit_ascii(struct writer *w, uint8_t c, uint32_t s, uint32_t e, const bool map)
{
    bool sep = w->sep;
    w->sep = false;
    if (is_digit(c)) {
        if (w->run != NO_RUN)
            run_to_digits(w);
        put(w, &c, 1, s, e, map);
        w->last = c;
        w->digits++;
        w->head_digits += w->head != NO_RUN;
        check_head(w);
        return;
    }
    bool look = c == 'o' || c == 'l' || c == 'i';
    if (w->run != NO_RUN) {
        if (look) {
            put(w, &c, 1, s, e, map);
            w->last = c;
            return;
        }
        end_run(w, map);
    } else if (look && is_digit(w->last)) {
        w->run = w->o;
        put(w, &c, 1, s, e, map);
        w->last = c;
        return;
    }
    w->digits = 0;
    if (w->head != NO_RUN && (!look || w->head_digits))
        drop_head(w, map); /* letters, not the start of digits */
    else if (look && w->head == NO_RUN) {
        if (w->last == NO_CHAR || w->last >= 0x80)
            start_head(w, LOOK_MIN_DIGITS, false);
        else if (sep) /* after a letter (a digit took the run path above) */
            start_head(w, LOOK_MIN_AFTER_WORD, c == w->last);
    }
    if (c == w->last && !(w->head_dup && w->head == w->o)) {
        widen(w, e, map);
        return;
    }
    put(w, &c, 1, s, e, map);
    w->last = c;
    if (w->head != NO_RUN)
        w->head_end = w->o;
}

/* A non-ASCII character cp, UTF-8 in u[0..nb). */
INLINE void emit_wide(struct writer *w, uint32_t cp, const uint8_t *u, unsigned nb, uint32_t s,
                      uint32_t e, const bool map)
{
    if (w->run != NO_RUN)
        end_run_at_edge(w, map);
    w->sep = false;
    w->digits = 0;
    if (w->head != NO_RUN)
        drop_head(w, map);
    if (cp == w->last) {
        widen(w, e, map);
        return;
    }
    put(w, u, nb, s, e, map);
    w->last = cp;
}

INLINE void emit_cp(struct writer *w, uint32_t cp, uint32_t s, uint32_t e, const bool map)
{
    uint8_t u[4] = {0};
    if (cp < 0x80) {
        emit_ascii(w, (uint8_t)cp, s, e, map);
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
    emit_wide(w, cp, u, nb, s, e, map);
}

/* A character the table does not keep as it is (folded, expanded, dropped,
 * or a combining mark): the less common case, out of line. */
INLINE void emit_folded(struct writer *w, const struct lc_fold *t, uint32_t v, uint32_t s,
                        uint32_t e, const bool map)
{
    if (v & LC_FOLD_EXP) {
        const uint32_t *q = t->pool + (v & ~LC_FOLD_EXP);
        for (uint32_t k = 1; k <= q[0]; k++)
            emit_cp(w, q[k], s, e, map);
    } else if (v == LC_FOLD_ATTACH) {
        /* end[] is non-decreasing, so the last written character ends at s
         * exactly when the mark follows it directly; without the map the
         * mark changes nothing */
        if (map && w->o > 0 && w->end[w->o - 1] == s)
            widen(w, e, map);
    } else if (v != LC_FOLD_DROP) {
        emit_cp(w, v, s, e, map);
    } else {
        w->sep = true;
    }
}

static void emit_folded_mapped(struct writer *w, const struct lc_fold *t, uint32_t v, uint32_t s,
                               uint32_t e)
{
    emit_folded(w, t, v, s, e, true);
}

static void emit_folded_unmapped(struct writer *w, const struct lc_fold *t, uint32_t v,
                                 uint32_t s, uint32_t e)
{
    emit_folded(w, t, v, s, e, false);
}

/* Decodes one strictly valid UTF-8 character (Unicode table 3-7: no
 * overlongs, surrogates, code points past U+10FFFF or truncated sequences)
 * from p[0..rem), rem >= 1, p[0] >= 0x80.  Returns its length, 0 if invalid.
 * Table 3-7's limits on the second byte (E0 A0.., ED ..9F, F0 90.., F4 ..8F)
 * are checked on the decoded value instead: they are exactly "not overlong,
 * not a surrogate, not past U+10FFFF".  Three-byte characters (all of CJK)
 * come first. */
static inline unsigned decode(const uint8_t *p, size_t rem, uint32_t *cp)
{
    uint32_t b = p[0], c;
    if ((b & 0xF0u) == 0xE0u) {
        if (rem < 3 || ((p[1] ^ 0x80u) | (p[2] ^ 0x80u)) >= 0x40u)
            return 0;
        c = ((b & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
        if (c < 0x800u || c - 0xD800u < 0x800u)
            return 0;
        *cp = c;
        return 3;
    }
    if ((b & 0xE0u) == 0xC0u) {
        if (b < 0xC2u || rem < 2 || (p[1] ^ 0x80u) >= 0x40u)
            return 0;
        *cp = ((b & 0x1Fu) << 6) | (p[1] & 0x3Fu);
        return 2;
    }
    if ((b & 0xF8u) == 0xF0u) {
        if (rem < 4 || ((p[1] ^ 0x80u) | (p[2] ^ 0x80u) | (p[3] ^ 0x80u)) >= 0x40u)
            return 0;
        c = ((b & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) |
            (p[3] & 0x3Fu);
        if (c < 0x10000u || c > 0x10FFFFu)
            return 0;
        *cp = c;
        return 4;
    }
    return 0;
}

/* The table once it is built: one acquire load on the hot path instead of
 * a pthread_once call per text. */
static const struct lc_fold *_Atomic ready;

static const struct lc_fold *get_tables(enum lc_err *err)
{
    const struct lc_fold *t = atomic_load_explicit(&ready, memory_order_acquire);
    if (t)
        return t;
    *err = lc_text_init();
    if (*err == LC_OK)
        atomic_store_explicit(&ready, tables, memory_order_release);
    return tables;
}

INLINE enum lc_err normalize(const char *in, size_t len, struct lc_norm *out, size_t *bad,
                             const bool map)
{
    enum lc_err err = LC_OK;
    const struct lc_fold *t = get_tables(&err);
    /* Each input character may write max_out bytes and put() stores 4 offset
     * slots: this much room is kept free before each character. */
    const size_t slack = t ? (size_t)t->max_out + 4 : 0;

    out->mapped = 0;
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
    struct writer w = {(uint8_t *)out->text, out->start, out->end, 0, 0, NO_RUN, 0, NO_RUN, 0,
                       0, LOOK_MIN_DIGITS, false, false, NO_CHAR};
    const uint8_t *base = (const uint8_t *)in;
    /* Room is checked against a local limit: out->cap itself would be
     * loaded again after every byte stored (a byte store may alias it). */
    size_t lim = out->cap - slack;

    for (size_t i = 0; i < len;) {
        if (w.o > lim) {
            if (!reserve(out, out->cap * 2)) {
                err = LC_ENOMEM;
                goto out;
            }
            w.text = (uint8_t *)out->text;
            w.start = out->start;
            w.end = out->end;
            lim = out->cap - slack;
        }
        const uint8_t *p = base + i;
        uint32_t s = (uint32_t)i, cp = p[0];
        if (cp < 0x80) {
            uint8_t c = t->ascii[cp];
            i++;
            if (c)
                emit_ascii(&w, c, s, s + 1, map);
            else
                w.sep = true;
            continue;
        }
        unsigned n = decode(p, len - i, &cp);
        if (n == 0) {
            if (bad)
                *bad = i;
            err = LC_EINVAL;
            goto out;
        }
        i += n;
        if (cp < 0x10000 && lc_fold_keeps(t, cp)) {
            if (n == 3) /* spelt out so the common case copies without a switch */
                emit_wide(&w, cp, p, 3, s, s + 3, map);
            else
                emit_wide(&w, cp, p, n, s, s + n, map);
            continue;
        }
        uint32_t v = lc_fold_entry(t, cp);
        if (v == LC_FOLD_KEEP)
            emit_wide(&w, cp, p, n, s, s + n, map);
        else if (map)
            emit_folded_mapped(&w, t, v, s, s + n);
        else
            emit_folded_unmapped(&w, t, v, s, s + n);
    }
    if (w.run != NO_RUN)
        end_run_at_edge(&w, map);
    if (w.head != NO_RUN)
        drop_head(&w, map);
    out->text[w.o] = '\0';
    out->len = w.o;
    out->mapped = map;
out:
    if (err != LC_OK)
        set_empty(out);
    return err;
}

enum lc_err lc_text_normalize(const char *in, size_t len, struct lc_norm *out, size_t *bad)
{
    return normalize(in, len, out, bad, true);
}

enum lc_err lc_text_normalize_unmapped(const char *in, size_t len, struct lc_norm *out,
                                       size_t *bad)
{
    return normalize(in, len, out, bad, false);
}
