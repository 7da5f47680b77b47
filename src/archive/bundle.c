/* bundle.c -- evidence bundles and whole-archive verification.
 *
 * A bundle is self-contained: each record's canonical bytes (the Merkle
 * leaf) with its inclusion proof, one signed checkpoint those proofs lead
 * to, and the log's public key.  lc_bundle_verify needs nothing else, so a
 * regulator checks it offline; Go's sumdb note and tlog packages check the
 * same bundle (tests/interop).  Format: docs/ARCHIVE.md. */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "archive/archive_int.h"
#include "core/file.h"
#include "core/time.h"

#define BUNDLE_FORMAT "livecomply-evidence/1"
#define B64 sodium_base64_VARIANT_ORIGINAL
/* A checkpoint note is a few hundred bytes; this bounds memory, not use. */

static json_t *b64_json(const void *p, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, B64);
    char *s = malloc(cap);
    if (!s)
        return NULL;
    sodium_bin2base64(s, cap, p, n, B64);
    json_t *j = json_string(s);
    free(s);
    return j;
}

/* Decodes base64 string s into a heap buffer; NULL when malformed. */
static uint8_t *b64_decode(const char *s, size_t *n)
{
    size_t len = s ? strlen(s) : 0;
    uint8_t *buf = s ? malloc(len + 1) : NULL;
    if (buf && sodium_base642bin(buf, len + 1, s, len, NULL, n, NULL, B64) != 0) {
        free(buf);
        buf = NULL;
    }
    return buf;
}

static int b64_hash(json_t *j, uint8_t out[LC_HASH_LEN])
{
    size_t n = 0;
    uint8_t *buf = b64_decode(json_string_value(j), &n);
    int ok = buf && n == LC_HASH_LEN;
    if (ok)
        memcpy(out, buf, LC_HASH_LEN);
    free(buf);
    return ok;
}

/* ---- export ---- */

static enum lc_err export_record(struct lc_archive *a, uint64_t idx, uint64_t size, int reveal,
                                 json_t **out)
{
    uint8_t *leaf = NULL, path[LC_MERKLE_MAX_PROOF][LC_HASH_LEN], key[32];
    size_t n = 0, count = 0;
    json_t *rec = NULL, *content = NULL, *r = NULL, *proof = json_array();
    int purged = 0;
    enum lc_err err = proof ? lc_seglog_read(a->log, idx, &leaf, &n) : LC_ENOMEM;
    if (err == LC_OK)
        err = lc_seglog_inclusion(a->log, idx, size, path, &count);
    if (err == LC_OK) /* the leaf is the record: parse it once, here */
        err = (rec = json_loadb((const char *)leaf, n, 0, NULL)) ? LC_OK : LC_ECORRUPT;
    if (err == LC_OK)
        err = lc_archive_content(a, idx, rec, reveal, &content, &purged);
    for (size_t i = 0; err == LC_OK && i < count; i++)
        json_array_append_new(proof, b64_json(path[i], LC_HASH_LEN));
    if (err == LC_OK)
        r = json_pack("{s:I, s:o, s:O, s:b, s:O*}", "index", (json_int_t)idx, "leaf",
                      b64_json(leaf, n), "proof", proof, "purged", purged, "content", content);
    if (r && reveal && !purged && json_object_get(rec, "sealed") &&
        lc_seglog_key(a->log, idx, key) == LC_OK)
        json_object_set_new(r, "key", b64_json(key, sizeof key));
    sodium_memzero(key, sizeof key);
    if (err == LC_OK && !r)
        err = LC_ENOMEM;
    if (err == LC_OK)
        *out = r;
    json_decref(proof);
    json_decref(content);
    json_decref(rec);
    free(leaf);
    return err;
}

enum lc_err lc_archive_export(struct lc_archive *a, const char *field, const char *value,
                              int reveal, json_t **out, struct lc_errinfo *e)
{
    if (!field || (strcmp(field, "room_id") && strcmp(field, "order_id") &&
                   strcmp(field, "host_id")))
        return lc_fail(e, LC_EINVAL, "invalid_value", "field",
                       "evidence is selected by room_id, order_id or host_id");
    char *note = NULL, *text = NULL, origin[256];
    uint64_t size = 0, *list = NULL;
    uint8_t root[LC_HASH_LEN];
    size_t n = 0, cap = 0;
    enum lc_err err = lc_archive_checkpoint(a, &note);
    if (err == LC_OK)
        err = lc_note_verify(note, a->vkey, &text, NULL, 0);
    if (err == LC_OK)
        err = lc_checkpoint_parse(text, origin, sizeof origin, &size, root);
    pthread_mutex_lock(&a->mu);
    int32_t sid = lc_strtab_find(&a->strs, value ? value : "");
    for (size_t i = 0; err == LC_OK && sid != NO_ID && i < a->nmeta && i < size; i++) {
        const struct rec_meta *m = &a->meta[i];
        int32_t v = field[0] == 'r' ? m->room : field[0] == 'o' ? m->order : m->host;
        if (v != sid)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            uint64_t *l = realloc(list, cap * sizeof *l);
            if (!l) {
                err = LC_ENOMEM;
                break;
            }
            list = l;
        }
        list[n++] = i;
    }
    pthread_mutex_unlock(&a->mu);
    json_t *records = json_array();
    for (size_t i = 0; err == LC_OK && i < n; i++) {
        json_t *r = NULL;
        err = records ? export_record(a, list[i], size, reveal, &r) : LC_ENOMEM;
        if (err == LC_OK)
            json_array_append_new(records, r);
    }
    char now[LC_TIME_STRLEN];
    lc_time_format(lc_time_now(), now);
    json_t *b = err == LC_OK ? json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:{s:s}, s:s, s:b, s:O}",
                                         "format", BUNDLE_FORMAT, "origin", origin, "vkey",
                                         a->vkey, "checkpoint", note, "tree_size",
                                         (json_int_t)size, "root", b64_json(root, sizeof root),
                                         "query", field, value, "created_at", now, "revealed",
                                         reveal, "records", records)
                             : NULL;
    if (err == LC_OK && !b)
        err = LC_ENOMEM;
    if (err == LC_OK)
        *out = b;
    else
        lc_fail(e, err, "archive_failed", "", "the evidence could not be assembled");
    json_decref(records);
    free(list);
    free(note);
    free(text);
    return err;
}

enum lc_err lc_archive_consistency(struct lc_archive *a, uint64_t m, uint64_t n, json_t **out,
                                   struct lc_errinfo *e)
{
    uint8_t proof[LC_MERKLE_MAX_PROOF][LC_HASH_LEN], rm[LC_HASH_LEN], rn[LC_HASH_LEN];
    size_t count = 0;
    if (m == 0 || m > n || n > lc_seglog_size(a->log))
        return lc_fail(e, LC_EINVAL, "invalid_value", "from",
                       "need 0 < from <= to <= the tree size (%llu)",
                       (unsigned long long)lc_seglog_size(a->log));
    enum lc_err err = lc_seglog_consistency(a->log, m, n, proof, &count);
    if (err == LC_OK)
        err = lc_seglog_root(a->log, m, rm);
    if (err == LC_OK)
        err = lc_seglog_root(a->log, n, rn);
    if (err != LC_OK)
        return lc_fail(e, err, "archive_failed", "", "the proof could not be computed");
    json_t *list = json_array();
    for (size_t i = 0; list && i < count; i++)
        json_array_append_new(list, b64_json(proof[i], LC_HASH_LEN));
    *out = list ? json_pack("{s:I, s:I, s:o, s:o, s:o}", "from", (json_int_t)m, "to",
                            (json_int_t)n, "root_from", b64_json(rm, sizeof rm), "root_to",
                            b64_json(rn, sizeof rn), "proof", list)
                : NULL;
    return *out ? LC_OK : LC_ENOMEM;
}

/* ---- offline verification ---- */

struct report {
    char *buf;
    size_t cap, len;
    int failures;
};

static void fail(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct report *r, const char *fmt, ...)
{
    r->failures++;
    if (!r->buf || r->len + 1 >= r->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(r->buf + r->len, r->cap - r->len, fmt, ap);
    va_end(ap);
    if (w > 0)
        r->len += (size_t)w < r->cap - r->len ? (size_t)w : r->cap - r->len - 1;
    if (r->len + 1 < r->cap) {
        r->buf[r->len++] = '\n';
        r->buf[r->len] = 0;
    }
}

/* The content a bundle shows must be what the leaf holds: non-personal
 * fields equal, personal ones opened with the given key (or masked). */
static void check_content(struct report *r, size_t i, json_t *rec, json_t *leaf)
{
    json_t *data = json_object_get(leaf, "data"), *content = json_object_get(rec, "content");
    json_t *pii = NULL;
    const char *k;
    json_t *v;
    if (!content)
        return;
    if (!json_is_object(content)) {
        fail(r, "records[%zu]: content is not an object", i);
        return;
    }
    if (json_object_get(rec, "key")) {
        size_t n = 0;
        uint8_t *key = b64_decode(json_string_value(json_object_get(rec, "key")), &n);
        if (!key || n != 32 || lc_archive_open_sealed(leaf, key, &pii) != LC_OK)
            fail(r, "records[%zu]: the record key does not open its sealed fields", i);
        free(key);
    }
    json_object_foreach(data, k, v)
        if (!json_equal(v, json_object_get(content, k)))
            fail(r, "records[%zu]: content field %s differs from the logged record", i, k);
    json_object_foreach(content, k, v) {
        if (json_object_get(data, k))
            continue;
        if (!lc_archive_personal(k))
            fail(r, "records[%zu]: content field %s is not in the logged record", i, k);
        else if (pii && !json_equal(v, json_object_get(pii, k)))
            fail(r, "records[%zu]: personal field %s differs from the sealed record", i, k);
    }
    json_decref(pii);
}

static void check_record(struct report *r, size_t i, json_t *rec, uint64_t size,
                         const uint8_t root[LC_HASH_LEN])
{
    json_t *jidx = json_object_get(rec, "index"), *proof = json_object_get(rec, "proof");
    size_t n = 0, count = json_array_size(proof);
    uint8_t *leaf = b64_decode(json_string_value(json_object_get(rec, "leaf")), &n);
    uint8_t(*path)[LC_HASH_LEN] = calloc(count ? count : 1, LC_HASH_LEN);
    uint8_t lh[LC_HASH_LEN];
    json_int_t idx = json_integer_value(jidx);
    int ok = json_is_integer(jidx) && idx >= 0 && leaf && json_is_array(proof) && path &&
             count <= LC_MERKLE_MAX_PROOF;
    for (size_t k = 0; ok && k < count; k++)
        ok = b64_hash(json_array_get(proof, k), path[k]);
    if (!ok) {
        fail(r, "records[%zu]: malformed (index, leaf or proof)", i);
    } else {
        lc_merkle_leaf_hash(leaf, n, lh);
        if (lc_merkle_verify_inclusion((uint64_t)idx, size, lh, (const uint8_t(*)[LC_HASH_LEN])path,
                                       count, root) != LC_OK)
            fail(r, "records[%zu] (index %lld): inclusion proof does not lead to the "
                    "checkpoint's root",
                 i, (long long)idx);
        json_t *lj = json_loadb((const char *)leaf, n, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(lj) || !json_is_object(json_object_get(lj, "data")))
            fail(r, "records[%zu] (index %lld): the leaf is not a record", i, (long long)idx);
        else
            check_content(r, i, rec, lj);
        json_decref(lj);
    }
    free(path);
    free(leaf);
}

static void check_bundle(struct report *r, json_t *b, const char *pin, size_t *checked)
{
    const char *vkey = json_string_value(json_object_get(b, "vkey"));
    const char *cp = json_string_value(json_object_get(b, "checkpoint"));
    json_t *records = json_object_get(b, "records");
    char *text = NULL, origin[256], why[200] = "";
    uint64_t size = 0;
    uint8_t root[LC_HASH_LEN], broot[LC_HASH_LEN];
    if (!json_is_object(b) ||
        !json_string_value(json_object_get(b, "format")) ||
        strcmp(json_string_value(json_object_get(b, "format")), BUNDLE_FORMAT) != 0 ||
        !vkey || !cp || !json_is_array(records)) {
        fail(r, "not a %s bundle (format, vkey, checkpoint and records are required)",
             BUNDLE_FORMAT);
        return;
    }
    if (pin && strcmp(pin, vkey) != 0)
        fail(r, "the bundle is signed by %s, not by the pinned key", vkey);
    if (lc_note_verify(cp, vkey, &text, why, sizeof why) != LC_OK) {
        fail(r, "checkpoint: signature does not verify (%s)", why);
        return;
    }
    if (lc_checkpoint_parse(text, origin, sizeof origin, &size, root) != LC_OK)
        fail(r, "checkpoint: malformed text");
    else if (json_integer_value(json_object_get(b, "tree_size")) != (json_int_t)size ||
             !b64_hash(json_object_get(b, "root"), broot) || memcmp(root, broot, sizeof root))
        fail(r, "tree_size or root differ from the signed checkpoint");
    free(text);
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec)
        check_record(r, i, rec, size, root);
    *checked = json_array_size(records);
}

enum lc_err lc_bundle_verify(const char *buf, size_t len, const char *vkey, size_t *checked,
                             char *report, size_t cap)
{
    struct report r = {report, cap, 0, 0};
    size_t n = 0;
    if (report && cap)
        report[0] = 0;
    json_t *b = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(b)) {
        fail(&r, "not a JSON object");
        json_decref(b);
        return LC_EINVAL;
    }
    check_bundle(&r, b, vkey, &n);
    json_decref(b);
    if (checked)
        *checked = n;
    return r.failures ? LC_ECORRUPT : LC_OK;
}

/* ---- whole archive ---- */

/* The key name a note is signed with: the name of its first signature. */
static int note_origin(const char *note, char *out, size_t cap)
{
    const char *p = strstr(note, "\n\n\xE2\x80\x94 ");
    if (!p)
        return -1;
    p += 6;
    size_t n = strcspn(p, " \n");
    if (n == 0 || n >= cap)
        return -1;
    memcpy(out, p, n);
    out[n] = 0;
    return 0;
}

/* Checks every stored checkpoint against the log (open, verified). */
static enum lc_err check_checkpoints(const char *adir, struct lc_seglog *log, char *report,
                                     size_t cap)
{
    char path[4400], *all = NULL, name[256], vkey[512];
    struct lc_signer *signer = NULL;
    struct stat st;
    snprintf(path, sizeof path, "%s/checkpoints", adir);
    enum lc_err rd = lc_file_read(path, CHECKPOINTS_CAP, &all, NULL);
    if (rd == LC_ENOTFOUND)
        return LC_OK; /* nothing signed yet */
    if (rd != LC_OK) {
        snprintf(report, cap, "checkpoints: cannot read %s (%s)", path, lc_err_name(rd));
        return rd;
    }
    enum lc_err err = LC_OK;
    uint64_t prev = 0, count = 0;
    char *p = all, *sep;
    while (err == LC_OK && (sep = strstr(p, "\n~~\n")) != NULL) {
        sep[1] = 0;
        char *text = NULL, origin[256], why[200] = "";
        uint64_t size = 0;
        uint8_t root[LC_HASH_LEN], have[LC_HASH_LEN];
        if (!signer) {
            snprintf(path, sizeof path, "%s/checkpoint.key", adir);
            if (note_origin(p, name, sizeof name) != 0 || stat(path, &st) != 0 ||
                lc_signer_open(path, name, &signer, why, sizeof why) != LC_OK ||
                lc_signer_vkey(signer, vkey, sizeof vkey) != LC_OK) {
                snprintf(report, cap, "checkpoint 0: cannot load the log key (%s)", why);
                err = LC_ECORRUPT;
                break;
            }
        }
        if (lc_note_verify(p, vkey, &text, why, sizeof why) != LC_OK ||
            lc_checkpoint_parse(text, origin, sizeof origin, &size, root) != LC_OK)
            err = LC_ECORRUPT, snprintf(report, cap, "checkpoint %llu: bad signature (%s)",
                                        (unsigned long long)count, why);
        else if (size < prev)
            err = LC_ECORRUPT, snprintf(report, cap, "checkpoint %llu: size %llu is below an "
                                                     "earlier checkpoint's %llu",
                                        (unsigned long long)count, (unsigned long long)size,
                                        (unsigned long long)prev);
        else if (size > lc_seglog_size(log))
            err = LC_ECORRUPT, snprintf(report, cap, "checkpoint %llu: signs %llu records, the "
                                                     "log has %llu: records are missing",
                                        (unsigned long long)count, (unsigned long long)size,
                                        (unsigned long long)lc_seglog_size(log));
        else if (lc_seglog_root(log, size, have) != LC_OK || memcmp(have, root, sizeof root))
            err = LC_ECORRUPT, snprintf(report, cap, "checkpoint %llu: the log's first %llu "
                                                     "records do not match its root",
                                        (unsigned long long)count, (unsigned long long)size);
        free(text);
        prev = size;
        count++;
        p = sep + 4;
    }
    lc_signer_free(signer);
    free(all);
    return err;
}

enum lc_err lc_archive_verify_dir(const char *dir, uint64_t *size, char *report, size_t cap)
{
    char adir[4200], ldir[4300], err[300] = "";
    uint8_t root[LC_HASH_LEN];
    uint64_t bad = 0;
    struct lc_seglog *log = NULL;
    snprintf(adir, sizeof adir, "%s/archive", dir);
    snprintf(ldir, sizeof ldir, "%s/log", adir);
    struct stat st;
    if (stat(ldir, &st) != 0) {
        snprintf(report, cap, "no archive under %s", dir);
        return LC_ENOTFOUND;
    }
    enum lc_err r = lc_seglog_verify_dir(ldir, size, root, &bad, err, sizeof err);
    if (r != LC_OK) {
        snprintf(report, cap, "record %llu: %s", (unsigned long long)bad, err);
        return r;
    }
    r = lc_seglog_open(ldir, NULL, &log, err, sizeof err);
    if (r != LC_OK) {
        snprintf(report, cap, "%s", err);
        return r;
    }
    r = check_checkpoints(adir, log, report, cap);
    lc_seglog_close(log);
    if (r == LC_OK)
        snprintf(report, cap, "ok: %llu records, every checkpoint consistent",
                 (unsigned long long)*size);
    return r;
}
