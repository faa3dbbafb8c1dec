/* ledger_json.h - what the JSON import and export (ledger_json.c) share
 * with the part of the format that says who has access and who reviewed
 * it (ledger_json_access.c: people's "groups", R18, and accounts'
 * "review", R19). Internal to the library. */
#ifndef CP_LEDGER_JSON_H
#define CP_LEDGER_JSON_H

#include "internal.h"

#include <jansson.h>
#include <stdio.h>

#define LEDGER_FORMAT  "credpolicy-ledger"
#define LEDGER_VERSION 1
#define STR_(x)        #x
#define STR(x)         STR_(x)
#define TEXT_MAX       255    /* longest id, name, scope, class or reason, in bytes */
#define SHOWN_MAX      64     /* longer values are not repeated in messages */
#define KEY_SEP        "\x1f" /* joins account name and scope into one key */

/* Text fields: required or not, and whether null stands for absent. */
enum { OPTIONAL = 0, REQUIRED = 1, NULLABLE = 2 };
/* What reading a field found. */
enum { F_ABSENT, F_OK, F_BAD };

struct person_in {
	const char *id, *name; /* borrowed from the document */
	int64_t departed;      /* 0: active */
	cp_person *info;       /* tokens derived from the record */
	json_t *groups;        /* borrowed, validated "groups" array; NULL: absent */
};

/* An account's "review" (R19), when the record has one. */
struct review_in {
	bool present;
	int64_t when;
	const char *reviewer, *note; /* borrowed; note "" when absent or null */
};

/* State fields a record leaves out are left as the ledger has them: an
 * HR roster that says nothing of locks must not unlock a leaver's account
 * nor clear a must-change flag set at offboarding (R13). */
struct account_in {
	const char *name, *scope, *class_name, *owner, *must_change; /* borrowed */
	cp_account_kind kind;
	bool otp, locked;
	int64_t last_change; /* 0: never */
	bool has_locked, has_must_change, has_last_change;
	json_t *custodians; /* borrowed array of employee ids, or NULL */
	struct review_in review;
};

struct import {
	cp_ledger *l;
	json_t *doc;
	struct person_in *people;
	struct account_in *accounts;
	size_t npeople, naccounts, ncustodians;
	json_t *person_at;  /* employee id -> index in people: a hash table */
	json_t *account_at; /* name KEY_SEP scope -> index in accounts */
	json_t *in_ledger;  /* employee id -> whether the ledger knows it (cache) */
	json_t *gone;       /* employee ids the ledger knows as departed; NULL: not read yet */
	json_t *name_at;    /* name -> index in names: tokens of a name, derived once */
	cp_person **names;
	size_t nnames, names_cap;
	FILE *problems; /* every problem, one per line */
	char *text;     /* what problems wrote */
	size_t text_len;
	size_t nproblems;
	int fatal; /* a cp_error that stopped validation (out of memory, I/O) */
};

/* ---- ledger_json.c: fields and problems ---- */

/* Record one problem as "rec.field: message"; rec "" is the document
 * itself, field NULL the whole record. */
void lj_problem(struct import *im, const char *rec, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* 1 to max bytes of text without control characters. */
bool lj_text_ok(const char *s, size_t len, size_t max);
/* s, or "..." when it may not be repeated in a message. */
const char *lj_shown(const char *s);
/* A problem for every key of obj not in allowed (NULL-terminated). */
void lj_check_keys(struct import *im, json_t *obj, const char *rec, const char *const *allowed);
/* Text field key of obj (1 to TEXT_MAX bytes) into *out: F_ABSENT, F_OK
 * or F_BAD (reported); flags OPTIONAL, REQUIRED, NULLABLE. */
int lj_text_field(struct import *im, json_t *obj, const char *rec, const char *key, int flags,
                  const char **out);
/* A date field (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ) or null into *out. */
int lj_time_field(struct import *im, json_t *obj, const char *rec, const char *key, int64_t *out);
/* An optional array; NULL if absent or (reported) not an array. */
json_t *lj_array_field(struct import *im, json_t *obj, const char *rec, const char *key);
/* A moment as the file writes it, or null for 0. */
json_t *lj_time(int64_t t);

/* ---- ledger_json_access.c: "groups" (R18) and "review" (R19) ---- */

/* Validate the person's optional "groups" into p->groups. */
void lj_person_groups(struct import *im, json_t *obj, const char *rec, struct person_in *p);
/* Validate the account's optional "review" into a->review. */
void lj_account_review(struct import *im, json_t *obj, const char *rec, struct account_in *a);
/* Apply them (inside the import's transaction). */
int lj_apply_groups(struct import *im, const struct person_in *p, const char *actor);
int lj_apply_review(struct import *im, const struct account_in *a, const char *actor);

/* For export: every person's memberships (employee id -> array) and every
 * account's review (name KEY_SEP scope -> object), read once. */
struct lj_access {
	json_t *groups, *reviews;
};
int lj_access_read(cp_ledger *l, struct lj_access *acc);
void lj_access_free(struct lj_access *acc);
/* Add "groups" to a person's record and "review" to an account's when
 * the ledger has them: a record without either is written as before.
 * Returns -1 when out of memory. */
int lj_attach_groups(json_t *record, const struct lj_access *acc, const char *employee_id);
int lj_attach_review(json_t *record, const struct lj_access *acc, const char *name,
                     const char *scope);

#endif
