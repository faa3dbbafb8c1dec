/* directory_write.c - what the helpdesk and offboarding change in the
 * directory (R13-R16), so that every host's next sync (or --follow
 * session) sees it: that is what makes "immediately" true for a fleet.
 *
 *  - a new password: the Password Modify extended operation (RFC 3062),
 *    which lets the server hash it with its own scheme and apply its
 *    ppolicy, rather than a userPassword value we would have to hash;
 *  - must change: the mapped "reset" attribute (ppolicy's pwdReset) TRUE,
 *    which OpenLDAP's ppolicy itself enforces at the next bind, and the
 *    mapped "must_change" attribute (credpolicyMustChange) with the
 *    reason, which the sync turns into the ledger's must-change flag;
 *  - lock: the mapped "locked" attribute (pwdAccountLockedTime) set to
 *    000001010000Z, ppolicy's "locked by an administrator until unlocked";
 *  - a leaver's custodian value removed from an account, and the
 *    person's departure time set, so that the sync does not grant the
 *    link back or keep the person active.
 * Each change reads the entry first and writes only what differs, so a
 * re-run changes nothing and says so (*changed false).
 *
 * The password travels only inside libldap's BER buffer of the extended
 * request, over the TLS session cp_ldap_connect insists on; it is never
 * in a message. */
#include "internal.h"
#include "ldap_conn.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct cp_directory {
	const cp_config *cfg;
	LDAP *ld;
};

/* ppolicy's permanent administrative lock. */
static const char LOCKED_FOREVER[] = "000001010000Z";

CP_EXPORT int cp_directory_open(const cp_config *cfg, cp_directory **out, char **errmsg)
{
	if (errmsg != NULL)
		*errmsg = NULL;
	if (out != NULL)
		*out = NULL;
	if (cfg == NULL || out == NULL)
		return CP_ERR_INVAL;
	cp_directory *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return CP_ERR_NOMEM;
	d->cfg = cfg;
	int rc = cp_ldap_connect(cfg, &d->ld, errmsg);
	if (rc != CP_OK) {
		free(d);
		return rc;
	}
	*out = d;
	return CP_OK;
}

CP_EXPORT void cp_directory_close(cp_directory *d)
{
	if (d == NULL)
		return;
	if (d->ld != NULL)
		ldap_unbind_ext_s(d->ld, NULL, NULL);
	free(d);
}

/* ------------------------------------------------------------ helpers */

/* The first attribute mapped to field, malloc'ed. */
static char *first_attr(const cp_config *cfg, const char *field)
{
	const char *a = cp_ldap_map(cfg, field);
	if (a == NULL)
		return NULL;
	a += strspn(a, " \t");
	return strndup(a, strcspn(a, " \t"));
}

/* What was being done when the directory said no. */
enum op { OP_READ, OP_SEARCH, OP_FLAG, OP_PASSWORD, OP_REVOKE, OP_DEPART };

static int ldap_failed(cp_directory *d, int lrc, enum op op, const char *dn, char **errmsg)
{
	char *diag = NULL;
	ldap_get_option(d->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	char *why = diag != NULL && *diag != '\0'
	                ? cp_asprintf("%s: %s", ldap_err2string(lrc), diag)
	                : strdup(ldap_err2string(lrc));
	const char *w = why != NULL ? why : "";
	switch (op) {
	case OP_READ:
		cp_set_errmsg(errmsg, _("the directory refused to read %s: %s"), dn, w);
		break;
	case OP_SEARCH:
		cp_set_errmsg(errmsg, _("the directory search under %s failed: %s"), dn, w);
		break;
	case OP_FLAG:
		cp_set_errmsg(errmsg, _("the directory refused to flag %s: %s"), dn, w);
		break;
	case OP_PASSWORD:
		cp_set_errmsg(errmsg, _("the directory refused to set the password of %s: %s"), dn,
		              w);
		break;
	case OP_REVOKE:
		cp_set_errmsg(errmsg, _("the directory refused to remove a custodian of %s: %s"),
		              dn, w);
		break;
	case OP_DEPART:
		cp_set_errmsg(errmsg, _("the directory refused to mark %s as departed: %s"), dn, w);
		break;
	}
	free(why);
	ldap_memfree(diag);
	return lrc == LDAP_NO_SUCH_OBJECT ? CP_ERR_NOTFOUND : CP_ERR_IO;
}

static int account_dn(cp_directory *d, const char *account, char **dn, char **errmsg)
{
	int rc = cp_ldap_account_dn(d->ld, d->cfg, account, dn, errmsg);
	if (rc == CP_ERR_NOTFOUND)
		cp_set_errmsg(errmsg, _("the directory has no entry for the account '%s'"),
		              account);
	else if (rc == CP_ERR_INVAL)
		cp_set_errmsg(errmsg, _("the directory has several entries for the account '%s'"),
		              account);
	return rc;
}

/* The values of attr and objectClass of dn, read at base scope. */
static int read_entry(cp_directory *d, const char *dn, char **attrs, LDAPMessage **res,
                      char **errmsg)
{
	struct timeval tv = cp_ldap_timeout(d->cfg);
	int lrc = ldap_search_ext_s(d->ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0, NULL,
	                            NULL, &tv, 1, res);
	return lrc == LDAP_SUCCESS ? CP_OK : ldap_failed(d, lrc, OP_READ, dn, errmsg);
}

/* Whether attr of the entry has value (case-insensitive: the attributes
 * we compare are booleans, time stamps and employee ids). */
static bool has_value(LDAP *ld, LDAPMessage *entry, const char *attr, const char *value)
{
	struct berval **v = entry != NULL ? ldap_get_values_len(ld, entry, attr) : NULL;
	bool found = false;
	for (size_t i = 0; v != NULL && v[i] != NULL && !found; i++)
		found = v[i]->bv_len == strlen(value) &&
		        strncasecmp(v[i]->bv_val, value, v[i]->bv_len) == 0;
	ldap_value_free_len(v);
	return found;
}

static bool has_attr(LDAP *ld, LDAPMessage *entry, const char *attr)
{
	struct berval **v = entry != NULL ? ldap_get_values_len(ld, entry, attr) : NULL;
	bool found = v != NULL && v[0] != NULL;
	ldap_value_free_len(v);
	return found;
}

/* A list of modifications, each with one value. */
struct mods {
	LDAPMod mod[4];
	LDAPMod *ptr[5];
	char *vals[4][2];
	size_t n;
};

static void mods_add(struct mods *m, int op, const char *attr, const char *value)
{
	m->vals[m->n][0] = (char *)value;
	m->vals[m->n][1] = NULL;
	m->mod[m->n] =
	    (LDAPMod){.mod_op = op, .mod_type = (char *)attr, .mod_values = m->vals[m->n]};
	m->ptr[m->n] = &m->mod[m->n];
	m->ptr[++m->n] = NULL;
}

/* Apply m to dn (nothing when m is empty); *changed says whether it did. */
static int mods_apply(cp_directory *d, struct mods *m, const char *dn, enum op what, bool *changed,
                      char **errmsg)
{
	*changed = m->n > 0;
	if (m->n == 0)
		return CP_OK;
	int lrc = ldap_modify_ext_s(d->ld, dn, m->ptr, NULL, NULL);
	return lrc == LDAP_SUCCESS ? CP_OK : ldap_failed(d, lrc, what, dn, errmsg);
}

/* An attribute of the credpolicy schema needs its auxiliary class. */
static void need_class(struct mods *m, LDAP *ld, LDAPMessage *entry, const char *attr,
                       const char *oc)
{
	if (strncasecmp(attr, "credpolicy", 10) == 0 && !has_value(ld, entry, "objectClass", oc))
		mods_add(m, LDAP_MOD_ADD, "objectClass", oc);
}

/* ------------------------------------------------------------ accounts */

static int flag_entry(cp_directory *d, const char *dn, unsigned what, const char *reason,
                      char *const names[3], bool *changed, char **errmsg)
{
	char oc[] = "objectClass";
	char *attrs[] = {names[0], names[1], names[2], oc, NULL};
	LDAPMessage *res = NULL;
	int rc = read_entry(d, dn, attrs, &res, errmsg);
	LDAPMessage *e = rc == CP_OK ? ldap_first_entry(d->ld, res) : NULL;
	struct mods m = {.n = 0};
	m.ptr[0] = NULL;
	if (rc == CP_OK && (what & CP_DIRECTORY_MUST_CHANGE) != 0) {
		if (!has_value(d->ld, e, names[0], "TRUE"))
			mods_add(&m, LDAP_MOD_REPLACE, names[0], "TRUE");
		if (!has_value(d->ld, e, names[1], reason)) {
			need_class(&m, d->ld, e, names[1], "credpolicyAccount");
			mods_add(&m, LDAP_MOD_REPLACE, names[1], reason);
		}
	}
	if (rc == CP_OK && (what & CP_DIRECTORY_LOCK) != 0 &&
	    !has_value(d->ld, e, names[2], LOCKED_FOREVER))
		mods_add(&m, LDAP_MOD_REPLACE, names[2], LOCKED_FOREVER);
	if (rc == CP_OK)
		rc = mods_apply(d, &m, dn, OP_FLAG, changed, errmsg);
	ldap_msgfree(res);
	return rc;
}

CP_EXPORT int cp_directory_account_flag(cp_directory *d, const char *account, unsigned what,
                                        const char *reason, bool *changed, char **errmsg)
{
	bool dummy = false;
	if (errmsg != NULL)
		*errmsg = NULL;
	if (changed == NULL)
		changed = &dummy;
	*changed = false;
	if (d == NULL || account == NULL || what == 0 ||
	    (what & ~(unsigned)(CP_DIRECTORY_MUST_CHANGE | CP_DIRECTORY_LOCK)) != 0 ||
	    ((what & CP_DIRECTORY_MUST_CHANGE) != 0 && (reason == NULL || *reason == '\0')))
		return CP_ERR_INVAL;
	char *names[3] = {first_attr(d->cfg, "reset"), first_attr(d->cfg, "must_change"),
	                  first_attr(d->cfg, "locked")};
	char *dn = NULL;
	int rc = names[0] != NULL && names[1] != NULL && names[2] != NULL ? CP_OK : CP_ERR_NOMEM;
	if (rc == CP_OK)
		rc = account_dn(d, account, &dn, errmsg);
	if (rc == CP_OK)
		rc = flag_entry(d, dn, what, reason, names, changed, errmsg);
	for (int i = 0; i < 3; i++)
		free(names[i]);
	free(dn);
	return rc;
}

/* Whether what is sent cannot be read on the way: TLS (ldaps://,
 * StartTLS), a SASL security layer, or a local ldapi:// socket. The
 * connection allows starttls = no for reading; a password is never sent
 * over it in the clear (R23). */
static bool link_protected(LDAP *ld)
{
	if (ldap_tls_inplace(ld))
		return true;
	ber_len_t ssf = 0;
	if (ldap_get_option(ld, LDAP_OPT_X_SASL_SSF, &ssf) == LDAP_OPT_SUCCESS && ssf > 1)
		return true;
	char *uri = NULL;
	bool local = ldap_get_option(ld, LDAP_OPT_URI, &uri) == LDAP_OPT_SUCCESS && uri != NULL &&
	             strncasecmp(uri, "ldapi://", 8) == 0;
	ldap_memfree(uri);
	return local;
}

CP_EXPORT int cp_directory_set_password(cp_directory *d, const char *account, const char *password,
                                        const char *reason, char **errmsg)
{
	if (errmsg != NULL)
		*errmsg = NULL;
	if (d == NULL || account == NULL || password == NULL || *password == '\0')
		return CP_ERR_INVAL;
	if (!link_protected(d->ld)) {
		cp_set_errmsg(errmsg,
		              _("the password of %s is not sent to the directory without TLS "
		                "(ldaps://, StartTLS or ldapi://; see starttls in "
		                "credpolicy.conf(5))"),
		              account);
		return CP_ERR_CONFIG;
	}
	char *dn = NULL;
	int rc = account_dn(d, account, &dn, errmsg);
	if (rc != CP_OK)
		return rc;
	struct berval user = {.bv_len = strlen(dn), .bv_val = dn};
	struct berval newpw = {.bv_len = strlen(password), .bv_val = (char *)password};
	struct berval generated = {0};
	int lrc = ldap_passwd_s(d->ld, &user, NULL, &newpw, &generated, NULL, NULL);
	if (generated.bv_val != NULL) {
		cp_wipe(generated.bv_val, generated.bv_len);
		ber_memfree(generated.bv_val);
	}
	rc = lrc == LDAP_SUCCESS ? CP_OK : ldap_failed(d, lrc, OP_PASSWORD, dn, errmsg);
	free(dn);
	/* ppolicy sets pwdReset itself after an administrator's change when
	 * pwdMustChange is on; set it (and the reason) whatever the policy. */
	if (rc == CP_OK && reason != NULL)
		rc = cp_directory_account_flag(d, account, CP_DIRECTORY_MUST_CHANGE, reason, NULL,
		                               errmsg);
	return rc;
}

CP_EXPORT int cp_directory_custodian_remove(cp_directory *d, const char *account,
                                            const char *employee_id, bool *changed, char **errmsg)
{
	bool dummy = false;
	if (errmsg != NULL)
		*errmsg = NULL;
	if (changed == NULL)
		changed = &dummy;
	*changed = false;
	if (d == NULL || account == NULL || employee_id == NULL || *employee_id == '\0')
		return CP_ERR_INVAL;
	char *attr = first_attr(d->cfg, "custodian"), *dn = NULL;
	int rc = attr != NULL ? account_dn(d, account, &dn, errmsg) : CP_ERR_NOMEM;
	char *attrs[] = {attr, NULL};
	LDAPMessage *res = NULL;
	if (rc == CP_OK)
		rc = read_entry(d, dn, attrs, &res, errmsg);
	struct mods m = {.n = 0};
	m.ptr[0] = NULL;
	if (rc == CP_OK && has_value(d->ld, ldap_first_entry(d->ld, res), attr, employee_id))
		mods_add(&m, LDAP_MOD_DELETE, attr, employee_id);
	if (rc == CP_OK)
		rc = mods_apply(d, &m, dn, OP_REVOKE, changed, errmsg);
	ldap_msgfree(res);
	free(attr);
	free(dn);
	return rc;
}

/* ------------------------------------------------------------ people */

/* The DN of the person employee_id under the person base. */
static int person_dn(cp_directory *d, const char *employee_id, char **dn, char **errmsg)
{
	const char *base = cp_ldap_base(d->cfg, "person");
	char *attr = first_attr(d->cfg, "employee_id");
	struct berval in = {.bv_len = strlen(employee_id), .bv_val = (char *)employee_id};
	struct berval esc = {0};
	char *filter = NULL;
	if (base != NULL && attr != NULL && ldap_bv2escaped_filter_value(&in, &esc) == 0)
		filter =
		    cp_asprintf("(&%s(%s=%s))", cp_config_value(d->cfg, "ldap", "person_filter"),
		                attr, esc.bv_val);
	ber_memfree(esc.bv_val);
	free(attr);
	if (filter == NULL)
		return base == NULL ? CP_ERR_CONFIG : CP_ERR_NOMEM;
	char noattrs[] = LDAP_NO_ATTRS, *attrs[] = {noattrs, NULL};
	struct timeval tv = cp_ldap_timeout(d->cfg);
	LDAPMessage *res = NULL;
	int lrc = ldap_search_ext_s(d->ld, base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, NULL, NULL,
	                            &tv, 2, &res);
	int rc = lrc != LDAP_SUCCESS ? ldap_failed(d, lrc, OP_SEARCH, base, errmsg)
	         : ldap_count_entries(d->ld, res) != 1 ? CP_ERR_NOTFOUND
	                                               : CP_OK;
	char *found = rc == CP_OK ? ldap_get_dn(d->ld, ldap_first_entry(d->ld, res)) : NULL;
	if (rc == CP_OK && (found == NULL || (*dn = strdup(found)) == NULL))
		rc = CP_ERR_NOMEM;
	if (rc == CP_ERR_NOTFOUND)
		cp_set_errmsg(errmsg, _("the directory has no single entry for the person '%s'"),
		              employee_id);
	ldap_memfree(found);
	ldap_msgfree(res);
	free(filter);
	return rc;
}

CP_EXPORT int cp_directory_person_depart(cp_directory *d, const char *employee_id, int64_t when,
                                         bool *changed, char **errmsg)
{
	bool dummy = false;
	if (errmsg != NULL)
		*errmsg = NULL;
	if (changed == NULL)
		changed = &dummy;
	*changed = false;
	if (d == NULL || employee_id == NULL || *employee_id == '\0' || when < 0)
		return CP_ERR_INVAL;
	char stamp[32];
	time_t t = when != 0 ? (time_t)when : time(NULL);
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL || strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%SZ", &tm) == 0)
		return CP_ERR_INVAL;
	char *attr = first_attr(d->cfg, "departed"), *dn = NULL;
	int rc = attr != NULL ? person_dn(d, employee_id, &dn, errmsg) : CP_ERR_NOMEM;
	char oc[] = "objectClass", *attrs[] = {attr, oc, NULL};
	LDAPMessage *res = NULL;
	if (rc == CP_OK)
		rc = read_entry(d, dn, attrs, &res, errmsg);
	LDAPMessage *e = rc == CP_OK ? ldap_first_entry(d->ld, res) : NULL;
	struct mods m = {.n = 0};
	m.ptr[0] = NULL;
	/* A departure already recorded keeps its time. */
	if (rc == CP_OK && !has_attr(d->ld, e, attr)) {
		need_class(&m, d->ld, e, attr, "credpolicyPerson");
		mods_add(&m, LDAP_MOD_REPLACE, attr, stamp);
	}
	if (rc == CP_OK)
		rc = mods_apply(d, &m, dn, OP_DEPART, changed, errmsg);
	ldap_msgfree(res);
	free(attr);
	free(dn);
	return rc;
}
