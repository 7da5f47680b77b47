/* h_gate.c -- the nginx-rtmp hooks, health and metrics.
 *
 * nginx-rtmp sends a form body (POST) or query string (notify_method get)
 * with its own fields first and the client's stream arguments appended raw;
 * every field is read as its first occurrence (form.h).  The hook token is
 * read from the hook URL's query string only, never from the form body.
 * nginx reads just the status digit and waits for the connection to close,
 * so every hook reply says Connection: close. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/form.h"
#include "http/http.h"

#define FIELD_MAX 256

struct hook_form {
    char app[FIELD_MAX], name[FIELD_MAX], addr[FIELD_MAX], clientid[FIELD_MAX],
        key[FIELD_MAX], call[FIELD_MAX];
    bool has_key;
};

static void field(const char *s, size_t n, const char *k, char *out)
{
    if (!lc_form_get(s, n, k, out, FIELD_MAX))
        out[0] = '\0';
}

/* GET (notify_method get): MHD has parsed the query; its lookup returns the
 * first occurrence of a key, as the form parser does. */
static void read_query(struct lc_req *r, struct hook_form *f)
{
    const char *keys[] = {"app", "name", "addr", "clientid", "key", "call"};
    char *outs[] = {f->app, f->name, f->addr, f->clientid, f->key, f->call};
    for (int i = 0; i < 6; i++) {
        const char *v = lc_query(r, keys[i]);
        snprintf(outs[i], FIELD_MAX, "%s", v ? v : "");
    }
    f->has_key = lc_query(r, "key") != NULL;
}

static void read_form(struct lc_req *r, struct hook_form *f)
{
    if (strcmp(r->method, "POST") != 0) {
        read_query(r, f);
        return;
    }
    const char *s = r->body ? r->body : "";
    size_t n = r->body_len;
    field(s, n, "app", f->app);
    field(s, n, "name", f->name);
    field(s, n, "addr", f->addr);
    field(s, n, "clientid", f->clientid);
    field(s, n, "call", f->call);
    f->has_key = lc_form_get(s, n, "key", f->key, FIELD_MAX);
}

static void publish_of(const struct hook_form *f, struct lc_publish *p)
{
    p->app = f->app;
    p->name = f->name;
    p->addr = f->addr;
    p->clientid = f->clientid;
    p->key = f->has_key ? f->key : NULL;
}

static char *deny_text(unsigned reasons)
{
    char buf[512] = "deny:";
    size_t n = strlen(buf);
    for (unsigned i = 0; i < LC_GR_COUNT; i++)
        if (reasons & (1u << i))
            n += (size_t)snprintf(buf + n, n < sizeof buf ? sizeof buf - n : 0, " %s",
                                  lc_gate_reason_name(i));
    if (n < sizeof buf - 1)
        strcat(buf, "\n");
    return strdup(buf);
}

void lc_h_hook_publish(struct lc_req *r)
{
    struct hook_form f;
    struct lc_publish p;
    struct lc_gate_result res;
    r->close = true;
    read_form(r, &f);
    publish_of(&f, &p);
    if (f.call[0] && strcmp(f.call, "publish") != 0) {
        lc_reply_text(r, 403, "text/plain", strdup("deny: not a publish call\n"));
        return;
    }
    enum lc_err err = lc_gate_publish(r->app->gate, &p, &res);
    if (err != LC_OK) {
        /* nothing could be recorded: refuse (fail closed) */
        lc_metrics_gate(r->app->metrics, 0, 0);
        lc_reply_text(r, 503, "text/plain", strdup("deny: gate unavailable\n"));
        return;
    }
    lc_metrics_gate(r->app->metrics, res.allow, res.reasons);
    if (res.allow)
        lc_reply_text(r, 200, "text/plain", strdup("allow\n"));
    else
        lc_reply_text(r, 403, "text/plain", deny_text(res.reasons));
}

void lc_h_hook_publish_done(struct lc_req *r)
{
    struct hook_form f;
    struct lc_publish p;
    r->close = true;
    read_form(r, &f);
    publish_of(&f, &p);
    enum lc_err err = lc_gate_publish_done(r->app->gate, &p);
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s}", "event", "session.publish_done", "app",
                           f.app, "name", f.name, "clientid", f.clientid, "result",
                           err == LC_OK ? "closed" : lc_err_name(err));
    lc_log_write(r->app->events, "gate", ev);
    json_decref(ev);
    lc_reply_text(r, 200, "text/plain", strdup("ok\n"));
}

void lc_h_hook_ignore(struct lc_req *r)
{
    r->close = true;
    lc_reply_text(r, 200, "text/plain", strdup("ok\n"));
}

void lc_h_healthz(struct lc_req *r)
{
    lc_reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

void lc_h_metrics(struct lc_req *r)
{
    char *text = NULL;
    struct lc_batch_stats bs;
    lc_batch_stats(r->app->batch, &bs);
    if (lc_metrics_render(r->app->metrics, &bs, &text) != LC_OK) {
        lc_reply_fail(r, 500, "internal", "", "cannot render metrics");
        return;
    }
    lc_reply_text(r, 200, "text/plain; version=0.0.4", text);
}
