/* secret.c -- load a fixed-size secret file, creating it when missing.
 *
 * A missing file is created by writing random bytes to a temporary file
 * (O_CREAT|O_EXCL, 0600), fsyncing it and then link()ing it into place,
 * then fsyncing the directory.  link() never replaces an existing file, so
 * when two creators race the loser gets EEXIST and loads the winner's file;
 * a crash mid-write leaves only a stray temporary file rather than a short
 * secret that would refuse every later start.
 *
 * Loading is strict because these files guard signatures and personal data:
 * no symbolic links (O_NOFOLLOW, so the secret cannot be swapped by
 * repointing a link), regular files only, no group or other permission bit,
 * and exactly the expected size, checked on fstat and again by reading one
 * byte more than the secret so a file that grew meanwhile is caught too. */
#include "core/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Reads up to n bytes, stopping early only at end of file; the count read,
 * or -1 with errno. */
static ssize_t read_upto(int fd, unsigned char *p, size_t n)
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

/* Creates path holding n fresh random bytes.  LC_ECONFLICT if it appeared
 * meanwhile (the caller then loads it). */
static enum lc_err create(const char *path, size_t n, const char *what, char *err,
                          size_t errlen)
{
    enum lc_err rc = LC_EIO;
    unsigned char secret[LC_SECRET_MAX];
    char tmp[PATH_MAX];
    int fd = -1;
    bool made = false;

    /* The random suffix keeps threads of one process apart too. */
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%08x", path, (long)getpid(),
                 (unsigned)randombytes_random()) >= (int)sizeof tmp) {
        say(err, errlen, "%s path too long: %s", what, path);
        rc = LC_EINVAL;
        goto out;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        say(err, errlen, "cannot create %s %s: %s", what, tmp, strerror(errno));
        goto out;
    }
    made = true;
    /* The umask may have taken bits we need; it cannot have added any. */
    if (fchmod(fd, 0600) < 0) {
        say(err, errlen, "cannot chmod %s %s: %s", what, tmp, strerror(errno));
        goto out;
    }
    randombytes_buf(secret, n);
    if (write_all(fd, secret, n) < 0) {
        say(err, errlen, "cannot write %s %s: %s", what, tmp, strerror(errno));
        goto out;
    }
    if (fsync(fd) < 0) {
        say(err, errlen, "cannot fsync %s %s: %s", what, tmp, strerror(errno));
        goto out;
    }
    if (link(tmp, path) < 0) {
        if (errno == EEXIST) {
            rc = LC_ECONFLICT;
            goto out;
        }
        say(err, errlen, "cannot link %s %s: %s", what, path, strerror(errno));
        goto out;
    }
    if (fsync_parent(path) < 0) {
        say(err, errlen, "cannot fsync directory of %s: %s", path, strerror(errno));
        goto out;
    }
    rc = LC_OK;
out:
    sodium_memzero(secret, sizeof secret);
    if (fd >= 0)
        close(fd);
    if (made)
        unlink(tmp);
    return rc;
}

/* Refuses a file that is not regular, is open to group or others, or has
 * the wrong size. */
static enum lc_err check_stat(const struct stat *st, const char *path, size_t n,
                              const char *what, char *err, size_t errlen)
{
    if (!S_ISREG(st->st_mode)) {
        say(err, errlen, "%s %s is not a regular file", what, path);
        return LC_ECORRUPT;
    }
    if (st->st_mode & 077) {
        say(err, errlen,
            "%s %s has mode %04o; it must not be readable by group or others (chmod 600)", what,
            path, (unsigned)(st->st_mode & 07777));
        return LC_EDENIED;
    }
    if (st->st_size < 0 || (unsigned long long)st->st_size != n) {
        say(err, errlen, "%s %s holds %lld bytes, not %zu", what, path, (long long)st->st_size,
            n);
        return LC_ECORRUPT;
    }
    return LC_OK;
}

/* Reads the secret at path into out.  LC_ENOTFOUND if missing. */
static enum lc_err load(const char *path, unsigned char *out, size_t n, const char *what,
                        char *err, size_t errlen)
{
    enum lc_err rc = LC_EIO;
    struct stat st;
    unsigned char buf[LC_SECRET_MAX + 1];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

    if (fd < 0) {
        int e = errno;
        if (e == ENOENT)
            return LC_ENOTFOUND;
        if (e == ELOOP)
            say(err, errlen, "%s %s is a symbolic link, which is refused", what, path);
        else
            say(err, errlen, "cannot open %s %s: %s", what, path, strerror(e));
        return e == EACCES ? LC_EDENIED : LC_EIO;
    }
    if (fstat(fd, &st) < 0) {
        say(err, errlen, "cannot stat %s %s: %s", what, path, strerror(errno));
        goto out;
    }
    if ((rc = check_stat(&st, path, n, what, err, errlen)) != LC_OK)
        goto out;
    rc = LC_EIO;
    /* One byte more than the secret catches a file that grew after fstat. */
    ssize_t got = read_upto(fd, buf, n + 1);
    if (got < 0) {
        say(err, errlen, "cannot read %s %s: %s", what, path, strerror(errno));
        goto out;
    }
    if ((size_t)got != n) {
        say(err, errlen, "%s %s holds %s than %zu bytes", what, path,
            (size_t)got < n ? "fewer" : "more", n);
        rc = LC_ECORRUPT;
        goto out;
    }
    memcpy(out, buf, n);
    rc = LC_OK;
out:
    sodium_memzero(buf, sizeof buf);
    close(fd);
    return rc;
}

enum lc_err lc_secret_load_or_create(const char *path, void *out, size_t n, const char *what,
                                     char *err, size_t errlen)
{
    enum lc_err rc;

    if (!path || !out || !what || n == 0 || n > LC_SECRET_MAX)
        return LC_EINVAL;
    if (sodium_init() < 0) {
        say(err, errlen, "sodium_init failed");
        return LC_EIO;
    }
    rc = load(path, out, n, what, err, errlen);
    if (rc != LC_ENOTFOUND)
        return rc;
    rc = create(path, n, what, err, errlen);
    if (rc == LC_OK || rc == LC_ECONFLICT)
        rc = load(path, out, n, what, err, errlen);
    if (rc == LC_ENOTFOUND) {
        say(err, errlen, "%s %s vanished", what, path);
        rc = LC_EIO;
    }
    return rc;
}
