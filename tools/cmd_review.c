/* cmd_review.c - credpolicy review: record an access review of one
 * account (R19): who reviewed it, when, what was decided, under which
 * ticket. The ledger keeps the latest review of each account and an event
 * for every one; "credpolicy report" lists the accounts not reviewed in
 * 12 months.
 *
 * Exit statuses: 0 recorded; 2 a usage error (no --by), an account the
 * ledger does not have (as credpolicy status), or a ledger that cannot be
 * written. */
#include "tool.h" /* first: config.h sets the feature macros */

#include <getopt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What cp_ledger_review accepts for the reviewer, note, ticket, actor. */
#define REVIEW_TEXT_MAX 1024

struct review_opts {
	const char *config, *ledger, *account, *scope, *by, *note, *ticket, *actor;
	int64_t when; /* 0: now */
	bool json;
};

static void review_usage(FILE *out)
{
	fprintf(out, _("Usage: %s review [OPTION]... ACCOUNT\n"), tool_name);
	fputs(_("Record that the access of ACCOUNT was reviewed (R19): who reviewed it, when,\n"
	        "and what was decided. The ledger keeps the latest review of each account\n"
	        "and an event for every review; 'credpolicy report' lists the accounts whose\n"
	        "access was not reviewed in 12 months.\n\n"
	        "  -b, --by NAME       who reviewed the access (required)\n"
	        "  -s, --scope SCOPE   the account's scope (default: *, every host)\n"
	        "  -n, --note TEXT     what was found or decided\n"
	        "  -t, --ticket ID     the ticket or request of the review\n"
	        "  -d, --date DATE     when the review took place (YYYY-MM-DD or\n"
	        "                      YYYY-MM-DDTHH:MM:SSZ, UTC; default: now)\n"
	        "  -a, --actor NAME    who records it, for the event log (default: your\n"
	        "                      user name)\n"
	        "  -c, --config FILE   configuration file\n"
	        "  -l, --ledger FILE   ledger to write (default: from the configuration)\n"
	        "  -j, --json          print the result as one JSON object\n"
	        "  -h, --help          show this help and exit\n\n"
	        "Exit status: 0 if the review was recorded, 2 on a usage error, for an\n"
	        "account the ledger does not have, or if the ledger cannot be written.\n"),
	      out);
}

/* Free text of an option: at most REVIEW_TEXT_MAX bytes, no control
 * character (it is shown in reports and event listings). */
static int check_text(const char *option, const char *s)
{
	if (s == NULL)
		return EXIT_OK;
	if (strlen(s) > REVIEW_TEXT_MAX)
		return tool_usage_error("review", _("%s: at most %d bytes"), option,
		                        REVIEW_TEXT_MAX);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return tool_usage_error(
			    "review", _("%s: control characters are not allowed"), option);
	return EXIT_OK;
}

static int review_option(int c, struct review_opts *o, char **argv)
{
	switch (c) {
	case 'b':
		o->by = optarg;
		return EXIT_OK;
	case 's':
		o->scope = optarg;
		return EXIT_OK;
	case 'n':
		o->note = optarg;
		return EXIT_OK;
	case 't':
		o->ticket = optarg;
		return EXIT_OK;
	case 'a':
		o->actor = optarg;
		return EXIT_OK;
	case 'c':
		o->config = optarg;
		return EXIT_OK;
	case 'l':
		o->ledger = optarg;
		return EXIT_OK;
	case 'j':
		o->json = true;
		return EXIT_OK;
	case 'd':
		if (tool_parse_date(optarg, &o->when))
			return EXIT_OK;
		return tool_usage_error(
		    "review", _("invalid date '%s' (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)"),
		    optarg);
	case 'h':
		review_usage(stdout);
		return -1;
	}
	return tool_option_error("review", argv);
}

static int check_review_args(struct review_opts *o)
{
	if (o->by == NULL || *o->by == '\0')
		return tool_usage_error("review", "%s",
		                        _("who reviewed the access is required: --by NAME"));
	/* A day of slack for clocks and zones, as the ledger allows. */
	if (o->when > (int64_t)time(NULL) + 86400)
		return tool_usage_error("review", "%s", _("the review date is in the future"));
	const char *names[] = {"--by", "--note", "--ticket", "--actor"};
	const char *values[] = {o->by, o->note, o->ticket, o->actor};
	int status = EXIT_OK;
	for (int i = 0; i < 4 && status == EXIT_OK; i++)
		status = check_text(names[i], values[i]);
	return status;
}

static int parse_review_args(int argc, char **argv, struct review_opts *o)
{
	static const struct option longopts[] = {
	    {"by", required_argument, NULL, 'b'},
	    {"scope", required_argument, NULL, 's'},
	    {"note", required_argument, NULL, 'n'},
	    {"ticket", required_argument, NULL, 't'},
	    {"date", required_argument, NULL, 'd'},
	    {"actor", required_argument, NULL, 'a'},
	    {"config", required_argument, NULL, 'c'},
	    {"ledger", required_argument, NULL, 'l'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "b:s:n:t:d:a:c:l:jh", longopts, NULL)) != -1) {
		int status = review_option(c, o, argv);
		if (status != EXIT_OK)
			return status;
	}
	if (argc - optind != 1)
		return tool_usage_error("review", "%s", _("expected one ACCOUNT"));
	o->account = argv[optind];
	return check_review_args(o);
}

/* ---- an unknown account: say which scopes the name has ---- */

struct scopes {
	const char *name;
	char *list;
};

static int collect_scope(const cp_account *a, void *ctx)
{
	struct scopes *s = ctx;
	if (strcmp(cp_account_name(a), s->name) != 0)
		return 0;
	char *more = NULL;
	if (asprintf(&more, "%s%s%s", s->list != NULL ? s->list : "", s->list != NULL ? ", " : "",
	             cp_account_scope(a)) < 0)
		return 1;
	free(s->list);
	s->list = more;
	return 0;
}

static void not_found(cp_ledger *l, const struct review_opts *o)
{
	struct scopes s = {o->account, NULL};
	const char *scope = o->scope != NULL ? o->scope : "*";
	tool_error(_("no account '%s' with scope '%s' in the ledger"), o->account, scope);
	if (cp_ledger_accounts(l, collect_scope, &s) == CP_OK && s.list != NULL)
		tool_error(_("'%s' has the scopes: %s (choose one with --scope)"), o->account,
		           s.list);
	free(s.list);
}

/* ---- recording ---- */

static const char *review_actor(const struct review_opts *o)
{
	if (o->actor != NULL)
		return o->actor;
	struct passwd *pw = getpwuid(getuid());
	return pw != NULL ? pw->pw_name : "";
}

static const char *utc(int64_t t, char buf[32])
{
	struct tm tm;
	time_t tt = (time_t)t;
	buf[0] = '\0';
	if (gmtime_r(&tt, &tm) != NULL)
		strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static void json_field(const char *key, const char *value)
{
	printf(", \"%s\": ", key);
	if (value != NULL)
		tool_json_string(stdout, value);
	else
		fputs("null", stdout);
}

/* What was recorded; latest_when is the review on record afterwards. */
static void print_review(const struct review_opts *o, int64_t when, int64_t latest_when,
                         const char *latest_by)
{
	char at[32], latest[32];
	const char *scope = o->scope != NULL ? o->scope : "*";
	if (o->json) {
		fputs("{\"account\": ", stdout);
		tool_json_string(stdout, o->account);
		json_field("scope", scope);
		json_field("reviewer", o->by);
		json_field("reviewed_at", utc(when, at));
		json_field("note", o->note);
		json_field("ticket", o->ticket);
		printf(", \"latest\": %s}\n", latest_when == when ? "true" : "false");
		return;
	}
	printf(_("%s (scope %s): access review by %s on %s recorded\n"), o->account, scope, o->by,
	       utc(when, at));
	if (latest_when != when)
		printf(_("a later review (%s, by %s) stays the latest on record\n"),
		       utc(latest_when, latest), latest_by != NULL ? latest_by : "");
}

static int record(cp_ledger *l, const struct review_opts *o)
{
	int64_t when = o->when != 0 ? o->when : (int64_t)time(NULL);
	int rc = cp_ledger_review(l, o->account, o->scope, o->by, when, o->note, review_actor(o),
	                          o->ticket);
	if (rc == CP_ERR_NOTFOUND) {
		not_found(l, o);
		return EXIT_USAGE;
	}
	if (rc != CP_OK) {
		tool_error("%s: %s", o->account, cp_strerror(rc));
		return EXIT_USAGE;
	}
	int64_t latest = 0;
	char *by = NULL, *note = NULL;
	if (cp_ledger_review_get(l, o->account, o->scope, &latest, &by, &note) != CP_OK)
		latest = when;
	print_review(o, when, latest, by);
	free(by);
	free(note);
	return EXIT_OK;
}

int cmd_review(int argc, char **argv)
{
	struct review_opts o = {0};
	int status = parse_review_args(argc, argv, &o);
	if (status != EXIT_OK)
		return status < 0 ? EXIT_OK : status;
	cp_config *cfg = tool_load_config(o.config);
	cp_ledger *l = cfg != NULL ? tool_open_ledger(cfg, o.ledger, 0) : NULL;
	status = l != NULL ? record(l, &o) : EXIT_USAGE;
	cp_ledger_close(l);
	cp_config_free(cfg);
	return status;
}
