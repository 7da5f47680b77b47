/* test_policy.c -- unit tests for src/enforce/policy: the policy parser and
 * its diagnostics (one test per error class, each at an exact line), first
 * match and the default rule, thresholds, point decay, and the shipped
 * policy/default.policy checked against the properties the project promises
 * (docs/POLICY.md): proportionality of first minor offences, viewers dealt
 * with on the viewer only, contraband on stream suspended at once,
 * blacklisting only for repeated critical cases and always expiring, a
 * legal basis on every decision, operator confirmation for low-confidence
 * categories, and a ladder that never gets milder as history grows.
 *
 * The default policy is found through LC_TEST_DATA (tests/data), which ctest
 * sets; the sweeps run every category x severity x subject x tier over a grid
 * of histories. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "enforce/policy.h"

/* ---- helpers ---------------------------------------------------------- */

#define HEAD "policy t\nversion 1\nhalf_life 10d\nrepeat_window 30d\n"
#define DEFAULT "\nrule default\nmeasure warning\nautomatic no\nbasis B\n"

static struct lc_policy *parse_ok(const char *text)
{
    struct lc_policy *p = NULL;
    struct lc_policy_diag d;
    enum lc_err e = lc_policy_parse(text, strlen(text), &p, &d);
    if (e != LC_OK)
        fail_msg("parse failed at line %u: %s", d.line, d.message);
    assert_int_equal(d.line, 0);
    return p;
}

/* Expects text to fail at line with a message containing want. */
static void expect_error(const char *text, unsigned line, const char *want)
{
    struct lc_policy *p = (struct lc_policy *)(uintptr_t)1; /* must stay untouched */
    struct lc_policy_diag d;
    enum lc_err e = lc_policy_parse(text, strlen(text), &p, &d);
    if (e != LC_EINVAL || d.line != line || !strstr(d.message, want))
        fail_msg("expected line %u: ...%s...; got %s line %u: %s", line, want, lc_err_name(e),
                 d.line, d.message);
    assert_ptr_equal(p, (struct lc_policy *)(uintptr_t)1);
}

static struct lc_policy_decision decide(const struct lc_policy *p, const char *cat, const char *sev,
                                        const char *subj, double points, unsigned repeats, int tier)
{
    struct lc_policy_input in = {cat, sev, subj, points, repeats, tier};
    struct lc_policy_decision d;
    memset(&d, 0xA5, sizeof d); /* decide must write every field */
    lc_policy_decide(p, &in, &d);
    return d;
}

/* ---- names -------------------------------------------------------------- */

static void measure_and_function_names_round_trip(void **state)
{
    (void)state;
    for (int m = 0; m < LC_M_COUNT; m++)
        assert_int_equal(lc_measure_parse(lc_measure_name((enum lc_measure)m)), m);
    assert_string_equal(lc_measure_name(LC_M_BLACKLIST), "blacklist");
    assert_string_equal(lc_measure_name(LC_M_REREG_BAN), "rereg_ban");
    assert_int_equal(lc_measure_parse("ban "), LC_M_COUNT);
    assert_int_equal(lc_measure_parse(NULL), LC_M_COUNT);
    assert_string_equal(lc_measure_name(LC_M_COUNT), "?");
    for (unsigned b = 1; b <= LC_F_CHAT; b <<= 1)
        assert_int_equal(lc_function_parse(lc_function_name(b)), b);
    assert_int_equal(lc_function_parse("chat"), LC_F_CHAT);
    assert_int_equal(lc_function_parse("everything"), 0);
    assert_string_equal(lc_function_name(LC_F_CHAT | LC_F_TIPPING), "?");
}

/* ---- parse errors, each at its exact line --------------------------------- */

static void unknown_keyword_is_reported_at_its_line(void **state)
{
    (void)state;
    expect_error(HEAD "\nrule a\nmeasure warning\nseverities low\n", 8, "unknown keyword 'severities'");
    expect_error("policy t\nflavour mild\n", 2, "unknown keyword 'flavour'");
    expect_error(HEAD "Rule a\n", 5, "unknown keyword 'Rule'");
}

static void bad_durations_are_reported_at_their_line(void **state)
{
    (void)state;
    static const char *bad[] = {"7", "d", "0d", "7x", "7 d", "-1d", "1.5h", "36501d", "99999999999999d"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 HEAD "\nrule a\nmeasure ban\nduration %s\nautomatic no\nbasis B\n" DEFAULT, bad[i]);
        expect_error(text, 8, "bad duration");
    }
    expect_error("policy t\nversion 1\nhalf_life 90\n", 3, "bad duration '90' for 'half_life'");
    expect_error("policy t\nversion 1\nhalf_life 90d\nrepeat_window 0h\n", 4, "'repeat_window'");
    /* the good forms */
    struct lc_policy *p = parse_ok("policy t\nversion 1\nhalf_life 90d\nrepeat_window 30m\n"
                                   "\nrule a\nmeasure suspend\nduration 45s\nautomatic no\nbasis B\n" DEFAULT);
    assert_int_equal(lc_policy_half_life(p), 90 * 86400);
    assert_int_equal(lc_policy_repeat_window(p), 1800);
    struct lc_policy_decision d = decide(p, "x", "low", "host", 0, 0, 1);
    assert_int_equal(d.duration_s, 45);
    lc_policy_free(p);
}

static void weight_outside_0_1_is_reported_at_its_line(void **state)
{
    (void)state;
    static const char *bad[] = {"1.5", "-0.1", "2", "nan", "inf", "0.5.1", ".", "1e-1", "+1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 HEAD "\nrule a\nmeasure traffic\nduration 1h\n\tweight %s  # comment\nautomatic no\nbasis B\n" DEFAULT,
                 bad[i]);
        expect_error(text, 9, "bad weight");
    }
    struct lc_policy *p = parse_ok(HEAD "\nrule a\nmeasure traffic\nduration 1h\nweight 1\nautomatic no\nbasis B\n"
                                        "\nrule b\nmeasure traffic\nduration 1h\nweight 0\nautomatic no\nbasis B\n" DEFAULT);
    lc_policy_free(p);
}

static void blacklist_without_duration_is_reported_at_its_rule(void **state)
{
    (void)state;
    expect_error(HEAD "\nrule bl\nseverity critical\nmeasure blacklist\nautomatic no\nbasis B\n" DEFAULT, 6,
                 "'blacklist' needs a 'duration' (blacklisting always expires)");
    /* the same for the other measures that must end */
    expect_error(HEAD "\nrule s\nmeasure suspend\nautomatic no\nbasis B\n" DEFAULT, 6, "'suspend' needs a 'duration'");
    expect_error(HEAD "\nrule r\nmeasure restrict\nfunctions chat\nautomatic no\nbasis B\n" DEFAULT, 6,
                 "'restrict' needs a 'duration'");
    expect_error(HEAD "\nrule w\nmeasure warning\nduration 1d\nautomatic no\nbasis B\n" DEFAULT, 6,
                 "'warning' takes no 'duration'");
}

static void rule_without_basis_is_reported_at_its_rule(void **state)
{
    (void)state;
    expect_error(HEAD "# a comment\n\nrule nob\nmeasure warning\nautomatic yes\n" DEFAULT, 7,
                 "rule nob: missing 'basis'");
    /* the last rule of the file too (checked at the end of the text) */
    expect_error(HEAD "\nrule default\nmeasure warning\nautomatic no\n", 6, "rule default: missing 'basis'");
    expect_error(HEAD "\nrule a\nbasis B\nautomatic no\n" DEFAULT, 6, "rule a: missing 'measure'");
    expect_error(HEAD "\nrule a\nbasis B\nmeasure warning\n" DEFAULT, 6, "rule a: missing 'automatic'");
}

static void missing_default_is_reported_at_the_last_line(void **state)
{
    (void)state;
    expect_error(HEAD "\nrule a\nmeasure warning\nautomatic no\nbasis B\n", 9, "missing 'rule default'");
    expect_error(HEAD, 4, "missing 'rule default'");
    expect_error("", 1, "missing 'policy'");
    expect_error("policy t\nversion 1\nhalf_life 1d\n", 3, "missing 'repeat_window'");
}

static void default_rule_must_be_last_and_unconditional(void **state)
{
    (void)state;
    expect_error(HEAD DEFAULT "\nrule late\nmeasure warning\nautomatic no\nbasis B\n", 11,
                 "rule late after 'rule default'");
    expect_error(HEAD "\nrule default\ncategory fraud\nmeasure warning\nautomatic no\nbasis B\n", 7,
                 "rule default: takes no condition ('category')");
    expect_error(HEAD "\nrule default\nmeasure warning\nautomatic no\nbasis B\nmin_tier 2\n", 10,
                 "takes no condition ('min_tier')");
}

static void structural_errors_are_reported_at_their_line(void **state)
{
    (void)state;
    /* header */
    expect_error("policy t\nversion 1\n\nrule a\n", 4, "'rule' before 'half_life'");
    expect_error(HEAD "policy u\n", 5, "'policy' given twice");
    expect_error("policy T\n", 1, "bad policy name");
    expect_error("policy t\nversion 1@2\n", 2, "bad version");
    expect_error(HEAD DEFAULT "half_life 2d\n", 10, "inside rule default");
    expect_error(HEAD "\nrule a\nmeasure warning\nautomatic no\nbasis B\n\nhalf_life 2d\n", 11,
                 "after the first rule");
    /* blocks and fields */
    expect_error(HEAD "\nrule a\nmeasure warning\nautomatic no\nbasis B\n\npoints 1\n", 11,
                 "'points' outside a rule block");
    /* a blank line ends the block, so a rule cut in two is incomplete */
    expect_error(HEAD "\nrule a\nmeasure warning\n\nautomatic no\n", 6, "rule a: missing 'automatic'");
    expect_error(HEAD "\nrule a\nmeasure warning\nmeasure ban\n", 8, "rule a: 'measure' given twice");
    expect_error(HEAD "\nrule a\nmeasure warning\nautomatic no\nbasis B\n\nrule a\n", 11,
                 "duplicate rule id 'a' (first at line 6)");
    expect_error(HEAD "\nrule A1\n", 6, "bad rule id");
    expect_error(HEAD "\nrule a\nmeasure\n", 7, "'measure' needs a value");
    expect_error(HEAD "\nrule a\nmeasure jail\n", 7, "unknown measure 'jail'");
    expect_error(HEAD "\nrule a\nseverity low, severe\n", 7, "unknown severity 'severe'");
    expect_error(HEAD "\nrule a\nsubject host mcn\n", 7, "unknown subject 'mcn'");
    expect_error(HEAD "\nrule a\ncategory fraud *\n", 7, "'*' means any and stands alone");
    expect_error(HEAD "\nrule a\ncategory Fraud\n", 7, "bad category 'Fraud'");
    expect_error(HEAD "\nrule a\nmin_tier 4\n", 7, "bad min_tier");
    expect_error(HEAD "\nrule a\nmin_tier 0\n", 7, "bad min_tier");
    expect_error(HEAD "\nrule a\nmin_repeats -1\n", 7, "bad min_repeats");
    expect_error(HEAD "\nrule a\nmin_points x\n", 7, "bad min_points");
    expect_error(HEAD "\nrule a\npoints 1e3\n", 7, "bad points");
    expect_error(HEAD "\nrule a\nautomatic maybe\n", 7, "bad automatic");
    expect_error(HEAD "\nrule a\nmeasure restrict\nfunctions chat, selfies\n", 8, "unknown function 'selfies'");
    /* cross-field consistency, at the rule line */
    expect_error(HEAD "\nrule a\nmeasure warning\nfunctions chat\nautomatic no\nbasis B\n" DEFAULT, 6,
                 "'functions' goes with 'restrict'");
    expect_error(HEAD "\nrule a\nmeasure restrict\nduration 1h\nautomatic no\nbasis B\n" DEFAULT, 6,
                 "'functions' goes with 'restrict'");
    expect_error(HEAD "\nrule a\nmeasure traffic\nduration 1h\nautomatic no\nbasis B\n" DEFAULT, 6,
                 "'weight' goes with 'traffic'");
    expect_error(HEAD "\nrule a\nmeasure ban\nduration 1h\nweight 0.5\nautomatic no\nbasis B\n" DEFAULT, 6,
                 "'weight' goes with 'traffic'");
}

static void bad_bytes_are_reported_at_their_line(void **state)
{
    (void)state;
    expect_error(HEAD "\nrule a\nbasis \xC3\x28\n", 7, "invalid UTF-8");
    expect_error(HEAD "\nrule a\nbasis \xED\xA0\x80\n", 7, "invalid UTF-8"); /* a surrogate */
    char text[] = HEAD "\nrule a\nbasis x\n";
    text[strlen(text) - 2] = '\0';
    struct lc_policy_diag d;
    struct lc_policy *p = NULL;
    assert_int_equal(lc_policy_parse(text, sizeof text - 1, &p, &d), LC_EINVAL);
    assert_int_equal(d.line, 7);
    assert_non_null(strstr(d.message, "NUL byte"));
    char big[6000] = "policy t\n# "; /* then a 4097-byte comment line */
    size_t at = strlen(big);
    memset(big + at, 'a', 4097 - 2);
    big[at + 4097 - 2] = '\0';
    expect_error(big, 2, "line is 4097 bytes, over the 4096-byte cap");
    char basis[400] = HEAD "\nrule a\nbasis ";
    size_t n = strlen(basis);
    memset(basis + n, 'b', 300);
    basis[n + 300] = '\0';
    expect_error(basis, 7, "basis is 300 bytes");
}

static void crlf_bom_comments_and_lists_are_accepted(void **state)
{
    (void)state;
    const char *text = "\xEF\xBB\xBFpolicy t\r\nversion 2026.1\r\nhalf_life 1d\r\nrepeat_window 2d\r\n"
                       "\r\n# comment line inside nothing\r\n"
                       "rule mute-a  # trailing comment\r\n"
                       "  # an indented comment does not end the block\r\n"
                       "category a,b  c\r\nsubject viewer\r\nmeasure restrict\r\nfunctions chat,tipping\r\n"
                       "duration 24h\r\nautomatic yes\r\nbasis 第三十一条#2 stays\r\n"
                       "\r\nrule default\r\nmeasure none\r\nautomatic no\r\nbasis D\r\n";
    struct lc_policy *p = parse_ok(text);
    assert_string_equal(lc_policy_version(p), "t@2026.1");
    struct lc_policy_decision d = decide(p, "c", "high", "viewer", 0, 0, 1);
    assert_string_equal(d.rule, "mute-a");
    assert_int_equal(d.measure, LC_M_RESTRICT);
    assert_int_equal(d.functions, LC_F_CHAT | LC_F_TIPPING);
    assert_int_equal(d.duration_s, 86400);
    assert_int_equal(d.automatic, 1);
    assert_string_equal(d.basis, "第三十一条#2 stays");
    d = decide(p, "d", "high", "viewer", 0, 0, 1);
    assert_string_equal(d.rule, "default");
    assert_int_equal(d.measure, LC_M_NONE);
    lc_policy_free(p);
}

/* ---- deciding -------------------------------------------------------------- */

static void first_matching_rule_wins(void **state)
{
    (void)state;
#define R_SPECIFIC "\nrule specific\ncategory fraud\nseverity critical\nmeasure suspend\nduration 1h\npoints 9\nautomatic yes\nbasis S\n"
#define R_GENERAL "\nrule general\nseverity critical high\nmeasure ban\nduration 2d\npoints 3\nautomatic no\nbasis G\n"
    struct lc_policy *p = parse_ok(HEAD R_SPECIFIC R_GENERAL DEFAULT);
    struct lc_policy_decision d = decide(p, "fraud", "critical", "host", 0, 0, 1);
    assert_string_equal(d.rule, "specific");
    assert_int_equal(d.measure, LC_M_SUSPEND);
    assert_int_equal(d.duration_s, 3600);
    assert_true(d.points == 9);
    assert_int_equal(d.automatic, 1);
    assert_string_equal(d.basis, "S");
    assert_true(d.weight == 1.0); /* not a traffic measure: recommendation unchanged */
    assert_int_equal(d.functions, 0);
    d = decide(p, "gambling", "critical", "host", 0, 0, 1);
    assert_string_equal(d.rule, "general");
    lc_policy_free(p);
    /* the same rules in the other order: the general one shadows the specific one */
    p = parse_ok(HEAD R_GENERAL R_SPECIFIC DEFAULT);
    d = decide(p, "fraud", "critical", "host", 0, 0, 1);
    assert_string_equal(d.rule, "general");
    assert_int_equal(d.measure, LC_M_BAN);
    assert_string_equal(d.basis, "G");
    lc_policy_free(p);
}

static void default_rule_applies_when_nothing_matches(void **state)
{
    (void)state;
    struct lc_policy *p = parse_ok(HEAD R_SPECIFIC R_GENERAL DEFAULT);
    struct lc_policy_decision d = decide(p, "fraud", "low", "host", 1000, 50, 3);
    assert_string_equal(d.rule, "default");
    assert_int_equal(d.measure, LC_M_WARNING);
    assert_int_equal(d.duration_s, 0);
    assert_int_equal(d.automatic, 0);
    assert_string_equal(d.basis, "B");
    /* missing fields match only "any" */
    d = decide(p, NULL, NULL, NULL, 0, 0, 0);
    assert_string_equal(d.rule, "default");
    d = decide(p, "fraud", NULL, "host", 0, 0, 1);
    assert_string_equal(d.rule, "default");
    lc_policy_free(p);
}

static void thresholds_are_inclusive_and_all_must_hold(void **state)
{
    (void)state;
    struct lc_policy *p = parse_ok(HEAD "\nrule t\nsubject host\nmin_points 10.5\nmin_repeats 2\nmin_tier 2\n"
                                        "measure traffic\nweight 0.25\nduration 7d\nautomatic no\nbasis T\n" DEFAULT);
    assert_string_equal(decide(p, "x", "low", "host", 10.5, 2, 2).rule, "t");
    assert_string_equal(decide(p, "x", "low", "host", 10.49, 2, 2).rule, "default");
    assert_string_equal(decide(p, "x", "low", "host", 10.5, 1, 2).rule, "default");
    assert_string_equal(decide(p, "x", "low", "host", 10.5, 2, 1).rule, "default");
    assert_string_equal(decide(p, "x", "low", "room", 10.5, 2, 2).rule, "default");
    assert_string_equal(decide(p, "x", "low", "host", NAN, 2, 2).rule, "default");
    struct lc_policy_decision d = decide(p, "x", "low", "host", 99, 9, 3);
    assert_string_equal(d.rule, "t");
    assert_true(d.weight == 0.25);
    assert_int_equal(d.duration_s, 7 * 86400);
    lc_policy_free(p);
}

/* ---- decay ------------------------------------------------------------------ */

static void decay_halves_points_every_half_life(void **state)
{
    (void)state;
    struct lc_policy *p = parse_ok(HEAD DEFAULT); /* half_life 10d */
    const int64_t hl = 10 * 86400, t0 = 1760000000;
    assert_true(fabs(lc_policy_decay(p, 10, t0, t0 + hl) - 5) < 1e-9);
    assert_true(fabs(lc_policy_decay(p, 10, t0, t0 + 2 * hl) - 2.5) < 1e-9);
    assert_true(fabs(lc_policy_decay(p, 8, t0, t0 + hl / 2) - 8 / sqrt(2)) < 1e-9);
    assert_true(lc_policy_decay(p, 10, t0, t0) == 10);
    assert_true(lc_policy_decay(p, 10, t0 + 5, t0) == 10); /* `at` in the future: no decay */
    assert_true(lc_policy_decay(p, -3, t0, t0 + hl) == 0);
    assert_true(lc_policy_decay(p, -3, t0, t0) == 0);
    assert_true(lc_policy_decay(p, NAN, t0, t0 + hl) == 0);
    double far = lc_policy_decay(p, 10, INT64_MIN, INT64_MAX);
    assert_true(far >= 0 && far < 1e-9);
    /* strictly decreasing in age */
    double prev = 11;
    for (int64_t age = 0; age <= 20 * hl; age += hl / 3) {
        double v = lc_policy_decay(p, 10, t0, t0 + age);
        assert_true(v < prev && v >= 0);
        prev = v;
    }
    lc_policy_free(p);
}

/* ---- the shipped policy ------------------------------------------------------ */

static const char *const cats[] = {"absolute_claim", "counterfeit", "gambling", "pyramid", "fraud",
                                   "contraband", "weapons", "drugs", "forged_documents",
                                   "contact", "harassment", "insult", "unlisted_category"};
static const char *const sevs[] = {"low", "medium", "high", "critical"};
static const char *const subjs[] = {"host", "viewer", "room"};
static const double point_grid[] = {0, 1, 5, 8, 10, 15, 20, 30, 40, 60, 80, 100, 150, 400, 1e5};
#define N(a) (sizeof a / sizeof a[0])
#define REPEATS_GRID 12

static bool is_contraband(const char *c)
{
    return !strcmp(c, "contraband") || !strcmp(c, "weapons") || !strcmp(c, "drugs") ||
           !strcmp(c, "forged_documents");
}

static int setup_default(void **state)
{
    const char *data = getenv("LC_TEST_DATA");
    char path[1024];
    snprintf(path, sizeof path, "%s/../../policy/default.policy", data ? data : "tests/data");
    struct lc_policy *p = NULL;
    struct lc_policy_diag d;
    enum lc_err e = lc_policy_load(path, &p, &d);
    if (e != LC_OK) {
        fprintf(stderr, "%s:%u: %s\n", path, d.line, d.message);
        return -1;
    }
    *state = p;
    return 0;
}

static int teardown_default(void **state)
{
    lc_policy_free(*state);
    return 0;
}

/* Calls check(d, ...) for every input of the sweep. */
typedef void (*sweep_fn)(const struct lc_policy_decision *d, const char *cat, const char *sev,
                         const char *subj, double points, unsigned repeats, int tier);

static size_t sweep(const struct lc_policy *p, sweep_fn check)
{
    size_t n = 0;
    for (size_t c = 0; c < N(cats); c++)
        for (size_t s = 0; s < N(sevs); s++)
            for (size_t u = 0; u < N(subjs); u++)
                for (int tier = 1; tier <= 3; tier++)
                    for (size_t pi = 0; pi < N(point_grid); pi++)
                        for (unsigned r = 0; r < REPEATS_GRID; r++) {
                            struct lc_policy_decision d =
                                decide(p, cats[c], sevs[s], subjs[u], point_grid[pi], r, tier);
                            check(&d, cats[c], sevs[s], subjs[u], point_grid[pi], r, tier);
                            n++;
                        }
    return n;
}

static void default_policy_loads_with_its_settings(void **state)
{
    const struct lc_policy *p = *state;
    assert_string_equal(lc_policy_version(p), "default@2026.12.01");
    assert_int_equal(lc_policy_half_life(p), 90 * 86400);
    assert_int_equal(lc_policy_repeat_window(p), 180 * 86400);
    struct lc_policy *q = NULL;
    struct lc_policy_diag d;
    assert_int_equal(lc_policy_load("/nonexistent/x.policy", &q, &d), LC_ENOTFOUND);
    assert_null(q);
    assert_non_null(strstr(d.message, "/nonexistent/x.policy"));
}

/* (a) a first low or medium offence earns at most a warning, any tier. */
static void default_policy_first_minor_offence_is_at_most_a_warning(void **state)
{
    const struct lc_policy *p = *state;
    size_t n = 0;
    for (size_t c = 0; c < N(cats); c++)
        for (size_t s = 0; s < 2; s++)
            for (size_t u = 0; u < N(subjs); u++)
                for (int tier = 1; tier <= 3; tier++, n++) {
                    struct lc_policy_decision d = decide(p, cats[c], sevs[s], subjs[u], 0, 0, tier);
                    if (d.measure > LC_M_WARNING)
                        fail_msg("%s/%s/%s tier %d: %s by rule %s", cats[c], sevs[s], subjs[u], tier,
                                 lc_measure_name(d.measure), d.rule);
                }
    assert_int_equal(n, N(cats) * 2 * N(subjs) * 3);
}

static void check_viewer(const struct lc_policy_decision *d, const char *cat, const char *sev,
                         const char *subj, double points, unsigned repeats, int tier)
{
    if (strcmp(subj, "viewer") != 0)
        return;
    bool ok = d->measure == LC_M_WARNING ||
              (d->measure == LC_M_RESTRICT && d->functions == LC_F_CHAT && d->duration_s > 0);
    if (!ok)
        fail_msg("viewer %s/%s points %g repeats %u tier %d: %s functions %#x by rule %s", cat, sev,
                 points, repeats, tier, lc_measure_name(d->measure), d->functions, d->rule);
}

/* (d) a viewer's chat violation is dealt with on the viewer: a warning or a
 * mute, never a measure on a room, however bad the history. */
static void default_policy_viewers_are_only_warned_or_muted(void **state)
{
    const struct lc_policy *p = *state;
    assert_true(sweep(p, check_viewer) > 10000);
    /* and a viewer does get muted for contraband in chat */
    struct lc_policy_decision d = decide(p, "drugs", "critical", "viewer", 0, 0, 1);
    assert_int_equal(d.measure, LC_M_RESTRICT);
    assert_int_equal(d.functions, LC_F_CHAT);
    assert_int_equal(d.automatic, 1);
}

/* (c) a host selling contraband is cut off at once, automatically. */
static void default_policy_suspends_contraband_hosts_at_once(void **state)
{
    const struct lc_policy *p = *state;
    static const char *const contra[] = {"contraband", "weapons", "drugs", "forged_documents"};
    for (size_t c = 0; c < N(contra); c++)
        for (int tier = 1; tier <= 3; tier++) {
            struct lc_policy_decision d = decide(p, contra[c], "critical", "host", 0, 0, tier);
            if (d.measure != LC_M_SUSPEND || !d.automatic || d.duration_s <= 0)
                fail_msg("%s tier %d: %s automatic %d duration %lld by %s", contra[c], tier,
                         lc_measure_name(d.measure), d.automatic, (long long)d.duration_s, d.rule);
            /* a worse history only makes it harsher */
            for (unsigned r = 0; r < REPEATS_GRID; r++)
                for (size_t pi = 0; pi < N(point_grid); pi++)
                    assert_true(decide(p, contra[c], "critical", "host", point_grid[pi], r, tier).measure >=
                                LC_M_SUSPEND);
        }
}

static void check_blacklist(const struct lc_policy_decision *d, const char *cat, const char *sev,
                            const char *subj, double points, unsigned repeats, int tier)
{
    if (d->measure != LC_M_BLACKLIST)
        return;
    if (d->duration_s <= 0 || strcmp(sev, "critical") != 0 || repeats < 1 ||
        !strcmp(subj, "viewer") || d->automatic)
        fail_msg("blacklist for %s/%s/%s points %g repeats %u tier %d by %s (duration %lld, automatic %d)",
                 cat, sev, subj, points, repeats, tier, d->rule, (long long)d->duration_s, d->automatic);
}

/* (e) blacklisting only for repeated critical cases, always with an expiry
 * and an operator's confirmation; and the sweep does reach it. */
static void default_policy_blacklists_only_grave_repeats_with_expiry(void **state)
{
    const struct lc_policy *p = *state;
    sweep(p, check_blacklist);
    struct lc_policy_decision d = decide(p, "contraband", "critical", "host", 100, 2, 1);
    assert_int_equal(d.measure, LC_M_BLACKLIST);
    assert_true(d.duration_s > 0);
}

static void check_basis(const struct lc_policy_decision *d, const char *cat, const char *sev,
                        const char *subj, double points, unsigned repeats, int tier)
{
    if (!strstr(d->basis, "《直播电商监督管理办法》第") || !d->rule[0])
        fail_msg("%s/%s/%s: rule '%s' cites '%s'", cat, sev, subj, d->rule, d->basis);
}

/* (f) every decision cites a legal basis from the 2026 Measures. */
static void default_policy_every_decision_cites_a_basis(void **state)
{
    sweep(*state, check_basis);
    struct lc_policy_decision d = decide(*state, NULL, NULL, NULL, 0, 0, 0);
    assert_string_equal(d.rule, "default");
    check_basis(&d, "-", "-", "-", 0, 0, 0);
}

static void check_automatic(const struct lc_policy_decision *d, const char *cat, const char *sev,
                            const char *subj, double points, unsigned repeats, int tier)
{
    bool unsure = !strcmp(cat, "absolute_claim") || !strcmp(cat, "harassment");
    if (unsure && d->automatic)
        fail_msg("%s/%s/%s points %g repeats %u: rule %s is automatic", cat, sev, subj, points,
                 repeats, d->rule);
}

/* (g) low-confidence categories always wait for an operator; contraband at
 * critical never does. */
static void default_policy_confirms_low_confidence_categories(void **state)
{
    const struct lc_policy *p = *state;
    sweep(p, check_automatic);
    for (size_t c = 0; c < N(cats); c++)
        if (is_contraband(cats[c]))
            for (size_t u = 0; u < N(subjs); u++)
                assert_int_equal(decide(p, cats[c], "critical", subjs[u], 0, 0, 2).automatic, 1);
}

/* (b) more history never earns a milder measure: non-decreasing in
 * repeats, in points and in tier, for every category, severity, subject. */
static void default_policy_is_monotone_in_history_and_tier(void **state)
{
    const struct lc_policy *p = *state;
    for (size_t c = 0; c < N(cats); c++)
        for (size_t s = 0; s < N(sevs); s++)
            for (size_t u = 0; u < N(subjs); u++)
                for (int tier = 1; tier <= 3; tier++)
                    for (size_t pi = 0; pi < N(point_grid); pi++)
                        for (unsigned r = 0; r < REPEATS_GRID; r++) {
                            enum lc_measure m = decide(p, cats[c], sevs[s], subjs[u], point_grid[pi], r, tier).measure;
                            enum lc_measure more_r = decide(p, cats[c], sevs[s], subjs[u], point_grid[pi], r + 1, tier).measure;
                            enum lc_measure more_p = pi + 1 < N(point_grid)
                                ? decide(p, cats[c], sevs[s], subjs[u], point_grid[pi + 1], r, tier).measure : m;
                            enum lc_measure more_t = tier < 3
                                ? decide(p, cats[c], sevs[s], subjs[u], point_grid[pi], r, tier + 1).measure : m;
                            if (more_r < m || more_p < m || more_t < m)
                                fail_msg("%s/%s/%s points %g repeats %u tier %d: %s, but %s/%s/%s with more",
                                         cats[c], sevs[s], subjs[u], point_grid[pi], r, tier,
                                         lc_measure_name(m), lc_measure_name(more_r),
                                         lc_measure_name(more_p), lc_measure_name(more_t));
                        }
}

/* (b) a host repeating the same medium offence climbs the ladder as its
 * points accumulate (each decision's points feed the next, decayed over a
 * week between offences), never steps down, and ends at a ban. */
static void default_policy_escalates_a_repeating_host(void **state)
{
    const struct lc_policy *p = *state;
    const int64_t week = 7 * 86400;
    double points = 0;
    int64_t last = 0;
    enum lc_measure prev = LC_M_NONE;
    bool seen[LC_M_COUNT] = {false};
    for (unsigned r = 0; r < 10; r++) {
        int64_t now = (int64_t)r * week;
        double have = lc_policy_decay(p, points, last, now);
        struct lc_policy_decision d = decide(p, "absolute_claim", "medium", "host", have, r, 2);
        if (d.measure < prev)
            fail_msg("offence %u: %s after %s", r + 1, lc_measure_name(d.measure), lc_measure_name(prev));
        if (r == 0)
            assert_int_equal(d.measure, LC_M_WARNING);
        seen[d.measure] = true;
        prev = d.measure;
        points = have + d.points;
        last = now;
    }
    assert_true(seen[LC_M_WARNING] && seen[LC_M_RESTRICT] && seen[LC_M_TRAFFIC] &&
                seen[LC_M_SUSPEND] && seen[LC_M_BAN]);
    assert_int_equal(prev, LC_M_BAN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(measure_and_function_names_round_trip),
        cmocka_unit_test(unknown_keyword_is_reported_at_its_line),
        cmocka_unit_test(bad_durations_are_reported_at_their_line),
        cmocka_unit_test(weight_outside_0_1_is_reported_at_its_line),
        cmocka_unit_test(blacklist_without_duration_is_reported_at_its_rule),
        cmocka_unit_test(rule_without_basis_is_reported_at_its_rule),
        cmocka_unit_test(missing_default_is_reported_at_the_last_line),
        cmocka_unit_test(default_rule_must_be_last_and_unconditional),
        cmocka_unit_test(structural_errors_are_reported_at_their_line),
        cmocka_unit_test(bad_bytes_are_reported_at_their_line),
        cmocka_unit_test(crlf_bom_comments_and_lists_are_accepted),
        cmocka_unit_test(first_matching_rule_wins),
        cmocka_unit_test(default_rule_applies_when_nothing_matches),
        cmocka_unit_test(thresholds_are_inclusive_and_all_must_hold),
        cmocka_unit_test(decay_halves_points_every_half_life),
        cmocka_unit_test_setup_teardown(default_policy_loads_with_its_settings, setup_default, teardown_default),
        cmocka_unit_test_setup_teardown(default_policy_first_minor_offence_is_at_most_a_warning, setup_default,
                                        teardown_default),
        cmocka_unit_test_setup_teardown(default_policy_viewers_are_only_warned_or_muted, setup_default,
                                        teardown_default),
        cmocka_unit_test_setup_teardown(default_policy_suspends_contraband_hosts_at_once, setup_default,
                                        teardown_default),
        cmocka_unit_test_setup_teardown(default_policy_blacklists_only_grave_repeats_with_expiry, setup_default,
                                        teardown_default),
        cmocka_unit_test_setup_teardown(default_policy_every_decision_cites_a_basis, setup_default,
                                        teardown_default),
        cmocka_unit_test_setup_teardown(default_policy_confirms_low_confidence_categories, setup_default,
                                        teardown_default),
        cmocka_unit_test_setup_teardown(default_policy_is_monotone_in_history_and_tier, setup_default,
                                        teardown_default),
        cmocka_unit_test_setup_teardown(default_policy_escalates_a_repeating_host, setup_default,
                                        teardown_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
