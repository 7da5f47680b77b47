/* event.c -- field tables per event type and the line decoder. */
#include "monitor/event.h"

#include <string.h>

#include "core/id.h"
#include "core/jsonv.h"
#include "core/time.h"

static const struct lc_jfield chat_fields[] = {
    {"type", LC_JSTR, true, 32},        {"room_id", LC_JSTR, true, LC_ID_MAX},
    {"ts", LC_JSTR, true, 40},          {"user_id", LC_JSTR, true, 128},
    {"text", LC_JSTR, true, 64 * 1024}, {NULL, 0, 0, 0}};
static const struct lc_jfield transcript_fields[] = {
    {"type", LC_JSTR, true, 32},        {"room_id", LC_JSTR, true, LC_ID_MAX},
    {"ts", LC_JSTR, true, 40},          {"text", LC_JSTR, true, 64 * 1024},
    {NULL, 0, 0, 0}};
static const struct lc_jfield claim_fields[] = {
    {"type", LC_JSTR, true, 32},        {"room_id", LC_JSTR, true, LC_ID_MAX},
    {"ts", LC_JSTR, true, 40},          {"product_id", LC_JSTR, true, 128},
    {"text", LC_JSTR, true, 64 * 1024}, {NULL, 0, 0, 0}};

static const struct {
    const char *name;
    const struct lc_jfield *fields;
    const char *kind;
} types[] = {
    {"chat", chat_fields, "chat"},
    {"transcript", transcript_fields, "transcript"},
    {"product_claim", claim_fields, "product_detail"},
};

void lc_event_cleanup(struct lc_event *ev)
{
    json_decref(ev->obj);
    memset(ev, 0, sizeof *ev);
}

enum lc_err lc_event_decode(const char *line, size_t len, struct lc_event *out,
                            struct lc_errinfo *e)
{
    json_t *obj = NULL;
    enum lc_err err = lc_jsonv_parse(line, len, &obj, e);
    if (err != LC_OK)
        return err;
    const char *type = lc_jstr(obj, "type");
    size_t t = 0;
    while (type && t < sizeof types / sizeof *types && strcmp(type, types[t].name) != 0)
        t++;
    int64_t ts = 0;
    if (!type)
        err = lc_fail(e, LC_EINVAL, "missing_field", "type", "every event needs a type");
    else if (t == sizeof types / sizeof *types)
        err = lc_fail(e, LC_EINVAL, "invalid_value", "type",
                      "type must be chat, transcript or product_claim");
    else if ((err = lc_jsonv_check(obj, types[t].fields, e)) != LC_OK)
        ;
    else if (lc_time_parse(lc_jstr(obj, "ts"), &ts) != LC_OK)
        err = lc_fail(e, LC_EINVAL, "invalid_value", "ts", "must be an RFC 3339 timestamp");
    if (err != LC_OK) {
        json_decref(obj);
        return err;
    }
    *out = (struct lc_event){obj, types[t].name, types[t].kind, ts};
    return LC_OK;
}
