/* bench_check.c - throughput of the full password check: credpolicy's
 * cp_check (with each given index) against libpwquality's pwquality_check
 * with its cracklib dictionary check on, over the same corpus, in the same
 * process and harness.
 *
 * Usage: bench_check [--rounds N] [--size N] [--index FILE]... [--pwquality]
 * The corpus is generated deterministically from the system word list:
 * common passwords, dressed-up words, passphrases and random strings. */
#include "credpolicy.h"

#include <getopt.h>
#include <pwquality.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_INDEXES 4

struct corpus {
	char **pw;
	size_t n;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static char **load_words(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	size_t cap = 1 << 17, count = 0;
	char **w = malloc(cap * sizeof(*w));
	char line[256];
	while (w != NULL && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (strlen(line) < 4 || strchr(line, '\'') != NULL)
			continue;
		if (count == cap)
			w = realloc(w, (cap *= 2) * sizeof(*w));
		if (w != NULL)
			w[count++] = strdup(line);
	}
	fclose(f);
	*n = count;
	return w;
}

static const char *const symbols = "!@#$%^&*-_+=.";
static const char *const common[] = {"123456",   "woaini1314", "qq123456", "1qaz2wsx",
                                      "Aa123456", "Admin@123",  "5201314",  "password1",
                                      "P@ssw0rd", "abc123456"};

/* One corpus password of a kind chosen at random. */
static char *make_password(char **words, size_t nwords)
{
	char buf[128];
	const char *w1 = words[rng() % nwords], *w2 = words[rng() % nwords];
	char sym = symbols[rng() % strlen(symbols)];
	switch (rng() % 4) {
	case 0: /* common */
		snprintf(buf, sizeof(buf), "%s", common[rng() % 10]);
		break;
	case 1: /* a dressed word */
		snprintf(buf, sizeof(buf), "%c%s%c%u", w1[0] & ~0x20, w1 + 1, sym,
		         (unsigned)(rng() % 10000));
		break;
	case 2: /* a passphrase */
		snprintf(buf, sizeof(buf), "%s%c%s%u", w1, sym, w2, (unsigned)(rng() % 100));
		break;
	default: /* random */
		for (int i = 0; i < 12; i++)
			buf[i] = (char)(33 + rng() % 94);
		buf[12] = '\0';
	}
	return strdup(buf);
}

static struct corpus make_corpus(size_t n)
{
	struct corpus c = {calloc(n, sizeof(char *)), n};
	size_t nwords = 0;
	char **words = load_words("/usr/share/dict/american-english", &nwords);
	if (words == NULL || nwords == 0 || c.pw == NULL) {
		fprintf(stderr, "bench_check: cannot read /usr/share/dict/american-english\n");
		exit(2);
	}
	for (size_t i = 0; i < n; i++)
		c.pw[i] = make_password(words, nwords);
	for (size_t i = 0; i < nwords; i++)
		free(words[i]);
	free(words);
	return c;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

typedef size_t (*check_fn)(void *ctx, const struct corpus *c);

/* Median microseconds per password over rounds; *rejected from the last. */
static double run(check_fn fn, void *ctx, const struct corpus *c, int rounds, size_t *rejected)
{
	double *t = calloc((size_t)rounds, sizeof(double));
	for (int r = 0; r < rounds; r++) {
		double t0 = now();
		*rejected = fn(ctx, c);
		t[r] = (now() - t0) * 1e6 / (double)c->n;
	}
	qsort(t, (size_t)rounds, sizeof(double), cmp_double);
	double median = t[rounds / 2];
	free(t);
	return median;
}

static size_t run_credpolicy(void *ctx, const struct corpus *c)
{
	size_t rejected = 0;
	for (size_t i = 0; i < c->n; i++) {
		cp_verdict *v = NULL;
		if (cp_check(ctx, NULL, c->pw[i], NULL, NULL, &v) == CP_OK && !cp_verdict_ok(v))
			rejected++;
		cp_verdict_free(v);
	}
	return rejected;
}

static size_t run_pwquality(void *ctx, const struct corpus *c)
{
	size_t rejected = 0;
	for (size_t i = 0; i < c->n; i++)
		rejected += pwquality_check(ctx, c->pw[i], NULL, NULL, NULL) < 0;
	return rejected;
}

static void report(const char *name, double us, size_t rejected, size_t n)
{
	printf("%-44s %9.2f us/password  %10.0f passwords/s  rejected %zu/%zu\n", name, us,
	       1e6 / us, rejected, n);
}

static void bench_credpolicy(const char *path, const struct corpus *c, int rounds)
{
	cp_config *cfg = cp_config_new_default();
	cp_index *idx = NULL;
	cp_checker *ck = NULL;
	char *msg = NULL;
	if (cp_index_open(path, &idx, &msg) != CP_OK) {
		fprintf(stderr, "bench_check: %s\n", msg != NULL ? msg : path);
		exit(2);
	}
	cp_checker_new_with_index(cfg, idx, &ck);
	size_t rejected = 0;
	double us = run(run_credpolicy, ck, c, rounds, &rejected);
	char name[256];
	snprintf(name, sizeof(name), "credpolicy (%llu entries)",
	         (unsigned long long)cp_index_entries(idx));
	report(name, us, rejected, c->n);
	cp_checker_free(ck);
	cp_index_close(idx);
	cp_config_free(cfg);
}

static void bench_pwquality(const struct corpus *c, int rounds)
{
	pwquality_settings_t *pwq = pwquality_default_settings();
	pwquality_set_int_value(pwq, PWQ_SETTING_DICT_CHECK, 1);
	size_t rejected = 0;
	double us = run(run_pwquality, pwq, c, rounds, &rejected);
	report("libpwquality pwquality_check (dictcheck=1)", us, rejected, c->n);
	pwquality_free_settings(pwq);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"rounds", required_argument, NULL, 'r'},
	                                     {"size", required_argument, NULL, 's'},
	                                     {"index", required_argument, NULL, 'i'},
	                                     {"pwquality", no_argument, NULL, 'p'},
	                                     {NULL, 0, NULL, 0}};
	const char *indexes[MAX_INDEXES];
	int nidx = 0, rounds = 5, c;
	size_t size = 20000;
	int with_pwquality = 0;
	while ((c = getopt_long(argc, argv, "r:s:i:p", opts, NULL)) != -1) {
		if (c == 'r')
			rounds = atoi(optarg);
		else if (c == 's')
			size = strtoul(optarg, NULL, 10);
		else if (c == 'i' && nidx < MAX_INDEXES)
			indexes[nidx++] = optarg;
		else if (c == 'p')
			with_pwquality = 1;
		else
			return 2;
	}
	if (rounds < 1 || size == 0)
		return 2;
	struct corpus corpus = make_corpus(size);
	printf("corpus: %zu passwords (common, dressed words, passphrases, random), %d rounds, "
	       "median\n", corpus.n, rounds);
	for (int i = 0; i < nidx; i++)
		bench_credpolicy(indexes[i], &corpus, rounds);
	if (with_pwquality)
		bench_pwquality(&corpus, rounds);
	for (size_t i = 0; i < corpus.n; i++)
		free(corpus.pw[i]);
	free(corpus.pw);
	return 0;
}
