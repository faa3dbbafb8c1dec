/* ledger.c - opening the ledger safely, transactions, the statement cache.
 *
 * The ledger holds password hashes and personal-information tokens (R23):
 * before SQLite sees the file, it is checked like a shadow file (R20) -
 * a regular file, not a symbolic link, not writable by group or others,
 * owned by root when root opens it, in a directory that others cannot
 * swap it in - and its SQLite header is read to tell a damaged or
 * truncated file from a ledger. SQLite never creates the file: we do,
 * with O_EXCL and mode 0600, so that no umask can widen it.
 *
 * Durability: WAL with synchronous=FULL. NORMAL would keep the database
 * consistent but could lose the last committed transactions on a power
 * failure; a lock, a leaver's must-change (R13) or an audit event that
 * the caller was told is recorded must not disappear. Writes are rare
 * (password changes, imports in one transaction), so the fsync per
 * commit costs little. Read-only opens (the PAM account hook) set no
 * PRAGMA at all: they read two header fields and prepare what they use. */
#include "ledger_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ errors */

int ledger_rc(int sqlite_rc)
{
	switch (sqlite_rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return CP_OK;
	case SQLITE_NOMEM:
		return CP_ERR_NOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return CP_ERR_BUSY;
	case SQLITE_CONSTRAINT:
	case SQLITE_TOOBIG:
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
		return CP_ERR_INVAL;
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return CP_ERR_IO;
	default: /* CORRUPT, NOTADB, SCHEMA, ERROR: not the ledger we know */
		return CP_ERR_LEDGER;
	}
}

/* ------------------------------------------------------------ statements */

sqlite3_stmt *ledger_stmt(cp_ledger *l, enum ledger_stmt id, const char *sql, int *rc)
{
	sqlite3_stmt *st = l->stmt[id];
	if (st != NULL) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return st;
	}
	int src = sqlite3_prepare_v3(l->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (src != SQLITE_OK) {
		sqlite3_finalize(st);
		*rc = ledger_rc(src);
		return NULL;
	}
	l->stmt[id] = st;
	return st;
}

int ledger_step_done(sqlite3_stmt *st)
{
	int src = sqlite3_step(st);
	sqlite3_reset(st);
	return src == SQLITE_DONE ? CP_OK : ledger_rc(src);
}

int ledger_step_row(sqlite3_stmt *st)
{
	int src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		return CP_OK;
	return src == SQLITE_DONE ? CP_ERR_NOTFOUND : ledger_rc(src);
}

int ledger_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	return sqlite3_bind_text(st, i, s != NULL ? s : "", -1, SQLITE_STATIC) == SQLITE_OK
	           ? CP_OK
	           : CP_ERR_NOMEM;
}

const char *ledger_col_text(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s != NULL ? s : "";
}

int ledger_exec(cp_ledger *l, enum ledger_stmt id, const char *sql)
{
	int rc = CP_OK;
	/* The end of a transaction, or a rollback inside one: the cached
	 * newest event may no longer be the newest. */
	if (id == ST_COMMIT || id == ST_ROLLBACK || id == ST_ROLLBACK_TO)
		l->head_valid = false;
	sqlite3_stmt *st = ledger_stmt(l, id, sql, &rc);
	return st != NULL ? ledger_step_done(st) : rc;
}

/* ------------------------------------------------------------ text */

int ledger_check_text(const char *s, size_t max, bool required, bool free_text)
{
	if (s == NULL || *s == '\0')
		return required ? CP_ERR_INVAL : CP_OK;
	size_t n = strnlen(s, max + 1);
	if (n > max)
		return CP_ERR_TOOLONG;
	if (cp_utf8_validate(s, n) < 0)
		return CP_ERR_UTF8;
	/* Control characters could drive the terminal of whoever reads the
	 * event log; C1 controls are U+0080-U+009F, 0xc2 0x80-0x9f. */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool c1 = c == 0xc2 && (unsigned char)s[i + 1] < 0xa0;
		if ((c < 0x20 && !(free_text && c == '\t')) || c == 0x7f || c1)
			return CP_ERR_INVAL;
	}
	return CP_OK;
}

int ledger_check_audit(const char *actor, const char *ticket)
{
	int rc = ledger_check_text(actor, LEDGER_TEXT_MAX, false, true);
	return rc == CP_OK ? ledger_check_text(ticket, LEDGER_TEXT_MAX, false, true) : rc;
}

/* ------------------------------------------------------------ transactions */

/* Inside an explicit transaction, notice one that SQLite rolled back by
 * itself (SQLITE_FULL, IOERR, NOMEM): the transaction is doomed, and the
 * cached newest event may be gone with it. Returns the doom, or CP_OK. */
static int check_alive(cp_ledger *l)
{
	if (l->depth > 0 && l->aborted == CP_OK && sqlite3_get_autocommit(l->db))
		l->aborted = CP_ERR_IO;
	if (l->aborted != CP_OK)
		l->head_valid = false;
	return l->aborted;
}

int ledger_write_begin(cp_ledger *l)
{
	if ((l->flags & CP_LEDGER_READONLY) != 0)
		return CP_ERR_INVAL;
	if (check_alive(l) != CP_OK)
		return l->aborted;
	if (l->depth == 0)
		return ledger_exec(l, ST_BEGIN, "BEGIN IMMEDIATE");
	l->changes_mark = sqlite3_total_changes64(l->db);
	return CP_OK;
}

/* Inside the caller's transaction a call takes no savepoint of its own: a
 * savepoint copies every page the call touches, which made a bulk import
 * a third slower. Calls check everything they can before they write, so a
 * call that fails has usually written nothing and the transaction goes
 * on; one that fails after writing (an I/O error, a constraint) dooms the
 * whole transaction instead: every later call and the commit return its
 * error, and nothing of the transaction is kept. */
int ledger_write_end(cp_ledger *l, int rc)
{
	/* Whatever failed may have been undone by SQLite along with the
	 * event the cache names: look the head up again next time. */
	if (rc != CP_OK)
		l->head_valid = false;
	if (l->depth > 0) {
		if (rc != CP_OK && (sqlite3_total_changes64(l->db) != l->changes_mark ||
		                    sqlite3_get_autocommit(l->db)))
			l->aborted = rc;
		return rc;
	}
	if (rc == CP_OK)
		rc = ledger_exec(l, ST_COMMIT, "COMMIT");
	if (rc != CP_OK && !sqlite3_get_autocommit(l->db))
		ledger_exec(l, ST_ROLLBACK, "ROLLBACK");
	return rc;
}

int ledger_read_begin(cp_ledger *l, bool *started)
{
	*started = false;
	if (!sqlite3_get_autocommit(l->db))
		return CP_OK;
	int rc = ledger_exec(l, ST_READ_BEGIN, "BEGIN DEFERRED");
	*started = rc == CP_OK;
	return rc;
}

void ledger_read_end(cp_ledger *l, bool started)
{
	if (started)
		ledger_exec(l, ST_READ_END, "COMMIT");
}

CP_EXPORT int cp_ledger_begin(cp_ledger *l)
{
	if (l == NULL || (l->flags & CP_LEDGER_READONLY) != 0)
		return CP_ERR_INVAL;
	if (check_alive(l) != CP_OK)
		return l->aborted;
	int rc = l->depth == 0 ? ledger_exec(l, ST_BEGIN, "BEGIN IMMEDIATE")
	                       : ledger_exec(l, ST_SAVEPOINT, "SAVEPOINT cp_nest");
	if (rc == CP_OK)
		l->depth++;
	return rc;
}

/* Leave the outermost transaction however it ended. */
static void reset_depth(cp_ledger *l)
{
	l->depth = 0;
	l->aborted = CP_OK;
}

CP_EXPORT int cp_ledger_commit(cp_ledger *l)
{
	if (l == NULL || l->depth == 0)
		return CP_ERR_INVAL;
	int rc = check_alive(l);
	if (rc != CP_OK) {
		cp_ledger_rollback(l);
		return rc;
	}
	if (l->depth > 1) {
		rc = ledger_exec(l, ST_RELEASE, "RELEASE cp_nest");
		if (rc != CP_OK)
			cp_ledger_rollback(l);
		else
			l->depth--;
		return rc;
	}
	rc = ledger_exec(l, ST_COMMIT, "COMMIT");
	if (rc != CP_OK && !sqlite3_get_autocommit(l->db))
		ledger_exec(l, ST_ROLLBACK, "ROLLBACK");
	reset_depth(l);
	return rc;
}

CP_EXPORT void cp_ledger_rollback(cp_ledger *l)
{
	if (l == NULL)
		return;
	/* Even when SQLite already rolled back by itself (and so no ROLLBACK
	 * statement runs below), the cached newest event may be gone. */
	l->head_valid = false;
	if (l->depth == 0)
		return;
	check_alive(l);
	if (l->depth > 1 && l->aborted == CP_OK) {
		ledger_exec(l, ST_ROLLBACK_TO, "ROLLBACK TO cp_nest");
		ledger_exec(l, ST_RELEASE, "RELEASE cp_nest");
		l->depth--;
		return;
	}
	if (!sqlite3_get_autocommit(l->db))
		ledger_exec(l, ST_ROLLBACK, "ROLLBACK");
	/* An aborted transaction is gone at every level: unwind them all. */
	if (l->depth > 1)
		l->depth--;
	else
		reset_depth(l);
}

/* ------------------------------------------------------------ file checks */

static int io_fail(const char *path, bool creating, int err, char **errmsg)
{
	char buf[256];
	const char *why = strerror_r(err, buf, sizeof(buf));
	if (creating)
		cp_set_errmsg(errmsg, _("%s: cannot create the ledger: %s"), path, why);
	else
		cp_set_errmsg(errmsg, _("%s: cannot open the ledger: %s"), path, why);
	return CP_ERR_IO;
}

/* The directory must not let others replace the file or plant its -wal
 * and -shm companions: owned by root or by us, writable by nobody else.
 * A sticky world-writable directory (/tmp) is refused too: anyone there
 * can create "<ledger>-wal" before we do. A missing directory is left to
 * the open (created 0700 with CP_LEDGER_CREATE, else NOTFOUND). */
static int check_dir(const char *path, char **errmsg)
{
	char *copy = strdup(path);
	if (copy == NULL)
		return CP_ERR_NOMEM;
	struct stat st;
	int rc = CP_OK;
	int err = stat(dirname(copy), &st) == 0 ? 0 : errno;
	if (err != 0 && err != ENOENT)
		rc = io_fail(path, false, err, errmsg);
	else if (err == 0 && (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		cp_set_errmsg(errmsg, _("%s: the ledger's directory is writable by group or others"),
		              path);
		rc = CP_ERR_PERM;
	} else if (err == 0 && st.st_uid != 0 && st.st_uid != geteuid()) {
		cp_set_errmsg(errmsg,
		              _("%s: the ledger's directory is owned by someone other than root "
		                "or the user opening it"),
		              path);
		rc = CP_ERR_PERM;
	}
	free(copy);
	return rc;
}

static int check_mode(const struct stat *st, const char *path, char **errmsg)
{
	if (!S_ISREG(st->st_mode)) {
		cp_set_errmsg(errmsg, _("%s: the ledger is not a regular file"), path);
		return CP_ERR_LEDGER;
	}
	/* Readable matters as much as writable: it holds password hashes. */
	if ((st->st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		cp_set_errmsg(errmsg,
		              _("%s: the ledger is readable or writable by group or others"), path);
		return CP_ERR_PERM;
	}
	if (geteuid() == 0 && st->st_uid != 0) {
		cp_set_errmsg(errmsg, _("%s: the ledger is not owned by root"), path);
		return CP_ERR_PERM;
	}
	return CP_OK;
}

/* The write-ahead log and shared-memory index ("<path>-wal", "<path>-shm")
 * hold ledger pages, and a planted log is replayed into the database: if
 * they exist they must be regular files (not links), owned by the
 * ledger's owner, with no permission for group or others. SQLite creates
 * them with the ledger's mode and owner, so a genuine one passes. */
static int check_companions(const struct stat *ledger, const char *path, char **errmsg)
{
	static const char *const suffix[] = {"-wal", "-shm"};
	int rc = CP_OK;
	for (size_t i = 0; rc == CP_OK && i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		char *name = cp_asprintf("%s%s", path, suffix[i]);
		if (name == NULL)
			return CP_ERR_NOMEM;
		struct stat st;
		if (lstat(name, &st) != 0) {
			if (errno != ENOENT)
				rc = io_fail(name, false, errno, errmsg);
		} else if (!S_ISREG(st.st_mode) || st.st_uid != ledger->st_uid) {
			cp_set_errmsg(errmsg,
			              _("%s: a file of the ledger is not a regular file owned by "
			                "the ledger's owner"),
			              name);
			rc = CP_ERR_PERM;
		} else if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
			cp_set_errmsg(errmsg,
			              _("%s: the ledger is readable or writable by group or others"),
			              name);
			rc = CP_ERR_PERM;
		}
		free(name);
	}
	return rc;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Whether the write-ahead log holds pages: the database file alone may
 * then be shorter than its header says (a checkpoint was interrupted). */
static bool wal_has_pages(const char *path)
{
	char *wal = cp_asprintf("%s-wal", path);
	struct stat st;
	bool has = wal == NULL || (stat(wal, &st) == 0 && st.st_size > 0);
	free(wal);
	return has;
}

/* The SQLite header (https://sqlite.org/fileformat.html, 1.3): magic,
 * page size at 16, change counter at 24, page count at 28, valid when
 * the "version-valid-for" at 92 equals the change counter. An empty file
 * is a new database. */
static int check_header(int fd, const struct stat *st, const char *path, char **errmsg)
{
	unsigned char h[100];
	if (st->st_size == 0)
		return CP_OK;
	if (pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    memcmp(h, "SQLite format 3", 16) != 0) {
		cp_set_errmsg(errmsg, _("%s: not a credpolicy ledger (not an SQLite database)"),
		              path);
		return CP_ERR_LEDGER;
	}
	uint64_t page = (uint64_t)h[16] << 8 | h[17];
	if (page == 1)
		page = 65536;
	uint64_t pages = be32(h + 28);
	if (be32(h + 24) == be32(h + 92) && pages * page > (uint64_t)st->st_size &&
	    !wal_has_pages(path)) {
		cp_set_errmsg(errmsg, _("%s: the ledger is damaged: the file is truncated"), path);
		return CP_ERR_LEDGER;
	}
	return CP_OK;
}

/* Create a missing ledger file 0600 (fchmod: whatever the umask), and its
 * directory 0700 when that is missing too. */
static int create_file(const char *path, char **errmsg)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == ENOENT) {
		char *copy = strdup(path);
		if (copy == NULL)
			return CP_ERR_NOMEM;
		if (mkdir(dirname(copy), 0700) == 0 || errno == EEXIST)
			fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		free(copy);
	}
	if (fd < 0 && errno == EEXIST)
		return CP_OK; /* another process was first: check its file */
	if (fd < 0)
		return io_fail(path, true, errno, errmsg);
	int rc = fchmod(fd, 0600) == 0 ? CP_OK : errno;
	close(fd);
	if (rc != CP_OK)
		return io_fail(path, true, rc, errmsg);
	return CP_OK;
}

static int open_checked(const char *path, unsigned flags, int *fd, char **errmsg)
{
	*fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (*fd < 0 && errno == ENOENT && (flags & CP_LEDGER_CREATE) != 0) {
		int rc = create_file(path, errmsg);
		if (rc != CP_OK)
			return rc;
		*fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	}
	if (*fd >= 0)
		return CP_OK;
	if (errno == ENOENT) {
		cp_set_errmsg(errmsg, _("%s: the ledger does not exist"), path);
		return CP_ERR_NOTFOUND;
	}
	if (errno == ELOOP) {
		cp_set_errmsg(errmsg, _("%s: the ledger is a symbolic link"), path);
		return CP_ERR_PERM;
	}
	return io_fail(path, false, errno, errmsg);
}

/* Everything about the file that can be known before SQLite opens it.
 * SQLite then opens the path again: the directory check is what keeps
 * the file from being swapped in between. */
static int check_file(const char *path, unsigned flags, char **errmsg)
{
	int rc = check_dir(path, errmsg);
	int fd = -1;
	if (rc == CP_OK)
		rc = open_checked(path, flags, &fd, errmsg);
	if (rc != CP_OK)
		return rc;
	struct stat st;
	if (fstat(fd, &st) != 0)
		rc = io_fail(path, false, errno, errmsg);
	if (rc == CP_OK)
		rc = check_mode(&st, path, errmsg);
	if (rc == CP_OK)
		rc = check_companions(&st, path, errmsg);
	if (rc == CP_OK)
		rc = check_header(fd, &st, path, errmsg);
	close(fd);
	return rc;
}

/* ------------------------------------------------------------ open */

/* A failure while opening, with SQLite's own (English) reason. */
static int report(cp_ledger *l, int rc, int src, char **errmsg)
{
	const char *why = l->db != NULL ? sqlite3_errmsg(l->db) : sqlite3_errstr(src);
	if (rc == CP_ERR_BUSY)
		cp_set_errmsg(errmsg, _("%s: the ledger is locked by another process"), l->path);
	else if (rc == CP_ERR_LEDGER)
		cp_set_errmsg(errmsg, _("%s: not a credpolicy ledger, or damaged: %s"), l->path,
		              why);
	else
		cp_set_errmsg(errmsg, _("%s: cannot use the ledger: %s"), l->path, why);
	return rc;
}

static int sqlite_fail(cp_ledger *l, int src, char **errmsg)
{
	return report(l, ledger_rc(src), src, errmsg);
}

static int pragma_int(cp_ledger *l, const char *sql, int *out, char **errmsg)
{
	sqlite3_stmt *st = NULL;
	int src = sqlite3_prepare_v2(l->db, sql, -1, &st, NULL);
	if (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
		*out = sqlite3_column_int(st, 0);
		src = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return src == SQLITE_OK ? CP_OK : sqlite_fail(l, src, errmsg);
}

/* Plain PRAGMAs read the header without parsing the schema, and cost
 * less than the pragma_ table functions: this is on every login's path. */
static int read_ids(cp_ledger *l, int *version, int *app_id, char **errmsg)
{
	int rc = pragma_int(l, "PRAGMA user_version", version, errmsg);
	return rc == CP_OK ? pragma_int(l, "PRAGMA application_id", app_id, errmsg) : rc;
}

/* Whether the database holds anything at all (a new file does not). */
static int schema_empty(cp_ledger *l, bool *empty, char **errmsg)
{
	sqlite3_stmt *st = NULL;
	int src = sqlite3_prepare_v2(l->db, "SELECT 1 FROM sqlite_schema LIMIT 1", -1, &st, NULL);
	if (src == SQLITE_OK) {
		src = sqlite3_step(st);
		*empty = src == SQLITE_DONE;
		if (src == SQLITE_DONE || src == SQLITE_ROW)
			src = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return src == SQLITE_OK ? CP_OK : sqlite_fail(l, src, errmsg);
}

/* Tell a ledger, a new file and anything else apart. */
static int identify(cp_ledger *l, int *version, char **errmsg)
{
	int app_id = 0;
	bool empty = false;
	int rc = read_ids(l, version, &app_id, errmsg);
	if (rc == CP_OK && app_id == LEDGER_APPLICATION_ID && *version > 0)
		return CP_OK;
	if (rc == CP_OK && app_id == 0 && *version == 0)
		rc = schema_empty(l, &empty, errmsg);
	if (rc == CP_OK && !empty) {
		cp_set_errmsg(errmsg, _("%s: not a credpolicy ledger (another SQLite database)"),
		              l->path);
		rc = CP_ERR_LEDGER;
	}
	return rc;
}

static int exec_sql(cp_ledger *l, const char *sql, char **errmsg)
{
	int src = sqlite3_exec(l->db, sql, NULL, NULL, NULL);
	return src == SQLITE_OK ? CP_OK : sqlite_fail(l, src, errmsg);
}

/* A migration runs in its own write transaction; the version is read
 * again inside it, since another process may have migrated meanwhile. */
static int migrate(cp_ledger *l, char **errmsg)
{
	int rc = ledger_write_begin(l);
	int version = 0, app_id = 0;
	if (rc == CP_OK)
		rc = read_ids(l, &version, &app_id, errmsg);
	if (rc == CP_OK && version < ledger_schema_latest())
		rc = ledger_schema_migrate(l, version, errmsg);
	rc = ledger_write_end(l, rc);
	if (rc != CP_OK && errmsg != NULL && *errmsg == NULL)
		report(l, rc, SQLITE_ERROR, errmsg);
	if (rc == CP_OK)
		l->schema_version = ledger_schema_latest();
	return rc;
}

/* Settings of a handle that writes: WAL (persistent in the file, so set
 * only once), FULL synchronous (see the top of this file), foreign keys,
 * and a larger page cache so that a 100,000-record import does not spill
 * its transaction to the log before it commits. */
static int setup_writer(cp_ledger *l, char **errmsg)
{
	return exec_sql(l,
	                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
	                "PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536",
	                errmsg);
}

/* The oldest schema a read-only handle accepts. Read-only users (the PAM
 * account hook, status) read only what schema 1 already had; schema 2
 * added just the sessions table, which they never read. So an upgraded
 * package keeps working before anyone runs 'credpolicy ledger init'.
 * Raise this when a migration changes something read-only users read. */
#define LEDGER_READ_COMPAT_MIN 1

static int check_version(cp_ledger *l, int version, char **errmsg)
{
	int latest = ledger_schema_latest();
	l->schema_version = version;
	if (version > latest) {
		cp_set_errmsg(errmsg,
		              _("%s: the ledger was created by a newer credpolicy "
		                "(schema version %d; this version knows up to %d)"),
		              l->path, version, latest);
		return CP_ERR_LEDGER;
	}
	if (version < LEDGER_READ_COMPAT_MIN && (l->flags & CP_LEDGER_READONLY) != 0) {
		cp_set_errmsg(errmsg,
		              _("%s: the ledger has schema version %d and needs version %d; "
		                "run 'credpolicy ledger init' to upgrade it"),
		              l->path, version, LEDGER_READ_COMPAT_MIN);
		return CP_ERR_LEDGER;
	}
	if ((l->flags & CP_LEDGER_READONLY) != 0)
		return CP_OK;
	int rc = setup_writer(l, errmsg);
	if (rc == CP_OK && version < latest)
		rc = migrate(l, errmsg);
	return rc;
}

static int open_db(cp_ledger *l, char **errmsg)
{
	bool ro = (l->flags & CP_LEDGER_READONLY) != 0;
	int oflags = (ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX |
	             SQLITE_OPEN_EXRESCODE;
	int src = sqlite3_open_v2(l->path, &l->db, oflags, NULL);
	if (src != SQLITE_OK)
		return sqlite_fail(l, src, errmsg);
	sqlite3_busy_timeout(l->db, (int)cp_config_busy_timeout_ms(l->cfg));
	/* No schema trick may reach SQL functions or the file's internals. */
	sqlite3_db_config(l->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(l->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	int version = 0;
	int rc = identify(l, &version, errmsg);
	if (rc == CP_OK)
		rc = check_version(l, version, errmsg);
	return rc;
}

CP_EXPORT int cp_ledger_open(const cp_config *cfg, const char *path, unsigned flags,
                             cp_ledger **out, char **errmsg)
{
	if (errmsg != NULL)
		*errmsg = NULL;
	if (out == NULL || cfg == NULL || (flags & ~(CP_LEDGER_CREATE | CP_LEDGER_READONLY)) ||
	    (flags & (CP_LEDGER_CREATE | CP_LEDGER_READONLY)) ==
	        (CP_LEDGER_CREATE | CP_LEDGER_READONLY))
		return CP_ERR_INVAL;
	*out = NULL;
	if (path == NULL)
		path = cp_config_ledger_path(cfg);
	cp_ledger *l = calloc(1, sizeof(*l));
	if (l == NULL || (l->path = strdup(path)) == NULL) {
		free(l);
		return CP_ERR_NOMEM;
	}
	l->cfg = cfg;
	l->flags = flags;
	int rc = check_file(l->path, flags, errmsg);
	if (rc == CP_OK)
		rc = open_db(l, errmsg);
	if (rc != CP_OK) {
		cp_ledger_close(l);
		return rc;
	}
	*out = l;
	return CP_OK;
}

CP_EXPORT void cp_ledger_close(cp_ledger *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(l->stmt[i]);
	/* An explicit transaction still open is rolled back by SQLite. */
	sqlite3_close_v2(l->db);
	free(l->path);
	free(l);
}

CP_EXPORT const cp_config *cp_ledger_config(const cp_ledger *l)
{
	return l != NULL ? l->cfg : NULL;
}

CP_EXPORT int cp_ledger_schema_version(const cp_ledger *l)
{
	return l != NULL ? l->schema_version : 0;
}
