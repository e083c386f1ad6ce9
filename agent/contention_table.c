/*
 * contention_table.c - a lock-free table of waiting stacks (see
 * contention_table.h).
 *
 * A writer that meets an empty index slot claims the next free entry,
 * fills it, and publishes it by a compare-and-swap on the slot. When two
 * threads race to publish the same new stack, the loser finds the
 * winner's entry on its next look and adds there; the entry it filled
 * stays unused, a few hundred bytes at most per race.
 */
#include "contention_table.h"

#include "triage.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

/* At most half the index is ever full, so probes are short; a stack
 * that finds no slot within this many is counted as lost. */
#define MAX_PROBES 64

int cont_table_init(struct cont_table *t, uint32_t cap)
{
	size_t esize = (size_t)cap * sizeof(*t->entries);
	size_t isize = (size_t)cap * 2 * sizeof(*t->index);
	void *e, *ix;

	memset(t, 0, sizeof(*t));
	if (cap == 0 || (cap & (cap - 1)))
		return TRIAGE_EINVAL;
	/* Pages are touched only as stacks arrive. */
	e = mmap(NULL, esize, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ix = mmap(NULL, isize, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (e == MAP_FAILED || ix == MAP_FAILED) {
		if (e != MAP_FAILED)
			munmap(e, esize);
		if (ix != MAP_FAILED)
			munmap(ix, isize);
		return TRIAGE_ENOMEM;
	}
	t->entries = e;
	t->index = ix;
	t->cap = cap;
	return 0;
}

void cont_table_reset(struct cont_table *t)
{
	if (!t->index)
		return;
	memset(t->index, 0, (size_t)t->cap * 2 * sizeof(*t->index));
	t->used = 0;
	t->lost_count = 0;
	t->lost_delay = 0;
}

static uint64_t hash_stack(const uint64_t *pcs, int depth)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;
	int i;

	for (i = 0; i < depth; i++) {
		h ^= pcs[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return h ^ (uint64_t)depth;
}

static bool same(const struct cont_entry *e, uint64_t h, const uint64_t *pcs,
		 int depth)
{
	return e->hash == h && e->depth == depth &&
	       !memcmp(e->pcs, pcs, (size_t)depth * sizeof(*pcs));
}

static void charge(struct cont_entry *e, int64_t delay)
{
	__atomic_fetch_add(&e->count, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&e->delay, delay, __ATOMIC_RELAXED);
}

/* Claims and fills a fresh entry; -1 when the table is full. */
static int64_t claim(struct cont_table *t, uint64_t h, const uint64_t *pcs,
		     int depth)
{
	uint32_t n;
	struct cont_entry *e;

	if (__atomic_load_n(&t->used, __ATOMIC_RELAXED) >= t->cap)
		return -1;
	n = __atomic_fetch_add(&t->used, 1, __ATOMIC_RELAXED);
	if (n >= t->cap)
		return -1;
	e = &t->entries[n];
	e->hash = h;
	e->depth = depth;
	e->count = 0;
	e->delay = 0;
	memcpy(e->pcs, pcs, (size_t)depth * sizeof(*pcs));
	return n;
}

void cont_table_add(struct cont_table *t, const uint64_t *pcs, int depth,
		    int64_t delay_ns)
{
	uint32_t mask = t->cap * 2 - 1, at, v, probe;
	uint64_t h;
	int64_t mine = -1;

	if (!t->index || depth <= 0)
		return;
	if (depth > CONT_MAX_DEPTH)
		depth = CONT_MAX_DEPTH;
	h = hash_stack(pcs, depth);
	at = (uint32_t)h & mask;
	for (probe = 0; probe < MAX_PROBES; probe++, at = (at + 1) & mask) {
		v = __atomic_load_n(&t->index[at], __ATOMIC_ACQUIRE);
		if (!v) {
			if (mine < 0)
				mine = claim(t, h, pcs, depth);
			if (mine < 0)
				break;
			/* Publishes the entry: its contents are visible to
			 * whoever reads the slot with acquire. On failure,
			 * v holds the entry another thread put there. */
			if (__atomic_compare_exchange_n(
				&t->index[at], &v, (uint32_t)mine + 1, false,
				__ATOMIC_RELEASE, __ATOMIC_ACQUIRE)) {
				charge(&t->entries[mine], delay_ns);
				return;
			}
		}
		if (same(&t->entries[v - 1], h, pcs, depth)) {
			charge(&t->entries[v - 1], delay_ns);
			return;
		}
	}
	__atomic_fetch_add(&t->lost_count, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&t->lost_delay, delay_ns, __ATOMIC_RELAXED);
}

static int64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int cont_snapshot_take(const struct cont_table *t, struct cont_snapshot *s)
{
	uint32_t used = __atomic_load_n(&t->used, __ATOMIC_ACQUIRE), i, v;

	memset(s, 0, sizeof(*s));
	s->time_ns = now_ns(CLOCK_REALTIME);
	s->mono_ns = now_ns(CLOCK_MONOTONIC);
	s->n = used < t->cap ? used : t->cap;
	s->v = calloc(s->n ? s->n : 1, sizeof(*s->v));
	if (!s->v)
		return TRIAGE_ENOMEM;
	/* Entries published after `used` was read wait for the next
	 * snapshot; so do entries still being filled. */
	for (i = 0; t->index && i < t->cap * 2; i++) {
		v = __atomic_load_n(&t->index[i], __ATOMIC_ACQUIRE);
		if (v && v - 1 < s->n) {
			const struct cont_entry *e = &t->entries[v - 1];

			s->v[v - 1].count =
			    __atomic_load_n(&e->count, __ATOMIC_RELAXED);
			s->v[v - 1].delay =
			    __atomic_load_n(&e->delay, __ATOMIC_RELAXED);
		}
	}
	s->lost.count = __atomic_load_n(&t->lost_count, __ATOMIC_RELAXED);
	s->lost.delay = __atomic_load_n(&t->lost_delay, __ATOMIC_RELAXED);
	return 0;
}

void cont_snapshot_sub(struct cont_snapshot *s,
		       const struct cont_snapshot *base)
{
	uint32_t i, n = s->n < base->n ? s->n : base->n;

	for (i = 0; i < n; i++) {
		s->v[i].count -= base->v[i].count;
		s->v[i].delay -= base->v[i].delay;
	}
	s->lost.count -= base->lost.count;
	s->lost.delay -= base->lost.delay;
}

void cont_snapshot_free(struct cont_snapshot *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}
