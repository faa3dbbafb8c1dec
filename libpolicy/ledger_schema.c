/* ledger_schema.c - the ledger's schema and its forward migrations.
 *
 * The schema version is PRAGMA user_version; PRAGMA application_id marks
 * the file as a credpolicy ledger. Each entry of steps[] takes the schema
 * from the version before it to its own; a ledger at version v gets every
 * step after v, in order, in one transaction, then user_version is set.
 * Steps are never edited once released: a later issue appends one and a
 * fixture of the version before it to tests/test_ledger.c.
 *
 * Tables are STRICT with CHECK constraints, so that a bug or a foreign
 * writer cannot store a string where a time belongs. The indexes are the
 * ones the lookups use: accounts by name (the UNIQUE key), owners and
 * custodians by person (offboarding, R13), history by account, events by
 * time, sessions by account. */
#include "ledger_internal.h"

#include <stdlib.h>

#define STR_(x) #x
#define STR(x)  STR_(x)

/* clang-format off */
/* Version 1 (issue 3): people, accounts, owners, custodians, history, events. */
static const char schema_v1[] =
    "PRAGMA application_id = " STR(LEDGER_APPLICATION_ID) ";"
    /* R23: people keep only derived personal-information tokens (what
     * cp_person_token returns: [a-z0-9] and "^" initials, checked by
     * ledger_accounts.c - a GLOB here cost a tenth of an import), sorted
     * and space-separated in one column: one row per person to read and
     * write, never the raw ID-card number. */
    "CREATE TABLE people ("
    " id INTEGER PRIMARY KEY,"
    " employee_id TEXT NOT NULL UNIQUE CHECK (length(employee_id) BETWEEN 1 AND 256),"
    " display_name TEXT NOT NULL CHECK (length(display_name) <= 1024),"
    " status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'departed')),"
    " departed_at INTEGER,"
    " tokens TEXT NOT NULL DEFAULT '',"
    " CHECK ((status = 'departed') = (departed_at IS NOT NULL))"
    ") STRICT;"
    "CREATE TABLE accounts ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 256),"
    " scope TEXT NOT NULL CHECK (length(scope) BETWEEN 1 AND 256),"
    " class TEXT NOT NULL CHECK (length(class) BETWEEN 1 AND 64),"
    " kind TEXT NOT NULL CHECK (kind IN ('personal', 'service', 'break-glass')),"
    " locked INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)),"
    " lock_reason TEXT,"
    " otp INTEGER NOT NULL DEFAULT 0 CHECK (otp IN (0, 1)),"
    " last_change INTEGER NOT NULL DEFAULT 0,"
    " must_change_reason TEXT,"
    " UNIQUE (name, scope)"
    ") STRICT;"
    "CREATE TABLE owners ("
    " account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
    " person_id INTEGER NOT NULL REFERENCES people (id),"
    " since INTEGER NOT NULL,"
    " PRIMARY KEY (account_id, person_id)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX owners_person ON owners (person_id);"
    "CREATE TABLE custodians ("
    " account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
    " person_id INTEGER NOT NULL REFERENCES people (id),"
    " since INTEGER NOT NULL,"
    " granted_by TEXT NOT NULL,"
    " ticket TEXT NOT NULL,"
    " PRIMARY KEY (account_id, person_id)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX custodians_person ON custodians (person_id);"
    /* R6: crypt(3) strings only; the newest are the highest ids. */
    "CREATE TABLE history ("
    " id INTEGER PRIMARY KEY,"
    " account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
    " hash TEXT NOT NULL CHECK (hash GLOB '$*'),"
    " changed_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX history_account ON history (account_id, id);"
    /* R17, R22: the hash chain is in ledger_events.c. The triggers stop
     * mistakes and casual edits; the chain detects the rest. */
    "CREATE TABLE events ("
    " id INTEGER PRIMARY KEY,"
    " time INTEGER NOT NULL,"
    " kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 32),"
    " account TEXT NOT NULL,"
    " person TEXT NOT NULL,"
    " actor TEXT NOT NULL,"
    " ticket TEXT NOT NULL,"
    " detail TEXT NOT NULL,"
    " prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),"
    " hash TEXT NOT NULL CHECK (length(hash) = 64)"
    ") STRICT;"
    "CREATE INDEX events_time ON events (time);"
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
    " BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;"
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
    " BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;";

/* Version 2 (issue 4): live PAM sessions, for R12's sharing alerts - one
 * row per (host, pid) while a session is open. */
static const char schema_v2[] =
    "CREATE TABLE sessions ("
    " host TEXT NOT NULL CHECK (length(host) <= 256),"
    " pid INTEGER NOT NULL CHECK (pid > 0),"
    " account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
    " service TEXT NOT NULL,"
    " tty TEXT NOT NULL,"
    " rhost TEXT NOT NULL,"
    " opened_at INTEGER NOT NULL,"
    " PRIMARY KEY (host, pid)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX sessions_account ON sessions (account_id, host, rhost);";

/* Version 3 (issues 5-7). Tables of their own rather than new columns of
 * accounts or people, so that the statements the PAM hooks run read a
 * version 2 ledger unchanged (a read-only open of an older schema).
 *
 * reviews (R19): the latest access review of each account; every review
 * is an event too.
 * memberships (R18): the groups a person belongs to, for the hosts of
 * scope; [roles] in the configuration says which groups make an OS or a
 * database administrator. source tells what the directory sync may
 * replace from what an administrator recorded by hand.
 * directory_entries (issue 5): what the directory sync made of each entry,
 * by its entryUUID, so that a rename or a delete (RFC 4533 names only the
 * UUID) finds the record; a person, an account or a group (by name).
 * Records without a row here are local: the sync never touches them.
 * sync_state (issue 5): the RFC 4533 cookie, the time of the last full
 * reconciliation, the modifyTimestamp high-water mark, by key.
 * sessions.proc_id: see ledger_accounts.c, process identity. */
static const char schema_v3[] =
    "CREATE TABLE reviews ("
    " account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,"
    " reviewed_at INTEGER NOT NULL,"
    " reviewer TEXT NOT NULL CHECK (length(reviewer) BETWEEN 1 AND 1024),"
    " note TEXT NOT NULL CHECK (length(note) <= 4096)"
    ") STRICT;"
    "CREATE TABLE memberships ("
    " person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,"
    " grp TEXT NOT NULL CHECK (length(grp) BETWEEN 1 AND 256),"
    " scope TEXT NOT NULL CHECK (length(scope) BETWEEN 1 AND 256),"
    " source TEXT NOT NULL DEFAULT 'local' CHECK (source IN ('local', 'directory')),"
    " PRIMARY KEY (person_id, grp, scope)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX memberships_grp ON memberships (grp);"
    "CREATE TABLE directory_entries ("
    " uuid TEXT PRIMARY KEY CHECK (length(uuid) BETWEEN 1 AND 64),"
    " kind TEXT NOT NULL CHECK (kind IN ('person', 'account', 'group')),"
    " dn TEXT NOT NULL CHECK (length(dn) <= 4096),"
    " person_id INTEGER REFERENCES people (id) ON DELETE CASCADE,"
    " account_id INTEGER REFERENCES accounts (id) ON DELETE CASCADE,"
    " grp TEXT CHECK (length(grp) BETWEEN 1 AND 256),"
    " CHECK ((kind = 'person') = (person_id IS NOT NULL)"
    "    AND (kind = 'account') = (account_id IS NOT NULL)"
    "    AND (kind = 'group') = (grp IS NOT NULL))"
    ") STRICT, WITHOUT ROWID;"
    "CREATE UNIQUE INDEX directory_person ON directory_entries (person_id)"
    " WHERE person_id IS NOT NULL;"
    "CREATE UNIQUE INDEX directory_account ON directory_entries (account_id)"
    " WHERE account_id IS NOT NULL;"
    "CREATE TABLE sync_state ("
    " key TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 64),"
    " value TEXT NOT NULL CHECK (length(value) <= 65536)"
    ") STRICT, WITHOUT ROWID;"
    /* Which process a session's pid was: boot id and start time, so that
     * a pid reused after a crash or a reboot does not keep a dead
     * session live (R12). "" for sessions recorded before. */
    "ALTER TABLE sessions ADD COLUMN proc_id TEXT NOT NULL DEFAULT ''"
    " CHECK (length(proc_id) <= 128);";
/* ---- issue 5/6: a later step (schema_v4) goes here if one is needed ---- */
/* clang-format on */

static const struct step {
	int version; /* the version this step produces */
	const char *sql;
} steps[] = {
    {1, schema_v1},
    {2, schema_v2},
    {3, schema_v3},
};

#define STEP_COUNT (sizeof(steps) / sizeof(steps[0]))

int ledger_schema_latest(void)
{
	return steps[STEP_COUNT - 1].version;
}

static int run_step(cp_ledger *l, const struct step *s, char **errmsg)
{
	int src = sqlite3_exec(l->db, s->sql, NULL, NULL, NULL);
	if (src == SQLITE_OK) {
		char *sql = cp_asprintf("PRAGMA user_version = %d", s->version);
		src = sql != NULL ? sqlite3_exec(l->db, sql, NULL, NULL, NULL) : SQLITE_NOMEM;
		free(sql);
	}
	if (src == SQLITE_OK)
		return CP_OK;
	cp_set_errmsg(errmsg, _("%s: cannot upgrade the ledger to schema version %d: %s"), l->path,
	              s->version, sqlite3_errmsg(l->db));
	return ledger_rc(src);
}

int ledger_schema_migrate(cp_ledger *l, int from, char **errmsg)
{
	for (size_t i = 0; i < STEP_COUNT; i++) {
		if (steps[i].version <= from)
			continue;
		int rc = run_step(l, &steps[i], errmsg);
		if (rc != CP_OK)
			return rc;
	}
	return CP_OK;
}
