/* report_json.c - credpolicy report --json: one document with every
 * number and every list (docs/REPORT.md describes its fields). Keys are
 * stable English words; times are UTC "YYYY-MM-DDTHH:MM:SSZ" or null. */
#include "report.h"

#include <stdint.h>
#include <time.h>

static void jstr(FILE *out, const char *s)
{
	if (s != NULL)
		tool_json_string(out, s);
	else
		fputs("null", out);
}

/* ", "key": " (first: no comma) */
static void jkey(FILE *out, const char *key, bool first)
{
	fprintf(out, "%s\"%s\": ", first ? "" : ", ", key);
}

/* ", "key": "value"" (value NULL: null) */
static void jfield(FILE *out, const char *key, const char *value)
{
	jkey(out, key, false);
	jstr(out, value);
}

static void jtime(FILE *out, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char buf[32];
	if (t == 0 || gmtime_r(&tt, &tm) == NULL) {
		fputs("null", out);
		return;
	}
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(out, "\"%s\"", buf);
}

static void jlist(FILE *out, char **v, size_t n)
{
	fputc('[', out);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			fputs(", ", out);
		jstr(out, v[i]);
	}
	fputc(']', out);
}

static void counts(FILE *out, const size_t *c)
{
	size_t total = 0;
	fputc('{', out);
	for (int k = 0; k < ROT_NCATS; k++) {
		jkey(out, report_cat_code((enum rot_cat)k), k == 0);
		fprintf(out, "%zu", c[k]);
		total += c[k];
	}
	fprintf(out, ", \"total\": %zu}", total);
}

static void summary(FILE *out, const struct report *r)
{
	fprintf(out, ",\n \"summary\": {\"accounts\": %zu", r->naccounts);
	for (int f = 0; f < FIND_N; f++)
		fprintf(out, ", \"%s\": %zu", report_finding_names[f],
		        report_findings(r, (enum rep_finding)f));
	fputc('}', out);
}

static void rotation(FILE *out, const struct report *r)
{
	fputs(",\n \"rotation\": {\"rule\": \"R7-R11\", \"classes\": [", out);
	for (size_t i = 0; i < r->nclasses; i++) {
		const struct rep_class *c = &r->classes[i];
		fputs(i > 0 ? ",\n  {" : "\n  {", out);
		jkey(out, "class", true);
		jstr(out, c->name);
		fprintf(out, ", \"max_age_days\": %u, \"warn_days\": %u, \"otp_exempt\": %s",
		        c->max_age, c->warn, c->otp_exempt ? "true" : "false");
		fputs(", \"counts\": ", out);
		counts(out, c->counts);
		fputs(", \"must_change_reasons\": [", out);
		for (size_t k = 0; k < c->nreasons; k++) {
			fputs(k > 0 ? ", {" : "{", out);
			jkey(out, "reason", true);
			jstr(out, c->reasons[k].text);
			fprintf(out, ", \"count\": %zu}", c->reasons[k].count);
		}
		fputs("]}", out);
	}
	fputs("],\n  \"totals\": ", out);
	counts(out, r->totals);
	fprintf(out, ", \"shadowed\": %zu}", r->shadowed);
}

static void account(FILE *out, const struct rep_account *x)
{
	fputs("{\"name\": ", out);
	jstr(out, x->name);
	jfield(out, "scope", x->scope);
	jfield(out, "class", x->class_name);
	jfield(out, "kind", cp_account_kind_name(x->kind));
	jfield(out, "state", x->shadowed ? NULL : cp_state_code(x->state));
	jfield(out, "category", x->shadowed ? NULL : report_cat_code(x->cat));
	jkey(out, "days_left", false);
	if (x->shadowed || x->days_left == INT32_MAX)
		fputs("null", out);
	else
		fprintf(out, "%ld", (long)x->days_left);
	jfield(out, "must_change", x->reason);
	jkey(out, "last_change", false);
	jtime(out, x->last_change);
	fprintf(out, ", \"locked\": %s, \"otp\": %s", x->locked ? "true" : "false",
	        x->otp ? "true" : "false");
	jkey(out, "owners", false);
	jlist(out, x->owners, x->nowners);
	jkey(out, "custodians", false);
	jlist(out, x->custodians, x->ncustodians);
	jkey(out, "last_review", false);
	jtime(out, x->reviewed_at);
	jfield(out, "reviewer", x->reviewer);
	fputc('}', out);
}

static void accounts(FILE *out, const struct report *r)
{
	fputs(",\n \"accounts\": [", out);
	for (size_t i = 0; i < r->naccounts; i++) {
		fputs(i > 0 ? ",\n  " : "\n  ", out);
		account(out, &r->accounts[i]);
	}
	fputs("]", out);
}

static void account_list(FILE *out, const struct report *r, const size_t *idx, size_t n)
{
	fputc('[', out);
	for (size_t i = 0; i < n; i++) {
		const struct rep_account *x = &r->accounts[idx[i]];
		fputs(i > 0 ? ", {" : "{", out);
		jkey(out, "name", true);
		jstr(out, x->name);
		jfield(out, "scope", x->scope);
		jkey(out, "owners", false);
		jlist(out, x->owners, x->nowners);
		jfield(out, "state", x->shadowed ? NULL : cp_state_code(x->state));
		fputc('}', out);
	}
	fputc(']', out);
}

static void ownership(FILE *out, const struct report *r)
{
	fputs(",\n \"ownership\": {\"rule\": \"R12\", \"unowned\": ", out);
	account_list(out, r, r->unowned, r->nunowned);
	fputs(", \"shared\": ", out);
	account_list(out, r, r->shared, r->nshared);
	fputc('}', out);
}

static void alerts(FILE *out, const struct report *r)
{
	fputs(",\n \"alerts\": {\"rule\": \"R12\", \"since\": ", out);
	jtime(out, r->since);
	fputs(", \"until\": ", out);
	jtime(out, r->now);
	fputs(", \"items\": [", out);
	for (size_t i = 0; i < r->nalerts; i++) {
		const struct rep_alert *a = &r->alerts[i];
		fputs(i > 0 ? ",\n  {" : "\n  {", out);
		jkey(out, "time", true);
		jtime(out, a->time);
		jfield(out, "account", a->account);
		jfield(out, "rhost", a->rhost);
		fprintf(out, ", \"others\": %u, \"refused\": %s", a->others,
		        a->refused ? "true" : "false");
		jfield(out, "actor", a->actor);
		jfield(out, "detail", a->detail);
		fputc('}', out);
	}
	fputs("]}", out);
}

static void leaver(FILE *out, const struct report *r, const struct rep_leaver *v)
{
	const struct rep_account *x = &r->accounts[v->account];
	const struct rep_person *p = report_person(r, v->person);
	jkey(out, "account", true);
	jstr(out, x->name);
	jfield(out, "scope", x->scope);
	jfield(out, "class", x->class_name);
	jfield(out, "kind", cp_account_kind_name(x->kind));
	jfield(out, "state", x->shadowed ? NULL : cp_state_code(x->state));
	jfield(out, "employee_id", *v->person != '\0' ? v->person : NULL);
	jfield(out, "name", p != NULL ? p->name : NULL);
	jkey(out, "departed_at", false);
	jtime(out, p != NULL ? p->departed : 0);
	jfield(out, "link", report_role_code(v->role));
	jkey(out, "since", false);
	jtime(out, v->since);
	jkey(out, "days_outstanding", false);
	if (v->since != 0)
		fprintf(out, "%lld", (long long)report_days_since(r, v->since));
	else
		fputs("null", out);
	jfield(out, "must_change", x->reason);
}

static void leavers(FILE *out, const struct report *r)
{
	fprintf(out, ",\n \"leavers\": {\"rule\": \"R13\", \"accounts\": %zu, \"people\": %zu",
	        r->leaver_accounts, r->leaver_people);
	fputs(", \"items\": [", out);
	for (size_t i = 0; i < r->nleavers; i++) {
		fputs(i > 0 ? ",\n  {" : "\n  {", out);
		leaver(out, r, &r->leavers[i]);
		fputc('}', out);
	}
	fputs("]}", out);
}

static void groups(FILE *out, const char *key, char **g)
{
	size_t n = 0;
	while (g[n] != NULL)
		n++;
	jkey(out, key, false);
	jlist(out, g, n);
}

static void duties(FILE *out, const struct report *r)
{
	fputs(",\n \"duties\": {\"rule\": \"R18\"", out);
	groups(out, "os_admin_groups", r->os_groups);
	groups(out, "db_admin_groups", r->db_groups);
	fprintf(out, ", \"people\": %zu, \"conflicts\": [", r->conflict_people);
	for (size_t i = 0; i < r->nconflicts; i++) {
		const struct rep_conflict *c = &r->conflicts[i];
		const struct rep_person *p = report_person(r, c->person);
		fputs(i > 0 ? ",\n  {" : "\n  {", out);
		jkey(out, "employee_id", true);
		jstr(out, c->person);
		jfield(out, "name", p != NULL ? p->name : NULL);
		fprintf(out, ", \"departed\": %s",
		        p != NULL && p->departed != 0 ? "true" : "false");
		const char *keys[] = {"os_group", "os_scope", "db_group", "db_scope", "hosts"};
		const char *vals[] = {c->os_group, c->os_scope, c->db_group, c->db_scope, c->where};
		for (int k = 0; k < 5; k++) {
			jfield(out, keys[k], vals[k]);
		}
		fputc('}', out);
	}
	fputs("]}", out);
}

static void reviews(FILE *out, const struct report *r)
{
	fprintf(out,
	        ",\n \"reviews\": {\"rule\": \"R19\", \"max_age_days\": %d, \"never\": %zu,"
	        " \"stale\": %zu, \"items\": [",
	        REPORT_REVIEW_DAYS, r->never_reviewed, r->nunreviewed - r->never_reviewed);
	for (size_t i = 0; i < r->nunreviewed; i++) {
		const struct rep_account *x = &r->accounts[r->unreviewed[i]];
		fputs(i > 0 ? ",\n  {" : "\n  {", out);
		jkey(out, "name", true);
		jstr(out, x->name);
		jfield(out, "scope", x->scope);
		jfield(out, "class", x->class_name);
		jkey(out, "last_review", false);
		jtime(out, x->reviewed_at);
		jfield(out, "reviewer", x->reviewer);
		jkey(out, "days_since", false);
		if (x->reviewed_at != 0)
			fprintf(out, "%lld}", (long long)report_days_since(r, x->reviewed_at));
		else
			fputs("null}", out);
	}
	fputs("]}", out);
}

void report_json(FILE *out, const struct report *r)
{
	fputs("{\"report\": \"credpolicy-report\", \"version\": 1", out);
	jfield(out, "host", r->host);
	jfield(out, "ledger", r->ledger_path);
	jkey(out, "now", false);
	jtime(out, r->now);
	jkey(out, "since", false);
	jtime(out, r->since);
	summary(out, r);
	rotation(out, r);
	accounts(out, r);
	ownership(out, r);
	alerts(out, r);
	leavers(out, r);
	duties(out, r);
	reviews(out, r);
	fputs("\n}\n", out);
}
