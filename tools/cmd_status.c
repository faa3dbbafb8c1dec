/* cmd_status.c - credpolicy status: the rotation status of one account on
 * this host (R7-R13), as the PAM account hook sees it.
 *
 * Exit statuses: 0 the account may log in as it is (ok, warn); 1 it may
 * not, or must change its password first (expired, must_change, locked,
 * departed, unowned, shared); 2 a usage error, the ledger cannot be read,
 * or the ledger has no such account. */
#include "tool.h"

#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct status_opts {
	const char *config, *ledger, *host, *user;
	bool json;
};

static void status_usage(FILE *out)
{
	fprintf(out, _("Usage: %s status [OPTION]... USER\n"), tool_name);
	fputs(_("Show the rotation status of the account USER on this host, from the ledger:\n"
	        "ok, warn (the password expires soon), expired, must_change, locked,\n"
	        "departed (its owner has left), unowned or shared (rules R7-R13).\n\n"
	        "  -c, --config FILE  configuration file\n"
	        "  -l, --ledger FILE  ledger to read (default: from the configuration)\n"
	        "  -H, --host NAME    the status on host NAME instead of this host\n"
	        "  -j, --json         print one JSON object\n"
	        "  -h, --help         show this help and exit\n\n"
	        "Exit status: 0 for ok and warn, 1 for a state that blocks the login or\n"
	        "forces a password change, 2 on a usage error, if the ledger cannot be\n"
	        "read or if it has no such account.\n"),
	      out);
}

static int parse_status_args(int argc, char **argv, struct status_opts *o)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'}, {"ledger", required_argument, NULL, 'l'},
	    {"host", required_argument, NULL, 'H'},   {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "c:l:H:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'l':
			o->ledger = optarg;
			break;
		case 'H':
			o->host = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			status_usage(stdout);
			return -1;
		default:
			return tool_option_error("status", argv);
		}
	}
	if (argc - optind != 1)
		return tool_usage_error("status", _("expected one USER"));
	o->user = argv[optind];
	return EXIT_OK;
}

static void json_field(const char *key, const char *value)
{
	printf(", \"%s\": ", key);
	if (value != NULL)
		tool_json_string(stdout, value);
	else
		fputs("null", stdout);
}

static void print_status_json(const struct status_opts *o, const cp_status *s)
{
	int32_t days = cp_status_days_left(s);
	fputs("{\"account\": ", stdout);
	tool_json_string(stdout, o->user);
	json_field("host", o->host);
	json_field("state", cp_state_code(cp_status_state(s)));
	if (days == INT32_MAX)
		fputs(", \"days_left\": null", stdout);
	else
		printf(", \"days_left\": %ld", (long)days);
	json_field("class", cp_status_class(s));
	json_field("reason", cp_status_reason(s));
	json_field("message", cp_status_message(s));
	puts("}");
}

static void print_status(const struct status_opts *o, const cp_status *s)
{
	int32_t days = cp_status_days_left(s);
	const char *reason = cp_status_reason(s);
	printf(_("account:   %s\n"), o->user);
	if (o->host != NULL)
		printf(_("host:      %s\n"), o->host);
	printf(_("state:     %s\n"), cp_state_code(cp_status_state(s)));
	if (days == INT32_MAX)
		puts(_("days left: never expires"));
	else
		printf(_("days left: %ld\n"), (long)days);
	printf(_("class:     %s\n"), cp_status_class(s));
	if (reason != NULL)
		printf(_("reason:    %s\n"), reason);
	printf("%s\n", cp_status_message(s));
}

/* ok and warn let the user in as they are; everything else does not. */
static int exit_status_of(cp_state state)
{
	return state == CP_STATE_OK || state == CP_STATE_WARN ? EXIT_OK : EXIT_REJECTED;
}

static int show_status(cp_ledger *l, const struct status_opts *o)
{
	cp_status *s = NULL;
	int rc = cp_ledger_status(l, o->user, o->host, (int64_t)time(NULL), &s);
	if (rc == CP_ERR_NOTFOUND) {
		if (o->host != NULL)
			tool_error(_("no account '%s' for host '%s' in the ledger"), o->user,
			           o->host);
		else
			tool_error(_("no account '%s' for this host in the ledger"), o->user);
		return EXIT_USAGE;
	}
	if (rc != CP_OK) {
		tool_error("%s", cp_strerror(rc));
		return EXIT_USAGE;
	}
	if (o->json)
		print_status_json(o, s);
	else
		print_status(o, s);
	int status = exit_status_of(cp_status_state(s));
	cp_status_free(s);
	return status;
}

int cmd_status(int argc, char **argv)
{
	struct status_opts o = {0};
	int status = parse_status_args(argc, argv, &o);
	if (status != EXIT_OK)
		return status < 0 ? EXIT_OK : status;
	cp_config *cfg = tool_load_config(o.config);
	cp_ledger *l = cfg != NULL ? tool_open_ledger(cfg, o.ledger, CP_LEDGER_READONLY) : NULL;
	status = l != NULL ? show_status(l, &o) : EXIT_USAGE;
	cp_ledger_close(l);
	cp_config_free(cfg);
	return status;
}
