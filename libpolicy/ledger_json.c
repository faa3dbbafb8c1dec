/* ledger_json.c - the ledger as a JSON document (docs/LEDGER-FORMAT.md).
 *
 * Written on the public cp_ledger API only, as any other client of the
 * library would be, plus jansson for the parsing and the printing. A
 * person's "groups" (R18) and an account's "review" (R19) are read and
 * written by ledger_json_access.c, with the helpers of ledger_json.h.
 *
 * Import runs in two phases. Validation reads the whole document, writes
 * nothing and collects every problem with the path of its record
 * ("accounts[17].owner: ..."), so that whoever prepared the file can fix it
 * in one go. Only a document without any problem is applied, in one
 * transaction: people, then accounts with their owner, custodians and
 * state, then one "import" event with the counts.
 *
 * Personal facts ("personal") become tokens during validation, which is
 * where cp_person_add checks them. The raw values are never stored (R23)
 * nor put into a message, and they are wiped from the parsed document
 * before it is freed. Messages may name employee ids, account names,
 * classes and field names: none of those is personal information.
 */
#include "ledger_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------ */
/* Problems                                                            */
/* ------------------------------------------------------------------ */

/* Record one problem as "rec.field: message"; rec "" is the document
 * itself, field NULL the whole record. */
void lj_problem(struct import *im, const char *rec, const char *field, const char *fmt, ...)
{
	va_list ap;
	if (im->nproblems++ > 0)
		fputc('\n', im->problems);
	fputs(rec, im->problems);
	if (field != NULL)
		fprintf(im->problems, *rec != '\0' ? ".%s" : "%s", field);
	if (*rec != '\0' || field != NULL)
		fputs(": ", im->problems);
	va_start(ap, fmt);
	vfprintf(im->problems, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Fields                                                              */
/* ------------------------------------------------------------------ */

/* Whether s[i] starts a C0 or C1 control character (C1: U+0080-U+009F,
 * UTF-8 0xc2 0x80-0x9f); s is valid UTF-8. */
static bool control_at(const char *s, size_t i)
{
	unsigned char c = (unsigned char)s[i];
	return c < 0x20 || c == 0x7f || (c == 0xc2 && (unsigned char)s[i + 1] < 0xa0);
}

/* 1 to max bytes without control characters (jansson has checked the
 * UTF-8). The ledger refuses the same, but only now can the record be
 * named. */
bool lj_text_ok(const char *s, size_t len, size_t max)
{
	if (len == 0 || len > max)
		return false;
	for (size_t i = 0; i < len; i++)
		if (control_at(s, i))
			return false;
	return true;
}

/* Text of an id, a name, a scope, a class or a reason. */
static bool valid_text(const char *s, size_t len)
{
	return lj_text_ok(s, len, TEXT_MAX);
}

/* Whether s may be repeated in a message: short, no control characters
 * (a terminal escape sequence in a file must not reach the terminal). */
static bool showable(const char *s)
{
	size_t n = strnlen(s, SHOWN_MAX + 1);
	return n <= SHOWN_MAX && valid_text(s, n);
}

const char *lj_shown(const char *s)
{
	return showable(s) ? s : "...";
}

/* Report every key of obj that is not in allowed (NULL-terminated): a
 * misspelt "custodian" must not silently drop the custodians. */
void lj_check_keys(struct import *im, json_t *obj, const char *rec, const char *const *allowed)
{
	const char *key;
	json_t *value;
	json_object_foreach(obj, key, value)
	{
		size_t i = 0;
		while (allowed[i] != NULL && strcmp(allowed[i], key) != 0)
			i++;
		if (allowed[i] != NULL)
			continue;
		if (showable(key))
			lj_problem(im, rec, NULL, _("unknown field \"%s\""), key);
		else
			lj_problem(im, rec, NULL, "%s", _("unknown field"));
	}
}

/* Read text field key of obj into *out. Absent (or null, when NULLABLE)
 * leaves *out alone and is a problem only when REQUIRED. */
int lj_text_field(struct import *im, json_t *obj, const char *rec, const char *key, int flags,
                  const char **out)
{
	json_t *v = json_object_get(obj, key);
	if (v == NULL || (json_is_null(v) && (flags & NULLABLE))) {
		if (flags & REQUIRED)
			lj_problem(im, rec, key, "%s", _("required field is missing"));
		return F_ABSENT;
	}
	if (!json_is_string(v)) {
		lj_problem(im, rec, key, "%s",
		           flags & NULLABLE ? _("must be a string or null")
		                            : _("must be a string"));
		return F_BAD;
	}
	if (!valid_text(json_string_value(v), json_string_length(v))) {
		lj_problem(im, rec, key,
		           _("must be 1 to %d bytes of text without control characters"), TEXT_MAX);
		return F_BAD;
	}
	*out = json_string_value(v);
	return F_OK;
}

/* An optional true or false; absent is false. Returns whether present. */
static bool bool_field(struct import *im, json_t *obj, const char *rec, const char *key, bool *out)
{
	json_t *v = json_object_get(obj, key);
	*out = false;
	if (v == NULL)
		return false;
	if (!json_is_boolean(v))
		lj_problem(im, rec, key, "%s", _("must be true or false"));
	else
		*out = json_is_true(v);
	return true;
}

/* An optional array; NULL if absent or (reported) not an array. */
json_t *lj_array_field(struct import *im, json_t *obj, const char *rec, const char *key)
{
	json_t *v = json_object_get(obj, key);
	if (v != NULL && !json_is_array(v)) {
		lj_problem(im, rec, key, "%s", _("must be an array"));
		return NULL;
	}
	return v;
}

/* Whether s follows layout, where '9' stands for any digit. */
static bool fits_layout(const char *s, const char *layout)
{
	for (; *layout != '\0'; s++, layout++)
		if (*layout == '9' ? *s < '0' || *s > '9' : *s != *layout)
			return false;
	return *s == '\0';
}

static int digits_at(const char *s, size_t off, size_t n)
{
	int v = 0;
	for (size_t i = off; i < off + n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days since 1970-01-01 of a valid proleptic Gregorian date. */
static int64_t days_from_civil(int y, int m, int d)
{
	static const int before[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
	int64_t days = 365 * (int64_t)(y - 1970) + before[m - 1] + d - 1;
	for (int k = 1970; k < y; k++)
		days += leap(k);
	return days + (m > 2 && leap(y));
}

/* "YYYY-MM-DDTHH:MM:SSZ" or "YYYY-MM-DD" (midnight), UTC, 1970 to 2999,
 * as Unix time; false if it is not such a moment. Stored times are whole
 * seconds, and 0 means "never", so the epoch itself is refused. */
static bool parse_time(const char *s, int64_t *out)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool full = fits_layout(s, "9999-99-99T99:99:99Z");
	if (!full && !fits_layout(s, "9999-99-99"))
		return false;
	int y = digits_at(s, 0, 4), m = digits_at(s, 5, 2), d = digits_at(s, 8, 2);
	int h = full ? digits_at(s, 11, 2) : 0, mi = full ? digits_at(s, 14, 2) : 0;
	int sec = full ? digits_at(s, 17, 2) : 0;
	if (y < 1970 || y > 2999 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && !leap(y)) || h > 23 || mi > 59 || sec > 59)
		return false;
	*out = days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + sec;
	return *out > 0;
}

/* A moment (see parse_time) or null; absent or null leave *out at 0. */
int lj_time_field(struct import *im, json_t *obj, const char *rec, const char *key, int64_t *out)
{
	const char *s = NULL;
	*out = 0;
	int f = lj_text_field(im, obj, rec, key, NULLABLE, &s);
	if (f != F_OK)
		return f;
	if (parse_time(s, out))
		return F_OK;
	lj_problem(im, rec, key, "%s",
	           _("not a date: write YYYY-MM-DDTHH:MM:SSZ (UTC) or YYYY-MM-DD"));
	return F_BAD;
}

/* ------------------------------------------------------------------ */
/* People                                                              */
/* ------------------------------------------------------------------ */

static const char *const person_keys[] = {"employee_id", "name",        "latin_name",
                                          "status",      "departed_at", "personal",
                                          "tokens",      "groups",      NULL};
/* Facts of "personal", each a string or an array of strings. Names and
 * the employee id have their own fields. */
static const char *const personal_keys[] = {"birthday", "phone",    "email",
                                            "id_card",  "username", NULL};

/* Copy every token of from into to. */
static int add_tokens(cp_person *to, const cp_person *from)
{
	int rc = CP_OK;
	for (size_t i = 0; rc == CP_OK && i < cp_person_token_count(from); i++)
		rc = cp_person_add_token(to, cp_person_token(from, i));
	return rc;
}

/* The tokens of a name, derived once per distinct name: Chinese names
 * repeat (a city has thousands of 张伟) and their pinyin, through ICU,
 * is most of the cost of validating a large import. NULL with *rc set
 * when the name is invalid (*msg says why) or memory ran out. */
static const cp_person *name_tokens(struct import *im, const char *name, int *rc, char **msg)
{
	json_t *at = json_object_get(im->name_at, name);
	if (at != NULL)
		return im->names[json_integer_value(at)];
	if (im->nnames == im->names_cap) {
		size_t cap = im->names_cap != 0 ? 2 * im->names_cap : 256;
		cp_person **v = realloc(im->names, cap * sizeof(*v));
		if (v == NULL) {
			*rc = CP_ERR_NOMEM;
			return NULL;
		}
		im->names = v;
		im->names_cap = cap;
	}
	cp_person *p = NULL;
	*rc = cp_person_new(&p);
	if (*rc == CP_OK)
		*rc = cp_person_add(p, "name", name, msg);
	if (*rc == CP_OK &&
	    json_object_set_new(im->name_at, name, json_integer((json_int_t)im->nnames)) != 0)
		*rc = CP_ERR_NOMEM;
	if (*rc != CP_OK) {
		cp_person_free(p);
		return NULL;
	}
	im->names[im->nnames++] = p;
	return p;
}

/* Derive the tokens of one fact; field names it in messages. */
static void add_fact(struct import *im, struct person_in *p, const char *rec, const char *field,
                     const char *key, const char *value)
{
	char *msg = NULL;
	int rc = CP_OK;
	if (strcmp(key, "name") == 0) {
		const cp_person *tokens = name_tokens(im, value, &rc, &msg);
		if (tokens != NULL)
			rc = add_tokens(p->info, tokens);
	} else {
		rc = cp_person_add(p->info, key, value, &msg);
	}
	if (rc == CP_ERR_NOMEM)
		im->fatal = rc;
	else if (rc != CP_OK)
		lj_problem(im, rec, field, "%s", msg != NULL ? msg : cp_strerror(rc));
	free(msg);
}

/* One entry of "personal": a string, or an array of strings. */
static void add_personal(struct import *im, struct person_in *p, const char *rec, const char *key,
                         json_t *v)
{
	char field[64];
	snprintf(field, sizeof field, "personal.%s", key);
	if (json_is_string(v)) {
		add_fact(im, p, rec, field, key, json_string_value(v));
		return;
	}
	if (!json_is_array(v)) {
		lj_problem(im, rec, field, "%s", _("must be a string or an array of strings"));
		return;
	}
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
	{
		snprintf(field, sizeof field, "personal.%s[%zu]", key, i);
		if (json_is_string(e))
			add_fact(im, p, rec, field, key, json_string_value(e));
		else
			lj_problem(im, rec, field, "%s", _("must be a string"));
	}
}

static void person_personal(struct import *im, json_t *obj, const char *rec, struct person_in *p)
{
	json_t *personal = json_object_get(obj, "personal");
	if (personal == NULL)
		return;
	if (!json_is_object(personal)) {
		lj_problem(im, rec, "personal", "%s", _("must be an object"));
		return;
	}
	char sub[48];
	snprintf(sub, sizeof sub, "%s.personal", rec);
	lj_check_keys(im, personal, sub, personal_keys);
	for (size_t k = 0; personal_keys[k] != NULL; k++) {
		json_t *v = json_object_get(personal, personal_keys[k]);
		if (v != NULL)
			add_personal(im, p, rec, personal_keys[k], v);
	}
}

/* "tokens": already derived tokens, as export writes them. */
static void person_tokens(struct import *im, json_t *obj, const char *rec, struct person_in *p)
{
	json_t *tokens = lj_array_field(im, obj, rec, "tokens");
	size_t i;
	json_t *t;
	json_array_foreach(tokens, i, t)
	{
		char field[32];
		snprintf(field, sizeof field, "tokens[%zu]", i);
		if (!json_is_string(t) ||
		    cp_person_add_token(p->info, json_string_value(t)) != CP_OK)
			lj_problem(
			    im, rec, field, "%s",
			    _("not a token: 3 to 64 lower-case letters and digits, or ^ and 2 "
			      "to 64 letters"));
	}
}

/* A record without "personal" and "tokens" keeps the tokens the ledger
 * has: a roster of names alone must not erase birthdays imported before,
 * which R3 needs. */
static void keep_ledger_tokens(struct import *im, json_t *obj, struct person_in *p)
{
	cp_person *old = NULL;
	if (p->id == NULL || json_object_get(obj, "personal") != NULL ||
	    json_object_get(obj, "tokens") != NULL)
		return;
	int rc = cp_ledger_person_info(im->l, p->id, &old);
	if (rc == CP_OK)
		rc = add_tokens(p->info, old);
	if (rc != CP_OK && rc != CP_ERR_NOTFOUND)
		im->fatal = rc;
	cp_person_free(old);
}

/* Everything the ledger keeps of a person's facts: the tokens of the
 * names, the employee id, "personal" and "tokens". */
static void person_info(struct import *im, json_t *obj, const char *rec, struct person_in *p)
{
	const char *latin = NULL;
	if (cp_person_new(&p->info) != CP_OK) {
		im->fatal = CP_ERR_NOMEM;
		return;
	}
	keep_ledger_tokens(im, obj, p);
	if (p->name != NULL)
		add_fact(im, p, rec, "name", "name", p->name);
	if (lj_text_field(im, obj, rec, "latin_name", OPTIONAL, &latin) == F_OK)
		add_fact(im, p, rec, "latin_name", "name", latin);
	if (p->id != NULL)
		add_fact(im, p, rec, "employee_id", "employee_id", p->id);
	person_personal(im, obj, rec, p);
	person_tokens(im, obj, rec, p);
}

static void person_status(struct import *im, json_t *obj, const char *rec, struct person_in *p)
{
	const char *status = "active";
	if (lj_text_field(im, obj, rec, "status", OPTIONAL, &status) == F_BAD)
		return;
	bool departed = strcmp(status, "departed") == 0;
	if (!departed && strcmp(status, "active") != 0) {
		lj_problem(im, rec, "status",
		           _("unknown status \"%s\" (expected \"active\" or \"departed\")"),
		           lj_shown(status));
		return;
	}
	int f = lj_time_field(im, obj, rec, "departed_at", &p->departed);
	if (departed && f == F_ABSENT)
		lj_problem(im, rec, "departed_at", "%s",
		           _("a departed person needs the date of departure"));
	else if (!departed && f == F_OK)
		lj_problem(im, rec, "departed_at", "%s",
		           _("only a departed person has a date of departure"));
	if (!departed)
		p->departed = 0;
}

/* Remember p's index under its id; a second record for one id is refused. */
static void register_person(struct import *im, const char *rec, size_t i)
{
	const char *id = im->people[i].id;
	json_t *first = json_object_get(im->person_at, id);
	if (first != NULL) {
		lj_problem(im, rec, "employee_id",
		           _("employee id \"%s\" is listed twice (first in people[%lld])"),
		           lj_shown(id), (long long)json_integer_value(first));
		return;
	}
	if (json_object_set_new(im->person_at, id, json_integer((json_int_t)i)) != 0)
		im->fatal = CP_ERR_NOMEM;
}

static void check_person(struct import *im, json_t *obj, size_t i)
{
	char rec[32];
	struct person_in *p = &im->people[i];
	snprintf(rec, sizeof rec, "people[%zu]", i);
	if (!json_is_object(obj)) {
		lj_problem(im, rec, NULL, "%s", _("must be an object"));
		return;
	}
	lj_check_keys(im, obj, rec, person_keys);
	lj_text_field(im, obj, rec, "employee_id", REQUIRED, &p->id);
	lj_text_field(im, obj, rec, "name", REQUIRED, &p->name);
	person_status(im, obj, rec, p);
	person_info(im, obj, rec, p);
	lj_person_groups(im, obj, rec, p);
	if (p->id != NULL)
		register_person(im, rec, i);
}

/* ------------------------------------------------------------------ */
/* Accounts                                                            */
/* ------------------------------------------------------------------ */

static const char *const account_keys[] = {
    "name",        "scope",       "class",      "kind",   "owner", "other_owners", "otp", "locked",
    "last_change", "must_change", "custodians", "review", NULL};

/* Whether the file or the ledger knows the person with this id. */
static bool person_known(struct import *im, const char *id)
{
	if (json_object_get(im->person_at, id) != NULL)
		return true;
	json_t *cached = json_object_get(im->in_ledger, id);
	if (cached != NULL)
		return json_is_true(cached);
	cp_person *info = NULL;
	int rc = cp_ledger_person_info(im->l, id, &info);
	cp_person_free(info);
	if (rc != CP_OK && rc != CP_ERR_NOTFOUND)
		im->fatal = rc;
	json_object_set_new(im->in_ledger, id, json_boolean(rc == CP_OK));
	return rc == CP_OK;
}

static int collect_gone(const char *employee_id, const char *display_name, int64_t departed_at,
                        const cp_person *info, void *ctx)
{
	struct import *im = ctx;
	(void)display_name;
	(void)info;
	if (departed_at != 0 && json_object_set_new(im->gone, employee_id, json_true()) != 0) {
		im->fatal = CP_ERR_NOMEM;
		return 1;
	}
	return 0;
}

/* Whether the file or the ledger says this person has left: a record
 * saying "active" does not bring a leaver back. The ledger's leavers are
 * read once, when the first custodian is checked. */
static bool departed(struct import *im, const char *id)
{
	json_t *at = json_object_get(im->person_at, id);
	if (at != NULL && im->people[json_integer_value(at)].departed != 0)
		return true;
	if (im->gone == NULL) {
		if ((im->gone = json_object()) == NULL) {
			im->fatal = CP_ERR_NOMEM;
			return false;
		}
		int rc = cp_ledger_people(im->l, collect_gone, im);
		if (rc != CP_OK && im->fatal == CP_OK)
			im->fatal = rc;
	}
	return json_object_get(im->gone, id) != NULL;
}

static void account_kind(struct import *im, json_t *obj, const char *rec, struct account_in *a)
{
	const char *kind = NULL;
	if (lj_text_field(im, obj, rec, "kind", REQUIRED, &kind) != F_OK)
		return;
	for (int k = CP_ACCOUNT_PERSONAL; k <= CP_ACCOUNT_BREAK_GLASS; k++)
		if (strcmp(kind, cp_account_kind_name((cp_account_kind)k)) == 0) {
			a->kind = (cp_account_kind)k;
			return;
		}
	lj_problem(im, rec, "kind",
	           _("unknown kind \"%s\" (expected \"personal\", \"service\" or \"break-glass\")"),
	           lj_shown(kind));
}

static void account_class(struct import *im, json_t *obj, const char *rec, struct account_in *a)
{
	if (lj_text_field(im, obj, rec, "class", REQUIRED, &a->class_name) != F_OK)
		return;
	if (cp_config_class(cp_ledger_config(im->l), a->class_name) == NULL)
		lj_problem(im, rec, "class", _("unknown account class \"%s\""),
		           lj_shown(a->class_name));
}

/* One owner (R12): an id of a person in the file or in the ledger. */
static void account_owner(struct import *im, json_t *obj, const char *rec, struct account_in *a)
{
	if (lj_text_field(im, obj, rec, "owner", NULLABLE, &a->owner) == F_OK &&
	    !person_known(im, a->owner))
		lj_problem(im, rec, "owner",
		           _("no person with employee id \"%s\" in the file or the ledger"),
		           lj_shown(a->owner));
	json_t *others = lj_array_field(im, obj, rec, "other_owners");
	if (json_array_size(others) > 0)
		lj_problem(
		    im, rec, "other_owners", "%s",
		    _("the account is claimed by more than one person; an account has exactly "
		      "one owner (R12), so an import cannot make it shared"));
}

/* One custodian: known, not a leaver (R13), not listed twice. */
static void check_custodian(struct import *im, const char *rec, json_t *list, size_t i)
{
	char field[40];
	snprintf(field, sizeof field, "custodians[%zu]", i);
	json_t *e = json_array_get(list, i);
	const char *id = json_string_value(e);
	if (id == NULL || !valid_text(id, json_string_length(e))) {
		lj_problem(im, rec, field, "%s", _("must be an employee id"));
		return;
	}
	for (size_t j = 0; j < i; j++)
		if (json_equal(json_array_get(list, j), e)) {
			lj_problem(im, rec, field, _("\"%s\" is listed twice"), lj_shown(id));
			return;
		}
	if (!person_known(im, id))
		lj_problem(im, rec, field,
		           _("no person with employee id \"%s\" in the file or the ledger"),
		           lj_shown(id));
	else if (departed(im, id))
		lj_problem(im, rec, field,
		           _("\"%s\" has departed: a leaver keeps no custodian link (R13)"),
		           lj_shown(id));
}

static void account_custodians(struct import *im, json_t *obj, const char *rec,
                               struct account_in *a)
{
	a->custodians = lj_array_field(im, obj, rec, "custodians");
	for (size_t i = 0; i < json_array_size(a->custodians); i++)
		check_custodian(im, rec, a->custodians, i);
	im->ncustodians += json_array_size(a->custodians);
}

static void account_state(struct import *im, json_t *obj, const char *rec, struct account_in *a)
{
	bool_field(im, obj, rec, "otp", &a->otp);
	a->has_locked = bool_field(im, obj, rec, "locked", &a->locked);
	/* A future date (2062 for 2026) would keep the account from ever
	 * expiring; a day of slack allows for clocks and zones. */
	if (lj_time_field(im, obj, rec, "last_change", &a->last_change) == F_OK &&
	    a->last_change > (int64_t)time(NULL) + 86400)
		lj_problem(im, rec, "last_change", "%s", _("the date is in the future"));
	lj_text_field(im, obj, rec, "must_change", NULLABLE, &a->must_change);
	/* null is a value here: "never" and "no flag". */
	a->has_last_change = json_object_get(obj, "last_change") != NULL;
	a->has_must_change = json_object_get(obj, "must_change") != NULL;
}

/* One record per account (name, scope): a second one, perhaps with
 * another owner, is refused rather than merged (R12). */
static void register_account(struct import *im, const char *rec, size_t i)
{
	const struct account_in *a = &im->accounts[i];
	char *key = cp_asprintf("%s" KEY_SEP "%s", a->name, a->scope);
	if (key == NULL) {
		im->fatal = CP_ERR_NOMEM;
		return;
	}
	json_t *first = json_object_get(im->account_at, key);
	if (first != NULL)
		lj_problem(
		    im, rec, NULL,
		    _("account \"%s\" with scope \"%s\" is listed twice (first in accounts[%lld]); "
		      "an account has exactly one record and one owner (R12)"),
		    lj_shown(a->name), lj_shown(a->scope), (long long)json_integer_value(first));
	else if (json_object_set_new(im->account_at, key, json_integer((json_int_t)i)) != 0)
		im->fatal = CP_ERR_NOMEM;
	free(key);
}

static void check_account(struct import *im, json_t *obj, size_t i)
{
	char rec[32];
	struct account_in *a = &im->accounts[i];
	snprintf(rec, sizeof rec, "accounts[%zu]", i);
	if (!json_is_object(obj)) {
		lj_problem(im, rec, NULL, "%s", _("must be an object"));
		return;
	}
	lj_check_keys(im, obj, rec, account_keys);
	a->scope = "*";
	bool named = lj_text_field(im, obj, rec, "name", REQUIRED, &a->name) == F_OK;
	bool scoped = lj_text_field(im, obj, rec, "scope", OPTIONAL, &a->scope) != F_BAD;
	account_class(im, obj, rec, a);
	account_kind(im, obj, rec, a);
	account_owner(im, obj, rec, a);
	account_custodians(im, obj, rec, a);
	account_state(im, obj, rec, a);
	lj_account_review(im, obj, rec, a);
	if (named && scoped)
		register_account(im, rec, i);
}

/* ------------------------------------------------------------------ */
/* The document                                                        */
/* ------------------------------------------------------------------ */

/* Why jansson refused the text, in our words: its own messages are
 * untranslated and quote the text near the error, which may be a birthday. */
static const char *json_error_reason(const json_error_t *err)
{
	switch (json_error_code(err)) {
	case json_error_out_of_memory:
		return cp_strerror(CP_ERR_NOMEM);
	case json_error_stack_overflow:
		return _("nested too deeply");
	case json_error_invalid_utf8:
		return _("not valid UTF-8");
	case json_error_premature_end_of_input:
		return _("the text ends too early");
	case json_error_end_of_input_expected:
		return _("there is more text after the document");
	case json_error_null_character:
	case json_error_null_byte_in_key:
		return _("a string contains a NUL character");
	case json_error_duplicate_key:
		return _("a key appears twice in one object");
	case json_error_numeric_overflow:
		return _("a number is too large");
	default:
		return _("invalid syntax");
	}
}

static bool parse_document(struct import *im, const char *json, size_t len)
{
	json_error_t err;
	im->doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
	if (im->doc != NULL)
		return true;
	if (json_error_code(&err) == json_error_out_of_memory)
		im->fatal = CP_ERR_NOMEM;
	char where[64];
	snprintf(where, sizeof where, _("line %d, column %d"), err.line, err.column);
	lj_problem(im, where, NULL, _("not a valid JSON document: %s"), json_error_reason(&err));
	return false;
}

static void check_header(struct import *im)
{
	static const char *const top_keys[] = {"format", "version", "people", "accounts", NULL};
	const char *format = NULL;
	lj_check_keys(im, im->doc, "", top_keys);
	if (lj_text_field(im, im->doc, "", "format", REQUIRED, &format) == F_OK &&
	    strcmp(format, LEDGER_FORMAT) != 0)
		lj_problem(im, "", "format", _("must be \"%s\""), LEDGER_FORMAT);
	json_t *version = json_object_get(im->doc, "version");
	if (version == NULL)
		lj_problem(im, "", "version", "%s", _("required field is missing"));
	else if (!json_is_integer(version) || json_integer_value(version) != LEDGER_VERSION)
		lj_problem(im, "", "version",
		           _("unsupported version (this credpolicy reads version %d)"),
		           LEDGER_VERSION);
}

/* Validate everything: people first, since accounts refer to them. */
static void check_document(struct import *im)
{
	if (!json_is_object(im->doc)) {
		lj_problem(im, "", NULL, "%s", _("the document must be a JSON object"));
		return;
	}
	check_header(im);
	json_t *people = lj_array_field(im, im->doc, "", "people");
	json_t *accounts = lj_array_field(im, im->doc, "", "accounts");
	im->npeople = json_array_size(people);
	im->naccounts = json_array_size(accounts);
	im->people = calloc(im->npeople + 1, sizeof(*im->people));
	im->accounts = calloc(im->naccounts + 1, sizeof(*im->accounts));
	if (im->people == NULL || im->accounts == NULL) {
		im->fatal = CP_ERR_NOMEM;
		return;
	}
	for (size_t i = 0; i < im->npeople && im->fatal == CP_OK; i++)
		check_person(im, json_array_get(people, i), i);
	for (size_t i = 0; i < im->naccounts && im->fatal == CP_OK; i++)
		check_account(im, json_array_get(accounts, i), i);
}

/* ------------------------------------------------------------------ */
/* Applying                                                            */
/* ------------------------------------------------------------------ */

/* A write failed although the record was valid (busy, I/O, full disk). */
static int write_failed(struct import *im, const char *list, size_t i, int rc)
{
	char rec[32];
	snprintf(rec, sizeof rec, "%s[%zu]", list, i);
	lj_problem(im, rec, NULL, _("could not be written to the ledger: %s"), cp_strerror(rc));
	return rc;
}

static int apply_person(struct import *im, const struct person_in *p, const char *actor)
{
	int rc = cp_ledger_person_put(im->l, p->id, p->name, p->info, actor);
	if (rc == CP_OK && p->departed != 0)
		rc = cp_ledger_person_depart(im->l, p->id, p->departed, actor, NULL);
	if (rc == CP_OK)
		rc = lj_apply_groups(im, p, actor);
	return rc;
}

/* The account, then its custodians, then the state the record gives. */
static int apply_account(struct import *im, const struct account_in *a, const char *actor)
{
	cp_ledger *l = im->l;
	int rc = cp_ledger_account_put(l, a->name, a->scope, a->class_name, a->kind, a->owner,
	                               a->otp, actor);
	for (size_t i = 0; rc == CP_OK && i < json_array_size(a->custodians); i++)
		rc = cp_ledger_custodian_grant(l, a->name, a->scope,
		                               json_string_value(json_array_get(a->custodians, i)),
		                               actor, NULL);
	if (rc == CP_OK && a->has_locked)
		rc = cp_ledger_set_locked(l, a->name, a->scope, a->locked, "import", actor, NULL);
	if (rc == CP_OK && a->has_must_change)
		rc = cp_ledger_set_must_change(l, a->name, a->scope, a->must_change, actor, NULL);
	if (rc == CP_OK && a->has_last_change)
		rc = cp_ledger_set_last_change(l, a->name, a->scope, a->last_change, actor);
	if (rc == CP_OK)
		rc = lj_apply_review(im, a, actor);
	return rc;
}

static int apply_all(struct import *im, const char *actor)
{
	int rc = CP_OK;
	for (size_t i = 0; i < im->npeople; i++)
		if ((rc = apply_person(im, &im->people[i], actor)) != CP_OK)
			return write_failed(im, "people", i, rc);
	for (size_t i = 0; i < im->naccounts; i++)
		if ((rc = apply_account(im, &im->accounts[i], actor)) != CP_OK)
			return write_failed(im, "accounts", i, rc);
	char detail[96];
	snprintf(detail, sizeof detail, "people=%zu accounts=%zu custodians=%zu", im->npeople,
	         im->naccounts, im->ncustodians);
	rc = cp_ledger_event_add(im->l, "import", NULL, NULL, actor, NULL, detail);
	if (rc != CP_OK)
		lj_problem(im, "", NULL, _("the import could not be written to the ledger: %s"),
		           cp_strerror(rc));
	return rc;
}

/* All of it or nothing. */
static int apply(struct import *im, const char *actor)
{
	int rc = cp_ledger_begin(im->l);
	if (rc != CP_OK) {
		lj_problem(im, "", NULL, _("the import could not be written to the ledger: %s"),
		           cp_strerror(rc));
		return rc;
	}
	rc = apply_all(im, actor);
	if (rc == CP_OK)
		rc = cp_ledger_commit(im->l);
	if (rc != CP_OK)
		cp_ledger_rollback(im->l);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Import: set-up, the two phases, clean-up                            */
/* ------------------------------------------------------------------ */

static int import_init(struct import *im, cp_ledger *l)
{
	memset(im, 0, sizeof(*im));
	im->l = l;
	im->person_at = json_object();
	im->account_at = json_object();
	im->in_ledger = json_object();
	im->name_at = json_object();
	im->problems = open_memstream(&im->text, &im->text_len);
	if (im->person_at == NULL || im->account_at == NULL || im->in_ledger == NULL ||
	    im->name_at == NULL || im->problems == NULL)
		return CP_ERR_NOMEM;
	return CP_OK;
}

/* jansson's strings are its own malloc'ed copies: writable. */
static void wipe_string(json_t *s)
{
	if (json_is_string(s))
		cp_wipe((char *)json_string_value(s), json_string_length(s));
}

/* Wipe the raw facts under "personal" and the tokens in place: jansson
 * frees without wiping, and these are birthdays and ID numbers. */
static void wipe_personal(json_t *doc)
{
	json_t *people = json_object_get(doc, "people"), *person, *v, *e;
	size_t i, j;
	const char *key;
	json_array_foreach(people, i, person)
	{
		json_object_foreach(json_object_get(person, "personal"), key, v)
		{
			wipe_string(v);
			json_array_foreach(v, j, e) wipe_string(e);
		}
		json_array_foreach(json_object_get(person, "tokens"), j, e) wipe_string(e);
	}
}

static void import_free(struct import *im)
{
	for (size_t i = 0; im->people != NULL && i < im->npeople; i++)
		cp_person_free(im->people[i].info);
	for (size_t i = 0; i < im->nnames; i++)
		cp_person_free(im->names[i]);
	free(im->names);
	free(im->people);
	free(im->accounts);
	wipe_personal(im->doc);
	json_decref(im->doc);
	json_decref(im->person_at);
	json_decref(im->account_at);
	json_decref(im->in_ledger);
	json_decref(im->gone);
	json_decref(im->name_at);
	if (im->problems != NULL)
		fclose(im->problems);
	free(im->text);
}

/* The problems as *errmsg; an error that stopped the import before any
 * problem was found (out of memory, the ledger unreadable) as itself. */
static void take_problems(struct import *im, int rc, char **errmsg)
{
	if (errmsg == NULL)
		return;
	if (im->fatal != CP_OK || im->nproblems == 0 || fflush(im->problems) != 0 ||
	    (*errmsg = strdup(im->text)) == NULL)
		cp_set_errmsg(errmsg, "%s", cp_strerror(rc));
}

/* A dry run is this inside cp_ledger_begin and cp_ledger_rollback: the
 * transaction here is then a savepoint of the caller's. */
CP_EXPORT int cp_ledger_import_json(cp_ledger *l, const char *json, size_t len, const char *actor,
                                    char **errmsg)
{
	if (errmsg != NULL)
		*errmsg = NULL;
	if (l == NULL || json == NULL) {
		cp_set_errmsg(errmsg, "%s", cp_strerror(CP_ERR_INVAL));
		return CP_ERR_INVAL;
	}
	struct import im;
	int rc = import_init(&im, l);
	if (rc == CP_OK && parse_document(&im, json, len))
		check_document(&im);
	if (rc == CP_OK)
		rc = im.fatal != CP_OK ? im.fatal : im.nproblems > 0 ? CP_ERR_INVAL : CP_OK;
	if (rc == CP_OK)
		rc = apply(&im, actor);
	if (rc != CP_OK)
		take_problems(&im, rc, errmsg);
	import_free(&im);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Export                                                              */
/* ------------------------------------------------------------------ */

/* Records are sorted here rather than trusted to come sorted: two
 * exports of one ledger must be identical, byte for byte. */
struct record {
	char *key;
	json_t *json;
};

struct records {
	struct record *r;
	size_t n, cap;
	int rc;
	const struct lj_access *acc; /* groups and reviews to attach */
};

static void records_add(struct records *rs, const char *a, const char *b, json_t *json)
{
	if (rs->rc == CP_OK && rs->n == rs->cap) {
		size_t cap = rs->cap != 0 ? 2 * rs->cap : 256;
		struct record *r = realloc(rs->r, cap * sizeof(*r));
		if (r == NULL) {
			rs->rc = CP_ERR_NOMEM;
		} else {
			rs->r = r;
			rs->cap = cap;
		}
	}
	char *key = rs->rc == CP_OK ? cp_asprintf("%s" KEY_SEP "%s", a, b) : NULL;
	if (key == NULL || json == NULL) {
		rs->rc = CP_ERR_NOMEM;
		free(key);
		json_decref(json);
		return;
	}
	rs->r[rs->n++] = (struct record){key, json};
}

static int record_cmp(const void *a, const void *b)
{
	return strcmp(((const struct record *)a)->key, ((const struct record *)b)->key);
}

static void records_free(struct records *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		free(rs->r[i].key);
		json_decref(rs->r[i].json);
	}
	free(rs->r);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A sorted array of the n strings get(obj, i) gives. */
static json_t *sorted_strings(const void *obj, size_t n, const char *(*get)(const void *, size_t))
{
	const char **v = calloc(n + 1, sizeof(*v));
	json_t *a = json_array();
	if (v == NULL || a == NULL) {
		free(v);
		json_decref(a);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = get(obj, i);
	qsort(v, n, sizeof(*v), str_cmp);
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(a, json_string(v[i])) != 0) {
			json_decref(a);
			a = NULL;
			break;
		}
	free(v);
	return a;
}

static const char *token_at(const void *p, size_t i)
{
	return cp_person_token(p, i);
}

static const char *custodian_at(const void *a, size_t i)
{
	return cp_account_custodian(a, i);
}

/* Owners after the first: a shared account (R12) stays visible. */
static const char *other_owner_at(const void *a, size_t i)
{
	return cp_account_owner(a, i + 1);
}

/* A moment as written in the file, or null for 0 ("never", "active"). */
json_t *lj_time(int64_t t)
{
	struct tm tm;
	char buf[32];
	time_t tt = (time_t)t;
	if (t == 0 || gmtime_r(&tt, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static json_t *json_text_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static int person_record(const char *id, const char *name, int64_t departed, const cp_person *info,
                         void *ctx)
{
	struct records *rs = ctx;
	json_t *j =
	    json_pack("{s:s, s:s, s:s, s:o, s:o}", "employee_id", id, "name", name, "status",
	              departed != 0 ? "departed" : "active", "departed_at", lj_time(departed),
	              "tokens", sorted_strings(info, cp_person_token_count(info), token_at));
	if (j != NULL && lj_attach_groups(j, rs->acc, id) != 0) {
		json_decref(j);
		j = NULL;
	}
	records_add(rs, id, "", j);
	return rs->rc != CP_OK;
}

static int account_record(const cp_account *a, void *ctx)
{
	struct records *rs = ctx;
	size_t owners = cp_account_owner_count(a);
	json_t *j =
	    json_pack("{s:s, s:s, s:s, s:s, s:o, s:b, s:b, s:o, s:o, s:o}", "name",
	              cp_account_name(a), "scope", cp_account_scope(a), "class",
	              cp_account_class(a), "kind", cp_account_kind_name(cp_account_kind_of(a)),
	              "owner", json_text_or_null(owners > 0 ? cp_account_owner(a, 0) : NULL), "otp",
	              (int)cp_account_otp(a), "locked", (int)cp_account_locked(a), "last_change",
	              lj_time(cp_account_last_change(a)), "must_change",
	              json_text_or_null(cp_account_must_change(a)), "custodians",
	              sorted_strings(a, cp_account_custodian_count(a), custodian_at));
	if (j != NULL && owners > 1 &&
	    json_object_set_new(j, "other_owners", sorted_strings(a, owners - 1, other_owner_at)) !=
	        0) {
		json_decref(j);
		j = NULL;
	}
	if (j != NULL &&
	    lj_attach_review(j, rs->acc, cp_account_name(a), cp_account_scope(a)) != 0) {
		json_decref(j);
		j = NULL;
	}
	records_add(rs, cp_account_name(a), cp_account_scope(a), j);
	return rs->rc != CP_OK;
}

/* The document being written, grown by hand: realloc would leave copies
 * of the tokens behind in freed memory. Also jansson's dump callback. */
struct outbuf {
	char *p;
	size_t len, cap;
	bool failed;
};

static int out_add(const char *s, size_t n, void *data)
{
	struct outbuf *o = data;
	if (!o->failed && o->len + n + 1 > o->cap) {
		size_t cap = o->cap != 0 ? o->cap : (size_t)1 << 16;
		while (cap < o->len + n + 1)
			cap *= 2;
		char *p = malloc(cap);
		o->failed = p == NULL;
		if (p != NULL && o->p != NULL)
			memcpy(p, o->p, o->len);
		if (p != NULL) {
			cp_free_wiped(o->p, o->cap);
			o->p = p;
			o->cap = cap;
		}
	}
	if (o->failed)
		return -1;
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
	return 0;
}

static void out_str(struct outbuf *o, const char *s)
{
	out_add(s, strlen(s), o);
}

/* One record per line between the brackets: a changed record is one
 * changed line in a diff. Keys in a fixed order, the order of the format
 * description. */
static void write_list(struct outbuf *o, const char *name, struct records *rs, bool last)
{
	if (rs->n > 1) /* qsort of an empty (NULL) array is undefined */
		qsort(rs->r, rs->n, sizeof(*rs->r), record_cmp);
	out_str(o, "  \"");
	out_str(o, name);
	out_str(o, "\": [");
	for (size_t i = 0; i < rs->n; i++) {
		out_str(o, i > 0 ? ",\n    " : "\n    ");
		if (json_dump_callback(rs->r[i].json, out_add, o,
		                       JSON_INDENT(0) | JSON_PRESERVE_ORDER) != 0)
			o->failed = true;
	}
	out_str(o, rs->n > 0 ? "\n  ]" : "]");
	out_str(o, last ? "\n" : ",\n");
}

static int write_document(struct records *people, struct records *accounts, char **out, size_t *len)
{
	struct outbuf o = {0};
	out_str(&o, "{\n  \"format\": \"" LEDGER_FORMAT
	            "\",\n  \"version\": " STR(LEDGER_VERSION) ",\n");
	write_list(&o, "people", people, false);
	write_list(&o, "accounts", accounts, true);
	out_str(&o, "}\n");
	if (o.failed) {
		cp_free_wiped(o.p, o.cap);
		return CP_ERR_NOMEM;
	}
	*out = o.p;
	*len = o.len;
	return CP_OK;
}

/* Wipe and free the tokens that went into the people's records. */
static void wipe_tokens(struct records *people)
{
	for (size_t i = 0; i < people->n; i++) {
		json_t *tokens = json_object_get(people->r[i].json, "tokens"), *t;
		size_t j;
		json_array_foreach(tokens, j, t) wipe_string(t);
	}
}

CP_EXPORT int cp_ledger_export_json(cp_ledger *l, char **out, size_t *len)
{
	if (l == NULL || out == NULL || len == NULL)
		return CP_ERR_INVAL;
	*out = NULL;
	*len = 0;
	struct lj_access acc = {0};
	struct records people = {.acc = &acc}, accounts = {.acc = &acc};
	int rc = lj_access_read(l, &acc);
	if (rc == CP_OK)
		rc = cp_ledger_people(l, person_record, &people);
	if (rc == CP_OK)
		rc = people.rc;
	if (rc == CP_OK)
		rc = cp_ledger_accounts(l, account_record, &accounts);
	if (rc == CP_OK)
		rc = accounts.rc;
	if (rc == CP_OK)
		rc = write_document(&people, &accounts, out, len);
	wipe_tokens(&people);
	records_free(&people);
	records_free(&accounts);
	lj_access_free(&acc);
	return rc;
}
