/* sync_groups.c - group entries into memberships (R18): a group's members
 * are the people whose DNs its member attribute names, at the group's
 * scope, with the source 'directory' (rows recorded by hand, source
 * 'local', are never touched). A group is known by its entry's UUID; its
 * name is the memberships' key, so a renamed group moves its rows, and two
 * live directory groups may not share a name. Called by sync_apply.c
 * inside the batch's transaction, after the people are applied. */
#include "sync_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ groups */

static int cmp_member(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* The people the group's member DNs name, sorted, unique. */
static int group_people(struct cp_sync *s, const struct sync_group *g, int64_t **out, size_t *n)
{
	int64_t *v = calloc(g->nmembers + 1, sizeof(*v));
	*out = v;
	*n = 0;
	if (v == NULL)
		return CP_ERR_NOMEM;
	for (size_t i = 0; i < g->nmembers; i++)
		if (strmap_get(&s->dn_people, g->members[i], &v[*n]))
			(*n)++;
	qsort(v, *n, sizeof(*v), cmp_member);
	size_t k = 0;
	for (size_t i = 0; i < *n; i++)
		if (k == 0 || v[k - 1] != v[i])
			v[k++] = v[i];
	*n = k;
	return CP_OK;
}

/* Memberships of the group become its members (at its scope), under its
 * name: a renamed group's rows move to the new name. */
static int group_members(struct cp_sync *s, const struct sync_group *g, const char *old_name)
{
	int64_t *want = NULL;
	size_t nwant = 0, ncur = 0;
	struct member_row *cur = NULL;
	bool renamed = old_name != NULL && strcmp(old_name, g->name) != 0;
	int rc = group_people(s, g, &want, &nwant);
	if (rc == CP_OK && old_name != NULL)
		rc = sync_members_of(s->l, old_name, &cur, &ncur);
	bool *kept = calloc(nwant + 1, sizeof(bool));
	if (rc == CP_OK && kept == NULL)
		rc = CP_ERR_NOMEM;
	for (size_t i = 0; rc == CP_OK && i < ncur; i++) {
		int64_t *at = bsearch(&cur[i].person, want, nwant, sizeof(*want), cmp_member);
		if (!renamed && at != NULL && strcmp(cur[i].scope, g->scope) == 0)
			kept[at - want] = true;
		else
			rc = sync_member_remove(s->l, cur[i].person, old_name, cur[i].scope);
	}
	for (size_t i = 0; rc == CP_OK && i < nwant; i++)
		if (!kept[i])
			rc = sync_member_add(s->l, want[i], g->name, g->scope);
	free(kept);
	free(want);
	sync_members_free(cur, ncur);
	return rc;
}

/* The directory group that holds name now, if any: NULL or its UUID. */
static const char *group_holder(const struct cp_sync *s, const char *name)
{
	int64_t i = 0;
	return strmap_get(&s->group_names, name, &i) ? s->group_uuids[i] : NULL;
}

static int group_hold(struct cp_sync *s, const char *name, const char *uuid)
{
	if (s->ngroups % 64 == 0) {
		char(*v)[37] = realloc(s->group_uuids, (s->ngroups + 64) * sizeof(*v));
		if (v == NULL)
			return CP_ERR_NOMEM;
		s->group_uuids = v;
	}
	snprintf(s->group_uuids[s->ngroups], 37, "%s", uuid);
	return strmap_put(&s->group_names, name, (int64_t)s->ngroups++);
}

/* A new name for the group: free, or held by a group this batch deletes
 * (its memberships become this group's: *take). */
static int group_name_free(struct cp_sync *s, const struct sync_batch *b, const struct sync_rec *r,
                           bool *take)
{
	const char *holder = group_holder(s, r->g.name);
	*take = false;
	if (holder == NULL || strcmp(holder, r->uuid) == 0)
		return CP_OK;
	if (b->reading[SK_GROUP]) /* whether the holder is gone: at the end of the read */
		return SYNC_DEFERRED;
	if (!sync_batch_gone(b, SK_GROUP, holder))
		return sync_refuse(s, r, _("another directory group is named %s"), r->g.name);
	*take = true;
	return dir_delete(s->l, SK_GROUP, holder);
}

int sync_apply_group(struct cp_sync *s, const struct sync_batch *b, const struct sync_rec *r,
                     bool *added)
{
	struct dir_row row;
	bool take = false;
	int rc = dir_get(s->l, SK_GROUP, r->uuid, &row);
	*added = rc == CP_ERR_NOTFOUND;
	if (rc == CP_ERR_NOTFOUND) {
		memset(&row, 0, sizeof(row));
		rc = CP_OK;
	}
	bool renamed = rc == CP_OK && (row.grp == NULL || strcmp(row.grp, r->g.name) != 0);
	if (renamed)
		rc = group_name_free(s, b, r, &take);
	if (rc == CP_OK)
		rc = group_members(s, &r->g, take ? r->g.name : row.grp);
	if (rc == CP_OK && (renamed || strcmp(row.dn, r->dn) != 0))
		rc = dir_put(s->l, r->uuid, SK_GROUP, r->dn, 0, r->g.name, row.dn == NULL);
	if (rc == CP_OK && renamed)
		rc = group_hold(s, r->g.name, r->uuid);
	if (rc == CP_OK && renamed && row.grp != NULL)
		strmap_del(&s->group_names, row.grp);
	*added = *added && !take;
	dir_row_clear(&row);
	return rc;
}

int sync_drop_group(struct cp_sync *s, const struct dir_row *row, const char *uuid)
{
	struct member_row *cur = NULL;
	size_t n = 0;
	int rc = sync_members_of(s->l, row->grp, &cur, &n);
	for (size_t i = 0; rc == CP_OK && i < n; i++)
		rc = sync_member_remove(s->l, cur[i].person, row->grp, cur[i].scope);
	sync_members_free(cur, n);
	const char *holder = group_holder(s, row->grp);
	if (rc == CP_OK && holder != NULL && strcmp(holder, uuid) == 0)
		strmap_del(&s->group_names, row->grp);
	return rc;
}

/* ------------------------------------------------------------ before groups */

int sync_map_person_dn(struct cp_sync *s, const char *dn, int64_t id)
{
	char *key = ldv_dn_key(dn, strlen(dn));
	/* A DN libldap cannot parse names no group member either. */
	int rc = key != NULL ? strmap_put(&s->dn_people, key, id) : CP_OK;
	free(key);
	return rc;
}

/* dir_each's callbacks: a failure (out of memory) stops the scan, and
 * dir_each itself then returns CP_OK - the failure is kept here. */
struct mapping {
	struct cp_sync *s;
	int rc;
};

static int map_person(const char *uuid, const struct dir_row *r, void *ctx)
{
	struct mapping *m = ctx;
	(void)uuid;
	m->rc = sync_map_person_dn(m->s, r->dn, r->id);
	return m->rc != CP_OK;
}

static int map_group(const char *uuid, const struct dir_row *r, void *ctx)
{
	struct mapping *m = ctx;
	m->rc = group_hold(m->s, r->grp, uuid);
	return m->rc != CP_OK;
}

/* A streamed read mapped the people it applied as it went; those it
 * refused keep their records, and so their place in groups. */
static int map_refused_people(struct cp_sync *s, const struct sync_batch *b)
{
	const struct strmap *ref = &b->refused[SK_PERSON];
	int rc = CP_OK;
	for (size_t i = 0; rc == CP_OK && i < ref->cap; i++) {
		struct dir_row row;
		if (ref->keys[i] == NULL)
			continue;
		rc = dir_get(s->l, SK_PERSON, ref->keys[i], &row);
		if (rc == CP_OK)
			rc = sync_map_person_dn(s, row.dn, row.id);
		else if (rc == CP_ERR_NOTFOUND) /* never a record: in no group here */
			rc = CP_OK;
		dir_row_clear(&row);
	}
	return rc;
}

int sync_apply_prepare_groups(struct cp_sync *s, const struct sync_batch *b)
{
	strmap_clear(&s->group_names);
	s->ngroups = 0;
	int rc = CP_OK;
	/* A person entry read without a UUID was applied as nothing and
	 * refused as nobody: only the whole table knows who it was. */
	struct mapping m = {s, CP_OK};
	if (b->streamed && !b->uuid_missing[SK_PERSON]) {
		rc = map_refused_people(s, b);
	} else {
		strmap_clear(&s->dn_people);
		rc = dir_each(s->l, SK_PERSON, map_person, &m);
	}
	if (rc == CP_OK && m.rc == CP_OK)
		rc = dir_each(s->l, SK_GROUP, map_group, &m);
	return rc == CP_OK ? m.rc : rc;
}
