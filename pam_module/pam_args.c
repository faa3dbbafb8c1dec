/* pam_args.c - the module arguments and the [pam] setting words.
 *
 * One table of the six [pam] keys serves the configuration file (through
 * cp_config_pam_value) and the argument overrides (KEY=WORD), so that the
 * two can never disagree on a word. */
#include "pam_common.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* clang-format off */
static const struct {
	const char *name;
	const char *word[2]; /* default first */
} pam_keys[PK_COUNT] = {
	[PK_LEDGER_UNAVAILABLE] = {"ledger_unavailable", {"allow", "deny"}},
	[PK_INDEX_UNAVAILABLE]  = {"index_unavailable",  {"allow", "deny"}},
	[PK_UNOWNED]            = {"unowned",            {"deny", "warn"}},
	[PK_SHARED_SESSION]     = {"shared_session",     {"alert", "deny"}},
	[PK_ROOT_OVERRIDE]      = {"root_override",      {"no", "yes"}},
	[PK_ROOT_CONSOLE]       = {"root_console",       {"allow", "policy"}},
};
/* clang-format on */

const char *cp_pam_key_name(enum cp_pam_key k)
{
	return pam_keys[k].name;
}

const char *cp_pam_key_word(enum cp_pam_key k, int value)
{
	return pam_keys[k].word[value == 1 ? 1 : 0];
}

int cp_pam_key_value(enum cp_pam_key k, const char *word)
{
	for (int i = 0; word != NULL && i < 2; i++)
		if (strcmp(word, pam_keys[k].word[i]) == 0)
			return i;
	return -1;
}

/* retry=N: 1..CP_PAM_RETRY_MAX, strictly parsed. */
static bool parse_retry(const char *s, unsigned *out)
{
	char *end = NULL;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > CP_PAM_RETRY_MAX)
		return false;
	*out = (unsigned)v;
	return true;
}

static bool parse_on_config_error(const char *s, enum cp_pam_on_config_error *out)
{
	static const char *const words[] = {"defaults", "allow", "deny"};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcmp(s, words[i]) == 0) {
			*out = (enum cp_pam_on_config_error)i;
			return true;
		}
	}
	return false;
}

/* A [pam] key given as an argument; false if arg is not one. */
static bool parse_override(pam_handle_t *pamh, const char *arg, struct cp_pam_args *a)
{
	for (int k = 0; k < PK_COUNT; k++) {
		size_t n = strlen(pam_keys[k].name);
		if (strncmp(arg, pam_keys[k].name, n) != 0 || arg[n] != '=')
			continue;
		int v = cp_pam_key_value((enum cp_pam_key)k, arg + n + 1);
		if (v < 0)
			pam_syslog(pamh, LOG_ERR,
			           "bad value in module argument \"%s\" (expected %s "
			           "or %s); the configuration's value applies",
			           arg, pam_keys[k].word[0], pam_keys[k].word[1]);
		else
			a->override[k] = v;
		return true;
	}
	return false;
}

static bool parse_flag(const char *arg, struct cp_pam_args *a)
{
	/* clang-format off */
	static const struct { const char *name; size_t offset; } flags[] = {
		{"debug",            offsetof(struct cp_pam_args, debug)},
		{"quiet",            offsetof(struct cp_pam_args, quiet)},
		{"use_authtok",      offsetof(struct cp_pam_args, use_authtok)},
		{"enforce_for_root", offsetof(struct cp_pam_args, enforce_for_root)},
		{"local_users_only", offsetof(struct cp_pam_args, local_users_only)},
		{"record",           offsetof(struct cp_pam_args, record)},
	};
	/* clang-format on */
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (strcmp(arg, flags[i].name) == 0) {
			*(bool *)((char *)a + flags[i].offset) = true;
			return true;
		}
	}
	return false;
}

/* One argument with a value; false if unknown or malformed (logged). */
static bool parse_valued(pam_handle_t *pamh, const char *arg, struct cp_pam_args *a)
{
	if (strncmp(arg, "config=", 7) == 0 && arg[7] != '\0') {
		a->config = arg + 7;
	} else if (strncmp(arg, "ledger=", 7) == 0 && arg[7] != '\0') {
		a->ledger = arg + 7;
	} else if (strncmp(arg, "retry=", 6) == 0) {
		if (!parse_retry(arg + 6, &a->retry))
			pam_syslog(pamh, LOG_ERR,
			           "bad module argument \"%s\" (1 to %d); retry=%u "
			           "applies",
			           arg, CP_PAM_RETRY_MAX, a->retry);
	} else if (strncmp(arg, "on_config_error=", 16) == 0) {
		if (!parse_on_config_error(arg + 16, &a->on_config_error))
			pam_syslog(pamh, LOG_ERR,
			           "bad module argument \"%s\" (defaults, allow or "
			           "deny); on_config_error=defaults applies",
			           arg);
	} else if (strncmp(arg, "authtok_type=", 13) == 0) {
		/* Read by pam_get_authtok() itself for its prompts. */
	} else {
		return parse_override(pamh, arg, a);
	}
	return true;
}

void cp_pam_parse_args(pam_handle_t *pamh, int argc, const char **argv, struct cp_pam_args *a)
{
	memset(a, 0, sizeof(*a));
	a->retry = CP_PAM_RETRY_DEFAULT;
	a->on_config_error = ONCFG_DEFAULTS;
	for (int k = 0; k < PK_COUNT; k++)
		a->override[k] = -1;
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		if (arg == NULL)
			continue;
		if (!parse_flag(arg, a) && !parse_valued(pamh, arg, a))
			pam_syslog(pamh, LOG_ERR, "unknown module argument \"%s\" ignored", arg);
	}
}
