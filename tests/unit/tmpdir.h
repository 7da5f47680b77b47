/* tmpdir.h -- a private scratch directory per unit test, for tests of code
 * that touches files (test_secret.c, test_file.c, test_note.c, test_seal.c).
 *
 * Header-only so each test binary stays one .c file.  The directory is made
 * under $TMPDIR (or /tmp) and removed with its entries afterwards, one level
 * deep, which is all these tests create. Include after <cmocka.h>. */
#ifndef LC_TEST_TMPDIR_H
#define LC_TEST_TMPDIR_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct tmpdir {
    char dir[256];
    char path[300]; /* dir/<leaf>, not created */
};

/* Makes a fresh directory named after tag and sets path to dir/leaf; a
 * cmocka setup function returns its result. */
static inline int tmpdir_setup(void **state, const char *tag, const char *leaf)
{
    struct tmpdir *t = calloc(1, sizeof *t);
    const char *tmp = getenv("TMPDIR");
    if (!t)
        return -1;
    snprintf(t->dir, sizeof t->dir, "%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", tag);
    if (!mkdtemp(t->dir)) {
        free(t);
        return -1;
    }
    snprintf(t->path, sizeof t->path, "%s/%s", t->dir, leaf);
    *state = t;
    return 0;
}

/* Removes the directory, its files and any empty subdirectory. */
static inline int tmpdir_teardown(void **state)
{
    struct tmpdir *t = *state;
    DIR *d = opendir(t->dir);
    struct dirent *e;
    char p[600];
    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", t->dir, e->d_name);
            if (unlink(p) != 0)
                rmdir(p);
        }
    }
    if (d)
        closedir(d);
    rmdir(t->dir);
    free(t);
    return 0;
}

/* Entries in dir, not counting "." and "..". */
static inline int tmpdir_count(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    assert_non_null(d);
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

/* Replaces path with n bytes of data and then sets its mode exactly. */
static inline void tmpdir_write(const char *path, const void *data, size_t n, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

#endif
