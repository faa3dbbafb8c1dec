/* report_text.c - credpolicy report as text for a terminal: a summary,
 * then one aligned table per section, widths measured in terminal
 * columns (a Chinese character takes two). Also the labels every
 * renderer shares. Lists are complete: text is for administrators and
 * grep; the HTML report is the one for reading. */
#include "report.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* ------------------------------------------------------------ labels */

static const char *const cat_codes[ROT_NCATS] = {
    "ok", "otp_exempt", "warn", "expired", "must_change", "locked", "departed", "unowned", "shared",
};

const char *report_cat_code(enum rot_cat c)
{
	return cat_codes[c];
}

const char *report_cat_label(enum rot_cat c)
{
	static const char *const labels[ROT_NCATS] = {
	    N_("ok"),     N_("OTP-exempt"), N_("due soon"), N_("overdue"), N_("must change"),
	    N_("locked"), N_("departed"),   N_("unowned"),  N_("shared"),
	};
	return _(labels[c]);
}

const char *report_role_code(enum leaver_role role)
{
	static const char *const codes[] = {"owner", "custodian", "former_custodian", "flag"};
	return codes[role];
}

const char *report_role_label(enum leaver_role role)
{
	static const char *const labels[] = {
	    N_("owner"),
	    N_("custodian"),
	    N_("former custodian"),
	    N_("must-change flag"),
	};
	return _(labels[role]);
}

const char *report_kind_label(cp_account_kind k)
{
	switch (k) {
	case CP_ACCOUNT_PERSONAL:
		return _("personal");
	case CP_ACCOUNT_SERVICE:
		return _("service");
	case CP_ACCOUNT_BREAK_GLASS:
		return _("break-glass");
	}
	return "";
}

/* ------------------------------------------------------------ tables */

/* Terminal columns of UTF-8 text (an invalid byte counts as one). */
static int text_width(const char *s)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t len = strlen(s);
	int width = 0;
	while (len > 0) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, s, len, &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&st, 0, sizeof st);
			n = 1;
			width++;
		} else {
			int w = wcwidth(wc);
			width += w > 0 ? w : 0;
		}
		s += n;
		len -= n;
	}
	return width;
}

struct table {
	size_t ncols, nrows;
	const char *const *head;
	unsigned right; /* bit i: column i aligned right (numbers) */
	char **cells;   /* nrows * ncols */
};

static void table_row(struct table *t, ...)
{
	va_list ap;
	t->cells = report_xrealloc(t->cells, (t->nrows + 1) * t->ncols, sizeof(char *));
	va_start(ap, t);
	for (size_t c = 0; c < t->ncols; c++) {
		const char *s = va_arg(ap, const char *);
		t->cells[t->nrows * t->ncols + c] = report_xstrdup(s != NULL ? s : "");
	}
	va_end(ap);
	t->nrows++;
}

static void pad(FILE *out, const char *s, int width, bool right, bool last)
{
	int gap = width - text_width(s);
	if (right)
		fprintf(out, "%*s", gap > 0 ? gap : 0, "");
	fputs(s, out);
	if (!right && !last)
		fprintf(out, "%*s", gap > 0 ? gap : 0, "");
}

/* Print and free the table; "none" when it has no row. */
static void table_print(FILE *out, struct table *t)
{
	if (t->nrows == 0) {
		fprintf(out, "  %s\n", _("none"));
		return;
	}
	int *w = report_xcalloc(t->ncols, sizeof(int));
	for (size_t c = 0; c < t->ncols; c++) {
		w[c] = text_width(_(t->head[c]));
		for (size_t r = 0; r < t->nrows; r++) {
			int x = text_width(t->cells[r * t->ncols + c]);
			w[c] = x > w[c] ? x : w[c];
		}
	}
	for (size_t r = 0; r <= t->nrows; r++) {
		const char *const *row =
		    r == 0 ? NULL : (const char *const *)&t->cells[(r - 1) * t->ncols];
		size_t last = t->ncols - 1; /* no trailing blanks after empty cells */
		while (row != NULL && last > 0 && *row[last] == '\0')
			last--;
		fputs("  ", out);
		for (size_t c = 0; c <= last; c++) {
			pad(out, row != NULL ? row[c] : _(t->head[c]), w[c], (t->right >> c) & 1,
			    c == last);
			fputs(c < last ? "  " : "\n", out);
		}
	}
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(w);
}

/* A number as text, in one of several static buffers (a row's worth). */
static const char *num(long long v)
{
	static char buf[16][24];
	static unsigned next;
	char *b = buf[next++ % 16];
	snprintf(b, sizeof buf[0], "%lld", v);
	return b;
}

/* ------------------------------------------------------------ sections */

static void header(FILE *out, const struct report *r)
{
	char now[32], since[32];
	fprintf(out, "%s\n", _("Account and password report"));
	fprintf(out, _("  ledger:  %s\n"), r->ledger_path);
	fprintf(out, _("  host:    %s\n"), r->host);
	fprintf(out, _("  as of:   %s UTC\n"), report_datetime(r->now, now));
	fprintf(out, _("  period:  %s to %s (sharing alerts)\n"), report_date(r->since, since),
	        report_date(r->now, now));
}

static void summary(FILE *out, const struct report *r)
{
	static const char *const head[] = {N_("finding"), N_("rule"), N_("count")};
	struct table t = {3, 0, head, 1u << 2, NULL};
	table_row(&t, _("accounts in the ledger"), "", num((long long)r->naccounts));
	table_row(&t, _("overdue or must change"), "R7-R11",
	          num((long long)report_findings(r, FIND_ROTATION)));
	table_row(&t, _("unowned or shared personal accounts"), "R12",
	          num((long long)report_findings(r, FIND_OWNERSHIP)));
	table_row(&t, _("sharing alerts in the period"), "R12", num((long long)r->nalerts));
	table_row(&t, _("accounts with a leaver's credential not changed"), "R13",
	          num((long long)r->leaver_accounts));
	table_row(&t, _("people who are both OS and DB administrators"), "R18",
	          num((long long)r->conflict_people));
	table_row(&t, _("accounts not reviewed in 12 months"), "R19",
	          num((long long)r->nunreviewed));
	fprintf(out, "\n%s\n", _("Summary"));
	table_print(out, &t);
}

static void rotation(FILE *out, const struct report *r)
{
	static const char *const head[] = {
	    N_("class"),   N_("total"),       N_("ok"),     N_("OTP-exempt"),        N_("due soon"),
	    N_("overdue"), N_("must change"), N_("locked"), N_("refused (R12/R13)"),
	};
	struct table t = {9, 0, head, 0x1fe, NULL};
	for (size_t i = 0; i <= r->nclasses; i++) {
		bool all = i == r->nclasses;
		const size_t *c = all ? r->totals : r->classes[i].counts;
		size_t total = 0;
		for (int k = 0; k < ROT_NCATS; k++)
			total += c[k];
		table_row(&t, all ? _("all classes") : r->classes[i].name, num((long long)total),
		          num((long long)c[ROT_OK]), num((long long)c[ROT_OTP]),
		          num((long long)c[ROT_WARN]), num((long long)c[ROT_EXPIRED]),
		          num((long long)c[ROT_MUST_CHANGE]), num((long long)c[ROT_LOCKED]),
		          num((long long)(c[ROT_DEPARTED] + c[ROT_UNOWNED] + c[ROT_SHARED])));
	}
	fprintf(out, "\n%s\n", _("Rotation by class (R7-R11)"));
	table_print(out, &t);
	if (r->shadowed > 0)
		fprintf(out,
		        ngettext("  %zu account record applies to no host and has no status.\n",
		                 "  %zu account records apply to no host and have no status.\n",
		                 r->shadowed),
		        r->shadowed);
	static const char *const rhead[] = {N_("class"), N_("must-change reason"), N_("accounts")};
	struct table rt = {3, 0, rhead, 1u << 2, NULL};
	for (size_t i = 0; i < r->nclasses; i++)
		for (size_t k = 0; k < r->classes[i].nreasons; k++)
			table_row(&rt, r->classes[i].name, r->classes[i].reasons[k].text,
			          num((long long)r->classes[i].reasons[k].count));
	fprintf(out, "\n%s\n", _("Must-change reasons (numbers left out)"));
	table_print(out, &rt);
}

/* "E1, E2" */
static char *join(char **v, size_t n)
{
	char *s = report_xstrdup("");
	for (size_t i = 0; i < n; i++) {
		char *t = report_xasprintf("%s%s%s", s, i > 0 ? ", " : "", v[i]);
		free(s);
		s = t;
	}
	return s;
}

static void ownership(FILE *out, const struct report *r)
{
	static const char *const head[] = {N_("account"), N_("scope"), N_("problem"), N_("owners"),
	                                   N_("state")};
	struct table t = {5, 0, head, 0, NULL};
	for (int pass = 0; pass < 2; pass++) {
		size_t n = pass == 0 ? r->nunowned : r->nshared;
		for (size_t i = 0; i < n; i++) {
			const struct rep_account *x =
			    &r->accounts[(pass == 0 ? r->unowned : r->shared)[i]];
			char *owners = join(x->owners, x->nowners);
			table_row(&t, x->name, x->scope, pass == 0 ? _("unowned") : _("shared"),
			          owners, x->shadowed ? "" : report_cat_label(x->cat));
			free(owners);
		}
	}
	fprintf(out, "\n%s\n", _("Unowned and shared personal accounts (R12)"));
	table_print(out, &t);
}

static void alerts(FILE *out, const struct report *r)
{
	static const char *const head[] = {N_("time (UTC)"), N_("account"), N_("from"),
	                                   N_("other addresses"), N_("refused")};
	struct table t = {5, 0, head, 1u << 3, NULL};
	for (size_t i = 0; i < r->nalerts; i++) {
		const struct rep_alert *a = &r->alerts[i];
		char when[32];
		table_row(&t, report_datetime(a->time, when), a->account, a->rhost,
		          num((long long)a->others), a->refused ? _("yes") : _("no"));
	}
	fprintf(out, "\n%s\n", _("Sharing alerts in the period (R12)"));
	table_print(out, &t);
}

static void leavers(FILE *out, const struct report *r)
{
	static const char *const head[] = {N_("account"), N_("scope"), N_("leaver"),   N_("name"),
	                                   N_("link"),    N_("since"), N_("days open")};
	struct table t = {7, 0, head, 1u << 6, NULL};
	for (size_t i = 0; i < r->nleavers; i++) {
		const struct rep_leaver *v = &r->leavers[i];
		const struct rep_account *x = &r->accounts[v->account];
		const struct rep_person *p = report_person(r, v->person);
		char since[32];
		table_row(&t, x->name, x->scope, v->person, p != NULL ? p->name : "",
		          report_role_label(v->role), report_date(v->since, since),
		          v->since != 0 ? num(report_days_since(r, v->since)) : "");
	}
	fprintf(out, "\n%s\n", _("Leavers' credentials not yet changed (R13)"));
	table_print(out, &t);
}

static void print_groups(FILE *out, const char *what, char **groups)
{
	fprintf(out, "  %s:", what);
	for (char **g = groups; *g != NULL; g++)
		fprintf(out, " %s", *g);
	fputc('\n', out);
}

static void duties(FILE *out, const struct report *r)
{
	static const char *const head[] = {N_("person"),   N_("name"),     N_("OS group"),
	                                   N_("OS scope"), N_("DB group"), N_("DB scope"),
	                                   N_("hosts")};
	struct table t = {7, 0, head, 0, NULL};
	for (size_t i = 0; i < r->nconflicts; i++) {
		const struct rep_conflict *c = &r->conflicts[i];
		const struct rep_person *p = report_person(r, c->person);
		table_row(&t, c->person, p != NULL ? p->name : "", c->os_group, c->os_scope,
		          c->db_group, c->db_scope, c->where);
	}
	fprintf(out, "\n%s\n", _("Separation of duties: both OS and DB administrator (R18)"));
	print_groups(out, _("OS administrator groups"), r->os_groups);
	print_groups(out, _("DB administrator groups"), r->db_groups);
	table_print(out, &t);
}

static void reviews(FILE *out, const struct report *r)
{
	static const char *const head[] = {N_("account"),     N_("scope"),    N_("class"),
	                                   N_("last review"), N_("reviewer"), N_("days since")};
	struct table t = {6, 0, head, 1u << 5, NULL};
	for (size_t i = 0; i < r->nunreviewed; i++) {
		const struct rep_account *x = &r->accounts[r->unreviewed[i]];
		char when[32];
		bool never = x->reviewed_at == 0;
		table_row(&t, x->name, x->scope, x->class_name,
		          never ? _("never") : report_date(x->reviewed_at, when),
		          never ? "" : x->reviewer,
		          never ? "" : num(report_days_since(r, x->reviewed_at)));
	}
	fprintf(out, "\n%s\n", _("Access not reviewed in 12 months (R19)"));
	table_print(out, &t);
}

void report_text(FILE *out, const struct report *r)
{
	header(out, r);
	summary(out, r);
	rotation(out, r);
	ownership(out, r);
	alerts(out, r);
	leavers(out, r);
	duties(out, r);
	reviews(out, r);
}
