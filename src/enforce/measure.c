/* measure.c -- from a violation to a measure: who answers for it, their
 * history, the policy's choice, one transaction that confirms the
 * violation and stores the measure and its notice, then the effects.  Also
 * the operator's decisions, appeals and their reversal, and the disposal
 * report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/id.h"
#include "core/jsonv.h"
#include "core/time.h"
#include "enforce/enforce_int.h"
#include "monitor/monitor.h"

/* Who answers for a violation. */
struct subject {
    const char *type; /* "host", "viewer", "room" */
    char id[LC_ID_MAX + 64];
    char room[LC_ID_MAX], host[LC_ID_MAX], agency[LC_ID_MAX];
    char key[65]; /* host's blind ID index */
    int tier;
};

static void subject_of(struct lc_enforce *e, json_t *v, struct subject *s)
{
    memset(s, 0, sizeof *s);
    const char *type = lc_jstr(v, "event_type"), *user = lc_jstr(v, "user_id");
    snprintf(s->room, sizeof s->room, "%s", lc_jstr(v, "room_id") ? lc_jstr(v, "room_id") : "");
    snprintf(s->host, sizeof s->host, "%s", lc_jstr(v, "host_id") ? lc_jstr(v, "host_id") : "");
    snprintf(s->agency, sizeof s->agency, "%s",
             lc_jstr(v, "agency_id") ? lc_jstr(v, "agency_id") : "");
    if (type && strcmp(type, "room_chat") == 0) {
        s->type = "room"; /* the room failed to manage its chat */
        snprintf(s->id, sizeof s->id, "%s", s->room);
    } else if (type && strcmp(type, "chat") == 0 && user) {
        s->type = "viewer";
        snprintf(s->id, sizeof s->id, "%s", user);
    } else if (s->host[0]) {
        s->type = "host";
        snprintf(s->id, sizeof s->id, "%s", s->host);
        struct lc_subject_facts f;
        if (lc_registry_subject_facts(e->reg, LC_K_HOST, s->host, &f) == LC_OK && f.found)
            snprintf(s->key, sizeof s->key, "%s", f.blind_key);
    } else {
        s->type = "room";
        snprintf(s->id, sizeof s->id, "%s", s->room);
    }
    s->tier = 1;
    struct lc_record r = {0};
    if (s->room[0] && lc_store_get(e->store, LC_K_ROOM, s->room, &r) == LC_OK) {
        json_t *b = json_loads(r.body, 0, NULL);
        json_int_t t = json_integer_value(json_object_get(b, "risk_tier"));
        if (t >= 1 && t <= 3)
            s->tier = (int)t;
        json_decref(b);
    }
    lc_record_cleanup(&r);
}

struct history {
    struct lc_enforce *e;
    const char *category;
    int64_t now;
    double points;
    unsigned repeats;
};

static int add_history(void *ctx, const struct lc_record *r)
{
    struct history *h = ctx;
    json_t *b = json_loads(r->body, 0, NULL);
    const char *status = lc_jstr(b, "status");
    int64_t at;
    if (b && status && strcmp(status, "reversed") != 0 &&
        lc_time_parse(lc_jstr(b, "starts_at"), &at) == LC_OK) {
        h->points += lc_policy_decay(h->e->policy,
                                     json_number_value(json_object_get(b, "points")), at, h->now);
        const char *cat = lc_jstr(b, "category");
        if (cat && strcmp(cat, h->category) == 0 &&
            at >= h->now - lc_policy_repeat_window(h->e->policy))
            h->repeats++;
    }
    json_decref(b);
    return 0;
}

static json_t *functions_json(unsigned fns)
{
    json_t *a = json_array();
    for (unsigned bit = 1; bit <= LC_F_CHAT && a; bit <<= 1)
        if (fns & bit)
            json_array_append_new(a, json_string(lc_function_name(bit)));
    return a;
}

/* Measures that keep acting until they expire or are lifted. */
static int lasting(enum lc_measure m)
{
    return m != LC_M_NONE && m != LC_M_WARNING && m != LC_M_COUNT;
}

static json_t *measure_body(const char *id, json_t *v, const struct subject *s,
                            const struct lc_policy_input *in, const struct lc_policy_decision *d,
                            const char *version, const char *by, int64_t now)
{
    char start[LC_TIME_STRLEN], exp[LC_TIME_STRLEN];
    lc_time_format(now, start);
    int expires = lasting(d->measure) && d->duration_s > 0;
    if (expires)
        lc_time_format(now + d->duration_s, exp);
    json_t *policy = json_pack(
        "{s:s, s:s, s:{s:s, s:s, s:s, s:f, s:i, s:i}}", "version", version, "rule", d->rule,
        "inputs", "category", in->category, "severity", in->severity, "subject", in->subject,
        "points", in->points, "repeats", (int)in->repeats, "risk_tier", in->risk_tier);
    json_t *facts = json_pack("{s:O*, s:O*, s:O*, s:O*, s:O*}", "violation_rule",
                              json_object_get(v, "rule"), "event_id",
                              json_object_get(v, "event_id"), "event_type",
                              json_object_get(v, "event_type"), "ts", json_object_get(v, "ts"),
                              "evidence", json_object_get(v, "evidence"));
    json_t *body = json_pack("{s:s, s:O, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s, s:o, s:f, s:I, s:s, "
                     "s:s?, s:s, s:b, s:f, s:O, s:O, s:o, s:s, s:o, s:s, s:s}",
                     "id", id, "violation_id", json_object_get(v, "id"), "subject_type",
                     s->type, "subject_id", s->id, "subject_key", s->key[0] ? s->key : NULL,
                     "room_id", s->room[0] ? s->room : NULL, "host_id",
                     s->host[0] ? s->host : NULL, "agency_id", s->agency[0] ? s->agency : NULL,
                     "measure", lc_measure_name(d->measure), "functions",
                     functions_json(d->functions), "weight", d->weight, "duration_s",
                     (json_int_t)d->duration_s, "starts_at", start, "expires_at",
                     expires ? exp : NULL, "status", lasting(d->measure) ? "active" : "issued",
                     "automatic", d->automatic, "points", d->points, "category",
                     json_object_get(v, "category"), "severity", json_object_get(v, "severity"),
                     "policy", policy, "basis", d->basis, "facts", facts, "reason",
                     "a violation of the platform's rules was confirmed", "decided_by", by);
    /* a viewer's offending message is hidden whatever else is decided */
    if (body && strcmp(s->type, "viewer") == 0 && json_object_get(v, "event_id"))
        json_object_set(body, "hide_event_id", json_object_get(v, "event_id"));
    return body;
}

static json_t *notice_body(const char *id, json_t *m, const char *about, int has_webhook)
{
    int64_t start = lc_time_now(), by;
    if (lc_time_parse(lc_jstr(m, "starts_at"), &start) != LC_OK)
        start = lc_time_now();
    by = start + (int64_t)LC_APPEAL_DAYS * 86400;
    char deadline[LC_TIME_STRLEN];
    lc_time_format(by, deadline);
    json_t *facts = json_deep_copy(json_object_get(m, "facts"));
    json_t *ev = json_object_get(facts, "evidence");
    if (ev) /* the subject sees what was said, not who else was involved */
        json_object_del(ev, "cross_message");
    return json_pack("{s:s, s:s, s:O, s:O, s:O, s:O, s:o, s:s, s:O, s:O, s:O, "
                     "s:{s:s, s:s, s:s}, s:s, s:s}",
                     "id", id, "about", about, "measure_id", json_object_get(m, "id"),
                     "subject_type", json_object_get(m, "subject_type"), "subject_id",
                     json_object_get(m, "subject_id"), "agency_id",
                     json_object_get(m, "agency_id") ? json_object_get(m, "agency_id")
                                                     : json_null(),
                     "facts", facts ? facts : json_object(), "reason",
                     json_string_value(json_object_get(m, "reason"))
                         ? json_string_value(json_object_get(m, "reason"))
                         : "",
                     "legal_basis", json_object_get(m, "basis"), "measure",
                     json_object_get(m, "measure"), "expires_at",
                     json_object_get(m, "expires_at") ? json_object_get(m, "expires_at")
                                                      : json_null(),
                     "appeal", "how",
                     "your agency may appeal with POST /v1/appeals {\"measure_id\":...,"
                     "\"reason\":...}",
                     "by", deadline, "measure_id", json_string_value(json_object_get(m, "id")),
                     "status", has_webhook ? "pending" : "stored", "created_at",
                     json_string_value(json_object_get(m, "starts_at")));
}

static void fill_record(struct lc_record *r, const char *kind, const char *id, const char *scope,
                        const char *key, const char *ref, char *body, int64_t now)
{
    memset(r, 0, sizeof *r);
    snprintf(r->kind, sizeof r->kind, "%s", kind);
    snprintf(r->id, sizeof r->id, "%s", id);
    r->scope = scope && *scope ? (char *)scope : NULL;
    r->key = (char *)key;
    r->ref = (char *)ref;
    r->body = body;
    r->created_at = r->updated_at = now;
}

/* The violation record with status set to confirmed, for the same
 * transaction as the measure. */
static enum lc_err confirm_write(struct lc_record *vr, json_t *v, const char *by, int64_t now)
{
    char at[LC_TIME_STRLEN];
    lc_time_format(now, at);
    json_object_set_new(v, "status", json_string("confirmed"));
    json_object_set_new(v, "confirmed_at", json_string(at));
    json_object_set_new(v, "confirmed_by", json_string(by));
    char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text)
        return LC_ENOMEM;
    free(vr->body);
    free(vr->key);
    vr->body = text;
    vr->key = strdup("confirmed");
    vr->updated_at = now;
    return vr->key ? LC_OK : LC_ENOMEM;
}

/* Effects of a stored measure: the table, the notice queue, the cut. */
static void take_effect(struct lc_enforce *e, json_t *m, const char *notice_id)
{
    struct active a;
    lc_enforce_active_of(m, &a);
    pthread_mutex_lock(&e->mu);
    if (lasting(a.m) && lc_enforce_add_active(e, &a) != LC_OK)
        fprintf(stderr, "enforce: out of memory recording measure %s\n", a.id);
    if (e->notify && lc_enforce_add_pending(e, notice_id) != LC_OK)
        fprintf(stderr, "enforce: out of memory queueing notice %s\n", notice_id);
    e->stats.measures++;
    pthread_mutex_unlock(&e->mu);
    if (a.m == LC_M_BLACKLIST && a.key[0] && a.expires_at) {
        /* blacklisting is an entry in the registry's list (R12): the gate
         * and the registry see it like any other, keyed on the identity */
        char bid[LC_ID_MAX];
        struct lc_errinfo ei = {0};
        if (lc_registry_blacklist_key(e->reg, a.key, a.subject, lc_jstr(m, "reason"),
                                      lc_jstr(m, "basis"), a.expires_at, a.id, bid, &ei) != LC_OK)
            fprintf(stderr, "enforce: cannot blacklist for %s: %s\n", a.id, ei.message);
    }
    int stops = a.m == LC_M_SUSPEND || a.m == LC_M_BAN || a.m == LC_M_CLOSE ||
                a.m == LC_M_BLACKLIST;
    if (stops && a.room[0])
        lc_enforce_cut(e, a.room, a.id);
    lc_enforce_event(e, "measure.taken", a.id, lc_jstr(m, "decided_by"));
}

/* Counts a viewer measure in its room; 1 when the room now has had
 * CHAT_UNMANAGED of them inside the window and was not flagged in it. */
static int chat_overflow(struct lc_enforce *e, const char *room, int64_t now)
{
    int over = 0;
    pthread_mutex_lock(&e->mu);
    struct chatwatch *c = NULL;
    for (size_t i = 0; i < e->nchat && !c; i++)
        if (strcmp(e->chat[i].room, room) == 0)
            c = &e->chat[i];
    if (!c && e->nchat == e->capchat) {
        size_t cap = e->capchat ? e->capchat * 2 : 16;
        struct chatwatch *t = realloc(e->chat, cap * sizeof *t);
        if (t) {
            e->chat = t;
            e->capchat = cap;
        }
    }
    if (!c && e->nchat < e->capchat) {
        c = &e->chat[e->nchat++];
        memset(c, 0, sizeof *c);
        snprintf(c->room, sizeof c->room, "%s", room);
    }
    if (c) {
        size_t k = 0;
        for (size_t i = 0; i < c->n; i++) /* keep the window's */
            if (c->t[i] > now - CHAT_WINDOW_S)
                c->t[k++] = c->t[i];
        c->n = k;
        if (c->n == CHAT_UNMANAGED) /* full: the oldest goes */
            memmove(c->t, c->t + 1, --c->n * sizeof *c->t);
        c->t[c->n++] = now;
        over = c->n >= CHAT_UNMANAGED && c->flagged_at <= now - CHAT_WINDOW_S;
        if (over)
            c->flagged_at = now;
    }
    pthread_mutex_unlock(&e->mu);
    return over;
}

/* Stores an open violation of the room itself: its chat is not managed. */
static void room_violation(struct lc_enforce *e, json_t *m, json_t *ids)
{
    char id[LC_ID_MAX], now[LC_TIME_STRLEN];
    lc_id_new("violation", id);
    lc_time_format(lc_time_now(), now);
    json_t *v = json_pack("{s:s, s:O, s:O, s:O*, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
                          "s:{s:i, s:i}, s:s, s:s}",
                          "id", id, "room_id", json_object_get(m, "room_id"), "host_id",
                          json_object_get(m, "host_id") ? json_object_get(m, "host_id")
                                                        : json_null(),
                          "agency_id", json_object_get(m, "agency_id"), "event_type",
                          "room_chat", "rule", "ROOM-CHAT-0001", "category", "chat_management",
                          "severity", "medium", "action", "review", "basis",
                          "《直播电商监督管理办法》第三十一条第二款", "status", "open", "ts", now,
                          "evidence", "viewer_measures", CHAT_UNMANAGED, "window_s",
                          CHAT_WINDOW_S, "detected_at", now, "pack_version", "enforce");
    struct lc_record r = {0};
    snprintf(r.kind, sizeof r.kind, LC_K_VIOLATION);
    snprintf(r.id, sizeof r.id, "%s", id);
    r.scope = (char *)lc_jstr(m, "agency_id");
    r.key = "open";
    r.ref = (char *)lc_jstr(m, "room_id");
    r.body = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    r.created_at = r.updated_at = lc_time_now();
    if (r.body && lc_store_insert(e->store, &r) == LC_OK) {
        json_array_append_new(ids, json_string(id));
        lc_enforce_event(e, "violation.room_chat", id, "policy");
    }
    free(r.body);
    json_decref(v);
}

/* A measure decided but not yet stored: the violation's updated record,
 * the measure and its notice, ready to go into one transaction. */
struct prepared {
    struct lc_record vr; /* the violation, status set to confirmed */
    struct lc_record mr, nr;
    char mid[LC_ID_MAX], nid[LC_ID_MAX];
    char subject[LC_ID_MAX + 64], agency[LC_ID_MAX], category[64];
    json_t *m;           /* the measure body */
    double points;       /* what it adds to the subject */
    int ready;           /* a measure was decided (else it waits for a person) */
};

static void prepared_cleanup(struct prepared *p)
{
    lc_record_cleanup(&p->vr);
    free(p->mr.body);
    free(p->nr.body);
    json_decref(p->m);
    memset(p, 0, sizeof *p);
}

/* History not yet in the store: measures decided earlier in this batch. */
struct pending_history {
    const struct prepared *items;
    size_t n;
};

static void add_pending(const struct pending_history *ph, const char *subject,
                        const char *category, struct history *h)
{
    for (size_t i = 0; ph && i < ph->n; i++) {
        if (!ph->items[i].ready || strcmp(ph->items[i].subject, subject) != 0)
            continue;
        h->points += ph->items[i].points;
        if (strcmp(ph->items[i].category, category) == 0)
            h->repeats++;
    }
}

/* Decides the measure for violation vr (an open violation's stored record,
 * taken by p).  force: decide even if the rule is not automatic.  p->ready
 * is 0 when the rule waits for an operator. */
static enum lc_err prepare(struct lc_enforce *e, struct lc_record *vr, int force, const char *by,
                           const struct pending_history *ph, struct prepared *p,
                           struct lc_errinfo *ei)
{
    memset(p, 0, sizeof *p);
    p->vr = *vr;
    memset(vr, 0, sizeof *vr);
    json_t *v = json_loads(p->vr.body, 0, NULL), *n = NULL;
    if (!v)
        return LC_ECORRUPT;
    const char *status = lc_jstr(v, "status");
    if (!status || strcmp(status, "open") != 0) {
        lc_fail(ei, LC_ECONFLICT, "illegal_transition", "status", "the violation is %s, not open",
                status ? status : "unknown");
        json_decref(v); /* status points into v */
        return LC_ECONFLICT;
    }
    struct subject s;
    subject_of(e, v, &s);
    int64_t now = lc_time_now();
    struct history h = {e, lc_jstr(v, "category") ? lc_jstr(v, "category") : "", now, 0, 0};
    struct lc_query q = {.kind = LC_K_MEASURE, .ref = s.id};
    enum lc_err err = lc_store_list(e->store, &q, add_history, &h);
    add_pending(ph, s.id, h.category, &h);
    struct lc_policy_input in = {h.category, lc_jstr(v, "severity") ? lc_jstr(v, "severity") : "",
                                 s.type, h.points, h.repeats, s.tier};
    struct lc_policy_decision d;
    lc_policy_decide(e->policy, &in, &d);
    if (err != LC_OK || (!force && !d.automatic)) {
        json_decref(v);
        return err;
    }
    lc_id_new("measure", p->mid);
    lc_id_new("notice", p->nid);
    snprintf(p->subject, sizeof p->subject, "%s", s.id);
    snprintf(p->agency, sizeof p->agency, "%s", s.agency);
    snprintf(p->category, sizeof p->category, "%s", h.category);
    p->points = d.points;
    p->m = measure_body(p->mid, v, &s, &in, &d, lc_policy_version(e->policy), by, now);
    n = p->m ? notice_body(p->nid, p->m, "measure", e->notify != NULL) : NULL;
    err = p->m && n ? confirm_write(&p->vr, v, by, now) : LC_ENOMEM;
    char *mtext = p->m ? json_dumps(p->m, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    char *ntext = n ? json_dumps(n, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    fill_record(&p->mr, LC_K_MEASURE, p->mid, NULL, lasting(d.measure) ? "active" : "issued",
                NULL, mtext, now);
    fill_record(&p->nr, LC_K_NOTICE, p->nid, NULL, e->notify ? "pending" : "stored", NULL,
                ntext, now);
    if (err == LC_OK && (!mtext || !ntext))
        err = LC_ENOMEM;
    p->ready = err == LC_OK;
    json_decref(n);
    json_decref(v);
    return err;
}

/* The writes of prepared measures, in w[0..3n); scope/ref point into p. */
static size_t writes_of(struct prepared *p, size_t n, struct lc_write *w)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!p[i].ready)
            continue;
        p[i].mr.scope = p[i].nr.scope = p[i].agency[0] ? p[i].agency : NULL;
        p[i].mr.ref = p[i].nr.ref = p[i].subject;
        w[k++] = (struct lc_write){LC_WRITE_UPDATE, &p[i].vr};
        w[k++] = (struct lc_write){LC_WRITE_INSERT, &p[i].mr};
        w[k++] = (struct lc_write){LC_WRITE_INSERT, &p[i].nr};
    }
    return k;
}

/* Decides and applies a measure for violation vr (taken).  *out (may be
 * NULL) gets the measure, or NULL when the rule waits for an operator. */
static enum lc_err act_on(struct lc_enforce *e, struct lc_record *vr, int force, const char *by,
                          json_t **out, struct lc_errinfo *ei)
{
    struct prepared p;
    struct lc_write w[3];
    enum lc_err err = prepare(e, vr, force, by, NULL, &p, ei);
    if (err == LC_OK && p.ready) {
        err = lc_store_apply(e->store, w, writes_of(&p, 1, w));
        if (err == LC_ECONFLICT)
            lc_fail(ei, err, "illegal_transition", "status", "the violation changed meanwhile");
    }
    if (err == LC_OK && p.ready)
        take_effect(e, p.m, p.nid);
    else if (err != LC_OK && !ei->code[0])
        lc_fail(ei, err, "busy", "", "the measure could not be stored");
    if (out)
        *out = err == LC_OK && p.ready ? json_incref(p.m) : NULL;
    *vr = p.vr; /* the caller reads the updated violation */
    memset(&p.vr, 0, sizeof p.vr);
    prepared_cleanup(&p);
    return err;
}

enum lc_err lc_enforce_violations(struct lc_enforce *e, json_t *ids, json_t **measures)
{
    size_t n = json_array_size(ids), k = 0;
    struct prepared *p = calloc(n ? n : 1, sizeof *p);
    struct lc_write *w = calloc(n ? 3 * n : 1, sizeof *w);
    json_t *taken = json_array();
    enum lc_err err = p && w && taken ? LC_OK : LC_ENOMEM;
    /* decide them all, each seeing the ones before it, then store them in
     * one transaction: an ingest batch costs one commit */
    for (size_t i = 0; err == LC_OK && i < n; i++) {
        struct lc_record vr = {0};
        struct lc_errinfo ei = {0};
        const char *id = json_string_value(json_array_get(ids, i));
        struct pending_history ph = {p, k};
        if (!id || lc_store_get(e->store, LC_K_VIOLATION, id, &vr) != LC_OK)
            continue;
        if (prepare(e, &vr, 0, "policy", &ph, &p[k], &ei) != LC_OK && ei.code[0])
            fprintf(stderr, "enforce: violation %s: %s\n", id, ei.message);
        lc_record_cleanup(&vr);
        k++;
    }
    size_t nw = err == LC_OK ? writes_of(p, k, w) : 0;
    if (nw && lc_store_apply(e->store, w, nw) != LC_OK) {
        /* one of them changed meanwhile: fall back to one at a time */
        for (size_t i = 0; i < k; i++) {
            struct lc_errinfo ei = {0};
            json_t *m = NULL;
            if (!p[i].ready)
                continue;
            p[i].ready = 0;
            struct lc_record vr = {0};
            if (lc_store_get(e->store, LC_K_VIOLATION, p[i].vr.id, &vr) == LC_OK &&
                act_on(e, &vr, 0, "policy", &m, &ei) == LC_OK && m)
                json_array_append_new(taken, json_string(lc_jstr(m, "id")));
            json_decref(m);
            lc_record_cleanup(&vr);
        }
    }
    json_t *rooms = json_array();
    for (size_t i = 0; i < k; i++) {
        if (p[i].ready) {
            take_effect(e, p[i].m, p[i].nid);
            json_array_append_new(taken, json_string(p[i].mid));
            const char *type = lc_jstr(p[i].m, "subject_type"), *room = lc_jstr(p[i].m, "room_id");
            if (rooms && type && room && strcmp(type, "viewer") == 0 &&
                chat_overflow(e, room, lc_time_now()))
                room_violation(e, p[i].m, rooms);
        }
        prepared_cleanup(&p[i]);
    }
    free(p);
    free(w);
    /* the room's own violations go through the same policy */
    json_t *more = NULL;
    if (err == LC_OK && json_array_size(rooms) &&
        lc_enforce_violations(e, rooms, &more) == LC_OK)
        json_array_extend(taken, more);
    json_decref(more);
    json_decref(rooms);
    if (err != LC_OK) {
        json_decref(taken);
        return err;
    }
    *measures = taken;
    return LC_OK;
}

static enum lc_err get_violation(struct lc_enforce *e, const char *id, struct lc_record *vr,
                                 struct lc_errinfo *ei)
{
    enum lc_err err = lc_store_get(e->store, LC_K_VIOLATION, id ? id : "", vr);
    if (err == LC_ENOTFOUND)
        return lc_fail(ei, err, "not_found", "id", "no violation with that id");
    if (err != LC_OK)
        return lc_fail(ei, err, "busy", "", "the violation could not be read");
    return LC_OK;
}

enum lc_err lc_enforce_confirm(struct lc_enforce *e, const char *violation_id, const char *by,
                               json_t **out, struct lc_errinfo *ei)
{
    struct lc_record vr = {0};
    json_t *m = NULL;
    enum lc_err err = get_violation(e, violation_id, &vr, ei);
    if (err == LC_OK)
        err = act_on(e, &vr, 1, by, &m, ei);
    if (err == LC_OK) {
        json_t *v = json_loads(vr.body, 0, NULL);
        *out = json_pack("{s:o, s:o}", "violation", v ? v : json_null(), "measure",
                         m ? m : json_null());
        err = *out ? LC_OK : LC_ENOMEM;
    } else {
        json_decref(m);
    }
    lc_record_cleanup(&vr);
    return err;
}

enum lc_err lc_enforce_dismiss(struct lc_enforce *e, const char *violation_id, const char *by,
                               json_t **out, struct lc_errinfo *ei)
{
    char at[LC_TIME_STRLEN];
    lc_time_format(lc_time_now(), at);
    json_t *extra = json_pack("{s:s, s:s}", "dismissed_by", by, "dismissed_at", at);
    enum lc_err err = lc_enforce_set_status(e, LC_K_VIOLATION, violation_id ? violation_id : "",
                                            "open", "dismissed", extra, out);
    json_decref(extra);
    if (err == LC_ENOTFOUND)
        return lc_fail(ei, err, "not_found", "id", "no violation with that id");
    if (err == LC_ECONFLICT)
        return lc_fail(ei, err, "illegal_transition", "status", "only an open violation can be "
                                                                "dismissed");
    if (err == LC_OK)
        lc_enforce_event(e, "violation.dismissed", violation_id, by);
    return err == LC_OK ? err : lc_fail(ei, err, "busy", "", "could not store the decision");
}

enum lc_err lc_enforce_lift(struct lc_enforce *e, const char *measure_id, const char *by,
                            json_t **out, struct lc_errinfo *ei)
{
    char at[LC_TIME_STRLEN];
    lc_time_format(lc_time_now(), at);
    json_t *extra = json_pack("{s:s, s:s}", "lifted_by", by, "lifted_at", at);
    json_t *m = NULL;
    enum lc_err err = lc_enforce_set_status(e, LC_K_MEASURE, measure_id ? measure_id : "",
                                            "active", "lifted", extra, &m);
    json_decref(extra);
    if (err == LC_ENOTFOUND)
        return lc_fail(ei, err, "not_found", "id", "no measure with that id");
    if (err == LC_ECONFLICT)
        return lc_fail(ei, err, "not_active", "status",
                       "only a measure in force can be lifted (it expired, was lifted or "
                       "reversed, or has no lasting effect)");
    if (err != LC_OK)
        return lc_fail(ei, err, "busy", "", "could not store the decision");
    pthread_mutex_lock(&e->mu);
    lc_enforce_drop_active(e, measure_id);
    pthread_mutex_unlock(&e->mu);
    if (strcmp(lc_jstr(m, "measure") ? lc_jstr(m, "measure") : "", "blacklist") == 0)
        lc_enforce_unlist(e, measure_id, lc_jstr(m, "subject_key"));
    lc_enforce_event(e, "measure.lifted", measure_id, by);
    if (out)
        *out = m;
    else
        json_decref(m);
    return LC_OK;
}

/* ---- appeals ---- */

static const struct lc_jfield appeal_fields[] = {
    {"measure_id", LC_JSTR, true, LC_ID_MAX}, {"reason", LC_JSTR, true, 4000}, {NULL, 0, 0, 0}};

static enum lc_err read_body(struct lc_enforce *e, const char *kind, const char *id,
                             json_t **out)
{
    struct lc_record r = {0};
    enum lc_err err = lc_store_get(e->store, kind, id, &r);
    if (err == LC_OK && !(*out = json_loads(r.body, 0, NULL)))
        err = LC_ECORRUPT;
    lc_record_cleanup(&r);
    return err;
}

enum lc_err lc_enforce_appeal(struct lc_enforce *e, json_t *in, const char *agency,
                              const char *by, json_t **out, struct lc_errinfo *ei)
{
    enum lc_err err = lc_jsonv_check(in, appeal_fields, ei);
    json_t *m = NULL;
    if (err != LC_OK)
        return err;
    const char *mid = lc_jstr(in, "measure_id");
    err = read_body(e, LC_K_MEASURE, mid, &m);
    if (err != LC_OK)
        return lc_fail(ei, err, err == LC_ENOTFOUND ? "not_found" : "busy", "measure_id",
                       "no measure with that id");
    const char *owner = lc_jstr(m, "agency_id"), *status = lc_jstr(m, "status");
    int64_t start = 0, now = lc_time_now();
    if (lc_time_parse(lc_jstr(m, "starts_at"), &start) != LC_OK)
        start = now;
    if (agency && *agency && (!owner || strcmp(owner, agency) != 0))
        err = lc_fail(ei, LC_EDENIED, "forbidden", "measure_id",
                      "only the subject's own agency may appeal this measure");
    else if (status && strcmp(status, "reversed") == 0)
        err = lc_fail(ei, LC_ECONFLICT, "illegal_transition", "measure_id",
                      "the measure was already reversed");
    else if (now > start + (int64_t)LC_APPEAL_DAYS * 86400)
        err = lc_fail(ei, LC_ECONFLICT, "appeal_period_over", "measure_id",
                      "appeals are taken within %d days of the measure", LC_APPEAL_DAYS);
    char id[LC_ID_MAX], at[LC_TIME_STRLEN];
    /* one appeal per measure: the id is derived from the measure's */
    if (snprintf(id, sizeof id, "appeal_%s", strchr(mid, '_') ? strchr(mid, '_') + 1 : mid) >=
            (int)sizeof id &&
        err == LC_OK)
        err = lc_fail(ei, LC_EINVAL, "invalid_value", "measure_id", "not a measure id");
    lc_time_format(now, at);
    json_t *a = err == LC_OK ? json_pack("{s:s, s:s, s:O, s:O, s:o, s:s, s:s, s:s, s:s}", "id",
                                         id, "measure_id", mid, "violation_id",
                                         json_object_get(m, "violation_id"), "subject_id",
                                         json_object_get(m, "subject_id"), "agency_id",
                                         owner ? json_string(owner) : json_null(), "reason",
                                         lc_jstr(in, "reason"), "status", "pending", "by", by,
                                         "created_at", at)
                             : NULL;
    char *text = a ? json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (err == LC_OK && !text)
        err = LC_ENOMEM;
    if (err == LC_OK) {
        struct lc_record r;
        fill_record(&r, LC_K_APPEAL, id, owner, "pending", mid, text, now);
        err = lc_store_insert(e->store, &r);
        if (err == LC_ECONFLICT)
            lc_fail(ei, err, "already_appealed", "measure_id",
                    "this measure has been appealed already");
        else if (err != LC_OK)
            lc_fail(ei, err, "busy", "", "the appeal could not be stored");
    }
    if (err == LC_OK) {
        *out = json_incref(a);
        lc_enforce_event(e, "appeal.filed", id, by);
    }
    free(text);
    json_decref(a);
    json_decref(m);
    return err;
}

static const struct lc_jfield decide_fields[] = {
    {"outcome", LC_JSTR, true, 16}, {"note", LC_JSTR, false, 4000}, {NULL, 0, 0, 0}};

/* An upheld appeal: the measure is reversed and its effects lifted, the
 * violation dismissed, the correction recorded and the subject told. */
static enum lc_err reverse(struct lc_enforce *e, json_t *appeal, const char *by)
{
    const char *mid = lc_jstr(appeal, "measure_id"), *vid = lc_jstr(appeal, "violation_id");
    char at[LC_TIME_STRLEN], cid[LC_ID_MAX], nid[LC_ID_MAX];
    int64_t now = lc_time_now();
    lc_time_format(now, at);
    json_t *extra = json_pack("{s:s, s:s, s:O}", "reversed_at", at, "reversed_by", by,
                              "appeal_id", json_object_get(appeal, "id"));
    json_t *m = NULL;
    enum lc_err err = lc_enforce_set_status(e, LC_K_MEASURE, mid, NULL, "reversed", extra, &m);
    json_decref(extra);
    if (err != LC_OK)
        return err;
    pthread_mutex_lock(&e->mu);
    lc_enforce_drop_active(e, mid);
    pthread_mutex_unlock(&e->mu);
    if (strcmp(lc_jstr(m, "measure") ? lc_jstr(m, "measure") : "", "blacklist") == 0)
        lc_enforce_unlist(e, mid, lc_jstr(m, "subject_key"));
    extra = json_pack("{s:b, s:O}", "corrected", 1, "appeal_id", json_object_get(appeal, "id"));
    if (vid && lc_enforce_set_status(e, LC_K_VIOLATION, vid, NULL, "dismissed", extra, NULL) !=
                   LC_OK)
        fprintf(stderr, "enforce: cannot dismiss violation %s\n", vid);
    json_decref(extra);
    lc_id_new("correction", cid);
    lc_id_new("notice", nid);
    json_t *c = json_pack("{s:s, s:O, s:s, s:s?, s:s, s:s, s:s}", "id", cid, "appeal_id",
                          json_object_get(appeal, "id"), "measure_id", mid, "violation_id", vid,
                          "effects", "lifted", "by", by, "at", at);
    json_object_set_new(m, "reason", json_string("the measure was reversed on appeal"));
    json_t *n = notice_body(nid, m, "reversal", e->notify != NULL);
    char *ctext = c ? json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    char *ntext = n ? json_dumps(n, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    err = ctext && ntext ? LC_OK : LC_ENOMEM;
    if (err == LC_OK) {
        struct lc_record cr, nr;
        const char *agency = lc_jstr(m, "agency_id"), *subj = lc_jstr(m, "subject_id");
        fill_record(&cr, LC_K_CORRECTION, cid, agency, "appeal", mid, ctext, now);
        fill_record(&nr, LC_K_NOTICE, nid, agency, e->notify ? "pending" : "stored", subj, ntext,
                    now);
        struct lc_write w[2] = {{LC_WRITE_INSERT, &cr}, {LC_WRITE_INSERT, &nr}};
        err = lc_store_apply(e->store, w, 2);
    }
    if (err == LC_OK && e->notify) {
        pthread_mutex_lock(&e->mu);
        if (lc_enforce_add_pending(e, nid) != LC_OK)
            fprintf(stderr, "enforce: out of memory queueing notice %s\n", nid);
        pthread_mutex_unlock(&e->mu);
    }
    lc_enforce_event(e, "measure.reversed", mid, by);
    free(ctext);
    free(ntext);
    json_decref(c);
    json_decref(n);
    json_decref(m);
    return err;
}

enum lc_err lc_enforce_decide(struct lc_enforce *e, const char *appeal_id, json_t *in,
                              const char *by, json_t **out, struct lc_errinfo *ei)
{
    enum lc_err err = lc_jsonv_check(in, decide_fields, ei);
    if (err != LC_OK)
        return err;
    const char *outcome = lc_jstr(in, "outcome");
    if (strcmp(outcome, "upheld") != 0 && strcmp(outcome, "rejected") != 0)
        return lc_fail(ei, LC_EINVAL, "invalid_value", "outcome",
                       "outcome must be upheld or rejected");
    char at[LC_TIME_STRLEN];
    lc_time_format(lc_time_now(), at);
    json_t *extra = json_pack("{s:s, s:s, s:s}", "decided_by", by, "decided_at", at, "note",
                              lc_jstr(in, "note") ? lc_jstr(in, "note") : "");
    json_t *a = NULL;
    err = lc_enforce_set_status(e, LC_K_APPEAL, appeal_id ? appeal_id : "", "pending", outcome,
                                extra, &a);
    json_decref(extra);
    if (err == LC_ENOTFOUND)
        return lc_fail(ei, err, "not_found", "id", "no appeal with that id");
    if (err == LC_ECONFLICT)
        return lc_fail(ei, err, "illegal_transition", "status",
                       "the appeal was decided already");
    if (err == LC_OK && strcmp(outcome, "upheld") == 0)
        err = reverse(e, a, by);
    if (err != LC_OK) {
        json_decref(a);
        return lc_fail(ei, err, "busy", "", "the decision could not be stored");
    }
    lc_enforce_event(e, "appeal.decided", appeal_id, by);
    *out = a;
    return LC_OK;
}

/* ---- reports ---- */

struct report_ctx {
    json_t *items;
    size_t n;
};

static int add_disposal(void *ctx, const struct lc_record *r)
{
    struct report_ctx *c = ctx;
    json_t *b = json_loads(r->body, 0, NULL);
    if (!b)
        return 0;
    const char *m = lc_jstr(b, "measure");
    int provincial = m && (strcmp(m, "close") == 0 || strcmp(m, "rereg_ban") == 0 ||
                           strcmp(m, "blacklist") == 0);
    json_object_set_new(b, "provincial_report", json_boolean(provincial));
    json_object_del(b, "subject_key");
    json_array_append_new(c->items, b);
    return ++c->n >= 10000;
}

enum lc_err lc_enforce_disposals(struct lc_enforce *e, int64_t from, int64_t to, json_t **out,
                                 struct lc_errinfo *ei)
{
    if (to <= from)
        return lc_fail(ei, LC_EINVAL, "invalid_value", "to", "to must be after from");
    struct report_ctx c = {json_array(), 0};
    struct lc_query q = {.kind = LC_K_MEASURE, .from = from, .to = to};
    enum lc_err err = c.items ? lc_store_list(e->store, &q, add_disposal, &c) : LC_ENOMEM;
    if (err != LC_OK) {
        json_decref(c.items);
        return lc_fail(ei, err, "busy", "", "the report could not be read");
    }
    size_t flagged = 0, i;
    json_t *it;
    json_array_foreach(c.items, i, it)
        flagged += json_is_true(json_object_get(it, "provincial_report"));
    char f[LC_TIME_STRLEN], t[LC_TIME_STRLEN];
    lc_time_format(from, f);
    lc_time_format(to, t);
    *out = json_pack("{s:s, s:s, s:I, s:I, s:b, s:o}", "from", f, "to", t, "count",
                     (json_int_t)c.n, "provincial_report_count", (json_int_t)flagged,
                     "truncated", c.n >= 10000, "items", c.items);
    return *out ? LC_OK : LC_ENOMEM;
}
