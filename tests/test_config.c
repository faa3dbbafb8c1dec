/* test_config.c - the built-in policy and credpolicy.conf(5) parsing. */
#include "config.h"

#include "credpolicy.h"
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NAME "test.conf"
#define MIB  (1024u * 1024u)

/* ------------------------------------------------------------ helpers */

static cp_config *load_ok(const char *text)
{
	cp_config *cfg = NULL;
	char *msg = (char *)"not reset";
	int rc = cp_config_load_buffer(text, strlen(text), NAME, &cfg, &msg);
	ck_assert_msg(rc == CP_OK, "rc %d: %s", rc, msg != NULL ? msg : "(no message)");
	ck_assert_ptr_null(msg);
	ck_assert_ptr_nonnull(cfg);
	return cfg;
}

/* Load text (len bytes) expecting CP_ERR_CONFIG, "test.conf:LINE: " and
 * the fragment in the message, and nothing returned. */
static void load_bad(const char *text, size_t len, unsigned line, const char *fragment)
{
	cp_config *cfg = (cp_config *)&cfg; /* must be reset to NULL */
	char *msg = NULL;
	int rc = cp_config_load_buffer(text, len, NAME, &cfg, &msg);
	ck_assert_msg(rc == CP_ERR_CONFIG, "rc %d for <%s>", rc, text);
	ck_assert_ptr_null(cfg);
	ck_assert_ptr_nonnull(msg);
	char prefix[64];
	snprintf(prefix, sizeof(prefix), NAME ":%u: ", line);
	ck_assert_msg(strncmp(msg, prefix, strlen(prefix)) == 0, "<%s> lacks prefix <%s>", msg,
	              prefix);
	ck_assert_msg(strstr(msg, fragment) != NULL, "<%s> lacks <%s>", msg, fragment);
	free(msg);
}

static const cp_class *cls(const cp_config *cfg, const char *name)
{
	const cp_class *c = cp_config_class(cfg, name);
	ck_assert_msg(c != NULL, "no class %s", name ? name : "(default)");
	return c;
}

/* The built-in values of one class, as the regulation sets them. */
static void assert_class(const cp_class *c, unsigned len, unsigned classes, unsigned max_age,
                         unsigned warn, bool otp, unsigned history, unsigned similarity)
{
	ck_assert_uint_eq(cp_class_min_length(c), len);
	ck_assert_uint_eq(cp_class_min_classes(c), classes);
	ck_assert_uint_eq(cp_class_max_age_days(c), max_age);
	ck_assert_uint_eq(cp_class_warn_days(c), warn);
	ck_assert(cp_class_otp_exempt(c) == otp);
	ck_assert_uint_eq(cp_class_history(c), history);
	ck_assert_uint_eq(cp_class_similarity(c), similarity);
}

static bool class_equal(const cp_class *a, const cp_class *b)
{
	return strcmp(cp_class_name(a), cp_class_name(b)) == 0 &&
	       cp_class_min_length(a) == cp_class_min_length(b) &&
	       cp_class_min_classes(a) == cp_class_min_classes(b) &&
	       cp_class_max_age_days(a) == cp_class_max_age_days(b) &&
	       cp_class_warn_days(a) == cp_class_warn_days(b) &&
	       cp_class_otp_exempt(a) == cp_class_otp_exempt(b) &&
	       cp_class_history(a) == cp_class_history(b) &&
	       cp_class_similarity(a) == cp_class_similarity(b);
}

/* A scratch directory under the build tree (make clean removes tests/tmp.*). */
static char tmpdir[4096];

static void tmp_setup(void)
{
	const char *top = getenv("top_builddir");
	snprintf(tmpdir, sizeof(tmpdir), "%s/tests/tmp.config.XXXXXX", top != NULL ? top : ".");
	ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp %s: %s", tmpdir, strerror(errno));
}

static void tmp_teardown(void)
{
	DIR *d = opendir(tmpdir);
	if (d == NULL)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char p[8192];
		snprintf(p, sizeof(p), "%s/%s", tmpdir, e->d_name);
		if (unlink(p) != 0)
			rmdir(p);
	}
	closedir(d);
	rmdir(tmpdir);
}

static const char *tmp_path(const char *name)
{
	static char p[8192];
	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	return p;
}

static const char *write_file(const char *name, const char *data, size_t len)
{
	const char *p = tmp_path(name);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	return p;
}

/* ------------------------------------------------------------ built-in policy */

START_TEST(test_default_path)
{
	ck_assert_str_eq(cp_config_default_path(), CP_SYSCONFDIR "/security/credpolicy.conf");
}
END_TEST

START_TEST(test_builtin_globals)
{
	cp_config *cfg = cp_config_new_default();
	ck_assert_ptr_nonnull(cfg);
	ck_assert_str_eq(cp_config_index_path(cfg), CP_PKGDATADIR "/banned.idx");
	ck_assert(!cp_config_index_required(cfg));
	ck_assert_uint_eq(cp_config_class_count(cfg), 4);
	ck_assert_str_eq(cp_class_name(cp_config_class_at(cfg, 0)), "default");
	ck_assert_str_eq(cp_class_name(cp_config_class_at(cfg, 1)), "important-host");
	ck_assert_str_eq(cp_class_name(cp_config_class_at(cfg, 2)), "admin-workstation");
	ck_assert_str_eq(cp_class_name(cp_config_class_at(cfg, 3)), "new-media");
	ck_assert_ptr_null(cp_config_class_at(cfg, 4));
	ck_assert_ptr_null(cp_config_class(cfg, "no-such-class"));
	ck_assert_str_eq(cp_config_ledger_path(cfg), "/var/lib/credpolicy/ledger.db");
	cp_config_free(cfg);
}
END_TEST

/* R10: every account has a class; "default" covers the rest. */
START_TEST(test_r10_default_class)
{
	cp_config *cfg = cp_config_new_default();
	ck_assert_str_eq(cp_class_name(cls(cfg, NULL)), "default");
	/* R1 8 characters, R2 3 of 4 classes, R10/R9 90 days, R11 7, R6 5 and 5. */
	assert_class(cls(cfg, NULL), 8, 3, 90, 7, false, 5, 5);
	cp_config_free(cfg);
}
END_TEST

/* R1: at least 8 characters, in every class. */
START_TEST(test_r1_min_length_everywhere)
{
	cp_config *cfg = cp_config_new_default();
	for (size_t i = 0; i < cp_config_class_count(cfg); i++)
		ck_assert_uint_eq(cp_class_min_length(cp_config_class_at(cfg, i)), 8);
	cp_config_free(cfg);
}
END_TEST

/* R2: 3 of 4 character classes; Art. 38 asks hosts for all four. */
START_TEST(test_r2_min_classes)
{
	cp_config *cfg = cp_config_new_default();
	ck_assert_uint_eq(cp_class_min_classes(cls(cfg, "default")), 3);
	ck_assert_uint_eq(cp_class_min_classes(cls(cfg, "important-host")), 4);
	ck_assert_uint_eq(cp_class_min_classes(cls(cfg, "admin-workstation")), 3);
	ck_assert_uint_eq(cp_class_min_classes(cls(cfg, "new-media")), 3);
	cp_config_free(cfg);
}
END_TEST

/* R7: important hosts monthly, unless a one-time-password device. */
START_TEST(test_r7_important_host)
{
	cp_config *cfg = cp_config_new_default();
	assert_class(cls(cfg, "important-host"), 8, 4, 30, 7, true, 5, 5);
	cp_config_free(cfg);
}
END_TEST

/* R8: admin workstations every two months. */
START_TEST(test_r8_admin_workstation)
{
	cp_config *cfg = cp_config_new_default();
	assert_class(cls(cfg, "admin-workstation"), 8, 3, 60, 7, false, 5, 5);
	cp_config_free(cfg);
}
END_TEST

/* R9: government new-media accounts every three months. */
START_TEST(test_r9_new_media)
{
	cp_config *cfg = cp_config_new_default();
	assert_class(cls(cfg, "new-media"), 8, 3, 90, 7, false, 5, 5);
	cp_config_free(cfg);
}
END_TEST

START_TEST(test_null_safety)
{
	cp_config_free(NULL);
	ck_assert_ptr_null(cp_config_class(NULL, "default"));
	ck_assert_uint_eq(cp_config_class_count(NULL), 0);
	ck_assert_ptr_null(cp_config_class_at(NULL, 0));
	ck_assert_ptr_null(cp_config_index_path(NULL));
	ck_assert_ptr_null(cp_config_ledger_path(NULL));
	ck_assert(!cp_config_index_required(NULL));
	ck_assert_ptr_null(cp_class_name(NULL));
	ck_assert_uint_eq(cp_class_min_length(NULL), 0);
	ck_assert(!cp_class_otp_exempt(NULL));
	char *msg = NULL;
	ck_assert_int_eq(cp_config_load_buffer("", 0, NAME, NULL, &msg), CP_ERR_INVAL);
	cp_config *cfg = NULL;
	ck_assert_int_eq(cp_config_load_buffer(NULL, 3, NAME, &cfg, &msg), CP_ERR_INVAL);
	ck_assert_int_eq(cp_config_load(NAME, NULL, &msg), CP_ERR_INVAL);
	ck_assert_ptr_null(msg);
}
END_TEST

/* ------------------------------------------------------------ files that parse */

START_TEST(test_empty_is_builtin)
{
	cp_config *cfg = NULL, *def = cp_config_new_default();
	ck_assert_int_eq(cp_config_load_buffer(NULL, 0, NULL, &cfg, NULL), CP_OK);
	ck_assert_uint_eq(cp_config_class_count(cfg), cp_config_class_count(def));
	for (size_t i = 0; i < cp_config_class_count(def); i++)
		ck_assert(class_equal(cp_config_class_at(cfg, i), cp_config_class_at(def, i)));
	cp_config_free(cfg);
	cp_config_free(def);
}
END_TEST

START_TEST(test_override_builtin)
{
	cp_config *cfg = load_ok("# R1 raised for hosts\n"
	                         "[class important-host]\n"
	                         "min_length = 12\n"
	                         "otp_exempt = no\n");
	assert_class(cls(cfg, "important-host"), 12, 4, 30, 7, false, 5, 5);
	assert_class(cls(cfg, "default"), 8, 3, 90, 7, false, 5, 5);
	ck_assert_uint_eq(cp_config_class_count(cfg), 4);
	cp_config_free(cfg);
}
END_TEST

START_TEST(test_new_class)
{
	cp_config *cfg = load_ok("[class db-server]\nmax_age_days = 45\nhistory = 12\n"
	                         "[class kiosk]\n");
	ck_assert_uint_eq(cp_config_class_count(cfg), 6);
	ck_assert_str_eq(cp_class_name(cp_config_class_at(cfg, 4)), "db-server");
	ck_assert_str_eq(cp_class_name(cp_config_class_at(cfg, 5)), "kiosk");
	assert_class(cls(cfg, "db-server"), 8, 3, 45, 7, false, 12, 5);
	assert_class(cls(cfg, "kiosk"), 8, 3, 90, 7, false, 5, 5);
	/* Class names are case-sensitive, like keys. */
	ck_assert_ptr_null(cp_config_class(cfg, "Kiosk"));
	cp_config_free(cfg);
}
END_TEST

START_TEST(test_global_keys_inherited)
{
	cp_config *cfg = load_ok("min_length = 10\nhistory = 8\nsimilarity = 3\n"
	                         "[class extra]\n");
	for (size_t i = 0; i < cp_config_class_count(cfg); i++) {
		const cp_class *c = cp_config_class_at(cfg, i);
		ck_assert_uint_eq(cp_class_min_length(c), 10);
		ck_assert_uint_eq(cp_class_history(c), 8);
		ck_assert_uint_eq(cp_class_similarity(c), 3);
	}
	/* What the file did not set globally keeps its built-in value. */
	ck_assert_uint_eq(cp_class_max_age_days(cls(cfg, "admin-workstation")), 60);
	cp_config_free(cfg);
}
END_TEST

/* built-in < global key < the class's own section, whatever the order. */
START_TEST(test_precedence)
{
	cp_config *cfg = load_ok("min_length = 10\n"
	                         "otp_exempt = no\n"
	                         "max_age_days = 50\n"
	                         "[class admin-workstation]\n"
	                         "min_length = 14\n"
	                         "[class important-host]\n"
	                         "otp_exempt = yes\n"
	                         "[class default]\n"
	                         "min_length = 12\n"
	                         "[class new]\n");
	assert_class(cls(cfg, "admin-workstation"), 14, 3, 50, 7, false, 5, 5);
	assert_class(cls(cfg, "important-host"), 10, 4, 50, 7, true, 5, 5);
	assert_class(cls(cfg, "default"), 12, 3, 50, 7, false, 5, 5);
	/* A new class starts from the built-in "default", not the file's. */
	assert_class(cls(cfg, "new"), 10, 3, 50, 7, false, 5, 5);
	assert_class(cls(cfg, "new-media"), 10, 3, 50, 7, false, 5, 5);
	cp_config_free(cfg);
}
END_TEST

/* A global otp_exempt = no overrides the built-in R7 exemption too. */
START_TEST(test_global_overrides_builtin)
{
	cp_config *cfg = load_ok("otp_exempt = no\n");
	ck_assert(!cp_class_otp_exempt(cls(cfg, "important-host")));
	cp_config_free(cfg);
}
END_TEST

START_TEST(test_global_settings)
{
	cp_config *cfg = load_ok("index = /srv/credpolicy/banned.idx\n"
	                         "index_missing = reject\n"
	                         "default_class = web   # defined below\n"
	                         "pattern_min_rest = 6\n"
	                         "[class web]\nmin_length = 9\n");
	ck_assert_str_eq(cp_config_index_path(cfg), "/srv/credpolicy/banned.idx");
	ck_assert(cp_config_index_required(cfg));
	ck_assert_str_eq(cp_class_name(cls(cfg, NULL)), "web");
	ck_assert_uint_eq(cp_class_min_length(cls(cfg, NULL)), 9);
	cp_config_free(cfg);
	cfg = load_ok("index_missing = SKIP\n");
	ck_assert(!cp_config_index_required(cfg));
	cp_config_free(cfg);
}
END_TEST

START_TEST(test_comments_and_hash)
{
	cp_config *cfg = load_ok("#index = /nope\n"
	                         "  # indented comment\n"
	                         "index = /srv/a#b\n");
	ck_assert_str_eq(cp_config_index_path(cfg), "/srv/a#b");
	cp_config_free(cfg);
	cfg = load_ok("index = /srv/x\t# trailing comment\n[class x] # comment\n");
	ck_assert_str_eq(cp_config_index_path(cfg), "/srv/x");
	ck_assert_ptr_nonnull(cp_config_class(cfg, "x"));
	cp_config_free(cfg);
}
END_TEST

START_TEST(test_whitespace_crlf_bom)
{
	cp_config *cfg = load_ok("\xef\xbb\xbf  min_length\t=\t 9  \r\n"
	                         "\t[ class  spaced ]\r\n"
	                         "history=7");
	ck_assert_uint_eq(cp_class_min_length(cls(cfg, "default")), 9);
	ck_assert_uint_eq(cp_class_history(cls(cfg, "spaced")), 7);
	ck_assert_uint_eq(cp_class_history(cls(cfg, "default")), 5);
	cp_config_free(cfg);
}
END_TEST

START_TEST(test_booleans)
{
	static const char *const yes[] = {"yes", "true", "on", "1", "YES", "True"};
	static const char *const no[] = {"no", "false", "off", "0", "No", "OFF"};
	char buf[128];
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		snprintf(buf, sizeof(buf), "[class default]\notp_exempt = %s\n", yes[i]);
		cp_config *cfg = load_ok(buf);
		ck_assert(cp_class_otp_exempt(cls(cfg, "default")));
		cp_config_free(cfg);
		snprintf(buf, sizeof(buf), "[class important-host]\notp_exempt = %s\n", no[i]);
		cfg = load_ok(buf);
		ck_assert(!cp_class_otp_exempt(cls(cfg, "important-host")));
		cp_config_free(cfg);
	}
}
END_TEST

START_TEST(test_number_limits)
{
	cp_config *cfg =
	    load_ok("[class a]\nmin_length = 1024\nmin_classes = 1\n"
	            "max_age_days = 0\nwarn_days = 99999\nhistory = 0\n"
	            "similarity = 0\n"
	            "[class b]\nmin_length = 4\nmin_classes = 4\nmax_age_days = 99999\n"
	            "warn_days = 0\nhistory = 400\nsimilarity = 1024\n"
	            "[class c]\nmin_length = 008\n");
	/* max_age_days 0: never expires, so any warn_days is fine. */
	assert_class(cls(cfg, "a"), 1024, 1, 0, 99999, false, 0, 0);
	assert_class(cls(cfg, "b"), 4, 4, 99999, 0, false, 400, 1024);
	ck_assert_uint_eq(cp_class_min_length(cls(cfg, "c")), 8);
	cp_config_free(cfg);
}
END_TEST

START_TEST(test_class_name_limits)
{
	char buf[256];
	char name[65];
	memset(name, 'n', 64);
	name[64] = '\0';
	snprintf(buf, sizeof(buf), "[class %s]\n[class A.b_c-9]\n", name);
	cp_config *cfg = load_ok(buf);
	ck_assert_ptr_nonnull(cp_config_class(cfg, name));
	ck_assert_ptr_nonnull(cp_config_class(cfg, "A.b_c-9"));
	cp_config_free(cfg);
}
END_TEST

/* [ledger]: the ledger's path and how long to wait for its lock. */
START_TEST(test_ledger_section)
{
	cp_config *cfg = load_ok("min_length = 9\n"
	                         "[ledger]   # the account ledger\n"
	                         "path = /srv/credpolicy/ledger.db\n"
	                         "busy_timeout_ms = 600000\n"
	                         "[class x]\n"
	                         "history = 3\n");
	ck_assert_str_eq(cp_config_ledger_path(cfg), "/srv/credpolicy/ledger.db");
	ck_assert_uint_eq(cp_class_history(cls(cfg, "x")), 3);
	ck_assert_uint_eq(cp_class_min_length(cls(cfg, "x")), 9);
	cp_config_free(cfg);
	/* An empty section keeps the defaults; 0 never waits. */
	cfg = load_ok("[ledger]\n");
	ck_assert_str_eq(cp_config_ledger_path(cfg), "/var/lib/credpolicy/ledger.db");
	cp_config_free(cfg);
	cfg = load_ok("[ledger]\nbusy_timeout_ms = 0\n");
	cp_config_free(cfg);
}
END_TEST

/* The first example of credpolicy.conf(5), verbatim. */
START_TEST(test_man_page_example)
{
	cp_config *cfg = load_ok("# Global: applies to every class that does not set it.\n"
	                         "min_length = 10\n"
	                         "default_class = db-server\n"
	                         "\n"
	                         "[class db-server]\n"
	                         "min_length = 12      # overrides the global 10\n"
	                         "min_classes = 4\n"
	                         "max_age_days = 45\n"
	                         "warn_days = 10\n"
	                         "\n"
	                         "[class important-host]\n"
	                         "otp_exempt = no      # R7 by monthly change only\n");
	assert_class(cls(cfg, NULL), 12, 4, 45, 10, false, 5, 5);
	assert_class(cls(cfg, "important-host"), 10, 4, 30, 7, false, 5, 5);
	assert_class(cls(cfg, "new-media"), 10, 3, 90, 7, false, 5, 5);
	cp_config_free(cfg);
}
END_TEST

/* ------------------------------------------------------------ files that do not */

struct bad_case {
	const char *text;
	size_t len; /* 0: strlen(text) */
	unsigned line;
	const char *fragment;
};

/* clang-format off */
static const struct bad_case bad_cases[] = {
	{"foo = 1\n", 0, 1, "unknown key \"foo\""},
	{"# keys are case-sensitive\nMin_length = 8\n", 0, 2, "unknown key \"Min_length\""},
	{"min_length = 0\n", 0, 1, "\"min_length\" needs a whole number from 1 to 1024"},
	{"min_length = 1025\n", 0, 1, "\"min_length\" needs a whole number from 1 to 1024"},
	{"min_length = -1\n", 0, 1, "whole number"},
	{"min_length = +8\n", 0, 1, "whole number"},
	{"min_length = 8x\n", 0, 1, "whole number"},
	{"min_length = 8 9\n", 0, 1, "whole number"},
	{"min_length = 0x10\n", 0, 1, "whole number"},
	{"min_length = 8.0\n", 0, 1, "whole number"},
	{"min_length = 99999999999999999999999\n", 0, 1, "whole number"},
	{"min_length = 4294967304\n", 0, 1, "whole number"}, /* 2^32 + 8 */
	{"[class x]\nmin_classes = 5\n", 0, 2, "\"min_classes\" needs a whole number from 1 to 4"},
	{"min_classes = 0\n", 0, 1, "\"min_classes\" needs a whole number from 1 to 4"},
	{"max_age_days = 100000\n", 0, 1, "\"max_age_days\" needs a whole number from 0 to 99999"},
	{"history = 401\n", 0, 1, "\"history\" needs a whole number from 0 to 400"},
	{"similarity = 1025\n", 0, 1, "\"similarity\" needs a whole number from 0 to 1024"},
	{"pattern_min_rest = 1025\n", 0, 1, "\"pattern_min_rest\" needs a whole number"},
	{"history = 1\nhistory = 2\n", 0, 2,
	 "duplicate key \"history\" in the global settings (first set on line 1)"},
	{"[class x]\nhistory = 1\n\nhistory = 2\n", 0, 4,
	 "duplicate key \"history\" in section [class x] (first set on line 2)"},
	{"index = /a\nindex = /a\n", 0, 2, "duplicate key \"index\""},
	{"otp_exempt = maybe\n", 0, 1,
	 "unknown value \"maybe\" for \"otp_exempt\" (expected yes or no)"},
	{"[class x]\notp_exempt = y\n", 0, 2, "unknown value \"y\" for \"otp_exempt\""},
	{"index_missing = fail\n", 0, 1,
	 "unknown value \"fail\" for \"index_missing\" (expected skip or reject)"},
	{"index_missing = yes\n", 0, 1, "unknown value \"yes\" for \"index_missing\""},
	{"\n[class x\n", 0, 2, "section header not closed"},
	{"[class x] y\n", 0, 1, "unexpected text after the section header"},
	{"[class x]]\n", 0, 1, "unexpected text after the section header"},
	{"[class bad/name]\n", 0, 1, "class name \"bad/name\" is not valid"},
	{"[class two words]\n", 0, 1, "class name \"two words\" is not valid"},
	{"[class caf\xc3\xa9]\n", 0, 1, "is not valid"},
	{"[class "
	 "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn]\n",
	 0, 1, "is not valid"}, /* 65 characters */
	{"[class]\n", 0, 1, "section [class] needs a class name"},
	{"[ class ]\n", 0, 1, "section [class] needs a class name"},
	{"[group x]\n", 0, 1,
	 "unknown section [group] (expected one of [class NAME], [ledger], [pam], [roles], [offboard], "
	 "[ldap], [ldap_map])"},
	{"[Class x]\n", 0, 1, "unknown section [Class]"},
	{"[]\n", 0, 1, "unknown section []"},
	{"[ldap x]\n", 0, 1, "section [ldap] takes no name"}, /* issue 5: no longer reserved */
	{"[ledger x]\n", 0, 1, "section [ledger] takes no name"},
	{"[ledger]\n[class x]\n[ledger]\n", 0, 3, "duplicate section [ledger] (first on line 1)"},
	{"path = /a.db\n", 0, 1, "key \"path\" belongs in section [ledger]"},
	{"busy_timeout_ms = 5\n", 0, 1, "key \"busy_timeout_ms\" belongs in section [ledger]"},
	{"[ledger]\npath = ledger.db\n", 0, 2, "\"path\" needs an absolute path"},
	{"[ledger]\nbusy_timeout_ms = 600001\n", 0, 2,
	 "\"busy_timeout_ms\" needs a whole number from 0 to 600000"},
	{"[ledger]\nbusy_timeout_ms = -1\n", 0, 2, "whole number"},
	{"[ledger]\nbusy_timeout_ms = 5s\n", 0, 2, "whole number"},
	{"[ledger]\npath = /a\npath = /b\n", 0, 3,
	 "duplicate key \"path\" in section [ledger] (first set on line 2)"},
	{"[ledger]\nmin_length = 8\n", 0, 2, "key \"min_length\" is not allowed in section [ledger]"},
	{"[ledger]\nindex = /a\n", 0, 2, "\"index\" is a global key"},
	{"[class x]\npath = /a\n", 0, 2, "key \"path\" is not allowed in section [class x]"},
	{"[ledger]\npath =\n", 0, 2, "key \"path\" has no value"},
	{"[pam x]\n", 0, 1, "section [pam] takes no name"},
	{"[pam]\n[pam]\n", 0, 2, "duplicate section [pam] (first on line 1)"},
	{"unowned = warn\n", 0, 1, "key \"unowned\" belongs in section [pam]"},
	{"[pam]\nunowned = maybe\n", 0, 2, "unknown value \"maybe\" for \"unowned\""},
	{"[pam]\nledger_unavailable = open\n", 0, 2, "unknown value \"open\""},
	{"[pam]\nmin_length = 8\n", 0, 2, "key \"min_length\" is not allowed in section [pam]"},
	{"min_length 8\n", 0, 1, "expected \"key = value\" but found no \"=\""},
	{"= 8\n", 0, 1, "expected a key name before \"=\""},
	{"min_length =\n", 0, 1, "key \"min_length\" has no value"},
	{"min_length = # comment\n", 0, 1, "key \"min_length\" has no value"},
	{"[class x]\n[class y]\n[class x]\n", 0, 3, "duplicate section [class x] (first on line 1)"},
	{"[class important-host]\n[class important-host]\n", 0, 2,
	 "duplicate section [class important-host]"},
	{"default_class = nosuch\n", 0, 1, "default class \"nosuch\" is not defined"},
	{"# c\ndefault_class = nosuch\n[class other]\n", 0, 2,
	 "default class \"nosuch\" is not defined"},
	{"default_class = bad!\n", 0, 1, "class name \"bad!\" is not valid"},
	{"[class x]\nmax_age_days = 10\nwarn_days = 10\n", 0, 3,
	 "\"warn_days\" (10) must be smaller than \"max_age_days\" (10) in class \"x\""},
	{"[class x]\nwarn_days = 20\nmax_age_days = 10\n", 0, 3, "in class \"x\""},
	/* A global warn_days meets the built-in R7 30 days of important-host. */
	{"warn_days = 40\n", 0, 1,
	 "\"warn_days\" (40) must be smaller than \"max_age_days\" (30) in class \"important-host\""},
	{"[class important-host]\nmin_length = 3\n", 0, 2,
	 "\"min_length\" (3) is smaller than \"min_classes\" (4) in class \"important-host\""},
	{"index = relative/banned.idx\n", 0, 1, "\"index\" needs an absolute path"},
	{"[class x]\nindex = /a\n", 0, 2,
	 "\"index\" is a global key: it must come before the first section"},
	{"[class x]\npattern_min_rest = 3\n", 0, 2, "\"pattern_min_rest\" is a global key"},
	{"[class x]\ndefault_class = x\n", 0, 2, "\"default_class\" is a global key"},
	{"min_length = 8\n# a\0b\n", 21, 2, "line contains a NUL byte"},
	{"min_length = 8\0\n", 16, 1, "line contains a NUL byte"},
	{"# caf\xe9\n", 0, 1, "line is not valid UTF-8"},
	{"\n\n# \xc0\xaf overlong\n", 0, 3, "line is not valid UTF-8"},
	{"# \xed\xa0\x80 surrogate\n", 0, 1, "line is not valid UTF-8"},
	{"# \xe4\xb8\n", 0, 1, "line is not valid UTF-8"}, /* truncated */
	{"# \x1b[31m red\n", 0, 1, "line contains a control character"},
	{"min_length = 8\rx\n", 0, 1, "line contains a control character"},
	{"# \xc2\x9b CSI\n", 0, 1, "line contains a control character"},
	{"# \x7f\n", 0, 1, "line contains a control character"},
	/* An error after valid lines still discards everything. */
	{"min_length = 9\n[class x]\nhistory = 3\nbogus = 1\n", 0, 4, "unknown key \"bogus\""},
};
/* clang-format on */

START_TEST(test_bad_case)
{
	const struct bad_case *b = &bad_cases[_i];
	load_bad(b->text, b->len != 0 ? b->len : strlen(b->text), b->line, b->fragment);
}
END_TEST

START_TEST(test_errmsg_optional)
{
	cp_config *cfg = NULL;
	ck_assert_int_eq(cp_config_load_buffer("foo = 1", 7, NAME, &cfg, NULL), CP_ERR_CONFIG);
	ck_assert_ptr_null(cfg);
}
END_TEST

START_TEST(test_line_too_long)
{
	const size_t max = 4096;
	char *buf = malloc(max + 3);
	cp_config *cfg = NULL;
	/* A line of exactly 4096 bytes is accepted, with "\n" or "\r\n"... */
	memset(buf, ' ', max + 3);
	buf[0] = '#';
	buf[max] = '\n';
	ck_assert_int_eq(cp_config_load_buffer(buf, max + 1, NAME, &cfg, NULL), CP_OK);
	cp_config_free(cfg);
	memcpy(buf + max, "\r\n", 2);
	ck_assert_int_eq(cp_config_load_buffer(buf, max + 2, NAME, &cfg, NULL), CP_OK);
	cp_config_free(cfg);
	/* ...not one byte more (line 2 here). */
	memset(buf, ' ', max + 3);
	memcpy(buf, "\n#", 2);
	buf[max + 2] = '\n';
	load_bad(buf, max + 3, 2, "line is longer than 4096 bytes");
	free(buf);
}
END_TEST

START_TEST(test_too_large)
{
	char *buf = malloc(MIB + 1);
	memset(buf, '#', MIB + 1);
	for (size_t i = 100; i < MIB + 1; i += 100)
		buf[i] = '\n';
	cp_config *cfg = NULL;
	ck_assert_int_eq(cp_config_load_buffer(buf, MIB, NAME, &cfg, NULL), CP_OK);
	cp_config_free(cfg);
	char *msg = NULL;
	cfg = (cp_config *)&cfg;
	ck_assert_int_eq(cp_config_load_buffer(buf, MIB + 1, NAME, &cfg, &msg), CP_ERR_CONFIG);
	ck_assert_ptr_null(cfg);
	ck_assert_str_eq(msg, NAME ": the file is larger than 1 MiB");
	free(msg);
	free(buf);
}
END_TEST

START_TEST(test_too_many_classes)
{
	size_t cap = 1100 * 24, len = 0;
	char *buf = malloc(cap);
	for (unsigned i = 0; i < 1100; i++)
		len += (size_t)snprintf(buf + len, cap - len, "[class c%u]\n", i);
	/* 4 built-in classes + 1020 = 1024 is the limit: line 1021 is one too many. */
	load_bad(buf, len, 1021, "too many classes (at most 1024 are allowed)");
	free(buf);
}
END_TEST

/* ------------------------------------------------------------ files */

START_TEST(test_load_file)
{
	const char *p = write_file("ok.conf", "[class web]\nmin_length = 11\n", 27);
	cp_config *cfg = NULL;
	char *msg = NULL;
	ck_assert_int_eq(cp_config_load(p, &cfg, &msg), CP_OK);
	ck_assert_ptr_null(msg);
	ck_assert_uint_eq(cp_class_min_length(cls(cfg, "web")), 11);
	cp_config_free(cfg);
}
END_TEST

START_TEST(test_load_file_error_names_path)
{
	const char *p = write_file("bad.conf", "# ok\nnope = 1\n", 14);
	char want[8300];
	snprintf(want, sizeof(want), "%s:2: unknown key \"nope\"", p);
	cp_config *cfg = NULL;
	char *msg = NULL;
	ck_assert_int_eq(cp_config_load(p, &cfg, &msg), CP_ERR_CONFIG);
	ck_assert_ptr_null(cfg);
	ck_assert_str_eq(msg, want);
	free(msg);
}
END_TEST

START_TEST(test_load_missing)
{
	const char *p = tmp_path("missing.conf");
	cp_config *cfg = NULL;
	char *msg = NULL;
	ck_assert_int_eq(cp_config_load(p, &cfg, &msg), CP_ERR_NOTFOUND);
	ck_assert_ptr_null(cfg);
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, p) == msg, "<%s> does not name the path", msg);
	free(msg);
}
END_TEST

START_TEST(test_load_directory)
{
	cp_config *cfg = NULL;
	char *msg = NULL;
	ck_assert_int_eq(cp_config_load(tmpdir, &cfg, &msg), CP_ERR_IO);
	ck_assert_ptr_null(cfg);
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, tmpdir) == msg, "<%s> does not name the path", msg);
	ck_assert_msg(strstr(msg, "not a regular file") != NULL, "<%s>", msg);
	free(msg);
}
END_TEST

/* A FIFO is refused without blocking on the open. */
START_TEST(test_load_fifo)
{
	const char *p = tmp_path("fifo");
	ck_assert_int_eq(mkfifo(p, 0600), 0);
	cp_config *cfg = NULL;
	char *msg = NULL;
	ck_assert_int_eq(cp_config_load(p, &cfg, &msg), CP_ERR_IO);
	ck_assert_ptr_null(cfg);
	ck_assert_msg(strstr(msg, "not a regular file") != NULL, "<%s>", msg);
	free(msg);
}
END_TEST

/* Symbolic links are followed (managed /etc trees use them). */
START_TEST(test_load_symlink)
{
	write_file("target.conf", "history = 9\n", 12);
	char link[8192];
	snprintf(link, sizeof(link), "%s", tmp_path("link.conf"));
	ck_assert_int_eq(symlink("target.conf", link), 0);
	cp_config *cfg = NULL;
	ck_assert_int_eq(cp_config_load(link, &cfg, NULL), CP_OK);
	ck_assert_uint_eq(cp_class_history(cls(cfg, NULL)), 9);
	cp_config_free(cfg);
}
END_TEST

START_TEST(test_load_unreadable)
{
	if (geteuid() == 0)
		return; /* root reads anything */
	const char *p = write_file("secret.conf", "history = 9\n", 12);
	ck_assert_int_eq(chmod(p, 0), 0);
	cp_config *cfg = NULL;
	char *msg = NULL;
	ck_assert_int_eq(cp_config_load(p, &cfg, &msg), CP_ERR_IO);
	ck_assert_ptr_null(cfg);
	ck_assert_msg(strstr(msg, p) == msg && strstr(msg, strerror(EACCES)) != NULL, "<%s>", msg);
	free(msg);
}
END_TEST

START_TEST(test_load_too_large_file)
{
	char *buf = malloc(MIB + 1);
	memset(buf, '\n', MIB + 1);
	const char *p = write_file("big.conf", buf, MIB + 1);
	free(buf);
	cp_config *cfg = NULL;
	char *msg = NULL;
	ck_assert_int_eq(cp_config_load(p, &cfg, &msg), CP_ERR_CONFIG);
	ck_assert_ptr_null(cfg);
	ck_assert_msg(strstr(msg, "larger than 1 MiB") != NULL, "<%s>", msg);
	free(msg);
}
END_TEST

/* The shipped sample parses and restates the built-in policy. */
/* The PAM failure modes: safe defaults that never lock a host out, each
 * changeable (R12 for unowned and shared_session). */
START_TEST(test_pam_settings)
{
	cp_config *c = cp_config_new_default();
	ck_assert_str_eq(cp_config_pam_value(c, "ledger_unavailable"), "allow");
	ck_assert_str_eq(cp_config_pam_value(c, "index_unavailable"), "allow");
	ck_assert_str_eq(cp_config_pam_value(c, "unowned"), "deny");
	ck_assert_str_eq(cp_config_pam_value(c, "shared_session"), "alert");
	ck_assert_str_eq(cp_config_pam_value(c, "root_override"), "no");
	ck_assert_str_eq(cp_config_pam_value(c, "root_console"), "allow");
	ck_assert_ptr_null(cp_config_pam_value(c, "no_such_key"));
	ck_assert_ptr_null(cp_config_pam_value(c, "min_length"));
	ck_assert_ptr_null(cp_config_pam_value(NULL, "unowned"));
	cp_config_free(c);
	c = load_ok("[pam]\nledger_unavailable = deny\nunowned = warn\nshared_session = deny\n"
	            "root_override = yes\nroot_console = policy\nindex_unavailable = deny\n");
	ck_assert_str_eq(cp_config_pam_value(c, "ledger_unavailable"), "deny");
	ck_assert_str_eq(cp_config_pam_value(c, "index_unavailable"), "deny");
	ck_assert_str_eq(cp_config_pam_value(c, "unowned"), "warn");
	ck_assert_str_eq(cp_config_pam_value(c, "shared_session"), "deny");
	ck_assert_str_eq(cp_config_pam_value(c, "root_override"), "yes");
	ck_assert_str_eq(cp_config_pam_value(c, "root_console"), "policy");
	cp_config_free(c);
}
END_TEST

/* [roles] (R18) and [offboard] (R13): documented defaults, values as
 * written, and the same strictness as every other section. */
START_TEST(test_value_sections)
{
	cp_config *c = cp_config_new_default();
	ck_assert_str_eq(cp_config_value(c, "roles", "os_admin_groups"), "root sudo wheel adm");
	ck_assert_str_eq(cp_config_value(c, "roles", "db_admin_groups"),
	                 "dba oinstall postgres mysql");
	ck_assert_str_eq(cp_config_value(c, "offboard", "transfer"), "must_change");
	ck_assert_str_eq(cp_config_value(c, "pam", "unowned"), "deny");
	ck_assert_ptr_null(cp_config_value(c, "roles", "transfer"));
	ck_assert_ptr_null(cp_config_value(c, "nosuch", "transfer"));
	ck_assert_ptr_null(cp_config_value(c, "class", "min_length"));
	ck_assert_ptr_null(cp_config_value(NULL, "roles", "os_admin_groups"));
	cp_config_free(c);
	c = load_ok("[roles]\nos_admin_groups = wheel\ndb_admin_groups = 数据库 dba\n"
	            "[offboard]\ntransfer = Lock\n");
	ck_assert_str_eq(cp_config_value(c, "roles", "os_admin_groups"), "wheel");
	ck_assert_str_eq(cp_config_value(c, "roles", "db_admin_groups"), "数据库 dba");
	ck_assert_str_eq(cp_config_value(c, "offboard", "transfer"), "lock");
	cp_config_free(c);
	load_bad("[offboard]\ntransfer = keep\n", 27, 2, "unknown value \"keep\"");
	load_bad("[roles]\n[roles]\n", 16, 2, "duplicate section [roles]");
	load_bad("os_admin_groups = x\n", 20, 1, "key \"os_admin_groups\" belongs in section [roles]");
	load_bad("[roles]\nos_admin_groups =\n", 26, 2, "has no value");
}
END_TEST

START_TEST(test_example_file)
{
	const char *top = getenv("top_srcdir");
	char p[4096];
	snprintf(p, sizeof(p), "%s/examples/credpolicy.conf", top != NULL ? top : ".");
	cp_config *cfg = NULL, *def = cp_config_new_default();
	char *msg = NULL;
	int rc = cp_config_load(p, &cfg, &msg);
	ck_assert_msg(rc == CP_OK, "%s: rc %d: %s", p, rc, msg != NULL ? msg : "");
	ck_assert_uint_eq(cp_config_class_count(cfg), cp_config_class_count(def));
	for (size_t i = 0; i < cp_config_class_count(def); i++)
		ck_assert_msg(class_equal(cp_config_class_at(cfg, i), cp_config_class_at(def, i)),
		              "class %s differs from the built-in one",
		              cp_class_name(cp_config_class_at(def, i)));
	ck_assert_str_eq(cp_class_name(cls(cfg, NULL)), "default");
	ck_assert(!cp_config_index_required(cfg));
	ck_assert_str_eq(cp_config_ledger_path(cfg), cp_config_ledger_path(def));
	cp_config_free(cfg);
	cp_config_free(def);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("builtin");
	tcase_add_test(tc, test_default_path);
	tcase_add_test(tc, test_builtin_globals);
	tcase_add_test(tc, test_r10_default_class);
	tcase_add_test(tc, test_r1_min_length_everywhere);
	tcase_add_test(tc, test_r2_min_classes);
	tcase_add_test(tc, test_r7_important_host);
	tcase_add_test(tc, test_r8_admin_workstation);
	tcase_add_test(tc, test_r9_new_media);
	tcase_add_test(tc, test_null_safety);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_test(tc, test_empty_is_builtin);
	tcase_add_test(tc, test_override_builtin);
	tcase_add_test(tc, test_new_class);
	tcase_add_test(tc, test_global_keys_inherited);
	tcase_add_test(tc, test_precedence);
	tcase_add_test(tc, test_global_overrides_builtin);
	tcase_add_test(tc, test_global_settings);
	tcase_add_test(tc, test_comments_and_hash);
	tcase_add_test(tc, test_whitespace_crlf_bom);
	tcase_add_test(tc, test_booleans);
	tcase_add_test(tc, test_number_limits);
	tcase_add_test(tc, test_class_name_limits);
	tcase_add_test(tc, test_ledger_section);
	tcase_add_test(tc, test_man_page_example);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_bad_case, 0, (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, test_errmsg_optional);
	tcase_add_test(tc, test_line_too_long);
	tcase_add_test(tc, test_too_large);
	tcase_add_test(tc, test_too_many_classes);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_load_file);
	tcase_add_test(tc, test_load_file_error_names_path);
	tcase_add_test(tc, test_load_missing);
	tcase_add_test(tc, test_load_directory);
	tcase_add_test(tc, test_load_fifo);
	tcase_add_test(tc, test_load_symlink);
	tcase_add_test(tc, test_load_unreadable);
	tcase_add_test(tc, test_load_too_large_file);
	tcase_add_test(tc, test_pam_settings);
	tcase_add_test(tc, test_value_sections);
	tcase_add_test(tc, test_example_file);
	suite_add_tcase(s, tc);
	return s;
}

CP_TEST_MAIN(make_suite)
