/* test_ledger_review.c - access reviews (R19) and group memberships (R18)
 * in the ledger: recording with its event in one transaction, the latest
 * review kept, nothing written for a repeat or a refused call, the
 * directory's memberships left alone, old read-only ledgers, and their
 * JSON form ("groups" of people, "review" of accounts): import, export,
 * round trips, every bad input refused with its record named, and old
 * documents and exports unchanged. */
#include "config.h" /* first: feature macros (asprintf) */

#include "credpolicy.h"
#include "testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Allocation failures on the error paths of the review calls: while
 * strdup_fail_in is n > 0, the nth strdup from then on returns NULL. The
 * library calls libc's strdup through its PLT, so this definition, made
 * visible (the build hides symbols by default), takes its place there
 * too. A leak on such a path shows under valgrind and LeakSanitizer
 * (scripts/test runs this test under both). */
static int strdup_fail_in;

__attribute__((visibility("default"))) char *strdup(const char *s)
{
	if (strdup_fail_in > 0 && --strdup_fail_in == 0)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	return d != NULL ? memcpy(d, s, n) : NULL;
}

static char tmpdir[] = "/tmp/cp-test-ledger-review.XXXXXX";
static char dbpath[300], dbpath2[300];
static cp_config *cfg;
static cp_ledger *led;

#define DAY 86400
#define T0  1767225600 /* 2026-01-01T00:00:00Z */

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(dbpath, sizeof dbpath, "%s/ledger.db", tmpdir);
	snprintf(dbpath2, sizeof dbpath2, "%s/second.db", tmpdir);
	cfg = cp_config_new_default();
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(cp_ledger_open(cfg, dbpath, CP_LEDGER_CREATE, &led, NULL), CP_OK);
}

static void remove_db(const char *path)
{
	char side[320];
	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
}

static void teardown(void)
{
	cp_ledger_close(led);
	led = NULL;
	cp_config_free(cfg);
	remove_db(dbpath);
	remove_db(dbpath2);
	rmdir(tmpdir);
	strcpy(tmpdir, "/tmp/cp-test-ledger-review.XXXXXX");
}

/* ---- helpers ---- */

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, err != NULL ? err : "");
	sqlite3_free(err);
	sqlite3_close(db);
}

struct events {
	unsigned long n;
	char last_kind[40], last_detail[2200], last_account[300], last_person[300];
	char last_actor[64], last_ticket[64];
};

static int collect_event(const cp_event *ev, void *ctx)
{
	struct events *e = ctx;
	e->n++;
	snprintf(e->last_kind, sizeof e->last_kind, "%s", cp_event_kind(ev));
	snprintf(e->last_detail, sizeof e->last_detail, "%s", cp_event_detail(ev));
	snprintf(e->last_account, sizeof e->last_account, "%s", cp_event_account(ev));
	snprintf(e->last_person, sizeof e->last_person, "%s", cp_event_person(ev));
	snprintf(e->last_actor, sizeof e->last_actor, "%s", cp_event_actor(ev));
	snprintf(e->last_ticket, sizeof e->last_ticket, "%s", cp_event_ticket(ev));
	return 0;
}

static struct events events(cp_ledger *l)
{
	struct events e;
	memset(&e, 0, sizeof e);
	ck_assert_int_eq(cp_ledger_events(l, 0, collect_event, &e), CP_OK);
	return e;
}

static void seed(cp_ledger *l)
{
	ck_assert_int_eq(cp_ledger_person_put(l, "E1", "Zhang Wei", NULL, "t"), CP_OK);
	ck_assert_int_eq(cp_ledger_person_put(l, "E2", "Li Na", NULL, "t"), CP_OK);
	ck_assert_int_eq(cp_ledger_account_put(l, "root", NULL, "important-host",
	                                       CP_ACCOUNT_SERVICE, NULL, false, "t"),
	                 CP_OK);
	ck_assert_int_eq(cp_ledger_account_put(l, "root", "db-*", "important-host",
	                                       CP_ACCOUNT_SERVICE, NULL, false, "t"),
	                 CP_OK);
	ck_assert_int_eq(cp_ledger_account_put(l, "zhangw", NULL, "admin-workstation",
	                                       CP_ACCOUNT_PERSONAL, "E1", false, "t"),
	                 CP_OK);
}

static void review_is(cp_ledger *l, const char *name, const char *scope, int64_t when,
                      const char *reviewer, const char *note)
{
	int64_t got = -1;
	char *by = NULL, *n = NULL;
	ck_assert_int_eq(cp_ledger_review_get(l, name, scope, &got, &by, &n), CP_OK);
	ck_assert_int_eq(got, when);
	if (reviewer == NULL) {
		ck_assert_ptr_null(by);
		ck_assert_ptr_null(n);
	} else {
		ck_assert_str_eq(by, reviewer);
		ck_assert_str_eq(n, note);
	}
	free(by);
	free(n);
}

/* ---- reviews (R19) ---- */

START_TEST(test_review_recorded_with_event)
{
	seed(led);
	review_is(led, "root", NULL, 0, NULL, NULL);
	unsigned long before = events(led).n;
	ck_assert_int_eq(cp_ledger_review(led, "root", "db-*", "li.na", T0, "access confirmed",
	                                  "root", "REV-2026-1"),
	                 CP_OK);
	review_is(led, "root", "db-*", T0, "li.na", "access confirmed");
	review_is(led, "root", NULL, 0, NULL, NULL); /* the other scope is not reviewed */
	struct events e = events(led);
	ck_assert_uint_eq(e.n, before + 1);
	ck_assert_str_eq(e.last_kind, "review");
	ck_assert_str_eq(e.last_account, "root@db-*");
	ck_assert_str_eq(e.last_actor, "root");
	ck_assert_str_eq(e.last_ticket, "REV-2026-1");
	ck_assert_str_eq(e.last_detail,
	                 "reviewed_at=1767225600 reviewer=li.na note=access confirmed");
	/* without a note, the detail has none; when 0 is now */
	int64_t now = (int64_t)time(NULL);
	ck_assert_int_eq(cp_ledger_review(led, "zhangw", NULL, "E2", 0, NULL, NULL, NULL), CP_OK);
	int64_t got = 0;
	char *by = NULL, *note = NULL;
	ck_assert_int_eq(cp_ledger_review_get(led, "zhangw", "*", &got, &by, &note), CP_OK);
	ck_assert_int_ge(got, now);
	ck_assert_str_eq(note, "");
	free(by);
	free(note);
	ck_assert_ptr_null(strstr(events(led).last_detail, "note="));
	uint64_t checked = 0;
	ck_assert_int_eq(cp_ledger_events_verify(led, &checked, NULL), CP_OK);
}
END_TEST

START_TEST(test_review_repeat_and_older)
{
	seed(led);
	ck_assert_int_eq(cp_ledger_review(led, "root", NULL, "li.na", T0, "ok", "t", NULL), CP_OK);
	unsigned long n = events(led).n;
	/* the same review again writes nothing, not even an event */
	ck_assert_int_eq(cp_ledger_review(led, "root", NULL, "li.na", T0, "ok", "t", NULL), CP_OK);
	ck_assert_uint_eq(events(led).n, n);
	/* an older one is an event only: the latest stays */
	ck_assert_int_eq(
	    cp_ledger_review(led, "root", NULL, "wang", T0 - 30 * DAY, "paper form", "t", NULL),
	    CP_OK);
	ck_assert_uint_eq(events(led).n, n + 1);
	review_is(led, "root", NULL, T0, "li.na", "ok");
	/* a newer one replaces it */
	ck_assert_int_eq(cp_ledger_review(led, "root", NULL, "wang", T0 + DAY, "", "t", NULL),
	                 CP_OK);
	review_is(led, "root", NULL, T0 + DAY, "wang", "");
	ck_assert_uint_eq(events(led).n, n + 2);
}
END_TEST

START_TEST(test_review_refused)
{
	seed(led);
	unsigned long n = events(led).n;
	char longtext[1100];
	memset(longtext, 'x', sizeof longtext - 1);
	longtext[sizeof longtext - 1] = '\0';
	int64_t future = (int64_t)time(NULL) + 3 * DAY;
	ck_assert_int_eq(cp_ledger_review(led, "nobody", NULL, "r", T0, NULL, NULL, NULL),
	                 CP_ERR_NOTFOUND);
	ck_assert_int_eq(cp_ledger_review(led, "root", "web-*", "r", T0, NULL, NULL, NULL),
	                 CP_ERR_NOTFOUND);
	ck_assert_int_eq(cp_ledger_review(led, "root", NULL, "r", future, NULL, NULL, NULL),
	                 CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_review(led, "root", NULL, "r", -1, NULL, NULL, NULL),
	                 CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_review(led, "root", NULL, NULL, T0, NULL, NULL, NULL),
	                 CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_review(led, "root", NULL, "", T0, NULL, NULL, NULL),
	                 CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_review(led, "root", NULL, "a\nb", T0, NULL, NULL, NULL),
	                 CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_review(led, "root", NULL, "r", T0, "tab\there", NULL, NULL),
	                 CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_review(led, "root", NULL, "r", T0, longtext, NULL, NULL),
	                 CP_ERR_TOOLONG);
	ck_assert_int_eq(cp_ledger_review(led, "root", NULL, "\xff", T0, NULL, NULL, NULL),
	                 CP_ERR_UTF8);
	ck_assert_int_eq(cp_ledger_review(NULL, "root", NULL, "r", T0, NULL, NULL, NULL),
	                 CP_ERR_INVAL);
	ck_assert_uint_eq(events(led).n, n);
	review_is(led, "root", NULL, 0, NULL, NULL);
	int64_t when = 5;
	char *by = (char *)"x", *note = (char *)"y";
	ck_assert_int_eq(cp_ledger_review_get(led, "nobody", NULL, &when, &by, &note),
	                 CP_ERR_NOTFOUND);
	ck_assert_int_eq(when, 0);
	ck_assert_ptr_null(by);
	ck_assert_ptr_null(note);
	ck_assert_int_eq(cp_ledger_review_get(led, NULL, NULL, &when, &by, &note), CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_review_get(led, "root", NULL, NULL, &by, &note), CP_ERR_INVAL);
}
END_TEST

/* Every allocation that can fail in cp_ledger_review and
 * cp_ledger_review_get, in turn: CP_ERR_NOMEM, nothing written, no output
 * left to free (the review on record was once read into memory and leaked
 * when its second copy failed). */
START_TEST(test_review_out_of_memory)
{
	seed(led);
	ck_assert_int_eq(cp_ledger_review(led, "root", NULL, "li.na", T0, "ok", "t", NULL), CP_OK);
	unsigned long n = events(led).n;
	int rc = CP_ERR_NOMEM, k;
	for (k = 1; rc == CP_ERR_NOMEM && k < 100; k++) {
		strdup_fail_in = k;
		rc = cp_ledger_review(led, "root", NULL, "wang", T0 + DAY, "later", "t", NULL);
		strdup_fail_in = 0;
		if (rc == CP_ERR_NOMEM) {
			ck_assert_uint_eq(events(led).n, n);
			review_is(led, "root", NULL, T0, "li.na", "ok");
		}
	}
	ck_assert_int_eq(rc, CP_OK);
	ck_assert_int_gt(k, 2); /* both copies of the review on record were made to fail */
	review_is(led, "root", NULL, T0 + DAY, "wang", "later");
	rc = CP_ERR_NOMEM;
	for (k = 1; rc == CP_ERR_NOMEM && k < 100; k++) {
		int64_t when = 7;
		char *by = (char *)"x", *note = (char *)"y";
		strdup_fail_in = k;
		rc = cp_ledger_review_get(led, "root", NULL, &when, &by, &note);
		strdup_fail_in = 0;
		if (rc == CP_ERR_NOMEM) {
			ck_assert_int_eq(when, 0);
			ck_assert_ptr_null(by);
			ck_assert_ptr_null(note);
		} else {
			free(by);
			free(note);
		}
	}
	ck_assert_int_eq(rc, CP_OK);
	ck_assert_int_gt(k, 2);
}
END_TEST

struct seen {
	char text[1024];
	int stop_after;
	int calls;
};

static int list_review(const char *name, const char *scope, int64_t when, const char *reviewer,
                       const char *note, void *ctx)
{
	struct seen *s = ctx;
	char line[256];
	snprintf(line, sizeof line, "%s|%s|%lld|%s|%s;", name, scope, (long long)when, reviewer,
	         note);
	strncat(s->text, line, sizeof s->text - strlen(s->text) - 1);
	return ++s->calls == s->stop_after;
}

START_TEST(test_reviews_listed)
{
	seed(led);
	ck_assert_int_eq(cp_ledger_review(led, "zhangw", NULL, "E2", T0, NULL, "t", NULL), CP_OK);
	ck_assert_int_eq(cp_ledger_review(led, "root", "db-*", "E2", T0 + 1, "n", "t", NULL),
	                 CP_OK);
	ck_assert_int_eq(cp_ledger_review(led, "root", NULL, "E1", T0 + 2, NULL, "t", NULL), CP_OK);
	struct seen s = {"", 0, 0};
	ck_assert_int_eq(cp_ledger_reviews(led, list_review, &s), CP_OK);
	ck_assert_str_eq(s.text, "root|*|1767225602|E1|;root|db-*|1767225601|E2|n;"
	                         "zhangw|*|1767225600|E2|;");
	struct seen one = {"", 1, 0};
	ck_assert_int_eq(cp_ledger_reviews(led, list_review, &one), CP_OK);
	ck_assert_int_eq(one.calls, 1);
	ck_assert_int_eq(cp_ledger_reviews(NULL, list_review, &s), CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_reviews(led, NULL, &s), CP_ERR_INVAL);
}
END_TEST

/* ---- memberships (R18) ---- */

static int list_membership(const char *id, const char *group, const char *scope, const char *source,
                           void *ctx)
{
	struct seen *s = ctx;
	char line[256];
	snprintf(line, sizeof line, "%s|%s|%s|%s;", id, group, scope, source);
	strncat(s->text, line, sizeof s->text - strlen(s->text) - 1);
	return ++s->calls == s->stop_after;
}

static const char *memberships(cp_ledger *l, const char *id)
{
	static struct seen s;
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(cp_ledger_memberships(l, id, list_membership, &s), CP_OK);
	return s.text;
}

START_TEST(test_membership_add_remove)
{
	seed(led);
	unsigned long n = events(led).n;
	ck_assert_int_eq(cp_ledger_membership_add(led, "E1", "sudo", NULL, "root", "CHG-1"), CP_OK);
	struct events e = events(led);
	ck_assert_uint_eq(e.n, n + 1);
	ck_assert_str_eq(e.last_kind, "membership_add");
	ck_assert_str_eq(e.last_person, "E1");
	ck_assert_str_eq(e.last_detail, "group=sudo scope=*");
	ck_assert_str_eq(e.last_ticket, "CHG-1");
	ck_assert_int_eq(cp_ledger_membership_add(led, "E1", "dba", "db-01", "root", NULL), CP_OK);
	ck_assert_int_eq(cp_ledger_membership_add(led, "E2", "dba", "db-*", "root", NULL), CP_OK);
	/* adding again: nothing written */
	ck_assert_int_eq(cp_ledger_membership_add(led, "E1", "sudo", "*", "root", NULL), CP_OK);
	ck_assert_uint_eq(events(led).n, n + 3);
	ck_assert_str_eq(memberships(led, NULL),
	                 "E1|dba|db-01|local;E1|sudo|*|local;E2|dba|db-*|local;");
	ck_assert_str_eq(memberships(led, "E2"), "E2|dba|db-*|local;");
	ck_assert_str_eq(memberships(led, "E9"), "");
	ck_assert_int_eq(cp_ledger_membership_remove(led, "E1", "sudo", NULL, "root", NULL), CP_OK);
	e = events(led);
	ck_assert_str_eq(e.last_kind, "membership_remove");
	ck_assert_str_eq(e.last_detail, "group=sudo scope=*");
	ck_assert_str_eq(memberships(led, "E1"), "E1|dba|db-01|local;");
	ck_assert_int_eq(cp_ledger_membership_remove(led, "E1", "sudo", NULL, "root", NULL),
	                 CP_ERR_NOTFOUND);
	ck_assert_int_eq(cp_ledger_membership_remove(led, "E1", "dba", "db-02", "root", NULL),
	                 CP_ERR_NOTFOUND);
	uint64_t checked = 0;
	ck_assert_int_eq(cp_ledger_events_verify(led, &checked, NULL), CP_OK);
}
END_TEST

START_TEST(test_membership_refused)
{
	seed(led);
	unsigned long n = events(led).n;
	ck_assert_int_eq(cp_ledger_membership_add(led, "E404", "sudo", NULL, "t", NULL),
	                 CP_ERR_NOTFOUND);
	ck_assert_int_eq(cp_ledger_membership_add(led, "E1", "domain admins", NULL, "t", NULL),
	                 CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_membership_add(led, "E1", "", NULL, "t", NULL), CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_membership_add(led, "E1", NULL, NULL, "t", NULL), CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_membership_add(led, "E1", "sudo", "", "t", NULL), CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_membership_add(led, "E1", "su\x01do", NULL, "t", NULL),
	                 CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_membership_add(led, "E1", "\xc3", NULL, "t", NULL), CP_ERR_UTF8);
	ck_assert_int_eq(cp_ledger_membership_add(NULL, "E1", "sudo", NULL, "t", NULL),
	                 CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_membership_remove(led, "E404", "sudo", NULL, "t", NULL),
	                 CP_ERR_NOTFOUND);
	ck_assert_int_eq(cp_ledger_memberships(led, NULL, NULL, NULL), CP_ERR_INVAL);
	ck_assert_uint_eq(events(led).n, n);
	ck_assert_str_eq(memberships(led, NULL), "");
}
END_TEST

/* Rows of the directory sync (issue 5) are never changed by these calls. */
START_TEST(test_membership_directory_rows)
{
	seed(led);
	raw_exec(dbpath, "INSERT INTO memberships (person_id, grp, scope, source)"
	                 " SELECT id, 'dba', 'db-*', 'directory' FROM people"
	                 " WHERE employee_id = 'E2'");
	unsigned long n = events(led).n;
	ck_assert_str_eq(memberships(led, NULL), "E2|dba|db-*|directory;");
	ck_assert_int_eq(cp_ledger_membership_add(led, "E2", "dba", "db-*", "t", NULL), CP_OK);
	ck_assert_int_eq(cp_ledger_membership_remove(led, "E2", "dba", "db-*", "t", NULL),
	                 CP_ERR_INVAL);
	ck_assert_uint_eq(events(led).n, n);
	ck_assert_str_eq(memberships(led, NULL), "E2|dba|db-*|directory;");
}
END_TEST

/* Inside a caller's transaction, a rollback takes the review and the
 * membership with it: one transaction or nothing. */
START_TEST(test_rollback)
{
	seed(led);
	unsigned long n = events(led).n;
	ck_assert_int_eq(cp_ledger_begin(led), CP_OK);
	ck_assert_int_eq(cp_ledger_review(led, "root", NULL, "r", T0, NULL, "t", NULL), CP_OK);
	ck_assert_int_eq(cp_ledger_membership_add(led, "E1", "sudo", NULL, "t", NULL), CP_OK);
	cp_ledger_rollback(led);
	ck_assert_uint_eq(events(led).n, n);
	review_is(led, "root", NULL, 0, NULL, NULL);
	ck_assert_str_eq(memberships(led, NULL), "");
}
END_TEST

/* A version 2 ledger read-only: no tables, no rows, no error. */
START_TEST(test_old_schema_readonly)
{
	seed(led);
	ck_assert_int_eq(cp_ledger_review(led, "root", NULL, "r", T0, NULL, "t", NULL), CP_OK);
	cp_ledger_close(led);
	led = NULL;
	raw_exec(dbpath, "DROP TABLE reviews; DROP TABLE memberships; PRAGMA user_version = 2");
	cp_ledger *ro = NULL;
	ck_assert_int_eq(cp_ledger_open(cfg, dbpath, CP_LEDGER_READONLY, &ro, NULL), CP_OK);
	ck_assert_int_eq(cp_ledger_schema_version(ro), 2);
	struct seen s = {"", 0, 0};
	ck_assert_int_eq(cp_ledger_reviews(ro, list_review, &s), CP_OK);
	ck_assert_int_eq(cp_ledger_memberships(ro, NULL, list_membership, &s), CP_OK);
	ck_assert_int_eq(s.calls, 0);
	review_is(ro, "root", NULL, 0, NULL, NULL);
	char *out = NULL;
	size_t len = 0;
	ck_assert_int_eq(cp_ledger_export_json(ro, &out, &len), CP_OK);
	ck_assert_ptr_null(strstr(out, "\"review\""));
	free(out);
	ck_assert_int_eq(cp_ledger_review(ro, "root", NULL, "r", T0, NULL, "t", NULL),
	                 CP_ERR_INVAL);
	cp_ledger_close(ro);
}
END_TEST

/* ---- JSON: "groups" and "review" ---- */

static char *doc(const char *people, const char *accounts)
{
	char *s = NULL;
	ck_assert_int_ge(asprintf(&s,
	                          "{\"format\": \"credpolicy-ledger\", \"version\": 1,\n"
	                          " \"people\": [%s],\n \"accounts\": [%s]}",
	                          people, accounts),
	                 0);
	return s;
}

static void import_ok(cp_ledger *l, const char *text)
{
	char *msg = NULL;
	int rc = cp_ledger_import_json(l, text, strlen(text), "test", &msg);
	ck_assert_msg(rc == CP_OK, "import failed (%d): %s", rc, msg != NULL ? msg : "");
	ck_assert_ptr_null(msg);
}

static char *export(cp_ledger *l)
{
	char *out = NULL;
	size_t len = 0;
	ck_assert_int_eq(cp_ledger_export_json(l, &out, &len), CP_OK);
	return out;
}

#define P_E1_GROUPS                                                                                \
	"{\"employee_id\": \"E1\", \"name\": \"Zhang Wei\", \"groups\": [{\"group\": \"sudo\"}, "  \
	"{\"group\": \"dba\", \"scope\": \"db-01\"}]}"
#define P_E2 "{\"employee_id\": \"E2\", \"name\": \"Li Na\"}"
#define A_ROOT_REVIEW                                                                              \
	"{\"name\": \"root\", \"class\": \"important-host\", \"kind\": \"service\", \"review\": "  \
	"{\"reviewed_at\": \"2026-01-01\", \"reviewer\": \"li.na\", \"note\": \"ok\"}}"
#define A_SVC "{\"name\": \"svc\", \"class\": \"default\", \"kind\": \"service\"}"

START_TEST(test_json_round_trip)
{
	char *d = doc(P_E1_GROUPS "," P_E2, A_ROOT_REVIEW "," A_SVC);
	import_ok(led, d);
	free(d);
	ck_assert_str_eq(memberships(led, NULL), "E1|dba|db-01|local;E1|sudo|*|local;");
	review_is(led, "root", NULL, T0, "li.na", "ok");
	char *out = export(led);
	ck_assert_ptr_nonnull(strstr(out, "\"zwei\"], \"groups\": [{\"group\": \"dba\", "
	                                  "\"scope\": \"db-01\"}, {\"group\": \"sudo\", \"scope\": "
	                                  "\"*\"}]}"));
	ck_assert_ptr_nonnull(strstr(out, "\"custodians\": [], \"review\": {\"reviewed_at\": "
	                                  "\"2026-01-01T00:00:00Z\", \"reviewer\": \"li.na\", "
	                                  "\"note\": \"ok\"}}"));
	/* records without memberships or review are written as before */
	ck_assert_ptr_nonnull(strstr(out, "{\"employee_id\": \"E2\", \"name\": \"Li Na\", "
	                                  "\"status\": \"active\", \"departed_at\": null, "
	                                  "\"tokens\": [\"^ln\", \"^nl\", \"lina\", \"nali\"]}\n"));
	ck_assert_ptr_nonnull(strstr(out, "\"custodians\": []}\n  ]"));
	/* importing the export changes nothing, not even the event log */
	unsigned long n = events(led).n;
	import_ok(led, out);
	ck_assert_uint_eq(events(led).n, n + 1); /* the import event only */
	/* and an empty ledger exports the same */
	cp_ledger *two = NULL;
	ck_assert_int_eq(cp_ledger_open(cfg, dbpath2, CP_LEDGER_CREATE, &two, NULL), CP_OK);
	import_ok(two, out);
	char *again = export(two);
	ck_assert_str_eq(again, out);
	free(again);
	free(out);
	cp_ledger_close(two);
}
END_TEST

START_TEST(test_json_groups_replace_local)
{
	char *d = doc(P_E1_GROUPS, "");
	import_ok(led, d);
	free(d);
	raw_exec(dbpath, "INSERT INTO memberships (person_id, grp, scope, source)"
	                 " SELECT id, 'oinstall', '*', 'directory' FROM people");
	/* a record without "groups" leaves them alone */
	d = doc("{\"employee_id\": \"E1\", \"name\": \"Zhang Wei\"}", "");
	import_ok(led, d);
	free(d);
	ck_assert_str_eq(memberships(led, NULL),
	                 "E1|dba|db-01|local;E1|oinstall|*|directory;E1|sudo|*|local;");
	/* "groups" sets the local ones exactly; directory entries are skipped */
	d = doc("{\"employee_id\": \"E1\", \"name\": \"Zhang Wei\", \"groups\": ["
	        "{\"group\": \"wheel\", \"scope\": \"web-*\"}, {\"group\": \"sudo\"},"
	        "{\"group\": \"mysql\", \"scope\": \"db-9\", \"source\": \"directory\"}]}",
	        "");
	import_ok(led, d);
	free(d);
	ck_assert_str_eq(memberships(led, NULL),
	                 "E1|oinstall|*|directory;E1|sudo|*|local;E1|wheel|web-*|local;");
	char *out = export(led);
	ck_assert_ptr_nonnull(strstr(out, "{\"group\": \"oinstall\", \"scope\": \"*\", "
	                                  "\"source\": \"directory\"}"));
	free(out);
	/* [] removes every local one */
	d = doc("{\"employee_id\": \"E1\", \"name\": \"Zhang Wei\", \"groups\": []}", "");
	import_ok(led, d);
	free(d);
	ck_assert_str_eq(memberships(led, NULL), "E1|oinstall|*|directory;");
	struct events e = events(led);
	ck_assert_str_eq(e.last_kind, "import");
}
END_TEST

START_TEST(test_json_review_only_forward)
{
	char *d = doc("", A_ROOT_REVIEW);
	import_ok(led, d);
	free(d);
	unsigned long n = events(led).n;
	/* an older review in a file never replaces the one on record */
	d = doc("", "{\"name\": \"root\", \"class\": \"important-host\", \"kind\": \"service\", "
	            "\"review\": {\"reviewed_at\": \"2025-06-01\", \"reviewer\": \"old\"}}");
	import_ok(led, d);
	free(d);
	review_is(led, "root", NULL, T0, "li.na", "ok");
	ck_assert_uint_eq(events(led).n, n + 1); /* the import event only */
	/* a newer one does, with its review event */
	d = doc("", "{\"name\": \"root\", \"class\": \"important-host\", \"kind\": \"service\", "
	            "\"review\": {\"reviewed_at\": \"2026-02-01T08:00:00Z\", \"reviewer\": "
	            "\"wang\", \"note\": null}}");
	import_ok(led, d);
	free(d);
	review_is(led, "root", NULL, T0 + 31 * DAY + 8 * 3600, "wang", "");
	/* null review, or none: kept */
	d = doc("", "{\"name\": \"root\", \"class\": \"important-host\", \"kind\": \"service\", "
	            "\"review\": null}");
	import_ok(led, d);
	free(d);
	review_is(led, "root", NULL, T0 + 31 * DAY + 8 * 3600, "wang", "");
}
END_TEST

static const struct bad {
	const char *people, *accounts, *fragment;
} bad_cases[] = {
    {"{\"employee_id\": \"E1\", \"name\": \"Z\", \"groups\": {}}", "",
     "people[0].groups: must be an array"},
    {"{\"employee_id\": \"E1\", \"name\": \"Z\", \"groups\": [\"sudo\"]}", "",
     "people[0].groups[0]: must be an object"},
    {"{\"employee_id\": \"E1\", \"name\": \"Z\", \"groups\": [{\"scope\": \"*\"}]}", "",
     "people[0].groups[0].group: required field is missing"},
    {"{\"employee_id\": \"E1\", \"name\": \"Z\", \"groups\": [{\"group\": \"a b\"}]}", "",
     "people[0].groups[0].group: a group name has no blanks"},
    {"{\"employee_id\": \"E1\", \"name\": \"Z\", \"groups\": [{\"group\": \"\"}]}", "",
     "people[0].groups[0].group: must be 1 to 255 bytes"},
    {"{\"employee_id\": \"E1\", \"name\": \"Z\", \"groups\": [{\"group\": \"g\", \"grp\": 1}]}", "",
     "people[0].groups[0]: unknown field \"grp\""},
    {"{\"employee_id\": \"E1\", \"name\": \"Z\", \"groups\": [{\"group\": \"g\", "
     "\"source\": \"ldap\"}]}",
     "", "people[0].groups[0].source: unknown source \"ldap\""},
    {"{\"employee_id\": \"E1\", \"name\": \"Z\", \"groups\": [{\"group\": \"g\"}, "
     "{\"group\": \"g\", \"scope\": \"*\"}]}",
     "", "people[0].groups[1]: group \"g\" with scope \"*\" is listed twice"},
    {"", "{\"name\": \"r\", \"class\": \"default\", \"kind\": \"service\", \"review\": 1}",
     "accounts[0].review: must be an object or null"},
    {"", "{\"name\": \"r\", \"class\": \"default\", \"kind\": \"service\", \"review\": {}}",
     "accounts[0].review.reviewed_at: required field is missing"},
    {"", "{\"name\": \"r\", \"class\": \"default\", \"kind\": \"service\", \"review\": {}}",
     "accounts[0].review.reviewer: required field is missing"},
    {"",
     "{\"name\": \"r\", \"class\": \"default\", \"kind\": \"service\", \"review\": "
     "{\"reviewed_at\": \"2026-02-30\", \"reviewer\": \"x\"}}",
     "accounts[0].review.reviewed_at: not a date"},
    {"",
     "{\"name\": \"r\", \"class\": \"default\", \"kind\": \"service\", \"review\": "
     "{\"reviewed_at\": \"2999-01-01\", \"reviewer\": \"x\"}}",
     "accounts[0].review.reviewed_at: the date is in the future"},
    {"",
     "{\"name\": \"r\", \"class\": \"default\", \"kind\": \"service\", \"review\": "
     "{\"reviewed_at\": \"2026-01-01\", \"reviewer\": \"x\", \"note\": \"a\\u0007b\"}}",
     "accounts[0].review.note: must be 1 to 1024 bytes"},
    {"",
     "{\"name\": \"r\", \"class\": \"default\", \"kind\": \"service\", \"review\": "
     "{\"reviewed_at\": \"2026-01-01\", \"reviewer\": \"x\", \"by\": \"y\"}}",
     "accounts[0].review: unknown field \"by\""},
};

START_TEST(test_json_bad)
{
	const struct bad *b = &bad_cases[_i];
	char *d = doc(b->people, b->accounts), *msg = NULL;
	unsigned long n = events(led).n;
	ck_assert_int_eq(cp_ledger_import_json(led, d, strlen(d), "t", &msg), CP_ERR_INVAL);
	ck_assert_msg(msg != NULL && strstr(msg, b->fragment) != NULL, "<%s> lacks <%s>",
	              msg != NULL ? msg : "(null)", b->fragment);
	ck_assert_uint_eq(events(led).n, n); /* nothing written */
	free(msg);
	free(d);
}
END_TEST

/* A long reviewer and note (up to 1024 bytes, past the 255 of other text
 * fields) round-trip. */
START_TEST(test_json_long_review)
{
	char note[1025];
	memset(note, 'n', 1024);
	note[1024] = '\0';
	seed(led);
	ck_assert_int_eq(cp_ledger_review(led, "root", NULL, note, T0, note, "t", NULL), CP_OK);
	char *out = export(led);
	cp_ledger *two = NULL;
	ck_assert_int_eq(cp_ledger_open(cfg, dbpath2, CP_LEDGER_CREATE, &two, NULL), CP_OK);
	import_ok(two, out);
	review_is(two, "root", NULL, T0, note, note);
	free(out);
	cp_ledger_close(two);
}
END_TEST

static Suite *review_suite(void)
{
	Suite *s = suite_create("ledger_review");
	TCase *tc = tcase_create("review");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_review_recorded_with_event);
	tcase_add_test(tc, test_review_repeat_and_older);
	tcase_add_test(tc, test_review_refused);
	tcase_add_test(tc, test_review_out_of_memory);
	tcase_add_test(tc, test_reviews_listed);
	tcase_add_test(tc, test_membership_add_remove);
	tcase_add_test(tc, test_membership_refused);
	tcase_add_test(tc, test_membership_directory_rows);
	tcase_add_test(tc, test_rollback);
	tcase_add_test(tc, test_old_schema_readonly);
	tcase_add_test(tc, test_json_round_trip);
	tcase_add_test(tc, test_json_groups_replace_local);
	tcase_add_test(tc, test_json_review_only_forward);
	tcase_add_loop_test(tc, test_json_bad, 0, (int)(sizeof bad_cases / sizeof bad_cases[0]));
	tcase_add_test(tc, test_json_long_review);
	suite_add_tcase(s, tc);
	return s;
}

CP_TEST_MAIN(review_suite)
