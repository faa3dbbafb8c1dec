/* sync_full.c - reading every entry of each kind with the Simple Paged
 * Results control (RFC 2696): directories hold 100,000 entries and more,
 * and servers cap what one search may return. Only the mapped attributes
 * are asked for, pages are large ([ldap] page_size), and each entry is
 * checked and turned into a record as it arrives, its message freed at
 * once. The reader also serves the modifyTimestamp mode, narrowed to the
 * entries changed since the high-water mark.
 *
 * Also here: waiting for the directory's messages, and what the sync says
 * when the directory goes away. */
#include "sync_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ messages */

int sync_ldap_fail(struct cp_sync *s, int lrc, const char *what, char **errmsg)
{
	char *uri = NULL, *diag = NULL;
	ldap_get_option(s->ld, LDAP_OPT_URI, &uri);
	ldap_get_option(s->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	const char *u = uri != NULL ? uri : "?";
	s->last_lrc = lrc;
	if (lrc == LDAP_SERVER_DOWN || lrc == LDAP_CONNECT_ERROR || lrc == LDAP_TIMEOUT)
		cp_set_errmsg(errmsg, _("the directory at %s stopped answering (%s): %s%s%s%s"), u,
		              what, ldap_err2string(lrc), diag != NULL && *diag ? " (" : "",
		              diag != NULL ? diag : "", diag != NULL && *diag ? ")" : "");
	else
		cp_set_errmsg(errmsg, _("the directory at %s refused %s: %s%s%s%s"), u, what,
		              ldap_err2string(lrc), diag != NULL && *diag ? " (" : "",
		              diag != NULL ? diag : "", diag != NULL && *diag ? ")" : "");
	ldap_memfree(uri);
	ldap_memfree(diag);
	return CP_ERR_IO;
}

int sync_result(struct cp_sync *s, int msgid, struct timeval *tv, LDAPMessage **res, char **errmsg)
{
	*res = NULL;
	int t = ldap_result(s->ld, msgid, LDAP_MSG_ONE, tv, res);
	if (t > 0)
		return CP_OK;
	int lrc = LDAP_TIMEOUT;
	if (t < 0)
		ldap_get_option(s->ld, LDAP_OPT_RESULT_CODE, &lrc);
	ldap_msgfree(*res);
	*res = NULL;
	return sync_ldap_fail(s, lrc, _("a search"), errmsg);
}

/* ------------------------------------------------------------ one page */

struct paged {
	struct cp_sync *s;
	sync_take_fn take;
	void *ctx;
	enum sync_kind kind;
	const char *base, *filter;
	char **attrs;
	struct berval *cookie; /* the server's, for the next page; NULL at the start */
};

int sync_take_message(struct cp_sync *s, enum sync_kind kind, LDAPMessage *msg, const char *uuid,
                      sync_take_fn take, void *ctx, char **errmsg)
{
	struct sync_entry e;
	int rc = sync_entry_read(s->ld, msg, &e);
	if (rc == CP_ERR_IO) /* an entry that cannot be decoded: nothing is applied */
		rc = sync_ldap_fail(s, LDAP_DECODING_ERROR, _("a search"), errmsg);
	e.uuid = uuid;
	if (rc == CP_OK)
		rc = take(ctx, kind, &e);
	sync_entry_release(&e);
	return rc;
}

static int take_entry(struct paged *pg, LDAPMessage *msg, char **errmsg)
{
	return sync_take_message(pg->s, pg->kind, msg, NULL, pg->take, pg->ctx, errmsg);
}

/* The search's result: success, and the cookie of the next page. */
static int take_result(struct paged *pg, LDAPMessage *msg, char **errmsg)
{
	int err = LDAP_OTHER;
	LDAPControl **ctrls = NULL;
	int lrc = ldap_parse_result(pg->s->ld, msg, &err, NULL, NULL, NULL, &ctrls, 0);
	if (lrc == LDAP_SUCCESS && err != LDAP_SUCCESS)
		lrc = err;
	ber_bvfree(pg->cookie);
	pg->cookie = NULL;
	LDAPControl *page =
	    ctrls != NULL ? ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, ctrls, NULL) : NULL;
	ber_int_t estimate = 0;
	struct berval cookie = {0};
	if (lrc == LDAP_SUCCESS && page != NULL &&
	    ldap_parse_pageresponse_control(pg->s->ld, page, &estimate, &cookie) == LDAP_SUCCESS) {
		if (cookie.bv_len > 0 && (pg->cookie = ber_dupbv(NULL, &cookie)) == NULL)
			lrc = LDAP_NO_MEMORY;
		ber_memfree(cookie.bv_val);
	}
	ldap_controls_free(ctrls);
	if (lrc == LDAP_NO_MEMORY)
		return CP_ERR_NOMEM;
	if (lrc != LDAP_SUCCESS) {
		char *what = cp_asprintf(_("the search of %s entries under %s"),
		                         sync_kind_names[pg->kind], pg->base);
		int rc = sync_ldap_fail(pg->s, lrc, what != NULL ? what : "", errmsg);
		free(what);
		return rc;
	}
	return CP_OK;
}

static int one_page(struct paged *pg, int size, char **errmsg)
{
	LDAPControl *page = NULL;
	struct timeval tv = cp_ldap_timeout(pg->s->cfg);
	int msgid = -1;
	/* Not critical: a server without paging answers in one go. */
	int lrc = ldap_create_page_control(pg->s->ld, size, pg->cookie, 0, &page);
	LDAPControl *ctrls[] = {page, NULL};
	if (lrc == LDAP_SUCCESS)
		lrc = ldap_search_ext(pg->s->ld, pg->base, LDAP_SCOPE_SUBTREE, pg->filter,
		                      pg->attrs, 0, ctrls, NULL, NULL, 0, &msgid);
	ldap_control_free(page);
	if (lrc != LDAP_SUCCESS)
		return sync_ldap_fail(pg->s, lrc, _("a search"), errmsg);
	int rc = CP_OK;
	for (bool done = false; rc == CP_OK && !done;) {
		LDAPMessage *msg = NULL;
		rc = sync_result(pg->s, msgid, &tv, &msg, errmsg);
		int type = rc == CP_OK ? ldap_msgtype(msg) : -1;
		if (type == LDAP_RES_SEARCH_ENTRY)
			rc = take_entry(pg, msg, errmsg);
		else if (type == LDAP_RES_SEARCH_RESULT) {
			rc = take_result(pg, msg, errmsg);
			done = true;
		}
		ldap_msgfree(msg);
	}
	if (rc != CP_OK && msgid >= 0)
		ldap_abandon_ext(pg->s->ld, msgid, NULL, NULL);
	return rc;
}

/* ------------------------------------------------------------ a kind */

/* "(&FILTER EXTRA)" or FILTER. */
static char *kind_filter(const cp_config *cfg, enum sync_kind kind, const char *extra)
{
	char key[32];
	snprintf(key, sizeof(key), "%s_filter", sync_kind_names[kind]);
	const char *f = cp_config_value(cfg, "ldap", key);
	return extra != NULL ? cp_asprintf("(&%s%s)", f, extra) : strdup(f);
}

int sync_kind_base(struct cp_sync *s, enum sync_kind kind, const char **base, char **errmsg)
{
	*base = cp_ldap_base(s->cfg, sync_kind_names[kind]);
	if (*base != NULL)
		return CP_OK;
	cp_set_errmsg(errmsg, _("no search base: the [ldap] section sets no base"));
	return CP_ERR_CONFIG;
}

int sync_read_kind_each(struct cp_sync *s, enum sync_kind kind, const char *extra,
                        sync_take_fn take, void *ctx, char **errmsg)
{
	struct paged pg = {.s = s, .take = take, .ctx = ctx, .kind = kind};
	const char *size = cp_config_value(s->cfg, "ldap", "page_size");
	int rc = sync_kind_base(s, kind, &pg.base, errmsg);
	char *filter = rc == CP_OK ? kind_filter(s->cfg, kind, extra) : NULL;
	pg.filter = filter;
	pg.attrs = filter != NULL ? sync_map_request(&s->map, kind) : NULL;
	if (rc == CP_OK && pg.attrs == NULL)
		rc = CP_ERR_NOMEM;
	do {
		if (rc == CP_OK)
			rc = one_page(&pg, size != NULL ? atoi(size) : 1000, errmsg);
	} while (rc == CP_OK && pg.cookie != NULL);
	ber_bvfree(pg.cookie);
	free(pg.attrs);
	free(filter);
	return rc;
}

int sync_read_kind_paged(struct cp_sync *s, struct sync_batch *b, enum sync_kind kind,
                         const char *extra, char **errmsg)
{
	struct sync_into into = {s, b};
	return sync_read_kind_each(s, kind, extra, sync_take_into, &into, errmsg);
}

int sync_read_paged(struct cp_sync *s, struct sync_batch *b, const char *extra_filter,
                    bool complete, char **errmsg)
{
	int rc = CP_OK;
	for (int k = 0; rc == CP_OK && k < SK_COUNT; k++) {
		rc = sync_read_kind_paged(s, b, (enum sync_kind)k, extra_filter, errmsg);
		b->complete[k] = complete;
	}
	return rc;
}
