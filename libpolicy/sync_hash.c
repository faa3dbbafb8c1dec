/* sync_hash.c - a string-keyed map for the directory sync: the UUIDs a
 * full read saw (100,000 and more), the DNs of people that group members
 * name. Linear probing at a load of at most one half, deletion by backward
 * shift (no tombstones), FNV-1a: small, and fast enough that a full sync
 * spends its time in the network and the ledger, not here. */
#include "sync_internal.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_of(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The slot of key (hash h), or the empty slot where it would go. The
 * stored hashes spare a string comparison with every other key probed. */
static size_t find_slot(const struct strmap *m, const char *key, uint64_t h, bool *found)
{
	size_t mask = m->cap - 1, i = (size_t)h & mask;
	while (m->keys[i] != NULL && (m->hashes[i] != h || strcmp(m->keys[i], key) != 0))
		i = (i + 1) & mask;
	*found = m->keys[i] != NULL;
	return i;
}

static int grow(struct strmap *m)
{
	size_t cap = m->cap == 0 ? 64 : m->cap * 2;
	struct strmap n = {.keys = calloc(cap, sizeof(char *)),
	                   .vals = calloc(cap, sizeof(int64_t)),
	                   .hashes = calloc(cap, sizeof(uint64_t)),
	                   .n = m->n,
	                   .cap = cap};
	if (n.keys == NULL || n.vals == NULL || n.hashes == NULL) {
		free(n.keys);
		free(n.vals);
		free(n.hashes);
		return CP_ERR_NOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (m->keys[i] == NULL)
			continue;
		size_t j = (size_t)m->hashes[i] & (cap - 1);
		while (n.keys[j] != NULL) /* keys are unique: the first free slot */
			j = (j + 1) & (cap - 1);
		n.keys[j] = m->keys[i];
		n.vals[j] = m->vals[i];
		n.hashes[j] = m->hashes[i];
	}
	free(m->keys);
	free(m->vals);
	free(m->hashes);
	*m = n;
	return CP_OK;
}

int strmap_put(struct strmap *m, const char *key, int64_t val)
{
	if ((m->n + 1) * 2 > m->cap && grow(m) != CP_OK)
		return CP_ERR_NOMEM;
	bool found = false;
	uint64_t h = hash_of(key);
	size_t i = find_slot(m, key, h, &found);
	if (!found) {
		if ((m->keys[i] = strdup(key)) == NULL)
			return CP_ERR_NOMEM;
		m->hashes[i] = h;
		m->n++;
	}
	m->vals[i] = val;
	return CP_OK;
}

bool strmap_get(const struct strmap *m, const char *key, int64_t *val)
{
	if (m->cap == 0)
		return false;
	bool found = false;
	size_t i = find_slot(m, key, hash_of(key), &found);
	if (found && val != NULL)
		*val = m->vals[i];
	return found;
}

bool strmap_del(struct strmap *m, const char *key)
{
	if (m->cap == 0)
		return false;
	bool found = false;
	size_t mask = m->cap - 1, i = find_slot(m, key, hash_of(key), &found);
	if (!found)
		return false;
	free(m->keys[i]);
	m->keys[i] = NULL;
	m->n--;
	/* Move back every later key of the run that the hole would hide. */
	for (size_t j = (i + 1) & mask; m->keys[j] != NULL; j = (j + 1) & mask) {
		size_t home = (size_t)m->hashes[j] & mask;
		bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (between)
			continue;
		m->keys[i] = m->keys[j];
		m->vals[i] = m->vals[j];
		m->hashes[i] = m->hashes[j];
		m->keys[j] = NULL;
		i = j;
	}
	return true;
}

void strmap_clear(struct strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	free(m->hashes);
	memset(m, 0, sizeof(*m));
}
