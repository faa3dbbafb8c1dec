/* cmd_check.c - credpolicy check: verdicts for passwords read from stdin.
 *
 * Passwords come from standard input only, one per line (from a terminal:
 * prompted without echo), never from the command line where ps and shell
 * history would see them. */
#include "tool.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Longest line read; longer lines are rejected as too long, not cut. */
#define LINE_MAX_BYTES (CP_MAX_PASSWORD_BYTES * 4)

struct check_opts {
	const char *config;
	const char *class_name;
	const char *index;
	const char *user;
	const char *ledger;
	char *ledger_class; /* the account's class, from the ledger */
	bool json;
	bool quiet;
};

static void check_usage(FILE *out)
{
	fprintf(out, _("Usage: %s check [OPTION]...\n"), tool_name);
	fputs(_("Check passwords read from standard input, one per line, against the policy\n"
	        "(rules R1-R5 of the regulation) and print a verdict for each.\n\n"
	        "  -c, --config FILE     configuration file (default: $CREDPOLICY_CONF or\n"
	        "                        the system file)\n"
	        "  -C, --class NAME      account class whose policy applies\n"
	        "  -u, --user NAME       the account: its class and its owner's personal\n"
	        "                        information come from the ledger\n"
	        "  -l, --ledger FILE     ledger to read (default: from the configuration)\n"
	        "  -i, --info KEY=VALUE  personal information of the owner: name, username,\n"
	        "                        employee_id, email, phone, birthday, id_card\n"
	        "                        (may be repeated)\n"
	        "      --index FILE      banned-password index to use\n"
	        "  -j, --json            print one JSON object per password\n"
	        "  -q, --quiet           print nothing, only set the exit status\n"
	        "  -h, --help            show this help and exit\n"
	        "  -V, --version         show version information and exit\n\n"
	        "Exit status: 0 if every password is accepted, 1 if any is rejected,\n"
	        "2 on a usage or configuration error.\n"),
	      out);
}

static int add_info(cp_person *person, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (eq == NULL || eq == arg)
		return tool_usage_error("check", _("--info needs KEY=VALUE"));
	char *key = strndup(arg, (size_t)(eq - arg));
	if (key == NULL)
		return EXIT_USAGE;
	char *msg = NULL;
	int rc = cp_person_add(person, key, eq + 1, &msg);
	if (rc != CP_OK)
		tool_usage_error("check", "%s", msg != NULL ? msg : cp_strerror(rc));
	free(msg);
	free(key);
	return rc == CP_OK ? EXIT_OK : EXIT_USAGE;
}

/* An input line that could not be checked at all. */
static void print_input_error(const struct check_opts *o, unsigned long lineno,
                              const char *code, const char *message)
{
	if (o->quiet)
		return;
	if (o->json) {
		printf("{\"ok\": false, \"line\": %lu, \"error\": {\"code\": ", lineno);
		tool_json_string(stdout, code);
		fputs(", \"message\": ", stdout);
		tool_json_string(stdout, message);
		puts("}}");
	} else {
		printf(_("line %lu: rejected: %s\n"), lineno, message);
	}
}

static void print_verdict(const struct check_opts *o, unsigned long lineno, const cp_verdict *v)
{
	if (o->quiet)
		return;
	size_t n = cp_verdict_count(v);
	if (o->json) {
		printf("{\"ok\": %s, \"line\": %lu, \"reasons\": [", n == 0 ? "true" : "false",
		       lineno);
		for (size_t i = 0; i < n; i++) {
			fputs(i > 0 ? ", {\"code\": " : "{\"code\": ", stdout);
			tool_json_string(stdout, cp_verdict_code(v, i));
			fputs(", \"message\": ", stdout);
			tool_json_string(stdout, cp_verdict_message(v, i));
			putchar('}');
		}
		puts("]}");
		return;
	}
	if (n == 0) {
		printf(_("line %lu: accepted\n"), lineno);
		return;
	}
	printf(_("line %lu: rejected\n"), lineno);
	for (size_t i = 0; i < n; i++)
		printf("  %s: %s\n", cp_verdict_code(v, i), cp_verdict_message(v, i));
}

/* Check one password; returns EXIT_OK, EXIT_REJECTED or EXIT_USAGE. */
static int check_one(const struct check_opts *o, const cp_checker *ck, const cp_person *person,
                     unsigned long lineno, const char *password)
{
	cp_verdict *v = NULL;
	int rc = cp_check(ck, o->class_name, password, NULL, person, &v);
	if (rc == CP_ERR_UTF8 || rc == CP_ERR_TOOLONG) {
		print_input_error(o, lineno, rc == CP_ERR_UTF8 ? "invalid_utf8" : "too_long",
		                  cp_strerror(rc));
		return EXIT_REJECTED;
	}
	if (rc != CP_OK) {
		tool_error("%s", cp_strerror(rc));
		return EXIT_USAGE;
	}
	print_verdict(o, lineno, v);
	int status = cp_verdict_ok(v) ? EXIT_OK : EXIT_REJECTED;
	cp_verdict_free(v);
	return status;
}

static int read_password(bool tty, char **line, size_t *len)
{
	if (tty)
		return tool_read_secret_tty(_("Password (empty line to stop): "), LINE_MAX_BYTES,
		                            line, len);
	return tool_read_line(stdin, LINE_MAX_BYTES, line, len);
}

static int check_stream(const struct check_opts *o, const cp_checker *ck, const cp_person *person)
{
	bool tty = isatty(STDIN_FILENO);
	int worst = EXIT_OK;
	char *line = NULL;
	size_t len = 0;
	unsigned long lineno = 0;
	int r;
	while ((r = read_password(tty, &line, &len)) != 0) {
		lineno++;
		int status;
		if (r == -1 || r == -2) {
			print_input_error(o, lineno, r == -1 ? "too_long" : "nul_byte",
			                  r == -1 ? cp_strerror(CP_ERR_TOOLONG)
			                          : _("The line contains a NUL byte"));
			status = EXIT_REJECTED;
		} else if (r < 0) {
			tool_error("%s", cp_strerror(CP_ERR_NOMEM));
			return EXIT_USAGE;
		} else if (tty && len == 0) {
			tool_free_line(line, len + 1);
			break;
		} else {
			status = check_one(o, ck, person, lineno, line);
			tool_free_line(line, len + 1);
		}
		if (status > worst)
			worst = status;
		if (status == EXIT_USAGE)
			break;
		fflush(stdout);
	}
	return worst;
}

static int open_checker(const struct check_opts *o, const cp_config *cfg, cp_index **idx,
                        cp_checker **ck)
{
	char *msg = NULL;
	int rc;
	if (o->index != NULL) {
		rc = cp_index_open(o->index, idx, &msg);
		if (rc == CP_OK)
			rc = cp_checker_new_with_index(cfg, *idx, ck);
	} else {
		rc = cp_checker_new(cfg, ck, &msg);
		if (rc == CP_OK && msg != NULL)
			tool_error(_("warning: %s; dictionary, command-name and common-password checks are off"),
			           msg);
	}
	if (rc != CP_OK)
		tool_error("%s", msg != NULL ? msg : cp_strerror(rc));
	free(msg);
	return rc;
}

static int parse_check_args(int argc, char **argv, struct check_opts *o, cp_person *person)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'}, {"class", required_argument, NULL, 'C'},
		{"user", required_argument, NULL, 'u'},   {"info", required_argument, NULL, 'i'},
		{"index", required_argument, NULL, 'I'},  {"json", no_argument, NULL, 'j'},
		{"ledger", required_argument, NULL, 'l'},
		{"quiet", no_argument, NULL, 'q'},        {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
	};
	int c, rc;
	while ((c = getopt_long(argc, argv, "c:C:u:i:l:jqhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'C': o->class_name = optarg; break;
		case 'I': o->index = optarg; break;
		case 'j': o->json = true; break;
		case 'q': o->quiet = true; break;
		case 'u':
			if (cp_person_add(person, "username", optarg, NULL) != CP_OK)
				return tool_usage_error("check", _("invalid user name"));
			o->user = optarg;
			break;
		case 'l': o->ledger = optarg; break;
		case 'i':
			if ((rc = add_info(person, optarg)) != EXIT_OK)
				return rc;
			break;
		case 'h': check_usage(stdout); return -1;
		case 'V': tool_version(); return -1;
		default: return tool_option_error("check", argv);
		}
	}
	/* The argument is not repeated: it may well be a password. */
	if (optind < argc)
		return tool_usage_error("check", _("passwords are read from standard input, "
		                                   "not from the command line"));
	return EXIT_OK;
}

/* --user: the account's class (unless --class says otherwise) and its
 * owners' personal information come from the ledger. A host without a
 * ledger, or without the account in it, still checks the user name. */
static int load_user(struct check_opts *o, const cp_config *cfg, cp_person *person)
{
	cp_ledger *l = NULL;
	cp_account *a = NULL;
	char *msg = NULL;
	int rc = cp_ledger_open(cfg, o->ledger, CP_LEDGER_READONLY, &l, &msg);
	if (rc == CP_ERR_NOTFOUND) {
		tool_error(_("warning: %s; only the user name is checked as personal information"),
		           msg != NULL ? msg : cp_strerror(rc));
		free(msg);
		return CP_OK;
	}
	if (rc == CP_OK)
		rc = cp_ledger_account_get(l, o->user, NULL, &a);
	if (rc == CP_ERR_NOTFOUND) {
		tool_error(_("warning: '%s' is not in the ledger; only the user name is checked "
		             "as personal information"), o->user);
		rc = CP_OK;
	} else if (rc == CP_OK) {
		if (o->class_name == NULL && (o->ledger_class = strdup(cp_account_class(a))) == NULL)
			rc = CP_ERR_NOMEM;
		if (rc == CP_OK)
			rc = cp_ledger_owner_info(l, a, person);
		if (o->class_name == NULL)
			o->class_name = o->ledger_class;
	}
	if (rc != CP_OK)
		tool_error("%s", msg != NULL ? msg : cp_strerror(rc));
	free(msg);
	cp_account_free(a);
	cp_ledger_close(l);
	return rc;
}

int cmd_check(int argc, char **argv)
{
	struct check_opts o = {0};
	cp_person *person = NULL;
	cp_config *cfg = NULL;
	cp_index *idx = NULL;
	cp_checker *ck = NULL;
	if (cp_person_new(&person) != CP_OK)
		return EXIT_USAGE;
	int status = parse_check_args(argc, argv, &o, person);
	if (status != EXIT_OK)
		goto out;
	status = EXIT_USAGE;
	cfg = tool_load_config(o.config);
	if (cfg == NULL || open_checker(&o, cfg, &idx, &ck) != CP_OK)
		goto out;
	if (o.user != NULL && load_user(&o, cfg, person) != CP_OK)
		goto out;
	if (cp_config_class(cfg, o.class_name) == NULL) {
		tool_error(_("unknown account class '%s'"),
		           o.class_name != NULL ? o.class_name : "default");
		goto out;
	}
	status = check_stream(&o, ck, cp_person_token_count(person) > 0 ? person : NULL);
out:
	cp_checker_free(ck);
	cp_index_close(idx);
	cp_config_free(cfg);
	cp_person_free(person);
	free(o.ledger_class);
	return status < 0 ? EXIT_OK : status;
}
