/* gen_bundle.c -- writes an evidence bundle for the Go interop test.
 *
 * Builds a Merkle tree of N pseudo-random records (reproducible from SEED,
 * so two runs with one seed give the same tree), signs its checkpoint with
 * a fresh key made in a temporary directory, and writes the bundle in the
 * livecomply-evidence/1 format that the archive exports:
 *   {"format","origin","vkey","checkpoint","tree_size","root",
 *    "records":[{"index","leaf","proof",...}]}
 * Before writing it checks every proof and the note with our own
 * verifiers, so a failure in Go points at a disagreement, not a slip here.
 *
 * Usage: gen_bundle N SEED OUT.json */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive/merkle.h"
#include "archive/note.h"

#define ORIGIN "interop.livecomply.example/archive"

static char *b64(const void *data, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *s = malloc(cap);
    if (s)
        sodium_bin2base64(s, cap, data, n, sodium_base64_VARIANT_ORIGINAL);
    return s;
}

/* Record i's canonical bytes: a small JSON object with a payload of
 * 0..200 pseudo-random bytes, derived from seed and i. */
static size_t make_record(unsigned long seed, unsigned long i, char *out, size_t cap)
{
    uint8_t key[randombytes_SEEDBYTES] = {0}, rnd[201];
    char hex[2 * sizeof rnd + 1];
    memcpy(key, &seed, sizeof seed);
    memcpy(key + 16, &i, sizeof i);
    randombytes_buf_deterministic(rnd, sizeof rnd, key);
    size_t len = rnd[0] % 201;
    sodium_bin2hex(hex, sizeof hex, rnd + 1, len < 200 ? len : 200);
    int n = snprintf(out, cap, "{\"i\":%lu,\"kind\":\"order\",\"payload\":\"%s\"}", i, hex);
    return (size_t)n;
}

static int fail(const char *what)
{
    fprintf(stderr, "gen_bundle: %s\n", what);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return fail("usage: gen_bundle N SEED OUT.json");
    char *end;
    unsigned long n = strtoul(argv[1], &end, 10);
    if (*end || n == 0 || n > 1000000)
        return fail("N must be 1..1000000");
    unsigned long seed = strtoul(argv[2], &end, 10);
    if (*end)
        return fail("SEED must be a number");
    if (sodium_init() < 0)
        return fail("sodium_init");

    const char *tmp = getenv("TMPDIR");
    char dir[512], keypath[600], err[256] = "", vkey[256];
    snprintf(dir, sizeof dir, "%s/gen_bundle.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return fail(strerror(errno));
    snprintf(keypath, sizeof keypath, "%s/log.key", dir);
    struct lc_signer *signer = NULL;
    enum lc_err rc = lc_signer_open(keypath, ORIGIN, &signer, err, sizeof err);
    unlink(keypath);
    rmdir(dir);
    if (rc != LC_OK)
        return fail(err);
    if (lc_signer_vkey(signer, vkey, sizeof vkey) != LC_OK)
        return fail("vkey");

    struct lc_merkle *t = NULL;
    if (lc_merkle_new(&t) != LC_OK)
        return fail("merkle_new");
    char rec[512];
    for (unsigned long i = 0; i < n; i++) {
        uint8_t leaf[LC_HASH_LEN];
        size_t len = make_record(seed, i, rec, sizeof rec);
        lc_merkle_leaf_hash(rec, len, leaf);
        if (lc_merkle_append(t, leaf) != LC_OK)
            return fail("append");
    }
    uint8_t root[LC_HASH_LEN];
    char *text = NULL, *note = NULL;
    if (lc_merkle_root(t, n, root) != LC_OK ||
        lc_checkpoint_text(ORIGIN, n, root, &text) != LC_OK ||
        lc_note_sign(signer, text, &note) != LC_OK)
        return fail("checkpoint");
    if (lc_note_verify(note, vkey, NULL, err, sizeof err) != LC_OK)
        return fail(err);

    json_t *records = json_array();
    for (unsigned long i = 0; i < n; i++) {
        uint8_t path[LC_MERKLE_MAX_PROOF][LC_HASH_LEN];
        size_t count;
        size_t len = make_record(seed, i, rec, sizeof rec);
        if (lc_merkle_inclusion(t, i, n, path, &count) != LC_OK ||
            lc_merkle_verify_inclusion(i, n, lc_merkle_leaf(t, i), path, count, root) != LC_OK)
            return fail("own inclusion proof does not verify");
        json_t *proof = json_array();
        for (size_t k = 0; k < count; k++) {
            char *h = b64(path[k], LC_HASH_LEN);
            json_array_append_new(proof, json_string(h));
            free(h);
        }
        char *leaf = b64(rec, len);
        json_array_append_new(records, json_pack("{s:I, s:s, s:o, s:s%}", "index", (json_int_t)i,
                                                 "leaf", leaf, "proof", proof, "content", rec,
                                                 len));
        free(leaf);
    }
    char *root64 = b64(root, LC_HASH_LEN);
    json_t *bundle = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:o}", "format",
                               "livecomply-evidence/1", "origin", ORIGIN, "vkey", vkey,
                               "checkpoint", note, "tree_size", (json_int_t)n, "root", root64,
                               "records", records);
    if (!bundle || json_dump_file(bundle, argv[3], JSON_INDENT(1) | JSON_SORT_KEYS) != 0)
        return fail("cannot write bundle");
    json_decref(bundle);
    free(root64);
    free(text);
    free(note);
    lc_merkle_free(t);
    lc_signer_free(signer);
    return 0;
}
