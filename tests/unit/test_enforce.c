/* test_enforce.c -- violations to measures: each measure's effect and
 * expiry, who answers for a violation, proportionality and escalation under
 * the default policy, notices, appeals that reverse a measure, illegal
 * transitions, re-registration bans, webhook delivery with retries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/time.h"
#include "enforce/enforce.h"
#include "gate/gate.h"
#include "ident/seal.h"
#include "monitor/monitor.h"
#include "registry/blacklist.h"
#include "store/sqlite.h"

static const char test_policy[] = "policy test\n"
                                  "version 1\n"
                                  "half_life 90d\n"
                                  "repeat_window 180d\n"
                                  "rule t-traffic\ncategory fraud\nmeasure traffic\nweight 0.3\n"
                                  "duration 1h\npoints 5\nautomatic yes\nbasis B1\n"
                                  "rule t-rereg\ncategory pyramid\nmeasure rereg_ban\n"
                                  "duration 30d\npoints 50\nautomatic yes\nbasis B2\n"
                                  "rule t-restrict\ncategory gambling\nmeasure restrict\n"
                                  "functions going_live comments\nduration 1h\npoints 5\n"
                                  "automatic yes\nbasis B3\n"
                                  "rule t-ban\ncategory counterfeit\nmeasure ban\nduration 1h\n"
                                  "points 5\nautomatic yes\nbasis B4\n"
                                  "rule default\nmeasure warning\npoints 1\nautomatic no\n"
                                  "basis B0\n";

struct world {
    char dir[64];
    struct lc_store *store;
    struct lc_seal *seal;
    struct lc_registry *reg;
    struct lc_enforce *e;
};

static struct lc_policy *policy_of(const char *which)
{
    struct lc_policy *p = NULL;
    struct lc_policy_diag d = {0};
    if (strcmp(which, "default") == 0) {
        char path[512];
        snprintf(path, sizeof path, "%s/../../policy/default.policy", getenv("LC_TEST_DATA"));
        if (lc_policy_load(path, &p, &d) != LC_OK)
            fail_msg("default policy: %u: %s", d.line, d.message);
    } else if (lc_policy_parse(which, strlen(which), &p, &d) != LC_OK) {
        fail_msg("test policy: %u: %s", d.line, d.message);
    }
    return p;
}

static void start(struct world *w, const char *policy, const char *notify)
{
    char path[128], why[256];
    struct lc_enforce_opts o = {NULL, notify, 0};
    snprintf(path, sizeof path, "%s/db", w->dir);
    assert_int_equal(lc_store_open_sqlite(path, &w->store, why, sizeof why), LC_OK);
    snprintf(path, sizeof path, "%s/pii.key", w->dir);
    assert_int_equal(lc_seal_open(path, &w->seal, why, sizeof why), LC_OK);
    assert_int_equal(lc_registry_new(w->store, w->seal, NULL, &w->reg), LC_OK);
    assert_int_equal(lc_enforce_new(w->store, w->reg, policy_of(policy), NULL, &o, &w->e), LC_OK);
}

static void stop(struct world *w)
{
    lc_enforce_free(w->e);
    lc_registry_free(w->reg);
    lc_seal_free(w->seal);
    lc_store_close(w->store);
    w->e = NULL;
}

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    snprintf(w->dir, sizeof w->dir, "/tmp/lc-test-enforce-XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    if (w->e)
        stop(w);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", w->dir);
    assert_int_equal(system(cmd), 0);
    free(w);
    return 0;
}

/* Stores an open violation as the monitor would. */
static void violation(struct world *w, const char *id, const char *event_type,
                      const char *category, const char *severity, const char *user)
{
    json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s}}",
                          "id", id, "room_id", "room_1", "host_id", "host_1", "agency_id",
                          "agency_1", "event_id", "event_1", "event_type", event_type, "rule",
                          "R-1", "category", category, "severity", severity, "status", "open",
                          "ts", "2026-11-25T10:00:00Z", "evidence", "original", "卖枪");
    if (user)
        json_object_set_new(v, "user_id", json_string(user));
    struct lc_record r = {0};
    snprintf(r.kind, sizeof r.kind, LC_K_VIOLATION);
    snprintf(r.id, sizeof r.id, "%s", id);
    r.scope = "agency_1";
    r.key = "open";
    r.ref = "room_1";
    r.body = json_dumps(v, JSON_COMPACT);
    r.created_at = r.updated_at = lc_time_now();
    assert_int_equal(lc_store_insert(w->store, &r), LC_OK);
    free(r.body);
    json_decref(v);
}

/* Runs the automatic path on one violation; returns the measure id or "". */
static const char *auto_act(struct world *w, const char *vid)
{
    static char mid[LC_ID_MAX];
    json_t *ids = json_pack("[s]", vid), *taken = NULL;
    assert_int_equal(lc_enforce_violations(w->e, ids, &taken), LC_OK);
    snprintf(mid, sizeof mid, "%s",
             json_array_size(taken) ? json_string_value(json_array_get(taken, 0)) : "");
    json_decref(ids);
    json_decref(taken);
    return mid;
}

static json_t *stored(struct world *w, const char *kind, const char *id)
{
    struct lc_record r = {0};
    assert_int_equal(lc_store_get(w->store, kind, id, &r), LC_OK);
    json_t *b = json_loads(r.body, 0, NULL);
    lc_record_cleanup(&r);
    assert_non_null(b);
    return b;
}

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

struct first_ctx {
    json_t *found;
};

static int take_first(void *ctx, const struct lc_record *r)
{
    struct first_ctx *c = ctx;
    c->found = json_loads(r->body, 0, NULL);
    return 1;
}

static json_t *notice_for(struct world *w, const char *subject)
{
    struct first_ctx c = {NULL};
    struct lc_query q = {.kind = LC_K_NOTICE, .ref = subject, .newest_first = true};
    assert_int_equal(lc_store_list(w->store, &q, take_first, &c), LC_OK);
    assert_non_null(c.found);
    return c.found;
}

static void test_host_selling_contraband_is_suspended_at_once_until_expiry(void **state)
{
    struct world *w = *state;
    start(w, "default", NULL);
    violation(w, "violation_1", "transcript", "contraband", "critical", NULL);
    const char *mid = auto_act(w, "violation_1");
    assert_true(mid[0]);
    json_t *m = stored(w, LC_K_MEASURE, mid);
    assert_string_equal(str(m, "measure"), "suspend");
    assert_string_equal(str(m, "subject_type"), "host");
    assert_string_equal(str(m, "status"), "active");
    assert_true(json_is_true(json_object_get(m, "automatic")));
    /* every input that chose it is recorded */
    json_t *in = json_object_get(json_object_get(m, "policy"), "inputs");
    assert_string_equal(str(in, "category"), "contraband");
    assert_non_null(json_object_get(in, "points"));
    assert_non_null(json_object_get(in, "risk_tier"));
    int64_t now = lc_time_now(), exp;
    assert_int_equal(lc_time_parse(str(m, "expires_at"), &exp), LC_OK);
    assert_true(exp > now);
    assert_int_equal(lc_enforce_sanctions(w->e, "room_1", "host_x", "", now), LC_GR_SUSPENDED);
    assert_int_equal(lc_enforce_sanctions(w->e, "room_2", "host_1", "", now), LC_GR_SUSPENDED);
    assert_int_equal(lc_enforce_sanctions(w->e, "room_2", "host_2", "", now), 0);
    json_t *v = stored(w, LC_K_VIOLATION, "violation_1");
    assert_string_equal(str(v, "status"), "confirmed");
    json_decref(v);
    /* the measure ends by itself */
    lc_enforce_tick(w->e, exp);
    assert_int_equal(lc_enforce_sanctions(w->e, "room_1", "host_1", "", exp), 0);
    json_decref(m);
    m = stored(w, LC_K_MEASURE, mid);
    assert_string_equal(str(m, "status"), "expired");
    json_decref(m);
    /* and survives a restart only while in force: nothing to load now */
    stop(w);
    start(w, "default", NULL);
    assert_int_equal(lc_enforce_sanctions(w->e, "room_1", "host_1", "", lc_time_now()), 0);
}

/* One ingest batch is decided as a whole and stored in one transaction:
 * the second violation of a subject sees the first as history. */
static void test_a_batch_sees_its_own_earlier_measures_as_history(void **state)
{
    struct world *w = *state;
    start(w, "default", NULL);
    violation(w, "violation_x1", "transcript", "contraband", "critical", NULL);
    violation(w, "violation_x2", "transcript", "contraband", "critical", NULL);
    json_t *ids = json_pack("[s, s]", "violation_x1", "violation_x2"), *taken = NULL;
    assert_int_equal(lc_enforce_violations(w->e, ids, &taken), LC_OK);
    assert_int_equal(json_array_size(taken), 2);
    json_t *m1 = stored(w, LC_K_MEASURE, json_string_value(json_array_get(taken, 0)));
    json_t *m2 = stored(w, LC_K_MEASURE, json_string_value(json_array_get(taken, 1)));
    json_t *in1 = json_object_get(json_object_get(m1, "policy"), "inputs");
    json_t *in2 = json_object_get(json_object_get(m2, "policy"), "inputs");
    assert_int_equal(json_integer_value(json_object_get(in1, "repeats")), 0);
    assert_int_equal(json_integer_value(json_object_get(in2, "repeats")), 1);
    assert_true(json_number_value(json_object_get(in2, "points")) > 0);
    assert_true(lc_measure_parse(str(m2, "measure")) >= lc_measure_parse(str(m1, "measure")));
    json_decref(m1);
    json_decref(m2);
    json_decref(ids);
    json_decref(taken);
}

static void test_a_notice_tells_the_subject_facts_reason_basis_and_how_to_appeal(void **state)
{
    struct world *w = *state;
    start(w, "default", NULL);
    violation(w, "violation_2", "transcript", "contraband", "critical", NULL);
    assert_true(auto_act(w, "violation_2")[0]);
    json_t *n = notice_for(w, "host_1");
    assert_non_null(json_object_get(n, "facts"));
    assert_string_equal(str(json_object_get(n, "facts"), "event_id"), "event_1");
    assert_true(strlen(str(n, "reason")) > 0);
    assert_non_null(strstr(str(n, "legal_basis"), "办法"));
    assert_string_equal(str(n, "measure"), "suspend");
    assert_true(json_is_string(json_object_get(n, "expires_at")));
    json_t *appeal = json_object_get(n, "appeal");
    assert_non_null(strstr(str(appeal, "how"), "/v1/appeals"));
    int64_t by;
    assert_int_equal(lc_time_parse(str(appeal, "by"), &by), LC_OK);
    assert_true(by > lc_time_now() + 14 * 86400);
    json_decref(n);
}

static void test_a_first_minor_offence_never_earns_more_than_a_warning(void **state)
{
    struct world *w = *state;
    start(w, "default", NULL);
    /* the exhaustive sweep over categories, severities, subjects and tiers
     * is in test_policy.c; here the whole path, from a stored violation */
    violation(w, "violation_m", "transcript", "counterfeit", "medium", NULL);
    struct lc_errinfo ei = {0};
    json_t *out = NULL;
    if (!auto_act(w, "violation_m")[0]) {
        assert_int_equal(lc_enforce_confirm(w->e, "violation_m", "op", &out, &ei), LC_OK);
        json_decref(out);
    }
    struct first_ctx c = {NULL};
    struct lc_query q = {.kind = LC_K_MEASURE, .ref = "host_1"};
    assert_int_equal(lc_store_list(w->store, &q, take_first, &c), LC_OK);
    assert_non_null(c.found);
    assert_string_equal(str(c.found, "measure"), "warning");
    assert_string_equal(str(c.found, "status"), "issued");
    json_decref(c.found);
    assert_int_equal(lc_enforce_sanctions(w->e, "room_1", "host_1", "", lc_time_now()), 0);
}

static int severity_rank(const char *m)
{
    return (int)lc_measure_parse(m);
}

struct ladder {
    int max;
};

static int max_measure(void *ctx, const struct lc_record *r)
{
    struct ladder *l = ctx;
    json_t *b = json_loads(r->body, 0, NULL);
    int k = severity_rank(str(b, "measure"));
    if (k > l->max)
        l->max = k;
    json_decref(b);
    return 0;
}

static void test_repeat_offences_escalate(void **state)
{
    struct world *w = *state;
    start(w, "default", NULL);
    int last = 0;
    for (int i = 0; i < 6; i++) {
        char vid[32];
        snprintf(vid, sizeof vid, "violation_r%d", i);
        violation(w, vid, "transcript", "counterfeit", "high", NULL);
        struct lc_errinfo ei = {0};
        json_t *out = NULL;
        if (!auto_act(w, vid)[0]) {
            assert_int_equal(lc_enforce_confirm(w->e, vid, "op", &out, &ei), LC_OK);
            json_decref(out);
        }
        struct ladder l = {0};
        struct lc_query q = {.kind = LC_K_MEASURE, .ref = "host_1"};
        assert_int_equal(lc_store_list(w->store, &q, max_measure, &l), LC_OK);
        assert_true(l.max >= last); /* never milder with more history */
        last = l.max;
    }
    assert_true(last > LC_M_WARNING); /* and it does climb */
}

static void test_a_viewers_chat_is_the_viewers_not_the_rooms(void **state)
{
    struct world *w = *state;
    start(w, "default", NULL);
    violation(w, "violation_v", "chat", "contraband", "critical", "viewer_9");
    const char *mid = auto_act(w, "violation_v");
    assert_true(mid[0]);
    json_t *m = stored(w, LC_K_MEASURE, mid);
    assert_string_equal(str(m, "subject_type"), "viewer");
    assert_string_equal(str(m, "subject_id"), "viewer_9");
    json_decref(m);
    assert_int_equal(lc_enforce_sanctions(w->e, "room_1", "host_1", "", lc_time_now()), 0);
    json_t *r = lc_enforce_restrictions(w->e, "viewer_9", lc_time_now());
    assert_string_equal(json_string_value(json_array_get(json_object_get(r, "functions"), 0)),
                        "chat");
    json_decref(r);
}

static int find_room_chat(void *ctx, const struct lc_record *r)
{
    struct first_ctx *c = ctx;
    json_t *b = json_loads(r->body, 0, NULL);
    if (strcmp(str(b, "event_type"), "room_chat") == 0) {
        c->found = b;
        return 1;
    }
    json_decref(b);
    return 0;
}

/* R27: viewers are dealt with one by one, and the room answers only when
 * it lets its chat run out of hand. */
static void test_a_room_that_does_not_manage_its_chat_answers_for_it(void **state)
{
    struct world *w = *state;
    start(w, "default", NULL);
    for (int i = 0; i < 10; i++) {
        char vid[32], user[32];
        snprintf(vid, sizeof vid, "violation_c%d", i);
        snprintf(user, sizeof user, "viewer_%d", i);
        violation(w, vid, "chat", "contraband", "critical", user);
        const char *mid = auto_act(w, vid);
        assert_true(mid[0]);
        json_t *m = stored(w, LC_K_MEASURE, mid);
        assert_string_equal(str(m, "subject_type"), "viewer");
        assert_string_equal(str(m, "hide_event_id"), "event_1"); /* the message is hidden */
        json_decref(m);
        /* below the threshold the room has nothing of its own */
        struct first_ctx c = {NULL};
        struct lc_query q = {.kind = LC_K_MEASURE, .ref = "room_1"};
        assert_int_equal(lc_store_list(w->store, &q, take_first, &c), LC_OK);
        if (i < 9)
            assert_null(c.found);
        json_decref(c.found);
    }
    /* after the tenth: a violation of the room itself, dealt with by the
     * policy (a measure against the room, or open for an operator) */
    struct first_ctx c = {NULL};
    struct lc_query qv = {.kind = LC_K_VIOLATION, .ref = "room_1"};
    assert_int_equal(lc_store_list(w->store, &qv, find_room_chat, &c), LC_OK);
    assert_non_null(c.found);
    assert_string_equal(str(c.found, "event_type"), "room_chat");
    assert_string_equal(str(c.found, "category"), "chat_management");
    const char *status = str(c.found, "status");
    if (strcmp(status, "confirmed") == 0) {
        json_t *m = NULL;
        struct first_ctx cm = {NULL};
        struct lc_query qm = {.kind = LC_K_MEASURE, .ref = "room_1"};
        assert_int_equal(lc_store_list(w->store, &qm, take_first, &cm), LC_OK);
        m = cm.found;
        assert_non_null(m);
        assert_string_equal(str(m, "subject_type"), "room");
        json_decref(m);
    } else {
        assert_string_equal(status, "open");
    }
    json_decref(c.found);
}

/* A host record as the registry keeps it: the key is the blind index of
 * the ID number. */
static void host_record(struct world *w, const char *id, const char *blind)
{
    struct lc_record r = {0};
    snprintf(r.kind, sizeof r.kind, "host");
    snprintf(r.id, sizeof r.id, "%s", id);
    r.key = (char *)blind;
    r.body = "{\"id\":\"host_1\",\"agency_id\":\"agency_1\"}";
    r.created_at = r.updated_at = lc_time_now();
    assert_int_equal(lc_store_insert(w->store, &r), LC_OK);
}

struct count_ctx {
    int n, live;
};

static int count_entries(void *ctx, const struct lc_record *r)
{
    struct count_ctx *c = ctx;
    json_t *b = json_loads(r->body, 0, NULL);
    int64_t exp = 0;
    if (lc_time_parse(str(b, "expires_at"), &exp) == LC_OK && exp > lc_time_now())
        c->live++;
    c->n++;
    json_decref(b);
    return 0;
}

/* Blacklisting is an entry of the registry's list, keyed on the identity,
 * with its expiry, and ends when the measure is lifted; closure lasts
 * until lifted. */
static void test_blacklisting_enters_the_registry_list_and_leaves_it_when_lifted(void **state)
{
    struct world *w = *state;
    static const char bl_policy[] = "policy bl\nversion 1\nhalf_life 90d\nrepeat_window 180d\n"
                                    "rule t-bl\ncategory contraband\nmeasure blacklist\n"
                                    "duration 30d\npoints 50\nautomatic yes\nbasis BL\n\n"
                                    "rule t-close\ncategory fraud\nmeasure close\npoints 50\n"
                                    "automatic yes\nbasis CL\n\n"
                                    "rule default\nmeasure warning\npoints 1\nautomatic no\n"
                                    "basis B0\n";
    start(w, bl_policy, NULL);
    host_record(w, "host_1", "blindkeyBL");
    violation(w, "violation_k", "transcript", "contraband", "critical", NULL);
    char mid[LC_ID_MAX];
    snprintf(mid, sizeof mid, "%s", auto_act(w, "violation_k"));
    assert_true(mid[0]);
    int64_t now = lc_time_now();
    struct count_ctx c = {0, 0};
    struct lc_query q = {.kind = LC_K_BLACKLIST, .key = "blindkeyBL"};
    assert_int_equal(lc_store_list(w->store, &q, count_entries, &c), LC_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.live, 1);
    assert_true(lc_blacklist_active(lc_registry_blacklist(w->reg), "blindkeyBL", now));
    /* the same person under another account is refused too */
    assert_int_equal(lc_enforce_sanctions(w->e, "room_9", "host_9", "blindkeyBL", now),
                     LC_GR_BANNED);
    struct lc_errinfo ei = {0};
    json_t *out = NULL;
    assert_int_equal(lc_enforce_lift(w->e, mid, "op", &out, &ei), LC_OK);
    json_decref(out);
    assert_false(lc_blacklist_active(lc_registry_blacklist(w->reg), "blindkeyBL", now + 1));
    c = (struct count_ctx){0, 0};
    assert_int_equal(lc_store_list(w->store, &q, count_entries, &c), LC_OK);
    assert_int_equal(c.live, 0);
    /* closure: no expiry, in force until lifted */
    violation(w, "violation_z", "transcript", "fraud", "high", NULL);
    snprintf(mid, sizeof mid, "%s", auto_act(w, "violation_z"));
    json_t *m = stored(w, LC_K_MEASURE, mid);
    assert_string_equal(str(m, "measure"), "close");
    assert_true(json_is_null(json_object_get(m, "expires_at")));
    json_decref(m);
    lc_enforce_tick(w->e, now + 86400 * 400);
    assert_int_equal(lc_enforce_sanctions(w->e, "room_1", "host_1", "", now + 86400 * 400),
                     LC_GR_BANNED);
}

static void test_traffic_weight_applies_and_lifting_restores_it(void **state)
{
    struct world *w = *state;
    start(w, test_policy, NULL);
    violation(w, "violation_t", "transcript", "fraud", "high", NULL);
    const char *mid = auto_act(w, "violation_t");
    json_t *t = lc_enforce_traffic(w->e, "room_1", lc_time_now());
    assert_true(json_real_value(json_object_get(t, "weight")) > 0.29 &&
                json_real_value(json_object_get(t, "weight")) < 0.31);
    json_decref(t);
    t = lc_enforce_traffic_all(w->e, lc_time_now());
    assert_int_equal(json_array_size(json_object_get(t, "items")), 1);
    json_decref(t);
    struct lc_errinfo ei = {0};
    json_t *out = NULL;
    char id[LC_ID_MAX];
    snprintf(id, sizeof id, "%s", mid);
    assert_int_equal(lc_enforce_lift(w->e, id, "op", &out, &ei), LC_OK);
    json_decref(out);
    t = lc_enforce_traffic(w->e, "room_1", lc_time_now());
    assert_true(json_real_value(json_object_get(t, "weight")) == 1.0);
    json_decref(t);
    /* lifting again is an illegal transition */
    memset(&ei, 0, sizeof ei);
    assert_int_equal(lc_enforce_lift(w->e, id, "op", &out, &ei), LC_ECONFLICT);
    assert_string_equal(ei.code, "not_active");
}

static void test_restriction_switches_off_going_live_and_comments(void **state)
{
    struct world *w = *state;
    start(w, test_policy, NULL);
    violation(w, "violation_g", "transcript", "gambling", "high", NULL);
    assert_true(auto_act(w, "violation_g")[0]);
    int64_t now = lc_time_now();
    assert_int_equal(lc_enforce_sanctions(w->e, "room_9", "host_1", "", now), LC_GR_RESTRICTED);
    json_t *r = lc_enforce_restrictions(w->e, "host_1", now);
    char *s = json_dumps(json_object_get(r, "functions"), JSON_COMPACT);
    assert_string_equal(s, "[\"comments\",\"going_live\"]");
    free(s);
    json_decref(r);
    lc_enforce_tick(w->e, now + 3601);
    assert_int_equal(lc_enforce_sanctions(w->e, "room_9", "host_1", "", now + 3601), 0);
}

static void test_a_ban_refuses_going_live_and_survives_a_restart(void **state)
{
    struct world *w = *state;
    start(w, test_policy, NULL);
    violation(w, "violation_b", "product_claim", "counterfeit", "high", NULL);
    assert_true(auto_act(w, "violation_b")[0]);
    assert_int_equal(lc_enforce_sanctions(w->e, "room_1", "host_1", "", lc_time_now()),
                     LC_GR_BANNED);
    stop(w);
    start(w, test_policy, NULL);
    assert_int_equal(lc_enforce_sanctions(w->e, "room_1", "host_1", "", lc_time_now()),
                     LC_GR_BANNED);
}

static void test_a_reregistration_ban_refuses_the_same_identity(void **state)
{
    struct world *w = *state;
    start(w, test_policy, NULL);
    /* a measure loaded from the store, keyed on the blind index */
    json_t *m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", "measure_rr", "subject_type",
                          "host", "subject_id", "host_7", "subject_key", "blindkey7", "measure",
                          "rereg_ban", "status", "active");
    struct lc_record r = {0};
    snprintf(r.kind, sizeof r.kind, LC_K_MEASURE);
    snprintf(r.id, sizeof r.id, "measure_rr");
    r.key = "active";
    r.ref = "host_7";
    r.body = json_dumps(m, JSON_COMPACT);
    r.created_at = r.updated_at = lc_time_now();
    assert_int_equal(lc_store_insert(w->store, &r), LC_OK);
    free(r.body);
    json_decref(m);
    stop(w);
    start(w, test_policy, NULL);
    struct lc_errinfo ei = {0};
    assert_int_equal(lc_enforce_admit(w->e, "blindkey7", &ei), LC_EDENIED);
    assert_string_equal(ei.code, "reregistration_banned");
    memset(&ei, 0, sizeof ei);
    assert_int_equal(lc_enforce_admit(w->e, "otherkey", &ei), LC_OK);
}

static void test_illegal_transitions_are_conflicts(void **state)
{
    struct world *w = *state;
    start(w, "default", NULL);
    violation(w, "violation_d", "transcript", "absolute_claim", "medium", NULL);
    struct lc_errinfo ei = {0};
    json_t *out = NULL;
    assert_int_equal(lc_enforce_dismiss(w->e, "violation_d", "op", &out, &ei), LC_OK);
    json_decref(out);
    memset(&ei, 0, sizeof ei);
    assert_int_equal(lc_enforce_confirm(w->e, "violation_d", "op", &out, &ei), LC_ECONFLICT);
    assert_string_equal(ei.code, "illegal_transition");
    memset(&ei, 0, sizeof ei);
    assert_int_equal(lc_enforce_dismiss(w->e, "violation_d", "op", &out, &ei), LC_ECONFLICT);
    memset(&ei, 0, sizeof ei);
    assert_int_equal(lc_enforce_confirm(w->e, "violation_nope", "op", &out, &ei), LC_ENOTFOUND);
}

static void test_an_upheld_appeal_reverses_the_measure_and_its_effects(void **state)
{
    struct world *w = *state;
    start(w, "default", NULL);
    violation(w, "violation_a", "transcript", "contraband", "critical", NULL);
    char mid[LC_ID_MAX];
    snprintf(mid, sizeof mid, "%s", auto_act(w, "violation_a"));
    assert_int_equal(lc_enforce_sanctions(w->e, "room_1", "host_1", "", lc_time_now()),
                     LC_GR_SUSPENDED);
    struct lc_errinfo ei = {0};
    json_t *in = json_pack("{s:s, s:s}", "measure_id", mid, "reason", "it was a toy"), *a = NULL;
    /* another agency may not appeal it */
    assert_int_equal(lc_enforce_appeal(w->e, in, "agency_2", "x", &a, &ei), LC_EDENIED);
    memset(&ei, 0, sizeof ei);
    assert_int_equal(lc_enforce_appeal(w->e, in, "agency_1", "agency-token", &a, &ei), LC_OK);
    memset(&ei, 0, sizeof ei);
    json_t *again = NULL;
    assert_int_equal(lc_enforce_appeal(w->e, in, "agency_1", "agency-token", &again, &ei),
                     LC_ECONFLICT);
    assert_string_equal(ei.code, "already_appealed");
    json_decref(in);
    char aid[LC_ID_MAX + 16];
    snprintf(aid, sizeof aid, "%s", str(a, "id"));
    json_decref(a);
    in = json_pack("{s:s, s:s}", "outcome", "upheld", "note", "toy gun, wrong call");
    memset(&ei, 0, sizeof ei);
    json_t *d = NULL;
    assert_int_equal(lc_enforce_decide(w->e, aid, in, "op", &d, &ei), LC_OK);
    json_decref(d);
    assert_int_equal(lc_enforce_sanctions(w->e, "room_1", "host_1", "", lc_time_now()), 0);
    json_t *m = stored(w, LC_K_MEASURE, mid);
    assert_string_equal(str(m, "status"), "reversed");
    json_decref(m);
    json_t *v = stored(w, LC_K_VIOLATION, "violation_a");
    assert_string_equal(str(v, "status"), "dismissed");
    assert_true(json_is_true(json_object_get(v, "corrected")));
    json_decref(v);
    json_t *n = notice_for(w, "host_1");
    assert_string_equal(str(n, "about"), "reversal");
    json_decref(n);
    memset(&ei, 0, sizeof ei);
    assert_int_equal(lc_enforce_decide(w->e, aid, in, "op", &d, &ei), LC_ECONFLICT);
    json_decref(in);
    /* a reversed measure cannot be appealed or lifted */
    memset(&ei, 0, sizeof ei);
    assert_int_equal(lc_enforce_lift(w->e, mid, "op", &d, &ei), LC_ECONFLICT);
}

static void test_disposal_report_flags_grave_measures(void **state)
{
    struct world *w = *state;
    start(w, test_policy, NULL);
    violation(w, "violation_p", "transcript", "pyramid", "high", NULL);
    violation(w, "violation_q", "transcript", "fraud", "high", NULL);
    assert_true(auto_act(w, "violation_p")[0]);
    assert_true(auto_act(w, "violation_q")[0]);
    struct lc_errinfo ei = {0};
    json_t *rep = NULL;
    int64_t now = lc_time_now();
    assert_int_equal(lc_enforce_disposals(w->e, now - 60, now + 60, &rep, &ei), LC_OK);
    assert_int_equal(json_integer_value(json_object_get(rep, "count")), 2);
    assert_int_equal(json_integer_value(json_object_get(rep, "provincial_report_count")), 1);
    json_decref(rep);
    assert_int_equal(lc_enforce_disposals(w->e, now, now - 1, &rep, &ei), LC_EINVAL);
}

/* A webhook that fails twice, then takes the notice. */
struct hook {
    int fd, port, calls;
    char body[4096];
};

static void *serve_hook(void *arg)
{
    struct hook *h = arg;
    for (int i = 0; i < 3; i++) {
        int c = accept(h->fd, NULL, NULL);
        if (c < 0)
            return NULL;
        char buf[8192];
        ssize_t n = 0, r;
        while ((r = recv(c, buf + n, sizeof buf - 1 - (size_t)n, 0)) > 0) {
            n += r;
            buf[n] = 0;
            char *body = strstr(buf, "\r\n\r\n");
            char *cl = strstr(buf, "Content-Length: ");
            if (body && cl && (size_t)(buf + n - body - 4) >= (size_t)atoi(cl + 16))
                break;
        }
        buf[n > 0 ? n : 0] = 0;
        h->calls++;
        if (strstr(buf, "\r\n\r\n"))
            snprintf(h->body, sizeof h->body, "%s", strstr(buf, "\r\n\r\n") + 4);
        const char *reply = h->calls < 3 ? "HTTP/1.1 503 No\r\nContent-Length: 0\r\n\r\n"
                                         : "HTTP/1.1 204 OK\r\nContent-Length: 0\r\n\r\n";
        assert_true(send(c, reply, strlen(reply), 0) > 0);
        close(c);
    }
    return NULL;
}

static void test_notices_are_delivered_to_the_webhook_with_retries(void **state)
{
    struct world *w = *state;
    struct hook h = {0};
    h.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
    socklen_t sl = sizeof sa;
    assert_int_equal(bind(h.fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(h.fd, 4), 0);
    assert_int_equal(getsockname(h.fd, (struct sockaddr *)&sa, &sl), 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/notices", ntohs(sa.sin_port));
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, serve_hook, &h), 0);
    start(w, "default", url);
    violation(w, "violation_n", "transcript", "contraband", "critical", NULL);
    assert_true(auto_act(w, "violation_n")[0]);
    int64_t now = lc_time_now();
    for (int i = 0; i < 3; i++)
        lc_enforce_tick(w->e, now + i * 600); /* past each backoff */
    pthread_join(t, NULL);
    close(h.fd);
    assert_int_equal(h.calls, 3);
    assert_non_null(strstr(h.body, "\"legal_basis\""));
    json_t *n = notice_for(w, "host_1");
    assert_string_equal(str(n, "status"), "delivered");
    json_decref(n);
    struct lc_enforce_stats st;
    lc_enforce_stats(w->e, &st);
    assert_int_equal(st.notices_delivered, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_host_selling_contraband_is_suspended_at_once_until_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_a_notice_tells_the_subject_facts_reason_basis_and_how_to_appeal, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_a_batch_sees_its_own_earlier_measures_as_history,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_first_minor_offence_never_earns_more_than_a_warning,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_repeat_offences_escalate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_viewers_chat_is_the_viewers_not_the_rooms, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_room_that_does_not_manage_its_chat_answers_for_it,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_blacklisting_enters_the_registry_list_and_leaves_it_when_lifted, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_traffic_weight_applies_and_lifting_restores_it,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_restriction_switches_off_going_live_and_comments,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_ban_refuses_going_live_and_survives_a_restart,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_reregistration_ban_refuses_the_same_identity,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_illegal_transitions_are_conflicts, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_an_upheld_appeal_reverses_the_measure_and_its_effects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disposal_report_flags_grave_measures, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_notices_are_delivered_to_the_webhook_with_retries,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
