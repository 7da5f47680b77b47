/* policy.c -- reads an enforcement policy (format in docs/POLICY.md) and
 * chooses the measure a violation earns (R10: proportionate, with a legal
 * basis; R12: blacklisting always expires).
 *
 * The parser is a line machine like the rule-pack parser (src/rules/parse.c):
 * each line is checked (length, UTF-8, NUL) before it is split into a keyword
 * and a value, so every diagnostic names the line it is about and no input
 * can make it misbehave (it is fuzzed through fuzz/fuzz_policy.c).  A value
 * that is wrong on its own is reported at its line; a rule that is
 * incomplete or inconsistent as a whole (no basis, a blacklist without a
 * duration) at its `rule` line, because its fields may come in any order.
 *
 * Deciding is a scan of the rules in file order, first match wins; the
 * default rule is stored last and matches everything, so a loaded policy
 * always decides.  Policies have tens of rules, so nothing is indexed. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enforce/policy.h"
#include "core/array.h"

#define POLICY_MAX (1u << 20)  /* bytes of policy text */
#define LINE_MAX_B 4096        /* bytes of one line */
#define RULES_MAX 4096         /* rules in one policy */
#define CATS_MAX 16            /* categories in one rule's list */
#define NAME_MAX_B 31          /* bytes of a category name */
#define DURATION_MAX (36500LL * 86400) /* 100 years: far beyond any measure */
#define POINTS_MAX 1e6
#define REPEATS_MAX 1000000u

/* ---- names ---------------------------------------------------------------- */

static const char *const measure_names[LC_M_COUNT] = {
    "none", "warning", "restrict", "traffic", "suspend", "ban", "close", "rereg_ban", "blacklist",
};

const char *lc_measure_name(enum lc_measure m)
{
    return (unsigned)m < LC_M_COUNT ? measure_names[m] : "?";
}

enum lc_measure lc_measure_parse(const char *s)
{
    for (int m = 0; m < LC_M_COUNT; m++)
        if (s && strcmp(s, measure_names[m]) == 0)
            return (enum lc_measure)m;
    return LC_M_COUNT;
}

static const struct {
    unsigned bit;
    const char *name;
} function_names[] = {
    {LC_F_COMMENTS, "comments"},       {LC_F_PRODUCT_LINKS, "product_links"},
    {LC_F_TIPPING, "tipping"},         {LC_F_COSTREAMING, "costreaming"},
    {LC_F_GOING_LIVE, "going_live"},   {LC_F_CHAT, "chat"},
};
#define NFUNCTIONS (sizeof function_names / sizeof function_names[0])

unsigned lc_function_parse(const char *s)
{
    for (size_t i = 0; i < NFUNCTIONS; i++)
        if (s && strcmp(s, function_names[i].name) == 0)
            return function_names[i].bit;
    return 0;
}

const char *lc_function_name(unsigned bit)
{
    for (size_t i = 0; i < NFUNCTIONS; i++)
        if (bit == function_names[i].bit)
            return function_names[i].name;
    return "?";
}

static const char *const sev_names[] = {"low", "medium", "high", "critical"};
static const char *const subj_names[] = {"host", "viewer", "room"};

/* Bit of s in names[0..n), or 0 when s is not one of them. */
static unsigned name_bit(const char *s, const char *const *names, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return 1u << i;
    return 0;
}

/* ---- the policy ----------------------------------------------------------- */

/* Which fields a rule block has set, to catch duplicates and omissions. */
enum field {
    F_CATEGORY, F_SEVERITY, F_SUBJECT, F_MIN_POINTS, F_MIN_REPEATS, F_MIN_TIER,
    F_MEASURE, F_DURATION, F_FUNCTIONS, F_WEIGHT, F_POINTS, F_AUTOMATIC, F_BASIS,
    F_COUNT
};
#define F_CONDITIONS ((1u << F_CATEGORY) | (1u << F_SEVERITY) | (1u << F_SUBJECT) | \
                      (1u << F_MIN_POINTS) | (1u << F_MIN_REPEATS) | (1u << F_MIN_TIER))

static const char *const field_names[F_COUNT] = {
    "category", "severity", "subject", "min_points", "min_repeats", "min_tier", "measure",
    "duration", "functions", "weight", "points", "automatic", "basis",
};

struct prule {
    unsigned line;     /* of its `rule` line, for diagnostics */
    unsigned set;      /* 1 << enum field for each field given */
    char cats[CATS_MAX][NAME_MAX_B + 1];
    unsigned ncats;    /* 0 = any category */
    unsigned sev_mask; /* bits of sev_names; 0 = any */
    unsigned subj_mask; /* bits of subj_names; 0 = any */
    double min_points;
    unsigned min_repeats;
    int min_tier;      /* 0 = any */
    struct lc_policy_decision out; /* what it decides, rule id and basis included */
};

struct lc_policy {
    char version[160]; /* "<name>@<version>" */
    int64_t half_life;
    int64_t repeat_window;
    struct prule *rules; /* file order; the default rule is the last */
    size_t nrules;
};

void lc_policy_free(struct lc_policy *p)
{
    if (!p)
        return;
    free(p->rules);
    free(p);
}

const char *lc_policy_version(const struct lc_policy *p)
{
    return p->version;
}

int64_t lc_policy_half_life(const struct lc_policy *p)
{
    return p->half_life;
}

int64_t lc_policy_repeat_window(const struct lc_policy *p)
{
    return p->repeat_window;
}

/* ---- the parser ----------------------------------------------------------- */

struct parser {
    struct lc_policy *p;
    size_t cap;
    struct lc_policy_diag *diag;
    char name[65], ver[65];
    bool in_rule;    /* inside a rule block (a blank line ends it) */
    bool seen_default;
    unsigned globals; /* bits: 0 policy, 1 version, 2 half_life, 3 repeat_window */
    char val[LINE_MAX_B + 1];
};

static bool is_ws(char c)
{
    return c == ' ' || c == '\t';
}

/* Offset of the first byte that is not well-formed UTF-8 (or is NUL), or n. */
static size_t utf8_bad(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i], len;
        uint32_t cp;
        if (c < 0x80) {
            if (c == 0)
                return i;
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            len = 2, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            len = 3, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            len = 4, cp = c & 0x07;
        else
            return i;
        if (n - i < len)
            return i;
        for (unsigned k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return i;
        i += len;
    }
    return n;
}

/* Quotes at most 40 bytes of s, cut on a character boundary, into buf. */
static const char *quote(char *buf, size_t size, const char *s)
{
    size_t n = strlen(s), max = size - 4 < 40 ? size - 4 : 40;
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
        snprintf(buf, size, "%.*s...", (int)n, s);
    } else {
        snprintf(buf, size, "%s", s);
    }
    return buf;
}

__attribute__((format(printf, 3, 4))) static enum lc_err fail(struct parser *ps, unsigned line,
                                                              const char *fmt, ...)
{
    if (ps->diag) {
        ps->diag->line = line;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ps->diag->message, sizeof ps->diag->message, fmt, ap);
        va_end(ap);
    }
    return LC_EINVAL;
}

static struct prule *cur(struct parser *ps)
{
    return &ps->p->rules[ps->p->nrules - 1];
}

static bool ident_ok(const char *s, size_t max, const char *extra)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || strchr(extra, s[i])))
            return false;
    return true;
}

/* `30m`, `24h`, `7d` (also `45s`): a positive whole number and a unit. */
static bool parse_duration(const char *v, int64_t *out)
{
    size_t n = strlen(v), i = 0;
    int64_t x = 0;
    while (i < n && v[i] >= '0' && v[i] <= '9' && i < 12)
        x = x * 10 + (v[i++] - '0');
    if (i == 0 || i != n - 1)
        return false;
    int64_t unit = v[i] == 's' ? 1 : v[i] == 'm' ? 60 : v[i] == 'h' ? 3600 : v[i] == 'd' ? 86400 : 0;
    if (unit == 0 || x == 0 || x > DURATION_MAX / unit)
        return false;
    *out = x * unit;
    return true;
}

/* A plain decimal number `12` or `0.5` (no sign, exponent, inf or nan). */
static bool parse_number(const char *v, double max, double *out)
{
    size_t i = 0, digits = 0;
    while (v[i] >= '0' && v[i] <= '9')
        i++, digits++;
    if (v[i] == '.') {
        i++;
        while (v[i] >= '0' && v[i] <= '9')
            i++, digits++;
    }
    if (digits == 0 || v[i] != '\0' || i > 20)
        return false;
    double x = strtod(v, NULL);
    if (!(x <= max))
        return false;
    *out = x;
    return true;
}

static bool parse_uint(const char *v, unsigned max, unsigned *out)
{
    size_t i = 0;
    unsigned long x = 0;
    while (v[i] >= '0' && v[i] <= '9' && i < 10)
        x = x * 10 + (unsigned long)(v[i++] - '0');
    if (i == 0 || v[i] != '\0' || x > max)
        return false;
    *out = (unsigned)x;
    return true;
}

/* Calls item(ps, name, line, ctx) for each name of a list separated by
 * spaces or commas; `*` alone means "any" and calls nothing. */
typedef enum lc_err (*item_fn)(struct parser *ps, const char *item, unsigned line, void *ctx);

static enum lc_err each_item(struct parser *ps, const char *kw, char *v, unsigned line, item_fn fn,
                             void *ctx)
{
    if (strcmp(v, "*") == 0)
        return LC_OK;
    char *save = NULL;
    for (char *t = strtok_r(v, " \t,", &save); t; t = strtok_r(NULL, " \t,", &save)) {
        if (strcmp(t, "*") == 0)
            return fail(ps, line, "'%s': '*' means any and stands alone", kw);
        enum lc_err e = fn(ps, t, line, ctx);
        if (e)
            return e;
    }
    return LC_OK;
}

static enum lc_err item_category(struct parser *ps, const char *t, unsigned line, void *ctx)
{
    struct prule *r = cur(ps);
    char q[64];
    if (!ident_ok(t, NAME_MAX_B, "_"))
        return fail(ps, line, "bad category '%s' (write [a-z0-9_]+, up to %d bytes)",
                    quote(q, sizeof q, t), NAME_MAX_B);
    if (r->ncats == CATS_MAX)
        return fail(ps, line, "more than %d categories in one rule", CATS_MAX);
    snprintf(r->cats[r->ncats++], sizeof r->cats[0], "%s", t);
    return LC_OK;
}

struct enum_ctx {
    const char *const *names;
    size_t n;
    unsigned *mask;
    const char *what;
};

static enum lc_err item_enum(struct parser *ps, const char *t, unsigned line, void *ctx)
{
    struct enum_ctx *c = ctx;
    unsigned bit = name_bit(t, c->names, c->n);
    char q[64];
    if (!bit)
        return fail(ps, line, "unknown %s '%s'", c->what, quote(q, sizeof q, t));
    *c->mask |= bit;
    return LC_OK;
}

static enum lc_err item_function(struct parser *ps, const char *t, unsigned line, void *ctx)
{
    unsigned bit = lc_function_parse(t);
    char q[64];
    if (!bit)
        return fail(ps, line,
                    "unknown function '%s' (comments, product_links, tipping, costreaming, "
                    "going_live, chat)",
                    quote(q, sizeof q, t));
    cur(ps)->out.functions |= bit;
    return LC_OK;
}

/* Checks a finished rule as a whole; reported at its `rule` line. */
static enum lc_err check_rule(struct parser *ps, const struct prule *r)
{
    const char *id = r->out.rule;
    enum lc_measure m = r->out.measure;
    bool has_dur = r->set & (1u << F_DURATION);
    static const enum field required[] = {F_MEASURE, F_AUTOMATIC, F_BASIS};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!(r->set & (1u << required[i])))
            return fail(ps, r->line, "rule %s: missing '%s'", id, field_names[required[i]]);
    if (m == LC_M_BLACKLIST && !has_dur)
        return fail(ps, r->line, "rule %s: 'blacklist' needs a 'duration' (blacklisting always expires)", id);
    if ((m == LC_M_RESTRICT || m == LC_M_TRAFFIC || m == LC_M_SUSPEND || m == LC_M_BAN) && !has_dur)
        return fail(ps, r->line, "rule %s: '%s' needs a 'duration'", id, lc_measure_name(m));
    if ((m == LC_M_NONE || m == LC_M_WARNING || m == LC_M_CLOSE) && has_dur)
        return fail(ps, r->line, "rule %s: '%s' takes no 'duration'", id, lc_measure_name(m));
    if ((m == LC_M_RESTRICT) != !!(r->set & (1u << F_FUNCTIONS)))
        return fail(ps, r->line, "rule %s: 'functions' goes with 'restrict' and only with it", id);
    if ((m == LC_M_TRAFFIC) != !!(r->set & (1u << F_WEIGHT)))
        return fail(ps, r->line, "rule %s: 'weight' goes with 'traffic' and only with it", id);
    return LC_OK;
}

static enum lc_err close_rule(struct parser *ps)
{
    if (!ps->in_rule)
        return LC_OK;
    ps->in_rule = false;
    return check_rule(ps, cur(ps));
}

static enum lc_err d_rule(struct parser *ps, const char *v, unsigned line)
{
    struct lc_policy *p = ps->p;
    char q[64];
    enum lc_err e = close_rule(ps);
    if (e)
        return e;
    static const char *const globals[] = {"policy", "version", "half_life", "repeat_window"};
    for (unsigned g = 0; g < 4; g++)
        if (!(ps->globals & (1u << g)))
            return fail(ps, line, "'rule' before '%s': a policy starts with 'policy', 'version', "
                                  "'half_life' and 'repeat_window'", globals[g]);
    if (!ident_ok(v, sizeof p->rules->out.rule - 1, "_-"))
        return fail(ps, line, "bad rule id '%s' (write [a-z0-9_-]+, up to %zu bytes)",
                    quote(q, sizeof q, v), sizeof p->rules->out.rule - 1);
    if (ps->seen_default)
        return fail(ps, line, "rule %s after 'rule default': the default rule comes last", v);
    for (size_t i = 0; i < p->nrules; i++)
        if (strcmp(p->rules[i].out.rule, v) == 0)
            return fail(ps, line, "duplicate rule id '%s' (first at line %u)", v, p->rules[i].line);
    if (p->nrules == RULES_MAX)
        return fail(ps, line, "more than %d rules", RULES_MAX);
    if (lc_array_grow(&p->rules, &ps->cap, p->nrules + 1, sizeof *p->rules))
        return LC_ENOMEM;
    struct prule *r = &p->rules[p->nrules++];
    memset(r, 0, sizeof *r);
    r->line = line;
    snprintf(r->out.rule, sizeof r->out.rule, "%s", v);
    ps->in_rule = true;
    ps->seen_default = strcmp(v, "default") == 0;
    return LC_OK;
}

static enum lc_err d_global(struct parser *ps, unsigned g, const char *kw, const char *v,
                            unsigned line)
{
    char q[64];
    if (ps->p->nrules)
        return fail(ps, line, "'%s' after the first rule: global settings come first", kw);
    if (ps->globals & (1u << g))
        return fail(ps, line, "'%s' given twice", kw);
    ps->globals |= 1u << g;
    switch (g) {
    case 0:
        if (!ident_ok(v, 64, "_"))
            return fail(ps, line, "bad policy name '%s' (write [a-z0-9_]+, up to 64 bytes)",
                        quote(q, sizeof q, v));
        snprintf(ps->name, sizeof ps->name, "%s", v);
        return LC_OK;
    case 1:
        if (strlen(v) > 64 || strpbrk(v, " \t,@"))
            return fail(ps, line, "bad version '%s' (up to 64 bytes, no spaces, ',' or '@')",
                        quote(q, sizeof q, v));
        snprintf(ps->ver, sizeof ps->ver, "%s", v);
        return LC_OK;
    default: {
        int64_t *dst = g == 2 ? &ps->p->half_life : &ps->p->repeat_window;
        if (!parse_duration(v, dst))
            return fail(ps, line, "bad duration '%s' for '%s' (write e.g. 30m, 24h, 90d)",
                        quote(q, sizeof q, v), kw);
        return LC_OK;
    }
    }
}

/* One field of the current rule; v is writable (lists are split in place). */
static enum lc_err d_field(struct parser *ps, enum field f, char *v, unsigned line)
{
    struct prule *r = cur(ps);
    const char *kw = field_names[f];
    char q[64];
    if (r->set & (1u << f))
        return fail(ps, line, "rule %s: '%s' given twice", r->out.rule, kw);
    r->set |= 1u << f;
    if (strcmp(r->out.rule, "default") == 0 && ((1u << f) & F_CONDITIONS))
        return fail(ps, line, "rule default: takes no condition ('%s'): it matches everything", kw);
    switch (f) {
    case F_CATEGORY:
        return each_item(ps, kw, v, line, item_category, NULL);
    case F_SEVERITY: {
        struct enum_ctx c = {sev_names, 4, &r->sev_mask, "severity"};
        return each_item(ps, kw, v, line, item_enum, &c);
    }
    case F_SUBJECT: {
        struct enum_ctx c = {subj_names, 3, &r->subj_mask, "subject"};
        return each_item(ps, kw, v, line, item_enum, &c);
    }
    case F_MIN_POINTS:
        if (!parse_number(v, POINTS_MAX, &r->min_points))
            return fail(ps, line, "bad min_points '%s' (a number from 0 to 1000000)", quote(q, sizeof q, v));
        return LC_OK;
    case F_MIN_REPEATS:
        if (!parse_uint(v, REPEATS_MAX, &r->min_repeats))
            return fail(ps, line, "bad min_repeats '%s' (a whole number from 0 to %u)",
                        quote(q, sizeof q, v), REPEATS_MAX);
        return LC_OK;
    case F_MIN_TIER: {
        unsigned t = 0;
        if (!parse_uint(v, 3, &t) || t < 1)
            return fail(ps, line, "bad min_tier '%s' (1, 2 or 3)", quote(q, sizeof q, v));
        r->min_tier = (int)t;
        return LC_OK;
    }
    case F_MEASURE:
        r->out.measure = lc_measure_parse(v);
        if (r->out.measure == LC_M_COUNT)
            return fail(ps, line, "unknown measure '%s' (none, warning, restrict, traffic, suspend, "
                                  "ban, close, rereg_ban, blacklist)", quote(q, sizeof q, v));
        return LC_OK;
    case F_DURATION:
        if (!parse_duration(v, &r->out.duration_s))
            return fail(ps, line, "bad duration '%s' (a positive whole number and s, m, h or d, "
                                  "e.g. 30m, 24h, 7d)", quote(q, sizeof q, v));
        return LC_OK;
    case F_FUNCTIONS:
        return each_item(ps, kw, v, line, item_function, NULL);
    case F_WEIGHT:
        if (!parse_number(v, 1.0, &r->out.weight))
            return fail(ps, line, "bad weight '%s' (a number from 0 to 1)", quote(q, sizeof q, v));
        return LC_OK;
    case F_POINTS:
        if (!parse_number(v, POINTS_MAX, &r->out.points))
            return fail(ps, line, "bad points '%s' (a number from 0 to 1000000)", quote(q, sizeof q, v));
        return LC_OK;
    case F_AUTOMATIC:
        if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
            return fail(ps, line, "bad automatic '%s' (yes or no)", quote(q, sizeof q, v));
        r->out.automatic = v[0] == 'y';
        return LC_OK;
    case F_BASIS:
        if (strlen(v) >= sizeof r->out.basis)
            return fail(ps, line, "basis is %zu bytes, over the %zu-byte cap", strlen(v),
                        sizeof r->out.basis - 1);
        memcpy(r->out.basis, v, strlen(v) + 1);
        return LC_OK;
    case F_COUNT:
        break;
    }
    return LC_OK;
}

/* Keywords outside rule blocks: index into the globals bits, or -1 for
 * `rule`. */
static int global_index(const char *kw)
{
    static const char *const names[] = {"policy", "version", "half_life", "repeat_window"};
    for (int g = 0; g < 4; g++)
        if (strcmp(kw, names[g]) == 0)
            return g;
    return strcmp(kw, "rule") == 0 ? -1 : -2;
}

static enum lc_err dispatch(struct parser *ps, const char *kw, unsigned line)
{
    char *v = ps->val;
    char q[64];
    int g = global_index(kw);
    int f = -1;
    for (int k = 0; k < F_COUNT && g == -2; k++)
        if (strcmp(kw, field_names[k]) == 0)
            f = k;
    if (g == -2 && f < 0)
        return fail(ps, line, "unknown keyword '%s'", quote(q, sizeof q, kw));
    if (v[0] == '\0')
        return fail(ps, line, "'%s' needs a value", kw);
    if (g == -1)
        return d_rule(ps, v, line);
    if (g >= 0) {
        if (ps->in_rule)
            return fail(ps, line, "'%s' inside rule %s: global settings come before the rules", kw,
                        cur(ps)->out.rule);
        return d_global(ps, (unsigned)g, kw, v, line);
    }
    if (!ps->in_rule)
        return fail(ps, line, "'%s' outside a rule block (a blank line ends a block)", kw);
    return d_field(ps, (enum field)f, v, line);
}

/* Splits a line into keyword and value, dropping comments and edge blanks. */
static enum lc_err parse_line(struct parser *ps, const char *line, size_t n, unsigned lineno)
{
    size_t i = 0;
    while (i < n && is_ws(line[i]))
        i++;
    if (i == n)
        return close_rule(ps); /* a blank line ends a rule block */
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
    memcpy(ps->val, line + v, end - v);
    ps->val[end - v] = '\0';
    char kw[LINE_MAX_B + 1];
    memcpy(kw, line + i, kend - i);
    kw[kend - i] = '\0';
    return dispatch(ps, kw, lineno);
}

static enum lc_err parse_text(struct parser *ps, const char *text, size_t len)
{
    size_t pos = 0;
    unsigned lineno = 0;
    enum lc_err e;
    if (len > POLICY_MAX)
        return fail(ps, 0, "policy is %zu bytes, over the %u-byte cap", len, POLICY_MAX);
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
        if (n > LINE_MAX_B)
            return fail(ps, lineno, "line is %zu bytes, over the %d-byte cap", n, LINE_MAX_B);
        size_t bad = utf8_bad((const unsigned char *)line, n);
        if (bad < n)
            return fail(ps, lineno, line[bad] ? "invalid UTF-8 at byte %zu of the line"
                                              : "NUL byte at byte %zu of the line", bad + 1);
        if ((e = parse_line(ps, line, n, lineno)))
            return e;
        pos = nl ? end + 1 : len;
    }
    if ((e = close_rule(ps)))
        return e;
    unsigned last = lineno ? lineno : 1;
    static const char *const globals[] = {"policy", "version", "half_life", "repeat_window"};
    for (unsigned g = 0; g < 4; g++)
        if (!(ps->globals & (1u << g)))
            return fail(ps, last, "missing '%s' (a policy starts with 'policy', 'version', "
                                  "'half_life' and 'repeat_window')", globals[g]);
    if (!ps->seen_default)
        return fail(ps, last, "missing 'rule default' (the last rule, applied when no other "
                              "rule matches)");
    snprintf(ps->p->version, sizeof ps->p->version, "%s@%s", ps->name, ps->ver);
    return LC_OK;
}

enum lc_err lc_policy_parse(const char *text, size_t len, struct lc_policy **out,
                            struct lc_policy_diag *diag)
{
    struct parser *ps = calloc(1, sizeof *ps);
    enum lc_err e = LC_ENOMEM;
    if (diag)
        *diag = (struct lc_policy_diag){0};
    if (!ps || !(ps->p = calloc(1, sizeof *ps->p)))
        goto out;
    ps->diag = diag;
    e = parse_text(ps, text, len);
    if (e == LC_ENOMEM && diag)
        snprintf(diag->message, sizeof diag->message, "out of memory");
    if (e == LC_OK) {
        *out = ps->p;
        ps->p = NULL;
    }
out:
    if (ps)
        lc_policy_free(ps->p);
    free(ps);
    return e;
}

/* Reads a whole file under the policy cap; *buf is malloc'ed. */
static enum lc_err read_file(const char *path, char **buf, size_t *len,
                             struct lc_policy_diag *diag)
{
    char *data = NULL;
    size_t n = 0;
    enum lc_err e = LC_OK;
    FILE *f = fopen(path, "rb");
    if (!f) {
        e = errno == ENOENT ? LC_ENOTFOUND : LC_EIO;
        if (diag)
            snprintf(diag->message, sizeof diag->message, "cannot open %s: %s", path, strerror(errno));
        goto out;
    }
    if (!(data = malloc(POLICY_MAX + 1))) {
        e = LC_ENOMEM;
        goto out;
    }
    n = fread(data, 1, POLICY_MAX + 1, f);
    if (ferror(f)) {
        e = LC_EIO;
        if (diag)
            snprintf(diag->message, sizeof diag->message, "cannot read %s", path);
    } else if (n > POLICY_MAX) {
        e = LC_EINVAL;
        if (diag)
            snprintf(diag->message, sizeof diag->message, "%s: over the %u-byte cap", path, POLICY_MAX);
    }
out:
    if (f)
        fclose(f);
    if (e) {
        free(data);
        return e;
    }
    *buf = data;
    *len = n;
    return LC_OK;
}

enum lc_err lc_policy_load(const char *path, struct lc_policy **out, struct lc_policy_diag *diag)
{
    char *buf = NULL;
    size_t len = 0;
    if (diag)
        *diag = (struct lc_policy_diag){0};
    enum lc_err e = read_file(path, &buf, &len, diag);
    if (e == LC_OK)
        e = lc_policy_parse(buf, len, out, diag);
    free(buf);
    return e;
}

/* ---- deciding ------------------------------------------------------------- */

double lc_policy_decay(const struct lc_policy *p, double points, int64_t at, int64_t now)
{
    if (!(points > 0))
        return 0; /* negative or NaN: no points to decay */
    if (at >= now)
        return points;
    /* in double: now - at could overflow int64_t for absurd timestamps */
    double age = (double)now - (double)at;
    return points * exp2(-age / (double)p->half_life);
}

static bool has_cat(const struct prule *r, const char *cat)
{
    if (r->ncats == 0)
        return true;
    for (unsigned i = 0; cat && i < r->ncats; i++)
        if (strcmp(r->cats[i], cat) == 0)
            return true;
    return false;
}

static bool matches(const struct prule *r, const struct lc_policy_input *in)
{
    if (!has_cat(r, in->category))
        return false;
    if (r->sev_mask && !(r->sev_mask & name_bit(in->severity, sev_names, 4)))
        return false;
    if (r->subj_mask && !(r->subj_mask & name_bit(in->subject, subj_names, 3)))
        return false;
    if (r->min_points > 0 && !(in->points >= r->min_points))
        return false;
    if (in->repeats < r->min_repeats)
        return false;
    return r->min_tier == 0 || in->risk_tier >= r->min_tier;
}

void lc_policy_decide(const struct lc_policy *p, const struct lc_policy_input *in,
                      struct lc_policy_decision *out)
{
    const struct prule *r = &p->rules[p->nrules - 1]; /* the default */
    for (size_t i = 0; i + 1 < p->nrules; i++)
        if (matches(&p->rules[i], in)) {
            r = &p->rules[i];
            break;
        }
    *out = r->out;
    if (out->measure != LC_M_TRAFFIC)
        out->weight = 1.0; /* recommendation unchanged */
}
