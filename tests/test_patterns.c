/* test_patterns.c - R5: keyboard walks, sequences, repeats. */
#include "internal.h"
#include "testutil.h"

#include <string.h>

static unsigned pat(const char *folded)
{
	return cp_patterns_check(folded, strlen(folded), 4);
}

START_TEST(test_r5_keyboard_rows_and_columns)
{
	ck_assert_uint_eq(pat("1qaz@wsx"), CP_PAT_KEYBOARD);      /* columns, shifted 2 */
	ck_assert_uint_eq(pat("zaq1xsw2"), CP_PAT_KEYBOARD);      /* columns upwards */
	ck_assert_uint_eq(pat("asdfghjk"), CP_PAT_KEYBOARD);      /* home row */
	ck_assert_uint_eq(pat("poiuytre!"), CP_PAT_KEYBOARD);     /* row backwards */
	ck_assert(pat("qwerty123!") & CP_PAT_KEYBOARD);
	ck_assert_uint_eq(pat("!@#$%^&*"), CP_PAT_KEYBOARD);      /* shifted top row */
	ck_assert_uint_eq(pat("qazwsxedc"), CP_PAT_KEYBOARD);     /* three short columns */
}
END_TEST

/* A back-and-forth over neighbouring keys is ordinary typing, not a walk. */
START_TEST(test_r5_keyboard_direction_matters)
{
	ck_assert_uint_eq(pat("werewolf"), 0);
	/* Three neighbours along a row are ordinary in words. */
	ck_assert_uint_eq(pat("rtyasdklz"), 0);
	ck_assert_uint_eq(pat("qwerty#horqin82"), 0);
}
END_TEST

START_TEST(test_r5_sequences)
{
	ck_assert_uint_eq(pat("abcd1234!"), CP_PAT_SEQUENCE);
	ck_assert_uint_eq(pat("98765432"), CP_PAT_SEQUENCE);
	ck_assert_uint_eq(pat("zyxwvuts"), CP_PAT_SEQUENCE);
	ck_assert_uint_eq(pat("abc#river%82x"), 0);
}
END_TEST

START_TEST(test_r5_repeats)
{
	ck_assert_uint_eq(pat("aaaaaaaa1!"), CP_PAT_REPEAT);
	ck_assert_uint_eq(pat("passpass1!"), CP_PAT_REPEAT);
	ck_assert_uint_eq(pat("abababab"), CP_PAT_REPEAT);
	ck_assert_uint_eq(pat("1212121212"), CP_PAT_REPEAT);
}
END_TEST

START_TEST(test_r5_enough_left_is_fine)
{
	ck_assert_uint_eq(pat("horqin#river%82"), 0);
	ck_assert_uint_eq(pat("blue-tiger-42-lamp"), 0);
	ck_assert_uint_eq(pat("correct horse battery"), 0);
	ck_assert_uint_eq(pat("qwertyhorqin"), 0);
	/* The threshold is the configured pattern_min_rest. */
	ck_assert_uint_eq(cp_patterns_check("qwerty1!x", 9, 3), 0);
	ck_assert_uint_eq(cp_patterns_check("qwerty1!x", 9, 4), CP_PAT_KEYBOARD);
	ck_assert_uint_eq(cp_patterns_check("aaaaaaaa", 8, 0), 0);
	ck_assert_uint_eq(cp_patterns_check("", 0, 4), 0);
}
END_TEST

static Suite *patterns_suite(void)
{
	Suite *s = suite_create("patterns");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_r5_keyboard_rows_and_columns);
	tcase_add_test(tc, test_r5_keyboard_direction_matters);
	tcase_add_test(tc, test_r5_sequences);
	tcase_add_test(tc, test_r5_repeats);
	tcase_add_test(tc, test_r5_enough_left_is_fine);
	suite_add_tcase(s, tc);
	return s;
}

CP_TEST_MAIN(patterns_suite)
