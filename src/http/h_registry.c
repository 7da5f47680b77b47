/* h_registry.c -- HTTP handlers for the registry: create, get, update, list.
 *
 * Handlers translate between HTTP and registry calls: they parse and
 * shape-check the body, work out the caller's access (agency scope, reveal),
 * and map results to status codes.  All rules live in the registry. */
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "enforce/enforce.h"

/* The caller's access; false (and a 403 reply) when reveal is asked for by
 * a role other than admin. */
static bool access_of(struct lc_req *r, struct lc_access *a)
{
    const char *rv = lc_query(r, "reveal");
    bool reveal = rv && (!strcmp(rv, "true") || !strcmp(rv, "1"));
    if (reveal && r->who.role != LC_ROLE_ADMIN) {
        lc_reply_fail(r, 403, "forbidden", "reveal",
                      "only the admin role may see personal data in clear");
        return false;
    }
    a->agency = r->who.role == LC_ROLE_AGENCY ? r->who.agency : NULL;
    a->reveal = reveal;
    a->actor = r->who.token_id;
    if (reveal) {
        json_t *ev = json_pack("{s:s, s:s, s:s}", "event", "pii.revealed", "path", r->path,
                               "actor", r->who.token_id);
        lc_log_write(r->app->events, "audit", ev);
        json_decref(ev);
    }
    return true;
}

typedef enum lc_err (*create_fn)(struct lc_registry *, json_t *, const struct lc_access *,
                                 json_t **, struct lc_errinfo *);

static void create(struct lc_req *r, const struct lc_jfield *fields, create_fn fn)
{
    struct lc_access a;
    struct lc_errinfo e = {0};
    json_t *out = NULL;
    if (!access_of(r, &a))
        return;
    json_t *in = lc_body_json(r, fields);
    if (!in)
        return;
    enum lc_err err = fn(r->app->reg, in, &a, &out, &e);
    json_decref(in);
    if (err != LC_OK)
        lc_reply_error(r, err, &e);
    else
        lc_reply_json(r, 201, out);
}

void lc_h_agency_create(struct lc_req *r)
{
    create(r, lc_agency_fields, lc_registry_create_agency);
}

void lc_h_operator_create(struct lc_req *r)
{
    create(r, lc_operator_fields, lc_registry_create_operator);
}

void lc_h_host_create(struct lc_req *r)
{
    create(r, lc_host_fields, lc_registry_create_host);
}

void lc_h_training_create(struct lc_req *r)
{
    create(r, lc_training_fields, lc_registry_add_training);
}

void lc_h_room_create(struct lc_req *r)
{
    create(r, lc_room_fields, lc_registry_create_room);
}

void lc_h_blacklist_create(struct lc_req *r)
{
    create(r, lc_blacklist_fields, lc_registry_add_blacklist);
}

static void verify(struct lc_req *r, const char *kind)
{
    struct lc_access a;
    struct lc_errinfo e = {0};
    json_t *out = NULL;
    if (!access_of(r, &a))
        return;
    json_t *in = lc_body_json(r, lc_verification_fields);
    if (!in)
        return;
    enum lc_err err = lc_registry_add_verification(r->app->reg, kind, r->params[0], in, &a,
                                                   &out, &e);
    json_decref(in);
    if (err != LC_OK)
        lc_reply_error(r, err, &e);
    else
        lc_reply_json(r, 201, out);
}

void lc_h_host_verify(struct lc_req *r)
{
    verify(r, LC_K_HOST);
}

void lc_h_operator_verify(struct lc_req *r)
{
    verify(r, LC_K_OPERATOR);
}

/* Store kind behind a collection path ("/v1/hosts/..." -> "host"). */
static const char *kind_of(const char *path)
{
    static const struct { const char *prefix, *kind; } map[] = {
        {"/v1/agencies", LC_K_AGENCY},     {"/v1/operators", LC_K_OPERATOR},
        {"/v1/hosts", LC_K_HOST},          {"/v1/trainings", LC_K_TRAINING},
        {"/v1/rooms", LC_K_ROOM},          {"/v1/blacklist", LC_K_BLACKLIST},
        {"/v1/gate/decisions", LC_K_DECISION}, {"/v1/sessions", LC_K_DECISION},
        {"/v1/violations", LC_K_VIOLATION}, {"/v1/measures", LC_K_MEASURE},
        {"/v1/notices", LC_K_NOTICE},       {"/v1/appeals", LC_K_APPEAL},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
        size_t n = strlen(map[i].prefix);
        if (!strncmp(path, map[i].prefix, n) && (path[n] == '/' || path[n] == '\0'))
            return map[i].kind;
    }
    return NULL;
}

void lc_h_get(struct lc_req *r)
{
    struct lc_access a;
    struct lc_errinfo e = {0};
    json_t *out = NULL;
    if (!access_of(r, &a))
        return;
    enum lc_err err = lc_registry_get(r->app->reg, kind_of(r->path), r->params[0], &a, &out, &e);
    if (err != LC_OK)
        lc_reply_error(r, err, &e);
    else
        lc_reply_json(r, 200, out);
}

void lc_h_patch(struct lc_req *r)
{
    static const struct { const char *kind; const struct lc_jfield *fields; } tables[] = {
        {LC_K_AGENCY, lc_agency_patch_fields},
        {LC_K_OPERATOR, lc_operator_patch_fields},
        {LC_K_HOST, lc_host_patch_fields},
        {LC_K_ROOM, lc_room_patch_fields},
    };
    const char *kind = kind_of(r->path);
    const struct lc_jfield *fields = NULL;
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++)
        if (!strcmp(tables[i].kind, kind))
            fields = tables[i].fields;
    struct lc_access a;
    struct lc_errinfo e = {0};
    json_t *out = NULL;
    if (!access_of(r, &a))
        return;
    json_t *in = lc_body_json(r, fields);
    if (!in)
        return;
    enum lc_err err = lc_registry_update(r->app->reg, kind, r->params[0], in, &a, &out, &e);
    json_decref(in);
    if (err != LC_OK)
        lc_reply_error(r, err, &e);
    else
        lc_reply_json(r, 200, out);
}

/* Reads limit, cursor, from/to and the parent filter of a list request;
 * false (and a 400 reply) when one is malformed. */
static bool list_params(struct lc_req *r, struct lc_list_req *q)
{
    const char *limit = lc_query(r, "limit"), *from = lc_query(r, "from"),
               *to = lc_query(r, "to"), *cursor = lc_query(r, "cursor");
    char *end = NULL;
    q->limit = 50;
    if (limit) {
        long n = strtol(limit, &end, 10);
        if (*end || n < 1 || n > 500) {
            lc_reply_fail(r, 400, "invalid_value", "limit", "limit must be 1..500");
            return false;
        }
        q->limit = (size_t)n;
    }
    if (cursor && !lc_id_valid(cursor)) {
        lc_reply_fail(r, 400, "invalid_value", "cursor", "not a cursor from this API");
        return false;
    }
    q->cursor = cursor;
    if ((from && lc_time_parse(from, &q->from) != LC_OK) ||
        (to && lc_time_parse(to, &q->to) != LC_OK)) {
        lc_reply_fail(r, 400, "invalid_value", from ? "from" : "to",
                      "must be an RFC 3339 timestamp");
        return false;
    }
    if (from && !to)
        q->to = INT64_MAX;
    return true;
}

static void list(struct lc_req *r, struct lc_list_req *q)
{
    struct lc_access a;
    struct lc_errinfo e = {0};
    json_t *out = NULL;
    if (!access_of(r, &a) || !list_params(r, q))
        return;
    enum lc_err err = lc_registry_list(r->app->reg, q, &a, &out, &e);
    if (err != LC_OK)
        lc_reply_error(r, err, &e);
    else
        lc_reply_json(r, 200, out);
}

void lc_h_list(struct lc_req *r)
{
    struct lc_list_req q = {.kind = kind_of(r->path)};
    const char *kind = q.kind;
    if (!strcmp(kind, LC_K_DECISION)) {
        /* a session is the allow decision that opened it (gate.h) */
        bool sessions = !strncmp(r->path, "/v1/sessions", 12);
        q.ref = lc_query(r, "room_id");
        q.key = sessions ? "allow" : lc_query(r, "outcome");
        q.newest_first = true;
        if (q.key && strcmp(q.key, "allow") && strcmp(q.key, "deny")) {
            lc_reply_fail(r, 400, "invalid_value", "outcome", "outcome must be allow or deny");
            return;
        }
    } else if (!strcmp(kind, LC_K_TRAINING)) {
        q.ref = lc_query(r, "host_id");
    } else if (!strcmp(kind, LC_K_VIOLATION)) {
        q.ref = lc_query(r, "room_id");
        q.key = lc_query(r, "status");
        q.field = lc_query(r, "host_id") ? "host_id" : NULL;
        q.value = lc_query(r, "host_id");
        q.newest_first = true;
    } else if (!strcmp(kind, LC_K_MEASURE) || !strcmp(kind, LC_K_NOTICE)) {
        q.ref = lc_query(r, "subject") ? lc_query(r, "subject") : lc_query(r, "subject_id");
        q.key = lc_query(r, "status");
        q.newest_first = true;
    } else if (!strcmp(kind, LC_K_APPEAL)) {
        q.ref = lc_query(r, "measure_id");
        q.key = lc_query(r, "status");
        q.newest_first = true;
    }
    list(r, &q);
}

void lc_h_list_sub(struct lc_req *r)
{
    struct lc_list_req q = {.ref = r->params[0], .newest_first = true};
    if (strstr(r->path, "/trainings"))
        q.kind = LC_K_TRAINING;
    else
        q.kind = !strncmp(r->path, "/v1/hosts/", 10) ? LC_K_HOST_VERIF : LC_K_OPER_VERIF;
    list(r, &q);
}
