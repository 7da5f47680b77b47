/* enforce.c -- the measures in force: loading them, the gate's and the
 * registry's questions, the readers (restrictions, traffic), cutting a
 * stream, and the ticker that expires measures and delivers notices.
 * Turning violations into measures lives in measure.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/httpc.h"
#include "core/jsonv.h"
#include "core/time.h"
#include "enforce/enforce_int.h"
#include "gate/gate.h"

#define CUT_TIMEOUT_MS 2000
#define NOTIFY_TIMEOUT_MS 3000
#define NOTIFY_MAX_ATTEMPTS 10

void lc_enforce_event(struct lc_enforce *e, const char *event, const char *id, const char *by)
{
    if (!e->events)
        return;
    json_t *ev = json_pack("{s:s, s:s, s:s?}", "event", event, "id", id, "actor", by);
    lc_log_write(e->events, "enforce", ev);
    json_decref(ev);
}

/* ---- the tables ---- */

enum lc_err lc_enforce_add_active(struct lc_enforce *e, const struct active *a)
{
    if (e->nact == e->capact) {
        size_t cap = e->capact ? e->capact * 2 : 64;
        struct active *t = realloc(e->act, cap * sizeof *t);
        if (!t)
            return LC_ENOMEM;
        e->act = t;
        e->capact = cap;
    }
    e->act[e->nact++] = *a;
    return LC_OK;
}

void lc_enforce_drop_active(struct lc_enforce *e, const char *measure_id)
{
    for (size_t i = 0; i < e->nact; i++)
        if (strcmp(e->act[i].id, measure_id) == 0) {
            e->act[i] = e->act[--e->nact];
            return;
        }
}

enum lc_err lc_enforce_add_pending(struct lc_enforce *e, const char *notice_id)
{
    if (e->npend == e->cappend) {
        size_t cap = e->cappend ? e->cappend * 2 : 64;
        struct pending *t = realloc(e->pend, cap * sizeof *t);
        if (!t)
            return LC_ENOMEM;
        e->pend = t;
        e->cappend = cap;
    }
    struct pending *p = &e->pend[e->npend++];
    memset(p, 0, sizeof *p);
    snprintf(p->id, sizeof p->id, "%s", notice_id);
    return LC_OK;
}

void lc_enforce_active_of(json_t *body, struct active *a)
{
    memset(a, 0, sizeof *a);
    snprintf(a->id, sizeof a->id, "%s", lc_jstr(body, "id") ? lc_jstr(body, "id") : "");
    snprintf(a->subject, sizeof a->subject, "%s",
             lc_jstr(body, "subject_id") ? lc_jstr(body, "subject_id") : "");
    const char *type = lc_jstr(body, "subject_type");
    if (type && strcmp(type, "viewer") != 0 && lc_jstr(body, "room_id"))
        snprintf(a->room, sizeof a->room, "%s", lc_jstr(body, "room_id"));
    if (lc_jstr(body, "subject_key"))
        snprintf(a->key, sizeof a->key, "%s", lc_jstr(body, "subject_key"));
    a->m = lc_measure_parse(lc_jstr(body, "measure") ? lc_jstr(body, "measure") : "");
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(body, "functions"), i, f)
        a->functions |= lc_function_parse(json_string_value(f) ? json_string_value(f) : "");
    a->weight = json_number_value(json_object_get(body, "weight"));
    if (lc_time_parse(lc_jstr(body, "expires_at"), &a->expires_at) != LC_OK)
        a->expires_at = 0;
}

/* ---- loading ---- */

static int load_active(void *ctx, const struct lc_record *r)
{
    struct lc_enforce *e = ctx;
    json_t *body = json_loads(r->body, 0, NULL);
    struct active a;
    if (body) {
        lc_enforce_active_of(body, &a);
        if (a.m != LC_M_COUNT && lc_enforce_add_active(e, &a) != LC_OK)
            fprintf(stderr, "enforce: out of memory loading measures\n");
    }
    json_decref(body);
    return 0;
}

static int load_pending(void *ctx, const struct lc_record *r)
{
    if (lc_enforce_add_pending(ctx, r->id) != LC_OK)
        fprintf(stderr, "enforce: out of memory loading notices\n");
    return 0;
}

static void tick(void *arg)
{
    lc_enforce_tick(arg, lc_time_now());
}

enum lc_err lc_enforce_new(struct lc_store *store, struct lc_registry *reg,
                           struct lc_policy *policy, struct lc_log *events,
                           const struct lc_enforce_opts *o, struct lc_enforce **out)
{
    struct lc_enforce *e = calloc(1, sizeof *e);
    if (!e)
        return LC_ENOMEM;
    e->store = store;
    e->reg = reg;
    e->policy = policy;
    e->events = events;
    pthread_mutex_init(&e->mu, NULL);
    enum lc_err err = LC_OK;
    if ((o && o->nginx_control && !(e->control = strdup(o->nginx_control))) ||
        (o && o->notify_url && !(e->notify = strdup(o->notify_url))))
        err = LC_ENOMEM;
    struct lc_query q = {.kind = LC_K_MEASURE, .key = "active"};
    if (err == LC_OK)
        err = lc_store_list(store, &q, load_active, e);
    struct lc_query qn = {.kind = LC_K_NOTICE, .key = "pending"};
    if (err == LC_OK)
        err = lc_store_list(store, &qn, load_pending, e);
    if (err == LC_OK && o && o->tick_ms)
        err = lc_ticker_start(o->tick_ms, tick, e, &e->ticker);
    if (err != LC_OK) {
        e->policy = NULL; /* the caller keeps it on failure */
        lc_enforce_free(e);
        return err;
    }
    *out = e;
    return LC_OK;
}

void lc_enforce_free(struct lc_enforce *e)
{
    if (!e)
        return;
    lc_ticker_stop(e->ticker);
    lc_policy_free(e->policy);
    free(e->act);
    free(e->pend);
    free(e->chat);
    free(e->control);
    free(e->notify);
    pthread_mutex_destroy(&e->mu);
    free(e);
}

const struct lc_policy *lc_enforce_policy(struct lc_enforce *e)
{
    return e->policy;
}

void lc_enforce_stats(struct lc_enforce *e, struct lc_enforce_stats *out)
{
    pthread_mutex_lock(&e->mu);
    *out = e->stats;
    pthread_mutex_unlock(&e->mu);
}

/* ---- questions ---- */

static int in_force(const struct active *a, int64_t now)
{
    return a->expires_at == 0 || a->expires_at > now;
}

static unsigned gate_bits(const struct active *a)
{
    switch (a->m) {
    case LC_M_SUSPEND:
        return LC_GR_SUSPENDED;
    case LC_M_BAN:
    case LC_M_CLOSE:
    case LC_M_BLACKLIST:
        return LC_GR_BANNED;
    case LC_M_RESTRICT:
        return a->functions & LC_F_GOING_LIVE ? LC_GR_RESTRICTED : 0;
    default:
        return 0;
    }
}

unsigned lc_enforce_sanctions(void *ctx, const char *room_id, const char *host_id,
                              const char *host_key, int64_t now)
{
    struct lc_enforce *e = ctx;
    unsigned bits = 0;
    pthread_mutex_lock(&e->mu);
    for (size_t i = 0; i < e->nact; i++) {
        const struct active *a = &e->act[i];
        if (!in_force(a, now))
            continue;
        int person = a->key[0] && host_key && host_key[0] && strcmp(a->key, host_key) == 0 &&
                     (a->m == LC_M_BAN || a->m == LC_M_CLOSE || a->m == LC_M_BLACKLIST);
        if ((host_id && strcmp(a->subject, host_id) == 0) ||
            (a->room[0] && room_id && strcmp(a->room, room_id) == 0) || person)
            bits |= gate_bits(a);
    }
    pthread_mutex_unlock(&e->mu);
    return bits;
}

enum lc_err lc_enforce_admit(void *ctx, const char *blind_key, struct lc_errinfo *ei)
{
    struct lc_enforce *e = ctx;
    int64_t now = lc_time_now();
    int banned = 0;
    pthread_mutex_lock(&e->mu);
    for (size_t i = 0; i < e->nact && !banned; i++)
        banned = e->act[i].m == LC_M_REREG_BAN && in_force(&e->act[i], now) &&
                 strcmp(e->act[i].key, blind_key) == 0;
    pthread_mutex_unlock(&e->mu);
    return banned ? lc_fail(ei, LC_EDENIED, "reregistration_banned", "",
                            "a ban on re-registration is in force for this identity")
                  : LC_OK;
}

static json_t *brief(const struct active *a)
{
    char exp[LC_TIME_STRLEN];
    if (a->expires_at)
        lc_time_format(a->expires_at, exp);
    return json_pack("{s:s, s:s, s:s?}", "id", a->id, "measure", lc_measure_name(a->m),
                     "expires_at", a->expires_at ? exp : NULL);
}

/* What a measure switches off for its subject. */
static unsigned functions_of(const struct active *a)
{
    switch (a->m) {
    case LC_M_RESTRICT:
        return a->functions;
    case LC_M_SUSPEND:
        return LC_F_GOING_LIVE;
    case LC_M_BAN:
    case LC_M_CLOSE:
    case LC_M_BLACKLIST:
        return LC_F_COMMENTS | LC_F_PRODUCT_LINKS | LC_F_TIPPING | LC_F_COSTREAMING |
               LC_F_GOING_LIVE | LC_F_CHAT;
    default:
        return 0;
    }
}

json_t *lc_enforce_restrictions(struct lc_enforce *e, const char *subject_id, int64_t now)
{
    unsigned fns = 0;
    json_t *list = json_array();
    pthread_mutex_lock(&e->mu);
    for (size_t i = 0; i < e->nact && list; i++) {
        const struct active *a = &e->act[i];
        if (!in_force(a, now) ||
            (strcmp(a->subject, subject_id) != 0 && strcmp(a->room, subject_id) != 0))
            continue;
        fns |= functions_of(a);
        json_array_append_new(list, brief(a));
    }
    pthread_mutex_unlock(&e->mu);
    json_t *names = json_array();
    for (unsigned bit = 1; bit <= LC_F_CHAT && names; bit <<= 1)
        if (fns & bit)
            json_array_append_new(names, json_string(lc_function_name(bit)));
    return json_pack("{s:s, s:o, s:o}", "subject_id", subject_id, "functions",
                     names ? names : json_array(), "measures", list ? list : json_array());
}

/* Recommendation weight of a measure: traffic limits carry theirs, measures
 * that stop the stream or the account drop it to 0. */
static double weight_of(const struct active *a)
{
    if (a->m == LC_M_TRAFFIC)
        return a->weight;
    return gate_bits(a) && a->m != LC_M_RESTRICT ? 0.0 : 1.0;
}

json_t *lc_enforce_traffic(struct lc_enforce *e, const char *room_id, int64_t now)
{
    struct lc_room_facts room = {0};
    if (lc_registry_room_facts(e->reg, room_id, &room) != LC_OK)
        room.found = false;
    double w = 1.0;
    json_t *list = json_array();
    pthread_mutex_lock(&e->mu);
    for (size_t i = 0; i < e->nact && list; i++) {
        const struct active *a = &e->act[i];
        if (!in_force(a, now) || weight_of(a) >= 1.0 ||
            (strcmp(a->room, room_id) != 0 && !(room.found && strcmp(a->subject, room.host_id) == 0)))
            continue;
        if (weight_of(a) < w)
            w = weight_of(a);
        json_array_append_new(list, brief(a));
    }
    pthread_mutex_unlock(&e->mu);
    return json_pack("{s:s, s:s?, s:f, s:o}", "room_id", room_id, "host_id",
                     room.found ? room.host_id : NULL, "weight", w, "measures",
                     list ? list : json_array());
}

json_t *lc_enforce_traffic_all(struct lc_enforce *e, int64_t now)
{
    json_t *items = json_array();
    pthread_mutex_lock(&e->mu);
    for (size_t i = 0; i < e->nact && items; i++) {
        const struct active *a = &e->act[i];
        if (!in_force(a, now) || weight_of(a) >= 1.0)
            continue;
        json_t *b = brief(a);
        json_object_set_new(b, "subject_id", json_string(a->subject));
        json_object_set_new(b, "room_id", a->room[0] ? json_string(a->room) : json_null());
        json_object_set_new(b, "weight", json_real(weight_of(a)));
        json_array_append_new(items, b);
    }
    pthread_mutex_unlock(&e->mu);
    return json_pack("{s:o}", "items", items ? items : json_array());
}

/* ---- effects ---- */

struct live_ctx {
    char app[128];
    int found;
};

static int find_live(void *ctx, const struct lc_record *r)
{
    struct live_ctx *c = ctx;
    json_t *b = json_loads(r->body, 0, NULL);
    const char *status = b ? lc_jstr(b, "status") : NULL;
    if (status && strcmp(status, "live") == 0 && lc_jstr(b, "app")) {
        snprintf(c->app, sizeof c->app, "%s", lc_jstr(b, "app"));
        c->found = 1;
    }
    json_decref(b);
    return c->found;
}

static void urlencode(const char *s, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (; *s && n + 4 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.') {
            out[n++] = (char)c;
        } else {
            out[n++] = '%';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 15];
        }
    }
    out[n] = 0;
}

void lc_enforce_cut(struct lc_enforce *e, const char *room_id, const char *measure_id)
{
    struct live_ctx c = {"", 0};
    struct lc_query q = {.kind = LC_K_DECISION, .ref = room_id, .key = "allow",
                         .newest_first = true, .limit = 20};
    if (lc_store_list(e->store, &q, find_live, &c) != LC_OK || !c.found) {
        lc_enforce_event(e, "stream.cut_skipped_not_live", measure_id, NULL);
        return;
    }
    if (!e->control) {
        lc_enforce_event(e, "stream.cut_not_configured", measure_id, NULL);
        return;
    }
    char app[400], name[400], url[1200];
    urlencode(c.app, app, sizeof app);
    urlencode(room_id, name, sizeof name);
    snprintf(url, sizeof url, "%s/drop/publisher?app=%s&name=%s", e->control, app, name);
    int status = 0;
    enum lc_err err = lc_httpc_request("GET", url, NULL, NULL, 0, CUT_TIMEOUT_MS, &status);
    int ok = err == LC_OK && status == 200;
    pthread_mutex_lock(&e->mu);
    if (ok)
        e->stats.cuts++;
    else
        e->stats.cut_failures++;
    pthread_mutex_unlock(&e->mu);
    lc_enforce_event(e, ok ? "stream.cut" : "stream.cut_failed", measure_id, NULL);
}

enum lc_err lc_enforce_set_status(struct lc_enforce *e, const char *kind, const char *id,
                                  const char *from, const char *to, json_t *extra,
                                  json_t **out)
{
    struct lc_record r = {0};
    enum lc_err err = lc_store_get(e->store, kind, id, &r);
    if (err != LC_OK)
        return err;
    json_t *body = json_loads(r.body, 0, NULL);
    const char *cur = body ? lc_jstr(body, "status") : NULL;
    if (!body)
        err = LC_ECORRUPT;
    else if (from && (!cur || strcmp(cur, from) != 0))
        err = LC_ECONFLICT;
    if (err == LC_OK) {
        json_object_set_new(body, "status", json_string(to));
        if (extra)
            json_object_update(body, extra);
        char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
        free(r.body);
        free(r.key);
        r.body = text;
        r.key = strdup(to);
        r.updated_at = lc_time_now();
        err = text && r.key ? lc_store_update(e->store, &r) : LC_ENOMEM;
    }
    if (err == LC_OK && out)
        *out = json_incref(body);
    json_decref(body);
    lc_record_cleanup(&r);
    return err;
}

struct entry_of {
    const char *measure_id;
    char id[LC_ID_MAX];
};

static int find_entry(void *ctx, const struct lc_record *r)
{
    struct entry_of *c = ctx;
    json_t *b = json_loads(r->body, 0, NULL);
    const char *mid = b ? lc_jstr(b, "measure_id") : NULL;
    if (mid && strcmp(mid, c->measure_id) == 0)
        snprintf(c->id, sizeof c->id, "%s", r->id);
    json_decref(b);
    return c->id[0] != 0;
}

void lc_enforce_unlist(struct lc_enforce *e, const char *measure_id, const char *key)
{
    struct entry_of c = {measure_id, ""};
    struct lc_query q = {.kind = LC_K_BLACKLIST, .key = key};
    struct lc_errinfo ei = {0};
    if (!key || !key[0] || lc_store_list(e->store, &q, find_entry, &c) != LC_OK || !c.id[0])
        return;
    if (lc_registry_blacklist_lift(e->reg, c.id, "the measure was lifted or reversed", &ei) !=
        LC_OK)
        fprintf(stderr, "enforce: cannot lift blacklist entry %s: %s\n", c.id, ei.message);
}

/* ---- the ticker ---- */

static void expire(struct lc_enforce *e, int64_t now)
{
    char (*ids)[LC_ID_MAX] = NULL;
    size_t n = 0;
    pthread_mutex_lock(&e->mu);
    for (size_t i = 0; i < e->nact; i++)
        if (!in_force(&e->act[i], now))
            n++;
    ids = n ? calloc(n, LC_ID_MAX) : NULL;
    size_t k = 0;
    for (size_t i = 0; ids && i < e->nact;) {
        if (!in_force(&e->act[i], now)) {
            snprintf(ids[k++], LC_ID_MAX, "%s", e->act[i].id);
            e->act[i] = e->act[--e->nact];
        } else {
            i++;
        }
    }
    pthread_mutex_unlock(&e->mu);
    for (size_t i = 0; i < k; i++) {
        if (lc_enforce_set_status(e, LC_K_MEASURE, ids[i], "active", "expired", NULL, NULL) !=
            LC_OK)
            fprintf(stderr, "enforce: cannot mark measure %s expired\n", ids[i]);
        lc_enforce_event(e, "measure.expired", ids[i], NULL);
    }
    free(ids);
}

/* One delivery attempt; 1 when the webhook took it. */
static int deliver(struct lc_enforce *e, const char *id)
{
    struct lc_record r = {0};
    if (lc_store_get(e->store, LC_K_NOTICE, id, &r) != LC_OK)
        return 0;
    int status = 0;
    enum lc_err err = lc_httpc_request("POST", e->notify, "application/json", r.body,
                                       strlen(r.body), NOTIFY_TIMEOUT_MS, &status);
    lc_record_cleanup(&r);
    return err == LC_OK && status >= 200 && status < 300;
}

static void deliveries(struct lc_enforce *e, int64_t now)
{
    if (!e->notify)
        return;
    for (;;) {
        char id[LC_ID_MAX] = "";
        pthread_mutex_lock(&e->mu);
        for (size_t i = 0; i < e->npend && !id[0]; i++)
            if (e->pend[i].next_at <= now) {
                snprintf(id, sizeof id, "%s", e->pend[i].id);
                e->pend[i].next_at = now + 1; /* not again in this pass */
            }
        pthread_mutex_unlock(&e->mu);
        if (!id[0])
            return;
        int ok = deliver(e, id);
        const char *final = NULL;
        pthread_mutex_lock(&e->mu);
        for (size_t i = 0; i < e->npend; i++) {
            struct pending *p = &e->pend[i];
            if (strcmp(p->id, id) != 0)
                continue;
            p->attempts++;
            unsigned shift = p->attempts < 8 ? p->attempts : 8;
            p->next_at = now + (1 << shift);
            if (ok || p->attempts >= NOTIFY_MAX_ATTEMPTS) {
                final = ok ? "delivered" : "failed";
                *p = e->pend[--e->npend];
            }
            break;
        }
        if (ok)
            e->stats.notices_delivered++;
        pthread_mutex_unlock(&e->mu);
        if (final) {
            json_t *extra = json_pack("{s:s}", "delivery", final);
            if (lc_enforce_set_status(e, LC_K_NOTICE, id, "pending", final, extra, NULL) !=
                LC_OK)
                fprintf(stderr, "enforce: cannot record delivery of %s\n", id);
            json_decref(extra);
            lc_enforce_event(e, ok ? "notice.delivered" : "notice.failed", id, NULL);
        }
    }
}

void lc_enforce_tick(struct lc_enforce *e, int64_t now)
{
    expire(e, now);
    deliveries(e, now);
}
