/* fuzz_events.c -- the live-event line decoder (monitor/event.h): every
 * line of the input is decoded; a success must yield a known type, a scan
 * kind and an object holding the required room_id and text. */
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
            if (!ev.type || !ev.kind || !lc_jstr(ev.obj, "room_id") || !lc_jstr(ev.obj, "text"))
                abort();
            lc_event_cleanup(&ev);
        } else if (!e.code[0]) {
            abort(); /* every refusal names a code */
        }
        pos = end + 1;
    }
    return 0;
}
