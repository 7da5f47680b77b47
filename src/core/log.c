/* log.c -- a mutex-guarded FILE per log, one JSON object a line. */
#define _POSIX_C_SOURCE 200809L
#include "core/log.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/time.h"

struct lc_log {
    FILE *f;
    int owned; /* close f on free */
    pthread_mutex_t mu;
};

enum lc_err lc_log_open(const char *path, struct lc_log **out)
{
    struct lc_log *log = calloc(1, sizeof *log);
    if (!log)
        return LC_ENOMEM;
    if (strcmp(path, "-") == 0) {
        log->f = stderr;
    } else {
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        log->f = fd >= 0 ? fdopen(fd, "a") : NULL;
        if (!log->f) {
            if (fd >= 0)
                close(fd);
            free(log);
            return LC_EIO;
        }
        log->owned = 1;
    }
    pthread_mutex_init(&log->mu, NULL);
    *out = log;
    return LC_OK;
}

void lc_log_free(struct lc_log *log)
{
    if (!log)
        return;
    if (log->owned)
        fclose(log->f);
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
    pthread_mutex_lock(&log->mu);
    fputs(line, log->f);
    fputc('\n', log->f);
    fflush(log->f);
    pthread_mutex_unlock(&log->mu);
    free(line);
}
