/* ledger_accounts.c - people, accounts, owners and custodians (R12, R13,
 * R17, R23), and which account applies to a host.
 *
 * Every mutation is one transaction (or one savepoint inside the
 * caller's) holding the change and its event. A put that changes nothing
 * writes nothing, not even an event: an LDAP sync or a re-import of the
 * same file leaves the event log as it was. */
#include "ledger_internal.h"

#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* clang-format off */
static const char *const kind_names[] = {
	[CP_ACCOUNT_PERSONAL] = "personal",
	[CP_ACCOUNT_SERVICE] = "service",
	[CP_ACCOUNT_BREAK_GLASS] = "break-glass",
};
/* clang-format on */

#define KIND_COUNT (sizeof(kind_names) / sizeof(kind_names[0]))

CP_EXPORT const char *cp_account_kind_name(cp_account_kind k)
{
	return (unsigned)k < KIND_COUNT ? kind_names[k] : NULL;
}

static cp_account_kind kind_from_name(const char *s)
{
	for (size_t i = 0; i < KIND_COUNT; i++)
		if (strcmp(kind_names[i], s) == 0)
			return (cp_account_kind)i;
	return CP_ACCOUNT_PERSONAL; /* the CHECK constraint allows nothing else */
}

/* ------------------------------------------------------------ helpers */

const char *ledger_scope(const char *scope)
{
	return scope != NULL ? scope : "*";
}

char *ledger_account_label(const char *name, const char *scope)
{
	scope = ledger_scope(scope);
	return strcmp(scope, "*") == 0 ? strdup(name) : cp_asprintf("%s@%s", name, scope);
}

/* Step st for at most one row: CP_OK on a row, CP_ERR_NOTFOUND on none. */
/* One id column of the row that stmt id finds for one or two keys. */
static int lookup_id(cp_ledger *l, enum ledger_stmt id, const char *sql, const char *k1,
                     const char *k2, int64_t *out)
{
	int rc = CP_OK;
	sqlite3_stmt *st = ledger_stmt(l, id, sql, &rc);
	if (st == NULL)
		return rc;
	ledger_bind_text(st, 1, k1);
	if (k2 != NULL)
		ledger_bind_text(st, 2, k2);
	rc = ledger_step_row(st);
	if (rc == CP_OK)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc;
}

int ledger_person_id(cp_ledger *l, const char *employee_id, int64_t *id)
{
	return lookup_id(
	    l, ST_PERSON_GET,
	    "SELECT id, display_name, status, tokens FROM people WHERE employee_id = ?",
	    employee_id, NULL, id);
}

int ledger_account_id(cp_ledger *l, const char *name, const char *scope, int64_t *id)
{
	return lookup_id(l, ST_ACCOUNT_ID, "SELECT id FROM accounts WHERE name = ? AND scope = ?",
	                 name, ledger_scope(scope), id);
}

const cp_class *ledger_class_of(const cp_ledger *l, const char *class_name)
{
	const cp_class *c = cp_config_class(l->cfg, class_name);
	return c != NULL ? c : cp_config_class(l->cfg, NULL);
}

/* The checks shared by calls that name an account and log an actor. */
static int check_account_args(const char *name, const char *scope, const char *actor,
                              const char *ticket)
{
	int rc = ledger_check_text(name, LEDGER_ID_MAX, true, false);
	if (rc == CP_OK && scope != NULL)
		rc = ledger_check_text(scope, LEDGER_ID_MAX, true, false);
	if (rc == CP_OK)
		rc = ledger_check_audit(actor, ticket);
	return rc;
}

/* A mutation of one existing account: arguments checked, transaction
 * started, account found, its event label made. op_end finishes it. */
struct account_op {
	int64_t id;
	char *label;
};

static int op_begin(cp_ledger *l, const char *name, const char *scope, const char *actor,
                    const char *ticket, struct account_op *op)
{
	op->label = NULL;
	if (l == NULL)
		return CP_ERR_INVAL;
	int rc = check_account_args(name, scope, actor, ticket);
	if (rc == CP_OK)
		rc = ledger_write_begin(l);
	if (rc != CP_OK)
		return rc;
	rc = ledger_account_id(l, name, scope, &op->id);
	if (rc == CP_OK && (op->label = ledger_account_label(name, scope)) == NULL)
		rc = CP_ERR_NOMEM;
	if (rc != CP_OK)
		ledger_write_end(l, rc);
	return rc;
}

static int op_end(cp_ledger *l, struct account_op *op, int rc)
{
	free(op->label);
	return ledger_write_end(l, rc);
}

/* ------------------------------------------------------------ people */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A token as cp_person_token spells it: what the tokens column allows. */
static bool token_valid(const char *t)
{
	size_t n = strlen(t);
	return n > 0 && n <= 65 && strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789^") == n;
}

/* info's tokens, sorted, unique, space-separated; wipe with cp_free_secret. */
static int join_tokens(const cp_person *info, char **out)
{
	size_t n = cp_person_token_count(info), len = 1;
	const char **v = calloc(n + 1, sizeof(*v));
	if (v == NULL)
		return CP_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		v[i] = cp_person_token(info, i);
		if (!token_valid(v[i])) {
			free(v);
			return CP_ERR_INVAL;
		}
		len += strlen(v[i]) + 1;
	}
	qsort(v, n, sizeof(*v), cmp_str);
	char *s = calloc(len, 1), *p = s;
	for (size_t i = 0; s != NULL && i < n; i++) {
		if (i > 0 && strcmp(v[i], v[i - 1]) == 0)
			continue;
		if (p != s)
			*p++ = ' ';
		size_t k = strlen(v[i]);
		memcpy(p, v[i], k + 1);
		p += k;
	}
	free(v);
	*out = s;
	return s != NULL ? CP_OK : CP_ERR_NOMEM;
}

static int person_insert(cp_ledger *l, const char *employee_id, const char *name,
                         const char *tokens, const char *actor, int64_t *id)
{
	int rc = CP_OK;
	sqlite3_stmt *st = ledger_stmt(
	    l, ST_PERSON_INSERT,
	    "INSERT INTO people (employee_id, display_name, tokens) VALUES (?, ?, ?)", &rc);
	if (st == NULL)
		return rc;
	ledger_bind_text(st, 1, employee_id);
	ledger_bind_text(st, 2, name);
	ledger_bind_text(st, 3, tokens);
	rc = ledger_step_done(st);
	*id = sqlite3_last_insert_rowid(l->db);
	if (rc == CP_OK)
		rc = ledger_event_append(l, "person_add", NULL, employee_id, actor, NULL, NULL);
	return rc;
}

/* Update what differs; *what names it for the event ("" when nothing). */
static int person_update(cp_ledger *l, sqlite3_stmt *row, const char *name, const char *tokens,
                         const char **what)
{
	int64_t id = sqlite3_column_int64(row, 0);
	bool name_diff = strcmp(ledger_col_text(row, 1), name) != 0;
	bool tok_diff = tokens != NULL && strcmp(ledger_col_text(row, 3), tokens) != 0;
	sqlite3_reset(row);
	*what = name_diff && tok_diff ? "display_name tokens"
	        : name_diff           ? "display_name"
	        : tok_diff            ? "tokens"
	                              : "";
	if (!name_diff && !tok_diff)
		return CP_OK;
	int rc = CP_OK;
	sqlite3_stmt *st = ledger_stmt(
	    l, ST_PERSON_UPDATE,
	    "UPDATE people SET display_name = ?, tokens = coalesce(?, tokens) WHERE id = ?", &rc);
	if (st == NULL)
		return rc;
	ledger_bind_text(st, 1, name);
	if (tokens != NULL)
		ledger_bind_text(st, 2, tokens);
	sqlite3_bind_int64(st, 3, id);
	return ledger_step_done(st);
}

static int person_put(cp_ledger *l, const char *employee_id, const char *name, const char *tokens,
                      const char *actor, int64_t *id)
{
	int rc = CP_OK;
	sqlite3_stmt *row = ledger_stmt(
	    l, ST_PERSON_GET,
	    "SELECT id, display_name, status, tokens FROM people WHERE employee_id = ?", &rc);
	if (row == NULL)
		return rc;
	ledger_bind_text(row, 1, employee_id);
	rc = ledger_step_row(row);
	if (rc == CP_ERR_NOTFOUND) {
		sqlite3_reset(row);
		return person_insert(l, employee_id, name, tokens != NULL ? tokens : "", actor, id);
	}
	const char *what = "";
	if (rc == CP_OK)
		*id = sqlite3_column_int64(row, 0);
	if (rc == CP_OK)
		rc = person_update(l, row, name, tokens, &what);
	sqlite3_reset(row);
	if (rc == CP_OK && *what != '\0')
		rc = ledger_event_append(l, "person_update", NULL, employee_id, actor, NULL, what);
	return rc;
}

CP_EXPORT int cp_ledger_person_put(cp_ledger *l, const char *employee_id, const char *display_name,
                                   const cp_person *info, const char *actor)
{
	int64_t id = 0;
	return ledger_person_put_id(l, employee_id, display_name, info, actor, &id);
}

int ledger_person_put_id(cp_ledger *l, const char *employee_id, const char *display_name,
                         const cp_person *info, const char *actor, int64_t *id)
{
	if (l == NULL)
		return CP_ERR_INVAL;
	int rc = ledger_check_text(employee_id, LEDGER_ID_MAX, true, false);
	if (rc == CP_OK)
		rc = ledger_check_text(display_name, LEDGER_TEXT_MAX, false, false);
	if (rc == CP_OK)
		rc = ledger_check_text(actor, LEDGER_TEXT_MAX, false, true);
	char *tokens = NULL;
	if (rc == CP_OK && info != NULL)
		rc = join_tokens(info, &tokens);
	if (rc == CP_OK)
		rc = ledger_write_begin(l);
	if (rc == CP_OK) {
		rc = person_put(l, employee_id, display_name != NULL ? display_name : "", tokens,
		                actor, id);
		rc = ledger_write_end(l, rc);
	}
	cp_free_secret(tokens);
	return rc;
}

/* A cp_person from the tokens column. A token cp_person_add_token
 * refuses was not written by this library: the ledger is damaged. */
static int person_from_tokens(const char *tokens, cp_person **out)
{
	size_t n = strlen(tokens);
	char *copy = strdup(tokens); /* strtok_r cuts it up */
	int rc = copy != NULL ? cp_person_new(out) : CP_ERR_NOMEM;
	char *save = NULL;
	for (char *t = rc == CP_OK ? strtok_r(copy, " ", &save) : NULL; t != NULL && rc == CP_OK;
	     t = strtok_r(NULL, " ", &save)) {
		rc = cp_person_add_token(*out, t);
		if (rc != CP_OK && rc != CP_ERR_NOMEM)
			rc = CP_ERR_LEDGER;
	}
	if (copy != NULL)
		cp_free_wiped(copy, n);
	if (rc != CP_OK) {
		cp_person_free(*out);
		*out = NULL;
	}
	return rc;
}

CP_EXPORT int cp_ledger_person_info(cp_ledger *l, const char *employee_id, cp_person **out)
{
	if (out != NULL)
		*out = NULL;
	if (l == NULL || employee_id == NULL || out == NULL)
		return CP_ERR_INVAL;
	int rc = CP_OK;
	sqlite3_stmt *st = ledger_stmt(l, ST_PERSON_TOKENS,
	                               "SELECT tokens FROM people WHERE employee_id = ?", &rc);
	if (st == NULL)
		return rc;
	ledger_bind_text(st, 1, employee_id);
	rc = ledger_step_row(st);
	if (rc == CP_OK)
		rc = person_from_tokens(ledger_col_text(st, 0), out);
	sqlite3_reset(st);
	return rc;
}

CP_EXPORT int cp_ledger_owner_info(cp_ledger *l, const cp_account *a, cp_person *person)
{
	if (l == NULL || a == NULL || person == NULL)
		return CP_ERR_INVAL;
	for (size_t i = 0; i < cp_account_owner_count(a); i++) {
		cp_person *owner = NULL;
		int rc = cp_ledger_person_info(l, cp_account_owner(a, i), &owner);
		for (size_t t = 0; rc == CP_OK && t < cp_person_token_count(owner); t++)
			rc = cp_person_add_token(person, cp_person_token(owner, t));
		cp_person_free(owner);
		if (rc != CP_OK && rc != CP_ERR_NOTFOUND)
			return rc;
	}
	return CP_OK;
}

/* Iteration prepares its own statement, so that fn may read the ledger. */
CP_EXPORT int cp_ledger_people(cp_ledger *l,
                               int (*fn)(const char *employee_id, const char *display_name,
                                         int64_t departed_at, const cp_person *info, void *ctx),
                               void *ctx)
{
	sqlite3_stmt *st = NULL;
	if (l == NULL || fn == NULL)
		return CP_ERR_INVAL;
	int rc = ledger_rc(sqlite3_prepare_v2(l->db,
	                                      "SELECT employee_id, display_name,"
	                                      " coalesce(departed_at, 0), tokens FROM people"
	                                      " ORDER BY employee_id",
	                                      -1, &st, NULL));
	bool stop = false;
	while (rc == CP_OK && !stop && (rc = ledger_step_row(st)) == CP_OK) {
		cp_person *info = NULL;
		rc = person_from_tokens(ledger_col_text(st, 3), &info);
		if (rc == CP_OK)
			stop = fn(ledger_col_text(st, 0), ledger_col_text(st, 1),
			          sqlite3_column_int64(st, 2), info, ctx) != 0;
		cp_person_free(info);
	}
	sqlite3_finalize(st);
	return rc == CP_ERR_NOTFOUND ? CP_OK : rc; /* NOTFOUND: no more rows */
}

/* ------------------------------------------------------------ departure (R13) */

struct custodied {
	int64_t id;
	char *label;
};

static void custodied_free(struct custodied *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].label);
	free(v);
}

/* The accounts whose password the person knows. */
static int custodied_by(cp_ledger *l, int64_t person, struct custodied **out, size_t *n)
{
	int rc = CP_OK;
	sqlite3_stmt *st = ledger_stmt(l, ST_PERSON_CUSTODIED,
	                               "SELECT a.id, a.name, a.scope FROM custodians c"
	                               " JOIN accounts a ON a.id = c.account_id"
	                               " WHERE c.person_id = ? ORDER BY a.name, a.scope",
	                               &rc);
	*out = NULL;
	*n = 0;
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, person);
	while (rc == CP_OK && (rc = ledger_step_row(st)) == CP_OK) {
		struct custodied *v = realloc(*out, (*n + 1) * sizeof(*v));
		if (v == NULL) {
			rc = CP_ERR_NOMEM;
			break;
		}
		*out = v;
		v[*n].id = sqlite3_column_int64(st, 0);
		v[*n].label = ledger_account_label(ledger_col_text(st, 1), ledger_col_text(st, 2));
		rc = v[(*n)++].label != NULL ? CP_OK : CP_ERR_NOMEM;
	}
	sqlite3_reset(st);
	return rc == CP_ERR_NOTFOUND ? CP_OK : rc;
}

static int custodian_delete(cp_ledger *l, int64_t account, int64_t person, bool *deleted);

/* R13: every password the leaver knew must change now, and the leaver
 * stops being its custodian - each step with its event. */
static int depart_custodies(cp_ledger *l, int64_t person, const char *employee_id,
                            const char *actor, const char *ticket)
{
	struct custodied *v = NULL;
	size_t n = 0;
	int rc = custodied_by(l, person, &v, &n);
	char *reason = rc == CP_OK ? cp_asprintf("custodian %s departed", employee_id) : NULL;
	if (rc == CP_OK && reason == NULL)
		rc = CP_ERR_NOMEM;
	for (size_t i = 0; rc == CP_OK && i < n; i++) {
		bool deleted = false, flagged = false;
		rc = ledger_set_must_change_id(l, v[i].id, reason, &flagged);
		if (rc == CP_OK)
			rc = ledger_event_append(l, "must_change", v[i].label, employee_id, actor,
			                         ticket, reason);
		if (rc == CP_OK)
			rc = custodian_delete(l, v[i].id, person, &deleted);
		if (rc == CP_OK)
			rc = ledger_event_append(l, "revoke", v[i].label, employee_id, actor,
			                         ticket, "custodian departed");
	}
	free(reason);
	custodied_free(v, n);
	return rc;
}

static int depart(cp_ledger *l, const char *employee_id, int64_t when, const char *actor,
                  const char *ticket)
{
	int64_t id = 0;
	int rc = ledger_person_id(l, employee_id, &id);
	if (rc != CP_OK)
		return rc;
	sqlite3_stmt *st = ledger_stmt(l, ST_PERSON_DEPART,
	                               "UPDATE people SET status = 'departed', departed_at = ?"
	                               " WHERE id = ? AND status = 'active'",
	                               &rc);
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, when);
	sqlite3_bind_int64(st, 2, id);
	rc = ledger_step_done(st);
	if (rc != CP_OK || sqlite3_changes(l->db) == 0) /* already departed */
		return rc;
	char *detail = cp_asprintf("departed_at=%lld", (long long)when);
	rc = detail != NULL
	         ? ledger_event_append(l, "depart", NULL, employee_id, actor, ticket, detail)
	         : CP_ERR_NOMEM;
	free(detail);
	if (rc == CP_OK)
		rc = depart_custodies(l, id, employee_id, actor, ticket);
	return rc;
}

CP_EXPORT int cp_ledger_person_depart(cp_ledger *l, const char *employee_id, int64_t when,
                                      const char *actor, const char *ticket)
{
	if (l == NULL || when < 0)
		return CP_ERR_INVAL;
	int rc = ledger_check_text(employee_id, LEDGER_ID_MAX, true, false);
	if (rc == CP_OK)
		rc = ledger_check_audit(actor, ticket);
	if (rc == CP_OK)
		rc = ledger_write_begin(l);
	if (rc != CP_OK)
		return rc;
	rc = depart(l, employee_id, when != 0 ? when : (int64_t)time(NULL), actor, ticket);
	return ledger_write_end(l, rc);
}

/* ------------------------------------------------------------ owners */

static int owner_insert(cp_ledger *l, int64_t account, int64_t person, bool *added)
{
	int rc = CP_OK;
	sqlite3_stmt *st = ledger_stmt(l, ST_OWNER_INSERT,
	                               "INSERT OR IGNORE INTO owners (account_id, person_id, since)"
	                               " VALUES (?, ?, ?)",
	                               &rc);
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_int64(st, 2, person);
	sqlite3_bind_int64(st, 3, (int64_t)time(NULL));
	rc = ledger_step_done(st);
	*added = rc == CP_OK && sqlite3_changes(l->db) > 0;
	return rc;
}

/* Whether the owners of account are exactly {person} ({} for person 0). */
static int owners_are(cp_ledger *l, int64_t account, int64_t person, bool *same)
{
	int rc = CP_OK;
	sqlite3_stmt *st =
	    ledger_stmt(l, ST_OWNER_IDS, "SELECT person_id FROM owners WHERE account_id = ?", &rc);
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, account);
	size_t n = 0;
	bool match = true;
	while ((rc = ledger_step_row(st)) == CP_OK) {
		n++;
		match = match && sqlite3_column_int64(st, 0) == person;
	}
	sqlite3_reset(st);
	*same = match && n == (person != 0 ? 1u : 0u);
	return rc == CP_ERR_NOTFOUND ? CP_OK : rc;
}

static int owners_clear(cp_ledger *l, int64_t account)
{
	int rc = CP_OK;
	sqlite3_stmt *st =
	    ledger_stmt(l, ST_OWNERS_CLEAR, "DELETE FROM owners WHERE account_id = ?", &rc);
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, account);
	return ledger_step_done(st);
}

/* The owners of account become {person} ({} for 0); a new account has
 * none to remove. */
static int owners_set(cp_ledger *l, int64_t account, int64_t person, bool fresh)
{
	int rc = fresh ? CP_OK : owners_clear(l, account);
	bool added = false;
	if (rc == CP_OK && person != 0)
		rc = owner_insert(l, account, person, &added);
	return rc;
}

CP_EXPORT int cp_ledger_owner_add(cp_ledger *l, const char *name, const char *scope,
                                  const char *employee_id, const char *actor)
{
	struct account_op op;
	int64_t person = 0;
	bool added = false;
	int rc = ledger_check_text(employee_id, LEDGER_ID_MAX, true, false);
	if (rc != CP_OK)
		return rc;
	rc = op_begin(l, name, scope, actor, NULL, &op);
	if (rc != CP_OK)
		return rc;
	rc = ledger_person_id(l, employee_id, &person);
	if (rc == CP_OK)
		rc = owner_insert(l, op.id, person, &added);
	if (rc == CP_OK && added)
		rc = ledger_event_append(l, "owner_add", op.label, employee_id, actor, NULL, NULL);
	return op_end(l, &op, rc);
}

/* ------------------------------------------------------------ accounts: put */

struct account_put {
	const char *name, *scope, *class_name, *owner, *actor;
	cp_account_kind kind;
	bool otp;
	int64_t owner_id;    /* 0: none */
	int64_t last_change; /* of a new account; 0: never */
};

static char *put_detail(const struct account_put *p)
{
	char last[40] = "";
	if (p->last_change != 0)
		snprintf(last, sizeof(last), " last_change=%lld", (long long)p->last_change);
	return cp_asprintf("class=%s kind=%s otp=%s owner=%s%s", p->class_name, kind_names[p->kind],
	                   p->otp ? "yes" : "no", p->owner != NULL ? p->owner : "", last);
}

static int account_insert(cp_ledger *l, const struct account_put *p, int64_t *id)
{
	int rc = CP_OK;
	sqlite3_stmt *st = ledger_stmt(l, ST_ACCOUNT_INSERT,
	                               "INSERT INTO accounts (name, scope, class, kind, otp,"
	                               " last_change) VALUES (?, ?, ?, ?, ?, ?)",
	                               &rc);
	if (st == NULL)
		return rc;
	ledger_bind_text(st, 1, p->name);
	ledger_bind_text(st, 2, p->scope);
	ledger_bind_text(st, 3, p->class_name);
	ledger_bind_text(st, 4, kind_names[p->kind]);
	sqlite3_bind_int(st, 5, p->otp);
	sqlite3_bind_int64(st, 6, p->last_change);
	rc = ledger_step_done(st);
	*id = sqlite3_last_insert_rowid(l->db);
	return rc;
}

static int account_update(cp_ledger *l, const struct account_put *p, int64_t id)
{
	int rc = CP_OK;
	sqlite3_stmt *st =
	    ledger_stmt(l, ST_ACCOUNT_UPDATE,
	                "UPDATE accounts SET class = ?, kind = ?, otp = ? WHERE id = ?", &rc);
	if (st == NULL)
		return rc;
	ledger_bind_text(st, 1, p->class_name);
	ledger_bind_text(st, 2, kind_names[p->kind]);
	sqlite3_bind_int(st, 3, p->otp);
	sqlite3_bind_int64(st, 4, id);
	return ledger_step_done(st);
}

/* The existing row of (name, scope): *id 0 when none, *same when class,
 * kind, otp and owners already are what p says. */
static int account_compare(cp_ledger *l, const struct account_put *p, int64_t *id, bool *same)
{
	int rc = CP_OK;
	sqlite3_stmt *st = ledger_stmt(l, ST_ACCOUNT_ROW,
	                               "SELECT id, class, kind, otp FROM accounts"
	                               " WHERE name = ? AND scope = ?",
	                               &rc);
	if (st == NULL)
		return rc;
	ledger_bind_text(st, 1, p->name);
	ledger_bind_text(st, 2, p->scope);
	rc = ledger_step_row(st);
	*id = rc == CP_OK ? sqlite3_column_int64(st, 0) : 0;
	*same = rc == CP_OK && strcmp(ledger_col_text(st, 1), p->class_name) == 0 &&
	        strcmp(ledger_col_text(st, 2), kind_names[p->kind]) == 0 &&
	        (sqlite3_column_int(st, 3) != 0) == p->otp;
	sqlite3_reset(st);
	if (rc == CP_OK && *same)
		rc = owners_are(l, *id, p->owner_id, same);
	return rc == CP_ERR_NOTFOUND ? CP_OK : rc;
}

/* The row of account id (new when added) and its owner, then the event. */
static int put_rows(cp_ledger *l, const struct account_put *p, int64_t *id, bool added)
{
	int rc = added ? account_insert(l, p, id) : account_update(l, p, *id);
	if (rc == CP_OK)
		rc = owners_set(l, *id, p->owner_id, added);
	char *label = ledger_account_label(p->name, p->scope);
	char *detail = put_detail(p);
	if (rc == CP_OK && (label == NULL || detail == NULL))
		rc = CP_ERR_NOMEM;
	if (rc == CP_OK)
		rc = ledger_event_append(l, added ? "account_add" : "account_update", label,
		                         p->owner, p->actor, NULL, detail);
	free(label);
	free(detail);
	return rc;
}

static int account_put(cp_ledger *l, const struct account_put *p)
{
	int64_t id = 0;
	bool same = false;
	int rc = account_compare(l, p, &id, &same);
	if (rc != CP_OK || same)
		return rc;
	return put_rows(l, p, &id, id == 0);
}

static int check_put(const cp_ledger *l, struct account_put *p)
{
	if ((unsigned)p->kind >= KIND_COUNT)
		return CP_ERR_INVAL;
	int rc = check_account_args(p->name, p->scope, p->actor, NULL);
	if (rc == CP_OK && p->owner != NULL)
		rc = ledger_check_text(p->owner, LEDGER_ID_MAX, true, false);
	if (rc == CP_OK && p->class_name != NULL)
		rc = ledger_check_text(p->class_name, LEDGER_ID_MAX, true, false);
	if (rc != CP_OK)
		return rc;
	/* NULL: the default class, recorded by its name. */
	const cp_class *c = cp_config_class(l->cfg, p->class_name);
	if (c == NULL)
		return CP_ERR_NOTFOUND;
	p->class_name = cp_class_name(c);
	return CP_OK;
}

CP_EXPORT int cp_ledger_account_put(cp_ledger *l, const char *name, const char *scope,
                                    const char *class_name, cp_account_kind kind, const char *owner,
                                    bool otp, const char *actor)
{
	struct account_put p = {.name = name,
	                        .scope = ledger_scope(scope),
	                        .class_name = class_name,
	                        .owner = owner,
	                        .actor = actor,
	                        .kind = kind,
	                        .otp = otp};
	if (l == NULL)
		return CP_ERR_INVAL;
	int rc = check_put(l, &p);
	if (rc == CP_OK)
		rc = ledger_write_begin(l);
	if (rc != CP_OK)
		return rc;
	if (owner != NULL)
		rc = ledger_person_id(l, owner, &p.owner_id);
	if (rc == CP_OK)
		rc = account_put(l, &p);
	return ledger_write_end(l, rc);
}

int ledger_account_create(cp_ledger *l, const struct ledger_new_account *n, int64_t *id)
{
	struct account_put p = {.name = n->name,
	                        .scope = ledger_scope(n->scope),
	                        .class_name = n->class_name,
	                        .owner = n->owner,
	                        .actor = n->actor,
	                        .kind = n->kind,
	                        .otp = n->otp,
	                        .owner_id = n->owner_id,
	                        .last_change = n->last_change};
	/* As cp_ledger_set_last_change: never a date ahead (a typo there
	 * would keep the account from ever expiring). */
	if (l == NULL || n->last_change < 0 || n->last_change > (int64_t)time(NULL) + 86400 ||
	    (n->owner != NULL) != (n->owner_id != 0))
		return CP_ERR_INVAL;
	int rc = check_put(l, &p);
	if (rc == CP_OK)
		rc = ledger_write_begin(l);
	return rc == CP_OK ? ledger_write_end(l, put_rows(l, &p, id, true)) : rc;
}

/* ------------------------------------------------------------ flags */

int ledger_set_must_change_id(cp_ledger *l, int64_t id, const char *reason, bool *changed)
{
	int rc = CP_OK;
	*changed = false;
	sqlite3_stmt *st = ledger_stmt(l, ST_ACCOUNT_MUST_CHANGE,
	                               "UPDATE accounts SET must_change_reason = ? WHERE id = ?"
	                               " AND must_change_reason IS NOT ?",
	                               &rc);
	if (st == NULL)
		return rc;
	if (reason != NULL)
		ledger_bind_text(st, 1, reason);
	sqlite3_bind_int64(st, 2, id);
	if (reason != NULL)
		ledger_bind_text(st, 3, reason);
	rc = ledger_step_done(st);
	*changed = rc == CP_OK && sqlite3_changes(l->db) > 0;
	return rc;
}

CP_EXPORT int cp_ledger_set_must_change(cp_ledger *l, const char *name, const char *scope,
                                        const char *reason, const char *actor, const char *ticket)
{
	struct account_op op;
	int rc = reason != NULL ? ledger_check_text(reason, LEDGER_TEXT_MAX, true, true) : CP_OK;
	if (rc == CP_OK)
		rc = op_begin(l, name, scope, actor, ticket, &op);
	if (rc != CP_OK)
		return rc;
	bool changed = false;
	rc = ledger_set_must_change_id(l, op.id, reason, &changed);
	if (rc == CP_OK && changed)
		rc = ledger_event_append(l, reason != NULL ? "must_change" : "must_change_clear",
		                         op.label, NULL, actor, ticket, reason);
	return op_end(l, &op, rc);
}

CP_EXPORT int cp_ledger_set_locked(cp_ledger *l, const char *name, const char *scope, bool locked,
                                   const char *reason, const char *actor, const char *ticket)
{
	struct account_op op;
	int rc = ledger_check_text(reason, LEDGER_TEXT_MAX, false, true);
	if (rc == CP_OK)
		rc = op_begin(l, name, scope, actor, ticket, &op);
	if (rc != CP_OK)
		return rc;
	sqlite3_stmt *st = ledger_stmt(l, ST_ACCOUNT_LOCK,
	                               "UPDATE accounts SET locked = ?, lock_reason = ?"
	                               " WHERE id = ? AND locked <> ?",
	                               &rc);
	if (st != NULL) {
		sqlite3_bind_int(st, 1, locked);
		if (locked && reason != NULL)
			ledger_bind_text(st, 2, reason);
		sqlite3_bind_int64(st, 3, op.id);
		sqlite3_bind_int(st, 4, locked);
		rc = ledger_step_done(st);
	}
	if (rc == CP_OK && sqlite3_changes(l->db) > 0)
		rc = ledger_event_append(l, locked ? "lock" : "unlock", op.label, NULL, actor,
		                         ticket, reason);
	return op_end(l, &op, rc);
}

CP_EXPORT int cp_ledger_set_last_change(cp_ledger *l, const char *name, const char *scope,
                                        int64_t when, const char *actor)
{
	struct account_op op;
	/* A date in the future (a typo: 2062 for 2026) would keep the account
	 * from ever expiring; a day of slack allows for clocks and zones. */
	if (when < 0 || when > (int64_t)time(NULL) + 86400)
		return CP_ERR_INVAL;
	int rc = op_begin(l, name, scope, actor, NULL, &op);
	if (rc != CP_OK)
		return rc;
	sqlite3_stmt *st = ledger_stmt(l, ST_ACCOUNT_LAST_CHANGE,
	                               "UPDATE accounts SET last_change = ?"
	                               " WHERE id = ? AND last_change <> ?",
	                               &rc);
	if (st != NULL) {
		sqlite3_bind_int64(st, 1, when);
		sqlite3_bind_int64(st, 2, op.id);
		sqlite3_bind_int64(st, 3, when);
		rc = ledger_step_done(st);
	}
	char *detail = NULL;
	if (rc == CP_OK && sqlite3_changes(l->db) > 0) {
		detail = cp_asprintf("last_change=%lld", (long long)when);
		rc = detail != NULL ? ledger_event_append(l, "last_change", op.label, NULL, actor,
		                                          NULL, detail)
		                    : CP_ERR_NOMEM;
	}
	free(detail);
	return op_end(l, &op, rc);
}

/* ------------------------------------------------------------ custodians */

static int custodian_delete(cp_ledger *l, int64_t account, int64_t person, bool *deleted)
{
	int rc = CP_OK;
	sqlite3_stmt *st =
	    ledger_stmt(l, ST_CUSTODIAN_DELETE,
	                "DELETE FROM custodians WHERE account_id = ? AND person_id = ?", &rc);
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_int64(st, 2, person);
	rc = ledger_step_done(st);
	*deleted = rc == CP_OK && sqlite3_changes(l->db) > 0;
	return rc;
}

/* Whether the person employee_id has departed. */
static int person_departed(cp_ledger *l, const char *employee_id, bool *departed)
{
	int rc = CP_OK;
	sqlite3_stmt *st = ledger_stmt(
	    l, ST_PERSON_GET,
	    "SELECT id, display_name, status, tokens FROM people WHERE employee_id = ?", &rc);
	if (st == NULL)
		return rc;
	ledger_bind_text(st, 1, employee_id);
	rc = ledger_step_row(st);
	if (rc == CP_OK)
		*departed = strcmp(ledger_col_text(st, 2), "departed") == 0;
	sqlite3_reset(st);
	return rc;
}

static int custodian_insert(cp_ledger *l, int64_t account, int64_t person, const char *actor,
                            const char *ticket, bool *added)
{
	int rc = CP_OK;
	sqlite3_stmt *st = ledger_stmt(l, ST_CUSTODIAN_INSERT,
	                               "INSERT OR IGNORE INTO custodians (account_id, person_id,"
	                               " since, granted_by, ticket) VALUES (?, ?, ?, ?, ?)",
	                               &rc);
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_int64(st, 2, person);
	sqlite3_bind_int64(st, 3, (int64_t)time(NULL));
	ledger_bind_text(st, 4, actor);
	ledger_bind_text(st, 5, ticket);
	rc = ledger_step_done(st);
	*added = rc == CP_OK && sqlite3_changes(l->db) > 0;
	return rc;
}

/* Grant (R17) is idempotent; revoking what was not granted is NOTFOUND.
 * A leaver keeps no custodian link (R13): granting one is CP_ERR_INVAL. */
static int custodian_change(cp_ledger *l, const char *name, const char *scope,
                            const char *employee_id, const char *actor, const char *ticket,
                            bool grant)
{
	struct account_op op;
	int64_t person = 0;
	bool changed = false;
	int rc = ledger_check_text(employee_id, LEDGER_ID_MAX, true, false);
	if (rc == CP_OK)
		rc = op_begin(l, name, scope, actor, ticket, &op);
	if (rc != CP_OK)
		return rc;
	bool departed = false;
	rc = ledger_person_id(l, employee_id, &person);
	if (rc == CP_OK && grant)
		rc = person_departed(l, employee_id, &departed);
	if (rc == CP_OK && departed)
		rc = CP_ERR_INVAL;
	if (rc == CP_OK)
		rc = grant ? custodian_insert(l, op.id, person, actor, ticket, &changed)
		           : custodian_delete(l, op.id, person, &changed);
	if (rc == CP_OK && !changed && !grant)
		rc = CP_ERR_NOTFOUND;
	if (rc == CP_OK && changed)
		rc = ledger_event_append(l, grant ? "grant" : "revoke", op.label, employee_id,
		                         actor, ticket, "custodian");
	return op_end(l, &op, rc);
}

CP_EXPORT int cp_ledger_custodian_grant(cp_ledger *l, const char *name, const char *scope,
                                        const char *employee_id, const char *actor,
                                        const char *ticket)
{
	return custodian_change(l, name, scope, employee_id, actor, ticket, true);
}

CP_EXPORT int cp_ledger_custodian_revoke(cp_ledger *l, const char *name, const char *scope,
                                         const char *employee_id, const char *actor,
                                         const char *ticket)
{
	return custodian_change(l, name, scope, employee_id, actor, ticket, false);
}

/* ------------------------------------------------------------ finding (host matching) */

const char *ledger_host(const char *host, char buf[LEDGER_HOST_BUF])
{
	if (host != NULL)
		return host;
	memset(buf, 0, LEDGER_HOST_BUF);
	if (gethostname(buf, LEDGER_HOST_BUF - 1) != 0)
		buf[0] = '\0'; /* which only scope "*" matches */
	return buf;
}

/* How well scope applies to host: 0 not at all, 1 for "*", 2 + its
 * length for a matching pattern, SIZE_MAX for the host itself. Host names
 * are compared without case, as DNS does. */
static size_t scope_rank(const char *scope, const char *host)
{
	if (strcmp(scope, "*") == 0)
		return 1;
	if (strcasecmp(scope, host) == 0)
		return SIZE_MAX;
	if (strpbrk(scope, "*?[") != NULL && fnmatch(scope, host, FNM_CASEFOLD) == 0)
		return 2 + strlen(scope);
	return 0;
}

static int str_list_add(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (nv == NULL)
		return CP_ERR_NOMEM;
	*v = nv;
	if ((nv[*n] = strdup(s)) == NULL)
		return CP_ERR_NOMEM;
	(*n)++;
	return CP_OK;
}

/* Fill a from the current row of the accounts query (see find_best). */
static int account_from_row(sqlite3_stmt *st, struct cp_account *a)
{
	a->id = sqlite3_column_int64(st, 0);
	a->scope = strdup(ledger_col_text(st, 1));
	a->class_name = strdup(ledger_col_text(st, 2));
	a->kind = kind_from_name(ledger_col_text(st, 3));
	a->locked = sqlite3_column_int(st, 4) != 0;
	a->otp = sqlite3_column_int(st, 5) != 0;
	a->last_change = sqlite3_column_int64(st, 6);
	a->must_change =
	    sqlite3_column_type(st, 7) == SQLITE_NULL ? NULL : strdup(ledger_col_text(st, 7));
	bool ok = a->scope != NULL && a->class_name != NULL &&
	          (a->must_change != NULL || sqlite3_column_type(st, 7) == SQLITE_NULL);
	return ok ? CP_OK : CP_ERR_NOMEM;
}

static void account_clear(struct cp_account *a)
{
	free(a->scope);
	free(a->class_name);
	free(a->must_change);
	a->scope = a->class_name = a->must_change = NULL;
}

/* The row of name that applies best to host; ties between patterns of
 * one length go to the first in byte order, so the answer is stable. */
static int find_best(cp_ledger *l, const char *name, const char *host, struct cp_account *a)
{
	int rc = CP_OK;
	sqlite3_stmt *st = ledger_stmt(l, ST_ACCOUNTS_BY_NAME,
	                               "SELECT id, scope, class, kind, locked, otp, last_change,"
	                               " must_change_reason FROM accounts WHERE name = ?"
	                               " ORDER BY scope",
	                               &rc);
	if (st == NULL)
		return rc;
	ledger_bind_text(st, 1, name);
	size_t best = 0;
	while ((rc = ledger_step_row(st)) == CP_OK) {
		size_t rank = scope_rank(ledger_col_text(st, 1), host);
		if (rank <= best)
			continue;
		best = rank;
		account_clear(a);
		if ((rc = account_from_row(st, a)) != CP_OK)
			break;
	}
	sqlite3_reset(st);
	if (rc == CP_ERR_NOTFOUND)
		rc = best > 0 ? CP_OK : CP_ERR_NOTFOUND;
	return rc;
}

/* Owners (with how many departed) or custodians of account a. */
static int load_people(cp_ledger *l, struct cp_account *a, bool owners)
{
	int rc = CP_OK;
	sqlite3_stmt *st =
	    owners ? ledger_stmt(l, ST_OWNERS_OF,
	                         "SELECT p.employee_id, p.status FROM owners o"
	                         " JOIN people p ON p.id = o.person_id WHERE o.account_id = ?"
	                         " ORDER BY o.since, p.employee_id",
	                         &rc)
	           : ledger_stmt(l, ST_CUSTODIANS_OF,
	                         "SELECT p.employee_id, p.status FROM custodians c"
	                         " JOIN people p ON p.id = c.person_id WHERE c.account_id = ?"
	                         " ORDER BY c.since, p.employee_id",
	                         &rc);
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, a->id);
	while ((rc = ledger_step_row(st)) == CP_OK) {
		if (owners && strcmp(ledger_col_text(st, 1), "departed") == 0)
			a->owners_departed++;
		rc = owners ? str_list_add(&a->owners, &a->nowners, ledger_col_text(st, 0))
		            : str_list_add(&a->custodians, &a->ncustodians, ledger_col_text(st, 0));
		if (rc != CP_OK)
			break;
	}
	sqlite3_reset(st);
	return rc == CP_ERR_NOTFOUND ? CP_OK : rc;
}

static int find_in_snapshot(cp_ledger *l, const char *name, const char *host, bool with_custodians,
                            struct cp_account *a)
{
	int rc = find_best(l, name, host, a);
	if (rc == CP_OK)
		rc = load_people(l, a, true);
	if (rc == CP_OK && with_custodians)
		rc = load_people(l, a, false);
	return rc;
}

int ledger_account_find(cp_ledger *l, const char *name, const char *host, bool with_custodians,
                        struct cp_account **out)
{
	char hostbuf[LEDGER_HOST_BUF];
	*out = NULL;
	host = ledger_host(host, hostbuf);
	struct cp_account *a = calloc(1, sizeof(*a));
	if (a == NULL || (a->name = strdup(name)) == NULL) {
		free(a);
		return CP_ERR_NOMEM;
	}
	bool started = false;
	int rc = ledger_read_begin(l, &started);
	if (rc == CP_OK)
		rc = find_in_snapshot(l, name, host, with_custodians, a);
	ledger_read_end(l, started);
	if (rc != CP_OK) {
		cp_account_free(a);
		return rc;
	}
	*out = a;
	return CP_OK;
}

CP_EXPORT int cp_ledger_account_get(cp_ledger *l, const char *name, const char *host,
                                    cp_account **out)
{
	if (out != NULL)
		*out = NULL;
	if (l == NULL || name == NULL || out == NULL)
		return CP_ERR_INVAL;
	return ledger_account_find(l, name, host, true, out);
}

CP_EXPORT int cp_ledger_accounts(cp_ledger *l, int (*fn)(const cp_account *a, void *ctx), void *ctx)
{
	sqlite3_stmt *st = NULL;
	if (l == NULL || fn == NULL)
		return CP_ERR_INVAL;
	int rc = ledger_rc(sqlite3_prepare_v2(l->db,
	                                      "SELECT id, scope, class, kind, locked, otp,"
	                                      " last_change, must_change_reason, name"
	                                      " FROM accounts ORDER BY name, scope",
	                                      -1, &st, NULL));
	bool stop = false;
	while (rc == CP_OK && !stop && (rc = ledger_step_row(st)) == CP_OK) {
		struct cp_account *a = calloc(1, sizeof(*a));
		rc = a != NULL ? account_from_row(st, a) : CP_ERR_NOMEM;
		if (rc == CP_OK && (a->name = strdup(ledger_col_text(st, 8))) == NULL)
			rc = CP_ERR_NOMEM;
		if (rc == CP_OK)
			rc = load_people(l, a, true);
		if (rc == CP_OK)
			rc = load_people(l, a, false);
		if (rc == CP_OK)
			stop = fn(a, ctx) != 0;
		cp_account_free(a);
	}
	sqlite3_finalize(st);
	return rc == CP_ERR_NOTFOUND ? CP_OK : rc; /* NOTFOUND: no more rows */
}

/* ------------------------------------------------------------ cp_account */

static void str_list_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

CP_EXPORT void cp_account_free(cp_account *a)
{
	if (a == NULL)
		return;
	free(a->name);
	account_clear(a);
	str_list_free(a->owners, a->nowners);
	str_list_free(a->custodians, a->ncustodians);
	free(a);
}

CP_EXPORT const char *cp_account_name(const cp_account *a)
{
	return a != NULL ? a->name : NULL;
}

CP_EXPORT const char *cp_account_scope(const cp_account *a)
{
	return a != NULL ? a->scope : NULL;
}

CP_EXPORT const char *cp_account_class(const cp_account *a)
{
	return a != NULL ? a->class_name : NULL;
}

CP_EXPORT cp_account_kind cp_account_kind_of(const cp_account *a)
{
	return a != NULL ? a->kind : CP_ACCOUNT_PERSONAL;
}

CP_EXPORT bool cp_account_locked(const cp_account *a)
{
	return a != NULL && a->locked;
}

CP_EXPORT bool cp_account_otp(const cp_account *a)
{
	return a != NULL && a->otp;
}

CP_EXPORT int64_t cp_account_last_change(const cp_account *a)
{
	return a != NULL ? a->last_change : 0;
}

CP_EXPORT const char *cp_account_must_change(const cp_account *a)
{
	return a != NULL ? a->must_change : NULL;
}

CP_EXPORT size_t cp_account_owner_count(const cp_account *a)
{
	return a != NULL ? a->nowners : 0;
}

CP_EXPORT const char *cp_account_owner(const cp_account *a, size_t i)
{
	return a != NULL && i < a->nowners ? a->owners[i] : NULL;
}

CP_EXPORT size_t cp_account_custodian_count(const cp_account *a)
{
	return a != NULL ? a->ncustodians : 0;
}

CP_EXPORT const char *cp_account_custodian(const cp_account *a, size_t i)
{
	return a != NULL && i < a->ncustodians ? a->custodians[i] : NULL;
}
