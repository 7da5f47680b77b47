/* file.c -- read a whole file into memory, under a size cap.
 *
 * The buffer starts at the size fstat reports (plus room to notice growth)
 * and doubles from there, so a regular file is usually read with one
 * allocation and a pipe or a file that grows still works.  Reading stops at
 * cap + 1 bytes: one byte past the cap is enough to know the file is too
 * big without reading all of it. */
#include "core/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* First buffer size when fstat gives no useful size. */
#define FIRST_CAP 8192

static size_t first_size(int fd, size_t cap)
{
    struct stat st;
    size_t want = FIRST_CAP;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (unsigned long long)st.st_size <= cap)
        want = (size_t)st.st_size + 1;
    return want < cap + 1 ? want : cap + 1;
}

enum lc_err lc_file_read(const char *path, size_t cap, char **out, size_t *len)
{
    enum lc_err rc = LC_EIO;
    char *buf = NULL;
    size_t have = 0, size;
    int fd;

    if (!path || !out || cap >= SIZE_MAX - 1)
        return LC_EINVAL;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? LC_ENOTFOUND : LC_EIO;
    size = first_size(fd, cap);
    /* One byte more than `size` holds the NUL. */
    for (;;) {
        if (!buf || have == size) {
            if (buf)
                size = size > (cap + 1) / 2 ? cap + 1 : size * 2;
            char *grown = realloc(buf, size + 1);
            if (!grown) {
                rc = LC_ENOMEM;
                goto out;
            }
            buf = grown;
        }
        ssize_t r = read(fd, buf + have, size - have);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            goto out;
        if (r == 0)
            break;
        have += (size_t)r;
        if (have > cap) {
            rc = LC_ETOOBIG;
            goto out;
        }
    }
    buf[have] = '\0';
    *out = buf;
    buf = NULL;
    if (len)
        *len = have;
    rc = LC_OK;
out:
    free(buf);
    close(fd);
    return rc;
}
