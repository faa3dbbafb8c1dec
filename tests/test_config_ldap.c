/* test_config_ldap.c - the [ldap] and [ldap_map] sections of
 * credpolicy.conf(5) (issue 5): defaults, the values the sync reads back
 * with cp_config_value, and every refusal with its file:line. */
#include "config.h"

#include "credpolicy.h"
#include "testutil.h"

#include <string.h>

#define NAME "ldap.conf"

static cp_config *load_ok(const char *text)
{
	cp_config *cfg = NULL;
	char *msg = NULL;
	int rc = cp_config_load_buffer(text, strlen(text), NAME, &cfg, &msg);
	ck_assert_msg(rc == CP_OK, "rc %d: %s", rc, msg != NULL ? msg : "(no message)");
	ck_assert_ptr_nonnull(cfg);
	return cfg;
}

static void load_bad(const char *text, unsigned line, const char *fragment)
{
	cp_config *cfg = NULL;
	char *msg = NULL;
	int rc = cp_config_load_buffer(text, strlen(text), NAME, &cfg, &msg);
	ck_assert_msg(rc == CP_ERR_CONFIG, "rc %d for <%s>", rc, text);
	ck_assert_ptr_null(cfg);
	ck_assert_ptr_nonnull(msg);
	char prefix[64];
	snprintf(prefix, sizeof(prefix), NAME ":%u: ", line);
	ck_assert_msg(strncmp(msg, prefix, strlen(prefix)) == 0, "<%s> lacks <%s>", msg, prefix);
	ck_assert_msg(strstr(msg, fragment) != NULL, "<%s> lacks <%s>", msg, fragment);
	free(msg);
}

static void value_is(const cp_config *cfg, const char *section, const char *key, const char *want)
{
	const char *v = cp_config_value(cfg, section, key);
	if (want == NULL) {
		ck_assert_msg(v == NULL, "[%s] %s is \"%s\", wanted unset", section, key, v);
		return;
	}
	ck_assert_msg(v != NULL, "[%s] %s is unset, wanted \"%s\"", section, key, want);
	ck_assert_str_eq(v, want);
}

/* ------------------------------------------------------------ defaults */

START_TEST(test_defaults)
{
	cp_config *cfg = cp_config_new_default();
	/* No directory unless one is configured: the sync refuses to run. */
	value_is(cfg, "ldap", "uri", NULL);
	value_is(cfg, "ldap", "base", NULL);
	value_is(cfg, "ldap", "person_base", NULL);
	value_is(cfg, "ldap", "bind_dn", NULL);
	value_is(cfg, "ldap", "sasl_mech", NULL);
	value_is(cfg, "ldap", "tls_ca", NULL);
	value_is(cfg, "ldap", "person_filter", "(employeeNumber=*)");
	value_is(cfg, "ldap", "account_filter", "(uid=*)");
	value_is(cfg, "ldap", "group_filter", "(objectClass=groupOfNames)");
	/* Certificates verified, StartTLS on ldap://, unless said otherwise. */
	value_is(cfg, "ldap", "starttls", "yes");
	value_is(cfg, "ldap", "tls_verify", "demand");
	value_is(cfg, "ldap", "timeout", "10");
	value_is(cfg, "ldap", "page_size", "1000");
	value_is(cfg, "ldap", "sync_mode", "auto");
	value_is(cfg, "ldap", "full_every", "86400");
	value_is(cfg, "ldap", "no_such_key", NULL);
	cp_config_free(cfg);
}
END_TEST

/* The contract's defaults of [ldap_map]: the example schema's attributes. */
static const char *const map_defaults[][2] = {
    {"employee_id", "employeeNumber"},
    {"display_name", "displayName cn"},
    {"name", "cn"},
    {"phone", "mobile telephoneNumber"},
    {"birthday", "credpolicyBirthDate"},
    {"id_card", "credpolicyIdCard"},
    {"departed", "credpolicyDepartedTime"},
    {"account_name", "uid"},
    {"scope", "credpolicyScope"},
    {"class", "credpolicyClass"},
    {"kind", "credpolicyKind"},
    {"owner", "credpolicyOwner"},
    {"custodian", "credpolicyCustodian"},
    {"otp", "credpolicyOTP"},
    {"must_change", "credpolicyMustChange"},
    {"reset", "pwdReset"},
    {"locked", "pwdAccountLockedTime"},
    {"last_change", "pwdChangedTime shadowLastChange"},
    {"group_name", "cn"},
    {"group_member", "member"},
    {"group_scope", "credpolicyScope"},
};

START_TEST(test_map_defaults)
{
	cp_config *cfg = cp_config_new_default();
	for (size_t i = 0; i < sizeof(map_defaults) / sizeof(map_defaults[0]); i++)
		value_is(cfg, "ldap_map", map_defaults[i][0], map_defaults[i][1]);
	cp_config_free(cfg);
}
END_TEST

/* ------------------------------------------------------------ values */

START_TEST(test_full_section)
{
	cp_config *cfg =
	    load_ok("[ldap]\n"
	            "uri = ldap://dir1.example.gov.cn ldaps://dir2.example.gov.cn:636/\n"
	            "base = dc=example,dc=gov,dc=cn\n"
	            "account_base = ou=accounts,dc=example,dc=gov,dc=cn\n"
	            "account_filter = (&(objectClass=posixAccount)(uid=*))\n"
	            "starttls = No\n"
	            "tls_ca = /etc/ssl/certs/gov-ca.pem\n"
	            "tls_verify = demand\n"
	            "bind_dn = cn=credpolicy,ou=services,dc=example,dc=gov,dc=cn\n"
	            "bind_password_file = /etc/security/credpolicy-ldap.pw\n"
	            "timeout = 30\n"
	            "page_size = 500\n"
	            "sync_mode = SyncRepl\n"
	            "full_every = 3600\n"
	            "\n"
	            "[ldap_map]\n"
	            "employee_id = employeeID\n"
	            "owner = manager credpolicyOwner\n"
	            "last_change = shadowLastChange\n");
	value_is(cfg, "ldap", "uri", "ldap://dir1.example.gov.cn ldaps://dir2.example.gov.cn:636/");
	value_is(cfg, "ldap", "account_filter", "(&(objectClass=posixAccount)(uid=*))");
	value_is(cfg, "ldap", "person_base", NULL); /* the sync falls back to base */
	/* Words are kept in their documented spelling, whatever the case. */
	value_is(cfg, "ldap", "starttls", "no");
	value_is(cfg, "ldap", "sync_mode", "syncrepl");
	value_is(cfg, "ldap", "timeout", "30");
	value_is(cfg, "ldap", "page_size", "500");
	value_is(cfg, "ldap", "full_every", "3600");
	value_is(cfg, "ldap_map", "employee_id", "employeeID");
	value_is(cfg, "ldap_map", "owner", "manager credpolicyOwner");
	value_is(cfg, "ldap_map", "custodian", "credpolicyCustodian"); /* not set: default */
	cp_config_free(cfg);
}
END_TEST

START_TEST(test_sasl_and_ldapi)
{
	cp_config *cfg = load_ok("[ldap]\nuri = ldapi:///\nsasl_mech = external\n");
	value_is(cfg, "ldap", "sasl_mech", "EXTERNAL");
	cp_config_free(cfg);
	cfg = load_ok("[ldap]\nuri = LDAP://dir.example\nsasl_mech = GSSAPI\n");
	value_is(cfg, "ldap", "sasl_mech", "GSSAPI");
	value_is(cfg, "ldap", "uri", "LDAP://dir.example");
	cp_config_free(cfg);
}
END_TEST

/* Sections may come in any order and share key names with no confusion:
 * "scope" is a key of [ldap_map] only. */
START_TEST(test_sections_order)
{
	cp_config *cfg = load_ok("[ldap_map]\nscope = hostPattern\n[ledger]\npath = /x.db\n"
	                         "[ldap]\nbase = o=x\n");
	value_is(cfg, "ldap_map", "scope", "hostPattern");
	value_is(cfg, "ldap", "base", "o=x");
	value_is(cfg, "ldap", "scope", NULL);
	cp_config_free(cfg);
}
END_TEST

/* ------------------------------------------------------------ refusals */

static const struct {
	const char *text;
	unsigned line;
	const char *fragment;
} bad[] = {
    {"[ldap]\nuri = http://dir.example\n", 2, "\"uri\" needs ldap://, ldaps:// or ldapi:// URIs"},
    {"[ldap]\nuri = ldap:/dir\n", 2, "\"uri\" needs ldap://"},
    {"[ldap]\nuri = ldap://a,ldap://b\n", 2, "\"uri\" needs ldap://"},
    {"[ldap]\nuri =\n", 2, "key \"uri\" has no value"},
    {"[ldap]\npage_size = 0\n", 2, "\"page_size\" needs a whole number from 1 to 100000"},
    {"[ldap]\npage_size = 100001\n", 2, "from 1 to 100000"},
    {"[ldap]\ntimeout = 10s\n", 2, "\"timeout\" needs a whole number from 1 to 3600"},
    {"[ldap]\ntimeout = -1\n", 2, "\"timeout\" needs a whole number"},
    {"[ldap]\nfull_every = 59\n", 2, "\"full_every\" needs a whole number from 60"},
    {"[ldap]\nsync_mode = push\n", 2,
     "unknown value \"push\" for \"sync_mode\" (expected one of: auto syncrepl timestamp)"},
    {"[ldap]\ntls_verify = allow\n", 2, "expected one of: demand never"},
    {"[ldap]\nstarttls = maybe\n", 2, "unknown value \"maybe\" for \"starttls\""},
    {"[ldap]\nsasl_mech = PLAIN\n", 2, "expected one of: EXTERNAL GSSAPI"},
    {"[ldap]\nperson_filter = employeeNumber=*\n", 2, "\"person_filter\" needs an LDAP filter"},
    {"[ldap]\naccount_filter = (uid=*\n", 2, "\"account_filter\" needs an LDAP filter"},
    {"[ldap]\ngroup_filter = (a=b))(c=d\n", 2, "\"group_filter\" needs an LDAP filter"},
    {"[ldap]\ntls_ca = certs/ca.pem\n", 2, "\"tls_ca\" needs an absolute path"},
    {"[ldap]\nbind_password_file = pw\n", 2, "\"bind_password_file\" needs an absolute path"},
    {"[ldap_map]\nowner = manager;x! y\n", 2, "\"owner\" needs one to eight attribute names"},
    {"[ldap_map]\nowner = -manager\n", 2, "\"owner\" needs one to eight attribute names"},
    {"[ldap_map]\nphone = a b c d e f g h i\n", 2, "one to eight attribute names"},
    {"[ldap]\nowner = x\n", 2, "key \"owner\" is not allowed in section [ldap]"},
    {"[ldap_map]\nuri = ldap://x\n", 2, "key \"uri\" is not allowed in section [ldap_map]"},
    {"uri = ldap://x\n", 1, "key \"uri\" belongs in section [ldap]"},
    {"employee_id = uid\n", 1, "key \"employee_id\" belongs in section [ldap_map]"},
    {"[ldap]\nbase = o=x\nbase = o=y\n", 3,
     "duplicate key \"base\" in section [ldap] (first set on line 2)"},
    {"[ldap]\n[ldap]\n", 2, "duplicate section [ldap] (first on line 1)"},
    {"[ldap_map x]\n", 1, "section [ldap_map] takes no name"},
};

START_TEST(test_bad)
{
	load_bad(bad[_i].text, bad[_i].line, bad[_i].fragment);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("config_ldap");
	TCase *tc = tcase_create("values");
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_map_defaults);
	tcase_add_test(tc, test_full_section);
	tcase_add_test(tc, test_sasl_and_ldapi);
	tcase_add_test(tc, test_sections_order);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_bad, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	suite_add_tcase(s, tc);
	return s;
}

CP_TEST_MAIN(make_suite)
