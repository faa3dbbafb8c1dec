/* cmd_compromised.c - credpolicy compromised: a leaked password (R16).
 *
 * 如发现口令泄漏，系统管理员要立刻更换密码并报告…同时要保护好现场并记录:
 * the change is forced now (must-change in the ledger and where the
 * account lives), the live sessions that may use the leaked password are
 * flagged (an event each), the incident is recorded with its evidence,
 * and the people to notify - the account's owners and custodians - are
 * listed.
 *
 * Order: the backend first (directory or /etc/shadow), then the ledger,
 * which is written whatever the backend did: the account is never left
 * unflagged on this host. A backend failure is reported with exit 1;
 * running the command again completes it (and records a second report).
 *
 * Exit statuses: 0 done; 1 not completed (the backend or the ledger
 * failed); 2 a usage error, an unknown account, or the configuration or
 * the ledger cannot be used. */
#include "helpdesk.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Evidence is kept in one event (4096 bytes at most). */
#define EVIDENCE_MAX 4000

struct compromised_opts {
	const char *config, *ledger, *root, *host, *ticket, *evidence, *account;
	bool json;
};

static void compromised_usage(FILE *out)
{
	fprintf(out, _("Usage: %s compromised [OPTION]... ACCOUNT --ticket ID --evidence TEXT\n"),
	        tool_name);
	fputs(_("Respond to a leaked password of ACCOUNT (R16): force its change now (in the\n"
	        "ledger and where the account lives), flag its live sessions, record the\n"
	        "incident with its evidence, and list the owners and custodians to notify.\n\n"
	        "  -t, --ticket ID        the incident's ticket (required)\n"
	        "  -e, --evidence TEXT    what shows the leak: where and when it was found\n"
	        "                         (required; never paste the password itself)\n"
	        "  -H, --host NAME        the account that applies to host NAME\n"
	        "  -r, --root DIR         change DIR/etc/shadow instead of /etc/shadow\n"
	        "  -c, --config FILE      configuration file\n"
	        "  -l, --ledger FILE      ledger (default: from the configuration)\n"
	        "  -j, --json             print the result as JSON\n"
	        "  -h, --help             show this help and exit\n\n"
	        "Exit status: 0 if done, 1 if not completed (run it again), 2 on a usage\n"
	        "error or an unknown account.\n"),
	      out);
}

static int parse_compromised_args(int argc, char **argv, struct compromised_opts *o)
{
	static const struct option longopts[] = {
	    {"ticket", required_argument, NULL, 't'},
	    {"evidence", required_argument, NULL, 'e'},
	    {"host", required_argument, NULL, 'H'},
	    {"root", required_argument, NULL, 'r'},
	    {"config", required_argument, NULL, 'c'},
	    {"ledger", required_argument, NULL, 'l'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const struct helpdesk_targets t = {
	    .text = {['t'] = &o->ticket, ['e'] = &o->evidence, ['H'] = &o->host, ['r'] = &o->root,
	             ['c'] = &o->config, ['l'] = &o->ledger},
	    .flag = {['j'] = &o->json}};
	int status = helpdesk_getopt(argc, argv, "compromised", "t:e:H:r:c:l:jh", longopts, &t,
	                             compromised_usage);
	if (status != EXIT_OK)
		return status;
	if (argc - optind != 1)
		return tool_usage_error("compromised", _("expected one ACCOUNT"));
	o->account = argv[optind];
	if (o->ticket == NULL)
		return tool_usage_error("compromised",
		                        _("the incident needs a ticket: --ticket ID"));
	if (o->evidence == NULL)
		return tool_usage_error("compromised",
		                        _("the incident needs its evidence: --evidence TEXT"));
	status = helpdesk_check_text("compromised", "--ticket", o->ticket, 1024, false);
	if (status == EXIT_OK)
		status = helpdesk_check_text("compromised", "--evidence", o->evidence, EVIDENCE_MAX,
		                             true);
	if (status == EXIT_OK)
		status = helpdesk_check_text("compromised", "ACCOUNT", o->account, 256, false);
	return status;
}

/* ------------------------------------------------------------ the response */

struct incident {
	const struct compromised_opts *o;
	cp_ledger *l;
	cp_account *a;
	enum backend_kind kind;
	bool backend_changed, recorded;
	char *backend_error;
	size_t flagged;
};

static void in_backend(struct incident *x, const cp_config *cfg)
{
	struct backends *b = backends_new(cfg, x->o->root, false);
	char *msg = NULL;
	int rc = b != NULL ? backends_where(b, x->l, x->o->account, cp_account_scope(x->a),
	                                    &x->kind, &msg)
	                   : -1;
	if (rc == 0)
		rc = backends_must_change(b, x->kind, x->o->account, "compromised",
		                          &x->backend_changed, &msg);
	if (rc == 0)
		rc = backends_commit(b, &msg);
	if (rc != 0)
		x->backend_error = msg != NULL ? msg : strdup(cp_strerror(CP_ERR_NOMEM));
	else
		free(msg);
	backends_free(b);
}

static void in_ledger(struct incident *x)
{
	int rc = cp_ledger_compromised(x->l, x->o->account, cp_account_scope(x->a), x->o->evidence,
	                               helpdesk_operator(), x->o->ticket, &x->flagged);
	x->recorded = rc == CP_OK;
	if (rc != CP_OK)
		tool_error(_("the ledger could not record the incident of %s: %s"), x->o->account,
		           cp_strerror(rc));
}

/* ------------------------------------------------------------ output */

struct list_ctx {
	bool json, first;
};

static int print_session(const char *host, int64_t pid, const char *service, const char *tty,
                         const char *rhost, int64_t opened_at, void *ctx)
{
	struct list_ctx *lc = ctx;
	if (!lc->json) {
		printf(_("    %s  pid %lld  %s  %s  from %s\n"), host, (long long)pid, service, tty,
		       *rhost != '\0' ? rhost : _("the console"));
		return 0;
	}
	printf("%s{\"host\": ", lc->first ? "" : ", ");
	lc->first = false;
	tool_json_string(stdout, host);
	printf(", \"pid\": %lld, \"service\": ", (long long)pid);
	tool_json_string(stdout, service);
	fputs(", \"tty\": ", stdout);
	tool_json_string(stdout, tty);
	fputs(", \"rhost\": ", stdout);
	tool_json_string(stdout, rhost);
	printf(", \"opened_at\": %lld}", (long long)opened_at);
	return 0;
}

static void print_person(const struct incident *x, const char *id, const char *role, bool first)
{
	char *name = NULL;
	int64_t departed = 0;
	if (cp_ledger_person_name(x->l, id, &name, &departed) != CP_OK)
		name = NULL;
	if (!x->o->json) {
		printf("    %s  %s  %s%s\n", id, name != NULL ? name : "?", role,
		       departed != 0 ? _(" (has left)") : "");
	} else {
		printf("%s{\"employee_id\": ", first ? "" : ", ");
		tool_json_string(stdout, id);
		fputs(", \"name\": ", stdout);
		tool_json_string(stdout, name != NULL ? name : "");
		printf(", \"role\": \"%s\", \"departed\": %s}", role,
		       departed != 0 ? "true" : "false");
	}
	free(name);
}

static void print_notify(const struct incident *x)
{
	bool first = true;
	for (size_t i = 0; i < cp_account_owner_count(x->a); i++, first = false)
		print_person(x, cp_account_owner(x->a, i), "owner", first);
	for (size_t i = 0; i < cp_account_custodian_count(x->a); i++, first = false)
		print_person(x, cp_account_custodian(x->a, i), "custodian", first);
}

static void print_text(struct incident *x)
{
	const struct compromised_opts *o = x->o;
	printf(_("%s: must change the password now (compromised), ticket %s\n"), o->account,
	       o->ticket);
	if (x->backend_error != NULL)
		printf(_("  %s backend: NOT changed: %s\n"), backend_name(x->kind),
		       x->backend_error);
	else if (x->kind == BACKEND_NONE)
		puts(_("  backend: none (the ledger alone)"));
	else
		printf(x->backend_changed ? _("  %s backend: change forced\n")
		                          : _("  %s backend: change was already forced\n"),
		       backend_name(x->kind));
	printf(_("  ledger: %s\n"), x->recorded ? _("recorded") : _("NOT recorded"));
	printf(_("  sessions flagged: %zu\n"), x->flagged);
	struct list_ctx lc = {false, true};
	cp_ledger_account_sessions(x->l, o->account, cp_account_scope(x->a), print_session, &lc);
	puts(_("  notify:"));
	print_notify(x);
}

static void print_json(struct incident *x)
{
	const struct compromised_opts *o = x->o;
	fputs("{\"account\": ", stdout);
	tool_json_string(stdout, o->account);
	fputs(", \"scope\": ", stdout);
	tool_json_string(stdout, cp_account_scope(x->a));
	fputs(", \"ticket\": ", stdout);
	tool_json_string(stdout, o->ticket);
	printf(", \"must_change\": \"compromised\", \"backend\": \"%s\", \"backend_changed\": %s, "
	       "\"backend_error\": ",
	       backend_name(x->kind), x->backend_changed ? "true" : "false");
	if (x->backend_error != NULL)
		tool_json_string(stdout, x->backend_error);
	else
		fputs("null", stdout);
	printf(", \"recorded\": %s, \"sessions_flagged\": %zu, \"sessions\": [",
	       x->recorded ? "true" : "false", x->flagged);
	struct list_ctx lc = {true, true};
	cp_ledger_account_sessions(x->l, o->account, cp_account_scope(x->a), print_session, &lc);
	fputs("], \"notify\": [", stdout);
	print_notify(x);
	puts("]}");
}

static int respond(struct incident *x, const cp_config *cfg)
{
	int rc = cp_ledger_account_get(x->l, x->o->account, x->o->host, &x->a);
	if (rc != CP_OK) {
		if (rc == CP_ERR_NOTFOUND)
			tool_error(_("no account '%s' for %s in the ledger"), x->o->account,
			           x->o->host != NULL ? x->o->host : _("this host"));
		else
			tool_error("%s", cp_strerror(rc));
		return EXIT_USAGE;
	}
	in_backend(x, cfg);
	in_ledger(x);
	if (x->backend_error != NULL)
		tool_error(_("%s: the %s backend was not changed: %s"), x->o->account,
		           backend_name(x->kind), x->backend_error);
	if (x->o->json)
		print_json(x);
	else
		print_text(x);
	return x->recorded && x->backend_error == NULL ? EXIT_OK : EXIT_REJECTED;
}

int cmd_compromised(int argc, char **argv)
{
	struct compromised_opts o = {0};
	int status = parse_compromised_args(argc, argv, &o);
	if (status != EXIT_OK)
		return status < 0 ? EXIT_OK : status;
	cp_config *cfg = tool_load_config(o.config);
	cp_ledger *l = cfg != NULL ? tool_open_ledger(cfg, o.ledger, 0) : NULL;
	struct incident x = {.o = &o, .l = l};
	status = l != NULL ? respond(&x, cfg) : EXIT_USAGE;
	free(x.backend_error);
	cp_account_free(x.a);
	cp_ledger_close(l);
	cp_config_free(cfg);
	return helpdesk_finish_output(status);
}
