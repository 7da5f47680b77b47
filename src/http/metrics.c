/* metrics.c -- atomic counters rendered in Prometheus text format 0.0.4. */
#include "http/metrics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate/gate.h"

#define NBUCKETS 14
#define NCLASSES 5 /* 1xx..5xx */

static const double bucket_le[NBUCKETS] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                           0.025,  0.05,    0.1,    0.25,  0.5,    1.0,  5.0};

struct route_stats {
    atomic_uint_fast64_t by_class[NCLASSES];
    atomic_uint_fast64_t buckets[NBUCKETS + 1]; /* last = +Inf */
    atomic_uint_fast64_t sum_ns;
};

struct lc_metrics {
    const char *const *names;
    unsigned nroutes;
    unsigned *alias; /* first route with the same name: its series is shared */
    struct route_stats *routes;
    atomic_uint_fast64_t allow, deny;
    atomic_uint_fast64_t reasons[LC_GR_COUNT];
};

enum lc_err lc_metrics_new(const char *const *names, unsigned nroutes, struct lc_metrics **out)
{
    struct lc_metrics *m = calloc(1, sizeof *m);
    if (!m || !(m->routes = calloc(nroutes, sizeof *m->routes)) ||
        !(m->alias = calloc(nroutes, sizeof *m->alias))) {
        if (m)
            free(m->routes);
        free(m);
        return LC_ENOMEM;
    }
    /* routes sharing a name (GET and POST of one hook) share one series */
    for (unsigned i = 0; i < nroutes; i++) {
        m->alias[i] = i;
        for (unsigned j = 0; j < i; j++)
            if (strcmp(names[j], names[i]) == 0) {
                m->alias[i] = j;
                break;
            }
    }
    m->names = names;
    m->nroutes = nroutes;
    *out = m;
    return LC_OK;
}

void lc_metrics_free(struct lc_metrics *m)
{
    if (m) {
        free(m->routes);
        free(m->alias);
    }
    free(m);
}

void lc_metrics_request(struct lc_metrics *m, unsigned route, int status, uint64_t ns)
{
    if (route >= m->nroutes)
        return;
    struct route_stats *r = &m->routes[m->alias[route]];
    int cls = status / 100 - 1;
    atomic_fetch_add_explicit(&r->by_class[cls >= 0 && cls < NCLASSES ? cls : NCLASSES - 1], 1,
                              memory_order_relaxed);
    double s = (double)ns / 1e9;
    unsigned b = 0;
    while (b < NBUCKETS && s > bucket_le[b])
        b++;
    atomic_fetch_add_explicit(&r->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&r->sum_ns, ns, memory_order_relaxed);
}

void lc_metrics_gate(struct lc_metrics *m, int allow, unsigned reasons)
{
    atomic_fetch_add_explicit(allow ? &m->allow : &m->deny, 1, memory_order_relaxed);
    for (unsigned i = 0; i < LC_GR_COUNT; i++)
        if (reasons & (1u << i))
            atomic_fetch_add_explicit(&m->reasons[i], 1, memory_order_relaxed);
}

static uint64_t ld(atomic_uint_fast64_t *v)
{
    return atomic_load_explicit(v, memory_order_relaxed);
}

static void render_route(FILE *f, const char *name, struct route_stats *r)
{
    uint64_t total = 0;
    for (unsigned c = 0; c < NCLASSES; c++)
        if (ld(&r->by_class[c]))
            fprintf(f, "livecomply_http_requests_total{route=\"%s\",code=\"%uxx\"} %llu\n",
                    name, c + 1, (unsigned long long)ld(&r->by_class[c]));
    for (unsigned b = 0; b <= NBUCKETS; b++) {
        total += ld(&r->buckets[b]);
        if (b < NBUCKETS)
            fprintf(f, "livecomply_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                    name, bucket_le[b], (unsigned long long)total);
        else
            fprintf(f, "livecomply_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
                    name, (unsigned long long)total);
    }
    fprintf(f, "livecomply_http_request_duration_seconds_sum{route=\"%s\"} %.9f\n", name,
            (double)ld(&r->sum_ns) / 1e9);
    fprintf(f, "livecomply_http_request_duration_seconds_count{route=\"%s\"} %llu\n", name,
            (unsigned long long)total);
}

static void render_batch(FILE *f, const struct lc_batch_stats *b)
{
    fprintf(f, "# HELP livecomply_store_group_commits_total Transactions committed by the "
               "group-commit writer.\n# TYPE livecomply_store_group_commits_total counter\n"
               "livecomply_store_group_commits_total %llu\n"
               "# HELP livecomply_store_group_submissions_total Submissions served by the "
               "group-commit writer.\n# TYPE livecomply_store_group_submissions_total counter\n"
               "livecomply_store_group_submissions_total %llu\n",
            (unsigned long long)b->commits, (unsigned long long)b->submissions);
    fputs("# HELP livecomply_store_group_apply_seconds Time to apply one commit group.\n"
          "# TYPE livecomply_store_group_apply_seconds histogram\n", f);
    uint64_t total = 0;
    for (unsigned k = 0; k <= LC_BATCH_BUCKETS; k++) {
        total += b->hist[k];
        if (k < LC_BATCH_BUCKETS)
            fprintf(f, "livecomply_store_group_apply_seconds_bucket{le=\"%g\"} %llu\n",
                    lc_batch_bucket_le[k], (unsigned long long)total);
        else
            fprintf(f, "livecomply_store_group_apply_seconds_bucket{le=\"+Inf\"} %llu\n",
                    (unsigned long long)total);
    }
    fprintf(f, "livecomply_store_group_apply_seconds_sum %.9f\n"
               "livecomply_store_group_apply_seconds_count %llu\n",
            b->seconds, (unsigned long long)b->groups);
}

enum lc_err lc_metrics_render(struct lc_metrics *m, const struct lc_batch_stats *batch,
                              char **out)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return LC_ENOMEM;
    fputs("# HELP livecomply_http_requests_total HTTP requests by route and status class.\n"
          "# TYPE livecomply_http_requests_total counter\n", f);
    fputs("# HELP livecomply_http_request_duration_seconds Request latency by route.\n"
          "# TYPE livecomply_http_request_duration_seconds histogram\n", f);
    for (unsigned i = 0; i < m->nroutes; i++)
        if (m->alias[i] == i)
            render_route(f, m->names[i], &m->routes[i]);
    fputs("# HELP livecomply_gate_decisions_total Go-live decisions by outcome.\n"
          "# TYPE livecomply_gate_decisions_total counter\n", f);
    fprintf(f, "livecomply_gate_decisions_total{outcome=\"allow\"} %llu\n",
            (unsigned long long)ld(&m->allow));
    fprintf(f, "livecomply_gate_decisions_total{outcome=\"deny\"} %llu\n",
            (unsigned long long)ld(&m->deny));
    fputs("# HELP livecomply_gate_deny_reasons_total Reasons given for denied publishes.\n"
          "# TYPE livecomply_gate_deny_reasons_total counter\n", f);
    for (unsigned i = 0; i < LC_GR_COUNT; i++)
        fprintf(f, "livecomply_gate_deny_reasons_total{reason=\"%s\"} %llu\n",
                lc_gate_reason_name(i), (unsigned long long)ld(&m->reasons[i]));
    render_batch(f, batch);
    if (fclose(f) != 0) {
        free(buf);
        return LC_ENOMEM;
    }
    *out = buf;
    return LC_OK;
}
