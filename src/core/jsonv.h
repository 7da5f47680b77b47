/* jsonv.h -- shape checks for JSON request bodies.
 *
 * A body is checked against a table of fields before domain code sees it:
 * unknown fields, wrong types and missing required fields are refused with
 * the field's name, so every caller gets the same precise errors. */
#ifndef LC_CORE_JSONV_H
#define LC_CORE_JSONV_H

#include <jansson.h>
#include <stdbool.h>

#include "core/err.h"

enum lc_jtype { LC_JSTR, LC_JBOOL, LC_JINT, LC_JOBJ, LC_JARR };

struct lc_jfield {
    const char *name;
    enum lc_jtype type;
    bool required;
    size_t max_len; /* strings: byte cap (0 = 256) */
};

/* Checks obj against fields (terminated by a {NULL} entry).  On failure
 * fills e with unknown_field / wrong_type / missing_field / too_long (all
 * HTTP 400) and returns LC_EINVAL.  A JSON null counts as absent. */
LC_MUST_USE enum lc_err lc_jsonv_check(json_t *obj, const struct lc_jfield *fields,
                                       struct lc_errinfo *e);
/* Parses a request body: 400 invalid_json / invalid_utf8 / not an object. */
LC_MUST_USE enum lc_err lc_jsonv_parse(const char *buf, size_t len, json_t **out,
                                       struct lc_errinfo *e);
/* Borrowed string member or NULL when absent or null. */
const char *lc_jstr(json_t *obj, const char *name);

#endif
