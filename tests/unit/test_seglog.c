/* test_seglog.c -- unit tests for src/archive/seglog.c, the archive's
 * append-only log: frames and CRC-32C, appends and reads, keys, segment
 * roll-over, group commit from many threads, the Merkle tree it keeps,
 * torn-tail recovery, tamper detection byte by byte, and fail-stop.
 *
 * Each test works in its own fresh directory under $TMPDIR (or /tmp).  The
 * tamper tests lay out a closed log, learn where every record's frame is by
 * decoding the untouched files, then damage one thing at a time and check
 * that the verifier (and open) name exactly the first damaged record. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "archive/merkle.h"
#include "archive/seglog.h"
#include "archive/seglog_test.h"

#define HEAD LC_SEGLOG_FRAME_HEAD

/* ---- helpers ------------------------------------------------------------- */

struct fx {
    char dir[256];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%s/test_seglog.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir))
        return -1;
    *state = f;
    return 0;
}

static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static int teardown(void **state)
{
    struct fx *f = *state;
    rm_tree(f->dir);
    free(f);
    return 0;
}

/* Deterministic payload for record seed s: 1..max bytes of printable text
 * that name s, so a misplaced record cannot read back as the right one. */
static size_t payload(uint64_t s, size_t max, char *buf)
{
    uint64_t x = s * 0x9E3779B97F4A7C15ull + 12345;
    x ^= x >> 29;
    size_t len = 12 + (size_t)(x % (max > 12 ? max - 11 : 1));
    int k = snprintf(buf, len + 1, "rec-%llu-", (unsigned long long)s);
    for (size_t i = (size_t)k; i < len; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        buf[i] = (char)('a' + (x >> 59) % 26);
    }
    return len;
}

static struct lc_seglog *open_log(const char *dir, uint64_t seg_bytes)
{
    struct lc_seglog *l = NULL;
    struct lc_seglog_opts o = {seg_bytes};
    char err[256] = "";
    enum lc_err rc = lc_seglog_open(dir, &o, &l, err, sizeof err);
    if (rc != LC_OK)
        fail_msg("open %s: %s: %s", dir, lc_err_name(rc), err);
    return l;
}

/* Appends records seeds [from, from+n) one call each, checking indexes. */
static void append_range(struct lc_seglog *l, uint64_t from, uint64_t n, size_t max)
{
    char buf[4096];
    for (uint64_t s = from; s < from + n; s++) {
        struct lc_seglog_rec r = {buf, payload(s, max, buf), NULL};
        uint64_t idx = 99999;
        assert_int_equal(lc_seglog_append(l, &r, 1, &idx), LC_OK);
        assert_int_equal(idx, s);
    }
}

static void check_range(struct lc_seglog *l, uint64_t from, uint64_t n, size_t max)
{
    char want[4096];
    for (uint64_t s = from; s < from + n; s++) {
        uint8_t *got = NULL;
        size_t len = 0, wl = payload(s, max, want);
        assert_int_equal(lc_seglog_read(l, s, &got, &len), LC_OK);
        assert_int_equal(len, wl);
        assert_memory_equal(got, want, wl);
        free(got);
    }
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(len ? (size_t)len : 1);
    assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return b;
}

static void spit(const char *path, const uint8_t *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
}

static off_t file_size(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_size;
}

static void seg_path(char *out, size_t n, const char *dir, uint64_t first)
{
    snprintf(out, n, "%s/seg-%016llx.log", dir, (unsigned long long)first);
}

/* Names of the segment files, sorted. */
static size_t segments(const char *dir, uint64_t *firsts, size_t max)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        unsigned long long v;
        char tail[8];
        if (strlen(e->d_name) == 24 && sscanf(e->d_name, "seg-%16llx%4s", &v, tail) == 2 &&
            !strcmp(tail, ".log") && n < max)
            firsts[n++] = v;
    }
    closedir(d);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && firsts[j - 1] > firsts[j]; j--) {
            uint64_t t = firsts[j];
            firsts[j] = firsts[j - 1];
            firsts[j - 1] = t;
        }
    return n;
}

static void expect_verify_ok(const char *dir, uint64_t size, const uint8_t root[LC_HASH_LEN])
{
    uint64_t n = 0, bad = 0;
    uint8_t r[LC_HASH_LEN];
    char err[256] = "";
    enum lc_err rc = lc_seglog_verify_dir(dir, &n, r, &bad, err, sizeof err);
    if (rc != LC_OK)
        fail_msg("verify: %s: %s", lc_err_name(rc), err);
    assert_int_equal(n, size);
    if (root)
        assert_memory_equal(r, root, LC_HASH_LEN);
}

/* ---- CRC and the frame decoder ----------------------------------------- */

static uint32_t crc_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    }
    return ~c;
}

static void crc32c_matches_reference_on_both_paths(void **state)
{
    (void)state;
    assert_int_equal(crc_bitwise((const uint8_t *)"123456789", 9), 0xE3069283u);
    uint8_t buf[1100];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 131 + 7);
    for (int table = 0; table <= 1; table++) {
        lc_seglog_test_crc_table(table);
        assert_int_equal(lc_seglog_test_crc32c("123456789", 9), 0xE3069283u);
        for (size_t off = 0; off < 9; off++)
            for (size_t n = 0; n < 1024; n += 1 + n / 7)
                assert_int_equal(lc_seglog_test_crc32c(buf + off, n), crc_bitwise(buf + off, n));
    }
    lc_seglog_test_crc_table(0);
}

/* Builds a frame by hand, from the spec rather than from seglog.c. */
static size_t make_frame(uint8_t *f, uint64_t idx, const char *payload_s)
{
    uint32_t len = (uint32_t)strlen(payload_s);
    memcpy(f, "LCR1", 4);
    for (int i = 0; i < 8; i++)
        f[4 + i] = (uint8_t)(idx >> (8 * i));
    for (int i = 0; i < 4; i++)
        f[12 + i] = (uint8_t)(len >> (8 * i));
    memcpy(f + HEAD, payload_s, len);
    uint8_t tmp[512];
    memcpy(tmp, f + 4, 12);
    memcpy(tmp + 12, payload_s, len);
    uint32_t c = crc_bitwise(tmp, 12 + len);
    for (int i = 0; i < 4; i++)
        f[16 + i] = (uint8_t)(c >> (8 * i));
    return HEAD + len;
}

struct seen {
    uint64_t idx[16];
    size_t n;
    size_t stop_after;
};

static int note(void *ctx, uint64_t idx, const uint8_t *p, size_t len)
{
    struct seen *s = ctx;
    (void)p;
    (void)len;
    s->idx[s->n++] = idx;
    return s->stop_after && s->n >= s->stop_after;
}

static enum lc_err decode(const uint8_t *b, size_t n, uint64_t first, struct seen *s,
                          size_t *good, uint64_t *bad, char *err)
{
    return lc_seglog_decode(b, n, first, note, s, good, bad, err, 200);
}

static void decode_accepts_hand_made_frames_and_zero_padding(void **state)
{
    (void)state;
    uint8_t b[512] = {0};
    size_t n = make_frame(b, 7, "hello");
    n += make_frame(b + n, 8, "world!");
    struct seen s = {0};
    size_t good = 0;
    uint64_t bad = 0;
    char err[200];
    assert_int_equal(decode(b, n, 7, &s, &good, &bad, err), LC_OK);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.idx[0], 7);
    assert_int_equal(s.idx[1], 8);
    assert_int_equal(good, n);
    /* zeros after the last frame are preallocated space, not a frame */
    s.n = 0;
    assert_int_equal(decode(b, n + 100, 7, &s, &good, &bad, err), LC_OK);
    assert_int_equal(good, n);
    assert_int_equal(s.n, 2);
    /* a callback can stop early */
    s = (struct seen){.stop_after = 1};
    assert_int_equal(decode(b, n, 7, &s, &good, &bad, err), LC_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(good, HEAD + 5);
    /* empty input */
    s = (struct seen){0};
    assert_int_equal(decode(b, 0, 3, &s, &good, &bad, err), LC_OK);
    assert_int_equal(good, 0);
}

static void decode_rejects_bad_magic_length_index_and_checksum(void **state)
{
    (void)state;
    uint8_t b[512] = {0}, c[512];
    size_t f1 = make_frame(b, 0, "first");
    size_t n = f1 + make_frame(b + f1, 1, "second");
    struct seen s;
    size_t good;
    uint64_t bad;
    char err[200];
    struct {
        size_t at;
        uint8_t val;
        const char *why;
    } cases[] = {
        {f1 + 0, 'X', "bad magic"},
        {f1 + 12, 0, "bad length"},              /* length 6 -> 0 */
        {f1 + 14, 0x10, "bad length"},           /* 6 + 1 MiB: over the cap */
        {f1 + 13, 0x01, "past the end"},         /* 262 bytes: runs off the buffer */
        {f1 + 4, 5, "wrong index"},              /* index 1 -> 5 */
        {f1 + 16, 0xAA, "checksum mismatch"},    /* CRC byte */
        {f1 + HEAD + 2, 'X', "checksum mismatch"} /* payload byte */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        memcpy(c, b, n);
        c[cases[k].at] = cases[k].val;
        s = (struct seen){0};
        good = 0;
        bad = 0;
        assert_int_equal(decode(c, n, 0, &s, &good, &bad, err), LC_ECORRUPT);
        assert_int_equal(bad, 1);
        assert_int_equal(good, f1);
        assert_int_equal(s.n, 1);
        if (!strstr(err, cases[k].why) || !strstr(err, "record 1"))
            fail_msg("case %zu: %s", k, err);
    }
    /* first index other than the segment's: wrong index at record 5 */
    s = (struct seen){0};
    assert_int_equal(decode(b, n, 5, &s, &good, &bad, err), LC_ECORRUPT);
    assert_int_equal(bad, 5);
    assert_int_equal(good, 0);
    /* a frame cut short, and a short header */
    assert_int_equal(decode(b, n - 1, 0, &s, &good, &bad, err), LC_ECORRUPT);
    assert_int_equal(bad, 1);
    assert_int_equal(decode(b, f1 + 7, 0, &s, &good, &bad, err), LC_ECORRUPT);
    assert_int_equal(bad, 1);
}

/* ---- appends, reads, keys ------------------------------------------------ */

static void append_read_roundtrip_with_keys(void **state)
{
    struct fx *f = *state;
    struct lc_seglog *l = open_log(f->dir, 0);
    uint8_t key[LC_SEGLOG_KEY_LEN], got_key[LC_SEGLOG_KEY_LEN];
    for (int i = 0; i < LC_SEGLOG_KEY_LEN; i++)
        key[i] = (uint8_t)(i + 1);
    struct lc_seglog_rec recs[3] = {
        {"alpha", 5, NULL}, {"beta-with-key", 13, key}, {"gamma", 5, NULL}};
    uint64_t first = 77;
    assert_int_equal(lc_seglog_size(l), 0);
    assert_int_equal(lc_seglog_append(l, recs, 3, &first), LC_OK);
    assert_int_equal(first, 0);
    assert_int_equal(lc_seglog_size(l), 3);
    uint8_t *p = NULL;
    size_t n = 0;
    assert_int_equal(lc_seglog_read(l, 1, &p, &n), LC_OK);
    assert_int_equal(n, 13);
    assert_memory_equal(p, "beta-with-key", 13);
    free(p);
    assert_int_equal(lc_seglog_read(l, 3, &p, &n), LC_ENOTFOUND);

    assert_int_equal(lc_seglog_key(l, 0, got_key), LC_ENOTFOUND);
    assert_int_equal(lc_seglog_key(l, 1, got_key), LC_OK);
    assert_memory_equal(got_key, key, sizeof key);
    assert_int_equal(lc_seglog_key(l, 3, got_key), LC_ENOTFOUND);

    /* bad records append nothing */
    uint8_t zero_key[LC_SEGLOG_KEY_LEN] = {0};
    char *big = calloc(1, LC_SEGLOG_MAX_RECORD + 1);
    struct lc_seglog_rec bad_len0 = {"x", 0, NULL}, bad_big = {big, LC_SEGLOG_MAX_RECORD + 1, NULL},
                         bad_key = {"x", 1, zero_key}, max_ok = {big, LC_SEGLOG_MAX_RECORD, NULL};
    struct lc_seglog_rec mixed[2] = {{"fine", 4, NULL}, bad_big};
    assert_int_equal(lc_seglog_append(l, &bad_len0, 1, &first), LC_EINVAL);
    assert_int_equal(lc_seglog_append(l, &bad_big, 1, &first), LC_ETOOBIG);
    assert_int_equal(lc_seglog_append(l, mixed, 2, &first), LC_ETOOBIG);
    assert_int_equal(lc_seglog_append(l, &bad_key, 1, &first), LC_EINVAL);
    assert_int_equal(lc_seglog_append(l, recs, 0, &first), LC_EINVAL);
    assert_int_equal(lc_seglog_size(l), 3);
    /* the cap itself is fine */
    memset(big, 'm', LC_SEGLOG_MAX_RECORD);
    assert_int_equal(lc_seglog_append(l, &max_ok, 1, &first), LC_OK);
    assert_int_equal(first, 3);
    assert_int_equal(lc_seglog_read(l, 3, &p, &n), LC_OK);
    assert_int_equal(n, LC_SEGLOG_MAX_RECORD);
    assert_memory_equal(p, big, n);
    free(p);
    free(big);

    /* crypto-shredding: the slot is gone, also after reopening */
    assert_int_equal(lc_seglog_key_destroy(l, 1), LC_OK);
    assert_int_equal(lc_seglog_key(l, 1, got_key), LC_ENOTFOUND);
    assert_int_equal(lc_seglog_key_destroy(l, 1), LC_OK);
    assert_int_equal(lc_seglog_key_destroy(l, 9), LC_ENOTFOUND);
    struct lc_seglog_rec again = {"delta", 5, key};
    assert_int_equal(lc_seglog_append(l, &again, 1, &first), LC_OK);
    assert_int_equal(first, 4);
    lc_seglog_close(l);

    l = open_log(f->dir, 0);
    assert_int_equal(lc_seglog_size(l), 5);
    assert_int_equal(lc_seglog_key(l, 1, got_key), LC_ENOTFOUND);
    assert_int_equal(lc_seglog_key(l, 4, got_key), LC_OK);
    assert_memory_equal(got_key, key, sizeof key);
    assert_int_equal(lc_seglog_read(l, 4, &p, &n), LC_OK);
    assert_memory_equal(p, "delta", 5);
    free(p);
    lc_seglog_close(l);
    lc_seglog_close(NULL);
}

static void reopen_keeps_records_root_and_continues(void **state)
{
    struct fx *f = *state;
    struct lc_seglog *l = open_log(f->dir, 0);
    append_range(l, 0, 60, 300);
    uint64_t size;
    uint8_t root[LC_HASH_LEN], root2[LC_HASH_LEN];
    lc_seglog_head(l, &size, root);
    assert_int_equal(size, 60);
    lc_seglog_close(l);

    l = open_log(f->dir, 0);
    assert_int_equal(lc_seglog_size(l), 60);
    lc_seglog_head(l, &size, root2);
    assert_memory_equal(root, root2, LC_HASH_LEN);
    check_range(l, 0, 60, 300);
    append_range(l, 60, 40, 300);
    check_range(l, 0, 100, 300);
    lc_seglog_head(l, &size, root);
    lc_seglog_close(l);
    expect_verify_ok(f->dir, 100, root);
}

static void second_writer_and_verifier_are_refused_while_open(void **state)
{
    struct fx *f = *state;
    struct lc_seglog *l = open_log(f->dir, 0), *l2 = NULL;
    char err[256];
    uint64_t n, bad;
    uint8_t root[LC_HASH_LEN];
    assert_int_equal(lc_seglog_open(f->dir, NULL, &l2, err, sizeof err), LC_EBUSY);
    assert_null(l2);
    assert_int_equal(lc_seglog_verify_dir(f->dir, &n, root, &bad, err, sizeof err), LC_EBUSY);
    lc_seglog_close(l);
    expect_verify_ok(f->dir, 0, NULL);
}

struct counter {
    uint64_t next;
    uint64_t n;
};

static int count_rec(void *ctx, uint64_t idx, const uint8_t *p, size_t len)
{
    struct counter *c = ctx;
    (void)p;
    (void)len;
    assert_int_equal(idx, c->next);
    c->next++;
    c->n++;
    return 0;
}

static void segments_roll_over_past_segment_bytes(void **state)
{
    struct fx *f = *state;
    const uint64_t limit = 700;
    struct lc_seglog *l = open_log(f->dir, limit);
    append_range(l, 0, 150, 200);
    /* a batch that itself spans several segments */
    char bufs[40][256];
    struct lc_seglog_rec recs[40];
    for (int i = 0; i < 40; i++)
        recs[i] = (struct lc_seglog_rec){bufs[i], payload(150 + (uint64_t)i, 200, bufs[i]), NULL};
    uint64_t first;
    assert_int_equal(lc_seglog_append(l, recs, 40, &first), LC_OK);
    assert_int_equal(first, 150);
    check_range(l, 0, 190, 200);
    uint8_t root[LC_HASH_LEN];
    lc_seglog_head(l, NULL, root);
    lc_seglog_close(l);

    uint64_t firsts[256];
    size_t ns = segments(f->dir, firsts, 256);
    assert_true(ns > 10);
    assert_int_equal(firsts[0], 0);
    /* each segment holds exactly the records its name says, and every
     * segment but the last has passed the limit only with its last frame */
    char path[512];
    for (size_t i = 0; i < ns; i++) {
        seg_path(path, sizeof path, f->dir, firsts[i]);
        size_t n;
        uint8_t *b = slurp(path, &n);
        struct counter c = {firsts[i], 0};
        size_t good;
        uint64_t bad;
        char err[200];
        uint64_t next = i + 1 < ns ? firsts[i + 1] : 190;
        assert_int_equal(lc_seglog_decode(b, n, firsts[i], count_rec, &c, &good, &bad, err, 200),
                         LC_OK);
        assert_int_equal(c.n, next - firsts[i]);
        assert_int_equal(good, n);
        if (i + 1 < ns) {
            assert_true(n >= limit);
            /* without its last frame it was still under the limit */
            char last[256];
            size_t ll = payload(next - 1, 200, last);
            assert_true(n - (HEAD + ll) < limit);
        }
        free(b);
    }
    l = open_log(f->dir, limit);
    assert_int_equal(lc_seglog_size(l), 190);
    check_range(l, 0, 190, 200);
    append_range(l, 190, 10, 200);
    lc_seglog_head(l, NULL, root);
    lc_seglog_close(l);
    expect_verify_ok(f->dir, 200, root);
}

/* ---- concurrency ------------------------------------------------------------ */

#define THREADS 8
#define PER_THREAD 300

struct worker {
    struct lc_seglog *l;
    int id;
    uint64_t idx[PER_THREAD];
    uint64_t seed[PER_THREAD];
    int failures;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    char bufs[3][512];
    for (int i = 0; i < PER_THREAD;) {
        int k = (i % 7 == 3 && i + 3 <= PER_THREAD) ? 3 : 1; /* some multi-record calls */
        struct lc_seglog_rec r[3];
        for (int j = 0; j < k; j++) {
            w->seed[i + j] = (uint64_t)w->id * 1000000 + (uint64_t)(i + j);
            r[j] = (struct lc_seglog_rec){bufs[j], payload(w->seed[i + j], 400, bufs[j]), NULL};
        }
        uint64_t first;
        if (lc_seglog_append(w->l, r, (size_t)k, &first) != LC_OK) {
            w->failures++;
            return NULL;
        }
        for (int j = 0; j < k; j++)
            w->idx[i + j] = first + (uint64_t)j;
        i += k;
    }
    return NULL;
}

static void concurrent_appends_get_distinct_contiguous_indexes(void **state)
{
    struct fx *f = *state;
    struct lc_seglog *l = open_log(f->dir, 64 * 1024);
    static struct worker w[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){.l = l, .id = i + 1};
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    const uint64_t total = THREADS * PER_THREAD;
    assert_int_equal(lc_seglog_size(l), total);
    uint64_t *owner = calloc(total, sizeof *owner);
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(w[i].failures, 0);
        for (int j = 0; j < PER_THREAD; j++) {
            assert_true(w[i].idx[j] < total);
            assert_int_equal(owner[w[i].idx[j]], 0); /* distinct */
            owner[w[i].idx[j]] = w[i].seed[j] + 1;
            if (j > 0) /* a thread's own records keep their order */
                assert_true(w[i].idx[j] > w[i].idx[j - 1]);
        }
    }
    char want[512];
    for (uint64_t x = 0; x < total; x++) {
        uint8_t *p;
        size_t n;
        size_t wl = payload(owner[x] - 1, 400, want);
        assert_int_equal(lc_seglog_read(l, x, &p, &n), LC_OK);
        assert_int_equal(n, wl);
        assert_memory_equal(p, want, wl);
        free(p);
    }
    struct lc_seglog_stats st;
    lc_seglog_stats(l, &st);
    assert_int_equal(st.appends, total);
    assert_true(st.commits >= 1 && st.commits <= total);
    uint8_t root[LC_HASH_LEN];
    lc_seglog_head(l, NULL, root);
    lc_seglog_close(l);
    expect_verify_ok(f->dir, total, root);
    free(owner);
}

/* ---- the Merkle tree ------------------------------------------------------ */

static void tree_matches_lc_merkle_over_the_same_payloads(void **state)
{
    struct fx *f = *state;
    struct lc_seglog *l = open_log(f->dir, 4096);
    struct lc_merkle *t;
    assert_int_equal(lc_merkle_new(&t), LC_OK);
    const uint64_t total = 77;
    append_range(l, 0, total, 150);
    char buf[256];
    for (uint64_t s = 0; s < total; s++) {
        uint8_t leaf[LC_HASH_LEN];
        lc_merkle_leaf_hash(buf, payload(s, 150, buf), leaf);
        assert_int_equal(lc_merkle_append(t, leaf), LC_OK);
    }
    uint8_t a[LC_HASH_LEN], b[LC_HASH_LEN];
    uint8_t pa[LC_MERKLE_MAX_PROOF][LC_HASH_LEN], pb[LC_MERKLE_MAX_PROOF][LC_HASH_LEN];
    size_t na, nb;
    uint64_t size;
    lc_seglog_head(l, &size, a);
    assert_int_equal(size, total);
    assert_int_equal(lc_merkle_root(t, total, b), LC_OK);
    assert_memory_equal(a, b, LC_HASH_LEN);
    for (uint64_t n = 0; n <= total; n += 1 + n / 5) {
        assert_int_equal(lc_seglog_root(l, n, a), LC_OK);
        assert_int_equal(lc_merkle_root(t, n, b), LC_OK);
        assert_memory_equal(a, b, LC_HASH_LEN);
    }
    assert_int_equal(lc_seglog_root(l, total + 1, a), LC_EINVAL);
    for (uint64_t n = 1; n <= total; n += 1 + n / 3) {
        for (uint64_t i = 0; i < n; i += 1 + i / 2) {
            assert_int_equal(lc_seglog_inclusion(l, i, n, pa, &na), LC_OK);
            assert_int_equal(lc_merkle_inclusion(t, i, n, pb, &nb), LC_OK);
            assert_int_equal(na, nb);
            assert_memory_equal(pa, pb, na * LC_HASH_LEN);
            uint8_t root[LC_HASH_LEN];
            assert_int_equal(lc_seglog_root(l, n, root), LC_OK);
            assert_int_equal(
                lc_merkle_verify_inclusion(i, n, lc_merkle_leaf(t, i),
                                           (const uint8_t(*)[LC_HASH_LEN])pa, na, root),
                LC_OK);
        }
        for (uint64_t m = 1; m <= n; m += 1 + m / 2) {
            assert_int_equal(lc_seglog_consistency(l, m, n, pa, &na), LC_OK);
            assert_int_equal(lc_merkle_consistency(t, m, n, pb, &nb), LC_OK);
            assert_int_equal(na, nb);
            assert_memory_equal(pa, pb, na * LC_HASH_LEN);
        }
    }
    assert_int_equal(lc_seglog_inclusion(l, 0, total + 1, pa, &na), LC_EINVAL);
    assert_int_equal(lc_seglog_consistency(l, 1, total + 1, pa, &na), LC_EINVAL);
    lc_merkle_free(t);
    lc_seglog_close(l);
}

/* ---- torn tails ---------------------------------------------------------- */

static void torn_tail_cut_mid_frame_is_cut_on_open(void **state)
{
    struct fx *f = *state;
    struct lc_seglog *l = open_log(f->dir, 0);
    append_range(l, 0, 20, 100);
    lc_seglog_close(l);
    char path[512];
    seg_path(path, sizeof path, f->dir, 0);
    off_t full = file_size(path);
    char last[256];
    size_t ll = payload(19, 100, last);
    off_t boundary = full - (off_t)(HEAD + ll);
    /* every cut point inside the last frame: verify reports it, open cuts it */
    for (off_t cut = boundary + 1; cut < full; cut += 3) {
        assert_int_equal(truncate(path, cut), 0);
        uint64_t n, bad = 0;
        char err[256];
        assert_int_equal(lc_seglog_verify_dir(f->dir, &n, NULL, &bad, err, sizeof err),
                         LC_ECORRUPT);
        assert_int_equal(bad, 19);
        l = open_log(f->dir, 0);
        assert_int_equal(lc_seglog_size(l), 19);
        assert_int_equal(file_size(path), boundary);
        append_range(l, 19, 1, 100); /* the same record again, at its index */
        lc_seglog_close(l);
        assert_int_equal(file_size(path), full);
    }
    l = open_log(f->dir, 0);
    check_range(l, 0, 20, 100);
    lc_seglog_close(l);
    expect_verify_ok(f->dir, 20, NULL);
}

static void torn_tail_garbage_or_zeros_after_last_frame_is_cut(void **state)
{
    struct fx *f = *state;
    struct lc_seglog *l = open_log(f->dir, 0);
    append_range(l, 0, 10, 100);
    lc_seglog_close(l);
    char path[512];
    seg_path(path, sizeof path, f->dir, 0);
    off_t full = file_size(path);

    /* garbage: verify names record 10 (the next), open cuts it */
    FILE *fp = fopen(path, "ab");
    for (int i = 0; i < 37; i++)
        fputc(0x5A ^ i, fp);
    fclose(fp);
    uint64_t n, bad = 0;
    char err[256];
    assert_int_equal(lc_seglog_verify_dir(f->dir, &n, NULL, &bad, err, sizeof err), LC_ECORRUPT);
    assert_int_equal(bad, 10);
    l = open_log(f->dir, 0);
    assert_int_equal(lc_seglog_size(l), 10);
    assert_int_equal(file_size(path), full);
    append_range(l, 10, 5, 100);
    lc_seglog_close(l);
    full = file_size(path);

    /* a frame header with a plausible length but nothing after it */
    fp = fopen(path, "ab");
    fwrite("LCR1\x0f\0\0\0\0\0\0\0\x40\0\0\0\1\2\3\4", 1, 20, fp);
    fclose(fp);
    l = open_log(f->dir, 0);
    assert_int_equal(lc_seglog_size(l), 15);
    assert_int_equal(file_size(path), full);
    lc_seglog_close(l);

    /* zeros (what a crashed writer leaves preallocated) are no damage */
    fp = fopen(path, "ab");
    for (int i = 0; i < 5000; i++)
        fputc(0, fp);
    fclose(fp);
    expect_verify_ok(f->dir, 15, NULL);
    l = open_log(f->dir, 0);
    assert_int_equal(lc_seglog_size(l), 15);
    assert_int_equal(file_size(path), full);
    append_range(l, 15, 3, 100);
    check_range(l, 0, 18, 100);
    lc_seglog_close(l);
    expect_verify_ok(f->dir, 18, NULL);
}

/* ---- tamper --------------------------------------------------------------- */

struct layout { /* where each record of a closed log lies */
    size_t nseg;
    uint64_t first[64];
    char path[64][512];
    uint8_t *orig[64];
    size_t len[64];
    uint64_t *rec_of[64]; /* record index of each byte */
    uint64_t total;
};

struct mapctx {
    struct layout *ly;
    size_t seg;
    const uint8_t *base;
};

static int map_rec(void *ctx, uint64_t idx, const uint8_t *p, size_t len)
{
    struct mapctx *m = ctx;
    size_t off = (size_t)(p - m->base) - HEAD;
    for (size_t i = off; i < off + HEAD + len; i++)
        m->ly->rec_of[m->seg][i] = idx;
    m->ly->total = idx + 1;
    return 0;
}

static void layout_load(const char *dir, struct layout *ly)
{
    memset(ly, 0, sizeof *ly);
    ly->nseg = segments(dir, ly->first, 64);
    for (size_t s = 0; s < ly->nseg; s++) {
        seg_path(ly->path[s], sizeof ly->path[s], dir, ly->first[s]);
        ly->orig[s] = slurp(ly->path[s], &ly->len[s]);
        ly->rec_of[s] = calloc(ly->len[s] + 1, sizeof(uint64_t));
        struct mapctx m = {ly, s, ly->orig[s]};
        size_t good;
        uint64_t bad;
        char err[200];
        assert_int_equal(lc_seglog_decode(ly->orig[s], ly->len[s], ly->first[s], map_rec, &m,
                                          &good, &bad, err, sizeof err),
                         LC_OK);
        assert_int_equal(good, ly->len[s]);
    }
}

static void layout_free(struct layout *ly)
{
    for (size_t s = 0; s < ly->nseg; s++) {
        free(ly->orig[s]);
        free(ly->rec_of[s]);
    }
}

/* Verify must fail naming want; open must fail too, unless tail_ok (no
 * intact record follows the damage): then open may cut it as a torn tail,
 * keeping exactly the records before want. */
static void expect_detected(const char *dir, uint64_t want, bool tail_ok, const char *what)
{
    uint64_t n = 0, bad = UINT64_MAX;
    char err[256] = "";
    enum lc_err rc = lc_seglog_verify_dir(dir, &n, NULL, &bad, err, sizeof err);
    if (rc != LC_ECORRUPT || bad != want)
        fail_msg("%s: verify gave %s, bad %llu (want record %llu): %s", what, lc_err_name(rc),
                 (unsigned long long)bad, (unsigned long long)want, err);
    struct lc_seglog *l = NULL;
    rc = lc_seglog_open(dir, NULL, &l, err, sizeof err);
    if (rc == LC_OK) {
        uint64_t size = lc_seglog_size(l);
        lc_seglog_close(l);
        if (!tail_ok || size != want)
            fail_msg("%s: open accepted it with %llu records", what, (unsigned long long)size);
    } else if (rc != LC_ECORRUPT) {
        fail_msg("%s: open gave %s: %s", what, lc_err_name(rc), err);
    } else {
        char needle[64];
        snprintf(needle, sizeof needle, "record %llu", (unsigned long long)want);
        if (!strstr(err, needle) || !strstr(err, "seg-"))
            fail_msg("%s: open's message does not name %s: %s", what, needle, err);
    }
}

static void restore(struct layout *ly, size_t s)
{
    spit(ly->path[s], ly->orig[s], ly->len[s]);
}

static void build_tamper_log(const char *dir, uint64_t seg_bytes)
{
    struct lc_seglog *l = open_log(dir, seg_bytes);
    append_range(l, 0, 50, 40);
    lc_seglog_close(l);
}

static void tamper_every_byte_flip_is_found_at_its_record(void **state)
{
    struct fx *f = *state;
    build_tamper_log(f->dir, 1000); /* three segments of ~45-byte frames */
    struct layout ly;
    layout_load(f->dir, &ly);
    assert_int_equal(ly.total, 50);
    assert_true(ly.nseg >= 3);
    static const uint8_t masks[] = {0xFF, 0x01, 0x80};
    char what[128];
    for (size_t s = 0; s < ly.nseg; s++) {
        uint8_t *b = malloc(ly.len[s]);
        for (size_t i = 0; i < ly.len[s]; i++) {
            for (size_t m = 0; m < sizeof masks; m++) {
                memcpy(b, ly.orig[s], ly.len[s]);
                b[i] ^= masks[m];
                spit(ly.path[s], b, ly.len[s]);
                snprintf(what, sizeof what, "segment %zu byte %zu ^%02x", s, i, masks[m]);
                expect_detected(f->dir, ly.rec_of[s][i], ly.rec_of[s][i] == ly.total - 1, what);
                restore(&ly, s);
            }
        }
        free(b);
    }
    expect_verify_ok(f->dir, 50, NULL);
    layout_free(&ly);
}

static void tamper_cut_spliced_or_swapped_frames_are_found_at_first_record(void **state)
{
    struct fx *f = *state;
    build_tamper_log(f->dir, 0); /* one segment */
    struct layout ly;
    layout_load(f->dir, &ly);
    size_t len = ly.len[0];
    uint8_t *o = ly.orig[0], *b = malloc(len);
    uint64_t *rec = ly.rec_of[0];
    char what[128];
    size_t start[64] = {0}; /* frame offsets */
    for (size_t i = len; i-- > 0;)
        start[rec[i]] = i;
    start[ly.total] = len;
    /* bytes removed from the middle: the rest shifts into record k's place */
    for (size_t a = 1; a + 5 < len; a += 37) {
        for (size_t cut = 1; cut < 60 && a + cut < len; cut += 11) {
            memcpy(b, o, a);
            memcpy(b + a, o + a + cut, len - a - cut);
            spit(ly.path[0], b, len - cut);
            snprintf(what, sizeof what, "bytes [%zu,%zu) removed", a, a + cut);
            expect_detected(f->dir, rec[a], a + cut > start[ly.total - 1], what);
        }
    }
    restore(&ly, 0);
    /* the file cut short in the middle: verify reports the record cut */
    for (size_t at = 7; at < len - 50; at += 97) {
        spit(ly.path[0], o, at);
        uint64_t n, bad = UINT64_MAX;
        char err[256];
        assert_int_equal(lc_seglog_verify_dir(f->dir, &n, NULL, &bad, err, sizeof err),
                         LC_ECORRUPT);
        assert_int_equal(bad, rec[at]);
    }
    /* two whole frames swapped */
    for (uint64_t i = 0; i < ly.total; i += 4) {
        uint64_t j = i + 1 + i % 5;
        if (j >= ly.total)
            break;
        size_t p = 0;
        for (uint64_t k = 0; k < ly.total; k++) {
            uint64_t src = k == i ? j : k == j ? i : k;
            size_t fl = start[src + 1] - start[src];
            memcpy(b + p, o + start[src], fl);
            p += fl;
        }
        assert_int_equal(p, len);
        spit(ly.path[0], b, len);
        snprintf(what, sizeof what, "records %llu and %llu swapped", (unsigned long long)i,
                 (unsigned long long)j);
        expect_detected(f->dir, i, false, what);
    }
    restore(&ly, 0);
    /* a frame replayed right after itself */
    uint8_t *d = malloc(2 * len);
    for (uint64_t k = 3; k < ly.total; k += 11) {
        size_t fl = start[k + 1] - start[k];
        memcpy(d, o, start[k + 1]);
        memcpy(d + start[k + 1], o + start[k], fl);
        memcpy(d + start[k + 1] + fl, o + start[k + 1], len - start[k + 1]);
        spit(ly.path[0], d, len + fl);
        snprintf(what, sizeof what, "record %llu replayed", (unsigned long long)k);
        expect_detected(f->dir, k + 1, false, what);
    }
    free(d);
    restore(&ly, 0);
    expect_verify_ok(f->dir, 50, NULL);
    free(b);
    layout_free(&ly);
}

static void tamper_missing_or_renamed_segment_is_found(void **state)
{
    struct fx *f = *state;
    build_tamper_log(f->dir, 500);
    struct layout ly;
    layout_load(f->dir, &ly);
    assert_true(ly.nseg >= 4);
    /* a middle segment removed: the gap is at its first record */
    assert_int_equal(unlink(ly.path[1]), 0);
    expect_detected(f->dir, ly.first[1], false, "segment 1 removed");
    restore(&ly, 1);
    /* a segment renamed to claim other records */
    char other[512];
    seg_path(other, sizeof other, f->dir, ly.first[2] + 1);
    assert_int_equal(rename(ly.path[2], other), 0);
    expect_detected(f->dir, ly.first[2], false, "segment 2 renamed");
    assert_int_equal(rename(other, ly.path[2]), 0);
    /* zeros appended to a closed (not the last) segment */
    uint8_t *b = calloc(1, ly.len[1] + 100);
    memcpy(b, ly.orig[1], ly.len[1]);
    spit(ly.path[1], b, ly.len[1] + 100);
    expect_detected(f->dir, ly.first[2], false, "zeros after segment 1");
    restore(&ly, 1);
    free(b);
    expect_verify_ok(f->dir, 50, NULL);
    layout_free(&ly);
}

/* ---- fail-stop ------------------------------------------------------------ */

struct stuck {
    struct lc_seglog *l;
    enum lc_err rc;
};

static void *append_one(void *arg)
{
    struct stuck *s = arg;
    struct lc_seglog_rec r = {"late", 4, NULL};
    uint64_t idx;
    s->rc = lc_seglog_append(s->l, &r, 1, &idx);
    return NULL;
}

static void failed_sync_is_fail_stop(void **state)
{
    struct fx *f = *state;
    struct lc_seglog *l = open_log(f->dir, 0);
    append_range(l, 0, 5, 100);
    lc_seglog_test_fail_next_sync();
    struct lc_seglog_rec r = {"doomed", 6, NULL};
    uint64_t idx = 0;
    assert_int_equal(lc_seglog_append(l, &r, 1, &idx), LC_EIO);
    /* and every later one, also from other threads */
    assert_int_equal(lc_seglog_append(l, &r, 1, &idx), LC_EIO);
    struct stuck s[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        s[i] = (struct stuck){l, LC_OK};
        pthread_create(&t[i], NULL, append_one, &s[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(s[i].rc, LC_EIO);
    }
    assert_int_equal(lc_seglog_size(l), 5);
    check_range(l, 0, 5, 100); /* what was durable stays readable */
    uint8_t key[LC_SEGLOG_KEY_LEN];
    assert_int_equal(lc_seglog_key(l, 0, key), LC_ENOTFOUND);
    lc_seglog_close(l);

    /* restart recovers: the unsynced record may be there (it was written),
     * never acknowledged; appends go on after whatever is there */
    l = open_log(f->dir, 0);
    uint64_t n = lc_seglog_size(l);
    assert_true(n == 5 || n == 6);
    check_range(l, 0, 5, 100);
    append_range(l, n, 3, 100);
    lc_seglog_close(l);
    expect_verify_ok(f->dir, n + 3, NULL);
}

static void failed_key_destroy_sync_is_fail_stop(void **state)
{
    struct fx *f = *state;
    struct lc_seglog *l = open_log(f->dir, 0);
    uint8_t key[LC_SEGLOG_KEY_LEN];
    memset(key, 0x42, sizeof key);
    struct lc_seglog_rec r = {"keyed", 5, key};
    uint64_t idx;
    assert_int_equal(lc_seglog_append(l, &r, 1, &idx), LC_OK);
    lc_seglog_test_fail_next_sync();
    assert_int_equal(lc_seglog_key_destroy(l, 0), LC_EIO);
    assert_int_equal(lc_seglog_append(l, &r, 1, &idx), LC_EIO);
    lc_seglog_close(l);
}

static void failed_sync_of_a_keyed_group_is_fail_stop(void **state)
{
    struct fx *f = *state;
    struct lc_seglog *l = open_log(f->dir, 0);
    uint8_t key[LC_SEGLOG_KEY_LEN];
    memset(key, 0x17, sizeof key);
    struct lc_seglog_rec r = {"keyed", 5, key};
    uint64_t idx;
    for (int i = 0; i < 3; i++) /* the key slots sync beside the segment */
        assert_int_equal(lc_seglog_append(l, &r, 1, &idx), LC_OK);
    lc_seglog_test_fail_next_sync(); /* whichever of the two syncs comes first */
    assert_int_equal(lc_seglog_append(l, &r, 1, &idx), LC_EIO);
    assert_int_equal(lc_seglog_append(l, &r, 1, &idx), LC_EIO);
    assert_int_equal(lc_seglog_size(l), 3);
    lc_seglog_close(l);
    l = open_log(f->dir, 0);
    uint8_t got[LC_SEGLOG_KEY_LEN];
    for (uint64_t i = 0; i < 3; i++) {
        assert_int_equal(lc_seglog_key(l, i, got), LC_OK);
        assert_memory_equal(got, key, sizeof key);
    }
    lc_seglog_close(l);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc32c_matches_reference_on_both_paths),
        cmocka_unit_test(decode_accepts_hand_made_frames_and_zero_padding),
        cmocka_unit_test(decode_rejects_bad_magic_length_index_and_checksum),
        T(append_read_roundtrip_with_keys),
        T(reopen_keeps_records_root_and_continues),
        T(second_writer_and_verifier_are_refused_while_open),
        T(segments_roll_over_past_segment_bytes),
        T(concurrent_appends_get_distinct_contiguous_indexes),
        T(tree_matches_lc_merkle_over_the_same_payloads),
        T(torn_tail_cut_mid_frame_is_cut_on_open),
        T(torn_tail_garbage_or_zeros_after_last_frame_is_cut),
        T(tamper_every_byte_flip_is_found_at_its_record),
        T(tamper_cut_spliced_or_swapped_frames_are_found_at_first_record),
        T(tamper_missing_or_renamed_segment_is_found),
        T(failed_sync_is_fail_stop),
        T(failed_key_destroy_sync_is_fail_stop),
        T(failed_sync_of_a_keyed_group_is_fail_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
