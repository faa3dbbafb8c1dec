/* ledger_review.c - access reviews (R19) and group memberships (R18).
 *
 * The reviews table keeps each account's latest review; every review,
 * older ones included, is also a "review" event, so the event log holds
 * the whole history. The memberships table says which groups a person is
 * in for which hosts; [roles] in the configuration says which groups make
 * an OS or a database administrator, and "credpolicy report" puts the two
 * together. Rows written here have source 'local'; the directory sync
 * (issue 5) writes and owns the 'directory' rows, which these calls never
 * change.
 *
 * Both tables came with schema version 3. A ledger opened read-only at an
 * older version has neither: reads then find nothing rather than fail, so
 * that an export or a report of an old ledger still works. */
#include "ledger_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The schema version that has the reviews and memberships tables. */
#define SCHEMA_REVIEWS 3

static bool has_tables(const cp_ledger *l)
{
	return l->schema_version >= SCHEMA_REVIEWS;
}

/* ------------------------------------------------------------ reviews (R19) */

/* The review on record for account id: *when 0 when none. */
struct review_row {
	int64_t when;
	char *reviewer, *note;
};

static void review_clear(struct review_row *r)
{
	free(r->reviewer);
	free(r->note);
	*r = (struct review_row){0};
}

/* On failure *r is left empty: a caller has nothing to free. */
static int review_read(cp_ledger *l, int64_t account, struct review_row *r)
{
	int rc = CP_OK;
	*r = (struct review_row){0};
	if (!has_tables(l))
		return CP_OK;
	sqlite3_stmt *st = ledger_stmt(l, ST_REVIEW_GET,
	                               "SELECT reviewed_at, reviewer, note FROM reviews"
	                               " WHERE account_id = ?",
	                               &rc);
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, account);
	rc = ledger_step_row(st);
	if (rc == CP_OK) {
		r->when = sqlite3_column_int64(st, 0);
		r->reviewer = strdup(ledger_col_text(st, 1));
		r->note = strdup(ledger_col_text(st, 2));
		if (r->reviewer == NULL || r->note == NULL)
			rc = CP_ERR_NOMEM;
	}
	sqlite3_reset(st);
	if (rc != CP_OK && rc != CP_ERR_NOTFOUND)
		review_clear(r);
	return rc == CP_ERR_NOTFOUND ? CP_OK : rc;
}

static int review_store(cp_ledger *l, int64_t account, int64_t when, const char *reviewer,
                        const char *note)
{
	int rc = CP_OK;
	sqlite3_stmt *st = ledger_stmt(l, ST_REVIEW_PUT,
	                               "INSERT OR REPLACE INTO reviews"
	                               " (account_id, reviewed_at, reviewer, note)"
	                               " VALUES (?, ?, ?, ?)",
	                               &rc);
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_int64(st, 2, when);
	ledger_bind_text(st, 3, reviewer);
	ledger_bind_text(st, 4, note);
	return ledger_step_done(st);
}

static int review_event(cp_ledger *l, const char *name, const char *scope, int64_t when,
                        const char *reviewer, const char *note, const char *actor,
                        const char *ticket)
{
	char *label = ledger_account_label(name, scope);
	char *detail = cp_asprintf("reviewed_at=%lld reviewer=%s%s%s", (long long)when, reviewer,
	                           *note != '\0' ? " note=" : "", note);
	int rc = label != NULL && detail != NULL
	             ? ledger_event_append(l, "review", label, NULL, actor, ticket, detail)
	             : CP_ERR_NOMEM;
	free(label);
	free(detail);
	return rc;
}

/* Inside the write transaction: the account, what is on record, then the
 * row (when this review is the latest) and the event. */
static int review(cp_ledger *l, const char *name, const char *scope, const char *reviewer,
                  int64_t when, const char *note, const char *actor, const char *ticket)
{
	int64_t account = 0;
	struct review_row old = {0};
	int rc = ledger_account_id(l, name, scope, &account);
	if (rc == CP_OK)
		rc = review_read(l, account, &old);
	if (rc != CP_OK)
		return rc;
	bool same = old.reviewer != NULL && old.when == when &&
	            strcmp(old.reviewer, reviewer) == 0 && strcmp(old.note, note) == 0;
	bool latest = old.reviewer == NULL || when >= old.when;
	review_clear(&old);
	if (same)
		return CP_OK;
	if (latest)
		rc = review_store(l, account, when, reviewer, note);
	if (rc == CP_OK)
		rc = review_event(l, name, scope, when, reviewer, note, actor, ticket);
	return rc;
}

CP_EXPORT int cp_ledger_review(cp_ledger *l, const char *name, const char *scope,
                               const char *reviewer, int64_t when, const char *note,
                               const char *actor, const char *ticket)
{
	int64_t now = (int64_t)time(NULL);
	/* A review dated in the future (a typo: 2062 for 2026) would put off
	 * the next one for decades; a day of slack allows for clocks and zones. */
	if (l == NULL || when < 0 || when > now + 86400)
		return CP_ERR_INVAL;
	int rc = ledger_check_text(name, LEDGER_ID_MAX, true, false);
	if (rc == CP_OK && scope != NULL)
		rc = ledger_check_text(scope, LEDGER_ID_MAX, true, false);
	if (rc == CP_OK)
		rc = ledger_check_text(reviewer, LEDGER_TEXT_MAX, true, false);
	if (rc == CP_OK)
		rc = ledger_check_text(note, LEDGER_TEXT_MAX, false, false);
	if (rc == CP_OK)
		rc = ledger_check_audit(actor, ticket);
	if (rc == CP_OK)
		rc = ledger_write_begin(l);
	if (rc != CP_OK)
		return rc;
	rc = review(l, name, ledger_scope(scope), reviewer, when != 0 ? when : now,
	            note != NULL ? note : "", actor, ticket);
	return ledger_write_end(l, rc);
}

CP_EXPORT int cp_ledger_review_get(cp_ledger *l, const char *name, const char *scope, int64_t *when,
                                   char **reviewer, char **note)
{
	if (when != NULL)
		*when = 0;
	if (reviewer != NULL)
		*reviewer = NULL;
	if (note != NULL)
		*note = NULL;
	if (l == NULL || name == NULL || when == NULL || reviewer == NULL || note == NULL)
		return CP_ERR_INVAL;
	int64_t account = 0;
	struct review_row r = {0};
	bool started = false;
	int rc = ledger_read_begin(l, &started);
	if (rc == CP_OK)
		rc = ledger_account_id(l, name, ledger_scope(scope), &account);
	if (rc == CP_OK)
		rc = review_read(l, account, &r);
	ledger_read_end(l, started);
	if (rc != CP_OK)
		return rc;
	*when = r.when;
	*reviewer = r.reviewer;
	*note = r.note;
	return CP_OK;
}

/* Iterations prepare their own statement, so that fn may read the ledger. */
CP_EXPORT int cp_ledger_reviews(cp_ledger *l,
                                int (*fn)(const char *name, const char *scope, int64_t reviewed_at,
                                          const char *reviewer, const char *note, void *ctx),
                                void *ctx)
{
	if (l == NULL || fn == NULL)
		return CP_ERR_INVAL;
	if (!has_tables(l))
		return CP_OK;
	sqlite3_stmt *st = NULL;
	int rc = ledger_rc(sqlite3_prepare_v2(l->db,
	                                      "SELECT a.name, a.scope, r.reviewed_at, r.reviewer,"
	                                      " r.note FROM reviews r"
	                                      " JOIN accounts a ON a.id = r.account_id"
	                                      " ORDER BY a.name, a.scope",
	                                      -1, &st, NULL));
	bool stop = false;
	while (rc == CP_OK && !stop && (rc = ledger_step_row(st)) == CP_OK)
		stop =
		    fn(ledger_col_text(st, 0), ledger_col_text(st, 1), sqlite3_column_int64(st, 2),
		       ledger_col_text(st, 3), ledger_col_text(st, 4), ctx) != 0;
	sqlite3_finalize(st);
	return rc == CP_ERR_NOTFOUND ? CP_OK : rc; /* NOTFOUND: no more rows */
}

/* ------------------------------------------------------------ memberships (R18) */

/* A group name: text without blanks, since [roles] lists groups
 * separated by blanks and one with a blank could never match. */
static int check_membership_args(const char *employee_id, const char *group, const char *scope,
                                 const char *actor, const char *ticket)
{
	int rc = ledger_check_text(employee_id, LEDGER_ID_MAX, true, false);
	if (rc == CP_OK)
		rc = ledger_check_text(group, LEDGER_ID_MAX, true, false);
	if (rc == CP_OK && strchr(group, ' ') != NULL)
		rc = CP_ERR_INVAL;
	if (rc == CP_OK && scope != NULL)
		rc = ledger_check_text(scope, LEDGER_ID_MAX, true, false);
	if (rc == CP_OK)
		rc = ledger_check_audit(actor, ticket);
	return rc;
}

/* The source of the membership row, "" when there is none. */
static int membership_source(cp_ledger *l, int64_t person, const char *group, const char *scope,
                             char source[16])
{
	int rc = CP_OK;
	sqlite3_stmt *st = ledger_stmt(l, ST_MEMBERSHIP_GET,
	                               "SELECT source FROM memberships"
	                               " WHERE person_id = ? AND grp = ? AND scope = ?",
	                               &rc);
	source[0] = '\0';
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, person);
	ledger_bind_text(st, 2, group);
	ledger_bind_text(st, 3, scope);
	rc = ledger_step_row(st);
	if (rc == CP_OK)
		snprintf(source, 16, "%s", ledger_col_text(st, 0));
	sqlite3_reset(st);
	return rc == CP_ERR_NOTFOUND ? CP_OK : rc;
}

static int membership_write(cp_ledger *l, bool add, int64_t person, const char *group,
                            const char *scope)
{
	int rc = CP_OK;
	sqlite3_stmt *st =
	    add ? ledger_stmt(l, ST_MEMBERSHIP_INSERT,
	                      "INSERT INTO memberships (person_id, grp, scope, source)"
	                      " VALUES (?, ?, ?, 'local')",
	                      &rc)
	        : ledger_stmt(l, ST_MEMBERSHIP_DELETE,
	                      "DELETE FROM memberships WHERE person_id = ? AND grp = ?"
	                      " AND scope = ? AND source = 'local'",
	                      &rc);
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, person);
	ledger_bind_text(st, 2, group);
	ledger_bind_text(st, 3, scope);
	return ledger_step_done(st);
}

static int membership_change(cp_ledger *l, bool add, const char *employee_id, const char *group,
                             const char *scope, const char *actor, const char *ticket)
{
	int64_t person = 0;
	char source[16];
	int rc = ledger_person_id(l, employee_id, &person);
	if (rc == CP_OK)
		rc = membership_source(l, person, group, scope, source);
	if (rc != CP_OK)
		return rc;
	if (add && *source != '\0')
		return CP_OK; /* already a member, by hand or by the directory */
	if (!add && *source == '\0')
		return CP_ERR_NOTFOUND;
	if (!add && strcmp(source, "local") != 0)
		return CP_ERR_INVAL; /* the directory sync's to remove */
	rc = membership_write(l, add, person, group, scope);
	char *detail = rc == CP_OK ? cp_asprintf("group=%s scope=%s", group, scope) : NULL;
	if (rc == CP_OK)
		rc = detail != NULL
		         ? ledger_event_append(l, add ? "membership_add" : "membership_remove",
		                               NULL, employee_id, actor, ticket, detail)
		         : CP_ERR_NOMEM;
	free(detail);
	return rc;
}

static int membership_call(cp_ledger *l, bool add, const char *employee_id, const char *group,
                           const char *scope, const char *actor, const char *ticket)
{
	if (l == NULL)
		return CP_ERR_INVAL;
	int rc = check_membership_args(employee_id, group, scope, actor, ticket);
	if (rc == CP_OK)
		rc = ledger_write_begin(l);
	if (rc != CP_OK)
		return rc;
	rc = membership_change(l, add, employee_id, group, ledger_scope(scope), actor, ticket);
	return ledger_write_end(l, rc);
}

CP_EXPORT int cp_ledger_membership_add(cp_ledger *l, const char *employee_id, const char *group,
                                       const char *scope, const char *actor, const char *ticket)
{
	return membership_call(l, true, employee_id, group, scope, actor, ticket);
}

CP_EXPORT int cp_ledger_membership_remove(cp_ledger *l, const char *employee_id, const char *group,
                                          const char *scope, const char *actor, const char *ticket)
{
	return membership_call(l, false, employee_id, group, scope, actor, ticket);
}

CP_EXPORT int cp_ledger_memberships(cp_ledger *l, const char *employee_id,
                                    int (*fn)(const char *employee_id, const char *group,
                                              const char *scope, const char *source, void *ctx),
                                    void *ctx)
{
	if (l == NULL || fn == NULL)
		return CP_ERR_INVAL;
	if (!has_tables(l))
		return CP_OK;
	sqlite3_stmt *st = NULL;
	int rc = ledger_rc(sqlite3_prepare_v2(
	    l->db,
	    employee_id != NULL
	        ? "SELECT p.employee_id, m.grp, m.scope, m.source FROM memberships m"
	          " JOIN people p ON p.id = m.person_id WHERE p.employee_id = ?"
	          " ORDER BY m.grp, m.scope"
	        : "SELECT p.employee_id, m.grp, m.scope, m.source FROM memberships m"
	          " JOIN people p ON p.id = m.person_id ORDER BY p.employee_id, m.grp, m.scope",
	    -1, &st, NULL));
	if (rc == CP_OK && employee_id != NULL)
		ledger_bind_text(st, 1, employee_id);
	bool stop = false;
	while (rc == CP_OK && !stop && (rc = ledger_step_row(st)) == CP_OK)
		stop = fn(ledger_col_text(st, 0), ledger_col_text(st, 1), ledger_col_text(st, 2),
		          ledger_col_text(st, 3), ctx) != 0;
	sqlite3_finalize(st);
	return rc == CP_ERR_NOTFOUND ? CP_OK : rc; /* NOTFOUND: no more rows */
}
