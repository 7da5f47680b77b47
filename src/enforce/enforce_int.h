/* enforce_int.h -- what enforce.c (effects in force, ticker, readers) and
 * measure.c (violations to measures, appeals, notices) share. */
#ifndef LC_ENFORCE_INT_H
#define LC_ENFORCE_INT_H

#include <pthread.h>

#include "core/ticker.h"
#include "enforce/enforce.h"

/* A measure in force, as the gate and readers need it. */
struct active {
    char id[LC_ID_MAX];
    char subject[LC_ID_MAX]; /* host, viewer, or room id */
    char room[LC_ID_MAX];    /* the room the measure concerns ("" for viewers) */
    char key[65];            /* blind index of the subject's ID number, or "" */
    enum lc_measure m;
    unsigned functions;
    double weight;
    int64_t expires_at; /* 0 = until lifted */
};

/* Viewer measures recently taken in one room (R27: a room that fails to
 * manage its chat answers for it). */
#define CHAT_WINDOW_S 3600
#define CHAT_UNMANAGED 10 /* viewer measures in the window that make it the room's */
struct chatwatch {
    char room[LC_ID_MAX];
    int64_t t[CHAT_UNMANAGED];
    size_t n;
    int64_t flagged_at; /* last time the room was held to account */
};

/* A notice waiting for the webhook. */
struct pending {
    char id[LC_ID_MAX];
    unsigned attempts;
    int64_t next_at;
};

struct lc_enforce {
    struct lc_store *store;
    struct lc_registry *reg;
    struct lc_policy *policy;
    struct lc_log *events;
    char *control, *notify;
    pthread_mutex_t mu; /* the two tables and stats */
    struct active *act;
    size_t nact, capact;
    struct pending *pend;
    size_t npend, cappend;
    struct lc_enforce_stats stats;
    struct lc_ticker *ticker;
    struct chatwatch *chat;
    size_t nchat, capchat;
};

/* Table operations; the caller holds mu. */
LC_MUST_USE enum lc_err lc_enforce_add_active(struct lc_enforce *e, const struct active *a);
void lc_enforce_drop_active(struct lc_enforce *e, const char *measure_id);
LC_MUST_USE enum lc_err lc_enforce_add_pending(struct lc_enforce *e, const char *notice_id);
/* Builds the in-memory form of a stored measure body. */
void lc_enforce_active_of(json_t *body, struct active *a);
/* Cuts the room's running stream (nginx control API); logs the outcome. */
void lc_enforce_cut(struct lc_enforce *e, const char *room_id, const char *measure_id);
/* Sets a stored record's status (body "status" and the store key). */
LC_MUST_USE enum lc_err lc_enforce_set_status(struct lc_enforce *e, const char *kind,
                                              const char *id, const char *from_status,
                                              const char *to_status, json_t *extra,
                                              json_t **out);
/* Lifts the registry blacklist entry a blacklisting measure made. */
void lc_enforce_unlist(struct lc_enforce *e, const char *measure_id, const char *key);
void lc_enforce_event(struct lc_enforce *e, const char *event, const char *id, const char *by);

#endif
