/* test_file.c -- unit tests for src/core/file.c: whole-file reads, their
 * NUL terminator, the size cap, and files whose size fstat does not know
 * (a FIFO), which exercise the growing buffer.
 *
 * Each test gets a fresh private directory (tmpdir.h); f->path is dir/f,
 * not created by setup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <signal.h>

#include "core/file.h"
#include "tmpdir.h"

/* Bytes that are easy to check and include NULs. */
static unsigned char *pattern(size_t n)
{
    unsigned char *p = malloc(n ? n : 1);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 31 + i / 251);
    return p;
}

static void missing_file_is_not_found_and_outputs_are_untouched(void **state)
{
    struct tmpdir *f = *state;
    char *buf = (char *)"sentinel";
    size_t len = 77;
    assert_int_equal(lc_file_read(f->path, 100, &buf, &len), LC_ENOTFOUND);
    assert_string_equal(buf, "sentinel");
    assert_int_equal(len, 77);
}

static void empty_file_reads_as_empty_string(void **state)
{
    struct tmpdir *f = *state;
    char *buf = NULL;
    size_t len = 77;
    tmpdir_write(f->path, "", 0, 0600);
    assert_int_equal(lc_file_read(f->path, 100, &buf, &len), LC_OK);
    assert_int_equal(len, 0);
    assert_string_equal(buf, "");
    free(buf);
}

static void content_is_exact_with_nuls_and_terminated(void **state)
{
    struct tmpdir *f = *state;
    const size_t sizes[] = {1, 8191, 8192, 8193, 100000};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        unsigned char *want = pattern(sizes[i]);
        char *buf = NULL;
        size_t len = 0;
        tmpdir_write(f->path, want, sizes[i], 0600);
        assert_int_equal(lc_file_read(f->path, 1 << 20, &buf, &len), LC_OK);
        assert_int_equal(len, sizes[i]);
        assert_memory_equal(buf, want, sizes[i]);
        assert_int_equal(buf[len], '\0');
        free(buf);
        free(want);
    }
}

static void len_may_be_null(void **state)
{
    struct tmpdir *f = *state;
    char *buf = NULL;
    tmpdir_write(f->path, "a\n~~\n", 5, 0600);
    assert_int_equal(lc_file_read(f->path, 100, &buf, NULL), LC_OK);
    assert_string_equal(buf, "a\n~~\n");
    free(buf);
}

static void file_of_exactly_cap_is_read_and_one_more_is_too_big(void **state)
{
    struct tmpdir *f = *state;
    unsigned char *data = pattern(1001);
    char *buf = NULL;
    size_t len = 0;
    tmpdir_write(f->path, data, 1000, 0600);
    assert_int_equal(lc_file_read(f->path, 1000, &buf, &len), LC_OK);
    assert_int_equal(len, 1000);
    free(buf);
    buf = NULL;
    tmpdir_write(f->path, data, 1001, 0600);
    assert_int_equal(lc_file_read(f->path, 1000, &buf, &len), LC_ETOOBIG);
    assert_null(buf);
    assert_int_equal(len, 1000);
    assert_int_equal(lc_file_read(f->path, 0, &buf, &len), LC_ETOOBIG);
    free(data);
}

static void directory_is_an_io_error(void **state)
{
    struct tmpdir *f = *state;
    char *buf = NULL;
    assert_int_equal(mkdir(f->path, 0700), 0);
    assert_int_equal(lc_file_read(f->path, 100, &buf, NULL), LC_EIO);
    assert_null(buf);
}

struct feeder {
    const char *path;
    const unsigned char *data;
    size_t n;
};

static void *feed(void *arg)
{
    struct feeder *fd = arg;
    FILE *fp = fopen(fd->path, "wb");
    if (fp) {
        /* Several small writes, so the reader sees many short reads. */
        for (size_t off = 0; off < fd->n; off += 1000)
            fwrite(fd->data + off, 1, fd->n - off < 1000 ? fd->n - off : 1000, fp);
        fclose(fp);
    }
    return NULL;
}

static enum lc_err read_fifo(const char *path, size_t n, size_t cap, const unsigned char *data,
                             char **buf, size_t *len)
{
    pthread_t t;
    struct feeder fd = {path, data, n};
    assert_int_equal(pthread_create(&t, NULL, feed, &fd), 0);
    enum lc_err rc = lc_file_read(path, cap, buf, len);
    /* A reader that stopped early closes the FIFO; the writer then gets
     * EPIPE (SIGPIPE is ignored below) and finishes. */
    pthread_join(t, NULL);
    return rc;
}

static void fifo_of_unknown_size_grows_the_buffer_and_keeps_the_cap(void **state)
{
    struct tmpdir *f = *state;
    const size_t n = 200000;
    unsigned char *data = pattern(n);
    char *buf = NULL;
    size_t len = 0;
    signal(SIGPIPE, SIG_IGN);
    assert_int_equal(mkfifo(f->path, 0600), 0);
    assert_int_equal(read_fifo(f->path, n, n, data, &buf, &len), LC_OK);
    assert_int_equal(len, n);
    assert_memory_equal(buf, data, n);
    assert_int_equal(buf[n], '\0');
    free(buf);
    buf = NULL;
    assert_int_equal(read_fifo(f->path, n, n - 1, data, &buf, &len), LC_ETOOBIG);
    assert_null(buf);
    free(data);
}

static int setup(void **state)
{
    return tmpdir_setup(state, "test_file", "f");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(missing_file_is_not_found_and_outputs_are_untouched,
                                        setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(empty_file_reads_as_empty_string, setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(content_is_exact_with_nuls_and_terminated, setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(len_may_be_null, setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(file_of_exactly_cap_is_read_and_one_more_is_too_big,
                                        setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(directory_is_an_io_error, setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(fifo_of_unknown_size_grows_the_buffer_and_keeps_the_cap,
                                        setup, tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
