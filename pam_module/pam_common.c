/* pam_common.c - one call's context: arguments, user, configuration, the
 * ledger, and the failure modes shared by every hook.
 *
 * The rule that shapes this file: a broken ledger or configuration must
 * never take a host's logins down by surprise. Every failure is logged
 * (pam_syslog, never a secret) and then decided by a [pam] setting whose
 * default lets people in; a setting of "deny" still lets root in on a local
 * console (root_console = allow) so that the machine can be repaired. */
#include "pam_common.h"

#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_modutil.h>

/* Longer PAM_USER values are not looked up anywhere. */
#define USER_NAME_MAX 256

/* ---------------------------------------------------------------- i18n */

static pthread_once_t bind_once = PTHREAD_ONCE_INIT;

static void bind_domain(void)
{
	/* secure_getenv: passwd is set-uid; its caller must not choose the
	 * catalogues, whose strings are format strings. */
	const char *dir = secure_getenv("CREDPOLICY_LOCALEDIR");
	bindtextdomain(PACKAGE, dir != NULL && *dir != '\0' ? dir : LOCALEDIR);
	bind_textdomain_codeset(PACKAGE, "UTF-8");
}

const char *cp_gettext(const char *msgid)
{
	pthread_once(&bind_once, bind_domain);
	return dgettext(PACKAGE, msgid);
}

const char *cp_ngettext(const char *singular, const char *plural, unsigned long n)
{
	pthread_once(&bind_once, bind_domain);
	return dngettext(PACKAGE, singular, plural, n);
}

/* ---------------------------------------------------------------- messages */

void cp_pam_log(const struct cp_pam *c, int prio, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pam_vsyslog(c->pamh, prio, fmt, ap);
	va_end(ap);
}

void cp_pam_debug(const struct cp_pam *c, const char *fmt, ...)
{
	if (!c->args.debug)
		return;
	va_list ap;
	va_start(ap, fmt);
	pam_vsyslog(c->pamh, LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void cp_pam_error(const struct cp_pam *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pam_verror(c->pamh, fmt, ap);
	va_end(ap);
}

void cp_pam_info(const struct cp_pam *c, const char *fmt, ...)
{
	if (c->args.quiet || (c->flags & PAM_SILENT))
		return;
	va_list ap;
	va_start(ap, fmt);
	pam_vinfo(c->pamh, fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- who */

static bool is_root_user(const struct cp_pam *c)
{
	const struct passwd *pw = pam_modutil_getpwnam(c->pamh, c->user);
	if (pw != NULL)
		return pw->pw_uid == 0;
	return strcmp(c->user, "root") == 0;
}

/* Whether name (with or without /dev/) is prefix followed by digits only. */
static bool tty_numbered(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncmp(name, prefix, n) != 0 || name[n] == '\0')
		return false;
	return strspn(name + n, "0123456789") == strlen(name + n);
}

/* A terminal that only someone at the machine (or at its serial or
 * hypervisor console) can use, and no remote host. */
static bool on_local_console(pam_handle_t *pamh)
{
	const void *tty = NULL, *rhost = NULL;
	if (pam_get_item(pamh, PAM_RHOST, &rhost) != PAM_SUCCESS)
		return false;
	if (rhost != NULL && *(const char *)rhost != '\0')
		return false;
	if (pam_get_item(pamh, PAM_TTY, &tty) != PAM_SUCCESS || tty == NULL)
		return false;
	const char *t = tty;
	if (strncmp(t, "/dev/", 5) == 0)
		t += 5;
	return strcmp(t, "console") == 0 || tty_numbered(t, "tty") || tty_numbered(t, "ttyS") ||
	       tty_numbered(t, "hvc") || tty_numbered(t, "ttyAMA") || tty_numbered(t, "xvc");
}

bool cp_pam_admin_for_other(const struct cp_pam *c)
{
	/* A forced change at login (sshd, login run as root) is the user's
	 * own change, whatever getuid() says. */
	if (getuid() != 0 || (c->flags & PAM_CHANGE_EXPIRED_AUTHTOK))
		return false;
	return !is_root_user(c);
}

/* Bytes in the UTF-8 sequence that starts with b; 0 if b cannot start one. */
static unsigned seq_len(unsigned char b)
{
	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		return 2;
	if (b >= 0xe0 && b <= 0xef)
		return 3;
	if (b >= 0xf0 && b <= 0xf4)
		return 4;
	return 0;
}

bool cp_pam_printable(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p != '\0') {
		unsigned n = seq_len(*p);
		if (n == 0 || *p < 0x20 || *p == 0x7f)
			return false;
		for (unsigned k = 1; k < n; k++)
			if ((p[k] & 0xc0) != 0x80)
				return false; /* also stops at the terminating NUL */
		/* Overlong forms, surrogates, beyond U+10FFFF, C1 controls. */
		if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
		    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f) ||
		    (p[0] == 0xc2 && p[1] < 0xa0))
			return false;
		p += n;
	}
	return true;
}

/* Cut a truncated UTF-8 string before a sequence the cut left incomplete. */
static void trim_partial_utf8(char *buf)
{
	size_t len = strlen(buf), i = len;
	while (i > 0 && ((unsigned char)buf[i - 1] & 0xc0) == 0x80 && len - i < 3)
		i--;
	if (i > 0 && seq_len((unsigned char)buf[i - 1]) > len - i + 1)
		buf[i - 1] = '\0';
}

void cp_pam_actor(const struct cp_pam *c, char *buf, size_t size)
{
	const struct passwd *pw = pam_modutil_getpwuid(c->pamh, getuid());
	const char *service = cp_pam_printable(c->service) ? c->service : "(unprintable)";
	int n;
	if (pw != NULL)
		n = snprintf(buf, size, "pam:%s:%s", service, pw->pw_name);
	else
		n = snprintf(buf, size, "pam:%s:%lu", service, (unsigned long)getuid());
	if (n < 0 || (size_t)n >= size)
		trim_partial_utf8(buf);
}

/* ---------------------------------------------------------------- failure modes */

/* The code with which each hook refuses when a failure mode says deny. */
static int refusal_code(enum cp_pam_hook hook)
{
	switch (hook) {
	case HOOK_PASSWORD:
		return PAM_AUTHTOK_ERR;
	case HOOK_ACCOUNT:
		return PAM_PERM_DENIED;
	case HOOK_SESSION_OPEN:
		return PAM_SESSION_ERR;
	case HOOK_RECORD:
	case HOOK_SESSION_CLOSE:
		break; /* the change or the logout has happened: never refuse */
	}
	return PAM_IGNORE;
}

int cp_pam_fail_closed(struct cp_pam *c, const char *what)
{
	if (c->root_console && cp_pam_setting(c, PK_ROOT_CONSOLE) == 0) {
		cp_pam_log(c, LOG_WARNING,
		           "root on a local console: let through despite the "
		           "failure above (root_console=allow)");
		return PAM_SUCCESS;
	}
	int code = refusal_code(c->hook);
	if (code != PAM_IGNORE)
		cp_pam_error(c, "%s", what);
	return code;
}

/* ---------------------------------------------------------------- configuration */

static void load_settings(struct cp_pam *c)
{
	for (int k = 0; k < PK_COUNT; k++) {
		if (c->args.override[k] >= 0) {
			c->setting[k] = c->args.override[k];
			continue;
		}
		const char *word = cp_config_pam_value(c->cfg, cp_pam_key_name(k));
		int v = cp_pam_key_value(k, word);
		if (v < 0)
			cp_pam_log(c, LOG_ERR, "unexpected [pam] %s = %s; using %s",
			           cp_pam_key_name(k), word != NULL ? word : "(none)",
			           cp_pam_key_word(k, 0));
		c->setting[k] = v < 0 ? 0 : v;
	}
}

/* The configuration could not be used: on_config_error decides. */
static int config_failed(struct cp_pam *c)
{
	int rc;
	switch (c->args.on_config_error) {
	case ONCFG_ALLOW:
		return PAM_IGNORE;
	case ONCFG_DENY:
		/* The [pam] settings of the file are unknown: argument
		 * overrides and the built-in words apply to root_console. */
		for (int k = 0; k < PK_COUNT; k++)
			c->setting[k] = c->args.override[k] >= 0 ? c->args.override[k] : 0;
		rc = cp_pam_fail_closed(c, _("The password policy cannot be read; "
		                             "please contact your administrator."));
		if (rc != PAM_SUCCESS)
			return rc;
		break;
	case ONCFG_DEFAULTS:
		break;
	}
	c->cfg = cp_config_new_default();
	if (c->cfg == NULL)
		return refusal_code(c->hook) == PAM_IGNORE ? PAM_IGNORE : PAM_BUF_ERR;
	cp_pam_log(c, LOG_WARNING, "the built-in policy applies instead");
	return PAM_SUCCESS;
}

static int load_config(struct cp_pam *c)
{
	const char *path = c->args.config != NULL ? c->args.config : cp_config_default_path();
	char *msg = NULL;
	int rc = cp_config_load(path, &c->cfg, &msg);
	if (rc == CP_ERR_NOTFOUND && c->args.config == NULL) {
		cp_pam_debug(c, "no %s: the built-in policy applies", path);
		c->cfg = cp_config_new_default();
		rc = c->cfg != NULL ? CP_OK : CP_ERR_NOMEM;
	}
	if (rc != CP_OK) {
		cp_pam_log(c, LOG_ERR, "cannot use the configuration %s: %s", path,
		           msg != NULL ? msg : cp_strerror(rc));
		free(msg);
		msg = NULL;
		c->cfg = NULL;
		if ((rc = config_failed(c)) != PAM_SUCCESS)
			return rc;
	}
	free(msg);
	load_settings(c);
	return PAM_SUCCESS;
}

/* ---------------------------------------------------------------- ledger */

static const char *ledger_path(const struct cp_pam *c)
{
	const char *path = c->args.ledger != NULL ? c->args.ledger : cp_config_ledger_path(c->cfg);
	return path != NULL ? path : "(default)";
}

int cp_pam_ledger_failed(struct cp_pam *c, int err, const char *detail)
{
	c->ledger_error = err;
	cp_ledger_close(c->ledger);
	c->ledger = NULL;
	int deny = cp_pam_setting(c, PK_LEDGER_UNAVAILABLE);
	cp_pam_log(c, err == CP_ERR_NOTFOUND && !deny ? LOG_WARNING : LOG_ERR,
	           "ledger %s unavailable (ledger_unavailable=%s): %s", ledger_path(c),
	           cp_pam_key_word(PK_LEDGER_UNAVAILABLE, deny),
	           detail != NULL ? detail : cp_strerror(err));
	if (!deny)
		return PAM_SUCCESS;
	return cp_pam_fail_closed(c, _("The credential ledger cannot be read; please contact "
	                               "your administrator."));
}

int cp_pam_open_ledger(struct cp_pam *c, unsigned flags)
{
	char *msg = NULL;
	int err = cp_ledger_open(c->cfg, c->args.ledger, flags, &c->ledger, &msg);
	int rc = err == CP_OK ? PAM_SUCCESS : cp_pam_ledger_failed(c, err, msg);
	free(msg);
	return rc;
}

void cp_pam_event(struct cp_pam *c, const char *kind, const char *detail)
{
	cp_ledger *l = NULL;
	char *msg = NULL;
	char actor[CP_PAM_ACTOR_MAX];
	cp_pam_actor(c, actor, sizeof(actor));
	int err = cp_ledger_open(c->cfg, c->args.ledger, 0, &l, &msg);
	if (err == CP_OK)
		err = cp_ledger_event_add(l, kind, c->user, NULL, actor, NULL, detail);
	if (err != CP_OK)
		cp_pam_log(c, LOG_ERR, "cannot write the %s event to the ledger %s: %s", kind,
		           ledger_path(c), msg != NULL ? msg : cp_strerror(err));
	free(msg);
	cp_ledger_close(l);
}

/* ---------------------------------------------------------------- a call */

static int no_user_code(enum cp_pam_hook hook)
{
	return hook == HOOK_RECORD || hook == HOOK_SESSION_CLOSE ? PAM_IGNORE : PAM_USER_UNKNOWN;
}

int cp_pam_begin(struct cp_pam *c, pam_handle_t *pamh, int flags, int argc, const char **argv,
                 enum cp_pam_hook hook)
{
	memset(c, 0, sizeof(*c));
	c->pamh = pamh;
	c->flags = flags;
	c->hook = hook;
	cp_pam_parse_args(pamh, argc, argv, &c->args);

	const void *service = NULL;
	if (pam_get_item(pamh, PAM_SERVICE, &service) != PAM_SUCCESS || service == NULL)
		service = "";
	c->service = service;
	int rc = pam_get_user(pamh, &c->user, NULL);
	if (rc != PAM_SUCCESS || c->user == NULL || *c->user == '\0' ||
	    strnlen(c->user, USER_NAME_MAX + 1) > USER_NAME_MAX) {
		pam_syslog(pamh, LOG_ERR, "cannot determine the user name");
		c->user = NULL;
		return no_user_code(hook);
	}
	if (c->args.local_users_only &&
	    pam_modutil_check_user_in_passwd(pamh, c->user, NULL) != PAM_SUCCESS) {
		cp_pam_debug(c, "%s is not a local user: not checked (local_users_only)", c->user);
		return PAM_IGNORE;
	}
	/* login, getty and display managers run as real root; su or sudo
	 * started by a user do not, whatever PAM_TTY they are given. */
	c->root_console = is_root_user(c) && getuid() == 0 && geteuid() == 0 &&
	                  on_local_console(pamh);
	return load_config(c);
}

void cp_pam_end(struct cp_pam *c)
{
	cp_ledger_close(c->ledger);
	c->ledger = NULL;
	cp_config_free(c->cfg);
	c->cfg = NULL;
}
