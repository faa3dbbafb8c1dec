/* cmd_reset.c - credpolicy reset: the helpdesk's password reset (R14, R15).
 *
 * Only against a recorded request: a ticket and how the person's identity
 * was verified are required. The temporary password is generated (the
 * kernel's randomness through libpwquality), meets the account's own
 * policy, is set where the account lives (directory or /etc/shadow) with
 * must-change, and is shown once to the operator only: on the terminal
 * (/dev/tty, never standard output, which may be a log) or in a new file
 * of mode 0600. The event records operator, ticket, verification and
 * notification - never the password. Every copy of it is wiped.
 *
 * Order: the destination of the password is opened first (so that a
 * password is never set that nobody can be shown), then the backend is
 * changed, then the ledger records it. A backend that refused the
 * password changes nothing in the ledger; once the password is in place
 * - even if the directory then refused the forced change, or the ledger
 * fails - it is recorded as far as possible and shown (it is the
 * account's password now), and the command exits 1.
 *
 * Exit statuses: 0 reset; 1 refused (locked or departed account) or not
 * completed (the backend or the ledger failed); 2 a usage error, an
 * unknown account, or the configuration, the ledger or the output cannot
 * be used. */
#include "helpdesk.h"
#include "passgen.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct reset_opts {
	const char *config, *ledger, *root, *host, *ticket, *verified, *notified, *output;
	const char *account;
	bool json;
};

static const char *const verify_words[] = {"written", "phone", "in-person", NULL};
static const char *const notify_words[] = {"written", "phone", "in-person", "email", "sms", NULL};

static void reset_usage(FILE *out)
{
	fprintf(out, _("Usage: %s reset [OPTION]... ACCOUNT --ticket ID --verified-by HOW\n"),
	        tool_name);
	fputs(_("Reset the password of ACCOUNT after a recorded request (R14, R15): set a\n"
	        "generated temporary password that meets the account's policy, where the\n"
	        "account lives (the directory, or /etc/shadow), force its change at the next\n"
	        "login, record the reset, and show the password once, to you only.\n\n"
	        "  -t, --ticket ID         the request's ticket (required)\n"
	        "  -v, --verified-by HOW   how the person's identity was checked: written,\n"
	        "                          phone or in-person (required)\n"
	        "  -N, --notified-by HOW   how the person is told the password: written,\n"
	        "                          phone, in-person, email or sms\n"
	        "  -o, --output FILE       write the password to FILE, a new file of mode 0600,\n"
	        "                          instead of showing it on the terminal\n"
	        "  -H, --host NAME         the account that applies to host NAME\n"
	        "  -r, --root DIR          change DIR/etc/shadow instead of /etc/shadow\n"
	        "  -c, --config FILE       configuration file\n"
	        "  -l, --ledger FILE       ledger (default: from the configuration)\n"
	        "  -j, --json              print the result (never the password) as JSON\n"
	        "  -h, --help              show this help and exit\n\n"
	        "Exit status: 0 if the password was reset, 1 if the reset was refused or\n"
	        "not completed, 2 on a usage error or an unknown account.\n"),
	      out);
}

static bool word_in(const char *w, const char *const *words)
{
	for (size_t i = 0; words[i] != NULL; i++)
		if (strcmp(w, words[i]) == 0)
			return true;
	return false;
}

static int check_reset_opts(struct reset_opts *o)
{
	if (o->ticket == NULL)
		return tool_usage_error("reset",
		                        _("a reset needs the request's ticket: --ticket ID"));
	if (o->verified == NULL)
		return tool_usage_error("reset",
		                        _("a reset needs the identity check: --verified-by "
		                          "written|phone|in-person"));
	int status = helpdesk_check_text("reset", "--ticket", o->ticket, 1024, false);
	if (status != EXIT_OK)
		return status;
	if (!word_in(o->verified, verify_words))
		return tool_usage_error("reset",
		                        _("--verified-by must be written, phone or in-person"));
	if (o->notified != NULL && !word_in(o->notified, notify_words))
		return tool_usage_error(
		    "reset", _("--notified-by must be written, phone, in-person, email or sms"));
	return helpdesk_check_text("reset", "ACCOUNT", o->account, 256, false);
}

static int parse_reset_args(int argc, char **argv, struct reset_opts *o)
{
	static const struct option longopts[] = {
	    {"ticket", required_argument, NULL, 't'},
	    {"verified-by", required_argument, NULL, 'v'},
	    {"notified-by", required_argument, NULL, 'N'},
	    {"output", required_argument, NULL, 'o'},
	    {"host", required_argument, NULL, 'H'},
	    {"root", required_argument, NULL, 'r'},
	    {"config", required_argument, NULL, 'c'},
	    {"ledger", required_argument, NULL, 'l'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const struct helpdesk_targets t = {
	    .text = {['t'] = &o->ticket, ['v'] = &o->verified, ['N'] = &o->notified,
	             ['o'] = &o->output, ['H'] = &o->host, ['r'] = &o->root, ['c'] = &o->config,
	             ['l'] = &o->ledger},
	    .flag = {['j'] = &o->json}};
	int status =
	    helpdesk_getopt(argc, argv, "reset", "t:v:N:o:H:r:c:l:jh", longopts, &t, reset_usage);
	if (status != EXIT_OK)
		return status;
	if (argc - optind != 1)
		return tool_usage_error("reset", _("expected one ACCOUNT"));
	o->account = argv[optind];
	return check_reset_opts(o);
}

/* ------------------------------------------------------------ the password's way out */

/* Where the password goes, opened before anything changes. */
static int open_destination(const struct reset_opts *o)
{
	int fd;
	if (o->output != NULL) {
		fd = open(o->output, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			tool_error(_("cannot create %s: %s (it must be a new file)"), o->output,
			           strerror(errno));
		return fd;
	}
	fd = open("/dev/tty", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		tool_error(_("no terminal to show the temporary password on; use --output FILE"));
	return fd;
}

static int write_all(int fd, const char *s)
{
	size_t n = strlen(s);
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Show the password once: alone on its line in the file, with a sentence
 * around it on the terminal. */
static int show_password(const struct reset_opts *o, int fd, const char *pw)
{
	char head[512];
	int rc = 0;
	if (o->output == NULL) {
		snprintf(head, sizeof(head),
		         _("Temporary password for %s (shown once; it must be changed at the next "
		           "login):\n\n    "),
		         o->account);
		rc = write_all(fd, head);
	}
	if (rc == 0)
		rc = write_all(fd, pw);
	if (rc == 0)
		rc = write_all(fd, o->output == NULL ? "\n\n" : "\n");
	if (rc == 0 && o->output != NULL)
		rc = fsync(fd);
	if (rc != 0)
		tool_error(_("cannot write the temporary password to %s: %s"),
		           o->output != NULL ? o->output : "/dev/tty", strerror(errno));
	return rc;
}

/* ------------------------------------------------------------ the reset */

struct reset {
	const struct reset_opts *o;
	cp_ledger *l;
	const cp_config *cfg;
	cp_account *a;
	enum backend_kind kind;
	char *pw;
	bool set, forced, recorded;
};

/* R14: resets are for forgotten passwords of usable accounts. */
static int refuse_unusable(const struct reset *r)
{
	cp_status *st = NULL;
	int rc = cp_ledger_status(r->l, r->o->account, r->o->host, (int64_t)time(NULL), &st);
	cp_state s = rc == CP_OK ? cp_status_state(st) : CP_STATE_LOCKED;
	cp_status_free(st);
	if (s == CP_STATE_LOCKED || s == CP_STATE_DEPARTED) {
		tool_error(_("%s is %s: it is not reset (unlock it, or give the person a new "
		             "account)"),
		           r->o->account, cp_state_code(s));
		return EXIT_REJECTED;
	}
	return EXIT_OK;
}

static int generate(struct reset *r)
{
	cp_checker *ck = NULL;
	cp_person *person = NULL;
	char *msg = NULL;
	int rc = cp_checker_new(r->cfg, &ck, &msg);
	if (rc == CP_OK && msg != NULL)
		tool_error(_("warning: %s"), msg);
	free(msg);
	msg = NULL;
	if (rc == CP_OK)
		rc = cp_person_new(&person);
	if (rc == CP_OK)
		rc = cp_ledger_owner_info(r->l, r->a, person);
	int status = EXIT_OK;
	if (rc != CP_OK) {
		tool_error("%s", cp_strerror(rc));
		status = EXIT_USAGE;
	} else if (passgen_generate(ck, r->cfg, cp_account_class(r->a), person, &r->pw, &msg) !=
	           0) {
		tool_error("%s", msg != NULL ? msg : cp_strerror(CP_ERR_NOMEM));
		status = EXIT_REJECTED;
	}
	free(msg);
	cp_person_free(person);
	cp_checker_free(ck);
	return status;
}

/* The password where the account lives. A directory may take the
 * password and then refuse the forced change: the password is the
 * account's all the same (r->set), so it is recorded and shown, and the
 * command exits 1. */
static int set_in_backend(struct reset *r, struct backends *b)
{
	char *msg = NULL;
	bool set = false;
	int rc = backends_set_password(b, r->kind, r->o->account, r->pw, "reset", &set, &msg);
	if (rc == 0 && r->kind == BACKEND_LOCAL) {
		rc = backends_commit(b, &msg);
		set = rc == 0;
	}
	r->set = set;
	r->forced = rc == 0;
	if (rc == 0)
		return EXIT_OK;
	if (set)
		tool_error(_("the password of %s was set, but its change at the next login could "
		             "not be forced in the %s backend: %s"),
		           r->o->account, backend_name(r->kind), msg != NULL ? msg : "");
	else
		tool_error(_("the password of %s was not changed: %s"), r->o->account,
		           msg != NULL ? msg : "");
	free(msg);
	return EXIT_REJECTED;
}

/* One transaction: the change (history, R6), must-change, the reset event. */
static int record(struct reset *r)
{
	const char *actor = helpdesk_operator(), *scope = cp_account_scope(r->a);
	char *label = strcmp(scope, "*") == 0 ? strdup(r->o->account)
	                                      : helpdesk_asprintf("%s@%s", r->o->account, scope);
	char *detail = helpdesk_asprintf("verified_by=%s notified_by=%s backend=%s", r->o->verified,
	                                 r->o->notified != NULL ? r->o->notified : "none",
	                                 backend_name(r->kind));
	int rc = label != NULL && detail != NULL ? cp_ledger_begin(r->l) : CP_ERR_NOMEM;
	if (rc == CP_OK) {
		rc = cp_ledger_record_change(r->l, r->o->account, r->o->host, r->pw, 0, actor);
		if (rc == CP_OK)
			rc = cp_ledger_set_must_change(r->l, r->o->account, scope, "reset", actor,
			                               r->o->ticket);
		if (rc == CP_OK)
			rc = cp_ledger_event_add(r->l, "reset", label, NULL, actor, r->o->ticket,
			                         detail);
		if (rc == CP_OK)
			rc = cp_ledger_commit(r->l);
		else
			cp_ledger_rollback(r->l);
	}
	free(label);
	free(detail);
	if (rc != CP_OK) {
		tool_error(_("the ledger could not record the reset of %s: %s"), r->o->account,
		           cp_strerror(rc));
		return EXIT_REJECTED;
	}
	r->recorded = true;
	return EXIT_OK;
}

static void print_result(const struct reset *r)
{
	const struct reset_opts *o = r->o;
	if (!o->json) {
		printf(_("%s: password reset (ticket %s, verified by %s) in the %s backend; it "
		         "must be changed at the next login.\n"),
		       o->account, o->ticket, o->verified, backend_name(r->kind));
		if (!r->recorded)
			printf(_("%s: the ledger did not record it: run the reset again.\n"),
			       o->account);
		return;
	}
	fputs("{\"account\": ", stdout);
	tool_json_string(stdout, o->account);
	fputs(", \"scope\": ", stdout);
	tool_json_string(stdout, cp_account_scope(r->a));
	fputs(", \"ticket\": ", stdout);
	tool_json_string(stdout, o->ticket);
	printf(", \"verified_by\": \"%s\", \"notified_by\": ", o->verified);
	if (o->notified != NULL)
		printf("\"%s\"", o->notified);
	else
		fputs("null", stdout);
	fputs(", \"operator\": ", stdout);
	tool_json_string(stdout, helpdesk_operator());
	printf(", \"backend\": \"%s\", \"password_set\": %s, \"backend_must_change\": %s, "
	       "\"recorded\": %s, \"must_change\": true, \"shown_on\": ",
	       backend_name(r->kind), r->set ? "true" : "false", r->forced ? "true" : "false",
	       r->recorded ? "true" : "false");
	tool_json_string(stdout, o->output != NULL ? o->output : "terminal");
	puts("}");
}

static int find_account(struct reset *r)
{
	int rc = cp_ledger_account_get(r->l, r->o->account, r->o->host, &r->a);
	if (rc == CP_ERR_NOTFOUND) {
		tool_error(_("no account '%s' for %s in the ledger"), r->o->account,
		           r->o->host != NULL ? r->o->host : _("this host"));
		return EXIT_USAGE;
	}
	if (rc != CP_OK) {
		tool_error("%s", cp_strerror(rc));
		return EXIT_USAGE;
	}
	return refuse_unusable(r);
}

static int locate(struct reset *r, struct backends *b)
{
	char *msg = NULL;
	if (backends_where(b, r->l, r->o->account, cp_account_scope(r->a), &r->kind, &msg) != 0) {
		tool_error("%s", msg != NULL ? msg : cp_strerror(CP_ERR_NOMEM));
		free(msg);
		return EXIT_USAGE;
	}
	if (r->kind == BACKEND_NONE) {
		tool_error(_("%s is neither a directory account nor in %s: there is no password to "
		             "reset here"),
		           r->o->account, backends_shadow_path(b));
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static int run_reset(struct reset *r, int fd)
{
	struct backends *b = backends_new(r->cfg, r->o->root, false);
	int status = b != NULL ? find_account(r) : EXIT_USAGE;
	if (status == EXIT_OK)
		status = locate(r, b);
	if (status == EXIT_OK)
		status = generate(r);
	if (status == EXIT_OK)
		status = set_in_backend(r, b);
	backends_free(b); /* releases the lock on /etc/shadow */
	if (r->set && record(r) != EXIT_OK)
		status = EXIT_REJECTED;
	if (r->set && show_password(r->o, fd, r->pw) != 0)
		status = EXIT_REJECTED;
	if (r->set)
		print_result(r);
	return status;
}

/* The temporary password will be in this process's memory: no core
 * file, and no ptrace or /proc/PID/mem by other processes of the same
 * user (core(5), PR_SET_DUMPABLE). Every copy is wiped as well. */
static void no_core(void)
{
	struct rlimit none = {0, 0};
	if (setrlimit(RLIMIT_CORE, &none) != 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		tool_error(_("warning: %s"), strerror(errno));
}

int cmd_reset(int argc, char **argv)
{
	struct reset_opts o = {0};
	int status = parse_reset_args(argc, argv, &o);
	if (status != EXIT_OK)
		return status < 0 ? EXIT_OK : status;
	no_core();
	cp_config *cfg = tool_load_config(o.config);
	cp_ledger *l = cfg != NULL ? tool_open_ledger(cfg, o.ledger, 0) : NULL;
	int fd = l != NULL ? open_destination(&o) : -1;
	struct reset r = {.o = &o, .l = l, .cfg = cfg};
	status = fd >= 0 ? run_reset(&r, fd) : EXIT_USAGE;
	if (fd >= 0)
		close(fd);
	if (fd >= 0 && o.output != NULL && !r.set)
		unlink(o.output); /* nothing was set: nothing to keep */
	if (r.pw != NULL)
		explicit_bzero(r.pw, strlen(r.pw));
	free(r.pw);
	cp_account_free(r.a);
	cp_ledger_close(l);
	cp_config_free(cfg);
	return helpdesk_finish_output(status);
}
