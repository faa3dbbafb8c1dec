/* pam_fake_unix.c - a stand-in for pam_unix in the stacks of the PAM tests,
 * which cannot change real passwords without root.
 *
 *   password ... pam_fake_unix.so [ask_old] [ask_new] [fail] [file=PATH]
 *   account|session ... pam_fake_unix.so
 *
 * password, first pass (PAM_PRELIM_CHECK): with ask_old, prompts
 * "Current password: " and sets PAM_OLDAUTHTOK, as pam_unix does.
 * Second pass: with ask_new, prompts "Fake new password: " and sets
 * PAM_AUTHTOK (a module before pam_credpolicy's use_authtok); otherwise
 * takes PAM_AUTHTOK as pam_unix's use_authtok does and "changes" it:
 * appends it to PATH, or fails with PAM_AUTHTOK_ERR when told to.
 *
 * account and session: returns PAM_NO_MODULE_DATA, a code nothing else
 * gives. Placed after "[default=done ignore=ignore] pam_credpolicy.so", it
 * is reached only when pam_credpolicy.so said PAM_IGNORE, and so shows it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#define ENTRY __attribute__((visibility("default")))

static const char *option(int argc, const char **argv, const char *name)
{
	size_t n = strlen(name);
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], name, n) == 0 && argv[i][n] == '=')
			return argv[i] + n + 1;
		if (strcmp(argv[i], name) == 0)
			return "";
	}
	return NULL;
}

/* Prompt for a secret and set it as item. */
static int ask(pam_handle_t *pamh, int item, const char *prompt)
{
	char *s = NULL;
	int rc = pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &s, "%s", prompt);
	if (rc != PAM_SUCCESS || s == NULL)
		return PAM_AUTHTOK_ERR;
	rc = pam_set_item(pamh, item, s);
	explicit_bzero(s, strlen(s));
	free(s);
	return rc;
}

static int change(pam_handle_t *pamh, int argc, const char **argv)
{
	const void *pw = NULL;
	if (pam_get_item(pamh, PAM_AUTHTOK, &pw) != PAM_SUCCESS || pw == NULL)
		return PAM_AUTHTOK_ERR;
	if (option(argc, argv, "fail") != NULL)
		return PAM_AUTHTOK_ERR;
	const char *path = option(argc, argv, "file");
	if (path == NULL || *path == '\0')
		return PAM_SUCCESS;
	FILE *f = fopen(path, "a");
	if (f == NULL)
		return PAM_AUTHTOK_ERR;
	fprintf(f, "%s\n", (const char *)pw);
	return fclose(f) == 0 ? PAM_SUCCESS : PAM_AUTHTOK_ERR;
}

ENTRY int pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	if (flags & PAM_PRELIM_CHECK) {
		if (option(argc, argv, "ask_old") == NULL)
			return PAM_SUCCESS;
		return ask(pamh, PAM_OLDAUTHTOK, "Current password: ");
	}
	if (option(argc, argv, "ask_new") != NULL)
		return ask(pamh, PAM_AUTHTOK, "Fake new password: ");
	return change(pamh, argc, argv);
}

ENTRY int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_NO_MODULE_DATA;
}

ENTRY int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_NO_MODULE_DATA;
}

ENTRY int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_NO_MODULE_DATA;
}
