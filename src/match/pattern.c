/* pattern.c -- parser for the pattern subset of match.h and its translation
 * into a byte-level Vectorscan regex.
 *
 * The grammar is deliberately closed: anything that is not a literal
 * character, \d, an escaped ASCII punctuation character, a non-negated
 * ASCII class, or one of the quantifiers ?, {n}, {n,m} after an atom is an
 * error naming the column, rather than being passed through to an engine
 * that might read it differently. */
#include "match/pattern.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
    const uint8_t *src;
    size_t len, i;
    size_t index; /* the pattern's index in the compile call, for messages */
    char *err;
    size_t errlen;
};

/* 1-based column of byte offset off: UTF-8 characters before it, plus one. */
static unsigned column_at(const uint8_t *src, size_t off)
{
    unsigned col = 1;
    for (size_t k = 0; k < off; k++)
        col += (src[k] & 0xC0) != 0x80;
    return col;
}

__attribute__((format(printf, 3, 4))) static enum lc_err fail(struct parser *ps, size_t at,
                                                              const char *fmt, ...)
{
    if (ps->err && ps->errlen) {
        int k = snprintf(ps->err, ps->errlen, "pattern %zu: column %u: ", ps->index,
                         column_at(ps->src, at));
        if (k >= 0 && (size_t)k < ps->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(ps->err + k, ps->errlen - (size_t)k, fmt, ap);
            va_end(ap);
        }
    }
    return LC_EINVAL;
}

/* Length of the well-formed UTF-8 character at s (RFC 3629: no overlongs,
 * no surrogates, at most U+10FFFF), or 0. */
static size_t utf8_char(const uint8_t *s, size_t avail)
{
    uint8_t b = s[0];
    if (b < 0x80)
        return 1;
    size_t n;
    uint8_t lo = 0x80, hi = 0xBF; /* bounds of the second byte */
    if (b >= 0xC2 && b <= 0xDF)
        n = 2;
    else if (b >= 0xE0 && b <= 0xEF) {
        n = 3;
        if (b == 0xE0)
            lo = 0xA0;
        else if (b == 0xED)
            hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        n = 4;
        if (b == 0xF0)
            lo = 0x90;
        else if (b == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (avail < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < n; k++)
        if ((s[k] & 0xC0) != 0x80)
            return 0;
    return n;
}

static bool is_punct(uint8_t c)
{
    return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
           (c >= 0x7B && c <= 0x7E);
}

static void set_add(uint64_t set[4], unsigned c)
{
    set[c >> 6] |= 1ull << (c & 63);
}

static void set_digits(uint64_t set[4])
{
    for (unsigned c = '0'; c <= '9'; c++)
        set_add(set, c);
}

/* Reads a decimal bound at ps->i; *ok false when there is no digit. */
static unsigned read_number(struct parser *ps, bool *ok)
{
    unsigned v = 0;
    *ok = false;
    while (ps->i < ps->len && ps->src[ps->i] >= '0' && ps->src[ps->i] <= '9') {
        if (v < 100000)
            v = v * 10 + (ps->src[ps->i] - '0');
        ps->i++;
        *ok = true;
    }
    return v;
}

/* One class element that may start or end a range: a plain ASCII
 * character or an escaped punctuation character.  At ps->i. */
static enum lc_err class_char(struct parser *ps, uint8_t *out, bool *is_digit_class)
{
    size_t at = ps->i;
    uint8_t c = ps->src[at];
    *is_digit_class = false;
    if (c == '\\') {
        if (at + 1 >= ps->len)
            return fail(ps, at, "trailing backslash");
        uint8_t d = ps->src[at + 1];
        ps->i += 2;
        if (d == 'd') {
            *is_digit_class = true;
            return LC_OK;
        }
        if (is_punct(d)) {
            *out = d;
            return LC_OK;
        }
        if (d >= 0x20 && d < 0x7F)
            return fail(ps, at, "unsupported escape \\%c (only \\d and escaped punctuation)", d);
        return fail(ps, at, "unsupported escape (only \\d and escaped punctuation)");
    }
    if (c == '[')
        return fail(ps, at, "'[' inside a class must be escaped as \\[");
    if (c >= 0x80)
        return fail(ps, at, "classes take ASCII characters only");
    *out = c;
    ps->i++;
    return LC_OK;
}

static enum lc_err parse_class(struct parser *ps, struct lc_match_atom *a)
{
    size_t open = ps->i;
    ps->i++; /* '[' */
    if (ps->i < ps->len && ps->src[ps->i] == '^')
        return fail(ps, ps->i, "negated classes are not supported");
    bool any = false;
    for (;;) {
        if (ps->i >= ps->len)
            return fail(ps, open, "unbalanced '[': the class is not closed");
        if (ps->src[ps->i] == ']')
            break;
        size_t at = ps->i;
        uint8_t lo = 0, hi;
        bool digits;
        enum lc_err e = class_char(ps, &lo, &digits);
        if (e != LC_OK)
            return e;
        any = true;
        if (digits) {
            set_digits(a->set);
            continue;
        }
        hi = lo;
        if (ps->i + 1 < ps->len && ps->src[ps->i] == '-' && ps->src[ps->i + 1] != ']') {
            ps->i++;
            size_t at2 = ps->i;
            e = class_char(ps, &hi, &digits);
            if (e != LC_OK)
                return e;
            if (digits)
                return fail(ps, at2, "\\d cannot end a range");
            if (hi < lo)
                return fail(ps, at, "range is out of order (0x%02X after 0x%02X)", hi, lo);
        }
        for (unsigned c = lo; c <= hi; c++)
            set_add(a->set, c);
    }
    if (!any)
        return fail(ps, open, "empty class []");
    ps->i++; /* ']' */
    a->nbytes = 0;
    return LC_OK;
}

/* An optional quantifier after an atom. */
static enum lc_err parse_quantifier(struct parser *ps, struct lc_match_atom *a)
{
    a->min = a->max = 1;
    if (ps->i >= ps->len)
        return LC_OK;
    uint8_t c = ps->src[ps->i];
    if (c == '?') {
        a->min = 0;
        ps->i++;
        return LC_OK;
    }
    if (c == '*' || c == '+')
        return fail(ps, ps->i, "unbounded repetition '%c' is not supported; use {n,m}", c);
    if (c != '{')
        return LC_OK;
    size_t open = ps->i;
    ps->i++;
    bool ok;
    unsigned lo = read_number(ps, &ok), hi;
    if (!ok)
        return fail(ps, open, "'{' must be followed by a number: {n} or {n,m}");
    hi = lo;
    if (ps->i < ps->len && ps->src[ps->i] == ',') {
        ps->i++;
        hi = read_number(ps, &ok);
        if (!ok) {
            if (ps->i < ps->len && ps->src[ps->i] == '}')
                return fail(ps, open, "unbounded repetition {%u,} is not supported; use {n,m}",
                            lo);
            return fail(ps, open, "'{n,' must be followed by a number and '}'");
        }
    }
    if (ps->i >= ps->len || ps->src[ps->i] != '}')
        return fail(ps, open, "unbalanced '{': expected {n} or {n,m}");
    ps->i++;
    if (hi > LC_MATCH_MAX_REPEAT || lo > LC_MATCH_MAX_REPEAT)
        return fail(ps, open, "repetition bound above %d", LC_MATCH_MAX_REPEAT);
    if (hi < lo)
        return fail(ps, open, "{%u,%u}: the upper bound is below the lower bound", lo, hi);
    if (hi == 0)
        return fail(ps, open, "{0} repeats nothing; remove the atom");
    a->min = (uint8_t)lo;
    a->max = (uint8_t)hi;
    return LC_OK;
}

enum lc_err lc_match_pat_parse(const char *src, size_t index, struct lc_match_pat *out,
                               char *err, size_t errlen)
{
    struct parser ps = {(const uint8_t *)src, strlen(src), 0, index, err, errlen};
    struct lc_match_atom *atoms = NULL;
    size_t n = 0;
    uint32_t minw = 0, maxw = 0;
    enum lc_err e = LC_OK;

    if (ps.len == 0) {
        e = fail(&ps, 0, "empty pattern");
        goto out;
    }
    if (ps.len > LC_MATCH_MAX_SRC) {
        e = fail(&ps, 0, "pattern longer than %d bytes", LC_MATCH_MAX_SRC);
        goto out;
    }
    /* Each atom consumes at least one source byte. */
    atoms = calloc(ps.len, sizeof *atoms);
    if (!atoms) {
        e = LC_ENOMEM;
        goto out;
    }
    bool after_quantifier = false;
    while (ps.i < ps.len) {
        size_t at = ps.i;
        uint8_t c = ps.src[at];
        struct lc_match_atom *a = &atoms[n];
        switch (c) {
        case '\\': {
            if (at + 1 >= ps.len) {
                e = fail(&ps, at, "trailing backslash");
                goto out;
            }
            uint8_t d = ps.src[at + 1];
            if (d == 'd')
                set_digits(a->set);
            else if (is_punct(d)) {
                a->bytes[0] = d;
                a->nbytes = 1;
            } else if (d >= 0x20 && d < 0x7F) {
                e = fail(&ps, at, "unsupported escape \\%c (only \\d and escaped punctuation)",
                         d);
                goto out;
            } else {
                e = fail(&ps, at, "unsupported escape (only \\d and escaped punctuation)");
                goto out;
            }
            ps.i += 2;
            break;
        }
        case '[':
            e = parse_class(&ps, a);
            if (e != LC_OK)
                goto out;
            break;
        case '?':
        case '{':
            e = after_quantifier
                    ? fail(&ps, at, "quantifier '%c' follows a quantifier", c)
                    : fail(&ps, at, "quantifier '%c' has nothing to repeat", c);
            goto out;
        case '*':
        case '+':
            e = fail(&ps, at, "unbounded repetition '%c' is not supported; use {n,m}", c);
            goto out;
        case '}':
        case ']':
            e = fail(&ps, at, "unbalanced '%c'; write \\%c to match it literally", c, c);
            goto out;
        case '.':
        case '(':
        case ')':
        case '|':
        case '^':
        case '$':
            e = fail(&ps, at, "unsupported syntax '%c'; write \\%c to match it literally", c, c);
            goto out;
        default: {
            size_t k = utf8_char(ps.src + at, ps.len - at);
            if (k == 0) {
                e = fail(&ps, at, "invalid UTF-8");
                goto out;
            }
            memcpy(a->bytes, ps.src + at, k);
            a->nbytes = (uint8_t)k;
            ps.i += k;
            break;
        }
        }
        size_t before = ps.i;
        e = parse_quantifier(&ps, a);
        if (e != LC_OK)
            goto out;
        after_quantifier = ps.i != before;
        uint32_t w = a->nbytes ? a->nbytes : 1;
        minw += w * a->min;
        maxw += w * a->max;
        if (maxw > LC_MATCH_MAX_WIDTH) {
            e = fail(&ps, at, "a match could span more than %d bytes", LC_MATCH_MAX_WIDTH);
            goto out;
        }
        n++;
    }
    if (minw == 0) {
        e = fail(&ps, 0, "the pattern can match the empty string");
        goto out;
    }
    out->atoms = atoms;
    out->n = n;
    out->minw = minw;
    out->maxw = maxw;
    atoms = NULL;
out:
    free(atoms);
    return e;
}

/* True when the atom accepts ASCII digits and nothing else. */
static bool digits_only(const struct lc_match_atom *a)
{
    if (a->nbytes)
        return a->nbytes == 1 && a->bytes[0] >= '0' && a->bytes[0] <= '9';
    uint64_t digits = 0x3FFull << '0';
    return a->set[0] && (a->set[0] & ~digits) == 0 && !a->set[1] && !a->set[2] && !a->set[3];
}

void lc_match_pat_gate(const struct lc_match_pat *p, struct lc_match_gate *g)
{
    uint8_t cur[LC_MATCH_MAX_WIDTH];
    size_t clen = 0;
    uint32_t run = 0;
    memset(g, 0, sizeof *g);
    for (size_t k = 0; k <= p->n; k++) {
        const struct lc_match_atom *a = k < p->n ? &p->atoms[k] : NULL;
        /* digit runs: optional digit atoms keep the run going (a match has
         * digits or nothing there), anything else ends it */
        run = a && digits_only(a) ? run + a->min : 0;
        if (run > g->digits)
            g->digits = run;
        /* factors: a fixed character present at least once extends the
         * current one; a count that varies ends it after its minimum */
        bool fixed = a && a->nbytes && a->min >= 1;
        if (fixed && clen + (size_t)a->nbytes * a->min > sizeof cur)
            fixed = false; /* cannot happen: minw <= LC_MATCH_MAX_WIDTH */
        for (unsigned r = 0; fixed && r < a->min; r++) {
            memcpy(cur + clen, a->bytes, a->nbytes);
            clen += a->nbytes;
        }
        if (!fixed || a->min != a->max) {
            if (clen > g->flen) {
                memcpy(g->factor, cur, clen);
                g->flen = clen;
            }
            clen = 0;
        }
    }
}

void lc_match_pat_cleanup(struct lc_match_pat *p)
{
    if (!p)
        return;
    free(p->atoms);
    p->atoms = NULL;
    p->n = 0;
}

struct sbuf {
    char *s;
    size_t len, cap;
    bool oom;
};

__attribute__((format(printf, 2, 3))) static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->oom = true;
            return;
        }
        if (b->s && b->len + (size_t)k < b->cap) {
            b->len += (size_t)k;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->len + (size_t)k + 1)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = true;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}

static char *sb_take(struct sbuf *b)
{
    if (b->oom) {
        free(b->s);
        return NULL;
    }
    if (!b->s)
        sb_printf(b, "%s", "");
    return b->oom ? NULL : b->s;
}

char *lc_match_pat_regex(const struct lc_match_pat *p)
{
    struct sbuf b = {0};
    for (size_t k = 0; k < p->n; k++) {
        const struct lc_match_atom *a = &p->atoms[k];
        if (a->nbytes == 1) {
            sb_printf(&b, "\\x%02x", a->bytes[0]);
        } else if (a->nbytes > 1) {
            sb_printf(&b, "(?:");
            for (unsigned j = 0; j < a->nbytes; j++)
                sb_printf(&b, "\\x%02x", a->bytes[j]);
            sb_printf(&b, ")");
        } else {
            sb_printf(&b, "[");
            for (unsigned c = 0; c < 256; c++) {
                if (!lc_match_set_has(a->set, c))
                    continue;
                unsigned hi = c;
                while (hi + 1 < 256 && lc_match_set_has(a->set, hi + 1))
                    hi++;
                if (hi == c)
                    sb_printf(&b, "\\x%02x", c);
                else
                    sb_printf(&b, "\\x%02x-\\x%02x", c, hi);
                c = hi;
            }
            sb_printf(&b, "]");
        }
        if (a->min == 0 && a->max == 1)
            sb_printf(&b, "?");
        else if (a->min == a->max && a->min != 1)
            sb_printf(&b, "{%u}", a->min);
        else if (a->min != a->max)
            sb_printf(&b, "{%u,%u}", a->min, a->max);
    }
    return sb_take(&b);
}

char *lc_match_lit_regex(const uint8_t *s, size_t len)
{
    char *r = malloc(len * 4 + 1);
    if (!r)
        return NULL;
    static const char hex[] = "0123456789abcdef";
    for (size_t k = 0; k < len; k++) {
        r[4 * k] = '\\';
        r[4 * k + 1] = 'x';
        r[4 * k + 2] = hex[s[k] >> 4];
        r[4 * k + 3] = hex[s[k] & 15];
    }
    r[len * 4] = '\0';
    return r;
}
