/* test_gate.c -- unit tests for src/gate: the go-live rules as a pure
 * function of facts (lc_gate_evaluate), their stable reason codes, and the
 * whole publish path over real components (SQLite store, seal, registry,
 * group-commit writer) in a temporary directory.
 *
 * The rule tests start from one fact set that passes every rule and break
 * exactly one fact each, so each rule is shown to produce its own reason bit
 * and nothing else. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/jsonv.h"
#include "core/time.h"
#include "gate/gate.h"
#include "ident/ident.h"
#include "ident/seal.h"
#include "registry/registry.h"
#include "store/batch.h"
#include "store/store.h"

#define DAY 86400

/* ---- lc_gate_evaluate over hand-made facts ---------------------------- */

/* Noon in Beijing on 2026-06-15. */
static int64_t fixed_now(void)
{
    int64_t t = 0;
    assert_int_equal(lc_time_parse("2026-06-15T12:00:00+08:00", &t), LC_OK);
    return t;
}

/* A fact set that passes every rule at now. */
static struct lc_gate_facts good_facts(int64_t now)
{
    struct lc_gate_facts f;
    memset(&f, 0, sizeof f);
    f.room.found = true;
    strcpy(f.room.id, "room_1");
    strcpy(f.room.host_id, "host_1");
    strcpy(f.room.operator_id, "operator_1");

    f.host.found = true;
    strcpy(f.host.id, "host_1");
    strcpy(f.host.agency_id, "agency_1");
    strcpy(f.host.blind_key, "hostkey");
    f.host.is_person = true;
    f.host.birth = (struct lc_date){1990, 3, 7};
    strcpy(f.host.verification, "pass");
    f.host.verified_at = now - 10 * DAY;
    f.host.training_expires_at = now + 30 * DAY;

    f.operator.found = true;
    strcpy(f.operator.id, "operator_1");
    strcpy(f.operator.blind_key, "operkey");
    strcpy(f.operator.verification, "pass");
    f.operator.verified_at = lc_time_add_months(now, -1);

    f.agency.found = true;
    strcpy(f.agency.id, "agency_1");
    strcpy(f.agency.blind_key, "agencykey");
    return f;
}

static void evaluate_all_good_facts_allow(void **state)
{
    int64_t now = fixed_now();
    struct lc_gate_facts f = good_facts(now);
    assert_int_equal(lc_gate_evaluate(&f, now), 0);
    /* a host without an agency, and an organisation operator, also pass */
    f.agency.found = false;
    f.host.agency_id[0] = '\0';
    assert_int_equal(lc_gate_evaluate(&f, now), 0);
}

static void evaluate_unknown_room_gives_only_unknown_key(void **state)
{
    int64_t now = fixed_now();
    struct lc_gate_facts f = good_facts(now);
    f.room.found = false;
    assert_int_equal(lc_gate_evaluate(&f, now), LC_GR_UNKNOWN_KEY);
    /* nothing about a subject is reported when there is no room */
    memset(&f, 0, sizeof f);
    assert_int_equal(lc_gate_evaluate(&f, now), LC_GR_UNKNOWN_KEY);
}

static void evaluate_missing_host_or_operator_gives_subject_missing(void **state)
{
    int64_t now = fixed_now();
    struct lc_gate_facts f = good_facts(now);
    f.host.found = false;
    assert_int_equal(lc_gate_evaluate(&f, now), LC_GR_SUBJECT_MISSING);
    f = good_facts(now);
    f.operator.found = false;
    assert_int_equal(lc_gate_evaluate(&f, now), LC_GR_SUBJECT_MISSING);
}

static void evaluate_host_without_passing_check_is_not_verified(void **state)
{
    int64_t now = fixed_now();
    struct lc_gate_facts f = good_facts(now);
    strcpy(f.host.verification, "");
    f.host.verified_at = 0;
    assert_int_equal(lc_gate_evaluate(&f, now), LC_GR_HOST_NOT_VERIFIED);
    f = good_facts(now);
    strcpy(f.host.verification, "fail");
    assert_int_equal(lc_gate_evaluate(&f, now), LC_GR_HOST_NOT_VERIFIED);
}

static void evaluate_host_aged_15_is_under_age(void **state)
{
    int64_t now = fixed_now();
    struct lc_gate_facts f = good_facts(now);
    f.host.birth = (struct lc_date){2011, 6, 15}; /* 15 today */
    f.host.guardian_consent = true;               /* consent cannot cure it */
    assert_int_equal(lc_gate_evaluate(&f, now), LC_GR_HOST_UNDER_AGE);
    f.host.birth = (struct lc_date){2010, 6, 16}; /* 16 tomorrow */
    assert_int_equal(lc_gate_evaluate(&f, now), LC_GR_HOST_UNDER_AGE);
}

static void evaluate_host_aged_17_needs_guardian_consent(void **state)
{
    int64_t now = fixed_now();
    struct lc_gate_facts f = good_facts(now);
    f.host.birth = (struct lc_date){2009, 1, 1}; /* 17 */
    f.host.guardian_consent = false;
    assert_int_equal(lc_gate_evaluate(&f, now), LC_GR_CONSENT_MISSING);
    f.host.guardian_consent = true;
    assert_int_equal(lc_gate_evaluate(&f, now), 0);
    /* 16 today, with and without consent */
    f.host.birth = (struct lc_date){2010, 6, 15};
    assert_int_equal(lc_gate_evaluate(&f, now), 0);
    f.host.guardian_consent = false;
    assert_int_equal(lc_gate_evaluate(&f, now), LC_GR_CONSENT_MISSING);
}

static void evaluate_eighteenth_birthday_starts_at_cst_midnight(void **state)
{
    int64_t before = 0, at = 0;
    assert_int_equal(lc_time_parse("2026-06-14T15:59:59Z", &before), LC_OK);
    assert_int_equal(lc_time_parse("2026-06-14T16:00:00Z", &at), LC_OK);
    struct lc_gate_facts f = good_facts(at);
    f.host.birth = (struct lc_date){2008, 6, 15};
    f.host.guardian_consent = false;
    assert_int_equal(lc_gate_evaluate(&f, before), LC_GR_CONSENT_MISSING);
    assert_int_equal(lc_gate_evaluate(&f, at), 0);
}

static void evaluate_age_rules_skip_a_host_without_resident_id(void **state)
{
    int64_t now = fixed_now();
    struct lc_gate_facts f = good_facts(now);
    f.host.is_person = false;
    f.host.birth = (struct lc_date){2020, 1, 1};
    assert_int_equal(lc_gate_evaluate(&f, now), 0);
}

static void evaluate_each_blacklist_flag_gives_its_own_reason(void **state)
{
    int64_t now = fixed_now();
    struct lc_gate_facts f = good_facts(now);
    f.host_listed = true;
    assert_int_equal(lc_gate_evaluate(&f, now), LC_GR_HOST_BLACKLISTED);
    f = good_facts(now);
    f.operator_listed = true;
    assert_int_equal(lc_gate_evaluate(&f, now), LC_GR_OPERATOR_BLACKLISTED);
    f = good_facts(now);
    f.agency_listed = true;
    assert_int_equal(lc_gate_evaluate(&f, now), LC_GR_AGENCY_BLACKLISTED);
}

static void evaluate_training_never_done_is_missing(void **state)
{
    int64_t now = fixed_now();
    struct lc_gate_facts f = good_facts(now);
    f.host.training_expires_at = 0;
    assert_int_equal(lc_gate_evaluate(&f, now), LC_GR_TRAINING_MISSING);
}

static void evaluate_training_expired_in_past_or_exactly_now(void **state)
{
    int64_t now = fixed_now();
    struct lc_gate_facts f = good_facts(now);
    f.host.training_expires_at = now - DAY;
    assert_int_equal(lc_gate_evaluate(&f, now), LC_GR_TRAINING_EXPIRED);
    f.host.training_expires_at = now;
    assert_int_equal(lc_gate_evaluate(&f, now), LC_GR_TRAINING_EXPIRED);
    f.host.training_expires_at = now + 1;
    assert_int_equal(lc_gate_evaluate(&f, now), 0);
}

static void evaluate_operator_without_passing_check_is_not_verified(void **state)
{
    int64_t now = fixed_now();
    struct lc_gate_facts f = good_facts(now);
    strcpy(f.operator.verification, "fail");
    assert_int_equal(lc_gate_evaluate(&f, now), LC_GR_OPERATOR_NOT_VERIFIED);
    strcpy(f.operator.verification, "");
    f.operator.verified_at = 0;
    assert_int_equal(lc_gate_evaluate(&f, now), LC_GR_OPERATOR_NOT_VERIFIED);
}

static void evaluate_operator_check_older_than_6_months_is_overdue(void **state)
{
    int64_t now = fixed_now();
    struct lc_gate_facts f = good_facts(now);
    f.operator.verified_at = lc_time_add_months(now, -7);
    assert_int_equal(lc_gate_evaluate(&f, now), LC_GR_OPERATOR_OVERDUE);
    f.operator.verified_at = lc_time_add_months(now, -5);
    assert_int_equal(lc_gate_evaluate(&f, now), 0);
}

static void evaluate_operator_check_exactly_6_months_old_is_overdue(void **state)
{
    int64_t now = fixed_now();
    struct lc_gate_facts f = good_facts(now);
    f.operator.verified_at = lc_time_add_months(now, -6);
    assert_int_equal(lc_time_add_months(f.operator.verified_at, 6), now);
    assert_int_equal(lc_gate_evaluate(&f, now), LC_GR_OPERATOR_OVERDUE);
    f.operator.verified_at += 1;
    assert_int_equal(lc_gate_evaluate(&f, now), 0);
}

static void evaluate_several_failures_report_every_bit(void **state)
{
    int64_t now = fixed_now();
    struct lc_gate_facts f = good_facts(now);
    strcpy(f.host.verification, "fail");
    f.host.birth = (struct lc_date){2009, 1, 1};
    f.host.guardian_consent = false;
    f.host_listed = true;
    f.operator_listed = true;
    f.agency_listed = true;
    f.host.training_expires_at = now - 1;
    f.operator.verified_at = lc_time_add_months(now, -12);
    assert_int_equal(lc_gate_evaluate(&f, now),
                     LC_GR_HOST_NOT_VERIFIED | LC_GR_CONSENT_MISSING | LC_GR_HOST_BLACKLISTED |
                         LC_GR_OPERATOR_BLACKLISTED | LC_GR_AGENCY_BLACKLISTED |
                         LC_GR_TRAINING_EXPIRED | LC_GR_OPERATOR_OVERDUE);
    f.host.birth = (struct lc_date){2015, 1, 1};
    f.host.training_expires_at = 0;
    strcpy(f.operator.verification, "fail");
    assert_int_equal(lc_gate_evaluate(&f, now),
                     LC_GR_HOST_NOT_VERIFIED | LC_GR_HOST_UNDER_AGE | LC_GR_HOST_BLACKLISTED |
                         LC_GR_OPERATOR_BLACKLISTED | LC_GR_AGENCY_BLACKLISTED |
                         LC_GR_TRAINING_MISSING | LC_GR_OPERATOR_NOT_VERIFIED);
}

static void reason_names_are_the_stable_codes(void **state)
{
    static const struct {
        unsigned bit;
        const char *name;
    } want[] = {
        {LC_GR_MISSING_KEY, "missing_key"},
        {LC_GR_UNKNOWN_KEY, "unknown_stream_key"},
        {LC_GR_NAME_MISMATCH, "stream_name_mismatch"},
        {LC_GR_HOST_NOT_VERIFIED, "host_not_verified"},
        {LC_GR_HOST_UNDER_AGE, "host_under_age"},
        {LC_GR_CONSENT_MISSING, "guardian_consent_missing"},
        {LC_GR_HOST_BLACKLISTED, "host_blacklisted"},
        {LC_GR_OPERATOR_BLACKLISTED, "operator_blacklisted"},
        {LC_GR_AGENCY_BLACKLISTED, "agency_blacklisted"},
        {LC_GR_TRAINING_MISSING, "training_missing"},
        {LC_GR_TRAINING_EXPIRED, "training_expired"},
        {LC_GR_OPERATOR_NOT_VERIFIED, "operator_not_verified"},
        {LC_GR_OPERATOR_OVERDUE, "operator_verification_overdue"},
        {LC_GR_SUBJECT_MISSING, "subject_missing"},
        {LC_GR_SUSPENDED, "suspended"},
        {LC_GR_BANNED, "banned"},
        {LC_GR_RESTRICTED, "restricted"},
    };
    assert_int_equal(sizeof want / sizeof *want, LC_GR_COUNT);
    for (unsigned i = 0; i < LC_GR_COUNT; i++) {
        /* the name is looked up by bit index */
        unsigned idx = (unsigned)__builtin_ctz(want[i].bit);
        assert_int_equal(want[i].bit, 1u << idx);
        assert_string_equal(lc_gate_reason_name(idx), want[i].name);
    }
    assert_string_equal(lc_gate_reason_name(LC_GR_COUNT), "unknown");
    assert_string_equal(lc_gate_reason_name(99), "unknown");
}

/* ---- the publish path over real components ---------------------------- */

struct world {
    char dir[64];
    char db[128];
    char keyfile[128];
    struct lc_store *store;
    struct lc_seal *seal;
    struct lc_registry *reg;
    struct lc_batch *batch;
    struct lc_gate *gate;
    /* a ready room */
    char agency[LC_ID_MAX], oper[LC_ID_MAX], host[LC_ID_MAX], room[LC_ID_MAX];
    char host_idnum[19];
    char stream_key[128];
};

/* A valid resident ID number: region 110105, birth date, sequence, check. */
static void make_idnum(char out[19], int y, int m, int d, const char *seq)
{
    snprintf(out, 19, "110105%04d%02d%02d%.3s", y, m, d, seq);
    out[17] = lc_ident_id_check_char(out);
    out[18] = '\0';
    assert_int_not_equal(out[17], '?');
}

/* RFC 3339 text for now + delta seconds. */
static const char *ts_from_now(int64_t delta, char buf[LC_TIME_STRLEN])
{
    lc_time_format(lc_time_now() + delta, buf);
    return buf;
}

typedef enum lc_err (*create_fn)(struct lc_registry *, json_t *, const struct lc_access *,
                                 json_t **, struct lc_errinfo *);

/* Runs a create as the API would (shape check first) and expects success;
 * returns the answer, owned by the caller. */
static json_t *create_ok(struct lc_registry *reg, create_fn fn, const struct lc_jfield *fields,
                         json_t *in)
{
    struct lc_errinfo e = {0};
    json_t *out = NULL;
    assert_non_null(in);
    if (lc_jsonv_check(in, fields, &e) != LC_OK)
        fail_msg("shape check: %s %s %s", e.code, e.field, e.message);
    enum lc_err err = fn(reg, in, NULL, &out, &e);
    if (err != LC_OK)
        fail_msg("create failed: %s (%s: %s)", e.code, e.field, e.message);
    json_decref(in);
    return out;
}

/* Creates something and copies its "id" into id. */
static void create_id(struct lc_registry *reg, create_fn fn, const struct lc_jfield *fields,
                      json_t *in, char id[LC_ID_MAX])
{
    json_t *out = create_ok(reg, fn, fields, in);
    snprintf(id, LC_ID_MAX, "%s", lc_jstr(out, "id"));
    assert_true(id[0] != '\0');
    json_decref(out);
}

static void verify(struct world *w, const char *kind, const char *id, const char *result,
                   int64_t age_s)
{
    char ts[LC_TIME_STRLEN];
    json_t *in = json_pack("{s:s, s:s, s:s}", "method", "face_match", "result", result,
                           "checked_at", ts_from_now(-age_s, ts));
    json_t *out = NULL;
    struct lc_errinfo e = {0};
    assert_int_equal(lc_jsonv_check(in, lc_verification_fields, &e), LC_OK);
    if (lc_registry_add_verification(w->reg, kind, id, in, NULL, &out, &e) != LC_OK)
        fail_msg("verification: %s (%s: %s)", e.code, e.field, e.message);
    json_decref(out);
    json_decref(in);
}

static void train(struct world *w, const char *host_id)
{
    char ts[LC_TIME_STRLEN];
    json_t *out = create_ok(w->reg, lc_registry_add_training, lc_training_fields,
                            json_pack("{s:s, s:s, s:s}", "host_id", host_id, "completed_at",
                                      ts_from_now(-DAY, ts), "course", "rules 101"));
    json_decref(out);
}

static void new_host(struct world *w, const char *idnum, char id[LC_ID_MAX])
{
    create_id(w->reg, lc_registry_create_host, lc_host_fields,
              json_pack("{s:s, s:s, s:s, s:s}", "name", "张三丰", "id_number", idnum, "phone",
                        "13812345678", "agency_id", w->agency),
              id);
}

/* Creates a room for host and operator; its stream key goes into key. */
static void new_room(struct world *w, const char *host, const char *oper, char id[LC_ID_MAX],
                     char key[128])
{
    json_t *out = create_ok(w->reg, lc_registry_create_room, lc_room_fields,
                            json_pack("{s:s, s:s, s:s}", "name", "evening show", "host_id",
                                      host, "operator_id", oper));
    snprintf(id, LC_ID_MAX, "%s", lc_jstr(out, "id"));
    assert_non_null(lc_jstr(out, "stream_key"));
    snprintf(key, 128, "%s", lc_jstr(out, "stream_key"));
    json_decref(out);
}

static char oper_credit[19];

static int world_setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    char err[256] = "";
    if (!w)
        return -1;
    snprintf(w->dir, sizeof w->dir, "/tmp/lc_gate_XXXXXX");
    if (!mkdtemp(w->dir))
        return -1;
    snprintf(w->db, sizeof w->db, "%s/lc.db", w->dir);
    snprintf(w->keyfile, sizeof w->keyfile, "%s/seal.key", w->dir);
    if (lc_store_open_sqlite(w->db, &w->store, err, sizeof err) != LC_OK ||
        lc_seal_open(w->keyfile, &w->seal, err, sizeof err) != LC_OK ||
        lc_registry_new(w->store, w->seal, NULL, &w->reg) != LC_OK ||
        lc_batch_new(w->store, &w->batch) != LC_OK ||
        lc_gate_new(w->reg, w->store, w->batch, NULL, &w->gate) != LC_OK) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    *state = w;

    /* an organisation operator with a credit code of its own */
    memcpy(oper_credit, "91110108MA0123456", 17);
    oper_credit[17] = lc_ident_credit_check_char(oper_credit);
    oper_credit[18] = '\0';

    create_id(w->reg, lc_registry_create_agency, lc_agency_fields,
              json_pack("{s:s, s:s}", "name", "Star Agency", "credit_code",
                        "91512081MA62K0260E"),
              w->agency);
    create_id(w->reg, lc_registry_create_operator, lc_operator_fields,
              json_pack("{s:s, s:s}", "name", "Room Ops Ltd", "credit_code", oper_credit),
              w->oper);
    make_idnum(w->host_idnum, 1990, 3, 7, "123");
    new_host(w, w->host_idnum, w->host);
    verify(w, LC_K_HOST, w->host, "pass", DAY);
    verify(w, LC_K_OPERATOR, w->oper, "pass", DAY);
    train(w, w->host);
    new_room(w, w->host, w->oper, w->room, w->stream_key);
    return 0;
}

static int world_teardown(void **state)
{
    struct world *w = *state;
    const char *files[] = {"lc.db", "lc.db-wal", "lc.db-shm", "seal.key"};
    char p[192];

    lc_gate_free(w->gate);
    lc_batch_free(w->batch);
    lc_registry_free(w->reg);
    lc_seal_free(w->seal);
    lc_store_close(w->store);
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(p, sizeof p, "%s/%s", w->dir, files[i]);
        unlink(p);
    }
    rmdir(w->dir);
    free(w);
    return 0;
}

/* Publishes as nginx-rtmp would; returns the result. */
static struct lc_gate_result publish(struct world *w, const char *name, const char *key,
                                     const char *clientid)
{
    struct lc_publish p = {.app = "live", .name = name, .addr = "127.0.0.1",
                           .clientid = clientid, .key = key};
    struct lc_gate_result r;
    memset(&r, 0xA5, sizeof r);
    assert_int_equal(lc_gate_publish(w->gate, &p, &r), LC_OK);
    return r;
}

/* Reads a stored record's body as JSON (owned by the caller). */
static json_t *stored_body(struct world *w, const char *kind, const char *id)
{
    struct lc_record rec = {0};
    assert_int_equal(lc_store_get(w->store, kind, id, &rec), LC_OK);
    json_t *b = json_loads(rec.body, 0, NULL);
    lc_record_cleanup(&rec);
    assert_non_null(b);
    return b;
}

/* The reason codes a stored decision lists, comma-joined. */
static void assert_decision(struct world *w, const struct lc_gate_result *r,
                            const char *outcome, const char *reasons)
{
    json_t *d = stored_body(w, LC_K_DECISION, r->decision_id);
    char got[512] = "";
    size_t i;
    json_t *v;
    assert_string_equal(lc_jstr(d, "outcome"), outcome);
    json_array_foreach(json_object_get(d, "reasons"), i, v)
    {
        if (i)
            strcat(got, ",");
        strcat(got, json_string_value(v));
    }
    assert_string_equal(got, reasons);
    json_decref(d);
}

struct session_search {
    const char *clientid;
    json_t *body;
};

static int session_match(void *ctx, const struct lc_record *r)
{
    struct session_search *c = ctx;
    json_t *b = json_loads(r->body, 0, NULL);
    const char *app = json_string_value(json_object_get(b, "app"));
    const char *cid = json_string_value(json_object_get(b, "clientid"));
    if (b && app && cid && !strcmp(app, "live") && !strcmp(cid, c->clientid)) {
        c->body = b;
        return 1;
    }
    json_decref(b);
    return 0;
}

/* A live session is the allow decision that opened it (gate.h): found among
 * the room's allow decisions by app and clientid. */
static bool session_exists(struct world *w, const char *name, const char *clientid,
                           json_t **body)
{
    struct session_search c = {clientid, NULL};
    struct lc_query q = {.kind = LC_K_DECISION, .ref = name, .key = "allow",
                         .newest_first = true};
    assert_int_equal(lc_store_list(w->store, &q, session_match, &c), LC_OK);
    if (!c.body)
        return false;
    if (body)
        *body = c.body;
    else
        json_decref(c.body);
    return true;
}

static void publish_allowed_with_stream_key_and_room_id_as_name(void **state)
{
    struct world *w = *state;
    struct lc_gate_result r = publish(w, w->room, w->stream_key, "41");
    assert_true(r.allow);
    assert_int_equal(r.reasons, 0);
    assert_string_equal(r.room_id, w->room);
    assert_true(r.decision_id[0] != '\0');
    assert_decision(w, &r, "allow", "");
    json_t *s = NULL;
    assert_true(session_exists(w, w->room, "41", &s));
    assert_string_equal(lc_jstr(s, "status"), "live");
    assert_string_equal(lc_jstr(s, "room_id"), w->room);
    assert_string_equal(lc_jstr(s, "id"), r.decision_id); /* the session is the decision */
    json_decref(s);
}

/* A stand-in for enforcement: the room is suspended while *on is set. */
static unsigned suspended_room(void *ctx, const char *room_id, const char *host_id,
                               const char *host_key, int64_t now)
{
    const char *room = ctx;
    return strcmp(room_id, room) == 0 && host_id && host_key ? LC_GR_SUSPENDED : 0;
}

static void publish_denied_while_enforcement_reports_a_suspension(void **state)
{
    struct world *w = *state;
    lc_gate_set_sanctions(w->gate, suspended_room, w->room);
    struct lc_gate_result r = publish(w, w->room, w->stream_key, "43");
    assert_false(r.allow);
    assert_int_equal(r.reasons, LC_GR_SUSPENDED);
    assert_decision(w, &r, "deny", "suspended");
    lc_gate_set_sanctions(w->gate, NULL, NULL);
    r = publish(w, w->room, w->stream_key, "44");
    assert_true(r.allow);
}

static void publish_denied_stream_name_mismatch_when_name_is_not_the_room(void **state)
{
    struct world *w = *state;
    struct lc_gate_result r = publish(w, "some_other_name", w->stream_key, "42");
    assert_false(r.allow);
    assert_int_equal(r.reasons, LC_GR_NAME_MISMATCH);
    assert_decision(w, &r, "deny", "stream_name_mismatch");
    assert_false(session_exists(w, w->room, "42", NULL));
    /* no name at all is a mismatch too */
    r = publish(w, NULL, w->stream_key, "42");
    assert_false(r.allow);
    assert_int_equal(r.reasons, LC_GR_NAME_MISMATCH);
}

static void publish_denied_unknown_stream_key(void **state)
{
    struct world *w = *state;
    struct lc_gate_result r = publish(w, w->room, "sk_0000000000000000", "43");
    assert_false(r.allow);
    assert_int_equal(r.reasons, LC_GR_UNKNOWN_KEY);
    assert_string_equal(r.room_id, "");
    assert_decision(w, &r, "deny", "unknown_stream_key");
    assert_false(session_exists(w, w->room, "43", NULL));
    /* the room id is not a stream key */
    r = publish(w, w->room, w->room, "43");
    assert_int_equal(r.reasons, LC_GR_UNKNOWN_KEY);
}

static void publish_denied_missing_key_when_key_and_name_empty(void **state)
{
    struct world *w = *state;
    struct lc_gate_result r = publish(w, "", "", "44");
    assert_false(r.allow);
    assert_int_equal(r.reasons, LC_GR_MISSING_KEY);
    assert_decision(w, &r, "deny", "missing_key");
    r = publish(w, NULL, NULL, "44");
    assert_int_equal(r.reasons, LC_GR_MISSING_KEY);
    /* the room id as name does not stand in for the key */
    r = publish(w, w->room, NULL, "44");
    assert_false(r.allow);
    assert_int_equal(r.reasons, LC_GR_MISSING_KEY);
    assert_false(session_exists(w, w->room, "44", NULL));
}

static void blacklist_id(struct world *w, const char *idnum)
{
    char ts[LC_TIME_STRLEN];
    json_t *out = create_ok(w->reg, lc_registry_add_blacklist, lc_blacklist_fields,
                            json_pack("{s:s, s:s, s:s, s:s}", "id_number", idnum, "reason",
                                      "fraud", "legal_basis", "rule 7", "expires_at",
                                      ts_from_now(365 * DAY, ts)));
    json_decref(out);
}

static void publish_denied_when_host_blacklisted(void **state)
{
    struct world *w = *state;
    assert_true(publish(w, w->room, w->stream_key, "45").allow); /* warms any cache */
    blacklist_id(w, w->host_idnum);
    struct lc_gate_result r = publish(w, w->room, w->stream_key, "46");
    assert_false(r.allow);
    assert_int_equal(r.reasons, LC_GR_HOST_BLACKLISTED);
    assert_decision(w, &r, "deny", "host_blacklisted");
}

static void publish_denied_when_host_blacklisted_under_new_account(void **state)
{
    struct world *w = *state;
    char host2[LC_ID_MAX], room2[LC_ID_MAX], key2[128];
    blacklist_id(w, w->host_idnum);
    /* the same person registers again: a new host record, a new room */
    new_host(w, w->host_idnum, host2);
    assert_string_not_equal(host2, w->host);
    verify(w, LC_K_HOST, host2, "pass", DAY);
    train(w, host2);
    new_room(w, host2, w->oper, room2, key2);
    struct lc_gate_result r = publish(w, room2, key2, "47");
    assert_false(r.allow);
    assert_int_equal(r.reasons, LC_GR_HOST_BLACKLISTED);
    assert_string_equal(r.room_id, room2);
    assert_decision(w, &r, "deny", "host_blacklisted");
}

static void publish_denied_when_new_account_created_before_blacklisting(void **state)
{
    struct world *w = *state;
    char host2[LC_ID_MAX], room2[LC_ID_MAX], key2[128];
    new_host(w, w->host_idnum, host2);
    verify(w, LC_K_HOST, host2, "pass", DAY);
    train(w, host2);
    new_room(w, host2, w->oper, room2, key2);
    assert_true(publish(w, room2, key2, "48").allow);
    blacklist_id(w, w->host_idnum); /* listed through the old account's number */
    struct lc_gate_result r = publish(w, room2, key2, "49");
    assert_int_equal(r.reasons, LC_GR_HOST_BLACKLISTED);
}

static void publish_denied_when_agency_or_operator_blacklisted(void **state)
{
    struct world *w = *state;
    char ts[LC_TIME_STRLEN];
    json_t *out = create_ok(w->reg, lc_registry_add_blacklist, lc_blacklist_fields,
                            json_pack("{s:s, s:s, s:s, s:s}", "credit_code",
                                      "91512081MA62K0260E", "reason", "fraud", "legal_basis",
                                      "rule 7", "expires_at", ts_from_now(30 * DAY, ts)));
    json_decref(out);
    struct lc_gate_result r = publish(w, w->room, w->stream_key, "50");
    assert_int_equal(r.reasons, LC_GR_AGENCY_BLACKLISTED);
    out = create_ok(w->reg, lc_registry_add_blacklist, lc_blacklist_fields,
                    json_pack("{s:s, s:s, s:s, s:s}", "credit_code", oper_credit, "reason",
                              "fraud", "legal_basis", "rule 7", "expires_at",
                              ts_from_now(30 * DAY, ts)));
    json_decref(out);
    r = publish(w, w->room, w->stream_key, "51");
    assert_int_equal(r.reasons, LC_GR_AGENCY_BLACKLISTED | LC_GR_OPERATOR_BLACKLISTED);
    assert_decision(w, &r, "deny", "operator_blacklisted,agency_blacklisted");
}

static void publish_allowed_once_missing_verification_is_recorded(void **state)
{
    struct world *w = *state;
    char host2[LC_ID_MAX], room2[LC_ID_MAX], key2[128], idnum[19];
    make_idnum(idnum, 1985, 12, 1, "456");
    new_host(w, idnum, host2);
    new_room(w, host2, w->oper, room2, key2);
    struct lc_gate_result r = publish(w, room2, key2, "52");
    assert_int_equal(r.reasons, LC_GR_HOST_NOT_VERIFIED | LC_GR_TRAINING_MISSING);
    verify(w, LC_K_HOST, host2, "pass", 3600);
    r = publish(w, room2, key2, "53");
    assert_int_equal(r.reasons, LC_GR_TRAINING_MISSING);
    train(w, host2);
    r = publish(w, room2, key2, "54");
    assert_true(r.allow);
    /* a newer failing check takes the allowance away again */
    verify(w, LC_K_HOST, host2, "fail", 60);
    r = publish(w, room2, key2, "55");
    assert_int_equal(r.reasons, LC_GR_HOST_NOT_VERIFIED);
}

static void publish_denied_when_operator_check_is_7_months_old(void **state)
{
    struct world *w = *state;
    char oper2[LC_ID_MAX], room2[LC_ID_MAX], key2[128], idnum[19];
    make_idnum(idnum, 1980, 1, 2, "789");
    create_id(w->reg, lc_registry_create_operator, lc_operator_fields,
              json_pack("{s:s, s:s}", "name", "李四", "id_number", idnum), oper2);
    verify(w, LC_K_OPERATOR, oper2, "pass", 7 * 31 * DAY);
    new_room(w, w->host, oper2, room2, key2);
    struct lc_gate_result r = publish(w, room2, key2, "56");
    assert_int_equal(r.reasons, LC_GR_OPERATOR_OVERDUE);
    assert_decision(w, &r, "deny", "operator_verification_overdue");
    verify(w, LC_K_OPERATOR, oper2, "pass", 5 * 30 * DAY);
    r = publish(w, room2, key2, "57");
    assert_true(r.allow);
}

static void publish_done_closes_the_session(void **state)
{
    struct world *w = *state;
    struct lc_publish p = {.app = "live", .name = w->room, .addr = "127.0.0.1",
                           .clientid = "60", .key = w->stream_key};
    struct lc_gate_result r;
    json_t *s = NULL;
    assert_int_equal(lc_gate_publish(w->gate, &p, &r), LC_OK);
    assert_true(r.allow);
    assert_true(session_exists(w, w->room, "60", &s));
    assert_string_equal(lc_jstr(s, "status"), "live");
    assert_true(json_is_null(json_object_get(s, "ended_at")));
    json_decref(s);

    /* nginx-rtmp's publish_done carries no key */
    struct lc_publish done = {.app = "live", .name = w->room, .addr = "127.0.0.1",
                              .clientid = "60", .key = NULL};
    assert_int_equal(lc_gate_publish_done(w->gate, &done), LC_OK);
    assert_true(session_exists(w, w->room, "60", &s));
    assert_string_equal(lc_jstr(s, "status"), "ended");
    assert_non_null(lc_jstr(s, "ended_at"));
    json_decref(s);

    /* a second publish_done finds no live session and leaves it ended */
    assert_int_equal(lc_gate_publish_done(w->gate, &done), LC_ENOTFOUND);
    assert_true(session_exists(w, w->room, "60", &s));
    assert_string_equal(lc_jstr(s, "status"), "ended");
    json_decref(s);
}

static void publish_done_leaves_other_clients_sessions_live(void **state)
{
    struct world *w = *state;
    json_t *s = NULL;
    assert_true(publish(w, w->room, w->stream_key, "61").allow);
    assert_true(publish(w, w->room, w->stream_key, "62").allow);
    struct lc_publish done = {.app = "live", .name = w->room, .clientid = "61"};
    assert_int_equal(lc_gate_publish_done(w->gate, &done), LC_OK);
    assert_true(session_exists(w, w->room, "62", &s));
    assert_string_equal(lc_jstr(s, "status"), "live");
    json_decref(s);
    assert_true(session_exists(w, w->room, "61", &s));
    assert_string_equal(lc_jstr(s, "status"), "ended");
    json_decref(s);
}

/* SRC BUG (reported to the lead; fails until gate.c is fixed):
 * lc_gate_publish_done() looks for the live session among only the newest
 * SESSION_SCAN (64) allow decisions of the room, counting ended ones, and
 * filters on status afterwards.  A session that stays live while 64 newer
 * allow decisions are made for its room -- an encoder whose reconnects nginx
 * refuses as a duplicate publisher (each one allowed by the gate, then closed
 * by its own publish_done) -- can then never be closed: publish_done answers
 * LC_ENOTFOUND and the session stays "live" for good. */
static void publish_done_closes_a_session_older_than_64_newer_ones(void **state)
{
    struct world *w = *state;
    char cid[16];
    json_t *s = NULL;
    struct timespec two_ms = {0, 2 * 1000 * 1000};
    assert_true(publish(w, w->room, w->stream_key, "1").allow);
    nanosleep(&two_ms, NULL); /* ids order by millisecond: keep "1" the oldest */
    for (int i = 2; i <= 71; i++) { /* 70 newer allow decisions */
        snprintf(cid, sizeof cid, "%d", i);
        assert_true(publish(w, w->room, w->stream_key, cid).allow);
        struct lc_publish done = {.app = "live", .name = w->room, .clientid = cid};
        assert_int_equal(lc_gate_publish_done(w->gate, &done), LC_OK);
    }
    struct lc_publish done = {.app = "live", .name = w->room, .clientid = "1"};
    assert_int_equal(lc_gate_publish_done(w->gate, &done), LC_OK);
    assert_true(session_exists(w, w->room, "1", &s));
    assert_string_equal(lc_jstr(s, "status"), "ended");
    json_decref(s);
}

#define W(fn) cmocka_unit_test_setup_teardown(fn, world_setup, world_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(evaluate_all_good_facts_allow),
        cmocka_unit_test(evaluate_unknown_room_gives_only_unknown_key),
        cmocka_unit_test(evaluate_missing_host_or_operator_gives_subject_missing),
        cmocka_unit_test(evaluate_host_without_passing_check_is_not_verified),
        cmocka_unit_test(evaluate_host_aged_15_is_under_age),
        cmocka_unit_test(evaluate_host_aged_17_needs_guardian_consent),
        cmocka_unit_test(evaluate_eighteenth_birthday_starts_at_cst_midnight),
        cmocka_unit_test(evaluate_age_rules_skip_a_host_without_resident_id),
        cmocka_unit_test(evaluate_each_blacklist_flag_gives_its_own_reason),
        cmocka_unit_test(evaluate_training_never_done_is_missing),
        cmocka_unit_test(evaluate_training_expired_in_past_or_exactly_now),
        cmocka_unit_test(evaluate_operator_without_passing_check_is_not_verified),
        cmocka_unit_test(evaluate_operator_check_older_than_6_months_is_overdue),
        cmocka_unit_test(evaluate_operator_check_exactly_6_months_old_is_overdue),
        cmocka_unit_test(evaluate_several_failures_report_every_bit),
        cmocka_unit_test(reason_names_are_the_stable_codes),
        W(publish_allowed_with_stream_key_and_room_id_as_name),
        W(publish_denied_while_enforcement_reports_a_suspension),
        W(publish_denied_stream_name_mismatch_when_name_is_not_the_room),
        W(publish_denied_unknown_stream_key),
        W(publish_denied_missing_key_when_key_and_name_empty),
        W(publish_denied_when_host_blacklisted),
        W(publish_denied_when_host_blacklisted_under_new_account),
        W(publish_denied_when_new_account_created_before_blacklisting),
        W(publish_denied_when_agency_or_operator_blacklisted),
        W(publish_allowed_once_missing_verification_is_recorded),
        W(publish_denied_when_operator_check_is_7_months_old),
        W(publish_done_closes_the_session),
        W(publish_done_leaves_other_clients_sessions_live),
        W(publish_done_closes_a_session_older_than_64_newer_ones),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
