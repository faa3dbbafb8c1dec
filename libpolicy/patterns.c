/* patterns.c - keyboard walks, sequences and repeats (R5).
 *
 * A password is rejected when patterns cover so much of it that fewer than
 * min_rest characters are left outside them: "Qwerty123!" is all pattern
 * but the "!", while "Qwerty#Horqin82" keeps nine characters of its own.
 * Patterns are looked for in the case-folded password. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Along a row, three neighbours are common in words ("ert" in Robert);
 * down a column or diagonal they are not, and qaz-wsx-edc is made of them. */
#define MIN_KEYBOARD_RUN 4
#define MIN_KEYBOARD_COLUMN_RUN 3
#define MIN_SEQUENCE_RUN 3
#define MIN_REPEAT_RUN 3
#define MAX_PERIOD 4

/* US layout, unshifted; each row's x offset in quarter keys, so that the
 * stagger makes 1-q-a-z a column and q-w-e a row. */
static const char *const rows[4] = {"`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./"};
static const int row_offset[4] = {0, 6, 7, 9};

/* Shifted symbols and the keys they are on. */
static unsigned char unshift(unsigned char c)
{
	static const char shifted[] = "~!@#$%^&*()_+{}|:\"<>?";
	static const char base[] = "`1234567890-=[]\\;',./";
	const char *p = c != '\0' ? strchr(shifted, c) : NULL;
	return p != NULL ? (unsigned char)base[p - shifted] : c;
}

/* Key position (row, x in quarter keys); false if c is not on the layout. */
static bool key_pos(unsigned char c, int *row, int *x)
{
	c = unshift(c);
	for (int r = 0; r < 4 && c != '\0'; r++) {
		const char *p = strchr(rows[r], c);
		if (p != NULL) {
			*row = r;
			*x = (int)(p - rows[r]) * 4 + row_offset[r];
			return true;
		}
	}
	return false;
}

/* Direction of a step between neighbouring keys: 0 if not neighbours,
 * else a code for (row step, sign of x step). */
static int key_step(unsigned char a, unsigned char b)
{
	int ra, xa, rb, xb;
	if (!key_pos(a, &ra, &xa) || !key_pos(b, &rb, &xb))
		return 0;
	int dr = rb - ra, dx = xb - xa;
	if (dr == 0 && (dx == 4 || dx == -4))
		return dx > 0 ? 1 : 2;
	if ((dr == 1 || dr == -1) && dx >= -4 && dx <= 4)
		return 3 + (dr > 0 ? 0 : 3) + (dx > 0) + (dx < 0 ? 2 : 0);
	return 0;
}

static void mark(unsigned char *owner, size_t from, size_t to, unsigned bit)
{
	for (size_t i = from; i < to; i++)
		owner[i] |= (unsigned char)bit;
}

/* Runs of neighbouring keys walked in one direction. */
static void find_keyboard(const char *s, size_t len, unsigned char *owner)
{
	size_t start = 0;
	int dir = 0;
	for (size_t i = 1; i <= len; i++) {
		int step = i < len ? key_step((unsigned char)s[i - 1], (unsigned char)s[i]) : 0;
		if (step != 0 && (dir == 0 || step == dir)) {
			dir = step;
			continue;
		}
		size_t need = dir >= 3 ? MIN_KEYBOARD_COLUMN_RUN : MIN_KEYBOARD_RUN;
		if (i - start >= need)
			mark(owner, start, i, CP_PAT_KEYBOARD);
		start = step != 0 ? i - 1 : i;
		dir = step;
	}
}

static bool is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Ascending or descending runs of letters or digits: abcd, 4321. */
static void find_sequences(const char *s, size_t len, unsigned char *owner)
{
	size_t start = 0;
	int dir = 0;
	for (size_t i = 1; i <= len; i++) {
		int step = 0;
		if (i < len && is_alnum((unsigned char)s[i]) && is_alnum((unsigned char)s[i - 1]))
			step = (unsigned char)s[i] - (unsigned char)s[i - 1];
		if ((step == 1 || step == -1) && (dir == 0 || step == dir)) {
			dir = step;
			continue;
		}
		if (i - start >= MIN_SEQUENCE_RUN)
			mark(owner, start, i, CP_PAT_SEQUENCE);
		start = (step == 1 || step == -1) ? i - 1 : i;
		dir = (step == 1 || step == -1) ? step : 0;
	}
}

/* Runs where each character repeats the one `period` places back:
 * aaaa (period 1), abab, passpass. */
static void find_repeats(const char *s, size_t len, unsigned char *owner)
{
	for (size_t p = 1; p <= MAX_PERIOD; p++) {
		size_t need = p == 1 ? MIN_REPEAT_RUN : 2 * p;
		size_t start = 0;
		for (size_t i = p; i <= len; i++) {
			if (i < len && s[i] == s[i - p])
				continue;
			if (i - start >= need)
				mark(owner, start, i, CP_PAT_REPEAT);
			start = i + 1 > p ? i + 1 - p : 0;
		}
	}
}

/* Name the pattern that covers most, and others only where they cover
 * something it does not: "asdfghjk" is a walk, though "fgh" is also a
 * sequence; "abcd1234" is a sequence, though "1234" is also a walk. */
static unsigned name_patterns(const unsigned char *owner, size_t len)
{
	static const unsigned order[] = {CP_PAT_SEQUENCE, CP_PAT_REPEAT, CP_PAT_KEYBOARD};
	size_t cover[3] = {0};
	for (size_t i = 0; i < len; i++)
		for (int k = 0; k < 3; k++)
			cover[k] += (owner[i] & order[k]) != 0;
	int best = 0;
	for (int k = 1; k < 3; k++)
		if (cover[k] > cover[best])
			best = k;
	unsigned named = cover[best] > 0 ? order[best] : 0;
	for (size_t i = 0; i < len; i++)
		if (owner[i] != 0 && !(owner[i] & order[best]))
			named |= owner[i];
	return named;
}

unsigned cp_patterns_check(const char *folded, size_t len, size_t min_rest)
{
	if (len == 0 || len > CP_MAX_PASSWORD_BYTES)
		return 0;
	unsigned char owner[CP_MAX_PASSWORD_BYTES];
	memset(owner, 0, len);
	find_keyboard(folded, len, owner);
	find_sequences(folded, len, owner);
	find_repeats(folded, len, owner);
	size_t rest = 0;
	for (size_t i = 0; i < len; i++)
		rest += owner[i] == 0;
	return rest < min_rest ? name_patterns(owner, len) : 0;
}
