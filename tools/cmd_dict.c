/* cmd_dict.c - credpolicy dict: build, verify, describe and query the
 * banned-password index (R4, R5).
 *
 * Word lists are read with getline over a 1 MiB stdio buffer: building
 * from tens of millions of lines is bound by hashing, not by reading.
 * Lists of leaked passwords and the candidates given to "lookup" are
 * secrets of a sort, so every buffer that held them is wiped. */
#include "tool.h" /* first: config.h sets the feature macros */

#include "index_format.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Entries longer than this are skipped: no password checked is that long
 * in a word of its own, and stray binary lines are. */
#define ENTRY_MAX_BYTES 255
#define INPUT_BUF_SIZE  ((size_t)1 << 20)

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void dict_usage(FILE *out)
{
	fprintf(out, _("Usage: %s dict COMMAND [OPTION]... [FILE]\n"), tool_name);
	fputs(_("Build, verify and query the banned-password index (rules R4 and R5).\n\n"
	        "Commands:\n"
	        "  build   build an index from word, password and command lists\n"
	        "  verify  check an index file against its checksum\n"
	        "  info    show the size and false-positive rate of an index\n"
	        "  lookup  look up strings read from standard input\n"),
	      out);
	fprintf(out, _("\nRun '%s dict COMMAND --help' for a command's options.\n"), tool_name);
}

/* ---- reading lists ---- */

/* An input stream with its own buffer, so that the buffer can be wiped.
 * "-" is standard input (through a duplicate descriptor: closing the
 * stream leaves stdin alone). */
struct input {
	FILE *f;
	char *buf;
	char *line;
	size_t cap;
};

static bool input_open(struct input *in, const char *path)
{
	memset(in, 0, sizeof *in);
	if (strcmp(path, "-") == 0) {
		int fd = dup(STDIN_FILENO);
		in->f = fd >= 0 ? fdopen(fd, "r") : NULL;
		if (in->f == NULL && fd >= 0)
			close(fd);
	} else {
		in->f = fopen(path, "re");
	}
	if (in->f == NULL) {
		tool_error(_("cannot open %s: %s"), path, strerror(errno));
		return false;
	}
	in->buf = malloc(INPUT_BUF_SIZE);
	if (in->buf != NULL)
		setvbuf(in->f, in->buf, _IOFBF, INPUT_BUF_SIZE);
	return true;
}

/* Next line without its end (\n or \r\n); -1 at the end of input. */
static ssize_t input_line(struct input *in)
{
	ssize_t len = getline(&in->line, &in->cap, in->f);
	if (len > 0 && in->line[len - 1] == '\n')
		len--;
	if (len > 0 && in->line[len - 1] == '\r')
		len--;
	return len;
}

/* Close; false (with a message) if reading failed. */
static bool input_close(struct input *in, const char *path)
{
	bool ok = !ferror(in->f);
	if (!ok)
		tool_error(_("error reading %s: %s"), path, strerror(errno));
	fclose(in->f);
	if (in->buf != NULL)
		explicit_bzero(in->buf, INPUT_BUF_SIZE);
	free(in->buf);
	if (in->line != NULL)
		explicit_bzero(in->line, in->cap);
	free(in->line);
	return ok;
}

/* ---- build ---- */

struct source {
	cp_entry_kind kind;
	const char *path;
};

struct build_opts {
	const char *output;
	struct source *src;
	size_t nsrc;
	double fp_rate;
	bool from_path, quiet, json;
};

struct build_stats {
	unsigned long long read, added, skipped;
	tool_progress progress;
};

static void build_usage(FILE *out)
{
	fprintf(out, _("Usage: %s dict build --output FILE [OPTION]...\n"), tool_name);
	fputs(_("Build a banned-password index from lists with one entry per line.\n"
	        "Lines that are empty, start with '#', are longer than 255 bytes or are not\n"
	        "valid UTF-8 are skipped; so are words with an apostrophe or of fewer than\n"
	        "3 characters. Entries are compared case-insensitively (NFKC, case folded).\n\n"
	        "  -o, --output FILE        index to write (replaced atomically)\n"
	        "  -w, --words FILE         dictionary words (may be repeated; - is stdin)\n"
	        "  -p, --passwords FILE     common or leaked passwords (may be repeated)\n"
	        "  -c, --commands FILE      command names (may be repeated)\n"
	        "      --commands-from-path add the executable files in the absolute\n"
	        "                           directories of $PATH as command names\n"
	        "      --fp-rate X          false-positive rate, 0 < X < 1 (default 1e-9)\n"
	        "  -q, --quiet              no progress and no summary\n"
	        "  -j, --json               print the summary as one JSON object\n"
	        "  -h, --help               show this help and exit\n\n"
	        "Exit status: 0 on success, 2 on a usage, input or output error.\n"),
	      out);
}

/* Whether a line is an entry at all; words also need 3 characters and no
 * apostrophe (possessives such as "dictionary's" in the system list). */
static bool entry_wanted(const char *s, size_t len, cp_entry_kind kind)
{
	if (len == 0 || len > ENTRY_MAX_BYTES || s[0] == '#')
		return false;
	if (kind != CP_ENTRY_WORD)
		return true;
	if (memchr(s, '\'', len) != NULL)
		return false;
	size_t chars = 0;
	for (size_t i = 0; i < len && chars < 3; i++)
		chars += ((unsigned char)s[i] & 0xc0) != 0x80;
	return chars >= 3;
}

/* Add one entry, counting it; false only on a fatal error. */
static bool add_entry(cp_index_builder *b, cp_entry_kind kind, const char *s, size_t len,
                      struct build_stats *st)
{
	st->read++;
	tool_progress_update(&st->progress, st->read);
	if (!entry_wanted(s, len, kind)) {
		st->skipped++;
		return true;
	}
	int rc = cp_index_builder_add(b, kind, s, len);
	if (rc == CP_ERR_UTF8) {
		st->skipped++;
		return true;
	}
	if (rc != CP_OK) {
		tool_error("%s", cp_strerror(rc));
		return false;
	}
	st->added++;
	return true;
}

static bool add_list(cp_index_builder *b, const struct source *src, struct build_stats *st)
{
	struct input in;
	if (!input_open(&in, src->path))
		return false;
	bool ok = true;
	ssize_t len;
	while (ok && (len = input_line(&in)) >= 0)
		ok = add_entry(b, src->kind, in.line, (size_t)len, st);
	return input_close(&in, src->path) && ok;
}

static bool is_command(int dfd, const char *name)
{
	struct stat st;
	return fstatat(dfd, name, &st, 0) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0;
}

/* Executable regular files (symbolic links followed) in $PATH. Relative
 * entries are left out: they would add whatever directory the build runs
 * in. Missing directories are normal in a PATH and ignored. */
static bool add_path_commands(cp_index_builder *b, struct build_stats *st)
{
	const char *env = getenv("PATH");
	char *path = strdup(env != NULL ? env : "");
	if (path == NULL)
		return false;
	bool ok = true;
	char *save = NULL;
	for (char *dir = strtok_r(path, ":", &save); ok && dir != NULL;
	     dir = strtok_r(NULL, ":", &save)) {
		DIR *d = dir[0] == '/' ? opendir(dir) : NULL;
		if (d == NULL)
			continue;
		struct dirent *e;
		while (ok && (e = readdir(d)) != NULL)
			if (e->d_name[0] != '.' && is_command(dirfd(d), e->d_name))
				ok = add_entry(b, CP_ENTRY_COMMAND, e->d_name, strlen(e->d_name),
				               st);
		closedir(d);
	}
	free(path);
	return ok;
}

static bool parse_rate(const char *arg, double *out)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(arg, &end);
	if (errno != 0 || end == arg || *end != '\0' || !(v > 0 && v < 1))
		return false;
	*out = v;
	return true;
}

static int add_source(struct build_opts *o, cp_entry_kind kind, const char *path)
{
	struct source *s = realloc(o->src, (o->nsrc + 1) * sizeof *s);
	if (s == NULL) {
		tool_error("%s", cp_strerror(CP_ERR_NOMEM));
		return EXIT_USAGE;
	}
	o->src = s;
	o->src[o->nsrc++] = (struct source){kind, path};
	return EXIT_OK;
}

enum { OPT_FROM_PATH = 256, OPT_FP_RATE };

static int parse_build_opt(int c, struct build_opts *o, char **argv)
{
	switch (c) {
	case 'o':
		o->output = optarg;
		return EXIT_OK;
	case 'w':
		return add_source(o, CP_ENTRY_WORD, optarg);
	case 'p':
		return add_source(o, CP_ENTRY_PASSWORD, optarg);
	case 'c':
		return add_source(o, CP_ENTRY_COMMAND, optarg);
	case OPT_FROM_PATH:
		o->from_path = true;
		return EXIT_OK;
	case OPT_FP_RATE:
		if (!parse_rate(optarg, &o->fp_rate))
			return tool_usage_error("dict build",
			                        _("invalid --fp-rate '%s' "
			                          "(need a number between 0 and 1)"),
			                        optarg);
		return EXIT_OK;
	case 'q':
		o->quiet = true;
		return EXIT_OK;
	case 'j':
		o->json = true;
		return EXIT_OK;
	case 'h':
		build_usage(stdout);
		return -1;
	default:
		return tool_option_error("dict build", argv);
	}
}

static int parse_build_args(int argc, char **argv, struct build_opts *o)
{
	static const struct option longopts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"words", required_argument, NULL, 'w'},
	    {"passwords", required_argument, NULL, 'p'},
	    {"commands", required_argument, NULL, 'c'},
	    {"commands-from-path", no_argument, NULL, OPT_FROM_PATH},
	    {"fp-rate", required_argument, NULL, OPT_FP_RATE},
	    {"quiet", no_argument, NULL, 'q'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c, rc;
	while ((c = getopt_long(argc, argv, "o:w:p:c:qjh", longopts, NULL)) != -1)
		if ((rc = parse_build_opt(c, o, argv)) != EXIT_OK)
			return rc;
	if (optind < argc)
		return tool_usage_error("dict build", _("unexpected argument '%s'"), argv[optind]);
	if (o->output == NULL)
		return tool_usage_error("dict build", _("--output is required"));
	return EXIT_OK;
}

static void print_build_json(const struct build_opts *o, const struct build_stats *st,
                             const cp_index *idx, double secs)
{
	uint64_t n = cp_index_entries(idx), size = cp_index_size(idx);
	fputs("{\"output\": ", stdout);
	tool_json_string(stdout, o->output);
	printf(", \"read\": %llu, \"added\": %llu, \"skipped\": %llu, \"distinct\": %llu, "
	       "\"size\": %llu, \"bytes_per_entry\": %.4f, \"fp_rate\": %.3g, "
	       "\"seconds\": %.3f, \"entries_per_second\": %.0f}\n",
	       st->read, st->added, st->skipped, (unsigned long long)n, (unsigned long long)size,
	       n > 0 ? (double)size / (double)n : 0.0, cp_index_fp_rate(idx), secs,
	       secs > 0 ? (double)st->read / secs : 0.0);
}

static void print_build_summary(const struct build_opts *o, const struct build_stats *st,
                                const cp_index *idx, double secs)
{
	uint64_t n = cp_index_entries(idx), size = cp_index_size(idx);
	printf(_("Wrote %s\n"), o->output);
	printf(_("  entries read:        %llu\n"), st->read);
	printf(_("  entries skipped:     %llu\n"), st->skipped);
	printf(_("  distinct entries:    %llu\n"), (unsigned long long)n);
	printf(_("  file size:           %llu bytes (%.3f bytes per entry)\n"),
	       (unsigned long long)size, n > 0 ? (double)size / (double)n : 0.0);
	printf(_("  false-positive rate: %.3g\n"), cp_index_fp_rate(idx));
	printf(_("  time:                %.2f s (%.0f entries per second)\n"), secs,
	       secs > 0 ? (double)st->read / secs : 0.0);
}

/* Write the index, then report on it as written. */
static int finish_build(const struct build_opts *o, cp_index_builder *b,
                        const struct build_stats *st, double started)
{
	char *msg = NULL;
	int rc = cp_index_builder_write(b, o->output, o->fp_rate, &msg);
	cp_index *idx = NULL;
	if (rc == CP_OK)
		rc = cp_index_open(o->output, &idx, &msg);
	if (rc != CP_OK) {
		tool_error("%s", msg != NULL ? msg : cp_strerror(rc));
		free(msg);
		return EXIT_USAGE;
	}
	double secs = now_seconds() - started;
	if (o->json)
		print_build_json(o, st, idx, secs);
	else if (!o->quiet)
		print_build_summary(o, st, idx, secs);
	cp_index_close(idx);
	return EXIT_OK;
}

/* Read every source, then write and report. */
static int run_build(const struct build_opts *o, cp_index_builder *b)
{
	struct build_stats st = {0};
	double started = now_seconds();
	tool_progress_start(&st.progress, _("entries read"), o->quiet || o->json);
	bool ok = true;
	for (size_t i = 0; ok && i < o->nsrc; i++)
		ok = add_list(b, &o->src[i], &st);
	if (ok && o->from_path)
		ok = add_path_commands(b, &st);
	tool_progress_end(&st.progress, st.read);
	return ok ? finish_build(o, b, &st, started) : EXIT_USAGE;
}

static int dict_build(int argc, char **argv)
{
	struct build_opts o = {0};
	cp_index_builder *b = NULL;
	int status = parse_build_args(argc, argv, &o);
	if (status == EXIT_OK) {
		status = EXIT_USAGE;
		if (cp_index_builder_new(&b) == CP_OK)
			status = run_build(&o, b);
		else
			tool_error("%s", cp_strerror(CP_ERR_NOMEM));
	}
	cp_index_builder_free(b);
	free(o.src);
	return status < 0 ? EXIT_OK : status;
}

/* ---- verify, info ---- */

/* Options of the commands taking one FILE (verify, info, lookup). */
struct file_opts {
	const char *file;
	bool json, quiet;
	int kind; /* 0: any */
};

static void verify_usage(FILE *out)
{
	fprintf(out, _("Usage: %s dict verify [OPTION]... FILE\n"), tool_name);
	fputs(_("Check the index FILE: its header, its layout and the checksum of its\n"
	        "contents.\n\n"
	        "  -q, --quiet   print nothing, only set the exit status\n"
	        "  -h, --help    show this help and exit\n\n"
	        "Exit status: 0 if the index is intact, 1 if it is damaged or truncated,\n"
	        "2 if it cannot be read or is of an unsupported format version.\n"),
	      out);
}

static void info_usage(FILE *out)
{
	fprintf(out, _("Usage: %s dict info [OPTION]... FILE\n"), tool_name);
	fputs(_("Show the format version, entries, size and false-positive rate of the\n"
	        "index FILE.\n\n"
	        "  -j, --json    print one JSON object\n"
	        "  -h, --help    show this help and exit\n\n"
	        "Exit status: 0 on success, 2 if the index cannot be opened.\n"),
	      out);
}

static void lookup_usage(FILE *out)
{
	fprintf(out, _("Usage: %s dict lookup [OPTION]... FILE\n"), tool_name);
	fputs(_("Look up the strings read from standard input, one per line, in the index\n"
	        "FILE and print \"yes\" or \"no\" for each. Case and Unicode width do not\n"
	        "matter. A \"yes\" can be a false positive, at the index's rate.\n\n"
	        "  -k, --kind KIND  word, command or password (default: any of them)\n"
	        "  -h, --help       show this help and exit\n\n"
	        "Exit status: 0 if every line was found (also for empty input), 1 if any\n"
	        "was not, 2 if the index cannot be opened or on a usage error.\n"),
	      out);
}

static bool parse_kind(const char *s, int *kind)
{
	static const char *const names[] = {NULL, "word", "command", "password"};
	for (int k = CP_ENTRY_WORD; k <= CP_ENTRY_PASSWORD; k++)
		if (strcmp(s, names[k]) == 0) {
			*kind = k;
			return true;
		}
	return false;
}

/* Shared option parsing of verify, info and lookup; shorts lists the
 * options the command takes besides -h. Returns -1 after --help. */
static int parse_file_args(int argc, char **argv, const char *sub, const char *shorts,
                           void (*usage)(FILE *), struct file_opts *o)
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"kind", required_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		if (c != 'h' && (c == '?' || strchr(shorts, c) == NULL))
			return tool_option_error(sub, argv);
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'k':
			if (!parse_kind(optarg, &o->kind))
				return tool_usage_error(sub,
				                        _("unknown kind '%s' (word, command or "
				                          "password)"),
				                        optarg);
			break;
		case 'h':
			usage(stdout);
			return -1;
		}
	}
	if (argc - optind != 1)
		return tool_usage_error(sub, _("expected one index FILE"));
	o->file = argv[optind];
	return EXIT_OK;
}

/* Open FILE, printing why not. */
static cp_index *open_index(const char *file, int *rc_out)
{
	cp_index *idx = NULL;
	char *msg = NULL;
	int rc = cp_index_open(file, &idx, &msg);
	if (rc != CP_OK)
		tool_error("%s", msg != NULL ? msg : cp_strerror(rc));
	free(msg);
	*rc_out = rc;
	return idx;
}

static int dict_verify(int argc, char **argv)
{
	struct file_opts o = {0};
	int status = parse_file_args(argc, argv, "dict verify", "qh", verify_usage, &o);
	if (status != EXIT_OK)
		return status < 0 ? EXIT_OK : status;
	int rc;
	cp_index *idx = open_index(o.file, &rc);
	if (idx == NULL)
		return rc == CP_ERR_INDEX_CORRUPT ? EXIT_REJECTED : EXIT_USAGE;
	char *msg = NULL;
	rc = cp_index_verify(idx, &msg);
	if (rc != CP_OK)
		tool_error("%s", msg != NULL ? msg : cp_strerror(rc));
	else if (!o.quiet)
		printf(_("%s: OK (%llu entries)\n"), o.file,
		       (unsigned long long)cp_index_entries(idx));
	free(msg);
	cp_index_close(idx);
	return rc == CP_OK ? EXIT_OK : rc == CP_ERR_INDEX_CORRUPT ? EXIT_REJECTED : EXIT_USAGE;
}

static int dict_info(int argc, char **argv)
{
	struct file_opts o = {0};
	int status = parse_file_args(argc, argv, "dict info", "jh", info_usage, &o);
	if (status != EXIT_OK)
		return status < 0 ? EXIT_OK : status;
	int rc;
	cp_index *idx = open_index(o.file, &rc);
	if (idx == NULL)
		return EXIT_USAGE;
	unsigned long long n = cp_index_entries(idx), size = cp_index_size(idx);
	double per = n > 0 ? (double)size / (double)n : 0.0;
	if (o.json) {
		fputs("{\"file\": ", stdout);
		tool_json_string(stdout, o.file);
		printf(", \"version\": %u, \"entries\": %llu, \"size\": %llu, "
		       "\"bytes_per_entry\": %.4f, \"fp_rate\": %.3g}\n",
		       CP_IDX_VERSION, n, size, per, cp_index_fp_rate(idx));
	} else {
		printf(_("file:                %s\n"), o.file);
		printf(_("format version:      %u\n"), CP_IDX_VERSION);
		printf(_("entries:             %llu\n"), n);
		printf(_("size:                %llu bytes (%.3f bytes per entry)\n"), size, per);
		printf(_("false-positive rate: %.3g\n"), cp_index_fp_rate(idx));
	}
	cp_index_close(idx);
	return EXIT_OK;
}

/* ---- lookup ---- */

static bool lookup_one(const cp_index *idx, int kind, const char *s, size_t len)
{
	if (kind != 0)
		return cp_index_contains(idx, (cp_entry_kind)kind, s, len);
	for (int k = CP_ENTRY_WORD; k <= CP_ENTRY_PASSWORD; k++)
		if (cp_index_contains(idx, (cp_entry_kind)k, s, len))
			return true;
	return false;
}

static int dict_lookup(int argc, char **argv)
{
	struct file_opts o = {0};
	int status = parse_file_args(argc, argv, "dict lookup", "k:h", lookup_usage, &o);
	if (status != EXIT_OK)
		return status < 0 ? EXIT_OK : status;
	int rc;
	cp_index *idx = open_index(o.file, &rc);
	struct input in;
	if (idx == NULL || !input_open(&in, "-")) {
		cp_index_close(idx);
		return EXIT_USAGE;
	}
	ssize_t len;
	while ((len = input_line(&in)) >= 0) {
		bool found = lookup_one(idx, o.kind, in.line, (size_t)len);
		fputs(found ? "yes\n" : "no\n", stdout);
		if (!found)
			status = EXIT_REJECTED;
	}
	if (!input_close(&in, "-"))
		status = EXIT_USAGE;
	cp_index_close(idx);
	return status;
}

int cmd_dict(int argc, char **argv)
{
	static const struct tool_subcommand subs[] = {
	    {"build", dict_build},
	    {"verify", dict_verify},
	    {"info", dict_info},
	    {"lookup", dict_lookup},
	};
	return tool_dispatch("dict", subs, sizeof(subs) / sizeof(subs[0]), dict_usage, argc,
	                     argv);
}
