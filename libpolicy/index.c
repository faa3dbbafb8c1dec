/* index.c - reading the banned-password index (R4, R5).
 *
 * The file is mapped read-only and shared, so every process checking
 * passwords on the host uses the same page-cache pages. A lookup touches
 * three places: the select sample of the key's bucket, a few words of the
 * unary bucket sizes, and the packed fingerprints of the bucket. Every
 * position taken from the file is checked against the section it points
 * into: a damaged payload under an intact header can give wrong answers
 * (cp_index_verify finds it), never a read outside the mapping. */
#include "internal.h" /* first: config.h sets the feature macros */

#include "index_format.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct cp_index {
	const unsigned char *map;
	size_t size;
	struct cp_idx_header h;
	const unsigned char *samples, *high, *low;
	uint64_t nbits;      /* n + m: 1 per key, 0 ending each bucket */
	uint64_t high_words; /* 64-bit words in the high section */
	uint64_t fmask;      /* low r bits */
	uint64_t load;       /* n / m with 32 fractional bits, for prefetch_low */
	unsigned sample_shift;
	char *path; /* for messages */
};

/* ---- layout and header coding (shared with index_build.c) ---- */

static uint64_t round_up(uint64_t v, uint64_t to)
{
	return (v + to - 1) / to * to;
}

void cp_idx_layout(struct cp_idx_header *h)
{
	uint64_t nsamples = (h->m + h->sample_interval - 1) / h->sample_interval;
	h->header_size = CP_IDX_HEADER_SIZE;
	h->off[CP_IDX_SEC_SAMPLES] = CP_IDX_HEADER_SIZE;
	h->len[CP_IDX_SEC_SAMPLES] = nsamples * 8;
	h->off[CP_IDX_SEC_HIGH] = round_up(h->off[0] + h->len[0], CP_IDX_ALIGN);
	h->len[CP_IDX_SEC_HIGH] = round_up(h->n + h->m, 64) / 8;
	h->off[CP_IDX_SEC_LOW] = round_up(h->off[1] + h->len[1], CP_IDX_ALIGN);
	/* 8 bytes of padding: a fingerprint is read with one unaligned 8-byte
	 * load starting at its first byte, also for the last one. */
	h->len[CP_IDX_SEC_LOW] = round_up((h->n * h->r + 7) / 8, 8) + 8;
	h->file_size = h->off[CP_IDX_SEC_LOW] + h->len[CP_IDX_SEC_LOW];
}

void cp_idx_header_decode(const unsigned char in[CP_IDX_HEADER_SIZE], struct cp_idx_header *h)
{
	h->version = cp_idx_get32(in + CP_IDX_OFF_VERSION);
	h->header_size = cp_idx_get32(in + CP_IDX_OFF_HDRSIZE);
	h->n = cp_idx_get64(in + CP_IDX_OFF_N);
	h->m = cp_idx_get64(in + CP_IDX_OFF_M);
	h->r = cp_idx_get32(in + CP_IDX_OFF_R);
	h->sample_interval = cp_idx_get32(in + CP_IDX_OFF_SAMPLE);
	h->seed = cp_idx_get64(in + CP_IDX_OFF_SEED);
	for (int s = 0; s < CP_IDX_NSECTIONS; s++) {
		h->off[s] = cp_idx_get64(in + CP_IDX_OFF_SECTIONS + 16 * s);
		h->len[s] = cp_idx_get64(in + CP_IDX_OFF_SECTIONS + 16 * s + 8);
	}
	h->file_size = cp_idx_get64(in + CP_IDX_OFF_FILESIZE);
	uint64_t bits = cp_idx_get64(in + CP_IDX_OFF_FPTARGET);
	memcpy(&h->fp_target, &bits, sizeof bits);
	h->payload_sum = cp_idx_get64(in + CP_IDX_OFF_PAYLOADSUM);
	h->header_sum = cp_idx_get64(in + CP_IDX_OFF_HDRSUM);
}

void cp_idx_header_encode(struct cp_idx_header *h, unsigned char out[CP_IDX_HEADER_SIZE])
{
	memset(out, 0, CP_IDX_HEADER_SIZE);
	memcpy(out, CP_IDX_MAGIC, CP_IDX_MAGIC_LEN);
	cp_idx_put32(out + CP_IDX_OFF_VERSION, h->version);
	cp_idx_put32(out + CP_IDX_OFF_HDRSIZE, h->header_size);
	cp_idx_put64(out + CP_IDX_OFF_N, h->n);
	cp_idx_put64(out + CP_IDX_OFF_M, h->m);
	cp_idx_put32(out + CP_IDX_OFF_R, h->r);
	cp_idx_put32(out + CP_IDX_OFF_SAMPLE, h->sample_interval);
	cp_idx_put64(out + CP_IDX_OFF_SEED, h->seed);
	for (int s = 0; s < CP_IDX_NSECTIONS; s++) {
		cp_idx_put64(out + CP_IDX_OFF_SECTIONS + 16 * s, h->off[s]);
		cp_idx_put64(out + CP_IDX_OFF_SECTIONS + 16 * s + 8, h->len[s]);
	}
	cp_idx_put64(out + CP_IDX_OFF_FILESIZE, h->file_size);
	uint64_t bits;
	memcpy(&bits, &h->fp_target, sizeof bits);
	cp_idx_put64(out + CP_IDX_OFF_FPTARGET, bits);
	cp_idx_put64(out + CP_IDX_OFF_PAYLOADSUM, h->payload_sum);
	h->header_sum = XXH3_64bits(out, CP_IDX_OFF_HDRSUM);
	cp_idx_put64(out + CP_IDX_OFF_HDRSUM, h->header_sum);
}

/* ---- opening ---- */

/* Set *errmsg to the translated fmt naming path; CP_ERR_INDEX_CORRUPT. A
 * macro so that the compiler still checks fmt against its argument. */
#define corrupt(errmsg, fmt, path) (cp_set_errmsg(errmsg, fmt, path), CP_ERR_INDEX_CORRUPT)

/* strerror for a library that may run in threads. */
static const char *errstr(int err, char buf[128])
{
	return strerror_r(err, buf, 128);
}

static int map_file(cp_index *idx, const char *path, char **errmsg)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		char buf[128];
		cp_set_errmsg(errmsg, _("%s: cannot open the index: %s"), path, errstr(err, buf));
		return err == ENOENT ? CP_ERR_NOTFOUND : CP_ERR_IO;
	}
	struct stat st;
	int rc = CP_OK;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		cp_set_errmsg(errmsg, _("%s: the index is not a regular file"), path);
		rc = CP_ERR_IO;
	} else if (st.st_size < CP_IDX_HEADER_SIZE) {
		rc = corrupt(errmsg, _("%s: the index file is truncated"), path);
	} else if ((uint64_t)st.st_size > SIZE_MAX) {
		rc = corrupt(errmsg, _("%s: the index file is too large"), path);
	} else {
		void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			char buf[128];
			cp_set_errmsg(errmsg, _("%s: cannot map the index: %s"), path,
			              errstr(errno, buf));
			rc = CP_ERR_IO;
		} else {
			idx->map = p;
			idx->size = (size_t)st.st_size;
			/* Lookups jump around: read-ahead would only waste memory. */
			(void)madvise(p, idx->size, MADV_RANDOM);
		}
	}
	close(fd);
	return rc;
}

/* Magic and version come first so that a later format may change all
 * that follows them. */
static int check_identity(const cp_index *idx, char **errmsg)
{
	if (memcmp(idx->map, CP_IDX_MAGIC, CP_IDX_MAGIC_LEN) != 0)
		return corrupt(errmsg, _("%s: not a banned-password index"), idx->path);
	uint32_t version = cp_idx_get32(idx->map + CP_IDX_OFF_VERSION);
	if (version == 0 || version > CP_IDX_VERSION_MAX)
		return corrupt(errmsg, _("%s: the index header is damaged"), idx->path);
	if (version != CP_IDX_VERSION) {
		cp_set_errmsg(errmsg,
		              _("%s: index format version %u is not supported (this library "
		                "reads version %u)"),
		              idx->path, (unsigned)version, CP_IDX_VERSION);
		return CP_ERR_INDEX_VERSION;
	}
	return CP_OK;
}

static bool params_valid(const struct cp_idx_header *h)
{
	uint32_t s = h->sample_interval;
	return h->header_size == CP_IDX_HEADER_SIZE && h->r >= CP_IDX_R_MIN &&
	       h->r <= CP_IDX_R_MAX && h->n <= CP_IDX_MAX_KEYS && h->m >= 1 &&
	       h->m <= CP_IDX_MAX_KEYS && s >= 64 && s <= 65536 && (s & (s - 1)) == 0;
}

/* The header must describe exactly the layout n, m and r imply. */
static bool layout_valid(const struct cp_idx_header *h)
{
	struct cp_idx_header want = *h;
	cp_idx_layout(&want);
	for (int s = 0; s < CP_IDX_NSECTIONS; s++)
		if (want.off[s] != h->off[s] || want.len[s] != h->len[s])
			return false;
	return want.file_size == h->file_size;
}

static int check_header(cp_index *idx, char **errmsg)
{
	int rc = check_identity(idx, errmsg);
	if (rc != CP_OK)
		return rc;
	struct cp_idx_header *h = &idx->h;
	cp_idx_header_decode(idx->map, h);
	if (h->header_sum != XXH3_64bits(idx->map, CP_IDX_OFF_HDRSUM) || !params_valid(h) ||
	    !layout_valid(h))
		return corrupt(errmsg, _("%s: the index header is damaged"), idx->path);
	if (h->file_size > idx->size)
		return corrupt(errmsg, _("%s: the index file is truncated"), idx->path);
	if (h->file_size < idx->size)
		return corrupt(errmsg, _("%s: the index file has trailing data"), idx->path);
	idx->samples = idx->map + h->off[CP_IDX_SEC_SAMPLES];
	idx->high = idx->map + h->off[CP_IDX_SEC_HIGH];
	idx->low = idx->map + h->off[CP_IDX_SEC_LOW];
	idx->nbits = h->n + h->m;
	idx->high_words = h->len[CP_IDX_SEC_HIGH] / 8;
	idx->fmask = (UINT64_C(1) << h->r) - 1;
	idx->load = (h->n << 32) / h->m;
	idx->sample_shift = (unsigned)__builtin_ctz(h->sample_interval);
	return CP_OK;
}

CP_EXPORT int cp_index_open(const char *path, cp_index **out, char **errmsg)
{
	if (errmsg != NULL)
		*errmsg = NULL;
	if (out == NULL)
		return CP_ERR_INVAL;
	*out = NULL;
	if (path == NULL)
		return CP_ERR_INVAL;
	cp_index *idx = calloc(1, sizeof *idx);
	if (idx == NULL || (idx->path = strdup(path)) == NULL) {
		free(idx);
		return CP_ERR_NOMEM;
	}
	int rc = map_file(idx, path, errmsg);
	if (rc == CP_OK)
		rc = check_header(idx, errmsg);
	if (rc != CP_OK) {
		cp_index_close(idx);
		return rc;
	}
	*out = idx;
	return CP_OK;
}

CP_EXPORT void cp_index_close(cp_index *idx)
{
	if (idx == NULL)
		return;
	if (idx->map != NULL)
		munmap((void *)idx->map, idx->size);
	free(idx->path);
	free(idx);
}

/* ---- verifying ---- */

/* Hash the payload in chunks, asking for the next chunk to be read while
 * this one is hashed: the mapping is MADV_RANDOM, so nothing reads ahead.
 * Chunks start at multiples of their size, so madvise gets page-aligned
 * addresses; the first one skips the header. */
static uint64_t payload_checksum(const cp_index *idx, XXH3_state_t *st)
{
	const size_t chunk = (size_t)8 << 20;
	XXH3_64bits_reset(st);
	for (size_t pos = 0; pos < idx->size; pos += chunk) {
		size_t end = idx->size - pos > chunk ? pos + chunk : idx->size;
		if (end < idx->size)
			(void)madvise((void *)(idx->map + end),
			              idx->size - end > chunk ? chunk : idx->size - end,
			              MADV_WILLNEED);
		size_t from = pos > CP_IDX_HEADER_SIZE ? pos : CP_IDX_HEADER_SIZE;
		if (end > from)
			XXH3_64bits_update(st, idx->map + from, end - from);
	}
	return XXH3_64bits_digest(st);
}

CP_EXPORT int cp_index_verify(const cp_index *idx, char **errmsg)
{
	if (errmsg != NULL)
		*errmsg = NULL;
	if (idx == NULL)
		return CP_ERR_INVAL;
	XXH3_state_t *st = XXH3_createState();
	if (st == NULL)
		return CP_ERR_NOMEM;
	uint64_t sum = payload_checksum(idx, st);
	XXH3_freeState(st);
	if (sum != idx->h.payload_sum)
		return corrupt(errmsg, _("%s: the index contents do not match their checksum"),
		               idx->path);
	return CP_OK;
}

/* ---- lookups ---- */

static inline uint64_t high_word(const cp_index *idx, uint64_t w)
{
	return cp_idx_get64(idx->high + 8 * w);
}

static inline bool high_bit(const cp_index *idx, uint64_t pos)
{
	return (high_word(idx, pos >> 6) >> (pos & 63)) & 1;
}

/* The i-th fingerprint: one unaligned little-endian load (the section is
 * padded for it), i < n. */
static inline uint64_t fingerprint(const cp_index *idx, uint64_t i)
{
	uint64_t bit = i * idx->h.r;
	return (cp_idx_get64(idx->low + (bit >> 3)) >> (bit & 7)) & idx->fmask;
}

/* Bit count; by hand because without -mpopcnt GCC calls libgcc for it. */
static inline unsigned popcount64(uint64_t x)
{
	x = x - ((x >> 1) & UINT64_C(0x5555555555555555));
	x = (x & UINT64_C(0x3333333333333333)) + ((x >> 2) & UINT64_C(0x3333333333333333));
	x = (x + (x >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
	return (unsigned)((x * UINT64_C(0x0101010101010101)) >> 56);
}

#define ONES  UINT64_C(0x0101010101010101)
#define HIGHS (ONES << 7)

/* Number of bytes of x with the high bit set, all other bits clear. */
static inline unsigned count_high_bytes(uint64_t x)
{
	return (unsigned)(((x >> 7) * ONES) >> 56);
}

/* Number of bytes of the prefix sums ps (each <= 64) that are <= k < 64:
 * in each byte, (k + 128) - ps keeps its high bit exactly when ps <= k. */
static inline unsigned count_le(uint64_t ps, unsigned k)
{
	return count_high_bytes((((ONES * k) | HIGHS) - ps) & HIGHS);
}

/* Position of the k-th (0-based) set bit of x, which has more than k.
 * Branch-free (a mispredicted branch costs more than all of this): find
 * the byte from the prefix sums of byte popcounts, then the bit from the
 * prefix sums of that byte's bits spread one to a byte. */
static inline unsigned select64(uint64_t x, unsigned k)
{
	uint64_t s = x - ((x >> 1) & UINT64_C(0x5555555555555555));
	s = (s & UINT64_C(0x3333333333333333)) + ((s >> 2) & UINT64_C(0x3333333333333333));
	s = ((s + (s >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f)) * ONES;
	unsigned byte = count_le(s, k);
	k -= (unsigned)(((s << 8) >> (8 * byte)) & 0xff);
	uint64_t spread = (((x >> (8 * byte)) & 0xff) * ONES) & UINT64_C(0x8040201008040201);
	uint64_t ind = (((spread + (HIGHS - ONES)) | spread) & HIGHS) >> 7;
	return 8 * byte + count_le(ind * ONES, k);
}

/* Fetch the fingerprints of bucket b while its start is still being
 * found, so that the two cache misses overlap instead of following each
 * other. The bucket's first key is probably about skip * n/m keys after
 * the sample's (pos - first bucket), give or take sqrt(skip * n/m): some
 * 10 keys, 40 bytes at the default rate, so the lines either side of the
 * guess are fetched. Prefetching never faults, yet stays in the section. */
static inline void prefetch_low(const cp_index *idx, uint64_t pos, uint64_t b)
{
	uint64_t skip = b & (idx->h.sample_interval - 1), first = b - skip;
	uint64_t key = pos - first + ((skip * idx->load) >> 32); /* skip < m */
	if (pos < first || key >= idx->h.n)
		return;
	uint64_t byte = (key * idx->h.r) >> 3, last = idx->h.len[CP_IDX_SEC_LOW] - 1;
	__builtin_prefetch(idx->low + (byte >= 32 ? byte - 32 : 0));
	__builtin_prefetch(idx->low + (byte + 32 <= last ? byte + 32 : last));
}

/* First bit position of bucket b, b < m: the sample gives the start of
 * bucket b rounded down to the sample interval; from there, each 0 ends a
 * bucket. False when the (damaged) data runs off the section. */
static bool bucket_start(const cp_index *idx, uint64_t b, uint64_t *start)
{
	uint64_t pos = cp_idx_get64(idx->samples + 8 * (b >> idx->sample_shift));
	unsigned skip = (unsigned)(b & (idx->h.sample_interval - 1));
	if (pos >= idx->nbits)
		return false;
	prefetch_low(idx, pos, b);
	if (skip == 0) {
		*start = pos;
		return true;
	}
	uint64_t w = pos >> 6;
	uint64_t zeros = ~high_word(idx, w) & (~UINT64_C(0) << (pos & 63));
	unsigned c;
	while ((c = popcount64(zeros)) < skip) {
		skip -= c;
		if (++w >= idx->high_words)
			return false;
		zeros = ~high_word(idx, w);
	}
	*start = (w << 6) + select64(zeros, skip - 1) + 1;
	return true;
}

static bool find_key(const cp_index *idx, uint64_t b, uint64_t f)
{
	uint64_t pos;
	if (!bucket_start(idx, b, &pos) || pos < b)
		return false;
	/* Every bit before pos is a key (1) or the end of bucket < b (0). */
	for (uint64_t i = pos - b; pos < idx->nbits && i < idx->h.n && high_bit(idx, pos);
	     pos++, i++) {
		uint64_t v = fingerprint(idx, i);
		if (v >= f) /* sorted within the bucket */
			return v == f;
	}
	return false;
}

bool cp_index_contains_norm(const cp_index *idx, cp_entry_kind kind, const char *norm, size_t len)
{
	if (idx == NULL || norm == NULL || len == 0 || !cp_idx_kind_valid(kind) || idx->h.n == 0)
		return false;
	uint64_t h = cp_idx_hash(idx->h.seed, kind, norm, len);
	uint64_t b = ((h >> 32) * idx->h.m) >> 32;
	return find_key(idx, b, h & idx->fmask);
}

CP_EXPORT bool cp_index_contains(const cp_index *idx, cp_entry_kind kind, const char *s, size_t len)
{
	if (idx == NULL || s == NULL || !cp_idx_kind_valid(kind))
		return false;
	if (len <= CP_IDX_ASCII_MAX) {
		char buf[CP_IDX_ASCII_MAX];
		bool ascii = cp_idx_ascii_fold(s, len, buf);
		bool found = ascii && cp_index_contains_norm(idx, kind, buf, len);
		cp_wipe(buf, len);
		if (ascii)
			return found;
	}
	char *norm = NULL;
	size_t nlen = 0;
	if (cp_normalize_key(s, len, &norm, &nlen) != CP_OK)
		return false;
	bool found = cp_index_contains_norm(idx, kind, norm, nlen);
	cp_free_wiped(norm, nlen);
	return found;
}

/* ---- properties ---- */

CP_EXPORT uint64_t cp_index_entries(const cp_index *idx)
{
	return idx != NULL ? idx->h.n : 0;
}

CP_EXPORT uint64_t cp_index_size(const cp_index *idx)
{
	return idx != NULL ? idx->size : 0;
}

/* Designed rate: a non-member falls in a bucket holding n/m keys on
 * average, each matching its fingerprint with probability 2^-r. */
CP_EXPORT double cp_index_fp_rate(const cp_index *idx)
{
	if (idx == NULL || idx->h.n == 0)
		return 0.0;
	return (double)idx->h.n / ((double)idx->h.m * (double)(UINT64_C(1) << idx->h.r));
}
