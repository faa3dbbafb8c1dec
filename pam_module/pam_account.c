/* pam_account.c - the account hook: the ledger's rotation status (R7-R13)
 * turned into a login decision.
 *
 * It runs at every login, so it reads only the configuration and the ledger
 * (read-only, no banned-password index) and writes nothing. */
#include "pam_common.h"

#include <stdio.h>
#include <time.h>

static int refuse(const struct cp_pam *c, const cp_status *st, int code, const char *why)
{
	cp_pam_log(c, LOG_NOTICE, "login of %s refused: %s", c->user, why);
	cp_pam_error(c, "%s", cp_status_message(st));
	return code;
}

static int force_change(const struct cp_pam *c, const char *msg, const char *why)
{
	cp_pam_log(c, LOG_NOTICE, "%s must change the password now: %s", c->user, why);
	cp_pam_error(c, "%s", msg);
	return PAM_NEW_AUTHTOK_REQD;
}

/* Whether the ledger has no password change on record for the account. */
static bool never_changed(const struct cp_pam *c)
{
	cp_account *a = NULL;
	bool never = cp_ledger_account_get(c->ledger, c->user, NULL, &a) == CP_OK &&
	             cp_account_last_change(a) == 0;
	cp_account_free(a);
	return never;
}

/* An unowned or shared account let in by unowned = warn: the ledger's
 * status names only the first state by precedence, so the rotation rules
 * it hides (must-change, expiry, warning) are applied here, with the
 * rules and sentences of libpolicy/status.c. */
static int rotation_after_ownership(const struct cp_pam *c, const cp_status *st)
{
	char msg[512];
	int32_t days = cp_status_days_left(st);
	switch (cp_status_rotation(st)) {
	case CP_STATE_MUST_CHANGE:
		snprintf(msg, sizeof(msg), _("You must change your password now (%s)."),
		         cp_status_reason(st) != NULL ? cp_status_reason(st) : "");
		return force_change(c, msg, "must_change");
	case CP_STATE_EXPIRED:
		if (never_changed(c))
			return force_change(c,
			                    _("No password change is on record; you must change "
			                      "your password now."),
			                    "expired");
		return force_change(c, _("Your password has expired; you must change it now."),
		                    "expired");
	case CP_STATE_WARN:
		break;
	default:
		return PAM_SUCCESS;
	}
	if (days == 0)
		cp_pam_info(c, "%s", _("Your password expires today; change it now."));
	else
		cp_pam_info(c,
		            cp_ngettext("Your password expires in %d day; change it soon.",
		                        "Your password expires in %d days; change it soon.",
		                        (unsigned long)days),
		            (int)days);
	return PAM_SUCCESS;
}

static int decide(struct cp_pam *c, const cp_status *st)
{
	cp_state s = cp_status_state(st);
	switch (s) {
	case CP_STATE_LOCKED:
		return refuse(c, st, PAM_PERM_DENIED, "locked");
	case CP_STATE_DEPARTED:
		return refuse(c, st, PAM_ACCT_EXPIRED, "its owner has departed");
	case CP_STATE_UNOWNED:
	case CP_STATE_SHARED:
		if (cp_pam_setting(c, PK_UNOWNED) == 0)
			return refuse(c, st, PAM_PERM_DENIED, cp_state_code(s));
		cp_pam_log(c, LOG_WARNING, "login of %s allowed although %s (unowned=warn)",
		           c->user, cp_state_code(s));
		cp_pam_info(c, "%s", cp_status_message(st));
		return rotation_after_ownership(c, st);
	case CP_STATE_MUST_CHANGE:
	case CP_STATE_EXPIRED:
		return force_change(c, cp_status_message(st), cp_state_code(s));
	case CP_STATE_WARN:
		cp_pam_info(c, "%s", cp_status_message(st));
		return PAM_SUCCESS;
	case CP_STATE_OK:
		return PAM_SUCCESS;
	}
	cp_pam_log(c, LOG_ERR, "unknown ledger state %d for %s", (int)s, c->user);
	return PAM_SUCCESS;
}

static int account_status(struct cp_pam *c)
{
	int rc = cp_pam_open_ledger(c, CP_LEDGER_READONLY);
	if (rc != PAM_SUCCESS || c->ledger == NULL)
		return rc == PAM_SUCCESS ? PAM_IGNORE : rc;
	cp_status *st = NULL;
	int err = cp_ledger_status(c->ledger, c->user, NULL, (int64_t)time(NULL), &st);
	if (err == CP_ERR_NOTFOUND) {
		cp_pam_debug(c, "%s is not in the ledger: not managed", c->user);
		return PAM_IGNORE;
	}
	if (err != CP_OK) {
		rc = cp_pam_ledger_failed(c, err, NULL);
		return rc == PAM_SUCCESS ? PAM_IGNORE : rc;
	}
	rc = decide(c, st);
	cp_status_free(st);
	return rc;
}

int cp_pam_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct cp_pam c;
	int rc = cp_pam_begin(&c, pamh, flags, argc, argv, HOOK_ACCOUNT);
	if (rc == PAM_SUCCESS)
		rc = account_status(&c);
	cp_pam_end(&c);
	return rc;
}
