/* audit.h - credpolicy audit: the host checks of rules R20-R22, their
 * findings, and confined access to the audited host's files. */
#ifndef CP_AUDIT_H
#define CP_AUDIT_H

#include "tool.h"

#include <sys/stat.h>

/* Most severe first: the order of the text output. */
enum audit_severity {
	AUDIT_CRITICAL,
	AUDIT_HIGH,
	AUDIT_MEDIUM,
	AUDIT_LOW,
	AUDIT_INFO,
	AUDIT_NSEVERITIES
};

/* One finding; every string is owned by the finding. */
struct audit_finding {
	const char *id; /* stable code, e.g. "weak-hash" (static) */
	enum audit_severity severity;
	const char *rule; /* "R20" (static) */
	char *path;       /* on the host, e.g. "/etc/shadow" */
	unsigned line;    /* 0: none */
	char *account;    /* NULL: none */
	char *message;    /* translated: what was found */
	char *fix;        /* translated: how to fix it */
};

/* An account of the host as the checks need it: never its hash. */
struct audit_account {
	char *name;
	bool password_login; /* shadow hash not starting with '!' or '*' */
};

struct audit {
	const char *root; /* "/" or --root DIR */
	int rootfd;
	bool confined;      /* --root given: never follow a symbolic link */
	bool incomplete;    /* a file that exists could not be read */
	cp_ledger *ledger;  /* NULL: unavailable */
	char *ledger_error; /* why, when unavailable */
	struct audit_finding *findings;
	size_t nfindings, cap;
	struct audit_account *accounts; /* from /etc/shadow */
	size_t naccounts;
};

/* Stable name of a severity ("high"); its index from a name, -1 if none. */
const char *audit_severity_name(enum audit_severity s);
int audit_severity_parse(const char *name);

/* Open root (a directory); 0 or -1 with a message printed. */
int audit_init(struct audit *a, const char *root);
void audit_free(struct audit *a);

/* Record a finding. path is a host path relative to the root, without the
 * leading '/' ("etc/shadow"); account may be NULL; fix is copied. Out of
 * memory is fatal (the report would be silently incomplete). */
void audit_add(struct audit *a, const char *id, enum audit_severity sev, const char *rule,
               const char *path, unsigned line, const char *account, const char *fix,
               const char *fmt, ...) __attribute__((format(printf, 9, 10)));
/* Sort by severity, then id, path, line and account. */
void audit_sort(struct audit *a);

/* Files of the host: rel has no leading '/'. With --root no symbolic link is
 * followed (so nothing outside the root is read). A missing file gives
 * NULL / -1 with errno ENOENT and no message; other failures are reported on
 * stderr and mark the audit incomplete. */
FILE *audit_fopen(struct audit *a, const char *rel);
int audit_stat(struct audit *a, const char *rel, struct stat *st);
/* Names in directory rel (sorted, malloc'ed, NULL-terminated), NULL if it
 * cannot be read; free with audit_free_names. */
char **audit_list_dir(struct audit *a, const char *rel);
void audit_free_names(char **names);
/* The name of id in the host's /etc/passwd (field 3) or /etc/group;
 * malloc'ed, or the number as text when not listed. */
char *audit_id_name(struct audit *a, const char *rel, unsigned long id);
/* Whether s ends with suffix. */
bool audit_ends_with(const char *s, const char *suffix);

/* The checks. */
void audit_shadow(struct audit *a);    /* R20: modes and hashes; fills accounts */
void audit_autologin(struct audit *a); /* R21 */
void audit_accounts(struct audit *a);  /* R22: accounts unknown to the ledger */
void audit_pam(struct audit *a);       /* R22: pam_credpolicy in the stack */

#endif
