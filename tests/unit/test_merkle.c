/* test_merkle.c -- unit tests for src/archive/merkle.c: RFC 6962 hashing
 * vectors, every transparency-dev/merkle proof case file, an exhaustive
 * generator-versus-verifier sweep, the negative probes of archive.md
 * section 7, a million-leaf tree against a naive recursive MTH, and the
 * hash wrappers against an independent SHA-256 on each of their paths.
 *
 * The vectors are read from $LC_TEST_DATA/merkle-testdata (a copy of the
 * upstream data, see its README.md).  Hashes of the wrong length in those
 * files are deliberate probes; our API takes 32-byte arrays, so they are
 * zero-padded to 32 bytes and handed to the verifier, which must still
 * reach the expected verdict. */
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
#include <jansson.h>
#include <sodium.h>
#include <sys/stat.h>

#include "archive/merkle.h"

#define H LC_HASH_LEN
#define SWEEP_MAX 200
#define BIG_LEAVES 1000003u

typedef uint8_t hash[H];

/* ---- helpers ---- */

static void data_path(char *buf, size_t cap, const char *rel)
{
    const char *root = getenv("LC_TEST_DATA");
    if (!root || !*root)
        fail_msg("LC_TEST_DATA is not set (ctest sets it to tests/data)");
    assert_true(snprintf(buf, cap, "%s/merkle-testdata/%s", root, rel) < (int)cap);
}

static void from_hex(const char *hex, uint8_t *out, size_t n)
{
    size_t got = 0;
    assert_int_equal(sodium_hex2bin(out, n, hex, strlen(hex), NULL, &got, NULL), 0);
    assert_int_equal(got, n);
}

/* Decodes base64 into a zero-padded 32-byte hash; returns the decoded
 * length, or -1 if longer than a hash. */
static int b64_hash(const char *s, hash out)
{
    uint8_t buf[128];
    size_t got = 0;
    memset(out, 0, H);
    assert_int_equal(sodium_base642bin(buf, sizeof buf, s, strlen(s), NULL, &got, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    if (got > H)
        return -1;
    memcpy(out, buf, got);
    return (int)got;
}

static void leaf_of(uint64_t i, hash out)
{
    uint8_t b[8];
    for (int k = 0; k < 8; k++)
        b[k] = (uint8_t)(i >> (8 * k));
    lc_merkle_leaf_hash(b, sizeof b, out);
}

/* MTH straight from RFC 6962 section 2.1, over leaf hashes. */
static void naive_mth(const hash *leaves, uint64_t n, hash out)
{
    if (n == 0) {
        lc_merkle_hash("", 0, out);
        return;
    }
    if (n == 1) {
        memcpy(out, leaves[0], H);
        return;
    }
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    hash l, r;
    naive_mth(leaves, k, l);
    naive_mth(leaves + k, n - k, r);
    lc_merkle_node_hash(l, r, out);
}

static struct lc_merkle *tree_of(uint64_t n, hash *leaves)
{
    struct lc_merkle *t = NULL;
    assert_int_equal(lc_merkle_new(&t), LC_OK);
    for (uint64_t i = 0; i < n; i++) {
        hash l;
        leaf_of(i, l);
        if (leaves)
            memcpy(leaves[i], l, H);
        assert_int_equal(lc_merkle_append(t, l), LC_OK);
    }
    return t;
}

/* The 8-leaf tree of the RFC 6962 vectors. */
static struct lc_merkle *standard_tree(json_t *vec)
{
    struct lc_merkle *t = NULL;
    json_t *inputs = json_object_get(vec, "leaf_inputs_hex");
    assert_int_equal(json_array_size(inputs), 8);
    assert_int_equal(lc_merkle_new(&t), LC_OK);
    for (size_t i = 0; i < 8; i++) {
        const char *hex = json_string_value(json_array_get(inputs, i));
        uint8_t data[64];
        size_t n = strlen(hex) / 2;
        hash leaf;
        from_hex(hex, data, n);
        lc_merkle_leaf_hash(data, n, leaf);
        assert_int_equal(lc_merkle_append(t, leaf), LC_OK);
    }
    return t;
}

static json_t *load_json(const char *path)
{
    json_error_t e;
    /* leafIdx may be 2^64-1, past jansson's int64; read sizes with raw_u64. */
    json_t *j = json_load_file(path, JSON_DECODE_INT_AS_REAL, &e);
    if (!j)
        fail_msg("%s: %s", path, e.text);
    return j;
}

static json_t *load_vectors(void)
{
    char p[512];
    data_path(p, sizeof p, "vectors.json");
    return load_json(p);
}

/* The exact unsigned value of "key": N in a JSON file's text. */
static uint64_t raw_u64(const char *text, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    const char *p = strstr(text, pat);
    if (!p)
        fail_msg("no %s", key);
    p += strlen(pat);
    while (*p == ' ' || *p == ':' || *p == '\n')
        p++;
    char *end;
    unsigned long long v = strtoull(p, &end, 10);
    assert_true(end > p);
    return v;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = calloc(1, 1 << 16);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    assert_true(n > 0 && n < (1 << 16) - 1);
    fclose(f);
    return buf;
}

/* Proof array (null = empty) into out; false if an element is longer
 * than a hash. */
static bool proof_of(json_t *arr, hash *out, size_t *count)
{
    bool ok = true;
    size_t i;
    json_t *v;
    *count = 0;
    if (json_is_null(arr))
        return true;
    assert_true(json_is_array(arr));
    assert_true(json_array_size(arr) <= LC_MERKLE_MAX_PROOF);
    json_array_foreach(arr, i, v)
    {
        if (b64_hash(json_string_value(v), out[i]) < 0)
            ok = false;
    }
    *count = json_array_size(arr);
    return ok;
}

typedef void (*case_fn)(const char *path, void *ctx);

/* Calls fn on every .json file under dir, in any order; returns the count. */
static int walk(const char *dir, case_fn fn, void *ctx)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d)
        fail_msg("cannot open %s", dir);
    while ((e = readdir(d))) {
        char p[1024];
        struct stat st;
        if (e->d_name[0] == '.')
            continue;
        if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= (int)sizeof p)
            fail_msg("path too long under %s", dir);
        assert_int_equal(stat(p, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            n += walk(p, fn, ctx);
        } else if (strlen(e->d_name) > 5 && !strcmp(e->d_name + strlen(e->d_name) - 5, ".json")) {
            fn(p, ctx);
            n++;
        }
    }
    closedir(d);
    return n;
}

/* ---- hashing vectors ---- */

static void empty_tree_root_is_sha256_of_nothing(void **state)
{
    json_t *vec = load_vectors();
    hash want, got;
    struct lc_merkle *t = NULL;
    from_hex(json_string_value(json_object_get(vec, "empty_tree_root")), want, H);
    assert_int_equal(lc_merkle_new(&t), LC_OK);
    assert_int_equal(lc_merkle_size(t), 0);
    assert_int_equal(lc_merkle_root(t, 0, got), LC_OK);
    assert_memory_equal(got, want, H);
    lc_merkle_hash("", 0, got);
    assert_memory_equal(got, want, H);
    lc_merkle_free(t);
    json_decref(vec);
}

static void leaf_and_node_hashes_match_rfc6962_vectors(void **state)
{
    json_t *vec = load_vectors();
    json_t *leaves = json_object_get(vec, "leaf_hash"), *node = json_object_get(vec, "node_hash");
    const char *key;
    json_t *v;
    hash want, got;
    int seen = 0;
    json_object_foreach(leaves, key, v)
    {
        from_hex(json_string_value(v), want, H);
        lc_merkle_leaf_hash(key, strlen(key), got);
        assert_memory_equal(got, want, H);
        seen++;
    }
    assert_int_equal(seen, 2);
    /* The node vector hashes raw ASCII children, not 32-byte hashes, so
     * build 0x01 || left || right by hand and check node_hash's layout on
     * real hashes separately. */
    const char *l = json_string_value(json_object_get(node, "left"));
    const char *r = json_string_value(json_object_get(node, "right"));
    uint8_t buf[64];
    buf[0] = 0x01;
    memcpy(buf + 1, l, strlen(l));
    memcpy(buf + 1 + strlen(l), r, strlen(r));
    from_hex(json_string_value(json_object_get(node, "hash")), want, H);
    lc_merkle_hash(buf, 1 + strlen(l) + strlen(r), got);
    assert_memory_equal(got, want, H);

    hash a, b, manual;
    uint8_t cat[1 + 2 * H];
    lc_merkle_hash("a", 1, a);
    lc_merkle_hash("b", 1, b);
    cat[0] = 0x01;
    memcpy(cat + 1, a, H);
    memcpy(cat + 1 + H, b, H);
    lc_merkle_hash(cat, sizeof cat, manual);
    lc_merkle_node_hash(a, b, got);
    assert_memory_equal(got, manual, H);
    json_decref(vec);
}

/* merkle.c hashes with libcrypto: small leaves in one call from a stack
 * copy, leaves from 4096 bytes up streamed.  Both paths, at the sizes
 * around the switch and around SHA-256's 64-byte blocks, must give what an
 * independent SHA-256 (libsodium's) gives for 0x00 || data. */
static void leaf_and_plain_hashes_match_an_independent_sha256_at_every_path(void **state)
{
    static const size_t sizes[] = {0,    1,    54,   55,   56,    63,    64,    65,
                                   330,  4094, 4095, 4096, 4097, 65536, 70001, 1u << 20};
    size_t max = 1u << 20;
    uint8_t *data = malloc(max), *pre = malloc(max + 1);
    assert_non_null(data);
    assert_non_null(pre);
    for (size_t i = 0; i < max; i++)
        data[i] = (uint8_t)(i * 131 + (i >> 9));
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        hash want, got;
        pre[0] = 0x00;
        memcpy(pre + 1, data, n);
        crypto_hash_sha256(want, pre, n + 1);
        lc_merkle_leaf_hash(data, n, got);
        assert_memory_equal(got, want, H);
        crypto_hash_sha256(want, data, n);
        lc_merkle_hash(data, n, got);
        assert_memory_equal(got, want, H);
    }
    hash a, b, want, got;
    uint8_t cat[1 + 2 * H];
    memcpy(a, data, H);
    memcpy(b, data + H, H);
    cat[0] = 0x01;
    memcpy(cat + 1, a, H);
    memcpy(cat + 1 + H, b, H);
    crypto_hash_sha256(want, cat, sizeof cat);
    lc_merkle_node_hash(a, b, got);
    assert_memory_equal(got, want, H);
    free(data);
    free(pre);
}

static void roots_of_sizes_0_to_8_match_vectors(void **state)
{
    json_t *vec = load_vectors();
    json_t *roots = json_object_get(vec, "root_by_size");
    struct lc_merkle *t = standard_tree(vec);
    assert_int_equal(json_array_size(roots), 9);
    for (uint64_t n = 0; n <= 8; n++) {
        hash want, got;
        from_hex(json_string_value(json_array_get(roots, n)), want, H);
        assert_int_equal(lc_merkle_root(t, n, got), LC_OK);
        assert_memory_equal(got, want, H);
    }
    hash x;
    assert_int_equal(lc_merkle_root(t, 9, x), LC_EINVAL);
    lc_merkle_free(t);
    json_decref(vec);
}

/* ---- upstream proof case files ---- */

struct cases {
    struct lc_merkle *std; /* the 8-leaf vector tree */
    int accepted, rejected, regenerated;
    int at_decode; /* rejected before the verifier: a leaf hash not 32 bytes */
};

static void inclusion_case(const char *path, void *ctx)
{
    struct cases *c = ctx;
    char *text = slurp(path);
    json_t *j = load_json(path);
    uint64_t idx = raw_u64(text, "leafIdx"), size = raw_u64(text, "treeSize");
    bool want_err = json_is_true(json_object_get(j, "wantErr"));
    hash root, leaf, proof[LC_MERKLE_MAX_PROOF];
    size_t count;
    /* A leaf hash that is not 32 bytes cannot reach our API: the caller's
     * decoder refuses it, as Go's verifier refuses it by its length check.
     * Roots and proof elements of other lengths are zero-padded. */
    bool fits = b64_hash(json_string_value(json_object_get(j, "root")), root) >= 0 &&
                b64_hash(json_string_value(json_object_get(j, "leafHash")), leaf) == H &&
                proof_of(json_object_get(j, "proof"), proof, &count);
    enum lc_err rc =
        fits ? lc_merkle_verify_inclusion(idx, size, leaf, proof, count, root) : LC_ECORRUPT;
    c->at_decode += !fits;
    if (want_err != (rc != LC_OK))
        fail_msg("%s: verifier said %d, wantErr %d", path, rc, want_err);
    if (want_err) {
        c->rejected++;
    } else {
        /* The generator must give the same proof, from the vector tree or,
         * for a one-leaf tree, from a tree of that very leaf. */
        struct lc_merkle *one = NULL;
        const struct lc_merkle *t = c->std;
        hash gen[LC_MERKLE_MAX_PROOF], r;
        size_t gcount;
        assert_int_equal(lc_merkle_root(t, size <= 8 ? size : 0, r), LC_OK);
        if (size > 8 || memcmp(r, root, H) != 0) {
            assert_int_equal(size, 1);
            assert_int_equal(lc_merkle_new(&one), LC_OK);
            assert_int_equal(lc_merkle_append(one, leaf), LC_OK);
            t = one;
        }
        assert_int_equal(lc_merkle_root(t, size, r), LC_OK);
        assert_memory_equal(r, root, H);
        assert_memory_equal(lc_merkle_leaf(t, idx), leaf, H);
        assert_int_equal(lc_merkle_inclusion(t, idx, size, gen, &gcount), LC_OK);
        assert_int_equal(gcount, count);
        if (count)
            assert_memory_equal(gen, proof, count * H);
        lc_merkle_free(one);
        c->accepted++;
        c->regenerated++;
    }
    json_decref(j);
    free(text);
}

static void every_inclusion_case_file_gives_its_verdict(void **state)
{
    json_t *vec = load_vectors();
    struct cases c = {.std = standard_tree(vec)};
    char dir[512];
    data_path(dir, sizeof dir, "inclusion");
    int n = walk(dir, inclusion_case, &c);
    print_message("inclusion cases: %d (%d accepted, %d rejected, %d of them for a leaf hash "
                  "of the wrong length)\n",
                  n, c.accepted, c.rejected, c.at_decode);
    /* The copied data set: 98 files, 6 of them valid. */
    assert_int_equal(n, 98);
    assert_int_equal(c.accepted, 6);
    assert_int_equal(c.rejected, 92);
    assert_int_equal(c.regenerated, 6);
    assert_true(c.at_decode <= 11); /* the "" and "WrongLeaf" leaf probes */
    lc_merkle_free(c.std);
    json_decref(vec);
}

static void consistency_case(const char *path, void *ctx)
{
    struct cases *c = ctx;
    char *text = slurp(path);
    json_t *j = load_json(path);
    uint64_t m = raw_u64(text, "size1"), n = raw_u64(text, "size2");
    bool want_err = json_is_true(json_object_get(j, "wantErr"));
    hash r1, r2, proof[LC_MERKLE_MAX_PROOF];
    size_t count;
    bool fits = b64_hash(json_string_value(json_object_get(j, "root1")), r1) >= 0 &&
                b64_hash(json_string_value(json_object_get(j, "root2")), r2) >= 0 &&
                proof_of(json_object_get(j, "proof"), proof, &count);
    enum lc_err rc = fits ? lc_merkle_verify_consistency(m, n, r1, r2, proof, count) : LC_ECORRUPT;
    c->at_decode += !fits;
    if (want_err != (rc != LC_OK))
        fail_msg("%s: verifier said %d, wantErr %d", path, rc, want_err);
    if (want_err) {
        c->rejected++;
    } else {
        hash gen[LC_MERKLE_MAX_PROOF], a, b;
        size_t gcount;
        assert_true(m >= 1 && m <= n && n <= 8);
        assert_int_equal(lc_merkle_consistency(c->std, m, n, gen, &gcount), LC_OK);
        assert_int_equal(gcount, count);
        if (count)
            assert_memory_equal(gen, proof, count * H);
        /* Valid cases with real roots are the vector tree's. */
        assert_int_equal(lc_merkle_root(c->std, m, a), LC_OK);
        assert_int_equal(lc_merkle_root(c->std, n, b), LC_OK);
        if (memcmp(a, r1, H) == 0)
            assert_memory_equal(b, r2, H);
        else
            assert_true(m == n && count == 0); /* the "don't care" roots */
        c->accepted++;
        c->regenerated++;
    }
    json_decref(j);
    free(text);
}

static void every_consistency_case_file_gives_its_verdict(void **state)
{
    json_t *vec = load_vectors();
    struct cases c = {.std = standard_tree(vec)};
    char dir[512];
    data_path(dir, sizeof dir, "consistency");
    int n = walk(dir, consistency_case, &c);
    print_message("consistency cases: %d (%d accepted, %d rejected)\n", n, c.accepted, c.rejected);
    assert_int_equal(n, 98);
    assert_int_equal(c.accepted, 6);
    assert_int_equal(c.rejected, 92);
    assert_int_equal(c.regenerated, 6);
    assert_int_equal(c.at_decode, 0); /* short roots are padded, never dropped */
    lc_merkle_free(c.std);
    json_decref(vec);
}

/* ---- generator versus verifier ---- */

/* RFC 6962 PATH and PROOF computed naively from the leaves, an oracle for
 * the table-driven generator. */
static void naive_path(const hash *d, uint64_t m, uint64_t n, hash *out, size_t *c)
{
    if (n == 1)
        return;
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    if (m < k) {
        naive_path(d, m, k, out, c);
        naive_mth(d + k, n - k, out[(*c)++]);
    } else {
        naive_path(d + k, m - k, n - k, out, c);
        naive_mth(d, k, out[(*c)++]);
    }
}

static void naive_subproof(const hash *d, uint64_t m, uint64_t n, bool b, hash *out, size_t *c)
{
    if (m == n) {
        if (!b)
            naive_mth(d, n, out[(*c)++]);
        return;
    }
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    if (m <= k) {
        naive_subproof(d, m, k, b, out, c);
        naive_mth(d + k, n - k, out[(*c)++]);
    } else {
        naive_subproof(d + k, m - k, n - k, false, out, c);
        naive_mth(d, k, out[(*c)++]);
    }
}

static void generated_proofs_verify_for_every_size_below_200(void **state)
{
    hash *leaves = calloc(SWEEP_MAX, H), roots[SWEEP_MAX], p[LC_MERKLE_MAX_PROOF],
         q[LC_MERKLE_MAX_PROOF];
    struct lc_merkle *t = tree_of(SWEEP_MAX - 1, leaves);
    size_t c, qc;
    long incl = 0, cons = 0;
    for (uint64_t n = 0; n < SWEEP_MAX; n++) {
        assert_int_equal(lc_merkle_root(t, n, roots[n]), LC_OK);
        hash want;
        naive_mth(leaves, n, want);
        assert_memory_equal(roots[n], want, H);
    }
    for (uint64_t n = 1; n < SWEEP_MAX; n++) {
        for (uint64_t i = 0; i < n; i++) {
            assert_int_equal(lc_merkle_inclusion(t, i, n, p, &c), LC_OK);
            assert_int_equal(lc_merkle_verify_inclusion(i, n, leaves[i], p, c, roots[n]), LC_OK);
            if (n < 64) {
                qc = 0;
                naive_path(leaves, i, n, q, &qc);
                assert_int_equal(c, qc);
                if (c)
                    assert_memory_equal(p, q, c * H);
            }
            incl++;
        }
        for (uint64_t m = 1; m <= n; m++) {
            assert_int_equal(lc_merkle_consistency(t, m, n, p, &c), LC_OK);
            assert_int_equal(lc_merkle_verify_consistency(m, n, roots[m], roots[n], p, c), LC_OK);
            if (n < 64) {
                qc = 0;
                naive_subproof(leaves, m, n, true, q, &qc);
                assert_int_equal(c, qc);
                if (c)
                    assert_memory_equal(p, q, c * H);
            }
            cons++;
        }
    }
    print_message("sweep: %ld inclusion and %ld consistency proofs\n", incl, cons);
    assert_int_equal(incl, (long)SWEEP_MAX * (SWEEP_MAX - 1) / 2);
    assert_int_equal(cons, incl);
    lc_merkle_free(t);
    free(leaves);
}

static void generators_refuse_out_of_range_arguments(void **state)
{
    struct lc_merkle *t = tree_of(5, NULL);
    hash p[LC_MERKLE_MAX_PROOF], r;
    size_t c;
    assert_int_equal(lc_merkle_inclusion(t, 5, 5, p, &c), LC_EINVAL);
    assert_int_equal(lc_merkle_inclusion(t, 0, 6, p, &c), LC_EINVAL);
    assert_int_equal(lc_merkle_inclusion(t, 0, 0, p, &c), LC_EINVAL);
    assert_int_equal(lc_merkle_consistency(t, 0, 3, p, &c), LC_EINVAL);
    assert_int_equal(lc_merkle_consistency(t, 4, 3, p, &c), LC_EINVAL);
    assert_int_equal(lc_merkle_consistency(t, 3, 6, p, &c), LC_EINVAL);
    assert_int_equal(lc_merkle_root(t, 6, r), LC_EINVAL);
    assert_null(lc_merkle_leaf(t, 5));
    assert_non_null(lc_merkle_leaf(t, 4));
    lc_merkle_free(t);
}

/* ---- negative probes (archive.md section 7) ---- */

static int probes_run;

static void reject_incl(uint64_t i, uint64_t n, const hash leaf, const hash *p, size_t c,
                        const hash root, const char *what)
{
    probes_run++;
    if (lc_merkle_verify_inclusion(i, n, leaf, p, c, root) == LC_OK)
        fail_msg("inclusion probe '%s' accepted (idx %llu size %llu)", what,
                 (unsigned long long)i, (unsigned long long)n);
}

static void inclusion_probes(uint64_t i, uint64_t n, const hash leaf, const hash *p, size_t c,
                             const hash root)
{
    hash empty, rnd, bad_leaf, w[LC_MERKLE_MAX_PROOF + 2], zero = {0};
    lc_merkle_hash("", 0, empty);
    randombytes_buf(rnd, H);
    lc_merkle_leaf_hash("WrongLeaf", 9, bad_leaf);
    reject_incl(i - 1, n, leaf, p, c, root, "index - 1");
    reject_incl(i + 1, n, leaf, p, c, root, "index + 1");
    reject_incl(i ^ 2, n, leaf, p, c, root, "index ^ 2");
    reject_incl(i, n * 2, leaf, p, c, root, "size * 2");
    reject_incl(i, n / 2, leaf, p, c, root, "size / 2");
    reject_incl(i, n, bad_leaf, p, c, root, "wrong leaf");
    reject_incl(i, n, leaf, p, c, empty, "empty root");
    reject_incl(i, n, leaf, p, c, rnd, "random root");
    memcpy(w, p, c * H);
    memcpy(w[c], zero, H);
    reject_incl(i, n, leaf, w, c + 1, root, "trailing garbage");
    memcpy(w[c], root, H);
    reject_incl(i, n, leaf, w, c + 1, root, "trailing root");
    memcpy(w + 1, p, c * H);
    memcpy(w[0], zero, H);
    reject_incl(i, n, leaf, w, c + 1, root, "preceding garbage");
    memcpy(w[0], root, H);
    reject_incl(i, n, leaf, w, c + 1, root, "preceding root");
    for (size_t k = 0; k < c; k++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(w, p, c * H);
            w[k][bit * 4] ^= (uint8_t)(1u << bit);
            reject_incl(i, n, leaf, w, c, root, "bit flip");
        }
    }
    if (c > 0)
        reject_incl(i, n, leaf, p, c - 1, root, "removed element");
    if (c > 1) {
        memcpy(w[0], p[0], H);
        memcpy(w[1], rnd, H);
        memcpy(w + 2, p + 1, (c - 1) * H);
        reject_incl(i, n, leaf, w, c + 1, root, "inserted element");
    }
}

static void reject_cons(uint64_t m, uint64_t n, const hash r1, const hash r2, const hash *p,
                        size_t c, const char *what)
{
    probes_run++;
    if (lc_merkle_verify_consistency(m, n, r1, r2, p, c) == LC_OK)
        fail_msg("consistency probe '%s' accepted (m %llu n %llu)", what, (unsigned long long)m,
                 (unsigned long long)n);
}

static void consistency_probes(uint64_t m, uint64_t n, const hash r1, const hash r2,
                               const hash *p, size_t c)
{
    hash rnd, w[LC_MERKLE_MAX_PROOF + 2], zero = {0};
    randombytes_buf(rnd, H);
    reject_cons(m - 1, n, r1, r2, p, c, "m - 1");
    reject_cons(m + 1, n, r1, r2, p, c, "m + 1");
    reject_cons(m ^ 2, n, r1, r2, p, c, "m ^ 2");
    reject_cons(m, n * 2, r1, r2, p, c, "n * 2");
    reject_cons(m, n / 2, r1, r2, p, c, "n / 2");
    reject_cons(m, n, rnd, r2, p, c, "wrong root1");
    reject_cons(m, n, r1, rnd, p, c, "wrong root2");
    reject_cons(m, n, r2, r1, p, c, "swapped roots");
    reject_cons(m, n, r1, r2, p, 0, "empty proof");
    reject_cons(0, n, r1, r2, p, c, "from size 0");
    reject_cons(0, n, r1, r2, p, 0, "from size 0, empty proof");
    reject_cons(m, m, r1, r1, p, c, "m == n with a proof");
    memcpy(w, p, c * H);
    memcpy(w[c], zero, H);
    reject_cons(m, n, r1, r2, w, c + 1, "trailing garbage");
    memcpy(w[c], r1, H);
    reject_cons(m, n, r1, r2, w, c + 1, "trailing root1");
    memcpy(w[c], r2, H);
    reject_cons(m, n, r1, r2, w, c + 1, "trailing root2");
    memcpy(w + 1, p, c * H);
    memcpy(w[0], zero, H);
    reject_cons(m, n, r1, r2, w, c + 1, "preceding garbage");
    memcpy(w[0], r1, H);
    reject_cons(m, n, r1, r2, w, c + 1, "preceding root1");
    memcpy(w[0], r2, H);
    reject_cons(m, n, r1, r2, w, c + 1, "preceding root2");
    memcpy(w[0], p[0], H);
    reject_cons(m, n, r1, r2, w, c + 1, "preceding proof[0]");
    reject_cons(m, n, r1, r2, p, c - 1, "truncated");
    if (c > 1) {
        memcpy(w[0], p[0], H);
        memcpy(w[1], rnd, H);
        memcpy(w + 2, p + 1, (c - 1) * H);
        reject_cons(m, n, r1, r2, w, c + 1, "inserted element");
    }
    for (size_t k = 0; k < c; k++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(w, p, c * H);
            w[k][31 - bit * 4] ^= (uint8_t)(1u << bit);
            reject_cons(m, n, r1, r2, w, c, "bit flip");
        }
    }
}

static void mangled_proofs_are_rejected(void **state)
{
    enum { N = 70 };
    hash *leaves = calloc(N + 1, H), roots[N + 1], p[LC_MERKLE_MAX_PROOF];
    struct lc_merkle *t = tree_of(N, leaves);
    size_t c;
    probes_run = 0;
    for (uint64_t n = 0; n <= N; n++)
        assert_int_equal(lc_merkle_root(t, n, roots[n]), LC_OK);
    for (uint64_t n = 1; n <= N; n++) {
        for (uint64_t i = 0; i < n; i++) {
            assert_int_equal(lc_merkle_inclusion(t, i, n, p, &c), LC_OK);
            inclusion_probes(i, n, leaves[i], p, c, roots[n]);
        }
        for (uint64_t m = 1; m < n; m++) {
            assert_int_equal(lc_merkle_consistency(t, m, n, p, &c), LC_OK);
            consistency_probes(m, n, roots[m], roots[n], p, c);
        }
    }
    print_message("negative probes: %d, all rejected\n", probes_run);
    assert_true(probes_run > 100000);
    lc_merkle_free(t);
    free(leaves);
}

static void consistency_between_equal_sizes_needs_equal_roots(void **state)
{
    hash a, b, empty;
    lc_merkle_hash("", 0, empty);
    leaf_of(1, a);
    leaf_of(2, b);
    assert_int_equal(lc_merkle_verify_consistency(5, 5, a, a, NULL, 0), LC_OK);
    assert_int_equal(lc_merkle_verify_consistency(5, 5, a, b, NULL, 0), LC_ECORRUPT);
    assert_int_equal(lc_merkle_verify_consistency(0, 0, empty, empty, NULL, 0), LC_OK);
    /* Size 0 has one root, H(); any other claim is false. */
    assert_int_equal(lc_merkle_verify_consistency(0, 0, a, a, NULL, 0), LC_ECORRUPT);
    assert_int_equal(lc_merkle_verify_inclusion(0, 0, a, NULL, 0, empty), LC_ECORRUPT);
}

/* ---- a million leaves ---- */

static void million_leaf_tree_matches_naive_mth(void **state)
{
    hash *leaves = malloc((size_t)BIG_LEAVES * H);
    assert_non_null(leaves);
    struct lc_merkle *t = tree_of(BIG_LEAVES, leaves);
    assert_int_equal(lc_merkle_size(t), BIG_LEAVES);
    /* Sizes with long ragged right edges, one power of two, and the whole. */
    const uint64_t sizes[] = {BIG_LEAVES, 1u << 19, (1u << 19) + 1, 786431, 999999};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        hash want, got;
        naive_mth(leaves, sizes[s], want);
        assert_int_equal(lc_merkle_root(t, sizes[s], got), LC_OK);
        assert_memory_equal(got, want, H);
    }
    /* Proofs in the big tree verify, and are logarithmic. */
    hash root, old, p[LC_MERKLE_MAX_PROOF];
    size_t c;
    assert_int_equal(lc_merkle_root(t, BIG_LEAVES, root), LC_OK);
    assert_int_equal(lc_merkle_root(t, 786431, old), LC_OK);
    for (uint64_t i = 0; i < BIG_LEAVES; i += 9973) {
        assert_int_equal(lc_merkle_inclusion(t, i, BIG_LEAVES, p, &c), LC_OK);
        assert_true(c <= 20);
        assert_int_equal(lc_merkle_verify_inclusion(i, BIG_LEAVES, leaves[i], p, c, root), LC_OK);
    }
    assert_int_equal(lc_merkle_consistency(t, 786431, BIG_LEAVES, p, &c), LC_OK);
    assert_true(c <= 40);
    assert_int_equal(lc_merkle_verify_consistency(786431, BIG_LEAVES, old, root, p, c), LC_OK);
    lc_merkle_free(t);
    free(leaves);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_tree_root_is_sha256_of_nothing),
        cmocka_unit_test(leaf_and_node_hashes_match_rfc6962_vectors),
        cmocka_unit_test(leaf_and_plain_hashes_match_an_independent_sha256_at_every_path),
        cmocka_unit_test(roots_of_sizes_0_to_8_match_vectors),
        cmocka_unit_test(every_inclusion_case_file_gives_its_verdict),
        cmocka_unit_test(every_consistency_case_file_gives_its_verdict),
        cmocka_unit_test(generated_proofs_verify_for_every_size_below_200),
        cmocka_unit_test(generators_refuse_out_of_range_arguments),
        cmocka_unit_test(mangled_proofs_are_rejected),
        cmocka_unit_test(consistency_between_equal_sizes_needs_equal_roots),
        cmocka_unit_test(million_leaf_tree_matches_naive_mth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
