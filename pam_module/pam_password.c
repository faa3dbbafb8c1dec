/* pam_password.c - the password hook: check the new password (R1-R6) and,
 * in the "record" instance placed after the module that really changes it,
 * record the change in the ledger.
 *
 * The new password is never copied: it stays in libpam's PAM_AUTHTOK item,
 * which libpam wipes when it is replaced or the handle ends; the library
 * wipes whatever it derives from it. Nothing here logs it. */
#include "pam_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Room for every reason code of one verdict, comma-separated. */
#define CODES_MAX 256

/* What the check knows about the account whose password changes. */
struct target {
	cp_account *account;    /* NULL: not in the ledger, or no ledger */
	cp_person *person;      /* user name and the owners' tokens (R3) */
	const char *class_name; /* the account's class; NULL: the default class */
	const char *old;        /* PAM_OLDAUTHTOK (R6), owned by libpam; may be NULL */
};

/* The outcome of checking one password. */
enum judgement {
	ACCEPTED,
	REJECTED,
	OVERRIDDEN, /* rejected, but root sets another user's password (root_override) */
	FAILED,     /* the check could not be made */
};

static void target_free(struct target *t)
{
	cp_account_free(t->account);
	cp_person_free(t->person);
}

/* The account's class and owners from the ledger. An account the ledger
 * does not know is checked with the default class and its user name. */
static int load_target(struct cp_pam *c, struct target *t)
{
	const void *old = NULL;
	if (pam_get_item(c->pamh, PAM_OLDAUTHTOK, &old) == PAM_SUCCESS)
		t->old = old;
	if (cp_person_new(&t->person) != CP_OK)
		return PAM_BUF_ERR;
	/* A name the library cannot make a token of is simply not one. */
	(void)cp_person_add(t->person, "username", c->user, NULL);
	if (c->ledger == NULL)
		return PAM_SUCCESS;
	int err = cp_ledger_account_get(c->ledger, c->user, NULL, &t->account);
	if (err == CP_ERR_NOTFOUND) {
		cp_pam_debug(c, "%s is not in the ledger: default class", c->user);
		return PAM_SUCCESS;
	}
	if (err == CP_OK)
		err = cp_ledger_owner_info(c->ledger, t->account, t->person);
	if (err != CP_OK)
		return cp_pam_ledger_failed(c, err, NULL);
	t->class_name = cp_account_class(t->account);
	if (cp_config_class(c->cfg, t->class_name) == NULL) {
		cp_pam_log(c, LOG_ERR,
		           "class \"%s\" of %s is not in the configuration; the "
		           "default class applies",
		           t->class_name, c->user);
		t->class_name = NULL;
	}
	return PAM_SUCCESS;
}

/* A checker; a missing or damaged index is index_unavailable's to decide
 * (or the configuration's, when it says index_missing = reject). */
static int open_checker(struct cp_pam *c, cp_checker **ck)
{
	char *msg = NULL;
	int err = cp_checker_new(c->cfg, ck, &msg);
	if (err == CP_OK && msg == NULL)
		return PAM_SUCCESS;
	if (err == CP_ERR_NOMEM)
		return PAM_BUF_ERR;
	int deny = err != CP_OK || cp_pam_setting(c, PK_INDEX_UNAVAILABLE) == 1;
	cp_pam_log(c, LOG_ERR, "banned-password index %s unavailable (%s): %s; %s",
	           cp_config_index_path(c->cfg), deny ? "deny" : "allow",
	           msg != NULL ? msg : cp_strerror(err),
	           deny ? "password changes refused" : "word-list checks (R4, R5) are off");
	free(msg);
	if (!deny)
		return PAM_SUCCESS;
	cp_checker_free(*ck);
	*ck = NULL;
	int rc = cp_pam_fail_closed(c, _("The list of banned passwords is unavailable, so a new "
	                                 "password cannot be checked; please contact your "
	                                 "administrator."));
	if (rc == PAM_SUCCESS && cp_checker_new_with_index(c->cfg, NULL, ck) != CP_OK)
		rc = PAM_BUF_ERR;
	return rc;
}

/* "code,code,..." of a verdict, for logs and events. */
static void verdict_codes(const cp_verdict *v, bool reused, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < cp_verdict_count(v) && used < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%s", used > 0 ? "," : "",
		                 cp_verdict_code(v, i));
		used += n > 0 ? (size_t)n : 0;
	}
	if (reused && used < size)
		snprintf(buf + used, size - used, "%sreused", used > 0 ? "," : "");
}

/* Show the user why the password is not accepted, in their language. */
static void explain(const struct cp_pam *c, const cp_verdict *v, bool reused)
{
	cp_pam_error(c, "%s", _("The new password is not accepted:"));
	for (size_t i = 0; i < cp_verdict_count(v); i++)
		cp_pam_error(c, "  %s", cp_verdict_message(v, i));
	if (reused)
		cp_pam_error(c, "  %s",
		             _("It has been used before. Choose a password you have "
		               "not used."));
}

/* R6 against the ledger's history (*found false when there is none to
 * ask). A history that cannot be read is a ledger failure: PAM_SUCCESS
 * when ledger_unavailable allows it (the ledger is then closed), else the
 * refusal code. */
static int in_history(struct cp_pam *c, const struct target *t, const char *pw,
                      const cp_verdict *v, bool *found)
{
	*found = false;
	if (c->ledger == NULL || t->account == NULL || cp_verdict_has(v, "reused"))
		return PAM_SUCCESS;
	int err = cp_ledger_history_contains(c->ledger, c->user, NULL, pw, found);
	if (err == CP_OK)
		return PAM_SUCCESS;
	*found = false;
	cp_pam_log(c, LOG_ERR, "password history of %s not checked: %s", c->user,
	           cp_strerror(err));
	return cp_pam_ledger_failed(c, err, NULL);
}

static bool may_override(const struct cp_pam *c)
{
	return cp_pam_setting(c, PK_ROOT_OVERRIDE) == 1 && !c->args.enforce_for_root &&
	       cp_pam_admin_for_other(c);
}

static enum judgement judge(struct cp_pam *c, const struct target *t, const cp_checker *ck,
                            const char *pw, char *codes, size_t codes_size)
{
	cp_verdict *v = NULL;
	const cp_person *person = cp_person_token_count(t->person) > 0 ? t->person : NULL;
	int err = cp_check(ck, t->class_name, pw, t->old, person, &v);
	if (err == CP_ERR_UTF8 || err == CP_ERR_TOOLONG) {
		cp_pam_error(c, "%s", cp_strerror(err));
		snprintf(codes, codes_size, "%s", err == CP_ERR_UTF8 ? "invalid_utf8" : "too_long");
		return REJECTED;
	}
	if (err != CP_OK) {
		cp_pam_log(c, LOG_ERR, "cannot check the new password of %s: %s", c->user,
		           cp_strerror(err));
		return FAILED;
	}
	bool reused = false;
	if (in_history(c, t, pw, v, &reused) != PAM_SUCCESS) {
		cp_verdict_free(v);
		return FAILED;
	}
	enum judgement j = ACCEPTED;
	if (!cp_verdict_ok(v) || reused) {
		verdict_codes(v, reused, codes, codes_size);
		explain(c, v, reused);
		j = REJECTED;
	}
	cp_verdict_free(v);
	return j == REJECTED && may_override(c) ? OVERRIDDEN : j;
}

static void log_rejection(struct cp_pam *c, const char *codes, unsigned try, unsigned tries)
{
	cp_pam_log(c, LOG_NOTICE, "new password for %s rejected (%s), try %u of %u", c->user, codes,
	           try, tries);
}

/* A ledger event for a decision about an account the ledger knows. */
static void record_decision(struct cp_pam *c, const struct target *t, const char *what,
                            const char *codes)
{
	char detail[CODES_MAX + 64];
	if (c->ledger == NULL || t->account == NULL)
		return;
	snprintf(detail, sizeof(detail), "%s: %s", what, codes);
	cp_pam_event(c, "decision", detail);
}

static void announce_override(struct cp_pam *c, const struct target *t, const char *codes)
{
	cp_pam_error(c, "%s",
	             _("As an administrator changing another user's password, you may set it "
	               "anyway."));
	cp_pam_log(c, LOG_WARNING, "root sets a rejected password for %s (%s): root_override=yes",
	           c->user, codes);
	record_decision(c, t, "root_override", codes);
}

/* Prompt (unless the password was given), check, explain, again. */
static int ask_and_check(struct cp_pam *c, const struct target *t, const cp_checker *ck)
{
	const void *item = NULL;
	bool given = c->args.use_authtok ||
	             (pam_get_item(c->pamh, PAM_AUTHTOK, &item) == PAM_SUCCESS && item != NULL);
	unsigned tries = given ? 1 : c->args.retry;
	char codes[CODES_MAX] = "";
	for (unsigned i = 1; i <= tries; i++) {
		const char *pw = NULL;
		int rc = pam_get_authtok_noverify(c->pamh, &pw, NULL);
		if (rc != PAM_SUCCESS || pw == NULL) {
			cp_pam_log(c, LOG_NOTICE, "no new password for %s: %s", c->user,
			           pam_strerror(c->pamh, rc));
			return rc == PAM_SUCCESS ? PAM_AUTHTOK_ERR : rc;
		}
		enum judgement j = judge(c, t, ck, pw, codes, sizeof(codes));
		if (j == FAILED) {
			pam_set_item(c->pamh, PAM_AUTHTOK, NULL);
			return PAM_AUTHTOK_ERR;
		}
		if (j == REJECTED) {
			log_rejection(c, codes, i, tries);
			pam_set_item(c->pamh, PAM_AUTHTOK, NULL);
			continue;
		}
		if (j == OVERRIDDEN)
			announce_override(c, t, codes);
		if (!given) {
			rc = pam_get_authtok_verify(c->pamh, &pw, NULL);
			if (rc == PAM_TRY_AGAIN)
				continue; /* mistyped: libpam said so and cleared the item */
			if (rc != PAM_SUCCESS)
				return rc;
		}
		cp_pam_debug(c, "new password for %s accepted", c->user);
		return PAM_SUCCESS;
	}
	if (codes[0] != '\0')
		record_decision(c, t, "password_rejected", codes);
	return tries > 1 ? PAM_MAXTRIES : PAM_AUTHTOK_ERR;
}

static int check_new_password(struct cp_pam *c)
{
	struct target t = {0};
	cp_checker *ck = NULL;
	int rc = cp_pam_open_ledger(c, CP_LEDGER_READONLY);
	if (rc == PAM_SUCCESS)
		rc = load_target(c, &t);
	if (rc == PAM_SUCCESS)
		rc = open_checker(c, &ck);
	if (rc == PAM_SUCCESS)
		rc = ask_and_check(c, &t, ck);
	cp_checker_free(ck);
	target_free(&t);
	return rc;
}

/* ---------------------------------------------------------------- record */

/* Tell the user only when the ledger exists but the write failed: a host
 * without a ledger has nothing to record. */
static void record_failed_notice(const struct cp_pam *c, int err)
{
	if (err == CP_ERR_NOTFOUND)
		return;
	cp_pam_error(c, "%s",
	             _("Your password has been changed, but the change could not be "
	               "recorded; you may be asked to change it again. Please tell "
	               "your administrator."));
}

/* Root set another user's password: that user must replace it at the next
 * login (R14), set in the transaction that recorded the change. */
static int require_change(struct cp_pam *c, const char *actor)
{
	cp_account *a = NULL;
	int err = cp_ledger_account_get(c->ledger, c->user, NULL, &a);
	if (err == CP_OK)
		err = cp_ledger_set_must_change(c->ledger, cp_account_name(a), cp_account_scope(a),
		                                "password set by an administrator", actor, NULL);
	cp_account_free(a);
	return err;
}

/* The change succeeded (this instance runs only after it): last change,
 * history hash, must-change cleared (set again when root changed another
 * user's password), event. Never fails the stack: the password has
 * already changed. */
static int record_change(struct cp_pam *c)
{
	const void *pw = NULL;
	if (pam_get_item(c->pamh, PAM_AUTHTOK, &pw) != PAM_SUCCESS || pw == NULL) {
		cp_pam_log(c, LOG_NOTICE, "record: no new password for %s, nothing recorded",
		           c->user);
		return PAM_IGNORE;
	}
	(void)cp_pam_open_ledger(c, 0);
	if (c->ledger == NULL) {
		cp_pam_log(c, LOG_ERR, "password change of %s not recorded", c->user);
		record_failed_notice(c, c->ledger_error);
		return PAM_IGNORE;
	}
	char actor[CP_PAM_ACTOR_MAX];
	cp_pam_actor(c, actor, sizeof(actor));
	bool admin = cp_pam_admin_for_other(c);
	int err = admin ? cp_ledger_begin(c->ledger) : CP_OK;
	bool began = admin && err == CP_OK;
	if (err == CP_OK)
		err = cp_ledger_record_change(c->ledger, c->user, NULL, pw, (int64_t)time(NULL),
		                              actor);
	if (began && err == CP_OK)
		err = require_change(c, actor);
	if (began && err == CP_OK)
		err = cp_ledger_commit(c->ledger);
	if (began && err != CP_OK)
		cp_ledger_rollback(c->ledger);
	if (err == CP_ERR_NOTFOUND) {
		cp_pam_debug(c, "%s is not in the ledger: nothing to record", c->user);
		return PAM_IGNORE;
	}
	if (err != CP_OK) {
		cp_pam_log(c, LOG_ERR, "password change of %s not recorded: %s", c->user,
		           cp_strerror(err));
		record_failed_notice(c, err);
		return PAM_IGNORE;
	}
	if (admin) {
		cp_pam_log(c, LOG_INFO,
		           "password change of %s recorded; set by an administrator, so it "
		           "must be changed at the next login",
		           c->user);
		cp_pam_info(c, "%s",
		            _("The user must change this password at the next login."));
		return PAM_SUCCESS;
	}
	cp_pam_log(c, LOG_INFO, "password change of %s recorded", c->user);
	return PAM_SUCCESS;
}

/* ---------------------------------------------------------------- the hook */

int cp_pam_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct cp_pam c;
	bool record = false;
	for (int i = 0; i < argc; i++)
		record = record || (argv[i] != NULL && strcmp(argv[i], "record") == 0);
	/* The first pass only asks whether a change is possible; pam_unix
	 * verifies the old password there. Nothing to do before the new one. */
	if (flags & PAM_PRELIM_CHECK)
		return record ? PAM_IGNORE : PAM_SUCCESS;
	if (!(flags & PAM_UPDATE_AUTHTOK))
		return PAM_SERVICE_ERR;
	int rc = cp_pam_begin(&c, pamh, flags, argc, argv, record ? HOOK_RECORD : HOOK_PASSWORD);
	if (rc == PAM_SUCCESS)
		rc = record ? record_change(&c) : check_new_password(&c);
	cp_pam_end(&c);
	return rc;
}
