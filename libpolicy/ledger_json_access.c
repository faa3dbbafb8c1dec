/* ledger_json_access.c - the parts of the ledger's JSON format that say
 * who has administrative access and who reviewed it (docs/LEDGER-FORMAT.md):
 * a person's "groups" (R18: the groups they are in, for which hosts) and
 * an account's "review" (R19: its latest access review).
 *
 * Both are optional, so every document written before them stays valid,
 * and an export of a ledger without memberships or reviews is byte for
 * byte what it was. Written on the public API, like ledger_json.c.
 *
 * Import semantics, chosen so that importing an export changes nothing:
 *  - "groups" present: the person's local memberships become exactly the
 *    local entries listed ([] removes them all); entries of source
 *    "directory" are the directory sync's and are skipped, and the
 *    directory's rows in the ledger are never touched. "groups" absent:
 *    memberships are left as they are.
 *  - "review": recorded when the ledger has no review of the account or
 *    an older one; a review of the same date or older never replaces the
 *    one on record. */
#include "ledger_json.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What cp_ledger_review accepts for the reviewer and the note. */
#define REVIEW_TEXT_MAX 1024

/* ------------------------------------------------------------------ */
/* Import: "groups"                                                    */
/* ------------------------------------------------------------------ */

static const char *const group_keys[] = {"group", "scope", "source", NULL};

/* One entry: { "group": G, "scope": S (default "*"), "source": "local" |
 * "directory" (default "local") }. Returns whether it is valid. */
static bool check_group(struct import *im, json_t *e, const char *sub)
{
	const char *group = NULL, *scope = "*", *source = "local";
	size_t before = im->nproblems;
	if (!json_is_object(e)) {
		lj_problem(im, sub, NULL, "%s", _("must be an object"));
		return false;
	}
	lj_check_keys(im, e, sub, group_keys);
	if (lj_text_field(im, e, sub, "group", REQUIRED, &group) == F_OK &&
	    strchr(group, ' ') != NULL)
		lj_problem(im, sub, "group", "%s", _("a group name has no blanks"));
	lj_text_field(im, e, sub, "scope", OPTIONAL, &scope);
	if (lj_text_field(im, e, sub, "source", OPTIONAL, &source) == F_OK &&
	    strcmp(source, "local") != 0 && strcmp(source, "directory") != 0)
		lj_problem(im, sub, "source",
		           _("unknown source \"%s\" (expected \"local\" or \"directory\")"),
		           lj_shown(source));
	return im->nproblems == before;
}

static const char *entry_text(json_t *e, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(e, key));
	return s != NULL ? s : dflt;
}

/* Whether entries i and j name the same group and scope. */
static bool same_group(json_t *a, json_t *b)
{
	return strcmp(entry_text(a, "group", ""), entry_text(b, "group", "")) == 0 &&
	       strcmp(entry_text(a, "scope", "*"), entry_text(b, "scope", "*")) == 0;
}

void lj_person_groups(struct import *im, json_t *obj, const char *rec, struct person_in *p)
{
	json_t *groups = lj_array_field(im, obj, rec, "groups");
	size_t i;
	json_t *e;
	json_array_foreach(groups, i, e)
	{
		char sub[64];
		snprintf(sub, sizeof sub, "%s.groups[%zu]", rec, i);
		if (!check_group(im, e, sub))
			continue;
		for (size_t j = 0; j < i; j++)
			if (same_group(json_array_get(groups, j), e)) {
				lj_problem(im, sub, NULL,
				           _("group \"%s\" with scope \"%s\" is listed twice"),
				           lj_shown(entry_text(e, "group", "")),
				           lj_shown(entry_text(e, "scope", "*")));
				break;
			}
	}
	p->groups = groups;
}

/* ------------------------------------------------------------------ */
/* Import: "review"                                                    */
/* ------------------------------------------------------------------ */

static const char *const review_keys[] = {"reviewed_at", "reviewer", "note", NULL};

/* A text field of up to REVIEW_TEXT_MAX bytes (the reviewer, the note). */
static int review_text(struct import *im, json_t *obj, const char *rec, const char *key, int flags,
                       const char **out)
{
	json_t *v = json_object_get(obj, key);
	if (v == NULL || (json_is_null(v) && (flags & NULLABLE))) {
		if (flags & REQUIRED)
			lj_problem(im, rec, key, "%s", _("required field is missing"));
		return F_ABSENT;
	}
	if (!json_is_string(v) ||
	    !lj_text_ok(json_string_value(v), json_string_length(v), REVIEW_TEXT_MAX)) {
		lj_problem(im, rec, key,
		           _("must be 1 to %d bytes of text without control characters"),
		           REVIEW_TEXT_MAX);
		return F_BAD;
	}
	*out = json_string_value(v);
	return F_OK;
}

void lj_account_review(struct import *im, json_t *obj, const char *rec, struct account_in *a)
{
	json_t *v = json_object_get(obj, "review");
	struct review_in *r = &a->review;
	char sub[48];
	if (v == NULL || json_is_null(v))
		return;
	if (!json_is_object(v)) {
		lj_problem(im, rec, "review", "%s", _("must be an object or null"));
		return;
	}
	snprintf(sub, sizeof sub, "%s.review", rec);
	lj_check_keys(im, v, sub, review_keys);
	int f = lj_time_field(im, v, sub, "reviewed_at", &r->when);
	if (f == F_ABSENT)
		lj_problem(im, sub, "reviewed_at", "%s", _("required field is missing"));
	/* A future date would put off the next review (R19); a day of slack
	 * allows for clocks and zones, as cp_ledger_review does. */
	else if (f == F_OK && r->when > (int64_t)time(NULL) + 86400)
		lj_problem(im, sub, "reviewed_at", "%s", _("the date is in the future"));
	review_text(im, v, sub, "reviewer", REQUIRED, &r->reviewer);
	r->note = "";
	review_text(im, v, sub, "note", NULLABLE, &r->note);
	r->present = true;
}

/* ------------------------------------------------------------------ */
/* Applying                                                            */
/* ------------------------------------------------------------------ */

static char *group_key(const char *group, const char *scope)
{
	return cp_asprintf("%s" KEY_SEP "%s", group, scope);
}

/* What an iteration collects into, and whether memory ran out (which
 * stops it). */
struct collect {
	json_t *into;
	int rc;
};

static int collect_failed(struct collect *c, bool failed)
{
	if (failed)
		c->rc = CP_ERR_NOMEM;
	return failed;
}

/* The person's local memberships: key -> [group, scope]. */
static int collect_local(const char *employee_id, const char *group, const char *scope,
                         const char *source, void *ctx)
{
	(void)employee_id;
	if (strcmp(source, "local") != 0)
		return 0;
	char *key = group_key(group, scope);
	bool failed = key == NULL || json_object_set_new(((struct collect *)ctx)->into, key,
	                                                 json_pack("[s, s]", group, scope)) != 0;
	free(key);
	return collect_failed(ctx, failed);
}

/* Remove the local memberships the file does not list. */
static int remove_unlisted(struct import *im, const struct person_in *p, json_t *have,
                           json_t *wanted, const char *actor)
{
	const char *key;
	json_t *gs;
	int rc = CP_OK;
	json_object_foreach(have, key, gs)
	{
		if (rc == CP_OK && json_object_get(wanted, key) == NULL)
			rc = cp_ledger_membership_remove(
			    im->l, p->id, json_string_value(json_array_get(gs, 0)),
			    json_string_value(json_array_get(gs, 1)), actor, NULL);
	}
	return rc;
}

/* The file's local entries as a set, and each of them added. */
static int add_listed(struct import *im, const struct person_in *p, json_t *wanted,
                      const char *actor)
{
	size_t i;
	json_t *e;
	int rc = CP_OK;
	json_array_foreach(p->groups, i, e)
	{
		const char *group = entry_text(e, "group", ""),
		           *scope = entry_text(e, "scope", "*");
		if (rc != CP_OK || strcmp(entry_text(e, "source", "local"), "local") != 0)
			continue;
		char *key = group_key(group, scope);
		if (key == NULL || json_object_set_new(wanted, key, json_true()) != 0)
			rc = CP_ERR_NOMEM;
		free(key);
		if (rc == CP_OK)
			rc = cp_ledger_membership_add(im->l, p->id, group, scope, actor, NULL);
	}
	return rc;
}

int lj_apply_groups(struct import *im, const struct person_in *p, const char *actor)
{
	if (p->groups == NULL)
		return CP_OK;
	json_t *have = json_object(), *wanted = json_object();
	struct collect c = {have, CP_OK};
	int rc = have != NULL && wanted != NULL ? CP_OK : CP_ERR_NOMEM;
	if (rc == CP_OK)
		rc = cp_ledger_memberships(im->l, p->id, collect_local, &c);
	if (rc == CP_OK)
		rc = c.rc;
	if (rc == CP_OK)
		rc = add_listed(im, p, wanted, actor);
	if (rc == CP_OK)
		rc = remove_unlisted(im, p, have, wanted, actor);
	json_decref(have);
	json_decref(wanted);
	return rc;
}

int lj_apply_review(struct import *im, const struct account_in *a, const char *actor)
{
	const struct review_in *r = &a->review;
	if (!r->present)
		return CP_OK;
	int64_t when = 0;
	char *reviewer = NULL, *note = NULL;
	int rc = cp_ledger_review_get(im->l, a->name, a->scope, &when, &reviewer, &note);
	if (rc == CP_OK && (reviewer == NULL || r->when > when))
		rc = cp_ledger_review(im->l, a->name, a->scope, r->reviewer, r->when, r->note,
		                      actor, NULL);
	free(reviewer);
	free(note);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Export                                                              */
/* ------------------------------------------------------------------ */

/* employee id -> [{"group", "scope"[, "source"]}...], in the ledger's
 * order (group, then scope); "source" only for the directory's. */
static int read_membership(const char *employee_id, const char *group, const char *scope,
                           const char *source, void *ctx)
{
	json_t *groups = ((struct collect *)ctx)->into;
	json_t *list = json_object_get(groups, employee_id);
	if (list == NULL) {
		list = json_array();
		if (list == NULL || json_object_set_new(groups, employee_id, list) != 0)
			return collect_failed(ctx, true);
	}
	json_t *e = json_pack("{s:s, s:s}", "group", group, "scope", scope);
	if (e != NULL && strcmp(source, "local") != 0 &&
	    json_object_set_new(e, "source", json_string(source)) != 0) {
		json_decref(e);
		e = NULL;
	}
	return collect_failed(ctx, e == NULL || json_array_append_new(list, e) != 0);
}

/* name KEY_SEP scope -> {"reviewed_at", "reviewer", "note"}. */
static int read_review(const char *name, const char *scope, int64_t reviewed_at,
                       const char *reviewer, const char *note, void *ctx)
{
	char *key = cp_asprintf("%s" KEY_SEP "%s", name, scope);
	json_t *r = json_pack("{s:o, s:s, s:o}", "reviewed_at", lj_time(reviewed_at), "reviewer",
	                      reviewer, "note", *note != '\0' ? json_string(note) : json_null());
	bool failed = key == NULL || r == NULL ||
	              json_object_set_new(((struct collect *)ctx)->into, key, r) != 0;
	if (key == NULL)
		json_decref(r);
	free(key);
	return collect_failed(ctx, failed);
}

int lj_access_read(cp_ledger *l, struct lj_access *acc)
{
	acc->groups = json_object();
	acc->reviews = json_object();
	if (acc->groups == NULL || acc->reviews == NULL)
		return CP_ERR_NOMEM;
	struct collect groups = {acc->groups, CP_OK}, reviews = {acc->reviews, CP_OK};
	int rc = cp_ledger_memberships(l, NULL, read_membership, &groups);
	if (rc == CP_OK)
		rc = groups.rc;
	if (rc == CP_OK)
		rc = cp_ledger_reviews(l, read_review, &reviews);
	return rc == CP_OK ? reviews.rc : rc;
}

void lj_access_free(struct lj_access *acc)
{
	json_decref(acc->groups);
	json_decref(acc->reviews);
	acc->groups = acc->reviews = NULL;
}

int lj_attach_groups(json_t *record, const struct lj_access *acc, const char *employee_id)
{
	json_t *list = json_object_get(acc->groups, employee_id);
	return list != NULL ? json_object_set(record, "groups", list) : 0;
}

int lj_attach_review(json_t *record, const struct lj_access *acc, const char *name,
                     const char *scope)
{
	char *key = cp_asprintf("%s" KEY_SEP "%s", name, scope);
	if (key == NULL)
		return -1;
	json_t *r = json_object_get(acc->reviews, key);
	free(key);
	return r != NULL ? json_object_set(record, "review", r) : 0;
}
