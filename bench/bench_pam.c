/* bench_pam.c - what pam_credpolicy.so's account hook adds to a login, with
 * a ledger the size of a city administration.
 *
 *   bench/bench_pam --module PATH [--accounts N] [--iterations K] [--dir DIR]
 *                   [--driver PATH] [--cold K] [--keep]
 *
 * 1. Makes a ledger of N people and N personal accounts (one owner each,
 *    four classes, last changes spread over the last 80 days) through the
 *    public API in one transaction, and a service file that stacks the
 *    module as "account required PATH config=... ledger=...".
 * 2. Warm: K times, in this process, pam_start_confdir + pam_acct_mgmt of a
 *    random account + pam_end: libpam reads the service file, dlopens the
 *    module, which reads the configuration, opens the ledger read-only and
 *    asks for the account's status; pam_end unloads it again. The same
 *    loop with pam_permit.so instead of the module is the baseline: the
 *    difference is what the module adds. libcredpolicy and its libraries
 *    stay loaded in this process (it made the ledger), as in a daemon that
 *    has run PAM before.
 * 3. Cold (--driver tests/test_pam_driver, --cold K): K times, fork + exec of
 *    the test driver for one acct_mgmt, against a baseline service with
 *    pam_permit.so: a fresh process that loads libcredpolicy, SQLite, ICU
 *    and the rest for the first time, as sshd's re-executed child does.
 *
 * --keep leaves the ledger and the service files in DIR/bench-pam.XXXXXX.
 * Defaults: N = 100,000, K = 2,000 (cold: 200), DIR = /tmp. Results are
 * "key: value" lines, times in microseconds (_us) or seconds (_s). */
#include "credpolicy.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#define DAY 86400

struct opts {
	const char *module, *driver, *dir;
	unsigned long accounts, iterations, cold;
	bool keep;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t splitmix64(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

static int fail(const char *what, int rc, char *msg)
{
	fprintf(stderr, "bench_pam: %s: %s%s%s\n", what, cp_strerror(rc), msg ? ": " : "",
	        msg ? msg : "");
	free(msg);
	return 1;
}

/* ---------------------------------------------------------------- the ledger */

static int put_one(cp_ledger *l, unsigned long i, int64_t t)
{
	static const char *const classes[] = {"default", "important-host", "admin-workstation",
	                                      "new-media"};
	char id[32], name[32];
	snprintf(id, sizeof(id), "E%07lu", i);
	snprintf(name, sizeof(name), "user%06lu", i);
	uint64_t r = splitmix64(i);
	int rc = cp_ledger_person_put(l, id, name, NULL, "bench");
	if (rc == CP_OK)
		rc = cp_ledger_account_put(l, name, "*", classes[r % 4], CP_ACCOUNT_PERSONAL, id,
		                           (r >> 8) % 2 == 0, "bench");
	if (rc == CP_OK)
		rc = cp_ledger_set_last_change(l, name, "*", t - (int64_t)((r >> 16) % (80 * DAY)),
		                               "bench");
	return rc;
}

static int make_ledger(const cp_config *cfg, const char *path, unsigned long n)
{
	cp_ledger *l = NULL;
	char *msg = NULL;
	int rc = cp_ledger_open(cfg, path, CP_LEDGER_CREATE, &l, &msg);
	if (rc != CP_OK)
		return fail(path, rc, msg);
	double t0 = now();
	int64_t t = (int64_t)time(NULL);
	rc = cp_ledger_begin(l);
	for (unsigned long i = 0; rc == CP_OK && i < n; i++)
		rc = put_one(l, i, t);
	if (rc == CP_OK)
		rc = cp_ledger_commit(l);
	else
		cp_ledger_rollback(l);
	if (rc == CP_OK)
		printf("ledger_accounts: %lu\nledger_build_s: %.2f\n", n, now() - t0);
	cp_ledger_close(l);
	return rc == CP_OK ? 0 : fail("building the ledger", rc, NULL);
}

/* ---------------------------------------------------------------- timing */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Sorts v; prints median, p90 and p99 in microseconds; returns the median. */
static double report(const char *key, double *v, unsigned long n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	double med = v[n / 2] * 1e6;
	printf("%s_median_us: %.1f\n%s_p90_us: %.1f\n%s_p99_us: %.1f\n", key, med, key,
	       v[n * 9 / 10] * 1e6, key, v[n * 99 / 100] * 1e6);
	return med;
}

/* Answers nothing to prompts (there are none) and accepts messages. */
static int quiet_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	(void)msg;
	(void)data;
	*resp = calloc((size_t)n, sizeof(**resp));
	return *resp != NULL ? PAM_SUCCESS : PAM_BUF_ERR;
}

static int one_login(const char *dir, const char *service, const char *user, double *took)
{
	struct pam_conv conv = {quiet_conv, NULL};
	pam_handle_t *pamh = NULL;
	double t0 = now();
	int rc = pam_start_confdir(service, user, &conv, dir, &pamh);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(pamh, PAM_SILENT);
	pam_end(pamh, rc);
	*took = now() - t0;
	return rc;
}

static int warm(const struct opts *o, const char *service, const char *key, double *median)
{
	double *v = calloc(o->iterations, sizeof(*v));
	if (v == NULL)
		return 1;
	unsigned long refused = 0;
	for (unsigned long i = 0; i < o->iterations; i++) {
		char user[32];
		snprintf(user, sizeof(user), "user%06lu", splitmix64(i + 7) % o->accounts);
		if (one_login(o->dir, service, user, &v[i]) != PAM_SUCCESS)
			refused++;
	}
	printf("%s_not_success: %lu\n", key, refused);
	*median = report(key, v, o->iterations);
	free(v);
	return 0;
}

static int cold(const struct opts *o, const char *service, const char *key, double *median)
{
	double *v = calloc(o->cold, sizeof(*v));
	if (v == NULL)
		return 1;
	for (unsigned long i = 0; i < o->cold; i++) {
		char user[32];
		snprintf(user, sizeof(user), "user%06lu", splitmix64(i + 11) % o->accounts);
		fflush(stdout);
		double t0 = now();
		pid_t pid = fork();
		if (pid == 0) {
			if (freopen("/dev/null", "w", stdout) == NULL ||
			    freopen("/dev/null", "w", stderr) == NULL)
				_exit(127);
			execl(o->driver, o->driver, "-d", o->dir, "-s", service, "-u", user, "acct",
			      (char *)NULL);
			_exit(127);
		}
		int status = 0;
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) == 127) {
			free(v);
			fprintf(stderr, "bench_pam: cannot run %s\n", o->driver);
			return 1;
		}
		v[i] = now() - t0;
	}
	*median = report(key, v, o->cold);
	free(v);
	return 0;
}

/* ---------------------------------------------------------------- setup */

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		return 1;
	}
	return 0;
}

static int setup(struct opts *o, char *dir, size_t size)
{
	snprintf(dir, size, "%s/bench-pam.XXXXXX", o->dir);
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		return 1;
	}
	o->dir = dir;
	char conf[4200], line[8800];
	snprintf(conf, sizeof(conf), "%s/credpolicy.conf", dir);
	cp_config *cfg = cp_config_new_default();
	int st = cfg == NULL || write_file(dir, "credpolicy.conf", "# built-in policy\n");
	if (st == 0) {
		char ledger[4200];
		snprintf(ledger, sizeof(ledger), "%s/ledger.db", dir);
		st = make_ledger(cfg, ledger, o->accounts);
		snprintf(line, sizeof(line), "account required %s config=%s ledger=%s\n", o->module,
		         conf, ledger);
	}
	if (st == 0)
		st = write_file(dir, "with-module", line) ||
		     write_file(dir, "baseline", "account required pam_permit.so\n") ||
		     write_file(dir, "other", "account required pam_deny.so\n");
	cp_config_free(cfg);
	return st;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
	    {"module", required_argument, NULL, 'm'},
	    {"driver", required_argument, NULL, 'D'},
	    {"accounts", required_argument, NULL, 'n'},
	    {"iterations", required_argument, NULL, 'k'},
	    {"cold", required_argument, NULL, 'c'},
	    {"dir", required_argument, NULL, 'd'},
	    {"keep", no_argument, NULL, 'K'},
	    {NULL, 0, NULL, 0},
	};
	*o = (struct opts){.dir = "/tmp", .accounts = 100000, .iterations = 2000, .cold = 200};
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			o->module = optarg;
			break;
		case 'D':
			o->driver = optarg;
			break;
		case 'n':
			o->accounts = strtoul(optarg, NULL, 10);
			break;
		case 'k':
			o->iterations = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			o->cold = strtoul(optarg, NULL, 10);
			break;
		case 'd':
			o->dir = optarg;
			break;
		case 'K':
			o->keep = true;
			break;
		default:
			return 1;
		}
	}
	if (o->module == NULL || o->module[0] != '/' || o->accounts == 0 || o->iterations == 0 ||
	    o->cold == 0) {
		fputs("usage: bench_pam --module /ABSOLUTE/pam_credpolicy.so [--accounts N] "
		      "[--iterations K] [--dir DIR] [--driver PATH] [--cold K] [--keep]\n",
		      stderr);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	char dir[4096];
	if (parse(argc, argv, &o) != 0 || setup(&o, dir, sizeof(dir)) != 0)
		return 1;
	double base, with;
	int st = warm(&o, "baseline", "warm_baseline", &base) ||
	         warm(&o, "with-module", "warm_module", &with);
	if (st == 0)
		printf("warm_added_median_us: %.1f\n", with - base);
	if (st == 0 && o.driver != NULL) {
		st = cold(&o, "baseline", "cold_baseline", &base) ||
		     cold(&o, "with-module", "cold_module", &with);
		if (st == 0)
			printf("cold_added_median_us: %.1f\n", with - base);
	}
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (o.keep)
		printf("kept: %s\n", dir);
	else if (system(cmd) != 0)
		fprintf(stderr, "bench_pam: could not remove %s\n", dir);
	return st;
}
