/* cmd_events.c - credpolicy events: list the ledger's event log (R17, R22)
 * and verify its hash chain.
 *
 * Exit statuses: 0 done (verify: the chain holds); 1 verify found an
 * event that was changed, removed or inserted; 2 a usage error or the
 * ledger cannot be read. */
#include "tool.h" /* first: config.h sets the feature macros (strptime, timegm) */

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct events_opts {
	const char *config, *ledger, *account;
	int64_t since;
	bool json;
};

static void events_usage(FILE *out)
{
	fprintf(out, _("Usage: %s events [OPTION]...\n"), tool_name);
	fputs(_("List the events of the ledger, oldest first: grants, revocations, password\n"
	        "changes, resets, locks, must-change flags, imports and decisions, with time,\n"
	        "actor and ticket. 'verify' checks the hash chain that links them: an event\n"
	        "changed, removed or inserted after the fact breaks it.\n\n"
	        "  -c, --config FILE   configuration file\n"
	        "  -l, --ledger FILE   ledger to read (default: from the configuration)\n"
	        "  -s, --since DATE    only events at or after DATE (YYYY-MM-DD or\n"
	        "                      YYYY-MM-DDTHH:MM:SSZ, UTC)\n"
	        "  -a, --account NAME  only events of the account NAME (any scope)\n"
	        "  -j, --json          one JSON object per event\n"
	        "  -h, --help          show this help and exit\n\n"
	        "Exit status: 0 on success, 2 on a usage error or if the ledger cannot be\n"
	        "read.\n"),
	      out);
	fprintf(out, _("\nRun '%s events verify --help' to check the event log.\n"), tool_name);
}

static void verify_usage(FILE *out)
{
	fprintf(out, _("Usage: %s events verify [OPTION]...\n"), tool_name);
	fputs(_("Check the hash chain of the event log: every event's hash covers its\n"
	        "fields and the hash of the event before it, and the ids have no gaps. An\n"
	        "event changed, removed or inserted after it was written breaks the chain;\n"
	        "the first event that does not verify is named.\n\n"
	        "  -c, --config FILE   configuration file\n"
	        "  -l, --ledger FILE   ledger to check (default: from the configuration)\n"
	        "  -j, --json          print the result as one JSON object\n"
	        "  -h, --help          show this help and exit\n\n"
	        "Exit status: 0 if the log is intact, 1 if it is not, 2 on a usage error\n"
	        "or if the ledger cannot be read.\n"),
	      out);
}

/* Options of both commands; verify takes no filter. Returns -1 after
 * --help. */
static int parse_events_args(int argc, char **argv, const char *sub, bool filters,
                             struct events_opts *o)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"ledger", required_argument, NULL, 'l'},
	    {"since", required_argument, NULL, 's'},
	    {"account", required_argument, NULL, 'a'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *shorts = filters ? "c:l:s:a:jh" : "c:l:jh";
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
		case 'a':
			o->account = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			(filters ? events_usage : verify_usage)(stdout);
			return -1;
		case 's':
			if (!tool_parse_date(optarg, &o->since))
				return tool_usage_error(sub,
				                        _("invalid date '%s' (expected YYYY-MM-DD "
				                          "or YYYY-MM-DDTHH:MM:SSZ)"),
				                        optarg);
			break;
		}
	}
	if (optind < argc)
		return tool_usage_error(sub, _("unexpected argument '%s'"), argv[optind]);
	return EXIT_OK;
}

/* ---- listing ---- */

static void format_time(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "%" PRId64, t);
}

/* Events name an account "name", or "name@scope" for a host or pattern
 * scope: --account matches either. */
static bool account_matches(const char *label, const char *account)
{
	size_t n = strlen(account);
	return label != NULL && strncmp(label, account, n) == 0 &&
	       (label[n] == '\0' || label[n] == '@');
}

static void json_member(const char *key, const char *value)
{
	printf(", \"%s\": ", key);
	tool_json_string(stdout, value != NULL ? value : "");
}

static void print_event_json(const cp_event *ev, const char *when)
{
	printf("{\"id\": %" PRId64 ", \"time\": \"%s\"", cp_event_id(ev), when);
	json_member("kind", cp_event_kind(ev));
	json_member("account", cp_event_account(ev));
	json_member("person", cp_event_person(ev));
	json_member("actor", cp_event_actor(ev));
	json_member("ticket", cp_event_ticket(ev));
	json_member("detail", cp_event_detail(ev));
	json_member("hash", cp_event_hash(ev));
	puts("}");
}

/* " key=value" unless value is empty. */
static void print_member(const char *key, const char *value)
{
	if (value != NULL && *value != '\0')
		printf(" %s=%s", key, value);
}

/* One line: "#id time kind account=... person=... actor=... ticket=...
 * detail...". Field names stay untranslated: scripts grep for them. */
static void print_event(const cp_event *ev, const char *when)
{
	printf("#%" PRId64 " %s %s", cp_event_id(ev), when, cp_event_kind(ev));
	print_member("account", cp_event_account(ev));
	print_member("person", cp_event_person(ev));
	print_member("actor", cp_event_actor(ev));
	print_member("ticket", cp_event_ticket(ev));
	print_member("detail", cp_event_detail(ev));
	putchar('\n');
}

static int list_one(const cp_event *ev, void *ctx)
{
	const struct events_opts *o = ctx;
	if (o->account != NULL && !account_matches(cp_event_account(ev), o->account))
		return 0;
	char when[32];
	format_time(cp_event_time(ev), when, sizeof when);
	if (o->json)
		print_event_json(ev, when);
	else
		print_event(ev, when);
	return ferror(stdout) ? 1 : 0;
}

static int list_events(cp_ledger *l, struct events_opts *o)
{
	int rc = cp_ledger_events(l, o->since, list_one, o);
	if (rc != CP_OK) {
		tool_error("%s", cp_strerror(rc));
		return EXIT_USAGE;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		tool_error(_("cannot write %s"), _("standard output"));
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* ---- verify ---- */

static int verify_events(cp_ledger *l, const struct events_opts *o)
{
	uint64_t checked = 0;
	int64_t bad = 0;
	int rc = cp_ledger_events_verify(l, &checked, &bad);
	if (rc != CP_OK && rc != CP_ERR_TAMPERED) {
		tool_error("%s", cp_strerror(rc));
		return EXIT_USAGE;
	}
	bool ok = rc == CP_OK;
	if (o->json) {
		printf("{\"ok\": %s, \"checked\": %llu", ok ? "true" : "false",
		       (unsigned long long)checked);
		if (!ok)
			printf(", \"first_bad_id\": %lld", (long long)bad);
		puts("}");
	} else if (ok) {
		printf(ngettext("event log intact: %llu event verified\n",
		                "event log intact: %llu events verified\n", checked),
		       (unsigned long long)checked);
	} else {
		printf(_("event log TAMPERED: event #%lld was changed, removed or inserted after "
		         "it was written\n"),
		       (long long)bad);
	}
	return ok ? EXIT_OK : EXIT_REJECTED;
}

int cmd_events(int argc, char **argv)
{
	struct events_opts o = {0};
	bool verify = argc > 1 && strcmp(argv[1], "verify") == 0;
	const char *sub = verify ? "events verify" : "events";
	int status = verify ? parse_events_args(argc - 1, argv + 1, sub, false, &o)
	                    : parse_events_args(argc, argv, sub, true, &o);
	if (status != EXIT_OK)
		return status < 0 ? EXIT_OK : status;
	cp_config *cfg = tool_load_config(o.config);
	cp_ledger *l = cfg != NULL ? tool_open_ledger(cfg, o.ledger, CP_LEDGER_READONLY) : NULL;
	status = EXIT_USAGE;
	if (l != NULL)
		status = verify ? verify_events(l, &o) : list_events(l, &o);
	cp_ledger_close(l);
	cp_config_free(cfg);
	return status;
}
