/* check.c - the password rule engine (R1-R6) and its verdicts.
 *
 * cp_check runs every rule and reports every reason, not just the first:
 * a user told "too short" who then meets "dictionary word" has been made to
 * guess twice. All derived copies of the password live in struct work and
 * are wiped at the one exit of cp_check. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Reasons, in the order they are reported. Codes are stable API. */
enum reason {
	R_TOO_SHORT,
	R_TOO_FEW_CLASSES,
	R_DICTIONARY_WORD,
	R_COMMAND_NAME,
	R_COMMON_PASSWORD,
	R_KEYBOARD_PATTERN,
	R_SEQUENCE,
	R_REPEATED_CHARS,
	R_PERSONAL_INFO,
	R_TOO_SIMILAR,
	R_REUSED,
	R_COUNT
};

static const char *const reason_codes[R_COUNT] = {
	"too_short",        "too_few_classes", "dictionary_word", "command_name",
	"common_password",  "keyboard_pattern", "sequence",       "repeated_chars",
	"personal_info",    "too_similar",     "reused",
};

struct cp_checker {
	const cp_config *cfg;
	const cp_index *idx;
	cp_index *owned_idx;
};

struct cp_verdict {
	size_t n;
	const char *code[R_COUNT];
	char *message[R_COUNT];
};

/* Every form of the password the rules look at. */
struct work {
	const cp_class *cls;
	char *nfkc;
	size_t nfkc_len, nchars;
	char *folded;
	size_t folded_len;
	cp_variants leet;   /* leet readings of the whole folded password */
	cp_variants cores;  /* readings of its core, affixes stripped (R4) */
	unsigned found[R_COUNT];
};

/* ------------------------------------------------------------ checkers */

CP_EXPORT int cp_checker_new_with_index(const cp_config *cfg, const cp_index *idx,
                                        cp_checker **out)
{
	if (cfg == NULL || out == NULL)
		return CP_ERR_INVAL;
	cp_checker *ck = calloc(1, sizeof(*ck));
	if (ck == NULL)
		return CP_ERR_NOMEM;
	ck->cfg = cfg;
	ck->idx = idx;
	*out = ck;
	return CP_OK;
}

CP_EXPORT int cp_checker_new(const cp_config *cfg, cp_checker **out, char **errmsg)
{
	if (errmsg != NULL)
		*errmsg = NULL;
	if (cfg == NULL || out == NULL)
		return CP_ERR_INVAL;
	cp_index *idx = NULL;
	int rc = cp_index_open(cp_config_index_path(cfg), &idx, errmsg);
	if (rc != CP_OK && cp_config_index_required(cfg))
		return rc;
	rc = cp_checker_new_with_index(cfg, idx, out);
	if (rc != CP_OK) {
		cp_index_close(idx);
		return rc;
	}
	(*out)->owned_idx = idx;
	return CP_OK;
}

CP_EXPORT void cp_checker_free(cp_checker *ck)
{
	if (ck == NULL)
		return;
	cp_index_close(ck->owned_idx);
	free(ck);
}

CP_EXPORT bool cp_checker_has_index(const cp_checker *ck)
{
	return ck != NULL && ck->idx != NULL;
}

/* ------------------------------------------------------------ messages */

static char *reason_message(enum reason r, const cp_class *cls)
{
	unsigned len = cp_class_min_length(cls), classes = cp_class_min_classes(cls);
	switch (r) {
	case R_TOO_SHORT:
		return cp_asprintf(cp_ngettext("Use at least %u character.",
		                               "Use at least %u characters.", len), len);
	case R_TOO_FEW_CLASSES:
		return cp_asprintf(cp_ngettext(
			"Use at least %u of the four kinds of character: upper-case letters, "
			"lower-case letters, digits and symbols.",
			"Use at least %u of the four kinds of character: upper-case letters, "
			"lower-case letters, digits and symbols.", classes), classes);
	case R_DICTIONARY_WORD:
		return strdup(_("It is a single dictionary word, even with look-alike digits or "
		                "symbols and added numbers. Combine several unrelated words."));
	case R_COMMAND_NAME:
		return strdup(_("It is the name of a command. Choose something else."));
	case R_COMMON_PASSWORD:
		return strdup(_("It is on the list of common or leaked passwords."));
	case R_KEYBOARD_PATTERN:
		return strdup(_("It is mostly a pattern of neighbouring keys on the keyboard."));
	case R_SEQUENCE:
		return strdup(_("It is mostly a run of consecutive letters or digits."));
	case R_REPEATED_CHARS:
		return strdup(_("It is mostly a repeated character or a repeated group of "
		                "characters."));
	case R_PERSONAL_INFO:
		return strdup(_("It contains personal information: a name (also in pinyin), "
		                "user name, e-mail address, phone number, birthday, ID-card or "
		                "employee number."));
	case R_TOO_SIMILAR:
		return strdup(_("It is too similar to the old password."));
	case R_REUSED:
		return strdup(_("It has been used before. Choose a password you have not used."));
	default:
		return NULL;
	}
}

static int verdict_build(const struct work *w, cp_verdict **out)
{
	cp_verdict *v = calloc(1, sizeof(*v));
	if (v == NULL)
		return CP_ERR_NOMEM;
	for (int r = 0; r < R_COUNT; r++) {
		if (!w->found[r])
			continue;
		v->code[v->n] = reason_codes[r];
		v->message[v->n] = reason_message((enum reason)r, w->cls);
		if (v->message[v->n++] == NULL) {
			cp_verdict_free(v);
			return CP_ERR_NOMEM;
		}
	}
	*out = v;
	return CP_OK;
}

CP_EXPORT void cp_verdict_free(cp_verdict *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < v->n; i++)
		free(v->message[i]);
	free(v);
}

CP_EXPORT bool cp_verdict_ok(const cp_verdict *v)
{
	return v != NULL && v->n == 0;
}

CP_EXPORT size_t cp_verdict_count(const cp_verdict *v)
{
	return v != NULL ? v->n : 0;
}

CP_EXPORT const char *cp_verdict_code(const cp_verdict *v, size_t i)
{
	return v != NULL && i < v->n ? v->code[i] : NULL;
}

CP_EXPORT const char *cp_verdict_message(const cp_verdict *v, size_t i)
{
	return v != NULL && i < v->n ? v->message[i] : NULL;
}

CP_EXPORT bool cp_verdict_has(const cp_verdict *v, const char *code)
{
	for (size_t i = 0; code != NULL && i < cp_verdict_count(v); i++)
		if (strcmp(v->code[i], code) == 0)
			return true;
	return false;
}

/* --------------------------------------------------------------- rules */

static unsigned popcount(unsigned x)
{
	return (unsigned)__builtin_popcount(x);
}

/* R1, R2: counted in characters of the NFKC form, so full-width Ａ１！
 * counts as the ASCII it stands for. */
static void check_length_and_classes(struct work *w)
{
	w->found[R_TOO_SHORT] = w->nchars < cp_class_min_length(w->cls);
	unsigned classes = cp_char_classes(w->nfkc, w->nfkc_len);
	w->found[R_TOO_FEW_CLASSES] = popcount(classes) < cp_class_min_classes(w->cls);
}

/* Leet readings of folded[b, e), added to the set of cores. */
static int add_core_readings(struct work *w, size_t b, size_t e)
{
	if (!cp_leet_readable(w->folded + b, e - b))
		return CP_OK; /* "horqin%river" cannot be one word however read */
	cp_variants readings = {0};
	int rc = cp_leet_variants(w->folded + b, e - b, &readings);
	for (size_t i = 0; rc == CP_OK && i < readings.n; i++)
		rc = cp_variants_add(&w->cores, readings.v[i], readings.len[i]);
	cp_variants_free(&readings);
	return rc;
}

/* Cores of the password for R4: the folded password stripped of leading
 * and trailing digits and symbols ("p@ssw0rd" of "P@ssw0rd2024", read as
 * "password"), and with some of the letter-like symbols at its ends kept:
 * "@dmin" of "@dmin123" is "admin", "umbr3ll@" of "Umbr3ll@!" "umbrella".
 * At most three starts and three ends: the cost stays bounded. */
static int derive_cores(struct work *w)
{
	size_t b1, l1, b0, l0;
	cp_strip_affixes(w->folded, w->folded_len, false, &b1, &l1);
	cp_strip_affixes(w->folded, w->folded_len, true, &b0, &l0);
	if (l1 == 0)
		return CP_OK;
	size_t e1 = b1 + l1, e0 = b0 + l0;
	size_t starts[3] = {b1, b1 > b0 ? b1 - 1 : b1, b0};
	size_t ends[3] = {e1, e1 < e0 ? e1 + 1 : e1, e0};
	int rc = CP_OK;
	for (int i = 0; i < 3 && rc == CP_OK; i++)
		for (int j = 0; j < 3 && rc == CP_OK; j++)
			if ((i == 0 || starts[i] != starts[i - 1]) && (j == 0 || ends[j] != ends[j - 1]))
				rc = add_core_readings(w, starts[i], ends[j]);
	return rc;
}

static bool any_in_index(const cp_index *idx, cp_entry_kind kind, const cp_variants *set)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->len[i] >= 3 && cp_index_contains_norm(idx, kind, set->v[i], set->len[i]))
			return true;
	return false;
}

static bool is_ascii_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
}

/* The common-password lists hold passwords as people type them; a
 * password matches when it, it without the symbols at its ends
 * ("woaini1314!"), or its core without digits either ("Dragon#2024"),
 * is in them. */
static bool is_common(const struct work *w, const cp_index *idx)
{
	const char *s = w->folded;
	size_t b = 0, e = w->folded_len, off, len;
	if (cp_index_contains_norm(idx, CP_ENTRY_PASSWORD, s, e))
		return true;
	while (b < e && (unsigned char)s[b] < 0x80 && !is_ascii_alnum((unsigned char)s[b]))
		b++;
	while (e > b && (unsigned char)s[e - 1] < 0x80 && !is_ascii_alnum((unsigned char)s[e - 1]))
		e--;
	if ((b > 0 || e < w->folded_len) && e - b >= 4 &&
	    cp_index_contains_norm(idx, CP_ENTRY_PASSWORD, s + b, e - b))
		return true;
	cp_strip_affixes(s, w->folded_len, false, &off, &len);
	return len >= 4 && cp_index_contains_norm(idx, CP_ENTRY_PASSWORD, s + off, len);
}

/* R4 and R5's list: a core as a word or command; the password as a known
 * common or leaked one. */
static void check_index(struct work *w, const cp_index *idx)
{
	if (idx == NULL)
		return;
	w->found[R_DICTIONARY_WORD] = any_in_index(idx, CP_ENTRY_WORD, &w->cores);
	w->found[R_COMMAND_NAME] = any_in_index(idx, CP_ENTRY_COMMAND, &w->cores);
	w->found[R_COMMON_PASSWORD] = is_common(w, idx);
}

static void check_patterns(struct work *w, size_t min_rest)
{
	unsigned pat = cp_patterns_check(w->folded, w->folded_len, min_rest);
	w->found[R_KEYBOARD_PATTERN] = (pat & CP_PAT_KEYBOARD) != 0;
	w->found[R_SEQUENCE] = (pat & CP_PAT_SEQUENCE) != 0;
	w->found[R_REPEATED_CHARS] = (pat & CP_PAT_REPEAT) != 0;
}

/* R3: personal tokens in the folded password or any leet reading of it. */
static void check_personal(struct work *w, const cp_person *person)
{
	if (person == NULL)
		return;
	bool hit = cp_person_matches(person, w->folded, w->folded_len);
	for (size_t i = 0; !hit && i < w->leet.n; i++)
		hit = cp_person_matches(person, w->leet.v[i], w->leet.len[i]);
	w->found[R_PERSONAL_INFO] = hit;
}

/* R6: compared in NFKC form, so a full-width copy of the old one is it. */
static int check_old(struct work *w, const char *old)
{
	if (old == NULL)
		return CP_OK;
	char *old_nfkc = NULL;
	size_t old_len = 0;
	int rc = cp_nfkc(old, strlen(old), &old_nfkc, &old_len, NULL);
	if (rc == CP_ERR_UTF8)
		return CP_OK; /* an old password we cannot read resembles nothing */
	if (rc != CP_OK)
		return rc;
	rc = cp_too_similar(w->nfkc, old_nfkc, cp_class_similarity(w->cls));
	cp_free_wiped(old_nfkc, old_len);
	if (rc < 0)
		return rc;
	w->found[R_REUSED] = rc == 2;
	w->found[R_TOO_SIMILAR] = rc == 1;
	return CP_OK;
}

/* The forms of the password the rules need; leet readings of the whole
 * password only serve R3, so they wait for a person. */
static int prepare(struct work *w, const char *password, const cp_person *person)
{
	size_t len = strlen(password);
	if (len > CP_MAX_PASSWORD_BYTES)
		return CP_ERR_TOOLONG;
	int rc = cp_nfkc(password, len, &w->nfkc, &w->nfkc_len, &w->nchars);
	if (rc == CP_OK)
		rc = cp_fold(w->nfkc, w->nfkc_len, &w->folded, &w->folded_len);
	if (rc == CP_OK && w->folded_len > CP_MAX_PASSWORD_BYTES)
		rc = CP_ERR_TOOLONG; /* NFKC can expand: U+FDFA is 18 characters */
	if (rc == CP_OK && person != NULL)
		rc = cp_leet_variants(w->folded, w->folded_len, &w->leet);
	if (rc == CP_OK)
		rc = derive_cores(w);
	return rc;
}

static void work_wipe(struct work *w)
{
	cp_free_wiped(w->nfkc, w->nfkc_len);
	cp_free_wiped(w->folded, w->folded_len);
	cp_variants_free(&w->leet);
	cp_variants_free(&w->cores);
	cp_wipe(w, sizeof(*w));
}

CP_EXPORT int cp_check(const cp_checker *ck, const char *class_name, const char *password,
                       const char *old_password, const cp_person *person, cp_verdict **out)
{
	if (ck == NULL || password == NULL || out == NULL)
		return CP_ERR_INVAL;
	*out = NULL;
	struct work w = {0};
	w.cls = cp_config_class(ck->cfg, class_name);
	if (w.cls == NULL)
		return CP_ERR_NOTFOUND;
	int rc = prepare(&w, password, person);
	if (rc != CP_OK)
		goto out;
	check_length_and_classes(&w);
	check_index(&w, ck->idx);
	check_patterns(&w, cp_config_pattern_min_rest(ck->cfg));
	check_personal(&w, person);
	rc = check_old(&w, old_password);
	if (rc == CP_OK)
		rc = verdict_build(&w, out);
out:
	work_wipe(&w);
	return rc;
}
