/* registry.h -- agencies, room operators, hosts, verifications, trainings,
 * rooms and the blacklist: the identities the rules require before anyone
 * goes live (R1-R5, R8, R12).
 *
 * Inputs are JSON objects already shape-checked by the caller against the
 * field tables exported here; the registry does the semantic checks
 * (checksums, ages, references, dates), seals personal fields, writes through
 * the store interface only, and answers with JSON views in which personal
 * data is masked unless the access asks to reveal it.
 *
 * Ownership: every json_t ** out is a new reference owned by the caller.
 * On failure nothing is written and e says why. */
#ifndef LC_REGISTRY_REGISTRY_H
#define LC_REGISTRY_REGISTRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/jsonv.h"
#include "core/log.h"
#include "core/time.h"
#include "ident/seal.h"
#include "registry/blacklist.h"
#include "store/store.h"

/* Record kinds (store kinds). */
#define LC_K_AGENCY "agency"
#define LC_K_OPERATOR "operator"
#define LC_K_HOST "host"
#define LC_K_HOST_VERIF "host_verification"
#define LC_K_OPER_VERIF "operator_verification"
#define LC_K_TRAINING "training"
#define LC_K_ROOM "room"
#define LC_K_BLACKLIST "blacklist"

/* Blind-index domains. */
#define LC_BLIND_ID "id_number"
#define LC_BLIND_CREDIT "credit_code"
#define LC_BLIND_STREAM "stream_key"

/* Rules the gate and registry share. */
#define LC_MIN_AGE 16
#define LC_ADULT_AGE 18
#define LC_TRAINING_MONTHS 12
#define LC_REVERIFY_MONTHS 6

struct lc_registry;

/* Who is asking. */
struct lc_access {
    const char *agency; /* non-NULL: limited to this agency's hosts and rooms */
    bool reveal;        /* show personal data in clear (caller checked the role) */
    const char *actor;  /* token id, for the event log */
};

/* Borrowed dependencies; they must outlive the registry.  events may be NULL. */
LC_MUST_USE enum lc_err lc_registry_new(struct lc_store *store, struct lc_seal *seal,
                                        struct lc_log *events, struct lc_registry **out);
void lc_registry_free(struct lc_registry *reg);
struct lc_blacklist *lc_registry_blacklist(struct lc_registry *reg);
/* Asked before an agency, operator or host is registered, with the blind
 * index of its credit code or ID number: a re-registration ban answers
 * LC_EDENIED with e filled.  Set it before other threads use reg. */
typedef enum lc_err (*lc_registry_admit_fn)(void *ctx, const char *blind_key,
                                            struct lc_errinfo *e);
void lc_registry_set_admission(struct lc_registry *reg, lc_registry_admit_fn fn, void *ctx);
/* Bumped after every write through this registry; caches of registry facts
 * keyed by it never serve an entry older than the last change. */
uint64_t lc_registry_generation(struct lc_registry *reg);
struct lc_seal *lc_registry_seal(struct lc_registry *reg);

/* Field tables for request bodies. */
extern const struct lc_jfield lc_agency_fields[], lc_agency_patch_fields[];
extern const struct lc_jfield lc_operator_fields[], lc_operator_patch_fields[];
extern const struct lc_jfield lc_host_fields[], lc_host_patch_fields[];
extern const struct lc_jfield lc_verification_fields[], lc_training_fields[];
extern const struct lc_jfield lc_room_fields[], lc_room_patch_fields[];
extern const struct lc_jfield lc_blacklist_fields[];

LC_MUST_USE enum lc_err lc_registry_create_agency(struct lc_registry *reg, json_t *in,
                                                  const struct lc_access *a, json_t **out,
                                                  struct lc_errinfo *e);
LC_MUST_USE enum lc_err lc_registry_create_operator(struct lc_registry *reg, json_t *in,
                                                    const struct lc_access *a, json_t **out,
                                                    struct lc_errinfo *e);
LC_MUST_USE enum lc_err lc_registry_create_host(struct lc_registry *reg, json_t *in,
                                                const struct lc_access *a, json_t **out,
                                                struct lc_errinfo *e);
/* kind is LC_K_HOST or LC_K_OPERATOR. */
LC_MUST_USE enum lc_err lc_registry_add_verification(struct lc_registry *reg, const char *kind,
                                                     const char *subject_id, json_t *in,
                                                     const struct lc_access *a, json_t **out,
                                                     struct lc_errinfo *e);
LC_MUST_USE enum lc_err lc_registry_add_training(struct lc_registry *reg, json_t *in,
                                                 const struct lc_access *a, json_t **out,
                                                 struct lc_errinfo *e);
/* The answer carries "stream_key", shown this once (only its hash is kept). */
LC_MUST_USE enum lc_err lc_registry_create_room(struct lc_registry *reg, json_t *in,
                                                const struct lc_access *a, json_t **out,
                                                struct lc_errinfo *e);
LC_MUST_USE enum lc_err lc_registry_add_blacklist(struct lc_registry *reg, json_t *in,
                                                  const struct lc_access *a, json_t **out,
                                                  struct lc_errinfo *e);

/* Blacklisting decided by enforcement: an entry for the identity behind
 * blind_key (a host's ID number index), with reason, basis and a mandatory
 * future expiry, naming the measure.  *id gets the entry's id. */
LC_MUST_USE enum lc_err lc_registry_blacklist_key(struct lc_registry *reg, const char *blind_key,
                                                  const char *subject_id, const char *reason,
                                                  const char *basis, int64_t expires_at,
                                                  const char *measure_id, char id[LC_ID_MAX],
                                                  struct lc_errinfo *e);
/* Ends an entry now (an overturned measure): its expiry becomes now and the
 * index keeps the latest expiry of the identity's other entries. */
LC_MUST_USE enum lc_err lc_registry_blacklist_lift(struct lc_registry *reg, const char *id,
                                                   const char *why, struct lc_errinfo *e);

/* Generic reads and updates, by kind.  update applies a shape-checked patch. */
LC_MUST_USE enum lc_err lc_registry_get(struct lc_registry *reg, const char *kind,
                                        const char *id, const struct lc_access *a,
                                        json_t **out, struct lc_errinfo *e);
LC_MUST_USE enum lc_err lc_registry_update(struct lc_registry *reg, const char *kind,
                                           const char *id, json_t *patch,
                                           const struct lc_access *a, json_t **out,
                                           struct lc_errinfo *e);

struct lc_list_req {
    const char *kind;
    const char *ref;    /* parent filter (host_id for trainings, ...) */
    const char *key;    /* key filter (a decision's outcome) */
    const char *field;  /* with value: keep records whose body has */
    const char *value;  /*   field == value (string), e.g. host_id */
    const char *cursor; /* id after which to continue */
    int64_t from, to;   /* created_at range when to > 0 */
    size_t limit;       /* 1..500 */
    bool newest_first;
};
/* Answers {"items":[...],"next_cursor":...}. */
LC_MUST_USE enum lc_err lc_registry_list(struct lc_registry *reg, const struct lc_list_req *q,
                                         const struct lc_access *a, json_t **out,
                                         struct lc_errinfo *e);

/* What the gate needs, read without masking or scoping. */
struct lc_subject_facts {
    bool found;
    char id[LC_ID_MAX];
    char agency_id[LC_ID_MAX];   /* hosts: their agency, may be "" */
    char blind_key[65];          /* blind index of ID number or credit code */
    bool is_person;              /* has a resident ID (and so an age) */
    struct lc_date birth;        /* persons only */
    bool guardian_consent;
    char verification[8];        /* latest result: "pass", "fail" or "" */
    int64_t verified_at;         /* latest passing check, 0 if none */
    int64_t training_expires_at; /* hosts; 0 if never trained */
};
struct lc_room_facts {
    bool found;
    char id[LC_ID_MAX];
    char host_id[LC_ID_MAX];
    char operator_id[LC_ID_MAX];
    char agency_id[LC_ID_MAX]; /* the host's agency, may be "" */
};
/* By room id; out->found is false when there is no such room. */
LC_MUST_USE enum lc_err lc_registry_room_facts(struct lc_registry *reg, const char *room_id,
                                               struct lc_room_facts *out);
LC_MUST_USE enum lc_err lc_registry_room_by_key(struct lc_registry *reg, const char *stream_key,
                                                struct lc_room_facts *out);
/* kind: LC_K_HOST, LC_K_OPERATOR or LC_K_AGENCY. */
LC_MUST_USE enum lc_err lc_registry_subject_facts(struct lc_registry *reg, const char *kind,
                                                  const char *id,
                                                  struct lc_subject_facts *out);

#endif
