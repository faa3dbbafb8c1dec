/* pinyin.c - Han characters to toneless ASCII pinyin, one syllable each (R3).
 *
 * Passwords made from a Chinese name are typed in pinyin ("zhangwei"), so the
 * owner's name, stored in Han characters, is matched as pinyin. ICU's
 * "Han-Latin" transliterator knows one reading per character; the name rules
 * (surnames, polyphonic surname readings) are personal.c's business.
 *
 * Each character is transliterated on its own so that the output has exactly
 * one syllable per character, whatever ICU does with spacing. The tone marks
 * are dropped after NFD; u with diaeresis becomes "v", the spelling of every
 * Chinese input method (and the only use of "v" in pinyin, so personal.c can
 * derive the "u" spelling of passports from it).
 *
 * The transliterator costs ICU about 0.1 s to build (rule compilation), so
 * it is built once per process, on first use, and closed when the library is
 * unloaded. utrans_transUChars is not safe on one transliterator from several
 * threads; a mutex serialises the calls, which take microseconds and happen
 * only while personal information is added. */
#include "icu.h"
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

/* Longest syllable kept ("zhuang" is 6 letters). */
#define SYLLABLE_MAX 8
/* UTF-16 room for one transliterated character. */
#define UBUF_LEN 32

static pthread_once_t trans_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t trans_lock = PTHREAD_MUTEX_INITIALIZER;
static UTransliterator *trans;

/* Readings already made, by code point (direct-mapped; CJK code points are
 * contiguous, so their low bits spread well). A roster of 100,000 names
 * uses a few thousand characters: the cache spares ICU nearly every call.
 * Guarded by trans_lock. */
#define CACHE_SLOTS 4096
static struct {
	UChar32 cp; /* 0: empty (no Han character is U+0000) */
	char syl[SYLLABLE_MAX + 1];
} cache[CACHE_SLOTS];

static void trans_open(void)
{
	UChar id[32];
	UErrorCode err = U_ZERO_ERROR;
	cp_icu_u_uastrncpy(id, "Han-Latin; NFD", (int32_t)(sizeof(id) / sizeof(id[0])));
	trans = cp_icu_utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &err);
	if (U_FAILURE(err)) {
		cp_icu_utrans_close(trans);
		trans = NULL;
	}
}

void cp_pinyin_prepare(void)
{
	pthread_once(&trans_once, trans_open);
}

/* Runs at exit or dlclose, after which no thread may use the library. */
__attribute__((destructor)) static void trans_close(void)
{
	if (cp_icu_loaded())
		cp_icu_utrans_close(trans);
	trans = NULL;
	cp_wipe(cache, sizeof(cache));
}

/* Toneless ASCII spelling of NFD pinyin: letters kept, combining marks
 * dropped except the diaeresis, which turns the u before it into v.
 * Anything else non-ASCII means ICU had no reading: empty result. */
static void to_ascii(const UChar *u, int32_t n, char out[SYLLABLE_MAX + 1])
{
	size_t k = 0;
	for (int32_t i = 0; i < n; i++) {
		UChar c = u[i];
		if (c >= 'A' && c <= 'Z')
			c = (UChar)(c - 'A' + 'a');
		if (c >= 'a' && c <= 'z') {
			if (k == SYLLABLE_MAX)
				break;
			out[k++] = (char)c;
		} else if (c == 0x0308 && k > 0 && out[k - 1] == 'u') {
			out[k - 1] = 'v';
		} else if (c >= 0x80 && !(c >= 0x0300 && c <= 0x036f)) {
			k = 0;
			break;
		}
	}
	out[k] = '\0';
}

/* Pinyin of one Han code point into out (empty when ICU has none). */
static int syllable_of(UChar32 c, char out[SYLLABLE_MAX + 1])
{
	UChar buf[UBUF_LEN];
	int32_t len = 0;
	UBool bad = false;
	UErrorCode err = U_ZERO_ERROR;

	U16_APPEND(buf, len, UBUF_LEN, c, bad);
	if (bad)
		return CP_ERR_UNICODE;
	int32_t limit = len;
	unsigned slot = (unsigned)c % CACHE_SLOTS;
	pthread_mutex_lock(&trans_lock);
	if (cache[slot].cp == c) {
		memcpy(out, cache[slot].syl, SYLLABLE_MAX + 1);
	} else {
		cp_icu_utrans_transUChars(trans, buf, &len, UBUF_LEN, 0, &limit, &err);
		if (U_FAILURE(err) || len > UBUF_LEN)
			out[0] = '\0';
		else
			to_ascii(buf, len, out);
		cache[slot].cp = c;
		memcpy(cache[slot].syl, out, SYLLABLE_MAX + 1);
	}
	pthread_mutex_unlock(&trans_lock);
	cp_wipe(buf, sizeof(buf));
	return CP_OK;
}

/* Characters allowed between the Han ones: spaces and middle dots. */
static bool is_spacer(UChar32 c)
{
	return c == ' ' || c == '\t' || c == 0x00b7 || c == 0x2022 || c == 0x30fb || c == 0x3000;
}

static bool is_han(UChar32 c)
{
	if (c < 0x80) /* spares ASCII names the loading of ICU */
		return false;
	UErrorCode err = U_ZERO_ERROR;
	return cp_icu_uscript_getScript(c, &err) == USCRIPT_HAN && U_SUCCESS(err);
}

void cp_pinyin_free(char **syllables, size_t count)
{
	if (syllables == NULL)
		return;
	for (size_t i = 0; i < count; i++)
		cp_free_secret(syllables[i]);
	free(syllables);
}

/* Han characters of name, separated by nothing or by spacers; at least one.
 * Returns the count, or -1 when something else is there. */
static long count_han(const char *name, int32_t len)
{
	long n = 0;
	for (int32_t i = 0; i < len;) {
		UChar32 c;
		U8_NEXT(name, i, len, c);
		if (c >= 0 && is_han(c))
			n++;
		else if (c < 0 || !is_spacer(c))
			return -1;
	}
	return n > 0 ? n : -1;
}

/* Fill syl[0..count-1] with the syllables of the Han characters of name. */
static int fill_syllables(const char *name, int32_t len, char **syl, size_t count)
{
	char one[SYLLABLE_MAX + 1];
	size_t k = 0;
	int rc = CP_OK;
	for (int32_t i = 0; i < len && k < count;) {
		UChar32 c;
		U8_NEXT(name, i, len, c);
		if (c < 0 || !is_han(c))
			continue;
		rc = syllable_of(c, one);
		if (rc != CP_OK)
			break;
		syl[k] = strdup(one);
		if (syl[k] == NULL) {
			rc = CP_ERR_NOMEM;
			break;
		}
		k++;
	}
	cp_wipe(one, sizeof(one));
	return rc;
}

/* A character ICU has no reading for (rare characters of the supplementary
 * planes, for instance) gives an empty syllable rather than an error: the
 * rest of the name is still worth matching. */
int cp_pinyin_syllables(const char *name, char ***syllables, size_t *count)
{
	if (name == NULL || syllables == NULL || count == NULL)
		return CP_ERR_INVAL;
	*syllables = NULL;
	*count = 0;
	size_t len = strlen(name);
	if (len > INT32_MAX)
		return CP_ERR_INVAL;
	if (cp_utf8_validate(name, len) < 0)
		return CP_ERR_UTF8;
	long n = count_han(name, (int32_t)len);
	if (n < 0)
		return CP_ERR_INVAL;
	pthread_once(&trans_once, trans_open);
	if (trans == NULL)
		return CP_ERR_UNICODE;

	char **syl = calloc((size_t)n, sizeof(*syl));
	if (syl == NULL)
		return CP_ERR_NOMEM;
	int rc = fill_syllables(name, (int32_t)len, syl, (size_t)n);
	if (rc != CP_OK) {
		cp_pinyin_free(syl, (size_t)n);
		return rc;
	}
	*syllables = syl;
	*count = (size_t)n;
	return CP_OK;
}
