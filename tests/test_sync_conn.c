/* test_sync_conn.c - the directory connection interface of ldap_conn.h
 * that the sync and the offboarding writes share (issue 5), against the
 * real slapd of tests/test_sync.sh: connect and bind, the attribute map,
 * and cp_ldap_account_dn, whose filter must stay a filter whatever the
 * account name holds. Run alone (no server) it is skipped: test_sync.sh
 * runs it with CREDPOLICY_TEST_LDAP_CONF naming its server's
 * configuration, after adding an account name two entries share ("dup"). */
#include "config.h"

#include "sync_internal.h"
#include "testutil.h"

#include <string.h>

static cp_config *cfg;
static LDAP *ld;

static void setup(void)
{
	char *msg = NULL;
	int rc = cp_config_load(getenv("CREDPOLICY_TEST_LDAP_CONF"), &cfg, &msg);
	ck_assert_msg(rc == CP_OK, "config: %s", msg != NULL ? msg : "");
	rc = cp_ldap_connect(cfg, &ld, &msg);
	ck_assert_msg(rc == CP_OK, "connect: %s", msg != NULL ? msg : "");
	ck_assert_ptr_null(msg);
}

static void teardown(void)
{
	ldap_unbind_ext_s(ld, NULL, NULL);
	cp_config_free(cfg);
}

static int dn_of(const char *account, char **dn)
{
	char *msg = NULL;
	int rc = cp_ldap_account_dn(ld, cfg, account, dn, &msg);
	if (rc == CP_OK)
		ck_assert_ptr_null(msg);
	free(msg);
	return rc;
}

START_TEST(test_found)
{
	char *dn = NULL;
	ck_assert_int_eq(dn_of("root", &dn), CP_OK);
	ck_assert_str_eq(dn, "uid=root,ou=accounts,dc=example,dc=gov,dc=cn");
	free(dn);
}
END_TEST

START_TEST(test_not_found)
{
	char *dn = (char *)"x";
	ck_assert_int_eq(dn_of("nosuch", &dn), CP_ERR_NOTFOUND);
	ck_assert_ptr_null(dn);
}
END_TEST

/* Filter metacharacters are escaped: they match themselves, not every
 * account (RFC 4515, ldap_bv2escaped_filter_value). */
START_TEST(test_escaped)
{
	static const char *const names[] = {"*", "roo*", ")(uid=*", "root)(|(uid=*",
	                                    "\\2a", "root\\"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *dn = NULL;
		ck_assert_msg(dn_of(names[i], &dn) == CP_ERR_NOTFOUND, "%s found %s", names[i],
		              dn != NULL ? dn : "");
	}
}
END_TEST

START_TEST(test_several)
{
	char *dn = NULL;
	ck_assert_int_eq(dn_of("dup", &dn), CP_ERR_INVAL);
	ck_assert_ptr_null(dn);
}
END_TEST

START_TEST(test_bad_names)
{
	char *dn = NULL, big[300];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(dn_of("a\xff", &dn), CP_ERR_INVAL);
	ck_assert_int_eq(dn_of("a\x1b[2J", &dn), CP_ERR_INVAL);
	ck_assert_int_eq(dn_of("", &dn), CP_ERR_INVAL);
	ck_assert_int_eq(dn_of(big, &dn), CP_ERR_INVAL);
	ck_assert_int_eq(cp_ldap_account_dn(NULL, cfg, "root", &dn, NULL), CP_ERR_INVAL);
}
END_TEST

START_TEST(test_map)
{
	ck_assert_str_eq(cp_ldap_map(cfg, "owner"), "credpolicyOwner");
	ck_assert_str_eq(cp_ldap_map(cfg, "last_change"), "pwdChangedTime shadowLastChange");
	ck_assert_ptr_null(cp_ldap_map(cfg, "no_such_field"));
	ck_assert_str_eq(cp_ldap_base(cfg, "account"), "ou=accounts,dc=example,dc=gov,dc=cn");
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("sync_conn");
	TCase *tc = tcase_create("conn");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_found);
	tcase_add_test(tc, test_not_found);
	tcase_add_test(tc, test_escaped);
	tcase_add_test(tc, test_several);
	tcase_add_test(tc, test_bad_names);
	tcase_add_test(tc, test_map);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (getenv("CREDPOLICY_TEST_LDAP_CONF") == NULL) {
		puts("# needs a server: run by tests/test_sync.sh");
		return 77;
	}
	SRunner *sr = srunner_create(make_suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
