/* rules.h -- rule packs: format, loading, compiling, and the scan pipeline.
 *
 * A rule pack is a UTF-8 text file (*.rules), human-editable and
 * diff-friendly: one directive per line ("keyword value"), blocks separated
 * by blank lines; '#' at the start of a line or after white space starts a
 * comment (so "literal a#b" keeps its '#').  docs/RULES.md has the full
 * reference and rules/README.md the default packs.  Format:
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
 *   boundary word                     # optional, word | digit: a hit that such a
 *                                     # character touches in the original text
 *                                     # (nothing dropped between) is dropped
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
 * Literals, allow words and cues are normalised with text.h before
 * compiling, so they match folded input; they must be non-empty after
 * normalisation.  Patterns are NOT normalised: they run as written on the
 * normalised text, so write them in normalised form (lower case, no spaces
 * or punctuation, ASCII digits, simplified characters, no doubled letters);
 * a pattern character that normalisation would change or remove, or a
 * repeated non-digit character (qq: repeats collapse), is an error.
 *
 * Contexts and domains belong to their pack: `exempt` names a context of the
 * same pack (defined before or after the rule).  A domain cue, from any
 * pack, puts the whole text in that domain.  Rule ids are unique across all
 * packs of a load.
 *
 * Every error is reported with file and line: unknown directive, missing or
 * duplicate field, bad value, duplicate rule id, literal empty after
 * normalisation, pattern that does not compile, unknown context, invalid
 * UTF-8 or NUL, a line over 4096 bytes.  Line 0 means the whole file (it
 * cannot be read, it is over the 8 MiB cap, a folder has no packs).
 *
 * The pipeline (lc_rules_scan): normalise, match every expression at once
 * (one matcher for rule expressions, allow words and cues), drop a rule hit
 * inside an occurrence of one of its own allow words, apply contexts unless
 * the text is in a domain, and produce hits with rule id, category,
 * severity, action, legal basis, and the original and normalised spans; the
 * verdict is the strongest action of the hits that count: block > review >
 * pass (log counts as pass; an exempted hit does not count).  The pack
 * versions are lc_ruleset_version(), which a caller records with the hits
 * so an explanation names the lexicon it came from. */
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

/* Problems found while loading: each with file and line (0 = the whole
 * file).  Always valid UTF-8 if the file name is. */
struct lc_rules_diag {
    char file[256];
    unsigned line;
    char message[200];
};

struct lc_ruleset; /* compiled, immutable, shareable across threads */

/* Loads every *.rules file in dir (sorted by name), or one file if path is a
 * file.  On LC_EINVAL, *diag holds the first problem (also filled for
 * LC_ENOTFOUND, LC_EIO and LC_ENOMEM); *out is written only on LC_OK.  The
 * ruleset's version string is the packs' "name@version" joined with ','. */
LC_MUST_USE enum lc_err lc_rules_load(const char *path, enum lc_engine engine,
                                      struct lc_ruleset **out, struct lc_rules_diag *diag);
/* Parses and checks one pack text (for `rules check` and the fuzzer): the
 * same checks as lc_rules_load, including compiling with LC_ENGINE_AUTO.
 * *nrules (if non-NULL) gets the rule count on LC_OK. */
LC_MUST_USE enum lc_err lc_rules_check_text(const char *text, size_t len, const char *file,
                                            struct lc_rules_diag *diag, size_t *nrules);
/* Drops the caller's reference (rulesets are reference-counted; see
 * lc_rules_live below); frees it with the last one.  Accepts NULL. */
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

/* Per-thread scan state: normalisation buffers, matcher scratch and hit
 * buffers, reused across scans and across rulesets (the scratch grows when
 * the ruleset changes).  One thread at a time. */
struct lc_scanner;
LC_MUST_USE enum lc_err lc_scanner_new(struct lc_scanner **out);
void lc_scanner_free(struct lc_scanner *sc);

/* Scans one item.  *verdict gets the verdict; if hits is non-NULL it
 * receives a new JSON array of hit objects:
 *   {"rule","category","severity","action","basis","start","end",
 *    "original","normalized","exempted_by"?:context,"lowered"?:true}
 * where start/end are byte offsets in the original text, "original" the
 * original text of the span and "normalized" the normalised text of the
 * span.  Hits are ordered by start, end, rule; there is one per rule and
 * original span.  An exempted hit keeps its rule's severity and action and
 * does not count; a lowered hit shows the lowered ones.  Nothing is
 * allocated for a text without hits once the scanner has warmed up, and
 * JSON is built only when hits is non-NULL.  Invalid UTF-8 is LC_EINVAL
 * (bad offset in *bad); over LC_TEXT_MAX bytes, or over 2^20 matches in
 * one item, is LC_ETOOBIG.  *verdict and *hits are written only on LC_OK. */
LC_MUST_USE enum lc_err lc_rules_scan(const struct lc_ruleset *rs, struct lc_scanner *sc,
                                      const struct lc_scan_item *item,
                                      enum lc_verdict *verdict, json_t **hits, size_t *bad);

/* The explanations of the last lc_rules_scan on sc, as JSON text: byte for
 * byte what json_dumps(hits, JSON_COMPACT) gives for the hits array that
 * scan returns (or would have returned), without scanning again and without
 * a jansson tree.  item must be the item of that scan (the same text
 * pointer and length, the text unchanged) and rs its ruleset; the scan must
 * have succeeded.  Otherwise LC_EINVAL.  *json is a new NUL-terminated
 * string (free() it), *len (if non-NULL) its length; both are written only
 * on LC_OK.  The usual caller gets the verdict of every message with
 * hits=NULL and explains the few that do not pass. */
LC_MUST_USE enum lc_err lc_rules_explain(const struct lc_ruleset *rs, struct lc_scanner *sc,
                                         const struct lc_scan_item *item, char **json,
                                         size_t *len);

/* Hot swap: a holder of the current ruleset.  Readers take a reference for
 * the length of a scan; replacing it never waits for them, and the old
 * ruleset is freed when its last reader releases it.  lc_rules_live_new and
 * lc_rules_replace take over the caller's reference (live_new only on
 * LC_OK); acquire never fails and never blocks; a released ruleset must not
 * be used again.  Writers are serialised; a writer waits only for readers
 * that are inside acquire itself (a few instructions). */
struct lc_rules_live;
LC_MUST_USE enum lc_err lc_rules_live_new(struct lc_ruleset *initial, struct lc_rules_live **out);
void lc_rules_live_free(struct lc_rules_live *live);
const struct lc_ruleset *lc_rules_acquire(struct lc_rules_live *live);
void lc_rules_release(struct lc_rules_live *live, const struct lc_ruleset *rs);
void lc_rules_replace(struct lc_rules_live *live, struct lc_ruleset *next);

#endif
