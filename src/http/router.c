/* router.c -- the route table, path matching, authentication and roles.
 *
 * A path that matches no pattern is 404; one that matches only with another
 * method is 405.  Hooks authenticate with ?token= in the URL (nginx cannot
 * send headers); every other protected route with "Authorization: Bearer". */
#include <string.h>

#include "http/http.h"

#define ALL_READ (LC_ROLE_ADMIN | LC_ROLE_OPERATOR | LC_ROLE_REGULATOR)
#define STAFF (LC_ROLE_ADMIN | LC_ROLE_OPERATOR)
#define SCOPED (STAFF | LC_ROLE_AGENCY)
#define EVIDENCE (LC_ROLE_OPERATOR | LC_ROLE_REGULATOR)

const struct lc_route lc_routes[] = {
    {"GET", "/healthz", 0, lc_h_healthz, "healthz"},
    {"GET", "/metrics", 0, lc_h_metrics, "metrics"},
    {"POST", "/hooks/rtmp/publish", LC_ROLE_HOOK, lc_h_hook_publish, "hook_publish"},
    {"GET", "/hooks/rtmp/publish", LC_ROLE_HOOK, lc_h_hook_publish, "hook_publish"},
    {"POST", "/hooks/rtmp/publish_done", LC_ROLE_HOOK, lc_h_hook_publish_done, "hook_publish_done"},
    {"GET", "/hooks/rtmp/publish_done", LC_ROLE_HOOK, lc_h_hook_publish_done, "hook_publish_done"},
    {"POST", "/hooks/rtmp/record_done", LC_ROLE_HOOK, lc_h_hook_record_done, "hook_record_done"},
    {"GET", "/hooks/rtmp/record_done", LC_ROLE_HOOK, lc_h_hook_record_done, "hook_record_done"},
    {"POST", "/hooks/rtmp/{}", LC_ROLE_HOOK, lc_h_hook_ignore, "hook_other"},
    {"GET", "/hooks/rtmp/{}", LC_ROLE_HOOK, lc_h_hook_ignore, "hook_other"},
    {"POST", "/v1/agencies", STAFF, lc_h_agency_create, "agencies"},
    {"GET", "/v1/agencies", ALL_READ | LC_ROLE_AGENCY, lc_h_list, "agencies"},
    {"GET", "/v1/agencies/{}", ALL_READ | LC_ROLE_AGENCY, lc_h_get, "agency"},
    {"PATCH", "/v1/agencies/{}", STAFF, lc_h_patch, "agency"},
    {"POST", "/v1/operators", STAFF, lc_h_operator_create, "operators"},
    {"GET", "/v1/operators", ALL_READ, lc_h_list, "operators"},
    {"GET", "/v1/operators/{}", ALL_READ, lc_h_get, "operator"},
    {"PATCH", "/v1/operators/{}", STAFF, lc_h_patch, "operator"},
    {"POST", "/v1/operators/{}/verifications", STAFF, lc_h_operator_verify, "operator_verifications"},
    {"GET", "/v1/operators/{}/verifications", ALL_READ, lc_h_list_sub, "operator_verifications"},
    {"POST", "/v1/hosts", SCOPED, lc_h_host_create, "hosts"},
    {"GET", "/v1/hosts", ALL_READ | LC_ROLE_AGENCY, lc_h_list, "hosts"},
    {"GET", "/v1/hosts/{}", ALL_READ | LC_ROLE_AGENCY, lc_h_get, "host"},
    {"PATCH", "/v1/hosts/{}", SCOPED, lc_h_patch, "host"},
    {"POST", "/v1/hosts/{}/verifications", STAFF, lc_h_host_verify, "host_verifications"},
    {"GET", "/v1/hosts/{}/verifications", ALL_READ | LC_ROLE_AGENCY, lc_h_list_sub, "host_verifications"},
    {"GET", "/v1/hosts/{}/trainings", ALL_READ | LC_ROLE_AGENCY, lc_h_list_sub, "host_trainings"},
    {"POST", "/v1/trainings", SCOPED, lc_h_training_create, "trainings"},
    {"GET", "/v1/trainings", ALL_READ | LC_ROLE_AGENCY, lc_h_list, "trainings"},
    {"POST", "/v1/rooms", SCOPED, lc_h_room_create, "rooms"},
    {"GET", "/v1/rooms", ALL_READ | LC_ROLE_AGENCY, lc_h_list, "rooms"},
    {"GET", "/v1/rooms/{}", ALL_READ | LC_ROLE_AGENCY, lc_h_get, "room"},
    {"PATCH", "/v1/rooms/{}", SCOPED, lc_h_patch, "room"},
    {"POST", "/v1/blacklist", STAFF, lc_h_blacklist_create, "blacklist"},
    {"GET", "/v1/blacklist", ALL_READ, lc_h_list, "blacklist"},
    {"GET", "/v1/blacklist/{}", ALL_READ, lc_h_get, "blacklist_entry"},
    {"GET", "/v1/gate/decisions", ALL_READ | LC_ROLE_AGENCY, lc_h_list, "gate_decisions"},
    {"GET", "/v1/sessions", ALL_READ | LC_ROLE_AGENCY, lc_h_list, "sessions"},
    {"POST", "/v1/scan", LC_ROLE_INGEST | STAFF, lc_h_scan, "scan"},
    {"POST", "/v1/events", LC_ROLE_INGEST, lc_h_events, "events"},
    {"GET", "/v1/violations", ALL_READ | LC_ROLE_AGENCY, lc_h_list, "violations"},
    {"GET", "/v1/violations/{}", ALL_READ | LC_ROLE_AGENCY, lc_h_get, "violation"},
    {"GET", "/v1/rules", ALL_READ, lc_h_rules_info, "rules"},
    {"POST", "/v1/rules/reload", LC_ROLE_ADMIN, lc_h_rules_reload, "rules_reload"},
    {"GET", "/v1/archive/key", 0, lc_h_archive_key, "archive_key"},
    {"GET", "/v1/archive/checkpoint", 0, lc_h_archive_checkpoint, "archive_checkpoint"},
    {"GET", "/v1/archive/records/{}", ALL_READ, lc_h_archive_record, "archive_record"},
    {"GET", "/v1/archive/consistency", 0, lc_h_archive_consistency, "archive_consistency"},
    {"GET", "/v1/evidence/rooms/{}", EVIDENCE, lc_h_evidence, "evidence"},
    {"GET", "/v1/evidence/orders/{}", EVIDENCE, lc_h_evidence, "evidence"},
    {"GET", "/v1/evidence/hosts/{}", EVIDENCE, lc_h_evidence, "evidence"},
    {"POST", "/v1/holds", EVIDENCE, lc_h_hold_create, "holds"},
    {"GET", "/v1/holds", ALL_READ, lc_h_holds, "holds"},
    {"POST", "/v1/holds/{}/release", EVIDENCE, lc_h_hold_release, "hold_release"},
    {"GET", "/v1/retention", ALL_READ, lc_h_retention, "retention"},
    {"POST", "/v1/retention/extend", STAFF | LC_ROLE_REGULATOR, lc_h_retention_extend, "retention_extend"},
    {"POST", "/v1/archive/purge", LC_ROLE_ADMIN, lc_h_purge, "archive_purge"},
    {"POST", "/v1/violations/{}/confirm", STAFF, lc_h_violation_decide, "violation_confirm"},
    {"POST", "/v1/violations/{}/dismiss", STAFF, lc_h_violation_decide, "violation_dismiss"},
    {"GET", "/v1/measures", ALL_READ | LC_ROLE_AGENCY, lc_h_list, "measures"},
    {"GET", "/v1/measures/{}", ALL_READ | LC_ROLE_AGENCY, lc_h_get, "measure"},
    {"POST", "/v1/measures/{}/lift", STAFF, lc_h_measure_lift, "measure_lift"},
    {"GET", "/v1/notices", ALL_READ | LC_ROLE_AGENCY, lc_h_list, "notices"},
    {"GET", "/v1/appeals", ALL_READ | LC_ROLE_AGENCY, lc_h_list, "appeals"},
    {"POST", "/v1/appeals", SCOPED, lc_h_appeal_create, "appeals"},
    {"POST", "/v1/appeals/{}/decide", STAFF, lc_h_appeal_decide, "appeal_decide"},
    {"GET", "/v1/subjects/{}/restrictions", ALL_READ | LC_ROLE_INGEST, lc_h_restrictions, "restrictions"},
    {"GET", "/v1/traffic", ALL_READ | LC_ROLE_INGEST, lc_h_traffic, "traffic"},
    {"GET", "/v1/traffic/{}", ALL_READ | LC_ROLE_INGEST, lc_h_traffic, "traffic_room"},
    {"GET", "/v1/reports/disposals", ALL_READ, lc_h_disposals, "disposals"},
};
const unsigned lc_nroutes = sizeof lc_routes / sizeof *lc_routes;

/* Matches path against pattern; "{}" captures one segment into r->params. */
static bool match(const char *pattern, const char *path, struct lc_req *r)
{
    unsigned np = 0;
    while (*pattern && *path) {
        if (pattern[0] == '{' && pattern[1] == '}') {
            size_t n = strcspn(path, "/");
            if (n == 0 || n >= LC_ID_MAX || np >= LC_MAX_PARAMS)
                return false;
            memcpy(r->param_buf[np], path, n);
            r->param_buf[np][n] = '\0';
            r->params[np] = r->param_buf[np];
            np++;
            pattern += 2;
            path += n;
        } else if (*pattern++ != *path++) {
            return false;
        }
    }
    return *pattern == '\0' && *path == '\0';
}

static bool authenticate(struct lc_req *r, unsigned roles)
{
    const char *tok = NULL;
    if (roles == LC_ROLE_HOOK) {
        tok = lc_query(r, "token");
    } else {
        const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
        if (h && strncmp(h, "Bearer ", 7) == 0)
            tok = h + 7;
    }
    if (!tok) {
        lc_reply_fail(r, 401, "unauthorized", "", "a bearer token is required");
        return false;
    }
    enum lc_err err = lc_auth_check(r->app->store, r->app->tokens, tok, &r->who);
    if (err != LC_OK) {
        if (err == LC_EDENIED)
            lc_reply_fail(r, 401, "unauthorized", "", "the token is not valid");
        else
            lc_reply_fail(r, 503, "busy", "", "could not check the token; retry");
        return false;
    }
    if (!(r->who.role & roles)) {
        lc_reply_fail(r, 403, "forbidden", "", "this role may not use this endpoint");
        return false;
    }
    return true;
}

void lc_dispatch(struct lc_req *r)
{
    bool path_known = false;
    r->route = lc_nroutes;
    for (unsigned i = 0; i < lc_nroutes; i++) {
        if (!match(lc_routes[i].pattern, r->path, r))
            continue;
        path_known = true;
        if (strcmp(lc_routes[i].method, r->method) != 0)
            continue;
        r->route = i;
        if (lc_routes[i].roles && !authenticate(r, lc_routes[i].roles))
            return;
        lc_routes[i].fn(r);
        return;
    }
    if (path_known)
        lc_reply_fail(r, 405, "method_not_allowed", "", "method not allowed on this path");
    else
        lc_reply_fail(r, 404, "not_found", "", "no such endpoint");
}
