/* test_ledger_offboard.c - the ledger side of offboarding (R13), of a
 * compromised password (R16) and the look-ups the helpdesk commands use:
 * the plan, its application in one transaction, idempotence, a partial
 * failure completed by a re-run, transfers, and the events written. */
#include "config.h"

#include "credpolicy.h"
#include "ledger_internal.h" /* the handle's connection: directory rows */
#include "testutil.h"

#include <errno.h>
#include <ftw.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[4096];
static cp_config *cfg;
static cp_ledger *led;

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(p);
	return 0;
}

static void open_ledger(const char *conf)
{
	char *msg = NULL;
	cp_config_free(cfg);
	cfg = NULL;
	int rc = conf != NULL ? cp_config_load_buffer(conf, strlen(conf), "test.conf", &cfg, &msg)
	                      : ((cfg = cp_config_new_default()) != NULL ? CP_OK : CP_ERR_NOMEM);
	ck_assert_msg(rc == CP_OK, "config: %s", msg != NULL ? msg : cp_strerror(rc));
	char path[4200];
	snprintf(path, sizeof(path), "%s/l.db", tmpdir);
	cp_ledger_close(led);
	rc = cp_ledger_open(cfg, path, CP_LEDGER_CREATE, &led, &msg);
	ck_assert_msg(rc == CP_OK, "open: %s", msg != NULL ? msg : cp_strerror(rc));
}

static void setup(void)
{
	const char *t = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/cp-test-offboard.XXXXXX", t != NULL ? t : "/tmp");
	ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp: %s", strerror(errno));
	cfg = NULL;
	led = NULL;
	open_ledger(NULL);
}

static void teardown(void)
{
	cp_ledger_close(led);
	cp_config_free(cfg);
	led = NULL;
	cfg = NULL;
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#define OK(expr) ck_assert_int_eq((expr), CP_OK)

/* E1 (the leaver) owns e1 (personal) and app (service), is custodian of
 * db1, db2 (owned by E2) and root (a service account, also custodied by
 * E3); E2 and E3 stay; E4 has left already. */
static void fixture(void)
{
	const char *people[][2] = {{"E1", "张伟"}, {"E2", "李娜"}, {"E3", "王芳"}, {"E4", "刘洋"}};
	for (size_t i = 0; i < 4; i++)
		OK(cp_ledger_person_put(led, people[i][0], people[i][1], NULL, "test"));
	OK(cp_ledger_account_put(led, "e1", NULL, NULL, CP_ACCOUNT_PERSONAL, "E1", false, "test"));
	OK(cp_ledger_account_put(led, "app", NULL, NULL, CP_ACCOUNT_SERVICE, "E1", false, "test"));
	OK(cp_ledger_account_put(led, "db1", NULL, NULL, CP_ACCOUNT_PERSONAL, "E2", false, "test"));
	OK(cp_ledger_account_put(led, "db2", "db-*", NULL, CP_ACCOUNT_PERSONAL, "E2", false,
	                         "test"));
	OK(cp_ledger_account_put(led, "root", NULL, NULL, CP_ACCOUNT_SERVICE, NULL, false, "test"));
	const char *custodied[][2] = {{"db1", NULL}, {"db2", "db-*"}, {"root", NULL}};
	for (size_t i = 0; i < 3; i++)
		OK(cp_ledger_custodian_grant(led, custodied[i][0], custodied[i][1], "E1", "test",
		                             "T-0"));
	OK(cp_ledger_custodian_grant(led, "root", NULL, "E3", "test", "T-0"));
	OK(cp_ledger_custodian_grant(led, "root", NULL, "E4", "test", "T-0"));
	OK(cp_ledger_person_depart(led, "E4", 0, "test", "T-0"));
	const char *all[][2] = {
	    {"e1", NULL}, {"app", NULL}, {"db1", NULL}, {"db2", "db-*"}, {"root", NULL}};
	for (size_t i = 0; i < 5; i++)
		OK(cp_ledger_set_last_change(led, all[i][0], all[i][1], time(NULL) - 86400,
		                             "test"));
}

/* Index of the item (action, account) in p; -1 if absent. */
static long find(const cp_offboard_plan *p, cp_offboard_action a, const char *account)
{
	for (size_t i = 0; i < cp_offboard_plan_count(p); i++) {
		const char *name = cp_offboard_item_account(p, i);
		if (cp_offboard_item_action(p, i) == a &&
		    (account == NULL ? name == NULL : name != NULL && strcmp(name, account) == 0))
			return (long)i;
	}
	return -1;
}

static cp_offboard_state state_of(const cp_offboard_plan *p, cp_offboard_action a,
                                  const char *account)
{
	long i = find(p, a, account);
	ck_assert_msg(i >= 0, "no %s item for %s", cp_offboard_action_name(a),
	              account != NULL ? account : "(person)");
	return cp_offboard_item_state(p, (size_t)i);
}

static const char *status(const char *name, const char *host)
{
	cp_status *st = NULL;
	OK(cp_ledger_status(led, name, host, (int64_t)time(NULL), &st));
	const char *code = cp_state_code(cp_status_state(st));
	cp_status_free(st);
	return code;
}

static char *must_change(const char *name, const char *host)
{
	cp_account *a = NULL;
	OK(cp_ledger_account_get(led, name, host, &a));
	const char *r = cp_account_must_change(a);
	char *copy = r != NULL ? strdup(r) : NULL;
	cp_account_free(a);
	return copy;
}

static size_t custodians(const char *name, const char *host)
{
	cp_account *a = NULL;
	OK(cp_ledger_account_get(led, name, host, &a));
	size_t n = cp_account_custodian_count(a);
	cp_account_free(a);
	return n;
}

struct count {
	const char *kind;
	size_t n;
	int64_t last;
};

static int count_fn(const cp_event *ev, void *ctx)
{
	struct count *c = ctx;
	if (c->kind == NULL || strcmp(cp_event_kind(ev), c->kind) == 0)
		c->n++;
	c->last = cp_event_id(ev);
	return 0;
}

static size_t events(const char *kind)
{
	struct count c = {kind, 0, 0};
	OK(cp_ledger_events(led, 0, count_fn, &c));
	return c.n;
}

static cp_offboard_plan *plan(const char *id, cp_offboard_reason r, const char *ticket)
{
	cp_offboard_plan *p = NULL;
	OK(cp_ledger_offboard_plan(led, id, r, ticket, &p));
	ck_assert_ptr_nonnull(p);
	return p;
}

START_TEST(unknown_person)
{
	cp_offboard_plan *p = (cp_offboard_plan *)1;
	ck_assert_int_eq(cp_ledger_offboard_plan(led, "E404", CP_OFFBOARD_DEPARTURE, "T", &p),
	                 CP_ERR_NOTFOUND);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(cp_ledger_offboard_plan(led, "", CP_OFFBOARD_DEPARTURE, "T", &p),
	                 CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_offboard_plan(led, "E1", (cp_offboard_reason)7, "T", &p),
	                 CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_offboard_plan(led, "E\x01", CP_OFFBOARD_DEPARTURE, "T", &p),
	                 CP_ERR_INVAL);
	ck_assert_int_eq(events("offboard"), 0);
}
END_TEST

/* R13: the departure plan, applied in one step. */
START_TEST(departure)
{
	fixture();
	size_t before = events(NULL);
	cp_offboard_plan *p = plan("E1", CP_OFFBOARD_DEPARTURE, "HR-1");
	ck_assert_str_eq(cp_offboard_plan_person(p), "E1");
	ck_assert_str_eq(cp_offboard_plan_display_name(p), "张伟");
	/* depart, lock e1, must_change app (owner left), 3 x (must_change, revoke) */
	ck_assert_uint_eq(cp_offboard_plan_count(p), 9);
	ck_assert_uint_eq(cp_offboard_plan_count_state(p, CP_OFFBOARD_PENDING), 9);
	ck_assert_int_eq(cp_offboard_item_action(p, 0), CP_OFFBOARD_DEPART);
	ck_assert_int_eq(state_of(p, CP_OFFBOARD_LOCK, "e1"), CP_OFFBOARD_PENDING);
	long app = find(p, CP_OFFBOARD_MUST_CHANGE, "app");
	ck_assert_str_eq(cp_offboard_item_reason(p, (size_t)app), "owner left");
	long db2 = find(p, CP_OFFBOARD_MUST_CHANGE, "db2");
	ck_assert_str_eq(cp_offboard_item_reason(p, (size_t)db2), "custodian left");
	ck_assert_str_eq(cp_offboard_item_scope(p, (size_t)db2), "db-*");
	/* Who must now change what: db2's owner; root's remaining active
	 * custodian (E4 has left, E1 is the leaver). */
	ck_assert_uint_eq(cp_offboard_item_notify_count(p, (size_t)db2), 1);
	ck_assert_str_eq(cp_offboard_item_notify(p, (size_t)db2, 0), "E2");
	ck_assert_str_eq(cp_offboard_item_notify_name(p, (size_t)db2, 0), "李娜");
	long root = find(p, CP_OFFBOARD_MUST_CHANGE, "root");
	ck_assert_uint_eq(cp_offboard_item_notify_count(p, (size_t)root), 1);
	ck_assert_str_eq(cp_offboard_item_notify(p, (size_t)root, 0), "E3");
	ck_assert_ptr_null(cp_offboard_item_notify(p, (size_t)root, 1));
	ck_assert(!cp_offboard_item_in_directory(p, (size_t)root));
	/* A plan writes nothing. */
	ck_assert_uint_eq(events(NULL), before);

	OK(cp_ledger_offboard_apply(led, p, 0, "hr:test"));
	ck_assert_uint_eq(cp_offboard_plan_count_state(p, CP_OFFBOARD_APPLIED), 9);
	cp_offboard_plan_free(p);

	ck_assert_str_eq(status("e1", "h"), "locked");
	ck_assert_str_eq(status("db1", "h"), "must_change");
	ck_assert_str_eq(status("db2", "db-7"), "must_change");
	ck_assert_str_eq(status("root", "h"), "must_change");
	ck_assert_str_eq(status("app", "h"), "must_change");
	char *r = must_change("db1", "h");
	ck_assert_str_eq(r, "custodian left");
	free(r);
	ck_assert_uint_eq(custodians("db1", "h"), 0);
	ck_assert_uint_eq(custodians("root", "h"), 1); /* E3 stays (E4 left before) */
	ck_assert_uint_eq(events("depart"), 2);        /* E4's and E1's */
	ck_assert_uint_eq(events("offboard"), 1);
	ck_assert_uint_eq(events(NULL), before + 10);
	int64_t departed = 0;
	OK(cp_ledger_person_name(led, "E1", NULL, &departed));
	ck_assert(departed > 0);
	OK(cp_ledger_events_verify(led, NULL, NULL));
}
END_TEST

/* Running it twice changes nothing more, and says so. */
START_TEST(idempotent)
{
	fixture();
	cp_offboard_plan *p = plan("E1", CP_OFFBOARD_DEPARTURE, "HR-1");
	OK(cp_ledger_offboard_apply(led, p, 0, "hr"));
	cp_offboard_plan_free(p);
	OK(cp_ledger_set_last_change(led, "app", NULL, time(NULL), "test"));
	OK(cp_ledger_set_must_change(led, "app", NULL, NULL, "test", NULL)); /* changed since */
	size_t before = events(NULL);

	p = plan("E1", CP_OFFBOARD_DEPARTURE, "HR-2");
	ck_assert_uint_eq(cp_offboard_plan_count_state(p, CP_OFFBOARD_PENDING), 0);
	ck_assert_int_eq(state_of(p, CP_OFFBOARD_DEPART, NULL), CP_OFFBOARD_DONE);
	ck_assert_int_eq(state_of(p, CP_OFFBOARD_LOCK, "e1"), CP_OFFBOARD_DONE);
	/* app's password was changed after the departure: not flagged again. */
	ck_assert_int_eq(state_of(p, CP_OFFBOARD_MUST_CHANGE, "app"), CP_OFFBOARD_DONE);
	ck_assert_int_eq(find(p, CP_OFFBOARD_REVOKE, "db1"), -1);
	OK(cp_ledger_offboard_apply(led, p, 0, "hr"));
	cp_offboard_plan_free(p);
	ck_assert_uint_eq(events(NULL), before);
	ck_assert_str_eq(status("app", "h"), "ok");
}
END_TEST

/* A backend failed for db1: it is flagged all the same (never left
 * unflagged), its link kept; the re-run completes it. */
START_TEST(partial_failure)
{
	fixture();
	cp_offboard_plan *p = plan("E1", CP_OFFBOARD_DEPARTURE, "HR-1");
	long db1 = find(p, CP_OFFBOARD_MUST_CHANGE, "db1");
	OK(cp_offboard_item_fail(p, (size_t)db1));
	ck_assert_int_eq(cp_offboard_item_fail(p, 99), CP_ERR_INVAL);
	OK(cp_ledger_offboard_apply(led, p, 0, "hr"));
	ck_assert_int_eq(state_of(p, CP_OFFBOARD_MUST_CHANGE, "db1"), CP_OFFBOARD_FAILED);
	ck_assert_int_eq(state_of(p, CP_OFFBOARD_REVOKE, "db1"), CP_OFFBOARD_FAILED);
	ck_assert_int_eq(state_of(p, CP_OFFBOARD_REVOKE, "db2"), CP_OFFBOARD_APPLIED);
	ck_assert_uint_eq(cp_offboard_plan_count_state(p, CP_OFFBOARD_FAILED), 2);
	cp_offboard_plan_free(p);
	ck_assert_str_eq(status("db1", "h"), "must_change");
	ck_assert_uint_eq(custodians("db1", "h"), 1);

	p = plan("E1", CP_OFFBOARD_DEPARTURE, "HR-1");
	ck_assert_uint_eq(cp_offboard_plan_count_state(p, CP_OFFBOARD_PENDING), 1);
	ck_assert_int_eq(state_of(p, CP_OFFBOARD_MUST_CHANGE, "db1"), CP_OFFBOARD_DONE);
	/* The run failed part-way: its outside changes are made again. */
	ck_assert(!cp_offboard_item_settled(p, (size_t)find(p, CP_OFFBOARD_MUST_CHANGE, "db1")));
	ck_assert(!cp_offboard_item_settled(p, (size_t)find(p, CP_OFFBOARD_LOCK, "e1")));
	ck_assert_int_eq(state_of(p, CP_OFFBOARD_REVOKE, "db1"), CP_OFFBOARD_PENDING);
	OK(cp_ledger_offboard_apply(led, p, 0, "hr"));
	ck_assert_int_eq(state_of(p, CP_OFFBOARD_REVOKE, "db1"), CP_OFFBOARD_APPLIED);
	cp_offboard_plan_free(p);
	ck_assert_uint_eq(custodians("db1", "h"), 0);
	ck_assert_uint_eq(events("offboard"), 2);

	p = plan("E1", CP_OFFBOARD_DEPARTURE, "HR-1");
	ck_assert_uint_eq(cp_offboard_plan_count_state(p, CP_OFFBOARD_PENDING), 0);
	ck_assert(cp_offboard_item_settled(p, (size_t)find(p, CP_OFFBOARD_LOCK, "e1")));
	cp_offboard_plan_free(p);
}
END_TEST

/* A backend failed for an own account only (the lock of e1, the
 * must-change of a transfer): the ledger had it all, so the re-run that
 * completes it outside changes nothing in the ledger - but it must still
 * be recorded as complete, or every later run redoes the outside part
 * (re-locking an account an administrator unlocked, flagging again a
 * transfer whose owner has changed the password). */
START_TEST(partial_failure_own)
{
	fixture();
	cp_offboard_plan *p = plan("E1", CP_OFFBOARD_DEPARTURE, "HR-1");
	OK(cp_offboard_item_fail(p, (size_t)find(p, CP_OFFBOARD_LOCK, "e1")));
	OK(cp_ledger_offboard_apply(led, p, 0, "hr"));
	cp_offboard_plan_free(p);
	p = plan("E1", CP_OFFBOARD_DEPARTURE, "HR-1");
	ck_assert_uint_eq(cp_offboard_plan_count_state(p, CP_OFFBOARD_PENDING), 0);
	ck_assert(!cp_offboard_item_settled(p, (size_t)find(p, CP_OFFBOARD_LOCK, "e1")));
	OK(cp_ledger_offboard_apply(led, p, 0, "hr")); /* the backend succeeded this time */
	cp_offboard_plan_free(p);
	ck_assert_uint_eq(events("offboard"), 2);
	p = plan("E1", CP_OFFBOARD_DEPARTURE, "HR-1");
	ck_assert(cp_offboard_item_settled(p, (size_t)find(p, CP_OFFBOARD_LOCK, "e1")));
	size_t before = events(NULL);
	OK(cp_ledger_offboard_apply(led, p, 0, "hr"));
	cp_offboard_plan_free(p);
	ck_assert_uint_eq(events(NULL), before); /* complete: nothing more written */

	/* A transfer whose own must-change failed outside, then completed. */
	p = plan("E2", CP_OFFBOARD_TRANSFER, "HR-5");
	OK(cp_offboard_item_fail(p, (size_t)find(p, CP_OFFBOARD_MUST_CHANGE, "db1")));
	OK(cp_ledger_offboard_apply(led, p, 0, "hr"));
	cp_offboard_plan_free(p);
	p = plan("E2", CP_OFFBOARD_TRANSFER, "HR-5");
	OK(cp_ledger_offboard_apply(led, p, 0, "hr"));
	cp_offboard_plan_free(p);
	OK(cp_ledger_record_change(led, "db1", "h", "Tulip#Quarry%58", 0, "pam"));
	p = plan("E2", CP_OFFBOARD_TRANSFER, "HR-5");
	ck_assert_int_eq(state_of(p, CP_OFFBOARD_MUST_CHANGE, "db1"), CP_OFFBOARD_DONE);
	OK(cp_ledger_offboard_apply(led, p, 0, "hr"));
	cp_offboard_plan_free(p);
	ck_assert_str_eq(status("db1", "h"), "ok"); /* not flagged a second time */
}
END_TEST

/* A transfer: own accounts must change (the default), not locked; the
 * person stays active; the same ticket again is done, a new one is new. */
START_TEST(transfer)
{
	fixture();
	cp_offboard_plan *p = plan("E1", CP_OFFBOARD_TRANSFER, "HR-7");
	ck_assert_int_eq(find(p, CP_OFFBOARD_DEPART, NULL), -1);
	ck_assert_int_eq(find(p, CP_OFFBOARD_LOCK, "e1"), -1);
	long e1 = find(p, CP_OFFBOARD_MUST_CHANGE, "e1");
	ck_assert_str_eq(cp_offboard_item_reason(p, (size_t)e1), "transfer");
	OK(cp_ledger_offboard_apply(led, p, 0, "hr"));
	cp_offboard_plan_free(p);
	ck_assert_str_eq(status("e1", "h"), "must_change");
	ck_assert_str_eq(status("db1", "h"), "must_change");
	int64_t departed = 1;
	OK(cp_ledger_person_name(led, "E1", NULL, &departed));
	ck_assert_int_eq(departed, 0);

	/* E1 sets a new password at the next login. */
	OK(cp_ledger_record_change(led, "e1", "h", "Tulip#Quarry%58", 0, "pam"));
	ck_assert_str_eq(status("e1", "h"), "ok");
	p = plan("E1", CP_OFFBOARD_TRANSFER, "HR-7");
	ck_assert_uint_eq(cp_offboard_plan_count_state(p, CP_OFFBOARD_PENDING), 0);
	/* Done, and done outside the ledger by the complete run: left alone. */
	ck_assert(cp_offboard_item_settled(p, (size_t)find(p, CP_OFFBOARD_MUST_CHANGE, "e1")));
	cp_offboard_plan_free(p);
	p = plan("E1", CP_OFFBOARD_TRANSFER, "HR-8");
	ck_assert_int_eq(state_of(p, CP_OFFBOARD_MUST_CHANGE, "e1"), CP_OFFBOARD_PENDING);
	cp_offboard_plan_free(p);
}
END_TEST

START_TEST(transfer_lock)
{
	open_ledger("[offboard]\ntransfer = lock\n");
	fixture();
	cp_offboard_plan *p = plan("E1", CP_OFFBOARD_TRANSFER, "HR-7");
	ck_assert_int_eq(state_of(p, CP_OFFBOARD_LOCK, "e1"), CP_OFFBOARD_PENDING);
	ck_assert_str_eq(cp_offboard_item_reason(p, (size_t)find(p, CP_OFFBOARD_LOCK, "e1")),
	                 "transfer");
	/* A service account is never locked by an offboarding. */
	ck_assert_int_eq(find(p, CP_OFFBOARD_LOCK, "app"), -1);
	OK(cp_ledger_offboard_apply(led, p, 0, "hr"));
	cp_offboard_plan_free(p);
	ck_assert_str_eq(status("e1", "h"), "locked");
}
END_TEST

START_TEST(apply_refusals)
{
	fixture();
	cp_offboard_plan *p = plan("E1", CP_OFFBOARD_DEPARTURE, "HR-1");
	size_t before = events(NULL);
	ck_assert_int_eq(cp_ledger_offboard_apply(led, p, time(NULL) + 3 * 86400, "hr"),
	                 CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_offboard_apply(led, p, 0, "bad\nactor"), CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_offboard_apply(NULL, p, 0, "hr"), CP_ERR_INVAL);
	ck_assert_uint_eq(cp_offboard_plan_count_state(p, CP_OFFBOARD_PENDING), 9);
	ck_assert_uint_eq(events(NULL), before);
	/* Inside a transaction the caller rolls back: nothing is kept. */
	OK(cp_ledger_begin(led));
	OK(cp_ledger_offboard_apply(led, p, 0, "hr"));
	cp_ledger_rollback(led);
	ck_assert_uint_eq(events(NULL), before);
	ck_assert_str_eq(status("e1", "h"), "ok");
	cp_offboard_plan_free(p);
	/* A past effective date is the departure time. */
	p = plan("E2", CP_OFFBOARD_DEPARTURE, "HR-2");
	OK(cp_ledger_offboard_apply(led, p, 1000000000, "hr"));
	cp_offboard_plan_free(p);
	int64_t departed = 0;
	OK(cp_ledger_person_name(led, "E2", NULL, &departed));
	ck_assert_int_eq(departed, 1000000000);
}
END_TEST

/* The plan of a custodian of many accounts: every account listed once,
 * a must_change and a revoke each. */
START_TEST(many)
{
	OK(cp_ledger_person_put(led, "E9", "Custodian", NULL, "test"));
	OK(cp_ledger_begin(led));
	for (int i = 0; i < 300; i++) {
		char name[32];
		snprintf(name, sizeof(name), "svc%03d", i);
		OK(cp_ledger_account_put(led, name, NULL, NULL, CP_ACCOUNT_SERVICE, NULL, false,
		                         "t"));
		OK(cp_ledger_custodian_grant(led, name, NULL, "E9", "t", "T"));
	}
	OK(cp_ledger_commit(led));
	cp_offboard_plan *p = plan("E9", CP_OFFBOARD_DEPARTURE, "HR-9");
	ck_assert_uint_eq(cp_offboard_plan_count(p), 601);
	OK(cp_ledger_offboard_apply(led, p, 0, "hr"));
	cp_offboard_plan_free(p);
	ck_assert_uint_eq(events("revoke"), 300);
	ck_assert_str_eq(status("svc299", "h"), "must_change");
}
END_TEST

/* ------------------------------------------------------------ compromise (R16) */

static int session_fn(const char *host, int64_t pid, const char *service, const char *tty,
                      const char *rhost, int64_t opened_at, void *ctx)
{
	(void)pid, (void)service, (void)tty, (void)rhost, (void)opened_at;
	ck_assert_str_eq(host, "web1");
	(*(int *)ctx)++;
	return 0;
}

struct detail_find {
	const char *kind, *needle;
	bool found;
};

static int detail_fn(const cp_event *ev, void *ctx)
{
	struct detail_find *f = ctx;
	if (strcmp(cp_event_kind(ev), f->kind) == 0 && strstr(cp_event_detail(ev), f->needle))
		f->found = true;
	return 0;
}

START_TEST(compromised)
{
	fixture();
	size_t flagged = 99;
	int64_t pid = (int64_t)getpid();
	OK(cp_ledger_session_open(led, "db1", "web1", "sshd", "pts/1", "192.0.2.7", pid, 0));
	OK(cp_ledger_session_open(led, "db1", "web1", "sshd", "pts/2", "198.51.100.9", pid + 1, 0));
	int n = 0;
	OK(cp_ledger_account_sessions(led, "db1", NULL, session_fn, &n));
	ck_assert_int_eq(n, 2);
	size_t before = events(NULL);
	ck_assert_int_eq(cp_ledger_compromised(led, "db1", NULL, NULL, "sec", "INC-1", &flagged),
	                 CP_ERR_INVAL);
	ck_assert_uint_eq(flagged, 0);
	ck_assert_int_eq(
	    cp_ledger_compromised(led, "db1", NULL, "bad\x1b[2J", "sec", "INC-1", NULL),
	    CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_compromised(led, "nope", NULL, "seen", "sec", "INC-1", NULL),
	                 CP_ERR_NOTFOUND);
	ck_assert_uint_eq(events(NULL), before);

	OK(cp_ledger_compromised(led, "db1", NULL, "found in a paste\tsite", "sec", "INC-1",
	                         &flagged));
	ck_assert_uint_eq(flagged, 2);
	char *r = must_change("db1", "h");
	ck_assert_str_eq(r, "compromised");
	free(r);
	ck_assert_uint_eq(events("incident"), 1);
	ck_assert_uint_eq(events("session_flag"), 2);
	struct detail_find f = {"session_flag", "rhost=198.51.100.9", false};
	OK(cp_ledger_events(led, 0, detail_fn, &f));
	ck_assert(f.found);
	/* Again: a new incident, no second must_change. */
	size_t mc = events("must_change");
	OK(cp_ledger_compromised(led, "db1", NULL, "second report", "sec", "INC-2", NULL));
	ck_assert_uint_eq(events("must_change"), mc);
	ck_assert_uint_eq(events("incident"), 2);
	ck_assert_int_eq(cp_ledger_account_sessions(led, "nope", NULL, session_fn, &n),
	                 CP_ERR_NOTFOUND);
}
END_TEST

START_TEST(lookups)
{
	fixture();
	char *dn = (char *)1, *name = NULL;
	ck_assert_int_eq(cp_ledger_account_directory_dn(led, "db1", NULL, &dn), CP_ERR_NOTFOUND);
	ck_assert_ptr_null(dn);
	ck_assert_int_eq(cp_ledger_account_directory_dn(led, "nope", NULL, &dn), CP_ERR_NOTFOUND);
	/* What issue 5's sync records for a directory account. */
	ck_assert_int_eq(sqlite3_exec(led->db,
	                              "INSERT INTO directory_entries (uuid, kind, dn, account_id)"
	                              " SELECT 'u-1', 'account', 'uid=db1,ou=accounts', id"
	                              " FROM accounts WHERE name = 'db1'",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	OK(cp_ledger_account_directory_dn(led, "db1", NULL, &dn));
	ck_assert_str_eq(dn, "uid=db1,ou=accounts");
	free(dn);
	cp_offboard_plan *p = plan("E1", CP_OFFBOARD_DEPARTURE, "T");
	ck_assert(
	    cp_offboard_item_in_directory(p, (size_t)find(p, CP_OFFBOARD_MUST_CHANGE, "db1")));
	ck_assert(
	    !cp_offboard_item_in_directory(p, (size_t)find(p, CP_OFFBOARD_MUST_CHANGE, "db2")));
	ck_assert(!cp_offboard_plan_person_in_directory(p));
	cp_offboard_plan_free(p);
	OK(cp_ledger_person_name(led, "E2", &name, NULL));
	ck_assert_str_eq(name, "李娜");
	free(name);
	ck_assert_int_eq(cp_ledger_person_name(led, "E404", &name, NULL), CP_ERR_NOTFOUND);
	ck_assert_str_eq(cp_offboard_reason_name(CP_OFFBOARD_TRANSFER), "transfer");
	ck_assert_str_eq(cp_offboard_action_name(CP_OFFBOARD_REVOKE), "revoke");
	ck_assert_str_eq(cp_offboard_state_name(CP_OFFBOARD_FAILED), "failed");
	ck_assert_ptr_null(cp_offboard_state_name((cp_offboard_state)9));
	ck_assert_ptr_null(cp_offboard_item_account(NULL, 0));
}
END_TEST

static Suite *offboard_suite(void)
{
	Suite *s = suite_create("ledger_offboard");
	TCase *tc = tcase_create("offboard");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, unknown_person);
	tcase_add_test(tc, departure);
	tcase_add_test(tc, idempotent);
	tcase_add_test(tc, partial_failure);
	tcase_add_test(tc, partial_failure_own);
	tcase_add_test(tc, transfer);
	tcase_add_test(tc, transfer_lock);
	tcase_add_test(tc, apply_refusals);
	tcase_add_test(tc, many);
	tcase_add_test(tc, compromised);
	tcase_add_test(tc, lookups);
	suite_add_tcase(s, tc);
	return s;
}

CP_TEST_MAIN(offboard_suite)
