/* fuzz_config.c - libFuzzer target for the credpolicy.conf(5) parser.
 *
 * Arbitrary bytes go to cp_config_load_buffer. Besides memory errors
 * (ASan/UBSan), the parser's promises are checked and abort() when broken:
 * a policy is returned whole or not at all, errors carry "name:", and what
 * parsed obeys the limits the file format documents. */
#include "credpolicy.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.conf"

static void check_class(const cp_class *c)
{
	const char *name = cp_class_name(c);
	size_t n = strlen(name);
	if (n == 0 || n > 64 ||
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                 "abcdefghijklmnopqrstuvwxyz0123456789._-") != n)
		abort();
	unsigned len = cp_class_min_length(c), classes = cp_class_min_classes(c);
	unsigned max_age = cp_class_max_age_days(c), warn = cp_class_warn_days(c);
	if (len < 1 || len > CP_MAX_PASSWORD_BYTES || classes < 1 || classes > 4 || len < classes)
		abort();
	if (max_age > 0 && warn >= max_age)
		abort();
	(void)cp_class_otp_exempt(c);
	(void)cp_class_history(c);
	(void)cp_class_similarity(c);
}

static void check_config(const cp_config *cfg)
{
	size_t n = cp_config_class_count(cfg);
	if (n < 4 || cp_config_class_at(cfg, n) != NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		const cp_class *c = cp_config_class_at(cfg, i);
		check_class(c);
		if (cp_config_class(cfg, cp_class_name(c)) != c)
			abort(); /* class names are unique */
	}
	if (cp_config_class(cfg, NULL) == NULL) /* the default class exists */
		abort();
	const char *index = cp_config_index_path(cfg);
	if (index == NULL || index[0] != '/')
		abort();
	(void)cp_config_index_required(cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cp_config *cfg = NULL;
	char *msg = NULL;
	int rc = cp_config_load_buffer((const char *)data, size, NAME, &cfg, &msg);
	if (rc == CP_OK) {
		if (cfg == NULL || msg != NULL)
			abort();
		check_config(cfg);
	} else {
		if (cfg != NULL)
			abort();
		/* Out of memory aside, a refused file says where and why. */
		if (rc == CP_ERR_CONFIG && msg != NULL && strncmp(msg, NAME ":", 10) != 0)
			abort();
		if (rc != CP_ERR_CONFIG && rc != CP_ERR_NOMEM)
			abort();
	}
	free(msg);
	cp_config_free(cfg);
	return 0;
}
