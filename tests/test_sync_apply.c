/* test_sync_apply.c - what a batch read from the directory does to the
 * ledger (issue 5), without a directory: entries made by hand go through
 * the same parsing and the same one-transaction apply as a real sync.
 * Records created and left alone when unchanged (no event), renames that
 * keep identity, deletions (R13: people departed, never deleted), relinks,
 * local records untouched, the security state never relaxed on absent
 * data, group memberships (R18), refusals that cost one entry only. */
#include "config.h"

#include "ledger_internal.h"
#include "sync_internal.h"
#include "testutil.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ fixture */

static char dir[64], path[128];
static cp_config *cfg;
static cp_ledger *l;
static cp_sync *s;
static char logbuf[8192];

static void on_log(int level, const char *msg, void *ctx)
{
	(void)level;
	(void)ctx;
	size_t n = strlen(logbuf);
	snprintf(logbuf + n, sizeof(logbuf) - n, "%s\n", msg);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "%s/cp-sync-apply.XXXXXX", "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ledger.db", dir);
	cfg = cp_config_new_default();
	ck_assert_int_eq(cp_ledger_open(cfg, path, CP_LEDGER_CREATE, &l, NULL), CP_OK);
	ck_assert_int_eq(cp_sync_new(l, &s), CP_OK);
	cp_sync_set_log(s, on_log, NULL);
	logbuf[0] = '\0';
}

static void teardown(void)
{
	cp_sync_free(s);
	cp_ledger_close(l);
	cp_config_free(cfg);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* ------------------------------------------------------------ entries */

struct fake {
	struct sync_entry e;
	struct sync_attr attrs[16];
	struct berval vals[16][8];
	char dn[256];
};

/* Attribute NAME, its values, NULL; ...; a final NULL. */
static void fake_v(struct fake *f, const char *dn, va_list ap)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->dn, sizeof(f->dn), "%s", dn);
	f->e.dn = f->dn;
	f->e.dnlen = strlen(dn);
	f->e.attrs = f->attrs;
	for (const char *name = va_arg(ap, const char *); name != NULL;
	     name = va_arg(ap, const char *)) {
		struct sync_attr *a = &f->attrs[f->e.nattrs++];
		a->name.bv_val = (char *)name;
		a->name.bv_len = strlen(name);
		a->vals = f->vals[f->e.nattrs - 1];
		for (const char *v = va_arg(ap, const char *); v != NULL;
		     v = va_arg(ap, const char *)) {
			a->vals[a->nvals].bv_val = (char *)v;
			a->vals[a->nvals++].bv_len = strlen(v);
		}
	}
}

static char uuid_buf[256][37];

static const char *uuid(int n)
{
	snprintf(uuid_buf[n], 37, "00000000-0000-4000-8000-%012d", n);
	return uuid_buf[n];
}

/* Entry n (its entryUUID uuid(n); none for 0) in f, in place: f points
 * into itself. */
static void fake_entry(struct fake *f, int n, const char *dn, va_list ap)
{
	fake_v(f, dn, ap);
	if (n == 0)
		return;
	struct sync_attr *a = &f->attrs[f->e.nattrs++];
	a->name.bv_val = (char *)"entryUUID";
	a->name.bv_len = 9;
	a->vals = f->vals[f->e.nattrs - 1];
	a->vals[0].bv_val = (char *)uuid(n);
	a->vals[0].bv_len = 36;
	a->nvals = 1;
}

/* A fake directory for sync_stream (what --full runs): the entries of
 * each kind in order, handed over on the reader thread. */
#define FEED_MAX 8
static struct fake feed[SK_COUNT][FEED_MAX];
static size_t nfeed[SK_COUNT];
static int feed_fails = -1;      /* this kind's read fails after its entries */
static size_t feed_flood;        /* times the last group entry is sent again */
static size_t fed;               /* entries handed over */
static bool feed_stopped;        /* take refused one: the writer had failed */
static bool feeding;             /* P, A and G add to the feed, not to b */
static bool feed_stall;          /* before the accounts: a directory that stalls */
static bool stall_released;      /* ... and the writer let the ledger go meanwhile */
static bool feed_cookies;        /* each kind's read ends with a cookie to keep */
static int feed_unstreamed = -1; /* this kind's read meets what a stream cannot take */
static bool feed_sync_state;     /* entries named by a Sync State control's UUID */

static void feed_reset(void)
{
	memset(nfeed, 0, sizeof(nfeed));
	feed_fails = -1;
	feed_flood = 0;
	fed = 0;
	feed_stopped = false;
	feeding = true;
	feed_stall = false;
	stall_released = false;
	feed_cookies = false;
	feed_unstreamed = -1;
	feed_sync_state = false;
}

/* Entry n into b, or into the feed after feed_reset. */
static void add(struct sync_batch *b, enum sync_kind kind, int n, const char *dn, ...)
{
	struct fake one, *f = &one;
	if (feeding) {
		ck_assert_uint_lt(nfeed[kind], FEED_MAX);
		f = &feed[kind][nfeed[kind]++];
	}
	va_list ap;
	va_start(ap, dn);
	fake_entry(f, n, dn, ap);
	va_end(ap);
	if (!feeding)
		ck_assert_int_eq(sync_batch_entry(s, b, kind, &f->e, NULL), CP_OK);
}

#define P(n, eid, ...)                                                                             \
	add(&b, SK_PERSON, n, "employeeNumber=" eid ",ou=people,o=t", "employeeNumber", eid, NULL, \
	    ##__VA_ARGS__, NULL)
#define A(n, uid, ...)                                                                             \
	add(&b, SK_ACCOUNT, n, "uid=" uid ",ou=accounts,o=t", "uid", uid, NULL, ##__VA_ARGS__, NULL)
#define G(n, cn, ...)                                                                              \
	add(&b, SK_GROUP, n, "cn=" cn ",ou=groups,o=t", "cn", cn, NULL, ##__VA_ARGS__, NULL)
#define END NULL

static struct sync_batch b;

static void begin(bool complete)
{
	sync_batch_init(&b);
	for (int k = 0; k < SK_COUNT; k++)
		b.complete[k] = complete;
	memset(s->count, 0, sizeof(s->count));
	logbuf[0] = '\0';
}

static int apply(unsigned flags, char **msg)
{
	s->flags = flags;
	int rc = sync_batch_apply(s, &b, msg);
	sync_batch_free(&b);
	return rc;
}

static void apply_ok(void)
{
	char *msg = NULL;
	int rc = apply(0, &msg);
	ck_assert_msg(rc == CP_OK, "apply: %d %s; log: %s", rc, msg != NULL ? msg : "", logbuf);
	free(msg);
}

static int count_events(const cp_event *ev, void *ctx)
{
	(void)ev;
	++*(int *)ctx;
	return 0;
}

static int events(void)
{
	int n = 0;
	ck_assert_int_eq(cp_ledger_events(l, 0, count_events, &n), CP_OK);
	return n;
}

/* The detail of the newest event of kind for account ("" if none). */
static const char *event_detail(const char *kind, const char *account)
{
	static char buf[512];
	sqlite3_stmt *st = NULL;
	ck_assert_int_eq(
	    sqlite3_prepare_v2(l->db,
	                       "SELECT detail FROM events WHERE kind = ? AND account = ?"
	                       " ORDER BY id DESC LIMIT 1",
	                       -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
	buf[0] = '\0';
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(buf, sizeof(buf), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

/* Whether the event log has an event of kind. */
static bool event_seen(const char *kind)
{
	sqlite3_stmt *st = NULL;
	ck_assert_int_eq(
	    sqlite3_prepare_v2(l->db, "SELECT count(*) FROM events WHERE kind = ?", -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	bool seen = sqlite3_column_int(st, 0) > 0;
	sqlite3_finalize(st);
	return seen;
}

static cp_account *account_of(const char *name)
{
	cp_account *a = NULL;
	ck_assert_msg(cp_ledger_account_get(l, name, "host1", &a) == CP_OK, "no account %s", name);
	return a;
}

static bool acct_exists(const char *name)
{
	cp_account *a = NULL;
	int rc = cp_ledger_account_get(l, name, "host1", &a);
	cp_account_free(a);
	return rc == CP_OK;
}

static cp_state state_of(const char *name)
{
	cp_status *st = NULL;
	ck_assert_int_eq(cp_ledger_status(l, name, "host1", (int64_t)time(NULL), &st), CP_OK);
	cp_state v = cp_status_state(st);
	cp_status_free(st);
	return v;
}

static char *gt(int64_t t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	strftime(buf, 32, "%Y%m%d%H%M%SZ", gmtime_r(&tt, &tm));
	return buf;
}

/* The directory as tests start from: two people, two accounts, a group. */
static void base_batch(void)
{
	P(1, "E1", "cn", "张伟", END);
	P(2, "E2", "cn", "李娜", END);
	A(11, "zhangw", "credpolicyClass", "admin-workstation", END, "credpolicyOwner", "E1", END,
	  "pwdChangedTime", "20261001083000Z", END);
	A(12, "root", "credpolicyKind", "service", END, "credpolicyCustodian", "E1", "E2", END);
	G(21, "sudo", "member", "employeeNumber=E1,ou=people,o=t", END);
}

/* ------------------------------------------------------------ creating, unchanged */

START_TEST(test_create_then_unchanged)
{
	begin(true);
	base_batch();
	apply_ok();
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_ADDED), 5);
	cp_account *a = account_of("zhangw");
	ck_assert_str_eq(cp_account_class(a), "admin-workstation");
	ck_assert_uint_eq(cp_account_owner_count(a), 1);
	ck_assert_str_eq(cp_account_owner(a, 0), "E1");
	ck_assert_int_eq(cp_account_last_change(a), 1790843400);
	cp_account_free(a);
	/* One event for a new account, its last change included. */
	ck_assert_str_eq(
	    event_detail("account_add", "zhangw"),
	    "class=admin-workstation kind=personal otp=no owner=E1 last_change=1790843400");
	ck_assert(!event_seen("last_change"));
	a = account_of("root");
	ck_assert_int_eq(cp_account_kind_of(a), CP_ACCOUNT_SERVICE);
	ck_assert_uint_eq(cp_account_custodian_count(a), 2);
	cp_account_free(a);
	int n = events();
	/* The same directory again: nothing written, not even an event. */
	begin(true);
	base_batch();
	apply_ok();
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_UNCHANGED), 5);
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_CHANGED), 0);
	ck_assert_int_eq(events(), n);
	uint64_t checked = 0;
	int64_t bad = 0;
	ck_assert_int_eq(cp_ledger_events_verify(l, &checked, &bad), CP_OK);
}
END_TEST

/* What an administrator changes in the directory reaches the ledger. */
START_TEST(test_class_and_owner_change)
{
	begin(true);
	base_batch();
	apply_ok();
	begin(false);
	A(11, "zhangw", "credpolicyClass", "important-host", END, "credpolicyOwner", "E2", END,
	  "pwdChangedTime", "20261001083000Z", END);
	apply_ok();
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_CHANGED), 1);
	cp_account *a = account_of("zhangw");
	ck_assert_str_eq(cp_account_class(a), "important-host");
	ck_assert_str_eq(cp_account_owner(a, 0), "E2");
	cp_account_free(a);
	/* R12: a second claim is visible as a second owner: shared. */
	begin(false);
	A(11, "zhangw", "credpolicyClass", "important-host", END, "credpolicyOwner", "E2", "E1",
	  END, "pwdChangedTime", "20261001083000Z", END);
	apply_ok();
	ck_assert_int_eq(state_of("zhangw"), CP_STATE_SHARED);
}
END_TEST

/* ------------------------------------------------------------ security state */

START_TEST(test_must_change)
{
	char t1[32], t2[32];
	int64_t now = (int64_t)time(NULL);
	begin(true);
	base_batch();
	apply_ok();
	begin(false);
	A(12, "root", "credpolicyKind", "service", END, "credpolicyCustodian", "E1", "E2", END,
	  "credpolicyMustChange", "custodian left", END, "modifyTimestamp", gt(now - 60, t1), END);
	apply_ok();
	cp_account *a = account_of("root");
	ck_assert_str_eq(cp_account_must_change(a), "custodian left");
	cp_account_free(a);
	/* The directory drops the flag but shows no newer password change:
	 * the flag stays (never relax on the absence of data). */
	begin(false);
	A(12, "root", "credpolicyKind", "service", END, "credpolicyCustodian", "E1", "E2", END);
	apply_ok();
	a = account_of("root");
	ck_assert_ptr_nonnull(cp_account_must_change(a));
	cp_account_free(a);
	/* A password change newer than the flag clears it. */
	begin(false);
	A(12, "root", "credpolicyKind", "service", END, "credpolicyCustodian", "E1", "E2", END,
	  "pwdChangedTime", gt(now + 120, t2), END);
	apply_ok();
	a = account_of("root");
	ck_assert_ptr_null(cp_account_must_change(a));
	ck_assert_int_eq(cp_account_last_change(a), now + 120);
	cp_account_free(a);
	ck_assert(event_seen("must_change_clear"));
}
END_TEST

/* A flag set on this host (a helpdesk reset), then the entry renamed in
 * the directory with its old password change: the flag's event is under
 * the old name, and the stale change must not clear it. */
START_TEST(test_must_change_survives_rename)
{
	begin(true);
	base_batch();
	apply_ok();
	ck_assert_int_eq(
	    cp_ledger_set_must_change(l, "zhangw", NULL, "helpdesk reset", "helpdesk", NULL),
	    CP_OK);
	begin(false);
	A(11, "zhangwei", "credpolicyClass", "admin-workstation", END, "credpolicyOwner", "E1", END,
	  "pwdChangedTime", "20261001083000Z", END);
	apply_ok();
	ck_assert(!acct_exists("zhangw"));
	cp_account *a = account_of("zhangwei");
	ck_assert_ptr_nonnull(cp_account_must_change(a));
	ck_assert_str_eq(cp_account_must_change(a), "helpdesk reset");
	cp_account_free(a);
	ck_assert(!event_seen("must_change_clear"));
	/* A password change newer than the flag still clears it. */
	char t[32];
	begin(false);
	A(11, "zhangwei", "credpolicyClass", "admin-workstation", END, "credpolicyOwner", "E1", END,
	  "pwdChangedTime", gt((int64_t)time(NULL) + 120, t), END);
	apply_ok();
	a = account_of("zhangwei");
	ck_assert_ptr_null(cp_account_must_change(a));
	cp_account_free(a);
}
END_TEST

START_TEST(test_reset_flag)
{
	char t[32];
	int64_t now = (int64_t)time(NULL);
	begin(true);
	base_batch();
	A(13, "temp01", "pwdReset", "TRUE", END, "modifyTimestamp", gt(now - 3600, t), END);
	apply_ok();
	cp_account *a = account_of("temp01");
	ck_assert_str_eq(cp_account_must_change(a), "directory: pwdReset");
	cp_account_free(a);
	/* The user changes the password on this host (PAM records it): the
	 * directory's older demand is met and is not set again. */
	ck_assert_int_eq(cp_ledger_set_last_change(l, "temp01", NULL, now, "pam"), CP_OK);
	ck_assert_int_eq(cp_ledger_set_must_change(l, "temp01", NULL, NULL, "pam", NULL), CP_OK);
	begin(false);
	A(13, "temp01", "pwdReset", "TRUE", END, "modifyTimestamp", gt(now - 3600, t), END);
	apply_ok();
	a = account_of("temp01");
	ck_assert_ptr_null(cp_account_must_change(a));
	cp_account_free(a);
}
END_TEST

START_TEST(test_lock)
{
	begin(true);
	base_batch();
	A(14, "wangf", "pwdAccountLockedTime", "20260131000000Z", END);
	A(15, "breakglass", "pwdAccountLockedTime", "000001010000Z", END);
	apply_ok();
	ck_assert_int_eq(state_of("wangf"), CP_STATE_LOCKED);
	ck_assert_int_eq(state_of("breakglass"), CP_STATE_LOCKED);
	/* A lock made here by an administrator is not the sync's to lift. */
	ck_assert_int_eq(cp_ledger_set_locked(l, "zhangw", NULL, true, "INC-7", "root", NULL),
	                 CP_OK);
	begin(false);
	A(14, "wangf", END);
	A(11, "zhangw", "credpolicyClass", "admin-workstation", END, "credpolicyOwner", "E1", END,
	  "pwdChangedTime", "20261001083000Z", END);
	apply_ok();
	cp_account *a = account_of("wangf");
	ck_assert(!cp_account_locked(a));
	cp_account_free(a);
	a = account_of("zhangw");
	ck_assert(cp_account_locked(a));
	cp_account_free(a);
}
END_TEST

START_TEST(test_last_change_forward_only)
{
	char t[32];
	int64_t now = (int64_t)time(NULL);
	begin(true);
	base_batch();
	apply_ok();
	ck_assert_int_eq(cp_ledger_set_last_change(l, "zhangw", NULL, now, "pam"), CP_OK);
	begin(false);
	A(11, "zhangw", "credpolicyClass", "admin-workstation", END, "credpolicyOwner", "E1", END,
	  "pwdChangedTime", "20261001083000Z", END);
	apply_ok();
	cp_account *a = account_of("zhangw");
	ck_assert_int_eq(cp_account_last_change(a), now);
	cp_account_free(a);
	/* A date ahead (it would postpone the expiry): the entry is refused. */
	int n = events();
	begin(false);
	A(11, "zhangw", "credpolicyClass", "important-host", END, "credpolicyOwner", "E1", END,
	  "pwdChangedTime", gt(now + 3 * 86400, t), END);
	apply_ok();
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_ERRORS), 1);
	ck_assert_ptr_nonnull(
	    strstr(logbuf, "uid=zhangw,ou=accounts,o=t: the last password change"));
	ck_assert_int_eq(events(), n);
	a = account_of("zhangw");
	ck_assert_str_eq(cp_account_class(a), "admin-workstation");
	cp_account_free(a);
}
END_TEST

/* ------------------------------------------------------------ identity */

START_TEST(test_rename_keeps_identity)
{
	begin(true);
	base_batch();
	apply_ok();
	begin(false);
	A(12, "toor", "credpolicyKind", "service", END, "credpolicyCustodian", "E1", "E2", END);
	apply_ok();
	ck_assert(!acct_exists("root"));
	cp_account *a = account_of("toor");
	ck_assert_uint_eq(cp_account_custodian_count(a), 2);
	cp_account_free(a);
	ck_assert(event_seen("rename"));
	ck_assert(!event_seen("remove"));
	/* The employee id of a person entry changes: the same person. */
	begin(false);
	P(1, "E1-new", "cn", "张伟", END);
	apply_ok();
	a = account_of("zhangw");
	ck_assert_str_eq(cp_account_owner(a, 0), "E1-new");
	cp_account_free(a);
}
END_TEST

static int count_people(const char *eid, const char *name, int64_t departed, const cp_person *p,
                        void *ctx)
{
	(void)eid;
	(void)name;
	(void)departed;
	(void)p;
	++*(int *)ctx;
	return 0;
}

START_TEST(test_deleted_entries)
{
	begin(true);
	base_batch();
	apply_ok();
	/* A complete read without root and without E2: root is removed, E2
	 * departs (R13) and stays in the ledger. */
	begin(true);
	P(1, "E1", "cn", "张伟", END);
	A(11, "zhangw", "credpolicyClass", "admin-workstation", END, "credpolicyOwner", "E1", END,
	  "pwdChangedTime", "20261001083000Z", END);
	G(21, "sudo", "member", "employeeNumber=E1,ou=people,o=t", END);
	apply_ok();
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_REMOVED), 2);
	ck_assert(!acct_exists("root"));
	ck_assert(event_seen("remove"));
	ck_assert(event_seen("depart"));
	int people = 0;
	cp_ledger_people(l, count_people, &people);
	ck_assert_int_eq(people, 2);
	/* An incremental batch names its deletions. */
	begin(false);
	ck_assert_int_eq(strmap_put(&b.deleted[SK_ACCOUNT], uuid(11), 0), CP_OK);
	apply_ok();
	ck_assert(!acct_exists("zhangw"));
}
END_TEST

START_TEST(test_relink)
{
	begin(true);
	base_batch();
	apply_ok();
	ck_assert_int_eq(cp_ledger_custodian_grant(l, "zhangw", NULL, "E2", "root", "T-1"), CP_OK);
	/* zhangw deleted and created again in the directory: a new UUID, the
	 * same account, its custodian kept. */
	begin(true);
	P(1, "E1", "cn", "张伟", END);
	P(2, "E2", "cn", "李娜", END);
	A(31, "zhangw", "credpolicyClass", "admin-workstation", END, "credpolicyOwner", "E1", END,
	  "pwdChangedTime", "20261001083000Z", END, "credpolicyCustodian", "E2", END);
	A(12, "root", "credpolicyKind", "service", END, "credpolicyCustodian", "E1", "E2", END);
	G(21, "sudo", "member", "employeeNumber=E1,ou=people,o=t", END);
	apply_ok();
	ck_assert(!event_seen("remove"));
	cp_account *a = account_of("zhangw");
	ck_assert_uint_eq(cp_account_custodian_count(a), 1);
	cp_account_free(a);
	struct dir_row row;
	ck_assert_int_eq(dir_get(l, SK_ACCOUNT, uuid(31), &row), CP_OK);
	dir_row_clear(&row);
	ck_assert_int_eq(dir_get(l, SK_ACCOUNT, uuid(11), &row), CP_ERR_NOTFOUND);
}
END_TEST

START_TEST(test_local_records)
{
	ck_assert_int_eq(cp_ledger_person_put(l, "E1", "Local", NULL, "root"), CP_OK);
	ck_assert_int_eq(cp_ledger_account_put(l, "zhangw", NULL, "new-media", CP_ACCOUNT_PERSONAL,
	                                       "E1", false, "root"),
	                 CP_OK);
	begin(true);
	base_batch();
	apply_ok();
	/* Records the sync did not create are not its to change. */
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_ERRORS), 2);
	ck_assert_ptr_nonnull(strstr(logbuf, "local record E1"));
	ck_assert_ptr_nonnull(strstr(logbuf, "--adopt"));
	cp_account *a = account_of("zhangw");
	ck_assert_str_eq(cp_account_class(a), "new-media");
	cp_account_free(a);
	/* Unless the administrator says so. */
	begin(true);
	base_batch();
	s->flags = CP_SYNC_ADOPT;
	char *msg = NULL;
	ck_assert_int_eq(sync_batch_apply(s, &b, &msg), CP_OK);
	sync_batch_free(&b);
	a = account_of("zhangw");
	ck_assert_str_eq(cp_account_class(a), "admin-workstation");
	cp_account_free(a);
	ck_assert(event_seen("adopt"));
}
END_TEST

START_TEST(test_duplicate_key)
{
	begin(true);
	base_batch();
	A(40, "zhangw", "credpolicyClass", "new-media", END); /* a second entry, same name */
	apply_ok();
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_ERRORS), 1);
	ck_assert_ptr_nonnull(strstr(logbuf, "another directory entry already holds"));
}
END_TEST

/* ------------------------------------------------------------ refusals, safety */

START_TEST(test_refusals_cost_one_entry)
{
	begin(true);
	base_batch();
	A(41, "orphan", "credpolicyOwner", "E404", END);
	A(42, "evil*", END);
	apply_ok();
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_ERRORS), 2);
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_ADDED), 5);
	ck_assert_ptr_nonnull(
	    strstr(logbuf, "uid=orphan,ou=accounts,o=t: owner E404 is not a person"));
	ck_assert(!acct_exists("orphan"));
	/* Both are read again by the next incremental syncs. */
	char *list = NULL;
	ck_assert_int_eq(sync_state_get(l, "retry.account", &list), CP_OK);
	ck_assert_ptr_nonnull(strstr(list, uuid(41)));
	ck_assert_ptr_nonnull(strstr(list, uuid(42)));
	free(list);
	/* The owner appears: the entry applies and leaves the list. */
	begin(false);
	P(3, "E404", END);
	A(41, "orphan", "credpolicyOwner", "E404", END);
	apply_ok();
	ck_assert(acct_exists("orphan"));
	ck_assert_int_eq(sync_state_get(l, "retry.account", &list), CP_OK);
	ck_assert_ptr_null(strstr(list, uuid(41)));
	free(list);
}
END_TEST

START_TEST(test_departed_custodian_skipped)
{
	begin(true);
	base_batch();
	apply_ok();
	ck_assert_int_eq(cp_ledger_person_depart(l, "E2", 0, "hr", NULL), CP_OK);
	begin(false);
	A(12, "root", "credpolicyKind", "service", END, "credpolicyCustodian", "E1", "E2", END);
	apply_ok();
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_ERRORS), 0);
	ck_assert_ptr_nonnull(strstr(logbuf, "custodian E2 has left"));
	cp_account *a = account_of("root");
	ck_assert_uint_eq(cp_account_custodian_count(a), 1);
	ck_assert_ptr_nonnull(cp_account_must_change(a)); /* R13, by the departure */
	cp_account_free(a);
}
END_TEST

START_TEST(test_empty_read_refused)
{
	begin(true);
	base_batch();
	apply_ok();
	int n = events();
	begin(true); /* complete, and no people at all: a wrong base, not a purge */
	A(11, "zhangw", "credpolicyClass", "admin-workstation", END, "credpolicyOwner", "E1", END,
	  "pwdChangedTime", "20261001083000Z", END);
	char *msg = NULL;
	ck_assert_int_eq(apply(0, &msg), CP_ERR_INVAL);
	ck_assert_ptr_nonnull(strstr(msg, "returned no person entries"));
	free(msg);
	ck_assert_int_eq(events(), n);
	ck_assert(acct_exists("root"));
	/* Unless the administrator says the directory is right. */
	begin(true);
	A(11, "zhangw", "credpolicyClass", "admin-workstation", END, "credpolicyOwner", "E1", END,
	  "pwdChangedTime", "20261001083000Z", END);
	ck_assert_int_eq(apply(CP_SYNC_ALLOW_REMOVALS, NULL), CP_OK);
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_REMOVED), 4); /* E1, E2, root, sudo */
}
END_TEST

/* A complete read that would remove more than max_removals (10%) of the
 * people, and more than 10 of them: a search gone wrong, refused. */
static void add_people(int from, int to) /* E100+from .. E100+to-1 */
{
	for (int i = from; i < to; i++) {
		char eid[16], dn[64];
		snprintf(eid, sizeof(eid), "E%d", 100 + i);
		snprintf(dn, sizeof(dn), "employeeNumber=%s,ou=people,o=t", eid);
		add(&b, SK_PERSON, 43 + i, dn, "employeeNumber", eid, NULL, NULL);
	}
}

START_TEST(test_removal_limit)
{
	begin(true);
	base_batch();
	add_people(0, 20);
	apply_ok();
	int n = events();
	begin(true); /* the 20 are not read: 20 of 22 people */
	base_batch();
	char *msg = NULL;
	ck_assert_int_eq(apply(0, &msg), CP_ERR_INVAL);
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(strstr(msg, "did not return 20 of the 22 person entries"));
	ck_assert_ptr_nonnull(strstr(msg, "max_removals (10%)"));
	free(msg);
	ck_assert_int_eq(events(), n);
	/* Nine of them leave: up to 10 are always allowed. */
	begin(true);
	base_batch();
	add_people(9, 20);
	apply_ok();
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_REMOVED), 9);
	/* The other 11, when the administrator says so. */
	begin(true);
	base_batch();
	ck_assert_int_eq(apply(0, NULL), CP_ERR_INVAL);
	begin(true);
	base_batch();
	ck_assert_int_eq(apply(CP_SYNC_ALLOW_REMOVALS, NULL), CP_OK);
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_REMOVED), 11);
}
END_TEST

/* The limit is a share of what the ledger had before the read: people new
 * in the same read do not water it down (11 of 100 gone, 10 new). */
START_TEST(test_removal_limit_share)
{
	begin(true);
	base_batch();
	add_people(0, 98);
	apply_ok();
	begin(true);
	base_batch();
	add_people(11, 108);
	char *msg = NULL;
	ck_assert_int_eq(apply(0, &msg), CP_ERR_INVAL);
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(strstr(msg, "did not return 11 of the 100 person entries"));
	free(msg);
}
END_TEST

START_TEST(test_dry_run)
{
	int n = events();
	begin(true);
	base_batch();
	char *msg = NULL;
	ck_assert_int_eq(apply(CP_SYNC_DRY_RUN, &msg), CP_OK);
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_ADDED), 5); /* what it would do */
	ck_assert_int_eq(events(), n);
	ck_assert(!acct_exists("zhangw"));
}
END_TEST

START_TEST(test_departed_in_directory)
{
	begin(true);
	base_batch();
	P(5, "E5", "credpolicyDepartedTime", "20260131000000Z", END);
	A(16, "wangf", "credpolicyOwner", "E5", END);
	apply_ok();
	ck_assert_int_eq(state_of("wangf"), CP_STATE_DEPARTED);
}
END_TEST

/* A departure dated ahead is not one yet, and the entry is read again by
 * the next syncs until it is. */
START_TEST(test_departure_ahead)
{
	char t[32], *list = NULL;
	begin(true);
	base_batch();
	P(6, "E6", "credpolicyDepartedTime", gt((int64_t)time(NULL) + 7 * 86400, t), END);
	A(17, "leaver", "credpolicyOwner", "E6", END);
	apply_ok();
	ck_assert_int_eq(state_of("leaver"), CP_STATE_EXPIRED); /* not departed */
	ck_assert_int_eq(sync_state_get(l, "retry.person", &list), CP_OK);
	ck_assert_ptr_nonnull(strstr(list, uuid(6)));
	free(list);
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_ERRORS), 0);
}
END_TEST

/* ------------------------------------------------------------ groups (R18) */

struct members {
	char text[512];
};

static int collect(const char *eid, const char *grp, const char *scope, const char *source,
                   void *ctx)
{
	struct members *m = ctx;
	size_t n = strlen(m->text);
	snprintf(m->text + n, sizeof(m->text) - n, "%s:%s:%s:%s ", eid, grp, scope, source);
	return 0;
}

static const char *members(struct members *m)
{
	m->text[0] = '\0';
	ck_assert_int_eq(cp_ledger_memberships(l, NULL, collect, m), CP_OK);
	return m->text;
}

START_TEST(test_groups)
{
	struct members m;
	begin(true);
	base_batch();
	G(22, "dba", "credpolicyScope", "db-*", END, "member", "EMPLOYEENUMBER=E2, ou=people,o=t",
	  "uid=root,ou=accounts,o=t", END);
	apply_ok();
	ck_assert_str_eq(members(&m), "E1:sudo:*:directory E2:dba:db-*:directory ");
	ck_assert_int_eq(cp_ledger_membership_add(l, "E2", "sudo", NULL, "root", NULL), CP_OK);
	/* A member leaves a group; another group is renamed. */
	begin(false);
	G(21, "sudo", END);
	G(22, "dbadmins", "credpolicyScope", "db-*", END, "member",
	  "employeeNumber=E2,ou=people,o=t", END);
	apply_ok();
	ck_assert_str_eq(members(&m), "E2:dbadmins:db-*:directory E2:sudo:*:local ");
	/* Deleted in the directory: its memberships go, the local one stays. */
	begin(false);
	ck_assert_int_eq(strmap_put(&b.deleted[SK_GROUP], uuid(22), 0), CP_OK);
	apply_ok();
	ck_assert_str_eq(members(&m), "E2:sudo:*:local ");
	ck_assert(event_seen("membership_remove"));
}
END_TEST

/* ------------------------------------------------------------ streamed reads */

/* Whether another connection can take the ledger's write lock now. */
static int try_lock(void)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_close_v2(db); /* an open transaction is rolled back */
	return rc;
}

/* The directory stalls (on the reader thread): no entry until the writer
 * has taken the ledger's lock and then let it go again - which it must do
 * by itself, while the reader still stalls. A minute at most each. */
static bool stall_until_released(void)
{
	int i = 0;
	while (try_lock() == SQLITE_OK && i++ < 6000)
		usleep(10000);
	for (i = 0; i < 6000; i++) {
		if (try_lock() == SQLITE_OK)
			return true;
		usleep(10000);
	}
	return false;
}

static int feed_one(const struct sync_sink *to, enum sync_kind kind, const struct fake *f)
{
	struct sync_entry e = f->e;
	char state_uuid[37];
	if (feed_sync_state) {
		snprintf(state_uuid, sizeof(state_uuid), "11111111-2222-4333-8444-%012zu", fed);
		e.uuid = state_uuid;
	}
	int rc = to->take(to->ctx, kind, &e);
	fed++;
	feed_stopped = feed_stopped || rc != CP_OK;
	return rc;
}

static int feed_source(struct cp_sync *sy, enum sync_kind kind, const struct sync_sink *to,
                       char **errmsg)
{
	(void)sy;
	int rc = CP_OK;
	if (kind == SK_ACCOUNT && feed_stall)
		stall_released = stall_until_released();
	for (size_t i = 0; rc == CP_OK && i < nfeed[kind]; i++)
		rc = feed_one(to, kind, &feed[kind][i]);
	for (size_t i = 0; rc == CP_OK && kind == SK_GROUP && nfeed[kind] > 0 && i < feed_flood;
	     i++)
		rc = feed_one(to, kind, &feed[kind][nfeed[kind] - 1]);
	char key[32], val[32];
	snprintf(key, sizeof(key), "test.%s", sync_kind_names[kind]);
	snprintf(val, sizeof(val), "cookie-%s", sync_kind_names[kind]);
	if (rc == CP_OK && feed_cookies)
		rc = to->keep(to->ctx, key, val);
	if (rc == CP_OK && (int)kind == feed_unstreamed)
		rc = SYNC_UNSTREAMED;
	if (rc == CP_OK && (int)kind == feed_fails) {
		cp_set_errmsg(errmsg, "the directory at ldap://test/ stopped answering");
		rc = CP_ERR_IO;
	}
	return rc;
}

static int stream(char **msg)
{
	s->flags = 0;
	feeding = false;
	int rc = sync_stream(s, &b, feed_source, msg);
	sync_batch_free(&b);
	return rc;
}

static void stream_ok(void)
{
	char *msg = NULL;
	int rc = stream(&msg);
	ck_assert_msg(rc == CP_OK, "stream: %d %s; log: %s", rc, msg != NULL ? msg : "", logbuf);
	free(msg);
}

static void feed_base(void)
{
	feed_reset();
	base_batch();
}

/* Written while read, the ledger ends as a batch would leave it. */
START_TEST(test_streamed_as_batch)
{
	struct members m;
	begin(false);
	feed_base();
	stream_ok();
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_ADDED), 5);
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_ENTRIES), 5);
	cp_account *a = account_of("root");
	ck_assert_uint_eq(cp_account_custodian_count(a), 2);
	cp_account_free(a);
	ck_assert_str_eq(members(&m), "E1:sudo:*:directory ");
	int n = events();
	begin(false);
	stream_ok(); /* the same directory: nothing written */
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_UNCHANGED), 5);
	ck_assert_int_eq(events(), n);
	/* root gone from the directory: removed once the accounts are read. */
	begin(false);
	feed_reset();
	P(1, "E1", "cn", "张伟", END);
	P(2, "E2", "cn", "李娜", END);
	A(11, "zhangw", "credpolicyClass", "admin-workstation", END, "credpolicyOwner", "E1", END,
	  "pwdChangedTime", "20261001083000Z", END);
	G(21, "sudo", "member", "employeeNumber=E1,ou=people,o=t", END);
	stream_ok();
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_REMOVED), 1);
	ck_assert(!acct_exists("root"));
}
END_TEST

/* A new entry claims zhangw before the entry that holds it is read: it
 * must wait for the end of the accounts, and then be refused - not take
 * the record from an entry that was merely read later. */
START_TEST(test_streamed_claim_waits)
{
	begin(true);
	base_batch();
	apply_ok();
	begin(false);
	feed_base();
	s->stream_queue_max = 1; /* each record written as soon as it is read */
	nfeed[SK_ACCOUNT] = 0;
	A(31, "zhangw", "credpolicyClass", "important-host", END, "credpolicyOwner", "E1", END);
	A(11, "zhangw", "credpolicyClass", "admin-workstation", END, "credpolicyOwner", "E1", END,
	  "pwdChangedTime", "20261001083000Z", END);
	A(12, "root", "credpolicyKind", "service", END, "credpolicyCustodian", "E1", "E2", END);
	stream_ok();
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_ERRORS), 1);
	ck_assert_ptr_nonnull(strstr(logbuf, "already holds the ledger record zhangw"));
	struct dir_row row;
	ck_assert_int_eq(dir_get(l, SK_ACCOUNT, uuid(11), &row), CP_OK);
	dir_row_clear(&row);
	ck_assert_int_eq(dir_get(l, SK_ACCOUNT, uuid(31), &row), CP_ERR_NOTFOUND);
	cp_account *a = account_of("zhangw");
	ck_assert_str_eq(cp_account_class(a), "admin-workstation");
	cp_account_free(a);
	ck_assert(!event_seen("remove"));
	/* Its holder gone, the same claim relinks the record. */
	begin(false);
	feed_base();
	nfeed[SK_ACCOUNT] = 0;
	A(31, "zhangw", "credpolicyClass", "important-host", END, "credpolicyOwner", "E1", END);
	A(12, "root", "credpolicyKind", "service", END, "credpolicyCustodian", "E1", "E2", END);
	stream_ok();
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_ERRORS), 0);
	ck_assert_int_eq(dir_get(l, SK_ACCOUNT, uuid(31), &row), CP_OK);
	dir_row_clear(&row);
	ck_assert_int_eq(dir_get(l, SK_ACCOUNT, uuid(11), &row), CP_ERR_NOTFOUND);
	a = account_of("zhangw");
	ck_assert_str_eq(cp_account_class(a), "important-host");
	cp_account_free(a);
	ck_assert(!event_seen("remove"));
}
END_TEST

/* Groups after a streamed read: a member refused this time (a bad value)
 * keeps its record, and so its membership; a member deleted loses it. */
START_TEST(test_streamed_groups)
{
	struct members m;
	begin(true);
	base_batch();
	G(22, "dba", "member", "employeeNumber=E1,ou=people,o=t", "employeeNumber=E2,ou=people,o=t",
	  END);
	apply_ok();
	ck_assert_str_eq(members(&m), "E1:dba:*:directory E1:sudo:*:directory E2:dba:*:directory ");
	begin(false);
	feed_reset();
	P(1, "E1", "cn", "\x01", END); /* refused: a control character */
	A(11, "zhangw", "credpolicyClass", "admin-workstation", END, "credpolicyOwner", "E1", END,
	  "pwdChangedTime", "20261001083000Z", END);
	A(12, "root", "credpolicyKind", "service", END, "credpolicyCustodian", "E1", END);
	G(21, "sudo", "member", "employeeNumber=E1,ou=people,o=t", END);
	G(22, "dba", "member", "employeeNumber=E1,ou=people,o=t", "employeeNumber=E2,ou=people,o=t",
	  END);
	stream_ok();
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_ERRORS), 1);
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_REMOVED), 1); /* E2 departed */
	ck_assert_str_eq(members(&m), "E1:dba:*:directory E1:sudo:*:directory ");
}
END_TEST

/* A person entry read without its entryUUID (an access rule hiding it)
 * is refused, and its record stays, in groups too. */
START_TEST(test_streamed_person_without_uuid)
{
	struct members m;
	begin(true);
	base_batch();
	apply_ok();
	begin(false);
	feed_reset();
	P(0, "E1", "cn", "张伟", END);
	P(2, "E2", "cn", "李娜", END);
	A(11, "zhangw", "credpolicyClass", "admin-workstation", END, "credpolicyOwner", "E1", END,
	  "pwdChangedTime", "20261001083000Z", END);
	A(12, "root", "credpolicyKind", "service", END, "credpolicyCustodian", "E1", "E2", END);
	G(21, "sudo", "member", "employeeNumber=E1,ou=people,o=t", END);
	stream_ok();
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_ERRORS), 1);
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_REMOVED), 0);
	ck_assert_str_eq(members(&m), "E1:sudo:*:directory ");
}
END_TEST

/* A streamed read knows every person from the start: an unknown owner is
 * refused, and a new employee id is known by the accounts read after it. */
START_TEST(test_streamed_people_ids)
{
	begin(true);
	base_batch();
	apply_ok();
	begin(false);
	feed_reset();
	P(1, "E1", "cn", "张伟", END);
	P(2, "E2b", "cn", "李娜", END); /* E2's entry, with a new employee id */
	A(11, "zhangw", "credpolicyClass", "admin-workstation", END, "credpolicyOwner", "E2b", END,
	  "pwdChangedTime", "20261001083000Z", END);
	A(12, "root", "credpolicyKind", "service", END, "credpolicyCustodian", "E1", "E2", END);
	A(41, "orphan", "credpolicyOwner", "E404", END);
	G(21, "sudo", "member", "employeeNumber=E1,ou=people,o=t", END);
	stream_ok();
	ck_assert_ptr_nonnull(strstr(logbuf, "owner E404 is not a person"));
	ck_assert_ptr_nonnull(strstr(logbuf, "custodian E2 is not a person"));
	ck_assert_int_eq(cp_sync_count(s, CP_SYNC_ERRORS), 2);
	cp_account *a = account_of("zhangw");
	ck_assert_str_eq(cp_account_owner(a, 0), "E2b");
	cp_account_free(a);
	ck_assert(!acct_exists("orphan"));
}
END_TEST

/* The directory stalls while the writer holds the ledger's lock: after
 * half of busy_timeout_ms the sync gives up, so that password changes on
 * this host do not wait it out; nothing is changed. */
START_TEST(test_streamed_stall)
{
	begin(true);
	base_batch();
	apply_ok();
	int n = events();
	cp_config *quick = NULL;
	const char conf[] = "[ledger]\nbusy_timeout_ms = 200\n";
	ck_assert_int_eq(cp_config_load_buffer(conf, sizeof(conf) - 1, "quick", &quick, NULL),
	                 CP_OK);
	const cp_config *saved = s->cfg;
	s->cfg = quick;
	begin(false);
	feed_base();
	P(3, "E3", "cn", "王芳", END);
	feed_stall = true;
	char *msg = NULL;
	int rc = stream(&msg);
	s->cfg = saved;
	cp_config_free(quick);
	ck_assert_int_eq(rc, CP_ERR_IO);
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(strstr(msg, "sent nothing for 100 ms"));
	free(msg);
	ck_assert_msg(stall_released, "the ledger stayed locked while the directory stalled");
	ck_assert_int_eq(events(), n);
}
END_TEST

/* The directory goes away mid-read: what was written is rolled back. */
START_TEST(test_streamed_read_fails)
{
	begin(true);
	base_batch();
	apply_ok();
	int n = events();
	begin(false);
	feed_base();
	nfeed[SK_ACCOUNT] = 0;
	A(11, "zhangw", "credpolicyClass", "important-host", END, "credpolicyOwner", "E2", END);
	A(13, "new01", "credpolicyOwner", "E2", END);
	feed_fails = SK_ACCOUNT;
	char *msg = NULL;
	ck_assert_int_eq(stream(&msg), CP_ERR_IO);
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(strstr(msg, "stopped answering"));
	free(msg);
	ck_assert_int_eq(events(), n);
	ck_assert(!acct_exists("new01"));
	cp_account *a = account_of("zhangw");
	ck_assert_str_eq(cp_account_class(a), "admin-workstation");
	cp_account_free(a);
}
END_TEST

static int count_rows(const char *sql)
{
	sqlite3_stmt *st = NULL;
	ck_assert_int_eq(sqlite3_prepare_v2(l->db, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	int n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* A refresh names each entry by the UUID of its Sync State control, not
 * by an entryUUID attribute (which a server need not send). */
START_TEST(test_streamed_sync_state_uuid)
{
	begin(false);
	feed_base();
	feed_sync_state = true;
	stream_ok();
	ck_assert_int_gt(fed, 0);
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM directory_entries WHERE uuid LIKE '11111111-%'"),
	    (int)fed);
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM directory_entries WHERE uuid NOT LIKE '11111111-%'"),
	    0);
}
END_TEST

/* What a read keeps with the batch (a refresh's cookies) is stored with
 * its records, on commit only; the code a read ends with that a stream
 * cannot take (SYNC_UNSTREAMED) comes back as it is, with everything
 * rolled back, for the caller to read it the other way (sync_run.c). */
static char *stored_state(const char *key)
{
	char *v = NULL;
	int rc = sync_state_get(l, key, &v);
	ck_assert_msg(rc == CP_OK || rc == CP_ERR_NOTFOUND, "sync_state_get: %d", rc);
	return v;
}

START_TEST(test_streamed_state)
{
	begin(false);
	feed_base();
	feed_cookies = true;
	feed_unstreamed = SK_GROUP;
	char *msg = NULL;
	ck_assert_int_eq(stream(&msg), SYNC_UNSTREAMED);
	free(msg);
	ck_assert_int_eq(events(), 0);
	ck_assert(!acct_exists("root"));
	ck_assert_ptr_null(stored_state("test.person"));
	begin(false);
	feed_base();
	feed_cookies = true;
	stream_ok();
	ck_assert(acct_exists("root"));
	for (int k = 0; k < SK_COUNT; k++) {
		char key[32], want[32];
		snprintf(key, sizeof(key), "test.%s", sync_kind_names[k]);
		snprintf(want, sizeof(want), "cookie-%s", sync_kind_names[k]);
		char *v = stored_state(key);
		ck_assert_ptr_nonnull(v);
		ck_assert_str_eq(v, want);
		free(v);
	}
}
END_TEST

/* The writer fails (a read with no people at all would depart everyone):
 * the reader, blocked on a full queue, stops instead of reading on. */
START_TEST(test_streamed_writer_fails)
{
	begin(true);
	base_batch();
	apply_ok();
	int n = events();
	begin(false);
	feed_base();
	nfeed[SK_PERSON] = 0;
	feed_flood = 1000;
	s->stream_queue_max = 16;
	char *msg = NULL;
	ck_assert_int_eq(stream(&msg), CP_ERR_INVAL);
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(strstr(msg, "returned no person entries"));
	free(msg);
	ck_assert(feed_stopped);
	ck_assert_uint_lt(fed, 1000);
	ck_assert_int_eq(events(), n);
	ck_assert(acct_exists("root"));
}
END_TEST

static Suite *make_suite(void)
{
	Suite *su = suite_create("sync_apply");
	TCase *tc = tcase_create("apply");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_create_then_unchanged);
	tcase_add_test(tc, test_class_and_owner_change);
	tcase_add_test(tc, test_must_change);
	tcase_add_test(tc, test_must_change_survives_rename);
	tcase_add_test(tc, test_reset_flag);
	tcase_add_test(tc, test_lock);
	tcase_add_test(tc, test_last_change_forward_only);
	tcase_add_test(tc, test_rename_keeps_identity);
	tcase_add_test(tc, test_deleted_entries);
	tcase_add_test(tc, test_relink);
	tcase_add_test(tc, test_local_records);
	tcase_add_test(tc, test_duplicate_key);
	tcase_add_test(tc, test_refusals_cost_one_entry);
	tcase_add_test(tc, test_departed_custodian_skipped);
	tcase_add_test(tc, test_empty_read_refused);
	tcase_add_test(tc, test_removal_limit);
	tcase_add_test(tc, test_removal_limit_share);
	tcase_add_test(tc, test_dry_run);
	tcase_add_test(tc, test_departed_in_directory);
	tcase_add_test(tc, test_departure_ahead);
	tcase_add_test(tc, test_groups);
	tcase_add_test(tc, test_streamed_as_batch);
	tcase_add_test(tc, test_streamed_claim_waits);
	tcase_add_test(tc, test_streamed_groups);
	tcase_add_test(tc, test_streamed_people_ids);
	tcase_add_test(tc, test_streamed_person_without_uuid);
	tcase_add_test(tc, test_streamed_stall);
	tcase_add_test(tc, test_streamed_read_fails);
	tcase_add_test(tc, test_streamed_state);
	tcase_add_test(tc, test_streamed_sync_state_uuid);
	tcase_add_test(tc, test_streamed_writer_fails);
	suite_add_tcase(su, tc);
	return su;
}

CP_TEST_MAIN(make_suite)
