/* test_ledger.c - the account ledger: opening safely, schema and migrations,
 * people, accounts, owners and custodians (R12, R13, R17, R23), the
 * hash-chained event log (R17, R22) and the password history (R6). */
#include "config.h"

#include "credpolicy.h"
#include "ledger_internal.h" /* the handle's connection, for PRAGMA max_page_count */
#include "testutil.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The schema version this library writes. */
#define SCHEMA_LATEST 3

/* ------------------------------------------------------------ fixture */

static char tmpdir[4096];
static cp_config *cfg;
static cp_ledger *led; /* opened by open_new, closed in teardown */

static void setup(void)
{
	const char *top = getenv("top_builddir");
	snprintf(tmpdir, sizeof(tmpdir), "%s/tests/tmp.ledger.XXXXXX", top != NULL ? top : ".");
	ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp %s: %s", tmpdir, strerror(errno));
	cfg = cp_config_new_default();
	ck_assert_ptr_nonnull(cfg);
	led = NULL;
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	chmod(p, 0700); /* a test may have left a directory read-only */
	remove(p);
	return 0;
}

static void teardown(void)
{
	cp_ledger_close(led);
	led = NULL;
	cp_config_free(cfg);
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *tmp_path(const char *name)
{
	static char p[2][8192];
	static int turn;
	turn ^= 1;
	snprintf(p[turn], sizeof(p[turn]), "%s/%s", tmpdir, name);
	return p[turn];
}

static cp_ledger *open_path(const char *path, unsigned flags)
{
	cp_ledger *l = NULL;
	char *msg = NULL;
	int rc = cp_ledger_open(cfg, path, flags, &l, &msg);
	ck_assert_msg(rc == CP_OK, "open %s: rc %d: %s", path, rc, msg != NULL ? msg : "");
	ck_assert_ptr_null(msg);
	return l;
}

/* A new ledger "l.db" in the scratch directory, kept in led. */
static cp_ledger *open_new(void)
{
	led = open_path(tmp_path("l.db"), CP_LEDGER_CREATE);
	return led;
}

/* Open expecting rc, with the path and fragment in the message. */
static void open_fails(const char *path, unsigned flags, int rc, const char *fragment)
{
	cp_ledger *l = (cp_ledger *)&l;
	char *msg = NULL;
	int got = cp_ledger_open(cfg, path, flags, &l, &msg);
	ck_assert_msg(got == rc, "open %s: rc %d, expected %d (%s)", path, got, rc,
	              msg != NULL ? msg : "");
	ck_assert_ptr_null(l);
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, path) != NULL, "<%s> does not name the file", msg);
	ck_assert_msg(strstr(msg, fragment) != NULL, "<%s> lacks <%s>", msg, fragment);
	free(msg);
}

/* Run SQL on a ledger file as another program (or an attacker) would. */
static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, err != NULL ? err : "");
	sqlite3_close(db);
}

static long long raw_count(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	long long n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

/* ------------------------------------------------------------ events */

#define MAX_EVENTS 64

struct ev {
	long long id;
	char kind[64], account[256], person[256], actor[256], ticket[256], detail[1024];
};

static struct ev evs[MAX_EVENTS];
static size_t nevs;

static int collect(const cp_event *e, void *ctx)
{
	(void)ctx;
	if (nevs == MAX_EVENTS)
		return 1;
	struct ev *v = &evs[nevs++];
	v->id = cp_event_id(e);
	snprintf(v->kind, sizeof(v->kind), "%s", cp_event_kind(e));
	snprintf(v->account, sizeof(v->account), "%s", cp_event_account(e));
	snprintf(v->person, sizeof(v->person), "%s", cp_event_person(e));
	snprintf(v->actor, sizeof(v->actor), "%s", cp_event_actor(e));
	snprintf(v->ticket, sizeof(v->ticket), "%s", cp_event_ticket(e));
	snprintf(v->detail, sizeof(v->detail), "%s", cp_event_detail(e));
	ck_assert_uint_eq(strlen(cp_event_hash(e)), 64);
	return 0;
}

static size_t load_events(cp_ledger *l)
{
	nevs = 0;
	ck_assert_int_eq(cp_ledger_events(l, 0, collect, NULL), CP_OK);
	return nevs;
}

static const struct ev *last_event(cp_ledger *l)
{
	ck_assert_uint_gt(load_events(l), 0);
	return &evs[nevs - 1];
}

static void assert_event(const struct ev *e, const char *kind, const char *account,
                         const char *person, const char *actor, const char *ticket)
{
	ck_assert_str_eq(e->kind, kind);
	ck_assert_str_eq(e->account, account);
	ck_assert_str_eq(e->person, person);
	ck_assert_str_eq(e->actor, actor);
	ck_assert_str_eq(e->ticket, ticket);
}

static void assert_verifies(cp_ledger *l, uint64_t expected)
{
	uint64_t n = 0;
	int64_t bad = -1;
	ck_assert_int_eq(cp_ledger_events_verify(l, &n, &bad), CP_OK);
	ck_assert_uint_eq(n, expected);
}

/* ------------------------------------------------------------ seed data */

static void put_person(cp_ledger *l, const char *id, const char *name)
{
	ck_assert_int_eq(cp_ledger_person_put(l, id, name, NULL, "hr"), CP_OK);
}

static void put_personal(cp_ledger *l, const char *name, const char *scope, const char *cls,
                         const char *owner)
{
	ck_assert_int_eq(
	    cp_ledger_account_put(l, name, scope, cls, CP_ACCOUNT_PERSONAL, owner, false, "root"),
	    CP_OK);
}

static cp_account *get(cp_ledger *l, const char *name, const char *host)
{
	cp_account *a = NULL;
	ck_assert_int_eq(cp_ledger_account_get(l, name, host, &a), CP_OK);
	return a;
}

/* Two people, a personal account and a service account with a custodian. */
static void seed(cp_ledger *l)
{
	put_person(l, "E1", "Zhang Wei");
	put_person(l, "E2", "Li Na");
	put_personal(l, "zhangwei", NULL, "admin-workstation", "E1");
	ck_assert_int_eq(cp_ledger_account_put(l, "backup", "db-*", "important-host",
	                                       CP_ACCOUNT_SERVICE, NULL, false, "root"),
	                 CP_OK);
	ck_assert_int_eq(cp_ledger_custodian_grant(l, "backup", "db-*", "E2", "root", "T-1"),
	                 CP_OK);
}

/* ------------------------------------------------------------ opening */

START_TEST(test_create_mode_0600)
{
	/* R23: readable by root only, whatever the umask says. */
	mode_t masks[] = {0, 022, 0277};
	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		char name[32];
		snprintf(name, sizeof(name), "m%zu.db", i);
		mode_t old = umask(masks[i]);
		cp_ledger *l = open_path(tmp_path(name), CP_LEDGER_CREATE);
		umask(old);
		struct stat st;
		ck_assert_int_eq(stat(tmp_path(name), &st), 0);
		ck_assert_uint_eq(st.st_mode & 07777, 0600);
		ck_assert_uint_eq(st.st_uid, geteuid());
		ck_assert_int_eq(cp_ledger_schema_version(l), SCHEMA_LATEST);
		cp_ledger_close(l);
	}
}
END_TEST

START_TEST(test_create_directory)
{
	const char *p = tmp_path("sub/l.db");
	cp_ledger_close(open_path(p, CP_LEDGER_CREATE));
	struct stat st;
	ck_assert_int_eq(stat(tmp_path("sub"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0700);
}
END_TEST

START_TEST(test_reopen)
{
	seed(open_new());
	cp_ledger_close(led);
	led = open_path(tmp_path("l.db"), 0);
	ck_assert_int_eq(cp_ledger_schema_version(led), SCHEMA_LATEST);
	ck_assert_ptr_eq(cp_ledger_config(led), cfg);
	cp_account *a = get(led, "zhangwei", "anyhost");
	ck_assert_str_eq(cp_account_class(a), "admin-workstation");
	cp_account_free(a);
	cp_ledger *ro = open_path(tmp_path("l.db"), CP_LEDGER_READONLY);
	a = get(ro, "zhangwei", "anyhost");
	cp_account_free(a);
	cp_ledger_close(ro);
}
END_TEST

START_TEST(test_missing)
{
	open_fails(tmp_path("none.db"), 0, CP_ERR_NOTFOUND, "does not exist");
	open_fails(tmp_path("none.db"), CP_LEDGER_READONLY, CP_ERR_NOTFOUND, "does not exist");
	ck_assert_int_eq(access(tmp_path("none.db"), F_OK), -1);
}
END_TEST

START_TEST(test_bad_arguments)
{
	cp_ledger *l = NULL;
	ck_assert_int_eq(
	    cp_ledger_open(cfg, tmp_path("x.db"), CP_LEDGER_CREATE | CP_LEDGER_READONLY, &l, NULL),
	    CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_open(NULL, tmp_path("x.db"), CP_LEDGER_CREATE, &l, NULL),
	                 CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_open(cfg, tmp_path("x.db"), 0x100, &l, NULL), CP_ERR_INVAL);
	ck_assert_ptr_null(l);
	cp_ledger_close(NULL);
	ck_assert_int_eq(cp_ledger_schema_version(NULL), 0);
}
END_TEST

/* The default path comes from the configuration's [ledger] section. */
START_TEST(test_path_from_config)
{
	char text[8300];
	snprintf(text, sizeof(text), "[ledger]\npath = %s\n", tmp_path("conf.db"));
	cp_config *c = NULL;
	ck_assert_int_eq(cp_config_load_buffer(text, strlen(text), "t.conf", &c, NULL), CP_OK);
	cp_ledger *l = NULL;
	ck_assert_int_eq(cp_ledger_open(c, NULL, CP_LEDGER_CREATE, &l, NULL), CP_OK);
	cp_ledger_close(l);
	ck_assert_int_eq(access(tmp_path("conf.db"), F_OK), 0);
	cp_config_free(c);
}
END_TEST

START_TEST(test_refuse_writable_by_others)
{
	const char *p = tmp_path("l.db");
	cp_ledger_close(open_path(p, CP_LEDGER_CREATE));
	/* It holds password hashes: readable is as bad as writable (R20). */
	mode_t bad[] = {0660, 0666, 0620, 0602, 0640, 0644, 0604, 0610, 0601};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(chmod(p, bad[i]), 0);
		open_fails(p, 0, CP_ERR_PERM, "readable or writable by group or others");
		open_fails(p, CP_LEDGER_READONLY, CP_ERR_PERM,
		           "readable or writable by group or others");
	}
	ck_assert_int_eq(chmod(p, 0600), 0);
	cp_ledger_close(open_path(p, 0));
}
END_TEST

START_TEST(test_refuse_not_owned_by_root)
{
	if (geteuid() != 0)
		return; /* only root is held to root-owned files */
	const char *p = tmp_path("l.db");
	cp_ledger_close(open_path(p, CP_LEDGER_CREATE));
	ck_assert_int_eq(chown(p, 65534, 65534), 0);
	open_fails(p, CP_LEDGER_READONLY, CP_ERR_PERM, "not owned by root");
}
END_TEST

START_TEST(test_refuse_open_directory)
{
	ck_assert_int_eq(mkdir(tmp_path("open"), 0700), 0);
	char p[8300];
	snprintf(p, sizeof(p), "%s", tmp_path("open/l.db"));
	/* The sticky bit does not help (/tmp): anyone there can plant the
	 * ledger's -wal file before it exists. Group-writable is refused too. */
	mode_t bad[] = {0777, 01777, 0770, 01770, 0730, 0703};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(chmod(tmp_path("open"), bad[i]), 0);
		open_fails(p, CP_LEDGER_CREATE, CP_ERR_PERM,
		           "directory is writable by group or others");
	}
	ck_assert_int_eq(access(p, F_OK), -1); /* nothing was created */
	ck_assert_int_eq(chmod(tmp_path("open"), 0755), 0);
	cp_ledger_close(open_path(p, CP_LEDGER_CREATE));
}
END_TEST

/* A directory owned by someone else: they could replace the file. */
START_TEST(test_refuse_foreign_directory)
{
	if (geteuid() != 0)
		return; /* only root can give a directory away */
	ck_assert_int_eq(mkdir(tmp_path("theirs"), 0755), 0);
	char p[8300];
	snprintf(p, sizeof(p), "%s", tmp_path("theirs/l.db"));
	cp_ledger_close(open_path(p, CP_LEDGER_CREATE));
	ck_assert_int_eq(chown(tmp_path("theirs"), 65534, 65534), 0);
	open_fails(p, CP_LEDGER_READONLY, CP_ERR_PERM, "directory is owned by someone other");
	ck_assert_int_eq(chown(tmp_path("theirs"), 0, 0), 0);
	cp_ledger_close(open_path(p, CP_LEDGER_READONLY));
}
END_TEST

/* "<ledger>-wal" and "-shm": a planted log is replayed into the ledger. */
START_TEST(test_refuse_bad_wal_shm)
{
	char p[8300];
	snprintf(p, sizeof(p), "%s", tmp_path("l.db"));
	cp_ledger_close(open_path(p, CP_LEDGER_CREATE));
	const char *suffix[] = {"-wal", "-shm"};
	for (size_t i = 0; i < 2; i++) {
		char side[8300];
		snprintf(side, sizeof(side), "%s%s", p, suffix[i]);
		unlink(side);
		/* A symbolic link, even to a good file. */
		write_file(tmp_path("other"), "", 0, 0600);
		ck_assert_int_eq(symlink(tmp_path("other"), side), 0);
		open_fails(p, CP_LEDGER_READONLY, CP_ERR_PERM, "not a regular file owned");
		ck_assert_int_eq(unlink(side), 0);
		/* A directory (which would make SQLite fail open). */
		ck_assert_int_eq(mkdir(side, 0700), 0);
		open_fails(p, 0, CP_ERR_PERM, "not a regular file owned");
		ck_assert_int_eq(rmdir(side), 0);
		/* Group or others may read or write it. */
		mode_t bad[] = {0640, 0660, 0604, 0606};
		for (size_t j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
			write_file(side, "", 0, bad[j]);
			open_fails(p, CP_LEDGER_READONLY, CP_ERR_PERM,
			           "readable or writable by group or others");
			ck_assert_int_eq(unlink(side), 0);
		}
		/* Someone else's. */
		if (geteuid() == 0) {
			write_file(side, "", 0, 0600);
			ck_assert_int_eq(chown(side, 65534, 65534), 0);
			open_fails(p, 0, CP_ERR_PERM, "not a regular file owned");
			ck_assert_int_eq(unlink(side), 0);
		}
		unlink(tmp_path("other"));
	}
	/* SQLite's own files (same mode and owner as the ledger) pass. */
	cp_ledger *w = open_path(p, 0);
	cp_ledger *r = open_path(p, CP_LEDGER_READONLY);
	cp_ledger_close(r);
	cp_ledger_close(w);
}
END_TEST

START_TEST(test_refuse_symlink)
{
	const char *p = tmp_path("real.db");
	cp_ledger_close(open_path(p, CP_LEDGER_CREATE));
	ck_assert_int_eq(symlink(p, tmp_path("link.db")), 0);
	open_fails(tmp_path("link.db"), 0, CP_ERR_PERM, "symbolic link");
}
END_TEST

START_TEST(test_refuse_directory_as_file)
{
	ck_assert_int_eq(mkdir(tmp_path("d.db"), 0700), 0);
	open_fails(tmp_path("d.db"), 0, CP_ERR_LEDGER, "not a regular file");
}
END_TEST

START_TEST(test_not_a_database)
{
	char junk[8192];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7 + 3);
	const char *p = tmp_path("junk.db");
	write_file(p, junk, sizeof(junk), 0600);
	open_fails(p, 0, CP_ERR_LEDGER, "not a credpolicy ledger");
	open_fails(p, CP_LEDGER_READONLY, CP_ERR_LEDGER, "not a credpolicy ledger");
	write_file(p, "hello", 5, 0600);
	open_fails(p, CP_LEDGER_CREATE, CP_ERR_LEDGER, "not a credpolicy ledger");
}
END_TEST

START_TEST(test_other_sqlite_database)
{
	const char *p = tmp_path("other.db");
	write_file(p, "", 0, 0600);
	raw_exec(p, "CREATE TABLE t (x); INSERT INTO t VALUES (1)");
	open_fails(p, 0, CP_ERR_LEDGER, "not a credpolicy ledger");
	/* Nothing was added to it. */
	ck_assert_int_eq(raw_count(p, "SELECT count(*) FROM sqlite_schema"), 1);
}
END_TEST

START_TEST(test_truncated)
{
	cp_ledger *l = open_new();
	seed(l);
	ck_assert_int_eq(cp_ledger_begin(l), CP_OK);
	for (int i = 0; i < 300; i++) {
		char name[32];
		snprintf(name, sizeof(name), "user%03d", i);
		put_personal(l, name, NULL, NULL, "E1");
	}
	ck_assert_int_eq(cp_ledger_commit(l), CP_OK);
	cp_ledger_close(l);
	led = NULL;
	const char *p = tmp_path("l.db");
	struct stat st;
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_gt(st.st_size, 8 * 4096);
	ck_assert_int_eq(truncate(p, st.st_size / 2), 0);
	open_fails(p, 0, CP_ERR_LEDGER, "truncated");
	open_fails(p, CP_LEDGER_READONLY, CP_ERR_LEDGER, "truncated");
	ck_assert_int_eq(truncate(p, 60), 0);
	open_fails(p, 0, CP_ERR_LEDGER, "not a credpolicy ledger");
}
END_TEST

START_TEST(test_newer_schema)
{
	const char *p = tmp_path("l.db");
	seed(open_new());
	cp_ledger_close(led);
	led = NULL;
	raw_exec(p, "PRAGMA user_version = 99");
	open_fails(p, 0, CP_ERR_LEDGER, "newer credpolicy");
	open_fails(p, CP_LEDGER_READONLY, CP_ERR_LEDGER, "newer credpolicy");
	ck_assert_int_eq(raw_count(p, "PRAGMA user_version"), 99); /* left alone */
}
END_TEST

/* ------------------------------------------------------------ migrations */

/* One fixture per earlier schema version: a file as that version of
 * credpolicy left it. A later schema version adds a fixture of the
 * version before it (with data) and what to check to check_migrated. */
static void make_empty_file(const char *p)
{
	write_file(p, "", 0, 0600);
}

static void make_empty_sqlite(const char *p)
{
	write_file(p, "", 0, 0600);
	raw_exec(p, "PRAGMA user_version = 0; VACUUM");
}

/* Version 1 is version 2 without the sessions table of issue 4. */
static void make_v1(const char *p)
{
	cp_ledger *l = open_path(p, CP_LEDGER_CREATE);
	seed(l);
	cp_ledger_close(l);
	raw_exec(p, "DROP TABLE sessions; DROP TABLE reviews; DROP TABLE memberships;"
	            " DROP TABLE directory_entries; DROP TABLE sync_state;"
	            " PRAGMA user_version = 1");
}

/* Version 2 is version 3 without reviews, memberships and the directory
 * sync's tables (issues 5-7). */
static void make_v2(const char *p)
{
	cp_ledger *l = open_path(p, CP_LEDGER_CREATE);
	seed(l);
	cp_ledger_close(l);
	raw_exec(p, "DROP TABLE reviews; DROP TABLE memberships; DROP TABLE directory_entries;"
	            " DROP TABLE sync_state; ALTER TABLE sessions DROP COLUMN proc_id;"
	            " PRAGMA user_version = 2");
}

static const struct fixture {
	int version;
	const char *what;
	void (*make)(const char *path);
} fixtures[] = {
    {0, "an empty file", make_empty_file},
    {0, "an empty SQLite database", make_empty_sqlite},
    {1, "issue 3: people, accounts, custodians, history, events", make_v1},
    {2, "issue 4: live sessions", make_v2},
};

#define FIXTURE_COUNT (int)(sizeof(fixtures) / sizeof(fixtures[0]))

static void check_migrated(cp_ledger *l, const struct fixture *f)
{
	ck_assert_int_eq(cp_ledger_schema_version(l), SCHEMA_LATEST);
	if (f->version == 0)
		seed(l); /* nothing to keep: start using it */
	/* Version 1's records are all there. */
	cp_account *a = get(l, "backup", "db-1");
	ck_assert_uint_eq(cp_account_custodian_count(a), 1);
	cp_account_free(a);
	assert_verifies(l, 5);
	/* Version 2: live sessions. */
	unsigned n = 9;
	ck_assert_int_eq(cp_ledger_session_open(l, "zhangwei", "h", "sshd", "", "10.0.0.1",
	                                        (int64_t)getpid(), 1),
	                 CP_OK);
	ck_assert_int_eq(cp_ledger_session_count_others(l, "zhangwei", "h", "10.0.0.2", &n), CP_OK);
	ck_assert_uint_eq(n, 1);
	/* Version 3: its tables exist and take rows. */
	static const char *const v3_tables[] = {"reviews", "memberships", "directory_entries",
	                                        "sync_state"};
	for (size_t i = 0; i < sizeof(v3_tables) / sizeof(v3_tables[0]); i++) {
		char sql[128];
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", v3_tables[i]);
		ck_assert_int_eq(raw_count(tmp_path("old.db"), sql), 0);
	}
}

START_TEST(test_migrate_forward)
{
	const struct fixture *f = &fixtures[_i];
	const char *p = tmp_path("old.db");
	f->make(p);
	if (f->version == 0) {
		/* No schema at all: nothing a reader could use. */
		open_fails(p, CP_LEDGER_READONLY, CP_ERR_LEDGER, "needs version");
	} else {
		/* Read-only does not migrate, but reads an older schema: the PAM
		 * account hook keeps working after a package upgrade. */
		cp_ledger *ro = open_path(p, CP_LEDGER_READONLY);
		ck_assert_int_eq(cp_ledger_schema_version(ro), f->version);
		cp_status *s = NULL;
		ck_assert_int_eq(cp_ledger_status(ro, "backup", "db-1", 1767225600, &s), CP_OK);
		ck_assert_ptr_nonnull(s);
		cp_status_free(s);
		cp_ledger_close(ro);
		ck_assert_int_eq(raw_count(p, "PRAGMA user_version"), f->version);
	}
	led = open_path(p, 0);
	check_migrated(led, f);
	cp_ledger_close(led);
	led = open_path(p, CP_LEDGER_READONLY);
	ck_assert_int_eq(cp_ledger_schema_version(led), SCHEMA_LATEST);
	ck_assert_int_eq(raw_count(p, "PRAGMA application_id"), 0x43504c47);
	ck_assert_int_eq(raw_count(p, "PRAGMA user_version"), SCHEMA_LATEST);
}
END_TEST

/* The schema refuses what a bug or a careless writer could store. */
START_TEST(test_schema_constraints)
{
	const char *p = tmp_path("l.db");
	seed(open_new());
	sqlite3 *db = NULL;
	ck_assert_int_eq(sqlite3_open(p, &db), SQLITE_OK);
	const char *bad[] = {
	    "UPDATE accounts SET kind = 'robot'",
	    "UPDATE accounts SET last_change = 'yesterday'",
	    "UPDATE people SET status = 'departed'",            /* without a date */
	    "UPDATE events SET detail = 'edited'",
	    "DELETE FROM events",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(sqlite3_exec(db, bad[i], NULL, NULL, NULL) == SQLITE_CONSTRAINT, "%s",
		              bad[i]);
	sqlite3_close(db);
}
END_TEST

/* ------------------------------------------------------------ people */

static bool person_has(const cp_person *p, const char *token)
{
	for (size_t i = 0; i < cp_person_token_count(p); i++)
		if (strcmp(cp_person_token(p, i), token) == 0)
			return true;
	return false;
}

START_TEST(test_person_tokens_r23)
{
	cp_ledger *l = open_new();
	cp_person *info = NULL;
	ck_assert_int_eq(cp_person_new(&info), CP_OK);
	ck_assert_int_eq(cp_person_add(info, "username", "zhangwei", NULL), CP_OK);
	ck_assert_int_eq(cp_person_add(info, "id_card", "11010519491231002X", NULL), CP_OK);
	ck_assert_int_eq(cp_ledger_person_put(l, "E1", "张伟", info, "hr"), CP_OK);
	cp_person *back = NULL;
	ck_assert_int_eq(cp_ledger_person_info(l, "E1", &back), CP_OK);
	for (size_t i = 0; i < cp_person_token_count(info); i++)
		ck_assert_msg(person_has(back, cp_person_token(info, i)), "lost %s",
		              cp_person_token(info, i));
	ck_assert(person_has(back, "zhangwei"));
	cp_person_free(back);
	cp_person_free(info);
	/* R23: the whole ID-card number is nowhere in the file. */
	ck_assert_int_eq(raw_count(tmp_path("l.db"), "SELECT count(*) FROM people WHERE tokens"
	                                             " LIKE '%11010519491231002%'"),
	                 0);
	const struct ev *e = last_event(l);
	assert_event(e, "person_add", "", "E1", "hr", "");
}
END_TEST

/* R3: the tokens of every owner of an account, an unknown owner skipped. */
START_TEST(test_owner_info)
{
	cp_ledger *l = open_new();
	cp_person *info = NULL;
	ck_assert_int_eq(cp_person_new(&info), CP_OK);
	ck_assert_int_eq(cp_person_add(info, "username", "zhangwei", NULL), CP_OK);
	ck_assert_int_eq(cp_ledger_person_put(l, "E1", "x", info, "hr"), CP_OK);
	cp_person_free(info);
	ck_assert_int_eq(cp_person_new(&info), CP_OK);
	ck_assert_int_eq(cp_person_add(info, "username", "lina", NULL), CP_OK);
	ck_assert_int_eq(cp_ledger_person_put(l, "E2", "y", info, "hr"), CP_OK);
	cp_person_free(info);
	ck_assert_int_eq(cp_ledger_account_put(l, "acct", NULL, "default", CP_ACCOUNT_PERSONAL,
	                                       "E1", false, "hr"),
	                 CP_OK);
	ck_assert_int_eq(cp_ledger_owner_add(l, "acct", NULL, "E2", "ldap"), CP_OK);
	cp_account *a = NULL;
	ck_assert_int_eq(cp_ledger_account_get(l, "acct", "anyhost", &a), CP_OK);
	cp_person *p = NULL;
	ck_assert_int_eq(cp_person_new(&p), CP_OK);
	ck_assert_int_eq(cp_ledger_owner_info(l, a, p), CP_OK);
	ck_assert(person_has(p, "zhangwei"));
	ck_assert(person_has(p, "lina"));
	ck_assert_int_eq(cp_ledger_owner_info(l, NULL, p), CP_ERR_INVAL);
	cp_person_free(p);
	cp_account_free(a);
}
END_TEST

START_TEST(test_person_update)
{
	cp_ledger *l = open_new();
	cp_person *info = NULL;
	ck_assert_int_eq(cp_person_new(&info), CP_OK);
	ck_assert_int_eq(cp_person_add(info, "phone", "13812345678", NULL), CP_OK);
	ck_assert_int_eq(cp_ledger_person_put(l, "E1", "Zhang Wei", info, "hr"), CP_OK);
	ck_assert_uint_eq(load_events(l), 1);
	/* The same again changes nothing and logs nothing. */
	ck_assert_int_eq(cp_ledger_person_put(l, "E1", "Zhang Wei", info, "hr"), CP_OK);
	ck_assert_uint_eq(load_events(l), 1);
	/* NULL info keeps the tokens; a new name is an update. */
	ck_assert_int_eq(cp_ledger_person_put(l, "E1", "Wei Zhang", NULL, "sync"), CP_OK);
	ck_assert_uint_eq(load_events(l), 2);
	assert_event(&evs[1], "person_update", "", "E1", "sync", "");
	ck_assert_str_eq(evs[1].detail, "display_name");
	cp_person *back = NULL;
	ck_assert_int_eq(cp_ledger_person_info(l, "E1", &back), CP_OK);
	ck_assert_uint_eq(cp_person_token_count(back), cp_person_token_count(info));
	cp_person_free(back);
	cp_person_free(info);
	assert_verifies(l, 2);
}
END_TEST

START_TEST(test_person_errors)
{
	cp_ledger *l = open_new();
	cp_person *p = (cp_person *)&p;
	ck_assert_int_eq(cp_ledger_person_put(l, NULL, "x", NULL, "hr"), CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_person_put(l, "", "x", NULL, "hr"), CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_person_put(l, "E\xff", "x", NULL, "hr"), CP_ERR_UTF8);
	ck_assert_int_eq(cp_ledger_person_put(l, "E1", "x\x1b[31m", NULL, "hr"), CP_ERR_INVAL);
	char longid[300];
	memset(longid, 'e', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	ck_assert_int_eq(cp_ledger_person_put(l, longid, "x", NULL, "hr"), CP_ERR_TOOLONG);
	ck_assert_int_eq(cp_ledger_person_info(l, "nobody", &p), CP_ERR_NOTFOUND);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(cp_ledger_person_depart(l, "nobody", 1, "hr", "T"), CP_ERR_NOTFOUND);
	ck_assert_int_eq(cp_ledger_person_put(NULL, "E1", "x", NULL, "hr"), CP_ERR_INVAL);
	ck_assert_uint_eq(load_events(l), 0);
}
END_TEST

/* ------------------------------------------------------------ accounts */

START_TEST(test_account_put_get)
{
	cp_ledger *l = open_new();
	seed(l);
	cp_account *a = get(l, "zhangwei", "web-1");
	ck_assert_str_eq(cp_account_name(a), "zhangwei");
	ck_assert_str_eq(cp_account_scope(a), "*");
	ck_assert_str_eq(cp_account_class(a), "admin-workstation");
	ck_assert_int_eq(cp_account_kind_of(a), CP_ACCOUNT_PERSONAL);
	ck_assert(!cp_account_locked(a));
	ck_assert(!cp_account_otp(a));
	ck_assert_int_eq(cp_account_last_change(a), 0);
	ck_assert_ptr_null(cp_account_must_change(a));
	ck_assert_uint_eq(cp_account_owner_count(a), 1);
	ck_assert_str_eq(cp_account_owner(a, 0), "E1");
	ck_assert_ptr_null(cp_account_owner(a, 1));
	ck_assert_uint_eq(cp_account_custodian_count(a), 0);
	cp_account_free(a);
	a = get(l, "backup", "db-7");
	ck_assert_str_eq(cp_account_scope(a), "db-*");
	ck_assert_int_eq(cp_account_kind_of(a), CP_ACCOUNT_SERVICE);
	ck_assert_uint_eq(cp_account_owner_count(a), 0);
	ck_assert_uint_eq(cp_account_custodian_count(a), 1);
	ck_assert_str_eq(cp_account_custodian(a, 0), "E2");
	cp_account_free(a);
	a = (cp_account *)&a;
	ck_assert_int_eq(cp_ledger_account_get(l, "backup", "web-1", &a), CP_ERR_NOTFOUND);
	ck_assert_ptr_null(a);
}
END_TEST

START_TEST(test_account_update)
{
	cp_ledger *l = open_new();
	seed(l);
	size_t n = load_events(l);
	/* Unchanged: nothing logged (an LDAP sync every hour stays quiet). */
	put_personal(l, "zhangwei", "*", "admin-workstation", "E1");
	ck_assert_uint_eq(load_events(l), n);
	/* Default class by NULL, OTP on, new owner. */
	ck_assert_int_eq(cp_ledger_account_put(l, "zhangwei", NULL, NULL, CP_ACCOUNT_PERSONAL, "E2",
	                                       true, "sync"),
	                 CP_OK);
	const struct ev *e = last_event(l);
	assert_event(e, "account_update", "zhangwei", "E2", "sync", "");
	ck_assert_str_eq(e->detail, "class=default kind=personal otp=yes owner=E2");
	cp_account *a = get(l, "zhangwei", NULL);
	ck_assert_str_eq(cp_account_class(a), "default");
	ck_assert(cp_account_otp(a));
	ck_assert_uint_eq(cp_account_owner_count(a), 1);
	ck_assert_str_eq(cp_account_owner(a, 0), "E2");
	cp_account_free(a);
}
END_TEST

/* Bad input is refused and changes nothing. */
START_TEST(test_account_errors)
{
	cp_ledger *l = open_new();
	seed(l);
	size_t n = load_events(l);
	ck_assert_int_eq(cp_ledger_account_put(l, "x", NULL, "no-such-class", CP_ACCOUNT_PERSONAL,
	                                       "E1", false, "root"),
	                 CP_ERR_NOTFOUND);
	ck_assert_int_eq(
	    cp_ledger_account_put(l, "x", NULL, NULL, CP_ACCOUNT_PERSONAL, "E404", false, "root"),
	    CP_ERR_NOTFOUND);
	ck_assert_int_eq(
	    cp_ledger_account_put(l, "x", NULL, NULL, (cp_account_kind)7, "E1", false, "root"),
	    CP_ERR_INVAL);
	ck_assert_int_eq(
	    cp_ledger_account_put(l, "", NULL, NULL, CP_ACCOUNT_SERVICE, NULL, false, "root"),
	    CP_ERR_INVAL);
	ck_assert_int_eq(
	    cp_ledger_account_put(l, "x\xc3", NULL, NULL, CP_ACCOUNT_SERVICE, NULL, false, "root"),
	    CP_ERR_UTF8);
	ck_assert_int_eq(
	    cp_ledger_account_put(l, "x", "web\n1", NULL, CP_ACCOUNT_SERVICE, NULL, false, "root"),
	    CP_ERR_INVAL);
	cp_account *a = NULL;
	ck_assert_int_eq(cp_ledger_account_get(l, "x", "h", &a), CP_ERR_NOTFOUND);
	ck_assert_uint_eq(load_events(l), n);
	/* An existing account keeps its values after a refused update. */
	ck_assert_int_eq(cp_ledger_account_put(l, "zhangwei", NULL, "no-such-class",
	                                       CP_ACCOUNT_PERSONAL, "E1", false, "root"),
	                 CP_ERR_NOTFOUND);
	a = get(l, "zhangwei", "h");
	ck_assert_str_eq(cp_account_class(a), "admin-workstation");
	cp_account_free(a);
}
END_TEST

START_TEST(test_owner_add_r12)
{
	cp_ledger *l = open_new();
	seed(l);
	ck_assert_int_eq(cp_ledger_owner_add(l, "zhangwei", NULL, "E2", "ldap"), CP_OK);
	assert_event(last_event(l), "owner_add", "zhangwei", "E2", "ldap", "");
	size_t n = nevs;
	ck_assert_int_eq(cp_ledger_owner_add(l, "zhangwei", NULL, "E2", "ldap"), CP_OK);
	ck_assert_uint_eq(load_events(l), n); /* already an owner */
	cp_account *a = get(l, "zhangwei", NULL);
	ck_assert_uint_eq(cp_account_owner_count(a), 2);
	ck_assert_str_eq(cp_account_owner(a, 0), "E1");
	ck_assert_str_eq(cp_account_owner(a, 1), "E2");
	cp_account_free(a);
	ck_assert_int_eq(cp_ledger_owner_add(l, "nosuch", NULL, "E2", "ldap"), CP_ERR_NOTFOUND);
	ck_assert_int_eq(cp_ledger_owner_add(l, "zhangwei", NULL, "E404", "ldap"), CP_ERR_NOTFOUND);
	ck_assert_int_eq(cp_ledger_owner_add(l, "zhangwei", "web-1", "E2", "ldap"),
	                 CP_ERR_NOTFOUND); /* scopes are exact for writes */
}
END_TEST

START_TEST(test_custodians_r17)
{
	cp_ledger *l = open_new();
	seed(l);
	assert_event(last_event(l), "grant", "backup@db-*", "E2", "root", "T-1");
	size_t n = nevs;
	ck_assert_int_eq(cp_ledger_custodian_grant(l, "backup", "db-*", "E2", "root", "T-1"),
	                 CP_OK);
	ck_assert_uint_eq(load_events(l), n);
	ck_assert_int_eq(cp_ledger_custodian_grant(l, "backup", "db-*", "E1", "root", "T-2"),
	                 CP_OK);
	cp_account *a = get(l, "backup", "db-1");
	ck_assert_uint_eq(cp_account_custodian_count(a), 2);
	cp_account_free(a);
	ck_assert_int_eq(cp_ledger_custodian_revoke(l, "backup", "db-*", "E2", "sec", "T-3"),
	                 CP_OK);
	assert_event(last_event(l), "revoke", "backup@db-*", "E2", "sec", "T-3");
	ck_assert_int_eq(cp_ledger_custodian_revoke(l, "backup", "db-*", "E2", "sec", "T-3"),
	                 CP_ERR_NOTFOUND);
	ck_assert_int_eq(cp_ledger_custodian_grant(l, "backup", "db-*", "E404", "r", "T"),
	                 CP_ERR_NOTFOUND);
	ck_assert_int_eq(cp_ledger_custodian_grant(l, "nosuch", "*", "E1", "r", "T"),
	                 CP_ERR_NOTFOUND);
	a = get(l, "backup", "db-1");
	ck_assert_uint_eq(cp_account_custodian_count(a), 1);
	ck_assert_str_eq(cp_account_custodian(a, 0), "E1");
	cp_account_free(a);
	assert_verifies(l, (uint64_t)load_events(l));
}
END_TEST

START_TEST(test_lock_and_must_change)
{
	cp_ledger *l = open_new();
	seed(l);
	ck_assert_int_eq(cp_ledger_set_locked(l, "zhangwei", NULL, true, "leave", "sec", "T-9"),
	                 CP_OK);
	const struct ev *e = last_event(l);
	assert_event(e, "lock", "zhangwei", "", "sec", "T-9");
	ck_assert_str_eq(e->detail, "leave");
	cp_account *a = get(l, "zhangwei", NULL);
	ck_assert(cp_account_locked(a));
	cp_account_free(a);
	ck_assert_int_eq(cp_ledger_set_locked(l, "zhangwei", NULL, false, NULL, "sec", "T-10"),
	                 CP_OK);
	assert_event(last_event(l), "unlock", "zhangwei", "", "sec", "T-10");
	ck_assert_int_eq(
	    cp_ledger_set_must_change(l, "backup", "db-*", "helpdesk reset", "hd", "INC-1"), CP_OK);
	e = last_event(l);
	assert_event(e, "must_change", "backup@db-*", "", "hd", "INC-1");
	ck_assert_str_eq(e->detail, "helpdesk reset");
	a = get(l, "backup", "db-1");
	ck_assert_str_eq(cp_account_must_change(a), "helpdesk reset");
	cp_account_free(a);
	ck_assert_int_eq(cp_ledger_set_must_change(l, "backup", "db-*", NULL, "hd", "INC-2"),
	                 CP_OK);
	assert_event(last_event(l), "must_change_clear", "backup@db-*", "", "hd", "INC-2");
	a = get(l, "backup", "db-1");
	ck_assert_ptr_null(cp_account_must_change(a));
	cp_account_free(a);
	ck_assert_int_eq(cp_ledger_set_must_change(l, "backup", "db-*", "", "hd", "T"),
	                 CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_set_locked(l, "nosuch", NULL, true, "x", "sec", "T"),
	                 CP_ERR_NOTFOUND);
}
END_TEST

START_TEST(test_set_last_change)
{
	cp_ledger *l = open_new();
	seed(l);
	ck_assert_int_eq(cp_ledger_set_last_change(l, "zhangwei", NULL, 1700000000, "import"),
	                 CP_OK);
	const struct ev *e = last_event(l);
	assert_event(e, "last_change", "zhangwei", "", "import", "");
	ck_assert_str_eq(e->detail, "last_change=1700000000");
	cp_account *a = get(l, "zhangwei", NULL);
	ck_assert_int_eq(cp_account_last_change(a), 1700000000);
	cp_account_free(a);
	ck_assert_int_eq(cp_ledger_set_last_change(l, "zhangwei", NULL, -1, "x"), CP_ERR_INVAL);
	/* A date in the future (2062 for 2026) would never expire. */
	int64_t now = (int64_t)time(NULL);
	ck_assert_int_eq(cp_ledger_set_last_change(l, "zhangwei", NULL, 2903472000, "x"),
	                 CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_set_last_change(l, "zhangwei", NULL, now + 2 * 86400, "x"),
	                 CP_ERR_INVAL);
	a = get(l, "zhangwei", NULL);
	ck_assert_int_eq(cp_account_last_change(a), 1700000000);
	cp_account_free(a);
	/* Clocks differ a little: up to a day ahead is accepted. */
	ck_assert_int_eq(cp_ledger_set_last_change(l, "zhangwei", NULL, now + 3600, "x"), CP_OK);
	ck_assert_int_eq(cp_ledger_set_last_change(l, "nosuch", NULL, 1, "x"), CP_ERR_NOTFOUND);
}
END_TEST

/* R13: a leaver's custodianships end and those passwords must change. */
START_TEST(test_depart_r13)
{
	cp_ledger *l = open_new();
	seed(l);
	size_t before = load_events(l);
	ck_assert_int_eq(cp_ledger_person_depart(l, "E2", 1760000000, "hr", "HR-7"), CP_OK);
	ck_assert_uint_eq(load_events(l), before + 3);
	assert_event(&evs[before], "depart", "", "E2", "hr", "HR-7");
	ck_assert_str_eq(evs[before].detail, "departed_at=1760000000");
	assert_event(&evs[before + 1], "must_change", "backup@db-*", "E2", "hr", "HR-7");
	assert_event(&evs[before + 2], "revoke", "backup@db-*", "E2", "hr", "HR-7");
	cp_account *a = get(l, "backup", "db-1");
	ck_assert_str_eq(cp_account_must_change(a), "custodian E2 departed");
	ck_assert_uint_eq(cp_account_custodian_count(a), 0);
	cp_account_free(a);
	/* Departing again is a no-op. */
	ck_assert_int_eq(cp_ledger_person_depart(l, "E2", 1770000000, "hr", "HR-8"), CP_OK);
	ck_assert_uint_eq(load_events(l), before + 3);
	ck_assert_int_eq(
	    raw_count(tmp_path("l.db"), "SELECT departed_at FROM people WHERE employee_id = 'E2'"),
	    1760000000);
	/* A leaver keeps no custodian link (R13): none can be granted again. */
	ck_assert_int_eq(cp_ledger_custodian_grant(l, "backup", "db-*", "E2", "root", "T-9"),
	                 CP_ERR_INVAL);
	a = get(l, "backup", "db-1");
	ck_assert_uint_eq(cp_account_custodian_count(a), 0);
	cp_account_free(a);
	assert_verifies(l, before + 3);
}
END_TEST

static int list_person(const char *id, const char *name, int64_t departed, const cp_person *info,
                       void *ctx)
{
	char *out = ctx;
	char line[128];
	snprintf(line, sizeof(line), "%s/%s/%lld/%zu;", id, name, (long long)departed,
	         cp_person_token_count(info));
	strcat(out, line);
	return strcmp(id, "E2") == 0; /* stop after E2 */
}

static int list_account(const cp_account *a, void *ctx)
{
	char *out = ctx;
	char line[128];
	snprintf(line, sizeof(line), "%s@%s/%s/%zu/%zu;", cp_account_name(a), cp_account_scope(a),
	         cp_account_kind_name(cp_account_kind_of(a)), cp_account_owner_count(a),
	         cp_account_custodian_count(a));
	strcat(out, line);
	return 0;
}

/* Listing everything, for export. Looked up at run time: until
 * libcredpolicy.map lists them, the two calls are not exported. */
typedef int (*people_fn)(cp_ledger *,
                         int (*)(const char *, const char *, int64_t, const cp_person *, void *),
                         void *);
typedef int (*accounts_fn)(cp_ledger *, int (*)(const cp_account *, void *), void *);

START_TEST(test_list_people_and_accounts)
{
	people_fn people = (people_fn)dlsym(RTLD_DEFAULT, "cp_ledger_people");
	accounts_fn accounts = (accounts_fn)dlsym(RTLD_DEFAULT, "cp_ledger_accounts");
	if (people == NULL || accounts == NULL) {
		fprintf(stderr, "SKIP test_list_people_and_accounts: not exported yet\n");
		return;
	}
	cp_ledger *l = open_new();
	seed(l);
	put_person(l, "E3", "Wang Fang");
	ck_assert_int_eq(cp_ledger_person_depart(l, "E1", 1700000000, "hr", "T"), CP_OK);
	char out[1024] = "";
	ck_assert_int_eq(people(l, list_person, out), CP_OK);
	ck_assert_str_eq(out, "E1/Zhang Wei/1700000000/0;E2/Li Na/0/0;");
	out[0] = '\0';
	ck_assert_int_eq(accounts(l, list_account, out), CP_OK);
	ck_assert_str_eq(out, "backup@db-*/service/0/1;zhangwei@*/personal/1/0;");
	ck_assert_int_eq(accounts(l, NULL, out), CP_ERR_INVAL);
	ck_assert_int_eq(people(NULL, list_person, out), CP_ERR_INVAL);
}
END_TEST

START_TEST(test_kind_names)
{
	ck_assert_str_eq(cp_account_kind_name(CP_ACCOUNT_PERSONAL), "personal");
	ck_assert_str_eq(cp_account_kind_name(CP_ACCOUNT_SERVICE), "service");
	ck_assert_str_eq(cp_account_kind_name(CP_ACCOUNT_BREAK_GLASS), "break-glass");
	ck_assert_ptr_null(cp_account_kind_name((cp_account_kind)3));
	ck_assert_ptr_null(cp_account_kind_name((cp_account_kind)-1));
}
END_TEST

START_TEST(test_readonly_refuses_writes)
{
	seed(open_new());
	cp_ledger *ro = open_path(tmp_path("l.db"), CP_LEDGER_READONLY);
	ck_assert_int_eq(cp_ledger_begin(ro), CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_person_put(ro, "E9", "x", NULL, "hr"), CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_event_add(ro, "decision", "a", NULL, NULL, NULL, NULL),
	                 CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_record_change(ro, "zhangwei", NULL, "Pw#12345x", 1, "x"),
	                 CP_ERR_INVAL);
	cp_ledger_close(ro);
}
END_TEST

/* ------------------------------------------------------------ transactions */

START_TEST(test_transaction_commit_rollback)
{
	cp_ledger *l = open_new();
	ck_assert_int_eq(cp_ledger_commit(l), CP_ERR_INVAL);
	cp_ledger_rollback(l); /* nothing to roll back: harmless */
	ck_assert_int_eq(cp_ledger_begin(l), CP_OK);
	put_person(l, "E1", "a");
	put_person(l, "E2", "b");
	cp_ledger_rollback(l);
	ck_assert_uint_eq(load_events(l), 0);
	cp_person *p = NULL;
	ck_assert_int_eq(cp_ledger_person_info(l, "E1", &p), CP_ERR_NOTFOUND);
	ck_assert_int_eq(cp_ledger_begin(l), CP_OK);
	put_person(l, "E1", "a");
	put_person(l, "E2", "b");
	ck_assert_int_eq(cp_ledger_commit(l), CP_OK);
	ck_assert_uint_eq(load_events(l), 2);
	assert_verifies(l, 2);
}
END_TEST

/* A call that fails inside a transaction leaves nothing of itself; the
 * transaction goes on. */
START_TEST(test_transaction_failed_call)
{
	cp_ledger *l = open_new();
	ck_assert_int_eq(cp_ledger_begin(l), CP_OK);
	put_person(l, "E1", "a");
	ck_assert_int_eq(
	    cp_ledger_account_put(l, "x", NULL, NULL, CP_ACCOUNT_PERSONAL, "E404", false, "root"),
	    CP_ERR_NOTFOUND);
	put_personal(l, "y", NULL, NULL, "E1");
	ck_assert_int_eq(cp_ledger_commit(l), CP_OK);
	ck_assert_uint_eq(load_events(l), 2);
	ck_assert_str_eq(evs[1].kind, "account_add");
	ck_assert_str_eq(evs[1].account, "y");
	assert_verifies(l, 2);
}
END_TEST

START_TEST(test_transaction_nested)
{
	cp_ledger *l = open_new();
	ck_assert_int_eq(cp_ledger_begin(l), CP_OK);
	put_person(l, "E1", "a");
	ck_assert_int_eq(cp_ledger_begin(l), CP_OK);
	put_person(l, "E2", "b");
	cp_ledger_rollback(l); /* the inner one only */
	ck_assert_int_eq(cp_ledger_begin(l), CP_OK);
	put_person(l, "E3", "c");
	ck_assert_int_eq(cp_ledger_commit(l), CP_OK);
	ck_assert_int_eq(cp_ledger_commit(l), CP_OK);
	ck_assert_int_eq(cp_ledger_commit(l), CP_ERR_INVAL);
	ck_assert_uint_eq(load_events(l), 2);
	ck_assert_str_eq(evs[0].person, "E1");
	ck_assert_str_eq(evs[1].person, "E3");
	assert_verifies(l, 2);
}
END_TEST

static long long handle_count(cp_ledger *l, const char *sql)
{
	sqlite3_stmt *st = NULL;
	ck_assert_int_eq(sqlite3_prepare_v2(l->db, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	long long n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* A full disk (SQLITE_FULL) in the caller's transaction: whatever SQLite
 * undid by itself, the next event must link to an event that exists. */
START_TEST(test_rollback_after_disk_full)
{
	cp_ledger *l = open_new();
	seed(l);
	uint64_t before = (uint64_t)load_events(l);
	ck_assert_int_eq(cp_ledger_begin(l), CP_OK);
	ck_assert_int_eq(cp_ledger_event_add(l, "note", NULL, NULL, "t", NULL, "first"), CP_OK);
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld",
	         handle_count(l, "PRAGMA page_count") + 2);
	ck_assert_int_eq(sqlite3_exec(l->db, sql, NULL, NULL, NULL), SQLITE_OK);
	char big[4001];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	int rc = CP_OK;
	for (int i = 0; i < 1000 && rc == CP_OK; i++)
		rc = cp_ledger_event_add(l, "note", NULL, NULL, "t", NULL, big);
	ck_assert_int_eq(rc, CP_ERR_IO);
	/* The transaction is doomed, whether SQLite rolled it back or not. */
	ck_assert_int_ne(cp_ledger_event_add(l, "note", NULL, NULL, "t", NULL, "x"), CP_OK);
	cp_ledger_rollback(l);
	ck_assert_int_eq(sqlite3_exec(l->db, "PRAGMA max_page_count = 1073741823", NULL, NULL, NULL),
	                 SQLITE_OK);
	ck_assert_int_eq(cp_ledger_event_add(l, "note", NULL, NULL, "t", NULL, "after"), CP_OK);
	uint64_t checked = 0;
	int64_t bad = -1;
	ck_assert_int_eq(cp_ledger_events_verify(l, &checked, &bad), CP_OK);
	ck_assert_uint_eq(checked, before + 1);
	ck_assert_uint_eq(load_events(l), before + 1);
	ck_assert_str_eq(evs[before].detail, "after");
}
END_TEST

/* A call that fails after it has written (here a trigger an attacker or
 * a bug could add refuses the owner) leaves nothing: on its own it is its
 * own transaction; inside the caller's, the whole transaction is doomed. */
static void add_failing_owner_trigger(void)
{
	raw_exec(tmp_path("l.db"), "CREATE TRIGGER boom BEFORE INSERT ON owners WHEN"
	                           " (SELECT name FROM accounts WHERE id = NEW.account_id) = 'boom'"
	                           " BEGIN SELECT RAISE(ABORT, 'boom'); END");
}

START_TEST(test_failed_call_leaves_nothing)
{
	cp_ledger *l = open_new();
	put_person(l, "E1", "a");
	add_failing_owner_trigger();
	ck_assert_int_eq(
	    cp_ledger_account_put(l, "boom", NULL, NULL, CP_ACCOUNT_PERSONAL, "E1", false, "root"),
	    CP_ERR_INVAL);
	cp_account *a = NULL;
	ck_assert_int_eq(cp_ledger_account_get(l, "boom", "h", &a), CP_ERR_NOTFOUND);
	ck_assert_uint_eq(load_events(l), 1);
	/* Inside a transaction: every later call and the commit fail. */
	ck_assert_int_eq(cp_ledger_begin(l), CP_OK);
	put_person(l, "E2", "b");
	ck_assert_int_eq(
	    cp_ledger_account_put(l, "boom", NULL, NULL, CP_ACCOUNT_PERSONAL, "E1", false, "root"),
	    CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_person_put(l, "E3", "c", NULL, "hr"), CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_commit(l), CP_ERR_INVAL);
	ck_assert_uint_eq(load_events(l), 1);
	cp_person *p = NULL;
	ck_assert_int_eq(cp_ledger_person_info(l, "E2", &p), CP_ERR_NOTFOUND);
	/* The handle is usable again. */
	put_person(l, "E4", "d");
	assert_verifies(l, 2);
}
END_TEST

/* A doomed transaction is gone at every level of nesting. */
START_TEST(test_failed_call_nested)
{
	cp_ledger *l = open_new();
	put_person(l, "E1", "a");
	add_failing_owner_trigger();
	ck_assert_int_eq(cp_ledger_begin(l), CP_OK);
	put_person(l, "E2", "b");
	ck_assert_int_eq(cp_ledger_begin(l), CP_OK);
	ck_assert_int_eq(cp_ledger_account_put(l, "boom", NULL, NULL, CP_ACCOUNT_PERSONAL, "E1",
	                                       false, "root"),
	                 CP_ERR_INVAL);
	cp_ledger_rollback(l);
	ck_assert_int_eq(cp_ledger_person_put(l, "E3", "c", NULL, "hr"), CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_commit(l), CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_commit(l), CP_ERR_INVAL); /* nothing open any more */
	ck_assert_uint_eq(load_events(l), 1);
	ck_assert_int_eq(cp_ledger_begin(l), CP_OK);
	put_person(l, "E4", "d");
	ck_assert_int_eq(cp_ledger_commit(l), CP_OK);
	assert_verifies(l, 2);
}
END_TEST

/* busy_timeout_ms of [ledger]: how long a call waits for another
 * process's write; readers never wait for writers (WAL). */
START_TEST(test_busy_timeout)
{
	const char *text = "[ledger]\nbusy_timeout_ms = 50\n";
	cp_config *c = NULL;
	ck_assert_int_eq(cp_config_load_buffer(text, strlen(text), "t.conf", &c, NULL), CP_OK);
	cp_config_free(cfg);
	cfg = c;
	cp_ledger *l = open_new();
	seed(l);
	sqlite3 *other = NULL;
	ck_assert_int_eq(sqlite3_open(tmp_path("l.db"), &other), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(cp_ledger_person_put(l, "E9", "x", NULL, "hr"), CP_ERR_BUSY);
	ck_assert_int_eq(cp_ledger_begin(l), CP_ERR_BUSY);
	cp_ledger *ro = open_path(tmp_path("l.db"), CP_LEDGER_READONLY);
	cp_status *st = NULL;
	ck_assert_int_eq(cp_ledger_status(ro, "zhangwei", "h", 0, &st), CP_OK);
	cp_status_free(st);
	cp_ledger_close(ro);
	ck_assert_int_eq(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	put_person(l, "E9", "x");
	assert_verifies(l, 6);
}
END_TEST

/* Closing with a transaction open discards it. */
START_TEST(test_close_discards_open_transaction)
{
	cp_ledger *l = open_new();
	ck_assert_int_eq(cp_ledger_begin(l), CP_OK);
	put_person(l, "E1", "a");
	cp_ledger_close(l);
	led = open_path(tmp_path("l.db"), 0);
	ck_assert_uint_eq(load_events(led), 0);
}
END_TEST

/* ------------------------------------------------------------ events */

START_TEST(test_event_add)
{
	cp_ledger *l = open_new();
	time_t t0 = time(NULL);
	ck_assert_int_eq(cp_ledger_event_add(l, "decision", "zhangwei@web-1", "E1", "pam",
	                                     "INC-2026-0042", "refused: expired"),
	                 CP_OK);
	ck_assert_int_eq(cp_ledger_event_add(l, "reset", NULL, NULL, NULL, NULL, NULL), CP_OK);
	ck_assert_uint_eq(load_events(l), 2);
	assert_event(&evs[0], "decision", "zhangwei@web-1", "E1", "pam", "INC-2026-0042");
	ck_assert_str_eq(evs[0].detail, "refused: expired");
	assert_event(&evs[1], "reset", "", "", "", "");
	ck_assert_int_eq(evs[0].id, 1);
	ck_assert_int_eq(evs[1].id, 2);
	/* since: none in the future. */
	nevs = 0;
	ck_assert_int_eq(cp_ledger_events(l, (int64_t)t0 + 3600, collect, NULL), CP_OK);
	ck_assert_uint_eq(nevs, 0);
	const char *bad_kinds[] = {"",    "Decision", "two words",
	                           "x-y", NULL,       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
	for (size_t i = 0; i < sizeof(bad_kinds) / sizeof(bad_kinds[0]); i++)
		ck_assert_int_eq(cp_ledger_event_add(l, bad_kinds[i], NULL, NULL, NULL, NULL, NULL),
		                 CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_event_add(l, "x", NULL, NULL, NULL, NULL, "\xff"), CP_ERR_UTF8);
	ck_assert_int_eq(cp_ledger_events(l, 0, NULL, NULL), CP_ERR_INVAL);
}
END_TEST

static int stop_at_two(const cp_event *e, void *ctx)
{
	(*(int *)ctx)++;
	return cp_event_id(e) == 2;
}

START_TEST(test_events_stop)
{
	cp_ledger *l = open_new();
	seed(l);
	int calls = 0;
	ck_assert_int_eq(cp_ledger_events(l, 0, stop_at_two, &calls), CP_OK);
	ck_assert_int_eq(calls, 2);
}
END_TEST

/* Every mutation writes its event, in order, with its fields. */
START_TEST(test_events_for_each_mutation)
{
	cp_ledger *l = open_new();
	seed(l);
	ck_assert_int_eq(cp_ledger_owner_add(l, "zhangwei", NULL, "E2", "ldap"), CP_OK);
	ck_assert_int_eq(cp_ledger_set_locked(l, "zhangwei", NULL, true, "r", "a", "t"), CP_OK);
	ck_assert_int_eq(cp_ledger_set_locked(l, "zhangwei", NULL, false, NULL, "a", "t"), CP_OK);
	ck_assert_int_eq(cp_ledger_set_must_change(l, "zhangwei", NULL, "r", "a", "t"), CP_OK);
	ck_assert_int_eq(cp_ledger_record_change(l, "zhangwei", "h", "Kx9#mQ2!vB", 100, "passwd"),
	                 CP_OK);
	ck_assert_int_eq(cp_ledger_custodian_revoke(l, "backup", "db-*", "E2", "a", "t"), CP_OK);
	ck_assert_int_eq(cp_ledger_person_depart(l, "E1", 200, "hr", "t"), CP_OK);
	const char *kinds[] = {"person_add",  "person_add", "account_add", "account_add",
	                       "grant",       "owner_add",  "lock",        "unlock",
	                       "must_change", "change",     "revoke",      "depart"};
	size_t n = sizeof(kinds) / sizeof(kinds[0]);
	ck_assert_uint_eq(load_events(l), n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(evs[i].kind, kinds[i]);
		ck_assert_int_eq(evs[i].id, (long long)i + 1);
	}
	assert_event(&evs[9], "change", "zhangwei", "", "passwd", "");
	ck_assert_str_eq(evs[9].detail, "must_change cleared");
	assert_verifies(l, n);
}
END_TEST

/* R22: no password in the event log, nor anywhere else in the files. */
static bool file_contains(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return false;
	size_t n = strlen(needle), len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	size_t r;
	while ((r = fread(buf + len, 1, cap - len, f)) > 0) {
		len += r;
		if (len == cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	bool found = memmem(buf, len, needle, n) != NULL;
	free(buf);
	return found;
}

START_TEST(test_no_secret_in_file)
{
	const char *pw = "Qv7#unique-Secret-88";
	cp_ledger *l = open_new();
	seed(l);
	ck_assert_int_eq(cp_ledger_record_change(l, "zhangwei", NULL, pw, 1000, "passwd"), CP_OK);
	for (size_t i = 0; i < load_events(l); i++) {
		ck_assert_ptr_null(strstr(evs[i].detail, "Secret"));
		ck_assert_ptr_null(strstr(evs[i].actor, "Secret"));
	}
	const char *files[] = {"l.db", "l.db-wal", "l.db-shm"};
	for (size_t i = 0; i < 3; i++)
		ck_assert_msg(!file_contains(tmp_path(files[i]), pw), "password in %s", files[i]);
	cp_ledger_close(l);
	led = NULL;
	ck_assert(!file_contains(tmp_path("l.db"), pw));
	ck_assert(!file_contains(tmp_path("l.db"), "unique-Secret"));
}
END_TEST

/* ------------------------------------------------------------ tampering */

/* A ledger with 8 events, closed; the attacker's SQL, then verify: the
 * first bad id, after `good` events that verified. */
static void tamper(const char *sql, int64_t expected_bad, uint64_t good)
{
	const char *p = tmp_path("l.db");
	cp_ledger *l = open_new();
	seed(l);
	ck_assert_int_eq(cp_ledger_event_add(l, "decision", "a", "", "pam", "", "1"), CP_OK);
	ck_assert_int_eq(cp_ledger_event_add(l, "decision", "b", "", "pam", "", "2"), CP_OK);
	ck_assert_int_eq(cp_ledger_event_add(l, "decision", "c", "", "pam", "", "3"), CP_OK);
	assert_verifies(l, 8);
	cp_ledger_close(l);
	led = NULL;
	/* An attacker with write access drops the guard first. */
	raw_exec(p, "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete");
	raw_exec(p, sql);
	led = open_path(p, CP_LEDGER_READONLY);
	uint64_t n = 99;
	int64_t bad = 0;
	ck_assert_int_eq(cp_ledger_events_verify(led, &n, &bad), CP_ERR_TAMPERED);
	ck_assert_int_eq(bad, expected_bad);
	ck_assert_uint_eq(n, good);
}

START_TEST(test_tamper_edit)
{
	tamper("UPDATE events SET detail = 'refused' WHERE id = 3", 3, 2);
}
END_TEST

START_TEST(test_tamper_edit_time)
{
	tamper("UPDATE events SET time = time - 86400 WHERE id = 7", 7, 6);
}
END_TEST

START_TEST(test_tamper_delete)
{
	tamper("DELETE FROM events WHERE id = 4", 5, 3);
}
END_TEST

START_TEST(test_tamper_delete_first)
{
	tamper("DELETE FROM events WHERE id = 1", 2, 0);
}
END_TEST

START_TEST(test_tamper_insert)
{
	tamper("INSERT INTO events SELECT 9, time, 'grant', 'root', 'E9', 'x', '', '',"
	       " hash, hash FROM events WHERE id = 8",
	       9, 8);
}
END_TEST

/* Renumbering to hide a deletion breaks the link to the previous hash. */
START_TEST(test_tamper_renumber)
{
	tamper("DELETE FROM events WHERE id = 4; UPDATE events SET id = id - 1 WHERE id > 4", 4, 3);
}
END_TEST

START_TEST(test_triggers_guard_events)
{
	const char *p = tmp_path("l.db");
	seed(open_new());
	sqlite3 *db = NULL;
	ck_assert_int_eq(sqlite3_open(p, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "UPDATE events SET actor = 'x'", NULL, NULL, NULL),
	                 SQLITE_CONSTRAINT);
	ck_assert_str_eq(sqlite3_errmsg(db), "the event log is append-only");
	ck_assert_int_eq(sqlite3_exec(db, "DELETE FROM events WHERE id = 5", NULL, NULL, NULL),
	                 SQLITE_CONSTRAINT);
	sqlite3_close(db);
	assert_verifies(led, 5);
}
END_TEST

/* ------------------------------------------------------------ sessions (R12) */

/* A pid no process has: the highest free one (a forked child that exits
 * would do too, but under valgrind it reports the heap it inherited). */
static pid_t dead_pid(void)
{
	long max = 32768;
	FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
	if (f != NULL) {
		if (fscanf(f, "%ld", &max) != 1)
			max = 32768;
		fclose(f);
	}
	for (pid_t p = (pid_t)max - 1; p > 1; p--)
		if (kill(p, 0) != 0 && errno == ESRCH)
			return p;
	ck_abort_msg("no free pid");
	return 0;
}

static unsigned others(cp_ledger *l, const char *host, const char *rhost)
{
	unsigned n = 99;
	ck_assert_int_eq(cp_ledger_session_count_others(l, "zhangwei", host, rhost, &n), CP_OK);
	return n;
}

START_TEST(test_sessions_r12)
{
	cp_ledger *l = open_new();
	seed(l);
	int64_t me = (int64_t)getpid(), parent = (int64_t)getppid();
	ck_assert_int_eq(
	    cp_ledger_session_open(l, "zhangwei", "h1", "sshd", "pts/1", "10.0.0.1", me, 1000),
	    CP_OK);
	const struct ev *e = last_event(l);
	assert_event(e, "session_open", "zhangwei", "", "zhangwei", "");
	char detail[128];
	snprintf(detail, sizeof(detail), "service=sshd tty=pts/1 rhost=10.0.0.1 pid=%lld",
	         (long long)me);
	ck_assert_str_eq(e->detail, detail);
	ck_assert_uint_eq(others(l, "h1", "10.0.0.2"), 1);
	ck_assert_uint_eq(others(l, "h1", "10.0.0.1"), 0); /* the same place */
	ck_assert_uint_eq(others(l, "h2", "10.0.0.2"), 0); /* another host */
	/* Two live sessions from one address count once; local ones never. */
	ck_assert_int_eq(
	    cp_ledger_session_open(l, "zhangwei", "h1", "sshd", "", "10.0.0.1", parent, 1001),
	    CP_OK);
	ck_assert_int_eq(cp_ledger_session_open(l, "zhangwei", "h1", "login", "tty1", "", 1, 1002),
	                 CP_OK);
	ck_assert_uint_eq(others(l, "h1", "10.0.0.3"), 1);
	/* A session whose process is gone does not count, and is forgotten. */
	ck_assert_int_eq(cp_ledger_session_open(l, "zhangwei", "h1", "sshd", "", "10.9.9.9",
	                                        (int64_t)dead_pid(), 1003),
	                 CP_OK);
	ck_assert_int_eq(raw_count(tmp_path("l.db"), "SELECT count(*) FROM sessions"), 4);
	ck_assert_uint_eq(others(l, "h1", "10.0.0.3"), 1);
	ck_assert_int_eq(raw_count(tmp_path("l.db"), "SELECT count(*) FROM sessions"), 3);
	/* Closing: twice is fine; the event is written each time. */
	ck_assert_int_eq(cp_ledger_session_close(l, "zhangwei", "h1", me, 2000), CP_OK);
	e = last_event(l);
	assert_event(e, "session_close", "zhangwei", "", "zhangwei", "");
	snprintf(detail, sizeof(detail), "pid=%lld closed_at=2000", (long long)me);
	ck_assert_str_eq(e->detail, detail);
	ck_assert_int_eq(cp_ledger_session_close(l, "zhangwei", "h1", me, 2001), CP_OK);
	ck_assert_uint_eq(others(l, "h1", "10.0.0.2"), 1); /* parent's, from 10.0.0.1 */
	assert_verifies(l, (uint64_t)load_events(l));
}
END_TEST

/* R12: a session of this host remembers which process its pid was, so a
 * pid reused after a crash or a reboot does not keep it live. */
START_TEST(test_sessions_pid_reuse)
{
	cp_ledger *l = open_new();
	seed(l);
	ck_assert_int_eq(cp_ledger_session_open(l, "zhangwei", NULL, "sshd", "", "10.0.0.1",
	                                        (int64_t)getpid(), 1000),
	                 CP_OK);
	const char *db = tmp_path("l.db");
	ck_assert_int_eq(raw_count(db, "SELECT count(*) FROM sessions WHERE proc_id GLOB '?*:[0-9]*'"),
	                 1);
	ck_assert_uint_eq(others(l, NULL, "10.0.0.2"), 1); /* the same process: live */
	/* The pid now names another process (another boot, or a later start). */
	raw_exec(db, "UPDATE sessions SET proc_id = 'another-boot:12345'");
	ck_assert_uint_eq(others(l, NULL, "10.0.0.2"), 0);
	ck_assert_int_eq(raw_count(db, "SELECT count(*) FROM sessions"), 0); /* pruned */
	/* A session recorded without an identity (before schema 3) falls back
	 * to the pid alone. */
	ck_assert_int_eq(cp_ledger_session_open(l, "zhangwei", NULL, "sshd", "", "10.0.0.1",
	                                        (int64_t)getpid(), 1001),
	                 CP_OK);
	raw_exec(db, "UPDATE sessions SET proc_id = ''");
	ck_assert_uint_eq(others(l, NULL, "10.0.0.2"), 1);
}
END_TEST

START_TEST(test_sessions_errors)
{
	cp_ledger *l = open_new();
	seed(l);
	unsigned n = 9;
	ck_assert_int_eq(cp_ledger_session_open(l, "nosuch", "h", "sshd", "", "", 5, 1),
	                 CP_ERR_NOTFOUND);
	ck_assert_int_eq(cp_ledger_session_close(l, "nosuch", "h", 5, 1), CP_ERR_NOTFOUND);
	ck_assert_int_eq(cp_ledger_session_count_others(l, "nosuch", "h", "", &n), CP_ERR_NOTFOUND);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(cp_ledger_session_open(l, "zhangwei", "h", "sshd", "", "", 0, 1),
	                 CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_session_open(l, "zhangwei", "h", "sshd", "\x1b", "", 5, 1),
	                 CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_session_count_others(l, "zhangwei", "h", "", NULL),
	                 CP_ERR_INVAL);
	/* A read-only handle counts but does not prune. */
	ck_assert_int_eq(cp_ledger_session_open(l, "zhangwei", "h", "sshd", "", "10.0.0.9",
	                                        (int64_t)dead_pid(), 1),
	                 CP_OK);
	cp_ledger *ro = open_path(tmp_path("l.db"), CP_LEDGER_READONLY);
	ck_assert_int_eq(cp_ledger_session_count_others(ro, "zhangwei", "h", "", &n), CP_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(cp_ledger_session_open(ro, "zhangwei", "h", "sshd", "", "", 5, 1),
	                 CP_ERR_INVAL);
	cp_ledger_close(ro);
	ck_assert_int_eq(raw_count(tmp_path("l.db"), "SELECT count(*) FROM sessions"), 1);
}
END_TEST

/* ------------------------------------------------------------ history (R6) */

/* The host's preferred crypt method, from the libxcrypt the library uses. */
static const char *preferred_prefix(void)
{
	const char *(*fn)(void) =
	    (const char *(*)(void))dlsym(RTLD_DEFAULT, "crypt_preferred_method");
	const char *p = fn != NULL ? fn() : NULL;
	return p != NULL ? p : "$y$"; /* Debian 12's yescrypt */
}

START_TEST(test_history_r6)
{
	cp_ledger *l = open_new();
	seed(l); /* admin-workstation: history 5 */
	const char *pw[] = {"p1-Aa#111", "p2-Bb#222", "p3-Cc#333", "p4-Dd#444",
	                    "p5-Ee#555", "p6-Ff#666", "p7-Gg#777"};
	for (int i = 0; i < 7; i++)
		ck_assert_int_eq(
		    cp_ledger_record_change(l, "zhangwei", NULL, pw[i], 1000 + i, "pw"), CP_OK);
	bool found = true;
	for (int i = 0; i < 7; i++) {
		ck_assert_int_eq(cp_ledger_history_contains(l, "zhangwei", NULL, pw[i], &found),
		                 CP_OK);
		ck_assert_msg(found == (i >= 2), "p%d: found %d", i + 1, found);
	}
	ck_assert_int_eq(cp_ledger_history_contains(l, "zhangwei", NULL, "p7-Gg#77", &found),
	                 CP_OK);
	ck_assert(!found);
	const char *p = tmp_path("l.db");
	ck_assert_int_eq(raw_count(p, "SELECT count(*) FROM history"), 5);
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM history WHERE substr(hash, 1, %zu) = '%s'",
	         strlen(preferred_prefix()), preferred_prefix());
	ck_assert_int_eq(raw_count(p, sql), 5);
	cp_account *a = get(l, "zhangwei", NULL);
	ck_assert_int_eq(cp_account_last_change(a), 1006);
	cp_account_free(a);
}
END_TEST

START_TEST(test_history_none_kept)
{
	const char *text = "[class nohist]\nhistory = 0\n";
	cp_config *c = NULL;
	ck_assert_int_eq(cp_config_load_buffer(text, strlen(text), "t.conf", &c, NULL), CP_OK);
	cp_config_free(cfg);
	cfg = c;
	cp_ledger *l = open_new();
	put_person(l, "E1", "a");
	put_personal(l, "u", NULL, "nohist", "E1");
	ck_assert_int_eq(cp_ledger_record_change(l, "u", NULL, "Aa#12345z", 5, "pw"), CP_OK);
	bool found = true;
	ck_assert_int_eq(cp_ledger_history_contains(l, "u", NULL, "Aa#12345z", &found), CP_OK);
	ck_assert(!found);
	ck_assert_int_eq(raw_count(tmp_path("l.db"), "SELECT count(*) FROM history"), 0);
}
END_TEST

START_TEST(test_history_errors)
{
	cp_ledger *l = open_new();
	seed(l);
	bool found = true;
	ck_assert_int_eq(cp_ledger_record_change(l, "nosuch", NULL, "Aa#12345z", 1, "pw"),
	                 CP_ERR_NOTFOUND);
	ck_assert_int_eq(cp_ledger_history_contains(l, "nosuch", NULL, "x", &found),
	                 CP_ERR_NOTFOUND);
	ck_assert(!found);
	char longpw[CP_MAX_PASSWORD_BYTES + 2];
	memset(longpw, 'a', sizeof(longpw) - 1);
	longpw[sizeof(longpw) - 1] = '\0';
	ck_assert_int_eq(cp_ledger_record_change(l, "zhangwei", NULL, longpw, 1, "pw"),
	                 CP_ERR_TOOLONG);
	ck_assert_int_eq(cp_ledger_record_change(l, "zhangwei", NULL, "a\xff", 1, "pw"),
	                 CP_ERR_UTF8);
	ck_assert_int_eq(cp_ledger_record_change(l, "zhangwei", NULL, NULL, 1, "pw"), CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_history_contains(l, "zhangwei", NULL, "x", NULL), CP_ERR_INVAL);
	/* Nothing kept yet: not found. */
	ck_assert_int_eq(cp_ledger_history_contains(l, "zhangwei", NULL, "x", &found), CP_OK);
	ck_assert(!found);
}
END_TEST

/* ------------------------------------------------------------ suite */

static Suite *make_suite(void)
{
	Suite *s = suite_create("ledger");
	TCase *tc = tcase_create("open");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_create_mode_0600);
	tcase_add_test(tc, test_create_directory);
	tcase_add_test(tc, test_reopen);
	tcase_add_test(tc, test_missing);
	tcase_add_test(tc, test_bad_arguments);
	tcase_add_test(tc, test_path_from_config);
	tcase_add_test(tc, test_refuse_writable_by_others);
	tcase_add_test(tc, test_refuse_not_owned_by_root);
	tcase_add_test(tc, test_refuse_open_directory);
	tcase_add_test(tc, test_refuse_foreign_directory);
	tcase_add_test(tc, test_refuse_bad_wal_shm);
	tcase_add_test(tc, test_refuse_symlink);
	tcase_add_test(tc, test_refuse_directory_as_file);
	tcase_add_test(tc, test_not_a_database);
	tcase_add_test(tc, test_other_sqlite_database);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_newer_schema);
	tcase_add_loop_test(tc, test_migrate_forward, 0, FIXTURE_COUNT);
	tcase_add_test(tc, test_schema_constraints);
	suite_add_tcase(s, tc);

	tc = tcase_create("records");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_person_tokens_r23);
	tcase_add_test(tc, test_owner_info);
	tcase_add_test(tc, test_person_update);
	tcase_add_test(tc, test_person_errors);
	tcase_add_test(tc, test_account_put_get);
	tcase_add_test(tc, test_account_update);
	tcase_add_test(tc, test_account_errors);
	tcase_add_test(tc, test_owner_add_r12);
	tcase_add_test(tc, test_custodians_r17);
	tcase_add_test(tc, test_lock_and_must_change);
	tcase_add_test(tc, test_set_last_change);
	tcase_add_test(tc, test_depart_r13);
	tcase_add_test(tc, test_list_people_and_accounts);
	tcase_add_test(tc, test_kind_names);
	tcase_add_test(tc, test_readonly_refuses_writes);
	suite_add_tcase(s, tc);

	tc = tcase_create("transactions");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_transaction_commit_rollback);
	tcase_add_test(tc, test_transaction_failed_call);
	tcase_add_test(tc, test_transaction_nested);
	tcase_add_test(tc, test_rollback_after_disk_full);
	tcase_add_test(tc, test_failed_call_leaves_nothing);
	tcase_add_test(tc, test_failed_call_nested);
	tcase_add_test(tc, test_busy_timeout);
	tcase_add_test(tc, test_close_discards_open_transaction);
	suite_add_tcase(s, tc);

	tc = tcase_create("events");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_event_add);
	tcase_add_test(tc, test_events_stop);
	tcase_add_test(tc, test_events_for_each_mutation);
	tcase_add_test(tc, test_no_secret_in_file);
	tcase_add_test(tc, test_tamper_edit);
	tcase_add_test(tc, test_tamper_edit_time);
	tcase_add_test(tc, test_tamper_delete);
	tcase_add_test(tc, test_tamper_delete_first);
	tcase_add_test(tc, test_tamper_insert);
	tcase_add_test(tc, test_tamper_renumber);
	tcase_add_test(tc, test_triggers_guard_events);
	suite_add_tcase(s, tc);

	tc = tcase_create("sessions");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sessions_r12);
	tcase_add_test(tc, test_sessions_errors);
	tcase_add_test(tc, test_sessions_pid_reuse);
	suite_add_tcase(s, tc);

	tc = tcase_create("history");
	tcase_add_checked_fixture(tc, setup, teardown);
	/* Each yescrypt costs ~15 ms natively, far more under valgrind. */
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_history_r6);
	tcase_add_test(tc, test_history_none_kept);
	tcase_add_test(tc, test_history_errors);
	suite_add_tcase(s, tc);
	return s;
}

CP_TEST_MAIN(make_suite)
