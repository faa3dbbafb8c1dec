/* ldap_values.c - the values a directory sends, checked before anything
 * is made of them (issue 5).
 *
 * A directory is a source of truth for the ledger, not a trusted one: its
 * values come from people and tools the host does not control. Every value
 * is checked here for what the ledger can store (UTF-8, no NUL, no control
 * character, a length limit) and for its syntax (GeneralizedTime, Boolean,
 * UUID), by pure functions over (pointer, length) - values in an LDAP
 * message are not NUL-terminated - so that tests/fuzz/fuzz_ldap_values.c
 * can feed them anything. */
#include "sync_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ldv_problem ldv_text(const char *s, size_t len, size_t max, bool free_text)
{
	if (len == 0)
		return LDV_EMPTY;
	if (len > max)
		return LDV_TOOLONG;
	if (memchr(s, '\0', len) != NULL || cp_utf8_validate(s, len) < 0)
		return LDV_UTF8;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		/* C1 controls are U+0080-U+009F: 0xc2 0x80-0x9f (valid UTF-8 here). */
		bool c1 = c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] < 0xa0;
		if ((c < 0x20 && !(free_text && c == '\t')) || c == 0x7f || c1)
			return LDV_CONTROL;
	}
	return LDV_OK;
}

enum ldv_problem ldv_name(const char *s, size_t len)
{
	enum ldv_problem p = ldv_text(s, len, SYNC_ID_MAX, false);
	if (p != LDV_OK)
		return p;
	/* Filter metacharacters (RFC 4515): a name is escaped wherever it goes
	 * into a filter, but one that needs escaping is no account or
	 * employee id a regulation-minded directory hands out, and in a
	 * message or a shell pipeline it is a trap. */
	for (size_t i = 0; i < len; i++)
		if (s[i] == '*' || s[i] == '(' || s[i] == ')' || s[i] == '\\')
			return LDV_FILTER;
	return LDV_OK;
}

static bool ascii_ieq(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);
	if (len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((s[i] >= 'a' && s[i] <= 'z' ? s[i] - 'a' + 'A' : s[i]) != word[i])
			return false;
	return true;
}

enum ldv_problem ldv_bool(const char *s, size_t len, bool *out)
{
	if (len == 0)
		return LDV_EMPTY;
	if (ascii_ieq(s, len, "TRUE") || ascii_ieq(s, len, "FALSE")) {
		*out = ascii_ieq(s, len, "TRUE");
		return LDV_OK;
	}
	return LDV_SYNTAX;
}

/* n digits at s[*i] as a number; false if they are not all digits. */
static bool digits(const char *s, size_t len, size_t *i, unsigned n, int *out)
{
	int v = 0;
	if (*i + n > len)
		return false;
	for (unsigned k = 0; k < n; k++) {
		char c = s[*i + k];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*i += n;
	*out = v;
	return true;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (the well-known
 * era algorithm: constant time whatever year a value names). */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t yy = y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The zone at s[i..]: Z, or +hh[mm] / -hh[mm]; *offset in seconds east. */
static enum ldv_problem zone(const char *s, size_t len, size_t i, int64_t *offset)
{
	int hh = 0, mm = 0;
	if (i + 1 == len && s[i] == 'Z') {
		*offset = 0;
		return LDV_OK;
	}
	if (i >= len || (s[i] != '+' && s[i] != '-'))
		return LDV_SYNTAX;
	size_t j = i + 1;
	if (!digits(s, len, &j, 2, &hh) || (j < len && !digits(s, len, &j, 2, &mm)) || j != len)
		return LDV_SYNTAX;
	if (hh > 23 || mm > 59)
		return LDV_RANGE;
	*offset = (s[i] == '-' ? -1 : 1) * ((int64_t)hh * 3600 + mm * 60);
	return LDV_OK;
}

/* YYYYMMDDHH[MM[SS]], the parts that are there; *i after them. */
static enum ldv_problem date_time(const char *s, size_t len, size_t *i, int v[6])
{
	static const unsigned width[6] = {4, 2, 2, 2, 2, 2};
	v[4] = v[5] = 0;
	for (size_t k = 0; k < 6; k++) {
		bool optional = k >= 4;
		if (optional && (*i >= len || s[*i] < '0' || s[*i] > '9'))
			break;
		if (!digits(s, len, i, width[k], &v[k]))
			return LDV_SYNTAX;
	}
	return LDV_OK;
}

static bool in_range(const int v[6])
{
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > mdays[v[1] - 1])
		return false;
	if (v[1] == 2 && v[2] == 29 && !leap(v[0]))
		return false;
	return v[3] <= 23 && v[4] <= 59 && v[5] <= 60; /* 60: a leap second */
}

enum ldv_problem ldv_time(const char *s, size_t len, bool allow_zero, int64_t *out)
{
	int v[6];
	size_t i = 0;
	int64_t offset = 0;
	if (len == 0)
		return LDV_EMPTY;
	if (len > 64)
		return LDV_TOOLONG;
	enum ldv_problem p = date_time(s, len, &i, v);
	if (p == LDV_OK && i < len && (s[i] == '.' || s[i] == ',')) {
		size_t start = ++i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start)
			p = LDV_SYNTAX;
	}
	if (p == LDV_OK)
		p = zone(s, len, i, &offset);
	if (p != LDV_OK)
		return p;
	if (allow_zero && v[0] == 0 && v[1] == 1 && v[2] == 1 && v[3] == 0 && v[4] == 0 &&
	    v[5] == 0) {
		*out = 0; /* ppolicy: locked by an administrator, no automatic unlock */
		return LDV_OK;
	}
	if (v[0] < 1970 || !in_range(v))
		return LDV_RANGE;
	int64_t t = days_from_civil(v[0], v[1], v[2]) * 86400 + v[3] * 3600 + v[4] * 60 + v[5];
	*out = t - offset;
	return *out >= 0 ? LDV_OK : LDV_RANGE;
}

static bool all_digits(const char *s, size_t len)
{
	for (size_t k = 0; k < len; k++) /* s is not NUL-terminated */
		if (s[k] < '0' || s[k] > '9')
			return false;
	return len > 0;
}

/* s (not NUL-terminated) is "0", "00"...: AD's "never" or "must change". */
static bool all_zeros(const char *s, size_t len)
{
	for (size_t k = 0; k < len; k++)
		if (s[k] != '0')
			return false;
	return len > 0;
}

/* s, all digits (at most 19: below 2^64), as a number. */
static uint64_t decimal(const char *s, size_t len)
{
	uint64_t v = 0;
	for (size_t k = 0; k < len; k++)
		v = v * 10 + (uint64_t)(s[k] - '0');
	return v;
}

/* 1601-01-01 to 1970-01-01, and 9999-12-31T23:59:59Z, in seconds. */
#define FILETIME_EPOCH 11644473600LL
#define UNIX_TIME_MAX  253402300799LL

/* Active Directory's Integer8 times: 100 ns since 1601-01-01 (up to 19
 * digits). 0 is *out 0: "never" (lockoutTime) or "must change"
 * (pwdLastSet), as the caller says. */
static enum ldv_problem filetime(const char *s, size_t len, int64_t *out)
{
	if (len > 19)
		return LDV_RANGE;
	uint64_t v = decimal(s, len);
	if (v == 0) {
		*out = 0;
		return LDV_OK;
	}
	int64_t t = (int64_t)(v / 10000000u) - FILETIME_EPOCH;
	if (t < 0 || t > UNIX_TIME_MAX)
		return LDV_RANGE;
	*out = t;
	return LDV_OK;
}

enum ldv_problem ldv_last_change(const char *s, size_t len, int64_t *out, bool *zero_days)
{
	*zero_days = false;
	if (!all_digits(s, len))
		return ldv_time(s, len, false, out);
	/* shadowLastChange: up to 7 digits (9999999 days is far beyond 9999);
	 * pwdLastSet: 11 digits and more (1601 + 100 s). Between: neither. */
	if (len >= 11) {
		enum ldv_problem p = filetime(s, len, out);
		*zero_days = p == LDV_OK && all_zeros(s, len); /* not 1970-01-01 */
		return p;
	}
	if (len > 7)
		return LDV_SYNTAX;
	size_t i = 0;
	int days = 0;
	if (!digits(s, len, &i, (unsigned)len, &days))
		return LDV_SYNTAX;
	*zero_days = days == 0;
	*out = (int64_t)days * 86400;
	return days <= 2932896 ? LDV_OK : LDV_RANGE; /* 9999-12-31 */
}

enum ldv_problem ldv_locked(const char *s, size_t len, bool *locked)
{
	int64_t t = 0;
	enum ldv_problem p = all_digits(s, len) ? filetime(s, len, &t) : ldv_time(s, len, true, &t);
	/* lockoutTime 0: unlocked (AD writes it back to 0, it does not remove
	 * it); any GeneralizedTime, ppolicy's 000001010000Z too: locked. */
	*locked = p == LDV_OK && !all_zeros(s, len);
	return p;
}

enum ldv_problem ldv_account_control(const char *s, size_t len, bool *disabled)
{
	*disabled = false;
	/* AD writes it unsigned; a signed reading of the high bit shows a '-'. */
	bool minus = len > 1 && s[0] == '-';
	if (!all_digits(s + minus, len - minus))
		return len == 0 ? LDV_EMPTY : LDV_SYNTAX;
	if (len - minus > 10)
		return LDV_RANGE;
	uint64_t v = decimal(s + minus, len - minus);
	if (v > (minus ? 0x80000000u : 0xffffffffu))
		return LDV_RANGE;
	uint32_t flags = minus ? (uint32_t)(0x100000000u - v) : (uint32_t)v;
	*disabled = (flags & 2u) != 0; /* ACCOUNTDISABLE */
	return LDV_OK;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

enum ldv_problem ldv_uuid_text(const char *s, size_t len, char out[37])
{
	if (len == 0)
		return LDV_EMPTY;
	if (len != 36)
		return LDV_SYNTAX;
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : hexval(s[i]) < 0)
			return LDV_SYNTAX;
		out[i] = dash ? '-' : "0123456789abcdef"[hexval(s[i])];
	}
	out[36] = '\0';
	return LDV_OK;
}

/* Active Directory shows a GUID with its first three fields little-endian
 * (bf967aba-0de6-11d0-a285-00aa003049e2 is ba 7a 96 bf e6 0d d0 11 a2 85
 * ...): where each text octet comes from. The map is its own inverse. */
static const unsigned char guid_order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};

enum ldv_problem ldv_guid(const char *s, size_t len, char out[37])
{
	if (len == 0)
		return LDV_EMPTY;
	if (len != 16)
		return LDV_SYNTAX;
	unsigned char v[16];
	for (size_t i = 0; i < 16; i++)
		v[i] = (unsigned char)s[guid_order[i]];
	ldv_uuid_bytes(v, out);
	return LDV_OK;
}

bool ldv_guid_octets(const char *uuid, unsigned char out[16])
{
	char canon[37];
	if (strnlen(uuid, 37) != 36 || ldv_uuid_text(uuid, 36, canon) != LDV_OK)
		return false;
	uuid = canon;
	unsigned char v[16];
	for (size_t i = 0, o = 0; o < 16; o++) {
		i += uuid[i] == '-';
		int hi = hexval(uuid[i]), lo = hi >= 0 ? hexval(uuid[i + 1]) : -1;
		if (lo < 0)
			return false;
		v[o] = (unsigned char)(hi << 4 | lo);
		i += 2;
	}
	for (size_t i = 0; i < 16; i++)
		out[guid_order[i]] = v[i];
	return true;
}

void ldv_uuid_bytes(const unsigned char in[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[in[i] >> 4];
		out[o++] = hex[in[i] & 15];
	}
	out[o] = '\0';
}

/* A DN of plain RDNs ("employeeNumber=E1,ou=people,dc=x"): letters,
 * digits, "-" and "." in types and values, one "=" per RDN, no blank, no
 * escape, no multi-valued RDN - what libldap's normal form spells the
 * same. Most directories' DNs are such; they skip the parser. */
static bool plain_dn(const char *dn, size_t len)
{
	bool in_value = false;
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		char c = dn[i];
		bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		            (c >= '0' && c <= '9') || c == '-' || c == '.';
		if (c == '=' && !in_value && i > start)
			in_value = true;
		else if (c == ',' && in_value && i > start && dn[i - 1] != '=') {
			in_value = false;
			start = i + 1;
		} else if (!word)
			return false;
	}
	return in_value && dn[len - 1] != '=';
}

char *ldv_dn_key(const char *dn, size_t len)
{
	if (len == 0 || len > SYNC_DN_MAX || memchr(dn, '\0', len) != NULL)
		return NULL;
	if (plain_dn(dn, len)) {
		char *key = strndup(dn, len);
		for (char *p = key; p != NULL && *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		return key;
	}
	char *copy = strndup(dn, len), *norm = NULL;
	if (copy == NULL)
		return NULL;
	int lrc = ldap_dn_normalize(copy, LDAP_DN_FORMAT_LDAP, &norm, LDAP_DN_FORMAT_LDAPV3);
	free(copy);
	if (lrc != LDAP_SUCCESS || norm == NULL) {
		ldap_memfree(norm);
		return NULL;
	}
	char *key = strdup(norm);
	ldap_memfree(norm);
	for (char *p = key; p != NULL && *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return key;
}

#define PRINTABLE_MAX 512u /* bytes of s shown; longer is cut with "..." */

char *ldv_printable(const char *s, size_t len)
{
	size_t shown = len > PRINTABLE_MAX ? PRINTABLE_MAX : len;
	char *out = malloc(shown * 4 + 4), *o = out;
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < shown;) {
		unsigned char c = (unsigned char)s[i];
		size_t n = c < 0x80                 ? 1
		           : c >= 0xc2 && c <= 0xdf ? 2
		           : c >= 0xe0 && c <= 0xef ? 3
		                                    : 4;
		bool ok = c >= 0x20 && c != 0x7f && i + n <= shown &&
		          cp_utf8_validate(s + i, n) >= 0 &&
		          !(c == 0xc2 && (unsigned char)s[i + 1] < 0xa0);
		if (!ok) {
			o += sprintf(o, "\\x%02x", c);
			i++;
			continue;
		}
		memcpy(o, s + i, n);
		o += n;
		i += n;
	}
	strcpy(o, shown < len ? "..." : "");
	return out;
}
