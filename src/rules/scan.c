/* scan.c -- the scan pipeline of lc_rules_scan: normalise, one matcher scan
 * for every expression (rule expressions, allow words, context and domain
 * cues), then decide each rule hit.
 *
 * Most chat messages have no rule hit at all, so the fast path is:
 * normalise into the scanner's reused buffers (without the offset map),
 * scan, see that no rule expression matched, answer "pass".  Nothing is
 * allocated on that path once the scanner's buffers have grown, and JSON is
 * built only for hits and only when the caller asks for it.  The offset map
 * is needed only to place a surviving rule hit in the original text; the
 * text is then normalised again with the map (the same bytes, so the
 * matcher's offsets still hold): about 1 % of chat pays for it.
 *
 * Explanations: the decided hits of the last scan stay in the scanner, and
 * lc_rules_explain writes them as JSON text straight from there, without a
 * second scan and without building a jansson tree (which cost about 5 us a
 * message, far more than the scan).
 *
 * Deciding a hit (only when there is one):
 *   1. it is dropped if an occurrence of one of its rule's allow words
 *      contains it (both in normalised bytes);
 *   2. a rule with a `boundary` drops a hit that a word character (word:
 *      [a-z0-9]; digit: [0-9]) touches in the ORIGINAL text: the normalised
 *      character just before (after) the hit is one, so is the hit's own
 *      first (last) character, and either nothing was dropped between the
 *      two in the original (their spans meet), or the hit is spelled out
 *      with the same separator there as between its own edge characters
 *      and the neighbour is spelled out too ("m-e-t-h-o-d").  Two letters
 *      touch whatever their script ("mеthоd" with Cyrillic о); two digits
 *      only when written in the same form (ASCII, CJK, or one other
 *      256-block: full-width, circled...).  So `meth` misses "method" but
 *      finds "METH for sale", and a phone number misses the middle of an
 *      order number or of "155 160 165 170" but finds "138 0013 8000";
 *      a rule with `repeat required` drops a hit none of whose characters
 *      came from a collapsed run of the original (`weed` misses "we'd");
 *      and any two-character hit whose characters a clause mark (，。！？；)
 *      separates inside running text is dropped ("我要A，货到付款");
 *   3. unless the text is in a domain (a domain cue occurs, or the caller
 *      names a declared domain), each context in the rule's `exempt` list
 *      whose cue lies within `window` characters of the hit applies:
 *      cancel wins over lower;
 *   4. hits are mapped to the original text and deduplicated per (rule,
 *      original span).
 * Allow and cue lookups sort the occurrences by (owner, start) and keep a
 * running maximum of their ends, so each check is a binary search however
 * many occurrences a long listing has. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_int.h"
#include "core/array.h"
#include "text/text.h"

/* A match of one expression: ref is the rule (rule hits, allow words) or
 * the context (cues); s, e are normalised byte offsets, or characters for
 * cues once the context step has converted them. */
struct occ {
    uint32_t ref;
    uint32_t s, e;
};

/* A decided rule hit. */
struct dhit {
    uint32_t rule;
    uint32_t s, e;   /* normalised bytes */
    uint32_t os, oe; /* original bytes */
    uint32_t exempt; /* context index, or UINT32_MAX */
    uint8_t sev, act;
    bool lowered;
};

struct lc_scanner {
    struct lc_norm norm;
    struct lc_scratch *scratch;
    uint64_t serial; /* ruleset the scratch was last made or grown for */
    const struct rexpr *x;
    size_t nx;
    struct occ *rh, *al, *cu;
    size_t nrh, nal, ncu, cap_rh, cap_al, cap_cu;
    uint32_t *pmax_al, *pmax_cu, *cidx;
    size_t cap_pal, cap_pcu, cap_cidx;
    struct dhit *dh;
    size_t cap_dh;
    size_t total;
    bool domain_hit, nomem, toobig;
    /* the last successful scan, for lc_rules_explain */
    bool explainable;
    uint64_t last_serial;
    const char *last_text;
    size_t last_len, ndh;
    char *jbuf; /* lc_rules_explain's output while it is built */
    size_t jlen, jcap;
};


enum lc_err lc_scanner_new(struct lc_scanner **out)
{
    struct lc_scanner *sc = calloc(1, sizeof *sc);
    if (!sc)
        return LC_ENOMEM;
    lc_norm_init(&sc->norm);
    *out = sc;
    return LC_OK;
}

void lc_scanner_free(struct lc_scanner *sc)
{
    if (!sc)
        return;
    lc_norm_cleanup(&sc->norm);
    lc_match_scratch_free(sc->scratch);
    free(sc->rh);
    free(sc->al);
    free(sc->cu);
    free(sc->pmax_al);
    free(sc->pmax_cu);
    free(sc->cidx);
    free(sc->dh);
    free(sc->jbuf);
    free(sc);
}

static inline int push(struct lc_scanner *sc, struct occ **a, size_t *n, size_t *cap,
                       const struct lc_hit *h, uint32_t ref)
{
    if (*n == *cap && lc_array_grow(a, cap, *n + 1, sizeof **a)) {
        sc->nomem = true;
        return 1;
    }
    (*a)[(*n)++] = (struct occ){ref, h->start, h->end};
    return 0;
}

static int on_hit(void *ctx, const struct lc_hit *h)
{
    struct lc_scanner *sc = ctx;
    if (h->id >= sc->nx || h->start > h->end || h->end > sc->norm.len)
        return 0; /* not ours; cannot happen with a matcher we compiled */
    if (++sc->total > LC_RULES_MATCHES_MAX) {
        sc->toobig = true;
        return 1;
    }
    const struct rexpr *x = &sc->x[h->id];
    switch (x->kind) {
    case RX_RULE: return push(sc, &sc->rh, &sc->nrh, &sc->cap_rh, h, x->ref);
    case RX_ALLOW: return push(sc, &sc->al, &sc->nal, &sc->cap_al, h, x->ref);
    case RX_CUE: return push(sc, &sc->cu, &sc->ncu, &sc->cap_cu, h, x->ref);
    default: sc->domain_hit = true; return 0;
    }
}

static int cmp_occ(const void *a, const void *b)
{
    const struct occ *x = a, *y = b;
    if (x->ref != y->ref)
        return x->ref < y->ref ? -1 : 1;
    if (x->s != y->s)
        return x->s < y->s ? -1 : 1;
    return (x->e > y->e) - (x->e < y->e);
}

/* Sorts occurrences by (ref, s) and fills pmax[i] with the largest end among
 * the occurrences of the same ref up to i. */
static void index_occ(struct occ *a, size_t n, uint32_t *pmax)
{
    qsort(a, n, sizeof *a, cmp_occ);
    for (size_t i = 0; i < n; i++)
        pmax[i] = (i > 0 && a[i - 1].ref == a[i].ref && pmax[i - 1] > a[i].e) ? pmax[i - 1] : a[i].e;
}

/* Is there an occurrence of ref with s <= maxs and e >= mine? */
static bool occ_query(const struct occ *a, const uint32_t *pmax, size_t n, uint32_t ref,
                      uint32_t maxs, uint32_t mine)
{
    /* last index with (ref, s) <= (ref, maxs) */
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid].ref < ref || (a[mid].ref == ref && a[mid].s <= maxs))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || a[lo - 1].ref != ref)
        return false;
    return pmax[lo - 1] >= mine;
}

static int cmp_dhit(const void *a, const void *b)
{
    const struct dhit *x = a, *y = b;
    if (x->os != y->os)
        return x->os < y->os ? -1 : 1;
    if (x->oe != y->oe)
        return x->oe < y->oe ? -1 : 1;
    if (x->rule != y->rule)
        return x->rule < y->rule ? -1 : 1;
    /* duplicates: the one that counts most first (not exempted, stronger) */
    bool xe = x->exempt != UINT32_MAX, ye = y->exempt != UINT32_MAX;
    if (xe != ye)
        return xe ? 1 : -1;
    if (x->act != y->act)
        return x->act > y->act ? -1 : 1;
    return (x->s > y->s) - (x->s < y->s);
}

static bool bound_char(uint8_t c, uint8_t mode)
{
    return (unsigned)(c - '0') < 10u || (mode == BOUND_WORD && (unsigned)(c - 'a') < 26u);
}

/* The written form of the original character at o: ASCII, CJK (Chinese
 * numerals) or the 256-block of anything else (full-width, circled, styled
 * digits).  Digits of two forms do not touch: "23１３８…" shows the reader
 * where the full-width number starts. */
static uint32_t form_at(const uint8_t *orig, uint32_t o)
{
    uint32_t c = orig[o];
    if (c < 0x80)
        return 0;
    /* the text was validated as UTF-8, so the lead byte's length holds */
    uint32_t nb = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    uint32_t cp = c & (0x7Fu >> nb);
    for (uint32_t k = 1; k < nb; k++)
        cp = (cp << 6) | (orig[o + k] & 0x3Fu);
    return cp >= 0x3000 && cp <= 0x9FFF ? 1 : (cp >> 8) + 2;
}

/* Are normalised bytes a and a + 1 both of the class and of one word if
 * nothing separates them?  Two letters always are, whatever their script or
 * form: a Cyrillic о inside "mеthоd" is a letter of that word.  A digit
 * needs the same written form as its neighbour (see form_at). */
static bool joined(const struct lc_norm *n, const uint8_t *orig, size_t a, uint8_t mode)
{
    const uint8_t *t = (const uint8_t *)n->text;
    if (!bound_char(t[a], mode) || !bound_char(t[a + 1], mode))
        return false;
    if ((unsigned)(t[a] - 'a') < 26u && (unsigned)(t[a + 1] - 'a') < 26u)
        return true;
    return form_at(orig, n->start[a]) == form_at(orig, n->start[a + 1]);
}

/* Nothing dropped between the characters of normalised bytes a and a + 1
 * (or one character gave both). */
static bool adjacent(const struct lc_norm *n, size_t a)
{
    return n->end[a] >= n->start[a + 1];
}

/* Are the original bytes dropped between normalised bytes a, a + 1 the same
 * (and not none) as between b, b + 1? */
static bool same_gap(const struct lc_norm *n, const uint8_t *orig, size_t a, size_t b)
{
    uint32_t la = n->start[a + 1] - n->end[a], lb = n->start[b + 1] - n->end[b];
    return !adjacent(n, a) && !adjacent(n, b) && la == lb &&
           memcmp(orig + n->end[a], orig + n->end[b], la) == 0;
}

/* Does a character of the class touch the hit [s, e) at the join a, a + 1
 * (a = s - 1 or a = e - 1) in the original?  It does when nothing separates
 * them; or when the hit is spelled out (the same separator between its two
 * characters at that edge as at the join: "m-e-t-h-o-d") and the neighbour
 * is spelled out the same way rather than starting a word of its own
 * ("m e t h for sale" still hits). */
static bool meet(const struct lc_norm *n, const uint8_t *orig, uint32_t s, uint32_t e, size_t a,
                 uint8_t mode)
{
    if (!joined(n, orig, a, mode))
        return false;
    if (adjacent(n, a))
        return true;
    if (e - s < 2)
        return false;
    if (a + 1 == s) /* left edge: compare with the hit's first join */
        return joined(n, orig, s, mode) && same_gap(n, orig, a, s) &&
               !(a > 0 && joined(n, orig, a - 1, mode) && adjacent(n, a - 1));
    return joined(n, orig, a - 1, mode) && same_gap(n, orig, a, a - 1) &&
           !(a + 2 < n->len && joined(n, orig, a + 1, mode) && adjacent(n, a + 1));
}

/* Step 2 of deciding a hit (see the top): does a character of the class
 * touch normalised bytes [s, e) in the original text?  Needs the map. */
static bool touches(const struct lc_norm *n, const uint8_t *orig, uint32_t s, uint32_t e,
                    uint8_t mode)
{
    return (s > 0 && meet(n, orig, s, e, s - 1, mode)) ||
           (e < n->len && meet(n, orig, s, e, e - 1, mode));
}

/* `repeat required`: does one normalised character of the hit [s, e) come
 * from two or more original characters (a collapsed run: "weed", "w e e d",
 * "wееd"), not counting combining marks U+0300..U+036F (é = e + U+0301)? */
static bool covers_repeat(const struct lc_norm *n, const uint8_t *orig, uint32_t s, uint32_t e)
{
    for (uint32_t i = s; i < e; i++) {
        if (i > s && n->start[i] == n->start[i - 1])
            continue; /* another byte of the same character */
        unsigned chars = 0;
        for (uint32_t o = n->start[i]; o < n->end[i]; o++) {
            if ((orig[o] & 0xC0) == 0x80)
                continue;
            bool mark = orig[o] == 0xCC || (orig[o] == 0xCD && o + 1 < n->end[i] &&
                                             orig[o + 1] < 0xB0);
            chars += !mark;
        }
        if (chars >= 2)
            return true;
    }
    return false;
}

/* Does p (left bytes of the original) start with a clause mark ，。！？；? */
static bool clause_mark_at(const uint8_t *p, size_t left)
{
    if (left < 3)
        return false;
    if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x82) /* 。 */
        return true;
    return p[0] == 0xEF && p[1] == 0xBC &&
           (p[2] == 0x8C || p[2] == 0x81 || p[2] == 0x9F || p[2] == 0x9B); /* ，！？； */
}

/* Step 2b: is a two-character hit split by a clause mark inside running
 * text ("我要A，货到付款": style A, then cash on delivery, is not A货)?  Its
 * two characters must have a clause mark between them in the original, and
 * each must touch the text on its other side (no gap), so the writer is not
 * spacing out every character ("加，V，我" and a bare "加，V" still hit).
 * Longer hits are never split this way: "加，微，信" is 加微信. */
static bool split_by_clause(const struct lc_norm *n, const uint8_t *orig, uint32_t s, uint32_t e)
{
    const uint8_t *t = (const uint8_t *)n->text;
    uint32_t k = s + 1; /* start of the second character */
    while (k < e && (t[k] & 0xC0) == 0x80)
        k++;
    if (k >= e || s == 0 || e >= n->len)
        return false;
    for (uint32_t j = k + 1; j < e; j++)
        if ((t[j] & 0xC0) != 0x80)
            return false; /* three characters or more */
    if (adjacent(n, k - 1) || !adjacent(n, s - 1) || !adjacent(n, e - 1))
        return false;
    for (uint32_t o = n->end[k - 1]; o < n->start[k]; o++)
        if (clause_mark_at(orig + o, n->start[k] - o))
            return true;
    return false;
}

static bool in_domain(const struct lc_ruleset *rs, const struct lc_scanner *sc, const char *domain)
{
    if (sc->domain_hit)
        return true;
    if (domain && domain[0])
        for (size_t i = 0; i < rs->ndomains; i++)
            if (strcmp(rs->domains[i].name, domain) == 0)
                return true;
    return false;
}

static int set(json_t *o, const char *k, json_t *v)
{
    return v ? json_object_set_new(o, k, v) : -1;
}

static enum lc_err to_json(const struct lc_ruleset *rs, const struct lc_scanner *sc,
                           const struct lc_scan_item *item, size_t n, json_t **hits)
{
    json_t *arr = json_array();
    if (!arr)
        return LC_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const struct dhit *d = &sc->dh[i];
        const struct rrule *r = &rs->rules[d->rule];
        json_t *o = json_object();
        int bad = !o;
        bad |= !bad && set(o, "rule", json_string(r->id));
        bad |= !bad && set(o, "category", json_string(r->category));
        bad |= !bad && set(o, "severity", json_string(lc_severity_name(d->sev)));
        bad |= !bad && set(o, "action", json_string(lc_action_name(d->act)));
        bad |= !bad && set(o, "basis", json_string(r->basis));
        bad |= !bad && set(o, "start", json_integer(d->os));
        bad |= !bad && set(o, "end", json_integer(d->oe));
        bad |= !bad && set(o, "original", json_stringn(item->text + d->os, d->oe - d->os));
        bad |= !bad && set(o, "normalized", json_stringn(sc->norm.text + d->s, d->e - d->s));
        if (d->exempt != UINT32_MAX)
            bad |= !bad && set(o, "exempted_by", json_string(rs->ctxs[d->exempt].name));
        if (d->lowered)
            bad |= !bad && set(o, "lowered", json_true());
        if (bad || json_array_append_new(arr, o)) {
            if (!bad)
                o = NULL; /* append_new took it either way */
            json_decref(o);
            json_decref(arr);
            return LC_ENOMEM;
        }
    }
    *hits = arr;
    return LC_OK;
}

/* Rule hits are in sc->rh: decide them into sc->dh; returns how many.
 * item->text is the text that was normalised (never NULL here). */
static size_t decide(const struct lc_ruleset *rs, struct lc_scanner *sc,
                     const struct lc_scan_item *item, bool *ctx_nomem)
{
    /* 1. allow words */
    if (sc->nal) {
        if (lc_array_grow(&sc->pmax_al, &sc->cap_pal, sc->nal, sizeof *sc->pmax_al)) {
            *ctx_nomem = true;
            return 0;
        }
        index_occ(sc->al, sc->nal, sc->pmax_al);
        size_t k = 0;
        for (size_t i = 0; i < sc->nrh; i++) {
            const struct occ *h = &sc->rh[i];
            if (!occ_query(sc->al, sc->pmax_al, sc->nal, h->ref, h->s, h->e))
                sc->rh[k++] = *h;
        }
        sc->nrh = k;
        if (!k)
            return 0;
    }

    /* 3. (indexed here, applied below) contexts, in characters of normalised text */
    bool use_ctx = sc->ncu && !in_domain(rs, sc, item->domain);
    if (use_ctx) {
        size_t len = sc->norm.len;
        if (lc_array_grow(&sc->cidx, &sc->cap_cidx, len + 1, sizeof *sc->cidx) ||
            lc_array_grow(&sc->pmax_cu, &sc->cap_pcu, sc->ncu, sizeof *sc->pmax_cu)) {
            *ctx_nomem = true;
            return 0;
        }
        uint32_t c = 0;
        const unsigned char *t = (const unsigned char *)sc->norm.text;
        for (size_t i = 0; i < len; i++) {
            sc->cidx[i] = c;
            c += (t[i] & 0xC0) != 0x80;
        }
        sc->cidx[len] = c;
        for (size_t i = 0; i < sc->ncu; i++) {
            sc->cu[i].s = sc->cidx[sc->cu[i].s];
            sc->cu[i].e = sc->cidx[sc->cu[i].e];
        }
        index_occ(sc->cu, sc->ncu, sc->pmax_cu);
    }

    if (lc_array_grow(&sc->dh, &sc->cap_dh, sc->nrh, sizeof *sc->dh)) {
        *ctx_nomem = true;
        return 0;
    }
    /* the offset map, for the spans below: the same text again, now mapped
     * (it normalised a moment ago, so only memory can fail) */
    if (!sc->norm.mapped && lc_text_normalize(item->text, item->len, &sc->norm, NULL) != LC_OK) {
        *ctx_nomem = true;
        return 0;
    }
    /* 2. boundaries and clause marks (the map is needed, so after it) */
    size_t kept = 0;
    const uint8_t *orig = (const uint8_t *)item->text;
    for (size_t i = 0; i < sc->nrh; i++) {
        const struct occ *h = &sc->rh[i];
        uint8_t mode = rs->rules[h->ref].boundary;
        if (mode != BOUND_NONE && touches(&sc->norm, orig, h->s, h->e, mode))
            continue;
        if (rs->rules[h->ref].repeat && !covers_repeat(&sc->norm, orig, h->s, h->e))
            continue;
        if (split_by_clause(&sc->norm, orig, h->s, h->e))
            continue;
        sc->rh[kept++] = *h;
    }
    sc->nrh = kept;
    for (size_t i = 0; i < sc->nrh; i++) {
        const struct occ *h = &sc->rh[i];
        const struct rrule *r = &rs->rules[h->ref];
        struct dhit *d = &sc->dh[i];
        d->rule = h->ref;
        d->s = h->s;
        d->e = h->e;
        d->exempt = UINT32_MAX;
        d->lowered = false;
        d->sev = r->severity;
        d->act = r->action;
        if (use_ctx && r->n_exempt) {
            uint32_t hs = sc->cidx[h->s], he = sc->cidx[h->e];
            for (uint32_t k = 0; k < r->n_exempt; k++) {
                uint32_t ci = rs->exempt[r->exempt_off + k];
                const struct rctx *cx = &rs->ctxs[ci];
                uint32_t lo = hs > cx->window ? hs - cx->window : 0;
                uint32_t hi = he + cx->window;
                if (!occ_query(sc->cu, sc->pmax_cu, sc->ncu, ci, hi, lo))
                    continue;
                if (cx->effect == CTX_CANCEL) {
                    d->exempt = ci;
                    d->lowered = false;
                    break;
                }
                d->lowered = true;
            }
            if (d->lowered) {
                if (d->act > LC_ACT_LOG)
                    d->act--;
                if (d->sev > LC_SEV_LOW)
                    d->sev--;
            }
        }
        lc_norm_span(&sc->norm, h->s, h->e, &d->os, &d->oe);
    }

    /* 4. one hit per (rule, original span) */
    size_t n = sc->nrh;
    if (n > 1) {
        qsort(sc->dh, n, sizeof *sc->dh, cmp_dhit);
        size_t k = 1;
        for (size_t i = 1; i < n; i++) {
            const struct dhit *p = &sc->dh[k - 1], *d = &sc->dh[i];
            if (d->rule == p->rule && d->os == p->os && d->oe == p->oe)
                continue;
            sc->dh[k++] = *d;
        }
        n = k;
    }
    return n;
}

enum lc_err lc_rules_scan(const struct lc_ruleset *rs, struct lc_scanner *sc,
                          const struct lc_scan_item *item, enum lc_verdict *verdict, json_t **hits,
                          size_t *bad)
{
    if (!rs || !sc || !item || (!item->text && item->len))
        return LC_EINVAL;
    const char *text = item->text ? item->text : "";
    sc->explainable = false;
    enum lc_err e = lc_text_normalize_unmapped(text, item->len, &sc->norm, bad);
    if (e)
        return e;

    sc->nrh = sc->nal = sc->ncu = sc->total = 0;
    sc->domain_hit = sc->nomem = sc->toobig = false;
    if (rs->m && sc->norm.len) {
        if (!sc->scratch) {
            if ((e = lc_match_scratch_new(rs->m, &sc->scratch)))
                return e;
            sc->serial = rs->serial;
        } else if (sc->serial != rs->serial) {
            if ((e = lc_match_scratch_grow(rs->m, sc->scratch)))
                return e;
            sc->serial = rs->serial;
        }
        sc->x = rs->exprs;
        sc->nx = rs->nexprs;
        e = lc_match_scan(rs->m, sc->scratch, sc->norm.text, sc->norm.len, on_hit, sc);
        if (sc->nomem)
            return LC_ENOMEM;
        if (sc->toobig)
            return LC_ETOOBIG;
        if (e)
            return e;
    }

    size_t n = 0;
    struct lc_scan_item it = *item;
    it.text = text;
    if (sc->nrh) {
        bool oom = false;
        n = decide(rs, sc, &it, &oom);
        if (oom)
            return LC_ENOMEM;
    }

    enum lc_verdict v = LC_VERDICT_PASS;
    for (size_t i = 0; i < n; i++) {
        const struct dhit *d = &sc->dh[i];
        if (d->exempt != UINT32_MAX)
            continue;
        if (d->act == LC_ACT_BLOCK) {
            v = LC_VERDICT_BLOCK;
            break;
        }
        if (d->act == LC_ACT_REVIEW)
            v = LC_VERDICT_REVIEW;
    }
    if (hits && (e = to_json(rs, sc, &it, n, hits)))
        return e;
    sc->explainable = true;
    sc->last_serial = rs->serial;
    sc->last_text = item->text;
    sc->last_len = item->len;
    sc->ndh = n;
    *verdict = v;
    return LC_OK;
}

/* ---- explanations as JSON text ------------------------------------------ */

/* Appends n bytes to the scanner's JSON buffer; false when out of memory. */
static bool jput(struct lc_scanner *sc, const char *p, size_t n)
{
    if (sc->jlen + n + 1 > sc->jcap &&
        lc_array_grow(&sc->jbuf, &sc->jcap, sc->jlen + n + 1, 1))
        return false;
    memcpy(sc->jbuf + sc->jlen, p, n);
    sc->jlen += n;
    return true;
}

static bool jlit(struct lc_scanner *sc, const char *s)
{
    return jput(sc, s, strlen(s));
}

/* A JSON string of valid UTF-8 s[0..n), escaped as jansson's json_dumps
 * escapes it without flags: '"', '\\' and control characters only (the
 * latter by their short escape or as \u00XX); everything else verbatim. */
static bool jstr(struct lc_scanner *sc, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    if (!jput(sc, "\"", 1))
        return false;
    size_t run = 0; /* start of the bytes not yet copied */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        char esc[6] = {'\\', 0, '0', '0', hex[c >> 4], hex[c & 15]};
        size_t el = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default: esc[1] = 'u'; el = 6; break;
        }
        if (!jput(sc, s + run, i - run) || !jput(sc, esc, el))
            return false;
        run = i + 1;
    }
    return jput(sc, s + run, n - run) && jput(sc, "\"", 1);
}

static bool jkey_str(struct lc_scanner *sc, const char *key, const char *s, size_t n)
{
    return jlit(sc, key) && jstr(sc, s, n);
}

static bool jkey_int(struct lc_scanner *sc, const char *key, uint32_t v)
{
    char num[16];
    int k = snprintf(num, sizeof num, "%u", (unsigned)v);
    return jlit(sc, key) && jput(sc, num, (size_t)k);
}

/* One hit object, keys in to_json's order. */
static bool jhit(const struct lc_ruleset *rs, struct lc_scanner *sc, const char *text,
                 const struct dhit *d)
{
    const struct rrule *r = &rs->rules[d->rule];
    const char *sev = lc_severity_name(d->sev), *act = lc_action_name(d->act);
    bool ok = jkey_str(sc, "{\"rule\":", r->id, strlen(r->id)) &&
              jkey_str(sc, ",\"category\":", r->category, strlen(r->category)) &&
              jkey_str(sc, ",\"severity\":", sev, strlen(sev)) &&
              jkey_str(sc, ",\"action\":", act, strlen(act)) &&
              jkey_str(sc, ",\"basis\":", r->basis, strlen(r->basis)) &&
              jkey_int(sc, ",\"start\":", d->os) && jkey_int(sc, ",\"end\":", d->oe) &&
              jkey_str(sc, ",\"original\":", text + d->os, d->oe - d->os) &&
              jkey_str(sc, ",\"normalized\":", sc->norm.text + d->s, d->e - d->s);
    if (ok && d->exempt != UINT32_MAX) {
        const char *cx = rs->ctxs[d->exempt].name;
        ok = jkey_str(sc, ",\"exempted_by\":", cx, strlen(cx));
    }
    if (ok && d->lowered)
        ok = jlit(sc, ",\"lowered\":true");
    return ok && jput(sc, "}", 1);
}

enum lc_err lc_rules_explain(const struct lc_ruleset *rs, struct lc_scanner *sc,
                             const struct lc_scan_item *item, char **json, size_t *len)
{
    if (!rs || !sc || !item || !json)
        return LC_EINVAL;
    if (!sc->explainable || sc->last_serial != rs->serial || sc->last_text != item->text ||
        sc->last_len != item->len)
        return LC_EINVAL;
    const char *text = item->text ? item->text : "";
    sc->jlen = 0;
    bool ok = jput(sc, "[", 1);
    for (size_t i = 0; ok && i < sc->ndh; i++)
        ok = (i == 0 || jput(sc, ",", 1)) && jhit(rs, sc, text, &sc->dh[i]);
    ok = ok && jput(sc, "]", 1);
    char *out = ok ? malloc(sc->jlen + 1) : NULL;
    if (!out)
        return LC_ENOMEM;
    memcpy(out, sc->jbuf, sc->jlen);
    out[sc->jlen] = '\0';
    if (len)
        *len = sc->jlen;
    *json = out;
    return LC_OK;
}
