/* test_ledger_status.c - rotation status from the ledger (R7-R13): every
 * state, their precedence, the classes' max ages and warn windows, the
 * OTP exemption, and which account applies to a host. */
#include "config.h"

#include "credpolicy.h"
#include "testutil.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DAY 86400
#define NOW ((int64_t)1767225600) /* 2026-01-01 00:00:00 UTC */

/* Classes beyond the regulation's, for the edge cases. */
static const char conf_text[] = "[class never]\n"
                                "max_age_days = 0\n"
                                "[class nowarn]\n"
                                "max_age_days = 10\n"
                                "warn_days = 0\n"
                                "[class gone]\n";

static char tmpdir[4096];
static cp_config *cfg;
static cp_ledger *led;

static void setup(void)
{
	const char *top = getenv("top_builddir");
	snprintf(tmpdir, sizeof(tmpdir), "%s/tests/tmp.status.XXXXXX", top != NULL ? top : ".");
	ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp %s: %s", tmpdir, strerror(errno));
	ck_assert_int_eq(cp_config_load_buffer(conf_text, strlen(conf_text), "t.conf", &cfg, NULL),
	                 CP_OK);
	char path[8192];
	snprintf(path, sizeof(path), "%s/l.db", tmpdir);
	char *msg = NULL;
	int rc = cp_ledger_open(cfg, path, CP_LEDGER_CREATE, &led, &msg);
	ck_assert_msg(rc == CP_OK, "%s", msg != NULL ? msg : "");
	ck_assert_int_eq(cp_ledger_person_put(led, "E1", "Zhang Wei", NULL, "hr"), CP_OK);
	ck_assert_int_eq(cp_ledger_person_put(led, "E2", "Li Na", NULL, "hr"), CP_OK);
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(p);
	return 0;
}

static void teardown(void)
{
	cp_ledger_close(led);
	cp_config_free(cfg);
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A personal account of E1 (unless kind/owner say otherwise), changed at
 * last_change. */
static void account(const char *name, const char *scope, const char *cls, cp_account_kind kind,
                    const char *owner, bool otp, int64_t last_change)
{
	ck_assert_int_eq(cp_ledger_account_put(led, name, scope, cls, kind, owner, otp, "root"),
	                 CP_OK);
	ck_assert_int_eq(cp_ledger_set_last_change(led, name, scope, last_change, "root"), CP_OK);
}

static void personal(const char *name, const char *cls, int64_t last_change)
{
	account(name, NULL, cls, CP_ACCOUNT_PERSONAL, "E1", false, last_change);
}

static cp_status *status_at(const char *name, const char *host, int64_t now)
{
	cp_status *s = NULL;
	int rc = cp_ledger_status(led, name, host, now, &s);
	ck_assert_msg(rc == CP_OK, "status %s: rc %d", name, rc);
	return s;
}

/* The state and days left of name at now; the message must be there. */
static void expect(const char *name, int64_t now, cp_state state, int32_t days)
{
	cp_status *s = status_at(name, "h", now);
	ck_assert_msg(cp_status_state(s) == state, "%s: state %s, expected %s", name,
	              cp_state_code(cp_status_state(s)), cp_state_code(state));
	ck_assert_msg(cp_status_days_left(s) == days, "%s: %d days left, expected %d", name,
	              cp_status_days_left(s), days);
	ck_assert_ptr_nonnull(cp_status_message(s));
	ck_assert_uint_gt(strlen(cp_status_message(s)), 0);
	cp_status_free(s);
}

static void expect_message(const char *name, int64_t now, const char *fragment)
{
	cp_status *s = status_at(name, "h", now);
	ck_assert_msg(strstr(cp_status_message(s), fragment) != NULL, "<%s> lacks <%s>",
	              cp_status_message(s), fragment);
	cp_status_free(s);
}

/* ------------------------------------------------------------ each state */

START_TEST(test_ok)
{
	personal("u", "admin-workstation", NOW - 10 * DAY);
	expect("u", NOW, CP_STATE_OK, 50);
	expect_message("u", NOW, "50 days");
	cp_status *s = status_at("u", "h", NOW);
	ck_assert_str_eq(cp_status_class(s), "admin-workstation");
	ck_assert_ptr_null(cp_status_reason(s));
	cp_status_free(s);
}
END_TEST

START_TEST(test_warn_r11)
{
	personal("u", "admin-workstation", NOW - 55 * DAY);
	expect("u", NOW, CP_STATE_WARN, 5);
	expect_message("u", NOW, "5 days");
	expect("u", NOW + 4 * DAY - 1, CP_STATE_WARN, 1);
	expect_message("u", NOW + 4 * DAY - 1, "1 day;");
	expect("u", NOW + 5 * DAY - 3600, CP_STATE_WARN, 0);
	expect_message("u", NOW + 5 * DAY - 3600, "today");
}
END_TEST

START_TEST(test_expired)
{
	personal("u", "admin-workstation", NOW - 61 * DAY);
	expect("u", NOW, CP_STATE_EXPIRED, -1);
	expect_message("u", NOW, "expired");
	expect("u", NOW + 100 * DAY, CP_STATE_EXPIRED, -101);
}
END_TEST

/* No change on record: the password was never set through the policy. */
START_TEST(test_never_changed)
{
	personal("u", "admin-workstation", 0);
	expect("u", NOW, CP_STATE_EXPIRED, 0);
	expect_message("u", NOW, "No password change is on record");
}
END_TEST

START_TEST(test_must_change)
{
	personal("u", "admin-workstation", NOW - DAY);
	ck_assert_int_eq(cp_ledger_set_must_change(led, "u", NULL, "helpdesk reset", "hd", "T-1"),
	                 CP_OK);
	expect("u", NOW, CP_STATE_MUST_CHANGE, 59);
	cp_status *s = status_at("u", "h", NOW);
	ck_assert_str_eq(cp_status_reason(s), "helpdesk reset");
	ck_assert_ptr_nonnull(strstr(cp_status_message(s), "helpdesk reset"));
	cp_status_free(s);
	/* A recorded change clears it. */
	ck_assert_int_eq(cp_ledger_record_change(led, "u", "h", "Kx9#mQ2!vB", NOW, "passwd"),
	                 CP_OK);
	expect("u", NOW, CP_STATE_OK, 60);
}
END_TEST

START_TEST(test_locked)
{
	personal("u", "admin-workstation", NOW - DAY);
	ck_assert_int_eq(cp_ledger_set_locked(led, "u", NULL, true, "audit", "sec", "T"), CP_OK);
	expect("u", NOW, CP_STATE_LOCKED, 59);
	expect_message("u", NOW, "locked");
}
END_TEST

/* R13: the owner has left. */
START_TEST(test_departed)
{
	personal("u", "admin-workstation", NOW - DAY);
	ck_assert_int_eq(cp_ledger_person_depart(led, "E1", NOW - 3600, "hr", "HR-1"), CP_OK);
	expect("u", NOW, CP_STATE_DEPARTED, 59);
	expect_message("u", NOW, "has left");
}
END_TEST

/* R12: a personal account with no owner, or with two. */
START_TEST(test_unowned_and_shared)
{
	account("u", NULL, "admin-workstation", CP_ACCOUNT_PERSONAL, NULL, false, NOW - DAY);
	expect("u", NOW, CP_STATE_UNOWNED, 59);
	expect_message("u", NOW, "no owner");
	ck_assert_int_eq(cp_ledger_owner_add(led, "u", NULL, "E1", "ldap"), CP_OK);
	expect("u", NOW, CP_STATE_OK, 59);
	ck_assert_int_eq(cp_ledger_owner_add(led, "u", NULL, "E2", "ldap"), CP_OK);
	expect("u", NOW, CP_STATE_SHARED, 59);
	expect_message("u", NOW, "more than one person");
}
END_TEST

/* Ownership rules are R12's for personal accounts only. */
/* The rotation rules under an ownership state (what pam_credpolicy applies
 * with unowned = warn): the exact expiry second is expired, one second
 * before is the last day of the warn window; a must-change flag wins. */
static cp_state rotation_at(const char *name, int64_t now)
{
	cp_status *s = status_at(name, "h", now);
	cp_state r = cp_status_rotation(s);
	cp_status_free(s);
	return r;
}

START_TEST(test_rotation_under_ownership)
{
	int64_t changed = NOW - 60 * DAY; /* admin-workstation: 60 days (R8) */
	account("u", NULL, "admin-workstation", CP_ACCOUNT_PERSONAL, NULL, false, changed);
	expect("u", NOW, CP_STATE_UNOWNED, 0);
	ck_assert_int_eq(rotation_at("u", NOW), CP_STATE_EXPIRED);
	ck_assert_int_eq(rotation_at("u", NOW - 1), CP_STATE_WARN);
	ck_assert_int_eq(rotation_at("u", NOW - 30 * DAY), CP_STATE_OK);
	ck_assert_int_eq(cp_ledger_set_must_change(led, "u", NULL, "helpdesk reset", "root", "T1"),
	                 CP_OK);
	ck_assert_int_eq(rotation_at("u", NOW - 30 * DAY), CP_STATE_MUST_CHANGE);
	ck_assert_int_eq(cp_status_rotation(NULL), CP_STATE_MUST_CHANGE);
}
END_TEST

START_TEST(test_service_accounts_need_no_owner)
{
	account("svc", NULL, "admin-workstation", CP_ACCOUNT_SERVICE, NULL, false, NOW - DAY);
	expect("svc", NOW, CP_STATE_OK, 59);
	account("bg", NULL, "admin-workstation", CP_ACCOUNT_BREAK_GLASS, "E1", false, NOW - DAY);
	ck_assert_int_eq(cp_ledger_person_depart(led, "E1", NOW, "hr", "HR-1"), CP_OK);
	expect("bg", NOW, CP_STATE_OK, 59);
	account("svc2", NULL, "admin-workstation", CP_ACCOUNT_SERVICE, NULL, false, NOW - 70 * DAY);
	expect("svc2", NOW, CP_STATE_EXPIRED, -10);
}
END_TEST

/* locked, departed, unowned, shared, must_change, expired, warn, ok. */
START_TEST(test_precedence)
{
	account("u", NULL, "admin-workstation", CP_ACCOUNT_PERSONAL, "E1", false, NOW - 58 * DAY);
	ck_assert_int_eq(cp_ledger_owner_add(led, "u", NULL, "E2", "ldap"), CP_OK);
	ck_assert_int_eq(cp_ledger_set_must_change(led, "u", NULL, "leaver", "hr", "T"), CP_OK);
	ck_assert_int_eq(cp_ledger_person_depart(led, "E2", NOW, "hr", "T"), CP_OK);
	ck_assert_int_eq(cp_ledger_set_locked(led, "u", NULL, true, "x", "sec", "T"), CP_OK);
	int64_t late = NOW + 10 * DAY;
	expect("u", late, CP_STATE_LOCKED, -8);
	ck_assert_int_eq(cp_ledger_set_locked(led, "u", NULL, false, NULL, "sec", "T"), CP_OK);
	expect("u", late, CP_STATE_DEPARTED, -8); /* departed before shared */
	ck_assert_int_eq(cp_ledger_account_put(led, "u", NULL, "admin-workstation",
	                                       CP_ACCOUNT_PERSONAL, NULL, false, "root"),
	                 CP_OK);
	expect("u", late, CP_STATE_UNOWNED, -8); /* unowned before must_change */
	ck_assert_int_eq(cp_ledger_owner_add(led, "u", NULL, "E1", "ldap"), CP_OK);
	ck_assert_int_eq(cp_ledger_person_put(led, "E3", "Wang Fang", NULL, "hr"), CP_OK);
	ck_assert_int_eq(cp_ledger_owner_add(led, "u", NULL, "E3", "ldap"), CP_OK);
	expect("u", late, CP_STATE_SHARED, -8); /* shared before must_change */
	ck_assert_int_eq(cp_ledger_account_put(led, "u", NULL, "admin-workstation",
	                                       CP_ACCOUNT_PERSONAL, "E1", false, "root"),
	                 CP_OK);
	expect("u", late, CP_STATE_MUST_CHANGE, -8); /* must_change before expired */
	ck_assert_int_eq(cp_ledger_set_must_change(led, "u", NULL, NULL, "hr", "T"), CP_OK);
	expect("u", late, CP_STATE_EXPIRED, -8);
	expect("u", NOW, CP_STATE_WARN, 2);
	expect("u", NOW - 10 * DAY, CP_STATE_OK, 12);
}
END_TEST

/* ------------------------------------------------------------ classes */

/* R7: monthly, unless a one-time-password device is on record. */
START_TEST(test_otp_exemption_r7)
{
	account("otp", NULL, "important-host", CP_ACCOUNT_PERSONAL, "E1", true, NOW - 400 * DAY);
	expect("otp", NOW, CP_STATE_OK, INT32_MAX);
	expect_message("otp", NOW, "does not expire");
	account("nootp", NULL, "important-host", CP_ACCOUNT_PERSONAL, "E1", false, NOW - 31 * DAY);
	expect("nootp", NOW, CP_STATE_EXPIRED, -1);
	/* Even a never-changed password: the OTP device is the credential. */
	account("otp0", NULL, "important-host", CP_ACCOUNT_PERSONAL, "E1", true, 0);
	expect("otp0", NOW, CP_STATE_OK, INT32_MAX);
}
END_TEST

/* A class without otp_exempt: the device changes nothing (R8). */
START_TEST(test_otp_no_exemption_elsewhere)
{
	account("u", NULL, "admin-workstation", CP_ACCOUNT_PERSONAL, "E1", true, NOW - 61 * DAY);
	expect("u", NOW, CP_STATE_EXPIRED, -1);
}
END_TEST

START_TEST(test_max_age_zero)
{
	personal("u", "never", NOW - 5000 * DAY);
	expect("u", NOW, CP_STATE_OK, INT32_MAX);
	personal("v", "never", 0);
	expect("v", NOW, CP_STATE_OK, INT32_MAX);
	/* Must-change still applies. */
	ck_assert_int_eq(cp_ledger_set_must_change(led, "u", NULL, "compromised", "sec", "T"),
	                 CP_OK);
	expect("u", NOW, CP_STATE_MUST_CHANGE, INT32_MAX);
}
END_TEST

/* R7 30, R8 60, R9 90 and R10 90 days: the last second before the max
 * age is still valid (0 days left, warned), the max age itself expires. */
static const struct {
	const char *cls;
	int days;
} class_days[] = {
    {"important-host", 30},    /* R7 */
    {"admin-workstation", 60}, /* R8 */
    {"new-media", 90},         /* R9 */
    {"default", 90},           /* R10 */
};

START_TEST(test_class_max_age)
{
	const char *cls = class_days[_i].cls;
	int64_t max = (int64_t)class_days[_i].days * DAY;
	personal("u", cls, NOW - max + 1);
	expect("u", NOW, CP_STATE_WARN, 0);
	personal("u", cls, NOW - max);
	expect("u", NOW, CP_STATE_EXPIRED, 0);
	personal("u", cls, NOW - max + 8 * DAY);
	expect("u", NOW, CP_STATE_OK, 8);
	cp_status *s = status_at("u", "h", NOW);
	ck_assert_str_eq(cp_status_class(s), cls);
	cp_status_free(s);
}
END_TEST

/* R10: accounts of class "default", and accounts whose class the
 * configuration no longer has, follow the default class. */
START_TEST(test_default_class_r10)
{
	personal("u", "default", NOW - 80 * DAY);
	expect("u", NOW, CP_STATE_OK, 10);
	personal("g", "gone", NOW - 80 * DAY);
	cp_config *plain = cp_config_new_default();
	char path[8192];
	snprintf(path, sizeof(path), "%s/l.db", tmpdir);
	cp_ledger *l = NULL;
	ck_assert_int_eq(cp_ledger_open(plain, path, CP_LEDGER_READONLY, &l, NULL), CP_OK);
	cp_status *s = NULL;
	ck_assert_int_eq(cp_ledger_status(l, "g", "h", NOW, &s), CP_OK);
	ck_assert_str_eq(cp_status_class(s), "default");
	ck_assert_int_eq(cp_status_state(s), CP_STATE_OK);
	ck_assert_int_eq(cp_status_days_left(s), 10);
	cp_status_free(s);
	cp_account *a = NULL;
	ck_assert_int_eq(cp_ledger_account_get(l, "g", "h", &a), CP_OK);
	ck_assert_str_eq(cp_account_class(a), "gone"); /* the record is not rewritten */
	cp_account_free(a);
	cp_ledger_close(l);
	cp_config_free(plain);
}
END_TEST

/* R11: warned within the last warn_days * 86400 seconds, not before. */
START_TEST(test_warn_window_r11)
{
	int64_t expiry = NOW + 7 * DAY;
	personal("u", "admin-workstation", expiry - 60 * DAY);
	expect("u", NOW, CP_STATE_OK, 7);
	expect("u", NOW + 1, CP_STATE_WARN, 6);
	expect("u", expiry - 1, CP_STATE_WARN, 0);
	expect("u", expiry, CP_STATE_EXPIRED, 0);
	/* warn_days 0: no warning at all. */
	personal("n", "nowarn", NOW - 10 * DAY + 1);
	expect("n", NOW, CP_STATE_OK, 0);
	expect("n", NOW + 1, CP_STATE_EXPIRED, 0);
}
END_TEST

/* Far-away times neither overflow nor wrap. */
/* A last change in the future (a typo, 2062 for 2026, in a ledger written
 * before set_last_change refused it) counts as now: it must not postpone
 * the expiry by decades. */
static void set_raw_last_change(const char *name, long long when)
{
	char path[8192], sql[256];
	snprintf(path, sizeof(path), "%s/l.db", tmpdir);
	snprintf(sql, sizeof(sql), "UPDATE accounts SET last_change = %lld WHERE name = '%s'", when,
	         name);
	sqlite3 *db = NULL;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

START_TEST(test_future_last_change)
{
	personal("now", "admin-workstation", NOW);
	cp_status *s = status_at("now", "h", NOW);
	int32_t full = cp_status_days_left(s);
	cp_status_free(s);
	personal("typo", "admin-workstation", NOW - 86400);
	set_raw_last_change("typo", 2871763200LL); /* 2061-01-01 */
	expect("typo", NOW, CP_STATE_OK, full);
	/* and the import path refuses it to begin with */
	ck_assert_int_eq(cp_ledger_set_last_change(led, "typo", NULL, 2871763200LL, "root"),
	                 CP_ERR_INVAL);
}
END_TEST

START_TEST(test_extreme_times)
{
	personal("u", "admin-workstation", NOW);
	cp_status *s = status_at("u", "h", NOW);
	int32_t full = cp_status_days_left(s);
	cp_status_free(s);
	set_raw_last_change("u", INT64_MAX); /* counts as now */
	expect("u", NOW, CP_STATE_OK, full);
	personal("u", "admin-workstation", 1);
	expect("u", INT64_MAX, CP_STATE_EXPIRED, INT32_MIN);
}
END_TEST

/* ------------------------------------------------------------ hosts */

static void expect_scope(const char *name, const char *host, const char *scope)
{
	cp_account *a = NULL;
	int rc = cp_ledger_account_get(led, name, host, &a);
	ck_assert_msg(rc == CP_OK, "%s on %s: rc %d", name, host, rc);
	ck_assert_msg(strcmp(cp_account_scope(a), scope) == 0, "%s on %s: scope %s, expected %s",
	              name, host, cp_account_scope(a), scope);
	cp_account_free(a);
	/* status follows the same account: each scope has its own class */
	cp_status *s = status_at(name, host, NOW);
	cp_status_free(s);
}

START_TEST(test_host_matching)
{
	account("alice", "*", "new-media", CP_ACCOUNT_PERSONAL, "E1", false, NOW);
	account("alice", "web-*", "admin-workstation", CP_ACCOUNT_PERSONAL, "E1", false, NOW);
	account("alice", "web-2*", "important-host", CP_ACCOUNT_PERSONAL, "E1", false, NOW);
	account("alice", "web-1", "default", CP_ACCOUNT_PERSONAL, "E1", false, NOW);
	expect_scope("alice", "web-1", "web-1");   /* exact */
	expect_scope("alice", "WEB-1", "web-1");   /* host names ignore case */
	expect_scope("alice", "web-20", "web-2*"); /* the longest pattern */
	expect_scope("alice", "web-3", "web-*");
	expect_scope("alice", "db-1", "*");
	expect_scope("alice", "", "*");
	cp_status *s = status_at("alice", "web-20", NOW);
	ck_assert_str_eq(cp_status_class(s), "important-host");
	cp_status_free(s);
	s = status_at("alice", "db-1", NOW);
	ck_assert_str_eq(cp_status_class(s), "new-media");
	cp_status_free(s);
	/* Exact beats a longer pattern. */
	account("bob", "web-1?", "default", CP_ACCOUNT_SERVICE, NULL, false, NOW);
	account("bob", "web-10", "default", CP_ACCOUNT_SERVICE, NULL, false, NOW);
	expect_scope("bob", "web-10", "web-10");
	expect_scope("bob", "web-11", "web-1?");
	/* No "*": other hosts have no such account. */
	s = (cp_status *)&s;
	ck_assert_int_eq(cp_ledger_status(led, "bob", "db-1", NOW, &s), CP_ERR_NOTFOUND);
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_this_host)
{
	char host[HOST_NAME_MAX + 1] = "";
	ck_assert_int_eq(gethostname(host, sizeof(host) - 1), 0);
	account("carol", "*", "new-media", CP_ACCOUNT_SERVICE, NULL, false, NOW);
	account("carol", host, "important-host", CP_ACCOUNT_SERVICE, NULL, false, NOW);
	cp_status *s = status_at("carol", NULL, NOW);
	ck_assert_str_eq(cp_status_class(s), "important-host");
	cp_status_free(s);
}
END_TEST

/* ------------------------------------------------------------ API edges */

START_TEST(test_status_errors)
{
	cp_status *s = (cp_status *)&s;
	ck_assert_int_eq(cp_ledger_status(led, "nobody", "h", NOW, &s), CP_ERR_NOTFOUND);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(cp_ledger_status(NULL, "u", "h", NOW, &s), CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_status(led, NULL, "h", NOW, &s), CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_status(led, "u", "h", NOW, NULL), CP_ERR_INVAL);
	cp_status_free(NULL);
	/* A lost status must not read as "ok". */
	ck_assert_int_eq(cp_status_state(NULL), CP_STATE_LOCKED);
	ck_assert_ptr_null(cp_status_message(NULL));
}
END_TEST

START_TEST(test_state_codes)
{
	const char *codes[] = {"ok",     "warn",     "expired", "must_change",
	                       "locked", "departed", "unowned", "shared"};
	for (int i = 0; i < 8; i++)
		ck_assert_str_eq(cp_state_code((cp_state)i), codes[i]);
	ck_assert_ptr_null(cp_state_code((cp_state)8));
	ck_assert_ptr_null(cp_state_code((cp_state)-1));
}
END_TEST

/* What the PAM account hook does: a read-only handle. */
START_TEST(test_readonly_status)
{
	personal("u", "admin-workstation", NOW - 10 * DAY);
	char path[8192];
	snprintf(path, sizeof(path), "%s/l.db", tmpdir);
	cp_ledger *ro = NULL;
	ck_assert_int_eq(cp_ledger_open(cfg, path, CP_LEDGER_READONLY, &ro, NULL), CP_OK);
	cp_status *s = NULL;
	ck_assert_int_eq(cp_ledger_status(ro, "u", "h", NOW, &s), CP_OK);
	ck_assert_int_eq(cp_status_days_left(s), 50);
	cp_status_free(s);
	cp_ledger_close(ro);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ledger_status");
	TCase *tc = tcase_create("states");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60); /* record_change hashes with yescrypt */
	tcase_add_test(tc, test_ok);
	tcase_add_test(tc, test_warn_r11);
	tcase_add_test(tc, test_expired);
	tcase_add_test(tc, test_never_changed);
	tcase_add_test(tc, test_must_change);
	tcase_add_test(tc, test_locked);
	tcase_add_test(tc, test_departed);
	tcase_add_test(tc, test_unowned_and_shared);
	tcase_add_test(tc, test_service_accounts_need_no_owner);
	tcase_add_test(tc, test_precedence);
	suite_add_tcase(s, tc);

	tc = tcase_create("classes");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_otp_exemption_r7);
	tcase_add_test(tc, test_otp_no_exemption_elsewhere);
	tcase_add_test(tc, test_max_age_zero);
	tcase_add_loop_test(tc, test_class_max_age, 0,
	                    (int)(sizeof(class_days) / sizeof(class_days[0])));
	tcase_add_test(tc, test_default_class_r10);
	tcase_add_test(tc, test_warn_window_r11);
	tcase_add_test(tc, test_extreme_times);
	tcase_add_test(tc, test_future_last_change);
	suite_add_tcase(s, tc);

	tc = tcase_create("hosts");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_host_matching);
	tcase_add_test(tc, test_this_host);
	suite_add_tcase(s, tc);

	tc = tcase_create("api");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_status_errors);
	tcase_add_test(tc, test_state_codes);
	tcase_add_test(tc, test_rotation_under_ownership);
	tcase_add_test(tc, test_readonly_status);
	suite_add_tcase(s, tc);
	return s;
}

CP_TEST_MAIN(make_suite)
