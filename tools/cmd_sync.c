/* cmd_sync.c - credpolicy sync: bring the ledger in step with the
 * directory of the [ldap] section (issue 5; credpolicy-sync(1)).
 *
 * Exit statuses, as the other commands: 0 the ledger is in step; 1 it is,
 * but some directory entries were refused (each one printed with its DN;
 * their records were left as they were); 2 a usage error, or the
 * configuration, the ledger or the directory could not be used - the
 * directory unreachable, TLS or the bind refused, the server gone in the
 * middle - and then nothing in the ledger changed. Logins go on from the
 * ledger whatever happens here: the PAM module never talks to the
 * directory. */
#include "tool.h"

#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct sync_opts {
	const char *config, *ledger;
	unsigned flags;
	bool follow, json, quiet;
};

/* What the log callback keeps for the summary. */
#define PROBLEMS_KEPT 1000

struct sync_out {
	const struct sync_opts *o;
	char **problems;
	size_t nproblems, dropped;
	bool progress_shown;
	double last_progress;
};

static volatile sig_atomic_t stop_requested;

static void sync_usage(FILE *out)
{
	fprintf(out, _("Usage: %s sync [OPTION]...\n"), tool_name);
	fputs(_("Bring the ledger in step with the directory of the [ldap] section of the\n"
	        "configuration: people, accounts (class, owners, custodians, OTP, lock,\n"
	        "must-change, last password change) and group memberships. Incremental\n"
	        "with RFC 4533 content synchronization when the server offers it, else by\n"
	        "modifyTimestamp with a periodic full reconciliation.\n\n"
	        "  -c, --config FILE  configuration file\n"
	        "  -l, --ledger FILE  ledger to write (default: from the configuration)\n"
	        "  -F, --full         read the whole directory and reconcile every record\n"
	        "  -f, --follow       keep the ledger in step until interrupted: each change\n"
	        "                     in the directory is applied within seconds\n"
	        "  -n, --dry-run      read and compare, change nothing\n"
	        "      --adopt        let the directory manage the local records that have\n"
	        "                     the key of one of its entries\n"
	        "      --allow-removals  apply a complete read that removes more records than\n"
	        "                     [ldap] max_removals allows\n"
	        "  -j, --json         print the summary as one JSON object\n"
	        "  -q, --quiet        no progress display and no summary\n"
	        "  -h, --help         show this help and exit\n\n"
	        "Exit status: 0 the ledger is in step with the directory; 1 it is, but some\n"
	        "entries were refused (each is named; its record is left as it was); 2 on a\n"
	        "usage error, or if the configuration, the ledger or the directory could\n"
	        "not be used (then nothing is changed).\n"),
	      out);
}

enum { OPT_ADOPT = 256, OPT_ALLOW_REMOVALS };

static int parse_sync_args(int argc, char **argv, struct sync_opts *o)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"ledger", required_argument, NULL, 'l'},
	    {"full", no_argument, NULL, 'F'},
	    {"follow", no_argument, NULL, 'f'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"adopt", no_argument, NULL, OPT_ADOPT},
	    {"allow-removals", no_argument, NULL, OPT_ALLOW_REMOVALS},
	    {"json", no_argument, NULL, 'j'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "c:l:Ffnjqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'l':
			o->ledger = optarg;
			break;
		case 'F':
			o->flags |= CP_SYNC_FULL;
			break;
		case 'f':
			o->follow = true;
			break;
		case 'n':
			o->flags |= CP_SYNC_DRY_RUN;
			break;
		case OPT_ADOPT:
			o->flags |= CP_SYNC_ADOPT;
			break;
		case OPT_ALLOW_REMOVALS:
			o->flags |= CP_SYNC_ALLOW_REMOVALS;
			break;
		case 'j':
			o->json = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			sync_usage(stdout);
			return -1;
		default:
			return tool_option_error("sync", argv);
		}
	}
	if (optind < argc)
		return tool_usage_error("sync", _("unexpected argument '%s'"), argv[optind]);
	if (o->follow && (o->flags & CP_SYNC_DRY_RUN) != 0)
		return tool_usage_error("sync", _("--follow and --dry-run cannot be combined"));
	return EXIT_OK;
}

/* ------------------------------------------------------------ output */

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void end_progress(struct sync_out *out)
{
	if (out->progress_shown)
		fputs("\r\033[K", stderr);
	out->progress_shown = false;
}

/* On a terminal only, at most five times a second. */
static void on_progress(const char *phase, uint64_t done, void *ctx)
{
	struct sync_out *out = ctx;
	double t = now_seconds();
	if (out->o->quiet || !isatty(STDERR_FILENO) || t - out->last_progress < 0.2)
		return;
	out->last_progress = t;
	out->progress_shown = true;
	fputs("\r\033[K", stderr);
	if (strcmp(phase, "read") == 0)
		fprintf(stderr, _("sync: %llu entries read from the directory"),
		        (unsigned long long)done);
	else
		fprintf(stderr, _("sync: %llu records applied to the ledger"),
		        (unsigned long long)done);
	fflush(stderr);
}

static void keep_problem(struct sync_out *out, const char *msg)
{
	if (out->nproblems == PROBLEMS_KEPT) {
		out->dropped++;
		return;
	}
	char **v = realloc(out->problems, (out->nproblems + 1) * sizeof(*v));
	if (v == NULL || (v[out->nproblems] = strdup(msg)) == NULL) {
		out->problems = v != NULL ? v : out->problems;
		out->dropped++;
		return;
	}
	out->problems = v;
	out->nproblems++;
}

static void on_log(int level, const char *msg, void *ctx)
{
	struct sync_out *out = ctx;
	if (level == CP_SYNC_LOG_ERROR && out->o->json)
		keep_problem(out, msg);
	if (level == CP_SYNC_LOG_INFO && !out->o->follow)
		return;
	end_progress(out);
	if (out->o->follow) {
		char stamp[32];
		time_t t = time(NULL);
		struct tm tm;
		strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
		fprintf(stderr, "%s %s sync: %s\n", stamp, tool_name, msg);
	} else {
		fprintf(stderr, "%s sync: %s\n", tool_name, msg);
	}
}

static void print_json(const cp_sync *s, const struct sync_opts *o, const struct sync_out *out,
                       const char *error)
{
	fputs("{\"mode\": ", stdout);
	tool_json_string(stdout, cp_sync_mode(s));
	printf(", \"dry_run\": %s", (o->flags & CP_SYNC_DRY_RUN) != 0 ? "true" : "false");
	static const struct {
		const char *key;
		cp_sync_counter c;
	} counters[] = {{"entries", CP_SYNC_ENTRIES},     {"added", CP_SYNC_ADDED},
	                {"changed", CP_SYNC_CHANGED},     {"removed", CP_SYNC_REMOVED},
	                {"unchanged", CP_SYNC_UNCHANGED}, {"errors", CP_SYNC_ERRORS}};
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		printf(", \"%s\": %llu", counters[i].key,
		       (unsigned long long)cp_sync_count(s, counters[i].c));
	fputs(", \"problems\": [", stdout);
	for (size_t i = 0; i < out->nproblems; i++) {
		fputs(i > 0 ? ", " : "", stdout);
		tool_json_string(stdout, out->problems[i]);
	}
	printf("], \"problems_not_shown\": %zu, \"error\": ", out->dropped);
	if (error != NULL)
		tool_json_string(stdout, error);
	else
		fputs("null", stdout);
	puts("}");
}

static void print_summary(const cp_sync *s, const struct sync_opts *o)
{
	if ((o->flags & CP_SYNC_DRY_RUN) != 0)
		fputs(_("dry run: nothing was changed in the ledger\n"), stdout);
	/* TRANSLATORS: %s is a mode code: full, refresh, incremental, timestamp. */
	printf(_("sync (%s): %llu entries read; %llu added, %llu changed, %llu removed, "
	         "%llu unchanged, %llu refused\n"),
	       cp_sync_mode(s), (unsigned long long)cp_sync_count(s, CP_SYNC_ENTRIES),
	       (unsigned long long)cp_sync_count(s, CP_SYNC_ADDED),
	       (unsigned long long)cp_sync_count(s, CP_SYNC_CHANGED),
	       (unsigned long long)cp_sync_count(s, CP_SYNC_REMOVED),
	       (unsigned long long)cp_sync_count(s, CP_SYNC_UNCHANGED),
	       (unsigned long long)cp_sync_count(s, CP_SYNC_ERRORS));
}

/* ------------------------------------------------------------ running */

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int tick(void *ctx)
{
	(void)ctx;
	return stop_requested != 0;
}

static void catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static int run_sync(cp_ledger *l, const struct sync_opts *o)
{
	cp_sync *s = NULL;
	struct sync_out out = {.o = o};
	char *msg = NULL;
	int rc = cp_sync_new(l, &s);
	if (rc == CP_OK) {
		cp_sync_set_log(s, on_log, &out);
		cp_sync_set_progress(s, on_progress, &out);
		if (o->follow)
			catch_signals();
		rc = o->follow ? cp_sync_follow(s, o->flags, tick, NULL, &msg)
		               : cp_sync_run(s, o->flags, &msg);
	}
	end_progress(&out);
	const char *error = rc != CP_OK ? (msg != NULL ? msg : cp_strerror(rc)) : NULL;
	if (error != NULL)
		tool_error("sync: %s", error);
	if (s != NULL && o->json)
		print_json(s, o, &out, error);
	else if (s != NULL && rc == CP_OK && !o->quiet)
		print_summary(s, o);
	/* --follow stopped by a signal is a normal end (a service stopping):
	 * what it refused on the way was reported as it happened. */
	int status = rc != CP_OK ? EXIT_USAGE
	             : !o->follow && s != NULL && cp_sync_count(s, CP_SYNC_ERRORS) > 0
	                 ? EXIT_REJECTED
	                 : EXIT_OK;
	for (size_t i = 0; i < out.nproblems; i++)
		free(out.problems[i]);
	free(out.problems);
	free(msg);
	cp_sync_free(s);
	return status;
}

int cmd_sync(int argc, char **argv)
{
	struct sync_opts o = {0};
	int status = parse_sync_args(argc, argv, &o);
	if (status != EXIT_OK)
		return status < 0 ? EXIT_OK : status;
	/* A server that goes away mid-write must be an error to report, not
	 * a SIGPIPE that kills the command (libldap writes with write(2)). */
	signal(SIGPIPE, SIG_IGN);
	cp_config *cfg = tool_load_config(o.config);
	cp_ledger *l = cfg != NULL ? tool_open_ledger(cfg, o.ledger, 0) : NULL;
	status = l != NULL ? run_sync(l, &o) : EXIT_USAGE;
	cp_ledger_close(l);
	cp_config_free(cfg);
	return status;
}
