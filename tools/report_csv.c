/* report_csv.c - credpolicy report --csv: one table per run, chosen with
 * --section (default "summary": every number of the report). RFC 4180:
 * CRLF line ends, a header row of stable column names, fields with a
 * comma, a quote or a line end in double quotes (quotes doubled). A text
 * field that starts with = + - @ tab or CR gets a leading ' so that a
 * spreadsheet does not run it as a formula (a display name such as
 * "=HYPERLINK(...)" in the ledger must stay text); numbers are written
 * as numbers. */
#include "report.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *const report_csv_sections[] = {
    "summary", "rotation", "reasons", "accounts", "ownership",
    "alerts",  "leavers",  "duties",  "reviews",  NULL,
};

struct csv {
	FILE *out;
	bool first; /* no field yet on this line */
};

static void sep(struct csv *c)
{
	if (!c->first)
		fputc(',', c->out);
	c->first = false;
}

static void text(struct csv *c, const char *s)
{
	if (s == NULL)
		s = "";
	sep(c);
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		fputc('"', c->out);
	if (*s != '\0' && strchr("=+-@\t\r", *s) != NULL)
		fputc('\'', c->out);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', c->out);
		fputc(*s, c->out);
	}
	if (quote)
		fputc('"', c->out);
}

static void number(struct csv *c, long long v)
{
	sep(c);
	fprintf(c->out, "%lld", v);
}

static void date(struct csv *c, int64_t t)
{
	char buf[32];
	text(c, report_date(t, buf));
}

static void end(struct csv *c)
{
	fputs("\r\n", c->out);
	c->first = true;
}

/* The header: column names separated by blanks. */
static void head(struct csv *c, const char *names)
{
	char *copy = report_xstrdup(names), *save = NULL;
	for (char *n = strtok_r(copy, " ", &save); n != NULL; n = strtok_r(NULL, " ", &save))
		text(c, n);
	free(copy);
	end(c);
}

static void row3(struct csv *c, const char *section, const char *rule, const char *item,
                 long long v)
{
	text(c, section);
	text(c, rule);
	text(c, item);
	number(c, v);
	end(c);
}

static void summary(struct csv *c, const struct report *r)
{
	head(c, "section rule item value");
	row3(c, "ledger", "", "accounts", (long long)r->naccounts);
	for (int k = 0; k < ROT_NCATS; k++)
		row3(c, "rotation", "R7-R11", report_cat_code((enum rot_cat)k),
		     (long long)r->totals[k]);
	row3(c, "rotation", "R7-R11", "shadowed", (long long)r->shadowed);
	row3(c, "ownership", "R12", "unowned", (long long)r->nunowned);
	row3(c, "ownership", "R12", "shared", (long long)r->nshared);
	row3(c, "alerts", "R12", "sharing_alerts", (long long)r->nalerts);
	row3(c, "leavers", "R13", "accounts", (long long)r->leaver_accounts);
	row3(c, "leavers", "R13", "people", (long long)r->leaver_people);
	row3(c, "leavers", "R13", "items", (long long)r->nleavers);
	row3(c, "duties", "R18", "people", (long long)r->conflict_people);
	row3(c, "duties", "R18", "conflicts", (long long)r->nconflicts);
	row3(c, "reviews", "R19", "never", (long long)r->never_reviewed);
	row3(c, "reviews", "R19", "stale", (long long)(r->nunreviewed - r->never_reviewed));
	row3(c, "reviews", "R19", "not_reviewed", (long long)r->nunreviewed);
}

static void rotation(struct csv *c, const struct report *r)
{
	head(c, "class max_age_days warn_days total ok otp_exempt warn expired must_change locked "
	        "departed unowned shared");
	for (size_t i = 0; i <= r->nclasses; i++) {
		bool all = i == r->nclasses;
		const size_t *n = all ? r->totals : r->classes[i].counts;
		size_t total = 0;
		for (int k = 0; k < ROT_NCATS; k++)
			total += n[k];
		text(c, all ? "all" : r->classes[i].name);
		if (all) {
			text(c, "");
			text(c, "");
		} else {
			number(c, r->classes[i].max_age);
			number(c, r->classes[i].warn);
		}
		number(c, (long long)total);
		for (int k = 0; k < ROT_NCATS; k++)
			number(c, (long long)n[k]);
		end(c);
	}
}

static void reasons(struct csv *c, const struct report *r)
{
	head(c, "class reason count");
	for (size_t i = 0; i < r->nclasses; i++)
		for (size_t k = 0; k < r->classes[i].nreasons; k++) {
			text(c, r->classes[i].name);
			text(c, r->classes[i].reasons[k].text);
			number(c, (long long)r->classes[i].reasons[k].count);
			end(c);
		}
}

static void list(struct csv *c, char **v, size_t n)
{
	char *s = report_xstrdup("");
	for (size_t i = 0; i < n; i++) {
		char *t = report_xasprintf("%s%s%s", s, i > 0 ? " " : "", v[i]);
		free(s);
		s = t;
	}
	text(c, s);
	free(s);
}

static void accounts(struct csv *c, const struct report *r)
{
	head(c, "name scope class kind state days_left must_change last_change locked otp owners "
	        "custodians last_review reviewer");
	for (size_t i = 0; i < r->naccounts; i++) {
		const struct rep_account *x = &r->accounts[i];
		text(c, x->name);
		text(c, x->scope);
		text(c, x->class_name);
		text(c, cp_account_kind_name(x->kind));
		text(c, x->shadowed ? "shadowed" : report_cat_code(x->cat));
		if (x->shadowed || x->days_left == INT32_MAX)
			text(c, "");
		else
			number(c, x->days_left);
		text(c, x->reason);
		date(c, x->last_change);
		text(c, x->locked ? "yes" : "no");
		text(c, x->otp ? "yes" : "no");
		list(c, x->owners, x->nowners);
		list(c, x->custodians, x->ncustodians);
		date(c, x->reviewed_at);
		text(c, x->reviewer);
		end(c);
	}
}

static void ownership(struct csv *c, const struct report *r)
{
	head(c, "name scope problem owners state");
	for (int pass = 0; pass < 2; pass++) {
		size_t n = pass == 0 ? r->nunowned : r->nshared;
		for (size_t i = 0; i < n; i++) {
			const struct rep_account *x =
			    &r->accounts[(pass == 0 ? r->unowned : r->shared)[i]];
			text(c, x->name);
			text(c, x->scope);
			text(c, pass == 0 ? "unowned" : "shared");
			list(c, x->owners, x->nowners);
			text(c, x->shadowed ? "shadowed" : report_cat_code(x->cat));
			end(c);
		}
	}
}

static void alerts(struct csv *c, const struct report *r)
{
	head(c, "time account rhost others refused actor detail");
	for (size_t i = 0; i < r->nalerts; i++) {
		const struct rep_alert *a = &r->alerts[i];
		char when[32];
		text(c, report_datetime(a->time, when));
		text(c, a->account);
		text(c, a->rhost);
		number(c, a->others);
		text(c, a->refused ? "yes" : "no");
		text(c, a->actor);
		text(c, a->detail);
		end(c);
	}
}

static void leavers(struct csv *c, const struct report *r)
{
	head(c, "account scope class kind employee_id name departed_at link since days_outstanding "
	        "must_change");
	for (size_t i = 0; i < r->nleavers; i++) {
		const struct rep_leaver *v = &r->leavers[i];
		const struct rep_account *x = &r->accounts[v->account];
		const struct rep_person *p = report_person(r, v->person);
		text(c, x->name);
		text(c, x->scope);
		text(c, x->class_name);
		text(c, cp_account_kind_name(x->kind));
		text(c, v->person);
		text(c, p != NULL ? p->name : "");
		date(c, p != NULL ? p->departed : 0);
		text(c, report_role_code(v->role));
		date(c, v->since);
		if (v->since != 0)
			number(c, report_days_since(r, v->since));
		else
			text(c, "");
		text(c, x->reason);
		end(c);
	}
}

static void duties(struct csv *c, const struct report *r)
{
	head(c, "employee_id name departed os_group os_scope db_group db_scope hosts");
	for (size_t i = 0; i < r->nconflicts; i++) {
		const struct rep_conflict *k = &r->conflicts[i];
		const struct rep_person *p = report_person(r, k->person);
		text(c, k->person);
		text(c, p != NULL ? p->name : "");
		text(c, p != NULL && p->departed != 0 ? "yes" : "no");
		text(c, k->os_group);
		text(c, k->os_scope);
		text(c, k->db_group);
		text(c, k->db_scope);
		text(c, k->where);
		end(c);
	}
}

static void reviews(struct csv *c, const struct report *r)
{
	head(c, "name scope class last_review reviewer days_since");
	for (size_t i = 0; i < r->nunreviewed; i++) {
		const struct rep_account *x = &r->accounts[r->unreviewed[i]];
		text(c, x->name);
		text(c, x->scope);
		text(c, x->class_name);
		date(c, x->reviewed_at);
		text(c, x->reviewer);
		if (x->reviewed_at != 0)
			number(c, report_days_since(r, x->reviewed_at));
		else
			text(c, "");
		end(c);
	}
}

bool report_csv(FILE *out, const struct report *r, const char *section)
{
	static void (*const writers[])(struct csv *, const struct report *) = {
	    summary, rotation, reasons, accounts, ownership, alerts, leavers, duties, reviews,
	};
	struct csv c = {out, true};
	for (size_t i = 0; report_csv_sections[i] != NULL; i++)
		if (strcmp(section, report_csv_sections[i]) == 0) {
			writers[i](&c, r);
			return true;
		}
	return false;
}
