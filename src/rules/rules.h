/* rules.h -- rule packs: format, loading, compiling, and the scan pipeline.
 *
 * A rule pack is a UTF-8 text file (*.rules), human-editable and
 * diff-friendly: one directive per line, blocks separated by blank lines,
 * '#' starts a comment.  Format:
 *
 *   pack absolute_claims              # pack name: [a-z0-9_]+
 *   version 2026.11.25                # required, free text without spaces
 *
 *   rule ABS-0001                     # id: [A-Z0-9-]+, unique across packs
 *   category absolute_claim           # [a-z_]+
 *   severity high                     # low | medium | high | critical
 *   action review                     # log | review | block
 *   basis 《广告法》第九条第三项；《广告绝对化用语执法指南》   # legal basis, required
 *   literal 最佳                       # one or more literal/pattern lines
 *   literal best ever
 *   pattern 1[3-9]\d{9}               # match.h pattern syntax
 *   allow 最佳拍档                     # allowlist: a hit inside an occurrence of
 *                                     # this text is cancelled
 *   exempt self_comparison            # context ids that may exempt this rule
 *
 *   context self_comparison           # an exempting context
 *   effect cancel                     # cancel | lower (review -> log,
 *                                     # block -> review, severity one step down)
 *   window 12                         # characters each side of the hit
 *   cue 比上一代                        # one or more cue literals
 *   cue 自家
 *
 *   domain medical                    # a domain in which no exemption applies
 *   cue 治疗                           # (medical, health food, investment,
 *   cue 药品                           #  education): if any cue occurs in the
 *                                     # text, or the caller names the domain,
 *                                     # contexts do not exempt
 *
 * Literals, patterns, allow words and cues are normalised with text.h before
 * compiling, so they match folded input; they must be non-empty after
 * normalisation.  Every error is reported with file and line.
 *
 * The pipeline (lc_rules_scan): normalise, match every expression at once,
 * drop hits inside an allow occurrence, apply contexts unless a domain cue
 * is present, and produce hits with rule id, category, severity, action,
 * legal basis, the original and normalised spans, and the pack version; the
 * verdict is the strongest action: block > review > pass (log counts as
 * pass). */
#ifndef LC_RULES_RULES_H
#define LC_RULES_RULES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "match/match.h"

enum lc_severity { LC_SEV_LOW, LC_SEV_MEDIUM, LC_SEV_HIGH, LC_SEV_CRITICAL };
enum lc_action { LC_ACT_LOG, LC_ACT_REVIEW, LC_ACT_BLOCK };
enum lc_verdict { LC_VERDICT_PASS, LC_VERDICT_REVIEW, LC_VERDICT_BLOCK };

const char *lc_severity_name(enum lc_severity s);
const char *lc_action_name(enum lc_action a);
const char *lc_verdict_name(enum lc_verdict v);

/* Problems found while loading: each with file and line. */
struct lc_rules_diag {
    char file[256];
    unsigned line;
    char message[200];
};

struct lc_ruleset; /* compiled, immutable, shareable across threads */

/* Loads every *.rules file in dir (sorted by name), or one file if path is a
 * file.  On LC_EINVAL, *diag holds the first problem.  The ruleset's version
 * string is the packs' "name@version" joined with ','. */
LC_MUST_USE enum lc_err lc_rules_load(const char *path, enum lc_engine engine,
                                      struct lc_ruleset **out, struct lc_rules_diag *diag);
/* Parses and checks one pack text (for `rules check` and the fuzzer). */
LC_MUST_USE enum lc_err lc_rules_check_text(const char *text, size_t len, const char *file,
                                            struct lc_rules_diag *diag, size_t *nrules);
void lc_ruleset_free(struct lc_ruleset *rs);
size_t lc_ruleset_count(const struct lc_ruleset *rs);
const char *lc_ruleset_version(const struct lc_ruleset *rs);

/* What is scanned. kind: "chat", "transcript", "product_title",
 * "product_detail", "nickname" (any string is accepted; it is echoed).
 * domain: optional caller-declared domain ("medical", ...) or NULL. */
struct lc_scan_item {
    const char *text;
    size_t len;
    const char *kind;
    const char *domain;
};

/* Per-thread scan state. */
struct lc_scanner;
LC_MUST_USE enum lc_err lc_scanner_new(struct lc_scanner **out);
void lc_scanner_free(struct lc_scanner *sc);

/* Scans one item.  *verdict gets the verdict; if hits is non-NULL it
 * receives a new JSON array of hit objects:
 *   {"rule","category","severity","action","basis","start","end",
 *    "original","normalized","exempted_by"?:context,"lowered"?:true}
 * where start/end are byte offsets in the original text, "original" the
 * original text of the span and "normalized" the normalised text of the
 * span.  Invalid UTF-8 is LC_EINVAL (bad offset in *bad). */
LC_MUST_USE enum lc_err lc_rules_scan(const struct lc_ruleset *rs, struct lc_scanner *sc,
                                      const struct lc_scan_item *item,
                                      enum lc_verdict *verdict, json_t **hits, size_t *bad);

/* Hot swap: a holder of the current ruleset.  Readers take a reference for
 * the length of a scan; replacing it never waits for them, and the old
 * ruleset is freed when its last reader releases it. */
struct lc_rules_live;
LC_MUST_USE enum lc_err lc_rules_live_new(struct lc_ruleset *initial, struct lc_rules_live **out);
void lc_rules_live_free(struct lc_rules_live *live);
const struct lc_ruleset *lc_rules_acquire(struct lc_rules_live *live);
void lc_rules_release(struct lc_rules_live *live, const struct lc_ruleset *rs);
void lc_rules_replace(struct lc_rules_live *live, struct lc_ruleset *next);

#endif
