/* fuzz_policy.c -- libFuzzer harness for the enforcement policy parser and,
 * when the input is a valid policy, lc_policy_decide on fixed inputs.
 *
 * Every input goes through lc_policy_parse: it must return without
 * crashing, leaking or reading out of bounds, and a diagnostic must carry a
 * line within the input and a terminated message.  A valid policy then
 * decides a fixed set of violations (every severity and subject, odd
 * histories, missing fields), and each decision must keep the promises the
 * parser enforces: a known measure, a weight in [0, 1], an expiring
 * blacklist, a rule id and a basis.  Seeds are in fuzz/corpus/policy/. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "enforce/policy.h"

static void check(const struct lc_policy_decision *d)
{
    if ((unsigned)d->measure >= LC_M_COUNT || !(d->weight >= 0 && d->weight <= 1) ||
        d->duration_s < 0 || !(d->points >= 0) || (d->automatic != 0 && d->automatic != 1))
        abort();
    if (d->measure == LC_M_BLACKLIST && d->duration_s <= 0)
        abort();
    if (!memchr(d->rule, '\0', sizeof d->rule) || !memchr(d->basis, '\0', sizeof d->basis) ||
        !d->rule[0] || !d->basis[0])
        abort();
}

static void decide_all(const struct lc_policy *p)
{
    static const char *const cats[] = {"contraband", "absolute_claim", "harassment", "fraud", "x", NULL};
    static const char *const sevs[] = {"low", "medium", "high", "critical", "?", NULL};
    static const char *const subjs[] = {"host", "viewer", "room", NULL};
    static const double points[] = {0, 7.5, 1e9, -1, NAN};
    static const unsigned repeats[] = {0, 1, 3, 4000000000u};
    size_t k = 0;
    for (size_t c = 0; c < sizeof cats / sizeof cats[0]; c++)
        for (size_t s = 0; s < sizeof sevs / sizeof sevs[0]; s++)
            for (size_t u = 0; u < sizeof subjs / sizeof subjs[0]; u++, k++) {
                struct lc_policy_input in = {cats[c], sevs[s], subjs[u], points[k % 5],
                                             repeats[k % 4], (int)(k % 5) - 1};
                struct lc_policy_decision d;
                lc_policy_decide(p, &in, &d);
                check(&d);
            }
    double v = lc_policy_decay(p, 10, 0, INT64_MAX);
    if (!(v >= 0 && v <= 10) || lc_policy_decay(p, 10, 5, 5) != 10)
        abort();
    if (lc_policy_half_life(p) <= 0 || lc_policy_repeat_window(p) <= 0 || !strchr(lc_policy_version(p), '@'))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lc_policy *p = NULL;
    struct lc_policy_diag diag;
    enum lc_err e = lc_policy_parse((const char *)data, size, &p, &diag);
    if (e == LC_EINVAL) {
        size_t lines = 1;
        for (size_t i = 0; i < size; i++)
            lines += data[i] == '\n';
        if (diag.line > lines || !memchr(diag.message, '\0', sizeof diag.message) || !diag.message[0])
            abort();
    }
    if (e != LC_OK) {
        if (p)
            abort(); /* *out is written only on success */
        return 0;
    }
    decide_all(p);
    lc_policy_free(p);
    return 0;
}
