/* seal.c -- field encryption at rest and blind indexes, over libsodium.
 *
 * The master key is read once, two subkeys are derived from it with
 * crypto_kdf (context "lcseal01": id 1 seals, id 2 keys the blind index) and
 * the master key is wiped; only the subkeys stay in memory.  A sealed value
 * is base64url (no padding) of nonce || ciphertext || tag, with the caller's
 * ad (a record id) authenticated but not stored, so the value only opens
 * under the same ad.
 *
 * The key file (32 bytes, 0600, not a symbolic link) is loaded, or created when missing, by
 * core/secret.c, which also makes two processes starting together agree on
 * one key. */
#include "ident/seal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/secret.h"

#define KEY_BYTES 32
#define KDF_CONTEXT "lcseal01"
#define KDF_ID_AEAD 1
#define KDF_ID_BLIND 2
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
/* Personal fields are short; this cap bounds every buffer below. */
#define MAX_PLAIN (1u << 20)
#define B64_VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING

_Static_assert(sizeof KDF_CONTEXT - 1 == crypto_kdf_CONTEXTBYTES, "kdf context size");
_Static_assert(KEY_BYTES == crypto_kdf_KEYBYTES, "master key size");
_Static_assert(KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "aead key size");

struct lc_seal {
    unsigned char aead[KEY_BYTES];  /* seals and opens values */
    unsigned char blind[KEY_BYTES]; /* keys the blind-index hash */
};

enum lc_err lc_seal_open(const char *keyfile, struct lc_seal **out, char *err, size_t errlen)
{
    enum lc_err rc;
    unsigned char master[KEY_BYTES];
    struct lc_seal *s = NULL;

    if (!keyfile || !out)
        return LC_EINVAL;
    if (sodium_init() < 0) {
        if (err && errlen)
            snprintf(err, errlen, "sodium_init failed");
        return LC_EIO;
    }
    rc = lc_secret_load_or_create(keyfile, master, sizeof master, "key file", err, errlen);
    if (rc != LC_OK)
        goto out;

    s = malloc(sizeof *s);
    if (!s) {
        rc = LC_ENOMEM;
        goto out;
    }
    if (crypto_kdf_derive_from_key(s->aead, sizeof s->aead, KDF_ID_AEAD, KDF_CONTEXT,
                                   master) != 0 ||
        crypto_kdf_derive_from_key(s->blind, sizeof s->blind, KDF_ID_BLIND, KDF_CONTEXT,
                                   master) != 0) {
        if (err && errlen)
            snprintf(err, errlen, "key derivation failed");
        rc = LC_EIO;
        goto out;
    }
    *out = s;
    s = NULL;
out:
    sodium_memzero(master, sizeof master);
    lc_seal_free(s);
    return rc;
}

void lc_seal_free(struct lc_seal *s)
{
    if (!s)
        return;
    sodium_memzero(s, sizeof *s);
    free(s);
}

static size_t ad_len(const char *ad)
{
    return ad ? strlen(ad) : 0;
}

enum lc_err lc_seal_encrypt(const struct lc_seal *s, const char *ad, const void *pt, size_t n,
                            char **out)
{
    enum lc_err rc;
    unsigned char *bin = NULL;
    char *b64 = NULL;

    if (!s || !out || (!pt && n > 0))
        return LC_EINVAL;
    if (n > MAX_PLAIN)
        return LC_ETOOBIG;
    size_t binlen = NONCE_BYTES + n + TAG_BYTES;
    size_t b64len = sodium_base64_ENCODED_LEN(binlen, B64_VARIANT);
    bin = malloc(binlen);
    b64 = malloc(b64len);
    if (!bin || !b64) {
        rc = LC_ENOMEM;
        goto out;
    }
    randombytes_buf(bin, NONCE_BYTES);
    unsigned long long clen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_encrypt(
            bin + NONCE_BYTES, &clen, pt, n, (const unsigned char *)ad, ad_len(ad), NULL,
            bin, s->aead) != 0 ||
        clen != n + TAG_BYTES) {
        rc = LC_EIO;
        goto out;
    }
    sodium_bin2base64(b64, b64len, bin, binlen, B64_VARIANT);
    *out = b64;
    b64 = NULL;
    rc = LC_OK;
out:
    free(bin);
    free(b64);
    return rc;
}

enum lc_err lc_seal_decrypt(const struct lc_seal *s, const char *ad, const char *sealed,
                            char **out, size_t *n)
{
    enum lc_err rc = LC_ECORRUPT;
    unsigned char *bin = NULL;
    char *pt = NULL;

    if (!s || !out || !sealed)
        return LC_EINVAL;
    size_t slen = strnlen(sealed, sodium_base64_ENCODED_LEN(
                                      NONCE_BYTES + MAX_PLAIN + TAG_BYTES, B64_VARIANT));
    if (sealed[slen] != '\0')
        return LC_ECORRUPT; /* longer than anything we could have sealed */
    size_t cap = slen / 4 * 3 + 3;
    size_t binlen = 0;
    bin = malloc(cap);
    if (!bin) {
        rc = LC_ENOMEM;
        goto out;
    }
    /* A NULL end pointer makes any stray character an error. */
    if (sodium_base642bin(bin, cap, sealed, slen, NULL, &binlen, NULL, B64_VARIANT) != 0 ||
        binlen < NONCE_BYTES + TAG_BYTES)
        goto out;
    size_t ptlen = binlen - NONCE_BYTES - TAG_BYTES;
    pt = malloc(ptlen + 1);
    if (!pt) {
        rc = LC_ENOMEM;
        goto out;
    }
    unsigned long long mlen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            (unsigned char *)pt, &mlen, NULL, bin + NONCE_BYTES, binlen - NONCE_BYTES,
            (const unsigned char *)ad, ad_len(ad), bin, s->aead) != 0 ||
        mlen != ptlen)
        goto out;
    pt[ptlen] = '\0';
    *out = pt;
    pt = NULL;
    if (n)
        *n = ptlen;
    rc = LC_OK;
out:
    free(bin);
    free(pt);
    return rc;
}

void lc_seal_blind(const struct lc_seal *s, const char *domain, const char *value, char *out)
{
    static const unsigned char sep = 0;
    unsigned char h[32];
    crypto_generichash_state st;

    if (!domain)
        domain = "";
    if (!value)
        value = "";
    crypto_generichash_init(&st, s->blind, sizeof s->blind, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)domain, strlen(domain));
    crypto_generichash_update(&st, &sep, 1);
    crypto_generichash_update(&st, (const unsigned char *)value, strlen(value));
    crypto_generichash_final(&st, h, sizeof h);
    sodium_bin2hex(out, 65, h, sizeof h);
    sodium_memzero(&st, sizeof st);
}
