/* ledger_events.c - the append-only, hash-chained event log (R17, R22).
 *
 * Event n carries prev_hash = hash of event n-1 (64 zeros for event 1)
 * and hash = hex SHA-256 over a canonical encoding of its fields:
 *
 *     "credpolicy-event-v1" NUL
 *     id, time                       as 8-byte big-endian two's complement
 *     kind, account, person, actor,
 *     ticket, detail, prev_hash      each as an 8-byte big-endian length
 *                                    followed by its UTF-8 bytes
 *
 * Lengths make the encoding unambiguous ("ab"+"c" is not "a"+"bc"). Ids
 * are contiguous from 1 by construction (each is the last id plus one,
 * under the write lock), so a deleted row shows as a gap or a broken
 * link, an edited one as a wrong hash, an inserted one as either.
 * What the chain cannot show by itself is a rewrite of the whole log or
 * the removal of its newest events: for that, keep the hash of the last
 * event elsewhere (a syslog line, a report) and compare. */
#include "ledger_internal.h"

#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HASH_HEX 64

static const char zero_hash[HASH_HEX + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";

struct cp_event {
	int64_t id, time;
	const char *kind, *account, *person, *actor, *ticket, *detail, *prev_hash, *hash;
};

/* ------------------------------------------------------------ hashing */

static void put_u64(struct sha256_ctx *c, uint64_t v)
{
	uint8_t b[8];
	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)(v & 0xff);
	sha256_update(c, sizeof(b), b);
}

static void put_str(struct sha256_ctx *c, const char *s)
{
	size_t n = strlen(s);
	put_u64(c, n);
	sha256_update(c, n, (const uint8_t *)s);
}

static void event_hash(const struct cp_event *ev, char out[HASH_HEX + 1])
{
	static const char domain[] = "credpolicy-event-v1";
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_SIZE];
	sha256_init(&c);
	sha256_update(&c, sizeof(domain), (const uint8_t *)domain); /* with its NUL */
	put_u64(&c, (uint64_t)ev->id);
	put_u64(&c, (uint64_t)ev->time);
	const char *fields[] = {ev->kind,   ev->account, ev->person,   ev->actor,
	                        ev->ticket, ev->detail,  ev->prev_hash};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		put_str(&c, fields[i]);
	sha256_digest(&c, sizeof(d), d);
	for (size_t i = 0; i < sizeof(d); i++) {
		out[2 * i] = "0123456789abcdef"[d[i] >> 4];
		out[2 * i + 1] = "0123456789abcdef"[d[i] & 0xf];
	}
	out[HASH_HEX] = '\0';
}

/* ------------------------------------------------------------ appending */

/* The last event's id and hash; id 0 and zeros on an empty log. */
static int chain_head(cp_ledger *l, int64_t *id, char hash[HASH_HEX + 1])
{
	int rc = CP_OK;
	if (l->head_valid) {
		*id = l->head_id;
		memcpy(hash, l->head_hash, HASH_HEX + 1);
		return CP_OK;
	}
	sqlite3_stmt *st = ledger_stmt(l, ST_EVENT_LAST,
	                               "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1", &rc);
	if (st == NULL)
		return rc;
	int src = sqlite3_step(st);
	*id = 0;
	memcpy(hash, zero_hash, sizeof(zero_hash));
	if (src == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		snprintf(hash, HASH_HEX + 1, "%s", ledger_col_text(st, 1));
	}
	sqlite3_reset(st);
	return src == SQLITE_ROW || src == SQLITE_DONE ? CP_OK : ledger_rc(src);
}

static int insert_event(cp_ledger *l, const struct cp_event *ev)
{
	int rc = CP_OK;
	sqlite3_stmt *st = ledger_stmt(l, ST_EVENT_INSERT,
	                               "INSERT INTO events (id, time, kind, account, person, actor,"
	                               " ticket, detail, prev_hash, hash)"
	                               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                               &rc);
	if (st == NULL)
		return rc;
	sqlite3_bind_int64(st, 1, ev->id);
	sqlite3_bind_int64(st, 2, ev->time);
	const char *text[] = {ev->kind,   ev->account, ev->person,    ev->actor,
	                      ev->ticket, ev->detail,  ev->prev_hash, ev->hash};
	for (int i = 0; rc == CP_OK && i < (int)(sizeof(text) / sizeof(text[0])); i++)
		rc = ledger_bind_text(st, i + 3, text[i]);
	return rc == CP_OK ? ledger_step_done(st) : rc;
}

int ledger_event_append(cp_ledger *l, const char *kind, const char *account, const char *person,
                        const char *actor, const char *ticket, const char *detail)
{
	char prev[HASH_HEX + 1], hash[HASH_HEX + 1];
	struct cp_event ev = {
	    .time = (int64_t)time(NULL),
	    .kind = kind,
	    .account = account != NULL ? account : "",
	    .person = person != NULL ? person : "",
	    .actor = actor != NULL ? actor : "",
	    .ticket = ticket != NULL ? ticket : "",
	    .detail = detail != NULL ? detail : "",
	    .prev_hash = prev,
	    .hash = hash,
	};
	int rc = chain_head(l, &ev.id, prev);
	if (rc != CP_OK)
		return rc;
	ev.id++;
	event_hash(&ev, hash);
	rc = insert_event(l, &ev);
	if (rc == CP_OK) {
		l->head_valid = true;
		l->head_id = ev.id;
		memcpy(l->head_hash, hash, HASH_HEX + 1);
	}
	return rc;
}

/* Kinds are stable words: lower-case ASCII letters and "_". */
static bool kind_valid(const char *kind)
{
	size_t n = kind != NULL ? strlen(kind) : 0;
	return n > 0 && n <= LEDGER_KIND_MAX && strspn(kind, "abcdefghijklmnopqrstuvwxyz_") == n;
}

CP_EXPORT int cp_ledger_event_add(cp_ledger *l, const char *kind, const char *account,
                                  const char *person, const char *actor, const char *ticket,
                                  const char *detail)
{
	if (l == NULL || !kind_valid(kind))
		return CP_ERR_INVAL;
	const char *ids[] = {account, person};
	const char *texts[] = {actor, ticket};
	int rc = CP_OK;
	for (size_t i = 0; rc == CP_OK && i < 2; i++)
		rc = ledger_check_text(ids[i], LEDGER_ID_MAX * 2, false, false);
	for (size_t i = 0; rc == CP_OK && i < 2; i++)
		rc = ledger_check_text(texts[i], LEDGER_TEXT_MAX, false, true);
	if (rc == CP_OK)
		rc = ledger_check_text(detail, LEDGER_DETAIL_MAX, false, true);
	if (rc == CP_OK)
		rc = ledger_write_begin(l);
	if (rc != CP_OK)
		return rc;
	rc = ledger_event_append(l, kind, account, person, actor, ticket, detail);
	return ledger_write_end(l, rc);
}

/* ------------------------------------------------------------ reading */

static const char event_columns[] =
    "SELECT id, time, kind, account, person, actor, ticket, detail, prev_hash, hash FROM events";

static void event_from_row(sqlite3_stmt *st, struct cp_event *ev)
{
	ev->id = sqlite3_column_int64(st, 0);
	ev->time = sqlite3_column_int64(st, 1);
	const char **text[] = {&ev->kind,   &ev->account, &ev->person,    &ev->actor,
	                       &ev->ticket, &ev->detail,  &ev->prev_hash, &ev->hash};
	for (int i = 0; i < (int)(sizeof(text) / sizeof(text[0])); i++)
		*text[i] = ledger_col_text(st, i + 2);
}

/* Iteration prepares its own statement (not a cached one) so that the
 * callback may use the ledger, even list events again. */
static int prepare_events(cp_ledger *l, const char *where, sqlite3_stmt **st)
{
	char *sql = cp_asprintf("%s%s ORDER BY id", event_columns, where);
	if (sql == NULL)
		return CP_ERR_NOMEM;
	int src = sqlite3_prepare_v2(l->db, sql, -1, st, NULL);
	free(sql);
	return ledger_rc(src);
}

CP_EXPORT int cp_ledger_events(cp_ledger *l, int64_t since,
                               int (*fn)(const cp_event *ev, void *ctx), void *ctx)
{
	if (l == NULL || fn == NULL)
		return CP_ERR_INVAL;
	sqlite3_stmt *st = NULL;
	int rc = prepare_events(l, " WHERE time >= ?", &st);
	if (rc != CP_OK)
		return rc;
	sqlite3_bind_int64(st, 1, since);
	int src;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		struct cp_event ev;
		event_from_row(st, &ev);
		if (fn(&ev, ctx) != 0) {
			src = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return src == SQLITE_DONE ? CP_OK : ledger_rc(src);
}

/* Whether ev follows the event whose id and hash are given. */
static bool event_verifies(const struct cp_event *ev, int64_t prev_id, const char *prev_hash)
{
	char hash[HASH_HEX + 1];
	if (ev->id != prev_id + 1 || strcmp(ev->prev_hash, prev_hash) != 0)
		return false;
	event_hash(ev, hash);
	return strcmp(hash, ev->hash) == 0;
}

static int verify_rows(sqlite3_stmt *st, uint64_t *checked, int64_t *bad_id)
{
	char prev_hash[HASH_HEX + 1];
	int64_t prev_id = 0;
	memcpy(prev_hash, zero_hash, sizeof(zero_hash));
	int src;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		struct cp_event ev;
		event_from_row(st, &ev);
		if (!event_verifies(&ev, prev_id, prev_hash)) {
			*bad_id = ev.id;
			return CP_ERR_TAMPERED;
		}
		prev_id = ev.id;
		snprintf(prev_hash, sizeof(prev_hash), "%s", ev.hash);
		(*checked)++;
	}
	return src == SQLITE_DONE ? CP_OK : ledger_rc(src);
}

CP_EXPORT int cp_ledger_events_verify(cp_ledger *l, uint64_t *checked, int64_t *bad_id)
{
	uint64_t n = 0;
	int64_t bad = 0;
	if (l == NULL)
		return CP_ERR_INVAL;
	sqlite3_stmt *st = NULL;
	bool started = false;
	int rc = ledger_read_begin(l, &started);
	if (rc == CP_OK)
		rc = prepare_events(l, "", &st);
	if (rc == CP_OK)
		rc = verify_rows(st, &n, &bad);
	sqlite3_finalize(st);
	ledger_read_end(l, started);
	if (checked != NULL)
		*checked = n;
	if (bad_id != NULL)
		*bad_id = bad;
	return rc;
}

/* ------------------------------------------------------------ accessors */

CP_EXPORT int64_t cp_event_id(const cp_event *ev)
{
	return ev != NULL ? ev->id : 0;
}

CP_EXPORT int64_t cp_event_time(const cp_event *ev)
{
	return ev != NULL ? ev->time : 0;
}

CP_EXPORT const char *cp_event_kind(const cp_event *ev)
{
	return ev != NULL ? ev->kind : NULL;
}

CP_EXPORT const char *cp_event_account(const cp_event *ev)
{
	return ev != NULL ? ev->account : NULL;
}

CP_EXPORT const char *cp_event_person(const cp_event *ev)
{
	return ev != NULL ? ev->person : NULL;
}

CP_EXPORT const char *cp_event_actor(const cp_event *ev)
{
	return ev != NULL ? ev->actor : NULL;
}

CP_EXPORT const char *cp_event_ticket(const cp_event *ev)
{
	return ev != NULL ? ev->ticket : NULL;
}

CP_EXPORT const char *cp_event_detail(const cp_event *ev)
{
	return ev != NULL ? ev->detail : NULL;
}

CP_EXPORT const char *cp_event_hash(const cp_event *ev)
{
	return ev != NULL ? ev->hash : NULL;
}
