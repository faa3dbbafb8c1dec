/* test_pam_fixture.c - the ledger the PAM tests log in against, made and
 * read through the public API only.
 *
 *   test_pam_fixture                       (no argument: the self-test below)
 *   test_pam_fixture create CONFIG LEDGER   people and accounts in every state
 *   test_pam_fixture status CONFIG LEDGER USER
 *                                      "state days_left must_change_reason"
 *   test_pam_fixture events CONFIG LEDGER   "kind account actor | detail", oldest first
 *   test_pam_fixture history CONFIG LEDGER USER
 *                                      "reused" or "new" for the password on stdin
 *
 * Accounts made by create (scope "*", class "default" unless said):
 *   alice   owner 张伟 (E001), changed 1 day ago, history: Horqin#River%82
 *   bob     owner 李娜 (E002), inside the warn window: 3 days left
 *   carol   owner 王芳 (E003), changed 100 days ago: expired
 *   dave    owner 刘洋 (E004), must change (reset)
 *   erin    owner 陈杰 (E005), locked
 *   frank   owner 杨静 (E006), who has departed
 *   gina    personal, no owner (unowned), changed 100 days ago
 *   hank    owners 张伟 and 李娜 (shared), changed 1 day ago
 *   nina    owner 张伟, class important-host, changed 1 day ago
 *   svc     a service account without owner, changed 1 day ago
 *
 * Without arguments (as `make check` runs it) it makes that ledger in a
 * temporary directory with the built-in policy and checks that every
 * account is in the state tests/test_pam.sh expects of it.
 */
#include "credpolicy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY 86400

static int fail(const char *what, int rc, char *msg)
{
	fprintf(stderr, "test_pam_fixture: %s: %s\n", what, msg != NULL ? msg : cp_strerror(rc));
	free(msg);
	return 1;
}

static int64_t days_ago(int days)
{
	return (int64_t)time(NULL) - (int64_t)days * DAY;
}

struct person_def {
	const char *id, *name, *birthday, *phone;
};

static int put_people(cp_ledger *l)
{
	static const struct person_def people[] = {
	    {"E001", "张伟", "1990-03-15", "13812345678"},
	    {"E002", "李娜", "1985-07-01", "13900001111"},
	    {"E003", "王芳", "1992-11-30", "13700002222"},
	    {"E004", "刘洋", "1988-01-20", "13600003333"},
	    {"E005", "陈杰", "1979-05-05", "13500004444"},
	    {"E006", "杨静", "1995-09-09", "13400005555"},
	};
	for (size_t i = 0; i < sizeof(people) / sizeof(people[0]); i++) {
		cp_person *p = NULL;
		int rc = cp_person_new(&p);
		if (rc == CP_OK)
			rc = cp_person_add(p, "name", people[i].name, NULL);
		if (rc == CP_OK)
			rc = cp_person_add(p, "birthday", people[i].birthday, NULL);
		if (rc == CP_OK)
			rc = cp_person_add(p, "phone", people[i].phone, NULL);
		if (rc == CP_OK)
			rc = cp_ledger_person_put(l, people[i].id, people[i].name, p, "fixture");
		cp_person_free(p);
		if (rc != CP_OK)
			return fail(people[i].id, rc, NULL);
	}
	int rc = cp_ledger_person_depart(l, "E006", days_ago(2), "fixture", "HR-1");
	return rc == CP_OK ? 0 : fail("depart E006", rc, NULL);
}

struct account_def {
	const char *name, *class_name, *owner;
	cp_account_kind kind;
	int changed_days_ago; /* -1: the class's max age minus 3 days */
};

static int put_accounts(cp_ledger *l, const cp_config *cfg)
{
	static const struct account_def accounts[] = {
	    {"alice", "default", "E001", CP_ACCOUNT_PERSONAL, 1},
	    {"bob", "default", "E002", CP_ACCOUNT_PERSONAL, -1},
	    {"carol", "default", "E003", CP_ACCOUNT_PERSONAL, 100},
	    {"dave", "default", "E004", CP_ACCOUNT_PERSONAL, 1},
	    {"erin", "default", "E005", CP_ACCOUNT_PERSONAL, 1},
	    {"frank", "default", "E006", CP_ACCOUNT_PERSONAL, 1},
	    {"gina", "default", NULL, CP_ACCOUNT_PERSONAL, 100},
	    {"hank", "default", "E001", CP_ACCOUNT_PERSONAL, 1},
	    {"nina", "important-host", "E001", CP_ACCOUNT_PERSONAL, 1},
	    {"svc", "default", NULL, CP_ACCOUNT_SERVICE, 1},
	};
	unsigned max_age = cp_class_max_age_days(cp_config_class(cfg, "default"));
	for (size_t i = 0; i < sizeof(accounts) / sizeof(accounts[0]); i++) {
		const struct account_def *a = &accounts[i];
		int days = a->changed_days_ago >= 0 ? a->changed_days_ago : (int)max_age - 3;
		int rc = cp_ledger_account_put(l, a->name, "*", a->class_name, a->kind, a->owner,
		                               false, "fixture");
		if (rc == CP_OK)
			/* The warn case is set mid-day, so that the seconds between the
			 * fixture and the test cannot change the days left it shows. */
			rc = cp_ledger_set_last_change(
				l, a->name, "*",
				days_ago(days) + (a->changed_days_ago < 0 ? DAY / 2 : 0), "fixture");
		if (rc != CP_OK)
			return fail(a->name, rc, NULL);
	}
	int rc = cp_ledger_owner_add(l, "hank", "*", "E002", "fixture");
	if (rc == CP_OK)
		rc = cp_ledger_set_must_change(l, "dave", "*", "reset", "fixture", "INC-1");
	if (rc == CP_OK)
		rc = cp_ledger_set_locked(l, "erin", "*", true, "test", "fixture", "INC-2");
	if (rc == CP_OK)
		rc = cp_ledger_record_change(l, "alice", NULL, "Horqin#River%82", days_ago(1),
		                             "fixture");
	return rc == CP_OK ? 0 : fail("accounts", rc, NULL);
}

static int create(const cp_config *cfg, const char *path)
{
	cp_ledger *l = NULL;
	char *msg = NULL;
	int rc = cp_ledger_open(cfg, path, CP_LEDGER_CREATE, &l, &msg);
	if (rc != CP_OK)
		return fail(path, rc, msg);
	int status = put_people(l);
	if (status == 0)
		status = put_accounts(l, cfg);
	cp_ledger_close(l);
	return status;
}

static int status(cp_ledger *l, const char *user)
{
	cp_status *st = NULL;
	int rc = cp_ledger_status(l, user, NULL, (int64_t)time(NULL), &st);
	if (rc != CP_OK)
		return fail(user, rc, NULL);
	const char *reason = cp_status_reason(st);
	printf("%s %ld %s\n", cp_state_code(cp_status_state(st)), (long)cp_status_days_left(st),
	       reason != NULL ? reason : "-");
	cp_status_free(st);
	return 0;
}

static int print_event(const cp_event *ev, void *ctx)
{
	(void)ctx;
	const char *account = cp_event_account(ev), *actor = cp_event_actor(ev);
	const char *detail = cp_event_detail(ev);
	printf("%s %s %s | %s\n", cp_event_kind(ev), account != NULL ? account : "-",
	       actor != NULL ? actor : "-", detail != NULL ? detail : "");
	return 0;
}

static int history(cp_ledger *l, const char *user)
{
	char pw[1100];
	if (fgets(pw, sizeof(pw), stdin) == NULL)
		return fail("stdin", CP_ERR_IO, NULL);
	pw[strcspn(pw, "\n")] = '\0';
	bool found = false;
	int rc = cp_ledger_history_contains(l, user, NULL, pw, &found);
	explicit_bzero(pw, sizeof(pw));
	if (rc != CP_OK)
		return fail(user, rc, NULL);
	puts(found ? "reused" : "new");
	return 0;
}

static int read_ledger(const cp_config *cfg, const char *path, const char *what, const char *user)
{
	cp_ledger *l = NULL;
	char *msg = NULL;
	int rc = cp_ledger_open(cfg, path, 0, &l, &msg);
	if (rc != CP_OK)
		return fail(path, rc, msg);
	int st;
	if (strcmp(what, "events") == 0)
		st = cp_ledger_events(l, 0, print_event, NULL) == CP_OK ? 0 : 1;
	else if (user == NULL)
		st = fail(what, CP_ERR_INVAL, NULL);
	else if (strcmp(what, "status") == 0)
		st = status(l, user);
	else
		st = history(l, user);
	cp_ledger_close(l);
	return st;
}

/* ---------------------------------------------------------------- self-test */

static int expect_state(cp_ledger *l, const char *user, cp_state want, int n)
{
	cp_status *st = NULL;
	int rc = cp_ledger_status(l, user, NULL, (int64_t)time(NULL), &st);
	cp_state got = rc == CP_OK ? cp_status_state(st) : (cp_state)-1;
	printf("%s %d - %s is %s", got == want ? "ok" : "not ok", n, user, cp_state_code(want));
	if (got != want)
		printf(" (got %s)", rc == CP_OK ? cp_state_code(got) : cp_strerror(rc));
	if (rc == CP_OK && want == CP_STATE_WARN)
		printf(", %ld days left", (long)cp_status_days_left(st));
	putchar('\n');
	cp_status_free(st);
	return got == want ? 0 : 1;
}

static int self_test(void)
{
	static const struct {
		const char *user;
		cp_state state;
	} want[] = {
	    {"alice", CP_STATE_OK},         {"bob", CP_STATE_WARN},    {"carol", CP_STATE_EXPIRED},
	    {"dave", CP_STATE_MUST_CHANGE}, {"erin", CP_STATE_LOCKED}, {"frank", CP_STATE_DEPARTED},
	    {"gina", CP_STATE_UNOWNED},     {"hank", CP_STATE_SHARED}, {"nina", CP_STATE_OK},
	    {"svc", CP_STATE_OK},
	};
	char dir[] = "/tmp/cp-test-pam-fixture.XXXXXX", path[64];
	if (mkdtemp(dir) == NULL)
		return fail("mkdtemp", CP_ERR_IO, NULL);
	snprintf(path, sizeof(path), "%s/ledger.db", dir);
	cp_config *cfg = cp_config_new_default();
	cp_ledger *l = NULL;
	int fails = cfg == NULL || create(cfg, path) != 0;
	if (!fails && cp_ledger_open(cfg, path, CP_LEDGER_READONLY, &l, NULL) != CP_OK)
		fails = 1;
	for (size_t i = 0; l != NULL && i < sizeof(want) / sizeof(want[0]); i++)
		fails += expect_state(l, want[i].user, want[i].state, (int)i + 1);
	printf("1..%zu\n", sizeof(want) / sizeof(want[0]));
	cp_ledger_close(l);
	cp_config_free(cfg);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_pam_fixture: could not remove %s\n", dir);
	return fails == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 1)
		return self_test();
	if (argc < 4) {
		fputs("usage: test_pam_fixture create|status|events|history CONFIG LEDGER [USER]\n",
		      stderr);
		return 2;
	}
	cp_config *cfg = NULL;
	char *msg = NULL;
	int rc = cp_config_load(argv[2], &cfg, &msg);
	if (rc != CP_OK)
		return fail(argv[2], rc, msg);
	int st = strcmp(argv[1], "create") == 0 ? create(cfg, argv[3])
	                                        : read_ledger(cfg, argv[3], argv[1], argv[4]);
	cp_config_free(cfg);
	return st;
}
