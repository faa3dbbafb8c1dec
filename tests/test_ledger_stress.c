/* test_ledger_stress.c - the ledger under many processes at once, and
 * after a writer is killed in the middle of a transaction (issue 3,
 * "Reliability").
 *
 * 1. 64 writer processes (fork) each make 20 mutations - events, custodian
 *    grants, password changes (R6, R17, R22) - on one ledger file while
 *    readers ask for statuses, as many passwd, sshd and credpolicy
 *    processes would: every call succeeds within the busy timeout, every
 *    write is there afterwards, and the event chain verifies.
 * 2. A child imports 50,000 accounts in one transaction and is killed with
 *    SIGKILL half-way: the ledger is exactly as before, and intact.
 *
 * CREDPOLICY_STRESS_SCALE (a number in (0, 1], default 1) shrinks both,
 * for runs under valgrind: scale 0.1 gives 7 writers of 2 mutations and
 * an import of 5,000. No assertion depends on timing. */
#include "config.h"

#include "credpolicy.h"
#include "testutil.h"

#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WRITERS       64
#define OPS_PER_WRITE 20
#define READERS       2
#define READS         50
#define IMPORT_SIZE   50000
#define HISTORY       5 /* of the default class */

static char tmpdir[4096];
static char path[8192];
static cp_config *cfg;

/* n scaled by CREDPOLICY_STRESS_SCALE, at least min. */
static unsigned scaled(unsigned n, unsigned min)
{
	const char *s = getenv("CREDPOLICY_STRESS_SCALE");
	double f = s != NULL ? strtod(s, NULL) : 1.0;
	if (!(f > 0.0) || f > 1.0)
		f = 1.0;
	unsigned v = (unsigned)(n * f);
	if (v < n * f) /* round up */
		v++;
	return v < min ? min : v;
}

static void setup(void)
{
	const char *top = getenv("top_builddir");
	snprintf(tmpdir, sizeof(tmpdir), "%s/tests/tmp.stress.XXXXXX", top != NULL ? top : ".");
	ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp %s: %s", tmpdir, strerror(errno));
	snprintf(path, sizeof(path), "%s/l.db", tmpdir);
	/* Wait long for the lock: slow machines and valgrind must not fail. */
	static const char conf[] = "[ledger]\nbusy_timeout_ms = 120000\n";
	ck_assert_int_eq(cp_config_load_buffer(conf, strlen(conf), "stress.conf", &cfg, NULL),
	                 CP_OK);
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(p);
	return 0;
}

static void teardown(void)
{
	cp_config_free(cfg);
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static cp_ledger *open_ledger(unsigned flags)
{
	cp_ledger *l = NULL;
	char *msg = NULL;
	int rc = cp_ledger_open(cfg, path, flags, &l, &msg);
	ck_assert_msg(rc == CP_OK, "open: %d %s", rc, msg != NULL ? msg : "");
	return l;
}

static long long count(const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	long long n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static uint64_t verified(cp_ledger *l)
{
	uint64_t n = 0;
	int64_t bad = 0;
	int rc = cp_ledger_events_verify(l, &n, &bad);
	ck_assert_msg(rc == CP_OK, "verify: rc %d at event %lld", rc, (long long)bad);
	return n;
}

/* ------------------------------------------------------------ children */

/* Children report through their exit status; they never use Check. */
static void child_exit(cp_ledger *l, int status)
{
	cp_ledger_close(l);
	cp_config_free(cfg);
	_exit(status);
}

/* Block until the parent closes the pipe: every child starts at once. */
static void wait_start(int fd)
{
	char c;
	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
	close(fd);
}

static int mutate(cp_ledger *l, int w, int k, int writers)
{
	char acct[32], person[32], other[32], text[64];
	snprintf(acct, sizeof(acct), "acct%02d", w);
	snprintf(person, sizeof(person), "E%02d", w);
	snprintf(other, sizeof(other), "E%02d", (w + 1 + k / 3) % writers);
	switch (k % 3) {
	case 0:
		snprintf(text, sizeof(text), "writer %d step %d", w, k);
		return cp_ledger_event_add(l, "decision", acct, person, "stress", "T-1", text);
	case 1:
		return cp_ledger_custodian_grant(l, acct, NULL, other, "stress", "T-2");
	default:
		snprintf(text, sizeof(text), "Pw-%d-%d#stress", w, k);
		return cp_ledger_record_change(l, acct, "host", text, 1767225600 + k, "stress");
	}
}

static void writer(int start_fd, int w, int ops, int writers)
{
	wait_start(start_fd);
	cp_ledger *l = NULL;
	if (cp_ledger_open(cfg, path, 0, &l, NULL) != CP_OK)
		child_exit(l, 10);
	for (int k = 0; k < ops; k++) {
		int rc = mutate(l, w, k, writers);
		if (rc != CP_OK) {
			fprintf(stderr, "writer %d step %d: %s (%d)\n", w, k, cp_strerror(rc), rc);
			child_exit(l, 20 + k % 3);
		}
	}
	child_exit(l, 0);
}

/* What the PAM account hook does on every login, over and over. */
static void reader(int start_fd, int r, int writers)
{
	wait_start(start_fd);
	for (int i = 0; i < READS; i++) {
		cp_ledger *l = NULL;
		cp_status *s = NULL;
		char acct[32];
		snprintf(acct, sizeof(acct), "acct%02d", (r * 7 + i) % writers);
		int rc = cp_ledger_open(cfg, path, CP_LEDGER_READONLY, &l, NULL);
		if (rc == CP_OK)
			rc = cp_ledger_status(l, acct, "host", 1767225600, &s);
		cp_status_free(s);
		cp_ledger_close(l);
		if (rc != CP_OK) {
			fprintf(stderr, "reader %d: %s (%d)\n", r, cp_strerror(rc), rc);
			child_exit(NULL, 30);
		}
	}
	child_exit(NULL, 0);
}

/* ------------------------------------------------------------ 1. concurrency */

/* One person and one service account per writer; returns the events. */
static uint64_t seed_writers(int writers)
{
	cp_ledger *l = open_ledger(CP_LEDGER_CREATE);
	ck_assert_int_eq(cp_ledger_begin(l), CP_OK);
	for (int w = 0; w < writers; w++) {
		char acct[32], person[32];
		snprintf(acct, sizeof(acct), "acct%02d", w);
		snprintf(person, sizeof(person), "E%02d", w);
		ck_assert_int_eq(cp_ledger_person_put(l, person, person, NULL, "seed"), CP_OK);
		ck_assert_int_eq(cp_ledger_account_put(l, acct, NULL, "default", CP_ACCOUNT_SERVICE,
		                                       NULL, false, "seed"),
		                 CP_OK);
	}
	ck_assert_int_eq(cp_ledger_commit(l), CP_OK);
	uint64_t n = verified(l);
	cp_ledger_close(l); /* no SQLite handle may cross a fork */
	return n;
}

static void wait_children(pid_t *pids, int n)
{
	int failed = 0;
	for (int i = 0; i < n; i++) {
		int st = 0;
		ck_assert_int_eq(waitpid(pids[i], &st, 0), pids[i]);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "child %d: status 0x%x\n", i, st);
			failed++;
		}
	}
	ck_assert_msg(failed == 0, "%d of %d children failed", failed, n);
}

static void run_children(int writers, int ops)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	pid_t pids[WRITERS + READERS];
	int n = 0;
	for (int i = 0; i < writers + READERS; i++) {
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			close(fds[1]);
			if (i < writers)
				writer(fds[0], i, ops, writers);
			reader(fds[0], i - writers, writers);
		}
		pids[n++] = pid;
	}
	close(fds[0]);
	close(fds[1]); /* go */
	wait_children(pids, n);
}

START_TEST(test_concurrent_writers)
{
	int writers = (int)scaled(WRITERS, 2), ops = (int)scaled(OPS_PER_WRITE, 3);
	uint64_t seeded = seed_writers(writers);
	run_children(writers, ops);
	/* Every write is there. */
	int events = ops / 3 + (ops % 3 > 0), grants = ops / 3 + (ops % 3 > 1), changes = ops / 3;
	ck_assert_int_eq(count("SELECT count(*) FROM events WHERE kind = 'decision'"),
	                 (long long)writers * events);
	ck_assert_int_eq(count("SELECT count(*) FROM events WHERE kind = 'grant'"),
	                 (long long)writers * grants);
	ck_assert_int_eq(count("SELECT count(*) FROM custodians"), (long long)writers * grants);
	ck_assert_int_eq(count("SELECT count(*) FROM events WHERE kind = 'change'"),
	                 (long long)writers * changes);
	ck_assert_int_eq(count("SELECT count(*) FROM history"),
	                 (long long)writers * (changes < HISTORY ? changes : HISTORY));
	ck_assert_int_eq(count("SELECT count(*) FROM accounts WHERE last_change = 0"),
	                 changes > 0 ? 0 : writers);
	/* And the chain holds over all of them, in one unbroken sequence. */
	cp_ledger *l = open_ledger(CP_LEDGER_READONLY);
	ck_assert_uint_eq(verified(l), seeded + (uint64_t)writers * ops);
	cp_ledger_close(l);
	ck_assert_int_eq(count("SELECT max(id) FROM events"), (long long)(seeded + writers * ops));
}
END_TEST

/* ------------------------------------------------------------ 2. crash */

static void importer(int progress_fd, int hold_fd, unsigned n)
{
	cp_ledger *l = NULL;
	if (cp_ledger_open(cfg, path, 0, &l, NULL) != CP_OK || cp_ledger_begin(l) != CP_OK)
		child_exit(l, 10);
	for (unsigned i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "import%06u", i);
		if (cp_ledger_account_put(l, name, NULL, "default", CP_ACCOUNT_PERSONAL, "E00",
		                          false, "import") != CP_OK)
			child_exit(l, 20);
		if (i == n / 2 && write(progress_fd, "x", 1) != 1)
			child_exit(l, 30);
	}
	/* Never commit: wait to be killed, should the loop end first. */
	char c;
	while (read(hold_fd, &c, 1) < 0 && errno == EINTR)
		;
	child_exit(l, 40);
}

/* The ledger's state as far as a reader can tell. */
struct snapshot {
	long long accounts, events, people;
	int version;
	char last_hash[65];
};

static int keep_hash(const cp_event *e, void *ctx)
{
	snprintf(ctx, 65, "%s", cp_event_hash(e));
	return 0;
}

static void take_snapshot(struct snapshot *s)
{
	s->accounts = count("SELECT count(*) FROM accounts");
	s->events = count("SELECT count(*) FROM events");
	s->people = count("SELECT count(*) FROM people");
	s->version = (int)count("PRAGMA user_version");
	cp_ledger *l = open_ledger(CP_LEDGER_READONLY);
	ck_assert_int_eq(cp_ledger_events(l, 0, keep_hash, s->last_hash), CP_OK);
	ck_assert_uint_eq(verified(l), (uint64_t)s->events);
	cp_ledger_close(l);
}

static void kill_mid_import(unsigned n)
{
	int progress[2], hold[2];
	ck_assert_int_eq(pipe(progress), 0);
	ck_assert_int_eq(pipe(hold), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(progress[0]);
		close(hold[1]);
		importer(progress[1], hold[0], n);
	}
	close(progress[1]);
	close(hold[0]);
	char c;
	ck_assert_int_eq(read(progress[0], &c, 1), 1); /* half-way */
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	int st = 0;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "importer status 0x%x", st);
	close(progress[0]);
	close(hold[1]);
}

START_TEST(test_kill_during_import)
{
	seed_writers(10);
	struct snapshot before, after;
	take_snapshot(&before);
	kill_mid_import(scaled(IMPORT_SIZE, 2000));
	/* Opening for writing recovers the log and must find the ledger as it
	 * was: nothing of the killed transaction, nothing damaged. */
	cp_ledger *l = open_ledger(0);
	ck_assert_int_eq(cp_ledger_schema_version(l), before.version);
	cp_account *a = NULL;
	ck_assert_int_eq(cp_ledger_account_get(l, "import000000", "host", &a), CP_ERR_NOTFOUND);
	cp_ledger_close(l);
	take_snapshot(&after);
	ck_assert_int_eq(after.accounts, before.accounts);
	ck_assert_int_eq(after.events, before.events);
	ck_assert_int_eq(after.people, before.people);
	ck_assert_int_eq(after.version, before.version);
	ck_assert_str_eq(after.last_hash, before.last_hash);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL),
	                 SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	sqlite3_close(db);
	/* And it takes writes again. */
	l = open_ledger(0);
	ck_assert_int_eq(cp_ledger_event_add(l, "decision", "x", NULL, "test", NULL, "after"),
	                 CP_OK);
	ck_assert_uint_eq(verified(l), (uint64_t)before.events + 1);
	cp_ledger_close(l);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ledger_stress");
	TCase *tc = tcase_create("stress");
	tcase_add_checked_fixture(tc, setup, teardown);
	/* A bound for hangs, not a performance assertion. */
	tcase_set_timeout(tc, 1200);
	tcase_add_test(tc, test_concurrent_writers);
	tcase_add_test(tc, test_kill_during_import);
	suite_add_tcase(s, tc);
	return s;
}

CP_TEST_MAIN(make_suite)
