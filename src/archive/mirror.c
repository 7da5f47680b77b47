/* mirror.c -- copies every committed store write into the archive, so gate
 * decisions, registry changes, live events, orders and violations are all
 * in the tamper-evident log (R15-R19) without each module knowing about
 * it.  Installed with lc_store_observe by the application. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/archive.h"
#include "core/time.h"
#include "store/store.h"

/* Kinds that are not records of the platform's business (hashed API
 * tokens). */
static int skipped(const char *kind)
{
    return strcmp(kind, "token") == 0;
}

/* {type, ts, data} for one write: events keep their own type and time. */
static json_t *record_of(const struct lc_write *w)
{
    const struct lc_record *r = w->rec;
    json_t *data = json_loads(r->body, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(data)) {
        json_decref(data);
        data = json_pack("{s:s}", "body", r->body);
    }
    if (!data)
        return NULL;
    const char *type = r->kind, *ts = json_string_value(json_object_get(data, "ts"));
    int64_t t;
    if (strcmp(r->kind, "event") == 0 && json_string_value(json_object_get(data, "type")))
        type = json_string_value(json_object_get(data, "type"));
    char now[LC_TIME_STRLEN];
    if (!ts || lc_time_parse(ts, &t) != LC_OK) {
        lc_time_format(r->updated_at ? r->updated_at : lc_time_now(), now);
        ts = now;
    }
    json_t *rec = json_pack("{s:s, s:s, s:O}", "type", type, "ts", ts, "data", data);
    if (rec) {
        json_t *d = json_object_get(rec, "data");
        json_object_set_new(d, "_kind", json_string(r->kind));
        json_object_set_new(d, "_id", json_string(r->id));
        json_object_set_new(d, "_op", json_string(w->op == LC_WRITE_INSERT ? "insert" : "update"));
    }
    json_decref(data);
    return rec;
}

enum lc_err lc_archive_mirror(void *ctx, const struct lc_write *w, size_t n)
{
    struct lc_archive *a = ctx;
    json_t **recs = calloc(n ? n : 1, sizeof *recs);
    size_t k = 0;
    enum lc_err err = recs ? LC_OK : LC_ENOMEM;
    for (size_t i = 0; err == LC_OK && i < n; i++) {
        if (skipped(w[i].rec->kind))
            continue;
        if (!(recs[k] = record_of(&w[i])))
            err = LC_ENOMEM;
        else
            k++;
    }
    struct lc_errinfo e = {0};
    if (err == LC_OK && k)
        err = lc_archive_append(a, recs, k, NULL, &e);
    for (size_t i = 0; i < k; i++)
        json_decref(recs[i]);
    free(recs);
    return err;
}
