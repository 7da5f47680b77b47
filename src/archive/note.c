/* note.c -- Ed25519 signed notes (c2sp.org/signed-note) and the checkpoint
 * text they carry (c2sp.org/tlog-checkpoint).
 *
 * The log signs each checkpoint with one Ed25519 key whose 32-byte seed
 * lives in a 0600 file, loaded or (when missing) created by core/secret.c,
 * the same way as seal.c's key, so two processes starting together agree
 * on one key and a crash leaves no short key file behind.
 *
 * Verification follows Go's golang.org/x/mod/sumdb/note.Open, the reader an
 * auditor is most likely to use, and is stricter where that costs nothing:
 * signature lines by other keys are skipped, but every line by the key we
 * were given must verify, and at least one must be present. */
#include "archive/note.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/secret.h"

#define SEED_BYTES crypto_sign_SEEDBYTES
#define PUB_BYTES crypto_sign_PUBLICKEYBYTES
#define SIG_BYTES crypto_sign_BYTES
#define KEYID_BYTES 4
#define ALG_ED25519 0x01
/* Go's note.Open gives up past 100 signature lines; so do we. */
#define MAX_SIGS 100
/* Notes here are checkpoints of a few hundred bytes; the cap only bounds
 * the work an oversized input can cause. */
#define MAX_NOTE (1u << 20)
#define B64 sodium_base64_VARIANT_ORIGINAL
/* U+2014 EM DASH and a space open every signature line. */
#define SIG_PREFIX "\xE2\x80\x94 "

_Static_assert(SEED_BYTES == 32 && PUB_BYTES == 32 && SIG_BYTES == 64, "ed25519 sizes");

struct lc_signer {
    char *name;
    uint8_t keyid[KEYID_BYTES];
    uint8_t pub[PUB_BYTES];
    uint8_t sk[crypto_sign_SECRETKEYBYTES]; /* seed || pub, libsodium's form */
};

static void say(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- UTF-8 and names ------------------------------------------------ */

/* Decodes one UTF-8 sequence at s (n bytes left) into *cp; returns its
 * length, or 0 for an invalid, overlong or surrogate sequence. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

/* Unicode White_Space, the set Go's unicode.IsSpace tests. */
static bool is_space(uint32_t cp)
{
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 ||
           cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* True when s[0..n) is valid UTF-8 with no control character but '\n'. */
static bool clean_text(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t len = utf8_next(p + i, n - i, &cp);
        if (len == 0 || (cp < 0x20 && cp != '\n') || cp == 0x7F)
            return false;
        i += len;
    }
    return true;
}

/* A key name: non-empty UTF-8 with no space, '+' or control character. */
static bool valid_name(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    if (n == 0)
        return false;
    while (i < n) {
        uint32_t cp;
        size_t len = utf8_next(p + i, n - i, &cp);
        if (len == 0 || cp < 0x20 || cp == 0x7F || cp == '+' || is_space(cp))
            return false;
        i += len;
    }
    return true;
}

/* SHA-256(name || "\n" || 0x01 || pub)[:4] */
static void key_id(const char *name, size_t n, const uint8_t pub[PUB_BYTES],
                   uint8_t id[KEYID_BYTES])
{
    static const uint8_t sep[2] = {'\n', ALG_ED25519};
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)name, n);
    crypto_hash_sha256_update(&st, sep, sizeof sep);
    crypto_hash_sha256_update(&st, pub, PUB_BYTES);
    crypto_hash_sha256_final(&st, h);
    memcpy(id, h, KEYID_BYTES);
}

/* Strict standard base64 of exactly want bytes (padding required). */
static bool b64_exact(const char *s, size_t n, uint8_t *out, size_t want)
{
    size_t got = 0;
    const char *end = NULL;
    if (n != sodium_base64_ENCODED_LEN(want, B64) - 1)
        return false;
    if (sodium_base642bin(out, want, s, n, NULL, &got, &end, B64) != 0)
        return false;
    return got == want && end == s + n;
}

enum lc_err lc_signer_open(const char *path, const char *name, struct lc_signer **out, char *err,
                           size_t errlen)
{
    enum lc_err rc;
    uint8_t seed[SEED_BYTES];
    struct lc_signer *s = NULL;

    if (!path || !name || !out)
        return LC_EINVAL;
    if (!valid_name(name, strlen(name))) {
        say(err, errlen, "key name must be non-empty UTF-8 without spaces, '+' or control "
                         "characters");
        return LC_EINVAL;
    }
    if (sodium_init() < 0) {
        say(err, errlen, "sodium_init failed");
        return LC_EIO;
    }
    rc = lc_secret_load_or_create(path, seed, sizeof seed, "signing key", err, errlen);
    if (rc != LC_OK)
        goto out;

    s = calloc(1, sizeof *s);
    if (!s || !(s->name = strdup(name))) {
        rc = LC_ENOMEM;
        goto out;
    }
    if (crypto_sign_seed_keypair(s->pub, s->sk, seed) != 0) {
        say(err, errlen, "cannot derive signing key");
        rc = LC_EIO;
        goto out;
    }
    key_id(s->name, strlen(s->name), s->pub, s->keyid);
    *out = s;
    s = NULL;
out:
    sodium_memzero(seed, sizeof seed);
    lc_signer_free(s);
    return rc;
}

void lc_signer_free(struct lc_signer *s)
{
    if (!s)
        return;
    free(s->name);
    sodium_memzero(s, sizeof *s);
    free(s);
}

const char *lc_signer_name(const struct lc_signer *s)
{
    return s ? s->name : NULL;
}

enum lc_err lc_signer_vkey(const struct lc_signer *s, char *buf, size_t cap)
{
    uint8_t key[1 + PUB_BYTES];
    char b64[sodium_base64_ENCODED_LEN(1 + PUB_BYTES, B64)];

    if (!s || !buf)
        return LC_EINVAL;
    key[0] = ALG_ED25519;
    memcpy(key + 1, s->pub, PUB_BYTES);
    sodium_bin2base64(b64, sizeof b64, key, sizeof key, B64);
    int n = snprintf(buf, cap, "%s+%02x%02x%02x%02x+%s", s->name, s->keyid[0], s->keyid[1],
                     s->keyid[2], s->keyid[3], b64);
    if (n < 0 || (size_t)n >= cap)
        return LC_ETOOBIG;
    return LC_OK;
}

/* ---- notes ---------------------------------------------------------- */

enum lc_err lc_note_sign(const struct lc_signer *s, const char *text, char **note)
{
    uint8_t blob[KEYID_BYTES + SIG_BYTES];
    char b64[sodium_base64_ENCODED_LEN(KEYID_BYTES + SIG_BYTES, B64)];

    if (!s || !text || !note)
        return LC_EINVAL;
    size_t n = strlen(text);
    if (n == 0 || n > MAX_NOTE || text[n - 1] != '\n' || !clean_text(text, n))
        return LC_EINVAL;
    memcpy(blob, s->keyid, KEYID_BYTES);
    crypto_sign_detached(blob + KEYID_BYTES, NULL, (const uint8_t *)text, n, s->sk);
    sodium_bin2base64(b64, sizeof b64, blob, sizeof blob, B64);

    size_t len = n + 1 + strlen(SIG_PREFIX) + strlen(s->name) + 1 + strlen(b64) + 1;
    char *res = malloc(len + 1);
    if (!res)
        return LC_ENOMEM;
    snprintf(res, len + 1, "%s\n" SIG_PREFIX "%s %s\n", text, s->name, b64);
    *note = res;
    return LC_OK;
}

struct vkey {
    const char *name;
    size_t name_len;
    uint8_t keyid[KEYID_BYTES];
    uint8_t pub[PUB_BYTES];
};

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parses "<name>+<hex8>+<base64(0x01 || pub)>"; the key ID must match. */
static bool parse_vkey(const char *vkey, struct vkey *k)
{
    const char *p1 = strchr(vkey, '+');
    if (!p1)
        return false;
    const char *hex = p1 + 1, *p2 = strchr(hex, '+');
    if (!p2 || p2 - hex != 2 * KEYID_BYTES)
        return false;
    k->name = vkey;
    k->name_len = (size_t)(p1 - vkey);
    if (!valid_name(k->name, k->name_len))
        return false;
    for (int i = 0; i < KEYID_BYTES; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        k->keyid[i] = (uint8_t)(hi << 4 | lo);
    }
    uint8_t key[1 + PUB_BYTES];
    const char *b = p2 + 1;
    if (!b64_exact(b, strlen(b), key, sizeof key) || key[0] != ALG_ED25519)
        return false;
    memcpy(k->pub, key + 1, PUB_BYTES);
    uint8_t want[KEYID_BYTES];
    key_id(k->name, k->name_len, k->pub, want);
    return memcmp(want, k->keyid, KEYID_BYTES) == 0;
}

/* Finds the last "\n\n" in s[0..n), or NULL. */
static const char *last_blank(const char *s, size_t n)
{
    for (size_t i = n; i >= 2; i--)
        if (s[i - 1] == '\n' && s[i - 2] == '\n')
            return s + i - 2;
    return NULL;
}

/* Checks one signature line (without its '\n').  Sets *ours when it is by
 * key k, and then *good to whether it verifies over text.  LC_EINVAL when
 * the line is malformed. */
static enum lc_err check_line(const char *line, size_t n, const struct vkey *k, const char *text,
                              size_t text_len, bool *ours, bool *good)
{
    enum lc_err rc = LC_EINVAL;
    size_t plen = strlen(SIG_PREFIX), got = 0;
    const char *end = NULL;
    uint8_t *blob = NULL;

    *ours = *good = false;
    if (n < plen || memcmp(line, SIG_PREFIX, plen) != 0)
        goto out;
    line += plen, n -= plen;
    const char *sp = memchr(line, ' ', n);
    if (!sp)
        goto out;
    size_t name_len = (size_t)(sp - line), blen = n - name_len - 1;
    const char *b = sp + 1;
    if (!valid_name(line, name_len) || blen == 0)
        goto out;
    /* Lines by other kinds of key carry other signature sizes, so decode
     * whatever is there; base64 never grows, so blen bytes suffice. */
    blob = malloc(blen);
    if (!blob) {
        rc = LC_ENOMEM;
        goto out;
    }
    if (sodium_base642bin(blob, blen, b, blen, NULL, &got, &end, B64) != 0 || end != b + blen ||
        got < KEYID_BYTES + 1)
        goto out;
    rc = LC_OK;
    if (name_len != k->name_len || memcmp(line, k->name, name_len) != 0 ||
        memcmp(blob, k->keyid, KEYID_BYTES) != 0)
        goto out;
    *ours = true;
    *good = got == KEYID_BYTES + SIG_BYTES &&
            crypto_sign_verify_detached(blob + KEYID_BYTES, (const uint8_t *)text, text_len,
                                        k->pub) == 0;
out:
    free(blob);
    return rc;
}

enum lc_err lc_note_verify(const char *note, const char *vkey, char **text, char *err,
                           size_t errlen)
{
    struct vkey k;

    if (!note || !vkey)
        return LC_EINVAL;
    if (sodium_init() < 0)
        return LC_EIO;
    if (!parse_vkey(vkey, &k)) {
        say(err, errlen, "malformed verifier key");
        return LC_EINVAL;
    }
    size_t n = strnlen(note, MAX_NOTE + 1);
    if (n > MAX_NOTE) {
        say(err, errlen, "note longer than %u bytes", MAX_NOTE);
        return LC_ETOOBIG;
    }
    if (!clean_text(note, n)) {
        say(err, errlen, "note is not UTF-8 text without control characters");
        return LC_EINVAL;
    }
    const char *split = last_blank(note, n);
    if (!split) {
        say(err, errlen, "note has no signature block");
        return LC_EINVAL;
    }
    size_t text_len = (size_t)(split - note) + 1;
    const char *sigs = split + 2, *end = note + n;
    if (sigs == end || end[-1] != '\n') {
        say(err, errlen, "note has no signature block");
        return LC_EINVAL;
    }

    int lines = 0, verified = 0;
    for (const char *p = sigs; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        bool ours, good;
        if (++lines > MAX_SIGS) {
            say(err, errlen, "note has more than %d signatures", MAX_SIGS);
            return LC_EINVAL;
        }
        enum lc_err rc = check_line(p, (size_t)(nl - p), &k, note, text_len, &ours, &good);
        if (rc != LC_OK) {
            say(err, errlen, "malformed signature line %d", lines);
            return rc;
        }
        if (ours && !good) {
            say(err, errlen, "signature by %.*s does not verify", (int)k.name_len, k.name);
            return LC_ECORRUPT;
        }
        verified += ours;
        p = nl + 1;
    }
    if (verified == 0) {
        say(err, errlen, "note has no signature by %.*s+%02x%02x%02x%02x", (int)k.name_len, k.name,
            k.keyid[0], k.keyid[1], k.keyid[2], k.keyid[3]);
        return LC_ECORRUPT;
    }
    if (text) {
        char *t = strndup(note, text_len);
        if (!t)
            return LC_ENOMEM;
        *text = t;
    }
    return LC_OK;
}

/* ---- checkpoints ---------------------------------------------------- */

enum lc_err lc_checkpoint_text(const char *origin, uint64_t size, const uint8_t root[LC_HASH_LEN],
                               char **text)
{
    char b64[sodium_base64_ENCODED_LEN(LC_HASH_LEN, B64)];

    if (!origin || !root || !text)
        return LC_EINVAL;
    size_t olen = strlen(origin);
    if (olen == 0 || olen > MAX_NOTE || memchr(origin, '\n', olen) || !clean_text(origin, olen))
        return LC_EINVAL;
    sodium_bin2base64(b64, sizeof b64, root, LC_HASH_LEN, B64);
    size_t cap = olen + 1 + 20 + 1 + strlen(b64) + 2;
    char *t = malloc(cap);
    if (!t)
        return LC_ENOMEM;
    snprintf(t, cap, "%s\n%llu\n%s\n", origin, (unsigned long long)size, b64);
    *text = t;
    return LC_OK;
}

/* Canonical decimal: digits only, no leading zero unless "0", fits 64 bits. */
static bool parse_size(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

enum lc_err lc_checkpoint_parse(const char *text, char *origin_buf, size_t cap, uint64_t *size,
                                uint8_t root[LC_HASH_LEN])
{
    uint8_t r[LC_HASH_LEN];
    uint64_t sz;

    if (!text || !origin_buf || !size || !root)
        return LC_EINVAL;
    size_t n = strnlen(text, MAX_NOTE + 1);
    if (n > MAX_NOTE || n == 0 || text[n - 1] != '\n' || !clean_text(text, n))
        return LC_EINVAL;
    const char *l1 = text, *e1 = strchr(l1, '\n');
    const char *l2 = e1 + 1, *e2 = strchr(l2, '\n');
    if (!e2)
        return LC_EINVAL;
    const char *l3 = e2 + 1, *e3 = strchr(l3, '\n');
    if (!e3 || e1 == l1)
        return LC_EINVAL;
    if (!parse_size(l2, (size_t)(e2 - l2), &sz) || !b64_exact(l3, (size_t)(e3 - l3), r, sizeof r))
        return LC_EINVAL;
    size_t olen = (size_t)(e1 - l1);
    if (olen >= cap)
        return LC_ETOOBIG;
    memcpy(origin_buf, l1, olen);
    origin_buf[olen] = '\0';
    *size = sz;
    memcpy(root, r, LC_HASH_LEN);
    return LC_OK;
}
