/* bench_archive.c -- the archive log's benchmark engine; run.sh drives it.
 *
 *   bench_archive appends DIR THREADS SECONDS [keyed|plain [PER_CALL]]
 *       durable appends/s of ~300-byte JSON event records, PER_CALL records
 *       (default 1) per lc_seglog_append call, THREADS writers; also the
 *       group size (records per commit) and per-call latency.  keyed: every
 *       record has a key.
 *   bench_archive archive DATA THREADS SECONDS PER_CALL
 *       the same, through the server's own path: lc_archive_append with JSON
 *       records {type, ts, data} (canonical bytes, the personal fields
 *       sealed under a per-record key, the retention index), checkpoints
 *       signed every second as `serve` does.
 *   bench_archive sweep DATA N
 *       fills an archive (DATA/archive) to N order records through
 *       lc_archive_append, then times three retention sweeps
 *       (lc_archive_purge_expired) over its index: the time appends wait.
 *   bench_archive sqlite PATH BATCH SECONDS
 *       the grouped peer: the same records into SQLite (WAL,
 *       synchronous=FULL), one writer, BATCH rows per transaction.
 *   bench_archive sqlite-writers PATH THREADS PER_TXN SECONDS
 *       the same-writers peer: THREADS writer threads, each with its own
 *       connection (WAL, synchronous=FULL, busy_timeout 5000 ms), each
 *       committing PER_TXN rows per BEGIN IMMEDIATE .. COMMIT, as each of
 *       our writers appends PER_CALL records per call.
 *   bench_archive build DIR N THREADS BATCH
 *       appends N records in calls of BATCH records from THREADS threads.
 *   bench_archive proofs DIR COUNT
 *       reopens DIR (timing recovery), then COUNT inclusion proofs at random
 *       indexes of the full tree, each also verified against the root.
 *   bench_archive verify DIR
 *       lc_seglog_verify_dir over the whole log: MB/s of segment bytes.
 *
 * Each mode prints one "RESULT {json}" line on stdout. */
#include <dirent.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "archive/archive.h"
#include "archive/archive_int.h"
#include "archive/merkle.h"
#include "archive/seglog.h"

#define NREC 4096 /* distinct records, cycled */

static char *recs[NREC];
static size_t rec_lens[NREC];
static json_t *jrecs[NREC]; /* the same events as archive records */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* A chat event as the monitor would archive it: about 300 bytes. */
static void make_records(void)
{
    static const char *words[] = {"hello", "price", "link", "thanks", "size", "color", "ship",
                                  "today", "discount", "bag", "shoes", "how", "much", "wow"};
    for (int i = 0; i < NREC; i++) {
        uint64_t h = mix((uint64_t)i + 1);
        char text[200];
        size_t tl = 0;
        size_t want = 30 + h % 100;
        while (tl < want) {
            const char *w = words[mix(h + tl) % 14];
            tl += (size_t)snprintf(text + tl, sizeof text - tl, "%s%s", tl ? " " : "", w);
        }
        char buf[512];
        int n = snprintf(buf, sizeof buf,
                         "{\"v\":1,\"type\":\"chat\",\"room_id\":\"room-%06llu\",\"seq\":%d,"
                         "\"ts\":\"2025-11-26T01:%02d:%02d.%03dZ\",\"sender\":{\"id\":\"u-%08llx\","
                         "\"role\":\"viewer\"},\"text\":\"%s\",\"moderation\":{\"verdict\":\"pass\","
                         "\"rules\":[]},\"client\":{\"ip_hash\":\"%016llx\",\"ua\":\"LiveApp/5.2\"}}",
                         (unsigned long long)(h % 1000000), i, i / 60 % 60, i % 60, i % 1000,
                         (unsigned long long)(h >> 32), text, (unsigned long long)mix(h));
        recs[i] = strdup(buf);
        rec_lens[i] = (size_t)n;
        /* as the monitor hands a chat event to the archive: the sender's
         * id and the text are personal fields, sealed */
        json_t *ev = json_loads(buf, 0, NULL);
        json_t *d = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O}", "room_id",
                              json_object_get(ev, "room_id"), "seq", json_object_get(ev, "seq"),
                              "user_id", json_object_get(json_object_get(ev, "sender"), "id"),
                              "text", json_object_get(ev, "text"), "moderation",
                              json_object_get(ev, "moderation"), "client",
                              json_object_get(ev, "client"));
        jrecs[i] = json_pack("{s:s, s:O, s:o}", "type", "chat", "ts", json_object_get(ev, "ts"),
                             "data", d);
        json_decref(ev);
    }
}

static double avg_len(void)
{
    double s = 0;
    for (int i = 0; i < NREC; i++)
        s += (double)rec_lens[i];
    return s / NREC;
}

static void die(const char *what, enum lc_err rc, const char *err)
{
    fprintf(stderr, "%s: %s %s\n", what, lc_err_name(rc), err ? err : "");
    exit(1);
}

static struct lc_seglog *open_log(const char *dir)
{
    struct lc_seglog *l;
    char err[256] = "";
    enum lc_err rc = lc_seglog_open(dir, NULL, &l, err, sizeof err);
    if (rc != LC_OK)
        die("open", rc, err);
    return l;
}

/* ---- appends -------------------------------------------------------------- */

struct writer {
    struct lc_seglog *log;
    struct lc_archive *arc; /* set: append through lc_archive_append */
    int id;
    bool keyed;
    int per_call;
    atomic_bool *stop;
    uint64_t done;
    float *lat; /* µs of each append, up to cap */
    size_t nlat, cap;
};

static void *append_loop(void *arg)
{
    struct writer *w = arg;
    uint8_t key[LC_SEGLOG_KEY_LEN];
    memset(key, 0x5c, sizeof key);
    uint64_t i = (uint64_t)w->id * 977;
    struct lc_seglog_rec *r = calloc((size_t)w->per_call, sizeof *r);
    json_t **jr = calloc((size_t)w->per_call, sizeof *jr);
    while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
        for (int j = 0; j < w->per_call; j++) {
            size_t k = (size_t)(i++ % NREC);
            r[j] = (struct lc_seglog_rec){recs[k], rec_lens[k], w->keyed ? key : NULL};
            jr[j] = jrecs[k];
        }
        uint64_t idx;
        struct lc_errinfo e = {0};
        double t0 = now();
        enum lc_err rc = w->arc ? lc_archive_append(w->arc, jr, (size_t)w->per_call, &idx, &e)
                                : lc_seglog_append(w->log, r, (size_t)w->per_call, &idx);
        if (rc != LC_OK)
            die("append", rc, e.message);
        if (w->nlat < w->cap)
            w->lat[w->nlat++] = (float)((now() - t0) * 1e6);
        w->done += (uint64_t)w->per_call;
    }
    free(jr);
    free(r);
    return NULL;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

static int run_appends(const char *dir, int threads, double seconds, bool keyed, int per_call,
                       bool whole)
{
    struct lc_archive *arc = NULL;
    struct lc_seglog *l;
    if (whole) {
        char err[256] = "";
        enum lc_err rc = lc_archive_open(dir, NULL, 1000, &arc, err, sizeof err);
        if (rc != LC_OK)
            die("lc_archive_open", rc, err);
        l = arc->log;
    } else {
        l = open_log(dir);
    }
    atomic_bool stop = false;
    struct writer *w = calloc((size_t)threads, sizeof *w);
    pthread_t *t = calloc((size_t)threads, sizeof *t);
    /* warm-up: a short run so that the files and the tree exist */
    for (int pass = 0; pass < 2; pass++) {
        double len = pass == 0 ? 0.3 : seconds;
        struct lc_seglog_stats s0, s1;
        atomic_store(&stop, false);
        for (int i = 0; i < threads; i++) {
            free(w[i].lat);
            w[i] = (struct writer){l, arc, i, keyed, per_call, &stop, 0, NULL, 0,
                                   2000000 / (size_t)threads};
            w[i].lat = malloc(w[i].cap * sizeof(float));
        }
        lc_seglog_stats(l, &s0);
        double t0 = now();
        for (int i = 0; i < threads; i++)
            pthread_create(&t[i], NULL, append_loop, &w[i]);
        struct timespec ts = {(time_t)len, (long)((len - (double)(time_t)len) * 1e9)};
        nanosleep(&ts, NULL);
        atomic_store(&stop, true);
        for (int i = 0; i < threads; i++)
            pthread_join(t[i], NULL);
        double el = now() - t0;
        lc_seglog_stats(l, &s1);
        if (pass == 0)
            continue;
        uint64_t total = 0;
        size_t nl = 0;
        for (int i = 0; i < threads; i++) {
            total += w[i].done;
            nl += w[i].nlat;
        }
        float *all = malloc((nl ? nl : 1) * sizeof(float));
        size_t k = 0;
        for (int i = 0; i < threads; i++) {
            memcpy(all + k, w[i].lat, w[i].nlat * sizeof(float));
            k += w[i].nlat;
        }
        qsort(all, nl, sizeof(float), cmp_float);
        uint64_t commits = s1.commits - s0.commits;
        printf("RESULT {\"path\":\"%s\",\"threads\":%d,\"per_call\":%d,\"keyed\":%s,\"seconds\":%.3f,\"appends\":%llu,"
               "\"appends_per_s\":%.0f,\"commits\":%llu,\"commits_per_s\":%.0f,"
               "\"records_per_commit\":%.2f,\"lat_p50_us\":%.0f,\"lat_p99_us\":%.0f,"
               "\"record_bytes\":%.1f}\n",
               whole ? "lc_archive_append" : "lc_seglog_append", threads, per_call,
               keyed ? "true" : "false", el, (unsigned long long)total,
               (double)total / el, (unsigned long long)commits, (double)commits / el,
               commits ? (double)(s1.appends - s0.appends) / (double)commits : 0.0,
               nl ? all[nl / 2] : 0.0, nl ? all[nl * 99 / 100] : 0.0, avg_len());
        free(all);
    }
    for (int i = 0; i < threads; i++)
        free(w[i].lat);
    free(w);
    free(t);
    if (arc)
        lc_archive_close(arc);
    else
        lc_seglog_close(l);
    return 0;
}

/* ---- the retention sweep ------------------------------------------------ */

static int run_sweep(const char *dir, uint64_t n)
{
    struct lc_archive *a = NULL;
    char err[256] = "";
    enum lc_err rc = lc_archive_open(dir, NULL, 0, &a, err, sizeof err);
    if (rc != LC_OK)
        die("lc_archive_open", rc, err);
    json_t *batch[512];
    double t0 = now();
    for (uint64_t i = lc_archive_size(a); i < n; i += 512) {
        for (int j = 0; j < 512; j++) { /* 4 records an order, 997 rooms */
            char order[32], room[32];
            snprintf(order, sizeof order, "o%llu", (unsigned long long)(i + (uint64_t)j) / 4);
            snprintf(room, sizeof room, "r%llu", (unsigned long long)(i + (uint64_t)j) % 997);
            batch[j] = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:i}}", "type", "order", "ts",
                                 "2026-11-20T10:00:00Z", "data", "order_id", order, "room_id",
                                 room, "buyer_id", "b1", "state",
                                 (i + (uint64_t)j) % 4 == 3 ? "completed" : "paid", "amount", 100);
        }
        struct lc_errinfo e = {0};
        rc = lc_archive_append(a, batch, 512, NULL, &e);
        for (int j = 0; j < 512; j++)
            json_decref(batch[j]);
        if (rc != LC_OK)
            die("append", rc, e.message);
    }
    double built = now() - t0;
    double ms[3];
    size_t purged = 0;
    for (int k = 0; k < 3; k++) {
        struct lc_errinfo e = {0};
        t0 = now();
        rc = lc_archive_purge_expired(a, time(NULL), "bench", &purged, &e);
        ms[k] = (now() - t0) * 1e3;
        if (rc != LC_OK)
            die("purge", rc, e.message);
    }
    printf("RESULT {\"records\":%llu,\"build_seconds\":%.1f,\"sweep_ms\":[%.2f,%.2f,%.2f],"
           "\"purged\":%zu}\n",
           (unsigned long long)lc_archive_size(a), built, ms[0], ms[1], ms[2], purged);
    lc_archive_close(a);
    return 0;
}

/* ---- the SQLite peer -------------------------------------------------- */

static void sq(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "sqlite: %s: %s\n", sql, msg);
        exit(1);
    }
}

static int run_sqlite(const char *path, int batch, double seconds)
{
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) {
        fprintf(stderr, "sqlite open %s\n", path);
        return 1;
    }
    sq(db, "PRAGMA journal_mode=WAL");
    sq(db, "PRAGMA synchronous=FULL");
    sq(db, "CREATE TABLE IF NOT EXISTS ev(id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
    sqlite3_stmt *ins;
    sqlite3_prepare_v2(db, "INSERT INTO ev(body) VALUES (?)", -1, &ins, NULL);
    uint64_t rows = 0, txns = 0, i = 0;
    double t0 = now(), warm = t0 + 0.3, end = warm + seconds, start = 0;
    for (;;) {
        double t = now();
        if (!start && t >= warm) {
            start = t;
            rows = txns = 0;
        }
        if (t >= end)
            break;
        sq(db, "BEGIN IMMEDIATE");
        for (int k = 0; k < batch; k++) {
            size_t r = (size_t)(i++ % NREC);
            sqlite3_bind_blob(ins, 1, recs[r], (int)rec_lens[r], SQLITE_STATIC);
            if (sqlite3_step(ins) != SQLITE_DONE) {
                fprintf(stderr, "sqlite insert: %s\n", sqlite3_errmsg(db));
                return 1;
            }
            sqlite3_reset(ins);
        }
        sq(db, "COMMIT");
        rows += (uint64_t)batch;
        txns++;
    }
    double el = now() - start;
    printf("RESULT {\"batch\":%d,\"seconds\":%.3f,\"rows\":%llu,\"rows_per_s\":%.0f,"
           "\"txns_per_s\":%.0f,\"sqlite\":\"%s\"}\n",
           batch, el, (unsigned long long)rows, (double)rows / el, (double)txns / el,
           sqlite3_libversion());
    sqlite3_finalize(ins);
    sqlite3_close(db);
    return 0;
}

/* ---- the SQLite peer with our concurrency ------------------------------------
 *
 * The literal reading of "the same records in batches of the same size" at
 * N concurrent writers: N threads, one connection each, set up as the
 * project's store sets SQLite up for writes (busy_timeout, BEGIN IMMEDIATE),
 * each transaction holding what one of our writers hands the log per call.
 * Connections are opened before the clock starts (our log is open before
 * its writers start too); a transaction counts if its COMMIT returned inside
 * the timed window, so a thread still asleep in the busy handler when the
 * window closes neither adds rows nor stretches the time. */

#define SQW_BUSY_MS 5000 /* as src/store/sqlite.c */

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

struct sqw {
    const char *path;
    int id, per_txn;
    pthread_barrier_t *ready;
    atomic_bool *stop;
    atomic_ullong *from, *until; /* the timed window, ns; until = UINT64_MAX while open */
    uint64_t rows, txns, busy;   /* inside the window; busy = BEGINs that timed out */
    float *lat; /* µs from BEGIN to the end of COMMIT, up to cap; committed ones only */
    size_t nlat, cap;
};

static bool sqw_begin(sqlite3 *db, uint64_t *busy)
{
    for (;;) {
        int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            return true;
        if (rc != SQLITE_BUSY) {
            fprintf(stderr, "sqlite BEGIN IMMEDIATE: %s\n", sqlite3_errmsg(db));
            exit(1);
        }
        (*busy)++; /* waited busy_timeout in vain: try again, as a caller would */
    }
}

static void *sqw_loop(void *arg)
{
    struct sqw *w = arg;
    sqlite3 *db;
    sqlite3_stmt *ins;
    if (sqlite3_open(w->path, &db) != SQLITE_OK) {
        fprintf(stderr, "sqlite open %s\n", w->path);
        exit(1);
    }
    sqlite3_busy_timeout(db, SQW_BUSY_MS);
    sq(db, "PRAGMA synchronous=FULL"); /* per connection; WAL is set in the file */
    if (sqlite3_prepare_v2(db, "INSERT INTO ev(body) VALUES (?)", -1, &ins, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite prepare: %s\n", sqlite3_errmsg(db));
        exit(1);
    }
    uint64_t i = (uint64_t)w->id * 977;
    pthread_barrier_wait(w->ready);
    while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
        uint64_t busy = 0, t0 = now_ns();
        sqw_begin(db, &busy);
        for (int k = 0; k < w->per_txn; k++) {
            size_t r = (size_t)(i++ % NREC);
            sqlite3_bind_blob(ins, 1, recs[r], (int)rec_lens[r], SQLITE_STATIC);
            if (sqlite3_step(ins) != SQLITE_DONE) {
                fprintf(stderr, "sqlite insert: %s\n", sqlite3_errmsg(db));
                exit(1);
            }
            sqlite3_reset(ins);
        }
        if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            fprintf(stderr, "sqlite COMMIT: %s\n", sqlite3_errmsg(db));
            exit(1);
        }
        uint64_t t1 = now_ns();
        if (t1 < atomic_load(w->from) || t1 > atomic_load(w->until))
            continue;
        w->rows += (uint64_t)w->per_txn;
        w->txns++;
        w->busy += busy;
        if (w->nlat < w->cap)
            w->lat[w->nlat++] = (float)((double)(t1 - t0) / 1e3);
    }
    sqlite3_finalize(ins);
    sqlite3_close(db);
    return NULL;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

static int run_sqlite_writers(const char *path, int threads, int per_txn, double seconds)
{
    sqlite3 *db;
    if (threads < 1 || per_txn < 1 || sqlite3_open(path, &db) != SQLITE_OK) {
        fprintf(stderr, "sqlite-writers: bad arguments or cannot open %s\n", path);
        return 1;
    }
    sq(db, "PRAGMA journal_mode=WAL");
    sq(db, "CREATE TABLE IF NOT EXISTS ev(id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
    atomic_bool stop = false;
    atomic_ullong from = UINT64_MAX, until = UINT64_MAX;
    pthread_barrier_t ready;
    pthread_barrier_init(&ready, NULL, (unsigned)threads + 1);
    struct sqw *w = calloc((size_t)threads, sizeof *w);
    pthread_t *t = calloc((size_t)threads, sizeof *t);
    for (int k = 0; k < threads; k++) {
        w[k] = (struct sqw){path, k, per_txn, &ready, &stop, &from, &until, 0, 0, 0, NULL, 0,
                            2000000 / (size_t)threads};
        w[k].lat = malloc(w[k].cap * sizeof(float));
        pthread_create(&t[k], NULL, sqw_loop, &w[k]);
    }
    pthread_barrier_wait(&ready);
    sleep_s(0.3); /* warm-up, as the log's: the WAL file exists and has grown */
    uint64_t t0 = now_ns();
    atomic_store(&from, t0);
    sleep_s(seconds);
    uint64_t t1 = now_ns();
    atomic_store(&until, t1);
    atomic_store(&stop, true);
    for (int k = 0; k < threads; k++)
        pthread_join(t[k], NULL);
    /* the busy handler sleeps in steps of milliseconds while the writer that
     * holds the lock takes it again at once: how evenly the rows are spread
     * over the threads says whether all of them were really writing */
    uint64_t rows = 0, txns = 0, busy = 0, rmin = UINT64_MAX, rmax = 0, starved = 0;
    size_t nl = 0, at = 0;
    for (int k = 0; k < threads; k++) {
        rmin = w[k].rows < rmin ? w[k].rows : rmin;
        rmax = w[k].rows > rmax ? w[k].rows : rmax;
        starved += w[k].rows == 0;
        rows += w[k].rows;
        txns += w[k].txns;
        busy += w[k].busy;
        nl += w[k].nlat;
    }
    float *all = malloc((nl ? nl : 1) * sizeof(float));
    for (int k = 0; k < threads; k++) {
        memcpy(all + at, w[k].lat, w[k].nlat * sizeof(float));
        at += w[k].nlat;
        free(w[k].lat);
    }
    qsort(all, nl, sizeof(float), cmp_float);
    double el = (double)(t1 - t0) / 1e9;
    printf("RESULT {\"threads\":%d,\"per_txn\":%d,\"seconds\":%.3f,\"rows\":%llu,"
           "\"rows_per_s\":%.0f,\"txns_per_s\":%.0f,\"busy_timeouts\":%llu,"
           "\"lat_p50_us\":%.0f,\"lat_p99_us\":%.0f,\"thread_rows_min\":%llu,"
           "\"thread_rows_max\":%llu,\"threads_no_commit\":%llu,\"sqlite\":\"%s\"}\n",
           threads, per_txn, el, (unsigned long long)rows, (double)rows / el,
           (double)txns / el, (unsigned long long)busy, nl ? all[nl / 2] : 0.0,
           nl ? all[nl * 99 / 100] : 0.0, (unsigned long long)rmin, (unsigned long long)rmax,
           (unsigned long long)starved, sqlite3_libversion());
    free(all);
    free(w);
    free(t);
    pthread_barrier_destroy(&ready);
    sqlite3_close(db);
    return 0;
}

/* ---- a big log: build, proofs, verify -------------------------------------- */

struct builder {
    struct lc_seglog *log;
    atomic_ullong *next; /* records handed out so far */
    uint64_t n;
    size_t batch;
};

static void *build_loop(void *arg)
{
    struct builder *b = arg;
    struct lc_seglog_rec *r = calloc(b->batch, sizeof *r);
    for (;;) {
        uint64_t from = atomic_fetch_add(b->next, b->batch);
        if (from >= b->n)
            break;
        size_t k = (size_t)(b->n - from < b->batch ? b->n - from : b->batch);
        for (size_t i = 0; i < k; i++) {
            size_t x = (size_t)((from + i) % NREC);
            r[i] = (struct lc_seglog_rec){recs[x], rec_lens[x], NULL};
        }
        uint64_t first;
        enum lc_err rc = lc_seglog_append(b->log, r, k, &first);
        if (rc != LC_OK)
            die("append", rc, NULL);
    }
    free(r);
    return NULL;
}

static int run_build(const char *dir, uint64_t n, int threads, size_t batch)
{
    struct lc_seglog *l = open_log(dir);
    uint64_t have = lc_seglog_size(l);
    atomic_ullong next = 0;
    struct builder b = {l, &next, n > have ? n - have : 0, batch};
    pthread_t t[16];
    double t0 = now();
    for (int i = 0; i < threads && i < 16; i++)
        pthread_create(&t[i], NULL, build_loop, &b);
    for (int i = 0; i < threads && i < 16; i++)
        pthread_join(t[i], NULL);
    double el = now() - t0;
    struct lc_seglog_stats s;
    lc_seglog_stats(l, &s);
    double tc = now();
    lc_seglog_close(l);
    printf("RESULT {\"records\":%llu,\"appended\":%llu,\"seconds\":%.2f,\"appends_per_s\":%.0f,"
           "\"mb_per_s\":%.1f,\"commits\":%llu,\"close_seconds\":%.2f}\n",
           (unsigned long long)n, (unsigned long long)b.n, el, (double)b.n / el,
           (double)b.n * (avg_len() + LC_SEGLOG_FRAME_HEAD) / el / 1e6,
           (unsigned long long)s.commits, now() - tc);
    return 0;
}

static double dir_bytes(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    double sum = 0;
    char p[4096];
    while (d && (e = readdir(d)) != NULL) {
        struct stat st;
        if (strncmp(e->d_name, "seg-", 4))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (stat(p, &st) == 0)
            sum += (double)st.st_size;
    }
    if (d)
        closedir(d);
    return sum;
}

static int run_proofs(const char *dir, int count)
{
    double t0 = now();
    struct lc_seglog *l = open_log(dir);
    double open_s = now() - t0;
    uint64_t size;
    uint8_t root[LC_HASH_LEN];
    lc_seglog_head(l, &size, root);
    uint8_t(*path)[LC_HASH_LEN] = malloc(LC_MERKLE_MAX_PROOF * LC_HASH_LEN);
    uint64_t *idx = malloc((size_t)count * sizeof *idx);
    for (int i = 0; i < count; i++)
        idx[i] = mix((uint64_t)i + 99) % size;
    size_t len = 0, total_len = 0;
    t0 = now();
    for (int i = 0; i < count; i++) {
        enum lc_err rc = lc_seglog_inclusion(l, idx[i], size, path, &len);
        if (rc != LC_OK)
            die("inclusion", rc, NULL);
        total_len += len;
    }
    double gen = (now() - t0) / count * 1e6;
    /* proof plus check, as a client would: read the record, hash it, verify */
    t0 = now();
    for (int i = 0; i < count; i++) {
        uint8_t *p, leaf[LC_HASH_LEN];
        size_t n;
        if (lc_seglog_read(l, idx[i], &p, &n) != LC_OK ||
            lc_seglog_inclusion(l, idx[i], size, path, &len) != LC_OK)
            die("read+inclusion", LC_EIO, NULL);
        lc_merkle_leaf_hash(p, n, leaf);
        free(p);
        if (lc_merkle_verify_inclusion(idx[i], size, leaf, (const uint8_t(*)[LC_HASH_LEN])path,
                                       len, root) != LC_OK)
            die("verify_inclusion", LC_ECORRUPT, NULL);
    }
    double full = (now() - t0) / count * 1e6;
    t0 = now();
    for (int i = 0; i < count; i++) {
        uint8_t *p;
        size_t n;
        if (lc_seglog_read(l, idx[i], &p, &n) != LC_OK)
            die("read", LC_EIO, NULL);
        free(p);
    }
    double rd = (now() - t0) / count * 1e6;
    printf("RESULT {\"size\":%llu,\"open_seconds\":%.2f,\"open_mb_per_s\":%.0f,\"proofs\":%d,"
           "\"proof_us\":%.2f,\"proof_hashes\":%.1f,\"read_proof_verify_us\":%.2f,"
           "\"read_us\":%.2f}\n",
           (unsigned long long)size, open_s, dir_bytes(dir) / open_s / 1e6, count, gen,
           (double)total_len / count, full, rd);
    free(path);
    free(idx);
    lc_seglog_close(l);
    return 0;
}

static int run_verify(const char *dir)
{
    uint64_t size, bad;
    uint8_t root[LC_HASH_LEN];
    char err[256] = "";
    double t0 = now();
    enum lc_err rc = lc_seglog_verify_dir(dir, &size, root, &bad, err, sizeof err);
    double el = now() - t0;
    if (rc != LC_OK)
        die("verify", rc, err);
    double bytes = dir_bytes(dir);
    printf("RESULT {\"size\":%llu,\"bytes\":%.0f,\"seconds\":%.2f,\"mb_per_s\":%.0f,"
           "\"records_per_s\":%.0f}\n",
           (unsigned long long)size, bytes, el, bytes / el / 1e6, (double)size / el);
    return 0;
}

int main(int argc, char **argv)
{
    make_records();
    if (argc >= 5 && !strcmp(argv[1], "appends"))
        return run_appends(argv[2], atoi(argv[3]), atof(argv[4]),
                           argc > 5 && !strcmp(argv[5], "keyed"), argc > 6 ? atoi(argv[6]) : 1,
                           false);
    if (argc == 6 && !strcmp(argv[1], "archive"))
        return run_appends(argv[2], atoi(argv[3]), atof(argv[4]), false, atoi(argv[5]), true);
    if (argc == 4 && !strcmp(argv[1], "sweep"))
        return run_sweep(argv[2], strtoull(argv[3], NULL, 10));
    if (argc == 5 && !strcmp(argv[1], "sqlite"))
        return run_sqlite(argv[2], atoi(argv[3]), atof(argv[4]));
    if (argc == 6 && !strcmp(argv[1], "sqlite-writers"))
        return run_sqlite_writers(argv[2], atoi(argv[3]), atoi(argv[4]), atof(argv[5]));
    if (argc == 6 && !strcmp(argv[1], "build"))
        return run_build(argv[2], strtoull(argv[3], NULL, 10), atoi(argv[4]),
                         (size_t)atoi(argv[5]));
    if (argc == 4 && !strcmp(argv[1], "proofs"))
        return run_proofs(argv[2], atoi(argv[3]));
    if (argc == 3 && !strcmp(argv[1], "verify"))
        return run_verify(argv[2]);
    fprintf(stderr, "usage: see the comment at the top of bench_archive.c\n");
    return 2;
}
