/* test_ident.c -- unit tests for src/ident/ident.c and the civil-date rules
 * it relies on (ages, month arithmetic) from src/core/time.c.
 *
 * Expected check characters were computed independently of the code under
 * test (by hand in requirements §C and with a separate script), so a wrong
 * weight or alphabet in ident.c fails here rather than agreeing with itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/time.h"
#include "ident/ident.h"

static const struct lc_date today = {2026, 6, 1};

static struct lc_date date(int y, int m, int d)
{
    struct lc_date x = {y, m, d};
    return x;
}

/* Runs the ID validator and returns its result; why gets the reason. */
static enum lc_err check_id(const char *s, char *why)
{
    why[0] = '\0';
    return lc_ident_check_id_number(s, today, NULL, NULL, why, 128);
}

static enum lc_err check_cc(const char *s, char *why)
{
    why[0] = '\0';
    return lc_ident_check_credit_code(s, NULL, why, 128);
}

/* ---- resident ID numbers ---- */

static void id_standard_example_is_valid_with_birth_date(void **state)
{
    char norm[19] = "", why[128] = "";
    struct lc_date b = {0, 0, 0};
    assert_int_equal(lc_ident_check_id_number("11010519491231002X", today, norm, &b, why,
                                              sizeof why),
                     LC_OK);
    assert_string_equal(norm, "11010519491231002X");
    assert_int_equal(b.year, 1949);
    assert_int_equal(b.month, 12);
    assert_int_equal(b.day, 31);
}

static void id_lowercase_x_is_accepted_and_normalised(void **state)
{
    char norm[19] = "", why[128];
    assert_int_equal(lc_ident_check_id_number("11010519491231002x", today, norm, NULL, why,
                                              sizeof why),
                     LC_OK);
    assert_string_equal(norm, "11010519491231002X");
}

static void id_check_digit_zero_is_valid(void **state)
{
    char why[128];
    assert_int_equal(check_id("110105199001010010", why), LC_OK);
}

static void id_wrong_check_character_is_refused_naming_the_right_one(void **state)
{
    char why[128];
    assert_int_equal(check_id("110105194912310021", why), LC_EINVAL);
    assert_string_equal(why, "bad check character: expected X");
    assert_int_equal(check_id("110105198002290012", why), LC_EINVAL);
    assert_string_equal(why, "bad check character: expected 3");
}

static void id_wrong_length_is_refused(void **state)
{
    char why[128];
    assert_int_equal(check_id("11010519491231002", why), LC_EINVAL);
    assert_string_equal(why, "must be 18 characters");
    assert_int_equal(check_id("11010519491231002X0", why), LC_EINVAL);
    assert_string_equal(why, "must be 18 characters");
    assert_int_equal(check_id("110105491231002", why), LC_EINVAL); /* legacy 15-digit */
    assert_int_equal(check_id("", why), LC_EINVAL);
    assert_int_equal(lc_ident_check_id_number(NULL, today, NULL, NULL, why, sizeof why),
                     LC_EINVAL);
}

static void id_letters_among_the_first_17_are_refused(void **state)
{
    char why[128];
    assert_int_equal(check_id("1101051949123100XX", why), LC_EINVAL);
    assert_string_equal(why, "character 17 must be a digit");
    assert_int_equal(check_id("11O10519491231002X", why), LC_EINVAL);
    assert_int_equal(check_id("11010519491231002Y", why), LC_EINVAL);
    assert_int_equal(check_id("11010519491231002 ", why), LC_EINVAL);
}

static void id_region_starting_with_zero_is_refused(void **state)
{
    char why[128];
    /* The check character is right; only the region is wrong. */
    assert_int_equal(check_id("010105194912310026", why), LC_EINVAL);
    assert_string_equal(why, "region code must start with 1-9");
}

static void id_feb_29_in_leap_1980_is_valid_but_in_1981_is_not(void **state)
{
    char why[128];
    struct lc_date b;
    assert_int_equal(lc_ident_check_id_number("110105198002290013", today, NULL, &b, why,
                                              sizeof why),
                     LC_OK);
    assert_int_equal(b.month, 2);
    assert_int_equal(b.day, 29);
    assert_int_equal(check_id("110105198102290010", why), LC_EINVAL);
    assert_string_equal(why, "birth date is not a real date");
    assert_int_equal(check_id("110105190013010017", why), LC_EINVAL); /* month 13 */
    assert_string_equal(why, "birth date is not a real date");
}

static void id_birth_date_in_the_future_is_refused(void **state)
{
    char why[128];
    assert_int_equal(check_id("110105209901010012", why), LC_EINVAL);
    assert_string_equal(why, "birth date is in the future");
    /* Born tomorrow is refused, born today is not. */
    assert_int_equal(check_id("110105202606020013", why), LC_EINVAL);
    assert_string_equal(why, "birth date is in the future");
}

static void id_born_today_is_accepted(void **state)
{
    char why[128];
    struct lc_date b;
    assert_int_equal(lc_ident_check_id_number("110105202606010018", today, NULL, &b, why,
                                              sizeof why),
                     LC_OK);
    assert_int_equal(lc_age_years(b, today), 0);
}

static void id_birth_year_before_1900_is_refused(void **state)
{
    char why[128];
    assert_int_equal(check_id("440524188001010014", why), LC_EINVAL);
    assert_string_equal(why, "birth date is before 1900");
    assert_int_equal(check_id("110105189912310015", why), LC_EINVAL);
    assert_int_equal(check_id("11010519000101001X", why), LC_OK);
}

static void id_outputs_are_untouched_on_failure(void **state)
{
    char norm[19] = "unchanged", why[128];
    struct lc_date b = {7, 7, 7};
    assert_int_equal(lc_ident_check_id_number("110105194912310021", today, norm, &b, why,
                                              sizeof why),
                     LC_EINVAL);
    assert_string_equal(norm, "unchanged");
    assert_int_equal(b.year, 7);
}

static void id_reason_is_truncated_to_the_callers_buffer(void **state)
{
    char why[8];
    memset(why, 'Q', sizeof why);
    assert_int_equal(lc_ident_check_id_number("1", today, NULL, NULL, why, sizeof why),
                     LC_EINVAL);
    assert_string_equal(why, "must be");
    assert_int_equal(lc_ident_check_id_number("1", today, NULL, NULL, NULL, 0), LC_EINVAL);
}

static void id_check_char_matches_worked_examples(void **state)
{
    assert_int_equal(lc_ident_id_check_char("11010519491231002"), 'X');
    assert_int_equal(lc_ident_id_check_char("44052418800101001"), '4');
    assert_int_equal(lc_ident_id_check_char("11010519900101001"), '0');
    assert_int_equal(lc_ident_id_check_char("1101051949123100A"), '?');
    assert_int_equal(lc_ident_id_check_char("1101051949"), '?'); /* short */
    assert_int_equal(lc_ident_id_check_char(NULL), '?');
}

/* ---- unified social credit codes ---- */

static void credit_code_worked_example_is_valid(void **state)
{
    char norm[19] = "", why[128];
    assert_int_equal(lc_ident_check_credit_code("91512081MA62K0260E", norm, why, sizeof why),
                     LC_OK);
    assert_string_equal(norm, "91512081MA62K0260E");
    assert_int_equal(check_cc("91110000600037341L", why), LC_OK);
    assert_int_equal(check_cc("12100000400000000W", why), LC_OK);
}

static void credit_code_standards_own_example_is_invalid(void **state)
{
    char why[128];
    assert_int_equal(check_cc("91350100M000100Y4Z", why), LC_EINVAL);
    assert_string_equal(why, "bad check character: expected 3");
    assert_int_equal(check_cc("91350100M000100Y43", why), LC_OK);
}

static void credit_code_remainder_zero_gives_check_zero(void **state)
{
    char why[128];
    assert_int_equal(lc_ident_credit_check_char("9111000060003734F"), '0');
    assert_int_equal(check_cc("9111000060003734F0", why), LC_OK);
    assert_int_equal(check_cc("9111000060003734RY", why), LC_OK);
}

static void credit_code_lowercase_is_accepted_and_uppercased(void **state)
{
    char norm[19] = "", why[128];
    assert_int_equal(lc_ident_check_credit_code("91512081ma62k0260e", norm, why, sizeof why),
                     LC_OK);
    assert_string_equal(norm, "91512081MA62K0260E");
}

static void credit_code_excluded_letters_are_refused(void **state)
{
    char why[128];
    /* I O S V Z are not in the alphabet, in either case. */
    assert_int_equal(check_cc("91512081IA62K0260E", why), LC_EINVAL);
    assert_string_equal(why, "character 9 is not allowed (0-9 and A-Y without I O S V)");
    assert_int_equal(check_cc("91512081OA62K0260E", why), LC_EINVAL);
    assert_int_equal(check_cc("91512081SA62K0260E", why), LC_EINVAL);
    assert_int_equal(check_cc("91512081VA62K0260E", why), LC_EINVAL);
    assert_int_equal(check_cc("91512081ZA62K0260E", why), LC_EINVAL);
    assert_int_equal(check_cc("91512081zA62K0260E", why), LC_EINVAL);
    assert_int_equal(check_cc("91512081-A62K0260E", why), LC_EINVAL);
}

static void credit_code_wrong_length_is_refused(void **state)
{
    char why[128];
    assert_int_equal(check_cc("91512081MA62K0260", why), LC_EINVAL);
    assert_string_equal(why, "must be 18 characters");
    assert_int_equal(check_cc("91512081MA62K0260E0", why), LC_EINVAL);
    assert_int_equal(lc_ident_check_credit_code(NULL, NULL, why, sizeof why), LC_EINVAL);
}

static void credit_code_single_changed_character_is_caught(void **state)
{
    char why[128];
    assert_int_equal(check_cc("91512081MA62K0261E", why), LC_EINVAL);
    assert_string_equal(why, "bad check character: expected H");
}

static void credit_check_char_matches_worked_examples(void **state)
{
    assert_int_equal(lc_ident_credit_check_char("91512081MA62K0260"), 'E');
    assert_int_equal(lc_ident_credit_check_char("91350100M000100Y4"), '3');
    assert_int_equal(lc_ident_credit_check_char("91512081MA62K026I"), '?');
    assert_int_equal(lc_ident_credit_check_char("915120"), '?');
    assert_int_equal(lc_ident_credit_check_char(NULL), '?');
}

/* ---- ages and month arithmetic (core/time.c) ---- */

static void age_turns_over_on_the_birthday_not_before(void **state)
{
    struct lc_date b = date(2010, 6, 15);
    assert_int_equal(lc_age_years(b, date(2026, 6, 14)), 15);
    assert_int_equal(lc_age_years(b, date(2026, 6, 15)), 16);
    assert_int_equal(lc_age_years(b, date(2026, 6, 16)), 16);
    assert_int_equal(lc_age_years(b, date(2026, 5, 31)), 15);
    assert_int_equal(lc_age_years(b, date(2010, 6, 14)), -1);
}

static void age_from_a_validated_id_uses_its_birth_date(void **state)
{
    char why[128];
    struct lc_date b;
    assert_int_equal(lc_ident_check_id_number("110105198012310014", today, NULL, &b, why,
                                              sizeof why),
                     LC_OK);
    assert_int_equal(lc_age_years(b, date(2024, 12, 30)), 43);
    assert_int_equal(lc_age_years(b, date(2024, 12, 31)), 44);
    assert_int_equal(lc_age_years(b, date(2025, 1, 1)), 44);
}

static void age_of_leap_day_birth_turns_over_on_mar_1_in_common_years(void **state)
{
    struct lc_date b = date(2008, 2, 29);
    assert_int_equal(lc_age_years(b, date(2024, 2, 28)), 15);
    assert_int_equal(lc_age_years(b, date(2024, 2, 29)), 16);
    assert_int_equal(lc_age_years(b, date(2025, 2, 28)), 16);
    assert_int_equal(lc_age_years(b, date(2025, 3, 1)), 17);
    assert_int_equal(lc_age_years(b, date(2026, 2, 28)), 17);
    assert_int_equal(lc_age_years(b, date(2026, 3, 1)), 18);
}

static int64_t ts(int y, int m, int d)
{
    return lc_days_from_civil(date(y, m, d)) * 86400;
}

static void add_months_clamps_to_end_of_shorter_month(void **state)
{
    assert_int_equal(lc_time_add_months(ts(2025, 8, 31), 6), ts(2026, 2, 28));
    assert_int_equal(lc_time_add_months(ts(2023, 8, 31), 6), ts(2024, 2, 29));
    assert_int_equal(lc_time_add_months(ts(2026, 1, 31), 1), ts(2026, 2, 28));
    assert_int_equal(lc_time_add_months(ts(2026, 3, 31), 1), ts(2026, 4, 30));
    assert_int_equal(lc_time_add_months(ts(2024, 2, 29), 12), ts(2025, 2, 28));
    assert_int_equal(lc_time_add_months(ts(2024, 2, 29), 48), ts(2028, 2, 29));
}

static void add_months_crosses_years_both_ways_and_keeps_time_of_day(void **state)
{
    assert_int_equal(lc_time_add_months(ts(2025, 11, 15) + 3723, 3), ts(2026, 2, 15) + 3723);
    assert_int_equal(lc_time_add_months(ts(2026, 1, 31), -2), ts(2025, 11, 30));
    assert_int_equal(lc_time_add_months(ts(2026, 5, 10), 36), ts(2029, 5, 10));
    assert_int_equal(lc_time_add_months(ts(2026, 5, 10), 0), ts(2026, 5, 10));
}

/* ---- masks ---- */

static void mask_id_keeps_first_and_last_four(void **state)
{
    char out[64];
    lc_ident_mask_id("11010519491231002X", out, sizeof out);
    assert_string_equal(out, "1101**********002X");
}

static void mask_id_of_other_lengths_keeps_two_each_end_or_nothing(void **state)
{
    char out[64];
    lc_ident_mask_id("110105491231002", out, sizeof out);
    assert_string_equal(out, "11***********02");
    lc_ident_mask_id("123456", out, sizeof out);
    assert_string_equal(out, "12**56");
    lc_ident_mask_id("12345", out, sizeof out);
    assert_string_equal(out, "*****");
    lc_ident_mask_id("", out, sizeof out);
    assert_string_equal(out, "");
    lc_ident_mask_id(NULL, out, sizeof out);
    assert_string_equal(out, "");
}

static void mask_id_with_non_ascii_bytes_stars_every_byte(void **state)
{
    char out[64];
    lc_ident_mask_id("\xe5\xbc\xa0" "101051949123100", out, sizeof out);
    assert_string_equal(out, "******************");
}

static void mask_id_is_truncated_to_the_buffer(void **state)
{
    char out[7];
    memset(out, 'Q', sizeof out);
    lc_ident_mask_id("11010519491231002X", out, sizeof out);
    assert_string_equal(out, "1101**");
    lc_ident_mask_id("11010519491231002X", out, 1);
    assert_string_equal(out, "");
}

static void mask_name_keeps_first_code_point_of_chinese_name(void **state)
{
    char out[64];
    lc_ident_mask_name("张三丰", out, sizeof out);
    assert_string_equal(out, "张**");
    lc_ident_mask_name("张三", out, sizeof out);
    assert_string_equal(out, "张*");
    lc_ident_mask_name("欧阳娜娜", out, sizeof out);
    assert_string_equal(out, "欧***");
}

static void mask_name_counts_code_points_not_bytes(void **state)
{
    char out[64];
    lc_ident_mask_name("Zoë", out, sizeof out);
    assert_string_equal(out, "Z**");
    lc_ident_mask_name("\xf0\x9f\x98\x80" "ab", out, sizeof out); /* emoji first */
    assert_string_equal(out, "\xf0\x9f\x98\x80**");
}

static void mask_name_of_ascii_name_keeps_first_letter(void **state)
{
    char out[64];
    lc_ident_mask_name("Alice", out, sizeof out);
    assert_string_equal(out, "A****");
}

static void mask_name_of_single_character_is_fully_starred(void **state)
{
    char out[64];
    lc_ident_mask_name("张", out, sizeof out);
    assert_string_equal(out, "*");
    lc_ident_mask_name("A", out, sizeof out);
    assert_string_equal(out, "*");
    lc_ident_mask_name("", out, sizeof out);
    assert_string_equal(out, "");
    lc_ident_mask_name(NULL, out, sizeof out);
    assert_string_equal(out, "");
}

static void mask_name_of_invalid_utf8_stars_every_byte(void **state)
{
    char out[64];
    lc_ident_mask_name("ab\xff", out, sizeof out); /* never valid */
    assert_string_equal(out, "***");
    lc_ident_mask_name("\xe5\xbc", out, sizeof out); /* truncated sequence */
    assert_string_equal(out, "**");
    lc_ident_mask_name("\xc0\xaf" "x", out, sizeof out); /* overlong '/' */
    assert_string_equal(out, "***");
    lc_ident_mask_name("a\xed\xa0\x80", out, sizeof out); /* surrogate */
    assert_string_equal(out, "****");
    lc_ident_mask_name("a\xf4\x90\x80\x80", out, sizeof out); /* above U+10FFFF */
    assert_string_equal(out, "*****");
    lc_ident_mask_name("\xbc\xa0", out, sizeof out); /* lone continuations */
    assert_string_equal(out, "**");
}

static void mask_name_truncation_never_splits_a_code_point(void **state)
{
    char out[3]; /* room for 2 bytes: the 3-byte 张 does not fit */
    lc_ident_mask_name("张三丰", out, sizeof out);
    assert_string_equal(out, "");
    char out5[5];
    lc_ident_mask_name("张三丰", out5, sizeof out5);
    assert_string_equal(out5, "张*");
}

static void mask_phone_keeps_first_three_and_last_four(void **state)
{
    char out[64];
    lc_ident_mask_phone("13812345678", out, sizeof out);
    assert_string_equal(out, "138****5678");
    lc_ident_mask_phone("+8613812345678", out, sizeof out);
    assert_string_equal(out, "+86*******5678");
    lc_ident_mask_phone("12345678", out, sizeof out);
    assert_string_equal(out, "123*5678");
}

static void mask_phone_short_or_odd_is_fully_starred(void **state)
{
    char out[64];
    lc_ident_mask_phone("1234567", out, sizeof out);
    assert_string_equal(out, "*******");
    lc_ident_mask_phone("138-1234-5678", out, sizeof out);
    assert_string_equal(out, "*************");
    lc_ident_mask_phone("1381234567+", out, sizeof out);
    assert_string_equal(out, "***********");
    lc_ident_mask_phone(NULL, out, sizeof out);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(id_standard_example_is_valid_with_birth_date),
        cmocka_unit_test(id_lowercase_x_is_accepted_and_normalised),
        cmocka_unit_test(id_check_digit_zero_is_valid),
        cmocka_unit_test(id_wrong_check_character_is_refused_naming_the_right_one),
        cmocka_unit_test(id_wrong_length_is_refused),
        cmocka_unit_test(id_letters_among_the_first_17_are_refused),
        cmocka_unit_test(id_region_starting_with_zero_is_refused),
        cmocka_unit_test(id_feb_29_in_leap_1980_is_valid_but_in_1981_is_not),
        cmocka_unit_test(id_birth_date_in_the_future_is_refused),
        cmocka_unit_test(id_born_today_is_accepted),
        cmocka_unit_test(id_birth_year_before_1900_is_refused),
        cmocka_unit_test(id_outputs_are_untouched_on_failure),
        cmocka_unit_test(id_reason_is_truncated_to_the_callers_buffer),
        cmocka_unit_test(id_check_char_matches_worked_examples),
        cmocka_unit_test(credit_code_worked_example_is_valid),
        cmocka_unit_test(credit_code_standards_own_example_is_invalid),
        cmocka_unit_test(credit_code_remainder_zero_gives_check_zero),
        cmocka_unit_test(credit_code_lowercase_is_accepted_and_uppercased),
        cmocka_unit_test(credit_code_excluded_letters_are_refused),
        cmocka_unit_test(credit_code_wrong_length_is_refused),
        cmocka_unit_test(credit_code_single_changed_character_is_caught),
        cmocka_unit_test(credit_check_char_matches_worked_examples),
        cmocka_unit_test(age_turns_over_on_the_birthday_not_before),
        cmocka_unit_test(age_from_a_validated_id_uses_its_birth_date),
        cmocka_unit_test(age_of_leap_day_birth_turns_over_on_mar_1_in_common_years),
        cmocka_unit_test(add_months_clamps_to_end_of_shorter_month),
        cmocka_unit_test(add_months_crosses_years_both_ways_and_keeps_time_of_day),
        cmocka_unit_test(mask_id_keeps_first_and_last_four),
        cmocka_unit_test(mask_id_of_other_lengths_keeps_two_each_end_or_nothing),
        cmocka_unit_test(mask_id_with_non_ascii_bytes_stars_every_byte),
        cmocka_unit_test(mask_id_is_truncated_to_the_buffer),
        cmocka_unit_test(mask_name_keeps_first_code_point_of_chinese_name),
        cmocka_unit_test(mask_name_counts_code_points_not_bytes),
        cmocka_unit_test(mask_name_of_ascii_name_keeps_first_letter),
        cmocka_unit_test(mask_name_of_single_character_is_fully_starred),
        cmocka_unit_test(mask_name_of_invalid_utf8_stars_every_byte),
        cmocka_unit_test(mask_name_truncation_never_splits_a_code_point),
        cmocka_unit_test(mask_phone_keeps_first_three_and_last_four),
        cmocka_unit_test(mask_phone_short_or_odd_is_fully_starred),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
