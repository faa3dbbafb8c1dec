/* test_ledger_json.c - stub */
#include "testutil.h"
START_TEST(test_placeholder) { ck_assert(1); }
END_TEST
static Suite *make_suite(void)
{
	Suite *s = suite_create("ledger_json");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_placeholder);
	suite_add_tcase(s, tc);
	return s;
}
CP_TEST_MAIN(make_suite)
