/* tool_util.c - messages, configuration, secret input, JSON and progress
 * for the credpolicy command. */
#include "tool.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

void tool_init_i18n(void)
{
	const char *dir = secure_getenv("CREDPOLICY_LOCALEDIR");
	bindtextdomain(PACKAGE, dir != NULL && *dir != '\0' ? dir : LOCALEDIR);
	bind_textdomain_codeset(PACKAGE, "UTF-8");
	textdomain(PACKAGE);
}

void tool_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", tool_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int tool_usage_error(const char *sub, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s %s: ", tool_name, sub);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fprintf(stderr, _("Try '%s %s --help' for more information.\n"), tool_name, sub);
	return EXIT_USAGE;
}

int tool_dispatch(const char *cmd, const struct tool_subcommand *subs, size_t n,
                  void (*usage)(FILE *out), int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].run(argc - 1, argv + 1);
	return tool_usage_error(cmd, _("unknown command '%s'"), argv[1]);
}

int tool_option_error(const char *sub, char **argv)
{
	return tool_usage_error(sub, _("unknown option or missing argument: '%s'"),
	                        optind > 0 ? argv[optind - 1] : "");
}

void tool_version(void)
{
	printf("credpolicy %s\n", PACKAGE_VERSION);
	printf(_("libcredpolicy %s\n"), cp_version());
	puts(_("License: LGPL-2.1-or-later. There is NO WARRANTY, to the extent permitted by law."));
}

cp_config *tool_load_config(const char *path)
{
	bool explicit_path = path != NULL;
	if (path == NULL) {
		path = getenv("CREDPOLICY_CONF");
		explicit_path = path != NULL && *path != '\0';
	}
	if (!explicit_path)
		path = cp_config_default_path();

	cp_config *cfg = NULL;
	char *msg = NULL;
	int rc = cp_config_load(path, &cfg, &msg);
	if (rc == CP_ERR_NOTFOUND && !explicit_path) {
		free(msg);
		cfg = cp_config_new_default();
		if (cfg == NULL)
			tool_error("%s", cp_strerror(CP_ERR_NOMEM));
		return cfg;
	}
	if (rc != CP_OK) {
		if (msg != NULL)
			tool_error("%s", msg);
		else
			tool_error("%s: %s", path, cp_strerror(rc));
		free(msg);
		return NULL;
	}
	return cfg;
}

cp_ledger *tool_open_ledger(const cp_config *cfg, const char *path, unsigned flags)
{
	cp_ledger *l = NULL;
	char *msg = NULL;
	int rc = cp_ledger_open(cfg, path, flags, &l, &msg);
	if (rc != CP_OK && msg != NULL)
		tool_error("%s", msg);
	else if (rc != CP_OK)
		tool_error("%s: %s", path != NULL ? path : cp_config_ledger_path(cfg),
		           cp_strerror(rc));
	if (rc == CP_ERR_NOTFOUND)
		tool_error(_("create it with '%s ledger init'"), tool_name);
	free(msg);
	return l;
}

void tool_free_line(char *line, size_t len)
{
	if (line == NULL)
		return;
	explicit_bzero(line, len);
	free(line);
}

int tool_read_line(FILE *f, size_t max, char **line, size_t *len)
{
	char *buf = malloc(max + 1);
	if (buf == NULL)
		return -3;
	size_t n = 0;
	int c;
	bool too_long = false, has_nul = false, any = false;
	while ((c = getc_unlocked(f)) != EOF) {
		any = true;
		if (c == '\n')
			break;
		if (c == '\0')
			has_nul = true;
		if (n < max)
			buf[n++] = (char)c;
		else
			too_long = true;
	}
	if (!any) {
		tool_free_line(buf, max + 1);
		return 0;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (too_long || has_nul) {
		tool_free_line(buf, max + 1);
		return too_long ? -1 : -2;
	}
	*line = buf;
	*len = n;
	return 1;
}

int tool_read_secret_tty(const char *prompt, size_t max, char **line, size_t *len)
{
	FILE *tty = fopen("/dev/tty", "r+");
	FILE *in = tty != NULL ? tty : stdin;
	FILE *out = tty != NULL ? tty : stderr;
	struct termios old, noecho;
	bool restore = false;
	if (tcgetattr(fileno(in), &old) == 0) {
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)ECHO;
		noecho.c_lflag |= ECHONL;
		restore = tcsetattr(fileno(in), TCSAFLUSH, &noecho) == 0;
	}
	fputs(prompt, out);
	fflush(out);
	int rc = tool_read_line(in, max, line, len);
	if (restore)
		tcsetattr(fileno(in), TCSAFLUSH, &old);
	if (tty != NULL)
		fclose(tty);
	return rc;
}

void tool_json_string(FILE *f, const char *s)
{
	putc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				putc(*p, f);
		}
	}
	putc('"', f);
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void tool_progress_start(tool_progress *p, const char *what, bool quiet)
{
	p->enabled = !quiet && isatty(STDERR_FILENO);
	p->what = what;
	p->last_shown = 0;
	p->started = now_seconds();
}

void tool_progress_update(tool_progress *p, unsigned long long done)
{
	if (!p->enabled || done - p->last_shown < 1000000)
		return;
	p->last_shown = done;
	double secs = now_seconds() - p->started;
	fprintf(stderr, "\r%s: %llu (%.0f/s)   ", p->what, done, secs > 0 ? (double)done / secs : 0.0);
	fflush(stderr);
}

void tool_progress_end(tool_progress *p, unsigned long long done)
{
	if (!p->enabled)
		return;
	double secs = now_seconds() - p->started;
	fprintf(stderr, "\r%s: %llu (%.1f s)   \n", p->what, done, secs);
}

/* A UTC moment, "YYYY-MM-DD" (midnight) or "YYYY-MM-DDTHH:MM:SSZ"; fields
 * that do not survive a round trip through timegm (February 30th) make it
 * invalid, and so does the epoch (0 means "now" or "never" in the ledger). */
bool tool_parse_date(const char *s, int64_t *out)
{
	struct tm tm, back;
	memset(&tm, 0, sizeof tm);
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0') {
		memset(&tm, 0, sizeof tm);
		end = strptime(s, "%Y-%m-%d", &tm);
	}
	if (end == NULL || *end != '\0')
		return false;
	int mday = tm.tm_mday, mon = tm.tm_mon; /* timegm normalises tm */
	time_t t = timegm(&tm);
	if (t == (time_t)-1 || t <= 0 || gmtime_r(&t, &back) == NULL || back.tm_mday != mday ||
	    back.tm_mon != mon)
		return false;
	*out = (int64_t)t;
	return true;
}
