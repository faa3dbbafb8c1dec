/* normalize.c - Unicode normalisation of passwords and words (R1, R2, R4, R5).
 *
 * Passwords typed with a Chinese input method often arrive in full width
 * (Ａ１！). NFKC maps them to the ASCII they stand for, so they are counted
 * and compared as what they are. ICU does the Unicode work; plain ASCII, by
 * far the common case, never reaches ICU: NFKC is the identity on it. */
#include "internal.h"
#include "icu.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/utf8.h>

static bool is_ascii(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

static int dup_bytes(const char *in, size_t len, char **out, size_t *outlen)
{
	char *s = malloc(len + 1);
	if (s == NULL)
		return CP_ERR_NOMEM;
	memcpy(s, in, len);
	s[len] = '\0';
	*out = s;
	*outlen = len;
	return CP_OK;
}

/* UTF-8 -> malloc'ed UTF-16 (wiped on free by the caller). */
static int to_utf16(const char *in, size_t len, UChar **out, int32_t *outlen)
{
	UErrorCode err = U_ZERO_ERROR;
	int32_t n = 0;
	cp_icu_u_strFromUTF8(NULL, 0, &n, in, (int32_t)len, &err);
	if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err))
		return CP_ERR_UTF8;
	UChar *buf = malloc(((size_t)n + 1) * sizeof(UChar));
	if (buf == NULL)
		return CP_ERR_NOMEM;
	err = U_ZERO_ERROR;
	cp_icu_u_strFromUTF8(buf, n + 1, NULL, in, (int32_t)len, &err);
	if (U_FAILURE(err)) {
		cp_free_wiped(buf, ((size_t)n + 1) * sizeof(UChar));
		return CP_ERR_UTF8;
	}
	*out = buf;
	*outlen = n;
	return CP_OK;
}

/* UTF-16 -> malloc'ed UTF-8. */
static int from_utf16(const UChar *in, int32_t len, char **out, size_t *outlen)
{
	UErrorCode err = U_ZERO_ERROR;
	int32_t n = 0;
	cp_icu_u_strToUTF8(NULL, 0, &n, in, len, &err);
	if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err))
		return CP_ERR_UNICODE;
	char *buf = malloc((size_t)n + 1);
	if (buf == NULL)
		return CP_ERR_NOMEM;
	err = U_ZERO_ERROR;
	cp_icu_u_strToUTF8(buf, n + 1, NULL, in, len, &err);
	if (U_FAILURE(err)) {
		cp_free_wiped(buf, (size_t)n + 1);
		return CP_ERR_UNICODE;
	}
	*out = buf;
	*outlen = (size_t)n;
	return CP_OK;
}

typedef int32_t (*u16_transform)(const UChar *src, int32_t srclen, UChar *dst,
                                 int32_t dstcap, UErrorCode *err);

static int32_t nfkc_transform(const UChar *src, int32_t srclen, UChar *dst, int32_t dstcap,
                              UErrorCode *err)
{
	const UNormalizer2 *nfkc = cp_icu_unorm2_getNFKCInstance(err);
	if (U_FAILURE(*err))
		return 0;
	return cp_icu_unorm2_normalize(nfkc, src, srclen, dst, dstcap, err);
}

static int32_t fold_transform(const UChar *src, int32_t srclen, UChar *dst, int32_t dstcap,
                              UErrorCode *err)
{
	return cp_icu_u_strFoldCase(dst, dstcap, src, srclen, U_FOLD_CASE_DEFAULT, err);
}

/* Apply a UTF-16 transformation to UTF-8 text, wiping every intermediate. */
static int transform_utf8(const char *in, size_t len, u16_transform fn, char **out,
                          size_t *outlen)
{
	UChar *src = NULL, *dst = NULL;
	int32_t srclen = 0, cap = 0;
	/* Without ICU, to_utf16 would fail as if the (valid) input were not UTF-8. */
	if (!cp_icu_load())
		return CP_ERR_UNICODE;
	int rc = to_utf16(in, len, &src, &srclen);
	if (rc != CP_OK)
		return rc;
	/* NFKC and folding expand by a small factor at most (U+FDFA: 18). */
	cap = srclen * 18 + 1;
	dst = malloc((size_t)cap * sizeof(UChar));
	if (dst == NULL) {
		rc = CP_ERR_NOMEM;
		goto out;
	}
	UErrorCode err = U_ZERO_ERROR;
	int32_t n = fn(src, srclen, dst, cap, &err);
	rc = U_FAILURE(err) ? CP_ERR_UNICODE : from_utf16(dst, n, out, outlen);
out:
	cp_free_wiped(src, ((size_t)srclen + 1) * sizeof(UChar));
	cp_free_wiped(dst, (size_t)cap * sizeof(UChar));
	return rc;
}

int cp_nfkc(const char *in, size_t len, char **out, size_t *outlen, size_t *nchars)
{
	if (cp_utf8_validate(in, len) < 0)
		return CP_ERR_UTF8;
	int rc = is_ascii(in, len) ? dup_bytes(in, len, out, outlen)
	                           : transform_utf8(in, len, nfkc_transform, out, outlen);
	if (rc == CP_OK && nchars != NULL)
		*nchars = (size_t)cp_utf8_validate(*out, *outlen);
	return rc;
}

int cp_fold(const char *in, size_t len, char **out, size_t *outlen)
{
	if (!is_ascii(in, len))
		return transform_utf8(in, len, fold_transform, out, outlen);
	int rc = dup_bytes(in, len, out, outlen);
	if (rc == CP_OK)
		for (size_t i = 0; i < len; i++)
			if ((*out)[i] >= 'A' && (*out)[i] <= 'Z')
				(*out)[i] = (char)((*out)[i] - 'A' + 'a');
	return rc;
}

int cp_normalize_key(const char *in, size_t len, char **out, size_t *outlen)
{
	char *nfkc = NULL;
	size_t nlen = 0;
	int rc = cp_nfkc(in, len, &nfkc, &nlen, NULL);
	if (rc != CP_OK)
		return rc;
	rc = cp_fold(nfkc, nlen, out, outlen);
	cp_free_wiped(nfkc, nlen);
	return rc;
}

static unsigned class_of(UChar32 c)
{
	if (c < 0x80) {
		if (c >= 'A' && c <= 'Z')
			return CP_CLASS_UPPER;
		if (c >= 'a' && c <= 'z')
			return CP_CLASS_LOWER;
		if (c >= '0' && c <= '9')
			return CP_CLASS_DIGIT;
		return CP_CLASS_OTHER;
	}
	if (cp_icu_u_isupper(c) || cp_icu_u_istitle(c))
		return CP_CLASS_UPPER;
	if (cp_icu_u_islower(c))
		return CP_CLASS_LOWER;
	if (cp_icu_u_isdigit(c))
		return CP_CLASS_DIGIT;
	return CP_CLASS_OTHER;
}

unsigned cp_char_classes(const char *s, size_t len)
{
	unsigned classes = 0;
	int32_t i = 0;
	while ((size_t)i < len) {
		UChar32 c;
		U8_NEXT(s, i, (int32_t)len, c);
		classes |= c < 0 ? CP_CLASS_OTHER : class_of(c);
	}
	return classes;
}
