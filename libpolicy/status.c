/* status.c - an account's rotation status on a host (R7-R13).
 *
 * Rules, in the order they are decided:
 *  - States by precedence: locked, departed, unowned, shared, must_change,
 *    expired, warn, ok (as credpolicy.h says). Departed, unowned and
 *    shared concern personal accounts only (R12 is about personal
 *    accounts; a service account's owner is the person responsible for it,
 *    and a leaver's custodianships are handled by cp_ledger_person_depart).
 *  - The class is the account's own; one the configuration no longer has
 *    is treated as the configured default class (R10: a default class
 *    covers every account no other class claims), and cp_status_class
 *    then names the default class, so that the class shown is the one
 *    whose rules were applied.
 *  - The password never expires when the class's max_age_days is 0, or
 *    when the class is otp_exempt and the account has an OTP device on
 *    record (R7); days_left is then INT32_MAX.
 *  - Otherwise it expires at last_change + max_age_days * 86400 seconds:
 *    expired when now is at or after that instant; days_left is the whole
 *    days left, rounded down (negative when overdue); warn when days_left
 *    is below warn_days (R11), that is within the last warn_days * 86400
 *    seconds.
 *  - An account with no password change on record (last_change 0) is
 *    expired with days_left 0: the policy cannot vouch for a password
 *    nobody has recorded setting, so it must be set through credpolicy. */
#include "ledger_internal.h"

#include <stdlib.h>
#include <string.h>

#define DAY 86400
/* Times beyond +-2^52 s (143 million years) are clamped: no overflow. */
#define TIME_LIMIT ((int64_t)1 << 52)

struct cp_status {
	cp_state state;
	cp_state rotation; /* what the rotation rules alone say */
	int32_t days_left;
	char *reason;
	char *class_name;
	char *message;
};

/* clang-format off */
static const char *const state_codes[] = {
	[CP_STATE_OK] = "ok",
	[CP_STATE_WARN] = "warn",
	[CP_STATE_EXPIRED] = "expired",
	[CP_STATE_MUST_CHANGE] = "must_change",
	[CP_STATE_LOCKED] = "locked",
	[CP_STATE_DEPARTED] = "departed",
	[CP_STATE_UNOWNED] = "unowned",
	[CP_STATE_SHARED] = "shared",
};
/* clang-format on */

CP_EXPORT const char *cp_state_code(cp_state s)
{
	return (unsigned)s < sizeof(state_codes) / sizeof(state_codes[0]) ? state_codes[s] : NULL;
}

/* ------------------------------------------------------------ rotation */

struct rotation {
	bool expires;       /* false: never (max age 0, OTP exemption) */
	bool expired;       /* now at or past the expiry */
	bool never_changed; /* no change on record */
	int32_t days_left;
};

static int64_t clamp_time(int64_t t)
{
	return t > TIME_LIMIT ? TIME_LIMIT : t < -TIME_LIMIT ? -TIME_LIMIT : t;
}

/* floor(a / b) for b > 0, where C rounds toward zero. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return a % b != 0 && a < 0 ? q - 1 : q;
}

static void rotation_of(const cp_class *c, const struct cp_account *a, int64_t now,
                        struct rotation *r)
{
	unsigned max_age = cp_class_max_age_days(c);
	*r = (struct rotation){.expires = true};
	if (max_age == 0 || (cp_class_otp_exempt(c) && a->otp)) {
		r->expires = false;
		r->days_left = INT32_MAX;
		return;
	}
	if (a->last_change == 0) {
		r->never_changed = r->expired = true;
		return;
	}
	/* A change "in the future" (a bad clock, an old import) counts as
	 * now: it must not postpone the expiry. */
	int64_t changed = a->last_change < now ? a->last_change : now;
	int64_t left = clamp_time(changed) + (int64_t)max_age * DAY - clamp_time(now);
	int64_t days = floor_div(left, DAY);
	r->expired = left <= 0;
	r->days_left = days >= INT32_MAX  ? INT32_MAX - 1
	               : days < INT32_MIN ? INT32_MIN
	                                  : (int32_t)days;
}

/* The state the rotation rules alone give: must_change, expired, warn, ok. */
static cp_state rotation_state(const struct cp_account *a, const struct rotation *r,
                               unsigned warn)
{
	if (a->must_change != NULL)
		return CP_STATE_MUST_CHANGE;
	if (r->expired)
		return CP_STATE_EXPIRED;
	if (r->expires && (int64_t)r->days_left < (int64_t)warn)
		return CP_STATE_WARN;
	return CP_STATE_OK;
}

static cp_state state_of(const struct cp_account *a, const struct rotation *r, unsigned warn)
{
	if (a->locked)
		return CP_STATE_LOCKED;
	if (a->kind == CP_ACCOUNT_PERSONAL && a->owners_departed > 0)
		return CP_STATE_DEPARTED;
	if (a->kind == CP_ACCOUNT_PERSONAL && a->nowners == 0)
		return CP_STATE_UNOWNED;
	if (a->kind == CP_ACCOUNT_PERSONAL && a->nowners > 1)
		return CP_STATE_SHARED;
	return rotation_state(a, r, warn);
}

/* ------------------------------------------------------------ messages */

static char *days_message(const struct rotation *r, bool warn)
{
	int n = (int)r->days_left;
	if (!r->expires)
		return strdup(_("Your password does not expire."));
	if (warn && n == 0)
		return strdup(_("Your password expires today; change it now."));
	if (warn)
		return cp_asprintf(cp_ngettext("Your password expires in %d day; change it soon.",
		                               "Your password expires in %d days; change it soon.",
		                               (unsigned long)n),
		                   n);
	return cp_asprintf(cp_ngettext("Your password expires in %d day.",
	                               "Your password expires in %d days.", (unsigned long)n),
	                   n);
}

/* The translated sentence for the user, in the locale of this call. */
static char *message_of(cp_state s, const struct rotation *r, const char *reason)
{
	switch (s) {
	case CP_STATE_OK:
	case CP_STATE_WARN:
		return days_message(r, s == CP_STATE_WARN);
	case CP_STATE_EXPIRED:
		if (r->never_changed)
			return strdup(_("No password change is on record; you must change your "
			                "password now."));
		return strdup(_("Your password has expired; you must change it now."));
	case CP_STATE_MUST_CHANGE:
		/* TRANSLATORS: the reason is recorded text, e.g. "helpdesk reset". */
		return cp_asprintf(_("You must change your password now (%s)."), reason);
	case CP_STATE_LOCKED:
		return strdup(_("This account is locked."));
	case CP_STATE_DEPARTED:
		return strdup(
		    _("The owner of this account has left; the account may not be used."));
	case CP_STATE_UNOWNED:
		return strdup(_("This personal account has no owner in the ledger, so it may not "
		                "be used."));
	case CP_STATE_SHARED:
		return strdup(_("This personal account is claimed by more than one person, so it "
		                "may not be used."));
	}
	return NULL;
}

/* ------------------------------------------------------------ public */

static int status_of(const cp_ledger *l, const struct cp_account *a, int64_t now, cp_status **out)
{
	const cp_class *c = ledger_class_of(l, a->class_name);
	if (c == NULL)
		return CP_ERR_CONFIG;
	struct rotation r;
	rotation_of(c, a, now, &r);
	cp_status *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return CP_ERR_NOMEM;
	s->state = state_of(a, &r, cp_class_warn_days(c));
	s->rotation = rotation_state(a, &r, cp_class_warn_days(c));
	s->days_left = r.days_left;
	s->class_name = strdup(cp_class_name(c));
	s->reason = a->must_change != NULL ? strdup(a->must_change) : NULL;
	s->message = message_of(s->state, &r, a->must_change);
	if (s->class_name == NULL || s->message == NULL ||
	    (a->must_change != NULL && s->reason == NULL)) {
		cp_status_free(s);
		return CP_ERR_NOMEM;
	}
	*out = s;
	return CP_OK;
}

CP_EXPORT int cp_ledger_status(cp_ledger *l, const char *name, const char *host, int64_t now,
                               cp_status **out)
{
	if (out != NULL)
		*out = NULL;
	if (l == NULL || name == NULL || out == NULL)
		return CP_ERR_INVAL;
	struct cp_account *a = NULL;
	int rc = ledger_account_find(l, name, host, false, &a);
	if (rc == CP_OK)
		rc = status_of(l, a, now, out);
	cp_account_free(a);
	return rc;
}

CP_EXPORT void cp_status_free(cp_status *s)
{
	if (s == NULL)
		return;
	free(s->reason);
	free(s->class_name);
	free(s->message);
	free(s);
}

/* NULL is "locked": a caller that lost its status must not let anyone in. */
CP_EXPORT cp_state cp_status_state(const cp_status *s)
{
	return s != NULL ? s->state : CP_STATE_LOCKED;
}

CP_EXPORT cp_state cp_status_rotation(const cp_status *s)
{
	return s != NULL ? s->rotation : CP_STATE_MUST_CHANGE;
}

CP_EXPORT int32_t cp_status_days_left(const cp_status *s)
{
	return s != NULL ? s->days_left : 0;
}

CP_EXPORT const char *cp_status_reason(const cp_status *s)
{
	return s != NULL ? s->reason : NULL;
}

CP_EXPORT const char *cp_status_class(const cp_status *s)
{
	return s != NULL ? s->class_name : NULL;
}

CP_EXPORT const char *cp_status_message(const cp_status *s)
{
	return s != NULL ? s->message : NULL;
}
