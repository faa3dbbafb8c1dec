/* config.c - the built-in policy and the credpolicy.conf(5) file format.
 *
 * A file is read whole over the built-in policy and returned only when every
 * line of it parsed: a half-read security policy is worse than none. Every
 * key, global or per class, is one entry of one table and goes through one
 * setter (as in libpwquality's settings.c); every section kind is one entry
 * of another table, so that [ledger], [ldap] and [pam] will be one line each.
 *
 * Precedence, lowest first: the built-in values of a class, class keys given
 * before the first section (they apply to every class), the class's own
 * section. It is resolved after the whole file is read, so the order of the
 * sections does not matter. */
#include "internal.h"
#include "ledger_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONF_MAX_BYTES (1024u * 1024u) /* a policy is a few hundred bytes */
#define CONF_MAX_LINE  4096u           /* bytes, without the line end */
#define CLASS_NAME_MAX 64u
/* Bounds the linear class lookups a hostile file could make quadratic. */
#define CLASS_MAX 1024u

/* Index of each key in key_defs[] and in the per-scope line[] arrays. */
enum key_id {
	K_INDEX,
	K_INDEX_MISSING,
	K_DEFAULT_CLASS,
	K_PATTERN_MIN_REST,
	K_MIN_LENGTH,
	K_MIN_CLASSES,
	K_MAX_AGE_DAYS,
	K_WARN_DAYS,
	K_OTP_EXEMPT,
	K_HISTORY,
	K_SIMILARITY,
	K_LEDGER_PATH,
	K_BUSY_TIMEOUT_MS,
	K_PAM_LEDGER_UNAVAILABLE,
	K_PAM_INDEX_UNAVAILABLE,
	K_PAM_UNOWNED,
	K_PAM_SHARED_SESSION,
	K_PAM_ROOT_OVERRIDE,
	K_PAM_ROOT_CONSOLE,
	K_ROLES_OS_ADMIN,
	K_ROLES_DB_ADMIN,
	K_OFFBOARD_TRANSFER,
	/* ---- issue 5: [ldap] keys go here ---- */
	K_LDAP_URI,
	K_LDAP_BASE,
	K_LDAP_PERSON_BASE,
	K_LDAP_ACCOUNT_BASE,
	K_LDAP_GROUP_BASE,
	K_LDAP_PERSON_FILTER,
	K_LDAP_ACCOUNT_FILTER,
	K_LDAP_GROUP_FILTER,
	K_LDAP_STARTTLS,
	K_LDAP_TLS_CA,
	K_LDAP_TLS_VERIFY,
	K_LDAP_BIND_DN,
	K_LDAP_BIND_PASSWORD_FILE,
	K_LDAP_SASL_MECH,
	K_LDAP_TIMEOUT,
	K_LDAP_PAGE_SIZE,
	K_LDAP_SYNC_MODE,
	K_LDAP_FULL_EVERY,
	K_LDAP_MAX_REMOVALS,
	K_MAP_EMPLOYEE_ID,
	K_MAP_DISPLAY_NAME,
	K_MAP_NAME,
	K_MAP_PHONE,
	K_MAP_BIRTHDAY,
	K_MAP_ID_CARD,
	K_MAP_DEPARTED,
	K_MAP_ACCOUNT_NAME,
	K_MAP_SCOPE,
	K_MAP_CLASS,
	K_MAP_KIND,
	K_MAP_OWNER,
	K_MAP_CUSTODIAN,
	K_MAP_OTP,
	K_MAP_MUST_CHANGE,
	K_MAP_RESET,
	K_MAP_LOCKED,
	K_MAP_DISABLED,
	K_MAP_LAST_CHANGE,
	K_MAP_GROUP_NAME,
	K_MAP_GROUP_MEMBER,
	K_MAP_GROUP_SCOPE,
	K_MAP_ENTRY_UUID,
	K_MAP_MODIFIED,
	K_COUNT
};

struct cp_class {
	char name[CLASS_NAME_MAX + 1];
	unsigned min_length;   /* R1 */
	unsigned min_classes;  /* R2 */
	unsigned max_age_days; /* R7-R10, 0 = never expires */
	unsigned warn_days;    /* R11 */
	unsigned history;      /* R6 */
	unsigned similarity;   /* R6, libpwquality difok */
	bool otp_exempt;       /* R7 */
	/* Parse bookkeeping: the file line of the section header and of each
	 * key set in this scope, 0 when not given in the file. */
	unsigned header_line;
	unsigned line[K_COUNT];
};

struct cp_config {
	char *index_path;
	bool index_required;
	char *default_class;
	unsigned pattern_min_rest; /* R5 */
	char *ledger_path;         /* [ledger] path */
	unsigned busy_timeout_ms;  /* [ledger] busy_timeout_ms */
	/* [pam]: each false for the first (default) word of its key. */
	bool pam_ledger_unavailable, pam_index_unavailable, pam_unowned, pam_shared_session,
		pam_root_override, pam_root_console;
	/* [offboard] transfer: false "must_change", true "lock". */
	bool offboard_transfer_lock;
	/* Values of the KT_STRING keys, by key id; NULL: not set (the key's
	 * default, words[0], applies). */
	char *strval[K_COUNT];
	/* Class keys given before the first section, and the lines of every
	 * global key; its values count only where line[] is set. */
	struct cp_class top;
	struct cp_class **classes;
	size_t nclasses, cap;
};

/* The regulation's classes. A class a file adds starts from "default". */
/* clang-format off */
static const struct cp_class builtin_classes[] = {
	/* R1 8 characters, R2 3 of 4 classes, R10 90 days (as R9), R6. */
	{.name = "default", .min_length = 8, .min_classes = 3, .max_age_days = 90,
	 .warn_days = 7, .history = 5, .similarity = 5, .otp_exempt = false},
	/* R7 (Art. 38): monthly, or a one-time-password device; all four classes. */
	{.name = "important-host", .min_length = 8, .min_classes = 4, .max_age_days = 30,
	 .warn_days = 7, .history = 5, .similarity = 5, .otp_exempt = true},
	/* R8 (Art. 38): every two months. */
	{.name = "admin-workstation", .min_length = 8, .min_classes = 3, .max_age_days = 60,
	 .warn_days = 7, .history = 5, .similarity = 5, .otp_exempt = false},
	/* R9 (Art. 43): every three months. */
	{.name = "new-media", .min_length = 8, .min_classes = 3, .max_age_days = 90,
	 .warn_days = 7, .history = 5, .similarity = 5, .otp_exempt = false},
};
/* clang-format on */

#define BUILTIN_COUNT            (sizeof(builtin_classes) / sizeof(builtin_classes[0]))
#define DEFAULT_PATTERN_MIN_REST 4u
/* Not under CP_LOCALSTATEDIR: hosts, the PAM module and the tools must
 * agree on it whatever prefix a build used. */
#define DEFAULT_LEDGER_PATH "/var/lib/credpolicy/ledger.db"
/* Long enough for a 100,000-record import by another process to commit,
 * short enough that a login does not hang on a stuck writer. */
#define DEFAULT_BUSY_TIMEOUT_MS 5000u

/* ------------------------------------------------------------ key table */

/* KT_STRING: free text of one line (KT_PATH: absolute), kept in
 * cp_config.strval and read with cp_config_value; words[0] is its default.
 * The text types of issue 5 ([ldap], [ldap_map]) are kept the same way,
 * after a check: KT_WORD one of the blank-separated words of words[1],
 * KT_NUMBER a whole number from min to max, KT_URIS ldap://, ldaps:// or
 * ldapi:// URIs, KT_FILTER a search filter in parentheses, KT_ATTRS
 * attribute names, KT_FILE an absolute path. */
enum key_type {
	KT_UINT, KT_BOOL, KT_CHOICE, KT_PATH, KT_CLASS_NAME, KT_STRING,
	KT_WORD, KT_NUMBER, KT_URIS, KT_FILTER, KT_ATTRS, KT_FILE
};

/* Scopes, as bits: where a key may appear, which keys a section takes. */
enum {
	IN_TOP = 1 << 0,
	IN_CLASS = 1 << 1,
	IN_LEDGER = 1 << 2,
	IN_PAM = 1 << 3,
	IN_ROLES = 1 << 4,
	IN_OFFBOARD = 1 << 5,
	/* ---- issue 5: IN_LDAP and its map go here ---- */
	IN_LDAP = 1 << 6,
	IN_LDAP_MAP = 1 << 7,
};

/* What a key's offset is relative to: cp_config, or the class of the scope
 * (cp_config.top before the first section). */
enum key_target { ON_CONFIG, ON_CLASS };

struct key_def {
	const char *name;
	enum key_type type;
	unsigned where;
	enum key_target target;
	size_t offset;
	unsigned min, max; /* KT_UINT */
	/* KT_CHOICE: the words for false and true; KT_BOOL: the words that
	 * messages suggest (bool_words[] are all accepted). */
	const char *words[2];
};

/* clang-format off */
#define CLASS_UINT(field, lo, hi)                                                          \
	{#field, KT_UINT, IN_TOP | IN_CLASS, ON_CLASS, offsetof(struct cp_class, field), lo, hi, \
	 {NULL, NULL}}

#define PAM_CHOICE(field, first, second)                                                   \
	{#field, KT_CHOICE, IN_PAM, ON_CONFIG, offsetof(struct cp_config, pam_##field), 0, 0,    \
	 {first, second}}

#define STRING_KEY(name, scope, defval)                                                     \
	{#name, KT_STRING, scope, ON_CONFIG, 0, 0, 0, {defval, NULL}}

/* issue 5: [ldap] and [ldap_map] keys. */
#define LDAP_KEY(name, type, defval) {#name, type, IN_LDAP, ON_CONFIG, 0, 0, 0, {defval, NULL}}
#define LDAP_WORD(name, defval, words) {#name, KT_WORD, IN_LDAP, ON_CONFIG, 0, 0, 0, {defval, words}}
#define LDAP_NUMBER(name, defval, lo, hi) {#name, KT_NUMBER, IN_LDAP, ON_CONFIG, 0, lo, hi, {defval, NULL}}
#define MAP_KEY(name, defval) {#name, KT_ATTRS, IN_LDAP_MAP, ON_CONFIG, 0, 0, 0, {defval, NULL}}

static const struct key_def key_defs[K_COUNT] = {
	[K_INDEX] = {"index", KT_PATH, IN_TOP, ON_CONFIG, offsetof(struct cp_config, index_path),
		     0, 0, {NULL, NULL}},
	[K_INDEX_MISSING] = {"index_missing", KT_CHOICE, IN_TOP, ON_CONFIG,
			     offsetof(struct cp_config, index_required), 0, 0, {"skip", "reject"}},
	[K_DEFAULT_CLASS] = {"default_class", KT_CLASS_NAME, IN_TOP, ON_CONFIG,
			     offsetof(struct cp_config, default_class), 0, 0, {NULL, NULL}},
	[K_PATTERN_MIN_REST] = {"pattern_min_rest", KT_UINT, IN_TOP, ON_CONFIG,
				offsetof(struct cp_config, pattern_min_rest), 0,
				CP_MAX_PASSWORD_BYTES, {NULL, NULL}},
	[K_MIN_LENGTH] = CLASS_UINT(min_length, 1, CP_MAX_PASSWORD_BYTES),
	[K_MIN_CLASSES] = CLASS_UINT(min_classes, 1, 4),
	/* 99999 is shadow(5)'s customary "no limit"; here 0 says so. */
	[K_MAX_AGE_DAYS] = CLASS_UINT(max_age_days, 0, 99999),
	[K_WARN_DAYS] = CLASS_UINT(warn_days, 0, 99999),
	[K_OTP_EXEMPT] = {"otp_exempt", KT_BOOL, IN_TOP | IN_CLASS, ON_CLASS,
			  offsetof(struct cp_class, otp_exempt), 0, 0, {"yes", "no"}},
	/* pam_pwhistory's own upper bound on remembered passwords. */
	[K_HISTORY] = CLASS_UINT(history, 0, 400),
	[K_SIMILARITY] = CLASS_UINT(similarity, 0, CP_MAX_PASSWORD_BYTES),
	[K_LEDGER_PATH] = {"path", KT_PATH, IN_LEDGER, ON_CONFIG,
			   offsetof(struct cp_config, ledger_path), 0, 0, {NULL, NULL}},
	/* Ten minutes: beyond that a caller is better told the ledger is busy. */
	[K_BUSY_TIMEOUT_MS] = {"busy_timeout_ms", KT_UINT, IN_LEDGER, ON_CONFIG,
			       offsetof(struct cp_config, busy_timeout_ms), 0, 600000, {NULL, NULL}},
	/* [pam]: what the module does when something it needs fails, and R12.
	 * The first word is the default; see credpolicy.conf(5). */
	[K_PAM_LEDGER_UNAVAILABLE] = PAM_CHOICE(ledger_unavailable, "allow", "deny"),
	[K_PAM_INDEX_UNAVAILABLE] = PAM_CHOICE(index_unavailable, "allow", "deny"),
	[K_PAM_UNOWNED] = PAM_CHOICE(unowned, "deny", "warn"),
	[K_PAM_SHARED_SESSION] = PAM_CHOICE(shared_session, "alert", "deny"),
	[K_PAM_ROOT_OVERRIDE] = PAM_CHOICE(root_override, "no", "yes"),
	[K_PAM_ROOT_CONSOLE] = PAM_CHOICE(root_console, "allow", "policy"),
	/* [roles] (R18): the groups whose members are OS administrators and
	 * database administrators, space-separated; "credpolicy report" finds
	 * the people in both for one host. */
	[K_ROLES_OS_ADMIN] = STRING_KEY(os_admin_groups, IN_ROLES, "root sudo wheel adm"),
	[K_ROLES_DB_ADMIN] = STRING_KEY(db_admin_groups, IN_ROLES, "dba oinstall postgres mysql"),
	/* [offboard] (R13): what a transfer does to the person's own accounts. */
	[K_OFFBOARD_TRANSFER] = {"transfer", KT_CHOICE, IN_OFFBOARD, ON_CONFIG,
				 offsetof(struct cp_config, offboard_transfer_lock), 0, 0,
				 {"must_change", "lock"}},
	/* ---- issue 5: [ldap] key definitions go here ---- */
	/* [ldap]: the directory the sync reads (credpolicy-sync(1)). Unset
	 * uri, base, the *_base keys (base), tls_ca (the system's CAs),
	 * bind_dn, bind_password_file and sasl_mech have no default. */
	[K_LDAP_URI] = {"uri", KT_URIS, IN_LDAP, ON_CONFIG, 0, 0, 0, {NULL, NULL}},
	[K_LDAP_BASE] = STRING_KEY(base, IN_LDAP, NULL),
	[K_LDAP_PERSON_BASE] = STRING_KEY(person_base, IN_LDAP, NULL),
	[K_LDAP_ACCOUNT_BASE] = STRING_KEY(account_base, IN_LDAP, NULL),
	[K_LDAP_GROUP_BASE] = STRING_KEY(group_base, IN_LDAP, NULL),
	[K_LDAP_PERSON_FILTER] = LDAP_KEY(person_filter, KT_FILTER, "(employeeNumber=*)"),
	[K_LDAP_ACCOUNT_FILTER] = LDAP_KEY(account_filter, KT_FILTER, "(uid=*)"),
	[K_LDAP_GROUP_FILTER] = LDAP_KEY(group_filter, KT_FILTER, "(objectClass=groupOfNames)"),
	/* Verification on by default: a directory that can be impersonated
	 * could make anyone an owner or lift a must-change. */
	[K_LDAP_STARTTLS] = LDAP_WORD(starttls, "yes", "yes no"),
	[K_LDAP_TLS_CA] = LDAP_KEY(tls_ca, KT_FILE, NULL),
	[K_LDAP_TLS_VERIFY] = LDAP_WORD(tls_verify, "demand", "demand never"),
	[K_LDAP_BIND_DN] = STRING_KEY(bind_dn, IN_LDAP, NULL),
	[K_LDAP_BIND_PASSWORD_FILE] = LDAP_KEY(bind_password_file, KT_FILE, NULL),
	[K_LDAP_SASL_MECH] = LDAP_WORD(sasl_mech, NULL, "EXTERNAL GSSAPI"),
	[K_LDAP_TIMEOUT] = LDAP_NUMBER(timeout, "10", 1, 3600),
	[K_LDAP_PAGE_SIZE] = LDAP_NUMBER(page_size, "1000", 1, 100000),
	[K_LDAP_SYNC_MODE] = LDAP_WORD(sync_mode, "auto", "auto syncrepl timestamp"),
	/* A day; at least a minute, at most a year. */
	[K_LDAP_FULL_EVERY] = LDAP_NUMBER(full_every, "86400", 60, 31536000),
	/* Percent of a kind's directory records a complete read may remove. */
	[K_LDAP_MAX_REMOVALS] = LDAP_NUMBER(max_removals, "10", 0, 100),
	/* [ldap_map]: the attributes that carry each field, first present
	 * wins (like nslcd's map); the defaults are the example schema's. */
	[K_MAP_EMPLOYEE_ID] = MAP_KEY(employee_id, "employeeNumber"),
	[K_MAP_DISPLAY_NAME] = MAP_KEY(display_name, "displayName cn"),
	[K_MAP_NAME] = MAP_KEY(name, "cn"),
	[K_MAP_PHONE] = MAP_KEY(phone, "mobile telephoneNumber"),
	[K_MAP_BIRTHDAY] = MAP_KEY(birthday, "credpolicyBirthDate"),
	[K_MAP_ID_CARD] = MAP_KEY(id_card, "credpolicyIdCard"),
	[K_MAP_DEPARTED] = MAP_KEY(departed, "credpolicyDepartedTime"),
	[K_MAP_ACCOUNT_NAME] = MAP_KEY(account_name, "uid"),
	[K_MAP_SCOPE] = MAP_KEY(scope, "credpolicyScope"),
	[K_MAP_CLASS] = MAP_KEY(class, "credpolicyClass"),
	[K_MAP_KIND] = MAP_KEY(kind, "credpolicyKind"),
	[K_MAP_OWNER] = MAP_KEY(owner, "credpolicyOwner"),
	[K_MAP_CUSTODIAN] = MAP_KEY(custodian, "credpolicyCustodian"),
	[K_MAP_OTP] = MAP_KEY(otp, "credpolicyOTP"),
	[K_MAP_MUST_CHANGE] = MAP_KEY(must_change, "credpolicyMustChange"),
	[K_MAP_RESET] = MAP_KEY(reset, "pwdReset"),
	[K_MAP_LOCKED] = MAP_KEY(locked, "pwdAccountLockedTime"),
	/* None by default: Active Directory's userAccountControl. */
	[K_MAP_DISABLED] = MAP_KEY(disabled, NULL),
	[K_MAP_LAST_CHANGE] = MAP_KEY(last_change, "pwdChangedTime shadowLastChange"),
	[K_MAP_GROUP_NAME] = MAP_KEY(group_name, "cn"),
	[K_MAP_GROUP_MEMBER] = MAP_KEY(group_member, "member"),
	[K_MAP_GROUP_SCOPE] = MAP_KEY(group_scope, "credpolicyScope"),
	/* What names each entry and when it last changed: RFC 4530 and
	 * 4512's; Active Directory's objectGUID and whenChanged. */
	[K_MAP_ENTRY_UUID] = MAP_KEY(entry_uuid, "entryUUID"),
	[K_MAP_MODIFIED] = MAP_KEY(modified, "modifyTimestamp"),
};
/* clang-format on */

/* clang-format off */
static const struct {
	const char *word;
	bool value;
} bool_words[] = {
	{"yes", true}, {"no", false}, {"true", true}, {"false", false},
	{"on", true},  {"off", false}, {"1", true},   {"0", false},
};
/* clang-format on */

/* ------------------------------------------------------------ parser state */

struct parser;

struct section_def {
	const char *kind;
	unsigned scope; /* IN_* bit of the keys it takes; 0: reserved */
	int (*open)(struct parser *p, const char *arg);
};

struct parser {
	cp_config *cfg;
	const char *name; /* file name for messages */
	char **errmsg;
	unsigned lineno;
	unsigned scope;                /* IN_TOP before the first section */
	struct cp_class *cls;          /* the class of a [class] section */
	char label[CONF_MAX_LINE + 1]; /* "class NAME", for messages */
	unsigned ledger_line;          /* line of the [ledger] header, 0 if none */
	unsigned pam_line;             /* line of the [pam] header, 0 if none */
	unsigned roles_line, offboard_line;
	/* ---- issue 5: header lines of [ldap] sections go here ---- */
	unsigned ldap_line, ldap_map_line;
	char buf[CONF_MAX_LINE + 1];   /* the current line, NUL-terminated */
};

static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parser *p, const char *fmt, ...)
{
	if (p->errmsg != NULL) {
		va_list ap;
		va_start(ap, fmt);
		if (vasprintf(p->errmsg, fmt, ap) < 0)
			*p->errmsg = NULL;
		va_end(ap);
	}
	return CP_ERR_CONFIG;
}

/* ------------------------------------------------------------ classes */

static bool class_name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > CLASS_NAME_MAX)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static struct cp_class *find_class(const cp_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nclasses; i++)
		if (strcmp(cfg->classes[i]->name, name) == 0)
			return cfg->classes[i];
	return NULL;
}

/* Append a copy of tmpl named name; NULL when out of memory. */
static struct cp_class *add_class(cp_config *cfg, const struct cp_class *tmpl, const char *name)
{
	if (cfg->nclasses == cfg->cap) {
		size_t ncap = cfg->cap == 0 ? 8 : cfg->cap * 2;
		struct cp_class **n = realloc(cfg->classes, ncap * sizeof(*n));
		if (n == NULL)
			return NULL;
		cfg->classes = n;
		cfg->cap = ncap;
	}
	struct cp_class *c = malloc(sizeof(*c));
	if (c == NULL)
		return NULL;
	*c = *tmpl;
	snprintf(c->name, sizeof(c->name), "%s", name);
	cfg->classes[cfg->nclasses++] = c;
	return c;
}

/* ------------------------------------------------------------ public: defaults */

CP_EXPORT const char *cp_config_default_path(void)
{
	return CP_SYSCONFDIR "/security/credpolicy.conf";
}

CP_EXPORT void cp_config_free(cp_config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->nclasses; i++)
		free(cfg->classes[i]);
	free(cfg->classes);
	free(cfg->index_path);
	free(cfg->default_class);
	free(cfg->ledger_path);
	for (size_t k = 0; k < K_COUNT; k++)
		free(cfg->strval[k]);
	free(cfg);
}

CP_EXPORT cp_config *cp_config_new_default(void)
{
	cp_config *cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return NULL;
	cfg->index_path = strdup(CP_PKGDATADIR "/banned.idx");
	cfg->default_class = strdup("default");
	cfg->index_required = false;
	cfg->pattern_min_rest = DEFAULT_PATTERN_MIN_REST;
	cfg->ledger_path = strdup(DEFAULT_LEDGER_PATH);
	cfg->busy_timeout_ms = DEFAULT_BUSY_TIMEOUT_MS;
	bool ok = cfg->index_path != NULL && cfg->default_class != NULL && cfg->ledger_path != NULL;
	for (size_t i = 0; ok && i < BUILTIN_COUNT; i++)
		ok = add_class(cfg, &builtin_classes[i], builtin_classes[i].name) != NULL;
	if (!ok) {
		cp_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* ------------------------------------------------------------ values */

/* strtoul with nothing tolerated: no sign, no blank, no trailing junk. */
static bool parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	char *end = NULL;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

/* Case does not matter in words ("Yes" is as unambiguous as "yes"), but
 * only ASCII case: strcasecmp would follow the locale (Turkish dotless i). */
static bool word_eq(const char *s, const char *word)
{
	for (; *s != '\0' && *word != '\0'; s++, word++) {
		char c = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
		if (c != *word)
			return false;
	}
	return *s == *word;
}

static bool parse_bool(const char *s, bool *out)
{
	for (size_t i = 0; i < sizeof(bool_words) / sizeof(bool_words[0]); i++)
		if (word_eq(s, bool_words[i].word)) {
			*out = bool_words[i].value;
			return true;
		}
	return false;
}

static bool parse_choice(const struct key_def *d, const char *s, bool *out)
{
	if (!word_eq(s, d->words[0]) && !word_eq(s, d->words[1]))
		return false;
	*out = word_eq(s, d->words[1]);
	return true;
}

static int set_string(char **field, const char *value)
{
	char *copy = strdup(value);
	if (copy == NULL)
		return CP_ERR_NOMEM;
	free(*field);
	*field = copy;
	return CP_OK;
}

static int bad_word(struct parser *p, const struct key_def *d, const char *value)
{
	/* TRANSLATORS: the last two are literal words such as yes and no. */
	return fail(p, _("%s:%u: unknown value \"%s\" for \"%s\" (expected %s or %s)"), p->name,
	            p->lineno, value, d->name, d->words[0], d->words[1]);
}

/* ---- issue 5: the checks of the [ldap] and [ldap_map] text types ---- */

/* Whether word is one of the blank-separated words of list (ASCII case
 * ignored); *canon gets its spelling in list. */
static bool word_in(const char *list, const char *word, char *canon, size_t size)
{
	size_t n = strlen(word);
	for (const char *w = list; *w != '\0'; w += strspn(w, " ")) {
		size_t k = strcspn(w, " ");
		bool same = k == n;
		for (size_t i = 0; same && i < n; i++)
			same = (word[i] | 0x20) == (w[i] | 0x20);
		if (same && n < size) {
			memcpy(canon, w, n);
			canon[n] = '\0';
			return true;
		}
		w += k;
	}
	return false;
}

/* ldap://, ldaps:// or ldapi:// URIs, blank-separated (libldap's list). */
static bool uris_valid(const char *s)
{
	static const char *const schemes[] = {"ldap://", "ldaps://", "ldapi://"};
	size_t count = 0;
	while (*(s += strspn(s, " \t")) != '\0') {
		size_t k = strcspn(s, " \t");
		bool ok = false;
		for (size_t i = 0; !ok && i < 3; i++) {
			size_t n = strlen(schemes[i]);
			ok = k >= n;
			for (size_t j = 0; ok && j < n; j++) /* ASCII case only, as word_eq */
				ok = (s[j] | 0x20) == schemes[i][j] || s[j] == schemes[i][j];
		}
		if (!ok || memchr(s, ',', k) != NULL)
			return false;
		s += k;
		count++;
	}
	return count > 0;
}

/* A filter in parentheses that balance (RFC 4515's escapes use "\28"). */
static bool filter_valid(const char *s)
{
	int depth = 0;
	if (*s != '(')
		return false;
	for (; *s != '\0'; s++) {
		depth += *s == '(' ? 1 : *s == ')' ? -1 : 0;
		if (depth < 0 || (depth == 0 && s[1] != '\0'))
			return false;
	}
	return depth == 0;
}

/* Attribute descriptions (RFC 4512: a name or a numeric OID, options
 * after ";"), blank-separated; at most 8. */
static bool attrs_valid(const char *s)
{
	size_t count = 0;
	while (*(s += strspn(s, " \t")) != '\0') {
		size_t k = strcspn(s, " \t");
		bool alpha = (*s | 0x20) >= 'a' && (*s | 0x20) <= 'z';
		if ((!alpha && (*s < '0' || *s > '9')) || k > 128 ||
		    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.;") < k)
			return false;
		s += k;
		count++;
	}
	return count > 0 && count <= 8;
}

static int set_ldap_text(struct parser *p, const struct key_def *d, const char *value)
{
	char canon[32];
	unsigned n = 0;
	switch (d->type) {
	case KT_WORD:
		if (!word_in(d->words[1], value, canon, sizeof(canon)))
			/* TRANSLATORS: the last %s is a list of words such as "auto syncrepl timestamp". */
			return fail(p, _("%s:%u: unknown value \"%s\" for \"%s\" (expected one of: %s)"),
			            p->name, p->lineno, value, d->name, d->words[1]);
		value = canon;
		break;
	case KT_NUMBER:
		if (!parse_uint(value, d->min, d->max, &n))
			return fail(p, _("%s:%u: \"%s\" needs a whole number from %u to %u"),
			            p->name, p->lineno, d->name, d->min, d->max);
		break;
	case KT_URIS:
		if (!uris_valid(value))
			return fail(p, _("%s:%u: \"%s\" needs ldap://, ldaps:// or ldapi:// URIs "
			                 "separated by blanks"), p->name, p->lineno, d->name);
		break;
	case KT_FILTER:
		if (!filter_valid(value))
			return fail(p, _("%s:%u: \"%s\" needs an LDAP filter in parentheses, as in "
			                 "\"(uid=*)\""), p->name, p->lineno, d->name);
		break;
	case KT_ATTRS:
		if (!attrs_valid(value))
			return fail(p, _("%s:%u: \"%s\" needs one to eight attribute names separated "
			                 "by blanks"), p->name, p->lineno, d->name);
		break;
	default: /* KT_FILE */
		if (value[0] != '/')
			return fail(p, _("%s:%u: \"%s\" needs an absolute path"), p->name,
			            p->lineno, d->name);
	}
	return set_string(&p->cfg->strval[d - key_defs], value);
}

/* The one setter: value (trimmed, non-empty) into the field d describes. */
static int set_value(struct parser *p, const struct key_def *d, const char *value)
{
	char *base = d->target == ON_CONFIG ? (char *)p->cfg
	                                    : (char *)(p->cls != NULL ? p->cls : &p->cfg->top);
	void *field = base + d->offset;
	switch (d->type) {
	case KT_UINT:
		if (!parse_uint(value, d->min, d->max, field))
			return fail(p, _("%s:%u: \"%s\" needs a whole number from %u to %u"),
			            p->name, p->lineno, d->name, d->min, d->max);
		return CP_OK;
	case KT_BOOL:
	case KT_CHOICE:
		if (d->type == KT_BOOL ? parse_bool(value, field) : parse_choice(d, value, field))
			return CP_OK;
		return bad_word(p, d, value);
	case KT_PATH:
		/* PAM modules run in any working directory. */
		if (value[0] != '/')
			return fail(p, _("%s:%u: \"%s\" needs an absolute path"), p->name,
			            p->lineno, d->name);
		return set_string(field, value);
	case KT_CLASS_NAME:
		if (!class_name_valid(value))
			return fail(p, _("%s:%u: class name \"%s\" is not valid"), p->name,
			            p->lineno, value);
		return set_string(field, value);
	case KT_STRING:
		return set_string(&p->cfg->strval[d - key_defs], value);
	case KT_WORD:
	case KT_NUMBER:
	case KT_URIS:
	case KT_FILTER:
	case KT_ATTRS:
	case KT_FILE:
		return set_ldap_text(p, d, value);
	}
	return CP_ERR_INVAL;
}

/* ------------------------------------------------------------ lines */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Trim blanks at both ends of s, in place. */
static char *trim(char *s)
{
	while (is_blank(*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && is_blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* "#" starts a comment at the start of a line or after a blank, so that
 * "index = /srv/a#b" keeps its "#". */
static void strip_comment(char *s)
{
	for (size_t i = 0; s[i] != '\0'; i++)
		if (s[i] == '#' && (i == 0 || is_blank(s[i - 1]))) {
			s[i] = '\0';
			return;
		}
}

/* The key called name, preferring one the current scope takes: sections
 * may reuse a name ("timeout" of two sections). */
static const struct key_def *find_key(const struct parser *p, const char *name)
{
	const struct key_def *any = NULL;
	for (size_t i = 0; i < K_COUNT; i++) {
		if (strcmp(key_defs[i].name, name) != 0)
			continue;
		if ((key_defs[i].where & p->scope) != 0)
			return &key_defs[i];
		if (any == NULL)
			any = &key_defs[i];
	}
	return any;
}

/* The line[] of the current scope: where duplicates are detected. */
static unsigned *scope_lines(struct parser *p)
{
	return p->cls != NULL ? p->cls->line : p->cfg->top.line;
}

static const char *section_of_scope(unsigned scope);

static int check_key_place(struct parser *p, const struct key_def *d)
{
	if ((d->where & p->scope) != 0)
		return CP_OK;
	if (p->scope == IN_TOP)
		return fail(p, _("%s:%u: key \"%s\" belongs in section [%s]"), p->name, p->lineno,
		            d->name, section_of_scope(d->where));
	if (d->where == IN_TOP)
		return fail(
		    p, _("%s:%u: \"%s\" is a global key: it must come before the first section"),
		    p->name, p->lineno, d->name);
	return fail(p, _("%s:%u: key \"%s\" is not allowed in section [%s]"), p->name, p->lineno,
	            d->name, p->label);
}

static int check_duplicate(struct parser *p, const struct key_def *d)
{
	unsigned first = scope_lines(p)[d - key_defs];
	if (first == 0)
		return CP_OK;
	if (p->scope == IN_TOP)
		return fail(
		    p,
		    _("%s:%u: duplicate key \"%s\" in the global settings (first set on line %u)"),
		    p->name, p->lineno, d->name, first);
	return fail(p, _("%s:%u: duplicate key \"%s\" in section [%s] (first set on line %u)"),
	            p->name, p->lineno, d->name, p->label, first);
}

static int parse_assignment(struct parser *p, char *line)
{
	char *eq = strchr(line, '=');
	if (eq == NULL)
		return fail(p, _("%s:%u: expected \"key = value\" but found no \"=\""), p->name,
		            p->lineno);
	*eq = '\0';
	const char *key = trim(line), *value = trim(eq + 1);
	if (*key == '\0')
		return fail(p, _("%s:%u: expected a key name before \"=\""), p->name, p->lineno);
	const struct key_def *d = find_key(p, key);
	if (d == NULL)
		return fail(p, _("%s:%u: unknown key \"%s\""), p->name, p->lineno, key);
	int rc = check_key_place(p, d);
	if (rc == CP_OK)
		rc = check_duplicate(p, d);
	if (rc != CP_OK)
		return rc;
	if (*value == '\0')
		return fail(p, _("%s:%u: key \"%s\" has no value"), p->name, p->lineno, key);
	rc = set_value(p, d, value);
	if (rc == CP_OK)
		scope_lines(p)[d - key_defs] = p->lineno;
	return rc;
}

/* ------------------------------------------------------------ sections */

static int open_class(struct parser *p, const char *arg)
{
	if (*arg == '\0')
		return fail(p, _("%s:%u: section [class] needs a class name, as in [class NAME]"),
		            p->name, p->lineno);
	if (!class_name_valid(arg))
		return fail(p, _("%s:%u: class name \"%s\" is not valid"), p->name, p->lineno, arg);
	struct cp_class *c = find_class(p->cfg, arg);
	if (c != NULL && c->header_line != 0)
		return fail(p, _("%s:%u: duplicate section [class %s] (first on line %u)"), p->name,
		            p->lineno, arg, c->header_line);
	if (c == NULL && p->cfg->nclasses >= CLASS_MAX)
		return fail(p, _("%s:%u: too many classes (at most %u are allowed)"), p->name,
		            p->lineno, CLASS_MAX);
	if (c == NULL)
		c = add_class(p->cfg, &builtin_classes[0], arg);
	if (c == NULL)
		return CP_ERR_NOMEM;
	c->header_line = p->lineno;
	p->cls = c;
	return CP_OK;
}

/* A section that appears once, without a name: [ledger], [pam]. */
static int open_single(struct parser *p, const char *kind, const char *arg, unsigned *line)
{
	if (*arg != '\0')
		return fail(p, _("%s:%u: section [%s] takes no name"), p->name, p->lineno, kind);
	if (*line != 0)
		return fail(p, _("%s:%u: duplicate section [%s] (first on line %u)"), p->name,
		            p->lineno, kind, *line);
	*line = p->lineno;
	return CP_OK;
}

static int open_ledger(struct parser *p, const char *arg)
{
	return open_single(p, "ledger", arg, &p->ledger_line);
}

static int open_pam(struct parser *p, const char *arg)
{
	return open_single(p, "pam", arg, &p->pam_line);
}

static int open_roles(struct parser *p, const char *arg)
{
	return open_single(p, "roles", arg, &p->roles_line);
}

static int open_offboard(struct parser *p, const char *arg)
{
	return open_single(p, "offboard", arg, &p->offboard_line);
}

/* ---- issue 5: [ldap] and [ldap_map] ---- */
static int open_ldap(struct parser *p, const char *arg)
{
	return open_single(p, "ldap", arg, &p->ldap_line);
}

static int open_ldap_map(struct parser *p, const char *arg)
{
	return open_single(p, "ldap_map", arg, &p->ldap_map_line);
}

/* clang-format off */
static const struct section_def section_defs[] = {
	{"class", IN_CLASS, open_class},
	{"ledger", IN_LEDGER, open_ledger},
	{"pam", IN_PAM, open_pam},
	{"roles", IN_ROLES, open_roles},
	{"offboard", IN_OFFBOARD, open_offboard},
	/* ---- issue 5: replace this reserved entry with [ldap] and its map ---- */
	{"ldap", IN_LDAP, open_ldap},
	{"ldap_map", IN_LDAP_MAP, open_ldap_map},
};
/* clang-format on */

/* The section whose keys a key of scope belongs to ("class", "ledger"). */
static const char *section_of_scope(unsigned scope)
{
	for (size_t i = 0; i < sizeof(section_defs) / sizeof(section_defs[0]); i++)
		if (section_defs[i].scope == scope)
			return section_defs[i].kind;
	return "";
}

static const struct section_def *find_section(const char *kind)
{
	for (size_t i = 0; i < sizeof(section_defs) / sizeof(section_defs[0]); i++)
		if (strcmp(section_defs[i].kind, kind) == 0)
			return &section_defs[i];
	return NULL;
}

/* "[class NAME], [ledger], ...": the sections a file may have. */
static void known_sections(char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(section_defs) / sizeof(section_defs[0]); i++) {
		const struct section_def *d = &section_defs[i];
		if (d->open == NULL)
			continue;
		int n = snprintf(buf + used, size - used, "%s[%s%s]", used > 0 ? ", " : "",
		                 d->kind, d->scope == IN_CLASS ? " NAME" : "");
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
}

/* line starts with "[" and has no comment and no blank at either end. */
static int parse_header(struct parser *p, char *line)
{
	char *close = strchr(line, ']');
	if (close == NULL)
		return fail(p, _("%s:%u: section header not closed"), p->name, p->lineno);
	if (close[1] != '\0')
		return fail(p, _("%s:%u: unexpected text after the section header"), p->name,
		            p->lineno);
	*close = '\0';
	char *kind = trim(line + 1);
	size_t klen = strcspn(kind, " \t");
	char *arg = trim(kind + klen);
	kind[klen] = '\0';
	const struct section_def *s = find_section(kind);
	if (s == NULL) {
		char known[256];
		known_sections(known, sizeof(known));
		return fail(p, _("%s:%u: unknown section [%s] (expected one of %s)"), p->name,
		            p->lineno, kind, known);
	}
	if (s->open == NULL)
		return fail(p,
		            _("%s:%u: section [%s] is reserved for a later version of credpolicy"),
		            p->name, p->lineno, kind);
	snprintf(p->label, sizeof(p->label), "%s%s%s", kind, *arg != '\0' ? " " : "", arg);
	p->scope = s->scope;
	p->cls = NULL;
	return s->open(p, arg);
}

/* Reject what a text policy never needs and what could hide text or drive
 * a terminal when echoed in a message: NUL, bad UTF-8, control characters
 * (C0 but tab, DEL, C1). */
static int check_line_bytes(struct parser *p, const char *s, size_t n)
{
	if (n > CONF_MAX_LINE)
		return fail(p, _("%s:%u: line is longer than %u bytes"), p->name, p->lineno,
		            CONF_MAX_LINE);
	if (memchr(s, '\0', n) != NULL)
		return fail(p, _("%s:%u: line contains a NUL byte"), p->name, p->lineno);
	if (cp_utf8_validate(s, n) < 0)
		return fail(p, _("%s:%u: line is not valid UTF-8"), p->name, p->lineno);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool c1 = c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] < 0xa0;
		if ((c < 0x20 && c != '\t') || c == 0x7f || c1)
			return fail(p, _("%s:%u: line contains a control character"), p->name,
			            p->lineno);
	}
	return CP_OK;
}

static int parse_line(struct parser *p, const char *s, size_t n)
{
	if (n > 0 && s[n - 1] == '\r') /* CRLF line ends */
		n--;
	int rc = check_line_bytes(p, s, n);
	if (rc != CP_OK)
		return rc;
	memcpy(p->buf, s, n);
	p->buf[n] = '\0';
	strip_comment(p->buf);
	char *line = trim(p->buf);
	if (*line == '\0')
		return CP_OK;
	if (*line == '[')
		return parse_header(p, line);
	return parse_assignment(p, line);
}

static int parse_lines(struct parser *p, const char *buf, size_t len)
{
	size_t pos = 0;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) /* a UTF-8 BOM */
		pos = 3;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (buf + pos)) : len - pos;
		p->lineno++;
		int rc = parse_line(p, buf + pos, n);
		if (rc != CP_OK)
			return rc;
		pos += n + 1;
	}
	return CP_OK;
}

/* ------------------------------------------------------------ resolution */

/* Global class keys fill what a class did not set itself. */
static void inherit(struct cp_class *c, const struct cp_class *top)
{
	for (size_t k = 0; k < K_COUNT; k++) {
		const struct key_def *d = &key_defs[k];
		if (d->target != ON_CLASS || top->line[k] == 0 || c->line[k] != 0)
			continue;
		size_t size = d->type == KT_BOOL ? sizeof(bool) : sizeof(unsigned);
		memcpy((char *)c + d->offset, (const char *)top + d->offset, size);
	}
}

/* The line that made a class's value of key k what it is: its own, else the
 * global one, else 0 (built-in). */
static unsigned value_line(const struct cp_class *c, const struct cp_class *top, size_t k)
{
	return c->line[k] != 0 ? c->line[k] : top->line[k];
}

/* Blame the later of the two lines behind a conflict between two keys. */
static unsigned conflict_line(const struct cp_class *c, const struct cp_class *top, size_t k1,
                              size_t k2)
{
	unsigned a = value_line(c, top, k1), b = value_line(c, top, k2);
	unsigned l = a > b ? a : b;
	return l != 0 ? l : c->header_line;
}

static int check_class(struct parser *p, const struct cp_class *c)
{
	const struct cp_class *top = &p->cfg->top;
	if (c->max_age_days > 0 && c->warn_days >= c->max_age_days)
		return fail(p,
		            _("%s:%u: \"warn_days\" (%u) must be smaller than \"max_age_days\" "
		              "(%u) in class \"%s\""),
		            p->name, conflict_line(c, top, K_WARN_DAYS, K_MAX_AGE_DAYS),
		            c->warn_days, c->max_age_days, c->name);
	if (c->min_length < c->min_classes)
		return fail(p,
		            _("%s:%u: \"min_length\" (%u) is smaller than \"min_classes\" (%u) in "
		              "class \"%s\", so no password could be accepted"),
		            p->name, conflict_line(c, top, K_MIN_LENGTH, K_MIN_CLASSES),
		            c->min_length, c->min_classes, c->name);
	return CP_OK;
}

static int finish(struct parser *p)
{
	cp_config *cfg = p->cfg;
	for (size_t i = 0; i < cfg->nclasses; i++) {
		inherit(cfg->classes[i], &cfg->top);
		int rc = check_class(p, cfg->classes[i]);
		if (rc != CP_OK)
			return rc;
	}
	if (find_class(cfg, cfg->default_class) == NULL)
		return fail(p, _("%s:%u: default class \"%s\" is not defined"), p->name,
		            cfg->top.line[K_DEFAULT_CLASS], cfg->default_class);
	return CP_OK;
}

/* ------------------------------------------------------------ public: loading */

CP_EXPORT int cp_config_load_buffer(const char *buf, size_t len, const char *name, cp_config **out,
                                    char **errmsg)
{
	if (errmsg != NULL)
		*errmsg = NULL;
	if (out == NULL || (buf == NULL && len > 0))
		return CP_ERR_INVAL;
	*out = NULL;
	if (name == NULL)
		name = "<buffer>";
	if (len > CONF_MAX_BYTES) {
		cp_set_errmsg(errmsg, _("%s: the file is larger than 1 MiB"), name);
		return CP_ERR_CONFIG;
	}
	/* ~8 KiB of line buffers: on the heap, PAM may run on small stacks. */
	struct parser *p = calloc(1, sizeof(*p));
	cp_config *cfg = cp_config_new_default();
	int rc = p == NULL || cfg == NULL ? CP_ERR_NOMEM : CP_OK;
	if (rc == CP_OK) {
		p->cfg = cfg;
		p->name = name;
		p->errmsg = errmsg;
		p->scope = IN_TOP;
		rc = parse_lines(p, buf, len);
	}
	if (rc == CP_OK)
		rc = finish(p);
	free(p);
	if (rc != CP_OK) {
		cp_config_free(cfg);
		return rc;
	}
	*out = cfg;
	return CP_OK;
}

static int io_error(const char *path, bool opening, int err, char **errmsg)
{
	char buf[256];
	/* GNU strerror_r: thread-safe, returns the message. */
	const char *why = strerror_r(err, buf, sizeof(buf));
	if (opening)
		cp_set_errmsg(errmsg, _("%s: cannot open the file: %s"), path, why);
	else
		cp_set_errmsg(errmsg, _("%s: cannot read the file: %s"), path, why);
	return CP_ERR_IO;
}

/* Read a regular file whole; more than CONF_MAX_BYTES is read as one byte
 * more so that cp_config_load_buffer refuses it. */
static int read_fd(int fd, const char *path, off_t size_hint, char **out, size_t *outlen,
                   char **errmsg)
{
	size_t cap = size_hint > 0 && size_hint <= CONF_MAX_BYTES ? (size_t)size_hint + 1 : 4096;
	size_t len = 0;
	char *buf = malloc(cap);
	while (buf != NULL && len <= CONF_MAX_BYTES) {
		if (len == cap) {
			cap = cap * 2 > CONF_MAX_BYTES + 1 ? CONF_MAX_BYTES + 1 : cap * 2;
			char *n = realloc(buf, cap);
			if (n == NULL) {
				free(buf);
				return CP_ERR_NOMEM;
			}
			buf = n;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = errno;
			free(buf);
			return io_error(path, false, err, errmsg);
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (buf == NULL)
		return CP_ERR_NOMEM;
	*out = buf;
	*outlen = len;
	return CP_OK;
}

/* Symbolic links are followed: /etc files managed as links (NixOS,
 * configuration management, ostree) are normal, and only root can place
 * one in /etc/security. O_NONBLOCK keeps a FIFO from blocking the open; it
 * is refused next, like anything that is not a regular file. */
static int read_file(const char *path, char **buf, size_t *len, char **errmsg)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT) {
		cp_set_errmsg(errmsg, _("%s: the file does not exist"), path);
		return CP_ERR_NOTFOUND;
	}
	if (fd < 0)
		return io_error(path, true, errno, errmsg);
	struct stat st;
	int rc = CP_OK;
	if (fstat(fd, &st) != 0)
		rc = io_error(path, false, errno, errmsg);
	else if (!S_ISREG(st.st_mode)) {
		cp_set_errmsg(errmsg, _("%s: not a regular file"), path);
		rc = CP_ERR_IO;
	} else
		rc = read_fd(fd, path, st.st_size, buf, len, errmsg);
	close(fd);
	return rc;
}

CP_EXPORT int cp_config_load(const char *path, cp_config **out, char **errmsg)
{
	if (errmsg != NULL)
		*errmsg = NULL;
	if (out == NULL)
		return CP_ERR_INVAL;
	*out = NULL;
	if (path == NULL)
		path = cp_config_default_path();
	char *buf = NULL;
	size_t len = 0;
	int rc = read_file(path, &buf, &len, errmsg);
	if (rc == CP_OK)
		rc = cp_config_load_buffer(buf, len, path, out, errmsg);
	free(buf);
	return rc;
}

/* ------------------------------------------------------------ public: queries */

CP_EXPORT const cp_class *cp_config_class(const cp_config *cfg, const char *name)
{
	if (cfg == NULL)
		return NULL;
	return find_class(cfg, name != NULL ? name : cfg->default_class);
}

CP_EXPORT size_t cp_config_class_count(const cp_config *cfg)
{
	return cfg != NULL ? cfg->nclasses : 0;
}

CP_EXPORT const cp_class *cp_config_class_at(const cp_config *cfg, size_t i)
{
	return cfg != NULL && i < cfg->nclasses ? cfg->classes[i] : NULL;
}

CP_EXPORT const char *cp_config_ledger_path(const cp_config *cfg)
{
	return cfg != NULL ? cfg->ledger_path : NULL;
}

CP_EXPORT const char *cp_config_pam_value(const cp_config *cfg, const char *key)
{
	for (size_t k = 0; cfg != NULL && key != NULL && k < K_COUNT; k++) {
		const struct key_def *d = &key_defs[k];
		if (d->where == IN_PAM && strcmp(d->name, key) == 0)
			return d->words[*(const bool *)((const char *)cfg + d->offset)];
	}
	return NULL;
}

CP_EXPORT const char *cp_config_value(const cp_config *cfg, const char *section,
                                     const char *key)
{
	if (cfg == NULL || section == NULL || key == NULL)
		return NULL;
	const struct section_def *s = find_section(section);
	if (s == NULL || s->scope == 0)
		return NULL;
	for (size_t k = 0; k < K_COUNT; k++) {
		const struct key_def *d = &key_defs[k];
		if ((d->where & s->scope) == 0 || strcmp(d->name, key) != 0)
			continue;
		if (d->type == KT_STRING || d->type >= KT_WORD) /* text kept in strval */
			return cfg->strval[k] != NULL ? cfg->strval[k] : d->words[0];
		if (d->type == KT_CHOICE)
			return d->words[*(const bool *)((const char *)cfg + d->offset)];
		return NULL;
	}
	return NULL;
}

unsigned cp_config_busy_timeout_ms(const cp_config *cfg)
{
	return cfg != NULL ? cfg->busy_timeout_ms : DEFAULT_BUSY_TIMEOUT_MS;
}

CP_EXPORT const char *cp_config_index_path(const cp_config *cfg)
{
	return cfg != NULL ? cfg->index_path : NULL;
}

CP_EXPORT bool cp_config_index_required(const cp_config *cfg)
{
	return cfg != NULL && cfg->index_required;
}

size_t cp_config_pattern_min_rest(const cp_config *cfg)
{
	return cfg != NULL ? cfg->pattern_min_rest : DEFAULT_PATTERN_MIN_REST;
}

CP_EXPORT const char *cp_class_name(const cp_class *c)
{
	return c != NULL ? c->name : NULL;
}

CP_EXPORT unsigned cp_class_min_length(const cp_class *c)
{
	return c != NULL ? c->min_length : 0;
}

CP_EXPORT unsigned cp_class_min_classes(const cp_class *c)
{
	return c != NULL ? c->min_classes : 0;
}

CP_EXPORT unsigned cp_class_max_age_days(const cp_class *c)
{
	return c != NULL ? c->max_age_days : 0;
}

CP_EXPORT unsigned cp_class_warn_days(const cp_class *c)
{
	return c != NULL ? c->warn_days : 0;
}

CP_EXPORT bool cp_class_otp_exempt(const cp_class *c)
{
	return c != NULL && c->otp_exempt;
}

CP_EXPORT unsigned cp_class_history(const cp_class *c)
{
	return c != NULL ? c->history : 0;
}

CP_EXPORT unsigned cp_class_similarity(const cp_class *c)
{
	return c != NULL ? c->similarity : 0;
}
