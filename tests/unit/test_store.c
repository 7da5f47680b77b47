/* test_store.c -- the storage interface over its SQLite backend.
 *
 * Each test gets a fresh database in its own temporary directory.  A few
 * tests reach past the interface with raw sqlite3 calls to plant or inspect
 * what the store cannot show (migration rows, query plans). */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/sqlite.h"
#include "store/store.h"

struct fixture {
    char dir[64];
    char path[128];
    struct lc_store *s;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    char err[256] = "";

    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/lc_store_XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/lc.db", f->dir);
    if (lc_store_open_sqlite(f->path, &f->s, err, sizeof err) != LC_OK) {
        fprintf(stderr, "open: %s\n", err);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    const char *suffix[] = {"", "-wal", "-shm"};
    char p[160];

    lc_store_close(f->s);
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, suffix[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* A record with fixed timestamps; strings are borrowed. */
static struct lc_record rec(const char *kind, const char *id, const char *scope,
                            const char *key, const char *ref, int64_t created,
                            const char *body)
{
    struct lc_record r = {0};

    snprintf(r.kind, sizeof r.kind, "%s", kind);
    snprintf(r.id, sizeof r.id, "%s", id);
    r.scope = (char *)scope;
    r.key = (char *)key;
    r.ref = (char *)ref;
    r.created_at = created;
    r.updated_at = created;
    r.body = (char *)body;
    return r;
}

static void insert(struct lc_store *s, const char *kind, const char *id, const char *scope,
                   const char *key, const char *ref, int64_t created)
{
    struct lc_record r = rec(kind, id, scope, key, ref, created, "{}");
    assert_int_equal(lc_store_insert(s, &r), LC_OK);
}

/* Collects the ids list() hands out, in order. */
struct ids {
    char id[256][LC_ID_MAX];
    size_t n;
    size_t stop_after; /* 0 = never stop */
};

static int collect(void *ctx, const struct lc_record *r)
{
    struct ids *ids = ctx;

    if (ids->n < 256)
        snprintf(ids->id[ids->n], LC_ID_MAX, "%s", r->id);
    ids->n++;
    return ids->stop_after && ids->n >= ids->stop_after;
}

/* Runs q and checks the ids come out exactly as the comma-separated want. */
static void assert_list(struct lc_store *s, const struct lc_query *q, const char *want)
{
    struct ids ids = {0};
    char got[1024] = "";

    assert_int_equal(lc_store_list(s, q, collect, &ids), LC_OK);
    for (size_t i = 0; i < ids.n; i++) {
        if (i)
            strcat(got, ",");
        strcat(got, ids.id[i]);
    }
    assert_string_equal(got, want);
}

static int64_t raw_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v = -1;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void insert_then_get_returns_every_field(void **state)
{
    struct fixture *f = *state;
    struct lc_record r = rec("host", "host_01", "agency_1", "kx", "parent_9", 1000,
                             "{\"name\":\"a\"}");
    struct lc_record got = {0};

    r.updated_at = 1001;
    r.version = 7; /* ignored: an insert always stores version 1 */
    assert_int_equal(lc_store_insert(f->s, &r), LC_OK);
    assert_int_equal(lc_store_get(f->s, "host", "host_01", &got), LC_OK);
    assert_string_equal(got.kind, "host");
    assert_string_equal(got.id, "host_01");
    assert_string_equal(got.scope, "agency_1");
    assert_string_equal(got.key, "kx");
    assert_string_equal(got.ref, "parent_9");
    assert_int_equal(got.created_at, 1000);
    assert_int_equal(got.updated_at, 1001);
    assert_int_equal(got.version, 1);
    assert_string_equal(got.body, "{\"name\":\"a\"}");
    lc_record_cleanup(&got);
}

static void insert_then_get_keeps_null_scope_key_ref(void **state)
{
    struct fixture *f = *state;
    struct lc_record r = rec("host", "host_02", NULL, NULL, NULL, 5, "[]");
    struct lc_record got = {0};

    assert_int_equal(lc_store_insert(f->s, &r), LC_OK);
    assert_int_equal(lc_store_get(f->s, "host", "host_02", &got), LC_OK);
    assert_null(got.scope);
    assert_null(got.key);
    assert_null(got.ref);
    assert_string_equal(got.body, "[]");
    lc_record_cleanup(&got);
}

static void get_of_missing_record_is_not_found_and_leaves_out_alone(void **state)
{
    struct fixture *f = *state;
    struct lc_record out = {.version = 42};

    insert(f->s, "host", "a", NULL, NULL, NULL, 1);
    assert_int_equal(lc_store_get(f->s, "host", "b", &out), LC_ENOTFOUND);
    assert_int_equal(lc_store_get(f->s, "agency", "a", &out), LC_ENOTFOUND);
    assert_int_equal(out.version, 42);
    assert_null(out.body);
}

static void insert_of_existing_id_conflicts_and_keeps_the_first(void **state)
{
    struct fixture *f = *state;
    struct lc_record a = rec("host", "h1", NULL, NULL, NULL, 1, "\"first\"");
    struct lc_record b = rec("host", "h1", "s", NULL, NULL, 2, "\"second\"");
    struct lc_record got = {0};

    assert_int_equal(lc_store_insert(f->s, &a), LC_OK);
    assert_int_equal(lc_store_insert(f->s, &b), LC_ECONFLICT);
    assert_int_equal(lc_store_get(f->s, "host", "h1", &got), LC_OK);
    assert_string_equal(got.body, "\"first\"");
    assert_null(got.scope);
    lc_record_cleanup(&got);
}

static void same_id_in_another_kind_is_a_separate_record(void **state)
{
    struct fixture *f = *state;

    insert(f->s, "host", "x1", NULL, NULL, NULL, 1);
    insert(f->s, "agency", "x1", NULL, NULL, NULL, 1);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM records"), 2);
}

static void apply_stores_every_write_of_a_batch(void **state)
{
    struct fixture *f = *state;
    struct lc_record a = rec("host", "a", NULL, NULL, NULL, 1, "{}");
    struct lc_record b = rec("host", "b", NULL, NULL, NULL, 1, "{}");
    struct lc_write w[] = {{LC_WRITE_INSERT, &a}, {LC_WRITE_INSERT, &b}};

    assert_int_equal(lc_store_apply(f->s, w, 2), LC_OK);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM records"), 2);
}

static void apply_is_all_or_none_when_second_write_conflicts(void **state)
{
    struct fixture *f = *state;
    struct lc_record a = rec("host", "a", NULL, NULL, NULL, 1, "{}");
    struct lc_record b = rec("host", "b", NULL, NULL, NULL, 1, "{}");
    struct lc_write w[] = {{LC_WRITE_INSERT, &a}, {LC_WRITE_INSERT, &b}};
    struct lc_record got = {0};

    insert(f->s, "host", "b", NULL, NULL, NULL, 1);
    assert_int_equal(lc_store_apply(f->s, w, 2), LC_ECONFLICT);
    assert_int_equal(lc_store_get(f->s, "host", "a", &got), LC_ENOTFOUND);
    /* The connection is usable again: the failed transaction was closed. */
    assert_int_equal(lc_store_insert(f->s, &a), LC_OK);
}

static void apply_rolls_back_earlier_update_when_later_update_is_missing(void **state)
{
    struct fixture *f = *state;
    struct lc_record a = rec("host", "a", NULL, NULL, NULL, 1, "\"new\"");
    struct lc_record z = rec("host", "z", NULL, NULL, NULL, 1, "{}");
    struct lc_write w[] = {{LC_WRITE_UPDATE, &a}, {LC_WRITE_UPDATE, &z}};
    struct lc_record got = {0};

    insert(f->s, "host", "a", NULL, NULL, NULL, 1);
    a.version = 1;
    assert_int_equal(lc_store_apply(f->s, w, 2), LC_ENOTFOUND);
    assert_int_equal(lc_store_get(f->s, "host", "a", &got), LC_OK);
    assert_string_equal(got.body, "{}");
    assert_int_equal(got.version, 1);
    lc_record_cleanup(&got);
}

static void apply_rejects_record_without_body(void **state)
{
    struct fixture *f = *state;
    struct lc_record r = rec("host", "a", NULL, NULL, NULL, 1, NULL);

    assert_int_equal(lc_store_insert(f->s, &r), LC_EINVAL);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM records"), 0);
}

static void update_replaces_fields_and_bumps_version(void **state)
{
    struct fixture *f = *state;
    struct lc_record r = rec("host", "h", "s1", "k1", "r1", 100, "\"v1\"");
    struct lc_record got = {0};

    assert_int_equal(lc_store_insert(f->s, &r), LC_OK);
    r = rec("host", "h", NULL, "k2", "r2", 999, "\"v2\"");
    r.updated_at = 200;
    r.version = 1;
    assert_int_equal(lc_store_update(f->s, &r), LC_OK);
    assert_int_equal(lc_store_get(f->s, "host", "h", &got), LC_OK);
    assert_null(got.scope);
    assert_string_equal(got.key, "k2");
    assert_string_equal(got.ref, "r2");
    assert_int_equal(got.created_at, 100); /* not an updatable field */
    assert_int_equal(got.updated_at, 200);
    assert_int_equal(got.version, 2);
    assert_string_equal(got.body, "\"v2\"");
    lc_record_cleanup(&got);
}

static void update_with_stale_version_conflicts_and_changes_nothing(void **state)
{
    struct fixture *f = *state;
    struct lc_record r = rec("host", "h", NULL, NULL, NULL, 1, "\"v1\"");
    struct lc_record got = {0};

    assert_int_equal(lc_store_insert(f->s, &r), LC_OK);
    r.version = 1;
    r.body = "\"v2\"";
    assert_int_equal(lc_store_update(f->s, &r), LC_OK);
    r.body = "\"v3\"";
    assert_int_equal(lc_store_update(f->s, &r), LC_ECONFLICT); /* still version 1 */
    assert_int_equal(lc_store_get(f->s, "host", "h", &got), LC_OK);
    assert_string_equal(got.body, "\"v2\"");
    assert_int_equal(got.version, 2);
    lc_record_cleanup(&got);
}

static void update_of_missing_record_is_not_found(void **state)
{
    struct fixture *f = *state;
    struct lc_record r = rec("host", "nope", NULL, NULL, NULL, 1, "{}");

    r.version = 1;
    assert_int_equal(lc_store_update(f->s, &r), LC_ENOTFOUND);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM records"), 0);
}

static void insert_then_update_in_one_batch_lands_at_version_two(void **state)
{
    struct fixture *f = *state;
    struct lc_record a = rec("host", "a", NULL, NULL, NULL, 1, "\"v1\"");
    struct lc_record b = rec("host", "a", NULL, NULL, NULL, 1, "\"v2\"");
    struct lc_write w[] = {{LC_WRITE_INSERT, &a}, {LC_WRITE_UPDATE, &b}};
    struct lc_record got = {0};

    b.version = 1;
    assert_int_equal(lc_store_apply(f->s, w, 2), LC_OK);
    assert_int_equal(lc_store_get(f->s, "host", "a", &got), LC_OK);
    assert_string_equal(got.body, "\"v2\"");
    assert_int_equal(got.version, 2);
    lc_record_cleanup(&got);
}

static void find_returns_newest_record_with_key(void **state)
{
    struct fixture *f = *state;
    struct lc_record got = {0};

    insert(f->s, "ident", "i_002", NULL, "k", NULL, 1);
    insert(f->s, "ident", "i_003", NULL, "k", NULL, 1);
    insert(f->s, "ident", "i_001", NULL, "k", NULL, 1);
    insert(f->s, "ident", "i_009", NULL, "other", NULL, 1);
    insert(f->s, "zzz", "i_999", NULL, "k", NULL, 1);
    assert_int_equal(lc_store_find(f->s, "ident", "k", &got), LC_OK);
    assert_string_equal(got.id, "i_003");
    assert_string_equal(got.kind, "ident");
    lc_record_cleanup(&got);
}

static void find_of_unknown_key_is_not_found(void **state)
{
    struct fixture *f = *state;
    struct lc_record got = {0};

    insert(f->s, "ident", "i_001", NULL, "k", NULL, 1);
    assert_int_equal(lc_store_find(f->s, "ident", "missing", &got), LC_ENOTFOUND);
    assert_int_equal(lc_store_find(f->s, "other", "k", &got), LC_ENOTFOUND);
    assert_null(got.body);
}

/* Six hosts over two scopes, two refs and two keys, plus a record of
 * another kind that matches every filter. */
static void seed_filters(struct lc_store *s)
{
    insert(s, "host", "h1", "s1", "k1", "r1", 10);
    insert(s, "host", "h2", "s2", "k1", "r2", 20);
    insert(s, "host", "h3", "s1", "k2", "r2", 30);
    insert(s, "host", "h4", "s2", "k2", "r1", 40);
    insert(s, "host", "h5", "s1", NULL, NULL, 50);
    insert(s, "host", "h6", NULL, "k1", "r1", 60);
    insert(s, "room", "h0", "s1", "k1", "r1", 10);
}

static void list_filters_by_scope_ref_and_key(void **state)
{
    struct fixture *f = *state;

    seed_filters(f->s);
    assert_list(f->s, &(struct lc_query){.kind = "host"}, "h1,h2,h3,h4,h5,h6");
    assert_list(f->s, &(struct lc_query){.kind = "host", .scope = "s1"}, "h1,h3,h5");
    assert_list(f->s, &(struct lc_query){.kind = "host", .ref = "r1"}, "h1,h4,h6");
    assert_list(f->s, &(struct lc_query){.kind = "host", .key = "k2"}, "h3,h4");
    assert_list(f->s, &(struct lc_query){.kind = "host", .scope = "s1", .ref = "r2"}, "h3");
    assert_list(f->s, &(struct lc_query){.kind = "host", .scope = "s2", .key = "k1", .ref = "r2"},
                "h2");
    assert_list(f->s, &(struct lc_query){.kind = "host", .scope = "nobody"}, "");
    assert_list(f->s, &(struct lc_query){.kind = "host", .ref = "r1", .newest_first = true},
                "h6,h4,h1");
}

static void list_limit_caps_the_rows(void **state)
{
    struct fixture *f = *state;

    seed_filters(f->s);
    assert_list(f->s, &(struct lc_query){.kind = "host", .limit = 2}, "h1,h2");
    assert_list(f->s, &(struct lc_query){.kind = "host", .limit = 2, .newest_first = true},
                "h6,h5");
}

static void list_from_to_selects_half_open_created_at_range(void **state)
{
    struct fixture *f = *state;

    seed_filters(f->s);
    assert_list(f->s, &(struct lc_query){.kind = "host", .from = 20, .to = 50}, "h2,h3,h4");
    assert_list(f->s, &(struct lc_query){.kind = "host", .scope = "s1", .from = 0, .to = 31},
                "h1,h3");
    /* to == 0 means no range, whatever from says. */
    assert_list(f->s, &(struct lc_query){.kind = "host", .from = 55}, "h1,h2,h3,h4,h5,h6");
}

static void list_stops_early_when_callback_returns_nonzero(void **state)
{
    struct fixture *f = *state;
    struct ids ids = {.stop_after = 3};

    seed_filters(f->s);
    assert_int_equal(lc_store_list(f->s, &(struct lc_query){.kind = "host"}, collect, &ids),
                     LC_OK);
    assert_int_equal(ids.n, 3);
    assert_string_equal(ids.id[2], "h3");
}

/* Walks kind "page" in pages of 4 with the cursor; each id must come out
 * once, in order. */
static void walk_pages(struct lc_store *s, bool newest_first, const char *ids[], size_t n)
{
    char cursor[LC_ID_MAX] = "";
    size_t seen = 0;

    for (;;) {
        struct ids page = {0};
        struct lc_query q = {.kind = "page", .limit = 4, .newest_first = newest_first,
                             .after_id = cursor[0] ? cursor : NULL};

        assert_int_equal(lc_store_list(s, &q, collect, &page), LC_OK);
        assert_true(page.n <= 4);
        if (page.n == 0)
            break;
        for (size_t i = 0; i < page.n; i++) {
            assert_true(seen < n);
            assert_string_equal(page.id[i], ids[newest_first ? n - 1 - seen : seen]);
            seen++;
        }
        snprintf(cursor, sizeof cursor, "%s", page.id[page.n - 1]);
    }
    assert_int_equal(seen, n);
}

static void cursor_pages_visit_each_record_once_in_both_orders(void **state)
{
    struct fixture *f = *state;
    static const char *ids[] = {"p_00", "p_01", "p_02", "p_03", "p_04", "p_05", "p_06",
                                "p_07", "p_08", "p_09", "p_10", "p_11", "p_12", "p_13"};
    const size_t n = sizeof ids / sizeof ids[0];

    /* Inserted out of order, so order must come from the ids. */
    for (size_t i = 0; i < n; i++)
        insert(f->s, "page", ids[(i * 5) % n], NULL, NULL, NULL, 1);
    insert(f->s, "other", "p_05x", NULL, NULL, NULL, 1);
    walk_pages(f->s, false, ids, n);
    walk_pages(f->s, true, ids, n);
}

struct nested {
    struct lc_store *s;
    size_t outer, inner;
};

static int count_inner(void *ctx, const struct lc_record *r)
{
    struct nested *n = ctx;

    n->inner++;
    return 0;
}

static int list_again(void *ctx, const struct lc_record *r)
{
    struct nested *n = ctx;
    struct lc_record got = {0};

    n->outer++;
    assert_int_equal(lc_store_list(n->s, &(struct lc_query){.kind = "host"}, count_inner, n),
                     LC_OK);
    assert_int_equal(lc_store_get(n->s, "host", r->id, &got), LC_OK);
    assert_string_equal(got.id, r->id);
    lc_record_cleanup(&got);
    return 0;
}

static void list_callback_may_list_the_same_shape_again(void **state)
{
    struct fixture *f = *state;
    struct nested n = {.s = f->s};

    insert(f->s, "host", "a", NULL, NULL, NULL, 1);
    insert(f->s, "host", "b", NULL, NULL, NULL, 1);
    insert(f->s, "host", "c", NULL, NULL, NULL, 1);
    assert_int_equal(lc_store_list(f->s, &(struct lc_query){.kind = "host"}, list_again, &n),
                     LC_OK);
    assert_int_equal(n.outer, 3);
    assert_int_equal(n.inner, 9);
}

/* Asks the planner about sql; fails unless it searches index and needs no
 * sort. */
static void assert_plan_uses(const char *path, const char *sql, const char *index)
{
    char plan[1024] = "";
    char explain[700];
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;

    snprintf(explain, sizeof explain, "EXPLAIN QUERY PLAN %s", sql);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, explain, -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        strncat(plan, (const char *)sqlite3_column_text(st, 3), sizeof plan - strlen(plan) - 2);
        strcat(plan, ";");
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (!strstr(plan, index) || strstr(plan, "TEMP B-TREE"))
        fail_msg("plan for %s: %s (want %s, no sort)", sql, plan, index);
}

static void assert_list_plan_uses(const char *path, const struct lc_query *q, const char *index)
{
    char sql[600];

    assert_true(lc_store_sqlite_list_sql(q, sql, sizeof sql) < sizeof sql);
    assert_plan_uses(path, sql, index);
}

static void list_by_key_ref_or_scope_searches_its_index_without_sorting(void **state)
{
    struct fixture *f = *state;

    seed_filters(f->s);
    assert_list_plan_uses(f->path, &(struct lc_query){.kind = "host", .ref = "r"},
                          "USING INDEX records_kind_ref (kind=? AND ref=?)");
    assert_list_plan_uses(f->path,
                          &(struct lc_query){.kind = "host", .ref = "r", .after_id = "x",
                                             .newest_first = true, .limit = 50},
                          "USING INDEX records_kind_ref (kind=? AND ref=? AND id<?)");
    assert_list_plan_uses(f->path, &(struct lc_query){.kind = "host", .key = "k", .limit = 1},
                          "USING INDEX records_kind_key (kind=? AND key=?)");
    assert_list_plan_uses(f->path,
                          &(struct lc_query){.kind = "host", .key = "k", .ref = "r",
                                             .scope = "s", .to = 9},
                          "USING INDEX records_kind_key (kind=? AND key=?)");
    assert_list_plan_uses(f->path,
                          &(struct lc_query){.kind = "host", .scope = "s", .after_id = "x"},
                          "USING INDEX records_kind_scope (kind=? AND scope=? AND id>?)");
    assert_list_plan_uses(f->path, &(struct lc_query){.kind = "host", .after_id = "x"},
                          "USING PRIMARY KEY (kind=? AND id>?)");
}

static void find_searches_the_key_index_without_sorting(void **state)
{
    struct fixture *f = *state;

    seed_filters(f->s);
    assert_plan_uses(f->path, lc_store_sqlite_find_sql(),
                     "USING INDEX records_kind_key (kind=? AND key=?)");
}

static void reopen_keeps_records_and_does_not_rerun_migrations(void **state)
{
    struct fixture *f = *state;
    struct lc_record got = {0};
    char err[256] = "";

    insert(f->s, "host", "kept", "s", NULL, NULL, 1);
    lc_store_close(f->s);
    f->s = NULL;
    /* A marker a re-run of migration 1 would have to overwrite or fail on. */
    raw_exec(f->path, "UPDATE schema_migrations SET applied_at = 7 WHERE version = 1");
    assert_int_equal(lc_store_open_sqlite(f->path, &f->s, err, sizeof err), LC_OK);
    assert_int_equal(lc_store_get(f->s, "host", "kept", &got), LC_OK);
    assert_string_equal(got.scope, "s");
    lc_record_cleanup(&got);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM schema_migrations"), 1);
    assert_int_equal(raw_int(f->path, "SELECT applied_at FROM schema_migrations"), 7);
}

static void open_sets_wal_journal_mode(void **state)
{
    struct fixture *f = *state;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;

    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void open_refuses_database_with_newer_schema_version(void **state)
{
    struct fixture *f = *state;
    struct lc_store *s = NULL;
    char err[256] = "";

    lc_store_close(f->s);
    f->s = NULL;
    raw_exec(f->path, "INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)");
    assert_int_equal(lc_store_open_sqlite(f->path, &s, err, sizeof err), LC_ECORRUPT);
    assert_null(s);
    assert_non_null(strstr(err, "999"));
    assert_non_null(strstr(err, "newer"));
}

static void open_refuses_file_that_is_not_a_database(void **state)
{
    struct fixture *f = *state;
    struct lc_store *s = NULL;
    char path[160];
    char err[256] = "";
    FILE *fp;

    snprintf(path, sizeof path, "%s/junk.db", f->dir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    for (int i = 0; i < 200; i++)
        fputs("this is not an sqlite database. ", fp);
    fclose(fp);
    assert_int_equal(lc_store_open_sqlite(path, &s, err, sizeof err), LC_ECORRUPT);
    assert_null(s);
    assert_true(err[0] != '\0');
    unlink(path);
}

static void open_refuses_in_memory_database(void **state)
{
    struct lc_store *s = NULL;
    char err[256] = "";

    assert_int_not_equal(lc_store_open_sqlite(":memory:", &s, err, sizeof err), LC_OK);
    assert_null(s);
    assert_non_null(strstr(err, "wal"));
}

/* Takes 5 s: the store waits out its busy timeout before giving up. */
static void write_while_another_writer_holds_the_lock_is_busy(void **state)
{
    struct fixture *f = *state;
    struct lc_record r = rec("host", "h", NULL, NULL, NULL, 1, "{}");
    struct lc_record got = {0};
    sqlite3 *db = NULL;

    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(lc_store_insert(f->s, &r), LC_EBUSY);
    /* Readers are not blocked by a writer in WAL mode. */
    assert_int_equal(lc_store_get(f->s, "host", "h", &got), LC_ENOTFOUND);
    assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(lc_store_insert(f->s, &r), LC_OK);
}

#define N_THREADS 4
#define PER_THREAD 500

struct writer {
    struct lc_store *s;
    int t;
    int failures;
    enum lc_err first_err;
};

static void *write_many(void *arg)
{
    struct writer *w = arg;

    for (int i = 0; i < PER_THREAD; i++) {
        char id[LC_ID_MAX];
        struct lc_record got = {0};
        enum lc_err err;

        snprintf(id, sizeof id, "evt_%d_%04d", w->t, i);
        struct lc_record r = rec("evt", id, "s", NULL, id, i, "{}");
        err = lc_store_insert(w->s, &r);
        if (err == LC_OK)
            err = lc_store_get(w->s, "evt", id, &got);
        lc_record_cleanup(&got);
        if (err != LC_OK && w->failures++ == 0)
            w->first_err = err;
    }
    return NULL;
}

static int count_rows(void *ctx, const struct lc_record *r)
{
    (*(size_t *)ctx)++;
    return 0;
}

static void concurrent_inserts_from_four_threads_all_land(void **state)
{
    struct fixture *f = *state;
    pthread_t th[N_THREADS];
    struct writer w[N_THREADS];
    size_t n = 0;

    for (int i = 0; i < N_THREADS; i++) {
        w[i] = (struct writer){.s = f->s, .t = i};
        assert_int_equal(pthread_create(&th[i], NULL, write_many, &w[i]), 0);
    }
    for (int i = 0; i < N_THREADS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < N_THREADS; i++)
        if (w[i].failures)
            fail_msg("thread %d: %d failures, first %s", i, w[i].failures,
                     lc_err_name(w[i].first_err));
    assert_int_equal(lc_store_list(f->s, &(struct lc_query){.kind = "evt"}, count_rows, &n),
                     LC_OK);
    assert_int_equal(n, N_THREADS * PER_THREAD);
}

static void record_copy_duplicates_strings(void **state)
{
    struct lc_record src = rec("host", "h", "s", NULL, "r", 3, "{}");
    struct lc_record dst;

    src.version = 4;
    assert_int_equal(lc_record_copy(&dst, &src), LC_OK);
    assert_ptr_not_equal(dst.scope, src.scope);
    assert_ptr_not_equal(dst.body, src.body);
    assert_string_equal(dst.scope, "s");
    assert_null(dst.key);
    assert_string_equal(dst.ref, "r");
    assert_string_equal(dst.id, "h");
    assert_int_equal(dst.version, 4);
    lc_record_cleanup(&dst);
    assert_null(dst.body);
    lc_record_cleanup(&dst); /* a zeroed record is fine */
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(insert_then_get_returns_every_field),
        T(insert_then_get_keeps_null_scope_key_ref),
        T(get_of_missing_record_is_not_found_and_leaves_out_alone),
        T(insert_of_existing_id_conflicts_and_keeps_the_first),
        T(same_id_in_another_kind_is_a_separate_record),
        T(apply_stores_every_write_of_a_batch),
        T(apply_is_all_or_none_when_second_write_conflicts),
        T(apply_rolls_back_earlier_update_when_later_update_is_missing),
        T(apply_rejects_record_without_body),
        T(update_replaces_fields_and_bumps_version),
        T(update_with_stale_version_conflicts_and_changes_nothing),
        T(update_of_missing_record_is_not_found),
        T(insert_then_update_in_one_batch_lands_at_version_two),
        T(find_returns_newest_record_with_key),
        T(find_of_unknown_key_is_not_found),
        T(list_filters_by_scope_ref_and_key),
        T(list_limit_caps_the_rows),
        T(list_from_to_selects_half_open_created_at_range),
        T(list_stops_early_when_callback_returns_nonzero),
        T(cursor_pages_visit_each_record_once_in_both_orders),
        T(list_callback_may_list_the_same_shape_again),
        T(list_by_key_ref_or_scope_searches_its_index_without_sorting),
        T(find_searches_the_key_index_without_sorting),
        T(reopen_keeps_records_and_does_not_rerun_migrations),
        T(open_sets_wal_journal_mode),
        T(open_refuses_database_with_newer_schema_version),
        T(open_refuses_file_that_is_not_a_database),
        cmocka_unit_test(open_refuses_in_memory_database),
        T(write_while_another_writer_holds_the_lock_is_busy),
        T(concurrent_inserts_from_four_threads_all_land),
        cmocka_unit_test(record_copy_duplicates_strings),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
