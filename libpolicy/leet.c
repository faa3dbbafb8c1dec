/* leet.c - undoing look-alike substitutions and stripping affixes (R3, R4).
 *
 * "P@ssw0rd2024" is the word "password" dressed up: R4 forbids a single
 * word "also when dressed with case, leet substitutions or leading/trailing
 * digits and symbols". Some substitutes are ambiguous (1 is i or l), so a
 * password yields a few candidate readings; the set is bounded so that a
 * password full of 1s costs no more than one with two. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Readings of look-alike characters; NULL where a character stands for
 * itself. A table: this is looked up for every character of every reading. */
static const char *const leet_table[128] = {
	['@'] = "a", ['4'] = "a", ['8'] = "b", ['('] = "c", ['<'] = "c", ['{'] = "c",
	['['] = "c", ['3'] = "e", ['6'] = "g", ['9'] = "g", ['#'] = "h", ['1'] = "il",
	['!'] = "il", ['|'] = "li", ['0'] = "o", ['$'] = "s", ['5'] = "s", ['7'] = "t",
	['+'] = "t", ['2'] = "z",
};

static const char *leet_readings(unsigned char c)
{
	const char *r = c < 128 ? leet_table[c] : NULL;
	return r != NULL ? r : "";
}

bool cp_leet_readable(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80 && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    leet_table[c] == NULL)
			return false;
	}
	return true;
}

void cp_variants_free(cp_variants *v)
{
	for (size_t i = 0; i < v->n; i++)
		cp_free_wiped(v->v[i], v->len[i] + 1);
	v->n = 0;
}

int cp_variants_add(cp_variants *v, const char *s, size_t len)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->len[i] == len && memcmp(v->v[i], s, len) == 0)
			return CP_OK;
	if (v->n == CP_LEET_MAX_VARIANTS)
		return CP_OK;
	char *copy = malloc(len + 1);
	if (copy == NULL)
		return CP_ERR_NOMEM;
	memcpy(copy, s, len);
	copy[len] = '\0';
	v->v[v->n] = copy;
	v->len[v->n] = len;
	v->n++;
	return CP_OK;
}

/* Spell variant number `choice` into buf: its bits pick the second
 * reading at each of the first ambiguous positions. */
static void spell_variant(const char *s, size_t len, unsigned choice, char *buf)
{
	unsigned bit = 0;
	for (size_t i = 0; i < len; i++) {
		const char *r = leet_readings((unsigned char)s[i]);
		if (r[0] == '\0') {
			buf[i] = s[i];
			continue;
		}
		unsigned pick = 0;
		if (r[1] != '\0' && bit < CP_LEET_AMBIGUOUS_BITS)
			pick = (choice >> bit++) & 1u;
		buf[i] = r[pick];
	}
}

static unsigned count_ambiguous(const char *s, size_t len)
{
	unsigned n = 0;
	for (size_t i = 0; i < len; i++) {
		const char *r = leet_readings((unsigned char)s[i]);
		if (r[0] != '\0' && r[1] != '\0')
			n++;
	}
	return n;
}

int cp_leet_variants(const char *folded, size_t len, cp_variants *out)
{
	out->n = 0;
	char *buf = malloc(len + 1);
	if (buf == NULL)
		return CP_ERR_NOMEM;
	unsigned amb = count_ambiguous(folded, len);
	unsigned nvariants = 1u << (amb < CP_LEET_AMBIGUOUS_BITS ? amb : CP_LEET_AMBIGUOUS_BITS);
	int rc = CP_OK;
	for (unsigned choice = 0; choice < nvariants && rc == CP_OK; choice++) {
		spell_variant(folded, len, choice, buf);
		rc = cp_variants_add(out, buf, len);
	}
	cp_free_wiped(buf, len + 1);
	if (rc != CP_OK)
		cp_variants_free(out);
	return rc;
}

static bool is_affix(unsigned char c, bool keep_leet)
{
	/* ASCII digits, punctuation and space; letters and non-ASCII stay. */
	if (c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return false;
	/* Digits go even when they look like letters: "admin123" ends in a
	 * number, not in "ize". */
	return !keep_leet || (c >= '0' && c <= '9') || leet_readings(c)[0] == '\0';
}

void cp_strip_affixes(const char *s, size_t len, bool keep_leet, size_t *off,
                      size_t *corelen)
{
	size_t b = 0, e = len;
	while (b < e && is_affix((unsigned char)s[b], keep_leet))
		b++;
	while (e > b && is_affix((unsigned char)s[e - 1], keep_leet))
		e--;
	*off = b;
	*corelen = e - b;
}
