/* sync_retry.c - entries refused by an incremental sync are read again.
 *
 * An incremental read (RFC 4533 from a cookie, modifyTimestamp from a
 * high-water mark) sends an entry once, when it changes. If the sync
 * refused it - its owner not in the ledger yet, a class this host's
 * configuration does not have, a value out of bounds - the cookie moves on
 * and the entry would wait for its next change or the next full sync.
 * So the UUIDs of refused entries are kept in sync_state ("retry.KIND",
 * at most RETRY_MAX each), and every incremental batch reads them again by
 * their UUID ([ldap_map] entry_uuid, sync_uuid_assertions): fixed in the directory, or the problem fixed here, they are
 * applied; still wrong, they are reported again. A complete read replaces
 * the list with what it refused. */
#include "sync_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RETRY_MAX 1000 /* entries per kind */
#define CHUNK     50   /* UUIDs per search filter */

static void retry_key(enum sync_kind kind, char out[32])
{
	snprintf(out, 32, "retry.%s", sync_kind_names[kind]);
}

/* The stored list of kind: blank-separated UUIDs. */
static int load(struct cp_sync *s, enum sync_kind kind, char **list)
{
	char key[32];
	retry_key(kind, key);
	int rc = sync_state_get(s->l, key, list);
	if (rc == CP_ERR_NOTFOUND && (*list = strdup("")) == NULL)
		rc = CP_ERR_NOMEM;
	return rc == CP_ERR_NOTFOUND ? CP_OK : rc;
}

/* Read the entries of up to CHUNK UUIDs of list (advanced past them). */
static int read_chunk(struct cp_sync *s, struct sync_batch *b, enum sync_kind kind,
                      const char **list, char **errmsg)
{
	char *any = strdup("");
	for (int n = 0; any != NULL && n < CHUNK && *(*list += strspn(*list, " ")) != '\0'; n++) {
		size_t k = strcspn(*list, " ");
		char uuid[37];
		/* Only what ldv_uuid_text accepts goes into the filter. */
		char *one = ldv_uuid_text(*list, k, uuid) == LDV_OK
		                ? sync_uuid_assertions(&s->map, uuid)
		                : strdup("");
		char *next = one != NULL ? cp_asprintf("%s%s", any, one) : NULL;
		free(one);
		free(any);
		any = next;
		*list += k;
	}
	if (any == NULL)
		return CP_ERR_NOMEM;
	char *filter = *any != '\0' ? cp_asprintf("(|%s)", any) : NULL;
	int rc = *any == '\0'     ? CP_OK
	         : filter != NULL ? sync_read_kind_paged(s, b, kind, filter, errmsg)
	                          : CP_ERR_NOMEM;
	free(filter);
	free(any);
	return rc;
}

int sync_retry_read(struct cp_sync *s, struct sync_batch *b, char **errmsg)
{
	int rc = CP_OK;
	for (int k = 0; rc == CP_OK && k < SK_COUNT; k++) {
		char *list = NULL;
		if (b->complete[k])
			continue;
		rc = load(s, (enum sync_kind)k, &list);
		for (const char *p = list; rc == CP_OK && p != NULL && *p != '\0';)
			rc = read_chunk(s, b, (enum sync_kind)k, &p, errmsg);
		free(list);
	}
	return rc;
}

/* The new list of kind: for a complete read what it refused; otherwise the
 * old list, less what was applied or deleted, plus what was refused. */
static int next_list(struct cp_sync *s, const struct sync_batch *b, enum sync_kind kind, char **out)
{
	struct strmap keep = {0};
	char *old = NULL;
	int rc = b->complete[kind] ? CP_OK : load(s, kind, &old);
	char *save = NULL;
	for (char *u = old != NULL ? strtok_r(old, " ", &save) : NULL; rc == CP_OK && u != NULL;
	     u = strtok_r(NULL, " ", &save))
		if (!strmap_get(&b->applied[kind], u, NULL) && !sync_batch_gone(b, kind, u))
			rc = strmap_put(&keep, u, 0);
	const struct strmap *ref = &b->refused[kind];
	for (size_t i = 0; rc == CP_OK && i < ref->cap; i++)
		if (ref->keys[i] != NULL)
			rc = strmap_put(&keep, ref->keys[i], 0);
	size_t n = 0;
	char *list = rc == CP_OK ? calloc(keep.n * 37 + 1, 1) : NULL, *p = list;
	for (size_t i = 0; list != NULL && i < keep.cap && n < RETRY_MAX; i++)
		if (keep.keys[i] != NULL)
			p += sprintf(p, "%s%s", n++ > 0 ? " " : "", keep.keys[i]);
	if (rc == CP_OK && list == NULL)
		rc = CP_ERR_NOMEM;
	if (rc == CP_OK && keep.n > RETRY_MAX)
		sync_log(s, SYNC_LOG_WARNING,
		         _("%zu refused %s entries: only %u are read again by incremental syncs "
		           "(a full sync reads them all)"),
		         keep.n, sync_kind_names[kind], RETRY_MAX);
	free(old);
	strmap_clear(&keep);
	*out = list;
	return rc;
}

int sync_retry_store(struct cp_sync *s, const struct sync_batch *b)
{
	int rc = CP_OK;
	for (int k = 0; rc == CP_OK && k < SK_COUNT; k++) {
		char key[32], *list = NULL, *old = NULL;
		retry_key((enum sync_kind)k, key);
		rc = next_list(s, b, (enum sync_kind)k, &list);
		int got = rc == CP_OK ? sync_state_get(s->l, key, &old) : CP_OK;
		bool same = got == CP_OK && old != NULL && strcmp(old, list) == 0;
		bool none = got == CP_ERR_NOTFOUND && *list == '\0';
		if (rc == CP_OK && !same && !none)
			rc = sync_state_set(s->l, key, list);
		free(old);
		free(list);
	}
	return rc;
}
