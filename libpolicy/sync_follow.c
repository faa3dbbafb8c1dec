/* sync_follow.c - credpolicy sync --follow: an RFC 4533 refreshAndPersist
 * session per kind of entry on one connection, so that a change made in
 * the directory reaches this host's ledger within moments.
 *
 * Changes are gathered while they arrive and applied when the stream
 * pauses (a fifth of a second without a message) or a batch grows large,
 * each batch in one transaction with the cookies it brings the ledger to.
 * A batch not yet applied when the connection breaks is dropped: the
 * stored cookie is still the one before it, so the next session's refresh
 * sends those changes again. The connection is made again after 1, 2,
 * 4... up to 60 seconds; meanwhile the ledger stays as it is and logins go
 * on from it.
 *
 * The modifyTimestamp mode has nothing to persist on: it polls instead,
 * a sync every POLL_SECONDS. */
#include "sync_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define QUIET_MS     200  /* a pause in the stream after which a batch is applied */
#define BATCH_MAX    1000 /* records: apply even if the stream has not paused */
#define BACKOFF_MAX  60   /* seconds between attempts to reconnect, at most */
#define POLL_SECONDS 10   /* the timestamp mode's interval */

struct session {
	struct cp_sync *s;
	struct sync_search ss[SK_COUNT];
	struct sync_batch b;
	bool refreshed;  /* every kind's refresh stage is over */
	bool no_cookies; /* the server asked for a full refresh */
	bool applied;    /* a batch was applied in this session */
};

/* Wait seconds, asking tick every second; true when told to stop. */
static bool wait_or_stop(unsigned seconds, int (*tick)(void *ctx), void *ctx)
{
	for (unsigned i = 0; i < seconds; i++) {
		if (tick(ctx) != 0)
			return true;
		sleep(1);
	}
	return tick(ctx) != 0;
}

static bool pending(const struct session *se)
{
	if (se->b.nrecs > 0)
		return true;
	for (int k = 0; k < SK_COUNT; k++)
		if (se->b.deleted[k].n > 0 || se->ss[k].cookie_changed || se->b.complete[k])
			return true;
	return false;
}

static int apply(struct session *se, char **errmsg)
{
	struct cp_sync *s = se->s;
	uint64_t before[8];
	memcpy(before, s->count, sizeof(before));
	int rc = CP_OK;
	for (int k = 0; rc == CP_OK && k < SK_COUNT; k++)
		if (se->ss[k].cookie_changed || se->b.complete[k])
			rc = sync_cookie_keep(&se->b, (enum sync_kind)k, se->ss[k].spec,
			                      &se->ss[k].cookie);
	if (rc == CP_OK)
		rc = sync_batch_apply(s, &se->b, errmsg);
	if (rc == CP_OK) {
		for (int k = 0; k < SK_COUNT; k++)
			se->ss[k].cookie_changed = false;
		se->applied = true;
		bool any = false;
		for (int c = CP_SYNC_ADDED; c <= CP_SYNC_ERRORS; c++)
			any = any || (c != CP_SYNC_UNCHANGED && s->count[c] != before[c]);
		if (any) /* not for a batch of new cookies only */
			sync_log(
			    s, SYNC_LOG_INFO,
			    _("applied: %llu added, %llu changed, %llu removed, "
			      "%llu refused"),
			    (unsigned long long)(s->count[CP_SYNC_ADDED] - before[CP_SYNC_ADDED]),
			    (unsigned long long)(s->count[CP_SYNC_CHANGED] -
			                         before[CP_SYNC_CHANGED]),
			    (unsigned long long)(s->count[CP_SYNC_REMOVED] -
			                         before[CP_SYNC_REMOVED]),
			    (unsigned long long)(s->count[CP_SYNC_ERRORS] -
			                         before[CP_SYNC_ERRORS]));
	} else {
		memcpy(s->count, before, sizeof(before));
	}
	sync_batch_free(&se->b);
	sync_batch_init(&se->b);
	return rc;
}

static int start(struct session *se, char **errmsg)
{
	struct cp_sync *s = se->s;
	int rc = cp_ldap_connect(s->cfg, &s->ld, errmsg);
	for (int k = 0; rc == CP_OK && k < SK_COUNT; k++) {
		rc = sync_search_init(s, &se->ss[k], (enum sync_kind)k, se->no_cookies, errmsg);
		if (rc == CP_OK)
			rc =
			    sync_search_start(s, &se->ss[k], LDAP_SYNC_REFRESH_AND_PERSIST, errmsg);
	}
	return rc;
}

static void stop(struct session *se)
{
	struct cp_sync *s = se->s;
	for (int k = 0; k < SK_COUNT; k++) {
		if (s->ld != NULL && se->ss[k].msgid > 0 && !se->ss[k].ended)
			ldap_abandon_ext(s->ld, se->ss[k].msgid, NULL, NULL);
		sync_search_clear(&se->ss[k]);
	}
	if (s->ld != NULL)
		ldap_unbind_ext_s(s->ld, NULL, NULL);
	s->ld = NULL;
	sync_batch_free(&se->b);
	sync_batch_init(&se->b);
	se->refreshed = false;
}

/* Once every kind's refresh is over, what the refreshes mean. */
static void check_refreshed(struct session *se)
{
	if (se->refreshed)
		return;
	for (int k = 0; k < SK_COUNT; k++)
		if (!se->ss[k].refresh_done)
			return;
	for (int k = 0; k < SK_COUNT; k++)
		sync_search_refreshed(&se->ss[k], &se->b);
	se->refreshed = true;
}

static int on_message(struct session *se, LDAPMessage *msg, char **errmsg)
{
	struct cp_sync *s = se->s;
	int id = ldap_msgid(msg);
	for (int k = 0; k < SK_COUNT; k++) {
		struct sync_search *ss = &se->ss[k];
		if (ss->msgid != id)
			continue;
		int rc = sync_search_message(s, ss, &se->b, msg, errmsg);
		if (rc == CP_OK && ss->refresh_required) {
			se->no_cookies = true;
			return sync_ldap_fail(s, LDAP_SYNC_REFRESH_REQUIRED,
			                      _("the content synchronization search"), errmsg);
		}
		if (rc == CP_OK && ss->ended) /* a persist search does not end by itself */
			rc = sync_ldap_fail(s, LDAP_UNAVAILABLE,
			                    _("the content synchronization search"), errmsg);
		check_refreshed(se);
		return rc;
	}
	return CP_OK;
}

/* One connection's life: CP_OK when told to stop, else why it ended. */
static int session(struct session *se, int (*tick)(void *ctx), void *ctx, char **errmsg)
{
	struct cp_sync *s = se->s;
	int rc = start(se, errmsg);
	if (rc == CP_OK)
		se->no_cookies = false;
	while (rc == CP_OK && tick(ctx) == 0) {
		struct timeval tv = {.tv_sec = 0, .tv_usec = QUIET_MS * 1000};
		LDAPMessage *msg = NULL;
		int t = ldap_result(s->ld, LDAP_RES_ANY, LDAP_MSG_ONE, &tv, &msg);
		if (t < 0) {
			int lrc = LDAP_SERVER_DOWN;
			ldap_get_option(s->ld, LDAP_OPT_RESULT_CODE, &lrc);
			rc =
			    sync_ldap_fail(s, lrc, _("the content synchronization search"), errmsg);
		} else if (t > 0) {
			rc = on_message(se, msg, errmsg);
		}
		ldap_msgfree(msg);
		bool due = t == 0 || se->b.nrecs >= BATCH_MAX;
		if (rc == CP_OK && se->refreshed && due && pending(se))
			rc = apply(se, errmsg);
	}
	stop(se);
	return rc;
}

static int follow_rfc4533(struct cp_sync *s, int (*tick)(void *ctx), void *ctx)
{
	struct session se = {.s = s};
	unsigned delay = 1;
	sync_batch_init(&se.b);
	for (;;) {
		char *msg = NULL;
		se.applied = false;
		time_t began = time(NULL);
		int rc = session(&se, tick, ctx, &msg);
		if (rc == CP_OK) {
			free(msg);
			return CP_OK;
		}
		if (se.applied || time(NULL) - began > BACKOFF_MAX)
			delay = 1;
		sync_log(s, SYNC_LOG_WARNING,
		         _("%s; the ledger is unchanged, trying again in %u s"),
		         msg != NULL ? msg : cp_strerror(rc), delay);
		free(msg);
		if (wait_or_stop(delay, tick, ctx))
			return CP_OK;
		delay = delay * 2 > BACKOFF_MAX ? BACKOFF_MAX : delay * 2;
	}
}

static int follow_poll(struct cp_sync *s, int (*tick)(void *ctx), void *ctx)
{
	unsigned delay = POLL_SECONDS;
	while (!wait_or_stop(delay, tick, ctx)) {
		char *msg = NULL;
		int rc = sync_once(s, &msg);
		if (rc != CP_OK)
			sync_log(s, SYNC_LOG_WARNING,
			         _("%s; the ledger is unchanged, trying again in %u s"),
			         msg != NULL ? msg : cp_strerror(rc),
			         delay * 2 > BACKOFF_MAX ? BACKOFF_MAX : delay * 2);
		delay = rc == CP_OK               ? POLL_SECONDS
		        : delay * 2 > BACKOFF_MAX ? BACKOFF_MAX
		                                  : delay * 2;
		free(msg);
	}
	return CP_OK;
}

int sync_follow(struct cp_sync *s, int (*tick)(void *ctx), void *ctx)
{
	s->following = true;
	s->retried = (int64_t)time(NULL);
	return s->rfc4533 ? follow_rfc4533(s, tick, ctx) : follow_poll(s, tick, ctx);
}
