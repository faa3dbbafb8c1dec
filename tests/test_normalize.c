/* test_normalize.c - NFKC, case folding, character classes (R1, R2) and
 * leet undoing / affix stripping (R4). */
#include "internal.h"
#include "testutil.h"

#include <string.h>

static char *nfkc(const char *in, size_t *nchars)
{
	char *out = NULL;
	size_t len = 0;
	ck_assert_int_eq(cp_nfkc(in, strlen(in), &out, &len, nchars), CP_OK);
	return out;
}

/* R1/R2: full-width input from a Chinese input method is the ASCII it shows. */
START_TEST(test_r1_fullwidth_is_ascii)
{
	size_t n = 0;
	char *s = nfkc("\xef\xbc\xa1\xef\xbc\x91\xef\xbc\x81", &n); /* Ａ１！ */
	ck_assert_str_eq(s, "A1!");
	ck_assert_uint_eq(n, 3);
	free(s);
}
END_TEST

/* R1 counts characters, not bytes. */
START_TEST(test_r1_counts_characters)
{
	size_t n = 0;
	char *s = nfkc("\xe5\xbc\xa0\xe4\xbc\x9f" "ab", &n); /* 张伟ab */
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(strlen(s), 8);
	free(s);
}
END_TEST

START_TEST(test_invalid_utf8_rejected)
{
	static const char *const bad[] = {
		"\xff", "ab\xc0\xaf", "\xed\xa0\x80", "\xe4\xb8", "\xf4\x90\x80\x80", "\x80",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *out = NULL;
		size_t len = 0;
		ck_assert_int_eq(cp_nfkc(bad[i], strlen(bad[i]), &out, &len, NULL), CP_ERR_UTF8);
		ck_assert_ptr_null(out);
	}
	/* An embedded NUL is not text either. */
	char *out = NULL;
	size_t len = 0;
	ck_assert_int_eq(cp_nfkc("a\0b", 3, &out, &len, NULL), CP_ERR_UTF8);
}
END_TEST

START_TEST(test_fold_full_unicode)
{
	char *out = NULL;
	size_t len = 0;
	ck_assert_int_eq(cp_fold("Stra\xc3\x9f" "E", 7, &out, &len), CP_OK); /* Straße */
	ck_assert_str_eq(out, "strasse");
	free(out);
	ck_assert_int_eq(cp_normalize_key("\xef\xbc\xb0\xef\xbd\x81ss", 8, &out, &len), CP_OK);
	ck_assert_str_eq(out, "pass"); /* Ｐａss */
	free(out);
}
END_TEST

/* R2: the four classes; caseless letters (Han) count as "other". */
START_TEST(test_r2_classes)
{
	ck_assert_uint_eq(cp_char_classes("Aa1!", 4), 0xf);
	ck_assert_uint_eq(cp_char_classes("abc", 3), CP_CLASS_LOWER);
	ck_assert_uint_eq(cp_char_classes("\xe5\xbc\xa0" "a", 4), CP_CLASS_LOWER | CP_CLASS_OTHER);
	ck_assert_uint_eq(cp_char_classes("\xc3\x84\xc3\xa4", 4), CP_CLASS_UPPER | CP_CLASS_LOWER);
	ck_assert_uint_eq(cp_char_classes("A B", 3), CP_CLASS_UPPER | CP_CLASS_OTHER);
}
END_TEST

static bool has_variant(const cp_variants *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->v[i], s) == 0)
			return true;
	return false;
}

/* R4: "P@ssw0rd" is the word "password". */
START_TEST(test_r4_leet_readings)
{
	cp_variants v = {0};
	ck_assert_int_eq(cp_leet_variants("p@ssw0rd", 8, &v), CP_OK);
	ck_assert(has_variant(&v, "password"));
	cp_variants_free(&v);
	ck_assert_int_eq(cp_leet_variants("1ov3", 4, &v), CP_OK);
	ck_assert(has_variant(&v, "iove"));
	ck_assert(has_variant(&v, "love"));
	ck_assert_uint_eq(v.n, 2);
	cp_variants_free(&v);
}
END_TEST

/* Many ambiguous characters cost a bounded number of readings. */
START_TEST(test_leet_bounded)
{
	cp_variants v = {0};
	ck_assert_int_eq(cp_leet_variants("1!|1!|1!|1!|1!|", 15, &v), CP_OK);
	ck_assert_uint_le(v.n, CP_LEET_MAX_VARIANTS);
	ck_assert_uint_ge(v.n, 2);
	cp_variants_free(&v);
	ck_assert_int_eq(cp_leet_variants("", 0, &v), CP_OK);
	ck_assert_uint_eq(v.n, 1);
	cp_variants_free(&v);
}
END_TEST

static void assert_core(const char *s, bool keep_leet, const char *want)
{
	size_t off, len;
	cp_strip_affixes(s, strlen(s), keep_leet, &off, &len);
	ck_assert_uint_eq(len, strlen(want));
	ck_assert(strncmp(s + off, want, len) == 0);
}

START_TEST(test_r4_strip_affixes)
{
	assert_core("P@ssw0rd2024", false, "P@ssw0rd");
	assert_core("Dragonfly#7", false, "Dragonfly");
	assert_core("!!12abc34!!", false, "abc");
	assert_core("12345678", false, "");
	assert_core("@dmin123", false, "dmin");
	assert_core("@dmin123", true, "@dmin");
	assert_core("Horqin#River%82", false, "Horqin#River");
	assert_core("\xe5\xbc\xa0" "1", false, "\xe5\xbc\xa0");
}
END_TEST

static Suite *normalize_suite(void)
{
	Suite *s = suite_create("normalize");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_r1_fullwidth_is_ascii);
	tcase_add_test(tc, test_r1_counts_characters);
	tcase_add_test(tc, test_invalid_utf8_rejected);
	tcase_add_test(tc, test_fold_full_unicode);
	tcase_add_test(tc, test_r2_classes);
	tcase_add_test(tc, test_r4_leet_readings);
	tcase_add_test(tc, test_leet_bounded);
	tcase_add_test(tc, test_r4_strip_affixes);
	suite_add_tcase(s, tc);
	return s;
}

CP_TEST_MAIN(normalize_suite)
