/* report_html.c - credpolicy report as one self-contained HTML file for
 * the people the regulation makes responsible (a department head, an
 * auditor): title, date and host, summary cards, two charts, then one
 * table per rule with a sentence saying what the rule asks. Inline CSS and
 * inline SVG only: no script, no font, image or style sheet to fetch, so
 * the file reads the same offline, in a mail client or printed. Every
 * value from the ledger is escaped; every word is translated (the page is
 * in Chinese under LANG=zh_CN.UTF-8). Long tables stop at HTML_MAX_ROWS
 * rows and say how to get the rest (CSV). */
#include "report.h"

#include <stdint.h>
#include <stdlib.h>

#define HTML_MAX_ROWS 200

static const char *const cat_colors[ROT_NCATS] = {
    "#2e7d32", "#00897b", "#f9a825", "#c62828", "#ef6c00",
    "#757575", "#6a1b9a", "#ad1457", "#4527a0",
};

static const char css[] =
    ":root{--ink:#1f2933;--muted:#52606d;--line:#d9e2ec;--bg:#f5f7fa;--ok:#2e7d32;"
    "--bad:#c62828}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 \"Noto Sans CJK SC\","
    "\"Noto Sans SC\",\"Source Han Sans SC\",\"PingFang SC\",\"Microsoft YaHei\",system-ui,"
    "\"Segoe UI\",Roboto,\"DejaVu Sans\",sans-serif}\n"
    "main{max-width:1120px;margin:0 auto;padding:28px 32px 40px}\n"
    "header{border-bottom:3px solid #243b53;padding-bottom:12px;margin-bottom:20px}\n"
    "h1{font-size:26px;margin:0 0 6px;letter-spacing:.01em}\n"
    ".meta{color:var(--muted);font-size:13px;display:flex;flex-wrap:wrap;gap:2px 24px}\n"
    ".meta b{color:var(--ink);font-weight:600}\n"
    ".cards{display:grid;grid-template-columns:repeat(7,minmax(0,1fr));gap:10px;"
    "margin-bottom:20px}\n"
    "@media (max-width:900px){.cards{grid-template-columns:repeat(auto-fill,"
    "minmax(140px,1fr))}}\n"
    ".card{background:#fff;border:1px solid var(--line);border-top:4px solid var(--ok);"
    "border-radius:6px;padding:10px 12px;display:flex;flex-direction:column}\n"
    ".card.bad{border-top-color:var(--bad)}.card.neutral{border-top-color:#486581}\n"
    ".card .n{font-size:30px;font-weight:700;line-height:1.15}\n"
    ".card.bad .n{color:var(--bad)}\n"
    ".card .l{font-size:13px;color:var(--muted);margin:2px 0 6px;flex:1}\n"
    ".rule{display:inline-block;font-size:11px;font-weight:600;color:#243b53;"
    "background:#d9e2ec;border-radius:3px;padding:0 6px;align-self:flex-start}\n"
    ".charts{display:grid;grid-template-columns:minmax(300px,2fr) 3fr;gap:14px;"
    "margin-bottom:20px}\n"
    "figure{margin:0;background:#fff;border:1px solid var(--line);border-radius:6px;"
    "padding:12px 16px}\n"
    "figcaption{font-weight:600;margin-bottom:8px}\n"
    ".donut-wrap{display:flex;align-items:center;gap:16px;flex-wrap:wrap}\n"
    ".legend{list-style:none;margin:0;padding:0;font-size:13px}\n"
    ".legend li{display:flex;align-items:center;gap:6px;margin:1px 0}\n"
    ".legend .c{margin-left:auto;padding-left:12px;font-variant-numeric:tabular-nums}\n"
    ".sw{display:inline-block;width:11px;height:11px;border-radius:2px;flex:none}\n"
    ".donut-total{font-size:32px;font-weight:700;fill:#1f2933}\n"
    ".donut-label{font-size:12px;fill:#52606d}\n"
    ".bar-label{font-size:13px;fill:#1f2933}.bar-total{font-size:12px;fill:#52606d}\n"
    "section{background:#fff;border:1px solid var(--line);border-radius:6px;"
    "padding:14px 20px;margin-bottom:14px}\n"
    "h2{font-size:18px;margin:0 0 2px;display:flex;align-items:center;gap:10px}\n"
    "h3{font-size:14px;margin:14px 0 6px}\n"
    ".why{color:var(--muted);font-size:13px;margin:0 0 10px}\n"
    "table{border-collapse:collapse;width:100%;font-size:13px}\n"
    "th{text-align:left;background:#f0f4f8;color:#334e68;font-weight:600;"
    "border-bottom:2px solid var(--line)}\n"
    "th,td{padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}\n"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "td.z{color:#bcccdc}\n"
    "tr.total td{font-weight:700;background:#f8fafc}\n"
    ".badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;"
    "color:#fff;white-space:nowrap}\n"
    ".none{color:var(--ok);font-weight:600;margin:4px 0}\n"
    ".more{color:var(--muted);font-size:12px;margin:6px 0 0}\n"
    "footer{color:var(--muted);font-size:12px;margin-top:16px}\n"
    "code{font-family:\"DejaVu Sans Mono\",monospace;font-size:12px}\n"
    "@media print{body{background:#fff}section,figure,.card{break-inside:avoid}}\n";

/* ------------------------------------------------------------ pieces */

static void th(FILE *out, const char *label, bool num)
{
	fputs(num ? "<th class=\"n\">" : "<th>", out);
	html_text(out, label);
	fputs("</th>", out);
}

static void td(FILE *out, const char *s)
{
	fputs("<td>", out);
	html_text(out, s);
	fputs("</td>", out);
}

static void td_num(FILE *out, long long v)
{
	fprintf(out, v == 0 ? "<td class=\"n z\">%lld</td>" : "<td class=\"n\">%lld</td>", v);
}

static void td_badge(FILE *out, const struct rep_account *x)
{
	if (x->shadowed) {
		td(out, "");
		return;
	}
	fprintf(out, "<td><span class=\"badge\" style=\"background:%s\">", cat_colors[x->cat]);
	html_text(out, report_cat_label(x->cat));
	fputs("</span></td>", out);
}

/* Table head from N_() marked labels; nums: bit i for a numeric column. */
static void thead(FILE *out, const char *const *labels, size_t n, unsigned nums)
{
	fputs("<table><thead><tr>", out);
	for (size_t i = 0; i < n; i++)
		th(out, _(labels[i]), (nums >> i) & 1);
	fputs("</tr></thead><tbody>\n", out);
}

/* After a table: how many rows were left out, and where they are. */
static void tfoot(FILE *out, size_t shown, size_t total, const char *section)
{
	fputs("</tbody></table>\n", out);
	if (shown >= total)
		return;
	char *cmd = report_xasprintf("credpolicy report --csv --section %s", section);
	char *msg = report_xasprintf(
	    ngettext("%zu more row is not shown here; for all of them run: %s",
	             "%zu more rows are not shown here; for all of them run: %s", total - shown),
	    total - shown, cmd);
	fputs("<p class=\"more\">", out);
	html_text(out, msg);
	fputs("</p>\n", out);
	free(msg);
	free(cmd);
}

static void section_start(FILE *out, const char *id, const char *title, const char *rule,
                          const char *why)
{
	fprintf(out, "<section id=\"%s\"><h2>", id);
	html_text(out, title);
	fputs(" <span class=\"rule\">", out);
	html_text(out, rule);
	fputs("</span></h2>\n<p class=\"why\">", out);
	html_text(out, why);
	fputs("</p>\n", out);
}

static void none(FILE *out)
{
	fputs("<p class=\"none\">", out);
	html_text(out, _("None found."));
	fputs("</p>\n", out);
}

/* ------------------------------------------------------------ top */

static void page_header(FILE *out, const struct report *r)
{
	char now[32], since[32];
	fputs("<header><h1>", out);
	html_text(out, _("Account and password report"));
	fputs("</h1>\n<div class=\"meta\">", out);
	const char *labels[] = {_("Host"), _("As of (UTC)"), _("Sharing alerts since"),
	                        _("Ledger")};
	const char *values[] = {r->host, report_datetime(r->now, now), report_date(r->since, since),
	                        r->ledger_path};
	for (size_t i = 0; i < 4; i++) {
		fputs("<span>", out);
		html_text(out, labels[i]);
		fputs(": <b>", out);
		html_text(out, values[i]);
		fputs("</b></span>", out);
	}
	fputs("</div></header>\n", out);
}

static void card(FILE *out, size_t n, const char *label, const char *rule, bool neutral)
{
	fprintf(out, "<div class=\"card%s\"><div class=\"n\">%zu</div><div class=\"l\">",
	        neutral ? " neutral"
	        : n > 0 ? " bad"
	                : "",
	        n);
	html_text(out, label);
	fputs("</div>", out);
	if (rule != NULL) {
		fputs("<span class=\"rule\">", out);
		html_text(out, rule);
		fputs("</span>", out);
	}
	fputs("</div>\n", out);
}

static void cards(FILE *out, const struct report *r)
{
	fputs("<div class=\"cards\">\n", out);
	card(out, r->naccounts, _("accounts in the ledger"), NULL, true);
	card(out, report_findings(r, FIND_ROTATION), _("overdue or must change"), "R7-R11", false);
	card(out, report_findings(r, FIND_OWNERSHIP), _("unowned or shared personal accounts"),
	     "R12", false);
	card(out, r->nalerts, _("sharing alerts in the period"), "R12", false);
	card(out, r->leaver_accounts, _("accounts with a leaver's credential not changed"), "R13",
	     false);
	card(out, r->conflict_people, _("people who are both OS and DB administrators"), "R18",
	     false);
	card(out, r->nunreviewed, _("accounts not reviewed in 12 months"), "R19", false);
	fputs("</div>\n", out);
}

static void slices(const size_t *counts, struct chart_slice s[ROT_NCATS])
{
	for (int k = 0; k < ROT_NCATS; k++)
		s[k] = (struct chart_slice){report_cat_label((enum rot_cat)k), counts[k],
		                            cat_colors[k]};
}

static void legend(FILE *out, const struct chart_slice *s)
{
	fputs("<ul class=\"legend\">", out);
	for (int k = 0; k < ROT_NCATS; k++) {
		fprintf(out, "<li><span class=\"sw\" style=\"background:%s\"></span>", s[k].color);
		html_text(out, s[k].label);
		fprintf(out, "<span class=\"c\">%zu</span></li>", s[k].value);
	}
	fputs("</ul>\n", out);
}

static void charts(FILE *out, const struct report *r)
{
	struct chart_slice all[ROT_NCATS];
	slices(r->totals, all);
	fputs("<div class=\"charts\">\n<figure><figcaption>", out);
	html_text(out, _("All accounts by rotation state"));
	fputs("</figcaption><div class=\"donut-wrap\">\n", out);
	chart_donut(out, all, ROT_NCATS, _("accounts"));
	legend(out, all);
	fputs("</div></figure>\n<figure><figcaption>", out);
	html_text(out, _("Accounts by class and rotation state"));
	fputs("</figcaption>\n", out);
	const char **labels = report_xcalloc(r->nclasses, sizeof(*labels));
	struct chart_slice(*rows)[ROT_NCATS] = report_xcalloc(r->nclasses, sizeof(*rows));
	const struct chart_slice **rowp = report_xcalloc(r->nclasses, sizeof(*rowp));
	for (size_t i = 0; i < r->nclasses; i++) {
		labels[i] = r->classes[i].name;
		slices(r->classes[i].counts, rows[i]);
		rowp[i] = rows[i];
	}
	chart_bars(out, labels, r->nclasses, rowp, ROT_NCATS, _("Accounts by class"));
	fputs("</figure>\n</div>\n", out);
	free(labels);
	free(rows);
	free(rowp);
}

/* ------------------------------------------------------------ sections */

static void rotation_row(FILE *out, const char *name, const char *max_age, const size_t *c,
                         bool total_row)
{
	size_t total = 0;
	for (int k = 0; k < ROT_NCATS; k++)
		total += c[k];
	fputs(total_row ? "<tr class=\"total\">" : "<tr>", out);
	td(out, name);
	fputs("<td class=\"n\">", out);
	html_text(out, max_age);
	fputs("</td>", out);
	td_num(out, (long long)total);
	for (int k = 0; k <= ROT_LOCKED; k++)
		td_num(out, (long long)c[k]);
	td_num(out, (long long)(c[ROT_DEPARTED] + c[ROT_UNOWNED] + c[ROT_SHARED]));
	fputs("</tr>\n", out);
}

static void reasons_table(FILE *out, const struct report *r)
{
	static const char *const head[] = {N_("class"), N_("must-change reason"), N_("accounts")};
	size_t n = 0;
	for (size_t i = 0; i < r->nclasses; i++)
		n += r->classes[i].nreasons;
	if (n == 0)
		return;
	fputs("<h3>", out);
	html_text(out, _("Must-change reasons (numbers left out)"));
	fputs("</h3>\n", out);
	thead(out, head, 3, 1u << 2);
	for (size_t i = 0; i < r->nclasses; i++)
		for (size_t k = 0; k < r->classes[i].nreasons; k++) {
			fputs("<tr>", out);
			td(out, r->classes[i].name);
			td(out, r->classes[i].reasons[k].text);
			td_num(out, (long long)r->classes[i].reasons[k].count);
			fputs("</tr>\n", out);
		}
	tfoot(out, n, n, "reasons");
}

static void rotation(FILE *out, const struct report *r)
{
	static const char *const head[] = {
	    N_("class"),      N_("max age (days)"),    N_("total"),   N_("ok"),
	    N_("OTP-exempt"), N_("due soon"),          N_("overdue"), N_("must change"),
	    N_("locked"),     N_("refused (R12/R13)"),
	};
	section_start(out, "rotation", _("Password rotation by account class"), "R7-R11",
	              _("Passwords must change every one, two or three months depending on the "
	                "account class, unless a one-time-password device exempts an important "
	                "host; users are warned before. Due soon: inside the warning window. "
	                "Overdue: older than allowed, or no change on record. Must change: "
	                "flagged after a reset, a leaver or a compromise. Refused: personal "
	                "accounts of leavers, without an owner or shared."));
	thead(out, head, 10, 0x3fe);
	for (size_t i = 0; i < r->nclasses; i++) {
		char *age = r->classes[i].max_age != 0
		                ? report_xasprintf("%u", r->classes[i].max_age)
		                : report_xstrdup(_("never"));
		rotation_row(out, r->classes[i].name, age, r->classes[i].counts, false);
		free(age);
	}
	rotation_row(out, _("all classes"), "", r->totals, true);
	tfoot(out, 0, 0, "rotation");
	reasons_table(out, r);
	fputs("</section>\n", out);
}

static void owner_rows(FILE *out, const struct report *r, const size_t *idx, size_t n,
                       const char *problem, size_t *shown)
{
	for (size_t i = 0; i < n && *shown < HTML_MAX_ROWS; i++, (*shown)++) {
		const struct rep_account *x = &r->accounts[idx[i]];
		fputs("<tr>", out);
		td(out, x->name);
		td(out, x->scope);
		td(out, problem);
		fputs("<td>", out);
		for (size_t k = 0; k < x->nowners; k++) {
			const struct rep_person *p = report_person(r, x->owners[k]);
			if (k > 0)
				fputs(", ", out);
			html_text(out, x->owners[k]);
			if (p != NULL && *p->name != '\0') {
				fputs(" (", out);
				html_text(out, p->name);
				fputs(")", out);
			}
		}
		fputs("</td>", out);
		td_badge(out, x);
		fputs("</tr>\n", out);
	}
}

static void alert_rows(FILE *out, const struct report *r)
{
	static const char *const head[] = {N_("time (UTC)"), N_("account"), N_("from"),
	                                   N_("other addresses"), N_("refused")};
	fputs("<h3>", out);
	html_text(out, _("Sharing alerts in the period"));
	fputs("</h3>\n", out);
	if (r->nalerts == 0) {
		none(out);
		return;
	}
	thead(out, head, 5, 1u << 3);
	size_t shown = 0;
	for (; shown < r->nalerts && shown < HTML_MAX_ROWS; shown++) {
		const struct rep_alert *a = &r->alerts[shown];
		char when[32];
		fputs("<tr>", out);
		td(out, report_datetime(a->time, when));
		td(out, a->account);
		td(out, a->rhost);
		td_num(out, a->others);
		td(out, a->refused ? _("yes") : _("no"));
		fputs("</tr>\n", out);
	}
	tfoot(out, shown, r->nalerts, "alerts");
}

static void ownership(FILE *out, const struct report *r)
{
	static const char *const head[] = {N_("account"), N_("scope"), N_("problem"), N_("owners"),
	                                   N_("state")};
	section_start(out, "ownership", _("One owner per personal account"), "R12",
	              _("Every personal account belongs to exactly one person. Accounts without "
	                "an owner, or claimed by several people, are refused at login; a sharing "
	                "alert means one account was used from two addresses at the same time."));
	size_t n = r->nunowned + r->nshared, shown = 0;
	if (n == 0) {
		none(out);
	} else {
		thead(out, head, 5, 0);
		owner_rows(out, r, r->unowned, r->nunowned, _("unowned"), &shown);
		owner_rows(out, r, r->shared, r->nshared, _("shared"), &shown);
		tfoot(out, shown, n, "ownership");
	}
	alert_rows(out, r);
	fputs("</section>\n", out);
}

static void leavers(FILE *out, const struct report *r)
{
	static const char *const head[] = {N_("account"), N_("scope"), N_("leaver"),   N_("name"),
	                                   N_("link"),    N_("since"), N_("days open")};
	section_start(out, "leavers", _("Leavers' credentials not yet changed"), "R13",
	              _("When someone who knows a password leaves or changes post, that password "
	                "must change at once and their own accounts are locked. Listed: accounts "
	                "whose password a leaver knew and which has not changed since, oldest "
	                "first."));
	if (r->nleavers == 0) {
		none(out);
		fputs("</section>\n", out);
		return;
	}
	thead(out, head, 7, 1u << 6);
	size_t shown = 0;
	for (; shown < r->nleavers && shown < HTML_MAX_ROWS; shown++) {
		const struct rep_leaver *v = &r->leavers[shown];
		const struct rep_account *x = &r->accounts[v->account];
		const struct rep_person *p = report_person(r, v->person);
		char since[32];
		fputs("<tr>", out);
		td(out, x->name);
		td(out, x->scope);
		td(out, v->person);
		td(out, p != NULL ? p->name : "");
		td(out, report_role_label(v->role));
		td(out, report_date(v->since, since));
		if (v->since != 0)
			td_num(out, report_days_since(r, v->since));
		else
			td(out, "");
		fputs("</tr>\n", out);
	}
	tfoot(out, shown, r->nleavers, "leavers");
	fputs("</section>\n", out);
}

static void group_list(FILE *out, const char *what, char **groups)
{
	fputs("<p class=\"why\">", out);
	html_text(out, what);
	fputs(":", out);
	for (char **g = groups; *g != NULL; g++) {
		fputs(" <code>", out);
		html_text(out, *g);
		fputs("</code>", out);
	}
	fputs("</p>\n", out);
}

static void duties(FILE *out, const struct report *r)
{
	static const char *const head[] = {N_("person"),   N_("name"),     N_("OS group"),
	                                   N_("OS scope"), N_("DB group"), N_("DB scope"),
	                                   N_("hosts")};
	section_start(out, "duties", _("Separation of duties"), "R18",
	              _("Nobody may administer both the operating system and the database of one "
	                "database server. Listed: people in an OS administrator group and a "
	                "database administrator group for at least one host in common."));
	group_list(out, _("OS administrator groups"), r->os_groups);
	group_list(out, _("DB administrator groups"), r->db_groups);
	if (r->nconflicts == 0) {
		none(out);
		fputs("</section>\n", out);
		return;
	}
	thead(out, head, 7, 0);
	size_t shown = 0;
	for (; shown < r->nconflicts && shown < HTML_MAX_ROWS; shown++) {
		const struct rep_conflict *c = &r->conflicts[shown];
		const struct rep_person *p = report_person(r, c->person);
		fputs("<tr>", out);
		const char *cells[] = {c->person,   p != NULL ? p->name : "",
		                       c->os_group, c->os_scope,
		                       c->db_group, c->db_scope,
		                       c->where};
		for (size_t k = 0; k < 7; k++)
			td(out, cells[k]);
		fputs("</tr>\n", out);
	}
	tfoot(out, shown, r->nconflicts, "duties");
	fputs("</section>\n", out);
}

static void reviews(FILE *out, const struct report *r)
{
	static const char *const head[] = {N_("account"),     N_("scope"),    N_("class"),
	                                   N_("last review"), N_("reviewer"), N_("days since")};
	section_start(out, "reviews", _("Access reviews"), "R19",
	              _("Access rights are reviewed every year. Listed: accounts never reviewed, "
	                "or last reviewed more than 365 days ago. Record a review with "
	                "'credpolicy review'."));
	if (r->nunreviewed == 0) {
		none(out);
		fputs("</section>\n", out);
		return;
	}
	thead(out, head, 6, 1u << 5);
	size_t shown = 0;
	for (; shown < r->nunreviewed && shown < HTML_MAX_ROWS; shown++) {
		const struct rep_account *x = &r->accounts[r->unreviewed[shown]];
		char when[32];
		bool never = x->reviewed_at == 0;
		fputs("<tr>", out);
		td(out, x->name);
		td(out, x->scope);
		td(out, x->class_name);
		td(out, never ? _("never") : report_date(x->reviewed_at, when));
		td(out, never ? "" : x->reviewer);
		if (never)
			td(out, "");
		else
			td_num(out, report_days_since(r, x->reviewed_at));
		fputs("</tr>\n", out);
	}
	tfoot(out, shown, r->nunreviewed, "reviews");
	fputs("</section>\n", out);
}

void report_html(FILE *out, const struct report *r)
{
	fputs("<!DOCTYPE html>\n<html lang=\"", out);
	/* TRANSLATORS: the language tag of the HTML report ("zh-CN"). */
	html_text(out, _("en")); /* a catalogue is text too: escaped like the rest */
	fputs("\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
	      out);
	html_text(out, _("Account and password report"));
	fputs(" \xe2\x80\x94 ", out);
	html_text(out, r->host);
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", css);
	page_header(out, r);
	cards(out, r);
	charts(out, r);
	rotation(out, r);
	ownership(out, r);
	leavers(out, r);
	duties(out, r);
	reviews(out, r);
	char *foot = report_xasprintf(_("Made by credpolicy %s from the account ledger. Times are "
	                                "UTC. Every list is also available as CSV: credpolicy "
	                                "report --csv --section NAME."),
	                              PACKAGE_VERSION);
	fputs("<footer>", out);
	html_text(out, foot);
	fputs("</footer>\n</main>\n</body>\n</html>\n", out);
	free(foot);
}
