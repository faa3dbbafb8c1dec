/* passgen.c - temporary passwords that meet the account's own policy.
 *
 * Why libpwquality's generator: it draws from the kernel's random source
 * (getrandom), never a seeded PRNG, and makes pronounceable-looking
 * strings a person can type from a note. It knows nothing of our rules,
 * so every candidate is checked like a password the user chose (the
 * class's length and character kinds, the banned words, the owners'
 * personal information) and drawn again until one passes: the helpdesk
 * never hands out a password the policy would refuse. */
#include "passgen.h"

#include "tool.h"

#include <pwquality.h>
#include <stdlib.h>
#include <string.h>

/* A candidate that fails (too few kinds, a word by chance) is drawn
 * again; with 4 kinds required about one in two passes, so this many
 * failures in a row means the policy cannot be met by the generator. */
#define MAX_TRIES 500

/* Entropy for a password of at least min_len characters: the generator
 * gives a little over 4 bits a character. */
static int entropy_bits(unsigned min_len)
{
	unsigned bits = (min_len + 4) * 5;
	if (bits < 64)
		bits = 64;
	return bits > 256 ? 256 : (int)bits;
}

static void wipe_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* Whether pw passes; -1 when the check itself failed. */
static int passes(const cp_checker *ck, const char *class_name, const char *pw,
                  const cp_person *person)
{
	cp_verdict *v = NULL;
	int rc = cp_check(ck, class_name, pw, NULL, person, &v);
	int ok = rc != CP_OK ? -1 : cp_verdict_ok(v) ? 1 : 0;
	cp_verdict_free(v);
	return ok;
}

int passgen_generate(const cp_checker *ck, const cp_config *cfg, const char *class_name,
                     const cp_person *person, char **out, char **errmsg)
{
	*out = NULL;
	*errmsg = NULL;
	const cp_class *c = cp_config_class(cfg, class_name);
	pwquality_settings_t *pwq = pwquality_default_settings();
	if (c == NULL || pwq == NULL) {
		pwquality_free_settings(pwq);
		*errmsg = strdup(_("the account's class is not in the configuration"));
		return -1;
	}
	int bits = entropy_bits(cp_class_min_length(c));
	for (int i = 0; i < MAX_TRIES; i++) {
		char *pw = NULL;
		if (pwquality_generate(pwq, bits, &pw) != 0 || pw == NULL) {
			*errmsg = strdup(_("libpwquality could not generate a password"));
			break;
		}
		int ok = passes(ck, cp_class_name(c), pw, person);
		if (ok == 1) {
			*out = pw;
			break;
		}
		wipe_free(pw);
		if (ok < 0) {
			*errmsg = strdup(_("the temporary password could not be checked"));
			break;
		}
	}
	pwquality_free_settings(pwq);
	if (*out == NULL && *errmsg == NULL)
		*errmsg = strdup(_("no generated password met the account's policy"));
	return *out != NULL ? 0 : -1;
}
