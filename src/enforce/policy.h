/* policy.h -- which measure a violation earns (R10, R11): a versioned,
 * human-editable policy file mapping a violation's category and severity,
 * the subject's history (points that decay, repeat offences) and the room's
 * risk tier (R9) to one of the eight measures and a duration.
 *
 * Pure: the caller supplies the history; lc_policy_decide is a function of
 * the policy and its input, and reports which policy rule chose the measure
 * so the measure can be recorded with every input that chose it.  The file
 * format is documented in docs/POLICY.md; the default policy ships in
 * policy/default.policy. */
#ifndef LC_ENFORCE_POLICY_H
#define LC_ENFORCE_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* The eight measures of the 2026 Measures, mildest first. */
enum lc_measure {
    LC_M_NONE = 0,
    LC_M_WARNING,    /* warning */
    LC_M_RESTRICT,   /* function restriction */
    LC_M_TRAFFIC,    /* traffic limitation */
    LC_M_SUSPEND,    /* live suspension: the running stream is cut */
    LC_M_BAN,        /* time-limited ban (account may not go live / act) */
    LC_M_CLOSE,      /* account closure */
    LC_M_REREG_BAN,  /* ban on re-registration (by ID number / credit code) */
    LC_M_BLACKLIST,  /* blacklisting, always with an expiry */
    LC_M_COUNT
};

/* Functions a restriction can switch off (bit mask). */
enum lc_function {
    LC_F_COMMENTS = 1u << 0,
    LC_F_PRODUCT_LINKS = 1u << 1,
    LC_F_TIPPING = 1u << 2,
    LC_F_COSTREAMING = 1u << 3,
    LC_F_GOING_LIVE = 1u << 4,
    LC_F_CHAT = 1u << 5, /* a viewer's own messages (muted) */
};

/* "warning", "restrict", "traffic", "suspend", "ban", "close", "rereg_ban",
 * "blacklist" (and "none"); lc_measure_parse returns LC_M_COUNT when
 * unknown. */
const char *lc_measure_name(enum lc_measure m);
enum lc_measure lc_measure_parse(const char *s);
/* "comments", "product_links", "tipping", "costreaming", "going_live",
 * "chat"; 0 when unknown.  lc_function_name takes one LC_F_* bit and returns
 * "?" for anything else (0, several bits, an unknown bit), as
 * lc_measure_name does for an out-of-range measure. */
unsigned lc_function_parse(const char *s);
const char *lc_function_name(unsigned bit);

struct lc_policy;

struct lc_policy_input {
    const char *category;  /* violation category, e.g. "contraband" */
    const char *severity;  /* "low", "medium", "high", "critical" */
    const char *subject;   /* "host" (transcript, products), "viewer" (chat), "room" */
    double points;         /* the subject's decayed points before this violation */
    unsigned repeats;      /* earlier confirmed violations of this category by the
                              subject inside the policy's repeat window */
    int risk_tier;         /* room risk tier 1 (low) .. 3 (high) */
};

struct lc_policy_decision {
    enum lc_measure measure;
    int64_t duration_s;   /* how long the measure lasts; 0 = until lifted (close,
                             rereg_ban) or instantaneous (warning) */
    unsigned functions;   /* restrict: LC_F_* switched off */
    double weight;        /* traffic: recommendation weight in [0, 1]; 1.0
                             (unchanged) for every other measure */
    double points;        /* points this violation adds to the subject */
    int automatic;        /* apply without an operator's confirmation */
    char rule[64];        /* id of the policy rule that decided */
    char basis[256];      /* legal basis cited by that rule */
};

struct lc_policy_diag {
    unsigned line;      /* 1-based line of the first error, 0 if none */
    char message[200];
};

/* Parses policy text (len bytes, need not be NUL-terminated, at most 1 MiB).
 * On error returns LC_EINVAL (malformed; over the size cap, at line 0) or
 * LC_ENOMEM, with the line and a message in diag (which may be NULL);
 * *out untouched.  A value wrong on its own is reported at its line; a rule
 * incomplete or inconsistent as a whole (no basis, a blacklist without a
 * duration) at its `rule` line; a missing header or default rule at the
 * last line.  The caller owns *out (lc_policy_free). */
LC_MUST_USE enum lc_err lc_policy_parse(const char *text, size_t len, struct lc_policy **out,
                                        struct lc_policy_diag *diag);
/* Reads and parses a policy file.  Also LC_ENOTFOUND (no such file) or
 * LC_EIO, with diag.line 0 and diag.message naming the path. */
LC_MUST_USE enum lc_err lc_policy_load(const char *path, struct lc_policy **out,
                                       struct lc_policy_diag *diag);
void lc_policy_free(struct lc_policy *p);
/* "<name>@<version>" from the file's header, borrowed. */
const char *lc_policy_version(const struct lc_policy *p);
/* Half-life of points, and the repeat window, in seconds (from the file). */
int64_t lc_policy_half_life(const struct lc_policy *p);
int64_t lc_policy_repeat_window(const struct lc_policy *p);

/* Points decayed from `at` to `now` with the policy's half-life:
 * points * 2^(-(now - at) / half_life).  `at` >= now returns points
 * unchanged; the result is never negative (negative or NaN points give 0). */
double lc_policy_decay(const struct lc_policy *p, double points, int64_t at, int64_t now);

/* Chooses the measure for in: the first rule in file order whose every
 * condition holds (thresholds inclusive), else the policy's default rule, so
 * it always succeeds for a loaded policy.  A NULL or unknown category,
 * severity or subject matches only rules that leave that condition at "any".
 * Writes every field of *out; rule and basis are copied, not borrowed. */
void lc_policy_decide(const struct lc_policy *p, const struct lc_policy_input *in,
                      struct lc_policy_decision *out);

#endif
