/* ledger_offboard.c - offboarding (R13): the plan of what a leaver's
 * departure or transfer changes in the ledger, and its application in one
 * transaction.
 *
 * Why a plan: HR wants to see what will happen (--dry-run), the helpdesk
 * wants to know who must now change which password, and a re-run after a
 * partial failure must know what is left. The plan is read in one
 * snapshot; every write of the apply is conditional (WHERE locked = 0,
 * status = 'active', ...), so an item another process completed in
 * between is neither written nor logged twice.
 *
 * Why the custodian link is the to-do list: once revoked, nothing in the
 * ledger ties an account to the leaver any more. So a link is revoked
 * only when the account's change reached every backend; an account whose
 * backend failed keeps its must-change flag (set regardless: never
 * unflagged) and its link, and the next plan lists it again. Own
 * accounts stay listed anyway (owners are not removed), and the backends
 * are idempotent, so a re-run redoes their backend part too. */
#include "ledger_offboard.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Reasons recorded in events and must-change flags: stable words. */
static const char REASON_DEPARTURE[] = "departure";
static const char REASON_TRANSFER[] = "transfer";
static const char REASON_CUSTODIAN[] = "custodian left";
static const char REASON_OWNER[] = "owner left";

static const char *const reason_names[] = {"departure", "transfer"};
static const char *const action_names[] = {"depart", "lock", "must_change", "revoke"};
static const char *const state_names[] = {"pending", "done", "applied", "failed"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

CP_EXPORT const char *cp_offboard_reason_name(cp_offboard_reason r)
{
	return (unsigned)r < COUNT(reason_names) ? reason_names[r] : NULL;
}

CP_EXPORT const char *cp_offboard_action_name(cp_offboard_action a)
{
	return (unsigned)a < COUNT(action_names) ? action_names[a] : NULL;
}

CP_EXPORT const char *cp_offboard_state_name(cp_offboard_state s)
{
	return (unsigned)s < COUNT(state_names) ? state_names[s] : NULL;
}

/* ------------------------------------------------------------ the plan */

static void item_clear(struct offboard_item *it)
{
	free(it->name);
	free(it->scope);
	for (size_t j = 0; j < it->nnotify; j++)
		free(it->notify[j]);
	free(it->notify);
}

CP_EXPORT void cp_offboard_plan_free(cp_offboard_plan *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		item_clear(&p->items[i]);
	free(p->items);
	free(p->employee_id);
	free(p->display_name);
	free(p->ticket);
	free(p);
}

/* A new item at the end, zeroed; NULL when out of memory. */
static struct offboard_item *item_add(cp_offboard_plan *p, cp_offboard_action action)
{
	if (p->n == p->cap) {
		size_t cap = p->cap != 0 ? 2 * p->cap : 16;
		struct offboard_item *v = realloc(p->items, cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		p->items = v;
		p->cap = cap;
	}
	struct offboard_item *it = &p->items[p->n++];
	memset(it, 0, sizeof(*it));
	it->action = action;
	return it;
}

/* The row of the owned or custodied query: id, name, scope, kind, locked,
 * must_change_reason. */
static int item_from_row(struct offboard_item *it, sqlite3_stmt *st)
{
	static const char *const kinds[] = {"personal", "service", "break-glass"};
	it->account_id = sqlite3_column_int64(st, 0);
	it->name = strdup(ledger_col_text(st, 1));
	it->scope = strdup(ledger_col_text(st, 2));
	for (size_t k = 0; k < COUNT(kinds); k++)
		if (strcmp(ledger_col_text(st, 3), kinds[k]) == 0)
			it->kind = (cp_account_kind)k;
	return it->name != NULL && it->scope != NULL ? CP_OK : CP_ERR_NOMEM;
}

static bool reason_is(sqlite3_stmt *st, int col, const char *reason)
{
	return sqlite3_column_type(st, col) != SQLITE_NULL &&
	       strcmp(ledger_col_text(st, col), reason) == 0;
}

/* Whether a complete offboarding of this kind (for a transfer: under this
 * ticket) is on record: then an own account's must-change was done, even
 * if its owner has changed the password since. */
static int completed_before(cp_ledger *l, const cp_offboard_plan *p, bool *done)
{
	int rc = CP_OK;
	sqlite3_stmt *st = ledger_stmt(l, ST_OFFBOARD_COMPLETED,
	                               "SELECT 1 FROM events WHERE kind = 'offboard'"
	                               " AND person = ?1 AND detail GLOB ?2"
	                               " AND (?3 IS NULL OR ticket = ?3) LIMIT 1",
	                               &rc);
	if (st == NULL)
		return rc;
	char *glob = cp_asprintf("reason=%s *failed=0", reason_names[p->reason]);
	if (glob == NULL)
		return CP_ERR_NOMEM;
	ledger_bind_text(st, 1, p->employee_id);
	ledger_bind_text(st, 2, glob);
	if (p->reason == CP_OFFBOARD_TRANSFER)
		ledger_bind_text(st, 3, p->ticket);
	int src = sqlite3_step(st);
	*done = src == SQLITE_ROW;
	sqlite3_reset(st);
	free(glob);
	return src == SQLITE_ROW || src == SQLITE_DONE ? CP_OK : ledger_rc(src);
}

/* What happens to one of the person's own accounts. */
static void plan_owned(const cp_offboard_plan *p, const cp_config *cfg, sqlite3_stmt *st,
                       bool completed, struct offboard_item *it)
{
	const char *transfer = cp_config_value(cfg, "offboard", "transfer");
	bool lock = it->kind == CP_ACCOUNT_PERSONAL &&
	            (p->reason == CP_OFFBOARD_DEPARTURE ||
	             (transfer != NULL && strcmp(transfer, "lock") == 0));
	if (lock) {
		it->action = CP_OFFBOARD_LOCK;
		it->reason = reason_names[p->reason];
		it->state = sqlite3_column_int(st, 4) != 0 ? CP_OFFBOARD_DONE : CP_OFFBOARD_PENDING;
		return;
	}
	/* A transfer keeps the personal account; a service or break-glass
	 * account stays in service, but its owner knew the password. */
	it->action = CP_OFFBOARD_MUST_CHANGE;
	it->reason = it->kind == CP_ACCOUNT_PERSONAL ? REASON_TRANSFER : REASON_OWNER;
	it->state =
	    completed || reason_is(st, 5, it->reason) ? CP_OFFBOARD_DONE : CP_OFFBOARD_PENDING;
}

static int plan_owned_all(cp_ledger *l, cp_offboard_plan *p)
{
	int rc = completed_before(l, p, &p->completed);
	bool completed = p->completed;
	sqlite3_stmt *st = rc == CP_OK ? ledger_stmt(l, ST_OFFBOARD_OWNED,
	                                             "SELECT a.id, a.name, a.scope, a.kind,"
	                                             " a.locked, a.must_change_reason"
	                                             " FROM owners o JOIN accounts a"
	                                             " ON a.id = o.account_id"
	                                             " WHERE o.person_id = ?"
	                                             " ORDER BY a.name, a.scope",
	                                             &rc)
	                               : NULL;
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, p->person_id);
	int src = SQLITE_DONE;
	while (rc == CP_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
		struct offboard_item *it = item_add(p, CP_OFFBOARD_MUST_CHANGE);
		rc = it != NULL ? item_from_row(it, st) : CP_ERR_NOMEM;
		if (rc == CP_OK)
			plan_owned(p, l->cfg, st, completed, it);
	}
	if (rc == CP_OK && src != SQLITE_DONE)
		rc = ledger_rc(src);
	sqlite3_reset(st);
	p->nowned = p->n;
	return rc;
}

/* An own item of the account already changing its password, if any:
 * then the custodianship adds no second must_change. */
static size_t owned_must_change(const cp_offboard_plan *p, int64_t account_id)
{
	for (size_t i = 0; i < p->nowned; i++)
		if (p->items[i].account_id == account_id &&
		    p->items[i].action == CP_OFFBOARD_MUST_CHANGE)
			return i;
	return SIZE_MAX;
}

static int plan_custodied_row(cp_offboard_plan *p, sqlite3_stmt *st)
{
	size_t pair = owned_must_change(p, sqlite3_column_int64(st, 0));
	if (pair == SIZE_MAX) {
		struct offboard_item *mc = item_add(p, CP_OFFBOARD_MUST_CHANGE);
		if (mc == NULL || item_from_row(mc, st) != CP_OK)
			return CP_ERR_NOMEM;
		mc->reason = REASON_CUSTODIAN;
		mc->state =
		    reason_is(st, 5, REASON_CUSTODIAN) ? CP_OFFBOARD_DONE : CP_OFFBOARD_PENDING;
		pair = p->n - 1;
	}
	struct offboard_item *rv = item_add(p, CP_OFFBOARD_REVOKE);
	if (rv == NULL || item_from_row(rv, st) != CP_OK)
		return CP_ERR_NOMEM;
	rv->reason = REASON_CUSTODIAN;
	rv->pair = pair;
	return CP_OK;
}

static int plan_custodied(cp_ledger *l, cp_offboard_plan *p)
{
	int rc = CP_OK;
	sqlite3_stmt *st = ledger_stmt(l, ST_OFFBOARD_CUSTODIED,
	                               "SELECT a.id, a.name, a.scope, a.kind, a.locked,"
	                               " a.must_change_reason FROM custodians c"
	                               " JOIN accounts a ON a.id = c.account_id"
	                               " WHERE c.person_id = ? ORDER BY a.name, a.scope",
	                               &rc);
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, p->person_id);
	int src = SQLITE_DONE;
	while (rc == CP_OK && (src = sqlite3_step(st)) == SQLITE_ROW)
		rc = plan_custodied_row(p, st);
	if (rc == CP_OK && src != SQLITE_DONE)
		rc = ledger_rc(src);
	sqlite3_reset(st);
	return rc;
}

/* Who must now change the password of a must_change item: the active
 * owners, then the other active custodians, without the leaver. */
static int plan_notify(cp_ledger *l, const cp_offboard_plan *p, struct offboard_item *it)
{
	int rc = CP_OK;
	sqlite3_stmt *st = ledger_stmt(
	    l, ST_OFFBOARD_NOTIFY,
	    "SELECT p.employee_id, p.display_name, 0, o.since FROM owners o"
	    " JOIN people p ON p.id = o.person_id WHERE o.account_id = ?1 AND p.id <> ?2"
	    " AND p.status = 'active' UNION ALL"
	    " SELECT p.employee_id, p.display_name, 1, c.since FROM custodians c"
	    " JOIN people p ON p.id = c.person_id WHERE c.account_id = ?1 AND p.id <> ?2"
	    " AND p.status = 'active' ORDER BY 3, 4, 1",
	    &rc);
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, it->account_id);
	sqlite3_bind_int64(st, 2, p->person_id);
	int src = SQLITE_DONE;
	while (rc == CP_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
		char **v = realloc(it->notify, (it->nnotify + 2) * sizeof(*v));
		if (v == NULL) {
			rc = CP_ERR_NOMEM;
			break;
		}
		it->notify = v;
		for (int c = 0; c < 2 && rc == CP_OK; c++)
			if ((v[it->nnotify++] = strdup(ledger_col_text(st, c))) == NULL)
				rc = CP_ERR_NOMEM;
	}
	if (rc == CP_OK && src != SQLITE_DONE)
		rc = ledger_rc(src);
	sqlite3_reset(st);
	return rc;
}

/* Whether the row id has a directory entry (schema 3 on). */
static int in_directory(cp_ledger *l, bool person, int64_t id, bool *yes)
{
	*yes = false;
	if (l->schema_version < 3)
		return CP_OK;
	int rc = CP_OK;
	sqlite3_stmt *st =
	    person ? ledger_stmt(l, ST_OFFBOARD_DIR_PERSON,
	                         "SELECT 1 FROM directory_entries WHERE person_id = ?", &rc)
	           : ledger_stmt(l, ST_OFFBOARD_DIR_ACCOUNT,
	                         "SELECT 1 FROM directory_entries WHERE account_id = ?", &rc);
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	int src = sqlite3_step(st);
	*yes = src == SQLITE_ROW;
	sqlite3_reset(st);
	return src == SQLITE_ROW || src == SQLITE_DONE ? CP_OK : ledger_rc(src);
}

static int plan_details(cp_ledger *l, cp_offboard_plan *p)
{
	int rc = in_directory(l, true, p->person_id, &p->directory);
	for (size_t i = 0; rc == CP_OK && i < p->n; i++) {
		struct offboard_item *it = &p->items[i];
		if (it->action == CP_OFFBOARD_DEPART)
			it->directory = p->directory;
		else
			rc = in_directory(l, false, it->account_id, &it->directory);
		if (rc == CP_OK && it->action == CP_OFFBOARD_MUST_CHANGE)
			rc = plan_notify(l, p, it);
	}
	return rc;
}

static int plan_person(cp_ledger *l, cp_offboard_plan *p)
{
	int rc = CP_OK;
	sqlite3_stmt *st = ledger_stmt(l, ST_OFFBOARD_PERSON,
	                               "SELECT id, display_name, status, coalesce(departed_at, 0)"
	                               " FROM people WHERE employee_id = ?",
	                               &rc);
	if (st == NULL)
		return rc;
	ledger_bind_text(st, 1, p->employee_id);
	int src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		p->person_id = sqlite3_column_int64(st, 0);
		p->departed = strcmp(ledger_col_text(st, 2), "departed") == 0;
		if ((p->display_name = strdup(ledger_col_text(st, 1))) == NULL)
			rc = CP_ERR_NOMEM;
	} else {
		rc = src == SQLITE_DONE ? CP_ERR_NOTFOUND : ledger_rc(src);
	}
	sqlite3_reset(st);
	if (rc != CP_OK || p->reason != CP_OFFBOARD_DEPARTURE)
		return rc;
	struct offboard_item *it = item_add(p, CP_OFFBOARD_DEPART);
	if (it == NULL)
		return CP_ERR_NOMEM;
	it->reason = REASON_DEPARTURE;
	it->state = p->departed ? CP_OFFBOARD_DONE : CP_OFFBOARD_PENDING;
	return CP_OK;
}

static int plan_build(cp_ledger *l, cp_offboard_plan *p)
{
	bool started = false;
	int rc = ledger_read_begin(l, &started);
	if (rc == CP_OK)
		rc = plan_person(l, p);
	if (rc == CP_OK)
		rc = plan_owned_all(l, p);
	if (rc == CP_OK)
		rc = plan_custodied(l, p);
	if (rc == CP_OK)
		rc = plan_details(l, p);
	ledger_read_end(l, started);
	/* After a complete run, what it did outside the ledger is not redone:
	 * the owner may have changed the password since, or an administrator
	 * unlocked an account on purpose. A custodianship still listed is
	 * never settled: its link stays only when its backend failed. */
	for (size_t i = 0; i < p->n; i++)
		p->items[i].settled = p->completed && p->items[i].state == CP_OFFBOARD_DONE &&
		                      p->items[i].reason != REASON_CUSTODIAN;
	return rc;
}

CP_EXPORT int cp_ledger_offboard_plan(cp_ledger *l, const char *employee_id,
                                      cp_offboard_reason reason, const char *ticket,
                                      cp_offboard_plan **out)
{
	if (out != NULL)
		*out = NULL;
	if (l == NULL || out == NULL || (unsigned)reason >= COUNT(reason_names))
		return CP_ERR_INVAL;
	int rc = ledger_check_text(employee_id, LEDGER_ID_MAX, true, false);
	if (rc == CP_OK)
		rc = ledger_check_text(ticket, LEDGER_TEXT_MAX, false, true);
	if (rc != CP_OK)
		return rc;
	cp_offboard_plan *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return CP_ERR_NOMEM;
	p->reason = reason;
	p->employee_id = strdup(employee_id);
	p->ticket = ticket != NULL ? strdup(ticket) : NULL;
	rc = p->employee_id != NULL && (ticket == NULL || p->ticket != NULL) ? plan_build(l, p)
	                                                                     : CP_ERR_NOMEM;
	if (rc != CP_OK) {
		cp_offboard_plan_free(p);
		return rc;
	}
	*out = p;
	return CP_OK;
}

/* ------------------------------------------------------------ applying */

/* Run the conditional write of an item: *changed when it changed a row. */
static int item_write(cp_ledger *l, const cp_offboard_plan *p, const struct offboard_item *it,
                      int64_t when, bool *changed)
{
	int rc = CP_OK;
	sqlite3_stmt *st = NULL;
	switch (it->action) {
	case CP_OFFBOARD_DEPART:
		st = ledger_stmt(l, ST_OFFBOARD_DEPART,
		                 "UPDATE people SET status = 'departed', departed_at = ?1"
		                 " WHERE id = ?2 AND status = 'active'",
		                 &rc);
		if (st != NULL)
			sqlite3_bind_int64(st, 1, when);
		break;
	case CP_OFFBOARD_LOCK:
		st = ledger_stmt(l, ST_OFFBOARD_LOCK,
		                 "UPDATE accounts SET locked = 1, lock_reason = ?1"
		                 " WHERE id = ?2 AND locked = 0",
		                 &rc);
		break;
	case CP_OFFBOARD_MUST_CHANGE:
		return ledger_set_must_change_id(l, it->account_id, it->reason, changed);
	case CP_OFFBOARD_REVOKE:
		st = ledger_stmt(l, ST_OFFBOARD_REVOKE,
		                 "DELETE FROM custodians WHERE account_id = ?2 AND person_id = ?3",
		                 &rc);
		break;
	}
	if (st == NULL)
		return rc;
	if (it->action == CP_OFFBOARD_LOCK)
		ledger_bind_text(st, 1, it->reason);
	sqlite3_bind_int64(st, 2, it->action == CP_OFFBOARD_DEPART ? p->person_id : it->account_id);
	if (it->action == CP_OFFBOARD_REVOKE)
		sqlite3_bind_int64(st, 3, p->person_id);
	rc = ledger_step_done(st);
	*changed = rc == CP_OK && sqlite3_changes(l->db) > 0;
	return rc;
}

static int item_event(cp_ledger *l, const cp_offboard_plan *p, const struct offboard_item *it,
                      int64_t when, const char *actor)
{
	static const char *const kinds[] = {"depart", "lock", "must_change", "revoke"};
	char *label = it->name != NULL ? ledger_account_label(it->name, it->scope) : NULL;
	char *detail = it->action == CP_OFFBOARD_DEPART
	                   ? cp_asprintf("departed_at=%lld reason=departure", (long long)when)
	               : it->action == CP_OFFBOARD_REVOKE ? strdup("custodian left")
	                                                  : strdup(it->reason);
	int rc = detail != NULL && (it->name == NULL || label != NULL) ? CP_OK : CP_ERR_NOMEM;
	if (rc == CP_OK)
		rc = ledger_event_append(l, kinds[it->action], label, p->employee_id, actor,
		                         p->ticket, detail);
	free(label);
	free(detail);
	return rc;
}

/* One item: its new state in *next. A revoke whose account failed
 * elsewhere keeps the link: the next plan lists the account again. */
static int item_apply(cp_ledger *l, const cp_offboard_plan *p, size_t i, int64_t when,
                      const char *actor, cp_offboard_state *next)
{
	const struct offboard_item *it = &p->items[i];
	bool failed = it->failed || (it->action == CP_OFFBOARD_REVOKE && p->items[it->pair].failed);
	*next = it->state;
	if (it->action == CP_OFFBOARD_REVOKE && failed) {
		*next = CP_OFFBOARD_FAILED;
		return CP_OK;
	}
	int rc = CP_OK;
	if (it->state == CP_OFFBOARD_PENDING) {
		bool changed = false;
		rc = item_write(l, p, it, when, &changed);
		if (rc == CP_OK && changed)
			rc = item_event(l, p, it, when, actor);
		*next = changed ? CP_OFFBOARD_APPLIED : CP_OFFBOARD_DONE;
	}
	if (failed)
		*next = CP_OFFBOARD_FAILED;
	return rc;
}

static int summary_event(cp_ledger *l, const cp_offboard_plan *p, const cp_offboard_state *next,
                         const char *actor)
{
	size_t applied = 0, failed = 0;
	for (size_t i = 0; i < p->n; i++) {
		applied += next[i] == CP_OFFBOARD_APPLIED;
		failed += next[i] == CP_OFFBOARD_FAILED;
	}
	/* Nothing changed and a complete run is on record: nothing written.
	 * A run that changed nothing in the ledger but completed an earlier
	 * failed one (its backends, this time) is recorded: the next plan
	 * then knows it complete and leaves its outside changes alone. */
	if (applied == 0 && failed == 0 && p->completed)
		return CP_OK;
	char *detail = cp_asprintf("reason=%s applied=%zu failed=%zu", reason_names[p->reason],
	                           applied, failed);
	int rc = detail != NULL ? ledger_event_append(l, "offboard", NULL, p->employee_id, actor,
	                                              p->ticket, detail)
	                        : CP_ERR_NOMEM;
	free(detail);
	return rc;
}

CP_EXPORT int cp_ledger_offboard_apply(cp_ledger *l, cp_offboard_plan *p, int64_t when,
                                       const char *actor)
{
	int64_t now = (int64_t)time(NULL);
	if (l == NULL || p == NULL || when < 0 || when > now + 86400)
		return CP_ERR_INVAL;
	int rc = ledger_check_text(actor, LEDGER_TEXT_MAX, false, true);
	if (rc != CP_OK)
		return rc;
	cp_offboard_state *next = calloc(p->n + 1, sizeof(*next));
	if (next == NULL)
		return CP_ERR_NOMEM;
	rc = ledger_write_begin(l);
	if (rc != CP_OK) {
		free(next);
		return rc;
	}
	for (size_t i = 0; rc == CP_OK && i < p->n; i++)
		rc = item_apply(l, p, i, when != 0 ? when : now, actor, &next[i]);
	if (rc == CP_OK)
		rc = summary_event(l, p, next, actor);
	rc = ledger_write_end(l, rc);
	for (size_t i = 0; rc == CP_OK && i < p->n; i++)
		p->items[i].state = next[i];
	free(next);
	return rc;
}
