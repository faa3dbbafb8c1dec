/* test_personal.c - R3: personal information as tokens, and matching.
 *
 * The example person of R3: 张伟, born 1990-03-15, mobile 13812345678,
 * ID card 110105199003151239, employee E10086, user zhangw, e-mail
 * wei.zhang@example.gov.cn. Passwords are given folded, as the checker
 * passes them (it also undoes leet before calling cp_person_matches). */
#include "internal.h"
#include "testutil.h"

#include <pthread.h>
#include <stdarg.h>
#include <string.h>

/* A person from key/value pairs, NULL-terminated; every add must succeed. */
static cp_person *person(const char *key, ...)
{
	cp_person *p = NULL;
	ck_assert_int_eq(cp_person_new(&p), CP_OK);
	va_list ap;
	va_start(ap, key);
	for (const char *k = key; k != NULL; k = va_arg(ap, const char *)) {
		const char *v = va_arg(ap, const char *);
		char *err = NULL;
		int rc = cp_person_add(p, k, v, &err);
		ck_assert_msg(rc == CP_OK, "add %s: %d %s", k, rc, err != NULL ? err : "");
		ck_assert_ptr_null(err);
	}
	va_end(ap);
	return p;
}

static cp_person *example_person(void)
{
	return person("name", "张伟", "birthday", "1990-03-15", "phone", "13812345678", "id_card",
	              "110105199003151239", "employee_id", "E10086", "username", "zhangw", "email",
	              "wei.zhang@example.gov.cn", NULL);
}

static bool has_token(const cp_person *p, const char *t)
{
	for (size_t i = 0; i < cp_person_token_count(p); i++)
		if (strcmp(cp_person_token(p, i), t) == 0)
			return true;
	return false;
}

static bool matches(const cp_person *p, const char *pw)
{
	return cp_person_matches(p, pw, strlen(pw));
}

#define assert_tokens(p, ...)                                                                      \
	do {                                                                                       \
		const char *want_[] = {__VA_ARGS__};                                               \
		for (size_t i_ = 0; i_ < sizeof(want_) / sizeof(want_[0]); i_++)                   \
			ck_assert_msg(has_token(p, want_[i_]), "missing token %s", want_[i_]);     \
	} while (0)

#define assert_no_tokens(p, ...)                                                                   \
	do {                                                                                       \
		const char *bad_[] = {__VA_ARGS__};                                                \
		for (size_t i_ = 0; i_ < sizeof(bad_) / sizeof(bad_[0]); i_++)                     \
			ck_assert_msg(!has_token(p, bad_[i_]), "unexpected token %s", bad_[i_]);   \
	} while (0)

#define assert_matched(p, ...)                                                                     \
	do {                                                                                       \
		const char *pw_[] = {__VA_ARGS__};                                                 \
		for (size_t i_ = 0; i_ < sizeof(pw_) / sizeof(pw_[0]); i_++)                       \
			ck_assert_msg(matches(p, pw_[i_]), "%s not matched", pw_[i_]);             \
	} while (0)

#define assert_not_matched(p, ...)                                                                 \
	do {                                                                                       \
		const char *pw_[] = {__VA_ARGS__};                                                 \
		for (size_t i_ = 0; i_ < sizeof(pw_) / sizeof(pw_[0]); i_++)                       \
			ck_assert_msg(!matches(p, pw_[i_]), "%s matched", pw_[i_]);                \
	} while (0)

/* Adding key=value fails with CP_ERR_INVAL and a message that names the
 * key and does not repeat the value. */
static void assert_rejected(const char *key, const char *value)
{
	cp_person *p = NULL;
	ck_assert_int_eq(cp_person_new(&p), CP_OK);
	char *err = NULL;
	ck_assert_msg(cp_person_add(p, key, value, &err) == CP_ERR_INVAL, "%s accepted", key);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, key) != NULL, "message without key: %s", err);
	if (value[0] != '\0')
		ck_assert_msg(strstr(err, value) == NULL, "message with value: %s", err);
	ck_assert_uint_eq(cp_person_token_count(p), 0);
	free(err);
	cp_person_free(p);
}

/* ---- the R3 example -------------------------------------------------- */

START_TEST(test_r3_example_matches)
{
	cp_person *p = example_person();
	assert_matched(p, "zhangwei@1990", "wei.zhang88", "gnawgnahz#1a", "zw19900315!",
	               "abc13812345678", "xx12345678yy", "qq150390!", "e10086abc!", "zhang.wei",
	               "iewgnahz", "my0315day", "x151239y");
	cp_person_free(p);
}
END_TEST

START_TEST(test_r3_example_no_false_positives)
{
	cp_person *p = example_person();
	assert_not_matched(p, "horqin#river%82", "blue-tiger-42-lamp", "correct.horse.battery",
	                   "viewpoint#77", "tiger1990!", "110105x");
	cp_person_free(p);
}
END_TEST

/* ---- names ----------------------------------------------------------- */

START_TEST(test_r3_chinese_name_one_given_character)
{
	cp_person *p = person("name", "张伟", NULL);
	assert_tokens(p, "zhangwei", "weizhang", "zhang", "wei", "zhangw", "wzhang", "^zw", "^wz");
	assert_no_tokens(p, "zw", "wz"); /* initials are never plain tokens */
	/* The caller undoes leet: "Zh@ngW3i" reaches us also as this. */
	assert_matched(p, "zhangwei", "weizhang!", "mr.zhang", "zhangw#2024");
	cp_person_free(p);
}
END_TEST

START_TEST(test_r3_chinese_name_two_given_characters)
{
	cp_person *p = person("name", "张晓明", NULL);
	assert_tokens(p, "zhangxiaoming", "xiaomingzhang", "zhang", "xiaoming", "zhangxm",
	              "xmzhang", "^zxm", "^xmz");
	/* single syllables of the given name hide in English words */
	assert_no_tokens(p, "xiao", "ming");
	assert_matched(p, "xiaoming!23", "zxm#2024", "zhangxm99");
	assert_not_matched(p, "coming-home-42", "zxmq#2024");
	cp_person_free(p);
}
END_TEST

START_TEST(test_r3_compound_surname)
{
	cp_person *p = person("name", "欧阳娜娜", NULL);
	assert_tokens(p, "ouyang", "nana", "ouyangnana", "nanaouyang", "ouyangnn", "^oynn");
	assert_no_tokens(p, "yangnana", "ou");
	assert_matched(p, "nanaouyang1", "ouyang!2024");
	cp_person_free(p);

	p = person("name", "司马光", "name", "诸葛亮", NULL);
	assert_tokens(p, "sima", "guang", "simaguang", "zhuge", "liang", "zhugeliang");
	cp_person_free(p);

	/* Compound surnames read otherwise than their characters */
	p = person("name", "万俟卨", "name", "尉迟恭", "name", "单于长风", NULL);
	assert_tokens(p, "moqi", "yuchi", "yuchigong", "chanyu");
	assert_no_tokens(p, "wanqi", "weichi", "danyu");
	cp_person_free(p);

	/* Two characters are surname + given name, even 欧阳 */
	p = person("name", "欧阳", NULL);
	assert_tokens(p, "ouyang", "yang", "yangou");
	cp_person_free(p);
}
END_TEST

START_TEST(test_r3_surname_readings)
{
	cp_person *p = person("name", "曾小贤", "name", "单田芳", "name", "区志", NULL);
	assert_tokens(p, "zeng", "zengxiaoxian", "shan", "shantianfang", "ouzhi");
	assert_no_tokens(p, "ceng", "cengxiaoxian", "dantianfang", "quzhi");
	cp_person_free(p);
}
END_TEST

START_TEST(test_r3_pinyin_u_umlaut)
{
	cp_person *p = person("name", "吕布", NULL);
	assert_tokens(p, "lvbu", "bulv", "lubu", "bulu", "^lb");
	assert_matched(p, "lvbu2024", "lubu#1");
	cp_person_free(p);
}
END_TEST

START_TEST(test_r3_latin_name)
{
	cp_person *p = person("name", "Li Na", NULL);
	assert_tokens(p, "lina", "nali", "^ln", "^nl");
	assert_no_tokens(p, "li", "na", "lin"); /* "lin" would ban "online" */
	assert_matched(p, "lina2024!", "nali", "li.na#1");
	assert_not_matched(p, "online-banking-77");
	cp_person_free(p);

	p = person("name", "John Smith", NULL);
	assert_tokens(p, "john", "smith", "johnsmith", "smithjohn", "jsmith", "smithj", "^js");
	cp_person_free(p);

	p = person("name", "José Müller-Lüdenscheidt", "name", "Ｗｅｉ Ｚｈａｎｇ", NULL);
	assert_tokens(p, "jose", "muller", "ludenscheidt", "weizhang", "zhangwei");
	cp_person_free(p);

	p = person("name", "Zhang Wei", NULL);
	assert_matched(p, "wei.zhang88", "zhangwei@1990", "zw19900315!");
	cp_person_free(p);
}
END_TEST

START_TEST(test_r3_mixed_and_minority_names)
{
	cp_person *p = person("name", "张伟 Wei Zhang", NULL);
	assert_tokens(p, "zhangwei", "weizhang", "^zw", "^wz");
	cp_person_free(p);

	p = person("name", "阿依古丽·买买提", NULL);
	assert_tokens(p, "ayiguli", "maimaiti", "ayigulimaimaiti", "maimaitiayiguli", "^am");
	cp_person_free(p);
}
END_TEST

START_TEST(test_r3_invalid_names)
{
	assert_rejected("name", "Иван");
	assert_rejected("name", "zhang3");
	assert_rejected("name", "...");
	assert_rejected("name", "张伟!");
}
END_TEST

START_TEST(test_r3_pinyin_syllables)
{
	char **syl = NULL;
	size_t n = 0;
	ck_assert_int_eq(cp_pinyin_syllables("张晓明", &syl, &n), CP_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(syl[0], "zhang");
	ck_assert_str_eq(syl[1], "xiao");
	ck_assert_str_eq(syl[2], "ming");
	cp_pinyin_free(syl, n);

	ck_assert_int_eq(cp_pinyin_syllables("欧阳 娜娜", &syl, &n), CP_OK);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(syl[0], "ou");
	ck_assert_str_eq(syl[3], "na");
	cp_pinyin_free(syl, n);

	ck_assert_int_eq(cp_pinyin_syllables("女", &syl, &n), CP_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(syl[0], "nv");
	cp_pinyin_free(syl, n);

	ck_assert_int_eq(cp_pinyin_syllables("Wei", &syl, &n), CP_ERR_INVAL);
	ck_assert_ptr_null(syl);
	ck_assert_int_eq(cp_pinyin_syllables("张wei", &syl, &n), CP_ERR_INVAL);
	ck_assert_int_eq(cp_pinyin_syllables("", &syl, &n), CP_ERR_INVAL);
	ck_assert_int_eq(cp_pinyin_syllables("\xe5\xbc", &syl, &n), CP_ERR_UTF8);
	cp_pinyin_free(NULL, 0);
}
END_TEST

/* Concurrent adds share the one transliterator. */
static void *add_names(void *arg)
{
	for (int i = 0; i < 50; i++) {
		cp_person *p = person("name", "张晓明", "name", "欧阳娜娜", NULL);
		if (!has_token(p, "zhangxiaoming") || !has_token(p, "ouyangnana"))
			*(bool *)arg = false;
		cp_person_free(p);
	}
	return NULL;
}

START_TEST(test_r3_pinyin_threads)
{
	pthread_t th[4];
	bool ok[4] = {true, true, true, true};
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, add_names, &ok[i]), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		ck_assert(ok[i]);
	}
}
END_TEST

/* ---- the initials rule and reversal ---------------------------------- */

START_TEST(test_r3_initials_only_as_all_letters)
{
	cp_person *p = person("name", "张伟", NULL);
	assert_matched(p, "zw19900315!", "zw#8731", "wz2024!!", "z.w.0101");
	/* initials inside other letters are not the person's */
	assert_not_matched(p, "zwolle#2024", "tzw8731", "zwa#8731", "zw\xe5\xaf\x86#2024");
	cp_person_free(p);
}
END_TEST

START_TEST(test_r3_reversed_tokens)
{
	cp_person *p = person("name", "张伟", "phone", "13812345678", NULL);
	assert_matched(p, "gnahz#2024", "iewgnahz", "87654321!");
	/* "wei" reversed is "iew", in "view": short tokens are not reversed */
	assert_not_matched(p, "review#2024!");
	cp_person_free(p);
}
END_TEST

/* ---- usernames, e-mail, employee numbers ----------------------------- */

START_TEST(test_r3_username)
{
	cp_person *p = person("username", "ZhangW88", NULL);
	assert_tokens(p, "zhangw88", "zhangw");
	assert_no_tokens(p, "88");
	assert_matched(p, "zhangw!2024");
	cp_person_free(p);

	p = person("username", "GOV\\liu.yang1990", "username", "wz@corp.example", NULL);
	assert_tokens(p, "liuyang1990", "liu", "yang", "1990");
	assert_no_tokens(p, "gov", "corp", "wz");
	cp_person_free(p);

	p = person("username", "user123", NULL);
	assert_no_tokens(p, "123"); /* too few digits to say anything */
	cp_person_free(p);

	assert_rejected("username", "zhang wei");
}
END_TEST

START_TEST(test_r3_email)
{
	cp_person *p = person("email", "Wei.Zhang88@example.gov.cn", NULL);
	assert_tokens(p, "weizhang88", "wei", "zhang", "zhang88");
	cp_person_free(p);

	p = person("email", "wei_zhang+1990@example.gov.cn", NULL);
	assert_tokens(p, "weizhang1990", "wei", "zhang", "1990");
	assert_no_tokens(p, "example", "gov");
	assert_matched(p, "zhang88!");
	cp_person_free(p);

	assert_rejected("email", "wei.zhang");
	assert_rejected("email", "@example.gov.cn");
	assert_rejected("email", "wei.zhang@");
	assert_rejected("email", "wei zhang@example.gov.cn");
}
END_TEST

START_TEST(test_r3_employee_id)
{
	cp_person *p = person("employee_id", "E10086", "employee_id", "NM-2023-0042", NULL);
	assert_tokens(p, "e10086", "10086", "nm20230042", "20230042");
	assert_no_tokens(p, "2023", "0042");
	assert_matched(p, "e10086abc!", "abc10086", "nm-2023-0042");
	cp_person_free(p);

	assert_rejected("employee_id", "E#10086");
	assert_rejected("employee_id", "--");
}
END_TEST

/* ---- phone numbers --------------------------------------------------- */

START_TEST(test_r3_phone_mobile)
{
	const char *forms[] = {"13812345678",     "138-1234-5678", "+86 138 1234 5678",
	                       "008613812345678", "8613812345678", "(+86) 13812345678"};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		cp_person *p = person("phone", forms[i], NULL);
		ck_assert_uint_eq(cp_person_token_count(p), 5);
		assert_tokens(p, "13812345678", "12345678", "2345678", "345678", "1381234");
		assert_no_tokens(p, "8613812345678", "5678");
		cp_person_free(p);
	}
}
END_TEST

START_TEST(test_r3_phone_landline)
{
	cp_person *p = person("phone", "0475-8888888", "phone", "(010) 12345678", NULL);
	assert_tokens(p, "04758888888", "8888888", "01012345678", "12345678");
	cp_person_free(p);

	p = person("phone", "+86 475 8888888", "phone", "+86 10 87654321", NULL);
	assert_tokens(p, "04758888888", "8888888", "01087654321", "87654321");
	cp_person_free(p);

	p = person("phone", "7654321", NULL);
	assert_tokens(p, "7654321");
	ck_assert_uint_eq(cp_person_token_count(p), 1);
	cp_person_free(p);
}
END_TEST

START_TEST(test_r3_phone_invalid)
{
	assert_rejected("phone", "123456");
	assert_rejected("phone", "138abcd5678");
	assert_rejected("phone", "1381234567890123");
	assert_rejected("phone", "138 1234 5678 ext 9");
}
END_TEST

/* ---- birthdays and ID cards ------------------------------------------ */

START_TEST(test_r3_birthday_layouts)
{
	const char *forms[] = {"1990-03-15", "1990/03/15",    "1990.03.15",  "19900315",
	                       "1990-3-15",  "1990年3月15日", " 1990-03-15 "};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		cp_person *p = person("birthday", forms[i], NULL);
		assert_tokens(p, "19900315", "900315", "0315", "15031990", "03151990", "150390",
		              "031590", "1503", "1990315", "3151990", "31590");
		assert_no_tokens(p, "1990", "315", "90");
		cp_person_free(p);
	}
	cp_person *p = person("birthday", "1990-03-15", NULL);
	assert_matched(p, "qq150390!", "abc03151990", "x1990315y");
	assert_not_matched(p, "tiger1990!", "abc0316x");
	cp_person_free(p);
}
END_TEST

START_TEST(test_r3_birthday_invalid)
{
	const char *bad[] = {"1990-02-30",  "1900-02-29", "1990-13-01", "1990-00-10", "90-03-15",
	                     "1990-03-15x", "1990-03/15", "1890-01-01", "15.03.1990", "199003150"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_rejected("birthday", bad[i]);
	cp_person *p = person("birthday", "2000-02-29", NULL);
	assert_tokens(p, "20000229", "2902");
	cp_person_free(p);

	/* without leading zeros only from 5 digits: not "0111" (yymd) */
	p = person("birthday", "2001-01-01", NULL);
	assert_tokens(p, "20010101", "010101", "0101", "200111", "112001");
	assert_no_tokens(p, "0111", "1101", "2001");
	cp_person_free(p);
}
END_TEST

START_TEST(test_r3_id_card)
{
	cp_person *p = person("id_card", "110105199003151239", NULL);
	assert_tokens(p, "19900315", "150390", "0315", "151239");
	assert_no_tokens(p, "110105199003151239", "110105", "1239");
	assert_matched(p, "id110105199003151239", "x151239");
	cp_person_free(p);

	p = person("id_card", "11010519900315101X", NULL);
	assert_tokens(p, "15101x", "19900315");
	assert_matched(p, "ab15101x!");
	cp_person_free(p);

	p = person("id_card", "11010519900315101x", NULL);
	assert_tokens(p, "15101x");
	cp_person_free(p);

	p = person("id_card", "110105900315123", NULL); /* old 15-digit number */
	assert_tokens(p, "19900315", "315123");
	cp_person_free(p);
}
END_TEST

START_TEST(test_r3_id_card_invalid)
{
	assert_rejected("id_card", "110105199003151238"); /* check digit */
	assert_rejected("id_card", "110105199013151232"); /* month 13 */
	assert_rejected("id_card", "110105199002301231"); /* 30 February */
	assert_rejected("id_card", "11010519900315123");  /* 17 characters */
	assert_rejected("id_card", "110105901315123");    /* 15 digits, month 13 */
	assert_rejected("id_card", "1101051990031512X9");
}
END_TEST

/* ---- values in general ----------------------------------------------- */

START_TEST(test_r3_invalid_values_any_key)
{
	const char *keys[] = {"name",  "username", "employee_id", "email",
	                      "phone", "birthday", "id_card"};
	char longv[258];
	memset(longv, 'a', 257);
	longv[257] = '\0';
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		assert_rejected(keys[i], "");
		assert_rejected(keys[i], "  \t ");
		assert_rejected(keys[i], "\xe5\xbc\xa0\xff");
		assert_rejected(keys[i], longv);
	}
}
END_TEST

START_TEST(test_r3_unknown_key_and_null)
{
	cp_person *p = NULL;
	ck_assert_int_eq(cp_person_new(&p), CP_OK);
	char *err = NULL;
	ck_assert_int_eq(cp_person_add(p, "nickname", "weiwei", &err), CP_ERR_INVAL);
	ck_assert_ptr_nonnull(strstr(err, "nickname"));
	ck_assert_ptr_null(strstr(err, "weiwei"));
	free(err);
	err = NULL;
	ck_assert_int_eq(cp_person_add(p,
	                               "bad\xff"
	                               "key",
	                               "x", &err),
	                 CP_ERR_INVAL);
	ck_assert_ptr_null(strstr(err, "\xff"));
	free(err);
	ck_assert_int_eq(cp_person_add(p, "name", NULL, NULL), CP_ERR_INVAL);
	ck_assert_int_eq(cp_person_add(p, NULL, "x", NULL), CP_ERR_INVAL);
	ck_assert_int_eq(cp_person_add(NULL, "name", "张伟", NULL), CP_ERR_INVAL);
	ck_assert_int_eq(cp_person_new(NULL), CP_ERR_INVAL);
	ck_assert_uint_eq(cp_person_token_count(p), 0);
	ck_assert_uint_eq(cp_person_token_count(NULL), 0);
	ck_assert_ptr_null(cp_person_token(p, 0));
	ck_assert_ptr_null(cp_person_token(NULL, 0));
	cp_person_free(p);
	cp_person_free(NULL);
}
END_TEST

START_TEST(test_r3_rejected_add_keeps_tokens)
{
	cp_person *p = person("name", "张伟", NULL);
	size_t n = cp_person_token_count(p);
	char *err = NULL;
	ck_assert_int_eq(cp_person_add(p, "phone", "12", &err), CP_ERR_INVAL);
	free(err);
	ck_assert_uint_eq(cp_person_token_count(p), n);
	ck_assert(matches(p, "zhangwei"));
	cp_person_free(p);
}
END_TEST

/* ---- tokens: de-duplication and the ledger round-trip ----------------- */

START_TEST(test_r3_tokens_deduplicated)
{
	cp_person *p = person("name", "张伟", NULL);
	size_t n = cp_person_token_count(p);
	cp_person *q = person("name", "张伟", "name", "Zhang Wei", "username", "zhangw", "email",
	                      "wei.zhang@example.gov.cn", NULL);
	ck_assert_uint_eq(cp_person_token_count(q), n);
	for (size_t i = 0; i < cp_person_token_count(q); i++)
		for (size_t j = i + 1; j < cp_person_token_count(q); j++)
			ck_assert_str_ne(cp_person_token(q, i), cp_person_token(q, j));
	ck_assert_int_eq(cp_person_add_token(q, "zhangwei"), CP_OK);
	ck_assert_int_eq(cp_person_add_token(q, "^zw"), CP_OK);
	ck_assert_uint_eq(cp_person_token_count(q), n);
	cp_person_free(p);
	cp_person_free(q);
}
END_TEST

START_TEST(test_r3_token_round_trip)
{
	cp_person *p = example_person();
	cp_person *q = NULL;
	ck_assert_int_eq(cp_person_new(&q), CP_OK);
	for (size_t i = 0; i < cp_person_token_count(p); i++)
		ck_assert_int_eq(cp_person_add_token(q, cp_person_token(p, i)), CP_OK);
	ck_assert_uint_eq(cp_person_token_count(q), cp_person_token_count(p));
	for (size_t i = 0; i < cp_person_token_count(p); i++)
		ck_assert_str_eq(cp_person_token(q, i), cp_person_token(p, i));
	const char *pw[] = {"zw19900315!", "zw#8731", "gnahz!", "horqin#river%82", "zwolle"};
	for (size_t i = 0; i < sizeof(pw) / sizeof(pw[0]); i++)
		ck_assert_int_eq(matches(q, pw[i]), matches(p, pw[i]));
	cp_person_free(p);
	cp_person_free(q);
}
END_TEST

START_TEST(test_r3_add_token_validation)
{
	cp_person *p = NULL;
	ck_assert_int_eq(cp_person_new(&p), CP_OK);
	const char *bad[] = {"",
	                     "ab",
	                     "Zhang",
	                     "zhang wei",
	                     "zh-ang",
	                     "^",
	                     "^z",
	                     "^z1",
	                     "^ZW",
	                     "^^zw",
	                     "zw^",
	                     "\xe5\xbc\xa0\xe4\xbc\x9f",
	                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(cp_person_add_token(p, bad[i]) == CP_ERR_INVAL, "%s", bad[i]);
	ck_assert_int_eq(cp_person_add_token(p, NULL), CP_ERR_INVAL);
	ck_assert_int_eq(cp_person_add_token(NULL, "abc"), CP_ERR_INVAL);
	ck_assert_uint_eq(cp_person_token_count(p), 0);
	ck_assert_int_eq(cp_person_add_token(p, "abc"), CP_OK);
	ck_assert_int_eq(cp_person_add_token(p, "^zw"), CP_OK);
	ck_assert_int_eq(cp_person_add_token(
	                     p, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
	                 CP_OK);
	ck_assert_uint_eq(cp_person_token_count(p), 3);
	ck_assert_str_eq(cp_person_token(p, 1), "^zw");
	ck_assert(matches(p, "zw2024!"));
	ck_assert(!matches(p, "zwx2024!"));
	cp_person_free(p);
}
END_TEST

/* ---- matching edge cases ---------------------------------------------- */

START_TEST(test_r3_matches_edge_cases)
{
	cp_person *p = example_person();
	ck_assert(!cp_person_matches(NULL, "zhangwei", 8));
	ck_assert(!cp_person_matches(p, "", 0));
	ck_assert(!cp_person_matches(p, NULL, 0));
	ck_assert(cp_person_matches(p, "zhangweiXYZ", 8)); /* only len bytes count */
	ck_assert(cp_person_matches(p, "zhangwei", 5));    /* "zhang" */
	ck_assert(!cp_person_matches(p, "zhangwei", 2));
	ck_assert(matches(p, "ZHANGWEI")); /* ASCII case does not matter */
	char big[CP_MAX_PASSWORD_BYTES * 2];
	memset(big, 'q', sizeof(big));
	memcpy(big + 10, "zhangwei", 8);
	ck_assert(cp_person_matches(p, big, sizeof(big)));
	memcpy(big + 10, "qqqqqqqq", 8);
	ck_assert(!cp_person_matches(p, big, sizeof(big)));
	cp_person_free(p);

	cp_person *empty = NULL;
	ck_assert_int_eq(cp_person_new(&empty), CP_OK);
	ck_assert(!matches(empty, "zhangwei"));
	cp_person_free(empty);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("personal (R3)");
	TCase *tc = tcase_create("r3");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_r3_example_matches);
	tcase_add_test(tc, test_r3_example_no_false_positives);
	tcase_add_test(tc, test_r3_chinese_name_one_given_character);
	tcase_add_test(tc, test_r3_chinese_name_two_given_characters);
	tcase_add_test(tc, test_r3_compound_surname);
	tcase_add_test(tc, test_r3_surname_readings);
	tcase_add_test(tc, test_r3_pinyin_u_umlaut);
	tcase_add_test(tc, test_r3_latin_name);
	tcase_add_test(tc, test_r3_mixed_and_minority_names);
	tcase_add_test(tc, test_r3_invalid_names);
	tcase_add_test(tc, test_r3_pinyin_syllables);
	tcase_add_test(tc, test_r3_pinyin_threads);
	tcase_add_test(tc, test_r3_initials_only_as_all_letters);
	tcase_add_test(tc, test_r3_reversed_tokens);
	tcase_add_test(tc, test_r3_username);
	tcase_add_test(tc, test_r3_email);
	tcase_add_test(tc, test_r3_employee_id);
	tcase_add_test(tc, test_r3_phone_mobile);
	tcase_add_test(tc, test_r3_phone_landline);
	tcase_add_test(tc, test_r3_phone_invalid);
	tcase_add_test(tc, test_r3_birthday_layouts);
	tcase_add_test(tc, test_r3_birthday_invalid);
	tcase_add_test(tc, test_r3_id_card);
	tcase_add_test(tc, test_r3_id_card_invalid);
	tcase_add_test(tc, test_r3_invalid_values_any_key);
	tcase_add_test(tc, test_r3_unknown_key_and_null);
	tcase_add_test(tc, test_r3_rejected_add_keeps_tokens);
	tcase_add_test(tc, test_r3_tokens_deduplicated);
	tcase_add_test(tc, test_r3_token_round_trip);
	tcase_add_test(tc, test_r3_add_token_validation);
	tcase_add_test(tc, test_r3_matches_edge_cases);
	suite_add_tcase(s, tc);
	return s;
}

CP_TEST_MAIN(make_suite)
