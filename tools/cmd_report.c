/* cmd_report.c - credpolicy report: the ledger's view for the security
 * administrator and the auditor - rotation by class (R7-R11), unowned and
 * shared accounts and sharing alerts (R12), leavers' credentials not yet
 * changed (R13), separation of duties (R18) and access reviews (R19) - as
 * text, JSON, CSV or one self-contained HTML file.
 *
 * The ledger is opened read-only and read once; --now makes a report
 * reproducible (and "what will be overdue at the end of the quarter").
 *
 * Exit statuses: 0 the report was made (and nothing --fail-on names was
 * found); 1 a section --fail-on names has findings; 2 a usage error, or the
 * configuration, the ledger or the output cannot be used. */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum report_format { FMT_TEXT, FMT_JSON, FMT_CSV, FMT_HTML };

struct report_opts {
	const char *config, *ledger, *output, *section;
	int format; /* -1: not chosen */
	int64_t now, since;
	bool has_now, has_since;
	unsigned fail_on; /* bit per enum rep_finding */
};

static void report_usage(FILE *out)
{
	fprintf(out, _("Usage: %s report [OPTION]...\n"), tool_name);
	fputs(_("Report what the ledger says about the rules for security administrators\n"
	        "and auditors: password rotation by class (R7-R11), unowned and shared\n"
	        "accounts and sharing alerts (R12), leavers' credentials not yet changed\n"
	        "(R13), people who are both OS and database administrators of one host\n"
	        "(R18) and accounts whose access was not reviewed in 12 months (R19).\n\n"
	        "  -c, --config FILE     configuration file\n"
	        "  -l, --ledger FILE     ledger to read (default: from the configuration)\n"
	        "  -n, --now DATE        report as of DATE (YYYY-MM-DD or\n"
	        "                        YYYY-MM-DDTHH:MM:SSZ, UTC; default: now)\n"
	        "  -s, --since DATE      sharing alerts from DATE on (default: 30 days before\n"
	        "                        --now)\n"
	        "  -f, --format FORMAT   text (default), json, csv or html\n"
	        "  -j, --json            the same as --format json\n"
	        "      --csv             the same as --format csv\n"
	        "      --html FILE       the same as --format html --output FILE\n"
	        "  -S, --section NAME    with csv: the table to print (default summary):\n"
	        "                        summary, rotation, reasons, accounts, ownership,\n"
	        "                        alerts, leavers, duties or reviews\n"
	        "  -o, --output FILE     write to FILE (mode 0600, replaced atomically)\n"
	        "                        instead of standard output\n"
	        "  -F, --fail-on LIST    exit 1 if any of these has findings, comma-separated:\n"
	        "                        rotation, ownership, alerts, leavers, duties,\n"
	        "                        reviews, or any\n"
	        "  -h, --help            show this help and exit\n\n"
	        "Exit status: 0 if the report was made, 1 if a section named by --fail-on\n"
	        "has findings, 2 on a usage error or if the ledger or the output cannot be\n"
	        "used.\n"),
	      out);
}

static int parse_fail_on(const char *list, unsigned *out)
{
	char *copy = strdup(list), *save = NULL;
	if (copy == NULL)
		return tool_usage_error("report", "%s", cp_strerror(CP_ERR_NOMEM));
	/* An empty list ("--fail-on $SECTIONS" with nothing set) would make a
	 * gate that can never fail: refuse it. */
	int status = strspn(list, ",") == strlen(list)
	                 ? tool_usage_error("report", _("unknown --fail-on section '%s'"), list)
	                 : EXIT_OK;
	for (char *w = strtok_r(copy, ",", &save); w != NULL && status == EXIT_OK;
	     w = strtok_r(NULL, ",", &save)) {
		int f = FIND_N;
		for (int i = 0; i < FIND_N; i++)
			if (strcmp(w, report_finding_names[i]) == 0)
				f = i;
		if (strcmp(w, "any") == 0)
			*out = (1u << FIND_N) - 1;
		else if (f < FIND_N)
			*out |= 1u << f;
		else
			status = tool_usage_error("report", _("unknown --fail-on section '%s'"), w);
	}
	free(copy);
	return status;
}

static int set_format(struct report_opts *o, int format)
{
	if (o->format >= 0 && o->format != format)
		return tool_usage_error("report", "%s",
		                        _("choose one of --format, --json, --csv and --html"));
	o->format = format;
	return EXIT_OK;
}

/* --output and --html FILE name one file: two different ones are a
 * mistake, not "the last one wins". */
static int set_output(struct report_opts *o, const char *path)
{
	if (o->output != NULL && strcmp(o->output, path) != 0)
		return tool_usage_error("report", "%s", _("--output and --html name two files"));
	o->output = path;
	return EXIT_OK;
}

static int parse_format(struct report_opts *o, const char *name)
{
	static const char *const names[] = {"text", "json", "csv", "html"};
	for (int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0)
			return set_format(o, i);
	return tool_usage_error("report", _("unknown format '%s' (text, json, csv or html)"), name);
}

static int date_option(const char *arg, int64_t *out, bool *has)
{
	*has = true;
	if (tool_parse_date(arg, out))
		return EXIT_OK;
	return tool_usage_error(
	    "report", _("invalid date '%s' (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)"), arg);
}

static int report_option(int c, struct report_opts *o, char **argv)
{
	switch (c) {
	case 'c':
		o->config = optarg;
		return EXIT_OK;
	case 'l':
		o->ledger = optarg;
		return EXIT_OK;
	case 'o':
		return set_output(o, optarg);
	case 'S':
		o->section = optarg;
		return EXIT_OK;
	case 'n':
		return date_option(optarg, &o->now, &o->has_now);
	case 's':
		return date_option(optarg, &o->since, &o->has_since);
	case 'f':
		return parse_format(o, optarg);
	case 'j':
		return set_format(o, FMT_JSON);
	case 'C':
		return set_format(o, FMT_CSV);
	case 'H':
		if (set_output(o, optarg) != EXIT_OK)
			return EXIT_USAGE;
		return set_format(o, FMT_HTML);
	case 'F':
		return parse_fail_on(optarg, &o->fail_on);
	case 'h':
		report_usage(stdout);
		return -1;
	}
	return tool_option_error("report", argv);
}

/* What the options mean together. */
static int check_options(struct report_opts *o)
{
	if (o->format < 0)
		o->format = FMT_TEXT;
	if (!o->has_now)
		o->now = (int64_t)time(NULL);
	if (!o->has_since)
		o->since = o->now - 30 * (int64_t)REPORT_DAY;
	if (o->since > o->now)
		return tool_usage_error("report", "%s", _("--since is after --now"));
	if (o->section != NULL && o->format != FMT_CSV)
		return tool_usage_error("report", "%s", _("--section goes with --csv"));
	if (o->format != FMT_CSV)
		return EXIT_OK;
	if (o->section == NULL)
		o->section = "summary";
	for (size_t i = 0; report_csv_sections[i] != NULL; i++)
		if (strcmp(o->section, report_csv_sections[i]) == 0)
			return EXIT_OK;
	return tool_usage_error("report",
	                        _("unknown section '%s' (summary, rotation, reasons, accounts, "
	                          "ownership, alerts, leavers, duties or reviews)"),
	                        o->section);
}

static int parse_report_args(int argc, char **argv, struct report_opts *o)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"ledger", required_argument, NULL, 'l'},
	    {"now", required_argument, NULL, 'n'},
	    {"since", required_argument, NULL, 's'},
	    {"format", required_argument, NULL, 'f'},
	    {"json", no_argument, NULL, 'j'},
	    {"csv", no_argument, NULL, 'C'},
	    {"html", required_argument, NULL, 'H'},
	    {"section", required_argument, NULL, 'S'},
	    {"output", required_argument, NULL, 'o'},
	    {"fail-on", required_argument, NULL, 'F'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "c:l:n:s:f:jS:o:F:h", longopts, NULL)) != -1) {
		int status = report_option(c, o, argv);
		if (status != EXIT_OK)
			return status;
	}
	if (optind < argc)
		return tool_usage_error("report", _("unexpected argument '%s'"), argv[optind]);
	return check_options(o);
}

static void render(FILE *out, const struct report *r, const struct report_opts *o)
{
	switch (o->format) {
	case FMT_JSON:
		report_json(out, r);
		break;
	case FMT_CSV:
		report_csv(out, r, o->section);
		break;
	case FMT_HTML:
		report_html(out, r);
		break;
	default:
		report_text(out, r);
	}
}

/* The report into path: a temporary file in the same directory, mode 0600
 * (it names people and their accounts), fsync, rename. */
static bool write_file(const char *path, const struct report *r, const struct report_opts *o)
{
	char *tmp = report_xasprintf("%s.XXXXXX", path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	FILE *f = fd >= 0 && fchmod(fd, 0600) == 0 ? fdopen(fd, "w") : NULL;
	bool ok = f != NULL;
	if (ok) {
		render(f, r, o);
		ok = fflush(f) == 0 && !ferror(f) && fsync(fd) == 0;
	}
	int err = ok ? 0 : errno;
	if (f != NULL) {
		if (fclose(f) != 0 && ok) {
			ok = false;
			err = errno;
		}
	} else if (fd >= 0) {
		close(fd);
	}
	if (ok && rename(tmp, path) != 0) {
		ok = false;
		err = errno;
	}
	if (!ok) {
		if (fd >= 0)
			unlink(tmp);
		tool_error(_("cannot write %s: %s"), path, strerror(err));
	}
	free(tmp);
	return ok;
}

static int make_report(cp_ledger *l, const cp_config *cfg, const struct report_opts *o)
{
	struct report r = {.now = o->now, .since = o->since, .cfg = cfg};
	r.ledger_path = o->ledger != NULL ? o->ledger : cp_config_ledger_path(cfg);
	if (gethostname(r.host, sizeof(r.host) - 1) != 0)
		strcpy(r.host, "localhost");
	int rc = report_gather(&r, l);
	int status = EXIT_OK;
	if (rc != CP_OK) {
		tool_error("%s: %s", r.ledger_path, cp_strerror(rc));
		status = EXIT_USAGE;
	} else if (o->output != NULL) {
		status = write_file(o->output, &r, o) ? EXIT_OK : EXIT_USAGE;
	} else {
		render(stdout, &r, o);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			tool_error(_("cannot write %s: %s"), _("standard output"), strerror(errno));
			status = EXIT_USAGE;
		}
	}
	for (int f = 0; status == EXIT_OK && f < FIND_N; f++)
		if ((o->fail_on >> f & 1) && report_findings(&r, (enum rep_finding)f) > 0)
			status = EXIT_REJECTED;
	report_free(&r);
	return status;
}

int cmd_report(int argc, char **argv)
{
	struct report_opts o = {.format = -1};
	int status = parse_report_args(argc, argv, &o);
	if (status != EXIT_OK)
		return status < 0 ? EXIT_OK : status;
	cp_config *cfg = tool_load_config(o.config);
	cp_ledger *l = cfg != NULL ? tool_open_ledger(cfg, o.ledger, CP_LEDGER_READONLY) : NULL;
	status = l != NULL ? make_report(l, cfg, &o) : EXIT_USAGE;
	cp_ledger_close(l);
	cp_config_free(cfg);
	return status;
}
