/* crash_writer.c -- the process that the crash test (crash_driver.py) kills.
 *
 *   crash_writer write DIR THREADS      appends until killed
 *   crash_writer check DIR ACKS         after a kill: recovery and checks
 *
 * "write" opens the archive log in DIR (recovering whatever the last kill
 * left) and runs THREADS threads appending records whose bytes, size and
 * key are all derived from a random 64-bit seed.  Each acknowledged record
 * is reported on stdout as "A <index> <seed>" by one write(2) of under
 * PIPE_BUF bytes, so a kill never leaves half a line; a key about to be
 * destroyed as "d <index>", and once destroyed as "D <index>".  The driver
 * collects those lines.
 *
 * "check" first verifies the directory as the kill left it (the only
 * damage allowed is a torn tail after every acknowledged record), then
 * opens it, which cuts that tail, and checks every acknowledged record in
 * ACKS (lines as above, from all runs so far) is at its index with the same
 * bytes and key, then closes it and verifies again, which must now pass. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "archive/seglog.h"

#define SEGMENT_BYTES (256u << 10) /* small, so kills land during roll-overs too */
#define MAX_ACKS (1u << 22)

static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* Mostly small records, one in 500 up to ~100 KB. */
static size_t rec_len(uint64_t seed)
{
    uint64_t h = mix(seed);
    return h % 500 == 0 ? 1 + (size_t)(mix(h) % 100000) : 1 + (size_t)(mix(h) % 600);
}

static void rec_bytes(uint64_t seed, uint8_t *p, size_t n)
{
    uint64_t x = mix(seed ^ 0x5555);
    for (size_t i = 0; i < n; i++) {
        if (i % 8 == 0)
            x = mix(x + i);
        p[i] = (uint8_t)(x >> (8 * (i % 8)));
    }
}

/* One record in four has a key. */
static int rec_key(uint64_t seed, uint8_t key[LC_SEGLOG_KEY_LEN])
{
    if (mix(seed ^ 0xABCD) % 4)
        return 0;
    for (int i = 0; i < LC_SEGLOG_KEY_LEN; i += 8) {
        uint64_t v = mix(seed + (uint64_t)i) | 1; /* never all zero */
        memcpy(key + i, &v, 8);
    }
    return 1;
}

static void say(const char *line)
{
    size_t n = strlen(line);
    while (n) {
        ssize_t w = write(1, line, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            _exit(3);
        line += w;
        n -= (size_t)w;
    }
}

struct writer {
    struct lc_seglog *log;
    uint64_t rng;
};

static void *write_loop(void *arg)
{
    struct writer *w = arg;
    uint8_t *bufs[4];
    for (int i = 0; i < 4; i++)
        bufs[i] = malloc(100001);
    uint8_t keys[4][LC_SEGLOG_KEY_LEN];
    for (uint64_t round = 0;; round++) {
        w->rng = mix(w->rng + round);
        size_t n = 1 + (size_t)(w->rng % 7 == 0 ? w->rng % 4 : 0); /* some multi-record calls */
        struct lc_seglog_rec recs[4];
        uint64_t seeds[4];
        for (size_t i = 0; i < n; i++) {
            seeds[i] = mix(w->rng + i + 1);
            size_t len = rec_len(seeds[i]);
            rec_bytes(seeds[i], bufs[i], len);
            recs[i] = (struct lc_seglog_rec){bufs[i], len,
                                             rec_key(seeds[i], keys[i]) ? keys[i] : NULL};
        }
        uint64_t first;
        enum lc_err rc = lc_seglog_append(w->log, recs, n, &first);
        if (rc != LC_OK) {
            fprintf(stderr, "append: %s\n", lc_err_name(rc));
            _exit(2);
        }
        char line[64];
        for (size_t i = 0; i < n; i++) {
            snprintf(line, sizeof line, "A %llu %llu\n", (unsigned long long)(first + i),
                     (unsigned long long)seeds[i]);
            say(line);
        }
        /* now and then shred the key of a record just written */
        if (recs[0].key && w->rng % 5 == 0) {
            snprintf(line, sizeof line, "d %llu\n", (unsigned long long)first);
            say(line); /* intent: a kill may come before "D" */
            if (lc_seglog_key_destroy(w->log, first) != LC_OK)
                _exit(2);
            snprintf(line, sizeof line, "D %llu\n", (unsigned long long)first);
            say(line);
        }
    }
    return NULL;
}

static int do_write(const char *dir, int threads)
{
    struct lc_seglog *log = NULL;
    struct lc_seglog_opts o = {SEGMENT_BYTES};
    char err[256];
    enum lc_err rc = lc_seglog_open(dir, &o, &log, err, sizeof err);
    if (rc != LC_OK) {
        fprintf(stderr, "open: %s: %s\n", lc_err_name(rc), err);
        return 1;
    }
    say("R\n"); /* recovered: the driver may time its kill from here */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    pthread_t t[64];
    struct writer w[64];
    for (int i = 0; i < threads && i < 64; i++) {
        w[i] = (struct writer){log, mix((uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 20) ^
                                        (uint64_t)i * 0x9E3779B97F4A7C15ull)};
        pthread_create(&t[i], NULL, write_loop, &w[i]);
    }
    for (int i = 0; i < threads && i < 64; i++)
        pthread_join(t[i], NULL); /* never: the driver kills us */
    lc_seglog_close(log);
    return 0;
}

struct ack {
    uint64_t idx, seed;
    int destroyed; /* 1: surely, 2: maybe (killed during the destroy) */
};

static int by_idx(const void *a, const void *b)
{
    const struct ack *x = a, *y = b;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static struct ack *load_acks(const char *path, size_t *count)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    struct ack *a = calloc(MAX_ACKS, sizeof *a);
    size_t n = 0;
    char kind;
    unsigned long long idx, seed;
    char line[128];
    /* "D" lines name an index acknowledged earlier in the file */
    while (a && fgets(line, sizeof line, f) && n < MAX_ACKS) {
        if (sscanf(line, "%c %llu %llu", &kind, &idx, &seed) == 3 && kind == 'A')
            a[n++] = (struct ack){idx, seed, 0};
    }
    rewind(f);
    qsort(a, n, sizeof *a, by_idx);
    while (a && fgets(line, sizeof line, f)) {
        if (sscanf(line, "%c %llu", &kind, &idx) == 2 && (kind == 'D' || kind == 'd')) {
            struct ack k = {idx, 0, 0};
            struct ack *hit = bsearch(&k, a, n, sizeof *a, by_idx);
            if (hit && (kind == 'D' || !hit->destroyed))
                hit->destroyed = kind == 'D' ? 1 : 2;
        }
    }
    fclose(f);
    *count = n;
    return a;
}

static int do_check(const char *dir, const char *ack_path)
{
    size_t n = 0;
    struct ack *acks = load_acks(ack_path, &n);
    if (!acks) {
        fprintf(stderr, "cannot read %s\n", ack_path);
        return 1;
    }
    int bad = 0;
    uint64_t top = 0; /* one past the highest acknowledged index */
    for (size_t i = 0; i < n; i++) {
        if (i && acks[i].idx == acks[i - 1].idx) {
            fprintf(stderr, "index %llu acknowledged twice\n", (unsigned long long)acks[i].idx);
            bad = 1;
        }
        if (acks[i].idx + 1 > top)
            top = acks[i].idx + 1;
    }
    /* as the kill left it: at most a torn tail, after every acknowledged record */
    uint64_t size = 0, bad_index = 0;
    uint8_t root[LC_HASH_LEN];
    char err[256] = "";
    enum lc_err rc = lc_seglog_verify_dir(dir, &size, root, &bad_index, err, sizeof err);
    if (rc == LC_ECORRUPT && bad_index < top) {
        fprintf(stderr, "before recovery: damage at acknowledged record %llu: %s\n",
                (unsigned long long)bad_index, err);
        bad = 1;
    } else if (rc != LC_OK && rc != LC_ECORRUPT) {
        fprintf(stderr, "before recovery: verify: %s: %s\n", lc_err_name(rc), err);
        bad = 1;
    }
    int torn = rc == LC_ECORRUPT;

    struct lc_seglog *log = NULL;
    struct lc_seglog_opts o = {SEGMENT_BYTES};
    rc = lc_seglog_open(dir, &o, &log, err, sizeof err);
    if (rc != LC_OK) {
        fprintf(stderr, "recovery: %s: %s\n", lc_err_name(rc), err);
        free(acks);
        return 1;
    }
    uint64_t have = lc_seglog_size(log);
    if (have < top) {
        fprintf(stderr, "recovered %llu records, but %llu were acknowledged\n",
                (unsigned long long)have, (unsigned long long)top);
        bad = 1;
    }
    uint8_t *want = malloc(100001);
    for (size_t i = 0; i < n && !bad; i++) {
        uint8_t *got = NULL, key[LC_SEGLOG_KEY_LEN], wkey[LC_SEGLOG_KEY_LEN];
        size_t len = 0, wlen = rec_len(acks[i].seed);
        rec_bytes(acks[i].seed, want, wlen);
        if (lc_seglog_read(log, acks[i].idx, &got, &len) != LC_OK || len != wlen ||
            memcmp(got, want, wlen) != 0) {
            fprintf(stderr, "record %llu: content differs from what was acknowledged\n",
                    (unsigned long long)acks[i].idx);
            bad = 1;
        }
        free(got);
        int keyed = rec_key(acks[i].seed, wkey);
        rc = lc_seglog_key(log, acks[i].idx, key);
        int present = rc == LC_OK && !memcmp(key, wkey, sizeof key);
        int ok = !keyed || acks[i].destroyed == 1 ? rc == LC_ENOTFOUND
                 : acks[i].destroyed == 2         ? present || rc == LC_ENOTFOUND
                                                  : present;
        if (!ok) {
            fprintf(stderr, "record %llu: key slot wrong (keyed %d destroyed %d: %s)\n",
                    (unsigned long long)acks[i].idx, keyed, acks[i].destroyed, lc_err_name(rc));
            bad = 1;
        }
    }
    free(want);
    lc_seglog_close(log);
    rc = lc_seglog_verify_dir(dir, &size, root, &bad_index, err, sizeof err);
    if (rc != LC_OK || size != have) {
        fprintf(stderr, "after recovery: verify: %s (%llu records, open had %llu): %s\n",
                lc_err_name(rc), (unsigned long long)size, (unsigned long long)have, err);
        bad = 1;
    }
    printf("checked %zu acknowledged records; log has %llu%s\n", n, (unsigned long long)have,
           torn ? "; a torn tail was cut" : "");
    free(acks);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "write"))
        return do_write(argv[2], atoi(argv[3]));
    if (argc == 4 && !strcmp(argv[1], "check"))
        return do_check(argv[2], argv[3]);
    fprintf(stderr, "usage: %s write DIR THREADS | check DIR ACKS\n", argv[0]);
    return 2;
}
