/* fuzz_check.c - libFuzzer target for the rule engine and the personal-
 * information parsers. The first byte picks what to exercise; the rest is
 * "password\nold password" or a value for cp_person_add. */
#include "credpolicy.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cp_config *cfg;
static cp_index *idx;
static cp_checker *ck;
static cp_person *person;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	cfg = cp_config_new_default();
	const char *path = getenv("CREDPOLICY_TEST_INDEX");
	if (path != NULL)
		cp_index_open(path, &idx, NULL);
	cp_checker_new_with_index(cfg, idx, &ck);
	cp_person_new(&person);
	cp_person_add(person, "name", "\xe5\xbc\xa0\xe4\xbc\x9f", NULL);
	cp_person_add(person, "birthday", "1990-03-15", NULL);
	cp_person_add(person, "phone", "13812345678", NULL);
	return 0;
}

static void fuzz_person(uint8_t selector, const char *value)
{
	static const char *const keys[] = {"name", "username", "employee_id", "email",
	                                   "phone", "birthday", "id_card", "bogus"};
	cp_person *p = NULL;
	if (cp_person_new(&p) != CP_OK)
		return;
	char *msg = NULL;
	cp_person_add(p, keys[selector & 7], value, &msg);
	free(msg);
	cp_person_add_token(p, value);
	for (size_t i = 0; i < cp_person_token_count(p); i++)
		(void)cp_person_token(p, i);
	cp_person_free(p);
}

static void fuzz_check(uint8_t selector, char *text)
{
	static const char *const classes[] = {NULL, "important-host", "admin-workstation",
	                                      "new-media"};
	char *old = strchr(text, '\n');
	if (old != NULL)
		*old++ = '\0';
	cp_verdict *v = NULL;
	if (cp_check(ck, classes[selector & 3], text, (selector & 4) ? old : NULL,
	             (selector & 8) ? person : NULL, &v) == CP_OK) {
		for (size_t i = 0; i < cp_verdict_count(v); i++)
			if (cp_verdict_code(v, i) == NULL || cp_verdict_message(v, i) == NULL)
				abort();
	}
	cp_verdict_free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 8192)
		return 0;
	char *text = malloc(size);
	if (text == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (data[0] & 0x80)
		fuzz_person(data[0], text);
	else
		fuzz_check(data[0], text);
	free(text);
	return 0;
}
