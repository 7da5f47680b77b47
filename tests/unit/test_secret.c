/* test_secret.c -- unit tests for src/core/secret.c: creating a secret file
 * 0600 and reading the same bytes back, refusing open modes, wrong sizes,
 * symbolic links and directories, and concurrent creators agreeing on one
 * secret.
 *
 * Each test gets a fresh private directory (tmpdir.h); f->path is
 * dir/s.key, not created by setup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "core/secret.h"
#include "tmpdir.h"

#define N 32
#define RACERS 8
#define ROUNDS 20

static void read_back(const char *path, unsigned char *buf, size_t n)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    assert_int_equal(fread(buf, 1, n, fp), n);
    fclose(fp);
}

/* Calls the function and, on failure, checks out was left alone and a
 * reason was given. */
static enum lc_err load_fails(const char *path, size_t n, char *err, size_t errlen)
{
    unsigned char out[LC_SECRET_MAX];
    memset(out, 0xAB, sizeof out);
    err[0] = '\0';
    enum lc_err rc = lc_secret_load_or_create(path, out, n, "test secret", err, errlen);
    assert_int_not_equal(rc, LC_OK);
    for (size_t i = 0; i < sizeof out; i++)
        assert_int_equal(out[i], 0xAB);
    assert_true(err[0] != '\0');
    return rc;
}

static void missing_file_is_created_0600_and_reloads_to_same_bytes(void **state)
{
    struct tmpdir *f = *state;
    unsigned char a[N], b[N], disk[N], zero[N] = {0};
    struct stat st;
    char err[256] = "";
    assert_int_equal(lc_secret_load_or_create(f->path, a, N, "test secret", err, sizeof err),
                     LC_OK);
    assert_int_equal(stat(f->path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_size, N);
    assert_int_equal(tmpdir_count(f->dir), 1); /* no temporary left behind */
    read_back(f->path, disk, N);
    assert_memory_equal(a, disk, N);
    assert_memory_not_equal(a, zero, N);

    assert_int_equal(lc_secret_load_or_create(f->path, b, N, "test secret", err, sizeof err),
                     LC_OK);
    assert_memory_equal(a, b, N);
}

static void existing_file_is_read_not_replaced(void **state)
{
    struct tmpdir *f = *state;
    unsigned char want[16], got[16];
    char err[256] = "";
    for (size_t i = 0; i < sizeof want; i++)
        want[i] = (unsigned char)(i * 7 + 1);
    tmpdir_write(f->path, want, sizeof want, 0400);
    assert_int_equal(
        lc_secret_load_or_create(f->path, got, sizeof got, "test secret", err, sizeof err),
        LC_OK);
    assert_memory_equal(want, got, sizeof want);
}

static void created_file_is_0600_even_under_a_restrictive_umask(void **state)
{
    struct tmpdir *f = *state;
    unsigned char a[N];
    struct stat st;
    char err[256] = "";
    mode_t old = umask(0277);
    enum lc_err rc = lc_secret_load_or_create(f->path, a, N, "test secret", err, sizeof err);
    umask(old);
    assert_int_equal(rc, LC_OK);
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
}

static void file_open_to_group_or_others_is_denied(void **state)
{
    struct tmpdir *f = *state;
    unsigned char data[N] = {1, 2, 3};
    char err[256];
    const mode_t modes[] = {0640, 0604, 0660, 0644, 0601, 0610};
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
        tmpdir_write(f->path, data, N, modes[i]);
        assert_int_equal(load_fails(f->path, N, err, sizeof err), LC_EDENIED);
        assert_non_null(strstr(err, "chmod 600"));
        assert_non_null(strstr(err, "test secret"));
    }
}

static void file_of_wrong_size_is_corrupt(void **state)
{
    struct tmpdir *f = *state;
    unsigned char data[N + 1] = {0};
    char err[256];
    const size_t sizes[] = {0, 1, N - 1, N + 1};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        tmpdir_write(f->path, data, sizes[i], 0600);
        assert_int_equal(load_fails(f->path, N, err, sizeof err), LC_ECORRUPT);
        char says[32];
        snprintf(says, sizeof says, "holds %zu bytes", sizes[i]);
        assert_non_null(strstr(err, says));
    }
}

static void symbolic_link_is_refused_even_to_a_good_file(void **state)
{
    struct tmpdir *f = *state;
    unsigned char data[N] = {9};
    char target[320], err[256];
    snprintf(target, sizeof target, "%s/real.key", f->dir);
    tmpdir_write(target, data, N, 0600);
    assert_int_equal(symlink(target, f->path), 0);
    assert_int_equal(load_fails(f->path, N, err, sizeof err), LC_EIO);
    assert_non_null(strstr(err, "symbolic link"));
}

static void dangling_symbolic_link_is_not_created_through(void **state)
{
    struct tmpdir *f = *state;
    char target[320], err[256];
    struct stat st;
    snprintf(target, sizeof target, "%s/elsewhere.key", f->dir);
    assert_int_equal(symlink(target, f->path), 0);
    assert_int_not_equal(load_fails(f->path, N, err, sizeof err), LC_OK);
    assert_int_not_equal(stat(target, &st), 0); /* nothing written at the target */
}

static void directory_is_corrupt(void **state)
{
    struct tmpdir *f = *state;
    char err[256];
    assert_int_equal(mkdir(f->path, 0700), 0);
    assert_int_equal(load_fails(f->path, N, err, sizeof err), LC_ECORRUPT);
}

static void missing_directory_fails_with_a_reason(void **state)
{
    struct tmpdir *f = *state;
    char path[400], err[256];
    snprintf(path, sizeof path, "%s/no/such/dir/s.key", f->dir);
    assert_int_equal(load_fails(path, N, err, sizeof err), LC_EIO);
}

static void size_zero_or_over_the_maximum_is_invalid(void **state)
{
    struct tmpdir *f = *state;
    unsigned char out[LC_SECRET_MAX + 1];
    assert_int_equal(lc_secret_load_or_create(f->path, out, 0, "s", NULL, 0), LC_EINVAL);
    assert_int_equal(lc_secret_load_or_create(f->path, out, LC_SECRET_MAX + 1, "s", NULL, 0),
                     LC_EINVAL);
    assert_int_equal(tmpdir_count(f->dir), 0);
    assert_int_equal(lc_secret_load_or_create(f->path, out, LC_SECRET_MAX, "s", NULL, 0), LC_OK);
}

struct racer {
    const char *path;
    pthread_barrier_t *go;
    unsigned char got[N];
    enum lc_err rc;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    char err[256] = "";
    pthread_barrier_wait(r->go);
    r->rc = lc_secret_load_or_create(r->path, r->got, N, "test secret", err, sizeof err);
    if (r->rc != LC_OK)
        print_error("racer: %s\n", err);
    return NULL;
}

static void concurrent_creators_all_end_with_the_same_bytes(void **state)
{
    struct tmpdir *f = *state;
    char path[320];
    unsigned char disk[N];
    for (int round = 0; round < ROUNDS; round++) {
        struct racer r[RACERS];
        pthread_t t[RACERS];
        pthread_barrier_t go;
        snprintf(path, sizeof path, "%s/race%d.key", f->dir, round);
        assert_int_equal(pthread_barrier_init(&go, NULL, RACERS), 0);
        for (int i = 0; i < RACERS; i++) {
            r[i] = (struct racer){.path = path, .go = &go};
            assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
        }
        for (int i = 0; i < RACERS; i++)
            pthread_join(t[i], NULL);
        pthread_barrier_destroy(&go);
        read_back(path, disk, N);
        for (int i = 0; i < RACERS; i++) {
            assert_int_equal(r[i].rc, LC_OK);
            assert_memory_equal(r[i].got, disk, N);
        }
    }
    assert_int_equal(tmpdir_count(f->dir), ROUNDS); /* no temporaries left */
}

static int setup(void **state)
{
    return tmpdir_setup(state, "test_secret", "s.key");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(missing_file_is_created_0600_and_reloads_to_same_bytes,
                                        setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(existing_file_is_read_not_replaced, setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(created_file_is_0600_even_under_a_restrictive_umask,
                                        setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(file_open_to_group_or_others_is_denied, setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(file_of_wrong_size_is_corrupt, setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(symbolic_link_is_refused_even_to_a_good_file, setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(dangling_symbolic_link_is_not_created_through, setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(directory_is_corrupt, setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(missing_directory_fails_with_a_reason, setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(size_zero_or_over_the_maximum_is_invalid, setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(concurrent_creators_all_end_with_the_same_bytes, setup,
                                        tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
