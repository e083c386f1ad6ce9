/*
 * hashindex.h - an open-addressing hash index (internal): it maps a hash
 * to the positions of entries kept in the caller's own arrays, so one
 * table type serves the builder's interning (strings, functions,
 * mappings, locations), the decoder's id lookups and the encoder's
 * string table.
 */
#ifndef TRIAGE_HASHINDEX_H
#define TRIAGE_HASHINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TPROF_INDEX_NONE UINT32_MAX
/* Largest position an index can hold. */
#define TPROF_INDEX_MAX (UINT32_MAX - 2u)

struct tprof_index_slot {
	uint32_t hash; /* low bits of the full hash */
	uint32_t pos;  /* position + 1; 0 marks an empty slot */
};

struct tprof_index {
	struct tprof_index_slot *slots;
	size_t mask; /* capacity - 1; capacity is a power of two */
	size_t count;
};

/* Tells whether the entry at `pos` equals the key being looked up. */
typedef bool (*tprof_index_eq)(const void *ctx, uint32_t pos, const void *key);

void tprof_index_init(struct tprof_index *ix);
void tprof_index_free(struct tprof_index *ix);

/* Sizes the table for `n` entries up front. 0 or TRIAGE_ENOMEM. */
int tprof_index_reserve(struct tprof_index *ix, size_t n);

/* The position of an entry equal to `key`, or TPROF_INDEX_NONE. */
uint32_t tprof_index_find(const struct tprof_index *ix, uint64_t hash,
			  tprof_index_eq eq, const void *ctx, const void *key);

/*
 * Records position `pos` (<= TPROF_INDEX_MAX) under `hash`. Does not look
 * for duplicates. 0 or TRIAGE_ENOMEM.
 */
int tprof_index_add(struct tprof_index *ix, uint64_t hash, uint32_t pos);

/* Mixes a 64-bit value into a well-spread hash (splitmix64's finaliser). */
static inline uint64_t tprof_hash_u64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* Folds `x` into a running hash `h`. */
static inline uint64_t tprof_hash_add(uint64_t h, uint64_t x)
{
	return tprof_hash_u64(h ^ (x + 0x9e3779b97f4a7c15ull + (h << 6)));
}

/* Hash of a NUL-terminated string (FNV-1a, then mixed). */
static inline uint64_t tprof_hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return tprof_hash_u64(h);
}

#endif /* TRIAGE_HASHINDEX_H */
