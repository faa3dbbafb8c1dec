/* ledger_incident.c - the ledger side of a compromised password (R16), and
 * the look-ups that the helpdesk and offboarding commands need: live
 * sessions of an account, an account's directory entry, a person's name.
 *
 * A compromise is one transaction: the must-change flag, the incident
 * with its evidence, and one event per live session, so that the log
 * shows which sessions were open with the leaked password at the moment
 * it was reported (R16: 保护好现场并记录 - keep the scene and record it). */
#include "ledger_internal.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ sessions */

struct session_row {
	char *host, *service, *tty, *rhost;
	int64_t pid, opened_at;
};

/* Sessions of account id, by their own statement: the callback of
 * cp_ledger_account_sessions may use the ledger. */
static int sessions_prepare(cp_ledger *l, int64_t id, sqlite3_stmt **st)
{
	int rc = ledger_rc(sqlite3_prepare_v2(l->db,
	                                      "SELECT host, pid, service, tty, rhost, opened_at"
	                                      " FROM sessions WHERE account_id = ?"
	                                      " ORDER BY opened_at, host, pid",
	                                      -1, st, NULL));
	if (rc == CP_OK)
		sqlite3_bind_int64(*st, 1, id);
	return rc;
}

CP_EXPORT int cp_ledger_account_sessions(cp_ledger *l, const char *name, const char *scope,
                                         int (*fn)(const char *host, int64_t pid,
                                                   const char *service, const char *tty,
                                                   const char *rhost, int64_t opened_at, void *ctx),
                                         void *ctx)
{
	if (l == NULL || fn == NULL)
		return CP_ERR_INVAL;
	int64_t id = 0;
	sqlite3_stmt *st = NULL;
	int rc = ledger_check_text(name, LEDGER_ID_MAX, true, false);
	if (rc == CP_OK)
		rc = ledger_account_id(l, name, scope, &id);
	if (rc == CP_OK)
		rc = sessions_prepare(l, id, &st);
	int src = SQLITE_DONE;
	while (rc == CP_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
		if (fn(ledger_col_text(st, 0), sqlite3_column_int64(st, 1), ledger_col_text(st, 2),
		       ledger_col_text(st, 3), ledger_col_text(st, 4), sqlite3_column_int64(st, 5),
		       ctx) != 0)
			break;
	}
	if (rc == CP_OK && src != SQLITE_DONE && src != SQLITE_ROW)
		rc = ledger_rc(src);
	sqlite3_finalize(st);
	return rc;
}

/* ------------------------------------------------------------ compromise (R16) */

/* One "session_flag" event per live session of account id. */
static int flag_sessions(cp_ledger *l, int64_t id, const char *label, const char *actor,
                         const char *ticket, size_t *flagged)
{
	sqlite3_stmt *st = NULL;
	int rc = sessions_prepare(l, id, &st);
	int src = SQLITE_DONE;
	while (rc == CP_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
		char *detail =
		    cp_asprintf("host=%s pid=%lld service=%s tty=%s rhost=%s opened_at=%lld",
		                ledger_col_text(st, 0), (long long)sqlite3_column_int64(st, 1),
		                ledger_col_text(st, 2), ledger_col_text(st, 3),
		                ledger_col_text(st, 4), (long long)sqlite3_column_int64(st, 5));
		rc = detail != NULL ? ledger_event_append(l, "session_flag", label, NULL, actor,
		                                          ticket, detail)
		                    : CP_ERR_NOMEM;
		free(detail);
		if (rc == CP_OK)
			(*flagged)++;
	}
	if (rc == CP_OK && src != SQLITE_DONE)
		rc = ledger_rc(src);
	sqlite3_finalize(st);
	return rc;
}

static int compromise(cp_ledger *l, int64_t id, const char *label, const char *evidence,
                      const char *actor, const char *ticket, size_t *flagged)
{
	static const char reason[] = "compromised";
	bool changed = false;
	int rc = ledger_set_must_change_id(l, id, reason, &changed);
	if (rc == CP_OK && changed)
		rc = ledger_event_append(l, "must_change", label, NULL, actor, ticket, reason);
	if (rc == CP_OK)
		rc = ledger_event_append(l, "incident", label, NULL, actor, ticket, evidence);
	if (rc == CP_OK)
		rc = flag_sessions(l, id, label, actor, ticket, flagged);
	return rc;
}

CP_EXPORT int cp_ledger_compromised(cp_ledger *l, const char *name, const char *scope,
                                    const char *evidence, const char *actor, const char *ticket,
                                    size_t *flagged)
{
	size_t count = 0;
	if (flagged != NULL)
		*flagged = 0;
	if (l == NULL)
		return CP_ERR_INVAL;
	int rc = ledger_check_text(name, LEDGER_ID_MAX, true, false);
	if (rc == CP_OK && scope != NULL)
		rc = ledger_check_text(scope, LEDGER_ID_MAX, true, false);
	if (rc == CP_OK)
		rc = ledger_check_text(evidence, LEDGER_DETAIL_MAX, true, true);
	if (rc == CP_OK)
		rc = ledger_check_audit(actor, ticket);
	if (rc == CP_OK)
		rc = ledger_write_begin(l);
	if (rc != CP_OK)
		return rc;
	int64_t id = 0;
	char *label = NULL;
	rc = ledger_account_id(l, name, scope, &id);
	if (rc == CP_OK && (label = ledger_account_label(name, scope)) == NULL)
		rc = CP_ERR_NOMEM;
	if (rc == CP_OK)
		rc = compromise(l, id, label, evidence, actor, ticket, &count);
	free(label);
	rc = ledger_write_end(l, rc);
	if (rc == CP_OK && flagged != NULL)
		*flagged = count;
	return rc;
}

/* ------------------------------------------------------------ look-ups */

CP_EXPORT int cp_ledger_account_directory_dn(cp_ledger *l, const char *name, const char *scope,
                                             char **dn)
{
	if (dn != NULL)
		*dn = NULL;
	if (l == NULL || name == NULL)
		return CP_ERR_INVAL;
	if (l->schema_version < 3)
		return CP_ERR_NOTFOUND; /* no directory before schema 3 */
	int64_t id = 0;
	int rc = ledger_account_id(l, name, scope, &id);
	sqlite3_stmt *st = rc == CP_OK ? ledger_stmt(l, ST_INCIDENT_DIR_DN,
	                                             "SELECT 1, dn FROM directory_entries"
	                                             " WHERE account_id = ?",
	                                             &rc)
	                               : NULL;
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	int src = sqlite3_step(st);
	rc = src == SQLITE_ROW ? CP_OK : src == SQLITE_DONE ? CP_ERR_NOTFOUND : ledger_rc(src);
	if (rc == CP_OK && dn != NULL && (*dn = strdup(ledger_col_text(st, 1))) == NULL)
		rc = CP_ERR_NOMEM;
	sqlite3_reset(st);
	return rc;
}

CP_EXPORT int cp_ledger_person_name(cp_ledger *l, const char *employee_id, char **name,
                                    int64_t *departed_at)
{
	if (name != NULL)
		*name = NULL;
	if (departed_at != NULL)
		*departed_at = 0;
	if (l == NULL || employee_id == NULL)
		return CP_ERR_INVAL;
	int rc = CP_OK;
	sqlite3_stmt *st = ledger_stmt(l, ST_INCIDENT_PERSON,
	                               "SELECT id, display_name, status, coalesce(departed_at, 0)"
	                               " FROM people WHERE employee_id = ?",
	                               &rc);
	if (st == NULL)
		return rc;
	ledger_bind_text(st, 1, employee_id);
	int src = sqlite3_step(st);
	rc = src == SQLITE_ROW ? CP_OK : src == SQLITE_DONE ? CP_ERR_NOTFOUND : ledger_rc(src);
	if (rc == CP_OK && departed_at != NULL)
		*departed_at = sqlite3_column_int64(st, 3);
	if (rc == CP_OK && name != NULL && (*name = strdup(ledger_col_text(st, 1))) == NULL)
		rc = CP_ERR_NOMEM;
	sqlite3_reset(st);
	return rc;
}
