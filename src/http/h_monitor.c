/* h_monitor.c -- HTTP handlers for moderation: scanning text, ingesting
 * live events, and reloading the rule packs.  Violations are listed by the
 * generic list/get handlers (h_registry.c). */
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

static bool have_rules(struct lc_req *r)
{
    if (r->app->monitor)
        return true;
    lc_reply_fail(r, 503, "no_rules", "",
                  "no rule packs are loaded (start serve with --rules DIR)");
    return false;
}

void lc_h_scan(struct lc_req *r)
{
    struct lc_errinfo e = {0};
    json_t *out = NULL;
    if (!have_rules(r))
        return;
    json_t *in = NULL;
    enum lc_err err = lc_jsonv_parse(r->body ? r->body : "", r->body_len, &in, &e);
    if (err == LC_OK)
        err = lc_monitor_scan(r->app->monitor, in, &out, &e);
    json_decref(in);
    if (err != LC_OK)
        lc_reply_error(r, err, &e);
    else
        lc_reply_json(r, 200, out);
}

void lc_h_events(struct lc_req *r)
{
    struct lc_errinfo e = {0};
    json_t *out = NULL;
    if (!have_rules(r))
        return;
    enum lc_err err = lc_monitor_ingest(r->app->monitor, r->body ? r->body : "", r->body_len,
                                        &out, &e);
    json_t *measures = NULL;
    /* automatic measures (a stream cut among them) before the answer */
    if (err == LC_OK && r->app->enforce &&
        lc_enforce_violations(r->app->enforce, json_object_get(out, "violations"), &measures) ==
            LC_OK)
        json_object_set_new(out, "measures", measures);
    if (err != LC_OK)
        lc_reply_error(r, err, &e);
    else
        lc_reply_json(r, 200, out);
}

void lc_h_rules_info(struct lc_req *r)
{
    if (!have_rules(r))
        return;
    const struct lc_ruleset *rs = lc_rules_acquire(r->app->rules);
    json_t *out = json_pack("{s:s, s:I, s:s}", "version", lc_ruleset_version(rs), "rules",
                            (json_int_t)lc_ruleset_count(rs), "path", r->app->rules_path);
    lc_rules_release(r->app->rules, rs);
    lc_reply_json(r, 200, out);
}

/* Loads the packs again; a bad pack is refused with file and line and the
 * running packs stay in force. */
void lc_h_rules_reload(struct lc_req *r)
{
    struct lc_ruleset *next = NULL;
    struct lc_rules_diag diag = {0};
    if (!have_rules(r))
        return;
    enum lc_err err = lc_rules_load(r->app->rules_path, LC_ENGINE_AUTO, &next, &diag);
    if (err != LC_OK) {
        json_t *out = json_pack("{s:{s:s, s:s, s:s, s:i}}", "error", "code", "invalid_rules",
                                "message", diag.message[0] ? diag.message : lc_err_name(err),
                                "file", diag.file, "line", (int)diag.line);
        lc_reply_json(r, err == LC_EINVAL ? 422 : 500, out);
        return;
    }
    json_t *out = json_pack("{s:s, s:I}", "version", lc_ruleset_version(next), "rules",
                            (json_int_t)lc_ruleset_count(next));
    lc_rules_replace(r->app->rules, next);
    json_t *ev = json_pack("{s:s, s:O, s:s}", "event", "rules.reloaded", "version",
                           json_object_get(out, "version"), "actor", r->who.token_id);
    lc_log_write(r->app->events, "rules", ev);
    json_decref(ev);
    lc_reply_json(r, 200, out);
}
