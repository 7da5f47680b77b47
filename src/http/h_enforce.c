/* h_enforce.c -- HTTP handlers for enforcement: operator decisions on
 * violations, lifting measures, appeals and their decisions, the readers
 * the platform applies (restrictions, traffic weights) and the disposal
 * report for regulators.  Lists of measures, notices and appeals use the
 * generic list handler (h_registry.c). */
#include <stdlib.h>
#include <string.h>

#include "core/time.h"
#include "enforce/enforce.h"
#include "http/http.h"

static bool have_enforce(struct lc_req *r)
{
    if (r->app->enforce)
        return true;
    lc_reply_fail(r, 503, "no_policy", "",
                  "no enforcement policy is loaded (start serve with --policy FILE)");
    return false;
}

static void answer(struct lc_req *r, enum lc_err err, const struct lc_errinfo *e, int status,
                   json_t *out)
{
    if (err != LC_OK)
        lc_reply_error(r, err, e);
    else
        lc_reply_json(r, status, out);
}

void lc_h_violation_decide(struct lc_req *r)
{
    struct lc_errinfo e = {0};
    json_t *out = NULL;
    if (!have_enforce(r))
        return;
    bool confirm = strstr(r->path, "/confirm") != NULL;
    enum lc_err err =
        confirm ? lc_enforce_confirm(r->app->enforce, r->params[0], r->who.token_id, &out, &e)
                : lc_enforce_dismiss(r->app->enforce, r->params[0], r->who.token_id, &out, &e);
    answer(r, err, &e, 200, out);
}

void lc_h_measure_lift(struct lc_req *r)
{
    struct lc_errinfo e = {0};
    json_t *out = NULL;
    if (!have_enforce(r))
        return;
    enum lc_err err = lc_enforce_lift(r->app->enforce, r->params[0], r->who.token_id, &out, &e);
    answer(r, err, &e, 200, out);
}

void lc_h_appeal_create(struct lc_req *r)
{
    struct lc_errinfo e = {0};
    json_t *in = NULL, *out = NULL;
    if (!have_enforce(r))
        return;
    enum lc_err err = lc_jsonv_parse(r->body ? r->body : "", r->body_len, &in, &e);
    const char *agency = r->who.role == LC_ROLE_AGENCY ? r->who.agency : "";
    if (err == LC_OK)
        err = lc_enforce_appeal(r->app->enforce, in, agency, r->who.token_id, &out, &e);
    json_decref(in);
    answer(r, err, &e, 201, out);
}

void lc_h_appeal_decide(struct lc_req *r)
{
    struct lc_errinfo e = {0};
    json_t *in = NULL, *out = NULL;
    if (!have_enforce(r))
        return;
    enum lc_err err = lc_jsonv_parse(r->body ? r->body : "", r->body_len, &in, &e);
    if (err == LC_OK)
        err = lc_enforce_decide(r->app->enforce, r->params[0], in, r->who.token_id, &out, &e);
    json_decref(in);
    answer(r, err, &e, 200, out);
}

void lc_h_restrictions(struct lc_req *r)
{
    if (have_enforce(r))
        lc_reply_json(r, 200,
                      lc_enforce_restrictions(r->app->enforce, r->params[0], lc_time_now()));
}

void lc_h_traffic(struct lc_req *r)
{
    if (!have_enforce(r))
        return;
    if (strcmp(r->path, "/v1/traffic") != 0)
        lc_reply_json(r, 200, lc_enforce_traffic(r->app->enforce, r->params[0], lc_time_now()));
    else
        lc_reply_json(r, 200, lc_enforce_traffic_all(r->app->enforce, lc_time_now()));
}

void lc_h_disposals(struct lc_req *r)
{
    struct lc_errinfo e = {0};
    json_t *out = NULL;
    int64_t from, to;
    if (!have_enforce(r))
        return;
    const char *f = lc_query(r, "from"), *t = lc_query(r, "to");
    if (!f || lc_time_parse(f, &from) != LC_OK || !t || lc_time_parse(t, &to) != LC_OK) {
        lc_reply_fail(r, 400, "invalid_value", f && lc_time_parse(f, &from) == LC_OK ? "to" : "from",
                      "from and to are required RFC 3339 timestamps");
        return;
    }
    enum lc_err err = lc_enforce_disposals(r->app->enforce, from, to, &out, &e);
    answer(r, err, &e, 200, out);
}
