/* test_seal.c -- unit tests for src/ident/seal.c: the key file's life
 * cycle, sealing and opening values, tamper detection and blind indexes.
 *
 * Each test gets a fresh private directory (tmpdir.h) that is removed
 * afterwards, so tests neither share nor leak key files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ident/seal.h"
#include "tmpdir.h"

/* f->path is dir/seal.key, not created by setup; the teardown also removes
 * the directory the directory-as-key-file test makes there. */
static int setup(void **state)
{
    return tmpdir_setup(state, "test_seal", "seal.key");
}

static struct lc_seal *open_ok(const char *path)
{
    struct lc_seal *s = NULL;
    char err[256] = "";
    enum lc_err rc = lc_seal_open(path, &s, err, sizeof err);
    if (rc != LC_OK)
        print_error("lc_seal_open: %s\n", err);
    assert_int_equal(rc, LC_OK);
    assert_non_null(s);
    return s;
}

/* ---- key file ---- */

static void missing_key_file_is_created_0600_with_32_bytes(void **state)
{
    struct tmpdir *f = *state;
    struct stat st;
    struct lc_seal *s = open_ok(f->path);
    assert_int_equal(stat(f->path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_size, 32);
    assert_int_equal(tmpdir_count(f->dir), 1); /* no temporary left behind */
    lc_seal_free(s);
}

static void created_key_is_random_not_constant(void **state)
{
    struct tmpdir *f = *state;
    char other[320];
    unsigned char a[32], b[32];
    snprintf(other, sizeof other, "%s/other.key", f->dir);
    lc_seal_free(open_ok(f->path));
    lc_seal_free(open_ok(other));
    FILE *fa = fopen(f->path, "rb"), *fb = fopen(other, "rb");
    assert_non_null(fa);
    assert_non_null(fb);
    assert_int_equal(fread(a, 1, 32, fa), 32);
    assert_int_equal(fread(b, 1, 32, fb), 32);
    fclose(fa);
    fclose(fb);
    assert_memory_not_equal(a, b, 32);
}

static void key_file_readable_by_group_or_others_is_refused(void **state)
{
    struct tmpdir *f = *state;
    unsigned char key[32] = {1, 2, 3};
    struct lc_seal *s = NULL;
    char err[256] = "";
    tmpdir_write(f->path, key, sizeof key, 0644);
    assert_int_equal(lc_seal_open(f->path, &s, err, sizeof err), LC_EDENIED);
    assert_null(s);
    assert_non_null(strstr(err, "0644"));
    tmpdir_write(f->path, key, sizeof key, 0640);
    assert_int_equal(lc_seal_open(f->path, &s, err, sizeof err), LC_EDENIED);
    tmpdir_write(f->path, key, sizeof key, 0604);
    assert_int_equal(lc_seal_open(f->path, &s, err, sizeof err), LC_EDENIED);
    assert_null(s);
    tmpdir_write(f->path, key, sizeof key, 0400);
    s = open_ok(f->path); /* owner read-only is fine */
    lc_seal_free(s);
}

static void key_file_of_wrong_size_is_refused_as_corrupt(void **state)
{
    struct tmpdir *f = *state;
    unsigned char key[33] = {0};
    struct lc_seal *s = NULL;
    char err[256] = "";
    tmpdir_write(f->path, key, 31, 0600);
    assert_int_equal(lc_seal_open(f->path, &s, err, sizeof err), LC_ECORRUPT);
    assert_null(s);
    tmpdir_write(f->path, key, 33, 0600);
    assert_int_equal(lc_seal_open(f->path, &s, err, sizeof err), LC_ECORRUPT);
    tmpdir_write(f->path, key, 0, 0600);
    assert_int_equal(lc_seal_open(f->path, &s, err, sizeof err), LC_ECORRUPT);
    assert_null(s);
    assert_true(err[0] != '\0');
}

static void key_file_that_is_a_directory_is_refused(void **state)
{
    struct tmpdir *f = *state;
    struct lc_seal *s = NULL;
    char err[256] = "";
    assert_int_equal(mkdir(f->path, 0700), 0);
    assert_int_equal(lc_seal_open(f->path, &s, err, sizeof err), LC_ECORRUPT);
    assert_null(s);
}

static void key_file_in_missing_directory_fails_without_crashing(void **state)
{
    struct tmpdir *f = *state;
    char path[400];
    struct lc_seal *s = NULL;
    char err[256] = "";
    snprintf(path, sizeof path, "%s/no/such/dir/seal.key", f->dir);
    assert_int_equal(lc_seal_open(path, &s, err, sizeof err), LC_EIO);
    assert_null(s);
    assert_true(err[0] != '\0');
}

static void free_accepts_null(void **state)
{
    lc_seal_free(NULL);
}

/* ---- sealing ---- */

static void seal_round_trips_text_and_binary(void **state)
{
    struct tmpdir *f = *state;
    struct lc_seal *s = open_ok(f->path);
    const char *texts[] = {"11010519491231002X", "张三丰", ""};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        char *sealed = NULL, *plain = NULL;
        size_t n = 99;
        assert_int_equal(lc_seal_encrypt(s, "host:42", texts[i], strlen(texts[i]), &sealed),
                         LC_OK);
        assert_int_equal(lc_seal_decrypt(s, "host:42", sealed, &plain, &n), LC_OK);
        assert_int_equal(n, strlen(texts[i]));
        assert_string_equal(plain, texts[i]);
        free(sealed);
        free(plain);
    }
    const unsigned char bin[5] = {0, 0xff, 0, 7, 0};
    char *sealed = NULL, *plain = NULL;
    size_t n = 0;
    assert_int_equal(lc_seal_encrypt(s, NULL, bin, sizeof bin, &sealed), LC_OK);
    assert_int_equal(lc_seal_decrypt(s, NULL, sealed, &plain, &n), LC_OK);
    assert_int_equal(n, sizeof bin);
    assert_memory_equal(plain, bin, sizeof bin);
    assert_int_equal(plain[n], '\0');
    free(sealed);
    free(plain);
    lc_seal_free(s);
}

static void sealed_value_is_unpadded_base64url_of_nonce_ct_tag(void **state)
{
    struct tmpdir *f = *state;
    struct lc_seal *s = open_ok(f->path);
    char *sealed = NULL;
    /* 24 nonce + 18 text + 16 tag = 58 bytes -> ceil(58 * 4 / 3) = 78 chars */
    assert_int_equal(lc_seal_encrypt(s, "r1", "11010519491231002X", 18, &sealed), LC_OK);
    assert_int_equal(strlen(sealed), 78);
    assert_int_equal(strspn(sealed, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                    "0123456789-_"),
                     strlen(sealed));
    assert_null(strstr(sealed, "11010519491231002X"));
    free(sealed);
    lc_seal_free(s);
}

static void sealing_twice_gives_different_values(void **state)
{
    struct tmpdir *f = *state;
    struct lc_seal *s = open_ok(f->path);
    char *a = NULL, *b = NULL;
    assert_int_equal(lc_seal_encrypt(s, "r1", "same", 4, &a), LC_OK);
    assert_int_equal(lc_seal_encrypt(s, "r1", "same", 4, &b), LC_OK);
    assert_string_not_equal(a, b);
    free(a);
    free(b);
    lc_seal_free(s);
}

static void changing_any_one_character_is_detected(void **state)
{
    struct tmpdir *f = *state;
    struct lc_seal *s = open_ok(f->path);
    char *sealed = NULL;
    assert_int_equal(lc_seal_encrypt(s, "r1", "13812345678", 11, &sealed), LC_OK);
    size_t len = strlen(sealed);
    for (size_t i = 0; i < len; i++) {
        char *plain = (char *)"untouched";
        size_t n = 12345;
        char saved = sealed[i];
        sealed[i] = saved == 'A' ? 'B' : 'A';
        assert_int_equal(lc_seal_decrypt(s, "r1", sealed, &plain, &n), LC_ECORRUPT);
        assert_string_equal(plain, "untouched");
        assert_int_equal(n, 12345);
        sealed[i] = saved;
    }
    char *plain = NULL;
    assert_int_equal(lc_seal_decrypt(s, "r1", sealed, &plain, NULL), LC_OK);
    assert_string_equal(plain, "13812345678");
    free(plain);
    free(sealed);
    lc_seal_free(s);
}

static void value_sealed_for_one_record_does_not_open_for_another(void **state)
{
    struct tmpdir *f = *state;
    struct lc_seal *s = open_ok(f->path);
    char *sealed = NULL, *plain = NULL;
    assert_int_equal(lc_seal_encrypt(s, "host:42", "secret", 6, &sealed), LC_OK);
    assert_int_equal(lc_seal_decrypt(s, "host:43", sealed, &plain, NULL), LC_ECORRUPT);
    assert_int_equal(lc_seal_decrypt(s, "", sealed, &plain, NULL), LC_ECORRUPT);
    assert_int_equal(lc_seal_decrypt(s, NULL, sealed, &plain, NULL), LC_ECORRUPT);
    assert_null(plain);
    free(sealed);
    lc_seal_free(s);
}

static void malformed_sealed_values_are_corrupt(void **state)
{
    struct tmpdir *f = *state;
    struct lc_seal *s = open_ok(f->path);
    char *sealed = NULL, *plain = NULL, buf[256];
    assert_int_equal(lc_seal_encrypt(s, "r1", "secret", 6, &sealed), LC_OK);
    const char *bad[] = {"", "A", "not base64 at all!", "AAAA", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(lc_seal_decrypt(s, "r1", bad[i], &plain, NULL), LC_ECORRUPT);
    /* truncated, extended, padded, or with a stray character */
    snprintf(buf, sizeof buf, "%.*s", (int)strlen(sealed) - 1, sealed);
    assert_int_equal(lc_seal_decrypt(s, "r1", buf, &plain, NULL), LC_ECORRUPT);
    snprintf(buf, sizeof buf, "%sA", sealed);
    assert_int_equal(lc_seal_decrypt(s, "r1", buf, &plain, NULL), LC_ECORRUPT);
    snprintf(buf, sizeof buf, "%s=", sealed);
    assert_int_equal(lc_seal_decrypt(s, "r1", buf, &plain, NULL), LC_ECORRUPT);
    snprintf(buf, sizeof buf, "%s\n", sealed);
    assert_int_equal(lc_seal_decrypt(s, "r1", buf, &plain, NULL), LC_ECORRUPT);
    assert_null(plain);
    free(sealed);
    lc_seal_free(s);
}

static void oversized_plaintext_is_refused(void **state)
{
    struct tmpdir *f = *state;
    struct lc_seal *s = open_ok(f->path);
    size_t n = (1u << 20) + 1;
    char *big = calloc(1, n), *sealed = NULL;
    assert_non_null(big);
    assert_int_equal(lc_seal_encrypt(s, "r1", big, n, &sealed), LC_ETOOBIG);
    assert_null(sealed);
    assert_int_equal(lc_seal_encrypt(s, "r1", big, n - 1, &sealed), LC_OK);
    free(sealed);
    free(big);
    lc_seal_free(s);
}

static void reopened_key_file_opens_earlier_values(void **state)
{
    struct tmpdir *f = *state;
    struct lc_seal *s = open_ok(f->path);
    char *sealed = NULL, *plain = NULL;
    assert_int_equal(lc_seal_encrypt(s, "r1", "persisted", 9, &sealed), LC_OK);
    lc_seal_free(s);
    s = open_ok(f->path);
    assert_int_equal(lc_seal_decrypt(s, "r1", sealed, &plain, NULL), LC_OK);
    assert_string_equal(plain, "persisted");
    free(plain);
    free(sealed);
    lc_seal_free(s);
}

static void value_does_not_open_under_a_different_key(void **state)
{
    struct tmpdir *f = *state;
    char other[320];
    snprintf(other, sizeof other, "%s/other.key", f->dir);
    struct lc_seal *a = open_ok(f->path), *b = open_ok(other);
    char *sealed = NULL, *plain = NULL;
    assert_int_equal(lc_seal_encrypt(a, "r1", "secret", 6, &sealed), LC_OK);
    assert_int_equal(lc_seal_decrypt(b, "r1", sealed, &plain, NULL), LC_ECORRUPT);
    assert_null(plain);
    free(sealed);
    lc_seal_free(a);
    lc_seal_free(b);
}

/* ---- blind index ---- */

static void blind_index_is_64_lowercase_hex(void **state)
{
    struct tmpdir *f = *state;
    struct lc_seal *s = open_ok(f->path);
    char out[65];
    memset(out, 'Q', sizeof out);
    lc_seal_blind(s, "idnum", "11010519491231002X", out);
    assert_int_equal(strlen(out), 64);
    assert_int_equal(strspn(out, "0123456789abcdef"), 64);
    lc_seal_free(s);
}

static void blind_index_is_stable_across_reopen(void **state)
{
    struct tmpdir *f = *state;
    char a[65], b[65];
    struct lc_seal *s = open_ok(f->path);
    lc_seal_blind(s, "idnum", "11010519491231002X", a);
    lc_seal_free(s);
    s = open_ok(f->path);
    lc_seal_blind(s, "idnum", "11010519491231002X", b);
    lc_seal_free(s);
    assert_string_equal(a, b);
}

static void blind_index_differs_by_value_domain_and_key(void **state)
{
    struct tmpdir *f = *state;
    char other[320], base[65], h[65];
    snprintf(other, sizeof other, "%s/other.key", f->dir);
    struct lc_seal *s = open_ok(f->path), *t = open_ok(other);
    lc_seal_blind(s, "idnum", "11010519491231002X", base);
    lc_seal_blind(s, "idnum", "110105198002290013", h);
    assert_string_not_equal(base, h);
    lc_seal_blind(s, "phone", "11010519491231002X", h);
    assert_string_not_equal(base, h);
    lc_seal_blind(t, "idnum", "11010519491231002X", h);
    assert_string_not_equal(base, h);
    /* the separator keeps the domain/value boundary */
    char x[65], y[65];
    lc_seal_blind(s, "ab", "c", x);
    lc_seal_blind(s, "a", "bc", y);
    assert_string_not_equal(x, y);
    lc_seal_free(s);
    lc_seal_free(t);
}

/* Recomputes the documented constructions from the key file with libsodium
 * directly, so the format is pinned and other tools can reproduce it. */
static void read_master(const char *path, unsigned char *key)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    assert_int_equal(fread(key, 1, 32, fp), 32);
    fclose(fp);
}

static void blind_index_is_keyed_blake2b_of_domain_nul_value(void **state)
{
    struct tmpdir *f = *state;
    struct lc_seal *s = open_ok(f->path);
    unsigned char master[32], sub[32], h[32];
    static const unsigned char msg[] = "idnum\0" "11010519491231002X";
    char want[65], got[65];
    read_master(f->path, master);
    assert_int_equal(crypto_kdf_derive_from_key(sub, sizeof sub, 2, "lcseal01", master), 0);
    crypto_generichash(h, sizeof h, msg, sizeof msg - 1, sub, sizeof sub);
    sodium_bin2hex(want, sizeof want, h, sizeof h);
    lc_seal_blind(s, "idnum", "11010519491231002X", got);
    assert_string_equal(got, want);
    /* and the unkeyed hash is something else */
    crypto_generichash(h, sizeof h, msg, sizeof msg - 1, NULL, 0);
    sodium_bin2hex(want, sizeof want, h, sizeof h);
    assert_string_not_equal(got, want);
    lc_seal_free(s);
}

static void sealed_value_opens_with_kdf_subkey_1_and_nonce_prefix(void **state)
{
    struct tmpdir *f = *state;
    struct lc_seal *s = open_ok(f->path);
    unsigned char master[32], sub[32], bin[128], pt[64];
    size_t binlen = 0;
    unsigned long long ptlen = 0;
    char *sealed = NULL;
    read_master(f->path, master);
    assert_int_equal(crypto_kdf_derive_from_key(sub, sizeof sub, 1, "lcseal01", master), 0);
    assert_int_equal(lc_seal_encrypt(s, "host:7", "张三丰", strlen("张三丰"), &sealed), LC_OK);
    assert_int_equal(sodium_base642bin(bin, sizeof bin, sealed, strlen(sealed), NULL, &binlen,
                                       NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                     0);
    assert_int_equal(binlen, 24 + strlen("张三丰") + 16);
    assert_int_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(
                         pt, &ptlen, NULL, bin + 24, binlen - 24,
                         (const unsigned char *)"host:7", 6, bin, sub),
                     0);
    assert_int_equal(ptlen, strlen("张三丰"));
    assert_memory_equal(pt, "张三丰", ptlen);
    free(sealed);
    lc_seal_free(s);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, tmpdir_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(missing_key_file_is_created_0600_with_32_bytes),
        T(created_key_is_random_not_constant),
        T(key_file_readable_by_group_or_others_is_refused),
        T(key_file_of_wrong_size_is_refused_as_corrupt),
        T(key_file_that_is_a_directory_is_refused),
        T(key_file_in_missing_directory_fails_without_crashing),
        cmocka_unit_test(free_accepts_null),
        T(seal_round_trips_text_and_binary),
        T(sealed_value_is_unpadded_base64url_of_nonce_ct_tag),
        T(sealing_twice_gives_different_values),
        T(changing_any_one_character_is_detected),
        T(value_sealed_for_one_record_does_not_open_for_another),
        T(malformed_sealed_values_are_corrupt),
        T(oversized_plaintext_is_refused),
        T(reopened_key_file_opens_earlier_values),
        T(value_does_not_open_under_a_different_key),
        T(blind_index_is_64_lowercase_hex),
        T(blind_index_is_stable_across_reopen),
        T(blind_index_differs_by_value_domain_and_key),
        T(blind_index_is_keyed_blake2b_of_domain_nul_value),
        T(sealed_value_opens_with_kdf_subkey_1_and_nonce_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
