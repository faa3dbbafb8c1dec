/* testutil.h - helpers shared by the Check test programs. */
#ifndef CP_TESTUTIL_H
#define CP_TESTUTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

/* Run one suite with CK_ENV (CK_FORK=no for gdb/valgrind) and exit. */
#define CP_TEST_MAIN(suite_fn)                                                         \
	int main(void)                                                                 \
	{                                                                              \
		SRunner *sr = srunner_create(suite_fn());                              \
		srunner_run_all(sr, CK_ENV);                                           \
		int failed = srunner_ntests_failed(sr);                                \
		srunner_free(sr);                                                      \
		return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;                      \
	}

/* Path of the index built from the shipped lists (set by make check). */
static inline const char *cp_test_index_path(void)
{
	const char *p = getenv("CREDPOLICY_TEST_INDEX");
	return p != NULL ? p : "data/banned.idx";
}

#endif
