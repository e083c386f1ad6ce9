/*
 * unwind_cache.c - the per-PC cache of simple frame rules, shared by all
 * threads and filled from signal handlers.
 *
 * Most frames need only "CFA = rsp or rbp + N; the return address and a
 * few callee-saved registers at small offsets from the CFA", which packs
 * into 16 bytes (struct tunw_simple). Decoding it from the CFI costs
 * hundreds of nanoseconds; finding it here costs a few.
 *
 * The table is open-addressed with a short probe window. Each slot is a
 * sequence lock: a writer moves the counter from even to odd with a CAS
 * (or gives up: it is only a cache, and the slot may be held by the very
 * code our handler interrupted), writes, and releases it at even + 2. A
 * reader takes the data only if it saw the same even counter before and
 * after (tunw_cache_get() in unwind_internal.h). Entries carry the snapshot
 * generation they were decoded under, so a dlclose/dlopen at the same address
 * cannot serve a stale rule.
 */
#include "unwind_internal.h"

#include <sys/mman.h>

struct tunw_slot *tunw_cache_slots;

#define SLOTS_BYTES (TUNW_CACHE_SLOTS * sizeof(struct tunw_slot))

_Static_assert(TUNW_CACHE_SLOTS == 1u << 14,
	       "tunw_cache_index() folds to 14 bits");

int tunw_cache_create(void)
{
	void *p = mmap(NULL, SLOTS_BYTES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	__atomic_store_n(&tunw_cache_slots, (struct tunw_slot *)p,
			 __ATOMIC_RELEASE);
	return 0;
}

void tunw_cache_destroy(void)
{
	struct tunw_slot *p =
	    __atomic_exchange_n(&tunw_cache_slots, NULL, __ATOMIC_ACQ_REL);

	if (p)
		munmap(p, SLOTS_BYTES);
}

/* The slot to write pc into: its own, else an empty one, else one of the
 * window picked by the PC's hash bits. */
static struct tunw_slot *victim(struct tunw_slot *tab, uint64_t pc)
{
	uint32_t h = tunw_cache_index(pc), i;
	struct tunw_slot *s, *empty = NULL;
	uint64_t at;

	for (i = 0; i < TUNW_CACHE_PROBES; i++) {
		s = &tab[(h + i) & (TUNW_CACHE_SLOTS - 1)];
		at = __atomic_load_n(&s->pc, __ATOMIC_RELAXED);
		if (at == pc)
			return s;
		if (at == 0 && !empty)
			empty = s;
	}
	if (empty)
		return empty;
	i = (uint32_t)(pc * 0x9e3779b97f4a7c15ull >> 32) % TUNW_CACHE_PROBES;
	return &tab[(h + i) & (TUNW_CACHE_SLOTS - 1)];
}

void tunw_cache_put(uint64_t pc, uint32_t gen, const struct tunw_simple *r)
{
	struct tunw_slot *tab, *s;
	uint32_t seq;

	tab = __atomic_load_n(&tunw_cache_slots, __ATOMIC_ACQUIRE);
	if (!tab || pc == 0)
		return;
	s = victim(tab, pc);
	seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
	if ((seq & 1) ||
	    !__atomic_compare_exchange_n(&s->seq, &seq, seq + 1, false,
					 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&s->pc, pc, __ATOMIC_RELAXED);
	__atomic_store_n(&s->gen, gen, __ATOMIC_RELAXED);
	__atomic_store_n(&s->a, r->a, __ATOMIC_RELAXED);
	__atomic_store_n(&s->b, r->b, __ATOMIC_RELAXED);
	__atomic_store_n(&s->seq, seq + 2, __ATOMIC_RELEASE);
}
