/* err.c -- names and HTTP statuses of enum lc_err. */
#include "core/err.h"

const char *lc_err_name(enum lc_err e)
{
    switch (e) {
    case LC_OK: return "ok";
    case LC_ENOMEM: return "out_of_memory";
    case LC_EINVAL: return "invalid";
    case LC_ENOTFOUND: return "not_found";
    case LC_ECONFLICT: return "conflict";
    case LC_EDENIED: return "forbidden";
    case LC_ETOOBIG: return "too_large";
    case LC_EBUSY: return "busy";
    case LC_EIO: return "io_error";
    case LC_ECORRUPT: return "corrupt";
    }
    return "unknown";
}

int lc_err_http(enum lc_err e)
{
    switch (e) {
    case LC_OK: return 200;
    case LC_EINVAL: return 422;
    case LC_ENOTFOUND: return 404;
    case LC_ECONFLICT: return 409;
    case LC_EDENIED: return 403;
    case LC_ETOOBIG: return 413;
    case LC_EBUSY: return 503;
    case LC_ENOMEM:
    case LC_EIO:
    case LC_ECORRUPT: return 500;
    }
    return 500;
}

#include <stdarg.h>
#include <stdio.h>

enum lc_err lc_fail(struct lc_errinfo *e, enum lc_err err, const char *code,
                    const char *field, const char *fmt, ...)
{
    if (!e)
        return err;
    e->status = 0;
    snprintf(e->code, sizeof e->code, "%s", code);
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return err;
}
