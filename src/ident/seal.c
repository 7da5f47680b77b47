/* seal.c -- field encryption at rest and blind indexes, over libsodium.
 *
 * The master key is read once, two subkeys are derived from it with
 * crypto_kdf (context "lcseal01": id 1 seals, id 2 keys the blind index) and
 * the master key is wiped; only the subkeys stay in memory.  A sealed value
 * is base64url (no padding) of nonce || ciphertext || tag, with the caller's
 * ad (a record id) authenticated but not stored, so the value only opens
 * under the same ad.
 *
 * A missing key file is created by writing a random key to a temporary file
 * (O_CREAT|O_EXCL, 0600), fsyncing it and then link()ing it into place.
 * link() never replaces an existing file, so two processes starting together
 * agree on one key, and a crash mid-write leaves only a stray temporary file
 * rather than a short key file that would refuse every later start. */
#include "ident/seal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

static void say(char *err, size_t errlen, const char *what, const char *path, int e)
{
    if (!err || errlen == 0)
        return;
    if (e)
        snprintf(err, errlen, "%s %s: %s", what, path, strerror(e));
    else
        snprintf(err, errlen, "%s %s", what, path);
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads exactly n bytes; -1 with errno on error, or the short count. */
static ssize_t read_all(int fd, unsigned char *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* Makes the new directory entry durable. */
static int fsync_parent(const char *path)
{
    char buf[PATH_MAX];
    int rc = -1, fd = -1;
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = open(dirname(buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        goto out;
    rc = fsync(fd);
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Creates path holding a fresh random key.  LC_ECONFLICT if it appeared
 * meanwhile (the caller then loads it). */
static enum lc_err create_key(const char *path, char *err, size_t errlen)
{
    enum lc_err rc = LC_EIO;
    unsigned char key[KEY_BYTES];
    char tmp[PATH_MAX];
    int fd = -1;
    bool made = false;

    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%08x", path, (long)getpid(),
                 (unsigned)randombytes_random()) >= (int)sizeof tmp) {
        say(err, errlen, "key file path too long:", path, 0);
        rc = LC_EINVAL;
        goto out;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        say(err, errlen, "cannot create key file", tmp, errno);
        goto out;
    }
    made = true;
    /* The umask may have taken bits we need; it cannot have added any. */
    if (fchmod(fd, 0600) < 0) {
        say(err, errlen, "cannot chmod key file", tmp, errno);
        goto out;
    }
    randombytes_buf(key, sizeof key);
    if (write_all(fd, key, sizeof key) < 0) {
        say(err, errlen, "cannot write key file", tmp, errno);
        goto out;
    }
    if (fsync(fd) < 0) {
        say(err, errlen, "cannot fsync key file", tmp, errno);
        goto out;
    }
    if (link(tmp, path) < 0) {
        if (errno == EEXIST) {
            rc = LC_ECONFLICT;
            goto out;
        }
        say(err, errlen, "cannot link key file", path, errno);
        goto out;
    }
    if (fsync_parent(path) < 0) {
        say(err, errlen, "cannot fsync directory of", path, errno);
        goto out;
    }
    rc = LC_OK;
out:
    sodium_memzero(key, sizeof key);
    if (fd >= 0)
        close(fd);
    if (made)
        unlink(tmp);
    return rc;
}

/* Reads the master key from path into key.  LC_ENOTFOUND if missing. */
static enum lc_err load_key(const char *path, unsigned char *key, char *err, size_t errlen)
{
    enum lc_err rc = LC_EIO;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        int e = errno;
        if (e == ENOENT)
            return LC_ENOTFOUND;
        say(err, errlen, "cannot open key file", path, e);
        return e == EACCES ? LC_EDENIED : LC_EIO;
    }
    if (fstat(fd, &st) < 0) {
        say(err, errlen, "cannot stat key file", path, errno);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        say(err, errlen, "key file is not a regular file:", path, 0);
        rc = LC_ECORRUPT;
        goto out;
    }
    if (st.st_mode & 077) {
        if (err && errlen)
            snprintf(err, errlen, "key file %s has mode %04o; it must not be readable "
                                  "by group or others (chmod 600)",
                     path, (unsigned)(st.st_mode & 07777));
        rc = LC_EDENIED;
        goto out;
    }
    if (st.st_size != KEY_BYTES) {
        if (err && errlen)
            snprintf(err, errlen, "key file %s holds %lld bytes, not %d", path,
                     (long long)st.st_size, KEY_BYTES);
        rc = LC_ECORRUPT;
        goto out;
    }
    ssize_t got = read_all(fd, key, KEY_BYTES);
    if (got < 0) {
        say(err, errlen, "cannot read key file", path, errno);
        goto out;
    }
    if (got != KEY_BYTES) {
        say(err, errlen, "key file is short:", path, 0);
        rc = LC_ECORRUPT;
        goto out;
    }
    rc = LC_OK;
out:
    close(fd);
    return rc;
}

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
    rc = load_key(keyfile, master, err, errlen);
    if (rc == LC_ENOTFOUND) {
        rc = create_key(keyfile, err, errlen);
        if (rc == LC_OK || rc == LC_ECONFLICT)
            rc = load_key(keyfile, master, err, errlen);
        if (rc == LC_ENOTFOUND) {
            say(err, errlen, "key file vanished:", keyfile, 0);
            rc = LC_EIO;
        }
    }
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
