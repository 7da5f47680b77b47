/* http.h -- the HTTP layer's private contract: the application context,
 * one request, the route table and reply helpers.  Handlers live in
 * h_<resource>.c; server.c drives libmicrohttpd; router.c matches routes and
 * checks roles. */
#ifndef LC_HTTP_HTTP_H
#define LC_HTTP_HTTP_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/log.h"
#include "gate/gate.h"
#include "http/auth.h"
#include "http/metrics.h"
#include "monitor/monitor.h"
#include "registry/registry.h"
#include "archive/archive.h"
#include "enforce/enforce.h"
#include "store/batch.h"

#define LC_JSON_BODY_MAX (64 * 1024)
#define LC_BATCH_BODY_MAX (8 * 1024 * 1024) /* /v1/events and /v1/scan */
#define LC_MAX_PARAMS 3

/* Everything the handlers share; built by lc_app_open (app.c). */
struct lc_app {
    struct lc_store *store;
    struct lc_seal *seal;
    struct lc_registry *reg;
    struct lc_batch *batch;
    struct lc_gate *gate;
    struct lc_log *access, *events;
    struct lc_metrics *metrics;
    struct lc_cache *tokens; /* recent token lookups */
    struct lc_rules_live *rules; /* current rule packs, or NULL if none */
    struct lc_monitor *monitor;  /* NULL without rule packs */
    char *rules_path;            /* where packs are (re)loaded from */
    struct lc_archive *archive;  /* the tamper-evident log of every write */
    struct lc_archiver *archiver; /* the store observer feeding it */
    struct lc_enforce *enforce;  /* measures, or NULL without a policy */
    struct lc_ticker *purger;    /* the retention sweep, or NULL */
};

struct lc_req {
    struct lc_app *app;
    struct MHD_Connection *conn;
    const char *method, *path;
    uint64_t started_ns;
    char *body; /* NUL-terminated; capped at cap */
    size_t body_len;
    size_t cap; /* body cap for this path */
    bool too_big;
    unsigned route; /* index into the route table (metrics) */
    const char *params[LC_MAX_PARAMS];
    char param_buf[LC_MAX_PARAMS][LC_ID_MAX];
    struct lc_principal who;
    /* the answer */
    int status;
    char *out;              /* body, heap */
    const char *ctype;
    bool close;             /* send Connection: close */
};

typedef void (*lc_handler)(struct lc_req *r);

struct lc_route {
    const char *method;
    const char *pattern; /* "/v1/hosts/{}/verifications" */
    unsigned roles;      /* allowed roles; 0 = no token needed */
    lc_handler fn;
    const char *name;    /* metrics label */
};

extern const struct lc_route lc_routes[];
extern const unsigned lc_nroutes;

/* Finds the route, authenticates, checks the role, and calls the handler. */
void lc_dispatch(struct lc_req *r);

/* Replies.  reply_json steals obj. */
void lc_reply_json(struct lc_req *r, int status, json_t *obj);
void lc_reply_text(struct lc_req *r, int status, const char *ctype, char *text_heap);
void lc_reply_error(struct lc_req *r, enum lc_err err, const struct lc_errinfo *e);
void lc_reply_fail(struct lc_req *r, int status, const char *code, const char *field,
                   const char *message);

/* Query-string value or NULL. */
const char *lc_query(struct lc_req *r, const char *name);
/* Parses the JSON body against fields; on failure replies and returns NULL. */
json_t *lc_body_json(struct lc_req *r, const struct lc_jfield *fields);

/* Handlers. */
void lc_h_healthz(struct lc_req *r);
void lc_h_metrics(struct lc_req *r);
void lc_h_agency_create(struct lc_req *r);
void lc_h_operator_create(struct lc_req *r);
void lc_h_host_create(struct lc_req *r);
void lc_h_host_verify(struct lc_req *r);
void lc_h_operator_verify(struct lc_req *r);
void lc_h_training_create(struct lc_req *r);
void lc_h_room_create(struct lc_req *r);
void lc_h_blacklist_create(struct lc_req *r);
void lc_h_get(struct lc_req *r);
void lc_h_patch(struct lc_req *r);
void lc_h_list(struct lc_req *r);
void lc_h_list_sub(struct lc_req *r);
void lc_h_hook_publish(struct lc_req *r);
void lc_h_hook_publish_done(struct lc_req *r);
void lc_h_hook_ignore(struct lc_req *r);
void lc_h_scan(struct lc_req *r);
void lc_h_events(struct lc_req *r);
void lc_h_rules_reload(struct lc_req *r);
void lc_h_rules_info(struct lc_req *r);
void lc_h_archive_key(struct lc_req *r);
void lc_h_archive_checkpoint(struct lc_req *r);
void lc_h_archive_record(struct lc_req *r);
void lc_h_evidence(struct lc_req *r);
void lc_h_archive_consistency(struct lc_req *r);
void lc_h_hold_create(struct lc_req *r);
void lc_h_hold_release(struct lc_req *r);
void lc_h_holds(struct lc_req *r);
void lc_h_retention(struct lc_req *r);
void lc_h_retention_extend(struct lc_req *r);
void lc_h_purge(struct lc_req *r);
void lc_h_hook_record_done(struct lc_req *r);
void lc_h_violation_decide(struct lc_req *r);
void lc_h_measure_lift(struct lc_req *r);
void lc_h_appeal_create(struct lc_req *r);
void lc_h_appeal_decide(struct lc_req *r);
void lc_h_restrictions(struct lc_req *r);
void lc_h_traffic(struct lc_req *r);
void lc_h_disposals(struct lc_req *r);

#endif
