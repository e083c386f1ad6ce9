/*
 * sample_ring.c - lock-free bounded queue of stack samples.
 *
 * Each slot's sequence number says whose turn it is: equal to the
 * position when free for the producer of that position, position + 1
 * once committed, and position + size after the consumer released it.
 */
#include "sample_ring.h"

#include "triage.h"

#include <stdbool.h>
#include <sys/mman.h>

void ring_reset(struct sample_ring *r)
{
	size_t i;

	r->head = r->tail = r->dropped = 0;
	for (i = 0; i < r->size; i++)
		r->slots[i].seq = i;
}

int ring_init(struct sample_ring *r, size_t nslots)
{
	size_t size = 1;
	void *p;

	while (size < nslots)
		size <<= 1;
	p = mmap(NULL, size * sizeof(struct ring_slot),
		 PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return TRIAGE_ENOMEM;
	r->slots = p;
	r->size = size;
	ring_reset(r);
	return 0;
}

void ring_destroy(struct sample_ring *r)
{
	if (r->slots)
		munmap(r->slots, r->size * sizeof(struct ring_slot));
	r->slots = NULL;
}

struct ring_slot *ring_reserve(struct sample_ring *r)
{
	uint64_t pos = __atomic_load_n(&r->head, __ATOMIC_RELAXED);

	for (;;) {
		struct ring_slot *s = &r->slots[pos & (r->size - 1)];
		uint64_t seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		int64_t dif = (int64_t)(seq - pos);

		if (dif == 0) {
			if (__atomic_compare_exchange_n(&r->head, &pos, pos + 1,
							true, __ATOMIC_RELAXED,
							__ATOMIC_RELAXED))
				return s;
		} else if (dif < 0) {
			__atomic_fetch_add(&r->dropped, 1, __ATOMIC_RELAXED);
			return NULL;
		} else {
			pos = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
		}
	}
}

void ring_commit(struct sample_ring *r, struct ring_slot *s)
{
	uint64_t pos = s->seq;

	__atomic_store_n(&s->seq, pos + 1, __ATOMIC_RELEASE);
}

struct ring_slot *ring_peek(struct sample_ring *r)
{
	struct ring_slot *s = &r->slots[r->tail & (r->size - 1)];
	uint64_t seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);

	return seq == r->tail + 1 ? s : NULL;
}

void ring_release(struct sample_ring *r, struct ring_slot *s)
{
	__atomic_store_n(&s->seq, r->tail + r->size, __ATOMIC_RELEASE);
	r->tail++;
}
