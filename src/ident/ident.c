/* ident.c -- resident ID numbers, unified social credit codes, and masks.
 *
 * The two validators implement the check-character algorithms of GB
 * 11643-1999 (ISO 7064 MOD 11-2) and GB 32100-2015 (mod 31), as worked
 * through in requirements §C, and nothing else: region and registration
 * authority codes are not looked up.  The masks are what every response and
 * log line shows by default, so they are written to fail closed: anything
 * that does not look like the expected shape (wrong characters, invalid
 * UTF-8) is starred in full rather than partly revealed. */
#include "ident/ident.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const int id_weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
static const char id_checks[] = "10X98765432";

/* GB 32100-2015 alphabet; a character's value is its index. */
static const char cc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int cc_weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

static void say(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    if (!why || whylen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Value of a credit-code character (either case), or -1. */
static int cc_value(char c)
{
    if (c >= 'a' && c <= 'z')
        c = (char)(c - 'a' + 'A');
    if (c == '\0')
        return -1;
    const char *p = strchr(cc_alphabet, c);
    return p ? (int)(p - cc_alphabet) : -1;
}

/* Length of s, but stops counting past max so a huge input costs nothing. */
static size_t bounded_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n <= max && s[n])
        n++;
    return n;
}

char lc_ident_id_check_char(const char *first17)
{
    int sum = 0;
    if (!first17)
        return '?';
    for (int i = 0; i < 17; i++) {
        if (!is_digit(first17[i]))
            return '?';
        sum += (first17[i] - '0') * id_weights[i];
    }
    return id_checks[sum % 11];
}

char lc_ident_credit_check_char(const char *first17)
{
    int sum = 0;
    if (!first17)
        return '?';
    for (int i = 0; i < 17; i++) {
        int v = cc_value(first17[i]);
        if (v < 0)
            return '?';
        sum += v * cc_weights[i];
    }
    return cc_alphabet[(31 - sum % 31) % 31];
}

static int two_digits(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

enum lc_err lc_ident_check_id_number(const char *s, struct lc_date today, char *norm,
                                     struct lc_date *birth, char *why, size_t whylen)
{
    char buf[LC_IDNUM_LEN + 1];
    struct lc_date b;

    if (!s || bounded_len(s, LC_IDNUM_LEN) != LC_IDNUM_LEN) {
        say(why, whylen, "must be 18 characters");
        return LC_EINVAL;
    }
    for (int i = 0; i < 17; i++) {
        if (!is_digit(s[i])) {
            say(why, whylen, "character %d must be a digit", i + 1);
            return LC_EINVAL;
        }
    }
    memcpy(buf, s, sizeof buf);
    if (buf[17] == 'x')
        buf[17] = 'X';
    if (!is_digit(buf[17]) && buf[17] != 'X') {
        say(why, whylen, "character 18 must be a digit or X");
        return LC_EINVAL;
    }
    if (buf[0] == '0') {
        say(why, whylen, "region code must start with 1-9");
        return LC_EINVAL;
    }
    char want = lc_ident_id_check_char(buf);
    if (buf[17] != want) {
        say(why, whylen, "bad check character: expected %c", want);
        return LC_EINVAL;
    }
    b.year = two_digits(buf + 6) * 100 + two_digits(buf + 8);
    b.month = two_digits(buf + 10);
    b.day = two_digits(buf + 12);
    if (!lc_date_valid(b)) {
        say(why, whylen, "birth date is not a real date");
        return LC_EINVAL;
    }
    if (b.year < 1900) {
        say(why, whylen, "birth date is before 1900");
        return LC_EINVAL;
    }
    if (lc_days_from_civil(b) > lc_days_from_civil(today)) {
        say(why, whylen, "birth date is in the future");
        return LC_EINVAL;
    }
    if (norm)
        memcpy(norm, buf, sizeof buf);
    if (birth)
        *birth = b;
    return LC_OK;
}

enum lc_err lc_ident_check_credit_code(const char *s, char *norm, char *why, size_t whylen)
{
    char buf[LC_IDNUM_LEN + 1];

    if (!s || bounded_len(s, LC_IDNUM_LEN) != LC_IDNUM_LEN) {
        say(why, whylen, "must be 18 characters");
        return LC_EINVAL;
    }
    for (int i = 0; i < LC_IDNUM_LEN; i++) {
        int v = cc_value(s[i]);
        if (v < 0 && i == 17) {
            /* The standard's own printed example ends in Z; say what the
             * check character should be rather than just "not allowed". */
            say(why, whylen, "bad check character: expected %c",
                lc_ident_credit_check_char(s));
            return LC_EINVAL;
        }
        if (v < 0) {
            say(why, whylen, "character %d is not allowed (0-9 and A-Y without I O S V)",
                i + 1);
            return LC_EINVAL;
        }
        buf[i] = cc_alphabet[v];
    }
    buf[LC_IDNUM_LEN] = '\0';
    char want = lc_ident_credit_check_char(buf);
    if (buf[17] != want) {
        say(why, whylen, "bad check character: expected %c", want);
        return LC_EINVAL;
    }
    if (norm)
        memcpy(norm, buf, sizeof buf);
    return LC_OK;
}

/* Output under construction: appends whole pieces only, so a truncated
 * result never ends in part of a UTF-8 sequence. */
struct sink {
    char *out;
    size_t cap; /* bytes available for text, excluding the NUL */
    size_t len;
    bool full;
};

static void sink_init(struct sink *k, char *out, size_t outlen)
{
    k->out = out;
    k->cap = outlen - 1;
    k->len = 0;
    k->full = false;
    out[0] = '\0';
}

static void put(struct sink *k, const char *p, size_t n)
{
    if (k->full || n > k->cap - k->len) {
        k->full = true;
        return;
    }
    memcpy(k->out + k->len, p, n);
    k->len += n;
    k->out[k->len] = '\0';
}

static void stars(struct sink *k, size_t n)
{
    while (n-- > 0 && !k->full)
        put(k, "*", 1);
}

static bool is_plain_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f)
            return false;
    }
    return true;
}

/* Keeps head bytes and tail bytes of s (length n) and stars the middle;
 * if s is too short or not printable ASCII, stars all of it. */
static void keep_ends(const char *s, size_t n, size_t min, size_t head, size_t tail,
                      char *out, size_t outlen)
{
    struct sink k;
    sink_init(&k, out, outlen);
    if (n < min || !is_plain_ascii(s, n)) {
        stars(&k, n);
        return;
    }
    put(&k, s, head);
    stars(&k, n - head - tail);
    put(&k, s + n - tail, tail);
}

void lc_ident_mask_id(const char *id, char *out, size_t outlen)
{
    if (!out || outlen == 0)
        return;
    if (!id) {
        out[0] = '\0';
        return;
    }
    size_t n = strlen(id);
    if (n == LC_IDNUM_LEN)
        keep_ends(id, n, LC_IDNUM_LEN, 4, 4, out, outlen);
    else
        keep_ends(id, n, 6, 2, 2, out, outlen);
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlongs,
 * no surrogates, nothing above U+10FFFF), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *p)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return (p[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
        if (p[1] < lo || p[1] > hi || (p[2] & 0xc0) != 0x80)
            return 0;
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
        if (p[1] < lo || p[1] > hi || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
            return 0;
        return 4;
    }
    return 0;
}

void lc_ident_mask_name(const char *name, char *out, size_t outlen)
{
    struct sink k;
    if (!out || outlen == 0)
        return;
    sink_init(&k, out, outlen);
    if (!name)
        return;

    /* Count code points first; a continuation byte is never NUL, so
     * utf8_len stops at the terminator without reading past it. */
    const unsigned char *p = (const unsigned char *)name;
    size_t count = 0, first = 0, i = 0;
    while (p[i]) {
        size_t l = utf8_len(p + i);
        if (l == 0) {
            stars(&k, strlen(name));
            return;
        }
        if (count == 0)
            first = l;
        count++;
        i += l;
    }
    if (count <= 1) {
        stars(&k, count);
        return;
    }
    put(&k, name, first);
    stars(&k, count - 1);
}

void lc_ident_mask_phone(const char *phone, char *out, size_t outlen)
{
    if (!out || outlen == 0)
        return;
    if (!phone) {
        out[0] = '\0';
        return;
    }
    size_t n = strlen(phone);
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(phone[i]) && !(i == 0 && phone[i] == '+'))
            ok = false;
    }
    if (!ok) {
        struct sink k;
        sink_init(&k, out, outlen);
        stars(&k, n);
        return;
    }
    keep_ends(phone, n, 8, 3, 4, out, outlen);
}
