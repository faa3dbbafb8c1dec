/* report_leavers.c - R13: leavers whose former credentials are not yet
 * changed. An account is listed, once per leaver, when
 *  - a person who has departed is its owner: their own personal account
 *    until it is locked (which is what R13 asks for it), any other account
 *    until its password changes after the departure;
 *  - a departed person is one of its custodians, or was one until a
 *    "revoke" event, and its password has not changed since that person
 *    last knew it (the departure, or the revocation if that came first);
 *  - its must-change flag is still set and was set by an offboarding: the
 *    event that set it names a departed person, or its reason names one
 *    by employee id, or the reason speaks of a departure, a leaver, an
 *    offboarding or a transfer (English or Chinese). Matching is not on
 *    one exact text, so that flags written by other tools and versions
 *    count too.
 * Days outstanding count from the departure, or, when the flag names no
 * leaver (a transfer), from the event that set the flag. */
#include "report.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Words of a reason that mean an offboarding. The Latin ones are whole
 * words, compared without case: a stem inside another word ("depart" in
 * "department", "left" in "leftover") is not an offboarding, and a reset
 * "requested by the IT department" must not count as a leaver (R13). The
 * Chinese ones have no word boundaries to respect. */
static const char *const offboarding_words[] = {
    "depart",      "departs",  "departed",  "departing",   "departure",    "departures",
    "left",        "leaver",   "leavers",   "offboard",    "offboards",    "offboarded",
    "offboarding", "transfer", "transfers", "transferred", "transferring", NULL,
};
static const char *const offboarding_cjk[] = {"离职", "调岗", "调离", NULL};

static bool is_offboarding_word(const char *w, size_t n)
{
	for (const char *const *k = offboarding_words; *k != NULL; k++)
		if (strlen(*k) == n && strncasecmp(w, *k, n) == 0)
			return true;
	return false;
}

static bool says_offboarding(const char *reason)
{
	static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	for (const char *const *w = offboarding_cjk; *w != NULL; w++)
		if (strstr(reason, *w) != NULL)
			return true;
	for (const char *p = reason; *p != '\0';) {
		size_t n = strspn(p, letters);
		if (n > 0 && is_offboarding_word(p, n))
			return true;
		p += n > 0 ? n : 1;
	}
	return false;
}

/* The departed person a word of reason names by employee id, or NULL. */
static const struct rep_person *names_leaver(const struct report *r, const char *reason)
{
	char *copy = report_xstrdup(reason), *save = NULL;
	const struct rep_person *found = NULL;
	for (char *w = strtok_r(copy, " ,;:()[]", &save); w != NULL && found == NULL;
	     w = strtok_r(NULL, " ,;:()[]", &save)) {
		const struct rep_person *p = report_person(r, w);
		if (p != NULL && p->departed != 0)
			found = p;
	}
	free(copy);
	return found;
}

/* One row per account and person; the strongest link (owner first) wins. */
static void add_row(struct report *r, size_t account, const char *person, enum leaver_role role,
                    int64_t since)
{
	for (size_t i = 0; i < r->nleavers; i++) {
		struct rep_leaver *v = &r->leavers[i];
		if (v->account == account && strcmp(v->person, person) == 0) {
			if (role < v->role)
				v->role = role;
			return;
		}
	}
	r->leavers = report_push(r->leavers, &r->nleavers, sizeof(*r->leavers));
	r->leavers[r->nleavers - 1] = (struct rep_leaver){account, person, role, since};
}

/* Whether owner p's link to account x is still open. Their own personal
 * account: until it is locked, which is what R13 asks for it (a password
 * changed after the departure does not take it from the leaver, who may
 * have changed it). Any other account they owned: until its password
 * changes. */
static bool owner_open(const struct rep_account *x, const struct rep_person *p)
{
	if (x->kind == CP_ACCOUNT_PERSONAL)
		return !x->locked;
	return x->last_change < p->departed;
}

static void linked_people(struct report *r, size_t i)
{
	const struct rep_account *x = &r->accounts[i];
	for (size_t k = 0; k < x->nowners; k++) {
		const struct rep_person *p = report_person(r, x->owners[k]);
		if (p != NULL && p->departed != 0 && owner_open(x, p))
			add_row(r, i, p->id, LEAVER_OWNER, p->departed);
	}
	for (size_t k = 0; k < x->ncustodians; k++) {
		const struct rep_person *p = report_person(r, x->custodians[k]);
		if (p != NULL && p->departed != 0 && x->last_change < p->departed)
			add_row(r, i, p->id, LEAVER_CUSTODIAN, p->departed);
	}
}

static void flagged(struct report *r, size_t i)
{
	const struct rep_account *x = &r->accounts[i];
	if (x->reason == NULL)
		return;
	const struct rep_person *p = report_person(r, x->flag_person);
	if (p == NULL || p->departed == 0)
		p = names_leaver(r, x->reason);
	if (p != NULL)
		add_row(r, i, p->id, LEAVER_FLAG, p->departed);
	else if (says_offboarding(x->reason))
		add_row(r, i, x->flag_person != NULL ? x->flag_person : "", LEAVER_FLAG,
		        x->flag_time);
}

static const struct report *sorting;

/* Oldest first (unknown dates last), then by account and person. */
static int cmp_leaver(const void *a, const void *b)
{
	const struct rep_leaver *p = a, *q = b;
	if (p->since != q->since) {
		if (p->since == 0 || q->since == 0)
			return p->since == 0 ? 1 : -1;
		return p->since < q->since ? -1 : 1;
	}
	int c = strcmp(sorting->accounts[p->account].label, sorting->accounts[q->account].label);
	return c != 0 ? c : strcmp(p->person, q->person);
}

static void count_distinct(struct report *r)
{
	bool *account_seen = report_xcalloc(r->naccounts, sizeof(bool));
	bool *person_seen = report_xcalloc(r->npeople, sizeof(bool));
	for (size_t i = 0; i < r->nleavers; i++) {
		const struct rep_leaver *v = &r->leavers[i];
		const struct rep_person *p = report_person(r, v->person);
		if (!account_seen[v->account]) {
			account_seen[v->account] = true;
			r->leaver_accounts++;
		}
		if (p != NULL && !person_seen[p - r->people]) {
			person_seen[p - r->people] = true;
			r->leaver_people++;
		}
	}
	free(account_seen);
	free(person_seen);
}

void report_leavers(struct report *r)
{
	for (size_t i = 0; i < r->naccounts; i++)
		linked_people(r, i);
	for (size_t k = 0; k < r->nrevokes; k++) {
		const struct rep_revoke *v = &r->revokes[k];
		const struct rep_person *p = report_person(r, v->person);
		/* They knew it until the link went, or until they left. */
		int64_t knew_until = p != NULL && p->departed < v->time ? p->departed : v->time;
		if (p != NULL && r->accounts[v->account].last_change < knew_until)
			add_row(r, v->account, p->id, LEAVER_FORMER_CUSTODIAN, p->departed);
	}
	for (size_t i = 0; i < r->naccounts; i++)
		flagged(r, i);
	sorting = r;
	if (r->nleavers > 1)
		qsort(r->leavers, r->nleavers, sizeof(*r->leavers), cmp_leaver);
	count_distinct(r);
}
