/* cmd_offboard.c - credpolicy offboard: a person leaves or changes post
 * (R13: 掌握口令的管理人员调离本职工作时，必须立即更改所有相关口令).
 *
 * For each leaver: the ledger's plan (libpolicy/ledger_offboard.c), then
 * the changes where the accounts live - the directory for directory
 * accounts and people, /etc/shadow for this host's local accounts - and
 * then the ledger in one transaction. The ledger flags every account
 * whatever the backends did; an account whose backend failed keeps the
 * leaver's custodian link, so the run exits 1 and running it again
 * completes it. --dry-run shows the plan and changes nothing.
 *
 * Effective dates (--date, or the batch's second field): today or past
 * is done now (a past date is recorded as the departure time); a future
 * date is not done yet: the leaver is reported "not yet" and nothing is
 * changed - HR's system runs the batch again on or after that date.
 *
 * Exit statuses: 0 done, nothing to do, or not yet; 1 not completed (a
 * backend or the ledger failed: run it again); 2 a usage error, a batch
 * that cannot be read (nothing is done), an unknown employee, or the
 * configuration or the ledger cannot be used. A batch exits with the
 * highest status of its leavers. */
#include "helpdesk.h"
#include "offboard_batch.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

struct offboard_opts {
	const char *config, *ledger, *root, *ticket, *reason, *date, *batch, *employee_id;
	bool json, dry_run;
};

enum result { RES_NONE, RES_CHANGED, RES_UNCHANGED, RES_FAILED };

/* What a backend did with one item of the plan. */
struct outcome {
	enum backend_kind kind;
	enum result result;
	char *error;
};

struct run {
	const struct offboard_opts *o;
	const cp_config *cfg;
	cp_ledger *l;
	bool first; /* JSON: no comma before the first leaver */
	size_t counts[5];
};

enum { N_DONE, N_NOTHING, N_NOT_YET, N_FAILED, N_UNKNOWN };

static void offboard_usage(FILE *out)
{
	fprintf(out,
	        _("Usage: %s offboard [OPTION]... EMPLOYEE_ID --reason departure|transfer "
	          "--ticket ID\n"
	          "  or:  %s offboard [OPTION]... --batch FILE\n"),
	        tool_name, tool_name);
	fputs(_("Offboard a person who leaves or changes post (R13), in one step: their own\n"
	        "personal accounts are locked (a transfer: as [offboard] transfer says), every\n"
	        "account whose password they knew must change now, their custodian links are\n"
	        "revoked, and it is all recorded. Changes reach the directory and this host's\n"
	        "/etc/shadow. Running it again changes nothing more, and completes a run that\n"
	        "failed part-way.\n\n"
	        "  -R, --reason WHY       departure or transfer (required)\n"
	        "  -t, --ticket ID        HR's ticket (required)\n"
	        "  -d, --date DATE        effective date YYYY-MM-DD (default today); a future\n"
	        "                         date is not done yet\n"
	        "  -b, --batch FILE       leavers from FILE (- for standard input): CSV lines\n"
	        "                         employee_id,effective_date,reason,ticket, or a JSON\n"
	        "                         array of objects with those keys\n"
	        "  -n, --dry-run          show the plan; change nothing\n"
	        "  -r, --root DIR         change DIR/etc/shadow instead of /etc/shadow\n"
	        "  -c, --config FILE      configuration file\n"
	        "  -l, --ledger FILE      ledger (default: from the configuration)\n"
	        "  -j, --json             print the result as JSON\n"
	        "  -h, --help             show this help and exit\n\n"
	        "Exit status: 0 if done (or nothing to do, or not yet), 1 if not completed\n"
	        "(run it again), 2 on a usage error, an unreadable batch or an unknown\n"
	        "employee.\n"),
	      out);
}

static int parse_offboard_args(int argc, char **argv, struct offboard_opts *o)
{
	static const struct option longopts[] = {
	    {"reason", required_argument, NULL, 'R'},
	    {"ticket", required_argument, NULL, 't'},
	    {"date", required_argument, NULL, 'd'},
	    {"batch", required_argument, NULL, 'b'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"root", required_argument, NULL, 'r'},
	    {"config", required_argument, NULL, 'c'},
	    {"ledger", required_argument, NULL, 'l'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const struct helpdesk_targets t = {
	    .text = {['R'] = &o->reason, ['t'] = &o->ticket, ['d'] = &o->date, ['b'] = &o->batch,
	             ['r'] = &o->root, ['c'] = &o->config, ['l'] = &o->ledger},
	    .flag = {['j'] = &o->json, ['n'] = &o->dry_run}};
	int status = helpdesk_getopt(argc, argv, "offboard", "R:t:d:b:nr:c:l:jh", longopts, &t,
	                             offboard_usage);
	if (status != EXIT_OK)
		return status;
	if (o->batch != NULL) {
		if (optind < argc || o->reason != NULL || o->ticket != NULL || o->date != NULL)
			return tool_usage_error("offboard", _("--batch takes the leavers from the "
			                                      "file: no EMPLOYEE_ID, --reason, "
			                                      "--ticket or --date"));
		return EXIT_OK;
	}
	if (argc - optind != 1)
		return tool_usage_error("offboard",
		                        _("expected one EMPLOYEE_ID (or --batch FILE)"));
	o->employee_id = argv[optind];
	if (o->ticket == NULL)
		return tool_usage_error("offboard",
		                        _("offboarding needs HR's ticket: --ticket ID"));
	if (o->reason == NULL)
		return tool_usage_error("offboard", _("offboarding needs its reason: --reason "
		                                      "departure|transfer"));
	const char *problem = leaver_problem(o->employee_id, o->date, o->reason, o->ticket);
	return problem != NULL ? tool_usage_error("offboard", "%s", problem) : EXIT_OK;
}

/* ------------------------------------------------------------ backends */

static void outcome_set(struct outcome *out, int rc, bool changed, char *err)
{
	out->result = rc != 0 ? RES_FAILED : changed ? RES_CHANGED : RES_UNCHANGED;
	out->error = rc != 0 ? (err != NULL ? err : strdup(cp_strerror(CP_ERR_NOMEM))) : NULL;
	if (rc == 0)
		free(err);
}

/* The backend part of item i. */
static void item_backend(struct run *r, struct backends *b, const cp_offboard_plan *p, size_t i,
                         int64_t when, struct outcome *out)
{
	const char *name = cp_offboard_item_account(p, i), *scope = cp_offboard_item_scope(p, i);
	cp_offboard_action a = cp_offboard_item_action(p, i);
	bool changed = false, dir = cp_offboard_item_in_directory(p, i);
	char *err = NULL;
	int rc = 0;
	if (a == CP_OFFBOARD_DEPART || a == CP_OFFBOARD_REVOKE) {
		if (!dir)
			return; /* nothing outside the ledger */
		out->kind = BACKEND_DIRECTORY;
		rc = a == CP_OFFBOARD_DEPART
		         ? backends_person_depart(b, cp_offboard_plan_person(p), when, &changed,
		                                  &err)
		         : backends_custodian_remove(b, name, cp_offboard_plan_person(p), &changed,
		                                     &err);
	} else {
		rc = backends_where(b, r->l, name, scope, &out->kind, &err);
		if (rc == 0 && a == CP_OFFBOARD_LOCK)
			rc = backends_lock(b, out->kind, name, &changed, &err);
		else if (rc == 0)
			rc = backends_must_change(b, out->kind, name, cp_offboard_item_reason(p, i),
			                          &changed, &err);
		if (rc == 0 && out->kind == BACKEND_NONE)
			return;
	}
	outcome_set(out, rc, changed, err);
}

/* Every item's backend, then /etc/shadow written once; the items that
 * did not reach their backend are marked failed in the plan. */
static void run_backends(struct run *r, cp_offboard_plan *p, int64_t when, struct outcome *out)
{
	struct backends *b = backends_new(r->cfg, r->o->root, false);
	size_t n = cp_offboard_plan_count(p);
	char *err = NULL;
	for (size_t i = 0; b != NULL && i < n; i++)
		if (!cp_offboard_item_settled(p, i))
			item_backend(r, b, p, i, when, &out[i]);
	if (b == NULL || backends_commit(b, &err) != 0) {
		for (size_t i = 0; i < n; i++) {
			if (b != NULL &&
			    (out[i].kind != BACKEND_LOCAL || out[i].result != RES_CHANGED))
				continue;
			out[i].result = RES_FAILED;
			out[i].error = strdup(err != NULL ? err : cp_strerror(CP_ERR_NOMEM));
		}
	}
	free(err);
	backends_free(b);
	for (size_t i = 0; i < n; i++)
		if (out[i].result == RES_FAILED)
			cp_offboard_item_fail(p, i);
}

/* --dry-run: only where each change would be made; /etc/shadow is read
 * without taking (or creating) its lock: a dry run writes nothing. */
static void where_only(struct run *r, const cp_offboard_plan *p, struct outcome *out)
{
	struct backends *b = backends_new(r->cfg, r->o->root, true);
	for (size_t i = 0; b != NULL && i < cp_offboard_plan_count(p); i++) {
		cp_offboard_action a = cp_offboard_item_action(p, i);
		char *err = NULL;
		if (cp_offboard_item_settled(p, i))
			continue;
		if (a == CP_OFFBOARD_DEPART || a == CP_OFFBOARD_REVOKE)
			out[i].kind =
			    cp_offboard_item_in_directory(p, i) ? BACKEND_DIRECTORY : BACKEND_NONE;
		else if (backends_where(b, r->l, cp_offboard_item_account(p, i),
		                        cp_offboard_item_scope(p, i), &out[i].kind, &err) != 0)
			outcome_set(&out[i], -1, false, err);
	}
	backends_free(b);
}

/* ------------------------------------------------------------ report */

static const char *state_text(cp_offboard_state s, bool dry_run)
{
	switch (s) {
	case CP_OFFBOARD_PENDING:
		return dry_run ? _("to do") : _("not done");
	case CP_OFFBOARD_DONE:
		return _("already done");
	case CP_OFFBOARD_APPLIED:
		return _("done");
	case CP_OFFBOARD_FAILED:
		return _("FAILED");
	}
	return "";
}

static const char *result_text(enum result res, bool dry_run)
{
	if (dry_run)
		return _("would be changed there");
	return res == RES_CHANGED     ? _("changed")
	       : res == RES_UNCHANGED ? _("already so")
	                              : _("FAILED");
}

static void print_item_text(const struct run *r, const cp_offboard_plan *p, size_t i,
                            const struct outcome *out)
{
	const char *name = cp_offboard_item_account(p, i);
	const char *scope = cp_offboard_item_scope(p, i);
	char *label = name == NULL              ? strdup(cp_offboard_plan_person(p))
	              : strcmp(scope, "*") == 0 ? strdup(name)
	                                        : helpdesk_asprintf("%s@%s", name, scope);
	printf("  %-12s %-24s %-16s %s", cp_offboard_action_name(cp_offboard_item_action(p, i)),
	       label != NULL ? label : "", cp_offboard_item_reason(p, i),
	       state_text(cp_offboard_item_state(p, i), r->o->dry_run));
	free(label);
	if (out->kind != BACKEND_NONE || out->result == RES_FAILED)
		printf(" [%s: %s%s%s]", backend_name(out->kind),
		       result_text(out->result, r->o->dry_run && out->result != RES_FAILED),
		       out->error != NULL ? ": " : "", out->error != NULL ? out->error : "");
	for (size_t j = 0; j < cp_offboard_item_notify_count(p, i); j++)
		printf("%s%s %s", j == 0 ? _("; notify: ") : ", ", cp_offboard_item_notify(p, i, j),
		       cp_offboard_item_notify_name(p, i, j));
	putchar('\n');
}

static void json_field(const char *key, const char *value)
{
	printf(", \"%s\": ", key);
	if (value != NULL)
		tool_json_string(stdout, value);
	else
		fputs("null", stdout);
}

static void print_item_json(const cp_offboard_plan *p, size_t i, const struct outcome *out,
                            bool dry_run)
{
	printf("%s{\"action\": \"%s\"", i == 0 ? "" : ", ",
	       cp_offboard_action_name(cp_offboard_item_action(p, i)));
	json_field("account", cp_offboard_item_account(p, i));
	json_field("scope", cp_offboard_item_scope(p, i));
	json_field("reason", cp_offboard_item_reason(p, i));
	json_field("state", cp_offboard_state_name(cp_offboard_item_state(p, i)));
	json_field("backend", backend_name(out->kind));
	json_field("backend_result", out->kind == BACKEND_NONE && out->result != RES_FAILED ? NULL
	                             : dry_run && out->result != RES_FAILED ? "planned"
	                             : out->result == RES_CHANGED           ? "changed"
	                             : out->result == RES_UNCHANGED         ? "unchanged"
	                                                                    : "failed");
	json_field("error", out->error);
	fputs(", \"notify\": [", stdout);
	for (size_t j = 0; j < cp_offboard_item_notify_count(p, i); j++) {
		fputs(j == 0 ? "{\"employee_id\": " : ", {\"employee_id\": ", stdout);
		tool_json_string(stdout, cp_offboard_item_notify(p, i, j));
		json_field("name", cp_offboard_item_notify_name(p, i, j));
		putchar('}');
	}
	fputs("]}", stdout);
}

/* status: "done", "nothing_to_do", "planned", "incomplete", "not_yet",
 * "unknown_employee" (p NULL for the last two). */
static void report(struct run *r, const struct leaver *lv, const cp_offboard_plan *p,
                   const struct outcome *out, const char *status)
{
	const char *reason = cp_offboard_reason_name(lv->reason);
	if (r->o->json) {
		printf("%s{\"employee_id\": ", r->first ? "" : ",\n ");
		r->first = false;
		tool_json_string(stdout, lv->employee_id);
		json_field("name", p != NULL ? cp_offboard_plan_display_name(p) : NULL);
		printf(", \"reason\": \"%s\"", reason);
		json_field("ticket", lv->ticket);
		json_field("effective_date", *lv->date != '\0' ? lv->date : NULL);
		printf(", \"dry_run\": %s, \"status\": \"%s\", \"items\": [",
		       r->o->dry_run ? "true" : "false", status);
		for (size_t i = 0; p != NULL && i < cp_offboard_plan_count(p); i++)
			print_item_json(p, i, &out[i], r->o->dry_run);
		fputs("]}", stdout);
		return;
	}
	const char *name = p != NULL ? cp_offboard_plan_display_name(p) : "";
	printf(_("%s%s%s: %s, ticket %s: "), lv->employee_id, *name != '\0' ? " " : "", name,
	       reason, lv->ticket);
	if (strcmp(status, "not_yet") == 0)
		printf(_("not yet: effective %s; nothing was changed\n"), lv->date);
	else if (strcmp(status, "unknown_employee") == 0)
		puts(_("no such person in the ledger; nothing was changed"));
	else if (strcmp(status, "nothing_to_do") == 0)
		puts(_("nothing to do: every step was already done"));
	else if (strcmp(status, "planned") == 0)
		puts(_("plan (dry run: nothing is changed)"));
	else if (strcmp(status, "incomplete") == 0)
		puts(_("NOT completed: run it again"));
	else
		puts(_("done"));
	for (size_t i = 0; p != NULL && i < cp_offboard_plan_count(p); i++)
		print_item_text(r, p, i, &out[i]);
}

/* ------------------------------------------------------------ one leaver */

static int finish(struct run *r, const struct leaver *lv, const cp_offboard_plan *p,
                  const struct outcome *out, int apply_rc)
{
	bool failed = apply_rc != CP_OK || cp_offboard_plan_count_state(p, CP_OFFBOARD_FAILED) > 0;
	bool nothing = cp_offboard_plan_count_state(p, CP_OFFBOARD_APPLIED) == 0 &&
	               cp_offboard_plan_count_state(p, CP_OFFBOARD_PENDING) == 0;
	for (size_t i = 0; !failed && i < cp_offboard_plan_count(p); i++)
		failed = out[i].result == RES_FAILED;
	for (size_t i = 0; nothing && i < cp_offboard_plan_count(p); i++)
		nothing = out[i].result != RES_CHANGED;
	const char *status = r->o->dry_run ? "planned"
	                     : failed      ? "incomplete"
	                     : nothing     ? "nothing_to_do"
	                                   : "done";
	r->counts[failed ? N_FAILED : nothing ? N_NOTHING : N_DONE]++;
	report(r, lv, p, out, status);
	return failed && !r->o->dry_run ? EXIT_REJECTED : EXIT_OK;
}

static int offboard_one(struct run *r, const struct leaver *lv)
{
	bool future = false;
	int64_t when = leaver_when(lv->date, &future);
	if (future) {
		r->counts[N_NOT_YET]++;
		report(r, lv, NULL, NULL, "not_yet");
		return EXIT_OK;
	}
	cp_offboard_plan *p = NULL;
	int rc = cp_ledger_offboard_plan(r->l, lv->employee_id, lv->reason, lv->ticket, &p);
	if (rc == CP_ERR_NOTFOUND) {
		tool_error(_("no person with the employee id '%s' in the ledger"), lv->employee_id);
		r->counts[N_UNKNOWN]++;
		report(r, lv, NULL, NULL, "unknown_employee");
		return EXIT_USAGE;
	}
	if (rc != CP_OK) {
		tool_error(_("%s: the ledger cannot plan the offboarding: %s"), lv->employee_id,
		           cp_strerror(rc));
		r->counts[N_FAILED]++;
		return EXIT_REJECTED;
	}
	size_t n = cp_offboard_plan_count(p);
	struct outcome *out = calloc(n + 1, sizeof(*out));
	if (out != NULL && r->o->dry_run)
		where_only(r, p, out);
	else if (out != NULL)
		run_backends(r, p, when, out);
	rc = out == NULL     ? CP_ERR_NOMEM
	     : r->o->dry_run ? CP_OK
	                     : cp_ledger_offboard_apply(r->l, p, when, helpdesk_operator());
	if (rc != CP_OK)
		tool_error(_("%s: the ledger could not record the offboarding: %s"),
		           lv->employee_id, cp_strerror(rc));
	int status = out != NULL ? finish(r, lv, p, out, rc) : EXIT_REJECTED;
	for (size_t i = 0; out != NULL && i < n; i++)
		free(out[i].error);
	free(out);
	cp_offboard_plan_free(p);
	return status;
}

/* ------------------------------------------------------------ the command */

static int run_all(struct run *r, const struct leaver *v, size_t n)
{
	int status = EXIT_OK;
	bool batch = r->o->batch != NULL;
	if (r->o->json && batch)
		fputs("{\"results\": [", stdout);
	for (size_t i = 0; i < n; i++) {
		if (!r->o->json && i > 0)
			putchar('\n');
		int s = offboard_one(r, &v[i]);
		status = s > status ? s : status;
	}
	size_t failed = r->counts[N_FAILED] + r->counts[N_UNKNOWN];
	if (r->o->json && batch)
		printf("], \"failed\": %zu}\n", failed);
	else if (r->o->json)
		putchar('\n');
	else if (batch)
		printf(ngettext(
		           "\n%zu leaver: %zu done, %zu nothing to do, %zu not yet, %zu failed\n",
		           "\n%zu leavers: %zu done, %zu nothing to do, %zu not yet, %zu failed\n",
		           n),
		       n, r->counts[N_DONE], r->counts[N_NOTHING], r->counts[N_NOT_YET], failed);
	return status;
}

int cmd_offboard(int argc, char **argv)
{
	struct offboard_opts o = {0};
	int status = parse_offboard_args(argc, argv, &o);
	if (status != EXIT_OK)
		return status < 0 ? EXIT_OK : status;
	struct leaver *v = NULL, one = {
	                             .employee_id = (char *)o.employee_id,
	                             .date = (char *)(o.date != NULL ? o.date : ""),
	                             .ticket = (char *)o.ticket,
	                             .reason = o.reason != NULL && strcmp(o.reason, "transfer") == 0
	                                           ? CP_OFFBOARD_TRANSFER
	                                           : CP_OFFBOARD_DEPARTURE,
	                         };
	size_t n = 1;
	if (o.batch != NULL && batch_read(o.batch, &v, &n) != EXIT_OK)
		return EXIT_USAGE;
	cp_config *cfg = tool_load_config(o.config);
	cp_ledger *l = cfg != NULL
	                   ? tool_open_ledger(cfg, o.ledger, o.dry_run ? CP_LEDGER_READONLY : 0)
	                   : NULL;
	struct run r = {.o = &o, .cfg = cfg, .l = l, .first = true};
	status = l != NULL ? run_all(&r, v != NULL ? v : &one, n) : EXIT_USAGE;
	batch_free(v, v != NULL ? n : 0);
	cp_ledger_close(l);
	cp_config_free(cfg);
	return helpdesk_finish_output(status);
}
