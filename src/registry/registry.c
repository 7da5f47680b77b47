/* registry.c -- validation, sealing and storage of the registry's objects.
 *
 * Each object is one store record whose body is the JSON view shown to
 * callers, with personal fields already masked; the clear values sit in a
 * sealed "pii" member that only a revealing read opens.  Derived state the
 * gate needs (latest verification, training expiry) is kept on the subject's
 * own record, so a gate decision reads a handful of records. */
#include "registry/registry.h"

#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/id.h"
#include "ident/ident.h"

struct lc_registry {
    struct lc_store *store;
    struct lc_seal *seal;
    struct lc_log *events;
    struct lc_blacklist *bl;
    atomic_uint_fast64_t gen; /* see lc_registry_generation */
    lc_registry_admit_fn admit; /* re-registration bans, or NULL */
    void *admit_ctx;
};

void lc_registry_set_admission(struct lc_registry *reg, lc_registry_admit_fn fn, void *ctx)
{
    reg->admit = fn;
    reg->admit_ctx = ctx;
}

#define RETRIES 5 /* optimistic-lock retries on concurrent updates */

const struct lc_jfield lc_agency_fields[] = {
    {"name", LC_JSTR, true, 200}, {"credit_code", LC_JSTR, true, 32}, {NULL, 0, 0, 0}};
const struct lc_jfield lc_agency_patch_fields[] = {{"name", LC_JSTR, false, 200},
                                                   {NULL, 0, 0, 0}};
const struct lc_jfield lc_operator_fields[] = {
    {"name", LC_JSTR, true, 200},           {"credit_code", LC_JSTR, false, 32},
    {"id_number", LC_JSTR, false, 32},      {"guardian_consent", LC_JBOOL, false, 0},
    {NULL, 0, 0, 0}};
const struct lc_jfield lc_operator_patch_fields[] = {{"name", LC_JSTR, false, 200},
                                                     {NULL, 0, 0, 0}};
const struct lc_jfield lc_host_fields[] = {
    {"name", LC_JSTR, true, 100},      {"id_number", LC_JSTR, true, 32},
    {"phone", LC_JSTR, true, 32},      {"agency_id", LC_JSTR, false, LC_ID_MAX},
    {"guardian_consent", LC_JBOOL, false, 0}, {NULL, 0, 0, 0}};
const struct lc_jfield lc_host_patch_fields[] = {
    {"name", LC_JSTR, false, 100}, {"phone", LC_JSTR, false, 32},
    {"guardian_consent", LC_JBOOL, false, 0}, {NULL, 0, 0, 0}};
const struct lc_jfield lc_verification_fields[] = {
    {"method", LC_JSTR, true, 64}, {"result", LC_JSTR, true, 8},
    {"checked_at", LC_JSTR, true, 40}, {NULL, 0, 0, 0}};
const struct lc_jfield lc_training_fields[] = {
    {"host_id", LC_JSTR, true, LC_ID_MAX}, {"completed_at", LC_JSTR, true, 40},
    {"course", LC_JSTR, false, 200}, {NULL, 0, 0, 0}};
const struct lc_jfield lc_room_fields[] = {
    {"name", LC_JSTR, true, 200}, {"operator_id", LC_JSTR, true, LC_ID_MAX},
    {"host_id", LC_JSTR, true, LC_ID_MAX}, {NULL, 0, 0, 0}};
const struct lc_jfield lc_room_patch_fields[] = {{"name", LC_JSTR, false, 200},
                                                 {NULL, 0, 0, 0}};
const struct lc_jfield lc_blacklist_fields[] = {
    {"id_number", LC_JSTR, false, 32}, {"credit_code", LC_JSTR, false, 32},
    {"reason", LC_JSTR, true, 2000},   {"legal_basis", LC_JSTR, true, 1000},
    {"expires_at", LC_JSTR, true, 40}, {NULL, 0, 0, 0}};

/* ---- small helpers ---------------------------------------------------- */

static json_t *ts_json(int64_t t)
{
    char buf[LC_TIME_STRLEN];
    if (t <= 0)
        return json_null();
    lc_time_format(t, buf);
    return json_string(buf);
}

static int64_t ts_of(json_t *obj, const char *name)
{
    int64_t t = 0;
    const char *s = lc_jstr(obj, name);
    return s && lc_time_parse(s, &t) == LC_OK ? t : 0;
}

static struct lc_date today(void)
{
    return lc_date_at(lc_time_now(), LC_CST_OFFSET);
}

static enum lc_err no_mem(struct lc_errinfo *e)
{
    return lc_fail(e, LC_ENOMEM, "internal", "", "out of memory");
}

static enum lc_err store_fail(struct lc_errinfo *e, enum lc_err err)
{
    if (err == LC_EBUSY)
        return lc_fail(e, err, "busy", "", "the store is busy; retry");
    if (err == LC_ECONFLICT)
        return lc_fail(e, err, "conflict", "", "the object changed concurrently; retry");
    return lc_fail(e, err, "internal", "", "the store failed");
}

static void event(struct lc_registry *reg, const struct lc_access *a, const char *what,
                  const char *id)
{
    if (!reg->events)
        return;
    json_t *o = json_pack("{s:s, s:s, s:s?}", "event", what, "id", id, "actor",
                          a ? a->actor : NULL);
    if (o) {
        lc_log_write(reg->events, "registry", o);
        json_decref(o);
    }
}

/* Parses an RFC 3339 member; 422 invalid_value naming the field. */
static enum lc_err need_time(json_t *in, const char *field, int64_t *out, struct lc_errinfo *e)
{
    if (lc_time_parse(lc_jstr(in, field), out) != LC_OK)
        return lc_fail(e, LC_EINVAL, "invalid_value", field,
                       "must be an RFC 3339 timestamp such as 2026-01-31T08:00:00Z");
    return LC_OK;
}

static enum lc_err not_in_future(int64_t t, const char *field, struct lc_errinfo *e)
{
    if (t > lc_time_now() + 300)
        return lc_fail(e, LC_EINVAL, "invalid_value", field, "must not be in the future");
    return LC_OK;
}

static enum lc_err make_record(struct lc_record *r, const char *kind, const char *id,
                               const char *scope, const char *key, const char *ref,
                               json_t *body)
{
    memset(r, 0, sizeof *r);
    snprintf(r->kind, sizeof r->kind, "%s", kind);
    snprintf(r->id, sizeof r->id, "%s", id);
    r->created_at = r->updated_at = lc_time_now();
    r->scope = scope && *scope ? strdup(scope) : NULL;
    r->key = key && *key ? strdup(key) : NULL;
    r->ref = ref && *ref ? strdup(ref) : NULL;
    r->body = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    if (!r->body || (scope && *scope && !r->scope) || (key && *key && !r->key) ||
        (ref && *ref && !r->ref)) {
        lc_record_cleanup(r);
        return LC_ENOMEM;
    }
    return LC_OK;
}

static enum lc_err insert_body(struct lc_registry *reg, const char *kind, const char *id,
                               const char *scope, const char *key, const char *ref,
                               json_t *body, struct lc_errinfo *e)
{
    struct lc_record r;
    if (make_record(&r, kind, id, scope, key, ref, body) != LC_OK)
        return no_mem(e);
    enum lc_err err = lc_store_insert(reg->store, &r);
    lc_record_cleanup(&r);
    atomic_fetch_add(&reg->gen, 1);
    return err == LC_OK ? LC_OK : store_fail(e, err);
}

/* Loads a record and parses its body.  404 not_found names field. */
static enum lc_err load(struct lc_registry *reg, const char *kind, const char *id,
                        const char *field, struct lc_record *rec, json_t **body,
                        struct lc_errinfo *e)
{
    enum lc_err err = lc_store_get(reg->store, kind, id, rec);
    if (err == LC_ENOTFOUND)
        return lc_fail(e, err, "not_found", field, "no %s with id %s", kind, id);
    if (err != LC_OK)
        return store_fail(e, err);
    *body = json_loads(rec->body, 0, NULL);
    if (!*body) {
        lc_record_cleanup(rec);
        return lc_fail(e, LC_ECORRUPT, "internal", "", "stored %s is unreadable", kind);
    }
    return LC_OK;
}

/* A referenced object must exist: 422 unknown_reference instead of 404. */
static enum lc_err load_ref(struct lc_registry *reg, const char *kind, const char *id,
                            const char *field, struct lc_record *rec, json_t **body,
                            struct lc_errinfo *e)
{
    enum lc_err err = load(reg, kind, id, field, rec, body, e);
    if (err == LC_ENOTFOUND)
        return lc_fail(e, LC_EINVAL, "unknown_reference", field, "no %s with id %s", kind,
                       id);
    return err;
}

/* Writes body back as the new version of rec. */
static enum lc_err save(struct lc_registry *reg, struct lc_record *rec, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text)
        return LC_ENOMEM;
    free(rec->body);
    rec->body = text;
    rec->updated_at = lc_time_now();
    enum lc_err err = lc_store_update(reg->store, rec);
    atomic_fetch_add(&reg->gen, 1);
    return err;
}

static bool in_scope(const struct lc_access *a, const char *scope)
{
    return !a || !a->agency || (scope && strcmp(scope, a->agency) == 0);
}

static enum lc_err out_of_scope(struct lc_errinfo *e, const char *field)
{
    return lc_fail(e, LC_EDENIED, "forbidden", field,
                   "this object belongs to another agency");
}

/* ---- identity checks -------------------------------------------------- */

/* Validates a person's ID number and the age rule (R4). */
static enum lc_err check_person(const char *idnum, bool consent, char *norm,
                                struct lc_date *birth, struct lc_errinfo *e)
{
    char why[96] = "";
    struct lc_date t = today();
    if (lc_ident_check_id_number(idnum, t, norm, birth, why, sizeof why) != LC_OK)
        return lc_fail(e, LC_EINVAL, "invalid_id_number", "id_number",
                       "not a valid resident ID number: %s", why);
    int age = lc_age_years(*birth, t);
    if (age < LC_MIN_AGE)
        return lc_fail(e, LC_EINVAL, "under_age", "id_number",
                       "must be at least %d years old", LC_MIN_AGE);
    if (age < LC_ADULT_AGE && !consent)
        return lc_fail(e, LC_EINVAL, "guardian_consent_required", "guardian_consent",
                       "aged 16-17: a guardian's consent is required");
    return LC_OK;
}

static enum lc_err check_credit(const char *code, char *norm, struct lc_errinfo *e)
{
    char why[96] = "";
    if (lc_ident_check_credit_code(code, norm, why, sizeof why) != LC_OK)
        return lc_fail(e, LC_EINVAL, "invalid_credit_code", "credit_code",
                       "not a valid unified social credit code: %s", why);
    return LC_OK;
}

/* Exactly one of a resident ID number or a credit code identifies a subject:
 * none is a missing field (400), both is ambiguous (422). */
static enum lc_err one_of(const char *idnum, const char *code, struct lc_errinfo *e)
{
    if (idnum && code)
        return lc_fail(e, LC_EINVAL, "invalid_value", "credit_code",
                       "give only one of id_number (person) or credit_code (organisation)");
    if (!idnum && !code) {
        lc_fail(e, LC_EINVAL, "missing_field", "id_number",
                "give id_number (person) or credit_code (organisation)");
        if (e)
            e->status = 400;
    }
    return idnum || code ? LC_OK : LC_EINVAL;
}

static enum lc_err check_phone(const char *p, struct lc_errinfo *e)
{
    size_t n = strlen(p), digits = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] >= '0' && p[i] <= '9')
            digits++;
        else if (!(i == 0 && p[i] == '+') && p[i] != '-' && p[i] != ' ')
            digits = 0, i = n;
    }
    if (digits < 5 || digits > 20)
        return lc_fail(e, LC_EINVAL, "invalid_value", "phone",
                       "must be a phone number of 5-20 digits");
    return LC_OK;
}

static enum lc_err check_name(const char *name, struct lc_errinfo *e)
{
    if (!name[0])
        return lc_fail(e, LC_EINVAL, "invalid_value", "name", "must not be empty");
    return LC_OK;
}

/* Seals the clear personal values of object id into body["pii"]. */
static enum lc_err seal_pii(struct lc_registry *reg, const char *id, json_t *pii, json_t *body)
{
    char *text = json_dumps(pii, JSON_COMPACT | JSON_SORT_KEYS), *sealed = NULL;
    if (!text)
        return LC_ENOMEM;
    enum lc_err err = lc_seal_encrypt(reg->seal, id, text, strlen(text), &sealed);
    sodium_memzero(text, strlen(text));
    free(text);
    if (err == LC_OK)
        json_object_set_new(body, "pii", json_string(sealed));
    free(sealed);
    return err;
}

static json_t *open_pii(struct lc_registry *reg, const char *id, json_t *body)
{
    const char *sealed = lc_jstr(body, "pii");
    char *text = NULL;
    if (!sealed || lc_seal_decrypt(reg->seal, id, sealed, &text, NULL) != LC_OK)
        return NULL;
    json_t *pii = json_loads(text, 0, NULL);
    sodium_memzero(text, strlen(text));
    free(text);
    return pii;
}

/* Masked copies of the personal members of pii, written into body. */
static void set_masked(json_t *body, json_t *pii)
{
    char buf[256];
    const char *v;
    if ((v = lc_jstr(pii, "name"))) {
        lc_ident_mask_name(v, buf, sizeof buf);
        json_object_set_new(body, "name", json_string(buf));
    }
    if ((v = lc_jstr(pii, "id_number"))) {
        lc_ident_mask_id(v, buf, sizeof buf);
        json_object_set_new(body, "id_number", json_string(buf));
    }
    if ((v = lc_jstr(pii, "phone"))) {
        lc_ident_mask_phone(v, buf, sizeof buf);
        json_object_set_new(body, "phone", json_string(buf));
    }
}

/* ---- views ------------------------------------------------------------ */

/* The caller's view of a stored record: personal data masked or revealed,
 * sealed blobs removed, blacklist state added. */
static json_t *view(struct lc_registry *reg, const struct lc_record *r, json_t *body,
                    const struct lc_access *a)
{
    json_t *v = json_deep_copy(body);
    if (!v)
        return NULL;
    if (a && a->reveal && json_object_get(body, "pii")) {
        json_t *pii = open_pii(reg, r->id, body);
        if (pii) {
            json_object_update(v, pii);
            json_decref(pii);
        }
    }
    json_object_del(v, "pii");
    if (r->key && (!strcmp(r->kind, LC_K_HOST) || !strcmp(r->kind, LC_K_OPERATOR) ||
                   !strcmp(r->kind, LC_K_AGENCY)))
        json_object_set_new(v, "blacklisted",
                            json_boolean(lc_blacklist_active(reg->bl, r->key, lc_time_now())));
    json_object_set_new(v, "created_at", ts_json(r->created_at));
    json_object_set_new(v, "updated_at", ts_json(r->updated_at));
    return v;
}

static enum lc_err answer(struct lc_registry *reg, const char *kind, const char *id,
                          const struct lc_access *a, json_t **out, struct lc_errinfo *e)
{
    struct lc_access plain = {a ? a->agency : NULL, a ? a->reveal : false, NULL};
    return lc_registry_get(reg, kind, id, &plain, out, e);
}

/* ---- lifecycle -------------------------------------------------------- */

struct bl_load {
    struct lc_blacklist *bl;
    enum lc_err err;
};

static int load_blacklist_entry(void *ctx, const struct lc_record *r)
{
    struct bl_load *c = ctx;
    json_t *body = json_loads(r->body, 0, NULL);
    if (!body || !r->key)
        c->err = LC_ECORRUPT;
    else
        c->err = lc_blacklist_put(c->bl, r->key, ts_of(body, "expires_at"));
    json_decref(body);
    return c->err != LC_OK;
}

enum lc_err lc_registry_new(struct lc_store *store, struct lc_seal *seal, struct lc_log *events,
                            struct lc_registry **out)
{
    struct lc_registry *reg = calloc(1, sizeof *reg);
    if (!reg)
        return LC_ENOMEM;
    reg->store = store;
    reg->seal = seal;
    reg->events = events;
    enum lc_err err = lc_blacklist_new(&reg->bl);
    if (err != LC_OK)
        goto out;
    struct lc_query q = {.kind = LC_K_BLACKLIST};
    struct bl_load c = {reg->bl, LC_OK};
    err = lc_store_list(store, &q, load_blacklist_entry, &c);
    if (err == LC_OK)
        err = c.err;
out:
    if (err != LC_OK) {
        lc_registry_free(reg);
        return err;
    }
    *out = reg;
    return LC_OK;
}

void lc_registry_free(struct lc_registry *reg)
{
    if (!reg)
        return;
    lc_blacklist_free(reg->bl);
    free(reg);
}

struct lc_blacklist *lc_registry_blacklist(struct lc_registry *reg)
{
    return reg->bl;
}

uint64_t lc_registry_generation(struct lc_registry *reg)
{
    return atomic_load(&reg->gen);
}

struct lc_seal *lc_registry_seal(struct lc_registry *reg)
{
    return reg->seal;
}

/* ---- creation --------------------------------------------------------- */

enum lc_err lc_registry_create_agency(struct lc_registry *reg, json_t *in,
                                      const struct lc_access *a, json_t **out,
                                      struct lc_errinfo *e)
{
    char norm[LC_IDNUM_LEN + 1], id[LC_ID_MAX], key[65];
    enum lc_err err = check_name(lc_jstr(in, "name"), e);
    if (err == LC_OK)
        err = check_credit(lc_jstr(in, "credit_code"), norm, e);
    if (err != LC_OK)
        return err;
    lc_id_new("agency", id);
    lc_seal_blind(reg->seal, LC_BLIND_CREDIT, norm, key);
    if (reg->admit && (err = reg->admit(reg->admit_ctx, key, e)) != LC_OK)
        return err;
    json_t *body = json_pack("{s:s, s:s, s:s}", "id", id, "name", lc_jstr(in, "name"),
                             "credit_code", norm);
    if (!body)
        return no_mem(e);
    err = insert_body(reg, LC_K_AGENCY, id, id, key, NULL, body, e);
    json_decref(body);
    if (err != LC_OK)
        return err;
    event(reg, a, "agency.created", id);
    return answer(reg, LC_K_AGENCY, id, NULL, out, e);
}

enum lc_err lc_registry_create_operator(struct lc_registry *reg, json_t *in,
                                        const struct lc_access *a, json_t **out,
                                        struct lc_errinfo *e)
{
    const char *code = lc_jstr(in, "credit_code"), *idnum = lc_jstr(in, "id_number");
    char norm[LC_IDNUM_LEN + 1], id[LC_ID_MAX], key[65];
    struct lc_date birth;
    enum lc_err err = one_of(idnum, code, e);
    if (err != LC_OK)
        return err;
    err = check_name(lc_jstr(in, "name"), e);
    if (err == LC_OK)
        err = code ? check_credit(code, norm, e)
                   : check_person(idnum, json_is_true(json_object_get(in, "guardian_consent")),
                                  norm, &birth, e);
    if (err != LC_OK)
        return err;
    lc_id_new("operator", id);
    lc_seal_blind(reg->seal, code ? LC_BLIND_CREDIT : LC_BLIND_ID, norm, key);
    if (reg->admit && (err = reg->admit(reg->admit_ctx, key, e)) != LC_OK)
        return err;
    json_t *body = json_pack("{s:s, s:s, s:b, s:n, s:n}", "id", id, "subject_type",
                             code ? "organization" : "person", "guardian_consent",
                             json_is_true(json_object_get(in, "guardian_consent")),
                             "verification", "reverify_due_at");
    if (!body)
        return no_mem(e);
    if (code) {
        json_object_set_new(body, "name", json_string(lc_jstr(in, "name")));
        json_object_set_new(body, "credit_code", json_string(norm));
    } else {
        char bd[16];
        snprintf(bd, sizeof bd, "%04d-%02d-%02d", birth.year, birth.month, birth.day);
        json_t *pii = json_pack("{s:s, s:s, s:s}", "name", lc_jstr(in, "name"), "id_number",
                                norm, "birth_date", bd);
        set_masked(body, pii);
        err = pii ? seal_pii(reg, id, pii, body) : LC_ENOMEM;
        json_decref(pii);
    }
    if (err == LC_OK)
        err = insert_body(reg, LC_K_OPERATOR, id, NULL, key, NULL, body, e);
    else
        err = no_mem(e);
    json_decref(body);
    if (err != LC_OK)
        return err;
    event(reg, a, "operator.created", id);
    return answer(reg, LC_K_OPERATOR, id, NULL, out, e);
}

/* The agency a new host belongs to: the caller's own for agency tokens. */
static enum lc_err host_agency(struct lc_registry *reg, json_t *in, const struct lc_access *a,
                               const char **agency, struct lc_errinfo *e)
{
    const char *want = lc_jstr(in, "agency_id");
    if (a && a->agency) {
        if (want && strcmp(want, a->agency) != 0)
            return out_of_scope(e, "agency_id");
        want = a->agency;
    }
    *agency = want;
    if (!want)
        return LC_OK;
    struct lc_record rec = {0};
    json_t *body = NULL;
    enum lc_err err = load_ref(reg, LC_K_AGENCY, want, "agency_id", &rec, &body, e);
    json_decref(body);
    lc_record_cleanup(&rec);
    return err;
}

enum lc_err lc_registry_create_host(struct lc_registry *reg, json_t *in,
                                    const struct lc_access *a, json_t **out,
                                    struct lc_errinfo *e)
{
    char norm[LC_IDNUM_LEN + 1], id[LC_ID_MAX], key[65], bd[16];
    struct lc_date birth;
    const char *agency = NULL;
    bool consent = json_is_true(json_object_get(in, "guardian_consent"));
    enum lc_err err = check_name(lc_jstr(in, "name"), e);
    if (err == LC_OK)
        err = check_person(lc_jstr(in, "id_number"), consent, norm, &birth, e);
    if (err == LC_OK)
        err = check_phone(lc_jstr(in, "phone"), e);
    if (err == LC_OK)
        err = host_agency(reg, in, a, &agency, e);
    if (err != LC_OK)
        return err;
    lc_id_new("host", id);
    lc_seal_blind(reg->seal, LC_BLIND_ID, norm, key);
    if (reg->admit && (err = reg->admit(reg->admit_ctx, key, e)) != LC_OK)
        return err;
    snprintf(bd, sizeof bd, "%04d-%02d-%02d", birth.year, birth.month, birth.day);
    json_t *pii = json_pack("{s:s, s:s, s:s, s:s}", "name", lc_jstr(in, "name"), "id_number",
                            norm, "phone", lc_jstr(in, "phone"), "birth_date", bd);
    json_t *body = json_pack("{s:s, s:s?, s:b, s:n, s:n, s:n}", "id", id, "agency_id", agency,
                             "guardian_consent", consent, "verification",
                             "training_completed_at", "training_expires_at");
    err = pii && body ? seal_pii(reg, id, pii, body) : LC_ENOMEM;
    if (err == LC_OK) {
        set_masked(body, pii);
        err = insert_body(reg, LC_K_HOST, id, agency, key, NULL, body, e);
    } else {
        err = no_mem(e);
    }
    json_decref(pii);
    json_decref(body);
    if (err != LC_OK)
        return err;
    event(reg, a, "host.created", id);
    return answer(reg, LC_K_HOST, id, a, out, e);
}

/* Folds a new verification into its subject's record (latest check wins). */
static enum lc_err fold_verification(struct lc_registry *reg, const char *kind,
                                     const char *subject_id, json_t *v, int64_t checked)
{
    enum lc_err err = LC_ECONFLICT;
    for (int i = 0; i < RETRIES && err == LC_ECONFLICT; i++) {
        struct lc_record rec = {0};
        json_t *body = NULL;
        err = load(reg, kind, subject_id, "", &rec, &body, NULL);
        if (err != LC_OK)
            break;
        json_t *cur = json_object_get(body, "verification");
        if (!json_is_object(cur) || ts_of(cur, "checked_at") <= checked) {
            json_object_set(body, "verification", v);
            if (!strcmp(lc_jstr(v, "result"), "pass") && !strcmp(kind, LC_K_OPERATOR))
                json_object_set_new(body, "reverify_due_at",
                                    ts_json(lc_time_add_months(checked, LC_REVERIFY_MONTHS)));
            err = save(reg, &rec, body);
        }
        json_decref(body);
        lc_record_cleanup(&rec);
    }
    return err;
}

enum lc_err lc_registry_add_verification(struct lc_registry *reg, const char *kind,
                                         const char *subject_id, json_t *in,
                                         const struct lc_access *a, json_t **out,
                                         struct lc_errinfo *e)
{
    const char *result = lc_jstr(in, "result");
    int64_t checked = 0;
    char id[LC_ID_MAX];
    if (strcmp(result, "pass") != 0 && strcmp(result, "fail") != 0)
        return lc_fail(e, LC_EINVAL, "invalid_value", "result", "must be \"pass\" or \"fail\"");
    enum lc_err err = need_time(in, "checked_at", &checked, e);
    if (err == LC_OK)
        err = not_in_future(checked, "checked_at", e);
    if (err != LC_OK)
        return err;
    struct lc_record subj = {0};
    json_t *sbody = NULL;
    err = load(reg, kind, subject_id, "id", &subj, &sbody, e);
    if (err == LC_OK && !in_scope(a, subj.scope))
        err = out_of_scope(e, "id");
    char *scope = subj.scope ? strdup(subj.scope) : NULL;
    json_decref(sbody);
    lc_record_cleanup(&subj);
    if (err != LC_OK)
        goto out;
    lc_id_new("verification", id);
    json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", id, "subject_id", subject_id,
                          "method", lc_jstr(in, "method"), "result", result, "checked_at",
                          ts_json(checked));
    if (!v) {
        err = no_mem(e);
        goto out;
    }
    const char *vkind = !strcmp(kind, LC_K_HOST) ? LC_K_HOST_VERIF : LC_K_OPER_VERIF;
    err = insert_body(reg, vkind, id, scope, NULL, subject_id, v, e);
    if (err == LC_OK && (err = fold_verification(reg, kind, subject_id, v, checked)) != LC_OK)
        err = store_fail(e, err);
    json_decref(v);
    if (err == LC_OK) {
        event(reg, a, "verification.recorded", id);
        err = answer(reg, vkind, id, NULL, out, e);
    }
out:
    free(scope);
    return err;
}

static enum lc_err fold_training(struct lc_registry *reg, const char *host_id, int64_t done)
{
    enum lc_err err = LC_ECONFLICT;
    for (int i = 0; i < RETRIES && err == LC_ECONFLICT; i++) {
        struct lc_record rec = {0};
        json_t *body = NULL;
        err = load(reg, LC_K_HOST, host_id, "", &rec, &body, NULL);
        if (err != LC_OK)
            break;
        if (ts_of(body, "training_completed_at") <= done) {
            json_object_set_new(body, "training_completed_at", ts_json(done));
            json_object_set_new(body, "training_expires_at",
                                ts_json(lc_time_add_months(done, LC_TRAINING_MONTHS)));
            err = save(reg, &rec, body);
        }
        json_decref(body);
        lc_record_cleanup(&rec);
    }
    return err;
}

enum lc_err lc_registry_add_training(struct lc_registry *reg, json_t *in,
                                     const struct lc_access *a, json_t **out,
                                     struct lc_errinfo *e)
{
    const char *host_id = lc_jstr(in, "host_id");
    int64_t done = 0;
    char id[LC_ID_MAX];
    enum lc_err err = need_time(in, "completed_at", &done, e);
    if (err == LC_OK)
        err = not_in_future(done, "completed_at", e);
    if (err != LC_OK)
        return err;
    struct lc_record host = {0};
    json_t *hbody = NULL;
    err = load_ref(reg, LC_K_HOST, host_id, "host_id", &host, &hbody, e);
    if (err == LC_OK && !in_scope(a, host.scope))
        err = out_of_scope(e, "host_id");
    json_decref(hbody);
    if (err != LC_OK)
        goto out;
    lc_id_new("training", id);
    json_t *t = json_pack("{s:s, s:s, s:s?, s:o, s:o}", "id", id, "host_id", host_id, "course",
                          lc_jstr(in, "course"), "completed_at", ts_json(done), "expires_at",
                          ts_json(lc_time_add_months(done, LC_TRAINING_MONTHS)));
    err = t ? insert_body(reg, LC_K_TRAINING, id, host.scope, NULL, host_id, t, e) : no_mem(e);
    json_decref(t);
    if (err == LC_OK && (err = fold_training(reg, host_id, done)) != LC_OK)
        err = store_fail(e, err);
    if (err == LC_OK) {
        event(reg, a, "training.recorded", id);
        err = answer(reg, LC_K_TRAINING, id, NULL, out, e);
    }
out:
    lc_record_cleanup(&host);
    return err;
}

enum lc_err lc_registry_create_room(struct lc_registry *reg, json_t *in,
                                    const struct lc_access *a, json_t **out,
                                    struct lc_errinfo *e)
{
    struct lc_record host = {0}, oper = {0};
    json_t *hbody = NULL, *obody = NULL, *body = NULL;
    char id[LC_ID_MAX], key[65], sk[3 + 48 + 1];
    unsigned char rnd[24];
    enum lc_err err = check_name(lc_jstr(in, "name"), e);
    if (err == LC_OK)
        err = load_ref(reg, LC_K_HOST, lc_jstr(in, "host_id"), "host_id", &host, &hbody, e);
    if (err == LC_OK && !in_scope(a, host.scope))
        err = out_of_scope(e, "host_id");
    if (err == LC_OK)
        err = load_ref(reg, LC_K_OPERATOR, lc_jstr(in, "operator_id"), "operator_id", &oper,
                       &obody, e);
    if (err != LC_OK)
        goto out;
    lc_id_new("room", id);
    randombytes_buf(rnd, sizeof rnd);
    memcpy(sk, "sk_", 3);
    sodium_bin2hex(sk + 3, sizeof sk - 3, rnd, sizeof rnd);
    lc_seal_blind(reg->seal, LC_BLIND_STREAM, sk, key);
    body = json_pack("{s:s, s:s, s:s, s:s, s:s?}", "id", id, "name", lc_jstr(in, "name"),
                     "host_id", host.id, "operator_id", oper.id, "agency_id", host.scope);
    err = body ? insert_body(reg, LC_K_ROOM, id, host.scope, key, host.id, body, e) : no_mem(e);
    if (err == LC_OK)
        err = answer(reg, LC_K_ROOM, id, NULL, out, e);
    if (err == LC_OK) {
        json_object_set_new(*out, "stream_key", json_string(sk));
        event(reg, a, "room.created", id);
    }
out:
    sodium_memzero(sk, sizeof sk);
    json_decref(hbody);
    json_decref(obody);
    json_decref(body);
    lc_record_cleanup(&host);
    lc_record_cleanup(&oper);
    return err;
}

enum lc_err lc_registry_add_blacklist(struct lc_registry *reg, json_t *in,
                                      const struct lc_access *a, json_t **out,
                                      struct lc_errinfo *e)
{
    const char *idnum = lc_jstr(in, "id_number"), *code = lc_jstr(in, "credit_code");
    char norm[LC_IDNUM_LEN + 1], id[LC_ID_MAX], key[65], why[96];
    int64_t expires = 0;
    enum lc_err err = one_of(idnum, code, e);
    if (err != LC_OK)
        return err;
    if (idnum && lc_ident_check_id_number(idnum, today(), norm, NULL, why, sizeof why) != LC_OK)
        return lc_fail(e, LC_EINVAL, "invalid_id_number", "id_number",
                       "not a valid resident ID number: %s", why);
    err = idnum ? LC_OK : check_credit(code, norm, e);
    if (err == LC_OK)
        err = need_time(in, "expires_at", &expires, e);
    if (err == LC_OK && expires <= lc_time_now())
        err = lc_fail(e, LC_EINVAL, "invalid_value", "expires_at", "must be in the future");
    if (err == LC_OK && (!lc_jstr(in, "reason")[0] || !lc_jstr(in, "legal_basis")[0]))
        err = lc_fail(e, LC_EINVAL, "invalid_value",
                      lc_jstr(in, "reason")[0] ? "legal_basis" : "reason", "must not be empty");
    if (err != LC_OK)
        return err;
    lc_id_new("blacklist", id);
    lc_seal_blind(reg->seal, idnum ? LC_BLIND_ID : LC_BLIND_CREDIT, norm, key);
    json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", id, "subject_type",
                             idnum ? "person" : "organization", "reason", lc_jstr(in, "reason"),
                             "legal_basis", lc_jstr(in, "legal_basis"), "expires_at",
                             ts_json(expires));
    if (!body)
        return no_mem(e);
    if (idnum) {
        json_t *pii = json_pack("{s:s}", "id_number", norm);
        set_masked(body, pii);
        err = pii ? seal_pii(reg, id, pii, body) : LC_ENOMEM;
        json_decref(pii);
        if (err != LC_OK)
            err = no_mem(e);
    } else {
        json_object_set_new(body, "credit_code", json_string(norm));
    }
    if (err == LC_OK)
        err = insert_body(reg, LC_K_BLACKLIST, id, NULL, key, NULL, body, e);
    if (err == LC_OK && lc_blacklist_put(reg->bl, key, expires) != LC_OK)
        err = no_mem(e);
    atomic_fetch_add(&reg->gen, 1);
    json_decref(body);
    if (err != LC_OK)
        return err;
    event(reg, a, "blacklist.added", id);
    return answer(reg, LC_K_BLACKLIST, id, a, out, e);
}

/* ---- reads and updates ------------------------------------------------ */

/* Agency callers see their own agency, hosts, rooms and host records only. */
static bool visible(const struct lc_access *a, const struct lc_record *r)
{
    if (!a || !a->agency)
        return true;
    if (!strcmp(r->kind, LC_K_AGENCY))
        return !strcmp(r->id, a->agency);
    return in_scope(a, r->scope);
}

enum lc_err lc_registry_get(struct lc_registry *reg, const char *kind, const char *id,
                            const struct lc_access *a, json_t **out, struct lc_errinfo *e)
{
    struct lc_record rec = {0};
    json_t *body = NULL;
    enum lc_err err = load(reg, kind, id, "id", &rec, &body, e);
    if (err == LC_OK && !visible(a, &rec))
        err = out_of_scope(e, "id");
    if (err == LC_OK && !(*out = view(reg, &rec, body, a)))
        err = no_mem(e);
    json_decref(body);
    lc_record_cleanup(&rec);
    return err;
}

/* Applies patch to body; re-seals and re-masks personal fields. */
static enum lc_err patch_body(struct lc_registry *reg, const struct lc_record *rec,
                              json_t *body, json_t *patch, struct lc_errinfo *e)
{
    const char *name = lc_jstr(patch, "name"), *phone = lc_jstr(patch, "phone");
    json_t *consent = json_object_get(patch, "guardian_consent");
    enum lc_err err = name ? check_name(name, e) : LC_OK;
    if (err == LC_OK && phone)
        err = check_phone(phone, e);
    if (err != LC_OK)
        return err;
    if (!json_object_get(body, "pii")) {
        if (name)
            json_object_set_new(body, "name", json_string(name));
        return LC_OK;
    }
    json_t *pii = open_pii(reg, rec->id, body);
    if (!pii)
        return lc_fail(e, LC_ECORRUPT, "internal", "", "sealed fields are unreadable");
    if (json_is_boolean(consent)) {
        struct lc_date birth = {0};
        const char *bd = lc_jstr(pii, "birth_date");
        if (bd && sscanf(bd, "%d-%d-%d", &birth.year, &birth.month, &birth.day) == 3 &&
            lc_age_years(birth, today()) < LC_ADULT_AGE && !json_is_true(consent))
            err = lc_fail(e, LC_EINVAL, "guardian_consent_required", "guardian_consent",
                          "aged 16-17: a guardian's consent is required");
        else
            json_object_set(body, "guardian_consent", consent);
    }
    if (name)
        json_object_set_new(pii, "name", json_string(name));
    if (phone)
        json_object_set_new(pii, "phone", json_string(phone));
    if (err == LC_OK && (err = seal_pii(reg, rec->id, pii, body)) != LC_OK)
        err = no_mem(e);
    if (err == LC_OK)
        set_masked(body, pii);
    json_decref(pii);
    return err;
}

enum lc_err lc_registry_update(struct lc_registry *reg, const char *kind, const char *id,
                               json_t *patch, const struct lc_access *a, json_t **out,
                               struct lc_errinfo *e)
{
    enum lc_err err = LC_ECONFLICT;
    for (int i = 0; i < RETRIES && err == LC_ECONFLICT; i++) {
        struct lc_record rec = {0};
        json_t *body = NULL;
        err = load(reg, kind, id, "id", &rec, &body, e);
        if (err == LC_OK && !visible(a, &rec))
            err = out_of_scope(e, "id");
        if (err == LC_OK)
            err = patch_body(reg, &rec, body, patch, e);
        if (err == LC_OK && (err = save(reg, &rec, body)) != LC_OK && err != LC_ECONFLICT)
            err = store_fail(e, err);
        json_decref(body);
        lc_record_cleanup(&rec);
    }
    if (err == LC_ECONFLICT)
        return store_fail(e, err);
    if (err != LC_OK)
        return err;
    event(reg, a, "object.updated", id);
    return lc_registry_get(reg, kind, id, a, out, e);
}

struct list_ctx {
    struct lc_registry *reg;
    const struct lc_access *a;
    json_t *items;
    size_t want;
    const char *field, *value; /* body filter, or NULL */
    char last[LC_ID_MAX];
    bool more;
};

static int list_one(void *p, const struct lc_record *r)
{
    struct list_ctx *c = p;
    json_t *body = json_loads(r->body, 0, NULL);
    if (c->field && body) {
        const char *v = lc_jstr(body, c->field);
        if (!v || strcmp(v, c->value) != 0) {
            json_decref(body);
            return 0;
        }
    }
    if (json_array_size(c->items) == c->want) {
        json_decref(body);
        c->more = true;
        return 1;
    }
    json_t *v = body ? view(c->reg, r, body, c->a) : NULL;
    json_decref(body);
    if (v)
        json_array_append_new(c->items, v);
    snprintf(c->last, sizeof c->last, "%s", r->id);
    return 0;
}

enum lc_err lc_registry_list(struct lc_registry *reg, const struct lc_list_req *q,
                             const struct lc_access *a, json_t **out, struct lc_errinfo *e)
{
    struct list_ctx c = {reg, a, json_array(), q->limit, q->field, q->value, "", false};
    if (!c.items)
        return no_mem(e);
    bool by_id = !strcmp(q->kind, LC_K_AGENCY) && a && a->agency;
    struct lc_query sq = {.kind = q->kind,
                          .scope = a && a->agency && !by_id ? a->agency : NULL,
                          .ref = q->ref,
                          .key = q->key,
                          .after_id = q->cursor,
                          .from = q->from,
                          .to = q->to,
                          .limit = q->field ? 0 : q->limit + 1, /* filtered: read on */
                          .newest_first = q->newest_first};
    enum lc_err err = by_id ? LC_OK : lc_store_list(reg->store, &sq, list_one, &c);
    if (by_id) {
        json_t *one = NULL;
        if (lc_registry_get(reg, q->kind, a->agency, a, &one, NULL) == LC_OK)
            json_array_append_new(c.items, one);
    }
    if (err != LC_OK) {
        json_decref(c.items);
        return store_fail(e, err);
    }
    *out = json_pack("{s:o, s:s?}", "items", c.items, "next_cursor", c.more ? c.last : NULL);
    return *out ? LC_OK : no_mem(e);
}

/* ---- facts for the gate ----------------------------------------------- */

/* Fills out from a stored room record. */
static enum lc_err room_facts_of(struct lc_record *rec, struct lc_room_facts *out)
{
    json_t *body = json_loads(rec->body, 0, NULL);
    if (!body)
        return LC_ECORRUPT;
    const char *agency = lc_jstr(body, "agency_id");
    out->found = true;
    snprintf(out->id, sizeof out->id, "%s", rec->id);
    snprintf(out->host_id, sizeof out->host_id, "%s", lc_jstr(body, "host_id"));
    snprintf(out->operator_id, sizeof out->operator_id, "%s", lc_jstr(body, "operator_id"));
    snprintf(out->agency_id, sizeof out->agency_id, "%s", agency ? agency : "");
    json_decref(body);
    return LC_OK;
}

enum lc_err lc_registry_room_by_key(struct lc_registry *reg, const char *stream_key,
                                    struct lc_room_facts *out)
{
    char key[65];
    struct lc_record rec = {0};
    memset(out, 0, sizeof *out);
    lc_seal_blind(reg->seal, LC_BLIND_STREAM, stream_key, key);
    enum lc_err err = lc_store_find(reg->store, LC_K_ROOM, key, &rec);
    if (err == LC_ENOTFOUND)
        return LC_OK;
    if (err == LC_OK)
        err = room_facts_of(&rec, out);
    lc_record_cleanup(&rec);
    return err;
}

enum lc_err lc_registry_room_facts(struct lc_registry *reg, const char *room_id,
                                   struct lc_room_facts *out)
{
    struct lc_record rec = {0};
    memset(out, 0, sizeof *out);
    enum lc_err err = lc_store_get(reg->store, LC_K_ROOM, room_id, &rec);
    if (err == LC_ENOTFOUND)
        return LC_OK;
    if (err == LC_OK)
        err = room_facts_of(&rec, out);
    lc_record_cleanup(&rec);
    return err;
}

static void person_facts(struct lc_registry *reg, const struct lc_record *rec, json_t *body,
                         struct lc_subject_facts *out)
{
    json_t *pii = open_pii(reg, rec->id, body);
    const char *bd = pii ? lc_jstr(pii, "birth_date") : NULL;
    out->is_person = bd && sscanf(bd, "%d-%d-%d", &out->birth.year, &out->birth.month,
                                  &out->birth.day) == 3;
    json_decref(pii);
}

enum lc_err lc_registry_subject_facts(struct lc_registry *reg, const char *kind,
                                      const char *id, struct lc_subject_facts *out)
{
    struct lc_record rec = {0};
    json_t *body = NULL;
    memset(out, 0, sizeof *out);
    enum lc_err err = load(reg, kind, id, "", &rec, &body, NULL);
    if (err == LC_ENOTFOUND)
        return LC_OK;
    if (err != LC_OK)
        return err;
    out->found = true;
    snprintf(out->id, sizeof out->id, "%s", rec.id);
    snprintf(out->agency_id, sizeof out->agency_id, "%s",
             lc_jstr(body, "agency_id") ? lc_jstr(body, "agency_id") : "");
    snprintf(out->blind_key, sizeof out->blind_key, "%s", rec.key ? rec.key : "");
    out->guardian_consent = json_is_true(json_object_get(body, "guardian_consent"));
    json_t *v = json_object_get(body, "verification");
    const char *res = json_is_object(v) ? lc_jstr(v, "result") : NULL;
    snprintf(out->verification, sizeof out->verification, "%s", res ? res : "");
    if (res && !strcmp(res, "pass"))
        out->verified_at = ts_of(v, "checked_at");
    out->training_expires_at = ts_of(body, "training_expires_at");
    if (json_object_get(body, "pii"))
        person_facts(reg, &rec, body, out);
    json_decref(body);
    lc_record_cleanup(&rec);
    return LC_OK;
}

enum lc_err lc_registry_blacklist_key(struct lc_registry *reg, const char *blind_key,
                                      const char *subject_id, const char *reason,
                                      const char *basis, int64_t expires_at,
                                      const char *measure_id, char id[LC_ID_MAX],
                                      struct lc_errinfo *e)
{
    if (!blind_key || !blind_key[0] || expires_at <= lc_time_now())
        return lc_fail(e, LC_EINVAL, "invalid_value", "expires_at",
                       "a blacklisting needs an identity and a future expiry");
    lc_id_new("blacklist", id);
    json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s}", "id", id,
                             "subject_type", "person", "subject_id", subject_id, "reason",
                             reason, "legal_basis", basis, "expires_at", ts_json(expires_at),
                             "source", "enforcement", "measure_id", measure_id);
    if (!body)
        return no_mem(e);
    enum lc_err err = insert_body(reg, LC_K_BLACKLIST, id, NULL, blind_key, NULL, body, e);
    if (err == LC_OK && lc_blacklist_put(reg->bl, blind_key, expires_at) != LC_OK)
        err = no_mem(e);
    atomic_fetch_add(&reg->gen, 1);
    json_decref(body);
    if (err == LC_OK)
        event(reg, NULL, "blacklist.added", id);
    return err;
}

struct latest {
    int64_t until;
};

static int latest_expiry(void *ctx, const struct lc_record *r)
{
    struct latest *l = ctx;
    json_t *body = json_loads(r->body, 0, NULL);
    int64_t t = body ? ts_of(body, "expires_at") : 0;
    if (t > l->until)
        l->until = t;
    json_decref(body);
    return 0;
}

enum lc_err lc_registry_blacklist_lift(struct lc_registry *reg, const char *id, const char *why,
                                       struct lc_errinfo *e)
{
    struct lc_record r = {0};
    enum lc_err err = lc_store_get(reg->store, LC_K_BLACKLIST, id, &r);
    if (err != LC_OK)
        return lc_fail(e, err, err == LC_ENOTFOUND ? "not_found" : "busy", "id",
                       "no blacklist entry %s", id);
    json_t *body = json_loads(r.body, 0, NULL);
    int64_t now = lc_time_now();
    char *text = NULL;
    if (body) {
        json_object_set_new(body, "expires_at", ts_json(now));
        json_object_set_new(body, "lifted", json_string(why));
        text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    }
    err = text ? LC_OK : LC_ENOMEM;
    if (err == LC_OK) {
        free(r.body);
        r.body = text;
        r.updated_at = now;
        err = lc_store_update(reg->store, &r);
    } else {
        free(text);
    }
    struct latest l = {0};
    struct lc_query q = {.kind = LC_K_BLACKLIST, .key = r.key};
    if (err == LC_OK && r.key)
        err = lc_store_list(reg->store, &q, latest_expiry, &l);
    if (err == LC_OK && r.key)
        err = lc_blacklist_set(reg->bl, r.key, l.until);
    atomic_fetch_add(&reg->gen, 1);
    json_decref(body);
    lc_record_cleanup(&r);
    if (err != LC_OK)
        return lc_fail(e, err, "busy", "", "the blacklist entry could not be lifted");
    event(reg, NULL, "blacklist.lifted", id);
    return LC_OK;
}
