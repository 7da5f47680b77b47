/* retention.c -- the retention index, legal holds, extensions and purge.
 *
 * The index is derived from the records alone, in log order, so it is
 * rebuilt on open and every change to it (an order completing, a hold, a
 * release, an extension, a purge) is a record in the log: the audit trail
 * SEC 17a-4 asks for comes for free.  See archive.h for the model. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/archive_int.h"
#include "core/id.h"
#include "core/jsonv.h"
#include "core/time.h"

#define PURGE_CHUNK 10000 /* record indexes per purge record */
#define NOMEM (-2)       /* a group lookup that ran out of memory (NO_ID is -1) */

static int64_t ts_of(json_t *rec)
{
    int64_t t = 0;
    if (lc_time_parse(json_string_value(json_object_get(rec, "ts")), &t) != LC_OK)
        t = 0;
    return t;
}

static int32_t intern_field(struct lc_archive *a, json_t *data, const char *field)
{
    const char *s = json_string_value(json_object_get(data, field));
    return s && *s ? lc_strtab_intern(&a->strs, s) : NO_ID;
}

/* Grows the arrays indexed by string id to cover sid. */
static int cover(struct lc_archive *a, int32_t sid)
{
    if ((size_t)sid < a->capgroup_of)
        return 0;
    size_t cap = a->capgroup_of ? a->capgroup_of : 64;
    while (cap <= (size_t)sid)
        cap *= 2;
    int32_t *g = realloc(a->group_of, cap * sizeof *g);
    if (g)
        a->group_of = g;
    int32_t *l = g ? realloc(a->live_of, cap * sizeof *l) : NULL;
    if (!l)
        return -1;
    a->live_of = l;
    for (size_t i = a->capgroup_of; i < cap; i++)
        g[i] = l[i] = NO_ID;
    a->capgroup_of = cap;
    return 0;
}

/* The group called prefix+name, created on first use; NOMEM on failure. */
static int32_t group(struct lc_archive *a, const char *prefix, const char *name)
{
    char full[600];
    snprintf(full, sizeof full, "%s%s", prefix, name);
    int32_t sid = lc_strtab_intern(&a->strs, full);
    if (sid == NO_ID || cover(a, sid) != 0)
        return NOMEM;
    if (a->group_of[sid] != NO_ID)
        return a->group_of[sid];
    if (a->ngroups == a->capgroups) {
        size_t cap = a->capgroups ? a->capgroups * 2 : 64;
        struct group *g = realloc(a->groups, cap * sizeof *g);
        if (!g)
            return NOMEM;
        a->groups = g;
        a->capgroups = cap;
    }
    int session = strcmp(prefix, "order:") != 0;
    a->groups[a->ngroups] =
        (struct group){.name = sid, .room = NO_ID, .session = (uint8_t)session, .open = !session};
    return a->group_of[sid] = (int32_t)a->ngroups++;
}

static int32_t find_group(struct lc_archive *a, const char *name)
{
    int32_t sid = lc_strtab_find(&a->strs, name);
    return sid == NO_ID || (size_t)sid >= a->capgroup_of ? NO_ID : a->group_of[sid];
}

/* An order event moves its order (and the session it was placed in). */
static void order_state(struct lc_archive *a, int32_t og, const char *state, int64_t ts)
{
    struct group *o = &a->groups[og];
    struct group *s = o->room != NO_ID ? &a->groups[o->room] : NULL;
    int done = strcmp(state, "completed") == 0 || strcmp(state, "refunded") == 0;
    if (done) {
        if (o->completed < ts)
            o->completed = ts;
        if (s && s->completed < ts)
            s->completed = ts;
        if (o->open && s)
            s->open_orders--;
        o->open = 0;
    } else if (strcmp(state, "after_sale") == 0 && !o->open) {
        o->open = 1; /* the transaction is not complete again: an event hold */
        if (s)
            s->open_orders++;
    }
}

static enum lc_err add_hold(struct lc_archive *a, json_t *data)
{
    if (a->nholds == a->capholds) {
        size_t cap = a->capholds ? a->capholds * 2 : 16;
        struct hold *h = realloc(a->holds, cap * sizeof *h);
        if (!h)
            return LC_ENOMEM;
        a->holds = h;
        a->capholds = cap;
    }
    struct hold *h = &a->holds[a->nholds];
    memset(h, 0, sizeof *h);
    snprintf(h->target, sizeof h->target, "%s", lc_jstr(data, "target") ? lc_jstr(data, "target") : "");
    h->id = intern_field(a, data, "id");
    h->value = intern_field(a, data, "value");
    h->obj = json_deep_copy(data);
    if (!h->obj)
        return LC_ENOMEM;
    json_object_set_new(h->obj, "active", json_true());
    h->active = 1;
    a->nholds++;
    return LC_OK;
}

static void release_hold(struct lc_archive *a, json_t *data)
{
    int32_t id = intern_field(a, data, "id");
    for (size_t i = 0; i < a->nholds; i++)
        if (a->holds[i].id == id && a->holds[i].active) {
            a->holds[i].active = 0;
            json_object_set_new(a->holds[i].obj, "active", json_false());
            json_object_set(a->holds[i].obj, "released_by", json_object_get(data, "by"));
            json_object_set(a->holds[i].obj, "released_at", json_object_get(data, "at"));
        }
}

static void internal_record(struct lc_archive *a, const char *type, json_t *data,
                            enum lc_err *err)
{
    if (strcmp(type, "hold") == 0) {
        *err = add_hold(a, data);
    } else if (strcmp(type, "hold_release") == 0) {
        release_hold(a, data);
    } else if (strcmp(type, "retention_extend") == 0) {
        int64_t until;
        int32_t g = find_group(a, lc_jstr(data, "group") ? lc_jstr(data, "group") : "");
        if (g != NO_ID && lc_time_parse(lc_jstr(data, "until"), &until) == LC_OK &&
            a->groups[g].extended < until)
            a->groups[g].extended = until;
    } else if (strcmp(type, "purge") == 0) {
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(data, "records"), i, v) {
            json_int_t idx = json_integer_value(v);
            if (idx >= 0 && (size_t)idx < a->nmeta)
                a->meta[idx].flags |= RF_PURGED;
        }
    }
}

/* The session a room's record belongs to: its live session, else the
 * room's bucket for that day. */
static int32_t session_of(struct lc_archive *a, int32_t room, int64_t ts)
{
    if (cover(a, room) != 0)
        return NOMEM;
    if (a->live_of[room] != NO_ID)
        return a->live_of[room];
    char day[LC_TIME_STRLEN], name[600];
    lc_time_format(ts, day);
    day[10] = 0;
    snprintf(name, sizeof name, "%s@%s", a->strs.str[room], day);
    return group(a, "room:", name);
}

/* Gate decisions open and end live sessions (the decision is the session's
 * record; publish_done updates it to "ended"). */
static int32_t decision(struct lc_archive *a, json_t *data, int32_t room, int64_t *ts)
{
    const char *id = lc_jstr(data, "id"), *status = lc_jstr(data, "status");
    if (!id || !status || room == NO_ID)
        return NO_ID;
    if (cover(a, room) != 0)
        return NOMEM;
    int32_t g = group(a, "session:", id);
    if (g < 0)
        return NOMEM;
    if (strcmp(status, "live") == 0) {
        a->groups[g].live = 1;
        a->live_of[room] = g;
    } else {
        int64_t end;
        if (lc_time_parse(lc_jstr(data, "ended_at"), &end) == LC_OK)
            *ts = end;
        a->groups[g].live = 0;
        if (a->live_of[room] == g)
            a->live_of[room] = NO_ID;
    }
    return g;
}

enum lc_err lc_archive_index(struct lc_archive *a, uint64_t idx, json_t *rec, int has_key)
{
    if (idx != a->nmeta)
        return LC_EINVAL; /* the index must see records in order */
    if (a->nmeta == a->capmeta) {
        size_t cap = a->capmeta ? a->capmeta * 2 : 1024;
        struct rec_meta *m = realloc(a->meta, cap * sizeof *m);
        if (!m)
            return LC_ENOMEM;
        a->meta = m;
        a->capmeta = cap;
    }
    json_t *data = json_object_get(rec, "data");
    const char *type = json_string_value(json_object_get(rec, "type"));
    struct rec_meta m = {intern_field(a, data, "order_id"), intern_field(a, data, "room_id"),
                         intern_field(a, data, "host_id"), NO_ID, NO_ID,
                         has_key ? RF_KEY : 0};
    int64_t ts = ts_of(rec);
    if (type && strcmp(type, "decision") == 0)
        m.sg = decision(a, data, m.room, &ts);
    if (m.order != NO_ID) {
        if ((m.og = group(a, "order:", a->strs.str[m.order])) < 0)
            return LC_ENOMEM;
        struct group *o = &a->groups[m.og];
        if (o->room == NO_ID && m.room != NO_ID) { /* placed now: link its session */
            int32_t s = session_of(a, m.room, ts);
            if (s < 0)
                return LC_ENOMEM;
            a->groups[m.og].room = s;
            if (a->groups[m.og].open)
                a->groups[s].open_orders++;
        }
        m.sg = a->groups[m.og].room;
    } else if (m.room != NO_ID && m.sg == NO_ID) {
        m.sg = session_of(a, m.room, ts);
    }
    if (m.sg == NOMEM)
        return LC_ENOMEM;
    if (m.og != NO_ID)
        a->groups[m.og].nrec++;
    if (m.sg != NO_ID) {
        struct group *s = &a->groups[m.sg];
        s->nrec++;
        if (s->last_ts < ts)
            s->last_ts = ts;
    }
    enum lc_err err = LC_OK;
    if (type && strcmp(type, "order") == 0 && m.og != NO_ID && lc_jstr(data, "state"))
        order_state(a, m.og, lc_jstr(data, "state"), ts);
    else if (type && m.order == NO_ID && m.room == NO_ID)
        internal_record(a, type, data, &err);
    a->meta[a->nmeta++] = m;
    return err;
}

void lc_archive_index_cleanup(struct lc_archive *a)
{
    for (size_t i = 0; i < a->nholds; i++)
        json_decref(a->holds[i].obj);
    free(a->holds);
    free(a->meta);
    free(a->groups);
    free(a->group_of);
    free(a->live_of);
    lc_strtab_cleanup(&a->strs);
}

/* ---- questions ---- */

/* 0 while open, else the time the group's retention ends. */
static int64_t group_until(const struct group *g)
{
    int64_t base;
    if (g->session ? g->live || g->open_orders > 0 : g->open)
        return 0; /* an event hold: the clock has not started */
    if (g->session)
        base = g->last_ts > g->completed ? g->last_ts : g->completed;
    else
        base = g->completed;
    int64_t until = base + LC_ARCHIVE_KEEP_SECONDS;
    return g->extended > until ? g->extended : until;
}

static int held(struct lc_archive *a, const struct rec_meta *m)
{
    for (size_t i = 0; i < a->nholds; i++) {
        const struct hold *h = &a->holds[i];
        if (!h->active || h->value == NO_ID)
            continue;
        if ((strcmp(h->target, "order_id") == 0 && h->value == m->order) ||
            (strcmp(h->target, "room_id") == 0 && h->value == m->room) ||
            (strcmp(h->target, "host_id") == 0 && h->value == m->host))
            return 1;
    }
    return 0;
}

static int group_expired(struct lc_archive *a, int32_t g, int64_t now)
{
    int64_t until = group_until(&a->groups[g]);
    return until && now >= until;
}

/* Why record idx may not be purged at now, or NULL if it may: "nothing"
 * (no key left), "no_retention", "retention_not_expired", "legal_hold". */
static const char *purge_block(struct lc_archive *a, uint64_t idx, int64_t now)
{
    const struct rec_meta *m = &a->meta[idx];
    if (!(m->flags & RF_KEY) || (m->flags & RF_PURGED))
        return "nothing";
    if (m->og == NO_ID && m->sg == NO_ID)
        return "no_retention";
    if ((m->og != NO_ID && !group_expired(a, m->og, now)) ||
        (m->sg != NO_ID && !group_expired(a, m->sg, now)))
        return "retention_not_expired";
    if (held(a, m))
        return "legal_hold";
    return NULL;
}

enum lc_err lc_archive_retention(struct lc_archive *a, const char *name, int64_t now,
                                 json_t **out, struct lc_errinfo *e)
{
    pthread_mutex_lock(&a->mu);
    int32_t g = find_group(a, name ? name : "");
    enum lc_err err = LC_OK;
    if (g == NO_ID) {
        err = lc_fail(e, LC_ENOTFOUND, "not_found", "group", "no retention group %s",
                      name ? name : "");
    } else {
        int64_t until = group_until(&a->groups[g]);
        int any_held = 0;
        for (size_t i = 0; i < a->nmeta && !any_held; i++)
            if ((a->meta[i].og == g || a->meta[i].sg == g) && held(a, &a->meta[i]))
                any_held = 1;
        char buf[LC_TIME_STRLEN];
        if (until)
            lc_time_format(until, buf);
        *out = json_pack("{s:s, s:s, s:s?, s:I, s:b}", "group", name, "state",
                         !until ? "open" : now >= until ? "expired" : "retained", "until",
                         until ? buf : NULL, "records", (json_int_t)a->groups[g].nrec, "held",
                         any_held);
        if (!*out)
            err = LC_ENOMEM;
    }
    pthread_mutex_unlock(&a->mu);
    return err;
}

enum lc_err lc_archive_extend(struct lc_archive *a, const char *name, int64_t until,
                              const char *by, struct lc_errinfo *e)
{
    pthread_mutex_lock(&a->mu);
    int32_t g = find_group(a, name ? name : "");
    int64_t cur = g == NO_ID ? 0 : group_until(&a->groups[g]);
    pthread_mutex_unlock(&a->mu);
    if (g == NO_ID)
        return lc_fail(e, LC_ENOTFOUND, "not_found", "group", "no retention group %s",
                       name ? name : "");
    if (cur && until <= cur)
        return lc_fail(e, LC_ECONFLICT, "retention_shortening", "until",
                       "retention can be extended, never shortened");
    char buf[LC_TIME_STRLEN];
    lc_time_format(until, buf);
    json_t *data = json_pack("{s:s, s:s, s:s}", "group", name, "until", buf, "by", by);
    enum lc_err err = data ? lc_archive_note_record(a, "retention_extend", data, NULL) : LC_ENOMEM;
    return err == LC_OK ? LC_OK : lc_fail(e, err, "archive_failed", "", "cannot log it");
}

/* ---- holds ---- */

static const struct lc_jfield hold_fields[] = {
    {"order_id", LC_JSTR, false, 128}, {"room_id", LC_JSTR, false, 128},
    {"host_id", LC_JSTR, false, 128},  {"case_id", LC_JSTR, true, 128},
    {"reason", LC_JSTR, true, 1000},   {NULL, 0, 0, 0}};

enum lc_err lc_archive_hold(struct lc_archive *a, json_t *in, const char *by, json_t **out,
                            struct lc_errinfo *e)
{
    enum lc_err err = lc_jsonv_check(in, hold_fields, e);
    if (err != LC_OK)
        return err;
    const char *targets[] = {"order_id", "room_id", "host_id"}, *target = NULL;
    int count = 0;
    for (int i = 0; i < 3; i++)
        if (lc_jstr(in, targets[i]) && *lc_jstr(in, targets[i]))
            target = targets[i], count++;
    if (count != 1)
        return lc_fail(e, LC_EINVAL, "invalid_value", "order_id",
                       "a hold names exactly one of order_id, room_id, host_id");
    char id[LC_ID_MAX], now[LC_TIME_STRLEN];
    lc_id_new("hold", id);
    lc_time_format(lc_time_now(), now);
    json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "target", target,
                             "value", lc_jstr(in, target), "case_id", lc_jstr(in, "case_id"),
                             "reason", lc_jstr(in, "reason"), "by", by, "created_at", now);
    if (!data)
        return LC_ENOMEM;
    json_t *copy = json_deep_copy(data);
    err = lc_archive_note_record(a, "hold", data, NULL);
    if (err != LC_OK) {
        json_decref(copy);
        return lc_fail(e, err, "archive_failed", "", "the hold could not be logged");
    }
    json_object_set_new(copy, "active", json_true());
    *out = copy;
    return LC_OK;
}

enum lc_err lc_archive_hold_release(struct lc_archive *a, const char *id, const char *by,
                                    json_t **out, struct lc_errinfo *e)
{
    pthread_mutex_lock(&a->mu);
    int32_t sid = lc_strtab_find(&a->strs, id ? id : "");
    int found = 0;
    for (size_t i = 0; i < a->nholds && sid != NO_ID; i++)
        if (a->holds[i].id == sid && a->holds[i].active)
            found = 1;
    pthread_mutex_unlock(&a->mu);
    if (!found)
        return lc_fail(e, LC_ENOTFOUND, "not_found", "id", "no active hold with that id");
    char now[LC_TIME_STRLEN];
    lc_time_format(lc_time_now(), now);
    json_t *data = json_pack("{s:s, s:s, s:s}", "id", id, "by", by, "at", now);
    enum lc_err err = data ? lc_archive_note_record(a, "hold_release", data, NULL) : LC_ENOMEM;
    if (err != LC_OK)
        return lc_fail(e, err, "archive_failed", "", "the release could not be logged");
    pthread_mutex_lock(&a->mu);
    for (size_t i = 0; i < a->nholds; i++)
        if (a->holds[i].id == sid)
            *out = json_deep_copy(a->holds[i].obj);
    pthread_mutex_unlock(&a->mu);
    return *out ? LC_OK : LC_ENOMEM;
}

json_t *lc_archive_holds(struct lc_archive *a)
{
    json_t *arr = json_array();
    pthread_mutex_lock(&a->mu);
    for (size_t i = a->nholds; i-- > 0 && arr;)
        json_array_append(arr, a->holds[i].obj);
    pthread_mutex_unlock(&a->mu);
    return arr;
}

/* ---- purge ---- */

/* Logs the purge of idx[0..n) (in chunks), then destroys the keys. */
static enum lc_err purge_records(struct lc_archive *a, const uint64_t *idx, size_t n,
                                 const char *group, const char *by)
{
    enum lc_err err = LC_OK;
    for (size_t off = 0; off < n && err == LC_OK; off += PURGE_CHUNK) {
        json_t *list = json_array();
        for (size_t i = off; i < n && i < off + PURGE_CHUNK && list; i++)
            json_array_append_new(list, json_integer((json_int_t)idx[i]));
        json_t *data = list ? json_pack("{s:o, s:s?, s:s}", "records", list, "group", group,
                                        "by", by)
                            : NULL;
        err = data ? lc_archive_note_record(a, "purge", data, NULL) : LC_ENOMEM;
    }
    for (size_t i = 0; i < n && err == LC_OK; i++)
        err = lc_seglog_key_destroy(a->log, idx[i]);
    return err;
}

static enum lc_err collect(struct lc_archive *a, int32_t g, int64_t now, uint64_t **out,
                           size_t *n, const char **blocked)
{
    uint64_t *list = NULL;
    size_t cnt = 0, cap = 0;
    *blocked = NULL;
    for (size_t i = 0; i < a->nmeta; i++) {
        if (g != NO_ID && a->meta[i].og != g && a->meta[i].sg != g)
            continue;
        const char *why = purge_block(a, i, now);
        if (why && strcmp(why, "nothing") == 0)
            continue;
        if (why) {
            if (g != NO_ID && !*blocked)
                *blocked = why;
            continue;
        }
        if (cnt == cap) {
            cap = cap ? cap * 2 : 256;
            uint64_t *l = realloc(list, cap * sizeof *l);
            if (!l) {
                free(list);
                return LC_ENOMEM;
            }
            list = l;
        }
        list[cnt++] = i;
    }
    *out = list;
    *n = cnt;
    return LC_OK;
}

enum lc_err lc_archive_purge_group(struct lc_archive *a, const char *name, int64_t now,
                                   const char *by, size_t *purged, struct lc_errinfo *e)
{
    uint64_t *list = NULL;
    size_t n = 0;
    const char *blocked = NULL;
    pthread_mutex_lock(&a->mu);
    int32_t g = find_group(a, name ? name : "");
    int expired = g != NO_ID && group_expired(a, g, now);
    enum lc_err err = g != NO_ID && expired ? collect(a, g, now, &list, &n, &blocked) : LC_OK;
    pthread_mutex_unlock(&a->mu);
    if (g == NO_ID)
        return lc_fail(e, LC_ENOTFOUND, "not_found", "group", "no retention group %s",
                       name ? name : "");
    if (!expired)
        blocked = "retention_not_expired";
    if (err == LC_OK && blocked)
        err = lc_fail(e, LC_EDENIED, blocked, "group",
                      strcmp(blocked, "legal_hold") == 0
                          ? "a legal hold covers records of this group"
                          : "the retention period of this group (or of another group its "
                            "records belong to) has not ended");
    if (err == LC_OK)
        err = purge_records(a, list, n, name, by);
    if (err == LC_OK && purged)
        *purged = n;
    free(list);
    if (err != LC_OK && !e->code[0])
        lc_fail(e, err, "archive_failed", "", "the purge could not be completed");
    return err;
}

enum lc_err lc_archive_purge_expired(struct lc_archive *a, int64_t now, const char *by,
                                     size_t *purged, struct lc_errinfo *e)
{
    uint64_t *list = NULL;
    size_t n = 0;
    const char *blocked;
    pthread_mutex_lock(&a->mu);
    enum lc_err err = collect(a, NO_ID, now, &list, &n, &blocked);
    pthread_mutex_unlock(&a->mu);
    if (err == LC_OK && n)
        err = purge_records(a, list, n, NULL, by);
    if (err == LC_OK && purged)
        *purged = n;
    free(list);
    if (err != LC_OK)
        lc_fail(e, err, "archive_failed", "", "the purge could not be completed");
    return err;
}
