/* helpdesk.c - operator, text checks and backends for reset, compromised
 * and offboard (see helpdesk.h).
 *
 * The backends are opened on first use and once: a directory that cannot
 * be reached, or a /etc/shadow that cannot be read, fails every change
 * that needs it with the same reason, and the commands report each one. */
#include "helpdesk.h"

#include "shadow_backend.h"

#include <errno.h>
#include <fnmatch.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

const char *helpdesk_operator(void)
{
	static char name[300];
	const char *sudo = getenv("SUDO_USER");
	uid_t uid = getuid();
	if (uid == 0 && sudo != NULL && *sudo != '\0' && strlen(sudo) < 64 &&
	    strspn(sudo, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-$") ==
	        strlen(sudo)) {
		snprintf(name, sizeof(name), "%s", sudo);
		return name;
	}
	struct passwd *pw = getpwuid(uid);
	if (pw != NULL && pw->pw_name != NULL)
		snprintf(name, sizeof(name), "%s", pw->pw_name);
	else
		snprintf(name, sizeof(name), "uid=%u", (unsigned)uid);
	return name;
}

/* Valid UTF-8 without C0/C1 controls (tab when free): the ledger's own
 * rule, checked here to name the option in the message. */
static bool text_ok(const char *s, bool free_text)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p != '\0') {
		size_t n = *p < 0x80             ? 1
		           : (*p & 0xe0) == 0xc0 ? 2
		           : (*p & 0xf0) == 0xe0 ? 3
		           : (*p & 0xf8) == 0xf0 ? 4
		                                 : 0;
		if (n == 0 || (n == 2 && *p < 0xc2))
			return false;
		for (size_t i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return false;
		if (n == 1 && ((*p < 0x20 && !(free_text && *p == '\t')) || *p == 0x7f))
			return false;
		if (n == 2 && *p == 0xc2 && p[1] < 0xa0)
			return false;
		p += n;
	}
	return true;
}

int helpdesk_getopt(int argc, char **argv, const char *sub, const char *shortopts,
                    const struct option *longopts, const struct helpdesk_targets *t,
                    void (*usage)(FILE *out))
{
	int c;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return -1;
		}
		if (c > 0 && c < 128 && t->text[c] != NULL)
			*t->text[c] = optarg;
		else if (c > 0 && c < 128 && t->flag[c] != NULL)
			*t->flag[c] = true;
		else
			return tool_option_error(sub, argv);
	}
	return EXIT_OK;
}

int helpdesk_check_text(const char *sub, const char *option, const char *value, size_t max,
                        bool free)
{
	if (value == NULL || *value == '\0')
		return tool_usage_error(sub, _("%s is required"), option);
	if (strlen(value) > max)
		return tool_usage_error(sub, _("%s is longer than %zu bytes"), option, max);
	if (!text_ok(value, free))
		return tool_usage_error(
		    sub, _("%s must be valid UTF-8 text without control characters"), option);
	return EXIT_OK;
}

int helpdesk_finish_output(int status)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return status;
	tool_error(_("cannot write the output: %s"), strerror(errno));
	return status > EXIT_REJECTED ? status : EXIT_REJECTED;
}

char *helpdesk_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

const char *backend_name(enum backend_kind k)
{
	return k == BACKEND_LOCAL ? "local" : k == BACKEND_DIRECTORY ? "directory" : "none";
}

/* ------------------------------------------------------------ backends */

struct backends {
	const cp_config *cfg;
	const char *root;
	char host[256];
	struct shadow_file *shadow;
	char *shadow_error;
	bool shadow_tried;
	cp_directory *dir;
	char *dir_error;
	bool dir_tried;
	bool read_only;
};

struct backends *backends_new(const cp_config *cfg, const char *root, bool read_only)
{
	struct backends *b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	b->cfg = cfg;
	b->root = root;
	b->read_only = read_only;
	if (gethostname(b->host, sizeof(b->host) - 1) != 0)
		b->host[0] = '\0';
	return b;
}

void backends_free(struct backends *b)
{
	if (b == NULL)
		return;
	shadow_close(b->shadow);
	cp_directory_close(b->dir);
	free(b->shadow_error);
	free(b->dir_error);
	free(b);
}

static void copy_error(char **errmsg, const char *why)
{
	*errmsg = strdup(why != NULL ? why : cp_strerror(CP_ERR_NOMEM));
}

static struct shadow_file *shadow(struct backends *b, char **errmsg)
{
	if (!b->shadow_tried) {
		b->shadow_tried = true;
		if (shadow_open(b->root, b->read_only, &b->shadow, &b->shadow_error) != 0 &&
		    b->shadow_error == NULL)
			b->shadow_error = strdup(cp_strerror(CP_ERR_NOMEM));
	}
	if (b->shadow == NULL)
		copy_error(errmsg, b->shadow_error);
	return b->shadow;
}

static cp_directory *directory(struct backends *b, char **errmsg)
{
	if (!b->dir_tried) {
		b->dir_tried = true;
		int rc =
		    b->read_only ? CP_ERR_INVAL : cp_directory_open(b->cfg, &b->dir, &b->dir_error);
		if (rc != CP_OK && b->dir_error == NULL)
			b->dir_error = strdup(cp_strerror(rc));
	}
	if (b->dir == NULL)
		copy_error(errmsg, b->dir_error);
	return b->dir;
}

/* Whether an account of scope is one of this host's (R10's scopes). */
static bool scope_here(const struct backends *b, const char *scope)
{
	return strcmp(scope, "*") == 0 || strcasecmp(scope, b->host) == 0 ||
	       (strpbrk(scope, "*?[") != NULL && fnmatch(scope, b->host, FNM_CASEFOLD) == 0);
}

int backends_where(struct backends *b, cp_ledger *l, const char *name, const char *scope,
                   enum backend_kind *kind, char **errmsg)
{
	*kind = BACKEND_NONE;
	*errmsg = NULL;
	int rc = cp_ledger_account_directory_dn(l, name, scope, NULL);
	if (rc == CP_OK) {
		*kind = BACKEND_DIRECTORY;
		return 0;
	}
	if (rc != CP_ERR_NOTFOUND) {
		copy_error(errmsg, cp_strerror(rc));
		return -1;
	}
	if (!scope_here(b, scope != NULL ? scope : "*"))
		return 0;
	struct shadow_file *s = shadow(b, errmsg);
	if (s == NULL)
		return -1;
	if (shadow_has(s, name))
		*kind = BACKEND_LOCAL;
	return 0;
}

/* The result of a cp_directory_* call as 0 / -1 with its message. msg is
 * the address the call wrote to, read here - after the call: an argument
 * "msg" beside the call would be evaluated in an unspecified order, and
 * could be read before the call set it (the message lost and leaked). */
static int dir_result(int rc, char **msg, char **errmsg)
{
	char *m = *msg;
	*msg = NULL;
	if (rc == CP_OK) {
		free(m);
		return 0;
	}
	*errmsg = m != NULL ? m : strdup(cp_strerror(rc));
	return -1;
}

int backends_must_change(struct backends *b, enum backend_kind kind, const char *name,
                         const char *reason, bool *changed, char **errmsg)
{
	bool dummy;
	struct shadow_file *s;
	cp_directory *d;
	char *msg = NULL;
	*errmsg = NULL;
	changed = changed != NULL ? changed : &dummy;
	*changed = false;
	switch (kind) {
	case BACKEND_LOCAL:
		s = shadow(b, errmsg);
		return s != NULL ? shadow_must_change(s, name, changed, errmsg) : -1;
	case BACKEND_DIRECTORY:
		d = directory(b, errmsg);
		if (d == NULL)
			return -1;
		return dir_result(cp_directory_account_flag(d, name, CP_DIRECTORY_MUST_CHANGE,
		                                            reason, changed, &msg),
		                  &msg, errmsg);
	case BACKEND_NONE:
		break;
	}
	return 0;
}

int backends_lock(struct backends *b, enum backend_kind kind, const char *name, bool *changed,
                  char **errmsg)
{
	bool dummy;
	struct shadow_file *s;
	cp_directory *d;
	char *msg = NULL;
	*errmsg = NULL;
	changed = changed != NULL ? changed : &dummy;
	*changed = false;
	switch (kind) {
	case BACKEND_LOCAL:
		s = shadow(b, errmsg);
		return s != NULL ? shadow_lock(s, name, changed, errmsg) : -1;
	case BACKEND_DIRECTORY:
		d = directory(b, errmsg);
		if (d == NULL)
			return -1;
		return dir_result(
		    cp_directory_account_flag(d, name, CP_DIRECTORY_LOCK, NULL, changed, &msg),
		    &msg, errmsg);
	case BACKEND_NONE:
		break;
	}
	return 0;
}

/* The directory: the password, then the forced change as its own step,
 * so that a refused flag is not mistaken for a refused password. */
static int dir_set_password(cp_directory *d, const char *name, const char *password,
                            const char *reason, bool *set, char **errmsg)
{
	char *msg = NULL;
	if (dir_result(cp_directory_set_password(d, name, password, NULL, &msg), &msg, errmsg) != 0)
		return -1;
	*set = true;
	return dir_result(
	    cp_directory_account_flag(d, name, CP_DIRECTORY_MUST_CHANGE, reason, NULL, &msg), &msg,
	    errmsg);
}

int backends_set_password(struct backends *b, enum backend_kind kind, const char *name,
                          const char *password, const char *reason, bool *set, char **errmsg)
{
	struct shadow_file *s;
	cp_directory *d;
	*errmsg = NULL;
	*set = false;
	switch (kind) {
	case BACKEND_LOCAL:
		s = shadow(b, errmsg);
		return s != NULL ? shadow_set_password(s, name, password, errmsg) : -1;
	case BACKEND_DIRECTORY:
		d = directory(b, errmsg);
		return d != NULL ? dir_set_password(d, name, password, reason, set, errmsg) : -1;
	case BACKEND_NONE:
		break;
	}
	copy_error(errmsg, cp_strerror(CP_ERR_INVAL));
	return -1;
}

int backends_custodian_remove(struct backends *b, const char *name, const char *employee_id,
                              bool *changed, char **errmsg)
{
	char *msg = NULL;
	*errmsg = NULL;
	cp_directory *d = directory(b, errmsg);
	if (d == NULL)
		return -1;
	return dir_result(cp_directory_custodian_remove(d, name, employee_id, changed, &msg), &msg,
	                  errmsg);
}

int backends_person_depart(struct backends *b, const char *employee_id, int64_t when, bool *changed,
                           char **errmsg)
{
	char *msg = NULL;
	*errmsg = NULL;
	cp_directory *d = directory(b, errmsg);
	if (d == NULL)
		return -1;
	return dir_result(cp_directory_person_depart(d, employee_id, when, changed, &msg), &msg,
	                  errmsg);
}

int backends_commit(struct backends *b, char **errmsg)
{
	*errmsg = NULL;
	return b->shadow != NULL ? shadow_commit(b->shadow, errmsg) : 0;
}

const char *backends_shadow_path(const struct backends *b)
{
	return b->shadow != NULL ? shadow_path(b->shadow) : "/etc/shadow";
}
