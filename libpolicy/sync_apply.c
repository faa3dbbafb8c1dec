/* sync_apply.c - one person or account record from the directory into the
 * ledger, inside the batch's transaction (sync_batch.c); groups are in
 * sync_groups.c.
 *
 * A record is found by its entry's UUID (directory_entries), so a rename
 * keeps it. An entry the ledger has never seen either names a record that
 * does not exist yet (created), or one that exists: a directory record
 * whose entry is gone in this same batch (deleted and re-created in the
 * directory: it is relinked, keeping its history), another directory
 * entry's (refused: two entries claim one key), or a local record (left
 * alone unless CP_SYNC_ADOPT).
 *
 * Everything a record needs is checked before its first write (owners and
 * custodians known, the last change not in the future...), so a refused
 * record writes nothing; writes go through the public cp_ledger_* calls,
 * which compare before they write and log each change as an event, or
 * through sync_ledger.c for what they have no call for. */
#include "ledger_internal.h"
#include "sync_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ACTOR "sync"
/* The lock reason of a lock the sync set: the only lock it lifts. */
#define SYNC_LOCK_REASON "directory: pwdAccountLockedTime"
#define RESET_REASON     "directory: pwdReset"

/* Whether the directory entry uuid of kind is deleted by this batch. */
bool sync_batch_gone(const struct sync_batch *b, enum sync_kind kind, const char *uuid)
{
	if (b->complete[kind] && !b->uuid_missing[kind])
		return !strmap_get(&b->seen[kind], uuid, NULL);
	return strmap_get(&b->deleted[kind], uuid, NULL);
}

int sync_refuse(struct cp_sync *s, const struct sync_rec *r, const char *fmt, ...)
{
	char *dn = ldv_printable(r->dn, strlen(r->dn)), *why = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&why, fmt, ap) < 0)
		why = NULL;
	va_end(ap);
	sync_log(s, SYNC_LOG_ERROR, "%s: %s", dn != NULL ? dn : "?", why != NULL ? why : "");
	free(dn);
	free(why);
	s->count[CP_SYNC_ERRORS]++;
	s->refused = true;
	return CP_ERR_INVAL;
}

/* The row id of a person by employee id, remembered for the batch (the
 * map is cleared with it): every account names its owners, and a first
 * sync would look each person up again for that. People are never
 * deleted; a new employee id forgets the old one (person_rekey). A
 * streamed read loads every person first (s->person_ids_all): then a
 * name the map lacks is no person. */
static int person_id(struct cp_sync *s, const char *employee_id, int64_t *id)
{
	if (strmap_get(&s->person_ids, employee_id, id))
		return CP_OK;
	if (s->person_ids_all)
		return CP_ERR_NOTFOUND;
	int rc = ledger_person_id(s->l, employee_id, id);
	return rc == CP_OK ? strmap_put(&s->person_ids, employee_id, *id) : rc;
}

/* ------------------------------------------------------------ identity */

/* How the record of an entry was found. */
enum found { FOUND_UUID, FOUND_NEW, FOUND_RELINK, FOUND_ADOPT };

/* A record with the entry's key exists (id): whose is it? */
static int claim(struct cp_sync *s, const struct sync_batch *b, const struct sync_rec *r,
                 int64_t id, enum found *how)
{
	char old[37];
	/* Whose it is depends on which entries the read has seen: in a
	 * streamed read, not known before the end of the kind. */
	if (b->reading[r->kind])
		return SYNC_DEFERRED;
	int rc = dir_uuid_of(s->l, r->kind, id, old);
	if (rc == CP_OK && sync_batch_gone(b, r->kind, old)) {
		*how = FOUND_RELINK;
		return dir_delete(s->l, r->kind, old);
	}
	if (rc == CP_OK)
		return sync_refuse(s, r,
		                   _("another directory entry already holds the ledger record %s"),
		                   r->kind == SK_PERSON ? r->p.employee_id : r->a.name);
	if (rc != CP_ERR_NOTFOUND)
		return rc;
	if ((s->flags & CP_SYNC_ADOPT) == 0)
		return sync_refuse(
		    s, r,
		    _("the ledger has a local record %s, which the sync does not touch "
		      "(--adopt lets the directory manage it)"),
		    r->kind == SK_PERSON ? r->p.employee_id : r->a.name);
	*how = FOUND_ADOPT;
	return CP_OK;
}

/* The record of r: *id (0 for a new one), how, and the DN on record. */
static int identify(struct cp_sync *s, const struct sync_batch *b, const struct sync_rec *r,
                    int64_t *id, enum found *how, char **dn)
{
	struct dir_row row;
	*id = 0;
	*dn = NULL;
	int rc = dir_get(s->l, r->kind, r->uuid, &row);
	if (rc == CP_OK) {
		*how = FOUND_UUID;
		*id = row.id;
		*dn = row.dn;
		row.dn = NULL;
		dir_row_clear(&row);
		return CP_OK;
	}
	if (rc != CP_ERR_NOTFOUND)
		return rc;
	rc = r->kind == SK_PERSON ? person_id(s, r->p.employee_id, id)
	                          : ledger_account_id(s->l, r->a.name, r->a.scope, id);
	*how = FOUND_NEW;
	if (rc == CP_ERR_NOTFOUND) {
		*id = 0;
		return CP_OK;
	}
	return rc == CP_OK ? claim(s, b, r, *id, how) : rc;
}

/* The directory row, when it is new or its DN changed. */
static int keep_dir_row(struct cp_sync *s, const struct sync_rec *r, int64_t id, enum found how,
                        const char *dn, const char *label)
{
	if (how == FOUND_UUID && dn != NULL && strcmp(dn, r->dn) == 0)
		return CP_OK;
	int rc = dir_put(s->l, r->uuid, r->kind, r->dn, id, NULL, how != FOUND_UUID);
	/* A new key was an event already ("rename", "person_update"). */
	if (rc == CP_OK && how == FOUND_UUID && !s->rekeyed)
		rc = cp_ledger_event_add(s->l, "rename", r->kind == SK_ACCOUNT ? label : NULL,
		                         r->kind == SK_PERSON ? label : NULL, ACTOR, NULL,
		                         "directory entry renamed");
	if (rc == CP_OK && how == FOUND_ADOPT)
		rc = cp_ledger_event_add(s->l, "adopt", r->kind == SK_ACCOUNT ? label : NULL,
		                         r->kind == SK_PERSON ? label : NULL, ACTOR, NULL,
		                         "a local record is now a directory record");
	return rc;
}

/* ------------------------------------------------------------ people */

/* The entry's employee id changed: the person keeps their history. */
static int person_rekey(struct cp_sync *s, const struct sync_rec *r, int64_t id)
{
	char *old = NULL;
	bool departed = false;
	int64_t other = 0;
	if (s->person_ids_all && strmap_get(&s->person_ids, r->p.employee_id, &other) &&
	    other == id)
		return CP_OK; /* the id is this person's still */
	int rc = ledger_person_row(s->l, id, &old, &departed);
	if (rc != CP_OK || strcmp(old, r->p.employee_id) == 0) {
		free(old);
		return rc;
	}
	rc = person_id(s, r->p.employee_id, &other);
	if (rc == CP_OK)
		rc = sync_refuse(s, r, _("the employee id changed to %s, which another person has"),
		                 r->p.employee_id);
	else if (rc == CP_ERR_NOTFOUND)
		rc = sync_person_rekey(s->l, id, old, r->p.employee_id);
	s->rekeyed = rc == CP_OK;
	if (rc == CP_OK)
		strmap_del(&s->person_ids, old);
	free(old);
	return rc;
}

static int apply_person(struct cp_sync *s, const struct sync_batch *b, const struct sync_rec *r,
                        bool *added)
{
	const struct sync_person *p = &r->p;
	int64_t id = 0;
	enum found how = FOUND_NEW;
	char *dn = NULL;
	int rc = identify(s, b, r, &id, &how, &dn);
	if (rc == CP_OK && how == FOUND_UUID)
		rc = person_rekey(s, r, id);
	if (rc == CP_OK)
		rc = ledger_person_put_id(s->l, p->employee_id, p->display_name, p->info, ACTOR,
		                          &id);
	if (rc == CP_OK)
		rc = strmap_put(&s->person_ids, p->employee_id, id);
	if (rc == CP_OK)
		rc = keep_dir_row(s, r, id, how, dn, p->employee_id);
	if (rc == CP_OK && b->streamed) /* for the groups (sync_groups.c) */
		rc = sync_map_person_dn(s, r->dn, id);
	/* A departure dated ahead is not one yet: the entry is read again by
	 * the next syncs (sync_retry.c) until the date has come. */
	if (rc == CP_OK && p->departed != 0 && p->departed <= (int64_t)time(NULL))
		rc = cp_ledger_person_depart(s->l, p->employee_id, p->departed, ACTOR, NULL);
	else if (rc == CP_OK && p->departed != 0)
		s->read_again = true;
	*added = how == FOUND_NEW;
	free(dn);
	return rc;
}

/* ------------------------------------------------------------ accounts: checks */

/* Every owner and custodian must be a person the ledger knows (*owner_id:
 * the first owner's row); a custodian who has left is skipped (R13
 * revoked the link already). */
static int check_people(struct cp_sync *s, const struct sync_rec *r, int64_t *owner_id,
                        bool *skip_custodian)
{
	const struct sync_account *a = &r->a;
	int64_t id = 0;
	for (size_t i = 0; i < a->nowners; i++) {
		int rc = person_id(s, a->owners[i], &id);
		if (rc == CP_ERR_NOTFOUND)
			return sync_refuse(s, r, _("owner %s is not a person in the ledger"),
			                   a->owners[i]);
		if (rc != CP_OK)
			return rc;
		if (i == 0)
			*owner_id = id;
	}
	for (size_t i = 0; i < a->ncustodians; i++) {
		char *eid = NULL;
		int rc = person_id(s, a->custodians[i], &id);
		if (rc == CP_ERR_NOTFOUND)
			return sync_refuse(s, r, _("custodian %s is not a person in the ledger"),
			                   a->custodians[i]);
		if (rc == CP_OK)
			rc = ledger_person_row(s->l, id, &eid, &skip_custodian[i]);
		free(eid);
		if (rc != CP_OK)
			return rc;
	}
	return CP_OK;
}

static int check_account(struct cp_sync *s, const struct sync_rec *r, int64_t *owner_id,
                         bool *skip_custodian)
{
	if (r->a.last_change > (int64_t)time(NULL) + 86400)
		return sync_refuse(s, r, _("the last password change (%s) is in the future"),
		                   cp_ldap_map(s->cfg, "last_change"));
	return check_people(s, r, owner_id, skip_custodian);
}

/* ------------------------------------------------------------ accounts: writes */

static bool same_list(char **a, size_t na, char **b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

/* Class, kind, OTP and owners (the first, then the others: R12's shared
 * account is visible as two owners). */
static int account_basics(struct cp_sync *s, const struct sync_account *a,
                          const struct ledger_acct *cur)
{
	const char *cls =
	    a->class_name != NULL ? a->class_name : cp_class_name(cp_config_class(s->cfg, NULL));
	if (cur != NULL && strcmp(cur->class_name, cls) == 0 && cur->kind == a->kind &&
	    cur->otp == a->otp && same_list(cur->owners, cur->nowners, a->owners, a->nowners))
		return CP_OK;
	int rc = cp_ledger_account_put(s->l, a->name, a->scope, cls, a->kind,
	                               a->nowners > 0 ? a->owners[0] : NULL, a->otp, ACTOR);
	for (size_t i = 1; rc == CP_OK && i < a->nowners; i++)
		rc = cp_ledger_owner_add(s->l, a->name, a->scope, a->owners[i], ACTOR);
	return rc;
}

static bool in_list(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static int account_custodians(struct cp_sync *s, const struct sync_account *a,
                              const struct ledger_acct *cur, const bool *skip)
{
	int rc = CP_OK;
	for (size_t i = 0; rc == CP_OK && i < a->ncustodians; i++)
		if (!skip[i] &&
		    (cur == NULL || !in_list(cur->custodians, cur->ncustodians, a->custodians[i])))
			rc = cp_ledger_custodian_grant(s->l, a->name, a->scope, a->custodians[i],
			                               ACTOR, NULL);
	for (size_t i = 0; rc == CP_OK && cur != NULL && i < cur->ncustodians; i++)
		if (!in_list(a->custodians, a->ncustodians, cur->custodians[i]))
			rc = cp_ledger_custodian_revoke(s->l, a->name, a->scope, cur->custodians[i],
			                                ACTOR, NULL);
	return rc;
}

/* When the flag of cur was set: the newest must_change event under its
 * label before this record (cur, loaded before a rename) or after (label).
 * Events are kept by label, so a rename would otherwise hide the flag's
 * time and a stale password change would clear it; an earlier rename
 * bounds it from above. 0: not known. */
static int flag_time(struct cp_sync *s, const struct ledger_acct *cur, const char *label,
                     int64_t *flagged)
{
	int64_t before = 0;
	char *old = ledger_account_label(cur->name, cur->scope);
	int rc = old != NULL ? sync_must_change_time(s->l, old, &before) : CP_ERR_NOMEM;
	if (rc == CP_OK && strcmp(old, label) != 0)
		rc = sync_must_change_time(s->l, label, flagged);
	if (rc == CP_OK && before > *flagged)
		*flagged = before;
	/* Renamed since: the flag is older than the rename, so its time is a
	 * safe (later) stand-in. */
	if (rc == CP_OK && *flagged == 0)
		rc = sync_renamed_time(s->l, cur->name, cur->scope, flagged);
	free(old);
	return rc;
}

/* Must-change from the directory, unless a password change recorded here
 * is newer than the entry's last modification (the demand is met); cleared
 * only when the directory shows a change newer than the flag - never when
 * the flag's time is not known (no event of it under either label). */
static int account_must_change(struct cp_sync *s, const struct sync_rec *r,
                               const struct ledger_acct *cur, const char *label)
{
	const struct sync_account *a = &r->a;
	bool dir_flag = a->must_change != NULL || a->reset;
	int64_t last = cur != NULL ? cur->last_change : 0;
	if (dir_flag && (cur == NULL || cur->must_change == NULL)) {
		if (r->modified != 0 && last > r->modified)
			return CP_OK;
		return cp_ledger_set_must_change(
		    s->l, a->name, a->scope, a->must_change != NULL ? a->must_change : RESET_REASON,
		    ACTOR, NULL);
	}
	if (dir_flag || cur == NULL || cur->must_change == NULL || a->last_change == 0)
		return CP_OK;
	int64_t flagged = 0;
	int rc = flag_time(s, cur, label, &flagged);
	if (rc == CP_OK && flagged != 0 && a->last_change > flagged)
		rc = cp_ledger_set_must_change(s->l, a->name, a->scope, NULL, ACTOR, NULL);
	return rc;
}

/* cur NULL: the account was just created, its last change with it. */
static int account_security(struct cp_sync *s, const struct sync_rec *r,
                            const struct ledger_acct *cur, const char *label)
{
	const struct sync_account *a = &r->a;
	bool locked = cur != NULL && cur->locked;
	bool ours =
	    locked && cur->lock_reason != NULL && strcmp(cur->lock_reason, SYNC_LOCK_REASON) == 0;
	int rc = account_must_change(s, r, cur, label);
	if (rc == CP_OK && a->locked && !locked)
		rc = cp_ledger_set_locked(s->l, a->name, a->scope, true, SYNC_LOCK_REASON, ACTOR,
		                          NULL);
	if (rc == CP_OK && !a->locked && ours)
		rc = cp_ledger_set_locked(s->l, a->name, a->scope, false, SYNC_LOCK_REASON, ACTOR,
		                          NULL);
	/* Forward only: a change recorded here later than the directory's
	 * (a password changed through PAM on this host) stands. */
	if (rc == CP_OK && cur != NULL && a->last_change > cur->last_change)
		rc = cp_ledger_set_last_change(s->l, a->name, a->scope, a->last_change, ACTOR);
	return rc;
}

/* An account the entry renamed: (name, scope) must be free. */
static int account_rename(struct cp_sync *s, const struct sync_rec *r,
                          const struct ledger_acct *cur)
{
	if (strcmp(cur->name, r->a.name) == 0 && strcmp(cur->scope, r->a.scope) == 0)
		return CP_OK;
	int64_t other = 0;
	int rc = ledger_account_id(s->l, r->a.name, r->a.scope, &other);
	if (rc == CP_OK)
		return sync_refuse(
		    s, r, _("the account was renamed to %s, which another account has"), r->a.name);
	if (rc != CP_ERR_NOTFOUND)
		return rc;
	char *old = ledger_account_label(cur->name, cur->scope);
	rc = old != NULL ? sync_account_rename(s->l, cur->id, r->a.name, r->a.scope, old)
	                 : CP_ERR_NOMEM;
	s->rekeyed = rc == CP_OK;
	free(old);
	return rc;
}

/* A new account: one insert with its first owner and its last change,
 * one event (ledger_account_create); then the rest, as for any account. */
static int account_create(struct cp_sync *s, const struct sync_rec *r, int64_t owner_id,
                          int64_t *id)
{
	const struct sync_account *a = &r->a;
	struct ledger_new_account n = {.name = a->name,
	                               .scope = a->scope,
	                               .class_name = a->class_name,
	                               .owner = a->nowners > 0 ? a->owners[0] : NULL,
	                               .actor = ACTOR,
	                               .owner_id = a->nowners > 0 ? owner_id : 0,
	                               .kind = a->kind,
	                               .otp = a->otp,
	                               .last_change = a->last_change};
	int rc = ledger_account_create(s->l, &n, id);
	for (size_t i = 1; rc == CP_OK && i < a->nowners; i++)
		rc = cp_ledger_owner_add(s->l, a->name, a->scope, a->owners[i], ACTOR);
	return rc;
}

/* The account of record r: *id, or 0 to create it (then its new id). */
static int account_write(struct cp_sync *s, const struct sync_rec *r, int64_t *id, int64_t owner_id,
                         const bool *skip, const char *label)
{
	struct ledger_acct cur;
	bool have = *id != 0;
	int rc = have ? ledger_acct_load(s->l, *id, &cur) : account_create(s, r, owner_id, id);
	if (rc == CP_OK && have)
		rc = account_rename(s, r, &cur);
	if (rc == CP_OK && have)
		rc = account_basics(s, &r->a, &cur);
	if (rc == CP_OK)
		rc = account_custodians(s, &r->a, have ? &cur : NULL, skip);
	if (rc == CP_OK)
		rc = account_security(s, r, have ? &cur : NULL, label);
	if (have)
		ledger_acct_clear(&cur);
	return rc;
}

static int apply_account(struct cp_sync *s, const struct sync_batch *b, const struct sync_rec *r,
                         bool *added)
{
	int64_t id = 0, owner_id = 0;
	enum found how = FOUND_NEW;
	char *dn = NULL, *label = ledger_account_label(r->a.name, r->a.scope);
	bool *skip = calloc(r->a.ncustodians + 1, sizeof(bool));
	int rc =
	    skip != NULL && label != NULL ? check_account(s, r, &owner_id, skip) : CP_ERR_NOMEM;
	if (rc == CP_OK)
		rc = identify(s, b, r, &id, &how, &dn);
	if (rc == CP_OK)
		rc = account_write(s, r, &id, owner_id, skip, label);
	if (rc == CP_OK)
		rc = keep_dir_row(s, r, id, how, dn, label);
	for (size_t i = 0; rc == CP_OK && i < r->a.ncustodians; i++)
		if (skip[i])
			sync_log(s, SYNC_LOG_WARNING, _("%s: custodian %s has left; not granted"),
			         label, r->a.custodians[i]);
	*added = how == FOUND_NEW;
	free(label);
	free(dn);
	free(skip);
	return rc;
}

/* ------------------------------------------------------------ records */

int sync_apply_record(struct cp_sync *s, const struct sync_batch *b, const struct sync_rec *r)
{
	sqlite3_int64 before = sqlite3_total_changes64(s->l->db);
	bool added = false;
	s->refused = s->rekeyed = s->read_again = false;
	int rc = r->kind == SK_PERSON    ? apply_person(s, b, r, &added)
	         : r->kind == SK_ACCOUNT ? apply_account(s, b, r, &added)
	                                 : sync_apply_group(s, b, r, &added);
	if (rc == SYNC_DEFERRED) /* nothing written yet */
		return rc;
	/* A refusal (or a value the ledger would not take after all, which
	 * the checks should have caught) costs this record, not the sync;
	 * what breaks the transaction (I/O, memory, a doomed transaction)
	 * costs the sync. */
	bool record_only = rc == CP_ERR_INVAL || rc == CP_ERR_NOTFOUND || rc == CP_ERR_TOOLONG ||
	                   rc == CP_ERR_UTF8;
	if (rc != CP_OK && record_only && s->l->aborted == CP_OK) {
		if (!s->refused)
			sync_refuse(s, r, _("the ledger refused it: %s"), cp_strerror(rc));
		return CP_OK;
	}
	if (rc != CP_OK)
		return rc;
	if (added)
		s->count[CP_SYNC_ADDED]++;
	else if (sqlite3_total_changes64(s->l->db) != before)
		s->count[CP_SYNC_CHANGED]++;
	else
		s->count[CP_SYNC_UNCHANGED]++;
	return CP_OK;
}

/* ------------------------------------------------------------ deletions */

static int remove_account(struct cp_sync *s, const struct dir_row *row)
{
	struct ledger_acct cur;
	int rc = ledger_acct_load(s->l, row->id, &cur);
	if (rc != CP_OK)
		return rc;
	char *label = ledger_account_label(cur.name, cur.scope);
	rc = label != NULL ? sync_account_remove(s->l, row->id, label, "directory entry deleted")
	                   : CP_ERR_NOMEM;
	free(label);
	ledger_acct_clear(&cur);
	return rc;
}

/* R13: a person leaves the ledger only as departed - custodian and owner
 * history refer to them. */
static int depart_person(struct cp_sync *s, const struct dir_row *row)
{
	char *eid = NULL;
	bool departed = false;
	int rc = ledger_person_row(s->l, row->id, &eid, &departed);
	if (rc == CP_OK && !departed)
		rc = cp_ledger_person_depart(s->l, eid, 0, ACTOR, NULL);
	free(eid);
	return rc;
}

int sync_apply_delete(struct cp_sync *s, enum sync_kind kind, const char *uuid)
{
	struct dir_row row;
	int rc = dir_get(s->l, kind, uuid, &row);
	if (rc == CP_ERR_NOTFOUND)
		return CP_OK; /* never a directory record, or relinked to a new entry */
	if (rc == CP_OK)
		rc = kind == SK_ACCOUNT  ? remove_account(s, &row)
		     : kind == SK_PERSON ? depart_person(s, &row)
		                         : sync_drop_group(s, &row, uuid);
	if (rc == CP_OK)
		rc = dir_delete(s->l, kind, uuid); /* an account's went with it */
	if (rc == CP_OK)
		s->count[CP_SYNC_REMOVED]++;
	dir_row_clear(&row);
	return rc;
}
