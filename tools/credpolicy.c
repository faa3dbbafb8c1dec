/* credpolicy.c - the credpolicy command: dispatch to subcommands. */
#include "tool.h"

#include <getopt.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

const char *tool_name = "credpolicy";

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary; /* N_() marked, translated when shown */
};

static const struct subcommand subcommands[] = {
	{"check", cmd_check, N_("check passwords read from standard input against the policy")},
	{"dict", cmd_dict, N_("build, verify and query the banned-password index")},
	{"ledger", cmd_ledger, N_("create, import and export the account ledger")},
	{"status", cmd_status, N_("show an account's rotation status on this host")},
	{"events", cmd_events, N_("list and verify the ledger's event log")},
	{"audit", cmd_audit, N_("check this host's shadow files, auto-login and PAM stack (R20-R22)")},
	{"sync", cmd_sync, N_("bring the ledger in step with the LDAP directory")},
	{"reset", cmd_reset, N_("reset a password against a ticket: temporary, must change (R14)")},
	{"compromised", cmd_compromised, N_("force the change of a leaked password, flag sessions (R16)")},
	{"offboard", cmd_offboard, N_("lock a leaver's accounts, rotate what they knew (R13)")},
	{"report", cmd_report, N_("report rotation, ownership, leavers, duties, reviews (R7-R19)")},
	{"review", cmd_review, N_("record an access review of an account (R19)")},
};

static void usage(FILE *out)
{
	fprintf(out, _("Usage: %s COMMAND [OPTION]...\n"), tool_name);
	fputs(_("Enforce the credential regulation on this host.\n\nCommands:\n"), out);
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(out, "  %-10s %s\n", subcommands[i].name, _(subcommands[i].summary));
	fputs(_("\nOptions:\n"
	        "  -h, --help     show this help and exit\n"
	        "  -V, --version  show version information and exit\n"),
	      out);
	fprintf(out, _("\nRun '%s COMMAND --help' for a command's options.\n"), tool_name);
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	tool_init_i18n();
	opterr = 0; /* subcommands name bad options themselves, once */
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(sub, "-V") == 0 || strcmp(sub, "--version") == 0) {
		tool_version();
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (strcmp(sub, subcommands[i].name) == 0)
			return subcommands[i].run(argc - 1, argv + 1);
	tool_error(_("unknown command '%s'"), sub);
	fprintf(stderr, _("Try '%s --help' for more information.\n"), tool_name);
	return EXIT_USAGE;
}
