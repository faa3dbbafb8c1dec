/* bench_offboard.c - offboarding a custodian of many accounts (R13), the
 * ledger side, through the public API only.
 *
 *   bench/bench_offboard [--accounts N] [--owned K] [--runs R] [--dir DIR]
 *
 * For each of R runs: a new ledger with one leaver (E0) who owns K personal
 * accounts and is custodian of N service accounts (each with a second,
 * active custodian, so that every account has someone to notify), plus N
 * other people and accounts the offboarding must not touch; then, timed:
 * cp_ledger_offboard_plan (plan_s), cp_ledger_offboard_apply - one
 * transaction with N must_change, N revoke, K lock events, the departure
 * and the summary (apply_s) - and both together (total_s). A second plan
 * and apply (the idempotent re-run) is timed too (rerun_s).
 * Defaults: N = 10,000, K = 3, R = 5, DIR = /tmp (a new directory in it). "key: value" lines, the
 * median over the runs; exit status 1 if a step fails or the re-run finds
 * anything to do. */
#include "credpolicy.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int check(int rc, const char *what)
{
	if (rc != CP_OK)
		fprintf(stderr, "bench_offboard: %s: %s\n", what, cp_strerror(rc));
	return rc;
}

static int populate(cp_ledger *l, unsigned long n, unsigned long k)
{
	char name[64], id[32];
	int rc = check(cp_ledger_begin(l), "begin");
	if (rc == CP_OK)
		rc = check(cp_ledger_person_put(l, "E0", "张伟", NULL, "bench"), "person");
	if (rc == CP_OK)
		rc = check(cp_ledger_person_put(l, "E1", "李娜", NULL, "bench"), "person");
	for (unsigned long i = 0; rc == CP_OK && i < k; i++) {
		snprintf(name, sizeof(name), "own%05lu", i);
		rc = check(cp_ledger_account_put(l, name, NULL, NULL, CP_ACCOUNT_PERSONAL, "E0",
		                                 false, "bench"),
		           "own account");
	}
	for (unsigned long i = 0; rc == CP_OK && i < n; i++) {
		snprintf(name, sizeof(name), "svc%05lu", i);
		snprintf(id, sizeof(id), "P%05lu", i);
		rc = check(cp_ledger_account_put(l, name, "*", NULL, CP_ACCOUNT_SERVICE, NULL,
		                                 false, "bench"),
		           "service account");
		if (rc == CP_OK)
			rc = check(cp_ledger_custodian_grant(l, name, NULL, "E0", "bench", "T"),
			           "grant");
		if (rc == CP_OK)
			rc = check(cp_ledger_custodian_grant(l, name, NULL, "E1", "bench", "T"),
			           "grant");
		/* Somebody else's account, untouched. */
		if (rc == CP_OK)
			rc = check(cp_ledger_person_put(l, id, "Other", NULL, "bench"), "person");
		snprintf(name, sizeof(name), "user%05lu", i);
		if (rc == CP_OK)
			rc = check(cp_ledger_account_put(l, name, NULL, NULL, CP_ACCOUNT_PERSONAL,
			                                 id, false, "bench"),
			           "other account");
	}
	if (rc == CP_OK)
		return check(cp_ledger_commit(l), "commit");
	cp_ledger_rollback(l);
	return rc;
}

struct times {
	double plan, apply, total, rerun;
};

static int offboard(cp_ledger *l, struct times *t, size_t *items)
{
	cp_offboard_plan *p = NULL;
	double t0 = now();
	int rc = check(cp_ledger_offboard_plan(l, "E0", CP_OFFBOARD_DEPARTURE, "HR-1", &p), "plan");
	double t1 = now();
	if (rc == CP_OK)
		rc = check(cp_ledger_offboard_apply(l, p, 0, "bench"), "apply");
	double t2 = now();
	*items = cp_offboard_plan_count_state(p, CP_OFFBOARD_APPLIED);
	cp_offboard_plan_free(p);
	p = NULL;
	if (rc == CP_OK)
		rc = check(cp_ledger_offboard_plan(l, "E0", CP_OFFBOARD_DEPARTURE, "HR-1", &p),
		           "replan");
	if (rc == CP_OK && cp_offboard_plan_count_state(p, CP_OFFBOARD_PENDING) != 0) {
		fprintf(stderr, "bench_offboard: the re-run found work to do\n");
		rc = CP_ERR_INVAL;
	}
	if (rc == CP_OK)
		rc = check(cp_ledger_offboard_apply(l, p, 0, "bench"), "reapply");
	double t3 = now();
	cp_offboard_plan_free(p);
	*t = (struct times){t1 - t0, t2 - t1, t2 - t0, t3 - t2};
	return rc;
}

static int one_run(const char *dir, unsigned long n, unsigned long k, cp_config *cfg,
                   struct times *t, size_t *items)
{
	char tdir[4096], path[4200];
	snprintf(tdir, sizeof(tdir), "%s/bench-offboard.XXXXXX", dir);
	if (mkdtemp(tdir) == NULL) { /* the ledger wants a directory of its own */
		perror("bench_offboard: mkdtemp");
		return CP_ERR_IO;
	}
	snprintf(path, sizeof(path), "%s/ledger.db", tdir);
	cp_ledger *l = NULL;
	char *msg = NULL;
	int rc = cp_ledger_open(cfg, path, CP_LEDGER_CREATE, &l, &msg);
	if (rc != CP_OK)
		fprintf(stderr, "bench_offboard: %s: %s\n", path,
		        msg != NULL ? msg : cp_strerror(rc));
	free(msg);
	if (rc == CP_OK)
		rc = populate(l, n, k);
	if (rc == CP_OK)
		rc = offboard(l, t, items);
	cp_ledger_close(l);
	char side[4300];
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	rmdir(tdir);
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

int main(int argc, char **argv)
{
	unsigned long n = 10000, k = 3, runs = 5;
	const char *dir = "/tmp";
	static const struct option longopts[] = {
	    {"accounts", required_argument, NULL, 'n'},
	    {"owned", required_argument, NULL, 'k'},
	    {"runs", required_argument, NULL, 'r'},
	    {"dir", required_argument, NULL, 'd'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "n:k:r:d:", longopts, NULL)) != -1) {
		if (c == 'n' || c == 'k' || c == 'r')
			*(c == 'n' ? &n : c == 'k' ? &k : &runs) = strtoul(optarg, NULL, 10);
		else if (c == 'd')
			dir = optarg;
		else
			return 2;
	}
	if (runs == 0 || runs > 100)
		runs = 5;
	cp_config *cfg = cp_config_new_default();
	double plan[100], apply[100], total[100], rerun[100];
	size_t items = 0;
	int rc = cfg != NULL ? CP_OK : CP_ERR_NOMEM;
	for (unsigned long r = 0; rc == CP_OK && r < runs; r++) {
		struct times t = {0, 0, 0, 0};
		rc = one_run(dir, n, k, cfg, &t, &items);
		plan[r] = t.plan;
		apply[r] = t.apply;
		total[r] = t.total;
		rerun[r] = t.rerun;
	}
	cp_config_free(cfg);
	if (rc != CP_OK)
		return 1;
	printf("accounts_custodied: %lu\nowned: %lu\nruns: %lu\nitems_applied: %zu\n", n, k, runs,
	       items);
	printf("plan_s: %.3f\napply_s: %.3f\ntotal_s: %.3f\nrerun_s: %.3f\n", median(plan, runs),
	       median(apply, runs), median(total, runs), median(rerun, runs));
	return 0;
}
