/* test_check.c - the rule engine through the public API, per rule, with a
 * small index of known content built for the test. */
#include "credpolicy.h"
#include "testutil.h"

#include <pthread.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/cp-test-check.XXXXXX";
static char idxpath[256];
static cp_config *cfg;
static cp_index *idx;
static cp_checker *ck;

static void add_all(cp_index_builder *b, cp_entry_kind kind, const char *const *list)
{
	for (; *list != NULL; list++)
		ck_assert_int_eq(cp_index_builder_add(b, kind, *list, strlen(*list)), CP_OK);
}

static void setup(void)
{
	static const char *const words[] = {"dragonfly", "password", "administrator", NULL};
	static const char *const cmds[] = {"systemctl", "ifconfig", NULL};
	static const char *const pws[] = {"woaini1314", "admin@123", "5201314", NULL};
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(idxpath, sizeof(idxpath), "%s/test.idx", tmpdir);
	cp_index_builder *b = NULL;
	ck_assert_int_eq(cp_index_builder_new(&b), CP_OK);
	add_all(b, CP_ENTRY_WORD, words);
	add_all(b, CP_ENTRY_COMMAND, cmds);
	add_all(b, CP_ENTRY_PASSWORD, pws);
	ck_assert_int_eq(cp_index_builder_write(b, idxpath, 0, NULL), CP_OK);
	cp_index_builder_free(b);
	ck_assert_int_eq(cp_index_open(idxpath, &idx, NULL), CP_OK);
	cfg = cp_config_new_default();
	ck_assert_int_eq(cp_checker_new_with_index(cfg, idx, &ck), CP_OK);
}

static void teardown(void)
{
	cp_checker_free(ck);
	cp_index_close(idx);
	cp_config_free(cfg);
	unlink(idxpath);
	rmdir(tmpdir);
	strcpy(tmpdir, "/tmp/cp-test-check.XXXXXX");
}

/* The codes of the verdict for pw, space-separated, in report order. */
static char *codes(const char *cls, const char *pw, const char *old, const cp_person *p)
{
	static char buf[512];
	cp_verdict *v = NULL;
	ck_assert_int_eq(cp_check(ck, cls, pw, old, p, &v), CP_OK);
	buf[0] = '\0';
	for (size_t i = 0; i < cp_verdict_count(v); i++) {
		if (i > 0)
			strcat(buf, " ");
		strcat(buf, cp_verdict_code(v, i));
	}
	cp_verdict_free(v);
	return buf;
}

START_TEST(test_r1_r2_reported_together)
{
	ck_assert_str_eq(codes(NULL, "gq7v", NULL, NULL), "too_short too_few_classes");
	ck_assert_str_eq(codes(NULL, "Gq7!vR2m", NULL, NULL), "");
	ck_assert_str_eq(codes("important-host", "Gq7vR2mx", NULL, NULL), "too_few_classes");
}
END_TEST

START_TEST(test_r4_words_and_commands)
{
	ck_assert_str_eq(codes(NULL, "Dragonfly#7", NULL, NULL), "dictionary_word");
	ck_assert_str_eq(codes(NULL, "P@ssw0rd2024", NULL, NULL), "dictionary_word");
	ck_assert_str_eq(codes(NULL, "@dministr@tor1", NULL, NULL), "dictionary_word");
	ck_assert_str_eq(codes(NULL, "Systemctl#1", NULL, NULL), "command_name");
	ck_assert_str_eq(codes(NULL, "Dragonfly#Systemctl7", NULL, NULL), "");
}
END_TEST

START_TEST(test_r5_common_and_patterns)
{
	ck_assert_str_eq(codes(NULL, "Admin@123", NULL, NULL), "common_password");
	ck_assert_str_eq(codes(NULL, "WoAiNi1314!", NULL, NULL), "common_password");
	ck_assert_str_eq(codes(NULL, "1qaz@WSX", NULL, NULL), "keyboard_pattern");
	ck_assert_str_eq(codes(NULL, "Abcd1234!", NULL, NULL), "sequence");
	ck_assert_str_eq(codes(NULL, "Aaaaaaaa1!", NULL, NULL), "repeated_chars");
}
END_TEST

START_TEST(test_r3_personal)
{
	cp_person *p = NULL;
	ck_assert_int_eq(cp_person_new(&p), CP_OK);
	ck_assert_int_eq(cp_person_add(p, "name", "\xe5\xbc\xa0\xe4\xbc\x9f", NULL), CP_OK);
	ck_assert_int_eq(cp_person_add(p, "birthday", "1990-03-15", NULL), CP_OK);
	ck_assert_str_eq(codes(NULL, "Zhangwei@1990", NULL, p), "personal_info");
	ck_assert_str_eq(codes(NULL, "Zh@ngW3i!x", NULL, p), "personal_info");
	ck_assert_str_eq(codes(NULL, "Horqin#River%82", NULL, p), "");
	/* Without the person, the same password has nothing personal. */
	ck_assert_str_eq(codes(NULL, "Zhangwei@1990", NULL, NULL), "");
	cp_person_free(p);
}
END_TEST

START_TEST(test_r6_old_password)
{
	ck_assert_str_eq(codes(NULL, "Horqin#River%82", "Horqin#River%82", NULL), "reused");
	ck_assert_str_eq(codes(NULL, "Horqin#River%83", "Horqin#River%82", NULL), "too_similar");
	ck_assert_str_eq(codes(NULL, "Violin%Desert3", "Horqin#River%82", NULL), "");
	/* An unreadable old password resembles nothing; the check still runs. */
	ck_assert_str_eq(codes(NULL, "Violin%Desert3", "\xff\xfe", NULL), "");
}
END_TEST

/* Messages tell what to change and never repeat the password. */
START_TEST(test_messages_never_echo)
{
	static const char *const pws[] = {"Dragonfly#7", "gq7v", "Admin@123", "1qaz@WSX",
	                                  "Aaaaaaaa1!", "Systemctl#1"};
	for (size_t k = 0; k < sizeof(pws) / sizeof(pws[0]); k++) {
		cp_verdict *v = NULL;
		ck_assert_int_eq(cp_check(ck, NULL, pws[k], NULL, NULL, &v), CP_OK);
		ck_assert(!cp_verdict_ok(v));
		for (size_t i = 0; i < cp_verdict_count(v); i++) {
			const char *m = cp_verdict_message(v, i);
			ck_assert(m != NULL && strlen(m) > 10);
			ck_assert_ptr_null(strstr(m, pws[k]));
		}
		ck_assert_ptr_null(cp_verdict_code(v, cp_verdict_count(v)));
		cp_verdict_free(v);
	}
}
END_TEST

START_TEST(test_bad_input)
{
	cp_verdict *v = (cp_verdict *)1;
	ck_assert_int_eq(cp_check(ck, NULL, "Gq7!\xffvR2m", NULL, NULL, &v), CP_ERR_UTF8);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(cp_check(ck, "no-such-class", "Gq7!vR2m", NULL, NULL, &v),
	                 CP_ERR_NOTFOUND);
	ck_assert_int_eq(cp_check(ck, NULL, NULL, NULL, NULL, &v), CP_ERR_INVAL);
	ck_assert_int_eq(cp_check(NULL, NULL, "x", NULL, NULL, &v), CP_ERR_INVAL);
	char big[CP_MAX_PASSWORD_BYTES + 2];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(cp_check(ck, NULL, big, NULL, NULL, &v), CP_ERR_TOOLONG);
	/* U+FDFA expands 18-fold under NFKC: bounded after normalisation too. */
	char expand[CP_MAX_PASSWORD_BYTES];
	size_t n = 0;
	while (n + 3 < sizeof(expand)) {
		memcpy(expand + n, "\xef\xb7\xba", 3);
		n += 3;
	}
	expand[n] = '\0';
	ck_assert_int_eq(cp_check(ck, NULL, expand, NULL, NULL, &v), CP_ERR_TOOLONG);
}
END_TEST

START_TEST(test_without_index)
{
	cp_checker *bare = NULL;
	ck_assert_int_eq(cp_checker_new_with_index(cfg, NULL, &bare), CP_OK);
	ck_assert(!cp_checker_has_index(bare));
	cp_verdict *v = NULL;
	ck_assert_int_eq(cp_check(bare, NULL, "Dragonfly#7", NULL, NULL, &v), CP_OK);
	ck_assert(cp_verdict_ok(v));
	cp_verdict_free(v);
	ck_assert_int_eq(cp_check(bare, NULL, "1qaz@WSX", NULL, NULL, &v), CP_OK);
	ck_assert(cp_verdict_has(v, "keyboard_pattern"));
	cp_verdict_free(v);
	cp_checker_free(bare);
}
END_TEST

/* index_missing = skip (default) vs reject, for a configured index path. */
START_TEST(test_index_missing_policy)
{
	static const char skip[] = "index = /nonexistent/banned.idx\n";
	static const char reject[] = "index = /nonexistent/banned.idx\nindex_missing = reject\n";
	cp_config *c = NULL;
	cp_checker *k = NULL;
	char *msg = NULL;
	ck_assert_int_eq(cp_config_load_buffer(skip, strlen(skip), "skip", &c, NULL), CP_OK);
	ck_assert_int_eq(cp_checker_new(c, &k, &msg), CP_OK);
	ck_assert(!cp_checker_has_index(k));
	ck_assert_ptr_nonnull(msg);
	free(msg);
	cp_checker_free(k);
	cp_config_free(c);
	ck_assert_int_eq(cp_config_load_buffer(reject, strlen(reject), "rej", &c, NULL), CP_OK);
	k = NULL;
	ck_assert_int_lt(cp_checker_new(c, &k, NULL), 0);
	ck_assert_ptr_null(k);
	cp_config_free(c);
}
END_TEST

static void *check_many(void *arg)
{
	(void)arg;
	for (int i = 0; i < 200; i++) {
		cp_verdict *v = NULL;
		if (cp_check(ck, NULL, i % 2 ? "Dragonfly#7" : "Horqin#River%82", NULL, NULL, &v) !=
		    CP_OK)
			return (void *)1;
		bool ok = cp_verdict_ok(v);
		cp_verdict_free(v);
		if (ok != (i % 2 == 0))
			return (void *)1;
	}
	return NULL;
}

/* One checker shared by threads gives every thread the right answers. */
START_TEST(test_shared_checker_threads)
{
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, check_many, NULL), 0);
	for (int i = 0; i < 4; i++) {
		void *res = NULL;
		pthread_join(t[i], &res);
		ck_assert_ptr_null(res);
	}
}
END_TEST

static Suite *check_suite(void)
{
	Suite *s = suite_create("check");
	TCase *tc = tcase_create("rules");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_r1_r2_reported_together);
	tcase_add_test(tc, test_r4_words_and_commands);
	tcase_add_test(tc, test_r5_common_and_patterns);
	tcase_add_test(tc, test_r3_personal);
	tcase_add_test(tc, test_r6_old_password);
	tcase_add_test(tc, test_messages_never_echo);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_without_index);
	tcase_add_test(tc, test_index_missing_policy);
	tcase_add_test(tc, test_shared_checker_threads);
	suite_add_tcase(s, tc);
	return s;
}

CP_TEST_MAIN(check_suite)
