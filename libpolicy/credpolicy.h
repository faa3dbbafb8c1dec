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

/* Path of the banned-password index (key "index"); owned by cfg. */
CP_EXPORT const char *cp_config_index_path(const cp_config *cfg);

/* Whether a missing or unreadable index rejects every password (true,
 * key "index_missing = reject") or only skips the R4/R5 word checks. */
CP_EXPORT bool cp_config_index_required(const cp_config *cfg);

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

/* Derived tokens, normalised (lower case ASCII/pinyin, digits). Owned by p. */
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

#ifdef __cplusplus
}
#endif
#endif /* CREDPOLICY_H */
