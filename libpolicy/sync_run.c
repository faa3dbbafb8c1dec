/* sync_run.c - the public cp_sync_* calls (credpolicy.h): one sync is
 * connect, read the directory into a batch, apply the batch in one
 * transaction, disconnect. Which read follows [ldap] sync_mode: RFC 4533
 * when the server offers it ("auto" asks the root DSE) or always
 * ("syncrepl"), else the modifyTimestamp fallback; --full reads everything
 * with paged searches, applied while it is read (sync_stream.c), as is the
 * first RFC 4533 refresh of a host (no cookie yet). */
#include "ledger_internal.h"
#include "sync_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

CP_EXPORT int cp_sync_new(cp_ledger *l, cp_sync **out)
{
	if (out != NULL)
		*out = NULL;
	if (l == NULL || out == NULL || (l->flags & CP_LEDGER_READONLY) != 0)
		return CP_ERR_INVAL;
	cp_sync *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return CP_ERR_NOMEM;
	s->l = l;
	s->cfg = l->cfg;
	s->mode = "";
	int rc = sync_map_init(&s->map, s->cfg);
	if (rc != CP_OK) {
		free(s);
		return rc;
	}
	*out = s;
	return CP_OK;
}

CP_EXPORT void cp_sync_free(cp_sync *s)
{
	if (s == NULL)
		return;
	if (s->ld != NULL)
		ldap_unbind_ext_s(s->ld, NULL, NULL);
	sync_map_free(&s->map);
	strmap_clear(&s->dn_people);
	strmap_clear(&s->group_names);
	strmap_clear(&s->person_ids);
	free(s->group_uuids);
	free(s);
}

CP_EXPORT void cp_sync_set_log(cp_sync *s, void (*fn)(int level, const char *msg, void *ctx),
                               void *ctx)
{
	if (s == NULL)
		return;
	s->log = fn;
	s->log_ctx = ctx;
}

CP_EXPORT void
cp_sync_set_progress(cp_sync *s, void (*fn)(const char *phase, uint64_t done, void *ctx), void *ctx)
{
	if (s == NULL)
		return;
	s->progress = fn;
	s->progress_ctx = ctx;
}

CP_EXPORT uint64_t cp_sync_count(const cp_sync *s, cp_sync_counter c)
{
	return s != NULL && (unsigned)c <= CP_SYNC_ERRORS ? s->count[c] : 0;
}

CP_EXPORT const char *cp_sync_mode(const cp_sync *s)
{
	return s != NULL ? s->mode : "";
}

void sync_log(struct cp_sync *s, int level, const char *fmt, ...)
{
	if (s->log == NULL)
		return;
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg != NULL)
		s->log(level, msg, s->log_ctx);
	free(msg);
}

void sync_progress(struct cp_sync *s, const char *phase, uint64_t done)
{
	if (s->progress != NULL)
		s->progress(phase, done, s->progress_ctx);
}

/* ------------------------------------------------------------ one sync */

static bool mode_is(const cp_sync *s, const char *word)
{
	const char *m = cp_config_value(s->cfg, "ldap", "sync_mode");
	return m != NULL && strcmp(m, word) == 0;
}

#define COUNTERS (sizeof(((cp_sync *)NULL)->count) / sizeof(uint64_t))

/* Read b again from the start: the counters as they were before the read
 * (a streamed read counted records that its rollback took back). */
static void batch_restart(cp_sync *s, struct sync_batch *b, const uint64_t *before, char **errmsg)
{
	sync_batch_free(b);
	sync_batch_init(b);
	memcpy(s->count, before, sizeof(s->count));
	if (errmsg != NULL) {
		free(*errmsg);
		*errmsg = NULL;
	}
}

/* Everything, without cookies: applied while it is read when the server
 * sends only added entries (*applied), else read whole, then applied. */
static int refresh_all(cp_sync *s, struct sync_batch *b, const uint64_t *before, bool *applied,
                       char **errmsg)
{
	s->mode = "refresh";
	int rc = sync_stream_refresh(s, b, errmsg);
	if (rc != SYNC_UNSTREAMED) {
		*applied = true;
		return rc;
	}
	/* Rolled back; what it logged is logged again by the whole read. */
	sync_log(s, SYNC_LOG_INFO, "%s",
	         _("the directory's first refresh holds more than added entries: reading it whole "
	           "before applying it"));
	batch_restart(s, b, before, errmsg);
	bool again = false;
	rc = sync_read_rfc4533(s, b, true, &again, errmsg);
	if (rc == CP_OK && again)
		rc = sync_ldap_fail(s, LDAP_SYNC_REFRESH_REQUIRED,
		                    _("the content synchronization search"), errmsg);
	return rc;
}

static int read_rfc4533(cp_sync *s, struct sync_batch *b, const uint64_t *before, bool *applied,
                        char **errmsg)
{
	bool any = false, again = false;
	int rc = sync_rfc4533_any_cookie(s, &any, errmsg);
	if (rc != CP_OK)
		return rc;
	if (!any) /* a host's first sync */
		return refresh_all(s, b, before, applied, errmsg);
	rc = sync_read_rfc4533(s, b, false, &again, errmsg);
	if (rc != CP_OK || !again)
		return rc;
	/* e-syncRefreshRequired: the cookie is too old for the server's log. */
	sync_log(s, SYNC_LOG_INFO, "%s",
	         _("the directory asks for a full refresh: reading the whole content"));
	batch_restart(s, b, before, errmsg);
	return refresh_all(s, b, before, applied, errmsg);
}

/* "auto" and the server advertises the control, but the database of the
 * base does not do it (OpenLDAP advertises what a loaded module offers,
 * whether or not the overlay is on that database). */
static bool rfc4533_refused(const cp_sync *s, int rc)
{
	return rc == CP_ERR_IO && mode_is(s, "auto") &&
	       (s->last_lrc == LDAP_UNAVAILABLE_CRITICAL_EXTENSION ||
	        s->last_lrc == LDAP_UNWILLING_TO_PERFORM);
}

/* Read into b, or (*applied) read and apply at once. */
static int read_directory(cp_sync *s, struct sync_batch *b, bool *applied, char **errmsg)
{
	bool full = (s->flags & CP_SYNC_FULL) != 0;
	/* An earlier run's code must not pass for this one's (rfc4533_refused). */
	s->last_lrc = LDAP_SUCCESS;
	/* RFC 4533 names entries by entryUUID: under another key (AD's
	 * objectGUID) its reads and the full ones would not meet. */
	bool by_entry_uuid = sync_map_entry_uuid(&s->map);
	if (mode_is(s, "syncrepl") && !by_entry_uuid) {
		cp_set_errmsg(errmsg, "%s",
		              _("sync_mode = syncrepl needs [ldap_map] entry_uuid = entryUUID: "
		                "RFC 4533 names entries by their entryUUID"));
		return CP_ERR_CONFIG;
	}
	s->rfc4533 = by_entry_uuid && (mode_is(s, "syncrepl") ||
	                               (mode_is(s, "auto") && sync_server_has_rfc4533(s->ld)));
	if (s->rfc4533 && !full) {
		uint64_t before[COUNTERS];
		memcpy(before, s->count, sizeof(before));
		int rc = read_rfc4533(s, b, before, applied, errmsg);
		if (!rfc4533_refused(s, rc))
			return rc;
		sync_log(s, SYNC_LOG_INFO, "%s",
		         _("the directory does not synchronize content (RFC 4533) under this base: "
		           "using modifyTimestamp"));
		batch_restart(s, b, before, errmsg);
		*applied = false;
		s->rfc4533 = false;
	}
	if (!s->rfc4533)
		return sync_read_timestamp(s, b, full, errmsg);
	/* The cookies stay: an incremental sync from them re-applies changes
	 * this full read already has, which changes nothing. */
	s->mode = "full";
	*applied = true;
	return sync_stream_full(s, b, errmsg);
}

/* Connect, read, apply; the counters add up. */
int sync_once(cp_sync *s, char **errmsg)
{
	struct sync_batch b;
	uint64_t before[8];
	memcpy(before, s->count, sizeof(before));
	sync_batch_init(&b);
	int rc = cp_ldap_connect(s->cfg, &s->ld, errmsg);
	bool applied = false;
	if (rc == CP_OK)
		rc = read_directory(s, &b, &applied, errmsg);
	if (rc == CP_OK && !applied)
		rc = sync_batch_apply(s, &b, errmsg);
	sync_batch_free(&b);
	if (s->ld != NULL)
		ldap_unbind_ext_s(s->ld, NULL, NULL);
	s->ld = NULL;
	if (rc != CP_OK) /* nothing was applied */
		for (int c = CP_SYNC_ADDED; c <= CP_SYNC_UNCHANGED; c++)
			s->count[c] = before[c];
	return rc;
}

CP_EXPORT int cp_sync_run(cp_sync *s, unsigned flags, char **errmsg)
{
	if (errmsg != NULL)
		*errmsg = NULL;
	const unsigned known =
	    CP_SYNC_FULL | CP_SYNC_DRY_RUN | CP_SYNC_ADOPT | CP_SYNC_ALLOW_REMOVALS;
	if (s == NULL || (flags & ~known) != 0)
		return CP_ERR_INVAL;
	memset(s->count, 0, sizeof(s->count));
	s->flags = flags;
	s->mode = "";
	s->following = false;
	return sync_once(s, errmsg);
}

CP_EXPORT int cp_sync_follow(cp_sync *s, unsigned flags, int (*tick)(void *ctx), void *ctx,
                             char **errmsg)
{
	int rc = cp_sync_run(s, flags, errmsg);
	if (rc != CP_OK || tick == NULL)
		return rc;
	/* --allow-removals is for the first run, not for every later day. */
	s->flags = flags & ~(unsigned)(CP_SYNC_FULL | CP_SYNC_ALLOW_REMOVALS);
	return sync_follow(s, tick, ctx);
}
