/* internal.h - declarations shared by libcredpolicy's sources, not exported. */
#ifndef CP_INTERNAL_H
#define CP_INTERNAL_H

#include "config.h"
#include "credpolicy.h"
#include "i18n.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define CP_HIDDEN __attribute__((visibility("hidden")))

/* ---- util.c ---- */

/* The one wipe primitive: explicit_bzero, never optimised away. */
void cp_wipe(void *p, size_t n);
/* Wipe a NUL-terminated secret and free it. NULL is fine. */
void cp_free_secret(char *s);
/* Wipe len bytes of a buffer and free it. NULL is fine. */
void cp_free_wiped(void *p, size_t len);
/* If errmsg is not NULL, set *errmsg to a malloc'ed formatted message
 * (NULL if out of memory). Never pass a secret as an argument. */
void cp_set_errmsg(char **errmsg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* malloc'ed printf; NULL on out of memory. */
char *cp_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Validate UTF-8 (no NUL, no overlongs, no surrogates, <= U+10FFFF).
 * Returns the number of code points, or -1 when invalid. */
long cp_utf8_validate(const char *s, size_t len);

/* ---- normalize.c ---- */

/* NFKC of UTF-8 input (validated: invalid UTF-8 or NUL -> CP_ERR_UTF8).
 * *out is malloc'ed, NUL-terminated, to be released with cp_free_wiped;
 * *nchars gets its length in code points. ASCII input takes a fast path. */
int cp_nfkc(const char *in, size_t len, char **out, size_t *outlen, size_t *nchars);
/* Full Unicode case folding of valid UTF-8; same ownership as cp_nfkc. */
int cp_fold(const char *in, size_t len, char **out, size_t *outlen);
/* NFKC then case fold: the form index entries and lookups are compared in. */
int cp_normalize_key(const char *in, size_t len, char **out, size_t *outlen);

/* Character classes of R2, counted over NFKC text. */
enum {
	CP_CLASS_UPPER = 1 << 0,
	CP_CLASS_LOWER = 1 << 1,
	CP_CLASS_DIGIT = 1 << 2,
	CP_CLASS_OTHER = 1 << 3,
};
/* Bit set of the classes present in valid UTF-8 text. Letters without case
 * (Han, for instance) count as OTHER. */
unsigned cp_char_classes(const char *s, size_t len);

/* ---- leet.c ---- */

/* Upper bound on the strings a cp_variants set holds. */
#define CP_LEET_MAX_VARIANTS 32
/* Ambiguous characters (1 as i or l) of which both readings are tried:
 * the first three; later ones take their first reading. */
#define CP_LEET_AMBIGUOUS_BITS 3

/* A set of candidate spellings of a password, all derived from its folded
 * form; every string is a wiped-on-free secret. */
typedef struct cp_variants {
	char *v[CP_LEET_MAX_VARIANTS];
	size_t len[CP_LEET_MAX_VARIANTS];
	size_t n;
} cp_variants;

/* Undo leet substitutions (@->a, 0->o, 1->i or l, 3->e, $ and 5->s, 7->t,
 * ...) in folded text. Ambiguous characters produce several variants,
 * at most 2^CP_LEET_AMBIGUOUS_BITS of them; variants[0] is the most likely reading.
 * Non-ASCII bytes are kept as they are. */
int cp_leet_variants(const char *folded, size_t len, cp_variants *out);
/* Strip leading and trailing ASCII digits and symbols; returns the core as
 * an offset and length into s (length 0 if nothing is left). With
 * keep_leet, symbols that read as letters (@, $, !, ...) are kept, so that
 * "@dmin123" keeps "@dmin". */
void cp_strip_affixes(const char *s, size_t len, bool keep_leet, size_t *off, size_t *corelen);
void cp_variants_free(cp_variants *v);
/* Whether every ASCII character of s is a letter or reads as one: only
 * such text can be a word once leet is undone. */
bool cp_leet_readable(const char *s, size_t len);
/* Append a copy of s; duplicates are skipped. CP_OK, or CP_ERR_NOMEM;
 * silently ignored when the set is full. */
int cp_variants_add(cp_variants *v, const char *s, size_t len);

/* ---- patterns.c ---- */

enum {
	CP_PAT_KEYBOARD = 1 << 0,
	CP_PAT_SEQUENCE = 1 << 1,
	CP_PAT_REPEAT = 1 << 2,
};
/* Look for keyboard walks (US layout, rows, columns, diagonals, shifted or
 * not), ascending/descending sequences and repeated characters in folded
 * text. Returns the CP_PAT_* bits of the patterns that together leave
 * fewer than min_rest characters of the password outside any pattern; 0
 * if the password has enough that is not a pattern. */
unsigned cp_patterns_check(const char *folded, size_t len, size_t min_rest);

/* ---- personal.c / pinyin.c ---- */

/* Tokens shorter than this are not matched (except where noted there). */
#define CP_MIN_TOKEN_LEN 3

/* Whether any token of p, or its reverse, occurs as a substring of text
 * (folded, or a leet variant of it). */
bool cp_person_matches(const cp_person *p, const char *text, size_t len);

/* Pinyin syllables of a name in Han characters: a malloc'ed array of
 * malloc'ed lower-case ASCII syllables, one per Han character (a
 * non-Han name gives CP_ERR_INVAL). Free with cp_pinyin_free. */
int cp_pinyin_syllables(const char *name, char ***syllables, size_t *count);
void cp_pinyin_free(char **syllables, size_t count);
/* Build ICU's transliterator now (0.1 s) instead of at the first name. */
void cp_pinyin_prepare(void);

/* ---- index.c ---- */

/* Lookup of an already normalised (cp_normalize_key) string. */
bool cp_index_contains_norm(const cp_index *idx, cp_entry_kind kind, const char *norm, size_t len);

/* ---- similar.c ---- */

/* R6: 2 if password equals old, 1 if it is too similar (libpwquality's
 * similarity checks with difok), 0 if not, negative cp_error on failure. */
int cp_too_similar(const char *password, const char *old, unsigned difok);

/* ---- config.c ---- */

/* R5: a password whose characters outside patterns are fewer than this
 * is rejected (key "pattern_min_rest"). */
size_t cp_config_pattern_min_rest(const cp_config *cfg);

#endif
