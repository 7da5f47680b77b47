/* secret.h -- small secret files (keys, seeds) loaded or created once.
 *
 * The field-encryption master key (ident/seal.c) and the checkpoint signing
 * seed (archive/note.c) each live in a 0600 file of a fixed size.  Both are
 * read at start and, when missing, created with fresh random bytes so that
 * two processes starting together agree on one secret and a crash never
 * leaves a short file behind.  This module is that one procedure. */
#ifndef LC_CORE_SECRET_H
#define LC_CORE_SECRET_H

#include <stddef.h>
#include "core/err.h"

/* Largest secret a file may hold; bounds the stack buffers inside. */
#define LC_SECRET_MAX 64

/* Reads exactly n bytes of secret from path into out, creating path with n
 * random bytes first when it does not exist.  `what` names the file in
 * messages ("key file", "signing key").
 *
 * The file is refused when it is a symbolic link or not a regular file
 * (LC_EIO and LC_ECORRUPT), when group or others have any permission bit
 * (LC_EDENIED, the message says "chmod 600") and when it holds any other
 * number of bytes than n (LC_ECORRUPT).  LC_EINVAL when n is 0 or over
 * LC_SECRET_MAX.  out is written only on success; err, when given, gets a
 * human reason on failure.  Safe to call from several threads or processes
 * at once for the same path: all of them end with the same bytes. */
LC_MUST_USE enum lc_err lc_secret_load_or_create(const char *path, void *out, size_t n,
                                                 const char *what, char *err, size_t errlen);

#endif
