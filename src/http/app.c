/* app.c -- opens a data folder into a running application context:
 * store, sealing key, logs, registry, group-commit writer, gate, metrics. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/ticker.h"
#include "core/time.h"
#include "http/http.h"
#include "http/server.h"
#include "text/text.h"

/* Gate decisions reach the archive within this long (or once this many
 * wait); reconciliation on start looks back this far before the newest
 * archived decision, and at sessions opened up to a week before that. */
#define LC_APP_ARCHIVE_FLUSH_MS 5
#define LC_APP_ARCHIVE_BATCH 512
#define LC_APP_RECONCILE_MARGIN 60
#define LC_APP_SESSION_MAX ((int64_t)7 * 86400)

static int mkdir_p(const char *path, mode_t mode)
{
    return mkdir(path, mode) == 0 || errno == EEXIST ? 0 : -1;
}

enum lc_err lc_data_open_store(const char *dir, struct lc_store **out, char *why, size_t whylen)
{
    char path[4096];
    if (mkdir_p(dir, 0750) != 0) {
        snprintf(why, whylen, "cannot create data folder %s: %s", dir, strerror(errno));
        return LC_EIO;
    }
    snprintf(path, sizeof path, "%s/livecomply.db", dir);
    return lc_store_open_sqlite(path, out, why, whylen);
}

void lc_app_close(struct lc_app *app)
{
    if (!app)
        return;
    lc_ticker_stop(app->purger); /* it uses the archive and the event log */
    lc_enforce_free(app->enforce);
    lc_monitor_free(app->monitor);
    lc_rules_live_free(app->rules);
    free(app->rules_path);
    lc_gate_free(app->gate);
    lc_batch_free(app->batch);
    lc_registry_free(app->reg);
    lc_metrics_free(app->metrics);
    lc_cache_free(app->tokens);
    lc_seal_free(app->seal);
    /* the writers are gone: drain the archiver before the archive closes */
    if (app->archiver) {
        lc_store_observe(app->store, NULL, NULL);
        lc_archiver_free(app->archiver);
    }
    lc_store_close(app->store);
    lc_archive_close(app->archive);
    lc_log_free(app->access);
    lc_log_free(app->events);
    free(app);
}

static const char **route_names(void)
{
    static const char *names[128];
    for (unsigned i = 0; i < lc_nroutes && i < 127; i++)
        names[i] = lc_routes[i].name;
    names[lc_nroutes] = "unmatched";
    return names;
}

/* Loads the rule packs and starts the monitor.  With no path given, ./rules
 * is used when it exists; otherwise moderation stays off (503 on its
 * endpoints) and the registry and gate still run. */
int lc_app_load_rules(struct lc_app *app, const char *path, char *why, size_t whylen);
int lc_app_load_rules(struct lc_app *app, const char *path, char *why, size_t whylen)
{
    struct stat st;
    if (!path) {
        if (stat("rules", &st) != 0)
            return 0;
        path = "rules";
    }
    struct lc_ruleset *rs = NULL;
    struct lc_rules_diag diag = {0};
    if (lc_text_init() != LC_OK) {
        snprintf(why, whylen, "cannot build the text tables");
        return -1;
    }
    if (lc_rules_load(path, LC_ENGINE_AUTO, &rs, &diag) != LC_OK) {
        snprintf(why, whylen, "rule packs: %s:%u: %s", diag.file[0] ? diag.file : path,
                 diag.line, diag.message);
        return -1;
    }
    app->rules_path = strdup(path);
    if (!app->rules_path || lc_rules_live_new(rs, &app->rules) != LC_OK) {
        lc_ruleset_free(rs);
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    if (lc_monitor_new(app->store, app->reg, app->rules, app->events, &app->monitor) != LC_OK) {
        snprintf(why, whylen, "cannot start the monitor");
        return -1;
    }
    fprintf(stderr, "rule packs: %zu rules (%s)\n", lc_ruleset_count(rs),
            lc_ruleset_version(rs));
    return 0;
}

/* Loads the enforcement policy and starts the enforcer.  With no path
 * given, ./policy/default.policy is used when it exists; otherwise
 * violations stay open for people to handle (503 on measure endpoints). */
int lc_app_load_policy(struct lc_app *app, const char *path, const char *control,
                       const char *notify, char *why, size_t whylen);
int lc_app_load_policy(struct lc_app *app, const char *path, const char *control,
                       const char *notify, char *why, size_t whylen)
{
    struct stat st;
    if (!path) {
        if (stat("policy/default.policy", &st) != 0)
            return 0;
        path = "policy/default.policy";
    }
    struct lc_policy *p = NULL;
    struct lc_policy_diag diag = {0};
    if (lc_policy_load(path, &p, &diag) != LC_OK) {
        snprintf(why, whylen, "policy: %s:%u: %s", path, diag.line, diag.message);
        return -1;
    }
    struct lc_enforce_opts o = {control, notify, 1000};
    if (lc_enforce_new(app->store, app->reg, p, app->events, &o, &app->enforce) != LC_OK) {
        lc_policy_free(p);
        snprintf(why, whylen, "cannot start enforcement");
        return -1;
    }
    lc_gate_set_sanctions(app->gate, lc_enforce_sanctions, app->enforce);
    lc_registry_set_admission(app->reg, lc_enforce_admit, app->enforce);
    fprintf(stderr, "policy: %s%s\n", lc_policy_version(p),
            control ? "" : " (no --nginx-control: suspensions cannot cut running streams)");
    return 0;
}

/* One retention sweep: purges every record whose retention has ended and
 * that no hold covers (archive.h), and logs what it did. */
static void purge_tick(void *arg)
{
    struct lc_app *app = arg;
    struct lc_errinfo e = {0};
    size_t n = 0;
    enum lc_err err =
        lc_archive_purge_expired(app->archive, lc_time_now(), "retention-sweep", &n, &e);
    if (err == LC_OK && n == 0)
        return;
    json_t *ev = err == LC_OK ? json_pack("{s:s, s:I}", "event", "retention.purged", "records",
                                          (json_int_t)n)
                              : json_pack("{s:s, s:s}", "event", "retention.purge_failed",
                                          "error", e.message[0] ? e.message : lc_err_name(err));
    lc_log_write(app->events, "archive", ev);
    json_decref(ev);
}

/* Starts the retention sweep every seconds (0: none). */
int lc_app_start_purger(struct lc_app *app, unsigned seconds, char *why, size_t whylen);
int lc_app_start_purger(struct lc_app *app, unsigned seconds, char *why, size_t whylen)
{
    if (!seconds)
        return 0;
    if (lc_ticker_start(seconds * 1000u, purge_tick, app, &app->purger) != LC_OK) {
        snprintf(why, whylen, "cannot start the retention sweep");
        return -1;
    }
    return 0;
}

int lc_app_open(const char *dir, struct lc_app **out, char *why, size_t whylen)
{
    char path[4096];
    struct lc_app *app = calloc(1, sizeof *app);
    if (!app) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    if (lc_data_open_store(dir, &app->store, why, whylen) != LC_OK)
        goto fail;
    snprintf(path, sizeof path, "%s/keys", dir);
    if (mkdir_p(path, 0700) != 0) {
        snprintf(why, whylen, "cannot create %s: %s", path, strerror(errno));
        goto fail;
    }
    snprintf(path, sizeof path, "%s/keys/pii.key", dir);
    if (lc_seal_open(path, &app->seal, why, whylen) != LC_OK)
        goto fail;
    snprintf(path, sizeof path, "%s/log", dir);
    if (mkdir_p(path, 0750) != 0) {
        snprintf(why, whylen, "cannot create %s: %s", path, strerror(errno));
        goto fail;
    }
    snprintf(path, sizeof path, "%s/log/access.jsonl", dir);
    if (lc_log_open(path, &app->access) != LC_OK)
        goto fail_log;
    snprintf(path, sizeof path, "%s/log/events.jsonl", dir);
    if (lc_log_open(path, &app->events) != LC_OK)
        goto fail_log;
    if (lc_archive_open(dir, NULL, 1000, &app->archive, why, whylen) != LC_OK)
        goto fail;
    /* a crash may have lost queued gate decisions: put them back before
     * anything writes; then decisions go through the archiver's queue */
    if (lc_archiver_reconcile(app->archive, app->store, LC_APP_RECONCILE_MARGIN,
                              LC_APP_SESSION_MAX, NULL) != LC_OK ||
        lc_archiver_new(app->archive, LC_APP_ARCHIVE_FLUSH_MS, LC_APP_ARCHIVE_BATCH,
                        &app->archiver) != LC_OK) {
        snprintf(why, whylen, "cannot reconcile the archive with the store");
        goto fail;
    }
    lc_store_observe(app->store, lc_archiver_observe, app->archiver);
    if (lc_registry_new(app->store, app->seal, app->events, &app->reg) != LC_OK ||
        lc_batch_new(app->store, &app->batch) != LC_OK ||
        lc_gate_new(app->reg, app->store, app->batch, app->events, &app->gate) != LC_OK ||
        lc_metrics_new(route_names(), lc_nroutes + 1, &app->metrics) != LC_OK ||
        lc_auth_cache_new(&app->tokens) != LC_OK) {
        snprintf(why, whylen, "cannot start the registry, gate or metrics");
        goto fail;
    }
    *out = app;
    return 0;
fail_log:
    snprintf(why, whylen, "cannot open %s: %s", path, strerror(errno));
fail:
    lc_app_close(app);
    return -1;
}
