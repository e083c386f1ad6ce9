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

/* 62 frames make a slot exactly 512 bytes: whole cache lines. */
#define RING_MAX_DEPTH 62

struct ring_slot {
	uint64_t seq;
	pid_t tid;
	uint16_t depth;
	uint16_t weight; /* timer periods this sample stands for */
	uint64_t pcs[RING_MAX_DEPTH];
};

/* Producers and the consumer write different cache lines. */
struct sample_ring {
	struct ring_slot *slots;
	size_t size; /* a power of two */
	uint64_t head __attribute__((aligned(64))); /* next to reserve */
	uint64_t dropped;
	uint64_t tail __attribute__((aligned(64))); /* next to drain */
};

/* Maps `nslots` (rounded up to a power of two) slots. */
int ring_init(struct sample_ring *r, size_t nslots);
void ring_destroy(struct sample_ring *r);

/* Empties the ring; only when no handler can be using it. */
void ring_reset(struct sample_ring *r);

/* Async-signal-safe. NULL when the ring is full (the drop is counted). */
struct ring_slot *ring_reserve(struct sample_ring *r);
void ring_commit(struct sample_ring *r, struct ring_slot *s);

/* Consumer side: the oldest committed slot or NULL, then release it. */
struct ring_slot *ring_peek(struct sample_ring *r);
void ring_release(struct sample_ring *r, struct ring_slot *s);

#endif
