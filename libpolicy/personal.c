/* personal.c - personal information of an account's owner, as tokens (R3).
 *
 * R3 (Art. 38) forbids passwords made of the owner's name, surname, phone
 * number, birthday and the like. A cp_person holds facts about one person
 * reduced to tokens: lower-case ASCII letters and digits, derived when the
 * fact is added, so that checking a password is plain substring search.
 *
 * Token rules, key by key (every token is 3..64 characters; shorter or
 * longer derived forms are dropped, except initials):
 *
 *  name      Han characters are read as a Chinese name, one pinyin syllable
 *            per character (pinyin.c). The surname is the first character,
 *            or the first two for a compound surname (欧阳, 司马, ... table
 *            below, only in names of three or more characters). Surnames
 *            with a special reading (曾 zeng, 单 shan, 区 ou, 万俟 moqi, ...)
 *            are read from the tables, not from ICU; other characters get
 *            ICU's one reading, right or not for a name (长风 "zhangfeng").
 *            The name is then two parts, surname and given name, each with
 *            its syllable initials.
 *            Latin letters are read as a Latin name (accents dropped); its
 *            parts are split at spaces, hyphens, dots, commas, underscores
 *            and middle dots, and each part's initial is its first letter.
 *            Han text split by middle dots or other separators (阿依古丽·
 *            买买提) is such a multi-part name too, a part per piece.
 *            From the parts P1..Pn (at most 8):
 *              - each part;
 *              - all parts in order, and rotated both ways (for two parts:
 *                both orders, "zhangwei", "weizhang"); for three or more
 *                also first+last and last+first;
 *              - each part of 3 or more letters followed and preceded by
 *                the initials of the other parts ("zhangw", "wzhang",
 *                "zhangxm", "xmzhang", "jsmith", "smithj");
 *              - initials: all part initials in order and rotated both ways
 *                ("zw", "wz", "zxm", "xmz") - see "Initials" below.
 *            Pinyin "v" (u with diaeresis: 吕 lv) also gives the "u"
 *            spelling of every token (lu). A value may mix a Chinese and a
 *            Latin name; "name" may be added several times.
 *  username  folded to lower case, without any "DOMAIN\" or "@realm"; its
 *            letters and digits, and its runs of letters and of digits
 *            ("zhangw88": "zhangw88", "zhangw"; digit-only tokens here and
 *            in email and employee_id need 4 digits or more).
 *  email     the local part (before the last @), treated like a username,
 *            and its pieces split at . _ - +.
 *  employee_id  its letters and digits, lower case, and its digits
 *            ("E10086": "e10086", "10086").
 *  phone     digits only (spaces, dashes, dots, parentheses allowed; 7 to
 *            15 digits), without the country code +86 or 0086, or 86 before
 *            an 11-digit mobile.
 *            Mobile (11 digits starting with 1): the number, its last 8, 7
 *            and 6 digits and its first 7. Landline with area code (010,
 *            02x: 3 digits, other 0xxx: 4): the number and the 7-8 digit
 *            local number. Other numbers: the number and its last 8, 7, 6.
 *  birthday  YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD (month and day may lack
 *            their leading zero), YYYYMMDD or YYYY年M月D日, a real date of
 *            1900-2099. Tokens: YYYYMMDD YYMMDD MMDD DDMMYYYY MMDDYYYY
 *            DDMMYY MMDDYY DDMM, and the same without leading zeros when
 *            5 digits or longer ("1990315", "31590"). The year alone is not
 *            a token: too many passwords contain some year.
 *  id_card   an 18-character PRC resident ID number with a valid ISO 7064
 *            MOD 11-2 check character, or a 15-digit one of the old
 *            format: its birthday's tokens and its last 6 characters. The
 *            number itself is not kept (R23); a password containing it
 *            contains its last 6 anyway.
 *
 * Matching (cp_person_matches): the text is reduced to its ASCII letters
 * and digits (case folded), so "wei.zhang" and "Wei Zhang" read "weizhang".
 * An ordinary token matches when it occurs in that, or when its reverse
 * does; only tokens of 5 or more characters are matched reversed, since
 * short reversed forms hide in common words ("iew", "wei" reversed, is in
 * "view"). Initials are too short to be searched for ("zw" is everywhere):
 * an initials token matches only when the letters of the text, all of
 * them, are the initials ("Zw19900315!", "zw#8731"). When any ordinary token
 * is present the text matches anyway, so no token needs removing first.
 *
 * Initials are kept with a mark: cp_person_token() spells them "^zw" and
 * cp_person_add_token() accepts that spelling back, so the kind of token
 * survives the ledger.
 *
 * Tokens are personal data: every copy is wiped before it is freed. */
#include "internal.h"

#include "icu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/utf8.h>

#define TOKEN_MAX        64  /* longest token, in characters */
#define VALUE_MAX        256 /* longest value of a fact, in bytes */
#define INITIALS_MARK    '^' /* first character of an initials token's spelling */
#define INITIALS_MIN_LEN 2
#define REVERSE_MIN_LEN  5 /* shorter tokens are not matched reversed */
#define NAME_PARTS_MAX   8

struct token {
	size_t off;      /* of its NUL-terminated spelling in the person's buf,
	                    INITIALS_MARK first for initials */
	size_t len;      /* length of the token proper, without the mark */
	bool initials;   /* matched by the initials rule only */
	bool reversible; /* also matched reversed */
};

/* The spellings follow each other in one buffer: a person has a few dozen
 * tokens, and a directory sync derives them for 100,000 people - one
 * allocation each instead of one a token. */
struct cp_person {
	struct token *tok;
	size_t n, cap;
	char *buf;
	size_t used, bufcap;
	bool has_initials;
};

static const char *token_spelling(const cp_person *p, const struct token *t)
{
	return p->buf + t->off;
}

static const char *token_text(const cp_person *p, const struct token *t)
{
	return token_spelling(p, t) + (t->initials ? 1 : 0);
}

/* ------------------------------------------------------------------ */
/* The token list                                                      */
/* ------------------------------------------------------------------ */

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool has_token(const cp_person *p, const char *t, size_t len, bool initials)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct token *k = &p->tok[i];
		if (k->initials == initials && k->len == len &&
		    memcmp(token_text(p, k), t, len) == 0)
			return true;
	}
	return false;
}

/* Room for one more token of len bytes. The old buffer is wiped, never
 * left in freed memory by realloc. */
static int grow(cp_person *p, size_t len)
{
	if (p->n == p->cap) {
		size_t cap = p->cap != 0 ? 2 * p->cap : 32;
		struct token *tok = realloc(p->tok, cap * sizeof(*tok));
		if (tok == NULL)
			return CP_ERR_NOMEM;
		p->tok = tok;
		p->cap = cap;
	}
	if (p->used + len + 2 <= p->bufcap)
		return CP_OK;
	size_t cap = p->bufcap != 0 ? 2 * p->bufcap : 512;
	while (cap < p->used + len + 2)
		cap *= 2;
	char *buf = malloc(cap);
	if (buf == NULL)
		return CP_ERR_NOMEM;
	if (p->used > 0)
		memcpy(buf, p->buf, p->used);
	if (p->buf != NULL)
		cp_free_wiped(p->buf, p->used);
	p->buf = buf;
	p->bufcap = cap;
	return CP_OK;
}

/* Add token t (lower-case letters and digits, not checked here) unless it
 * is already there. Lengths outside the bounds are silently dropped: they
 * come from derivations that cannot know them in advance. */
static int put_token(cp_person *p, const char *t, size_t len, bool initials)
{
	size_t min = initials ? INITIALS_MIN_LEN : CP_MIN_TOKEN_LEN;
	if (len < min || len > TOKEN_MAX || has_token(p, t, len, initials))
		return CP_OK;
	if (grow(p, len) != CP_OK)
		return CP_ERR_NOMEM;
	char *s = p->buf + p->used;
	size_t off = 0;
	if (initials)
		s[off++] = INITIALS_MARK;
	memcpy(s + off, t, len);
	s[off + len] = '\0';
	p->tok[p->n++] = (struct token){
	    .off = p->used, .len = len, .initials = initials, .reversible = len >= REVERSE_MIN_LEN};
	p->used += off + len + 1;
	p->has_initials |= initials;
	return CP_OK;
}

static void drop_tokens_from(cp_person *p, size_t mark)
{
	if (p->n > mark) {
		size_t from = p->tok[mark].off;
		explicit_bzero(p->buf + from, p->used - from);
		p->used = from;
		p->n = mark;
	}
	p->has_initials = false;
	for (size_t i = 0; i < p->n; i++)
		p->has_initials |= p->tok[i].initials;
}

/* A token being put together, too long ones marked to be dropped. */
struct tbuf {
	char s[TOKEN_MAX + 1];
	size_t len;
	bool over;
};

static void tb_reset(struct tbuf *b)
{
	b->len = 0;
	b->over = false;
}

static void tb_add(struct tbuf *b, const char *s, size_t n)
{
	if (b->over || n > TOKEN_MAX - b->len) {
		b->over = true;
		return;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
}

static int tb_put(cp_person *p, const struct tbuf *b, bool initials)
{
	return b->over ? CP_OK : put_token(p, b->s, b->len, initials);
}

/* ------------------------------------------------------------------ */
/* Names                                                               */
/* ------------------------------------------------------------------ */

struct name_part {
	char text[TOKEN_MAX + 1];
	size_t len;
	char init[TOKEN_MAX + 1];
	size_t ilen;
};

struct name {
	struct name_part part[NAME_PARTS_MAX];
	size_t n;
};

/* The parts listed in order[0..k-1], whole or as initials, as one token. */
static int put_seq(cp_person *p, const struct name *nm, const size_t *order, size_t k,
                   bool initials)
{
	struct tbuf b;
	tb_reset(&b);
	for (size_t i = 0; i < k; i++) {
		const struct name_part *pt = &nm->part[order[i]];
		if (initials)
			tb_add(&b, pt->init, pt->ilen);
		else
			tb_add(&b, pt->text, pt->len);
	}
	int rc = tb_put(p, &b, initials);
	cp_wipe(&b, sizeof(b));
	return rc;
}

/* Part i with the initials of the others after it, then before it. */
static int put_part_with_initials(cp_person *p, const struct name *nm, size_t i)
{
	struct tbuf b, ini;
	tb_reset(&ini);
	for (size_t j = 0; j < nm->n; j++)
		if (j != i)
			tb_add(&ini, nm->part[j].init, nm->part[j].ilen);
	const struct name_part *pt = &nm->part[i];
	tb_reset(&b);
	tb_add(&b, pt->text, pt->len);
	tb_add(&b, ini.s, ini.len);
	int rc = ini.over ? CP_OK : tb_put(p, &b, false);
	tb_reset(&b);
	tb_add(&b, ini.s, ini.len);
	tb_add(&b, pt->text, pt->len);
	if (rc == CP_OK && !ini.over)
		rc = tb_put(p, &b, false);
	cp_wipe(&b, sizeof(b));
	cp_wipe(&ini, sizeof(ini));
	return rc;
}

/* The orders the parts are joined in: as written, rotated left (given
 * name first, for "surname given"), rotated right, and for three parts or
 * more first+last and last+first. Returns the number of orders. */
static size_t name_orders(size_t n, size_t order[5][NAME_PARTS_MAX], size_t len[5])
{
	for (size_t i = 0; i < n; i++) {
		order[0][i] = i;
		order[1][i] = (i + 1) % n;
		order[2][i] = (i + n - 1) % n;
	}
	len[0] = len[1] = len[2] = n;
	if (n < 3)
		return 3;
	order[3][0] = 0;
	order[3][1] = n - 1;
	order[4][0] = n - 1;
	order[4][1] = 0;
	len[3] = len[4] = 2;
	return 5;
}

static int put_name(cp_person *p, const struct name *nm)
{
	int rc = CP_OK;
	for (size_t i = 0; i < nm->n && rc == CP_OK; i++)
		rc = put_token(p, nm->part[i].text, nm->part[i].len, false);
	if (nm->n < 2 || rc != CP_OK)
		return rc;
	size_t order[5][NAME_PARTS_MAX], len[5];
	size_t norders = name_orders(nm->n, order, len);
	for (size_t k = 0; k < norders && rc == CP_OK; k++)
		rc = put_seq(p, nm, order[k], len[k], false);
	for (size_t i = 0; i < nm->n && rc == CP_OK; i++)
		if (nm->part[i].len >= CP_MIN_TOKEN_LEN)
			rc = put_part_with_initials(p, nm, i);
	for (size_t k = 0; k < 3 && rc == CP_OK; k++)
		rc = put_seq(p, nm, order[k], len[k], true);
	return rc;
}

/* The name's tokens, and if its pinyin has a "v" (ü), those of the "u"
 * spelling too (吕 is "lv" to input methods, "lu" on many documents). */
static int put_name_and_u_spelling(cp_person *p, struct name *nm)
{
	int rc = put_name(p, nm);
	bool has_v = false;
	for (size_t i = 0; i < nm->n; i++) {
		for (size_t j = 0; j < nm->part[i].len; j++) {
			if (nm->part[i].text[j] == 'v') {
				nm->part[i].text[j] = 'u';
				has_v = true;
			}
		}
		for (size_t j = 0; j < nm->part[i].ilen; j++)
			if (nm->part[i].init[j] == 'v')
				nm->part[i].init[j] = 'u';
	}
	if (has_v && rc == CP_OK)
		rc = put_name(p, nm);
	return rc;
}

/* Compound surnames, simplified and traditional, with their readings (some
 * differ from the characters' usual ones: 万俟 moqi, 尉迟 yuchi). */
static const struct {
	const char *han;
	const char *s1, *s2;
} compound_surnames[] = {
    {"欧阳", "ou", "yang"},    {"歐陽", "ou", "yang"},   {"司马", "si", "ma"},
    {"司馬", "si", "ma"},      {"诸葛", "zhu", "ge"},    {"諸葛", "zhu", "ge"},
    {"上官", "shang", "guan"}, {"东方", "dong", "fang"}, {"東方", "dong", "fang"},
    {"皇甫", "huang", "fu"},   {"尉迟", "yu", "chi"},    {"尉遲", "yu", "chi"},
    {"公孙", "gong", "sun"},   {"公孫", "gong", "sun"},  {"慕容", "mu", "rong"},
    {"长孙", "zhang", "sun"},  {"長孫", "zhang", "sun"}, {"宇文", "yu", "wen"},
    {"司徒", "si", "tu"},      {"令狐", "ling", "hu"},   {"夏侯", "xia", "hou"},
    {"轩辕", "xuan", "yuan"},  {"軒轅", "xuan", "yuan"}, {"端木", "duan", "mu"},
    {"独孤", "du", "gu"},      {"獨孤", "du", "gu"},     {"南宫", "nan", "gong"},
    {"南宮", "nan", "gong"},   {"西门", "xi", "men"},    {"西門", "xi", "men"},
    {"百里", "bai", "li"},     {"呼延", "hu", "yan"},    {"万俟", "mo", "qi"},
    {"萬俟", "mo", "qi"},      {"单于", "chan", "yu"},   {"單于", "chan", "yu"},
    {"澹台", "tan", "tai"},    {"澹臺", "tan", "tai"},   {"公冶", "gong", "ye"},
    {"太史", "tai", "shi"},    {"申屠", "shen", "tu"},   {"钟离", "zhong", "li"},
    {"鍾離", "zhong", "li"},   {"钟離", "zhong", "li"},  {"闻人", "wen", "ren"},
    {"聞人", "wen", "ren"},    {"赫连", "he", "lian"},   {"赫連", "he", "lian"},
    {"东郭", "dong", "guo"},   {"東郭", "dong", "guo"},  {"濮阳", "pu", "yang"},
    {"濮陽", "pu", "yang"},
};

/* Single-character surnames read otherwise than ICU reads the character.
 * 乐 (yue or le) is left alone: both readings are surnames. */
static const struct {
	const char *han;
	const char *py;
} surname_readings[] = {
    {"曾", "zeng"}, {"单", "shan"},  {"單", "shan"},  {"区", "ou"},   {"區", "ou"},
    {"仇", "qiu"},  {"解", "xie"},   {"朴", "piao"},  {"查", "zha"},  {"翟", "zhai"},
    {"盖", "ge"},   {"蓋", "ge"},    {"缪", "miao"},  {"繆", "miao"}, {"覃", "qin"},
    {"秘", "bi"},   {"种", "chong"}, {"種", "chong"}, {"繁", "po"},   {"召", "shao"},
    {"员", "yun"},  {"員", "yun"},   {"薄", "bo"},    {"隗", "wei"},  {"句", "gou"},
    {"柏", "bai"},  {"长", "chang"}, {"長", "chang"}, {"祭", "zhai"},
};

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void part_add(struct name_part *pt, const char *syl)
{
	size_t n = strlen(syl);
	if (n == 0 || n > TOKEN_MAX - pt->len)
		return;
	memcpy(pt->text + pt->len, syl, n);
	pt->len += n;
	pt->init[pt->ilen++] = syl[0];
}

/* Surname and given name of a Chinese name (Han characters han, whose
 * syllables are syl[0..n-1]); unreadable characters are left out. */
static void split_chinese(const char *han, char **syl, size_t n, struct name *nm)
{
	size_t given = n >= 2 ? 1 : n;
	memset(nm, 0, sizeof(*nm));
	for (size_t i = 0; n >= 3 && i < sizeof(compound_surnames) / sizeof(compound_surnames[0]);
	     i++) {
		if (starts_with(han, compound_surnames[i].han)) {
			part_add(&nm->part[0], compound_surnames[i].s1);
			part_add(&nm->part[0], compound_surnames[i].s2);
			given = 2;
			break;
		}
	}
	for (size_t i = 0; given == 1 && nm->part[0].len == 0 &&
	                   i < sizeof(surname_readings) / sizeof(surname_readings[0]);
	     i++)
		if (starts_with(han, surname_readings[i].han))
			part_add(&nm->part[0], surname_readings[i].py);
	for (size_t i = 0; i < given && nm->part[0].len == 0; i++)
		part_add(&nm->part[0], syl[i]);
	for (size_t i = given; i < n; i++)
		part_add(&nm->part[1], syl[i]);
	nm->n = 2;
	if (nm->part[1].len == 0)
		nm->n = 1;
	if (nm->part[0].len == 0)
		nm->part[0] = nm->part[--nm->n];
}

/* Han text, as segments separated by middle dots. */
struct han_text {
	char buf[VALUE_MAX + NAME_PARTS_MAX + 1]; /* segments, each NUL-terminated */
	size_t len;
	size_t seg[NAME_PARTS_MAX]; /* offsets of the segments in buf */
	size_t nseg;
	bool open;
};

static int put_chinese_name(cp_person *p, const char *han)
{
	char **syl = NULL;
	size_t n = 0;
	int rc = cp_pinyin_syllables(han, &syl, &n);
	if (rc != CP_OK)
		return rc == CP_ERR_UNICODE || rc == CP_ERR_NOMEM ? rc : CP_ERR_INVAL;
	struct name nm;
	split_chinese(han, syl, n, &nm);
	rc = put_name_and_u_spelling(p, &nm);
	cp_wipe(&nm, sizeof(nm));
	cp_pinyin_free(syl, n);
	return rc;
}

/* A name written in several Han segments (阿依古丽·买买提): one part each. */
static int put_han_parts(cp_person *p, const struct han_text *h)
{
	struct name nm;
	int rc = CP_OK;
	memset(&nm, 0, sizeof(nm));
	for (size_t i = 0; i < h->nseg && rc == CP_OK; i++) {
		char **syl = NULL;
		size_t n = 0;
		rc = cp_pinyin_syllables(h->buf + h->seg[i], &syl, &n);
		struct name_part *pt = &nm.part[nm.n];
		for (size_t j = 0; rc == CP_OK && j < n; j++)
			part_add(pt, syl[j]);
		pt->ilen = pt->len > 0 ? 1 : 0; /* such parts' initial: first letter */
		if (pt->len > 0)
			nm.n++;
		cp_pinyin_free(syl, n);
	}
	if (rc == CP_OK)
		rc = put_name_and_u_spelling(p, &nm);
	cp_wipe(&nm, sizeof(nm));
	return rc == CP_ERR_UNICODE || rc == CP_ERR_NOMEM || rc == CP_OK ? rc : CP_ERR_INVAL;
}

/* The scan of a "name" value: its Han segments and its Latin parts. */
struct name_scan {
	struct han_text han;
	struct name latin;
	bool latin_open;
};

static bool is_han(UChar32 c)
{
	if (c < 0x80) /* spares ASCII names the loading of ICU */
		return false;
	UErrorCode err = U_ZERO_ERROR;
	return cp_icu_uscript_getScript(c, &err) == USCRIPT_HAN && U_SUCCESS(err);
}

static bool is_name_space(UChar32 c)
{
	return c == ' ' || c == '\t' || c == 0x3000;
}

static bool is_name_separator(UChar32 c)
{
	return c == '-' || c == '.' || c == ',' || c == '_' || c == 0x00b7 || c == 0x2022 ||
	       c == 0x30fb || c == 0xff0e || (c >= 0x2010 && c <= 0x2015);
}

static bool is_apostrophe(UChar32 c)
{
	return c == '\'' || c == 0x2019 || c == 0x02bc;
}

/* Latin letters that have no decomposition to an ASCII letter. */
static const char *latin_special(UChar32 c)
{
	static const struct {
		UChar32 c;
		const char *ascii;
	} special[] = {
	    {0x00df, "ss"}, {0x00e6, "ae"}, {0x00c6, "ae"}, {0x00f8, "o"},
	    {0x00d8, "o"},  {0x0153, "oe"}, {0x0152, "oe"}, {0x0111, "d"},
	    {0x0110, "d"},  {0x00f0, "d"},  {0x00d0, "d"},  {0x0142, "l"},
	    {0x0141, "l"},  {0x00fe, "th"}, {0x00de, "th"}, {0x0131, "i"},
	};
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		if (special[i].c == c)
			return special[i].ascii;
	return NULL;
}

/* ASCII spelling (lower case) of a Latin letter into out[3], or false. */
static bool latin_letter(UChar32 c, char out[3])
{
	const char *sp = latin_special(c);
	if (sp != NULL) {
		strcpy(out, sp);
		return true;
	}
	UChar d[8];
	int32_t n = -1;
	if (c >= 0x80) { /* ASCII has no decomposition: ICU is not loaded for it */
		UErrorCode err = U_ZERO_ERROR;
		const UNormalizer2 *nfkd = cp_icu_unorm2_getNFKDInstance(&err);
		n = U_SUCCESS(err) ? cp_icu_unorm2_getDecomposition(nfkd, c, d, 8, &err) : -1;
		if (U_FAILURE(err))
			n = -1;
	}
	UChar base = n > 0 ? d[0] : (c < 0x80 ? (UChar)c : 0);
	if (base >= 'A' && base <= 'Z')
		base = (UChar)(base - 'A' + 'a');
	if (base < 'a' || base > 'z')
		return false;
	out[0] = (char)base;
	out[1] = '\0';
	return true;
}

static void han_close(struct han_text *h)
{
	if (h->open)
		h->buf[h->len++] = '\0';
	h->open = false;
}

static bool han_add(struct han_text *h, const char *bytes, size_t n)
{
	if (!h->open) {
		if (h->nseg == NAME_PARTS_MAX)
			return false;
		h->seg[h->nseg++] = h->len;
		h->open = true;
	}
	memcpy(h->buf + h->len, bytes, n); /* fits: the value is <= VALUE_MAX */
	h->len += n;
	return true;
}

static bool latin_add(struct name_scan *sc, const char *s)
{
	struct name *nm = &sc->latin;
	if (!sc->latin_open) {
		if (nm->n == NAME_PARTS_MAX)
			return false;
		nm->n++;
		sc->latin_open = true;
	}
	struct name_part *pt = &nm->part[nm->n - 1];
	size_t n = strlen(s);
	if (n > TOKEN_MAX - pt->len)
		return false;
	if (pt->len == 0)
		pt->init[pt->ilen++] = s[0];
	memcpy(pt->text + pt->len, s, n);
	pt->len += n;
	return true;
}

/* Sort the code points of v into Han segments and Latin parts. */
static bool scan_name(const char *v, size_t len, struct name_scan *sc)
{
	memset(sc, 0, sizeof(*sc));
	for (int32_t i = 0; i < (int32_t)len;) {
		int32_t start = i;
		UChar32 c;
		char lat[3];
		U8_NEXT(v, i, (int32_t)len, c);
		if (c < 0)
			return false;
		if (is_han(c)) {
			sc->latin_open = false;
			if (!han_add(&sc->han, v + start, (size_t)(i - start)))
				return false;
		} else if (is_name_space(c)) {
			sc->latin_open = false;
		} else if (is_name_separator(c)) {
			sc->latin_open = false;
			han_close(&sc->han);
		} else if (is_apostrophe(c)) {
			continue;
		} else if (latin_letter(c, lat)) {
			han_close(&sc->han);
			if (!latin_add(sc, lat))
				return false;
		} else {
			return false;
		}
	}
	han_close(&sc->han);
	return sc->han.nseg > 0 || sc->latin.n > 0;
}

static int derive_name(cp_person *p, const char *v, size_t len)
{
	struct name_scan *sc = malloc(sizeof(*sc));
	if (sc == NULL)
		return CP_ERR_NOMEM;
	int rc = scan_name(v, len, sc) ? CP_OK : CP_ERR_INVAL;
	if (rc == CP_OK && sc->han.nseg == 1)
		rc = put_chinese_name(p, sc->han.buf);
	else if (rc == CP_OK && sc->han.nseg > 1)
		rc = put_han_parts(p, &sc->han);
	if (rc == CP_OK && sc->latin.n > 0)
		rc = put_name(p, &sc->latin);
	cp_free_wiped(sc, sizeof(*sc));
	return rc;
}

/* ------------------------------------------------------------------ */
/* User names, e-mail addresses, employee numbers                      */
/* ------------------------------------------------------------------ */

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Digit-only tokens from user names, e-mail addresses and employee numbers
 * need 4 digits: "123" or "88" in a user name says little about its owner
 * and would ban too much. */
#define HANDLE_DIGITS_MIN 4

static bool tb_all_digits(const struct tbuf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (!is_digit(b->s[i]))
			return false;
	return true;
}

/* Put b unless it is digits only and shorter than HANDLE_DIGITS_MIN. */
static int put_handle_token(cp_person *p, const struct tbuf *b)
{
	if (b->len < HANDLE_DIGITS_MIN && tb_all_digits(b))
		return CP_OK;
	return tb_put(p, b, false);
}

/* v's letters and digits, lower case, as one token; with runs, also each
 * maximal run of letters and of digits in v (anything else ends a run). */
static int put_handle(cp_person *p, const char *v, size_t len, bool runs)
{
	struct tbuf all, run;
	tb_reset(&all);
	tb_reset(&run);
	int rc = CP_OK;
	int run_kind = 0; /* 0 none, 1 letters, 2 digits */
	for (size_t i = 0; i <= len && rc == CP_OK; i++) {
		char c = i < len ? ascii_lower(v[i]) : '\0';
		int kind = is_digit(c) ? 2 : is_lower_alnum(c) ? 1 : 0;
		if (kind != run_kind) {
			if (runs)
				rc = put_handle_token(p, &run);
			tb_reset(&run);
			run_kind = kind;
		}
		if (kind != 0) {
			tb_add(&all, &c, 1);
			tb_add(&run, &c, 1);
		}
	}
	if (rc == CP_OK)
		rc = put_handle_token(p, &all);
	cp_wipe(&all, sizeof(all));
	cp_wipe(&run, sizeof(run));
	return rc;
}

static bool has_space_or_control(const char *v, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c <= ' ' || c == 0x7f)
			return true;
	}
	return false;
}

static int derive_username(cp_person *p, const char *v, size_t len)
{
	if (has_space_or_control(v, len))
		return CP_ERR_INVAL;
	const char *bs = memrchr(v, '\\', len); /* DOMAIN\user */
	if (bs != NULL) {
		len -= (size_t)(bs + 1 - v);
		v = bs + 1;
	}
	const char *at = memchr(v, '@', len); /* user@realm */
	if (at != NULL)
		len = (size_t)(at - v);
	if (len == 0)
		return CP_ERR_INVAL;
	return put_handle(p, v, len, true);
}

static bool is_email_separator(char c)
{
	return c == '.' || c == '_' || c == '-' || c == '+';
}

static int derive_email(cp_person *p, const char *v, size_t len)
{
	const char *at = memrchr(v, '@', len);
	if (has_space_or_control(v, len) || at == NULL || at == v || at == v + len - 1)
		return CP_ERR_INVAL;
	size_t local = (size_t)(at - v);
	int rc = put_handle(p, v, local, true);
	size_t start = 0;
	for (size_t i = 0; i <= local && rc == CP_OK; i++) {
		if (i < local && !is_email_separator(v[i]))
			continue;
		if (start > 0 || i < local) /* a piece, not the whole local part */
			rc = put_handle(p, v + start, i - start, false);
		start = i + 1;
	}
	return rc;
}

static int derive_employee_id(cp_person *p, const char *v, size_t len)
{
	bool any = false;
	for (size_t i = 0; i < len; i++) {
		char c = ascii_lower(v[i]);
		if (is_lower_alnum(c))
			any = true;
		else if (strchr("-_./ ", c) == NULL || c == '\0')
			return CP_ERR_INVAL;
	}
	if (!any)
		return CP_ERR_INVAL;
	int rc = put_handle(p, v, len, false);
	struct tbuf digits;
	tb_reset(&digits);
	for (size_t i = 0; i < len; i++)
		if (is_digit(v[i]))
			tb_add(&digits, v + i, 1);
	if (rc == CP_OK)
		rc = put_handle_token(p, &digits);
	cp_wipe(&digits, sizeof(digits));
	return rc;
}

/* ------------------------------------------------------------------ */
/* Telephone numbers                                                   */
/* ------------------------------------------------------------------ */

#define PHONE_MIN_DIGITS 7
#define PHONE_MAX_DIGITS 15

/* Put the token of d[off..off+n-1]. */
static int put_digits(cp_person *p, const char *d, size_t off, size_t n)
{
	return put_token(p, d + off, n, false);
}

/* Last 8, 7 and 6 digits of d[0..n-1], when shorter than d. */
static int put_tails(cp_person *p, const char *d, size_t n)
{
	int rc = CP_OK;
	for (size_t k = 8; k >= 6 && rc == CP_OK; k--)
		if (k < n)
			rc = put_digits(p, d, n - k, k);
	return rc;
}

static int put_phone(cp_person *p, const char *d, size_t n, bool foreign)
{
	int rc = put_digits(p, d, 0, n);
	if (rc != CP_OK)
		return rc;
	if (!foreign && n == 11 && d[0] == '1') { /* mobile */
		rc = put_tails(p, d, n);
		return rc == CP_OK ? put_digits(p, d, 0, 7) : rc;
	}
	if (!foreign && d[0] == '0' && n >= 10) { /* area code + local number */
		size_t area = d[1] == '1' || d[1] == '2' ? 3 : 4;
		if (n - area >= 7 && n - area <= 8)
			return put_digits(p, d, area, n - area);
	}
	if (!foreign && d[0] != '0' && n <= 8) /* local number alone */
		return CP_OK;
	return put_tails(p, d, n);
}

static int derive_phone(cp_person *p, const char *v, size_t len)
{
	char d[PHONE_MAX_DIGITS + 2];
	size_t n = 0;
	bool plus = false;
	int rc = CP_ERR_INVAL;
	for (size_t i = 0; i < len; i++) {
		if (is_digit(v[i])) {
			if (n == PHONE_MAX_DIGITS)
				goto out;
			d[1 + n++] = v[i];                   /* d[0] is room for a trunk prefix */
		} else if (v[i] == '+' && n == 0 && !plus) { /* "+86", "(+86)" */
			plus = true;
		} else if (strchr(" -().", v[i]) == NULL || v[i] == '\0') {
			goto out;
		}
	}
	char *num = d + 1;
	bool intl = plus || (n > 2 && num[0] == '0' && num[1] == '0');
	if (intl && !plus) { /* 00 is the international prefix */
		num += 2;
		n -= 2;
	}
	bool china = (intl && n > 2 && num[0] == '8' && num[1] == '6') ||
	             (!intl && n == 13 && num[0] == '8' && num[1] == '6' && num[2] == '1');
	if (china) {
		num += 2;
		n -= 2;
		bool mobile = n == 11 && num[0] == '1';
		if (intl && !mobile && num[0] != '0') { /* +86 475 ...: 0475 */
			*--num = '0';
			n++;
		}
	}
	if (n < PHONE_MIN_DIGITS)
		goto out;
	rc = put_phone(p, num, n, intl && !china);
out:
	cp_wipe(d, sizeof(d));
	return rc;
}

/* ------------------------------------------------------------------ */
/* Dates: birthday and ID card                                         */
/* ------------------------------------------------------------------ */

static bool valid_date(int y, int m, int d)
{
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m != 2 || d <= 28 || leap;
}

/* Layouts of a date: three fields out of Y (4 digits), y (2), M, D (2,
 * zero-padded), m, d (no leading zero); and the shortest token kept. */
static const struct {
	const char *layout;
	size_t min_len;
} date_layouts[] = {
    {"YMD", 4}, {"yMD", 4}, {"MD", 4},  {"DMY", 4}, {"MDY", 4}, {"DMy", 4}, {"MDy", 4},
    {"DM", 4},  {"Ymd", 5}, {"ymd", 5}, {"mdY", 5}, {"dmY", 5}, {"mdy", 5}, {"dmy", 5},
};

static int put_date(cp_person *p, int y, int m, int d)
{
	char f[6][5]; /* Y y M D m d */
	snprintf(f[0], sizeof(f[0]), "%04d", y);
	snprintf(f[1], sizeof(f[1]), "%02d", y % 100);
	snprintf(f[2], sizeof(f[2]), "%02d", m);
	snprintf(f[3], sizeof(f[3]), "%02d", d);
	snprintf(f[4], sizeof(f[4]), "%d", m);
	snprintf(f[5], sizeof(f[5]), "%d", d);
	int rc = CP_OK;
	for (size_t i = 0; i < sizeof(date_layouts) / sizeof(date_layouts[0]) && rc == CP_OK; i++) {
		struct tbuf b;
		tb_reset(&b);
		for (const char *l = date_layouts[i].layout; *l != '\0'; l++) {
			const char *field = f[strchr("YyMDmd", *l) - "YyMDmd"];
			tb_add(&b, field, strlen(field));
		}
		if (b.len >= date_layouts[i].min_len)
			rc = tb_put(p, &b, false);
		cp_wipe(&b, sizeof(b));
	}
	cp_wipe(f, sizeof(f));
	return rc;
}

/* Up to max digits of v from *i, at least min; -1 if not there. */
static int read_num(const char *v, size_t len, size_t *i, size_t min, size_t max)
{
	int x = 0;
	size_t k = 0;
	while (*i < len && k < max && is_digit(v[*i])) {
		x = x * 10 + (v[(*i)++] - '0');
		k++;
	}
	return k >= min ? x : -1;
}

/* Skip the separator sep (a UTF-8 string) at *i, or return false. */
static bool skip_sep(const char *v, size_t len, size_t *i, const char *sep)
{
	size_t n = strlen(sep);
	if (len - *i < n || memcmp(v + *i, sep, n) != 0)
		return false;
	*i += n;
	return true;
}

/* The separators of the layouts with separators: Y-M-D, Y/M/D, Y.M.D and
 * Y年M月D日. */
static const char *const date_seps[][3] = {
    {"-", "-", ""}, {"/", "/", ""}, {".", ".", ""}, {"年", "月", "日"}, {"年", "月", ""},
};

static bool parse_date(const char *v, size_t len, int *y, int *m, int *d)
{
	size_t i = 0;
	if (len == 8) {
		*y = read_num(v, len, &i, 4, 4);
		*m = read_num(v, len, &i, 2, 2);
		*d = read_num(v, len, &i, 2, 2);
		return i == len && valid_date(*y, *m, *d);
	}
	for (size_t k = 0; k < sizeof(date_seps) / sizeof(date_seps[0]); k++) {
		i = 0;
		*y = read_num(v, len, &i, 4, 4);
		if (*y < 0 || !skip_sep(v, len, &i, date_seps[k][0]))
			continue;
		*m = read_num(v, len, &i, 1, 2);
		if (*m < 0 || !skip_sep(v, len, &i, date_seps[k][1]))
			continue;
		*d = read_num(v, len, &i, 1, 2);
		if (*d >= 0 && skip_sep(v, len, &i, date_seps[k][2]) && i == len)
			return valid_date(*y, *m, *d);
	}
	return false;
}

static int derive_birthday(cp_person *p, const char *v, size_t len)
{
	int y, m, d;
	if (!parse_date(v, len, &y, &m, &d))
		return CP_ERR_INVAL;
	int rc = put_date(p, y, m, d);
	cp_wipe(&y, sizeof(y));
	cp_wipe(&m, sizeof(m));
	cp_wipe(&d, sizeof(d));
	return rc;
}

/* ISO 7064 MOD 11-2 check character of the first 17 digits. */
static char id_check_char(const char *v)
{
	static const int weight[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	int sum = 0;
	for (size_t i = 0; i < 17; i++)
		sum += (v[i] - '0') * weight[i];
	return "10X98765432"[sum % 11];
}

static bool all_digits(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(v[i]))
			return false;
	return true;
}

static int derive_id_card(cp_person *p, const char *v, size_t len)
{
	char last6[6];
	int y, m, d;
	size_t i = 6;
	if (len == 18 && all_digits(v, 17) && ascii_lower(v[17]) == ascii_lower(id_check_char(v)))
		y = read_num(v, len, &i, 4, 4);
	else if (len == 15 && all_digits(v, 15))
		y = 1900 + read_num(v, len, &i, 2, 2);
	else
		return CP_ERR_INVAL;
	m = read_num(v, len, &i, 2, 2);
	d = read_num(v, len, &i, 2, 2);
	if (!valid_date(y, m, d))
		return CP_ERR_INVAL;
	for (size_t k = 0; k < 6; k++)
		last6[k] = ascii_lower(v[len - 6 + k]);
	int rc = put_date(p, y, m, d);
	if (rc == CP_OK)
		rc = put_token(p, last6, 6, false);
	cp_wipe(last6, sizeof(last6));
	return rc;
}

/* ------------------------------------------------------------------ */
/* Public interface                                                    */
/* ------------------------------------------------------------------ */

enum key_id {
	KEY_NAME,
	KEY_USERNAME,
	KEY_EMPLOYEE_ID,
	KEY_EMAIL,
	KEY_PHONE,
	KEY_BIRTHDAY,
	KEY_ID_CARD
};

static const struct {
	const char *key;
	int (*derive)(cp_person *p, const char *v, size_t len);
} keys[] = {
    [KEY_NAME] = {"name", derive_name},
    [KEY_USERNAME] = {"username", derive_username},
    [KEY_EMPLOYEE_ID] = {"employee_id", derive_employee_id},
    [KEY_EMAIL] = {"email", derive_email},
    [KEY_PHONE] = {"phone", derive_phone},
    [KEY_BIRTHDAY] = {"birthday", derive_birthday},
    [KEY_ID_CARD] = {"id_card", derive_id_card},
};

/* The message for a value of key that derive rejected. The value itself
 * is personal data and never appears in messages. */
static void invalid_value(char **errmsg, enum key_id id, const char *key)
{
	switch (id) {
	case KEY_NAME:
		cp_set_errmsg(errmsg,
		              _("The value of \"%s\" is not a name in Chinese characters or Latin "
		                "letters"),
		              key);
		break;
	case KEY_USERNAME:
		cp_set_errmsg(errmsg, _("The value of \"%s\" is not a valid user name"), key);
		break;
	case KEY_EMPLOYEE_ID:
		cp_set_errmsg(errmsg, _("The value of \"%s\" is not a valid employee number"), key);
		break;
	case KEY_EMAIL:
		cp_set_errmsg(errmsg, _("The value of \"%s\" is not a valid e-mail address"), key);
		break;
	case KEY_PHONE:
		cp_set_errmsg(errmsg, _("The value of \"%s\" is not a valid telephone number"),
		              key);
		break;
	case KEY_BIRTHDAY:
		cp_set_errmsg(errmsg, _("The value of \"%s\" is not a valid date (YYYY-MM-DD)"),
		              key);
		break;
	case KEY_ID_CARD:
		cp_set_errmsg(errmsg,
		              _("The value of \"%s\" is not a valid resident identity card number"),
		              key);
		break;
	}
}

/* Whether key is harmless to repeat in a message: a short identifier. */
static bool printable_key(const char *key)
{
	size_t n = strnlen(key, 33);
	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_lower_alnum(ascii_lower(key[i])) && key[i] != '_' && key[i] != '-')
			return false;
	return true;
}

static int unknown_key(char **errmsg, const char *key)
{
	if (printable_key(key))
		cp_set_errmsg(errmsg, _("Unknown kind of personal information \"%s\""), key);
	else
		cp_set_errmsg(errmsg, "%s", _("Unknown kind of personal information"));
	return CP_ERR_INVAL;
}

/* Checks common to all values; on success *off and *len delimit the
 * value without surrounding white space. */
static int check_value(const char *key, const char *value, size_t *off, size_t *len, char **errmsg)
{
	size_t n = strnlen(value, VALUE_MAX + 1);
	if (n > VALUE_MAX) {
		cp_set_errmsg(errmsg, _("The value of \"%s\" is longer than %d bytes"), key,
		              VALUE_MAX);
		return CP_ERR_INVAL;
	}
	if (cp_utf8_validate(value, n) < 0) {
		cp_set_errmsg(errmsg, _("The value of \"%s\" is not valid UTF-8 text"), key);
		return CP_ERR_INVAL;
	}
	size_t a = 0;
	while (a < n && strchr(" \t\r\n", value[a]) != NULL)
		a++;
	while (n > a && strchr(" \t\r\n", value[n - 1]) != NULL)
		n--;
	if (n == a) {
		cp_set_errmsg(errmsg, _("The value of \"%s\" is empty"), key);
		return CP_ERR_INVAL;
	}
	*off = a;
	*len = n - a;
	return CP_OK;
}

CP_EXPORT int cp_person_new(cp_person **out)
{
	if (out == NULL)
		return CP_ERR_INVAL;
	*out = calloc(1, sizeof(**out));
	return *out != NULL ? CP_OK : CP_ERR_NOMEM;
}

CP_EXPORT void cp_person_free(cp_person *p)
{
	if (p == NULL)
		return;
	drop_tokens_from(p, 0);
	free(p->tok);
	free(p->buf); /* wiped by drop_tokens_from */
	free(p);
}

/* A failed add leaves p as it was: the tokens it had put are taken back. */
CP_EXPORT int cp_person_add(cp_person *p, const char *key, const char *value, char **errmsg)
{
	if (errmsg != NULL)
		*errmsg = NULL;
	if (p == NULL || key == NULL || value == NULL) {
		cp_set_errmsg(errmsg, "%s", cp_strerror(CP_ERR_INVAL));
		return CP_ERR_INVAL;
	}
	size_t id = 0;
	while (id < sizeof(keys) / sizeof(keys[0]) && strcmp(keys[id].key, key) != 0)
		id++;
	if (id == sizeof(keys) / sizeof(keys[0]))
		return unknown_key(errmsg, key);
	size_t off, len;
	int rc = check_value(key, value, &off, &len, errmsg);
	if (rc != CP_OK)
		return rc;
	size_t mark = p->n;
	rc = keys[id].derive(p, value + off, len);
	if (rc == CP_OK)
		return CP_OK;
	drop_tokens_from(p, mark);
	if (rc == CP_ERR_INVAL)
		invalid_value(errmsg, (enum key_id)id, key);
	else if (rc == CP_ERR_UNICODE)
		cp_set_errmsg(errmsg,
		              _("The Chinese characters of \"%s\" could not be converted to "
		                "pinyin"),
		              key);
	else
		cp_set_errmsg(errmsg, "%s", cp_strerror(rc));
	return rc;
}

/* Accepts what cp_person_token() gives: INITIALS_MARK and 2..64 letters,
 * or 3..64 letters and digits. */
CP_EXPORT int cp_person_add_token(cp_person *p, const char *token)
{
	if (p == NULL || token == NULL)
		return CP_ERR_INVAL;
	bool initials = token[0] == INITIALS_MARK;
	const char *t = initials ? token + 1 : token;
	size_t len = strnlen(t, TOKEN_MAX + 1);
	if (len > TOKEN_MAX || len < (initials ? INITIALS_MIN_LEN : CP_MIN_TOKEN_LEN))
		return CP_ERR_INVAL;
	for (size_t i = 0; i < len; i++)
		if (!is_lower_alnum(t[i]) || (initials && is_digit(t[i])))
			return CP_ERR_INVAL;
	return put_token(p, t, len, initials);
}

CP_EXPORT size_t cp_person_token_count(const cp_person *p)
{
	return p != NULL ? p->n : 0;
}

CP_EXPORT const char *cp_person_token(const cp_person *p, size_t i)
{
	return p != NULL && i < p->n ? token_spelling(p, &p->tok[i]) : NULL;
}

/* ------------------------------------------------------------------ */
/* Matching                                                            */
/* ------------------------------------------------------------------ */

/* Whether letters (the text's letters, nothing else) are initials. */
static bool initials_match(const cp_person *p, const char *letters, size_t n)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct token *t = &p->tok[i];
		if (t->initials && t->len == n && memcmp(token_text(p, t), letters, n) == 0)
			return true;
	}
	return false;
}

static bool tokens_match(const cp_person *p, const char *fwd, const char *rev, size_t n)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct token *t = &p->tok[i];
		if (t->initials || t->len > n)
			continue;
		if (memmem(fwd, n, token_text(p, t), t->len) != NULL)
			return true;
		if (t->reversible && memmem(rev, n, token_text(p, t), t->len) != NULL)
			return true;
	}
	return false;
}

bool cp_person_matches(const cp_person *p, const char *text, size_t len)
{
	if (p == NULL || text == NULL || p->n == 0)
		return false;
	if (len > CP_MAX_PASSWORD_BYTES)
		len = CP_MAX_PASSWORD_BYTES;
	char fwd[CP_MAX_PASSWORD_BYTES], rev[CP_MAX_PASSWORD_BYTES];
	size_t n = 0, nl = 0;
	bool other_letters = false;
	for (size_t i = 0; i < len; i++) {
		char c = ascii_lower(text[i]);
		if (is_lower_alnum(c))
			fwd[n++] = c;
		if (c >= 'a' && c <= 'z')
			rev[nl++] = c; /* the letters, for the initials rule */
		other_letters |= (unsigned char)c >= 0x80;
	}
	bool match = p->has_initials && !other_letters && initials_match(p, rev, nl);
	for (size_t i = 0; i < n; i++)
		rev[i] = fwd[n - 1 - i];
	match = match || tokens_match(p, fwd, rev, n);
	cp_wipe(fwd, n);
	cp_wipe(rev, n > nl ? n : nl);
	return match;
}
