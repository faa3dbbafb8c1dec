/* report_duties.c - R18: separation of duties. [roles] in the
 * configuration names the groups that make an operating-system
 * administrator (os_admin_groups) and a database administrator
 * (db_admin_groups); the ledger's memberships say who is in which group for
 * which hosts (group names compared without case). Reported: every person
 * with an OS-admin membership and a DB-admin membership whose scopes apply
 * to at least one host in common.
 *
 * Scopes are what accounts have: "*" (every host), a host name (compared
 * without case) or an fnmatch(3) pattern (a scope with * ? or [, matched
 * without case, as the ledger matches accounts). Two scopes overlap when
 * some host name matches both: always with "*"; a host name and another
 * host name when they are equal; a host name and a pattern when the
 * pattern matches the name; two patterns when some string matches both,
 * decided exactly over host names made of printable ASCII characters (the
 * two patterns are walked together, as two automata whose product has a
 * path to the end). */
#include "report.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------ patterns */

enum el_kind { EL_CHAR, EL_ANY, EL_SET, EL_STAR };

struct el {
	enum el_kind kind;
	char c;    /* EL_CHAR */
	char *set; /* EL_SET: the bracket expression, as a pattern of its own */
};

struct glob {
	struct el *e;
	size_t n;
};

static bool is_pattern(const char *scope)
{
	return strpbrk(scope, "*?[") != NULL;
}

/* Length of the bracket expression at p ("[a-z]", "[!:[:digit:]]"), or 0
 * when it is not closed (fnmatch then reads "[" as itself). */
static size_t bracket_len(const char *p)
{
	size_t i = 1;
	if (p[i] == '!' || p[i] == '^')
		i++;
	if (p[i] == ']')
		i++;
	while (p[i] != '\0' && p[i] != ']') {
		if (p[i] == '[' && (p[i + 1] == ':' || p[i + 1] == '.' || p[i + 1] == '=')) {
			char close[3] = {p[i + 1], ']', '\0'};
			const char *end = strstr(p + i + 2, close);
			if (end == NULL)
				return 0;
			i = (size_t)(end - p) + 2;
		} else {
			i += p[i] == '\\' && p[i + 1] != '\0' ? 2 : 1;
		}
	}
	return p[i] == ']' ? i + 1 : 0;
}

static void glob_add(struct glob *g, enum el_kind kind, char c, char *set)
{
	if (kind == EL_STAR && g->n > 0 && g->e[g->n - 1].kind == EL_STAR)
		return; /* ** is * */
	g->e = report_push(g->e, &g->n, sizeof(*g->e));
	g->e[g->n - 1] = (struct el){kind, c, set};
}

static void glob_parse(struct glob *g, const char *p)
{
	*g = (struct glob){0};
	while (*p != '\0') {
		size_t n;
		if (*p == '*') {
			glob_add(g, EL_STAR, 0, NULL);
			p++;
		} else if (*p == '?') {
			glob_add(g, EL_ANY, 0, NULL);
			p++;
		} else if (*p == '[' && (n = bracket_len(p)) > 0) {
			glob_add(g, EL_SET, 0, report_xasprintf("%.*s", (int)n, p));
			p += n;
		} else if (*p == '\\' && p[1] != '\0') {
			glob_add(g, EL_CHAR, p[1], NULL);
			p += 2;
		} else {
			glob_add(g, EL_CHAR, *p++, NULL);
		}
	}
}

static void glob_free(struct glob *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->e[i].set);
	free(g->e);
}

static bool accepts(const struct el *e, char c)
{
	char s[2] = {c, '\0'};
	switch (e->kind) {
	case EL_CHAR:
		return tolower((unsigned char)e->c) == tolower((unsigned char)c);
	case EL_SET:
		return fnmatch(e->set, s, FNM_CASEFOLD) == 0;
	case EL_ANY:
	case EL_STAR:
		break;
	}
	return true;
}

/* Whether a printable ASCII character is accepted by a and b (b NULL: by
 * a alone). */
static bool common_char(const struct el *a, const struct el *b)
{
	for (int c = 0x21; c < 0x7f; c++)
		if (accepts(a, (char)c) && (b == NULL || accepts(b, (char)c)))
			return true;
	return false;
}

/* States (i, j, nonempty): element i of a and j of b are next, and
 * whether a character was read yet (a host name is not empty). */
struct walk {
	const struct glob *a, *b;
	bool *seen;
	size_t *stack, depth;
};

static void visit(struct walk *w, size_t i, size_t j, bool ne)
{
	size_t s = ((i * (w->b->n + 1)) + j) * 2 + ne;
	if (w->seen[s])
		return;
	w->seen[s] = true;
	w->stack[w->depth++] = s;
}

/* One state's moves: a star matching nothing, a star reading a character
 * the other side reads, or both reading one character. */
static void moves(struct walk *w, size_t i, size_t j, bool ne)
{
	const struct glob *a = w->a, *b = w->b;
	const struct el *x = i < a->n ? &a->e[i] : NULL, *y = j < b->n ? &b->e[j] : NULL;
	bool xs = x != NULL && x->kind == EL_STAR, ys = y != NULL && y->kind == EL_STAR;
	if (xs)
		visit(w, i + 1, j, ne);
	if (ys)
		visit(w, i, j + 1, ne);
	if (xs && ys)
		visit(w, i, j, true);
	if (xs && y != NULL && !ys && common_char(y, NULL))
		visit(w, i, j + 1, true);
	if (ys && x != NULL && !xs && common_char(x, NULL))
		visit(w, i + 1, j, true);
	if (x != NULL && y != NULL && !xs && !ys && common_char(x, y))
		visit(w, i + 1, j + 1, true);
}

static bool globs_intersect(const struct glob *a, const struct glob *b)
{
	size_t states = (a->n + 1) * (b->n + 1) * 2;
	struct walk w = {a, b, report_xcalloc(states, sizeof(bool)),
	                 report_xcalloc(states, sizeof(size_t)), 0};
	bool found = false;
	visit(&w, 0, 0, false);
	while (w.depth > 0 && !found) {
		size_t s = w.stack[--w.depth];
		bool ne = s % 2 != 0;
		size_t i = s / 2 / (b->n + 1), j = s / 2 % (b->n + 1);
		found = i == a->n && j == b->n && ne;
		if (!found)
			moves(&w, i, j, ne);
	}
	free(w.seen);
	free(w.stack);
	return found;
}

bool report_scopes_overlap(const char *a, const char *b)
{
	if (strcmp(a, "*") == 0 || strcmp(b, "*") == 0)
		return true;
	bool pa = is_pattern(a), pb = is_pattern(b);
	if (!pa && !pb)
		return strcasecmp(a, b) == 0;
	if (!pa || !pb)
		return fnmatch(pa ? a : b, pa ? b : a, FNM_CASEFOLD) == 0;
	struct glob ga, gb;
	glob_parse(&ga, a);
	glob_parse(&gb, b);
	bool yes = globs_intersect(&ga, &gb);
	glob_free(&ga);
	glob_free(&gb);
	return yes;
}

/* Where both apply, in words a reader knows: the narrower scope, or both. */
static char *overlap_text(const char *a, const char *b)
{
	if (strcmp(a, "*") == 0 || strcasecmp(a, b) == 0)
		return report_xstrdup(b);
	if (strcmp(b, "*") == 0 || !is_pattern(b))
		return report_xstrdup(strcmp(b, "*") == 0 ? a : b);
	if (!is_pattern(a))
		return report_xstrdup(a);
	return report_xasprintf("%s \xe2\x88\xa9 %s", a, b); /* U+2229 */
}

/* ------------------------------------------------------------ roles */

/* A [roles] list as a NULL-terminated array of group names. */
static char **split_groups(const char *value)
{
	char **v = report_xcalloc(1, sizeof(*v));
	size_t n = 0;
	char *copy = report_xstrdup(value != NULL ? value : ""), *save = NULL;
	for (char *g = strtok_r(copy, " \t", &save); g != NULL; g = strtok_r(NULL, " \t", &save)) {
		v = report_xrealloc(v, n + 2, sizeof(*v));
		v[n++] = report_xstrdup(g);
		v[n] = NULL;
	}
	free(copy);
	return v;
}

/* Without case: a directory's group "DBA" (LDAP compares cn without case)
 * is the [roles] group "dba". Missing a conflict is the worse mistake for
 * R18, and no system gives "Wheel" and "wheel" different powers. */
static bool in_list(char **list, const char *group)
{
	for (; *list != NULL; list++)
		if (strcasecmp(*list, group) == 0)
			return true;
	return false;
}

/* ------------------------------------------------------------ people */

struct membership {
	const char *person; /* the report's copy of the employee id */
	char *group, *scope;
};

struct memberships {
	struct report *r;
	struct membership *m;
	size_t n;
};

/* Only the memberships of the two lists matter. */
static int add_membership(const char *employee_id, const char *group, const char *scope,
                          const char *source, void *ctx)
{
	struct memberships *ms = ctx;
	const struct rep_person *p = report_person(ms->r, employee_id);
	(void)source;
	if (p == NULL || (!in_list(ms->r->os_groups, group) && !in_list(ms->r->db_groups, group)))
		return 0;
	ms->m = report_push(ms->m, &ms->n, sizeof(*ms->m));
	ms->m[ms->n - 1] = (struct membership){p->id, report_xstrdup(group), report_xstrdup(scope)};
	return 0;
}

static void add_conflict(struct report *r, const struct membership *os, const struct membership *db)
{
	r->conflicts = report_push(r->conflicts, &r->nconflicts, sizeof(*r->conflicts));
	r->conflicts[r->nconflicts - 1] = (struct rep_conflict){
	    os->person,
	    report_xstrdup(os->group),
	    report_xstrdup(os->scope),
	    report_xstrdup(db->group),
	    report_xstrdup(db->scope),
	    overlap_text(os->scope, db->scope),
	};
}

/* The memberships [from, to) are one person's. */
static void check_person(struct report *r, const struct membership *m, size_t from, size_t to)
{
	size_t before = r->nconflicts;
	for (size_t i = from; i < to; i++) {
		if (!in_list(r->os_groups, m[i].group))
			continue;
		for (size_t j = from; j < to; j++)
			if (in_list(r->db_groups, m[j].group) &&
			    report_scopes_overlap(m[i].scope, m[j].scope))
				add_conflict(r, &m[i], &m[j]);
	}
	r->conflict_people += r->nconflicts > before;
}

int report_duties(struct report *r, cp_ledger *l)
{
	r->os_groups = split_groups(cp_config_value(r->cfg, "roles", "os_admin_groups"));
	r->db_groups = split_groups(cp_config_value(r->cfg, "roles", "db_admin_groups"));
	struct memberships ms = {r, NULL, 0};
	/* In employee-id order: one person's memberships are together. */
	int rc = cp_ledger_memberships(l, NULL, add_membership, &ms);
	for (size_t from = 0, to; rc == CP_OK && from < ms.n; from = to) {
		for (to = from + 1; to < ms.n && ms.m[to].person == ms.m[from].person; to++)
			;
		check_person(r, ms.m, from, to);
	}
	for (size_t i = 0; i < ms.n; i++) {
		free(ms.m[i].group);
		free(ms.m[i].scope);
	}
	free(ms.m);
	return rc;
}
