/* note.h -- signed notes and checkpoints (c2sp.org/signed-note,
 * c2sp.org/tlog-checkpoint) with Ed25519 keys.
 *
 * A note is UTF-8 text ending in "\n", a blank line, then signature lines
 * "\xE2\x80\x94 <name> base64(keyid[4] || sig[64])\n".  The key ID of an
 * Ed25519 key is SHA-256(name || "\n" || 0x01 || pub)[:4].  The verifier key
 * is published as "<name>+<keyid hex8>+base64(0x01 || pub)", the form Go's
 * golang.org/x/mod/sumdb/note reads.  A checkpoint's text is
 * "<origin>\n<size>\n<base64 root>\n". */
#ifndef LC_ARCHIVE_NOTE_H
#define LC_ARCHIVE_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "archive/merkle.h"
#include "core/err.h"

struct lc_signer;

/* Loads the private key file at path, creating it (mode 0600, new random
 * Ed25519 key) when it does not exist.  name is the key name (the log's
 * origin, e.g. "livecomply.example/archive"); it must be non-empty and hold
 * no '+', space or control characters.  A key file of the wrong size or
 * with group/other permission bits is refused (LC_ECORRUPT / LC_EDENIED)
 * with a message in err. */
LC_MUST_USE enum lc_err lc_signer_open(const char *path, const char *name,
                                       struct lc_signer **out, char *err, size_t errlen);
void lc_signer_free(struct lc_signer *s);
const char *lc_signer_name(const struct lc_signer *s);
/* The verifier key string into buf; LC_ETOOBIG if cap is too small
 * (name + 64 bytes always suffices). */
LC_MUST_USE enum lc_err lc_signer_vkey(const struct lc_signer *s, char *buf, size_t cap);

/* Signs text (must end in '\n', no other control characters) and returns
 * the whole note as a heap string owned by the caller. */
LC_MUST_USE enum lc_err lc_note_sign(const struct lc_signer *s, const char *text, char **note);
/* Verifies note against the verifier key vkey.  On LC_OK *text (if text
 * is non-NULL) is a heap copy of the signed text.  Lines by other keys are
 * skipped; every line by this key must verify and there must be one.
 * LC_EINVAL for a malformed note or key (bad UTF-8, a control character
 * other than '\n', more than 100 signature lines), LC_ETOOBIG past 1 MiB,
 * LC_ECORRUPT when no line by this key is present or one fails to verify;
 * err says which. */
LC_MUST_USE enum lc_err lc_note_verify(const char *note, const char *vkey, char **text,
                                       char *err, size_t errlen);

/* Checkpoint text for origin, size and root, as a heap string. */
LC_MUST_USE enum lc_err lc_checkpoint_text(const char *origin, uint64_t size,
                                           const uint8_t root[LC_HASH_LEN], char **text);
/* Parses checkpoint text (extension lines after the root are allowed and
 * ignored).  origin is copied into origin_buf (cap bytes; LC_ETOOBIG if it
 * does not fit).  The size must be canonical decimal and the root strict
 * padded base64 of 32 bytes, else LC_EINVAL. */
LC_MUST_USE enum lc_err lc_checkpoint_parse(const char *text, char *origin_buf, size_t cap,
                                            uint64_t *size, uint8_t root[LC_HASH_LEN]);

#endif
