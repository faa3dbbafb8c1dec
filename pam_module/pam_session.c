/* pam_session.c - the session hook: who logged in from where, and one
 * personal account used from two places at once (R12, R22).
 *
 * Live sessions are kept by the ledger (cp_ledger_session_*), per host and
 * per process: a session is this process's, opened and closed by it, and
 * the ledger forgets the sessions of processes that died without closing.
 * The ledger writes the session_open and session_close events; the module
 * writes the sharing_alert. */
#include "pam_common.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* PAM_TTY and PAM_RHOST longer than this are recorded as "(too long)". */
#define ITEM_MAX 255

/* A PAM item as a bounded string the ledger accepts ("" when unset): one
 * that is not valid UTF-8, or holds a C0 or C1 control or DEL, is recorded
 * as "(unprintable)" rather than refused by the ledger. */
static const char *item_text(pam_handle_t *pamh, int item)
{
	const void *v = NULL;
	if (pam_get_item(pamh, item, &v) != PAM_SUCCESS || v == NULL)
		return "";
	const char *s = v;
	if (strnlen(s, ITEM_MAX + 1) > ITEM_MAX)
		return "(too long)";
	return cp_pam_printable(s) ? s : "(unprintable)";
}

struct where {
	const char *service, *tty, *rhost;
	char detail[3 * ITEM_MAX + 96];
};

static void describe(struct cp_pam *c, struct where *w)
{
	w->service = item_text(c->pamh, PAM_SERVICE);
	w->tty = item_text(c->pamh, PAM_TTY);
	w->rhost = item_text(c->pamh, PAM_RHOST);
	snprintf(w->detail, sizeof(w->detail), "service=%s tty=%s rhost=%s pid=%ld", w->service,
	         w->tty, w->rhost, (long)getpid());
}

/* Text the ledger refused (a user name that is not UTF-8...): bad input,
 * not a ledger that is unavailable. */
static bool bad_input(int err)
{
	return err == CP_ERR_UTF8 || err == CP_ERR_INVAL || err == CP_ERR_TOOLONG;
}

/* In one transaction, so that two logins at the same moment cannot miss
 * each other: count the account's live sessions from other remote
 * addresses, alert (and perhaps refuse), record this one (the ledger writes
 * its session_open event). */
static int open_tracked(struct cp_pam *c, const struct where *w, bool personal, bool *refused)
{
	unsigned others = 0;
	int err = cp_ledger_begin(c->ledger);
	if (err == CP_OK && personal && *w->rhost != '\0')
		err = cp_ledger_session_count_others(c->ledger, c->user, NULL, w->rhost, &others);
	if (err == CP_OK && others > 0) {
		char actor[CP_PAM_ACTOR_MAX], detail[sizeof(w->detail) + 32];
		cp_pam_actor(c, actor, sizeof(actor));
		*refused = cp_pam_setting(c, PK_SHARED_SESSION) == 1;
		snprintf(detail, sizeof(detail), "%s others=%u%s", w->detail, others,
		         *refused ? " refused" : "");
		err = cp_ledger_event_add(c->ledger, "sharing_alert", c->user, NULL, actor, NULL,
		                          detail);
		cp_pam_log(c, LOG_WARNING,
		           "sharing alert: %s has live sessions from %u other address(es), now "
		           "from %s (shared_session=%s)",
		           c->user, others, w->rhost, *refused ? "deny" : "alert");
	}
	if (err == CP_OK && !*refused)
		err = cp_ledger_session_open(c->ledger, c->user, NULL, w->service, w->tty, w->rhost,
		                             (int64_t)getpid(), (int64_t)time(NULL));
	if (err == CP_OK)
		err = cp_ledger_commit(c->ledger);
	if (err != CP_OK)
		cp_ledger_rollback(c->ledger);
	return err;
}

static int session_open(struct cp_pam *c)
{
	cp_account *a = NULL;
	int err = cp_ledger_account_get(c->ledger, c->user, NULL, &a);
	bool personal = err == CP_OK && cp_account_kind_of(a) == CP_ACCOUNT_PERSONAL;
	bool refused = false;
	cp_account_free(a);
	if (err == CP_ERR_NOTFOUND) {
		cp_pam_debug(c, "%s is not in the ledger: session not recorded", c->user);
		return PAM_IGNORE;
	}
	struct where w;
	describe(c, &w);
	if (err == CP_OK)
		err = open_tracked(c, &w, personal, &refused);
	if (bad_input(err)) {
		cp_pam_log(c, LOG_ERR, "session of %s not recorded: %s", c->user, cp_strerror(err));
		return PAM_IGNORE;
	}
	if (err != CP_OK) {
		int rc = cp_pam_ledger_failed(c, err, NULL);
		return rc == PAM_SUCCESS ? PAM_IGNORE : rc;
	}
	if (refused) {
		cp_pam_error(c, "%s",
		             _("This account is already in use from another address; an account "
		               "may not be shared."));
		return PAM_PERM_DENIED;
	}
	cp_pam_debug(c, "session of %s recorded (%s)", c->user, w.detail);
	return PAM_SUCCESS;
}

/* Forget the live session (the ledger writes the session_close event).
 * Never refuses: the logout has happened. */
static int session_close(struct cp_pam *c)
{
	int err = cp_ledger_session_close(c->ledger, c->user, NULL, (int64_t)getpid(),
	                                  (int64_t)time(NULL));
	if (err == CP_ERR_NOTFOUND)
		return PAM_IGNORE;
	if (err != CP_OK) {
		cp_pam_log(c, LOG_ERR, "end of the session of %s not recorded: %s", c->user,
		           cp_strerror(err));
		return PAM_IGNORE;
	}
	return PAM_SUCCESS;
}

int cp_pam_session(pam_handle_t *pamh, int flags, int argc, const char **argv, bool open)
{
	struct cp_pam c;
	int rc = cp_pam_begin(&c, pamh, flags, argc, argv,
	                      open ? HOOK_SESSION_OPEN : HOOK_SESSION_CLOSE);
	if (rc == PAM_SUCCESS)
		rc = cp_pam_open_ledger(&c, 0);
	if (rc == PAM_SUCCESS && c.ledger == NULL)
		rc = PAM_IGNORE;
	else if (rc == PAM_SUCCESS)
		rc = open ? session_open(&c) : session_close(&c);
	cp_pam_end(&c);
	return rc;
}
