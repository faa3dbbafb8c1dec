/* bench_ledger.c - the account ledger at the size of a city administration,
 * through the public API only.
 *
 *   bench/bench_ledger [--people N] [--probes K] [--loops L] [--dir DIR] [--keep]
 *   bench/bench_ledger --emit N    print the document of N people and accounts
 *   bench/bench_ledger --probe LEDGER ACCOUNT    (one PAM-like lookup; internal)
 *
 * 1. Builds a JSON document of N people (Chinese names, birthdays, phone
 *    numbers) and N accounts (four classes, 10% service accounts with two
 *    custodians), imports it with cp_ledger_import_json into a new ledger,
 *    and exports it again. The validation phase of the import is also
 *    timed alone, on a read-only handle (import_validate_s).
 * 2. Builds the same ledger through the API (cp_person_add, person_put,
 *    account_put, custodian_grant, set_last_change) in one transaction.
 * 3. What the PAM account hook pays at each login: K times, a fresh process
 *    (posix_spawn of this program with --probe) opens the ledger read-only
 *    and asks cp_ledger_status for a random account; reported are the whole
 *    spawn-and-wait, the same for a process that only starts (--noop), and,
 *    measured inside the child, open + status + close.
 *    Then L times the same open + status + close in a loop in one process.
 *
 * Defaults: N = 100,000, K = 1,000, L = 10,000, DIR = /tmp. Results are
 * "key: value" lines; times in seconds (_s), milliseconds (_ms) or
 * microseconds (_us). Exit status 1 if any step fails. */
#include "credpolicy.h"

#include <getopt.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct opts {
	unsigned long people, probes, loops;
	const char *dir;
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

static int fail(const char *what, int rc, const char *msg)
{
	fprintf(stderr, "bench_ledger: %s: %s%s%s\n", what, cp_strerror(rc), msg ? ": " : "",
	        msg ? msg : "");
	return 1;
}

/* ---- the synthetic city ---- */

static const char *const surnames[] = {"张", "王", "李", "赵", "刘", "陈", "杨", "黄",
                                       "周", "吴", "徐", "孙", "马", "朱", "胡", "郭"};
static const char *const given[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊",
                                    "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
                                    "超", "秀", "霞", "平", "刚", "桂", "英", "华"};
static const char *const classes[] = {"important-host", "admin-workstation", "new-media",
                                      "default"};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct person_gen {
	char id[24], name[16], birthday[16], phone[24];
};

struct account_gen {
	char name[24], owner[24], cust[2][24], last_change[24];
	const char *class_name;
	bool service;
	int64_t when;
};

static void gen_person(unsigned long i, struct person_gen *p)
{
	uint64_t h = splitmix64(i);
	snprintf(p->id, sizeof p->id, "E%06lu", i);
	snprintf(p->name, sizeof p->name, "%s%s%s", surnames[h % COUNT(surnames)],
	         given[(h >> 8) % COUNT(given)],
	         (h >> 16) % 2 ? given[(h >> 24) % COUNT(given)] : "");
	snprintf(p->birthday, sizeof p->birthday, "%d-%02d-%02d", 1960 + (int)((h >> 32) % 45),
	         1 + (int)((h >> 40) % 12), 1 + (int)((h >> 44) % 28));
	snprintf(p->phone, sizeof p->phone, "13%09llu",
	         (unsigned long long)((h >> 20) % 1000000000));
}

static void gen_account(unsigned long i, unsigned long people, int64_t today, struct account_gen *a)
{
	uint64_t h = splitmix64(i ^ UINT64_C(0x5bd1e995));
	a->service = i % 10 == 9;
	snprintf(a->name, sizeof a->name, "u%06lu", i);
	snprintf(a->owner, sizeof a->owner, "E%06lu", i % people);
	snprintf(a->cust[0], sizeof a->cust[0], "E%06lu", (unsigned long)(h % people));
	snprintf(a->cust[1], sizeof a->cust[1], "E%06lu", (unsigned long)((h >> 20) % people));
	if (strcmp(a->cust[0], a->cust[1]) == 0)
		a->cust[1][0] = '\0';
	a->class_name = classes[(h >> 40) % COUNT(classes)];
	a->when = today - (int64_t)((h >> 48) % (120 * 86400));
	time_t t = (time_t)a->when;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(a->last_change, sizeof a->last_change, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void write_person(FILE *f, const struct person_gen *p, bool first)
{
	fprintf(f,
	        "%s\n{\"employee_id\": \"%s\", \"name\": \"%s\", \"personal\": "
	        "{\"birthday\": \"%s\", \"phone\": [\"%s\"]}}",
	        first ? "" : ",", p->id, p->name, p->birthday, p->phone);
}

static void write_account(FILE *f, const struct account_gen *a, bool first)
{
	fprintf(f, "%s\n{\"name\": \"%s\", \"class\": \"%s\", \"kind\": \"%s\", ", first ? "" : ",",
	        a->name, a->class_name, a->service ? "service" : "personal");
	if (a->service)
		fprintf(f, "\"custodians\": [\"%s\"%s%s%s], ", a->cust[0],
		        a->cust[1][0] ? ", \"" : "", a->cust[1], a->cust[1][0] ? "\"" : "");
	else
		fprintf(f, "\"owner\": \"%s\", ", a->owner);
	fprintf(f, "\"last_change\": \"%s\"}", a->last_change);
}

static char *gen_document(unsigned long n, int64_t today, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	fputs("{\"format\": \"credpolicy-ledger\", \"version\": 1, \"people\": [", f);
	for (unsigned long i = 0; i < n; i++) {
		struct person_gen p;
		gen_person(i, &p);
		write_person(f, &p, i == 0);
	}
	fputs("],\n\"accounts\": [", f);
	for (unsigned long i = 0; i < n; i++) {
		struct account_gen a;
		gen_account(i, n, today, &a);
		write_account(f, &a, i == 0);
	}
	fputs("]}\n", f);
	fclose(f);
	return buf;
}

/* ---- building ---- */

static void remove_ledger(const char *path)
{
	char side[4200];
	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
}

static int open_new(const cp_config *cfg, const char *path, cp_ledger **l)
{
	char *msg = NULL;
	remove_ledger(path);
	int rc = cp_ledger_open(cfg, path, CP_LEDGER_CREATE, l, &msg);
	if (rc != CP_OK)
		fail(path, rc, msg);
	free(msg);
	return rc;
}

static long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Validation alone: on a read-only handle the import checks everything,
 * then stops at its first write (cp_ledger_begin refuses). */
static void bench_validation(const cp_config *cfg, const char *path, const char *doc, size_t len)
{
	cp_ledger *ro = NULL;
	char *msg = NULL;
	if (cp_ledger_open(cfg, path, CP_LEDGER_READONLY, &ro, NULL) != CP_OK)
		return;
	double t0 = now();
	cp_ledger_import_json(ro, doc, len, "bench", &msg);
	printf("import_validate_s: %.3f\n", now() - t0);
	free(msg);
	cp_ledger_close(ro);
}

static int bench_import(const cp_config *cfg, const char *path, const struct opts *o, int64_t today)
{
	double t0 = now();
	size_t len = 0;
	char *doc = gen_document(o->people, today, &len);
	printf("document_bytes: %zu\ngenerate_s: %.3f\n", len, now() - t0);
	cp_ledger *l = NULL;
	char *msg = NULL;
	int rc = open_new(cfg, path, &l);
	if (rc == CP_OK)
		bench_validation(cfg, path, doc, len);
	t0 = now();
	if (rc == CP_OK && (rc = cp_ledger_import_json(l, doc, len, "bench", &msg)) != CP_OK)
		fail("import", rc, msg);
	double secs = now() - t0;
	if (rc == CP_OK)
		printf("import_s: %.3f\nimport_records_per_s: %.0f\n", secs,
		       2.0 * (double)o->people / secs);
	char *out = NULL;
	size_t outlen = 0;
	t0 = now();
	if (rc == CP_OK && (rc = cp_ledger_export_json(l, &out, &outlen)) != CP_OK)
		fail("export", rc, NULL);
	if (rc == CP_OK)
		printf("export_s: %.3f\nexport_bytes: %zu\n", now() - t0, outlen);
	cp_ledger_close(l);
	printf("ledger_bytes: %ld\n", file_size(path));
	free(out);
	free(msg);
	free(doc);
	return rc;
}

static int api_person(cp_ledger *l, unsigned long i)
{
	struct person_gen g;
	cp_person *p = NULL;
	gen_person(i, &g);
	int rc = cp_person_new(&p);
	if (rc == CP_OK)
		rc = cp_person_add(p, "name", g.name, NULL);
	if (rc == CP_OK)
		rc = cp_person_add(p, "employee_id", g.id, NULL);
	if (rc == CP_OK)
		rc = cp_person_add(p, "birthday", g.birthday, NULL);
	if (rc == CP_OK)
		rc = cp_person_add(p, "phone", g.phone, NULL);
	if (rc == CP_OK)
		rc = cp_ledger_person_put(l, g.id, g.name, p, "bench");
	cp_person_free(p);
	return rc;
}

static int api_account(cp_ledger *l, unsigned long i, unsigned long n, int64_t today)
{
	struct account_gen a;
	gen_account(i, n, today, &a);
	int rc = cp_ledger_account_put(l, a.name, "*", a.class_name,
	                               a.service ? CP_ACCOUNT_SERVICE : CP_ACCOUNT_PERSONAL,
	                               a.service ? NULL : a.owner, false, "bench");
	for (int k = 0; a.service && k < 2 && rc == CP_OK; k++)
		if (a.cust[k][0] != '\0')
			rc = cp_ledger_custodian_grant(l, a.name, "*", a.cust[k], "bench", NULL);
	if (rc == CP_OK)
		rc = cp_ledger_set_last_change(l, a.name, "*", a.when, "bench");
	return rc;
}

static int bench_api(const cp_config *cfg, const char *path, const struct opts *o, int64_t today)
{
	cp_ledger *l = NULL;
	int rc = open_new(cfg, path, &l);
	double t0 = now();
	if (rc == CP_OK)
		rc = cp_ledger_begin(l);
	for (unsigned long i = 0; rc == CP_OK && i < o->people; i++)
		rc = api_person(l, i);
	for (unsigned long i = 0; rc == CP_OK && i < o->people; i++)
		rc = api_account(l, i, o->people, today);
	if (rc == CP_OK)
		rc = cp_ledger_commit(l);
	else if (l != NULL)
		cp_ledger_rollback(l);
	if (rc == CP_OK)
		printf("api_build_s: %.3f\n", now() - t0);
	else
		fail("building through the API", rc, NULL);
	cp_ledger_close(l);
	remove_ledger(path);
	return rc;
}

/* ---- the PAM cost ---- */

/* Open read-only, one status, close: what pam_sm_acct_mgmt does. */
static int lookup_once(const cp_config *cfg, const char *path, const char *account)
{
	cp_ledger *l = NULL;
	cp_status *s = NULL;
	int rc = cp_ledger_open(cfg, path, CP_LEDGER_READONLY, &l, NULL);
	if (rc == CP_OK)
		rc = cp_ledger_status(l, account, "bench-host", (int64_t)time(NULL), &s);
	cp_status_free(s);
	cp_ledger_close(l);
	return rc;
}

/* The child of a probe: prints the microseconds of its own lookup. The
 * configuration is the built-in one, as on a host without a file. */
static int probe_main(const char *path, const char *account)
{
	cp_config *cfg = cp_config_new_default();
	double t0 = now();
	int rc = lookup_once(cfg, path, account);
	printf("%.1f\n", (now() - t0) * 1e6);
	cp_config_free(cfg);
	return rc == CP_OK ? 0 : 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void print_quantiles(const char *key, double *v, unsigned long n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	printf("%s_median_us: %.1f\n%s_p95_us: %.1f\n", key, v[n / 2], key,
	       v[(size_t)((double)n * 0.95)]);
}

static void random_account(unsigned long people, unsigned long k, char out[16])
{
	snprintf(out, 16, "u%06lu", (unsigned long)(splitmix64(k * 7919) % people));
}

/* One fresh process: --probe (or --noop) started with posix_spawn, which
 * does not copy this large process's page tables as fork would; its own
 * timing read from a pipe. */
static int probe_process(const char *self, const char *mode, const char *path, const char *account,
                         double *total_us, double *inside_us)
{
	int fd[2];
	if (pipe(fd) != 0)
		return -1;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, fd[0]);
	char *const args[] = {(char *)self, (char *)mode, (char *)path, (char *)account, NULL};
	pid_t pid = -1;
	double t0 = now();
	int err = posix_spawn(&pid, self, &fa, NULL, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	char buf[64] = "";
	ssize_t n = err == 0 ? read(fd[0], buf, sizeof buf - 1) : 0;
	close(fd[0]);
	int status = 0;
	if (err == 0)
		waitpid(pid, &status, 0);
	*total_us = (now() - t0) * 1e6;
	*inside_us = n > 0 ? strtod(buf, NULL) : 0;
	return err == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* K fresh processes that look an account up, and K that only start: the
 * difference is what the lookup adds to starting a process. */
static int bench_probes(const char *self, const char *path, const struct opts *o)
{
	double *total = calloc(o->probes + 1, sizeof(double));
	double *inside = calloc(o->probes + 1, sizeof(double));
	double *noop = calloc(o->probes + 1, sizeof(double)), unused;
	char account[16];
	int rc = total != NULL && inside != NULL && noop != NULL ? 0 : -1;
	for (unsigned long k = 0; rc == 0 && k < o->probes; k++) {
		random_account(o->people, k, account);
		rc = probe_process(self, "--probe", path, account, &total[k], &inside[k]);
		if (rc == 0)
			rc = probe_process(self, "--noop", path, account, &noop[k], &unused);
	}
	if (rc == 0 && o->probes > 0) {
		printf("probes: %lu\n", o->probes);
		print_quantiles("fresh_process_spawn_wait", total, o->probes);
		print_quantiles("fresh_process_noop_spawn_wait", noop, o->probes);
		print_quantiles("fresh_process_open_status_close", inside, o->probes);
	} else if (rc != 0) {
		fprintf(stderr, "bench_ledger: a probe process failed\n");
	}
	free(total);
	free(inside);
	free(noop);
	return rc == 0 ? 0 : 1;
}

static int bench_loop(const cp_config *cfg, const char *path, const struct opts *o)
{
	double *v = calloc(o->loops + 1, sizeof(double));
	char account[16];
	int rc = v != NULL ? CP_OK : CP_ERR_NOMEM;
	for (unsigned long k = 0; rc == CP_OK && k < o->loops; k++) {
		random_account(o->people, k + o->probes, account);
		double t0 = now();
		rc = lookup_once(cfg, path, account);
		v[k] = (now() - t0) * 1e6;
	}
	if (rc == CP_OK && o->loops > 0)
		print_quantiles("in_process_open_status_close", v, o->loops);
	else if (rc != CP_OK)
		fail("status", rc, NULL);
	free(v);
	return rc == CP_OK ? 0 : 1;
}

/* ---- main ---- */

/* The document alone, for timing "credpolicy ledger import". */
static int emit_main(unsigned long n)
{
	size_t len = 0;
	if (n == 0 || n > 999999)
		return 2;
	char *doc = gen_document(n, (int64_t)time(NULL), &len);
	int rc = fwrite(doc, 1, len, stdout) == len ? 0 : 1;
	free(doc);
	return rc;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
	    {"people", required_argument, NULL, 'n'}, {"probes", required_argument, NULL, 'k'},
	    {"loops", required_argument, NULL, 'L'},  {"dir", required_argument, NULL, 'd'},
	    {"keep", no_argument, NULL, 'K'},         {NULL, 0, NULL, 0},
	};
	*o = (struct opts){.people = 100000, .probes = 1000, .loops = 10000, .dir = "/tmp"};
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o->people = strtoul(optarg, NULL, 10);
			break;
		case 'k':
			o->probes = strtoul(optarg, NULL, 10);
			break;
		case 'L':
			o->loops = strtoul(optarg, NULL, 10);
			break;
		case 'd':
			o->dir = optarg;
			break;
		case 'K':
			o->keep = true;
			break;
		default:
			return -1;
		}
	}
	return o->people > 0 && o->people <= 999999 ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--probe") == 0)
		return probe_main(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "--noop") == 0)
		return 0; /* the cost of starting this program alone */
	if (argc == 3 && strcmp(argv[1], "--emit") == 0)
		return emit_main(strtoul(argv[2], NULL, 10));
	struct opts o;
	setvbuf(stdout, NULL, _IOLBF, 0); /* each result as soon as it is known */
	if (parse_args(argc, argv, &o) != 0) {
		fprintf(stderr,
		        "usage: %s [--people N] [--probes K] [--loops L] [--dir DIR] "
		        "[--keep]\n",
		        argv[0]);
		return 2;
	}
	char path[4096], apipath[4096];
	snprintf(path, sizeof path, "%s/bench-ledger-%ld.db", o.dir, (long)getpid());
	snprintf(apipath, sizeof apipath, "%s/bench-ledger-api-%ld.db", o.dir, (long)getpid());
	cp_config *cfg = cp_config_new_default();
	int64_t today = (int64_t)time(NULL);
	printf("people: %lu\naccounts: %lu\n", o.people, o.people);
	int rc = bench_import(cfg, path, &o, today) != CP_OK;
	if (rc == 0)
		rc = bench_api(cfg, apipath, &o, today) != CP_OK;
	if (rc == 0)
		rc = bench_probes("/proc/self/exe", path, &o);
	if (rc == 0)
		rc = bench_loop(cfg, path, &o);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("peak_rss_mb: %.1f\n", (double)ru.ru_maxrss / 1024.0);
	if (o.keep)
		printf("ledger: %s\n", path);
	else
		remove_ledger(path);
	cp_config_free(cfg);
	return rc;
}
