/* rules_int.h -- private layout of a compiled ruleset, shared by the parser
 * (parse.c), the scan pipeline (scan.c) and the hot-swap holder (live.c).
 *
 * A ruleset is built once and never changed afterwards, so any number of
 * threads may scan with it.  Its lifetime is a reference count: the builder
 * holds the first reference, lc_ruleset_free drops one, and lc_rules_live
 * takes and drops references around each reader's scan. */
#ifndef LC_RULES_RULES_INT_H
#define LC_RULES_RULES_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "rules/rules.h"

/* Caps on what the parser accepts (all checked with a diagnostic). */
#define LC_RULES_LINE_MAX 4096u          /* bytes per line, without "\n" */
#define LC_RULES_PACK_MAX (8u << 20)     /* bytes per pack file */
#define LC_RULES_TOTAL_MAX (64u << 20)   /* bytes over all packs of a load */
#define LC_RULES_FILES_MAX 1024u         /* *.rules files in a folder */
#define LC_RULES_EXPR_MAX 1024u          /* bytes of one expression (normalised) */
#define LC_RULES_NAME_MAX 64u            /* ids, names, categories, versions */
#define LC_RULES_WINDOW_MAX 4096u        /* context window, characters */
/* Matches recorded for one scanned item (rule hits, allow and cue
 * occurrences together); beyond it lc_rules_scan gives LC_ETOOBIG. */
#define LC_RULES_MATCHES_MAX (1u << 20)

enum rx_kind {
    RX_RULE,   /* a literal or pattern of rule `ref` */
    RX_ALLOW,  /* an allow word of rule `ref` */
    RX_CUE,    /* a cue of context `ref` */
    RX_DOMAIN, /* a cue of domain `ref` */
};

enum ctx_effect { CTX_CANCEL, CTX_LOWER };

/* A rule's `boundary`: which characters may not touch a hit in the original
 * text (scan.c, step 2 of deciding a hit). */
enum rule_bound { BOUND_NONE, BOUND_WORD, BOUND_DIGIT };

struct rrule {
    char *id, *category, *basis;
    uint8_t severity; /* enum lc_severity */
    uint8_t action;   /* enum lc_action */
    uint8_t boundary; /* enum rule_bound */
    bool repeat;      /* `repeat required`: a hit must cover a repeated
                         character of the original (weed, not wed) */
    uint32_t pack;
    uint32_t exempt_off, n_exempt; /* slice of ruleset.exempt (context indices) */
    unsigned line;                 /* of the "rule" line, for diagnostics */
};

struct rctx {
    char *name;
    uint8_t effect; /* enum ctx_effect */
    uint32_t window; /* characters of normalised text either side */
    uint32_t pack;
};

struct rdomain {
    char *name;
    uint32_t pack;
};

struct rpack {
    char *name, *version, *file;
};

/* What a matcher id means: the matcher's ids are indices into this table. */
struct rexpr {
    uint8_t kind; /* enum rx_kind */
    uint32_t ref;
};

struct lc_ruleset {
    atomic_ulong refs;
    uint64_t serial; /* unique per built ruleset (scanners key scratch on it) */
    struct rrule *rules;
    size_t nrules;
    struct rctx *ctxs;
    size_t nctxs;
    struct rdomain *domains;
    size_t ndomains;
    struct rpack *packs;
    size_t npacks;
    uint32_t *exempt;
    size_t nexempt;
    struct rexpr *exprs;
    size_t nexprs;
    struct lc_matcher *m; /* NULL when there is nothing to match */
    char *version;        /* "name@version,..." */
};

/* Drops one reference; frees the ruleset with the last one. */
void lc_ruleset_unref(struct lc_ruleset *rs);

/* Builds a ruleset from one pack text, as lc_rules_load does for a file
 * (used by the fuzzer and the unit tests).  *out is written only on LC_OK;
 * on failure *diag holds the first problem. */
LC_MUST_USE enum lc_err lc_rules_load_text(const char *text, size_t len, const char *file,
                                           enum lc_engine engine, struct lc_ruleset **out,
                                           struct lc_rules_diag *diag);

#endif
