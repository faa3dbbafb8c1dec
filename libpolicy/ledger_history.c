/* ledger_history.c - password changes and the R6 history.
 *
 * The history keeps the newest cp_class_history() passwords of an account
 * as crypt(3) strings made with the host's preferred method
 * (crypt_gensalt_ra with no prefix: yescrypt on Debian 12), never the
 * password itself. A candidate is compared by hashing it with each stored
 * setting (crypt_rn) and comparing the results in constant time.
 *
 * Cost: every stored hash costs one crypt_rn of the candidate, a few to
 * tens of milliseconds each for yescrypt at the default cost - 5 kept
 * passwords are well under a second, which is what a password change can
 * afford; the slowness is the point of the method. Hashing happens
 * outside the write transaction, so other processes are not kept
 * waiting for it.
 *
 * Every buffer that held the password or a value computed from it
 * (struct crypt_data holds both) is wiped on the way out, on one path. */
#include "ledger_internal.h"

#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ crypt */

static bool ct_equal(const char *a, const char *b)
{
	size_t n = strlen(a);
	if (n != strlen(b))
		return false;
	unsigned char d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* A crypt(3) result that is a hash and not a failure token ("*0"). */
static bool crypt_ok(const char *h)
{
	return h != NULL && h[0] != '*' && h[0] != '\0';
}

/* Hash password with a new salt of the host's preferred method. *out is
 * malloc'ed (release with cp_free_secret). */
static int hash_new(const char *password, char **out)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	char *setting = crypt_gensalt_ra(NULL, 0, NULL, 0);
	int rc = cd != NULL && setting != NULL ? CP_OK : CP_ERR_NOMEM;
	*out = NULL;
	if (rc == CP_OK) {
		const char *h = crypt_rn(password, setting, cd, (int)sizeof(*cd));
		/* Only a broken libxcrypt refuses its own preferred setting. */
		rc = crypt_ok(h) ? CP_OK : errno == ENOMEM ? CP_ERR_NOMEM : CP_ERR_INVAL;
		if (rc == CP_OK && (*out = strdup(h)) == NULL)
			rc = CP_ERR_NOMEM;
	}
	cp_free_wiped(cd, sizeof(*cd));
	free(setting);
	return rc;
}

/* Whether password hashes to one of hashes[0..n). A hash whose method
 * this host no longer supports cannot match and is skipped. */
static int hash_match(const char *password, char *const *hashes, size_t n, bool *found)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	if (cd == NULL)
		return CP_ERR_NOMEM;
	*found = false;
	for (size_t i = 0; i < n && !*found; i++) {
		const char *h = crypt_rn(password, hashes[i], cd, (int)sizeof(*cd));
		*found = crypt_ok(h) && ct_equal(h, hashes[i]);
	}
	cp_free_wiped(cd, sizeof(*cd));
	return CP_OK;
}

static int check_password(const char *password)
{
	if (password == NULL)
		return CP_ERR_INVAL;
	size_t n = strnlen(password, CP_MAX_PASSWORD_BYTES + 1);
	if (n > CP_MAX_PASSWORD_BYTES)
		return CP_ERR_TOOLONG;
	return cp_utf8_validate(password, n) < 0 ? CP_ERR_UTF8 : CP_OK;
}

/* ------------------------------------------------------------ recording */

/* How many passwords the account's class keeps. */
static unsigned history_depth(const cp_ledger *l, const struct cp_account *a)
{
	return cp_class_history(ledger_class_of(l, a->class_name));
}

static int update_account(cp_ledger *l, int64_t id, int64_t when)
{
	int rc = CP_OK;
	sqlite3_stmt *st = ledger_stmt(l, ST_ACCOUNT_CHANGED,
	                               "UPDATE accounts SET last_change = ?,"
	                               " must_change_reason = NULL WHERE id = ?",
	                               &rc);
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, when);
	sqlite3_bind_int64(st, 2, id);
	return ledger_step_done(st);
}

static int history_add(cp_ledger *l, int64_t id, const char *hash, int64_t when)
{
	int rc = CP_OK;
	sqlite3_stmt *st =
	    ledger_stmt(l, ST_HISTORY_INSERT,
	                "INSERT INTO history (account_id, hash, changed_at) VALUES (?, ?, ?)", &rc);
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	ledger_bind_text(st, 2, hash);
	sqlite3_bind_int64(st, 3, when);
	return ledger_step_done(st);
}

/* Keep the newest keep hashes of the account (none for 0). */
static int history_trim(cp_ledger *l, int64_t id, unsigned keep)
{
	int rc = CP_OK;
	sqlite3_stmt *st = ledger_stmt(l, ST_HISTORY_TRIM,
	                               "DELETE FROM history WHERE account_id = ?1 AND id NOT IN"
	                               " (SELECT id FROM history WHERE account_id = ?1"
	                               " ORDER BY id DESC LIMIT ?2)",
	                               &rc);
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, keep);
	return ledger_step_done(st);
}

static int record(cp_ledger *l, const struct cp_account *a, const char *hash, int64_t when,
                  const char *actor)
{
	int rc = update_account(l, a->id, when);
	if (rc == CP_OK && hash != NULL)
		rc = history_add(l, a->id, hash, when);
	if (rc == CP_OK)
		rc = history_trim(l, a->id, history_depth(l, a));
	char *label = ledger_account_label(a->name, a->scope);
	if (rc == CP_OK && label == NULL)
		rc = CP_ERR_NOMEM;
	/* The event says that the password changed, and nothing about it. */
	if (rc == CP_OK)
		rc = ledger_event_append(l, "change", label, NULL, actor, NULL,
		                         a->must_change != NULL ? "must_change cleared" : NULL);
	free(label);
	return rc;
}

CP_EXPORT int cp_ledger_record_change(cp_ledger *l, const char *name, const char *host,
                                      const char *password, int64_t when, const char *actor)
{
	struct cp_account *a = NULL;
	char *hash = NULL;
	if (l == NULL || name == NULL || when < 0)
		return CP_ERR_INVAL;
	int rc = check_password(password);
	if (rc == CP_OK)
		rc = ledger_check_text(actor, LEDGER_TEXT_MAX, false, true);
	if (rc == CP_OK && (l->flags & CP_LEDGER_READONLY) != 0)
		rc = CP_ERR_INVAL;
	if (rc == CP_OK)
		rc = ledger_account_find(l, name, host, false, &a);
	if (rc == CP_OK && history_depth(l, a) > 0)
		rc = hash_new(password, &hash);
	if (rc == CP_OK)
		rc = ledger_write_begin(l);
	if (rc == CP_OK)
		rc = ledger_write_end(
		    l, record(l, a, hash, when != 0 ? when : (int64_t)time(NULL), actor));
	cp_free_secret(hash);
	cp_account_free(a);
	return rc;
}

/* ------------------------------------------------------------ looking up */

static void hashes_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cp_free_secret(v[i]);
	free(v);
}

/* The account's newest keep hashes, newest first. */
static int hashes_load(cp_ledger *l, int64_t id, unsigned keep, char ***out, size_t *n)
{
	int rc = CP_OK;
	sqlite3_stmt *st = ledger_stmt(l, ST_HISTORY_OF,
	                               "SELECT hash FROM history WHERE account_id = ?"
	                               " ORDER BY id DESC LIMIT ?",
	                               &rc);
	*out = NULL;
	*n = 0;
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, keep);
	*out = calloc(keep, sizeof(**out));
	if (*out == NULL)
		return CP_ERR_NOMEM;
	int src;
	while ((src = sqlite3_step(st)) == SQLITE_ROW && *n < keep) {
		if (((*out)[*n] = strdup(ledger_col_text(st, 0))) == NULL) {
			src = SQLITE_NOMEM;
			break;
		}
		(*n)++;
	}
	sqlite3_reset(st);
	return src == SQLITE_ROW || src == SQLITE_DONE ? CP_OK : ledger_rc(src);
}

CP_EXPORT int cp_ledger_history_contains(cp_ledger *l, const char *name, const char *host,
                                         const char *password, bool *found)
{
	struct cp_account *a = NULL;
	char **hashes = NULL;
	size_t n = 0;
	if (found != NULL)
		*found = false;
	if (l == NULL || name == NULL || found == NULL)
		return CP_ERR_INVAL;
	int rc = check_password(password);
	if (rc == CP_OK)
		rc = ledger_account_find(l, name, host, false, &a);
	unsigned keep = rc == CP_OK ? history_depth(l, a) : 0;
	if (rc == CP_OK && keep > 0)
		rc = hashes_load(l, a->id, keep, &hashes, &n);
	if (rc == CP_OK && n > 0)
		rc = hash_match(password, hashes, n, found);
	hashes_free(hashes, n);
	cp_account_free(a);
	return rc;
}
