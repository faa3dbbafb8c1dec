/* shadow_backend.c - /etc/shadow changed safely (see shadow_backend.h).
 *
 * Why not chpasswd -e, usermod -L and chage -d 0: three programs mean
 * three rewrites of the file for one reset (and 10,000 for a custodian of
 * 10,000 local accounts), the hash would pass through a pipe to another
 * process, and none of them can work on a test root without privileges.
 * Doing it here with the same rules as shadow-utils - lckpwdf, a new file
 * written beside the old one with its owner and mode, fsync, rename(2),
 * fsync of the directory - gives one atomic replace per command.
 *
 * Lines other than the ones changed are written back byte for byte.
 * Every buffer that held the file (hashes) is wiped. */
#include "shadow_backend.h"

#include "tool.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <shadow.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define SHADOW_MAX_BYTES ((size_t)64 << 20)
/* The file's SELinux label; copied as bytes, without libselinux. */
#define LABEL_XATTR "security.selinux"
#define LABEL_MAX   4096

struct shadow_file {
	char *path, *dir; /* for messages */
	int dir_fd;       /* ROOT/etc: every access is relative to it */
	int lock_fd;      /* -1 when lckpwdf holds the real lock */
	bool locked, modified, read_only;
	struct stat st;
	char *label; /* security.selinux of the file, or NULL */
	size_t label_len;
	char **lines; /* without their newline */
	size_t n;
	bool final_newline;
};

static void set_err(char **errmsg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(char **errmsg, const char *fmt, ...)
{
	va_list ap;
	free(*errmsg);
	*errmsg = NULL;
	va_start(ap, fmt);
	if (vasprintf(errmsg, fmt, ap) < 0)
		*errmsg = NULL;
	va_end(ap);
}

static void wipe_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* ------------------------------------------------------------ locking */

/* The lock shadow-utils take, on the test root's own lock file. */
static int lock_root(struct shadow_file *s, char **errmsg)
{
	s->lock_fd =
	    openat(s->dir_fd, ".pwd.lock", O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	/* lckpwdf waits 15 seconds; so do we. */
	int tries = 150;
	while (s->lock_fd >= 0 && fcntl(s->lock_fd, F_SETLK, &fl) != 0 && --tries > 0)
		usleep(100000);
	if (s->lock_fd < 0 || tries == 0) {
		int err = errno;
		char *path = NULL;
		if (asprintf(&path, "%s/.pwd.lock", s->dir) < 0)
			path = NULL;
		set_err(errmsg, _("cannot lock %s: %s"), path != NULL ? path : s->dir,
		        strerror(err));
		free(path);
		if (s->lock_fd >= 0)
			close(s->lock_fd);
		s->lock_fd = -1;
		return -1;
	}
	s->locked = true;
	return 0;
}

static int lock_shadow(struct shadow_file *s, bool real, char **errmsg)
{
	s->lock_fd = -1;
	if (s->read_only)
		return 0; /* a dry run reads a snapshot; it creates no lock file */
	if (!real)
		return lock_root(s, errmsg);
	if (lckpwdf() != 0) {
		set_err(errmsg, _("cannot lock the password files (lckpwdf): %s"), strerror(errno));
		return -1;
	}
	s->locked = true;
	return 0;
}

static void unlock_shadow(struct shadow_file *s)
{
	if (!s->locked)
		return;
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	else
		ulckpwdf();
	s->locked = false;
}

/* ROOT/etc, opened once: ROOT may be a link the operator named, etc may
 * not be one. */
static int open_dir(struct shadow_file *s, const char *root, char **errmsg)
{
	int rfd = open(root != NULL ? root : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	s->dir_fd =
	    rfd >= 0 ? openat(rfd, "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
	int err = errno;
	if (rfd >= 0)
		close(rfd);
	if (s->dir_fd >= 0)
		return 0;
	set_err(errmsg, _("cannot open %s: %s"), s->dir, strerror(err));
	return -1;
}

/* ------------------------------------------------------------ reading */

static int read_file(int fd, const char *path, char **buf, size_t *len, char **errmsg)
{
	size_t cap = 0;
	*buf = NULL;
	*len = 0;
	for (;;) {
		if (*len == cap) {
			size_t ncap = cap != 0 ? 2 * cap : 65536;
			char *nb = ncap <= SHADOW_MAX_BYTES ? malloc(ncap + 1) : NULL;
			if (nb == NULL) {
				set_err(errmsg, _("%s: file too large"), path);
				return -1;
			}
			if (*buf != NULL)
				memcpy(nb, *buf, *len);
			if (*buf != NULL)
				explicit_bzero(*buf, cap);
			free(*buf);
			*buf = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, *buf + *len, cap - *len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			set_err(errmsg, _("cannot read %s: %s"), path, strerror(errno));
			return -1;
		}
		if (r == 0)
			break;
		*len += (size_t)r;
	}
	(*buf)[*len] = '\0';
	return 0;
}

static int split_lines(struct shadow_file *s, const char *buf, size_t len)
{
	s->final_newline = len > 0 && buf[len - 1] == '\n';
	for (const char *p = buf; p < buf + len;) {
		const char *nl = memchr(p, '\n', (size_t)(buf + len - p));
		size_t k = nl != NULL ? (size_t)(nl - p) : (size_t)(buf + len - p);
		char **v = realloc(s->lines, (s->n + 1) * sizeof(*v));
		if (v == NULL)
			return -1;
		s->lines = v;
		if ((v[s->n] = strndup(p, k)) == NULL)
			return -1;
		s->n++;
		p += k + 1;
	}
	return 0;
}

/* The file's security label, if it has one. */
static int read_label(struct shadow_file *s, int fd, char **errmsg)
{
	char buf[LABEL_MAX];
	ssize_t n = fgetxattr(fd, LABEL_XATTR, buf, sizeof(buf));
	if (n < 0 && (errno == ENODATA || errno == ENOTSUP))
		return 0;
	if (n < 0 || (s->label = malloc((size_t)n + 1)) == NULL) {
		set_err(errmsg, _("cannot read the security label of %s: %s"), s->path,
		        strerror(n < 0 ? errno : ENOMEM));
		return -1;
	}
	memcpy(s->label, buf, (size_t)n);
	s->label_len = (size_t)n;
	return 0;
}

static int load(struct shadow_file *s, char **errmsg)
{
	int fd = openat(s->dir_fd, "shadow", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &s->st) != 0) {
		set_err(errmsg, _("cannot read %s: %s"), s->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(s->st.st_mode)) {
		set_err(errmsg, _("%s is not a regular file"), s->path);
		close(fd);
		return -1;
	}
	char *buf = NULL;
	size_t len = 0;
	int rc = read_label(s, fd, errmsg);
	if (rc == 0)
		rc = read_file(fd, s->path, &buf, &len, errmsg);
	close(fd);
	if (rc == 0 && memchr(buf, '\0', len) != NULL) {
		set_err(errmsg, _("%s contains a NUL byte: it is not changed"), s->path);
		rc = -1;
	}
	if (rc == 0 && split_lines(s, buf, len) != 0) {
		set_err(errmsg, "%s", strerror(ENOMEM));
		rc = -1;
	}
	if (buf != NULL)
		explicit_bzero(buf, len);
	free(buf);
	return rc;
}

int shadow_open(const char *root, bool read_only, struct shadow_file **out, char **errmsg)
{
	*out = NULL;
	*errmsg = NULL;
	if (root != NULL && (*root == '\0' || strcmp(root, "/") == 0))
		root = NULL;
	struct shadow_file *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -1;
	s->lock_fd = -1;
	s->dir_fd = -1;
	s->read_only = read_only;
	const char *top = root != NULL ? root : "";
	if (asprintf(&s->path, "%s/etc/shadow", top) < 0)
		s->path = NULL;
	if (asprintf(&s->dir, "%s/etc", top) < 0)
		s->dir = NULL;
	if (s->path == NULL || s->dir == NULL) {
		shadow_close(s);
		return -1;
	}
	if (open_dir(s, root, errmsg) != 0 || lock_shadow(s, root == NULL, errmsg) != 0 ||
	    load(s, errmsg) != 0) {
		shadow_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

const char *shadow_path(const struct shadow_file *s)
{
	return s->path;
}

/* ------------------------------------------------------------ changing */

/* The line of name, or -1. */
static long find_line(const struct shadow_file *s, const char *name)
{
	size_t k = strlen(name);
	if (k == 0 || strchr(name, ':') != NULL)
		return -1; /* "root:x" must not match root's line */
	for (size_t i = 0; i < s->n; i++)
		if (strncmp(s->lines[i], name, k) == 0 && s->lines[i][k] == ':')
			return (long)i;
	return -1;
}

bool shadow_has(const struct shadow_file *s, const char *name)
{
	return s != NULL && find_line(s, name) >= 0;
}

/* Fields of a shadow(5) line: 9, separated by ':'. Cut in place. */
#define FIELDS 9
static bool split_fields(char *line, char *f[FIELDS])
{
	size_t i = 0;
	for (char *p = line; i < FIELDS; i++) {
		f[i] = p;
		char *c = strchr(p, ':');
		if (c == NULL)
			break;
		*c = '\0';
		p = c + 1;
	}
	return i == FIELDS - 1;
}

/* Rebuild line i with field k replaced by value. */
static int replace_field(struct shadow_file *s, const char *name, int k, const char *value,
                         bool *changed, char **errmsg)
{
	long i = find_line(s, name);
	char *copy = i >= 0 ? strdup(s->lines[i]) : NULL;
	char *f[FIELDS];
	if (i < 0 || copy == NULL || !split_fields(copy, f)) {
		set_err(errmsg,
		        i < 0 ? _("%s: no line for '%s'") : _("%s: the line of '%s' is damaged"),
		        s->path, name);
		wipe_free(copy);
		return -1;
	}
	*changed = strcmp(f[k], value) != 0;
	f[k] = (char *)value;
	size_t len = FIELDS;
	for (int j = 0; j < FIELDS; j++)
		len += strlen(f[j]);
	char *line = malloc(len);
	for (int j = 0; line != NULL && j < FIELDS; j++) {
		if (j == 0)
			strcpy(line, f[0]);
		else {
			strcat(line, ":");
			strcat(line, f[j]);
		}
	}
	wipe_free(copy);
	if (line == NULL)
		return -1;
	wipe_free(s->lines[i]);
	s->lines[i] = line;
	s->modified = s->modified || *changed;
	return 0;
}

/* Field k of name's line, malloc'ed. */
static char *get_field(const struct shadow_file *s, const char *name, int k)
{
	long i = find_line(s, name);
	char *copy = i >= 0 ? strdup(s->lines[i]) : NULL;
	char *f[FIELDS], *v = NULL;
	if (copy != NULL && split_fields(copy, f))
		v = strdup(f[k]);
	wipe_free(copy);
	return v;
}

int shadow_must_change(struct shadow_file *s, const char *name, bool *changed, char **errmsg)
{
	return replace_field(s, name, 2, "0", changed, errmsg);
}

int shadow_lock(struct shadow_file *s, const char *name, bool *changed, char **errmsg)
{
	char *hash = get_field(s, name, 1);
	char *locked = NULL;
	bool expired = false;
	int rc = -1;
	if (hash == NULL)
		set_err(errmsg, _("%s: no usable line for '%s'"), s->path, name);
	else if (hash[0] == '!')
		rc = 0;
	else if (asprintf(&locked, "!%s", hash) < 0) {
		locked = NULL;
		set_err(errmsg, "%s", strerror(ENOMEM));
	} else
		rc = replace_field(s, name, 1, locked, changed, errmsg);
	/* Expired since day 1 (usermod -e 1): no login without a password
	 * either. Field 8 counts days since 1970-01-01. */
	if (rc == 0)
		rc = replace_field(s, name, 7, "1", &expired, errmsg);
	*changed = rc == 0 && (locked != NULL || expired);
	wipe_free(hash);
	wipe_free(locked);
	return rc;
}

/* The hash of password with a new salt of the host's preferred method. */
static char *make_hash(const char *password)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	char *setting = crypt_gensalt_ra(NULL, 0, NULL, 0);
	char *out = NULL;
	if (cd != NULL && setting != NULL) {
		const char *h = crypt_rn(password, setting, cd, (int)sizeof(*cd));
		if (h != NULL && h[0] == '$')
			out = strdup(h);
	}
	if (cd != NULL)
		explicit_bzero(cd, sizeof(*cd));
	free(cd);
	free(setting);
	return out;
}

int shadow_set_password(struct shadow_file *s, const char *name, const char *password,
                        char **errmsg)
{
	char *old = get_field(s, name, 1);
	char *hash = NULL;
	bool changed = false;
	int rc = -1;
	if (old == NULL)
		set_err(errmsg, _("%s: no usable line for '%s'"), s->path, name);
	else if (old[0] == '!')
		set_err(errmsg,
		        _("%s: '%s' is locked there (\"!\"): unlock it first (usermod -U), or give "
		          "the person a new account"),
		        s->path, name);
	else if ((hash = make_hash(password)) == NULL)
		set_err(errmsg, _("cannot hash the new password with the host's method"));
	else
		rc = replace_field(s, name, 1, hash, &changed, errmsg);
	if (rc == 0)
		rc = shadow_must_change(s, name, &changed, errmsg);
	wipe_free(old);
	wipe_free(hash);
	return rc;
}

/* ------------------------------------------------------------ writing */

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int write_lines(const struct shadow_file *s, int fd)
{
	for (size_t i = 0; i < s->n; i++) {
		if (write_all(fd, s->lines[i], strlen(s->lines[i])) != 0)
			return -1;
		if ((i + 1 < s->n || s->final_newline) && write_all(fd, "\n", 1) != 0)
			return -1;
	}
	return 0;
}

/* A new file beside the shadow file, mode 0600 until it is ready. */
static int create_temp(const struct shadow_file *s, char name[32])
{
	for (int tries = 0; tries < 100; tries++) {
		unsigned char r[6];
		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
			return -1;
		snprintf(name, 32, "nshadow.%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4],
		         r[5]);
		int fd = openat(s->dir_fd, name,
		                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

/* Owner, mode and security label of the old file, then the lines. */
static bool fill_temp(const struct shadow_file *s, int fd)
{
	if (fchown(fd, s->st.st_uid, s->st.st_gid) != 0 || fchmod(fd, s->st.st_mode & 07777) != 0)
		return false;
	if (s->label != NULL && fsetxattr(fd, LABEL_XATTR, s->label, s->label_len, 0) != 0)
		return false;
	return write_lines(s, fd) == 0 && fsync(fd) == 0;
}

int shadow_commit(struct shadow_file *s, char **errmsg)
{
	if (!s->modified)
		return 0;
	if (s->read_only) {
		set_err(errmsg, _("cannot replace %s: %s"), s->path, strerror(EROFS));
		return -1;
	}
	char tmp[32] = "";
	int fd = create_temp(s, tmp);
	bool ok = fd >= 0 && fill_temp(s, fd);
	int err = errno;
	if (fd >= 0 && close(fd) != 0 && ok) {
		ok = false;
		err = errno;
	}
	if (ok && renameat(s->dir_fd, tmp, s->dir_fd, "shadow") != 0) {
		ok = false;
		err = errno;
	}
	if (!ok) {
		if (fd >= 0)
			unlinkat(s->dir_fd, tmp, 0);
		set_err(errmsg, _("cannot replace %s: %s"), s->path, strerror(err));
		return -1;
	}
	/* Renamed: the change is made; an unsynced directory is worth a
	 * warning, not a failure that would make the caller report a
	 * change as not made. */
	s->modified = false;
	if (fsync(s->dir_fd) != 0)
		tool_error(_("warning: cannot sync %s: %s"), s->dir, strerror(errno));
	return 0;
}

void shadow_close(struct shadow_file *s)
{
	if (s == NULL)
		return;
	unlock_shadow(s);
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	for (size_t i = 0; i < s->n; i++)
		wipe_free(s->lines[i]);
	free(s->lines);
	free(s->label);
	free(s->path);
	free(s->dir);
	free(s);
}
