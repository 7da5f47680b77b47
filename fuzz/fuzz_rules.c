/* fuzz_rules.c -- libFuzzer harness for the rule-pack parser and, when the
 * input is a valid pack, the scan pipeline built from it.
 *
 * Every input goes through lc_rules_check_text (the `rules check` path): it
 * must return a result and fill the diagnostic without crashing, leaking or
 * reading out of bounds, and a diagnostic must carry a line within the
 * input.  A valid pack is then built with the Aho-Corasick engine (no
 * Vectorscan compile per input, which keeps the fuzzer fast) and scans a
 * few fixed texts and the input itself, with and without a caller domain.
 * Seeds are in fuzz/corpus/rules/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules.h"
#include "rules/rules_int.h"

static void scan_all(const struct lc_ruleset *rs, struct lc_scanner *sc, const char *text,
                     size_t len)
{
    static const char *domains[] = {NULL, "medical"};
    for (int d = 0; d < 2; d++) {
        struct lc_scan_item it = {text, len, "chat", domains[d]};
        enum lc_verdict v;
        json_t *hits = NULL;
        size_t bad = 0;
        if (lc_rules_scan(rs, sc, &it, &v, &hits, &bad) == LC_OK) {
            if (v > LC_VERDICT_BLOCK)
                abort();
            json_decref(hits);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct lc_rules_diag diag;
    size_t nrules = 0;
    enum lc_err e = lc_rules_check_text(text, size, "fuzz.rules", &diag, &nrules);
    if (e == LC_EINVAL) {
        /* a line number never points past the input */
        size_t lines = 1;
        for (size_t i = 0; i < size; i++)
            lines += data[i] == '\n';
        if (diag.line > lines || memchr(diag.message, '\0', sizeof diag.message) == NULL)
            abort();
    }
    if (e != LC_OK)
        return 0;

    struct lc_ruleset *rs = NULL;
    if (lc_rules_load_text(text, size, "fuzz.rules", LC_ENGINE_AC, &rs, &diag) != LC_OK)
        abort(); /* check_text accepted it */
    if (lc_ruleset_count(rs) != nrules)
        abort();
    struct lc_scanner *sc = NULL;
    if (lc_scanner_new(&sc) == LC_OK) {
        static const char *texts[] = {"最近这是最好的比上一代国家级", "加 V 信 13812345678",
                                      "治疗第一次", "LV高仿 replica best ever", ""};
        for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
            scan_all(rs, sc, texts[i], strlen(texts[i]));
        scan_all(rs, sc, text, size);
        lc_scanner_free(sc);
    }
    lc_ruleset_free(rs);
    return 0;
}
