/* log.c -- JSON-lines logs with line-whole buffering.
 *
 * Lines are appended to an in-memory buffer under a mutex; the buffer goes
 * to the file with one write(2) when it would overflow, every LOG_FLUSH_MS
 * (a flusher thread), and on free.  Only whole lines are ever written, so a
 * reader never sees half a line, and a busy server makes one system call per
 * interval instead of one per request.  Lines reach the file at most
 * LOG_FLUSH_MS late; a crash can lose that much of the access log. */
#define _POSIX_C_SOURCE 200809L
#include "core/log.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ticker.h"
#include "core/time.h"

#define LOG_FLUSH_MS 200
#define LOG_BUF (64 * 1024)

struct lc_log {
    int fd;
    int owned; /* close fd on free */
    pthread_mutex_t mu;
    struct lc_ticker *flusher;
    size_t used;
    char buf[LOG_BUF];
};

/* Writes buf[0..n) fully; caller holds the lock. */
static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return; /* a log that cannot be written must not stop the server */
        p += w;
        n -= (size_t)w;
    }
}

static void flush_locked(struct lc_log *log)
{
    write_all(log->fd, log->buf, log->used);
    log->used = 0;
}

static void flush_tick(void *arg)
{
    struct lc_log *log = arg;
    pthread_mutex_lock(&log->mu);
    flush_locked(log);
    pthread_mutex_unlock(&log->mu);
}

enum lc_err lc_log_open(const char *path, struct lc_log **out)
{
    struct lc_log *log = calloc(1, sizeof *log);
    if (!log)
        return LC_ENOMEM;
    if (strcmp(path, "-") == 0) {
        log->fd = STDERR_FILENO;
    } else {
        log->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        log->owned = 1;
        if (log->fd < 0) {
            free(log);
            return LC_EIO;
        }
    }
    pthread_mutex_init(&log->mu, NULL);
    if (lc_ticker_start(LOG_FLUSH_MS, flush_tick, log, &log->flusher) != LC_OK) {
        if (log->owned)
            close(log->fd);
        pthread_mutex_destroy(&log->mu);
        free(log);
        return LC_EIO;
    }
    *out = log;
    return LC_OK;
}

void lc_log_free(struct lc_log *log)
{
    if (!log)
        return;
    lc_ticker_stop(log->flusher);
    flush_locked(log);
    if (log->owned)
        close(log->fd);
    pthread_mutex_destroy(&log->mu);
    free(log);
}

void lc_log_write(struct lc_log *log, const char *kind, json_t *obj)
{
    if (!log)
        return;
    char ts[LC_TIME_STRLEN];
    lc_time_format(lc_time_now(), ts);
    json_object_set_new(obj, "ts", json_string(ts));
    json_object_set_new(obj, "kind", json_string(kind));
    char *line = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
    if (!line)
        return;
    size_t n = strlen(line);
    pthread_mutex_lock(&log->mu);
    if (log->used + n + 1 > LOG_BUF)
        flush_locked(log);
    if (n + 1 > LOG_BUF) {
        write_all(log->fd, line, n);
        write_all(log->fd, "\n", 1);
    } else {
        memcpy(log->buf + log->used, line, n);
        log->buf[log->used + n] = '\n';
        log->used += n + 1;
    }
    pthread_mutex_unlock(&log->mu);
    free(line);
}
