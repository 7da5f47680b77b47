/* jsonv.c -- field tables for JSON bodies, and body parsing with clear errors. */
#include "core/jsonv.h"

#include <string.h>

static const char *type_name(enum lc_jtype t)
{
    switch (t) {
    case LC_JSTR: return "a string";
    case LC_JBOOL: return "a boolean";
    case LC_JINT: return "an integer";
    case LC_JOBJ: return "an object";
    case LC_JARR: return "an array";
    }
    return "?";
}

static bool type_ok(json_t *v, enum lc_jtype t)
{
    switch (t) {
    case LC_JSTR: return json_is_string(v);
    case LC_JBOOL: return json_is_boolean(v);
    case LC_JINT: return json_is_integer(v);
    case LC_JOBJ: return json_is_object(v);
    case LC_JARR: return json_is_array(v);
    }
    return false;
}

static const struct lc_jfield *find_field(const struct lc_jfield *f, const char *name)
{
    for (; f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

static enum lc_err fail400(struct lc_errinfo *e, const char *code, const char *field,
                           const char *msg, const char *detail)
{
    enum lc_err err = lc_fail(e, LC_EINVAL, code, field, "%s%s", msg, detail);
    if (e)
        e->status = 400;
    return err;
}

enum lc_err lc_jsonv_check(json_t *obj, const struct lc_jfield *fields, struct lc_errinfo *e)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        const struct lc_jfield *f = find_field(fields, k);
        if (!f)
            return fail400(e, "unknown_field", k, "unknown field", "");
        if (json_is_null(v))
            continue;
        if (!type_ok(v, f->type))
            return fail400(e, "wrong_type", k, "must be ", type_name(f->type));
        size_t cap = f->max_len ? f->max_len : 256;
        if (f->type == LC_JSTR && json_string_length(v) > cap)
            return fail400(e, "too_long", k, "string is too long", "");
    }
    for (const struct lc_jfield *f = fields; f->name; f++) {
        v = json_object_get(obj, f->name);
        if (f->required && (!v || json_is_null(v)))
            return fail400(e, "missing_field", f->name, "required field is missing", "");
    }
    return LC_OK;
}

enum lc_err lc_jsonv_parse(const char *buf, size_t len, json_t **out, struct lc_errinfo *e)
{
    json_error_t je;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        if (json_error_code(&je) == json_error_invalid_utf8)
            return fail400(e, "invalid_utf8", "", "body is not valid UTF-8: ", je.text);
        if (json_error_code(&je) == json_error_duplicate_key)
            return fail400(e, "invalid_json", "", "duplicate key: ", je.text);
        return fail400(e, "invalid_json", "", "body is not valid JSON: ", je.text);
    }
    if (!json_is_object(root)) {
        json_decref(root);
        return fail400(e, "invalid_json", "", "body must be a JSON object", "");
    }
    *out = root;
    return LC_OK;
}

const char *lc_jstr(json_t *obj, const char *name)
{
    json_t *v = json_object_get(obj, name);
    return json_is_string(v) ? json_string_value(v) : NULL;
}
