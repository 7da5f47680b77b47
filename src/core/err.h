/* err.h -- the one result type of livecomply.
 *
 * Every fallible function returns enum lc_err; results go through an
 * out-pointer written only on success.  lc_err_http() is the one table that
 * maps a result to an HTTP status and a JSON error code. */
#ifndef LC_CORE_ERR_H
#define LC_CORE_ERR_H

#define LC_MUST_USE __attribute__((warn_unused_result))

enum lc_err {
    LC_OK = 0,
    LC_ENOMEM,    /* allocation failed */
    LC_EINVAL,    /* the input is malformed or fails validation */
    LC_ENOTFOUND, /* no such object */
    LC_ECONFLICT, /* exists already, or changed under us */
    LC_EDENIED,   /* not allowed */
    LC_ETOOBIG,   /* over a size cap */
    LC_EBUSY,     /* try again later */
    LC_EIO,       /* the operating system or a library failed */
    LC_ECORRUPT,  /* stored data is damaged */
};

/* Short stable name, e.g. "not_found". */
const char *lc_err_name(enum lc_err e);
/* HTTP status that reports this result to an API caller. */
int lc_err_http(enum lc_err e);

#endif

#ifndef LC_CORE_ERRINFO
#define LC_CORE_ERRINFO
/* Detail for a caller-facing error: a stable snake_case code, the field at
 * fault (or ""), and a human message.  Filled by domain code, turned into
 * {"error":{"code","message","field"}} by the HTTP layer. */
struct lc_errinfo {
    int status;        /* HTTP status to use; 0 = derive from enum lc_err */
    char code[40];
    char field[48];
    char message[200];
};

/* Fills e (if non-NULL) and returns err, so a failure reads as one line:
 *   return lc_fail(e, LC_EINVAL, "invalid_id_number", "id_number", "..."); */
enum lc_err lc_fail(struct lc_errinfo *e, enum lc_err err, const char *code,
                    const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
#endif
