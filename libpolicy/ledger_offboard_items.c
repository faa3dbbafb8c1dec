/* ledger_offboard_items.c - reading an offboarding plan (credpolicy.h):
 * the person, and each item's action, state, account, reason, backend
 * and the people to notify. Out-of-range items read as nothing. */
#include "ledger_offboard.h"

static const struct offboard_item *item_at(const cp_offboard_plan *p, size_t i)
{
	return p != NULL && i < p->n ? &p->items[i] : NULL;
}

CP_EXPORT int cp_offboard_item_fail(cp_offboard_plan *p, size_t i)
{
	if (item_at(p, i) == NULL)
		return CP_ERR_INVAL;
	p->items[i].failed = true;
	return CP_OK;
}

CP_EXPORT const char *cp_offboard_plan_person(const cp_offboard_plan *p)
{
	return p != NULL ? p->employee_id : NULL;
}

CP_EXPORT const char *cp_offboard_plan_display_name(const cp_offboard_plan *p)
{
	return p != NULL ? p->display_name : NULL;
}

CP_EXPORT cp_offboard_reason cp_offboard_plan_reason(const cp_offboard_plan *p)
{
	return p != NULL ? p->reason : CP_OFFBOARD_DEPARTURE;
}

CP_EXPORT bool cp_offboard_plan_person_in_directory(const cp_offboard_plan *p)
{
	return p != NULL && p->directory;
}

CP_EXPORT size_t cp_offboard_plan_count(const cp_offboard_plan *p)
{
	return p != NULL ? p->n : 0;
}

CP_EXPORT size_t cp_offboard_plan_count_state(const cp_offboard_plan *p, cp_offboard_state s)
{
	size_t n = 0;
	for (size_t i = 0; p != NULL && i < p->n; i++)
		n += p->items[i].state == s;
	return n;
}

CP_EXPORT cp_offboard_action cp_offboard_item_action(const cp_offboard_plan *p, size_t i)
{
	const struct offboard_item *it = item_at(p, i);
	return it != NULL ? it->action : (cp_offboard_action)-1;
}

CP_EXPORT cp_offboard_state cp_offboard_item_state(const cp_offboard_plan *p, size_t i)
{
	const struct offboard_item *it = item_at(p, i);
	return it != NULL ? it->state : (cp_offboard_state)-1;
}

CP_EXPORT const char *cp_offboard_item_account(const cp_offboard_plan *p, size_t i)
{
	const struct offboard_item *it = item_at(p, i);
	return it != NULL ? it->name : NULL;
}

CP_EXPORT const char *cp_offboard_item_scope(const cp_offboard_plan *p, size_t i)
{
	const struct offboard_item *it = item_at(p, i);
	return it != NULL ? it->scope : NULL;
}

CP_EXPORT cp_account_kind cp_offboard_item_kind(const cp_offboard_plan *p, size_t i)
{
	const struct offboard_item *it = item_at(p, i);
	return it != NULL ? it->kind : CP_ACCOUNT_PERSONAL;
}

CP_EXPORT const char *cp_offboard_item_reason(const cp_offboard_plan *p, size_t i)
{
	const struct offboard_item *it = item_at(p, i);
	return it != NULL ? it->reason : NULL;
}

CP_EXPORT bool cp_offboard_item_in_directory(const cp_offboard_plan *p, size_t i)
{
	const struct offboard_item *it = item_at(p, i);
	return it != NULL && it->directory;
}

CP_EXPORT size_t cp_offboard_item_notify_count(const cp_offboard_plan *p, size_t i)
{
	const struct offboard_item *it = item_at(p, i);
	return it != NULL ? it->nnotify / 2 : 0;
}

CP_EXPORT const char *cp_offboard_item_notify(const cp_offboard_plan *p, size_t i, size_t j)
{
	const struct offboard_item *it = item_at(p, i);
	return it != NULL && j < it->nnotify / 2 ? it->notify[2 * j] : NULL;
}

CP_EXPORT const char *cp_offboard_item_notify_name(const cp_offboard_plan *p, size_t i, size_t j)
{
	const struct offboard_item *it = item_at(p, i);
	return it != NULL && j < it->nnotify / 2 ? it->notify[2 * j + 1] : NULL;
}

CP_EXPORT bool cp_offboard_item_settled(const cp_offboard_plan *p, size_t i)
{
	const struct offboard_item *it = item_at(p, i);
	return it != NULL && it->settled;
}
