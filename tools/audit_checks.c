/* audit_checks.c - what the audit checks share: the list of findings and
 * confined, read-only access to the audited host's files. */
#include "audit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const severity_names[AUDIT_NSEVERITIES] = {
    "critical", "high", "medium", "low", "info",
};

const char *audit_severity_name(enum audit_severity s)
{
	return severity_names[s];
}

int audit_severity_parse(const char *name)
{
	for (int i = 0; i < AUDIT_NSEVERITIES; i++)
		if (strcmp(name, severity_names[i]) == 0)
			return i;
	return -1;
}

static void out_of_memory(void)
{
	tool_error("%s", cp_strerror(CP_ERR_NOMEM));
	exit(EXIT_USAGE);
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (d == NULL)
		out_of_memory();
	return d;
}

int audit_init(struct audit *a, const char *root)
{
	memset(a, 0, sizeof(*a));
	a->confined = root != NULL;
	a->root = root != NULL ? root : "/";
	a->rootfd = open(a->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (a->rootfd < 0) {
		tool_error("%s: %s", a->root, strerror(errno));
		return -1;
	}
	return 0;
}

void audit_free(struct audit *a)
{
	for (size_t i = 0; i < a->nfindings; i++) {
		struct audit_finding *f = &a->findings[i];
		free(f->path);
		free(f->account);
		free(f->message);
		free(f->fix);
	}
	free(a->findings);
	for (size_t i = 0; i < a->naccounts; i++)
		free(a->accounts[i].name);
	free(a->accounts);
	free(a->ledger_error);
	cp_ledger_close(a->ledger);
	if (a->rootfd >= 0)
		close(a->rootfd);
}

void audit_add(struct audit *a, const char *id, enum audit_severity sev, const char *rule,
               const char *path, unsigned line, const char *account, const char *fix,
               const char *fmt, ...)
{
	if (a->nfindings == a->cap) {
		size_t cap = a->cap != 0 ? a->cap * 2 : 16;
		struct audit_finding *n = reallocarray(a->findings, cap, sizeof(*n));
		if (n == NULL)
			out_of_memory();
		a->findings = n;
		a->cap = cap;
	}
	struct audit_finding *f = &a->findings[a->nfindings++];
	f->id = id;
	f->severity = sev;
	f->rule = rule;
	if (asprintf(&f->path, "/%s", path) < 0)
		out_of_memory();
	f->line = line;
	f->account = account != NULL ? xstrdup(account) : NULL;
	f->fix = xstrdup(fix);
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&f->message, fmt, ap) < 0)
		out_of_memory();
	va_end(ap);
}

static int cmp_findings(const void *x, const void *y)
{
	const struct audit_finding *p = x, *q = y;
	int c;
	if (p->severity != q->severity)
		return p->severity < q->severity ? -1 : 1;
	if ((c = strcmp(p->id, q->id)) != 0 || (c = strcmp(p->path, q->path)) != 0)
		return c;
	if (p->line != q->line)
		return p->line < q->line ? -1 : 1;
	return strcmp(p->account != NULL ? p->account : "", q->account != NULL ? q->account : "");
}

void audit_sort(struct audit *a)
{
	if (a->nfindings > 0)
		qsort(a->findings, a->nfindings, sizeof(a->findings[0]), cmp_findings);
}

static void report_error(struct audit *a, const char *rel, int err)
{
	if (err == ENOENT || err == ENOTDIR)
		return;
	if (err == ELOOP && a->confined)
		tool_error(_("/%s: a symbolic link under --root is not followed"), rel);
	else
		tool_error("/%s: %s", rel, strerror(err));
	a->incomplete = true;
}

/* A descriptor of the directory holding rel, and in *base rel's last name.
 * Confined: walk it one name at a time, refusing links and "..". */
static int open_parent(struct audit *a, const char *rel, char *copy, const char **base)
{
	char *slash = strrchr(copy, '/');
	*base = slash != NULL ? slash + 1 : copy;
	if (slash == NULL)
		return dup(a->rootfd);
	*slash = '\0';
	if (!a->confined)
		return openat(a->rootfd, copy, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd = dup(a->rootfd);
	char *save = NULL;
	for (char *name = strtok_r(copy, "/", &save); name != NULL && fd >= 0;
	     name = strtok_r(NULL, "/", &save)) {
		if (strcmp(name, "..") == 0) {
			close(fd);
			errno = ELOOP;
			return -1;
		}
		int next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int err = errno;
		close(fd);
		errno = err;
		fd = next;
	}
	return fd;
}

static int open_rel(struct audit *a, const char *rel, int flags)
{
	char *copy = xstrdup(rel);
	const char *base;
	int fd = -1, dfd = open_parent(a, rel, copy, &base);
	if (dfd >= 0) {
		if (a->confined && strcmp(base, "..") == 0)
			errno = ELOOP;
		else
			fd = openat(dfd, base, flags | O_CLOEXEC | (a->confined ? O_NOFOLLOW : 0));
		int err = errno;
		close(dfd);
		errno = err;
	}
	free(copy);
	if (fd < 0)
		report_error(a, rel, errno);
	return fd;
}

int audit_stat(struct audit *a, const char *rel, struct stat *st)
{
	char *copy = xstrdup(rel);
	const char *base;
	int rc = -1, dfd = open_parent(a, rel, copy, &base);
	if (dfd >= 0) {
		rc = fstatat(dfd, base, st, a->confined ? AT_SYMLINK_NOFOLLOW : 0);
		int err = errno;
		close(dfd);
		errno = err;
	}
	free(copy);
	if (rc < 0)
		report_error(a, rel, errno);
	return rc;
}

FILE *audit_fopen(struct audit *a, const char *rel)
{
	int fd = open_rel(a, rel, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd); /* a device or FIFO is not a configuration file */
		errno = EINVAL;
		return NULL;
	}
	FILE *f = fdopen(fd, "r");
	if (f == NULL) {
		close(fd);
		out_of_memory();
	}
	return f;
}

static int cmp_names(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

char **audit_list_dir(struct audit *a, const char *rel)
{
	int fd = open_rel(a, rel, O_RDONLY | O_DIRECTORY);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	char **names = NULL;
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (e->d_name[0] == '.')
			continue;
		char **more = reallocarray(names, n + 2, sizeof(*names));
		if (more == NULL)
			out_of_memory();
		names = more;
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (names == NULL && (names = calloc(1, sizeof(*names))) == NULL)
		out_of_memory();
	names[n] = NULL;
	qsort(names, n, sizeof(*names), cmp_names);
	return names;
}

void audit_free_names(char **names)
{
	if (names == NULL)
		return;
	for (char **p = names; *p != NULL; p++)
		free(*p);
	free(names);
}

bool audit_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* "name:x:id:..." lines: the name of the entry whose third field is id. */
char *audit_id_name(struct audit *a, const char *rel, unsigned long id)
{
	char *found = NULL;
	FILE *f = audit_fopen(a, rel);
	char *line;
	size_t len;
	int rc;
	while (f != NULL && found == NULL && (rc = tool_read_line(f, 4096, &line, &len)) != 0) {
		if (rc == -3)
			break;
		if (rc < 0)
			continue;
		char *save = NULL, *name = strtok_r(line, ":", &save);
		char *pw = name != NULL ? strtok_r(NULL, ":", &save) : NULL;
		char *num = pw != NULL ? strtok_r(NULL, ":", &save) : NULL;
		char *end;
		if (num != NULL && (errno = 0, strtoul(num, &end, 10) == id) && *end == '\0' &&
		    errno == 0)
			found = xstrdup(name);
		tool_free_line(line, len);
	}
	if (f != NULL)
		fclose(f);
	if (found == NULL && id == 0)
		found = xstrdup("root"); /* even without a passwd or group file */
	if (found == NULL && asprintf(&found, "%lu", id) < 0)
		out_of_memory();
	return found;
}
