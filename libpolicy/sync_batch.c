/* sync_batch.c - what one read of the directory found, applied to the
 * ledger in ONE transaction with the state that goes with it (cookie,
 * high-water mark): either all of it is in the ledger, or none of it.
 *
 * Order inside the transaction: people (accounts name them as owners and
 * custodians), accounts, the accounts and people whose entries are gone
 * (an entry deleted and re-created with the same key was relinked by
 * then), groups (their members resolve through the people's DNs), the
 * groups that are gone, the state. */
#include "ledger_internal.h"
#include "sync_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void sync_batch_init(struct sync_batch *b)
{
	memset(b, 0, sizeof(*b));
}

void sync_batch_free(struct sync_batch *b)
{
	for (size_t i = 0; i < b->nrecs; i++)
		sync_rec_clear(&b->recs[i]);
	free(b->recs);
	for (size_t i = 0; i < b->ndeferred; i++)
		sync_rec_clear(&b->deferred[i]);
	free(b->deferred);
	for (size_t k = 0; k < SK_COUNT; k++) {
		strmap_clear(&b->deleted[k]);
		strmap_clear(&b->seen[k]);
		strmap_clear(&b->refused[k]);
		strmap_clear(&b->applied[k]);
	}
	for (size_t i = 0; i < b->nstate; i++) {
		free(b->state_key[i]);
		free(b->state_val[i]);
	}
	memset(b, 0, sizeof(*b));
}

/* Move *r to the end of the array *v of *n records (room for *cap). */
static int rec_push(struct sync_rec **v, size_t *n, size_t *cap, struct sync_rec *r)
{
	if (*n == *cap) {
		size_t want = *cap == 0 ? 256 : *cap * 2;
		struct sync_rec *w = realloc(*v, want * sizeof(*w));
		if (w == NULL)
			return CP_ERR_NOMEM;
		*v = w;
		*cap = want;
	}
	(*v)[(*n)++] = *r;
	memset(r, 0, sizeof(*r));
	return CP_OK;
}

int sync_batch_add(struct sync_batch *b, struct sync_rec *r)
{
	return rec_push(&b->recs, &b->nrecs, &b->cap, r);
}

int sync_batch_state(struct sync_batch *b, const char *key, const char *val)
{
	size_t i = 0;
	while (i < b->nstate && strcmp(b->state_key[i], key) != 0)
		i++;
	if (i == b->nstate) {
		if (i == sizeof(b->state_key) / sizeof(b->state_key[0]))
			return CP_ERR_INVAL;
		if ((b->state_key[i] = strdup(key)) == NULL)
			return CP_ERR_NOMEM;
		b->state_val[i] = NULL;
		b->nstate++;
	}
	char *copy = strdup(val);
	if (copy == NULL)
		return CP_ERR_NOMEM;
	free(b->state_val[i]);
	b->state_val[i] = copy;
	return CP_OK;
}

int sync_batch_take(struct cp_sync *s, struct sync_batch *b, enum sync_kind kind, int rc,
                    struct sync_rec *r, char *problem)
{
	b->entries++;
	s->count[CP_SYNC_ENTRIES]++;
	if (s->count[CP_SYNC_ENTRIES] % 1000 == 0)
		sync_progress(s, "read", s->count[CP_SYNC_ENTRIES]);
	if (rc == CP_ERR_INVAL) {
		sync_log(s, SYNC_LOG_ERROR, "%s", problem != NULL ? problem : cp_strerror(rc));
		s->count[CP_SYNC_ERRORS]++;
		rc = CP_OK;
		/* Refused, but it exists: its record stays as it is. */
		if (r->uuid[0] != '\0')
			rc = strmap_put(&b->seen[kind], r->uuid, 0);
		if (rc == CP_OK && r->uuid[0] != '\0')
			rc = strmap_put(&b->refused[kind], r->uuid, 0);
		else
			b->uuid_missing[kind] = true;
		free(problem);
		sync_rec_clear(r);
		return rc;
	}
	free(problem);
	if (rc != CP_OK)
		return rc;
	rc = strmap_put(&b->seen[kind], r->uuid, 0);
	strmap_del(&b->deleted[kind], r->uuid);
	if (rc == CP_OK)
		rc = sync_batch_add(b, r);
	sync_rec_clear(r);
	return rc;
}

int sync_batch_entry(struct cp_sync *s, struct sync_batch *b, enum sync_kind kind,
                     const struct sync_entry *e, const char *uuid)
{
	struct sync_rec r;
	char *problem = NULL;
	int rc = sync_entry_parse(&s->map, s->cfg, kind, e, uuid, &r, &problem);
	return sync_batch_take(s, b, kind, rc, &r, problem);
}

int sync_take_into(void *ctx, enum sync_kind kind, const struct sync_entry *e)
{
	struct sync_into *into = ctx;
	return sync_batch_entry(into->s, into->b, kind, e, e->uuid);
}

int sync_keep_into(void *ctx, const char *key, const char *val)
{
	struct sync_into *into = ctx;
	return sync_batch_state(into->b, key, val);
}

/* Keep the last record of each (kind, UUID): a --follow batch may hold
 * two versions of an entry, and qsort is not stable. */
int sync_batch_dedup(struct sync_batch *b)
{
	struct strmap last[SK_COUNT];
	memset(last, 0, sizeof(last));
	int rc = CP_OK;
	for (size_t i = 0; rc == CP_OK && i < b->nrecs; i++)
		rc = strmap_put(&last[b->recs[i].kind], b->recs[i].uuid, (int64_t)i);
	size_t kept = 0;
	for (size_t i = 0; rc == CP_OK && i < b->nrecs; i++) {
		int64_t at = 0;
		strmap_get(&last[b->recs[i].kind], b->recs[i].uuid, &at);
		if ((size_t)at != i)
			sync_rec_clear(&b->recs[i]);
		else
			b->recs[kept++] = b->recs[i];
	}
	if (rc == CP_OK)
		b->nrecs = kept;
	for (size_t k = 0; k < SK_COUNT; k++)
		strmap_clear(&last[k]);
	return rc;
}

/* ------------------------------------------------------------ deletions */

struct gone {
	const struct sync_batch *b;
	enum sync_kind kind;
	char (*uuids)[37];
	size_t n;
	int rc;
};

static int collect_gone(const char *uuid, void *ctx)
{
	struct gone *g = ctx;
	if (!sync_batch_gone(g->b, g->kind, uuid))
		return 0;
	if (g->n % 256 == 0) {
		char(*v)[37] = realloc(g->uuids, (g->n + 256) * sizeof(*v));
		if (v == NULL) {
			g->rc = CP_ERR_NOMEM;
			return 1;
		}
		g->uuids = v;
	}
	memcpy(g->uuids[g->n++], uuid, 37);
	return 0;
}

/* Removals a complete read may always make, whatever max_removals says:
 * a few leavers in a small directory are no sign of a wrong search. */
#define REMOVALS_ALWAYS 10

/* Refuse to empty the ledger of a kind, or a large part of it, because a
 * read came back short: a wrong base or filter, an access rule, an entry
 * moved out of the base are far likelier than a directory that lost its
 * entries - and a departure cannot be undone. An incremental read names
 * its deletions: they are the directory's word, not inferred. */
static int check_mass_removal(struct cp_sync *s, const struct sync_batch *b, enum sync_kind kind,
                              size_t gone, char **errmsg)
{
	if (!b->complete[kind] || gone == 0 || (s->flags & CP_SYNC_ALLOW_REMOVALS) != 0)
		return CP_OK;
	if (b->seen[kind].n == 0) {
		cp_set_errmsg(errmsg,
		              _("the directory returned no %s entries, but the ledger has %zu from "
		                "it: nothing is changed (check the [ldap] base, filter and access "
		                "rights; --allow-removals applies it)"),
		              sync_kind_names[kind], gone);
		return CP_ERR_INVAL;
	}
	size_t total = b->had[kind];
	const char *max = cp_config_value(s->cfg, "ldap", "max_removals");
	size_t pct = max != NULL ? (size_t)strtoul(max, NULL, 10) : 10;
	if (gone <= REMOVALS_ALWAYS || gone * 100 <= total * pct)
		return CP_OK;
	cp_set_errmsg(errmsg,
	              _("the directory did not return %zu of the %zu %s entries the ledger has "
	                "from it, more than max_removals (%zu%%): nothing is changed (check the "
	                "[ldap] base, filter and access rights; --allow-removals applies it)"),
	              gone, total, sync_kind_names[kind], pct);
	return CP_ERR_INVAL;
}

static int apply_deletions(struct cp_sync *s, const struct sync_batch *b, enum sync_kind kind,
                           char **errmsg)
{
	struct gone g = {.b = b, .kind = kind};
	if (b->complete[kind] && b->uuid_missing[kind])
		/* TRANSLATORS: the first %s is an attribute (entryUUID), the second
		 * a kind of entry (person, account, group). */
		sync_log(s, SYNC_LOG_WARNING,
		         _("an entry without %s was read: deletions of %s entries are not applied"),
		         s->map.nattrs[SF_ENTRY_UUID] > 0 ? s->map.attrs[SF_ENTRY_UUID][0]
		                                          : "entryUUID",
		         sync_kind_names[kind]);
	int rc = CP_OK;
	if (b->complete[kind] && !b->uuid_missing[kind]) {
		rc = dir_each_uuid(s->l, kind, collect_gone, &g);
	} else { /* an incremental batch names its deletions: no scan */
		const struct strmap *d = &b->deleted[kind];
		for (size_t i = 0; g.rc == CP_OK && i < d->cap; i++)
			if (d->keys[i] != NULL)
				collect_gone(d->keys[i], &g);
	}
	if (rc == CP_OK)
		rc = g.rc;
	if (rc == CP_OK)
		rc = check_mass_removal(s, b, kind, g.n, errmsg);
	for (size_t i = 0; rc == CP_OK && i < g.n; i++)
		rc = sync_apply_delete(s, kind, g.uuids[i]);
	free(g.uuids);
	return rc;
}

/* ------------------------------------------------------------ applying */

/* Keep the record at i for the end of its kind's read (SYNC_DEFERRED). */
static int defer(struct sync_batch *b, size_t i)
{
	return rec_push(&b->deferred, &b->ndeferred, &b->deferred_cap, &b->recs[i]);
}

int sync_batch_apply_kind(struct cp_sync *s, struct sync_batch *b, enum sync_kind kind,
                          uint64_t *done)
{
	int rc = CP_OK;
	for (size_t i = 0; rc == CP_OK && i < b->nrecs; i++) {
		if (b->recs[i].kind != kind)
			continue;
		rc = sync_apply_record(s, b, &b->recs[i]);
		if (rc == SYNC_DEFERRED) {
			rc = defer(b, i);
			continue;
		}
		/* What was applied only shortens the old list of entries to
		 * read again, which a complete read replaces (sync_retry.c):
		 * not worth 200,000 copies of UUIDs then. */
		if (rc == CP_OK && (s->refused || s->read_again))
			rc = strmap_put(&b->refused[kind], b->recs[i].uuid, 0);
		else if (rc == CP_OK && !b->complete[kind] && !b->reading[kind])
			rc = strmap_put(&b->applied[kind], b->recs[i].uuid, 0);
		/* A streamed read reports what it read, not what it applied. */
		if (++*done % 1000 == 0 && !b->streamed)
			sync_progress(s, "apply", *done);
	}
	return rc;
}

int sync_batch_undefer(struct sync_batch *b, enum sync_kind kind)
{
	size_t kept = 0;
	int rc = CP_OK;
	for (size_t i = 0; i < b->ndeferred; i++) {
		struct sync_rec *r = &b->deferred[i];
		if (r->kind == kind && rc == CP_OK) {
			rc = sync_batch_add(b, r);
			sync_rec_clear(r);
		} else
			b->deferred[kept++] = *r;
	}
	b->ndeferred = kept;
	return rc;
}

static bool has_groups(const struct sync_batch *b)
{
	for (size_t i = 0; i < b->nrecs; i++)
		if (b->recs[i].kind == SK_GROUP)
			return true;
	return b->complete[SK_GROUP] || b->reading[SK_GROUP] || b->deleted[SK_GROUP].n > 0;
}

int sync_batch_groups_next(struct cp_sync *s, struct sync_batch *b, char **errmsg)
{
	int rc = apply_deletions(s, b, SK_ACCOUNT, errmsg);
	if (rc == CP_OK)
		rc = apply_deletions(s, b, SK_PERSON, errmsg);
	if (rc == CP_OK && has_groups(b))
		rc = sync_apply_prepare_groups(s, b);
	return rc;
}

int sync_batch_finish(struct cp_sync *s, struct sync_batch *b, char **errmsg)
{
	int rc = apply_deletions(s, b, SK_GROUP, errmsg);
	if (rc == CP_OK)
		rc = sync_retry_store(s, b);
	for (size_t i = 0; rc == CP_OK && i < b->nstate; i++)
		rc = sync_state_set(s->l, b->state_key[i], b->state_val[i]);
	return rc;
}

static int apply_all(struct cp_sync *s, struct sync_batch *b, char **errmsg)
{
	uint64_t done = 0;
	int rc = sync_batch_apply_kind(s, b, SK_PERSON, &done);
	if (rc == CP_OK)
		rc = sync_batch_apply_kind(s, b, SK_ACCOUNT, &done);
	if (rc == CP_OK)
		rc = sync_batch_groups_next(s, b, errmsg);
	if (rc == CP_OK)
		rc = sync_batch_apply_kind(s, b, SK_GROUP, &done);
	return rc == CP_OK ? sync_batch_finish(s, b, errmsg) : rc;
}

/* By kind, then UUID: directory_entries is keyed by UUID, and rows
 * inserted in key order fill its pages one after the other instead of
 * splitting pages all over the table (a full sync writes 200,000 rows). */
static int cmp_rec(const void *a, const void *b)
{
	const struct sync_rec *x = a, *y = b;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return strcmp(x->uuid, y->uuid);
}

void sync_batch_sort(struct sync_batch *b)
{
	if (b->nrecs > 1)
		qsort(b->recs, b->nrecs, sizeof(*b->recs), cmp_rec);
}

int sync_batch_open(struct cp_sync *s, char **errmsg)
{
	strmap_clear(&s->person_ids);
	strmap_clear(&s->dn_people);
	int rc = cp_ledger_begin(s->l);
	if (rc != CP_OK)
		cp_set_errmsg(errmsg, _("%s: cannot start a ledger transaction: %s"), s->l->path,
		              cp_strerror(rc));
	return rc;
}

int sync_batch_count(struct cp_sync *s, struct sync_batch *b)
{
	int rc = CP_OK;
	for (int k = 0; rc == CP_OK && k < SK_COUNT; k++)
		rc = dir_count(s->l, (enum sync_kind)k, &b->had[k]);
	return rc;
}

int sync_batch_close(struct cp_sync *s, int rc, char **errmsg)
{
	if (rc == CP_OK && (s->flags & CP_SYNC_DRY_RUN) == 0)
		rc = cp_ledger_commit(s->l);
	else
		cp_ledger_rollback(s->l);
	strmap_clear(&s->person_ids); /* rows a rollback took back */
	s->person_ids_all = false;
	if (rc != CP_OK && errmsg != NULL && *errmsg == NULL)
		cp_set_errmsg(errmsg,
		              _("%s: the changes from the directory could not be written, "
		                "nothing was changed: %s"),
		              s->l->path, cp_strerror(rc));
	return rc;
}

int sync_batch_apply(struct cp_sync *s, struct sync_batch *b, char **errmsg)
{
	/* --follow reads refused entries again now and then, not per batch. */
	time_t now = time(NULL);
	bool retry = s->ld != NULL && (!s->following || now - s->retried >= 300);
	int rc = retry ? sync_retry_read(s, b, errmsg) : CP_OK;
	if (retry)
		s->retried = now;
	/* A persist stream may send an entry twice: the later one counts. */
	if (rc == CP_OK)
		rc = sync_batch_dedup(b);
	if (rc != CP_OK)
		return rc;
	sync_batch_sort(b);
	rc = sync_batch_open(s, errmsg);
	if (rc != CP_OK)
		return rc;
	rc = sync_batch_count(s, b);
	return sync_batch_close(s, rc == CP_OK ? apply_all(s, b, errmsg) : rc, errmsg);
}
