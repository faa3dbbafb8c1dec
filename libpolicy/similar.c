/* similar.c - R6: a rotation must be a real change.
 *
 * libpwquality already knows how passwords resemble each other (same,
 * case changes only, rotated, too few characters changed, the "difok"
 * measure); only those checks are wanted here, so every other libpwquality
 * rule is switched off and its other verdicts are ignored. */
#include "internal.h"

#include <pwquality.h>

static void quiet_other_checks(pwquality_settings_t *pwq, unsigned difok)
{
	static const int zero_settings[] = {
		PWQ_SETTING_DIG_CREDIT,     PWQ_SETTING_UP_CREDIT,     PWQ_SETTING_LOW_CREDIT,
		PWQ_SETTING_OTH_CREDIT,     PWQ_SETTING_MIN_CLASS,     PWQ_SETTING_MAX_REPEAT,
		PWQ_SETTING_MAX_CLASS_REPEAT, PWQ_SETTING_MAX_SEQUENCE, PWQ_SETTING_GECOS_CHECK,
		PWQ_SETTING_DICT_CHECK,     PWQ_SETTING_USER_CHECK,
	};
	for (size_t i = 0; i < sizeof(zero_settings) / sizeof(zero_settings[0]); i++)
		pwquality_set_int_value(pwq, zero_settings[i], 0);
	pwquality_set_int_value(pwq, PWQ_SETTING_MIN_LENGTH, 6);
	pwquality_set_int_value(pwq, PWQ_SETTING_DIFF_OK, (int)difok);
}

int cp_too_similar(const char *password, const char *old, unsigned difok)
{
	pwquality_settings_t *pwq = pwquality_default_settings();
	if (pwq == NULL)
		return CP_ERR_NOMEM;
	quiet_other_checks(pwq, difok);
	/* No auxerror: it would be memory to free for some verdicts. */
	int rc = pwquality_check(pwq, password, old, NULL, NULL);
	pwquality_free_settings(pwq);
	switch (rc) {
	case PWQ_ERROR_SAME_PASSWORD:
		return 2;
	case PWQ_ERROR_CASE_CHANGES_ONLY:
	case PWQ_ERROR_TOO_SIMILAR:
	case PWQ_ERROR_ROTATED:
		return 1;
	case PWQ_ERROR_MEM_ALLOC:
		return CP_ERR_NOMEM;
	default:
		return 0;
	}
}
