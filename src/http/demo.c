/* demo.c -- the small data set `make run` loads into an empty data folder:
 * one MCN agency, one verified room operator, one verified and trained
 * adult host with a room, plus admin and hook tokens.  It goes through the
 * same registry calls as the API, and writes DIR/demo.txt with the tokens
 * and the stream URL so a person can try the gate at once. */
#include <stdio.h>
#include <string.h>

#include "http/http.h"

static int has_agency(void *ctx, const struct lc_record *r)
{
    *(int *)ctx = 1;
    return 1;
}

static const char *id_of(json_t *o)
{
    return lc_jstr(o, "id");
}

/* Creates one object through fn and returns it (new reference) or NULL. */
static json_t *make(struct lc_app *app, json_t *in,
                    enum lc_err (*fn)(struct lc_registry *, json_t *, const struct lc_access *,
                                      json_t **, struct lc_errinfo *))
{
    struct lc_access a = {NULL, false, "demo"};
    struct lc_errinfo e = {0};
    json_t *out = NULL;
    if (!in || fn(app->reg, in, &a, &out, &e) != LC_OK) {
        fprintf(stderr, "demo: %s %s\n", e.code, e.message);
        out = NULL;
    }
    json_decref(in);
    return out;
}

static enum lc_err verify(struct lc_app *app, const char *kind, const char *id, const char *now)
{
    struct lc_access a = {NULL, false, "demo"};
    struct lc_errinfo e = {0};
    json_t *out = NULL;
    json_t *in = json_pack("{s:s, s:s, s:s}", "method", "face_match", "result", "pass",
                           "checked_at", now);
    enum lc_err err = in ? lc_registry_add_verification(app->reg, kind, id, in, &a, &out, &e)
                         : LC_ENOMEM;
    json_decref(in);
    json_decref(out);
    return err;
}

static void write_notes(const char *dir, const char *listen, const char *admin,
                        const char *hook, json_t *room)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/demo.txt", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fprintf(f,
            "livecomply demo data\n"
            "admin token: %s\n"
            "hook token:  %s\n"
            "room: %s  stream key: %s\n\n"
            "try:\n"
            "  curl -s -H 'Authorization: Bearer %s' http://%s/v1/hosts\n"
            "  curl -s -H 'Authorization: Bearer %s' http://%s/v1/gate/decisions\n"
            "  curl -s -d 'app=live&call=publish&clientid=1&name=%s&key=%s' \\\n"
            "       'http://%s/hooks/rtmp/publish?token=%s'      # ask the gate as nginx would\n"
            "nginx-rtmp: on_publish http://%s/hooks/rtmp/publish?token=%s;\n"
            "publish to: rtmp://127.0.0.1:1935/live/%s?key=%s\n",
            admin, hook, id_of(room), lc_jstr(room, "stream_key"), admin, listen, admin,
            listen, id_of(room), lc_jstr(room, "stream_key"), listen, hook, listen, hook,
            id_of(room), lc_jstr(room, "stream_key"));
    fclose(f);
}

/* Shows DIR/demo.txt (tokens, stream URL, commands to try) on stderr. */
static void print_notes(const char *dir)
{
    char path[4096], line[512];
    snprintf(path, sizeof path, "%s/demo.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "demo: %s already holds data (no demo.txt)\n", dir);
        return;
    }
    fprintf(stderr, "---- %s\n", path);
    while (fgets(line, sizeof line, f))
        fputs(line, stderr);
    fprintf(stderr, "----\n");
    fclose(f);
}

enum lc_err lc_demo_load(struct lc_app *app, const char *dir, const char *listen);

enum lc_err lc_demo_load(struct lc_app *app, const char *dir, const char *listen)
{
    int found = 0;
    struct lc_query q = {.kind = LC_K_AGENCY, .limit = 1};
    if (lc_store_list(app->store, &q, has_agency, &found) != LC_OK)
        return LC_EIO;
    if (found) {
        print_notes(dir);
        return LC_OK;
    }
    char now[LC_TIME_STRLEN], admin[LC_TOKEN_MAX], hook[LC_TOKEN_MAX], why[128];
    lc_time_format(lc_time_now() - 60, now);
    json_t *agency = make(app, json_pack("{s:s, s:s}", "name", "Demo MCN Agency",
                                         "credit_code", "91512081MA62K0260E"),
                          lc_registry_create_agency);
    json_t *oper = make(app, json_pack("{s:s, s:s}", "name", "Demo Live Room Co.",
                                       "credit_code", "91350100M000100Y43"),
                        lc_registry_create_operator);
    json_t *host = agency ? make(app, json_pack("{s:s, s:s, s:s, s:s}", "name", "张三",
                                                "id_number", "11010519491231002X", "phone",
                                                "13812345678", "agency_id", id_of(agency)),
                                 lc_registry_create_host)
                          : NULL;
    json_t *training = host ? make(app, json_pack("{s:s, s:s}", "host_id", id_of(host),
                                                  "completed_at", now),
                                   lc_registry_add_training)
                            : NULL;
    json_t *room = host && oper ? make(app, json_pack("{s:s, s:s, s:s}", "name",
                                                      "Demo Room", "operator_id", id_of(oper),
                                                      "host_id", id_of(host)),
                                       lc_registry_create_room)
                                : NULL;
    enum lc_err err = room && training ? LC_OK : LC_EIO;
    if (err == LC_OK)
        err = verify(app, LC_K_HOST, id_of(host), now);
    if (err == LC_OK)
        err = verify(app, LC_K_OPERATOR, id_of(oper), now);
    if (err == LC_OK)
        err = lc_auth_create(app->store, LC_ROLE_ADMIN, NULL, admin, why, sizeof why);
    if (err == LC_OK)
        err = lc_auth_create(app->store, LC_ROLE_HOOK, NULL, hook, why, sizeof why);
    if (err == LC_OK) {
        write_notes(dir, listen, admin, hook, room);
        print_notes(dir);
    }
    json_decref(agency);
    json_decref(oper);
    json_decref(host);
    json_decref(training);
    json_decref(room);
    return err;
}
