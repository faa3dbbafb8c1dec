/* sync_internal.h - what the directory sync's sources share (issue 5).
 *
 * Files: ldap_conn.c (connect, bind, the attribute map; ldap_conn.h),
 * ldap_values.c (directory values: text, names, times, booleans, UUIDs,
 * DNs - pure functions, fuzzed by tests/fuzz/fuzz_ldap_values.c),
 * sync_hash.c (string sets and maps), sync_entry.c (an entry's attributes
 * to a person, account or group record), sync_ledger.c (the sync's own
 * ledger statements: directory_entries, sync_state, memberships),
 * sync_apply.c (a person or account record, or a deletion, into the
 * ledger), sync_groups.c (group entries into memberships), sync_retry.c
 * (refused entries read again), sync_batch.c (a batch of changes applied
 * in one transaction), sync_full.c (paged full read), sync_stream.c (the
 * --full read applied as a reader thread reads it), sync_rfc4533.c and
 * sync_follow.c (content synchronization), sync_timestamp.c (the
 * modifyTimestamp fallback), sync_run.c (the public cp_sync_* API).
 *
 * The flow: a reader (full, RFC 4533 or timestamp) turns the entries the
 * directory sends into records in a batch, validating every value; only a
 * batch read completely is committed, in one ledger transaction with the
 * state (cookie, high-water mark) that goes with it. So an interrupted or
 * failed sync leaves the ledger as it was. (--full and a host's first RFC
 * 4533 refresh write into that transaction while they read,
 * sync_stream.c; the others read first, then write.) */
#ifndef CP_SYNC_INTERNAL_H
#define CP_SYNC_INTERNAL_H

#include "internal.h"
#include "ldap_conn.h"

#include <stdint.h>

/* ------------------------------------------------------------ ldap_values.c */

/* Limits on directory values, in bytes. Longer values are refused. */
#define SYNC_ID_MAX     256u    /* employee id, account name, scope, group name */
#define SYNC_TEXT_MAX   1024u   /* display name, must-change reason */
#define SYNC_DN_MAX     4096u   /* as directory_entries.dn */
#define SYNC_VALUE_MAX  65536u  /* any other value we read */
#define SYNC_VALUES_MAX 100000u /* values of one attribute (group members) */

/* Why a value was refused (stable order: messages in sync_entry.c). */
enum ldv_problem {
	LDV_OK = 0,
	LDV_EMPTY,   /* no value where one is needed */
	LDV_TOOLONG, /* longer than the limit */
	LDV_UTF8,    /* not valid UTF-8, or a NUL byte */
	LDV_CONTROL, /* a control character */
	LDV_FILTER,  /* a name with *, (, ) or \ (filter metacharacters) */
	LDV_SYNTAX,  /* not of the attribute's syntax (time, boolean, ...) */
	LDV_RANGE,   /* a time or number out of range */
};

/* Free text of at most max bytes: UTF-8, no NUL, no control character
 * (tab allowed when free_text). */
enum ldv_problem ldv_text(const char *s, size_t len, size_t max, bool free_text);
/* A name that may end up in a search filter or a message: ldv_text with
 * SYNC_ID_MAX and none of * ( ) \. */
enum ldv_problem ldv_name(const char *s, size_t len);
/* LDAP Boolean (RFC 4517 3.3.3): TRUE or FALSE, any ASCII case. */
enum ldv_problem ldv_bool(const char *s, size_t len, bool *out);
/* GeneralizedTime (RFC 4517 3.3.13): YYYYMMDDHH[MM[SS]][(.|,)fraction]
 * then Z or +hhmm/-hhmm, as unix time (the fraction dropped). Years 1970
 * to 9999; ppolicy's "000001010000Z" (locked with no automatic unlock) is
 * accepted with *out 0 when allow_zero. */
enum ldv_problem ldv_time(const char *s, size_t len, bool allow_zero, int64_t *out);
/* A last password change: a GeneralizedTime; whole days since 1970-01-01
 * as shadowLastChange (up to 7 digits); or Active Directory's pwdLastSet,
 * 100 ns since 1601-01-01 (11 digits and more). 0 in either means "must
 * change": *zero_days set. */
enum ldv_problem ldv_last_change(const char *s, size_t len, int64_t *out, bool *zero_days);
/* A lock: ppolicy's pwdAccountLockedTime (a GeneralizedTime, locked) or
 * Active Directory's lockoutTime (100 ns since 1601; 0 is unlocked). */
enum ldv_problem ldv_locked(const char *s, size_t len, bool *locked);
/* Active Directory's userAccountControl (a 32-bit number, in decimal):
 * *disabled when it has ACCOUNTDISABLE (2). */
enum ldv_problem ldv_account_control(const char *s, size_t len, bool *disabled);
/* entryUUID text (RFC 4530: 8-4-4-4-12 hex digits) to lower case in out. */
enum ldv_problem ldv_uuid_text(const char *s, size_t len, char out[37]);
/* Active Directory's objectGUID (16 octets) to the text AD shows. */
enum ldv_problem ldv_guid(const char *s, size_t len, char out[37]);
/* The inverse: the octets of objectGUID for text that ldv_guid made (or
 * ldv_uuid_text checked); false if it is not such text. */
bool ldv_guid_octets(const char *uuid, unsigned char out[16]);
/* The 16 octets of a Sync State control's UUID to text. */
void ldv_uuid_bytes(const unsigned char in[16], char out[37]);
/* A DN as a comparison key (libldap's LDAPv3 form, ASCII lower case), so
 * that group members match the DNs of people however they are spelt.
 * malloc'ed; NULL when out of memory or when dn is not a DN. */
char *ldv_dn_key(const char *dn, size_t len);
/* s with control characters and invalid UTF-8 shown as \xNN, for a
 * message; malloc'ed (NULL when out of memory). */
char *ldv_printable(const char *s, size_t len);

/* ------------------------------------------------------------ sync_hash.c */

/* A map from strings to int64 values (open addressing, keys copied). */
struct strmap {
	char **keys;
	int64_t *vals;
	uint64_t *hashes;
	size_t n, cap;
};
int strmap_put(struct strmap *m, const char *key, int64_t val);
/* Whether key is in m; *val (may be NULL) gets its value. */
bool strmap_get(const struct strmap *m, const char *key, int64_t *val);
bool strmap_del(struct strmap *m, const char *key);
void strmap_clear(struct strmap *m);

/* ------------------------------------------------------------ sync_entry.c */

/* The ledger fields the directory may carry ([ldap_map] keys). */
enum sync_field {
	SF_EMPLOYEE_ID,
	SF_DISPLAY_NAME,
	SF_NAME,
	SF_PHONE,
	SF_BIRTHDAY,
	SF_ID_CARD,
	SF_DEPARTED,
	SF_ACCOUNT_NAME,
	SF_SCOPE,
	SF_CLASS,
	SF_KIND,
	SF_OWNER,
	SF_CUSTODIAN,
	SF_OTP,
	SF_MUST_CHANGE,
	SF_RESET,
	SF_LOCKED,
	SF_DISABLED, /* Active Directory's userAccountControl: a disabled account is locked */
	SF_LAST_CHANGE,
	SF_GROUP_NAME,
	SF_GROUP_MEMBER,
	SF_GROUP_SCOPE,
	SF_ENTRY_UUID, /* every kind: what names the entry, and its last change */
	SF_MODIFIED,
	SF_COUNT
};

#define SYNC_MAP_ATTRS 8 /* attributes per field, as config.c allows */

/* The attribute names of each field, split from the configuration. */
struct sync_map {
	char *text[SF_COUNT];
	const char *attrs[SF_COUNT][SYNC_MAP_ATTRS];
	size_t nattrs[SF_COUNT];
};
int sync_map_init(struct sync_map *m, const cp_config *cfg);
void sync_map_free(struct sync_map *m);

/* The kinds of entry, in the order a batch applies them. */
enum sync_kind { SK_PERSON, SK_ACCOUNT, SK_GROUP, SK_COUNT };
extern const char *const sync_kind_names[SK_COUNT]; /* "person", "account", "group" */

/* The attributes a search of kind requests: the mapped ones, with the
 * entry's UUID and modification time ([ldap_map] entry_uuid, modified:
 * entryUUID and modifyTimestamp). A NULL-terminated array into m; free()
 * it. */
char **sync_map_request(const struct sync_map *m, enum sync_kind kind);
/* "(attr=value)" for each entry_uuid attribute of m, for the entry named
 * uuid (objectGUID as its 16 octets), to go inside an OR; malloc'ed, NULL
 * when out of memory. */
char *sync_uuid_assertions(const struct sync_map *m, const char uuid[37]);
/* Whether attribute description a is Active Directory's objectGUID (by
 * name or OID, with any options): 16 octets, not RFC 4530 text. */
bool sync_attr_is_guid(const char *a);
/* Whether m names entries by entryUUID alone, as RFC 4533's Sync State
 * control does: the content synchronization needs it. */
bool sync_map_entry_uuid(const struct sync_map *m);

/* One directory entry as read: values point into the message (not
 * NUL-terminated). */
struct sync_attr {
	struct berval name;
	struct berval *vals;
	size_t nvals;
};
struct sync_entry {
	char *dn; /* NUL-terminated copy; dnlen counts a NUL inside too */
	size_t dnlen;
	struct sync_attr *attrs;
	size_t nattrs;
	const char *uuid; /* from a Sync State control; NULL: take entry_uuid's */
};

struct sync_person {
	char *employee_id, *display_name;
	cp_person *info;  /* derived tokens only (R23) */
	int64_t departed; /* 0: not departed */
};
struct sync_account {
	char *name, *scope, *class_name, *must_change;
	cp_account_kind kind;
	bool otp, reset, locked;
	int64_t last_change;         /* 0: not given */
	char **owners, **custodians; /* sorted, unique */
	size_t nowners, ncustodians;
};
struct sync_group {
	char *name, *scope;
	char **members; /* DN keys (ldv_dn_key) */
	size_t nmembers;
};
struct sync_rec {
	enum sync_kind kind;
	char uuid[37];
	char *dn;
	int64_t modified; /* modifyTimestamp, 0 when not given */
	union {
		struct sync_person p;
		struct sync_account a;
		struct sync_group g;
	};
};

/* Turn entry e of kind into *r. uuid: the entry's UUID from a Sync State
 * control, or NULL to take the entry_uuid attribute's. CP_OK; CP_ERR_INVAL when a value is
 * refused, with *problem a translated message naming the DN and the
 * attribute (never a personal value), and r->uuid set when it could be
 * read (so that the entry is known to exist); CP_ERR_NOMEM. */
int sync_entry_parse(const struct sync_map *m, const cp_config *cfg, enum sync_kind kind,
                     const struct sync_entry *e, const char *uuid, struct sync_rec *r,
                     char **problem);
void sync_rec_clear(struct sync_rec *r);

/* Read the DN and attributes of entry msg into e (the DN copied, values
 * pointing into msg); release with sync_entry_release before msg, also on
 * failure. CP_ERR_IO: the entry cannot be decoded (none of it is used). */
int sync_entry_read(LDAP *ld, LDAPMessage *msg, struct sync_entry *e);
void sync_entry_release(struct sync_entry *e);

/* ------------------------------------------------------------ sync_batch.c */

/* What a reader does with each entry it reads (its values are valid during
 * the call); an error it returns ends the read. */
typedef int (*sync_take_fn)(void *ctx, enum sync_kind kind, const struct sync_entry *e);

struct cp_sync;

/* Changes read from the directory, applied together. */
struct sync_batch {
	struct sync_rec *recs;
	size_t nrecs, cap;
	/* Per kind: UUIDs deleted in the directory (incremental reads), and
	 * for a complete read the UUIDs of every entry read, refused ones
	 * included: a directory record not among them is deleted. */
	struct strmap deleted[SK_COUNT];
	struct strmap seen[SK_COUNT];
	bool complete[SK_COUNT];
	/* An entry without a usable UUID was read: deletions of that kind
	 * are not inferred from absence. */
	bool uuid_missing[SK_COUNT];
	/* Outcomes, for the list of entries to read again (sync_retry.c):
	 * refused (or due again later), and applied. */
	struct strmap refused[SK_COUNT], applied[SK_COUNT];
	/* A streamed full read (sync_stream.c) applies records while it
	 * reads: the kinds still being read, and the records that wait for
	 * the end of their kind's read (SYNC_DEFERRED). */
	bool streamed;
	bool reading[SK_COUNT];
	struct sync_rec *deferred;
	size_t ndeferred, deferred_cap;
	/* Directory records of each kind before the batch wrote anything: what
	 * the removal limit ([ldap] max_removals) is a share of. */
	size_t had[SK_COUNT];
	/* State stored with the batch: sync_state key -> value (NULL: keep). */
	char *state_key[8], *state_val[8];
	size_t nstate;
	uint64_t entries; /* entries read, refused ones included */
};
void sync_batch_init(struct sync_batch *b);
void sync_batch_free(struct sync_batch *b);
/* Take the record (moved: *r is cleared). */
int sync_batch_add(struct sync_batch *b, struct sync_rec *r);
int sync_batch_state(struct sync_batch *b, const char *key, const char *val);
/* Parse one entry of kind into the batch; a refused entry is counted and
 * reported through the sync's log, and its UUID still marked seen. */
int sync_batch_entry(struct cp_sync *s, struct sync_batch *b, enum sync_kind kind,
                     const struct sync_entry *e, const char *uuid);
/* sync_batch_entry as a reader's sync_take_fn (sync_internal.h's readers). */
struct sync_into {
	struct cp_sync *s;
	struct sync_batch *b;
};
int sync_take_into(void *ctx, enum sync_kind kind, const struct sync_entry *e);
/* sync_batch_state as a sink's keep (struct sync_sink), ctx a sync_into. */
int sync_keep_into(void *ctx, const char *key, const char *val);
/* The same for an entry already parsed (rc and problem from
 * sync_entry_parse): *r is moved into b, problem freed. */
int sync_batch_take(struct cp_sync *s, struct sync_batch *b, enum sync_kind kind, int rc,
                    struct sync_rec *r, char *problem);
/* Apply b in one transaction (rolled back with CP_SYNC_DRY_RUN). */
int sync_batch_apply(struct cp_sync *s, struct sync_batch *b, char **errmsg);

/* The steps of sync_batch_apply, for a read applied as it goes
 * (sync_stream.c). open: the transaction; apply_kind: the records of kind
 * in b->recs, in order (a deferred one moves to b->deferred; *done counts);
 * undefer: those of kind back into b->recs, once its read is over;
 * groups_next: after people and accounts (their deletions, then what
 * groups need);
 * finish: the deletions of groups, the list of entries to read again,
 * the state; close: commit (rollback for a dry run or when rc is an
 * error) and the message of a failure. */
int sync_batch_open(struct cp_sync *s, char **errmsg);
/* Inside it, before the first write: b->had. */
int sync_batch_count(struct cp_sync *s, struct sync_batch *b);
int sync_batch_apply_kind(struct cp_sync *s, struct sync_batch *b, enum sync_kind kind,
                          uint64_t *done);
int sync_batch_undefer(struct sync_batch *b, enum sync_kind kind);
int sync_batch_groups_next(struct cp_sync *s, struct sync_batch *b, char **errmsg);
int sync_batch_finish(struct cp_sync *s, struct sync_batch *b, char **errmsg);
int sync_batch_close(struct cp_sync *s, int rc, char **errmsg);
/* Sort b's records by kind, then UUID (the order of directory_entries). */
void sync_batch_sort(struct sync_batch *b);
/* Drop all but the last record of each entry (a stream may repeat one). */
int sync_batch_dedup(struct sync_batch *b);
/* Whether the entry uuid of kind is deleted by b. */
bool sync_batch_gone(const struct sync_batch *b, enum sync_kind kind, const char *uuid);

/* ------------------------------------------------------------ sync_retry.c */

/* Read again the entries an earlier incremental batch refused (kinds that
 * b does not read completely), into b. */
int sync_retry_read(struct cp_sync *s, struct sync_batch *b, char **errmsg);
/* Inside the batch's transaction: the list for the next batches. */
int sync_retry_store(struct cp_sync *s, const struct sync_batch *b);

/* ------------------------------------------------------------ sync_apply.c */

/* A record whose fate depends on entries not read yet (a streamed read):
 * nothing written, it waits for the end of its kind. Not a CP_* code. */
#define SYNC_DEFERRED 1
/* A streamed refresh met what only a whole read can apply (sync_stream.c):
 * rolled back, to be read the other way. Not a CP_* code. */
#define SYNC_UNSTREAMED 2

/* One record into the ledger inside the batch's transaction; a refused
 * record is logged, counted and CP_OK; SYNC_DEFERRED when b->reading its
 * kind and another entry holds its key. */
int sync_apply_record(struct cp_sync *s, const struct sync_batch *b, const struct sync_rec *r);
/* The entry uuid of kind is gone from the directory: remove its account,
 * mark its person departed, or drop its group's memberships. */
int sync_apply_delete(struct cp_sync *s, enum sync_kind kind, const char *uuid);
/* Refuse the record being applied: logged with its DN, counted, nothing
 * written; returns CP_ERR_INVAL. */
int sync_refuse(struct cp_sync *s, const struct sync_rec *r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------ sync_groups.c */

struct dir_row;

/* Before a batch's groups: the people by DN and the groups by name. A
 * streamed read (b->streamed) has mapped the people it applied already. */
int sync_apply_prepare_groups(struct cp_sync *s, const struct sync_batch *b);
/* Person id by the DN key of dn, into s->dn_people. */
int sync_map_person_dn(struct cp_sync *s, const char *dn, int64_t id);
/* A group record: its memberships; *added when the group is new. */
int sync_apply_group(struct cp_sync *s, const struct sync_batch *b, const struct sync_rec *r,
                     bool *added);
/* The group of row (entry uuid) is gone: its directory memberships go. */
int sync_drop_group(struct cp_sync *s, const struct dir_row *row, const char *uuid);

/* ------------------------------------------------------------ sync_ledger.c */

/* A row of directory_entries, by kind and entryUUID (an entry may be
 * both a person and an account: a row each). */
struct dir_row {
	enum sync_kind kind;
	char *dn;
	int64_t id; /* person_id or account_id */
	char *grp;  /* a group's name */
};
void dir_row_clear(struct dir_row *r);
int dir_get(cp_ledger *l, enum sync_kind kind, const char *uuid, struct dir_row *out);
/* Insert the row of a new entry (fresh), or update the DN and group name
 * of an existing one. */
int dir_put(cp_ledger *l, const char *uuid, enum sync_kind kind, const char *dn, int64_t id,
            const char *grp, bool fresh);
int dir_delete(cp_ledger *l, enum sync_kind kind, const char *uuid);
/* The UUID of the directory row of a person or account id (CP_ERR_NOTFOUND:
 * the record is local). */
int dir_uuid_of(cp_ledger *l, enum sync_kind kind, int64_t id, char uuid[37]);
/* fn for every directory row of kind; fn returns non-zero to stop. */
int dir_each(cp_ledger *l, enum sync_kind kind,
             int (*fn)(const char *uuid, const struct dir_row *r, void *ctx), void *ctx);
/* The same with the UUIDs alone (no row is read or copied). */
int dir_each_uuid(cp_ledger *l, enum sync_kind kind, int (*fn)(const char *uuid, void *ctx),
                  void *ctx);
/* How many directory rows of kind the ledger has. */
int dir_count(cp_ledger *l, enum sync_kind kind, size_t *n);
/* Every person's row id into m, by employee id. */
int sync_person_ids(cp_ledger *l, struct strmap *m);

/* sync_state: *value malloc'ed, CP_ERR_NOTFOUND when unset. */
int sync_state_get(cp_ledger *l, const char *key, char **value);
int sync_state_set(cp_ledger *l, const char *key, const char *value);

/* What the sync compares an account with. */
struct ledger_acct {
	int64_t id;
	char *name, *scope, *class_name, *lock_reason, *must_change;
	cp_account_kind kind;
	bool otp, locked;
	int64_t last_change;
	char **owners, **custodians; /* sorted */
	size_t nowners, ncustodians;
};
int ledger_acct_load(cp_ledger *l, int64_t id, struct ledger_acct *a);
void ledger_acct_clear(struct ledger_acct *a);
/* A person's employee id and status by row id. */
int ledger_person_row(cp_ledger *l, int64_t id, char **employee_id, bool *departed);
int sync_account_remove(cp_ledger *l, int64_t id, const char *label, const char *detail);
int sync_account_rename(cp_ledger *l, int64_t id, const char *name, const char *scope,
                        const char *old_label);
int sync_person_rekey(cp_ledger *l, int64_t id, const char *old_id, const char *new_id);
/* When the account's must-change flag was last set (its newest
 * "must_change" event); 0 when unknown. */
int sync_must_change_time(cp_ledger *l, const char *label, int64_t *when);
/* When the sync last renamed an account to (name, scope) (its newest
 * "rename" event); 0 when never. A flag set before a rename is older than
 * it: the bound that must_change events, kept by label, no longer give. */
int sync_renamed_time(cp_ledger *l, const char *name, const char *scope, int64_t *when);

/* Directory memberships (source 'directory') of group grp: person ids
 * with their scope. */
struct member_row {
	int64_t person;
	char *scope;
};
int sync_members_of(cp_ledger *l, const char *grp, struct member_row **out, size_t *n);
void sync_members_free(struct member_row *v, size_t n);
int sync_member_add(cp_ledger *l, int64_t person, const char *grp, const char *scope);
int sync_member_remove(cp_ledger *l, int64_t person, const char *grp, const char *scope);

/* ------------------------------------------------------------ sync_run.c */

enum { SYNC_LOG_ERROR = 3, SYNC_LOG_WARNING = 4, SYNC_LOG_INFO = 6 };

struct cp_sync {
	cp_ledger *l;
	const cp_config *cfg;
	struct sync_map map;
	LDAP *ld;
	unsigned flags;
	uint64_t count[8]; /* by cp_sync_counter */
	const char *mode;
	bool rfc4533;    /* the last run used content synchronization */
	bool following;  /* in cp_sync_follow: refused entries are read again */
	int last_lrc;    /* the libldap result code of the last failure */
	int64_t retried; /* ... at most every five minutes (unix time) */
	void (*log)(int level, const char *msg, void *ctx);
	void *log_ctx;
	void (*progress)(const char *phase, uint64_t done, void *ctx);
	void *progress_ctx;
	bool refused;    /* the record being applied was refused (logged, counted) */
	bool rekeyed;    /* ... got a new employee id or account name (its event written) */
	bool read_again; /* ... is to be read again by the next syncs (a departure ahead) */
	/* Built when a batch has groups: person ids by DN key (ldv_dn_key),
	 * and the directory groups by name (index into group_uuids). */
	struct strmap dn_people, group_names;
	/* Person row ids by employee id, for the batch being applied; every
	 * person of the ledger when person_ids_all (sync_apply.c). */
	struct strmap person_ids;
	bool person_ids_all;
	/* Records a streamed read may be ahead of the writer by, and gathers
	 * before it writes them; 0: the default (sync_stream.c). Tests make
	 * it small. */
	size_t stream_queue_max;
	char (*group_uuids)[37];
	size_t ngroups;
};

/* Connect, read, apply in one transaction, disconnect; the counters add
 * up (and come back to what they were when nothing was applied). */
int sync_once(struct cp_sync *s, char **errmsg);
/* A message through the log callback (printf-style, translated). */
void sync_log(struct cp_sync *s, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sync_progress(struct cp_sync *s, const char *phase, uint64_t done);

/* ------------------------------------------------------------ readers */

/* A message from ld (search result, entry...) with the timeout of cfg;
 * CP_ERR_IO with *errmsg when the server went away or timed out. */
int sync_result(struct cp_sync *s, int msgid, struct timeval *tv, LDAPMessage **res, char **errmsg);
/* "the directory stopped answering at ...: reason" for a failed call. */
int sync_ldap_fail(struct cp_sync *s, int lrc, const char *what, char **errmsg);

/* sync_full.c: every entry of kind (narrowed by extra, a filter, when not
 * NULL) with paged searches into b; sync_read_paged does every kind and
 * marks the batch complete (absent entries are deleted) when asked. */
int sync_read_kind_paged(struct cp_sync *s, struct sync_batch *b, enum sync_kind kind,
                         const char *extra, char **errmsg);
/* The same, each entry to take (its values valid during the call); an
 * error take returns ends the read (the search abandoned). */
int sync_read_kind_each(struct cp_sync *s, enum sync_kind kind, const char *extra,
                        sync_take_fn take, void *ctx, char **errmsg);
/* Search entry msg of kind to take (uuid: the entry's from a Sync State
 * control, or NULL); an entry that cannot be decoded fails the read. */
int sync_take_message(struct cp_sync *s, enum sync_kind kind, LDAPMessage *msg, const char *uuid,
                      sync_take_fn take, void *ctx, char **errmsg);
/* sync_stream.c: the full read of every kind with paged searches, applied
 * to the ledger while it is read, in one transaction (closed, committed
 * or rolled back, on return): the records and b's bookkeeping as
 * sync_read_paged then sync_batch_apply would have them - except that when
 * two new entries claim one key (an employee id, an account or group
 * name), the one read first gets it, where a batch gives it to the lower
 * entryUUID; either way the same one at every sync. */
int sync_stream_full(struct cp_sync *s, struct sync_batch *b, char **errmsg);
/* Where a reader puts what it reads: each entry (take), and the state
 * that is stored with the batch, such as a cookie (keep: sync_batch_state's
 * key and value, copied). */
struct sync_sink {
	sync_take_fn take;
	int (*keep)(void *ctx, const char *key, const char *val);
	void *ctx;
};
/* The same from any source of entries: source(s, kind, to, errmsg) passes
 * every entry of kind to to->take (as sync_read_kind_each), and is called
 * for each kind in order on the reader thread, which must not use the
 * ledger. (Tests feed it.) */
typedef int (*sync_source_fn)(struct cp_sync *s, enum sync_kind kind, const struct sync_sink *to,
                              char **errmsg);
int sync_stream(struct cp_sync *s, struct sync_batch *b, sync_source_fn source, char **errmsg);
int sync_read_paged(struct cp_sync *s, struct sync_batch *b, const char *extra_filter,
                    bool complete, char **errmsg);
/* The search base of kind, or CP_ERR_CONFIG with a message. */
int sync_kind_base(struct cp_sync *s, enum sync_kind kind, const char **base, char **errmsg);
/* sync_rfc4533.c: one content synchronization search of a kind. */
struct sync_search {
	enum sync_kind kind;
	int msgid;
	const char *base, *filter;
	char *spec;            /* base, filter and attributes: what the cookie is for */
	struct berval cookie;  /* the newest cookie (bv_val malloc'ed), bv_len 0: none */
	bool had_cookie;       /* the search was sent with a cookie */
	bool cookie_changed;   /* the server sent a cookie since the last batch */
	bool present_phase;    /* the refresh was (or ended in) a present phase */
	bool refresh_done;     /* the refresh stage is over */
	bool refresh_required; /* e-syncRefreshRequired: start again without a cookie */
	bool ended;            /* the search's result arrived */
};
bool sync_server_has_rfc4533(LDAP *ld);
char *sync_cookie_text(const struct berval *c);
/* What a stored cookie or high-water mark of kind belongs to: the
 * search's base, filter and attributes as one string (malloc'ed). */
char *sync_search_spec(struct cp_sync *s, enum sync_kind kind, const char *base,
                       const char *filter);
int sync_cookie_parse(const char *s, struct berval *out);
int sync_search_init(struct cp_sync *s, struct sync_search *ss, enum sync_kind kind, bool no_cookie,
                     char **errmsg);
void sync_search_clear(struct sync_search *ss);
int sync_search_start(struct cp_sync *s, struct sync_search *ss, int mode, char **errmsg);
/* One message of the search into b. */
int sync_search_message(struct cp_sync *s, struct sync_search *ss, struct sync_batch *b,
                        LDAPMessage *msg, char **errmsg);
/* At the end of the refresh stage: what it means for b (complete or not). */
void sync_search_refreshed(const struct sync_search *ss, struct sync_batch *b);
/* The search's cookie and spec into b's state. */
int sync_cookie_keep(struct sync_batch *b, enum sync_kind kind, const char *spec,
                     const struct berval *cookie);
/* Whether a cookie is stored for any kind (that belongs to its search). */
int sync_rfc4533_any_cookie(struct cp_sync *s, bool *any, char **errmsg);
/* The refreshOnly of every kind without a cookie - a host's first sync -
 * applied while it is read (sync_stream), the cookies stored with it.
 * SYNC_UNSTREAMED, rolled back, when the server sends anything but added
 * entries (it may, RFC 4533 does not forbid it): read it whole instead. */
int sync_stream_refresh(struct cp_sync *s, struct sync_batch *b, char **errmsg);
/* refreshOnly of every kind from the stored cookies (none: no_cookies). */
int sync_read_rfc4533(struct cp_sync *s, struct sync_batch *b, bool no_cookies,
                      bool *refresh_required, char **errmsg);
/* sync_follow.c */
int sync_follow(struct cp_sync *s, int (*tick)(void *ctx), void *ctx);
/* sync_timestamp.c: entries changed since the high-water mark, or all of
 * them (a full reconciliation) when force_full, when full_every has
 * passed, or when the configuration changed. */
int sync_read_timestamp(struct cp_sync *s, struct sync_batch *b, bool force_full, char **errmsg);

#endif
