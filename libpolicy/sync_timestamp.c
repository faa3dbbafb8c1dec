/* sync_timestamp.c - the fallback for servers without RFC 4533 (or
 * sync_mode = timestamp): read the entries whose modifyTimestamp is at or
 * after a high-water mark, per kind, and every full_every seconds read
 * everything (paged) so that deletions, and entries that left a filter,
 * are seen too - a changed-since search cannot return what is gone.
 *
 * The high-water mark is the newest modifyTimestamp read (the server's
 * clock, never this host's), less the time the read took and a minute: an
 * entry changed while the pages went by may have been read before its
 * change, and reading a few entries twice costs a comparison each
 * (unchanged records are not written). It is stored per kind, with the
 * search it belongs to, in the batch's transaction. */
#include "sync_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MARGIN 60 /* seconds, on top of the read's own duration */

static void key_of(enum sync_kind kind, const char *what, char out[64])
{
	snprintf(out, 64, "timestamp.%s.%s", sync_kind_names[kind], what);
}

static int64_t state_int(struct cp_sync *s, const char *key)
{
	char *v = NULL;
	int64_t n = 0;
	if (sync_state_get(s->l, key, &v) == CP_OK)
		n = strtoll(v, NULL, 10);
	free(v);
	return n > 0 ? n : 0;
}

static int put_int(struct sync_batch *b, const char *key, int64_t v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return sync_batch_state(b, key, buf);
}

/* Whether the stored search of kind is the one configured now (else its
 * high-water mark means nothing: read everything). */
static int same_spec(struct cp_sync *s, enum sync_kind kind, char **spec, bool *same, char **errmsg)
{
	char key[64], *stored = NULL, fkey[32];
	const char *base = NULL;
	snprintf(fkey, sizeof(fkey), "%s_filter", sync_kind_names[kind]);
	int rc = sync_kind_base(s, kind, &base, errmsg);
	*spec = NULL;
	if (rc == CP_OK && (*spec = sync_search_spec(
	                        s, kind, base, cp_config_value(s->cfg, "ldap", fkey))) == NULL)
		rc = CP_ERR_NOMEM;
	key_of(kind, "spec", key);
	if (rc == CP_OK)
		rc = sync_state_get(s->l, key, &stored);
	*same = rc == CP_OK && strcmp(stored, *spec) == 0;
	free(stored);
	return rc == CP_ERR_NOTFOUND ? CP_OK : rc;
}

/* "(modifyTimestamp>=YYYYMMDDHHMMSS.0Z)" (the fraction as Active Directory
 * documents its filters; RFC 4517 allows it), or an OR of such assertions when
 * [ldap_map] modified names several attributes. */
static char *since_filter(const struct sync_map *m, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char buf[32];
	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, sizeof(buf), "%Y%m%d%H%M%S.0Z", &tm) == 0)
		return NULL;
	char *all = strdup("");
	for (size_t i = 0; all != NULL && i < m->nattrs[SF_MODIFIED]; i++) {
		char *next = cp_asprintf("%s(%s>=%s)", all, m->attrs[SF_MODIFIED][i], buf);
		free(all);
		all = next;
	}
	char *filter = all != NULL && m->nattrs[SF_MODIFIED] > 1 ? cp_asprintf("(|%s)", all) : all;
	if (filter != all)
		free(all);
	return filter;
}

/* The new mark of kind: the newest modification read, less the margin;
 * never earlier than the old one. */
static int64_t new_mark(const struct sync_batch *b, enum sync_kind kind, int64_t old, int64_t took)
{
	int64_t newest = 0;
	for (size_t i = 0; i < b->nrecs; i++)
		if (b->recs[i].kind == kind && b->recs[i].modified > newest)
			newest = b->recs[i].modified;
	int64_t mark = newest - took - MARGIN;
	return mark > old ? mark : old;
}

static int read_kind(struct cp_sync *s, struct sync_batch *b, enum sync_kind kind, bool full,
                     char **errmsg)
{
	char key[64], *spec = NULL, *extra = NULL;
	bool same = false;
	key_of(kind, "hwm", key);
	int64_t old = state_int(s, key), started = (int64_t)time(NULL);
	int rc = same_spec(s, kind, &spec, &same, errmsg);
	if (rc == CP_OK && !full && same && old > 0 && (extra = since_filter(&s->map, old)) == NULL)
		rc = CP_ERR_NOMEM;
	if (rc == CP_OK)
		rc = sync_read_kind_paged(s, b, kind, extra, errmsg);
	b->complete[kind] = rc == CP_OK && extra == NULL;
	if (rc == CP_OK)
		rc = put_int(b, key,
		             new_mark(b, kind, same ? old : 0, (int64_t)time(NULL) - started));
	key_of(kind, "spec", key);
	if (rc == CP_OK)
		rc = sync_batch_state(b, key, spec);
	free(extra);
	free(spec);
	return rc;
}

int sync_read_timestamp(struct cp_sync *s, struct sync_batch *b, bool force_full, char **errmsg)
{
	const char *every = cp_config_value(s->cfg, "ldap", "full_every");
	int64_t now = (int64_t)time(NULL), last = state_int(s, "timestamp.last_full");
	bool full = force_full || last == 0 ||
	            now - last >= strtoll(every != NULL ? every : "86400", NULL, 10);
	int rc = CP_OK;
	for (int k = 0; rc == CP_OK && k < SK_COUNT; k++)
		rc = read_kind(s, b, (enum sync_kind)k, full, errmsg);
	if (rc == CP_OK && full)
		rc = put_int(b, "timestamp.last_full", now);
	/* A kind whose search changed was read whole: say "full" then too. */
	bool all = true;
	for (int k = 0; k < SK_COUNT; k++)
		all = all && b->complete[k];
	s->mode = all ? "full" : "timestamp";
	return rc;
}
