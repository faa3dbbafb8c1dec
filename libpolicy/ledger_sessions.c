/* ledger_sessions.c - live PAM sessions, for R12's sharing alerts: one row
 * per (host, pid) while a session is open, and who else uses an account.
 *
 * A session whose process is gone (a crashed sshd never closes it) or
 * whose pid now belongs to another process no longer counts, and is
 * pruned by the next writer. */
#include "ledger_internal.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ process identity */

/* "BOOT_ID:START": the kernel's boot id and the process's start time in
 * clock ticks since boot (field 22 of /proc/PID/stat), which together name
 * one process for the life of the machine; "" when /proc does not tell
 * (hidepid, no /proc). */
#define PROC_ID_MAX 128

static bool read_small_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return false;
	size_t n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n > 0;
}

static void proc_id_of(int64_t pid, char out[PROC_ID_MAX])
{
	char path[64], boot[64], stat[1024];
	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%lld/stat", (long long)pid);
	if (!read_small_file("/proc/sys/kernel/random/boot_id", boot, sizeof(boot)) ||
	    !read_small_file(path, stat, sizeof(stat)))
		return;
	boot[strcspn(boot, "\n")] = '\0';
	/* The command name (field 2) may hold blanks and ")": fields after
	 * the last ")" are numbers. starttime is the 20th of them. */
	const char *p = strrchr(stat, ')');
	for (int field = 2; p != NULL && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL)
		return;
	unsigned long long start = strtoull(p + 1, NULL, 10);
	snprintf(out, PROC_ID_MAX, "%s:%llu", boot, start);
}

/* A session's process still runs (EPERM: it does, as another user) and is
 * the one that opened it: a pid reused after a crash or a reboot is not. */
static bool session_alive(int64_t pid, const char *proc_id)
{
	if (pid <= 0 || pid > INT_MAX)
		return false;
	if (kill((pid_t)pid, 0) != 0 && errno != EPERM)
		return false;
	if (*proc_id == '\0')
		return true; /* recorded before schema 3, or /proc did not tell */
	char now[PROC_ID_MAX];
	proc_id_of(pid, now);
	return *now == '\0' || strcmp(now, proc_id) == 0;
}

/* ------------------------------------------------------------ live sessions (R12) */

static int check_session_args(cp_ledger *l, const char *name, const char *service, const char *tty,
                              const char *rhost, int64_t pid)
{
	if (l == NULL || pid <= 0 || pid > INT_MAX)
		return CP_ERR_INVAL;
	int rc = ledger_check_text(name, LEDGER_ID_MAX, true, false);
	const char *texts[] = {service, tty, rhost};
	for (size_t i = 0; rc == CP_OK && i < 3; i++)
		rc = ledger_check_text(texts[i], LEDGER_ID_MAX, false, false);
	return rc;
}

/* The session event: actor the account, detail what identifies it. */
static int session_event(cp_ledger *l, const char *kind, const struct cp_account *a,
                         const char *detail)
{
	char *label = ledger_account_label(a->name, a->scope);
	int rc = label != NULL ? ledger_event_append(l, kind, label, NULL, a->name, NULL, detail)
	                       : CP_ERR_NOMEM;
	free(label);
	return rc;
}

static int session_insert(cp_ledger *l, const struct cp_account *a, const char *host,
                          const char *const text[3], int64_t pid, int64_t when)
{
	int rc = CP_OK;
	char proc_id[PROC_ID_MAX];
	sqlite3_stmt *st = ledger_stmt(l, ST_SESSION_UPSERT,
	                               "INSERT OR REPLACE INTO sessions (host, pid, account_id,"
	                               " service, tty, rhost, opened_at, proc_id)"
	                               " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	                               &rc);
	if (st == NULL)
		return rc;
	ledger_bind_text(st, 1, host);
	sqlite3_bind_int64(st, 2, pid);
	sqlite3_bind_int64(st, 3, a->id);
	for (int i = 0; i < 3; i++)
		ledger_bind_text(st, 4 + i, text[i]);
	sqlite3_bind_int64(st, 7, when != 0 ? when : (int64_t)time(NULL));
	/* Only a session of this host has its process here. */
	char here[LEDGER_HOST_BUF];
	proc_id[0] = '\0';
	if (strcmp(host, ledger_host(NULL, here)) == 0)
		proc_id_of(pid, proc_id);
	ledger_bind_text(st, 8, proc_id);
	return ledger_step_done(st);
}

CP_EXPORT int cp_ledger_session_open(cp_ledger *l, const char *name, const char *host,
                                     const char *service, const char *tty, const char *rhost,
                                     int64_t pid, int64_t when)
{
	char hostbuf[LEDGER_HOST_BUF];
	struct cp_account *a = NULL;
	const char *text[3] = {service, tty, rhost};
	int rc = check_session_args(l, name, service, tty, rhost, pid);
	if (rc == CP_OK)
		rc = ledger_write_begin(l);
	if (rc != CP_OK)
		return rc;
	host = ledger_host(host, hostbuf);
	rc = ledger_account_find(l, name, host, false, &a);
	if (rc == CP_OK)
		rc = session_insert(l, a, host, text, pid, when);
	char *detail =
	    rc == CP_OK
	        ? cp_asprintf("service=%s tty=%s rhost=%s pid=%lld", service != NULL ? service : "",
	                      tty != NULL ? tty : "", rhost != NULL ? rhost : "", (long long)pid)
	        : NULL;
	if (rc == CP_OK)
		rc = detail != NULL ? session_event(l, "session_open", a, detail) : CP_ERR_NOMEM;
	free(detail);
	cp_account_free(a);
	return ledger_write_end(l, rc);
}

static int session_delete(cp_ledger *l, const char *host, int64_t pid)
{
	int rc = CP_OK;
	sqlite3_stmt *st = ledger_stmt(l, ST_SESSION_DELETE,
	                               "DELETE FROM sessions WHERE host = ? AND pid = ?", &rc);
	if (st == NULL)
		return rc;
	ledger_bind_text(st, 1, host);
	sqlite3_bind_int64(st, 2, pid);
	return ledger_step_done(st);
}

CP_EXPORT int cp_ledger_session_close(cp_ledger *l, const char *name, const char *host, int64_t pid,
                                      int64_t when)
{
	char hostbuf[LEDGER_HOST_BUF];
	struct cp_account *a = NULL;
	int rc = check_session_args(l, name, NULL, NULL, NULL, pid);
	if (rc == CP_OK)
		rc = ledger_write_begin(l);
	if (rc != CP_OK)
		return rc;
	host = ledger_host(host, hostbuf);
	rc = ledger_account_find(l, name, host, false, &a);
	if (rc == CP_OK)
		rc = session_delete(l, host, pid);
	char *detail = rc == CP_OK ? cp_asprintf("pid=%lld closed_at=%lld", (long long)pid,
	                                         (long long)(when != 0 ? when : time(NULL)))
	                           : NULL;
	if (rc == CP_OK)
		rc = detail != NULL ? session_event(l, "session_close", a, detail) : CP_ERR_NOMEM;
	free(detail);
	cp_account_free(a);
	return ledger_write_end(l, rc);
}

/* Live sessions of account id on host, by remote address: count the
 * distinct non-empty addresses other than rhost of the live ones, and
 * collect the pids of the dead ones. */
struct session_scan {
	unsigned others;
	int64_t *dead;
	size_t ndead;
};

static int scan_sessions(cp_ledger *l, int64_t id, const char *host, const char *rhost,
                         struct session_scan *sc)
{
	int rc = CP_OK;
	/* A read-only handle may read a version 2 ledger, without proc_id. */
	sqlite3_stmt *st = ledger_stmt(l, ST_SESSIONS_OF,
	                               l->schema_version >= 3
	                                   ? "SELECT pid, rhost, proc_id FROM sessions"
	                                     " WHERE account_id = ? AND host = ? ORDER BY rhost"
	                                   : "SELECT pid, rhost, '' FROM sessions"
	                                     " WHERE account_id = ? AND host = ? ORDER BY rhost",
	                               &rc);
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	ledger_bind_text(st, 2, host);
	char last[LEDGER_ID_MAX + 1] = ""; /* the last address counted */
	while ((rc = ledger_step_row(st)) == CP_OK) {
		int64_t pid = sqlite3_column_int64(st, 0);
		const char *r = ledger_col_text(st, 1);
		if (!session_alive(pid, ledger_col_text(st, 2))) {
			int64_t *d = realloc(sc->dead, (sc->ndead + 1) * sizeof(*d));
			if (d == NULL) {
				rc = CP_ERR_NOMEM;
				break;
			}
			sc->dead = d;
			d[sc->ndead++] = pid;
		} else if (*r != '\0' && strcmp(r, rhost) != 0 && strcmp(r, last) != 0) {
			sc->others++;
			snprintf(last, sizeof(last), "%s", r);
		}
	}
	sqlite3_reset(st);
	return rc == CP_ERR_NOTFOUND ? CP_OK : rc;
}

/* Forget the sessions of processes that are gone: a crashed sshd never
 * closes its session. A read-only handle leaves them (they do not count). */
static int prune_sessions(cp_ledger *l, const char *host, const struct session_scan *sc)
{
	if (sc->ndead == 0 || (l->flags & CP_LEDGER_READONLY) != 0)
		return CP_OK;
	int rc = ledger_write_begin(l);
	if (rc != CP_OK)
		return rc;
	for (size_t i = 0; rc == CP_OK && i < sc->ndead; i++)
		rc = session_delete(l, host, sc->dead[i]);
	return ledger_write_end(l, rc);
}

CP_EXPORT int cp_ledger_session_count_others(cp_ledger *l, const char *name, const char *host,
                                             const char *rhost, unsigned *count)
{
	char hostbuf[LEDGER_HOST_BUF];
	struct cp_account *a = NULL;
	struct session_scan sc = {0};
	if (count != NULL)
		*count = 0;
	if (l == NULL || count == NULL)
		return CP_ERR_INVAL;
	int rc = check_session_args(l, name, NULL, NULL, rhost, 1);
	host = ledger_host(host, hostbuf);
	if (rc == CP_OK)
		rc = ledger_account_find(l, name, host, false, &a);
	if (rc == CP_OK)
		rc = scan_sessions(l, a->id, host, rhost != NULL ? rhost : "", &sc);
	if (rc == CP_OK)
		rc = prune_sessions(l, host, &sc);
	if (rc == CP_OK)
		*count = sc.others;
	free(sc.dead);
	cp_account_free(a);
	return rc;
}
