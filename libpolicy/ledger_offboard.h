/* ledger_offboard.h - the offboarding plan's insides, shared by
 * ledger_offboard.c (making and applying it) and ledger_offboard_items.c
 * (its accessors). */
#ifndef CP_LEDGER_OFFBOARD_H
#define CP_LEDGER_OFFBOARD_H

#include "ledger_internal.h"

struct offboard_item {
	cp_offboard_action action;
	cp_offboard_state state;
	bool failed; /* its backend failed (cp_offboard_item_fail) */
	bool directory;
	bool settled;       /* a complete earlier run covered it, outside the ledger too */
	int64_t account_id; /* 0 for depart */
	char *name, *scope;
	cp_account_kind kind;
	const char *reason;
	size_t pair;   /* revoke: the item whose failure keeps the link */
	char **notify; /* employee id, display name, employee id, ... */
	size_t nnotify;
};

struct cp_offboard_plan {
	char *employee_id, *display_name, *ticket;
	int64_t person_id;
	bool departed, directory;
	bool completed; /* a complete run of this offboarding is on record */
	cp_offboard_reason reason;
	struct offboard_item *items;
	size_t n, cap, nowned;
};

#endif
