/* gate.h -- the go-live gate: may this host publish in this room now?
 *
 * nginx-rtmp asks on every publish (on_publish).  The gate maps the stream
 * key to a room, its host and operator, and allows only when every rule
 * holds (R1-R4, R8, R12): the host's latest real-name check passed, the age
 * rule holds, no one involved is blacklisted (matched on ID number or credit
 * code), training is current, and the operator's last passing verification
 * is under 6 months old.  Every decision and every reason is recorded
 * through a group-committed writer before the answer goes back; an allowed
 * publish's decision is also its live session, which publish_done closes. */
#ifndef LC_GATE_GATE_H
#define LC_GATE_GATE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/log.h"
#include "registry/registry.h"
#include "store/batch.h"

/* Decisions are records of this kind.  An allow decision is also the live
 * session it opened ("status" live/ended, "started_at", "ended_at"). */
#define LC_K_DECISION "gate_decision"

/* Deny reasons, as bits; lc_gate_reason_name() gives the stable code. */
enum lc_gate_reason {
    LC_GR_MISSING_KEY = 1u << 0,
    LC_GR_UNKNOWN_KEY = 1u << 1,
    LC_GR_NAME_MISMATCH = 1u << 2,
    LC_GR_HOST_NOT_VERIFIED = 1u << 3,
    LC_GR_HOST_UNDER_AGE = 1u << 4,
    LC_GR_CONSENT_MISSING = 1u << 5,
    LC_GR_HOST_BLACKLISTED = 1u << 6,
    LC_GR_OPERATOR_BLACKLISTED = 1u << 7,
    LC_GR_AGENCY_BLACKLISTED = 1u << 8,
    LC_GR_TRAINING_MISSING = 1u << 9,
    LC_GR_TRAINING_EXPIRED = 1u << 10,
    LC_GR_OPERATOR_NOT_VERIFIED = 1u << 11,
    LC_GR_OPERATOR_OVERDUE = 1u << 12,
    LC_GR_SUBJECT_MISSING = 1u << 13, /* room points at a deleted host/operator */
    LC_GR_SUSPENDED = 1u << 14,       /* a live suspension of the room or host */
    LC_GR_BANNED = 1u << 15,          /* a ban, closure or blacklisting measure */
    LC_GR_RESTRICTED = 1u << 16,      /* going live is a restricted function */
};
#define LC_GR_COUNT 17

const char *lc_gate_reason_name(unsigned bit_index);

/* Everything a decision depends on, gathered before evaluation. */
struct lc_gate_facts {
    struct lc_room_facts room;
    struct lc_subject_facts host, operator, agency;
    bool host_listed, operator_listed, agency_listed;
};

/* The rules themselves: a pure function of the facts and the time. */
unsigned lc_gate_evaluate(const struct lc_gate_facts *f, int64_t now);

/* One on_publish call, fields borrowed from the hook's form body. */
struct lc_publish {
    const char *app, *name, *addr, *clientid;
    const char *key; /* the key= stream argument (the secret stream key);
                        name must then be the room's id */
};

struct lc_gate_result {
    bool allow;
    unsigned reasons;
    char decision_id[LC_ID_MAX];
    char room_id[LC_ID_MAX];
};

struct lc_gate;

/* Enforcement measures in force against a room or its host now, as
 * LC_GR_SUSPENDED / LC_GR_BANNED / LC_GR_RESTRICTED bits (enforce.h).
 * host_key is the blind index of the host's ID number. */
typedef unsigned (*lc_gate_sanctions_fn)(void *ctx, const char *room_id, const char *host_id,
                                         const char *host_key, int64_t now);

/* registry, store and batch are borrowed; events may be NULL. */
LC_MUST_USE enum lc_err lc_gate_new(struct lc_registry *reg, struct lc_store *store,
                                    struct lc_batch *batch, struct lc_log *events,
                                    struct lc_gate **out);
void lc_gate_free(struct lc_gate *g);
/* Consulted, fresh, on every publish; set before other threads use g. */
void lc_gate_set_sanctions(struct lc_gate *g, lc_gate_sanctions_fn fn, void *ctx);
/* Decides, records the decision (and the session on allow), then answers.
 * An error means nothing could be recorded: the caller must refuse. */
LC_MUST_USE enum lc_err lc_gate_publish(struct lc_gate *g, const struct lc_publish *p,
                                        struct lc_gate_result *out);
/* Closes the live session opened for (app, name, clientid): LC_ENOTFOUND
 * when there is none (a refused publish, a duplicate publisher). */
LC_MUST_USE enum lc_err lc_gate_publish_done(struct lc_gate *g, const struct lc_publish *p);

#endif
