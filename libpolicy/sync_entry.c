/* sync_entry.c - from a directory entry to a person, account or group
 * record: the [ldap_map] attribute of each field (first present wins, as
 * nslcd's map), every value checked (ldap_values.c), and a refusal that
 * names the entry's DN and the attribute - never the value, which may be
 * personal information (R23) or an attack on whoever reads the message.
 *
 * An entry is taken whole or refused whole: a record half made of what
 * the directory said would be neither the directory's truth nor the
 * ledger's. */
#include "sync_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const sync_kind_names[SK_COUNT] = {"person", "account", "group"};

/* [ldap_map] key of each field. */
static const char *const field_keys[SF_COUNT] = {
    [SF_EMPLOYEE_ID] = "employee_id",
    [SF_DISPLAY_NAME] = "display_name",
    [SF_NAME] = "name",
    [SF_PHONE] = "phone",
    [SF_BIRTHDAY] = "birthday",
    [SF_ID_CARD] = "id_card",
    [SF_DEPARTED] = "departed",
    [SF_ACCOUNT_NAME] = "account_name",
    [SF_SCOPE] = "scope",
    [SF_CLASS] = "class",
    [SF_KIND] = "kind",
    [SF_OWNER] = "owner",
    [SF_CUSTODIAN] = "custodian",
    [SF_OTP] = "otp",
    [SF_MUST_CHANGE] = "must_change",
    [SF_RESET] = "reset",
    [SF_LOCKED] = "locked",
    [SF_DISABLED] = "disabled",
    [SF_LAST_CHANGE] = "last_change",
    [SF_GROUP_NAME] = "group_name",
    [SF_GROUP_MEMBER] = "group_member",
    [SF_GROUP_SCOPE] = "group_scope",
    [SF_ENTRY_UUID] = "entry_uuid",
    [SF_MODIFIED] = "modified",
};

/* The fields each kind of entry reads, SF_COUNT-terminated. */
static const enum sync_field kind_fields[SK_COUNT][13] = {
    [SK_PERSON] = {SF_EMPLOYEE_ID, SF_DISPLAY_NAME, SF_NAME, SF_PHONE, SF_BIRTHDAY, SF_ID_CARD,
                   SF_DEPARTED, SF_COUNT},
    [SK_ACCOUNT] = {SF_ACCOUNT_NAME, SF_SCOPE, SF_CLASS, SF_KIND, SF_OWNER, SF_CUSTODIAN, SF_OTP,
                    SF_MUST_CHANGE, SF_RESET, SF_LOCKED, SF_DISABLED, SF_LAST_CHANGE, SF_COUNT},
    [SK_GROUP] = {SF_GROUP_NAME, SF_GROUP_MEMBER, SF_GROUP_SCOPE, SF_COUNT},
};

/* ------------------------------------------------------------ the map */

int sync_map_init(struct sync_map *m, const cp_config *cfg)
{
	memset(m, 0, sizeof(*m));
	for (size_t f = 0; f < SF_COUNT; f++) {
		const char *v = cp_ldap_map(cfg, field_keys[f]);
		if ((m->text[f] = strdup(v != NULL ? v : "")) == NULL) {
			sync_map_free(m);
			return CP_ERR_NOMEM;
		}
		char *save = NULL;
		for (char *a = strtok_r(m->text[f], " \t", &save);
		     a != NULL && m->nattrs[f] < SYNC_MAP_ATTRS; a = strtok_r(NULL, " \t", &save))
			m->attrs[f][m->nattrs[f]++] = a;
	}
	return CP_OK;
}

void sync_map_free(struct sync_map *m)
{
	for (size_t f = 0; f < SF_COUNT; f++)
		free(m->text[f]);
	memset(m, 0, sizeof(*m));
}

static bool name_eq(const char *a, size_t alen, const char *b)
{
	if (alen != strlen(b))
		return false;
	for (size_t i = 0; i < alen; i++)
		if ((a[i] | 0x20) != (b[i] | 0x20))
			return false;
	return true;
}

static bool listed(char **v, size_t n, const char *a)
{
	for (size_t i = 0; i < n; i++)
		if (name_eq(v[i], strlen(v[i]), a))
			return true;
	return false;
}

char **sync_map_request(const struct sync_map *m, enum sync_kind kind)
{
	static const enum sync_field every_kind[] = {SF_ENTRY_UUID, SF_MODIFIED, SF_COUNT};
	char **v = calloc(SYNC_MAP_ATTRS * 15 + 1, sizeof(*v));
	size_t n = 0;
	if (v == NULL)
		return NULL;
	for (int pass = 0; pass < 2; pass++)
		for (const enum sync_field *f = pass == 0 ? kind_fields[kind] : every_kind;
		     *f != SF_COUNT; f++)
			for (size_t i = 0; i < m->nattrs[*f]; i++)
				if (!listed(v, n, m->attrs[*f][i]))
					v[n++] = (char *)m->attrs[*f][i];
	return v;
}

bool sync_attr_is_guid(const char *a)
{
	size_t n = strcspn(a, ";"); /* options, as in objectGUID;binary */
	return name_eq(a, n, "objectGUID") || name_eq(a, n, "1.2.840.113556.1.4.2");
}

bool sync_map_entry_uuid(const struct sync_map *m)
{
	const char *a = m->nattrs[SF_ENTRY_UUID] == 1 ? m->attrs[SF_ENTRY_UUID][0] : "";
	return name_eq(a, strlen(a), "entryUUID");
}

char *sync_uuid_assertions(const struct sync_map *m, const char uuid[37])
{
	char *all = strdup("");
	for (size_t i = 0; all != NULL && i < m->nattrs[SF_ENTRY_UUID]; i++) {
		const char *a = m->attrs[SF_ENTRY_UUID][i];
		char value[16 * 3 + 1] = "";
		unsigned char o[16];
		if (sync_attr_is_guid(a) && ldv_guid_octets(uuid, o))
			for (size_t k = 0; k < 16; k++) /* RFC 4515 escapes, as AD wants them */
				snprintf(value + 3 * k, 4, "\\%02x", o[k]);
		char *next = cp_asprintf("%s(%s=%s)", all, a, *value != '\0' ? value : uuid);
		free(all);
		all = next;
	}
	return all;
}

/* ------------------------------------------------------------ reading an entry */

int sync_entry_read(LDAP *ld, LDAPMessage *msg, struct sync_entry *e)
{
	BerElement *ber = NULL;
	struct berval dn = {0}, name = {0};
	BerVarray vals = NULL;
	memset(e, 0, sizeof(*e));
	if (ldap_get_dn_ber(ld, msg, &ber, &dn) != LDAP_SUCCESS)
		return CP_ERR_IO;
	int rc = (e->dn = malloc(dn.bv_len + 1)) != NULL ? CP_OK : CP_ERR_NOMEM;
	if (rc == CP_OK) {
		memcpy(e->dn, dn.bv_val, dn.bv_len);
		e->dn[dn.bv_len] = '\0';
		e->dnlen = dn.bv_len;
	}
	size_t cap = 0;
	/* The end of the list is LDAP_SUCCESS with no name; an error is an
	 * entry that cannot be decoded past some attribute. Taking what came
	 * before would make a lock or a flag further on look absent. */
	while (rc == CP_OK) {
		if (ldap_get_attribute_ber(ld, msg, ber, &name, &vals) != LDAP_SUCCESS) {
			rc = CP_ERR_IO; /* vals: ber_scanf's own cleanup */
			break;
		}
		if (name.bv_val == NULL)
			break;
		if (e->nattrs == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			struct sync_attr *a = realloc(e->attrs, cap * sizeof(*a));
			if (a == NULL) {
				ber_memfree(vals);
				rc = CP_ERR_NOMEM;
				break;
			}
			e->attrs = a;
		}
		struct sync_attr *a = &e->attrs[e->nattrs++];
		a->name = name;
		a->vals = vals;
		for (a->nvals = 0; vals != NULL && vals[a->nvals].bv_val != NULL; a->nvals++)
			;
		vals = NULL;
	}
	ber_free(ber, 0);
	return rc;
}

void sync_entry_release(struct sync_entry *e)
{
	for (size_t i = 0; i < e->nattrs; i++)
		ber_memfree(e->attrs[i].vals);
	free(e->attrs);
	free(e->dn);
	memset(e, 0, sizeof(*e));
}

/* ------------------------------------------------------------ refusals */

struct parse {
	const struct sync_map *m;
	const cp_config *cfg;
	const struct sync_entry *e;
	struct sync_rec *r;
	char **problem;
};

static const char *problem_text(enum ldv_problem p)
{
	switch (p) {
	case LDV_EMPTY:
		return _("the value is empty");
	case LDV_TOOLONG:
		return _("the value is too long");
	case LDV_UTF8:
		return _("the value is not valid UTF-8 or contains a NUL byte");
	case LDV_CONTROL:
		return _("the value contains a control character");
	case LDV_FILTER:
		return _("the value contains a character a name may not have: *, (, ) or \\");
	case LDV_SYNTAX:
		return _("the value is not of the attribute's syntax");
	case LDV_RANGE:
		return _("the value is out of range");
	case LDV_OK:
		break;
	}
	return "";
}

/* Refuse the entry: "DN: attribute ATTR: why". */
static int refuse(struct parse *ps, const char *attr, const char *why)
{
	char *dn = ldv_printable(ps->e->dn != NULL ? ps->e->dn : "", ps->e->dnlen);
	if (attr != NULL)
		cp_set_errmsg(ps->problem, _("%s: attribute %s: %s"), dn != NULL ? dn : "?", attr,
		              why);
	else
		cp_set_errmsg(ps->problem, "%s: %s", dn != NULL ? dn : "?", why);
	free(dn);
	return CP_ERR_INVAL;
}

static int refuse_value(struct parse *ps, const char *attr, enum ldv_problem p)
{
	return refuse(ps, attr, problem_text(p));
}

/* ------------------------------------------------------------ fields */

static const struct sync_attr *find_attr(const struct sync_entry *e, const char *name)
{
	for (size_t i = 0; i < e->nattrs; i++)
		if (e->attrs[i].nvals > 0 &&
		    name_eq(e->attrs[i].name.bv_val, e->attrs[i].name.bv_len, name))
			return &e->attrs[i];
	return NULL;
}

/* The first attribute of field f that the entry has, and its name. */
static const struct sync_attr *field(const struct parse *ps, enum sync_field f, const char **name)
{
	for (size_t i = 0; i < ps->m->nattrs[f]; i++) {
		const struct sync_attr *a = find_attr(ps->e, ps->m->attrs[f][i]);
		if (a != NULL) {
			*name = ps->m->attrs[f][i];
			return a;
		}
	}
	*name = ps->m->nattrs[f] > 0 ? ps->m->attrs[f][0] : field_keys[f];
	return NULL;
}

enum value_rule { V_NAME, V_ID_TEXT, V_TEXT, V_FREE_TEXT };

static enum ldv_problem check_value(const struct berval *v, enum value_rule rule)
{
	switch (rule) {
	case V_NAME:
		return ldv_name(v->bv_val, v->bv_len);
	case V_ID_TEXT:
		return ldv_text(v->bv_val, v->bv_len, SYNC_ID_MAX, false);
	case V_TEXT:
		return ldv_text(v->bv_val, v->bv_len, SYNC_TEXT_MAX, false);
	case V_FREE_TEXT:
		return ldv_text(v->bv_val, v->bv_len, SYNC_TEXT_MAX, true);
	}
	return LDV_SYNTAX;
}

/* One checked text value of field f into *out (malloc'ed); NULL when the
 * entry lacks it and it is not required. first: take the first of several
 * values (a display name) rather than refuse them. */
static int text_field(struct parse *ps, enum sync_field f, enum value_rule rule, bool required,
                      bool first, char **out)
{
	const char *name = NULL;
	const struct sync_attr *a = field(ps, f, &name);
	*out = NULL;
	if (a == NULL)
		return required ? refuse(ps, name, _("the attribute is missing")) : CP_OK;
	if (a->nvals > 1 && !first)
		return refuse(ps, name, _("the attribute has more than one value"));
	enum ldv_problem p = check_value(&a->vals[0], rule);
	if (p != LDV_OK)
		return refuse_value(ps, name, p);
	*out = strndup(a->vals[0].bv_val, a->vals[0].bv_len);
	return *out != NULL ? CP_OK : CP_ERR_NOMEM;
}

/* The single raw value of field f (NULL: absent), for the syntax parsers. */
static int raw_field(struct parse *ps, enum sync_field f, const struct berval **v,
                     const char **name)
{
	const struct sync_attr *a = field(ps, f, name);
	*v = NULL;
	if (a == NULL)
		return CP_OK;
	if (a->nvals > 1)
		return refuse(ps, *name, _("the attribute has more than one value"));
	*v = &a->vals[0];
	return CP_OK;
}

static int bool_field(struct parse *ps, enum sync_field f, bool *out)
{
	const struct berval *v = NULL;
	const char *name = NULL;
	int rc = raw_field(ps, f, &v, &name);
	enum ldv_problem p =
	    rc == CP_OK && v != NULL ? ldv_bool(v->bv_val, v->bv_len, out) : LDV_OK;
	return p != LDV_OK ? refuse_value(ps, name, p) : rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every value of field f, checked as names, sorted, duplicates dropped. */
static int name_list(struct parse *ps, enum sync_field f, char ***out, size_t *n)
{
	const char *name = NULL;
	const struct sync_attr *a = field(ps, f, &name);
	*out = NULL;
	*n = 0;
	if (a == NULL)
		return CP_OK;
	if (a->nvals > SYNC_VALUES_MAX)
		return refuse(ps, name, _("the attribute has too many values"));
	char **v = calloc(a->nvals, sizeof(*v));
	if (v == NULL)
		return CP_ERR_NOMEM;
	*out = v;
	for (size_t i = 0; i < a->nvals; i++) {
		enum ldv_problem p = ldv_name(a->vals[i].bv_val, a->vals[i].bv_len);
		if (p != LDV_OK)
			return refuse_value(ps, name, p);
		if ((v[(*n)++] = strndup(a->vals[i].bv_val, a->vals[i].bv_len)) == NULL)
			return CP_ERR_NOMEM;
	}
	qsort(v, *n, sizeof(*v), cmp_str);
	size_t k = 0;
	for (size_t i = 0; i < *n; i++) {
		if (k > 0 && strcmp(v[k - 1], v[i]) == 0)
			free(v[i]);
		else
			v[k++] = v[i];
	}
	*n = k;
	return CP_OK;
}

/* ------------------------------------------------------------ people */

/* Add every value of field f to the person's information as key. */
static int person_fact(struct parse *ps, enum sync_field f, const char *key, bool all_values)
{
	const char *name = NULL;
	const struct sync_attr *a = field(ps, f, &name);
	size_t n = a == NULL ? 0 : all_values ? a->nvals : 1;
	if (a != NULL && a->nvals > 16)
		return refuse(ps, name, _("the attribute has too many values"));
	for (size_t i = 0; i < n; i++) {
		enum ldv_problem p =
		    ldv_text(a->vals[i].bv_val, a->vals[i].bv_len, SYNC_TEXT_MAX, false);
		if (p != LDV_OK)
			return refuse_value(ps, name, p);
		char *value = strndup(a->vals[i].bv_val, a->vals[i].bv_len), *msg = NULL;
		int rc =
		    value != NULL ? cp_person_add(ps->r->p.info, key, value, &msg) : CP_ERR_NOMEM;
		cp_free_secret(value);
		if (rc != CP_OK && rc != CP_ERR_NOMEM)
			rc = refuse(ps, name, msg != NULL ? msg : cp_strerror(rc));
		free(msg);
		if (rc != CP_OK)
			return rc;
	}
	return CP_OK;
}

static int parse_person(struct parse *ps)
{
	struct sync_person *p = &ps->r->p;
	int rc = text_field(ps, SF_EMPLOYEE_ID, V_NAME, true, false, &p->employee_id);
	if (rc == CP_OK)
		rc = text_field(ps, SF_DISPLAY_NAME, V_TEXT, false, true, &p->display_name);
	if (rc == CP_OK)
		rc = cp_person_new(&p->info);
	/* An id of no letters or digits gives no tokens: nothing to refuse. */
	if (rc == CP_OK &&
	    cp_person_add(p->info, "employee_id", p->employee_id, NULL) == CP_ERR_NOMEM)
		rc = CP_ERR_NOMEM;
	if (rc == CP_OK)
		rc = person_fact(ps, SF_NAME, "name", true);
	if (rc == CP_OK)
		rc = person_fact(ps, SF_PHONE, "phone", true);
	if (rc == CP_OK)
		rc = person_fact(ps, SF_BIRTHDAY, "birthday", false);
	if (rc == CP_OK)
		rc = person_fact(ps, SF_ID_CARD, "id_card", false);
	const struct berval *v = NULL;
	const char *name = NULL;
	if (rc == CP_OK)
		rc = raw_field(ps, SF_DEPARTED, &v, &name);
	enum ldv_problem pr =
	    rc == CP_OK && v != NULL ? ldv_time(v->bv_val, v->bv_len, false, &p->departed) : LDV_OK;
	return pr != LDV_OK ? refuse_value(ps, name, pr) : rc;
}

/* ------------------------------------------------------------ accounts */

static int account_class(struct parse *ps)
{
	struct sync_account *a = &ps->r->a;
	int rc = text_field(ps, SF_CLASS, V_ID_TEXT, false, false, &a->class_name);
	if (rc != CP_OK || a->class_name == NULL)
		return rc;
	const cp_class *c = cp_config_class(ps->cfg, a->class_name);
	if (c != NULL)
		return CP_OK;
	const char *name = NULL;
	field(ps, SF_CLASS, &name);
	char *why =
	    cp_asprintf(_("class \"%s\" is not defined in the configuration"), a->class_name);
	rc = why != NULL ? refuse(ps, name, why) : CP_ERR_NOMEM;
	free(why);
	return rc;
}

static int account_kind(struct parse *ps)
{
	static const char *const words[] = {"personal", "service", "break-glass"};
	const struct berval *v = NULL;
	const char *name = NULL;
	int rc = raw_field(ps, SF_KIND, &v, &name);
	ps->r->a.kind = CP_ACCOUNT_PERSONAL;
	if (rc != CP_OK || v == NULL)
		return rc;
	for (size_t i = 0; i < 3; i++)
		if (name_eq(v->bv_val, v->bv_len, words[i])) {
			ps->r->a.kind = (cp_account_kind)i;
			return CP_OK;
		}
	return refuse(ps, name,
	              _("unknown account kind (expected personal, service or break-glass)"));
}

/* Lock (ppolicy's time or its "locked for good", AD's lockoutTime, or an
 * account AD has disabled) and the last change (a zero shadowLastChange or
 * pwdLastSet means "must change", shadow(5)). */
static int account_times(struct parse *ps)
{
	struct sync_account *a = &ps->r->a;
	const struct berval *v = NULL;
	const char *name = NULL;
	bool zero = false, locked = false;
	int rc = raw_field(ps, SF_LOCKED, &v, &name);
	enum ldv_problem p =
	    rc == CP_OK && v != NULL ? ldv_locked(v->bv_val, v->bv_len, &locked) : LDV_OK;
	if (p != LDV_OK)
		return refuse_value(ps, name, p);
	a->locked = locked;
	if (rc == CP_OK)
		rc = raw_field(ps, SF_DISABLED, &v, &name);
	p = rc == CP_OK && v != NULL ? ldv_account_control(v->bv_val, v->bv_len, &locked) : LDV_OK;
	if (p != LDV_OK)
		return refuse_value(ps, name, p);
	a->locked = a->locked || locked;
	if (rc == CP_OK)
		rc = raw_field(ps, SF_LAST_CHANGE, &v, &name);
	p = rc == CP_OK && v != NULL ? ldv_last_change(v->bv_val, v->bv_len, &a->last_change, &zero)
	                             : LDV_OK;
	if (p != LDV_OK)
		return refuse_value(ps, name, p);
	a->reset = a->reset || zero;
	return rc;
}

static int parse_account(struct parse *ps)
{
	struct sync_account *a = &ps->r->a;
	int rc = text_field(ps, SF_ACCOUNT_NAME, V_NAME, true, false, &a->name);
	if (rc == CP_OK)
		rc = text_field(ps, SF_SCOPE, V_ID_TEXT, false, false, &a->scope);
	if (rc == CP_OK && a->scope == NULL && (a->scope = strdup("*")) == NULL)
		rc = CP_ERR_NOMEM;
	if (rc == CP_OK)
		rc = account_class(ps);
	if (rc == CP_OK)
		rc = account_kind(ps);
	if (rc == CP_OK)
		rc = name_list(ps, SF_OWNER, &a->owners, &a->nowners);
	if (rc == CP_OK)
		rc = name_list(ps, SF_CUSTODIAN, &a->custodians, &a->ncustodians);
	if (rc == CP_OK)
		rc = bool_field(ps, SF_OTP, &a->otp);
	if (rc == CP_OK)
		rc = text_field(ps, SF_MUST_CHANGE, V_FREE_TEXT, false, false, &a->must_change);
	if (rc == CP_OK)
		rc = bool_field(ps, SF_RESET, &a->reset);
	if (rc == CP_OK)
		rc = account_times(ps);
	return rc;
}

/* ------------------------------------------------------------ groups */

/* Whether the entry has attribute a with a range option ("member;range=
 * 0-1499"): Active Directory sends a large group's members in ranges and
 * expects more searches for the rest. */
static bool ranged(const struct sync_entry *e, const char *a)
{
	size_t n = strlen(a);
	for (size_t i = 0; i < e->nattrs; i++) {
		const struct berval *an = &e->attrs[i].name;
		if (an->bv_len > n + 7 && name_eq(an->bv_val, n, a) &&
		    name_eq(an->bv_val + n, 7, ";range="))
			return true;
	}
	return false;
}

static int group_members(struct parse *ps)
{
	struct sync_group *g = &ps->r->g;
	const char *name = NULL;
	/* Reading only the first range would drop the others' memberships. */
	for (size_t i = 0; i < ps->m->nattrs[SF_GROUP_MEMBER]; i++)
		if (ranged(ps->e, ps->m->attrs[SF_GROUP_MEMBER][i]))
			return refuse(
			    ps, ps->m->attrs[SF_GROUP_MEMBER][i],
			    _("the directory sent the members in ranges (a group larger "
			      "than Active Directory's MaxValRange), which are not read"));
	const struct sync_attr *a = field(ps, SF_GROUP_MEMBER, &name);
	if (a == NULL)
		return CP_OK;
	if (a->nvals > SYNC_VALUES_MAX)
		return refuse(ps, name, _("the attribute has too many values"));
	if ((g->members = calloc(a->nvals, sizeof(char *))) == NULL)
		return CP_ERR_NOMEM;
	for (size_t i = 0; i < a->nvals; i++) {
		const struct berval *v = &a->vals[i];
		enum ldv_problem p = ldv_text(v->bv_val, v->bv_len, SYNC_DN_MAX, false);
		if (p != LDV_OK)
			return refuse_value(ps, name, p);
		if ((g->members[g->nmembers] = ldv_dn_key(v->bv_val, v->bv_len)) == NULL)
			return refuse(ps, name, _("a value is not a DN"));
		g->nmembers++;
	}
	return CP_OK;
}

static int parse_group(struct parse *ps)
{
	struct sync_group *g = &ps->r->g;
	int rc = text_field(ps, SF_GROUP_NAME, V_NAME, true, false, &g->name);
	if (rc == CP_OK)
		rc = text_field(ps, SF_GROUP_SCOPE, V_ID_TEXT, false, false, &g->scope);
	if (rc == CP_OK && g->scope == NULL && (g->scope = strdup("*")) == NULL)
		rc = CP_ERR_NOMEM;
	if (rc == CP_OK)
		rc = group_members(ps);
	return rc;
}

/* ------------------------------------------------------------ the entry */

/* The entry's UUID: a Sync State control's, else its entry_uuid
 * attribute's (RFC 4530 text, or Active Directory's 16 octets). */
static enum ldv_problem entry_uuid(struct parse *ps, const char *uuid, const char **name,
                                   bool *missing)
{
	const struct sync_attr *a = field(ps, SF_ENTRY_UUID, name);
	*missing = uuid == NULL && a == NULL;
	if (uuid != NULL) {
		snprintf(ps->r->uuid, sizeof(ps->r->uuid), "%s", uuid);
		return LDV_OK;
	}
	if (a == NULL)
		return LDV_EMPTY;
	const struct berval *v = &a->vals[0];
	return sync_attr_is_guid(*name) ? ldv_guid(v->bv_val, v->bv_len, ps->r->uuid)
	                                : ldv_uuid_text(v->bv_val, v->bv_len, ps->r->uuid);
}

static int entry_identity(struct parse *ps, const char *uuid)
{
	struct sync_rec *r = ps->r;
	const char *name = NULL;
	bool missing = false;
	enum ldv_problem p = entry_uuid(ps, uuid, &name, &missing);
	if (p != LDV_OK)
		return missing ? refuse(ps, name, _("the attribute is missing"))
		               : refuse_value(ps, name, p);
	const struct sync_attr *a = field(ps, SF_MODIFIED, &name);
	if (a == NULL ||
	    ldv_time(a->vals[0].bv_val, a->vals[0].bv_len, false, &r->modified) != LDV_OK)
		r->modified = 0; /* operational, written by the server: used only when valid */
	p = ldv_text(ps->e->dn, ps->e->dnlen, SYNC_DN_MAX, false);
	if (p != LDV_OK) {
		char *why = cp_asprintf(_("the DN is refused: %s"), problem_text(p));
		int rc = why != NULL ? refuse(ps, NULL, why) : CP_ERR_NOMEM;
		free(why);
		return rc;
	}
	r->dn = strdup(ps->e->dn);
	return r->dn != NULL ? CP_OK : CP_ERR_NOMEM;
}

int sync_entry_parse(const struct sync_map *m, const cp_config *cfg, enum sync_kind kind,
                     const struct sync_entry *e, const char *uuid, struct sync_rec *r,
                     char **problem)
{
	struct parse ps = {.m = m, .cfg = cfg, .e = e, .r = r, .problem = problem};
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	int rc = entry_identity(&ps, uuid);
	if (rc == CP_OK)
		rc = kind == SK_PERSON    ? parse_person(&ps)
		     : kind == SK_ACCOUNT ? parse_account(&ps)
		                          : parse_group(&ps);
	if (rc != CP_OK) {
		char keep[37];
		memcpy(keep, r->uuid, sizeof(keep));
		sync_rec_clear(r);
		memcpy(r->uuid, keep, sizeof(keep)); /* a refused entry still exists */
	}
	return rc;
}

static void str_list_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void sync_rec_clear(struct sync_rec *r)
{
	free(r->dn);
	switch (r->kind) {
	case SK_PERSON:
		free(r->p.employee_id);
		free(r->p.display_name);
		cp_person_free(r->p.info);
		break;
	case SK_ACCOUNT:
		free(r->a.name);
		free(r->a.scope);
		free(r->a.class_name);
		free(r->a.must_change);
		str_list_free(r->a.owners, r->a.nowners);
		str_list_free(r->a.custodians, r->a.ncustodians);
		break;
	default:
		free(r->g.name);
		free(r->g.scope);
		str_list_free(r->g.members, r->g.nmembers);
	}
	enum sync_kind kind = r->kind;
	memset(r, 0, sizeof(*r));
	r->kind = kind;
}
