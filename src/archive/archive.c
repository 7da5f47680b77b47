/* archive.c -- opening the archive, appending records (canonical bytes,
 * personal fields sealed under a per-record key), signing checkpoints, and
 * reading records back.  Retention lives in retention.c, evidence bundles in
 * bundle.c. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/archive_int.h"
#include "core/canon.h"
#include "core/file.h"
#include "core/ticker.h"
#include "core/time.h"

#define CP_SEP "~~\n"
/* A checkpoint note is a few hundred bytes; this bounds memory, not use. */
#define SEAL_AD "livecomply-record-v1"

static const char *const personal_fields[] = {
    "user_id", "buyer_id", "payer_id", "text", "name", "phone", "address",
    "recipient", "account", "id_number", "addr", "client_addr", "nickname", NULL};

int lc_archive_personal(const char *field)
{
    for (size_t i = 0; personal_fields[i]; i++)
        if (field[0] == personal_fields[i][0] && strcmp(field, personal_fields[i]) == 0)
            return 1;
    return 0;
}

/* ---- interned strings ---- */

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ull;
    return h;
}

int32_t lc_strtab_find(const struct strtab *t, const char *s)
{
    if (!t->nslot)
        return NO_ID;
    for (size_t i = str_hash(s) & (t->nslot - 1);; i = (i + 1) & (t->nslot - 1)) {
        int32_t id = t->slot[i];
        if (id == NO_ID || strcmp(t->str[id], s) == 0)
            return id;
    }
}

static int strtab_rehash(struct strtab *t, size_t nslot)
{
    int32_t *slot = malloc(nslot * sizeof *slot);
    if (!slot)
        return -1;
    for (size_t i = 0; i < nslot; i++)
        slot[i] = NO_ID;
    for (size_t id = 0; id < t->n; id++) {
        size_t i = str_hash(t->str[id]) & (nslot - 1);
        while (slot[i] != NO_ID)
            i = (i + 1) & (nslot - 1);
        slot[i] = (int32_t)id;
    }
    free(t->slot);
    t->slot = slot;
    t->nslot = nslot;
    return 0;
}

int32_t lc_strtab_intern(struct strtab *t, const char *s)
{
    int32_t id = lc_strtab_find(t, s);
    if (id != NO_ID)
        return id;
    if ((t->n + 1) * 2 > t->nslot && strtab_rehash(t, t->nslot ? t->nslot * 2 : 64) != 0)
        return NO_ID;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        char **str = realloc(t->str, cap * sizeof *str);
        if (!str)
            return NO_ID;
        t->str = str;
        t->cap = cap;
    }
    char *copy = strdup(s);
    if (!copy)
        return NO_ID;
    t->str[t->n] = copy;
    size_t i = str_hash(s) & (t->nslot - 1);
    while (t->slot[i] != NO_ID)
        i = (i + 1) & (t->nslot - 1);
    t->slot[i] = (int32_t)t->n;
    return (int32_t)t->n++;
}

void lc_strtab_cleanup(struct strtab *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->str[i]);
    free(t->str);
    free(t->slot);
    memset(t, 0, sizeof *t);
}

/* ---- sealing ---- */

static int personal(const char *key, void *ctx)
{
    (void)ctx;
    return lc_archive_personal(key);
}

static int not_personal(const char *key, void *ctx)
{
    (void)ctx;
    return !lc_archive_personal(key);
}

/* Appends ,"sealed":"<base64>" to out: data's personal members (canonical
 * JSON) sealed under a fresh key, nonce first.  Nothing when data has no
 * personal member (*sealed 0). */
static enum lc_err seal_personal(const json_t *data, uint8_t key[32], struct lc_canon *out,
                                 int *sealed)
{
    struct lc_canon pt = {0};
    size_t kept = 0;
    *sealed = 0;
    if (lc_canon_object(&pt, data, personal, NULL, &kept) != 0) {
        free(pt.buf);
        return LC_ENOMEM;
    }
    enum lc_err err = LC_OK;
    if (kept) {
        size_t blen = 24 + pt.len + crypto_aead_xchacha20poly1305_ietf_ABYTES;
        size_t b64 = sodium_base64_ENCODED_LEN(blen, sodium_base64_VARIANT_ORIGINAL);
        uint8_t *box = malloc(blen);
        char *text = box ? malloc(b64) : NULL;
        if (!text) {
            err = LC_ENOMEM;
        } else {
            uint8_t fresh[32 + 24]; /* the key, then the nonce */
            unsigned long long clen;
            randombytes_buf(fresh, sizeof fresh);
            memcpy(key, fresh, 32);
            memcpy(box, fresh + 32, 24);
            sodium_memzero(fresh, sizeof fresh);
            crypto_aead_xchacha20poly1305_ietf_encrypt(box + 24, &clen, (const uint8_t *)pt.buf,
                                                       pt.len, (const uint8_t *)SEAL_AD,
                                                       strlen(SEAL_AD), NULL, box, key);
            sodium_bin2base64(text, b64, box, blen, sodium_base64_VARIANT_ORIGINAL);
            lc_canon_raw(out, ",\"sealed\":", 10);
            lc_canon_string(out, text, strlen(text));
            *sealed = 1;
        }
        free(text);
        free(box);
    }
    if (pt.buf)
        sodium_memzero(pt.buf, pt.cap);
    free(pt.buf);
    return err;
}

enum lc_err lc_archive_open_sealed(json_t *rec, const uint8_t *key, json_t **out)
{
    const char *s = json_string_value(json_object_get(rec, "sealed"));
    if (!s)
        return LC_ENOTFOUND;
    size_t slen = strlen(s), blen;
    uint8_t *box = malloc(slen + 1);
    uint8_t *pt = malloc(slen + 1);
    enum lc_err err = LC_ECORRUPT;
    unsigned long long plen;
    if (!box || !pt) {
        err = LC_ENOMEM;
        goto out;
    }
    if (sodium_base642bin(box, slen, s, slen, NULL, &blen, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        blen < 24 + crypto_aead_xchacha20poly1305_ietf_ABYTES)
        goto out;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, &plen, NULL, box + 24, blen - 24,
                                                   (const uint8_t *)SEAL_AD, strlen(SEAL_AD),
                                                   box, key) != 0)
        goto out;
    json_t *obj = json_loadb((const char *)pt, plen, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(obj)) {
        json_decref(obj);
        goto out;
    }
    *out = obj;
    err = LC_OK;
out:
    if (pt)
        sodium_memzero(pt, slen + 1);
    free(pt);
    free(box);
    return err;
}

json_t *lc_archive_mask(json_t *v)
{
    const char *s = json_string_value(v);
    if (!s)
        return json_string("***");
    size_t n = strlen(s);
    if (n <= 2)
        return json_string("**");
    /* keep the first and last UTF-8 character, hide the rest */
    size_t first = 1, last = n - 1;
    while (first < n && ((unsigned char)s[first] & 0xC0) == 0x80)
        first++;
    while (last > first && ((unsigned char)s[last] & 0xC0) == 0x80)
        last--;
    char buf[64];
    snprintf(buf, sizeof buf, "%.*s***%s", (int)first, s, last > first ? s + last : "");
    return json_string(buf);
}

/* ---- records ---- */

/* Builds the canonical bytes of a caller's {type, ts, data}:
 * {"at","data" (without its personal members),"sealed"?,"ts","type"},
 * keys sorted, compact, as json_dumps(JSON_COMPACT | JSON_SORT_KEYS) would
 * write the record (canon.h).  *bytes (*len bytes, NUL-terminated) is the
 * caller's to free. */
static enum lc_err canonical(const json_t *in, const char *at, uint8_t key[32], char **bytes,
                             size_t *len, int *has_key, struct lc_errinfo *e)
{
    const char *type = json_string_value(json_object_get(in, "type"));
    const char *ts = json_string_value(json_object_get(in, "ts"));
    const json_t *data = json_object_get(in, "data");
    int64_t t;
    if (!type || !*type || strlen(type) > 64)
        return lc_fail(e, LC_EINVAL, "invalid_value", "type", "a record needs a type");
    if (!ts || lc_time_parse(ts, &t) != LC_OK)
        return lc_fail(e, LC_EINVAL, "invalid_value", "ts", "ts must be an RFC 3339 time");
    if (!json_is_object(data))
        return lc_fail(e, LC_EINVAL, "invalid_value", "data", "data must be an object");
    struct lc_canon b = {0};
    lc_canon_raw(&b, "{\"at\":", 6);
    lc_canon_string(&b, at, strlen(at));
    lc_canon_raw(&b, ",\"data\":", 8);
    lc_canon_object(&b, data, not_personal, NULL, NULL);
    enum lc_err err = b.failed ? LC_ENOMEM : seal_personal(data, key, &b, has_key);
    lc_canon_raw(&b, ",\"ts\":", 6);
    lc_canon_string(&b, ts, strlen(ts));
    lc_canon_raw(&b, ",\"type\":", 8);
    lc_canon_string(&b, type, strlen(type));
    lc_canon_raw(&b, "}", 1);
    if (err == LC_OK && b.failed)
        err = LC_ENOMEM;
    if (err == LC_OK && b.len > LC_ARCHIVE_MAX_RECORD)
        err = lc_fail(e, LC_ETOOBIG, "too_large", "data", "a record is at most 1 MiB");
    if (err == LC_OK) {
        *bytes = b.buf;
        *len = b.len;
    } else {
        free(b.buf);
    }
    return err;
}

/* Indexes every pending appender's records that are next in log order and
 * wakes their appenders.  With a->mu held.  If the index cannot take a
 * record (out of memory) the archive is broken: every waiter is woken and
 * later appends fail until a restart rebuilds the index. */
static void index_ready(struct lc_archive *a)
{
    for (;;) {
        struct pending **pp = &a->pending;
        while (*pp && (*pp)->first != a->nmeta)
            pp = &(*pp)->next;
        struct pending *p = *pp;
        if (!p || a->broken)
            break;
        *pp = p->next;
        for (size_t i = 0; i < p->n && !a->broken; i++)
            if (lc_archive_index(a, p->first + i, p->recs[i], p->has_key[i]) != LC_OK)
                a->broken = 1; /* the record is durable but unindexed: stop */
        p->done = 1;
        pthread_cond_signal(&p->cv);
    }
    if (a->broken) {
        for (struct pending *p = a->pending; p; p = p->next) {
            p->done = 1;
            pthread_cond_signal(&p->cv);
        }
        a->pending = NULL;
    }
}

/* Puts durable records [first, first + n) into the index, in log order
 * whichever appender gets here first, without waking anyone but the
 * appenders whose records were indexed. */
static enum lc_err index_appended(struct lc_archive *a, uint64_t first, size_t n,
                                  json_t *const *recs, const int *has_key)
{
    struct pending me = {first, n, recs, has_key, 0, PTHREAD_COND_INITIALIZER, NULL};
    pthread_mutex_lock(&a->mu);
    if (!a->broken) {
        me.next = a->pending;
        a->pending = &me;
        index_ready(a);
        while (!me.done)
            pthread_cond_wait(&me.cv, &a->mu);
    }
    enum lc_err err = a->broken ? LC_EIO : LC_OK;
    pthread_mutex_unlock(&a->mu);
    pthread_cond_destroy(&me.cv);
    return err;
}

enum lc_err lc_archive_append(struct lc_archive *a, json_t *const *recs, size_t n,
                              uint64_t *first, struct lc_errinfo *e)
{
    size_t m = n ? n : 1;
    struct lc_seglog_rec *lr = calloc(m, sizeof *lr);
    uint8_t(*keys)[32] = calloc(m, 32);
    int *has_key = calloc(m, sizeof *has_key);
    enum lc_err err = lr && keys && has_key ? LC_OK : LC_ENOMEM;
    char at[LC_TIME_STRLEN];
    lc_time_format(lc_time_now(), at);
    uint64_t idx = 0;
    for (size_t i = 0; err == LC_OK && i < n; i++) {
        char *bytes = NULL;
        size_t len = 0;
        err = canonical(recs[i], at, keys[i], &bytes, &len, &has_key[i], e);
        if (err == LC_OK)
            lr[i] = (struct lc_seglog_rec){bytes, len, has_key[i] ? keys[i] : NULL};
    }
    if (err == LC_OK && n)
        err = lc_seglog_append(a->log, lr, n, &idx);
    if (err == LC_OK && n) {
        /* the index reads type, ts and non-personal data members: the
         * caller's record has the same ones as the bytes */
        if (index_appended(a, idx, n, recs, has_key) != LC_OK)
            err = lc_fail(e, LC_EIO, "archive_failed", "",
                          "the archive's index failed; restart to rebuild it");
        else if (first)
            *first = idx;
    } else if (err != LC_OK && !e->code[0]) {
        lc_fail(e, err, err == LC_EIO ? "archive_failed" : "internal", "",
                "the archive could not store the records");
    }
    for (size_t i = 0; i < n && lr; i++)
        free((void *)lr[i].data);
    if (keys)
        sodium_memzero(keys, m * 32);
    free(keys);
    free(has_key);
    free(lr);
    return err;
}

enum lc_err lc_archive_note_record(struct lc_archive *a, const char *type, json_t *data,
                                   uint64_t *idx)
{
    char now[LC_TIME_STRLEN];
    struct lc_errinfo e = {0};
    lc_time_format(lc_time_now(), now);
    json_t *rec = json_pack("{s:s, s:s, s:o}", "type", type, "ts", now, "data", data);
    if (!rec)
        return LC_ENOMEM;
    enum lc_err err = lc_archive_append(a, &rec, 1, idx, &e);
    json_decref(rec);
    return err;
}

enum lc_err lc_archive_read_json(struct lc_archive *a, uint64_t idx, json_t **out)
{
    uint8_t *buf = NULL;
    size_t n = 0;
    enum lc_err err = lc_seglog_read(a->log, idx, &buf, &n);
    if (err != LC_OK)
        return err;
    json_t *rec = json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, NULL);
    free(buf);
    if (!json_is_object(rec)) {
        json_decref(rec);
        return LC_ECORRUPT;
    }
    *out = rec;
    return LC_OK;
}

enum lc_err lc_archive_content(struct lc_archive *a, uint64_t idx, json_t *rec, int reveal,
                               json_t **content, int *purged)
{
    json_t *pii = NULL, *c = json_deep_copy(json_object_get(rec, "data"));
    uint8_t key[32];
    if (!c)
        return LC_ENOMEM;
    int sealed = json_object_get(rec, "sealed") != NULL;
    *purged = sealed && lc_seglog_key(a->log, idx, key) != LC_OK;
    if (sealed && !*purged && lc_archive_open_sealed(rec, key, &pii) == LC_OK) {
        const char *k;
        json_t *v;
        json_object_foreach(pii, k, v)
            json_object_set_new(c, k, reveal ? json_incref(v) : lc_archive_mask(v));
    }
    sodium_memzero(key, sizeof key);
    json_decref(pii);
    if (*purged) {
        json_decref(c);
        c = NULL;
    }
    *content = c;
    return LC_OK;
}

enum lc_err lc_archive_get(struct lc_archive *a, uint64_t idx, int reveal, json_t **out,
                           struct lc_errinfo *e)
{
    json_t *rec = NULL, *content = NULL;
    int purged = 0;
    if (idx >= lc_seglog_size(a->log))
        return lc_fail(e, LC_ENOTFOUND, "not_found", "index", "no record with that index");
    enum lc_err err = lc_archive_read_json(a, idx, &rec);
    if (err == LC_OK)
        err = lc_archive_content(a, idx, rec, reveal, &content, &purged);
    if (err != LC_OK) {
        json_decref(rec);
        return lc_fail(e, err, "archive_failed", "", "the record cannot be read");
    }
    *out = json_pack("{s:I, s:o, s:b, s:o*}", "index", (json_int_t)idx, "record", rec, "purged",
                     purged, "content", content);
    return *out ? LC_OK : LC_ENOMEM;
}

/* ---- checkpoints ---- */

static enum lc_err write_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return LC_EIO;
        s += w;
        n -= (size_t)w;
    }
    return LC_OK;
}

/* Appends a signed note to the checkpoints file and syncs it. */
static enum lc_err store_checkpoint(struct lc_archive *a, const char *note)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/checkpoints", a->dir);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return LC_EIO;
    enum lc_err err = write_all(fd, note, strlen(note));
    if (err == LC_OK)
        err = write_all(fd, CP_SEP, strlen(CP_SEP));
    if (err == LC_OK && fdatasync(fd) != 0)
        err = LC_EIO;
    close(fd);
    return err;
}

enum lc_err lc_archive_checkpoint(struct lc_archive *a, char **note)
{
    uint64_t size;
    uint8_t root[LC_HASH_LEN];
    char *text = NULL, *signed_note = NULL;
    enum lc_err err = LC_OK;
    /* its own lock: signing and the fsync must not stall appenders, who
     * take mu to index their records */
    pthread_mutex_lock(&a->cp_mu);
    lc_seglog_head(a->log, &size, root);
    if (size != a->cp_size || !a->cp_note) {
        err = lc_checkpoint_text(a->origin, size, root, &text);
        if (err == LC_OK)
            err = lc_note_sign(a->signer, text, &signed_note);
        if (err == LC_OK)
            err = store_checkpoint(a, signed_note);
        if (err == LC_OK) {
            free(a->cp_note);
            a->cp_note = signed_note;
            a->cp_size = size;
            signed_note = NULL;
        }
    }
    if (err == LC_OK && note && !(*note = strdup(a->cp_note)))
        err = LC_ENOMEM;
    pthread_mutex_unlock(&a->cp_mu);
    free(text);
    free(signed_note);
    return err;
}

static void checkpoint_tick(void *arg)
{
    struct lc_archive *a = arg;
    pthread_mutex_lock(&a->cp_mu);
    int grew = lc_seglog_size(a->log) != a->cp_size;
    pthread_mutex_unlock(&a->cp_mu);
    if (grew && lc_archive_checkpoint(a, NULL) != LC_OK)
        fprintf(stderr, "archive: cannot sign a checkpoint\n");
}

/* Reads the last complete note of the checkpoints file (NULL if none). */
static enum lc_err last_checkpoint(const char *dir, char **note)
{
    char path[4200], *buf = NULL;
    snprintf(path, sizeof path, "%s/checkpoints", dir);
    *note = NULL;
    enum lc_err rc = lc_file_read(path, CHECKPOINTS_CAP, &buf, NULL);
    if (rc != LC_OK)
        return rc == LC_ENOTFOUND ? LC_OK : rc;
    /* notes end with "\n~~\n"; a torn last one (no separator) is ignored */
    char *start = NULL, *end = NULL, *next = buf;
    for (char *p = buf; (p = strstr(p, "\n" CP_SEP)) != NULL; p += 4) {
        start = next;
        end = p + 1;
        next = p + 4;
    }
    if (end) {
        *note = strndup(start, (size_t)(end - start));
        rc = *note ? LC_OK : LC_ENOMEM;
    }
    free(buf);
    return rc;
}

/* The log must extend the last signed checkpoint: same root at its size. */
static enum lc_err check_against_checkpoint(struct lc_archive *a, char *why, size_t whylen)
{
    char *note = NULL, *text = NULL, origin[256];
    uint64_t size;
    uint8_t root[LC_HASH_LEN], have[LC_HASH_LEN];
    enum lc_err err = last_checkpoint(a->dir, &note);
    if (err != LC_OK || !note)
        return err;
    err = lc_note_verify(note, a->vkey, &text, why, whylen);
    if (err == LC_OK)
        err = lc_checkpoint_parse(text, origin, sizeof origin, &size, root);
    if (err != LC_OK)
        snprintf(why, whylen, "the last stored checkpoint does not verify");
    else if (size > lc_seglog_size(a->log))
        err = LC_ECORRUPT, snprintf(why, whylen,
                                    "the log has %llu records but a checkpoint signed %llu: "
                                    "records were lost or removed",
                                    (unsigned long long)lc_seglog_size(a->log),
                                    (unsigned long long)size);
    else if (lc_seglog_root(a->log, size, have) != LC_OK || memcmp(have, root, sizeof root))
        err = LC_ECORRUPT, snprintf(why, whylen,
                                    "the log's first %llu records do not match the signed "
                                    "checkpoint: the log was altered",
                                    (unsigned long long)size);
    if (err == LC_OK) {
        a->cp_size = size;
        a->cp_note = note;
        note = NULL;
    }
    free(note);
    free(text);
    return err;
}

static enum lc_err rebuild_index(struct lc_archive *a)
{
    uint64_t n = lc_seglog_size(a->log);
    uint8_t key[32];
    enum lc_err err = LC_OK;
    for (uint64_t i = 0; i < n && err == LC_OK; i++) {
        json_t *rec = NULL;
        err = lc_archive_read_json(a, i, &rec);
        if (err == LC_OK)
            err = lc_archive_index(a, i, rec, json_object_get(rec, "sealed") != NULL);
        json_decref(rec);
    }
    /* a purge logged just before a crash may have left keys behind */
    for (uint64_t i = 0; i < n && err == LC_OK; i++)
        if ((a->meta[i].flags & RF_PURGED) && lc_seglog_key(a->log, i, key) == LC_OK)
            err = lc_seglog_key_destroy(a->log, i);
    sodium_memzero(key, sizeof key);
    return err;
}

static int mkdir_p(const char *path, mode_t mode)
{
    return mkdir(path, mode) == 0 || errno == EEXIST ? 0 : -1;
}

enum lc_err lc_archive_open(const char *dir, const char *origin, unsigned checkpoint_ms,
                            struct lc_archive **out, char *err, size_t errlen)
{
    char path[4200];
    struct lc_archive *a = calloc(1, sizeof *a);
    enum lc_err r = a && sodium_init() >= 0 ? LC_OK : LC_ENOMEM;
    if (r != LC_OK) {
        free(a);
        snprintf(err, errlen, "out of memory");
        return r;
    }
    pthread_mutex_init(&a->mu, NULL);
    pthread_mutex_init(&a->cp_mu, NULL);
    snprintf(a->dir, sizeof a->dir, "%s/archive", dir);
    snprintf(a->origin, sizeof a->origin, "%s", origin ? origin : "livecomply/archive");
    if (mkdir_p(dir, 0750) != 0 || mkdir_p(a->dir, 0750) != 0) {
        snprintf(err, errlen, "cannot create %s: %s", a->dir, strerror(errno));
        r = LC_EIO;
        goto fail;
    }
    snprintf(path, sizeof path, "%s/checkpoint.key", a->dir);
    if ((r = lc_signer_open(path, a->origin, &a->signer, err, errlen)) != LC_OK)
        goto fail;
    if ((r = lc_signer_vkey(a->signer, a->vkey, sizeof a->vkey)) != LC_OK)
        goto fail;
    snprintf(path, sizeof path, "%s/log", a->dir);
    if ((r = lc_seglog_open(path, NULL, &a->log, err, errlen)) != LC_OK)
        goto fail;
    if ((r = check_against_checkpoint(a, err, errlen)) != LC_OK)
        goto fail;
    if ((r = rebuild_index(a)) != LC_OK) {
        snprintf(err, errlen, "cannot rebuild the retention index: %s", lc_err_name(r));
        goto fail;
    }
    if (checkpoint_ms &&
        (r = lc_ticker_start(checkpoint_ms, checkpoint_tick, a, &a->ticker)) != LC_OK) {
        snprintf(err, errlen, "cannot start the checkpoint thread");
        goto fail;
    }
    *out = a;
    return LC_OK;
fail:
    lc_archive_close(a);
    return r;
}

void lc_archive_close(struct lc_archive *a)
{
    if (!a)
        return;
    lc_ticker_stop(a->ticker);
    if (a->log && a->signer && lc_seglog_size(a->log) != a->cp_size &&
        lc_archive_checkpoint(a, NULL) != LC_OK)
        fprintf(stderr, "archive: cannot sign the closing checkpoint\n");
    lc_seglog_close(a->log);
    lc_signer_free(a->signer);
    lc_archive_index_cleanup(a);
    free(a->cp_note);
    pthread_mutex_destroy(&a->cp_mu);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

const char *lc_archive_vkey(const struct lc_archive *a)
{
    return a->vkey;
}

uint64_t lc_archive_size(struct lc_archive *a)
{
    return lc_seglog_size(a->log);
}
