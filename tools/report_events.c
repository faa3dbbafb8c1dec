/* report_events.c - what credpolicy report reads from the event log, in
 * one pass, oldest first:
 *  - "sharing_alert" (written by pam_credpolicy's session hook, R12) in
 *    the period from --since to --now;
 *  - "must_change": the latest one of each account says when its current
 *    must-change flag was set and whom it names (R13: the leaver whose
 *    departure set it);
 *  - "revoke" naming a person: the custodian links people lost, so that a
 *    leaver's former credentials are found even after the flag was
 *    cleared without a change (R13). */
#include "report.h"

#include <stdlib.h>
#include <string.h>

/* The value of "key=" in a detail "k1=v1 k2=v2 ..." up to the next
 * " word=" (values may hold blanks), or NULL. */
static char *detail_value(const char *detail, const char *key)
{
	size_t klen = strlen(key);
	for (const char *p = detail; (p = strstr(p, key)) != NULL; p += klen) {
		if ((p != detail && p[-1] != ' ') || p[klen] != '=')
			continue;
		const char *v = p + klen + 1, *end = v;
		while (*end != '\0') {
			const char *sp = strchr(end, ' ');
			if (sp == NULL) {
				end += strlen(end);
				break;
			}
			size_t w = strspn(sp + 1, "abcdefghijklmnopqrstuvwxyz_");
			if (w > 0 && sp[1 + w] == '=') {
				end = sp;
				break;
			}
			end = sp + 1;
		}
		return report_xasprintf("%.*s", (int)(end - v), v);
	}
	return NULL;
}

/* "service=sshd tty=ssh rhost=10.0.0.9 pid=42 others=1[ refused]". */
static void add_alert(struct report *r, const cp_event *ev)
{
	r->alerts = report_push(r->alerts, &r->nalerts, sizeof(*r->alerts));
	struct rep_alert *a = &r->alerts[r->nalerts - 1];
	const char *detail = cp_event_detail(ev);
	a->time = cp_event_time(ev);
	a->account = report_xstrdup(cp_event_account(ev));
	a->actor = report_xstrdup(cp_event_actor(ev));
	a->detail = report_xstrdup(detail);
	a->rhost = detail_value(detail, "rhost");
	if (a->rhost == NULL)
		a->rhost = report_xstrdup("");
	char *others = detail_value(detail, "others");
	if (others != NULL)
		a->others = (unsigned)strtoul(others, NULL, 10);
	free(others);
	size_t n = strlen(detail);
	a->refused = n >= 8 && strcmp(detail + n - 8, " refused") == 0;
}

static void add_revoke(struct report *r, size_t account, const cp_event *ev)
{
	const struct rep_person *p = report_person(r, cp_event_person(ev));
	if (p == NULL || p->departed == 0)
		return; /* R13 is about leavers */
	r->revokes = report_push(r->revokes, &r->nrevokes, sizeof(*r->revokes));
	struct rep_revoke *v = &r->revokes[r->nrevokes - 1];
	v->account = account;
	v->person = report_xstrdup(p->id);
	v->time = cp_event_time(ev);
}

static int scan_event(const cp_event *ev, void *ctx)
{
	struct report *r = ctx;
	const char *kind = cp_event_kind(ev);
	int64_t t = cp_event_time(ev);
	if (strcmp(kind, "sharing_alert") == 0) {
		if (t >= r->since && t <= r->now)
			add_alert(r, ev);
		return 0;
	}
	bool flag = strcmp(kind, "must_change") == 0;
	bool revoke = strcmp(kind, "revoke") == 0 && *cp_event_person(ev) != '\0';
	if (!flag && !revoke)
		return 0;
	size_t i = report_account_by_label(r, cp_event_account(ev));
	if (i == SIZE_MAX)
		return 0;
	if (revoke) {
		add_revoke(r, i, ev);
		return 0;
	}
	struct rep_account *x = &r->accounts[i];
	x->flag_time = t;
	free(x->flag_person);
	x->flag_person = *cp_event_person(ev) != '\0' ? report_xstrdup(cp_event_person(ev)) : NULL;
	return 0;
}

int report_events(struct report *r, cp_ledger *l)
{
	return cp_ledger_events(l, 0, scan_event, r);
}
