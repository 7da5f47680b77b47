/* gate.c -- gathering facts, evaluating the rules, recording decisions. */
#include "gate/gate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cache.h"
#include "core/id.h"

/* Facts are cached by stream-key index for at most this long (a bound on
 * staleness for changes made by another node sharing the store). */
#define FACTS_TTL_NS (1000u * 1000u * 1000u)
#define FACTS_SLOTS 4096

struct lc_gate {
    struct lc_registry *reg;
    struct lc_store *store;
    struct lc_batch *batch;
    struct lc_log *events;
    struct lc_cache *facts; /* stream-key index -> struct lc_gate_facts */
    lc_gate_sanctions_fn sanctions;
    void *sanctions_ctx;
};

void lc_gate_set_sanctions(struct lc_gate *g, lc_gate_sanctions_fn fn, void *ctx)
{
    g->sanctions = fn;
    g->sanctions_ctx = ctx;
}

static const char *const reason_names[LC_GR_COUNT] = {
    "missing_key",         "unknown_stream_key",     "stream_name_mismatch",
    "host_not_verified",   "host_under_age",         "guardian_consent_missing",
    "host_blacklisted",    "operator_blacklisted",   "agency_blacklisted",
    "training_missing",    "training_expired",       "operator_not_verified",
    "operator_verification_overdue", "subject_missing", "suspended",
    "banned",              "restricted",
};

const char *lc_gate_reason_name(unsigned bit_index)
{
    return bit_index < LC_GR_COUNT ? reason_names[bit_index] : "unknown";
}

static unsigned person_rules(const struct lc_subject_facts *s, int64_t now)
{
    if (!s->is_person)
        return 0;
    int age = lc_age_years(s->birth, lc_date_at(now, LC_CST_OFFSET));
    if (age < LC_MIN_AGE)
        return LC_GR_HOST_UNDER_AGE;
    return age < LC_ADULT_AGE && !s->guardian_consent ? LC_GR_CONSENT_MISSING : 0;
}

unsigned lc_gate_evaluate(const struct lc_gate_facts *f, int64_t now)
{
    unsigned r = 0;
    if (!f->room.found)
        return LC_GR_UNKNOWN_KEY;
    if (!f->host.found || !f->operator.found)
        return LC_GR_SUBJECT_MISSING;
    if (strcmp(f->host.verification, "pass") != 0)
        r |= LC_GR_HOST_NOT_VERIFIED;
    r |= person_rules(&f->host, now);
    if (f->host_listed)
        r |= LC_GR_HOST_BLACKLISTED;
    if (f->operator_listed)
        r |= LC_GR_OPERATOR_BLACKLISTED;
    if (f->agency_listed)
        r |= LC_GR_AGENCY_BLACKLISTED;
    if (f->host.training_expires_at == 0)
        r |= LC_GR_TRAINING_MISSING;
    else if (f->host.training_expires_at <= now)
        r |= LC_GR_TRAINING_EXPIRED;
    if (strcmp(f->operator.verification, "pass") != 0)
        r |= LC_GR_OPERATOR_NOT_VERIFIED;
    else if (lc_time_add_months(f->operator.verified_at, LC_REVERIFY_MONTHS) <= now)
        r |= LC_GR_OPERATOR_OVERDUE;
    return r;
}

enum lc_err lc_gate_new(struct lc_registry *reg, struct lc_store *store, struct lc_batch *batch,
                        struct lc_log *events, struct lc_gate **out)
{
    struct lc_gate *g = calloc(1, sizeof *g);
    if (!g)
        return LC_ENOMEM;
    *g = (struct lc_gate){reg, store, batch, events, NULL, NULL, NULL};
    if (lc_cache_new(FACTS_SLOTS, sizeof(struct lc_gate_facts), FACTS_TTL_NS, &g->facts) !=
        LC_OK) {
        free(g);
        return LC_ENOMEM;
    }
    *out = g;
    return LC_OK;
}

void lc_gate_free(struct lc_gate *g)
{
    if (g)
        lc_cache_free(g->facts);
    free(g);
}

/* Room, host, operator and agency facts, from the store. */
static enum lc_err load_facts(struct lc_gate *g, const char *key, struct lc_gate_facts *f)
{
    enum lc_err err = lc_registry_room_by_key(g->reg, key, &f->room);
    if (err != LC_OK || !f->room.found)
        return err;
    err = lc_registry_subject_facts(g->reg, LC_K_HOST, f->room.host_id, &f->host);
    if (err == LC_OK)
        err = lc_registry_subject_facts(g->reg, LC_K_OPERATOR, f->room.operator_id,
                                        &f->operator);
    if (err == LC_OK && f->host.agency_id[0])
        err = lc_registry_subject_facts(g->reg, LC_K_AGENCY, f->host.agency_id, &f->agency);
    return err;
}

/* All facts for a decision: registry facts through the cache (checked
 * against the registry's generation), blacklist state always fresh. */
static enum lc_err gather(struct lc_gate *g, const char *key, struct lc_gate_facts *f,
                          int64_t now)
{
    struct lc_blacklist *bl = lc_registry_blacklist(g->reg);
    char index[65];
    lc_seal_blind(lc_registry_seal(g->reg), LC_BLIND_STREAM, key, index);
    uint64_t gen = lc_registry_generation(g->reg); /* read before loading */
    if (!lc_cache_get(g->facts, index, gen, f)) {
        enum lc_err err = load_facts(g, key, f);
        if (err != LC_OK)
            return err;
        lc_cache_put(g->facts, index, gen, f);
    }
    f->host_listed = lc_blacklist_active(bl, f->host.blind_key, now);
    f->operator_listed = lc_blacklist_active(bl, f->operator.blind_key, now);
    f->agency_listed = f->agency.found && lc_blacklist_active(bl, f->agency.blind_key, now);
    return LC_OK;
}

static json_t *reasons_json(unsigned reasons)
{
    json_t *a = json_array();
    for (unsigned i = 0; a && i < LC_GR_COUNT; i++)
        if (reasons & (1u << i))
            json_array_append_new(a, json_string(reason_names[i]));
    return a;
}

/* Builds the decision record and commits it through the group-commit
 * writer.  An allowed publish opens a live session, and the decision is that
 * session's record: it carries "status" ("live", later "ended"),
 * "started_at" and "ended_at", so one write records both. */
static enum lc_err record(struct lc_gate *g, const struct lc_publish *p,
                          const struct lc_gate_facts *f, struct lc_gate_result *res,
                          int64_t now)
{
    char ts[LC_TIME_STRLEN];
    lc_time_format(now, ts);
    lc_id_new("decision", res->decision_id);
    const char *room = f->room.found ? f->room.id : NULL;
    json_t *d = json_pack("{s:s, s:s, s:s, s:o, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}",
                          "id", res->decision_id, "ts", ts, "outcome",
                          res->allow ? "allow" : "deny", "reasons", reasons_json(res->reasons),
                          "room_id", room, "host_id", f->room.found ? f->room.host_id : NULL,
                          "operator_id", f->room.found ? f->room.operator_id : NULL, "app",
                          p->app, "name", p->name, "clientid", p->clientid, "addr", p->addr);
    if (d && res->allow) {
        json_object_set_new(d, "status", json_string("live"));
        json_object_set_new(d, "started_at", json_string(ts));
        json_object_set_new(d, "ended_at", json_null());
    }
    struct lc_record rd = {0};
    snprintf(rd.kind, sizeof rd.kind, LC_K_DECISION);
    snprintf(rd.id, sizeof rd.id, "%s", res->decision_id);
    rd.created_at = rd.updated_at = now;
    rd.scope = f->host.agency_id[0] ? (char *)f->host.agency_id : NULL;
    rd.key = res->allow ? "allow" : "deny";
    rd.ref = (char *)room;
    rd.body = d ? json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    enum lc_err err = rd.body ? LC_OK : LC_ENOMEM;
    if (err == LC_OK) {
        struct lc_write w = {LC_WRITE_INSERT, &rd};
        err = lc_batch_submit(g->batch, &w, 1);
    }
    free(rd.body);
    json_decref(d);
    return err;
}

enum lc_err lc_gate_publish(struct lc_gate *g, const struct lc_publish *p,
                            struct lc_gate_result *out)
{
    struct lc_gate_facts f;
    struct lc_gate_result res;
    int64_t now = lc_time_now();
    memset(&f, 0, sizeof f);
    memset(&res, 0, sizeof res);
    enum lc_err err = LC_OK;
    if (!p->key || !p->key[0]) {
        res.reasons = LC_GR_MISSING_KEY;
    } else {
        err = gather(g, p->key, &f, now);
        if (err != LC_OK)
            return err;
        res.reasons = lc_gate_evaluate(&f, now);
        /* the stream is published under its room's id, which the control
         * API later uses to cut it; a key must not open another name */
        if (f.room.found && (!p->name || strcmp(p->name, f.room.id)))
            res.reasons |= LC_GR_NAME_MISMATCH;
        if (f.room.found && g->sanctions)
            res.reasons |= g->sanctions(g->sanctions_ctx, f.room.id, f.room.host_id,
                                        f.host.blind_key, now);
    }
    res.allow = res.reasons == 0;
    if (f.room.found)
        snprintf(res.room_id, sizeof res.room_id, "%s", f.room.id);
    err = record(g, p, &f, &res, now);
    if (err != LC_OK)
        return err;
    *out = res;
    return LC_OK;
}

/* Finds the live session (allow decision) of one publisher: the room is the
 * stream name, and (app, clientid) tell concurrent publishers apart -- a
 * refused duplicate publisher's publish_done carries its own clientid. */
struct find_live {
    const struct lc_publish *p;
    struct lc_record rec;
    bool found;
};

static bool same(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static int match_live(void *ctx, const struct lc_record *r)
{
    struct find_live *c = ctx;
    json_t *body = json_loads(r->body, 0, NULL);
    bool hit = body && same(lc_jstr(body, "status"), "live") &&
               same(lc_jstr(body, "app"), c->p->app) &&
               same(lc_jstr(body, "clientid"), c->p->clientid);
    json_decref(body);
    if (hit && lc_record_copy(&c->rec, r) == LC_OK)
        c->found = true;
    return hit;
}

enum lc_err lc_gate_publish_done(struct lc_gate *g, const struct lc_publish *p)
{
    char ts[LC_TIME_STRLEN];
    if (!p->name || !p->name[0])
        return LC_ENOTFOUND;
    lc_time_format(lc_time_now(), ts);
    enum lc_err err = LC_ECONFLICT;
    for (int i = 0; i < 5 && err == LC_ECONFLICT; i++) {
        struct find_live c = {.p = p};
        /* newest first, stopping at the match: a live session is recent,
         * unless the room saw many allowed attempts since (duplicates) */
        struct lc_query q = {.kind = LC_K_DECISION, .ref = p->name, .key = "allow",
                             .newest_first = true};
        err = lc_store_list(g->store, &q, match_live, &c);
        if (err == LC_OK && !c.found)
            err = LC_ENOTFOUND;
        json_t *body = err == LC_OK ? json_loads(c.rec.body, 0, NULL) : NULL;
        if (body) {
            json_object_set_new(body, "status", json_string("ended"));
            json_object_set_new(body, "ended_at", json_string(ts));
            free(c.rec.body);
            c.rec.body = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
            c.rec.updated_at = lc_time_now();
            err = c.rec.body ? lc_store_update(g->store, &c.rec) : LC_ENOMEM;
            json_decref(body);
        }
        lc_record_cleanup(&c.rec);
    }
    return err;
}
