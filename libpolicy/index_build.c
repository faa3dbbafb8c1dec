/* index_build.c - building the banned-password index (R4, R5).
 *
 * Entries are hashed as they are added (8 bytes each, whatever their
 * length); cp_index_builder_write sorts the hashes with an LSD radix sort,
 * drops duplicates, turns each hash into a (bucket, fingerprint) key and
 * writes the quotiented Elias-Fano filter that index.c reads. The file is
 * written to a temporary name next to the target and renamed over it, so a
 * reader sees the old index or the new one, never a partial file. */
#include "internal.h" /* first: config.h sets the feature macros */

#include "index_format.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct cp_index_builder {
	uint64_t *hashes; /* one per entry added, duplicates included */
	size_t count, cap;
};

/* What cp_index_builder_write puts into the file besides the header. */
struct built {
	struct cp_idx_header h;
	const uint64_t *keys; /* n keys (bucket << r | fingerprint), sorted */
	uint64_t *samples;    /* little-endian start bit of every 256th bucket */
	uint64_t *high;       /* little-endian words of unary bucket sizes */
};

static const char *errstr(int err, char buf[128])
{
	return strerror_r(err, buf, 128);
}

/* ---- the builder ---- */

CP_EXPORT int cp_index_builder_new(cp_index_builder **out)
{
	if (out == NULL)
		return CP_ERR_INVAL;
	*out = calloc(1, sizeof **out);
	return *out != NULL ? CP_OK : CP_ERR_NOMEM;
}

static void builder_reset(cp_index_builder *b)
{
	free(b->hashes);
	b->hashes = NULL;
	b->count = b->cap = 0;
}

CP_EXPORT void cp_index_builder_free(cp_index_builder *b)
{
	if (b == NULL)
		return;
	builder_reset(b);
	free(b);
}

static int push_hash(cp_index_builder *b, uint64_t h)
{
	if (b->count == b->cap) {
		size_t cap = b->cap > 0 ? b->cap + b->cap / 2 : 4096;
		if (cap > SIZE_MAX / sizeof *b->hashes)
			return CP_ERR_NOMEM;
		uint64_t *p = realloc(b->hashes, cap * sizeof *b->hashes);
		if (p == NULL)
			return CP_ERR_NOMEM;
		b->hashes = p;
		b->cap = cap;
	}
	b->hashes[b->count++] = h;
	return CP_OK;
}

CP_EXPORT int cp_index_builder_add(cp_index_builder *b, cp_entry_kind kind, const char *s,
                                   size_t len)
{
	if (b == NULL || (s == NULL && len > 0) || !cp_idx_kind_valid(kind))
		return CP_ERR_INVAL;
	if (len <= CP_IDX_ASCII_MAX) {
		char buf[CP_IDX_ASCII_MAX];
		bool ascii = cp_idx_ascii_fold(s, len, buf);
		uint64_t h = ascii ? cp_idx_hash(CP_IDX_DEFAULT_SEED, kind, buf, len) : 0;
		cp_wipe(buf, len);
		if (ascii)
			return push_hash(b, h);
	}
	char *norm = NULL;
	size_t nlen = 0;
	int rc = cp_normalize_key(s != NULL ? s : "", len, &norm, &nlen);
	if (rc != CP_OK)
		return rc;
	if (nlen > 0) /* empty after normalisation: ignored */
		rc = push_hash(b, cp_idx_hash(CP_IDX_DEFAULT_SEED, kind, norm, nlen));
	cp_free_wiped(norm, nlen);
	return rc;
}

CP_EXPORT uint64_t cp_index_builder_count(const cp_index_builder *b)
{
	return b != NULL ? b->count : 0;
}

/* ---- sorting ---- */

#define RADIX_BITS   11
#define RADIX_SIZE   (1u << RADIX_BITS)
#define RADIX_PASSES ((64 + RADIX_BITS - 1) / RADIX_BITS)

/* LSD radix sort of a[0..n) with scratch tmp[0..n): linear time, which
 * qsort at 100 million keys is far from. All digit histograms come from
 * one read; a digit that is the same in every key costs no pass. Returns
 * a or tmp, whichever holds the result; NULL when out of memory. */
static uint64_t *radix_sort(uint64_t *a, uint64_t *tmp, size_t n)
{
	size_t(*count)[RADIX_SIZE] = calloc(RADIX_PASSES, sizeof *count);
	if (count == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		for (unsigned d = 0; d < RADIX_PASSES; d++)
			count[d][(a[i] >> (d * RADIX_BITS)) & (RADIX_SIZE - 1)]++;
	for (unsigned d = 0; d < RADIX_PASSES && n > 0; d++) {
		unsigned shift = d * RADIX_BITS;
		if (count[d][(a[0] >> shift) & (RADIX_SIZE - 1)] == n)
			continue;
		size_t sum = 0;
		for (unsigned v = 0; v < RADIX_SIZE; v++) {
			size_t c = count[d][v];
			count[d][v] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			tmp[count[d][(a[i] >> shift) & (RADIX_SIZE - 1)]++] = a[i];
		uint64_t *t = a;
		a = tmp;
		tmp = t;
	}
	free(count);
	return a;
}

/* Drop repeated values from a sorted array; returns the new length. */
static size_t unique(uint64_t *a, size_t n)
{
	size_t out = 0;
	for (size_t i = 0; i < n; i++)
		if (out == 0 || a[i] != a[out - 1])
			a[out++] = a[i];
	return out;
}

/* Sort the builder's hashes and drop duplicate entries. */
static int sort_hashes(cp_index_builder *b)
{
	if (b->count == 0)
		return CP_OK;
	uint64_t *tmp = malloc(b->count * sizeof *tmp);
	uint64_t *sorted = tmp != NULL ? radix_sort(b->hashes, tmp, b->count) : NULL;
	if (sorted == NULL) {
		free(tmp);
		return CP_ERR_NOMEM;
	}
	free(sorted == tmp ? b->hashes : tmp);
	b->hashes = sorted;
	b->cap = b->count;
	b->count = unique(b->hashes, b->count);
	return CP_OK;
}

/* ---- parameters ---- */

/* r (fingerprint bits) and m (buckets) for n keys at false-positive rate
 * fp. A non-member meets n/m keys in its bucket, each matching with
 * probability 2^-r, so the rate is n / (m 2^r); for each r the fewest
 * buckets meeting fp is m = ceil(n / (2^r fp)), and the file then takes
 * about n r + (n + m) + 64 m / 256 bits (fingerprints, unary bucket sizes,
 * select samples). The r with the smallest total wins, the larger r on a
 * tie. For fp = 1e-9: r = 30, m = 0.93 n, 4.02 bytes per key. */
static int choose_params(uint64_t n, double fp, uint64_t *m_out, uint32_t *r_out)
{
	double keys = n > 0 ? (double)n : 1.0;
	double best = -1.0;
	for (uint32_t r = CP_IDX_R_MIN; r <= CP_IDX_R_MAX; r++) {
		double want = keys / ((double)(UINT64_C(1) << r) * fp);
		if (want > (double)CP_IDX_MAX_KEYS)
			continue;
		uint64_t m = (uint64_t)want;
		m += (double)m < want || m == 0;
		double cost = keys * (r + 1) + (double)m + 64.0 * (double)((m + 255) / 256);
		if (best < 0 || cost <= best) {
			best = cost;
			*m_out = n > 0 ? m : 1;
			*r_out = r;
		}
	}
	return best < 0 ? CP_ERR_TOOLONG : CP_OK;
}

/* Turn sorted hashes into sorted, distinct keys bucket << r | fingerprint.
 * The bucket grows with the hash's high half, so the keys are sorted by
 * bucket already and only fingerprints within a bucket (about one key on
 * average) can be out of order: insertion sort is linear here. */
static size_t make_keys(uint64_t *a, size_t n, uint64_t m, uint32_t r)
{
	uint64_t mask = (UINT64_C(1) << r) - 1;
	for (size_t i = 0; i < n; i++)
		a[i] = ((((a[i] >> 32) * m) >> 32) << r) | (a[i] & mask);
	for (size_t i = 1; i < n; i++) {
		uint64_t k = a[i];
		size_t j = i;
		for (; j > 0 && a[j - 1] > k; j--)
			a[j] = a[j - 1];
		a[j] = k;
	}
	/* Distinct hashes can share bucket and fingerprint: one key then. */
	return unique(a, n);
}

/* The unary bucket sizes (a 1 per key, a 0 closing each bucket) and the
 * start of every sample_interval-th bucket in them. */
static int build_high(struct built *x)
{
	const struct cp_idx_header *h = &x->h;
	x->high = calloc(1, h->len[CP_IDX_SEC_HIGH]);
	x->samples = malloc(h->len[CP_IDX_SEC_SAMPLES]);
	if (x->high == NULL || x->samples == NULL)
		return CP_ERR_NOMEM;
	uint64_t pos = 0, i = 0;
	for (uint64_t b = 0; b < h->m; b++, pos++) {
		if (b % h->sample_interval == 0)
			x->samples[b / h->sample_interval] = htole64(pos);
		for (; i < h->n && x->keys[i] >> h->r == b; i++, pos++)
			x->high[pos >> 6] |= UINT64_C(1) << (pos & 63);
	}
	for (uint64_t w = 0; w < h->len[CP_IDX_SEC_HIGH] / 8; w++)
		x->high[w] = htole64(x->high[w]);
	return CP_OK;
}

static int build(cp_index_builder *b, double fp, struct built *x, char **errmsg)
{
	int rc = sort_hashes(b);
	if (rc != CP_OK)
		return rc;
	struct cp_idx_header *h = &x->h;
	if (b->count > CP_IDX_MAX_KEYS || choose_params(b->count, fp, &h->m, &h->r) != CP_OK) {
		cp_set_errmsg(errmsg, _("too many entries for one index (%llu distinct)"),
		              (unsigned long long)b->count);
		return CP_ERR_TOOLONG;
	}
	h->n = make_keys(b->hashes, b->count, h->m, h->r);
	h->version = CP_IDX_VERSION;
	h->sample_interval = CP_IDX_SAMPLE_INTERVAL;
	h->seed = CP_IDX_DEFAULT_SEED;
	h->fp_target = fp;
	cp_idx_layout(h);
	x->keys = b->hashes;
	return build_high(x);
}

/* ---- writing ---- */

#define OUT_BUF_SIZE ((size_t)1 << 20)

/* Buffered, checksummed output of the payload. */
struct out {
	int fd;
	int err; /* errno of the first failure */
	XXH3_state_t *st;
	unsigned char *buf;
	size_t used;
	uint64_t off; /* file offset of the next byte */
};

static void out_flush(struct out *o)
{
	size_t done = 0;
	while (o->err == 0 && done < o->used) {
		ssize_t w = write(o->fd, o->buf + done, o->used - done);
		if (w >= 0)
			done += (size_t)w;
		else if (errno != EINTR)
			o->err = errno;
	}
	o->used = 0;
}

static void out_bytes(struct out *o, const void *p, size_t len)
{
	const unsigned char *s = p;
	XXH3_64bits_update(o->st, s, len);
	o->off += len;
	while (len > 0) {
		size_t take = OUT_BUF_SIZE - o->used < len ? OUT_BUF_SIZE - o->used : len;
		memcpy(o->buf + o->used, s, take);
		o->used += take;
		s += take;
		len -= take;
		if (o->used == OUT_BUF_SIZE)
			out_flush(o);
	}
}

/* Zeros up to file offset to: section alignment and padding. */
static void out_pad(struct out *o, uint64_t to)
{
	static const unsigned char zeros[CP_IDX_ALIGN];
	while (o->off < to)
		out_bytes(o, zeros,
		          to - o->off < sizeof zeros ? (size_t)(to - o->off) : sizeof zeros);
}

/* The fingerprints, r bits each, packed least significant bit first. */
static void out_fingerprints(struct out *o, const uint64_t *keys, uint64_t n, uint32_t r)
{
	unsigned char tmp[4096];
	size_t used = 0;
	uint64_t acc = 0, mask = (UINT64_C(1) << r) - 1;
	unsigned nacc = 0; /* bits in acc, < 32 between keys */
	for (uint64_t i = 0; i < n; i++) {
		acc |= (keys[i] & mask) << nacc;
		for (nacc += r; nacc >= 32; nacc -= 32, acc >>= 32, used += 4)
			cp_idx_put32(tmp + used, (uint32_t)acc);
		if (used > sizeof tmp - 8) {
			out_bytes(o, tmp, used);
			used = 0;
		}
	}
	for (; nacc > 0; nacc = nacc > 8 ? nacc - 8 : 0, acc >>= 8)
		tmp[used++] = (unsigned char)acc;
	out_bytes(o, tmp, used);
}

static void out_payload(struct out *o, const struct built *x)
{
	const struct cp_idx_header *h = &x->h;
	out_pad(o, h->off[CP_IDX_SEC_SAMPLES]);
	out_bytes(o, x->samples, h->len[CP_IDX_SEC_SAMPLES]);
	out_pad(o, h->off[CP_IDX_SEC_HIGH]);
	out_bytes(o, x->high, h->len[CP_IDX_SEC_HIGH]);
	out_pad(o, h->off[CP_IDX_SEC_LOW]);
	out_fingerprints(o, x->keys, h->n, h->r);
	out_pad(o, h->file_size);
	out_flush(o);
}

/* Payload first (its checksum goes into the header), then the header.
 * Returns 0 or an errno value. */
static int write_file(int fd, struct built *x)
{
	struct out o = {.fd = fd, .off = CP_IDX_HEADER_SIZE};
	o.st = XXH3_createState();
	o.buf = malloc(OUT_BUF_SIZE);
	if (o.st == NULL || o.buf == NULL)
		o.err = ENOMEM;
	else if (lseek(fd, CP_IDX_HEADER_SIZE, SEEK_SET) < 0)
		o.err = errno;
	if (o.err == 0) {
		XXH3_64bits_reset(o.st);
		out_payload(&o, x);
		x->h.payload_sum = XXH3_64bits_digest(o.st);
	}
	XXH3_freeState(o.st);
	free(o.buf);
	unsigned char hdr[CP_IDX_HEADER_SIZE];
	if (o.err == 0) {
		cp_idx_header_encode(&x->h, hdr);
		ssize_t w = pwrite(fd, hdr, sizeof hdr, 0);
		o.err = w == (ssize_t)sizeof hdr ? 0 : w < 0 ? errno : EIO;
	}
	return o.err;
}

/* Make the rename durable: fsync the directory holding path. */
static int sync_dir(const char *path, char **errmsg)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL   ? strdup(".")
	            : slash == path ? strdup("/")
	                            : strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return CP_ERR_NOMEM;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err = fd < 0 ? errno : fsync(fd) != 0 && errno != EINVAL ? errno : 0;
	if (fd >= 0)
		close(fd);
	if (err != 0) {
		char buf[128];
		cp_set_errmsg(errmsg, _("%s: cannot sync the directory: %s"), dir,
		              errstr(err, buf));
	}
	free(dir);
	return err != 0 ? CP_ERR_IO : CP_OK;
}

static int write_atomically(const char *path, struct built *x, char **errmsg)
{
	char buf[128];
	char *tmp = cp_asprintf("%s.XXXXXX", path);
	if (tmp == NULL)
		return CP_ERR_NOMEM;
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		cp_set_errmsg(errmsg, _("%s: cannot create a temporary file: %s"), path,
		              errstr(errno, buf));
		free(tmp);
		return CP_ERR_IO;
	}
	/* mkstemp makes 0600; the index is public, readers run as anyone. */
	int err = fchmod(fd, 0644) != 0 ? errno : write_file(fd, x);
	if (err == 0 && fsync(fd) != 0)
		err = errno;
	if (close(fd) != 0 && err == 0)
		err = errno;
	if (err == 0 && rename(tmp, path) != 0)
		err = errno;
	if (err != 0) {
		unlink(tmp);
		cp_set_errmsg(errmsg, _("%s: cannot write the index: %s"), path, errstr(err, buf));
	}
	free(tmp);
	return err != 0 ? CP_ERR_IO : sync_dir(path, errmsg);
}

CP_EXPORT int cp_index_builder_write(cp_index_builder *b, const char *path, double fp_rate,
                                     char **errmsg)
{
	if (errmsg != NULL)
		*errmsg = NULL;
	if (b == NULL || path == NULL)
		return CP_ERR_INVAL;
	if (fp_rate == 0)
		fp_rate = CP_IDX_DEFAULT_FP;
	if (!(fp_rate > 0 && fp_rate < 1)) {
		cp_set_errmsg(errmsg, _("the false-positive rate must be between 0 and 1"));
		return CP_ERR_INVAL;
	}
	struct built x = {0};
	int rc = build(b, fp_rate, &x, errmsg);
	if (rc == CP_OK)
		rc = write_atomically(path, &x, errmsg);
	free(x.high);
	free(x.samples);
	/* The keys were rewritten in place: the builder starts over. */
	builder_reset(b);
	return rc;
}
