/* seglog.c -- the archive's append-only log (contract in seglog.h).
 *
 * Write path.  An appender hashes its leaves outside any lock, then under
 * mu encodes its frames into the open group (struct group).  The first
 * appender of a group is its head and will lead it: at once if no leader
 * is writing, else when the current leader hands over.  The leader takes
 * the whole group, writes it with one pwritev into the current segment
 * (plus one for the key slots), fdatasyncs, hands the leadership to the
 * head of the group that filled meanwhile, and only then publishes its own
 * (Merkle leaves, read offsets, durable size) under tmu, so the next
 * group's write and sync overlap this group's tree work; groups publish
 * strictly in order.  The other appenders of a group (followers) sleep on
 * one futex word of the group, and the leader wakes them all with one
 * FUTEX_WAKE.  Measured with 64 writers on 2 cores, waking is what limits
 * throughput: a semaphore post per follower costs a system call (and an
 * IPI) each, and one broadcast condition variable for all appenders would
 * also wake the next group's appenders every time a group lands.  Tried
 * and dropped (64 writers, 2 cores, bench/archive/README.md): two groups'
 * fdatasyncs in flight at once (the disk does 10k syncs/s two at a time
 * against 6k alone) split the writers into three groups of ~19 instead of
 * two of ~40 and lost a third of the throughput; a leader that stays on to
 * commit the next group itself (waking one follower to relay the rest), an
 * adaptive mutex, and a leader that waits for a bigger group gained
 * nothing measurable.  The bound is the sleep and wakeup each blocking
 * append costs: a bare futex round of 64 threads costs 4-5 us of CPU per
 * wakeup on this VM, most of an append's 7-8 us.  When a group has keys,
 * a helper thread fdatasyncs keys.dat while the leader syncs the
 * segment.
 *
 * Segments and keys.dat grow in preallocated runs of zeros (written and
 * synced with the data that first passes the old end), because an
 * fdatasync that must also commit a new file size costs two to three times
 * one that only flushes data (measured on ext4: ~250 us against ~90 us).
 * So a crashed log's last segment may end in zeros; the decoder reads
 * zeros where a frame should start as the end of the data, open cuts them
 * with the torn tail, and close cuts them too.
 *
 * Recovery trusts nothing it cannot check: a bad frame in the last segment
 * is a torn tail only if no checksum-valid frame follows it anywhere; a
 * valid frame after damage means records the writer acknowledged would be
 * lost, so the open is refused instead. */
#include "archive/seglog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#include "archive/seglog_test.h"

#define MAGIC "LCR1"
#define HEAD LC_SEGLOG_FRAME_HEAD
#define KEY LC_SEGLOG_KEY_LEN
#define DEFAULT_SEGMENT (64u << 20)
#define PREALLOC (1u << 20) /* zeros written ahead of the data each time */
#define PAGE 4096u
#define SEG_NAME_LEN 24 /* "seg-" + 16 hex + ".log" */

/* ---- CRC-32C ---------------------------------------------------------- */

static uint32_t crc_tab[8][256];
static bool crc_have_hw;
static atomic_int crc_force_table;
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        crc_tab[0][i] = c;
    }
    for (int t = 1; t < 8; t++)
        for (uint32_t i = 0; i < 256; i++)
            crc_tab[t][i] = (crc_tab[t - 1][i] >> 8) ^ crc_tab[0][crc_tab[t - 1][i] & 0xff];
#if defined(__x86_64__)
    __builtin_cpu_init();
    crc_have_hw = __builtin_cpu_supports("sse4.2");
#endif
}

/* Slice-by-8 over the inverted register c; byte loads keep it endian-safe. */
static uint32_t crc_sw(uint32_t c, const uint8_t *p, size_t n)
{
    while (n >= 8) {
        uint32_t lo = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                           (uint32_t)p[3] << 24);
        c = crc_tab[7][lo & 0xff] ^ crc_tab[6][(lo >> 8) & 0xff] ^ crc_tab[5][(lo >> 16) & 0xff] ^
            crc_tab[4][lo >> 24] ^ crc_tab[3][p[4]] ^ crc_tab[2][p[5]] ^ crc_tab[1][p[6]] ^
            crc_tab[0][p[7]];
        p += 8;
        n -= 8;
    }
    while (n--)
        c = crc_tab[0][(c ^ *p++) & 0xff] ^ (c >> 8);
    return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t c, const uint8_t *p, size_t n)
{
    uint64_t c64 = c;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c64 = _mm_crc32_u64(c64, w);
        p += 8;
        n -= 8;
    }
    c = (uint32_t)c64;
    while (n--)
        c = _mm_crc32_u8(c, *p++);
    return c;
}
#endif

/* crc32c(crc32c(0, a), b) == crc32c(0, a || b). */
static uint32_t crc32c(uint32_t crc, const void *data, size_t n)
{
    pthread_once(&crc_once, crc_init);
    uint32_t c = ~crc;
#if defined(__x86_64__)
    if (crc_have_hw && !atomic_load_explicit(&crc_force_table, memory_order_relaxed))
        return ~crc_hw(c, data, n);
#endif
    return ~crc_sw(c, data, n);
}

uint32_t lc_seglog_test_crc32c(const void *p, size_t n)
{
    return crc32c(0, p, n);
}

void lc_seglog_test_crc_table(int table)
{
    atomic_store(&crc_force_table, table != 0);
}

/* ---- frames ------------------------------------------------------------ */

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* The checksum a frame with this header (index and length filled in) and
 * payload must carry. */
static uint32_t frame_crc(const uint8_t *head, const uint8_t *payload, size_t len)
{
    return crc32c(crc32c(0, head + 4, 12), payload, len);
}

static void encode_frame(uint8_t *f, uint64_t idx, const void *data, uint32_t len)
{
    memcpy(f, MAGIC, 4);
    put64(f + 4, idx);
    put32(f + 12, len);
    memcpy(f + HEAD, data, len);
    put32(f + 16, frame_crc(f, f + HEAD, len));
}

/* Why the frame at f (avail bytes to the end of the buffer) is not record
 * idx, or NULL when it is.  idx UINT64_MAX accepts any index. */
static const char *frame_fault(const uint8_t *f, size_t avail, uint64_t idx)
{
    if (avail < HEAD)
        return "incomplete frame header";
    if (memcmp(f, MAGIC, 4) != 0)
        return "bad magic";
    uint32_t len = get32(f + 12);
    if (len == 0 || len > LC_SEGLOG_MAX_RECORD)
        return "bad length";
    if (idx != UINT64_MAX && get64(f + 4) != idx)
        return "wrong index";
    if (len > avail - HEAD)
        return "frame runs past the end of the segment";
    if (get32(f + 16) != frame_crc(f, f + HEAD, len))
        return "checksum mismatch";
    return NULL;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    while (n && ((uintptr_t)p & 7)) {
        if (*p++)
            return false;
        n--;
    }
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        if (w)
            return false;
    }
    while (n--)
        if (*p++)
            return false;
    return true;
}

enum lc_err lc_seglog_decode(const uint8_t *buf, size_t n, uint64_t first_index,
                             int (*fn)(void *ctx, uint64_t idx, const uint8_t *p, size_t len),
                             void *ctx, size_t *good, uint64_t *bad_index, char *err,
                             size_t errlen)
{
    size_t p = 0;
    uint64_t idx = first_index;
    while (p < n) {
        const char *why = frame_fault(buf + p, n - p, idx);
        if (why) {
            if (all_zero(buf + p, n - p))
                break; /* preallocated space after the last frame */
            if (good)
                *good = p;
            if (bad_index)
                *bad_index = idx;
            if (err && errlen)
                snprintf(err, errlen, "offset %zu: record %llu: %s", p, (unsigned long long)idx,
                         why);
            return LC_ECORRUPT;
        }
        uint32_t len = get32(buf + p + 12);
        int stop = fn ? fn(ctx, idx, buf + p + HEAD, len) : 0;
        p += HEAD + (size_t)len;
        idx++;
        if (stop)
            break;
    }
    if (good)
        *good = p;
    return LC_OK;
}

/* True when some checksum-valid frame (any index) starts after offset
 * from: then damage at from is not a torn tail. */
static bool valid_frame_after(const uint8_t *buf, size_t n, size_t from)
{
    size_t q = from + 1;
    while (q + HEAD <= n) {
        const uint8_t *m = memmem(buf + q, n - q, MAGIC, 4);
        if (!m)
            return false;
        q = (size_t)(m - buf);
        if (!frame_fault(m, n - q, UINT64_MAX))
            return true;
        q++;
    }
    return false;
}

/* ---- the log ------------------------------------------------------------ */

struct seg {
    uint64_t first; /* index of its first record, also its name */
    int fd;
};

struct loc { /* where a durable record's frame is */
    uint64_t off;
    uint32_t len;
    uint32_t seg;
};

struct grec { /* one record of a group */
    uint8_t leaf[LC_HASH_LEN];
    uint8_t key[KEY];
    bool has_key;
    uint32_t len;  /* payload bytes */
    uint32_t seg;  /* set by the leader's write */
    uint64_t off;  /* frame offset in that segment, same */
};

/* The first appender of a group: it will lead that group, so it waits on
 * its own semaphore to be handed the leadership (or told the log failed). */
struct waiter {
    sem_t sem;
    enum lc_err rc;
    bool lead; /* woken to lead its group rather than with a result */
};

struct group { /* records committed by one write and one fdatasync */
    uint8_t *buf; /* their frames, back to back */
    size_t len, cap;
    struct grec *recs;
    size_t n, ncap;
    uint64_t first; /* index of recs[0] */
    bool keys;      /* some record has a key */
    uint8_t *kbuf;  /* key slots for the whole range, built at write time */
    size_t kcap;
    struct waiter *head; /* its leader-to-be */
    size_t followers;    /* appenders in it besides the head */
    /* Followers sleep on done_gen (a futex word), so that the leader wakes
     * them all with one system call.  A group object is reused, never
     * freed while the log is open; gen numbers each use, and done_gen is
     * the last use whose records are published or failed, so a follower
     * that wakes late cannot mistake a later use for its own. */
    uint32_t gen;
    _Atomic uint32_t done_gen;
    struct group *next_free;
};

struct lc_seglog {
    int dirfd; /* holds the flock that keeps a second writer out */
    int keys_fd;
    uint64_t seg_limit;

    /* queue side, under mu */
    pthread_mutex_t mu;
    struct group *q; /* the group appenders add to */
    struct group *free_groups;
    uint32_t gens;       /* group uses so far */
    uint64_t next_index; /* index the next queued record gets */
    bool leading;        /* a leader owns the write side */
    bool failed;         /* fail-stop: refuse every append */
    atomic_int inflight; /* appenders inside lc_seglog_append */

    /* write side: only the current leader touches these */
    struct keysync *ks; /* syncs keys.dat beside the segment's sync */
    int cur_fd;
    uint32_t cur_seg;
    uint64_t pos;           /* end of the data in the current segment */
    uint64_t prealloc;      /* end of the current segment file (zeros past pos) */
    uint64_t keys_prealloc; /* end of keys.dat */

    /* published side, under tmu */
    pthread_mutex_t tmu;
    pthread_cond_t tcv; /* a group was published */
    struct seg *segs;
    size_t nsegs, segs_cap;
    struct loc *locs;
    uint64_t locs_cap;
    uint64_t size; /* durable records, all in tree and locs */
    _Atomic uint64_t durable; /* = size, read by followers without tmu */
    bool pub_failed;
    struct lc_merkle *tree;
    struct lc_seglog_stats stats;
};

/* A thread that fdatasyncs keys.dat while the leader fdatasyncs the
 * segment: with every record keyed (64 writers), the two syncs one after
 * the other gave about 45k appends/s against 120k unkeyed; side by side,
 * with the device serving both at once, 85k-113k. */
struct keysync {
    pthread_t th;
    sem_t go, done;
    bool stop;
    int fd;
    int rc; /* of the last sync */
};

static atomic_int test_fail_sync;

void lc_seglog_test_fail_next_sync(void)
{
    atomic_store(&test_fail_sync, 1);
}

static int sync_data(int fd)
{
    if (atomic_exchange(&test_fail_sync, 0)) {
        errno = EIO;
        return -1;
    }
    return fdatasync(fd);
}

static void *keysync_main(void *arg)
{
    struct keysync *ks = arg;
    for (;;) {
        while (sem_wait(&ks->go) != 0)
            ;
        if (ks->stop)
            return NULL;
        ks->rc = sync_data(ks->fd);
        sem_post(&ks->done);
    }
}

/* The log's key syncer, started on first use; NULL if no thread could be
 * had (the leader then syncs keys.dat itself). */
static struct keysync *keysync_get(struct lc_seglog *l)
{
    if (l->ks)
        return l->ks;
    struct keysync *ks = calloc(1, sizeof *ks);
    if (!ks)
        return NULL;
    ks->fd = l->keys_fd;
    sem_init(&ks->go, 0, 0);
    sem_init(&ks->done, 0, 0);
    if (pthread_create(&ks->th, NULL, keysync_main, ks) != 0) {
        sem_destroy(&ks->go);
        sem_destroy(&ks->done);
        free(ks);
        return NULL;
    }
    return l->ks = ks;
}

static void keysync_stop(struct keysync *ks)
{
    if (!ks)
        return;
    ks->stop = true;
    sem_post(&ks->go);
    pthread_join(ks->th, NULL);
    sem_destroy(&ks->go);
    sem_destroy(&ks->done);
    free(ks);
}

static void seg_name(char out[SEG_NAME_LEN + 1], uint64_t first)
{
    snprintf(out, SEG_NAME_LEN + 1, "seg-%016llx.log", (unsigned long long)first);
}

/* Writes all of iov (cnt entries) at off, retrying short writes. */
static int pwritev_full(int fd, struct iovec *iov, int cnt, uint64_t off)
{
    while (cnt > 0) {
        ssize_t w = pwritev(fd, iov, cnt, (off_t)off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        off += (uint64_t)w;
        while (cnt > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++;
            cnt--;
        }
        if (cnt > 0) {
            iov->iov_base = (uint8_t *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return 0;
}

static const uint8_t zeros[PREALLOC + PAGE];

static uint64_t round_page(uint64_t v)
{
    return (v + PAGE - 1) / PAGE * PAGE;
}

/* Writes p[0..n) at off in one pwritev; if that passes *end, the same call
 * writes zeros up to a new end (at most cap, when cap > the data's end), so
 * later commits overwrite allocated blocks and their fdatasync need not
 * commit a new size. */
static int write_prealloc(int fd, const void *p, size_t n, uint64_t off, uint64_t *end,
                          uint64_t cap)
{
    struct iovec iov[2] = {{(void *)p, n}, {(void *)zeros, 0}};
    uint64_t data_end = off + n;
    uint64_t new_end = *end;
    if (data_end > *end) {
        new_end = round_page(data_end) + PREALLOC;
        if (cap && new_end > round_page(cap))
            new_end = round_page(data_end) > round_page(cap) ? round_page(data_end)
                                                              : round_page(cap);
        iov[1].iov_len = (size_t)(new_end - data_end);
    }
    if (pwritev_full(fd, iov, iov[1].iov_len ? 2 : 1, off) != 0)
        return -1;
    if (new_end > *end)
        *end = new_end;
    return 0;
}

static void group_reset(struct group *g)
{
    g->len = 0;
    g->n = 0;
    g->keys = false;
    g->head = NULL;
    g->followers = 0;
}

/* Makes g the open group of the queue, as a new use; under mu. */
static void group_open(struct lc_seglog *l, struct group *g)
{
    group_reset(g);
    g->gen = ++l->gens;
    l->q = g;
}

static void futex_wake_all(_Atomic uint32_t *word)
{
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* Wakes g's followers: their records are published (or never will be). */
static void group_done(struct group *g)
{
    atomic_store_explicit(&g->done_gen, g->gen, memory_order_release);
    if (g->followers)
        futex_wake_all(&g->done_gen);
}

/* A follower's wait for its group's outcome. */
static void follow(struct group *g, uint32_t gen)
{
    for (;;) {
        uint32_t d = atomic_load_explicit(&g->done_gen, memory_order_acquire);
        if ((int32_t)(d - gen) >= 0)
            return;
        syscall(SYS_futex, &g->done_gen, FUTEX_WAIT_PRIVATE, d, NULL, NULL, 0);
    }
}

static void group_free(struct group *g)
{
    if (!g)
        return;
    free(g->buf);
    free(g->recs);
    free(g->kbuf);
    free(g);
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *np = realloc(*p, c * elem);
    if (!np)
        return false;
    *p = np;
    *cap = c;
    return true;
}

/* Adds n records (leaves already hashed) to g as indexes first..; under mu.
 * On LC_ENOMEM g is unchanged. */
static enum lc_err group_add(struct group *g, const struct lc_seglog_rec *recs, size_t n,
                             const uint8_t (*leaves)[LC_HASH_LEN], uint64_t first)
{
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += HEAD + recs[i].len;
    if (!grow((void **)&g->buf, &g->cap, g->len + bytes, 1) ||
        !grow((void **)&g->recs, &g->ncap, g->n + n, sizeof *g->recs))
        return LC_ENOMEM;
    if (g->n == 0)
        g->first = first;
    for (size_t i = 0; i < n; i++) {
        struct grec *r = &g->recs[g->n++];
        r->len = (uint32_t)recs[i].len;
        memcpy(r->leaf, leaves[i], LC_HASH_LEN);
        r->has_key = recs[i].key != NULL;
        if (r->has_key) {
            memcpy(r->key, recs[i].key, KEY);
            g->keys = true;
        }
        encode_frame(g->buf + g->len, first + i, recs[i].data, r->len);
        g->len += HEAD + r->len;
    }
    return LC_OK;
}

/* Starts a new segment whose first record is first: the current one is cut
 * to its data and synced first, the new file and the directory are synced
 * so that the name survives a crash. */
static enum lc_err roll(struct lc_seglog *l, uint64_t first)
{
    char name[SEG_NAME_LEN + 1];
    if (ftruncate(l->cur_fd, (off_t)l->pos) != 0 || sync_data(l->cur_fd) != 0)
        return LC_EIO;
    seg_name(name, first);
    int fd = openat(l->dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0)
        return LC_EIO;
    if (fsync(fd) != 0 || fsync(l->dirfd) != 0) {
        close(fd);
        return LC_EIO;
    }
    pthread_mutex_lock(&l->tmu);
    bool ok = grow((void **)&l->segs, &l->segs_cap, l->nsegs + 1, sizeof *l->segs);
    if (ok) {
        l->segs[l->nsegs] = (struct seg){first, fd};
        l->cur_seg = (uint32_t)l->nsegs++;
    }
    pthread_mutex_unlock(&l->tmu);
    if (!ok) {
        close(fd);
        return LC_ENOMEM;
    }
    l->cur_fd = fd;
    l->pos = l->prealloc = 0;
    return LC_OK;
}

static enum lc_err write_keys(struct lc_seglog *l, struct group *g)
{
    if (!grow((void **)&g->kbuf, &g->kcap, g->n * KEY, 1))
        return LC_ENOMEM;
    for (size_t i = 0; i < g->n; i++) {
        if (g->recs[i].has_key)
            memcpy(g->kbuf + i * KEY, g->recs[i].key, KEY);
        else
            memset(g->kbuf + i * KEY, 0, KEY);
    }
    if (write_prealloc(l->keys_fd, g->kbuf, g->n * KEY, g->first * KEY, &l->keys_prealloc, 0))
        return LC_EIO;
    return LC_OK;
}

/* The leader's I/O for group g: frames into segments (rolling over where a
 * segment has passed seg_limit), key slots, then the syncs. */
static enum lc_err write_group(struct lc_seglog *l, struct group *g)
{
    size_t i = 0, boff = 0;
    enum lc_err rc;
    while (i < g->n) {
        if (l->pos >= l->seg_limit && (rc = roll(l, g->first + i)) != LC_OK)
            return rc;
        size_t j = i, bytes = 0;
        uint64_t p = l->pos;
        while (j < g->n && p < l->seg_limit) {
            g->recs[j].seg = l->cur_seg;
            g->recs[j].off = p;
            p += HEAD + g->recs[j].len;
            bytes += HEAD + g->recs[j].len;
            j++;
        }
        if (write_prealloc(l->cur_fd, g->buf + boff, bytes, l->pos, &l->prealloc, l->seg_limit))
            return LC_EIO;
        l->pos = p;
        boff += bytes;
        i = j;
    }
    if (g->keys && (rc = write_keys(l, g)) != LC_OK)
        return rc;
    struct keysync *ks = g->keys ? keysync_get(l) : NULL;
    if (ks)
        sem_post(&ks->go);
    int seg_rc = sync_data(l->cur_fd), keys_rc = 0;
    if (ks) {
        while (sem_wait(&ks->done) != 0)
            ;
        keys_rc = ks->rc;
    } else if (g->keys) {
        keys_rc = sync_data(l->keys_fd);
    }
    return seg_rc == 0 && keys_rc == 0 ? LC_OK : LC_EIO;
}

/* Makes g's records visible (tree, offsets, size) once every earlier group
 * is, and counts the commit. */
static enum lc_err publish(struct lc_seglog *l, struct group *g)
{
    enum lc_err rc = LC_OK;
    pthread_mutex_lock(&l->tmu);
    while (l->size != g->first && !l->pub_failed)
        pthread_cond_wait(&l->tcv, &l->tmu);
    if (l->pub_failed) {
        rc = LC_EIO;
        goto out;
    }
    size_t cap = (size_t)l->locs_cap;
    if (!grow((void **)&l->locs, &cap, (size_t)(l->size + g->n), sizeof *l->locs)) {
        rc = LC_ENOMEM;
        goto out;
    }
    l->locs_cap = cap;
    for (size_t i = 0; i < g->n; i++) {
        const struct grec *r = &g->recs[i];
        if ((rc = lc_merkle_append(l->tree, r->leaf)) != LC_OK)
            goto out;
        l->locs[l->size] = (struct loc){r->off, r->len, r->seg};
        l->size++;
    }
    atomic_store_explicit(&l->durable, l->size, memory_order_release);
    l->stats.appends += g->n;
    l->stats.commits++;
out:
    if (rc != LC_OK)
        l->pub_failed = true;
    pthread_cond_broadcast(&l->tcv);
    pthread_mutex_unlock(&l->tmu);
    return rc;
}

/* Ends the open group, whose records will never be written, once the log
 * has failed: its head and followers get LC_EIO; under mu. */
static void drop_queue(struct lc_seglog *l)
{
    struct group *q = l->q;
    if (q->head) {
        q->head->rc = LC_EIO;
        sem_post(&q->head->sem);
    }
    group_done(q);
    group_open(l, q);
}

/* Called with mu held by the head of the open group, which owns the
 * leadership; commits that group and returns with mu released. */
static enum lc_err lead(struct lc_seglog *l)
{
    struct group *g = l->q;
    struct group *fresh = l->free_groups;
    if (fresh)
        l->free_groups = fresh->next_free;
    else
        fresh = calloc(1, sizeof *fresh);
    enum lc_err rc = LC_OK;
    if (!fresh) {
        l->failed = true;
        l->leading = false;
        g->head = NULL; /* that is us */
        drop_queue(l);
        pthread_mutex_unlock(&l->mu);
        return LC_ENOMEM;
    }
    group_open(l, fresh);
    pthread_mutex_unlock(&l->mu);

    rc = write_group(l, g);

    pthread_mutex_lock(&l->mu);
    struct waiter *next = NULL;
    if (rc != LC_OK)
        l->failed = true;
    if (!l->failed && l->q->head) {
        next = l->q->head; /* leading stays set: handed over */
    } else {
        l->leading = false;
        if (l->failed)
            drop_queue(l);
    }
    pthread_mutex_unlock(&l->mu);
    if (next) { /* before publishing, so the next write overlaps our tree work */
        next->lead = true;
        sem_post(&next->sem);
    }
    if (rc == LC_OK && (rc = publish(l, g)) != LC_OK) {
        pthread_mutex_lock(&l->mu);
        l->failed = true;
        pthread_mutex_unlock(&l->mu);
    }
    group_done(g);

    pthread_mutex_lock(&l->mu);
    g->next_free = l->free_groups;
    l->free_groups = g;
    pthread_mutex_unlock(&l->mu);
    return rc;
}

static enum lc_err check_recs(const struct lc_seglog_rec *recs, size_t n)
{
    static const uint8_t zero_key[KEY];
    if (!recs || n == 0)
        return LC_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (!recs[i].data || recs[i].len == 0)
            return LC_EINVAL;
        if (recs[i].len > LC_SEGLOG_MAX_RECORD)
            return LC_ETOOBIG;
        /* an all-zero slot means "no key", so such a key could not be read */
        if (recs[i].key && memcmp(recs[i].key, zero_key, KEY) == 0)
            return LC_EINVAL;
    }
    return LC_OK;
}

enum lc_err lc_seglog_append(struct lc_seglog *l, const struct lc_seglog_rec *recs, size_t n,
                             uint64_t *first)
{
    enum lc_err rc = l ? check_recs(recs, n) : LC_EINVAL;
    if (rc != LC_OK)
        return rc;
    uint8_t stack_leaves[16][LC_HASH_LEN];
    uint8_t(*leaves)[LC_HASH_LEN] = n <= 16 ? stack_leaves : malloc(n * LC_HASH_LEN);
    if (!leaves)
        return LC_ENOMEM;
    for (size_t i = 0; i < n; i++)
        lc_merkle_leaf_hash(recs[i].data, recs[i].len, leaves[i]);

    struct waiter w = {.rc = LC_OK, .lead = false};
    bool head = false;
    atomic_fetch_add(&l->inflight, 1);
    uint64_t idx = 0;
    pthread_mutex_lock(&l->mu);
    struct group *g = l->q;
    if (l->failed)
        rc = LC_EIO;
    else
        rc = group_add(g, recs, n, (const uint8_t(*)[LC_HASH_LEN])leaves, l->next_index);
    if (rc != LC_OK) {
        pthread_mutex_unlock(&l->mu);
        goto out;
    }
    idx = l->next_index;
    l->next_index += n;
    if (!g->head) {
        head = true;
        sem_init(&w.sem, 0, 0);
        g->head = &w;
    } else {
        g->followers++;
    }
    if (head && !l->leading) {
        l->leading = true;
        rc = lead(l);
        goto out;
    }
    uint32_t gen = g->gen;
    pthread_mutex_unlock(&l->mu);
    if (!head) {
        follow(g, gen);
        rc = atomic_load_explicit(&l->durable, memory_order_acquire) >= idx + n ? LC_OK : LC_EIO;
        goto out;
    }
    while (sem_wait(&w.sem) != 0)
        ;
    if (w.lead) {
        pthread_mutex_lock(&l->mu);
        rc = lead(l);
    } else {
        rc = w.rc;
    }
out:
    atomic_fetch_sub(&l->inflight, 1);
    if (head)
        sem_destroy(&w.sem);
    if (leaves != stack_leaves)
        free(leaves);
    if (rc == LC_OK && first)
        *first = idx;
    return rc;
}

/* ---- reading -------------------------------------------------------------- */

uint64_t lc_seglog_size(struct lc_seglog *l)
{
    if (!l)
        return 0;
    pthread_mutex_lock(&l->tmu);
    uint64_t n = l->size;
    pthread_mutex_unlock(&l->tmu);
    return n;
}

static int pread_full(int fd, uint8_t *p, size_t n, uint64_t off)
{
    while (n) {
        ssize_t r = pread(fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

enum lc_err lc_seglog_read(struct lc_seglog *l, uint64_t idx, uint8_t **out, size_t *n)
{
    if (!l || !out || !n)
        return LC_EINVAL;
    pthread_mutex_lock(&l->tmu);
    if (idx >= l->size) {
        pthread_mutex_unlock(&l->tmu);
        return LC_ENOTFOUND;
    }
    struct loc at = l->locs[idx];
    int fd = l->segs[at.seg].fd;
    pthread_mutex_unlock(&l->tmu);

    uint8_t *buf = malloc(HEAD + (size_t)at.len);
    if (!buf)
        return LC_ENOMEM;
    enum lc_err rc = LC_OK;
    if (pread_full(fd, buf, HEAD + (size_t)at.len, at.off) != 0)
        rc = LC_EIO;
    else if (frame_fault(buf, HEAD + (size_t)at.len, idx) || get32(buf + 12) != at.len)
        rc = LC_ECORRUPT; /* changed on disk since it was checked */
    if (rc != LC_OK) {
        free(buf);
        return rc;
    }
    memmove(buf, buf + HEAD, at.len);
    *out = buf;
    *n = at.len;
    return LC_OK;
}

static enum lc_err read_slot(struct lc_seglog *l, uint64_t idx, uint8_t key[KEY])
{
    if (idx >= lc_seglog_size(l))
        return LC_ENOTFOUND;
    ssize_t r;
    do
        r = pread(l->keys_fd, key, KEY, (off_t)(idx * KEY));
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return LC_EIO;
    if (r < KEY) /* past the end: never written */
        return LC_ENOTFOUND;
    static const uint8_t zero_key[KEY];
    return memcmp(key, zero_key, KEY) ? LC_OK : LC_ENOTFOUND;
}

enum lc_err lc_seglog_key(struct lc_seglog *l, uint64_t idx, uint8_t key[LC_SEGLOG_KEY_LEN])
{
    if (!l || !key)
        return LC_EINVAL;
    uint8_t k[KEY];
    enum lc_err rc = read_slot(l, idx, k);
    if (rc == LC_OK)
        memcpy(key, k, KEY);
    explicit_bzero(k, sizeof k);
    return rc;
}

enum lc_err lc_seglog_key_destroy(struct lc_seglog *l, uint64_t idx)
{
    if (!l)
        return LC_EINVAL;
    uint8_t k[KEY];
    enum lc_err rc = read_slot(l, idx, k);
    explicit_bzero(k, sizeof k);
    if (rc == LC_ENOTFOUND && idx < lc_seglog_size(l))
        return LC_OK; /* already zero: nothing to shred */
    if (rc != LC_OK)
        return rc;
    pthread_mutex_lock(&l->mu);
    bool failed = l->failed;
    pthread_mutex_unlock(&l->mu);
    if (failed)
        return LC_EIO;
    struct iovec iov = {(void *)zeros, KEY};
    if (pwritev_full(l->keys_fd, &iov, 1, idx * KEY) != 0 || sync_data(l->keys_fd) != 0) {
        pthread_mutex_lock(&l->mu);
        l->failed = true;
        pthread_mutex_unlock(&l->mu);
        return LC_EIO;
    }
    return LC_OK;
}

void lc_seglog_head(struct lc_seglog *l, uint64_t *size, uint8_t root[LC_HASH_LEN])
{
    if (!l)
        return;
    pthread_mutex_lock(&l->tmu);
    uint64_t n = l->size;
    if (root && lc_merkle_root(l->tree, n, root) != LC_OK)
        memset(root, 0, LC_HASH_LEN); /* cannot happen: n <= tree size */
    pthread_mutex_unlock(&l->tmu);
    if (size)
        *size = n;
}

enum lc_err lc_seglog_root(struct lc_seglog *l, uint64_t n, uint8_t root[LC_HASH_LEN])
{
    if (!l || !root)
        return LC_EINVAL;
    pthread_mutex_lock(&l->tmu);
    enum lc_err rc = n <= l->size ? lc_merkle_root(l->tree, n, root) : LC_EINVAL;
    pthread_mutex_unlock(&l->tmu);
    return rc;
}

enum lc_err lc_seglog_inclusion(struct lc_seglog *l, uint64_t idx, uint64_t size,
                                uint8_t path[][LC_HASH_LEN], size_t *count)
{
    if (!l)
        return LC_EINVAL;
    pthread_mutex_lock(&l->tmu);
    enum lc_err rc =
        size <= l->size ? lc_merkle_inclusion(l->tree, idx, size, path, count) : LC_EINVAL;
    pthread_mutex_unlock(&l->tmu);
    return rc;
}

enum lc_err lc_seglog_consistency(struct lc_seglog *l, uint64_t m, uint64_t n,
                                  uint8_t proof[][LC_HASH_LEN], size_t *count)
{
    if (!l)
        return LC_EINVAL;
    pthread_mutex_lock(&l->tmu);
    enum lc_err rc =
        n <= l->size ? lc_merkle_consistency(l->tree, m, n, proof, count) : LC_EINVAL;
    pthread_mutex_unlock(&l->tmu);
    return rc;
}

void lc_seglog_stats(struct lc_seglog *l, struct lc_seglog_stats *out)
{
    if (!l || !out)
        return;
    pthread_mutex_lock(&l->tmu);
    *out = l->stats;
    pthread_mutex_unlock(&l->tmu);
}

/* ---- open, recovery and verification ----------------------------------- */

/* The segment files of the directory, sorted by first index. */
static enum lc_err list_segments(int dirfd, uint64_t **out, size_t *count, char *err,
                                 size_t errlen)
{
    int fd = dup(dirfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        snprintf(err, errlen, "cannot list the log directory: %s", strerror(errno));
        return LC_EIO;
    }
    rewinddir(d);
    uint64_t *v = NULL;
    size_t n = 0, cap = 0;
    enum lc_err rc = LC_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *s = e->d_name;
        if (strlen(s) != SEG_NAME_LEN || strncmp(s, "seg-", 4) || strcmp(s + 20, ".log"))
            continue;
        uint64_t first = 0;
        bool hex = true;
        for (int i = 4; i < 20 && hex; i++) {
            char c = s[i];
            int dgt = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            hex = dgt >= 0;
            first = first << 4 | (uint64_t)(dgt & 15);
        }
        if (!hex)
            continue;
        if (!grow((void **)&v, &cap, n + 1, sizeof *v)) {
            rc = LC_ENOMEM;
            break;
        }
        v[n++] = first;
    }
    closedir(d);
    if (rc != LC_OK) {
        free(v);
        return rc;
    }
    for (size_t i = 1; i < n; i++) /* insertion sort: a few hundred at most */
        for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    *out = v;
    *count = n;
    return LC_OK;
}

/* A segment mapped for reading (map NULL for an empty file). */
struct mapped {
    int fd;
    uint8_t *map;
    size_t len;
};

static enum lc_err map_segment(int dirfd, uint64_t first, int flags, struct mapped *m, char *err,
                               size_t errlen)
{
    char name[SEG_NAME_LEN + 1];
    struct stat st;
    seg_name(name, first);
    *m = (struct mapped){-1, NULL, 0};
    m->fd = openat(dirfd, name, flags | O_CLOEXEC);
    if (m->fd < 0 || fstat(m->fd, &st) != 0) {
        snprintf(err, errlen, "%s: %s", name, strerror(errno));
        return LC_EIO;
    }
    m->len = (size_t)st.st_size;
    if (m->len == 0)
        return LC_OK;
    m->map = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE, m->fd, 0);
    if (m->map == MAP_FAILED) {
        m->map = NULL;
        snprintf(err, errlen, "%s: cannot map: %s", name, strerror(errno));
        return LC_EIO;
    }
    madvise(m->map, m->len, MADV_SEQUENTIAL);
    return LC_OK;
}

static void unmap(struct mapped *m)
{
    if (m->map)
        munmap(m->map, m->len);
    m->map = NULL;
}

/* What checking one segment found. */
struct seg_check {
    size_t good;     /* bytes of valid frames */
    bool torn;       /* bad frame with nothing valid after it */
    bool padded;     /* valid frames, then zeros */
    uint64_t bad;    /* first bad index, when not LC_OK */
};

/* Decodes a mapped segment whose name says it starts at first (expected is
 * the index the log is at), feeding fn.  LC_ECORRUPT with err naming the
 * file, the offset and the record; a torn tail (damage in the last segment
 * with no valid frame after it) is LC_ECORRUPT too, with out->torn set, so
 * each caller decides what a torn tail means for it. */
static enum lc_err check_segment(const struct mapped *m, uint64_t first, uint64_t expected,
                                 bool last, int (*fn)(void *, uint64_t, const uint8_t *, size_t), void *ctx,
                                 struct seg_check *out, char *err, size_t errlen)
{
    char name[SEG_NAME_LEN + 1];
    char why[160];
    seg_name(name, first);
    *out = (struct seg_check){0};
    if (first != expected) {
        out->bad = expected;
        snprintf(err, errlen, "%s: starts at record %llu but record %llu comes next", name,
                 (unsigned long long)first, (unsigned long long)expected);
        return LC_ECORRUPT;
    }
    enum lc_err rc = lc_seglog_decode(m->map ? m->map : (const uint8_t *)"", m->len, first, fn,
                                      ctx, &out->good, &out->bad, why, sizeof why);
    if (rc == LC_OK) {
        out->padded = out->good < m->len;
        return LC_OK;
    }
    if (rc != LC_ECORRUPT)
        return rc;
    out->torn = last && !valid_frame_after(m->map, m->len, out->good);
    snprintf(err, errlen, "%s %s%s", name, why,
             out->torn ? " (torn tail: nothing valid follows)" : "");
    return LC_ECORRUPT;
}

/* The records of one segment as decoded.  They are hashed afterwards on
 * several threads: SHA-256 is most of what open and verify cost. */
struct span {
    uint64_t off; /* of the payload */
    uint32_t len;
};

struct spans {
    const uint8_t *base;
    struct span *v;
    size_t n, cap;
    uint8_t (*leaf)[LC_HASH_LEN];
    size_t leaf_cap;
    bool oom;
};

static int collect(void *ctx, uint64_t idx, const uint8_t *p, size_t len)
{
    struct spans *s = ctx;
    (void)idx;
    if (!grow((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v)) {
        s->oom = true;
        return 1;
    }
    s->v[s->n++] = (struct span){(uint64_t)(p - s->base), (uint32_t)len};
    return 0;
}

struct hash_job {
    struct spans *s;
    size_t from, to;
};

static void *hash_range(void *arg)
{
    struct hash_job *j = arg;
    for (size_t i = j->from; i < j->to; i++)
        lc_merkle_leaf_hash(j->s->base + j->s->v[i].off, j->s->v[i].len, j->s->leaf[i]);
    return NULL;
}

#define MAX_HASHERS 8

static enum lc_err hash_spans(struct spans *s)
{
    if (!grow((void **)&s->leaf, &s->leaf_cap, s->n, LC_HASH_LEN))
        return LC_ENOMEM;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t t = cpus < 1 ? 1 : cpus > MAX_HASHERS ? MAX_HASHERS : (size_t)cpus;
    if (s->n < 4096)
        t = 1; /* not worth a thread */
    pthread_t th[MAX_HASHERS];
    struct hash_job jobs[MAX_HASHERS];
    bool started[MAX_HASHERS] = {false};
    for (size_t k = 0; k < t; k++)
        jobs[k] = (struct hash_job){s, k * s->n / t, (k + 1) * s->n / t};
    for (size_t k = 1; k < t; k++)
        started[k] = pthread_create(&th[k], NULL, hash_range, &jobs[k]) == 0;
    hash_range(&jobs[0]);
    for (size_t k = 1; k < t; k++) {
        if (started[k])
            pthread_join(th[k], NULL);
        else
            hash_range(&jobs[k]); /* no thread: do it here */
    }
    return LC_OK;
}

static void spans_free(struct spans *s)
{
    free(s->v);
    free(s->leaf);
}

/* Adds a decoded segment's records to the tree, and to the read offsets
 * when l is set (open) rather than only the tree (verify). */
static enum lc_err load_spans(struct spans *s, struct lc_merkle *tree, struct lc_seglog *l,
                              uint32_t seg)
{
    enum lc_err rc = hash_spans(s);
    if (rc == LC_OK && l) {
        size_t cap = (size_t)l->locs_cap;
        if (!grow((void **)&l->locs, &cap, (size_t)l->size + s->n, sizeof *l->locs))
            return LC_ENOMEM;
        l->locs_cap = cap;
    }
    for (size_t i = 0; rc == LC_OK && i < s->n; i++) {
        rc = lc_merkle_append(tree, s->leaf[i]);
        if (rc == LC_OK && l)
            l->locs[l->size++] = (struct loc){s->v[i].off - HEAD, s->v[i].len, seg};
    }
    return rc;
}

/* Cuts the last segment to its valid frames: a torn tail or the zeros a
 * crashed writer preallocated. */
static enum lc_err cut_tail(int fd, size_t good, const char *what, char *err, size_t errlen)
{
    if (ftruncate(fd, (off_t)good) != 0 || fsync(fd) != 0) {
        snprintf(err, errlen, "cannot cut the %s: %s", what, strerror(errno));
        return LC_EIO;
    }
    return LC_OK;
}

static enum lc_err create_segment(struct lc_seglog *l, char *err, size_t errlen)
{
    char name[SEG_NAME_LEN + 1];
    seg_name(name, 0);
    int fd = openat(l->dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0 || fsync(fd) != 0 || fsync(l->dirfd) != 0) {
        snprintf(err, errlen, "cannot create %s: %s", name, strerror(errno));
        if (fd >= 0)
            close(fd);
        return LC_EIO;
    }
    close(fd);
    return LC_OK;
}

/* Loads every segment into l (tree, offsets, segs), cutting a torn tail of
 * the last one. */
static enum lc_err recover(struct lc_seglog *l, char *err, size_t errlen)
{
    uint64_t *firsts = NULL;
    size_t n = 0;
    enum lc_err rc = list_segments(l->dirfd, &firsts, &n, err, errlen);
    if (rc == LC_OK && n == 0) {
        free(firsts);
        firsts = NULL;
        if ((rc = create_segment(l, err, errlen)) == LC_OK)
            rc = list_segments(l->dirfd, &firsts, &n, err, errlen);
    }
    if (rc == LC_OK && !(l->segs = calloc(n, sizeof *l->segs)))
        rc = LC_ENOMEM;
    struct spans sp = {0};
    for (size_t i = 0; rc == LC_OK && i < n; i++) {
        struct mapped m;
        struct seg_check c = {0};
        bool last = i + 1 == n;
        rc = map_segment(l->dirfd, firsts[i], O_RDWR, &m, err, errlen);
        if (m.fd >= 0) { /* closed with the log */
            l->segs[i] = (struct seg){firsts[i], m.fd};
            l->segs_cap = l->nsegs = i + 1;
        }
        if (rc == LC_OK) {
            sp.base = m.map;
            sp.n = 0;
            rc = check_segment(&m, firsts[i], l->size, last, collect, &sp, &c, err, errlen);
            bool keep = rc == LC_OK || (rc == LC_ECORRUPT && last && c.torn);
            if (sp.oom)
                rc = LC_ENOMEM;
            else if (keep) {
                enum lc_err r2 = load_spans(&sp, l->tree, l, (uint32_t)i);
                if (r2 != LC_OK)
                    rc = r2;
            }
        }
        unmap(&m);
        if (rc == LC_ECORRUPT && last && c.torn)
            rc = cut_tail(m.fd, c.good, "torn tail", err, errlen);
        else if (rc == LC_OK && c.padded && last)
            rc = cut_tail(m.fd, c.good, "preallocated tail", err, errlen);
        else if (rc == LC_OK && c.padded) {
            char name[SEG_NAME_LEN + 1];
            seg_name(name, firsts[i]);
            snprintf(err, errlen, "%s offset %zu: record %llu: zeros after the last record of a "
                     "closed segment", name, c.good, (unsigned long long)l->size);
            rc = LC_ECORRUPT;
        }
        if (rc == LC_OK && last) {
            l->cur_fd = m.fd;
            l->cur_seg = (uint32_t)i;
            l->pos = l->prealloc = c.good;
        }
    }
    spans_free(&sp);
    free(firsts);
    return rc;
}

static enum lc_err open_keys(struct lc_seglog *l, char *err, size_t errlen)
{
    l->keys_fd = openat(l->dirfd, "keys.dat", O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    struct stat st;
    if (l->keys_fd < 0 || fstat(l->keys_fd, &st) != 0) {
        snprintf(err, errlen, "keys.dat: %s", strerror(errno));
        return LC_EIO;
    }
    /* slots past the log are from records never acknowledged (or zeros) */
    uint64_t want = l->size * KEY;
    if ((uint64_t)st.st_size > want &&
        (ftruncate(l->keys_fd, (off_t)want) != 0 || fsync(l->keys_fd) != 0)) {
        snprintf(err, errlen, "keys.dat: cannot cut: %s", strerror(errno));
        return LC_EIO;
    }
    if (fsync(l->dirfd) != 0) { /* keys.dat may be new */
        snprintf(err, errlen, "cannot sync the log directory: %s", strerror(errno));
        return LC_EIO;
    }
    l->keys_prealloc = (uint64_t)st.st_size > want ? want : (uint64_t)st.st_size;
    return LC_OK;
}

/* Opens dir, creating it (and syncing its parent) if needed, and locks it
 * (exclusive for the writer, shared for a verifier). */
static enum lc_err open_dir(const char *dir, bool create, bool exclusive, int *out, char *err,
                            size_t errlen)
{
    if (create && mkdir(dir, 0750) == 0) {
        char parent[4096];
        snprintf(parent, sizeof parent, "%s/..", dir);
        int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (pfd >= 0) {
            int r = fsync(pfd);
            close(pfd);
            if (r != 0) {
                snprintf(err, errlen, "cannot sync the parent of %s", dir);
                return LC_EIO;
            }
        }
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return errno == ENOENT ? LC_ENOTFOUND : LC_EIO;
    }
    if (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
        snprintf(err, errlen, "%s: the log is open for writing elsewhere", dir);
        close(fd);
        return LC_EBUSY;
    }
    *out = fd;
    return LC_OK;
}

enum lc_err lc_seglog_open(const char *dir, const struct lc_seglog_opts *o,
                           struct lc_seglog **out, char *err, size_t errlen)
{
    char scratch[8];
    if (!err || !errlen) {
        err = scratch;
        errlen = sizeof scratch;
    }
    if (!dir || !out)
        return LC_EINVAL;
    struct lc_seglog *l = calloc(1, sizeof *l);
    if (!l)
        return LC_ENOMEM;
    l->dirfd = l->keys_fd = l->cur_fd = -1;
    l->seg_limit = o && o->segment_bytes ? o->segment_bytes : DEFAULT_SEGMENT;
    pthread_mutex_init(&l->mu, NULL);
    pthread_mutex_init(&l->tmu, NULL);
    pthread_cond_init(&l->tcv, NULL);
    enum lc_err rc = lc_merkle_new(&l->tree);
    struct group *q = rc == LC_OK ? calloc(1, sizeof *q) : NULL;
    if (q)
        group_open(l, q);
    else if (rc == LC_OK)
        rc = LC_ENOMEM;
    if (rc == LC_OK)
        rc = open_dir(dir, true, true, &l->dirfd, err, errlen);
    if (rc == LC_OK)
        rc = recover(l, err, errlen);
    if (rc == LC_OK)
        rc = open_keys(l, err, errlen);
    if (rc != LC_OK) {
        l->failed = true; /* close must not touch the files */
        lc_seglog_close(l);
        return rc;
    }
    l->next_index = l->size;
    atomic_store(&l->durable, l->size);
    *out = l;
    return LC_OK;
}

void lc_seglog_close(struct lc_seglog *l)
{
    if (!l)
        return;
    while (atomic_load(&l->inflight) > 0)
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    keysync_stop(l->ks);
    if (!l->failed && l->cur_fd >= 0) { /* leave no preallocated zeros behind */
        if (ftruncate(l->cur_fd, (off_t)l->pos) == 0)
            (void)!fdatasync(l->cur_fd);
        if (l->keys_fd >= 0 && l->keys_prealloc > l->size * KEY &&
            ftruncate(l->keys_fd, (off_t)(l->size * KEY)) == 0)
            (void)!fdatasync(l->keys_fd);
    }
    for (size_t i = 0; i < l->nsegs; i++)
        close(l->segs[i].fd);
    if (l->keys_fd >= 0)
        close(l->keys_fd);
    if (l->dirfd >= 0)
        close(l->dirfd); /* drops the lock */
    free(l->segs);
    free(l->locs);
    lc_merkle_free(l->tree);
    group_free(l->q);
    while (l->free_groups) {
        struct group *g = l->free_groups;
        l->free_groups = g->next_free;
        group_free(g);
    }
    pthread_cond_destroy(&l->tcv);
    pthread_mutex_destroy(&l->tmu);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

enum lc_err lc_seglog_verify_dir(const char *dir, uint64_t *size, uint8_t root[LC_HASH_LEN],
                                 uint64_t *bad_index, char *err, size_t errlen)
{
    char scratch[8];
    if (!err || !errlen) {
        err = scratch;
        errlen = sizeof scratch;
    }
    if (!dir)
        return LC_EINVAL;
    int dirfd = -1;
    uint64_t *firsts = NULL, expected = 0, bad = 0;
    size_t n = 0;
    struct lc_merkle *tree = NULL;
    struct spans sp = {0};
    enum lc_err rc = open_dir(dir, false, false, &dirfd, err, errlen);
    if (rc == LC_OK)
        rc = list_segments(dirfd, &firsts, &n, err, errlen);
    if (rc == LC_OK)
        rc = lc_merkle_new(&tree);
    for (size_t i = 0; rc == LC_OK && i < n; i++) {
        struct mapped m;
        struct seg_check c = {0};
        sp.n = 0;
        if ((rc = map_segment(dirfd, firsts[i], O_RDONLY, &m, err, errlen)) == LC_OK) {
            sp.base = m.map;
            rc = check_segment(&m, firsts[i], expected, i + 1 == n, collect, &sp, &c, err,
                               errlen);
        }
        if (sp.oom)
            rc = LC_ENOMEM;
        else if (rc == LC_OK)
            rc = load_spans(&sp, tree, NULL, 0);
        unmap(&m);
        if (m.fd >= 0)
            close(m.fd);
        if (rc == LC_ECORRUPT)
            bad = c.bad;
        else if (rc == LC_OK && c.padded && i + 1 < n) {
            char name[SEG_NAME_LEN + 1];
            seg_name(name, firsts[i]);
            bad = lc_merkle_size(tree);
            snprintf(err, errlen, "%s offset %zu: record %llu: zeros after the last record of a "
                     "closed segment", name, c.good, (unsigned long long)lc_merkle_size(tree));
            rc = LC_ECORRUPT;
        }
        expected = lc_merkle_size(tree);
    }
    if (rc == LC_ECORRUPT && bad_index)
        *bad_index = bad;
    if (rc == LC_OK) {
        if (size)
            *size = lc_merkle_size(tree);
        if (root)
            rc = lc_merkle_root(tree, lc_merkle_size(tree), root);
    }
    spans_free(&sp);
    lc_merkle_free(tree);
    free(firsts);
    if (dirfd >= 0)
        close(dirfd);
    return rc;
}
