/* ledger_internal.h - what the ledger's sources share: the handle, its
 * statement cache, transactions, and the helpers every mutation uses.
 *
 * Files: ledger.c (open, close, transactions, statement cache, errors),
 * ledger_schema.c (schema and migrations), ledger_accounts.c (people,
 * accounts, owners, custodians, flags, host matching), ledger_sessions.c
 * (live sessions),
 * ledger_events.c (the hash-chained event log), ledger_history.c
 * (password changes and R6 history), status.c (rotation status, R7-R12). */
#ifndef CP_LEDGER_INTERNAL_H
#define CP_LEDGER_INTERNAL_H

#include "internal.h"

#include <sqlite3.h>
#include <stdint.h>

/* PRAGMA application_id of a credpolicy ledger: "CPLG". Tells a ledger
 * from any other SQLite file with one header read. */
#define LEDGER_APPLICATION_ID 1129335879 /* 0x43504c47 */

/* Length limits of the text the ledger stores, in bytes. */
#define LEDGER_ID_MAX     256u  /* account name, scope, employee id, class */
#define LEDGER_TEXT_MAX   1024u /* actor, ticket, reasons, display name */
#define LEDGER_DETAIL_MAX 4096u /* event detail */
#define LEDGER_KIND_MAX   32u   /* event kind: [a-z_] */

/* Slots of the prepared-statement cache: each is prepared on first use
 * (a PAM hook that asks for one status prepares two statements, an import
 * reuses each statement 100,000 times). Each slot is used by one call
 * site, which passes its SQL text along. */
enum ledger_stmt {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_READ_BEGIN,
	ST_READ_END,
	ST_PERSON_GET,
	ST_PERSON_INSERT,
	ST_PERSON_UPDATE,
	ST_PERSON_DEPART,
	ST_PERSON_CUSTODIED,
	ST_PERSON_TOKENS,
	ST_ACCOUNT_ID,
	ST_ACCOUNT_ROW,
	ST_ACCOUNTS_BY_NAME,
	ST_ACCOUNT_INSERT,
	ST_ACCOUNT_UPDATE,
	ST_ACCOUNT_LOCK,
	ST_ACCOUNT_MUST_CHANGE,
	ST_ACCOUNT_LAST_CHANGE,
	ST_ACCOUNT_CHANGED,
	ST_OWNERS_CLEAR,
	ST_OWNER_INSERT,
	ST_OWNERS_OF,
	ST_OWNER_IDS,
	ST_CUSTODIANS_OF,
	ST_CUSTODIAN_INSERT,
	ST_CUSTODIAN_DELETE,
	ST_HISTORY_INSERT,
	ST_HISTORY_TRIM,
	ST_HISTORY_OF,
	ST_EVENT_LAST,
	ST_EVENT_INSERT,
	ST_SESSION_UPSERT,
	ST_SESSION_DELETE,
	ST_SESSIONS_OF,
	/* ---- issue 5: directory sync statements ---- */
	ST_SYNC_STATE_GET,
	ST_SYNC_STATE_SET,
	ST_DIR_GET,
	ST_DIR_PUT,
	ST_DIR_UPDATE,
	ST_DIR_DELETE,
	ST_DIR_UUID_PERSON,
	ST_DIR_UUID_ACCOUNT,
	ST_SYNC_ACCT_ROW,
	ST_SYNC_ACCT_OWNERS,
	ST_SYNC_PERSON_ROW,
	ST_SYNC_ACCT_DELETE,
	ST_SYNC_ACCT_RENAME,
	ST_SYNC_PERSON_REKEY,
	ST_SYNC_MUST_CHANGE_TIME,
	ST_SYNC_MEMBERS_OF,
	ST_SYNC_MEMBER_ADD,
	ST_SYNC_MEMBER_DEL,
	/* ---- issue 6: offboarding statements ---- */
	ST_OFFBOARD_PERSON,
	ST_OFFBOARD_OWNED,
	ST_OFFBOARD_CUSTODIED,
	ST_OFFBOARD_NOTIFY,
	ST_OFFBOARD_DIR_ACCOUNT,
	ST_OFFBOARD_DIR_PERSON,
	ST_OFFBOARD_COMPLETED,
	ST_OFFBOARD_DEPART,
	ST_OFFBOARD_LOCK,
	ST_OFFBOARD_REVOKE,
	ST_INCIDENT_DIR_DN,
	ST_INCIDENT_PERSON,
	/* ---- issue 7: review and membership statements ---- */
	ST_REVIEW_GET,
	ST_REVIEW_PUT,
	ST_MEMBERSHIP_GET,
	ST_MEMBERSHIP_INSERT,
	ST_MEMBERSHIP_DELETE,
	ST_COUNT
};

struct cp_ledger {
	sqlite3 *db;
	const cp_config *cfg;
	char *path;
	unsigned flags; /* CP_LEDGER_* */
	int schema_version;
	/* cp_ledger_begin nesting: 0 outside an explicit transaction, 1 in
	 * BEGIN IMMEDIATE, more in SAVEPOINTs. */
	unsigned depth;
	/* Set when a call failed after writing inside an explicit transaction
	 * (or SQLite rolled it back by itself): the error every later call
	 * and the commit report until the caller ends the transaction. */
	int aborted;
	/* sqlite3_total_changes64 when the current call began. */
	sqlite3_int64 changes_mark;
	/* The newest event while a write transaction is open, so that a bulk
	 * import does not look it up for every record; forgotten whenever a
	 * transaction or savepoint ends in a rollback, or at commit (other
	 * processes append after that). */
	bool head_valid;
	int64_t head_id;
	char head_hash[65];
	sqlite3_stmt *stmt[ST_COUNT];
};

/* An account as read from the ledger (cp_account in the API). */
struct cp_account {
	int64_t id;
	char *name, *scope, *class_name, *must_change;
	cp_account_kind kind;
	bool locked, otp;
	int64_t last_change;
	char **owners; /* employee ids, oldest claim first */
	size_t nowners;
	size_t owners_departed; /* how many of them have left (R13) */
	char **custodians;
	size_t ncustodians;
};

/* ---- ledger.c ---- */

/* CP_* error for a SQLite result code (extended or primary). */
int ledger_rc(int sqlite_rc);
/* The cached statement of slot id, reset and unbound; NULL with *rc set
 * when it cannot be prepared. */
sqlite3_stmt *ledger_stmt(cp_ledger *l, enum ledger_stmt id, const char *sql, int *rc);
/* Step a statement that returns no row, then reset it. */
int ledger_step_done(sqlite3_stmt *st);
/* Step to the next row: CP_OK on a row, CP_ERR_NOTFOUND when there are no
 * more, another CP_ERR_* on an error. The statement is not reset. */
int ledger_step_row(sqlite3_stmt *st);
/* Bind s, NULL as "". */
int ledger_bind_text(sqlite3_stmt *st, int i, const char *s);
/* Column text, never NULL. */
const char *ledger_col_text(sqlite3_stmt *st, int i);
/* Run a cached statement that returns no row. */
int ledger_exec(cp_ledger *l, enum ledger_stmt id, const char *sql);

/* Start and end one mutating call: its own transaction (BEGIN IMMEDIATE)
 * outside cp_ledger_begin, nothing of its own inside one (see ledger.c:
 * a call that fails after writing dooms the caller's transaction). So a
 * failed call never leaves part of itself. write_end commits or rolls
 * back according to rc and returns the call's result. */
int ledger_write_begin(cp_ledger *l);
int ledger_write_end(cp_ledger *l, int rc);
/* A consistent snapshot for reads of several statements; nothing is done
 * inside an explicit transaction. */
int ledger_read_begin(cp_ledger *l, bool *started);
void ledger_read_end(cp_ledger *l, bool started);

/* Validate text the ledger stores: valid UTF-8, no control characters
 * (tab allowed when free_text), at most max bytes. NULL or "" is
 * CP_ERR_INVAL when required. */
int ledger_check_text(const char *s, size_t max, bool required, bool free_text);
/* The actor and the ticket of an audited call: both optional free text of
 * at most LEDGER_TEXT_MAX bytes. */
int ledger_check_audit(const char *actor, const char *ticket);

/* ---- ledger_schema.c ---- */

/* The schema version this library writes. */
int ledger_schema_latest(void);
/* Inside a write transaction: bring the schema from version `from` to
 * the latest by the ordered migration steps. */
int ledger_schema_migrate(cp_ledger *l, int from, char **errmsg);

/* ---- ledger_events.c ---- */

/* Append one event in the current transaction (the caller's mutation
 * and its event commit together). Fields are validated by the caller. */
int ledger_event_append(cp_ledger *l, const char *kind, const char *account, const char *person,
                        const char *actor, const char *ticket, const char *detail);

/* ---- ledger_accounts.c ---- */

/* Scope NULL means "*". */
const char *ledger_scope(const char *scope);
/* "name@scope", or "name" for scope "*": how events name an account.
 * malloc'ed; NULL when out of memory. */
char *ledger_account_label(const char *name, const char *scope);
/* host, or this host's name (in buf) when host is NULL. */
#define LEDGER_HOST_BUF 256
const char *ledger_host(const char *host, char buf[LEDGER_HOST_BUF]);
/* Row id of a person / of the account (name, exact scope). */
int ledger_person_id(cp_ledger *l, const char *employee_id, int64_t *id);
int ledger_account_id(cp_ledger *l, const char *name, const char *scope, int64_t *id);
/* The account name that applies to host (NULL: this host), with owners
 * and, when with_custodians, custodians. CP_ERR_NOTFOUND if none. */
int ledger_account_find(cp_ledger *l, const char *name, const char *host, bool with_custodians,
                        struct cp_account **out);
/* cp_ledger_person_put, and *id the person's row id. */
int ledger_person_put_id(cp_ledger *l, const char *employee_id, const char *display_name,
                         const cp_person *info, const char *actor, int64_t *id);
/* A new account as the directory sync creates them (100,000 on a first
 * sync): one insert, its last password change included, its first owner
 * (row id looked up by the caller), and one account_add event whose
 * detail carries the last change too - where cp_ledger_account_put and
 * cp_ledger_set_last_change take a dozen statements and two events.
 * CP_ERR_INVAL for a last change ahead of now (by more than a day);
 * (name, scope) taken fails on the UNIQUE constraint. */
struct ledger_new_account {
	const char *name, *scope, *class_name, *owner, *actor;
	int64_t owner_id; /* the row of owner; 0 with owner NULL */
	cp_account_kind kind;
	bool otp;
	int64_t last_change; /* 0: never */
};
int ledger_account_create(cp_ledger *l, const struct ledger_new_account *n, int64_t *id);
/* Set (reason not NULL) or clear (NULL) the must-change flag of account
 * id, in the current transaction, without an event; *changed when the row
 * changed (the same reason again changes nothing). */
int ledger_set_must_change_id(cp_ledger *l, int64_t id, const char *reason, bool *changed);
/* The policy class of an account: its own, or the default class when the
 * configuration no longer has it (R10). NULL only if the
 * configuration has no default class. */
const cp_class *ledger_class_of(const cp_ledger *l, const char *class_name);

/* ---- config.c ---- */

/* Key "busy_timeout_ms" of [ledger]: how long a call waits for another
 * process's write lock before CP_ERR_BUSY. */
unsigned cp_config_busy_timeout_ms(const cp_config *cfg);

#endif
