/* index_format.h - on-disk layout of the banned-password index and the
 * helpers index.c (reader) and index_build.c (writer) must agree on.
 * docs/INDEX-FORMAT.md describes the format in prose.
 *
 * The index is a quotiented Elias-Fano filter: every key's 64-bit hash is
 * split into a bucket number (high bits, stored in unary) and an r-bit
 * fingerprint (stored verbatim), sorted by bucket then fingerprint.
 *
 * Self-contained on purpose (no internal.h): the credpolicy tool includes
 * it to read the magic and version of files the library refuses to open. */
#ifndef CP_INDEX_FORMAT_H
#define CP_INDEX_FORMAT_H

#include "credpolicy.h"

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <xxhash.h>

/* "CPIDX" and three NULs. */
#define CP_IDX_MAGIC     "CPIDX\0\0"
#define CP_IDX_MAGIC_LEN 8
#define CP_IDX_VERSION   1u
/* Versions above this are taken as damage, not as a newer format. */
#define CP_IDX_VERSION_MAX 0xffffu

/* Fixed header: little-endian fields at these byte offsets. */
enum {
	CP_IDX_OFF_VERSION = 8,      /* u32 format version */
	CP_IDX_OFF_HDRSIZE = 12,     /* u32 header size (128) */
	CP_IDX_OFF_N = 16,           /* u64 distinct keys */
	CP_IDX_OFF_M = 24,           /* u64 buckets */
	CP_IDX_OFF_R = 32,           /* u32 fingerprint bits */
	CP_IDX_OFF_SAMPLE = 36,      /* u32 buckets per select sample */
	CP_IDX_OFF_SEED = 40,        /* u64 hash seed */
	CP_IDX_OFF_SECTIONS = 48,    /* 3 x (u64 offset, u64 length) */
	CP_IDX_OFF_FILESIZE = 96,    /* u64 total file size */
	CP_IDX_OFF_FPTARGET = 104,   /* IEEE 754 double: requested FP rate */
	CP_IDX_OFF_PAYLOADSUM = 112, /* u64 XXH3 of bytes [128, file size) */
	CP_IDX_OFF_HDRSUM = 120,     /* u64 XXH3 of bytes [0, 120) */
	CP_IDX_HEADER_SIZE = 128,
};

/* Sections, in file order, each starting on a 64-byte boundary. */
enum { CP_IDX_SEC_SAMPLES, CP_IDX_SEC_HIGH, CP_IDX_SEC_LOW, CP_IDX_NSECTIONS };

#define CP_IDX_ALIGN           64
#define CP_IDX_SAMPLE_INTERVAL 256u
#define CP_IDX_DEFAULT_SEED    UINT64_C(0x6372656470696478) /* "credpidx" */
#define CP_IDX_DEFAULT_FP      1e-9
#define CP_IDX_R_MIN           8u
#define CP_IDX_R_MAX           32u
/* n and m must stay below 2^32: bucket = ((hash >> 32) * m) >> 32. */
#define CP_IDX_MAX_KEYS UINT64_C(0xffffffff)

/* The header decoded. */
struct cp_idx_header {
	uint32_t version, header_size;
	uint64_t n, m;
	uint32_t r, sample_interval;
	uint64_t seed;
	uint64_t off[CP_IDX_NSECTIONS], len[CP_IDX_NSECTIONS];
	uint64_t file_size;
	double fp_target;
	uint64_t payload_sum, header_sum;
};

/* Fill off[], len[] and file_size from n, m, r and sample_interval, which
 * must be in range (n, m < 2^32, r <= 32): the one definition of the layout
 * that the writer produces and the reader insists on. */
__attribute__((visibility("hidden"))) void cp_idx_layout(struct cp_idx_header *h);
/* Decode a header (no validation) / encode one, computing header_sum. */
__attribute__((visibility("hidden"))) void
cp_idx_header_decode(const unsigned char in[CP_IDX_HEADER_SIZE], struct cp_idx_header *h);
__attribute__((visibility("hidden"))) void
cp_idx_header_encode(struct cp_idx_header *h, unsigned char out[CP_IDX_HEADER_SIZE]);

static inline uint32_t cp_idx_get32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return le32toh(v);
}

static inline uint64_t cp_idx_get64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof v);
	return le64toh(v);
}

static inline void cp_idx_put32(unsigned char *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof v);
}

static inline void cp_idx_put64(unsigned char *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, sizeof v);
}

static inline bool cp_idx_kind_valid(cp_entry_kind kind)
{
	return kind == CP_ENTRY_WORD || kind == CP_ENTRY_COMMAND || kind == CP_ENTRY_PASSWORD;
}

/* The hash of a normalised key under one kind, so that one filter holds
 * words, commands and passwords as unrelated keys. Not XXH3 seeded with
 * seed + kind: XXH3's short-input paths turn a change of seed into an XOR
 * on the input, so "pw00600!" under one seed hashes like another 8-byte
 * string under the next seed (the tests caught 800 such cross-kind hits in
 * 6000 keys). Instead one seeded XXH3 of the string, then the kind mixed in
 * by a bijective finaliser (MurmurHash3's fmix64): two strings collide
 * across kinds only if their XXH3 values differ by a fixed XOR, a 2^-64
 * event. */
static inline uint64_t cp_idx_hash(uint64_t seed, cp_entry_kind kind, const char *s, size_t len)
{
	uint64_t h = XXH3_64bits_withSeed(s, len, seed);
	h ^= (uint64_t)kind * UINT64_C(0x9e3779b97f4a7c15);
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return h;
}

/* Longest input the ASCII fast path folds on the stack. */
#define CP_IDX_ASCII_MAX 256

/* Fold 8 bytes at once (SWAR). False if one of them is NUL or not ASCII;
 * otherwise A-Z become a-z: with every byte below 0x80 no carry crosses
 * a byte, so the high bit of each byte of ge_a (ge_z) tells c >= 'A'
 * (c > 'Z'). */
static inline bool cp_idx_fold8(const char *in, char *out)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = ones * 0x80;
	uint64_t x;
	memcpy(&x, in, 8);
	if (((x | ((x - ones) & ~x)) & highs) != 0)
		return false;
	uint64_t ge_a = x + ones * (0x80 - 'A'), gt_z = x + ones * (0x80 - 'Z' - 1);
	x |= (ge_a & ~gt_z & highs) >> 2; /* 0x80 >> 2 == 'a' - 'A' */
	memcpy(out, &x, 8);
	return true;
}

/* ASCII fast path of cp_normalize_key: when s is non-empty, at most
 * CP_IDX_ASCII_MAX bytes and every byte is in 1..0x7f (NFKC is then the
 * identity and case folding is A-Z -> a-z), write the folded form to buf
 * and return true. Otherwise return false (buf may hold a partial copy:
 * the caller wipes len bytes of buf either way). */
static inline bool cp_idx_ascii_fold(const char *s, size_t len, char buf[CP_IDX_ASCII_MAX])
{
	if (len == 0 || len > CP_IDX_ASCII_MAX)
		return false;
	if (len >= 8) {
		/* Whole words, then the last 8 bytes again (overlapping). */
		for (size_t i = 0; i + 8 <= len; i += 8)
			if (!cp_idx_fold8(s + i, buf + i))
				return false;
		return len % 8 == 0 || cp_idx_fold8(s + len - 8, buf + len - 8);
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0 || c >= 0x80)
			return false;
		buf[i] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
	}
	return true;
}

#endif
