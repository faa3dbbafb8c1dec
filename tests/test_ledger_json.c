/* test_ledger_json.c - the ledger's JSON import and export
 * (docs/LEDGER-FORMAT.md): round trips, every kind of bad input rejected
 * with its record named and nothing written, every problem reported,
 * personal values never stored (R23), the import event. */
#include "config.h" /* first: feature macros (asprintf, memmem) */

#include "credpolicy.h"
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/cp-test-ledger-json.XXXXXX";
static char dbpath[300], dbpath2[300];
static cp_config *cfg;
static cp_ledger *led;

/* The sample shipped in docs/, as the tests of the CLI use it too. */
static char *sample;
static size_t sample_len;

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	char *buf = NULL;
	size_t cap = 0;
	FILE *m = open_memstream(&buf, &cap);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(f);
	fclose(m);
	*len = cap;
	return buf;
}

static void setup(void)
{
	const char *src = getenv("top_srcdir");
	char path[512];
	snprintf(path, sizeof path, "%s/docs/ledger-sample.json", src != NULL ? src : ".");
	sample = read_file(path, &sample_len);
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
	strcpy(tmpdir, "/tmp/cp-test-ledger-json.XXXXXX");
	free(sample);
}

/* ---- helpers ---- */

static int import(cp_ledger *l, const char *doc, char **msg)
{
	return cp_ledger_import_json(l, doc, strlen(doc), "test", msg);
}

static void import_ok(cp_ledger *l, const char *doc, size_t len)
{
	char *msg = NULL;
	int rc = cp_ledger_import_json(l, doc, len, "test", &msg);
	ck_assert_msg(rc == CP_OK, "import failed (%d): %s", rc, msg != NULL ? msg : "");
	ck_assert_ptr_null(msg);
}

static char *export(cp_ledger *l)
{
	char *out = NULL;
	size_t len = 0;
	ck_assert_int_eq(cp_ledger_export_json(l, &out, &len), CP_OK);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(strlen(out), len);
	return out;
}

static int count_event(const cp_event *ev, void *ctx)
{
	(void)ev;
	(*(unsigned long *)ctx)++;
	return 0;
}

static unsigned long event_count(cp_ledger *l)
{
	unsigned long n = 0;
	ck_assert_int_eq(cp_ledger_events(l, 0, count_event, &n), CP_OK);
	return n;
}

/* A document of the given people and accounts (JSON array contents). */
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

#define P_ZHANG "{\"employee_id\": \"E1\", \"name\": \"张伟\"}"
#define P_LI    "{\"employee_id\": \"E2\", \"name\": \"Li Na\"}"
#define A_ZHANG_E10086                                                                             \
	"{\"name\": \"zhangw\", \"class\": \"admin-workstation\", \"kind\": \"personal\", "        \
	"\"owner\": \"E10086\"}"
#define A_ZHANG                                                                                    \
	"{\"name\": \"zhangw\", \"class\": \"admin-workstation\", \"kind\": \"personal\", "        \
	"\"owner\": \"E1\"}"

/* ---- round trips ---- */

START_TEST(test_round_trip)
{
	import_ok(led, sample, sample_len);
	char *first = export(led);
	char *again = export(led);
	ck_assert_str_eq(first, again); /* deterministic */

	cp_ledger *second = NULL;
	ck_assert_int_eq(cp_ledger_open(cfg, dbpath2, CP_LEDGER_CREATE, &second, NULL), CP_OK);
	import_ok(second, first, strlen(first));
	char *copy = export(second);
	ck_assert_str_eq(first, copy);

	/* Importing an export into the ledger it came from changes nothing. */
	import_ok(led, first, strlen(first));
	char *third = export(led);
	ck_assert_str_eq(first, third);
	cp_ledger_close(second);
	free(first);
	free(again);
	free(copy);
	free(third);
}
END_TEST

/* The layout docs/LEDGER-FORMAT.md promises: header lines, one record per
 * line, sorted records and tokens, every field written. */
START_TEST(test_export_layout)
{
	import_ok(led, sample, sample_len);
	char *out = export(led);
	const char *start =
	    "{\n  \"format\": \"credpolicy-ledger\",\n  \"version\": 1,\n"
	    "  \"people\": [\n    {\"employee_id\": \"E10010\", \"name\": \"李娜\", "
	    "\"status\": \"active\", \"departed_at\": null, \"tokens\": [";
	ck_assert_msg(strncmp(out, start, strlen(start)) == 0, "unexpected start:\n%.300s", out);
	ck_assert_ptr_nonnull(strstr(out, "\n    {\"employee_id\": \"E20001\", \"name\": \"王芳\", "
	                                  "\"status\": \"departed\", \"departed_at\": "
	                                  "\"2026-01-31T00:00:00Z\", \"tokens\": ["));
	ck_assert_ptr_nonnull(
	    strstr(out, "\n  ],\n  \"accounts\": [\n    {\"name\": \"breakglass\""));
	ck_assert_ptr_nonnull(strstr(
	    out, "{\"name\": \"root\", \"scope\": \"*\", \"class\": \"important-host\", "
	         "\"kind\": \"service\", \"owner\": null, \"otp\": false, \"locked\": false, "
	         "\"last_change\": \"2026-11-01T00:00:00Z\", \"must_change\": null, "
	         "\"custodians\": [\"E10010\", \"E10086\"]}"));
	/* (name, scope) order: root * before root db-*. */
	const char *all = strstr(out, "\"root\", \"scope\": \"*\"");
	const char *db = strstr(out, "\"root\", \"scope\": \"db-*\"");
	ck_assert(all != NULL && db != NULL && all < db);
	ck_assert_ptr_nonnull(strstr(out, "\"liuyang88\""));
	ck_assert_ptr_null(strstr(out, "\"personal\":"));
	ck_assert_ptr_null(strstr(out, "1990-03-15"));
	ck_assert_str_eq(out + strlen(out) - 8, "}\n  ]\n}\n");
	free(out);
}
END_TEST

START_TEST(test_empty_ledger_export)
{
	char *out = export(led);
	ck_assert_str_eq(out, "{\n  \"format\": \"credpolicy-ledger\",\n  \"version\": 1,\n"
	                      "  \"people\": [],\n  \"accounts\": []\n}\n");
	import_ok(led, out, strlen(out));
	free(out);
}
END_TEST

/* What import sets is what the ledger then says. */
START_TEST(test_state_applied)
{
	import_ok(led, sample, sample_len);
	cp_account *a = NULL;
	ck_assert_int_eq(cp_ledger_account_get(led, "liuy", "web-01", &a), CP_OK);
	ck_assert_str_eq(cp_account_scope(a), "web-*");
	ck_assert_str_eq(cp_account_must_change(a), "password reset, INC-2026-0042");
	ck_assert_int_eq(cp_account_last_change(a), 1793577600); /* 2026-11-02 */
	cp_account_free(a);
	ck_assert_int_eq(cp_ledger_account_get(led, "lina", "any", &a), CP_OK);
	ck_assert(cp_account_otp(a));
	ck_assert(!cp_account_locked(a));
	ck_assert_uint_eq(cp_account_owner_count(a), 1);
	ck_assert_str_eq(cp_account_owner(a, 0), "E10010");
	cp_account_free(a);
	ck_assert_int_eq(cp_ledger_account_get(led, "root", "db-07", &a), CP_OK);
	ck_assert_uint_eq(cp_account_custodian_count(a), 1);
	ck_assert_str_eq(cp_account_custodian(a, 0), "E10010");
	ck_assert_int_eq(cp_account_kind_of(a), CP_ACCOUNT_SERVICE);
	cp_account_free(a);
	ck_assert_int_eq(cp_ledger_account_get(led, "breakglass", "h", &a), CP_OK);
	ck_assert(cp_account_locked(a));
	ck_assert_int_eq(cp_account_last_change(a), 0);
	ck_assert_int_eq(cp_account_kind_of(a), CP_ACCOUNT_BREAK_GLASS);
	cp_account_free(a);
	/* Tokens of "personal", of the names and of "tokens" are kept. */
	cp_person *p = NULL;
	ck_assert_int_eq(cp_ledger_person_info(led, "E10086", &p), CP_OK);
	bool birthday = false, pinyin = false, latin = false;
	for (size_t i = 0; i < cp_person_token_count(p); i++) {
		birthday |= strcmp(cp_person_token(p, i), "19900315") == 0;
		pinyin |= strcmp(cp_person_token(p, i), "zhangwei") == 0;
		latin |= strcmp(cp_person_token(p, i), "weizhang") == 0;
	}
	ck_assert(birthday && pinyin && latin);
	cp_person_free(p);
}
END_TEST

/* A second import may refer to people the ledger already has. */
START_TEST(test_owner_in_ledger)
{
	char *d1 = doc(P_ZHANG, ""), *d2 = doc("", A_ZHANG);
	import_ok(led, d1, strlen(d1));
	import_ok(led, d2, strlen(d2));
	cp_account *a = NULL;
	ck_assert_int_eq(cp_ledger_account_get(led, "zhangw", NULL, &a), CP_OK);
	ck_assert_str_eq(cp_account_owner(a, 0), "E1");
	cp_account_free(a);
	free(d1);
	free(d2);
}
END_TEST

/* State a record leaves out stays as the ledger has it (a roster must not
 * undo an offboarding); state it gives is set, null included. */
START_TEST(test_absent_state_kept)
{
	import_ok(led, sample, sample_len);
	ck_assert_int_eq(cp_ledger_set_locked(led, "zhangw", "*", true, "left", "hr", NULL), CP_OK);
	ck_assert_int_eq(
	    cp_ledger_set_must_change(led, "zhangw", "*", "custodian left", "hr", NULL), CP_OK);
	char *roster = doc("{\"employee_id\": \"E10086\", \"name\": \"张伟\"}", A_ZHANG_E10086);
	import_ok(led, roster, strlen(roster));
	cp_account *a = NULL;
	ck_assert_int_eq(cp_ledger_account_get(led, "zhangw", NULL, &a), CP_OK);
	ck_assert(cp_account_locked(a));
	ck_assert_str_eq(cp_account_must_change(a), "custodian left");
	ck_assert_int_eq(cp_account_last_change(a), 1790843400); /* 2026-10-01T08:30:00Z */
	cp_account_free(a);
	/* A record without "personal" and "tokens" keeps the birthday's tokens. */
	cp_person *p = NULL;
	ck_assert_int_eq(cp_ledger_person_info(led, "E10086", &p), CP_OK);
	bool birthday = false;
	for (size_t i = 0; i < cp_person_token_count(p); i++)
		birthday |= strcmp(cp_person_token(p, i), "19900315") == 0;
	ck_assert(birthday);
	cp_person_free(p);
	char *set = doc("", "{\"name\": \"zhangw\", \"class\": \"admin-workstation\", "
	                    "\"kind\": \"personal\", \"owner\": \"E10086\", \"locked\": false, "
	                    "\"must_change\": null, \"last_change\": null}");
	import_ok(led, set, strlen(set));
	ck_assert_int_eq(cp_ledger_account_get(led, "zhangw", NULL, &a), CP_OK);
	ck_assert(!cp_account_locked(a));
	ck_assert_ptr_null(cp_account_must_change(a));
	ck_assert_int_eq(cp_account_last_change(a), 0);
	cp_account_free(a);
	free(roster);
	free(set);
}
END_TEST

/* A shared account (a second owner from LDAP, R12) stays visible in the
 * export, and an import does not recreate it. */
START_TEST(test_shared_account)
{
	import_ok(led, sample, sample_len);
	ck_assert_int_eq(cp_ledger_owner_add(led, "zhangw", "*", "E10010", "ldap"), CP_OK);
	char *out = export(led);
	/* The oldest claim is "owner" (claims of one second go by employee id),
	 * the others follow. */
	char *line = strstr(out, "{\"name\": \"zhangw\"");
	ck_assert_ptr_nonnull(line);
	*strchr(line, '\n') = '\0';
	ck_assert_msg(strstr(line, "\"owner\": \"E10010\"") != NULL ||
	                  strstr(line, "\"owner\": \"E10086\"") != NULL,
	              "%s", line);
	ck_assert_msg(strstr(line, "\"custodians\": [], \"other_owners\": [\"E10010\"]}") != NULL ||
	                  strstr(line, "\"custodians\": [], \"other_owners\": [\"E10086\"]}") !=
	                      NULL,
	              "%s", line);
	line[strlen(line)] = '\n';
	cp_ledger *second = NULL;
	char *msg = NULL;
	ck_assert_int_eq(cp_ledger_open(cfg, dbpath2, CP_LEDGER_CREATE, &second, NULL), CP_OK);
	ck_assert_int_eq(import(second, out, &msg), CP_ERR_INVAL);
	ck_assert_ptr_nonnull(
	    strstr(msg, "].other_owners: the account is claimed by more than one"));
	cp_ledger_close(second);
	free(msg);
	free(out);
}
END_TEST

/* A dry run: the import inside the caller's transaction, rolled back. */
START_TEST(test_dry_run)
{
	unsigned long before = event_count(led);
	ck_assert_int_eq(cp_ledger_begin(led), CP_OK);
	import_ok(led, sample, sample_len);
	ck_assert_uint_gt(event_count(led), before);
	cp_ledger_rollback(led);
	ck_assert_uint_eq(event_count(led), before);
	char *out = export(led);
	ck_assert_ptr_null(strstr(out, "E10086"));
	free(out);
}
END_TEST

/* ---- the import event ---- */

struct found {
	unsigned n;
	char detail[128], actor[32];
};

static int find_import(const cp_event *ev, void *ctx)
{
	struct found *f = ctx;
	if (strcmp(cp_event_kind(ev), "import") == 0) {
		f->n++;
		snprintf(f->detail, sizeof f->detail, "%s", cp_event_detail(ev));
		snprintf(f->actor, sizeof f->actor, "%s", cp_event_actor(ev));
	}
	return 0;
}

START_TEST(test_import_event)
{
	import_ok(led, sample, sample_len);
	struct found f = {0};
	ck_assert_int_eq(cp_ledger_events(led, 0, find_import, &f), CP_OK);
	ck_assert_uint_eq(f.n, 1);
	ck_assert_str_eq(f.detail, "people=4 accounts=9 custodians=5");
	ck_assert_str_eq(f.actor, "test");
	uint64_t checked = 0;
	int64_t bad = -1;
	ck_assert_int_eq(cp_ledger_events_verify(led, &checked, &bad), CP_OK);
	ck_assert_uint_ge(checked, 1);
}
END_TEST

/* ---- R23: raw personal values are not stored ---- */

static bool file_contains(const char *path, const char *needle)
{
	size_t len = 0;
	if (access(path, F_OK) != 0)
		return false;
	char *buf = read_file(path, &len);
	bool found = memmem(buf, len, needle, strlen(needle)) != NULL;
	free(buf);
	return found;
}

START_TEST(test_personal_not_stored)
{
	import_ok(led, sample, sample_len);
	cp_ledger_close(led);
	led = NULL;
	char wal[320];
	snprintf(wal, sizeof wal, "%s-wal", dbpath);
	static const char *const raw[] = {
	    "110105199003151239", "150502198507040028",        "1990-03-15",
	    "1985-07-04",         "zhang.wei@tongliao.gov.cn", NULL};
	for (size_t i = 0; raw[i] != NULL; i++) {
		ck_assert_msg(!file_contains(dbpath, raw[i]), "%s stored in the ledger", raw[i]);
		ck_assert_msg(!file_contains(wal, raw[i]), "%s stored in the WAL", raw[i]);
	}
	/* ...but what the checks need is (the test is not vacuous). */
	ck_assert(file_contains(dbpath, "19900315") || file_contains(wal, "19900315"));
}
END_TEST

/* ---- bad input: rejected, named, nothing written ---- */

struct bad_case {
	const char *what;
	const char *people; /* NULL: the next field is the whole document */
	const char *accounts;
	const char *expect; /* in the message */
};

static const struct bad_case bad_cases[] = {
    {"malformed JSON", NULL, "{\"format\": \"credpolicy-ledger\", \"version\": 1, \"people\": [",
     "line 1, column 57: not a valid JSON document: the text ends too early"},
    {"not an object", NULL, "[]", "the document must be a JSON object"},
    {"invalid UTF-8", NULL,
     "{\"format\": \"credpolicy-ledger\", \"version\": 1, \"people\": "
     "[{\"employee_id\": \"E1\", \"name\": \"\xff\xfe\"}]}",
     "not a valid JSON document: not valid UTF-8"},
    {"duplicate key", NULL,
     "{\"format\": \"credpolicy-ledger\", \"format\": \"credpolicy-ledger\", \"version\": 1}",
     "a key appears twice in one object"},
    {"NUL in a string", NULL,
     "{\"format\": \"credpolicy-ledger\", \"version\": 1, \"people\": "
     "[{\"employee_id\": \"E\\u00001\", \"name\": \"x\"}]}",
     "a string contains a NUL character"},
    {"wrong format", NULL, "{\"format\": \"passwd\", \"version\": 1}",
     "format: must be \"credpolicy-ledger\""},
    {"wrong version", NULL, "{\"format\": \"credpolicy-ledger\", \"version\": 2}",
     "version: unsupported version (this credpolicy reads version 1)"},
    {"missing version", NULL, "{\"format\": \"credpolicy-ledger\"}",
     "version: required field is missing"},
    {"people not an array", NULL,
     "{\"format\": \"credpolicy-ledger\", \"version\": 1, \"people\": {}}",
     "people: must be an array"},
    {"unknown top-level field", NULL,
     "{\"format\": \"credpolicy-ledger\", \"version\": 1, \"acounts\": []}",
     "unknown field \"acounts\""},
    {"unknown class", P_ZHANG,
     "{\"name\": \"zhangw\", \"class\": \"no-such-class\", \"kind\": \"personal\", "
     "\"owner\": \"E1\"}",
     "accounts[0].class: unknown account class \"no-such-class\""},
    {"account twice with two owners", P_ZHANG "," P_LI,
     A_ZHANG ", {\"name\": \"zhangw\", \"scope\": \"*\", \"class\": \"admin-workstation\", "
             "\"kind\": \"personal\", \"owner\": \"E2\"}",
     "accounts[1]: account \"zhangw\" with scope \"*\" is listed twice (first in accounts[0])"},
    {"owner a number", P_ZHANG,
     "{\"name\": \"zhangw\", \"class\": \"default\", \"kind\": \"personal\", \"owner\": 1}",
     "accounts[0].owner: must be a string or null"},
    {"owner an array of two", P_ZHANG "," P_LI,
     "{\"name\": \"zhangw\", \"class\": \"default\", \"kind\": \"personal\", "
     "\"owner\": [\"E1\", \"E2\"]}",
     "accounts[0].owner: must be a string or null"},
    {"other owners", P_ZHANG "," P_LI,
     "{\"name\": \"zhangw\", \"class\": \"default\", \"kind\": \"personal\", "
     "\"owner\": \"E1\", \"other_owners\": [\"E2\"]}",
     "accounts[0].other_owners: the account is claimed by more than one person"},
    {"owner unknown", P_ZHANG,
     "{\"name\": \"zhangw\", \"class\": \"default\", \"kind\": \"personal\", \"owner\": "
     "\"E404\"}",
     "accounts[0].owner: no person with employee id \"E404\" in the file or the ledger"},
    {"duplicate employee id", P_ZHANG ", {\"employee_id\": \"E1\", \"name\": \"Wang Fang\"}", "",
     "people[1].employee_id: employee id \"E1\" is listed twice (first in people[0])"},
    {"unknown field", P_ZHANG,
     "{\"name\": \"zhangw\", \"class\": \"default\", \"kind\": \"personal\", "
     "\"custodian\": [\"E1\"]}",
     "accounts[0]: unknown field \"custodian\""},
    {"unknown personal fact",
     "{\"employee_id\": \"E1\", \"name\": \"x\", \"personal\": "
     "{\"pet\": \"Rex\"}}",
     "", "people[0].personal: unknown field \"pet\""},
    {"bad date", P_ZHANG,
     "{\"name\": \"zhangw\", \"class\": \"default\", \"kind\": \"personal\", "
     "\"last_change\": \"2026-02-30T00:00:00Z\"}",
     "accounts[0].last_change: not a date"},
    {"date in the future (2062 for 2026: never expires)", P_ZHANG,
     "{\"name\": \"zhangw\", \"class\": \"default\", \"kind\": \"personal\", "
     "\"owner\": \"E1\", \"last_change\": \"2062-01-05\"}",
     "accounts[0].last_change: the date is in the future"},
    {"custodian the ledger knows as departed (R13)", "",
     "{\"name\": \"svc\", \"class\": \"default\", \"kind\": \"service\", "
     "\"custodians\": [\"E20001\"]}",
     "accounts[0].custodians[0]: \"E20001\" has departed: a leaver keeps no custodian link"},
    {"date not UTC", P_ZHANG,
     "{\"name\": \"zhangw\", \"class\": \"default\", \"kind\": \"personal\", "
     "\"last_change\": \"2026-02-03T00:00:00+08:00\"}",
     "accounts[0].last_change: not a date"},
    {"bad kind", P_ZHANG, "{\"name\": \"zhangw\", \"class\": \"default\", \"kind\": \"shared\"}",
     "accounts[0].kind: unknown kind \"shared\""},
    {"missing kind", P_ZHANG, "{\"name\": \"zhangw\", \"class\": \"default\"}",
     "accounts[0].kind: required field is missing"},
    {"custodian unknown", P_ZHANG,
     "{\"name\": \"root\", \"class\": \"default\", \"kind\": \"service\", "
     "\"custodians\": [\"E1\", \"E77\"]}",
     "accounts[0].custodians[1]: no person with employee id \"E77\""},
    {"custodian twice", P_ZHANG,
     "{\"name\": \"root\", \"class\": \"default\", \"kind\": \"service\", "
     "\"custodians\": [\"E1\", \"E1\"]}",
     "accounts[0].custodians[1]: \"E1\" is listed twice"},
    {"departed custodian",
     "{\"employee_id\": \"E1\", \"name\": \"x\", \"status\": \"departed\", "
     "\"departed_at\": \"2026-01-31\"}",
     "{\"name\": \"root\", \"class\": \"default\", \"kind\": \"service\", "
     "\"custodians\": [\"E1\"]}",
     "accounts[0].custodians[0]: \"E1\" has departed"},
    {"departed without date",
     "{\"employee_id\": \"E1\", \"name\": \"x\", \"status\": \"departed\"}", "",
     "people[0].departed_at: a departed person needs the date of departure"},
    {"bad status", "{\"employee_id\": \"E1\", \"name\": \"x\", \"status\": \"retired\"}", "",
     "people[0].status: unknown status \"retired\""},
    {"missing name", "{\"employee_id\": \"E1\"}", "", "people[0].name: required field is missing"},
    {"bad token", "{\"employee_id\": \"E1\", \"name\": \"x\", \"tokens\": [\"Zhang Wei\"]}", "",
     "people[0].tokens[0]: not a token"},
    {"bad birthday",
     "{\"employee_id\": \"E1\", \"name\": \"x\", \"personal\": "
     "{\"birthday\": \"1990-13-45\"}}",
     "", "people[0].personal.birthday: "},
    {"bad id card",
     "{\"employee_id\": \"E1\", \"name\": \"x\", \"personal\": "
     "{\"id_card\": \"110105199003151238\"}}",
     "", "people[0].personal.id_card: "},
    {"control character", "{\"employee_id\": \"E1\\u001b[31m\", \"name\": \"x\"}", "",
     "people[0].employee_id: must be 1 to 255 bytes of text without control characters"},
    {"record not an object", "\"E1\"", "", "people[0]: must be an object"},
};

/* The ledger as it was before: same export, same events. */
START_TEST(test_bad_input)
{
	const struct bad_case *c = &bad_cases[_i];
	import_ok(led, sample, sample_len);
	char *before = export(led);
	unsigned long events = event_count(led);
	char *d = c->people != NULL ? doc(c->people, c->accounts) : strdup(c->accounts);
	char *msg = NULL;
	ck_assert_int_eq(import(led, d, &msg), CP_ERR_INVAL);
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, c->expect) != NULL, "%s: wanted \"%s\" in:\n%s", c->what,
	              c->expect, msg);
	ck_assert_msg(strstr(msg, "1990-13-45") == NULL && strstr(msg, "199003151238") == NULL,
	              "%s: the message repeats a personal value: %s", c->what, msg);
	ck_assert_msg(strchr(msg, '\x1b') == NULL, "%s: control character in the message", c->what);
	char *after = export(led);
	ck_assert_str_eq(before, after);
	ck_assert_uint_eq(event_count(led), events);
	free(before);
	free(after);
	free(msg);
	free(d);
}
END_TEST

/* Every problem, each with its record, one per line. */
START_TEST(test_every_problem_reported)
{
	char *d = doc("{\"employee_id\": \"E1\", \"name\": \"x\"}, "
	              "{\"employee_id\": \"E2\", \"nmae\": \"y\"}, "
	              "{\"employee_id\": \"E3\", \"name\": \"z\"}, "
	              "{\"employee_id\": \"E1\", \"name\": \"w\"}",
	              "{\"name\": \"a\", \"class\": \"default\", \"kind\": \"personal\"}, "
	              "{\"name\": \"b\", \"class\": \"nope\", \"kind\": \"personal\"}, "
	              "{\"name\": \"c\", \"class\": \"default\", \"kind\": \"personal\", "
	              "\"owner\": \"E9\", \"locked\": \"yes\"}");
	char *msg = NULL;
	ck_assert_int_eq(import(led, d, &msg), CP_ERR_INVAL);
	static const char *const want[] = {
	    "people[1]: unknown field \"nmae\"",
	    "people[1].name: required field is missing",
	    "people[3].employee_id: employee id \"E1\" is listed twice (first in people[0])",
	    "accounts[1].class: unknown account class \"nope\"",
	    "accounts[2].owner: no person with employee id \"E9\"",
	    "accounts[2].locked: must be true or false",
	};
	size_t lines = 1;
	for (const char *p = msg; *p != '\0'; p++)
		lines += *p == '\n';
	ck_assert_msg(lines == sizeof want / sizeof want[0], "%zu problems in:\n%s", lines, msg);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		ck_assert_msg(strstr(msg, want[i]) != NULL, "no \"%s\" in:\n%s", want[i], msg);
	ck_assert(strncmp(msg, "people[0]", 9) != 0 && strstr(msg, "\npeople[0]") == NULL);
	ck_assert_ptr_null(strstr(msg, "\naccounts[0]"));
	free(msg);
	free(d);
}
END_TEST

START_TEST(test_bad_arguments)
{
	char *msg = NULL;
	ck_assert_int_eq(cp_ledger_import_json(NULL, "{}", 2, NULL, &msg), CP_ERR_INVAL);
	ck_assert_ptr_nonnull(msg);
	free(msg);
	ck_assert_int_eq(cp_ledger_import_json(led, NULL, 0, NULL, NULL), CP_ERR_INVAL);
	char *out = NULL;
	size_t len = 0;
	ck_assert_int_eq(cp_ledger_export_json(NULL, &out, &len), CP_ERR_INVAL);
	ck_assert_int_eq(cp_ledger_export_json(led, NULL, &len), CP_ERR_INVAL);
}
END_TEST

/* A read-only ledger refuses the import after checking it; problems are
 * still reported as problems. */
START_TEST(test_readonly)
{
	cp_ledger *ro = NULL;
	ck_assert_int_eq(cp_ledger_open(cfg, dbpath, CP_LEDGER_READONLY, &ro, NULL), CP_OK);
	char *msg = NULL;
	ck_assert_int_ne(cp_ledger_import_json(ro, sample, sample_len, "test", &msg), CP_OK);
	ck_assert_ptr_nonnull(msg);
	free(msg);
	msg = NULL;
	ck_assert_int_eq(import(ro, "[]", &msg), CP_ERR_INVAL);
	ck_assert_ptr_nonnull(strstr(msg, "must be a JSON object"));
	free(msg);
	cp_ledger_close(ro);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ledger_json");
	TCase *tc = tcase_create("json");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_export_layout);
	tcase_add_test(tc, test_empty_ledger_export);
	tcase_add_test(tc, test_state_applied);
	tcase_add_test(tc, test_owner_in_ledger);
	tcase_add_test(tc, test_absent_state_kept);
	tcase_add_test(tc, test_shared_account);
	tcase_add_test(tc, test_dry_run);
	tcase_add_test(tc, test_import_event);
	tcase_add_test(tc, test_personal_not_stored);
	tcase_add_loop_test(tc, test_bad_input, 0, (int)(sizeof bad_cases / sizeof bad_cases[0]));
	tcase_add_test(tc, test_every_problem_reported);
	tcase_add_test(tc, test_bad_arguments);
	tcase_add_test(tc, test_readonly);
	suite_add_tcase(s, tc);
	return s;
}

CP_TEST_MAIN(make_suite)
