/* cmd_ledger.c - credpolicy ledger: create the account ledger, and import
 * and export it as the JSON document of docs/LEDGER-FORMAT.md.
 *
 * Exit statuses: 0 done; 1 the document was rejected (every problem is
 * printed, nothing is written); 2 a usage error, or the configuration,
 * the ledger or a file could not be used. An import file holds personal
 * information: its buffer is wiped, and problems never quote its values. */
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Larger import files are refused rather than read: 100,000 people and
 * accounts take about 40 MB. */
#define IMPORT_MAX_BYTES ((size_t)1 << 30)

struct ledger_opts {
	const char *config, *ledger, *output, *actor, *file;
	bool json, dry_run, quiet;
};

static void ledger_usage(FILE *out)
{
	fprintf(out, _("Usage: %s ledger COMMAND [OPTION]...\n"), tool_name);
	fputs(_("Create the account ledger, and import or export it as JSON\n"
	        "(docs/LEDGER-FORMAT.md).\n\n"
	        "Commands:\n"
	        "  init    create the ledger, or check an existing one\n"
	        "  import  add or update people and accounts from a JSON document\n"
	        "  export  write the people and accounts as a JSON document\n"),
	      out);
	fprintf(out, _("\nRun '%s ledger COMMAND --help' for a command's options.\n"), tool_name);
}

static void init_usage(FILE *out)
{
	fprintf(out, _("Usage: %s ledger init [OPTION]...\n"), tool_name);
	fputs(_("Create the ledger (mode 0600) if it does not exist; check it and bring its\n"
	        "schema up to date if it does.\n\n"
	        "  -c, --config FILE  configuration file\n"
	        "  -l, --ledger FILE  ledger to create (default: from the configuration)\n"
	        "  -j, --json         print the result as one JSON object\n"
	        "  -h, --help         show this help and exit\n\n"
	        "Exit status: 0 if the ledger exists and is valid, 2 otherwise.\n"),
	      out);
}

static void import_usage(FILE *out)
{
	fprintf(out, _("Usage: %s ledger import [OPTION]... FILE\n"), tool_name);
	fputs(_("Add or update the people and accounts of the JSON document FILE (- for\n"
	        "standard input). The whole document is checked first; if anything is wrong\n"
	        "every problem is printed with its record and nothing is written. Otherwise\n"
	        "it is imported in one transaction.\n\n"
	        "  -c, --config FILE  configuration file\n"
	        "  -l, --ledger FILE  ledger to import into (default: from the configuration)\n"
	        "  -n, --dry-run      check and apply, then roll back: nothing is written\n"
	        "  -a, --actor NAME   who imports, for the event log (default: your user name)\n"
	        "  -j, --json         print the result as one JSON object\n"
	        "  -q, --quiet        print nothing when the import succeeds\n"
	        "  -h, --help         show this help and exit\n\n"
	        "Exit status: 0 if imported (or, with --dry-run, importable), 1 if the\n"
	        "document was rejected, 2 on a usage error or if the file or the ledger\n"
	        "cannot be used.\n"),
	      out);
}

static void export_usage(FILE *out)
{
	fprintf(out, _("Usage: %s ledger export [OPTION]...\n"), tool_name);
	fputs(_("Write every person and account of the ledger as a JSON document that\n"
	        "'ledger import' reads back: sorted, one record per line, so that two exports\n"
	        "can be compared with diff. It holds personal-information tokens: keep it\n"
	        "as safe as the ledger.\n\n"
	        "  -c, --config FILE  configuration file\n"
	        "  -l, --ledger FILE  ledger to export (default: from the configuration)\n"
	        "  -o, --output FILE  write to FILE (mode 0600, replaced atomically) instead\n"
	        "                     of standard output\n"
	        "  -h, --help         show this help and exit\n\n"
	        "Exit status: 0 on success, 2 if the ledger or the output cannot be used.\n"),
	      out);
}

/* Options of all three commands; shorts says which one takes. Returns -1
 * after --help. */
static int parse_ledger_args(int argc, char **argv, const char *sub, const char *shorts,
                             void (*usage)(FILE *), struct ledger_opts *o)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"ledger", required_argument, NULL, 'l'},
	    {"output", required_argument, NULL, 'o'},
	    {"actor", required_argument, NULL, 'a'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"json", no_argument, NULL, 'j'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		if (c == '?' || strchr(shorts, c) == NULL)
			return tool_option_error(sub, argv);
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'l':
			o->ledger = optarg;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'a':
			o->actor = optarg;
			break;
		case 'n':
			o->dry_run = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		}
	}
	return EXIT_OK;
}

static const char *ledger_path(const cp_config *cfg, const struct ledger_opts *o)
{
	return o->ledger != NULL ? o->ledger : cp_config_ledger_path(cfg);
}

/* ---- init ---- */

static int ledger_init(int argc, char **argv)
{
	struct ledger_opts o = {0};
	int status = parse_ledger_args(argc, argv, "ledger init", "c:l:jh", init_usage, &o);
	if (status != EXIT_OK)
		return status < 0 ? EXIT_OK : status;
	if (optind < argc)
		return tool_usage_error("ledger init", _("unexpected argument '%s'"), argv[optind]);
	cp_config *cfg = tool_load_config(o.config);
	if (cfg == NULL)
		return EXIT_USAGE;
	const char *path = ledger_path(cfg, &o);
	bool existed = access(path, F_OK) == 0;
	cp_ledger *l = tool_open_ledger(cfg, o.ledger, CP_LEDGER_CREATE);
	if (l != NULL && o.json) {
		fputs("{\"ledger\": ", stdout);
		tool_json_string(stdout, path);
		printf(", \"created\": %s, \"schema_version\": %d}\n", existed ? "false" : "true",
		       cp_ledger_schema_version(l));
	} else if (l != NULL) {
		printf(existed ? _("%s: the ledger is ready (schema version %d)\n")
		               : _("%s: created the ledger (schema version %d)\n"),
		       path, cp_ledger_schema_version(l));
	}
	status = l != NULL ? EXIT_OK : EXIT_USAGE;
	cp_ledger_close(l);
	cp_config_free(cfg);
	return status;
}

/* ---- import ---- */

/* A buffer that held personal information. */
static void free_wiped(char *buf, size_t cap)
{
	if (buf != NULL)
		explicit_bzero(buf, cap);
	free(buf);
}

/* Grow *buf to hold more: a new buffer and a wiped old one, since realloc
 * would leave a copy of the old contents behind. */
static bool grow_buffer(char **buf, size_t len, size_t *cap)
{
	size_t ncap = *cap != 0 ? 2 * *cap : (size_t)1 << 16;
	char *nbuf = malloc(ncap);
	if (nbuf == NULL)
		return false;
	if (*buf != NULL)
		memcpy(nbuf, *buf, len);
	free_wiped(*buf, *cap);
	*buf = nbuf;
	*cap = ncap;
	return true;
}

/* Read all of f; false (with a message) on a read error or a file over
 * IMPORT_MAX_BYTES. */
static bool read_all(FILE *f, const char *name, char **buf, size_t *len, size_t *cap)
{
	size_t n;
	do {
		if (*len == *cap && *cap >= IMPORT_MAX_BYTES) {
			tool_error(_("%s: the file is larger than 1 GiB"), name);
			return false;
		}
		if (*len == *cap && !grow_buffer(buf, *len, cap)) {
			tool_error("%s: %s", name, cp_strerror(CP_ERR_NOMEM));
			return false;
		}
		n = fread(*buf + *len, 1, *cap - *len, f);
		*len += n;
	} while (n > 0);
	if (ferror(f)) {
		tool_error(_("error reading %s: %s"), name, strerror(errno));
		return false;
	}
	return true;
}

/* The document of FILE, or of standard input for "-". */
static bool read_document(const char *file, char **buf, size_t *len, size_t *cap)
{
	bool is_stdin = strcmp(file, "-") == 0;
	const char *name = is_stdin ? _("standard input") : file;
	FILE *f = is_stdin ? stdin : fopen(file, "re");
	if (f == NULL) {
		tool_error(_("cannot open %s: %s"), file, strerror(errno));
		return false;
	}
	setvbuf(f, NULL, _IONBF, 0); /* no stdio copy of the contents */
	bool ok = read_all(f, name, buf, len, cap);
	if (!is_stdin)
		fclose(f);
	return ok;
}

/* Who imports, for the event log: --actor, else the user running this. */
static const char *import_actor(const struct ledger_opts *o)
{
	if (o->actor != NULL)
		return o->actor;
	struct passwd *pw = getpwuid(getuid());
	return pw != NULL ? pw->pw_name : "";
}

/* The counts written by the import into its event: "people=N accounts=M
 * custodians=K". Read back rather than counted again, so that what is
 * shown is what the log says. */
struct import_counts {
	unsigned long long people, accounts, custodians;
};

static int last_import_event(const cp_event *ev, void *ctx)
{
	struct import_counts *c = ctx;
	const char *d = cp_event_detail(ev);
	if (strcmp(cp_event_kind(ev), "import") == 0 && d != NULL)
		sscanf(d, "people=%llu accounts=%llu custodians=%llu", &c->people, &c->accounts,
		       &c->custodians);
	return 0;
}

static void print_problems_json(const char *problems)
{
	fputs("{\"ok\": false, \"problems\": [", stdout);
	for (const char *p = problems; *p != '\0';) {
		size_t n = strcspn(p, "\n");
		char *line = strndup(p, n);
		if (p != problems)
			fputs(", ", stdout);
		tool_json_string(stdout, line != NULL ? line : "");
		free(line);
		p += n + (p[n] == '\n');
	}
	puts("]}");
}

/* Every problem, one per line, as "FILE: record.field: message". */
static void print_rejection(const struct ledger_opts *o, const char *problems)
{
	if (o->json) {
		print_problems_json(problems);
		return;
	}
	const char *name = strcmp(o->file, "-") == 0 ? _("standard input") : o->file;
	size_t count = 0;
	for (const char *p = problems; *p != '\0';) {
		size_t n = strcspn(p, "\n");
		fprintf(stderr, "%s: %.*s\n", name, (int)n, p);
		p += n + (p[n] == '\n');
		count++;
	}
	tool_error(ngettext("%s: import rejected (%zu problem); nothing was written",
	                    "%s: import rejected (%zu problems); nothing was written", count),
	           name, count);
}

static void print_imported(const struct ledger_opts *o, const char *path,
                           const struct import_counts *c)
{
	if (o->json) {
		printf("{\"ok\": true, \"dry_run\": %s, \"ledger\": ",
		       o->dry_run ? "true" : "false");
		tool_json_string(stdout, path);
		printf(", \"people\": %llu, \"accounts\": %llu, \"custodians\": %llu}\n", c->people,
		       c->accounts, c->custodians);
		return;
	}
	if (o->quiet)
		return;
	printf(o->dry_run ? _("%s: the document can be imported (dry run: nothing was written)\n")
	                  : _("%s: imported\n"),
	       path);
	printf(_("  people:     %llu\n"), c->people);
	printf(_("  accounts:   %llu\n"), c->accounts);
	printf(_("  custodians: %llu\n"), c->custodians);
}

/* Import inside our own transaction, so that the counts can be read from
 * the import's event before it commits (or, for a dry run, rolls back). */
static int run_import(cp_ledger *l, const struct ledger_opts *o, const char *doc, size_t len,
                      struct import_counts *counts, char **msg)
{
	int64_t started = (int64_t)time(NULL);
	int rc = cp_ledger_begin(l);
	if (rc == CP_OK)
		rc = cp_ledger_import_json(l, doc, len, import_actor(o), msg);
	if (rc == CP_OK)
		rc = cp_ledger_events(l, started, last_import_event, counts);
	if (rc == CP_OK && !o->dry_run)
		return cp_ledger_commit(l);
	cp_ledger_rollback(l);
	return rc;
}

/* The document is read and the ledger opened; import it and report. */
static int import_document(cp_ledger *l, const struct ledger_opts *o, const char *path,
                           const char *doc, size_t len)
{
	struct import_counts counts = {0};
	char *msg = NULL;
	tool_progress progress;
	tool_progress_start(&progress, _("records imported"), o->quiet || o->json);
	if (progress.enabled) {
		fprintf(stderr, _("importing %s..."), o->file);
		fputc('\r', stderr); /* the end of the progress line overwrites it */
	}
	int rc = run_import(l, o, doc, len, &counts, &msg);
	if (rc == CP_OK)
		tool_progress_end(&progress, counts.people + counts.accounts);
	else if (progress.enabled)
		fputc('\n', stderr);
	int status = EXIT_OK;
	if (rc == CP_OK) {
		print_imported(o, path, &counts);
	} else if (rc == CP_ERR_INVAL && msg != NULL) {
		print_rejection(o, msg);
		status = EXIT_REJECTED;
	} else {
		tool_error("%s: %s", path, msg != NULL ? msg : cp_strerror(rc));
		status = EXIT_USAGE;
	}
	free(msg);
	return status;
}

static int ledger_import(int argc, char **argv)
{
	struct ledger_opts o = {0};
	int status = parse_ledger_args(argc, argv, "ledger import", "c:l:a:njqh", import_usage, &o);
	if (status != EXIT_OK)
		return status < 0 ? EXIT_OK : status;
	if (argc - optind != 1)
		return tool_usage_error("ledger import",
		                        _("expected one FILE (- for standard input)"));
	o.file = argv[optind];
	char *doc = NULL;
	size_t len = 0, cap = 0;
	cp_config *cfg = tool_load_config(o.config);
	cp_ledger *l = NULL;
	status = EXIT_USAGE;
	if (cfg != NULL && read_document(o.file, &doc, &len, &cap))
		l = tool_open_ledger(cfg, o.ledger, 0);
	if (l != NULL)
		status = import_document(l, &o, ledger_path(cfg, &o), doc, len);
	cp_ledger_close(l);
	cp_config_free(cfg);
	free_wiped(doc, cap);
	return status;
}

/* ---- export ---- */

/* Write buf to path atomically: a temporary file in the same directory,
 * mode 0600 whatever the umask (the export holds personal tokens),
 * fsync, rename. */
static bool write_atomically(const char *path, const char *buf, size_t len)
{
	char *tmp = malloc(strlen(path) + sizeof(".XXXXXX"));
	if (tmp == NULL)
		return false;
	strcpy(stpcpy(tmp, path), ".XXXXXX");
	int fd = mkostemp(tmp, O_CLOEXEC);
	bool ok = fd >= 0 && fchmod(fd, 0600) == 0;
	for (size_t done = 0; ok && done < len;) {
		ssize_t n = write(fd, buf + done, len - done);
		ok = n > 0 || (n < 0 && errno == EINTR);
		done += n > 0 ? (size_t)n : 0;
	}
	ok = ok && fsync(fd) == 0;
	if (fd >= 0 && close(fd) != 0)
		ok = false;
	ok = ok && rename(tmp, path) == 0;
	if (!ok) {
		int err = errno;
		if (fd >= 0)
			unlink(tmp);
		tool_error(_("cannot write %s: %s"), path, strerror(err));
	}
	free(tmp);
	return ok;
}

static bool write_stdout(const char *buf, size_t len)
{
	if (fwrite(buf, 1, len, stdout) == len && fflush(stdout) == 0)
		return true;
	tool_error(_("cannot write %s: %s"), _("standard output"), strerror(errno));
	return false;
}

static int ledger_export(int argc, char **argv)
{
	struct ledger_opts o = {0};
	int status = parse_ledger_args(argc, argv, "ledger export", "c:l:o:h", export_usage, &o);
	if (status != EXIT_OK)
		return status < 0 ? EXIT_OK : status;
	if (optind < argc)
		return tool_usage_error("ledger export", _("unexpected argument '%s'"),
		                        argv[optind]);
	cp_config *cfg = tool_load_config(o.config);
	cp_ledger *l = cfg != NULL ? tool_open_ledger(cfg, o.ledger, CP_LEDGER_READONLY) : NULL;
	char *doc = NULL;
	size_t len = 0;
	status = EXIT_USAGE;
	int rc = l != NULL ? cp_ledger_export_json(l, &doc, &len) : CP_OK;
	if (rc != CP_OK)
		tool_error("%s: %s", ledger_path(cfg, &o), cp_strerror(rc));
	else if (doc != NULL &&
	         (o.output != NULL ? write_atomically(o.output, doc, len) : write_stdout(doc, len)))
		status = EXIT_OK;
	free_wiped(doc, len);
	cp_ledger_close(l);
	cp_config_free(cfg);
	return status;
}

int cmd_ledger(int argc, char **argv)
{
	static const struct tool_subcommand subs[] = {
	    {"init", ledger_init},
	    {"import", ledger_import},
	    {"export", ledger_export},
	};
	return tool_dispatch("ledger", subs, sizeof(subs) / sizeof(subs[0]), ledger_usage, argc,
	                     argv);
}
