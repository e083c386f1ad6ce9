/*
 * stack_table.c - a hash table of (thread, stack) -> count.
 *
 * Entries live in an array in insertion order and their program
 * counters in one pool, so a profile of many samples makes few
 * allocations; the index is open-addressed and doubles at half full.
 */
#include "stack_table.h"

#include "triage.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void stack_table_init(struct stack_table *t)
{
	memset(t, 0, sizeof(*t));
}

void stack_table_free(struct stack_table *t)
{
	free(t->entries);
	free(t->index);
	free(t->pool);
	memset(t, 0, sizeof(*t));
}

static uint64_t hash_stack(pid_t tid, const uint64_t *pcs, int depth)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ (uint64_t)tid;
	int i;

	for (i = 0; i < depth; i++) {
		h ^= pcs[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return h ^ (uint64_t)depth;
}

static bool same(const struct stack_table *t, const struct stack_entry *e,
		 uint64_t h, pid_t tid, const uint64_t *pcs, int depth)
{
	return e->hash == h && e->tid == tid && e->depth == depth &&
	       !memcmp(t->pool + e->pcs_at, pcs, depth * sizeof(*pcs));
}

static int grow_index(struct stack_table *t)
{
	size_t size = t->index_size ? t->index_size * 2 : 1024, i;
	uint32_t *index = calloc(size, sizeof(*index));

	if (!index)
		return TRIAGE_ENOMEM;
	for (i = 0; i < t->nentries; i++) {
		size_t at = t->entries[i].hash & (size - 1);

		while (index[at])
			at = (at + 1) & (size - 1);
		index[at] = (uint32_t)(i + 1);
	}
	free(t->index);
	t->index = index;
	t->index_size = size;
	return 0;
}

static int reserve(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 256;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * elem);
	if (!q)
		return TRIAGE_ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

int stack_table_add(struct stack_table *t, pid_t tid, const uint64_t *pcs,
		    int depth, int64_t count)
{
	uint64_t h = hash_stack(tid, pcs, depth);
	struct stack_entry *e;
	size_t at;

	if ((t->nentries + 1) * 2 > t->index_size && grow_index(t))
		return TRIAGE_ENOMEM;
	at = h & (t->index_size - 1);
	for (; t->index[at]; at = (at + 1) & (t->index_size - 1)) {
		e = &t->entries[t->index[at] - 1];
		if (same(t, e, h, tid, pcs, depth)) {
			e->count += count;
			return 0;
		}
	}
	if (reserve((void **)&t->entries, &t->cap_entries, t->nentries + 1,
		    sizeof(*t->entries)) ||
	    reserve((void **)&t->pool, &t->cap_pool, t->npool + depth,
		    sizeof(*t->pool)))
		return TRIAGE_ENOMEM;
	e = &t->entries[t->nentries];
	e->hash = h;
	e->tid = tid;
	e->depth = depth;
	e->pcs_at = t->npool;
	e->count = count;
	memcpy(t->pool + t->npool, pcs, depth * sizeof(*pcs));
	t->npool += depth;
	t->index[at] = (uint32_t)++t->nentries;
	return 0;
}
