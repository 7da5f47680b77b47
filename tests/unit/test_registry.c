/* test_registry.c -- unit tests for src/registry/registry.c through its API,
 * over a real SQLite store and seal key in a temporary directory.
 *
 * Inputs go through the same shape check the HTTP layer applies
 * (lc_jsonv_check against the exported field tables) before the registry
 * sees them, so the tests exercise the semantic checks, not the shapes.
 * Personal data is checked both ways: masked in views, and absent in clear
 * from what the store holds. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/jsonv.h"
#include "core/time.h"
#include "ident/ident.h"
#include "ident/seal.h"
#include "registry/blacklist.h"
#include "registry/registry.h"
#include "store/store.h"

#define DAY 86400
#define CREDIT_A "91512081MA62K0260E"
#define HOST_NAME "张三丰"
#define HOST_PHONE "13812345678"

struct fx {
    char dir[64];
    char db[128];
    char keyfile[128];
    struct lc_store *store;
    struct lc_seal *seal;
    struct lc_registry *reg;
    char agency_a[LC_ID_MAX], agency_b[LC_ID_MAX];
    char idnum[19]; /* an adult's valid ID number */
};

typedef enum lc_err (*create_fn)(struct lc_registry *, json_t *, const struct lc_access *,
                                 json_t **, struct lc_errinfo *);

static const struct lc_access reveal_all = {NULL, true, "test"};

/* ---- helpers ---------------------------------------------------------- */

static void make_idnum(char out[19], int y, int m, int d, const char *seq)
{
    snprintf(out, 19, "110105%04d%02d%02d%.3s", y, m, d, seq);
    out[17] = lc_ident_id_check_char(out);
    out[18] = '\0';
    assert_int_not_equal(out[17], '?');
}

/* Today in China, years back, with Feb 29 moved to Feb 28 when needed;
 * shift_days moves the result further (positive = later). */
static struct lc_date years_ago(int years, int shift_days)
{
    struct lc_date d = lc_date_at(lc_time_now(), LC_CST_OFFSET);
    d.year -= years;
    if (!lc_date_valid(d))
        d.day = 28;
    return lc_civil_from_days(lc_days_from_civil(d) + shift_days);
}

static const char *ts_from_now(int64_t delta, char buf[LC_TIME_STRLEN])
{
    lc_time_format(lc_time_now() + delta, buf);
    return buf;
}

/* Shape-checks in, then runs fn with access a.  Takes ownership of in; the
 * answer (on success) goes to *out when out is non-NULL, else is dropped. */
static enum lc_err run(struct fx *f, create_fn fn, const struct lc_jfield *fields, json_t *in,
                       const struct lc_access *a, json_t **out, struct lc_errinfo *e)
{
    json_t *res = NULL;
    assert_non_null(in);
    memset(e, 0, sizeof *e);
    enum lc_err err = lc_jsonv_check(in, fields, e);
    if (err == LC_OK)
        err = fn(f->reg, in, a, &res, e);
    json_decref(in);
    if (err == LC_OK && out)
        *out = res;
    else
        json_decref(res);
    return err;
}

static void run_ok(struct fx *f, create_fn fn, const struct lc_jfield *fields, json_t *in,
                   const struct lc_access *a, char id[LC_ID_MAX])
{
    struct lc_errinfo e;
    json_t *out = NULL;
    if (run(f, fn, fields, in, a, &out, &e) != LC_OK)
        fail_msg("refused: %s (%s: %s)", e.code, e.field, e.message);
    if (id)
        snprintf(id, LC_ID_MAX, "%s", lc_jstr(out, "id"));
    json_decref(out);
}

static void assert_refused(struct fx *f, create_fn fn, const struct lc_jfield *fields,
                           json_t *in, const struct lc_access *a, enum lc_err want_err,
                           const char *code, const char *field)
{
    struct lc_errinfo e;
    enum lc_err err = run(f, fn, fields, in, a, NULL, &e);
    if (err == LC_OK)
        fail_msg("accepted; wanted %s on %s", code, field);
    assert_int_equal(err, want_err);
    assert_string_equal(e.code, code);
    assert_string_equal(e.field, field);
}

static json_t *host_in(const char *idnum, const char *agency)
{
    return json_pack("{s:s, s:s, s:s, s:s?}", "name", HOST_NAME, "id_number", idnum, "phone",
                     HOST_PHONE, "agency_id", agency);
}

static json_t *bl_in(const char *idnum, const char *reason, const char *expires_at)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "id_number", idnum, "reason", reason,
                     "legal_basis", "rule 7", "expires_at", expires_at);
}

static json_t *get(struct fx *f, const char *kind, const char *id, const struct lc_access *a)
{
    struct lc_errinfo e = {0};
    json_t *out = NULL;
    if (lc_registry_get(f->reg, kind, id, a, &out, &e) != LC_OK)
        fail_msg("get %s %s: %s", kind, id, e.code);
    return out;
}

/* The stored body of a record, as text (owned by the caller). */
static char *stored(struct fx *f, const char *kind, const char *id)
{
    struct lc_record rec = {0};
    assert_int_equal(lc_store_get(f->store, kind, id, &rec), LC_OK);
    char *body = strdup(rec.body);
    lc_record_cleanup(&rec);
    return body;
}

static void assert_not_in(const char *hay, const char *needle)
{
    if (strstr(hay, needle))
        fail_msg("\"%s\" found in clear in %s", needle, hay);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    char err[256] = "";
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/lc_registry_XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->db, sizeof f->db, "%s/lc.db", f->dir);
    snprintf(f->keyfile, sizeof f->keyfile, "%s/seal.key", f->dir);
    if (lc_store_open_sqlite(f->db, &f->store, err, sizeof err) != LC_OK ||
        lc_seal_open(f->keyfile, &f->seal, err, sizeof err) != LC_OK ||
        lc_registry_new(f->store, f->seal, NULL, &f->reg) != LC_OK) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    *state = f;
    run_ok(f, lc_registry_create_agency, lc_agency_fields,
           json_pack("{s:s, s:s}", "name", "Agency A", "credit_code", CREDIT_A), NULL,
           f->agency_a);
    run_ok(f, lc_registry_create_agency, lc_agency_fields,
           json_pack("{s:s, s:s}", "name", "Agency B", "credit_code", CREDIT_A), NULL,
           f->agency_b);
    make_idnum(f->idnum, 1990, 3, 7, "123");
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    const char *files[] = {"lc.db", "lc.db-wal", "lc.db-shm", "seal.key"};
    char p[192];
    lc_registry_free(f->reg);
    lc_seal_free(f->seal);
    lc_store_close(f->store);
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(p, sizeof p, "%s/%s", f->dir, files[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static int count_one(void *ctx, const struct lc_record *r)
{
    (*(size_t *)ctx)++;
    return 0;
}

static size_t count_kind(struct fx *f, const char *kind)
{
    size_t n = 0;
    struct lc_query q = {.kind = kind};
    assert_int_equal(lc_store_list(f->store, &q, count_one, &n), LC_OK);
    return n;
}

/* ---- host identity and age ------------------------------------------- */

static void host_refused_with_bad_id_checksum(void **state)
{
    struct fx *f = *state;
    char bad[19];
    memcpy(bad, f->idnum, sizeof bad);
    bad[17] = bad[17] == '0' ? '1' : '0';
    assert_refused(f, lc_registry_create_host, lc_host_fields, host_in(bad, NULL), NULL,
                   LC_EINVAL, "invalid_id_number", "id_number");
    assert_refused(f, lc_registry_create_host, lc_host_fields, host_in("110105", NULL), NULL,
                   LC_EINVAL, "invalid_id_number", "id_number");
    assert_int_equal(count_kind(f, LC_K_HOST), 0);
}

static void host_refused_under_16(void **state)
{
    struct fx *f = *state;
    char idnum[19];
    struct lc_date b = years_ago(15, 0);
    make_idnum(idnum, b.year, b.month, b.day, "001");
    /* consent does not cure being under 16 */
    json_t *in = host_in(idnum, NULL);
    json_object_set_new(in, "guardian_consent", json_true());
    assert_refused(f, lc_registry_create_host, lc_host_fields, in, NULL, LC_EINVAL,
                   "under_age", "id_number");
    /* turning 16 tomorrow is still 15 today */
    b = years_ago(16, 1);
    make_idnum(idnum, b.year, b.month, b.day, "002");
    in = host_in(idnum, NULL);
    json_object_set_new(in, "guardian_consent", json_true());
    assert_refused(f, lc_registry_create_host, lc_host_fields, in, NULL, LC_EINVAL,
                   "under_age", "id_number");
    assert_int_equal(count_kind(f, LC_K_HOST), 0);
}

static void host_aged_16_or_17_refused_without_guardian_consent(void **state)
{
    struct fx *f = *state;
    char idnum[19];
    struct lc_date b = years_ago(16, 0); /* 16 today */
    make_idnum(idnum, b.year, b.month, b.day, "003");
    assert_refused(f, lc_registry_create_host, lc_host_fields, host_in(idnum, NULL), NULL,
                   LC_EINVAL, "guardian_consent_required", "guardian_consent");
    b = years_ago(18, 1); /* 18 tomorrow */
    make_idnum(idnum, b.year, b.month, b.day, "004");
    json_t *in = host_in(idnum, NULL);
    json_object_set_new(in, "guardian_consent", json_false());
    assert_refused(f, lc_registry_create_host, lc_host_fields, in, NULL, LC_EINVAL,
                   "guardian_consent_required", "guardian_consent");
    assert_int_equal(count_kind(f, LC_K_HOST), 0);
}

static void host_aged_17_accepted_with_guardian_consent(void **state)
{
    struct fx *f = *state;
    char idnum[19], id[LC_ID_MAX];
    struct lc_date b = years_ago(17, 0);
    make_idnum(idnum, b.year, b.month, b.day, "005");
    json_t *in = host_in(idnum, NULL);
    json_object_set_new(in, "guardian_consent", json_true());
    run_ok(f, lc_registry_create_host, lc_host_fields, in, NULL, id);
    json_t *v = get(f, LC_K_HOST, id, NULL);
    assert_true(json_is_true(json_object_get(v, "guardian_consent")));
    json_decref(v);
    /* and an adult needs no consent: 18 today */
    b = years_ago(18, 0);
    make_idnum(idnum, b.year, b.month, b.day, "006");
    run_ok(f, lc_registry_create_host, lc_host_fields, host_in(idnum, NULL), NULL, NULL);
    assert_int_equal(count_kind(f, LC_K_HOST), 2);
}

/* ---- personal data ---------------------------------------------------- */

static void host_view_masks_id_name_and_phone(void **state)
{
    struct fx *f = *state;
    char id[LC_ID_MAX], want_id[19];
    json_t *out = NULL;
    struct lc_errinfo e;
    assert_int_equal(run(f, lc_registry_create_host, lc_host_fields, host_in(f->idnum, NULL),
                         NULL, &out, &e),
                     LC_OK);
    snprintf(id, sizeof id, "%s", lc_jstr(out, "id"));
    /* the creation answer is masked too */
    snprintf(want_id, sizeof want_id, "1101**********%s", f->idnum + 14);
    assert_string_equal(lc_jstr(out, "id_number"), want_id);
    json_decref(out);

    json_t *v = get(f, LC_K_HOST, id, NULL);
    assert_string_equal(lc_jstr(v, "id_number"), want_id);
    assert_string_equal(lc_jstr(v, "name"), "张**");
    assert_string_equal(lc_jstr(v, "phone"), "138****5678");
    assert_null(json_object_get(v, "pii"));
    assert_null(json_object_get(v, "birth_date"));
    json_decref(v);
}

static void host_reveal_shows_clear_values(void **state)
{
    struct fx *f = *state;
    char id[LC_ID_MAX];
    run_ok(f, lc_registry_create_host, lc_host_fields, host_in(f->idnum, NULL), NULL, id);
    json_t *v = get(f, LC_K_HOST, id, &reveal_all);
    assert_string_equal(lc_jstr(v, "id_number"), f->idnum);
    assert_string_equal(lc_jstr(v, "name"), HOST_NAME);
    assert_string_equal(lc_jstr(v, "phone"), HOST_PHONE);
    assert_null(json_object_get(v, "pii"));
    json_decref(v);
}

static void stored_records_never_hold_personal_data_in_clear(void **state)
{
    struct fx *f = *state;
    char host[LC_ID_MAX], oper[LC_ID_MAX], bl[LC_ID_MAX], ts[LC_TIME_STRLEN], oper_idnum[19];
    run_ok(f, lc_registry_create_host, lc_host_fields, host_in(f->idnum, f->agency_a), NULL,
           host);
    char *body = stored(f, LC_K_HOST, host);
    assert_not_in(body, f->idnum);
    assert_not_in(body, HOST_NAME);
    assert_not_in(body, HOST_PHONE);
    assert_not_in(body, "19900307");
    assert_not_in(body, "1990-03-07");
    assert_non_null(strstr(body, "\"pii\""));
    free(body);

    make_idnum(oper_idnum, 1981, 5, 6, "777");
    run_ok(f, lc_registry_create_operator, lc_operator_fields,
           json_pack("{s:s, s:s}", "name", "王小明", "id_number", oper_idnum), NULL, oper);
    body = stored(f, LC_K_OPERATOR, oper);
    assert_not_in(body, oper_idnum);
    assert_not_in(body, "王小明");
    assert_not_in(body, "19810506");
    free(body);

    run_ok(f, lc_registry_add_blacklist, lc_blacklist_fields,
           json_pack("{s:s, s:s, s:s, s:s}", "id_number", f->idnum, "reason", "fraud",
                     "legal_basis", "rule 7", "expires_at", ts_from_now(DAY, ts)),
           NULL, bl);
    body = stored(f, LC_K_BLACKLIST, bl);
    assert_not_in(body, f->idnum);
    free(body);
}

static void host_phone_update_is_masked_and_resealed(void **state)
{
    struct fx *f = *state;
    char id[LC_ID_MAX];
    struct lc_errinfo e = {0};
    json_t *out = NULL;
    run_ok(f, lc_registry_create_host, lc_host_fields, host_in(f->idnum, NULL), NULL, id);
    json_t *patch = json_pack("{s:s}", "phone", "13900001111");
    assert_int_equal(lc_jsonv_check(patch, lc_host_patch_fields, &e), LC_OK);
    assert_int_equal(lc_registry_update(f->reg, LC_K_HOST, id, patch, NULL, &out, &e), LC_OK);
    json_decref(patch);
    assert_string_equal(lc_jstr(out, "phone"), "139****1111");
    json_decref(out);

    json_t *v = get(f, LC_K_HOST, id, NULL);
    assert_string_equal(lc_jstr(v, "phone"), "139****1111");
    assert_string_equal(lc_jstr(v, "name"), "张**");
    json_decref(v);
    v = get(f, LC_K_HOST, id, &reveal_all);
    assert_string_equal(lc_jstr(v, "phone"), "13900001111");
    assert_string_equal(lc_jstr(v, "id_number"), f->idnum); /* the rest survives */
    assert_string_equal(lc_jstr(v, "name"), HOST_NAME);
    json_decref(v);
    char *body = stored(f, LC_K_HOST, id);
    assert_not_in(body, "13900001111");
    assert_not_in(body, HOST_PHONE);
    free(body);

    /* a bad phone is refused and changes nothing */
    patch = json_pack("{s:s}", "phone", "12");
    assert_int_equal(lc_registry_update(f->reg, LC_K_HOST, id, patch, NULL, &out, &e),
                     LC_EINVAL);
    assert_string_equal(e.field, "phone");
    json_decref(patch);
    v = get(f, LC_K_HOST, id, NULL);
    assert_string_equal(lc_jstr(v, "phone"), "139****1111");
    json_decref(v);
}

/* An ID number of that birth date whose check character is X. */
static void make_idnum_x(char out[19], int y, int m, int d)
{
    for (int seq = 0; seq < 1000; seq++) {
        char q[4];
        snprintf(q, sizeof q, "%03d", seq);
        make_idnum(out, y, m, d, q);
        if (out[17] == 'X')
            return;
    }
    fail_msg("no sequence gives check character X");
}

static void host_id_number_with_lower_case_x_is_normalised(void **state)
{
    struct fx *f = *state;
    char upper[19], lower[19], id[LC_ID_MAX], ts[LC_TIME_STRLEN];
    make_idnum_x(upper, 1992, 8, 9);
    memcpy(lower, upper, sizeof lower);
    lower[17] = 'x';
    run_ok(f, lc_registry_create_host, lc_host_fields, host_in(lower, NULL), NULL, id);
    json_t *v = get(f, LC_K_HOST, id, &reveal_all);
    assert_string_equal(lc_jstr(v, "id_number"), upper);
    json_decref(v);
    /* and it is the same person to the blacklist, whichever case is used */
    run_ok(f, lc_registry_add_blacklist, lc_blacklist_fields,
           bl_in(upper, "fraud", ts_from_now(DAY, ts)), NULL, NULL);
    v = get(f, LC_K_HOST, id, NULL);
    assert_true(json_is_true(json_object_get(v, "blacklisted")));
    json_decref(v);
}

/* ---- agency scope ----------------------------------------------------- */

static void agency_cannot_create_host_for_another_agency(void **state)
{
    struct fx *f = *state;
    struct lc_access as_a = {f->agency_a, false, "token_a"};
    assert_refused(f, lc_registry_create_host, lc_host_fields, host_in(f->idnum, f->agency_b),
                   &as_a, LC_EDENIED, "forbidden", "agency_id");
    assert_int_equal(count_kind(f, LC_K_HOST), 0);
    /* without agency_id, the host lands in the caller's own agency */
    char id[LC_ID_MAX];
    run_ok(f, lc_registry_create_host, lc_host_fields, host_in(f->idnum, NULL), &as_a, id);
    json_t *v = get(f, LC_K_HOST, id, NULL);
    assert_string_equal(lc_jstr(v, "agency_id"), f->agency_a);
    json_decref(v);
}

static void agency_cannot_get_host_of_another_agency(void **state)
{
    struct fx *f = *state;
    struct lc_access as_a = {f->agency_a, false, "token_a"};
    struct lc_access as_b = {f->agency_b, false, "token_b"};
    char id_b[LC_ID_MAX];
    struct lc_errinfo e = {0};
    json_t *out = NULL;
    run_ok(f, lc_registry_create_host, lc_host_fields, host_in(f->idnum, f->agency_b), NULL,
           id_b);
    assert_int_equal(lc_registry_get(f->reg, LC_K_HOST, id_b, &as_a, &out, &e), LC_EDENIED);
    assert_null(out);
    assert_string_equal(e.code, "forbidden");
    /* nor change it */
    json_t *patch = json_pack("{s:s}", "phone", "13900001111");
    assert_int_equal(lc_registry_update(f->reg, LC_K_HOST, id_b, patch, &as_a, &out, &e),
                     LC_EDENIED);
    json_decref(patch);
    /* its own agency can */
    out = get(f, LC_K_HOST, id_b, &as_b);
    assert_string_equal(lc_jstr(out, "id"), id_b);
    json_decref(out);
    /* and a list as A does not show it */
    struct lc_list_req q = {.kind = LC_K_HOST, .limit = 50};
    assert_int_equal(lc_registry_list(f->reg, &q, &as_a, &out, &e), LC_OK);
    assert_int_equal(json_array_size(json_object_get(out, "items")), 0);
    json_decref(out);
}

/* ---- operators -------------------------------------------------------- */

static void operator_needs_exactly_one_of_credit_code_or_id_number(void **state)
{
    struct fx *f = *state;
    struct lc_errinfo e;
    assert_refused(f, lc_registry_create_operator, lc_operator_fields,
                   json_pack("{s:s, s:s, s:s}", "name", "Both", "credit_code", CREDIT_A,
                             "id_number", f->idnum),
                   NULL, LC_EINVAL, "invalid_value", "credit_code");
    assert_int_equal(run(f, lc_registry_create_operator, lc_operator_fields,
                         json_pack("{s:s}", "name", "Neither"), NULL, NULL, &e),
                     LC_EINVAL);
    assert_string_equal(e.code, "missing_field");
    assert_int_equal(e.status, 400);
    assert_int_equal(count_kind(f, LC_K_OPERATOR), 0);
    run_ok(f, lc_registry_create_operator, lc_operator_fields,
           json_pack("{s:s, s:s}", "name", "Org", "credit_code", CREDIT_A), NULL, NULL);
    run_ok(f, lc_registry_create_operator, lc_operator_fields,
           json_pack("{s:s, s:s}", "name", "Person", "id_number", f->idnum), NULL, NULL);
    assert_int_equal(count_kind(f, LC_K_OPERATOR), 2);
}

static void host_with_unknown_agency_is_unknown_reference(void **state)
{
    struct fx *f = *state;
    assert_refused(f, lc_registry_create_host, lc_host_fields,
                   host_in(f->idnum, "agency_000000000000000000000000"), NULL, LC_EINVAL,
                   "unknown_reference", "agency_id");
    assert_int_equal(count_kind(f, LC_K_HOST), 0);
}

/* ---- verifications ---------------------------------------------------- */

static enum lc_err add_verif(struct fx *f, const char *kind, const char *id,
                             const char *result, const char *checked_at,
                             struct lc_errinfo *e)
{
    json_t *in = json_pack("{s:s, s:s, s:s}", "method", "face_match", "result", result,
                           "checked_at", checked_at);
    json_t *out = NULL;
    memset(e, 0, sizeof *e);
    enum lc_err err = lc_jsonv_check(in, lc_verification_fields, e);
    if (err == LC_OK)
        err = lc_registry_add_verification(f->reg, kind, id, in, NULL, &out, e);
    json_decref(in);
    json_decref(out);
    return err;
}

static void verification_result_must_be_pass_or_fail(void **state)
{
    struct fx *f = *state;
    char id[LC_ID_MAX], ts[LC_TIME_STRLEN];
    struct lc_errinfo e;
    run_ok(f, lc_registry_create_host, lc_host_fields, host_in(f->idnum, NULL), NULL, id);
    assert_int_equal(add_verif(f, LC_K_HOST, id, "maybe", ts_from_now(-60, ts), &e),
                     LC_EINVAL);
    assert_string_equal(e.code, "invalid_value");
    assert_string_equal(e.field, "result");
    assert_int_equal(add_verif(f, LC_K_HOST, id, "PASS", ts_from_now(-60, ts), &e), LC_EINVAL);
    assert_int_equal(count_kind(f, LC_K_HOST_VERIF), 0);
}

static void verification_checked_in_future_is_invalid(void **state)
{
    struct fx *f = *state;
    char id[LC_ID_MAX], ts[LC_TIME_STRLEN];
    struct lc_errinfo e;
    run_ok(f, lc_registry_create_host, lc_host_fields, host_in(f->idnum, NULL), NULL, id);
    assert_int_equal(add_verif(f, LC_K_HOST, id, "pass", ts_from_now(DAY, ts), &e), LC_EINVAL);
    assert_string_equal(e.code, "invalid_value");
    assert_string_equal(e.field, "checked_at");
    assert_int_equal(add_verif(f, LC_K_HOST, id, "pass", "yesterday", &e), LC_EINVAL);
    assert_string_equal(e.field, "checked_at");
    assert_int_equal(count_kind(f, LC_K_HOST_VERIF), 0);
    struct lc_subject_facts sf;
    assert_int_equal(lc_registry_subject_facts(f->reg, LC_K_HOST, id, &sf), LC_OK);
    assert_string_equal(sf.verification, "");
}

static void latest_verification_by_checked_at_wins(void **state)
{
    struct fx *f = *state;
    char id[LC_ID_MAX], ts[LC_TIME_STRLEN];
    struct lc_errinfo e;
    struct lc_subject_facts sf;
    run_ok(f, lc_registry_create_host, lc_host_fields, host_in(f->idnum, NULL), NULL, id);
    int64_t pass_at = lc_time_now() - 3600;
    assert_int_equal(add_verif(f, LC_K_HOST, id, "pass", ts_from_now(-3600, ts), &e), LC_OK);
    /* an older failure posted afterwards does not override */
    assert_int_equal(add_verif(f, LC_K_HOST, id, "fail", ts_from_now(-7200, ts), &e), LC_OK);
    assert_int_equal(lc_registry_subject_facts(f->reg, LC_K_HOST, id, &sf), LC_OK);
    assert_string_equal(sf.verification, "pass");
    assert_true(sf.verified_at >= pass_at - 2 && sf.verified_at <= pass_at + 2);
    json_t *v = get(f, LC_K_HOST, id, NULL);
    assert_string_equal(lc_jstr(json_object_get(v, "verification"), "result"), "pass");
    json_decref(v);
    /* a newer failure does */
    assert_int_equal(add_verif(f, LC_K_HOST, id, "fail", ts_from_now(-60, ts), &e), LC_OK);
    assert_int_equal(lc_registry_subject_facts(f->reg, LC_K_HOST, id, &sf), LC_OK);
    assert_string_equal(sf.verification, "fail");
    assert_int_equal(sf.verified_at, 0);
    /* every check is kept as its own record */
    assert_int_equal(count_kind(f, LC_K_HOST_VERIF), 3);
}

static void operator_pass_sets_reverify_due_6_months_later(void **state)
{
    struct fx *f = *state;
    char id[LC_ID_MAX], due[LC_TIME_STRLEN];
    struct lc_errinfo e;
    run_ok(f, lc_registry_create_operator, lc_operator_fields,
           json_pack("{s:s, s:s}", "name", "Org", "credit_code", CREDIT_A), NULL, id);
    assert_int_equal(add_verif(f, LC_K_OPERATOR, id, "pass", "2026-05-31T10:00:00Z", &e),
                     LC_OK);
    json_t *v = get(f, LC_K_OPERATOR, id, NULL);
    lc_time_format(lc_time_add_months(1780221600 /* 2026-05-31T10:00:00Z */, 6), due);
    assert_string_equal(due, "2026-11-30T10:00:00Z");
    assert_string_equal(lc_jstr(v, "reverify_due_at"), due);
    json_decref(v);
}

/* ---- training --------------------------------------------------------- */

static void add_training(struct fx *f, const char *host, const char *completed_at,
                         char expires[LC_TIME_STRLEN])
{
    json_t *out = NULL;
    struct lc_errinfo e;
    if (run(f, lc_registry_add_training, lc_training_fields,
            json_pack("{s:s, s:s}", "host_id", host, "completed_at", completed_at), NULL, &out,
            &e) != LC_OK)
        fail_msg("training refused: %s %s", e.code, e.field);
    snprintf(expires, LC_TIME_STRLEN, "%s", lc_jstr(out, "expires_at"));
    json_decref(out);
}

static void training_expires_12_months_after_completion(void **state)
{
    struct fx *f = *state;
    char host[LC_ID_MAX], exp[LC_TIME_STRLEN];
    run_ok(f, lc_registry_create_host, lc_host_fields, host_in(f->idnum, NULL), NULL, host);
    add_training(f, host, "2024-02-29T10:00:00Z", exp);
    assert_string_equal(exp, "2025-02-28T10:00:00Z");
    add_training(f, host, "2026-01-31T08:00:00+08:00", exp);
    assert_string_equal(exp, "2027-01-31T00:00:00Z");
    json_t *v = get(f, LC_K_HOST, host, NULL);
    assert_string_equal(lc_jstr(v, "training_expires_at"), "2027-01-31T00:00:00Z");
    json_decref(v);
    /* an older training recorded later does not shorten it */
    add_training(f, host, "2025-06-01T00:00:00Z", exp);
    assert_string_equal(exp, "2026-06-01T00:00:00Z");
    struct lc_subject_facts sf;
    int64_t want = 0;
    assert_int_equal(lc_time_parse("2027-01-31T00:00:00Z", &want), LC_OK);
    assert_int_equal(lc_registry_subject_facts(f->reg, LC_K_HOST, host, &sf), LC_OK);
    assert_int_equal(sf.training_expires_at, want);
}

static void training_for_unknown_host_or_in_future_is_refused(void **state)
{
    struct fx *f = *state;
    char host[LC_ID_MAX], ts[LC_TIME_STRLEN];
    run_ok(f, lc_registry_create_host, lc_host_fields, host_in(f->idnum, NULL), NULL, host);
    assert_refused(f, lc_registry_add_training, lc_training_fields,
                   json_pack("{s:s, s:s}", "host_id", "host_000000000000000000000000",
                             "completed_at", "2026-01-01T00:00:00Z"),
                   NULL, LC_EINVAL, "unknown_reference", "host_id");
    assert_refused(f, lc_registry_add_training, lc_training_fields,
                   json_pack("{s:s, s:s}", "host_id", host, "completed_at",
                             ts_from_now(2 * DAY, ts)),
                   NULL, LC_EINVAL, "invalid_value", "completed_at");
    assert_int_equal(count_kind(f, LC_K_TRAINING), 0);
}

/* ---- blacklist -------------------------------------------------------- */

static void blacklist_requires_future_expiry(void **state)
{
    struct fx *f = *state;
    char ts[LC_TIME_STRLEN];
    assert_refused(f, lc_registry_add_blacklist, lc_blacklist_fields,
                   bl_in(f->idnum, "fraud", ts_from_now(-60, ts)), NULL, LC_EINVAL,
                   "invalid_value", "expires_at");
    assert_refused(f, lc_registry_add_blacklist, lc_blacklist_fields,
                   bl_in(f->idnum, "fraud", "never"), NULL, LC_EINVAL, "invalid_value",
                   "expires_at");
    assert_int_equal(count_kind(f, LC_K_BLACKLIST), 0);
}

static void blacklist_requires_non_empty_reason(void **state)
{
    struct fx *f = *state;
    char ts[LC_TIME_STRLEN];
    assert_refused(f, lc_registry_add_blacklist, lc_blacklist_fields,
                   bl_in(f->idnum, "", ts_from_now(DAY, ts)), NULL, LC_EINVAL,
                   "invalid_value", "reason");
    assert_int_equal(count_kind(f, LC_K_BLACKLIST), 0);
}

static void blacklist_entry_marks_every_host_with_that_id_number(void **state)
{
    struct fx *f = *state;
    char ts[LC_TIME_STRLEN], h1[LC_ID_MAX], h2[LC_ID_MAX], other[LC_ID_MAX], idnum2[19];
    make_idnum(idnum2, 1991, 4, 8, "321");
    run_ok(f, lc_registry_create_host, lc_host_fields, host_in(f->idnum, NULL), NULL, h1);
    run_ok(f, lc_registry_create_host, lc_host_fields, host_in(idnum2, NULL), NULL, other);
    run_ok(f, lc_registry_add_blacklist, lc_blacklist_fields,
           bl_in(f->idnum, "fraud", ts_from_now(DAY, ts)), NULL, NULL);
    run_ok(f, lc_registry_create_host, lc_host_fields, host_in(f->idnum, NULL), NULL, h2);
    json_t *v = get(f, LC_K_HOST, h1, NULL);
    assert_true(json_is_true(json_object_get(v, "blacklisted")));
    json_decref(v);
    v = get(f, LC_K_HOST, h2, NULL);
    assert_true(json_is_true(json_object_get(v, "blacklisted")));
    json_decref(v);
    v = get(f, LC_K_HOST, other, NULL);
    assert_true(json_is_false(json_object_get(v, "blacklisted")));
    json_decref(v);

    /* a registry opened later over the same store loads the entry */
    struct lc_registry *again = NULL;
    struct lc_subject_facts sf;
    assert_int_equal(lc_registry_subject_facts(f->reg, LC_K_HOST, h2, &sf), LC_OK);
    assert_int_equal(lc_registry_new(f->store, f->seal, NULL, &again), LC_OK);
    assert_true(lc_blacklist_active(lc_registry_blacklist(again), sf.blind_key, lc_time_now()));
    lc_registry_free(again);
}

/* ---- listing ---------------------------------------------------------- */

static void list_pagination_walks_every_item_once(void **state)
{
    struct fx *f = *state;
    enum { N = 7 };
    char ids[N][LC_ID_MAX];
    int seen[N] = {0};
    for (int i = 0; i < N; i++)
        run_ok(f, lc_registry_create_host, lc_host_fields, host_in(f->idnum, NULL), NULL,
               ids[i]);
    for (int newest = 0; newest < 2; newest++) {
        char cursor[LC_ID_MAX] = "";
        size_t pages = 0, total = 0;
        memset(seen, 0, sizeof seen);
        for (;;) {
            struct lc_list_req q = {.kind = LC_K_HOST,
                                    .cursor = cursor[0] ? cursor : NULL,
                                    .limit = 3,
                                    .newest_first = newest};
            struct lc_errinfo e = {0};
            json_t *out = NULL, *item;
            size_t i;
            assert_int_equal(lc_registry_list(f->reg, &q, NULL, &out, &e), LC_OK);
            json_t *items = json_object_get(out, "items");
            assert_true(json_array_size(items) <= 3);
            json_array_foreach(items, i, item)
            {
                const char *id = lc_jstr(item, "id");
                int k = 0;
                while (k < N && strcmp(ids[k], id))
                    k++;
                assert_true(k < N);
                seen[k]++;
                /* ids come in creation order, or its reverse */
                if (i > 0) {
                    int cmp = strcmp(lc_jstr(json_array_get(items, i - 1), "id"), id);
                    assert_true(newest ? cmp > 0 : cmp < 0);
                }
                assert_string_equal(lc_jstr(item, "phone"), "138****5678");
                total++;
            }
            pages++;
            const char *next = lc_jstr(out, "next_cursor");
            if (!next) {
                assert_true(json_is_null(json_object_get(out, "next_cursor")));
                json_decref(out);
                break;
            }
            snprintf(cursor, sizeof cursor, "%s", next);
            json_decref(out);
            assert_true(pages < 10);
        }
        assert_int_equal(pages, 3);
        assert_int_equal(total, N);
        for (int i = 0; i < N; i++)
            assert_int_equal(seen[i], 1);
    }
}

static void list_with_exactly_limit_items_has_no_next_cursor(void **state)
{
    struct fx *f = *state;
    struct lc_list_req q = {.kind = LC_K_AGENCY, .limit = 2};
    struct lc_errinfo e = {0};
    json_t *out = NULL;
    assert_int_equal(lc_registry_list(f->reg, &q, NULL, &out, &e), LC_OK);
    assert_int_equal(json_array_size(json_object_get(out, "items")), 2);
    assert_true(json_is_null(json_object_get(out, "next_cursor")));
    json_decref(out);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(host_refused_with_bad_id_checksum),
        T(host_refused_under_16),
        T(host_aged_16_or_17_refused_without_guardian_consent),
        T(host_aged_17_accepted_with_guardian_consent),
        T(host_view_masks_id_name_and_phone),
        T(host_reveal_shows_clear_values),
        T(stored_records_never_hold_personal_data_in_clear),
        T(host_phone_update_is_masked_and_resealed),
        T(host_id_number_with_lower_case_x_is_normalised),
        T(agency_cannot_create_host_for_another_agency),
        T(agency_cannot_get_host_of_another_agency),
        T(operator_needs_exactly_one_of_credit_code_or_id_number),
        T(host_with_unknown_agency_is_unknown_reference),
        T(verification_result_must_be_pass_or_fail),
        T(verification_checked_in_future_is_invalid),
        T(latest_verification_by_checked_at_wins),
        T(operator_pass_sets_reverify_due_6_months_later),
        T(training_expires_12_months_after_completion),
        T(training_for_unknown_host_or_in_future_is_refused),
        T(blacklist_requires_future_expiry),
        T(blacklist_requires_non_empty_reason),
        T(blacklist_entry_marks_every_host_with_that_id_number),
        T(list_pagination_walks_every_item_once),
        T(list_with_exactly_limit_items_has_no_next_cursor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
