/*
 * otlp_queue.h - the bounded queue between the threads that end spans
 * and the exporter thread (internal).
 *
 * A ring of cells with a sequence number each (Vyukov's bounded MPMC
 * queue): a push or a pop is one compare-and-swap on its own index, no
 * lock, no system call, so ending a span never waits for the exporter.
 * A push to a full queue fails at once; the caller counts the loss.
 */
#ifndef TRIAGE_AGENT_OTLP_QUEUE_H
#define TRIAGE_AGENT_OTLP_QUEUE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

struct oq_cell {
	atomic_size_t seq;
	void *item;
};

struct otlp_queue {
	struct oq_cell *cells;
	size_t mask; /* capacity - 1; the capacity is a power of two */
	_Alignas(64) atomic_size_t head; /* next push */
	_Alignas(64) atomic_size_t tail; /* next pop */
};

/* Makes a queue of `capacity` items (rounded up to a power of two, at
 * least 2). TRIAGE_ENOMEM when out of memory. */
int oq_init(struct otlp_queue *q, size_t capacity);

/* Empties the queue without looking at its items (a forked child
 * forgets its parent's spans). Only while nobody else uses it. */
void oq_reset(struct otlp_queue *q);

/* Adds `item`; false when the queue is full. */
bool oq_push(struct otlp_queue *q, void *item);

/* Takes the oldest item; NULL when the queue is empty. */
void *oq_pop(struct otlp_queue *q);

/* Items in the queue, as of some recent moment. */
size_t oq_len(struct otlp_queue *q);

static inline size_t oq_capacity(const struct otlp_queue *q)
{
	return q->mask + 1;
}

#endif
