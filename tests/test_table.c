/* test_table.c - the rule engine against tests/cases.tsv: each line is a
 * password with the verdict the regulation asks for, tied to its R-number.
 *
 * Columns (tab-separated): rule, expect, class, password, old, note.
 *   expect  "accept", or a reason code the verdict must contain, or
 *           "!code" for a code it must not contain
 *   class   an account class, or "-" for the default class
 *   old     the previous password (R6), or "-"
 * Every case is checked for the sample person 张伟 (see make_person). */
#include "credpolicy.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#define MAX_FIELDS 6

static cp_person *make_person(void)
{
	static const char *const facts[][2] = {
		{"name", "\xe5\xbc\xa0\xe4\xbc\x9f"}, /* 张伟 */
		{"birthday", "1990-03-15"},
		{"phone", "13870615294"},
		{"id_card", "110105199003151239"},
		{"employee_id", "E10086"},
		{"username", "zhangw"},
		{"email", "wei.zhang@example.gov.cn"},
	};
	cp_person *p = NULL;
	ck_assert_int_eq(cp_person_new(&p), CP_OK);
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++)
		ck_assert_int_eq(cp_person_add(p, facts[i][0], facts[i][1], NULL), CP_OK);
	return p;
}

static size_t split_fields(char *line, char **fields)
{
	size_t n = 0;
	line[strcspn(line, "\n")] = '\0';
	for (char *f = line; n < MAX_FIELDS; n++) {
		fields[n] = f;
		char *tab = strchr(f, '\t');
		if (tab == NULL)
			return n + 1;
		*tab = '\0';
		f = tab + 1;
	}
	return n;
}

static void print_verdict(const cp_verdict *v)
{
	for (size_t i = 0; i < cp_verdict_count(v); i++)
		fprintf(stderr, " %s", cp_verdict_code(v, i));
	fputc('\n', stderr);
}

/* 1 if the case holds, 0 if not (and says why on stderr). */
static int run_case(const cp_checker *ck, const cp_person *p, unsigned lineno, char **f)
{
	const char *expect = f[1];
	const char *cls = strcmp(f[2], "-") == 0 ? NULL : f[2];
	const char *old = strcmp(f[4], "-") == 0 ? NULL : f[4];
	cp_verdict *v = NULL;
	int rc = cp_check(ck, cls, f[3], old, p, &v);
	bool ok;
	if (rc != CP_OK)
		ok = false;
	else if (strcmp(expect, "accept") == 0)
		ok = cp_verdict_ok(v);
	else if (expect[0] == '!')
		ok = !cp_verdict_has(v, expect + 1);
	else
		ok = cp_verdict_has(v, expect);
	if (!ok) {
		fprintf(stderr, "cases.tsv:%u: %s expects %s for \"%s\" (%s), got rc=%d:", lineno,
		        f[0], expect, f[3], f[5], rc);
		print_verdict(v);
	}
	cp_verdict_free(v);
	return ok;
}

START_TEST(test_table_cases)
{
	const char *path = getenv("CREDPOLICY_TEST_CASES");
	FILE *f = fopen(path != NULL ? path : "tests/cases.tsv", "r");
	ck_assert_msg(f != NULL, "cannot open the case table");
	cp_config *cfg = cp_config_new_default();
	cp_index *idx = NULL;
	cp_checker *ck = NULL;
	ck_assert_int_eq(cp_index_open(cp_test_index_path(), &idx, NULL), CP_OK);
	ck_assert_int_eq(cp_checker_new_with_index(cfg, idx, &ck), CP_OK);
	cp_person *p = make_person();

	char line[4096];
	unsigned lineno = 0, cases = 0, failures = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		char *fields[MAX_FIELDS];
		ck_assert_msg(split_fields(line, fields) == MAX_FIELDS,
		              "cases.tsv:%u: needs %d tab-separated fields", lineno, MAX_FIELDS);
		ck_assert_msg(fields[0][0] == 'R', "cases.tsv:%u: no R-number", lineno);
		cases++;
		failures += !run_case(ck, p, lineno, fields);
	}
	fclose(f);
	cp_person_free(p);
	cp_checker_free(ck);
	cp_index_close(idx);
	cp_config_free(cfg);
	ck_assert_uint_ge(cases, 200);
	ck_assert_msg(failures == 0, "%u of %u cases failed", failures, cases);
}
END_TEST

static Suite *table_suite(void)
{
	Suite *s = suite_create("table");
	TCase *tc = tcase_create("cases");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_table_cases);
	suite_add_tcase(s, tc);
	return s;
}

CP_TEST_MAIN(table_suite)
