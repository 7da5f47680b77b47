/* server.h -- `livecomply serve`: open the data folder, run the HTTP API
 * and the nginx-rtmp hooks until SIGTERM or SIGINT, then shut down cleanly.
 *
 * Data folder layout: livecomply.db (SQLite), keys/pii.key (0600),
 * log/access.jsonl and log/events.jsonl. */
#ifndef LC_HTTP_SERVER_H
#define LC_HTTP_SERVER_H

#include <stdbool.h>

#include "core/err.h"
#include "store/store.h"

struct lc_serve_opts {
    const char *listen;   /* "127.0.0.1:8080" */
    const char *data_dir;
    unsigned threads;     /* worker threads; 0 = default */
    bool demo;            /* load the demo data set into an empty folder */
    const char *rules;    /* rule packs (folder or file); NULL: ./rules if present */
    const char *policy;   /* enforcement policy; NULL: ./policy/default.policy if present */
    const char *nginx_control; /* nginx-rtmp control URL for cutting streams, or NULL */
    const char *notify_url;    /* webhook for notices to subjects, or NULL */
    unsigned purge_every;      /* seconds between retention sweeps; 0 = none */
};

#define LC_PURGE_EVERY_DEFAULT 3600u
#define LC_PURGE_EVERY_MAX (30u * 86400u)

/* Blocks until a stop signal; returns a process exit code. */
int lc_serve(const struct lc_serve_opts *o);

/* Creates the data folder and its subfolders if missing and opens the
 * store in it (used by serve and by the CLI's offline commands). */
LC_MUST_USE enum lc_err lc_data_open_store(const char *dir, struct lc_store **out, char *why,
                                           size_t whylen);

#endif
