/* seal.h -- encryption of personal fields at rest, and blind indexes.
 *
 * A 32-byte master key lives in a key file (created on first use with mode
 * 0600).  Two subkeys are derived from it with crypto_kdf: one seals values
 * with XChaCha20-Poly1305 (random 24-byte nonce, the record id as associated
 * data, so a sealed value cannot be moved to another record), the other keys
 * a BLAKE2b hash used as a blind index, so that equal ID numbers can be found
 * without storing them in clear. */
#ifndef LC_IDENT_SEAL_H
#define LC_IDENT_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct lc_seal;

/* Loads the key file, creating it (0600, random key) when missing.  A key
 * file of the wrong size or with group/other permissions is refused
 * (LC_ECORRUPT / LC_EDENIED) with a message in err. */
LC_MUST_USE enum lc_err lc_seal_open(const char *keyfile, struct lc_seal **out, char *err,
                                     size_t errlen);
void lc_seal_free(struct lc_seal *s);

/* Encrypts pt; *out is a heap string (base64url, no padding) of
 * nonce || ciphertext || tag, owned by the caller.  ad may be NULL (same as
 * "").  Plaintexts over 1 MiB are refused with LC_ETOOBIG; *out is written
 * only on LC_OK. */
LC_MUST_USE enum lc_err lc_seal_encrypt(const struct lc_seal *s, const char *ad,
                                        const void *pt, size_t n, char **out);
/* Decrypts; *out is a NUL-terminated heap buffer owned by the caller, *n its
 * length without the NUL (n may be NULL).  LC_ECORRUPT if the value was
 * tampered with or the ad differs. */
LC_MUST_USE enum lc_err lc_seal_decrypt(const struct lc_seal *s, const char *ad,
                                        const char *sealed, char **out, size_t *n);
/* Keyed hash of domain and value, as 64 hex digits + NUL into out.
 * Exactly BLAKE2b-256 keyed with crypto_kdf subkey 2 of context "lcseal01"
 * over domain || 0x00 || value; tests/unit/test_seal.c pins this. */
void lc_seal_blind(const struct lc_seal *s, const char *domain, const char *value, char *out);

#endif
