/* report_gather.c - read the ledger once for credpolicy report: people,
 * accounts with their rotation status (R7-R11) and last review (R19),
 * counts by class, unowned and shared accounts (R12); then the events,
 * leavers and duties (the other report_*.c).
 *
 * The status of each account record comes from cp_ledger_status on the
 * "host" that is the record's scope itself: an exact host name or a
 * pattern's own text is matched by that record first, and "*" by the
 * catch-all record. Only when another record of the same name matches
 * that text better (a pattern such as "?" matches the text "*") is it
 * asked for again with a host name no record names; a record that still
 * loses applies to no host at all and is counted as shadowed, without a
 * status. */
#include "report.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ memory */

static void out_of_memory(void)
{
	tool_error("%s", cp_strerror(CP_ERR_NOMEM));
	exit(EXIT_USAGE);
}

void *report_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n != 0 ? n : 1, size);
	if (p == NULL)
		out_of_memory();
	return p;
}

void *report_xrealloc(void *p, size_t n, size_t size)
{
	void *q = reallocarray(p, n != 0 ? n : 1, size);
	if (q == NULL)
		out_of_memory();
	return q;
}

char *report_xstrdup(const char *s)
{
	char *d = strdup(s);
	if (d == NULL)
		out_of_memory();
	return d;
}

char *report_xasprintf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		out_of_memory();
	return s;
}

/* Arrays grow by doubling: the capacity is 4, or the power of two
 * reached, so it is full exactly when n is such a power. */
void *report_push(void *v, size_t *n, size_t size)
{
	if (*n == 0)
		v = report_xrealloc(v, 4, size);
	else if (*n >= 4 && (*n & (*n - 1)) == 0)
		v = report_xrealloc(v, 2 * *n, size);
	char *e = (char *)v + *n * size;
	memset(e, 0, size);
	(*n)++;
	return v;
}

/* ------------------------------------------------------------ small helpers */

int64_t report_days_since(const struct report *r, int64_t t)
{
	return r->now > t ? (r->now - t) / REPORT_DAY : 0;
}

const char *report_date(int64_t t, char buf[32])
{
	struct tm tm;
	time_t tt = (time_t)t;
	buf[0] = '\0';
	if (t != 0 && gmtime_r(&tt, &tm) != NULL)
		strftime(buf, 32, "%Y-%m-%d", &tm);
	return buf;
}

const char *report_datetime(int64_t t, char buf[32])
{
	struct tm tm;
	time_t tt = (time_t)t;
	buf[0] = '\0';
	if (gmtime_r(&tt, &tm) != NULL)
		strftime(buf, 32, "%Y-%m-%d %H:%M", &tm);
	return buf;
}

static int cmp_person_id(const void *key, const void *elem)
{
	return strcmp(key, ((const struct rep_person *)elem)->id);
}

const struct rep_person *report_person(const struct report *r, const char *id)
{
	if (id == NULL || r->npeople == 0)
		return NULL;
	return bsearch(id, r->people, r->npeople, sizeof(*r->people), cmp_person_id);
}

/* qsort_r/bsearch over indices need the report: a file-level pointer is
 * the simplest honest way in C11 (the tool is single-threaded). */
static const struct report *sorting;

static int cmp_label_idx(const void *a, const void *b)
{
	return strcmp(sorting->accounts[*(const size_t *)a].label,
	              sorting->accounts[*(const size_t *)b].label);
}

static int cmp_label_key(const void *key, const void *elem)
{
	return strcmp(key, sorting->accounts[*(const size_t *)elem].label);
}

size_t report_account_by_label(const struct report *r, const char *label)
{
	if (r->naccounts == 0)
		return SIZE_MAX;
	sorting = r;
	const size_t *at = bsearch(label, r->by_label, r->naccounts, sizeof(size_t), cmp_label_key);
	return at != NULL ? *at : SIZE_MAX;
}

/* ------------------------------------------------------------ people */

static int add_person(const char *id, const char *name, int64_t departed, const cp_person *info,
                      void *ctx)
{
	struct report *r = ctx;
	(void)info; /* personal-information tokens: not the report's business */
	r->people = report_push(r->people, &r->npeople, sizeof(*r->people));
	struct rep_person *p = &r->people[r->npeople - 1];
	p->id = report_xstrdup(id);
	p->name = report_xstrdup(name);
	p->departed = departed;
	return 0;
}

/* ------------------------------------------------------------ accounts */

static char **copy_list(size_t n, const cp_account *a,
                        const char *(*get)(const cp_account *, size_t))
{
	char **v = report_xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = report_xstrdup(get(a, i));
	return v;
}

static int add_account(const cp_account *a, void *ctx)
{
	struct report *r = ctx;
	r->accounts = report_push(r->accounts, &r->naccounts, sizeof(*r->accounts));
	struct rep_account *x = &r->accounts[r->naccounts - 1];
	x->name = report_xstrdup(cp_account_name(a));
	x->scope = report_xstrdup(cp_account_scope(a));
	x->label = strcmp(x->scope, "*") == 0 ? report_xstrdup(x->name)
	                                      : report_xasprintf("%s@%s", x->name, x->scope);
	x->stored_class = report_xstrdup(cp_account_class(a));
	x->kind = cp_account_kind_of(a);
	x->locked = cp_account_locked(a);
	x->otp = cp_account_otp(a);
	x->last_change = cp_account_last_change(a);
	x->nowners = cp_account_owner_count(a);
	x->owners = copy_list(x->nowners, a, cp_account_owner);
	x->ncustodians = cp_account_custodian_count(a);
	x->custodians = copy_list(x->ncustodians, a, cp_account_custodian);
	return 0;
}

/* Whether the account that applies to host is record i itself. */
static bool applies_to(cp_ledger *l, const struct rep_account *x, const char *host)
{
	cp_account *got = NULL;
	bool same = cp_ledger_account_get(l, x->name, host, &got) == CP_OK &&
	            strcmp(cp_account_scope(got), x->scope) == 0;
	cp_account_free(got);
	return same;
}

/* A host for which record i is the one that applies, or NULL. */
static const char *host_of(const struct report *r, cp_ledger *l, size_t i)
{
	const struct rep_account *x = &r->accounts[i];
	bool alone = (i == 0 || strcmp(r->accounts[i - 1].name, x->name) != 0) &&
	             (i + 1 == r->naccounts || strcmp(r->accounts[i + 1].name, x->name) != 0);
	if (alone || applies_to(l, x, x->scope))
		return x->scope;
	/* ".invalid" is reserved (RFC 2606): no real host, rarely a pattern. */
	if (strcmp(x->scope, "*") == 0 && applies_to(l, x, "credpolicy-report.invalid"))
		return "credpolicy-report.invalid";
	return NULL;
}

static enum rot_cat category(const cp_status *s, const cp_class *c)
{
	switch (cp_status_state(s)) {
	case CP_STATE_OK:
		/* Never expiring in a class with a maximum age: the R7 exemption. */
		return cp_status_days_left(s) == INT32_MAX && c != NULL &&
		               cp_class_max_age_days(c) != 0
		           ? ROT_OTP
		           : ROT_OK;
	case CP_STATE_WARN:
		return ROT_WARN;
	case CP_STATE_EXPIRED:
		return ROT_EXPIRED;
	case CP_STATE_MUST_CHANGE:
		return ROT_MUST_CHANGE;
	case CP_STATE_LOCKED:
		return ROT_LOCKED;
	case CP_STATE_DEPARTED:
		return ROT_DEPARTED;
	case CP_STATE_UNOWNED:
		return ROT_UNOWNED;
	case CP_STATE_SHARED:
		return ROT_SHARED;
	}
	return ROT_LOCKED;
}

static int status_of(struct report *r, cp_ledger *l, size_t i)
{
	struct rep_account *x = &r->accounts[i];
	const char *host = host_of(r, l, i);
	if (host == NULL) {
		x->shadowed = true;
		r->shadowed++;
		x->class_name = report_xstrdup(x->stored_class);
		return CP_OK;
	}
	cp_status *s = NULL;
	int rc = cp_ledger_status(l, x->name, host, r->now, &s);
	if (rc != CP_OK)
		return rc;
	x->state = cp_status_state(s);
	x->days_left = cp_status_days_left(s);
	x->class_name = report_xstrdup(cp_status_class(s));
	x->reason = cp_status_reason(s) != NULL ? report_xstrdup(cp_status_reason(s)) : NULL;
	x->cat = category(s, cp_config_class(r->cfg, x->class_name));
	cp_status_free(s);
	return CP_OK;
}

/* ------------------------------------------------------------ classes */

/* A reason with every word that holds a digit (an employee id, a ticket,
 * a date) written as "…", so that "custodian E10010 departed" and
 * "custodian E20001 departed" count as one reason. */
static char *reason_group(const char *reason)
{
	size_t n = strlen(reason);
	char *out = report_xcalloc(n * 3 + 1, 1), *o = out;
	for (const char *p = reason; *p != '\0';) {
		size_t w = strcspn(p, " ,;:()[]");
		if (w == 0) {
			*o++ = *p++;
			continue;
		}
		if (strcspn(p, "0123456789") < w) {
			memcpy(o, "\xe2\x80\xa6", 3); /* U+2026 */
			o += 3;
		} else {
			memcpy(o, p, w);
			o += w;
		}
		p += w;
	}
	*o = '\0';
	return out;
}

static struct rep_class *class_named(struct report *r, const char *name)
{
	for (size_t i = 0; i < r->nclasses; i++)
		if (strcmp(r->classes[i].name, name) == 0)
			return &r->classes[i];
	r->classes = report_push(r->classes, &r->nclasses, sizeof(*r->classes));
	struct rep_class *c = &r->classes[r->nclasses - 1];
	const cp_class *cc = cp_config_class(r->cfg, name);
	c->name = report_xstrdup(name);
	c->max_age = cc != NULL ? cp_class_max_age_days(cc) : 0;
	c->warn = cc != NULL ? cp_class_warn_days(cc) : 0;
	c->otp_exempt = cc != NULL && cp_class_otp_exempt(cc);
	return c;
}

static void count_reason(struct rep_class *c, const char *reason)
{
	char *text = reason_group(reason);
	for (size_t i = 0; i < c->nreasons; i++)
		if (strcmp(c->reasons[i].text, text) == 0) {
			c->reasons[i].count++;
			free(text);
			return;
		}
	c->reasons = report_push(c->reasons, &c->nreasons, sizeof(*c->reasons));
	c->reasons[c->nreasons - 1] = (struct rep_reason){text, 1};
}

static int cmp_reason(const void *a, const void *b)
{
	const struct rep_reason *p = a, *q = b;
	if (p->count != q->count)
		return p->count > q->count ? -1 : 1;
	return strcmp(p->text, q->text);
}

static int cmp_class(const void *a, const void *b)
{
	return strcmp(((const struct rep_class *)a)->name, ((const struct rep_class *)b)->name);
}

/* Every class of the configuration, in its order, then any other class
 * an account names (R10 reads it as the default, so none should show). */
static void count_classes(struct report *r)
{
	for (size_t i = 0; i < cp_config_class_count(r->cfg); i++)
		class_named(r, cp_class_name(cp_config_class_at(r->cfg, i)));
	size_t configured = r->nclasses;
	for (size_t i = 0; i < r->naccounts; i++) {
		const struct rep_account *x = &r->accounts[i];
		if (x->shadowed)
			continue;
		struct rep_class *c = class_named(r, x->class_name);
		c->counts[x->cat]++;
		c->total++;
		r->totals[x->cat]++;
		if (x->cat == ROT_MUST_CHANGE && x->reason != NULL)
			count_reason(c, x->reason);
	}
	for (size_t i = 0; i < r->nclasses; i++)
		if (r->classes[i].nreasons > 1)
			qsort(r->classes[i].reasons, r->classes[i].nreasons,
			      sizeof(*r->classes[i].reasons), cmp_reason);
	if (r->nclasses - configured > 1)
		qsort(r->classes + configured, r->nclasses - configured, sizeof(*r->classes),
		      cmp_class);
}

/* ------------------------------------------------------------ reviews (R19) */

static int cmp_account_key(const void *key, const void *elem)
{
	const struct rep_account *k = key, *x = elem;
	int c = strcmp(k->name, x->name);
	return c != 0 ? c : strcmp(k->scope, x->scope);
}

static int add_review(const char *name, const char *scope, int64_t when, const char *reviewer,
                      const char *note, void *ctx)
{
	struct report *r = ctx;
	struct rep_account key = {.name = (char *)name, .scope = (char *)scope};
	(void)note;
	struct rep_account *x = r->naccounts > 0 ? bsearch(&key, r->accounts, r->naccounts,
	                                                   sizeof(*r->accounts), cmp_account_key)
	                                         : NULL;
	if (x != NULL) {
		x->reviewed_at = when;
		x->reviewer = report_xstrdup(reviewer);
	}
	return 0;
}

static int cmp_unreviewed(const void *a, const void *b)
{
	const struct rep_account *p = &sorting->accounts[*(const size_t *)a];
	const struct rep_account *q = &sorting->accounts[*(const size_t *)b];
	if (p->reviewed_at != q->reviewed_at)
		return p->reviewed_at < q->reviewed_at ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* Never reviewed, or last reviewed more than REPORT_REVIEW_DAYS ago, in
 * the whole days every renderer shows: a row never says "365" under a
 * heading that says "more than 365 days". */
static void find_unreviewed(struct report *r)
{
	r->unreviewed = report_xcalloc(r->naccounts, sizeof(size_t));
	for (size_t i = 0; i < r->naccounts; i++) {
		int64_t when = r->accounts[i].reviewed_at;
		if (when != 0 && report_days_since(r, when) <= REPORT_REVIEW_DAYS)
			continue;
		r->unreviewed[r->nunreviewed++] = i;
		r->never_reviewed += when == 0;
	}
	sorting = r;
	if (r->nunreviewed > 1)
		qsort(r->unreviewed, r->nunreviewed, sizeof(size_t), cmp_unreviewed);
}

/* ------------------------------------------------------------ R12 */

static void find_ownership(struct report *r)
{
	r->unowned = report_xcalloc(r->naccounts, sizeof(size_t));
	r->shared = report_xcalloc(r->naccounts, sizeof(size_t));
	for (size_t i = 0; i < r->naccounts; i++) {
		const struct rep_account *x = &r->accounts[i];
		if (x->kind != CP_ACCOUNT_PERSONAL)
			continue;
		if (x->nowners == 0)
			r->unowned[r->nunowned++] = i;
		else if (x->nowners > 1)
			r->shared[r->nshared++] = i;
	}
}

/* ------------------------------------------------------------ all */

static int read_accounts(struct report *r, cp_ledger *l)
{
	int rc = cp_ledger_people(l, add_person, r);
	if (rc == CP_OK)
		rc = cp_ledger_accounts(l, add_account, r);
	for (size_t i = 0; rc == CP_OK && i < r->naccounts; i++)
		rc = status_of(r, l, i);
	if (rc == CP_OK)
		rc = cp_ledger_reviews(l, add_review, r);
	if (rc != CP_OK)
		return rc;
	r->by_label = report_xcalloc(r->naccounts, sizeof(size_t));
	for (size_t i = 0; i < r->naccounts; i++)
		r->by_label[i] = i;
	sorting = r;
	if (r->naccounts > 1)
		qsort(r->by_label, r->naccounts, sizeof(size_t), cmp_label_idx);
	return CP_OK;
}

int report_gather(struct report *r, cp_ledger *l)
{
	int rc = read_accounts(r, l);
	if (rc != CP_OK)
		return rc;
	count_classes(r);
	find_ownership(r);
	find_unreviewed(r);
	rc = report_events(r, l);
	if (rc == CP_OK)
		report_leavers(r);
	if (rc == CP_OK)
		rc = report_duties(r, l);
	return rc;
}

const char *const report_finding_names[FIND_N] = {
    "rotation", "ownership", "alerts", "leavers", "duties", "reviews",
};

size_t report_findings(const struct report *r, enum rep_finding f)
{
	switch (f) {
	case FIND_ROTATION:
		return r->totals[ROT_EXPIRED] + r->totals[ROT_MUST_CHANGE];
	case FIND_OWNERSHIP:
		return r->nunowned + r->nshared;
	case FIND_ALERTS:
		return r->nalerts;
	case FIND_LEAVERS:
		return r->leaver_accounts;
	case FIND_DUTIES:
		return r->conflict_people;
	case FIND_REVIEWS:
		return r->nunreviewed;
	case FIND_N:
		break;
	}
	return 0;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

static void free_accounts(struct report *r)
{
	for (size_t i = 0; i < r->naccounts; i++) {
		struct rep_account *x = &r->accounts[i];
		free(x->name);
		free(x->scope);
		free(x->label);
		free(x->stored_class);
		free(x->class_name);
		free(x->reason);
		free(x->reviewer);
		free(x->flag_person);
		free_list(x->owners, x->nowners);
		free_list(x->custodians, x->ncustodians);
	}
	free(r->accounts);
}

static void free_classes(struct report *r)
{
	for (size_t i = 0; i < r->nclasses; i++) {
		for (size_t k = 0; k < r->classes[i].nreasons; k++)
			free(r->classes[i].reasons[k].text);
		free(r->classes[i].reasons);
		free(r->classes[i].name);
	}
	free(r->classes);
}

static void free_findings(struct report *r)
{
	for (size_t i = 0; i < r->nalerts; i++) {
		free(r->alerts[i].account);
		free(r->alerts[i].rhost);
		free(r->alerts[i].actor);
		free(r->alerts[i].detail);
	}
	free(r->alerts);
	for (size_t i = 0; i < r->nrevokes; i++)
		free(r->revokes[i].person);
	free(r->revokes);
	free(r->leavers);
	for (size_t i = 0; i < r->nconflicts; i++) {
		struct rep_conflict *c = &r->conflicts[i];
		free(c->os_group);
		free(c->os_scope);
		free(c->db_group);
		free(c->db_scope);
		free(c->where);
	}
	free(r->conflicts);
	for (char **g = r->os_groups; g != NULL && *g != NULL; g++)
		free(*g);
	for (char **g = r->db_groups; g != NULL && *g != NULL; g++)
		free(*g);
	free(r->os_groups);
	free(r->db_groups);
}

void report_free(struct report *r)
{
	for (size_t i = 0; i < r->npeople; i++) {
		free(r->people[i].id);
		free(r->people[i].name);
	}
	free(r->people);
	free_accounts(r);
	free(r->by_label);
	free_classes(r);
	free(r->unowned);
	free(r->shared);
	free(r->unreviewed);
	free_findings(r);
}
