/* fuzz_ldap_values.c - libFuzzer target for what the directory sync makes
 * of directory values (issue 5): the value checks of ldap_values.c and
 * whole entries turned into records by sync_entry.c.
 *
 * The first byte chooses: even, the bytes go to every value function as
 * one value; odd, they are an entry - a DN line, then "attribute:value"
 * lines (one value each, repeats make several). Besides memory errors
 * (ASan/UBSan), the promises are checked and abort() when broken: what is
 * accepted is what the ledger can store, messages are printable. */
#include "sync_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Printable: valid UTF-8 without control characters. */
static void check_printable(const char *s)
{
	if (s == NULL)
		return;
	size_t n = strlen(s);
	if (ldv_text(s, n, n + 1, false) != LDV_OK && n > 0)
		abort();
}

static void check_values(const char *s, size_t n)
{
	bool b = false, zero = false;
	int64_t t = -1;
	char uuid[37];
	if (ldv_text(s, n, SYNC_TEXT_MAX, true) == LDV_OK &&
	    (n == 0 || n > SYNC_TEXT_MAX || memchr(s, 0, n) != NULL || cp_utf8_validate(s, n) < 0))
		abort();
	if (ldv_name(s, n) == LDV_OK &&
	    (memchr(s, '*', n) || memchr(s, '(', n) || memchr(s, ')', n) || memchr(s, '\\', n)))
		abort();
	if (ldv_bool(s, n, &b) == LDV_OK && n != 4 && n != 5)
		abort();
	if (ldv_time(s, n, true, &t) == LDV_OK && t < 0)
		abort();
	if (ldv_last_change(s, n, &t, &zero) == LDV_OK && t < 0)
		abort();
	if (ldv_uuid_text(s, n, uuid) == LDV_OK &&
	    (strlen(uuid) != 36 || strspn(uuid, "0123456789abcdef-") != 36))
		abort();
	if (ldv_locked(s, n, &b) != LDV_OK && b)
		abort();
	if (ldv_account_control(s, n, &b) != LDV_OK && b)
		abort();
	/* A GUID's text goes back to the same 16 octets. */
	unsigned char octets[16];
	if (ldv_guid(s, n, uuid) == LDV_OK &&
	    (!ldv_guid_octets(uuid, octets) || memcmp(octets, s, 16) != 0))
		abort();
	char *p = ldv_printable(s, n);
	check_printable(p);
	free(p);
	char *key = ldv_dn_key(s, n);
	free(key);
	char *copy = strndup(s, n);
	struct berval cookie = {0};
	if (copy != NULL && sync_cookie_parse(copy, &cookie) == CP_OK)
		free(cookie.bv_val);
	free(copy);
}

/* Lines of the input: the DN, then "attr:value". */
static void build_entry(const char *s, size_t n, struct sync_entry *e, struct sync_attr *attrs,
                        struct berval *vals, size_t max)
{
	const char *end = s + n, *nl = memchr(s, '\n', n);
	/* As sync_entry_read: the DN copied whole, a NUL inside included. */
	e->dnlen = nl != NULL ? (size_t)(nl - s) : n;
	if ((e->dn = malloc(e->dnlen + 1)) == NULL)
		abort();
	memcpy(e->dn, s, e->dnlen);
	e->dn[e->dnlen] = '\0';
	e->attrs = attrs;
	for (const char *line = nl != NULL ? nl + 1 : end; line < end && e->nattrs < max;) {
		const char *next = memchr(line, '\n', (size_t)(end - line));
		const char *stop = next != NULL ? next : end;
		const char *colon = memchr(line, ':', (size_t)(stop - line));
		if (colon != NULL) {
			struct sync_attr *a = &attrs[e->nattrs];
			a->name.bv_val = (char *)line;
			a->name.bv_len = (size_t)(colon - line);
			a->vals = &vals[e->nattrs];
			a->vals[0].bv_val = (char *)colon + 1;
			a->vals[0].bv_len = (size_t)(stop - colon - 1);
			a->nvals = 1;
			e->nattrs++;
		}
		line = stop + 1;
	}
}

static void check_record(const struct sync_rec *r)
{
	if (strlen(r->uuid) != 36 || r->dn == NULL ||
	    ldv_text(r->dn, strlen(r->dn), SYNC_DN_MAX, false) != LDV_OK)
		abort();
	const char *key = r->kind == SK_PERSON    ? r->p.employee_id
	                  : r->kind == SK_ACCOUNT ? r->a.name
	                                          : r->g.name;
	if (key == NULL || ldv_name(key, strlen(key)) != LDV_OK)
		abort();
	if (r->kind == SK_ACCOUNT)
		for (size_t i = 0; i < r->a.nowners; i++)
			if (ldv_name(r->a.owners[i], strlen(r->a.owners[i])) != LDV_OK)
				abort();
}

static void check_entry(const char *s, size_t n)
{
	static cp_config *cfg;
	static struct sync_map map;
	if (cfg == NULL &&
	    ((cfg = cp_config_new_default()) == NULL || sync_map_init(&map, cfg) != CP_OK))
		abort();
	struct sync_entry e = {0};
	struct sync_attr attrs[64];
	struct berval vals[64];
	build_entry(s, n, &e, attrs, vals, 64);
	for (int k = 0; k < SK_COUNT; k++) {
		struct sync_rec r;
		char *problem = NULL;
		int rc = sync_entry_parse(&map, cfg, (enum sync_kind)k, &e, NULL, &r, &problem);
		if (rc == CP_OK)
			check_record(&r);
		else if (rc == CP_ERR_INVAL)
			check_printable(problem);
		else if (rc != CP_ERR_NOMEM)
			abort();
		free(problem);
		sync_rec_clear(&r);
	}
	free(e.dn);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] % 2 == 0)
		check_values((const char *)data + 1, size - 1);
	else
		check_entry((const char *)data + 1, size - 1);
	return 0;
}
