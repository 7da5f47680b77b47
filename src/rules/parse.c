/* parse.c -- reads rule packs (format in rules.h and docs/RULES.md) into a
 * ruleset and compiles every expression of every pack into one matcher.
 *
 * The parser is a line machine: each line is checked (length, UTF-8, NUL)
 * before it is split into a directive and a value, so every diagnostic can
 * name the file and line it is about, and no input can make it misbehave
 * (it is fuzzed through lc_rules_check_text).  Literals, allow words and
 * cues are normalised with text.h as they are read; patterns are taken as
 * written and run on normalised text, so the parser rejects pattern
 * characters that normalisation would change (they could never match).
 *
 * Matcher ids are indices into ruleset.exprs, which says whether an id is a
 * rule expression, an allow word, a context cue or a domain cue, so one scan
 * finds all four. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rules/rules_int.h"
#include "core/array.h"
#include "text/text.h"

/* ---- small helpers ----------------------------------------------------- */


/* Offset of the first byte that is not part of well-formed UTF-8 (or is
 * NUL), or n if there is none. */
static size_t utf8_bad(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            if (c == 0)
                return i;
            i++;
            continue;
        }
        size_t len;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return i;
        }
        if (n - i < len)
            return i;
        for (size_t k = 1; k < len; k++) {
            unsigned d = s[i + k];
            if ((d & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (d & 0x3F);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return i;
        i += len;
    }
    return n;
}

static size_t utf8_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* Cuts an incomplete UTF-8 sequence off the end of a NUL-terminated buffer
 * (snprintf truncates at a byte, not a character). */
static void utf8_trim_tail(char *s)
{
    size_t n = strlen(s), i = n;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i > 0 && (unsigned char)s[i - 1] >= 0xC0 &&
        utf8_len((unsigned char)s[i - 1]) > n - (i - 1))
        s[i - 1] = '\0';
}

/* Bytes of s to quote in a message: at most max, ending on a character. */
static int qlen(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return (int)n;
    size_t i = max;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    return (int)i;
}
#define QMAX 48
#define Q(s) qlen((s), QMAX), (s), (strlen(s) > QMAX ? "..." : "")

static bool is_ws(char c)
{
    return c == ' ' || c == '\t';
}

static bool name_ok(const char *s, const char *extra, bool upper)
{
    size_t n = strlen(s);
    if (n == 0 || n > LC_RULES_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= '0' && c <= '9') || (upper ? (c >= 'A' && c <= 'Z') : (c >= 'a' && c <= 'z')) ||
                  strchr(extra, c) != NULL;
        if (!ok)
            return false;
    }
    return true;
}

static bool lower_alpha_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > LC_RULES_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
            return false;
    return true;
}

/* ---- names -------------------------------------------------------------- */

const char *lc_severity_name(enum lc_severity s)
{
    switch (s) {
    case LC_SEV_LOW: return "low";
    case LC_SEV_MEDIUM: return "medium";
    case LC_SEV_HIGH: return "high";
    case LC_SEV_CRITICAL: return "critical";
    }
    return "?";
}

const char *lc_action_name(enum lc_action a)
{
    switch (a) {
    case LC_ACT_LOG: return "log";
    case LC_ACT_REVIEW: return "review";
    case LC_ACT_BLOCK: return "block";
    }
    return "?";
}

const char *lc_verdict_name(enum lc_verdict v)
{
    switch (v) {
    case LC_VERDICT_PASS: return "pass";
    case LC_VERDICT_REVIEW: return "review";
    case LC_VERDICT_BLOCK: return "block";
    }
    return "?";
}

static int parse_enum(const char *v, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(v, names[i]) == 0)
            return i;
    return -1;
}

static const char *const sev_names[] = {"low", "medium", "high", "critical"};
static const char *const act_names[] = {"log", "review", "block"};
static const char *const eff_names[] = {"cancel", "lower"};
/* indexed by enum rule_bound; "none" is the default and not written */
static const char *const bound_names[] = {"none", "word", "digit"};

/* ---- the builder ---------------------------------------------------------- */

/* An expression waiting for the matcher compile. */
struct pexpr {
    char *text;
    bool literal;
    uint32_t pack;
    unsigned line;
};

/* An `exempt` waiting for its pack's contexts to be known. */
struct pexempt {
    char *name;
    size_t slot; /* index into rs->exempt */
    unsigned line;
};

enum block { B_NONE, B_RULE, B_CTX, B_DOMAIN };

struct builder {
    struct lc_ruleset *rs;
    size_t cap_rules, cap_ctxs, cap_domains, cap_packs, cap_exempt, cap_exprs;
    unsigned *ctx_line, *dom_line; /* parallel to rs->ctxs / rs->domains */
    size_t cap_ctx_line, cap_dom_line;
    struct pexpr *px;
    size_t npx, cap_px;
    struct pexempt *pe;
    size_t npe, cap_pe;
    uint32_t *idtab; /* open addressing: rule index + 1, 0 = empty */
    size_t idcap;
    struct lc_norm norm;
    struct lc_rules_diag *diag;
    size_t total; /* bytes read over all packs */

    /* the pack being read */
    const char *file;
    uint32_t pack;
    bool have_pack, have_version;
    size_t ctx0, dom0;

    /* the block being read */
    enum block blk;
    unsigned blk_line;
    bool has_cat, has_sev, has_act, has_basis, has_bound, has_repeat, has_effect, has_window;
    size_t nexpr_blk;

    char val[LC_RULES_LINE_MAX + 1];
};

static enum lc_err failv(struct lc_rules_diag *d, const char *file, unsigned line,
                         enum lc_err err, const char *fmt, va_list ap)
{
    if (d) {
        snprintf(d->file, sizeof d->file, "%s", file ? file : "");
        utf8_trim_tail(d->file);
        d->line = line;
        vsnprintf(d->message, sizeof d->message, fmt, ap);
        utf8_trim_tail(d->message);
    }
    return err;
}

__attribute__((format(printf, 3, 4))) static enum lc_err fail(struct builder *b, unsigned line,
                                                                const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum lc_err e = failv(b->diag, b->file, line, LC_EINVAL, fmt, ap);
    va_end(ap);
    return e;
}

__attribute__((format(printf, 5, 6))) static enum lc_err fail_at(struct builder *b, const char *file,
                                                                   unsigned line, enum lc_err err,
                                                                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum lc_err e = failv(b->diag, file, line, err, fmt, ap);
    va_end(ap);
    return e;
}

static enum lc_err nomem(struct builder *b)
{
    return fail_at(b, b->file, 0, LC_ENOMEM, "out of memory");
}

static void ruleset_destroy(struct lc_ruleset *rs)
{
    if (!rs)
        return;
    for (size_t i = 0; i < rs->nrules; i++) {
        free(rs->rules[i].id);
        free(rs->rules[i].category);
        free(rs->rules[i].basis);
    }
    for (size_t i = 0; i < rs->nctxs; i++)
        free(rs->ctxs[i].name);
    for (size_t i = 0; i < rs->ndomains; i++)
        free(rs->domains[i].name);
    for (size_t i = 0; i < rs->npacks; i++) {
        free(rs->packs[i].name);
        free(rs->packs[i].version);
        free(rs->packs[i].file);
    }
    free(rs->rules);
    free(rs->ctxs);
    free(rs->domains);
    free(rs->packs);
    free(rs->exempt);
    free(rs->exprs);
    lc_match_free(rs->m);
    free(rs->version);
    free(rs);
}

void lc_ruleset_unref(struct lc_ruleset *rs)
{
    if (rs && atomic_fetch_sub(&rs->refs, 1) == 1)
        ruleset_destroy(rs);
}

void lc_ruleset_free(struct lc_ruleset *rs)
{
    lc_ruleset_unref(rs);
}

size_t lc_ruleset_count(const struct lc_ruleset *rs)
{
    return rs ? rs->nrules : 0;
}

const char *lc_ruleset_version(const struct lc_ruleset *rs)
{
    return rs && rs->version ? rs->version : "";
}

static enum lc_err builder_init(struct builder *b, struct lc_rules_diag *diag)
{
    memset(b, 0, sizeof *b);
    b->diag = diag;
    if (diag)
        memset(diag, 0, sizeof *diag);
    if (lc_text_init() != LC_OK)
        return fail_at(b, "", 0, LC_ENOMEM, "cannot build the normalisation tables");
    b->rs = calloc(1, sizeof *b->rs);
    if (!b->rs)
        return nomem(b);
    atomic_init(&b->rs->refs, 1);
    lc_norm_init(&b->norm);
    return LC_OK;
}

static void builder_cleanup(struct builder *b)
{
    ruleset_destroy(b->rs);
    b->rs = NULL;
    for (size_t i = 0; i < b->npx; i++)
        free(b->px[i].text);
    free(b->px);
    for (size_t i = 0; i < b->npe; i++)
        free(b->pe[i].name);
    free(b->pe);
    free(b->idtab);
    free(b->ctx_line);
    free(b->dom_line);
    lc_norm_cleanup(&b->norm);
}

/* FNV-1a; ids are short. */
static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Finds rule id in the table; returns its rule index or -1. */
static long id_find(const struct builder *b, const char *id)
{
    if (!b->idcap)
        return -1;
    size_t mask = b->idcap - 1;
    for (size_t i = hash_str(id) & mask;; i = (i + 1) & mask) {
        uint32_t v = b->idtab[i];
        if (!v)
            return -1;
        if (strcmp(b->rs->rules[v - 1].id, id) == 0)
            return (long)(v - 1);
    }
}

static int id_insert(struct builder *b, uint32_t rule)
{
    if ((b->rs->nrules + 1) * 2 > b->idcap) {
        size_t nc = b->idcap ? b->idcap * 2 : 1024;
        uint32_t *t = calloc(nc, sizeof *t);
        if (!t)
            return -1;
        for (size_t r = 0; r < b->rs->nrules; r++) {
            if (r == rule)
                continue;
            for (size_t i = hash_str(b->rs->rules[r].id) & (nc - 1);; i = (i + 1) & (nc - 1))
                if (!t[i]) {
                    t[i] = (uint32_t)r + 1;
                    break;
                }
        }
        free(b->idtab);
        b->idtab = t;
        b->idcap = nc;
    }
    size_t mask = b->idcap - 1;
    for (size_t i = hash_str(b->rs->rules[rule].id) & mask;; i = (i + 1) & mask)
        if (!b->idtab[i]) {
            b->idtab[i] = rule + 1;
            return 0;
        }
}

/* ---- blocks --------------------------------------------------------------- */

static enum lc_err close_block(struct builder *b)
{
    enum block blk = b->blk;
    b->blk = B_NONE;
    struct lc_ruleset *rs = b->rs;
    switch (blk) {
    case B_NONE:
        return LC_OK;
    case B_RULE: {
        const char *id = rs->rules[rs->nrules - 1].id;
        const char *miss = !b->has_cat     ? "category"
                           : !b->has_sev   ? "severity"
                           : !b->has_act   ? "action"
                           : !b->has_basis ? "basis"
                                           : NULL;
        if (miss)
            return fail(b, b->blk_line, "rule %.*s%s: missing '%s'", Q(id), miss);
        if (!b->nexpr_blk)
            return fail(b, b->blk_line, "rule %.*s%s: needs at least one 'literal' or 'pattern'",
                        Q(id));
        return LC_OK;
    }
    case B_CTX: {
        const char *name = rs->ctxs[rs->nctxs - 1].name;
        if (!b->has_effect)
            return fail(b, b->blk_line, "context %.*s%s: missing 'effect'", Q(name));
        if (!b->nexpr_blk)
            return fail(b, b->blk_line, "context %.*s%s: needs at least one 'cue'", Q(name));
        return LC_OK;
    }
    case B_DOMAIN: {
        const char *name = rs->domains[rs->ndomains - 1].name;
        if (!b->nexpr_blk)
            return fail(b, b->blk_line, "domain %.*s%s: needs at least one 'cue'", Q(name));
        return LC_OK;
    }
    }
    return LC_OK;
}

static enum lc_err open_block(struct builder *b, enum block blk, const char *kw, unsigned line)
{
    enum lc_err e = close_block(b);
    if (e)
        return e;
    if (!b->have_pack)
        return fail(b, line, "'%s' before 'pack': a pack starts with 'pack' and 'version'", kw);
    if (!b->have_version)
        return fail(b, line, "'%s' before 'version': a pack starts with 'pack' and 'version'", kw);
    b->blk = blk;
    b->blk_line = line;
    b->has_cat = b->has_sev = b->has_act = b->has_basis = b->has_bound = b->has_repeat = false;
    b->has_effect = b->has_window = false;
    b->nexpr_blk = 0;
    return LC_OK;
}

static enum lc_err add_expr(struct builder *b, const char *text, bool literal, enum rx_kind kind,
                            uint32_t ref, unsigned line)
{
    struct lc_ruleset *rs = b->rs;
    if (lc_array_grow(&b->px, &b->cap_px, b->npx + 1, sizeof *b->px) ||
        lc_array_grow(&rs->exprs, &b->cap_exprs, rs->nexprs + 1, sizeof *rs->exprs))
        return nomem(b);
    char *t = strdup(text);
    if (!t)
        return nomem(b);
    b->px[b->npx++] = (struct pexpr){t, literal, b->pack, line};
    rs->exprs[rs->nexprs++] = (struct rexpr){(uint8_t)kind, ref};
    b->nexpr_blk++;
    return LC_OK;
}

/* Normalises a literal, allow word or cue into b->norm. */
static enum lc_err norm_value(struct builder *b, const char *kw, const char *v, unsigned line)
{
    size_t bad = 0;
    enum lc_err e = lc_text_normalize_unmapped(v, strlen(v), &b->norm, &bad);
    if (e == LC_ENOMEM)
        return nomem(b);
    if (e)
        return fail(b, line, "%s '%.*s%s' cannot be normalised (%s)", kw, Q(v), lc_err_name(e));
    if (b->norm.len == 0)
        return fail(b, line, "%s '%.*s%s' is empty after normalisation", kw, Q(v));
    if (b->norm.len > LC_RULES_EXPR_MAX)
        return fail(b, line, "%s is %zu bytes after normalisation, over the %u-byte cap", kw,
                    b->norm.len, LC_RULES_EXPR_MAX);
    return LC_OK;
}

/* Compiles one expression alone; on failure err holds the matcher's reason,
 * without its "pattern 0: " prefix (the caller names the line instead). */
static enum lc_err compile_one(const char *expr, bool literal, enum lc_engine engine, char *err,
                               size_t errlen)
{
    struct lc_pattern p = {0, expr, literal};
    struct lc_matcher *m = NULL;
    err[0] = '\0';
    enum lc_err e = lc_match_compile(&p, 1, engine, &m, err, errlen);
    lc_match_free(m);
    if (e && strncmp(err, "pattern 0: ", 11) == 0)
        memmove(err, err + 11, strlen(err + 11) + 1);
    return e;
}

/* A pattern runs on normalised text as written, so a character that
 * normalisation changes or removes can never match: reject it. */
static enum lc_err check_pattern_chars(struct builder *b, const char *p, unsigned line)
{
    size_t n = strlen(p);
    char prev[8] = ""; /* the previous atom if it was one literal character */
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\\') {
            /* \d is a class; any other escaped character is a literal one */
            if (i + 1 < n && p[i + 1] == 'd') {
                i += 2;
                prev[0] = '\0';
                continue;
            }
            if (++i >= n)
                break;
            c = (unsigned char)p[i];
        } else if (c == '[') {
            const char *close = strchr(p + i + 1, ']');
            size_t end = close ? (size_t)(close - p) : n;
            for (size_t k = i + 1; k < end; k++)
                if (p[k] >= 'A' && p[k] <= 'Z')
                    return fail(b, line,
                                "pattern class contains upper-case '%c', which normalised text "
                                "never has (write it in lower case)",
                                p[k]);
            i = end + 1;
            prev[0] = '\0';
            continue;
        } else if (c == '{') {
            const char *close = strchr(p + i + 1, '}');
            i = close ? (size_t)(close - p) + 1 : n;
            prev[0] = '\0';
            continue;
        } else if (c == '?') {
            i++;
            prev[0] = '\0';
            continue;
        }
        size_t len = utf8_len(c);
        if (len > n - i)
            len = n - i;
        char one[8];
        memcpy(one, p + i, len);
        one[len] = '\0';
        size_t bad = 0;
        enum lc_err e = lc_text_normalize_unmapped(one, len, &b->norm, &bad);
        if (e == LC_ENOMEM)
            return nomem(b);
        if (e == LC_OK && b->norm.len == 0)
            return fail(b, line,
                        "pattern character '%s' is removed by normalisation, so it never matches",
                        one);
        if (e == LC_OK && (b->norm.len != len || memcmp(b->norm.text, one, len) != 0))
            return fail(b, line,
                        "pattern character '%s' never occurs in normalised text (write '%.*s')",
                        one, (int)(b->norm.len < 16 ? b->norm.len : 16), b->norm.text);
        if (strcmp(prev, one) == 0 && !(len == 1 && one[0] >= '0' && one[0] <= '9'))
            return fail(b, line,
                        "pattern repeats '%s', but normalisation collapses repeats, so it never "
                        "matches (write it once)",
                        one);
        memcpy(prev, one, len + 1);
        i += len;
    }
    return LC_OK;
}

static enum lc_err d_pack(struct builder *b, const char *v, unsigned line)
{
    if (b->have_pack)
        return fail(b, line, "duplicate 'pack'");
    if (!name_ok(v, "_", false))
        return fail(b, line, "bad pack name '%.*s%s' (expected [a-z0-9_]+, at most %u bytes)", Q(v),
                    LC_RULES_NAME_MAX);
    struct rpack *p = &b->rs->packs[b->pack];
    if (!(p->name = strdup(v)))
        return nomem(b);
    b->have_pack = true;
    return LC_OK;
}

static enum lc_err d_version(struct builder *b, const char *v, unsigned line)
{
    if (b->have_version)
        return fail(b, line, "duplicate 'version'");
    size_t n = strlen(v);
    if (n > LC_RULES_NAME_MAX)
        return fail(b, line, "version is longer than %u bytes", LC_RULES_NAME_MAX);
    for (size_t i = 0; i < n; i++)
        if (is_ws(v[i]) || v[i] == ',' || v[i] == '@')
            return fail(b, line, "version must not contain spaces, ',' or '@'");
    struct rpack *p = &b->rs->packs[b->pack];
    if (!(p->version = strdup(v)))
        return nomem(b);
    b->have_version = true;
    return LC_OK;
}

static enum lc_err d_rule(struct builder *b, const char *v, unsigned line)
{
    enum lc_err e = open_block(b, B_RULE, "rule", line);
    if (e)
        return e;
    if (!name_ok(v, "-", true))
        return fail(b, line, "bad rule id '%.*s%s' (expected [A-Z0-9-]+, at most %u bytes)", Q(v),
                    LC_RULES_NAME_MAX);
    long prev = id_find(b, v);
    if (prev >= 0) {
        const struct rrule *r = &b->rs->rules[prev];
        const char *pf = b->rs->packs[r->pack].file;
        return fail(b, line, "duplicate rule id '%s' (first at %.*s%s:%u)", v, Q(pf), r->line);
    }
    struct lc_ruleset *rs = b->rs;
    if (rs->nrules >= UINT32_MAX - 1 || lc_array_grow(&rs->rules, &b->cap_rules, rs->nrules + 1, sizeof *rs->rules))
        return nomem(b);
    struct rrule *r = &rs->rules[rs->nrules];
    memset(r, 0, sizeof *r);
    if (!(r->id = strdup(v)))
        return nomem(b);
    r->pack = b->pack;
    r->exempt_off = (uint32_t)rs->nexempt;
    r->line = line;
    rs->nrules++;
    if (id_insert(b, (uint32_t)rs->nrules - 1))
        return nomem(b);
    return LC_OK;
}

static enum lc_err d_context(struct builder *b, const char *v, unsigned line)
{
    enum lc_err e = open_block(b, B_CTX, "context", line);
    if (e)
        return e;
    if (!name_ok(v, "_", false))
        return fail(b, line, "bad context id '%.*s%s' (expected [a-z0-9_]+)", Q(v));
    struct lc_ruleset *rs = b->rs;
    for (size_t i = b->ctx0; i < rs->nctxs; i++)
        if (strcmp(rs->ctxs[i].name, v) == 0)
            return fail(b, line, "duplicate context '%s' (first at line %u)", v, b->ctx_line[i]);
    if (lc_array_grow(&rs->ctxs, &b->cap_ctxs, rs->nctxs + 1, sizeof *rs->ctxs) ||
        lc_array_grow(&b->ctx_line, &b->cap_ctx_line, rs->nctxs + 1, sizeof *b->ctx_line))
        return nomem(b);
    struct rctx *c = &rs->ctxs[rs->nctxs];
    memset(c, 0, sizeof *c);
    if (!(c->name = strdup(v)))
        return nomem(b);
    c->window = 12;
    c->pack = b->pack;
    b->ctx_line[rs->nctxs] = line;
    rs->nctxs++;
    return LC_OK;
}

static enum lc_err d_domain(struct builder *b, const char *v, unsigned line)
{
    enum lc_err e = open_block(b, B_DOMAIN, "domain", line);
    if (e)
        return e;
    if (!name_ok(v, "_", false))
        return fail(b, line, "bad domain id '%.*s%s' (expected [a-z0-9_]+)", Q(v));
    struct lc_ruleset *rs = b->rs;
    for (size_t i = b->dom0; i < rs->ndomains; i++)
        if (strcmp(rs->domains[i].name, v) == 0)
            return fail(b, line, "duplicate domain '%s' (first at line %u)", v, b->dom_line[i]);
    if (lc_array_grow(&rs->domains, &b->cap_domains, rs->ndomains + 1, sizeof *rs->domains) ||
        lc_array_grow(&b->dom_line, &b->cap_dom_line, rs->ndomains + 1, sizeof *b->dom_line))
        return nomem(b);
    struct rdomain *d = &rs->domains[rs->ndomains];
    if (!(d->name = strdup(v)))
        return nomem(b);
    d->pack = b->pack;
    b->dom_line[rs->ndomains] = line;
    rs->ndomains++;
    return LC_OK;
}

/* Fields: which block each belongs to. */
enum field {
    F_CATEGORY, F_SEVERITY, F_ACTION, F_BASIS, F_LITERAL, F_PATTERN, F_ALLOW, F_BOUNDARY,
    F_REPEAT, F_EXEMPT, F_EFFECT, F_WINDOW, F_CUE,
};

static enum lc_err d_field(struct builder *b, enum field f, const char *kw, const char *v,
                           unsigned line)
{
    struct lc_ruleset *rs = b->rs;
    bool rule_field = f <= F_EXEMPT;
    bool ctx_field = f == F_EFFECT || f == F_WINDOW || f == F_CUE;
    if (b->blk == B_NONE)
        return fail(b, line, "'%s' outside a block (blocks start with 'rule', 'context' or 'domain')",
                    kw);
    if ((b->blk == B_RULE && !rule_field) || (b->blk == B_CTX && !ctx_field) ||
        (b->blk == B_DOMAIN && f != F_CUE))
        return fail(b, line, "'%s' is not a field of a %s block", kw,
                    b->blk == B_RULE ? "rule" : b->blk == B_CTX ? "context" : "domain");

    struct rrule *r = b->blk == B_RULE ? &rs->rules[rs->nrules - 1] : NULL;
    int k;
    enum lc_err e;
    switch (f) {
    case F_CATEGORY:
        if (b->has_cat)
            return fail(b, line, "duplicate 'category'");
        if (!lower_alpha_ok(v))
            return fail(b, line, "bad category '%.*s%s' (expected [a-z_]+)", Q(v));
        if (!(r->category = strdup(v)))
            return nomem(b);
        b->has_cat = true;
        return LC_OK;
    case F_SEVERITY:
        if (b->has_sev)
            return fail(b, line, "duplicate 'severity'");
        if ((k = parse_enum(v, sev_names, 4)) < 0)
            return fail(b, line, "bad severity '%.*s%s' (expected low, medium, high or critical)",
                        Q(v));
        r->severity = (uint8_t)k;
        b->has_sev = true;
        return LC_OK;
    case F_ACTION:
        if (b->has_act)
            return fail(b, line, "duplicate 'action'");
        if ((k = parse_enum(v, act_names, 3)) < 0)
            return fail(b, line, "bad action '%.*s%s' (expected log, review or block)", Q(v));
        r->action = (uint8_t)k;
        b->has_act = true;
        return LC_OK;
    case F_BASIS:
        if (b->has_basis)
            return fail(b, line, "duplicate 'basis'");
        if (!(r->basis = strdup(v)))
            return nomem(b);
        b->has_basis = true;
        return LC_OK;
    case F_LITERAL:
    case F_ALLOW:
        if ((e = norm_value(b, kw, v, line)))
            return e;
        return add_expr(b, b->norm.text, true, f == F_LITERAL ? RX_RULE : RX_ALLOW,
                        (uint32_t)rs->nrules - 1, line);
    case F_PATTERN: {
        if (strlen(v) > LC_RULES_EXPR_MAX)
            return fail(b, line, "pattern is over the %u-byte cap", LC_RULES_EXPR_MAX);
        char err[160];
        e = compile_one(v, false, LC_ENGINE_AC, err, sizeof err);
        if (e == LC_ENOMEM)
            return nomem(b);
        if (e)
            return fail(b, line, "pattern does not compile: %s", err[0] ? err : lc_err_name(e));
        if ((e = check_pattern_chars(b, v, line)))
            return e;
        return add_expr(b, v, false, RX_RULE, (uint32_t)rs->nrules - 1, line);
    }
    case F_BOUNDARY:
        if (b->has_bound)
            return fail(b, line, "duplicate 'boundary'");
        if ((k = parse_enum(v, bound_names, 3)) <= BOUND_NONE)
            return fail(b, line, "bad boundary '%.*s%s' (expected word or digit)", Q(v));
        r->boundary = (uint8_t)k;
        b->has_bound = true;
        return LC_OK;
    case F_REPEAT:
        if (b->has_repeat)
            return fail(b, line, "duplicate 'repeat'");
        if (strcmp(v, "required") != 0)
            return fail(b, line, "bad repeat '%.*s%s' (expected required)", Q(v));
        r->repeat = true;
        b->has_repeat = true;
        return LC_OK;
    case F_EXEMPT: {
        if (!name_ok(v, "_", false))
            return fail(b, line, "bad context id '%.*s%s' in 'exempt' (expected [a-z0-9_]+)", Q(v));
        if (lc_array_grow(&rs->exempt, &b->cap_exempt, rs->nexempt + 1, sizeof *rs->exempt) ||
            lc_array_grow(&b->pe, &b->cap_pe, b->npe + 1, sizeof *b->pe))
            return nomem(b);
        char *name = strdup(v);
        if (!name)
            return nomem(b);
        b->pe[b->npe++] = (struct pexempt){name, rs->nexempt, line};
        rs->exempt[rs->nexempt++] = UINT32_MAX;
        r->n_exempt++;
        return LC_OK;
    }
    case F_EFFECT:
        if (b->has_effect)
            return fail(b, line, "duplicate 'effect'");
        if ((k = parse_enum(v, eff_names, 2)) < 0)
            return fail(b, line, "bad effect '%.*s%s' (expected cancel or lower)", Q(v));
        rs->ctxs[rs->nctxs - 1].effect = (uint8_t)k;
        b->has_effect = true;
        return LC_OK;
    case F_WINDOW: {
        if (b->has_window)
            return fail(b, line, "duplicate 'window'");
        unsigned long w = 0;
        size_t n = strlen(v);
        bool ok = n > 0 && n <= 5;
        for (size_t i = 0; ok && i < n; i++) {
            if (v[i] < '0' || v[i] > '9')
                ok = false;
            else
                w = w * 10 + (unsigned long)(v[i] - '0');
        }
        if (!ok || w > LC_RULES_WINDOW_MAX)
            return fail(b, line, "bad window '%.*s%s' (expected a whole number of characters, 0 to %u)",
                        Q(v), LC_RULES_WINDOW_MAX);
        rs->ctxs[rs->nctxs - 1].window = (uint32_t)w;
        b->has_window = true;
        return LC_OK;
    }
    case F_CUE:
        if ((e = norm_value(b, kw, v, line)))
            return e;
        if (b->blk == B_CTX)
            return add_expr(b, b->norm.text, true, RX_CUE, (uint32_t)rs->nctxs - 1, line);
        return add_expr(b, b->norm.text, true, RX_DOMAIN, (uint32_t)rs->ndomains - 1, line);
    }
    return LC_OK;
}

static const struct {
    const char *kw;
    int field; /* enum field, or -1 .. -5 for the headers */
} directives[] = {
    {"pack", -1},           {"version", -2},        {"rule", -3},          {"context", -4},
    {"domain", -5},         {"category", F_CATEGORY}, {"severity", F_SEVERITY}, {"action", F_ACTION},
    {"basis", F_BASIS},     {"literal", F_LITERAL}, {"pattern", F_PATTERN}, {"allow", F_ALLOW},
    {"boundary", F_BOUNDARY}, {"repeat", F_REPEAT}, {"exempt", F_EXEMPT}, {"effect", F_EFFECT},  {"window", F_WINDOW},
    {"cue", F_CUE},
};

static enum lc_err parse_line(struct builder *b, const char *line, size_t n, unsigned lineno)
{
    size_t i = 0;
    while (i < n && is_ws(line[i]))
        i++;
    if (i == n)
        return close_block(b); /* a blank line ends a block */
    if (line[i] == '#')
        return LC_OK;
    size_t end = n;
    for (size_t k = i + 1; k < n; k++)
        if (line[k] == '#' && is_ws(line[k - 1])) {
            end = k;
            break;
        }
    while (end > i && is_ws(line[end - 1]))
        end--;
    size_t kend = i;
    while (kend < end && !is_ws(line[kend]))
        kend++;
    size_t v = kend;
    while (v < end && is_ws(line[v]))
        v++;
    memcpy(b->val, line + v, end - v);
    b->val[end - v] = '\0';

    int which = -100;
    const char *kw = NULL;
    for (size_t d = 0; d < sizeof directives / sizeof directives[0]; d++)
        if (strlen(directives[d].kw) == kend - i && memcmp(directives[d].kw, line + i, kend - i) == 0) {
            which = directives[d].field;
            kw = directives[d].kw;
            break;
        }
    if (!kw) {
        char word[64];
        size_t wl = kend - i;
        if (wl > 40) {
            wl = 40;
            while (wl > 0 && ((unsigned char)line[i + wl] & 0xC0) == 0x80)
                wl--;
        }
        memcpy(word, line + i, wl);
        word[wl] = '\0';
        return fail(b, lineno, "unknown directive '%s'", word);
    }
    if (b->val[0] == '\0')
        return fail(b, lineno, "'%s' needs a value", kw);
    switch (which) {
    case -1: return d_pack(b, b->val, lineno);
    case -2: return d_version(b, b->val, lineno);
    case -3: return d_rule(b, b->val, lineno);
    case -4: return d_context(b, b->val, lineno);
    case -5: return d_domain(b, b->val, lineno);
    default: return d_field(b, (enum field)which, kw, b->val, lineno);
    }
}

/* Reads one pack text into the builder. */
static enum lc_err parse_pack(struct builder *b, const char *text, size_t len, const char *file)
{
    struct lc_ruleset *rs = b->rs;
    b->file = file;
    if (len > LC_RULES_PACK_MAX)
        return fail(b, 0, "pack is %zu bytes, over the %u-byte cap", len, LC_RULES_PACK_MAX);
    if (len > LC_RULES_TOTAL_MAX - b->total)
        return fail(b, 0, "packs total over the %u-byte cap", LC_RULES_TOTAL_MAX);
    b->total += len;
    if (lc_array_grow(&rs->packs, &b->cap_packs, rs->npacks + 1, sizeof *rs->packs))
        return nomem(b);
    struct rpack *p = &rs->packs[rs->npacks];
    memset(p, 0, sizeof *p);
    if (!(p->file = strdup(file)))
        return nomem(b);
    b->pack = (uint32_t)rs->npacks++;
    b->file = p->file;
    b->have_pack = b->have_version = false;
    b->ctx0 = rs->nctxs;
    b->dom0 = rs->ndomains;
    b->blk = B_NONE;

    size_t pos = 0;
    unsigned lineno = 0;
    enum lc_err e;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3; /* a byte-order mark */
    while (pos < len) {
        lineno++;
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        const char *line = text + pos;
        size_t n = end - pos;
        if (n && line[n - 1] == '\r')
            n--;
        if (n > LC_RULES_LINE_MAX)
            return fail(b, lineno, "line is %zu bytes, over the %u-byte cap", n, LC_RULES_LINE_MAX);
        size_t bad = utf8_bad((const unsigned char *)line, n);
        if (bad < n)
            return fail(b, lineno, line[bad] ? "invalid UTF-8 at byte %zu of the line"
                                             : "NUL byte at byte %zu of the line",
                        bad + 1);
        if ((e = parse_line(b, line, n, lineno)))
            return e;
        pos = nl ? end + 1 : len;
    }
    unsigned last = lineno ? lineno : 1;
    if ((e = close_block(b)))
        return e;
    if (!b->have_pack)
        return fail(b, last, "missing 'pack' (a pack starts with 'pack NAME' and 'version V')");
    if (!b->have_version)
        return fail(b, last, "missing 'version' (a pack starts with 'pack NAME' and 'version V')");
    /* exempt names refer to contexts of the same pack, in any order */
    for (size_t i = 0; i < b->npe; i++) {
        struct pexempt *x = &b->pe[i];
        uint32_t found = UINT32_MAX;
        for (size_t c = b->ctx0; c < rs->nctxs; c++)
            if (strcmp(rs->ctxs[c].name, x->name) == 0) {
                found = (uint32_t)c;
                break;
            }
        if (found == UINT32_MAX)
            return fail(b, x->line, "unknown context '%.*s%s' in 'exempt' (no 'context %.*s%s' in this pack)",
                        Q(x->name), Q(x->name));
        rs->exempt[x->slot] = found;
    }
    for (size_t i = 0; i < b->npe; i++)
        free(b->pe[i].name);
    b->npe = 0;
    return LC_OK;
}

/* Compiles every expression into one matcher and finishes the ruleset. */
static enum lc_err build(struct builder *b, enum lc_engine engine)
{
    struct lc_ruleset *rs = b->rs;
    static atomic_ulong serial;
    rs->serial = atomic_fetch_add(&serial, 1) + 1;

    size_t vlen = 1;
    for (size_t i = 0; i < rs->npacks; i++)
        vlen += strlen(rs->packs[i].name) + strlen(rs->packs[i].version) + 2;
    if (!(rs->version = malloc(vlen)))
        return nomem(b);
    rs->version[0] = '\0';
    for (size_t i = 0; i < rs->npacks; i++) {
        if (i)
            strcat(rs->version, ",");
        strcat(rs->version, rs->packs[i].name);
        strcat(rs->version, "@");
        strcat(rs->version, rs->packs[i].version);
    }

    if (b->npx == 0)
        return LC_OK;
    struct lc_pattern *pats = malloc(b->npx * sizeof *pats);
    if (!pats)
        return nomem(b);
    for (size_t i = 0; i < b->npx; i++)
        pats[i] = (struct lc_pattern){(unsigned)i, b->px[i].text, b->px[i].literal};
    char err[256] = "";
    enum lc_err e = lc_match_compile(pats, b->npx, engine, &rs->m, err, sizeof err);
    free(pats);
    if (e == LC_OK)
        return LC_OK;
    if (e == LC_ENOMEM)
        return nomem(b);
    /* Find the expression at fault, patterns first (literals rarely fail). */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < b->npx; i++) {
            if (b->px[i].literal != (pass == 1))
                continue;
            char one[160];
            enum lc_err e1 = compile_one(b->px[i].text, b->px[i].literal, engine, one, sizeof one);
            if (e1 == LC_ENOMEM)
                return nomem(b);
            if (e1)
                return fail_at(b, rs->packs[b->px[i].pack].file, b->px[i].line, LC_EINVAL,
                               "%s does not compile: %s", b->px[i].literal ? "literal" : "pattern",
                               one[0] ? one : lc_err_name(e1));
        }
    return fail_at(b, rs->npacks ? rs->packs[0].file : "", 0, e == LC_EINVAL ? LC_EINVAL : e,
                   "the packs do not compile together: %s", err[0] ? err : lc_err_name(e));
}

/* Takes the finished ruleset out of the builder. */
static struct lc_ruleset *take(struct builder *b)
{
    struct lc_ruleset *rs = b->rs;
    b->rs = NULL;
    return rs;
}

/* ---- entry points ----------------------------------------------------------- */

enum lc_err lc_rules_load_text(const char *text, size_t len, const char *file, enum lc_engine engine,
                               struct lc_ruleset **out, struct lc_rules_diag *diag)
{
    struct builder b;
    enum lc_err e = builder_init(&b, diag);
    if (e == LC_OK)
        e = parse_pack(&b, text ? text : "", text ? len : 0, file ? file : "");
    if (e == LC_OK)
        e = build(&b, engine);
    if (e == LC_OK)
        *out = take(&b);
    builder_cleanup(&b);
    return e;
}

enum lc_err lc_rules_check_text(const char *text, size_t len, const char *file,
                                struct lc_rules_diag *diag, size_t *nrules)
{
    struct lc_ruleset *rs = NULL;
    enum lc_err e = lc_rules_load_text(text, len, file, LC_ENGINE_AUTO, &rs, diag);
    if (e == LC_OK) {
        if (nrules)
            *nrules = rs->nrules;
        lc_ruleset_free(rs);
    }
    return e;
}

/* Reads a whole file under the pack cap; *buf is malloc'ed. */
static enum lc_err read_file(struct builder *b, const char *path, char **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail_at(b, path, 0, errno == ENOENT ? LC_ENOTFOUND : LC_EIO, "cannot open: %s",
                       strerror(errno));
    char *data = NULL;
    size_t n = 0, cap = 0;
    enum lc_err e = LC_OK;
    for (;;) {
        if (n == cap) {
            if (cap > LC_RULES_PACK_MAX) {
                e = fail_at(b, path, 0, LC_EINVAL, "pack is over the %u-byte cap", LC_RULES_PACK_MAX);
                break;
            }
            size_t nc = cap ? cap * 2 : 65536;
            char *q = realloc(data, nc);
            if (!q) {
                e = nomem(b);
                break;
            }
            data = q;
            cap = nc;
        }
        size_t got = fread(data + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                e = fail_at(b, path, 0, LC_EIO, "read error");
            break;
        }
    }
    fclose(f);
    if (e) {
        free(data);
        return e;
    }
    *buf = data;
    *len = n;
    return LC_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with_rules(const char *name)
{
    size_t n = strlen(name);
    return n > 6 && strcmp(name + n - 6, ".rules") == 0 && name[0] != '.';
}

static enum lc_err load_file(struct builder *b, const char *path)
{
    char *data = NULL;
    size_t len = 0;
    enum lc_err e = read_file(b, path, &data, &len);
    if (e == LC_OK)
        e = parse_pack(b, data ? data : "", len, path);
    free(data);
    return e;
}

enum lc_err lc_rules_load(const char *path, enum lc_engine engine, struct lc_ruleset **out,
                          struct lc_rules_diag *diag)
{
    struct builder b;
    char **names = NULL;
    size_t nnames = 0, cap = 0;
    DIR *d = NULL;
    enum lc_err e = builder_init(&b, diag);
    if (e)
        goto out;
    if (!path) {
        e = fail_at(&b, "", 0, LC_EINVAL, "no path");
        goto out;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        e = fail_at(&b, path, 0, errno == ENOENT ? LC_ENOTFOUND : LC_EIO, "cannot open: %s",
                    strerror(errno));
        goto out;
    }
    if (!S_ISDIR(st.st_mode)) {
        e = load_file(&b, path);
        goto built;
    }
    if (!(d = opendir(path))) {
        e = fail_at(&b, path, 0, LC_EIO, "cannot open folder: %s", strerror(errno));
        goto out;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!ends_with_rules(de->d_name))
            continue;
        if (nnames >= LC_RULES_FILES_MAX) {
            e = fail_at(&b, path, 0, LC_EINVAL, "more than %u *.rules files", LC_RULES_FILES_MAX);
            goto out;
        }
        if (lc_array_grow(&names, &cap, nnames + 1, sizeof *names)) {
            e = nomem(&b);
            goto out;
        }
        size_t pl = strlen(path), nl = strlen(de->d_name);
        char *full = malloc(pl + nl + 2);
        if (!full) {
            e = nomem(&b);
            goto out;
        }
        memcpy(full, path, pl);
        size_t k = pl;
        if (pl && path[pl - 1] != '/')
            full[k++] = '/';
        memcpy(full + k, de->d_name, nl + 1);
        names[nnames++] = full;
    }
    if (nnames == 0) {
        e = fail_at(&b, path, 0, LC_EINVAL, "no *.rules files in this folder");
        goto out;
    }
    qsort(names, nnames, sizeof *names, cmp_str);
    for (size_t i = 0; i < nnames && e == LC_OK; i++)
        e = load_file(&b, names[i]);
built:
    if (e == LC_OK)
        e = build(&b, engine);
    if (e == LC_OK)
        *out = take(&b);
out:
    if (d)
        closedir(d);
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    builder_cleanup(&b);
    return e;
}
