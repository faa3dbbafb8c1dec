/* sync_rfc4533.c - LDAP Content Synchronization (RFC 4533), with
 * libldap's documented primitives only: Debian's libldap-dev ships no
 * ldap_sync.h, so the Sync Request control is BER-encoded here
 * (ber_printf), and the Sync State controls on entries, the Sync Info
 * intermediate messages and the Sync Done control are decoded here
 * (ber_scanf).
 *
 * One search per kind of entry (people, accounts, groups: each has its
 * base and filter), each with its own cookie in sync_state, stored in the
 * same transaction as the changes it stands for. A cookie belongs to one
 * search: it is kept with the search's base, filter and attributes, and a
 * changed configuration starts again from the whole content.
 *
 * What a refresh means for the ledger:
 *  - no cookie sent (the first sync): the entries sent are the whole
 *    content, and a directory record not among them was deleted;
 *  - a present phase (Sync Done or refreshPresent with refreshDeletes
 *    FALSE): the same, over the entries sent as present, added or
 *    modified;
 *  - a delete phase: exactly the entries sent as deleted are gone. */
#include "sync_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ the root DSE */

bool sync_server_has_rfc4533(LDAP *ld)
{
	char attr[] = "supportedControl", *attrs[] = {attr, NULL};
	LDAPMessage *res = NULL;
	struct timeval tv = {.tv_sec = 30};
	bool has = false;
	if (ldap_search_ext_s(ld, "", LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0, NULL, NULL, &tv,
	                      1, &res) == LDAP_SUCCESS) {
		LDAPMessage *e = ldap_first_entry(ld, res);
		struct berval **v = e != NULL ? ldap_get_values_len(ld, e, attr) : NULL;
		for (size_t i = 0; v != NULL && v[i] != NULL; i++)
			has = has || (v[i]->bv_len == strlen(LDAP_CONTROL_SYNC) &&
			              memcmp(v[i]->bv_val, LDAP_CONTROL_SYNC, v[i]->bv_len) == 0);
		ldap_value_free_len(v);
	}
	ldap_msgfree(res);
	return has;
}

/* ------------------------------------------------------------ cookies */

/* A cookie as sync_state text: "t:" and the cookie when it is printable
 * ASCII (OpenLDAP's "rid=...,csn=..."), else "x:" and hex. */
char *sync_cookie_text(const struct berval *c)
{
	bool printable = true;
	for (size_t i = 0; i < c->bv_len; i++)
		printable = printable && c->bv_val[i] >= 0x20 && c->bv_val[i] < 0x7f;
	if (printable)
		return cp_asprintf("t:%.*s", (int)c->bv_len, c->bv_val);
	char *s = malloc(2 * c->bv_len + 3);
	if (s == NULL)
		return NULL;
	strcpy(s, "x:");
	for (size_t i = 0; i < c->bv_len; i++)
		sprintf(s + 2 + 2 * i, "%02x", (unsigned char)c->bv_val[i]);
	return s;
}

/* The cookie of sync_state text (bv_val malloc'ed; bv_len 0 for none). */
int sync_cookie_parse(const char *s, struct berval *out)
{
	size_t n = strlen(s);
	memset(out, 0, sizeof(*out));
	if (n < 2 || s[1] != ':' || (s[0] != 't' && s[0] != 'x'))
		return CP_OK; /* "" or unknown: no cookie, the whole content again */
	bool hex = s[0] == 'x';
	size_t len = hex ? (n - 2) / 2 : n - 2;
	if ((out->bv_val = malloc(len + 1)) == NULL)
		return CP_ERR_NOMEM;
	for (size_t i = 0; i < len; i++) {
		unsigned v = 0;
		if (hex && sscanf(s + 2 + 2 * i, "%2x", &v) != 1)
			v = 0;
		out->bv_val[i] = hex ? (char)v : s[2 + i];
	}
	out->bv_val[len] = '\0';
	out->bv_len = len;
	return CP_OK;
}

/* sync_state keys of a kind: "rfc4533.account.cookie", ".spec". */
static void state_key(enum sync_kind kind, const char *what, char out[64])
{
	snprintf(out, 64, "rfc4533.%s.%s", sync_kind_names[kind], what);
}

/* What the cookie of kind belongs to: base, filter and attributes. */
char *sync_search_spec(struct cp_sync *s, enum sync_kind kind, const char *base, const char *filter)
{
	char **attrs = sync_map_request(&s->map, kind);
	char *spec = attrs != NULL ? cp_asprintf("%s\n%s\n", base, filter) : NULL;
	for (size_t i = 0; spec != NULL && attrs[i] != NULL; i++) {
		char *n = cp_asprintf("%s%s%s", spec, i > 0 ? " " : "", attrs[i]);
		free(spec);
		spec = n;
	}
	free(attrs);
	return spec;
}

/* The stored cookie of kind when it belongs to spec; bv_len 0 otherwise. */
static int sync_cookie_load(struct cp_sync *s, enum sync_kind kind, const char *spec,
                            struct berval *cookie)
{
	char key[64], *stored_spec = NULL, *text = NULL;
	memset(cookie, 0, sizeof(*cookie));
	state_key(kind, "spec", key);
	int rc = sync_state_get(s->l, key, &stored_spec);
	bool same = rc == CP_OK && strcmp(stored_spec, spec) == 0;
	free(stored_spec);
	if (rc != CP_OK && rc != CP_ERR_NOTFOUND)
		return rc;
	if (!same)
		return CP_OK;
	state_key(kind, "cookie", key);
	rc = sync_state_get(s->l, key, &text);
	if (rc == CP_OK)
		rc = sync_cookie_parse(text, cookie);
	free(text);
	return rc == CP_ERR_NOTFOUND ? CP_OK : rc;
}

/* The cookie and its spec, to the state stored with the batch. */
static int cookie_to(int (*keep)(void *ctx, const char *key, const char *val), void *ctx,
                     enum sync_kind kind, const char *spec, const struct berval *cookie)
{
	char key[64];
	char *text = cookie->bv_len > 0 ? sync_cookie_text(cookie) : strdup("");
	int rc = text != NULL ? CP_OK : CP_ERR_NOMEM;
	state_key(kind, "cookie", key);
	if (rc == CP_OK)
		rc = keep(ctx, key, text);
	state_key(kind, "spec", key);
	if (rc == CP_OK)
		rc = keep(ctx, key, spec);
	free(text);
	return rc;
}

int sync_cookie_keep(struct sync_batch *b, enum sync_kind kind, const char *spec,
                     const struct berval *cookie)
{
	struct sync_into into = {NULL, b}; /* keep uses b alone */
	return cookie_to(sync_keep_into, &into, kind, spec, cookie);
}

int sync_rfc4533_any_cookie(struct cp_sync *s, bool *any, char **errmsg)
{
	int rc = CP_OK;
	*any = false;
	for (int k = 0; rc == CP_OK && k < SK_COUNT && !*any; k++) {
		struct sync_search ss;
		rc = sync_search_init(s, &ss, (enum sync_kind)k, false, errmsg);
		*any = rc == CP_OK && ss.cookie.bv_len > 0;
		sync_search_clear(&ss);
	}
	return rc;
}

/* ------------------------------------------------------------ the request */

static int sync_request_control(int mode, const struct berval *cookie, LDAPControl **out)
{
	struct berval value = {0};
	BerElement *ber = ber_alloc_t(LBER_USE_DER);
	int lrc = ber != NULL ? LDAP_SUCCESS : LDAP_NO_MEMORY;
	/* syncRequestValue ::= SEQUENCE { mode ENUMERATED, cookie OCTET
	 * STRING OPTIONAL, reloadHint BOOLEAN DEFAULT FALSE } */
	if (lrc == LDAP_SUCCESS && ber_printf(ber, "{e", (ber_int_t)mode) < 0)
		lrc = LDAP_ENCODING_ERROR;
	if (lrc == LDAP_SUCCESS && cookie != NULL && cookie->bv_len > 0 &&
	    ber_printf(ber, "O", cookie) < 0)
		lrc = LDAP_ENCODING_ERROR;
	if (lrc == LDAP_SUCCESS && (ber_printf(ber, "N}") < 0 || ber_flatten2(ber, &value, 0) < 0))
		lrc = LDAP_ENCODING_ERROR;
	if (lrc == LDAP_SUCCESS)
		lrc = ldap_control_create(LDAP_CONTROL_SYNC, 1, &value, 1, out);
	ber_free(ber, 1);
	return lrc == LDAP_SUCCESS ? CP_OK : lrc == LDAP_NO_MEMORY ? CP_ERR_NOMEM : CP_ERR_INVAL;
}

int sync_search_start(struct cp_sync *s, struct sync_search *ss, int mode, char **errmsg)
{
	LDAPControl *ctrl = NULL;
	char **attrs = sync_map_request(&s->map, ss->kind);
	int rc = attrs != NULL ? sync_request_control(mode, &ss->cookie, &ctrl) : CP_ERR_NOMEM;
	LDAPControl *ctrls[] = {ctrl, NULL};
	int lrc = LDAP_SUCCESS;
	if (rc == CP_OK)
		lrc = ldap_search_ext(s->ld, ss->base, LDAP_SCOPE_SUBTREE, ss->filter, attrs, 0,
		                      ctrls, NULL, NULL, 0, &ss->msgid);
	if (rc == CP_OK && lrc != LDAP_SUCCESS)
		rc = sync_ldap_fail(s, lrc, _("the content synchronization search"), errmsg);
	ldap_control_free(ctrl);
	free(attrs);
	ss->had_cookie = ss->cookie.bv_len > 0;
	return rc;
}

/* ------------------------------------------------------------ what the server sends */

/* The ledger keeps a cookie as text of at most 64 KiB (hex doubles it). */
#define COOKIE_MAX 16384u

static int set_cookie(struct sync_search *ss, const struct berval *c)
{
	if (c->bv_val == NULL)
		return CP_OK;
	if (c->bv_len > COOKIE_MAX)
		return CP_ERR_INVAL;
	char *copy = malloc(c->bv_len + 1);
	if (copy == NULL)
		return CP_ERR_NOMEM;
	memcpy(copy, c->bv_val, c->bv_len);
	copy[c->bv_len] = '\0';
	free(ss->cookie.bv_val);
	ss->cookie.bv_val = copy;
	ss->cookie.bv_len = c->bv_len;
	ss->cookie_changed = true;
	return CP_OK;
}

static int protocol_error(struct cp_sync *s, const char *what, char **errmsg)
{
	return sync_ldap_fail(s, LDAP_PROTOCOL_ERROR, what, errmsg);
}

/* syncStateValue ::= SEQUENCE { state ENUMERATED, entryUUID OCTET STRING
 * (SIZE(16)), cookie OCTET STRING OPTIONAL } */
static int entry_state(struct cp_sync *s, struct sync_search *ss, LDAPMessage *msg, int *state,
                       char uuid[37], char **errmsg)
{
	LDAPControl **ctrls = NULL;
	ber_int_t st = -1;
	struct berval uu = {0}, ck = {0};
	ber_len_t len = 0;
	ldap_get_entry_controls(s->ld, msg, &ctrls);
	LDAPControl *c =
	    ctrls != NULL ? ldap_control_find(LDAP_CONTROL_SYNC_STATE, ctrls, NULL) : NULL;
	BerElement *ber = c != NULL ? ber_init(&c->ldctl_value) : NULL;
	bool ok = ber != NULL && ber_scanf(ber, "{em", &st, &uu) != LBER_ERROR && uu.bv_len == 16;
	if (ok && ber_peek_tag(ber, &len) == LDAP_TAG_SYNC_COOKIE)
		ok = ber_scanf(ber, "m", &ck) != LBER_ERROR;
	int rc = ok ? set_cookie(ss, &ck) : CP_ERR_INVAL;
	if (rc == CP_ERR_INVAL)
		rc = protocol_error(s, _("an entry without a valid Sync State"), errmsg);
	if (ok)
		ldv_uuid_bytes((const unsigned char *)uu.bv_val, uuid);
	*state = st;
	ber_free(ber, 1);
	ldap_controls_free(ctrls);
	return rc;
}

/* Without b (a streamed refresh), only added entries can be taken. */
static int on_entry(struct cp_sync *s, struct sync_search *ss, struct sync_batch *b,
                    const struct sync_sink *to, LDAPMessage *msg, char **errmsg)
{
	int state = -1;
	char uuid[37];
	int rc = entry_state(s, ss, msg, &state, uuid, errmsg);
	if (rc != CP_OK)
		return rc;
	if (state == LDAP_SYNC_ADD || state == LDAP_SYNC_MODIFY)
		return sync_take_message(s, ss->kind, msg, uuid, to->take, to->ctx, errmsg);
	if (b == NULL && (state == LDAP_SYNC_PRESENT || state == LDAP_SYNC_DELETE))
		return SYNC_UNSTREAMED;
	if (state == LDAP_SYNC_PRESENT)
		return strmap_put(&b->seen[ss->kind], uuid, 0);
	if (state == LDAP_SYNC_DELETE) {
		strmap_del(&b->seen[ss->kind], uuid);
		return strmap_put(&b->deleted[ss->kind], uuid, 0);
	}
	return protocol_error(s, _("an entry with an unknown Sync State"), errmsg);
}

/* Optional cookie, then an optional BOOLEAN, inside a SEQUENCE. */
static bool cookie_and_flag(BerElement *ber, struct sync_search *ss, ber_int_t *flag)
{
	ber_len_t len = 0;
	struct berval ck = {0};
	if (ber_scanf(ber, "{") == LBER_ERROR)
		return false;
	if (ber_peek_tag(ber, &len) == LDAP_TAG_SYNC_COOKIE &&
	    (ber_scanf(ber, "m", &ck) == LBER_ERROR || set_cookie(ss, &ck) != CP_OK))
		return false;
	if (ber_peek_tag(ber, &len) == LBER_BOOLEAN && ber_scanf(ber, "b", flag) == LBER_ERROR)
		return false;
	return true;
}

static int id_set(struct sync_search *ss, struct sync_batch *b, BerElement *ber)
{
	ber_int_t deletes = 0;
	BerVarray uuids = NULL;
	if (!cookie_and_flag(ber, ss, &deletes) || ber_scanf(ber, "[W]", &uuids) == LBER_ERROR)
		return CP_ERR_INVAL;
	int rc = CP_OK;
	for (size_t i = 0; rc == CP_OK && uuids != NULL && uuids[i].bv_val != NULL; i++) {
		char uuid[37];
		if (uuids[i].bv_len != 16) {
			rc = CP_ERR_INVAL;
			break;
		}
		ldv_uuid_bytes((const unsigned char *)uuids[i].bv_val, uuid);
		if (deletes) {
			strmap_del(&b->seen[ss->kind], uuid);
			rc = strmap_put(&b->deleted[ss->kind], uuid, 0);
		} else {
			rc = strmap_put(&b->seen[ss->kind], uuid, 0);
		}
	}
	ber_bvarray_free(uuids);
	return rc;
}

/* syncInfoValue ::= CHOICE { newcookie [0], refreshDelete [1],
 * refreshPresent [2], syncIdSet [3] } */
static int on_info(struct cp_sync *s, struct sync_search *ss, struct sync_batch *b,
                   const struct berval *data, char **errmsg)
{
	ber_len_t len = 0;
	BerElement *ber = ber_init((struct berval *)data);
	ber_tag_t tag = ber != NULL ? ber_peek_tag(ber, &len) : LBER_ERROR;
	ber_int_t done = 1;
	struct berval ck = {0};
	int rc = CP_OK;
	if (tag == LDAP_TAG_SYNC_NEW_COOKIE)
		rc = ber_scanf(ber, "m", &ck) != LBER_ERROR ? set_cookie(ss, &ck) : CP_ERR_INVAL;
	else if (tag == LDAP_TAG_SYNC_REFRESH_DELETE || tag == LDAP_TAG_SYNC_REFRESH_PRESENT) {
		rc = cookie_and_flag(ber, ss, &done) ? CP_OK : CP_ERR_INVAL;
		ss->present_phase = ss->present_phase || tag == LDAP_TAG_SYNC_REFRESH_PRESENT;
		ss->refresh_done = ss->refresh_done || done != 0;
	} else if (tag == LDAP_TAG_SYNC_ID_SET)
		rc = b != NULL ? id_set(ss, b, ber) : SYNC_UNSTREAMED;
	else
		rc = CP_ERR_INVAL;
	ber_free(ber, 1);
	if (rc == CP_ERR_INVAL)
		rc = protocol_error(s, _("a Sync Info message"), errmsg);
	return rc;
}

static int on_intermediate(struct cp_sync *s, struct sync_search *ss, struct sync_batch *b,
                           LDAPMessage *msg, char **errmsg)
{
	char *oid = NULL;
	struct berval *data = NULL;
	int rc = CP_OK;
	if (ldap_parse_intermediate(s->ld, msg, &oid, &data, NULL, 0) == LDAP_SUCCESS &&
	    oid != NULL && strcmp(oid, LDAP_SYNC_INFO) == 0 && data != NULL)
		rc = on_info(s, ss, b, data, errmsg);
	ldap_memfree(oid);
	ber_bvfree(data);
	return rc;
}

/* syncDoneValue ::= SEQUENCE { cookie OCTET STRING OPTIONAL,
 * refreshDeletes BOOLEAN DEFAULT FALSE } */
static int on_result(struct cp_sync *s, struct sync_search *ss, LDAPMessage *msg, char **errmsg)
{
	int err = LDAP_OTHER;
	LDAPControl **ctrls = NULL;
	int lrc = ldap_parse_result(s->ld, msg, &err, NULL, NULL, NULL, &ctrls, 0);
	ss->ended = true;
	if (lrc == LDAP_SUCCESS && err == LDAP_SYNC_REFRESH_REQUIRED) {
		ss->refresh_required = true;
		ldap_controls_free(ctrls);
		return CP_OK;
	}
	if (lrc == LDAP_SUCCESS && err != LDAP_SUCCESS)
		lrc = err;
	LDAPControl *c =
	    ctrls != NULL ? ldap_control_find(LDAP_CONTROL_SYNC_DONE, ctrls, NULL) : NULL;
	BerElement *ber = c != NULL ? ber_init(&c->ldctl_value) : NULL;
	ber_int_t deletes = 0;
	if (lrc == LDAP_SUCCESS && ber != NULL && !cookie_and_flag(ber, ss, &deletes))
		lrc = LDAP_PROTOCOL_ERROR;
	ber_free(ber, 1);
	ldap_controls_free(ctrls);
	if (lrc != LDAP_SUCCESS)
		return sync_ldap_fail(s, lrc, _("the content synchronization search"), errmsg);
	ss->present_phase = ss->present_phase || !deletes;
	ss->refresh_done = true;
	return CP_OK;
}

/* One message into b, or (b NULL, a streamed refresh) to->take. */
static int on_message(struct cp_sync *s, struct sync_search *ss, struct sync_batch *b,
                      const struct sync_sink *to, LDAPMessage *msg, char **errmsg)
{
	switch (ldap_msgtype(msg)) {
	case LDAP_RES_SEARCH_ENTRY:
		return on_entry(s, ss, b, to, msg, errmsg);
	case LDAP_RES_INTERMEDIATE:
		return on_intermediate(s, ss, b, msg, errmsg);
	case LDAP_RES_SEARCH_RESULT:
		return on_result(s, ss, msg, errmsg);
	default:
		return CP_OK; /* a referral: not followed */
	}
}

int sync_search_message(struct cp_sync *s, struct sync_search *ss, struct sync_batch *b,
                        LDAPMessage *msg, char **errmsg)
{
	struct sync_into into = {s, b};
	const struct sync_sink to = {sync_take_into, sync_keep_into, &into};
	return on_message(s, ss, b, &to, msg, errmsg);
}

/* At the end of a refresh: without a cookie, or after a present phase,
 * what was not sent is gone. */
void sync_search_refreshed(const struct sync_search *ss, struct sync_batch *b)
{
	if (!ss->had_cookie || ss->present_phase)
		b->complete[ss->kind] = true;
}

/* ------------------------------------------------------------ refreshOnly */

int sync_search_init(struct cp_sync *s, struct sync_search *ss, enum sync_kind kind, bool no_cookie,
                     char **errmsg)
{
	memset(ss, 0, sizeof(*ss));
	ss->kind = kind;
	ss->msgid = -1;
	char key[32];
	snprintf(key, sizeof(key), "%s_filter", sync_kind_names[kind]);
	ss->filter = cp_config_value(s->cfg, "ldap", key);
	int rc = sync_kind_base(s, kind, &ss->base, errmsg);
	if (rc == CP_OK && (ss->spec = sync_search_spec(s, kind, ss->base, ss->filter)) == NULL)
		rc = CP_ERR_NOMEM;
	if (rc == CP_OK && !no_cookie)
		rc = sync_cookie_load(s, kind, ss->spec, &ss->cookie);
	return rc;
}

void sync_search_clear(struct sync_search *ss)
{
	free(ss->cookie.bv_val);
	free(ss->spec);
	memset(ss, 0, sizeof(*ss));
}

/* The refresh of one kind into b, or (b NULL) to the sink. */
static int refresh_kind(struct cp_sync *s, struct sync_batch *b, const struct sync_sink *to,
                        struct sync_search *ss, char **errmsg)
{
	struct timeval tv = cp_ldap_timeout(s->cfg);
	int rc = sync_search_start(s, ss, LDAP_SYNC_REFRESH_ONLY, errmsg);
	while (rc == CP_OK && !ss->ended) {
		LDAPMessage *msg = NULL;
		rc = sync_result(s, ss->msgid, &tv, &msg, errmsg);
		if (rc == CP_OK)
			rc = on_message(s, ss, b, to, msg, errmsg);
		ldap_msgfree(msg);
	}
	if (rc != CP_OK && ss->msgid >= 0 && !ss->ended)
		ldap_abandon_ext(s->ld, ss->msgid, NULL, NULL);
	if (rc == CP_OK && !ss->refresh_required) {
		if (b != NULL)
			sync_search_refreshed(ss, b);
		rc = cookie_to(to->keep, to->ctx, ss->kind, ss->spec, &ss->cookie);
	}
	return rc;
}

int sync_read_rfc4533(struct cp_sync *s, struct sync_batch *b, bool no_cookies,
                      bool *refresh_required, char **errmsg)
{
	bool any_cookie = false, all_cookies = true;
	int rc = CP_OK;
	*refresh_required = false;
	for (int k = 0; rc == CP_OK && k < SK_COUNT && !*refresh_required; k++) {
		struct sync_search ss;
		rc = sync_search_init(s, &ss, (enum sync_kind)k, no_cookies, errmsg);
		if (rc == CP_OK) {
			any_cookie = any_cookie || ss.cookie.bv_len > 0;
			all_cookies = all_cookies && ss.cookie.bv_len > 0;
			struct sync_into into = {s, b};
			const struct sync_sink to = {sync_take_into, sync_keep_into, &into};
			rc = refresh_kind(s, b, &to, &ss, errmsg);
		}
		*refresh_required = ss.refresh_required;
		sync_search_clear(&ss);
	}
	s->mode = all_cookies ? "incremental" : "refresh";
	(void)any_cookie;
	return rc;
}

/* ------------------------------------------------------------ the first refresh, streamed */

/* On the reader thread: no cookie to load, so no ledger. Without a cookie
 * the server has nothing to compare with and sends every entry as added
 * (RFC 4533 3.4); the end of the refresh is the end of the kind's read. */
static int refresh_source(struct cp_sync *s, enum sync_kind kind, const struct sync_sink *to,
                          char **errmsg)
{
	struct sync_search ss;
	int rc = sync_search_init(s, &ss, kind, true, errmsg);
	if (rc == CP_OK)
		rc = refresh_kind(s, NULL, to, &ss, errmsg);
	/* Only a cookie asks for a new refresh; a server that does is not
	 * one this reading knows. */
	if (rc == CP_OK && ss.refresh_required)
		rc = SYNC_UNSTREAMED;
	sync_search_clear(&ss);
	return rc;
}

int sync_stream_refresh(struct cp_sync *s, struct sync_batch *b, char **errmsg)
{
	return sync_stream(s, b, refresh_source, errmsg);
}
