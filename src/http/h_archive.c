/* h_archive.c -- HTTP handlers for the archive: its key and checkpoints,
 * records, evidence bundles, legal holds, retention and purge, and the
 * nginx-rtmp on_record_done hook that commits recordings by hash.
 *
 * Personal fields are masked unless a regulator (or admin) asks for them
 * with ?reveal=true; every such reveal is written to the events log. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/archive.h"
#include "core/time.h"
#include "http/form.h"
#include "http/http.h"

static bool reveal_of(struct lc_req *r)
{
    const char *q = lc_query(r, "reveal");
    bool want = q && (strcmp(q, "true") == 0 || strcmp(q, "1") == 0);
    bool may = r->who.role & (LC_ROLE_REGULATOR | LC_ROLE_ADMIN);
    if (want && may) {
        json_t *ev = json_pack("{s:s, s:s, s:s}", "event", "archive.reveal", "path", r->path,
                               "actor", r->who.token_id);
        lc_log_write(r->app->events, "archive", ev);
        json_decref(ev);
    }
    return want && may;
}

void lc_h_archive_key(struct lc_req *r)
{
    char *s = malloc(600);
    if (s)
        snprintf(s, 600, "%s\n", lc_archive_vkey(r->app->archive));
    lc_reply_text(r, 200, "text/plain; charset=utf-8", s);
}

void lc_h_archive_checkpoint(struct lc_req *r)
{
    char *note = NULL;
    if (lc_archive_checkpoint(r->app->archive, &note) != LC_OK) {
        lc_reply_fail(r, 503, "archive_failed", "", "no checkpoint can be signed now");
        return;
    }
    lc_reply_text(r, 200, "text/plain; charset=utf-8", note);
}

void lc_h_archive_record(struct lc_req *r)
{
    struct lc_errinfo e = {0};
    char *end = NULL;
    unsigned long long idx = strtoull(r->params[0], &end, 10);
    json_t *out = NULL;
    if (!end || *end || r->params[0][0] == '-') {
        lc_reply_fail(r, 400, "invalid_value", "index", "a record index is a number");
        return;
    }
    enum lc_err err = lc_archive_get(r->app->archive, idx, reveal_of(r), &out, &e);
    if (err != LC_OK)
        lc_reply_error(r, err, &e);
    else
        lc_reply_json(r, 200, out);
}

void lc_h_archive_consistency(struct lc_req *r)
{
    struct lc_errinfo e = {0};
    json_t *out = NULL;
    const char *f = lc_query(r, "from"), *t = lc_query(r, "to");
    char *fe = NULL, *te = NULL;
    unsigned long long m = f ? strtoull(f, &fe, 10) : 0, n = t ? strtoull(t, &te, 10) : 0;
    if (!f || !t || *fe || *te || f[0] == '-' || t[0] == '-') {
        lc_reply_fail(r, 400, "invalid_value", f && !*fe ? "to" : "from",
                      "from and to are tree sizes (numbers)");
        return;
    }
    enum lc_err err = lc_archive_consistency(r->app->archive, m, n, &out, &e);
    if (err != LC_OK)
        lc_reply_error(r, err, &e);
    else
        lc_reply_json(r, 200, out);
}

void lc_h_evidence(struct lc_req *r)
{
    struct lc_errinfo e = {0};
    json_t *out = NULL;
    const char *field = strstr(r->path, "/rooms/")    ? "room_id"
                        : strstr(r->path, "/orders/") ? "order_id"
                                                      : "host_id";
    enum lc_err err =
        lc_archive_export(r->app->archive, field, r->params[0], reveal_of(r), &out, &e);
    if (err != LC_OK)
        lc_reply_error(r, err, &e);
    else
        lc_reply_json(r, 200, out);
}

void lc_h_hold_create(struct lc_req *r)
{
    struct lc_errinfo e = {0};
    json_t *in = NULL, *out = NULL;
    enum lc_err err = lc_jsonv_parse(r->body ? r->body : "", r->body_len, &in, &e);
    if (err == LC_OK)
        err = lc_archive_hold(r->app->archive, in, r->who.token_id, &out, &e);
    json_decref(in);
    if (err != LC_OK)
        lc_reply_error(r, err, &e);
    else
        lc_reply_json(r, 201, out);
}

void lc_h_hold_release(struct lc_req *r)
{
    struct lc_errinfo e = {0};
    json_t *out = NULL;
    enum lc_err err =
        lc_archive_hold_release(r->app->archive, r->params[0], r->who.token_id, &out, &e);
    if (err != LC_OK)
        lc_reply_error(r, err, &e);
    else
        lc_reply_json(r, 200, out);
}

void lc_h_holds(struct lc_req *r)
{
    json_t *holds = lc_archive_holds(r->app->archive);
    lc_reply_json(r, 200, json_pack("{s:o}", "items", holds ? holds : json_array()));
}

void lc_h_retention(struct lc_req *r)
{
    struct lc_errinfo e = {0};
    json_t *out = NULL;
    const char *group = lc_query(r, "group");
    if (!group) {
        lc_reply_fail(r, 400, "missing_field", "group",
                      "give ?group=order:<id> or ?group=session:<room id>");
        return;
    }
    enum lc_err err = lc_archive_retention(r->app->archive, group, lc_time_now(), &out, &e);
    if (err != LC_OK)
        lc_reply_error(r, err, &e);
    else
        lc_reply_json(r, 200, out);
}

static const struct lc_jfield extend_fields[] = {
    {"group", LC_JSTR, true, 300}, {"until", LC_JSTR, true, 40}, {NULL, 0, 0, 0}};

void lc_h_retention_extend(struct lc_req *r)
{
    struct lc_errinfo e = {0};
    int64_t until;
    json_t *in = lc_body_json(r, extend_fields);
    if (!in)
        return;
    enum lc_err err = lc_time_parse(lc_jstr(in, "until"), &until) == LC_OK
                          ? lc_archive_extend(r->app->archive, lc_jstr(in, "group"), until,
                                              r->who.token_id, &e)
                          : lc_fail(&e, LC_EINVAL, "invalid_value", "until",
                                    "until must be an RFC 3339 time");
    json_t *out = NULL;
    if (err == LC_OK)
        err = lc_archive_retention(r->app->archive, lc_jstr(in, "group"), lc_time_now(), &out,
                                   &e);
    json_decref(in);
    if (err != LC_OK)
        lc_reply_error(r, err, &e);
    else
        lc_reply_json(r, 200, out);
}

static const struct lc_jfield purge_fields[] = {{"group", LC_JSTR, false, 300},
                                                {NULL, 0, 0, 0}};

void lc_h_purge(struct lc_req *r)
{
    struct lc_errinfo e = {0};
    size_t n = 0;
    json_t *in = lc_body_json(r, purge_fields);
    if (!in)
        return;
    const char *group = lc_jstr(in, "group");
    enum lc_err err =
        group ? lc_archive_purge_group(r->app->archive, group, lc_time_now(), r->who.token_id,
                                       &n, &e)
              : lc_archive_purge_expired(r->app->archive, lc_time_now(), r->who.token_id, &n,
                                         &e);
    json_decref(in);
    if (err != LC_OK)
        lc_reply_error(r, err, &e);
    else
        lc_reply_json(r, 200, json_pack("{s:I}", "purged", (json_int_t)n));
}

/* SHA-256 and size of a regular file, streamed.  Only a regular file is
 * hashed: a FIFO would block the open (hence O_NONBLOCK) and /dev/zero would
 * never end, either one holding a server thread for good.  hex and size are
 * written only on success. */
static enum lc_err hash_file(const char *path, char hex[65], long long *size)
{
    static __thread unsigned char buf[1 << 16];
    enum lc_err err = LC_OK;
    crypto_hash_sha256_state st;
    unsigned char h[32];
    struct stat sb;
    long long total = 0;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return LC_ENOTFOUND;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        err = LC_EINVAL;
        goto out;
    }
    crypto_hash_sha256_init(&st);
    while ((n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = LC_EIO;
            goto out;
        }
        crypto_hash_sha256_update(&st, buf, (size_t)n);
        total += n;
    }
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(hex, 65, h, sizeof h);
    *size = total;
out:
    close(fd);
    return err;
}

/* nginx-rtmp on_record_done: the recording stays where nginx wrote it and
 * is committed to the log by its SHA-256 and size.
 *
 * Every field must be present, decode cleanly and fit: a value cut short or
 * cut at a %00 would name another file (".../a.flv%00x" or a 1100-byte path
 * cut to 1023 bytes), which would then be hashed and archived in the
 * recording's place.  call must be record_done: nginx sends path= only for
 * that call, so on any other call the first path= would be the client's own
 * stream argument (rtmp.md 10, gotcha 4).  path must be absolute, since a
 * relative one would be resolved against our directory, not nginx's. */
void lc_h_hook_record_done(struct lc_req *r)
{
    char call[32] = "", app[256] = "", name[256] = "", path[1024] = "", hex[65];
    struct {
        const char *key;
        char *out;
        size_t cap;
    } f[] = {{"call", call, sizeof call}, {"app", app, sizeof app},
             {"name", name, sizeof name}, {"path", path, sizeof path}};
    bool post = strcmp(r->method, "POST") == 0, ok = true;
    long long size = 0;
    r->close = true;
    for (size_t i = 0; ok && i < sizeof f / sizeof f[0]; i++) {
        const char *v = NULL;
        size_t vlen = 0;
        if (post) {
            ok = lc_form_get(r->body ? r->body : "", r->body_len, f[i].key, f[i].out, f[i].cap);
            continue;
        }
        /* _n gives the decoded length, so a %00 inside the value shows. */
        ok = MHD_lookup_connection_value_n(r->conn, MHD_GET_ARGUMENT_KIND, f[i].key,
                                           strlen(f[i].key), &v, &vlen) == MHD_YES &&
             v && vlen < f[i].cap && strlen(v) == vlen;
        if (ok)
            memcpy(f[i].out, v, vlen + 1);
    }
    if (!ok || strcmp(call, "record_done") != 0 || !name[0] || path[0] != '/') {
        lc_reply_text(r, 400, "text/plain",
                      strdup("error: call=record_done, app, name and an absolute path are "
                             "required, each decoded and within its size limit\n"));
        return;
    }
    enum lc_err err = hash_file(path, hex, &size);
    if (err != LC_OK) {
        lc_reply_text(r, err == LC_EINVAL ? 400 : 404, "text/plain",
                      strdup(err == LC_EINVAL ? "error: the recording is not a regular file\n"
                                              : "error: the recording cannot be read\n"));
        return;
    }
    struct lc_room_facts room = {0};
    if (lc_registry_room_facts(r->app->reg, name, &room) != LC_OK)
        room.found = false;
    char now[LC_TIME_STRLEN];
    lc_time_format(lc_time_now(), now);
    json_t *rec = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:I, s:s?}}", "type",
                            "recording", "ts", now, "data", "room_id", name, "app", app,
                            "path", path, "sha256", hex, "size", (json_int_t)size, "host_id",
                            room.found ? room.host_id : NULL);
    struct lc_errinfo e = {0};
    err = rec ? lc_archive_append(r->app->archive, &rec, 1, NULL, &e) : LC_ENOMEM;
    json_decref(rec);
    if (err != LC_OK)
        lc_reply_text(r, 503, "text/plain", strdup("error: the archive is unavailable\n"));
    else
        lc_reply_text(r, 200, "text/plain", strdup("ok\n"));
}
