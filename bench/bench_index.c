/* bench_index.c - build, size, open and lookup speed and the measured
 * false-positive rate of the banned-password index, through the public API.
 *
 *   bench/bench_index [--entries N] [--fp-rate X] [--dir DIR] [--lookups K]
 *                     [--batches B] [--keep]
 *   bench/bench_index --emit N     print the N synthetic entries, one a line
 *
 * Entries are synthetic, distinct and deterministic: 8 base-36 characters
 * that are a bijection of the entry's number, then 0-8 more from a hash of
 * it (8-16 characters). Results are "key: value" lines. */
#include "credpolicy.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define ENTRY_MAX 16
#define CHUNK     ((size_t)1 << 20)

struct opts {
	uint64_t entries, lookups, emit;
	unsigned batches;
	double fp_rate;
	const char *dir, *index;
	int keep;
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

/* Entry number i (i < 36^8) as a string in out; returns its length. The
 * first 8 characters are i * A mod 36^8 in base 36, A coprime to 36, so
 * distinct numbers give distinct strings. */
static size_t gen_entry(uint64_t i, char out[ENTRY_MAX])
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	const uint64_t m36 = UINT64_C(2821109907456); /* 36^8 */
	uint64_t x = (uint64_t)(((unsigned __int128)i * UINT64_C(1000000007)) % m36);
	for (int k = 0; k < 8; k++, x /= 36)
		out[k] = digits[x % 36];
	uint64_t h = splitmix64(i);
	size_t extra = (size_t)(h % 9);
	for (size_t k = 0; k < extra; k++)
		out[8 + k] = digits[(h >> (8 + 6 * k)) % 36];
	return 8 + extra;
}

/* Strings at a fixed stride, their lengths apart. */
struct batch {
	char (*s)[ENTRY_MAX];
	unsigned char *len;
	size_t n;
};

static void batch_alloc(struct batch *b, uint64_t n)
{
	b->s = malloc((n > 0 ? n : 1) * sizeof *b->s);
	b->len = malloc(n > 0 ? n : 1);
	if (b->s == NULL || b->len == NULL) {
		fputs("out of memory\n", stderr);
		exit(2);
	}
	b->n = n;
}

static void batch_fill(struct batch *b, uint64_t n, uint64_t (*number)(uint64_t, uint64_t),
                       uint64_t arg)
{
	batch_alloc(b, n);
	for (uint64_t j = 0; j < n; j++)
		b->len[j] = (unsigned char)gen_entry(number(j, arg), b->s[j]);
}

static void batch_free(struct batch *b)
{
	free(b->s);
	free(b->len);
}

static uint64_t member_number(uint64_t j, uint64_t entries)
{
	return entries > 0 ? splitmix64(j ^ UINT64_C(0x5bd1e995)) % entries : 0;
}

static uint64_t stranger_number(uint64_t j, uint64_t entries)
{
	return entries + j; /* never added */
}

static int build(const struct opts *o, const char *path)
{
	cp_index_builder *b = NULL;
	if (cp_index_builder_new(&b) != CP_OK)
		return 2;
	struct batch chunk = {0};
	batch_alloc(&chunk, CHUNK);
	double gen_s = 0, add_s = 0;
	for (uint64_t base = 0; base < o->entries; base += CHUNK) {
		size_t n = o->entries - base < CHUNK ? (size_t)(o->entries - base) : CHUNK;
		double t0 = now();
		for (size_t j = 0; j < n; j++)
			chunk.len[j] = (unsigned char)gen_entry(base + j, chunk.s[j]);
		double t1 = now();
		for (size_t j = 0; j < n; j++)
			if (cp_index_builder_add(b, CP_ENTRY_PASSWORD, chunk.s[j], chunk.len[j]) !=
			    CP_OK) {
				fputs("cp_index_builder_add failed\n", stderr);
				exit(2);
			}
		add_s += now() - t1;
		gen_s += t1 - t0;
	}
	batch_free(&chunk);
	char *msg = NULL;
	double t0 = now();
	int rc = cp_index_builder_write(b, path, o->fp_rate, &msg);
	double write_s = now() - t0;
	cp_index_builder_free(b);
	if (rc != CP_OK) {
		fprintf(stderr, "write %s: %s\n", path, msg != NULL ? msg : cp_strerror(rc));
		free(msg);
		return 2;
	}
	printf("generate_s: %.3f\nadd_s: %.3f\nwrite_s: %.3f\nbuild_s: %.3f\n", gen_s, add_s,
	       write_s, add_s + write_s);
	printf("build_entries_per_s: %.0f\ntotal_s: %.3f\n", (double)o->entries / (add_s + write_s),
	       gen_s + add_s + write_s);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* One pass in which each lookup waits for the previous one's answer (as
 * a password check's lookups do), so the processor cannot overlap their
 * cache misses: ns per lookup. */
static double latency(const cp_index *idx, const struct batch *b)
{
	static volatile unsigned zero = 0;
	unsigned z = zero;
	size_t j = 0, count = 0;
	double t0 = now();
	while (j < b->n) {
		bool found = cp_index_contains(idx, CP_ENTRY_PASSWORD, b->s[j], b->len[j]);
		j += 1 + (found & z);
		count++;
	}
	return (now() - t0) * 1e9 / (double)count;
}

/* Time B passes over the strings; report the first and the median pass in
 * ns per lookup. Returns the hits of the last pass. */
static uint64_t time_lookups(const cp_index *idx, const struct batch *b, unsigned batches,
                             const char *what)
{
	double *ns = calloc(batches, sizeof *ns);
	uint64_t hits = 0;
	for (unsigned k = 0; k < batches; k++) {
		hits = 0;
		double t0 = now();
		for (size_t j = 0; j < b->n; j++)
			hits += cp_index_contains(idx, CP_ENTRY_PASSWORD, b->s[j], b->len[j]);
		ns[k] = (now() - t0) * 1e9 / (double)b->n;
	}
	printf("lookup_%s_ns_first: %.1f\n", what, ns[0]);
	qsort(ns, batches, sizeof *ns, cmp_double);
	printf("lookup_%s_ns_median: %.1f\n", what, ns[batches / 2]);
	free(ns);
	printf("lookup_%s_latency_ns: %.1f\n", what, latency(idx, b));
	return hits;
}

/* What a short-lived process such as passwd pays: map the index, look up
 * one password, unmap. The file is in the page cache, the mapping is not
 * (each page touched takes a minor fault). Median of 201 rounds, in us. */
static void cold_lookup(const char *path, const struct batch *b)
{
	enum { ROUNDS = 201 };
	double us[ROUNDS];
	for (unsigned k = 0; k < ROUNDS; k++) {
		size_t j = (size_t)splitmix64(k) % (b->n > 0 ? b->n : 1);
		double t0 = now();
		cp_index *idx = NULL;
		if (cp_index_open(path, &idx, NULL) != CP_OK)
			return;
		(void)cp_index_contains(idx, CP_ENTRY_PASSWORD, b->s[j], b->len[j]);
		cp_index_close(idx);
		us[k] = (now() - t0) * 1e6;
	}
	qsort(us, ROUNDS, sizeof *us, cmp_double);
	printf("open_lookup_close_us_median: %.1f\n", us[ROUNDS / 2]);
}

static int measure(const struct opts *o, const char *path)
{
	cp_index *idx = NULL;
	char *msg = NULL;
	double t0 = now();
	int rc = cp_index_open(path, &idx, &msg);
	double open_ms = (now() - t0) * 1e3;
	if (rc != CP_OK) {
		fprintf(stderr, "open %s: %s\n", path, msg != NULL ? msg : cp_strerror(rc));
		free(msg);
		return 2;
	}
	uint64_t n = cp_index_entries(idx), size = cp_index_size(idx);
	printf("distinct: %llu\nfile_bytes: %llu\nbytes_per_entry: %.4f\n", (unsigned long long)n,
	       (unsigned long long)size, n > 0 ? (double)size / (double)n : 0.0);
	printf("designed_fp_rate: %.3g\nopen_ms: %.3f\n", cp_index_fp_rate(idx), open_ms);
	t0 = now();
	rc = cp_index_verify(idx, NULL);
	printf("verify_s: %.3f\nverify_ok: %s\n", now() - t0, rc == CP_OK ? "yes" : "no");

	struct batch members = {0}, strangers = {0};
	batch_fill(&members, o->entries > 0 ? o->lookups : 0, member_number, o->entries);
	batch_fill(&strangers, o->lookups, stranger_number, o->entries);
	uint64_t found = members.n > 0 ? time_lookups(idx, &members, o->batches, "member") : 0;
	uint64_t fp = time_lookups(idx, &strangers, o->batches, "nonmember");
	cold_lookup(path, &strangers);
	printf("members_found: %llu/%llu\n", (unsigned long long)found,
	       (unsigned long long)members.n);
	printf("nonmember_hits: %llu\nmeasured_fp_rate: %.3g\n", (unsigned long long)fp,
	       (double)fp / (double)strangers.n);
	int status = found == members.n ? 0 : 1;
	batch_free(&members);
	batch_free(&strangers);
	cp_index_close(idx);
	return status;
}

static void usage(FILE *out)
{
	fputs("Usage: bench_index [--entries N] [--fp-rate X] [--dir DIR] [--lookups K]\n"
	      "                   [--batches B] [--keep]\n"
	      "       bench_index --index FILE --entries N [--lookups K] [--batches B]\n"
	      "                   (measure an index kept from a run with the same N)\n"
	      "       bench_index --emit N   (print the synthetic entries)\n",
	      out);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end = NULL;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || *end != '\0' || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
	    {"entries", required_argument, NULL, 'n'}, {"fp-rate", required_argument, NULL, 'f'},
	    {"dir", required_argument, NULL, 'd'},     {"lookups", required_argument, NULL, 'k'},
	    {"batches", required_argument, NULL, 'b'}, {"keep", no_argument, NULL, 'K'},
	    {"emit", required_argument, NULL, 'e'},    {"index", required_argument, NULL, 'i'},
	    {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	int c, bad = 0;
	uint64_t v;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			bad |= parse_u64(optarg, &o->entries);
			break;
		case 'k':
			bad |= parse_u64(optarg, &o->lookups);
			break;
		case 'e':
			bad |= parse_u64(optarg, &o->emit);
			break;
		case 'b':
			bad |= parse_u64(optarg, &v) || v == 0 || v > 1000;
			o->batches = (unsigned)v;
			break;
		case 'f':
			o->fp_rate = strtod(optarg, NULL);
			break;
		case 'd':
			o->dir = optarg;
			break;
		case 'K':
			o->keep = 1;
			break;
		case 'i':
			o->index = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			bad = 1;
		}
	}
	return bad || optind < argc || o->entries >= UINT64_C(2821109907456) ? -1 : 0;
}

static int emit(uint64_t n)
{
	char s[ENTRY_MAX + 1];
	for (uint64_t i = 0; i < n; i++) {
		size_t len = gen_entry(i, s);
		s[len] = '\n';
		fwrite(s, 1, len + 1, stdout);
	}
	return fflush(stdout) == 0 ? 0 : 2;
}

int main(int argc, char **argv)
{
	struct opts o = {.entries = 1000000, .lookups = 1000000, .batches = 5, .dir = "/tmp"};
	if (parse_args(argc, argv, &o) != 0) {
		usage(stderr);
		return 2;
	}
	if (o.emit > 0)
		return emit(o.emit);
	char path[4096];
	snprintf(path, sizeof path, "%s/bench-index-%ld.idx", o.dir, (long)getpid());
	printf("entries: %llu\nfp_rate_target: %.3g\nlookups: %llu\nbatches: %u\n",
	       (unsigned long long)o.entries, o.fp_rate > 0 ? o.fp_rate : 1e-9,
	       (unsigned long long)o.lookups, o.batches);
	if (o.index != NULL)
		return measure(&o, o.index);
	int rc = build(&o, path);
	if (rc == 0)
		rc = measure(&o, path);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("peak_rss_mb: %.0f\n", (double)ru.ru_maxrss / 1024.0);
	if (o.keep)
		printf("index: %s\n", path);
	else
		unlink(path);
	return rc;
}
