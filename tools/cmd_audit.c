/* cmd_audit.c - credpolicy audit: check this host (or a host tree under
 * --root) against rules R20-R22 and report each finding with its severity,
 * its rule, where it is and how to fix it.
 *
 * Exit statuses: 0 nothing at or above --fail-on (default high) found;
 * 1 something was; 2 a usage error, or the audit could not read a file it
 * needs (run it as root). */
#include "audit.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct audit_opts {
	const char *root, *config, *ledger;
	bool json;
	int fail_on;
};

static void audit_usage(FILE *out)
{
	fprintf(out, _("Usage: %s audit [OPTION]...\n"), tool_name);
	fputs(_("Check this host against the rules R20-R22: the shadow files and their\n"
	        "copies are for root only, no weak, legacy or empty password hashes (R20);\n"
	        "no automatic login in gdm, lightdm, sddm or getty (R21); every account\n"
	        "that can log in is in the ledger and the PAM stack calls pam_credpolicy\n"
	        "for passwords and accounts (R22).\n\n"
	        "  -r, --root DIR           audit the host tree under DIR instead of /\n"
	        "                           (symbolic links in it are not followed)\n"
	        "  -c, --config FILE        configuration file\n"
	        "  -l, --ledger FILE        ledger to read (default: from the configuration)\n"
	        "  -f, --fail-on SEVERITY   critical, high (default), medium, low or info\n"
	        "  -j, --json               print one JSON document\n"
	        "  -h, --help               show this help and exit\n\n"
	        "Exit status: 0 if nothing at or above SEVERITY was found, 1 if something\n"
	        "was, 2 on a usage error or if a file could not be read.\n"),
	      out);
}

static int parse_audit_args(int argc, char **argv, struct audit_opts *o)
{
	static const struct option longopts[] = {
	    {"root", required_argument, NULL, 'r'},
	    {"config", required_argument, NULL, 'c'},
	    {"ledger", required_argument, NULL, 'l'},
	    {"fail-on", required_argument, NULL, 'f'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "r:c:l:f:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->root = optarg;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'l':
			o->ledger = optarg;
			break;
		case 'f':
			o->fail_on = audit_severity_parse(optarg);
			if (o->fail_on < 0)
				return tool_usage_error("audit", _("unknown severity '%s'"),
				                        optarg);
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			audit_usage(stdout);
			return -1;
		default:
			return tool_option_error("audit", argv);
		}
	}
	if (optind < argc)
		return tool_usage_error("audit", _("unexpected argument '%s'"), argv[optind]);
	return EXIT_OK;
}

static void open_ledger(struct audit *a, const cp_config *cfg, const char *path)
{
	char *msg = NULL;
	int rc = cp_ledger_open(cfg, path, CP_LEDGER_READONLY, &a->ledger, &msg);
	if (rc == CP_OK)
		return;
	if (msg == NULL &&
	    asprintf(&msg, "%s: %s", path != NULL ? path : cp_config_ledger_path(cfg),
	             cp_strerror(rc)) < 0)
		msg = NULL;
	a->ledger_error = msg;
}

static void count(const struct audit *a, size_t counts[AUDIT_NSEVERITIES])
{
	memset(counts, 0, sizeof(size_t) * AUDIT_NSEVERITIES);
	for (size_t i = 0; i < a->nfindings; i++)
		counts[a->findings[i].severity]++;
}

static void json_key(const char *key, const char *value)
{
	printf("\"%s\": ", key);
	if (value != NULL)
		tool_json_string(stdout, value);
	else
		fputs("null", stdout);
}

static void print_finding_json(const struct audit_finding *f)
{
	fputs("    {", stdout);
	json_key("id", f->id);
	fputs(", ", stdout);
	json_key("severity", audit_severity_name(f->severity));
	fputs(", ", stdout);
	json_key("rule", f->rule);
	fputs(",\n     \"where\": {", stdout);
	json_key("path", f->path);
	if (f->line > 0)
		printf(", \"line\": %u, ", f->line);
	else
		fputs(", \"line\": null, ", stdout);
	json_key("account", f->account);
	fputs("},\n     ", stdout);
	json_key("message", f->message);
	fputs(",\n     ", stdout);
	json_key("fix", f->fix);
	fputs("}", stdout);
}

static void print_json(const struct audit *a, const char *host)
{
	size_t counts[AUDIT_NSEVERITIES];
	count(a, counts);
	fputs("{", stdout);
	json_key("host", host);
	fputs(", ", stdout);
	json_key("root", a->root);
	printf(", \"complete\": %s,\n \"findings\": [", a->incomplete ? "false" : "true");
	for (size_t i = 0; i < a->nfindings; i++) {
		fputs(i > 0 ? ",\n" : "\n", stdout);
		print_finding_json(&a->findings[i]);
	}
	fputs(a->nfindings > 0 ? "\n ],\n \"counts\": {" : "],\n \"counts\": {", stdout);
	for (int s = 0; s < AUDIT_NSEVERITIES; s++)
		printf("\"%s\": %zu, ", audit_severity_name((enum audit_severity)s), counts[s]);
	printf("\"total\": %zu}}\n", a->nfindings);
}

static void print_text(const struct audit *a, const char *host)
{
	size_t counts[AUDIT_NSEVERITIES];
	count(a, counts);
	printf(_("host: %s (root %s)\n"), host, a->root);
	for (size_t i = 0; i < a->nfindings; i++) {
		const struct audit_finding *f = &a->findings[i];
		printf("\n[%s] %s (%s)\n", audit_severity_name(f->severity), f->id, f->rule);
		if (f->line > 0)
			printf(_("  where: %s:%u"), f->path, f->line);
		else
			printf(_("  where: %s"), f->path);
		if (f->account != NULL)
			printf(_(", account %s"), f->account);
		printf(_("\n  what:  %s\n"), f->message);
		printf(_("  fix:   %s\n"), f->fix);
	}
	if (a->nfindings == 0)
		puts(_("no findings"));
	else
		printf(
		    _("\nfindings: %zu (critical %zu, high %zu, medium %zu, low %zu, info %zu)\n"),
		    a->nfindings, counts[AUDIT_CRITICAL], counts[AUDIT_HIGH], counts[AUDIT_MEDIUM],
		    counts[AUDIT_LOW], counts[AUDIT_INFO]);
	if (a->incomplete)
		puts(_("the audit is incomplete: some files could not be read (see above)"));
}

static int run_audit(struct audit *a, const struct audit_opts *o, const cp_config *cfg)
{
	open_ledger(a, cfg, o->ledger);
	audit_shadow(a);
	audit_autologin(a);
	audit_accounts(a);
	audit_pam(a);
	audit_sort(a);
	char host[256] = "";
	if (o->root != NULL)
		snprintf(host, sizeof(host), "%s", o->root);
	else if (gethostname(host, sizeof(host) - 1) != 0)
		strcpy(host, "localhost");
	if (o->json)
		print_json(a, host);
	else
		print_text(a, host);
	if (a->incomplete)
		return EXIT_USAGE;
	for (size_t i = 0; i < a->nfindings; i++)
		if ((int)a->findings[i].severity <= o->fail_on)
			return EXIT_REJECTED;
	return EXIT_OK;
}

int cmd_audit(int argc, char **argv)
{
	struct audit_opts o = {.fail_on = AUDIT_HIGH};
	int status = parse_audit_args(argc, argv, &o);
	if (status != EXIT_OK)
		return status < 0 ? EXIT_OK : status;
	cp_config *cfg = tool_load_config(o.config);
	if (cfg == NULL)
		return EXIT_USAGE;
	struct audit a;
	if (audit_init(&a, o.root) == 0)
		status = run_audit(&a, &o, cfg);
	else
		status = EXIT_USAGE;
	audit_free(&a);
	cp_config_free(cfg);
	return status;
}
