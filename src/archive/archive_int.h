/* archive_int.h -- what archive.c, retention.c and bundle.c share: the
 * archive handle and the retention index, which is a pure function of the
 * records in log order (rebuilt on open, updated after each append). */
#ifndef LC_ARCHIVE_INT_H
#define LC_ARCHIVE_INT_H

#include <pthread.h>

#include "archive/archive.h"
#include "archive/note.h"
#include "archive/seglog.h"

#define RF_KEY 1u    /* the record has sealed personal fields */
#define RF_PURGED 2u /* its key was destroyed */
#define NO_ID (-1)
#define CHECKPOINTS_CAP ((size_t)1 << 30) /* the checkpoints file, read whole */

/* Per record, interned ids (NO_ID when absent). */
struct rec_meta {
    int32_t order, room, host; /* string ids of data.order_id, room_id, host_id */
    int32_t og, sg;            /* its order and session groups (indexes) */
    uint8_t flags;
};


/* A retention group: "order:<order id>", "session:<session id>" (a live
 * session: the gate's allow decision), or "room:<room id>@<date>" (a room's
 * records on a day with no live session), the last two being "sessions". */
struct group {
    int32_t name;         /* string id of the group's name */
    int32_t room;         /* order groups: the session group it was placed in */
    int32_t open_orders;  /* session groups: orders placed here not complete */
    uint8_t session;      /* a session group (else an order group) */
    uint8_t live;         /* a live session not yet ended */
    uint8_t open;         /* order groups: not complete */
    int64_t last_ts;      /* session groups: latest record time */
    int64_t completed;    /* latest completion (order) / of its orders (session) */
    int64_t extended;     /* explicit extension, 0 = none */
    uint64_t nrec;
};

struct hold {
    int32_t id, value; /* string ids */
    char target[12];   /* "order_id", "room_id", "host_id" */
    json_t *obj;       /* the hold as reported */
    int active;
};

/* Interned strings: index <-> string, open addressing. */
struct strtab {
    char **str;
    size_t n, cap;
    int32_t *slot; /* hash slots, NO_ID = empty */
    size_t nslot;
};

/* One appender's records, durable, waiting to enter the index in log
 * order (lc_archive_append). */
struct pending {
    uint64_t first;
    size_t n;
    json_t *const *recs; /* canonical records */
    const int *has_key;
    int done;            /* indexed (or the index broke) */
    pthread_cond_t cv;   /* its appender waits here */
    struct pending *next;
};

struct lc_archive {
    char dir[4096];
    struct lc_seglog *log;
    struct lc_signer *signer;
    char vkey[512];
    char origin[256];
    pthread_mutex_t mu; /* the index below */
    pthread_mutex_t cp_mu; /* cp_size, cp_note and the checkpoints file */
    struct pending *pending; /* appenders' records not yet indexed: whoever
                                holds mu indexes every one that is next in
                                log order, then wakes its appender */
    int broken;          /* the index could not take a record: appends fail
                            (LC_EIO) until a restart rebuilds it */
    struct strtab strs;
    struct rec_meta *meta;
    size_t nmeta, capmeta;
    struct group *groups;
    size_t ngroups, capgroups;
    int32_t *group_of; /* string id of a group name -> group index */
    int32_t *live_of;  /* string id of a room -> its live session group */
    size_t capgroup_of; /* both arrays */
    struct hold *holds;
    size_t nholds, capholds;
    uint64_t cp_size; /* size of the last signed checkpoint */
    char *cp_note;    /* and its note */
    struct lc_ticker *ticker;
};

int32_t lc_strtab_intern(struct strtab *t, const char *s);
int32_t lc_strtab_find(const struct strtab *t, const char *s);
void lc_strtab_cleanup(struct strtab *t);

/* Applies record idx (parsed, canonical) to the index; caller holds mu. */
LC_MUST_USE enum lc_err lc_archive_index(struct lc_archive *a, uint64_t idx, json_t *rec,
                                         int has_key);
void lc_archive_index_cleanup(struct lc_archive *a);
/* Appends one internal record {type, ts=now, data} (takes data). */
LC_MUST_USE enum lc_err lc_archive_note_record(struct lc_archive *a, const char *type,
                                               json_t *data, uint64_t *idx);
/* Reads record idx's canonical JSON (new reference). */
LC_MUST_USE enum lc_err lc_archive_read_json(struct lc_archive *a, uint64_t idx, json_t **out);
/* Opens record idx's sealed fields with key (new object). */
LC_MUST_USE enum lc_err lc_archive_open_sealed(json_t *rec, const uint8_t *key, json_t **out);
/* What record idx (rec, parsed) shows: data with its sealed personal
 * fields opened (reveal) or masked; *content NULL and *purged 1 when its key
 * is gone. */
LC_MUST_USE enum lc_err lc_archive_content(struct lc_archive *a, uint64_t idx, json_t *rec,
                                           int reveal, json_t **content, int *purged);
/* Masks a personal value for export. */
json_t *lc_archive_mask(json_t *v);

#endif
