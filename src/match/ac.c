/* ac.c -- our own matching engine: Aho-Corasick over bytes for literals,
 * a Thompson NFA with leftmost-start tracking for patterns.
 *
 * Literals.  The trie is laid out as a double array: state s's child on
 * byte c sits in slot base[s] + c, and is really its child when that slot's
 * check is s.  One 16-byte unit per slot holds base, check, fail link and
 * output, so a transition touches the current unit and the candidate unit
 * and nothing else.  The root has a dense 256-entry table instead, since
 * every scan keeps returning to it.  The trie is built breadth first from
 * the sorted literals (children of a node are the distinct next bytes of a
 * contiguous range of keys), which gives failure links in the same pass.
 * A slot is found for a node's children by first fit over a free list,
 * giving up after PLACE_TRIES candidates and appending at the end, which
 * bounds the build time whatever the lexicon looks like.
 *
 * Outputs.  A state's own literals all have the state's depth as length, so
 * its record is just the sorted distinct ids; the record links to the
 * record of the nearest dictionary suffix, so one walk yields every literal
 * ending here.  The hit for (id, end) keeps the longest literal, i.e. the
 * leftmost start.
 *
 * Patterns.  Each atom copy of the pattern becomes a chain of byte steps;
 * copies beyond the minimum can be skipped (a{2,4} is aa a? a?, the same
 * language).  The simulation keeps, per NFA position, the leftmost start of
 * any thread there: two threads at one position have the same future, so
 * the one that started first is the only one that can matter.  Active
 * positions live in a sparse list.
 *
 * Triggers.  Threads are started by the automaton, never by testing every
 * pattern at every byte.  A pattern that opens with a fixed string (加 in
 * 加[vV]信, 微信 in 微信[a-z0-9]{4,12}, 1 in 1[3-9]\d{9}) puts that string
 * into the trie as a trigger; a pattern that opens with a class or an
 * optional atom puts in one single-byte trigger per byte its first steps
 * accept.  When the automaton's state has a trigger on its output chain,
 * the NFA gets a thread just past the trigger, with start = end - length.
 * So a byte costs the NFA nothing unless threads are active or a trigger
 * ends there: the one test per byte is a bit of the output word the
 * automaton loads anyway.  Starting threads from a byte table instead
 * would start one at every byte that shares the lead byte of 加 (a UTF-8
 * lead byte is shared by thousands of Han characters), each dying a byte
 * later; measured with callgrind on 12-character CJK messages with 20,000
 * literals and 8 patterns, that cost 2,200 instructions a message on top
 * of 900 for the literal scan; with triggers the patterns add about 100. */
#include "match/ac.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define FREE_SLOT UINT32_MAX
#define PLACE_TRIES 256
/* Slots 0..LOW_SLOTS-1 hold the root and its children only. */
#define LOW_SLOTS 257
#define MAX_SLOTS (UINT32_MAX - 1024)

struct unit {
    uint32_t base;  /* children of this state sit at base + byte */
    uint32_t check; /* the parent's slot; FREE_SLOT when the slot is unused */
    uint32_t fail;  /* state of the longest proper suffix */
    uint32_t out;   /* output record of this state or its nearest dictionary suffix; 0 none;
                     * OUT_TRIG set when a trigger is on the record's chain */
};

#define OUT_TRIG 0x80000000u

enum { K_BYTE, K_SET, K_FINAL };

/* An output record: the literals ending at a state (all of the state's
 * depth) and the pattern triggers ending there, linked to the record of
 * the state's nearest dictionary suffix that has one. */
enum {
    R_COUNT,    /* literal ids in this record */
    R_DEPTH,    /* their length in bytes */
    R_NEXT,     /* next record along the dictionary-suffix chain, or 0 */
    R_TOTAL,    /* literal ids in this record and all that follow */
    R_NTRIG,    /* triggers in this record */
    R_ANYTRIG,  /* non-zero if this record or one that follows has triggers */
    R_IDS,      /* R_COUNT ids ascending, then R_NTRIG NFA positions */
};

/* A key of the trie: a literal, or the fixed prefix of a pattern. */
struct key {
    const uint8_t *s;
    uint32_t len;
    uint32_t trig; /* 0: literal with id; 1: trigger of NFA position id */
    uint32_t id;
};

struct npos {
    uint32_t skip; /* start of an optional copy: position after the copy; else 0 */
    uint32_t aux;  /* K_SET: set index; K_FINAL: pattern index */
    uint8_t kind;
    uint8_t byte; /* K_BYTE: the byte the step consumes */
};

struct lc_match_act {
    uint32_t pos, start;
};

struct lc_ac {
    struct unit *u; /* double array; every base + 255 is in range */
    size_t nslots, nstates;
    uint32_t root[256]; /* child of the root on each byte, or 0 */
    /* Output records, see the R_* offsets.  rec[0] is unused so 0 means none. */
    uint32_t *rec;
    size_t nrec;
    size_t max_chain; /* largest total: literal hits that can end at one byte */

    struct npos *pos; /* all patterns' positions, each pattern ending in a K_FINAL */
    size_t npos;
    uint64_t (*sets)[4];
    size_t nsets;
    unsigned *pat_id; /* user id of each pattern */
    size_t npat;
};

/* ---- build: the trie ---------------------------------------------------- */

static int key_cmp(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    uint32_t n = x->len < y->len ? x->len : y->len;
    int r = memcmp(x->s, y->s, n);
    if (r)
        return r;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    if (x->trig != y->trig)
        return x->trig < y->trig ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* The double array while it is being built, with a free list of slots in
 * slot order. */
struct da {
    struct unit *u;
    uint32_t *nx, *pv;
    size_t size, cap;
    uint32_t head; /* FREE_SLOT when the list is empty */
};

static void da_link(struct da *d, uint32_t k)
{
    if (d->head == FREE_SLOT) {
        d->head = k;
        d->nx[k] = d->pv[k] = k;
        return;
    }
    uint32_t tail = d->pv[d->head];
    d->nx[tail] = k;
    d->pv[k] = tail;
    d->nx[k] = d->head;
    d->pv[d->head] = k;
}

static void da_unlink(struct da *d, uint32_t k)
{
    if (d->nx[k] == k) {
        d->head = FREE_SLOT;
        return;
    }
    d->nx[d->pv[k]] = d->nx[k];
    d->pv[d->nx[k]] = d->pv[k];
    if (d->head == k)
        d->head = d->nx[k];
}

static enum lc_err da_extend(struct da *d, size_t want)
{
    if (want <= d->size)
        return LC_OK;
    if (want > MAX_SLOTS)
        return LC_ETOOBIG;
    if (want > d->cap) {
        size_t cap = d->cap ? d->cap : 1024;
        while (cap < want)
            cap *= 2;
        struct unit *u = realloc(d->u, cap * sizeof *u);
        if (!u)
            return LC_ENOMEM;
        d->u = u;
        uint32_t *nx = realloc(d->nx, cap * sizeof *nx);
        if (!nx)
            return LC_ENOMEM;
        d->nx = nx;
        uint32_t *pv = realloc(d->pv, cap * sizeof *pv);
        if (!pv)
            return LC_ENOMEM;
        d->pv = pv;
        d->cap = cap;
    }
    for (size_t k = d->size; k < want; k++) {
        d->u[k] = (struct unit){0, FREE_SLOT, 0, 0};
        da_link(d, (uint32_t)k);
    }
    d->size = want;
    return LC_OK;
}

/* A base at which every child byte cb[0..k) lands on a free slot. */
static size_t find_base(const struct da *d, const uint8_t *cb, size_t k)
{
    if (d->head != FREE_SLOT) {
        uint32_t f = d->head;
        for (int tries = 0; tries < PLACE_TRIES; tries++) {
            if (f >= cb[0]) {
                size_t base = f - cb[0], j = 1;
                for (; j < k; j++) {
                    size_t t = base + cb[j];
                    if (t < d->size && d->u[t].check != FREE_SLOT)
                        break;
                }
                if (j == k)
                    return base;
            }
            f = d->nx[f];
            if (f == d->head)
                break;
        }
    }
    return d->size >= cb[0] ? d->size - cb[0] : 0;
}

struct qnode {
    uint32_t slot, lo, hi, depth; /* keys [lo, hi) share the node's prefix of length depth */
};

static enum lc_err rec_reserve(struct lc_ac *ac, size_t *cap, size_t more)
{
    if (ac->nrec + more <= *cap)
        return LC_OK;
    size_t c = *cap ? *cap : 1024;
    while (c < ac->nrec + more)
        c *= 2;
    uint32_t *r = realloc(ac->rec, c * sizeof *r);
    if (!r)
        return LC_ENOMEM;
    ac->rec = r;
    *cap = c;
    return LC_OK;
}

/* Builds the trie of keys (literals and pattern triggers); keys is sorted
 * and deduplicated in place. */
static enum lc_err build_trie(struct lc_ac *ac, struct key *keys, size_t nkeys)
{
    enum lc_err e = LC_OK;
    struct qnode *q = NULL;
    struct da d = {.head = FREE_SLOT};
    size_t nk = 0, qn = 0, qh = 0, qcap = 0, reccap = 0;

    e = rec_reserve(ac, &reccap, 1);
    if (e != LC_OK)
        goto out;
    ac->rec[0] = 0;
    ac->nrec = 1;

    if (nkeys > UINT32_MAX / 2) {
        e = LC_ETOOBIG;
        goto out;
    }
    qsort(keys, nkeys, sizeof *keys, key_cmp);
    for (size_t k = 0; k < nkeys; k++)
        if (nk == 0 || key_cmp(&keys[nk - 1], &keys[k]) != 0)
            keys[nk++] = keys[k];

    e = da_extend(&d, LOW_SLOTS + 256);
    if (e != LC_OK)
        goto out;
    da_unlink(&d, 0); /* the root */

    qcap = 1024;
    q = malloc(qcap * sizeof *q);
    if (!q) {
        e = LC_ENOMEM;
        goto out;
    }
    q[qn++] = (struct qnode){0, 0, (uint32_t)nk, 0};
    while (qh < qn) {
        struct qnode n = q[qh++];
        uint32_t j = n.lo;
        while (j < n.hi && keys[j].len == n.depth)
            j++;
        uint32_t inherit = n.slot ? d.u[d.u[n.slot].fail].out & ~OUT_TRIG : 0;
        if (ac->nrec + R_IDS + (size_t)(j - n.lo) >= OUT_TRIG) {
            e = LC_ETOOBIG;
            goto out;
        }
        if (j > n.lo) {
            uint32_t cnt = 0, ntrig = 0; /* literals sort before triggers */
            for (uint32_t x = n.lo; x < j; x++)
                keys[x].trig ? ntrig++ : cnt++;
            e = rec_reserve(ac, &reccap, R_IDS + (size_t)(j - n.lo));
            if (e != LC_OK)
                goto out;
            uint32_t r = (uint32_t)ac->nrec, *R = ac->rec + r;
            R[R_COUNT] = cnt;
            R[R_DEPTH] = n.depth;
            R[R_NEXT] = inherit;
            R[R_TOTAL] = cnt + (inherit ? ac->rec[inherit + R_TOTAL] : 0);
            R[R_NTRIG] = ntrig;
            R[R_ANYTRIG] = ntrig || (inherit && ac->rec[inherit + R_ANYTRIG]);
            for (uint32_t x = 0; x < j - n.lo; x++)
                R[R_IDS + x] = keys[n.lo + x].id;
            if (R[R_TOTAL] > ac->max_chain)
                ac->max_chain = R[R_TOTAL];
            ac->nrec += R_IDS + (size_t)(j - n.lo);
            d.u[n.slot].out = r | (R[R_ANYTRIG] ? OUT_TRIG : 0);
        } else {
            d.u[n.slot].out = inherit | (inherit && ac->rec[inherit + R_ANYTRIG] ? OUT_TRIG : 0);
        }

        uint8_t cb[256];
        uint32_t clo[256], chi[256];
        size_t k = 0;
        for (uint32_t x = j; x < n.hi;) {
            uint8_t c = keys[x].s[n.depth];
            uint32_t y = x + 1;
            while (y < n.hi && keys[y].s[n.depth] == c)
                y++;
            cb[k] = c;
            clo[k] = x;
            chi[k] = y;
            k++;
            x = y;
        }
        if (k == 0)
            continue; /* a leaf: base 0 never meets a check equal to it */
        size_t base = n.slot == 0 ? 1 : find_base(&d, cb, k);
        e = da_extend(&d, base + 257);
        if (e != LC_OK)
            goto out;
        d.u[n.slot].base = (uint32_t)base;
        if (qn + k > qcap) {
            while (qn + k > qcap)
                qcap *= 2;
            struct qnode *nq = realloc(q, qcap * sizeof *nq);
            if (!nq) {
                e = LC_ENOMEM;
                goto out;
            }
            q = nq;
        }
        for (size_t x = 0; x < k; x++) {
            uint32_t t = (uint32_t)(base + cb[x]);
            da_unlink(&d, t);
            d.u[t].check = n.slot;
            uint32_t f = 0;
            if (n.slot != 0) {
                uint32_t g = d.u[n.slot].fail;
                for (;;) {
                    uint32_t tt = d.u[g].base + cb[x];
                    if (d.u[tt].check == g) {
                        f = tt;
                        break;
                    }
                    if (g == 0)
                        break;
                    g = d.u[g].fail;
                }
            }
            d.u[t].fail = f;
            q[qn++] = (struct qnode){t, clo[x], chi[x], n.depth + 1};
        }
        if (n.slot == 0) /* keep later nodes out of the root's region */
            for (uint32_t s = 1; s < LOW_SLOTS; s++)
                if (d.u[s].check == FREE_SLOT)
                    da_unlink(&d, s);
    }
    for (unsigned c = 0; c < 256; c++)
        ac->root[c] = d.u[1 + c].check == 0 ? 1 + c : 0;
    struct unit *u = realloc(d.u, d.size * sizeof *u);
    ac->u = u ? u : d.u;
    d.u = NULL;
    ac->nslots = d.size;
    ac->nstates = qn;
    uint32_t *r = realloc(ac->rec, ac->nrec * sizeof *r);
    if (r)
        ac->rec = r;
out:
    free(q);
    free(d.u);
    free(d.nx);
    free(d.pv);
    return e;
}

/* ---- build: patterns --------------------------------------------------- */

static bool step_has(const struct lc_ac *ac, const struct npos *p, unsigned c)
{
    return p->kind == K_BYTE ? p->byte == c : lc_match_set_has(ac->sets[p->aux], c);
}

/* Bytes of the fixed string a pattern opens with (atoms that are
 * characters repeated a fixed number of times), copied to out. */
static uint32_t fixed_prefix(const struct lc_match_pat *p, uint8_t *out)
{
    uint32_t n = 0;
    for (size_t a = 0; a < p->n; a++) {
        const struct lc_match_atom *at = &p->atoms[a];
        if (!at->nbytes || at->min != at->max)
            break;
        for (unsigned r = 0; r < at->min; r++) {
            memcpy(out + n, at->bytes, at->nbytes);
            n += at->nbytes;
        }
    }
    return n;
}

struct keys {
    struct key *v;
    size_t n, cap;
};

static enum lc_err keys_push(struct keys *k, struct key key)
{
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 1024;
        struct key *v = realloc(k->v, cap * sizeof *v);
        if (!v)
            return LC_ENOMEM;
        k->v = v;
        k->cap = cap;
    }
    k->v[k->n++] = key;
    return LC_OK;
}

/* Builds the NFA and appends the keys of its triggers to keys (a fixed
 * opening string is copied to tbytes, LC_MATCH_MAX_WIDTH per pattern). */
static enum lc_err build_patterns(struct lc_ac *ac, const struct lc_match_patin *pats,
                                  size_t npats, struct keys *keys, uint8_t *tbytes)
{
    size_t npos = 0, natoms = 0;
    for (size_t k = 0; k < npats; k++) {
        const struct lc_match_pat *p = pats[k].pat;
        for (size_t a = 0; a < p->n; a++) {
            size_t w = p->atoms[a].nbytes ? p->atoms[a].nbytes : 1;
            npos += w * p->atoms[a].max;
        }
        npos++;
        natoms += p->n;
        if (npos > UINT32_MAX / 4)
            return LC_ETOOBIG;
    }
    uint32_t *starts = NULL;
    enum lc_err e = LC_ENOMEM;
    ac->npat = npats;
    ac->npos = npos;
    ac->pos = calloc(npos ? npos : 1, sizeof *ac->pos);
    ac->sets = calloc(natoms ? natoms : 1, sizeof *ac->sets);
    ac->pat_id = calloc(npats ? npats : 1, sizeof *ac->pat_id);
    starts = calloc(npats ? npats : 1, sizeof *starts);
    if (!ac->pos || !ac->sets || !ac->pat_id || !starts)
        goto out;

    uint32_t np = 0;
    for (size_t k = 0; k < npats; k++) {
        const struct lc_match_pat *p = pats[k].pat;
        starts[k] = np;
        ac->pat_id[k] = pats[k].id;
        for (size_t a = 0; a < p->n; a++) {
            const struct lc_match_atom *at = &p->atoms[a];
            uint32_t set = 0;
            if (!at->nbytes) {
                while (set < ac->nsets && memcmp(ac->sets[set], at->set, sizeof at->set) != 0)
                    set++;
                if (set == ac->nsets)
                    memcpy(ac->sets[ac->nsets++], at->set, sizeof at->set);
            }
            for (unsigned copy = 0; copy < at->max; copy++) {
                uint32_t first = np;
                if (at->nbytes)
                    for (unsigned b = 0; b < at->nbytes; b++)
                        ac->pos[np++] = (struct npos){0, 0, K_BYTE, at->bytes[b]};
                else
                    ac->pos[np++] = (struct npos){0, set, K_SET, 0};
                if (copy >= at->min)
                    ac->pos[first].skip = np;
            }
        }
        ac->pos[np++] = (struct npos){0, (uint32_t)k, K_FINAL, 0};
    }

    /* Every pattern is started by a trigger in the automaton: its fixed
     * opening string if it has one, else one key per byte that a step in
     * the closure of its start accepts. */
    static const uint8_t all_bytes[256] = {
#define B4(n) n, n + 1, n + 2, n + 3
#define B16(n) B4(n), B4(n + 4), B4(n + 8), B4(n + 12)
#define B64(n) B16(n), B16(n + 16), B16(n + 32), B16(n + 48)
        B64(0), B64(64), B64(128), B64(192)
#undef B64
#undef B16
#undef B4
    };
    for (size_t k = 0; k < npats; k++) {
        uint8_t *pre = tbytes + k * LC_MATCH_MAX_WIDTH;
        uint32_t len = fixed_prefix(pats[k].pat, pre);
        if (len > 0) {
            e = keys_push(keys, (struct key){pre, len, 1, starts[k] + len});
            if (e != LC_OK)
                goto out;
            continue;
        }
        for (uint32_t x = starts[k];;) {
            const struct npos *p = &ac->pos[x];
            if (p->kind == K_FINAL)
                break; /* not reached: patterns never match empty */
            for (unsigned c = 0; c < 256; c++)
                if (step_has(ac, p, c)) {
                    e = keys_push(keys, (struct key){&all_bytes[c], 1, 1, x + 1});
                    if (e != LC_OK)
                        goto out;
                }
            if (!p->skip)
                break;
            x = p->skip;
        }
    }
    e = LC_OK;
out:
    free(starts);
    return e;
}

enum lc_err lc_match_ac_build(const struct lc_match_lit *lits, size_t nlits,
                              const struct lc_match_patin *pats, size_t npats,
                              struct lc_ac **out)
{
    if (nlits > SIZE_MAX / 4 - npats)
        return LC_ETOOBIG;
    struct lc_ac *ac = calloc(1, sizeof *ac);
    struct keys keys = {malloc((nlits + 1) * sizeof *keys.v), 0, nlits + 1};
    uint8_t *tbytes = malloc((npats + 1) * LC_MATCH_MAX_WIDTH);
    enum lc_err e = LC_ENOMEM;
    if (!ac || !keys.v || !tbytes)
        goto out;
    for (size_t k = 0; k < nlits; k++)
        keys.v[keys.n++] = (struct key){lits[k].s, lits[k].len, 0, lits[k].id};
    e = build_patterns(ac, pats, npats, &keys, tbytes);
    if (e == LC_OK)
        e = build_trie(ac, keys.v, keys.n);
out:
    free(keys.v);
    free(tbytes);
    if (e != LC_OK) {
        lc_match_ac_free(ac);
        return e;
    }
    *out = ac;
    return LC_OK;
}

void lc_match_ac_free(struct lc_ac *ac)
{
    if (!ac)
        return;
    free(ac->u);
    free(ac->rec);
    free(ac->pos);
    free(ac->sets);
    free(ac->pat_id);
    free(ac);
}

size_t lc_match_ac_footprint(const struct lc_ac *ac)
{
    return sizeof *ac + ac->nslots * sizeof *ac->u + ac->nrec * sizeof *ac->rec +
           ac->npos * sizeof *ac->pos + ac->nsets * sizeof *ac->sets +
           ac->npat * sizeof *ac->pat_id;
}

void lc_match_ac_stats(const struct lc_ac *ac, size_t *states, size_t *slots)
{
    *states = ac->nstates;
    *slots = ac->nslots;
}

/* ---- scan buffers ------------------------------------------------------ */

/* Reallocates p to n elements; leaves it alone on failure. */
#define GROW(p, n)                                                                         \
    do {                                                                                   \
        void *grown_ = realloc((p), ((n) ? (n) : 1) * sizeof *(p));                        \
        if (!grown_)                                                                       \
            return LC_ENOMEM;                                                              \
        (p) = grown_;                                                                      \
    } while (0)

enum lc_err lc_match_acbuf_fit(struct lc_match_acbuf *b, const struct lc_ac *ac)
{
    if (ac->npos > b->npos) {
        GROW(b->cur, ac->npos);
        GROW(b->next, ac->npos);
        GROW(b->slot, ac->npos);
        GROW(b->stamp, ac->npos);
        /* Zero stamps are never current: gen starts at 1. */
        memset(b->stamp + b->npos, 0, (ac->npos - b->npos) * sizeof *b->stamp);
        b->npos = ac->npos;
    }
    if (ac->npat > b->npat) {
        GROW(b->acc, ac->npat);
        b->npat = ac->npat;
    }
    size_t nhits = ac->max_chain + ac->npat;
    if (nhits > b->nhits || !b->hits) {
        GROW(b->hits, nhits);
        if (nhits > b->nhits)
            b->nhits = nhits;
    }
    return LC_OK;
}

void lc_match_acbuf_cleanup(struct lc_match_acbuf *b)
{
    if (!b)
        return;
    free(b->cur);
    free(b->next);
    free(b->acc);
    free(b->stamp);
    free(b->slot);
    free(b->hits);
    memset(b, 0, sizeof *b);
}

size_t lc_match_acbuf_size(const struct lc_match_acbuf *b)
{
    return b->npos * (2 * sizeof(struct lc_match_act) + 2 * sizeof(uint32_t)) +
           b->npat * sizeof(struct lc_match_act) + b->nhits * sizeof(struct lc_hit);
}

/* ---- scan -------------------------------------------------------------- */

static void sort_hits(struct lc_hit *h, size_t n);

/* Hits ending at one byte, any order; emitted by id with the leftmost
 * start.  Non-zero when the callback asked to stop. */
static int emit_sorted(struct lc_hit *h, size_t n, lc_hit_fn fn, void *ctx)
{
    sort_hits(h, n);
    for (size_t k = 0; k < n; k++) {
        if (k && h[k].id == h[k - 1].id)
            continue;
        if (fn(ctx, &h[k]))
            return 1;
    }
    return 0;
}

static int hit_cmp(const void *a, const void *b)
{
    const struct lc_hit *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return (x->start > y->start) - (x->start < y->start);
}

static void sort_hits(struct lc_hit *h, size_t n)
{
    if (n > 24) {
        qsort(h, n, sizeof *h, hit_cmp);
        return;
    }
    for (size_t k = 1; k < n; k++) {
        struct lc_hit v = h[k];
        size_t j = k;
        while (j > 0 && hit_cmp(&h[j - 1], &v) > 0) {
            h[j] = h[j - 1];
            j--;
        }
        h[j] = v;
    }
}

static size_t gather_lits(const struct lc_ac *ac, uint32_t r, uint32_t end, struct lc_hit *h)
{
    size_t n = 0;
    while (r) {
        const uint32_t *R = ac->rec + r;
        uint32_t start = end - R[R_DEPTH];
        for (uint32_t k = 0; k < R[R_COUNT]; k++)
            h[n++] = (struct lc_hit){R[R_IDS + k], start, end};
        r = R[R_NEXT];
    }
    return n;
}

static int emit_lits(const struct lc_ac *ac, struct lc_match_acbuf *b, uint32_t r, uint32_t end,
                     lc_hit_fn fn, void *ctx)
{
    const uint32_t *R = ac->rec + r;
    if (R[R_NEXT] == 0) { /* one record: ids already ascending and distinct */
        struct lc_hit h = {0, end - R[R_DEPTH], end};
        for (uint32_t k = 0; k < R[R_COUNT]; k++) {
            h.id = R[R_IDS + k];
            if (fn(ctx, &h))
                return 1;
        }
        return 0;
    }
    return emit_sorted(b->hits, gather_lits(ac, r, end, b->hits), fn, ctx);
}

struct nfa_run {
    const struct lc_ac *ac;
    struct lc_match_act *cur, *next, *acc; /* cur: active before the byte */
    uint32_t *stamp, *slot;
    uint32_t gen;
    size_t ncur, nnext, nacc;
};

/* Puts a thread that started at start on position q, and on every position
 * its skip chain reaches, keeping the leftmost start per position. */
static inline void add(struct nfa_run *r, uint32_t q, uint32_t start)
{
    for (;;) {
        const struct npos *p = &r->ac->pos[q];
        bool fin = p->kind == K_FINAL;
        if (r->stamp[q] == r->gen) {
            struct lc_match_act *a = fin ? &r->acc[r->slot[q]] : &r->next[r->slot[q]];
            if (a->start <= start)
                return;
            a->start = start;
        } else {
            r->stamp[q] = r->gen;
            if (fin) {
                r->slot[q] = (uint32_t)r->nacc;
                r->acc[r->nacc++] = (struct lc_match_act){q, start};
            } else {
                r->slot[q] = (uint32_t)r->nnext;
                r->next[r->nnext++] = (struct lc_match_act){q, start};
            }
        }
        if (!p->skip)
            return;
        q = p->skip;
    }
}

/* The NFA's share of byte c at offset i, where the automaton's output word
 * is out: advance the active threads, start those the triggers on out's
 * chain start, and emit every hit ending here.  Out of line, so that the
 * loop in lc_match_ac_scan stays as tight as the literal-only one.
 * Non-zero when the callback asked to stop. */
__attribute__((noinline)) static int nfa_byte(struct nfa_run *r, struct lc_match_acbuf *b,
                                              unsigned c, uint32_t i, uint32_t out,
                                              lc_hit_fn fn, void *ctx)
{
    const struct lc_ac *ac = r->ac;
    const uint32_t *rec = ac->rec;
    uint32_t trig = out & OUT_TRIG;
    out &= ~OUT_TRIG;
    if (++b->gen == 0) {
        memset(b->stamp, 0, b->npos * sizeof *b->stamp);
        b->gen = 1;
    }
    r->gen = b->gen;
    r->nnext = 0;
    r->nacc = 0;
    for (size_t k = 0; k < r->ncur; k++) {
        const struct npos *p = &ac->pos[r->cur[k].pos];
        if (step_has(ac, p, c))
            add(r, r->cur[k].pos + 1, r->cur[k].start);
    }
    for (uint32_t q = trig ? out : 0; q; q = rec[q + R_NEXT]) {
        const uint32_t *R = rec + q;
        for (uint32_t k = 0; k < R[R_NTRIG]; k++)
            add(r, R[R_IDS + R[R_COUNT] + k], i + 1 - R[R_DEPTH]);
    }
    struct lc_match_act *tmp = r->cur;
    r->cur = r->next;
    r->next = tmp;
    r->ncur = r->nnext;
    if (r->nacc == 0)
        return out && rec[out + R_TOTAL] && emit_lits(ac, b, out, i + 1, fn, ctx);
    size_t nh = out ? gather_lits(ac, out, i + 1, b->hits) : 0;
    for (size_t k = 0; k < r->nacc; k++)
        b->hits[nh++] = (struct lc_hit){ac->pat_id[ac->pos[r->acc[k].pos].aux],
                                        r->acc[k].start, i + 1};
    return emit_sorted(b->hits, nh, fn, ctx);
}

enum lc_err lc_match_ac_scan(const struct lc_ac *ac, struct lc_match_acbuf *b,
                             const uint8_t *text, uint32_t len, lc_hit_fn fn, void *ctx)
{
    if (b->npos < ac->npos || b->npat < ac->npat || b->nhits < ac->max_chain + ac->npat ||
        !b->hits)
        return LC_EINVAL;
    const struct unit *u = ac->u;
    uint32_t s = 0;

    if (ac->npat == 0) {
        if (ac->nstates <= 1)
            return LC_OK;
        for (uint32_t i = 0; i < len; i++) {
            unsigned c = text[i];
            uint32_t t;
            while (s) {
                t = u[s].base + c;
                if (u[t].check == s)
                    goto found;
                s = u[s].fail;
            }
            t = ac->root[c];
        found:
            s = t;
            /* No patterns, so no triggers: out is a plain record index. */
            if (u[s].out && emit_lits(ac, b, u[s].out, i + 1, fn, ctx))
                return LC_OK;
        }
        return LC_OK;
    }

    struct nfa_run r = {ac, b->cur, b->next, b->acc, b->stamp, b->slot, 0, 0, 0, 0};
    const uint32_t *rec = ac->rec, *root = ac->root;
    size_t busy = 0; /* r.ncur, kept in a register */
    for (uint32_t i = 0; i < len; i++) {
        unsigned c = text[i];
        uint32_t t;
        while (s) {
            t = u[s].base + c;
            if (u[t].check == s)
                goto found2;
            s = u[s].fail;
        }
        t = root[c];
    found2:
        s = t;
        uint32_t out = u[s].out;
        if (__builtin_expect(!(busy | (out & OUT_TRIG)), 1)) {
            /* No NFA work at this byte: the common case. */
            if (out && rec[out + R_TOTAL] && emit_lits(ac, b, out, i + 1, fn, ctx))
                return LC_OK;
            continue;
        }
        if (nfa_byte(&r, b, c, i, out, fn, ctx))
            return LC_OK;
        busy = r.ncur;
    }
    return LC_OK;
}
