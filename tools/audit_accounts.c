/* audit_accounts.c - R22: every local account that can log in is known to
 * the ledger, and the PAM stack really calls pam_credpolicy for password
 * changes and for the account check. */
#include "audit.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const struct audit_account *find_account(const struct audit *a, const char *name)
{
	for (size_t i = 0; i < a->naccounts; i++)
		if (strcmp(a->accounts[i].name, name) == 0)
			return &a->accounts[i];
	return NULL;
}

static bool shell_allows_login(const char *shell)
{
	return !audit_ends_with(shell, "/nologin") && !audit_ends_with(shell, "/false") &&
	       strcmp(shell, "nologin") != 0 && strcmp(shell, "false") != 0;
}

/* A passwd line: name:x:uid:gid:gecos:home:shell (an empty shell is /bin/sh). */
static void check_passwd_line(struct audit *a, char *line, unsigned lineno)
{
	char *field[7] = {0};
	size_t n = 0;
	for (char *p = line; n < 7; n++) {
		field[n] = p;
		p = strchr(p, ':');
		if (p == NULL) {
			n++;
			break;
		}
		*p++ = '\0';
	}
	if (n < 7 || field[0][0] == '\0' || field[0][0] == '#')
		return;
	const struct audit_account *acc = find_account(a, field[0]);
	if (acc == NULL || !acc->password_login || !shell_allows_login(field[6]))
		return;
	cp_account *known = NULL;
	int rc = cp_ledger_account_get(a->ledger, field[0], NULL, &known);
	cp_account_free(known);
	if (rc == CP_ERR_NOTFOUND)
		audit_add(a, "unknown-account", AUDIT_HIGH, "R22", "etc/passwd", lineno, field[0],
		          _("Add the account to the ledger with its owner and class ('credpolicy "
		            "ledger import'), or lock it with 'passwd -l' or remove it."),
		          _("the account %s can log in but is unknown to the ledger"), field[0]);
	else if (rc != CP_OK) {
		tool_error("%s: %s", field[0], cp_strerror(rc));
		a->incomplete = true;
	}
}

void audit_accounts(struct audit *a)
{
	if (a->ledger == NULL) {
		audit_add(a, "ledger-unavailable", AUDIT_MEDIUM, "R22", "etc/passwd", 0, NULL,
		          _("Create the ledger with 'credpolicy ledger init' and import the "
		            "accounts, or name it with --ledger."),
		          _("the ledger cannot be read, so accounts unknown to it were not looked "
		            "for: %s"),
		          a->ledger_error != NULL ? a->ledger_error : "");
		return;
	}
	FILE *f = audit_fopen(a, "etc/passwd");
	if (f == NULL)
		return;
	char *line;
	size_t len;
	int rc;
	for (unsigned lineno = 1; (rc = tool_read_line(f, 8192, &line, &len)) != 0; lineno++) {
		if (rc == -3)
			break;
		if (rc < 0)
			continue;
		check_passwd_line(a, line, lineno);
		tool_free_line(line, len);
	}
	fclose(f);
}

/* ---- PAM ---- */

/* The next word of *s (split at blanks); a control in brackets
 * ("[success=1 default=ignore]") is one word. NULL at the end. */
static char *next_word(char **s)
{
	char *p = *s;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0')
		return NULL;
	char *w = p;
	if (*p == '[') {
		char *close = strchr(p, ']');
		p = close != NULL ? close + 1 : p + strlen(p);
	}
	while (*p != '\0' && !isspace((unsigned char)*p))
		p++;
	if (*p != '\0')
		*p++ = '\0';
	*s = p;
	return w;
}

static bool is_credpolicy(const char *module)
{
	const char *base = strrchr(module, '/');
	return strcmp(base != NULL ? base + 1 : module, "pam_credpolicy.so") == 0;
}

static bool file_has_module(struct audit *a, const char *service, const char *type, int depth);

/* One line of a PAM service file: does it call pam_credpolicy for type,
 * itself or through an include (followed depth more levels)? */
static bool line_has_module(struct audit *a, char *line, const char *type, int depth)
{
	char *s = line, *w = next_word(&s);
	if (w == NULL || w[0] == '#')
		return false;
	if (strcmp(w, "@include") == 0) {
		char *name = next_word(&s);
		return name != NULL && depth > 0 && file_has_module(a, name, type, depth - 1);
	}
	if (w[0] == '-')
		w++;
	if (strcmp(w, type) != 0)
		return false;
	char *control = next_word(&s), *module = next_word(&s);
	if (control == NULL || module == NULL)
		return false;
	if (strcmp(control, "include") == 0 || strcmp(control, "substack") == 0)
		return depth > 0 && file_has_module(a, module, type, depth - 1);
	return is_credpolicy(module);
}

static bool file_has_module(struct audit *a, const char *service, const char *type, int depth)
{
	char *rel;
	if (strchr(service, '/') != NULL || asprintf(&rel, "etc/pam.d/%s", service) < 0)
		return false;
	FILE *f = audit_fopen(a, rel);
	free(rel);
	bool found = false;
	char *line;
	size_t len;
	int rc;
	while (f != NULL && !found && (rc = tool_read_line(f, 8192, &line, &len)) != 0) {
		if (rc == -3)
			break;
		if (rc < 0)
			continue;
		found = line_has_module(a, line, type, depth);
		tool_free_line(line, len);
	}
	if (f != NULL)
		fclose(f);
	return found;
}

static void check_stack(struct audit *a, const char *type, const char *debian, const char *id)
{
	const char *services[] = {debian, "system-auth", "password-auth"};
	bool any = false;
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		char *rel;
		struct stat st;
		if (asprintf(&rel, "etc/pam.d/%s", services[i]) < 0)
			continue;
		if (audit_stat(a, rel, &st) == 0) {
			any = true;
			if (!file_has_module(a, services[i], type, 1))
				audit_add(a, id, AUDIT_HIGH, "R22", rel, 0, NULL,
				          _("Add a line calling pam_credpolicy.so (see "
				            "pam_credpolicy(8)), e.g. with 'pam-auth-update' or "
				            "'authselect'."),
				          _("the PAM stack does not call pam_credpolicy for '%s'"),
				          type);
		}
		free(rel);
	}
	if (!any)
		audit_add(a, id, AUDIT_HIGH, "R22", "etc/pam.d", 0, NULL,
		          _("Add a line calling pam_credpolicy.so (see pam_credpolicy(8)), e.g. "
		            "with 'pam-auth-update' or 'authselect'."),
		          _("no common PAM configuration for '%s' found (%s, system-auth or "
		            "password-auth)"),
		          type, debian);
}

void audit_pam(struct audit *a)
{
	check_stack(a, "password", "common-password", "pam-missing-password");
	check_stack(a, "account", "common-account", "pam-missing-account");
}
