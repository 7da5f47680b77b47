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

/* Commerce records kept for R15 (no text to moderate). */
static const struct lc_jfield order_fields[] = {
    {"type", LC_JSTR, true, 32},         {"room_id", LC_JSTR, true, LC_ID_MAX},
    {"ts", LC_JSTR, true, 40},           {"order_id", LC_JSTR, true, 128},
    {"buyer_id", LC_JSTR, true, 128},    {"state", LC_JSTR, true, 16},
    {"amount", LC_JINT, true, 0},        {"product_id", LC_JSTR, false, 128},
    {"snapshot", LC_JOBJ, false, 0},     {NULL, 0, 0, 0}};
static const struct lc_jfield payment_fields[] = {
    {"type", LC_JSTR, true, 32},         {"room_id", LC_JSTR, true, LC_ID_MAX},
    {"ts", LC_JSTR, true, 40},           {"order_id", LC_JSTR, true, 128},
    {"payment_id", LC_JSTR, true, 128},  {"payer_id", LC_JSTR, false, 128},
    {"amount", LC_JINT, true, 0},        {"method", LC_JSTR, false, 64},
    {"status", LC_JSTR, true, 32},       {NULL, 0, 0, 0}};
static const struct lc_jfield logistics_fields[] = {
    {"type", LC_JSTR, true, 32},         {"room_id", LC_JSTR, true, LC_ID_MAX},
    {"ts", LC_JSTR, true, 40},           {"order_id", LC_JSTR, true, 128},
    {"carrier", LC_JSTR, false, 128},    {"tracking_no", LC_JSTR, false, 128},
    {"status", LC_JSTR, true, 32},       {"recipient", LC_JSTR, false, 128},
    {"phone", LC_JSTR, false, 32},       {"address", LC_JSTR, false, 512},
    {NULL, 0, 0, 0}};
static const struct lc_jfield service_fields[] = {
    {"type", LC_JSTR, true, 32},         {"room_id", LC_JSTR, true, LC_ID_MAX},
    {"ts", LC_JSTR, true, 40},           {"order_id", LC_JSTR, false, 128},
    {"user_id", LC_JSTR, true, 128},     {"agent_id", LC_JSTR, false, 128},
    {"from", LC_JSTR, true, 16},         {"text", LC_JSTR, true, 64 * 1024},
    {NULL, 0, 0, 0}};

static const char *const order_states[] = {"created",  "paid",     "shipped",
                                           "completed", "refunded", "after_sale", NULL};

static const struct {
    const char *name;
    const struct lc_jfield *fields;
    const char *kind;
} types[] = {
    {"chat", chat_fields, "chat"},
    {"transcript", transcript_fields, "transcript"},
    {"product_claim", claim_fields, "product_detail"},
    {"order", order_fields, NULL},
    {"payment", payment_fields, NULL},
    {"logistics", logistics_fields, NULL},
    {"service_message", service_fields, NULL},
};

/* Rules a field table cannot say. */
static enum lc_err check_type_rules(json_t *obj, const char *type, struct lc_errinfo *e)
{
    if (strcmp(type, "order") == 0) {
        const char *state = lc_jstr(obj, "state");
        size_t i = 0;
        while (order_states[i] && strcmp(order_states[i], state) != 0)
            i++;
        if (!order_states[i])
            return lc_fail(e, LC_EINVAL, "invalid_value", "state",
                           "state must be created, paid, shipped, completed, refunded or "
                           "after_sale");
        if (i == 0 && !json_is_object(json_object_get(obj, "snapshot")))
            return lc_fail(e, LC_EINVAL, "missing_field", "snapshot",
                           "a created order carries the order-time snapshot of the product "
                           "page");
    }
    if (strcmp(type, "service_message") == 0 && strcmp(lc_jstr(obj, "from"), "agent") != 0 &&
        strcmp(lc_jstr(obj, "from"), "customer") != 0)
        return lc_fail(e, LC_EINVAL, "invalid_value", "from", "from must be agent or customer");
    json_t *amount = json_object_get(obj, "amount");
    if (amount && json_integer_value(amount) < 0)
        return lc_fail(e, LC_EINVAL, "invalid_value", "amount",
                       "amount is a non-negative integer in fen");
    return LC_OK;
}

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
                      "type must be chat, transcript, product_claim, order, payment, "
                      "logistics or service_message");
    else if ((err = lc_jsonv_check(obj, types[t].fields, e)) != LC_OK)
        ;
    else if ((err = check_type_rules(obj, types[t].name, e)) != LC_OK)
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
