/* enforce.h -- turning violations into measures, and living with them
 * (R10-R12): the eight measures with real effects, their expiry, notices to
 * the subject, appeals that reverse a measure, and disposal reports.
 *
 * Lifecycle of a violation: open -> confirmed | dismissed.  A violation
 * whose policy rule is automatic is confirmed and acted on as soon as it is
 * stored; others wait for an operator (lc_enforce_confirm / _dismiss).
 * Who answers for it: what the host says (transcript) and what the room
 * lists (product_claim) are the host's and the room's; a viewer's chat
 * violation is the viewer's (the measure names the message to hide,
 * "hide_event_id"; muted, warned), and becomes the room's only when the
 * room lets CHAT_UNMANAGED viewer measures pile up within an hour: then a
 * violation of the room itself (category chat_management) goes through the
 * same policy.
 *
 * A measure is a store record (kind "measure", key = status, ref = subject)
 * with the policy version, the rule and every input that chose it.  Its
 * effects are kept in memory for the gate and readers: suspensions, bans,
 * closures and blacklistings refuse going live (gate sanctions callback);
 * a live suspension also cuts the running stream through nginx-rtmp's
 * control API at once; restrictions switch named functions off; traffic
 * limitation sets a recommendation weight; re-registration bans refuse new
 * registrations with the same ID number or credit code; blacklisting adds
 * an entry, with its expiry, to the registry's blacklist (lifted with the
 * measure).  A ticker expires
 * measures and delivers notices to a webhook, with retries.  Every write
 * goes through the store, so the archive mirrors every step. */
#ifndef LC_ENFORCE_ENFORCE_H
#define LC_ENFORCE_ENFORCE_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "core/log.h"
#include "enforce/policy.h"
#include "registry/registry.h"
#include "store/store.h"

#define LC_K_MEASURE "measure"
#define LC_K_NOTICE "notice"
#define LC_K_APPEAL "appeal"
#define LC_K_CORRECTION "correction"
#define LC_APPEAL_DAYS 15 /* the subject may appeal this long after a measure */

struct lc_enforce;

struct lc_enforce_opts {
    const char *nginx_control; /* e.g. "http://127.0.0.1:8088/control"; NULL: streams
                                  are not cut (logged) */
    const char *notify_url;    /* notice webhook (http://...), or NULL */
    unsigned tick_ms;          /* expiry and delivery period; 0 = no thread (tests
                                  call lc_enforce_tick) */
};

/* store, reg and events (may be NULL) are borrowed; policy is taken (freed
 * with the enforcer).  Loads the measures in force and undelivered
 * notices. */
LC_MUST_USE enum lc_err lc_enforce_new(struct lc_store *store, struct lc_registry *reg,
                                       struct lc_policy *policy, struct lc_log *events,
                                       const struct lc_enforce_opts *o, struct lc_enforce **out);
void lc_enforce_free(struct lc_enforce *e);
const struct lc_policy *lc_enforce_policy(struct lc_enforce *e);

/* After ingest: acts on each new violation id (a JSON array of strings)
 * whose policy rule is automatic.  *measures gets the ids of measures
 * taken (new array).  Failures on one violation do not stop the others. */
LC_MUST_USE enum lc_err lc_enforce_violations(struct lc_enforce *e, json_t *ids,
                                              json_t **measures);
/* Operator decisions on an open violation (LC_ECONFLICT otherwise).
 * confirm answers {"violation", "measure"}; dismiss the violation. */
LC_MUST_USE enum lc_err lc_enforce_confirm(struct lc_enforce *e, const char *violation_id,
                                           const char *by, json_t **out, struct lc_errinfo *ei);
LC_MUST_USE enum lc_err lc_enforce_dismiss(struct lc_enforce *e, const char *violation_id,
                                           const char *by, json_t **out, struct lc_errinfo *ei);
/* Lifts an active measure early (LC_ECONFLICT if it is not active). */
LC_MUST_USE enum lc_err lc_enforce_lift(struct lc_enforce *e, const char *measure_id,
                                        const char *by, json_t **out, struct lc_errinfo *ei);

/* Appeals: in {"measure_id","reason"}; agency is the caller's agency id
 * ("" for staff), which must own the subject.  One appeal per measure. */
LC_MUST_USE enum lc_err lc_enforce_appeal(struct lc_enforce *e, json_t *in, const char *agency,
                                          const char *by, json_t **out, struct lc_errinfo *ei);
/* in {"outcome":"upheld"|"rejected","note"}.  Upheld reverses the measure
 * and its effects, dismisses the violation and records a correction. */
LC_MUST_USE enum lc_err lc_enforce_decide(struct lc_enforce *e, const char *appeal_id, json_t *in,
                                          const char *by, json_t **out, struct lc_errinfo *ei);

/* Readers for the platform. */
json_t *lc_enforce_restrictions(struct lc_enforce *e, const char *subject_id, int64_t now);
json_t *lc_enforce_traffic(struct lc_enforce *e, const char *room_id, int64_t now);
json_t *lc_enforce_traffic_all(struct lc_enforce *e, int64_t now);
/* Measures taken in [from, to), for regulators. */
LC_MUST_USE enum lc_err lc_enforce_disposals(struct lc_enforce *e, int64_t from, int64_t to,
                                             json_t **out, struct lc_errinfo *ei);

/* Expires due measures and retries notice deliveries; the ticker calls it. */
void lc_enforce_tick(struct lc_enforce *e, int64_t now);

/* Callbacks for the gate (lc_gate_set_sanctions) and the registry
 * (lc_registry_set_admission); ctx is the enforcer. */
unsigned lc_enforce_sanctions(void *ctx, const char *room_id, const char *host_id,
                              const char *host_key, int64_t now);
enum lc_err lc_enforce_admit(void *ctx, const char *blind_key, struct lc_errinfo *ei);

struct lc_enforce_stats {
    uint64_t measures, cuts, cut_failures, notices_delivered;
};
void lc_enforce_stats(struct lc_enforce *e, struct lc_enforce_stats *out);

#endif
