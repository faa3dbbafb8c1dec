/* test_pam_driver.c - a scripted libpam application for the PAM tests.
 *
 *   test_pam_driver                  (no argument: the dlopen test below)
 *   test_pam_driver -d DIR [-s SERVICE] -u USER [-t TTY] [-r RHOST] [-a ANSWERS] [-q]
 *                   [-R UID] OP...
 *
 * Starts one PAM transaction with pam_start_confdir() (the service file is
 * DIR/SERVICE: no root, nothing under /etc/pam.d), runs the operations in
 * order and prints, on standard output, every prompt and message of the
 * conversation and every result:
 *
 *   prompt: New password:          (a PAM_PROMPT_ECHO_OFF or _ON)
 *   error: ...                     (PAM_ERROR_MSG)
 *   info: ...                      (PAM_TEXT_INFO)
 *   result chauthtok PAM_SUCCESS
 *
 * Answers to prompts come one per line from the ANSWERS file (never from
 * the command line); none left is a conversation error. OP is one of
 * chauthtok, chauthtok-expired, acct, login (acct, then the forced change
 * as login(1) and sshd do), open, close, wait=FILE (until FILE exists).
 * The exit status is the PAM code of the last operation.
 *
 * -R UID (run as root) sets the real uid to UID before pam_start, keeping
 * the effective uid 0: a set-uid passwd or su started by that user. It
 * prints "result setresuid PAM_SYSTEM_ERR" and exits when that fails.
 *
 * Without arguments (as `make check` runs it) it is the module's dlopen
 * test: pam_credpolicy.so loads with RTLD_NOW, so every symbol it needs is
 * there, and it offers the four pam_sm_* of its hooks and nothing of its
 * insides. tests/test_pam.sh runs it with arguments for everything else.
 *
 * Everything the module sends to syslog is caught here and written to
 * $CP_TEST_SYSLOG (or standard error) as "syslog: <message>", so that the
 * tests can read the administrator's side too, and grep it for secrets. */
#undef _FORTIFY_SOURCE /* this file defines syslog() itself */
#include "config.h" /* _GNU_SOURCE: setresuid */

#include <dlfcn.h>
#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#define ANSWERS_MAX  64
#define ANSWER_BYTES 4096

static char *answers[ANSWERS_MAX];
static size_t answer_count, answer_next;

/* ---------------------------------------------------------------- syslog */

static void log_v(int prio, const char *fmt, va_list ap)
{
	const char *path = getenv("CP_TEST_SYSLOG");
	FILE *f = path != NULL ? fopen(path, "a") : stderr;
	if (f == NULL)
		return;
	fprintf(f, "syslog<%d>: ", prio & LOG_PRIMASK);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	if (f != stderr)
		fclose(f);
}

/* libpam calls the fortified entry; the others are there for anything else.
 * Visible (the build hides symbols by default) so that they interpose. */
#define INTERPOSE __attribute__((visibility("default")))
INTERPOSE void __syslog_chk(int prio, int flag, const char *fmt, ...);
INTERPOSE void __vsyslog_chk(int prio, int flag, const char *fmt, va_list ap);
INTERPOSE void syslog(int prio, const char *fmt, ...);
INTERPOSE void vsyslog(int prio, const char *fmt, va_list ap);

void __syslog_chk(int prio, int flag, const char *fmt, ...)
{
	(void)flag;
	va_list ap;
	va_start(ap, fmt);
	log_v(prio, fmt, ap);
	va_end(ap);
}

void __vsyslog_chk(int prio, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	log_v(prio, fmt, ap);
}

void syslog(int prio, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v(prio, fmt, ap);
	va_end(ap);
}

void vsyslog(int prio, const char *fmt, va_list ap)
{
	log_v(prio, fmt, ap);
}

/* ---------------------------------------------------------------- conversation */

static int load_answers(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "test_pam_driver: %s: %s\n", path, strerror(errno));
		return -1;
	}
	char line[ANSWER_BYTES];
	while (answer_count < ANSWERS_MAX && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((answers[answer_count++] = strdup(line)) == NULL)
			break;
	}
	fclose(f);
	return 0;
}

static void free_answers(void)
{
	for (size_t i = 0; i < answer_count; i++) {
		explicit_bzero(answers[i], strlen(answers[i]));
		free(answers[i]);
	}
}

static int converse(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	(void)data;
	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		const char *text = msg[i]->msg != NULL ? msg[i]->msg : "";
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			printf("prompt: %s\n", text);
			if (answer_next >= answer_count) {
				printf("(no answer left)\n");
				goto fail;
			}
			if ((r[i].resp = strdup(answers[answer_next++])) == NULL)
				goto fail;
			break;
		case PAM_ERROR_MSG:
			printf("error: %s\n", text);
			break;
		case PAM_TEXT_INFO:
			printf("info: %s\n", text);
			break;
		default:
			goto fail;
		}
	}
	fflush(stdout);
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (int i = 0; i < n; i++) {
		if (r[i].resp != NULL) {
			explicit_bzero(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	}
	free(r);
	fflush(stdout);
	return PAM_CONV_ERR;
}

/* ---------------------------------------------------------------- operations */

static const char *code_name(int rc)
{
	/* clang-format off */
	static const char *const names[] = {
		"PAM_SUCCESS", "PAM_OPEN_ERR", "PAM_SYMBOL_ERR", "PAM_SERVICE_ERR",
		"PAM_SYSTEM_ERR", "PAM_BUF_ERR", "PAM_PERM_DENIED", "PAM_AUTH_ERR",
		"PAM_CRED_INSUFFICIENT", "PAM_AUTHINFO_UNAVAIL", "PAM_USER_UNKNOWN",
		"PAM_MAXTRIES", "PAM_NEW_AUTHTOK_REQD", "PAM_ACCT_EXPIRED", "PAM_SESSION_ERR",
		"PAM_CRED_UNAVAIL", "PAM_CRED_EXPIRED", "PAM_CRED_ERR", "PAM_NO_MODULE_DATA",
		"PAM_CONV_ERR", "PAM_AUTHTOK_ERR", "PAM_AUTHTOK_RECOVERY_ERR",
		"PAM_AUTHTOK_LOCK_BUSY", "PAM_AUTHTOK_DISABLE_AGING", "PAM_TRY_AGAIN",
		"PAM_IGNORE", "PAM_ABORT", "PAM_AUTHTOK_EXPIRED", "PAM_MODULE_UNKNOWN",
		"PAM_BAD_ITEM", "PAM_CONV_AGAIN", "PAM_INCOMPLETE",
	};
	/* clang-format on */
	if (rc >= 0 && (size_t)rc < sizeof(names) / sizeof(names[0]))
		return names[rc];
	return "PAM_(unknown)";
}

static int wait_for(const char *path)
{
	struct timespec step = {0, 20 * 1000 * 1000};
	for (int i = 0; i < 3000; i++) { /* 60 s */
		struct stat st;
		if (stat(path, &st) == 0)
			return PAM_SUCCESS;
		nanosleep(&step, NULL);
	}
	return PAM_ABORT;
}

static int run_op(pam_handle_t *pamh, const char *op, int silent)
{
	int rc;
	if (strcmp(op, "chauthtok") == 0) {
		rc = pam_chauthtok(pamh, silent);
	} else if (strcmp(op, "chauthtok-expired") == 0) {
		rc = pam_chauthtok(pamh, silent | PAM_CHANGE_EXPIRED_AUTHTOK);
	} else if (strcmp(op, "acct") == 0) {
		rc = pam_acct_mgmt(pamh, silent);
	} else if (strcmp(op, "login") == 0) {
		rc = pam_acct_mgmt(pamh, silent);
		printf("result acct %s\n", code_name(rc));
		if (rc == PAM_NEW_AUTHTOK_REQD)
			rc = pam_chauthtok(pamh, silent | PAM_CHANGE_EXPIRED_AUTHTOK);
	} else if (strcmp(op, "open") == 0) {
		rc = pam_open_session(pamh, silent);
	} else if (strcmp(op, "close") == 0) {
		rc = pam_close_session(pamh, silent);
	} else if (strncmp(op, "wait=", 5) == 0) {
		rc = wait_for(op + 5);
	} else {
		fprintf(stderr, "test_pam_driver: unknown operation %s\n", op);
		return PAM_SYSTEM_ERR;
	}
	printf("result %s %s\n", op, code_name(rc));
	fflush(stdout);
	return rc;
}

/* ---------------------------------------------------------------- dlopen test */

static int check_symbol(void *mod, const char *name, bool want, int n)
{
	bool found = dlsym(mod, name) != NULL;
	printf("%s %d - %s %s\n", found == want ? "ok" : "not ok", n, name,
	       want ? "is exported" : "is not exported");
	return found == want ? 0 : 1;
}

static int dlopen_test(void)
{
	const char *top = getenv("top_builddir");
	char mod[4096];
	snprintf(mod, sizeof(mod), "%s/pam_module/.libs/pam_credpolicy.so",
	         top != NULL ? top : ".");
	/* As libpam loads modules: every symbol bound now, or no module. */
	void *m = dlopen(mod, RTLD_NOW | RTLD_LOCAL);
	if (m == NULL) {
		printf("not ok 1 - dlopen RTLD_NOW: %s\n1..1\n", dlerror());
		return 1;
	}
	printf("ok 1 - %s loads with RTLD_NOW\n", mod);
	static const char *const hooks[] = {"pam_sm_chauthtok", "pam_sm_acct_mgmt",
	                                    "pam_sm_open_session", "pam_sm_close_session"};
	static const char *const inside[] = {"pam_sm_authenticate", "pam_sm_setcred",
	                                     "cp_pam_chauthtok", "cp_pam_begin", "cp_gettext"};
	int fails = 0, n = 1;
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++)
		fails += check_symbol(m, hooks[i], true, ++n);
	for (size_t i = 0; i < sizeof(inside) / sizeof(inside[0]); i++)
		fails += check_symbol(m, inside[i], false, ++n);
	printf("1..%d\n", n);
	dlclose(m);
	return fails == 0 ? 0 : 1;
}

static void usage(void)
{
	fputs("usage: test_pam_driver -d DIR [-s SERVICE] -u USER [-t TTY] [-r RHOST] "
	      "[-a ANSWERS] [-q] [-R UID] OP...\n",
	      stderr);
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *service = "credpolicy-test", *user = NULL;
	const char *tty = NULL, *rhost = NULL, *answers_path = NULL;
	int silent = 0, c;
	long ruid = -1;
	setlocale(LC_ALL, "");
	if (argc == 1)
		return dlopen_test();
	while ((c = getopt(argc, argv, "d:s:u:t:r:a:qR:")) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 's':
			service = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 't':
			tty = optarg;
			break;
		case 'r':
			rhost = optarg;
			break;
		case 'a':
			answers_path = optarg;
			break;
		case 'q':
			silent = PAM_SILENT;
			break;
		case 'R':
			ruid = strtol(optarg, NULL, 10);
			break;
		default:
			usage();
			return 2;
		}
	}
	if (dir == NULL || user == NULL || optind >= argc) {
		usage();
		return 2;
	}
	if (answers_path != NULL && load_answers(answers_path) != 0)
		return 2;

	if (ruid >= 0 && setresuid((uid_t)ruid, (uid_t)-1, (uid_t)-1) != 0) {
		printf("result setresuid PAM_SYSTEM_ERR\n");
		free_answers();
		return PAM_SYSTEM_ERR;
	}

	struct pam_conv conv = {converse, NULL};
	pam_handle_t *pamh = NULL;
	int rc = pam_start_confdir(service, user, &conv, dir, &pamh);
	if (rc != PAM_SUCCESS) {
		printf("result start %s\n", code_name(rc));
		free_answers();
		return rc;
	}
	if (tty != NULL && rc == PAM_SUCCESS)
		rc = pam_set_item(pamh, PAM_TTY, tty);
	if (rhost != NULL && rc == PAM_SUCCESS)
		rc = pam_set_item(pamh, PAM_RHOST, rhost);
	/* Every operation runs even after one failed (the tests look at what
	 * follows a failure), except wait=: a session that did not open is
	 * not held open. */
	for (int i = optind; rc == PAM_SUCCESS && i < argc; i++) {
		rc = run_op(pamh, argv[i], silent);
		if (i + 1 < argc && strncmp(argv[i + 1], "wait=", 5) != 0)
			rc = PAM_SUCCESS;
	}
	pam_end(pamh, rc);
	free_answers();
	return rc;
}
