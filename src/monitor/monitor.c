/* monitor.c -- the scan API, event ingestion and violations.
 *
 * Each thread keeps its own rules scanner (a pthread key).  Cross-message
 * detection joins a sender's recent messages (window.h) and keeps only the
 * hits that straddle the boundary into the newest message, so a hit is never
 * reported twice. */
#include "monitor/monitor.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/id.h"
#include "core/jsonv.h"
#include "monitor/event.h"
#include "monitor/window.h"
#include "text/text.h"

#define WINDOW_KEYS 65536

struct lc_monitor {
    struct lc_store *store;
    struct lc_registry *reg;
    struct lc_rules_live *rules;
    struct lc_log *events;
    struct lc_window *window;
    pthread_key_t scanner; /* the calling thread's struct lc_scanner */
};

static void scanner_free(void *p)
{
    lc_scanner_free(p);
}

enum lc_err lc_monitor_new(struct lc_store *store, struct lc_registry *reg,
                           struct lc_rules_live *rules, struct lc_log *events,
                           struct lc_monitor **out)
{
    struct lc_monitor *m = calloc(1, sizeof *m);
    if (!m)
        return LC_ENOMEM;
    *m = (struct lc_monitor){store, reg, rules, events, NULL, 0};
    if (lc_window_new(WINDOW_KEYS, &m->window) != LC_OK ||
        pthread_key_create(&m->scanner, scanner_free) != 0) {
        lc_window_free(m->window);
        free(m);
        return LC_ENOMEM;
    }
    *out = m;
    return LC_OK;
}

void lc_monitor_free(struct lc_monitor *m)
{
    if (!m)
        return;
    struct lc_scanner *sc = pthread_getspecific(m->scanner);
    lc_scanner_free(sc);
    pthread_key_delete(m->scanner);
    lc_window_free(m->window);
    free(m);
}

static struct lc_scanner *scanner(struct lc_monitor *m)
{
    struct lc_scanner *sc = pthread_getspecific(m->scanner);
    if (!sc && lc_scanner_new(&sc) == LC_OK && pthread_setspecific(m->scanner, sc) != 0) {
        lc_scanner_free(sc);
        sc = NULL;
    }
    return sc;
}

/* One piece of text to moderate, with where it came from. */
struct text_in {
    const char *text;
    const char *kind;   /* chat, transcript, product_title, ... */
    const char *domain; /* optional declared domain */
    const char *room;   /* optional: enables the cross-message window */
    const char *user;   /* optional: the sender within the room */
    int64_t ts;
};

static enum lc_verdict stronger(enum lc_verdict a, enum lc_verdict b)
{
    return a > b ? a : b;
}

static enum lc_verdict verdict_of_action(const char *action)
{
    if (action && !strcmp(action, "block"))
        return LC_VERDICT_BLOCK;
    return action && !strcmp(action, "review") ? LC_VERDICT_REVIEW : LC_VERDICT_PASS;
}

/* Scans the sender's recent messages joined to this one; appends to hits
 * the hits that cross into this message and raises *v accordingly. */
static enum lc_err cross_message(struct lc_monitor *m, const struct lc_ruleset *rs,
                                 struct lc_scanner *sc, const struct text_in *t,
                                 enum lc_verdict *v, json_t *hits)
{
    char key[256], *joined = NULL;
    size_t prefix = 0, len = strlen(t->text);
    snprintf(key, sizeof key, "%s/%s", t->room, t->user ? t->user : "~");
    enum lc_err err = lc_window_push(m->window, key, t->ts, t->text, len, &joined, &prefix);
    if (err != LC_OK || !joined)
        return err;
    struct lc_scan_item item = {joined, strlen(joined), t->kind, t->domain};
    enum lc_verdict jv;
    json_t *jhits = NULL;
    size_t bad = 0;
    err = lc_rules_scan(rs, sc, &item, &jv, &jhits, &bad);
    size_t i;
    json_t *h;
    json_array_foreach(jhits, i, h) {
        json_int_t s = json_integer_value(json_object_get(h, "start"));
        json_int_t e = json_integer_value(json_object_get(h, "end"));
        if (s >= (json_int_t)prefix || e <= (json_int_t)prefix || json_object_get(h, "exempted_by"))
            continue;
        /* offsets relative to this message: the start lies in an earlier one */
        json_object_set_new(h, "start", json_integer(s - (json_int_t)prefix));
        json_object_set_new(h, "end", json_integer(e - (json_int_t)prefix));
        json_object_set_new(h, "cross_message", json_true());
        *v = stronger(*v, verdict_of_action(lc_jstr(h, "action")));
        json_array_append(hits, h);
    }
    json_decref(jhits);
    free(joined);
    return err == LC_EINVAL ? LC_OK : err; /* earlier text was valid: cannot happen */
}

/* Moderates one text: *verdict, and *hits a new array.  LC_EINVAL (invalid
 * UTF-8) and LC_ETOOBIG come back for the caller to report. */
static enum lc_err moderate(struct lc_monitor *m, const struct lc_ruleset *rs,
                            const struct text_in *t, enum lc_verdict *verdict, json_t **hits,
                            size_t *bad)
{
    struct lc_scanner *sc = scanner(m);
    if (!sc)
        return LC_ENOMEM;
    struct lc_scan_item item = {t->text, strlen(t->text), t->kind, t->domain};
    enum lc_err err = lc_rules_scan(rs, sc, &item, verdict, hits, bad);
    if (err == LC_OK && t->room)
        err = cross_message(m, rs, sc, t, verdict, *hits);
    if (err != LC_OK) {
        json_decref(*hits);
        *hits = NULL;
    }
    return err;
}

/* ---- POST /v1/scan ---------------------------------------------------- */

static const struct lc_jfield scan_item_fields[] = {
    {"text", LC_JSTR, true, 1u << 20},     {"kind", LC_JSTR, false, 32},
    {"room_id", LC_JSTR, false, LC_ID_MAX}, {"user_id", LC_JSTR, false, 128},
    {"domain", LC_JSTR, false, 32},         {NULL, 0, 0, 0}};
static const struct lc_jfield scan_batch_fields[] = {{"items", LC_JARR, true, 0},
                                                     {NULL, 0, 0, 0}};

#define SCAN_BATCH_MAX 1000

static json_t *normalized_of(const char *text)
{
    struct lc_norm n;
    lc_norm_init(&n);
    json_t *out = lc_text_normalize_unmapped(text, strlen(text), &n, NULL) == LC_OK
                      ? json_stringn(n.text, n.len)
                      : json_null();
    lc_norm_cleanup(&n);
    return out;
}

/* Prefixes e->field with "items[i]." for batch errors. */
static void item_field(struct lc_errinfo *e, long i)
{
    char f[sizeof e->field + 32];
    if (i < 0)
        return;
    snprintf(f, sizeof f, "items[%ld]%s%s", i, e->field[0] ? "." : "", e->field);
    memcpy(e->field, f, sizeof e->field - 1);
    e->field[sizeof e->field - 1] = '\0';
}

static enum lc_err scan_one(struct lc_monitor *m, const struct lc_ruleset *rs, json_t *it,
                            long index, json_t *results, struct lc_errinfo *e)
{
    enum lc_err err = json_is_object(it) ? lc_jsonv_check(it, scan_item_fields, e)
                                         : lc_fail(e, LC_EINVAL, "wrong_type", "",
                                                   "each item must be an object");
    if (err != LC_OK) {
        e->status = 400;
        item_field(e, index);
        return err;
    }
    struct text_in t = {lc_jstr(it, "text"), lc_jstr(it, "kind") ? lc_jstr(it, "kind") : "chat",
                        lc_jstr(it, "domain"), lc_jstr(it, "room_id"), lc_jstr(it, "user_id"),
                        lc_time_now()};
    enum lc_verdict v;
    json_t *hits = NULL;
    size_t bad = 0;
    err = moderate(m, rs, &t, &v, &hits, &bad);
    if (err == LC_EINVAL || err == LC_ETOOBIG) {
        lc_fail(e, LC_EINVAL, err == LC_EINVAL ? "invalid_utf8" : "too_long", "text",
                err == LC_EINVAL ? "text is not valid UTF-8" : "text is over 1 MiB");
        e->status = 400;
        item_field(e, index);
        return LC_EINVAL;
    }
    if (err != LC_OK)
        return lc_fail(e, err, "internal", "", "the scan failed");
    json_array_append_new(results, json_pack("{s:s, s:o, s:o}", "verdict", lc_verdict_name(v),
                                             "hits", hits, "normalized",
                                             normalized_of(t.text)));
    return LC_OK;
}

enum lc_err lc_monitor_scan(struct lc_monitor *m, json_t *in, json_t **out, struct lc_errinfo *e)
{
    json_t *items = json_object_get(in, "items");
    bool batch = items != NULL;
    enum lc_err err = lc_jsonv_check(in, batch ? scan_batch_fields : scan_item_fields, e);
    if (err != LC_OK)
        return err;
    if (batch && (json_array_size(items) == 0 || json_array_size(items) > SCAN_BATCH_MAX)) {
        lc_fail(e, LC_EINVAL, "invalid_value", "items", "items must hold 1 to 1000 texts");
        e->status = 400;
        return LC_EINVAL;
    }
    const struct lc_ruleset *rs = lc_rules_acquire(m->rules);
    json_t *results = json_array();
    if (!batch) {
        err = scan_one(m, rs, in, -1, results, e);
    } else {
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it) {
            if ((err = scan_one(m, rs, it, (long)i, results, e)) != LC_OK)
                break;
        }
    }
    if (err == LC_OK)
        *out = json_pack("{s:s, s:o}", "version", lc_ruleset_version(rs), "results", results);
    else
        json_decref(results);
    lc_rules_release(m->rules, rs);
    return err;
}

/* ---- POST /v1/events -------------------------------------------------- */

/* What one batch collects before its single transaction. */
struct batch {
    struct lc_record *recs;
    size_t n, cap;
    json_t *rejected, *violation_ids;
    size_t accepted;
};

static enum lc_err add_record(struct batch *b, const char *kind, const char *id,
                              const char *scope, const char *key, const char *ref,
                              json_t *body)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        struct lc_record *r = realloc(b->recs, cap * sizeof *r);
        if (!r)
            return LC_ENOMEM;
        b->recs = r;
        b->cap = cap;
    }
    struct lc_record *r = &b->recs[b->n];
    memset(r, 0, sizeof *r);
    snprintf(r->kind, sizeof r->kind, "%s", kind);
    snprintf(r->id, sizeof r->id, "%s", id);
    r->created_at = r->updated_at = lc_time_now();
    r->scope = scope && *scope ? strdup(scope) : NULL;
    r->key = key ? strdup(key) : NULL;
    r->ref = ref ? strdup(ref) : NULL;
    r->body = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    if (!r->body) {
        lc_record_cleanup(r);
        return LC_ENOMEM;
    }
    b->n++;
    return LC_OK;
}

static void reject(struct batch *b, size_t line, const struct lc_errinfo *e)
{
    json_t *err = json_pack("{s:s, s:s}", "code", e->code, "message", e->message);
    if (err && e->field[0])
        json_object_set_new(err, "field", json_string(e->field));
    json_array_append_new(b->rejected, json_pack("{s:I, s:o}", "line", (json_int_t)line,
                                                 "error", err));
}

/* Violations for the effective hits of one event. */
static enum lc_err add_violations(struct batch *b, const struct lc_room_facts *room,
                                  json_t *ev, const char *event_id, json_t *hits,
                                  const char *version)
{
    size_t i;
    json_t *h;
    char id[LC_ID_MAX], now[LC_TIME_STRLEN];
    lc_time_format(lc_time_now(), now);
    json_array_foreach(hits, i, h) {
        const char *action = lc_jstr(h, "action");
        if (json_object_get(h, "exempted_by") || verdict_of_action(action) == LC_VERDICT_PASS)
            continue;
        lc_id_new("violation", id);
        json_t *evidence = json_pack("{s:O, s:O, s:O, s:O, s:b}", "start",
                                     json_object_get(h, "start"), "end",
                                     json_object_get(h, "end"), "original",
                                     json_object_get(h, "original"), "normalized",
                                     json_object_get(h, "normalized"), "cross_message",
                                     json_is_true(json_object_get(h, "cross_message")));
        json_t *v = json_pack(
            "{s:s, s:s, s:s, s:s?, s:s, s:s, s:s?, s:s?, s:s, s:O, s:O, s:O, s:O, s:O, s:o, "
            "s:s, s:s, s:s}",
            "id", id, "room_id", room->id, "host_id", room->host_id, "agency_id",
            room->agency_id[0] ? room->agency_id : NULL, "event_id", event_id, "event_type",
            lc_jstr(ev, "type"), "user_id", lc_jstr(ev, "user_id"), "product_id",
            lc_jstr(ev, "product_id"), "ts", lc_jstr(ev, "ts"), "rule",
            json_object_get(h, "rule"), "category", json_object_get(h, "category"),
            "severity", json_object_get(h, "severity"), "action", json_object_get(h, "action"),
            "basis", json_object_get(h, "basis"), "evidence", evidence, "pack_version",
            version, "status", "open", "detected_at", now);
        enum lc_err err = v ? add_record(b, LC_K_VIOLATION, id, room->agency_id, "open",
                                         room->id, v)
                            : LC_ENOMEM;
        json_decref(v);
        if (err != LC_OK)
            return err;
        json_array_append_new(b->violation_ids, json_string(id));
    }
    return LC_OK;
}

/* Validates, scans and stages one event line; a line error goes to
 * rejected and is not fatal. */
static enum lc_err ingest_line(struct lc_monitor *m, const struct lc_ruleset *rs,
                               struct batch *b, const char *s, size_t n, size_t line)
{
    struct lc_errinfo e = {0};
    struct lc_event ev = {0};
    struct lc_room_facts room;
    if (lc_event_decode(s, n, &ev, &e) != LC_OK) {
        reject(b, line, &e);
        return LC_OK;
    }
    enum lc_err err = lc_registry_room_facts(m->reg, lc_jstr(ev.obj, "room_id"), &room);
    if (err != LC_OK)
        goto out;
    if (!room.found) {
        lc_fail(&e, LC_EINVAL, "unknown_reference", "room_id", "no room with that id");
        reject(b, line, &e);
        goto out;
    }
    struct text_in t = {lc_jstr(ev.obj, "text"), ev.kind, NULL, room.id,
                        lc_jstr(ev.obj, "user_id"), ev.ts};
    enum lc_verdict v = LC_VERDICT_PASS;
    json_t *hits = NULL;
    size_t bad = 0;
    if (ev.kind) /* orders, payments... are kept, not moderated */
        err = moderate(m, rs, &t, &v, &hits, &bad);
    if (err == LC_EINVAL || err == LC_ETOOBIG) {
        lc_fail(&e, LC_EINVAL, err == LC_EINVAL ? "invalid_utf8" : "too_long", "text",
                "the text cannot be scanned");
        reject(b, line, &e);
        err = LC_OK;
        goto out;
    }
    if (err != LC_OK)
        goto out;
    char id[LC_ID_MAX];
    lc_id_new("event", id);
    json_object_set_new(ev.obj, "id", json_string(id));
    if (ev.kind)
        json_object_set_new(ev.obj, "verdict", json_string(lc_verdict_name(v)));
    json_object_set_new(ev.obj, "host_id", json_string(room.host_id));
    err = add_record(b, LC_K_EVENT, id, room.agency_id, ev.type, room.id, ev.obj);
    if (err == LC_OK)
        err = add_violations(b, &room, ev.obj, id, hits, lc_ruleset_version(rs));
    json_decref(hits);
    if (err == LC_OK)
        b->accepted++;
out:
    lc_event_cleanup(&ev);
    return err;
}

static void batch_cleanup(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        lc_record_cleanup(&b->recs[i]);
    free(b->recs);
    json_decref(b->rejected);
    json_decref(b->violation_ids);
}

static enum lc_err commit(struct lc_monitor *m, struct batch *b)
{
    if (!b->n)
        return LC_OK;
    struct lc_write *w = calloc(b->n, sizeof *w);
    if (!w)
        return LC_ENOMEM;
    for (size_t i = 0; i < b->n; i++)
        w[i] = (struct lc_write){LC_WRITE_INSERT, &b->recs[i]};
    enum lc_err err = lc_store_apply(m->store, w, b->n);
    free(w);
    return err;
}

enum lc_err lc_monitor_ingest(struct lc_monitor *m, const char *body, size_t len, json_t **out,
                              struct lc_errinfo *e)
{
    struct batch b = {NULL, 0, 0, json_array(), json_array(), 0};
    const struct lc_ruleset *rs = lc_rules_acquire(m->rules);
    enum lc_err err = b.rejected && b.violation_ids ? LC_OK : LC_ENOMEM;
    size_t line = 0, pos = 0;
    while (err == LC_OK && pos < len) {
        size_t end = pos;
        while (end < len && body[end] != '\n')
            end++;
        size_t n = end - pos;
        line++;
        if (n && body[pos + n - 1] == '\r')
            n--;
        if (line > LC_EVENTS_MAX_LINES) {
            err = lc_fail(e, LC_ETOOBIG, "body_too_large", "", "at most 10000 events a batch");
            break;
        }
        if (n)
            err = ingest_line(m, rs, &b, body + pos, n, line);
        pos = end + 1;
    }
    if (err == LC_OK && (err = commit(m, &b)) != LC_OK)
        lc_fail(e, err, "busy", "", "the events could not be stored; nothing was accepted");
    else if (err != LC_OK && !e->code[0])
        lc_fail(e, err, "internal", "", "the batch could not be processed");
    if (err == LC_OK) {
        *out = json_pack("{s:I, s:O, s:O}", "accepted", (json_int_t)b.accepted, "rejected",
                         b.rejected, "violations", b.violation_ids);
        if (m->events) {
            json_t *le = json_pack("{s:s, s:I, s:I, s:I}", "event", "events.ingested",
                                   "accepted", (json_int_t)b.accepted, "rejected",
                                   (json_int_t)json_array_size(b.rejected), "violations",
                                   (json_int_t)json_array_size(b.violation_ids));
            lc_log_write(m->events, "monitor", le);
            json_decref(le);
        }
    }
    lc_rules_release(m->rules, rs);
    batch_cleanup(&b);
    return err;
}
