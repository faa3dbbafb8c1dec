/*
 * credpolicy.h - the public interface of libcredpolicy.
 *
 * libcredpolicy enforces the credential rules R1-R24 of the regulation described
 * in REQUIREMENTS.md: password quality (R1-R6) now, the account ledger later.
 *
 * Conventions that hold for every function below:
 *  - Functions returning int return CP_OK (0) or a negative cp_error.
 *    cp_strerror() turns one into a translated sentence.
 *  - Handles are opaque, made by the _new, _open and _load functions and
 *    released by the matching _free or _close, which accept NULL.
 *  - "char **errmsg" arguments, when not NULL, receive on failure a
 *    malloc'ed, translated, human-readable detail (config errors carry
 *    "file:line: "); the caller frees it with free(). On success they are
 *    set to NULL. Such messages never contain a password.
 *  - Strings are UTF-8. Passwords passed in are never copied beyond the
 *    duration of a call without being wiped afterwards.
 *  - Thread safety: a handle may be used by several threads at once only
 *    through functions taking a const pointer; distinct handles are
 *    independent.
 */
#ifndef CREDPOLICY_H
#define CREDPOLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CP_EXPORT __attribute__((visibility("default")))

/* Error codes. Stable: values never change meaning. */
typedef enum cp_error {
	CP_OK = 0,
	CP_ERR_NOMEM = -1,         /* out of memory */
	CP_ERR_INVAL = -2,         /* invalid argument */
	CP_ERR_IO = -3,            /* file could not be read or written */
	CP_ERR_CONFIG = -4,        /* configuration file is invalid */
	CP_ERR_INDEX_CORRUPT = -5, /* index file truncated or damaged */
	CP_ERR_INDEX_VERSION = -6, /* index file of an unknown format version */
	CP_ERR_UTF8 = -7,          /* input is not valid UTF-8 or contains NUL */
	CP_ERR_NOTFOUND = -8,      /* named item (class, file, key) does not exist */
	CP_ERR_UNICODE = -9,       /* ICU failed to normalise or transliterate */
	CP_ERR_TOOLONG = -10,      /* input exceeds a documented limit */
	CP_ERR_PERM = -11,         /* file permissions or ownership are unsafe */
	CP_ERR_LEDGER = -12,       /* ledger damaged, not a ledger, or wrong schema */
	CP_ERR_BUSY = -13,         /* ledger locked by others beyond the timeout */
	CP_ERR_TAMPERED = -14,     /* event log does not verify */
} cp_error;

/* Translated description of err; never NULL, static storage. Thread-safe. */
CP_EXPORT const char *cp_strerror(int err);

/* Version string of the library, e.g. "0.1.0". Static storage. */
CP_EXPORT const char *cp_version(void);

/* Longest password accepted, in bytes. Longer input is rejected with
 * CP_ERR_TOOLONG rather than processed: checking is O(n^2) in places. */
#define CP_MAX_PASSWORD_BYTES 1024

/* ------------------------------------------------------------------ */
/* Configuration (credpolicy.conf(5))                                 */
/* ------------------------------------------------------------------ */

typedef struct cp_config cp_config;
typedef struct cp_class cp_class;

/* Compiled-in default path of the configuration file. Static storage. */
CP_EXPORT const char *cp_config_default_path(void);

/* The built-in policy: the regulation's defaults and its three classes
 * (important-host, admin-workstation, new-media) plus "default".
 * Returns NULL only when out of memory. Free with cp_config_free(). */
CP_EXPORT cp_config *cp_config_new_default(void);

/* Read the file at path over the built-in policy. path NULL means
 * cp_config_default_path(). A missing file is CP_ERR_NOTFOUND; any error in
 * the file is CP_ERR_CONFIG with "path:line: what is wrong" in *errmsg and
 * *out left NULL: a policy is applied whole or not at all. */
CP_EXPORT int cp_config_load(const char *path, cp_config **out, char **errmsg);

/* Same, from a memory buffer; name is used in error messages. */
CP_EXPORT int cp_config_load_buffer(const char *buf, size_t len, const char *name,
                                    cp_config **out, char **errmsg);

CP_EXPORT void cp_config_free(cp_config *cfg);

/* Class by name; NULL name means the configured default class.
 * Returns NULL if no such class. The class is owned by cfg. */
CP_EXPORT const cp_class *cp_config_class(const cp_config *cfg, const char *name);

/* Number of classes and the i-th class (0-based, in file order). */
CP_EXPORT size_t cp_config_class_count(const cp_config *cfg);
CP_EXPORT const cp_class *cp_config_class_at(const cp_config *cfg, size_t i);

/* Path of the ledger (key "path" of [ledger]); owned by cfg. */
CP_EXPORT const char *cp_config_ledger_path(const cp_config *cfg);

/* Path of the banned-password index (key "index"); owned by cfg. */
CP_EXPORT const char *cp_config_index_path(const cp_config *cfg);

/* Whether a missing or unreadable index rejects every password (true,
 * key "index_missing = reject") or only skips the R4/R5 word checks. */
CP_EXPORT bool cp_config_index_required(const cp_config *cfg);

/* A setting of the [pam] section, as its validated word (never NULL for a
 * known key: the default when unset); NULL for an unknown key. Keys and
 * words (default first), see credpolicy.conf(5):
 *   ledger_unavailable  allow | deny     no, unreadable, corrupt or locked ledger
 *   index_unavailable   allow | deny     banned-password index missing or damaged
 *   unowned             deny | warn      personal account without one owner (R12)
 *   shared_session      alert | deny     live sessions from two addresses (R12)
 *   root_override       no | yes         root may set another user's rejected password
 *   root_console        allow | policy   root on a local console when the ledger fails
 * Owned by cfg. */
CP_EXPORT const char *cp_config_pam_value(const cp_config *cfg, const char *key);

/* The value of key in a section that holds single settings ("roles",
 * "offboard", "ldap", ...): as written in the file, else its documented
 * default; NULL for an unknown section or key, or a key that is unset and
 * has no default. Owned by cfg. Example: cp_config_value(cfg, "roles",
 * "db_admin_groups") is "dba oinstall postgres mysql" unless set. */
CP_EXPORT const char *cp_config_value(const cp_config *cfg, const char *section,
                                      const char *key);

/* Per-class policy values. */
CP_EXPORT const char *cp_class_name(const cp_class *c);
CP_EXPORT unsigned cp_class_min_length(const cp_class *c);   /* R1, characters */
CP_EXPORT unsigned cp_class_min_classes(const cp_class *c);  /* R2, 1..4 */
CP_EXPORT unsigned cp_class_max_age_days(const cp_class *c); /* R7-R9, 0 = never */
CP_EXPORT unsigned cp_class_warn_days(const cp_class *c);    /* R11 */
CP_EXPORT bool cp_class_otp_exempt(const cp_class *c);       /* R7 */
CP_EXPORT unsigned cp_class_history(const cp_class *c);      /* R6, passwords kept */
CP_EXPORT unsigned cp_class_similarity(const cp_class *c);   /* R6, libpwquality difok */

/* ------------------------------------------------------------------ */
/* Personal information (R3)                                          */
/* ------------------------------------------------------------------ */

typedef struct cp_person cp_person;

CP_EXPORT int cp_person_new(cp_person **out);

/* Wipes every token before freeing. */
CP_EXPORT void cp_person_free(cp_person *p);

/* Add one fact and derive its tokens. Keys: "name" (Chinese, converted to
 * pinyin, or Latin), "username", "employee_id", "email", "phone",
 * "birthday" (YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYYMMDD or YYYY年M月D日),
 * "id_card" (18-character PRC resident ID with a valid check character, or
 * the old 15-digit form; only its birthday and last 6 are kept, R23).
 * Unknown key or bad value: CP_ERR_INVAL with *errmsg naming the key (never
 * the value); p is then unchanged. The first "name" in a process costs
 * about 0.1 s (ICU loads its Han-Latin rules); store the derived tokens
 * (cp_person_token) and load them with cp_person_add_token instead. */
CP_EXPORT int cp_person_add(cp_person *p, const char *key, const char *value,
                            char **errmsg);

/* Add an already-derived token as returned by cp_person_token (as stored by
 * the ledger): 3-64 lower-case ASCII letters and digits, or "^" and 2-64
 * letters for initials. Anything else: CP_ERR_INVAL. */
CP_EXPORT int cp_person_add_token(cp_person *p, const char *token);

/* Derived tokens, normalised (lower case ASCII/pinyin, digits). Owned by p,
 * valid until p is next changed or freed. */
CP_EXPORT size_t cp_person_token_count(const cp_person *p);
CP_EXPORT const char *cp_person_token(const cp_person *p, size_t i);

/* ------------------------------------------------------------------ */
/* Banned-word index (R4, R5)                                         */
/* ------------------------------------------------------------------ */

typedef struct cp_index cp_index;
typedef struct cp_index_builder cp_index_builder;

/* Kinds of entry, stored in one filter under distinct keys. */
typedef enum cp_entry_kind {
	CP_ENTRY_WORD = 1,     /* dictionary word (R4) */
	CP_ENTRY_COMMAND = 2,  /* command name (R4) */
	CP_ENTRY_PASSWORD = 3, /* common or leaked password (R5) */
} cp_entry_kind;

/* Map an index read-only (shared between processes). Header, sizes and
 * structure are validated: truncation or damage gives CP_ERR_INDEX_CORRUPT,
 * another format version CP_ERR_INDEX_VERSION; lookups never read outside
 * the mapping. */
CP_EXPORT int cp_index_open(const char *path, cp_index **out, char **errmsg);
CP_EXPORT void cp_index_close(cp_index *idx);

/* Full payload checksum check (reads the whole file). */
CP_EXPORT int cp_index_verify(const cp_index *idx, char **errmsg);

/* Whether s (UTF-8, any case; normalised here like the entries were) is in
 * the index as the given kind. False positives happen at the index's rate
 * (about 1e-9 by default); there are no false negatives. */
CP_EXPORT bool cp_index_contains(const cp_index *idx, cp_entry_kind kind,
                                 const char *s, size_t len);

CP_EXPORT uint64_t cp_index_entries(const cp_index *idx);
CP_EXPORT uint64_t cp_index_size(const cp_index *idx);       /* bytes */
CP_EXPORT double cp_index_fp_rate(const cp_index *idx);      /* designed rate */

CP_EXPORT int cp_index_builder_new(cp_index_builder **out);
CP_EXPORT void cp_index_builder_free(cp_index_builder *b);

/* Add one entry; it is normalised (NFKC, case folded). Entries that are
 * empty after normalisation are ignored (return CP_OK). */
CP_EXPORT int cp_index_builder_add(cp_index_builder *b, cp_entry_kind kind,
                                   const char *s, size_t len);

/* Entries added so far (before de-duplication). */
CP_EXPORT uint64_t cp_index_builder_count(const cp_index_builder *b);

/* Write the index to path atomically (temporary file, fsync, rename),
 * mode 0644. fp_rate 0 means the default (1e-9). The builder is emptied
 * whether the write succeeds or not (except on CP_ERR_INVAL); free it or
 * add entries anew. */
CP_EXPORT int cp_index_builder_write(cp_index_builder *b, const char *path,
                                     double fp_rate, char **errmsg);

/* ------------------------------------------------------------------ */
/* Checking passwords (R1-R6)                                         */
/* ------------------------------------------------------------------ */

typedef struct cp_checker cp_checker;
typedef struct cp_verdict cp_verdict;

/* A checker for cfg (which must outlive it). Opens cfg's index; if that
 * fails and the config does not require it, the checker works without
 * R4/R5 word lookups and *errmsg (if given) says why (return CP_OK). */
CP_EXPORT int cp_checker_new(const cp_config *cfg, cp_checker **out, char **errmsg);

/* Same with an explicitly given index (NULL: none). idx must outlive it. */
CP_EXPORT int cp_checker_new_with_index(const cp_config *cfg, const cp_index *idx,
                                        cp_checker **out);
CP_EXPORT void cp_checker_free(cp_checker *ck);

/* Whether the checker has a word index. */
CP_EXPORT bool cp_checker_has_index(const cp_checker *ck);

/* Check password against class class_name (NULL: default class), the
 * optional previous password old_password (R6 similarity) and the optional
 * person (R3). *out receives a verdict even for a rejected password; the
 * return value is an error only when the check could not be made:
 * CP_ERR_UTF8 (invalid UTF-8 or NUL), CP_ERR_TOOLONG, CP_ERR_NOTFOUND (no
 * such class), CP_ERR_NOMEM. Thread-safe for a shared checker. */
CP_EXPORT int cp_check(const cp_checker *ck, const char *class_name,
                       const char *password, const char *old_password,
                       const cp_person *person, cp_verdict **out);

CP_EXPORT void cp_verdict_free(cp_verdict *v);
CP_EXPORT bool cp_verdict_ok(const cp_verdict *v);
CP_EXPORT size_t cp_verdict_count(const cp_verdict *v);

/* Stable reason code of the i-th rejection: "too_short", "too_few_classes",
 * "dictionary_word", "command_name", "common_password", "keyboard_pattern",
 * "sequence", "repeated_chars", "personal_info", "too_similar", "reused".
 * Owned by v. */
CP_EXPORT const char *cp_verdict_code(const cp_verdict *v, size_t i);

/* Translated advice for the i-th rejection, in the locale current when
 * cp_check ran. Never contains the password. Owned by v. */
CP_EXPORT const char *cp_verdict_message(const cp_verdict *v, size_t i);

/* Whether v contains the given reason code. */
CP_EXPORT bool cp_verdict_has(const cp_verdict *v, const char *code);


/* ------------------------------------------------------------------ */
/* The account ledger (R6-R13, R17, R22, R23)                         */
/* ------------------------------------------------------------------ */
/*
 * The ledger is a SQLite database (default /var/lib/credpolicy/ledger.db,
 * key "path" of the [ledger] section) that knows, for every account, who
 * owns it, its class, when its password last changed, who else knows it,
 * and whether it must change now. Every write is one transaction; every
 * change writes an event into a hash-chained, append-only log.
 *
 * Accounts are named by (name, scope): scope "*" means every host, else a
 * host name or fnmatch(3) pattern ("web-*"). Lookups for a host pick the
 * most specific match: exact name, then the longest pattern, then "*"
 * (host names compare without case, as in DNS). Calls that change an
 * account name its scope exactly; scope NULL there means "*".
 *
 * Actors and tickets are free text recorded in events ("root", "sync",
 * "helpdesk:li.na", "INC-2026-0042"); NULL is recorded as empty.
 * Text is checked: invalid UTF-8 is CP_ERR_UTF8, control characters or a
 * missing required value CP_ERR_INVAL, over 256 bytes (names, scopes,
 * employee ids), 1024 (actors, tickets, reasons) or 4096 (event details)
 * CP_ERR_TOOLONG.
 * A call that would change nothing (a put of what is already there, a
 * lock of a locked account) writes nothing, not even an event.
 * Events the library writes: person_add, person_update, depart,
 * account_add, account_update, owner_add, grant, revoke, lock, unlock,
 * must_change, must_change_clear, last_change, change, session_open,
 * session_close.
 * A cp_ledger handle is not thread-safe; open one per thread.
 */

typedef struct cp_ledger cp_ledger;
typedef struct cp_account cp_account;
typedef struct cp_status cp_status;
typedef struct cp_event cp_event;

/* Open flags. */
#define CP_LEDGER_CREATE 0x1   /* create the file (0600) and schema if missing */
#define CP_LEDGER_READONLY 0x2 /* never write (the PAM account hook) */

/* Open the ledger at path (NULL: cfg's [ledger] path). Refuses with
 * CP_ERR_PERM a file with any permission for group or others (it holds
 * password hashes), or (when running as root) not owned by root; a
 * directory writable by group or others (sticky or not) or owned by
 * someone other than root or the caller; and a "<path>-wal" or
 * "<path>-shm" that is not a regular file owned by the ledger's owner
 * without permissions for group or others. A file that is not a ledger or
 * is damaged: CP_ERR_LEDGER with the reason in *errmsg. An older schema
 * is migrated forward; READONLY reads any schema from version 1 on
 * without migrating (cp_ledger_schema_version tells which). A newer
 * schema is refused.
 * Missing file without CREATE: CP_ERR_NOTFOUND. Locked longer than the
 * busy timeout: CP_ERR_BUSY. cfg must outlive the handle. */
CP_EXPORT int cp_ledger_open(const cp_config *cfg, const char *path, unsigned flags,
                             cp_ledger **out, char **errmsg);
CP_EXPORT void cp_ledger_close(cp_ledger *l);

/* The configuration the ledger was opened with. */
CP_EXPORT const cp_config *cp_ledger_config(const cp_ledger *l);

/* Schema version of the open ledger (PRAGMA user_version). */
CP_EXPORT int cp_ledger_schema_version(const cp_ledger *l);

/* Explicit transactions around several calls (BEGIN IMMEDIATE); without
 * them each mutating call is its own transaction. They nest (an inner
 * rollback undoes the inner part only). Inside one, a call that fails
 * before writing (CP_ERR_NOTFOUND, CP_ERR_INVAL on its arguments...)
 * leaves the transaction as it was; one that fails after writing (I/O,
 * a constraint) dooms it: later calls and the commit return that error
 * and nothing of the transaction is kept. Commit without begin, or any
 * of them on a READONLY handle: CP_ERR_INVAL. */
CP_EXPORT int cp_ledger_begin(cp_ledger *l);
CP_EXPORT int cp_ledger_commit(cp_ledger *l);
CP_EXPORT void cp_ledger_rollback(cp_ledger *l);

/* ---- people ---- */

/* Insert or update a person: employee id (unique key), display name (NULL:
 * ""), and the personal-information tokens of info (may be NULL: tokens
 * kept). Only the derived tokens are stored (R23). */
CP_EXPORT int cp_ledger_person_put(cp_ledger *l, const char *employee_id,
                                   const char *display_name, const cp_person *info,
                                   const char *actor);
/* Mark a person departed (R13) as of when (0: now). CP_ERR_NOTFOUND if
 * unknown; a person already departed is left as they are (CP_OK). In the
 * same transaction, R13's "every credential the leaver knew": each account
 * the person is a custodian of gets must-change ("custodian ID departed")
 * and the custodian link is revoked, each with its event. The leaver's
 * own personal accounts then have the state CP_STATE_DEPARTED. */
CP_EXPORT int cp_ledger_person_depart(cp_ledger *l, const char *employee_id, int64_t when,
                                      const char *actor, const char *ticket);
/* A person's tokens, for cp_check (R3). *out to be freed by the caller. */
CP_EXPORT int cp_ledger_person_info(cp_ledger *l, const char *employee_id, cp_person **out);
/* Add to person the tokens of every owner of account a (R3: a password may
 * not contain its owner's personal information). Owners the ledger does not
 * know are skipped. */
CP_EXPORT int cp_ledger_owner_info(cp_ledger *l, const cp_account *a, cp_person *person);

/* Every person, in employee-id order (export): employee id, display name,
 * departure time (0: active) and tokens. fn returns non-zero to stop; the
 * arguments are valid during the call only, and fn must not change the
 * ledger. */
CP_EXPORT int cp_ledger_people(cp_ledger *l,
                               int (*fn)(const char *employee_id, const char *display_name,
                                         int64_t departed_at, const cp_person *info, void *ctx),
                               void *ctx);

/* ---- accounts ---- */

typedef enum cp_account_kind {
	CP_ACCOUNT_PERSONAL = 0,
	CP_ACCOUNT_SERVICE = 1,
	CP_ACCOUNT_BREAK_GLASS = 2,
} cp_account_kind;

/* Stable names: "personal", "service", "break-glass"; NULL if invalid. */
CP_EXPORT const char *cp_account_kind_name(cp_account_kind k);

/* Insert or update an account. class must exist in the ledger's config
 * (CP_ERR_NOTFOUND otherwise; NULL: the default class). owner: employee id
 * of the one owner (R12), NULL for none; it replaces the owners on record
 * (cp_ledger_owner_add adds more). An owner the ledger does not know is
 * CP_ERR_NOTFOUND; a kind out of range CP_ERR_INVAL. Last change, lock,
 * must-change, custodians and history are kept. */
CP_EXPORT int cp_ledger_account_put(cp_ledger *l, const char *name, const char *scope,
                                    const char *class_name, cp_account_kind kind,
                                    const char *owner, bool otp, const char *actor);

/* Another person claims the account (an LDAP group, a second owner): the
 * account then counts as shared (R12). Already an owner: CP_OK. */
CP_EXPORT int cp_ledger_owner_add(cp_ledger *l, const char *name, const char *scope,
                                  const char *employee_id, const char *actor);

/* The account that applies to host (NULL: this host's name). CP_ERR_NOTFOUND
 * if none. *out to be freed with cp_account_free. */
CP_EXPORT int cp_ledger_account_get(cp_ledger *l, const char *name, const char *host,
                                    cp_account **out);
CP_EXPORT void cp_account_free(cp_account *a);
CP_EXPORT const char *cp_account_name(const cp_account *a);
CP_EXPORT const char *cp_account_scope(const cp_account *a);
CP_EXPORT const char *cp_account_class(const cp_account *a);
CP_EXPORT cp_account_kind cp_account_kind_of(const cp_account *a);
CP_EXPORT bool cp_account_locked(const cp_account *a);
CP_EXPORT bool cp_account_otp(const cp_account *a);
CP_EXPORT int64_t cp_account_last_change(const cp_account *a); /* 0: never */
/* Reason of the must-change flag, NULL when not set. */
CP_EXPORT const char *cp_account_must_change(const cp_account *a);
CP_EXPORT size_t cp_account_owner_count(const cp_account *a);
CP_EXPORT const char *cp_account_owner(const cp_account *a, size_t i); /* employee id */
CP_EXPORT size_t cp_account_custodian_count(const cp_account *a);
CP_EXPORT const char *cp_account_custodian(const cp_account *a, size_t i);

/* Every account, by name then scope, with owners and custodians (export).
 * fn returns non-zero to stop; a is valid during the call only, and fn
 * must not change the ledger. */
CP_EXPORT int cp_ledger_accounts(cp_ledger *l, int (*fn)(const cp_account *a, void *ctx),
                                 void *ctx);

/* Lock or unlock (reason recorded in the event). CP_ERR_NOTFOUND if the
 * account (name, exact scope) is unknown. */
CP_EXPORT int cp_ledger_set_locked(cp_ledger *l, const char *name, const char *scope,
                                   bool locked, const char *reason, const char *actor,
                                   const char *ticket);
/* Set (reason not NULL, not "") or clear (NULL) the must-change flag. */
CP_EXPORT int cp_ledger_set_must_change(cp_ledger *l, const char *name, const char *scope,
                                        const char *reason, const char *actor,
                                        const char *ticket);

/* ---- custodians (R13, R17) ---- */

/* Granting twice is CP_OK (the first grant is kept); granting to a person
 * who has departed is CP_ERR_INVAL (a leaver keeps no custodian link,
 * R13); revoking what was not granted is CP_ERR_NOTFOUND. */
CP_EXPORT int cp_ledger_custodian_grant(cp_ledger *l, const char *name, const char *scope,
                                        const char *employee_id, const char *actor,
                                        const char *ticket);
CP_EXPORT int cp_ledger_custodian_revoke(cp_ledger *l, const char *name, const char *scope,
                                         const char *employee_id, const char *actor,
                                         const char *ticket);

/* ---- password changes and history (R6) ---- */

/* A password change of the account that applies to host succeeded: set
 * the last change to when (0: now), keep a one-way hash of password
 * (libxcrypt, the host's preferred method) trimmed to the class's history
 * depth, clear must-change, write the event. The password is not kept
 * otherwise. Hashing costs one crypt(3) (yescrypt: milliseconds), done
 * before the write lock is taken. */
CP_EXPORT int cp_ledger_record_change(cp_ledger *l, const char *name, const char *host,
                                      const char *password, int64_t when,
                                      const char *actor);
/* Set the last password change without a password (import, LDAP sync:
 * the change happened elsewhere); when 0 means never. A when later than
 * now plus one day is CP_ERR_INVAL (it would postpone the expiry). */
CP_EXPORT int cp_ledger_set_last_change(cp_ledger *l, const char *name, const char *scope,
                                        int64_t when, const char *actor);
/* Whether password equals one in the account's history: *found. Costs one
 * crypt(3) per remembered password (yescrypt: milliseconds each); a hash
 * of a method this host no longer supports never matches. */
CP_EXPORT int cp_ledger_history_contains(cp_ledger *l, const char *name, const char *host,
                                         const char *password, bool *found);

/* ---- rotation status (R7-R12) ---- */

typedef enum cp_state {
	CP_STATE_OK = 0,
	CP_STATE_WARN,        /* inside the warn window (R11) */
	CP_STATE_EXPIRED,     /* older than the class's max age (R7-R9) */
	CP_STATE_MUST_CHANGE, /* flagged: reset, leaver, compromise (R13-R16) */
	CP_STATE_LOCKED,
	CP_STATE_DEPARTED,    /* its owner has left (R13) */
	CP_STATE_UNOWNED,     /* personal account without owner (R12) */
	CP_STATE_SHARED,      /* personal account claimed by two or more (R12) */
} cp_state;

/* Stable codes: "ok", "warn", "expired", "must_change", "locked",
 * "departed", "unowned", "shared". */
CP_EXPORT const char *cp_state_code(cp_state s);

/* The status of account name on host (NULL: this host) at time now.
 * Precedence: locked, departed, unowned, shared, must_change, expired,
 * warn, ok. departed, unowned and shared apply to personal accounts (R12).
 * A class the configuration no longer has is read as the default class
 * (R10; cp_status_class names the class applied). A password never
 * changed on record (last change 0) is expired, days left 0, unless the
 * class never expires. CP_ERR_NOTFOUND if the ledger has no such account. */
CP_EXPORT int cp_ledger_status(cp_ledger *l, const char *name, const char *host, int64_t now,
                               cp_status **out);
CP_EXPORT void cp_status_free(cp_status *s);
/* CP_STATE_LOCKED for NULL: a lost status must not let anyone in. */
CP_EXPORT cp_state cp_status_state(const cp_status *s);
/* The state the rotation rules alone give - CP_STATE_MUST_CHANGE,
 * CP_STATE_EXPIRED (at or past the expiry instant), CP_STATE_WARN or
 * CP_STATE_OK - whatever locks and ownership say: for a caller that lets
 * an unowned account in (unowned = warn) and must still apply them.
 * CP_STATE_MUST_CHANGE for NULL. */
CP_EXPORT cp_state cp_status_rotation(const cp_status *s);
/* Whole days until expiry, rounded down (negative: overdue); INT32_MAX
 * when it never expires (max age 0, or the R7 OTP exemption). */
CP_EXPORT int32_t cp_status_days_left(const cp_status *s);
/* Must-change reason, or NULL. */
CP_EXPORT const char *cp_status_reason(const cp_status *s);
CP_EXPORT const char *cp_status_class(const cp_status *s);
/* Translated one-line explanation for the user. */
CP_EXPORT const char *cp_status_message(const cp_status *s);

/* ---- live sessions (R12: one account used from two places) ---- */

/* Record a live session of account name on host (NULL: this host) opened
 * by process pid through service from rhost ("" or NULL: local), with a
 * "session_open" event (actor: the account). The account is found as by
 * cp_ledger_account_get: CP_ERR_NOTFOUND if none. */
CP_EXPORT int cp_ledger_session_open(cp_ledger *l, const char *name, const char *host,
                                     const char *service, const char *tty, const char *rhost,
                                     int64_t pid, int64_t when);
/* Close the live session of process pid on host, with a "session_close"
 * event. CP_ERR_NOTFOUND if the account is unknown; CP_OK if there was no
 * such session (closed twice, or opened before the ledger had sessions). */
CP_EXPORT int cp_ledger_session_close(cp_ledger *l, const char *name, const char *host,
                                      int64_t pid, int64_t when);
/* Number of distinct remote addresses, other than rhost, with live
 * sessions of the account on host: *count. Sessions whose process is gone
 * are not counted (and are closed, except on a READONLY handle). Call it
 * and cp_ledger_session_open inside one cp_ledger_begin, so that two
 * logins at once cannot both miss each other. */
CP_EXPORT int cp_ledger_session_count_others(cp_ledger *l, const char *name, const char *host,
                                             const char *rhost, unsigned *count);

/* ---- events (R17, R22) ---- */

/* Append an event of kind (a stable word: "grant", "revoke", "change",
 * "reset", "lock", "must_change", "import", "decision", ...). Never pass a
 * secret in any field. */
CP_EXPORT int cp_ledger_event_add(cp_ledger *l, const char *kind, const char *account,
                                  const char *person, const char *actor, const char *ticket,
                                  const char *detail);

/* Call fn for every event at or after since (unix time), oldest first;
 * fn returns non-zero to stop. The event is valid during the call only. */
CP_EXPORT int cp_ledger_events(cp_ledger *l, int64_t since,
                               int (*fn)(const cp_event *ev, void *ctx), void *ctx);
CP_EXPORT int64_t cp_event_id(const cp_event *ev);
CP_EXPORT int64_t cp_event_time(const cp_event *ev);
CP_EXPORT const char *cp_event_kind(const cp_event *ev);
CP_EXPORT const char *cp_event_account(const cp_event *ev);
CP_EXPORT const char *cp_event_person(const cp_event *ev);
CP_EXPORT const char *cp_event_actor(const cp_event *ev);
CP_EXPORT const char *cp_event_ticket(const cp_event *ev);
CP_EXPORT const char *cp_event_detail(const cp_event *ev);
CP_EXPORT const char *cp_event_hash(const cp_event *ev); /* hex SHA-256 */

/* Verify the hash chain: every event's hash covers its fields and the
 * previous hash; ids are contiguous. CP_OK with *checked events, or
 * CP_ERR_TAMPERED with *bad_id the first event that does not verify (and
 * *checked those before it). The chain cannot show the removal of the
 * newest events or a rewrite of the whole log: keep the hash of the last
 * event elsewhere too. */
CP_EXPORT int cp_ledger_events_verify(cp_ledger *l, uint64_t *checked, int64_t *bad_id);

/* ---- access reviews (R19) and group memberships (R18) ---- */

/* ---- issue 7: review and membership declarations go here ---- */

/* Record an access review (R19) of the account (name, exact scope) by
 * reviewer (who reviewed: an employee id or a name; required) at when
 * (0: now), with an optional note, and a "review" event (detail
 * "reviewed_at=T reviewer=R[ note=N]", with actor and ticket), in one
 * transaction. The ledger keeps each account's latest review: one dated
 * before it is recorded as an event only; one equal to it (time,
 * reviewer, note) writes nothing. reviewer and note: at most 1024 bytes,
 * no control characters. when negative, or more than a day ahead of the
 * clock (it would put off the next review): CP_ERR_INVAL. An unknown
 * account: CP_ERR_NOTFOUND. */
CP_EXPORT int cp_ledger_review(cp_ledger *l, const char *name, const char *scope,
                               const char *reviewer, int64_t when, const char *note,
                               const char *actor, const char *ticket);
/* The latest review of the account (name, exact scope; scope NULL: "*"):
 * *when 0 and *reviewer, *note NULL when it was never reviewed; otherwise
 * *reviewer and *note ("" when none) are malloc'ed for the caller to free.
 * All three outputs are required (CP_ERR_INVAL). On any error - the
 * account unknown (CP_ERR_NOTFOUND), CP_ERR_NOMEM, a ledger error - the
 * outputs are 0 and NULL, with nothing to free. A READONLY handle will
 * do. */
CP_EXPORT int cp_ledger_review_get(cp_ledger *l, const char *name, const char *scope,
                                   int64_t *when, char **reviewer, char **note);
/* The latest review of every account that has one, by account name then
 * scope (note "" when none). fn returns non-zero to stop; the arguments are
 * valid during the call only. A ledger read at schema version 2 or older
 * has no reviews: CP_OK without a call. */
CP_EXPORT int cp_ledger_reviews(cp_ledger *l,
                                int (*fn)(const char *name, const char *scope,
                                          int64_t reviewed_at, const char *reviewer,
                                          const char *note, void *ctx),
                                void *ctx);

/* Group memberships (R18): person employee_id is in group for the hosts of
 * scope (NULL: "*"; a host name or an fnmatch(3) pattern, as for accounts).
 * [roles] in the configuration says which groups make an OS or a database
 * administrator. What these calls write has the source "local"; rows of
 * source "directory" belong to the directory sync: adding one that exists
 * is CP_OK (nothing written), removing one is CP_ERR_INVAL. Group names
 * have no blank (CP_ERR_INVAL). Add: an unknown person is CP_ERR_NOTFOUND;
 * an existing membership is CP_OK and writes nothing. Remove: one that
 * does not exist is CP_ERR_NOTFOUND. Each change writes a
 * "membership_add" or "membership_remove" event (person the employee id,
 * detail "group=G scope=S") in the same transaction. */
CP_EXPORT int cp_ledger_membership_add(cp_ledger *l, const char *employee_id, const char *group,
                                       const char *scope, const char *actor, const char *ticket);
CP_EXPORT int cp_ledger_membership_remove(cp_ledger *l, const char *employee_id,
                                          const char *group, const char *scope,
                                          const char *actor, const char *ticket);
/* The memberships of employee_id (NULL: of everyone), by employee id, group
 * and scope; source is the stable word "local" or "directory". fn returns
 * non-zero to stop; the arguments are valid during the call only. A
 * ledger read at schema version 2 or older has none: CP_OK. */
CP_EXPORT int cp_ledger_memberships(cp_ledger *l, const char *employee_id,
                                    int (*fn)(const char *employee_id, const char *group,
                                              const char *scope, const char *source,
                                              void *ctx),
                                    void *ctx);

/* ---- offboarding, resets, compromise (R13-R16) ---- */

/* ---- issue 6: offboarding declarations go here ---- */

/* Offboarding (R13): when a person leaves (departure) or changes post
 * (transfer), everything they could still use is made unusable in one
 * step. A plan is computed first (what to do, and what an earlier run
 * already did), can be shown (--dry-run), and is then applied to the
 * ledger in ONE transaction with an event for each item and a summary
 * event "offboard" (detail "reason=R applied=N failed=M"). Items:
 *  - "depart": the person is marked departed (departure only);
 *  - "lock": one of the person's own personal accounts is locked
 *    (departure; transfer when [offboard] transfer = lock);
 *  - "must_change": must-change now for an account whose password the
 *    person knew: one they were custodian of ("custodian left"), a
 *    service or break-glass account they owned ("owner left"), or, on a
 *    transfer with [offboard] transfer = must_change, their own personal
 *    accounts ("transfer");
 *  - "revoke": their custodian link of an account is revoked.
 * Where the change is made outside the ledger (/etc/shadow, a directory)
 * is the caller's business: it does that first and marks with
 * cp_offboard_item_fail the items it could not complete. The ledger then
 * still locks and flags those accounts (no credential the leaver knew is
 * ever left unflagged here), but keeps the custodian link of a failed
 * account, so that a later plan lists it again and a re-run completes
 * it. A plan made again after a complete run has nothing pending. */
typedef struct cp_offboard_plan cp_offboard_plan;

typedef enum cp_offboard_reason {
	CP_OFFBOARD_DEPARTURE = 0,
	CP_OFFBOARD_TRANSFER = 1,
} cp_offboard_reason;

typedef enum cp_offboard_action {
	CP_OFFBOARD_DEPART = 0,
	CP_OFFBOARD_LOCK = 1,
	CP_OFFBOARD_MUST_CHANGE = 2,
	CP_OFFBOARD_REVOKE = 3,
} cp_offboard_action;

typedef enum cp_offboard_state {
	CP_OFFBOARD_PENDING = 0, /* to do */
	CP_OFFBOARD_DONE = 1,    /* the ledger already has it (an earlier run) */
	CP_OFFBOARD_APPLIED = 2, /* written by cp_ledger_offboard_apply */
	CP_OFFBOARD_FAILED = 3,  /* marked by cp_offboard_item_fail: run again */
} cp_offboard_state;

/* Stable names: "departure", "transfer"; "depart", "lock", "must_change",
 * "revoke"; "pending", "done", "applied", "failed". NULL if out of range. */
CP_EXPORT const char *cp_offboard_reason_name(cp_offboard_reason r);
CP_EXPORT const char *cp_offboard_action_name(cp_offboard_action a);
CP_EXPORT const char *cp_offboard_state_name(cp_offboard_state s);

/* The plan for employee_id. ticket identifies the HR case: a transfer
 * already completed under the same ticket is "done" (a new ticket is a
 * new transfer, whose own-account changes are pending again). Reads
 * only (a READONLY handle will do). CP_ERR_NOTFOUND if the ledger has
 * no such person; CP_ERR_INVAL for a reason out of range. *out to be
 * freed with cp_offboard_plan_free. Cost: a few statements per account
 * (10,000 accounts: well under a second). */
CP_EXPORT int cp_ledger_offboard_plan(cp_ledger *l, const char *employee_id,
                                      cp_offboard_reason reason, const char *ticket,
                                      cp_offboard_plan **out);
CP_EXPORT void cp_offboard_plan_free(cp_offboard_plan *p);
CP_EXPORT const char *cp_offboard_plan_person(const cp_offboard_plan *p);
CP_EXPORT const char *cp_offboard_plan_display_name(const cp_offboard_plan *p);
CP_EXPORT cp_offboard_reason cp_offboard_plan_reason(const cp_offboard_plan *p);
/* Whether the person has an entry in the directory (issue 5's sync). */
CP_EXPORT bool cp_offboard_plan_person_in_directory(const cp_offboard_plan *p);
CP_EXPORT size_t cp_offboard_plan_count(const cp_offboard_plan *p);
/* Number of items in state s. */
CP_EXPORT size_t cp_offboard_plan_count_state(const cp_offboard_plan *p, cp_offboard_state s);

/* Item i (0-based; items are in this order: depart, own accounts by
 * name, then each custodied account's must_change followed by its
 * revoke). Out of range: -1 cast to the enum, NULL, false or 0. */
CP_EXPORT cp_offboard_action cp_offboard_item_action(const cp_offboard_plan *p, size_t i);
CP_EXPORT cp_offboard_state cp_offboard_item_state(const cp_offboard_plan *p, size_t i);
/* The account's name and scope; NULL for "depart". Owned by p. */
CP_EXPORT const char *cp_offboard_item_account(const cp_offboard_plan *p, size_t i);
CP_EXPORT const char *cp_offboard_item_scope(const cp_offboard_plan *p, size_t i);
CP_EXPORT cp_account_kind cp_offboard_item_kind(const cp_offboard_plan *p, size_t i);
/* The reason recorded: "departure", "transfer", "custodian left",
 * "owner left". Static storage. */
CP_EXPORT const char *cp_offboard_item_reason(const cp_offboard_plan *p, size_t i);
/* Whether the item's account has an entry in the directory (a directory
 * account: the change must reach the directory too); for "depart",
 * whether the person has. */
CP_EXPORT bool cp_offboard_item_in_directory(const cp_offboard_plan *p, size_t i);
/* Who must now change the password of a "must_change" item: the active
 * owners, then the other active custodians (employee id and display
 * name, owned by p); none for other actions. */
CP_EXPORT size_t cp_offboard_item_notify_count(const cp_offboard_plan *p, size_t i);
CP_EXPORT const char *cp_offboard_item_notify(const cp_offboard_plan *p, size_t i, size_t j);
CP_EXPORT const char *cp_offboard_item_notify_name(const cp_offboard_plan *p, size_t i,
                                                   size_t j);
/* Whether item i needs nothing outside the ledger either: it is done and
 * a complete earlier run of this offboarding (for a transfer, under this
 * ticket) made its outside change. Such items are left alone by a re-run
 * (the owner may have changed the password since, an administrator may
 * have unlocked on purpose); every other item's outside change is made
 * again, idempotently, so that a run that failed part-way is completed. */
CP_EXPORT bool cp_offboard_item_settled(const cp_offboard_plan *p, size_t i);
/* Mark item i as not completed outside the ledger (its backend failed),
 * before cp_ledger_offboard_apply. A failed "must_change" also keeps its
 * "revoke" (the link stays, so a re-run finds the account). CP_ERR_INVAL
 * out of range. */
CP_EXPORT int cp_offboard_item_fail(cp_offboard_plan *p, size_t i);

/* Apply the pending items of p in one transaction (nothing of it is kept
 * on failure, and the states of p are then unchanged): depart as of when
 * (0: now; later than now plus a day: CP_ERR_INVAL), lock, must_change
 * and revoke, each with its event (actor, the plan's ticket, reason),
 * then the "offboard" summary - unless nothing was pending or failed and
 * a complete run is already on record, in which case nothing is written
 * at all (a run that completes an earlier failed one outside the ledger
 * only writes the summary, "applied=0 failed=0"). Items then are
 * APPLIED, DONE or FAILED. Every write is conditional, so an item another
 * process did since the plan is not written (nor its event) twice. */
CP_EXPORT int cp_ledger_offboard_apply(cp_ledger *l, cp_offboard_plan *p, int64_t when,
                                       const char *actor);

/* The directory entry of an account (name, exact scope): *dn (malloc'ed,
 * may be NULL) when the directory sync made it, CP_ERR_NOTFOUND when the
 * account is local (or the ledger predates schema 3). */
CP_EXPORT int cp_ledger_account_directory_dn(cp_ledger *l, const char *name, const char *scope,
                                             char **dn);

/* A person's display name (*name, malloc'ed) and departure time
 * (*departed_at, 0: active; either pointer may be NULL). CP_ERR_NOTFOUND
 * if unknown. */
CP_EXPORT int cp_ledger_person_name(cp_ledger *l, const char *employee_id, char **name,
                                    int64_t *departed_at);

/* Compromise (R16), in one transaction: must-change "compromised" on the
 * account (name, exact scope), an "incident" event with evidence (free
 * text, required, at most 4096 bytes: never a password) and, for every
 * live session of the account on any host, a "session_flag" event naming
 * it (host, pid, service, tty, remote address). *flagged (may be NULL)
 * gets the number of sessions flagged. Running it again writes a new
 * incident (a second report is a new fact) but no second must_change
 * event while the flag is still set. */
CP_EXPORT int cp_ledger_compromised(cp_ledger *l, const char *name, const char *scope,
                                    const char *evidence, const char *actor,
                                    const char *ticket, size_t *flagged);

/* Live sessions of the account (name, exact scope) on every host, oldest
 * first. fn returns non-zero to stop; its strings are valid during the
 * call only. */
CP_EXPORT int cp_ledger_account_sessions(cp_ledger *l, const char *name, const char *scope,
                                         int (*fn)(const char *host, int64_t pid,
                                                   const char *service, const char *tty,
                                                   const char *rhost, int64_t opened_at,
                                                   void *ctx),
                                         void *ctx);

/* Changes in the directory ([ldap] of credpolicy.conf(5)) that every
 * host's next sync sees: a directory account's password (RFC 3062
 * Password Modify), must-change (the mapped "reset" and "must_change"
 * attributes: pwdReset TRUE, credpolicyMustChange the reason), lock (the
 * mapped "locked": pwdAccountLockedTime 000001010000Z, ppolicy's lock
 * until an administrator unlocks), a leaver's custodian value removed,
 * a person's departure time. Each reads the entry and writes only what
 * differs: *changed (may be NULL) says whether it wrote. Errors:
 * CP_ERR_NOTFOUND no (single) entry for the account or person, CP_ERR_IO
 * the directory refused or could not be reached, with the server's
 * reason in *errmsg (never the password); CP_ERR_CONFIG no [ldap] uri or
 * base. A handle is used by one thread at a time. */
typedef struct cp_directory cp_directory;

#define CP_DIRECTORY_MUST_CHANGE 0x1
#define CP_DIRECTORY_LOCK 0x2

/* Connect and bind as [ldap] says (TLS, verified). cfg must outlive it. */
CP_EXPORT int cp_directory_open(const cp_config *cfg, cp_directory **out, char **errmsg);
CP_EXPORT void cp_directory_close(cp_directory *d);
/* what: CP_DIRECTORY_MUST_CHANGE (reason required) and/or CP_DIRECTORY_LOCK. */
CP_EXPORT int cp_directory_account_flag(cp_directory *d, const char *account, unsigned what,
                                        const char *reason, bool *changed, char **errmsg);
/* Set account's password (the server hashes it), then, when reason is not
 * NULL, must-change with that reason. The password is sent only over a
 * protected link (TLS, a SASL security layer, ldapi://): otherwise
 * CP_ERR_CONFIG and nothing is sent. */
CP_EXPORT int cp_directory_set_password(cp_directory *d, const char *account,
                                        const char *password, const char *reason,
                                        char **errmsg);
CP_EXPORT int cp_directory_custodian_remove(cp_directory *d, const char *account,
                                            const char *employee_id, bool *changed,
                                            char **errmsg);
/* Departure time when (0: now) unless one is recorded already. */
CP_EXPORT int cp_directory_person_depart(cp_directory *d, const char *employee_id, int64_t when,
                                         bool *changed, char **errmsg);

/* ---- import and export (documented JSON, docs/LEDGER-FORMAT.md) ---- */

/* Import people, accounts and custodians from a JSON document. Everything
 * is validated first; any problem rejects the whole import (nothing is
 * written) with every problem, by record number, in *errmsg:
 * CP_ERR_INVAL. Otherwise one transaction. */
CP_EXPORT int cp_ledger_import_json(cp_ledger *l, const char *json, size_t len,
                                    const char *actor, char **errmsg);
/* Export people, accounts and custodians as JSON (malloc'ed *out). */
CP_EXPORT int cp_ledger_export_json(cp_ledger *l, char **out, size_t *len);

/* ------------------------------------------------------------------ */
/* Directory sync (LDAP, issue 5)                                     */
/* ------------------------------------------------------------------ */

/* ---- issue 5: directory sync declarations go here ---- */

/*
 * credpolicy sync (credpolicy-sync(1), docs/LDAP.md): bring the ledger in
 * step with the directory of the [ldap] section - people, accounts, their
 * class, owners, custodians, OTP, lock, must-change and last change, and
 * group memberships (R18) - as [ldap_map] says which attribute carries
 * what. Every change is an event with actor "sync". Records the sync
 * creates are directory records (a row of directory_entries, by the
 * entry's entryUUID: renames keep them); others are local and never
 * touched (CP_SYNC_ADOPT takes over a local record the directory names).
 * An entry deleted in the directory removes its account (event "remove")
 * or marks its person departed (R13; people are never deleted).
 *
 * What is read is applied in ONE ledger transaction, with the state that
 * goes with it (RFC 4533 cookie, modifyTimestamp high-water mark): an
 * unreachable directory, a server that goes away in the middle, or any
 * error leaves the ledger exactly as it was. An entry whose values are
 * refused (invalid UTF-8, too long, control characters, a name with
 * filter metacharacters, an unknown class or owner...) is skipped - its
 * record, if any, left as it was - counted in CP_SYNC_ERRORS and reported
 * through the log callback with its DN; the rest is applied.
 *
 * Security state: must-change is set from the directory's must_change
 * attribute (the reason) or reset (pwdReset TRUE: "directory: pwdReset");
 * lock from locked (pwdAccountLockedTime); the last change from
 * last_change (pwdChangedTime, shadowLastChange). It is never relaxed on
 * the mere absence of data: a must-change is cleared only when the
 * directory shows a password change newer than the flag, a lock lifted
 * only when the sync itself set it, the last change only moves forward.
 *
 * A cp_sync is used by one thread at a time; the ledger must outlive it.
 * The process should ignore SIGPIPE (as every libldap program): a server
 * that goes away while a request is written would otherwise kill it.
 */
typedef struct cp_sync cp_sync;

/* Flags of cp_sync_run and cp_sync_follow. */
#define CP_SYNC_FULL 0x1    /* full reconciliation (paged read of everything) */
#define CP_SYNC_DRY_RUN 0x2 /* read, check and compare; write nothing */
#define CP_SYNC_ADOPT 0x4   /* a local record with an entry's key becomes its record */
/* A complete read may remove (accounts) or depart (people) more of the
 * directory's records of a kind than [ldap] max_removals allows. */
#define CP_SYNC_ALLOW_REMOVALS 0x8

/* Counters of cp_sync_count. */
typedef enum cp_sync_counter {
	CP_SYNC_ENTRIES = 0, /* entries read from the directory */
	CP_SYNC_ADDED,       /* records created */
	CP_SYNC_CHANGED,     /* records changed (renames included) */
	CP_SYNC_REMOVED,     /* accounts removed, people departed, groups dropped */
	CP_SYNC_UNCHANGED,   /* entries that changed nothing */
	CP_SYNC_ERRORS,      /* entries refused */
} cp_sync_counter;

/* Log levels of the callback: syslog's. */
#define CP_SYNC_LOG_ERROR 3   /* an entry refused */
#define CP_SYNC_LOG_WARNING 4 /* something skipped or worth knowing */
#define CP_SYNC_LOG_INFO 6    /* what --follow does: batches, reconnections */

/* A sync of ledger l (opened for writing) with its configuration.
 * CP_ERR_NOMEM, CP_ERR_INVAL (NULL, or a read-only ledger). */
CP_EXPORT int cp_sync_new(cp_ledger *l, cp_sync **out);
CP_EXPORT void cp_sync_free(cp_sync *s);

/* Messages (translated, one line, naming the DN; never a password or a
 * personal value) go to fn; without one they are dropped. */
CP_EXPORT void cp_sync_set_log(cp_sync *s, void (*fn)(int level, const char *msg, void *ctx),
                               void *ctx);
/* fn is called now and then during a long sync with the phase ("read",
 * "apply") and the entries or records done so far. */
CP_EXPORT void cp_sync_set_progress(cp_sync *s,
                                    void (*fn)(const char *phase, uint64_t done, void *ctx),
                                    void *ctx);

/* One sync. The mode follows [ldap] sync_mode: RFC 4533 content
 * synchronization (refreshOnly from the cookie kept in the ledger; the
 * first time, the whole content) when the server offers it ("auto") or
 * always ("syncrepl"); else entries changed since the modifyTimestamp
 * high-water mark, with a full reconciliation every full_every seconds
 * ("timestamp"). CP_SYNC_FULL forces a full reconciliation with paged
 * searches. Counters restart at each run.
 * Errors (nothing written): CP_ERR_CONFIG (no uri or base...), CP_ERR_IO
 * (directory unreachable, TLS or bind refused, the server went away or
 * timed out: *errmsg says which server and why), CP_ERR_PERM (an unsafe
 * bind password file), ledger errors (CP_ERR_BUSY...), CP_ERR_NOMEM.
 * Refused entries are not errors of the call: see CP_SYNC_ERRORS. */
CP_EXPORT int cp_sync_run(cp_sync *s, unsigned flags, char **errmsg);

/* Keep the ledger in step: one sync as cp_sync_run, then an RFC 4533
 * refreshAndPersist session in which every change the server notifies is
 * applied within moments (a short batch per transaction, with its
 * cookie); the modifyTimestamp mode polls instead. When the server goes
 * away the ledger is left as it is and the connection is made again with
 * a growing delay (1 s to 60 s). tick is called at least once a second;
 * it returns non-zero to stop, and the call then returns CP_OK. Counters
 * add up over the whole session. Errors as cp_sync_run for the first
 * sync; later failures are logged and retried. */
CP_EXPORT int cp_sync_follow(cp_sync *s, unsigned flags, int (*tick)(void *ctx), void *ctx,
                             char **errmsg);

CP_EXPORT uint64_t cp_sync_count(const cp_sync *s, cp_sync_counter c);
/* How the last run read the directory: "full" (paged searches), "refresh"
 * (RFC 4533 without a cookie: the whole content), "incremental" (RFC 4533
 * from the cookie), "timestamp" (changed since the high-water mark), or
 * "" before any. Static storage. */
CP_EXPORT const char *cp_sync_mode(const cp_sync *s);

#ifdef __cplusplus
}
#endif
#endif /* CREDPOLICY_H */
