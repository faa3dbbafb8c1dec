/* report.h - credpolicy report: what the ledger says about rotation
 * (R7-R11), ownership and sharing (R12), leavers (R13), separation of
 * duties (R18) and access reviews (R19). Everything is gathered once
 * (report_gather.c, report_events.c, report_leavers.c, report_duties.c)
 * into a struct report, which the renderers only read: text
 * (report_text.c), JSON (report_json.c), CSV (report_csv.c) and HTML
 * (report_html.c, charts in report_chart.c). */
#ifndef CP_REPORT_H
#define CP_REPORT_H

#include "tool.h"

#include <stdint.h>

#define REPORT_DAY         86400
#define REPORT_REVIEW_DAYS 365 /* R19: reviewed at least every 12 months */

/* Where an account stands for rotation: exactly one each, from its
 * cp_ledger_status, in the order the report shows them. */
enum rot_cat {
	ROT_OK,          /* ok */
	ROT_OTP,         /* ok because of the OTP exemption (R7) */
	ROT_WARN,        /* due within the warn window (R11) */
	ROT_EXPIRED,     /* overdue (R7-R9) */
	ROT_MUST_CHANGE, /* flagged (R13-R16) */
	ROT_LOCKED,
	ROT_DEPARTED, /* personal account of a leaver (R13) */
	ROT_UNOWNED,  /* personal account without owner (R12) */
	ROT_SHARED,   /* personal account with several owners (R12) */
	ROT_NCATS
};

struct rep_person {
	char *id, *name;
	int64_t departed; /* 0: active */
};

struct rep_account {
	char *name, *scope, *label;      /* label: "name" or "name@scope", as events say */
	char *stored_class, *class_name; /* its own; the one applied (R10) */
	cp_account_kind kind;
	bool locked, otp;
	bool shadowed; /* no host uses it: no status (see report_gather.c) */
	enum rot_cat cat;
	cp_state state;
	int32_t days_left;   /* INT32_MAX: never expires */
	char *reason;        /* must-change reason, NULL when none */
	int64_t last_change; /* 0: never */
	char **owners, **custodians;
	size_t nowners, ncustodians;
	int64_t reviewed_at; /* 0: never reviewed */
	char *reviewer;
	int64_t flag_time; /* the event that set the must-change flag; 0: unknown */
	char *flag_person; /* the person that event names, or NULL */
};

struct rep_reason {
	char *text; /* the reason with its numbers left out */
	size_t count;
};

struct rep_class {
	char *name;
	unsigned max_age, warn;
	bool otp_exempt;
	size_t counts[ROT_NCATS], total;
	struct rep_reason *reasons;
	size_t nreasons;
};

struct rep_alert {
	int64_t time;
	char *account, *rhost, *actor, *detail;
	unsigned others;
	bool refused;
};

/* A custodian link a leaver lost: from the "revoke" events. */
struct rep_revoke {
	size_t account;
	char *person;
	int64_t time;
};

/* How a leaver knew a credential (R13). */
enum leaver_role { LEAVER_OWNER, LEAVER_CUSTODIAN, LEAVER_FORMER_CUSTODIAN, LEAVER_FLAG };

struct rep_leaver {
	size_t account;
	const char *person; /* employee id, "" when the flag names nobody */
	enum leaver_role role;
	int64_t since; /* the departure, else the flag; 0: unknown */
};

struct rep_conflict {
	const char *person;
	char *os_group, *os_scope, *db_group, *db_scope;
	char *where; /* the hosts both apply to, as a scope or "a ∩ b" */
};

struct report {
	int64_t now, since;
	char host[256];
	const char *ledger_path;
	const cp_config *cfg;
	struct rep_person *people; /* sorted by id */
	size_t npeople;
	struct rep_account *accounts; /* sorted by name, then scope */
	size_t naccounts;
	size_t *by_label; /* accounts by label, for the events */
	struct rep_class *classes;
	size_t nclasses;
	size_t totals[ROT_NCATS], shadowed;
	size_t *unowned, *shared;
	size_t nunowned, nshared;
	struct rep_alert *alerts;
	size_t nalerts;
	struct rep_revoke *revokes;
	size_t nrevokes;
	struct rep_leaver *leavers;
	size_t nleavers, leaver_accounts, leaver_people;
	char **os_groups, **db_groups; /* NULL-terminated */
	struct rep_conflict *conflicts;
	size_t nconflicts, conflict_people;
	size_t *unreviewed; /* never reviewed first, then the oldest review */
	size_t nunreviewed, never_reviewed;
};

/* The sections whose findings --fail-on can name. */
enum rep_finding {
	FIND_ROTATION, /* overdue or must change */
	FIND_OWNERSHIP,
	FIND_ALERTS,
	FIND_LEAVERS,
	FIND_DUTIES,
	FIND_REVIEWS,
	FIND_N
};
extern const char *const report_finding_names[FIND_N];
size_t report_findings(const struct report *r, enum rep_finding f);

/* ---- report_gather.c ---- */

/* Fill r from the ledger as of r->now (r->now, r->since, r->host,
 * r->ledger_path and r->cfg set by the caller). CP_OK or a cp_error,
 * reported by the caller. Out of memory exits. */
int report_gather(struct report *r, cp_ledger *l);
void report_free(struct report *r);

/* ---- report_events.c, report_leavers.c, report_duties.c ---- */

int report_events(struct report *r, cp_ledger *l);
void report_leavers(struct report *r);
int report_duties(struct report *r, cp_ledger *l);
/* Whether two scopes apply to at least one host name in common (R18). */
bool report_scopes_overlap(const char *a, const char *b);

/* ---- helpers (report_gather.c) ---- */

void *report_xcalloc(size_t n, size_t size);
void *report_xrealloc(void *p, size_t n, size_t size);
char *report_xstrdup(const char *s);
char *report_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Grow *v (of *n elements of size) by one zeroed element; returns it. */
void *report_push(void *v, size_t *n, size_t size);
const struct rep_person *report_person(const struct report *r, const char *id);
/* Index of the account an event names by label; SIZE_MAX if none. */
size_t report_account_by_label(const struct report *r, const char *label);
/* Whole days from t to r->now, rounded down, never negative. */
int64_t report_days_since(const struct report *r, int64_t t);
/* "YYYY-MM-DD" (UTC) of t, "" for 0; buf of at least 11 bytes. */
const char *report_date(int64_t t, char buf[32]);
/* "YYYY-MM-DD HH:MM" (UTC). */
const char *report_datetime(int64_t t, char buf[32]);

/* Stable code and translated label of a rotation category and a role. */
const char *report_cat_code(enum rot_cat c);
const char *report_cat_label(enum rot_cat c);
const char *report_role_code(enum leaver_role role);
const char *report_role_label(enum leaver_role role);
const char *report_kind_label(cp_account_kind k);

/* ---- the renderers: each writes the whole report to out ---- */

void report_text(FILE *out, const struct report *r);
void report_json(FILE *out, const struct report *r);
/* One CSV table (RFC 4180); false for an unknown section name. */
bool report_csv(FILE *out, const struct report *r, const char *section);
extern const char *const report_csv_sections[]; /* NULL-terminated */
void report_html(FILE *out, const struct report *r);

/* ---- report_chart.c: inline SVG for the HTML report ---- */

struct chart_slice {
	const char *label; /* translated, escaped by the chart */
	size_t value;
	const char *color;
};
/* A donut of the slices with the total in the middle. */
void chart_donut(FILE *out, const struct chart_slice *s, size_t n, const char *title);
/* One horizontal stacked bar per row (label), scaled to the largest. */
void chart_bars(FILE *out, const char *const *labels, size_t nrows,
                const struct chart_slice *const *rows, size_t nslices, const char *title);
/* Text escaped for HTML (& < > " '). */
void html_text(FILE *out, const char *s);

#endif
