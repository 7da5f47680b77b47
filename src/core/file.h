/* file.h -- read a whole file into memory, under a size cap.
 *
 * For the small-to-medium files read in one piece: the archive's
 * checkpoints file and evidence bundles given to `livecomply verify`.
 * Streams and logs are read by their own modules, not through this. */
#ifndef LC_CORE_FILE_H
#define LC_CORE_FILE_H

#include <stddef.h>
#include "core/err.h"

/* Reads all of path into a new buffer, NUL-terminated (the NUL is not
 * counted in *len; len may be NULL).  LC_ENOTFOUND when path does not
 * exist, LC_ETOOBIG when it holds more than cap bytes, LC_EIO when it
 * cannot be opened or read, LC_ENOMEM.  On success the caller owns *out
 * and frees it; on failure *out and *len are left unchanged. */
LC_MUST_USE enum lc_err lc_file_read(const char *path, size_t cap, char **out, size_t *len);

#endif
