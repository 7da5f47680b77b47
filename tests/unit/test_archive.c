/* test_archive.c -- the archive: sealed personal fields, retention clocks,
 * legal holds, purge by crypto-shredding, evidence bundles and their
 * offline verification, tamper and rollback detection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/archive.h"
#include "archive/archive_int.h"
#include "core/time.h"

static char dir[256];

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/lc-test-archive-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static struct lc_archive *open_archive(void)
{
    struct lc_archive *a = NULL;
    char why[300] = "";
    enum lc_err err = lc_archive_open(dir, "test/archive", 0, &a, why, sizeof why);
    if (err != LC_OK)
        fail_msg("open: %s", why);
    return a;
}

static int64_t t_of(const char *s)
{
    int64_t t;
    assert_int_equal(lc_time_parse(s, &t), LC_OK);
    return t;
}

/* Appends {type, ts, data} built from a JSON text for data. */
static uint64_t add(struct lc_archive *a, const char *type, const char *ts, const char *data)
{
    json_t *d = json_loads(data, 0, NULL);
    assert_non_null(d);
    json_t *rec = json_pack("{s:s, s:s, s:o}", "type", type, "ts", ts, "data", d);
    struct lc_errinfo e = {0};
    uint64_t idx = 0;
    assert_int_equal(lc_archive_append(a, &rec, 1, &idx, &e), LC_OK);
    json_decref(rec);
    return idx;
}

static const char *order(const char *id, const char *room, const char *state)
{
    static char buf[300];
    snprintf(buf, sizeof buf,
             "{\"order_id\":\"%s\",\"room_id\":\"%s\",\"host_id\":\"h1\",\"buyer_id\":"
             "\"buyer-secret-77\",\"state\":\"%s\",\"amount\":1999}",
             id, room, state);
    return buf;
}

static char *raw_record(struct lc_archive *a, uint64_t idx)
{
    struct lc_errinfo e = {0};
    json_t *got = NULL;
    assert_int_equal(lc_archive_get(a, idx, 0, &got, &e), LC_OK);
    char *s = json_dumps(json_object_get(got, "record"), JSON_COMPACT);
    json_decref(got);
    return s;
}

static void test_personal_fields_are_sealed_in_the_log_and_masked_on_read(void **state)
{
    struct lc_archive *a = open_archive();
    uint64_t i = add(a, "order", "2020-01-01T10:00:00Z", order("o1", "r1", "created"));
    char *raw = raw_record(a, i);
    assert_null(strstr(raw, "buyer-secret-77")); /* not in the leaf in clear */
    assert_non_null(strstr(raw, "\"sealed\""));
    free(raw);
    struct lc_errinfo e = {0};
    json_t *got = NULL;
    assert_int_equal(lc_archive_get(a, i, 1, &got, &e), LC_OK);
    assert_string_equal(json_string_value(json_object_get(json_object_get(got, "content"),
                                                          "buyer_id")),
                        "buyer-secret-77");
    json_decref(got);
    assert_int_equal(lc_archive_get(a, i, 0, &got, &e), LC_OK);
    const char *masked =
        json_string_value(json_object_get(json_object_get(got, "content"), "buyer_id"));
    assert_non_null(masked);
    assert_null(strstr(masked, "secret"));
    json_decref(got);
    lc_archive_close(a);
}

static void expect_purge(struct lc_archive *a, const char *group, const char *now,
                         enum lc_err want, const char *code)
{
    struct lc_errinfo e = {0};
    size_t n = 0;
    enum lc_err got = lc_archive_purge_group(a, group, t_of(now), "test", &n, &e);
    if (got != want)
        fail_msg("purge %s at %s: got %s (%s), want %s", group, now, lc_err_name(got), e.code,
                 lc_err_name(want));
    if (code)
        assert_string_equal(e.code, code);
}

static void test_purge_before_expiry_is_refused_and_the_clock_starts_at_completion(void **state)
{
    struct lc_archive *a = open_archive();
    add(a, "order", "2020-01-01T10:00:00Z", order("o1", "r1", "created"));
    /* not complete: an event hold, whatever the date */
    expect_purge(a, "order:o1", "2040-01-01T00:00:00Z", LC_EDENIED, "retention_not_expired");
    add(a, "order", "2020-03-01T10:00:00Z", order("o1", "r1", "completed"));
    expect_purge(a, "order:o1", "2023-03-01T00:00:00Z", LC_EDENIED, "retention_not_expired");
    json_t *ret = NULL;
    struct lc_errinfo e = {0};
    assert_int_equal(lc_archive_retention(a, "order:o1", t_of("2021-01-01T00:00:00Z"), &ret, &e),
                     LC_OK);
    assert_string_equal(json_string_value(json_object_get(ret, "state")), "retained");
    int64_t until = t_of(json_string_value(json_object_get(ret, "until")));
    assert_true(until >= t_of("2023-03-01T10:00:00Z")); /* at least 3 years */
    json_decref(ret);
    /* the session (room) group is kept as long: both must expire */
    expect_purge(a, "order:o1", "2023-05-01T00:00:00Z", LC_OK, NULL);
    lc_archive_close(a);
}

static void test_after_sale_reopens_the_order_and_extends_retention(void **state)
{
    struct lc_archive *a = open_archive();
    add(a, "order", "2020-01-01T10:00:00Z", order("o2", "r1", "created"));
    add(a, "order", "2020-02-01T10:00:00Z", order("o2", "r1", "completed"));
    add(a, "order", "2020-06-01T10:00:00Z", order("o2", "r1", "after_sale"));
    expect_purge(a, "order:o2", "2024-01-01T00:00:00Z", LC_EDENIED, "retention_not_expired");
    add(a, "order", "2021-06-01T10:00:00Z", order("o2", "r1", "refunded"));
    expect_purge(a, "order:o2", "2024-03-01T00:00:00Z", LC_EDENIED, "retention_not_expired");
    expect_purge(a, "order:o2", "2024-08-01T00:00:00Z", LC_OK, NULL);
    lc_archive_close(a);
}

static void test_a_session_is_kept_until_its_last_order_completes(void **state)
{
    struct lc_archive *a = open_archive();
    const char *live = "{\"id\":\"d9\",\"outcome\":\"allow\",\"status\":\"live\","
                       "\"room_id\":\"r9\",\"host_id\":\"h1\",\"addr\":\"10.0.0.9\"}";
    const char *ended = "{\"id\":\"d9\",\"outcome\":\"allow\",\"status\":\"ended\","
                        "\"ended_at\":\"2020-01-01T12:00:00Z\",\"room_id\":\"r9\"}";
    add(a, "decision", "2020-01-01T09:00:00Z", live);
    add(a, "chat", "2020-01-01T10:00:00Z",
        "{\"room_id\":\"r9\",\"host_id\":\"h1\",\"user_id\":\"u1\",\"text\":\"hello\"}");
    add(a, "order", "2020-01-01T10:05:00Z", order("o9", "r9", "created"));
    /* live: the clock has not started */
    expect_purge(a, "session:d9", "2030-01-01T00:00:00Z", LC_EDENIED, "retention_not_expired");
    add(a, "decision", "2020-01-01T09:00:00Z", ended);
    /* ended, but an order placed during it is not complete */
    expect_purge(a, "session:d9", "2030-01-01T00:00:00Z", LC_EDENIED, "retention_not_expired");
    /* a later stream in the same room is another session */
    add(a, "chat", "2021-06-01T10:00:00Z", "{\"room_id\":\"r9\",\"text\":\"after\"}");
    add(a, "order", "2022-01-01T00:00:00Z", order("o9", "r9", "completed"));
    /* three years after the stream would be 2023; its order completed later */
    expect_purge(a, "session:d9", "2024-06-01T00:00:00Z", LC_EDENIED, "retention_not_expired");
    expect_purge(a, "session:d9", "2025-03-01T00:00:00Z", LC_OK, NULL);
    /* the chat outside any live session is in the room's bucket for its day */
    json_t *ret = NULL;
    struct lc_errinfo e = {0};
    assert_int_equal(lc_archive_retention(a, "room:r9@2021-06-01", t_of("2024-01-01T00:00:00Z"),
                                          &ret, &e),
                     LC_OK);
    assert_string_equal(json_string_value(json_object_get(ret, "state")), "retained");
    json_decref(ret);
    /* the rebuilt index agrees */
    lc_archive_close(a);
    a = open_archive();
    expect_purge(a, "room:r9@2021-06-01", "2024-06-01T00:00:00Z", LC_EDENIED, NULL);
    expect_purge(a, "room:r9@2021-06-01", "2024-08-01T00:00:00Z", LC_OK, NULL);
    lc_archive_close(a);
}

static void test_a_legal_hold_blocks_purge_after_expiry_until_released(void **state)
{
    struct lc_archive *a = open_archive();
    add(a, "order", "2019-01-01T10:00:00Z", order("o3", "r3", "created"));
    add(a, "order", "2019-01-02T10:00:00Z", order("o3", "r3", "completed"));
    struct lc_errinfo e = {0};
    json_t *in = json_pack("{s:s, s:s, s:s}", "room_id", "r3", "case_id", "C-1", "reason",
                           "consumer lawsuit"),
           *hold = NULL, *rel = NULL;
    assert_int_equal(lc_archive_hold(a, in, "regulator-1", &hold, &e), LC_OK);
    json_decref(in);
    expect_purge(a, "order:o3", "2030-01-01T00:00:00Z", LC_EDENIED, "legal_hold");
    size_t n = 99;
    assert_int_equal(lc_archive_purge_expired(a, t_of("2030-01-01T00:00:00Z"), "t", &n, &e),
                     LC_OK);
    assert_int_equal(n, 0);
    /* the hold survives a restart: it is in the log */
    lc_archive_close(a);
    a = open_archive();
    expect_purge(a, "order:o3", "2030-01-01T00:00:00Z", LC_EDENIED, "legal_hold");
    const char *id = json_string_value(json_object_get(hold, "id"));
    assert_int_equal(lc_archive_hold_release(a, id, "regulator-1", &rel, &e), LC_OK);
    assert_false(json_is_true(json_object_get(rel, "active")));
    expect_purge(a, "order:o3", "2030-01-01T00:00:00Z", LC_OK, NULL);
    json_decref(hold);
    json_decref(rel);
    in = json_pack("{s:s, s:s, s:s, s:s}", "room_id", "r3", "order_id", "o3", "case_id", "C",
                   "reason", "two targets");
    assert_int_equal(lc_archive_hold(a, in, "x", &hold, &e), LC_EINVAL);
    json_decref(in);
    lc_archive_close(a);
}

static void test_retention_extends_but_never_shortens(void **state)
{
    struct lc_archive *a = open_archive();
    add(a, "order", "2019-01-01T10:00:00Z", order("o4", "r4", "created"));
    add(a, "order", "2019-01-02T10:00:00Z", order("o4", "r4", "completed"));
    struct lc_errinfo e = {0};
    assert_int_equal(lc_archive_extend(a, "order:o4", t_of("2020-01-01T00:00:00Z"), "t", &e),
                     LC_ECONFLICT);
    memset(&e, 0, sizeof e);
    assert_int_equal(lc_archive_extend(a, "order:o4", t_of("2031-01-01T00:00:00Z"), "t", &e),
                     LC_OK);
    expect_purge(a, "order:o4", "2030-01-01T00:00:00Z", LC_EDENIED, "retention_not_expired");
    lc_archive_close(a);
    a = open_archive();
    expect_purge(a, "order:o4", "2030-01-01T00:00:00Z", LC_EDENIED, "retention_not_expired");
    expect_purge(a, "order:o4", "2031-02-01T00:00:00Z", LC_OK, NULL);
    lc_archive_close(a);
}

static json_t *export(struct lc_archive *a, const char *field, const char *value, int reveal)
{
    struct lc_errinfo e = {0};
    json_t *b = NULL;
    assert_int_equal(lc_archive_export(a, field, value, reveal, &b, &e), LC_OK);
    return b;
}

static enum lc_err verify(json_t *b, const char *pin, char *report, size_t cap)
{
    char *s = json_dumps(b, JSON_COMPACT);
    size_t n = 0;
    enum lc_err err = lc_bundle_verify(s, strlen(s), pin, &n, report, cap);
    free(s);
    return err;
}

static void test_after_purge_proofs_verify_and_the_content_is_gone(void **state)
{
    struct lc_archive *a = open_archive();
    uint64_t i0 = add(a, "order", "2019-01-01T10:00:00Z", order("o5", "r5", "created"));
    add(a, "order", "2019-01-02T10:00:00Z", order("o5", "r5", "completed"));
    add(a, "order", "2026-01-01T10:00:00Z", order("o6", "r6", "created"));
    expect_purge(a, "order:o5", "2026-06-01T00:00:00Z", LC_OK, NULL);
    struct lc_errinfo e = {0};
    json_t *got = NULL;
    assert_int_equal(lc_archive_get(a, i0, 1, &got, &e), LC_OK);
    assert_true(json_is_true(json_object_get(got, "purged")));
    assert_null(json_object_get(got, "content"));
    json_decref(got);
    char report[2000];
    json_t *b = export(a, "order_id", "o5", 1);
    assert_int_equal(json_array_size(json_object_get(b, "records")), 2);
    assert_int_equal(verify(b, lc_archive_vkey(a), report, sizeof report), LC_OK);
    char *s = json_dumps(b, JSON_COMPACT);
    assert_null(strstr(s, "buyer-secret-77"));
    free(s);
    json_decref(b);
    b = export(a, "order_id", "o6", 1); /* a record that was not purged */
    assert_int_equal(verify(b, lc_archive_vkey(a), report, sizeof report), LC_OK);
    s = json_dumps(b, JSON_COMPACT);
    assert_non_null(strstr(s, "buyer-secret-77"));
    free(s);
    json_decref(b);
    lc_archive_close(a);
}

/* Every kind of tampering with a bundle is caught and named. */
static void test_a_tampered_bundle_fails_verification_with_the_reason(void **state)
{
    struct lc_archive *a = open_archive();
    for (int k = 0; k < 5; k++)
        add(a, "chat", "2026-01-01T10:00:00Z",
            "{\"room_id\":\"r7\",\"host_id\":\"h7\",\"user_id\":\"u\",\"text\":\"hi\"}");
    add(a, "chat", "2026-01-01T10:00:00Z", "{\"room_id\":\"other\",\"text\":\"x\"}");
    json_t *b = export(a, "room_id", "r7", 1);
    char report[4000];
    assert_int_equal(verify(b, lc_archive_vkey(a), report, sizeof report), LC_OK);
    assert_int_equal(json_array_size(json_object_get(b, "records")), 5);

    json_t *c = json_deep_copy(b); /* content edited */
    json_t *r1 = json_array_get(json_object_get(c, "records"), 1);
    json_object_set_new(json_object_get(r1, "content"), "text", json_string("edited"));
    assert_int_equal(verify(c, NULL, report, sizeof report), LC_ECORRUPT);
    assert_non_null(strstr(report, "records[1]"));
    json_decref(c);

    c = json_deep_copy(b); /* leaf swapped for another record's */
    json_t *recs = json_object_get(c, "records");
    json_object_set(json_array_get(recs, 2), "leaf",
                    json_object_get(json_array_get(recs, 3), "leaf"));
    assert_int_equal(verify(c, NULL, report, sizeof report), LC_ECORRUPT);
    assert_non_null(strstr(report, "records[2]"));
    json_decref(c);

    c = json_deep_copy(b); /* index moved */
    recs = json_object_get(c, "records");
    json_object_set_new(json_array_get(recs, 0), "index", json_integer(3));
    assert_int_equal(verify(c, NULL, report, sizeof report), LC_ECORRUPT);
    json_decref(c);

    c = json_deep_copy(b); /* checkpoint text edited */
    const char *cp = json_string_value(json_object_get(c, "checkpoint"));
    char *edited = strdup(cp);
    char *nl = strchr(edited, '\n');
    nl[1] = nl[1] == '9' ? '8' : '9';
    json_object_set_new(c, "checkpoint", json_string(edited));
    free(edited);
    assert_int_equal(verify(c, NULL, report, sizeof report), LC_ECORRUPT);
    assert_non_null(strstr(report, "checkpoint"));
    json_decref(c);

    /* a bundle signed by another key fails against the pinned key */
    assert_int_equal(verify(b, "other+01020304+AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=",
                            report, sizeof report),
                     LC_ECORRUPT);
    json_decref(b);
    assert_int_equal(lc_bundle_verify("{}", 2, NULL, NULL, report, sizeof report), LC_ECORRUPT);
    assert_int_equal(lc_bundle_verify("[", 1, NULL, NULL, report, sizeof report), LC_EINVAL);
    lc_archive_close(a);
}

static void test_verify_dir_finds_the_bad_record_and_open_detects_rollback(void **state)
{
    struct lc_archive *a = open_archive();
    for (int k = 0; k < 20; k++)
        add(a, "chat", "2026-01-01T10:00:00Z", "{\"room_id\":\"r8\",\"text\":\"same text\"}");
    char *note = NULL;
    assert_int_equal(lc_archive_checkpoint(a, &note), LC_OK);
    free(note);
    lc_archive_close(a);
    char report[1000];
    uint64_t size = 0;
    assert_int_equal(lc_archive_verify_dir(dir, &size, report, sizeof report), LC_OK);
    assert_int_equal(size, 20);

    /* flip one byte inside record 7's payload (records are equal-sized) */
    char seg[400];
    snprintf(seg, sizeof seg, "%s/archive/log/seg-0000000000000000.log", dir);
    int fd = open(seg, O_RDWR);
    assert_true(fd >= 0);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    off_t rec = st.st_size / 20, at = 7 * rec + rec / 2;
    unsigned char c;
    assert_int_equal(pread(fd, &c, 1, at), 1);
    c ^= 0x20;
    assert_int_equal(pwrite(fd, &c, 1, at), 1);
    assert_int_equal(lc_archive_verify_dir(dir, &size, report, sizeof report), LC_ECORRUPT);
    assert_non_null(strstr(report, "record 7"));
    c ^= 0x20;
    assert_int_equal(pwrite(fd, &c, 1, at), 1);

    /* cutting whole acknowledged records off the end is a rollback: the
     * signed checkpoint says there were 20 */
    assert_int_equal(ftruncate(fd, 15 * rec), 0);
    close(fd);
    struct lc_archive *b = NULL;
    assert_int_equal(lc_archive_open(dir, "test/archive", 0, &b, report, sizeof report),
                     LC_ECORRUPT);
    assert_non_null(strstr(report, "checkpoint"));
}
/* Every leaf is the record in jansson's canonical form (compact, keys
 * sorted), with exactly {at, data, sealed?, ts, type}, data without its
 * personal members, and the sealed box holding exactly those. */
static void test_leaves_are_canonical_records(void **state)
{
    static const char *datas[] = {
        "{\"room_id\":\"r1\",\"z\":1,\"a\":[1,2.5,{\"y\":null,\"x\":true}]}",
        "{\"room_id\":\"r1\",\"text\":\"\u4e2d\u6587 \\\" \\\\ \\n \\u0001 /\",\"user_id\":\"u9\"}",
        "{\"order_id\":\"o\\t1\",\"buyer_id\":42,\"phone\":[\"1\",\"2\"],\"amount\":0.1}",
        "{}",
        "{\"nickname\":{\"b\":1,\"a\":2},\"\u00e9\":\"\u2028\",\"room_id\":\"r2\"}",
    };
    struct lc_archive *a = open_archive();
    for (size_t i = 0; i < sizeof datas / sizeof *datas; i++) {
        json_t *d = json_loads(datas[i], 0, NULL);
        assert_non_null(d);
        json_t *rec = json_pack("{s:s, s:s, s:O}", "type", "t\"1", "ts", "2026-01-01T00:00:00Z",
                                "data", d);
        struct lc_errinfo e = {0};
        uint64_t idx = 0;
        assert_int_equal(lc_archive_append(a, &rec, 1, &idx, &e), LC_OK);
        uint8_t *raw = NULL;
        size_t n = 0;
        assert_int_equal(lc_seglog_read(a->log, idx, &raw, &n), LC_OK);
        json_t *back = json_loadb((const char *)raw, n, 0, NULL);
        assert_non_null(back);
        char *again = json_dumps(back, JSON_COMPACT | JSON_SORT_KEYS);
        assert_int_equal(strlen(again), n);
        assert_memory_equal(again, raw, n);
        size_t keys = json_object_get(back, "sealed") ? 5 : 4;
        assert_int_equal(json_object_size(back), keys);
        assert_string_equal(json_string_value(json_object_get(back, "type")), "t\"1");
        json_t *pii = json_object(), *plain = json_object();
        const char *k;
        json_t *v;
        json_object_foreach(d, k, v) json_object_set(lc_archive_personal(k) ? pii : plain, k, v);
        assert_true(json_equal(json_object_get(back, "data"), plain));
        uint8_t key[32];
        if (json_object_size(pii)) {
            json_t *opened = NULL;
            assert_int_equal(lc_seglog_key(a->log, idx, key), LC_OK);
            assert_int_equal(lc_archive_open_sealed(back, key, &opened), LC_OK);
            assert_true(json_equal(opened, pii));
            json_decref(opened);
        } else {
            assert_null(json_object_get(back, "sealed"));
            assert_int_equal(lc_seglog_key(a->log, idx, key), LC_ENOTFOUND);
        }
        json_decref(pii);
        json_decref(plain);
        free(again);
        json_decref(back);
        free(raw);
        json_decref(rec);
        json_decref(d);
    }
    lc_archive_close(a);
}

struct appender {
    struct lc_archive *a;
    int id, failures;
};

static void *append_many(void *arg)
{
    struct appender *ap = arg;
    for (int k = 0; k < 40; k++) {
        char data[160];
        snprintf(data, sizeof data,
                 "{\"room_id\":\"rc%d\",\"order_id\":\"oc%d-%d\",\"state\":\"created\","
                 "\"buyer_id\":\"b\"}",
                 ap->id % 3, ap->id, k);
        json_t *d = json_loads(data, 0, NULL);
        json_t *rec = json_pack("{s:s, s:s, s:o}", "type", "order", "ts", "2026-01-01T00:00:00Z",
                                "data", d);
        struct lc_errinfo e = {0};
        if (lc_archive_append(ap->a, &rec, 1, NULL, &e) != LC_OK)
            ap->failures++;
        json_decref(rec);
    }
    return NULL;
}

/* Appenders get their log indexes in one order and may reach the index in
 * another; every record must still be indexed (found by export). */
static void test_concurrent_appends_are_all_indexed(void **state)
{
    struct lc_archive *a = open_archive();
    pthread_t t[16];
    struct appender ap[16];
    for (int i = 0; i < 16; i++) {
        ap[i] = (struct appender){a, i, 0};
        assert_int_equal(pthread_create(&t[i], NULL, append_many, &ap[i]), 0);
    }
    int failures = 0;
    for (int i = 0; i < 16; i++) {
        pthread_join(t[i], NULL);
        failures += ap[i].failures;
    }
    assert_int_equal(failures, 0);
    assert_int_equal(lc_archive_size(a), 16 * 40);
    size_t total = 0;
    for (int r = 0; r < 3; r++) {
        char room[8];
        snprintf(room, sizeof room, "rc%d", r);
        json_t *b = export(a, "room_id", room, 0);
        total += json_array_size(json_object_get(b, "records"));
        json_decref(b);
    }
    assert_int_equal(total, 16 * 40);
    /* the index built while appending equals the one rebuilt from the log */
    json_t *before = json_array(), *after = json_array();
    for (int pass = 0; pass < 2; pass++) {
        if (pass) {
            lc_archive_close(a);
            a = open_archive();
        }
        for (int i = 0; i < 16; i++) {
            char g[32];
            json_t *r = NULL;
            struct lc_errinfo e = {0};
            snprintf(g, sizeof g, i < 3 ? "room:rc%d@2026-01-01" : "order:oc%d-39", i);
            assert_int_equal(lc_archive_retention(a, g, 0, &r, &e), LC_OK);
            json_array_append_new(pass ? after : before, r);
        }
    }
    assert_true(json_equal(before, after));
    json_decref(before);
    json_decref(after);
    lc_archive_close(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_personal_fields_are_sealed_in_the_log_and_masked_on_read, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_purge_before_expiry_is_refused_and_the_clock_starts_at_completion, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_after_sale_reopens_the_order_and_extends_retention,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_session_is_kept_until_its_last_order_completes,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_a_legal_hold_blocks_purge_after_expiry_until_released, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention_extends_but_never_shortens, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_after_purge_proofs_verify_and_the_content_is_gone,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_a_tampered_bundle_fails_verification_with_the_reason, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_verify_dir_finds_the_bad_record_and_open_detects_rollback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_appends_are_all_indexed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_leaves_are_canonical_records, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
