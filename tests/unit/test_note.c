/* test_note.c -- unit tests for src/archive/note.c: the signing key file,
 * signed notes checked against Go's golang.org/x/mod/sumdb/note known
 * answers, tamper and mangling rejection, and checkpoint text.
 *
 * Each test gets a fresh private directory (tmpdir.h) for key files that is
 * removed afterwards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
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

#include "archive/note.h"
#include "tmpdir.h"

/* Known answers from Go's golang.org/x/mod/sumdb/note note_test.go. */
#define KAT_VKEY "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define KAT_SKEY_B64 "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz" /* 0x01 || seed */
#define KAT_TEXT                                                                             \
    "If you think cryptography is the answer to your problem,\n"                            \
    "then you don't know what your problem is.\n"
#define KAT_SIG_LINE                                                                         \
    "\xE2\x80\x94 PeterNeumann "                                                             \
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
#define KAT_NOTE KAT_TEXT "\n" KAT_SIG_LINE

#define ORIGIN "livecomply.example/archive"
#define VKEY_CAP 256

/* f->path is dir/log.key, not created by setup. */
static int setup(void **state)
{
    return tmpdir_setup(state, "test_note", "log.key");
}

static struct lc_signer *open_ok(const char *path, const char *name)
{
    struct lc_signer *s = NULL;
    char err[256] = "";
    enum lc_err rc = lc_signer_open(path, name, &s, err, sizeof err);
    if (rc != LC_OK)
        fail_msg("lc_signer_open: %s", err);
    assert_non_null(s);
    return s;
}

static void vkey_of(const struct lc_signer *s, char *buf)
{
    assert_int_equal(lc_signer_vkey(s, buf, VKEY_CAP), LC_OK);
}

static enum lc_err verify(const char *note, const char *vkey)
{
    char err[256] = "";
    char *text = NULL;
    enum lc_err rc = lc_note_verify(note, vkey, &text, err, sizeof err);
    if (rc == LC_OK)
        assert_non_null(text);
    else
        assert_true(err[0] != '\0');
    free(text);
    return rc;
}

/* ---- key file ---- */

static void missing_key_is_created_0600_and_reopens_to_same_vkey(void **state)
{
    struct tmpdir *f = *state;
    struct stat st;
    char a[VKEY_CAP], b[VKEY_CAP];
    struct lc_signer *s = open_ok(f->path, ORIGIN);
    assert_int_equal(stat(f->path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_size, 32);
    assert_string_equal(lc_signer_name(s), ORIGIN);
    vkey_of(s, a);
    lc_signer_free(s);

    s = open_ok(f->path, ORIGIN);
    vkey_of(s, b);
    lc_signer_free(s);
    assert_string_equal(a, b);
    /* "<name>+<8 hex>+<44 base64>" */
    assert_int_equal(strlen(a), strlen(ORIGIN) + 1 + 8 + 1 + 44);
    assert_memory_equal(a, ORIGIN "+", strlen(ORIGIN) + 1);

    /* No temporary file is left beside the key. */
    DIR *d = opendir(f->dir);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    assert_int_equal(n, 1);
}

static void two_created_keys_differ(void **state)
{
    struct tmpdir *f = *state;
    char other[320], a[VKEY_CAP], b[VKEY_CAP];
    snprintf(other, sizeof other, "%s/other.key", f->dir);
    struct lc_signer *s = open_ok(f->path, ORIGIN), *t = open_ok(other, ORIGIN);
    vkey_of(s, a);
    vkey_of(t, b);
    assert_string_not_equal(a, b);
    lc_signer_free(s);
    lc_signer_free(t);
}

static void group_or_other_readable_key_is_refused(void **state)
{
    struct tmpdir *f = *state;
    struct lc_signer *s = NULL;
    char err[256] = "";
    const mode_t modes[] = {0640, 0604, 0660, 0644};
    lc_signer_free(open_ok(f->path, ORIGIN));
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
        assert_int_equal(chmod(f->path, modes[i]), 0);
        err[0] = '\0';
        assert_int_equal(lc_signer_open(f->path, ORIGIN, &s, err, sizeof err), LC_EDENIED);
        assert_null(s);
        assert_non_null(strstr(err, "chmod 600"));
    }
}

static void key_file_of_wrong_size_is_refused(void **state)
{
    struct tmpdir *f = *state;
    struct lc_signer *s = NULL;
    char err[256];
    uint8_t buf[33] = {0};
    tmpdir_write(f->path, buf, 31, 0600);
    assert_int_equal(lc_signer_open(f->path, ORIGIN, &s, err, sizeof err), LC_ECORRUPT);
    tmpdir_write(f->path, buf, 33, 0600);
    assert_int_equal(lc_signer_open(f->path, ORIGIN, &s, err, sizeof err), LC_ECORRUPT);
    tmpdir_write(f->path, buf, 0, 0600);
    assert_int_equal(lc_signer_open(f->path, ORIGIN, &s, err, sizeof err), LC_ECORRUPT);
    assert_null(s);
}

static void bad_key_names_are_refused(void **state)
{
    struct tmpdir *f = *state;
    struct lc_signer *s = NULL;
    char err[256];
    const char *bad[] = {"", "a b", "a+b", "a\nb", "a\tb", "tab\x7f", "nbsp\xC2\xA0x",
                         "bad\xFFutf8", "ideo\xE3\x80\x80space"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(lc_signer_open(f->path, bad[i], &s, err, sizeof err), LC_EINVAL);
    assert_null(s);
    assert_int_equal(access(f->path, F_OK), -1); /* nothing created for a bad name */
}

/* ---- Go known answers ---- */

static void go_sumdb_known_note_verifies(void **state)
{
    char *text = NULL;
    char err[256] = "";
    assert_int_equal(lc_note_verify(KAT_NOTE, KAT_VKEY, &text, err, sizeof err), LC_OK);
    assert_string_equal(text, KAT_TEXT);
    free(text);
    assert_int_equal(lc_note_verify(KAT_NOTE, KAT_VKEY, NULL, err, sizeof err), LC_OK);
}

static void go_sumdb_known_key_signs_byte_for_byte(void **state)
{
    struct tmpdir *f = *state;
    uint8_t skey[33];
    size_t got = 0;
    char vkey[VKEY_CAP], *note = NULL;
    assert_int_equal(sodium_base642bin(skey, sizeof skey, KAT_SKEY_B64, strlen(KAT_SKEY_B64),
                                       NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(got, 33);
    assert_int_equal(skey[0], 0x01);
    tmpdir_write(f->path, skey + 1, 32, 0600);
    struct lc_signer *s = open_ok(f->path, "PeterNeumann");
    vkey_of(s, vkey);
    assert_string_equal(vkey, KAT_VKEY);
    /* Ed25519 is deterministic, so the whole note must match Go's. */
    assert_int_equal(lc_note_sign(s, KAT_TEXT, &note), LC_OK);
    assert_string_equal(note, KAT_NOTE);
    free(note);
    lc_signer_free(s);
}

static void every_mangled_verifier_key_is_rejected(void **state)
{
    char b[sizeof KAT_VKEY];
    size_t n = strlen(KAT_VKEY);
    int tried = 0;
    memcpy(b, KAT_VKEY, sizeof b);
    for (size_t i = 0; i < n; i++) {
        for (int delta = -1; delta <= 1; delta += 2) {
            b[i] = (char)(b[i] + delta);
            if (verify(KAT_NOTE, b) == LC_OK)
                fail_msg("mangled key %s verified", b);
            b[i] = KAT_VKEY[i];
            tried++;
        }
        /* Each byte deleted. */
        memmove(b + i, b + i + 1, n - i);
        if (verify(KAT_NOTE, b) == LC_OK)
            fail_msg("key with byte %zu deleted verified", i);
        memcpy(b, KAT_VKEY, sizeof b);
        tried++;
    }
    /* Every proper substring, as Go's TestNewVerifier does. */
    for (size_t i = 0; i <= n; i++) {
        for (size_t j = i + 1; j <= n; j++) {
            if (i == 0 && j == n)
                continue;
            char sub[sizeof KAT_VKEY];
            memcpy(sub, KAT_VKEY + i, j - i);
            sub[j - i] = '\0';
            if (verify(KAT_NOTE, sub) == LC_OK)
                fail_msg("substring key %s verified", sub);
            tried++;
        }
    }
    /* Go's two hand-made cases: right key ID for a wrong-length key, and for
     * an unknown algorithm byte. */
    assert_int_equal(
        verify(KAT_NOTE,
               "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="),
        LC_EINVAL);
    assert_int_equal(
        verify(KAT_NOTE, "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        LC_EINVAL);
    print_message("mangled verifier keys rejected: %d\n", tried + 2);
    assert_true(tried > 2000);
}

/* ---- tampering ---- */

static void flipped_signature_bits_are_rejected(void **state)
{
    const char *line = strstr(KAT_NOTE, "PeterNeumann ") + strlen("PeterNeumann ");
    size_t b64len = strlen(line) - 1, got = 0;
    uint8_t sig[68], w[68];
    char note[sizeof KAT_NOTE + 128];
    char enc[sodium_base64_ENCODED_LEN(68, sodium_base64_VARIANT_ORIGINAL)];
    assert_int_equal(sodium_base642bin(sig, sizeof sig, line, b64len, NULL, &got, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(got, 68);
    size_t prefix = (size_t)(line - KAT_NOTE);
    int rejected = 0;
    for (size_t byte = 0; byte < sizeof sig; byte++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(w, sig, sizeof w);
            w[byte] ^= (uint8_t)(1u << bit);
            sodium_bin2base64(enc, sizeof enc, w, sizeof w, sodium_base64_VARIANT_ORIGINAL);
            memcpy(note, KAT_NOTE, prefix);
            snprintf(note + prefix, sizeof note - prefix, "%s\n", enc);
            enum lc_err rc = verify(note, KAT_VKEY);
            /* A flip in the key ID makes the line another key's: no
             * signature of ours remains.  A flip in the signature fails it. */
            assert_int_equal(rc, LC_ECORRUPT);
            rejected++;
        }
    }
    assert_int_equal(rejected, 68 * 8);
}

static void edited_text_is_rejected(void **state)
{
    char note[sizeof KAT_NOTE];
    size_t text_len = strlen(KAT_TEXT);
    for (size_t i = 0; i < text_len - 1; i++) {
        memcpy(note, KAT_NOTE, sizeof note);
        if (note[i] == '\n')
            continue;
        note[i] = note[i] == 'x' ? 'y' : 'x';
        assert_int_equal(verify(note, KAT_VKEY), LC_ECORRUPT);
    }
}

static void roundtrip_and_unknown_keys(void **state)
{
    struct tmpdir *f = *state;
    char other_path[320], va[VKEY_CAP], vb[VKEY_CAP], *na = NULL, *nb = NULL, *text = NULL;
    const char *msg = "hello\n\nworld \xE4\xB8\xAD\xE6\x96\x87\n";
    snprintf(other_path, sizeof other_path, "%s/b.key", f->dir);
    struct lc_signer *a = open_ok(f->path, ORIGIN), *b = open_ok(other_path, ORIGIN);
    vkey_of(a, va);
    vkey_of(b, vb);
    assert_int_equal(lc_note_sign(a, msg, &na), LC_OK);
    assert_int_equal(lc_note_sign(b, msg, &nb), LC_OK);

    assert_int_equal(lc_note_verify(na, va, &text, NULL, 0), LC_OK);
    assert_string_equal(text, msg);
    free(text);
    /* Only another key's signature: same name, other key ID. */
    assert_int_equal(verify(na, vb), LC_ECORRUPT);
    assert_int_equal(verify(nb, va), LC_ECORRUPT);
    assert_int_equal(verify(na, KAT_VKEY), LC_ECORRUPT);

    /* Both signatures on one note: each key finds its own and skips the
     * other's. */
    const char *line_b = strstr(nb, "\n\xE2\x80\x94 ") + 1; /* msg has a blank line too */
    size_t len = strlen(na) + strlen(line_b) + 1;
    char *both = malloc(len);
    snprintf(both, len, "%s%s", na, line_b);
    assert_int_equal(verify(both, va), LC_OK);
    assert_int_equal(verify(both, vb), LC_OK);
    free(both);

    lc_signer_free(a);
    lc_signer_free(b);
    free(na);
    free(nb);
}

static void more_than_100_signature_lines_are_rejected(void **state)
{
    const char *unknown = "\xE2\x80\x94 someone-else AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n";
    size_t cap = strlen(KAT_NOTE) + 101 * strlen(unknown) + 1;
    char *note = malloc(cap);
    for (int lines = 99; lines <= 100; lines++) {
        strcpy(note, KAT_NOTE);
        for (int i = 0; i < lines; i++)
            strcat(note, unknown);
        /* ours plus 99 unknown = 100 lines is fine; 101 is too many */
        assert_int_equal(verify(note, KAT_VKEY), lines == 99 ? LC_OK : LC_EINVAL);
    }
    free(note);
}

static void control_characters_and_bad_utf8_are_rejected(void **state)
{
    struct tmpdir *f = *state;
    struct lc_signer *s = open_ok(f->path, ORIGIN);
    char *note = NULL;
    const char *bad_text[] = {"tab\there\n", "cr\r\n", "nul-free but \x01\n", "del\x7f\n",
                              "bad \xC3\x28 utf8\n", "overlong \xC0\xAF\n",
                              "surrogate \xED\xA0\x80\n", "no newline", ""};
    for (size_t i = 0; i < sizeof bad_text / sizeof *bad_text; i++)
        assert_int_equal(lc_note_sign(s, bad_text[i], &note), LC_EINVAL);
    assert_null(note);
    lc_signer_free(s);

    /* The same characters inserted into a signed note. */
    char buf[sizeof KAT_NOTE + 4];
    const char *inserts[] = {"\t", "\r", "\x1b", "\xff"};
    for (size_t i = 0; i < sizeof inserts / sizeof *inserts; i++) {
        snprintf(buf, sizeof buf, "If%s you%s", inserts[i], KAT_NOTE + 6);
        assert_int_equal(verify(buf, KAT_VKEY), LC_EINVAL);
    }
}

static void malformed_notes_are_rejected(void **state)
{
    const char *bad[] = {
        KAT_TEXT,                                    /* no signature block */
        KAT_TEXT "\n",                               /* empty block */
        KAT_TEXT "\n- PeterNeumann x08go/ZJku=\n",   /* ASCII dash */
        KAT_TEXT "\n\xE2\x80\x94 PeterNeumann\n",    /* no signature */
        KAT_TEXT "\n\xE2\x80\x94 PeterNeumann !!\n", /* not base64 */
        KAT_TEXT "\n\xE2\x80\x94 PeterNeumann AAAA\n", /* shorter than key ID + 1 */
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(verify(bad[i], KAT_VKEY), LC_EINVAL);
    /* Missing final newline. */
    char cut[sizeof KAT_NOTE];
    memcpy(cut, KAT_NOTE, sizeof cut);
    cut[strlen(cut) - 1] = '\0';
    assert_int_equal(verify(cut, KAT_VKEY), LC_EINVAL);
}

/* ---- checkpoints ---- */

static void checkpoint_text_matches_known_form_and_roundtrips(void **state)
{
    /* The RFC 6962 vector root of 8 leaves (archive.md section 2). */
    uint8_t root[LC_HASH_LEN], back[LC_HASH_LEN];
    size_t got = 0;
    const char *b64 = "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=";
    assert_int_equal(sodium_base642bin(root, sizeof root, b64, strlen(b64), NULL, &got, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    char *text = NULL, origin[64];
    uint64_t size = 0;
    assert_int_equal(lc_checkpoint_text("archive.example.com/orders", 8, root, &text), LC_OK);
    assert_string_equal(text, "archive.example.com/orders\n8\n"
                              "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n");
    assert_int_equal(lc_checkpoint_parse(text, origin, sizeof origin, &size, back), LC_OK);
    assert_string_equal(origin, "archive.example.com/orders");
    assert_int_equal(size, 8);
    assert_memory_equal(back, root, LC_HASH_LEN);
    free(text);

    /* Largest size, and extension lines are ignored. */
    assert_int_equal(lc_checkpoint_text("o", UINT64_MAX, root, &text), LC_OK);
    char *ext = malloc(strlen(text) + 32);
    sprintf(ext, "%sext line\n", text);
    assert_int_equal(lc_checkpoint_parse(ext, origin, sizeof origin, &size, back), LC_OK);
    assert_int_equal(size, UINT64_MAX);
    free(ext);
    /* An origin that does not fit the caller's buffer. */
    assert_int_equal(lc_checkpoint_parse(text, origin, 1, &size, back), LC_ETOOBIG);
    free(text);

    assert_int_equal(lc_checkpoint_text("", 1, root, &text), LC_EINVAL);
    assert_int_equal(lc_checkpoint_text("two\nlines", 1, root, &text), LC_EINVAL);
}

static void checkpoint_parse_rejects_bad_fields(void **state)
{
    const char *R = "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=";
    char buf[256], origin[64];
    uint8_t root[LC_HASH_LEN];
    uint64_t size = 12345;
    const char *sizes[] = {"", "-1", "+1", "01", "1a", " 1", "1 ", "0x10",
                           "18446744073709551616", "99999999999999999999"};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        snprintf(buf, sizeof buf, "o\n%s\n%s\n", sizes[i], R);
        assert_int_equal(lc_checkpoint_parse(buf, origin, sizeof origin, &size, root), LC_EINVAL);
    }
    const char *roots[] = {"", "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg",   /* no padding */
                           "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz-Nw7_RgQyg=",  /* URL-safe */
                           "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyh=",  /* stray bits */
                           "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQ==",   /* 31 bytes */
                           "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQygA", /* 33 bytes */
                           "XcnaeacGWamtVZy3Ad7Zoqud gjqtL0lgz+Nw7/RgQyg="};
    for (size_t i = 0; i < sizeof roots / sizeof *roots; i++) {
        snprintf(buf, sizeof buf, "o\n8\n%s\n", roots[i]);
        assert_int_equal(lc_checkpoint_parse(buf, origin, sizeof origin, &size, root), LC_EINVAL);
    }
    const char *shapes[] = {"", "o\n", "o\n8\n",
                            "\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
                            "o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
                            "o\r\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"};
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++)
        assert_int_equal(lc_checkpoint_parse(shapes[i], origin, sizeof origin, &size, root),
                         LC_EINVAL);
    assert_int_equal(size, 12345); /* untouched on failure */
}

static void signed_checkpoint_roundtrip(void **state)
{
    struct tmpdir *f = *state;
    struct lc_signer *s = open_ok(f->path, ORIGIN);
    uint8_t root[LC_HASH_LEN], back[LC_HASH_LEN];
    char vkey[VKEY_CAP], origin[64], *text = NULL, *note = NULL, *got = NULL;
    uint64_t size;
    randombytes_buf(root, sizeof root);
    vkey_of(s, vkey);
    assert_int_equal(lc_checkpoint_text(ORIGIN, 1000, root, &text), LC_OK);
    assert_int_equal(lc_note_sign(s, text, &note), LC_OK);
    assert_int_equal(lc_note_verify(note, vkey, &got, NULL, 0), LC_OK);
    assert_string_equal(got, text);
    assert_int_equal(lc_checkpoint_parse(got, origin, sizeof origin, &size, back), LC_OK);
    assert_string_equal(origin, ORIGIN);
    assert_int_equal(size, 1000);
    assert_memory_equal(back, root, LC_HASH_LEN);
    /* Editing the size in the signed note breaks the signature. */
    char *edited = strdup(note);
    char *p = strstr(edited, "\n1000\n");
    p[1] = '2';
    assert_int_equal(verify(edited, vkey), LC_ECORRUPT);
    free(edited);
    free(text);
    free(note);
    free(got);
    lc_signer_free(s);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, tmpdir_teardown)
    const struct CMUnitTest tests[] = {
        T(missing_key_is_created_0600_and_reopens_to_same_vkey),
        T(two_created_keys_differ),
        T(group_or_other_readable_key_is_refused),
        T(key_file_of_wrong_size_is_refused),
        T(bad_key_names_are_refused),
        T(go_sumdb_known_note_verifies),
        T(go_sumdb_known_key_signs_byte_for_byte),
        T(every_mangled_verifier_key_is_rejected),
        T(flipped_signature_bits_are_rejected),
        T(edited_text_is_rejected),
        T(roundtrip_and_unknown_keys),
        T(more_than_100_signature_lines_are_rejected),
        T(control_characters_and_bad_utf8_are_rejected),
        T(malformed_notes_are_rejected),
        T(checkpoint_text_matches_known_form_and_roundtrips),
        T(checkpoint_parse_rejects_bad_fields),
        T(signed_checkpoint_roundtrip),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
