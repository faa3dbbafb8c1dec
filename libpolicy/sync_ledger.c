/* sync_ledger.c - the directory sync's own statements on the ledger:
 * directory_entries (which record each directory entry made), sync_state
 * (cookies, high-water mark, last full reconciliation), memberships of
 * source 'directory', and the few changes the public API has no call for
 * (removing an account, renaming one, a person's employee id). They run
 * inside the sync's transaction; each change writes its event with actor
 * "sync" (schema version 3, ledger_schema.c). */
#include "ledger_internal.h"
#include "sync_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACTOR "sync"

static const char *const dir_kinds[SK_COUNT] = {"person", "account", "group"};

static enum sync_kind kind_of(const char *s)
{
	return strcmp(s, "person") == 0    ? SK_PERSON
	       : strcmp(s, "account") == 0 ? SK_ACCOUNT
	                                   : SK_GROUP;
}

static char *dup_col(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL : strdup(ledger_col_text(st, i));
}

/* ------------------------------------------------------------ directory_entries */

/* The key of an entry's row: its entryUUID for a person, qualified by
 * the kind for an account or a group, since one entry may be both a
 * person and an account (an inetOrgPerson with employeeNumber and uid). */
#define DIR_KEY_MAX 48
static void dir_key(enum sync_kind kind, const char *uuid, char out[DIR_KEY_MAX])
{
	snprintf(out, DIR_KEY_MAX, "%s%s%s", uuid, kind == SK_PERSON ? "" : "#",
	         kind == SK_PERSON ? "" : dir_kinds[kind]);
}

/* The entryUUID of a key. */
static void key_uuid(const char *key, char out[37])
{
	snprintf(out, 37, "%.*s", (int)strcspn(key, "#"), key);
}

void dir_row_clear(struct dir_row *r)
{
	free(r->dn);
	free(r->grp);
	memset(r, 0, sizeof(*r));
}

static int row_from(sqlite3_stmt *st, int first, struct dir_row *r)
{
	r->kind = kind_of(ledger_col_text(st, first));
	r->dn = strdup(ledger_col_text(st, first + 1));
	r->id = r->kind == SK_PERSON ? sqlite3_column_int64(st, first + 2)
	                             : sqlite3_column_int64(st, first + 3);
	r->grp = dup_col(st, first + 4);
	return r->dn != NULL && (r->kind != SK_GROUP || r->grp != NULL) ? CP_OK : CP_ERR_NOMEM;
}

int dir_get(cp_ledger *l, enum sync_kind kind, const char *uuid, struct dir_row *out)
{
	char key[DIR_KEY_MAX];
	int rc = CP_OK;
	dir_key(kind, uuid, key);
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = ledger_stmt(l, ST_DIR_GET,
	                               "SELECT kind, dn, person_id, account_id, grp"
	                               " FROM directory_entries WHERE uuid = ?",
	                               &rc);
	if (st == NULL)
		return rc;
	ledger_bind_text(st, 1, key);
	rc = ledger_step_row(st);
	if (rc == CP_OK)
		rc = row_from(st, 0, out);
	sqlite3_reset(st);
	return rc;
}

/* A new row is a plain INSERT: OR REPLACE would look for rows to replace
 * in every unique index first, which a full sync pays 200,000 times. */
static int dir_insert(cp_ledger *l, const char *key, enum sync_kind kind, const char *dn,
                      int64_t id, const char *grp)
{
	int rc = CP_OK;
	sqlite3_stmt *st = ledger_stmt(l, ST_DIR_PUT,
	                               "INSERT INTO directory_entries"
	                               " (uuid, kind, dn, person_id, account_id, grp)"
	                               " VALUES (?, ?, ?, ?, ?, ?)",
	                               &rc);
	if (st == NULL)
		return rc;
	ledger_bind_text(st, 1, key);
	ledger_bind_text(st, 2, dir_kinds[kind]);
	ledger_bind_text(st, 3, dn);
	if (kind == SK_PERSON)
		sqlite3_bind_int64(st, 4, id);
	if (kind == SK_ACCOUNT)
		sqlite3_bind_int64(st, 5, id);
	if (kind == SK_GROUP)
		ledger_bind_text(st, 6, grp);
	return ledger_step_done(st);
}

int dir_put(cp_ledger *l, const char *uuid, enum sync_kind kind, const char *dn, int64_t id,
            const char *grp, bool fresh)
{
	char key[DIR_KEY_MAX];
	int rc = CP_OK;
	dir_key(kind, uuid, key);
	if (fresh)
		return dir_insert(l, key, kind, dn, id, grp);
	sqlite3_stmt *st = ledger_stmt(
	    l, ST_DIR_UPDATE, "UPDATE directory_entries SET dn = ?, grp = ? WHERE uuid = ?", &rc);
	if (st == NULL)
		return rc;
	ledger_bind_text(st, 1, dn);
	if (kind == SK_GROUP)
		ledger_bind_text(st, 2, grp);
	ledger_bind_text(st, 3, key);
	return ledger_step_done(st);
}

int dir_delete(cp_ledger *l, enum sync_kind kind, const char *uuid)
{
	char key[DIR_KEY_MAX];
	int rc = CP_OK;
	dir_key(kind, uuid, key);
	sqlite3_stmt *st =
	    ledger_stmt(l, ST_DIR_DELETE, "DELETE FROM directory_entries WHERE uuid = ?", &rc);
	if (st == NULL)
		return rc;
	ledger_bind_text(st, 1, key);
	return ledger_step_done(st);
}

int dir_uuid_of(cp_ledger *l, enum sync_kind kind, int64_t id, char uuid[37])
{
	int rc = CP_OK;
	sqlite3_stmt *st =
	    kind == SK_PERSON
	        ? ledger_stmt(l, ST_DIR_UUID_PERSON,
	                      "SELECT uuid FROM directory_entries WHERE person_id = ?", &rc)
	        : ledger_stmt(l, ST_DIR_UUID_ACCOUNT,
	                      "SELECT uuid FROM directory_entries WHERE account_id = ?", &rc);
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	rc = ledger_step_row(st);
	if (rc == CP_OK)
		key_uuid(ledger_col_text(st, 0), uuid);
	sqlite3_reset(st);
	return rc;
}

/* Its own statement: fn may run the cached ones. */
int dir_each(cp_ledger *l, enum sync_kind kind,
             int (*fn)(const char *uuid, const struct dir_row *r, void *ctx), void *ctx)
{
	sqlite3_stmt *st = NULL;
	int rc = ledger_rc(sqlite3_prepare_v2(l->db,
	                                      "SELECT uuid, kind, dn, person_id, account_id, grp"
	                                      " FROM directory_entries WHERE kind = ?",
	                                      -1, &st, NULL));
	if (rc == CP_OK)
		ledger_bind_text(st, 1, dir_kinds[kind]);
	while (rc == CP_OK && (rc = ledger_step_row(st)) == CP_OK) {
		struct dir_row r;
		char uuid[37];
		key_uuid(ledger_col_text(st, 0), uuid);
		rc = row_from(st, 1, &r);
		if (rc == CP_OK && fn(uuid, &r, ctx) != 0)
			rc = CP_ERR_NOTFOUND; /* stop */
		dir_row_clear(&r);
	}
	sqlite3_finalize(st);
	return rc == CP_ERR_NOTFOUND ? CP_OK : rc;
}

/* Only the UUIDs: the deletions of a complete read need nothing else,
 * and copying every row's DN only to drop it is a good part of the
 * scan's cost. A person's or an account's come from the partial index on
 * its id (the CHECK constraint ties the id to the kind), which holds the
 * key and the id only, not the whole table with every DN. */
static const char *const uuids_of[SK_COUNT] = {
    [SK_PERSON] = "SELECT uuid FROM directory_entries WHERE person_id IS NOT NULL",
    [SK_ACCOUNT] = "SELECT uuid FROM directory_entries WHERE account_id IS NOT NULL",
    [SK_GROUP] = "SELECT uuid FROM directory_entries WHERE kind = 'group'",
};

int dir_each_uuid(cp_ledger *l, enum sync_kind kind, int (*fn)(const char *uuid, void *ctx),
                  void *ctx)
{
	sqlite3_stmt *st = NULL;
	int rc = ledger_rc(sqlite3_prepare_v2(l->db, uuids_of[kind], -1, &st, NULL));
	while (rc == CP_OK && (rc = ledger_step_row(st)) == CP_OK) {
		char uuid[37];
		key_uuid(ledger_col_text(st, 0), uuid);
		if (fn(uuid, ctx) != 0)
			rc = CP_ERR_NOTFOUND; /* stop */
	}
	sqlite3_finalize(st);
	return rc == CP_ERR_NOTFOUND ? CP_OK : rc;
}

int dir_count(cp_ledger *l, enum sync_kind kind, size_t *n)
{
	char *sql = cp_asprintf("SELECT count(*) FROM (%s)", uuids_of[kind]);
	sqlite3_stmt *st = NULL;
	int rc =
	    sql != NULL ? ledger_rc(sqlite3_prepare_v2(l->db, sql, -1, &st, NULL)) : CP_ERR_NOMEM;
	if (rc == CP_OK)
		rc = ledger_step_row(st);
	*n = rc == CP_OK ? (size_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	free(sql);
	return rc;
}

int sync_person_ids(cp_ledger *l, struct strmap *m)
{
	sqlite3_stmt *st = NULL;
	int rc = ledger_rc(
	    sqlite3_prepare_v2(l->db, "SELECT employee_id, id FROM people", -1, &st, NULL));
	while (rc == CP_OK && (rc = ledger_step_row(st)) == CP_OK)
		rc = strmap_put(m, ledger_col_text(st, 0), sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	return rc == CP_ERR_NOTFOUND ? CP_OK : rc;
}

/* ------------------------------------------------------------ sync_state */

int sync_state_get(cp_ledger *l, const char *key, char **value)
{
	int rc = CP_OK;
	*value = NULL;
	sqlite3_stmt *st =
	    ledger_stmt(l, ST_SYNC_STATE_GET, "SELECT value FROM sync_state WHERE key = ?", &rc);
	if (st == NULL)
		return rc;
	ledger_bind_text(st, 1, key);
	rc = ledger_step_row(st);
	if (rc == CP_OK && (*value = strdup(ledger_col_text(st, 0))) == NULL)
		rc = CP_ERR_NOMEM;
	sqlite3_reset(st);
	return rc;
}

int sync_state_set(cp_ledger *l, const char *key, const char *value)
{
	int rc = CP_OK;
	sqlite3_stmt *st =
	    ledger_stmt(l, ST_SYNC_STATE_SET,
	                "INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, ?)", &rc);
	if (st == NULL)
		return rc;
	ledger_bind_text(st, 1, key);
	ledger_bind_text(st, 2, value);
	return ledger_step_done(st);
}

/* ------------------------------------------------------------ accounts and people */

static void list_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void ledger_acct_clear(struct ledger_acct *a)
{
	free(a->name);
	free(a->scope);
	free(a->class_name);
	free(a->lock_reason);
	free(a->must_change);
	list_free(a->owners, a->nowners);
	list_free(a->custodians, a->ncustodians);
	memset(a, 0, sizeof(*a));
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int push_id(char ***v, size_t *n, const char *id)
{
	char **w = realloc(*v, (*n + 1) * sizeof(*w));
	if (w == NULL)
		return CP_ERR_NOMEM;
	*v = w;
	if ((w[*n] = strdup(id)) == NULL)
		return CP_ERR_NOMEM;
	(*n)++;
	return CP_OK;
}

/* The employee ids of the owners and of the custodians of account id,
 * each list sorted like sync_entry.c's (strcmp: SQLite's BINARY order).
 * One statement for both, sorted here: an ORDER BY would build a
 * temporary B-tree for every account of a full sync (the lists hold one
 * or two ids). */
static int people_of(cp_ledger *l, int64_t id, struct ledger_acct *a)
{
	int rc = CP_OK;
	sqlite3_stmt *st = ledger_stmt(l, ST_SYNC_ACCT_OWNERS,
	                               "SELECT 0, p.employee_id FROM owners o JOIN people p"
	                               " ON p.id = o.person_id WHERE o.account_id = ?1"
	                               " UNION ALL"
	                               " SELECT 1, p.employee_id FROM custodians c JOIN people p"
	                               " ON p.id = c.person_id WHERE c.account_id = ?1",
	                               &rc);
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = ledger_step_row(st)) == CP_OK) {
		const char *eid = ledger_col_text(st, 1);
		rc = sqlite3_column_int(st, 0) == 0 ? push_id(&a->owners, &a->nowners, eid)
		                                    : push_id(&a->custodians, &a->ncustodians, eid);
		if (rc != CP_OK)
			break;
	}
	sqlite3_reset(st);
	if (rc != CP_ERR_NOTFOUND)
		return rc;
	if (a->nowners > 1)
		qsort(a->owners, a->nowners, sizeof(*a->owners), cmp_id);
	if (a->ncustodians > 1)
		qsort(a->custodians, a->ncustodians, sizeof(*a->custodians), cmp_id);
	return CP_OK;
}

static cp_account_kind kind_named(const char *s)
{
	return strcmp(s, "service") == 0       ? CP_ACCOUNT_SERVICE
	       : strcmp(s, "break-glass") == 0 ? CP_ACCOUNT_BREAK_GLASS
	                                       : CP_ACCOUNT_PERSONAL;
}

int ledger_acct_load(cp_ledger *l, int64_t id, struct ledger_acct *a)
{
	int rc = CP_OK;
	memset(a, 0, sizeof(*a));
	sqlite3_stmt *st =
	    ledger_stmt(l, ST_SYNC_ACCT_ROW,
	                "SELECT name, scope, class, kind, otp, locked, lock_reason,"
	                " last_change, must_change_reason FROM accounts WHERE id = ?",
	                &rc);
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	rc = ledger_step_row(st);
	if (rc == CP_OK) {
		a->id = id;
		a->name = strdup(ledger_col_text(st, 0));
		a->scope = strdup(ledger_col_text(st, 1));
		a->class_name = strdup(ledger_col_text(st, 2));
		a->kind = kind_named(ledger_col_text(st, 3));
		a->otp = sqlite3_column_int(st, 4) != 0;
		a->locked = sqlite3_column_int(st, 5) != 0;
		a->lock_reason = dup_col(st, 6);
		a->last_change = sqlite3_column_int64(st, 7);
		a->must_change = dup_col(st, 8);
		if (a->name == NULL || a->scope == NULL || a->class_name == NULL)
			rc = CP_ERR_NOMEM;
	}
	sqlite3_reset(st);
	if (rc == CP_OK)
		rc = people_of(l, id, a);
	if (rc != CP_OK)
		ledger_acct_clear(a);
	return rc;
}

int ledger_person_row(cp_ledger *l, int64_t id, char **employee_id, bool *departed)
{
	int rc = CP_OK;
	*employee_id = NULL;
	sqlite3_stmt *st = ledger_stmt(l, ST_SYNC_PERSON_ROW,
	                               "SELECT employee_id, status FROM people WHERE id = ?", &rc);
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	rc = ledger_step_row(st);
	if (rc == CP_OK) {
		*departed = strcmp(ledger_col_text(st, 1), "departed") == 0;
		if ((*employee_id = strdup(ledger_col_text(st, 0))) == NULL)
			rc = CP_ERR_NOMEM;
	}
	sqlite3_reset(st);
	return rc;
}

/* One statement of one id and up to two texts, with its event. */
static int change_with_event(cp_ledger *l, enum ledger_stmt slot, const char *sql, const char *t1,
                             const char *t2, int64_t id, const char *kind, const char *account,
                             const char *person, const char *detail)
{
	int rc = ledger_write_begin(l);
	if (rc != CP_OK)
		return rc;
	sqlite3_stmt *st = ledger_stmt(l, slot, sql, &rc);
	if (st != NULL) {
		int i = 1;
		if (t1 != NULL)
			ledger_bind_text(st, i++, t1);
		if (t2 != NULL)
			ledger_bind_text(st, i++, t2);
		sqlite3_bind_int64(st, i, id);
		rc = ledger_step_done(st);
	}
	if (rc == CP_OK)
		rc = ledger_event_append(l, kind, account, person, ACTOR, NULL, detail);
	return ledger_write_end(l, rc);
}

/* Its owners, custodians, history, sessions, review and directory row go
 * with it (ON DELETE CASCADE); the event log keeps its story. */
int sync_account_remove(cp_ledger *l, int64_t id, const char *label, const char *detail)
{
	return change_with_event(l, ST_SYNC_ACCT_DELETE, "DELETE FROM accounts WHERE id = ?", NULL,
	                         NULL, id, "remove", label, NULL, detail);
}

int sync_account_rename(cp_ledger *l, int64_t id, const char *name, const char *scope,
                        const char *old_label)
{
	char *detail = cp_asprintf("name=%s scope=%s", name, scope);
	int rc = detail != NULL
	             ? change_with_event(l, ST_SYNC_ACCT_RENAME,
	                                 "UPDATE accounts SET name = ?, scope = ?"
	                                 " WHERE id = ?",
	                                 name, scope, id, "rename", old_label, NULL, detail)
	             : CP_ERR_NOMEM;
	free(detail);
	return rc;
}

int sync_person_rekey(cp_ledger *l, int64_t id, const char *old_id, const char *new_id)
{
	char *detail = cp_asprintf("employee_id=%s", new_id);
	int rc = detail != NULL
	             ? change_with_event(l, ST_SYNC_PERSON_REKEY,
	                                 "UPDATE people SET employee_id = ? WHERE id = ?", new_id,
	                                 NULL, id, "person_update", NULL, old_id, detail)
	             : CP_ERR_NOMEM;
	free(detail);
	return rc;
}

int sync_must_change_time(cp_ledger *l, const char *label, int64_t *when)
{
	int rc = CP_OK;
	*when = 0;
	sqlite3_stmt *st = ledger_stmt(l, ST_SYNC_MUST_CHANGE_TIME,
	                               "SELECT coalesce(max(time), 0) FROM events"
	                               " WHERE kind = 'must_change' AND account = ?",
	                               &rc);
	if (st == NULL)
		return rc;
	ledger_bind_text(st, 1, label);
	rc = ledger_step_row(st);
	if (rc == CP_OK)
		*when = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc;
}

int sync_renamed_time(cp_ledger *l, const char *name, const char *scope, int64_t *when)
{
	sqlite3_stmt *st = NULL;
	char *detail = cp_asprintf("name=%s scope=%s", name, scope); /* sync_account_rename's */
	*when = 0;
	int rc = detail != NULL ? ledger_rc(sqlite3_prepare_v2(
	                              l->db,
	                              "SELECT coalesce(max(time), 0) FROM events"
	                              " WHERE kind = 'rename' AND actor = 'sync' AND detail = ?",
	                              -1, &st, NULL))
	                        : CP_ERR_NOMEM;
	if (rc == CP_OK) {
		ledger_bind_text(st, 1, detail);
		rc = ledger_step_row(st);
	}
	if (rc == CP_OK)
		*when = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	free(detail);
	return rc;
}

/* ------------------------------------------------------------ memberships */

void sync_members_free(struct member_row *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].scope);
	free(v);
}

int sync_members_of(cp_ledger *l, const char *grp, struct member_row **out, size_t *n)
{
	int rc = CP_OK;
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = ledger_stmt(l, ST_SYNC_MEMBERS_OF,
	                               "SELECT person_id, scope FROM memberships"
	                               " WHERE grp = ? AND source = 'directory'",
	                               &rc);
	if (st == NULL)
		return rc;
	ledger_bind_text(st, 1, grp);
	while ((rc = ledger_step_row(st)) == CP_OK) {
		struct member_row *v = realloc(*out, (*n + 1) * sizeof(*v));
		if (v == NULL) {
			rc = CP_ERR_NOMEM;
			break;
		}
		*out = v;
		v[*n].person = sqlite3_column_int64(st, 0);
		if ((v[*n].scope = strdup(ledger_col_text(st, 1))) == NULL) {
			rc = CP_ERR_NOMEM;
			break;
		}
		(*n)++;
	}
	sqlite3_reset(st);
	return rc == CP_ERR_NOTFOUND ? CP_OK : rc;
}

/* The membership events of issue 7's cp_ledger_membership_add/remove. */
static int member_change(cp_ledger *l, int64_t person, const char *grp, const char *scope, bool add)
{
	char *eid = NULL, *detail = cp_asprintf("group=%s scope=%s", grp, scope);
	bool departed = false;
	int rc = detail != NULL ? ledger_person_row(l, person, &eid, &departed) : CP_ERR_NOMEM;
	sqlite3_stmt *st =
	    rc != CP_OK ? NULL
	    : add       ? ledger_stmt(l, ST_SYNC_MEMBER_ADD,
	                              "INSERT OR IGNORE INTO memberships (person_id, grp, scope, source)"
	                                    " VALUES (?, ?, ?, 'directory')",
	                              &rc)
	                : ledger_stmt(l, ST_SYNC_MEMBER_DEL,
	                              "DELETE FROM memberships WHERE person_id = ? AND grp = ?"
	                                    " AND scope = ? AND source = 'directory'",
	                              &rc);
	if (st != NULL) {
		sqlite3_bind_int64(st, 1, person);
		ledger_bind_text(st, 2, grp);
		ledger_bind_text(st, 3, scope);
		rc = ledger_step_done(st);
	}
	/* A membership recorded by hand (source 'local') stays as it is. */
	if (rc == CP_OK && sqlite3_changes(l->db) > 0)
		rc = ledger_event_append(l, add ? "membership_add" : "membership_remove", NULL, eid,
		                         ACTOR, NULL, detail);
	free(eid);
	free(detail);
	return rc;
}

int sync_member_add(cp_ledger *l, int64_t person, const char *grp, const char *scope)
{
	int rc = ledger_write_begin(l);
	return rc == CP_OK ? ledger_write_end(l, member_change(l, person, grp, scope, true)) : rc;
}

int sync_member_remove(cp_ledger *l, int64_t person, const char *grp, const char *scope)
{
	int rc = ledger_write_begin(l);
	return rc == CP_OK ? ledger_write_end(l, member_change(l, person, grp, scope, false)) : rc;
}
