/* ldap_conn.c - connecting to the directory and binding (see ldap_conn.h).
 *
 * Every option is set on the handle, never globally, so that a program
 * that loads the library keeps its own libldap defaults; TLS options then
 * take effect through a new TLS context of the handle (LDAP_OPT_X_TLS_NEWCTX).
 * The servers of the uri list are tried in order, each with its own
 * handle: StartTLS is a per-server decision (ldap:// yes, ldaps:// and
 * ldapi:// no), and the reason each one failed goes into the message.
 *
 * The bind password is a secret: read from a file that only root (or the
 * caller) can read, kept in one buffer, wiped at one place after the bind,
 * never in a message. */
#include "internal.h" /* first: config.h, _GNU_SOURCE */

#include "ldap_conn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#if __has_include(<sasl/sasl.h>)
#include <sasl/sasl.h>
#define CP_HAVE_SASL 1
#endif

#define PASSWORD_MAX 4096u /* bytes; a directory password is far shorter */

/* ------------------------------------------------------------ config */

const char *cp_ldap_map(const cp_config *cfg, const char *field)
{
	return field != NULL ? cp_config_value(cfg, "ldap_map", field) : NULL;
}

const char *cp_ldap_base(const cp_config *cfg, const char *what)
{
	char key[32];
	const char *base = NULL;
	if (what != NULL && strlen(what) < 16) {
		snprintf(key, sizeof(key), "%s_base", what);
		base = cp_config_value(cfg, "ldap", key);
	}
	return base != NULL ? base : cp_config_value(cfg, "ldap", "base");
}

struct timeval cp_ldap_timeout(const cp_config *cfg)
{
	const char *s = cp_config_value(cfg, "ldap", "timeout");
	struct timeval tv = {.tv_sec = s != NULL ? strtol(s, NULL, 10) : 10, .tv_usec = 0};
	return tv;
}

static bool value_is(const cp_config *cfg, const char *key, const char *word)
{
	const char *v = cp_config_value(cfg, "ldap", key);
	return v != NULL && strcmp(v, word) == 0;
}

/* ------------------------------------------------------------ the password file */

static const char *errno_text(int err, char buf[128])
{
	return strerror_r(err, buf, 128); /* GNU: thread-safe, returns the text */
}

/* Read the bind password: a regular file (not a link) owned by root, or by
 * the caller when not root, with no permission for group or others - the
 * ledger's own rule. One trailing newline is dropped; an empty password is
 * refused (RFC 4513 5.1.2: a simple bind with an empty password is an
 * unauthenticated bind that many servers accept as anonymous). *pw is to
 * be released with cp_free_secret. */
static int check_pw_file(int fd, const char *path, char **errmsg)
{
	char ebuf[128];
	struct stat st;
	if (fstat(fd, &st) != 0) {
		cp_set_errmsg(errmsg, _("%s: cannot read the bind password file: %s"), path,
		              errno_text(errno, ebuf));
		return CP_ERR_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		cp_set_errmsg(errmsg, _("%s: the bind password file is not a regular file"), path);
		return CP_ERR_PERM;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		cp_set_errmsg(errmsg, _("%s: the bind password file is not owned by root"), path);
		return CP_ERR_PERM;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		cp_set_errmsg(errmsg,
		              _("%s: the bind password file is readable or writable by group or "
		                "others (it must be mode 0600 or 0400)"),
		              path);
		return CP_ERR_PERM;
	}
	return CP_OK;
}

static int read_pw_fd(int fd, const char *path, char *buf, size_t *len, char **errmsg)
{
	char ebuf[128];
	*len = 0;
	while (*len <= PASSWORD_MAX) {
		ssize_t r = read(fd, buf + *len, PASSWORD_MAX + 1 - *len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			cp_set_errmsg(errmsg, _("%s: cannot read the bind password file: %s"), path,
			              errno_text(errno, ebuf));
			return CP_ERR_IO;
		}
		if (r == 0)
			break;
		*len += (size_t)r;
	}
	if (*len > 0 && buf[*len - 1] == '\n')
		(*len)--;
	if (*len > 0 && buf[*len - 1] == '\r')
		(*len)--;
	buf[*len] = '\0';
	if (*len > PASSWORD_MAX || *len == 0 || memchr(buf, '\0', *len) != NULL ||
	    memchr(buf, '\n', *len) != NULL) {
		cp_set_errmsg(errmsg,
		              _("%s: the bind password file must hold one line: the password, "
		                "at most %u bytes"),
		              path, PASSWORD_MAX);
		return CP_ERR_INVAL;
	}
	return CP_OK;
}

static int read_password(const char *path, char **pw, char **errmsg)
{
	*pw = NULL;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		char ebuf[128];
		int err = errno;
		if (err == ELOOP)
			cp_set_errmsg(errmsg, _("%s: the bind password file is a symbolic link"),
			              path);
		else
			cp_set_errmsg(errmsg, _("%s: cannot read the bind password file: %s"), path,
			              errno_text(err, ebuf));
		return err == ELOOP ? CP_ERR_PERM : CP_ERR_IO;
	}
	char *buf = malloc(PASSWORD_MAX + 2);
	size_t len = 0;
	int rc = buf != NULL ? check_pw_file(fd, path, errmsg) : CP_ERR_NOMEM;
	if (rc == CP_OK)
		rc = read_pw_fd(fd, path, buf, &len, errmsg);
	close(fd);
	if (rc != CP_OK) {
		cp_free_wiped(buf, buf != NULL ? PASSWORD_MAX + 2 : 0);
		return rc;
	}
	*pw = buf;
	return CP_OK;
}

/* ------------------------------------------------------------ one server */

/* "ldap_err2string (diagnostic message)" of the handle's last error, as a
 * malloc'ed string; libldap's texts are its own (English). */
static char *ldap_reason(LDAP *ld, int lrc)
{
	char *diag = NULL;
	if (ld != NULL)
		ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	/* libldap's "(unknown error code)" (a failed TLS handshake) says nothing. */
	bool useful = diag != NULL && *diag != '\0' && strcmp(diag, "(unknown error code)") != 0;
	char *s = useful ? cp_asprintf("%s (%s)", ldap_err2string(lrc), diag)
	                 : strdup(ldap_err2string(lrc));
	ldap_memfree(diag);
	return s;
}

static bool uri_has_scheme(const char *uri, const char *scheme)
{
	size_t n = strlen(scheme);
	for (size_t i = 0; i < n; i++)
		if (uri[i] == '\0' || (uri[i] | 0x20) != scheme[i])
			return false;
	return true;
}

/* A handle starts with no TLS settings of its own (libldap clears them):
 * take what ldap.conf(5), ldaprc or the LDAPTLS_* variables give - the
 * system's CAs when tls_ca is not set, a client certificate and key for
 * SASL EXTERNAL, ciphers, a CRL. */
static int inherit_tls(LDAP *ld, bool own_ca)
{
	static const int opts[] = {LDAP_OPT_X_TLS_CACERTFILE,   LDAP_OPT_X_TLS_CACERTDIR,
	                           LDAP_OPT_X_TLS_CERTFILE,     LDAP_OPT_X_TLS_KEYFILE,
	                           LDAP_OPT_X_TLS_CIPHER_SUITE, LDAP_OPT_X_TLS_CRLFILE};
	int lrc = LDAP_OPT_SUCCESS;
	for (size_t i = own_ca ? 2 : 0;
	     lrc == LDAP_OPT_SUCCESS && i < sizeof(opts) / sizeof(opts[0]); i++) {
		char *v = NULL;
		if (ldap_get_option(NULL, opts[i], &v) == LDAP_OPT_SUCCESS && v != NULL)
			lrc = ldap_set_option(ld, opts[i], v);
		ldap_memfree(v);
	}
	return lrc;
}

/* Options of the handle: LDAPv3, no referral chasing (a referral could
 * send the bind to another server), timeouts, TCP keepalive so that a
 * --follow session notices a vanished server, and TLS. */
static int set_options(LDAP *ld, const cp_config *cfg)
{
	int v3 = LDAP_VERSION3, idle = 60, probes = 3, interval = 10;
	struct timeval tv = cp_ldap_timeout(cfg);
	int req =
	    value_is(cfg, "tls_verify", "never") ? LDAP_OPT_X_TLS_NEVER : LDAP_OPT_X_TLS_DEMAND;
	int tlsmin = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2, client = 0;
	const char *ca = cp_config_value(cfg, "ldap", "tls_ca");
	int lrc = ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	if (lrc == LDAP_OPT_SUCCESS)
		lrc = ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	if (lrc == LDAP_OPT_SUCCESS)
		lrc = ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	if (lrc == LDAP_OPT_SUCCESS)
		lrc = ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
	ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_IDLE, &idle);
	ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_PROBES, &probes);
	ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_INTERVAL, &interval);
	if (lrc == LDAP_OPT_SUCCESS)
		lrc = inherit_tls(ld, ca != NULL);
	if (lrc == LDAP_OPT_SUCCESS && ca != NULL)
		lrc = ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, ca);
	if (lrc == LDAP_OPT_SUCCESS)
		lrc = ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &req);
	if (lrc == LDAP_OPT_SUCCESS)
		lrc = ldap_set_option(ld, LDAP_OPT_X_TLS_PROTOCOL_MIN, &tlsmin);
	if (lrc == LDAP_OPT_SUCCESS)
		lrc = ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &client);
	return lrc;
}

#ifdef CP_HAVE_SASL
/* No prompt is answered: the identity is the credential's (the TLS client
 * certificate or peer credentials for EXTERNAL, the Kerberos ticket for
 * GSSAPI), with no authorization identity and the default realm. */
static int sasl_quiet(LDAP *ld, unsigned flags, void *defaults, void *in)
{
	(void)ld;
	(void)flags;
	(void)defaults;
	for (sasl_interact_t *i = in; i->id != SASL_CB_LIST_END; i++) {
		i->result = i->defresult != NULL ? i->defresult : "";
		i->len = (unsigned)strlen(i->result);
	}
	return LDAP_SUCCESS;
}
#endif

static int do_bind(LDAP *ld, const cp_config *cfg, const char *pw)
{
	const char *mech = cp_config_value(cfg, "ldap", "sasl_mech");
	const char *dn = cp_config_value(cfg, "ldap", "bind_dn");
	if (mech != NULL) {
#ifdef CP_HAVE_SASL
		return ldap_sasl_interactive_bind_s(ld, NULL, mech, NULL, NULL, LDAP_SASL_QUIET,
		                                    sasl_quiet, NULL);
#else
		return LDAP_AUTH_METHOD_NOT_SUPPORTED;
#endif
	}
	if (dn == NULL)
		return LDAP_SUCCESS; /* anonymous: LDAPv3 needs no bind */
	struct berval cred = {.bv_len = strlen(pw), .bv_val = (char *)pw};
	return ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
}

/* Whether a URI of the blank-separated list is plain ldap:// (no TLS of
 * its own; ldapi:// is a local socket). */
static bool any_plain_uri(const char *uris)
{
	for (const char *u = uris; *(u += strspn(u, " \t")) != '\0'; u += strcspn(u, " \t"))
		if (uri_has_scheme(u, "ldap://"))
			return true;
	return false;
}

/* Which step failed, for the message. */
enum step { STEP_INIT, STEP_CONNECT, STEP_STARTTLS, STEP_BIND };

static int try_server(const cp_config *cfg, const char *uri, const char *pw, LDAP **out,
                      enum step *step, char **why)
{
	LDAP *ld = NULL;
	*step = STEP_INIT;
	int lrc = ldap_initialize(&ld, uri);
	if (lrc == LDAP_SUCCESS)
		lrc = set_options(ld, cfg);
	if (lrc == LDAP_SUCCESS && (*step = STEP_CONNECT))
		lrc = ldap_connect(ld);
	if (lrc == LDAP_SUCCESS && uri_has_scheme(uri, "ldap://") &&
	    !value_is(cfg, "starttls", "no") && (*step = STEP_STARTTLS))
		lrc = ldap_start_tls_s(ld, NULL, NULL);
	if (lrc == LDAP_SUCCESS && (*step = STEP_BIND))
		lrc = do_bind(ld, cfg, pw);
	if (lrc == LDAP_SUCCESS) {
		*out = ld;
		return CP_OK;
	}
	*why = ldap_reason(ld, lrc);
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
	return *why != NULL ? CP_ERR_IO : CP_ERR_NOMEM;
}

/* Append "URI: what failed: why" for one server to the message. */
static int add_failure(char **msg, const cp_config *cfg, const char *uri, enum step step,
                       const char *why)
{
	char *part = NULL;
	const char *dn = cp_config_value(cfg, "ldap", "bind_dn");
	switch (step) {
	case STEP_INIT:
		part = cp_asprintf(_("%s: not a usable LDAP URI: %s"), uri, why);
		break;
	case STEP_CONNECT:
		if (uri_has_scheme(uri, "ldaps://"))
			part =
			    cp_asprintf(_("cannot reach the directory at %s: %s (no server "
			                  "answers, or the TLS handshake failed: is tls_ca the CA "
			                  "of the server's certificate, and is the URI's host in "
			                  "it?)"),
			                uri, why);
		else
			part = cp_asprintf(_("cannot reach the directory at %s: %s"), uri, why);
		break;
	case STEP_STARTTLS:
		part = cp_asprintf(_("cannot reach the directory at %s: StartTLS failed: %s (is "
		                     "tls_ca the CA of the server's certificate, and is the URI's "
		                     "host in it?)"),
		                   uri, why);
		break;
	case STEP_BIND:
		part = cp_asprintf(_("the directory at %s refused the bind as %s: %s"), uri,
		                   dn != NULL ? dn : _("(SASL identity)"), why);
		break;
	}
	char *joined = part == NULL   ? NULL
	               : *msg == NULL ? strdup(part)
	                              : cp_asprintf("%s; %s", *msg, part);
	free(part);
	free(*msg);
	*msg = joined;
	return joined != NULL ? CP_OK : CP_ERR_NOMEM;
}

/* Try each server of the list in order. A refused bind stops there: the
 * next server would refuse the same credentials, and trying them all
 * could lock the bind account out. */
static int connect_any(const cp_config *cfg, const char *uris, const char *pw, LDAP **out,
                       char **errmsg)
{
	char *list = strdup(uris), *save = NULL, *msg = NULL;
	int rc = list != NULL ? CP_ERR_IO : CP_ERR_NOMEM;
	for (char *uri = list != NULL ? strtok_r(list, " \t", &save) : NULL; uri != NULL;
	     uri = strtok_r(NULL, " \t", &save)) {
		enum step step = STEP_INIT;
		char *why = NULL;
		rc = try_server(cfg, uri, pw, out, &step, &why);
		if (rc == CP_ERR_IO && add_failure(&msg, cfg, uri, step, why) != CP_OK)
			rc = CP_ERR_NOMEM;
		free(why);
		if (rc != CP_ERR_IO || step == STEP_BIND)
			break;
	}
	if (rc == CP_ERR_IO)
		cp_set_errmsg(errmsg, "%s", msg != NULL ? msg : _("no LDAP server to connect to"));
	free(msg);
	free(list);
	return rc;
}

int cp_ldap_connect(const cp_config *cfg, LDAP **out, char **errmsg)
{
	if (errmsg != NULL)
		*errmsg = NULL;
	if (cfg == NULL || out == NULL)
		return CP_ERR_INVAL;
	*out = NULL;
	const char *uris = cp_config_value(cfg, "ldap", "uri");
	const char *dn = cp_config_value(cfg, "ldap", "bind_dn");
	const char *pwfile = cp_config_value(cfg, "ldap", "bind_password_file");
	const char *mech = cp_config_value(cfg, "ldap", "sasl_mech");
	if (uris == NULL) {
		cp_set_errmsg(errmsg, _("no directory configured: the [ldap] section sets no uri"));
		return CP_ERR_CONFIG;
	}
	if (mech == NULL && dn != NULL && pwfile == NULL) {
		cp_set_errmsg(errmsg, _("[ldap] bind_dn is set without bind_password_file"));
		return CP_ERR_CONFIG;
	}
	if (mech == NULL && dn != NULL && value_is(cfg, "starttls", "no") && any_plain_uri(uris)) {
		cp_set_errmsg(errmsg,
		              _("[ldap] starttls = no would send the bind password "
		                "unencrypted to an ldap:// server: use StartTLS or ldaps:// "
		                "(R23)"));
		return CP_ERR_CONFIG;
	}
	char *pw = NULL;
	int rc = mech == NULL && dn != NULL ? read_password(pwfile, &pw, errmsg) : CP_OK;
	if (rc == CP_OK)
		rc = connect_any(cfg, uris, pw, out, errmsg);
	cp_free_secret(pw);
	return rc;
}

/* ------------------------------------------------------------ finding an account */

/* "(&FILTER(|(a1=v)(a2=v)...))" for the mapped account_name attributes,
 * v escaped. malloc'ed, NULL when out of memory. */
static char *account_filter(const cp_config *cfg, const char *account)
{
	struct berval in = {.bv_len = strlen(account), .bv_val = (char *)account}, esc = {0};
	if (ldap_bv2escaped_filter_value(&in, &esc) != 0)
		return NULL;
	const char *attrs = cp_ldap_map(cfg, "account_name");
	const char *filter = cp_config_value(cfg, "ldap", "account_filter");
	char *any = strdup("");
	for (const char *a = attrs; any != NULL && *(a += strspn(a, " \t")) != '\0';) {
		int n = (int)strcspn(a, " \t");
		char *next = cp_asprintf("%s(%.*s=%s)", any, n, a, esc.bv_val);
		free(any);
		any = next;
		a += n;
	}
	char *f = any != NULL ? cp_asprintf("(&%s(|%s))", filter, any) : NULL;
	free(any);
	ber_memfree(esc.bv_val);
	return f;
}

static int search_failed(LDAP *ld, int lrc, const char *base, char **errmsg)
{
	char *why = ldap_reason(ld, lrc);
	cp_set_errmsg(errmsg, _("the directory search under %s failed: %s"), base,
	              why != NULL ? why : ldap_err2string(lrc));
	free(why);
	return CP_ERR_IO;
}

static int only_dn(LDAP *ld, LDAPMessage *res, char **dn)
{
	int n = ldap_count_entries(ld, res);
	if (n == 0)
		return CP_ERR_NOTFOUND;
	if (n > 1)
		return CP_ERR_INVAL;
	char *d = ldap_get_dn(ld, ldap_first_entry(ld, res));
	*dn = d != NULL ? strdup(d) : NULL;
	ldap_memfree(d);
	return *dn != NULL ? CP_OK : CP_ERR_NOMEM;
}

int cp_ldap_account_dn(LDAP *ld, const cp_config *cfg, const char *account, char **dn,
                       char **errmsg)
{
	if (errmsg != NULL)
		*errmsg = NULL;
	if (dn != NULL)
		*dn = NULL;
	if (ld == NULL || cfg == NULL || account == NULL || dn == NULL)
		return CP_ERR_INVAL;
	size_t n = strnlen(account, 257);
	if (n == 0 || n > 256 || cp_utf8_validate(account, n) < 0 ||
	    strpbrk(account, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
	                     "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f"
	                     "\x7f") != NULL)
		return CP_ERR_INVAL;
	const char *base = cp_ldap_base(cfg, "account");
	if (base == NULL) {
		cp_set_errmsg(errmsg, _("no search base: the [ldap] section sets no base"));
		return CP_ERR_CONFIG;
	}
	char *filter = account_filter(cfg, account);
	if (filter == NULL)
		return CP_ERR_NOMEM;
	char noattrs[] = LDAP_NO_ATTRS, *attrs[] = {noattrs, NULL};
	struct timeval tv = cp_ldap_timeout(cfg);
	LDAPMessage *res = NULL;
	/* Two entries are enough to tell "several" from "one". */
	int lrc = ldap_search_ext_s(ld, base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, NULL, NULL, &tv,
	                            2, &res);
	int rc = lrc == LDAP_SUCCESS              ? only_dn(ld, res, dn)
	         : lrc == LDAP_SIZELIMIT_EXCEEDED ? CP_ERR_INVAL
	                                          : search_failed(ld, lrc, base, errmsg);
	ldap_msgfree(res);
	free(filter);
	return rc;
}
