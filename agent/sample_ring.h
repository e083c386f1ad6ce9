/*
 * sample_ring.h - the bounded queue between signal handlers and the
 * profiler's thread (internal).
 *
 * Handlers on any thread reserve a slot, unwind straight into it and
 * commit it; one consumer drains. It is lock-free (a sequence number per
 * slot, as in Vyukov's bounded queue), never allocates after init, and a
 * full ring drops the sample and counts the drop rather than wait.
 */
#ifndef TRIAGE_AGENT_SAMPLE_RING_H
#define TRIAGE_AGENT_SAMPLE_RING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RING_MAX_DEPTH 64

struct ring_slot {
	uint64_t seq;
	pid_t tid;
	int depth;
	uint64_t pcs[RING_MAX_DEPTH];
};

struct sample_ring {
	struct ring_slot *slots;
	size_t size; /* a power of two */
	uint64_t head; /* next slot to reserve (producers) */
	uint64_t tail; /* next slot to drain (the consumer) */
	uint64_t dropped;
};

/* Maps `nslots` (rounded up to a power of two) slots. */
int ring_init(struct sample_ring *r, size_t nslots);
void ring_destroy(struct sample_ring *r);

/* Async-signal-safe. NULL when the ring is full (the drop is counted). */
struct ring_slot *ring_reserve(struct sample_ring *r);
void ring_commit(struct sample_ring *r, struct ring_slot *s);

/* Consumer side: the oldest committed slot or NULL, then release it. */
struct ring_slot *ring_peek(struct sample_ring *r);
void ring_release(struct sample_ring *r, struct ring_slot *s);

#endif
