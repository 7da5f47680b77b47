/* fuzz_events.c -- the live-event line decoder (monitor/event.h): every
 * line of the input is decoded; a success must yield a known type and an
 * object holding room_id and ts, with text for every type that is
 * moderated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonv.h"
#include "monitor/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    size_t pos = 0;
    while (pos <= size) {
        size_t end = pos;
        while (end < size && s[end] != '\n')
            end++;
        struct lc_event ev = {0};
        struct lc_errinfo e = {0};
        if (lc_event_decode(s + pos, end - pos, &ev, &e) == LC_OK) {
            if (!ev.type || !lc_jstr(ev.obj, "room_id") || !lc_jstr(ev.obj, "ts"))
                abort();
            if (ev.kind && !lc_jstr(ev.obj, "text"))
                abort(); /* what is moderated has text */
            if (!ev.kind && strcmp(ev.type, "order") && strcmp(ev.type, "payment") &&
                strcmp(ev.type, "logistics") && strcmp(ev.type, "service_message"))
                abort(); /* only commerce records are kept unscanned */
            lc_event_cleanup(&ev);
        } else if (!e.code[0]) {
            abort(); /* every refusal names a code */
        }
        pos = end + 1;
    }
    return 0;
}
