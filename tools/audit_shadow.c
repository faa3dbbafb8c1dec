/* audit_shadow.c - R20: the shadow files, their copies and backups are
 * for root only; no weak, legacy or empty password hashes.
 *
 * A hash is read only to ask libxcrypt which method made it; no part of it
 * is ever stored or printed: only the account's name and the method. */
#include "audit.h"

#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SHADOW_LINE_MAX 4096

/* The files are root's: owner root, group root or shadow, no bits beyond
 * 0640. Being readable by everyone is the worst case. */
static void check_mode(struct audit *a, const char *rel, const char *id)
{
	struct stat st;
	if (audit_stat(a, rel, &st) != 0 || !S_ISREG(st.st_mode))
		return;
	char *group = audit_id_name(a, "etc/group", st.st_gid);
	bool group_ok = st.st_gid == 0 || strcmp(group, "shadow") == 0;
	mode_t mode = st.st_mode & 07777;
	if (st.st_uid != 0 || !group_ok || (mode & ~(mode_t)0640) != 0) {
		char *owner = audit_id_name(a, "etc/passwd", st.st_uid);
		char *fix = NULL;
		if (asprintf(&fix,
		             _("Run 'chown root:shadow /%s' and 'chmod 0640 /%s' (root:root and "
		               "0600 where there is no group shadow)."),
		             rel, rel) < 0)
			fix = NULL;
		audit_add(a, id, (mode & S_IROTH) != 0 ? AUDIT_CRITICAL : AUDIT_HIGH, "R20", rel, 0,
		          NULL, fix != NULL ? fix : "",
		          _("mode %04o, owner %s, group %s: must be owner root, group root or "
		            "shadow, mode 0640 or stricter"),
		          (unsigned)mode, owner, group);
		free(fix);
		free(owner);
	}
	free(group);
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The method's name from the hash's prefix; DES hashes have none. */
static const char *method_name(const char *h)
{
	static const struct {
		const char *prefix, *name;
	} methods[] = {
	    {"$y$", "yescrypt"},     {"$gy$", "gost-yescrypt"}, {"$7$", "scrypt"},
	    {"$2", "bcrypt"},        {"$6$", "sha512crypt"},    {"$5$", "sha256crypt"},
	    {"$sha1$", "sha1crypt"}, {"$md5", "sunmd5"},        {"$1$", "md5crypt"},
	    {"$3$", "NT"},           {"_", "bsdicrypt"},
	};
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (starts_with(h, methods[i].prefix))
			return methods[i].name;
	return h[0] != '$' && strlen(h) == 13 ? "DES" : _("an unknown method");
}

static void check_hash(struct audit *a, const char *name, const char *hash, unsigned lineno)
{
	static const char fix_weak[] =
	    N_("Have the user set a new password, hashed with yescrypt or sha512crypt "
	       "(ENCRYPT_METHOD in /etc/login.defs), or lock the account with 'passwd -l'.");
	if (hash[0] == '\0') {
		audit_add(
		    a, "empty-password", AUDIT_CRITICAL, "R20", "etc/shadow", lineno, name,
		    _("Set a password for the account with 'passwd', or lock it with 'passwd -l'."),
		    _("the account %s has an empty password: anyone may log in as it"), name);
		return;
	}
	if (hash[0] == '!' || hash[0] == '*')
		return; /* locked, or no password at all */
	switch (crypt_checksalt(hash)) {
	case CRYPT_SALT_METHOD_LEGACY:
		audit_add(a, "weak-hash", AUDIT_HIGH, "R20", "etc/shadow", lineno, name,
		          _(fix_weak), _("the password of %s is hashed with %s, a legacy method"),
		          name, method_name(hash));
		break;
	case CRYPT_SALT_METHOD_DISABLED:
		audit_add(a, "weak-hash", AUDIT_HIGH, "R20", "etc/shadow", lineno, name,
		          _(fix_weak),
		          _("the password of %s is hashed with %s, a method this system no longer "
		            "supports"),
		          name, method_name(hash));
		break;
	case CRYPT_SALT_TOO_CHEAP:
		audit_add(a, "weak-hash", AUDIT_MEDIUM, "R20", "etc/shadow", lineno, name,
		          _(fix_weak),
		          _("the password of %s is hashed with %s with too few rounds"), name,
		          method_name(hash));
		break;
	default:
		break; /* fine, or not a hash (no password can match it) */
	}
}

static void add_account(struct audit *a, const char *name, const char *hash)
{
	struct audit_account *n = reallocarray(a->accounts, a->naccounts + 1, sizeof(*n));
	char *copy = strdup(name);
	if (n == NULL || copy == NULL) {
		free(copy);
		tool_error("%s", cp_strerror(CP_ERR_NOMEM));
		exit(EXIT_USAGE);
	}
	a->accounts = n;
	n[a->naccounts].name = copy;
	n[a->naccounts++].password_login = hash[0] != '!' && hash[0] != '*';
}

/* name:hash:...; the line buffer is wiped when freed. */
static void read_shadow(struct audit *a)
{
	FILE *f = audit_fopen(a, "etc/shadow");
	if (f == NULL)
		return;
	char *line;
	size_t len;
	int rc;
	for (unsigned lineno = 1; (rc = tool_read_line(f, SHADOW_LINE_MAX, &line, &len)) != 0;
	     lineno++) {
		if (rc == -3)
			break;
		if (rc < 0)
			continue;
		char *colon = strchr(line, ':');
		if (colon != NULL && colon != line && line[0] != '#') {
			*colon = '\0';
			char *hash = colon + 1, *end = strchr(hash, ':');
			if (end != NULL)
				*end = '\0';
			check_hash(a, line, hash, lineno);
			add_account(a, line, hash);
		}
		tool_free_line(line, len);
	}
	if (ferror(f)) {
		tool_error("/etc/shadow: %s", strerror(errno));
		a->incomplete = true;
	}
	fclose(f);
}

static bool is_backup_name(const char *name)
{
	return starts_with(name, "shadow") || starts_with(name, "gshadow");
}

void audit_shadow(struct audit *a)
{
	check_mode(a, "etc/shadow", "shadow-mode");
	check_mode(a, "etc/gshadow", "shadow-mode");
	check_mode(a, "etc/shadow-", "shadow-copy-mode");
	check_mode(a, "etc/gshadow-", "shadow-copy-mode");
	char **names = audit_list_dir(a, "var/backups");
	for (char **p = names; p != NULL && *p != NULL; p++) {
		if (!is_backup_name(*p))
			continue;
		char *rel;
		if (asprintf(&rel, "var/backups/%s", *p) < 0)
			continue;
		check_mode(a, rel, "shadow-copy-mode");
		free(rel);
	}
	audit_free_names(names);
	read_shadow(a);
}
