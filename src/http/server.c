/* server.c -- libmicrohttpd driver: request lifecycle, body caps, replies,
 * access log and metrics, and the serve loop with clean shutdown.
 *
 * A request is answered on the handler's last call (when the body is
 * complete), never on the first, which keeps keep-alive working; the one
 * exception is a declared Content-Length over the cap, refused at once. */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/time.h"
#include "http/http.h"

/* ---- replies ---------------------------------------------------------- */

void lc_reply_text(struct lc_req *r, int status, const char *ctype, char *text_heap)
{
    free(r->out);
    r->status = status;
    r->ctype = ctype;
    r->out = text_heap;
}

void lc_reply_json(struct lc_req *r, int status, json_t *obj)
{
    char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);
    if (!text) {
        lc_reply_text(r, 500, "application/json",
                      strdup("{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}"));
        return;
    }
    lc_reply_text(r, status, "application/json", text);
}

void lc_reply_fail(struct lc_req *r, int status, const char *code, const char *field,
                   const char *message)
{
    json_t *err = json_pack("{s:s, s:s}", "code", code, "message", message);
    if (err && field && *field)
        json_object_set_new(err, "field", json_string(field));
    lc_reply_json(r, status, err ? json_pack("{s:o}", "error", err) : NULL);
}

void lc_reply_error(struct lc_req *r, enum lc_err err, const struct lc_errinfo *e)
{
    int status = e->status ? e->status : lc_err_http(err);
    lc_reply_fail(r, status, e->code[0] ? e->code : lc_err_name(err), e->field,
                  e->message[0] ? e->message : lc_err_name(err));
}

const char *lc_query(struct lc_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

json_t *lc_body_json(struct lc_req *r, const struct lc_jfield *fields)
{
    struct lc_errinfo e = {0};
    json_t *in = NULL;
    enum lc_err err = lc_jsonv_parse(r->body ? r->body : "", r->body_len, &in, &e);
    if (err == LC_OK && (err = lc_jsonv_check(in, fields, &e)) != LC_OK) {
        json_decref(in);
        in = NULL;
    }
    if (err != LC_OK)
        lc_reply_error(r, err, &e);
    return in;
}

/* ---- request lifecycle ------------------------------------------------ */

static enum MHD_Result send_reply(struct lc_req *r)
{
    const char *text = r->out ? r->out : "";
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", r->ctype ? r->ctype : "application/json");
    if (r->close)
        MHD_add_response_header(resp, "Connection", "close");
    enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ok;
}

static bool declared_too_big(struct MHD_Connection *c, size_t cap)
{
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    return cl && strtoull(cl, NULL, 10) > cap;
}

/* Batches (events, scans) may be large; everything else is small. */
static size_t body_cap(const char *url)
{
    return !strcmp(url, "/v1/events") || !strcmp(url, "/v1/scan") ? LC_BATCH_BODY_MAX
                                                                   : LC_JSON_BODY_MAX;
}

static void too_large(struct lc_req *r)
{
    lc_reply_fail(r, 413, "body_too_large", "",
                  r->cap > LC_JSON_BODY_MAX ? "the body is larger than 8 MiB"
                                            : "the body is larger than 64 KiB");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls)
{
    struct lc_req *r = *con_cls;
    if (!r) {
        if (!(r = calloc(1, sizeof *r)))
            return MHD_NO;
        *r = (struct lc_req){.app = cls, .conn = conn, .method = method, .path = url,
                             .started_ns = lc_time_mono_ns(), .route = lc_nroutes,
                             .cap = body_cap(url)};
        *con_cls = r;
        if (!declared_too_big(conn, r->cap))
            return MHD_YES;
        r->close = true;
        too_large(r);
        return send_reply(r);
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (r->too_big || r->body_len + n > r->cap) {
            r->too_big = true;
            return MHD_YES;
        }
        char *b = realloc(r->body, r->body_len + n + 1);
        if (!b)
            return MHD_NO;
        memcpy(b + r->body_len, upload, n);
        r->body = b;
        r->body_len += n;
        r->body[r->body_len] = '\0';
        return MHD_YES;
    }
    if (r->status) /* already answered (413 above) */
        return MHD_YES;
    if (r->too_big)
        too_large(r);
    else
        lc_dispatch(r);
    if (!r->status)
        lc_reply_fail(r, 500, "internal", "", "no reply was produced");
    return send_reply(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct lc_app *app = cls;
    struct lc_req *r = *con_cls;
    if (!r)
        return;
    uint64_t ns = lc_time_mono_ns() - r->started_ns;
    lc_metrics_request(app->metrics, r->route, r->status, ns);
    json_t *line = json_pack("{s:s, s:s, s:i, s:I, s:s, s:s}", "method", r->method, "path",
                             r->path, "status", r->status, "duration_us",
                             (json_int_t)(ns / 1000), "role", lc_role_name(r->who.role),
                             "route", r->route < lc_nroutes ? lc_routes[r->route].name
                                                            : "unmatched");
    if (line) {
        if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
            json_object_set_new(line, "aborted", json_true());
        lc_log_write(app->access, "access", line);
        json_decref(line);
    }
    free(r->body);
    free(r->out);
    free(r);
    *con_cls = NULL;
}

/* ---- serve ------------------------------------------------------------ */

static enum lc_err parse_listen(const char *s, struct sockaddr_in *sa)
{
    char host[64];
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof host)
        return LC_EINVAL;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (*end || port < 0 || port > 65535 || inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return LC_EINVAL;
    return LC_OK;
}

/* libmicrohttpd's per-connection pool holds the request line, headers and
 * I/O buffers (bodies go to our own capped buffer).  Every hook call is a
 * new connection, and a pool above 32 KiB is mmap'ed, zeroed and unmapped
 * each time: 40% of the CPU at 64 KiB.  16 KiB holds headers far larger
 * than nginx-rtmp or an API client sends. */
#define CONN_POOL_BYTES ((size_t)(16 * 1024))

static struct MHD_Daemon *start_daemon(struct lc_app *app, struct sockaddr_in *sa,
                                       unsigned threads)
{
    return MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, app,
        MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_TIMEOUT, 15u, MHD_OPTION_CONNECTION_LIMIT, 4096u,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONN_POOL_BYTES, MHD_OPTION_LISTEN_BACKLOG_SIZE,
        1024u, MHD_OPTION_NOTIFY_COMPLETED, on_completed, app, MHD_OPTION_END);
}

int lc_app_open(const char *dir, struct lc_app **out, char *why, size_t whylen);
int lc_app_load_rules(struct lc_app *app, const char *path, char *why, size_t whylen);
int lc_app_load_policy(struct lc_app *app, const char *path, const char *control,
                       const char *notify, char *why, size_t whylen);
void lc_app_close(struct lc_app *app);
int lc_app_start_purger(struct lc_app *app, unsigned seconds, char *why, size_t whylen);
enum lc_err lc_demo_load(struct lc_app *app, const char *dir, const char *listen);

int lc_serve(const struct lc_serve_opts *o)
{
    struct sockaddr_in sa;
    char why[256] = "";
    struct lc_app *app = NULL;
    if (parse_listen(o->listen, &sa) != LC_OK) {
        fprintf(stderr, "livecomply serve: --listen must be IPv4ADDR:PORT, got %s\n", o->listen);
        return 2;
    }
    /* Block the stop signals before any thread exists (the log flushers
     * start in lc_app_open): every thread inherits the mask, so SIGTERM
     * reaches only sigwait below, never a thread that would die of it. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (lc_app_open(o->data_dir, &app, why, sizeof why) != 0) {
        fprintf(stderr, "livecomply serve: %s\n", why);
        return 1;
    }
    if (lc_app_load_rules(app, o->rules, why, sizeof why) != 0 ||
        lc_app_load_policy(app, o->policy, o->nginx_control, o->notify_url, why, sizeof why) !=
            0) {
        fprintf(stderr, "livecomply serve: %s\n", why);
        lc_app_close(app);
        return 3;
    }
    if (lc_app_start_purger(app, o->purge_every, why, sizeof why) != 0) {
        fprintf(stderr, "livecomply serve: %s\n", why);
        lc_app_close(app);
        return 1;
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    /* handlers block while their decision commits (group commit), so more
     * threads than cores keep the CPU busy and make commit groups larger */
    unsigned threads = o->threads ? o->threads : (unsigned)(ncpu > 0 && ncpu * 8 > 16 ? ncpu * 8 : 16);
    if (o->demo && lc_demo_load(app, o->data_dir, o->listen) != LC_OK)
        fprintf(stderr, "livecomply serve: the demo data could not be loaded\n");
    struct MHD_Daemon *d = start_daemon(app, &sa, threads);
    if (!d) {
        fprintf(stderr, "livecomply serve: cannot listen on %s: %s\n", o->listen,
                strerror(errno));
        lc_app_close(app);
        return 1;
    }
    fprintf(stderr, "livecomply %s listening on http://%s (data %s, %u threads)\n",
            LC_VERSION, o->listen, o->data_dir, threads);
    json_t *ev = json_pack("{s:s, s:s}", "event", "server.started", "listen", o->listen);
    lc_log_write(app->events, "server", ev);
    json_decref(ev);
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "livecomply: signal %d, shutting down\n", sig);
    MHD_stop_daemon(d); /* finishes requests in flight */
    ev = json_pack("{s:s, s:i}", "event", "server.stopped", "signal", sig);
    lc_log_write(app->events, "server", ev);
    json_decref(ev);
    lc_app_close(app);
    return 0;
}
