/* pam_common.h - what the three hooks of pam_credpolicy.so share: the
 * arguments, the [pam] settings, one call's context and its failure modes.
 *
 * Nothing here is exported: the module is built with -fvisibility=hidden and
 * its version script names only the pam_sm_* entry points. */
#ifndef CP_PAM_COMMON_H
#define CP_PAM_COMMON_H

#include "config.h"
#include "credpolicy.h"

#include <stdbool.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

/* Messages come from the library's "credpolicy" catalogue, through the
 * project's i18n.h; the module defines cp_gettext and cp_ngettext itself
 * (pam_common.c: the library's are not exported) and, like the library,
 * never calls textdomain(): the program that loaded it owns that. */
#include "i18n.h"

/* retry=N is bounded so that a typo cannot keep a conversation going. */
#define CP_PAM_RETRY_DEFAULT 3
#define CP_PAM_RETRY_MAX     10

/* The settings of the [pam] section (credpolicy.conf(5)); each has two
 * words, the first being the default. Module arguments KEY=WORD override
 * the file. */
enum cp_pam_key {
	PK_LEDGER_UNAVAILABLE, /* allow | deny */
	PK_INDEX_UNAVAILABLE,  /* allow | deny */
	PK_UNOWNED,            /* deny | warn */
	PK_SHARED_SESSION,     /* alert | deny */
	PK_ROOT_OVERRIDE,      /* no | yes */
	PK_ROOT_CONSOLE,       /* allow | policy */
	PK_COUNT
};

/* What a configuration file that cannot be used leads to (argument
 * on_config_error=): the [pam] settings are in that file, so this one
 * decision has to be an argument. */
enum cp_pam_on_config_error {
	ONCFG_DEFAULTS, /* carry on with the built-in policy (the regulation's) */
	ONCFG_ALLOW,    /* step aside: PAM_IGNORE */
	ONCFG_DENY,     /* refuse (except root on a local console) */
};

struct cp_pam_args {
	bool debug, quiet, use_authtok, enforce_for_root, local_users_only, record;
	unsigned retry;
	const char *config; /* config=FILE, points into argv */
	const char *ledger; /* ledger=FILE, points into argv */
	enum cp_pam_on_config_error on_config_error;
	int override[PK_COUNT]; /* -1: not given, else the index of the word */
};

/* Parse the module arguments; unknown or malformed ones are logged and
 * ignored (a typo in /etc/pam.d must not take logins down). */
void cp_pam_parse_args(pam_handle_t *pamh, int argc, const char **argv, struct cp_pam_args *args);

/* Key name and word for a setting, and the index of a word (-1 if it is
 * not one of the key's two words). */
const char *cp_pam_key_name(enum cp_pam_key k);
const char *cp_pam_key_word(enum cp_pam_key k, int value);
int cp_pam_key_value(enum cp_pam_key k, const char *word);

/* Which hook a call is for: it decides the codes of the failure modes. */
enum cp_pam_hook {
	HOOK_PASSWORD,
	HOOK_RECORD, /* the password hook's "record" instance */
	HOOK_ACCOUNT,
	HOOK_SESSION_OPEN,
	HOOK_SESSION_CLOSE,
};

/* One call of one hook. */
struct cp_pam {
	pam_handle_t *pamh;
	int flags;
	enum cp_pam_hook hook;
	struct cp_pam_args args;
	const char *user;    /* PAM_USER, owned by libpam */
	const char *service; /* PAM_SERVICE, owned by libpam; "" if unset */
	cp_config *cfg;
	int setting[PK_COUNT]; /* effective [pam] settings */
	cp_ledger *ledger;     /* NULL until opened, or when unavailable and allowed */
	int ledger_error;      /* the cp_error that made it unavailable, else CP_OK */
	bool root_console;     /* root (real and effective uid 0) on a local console, no remote host */
};

/* Start a call: arguments, user, local_users_only, configuration. Returns
 * PAM_SUCCESS to go on, or the code the hook must return now (PAM_IGNORE
 * when the module does not apply). cp_pam_end() is needed either way. */
int cp_pam_begin(struct cp_pam *c, pam_handle_t *pamh, int flags, int argc, const char **argv,
                 enum cp_pam_hook hook);
void cp_pam_end(struct cp_pam *c);

/* Open the ledger (CP_LEDGER_READONLY for the account and password checks).
 * Returns PAM_SUCCESS with c->ledger set; PAM_SUCCESS with c->ledger NULL
 * when it is unavailable and the policy allows that (already logged); or
 * the hook's refusal code. */
int cp_pam_open_ledger(struct cp_pam *c, unsigned flags);

/* A ledger call failed with err (detail: the library's message, or NULL):
 * log it, close the ledger and decide as cp_pam_open_ledger does. */
int cp_pam_ledger_failed(struct cp_pam *c, int err, const char *detail);

/* Append an event for the user's account through a short-lived writable
 * handle (the checks read through a read-only one). Best effort: a failure
 * is logged, never fatal. detail must hold no secret. */
void cp_pam_event(struct cp_pam *c, const char *kind, const char *detail);

/* A failure mode set to deny: the hook's refusal code, with `what` shown to
 * the user; or PAM_SUCCESS (logged) for root on a local console when
 * root_console = allow, who then goes on as if the mode were allow. */
int cp_pam_fail_closed(struct cp_pam *c, const char *what);

/* The effective value of a [pam] setting (index of its word). */
static inline int cp_pam_setting(const struct cp_pam *c, enum cp_pam_key k)
{
	return c->setting[k];
}

/* Whether the caller is root acting on another user's account. */
bool cp_pam_admin_for_other(const struct cp_pam *c);

/* Whether s is valid UTF-8 without C0 or C1 controls or DEL: text the
 * ledger accepts (except for its length limits). */
bool cp_pam_printable(const char *s);

#define CP_PAM_ACTOR_MAX 128
/* "pam:SERVICE:CALLER", the actor recorded in ledger events (no secret),
 * cut at a UTF-8 character boundary when it does not fit. */
void cp_pam_actor(const struct cp_pam *c, char *buf, size_t size);

/* Logging for administrators (pam_syslog; never a password) and messages
 * for the user (pam_error always; pam_info unless quiet or PAM_SILENT). */
void cp_pam_log(const struct cp_pam *c, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void cp_pam_debug(const struct cp_pam *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cp_pam_error(const struct cp_pam *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cp_pam_info(const struct cp_pam *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The hooks (pam_password.c, pam_account.c, pam_session.c). */
int cp_pam_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv);
int cp_pam_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv);
int cp_pam_session(pam_handle_t *pamh, int flags, int argc, const char **argv, bool open);

#endif
