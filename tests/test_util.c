/* test_util.c - errors, version, UTF-8 validation and the wipe primitive. */
#include "internal.h"
#include "testutil.h"

#include <string.h>

START_TEST(test_strerror_every_code)
{
	for (int e = CP_OK; e >= CP_ERR_TAMPERED; e--) {
		const char *m = cp_strerror(e);
		ck_assert_ptr_nonnull(m);
		ck_assert_str_ne(m, cp_strerror(-1000));
	}
	ck_assert_str_eq(cp_strerror(CP_ERR_NOMEM), "Out of memory");
	ck_assert_str_eq(cp_version(), PACKAGE_VERSION);
}
END_TEST

START_TEST(test_utf8_validate)
{
	ck_assert_int_eq(cp_utf8_validate("abc", 3), 3);
	ck_assert_int_eq(cp_utf8_validate("\xe5\xbc\xa0\xf0\x9f\x94\x91", 7), 2);
	ck_assert_int_eq(cp_utf8_validate("", 0), 0);
	ck_assert_int_eq(cp_utf8_validate("\xc0\x80", 2), -1);      /* overlong NUL */
	ck_assert_int_eq(cp_utf8_validate("\xe0\x80\xaf", 3), -1);  /* overlong / */
	ck_assert_int_eq(cp_utf8_validate("\xed\xb0\x80", 3), -1);  /* surrogate */
	ck_assert_int_eq(cp_utf8_validate("\xf4\x90\x80\x80", 4), -1);
	ck_assert_int_eq(cp_utf8_validate("a\0b", 3), -1);
	ck_assert_int_eq(cp_utf8_validate("\xe5\xbc", 2), -1);      /* truncated */
}
END_TEST

/* The wipe must really clear: this is what keeps secrets out of freed memory. */
START_TEST(test_wipe_clears)
{
	char buf[32];
	memcpy(buf, "Secret#Pass123", 15);
	cp_wipe(buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		ck_assert_int_eq(buf[i], 0);
	cp_wipe(NULL, 10);
	cp_free_secret(NULL);
	cp_free_secret(strdup("x"));
}
END_TEST

START_TEST(test_errmsg)
{
	char *msg = NULL;
	cp_set_errmsg(&msg, "%s:%u: bad", "file", 3u);
	ck_assert_str_eq(msg, "file:3: bad");
	cp_set_errmsg(&msg, "again");
	ck_assert_str_eq(msg, "again");
	free(msg);
	cp_set_errmsg(NULL, "ignored");
}
END_TEST

static Suite *util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_strerror_every_code);
	tcase_add_test(tc, test_utf8_validate);
	tcase_add_test(tc, test_wipe_clears);
	tcase_add_test(tc, test_errmsg);
	suite_add_tcase(s, tc);
	return s;
}

CP_TEST_MAIN(util_suite)
