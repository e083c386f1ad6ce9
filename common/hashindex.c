/*
 * hashindex.c - the open-addressing hash index: linear probing over a
 * power-of-two table kept at most 70% full, storing 32 bits of each
 * hash so that growing never needs the entries themselves.
 */
#include "hashindex.h"

#include "arena.h"
#include "triage.h"

#include <string.h>

void tprof_index_init(struct tprof_index *ix)
{
	ix->slots = NULL;
	ix->mask = 0;
	ix->count = 0;
}

void tprof_index_free(struct tprof_index *ix)
{
	tprof_mfree(ix->slots);
	tprof_index_init(ix);
}

/* Moves every entry into a new table of `cap` slots (a power of two). */
static int index_rehash(struct tprof_index *ix, size_t cap)
{
	struct tprof_index_slot *slots;
	size_t i, j, mask = cap - 1;

	if (cap > SIZE_MAX / sizeof(*slots))
		return TRIAGE_ENOMEM;
	slots = tprof_malloc(cap * sizeof(*slots));
	if (!slots)
		return TRIAGE_ENOMEM;
	memset(slots, 0, cap * sizeof(*slots));

	for (i = 0; ix->slots && i <= ix->mask; i++) {
		if (!ix->slots[i].pos)
			continue;
		for (j = ix->slots[i].hash & mask; slots[j].pos;
		     j = (j + 1) & mask)
			;
		slots[j] = ix->slots[i];
	}
	tprof_mfree(ix->slots);
	ix->slots = slots;
	ix->mask = mask;
	return 0;
}

int tprof_index_reserve(struct tprof_index *ix, size_t n)
{
	size_t cap = 16;

	while (cap / 10 * 7 < n) {
		if (cap > SIZE_MAX / 4)
			return TRIAGE_ENOMEM;
		cap *= 2;
	}
	if (ix->slots && cap <= ix->mask + 1)
		return 0;
	return index_rehash(ix, cap);
}

uint32_t tprof_index_find(const struct tprof_index *ix, uint64_t hash,
			  tprof_index_eq eq, const void *ctx, const void *key)
{
	uint32_t h = (uint32_t)hash;
	size_t i;

	if (!ix->slots)
		return TPROF_INDEX_NONE;
	for (i = h & ix->mask; ix->slots[i].pos; i = (i + 1) & ix->mask) {
		if (ix->slots[i].hash == h &&
		    eq(ctx, ix->slots[i].pos - 1, key))
			return ix->slots[i].pos - 1;
	}
	return TPROF_INDEX_NONE;
}

int tprof_index_add(struct tprof_index *ix, uint64_t hash, uint32_t pos)
{
	uint32_t h = (uint32_t)hash;
	size_t i;
	int err;

	if (pos > TPROF_INDEX_MAX)
		return TRIAGE_ENOMEM;
	err = tprof_index_reserve(ix, ix->count + 1);
	if (err)
		return err;
	for (i = h & ix->mask; ix->slots[i].pos; i = (i + 1) & ix->mask)
		;
	ix->slots[i].hash = h;
	ix->slots[i].pos = pos + 1;
	ix->count++;
	return 0;
}
