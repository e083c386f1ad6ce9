/*
 * otlp_queue.c - the exporter's bounded lock-free queue (see
 * otlp_queue.h).
 *
 * Cell i starts with seq == i. A producer that finds seq == head owns the
 * cell once its CAS moves head on; it stores the item and sets seq to
 * head + 1, which tells the consumer the item is there. The consumer
 * takes it when seq == tail + 1 and sets seq to tail + capacity, which
 * frees the cell for the producer one lap later.
 */
#include "otlp_queue.h"

#include "triage.h"

#include <stdint.h>
#include <stdlib.h>

int oq_init(struct otlp_queue *q, size_t capacity)
{
	size_t cap = 2;

	while (cap < capacity && cap < ((size_t)1 << 30))
		cap <<= 1;
	q->cells = calloc(cap, sizeof(*q->cells));
	if (!q->cells)
		return TRIAGE_ENOMEM;
	q->mask = cap - 1;
	oq_reset(q);
	return 0;
}

void oq_reset(struct otlp_queue *q)
{
	size_t i;

	for (i = 0; i <= q->mask; i++) {
		atomic_init(&q->cells[i].seq, i);
		q->cells[i].item = NULL;
	}
	atomic_init(&q->head, 0);
	atomic_init(&q->tail, 0);
}

bool oq_push(struct otlp_queue *q, void *item)
{
	size_t pos = atomic_load_explicit(&q->head, memory_order_relaxed);
	struct oq_cell *c;

	for (;;) {
		intptr_t diff;

		c = &q->cells[pos & q->mask];
		diff = (intptr_t)atomic_load_explicit(&c->seq,
						      memory_order_acquire) -
		       (intptr_t)pos;
		if (diff == 0) {
			if (atomic_compare_exchange_weak_explicit(
				&q->head, &pos, pos + 1, memory_order_relaxed,
				memory_order_relaxed))
				break;
		} else if (diff < 0) {
			return false; /* a lap behind: full */
		} else {
			pos = atomic_load_explicit(&q->head,
						   memory_order_relaxed);
		}
	}
	c->item = item;
	atomic_store_explicit(&c->seq, pos + 1, memory_order_release);
	return true;
}

void *oq_pop(struct otlp_queue *q)
{
	size_t pos = atomic_load_explicit(&q->tail, memory_order_relaxed);
	struct oq_cell *c;
	void *item;

	for (;;) {
		intptr_t diff;

		c = &q->cells[pos & q->mask];
		diff = (intptr_t)atomic_load_explicit(&c->seq,
						      memory_order_acquire) -
		       (intptr_t)(pos + 1);
		if (diff == 0) {
			if (atomic_compare_exchange_weak_explicit(
				&q->tail, &pos, pos + 1, memory_order_relaxed,
				memory_order_relaxed))
				break;
		} else if (diff < 0) {
			return NULL; /* empty */
		} else {
			pos = atomic_load_explicit(&q->tail,
						   memory_order_relaxed);
		}
	}
	item = c->item;
	atomic_store_explicit(&c->seq, pos + q->mask + 1, memory_order_release);
	return item;
}

size_t oq_len(struct otlp_queue *q)
{
	size_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);

	return head > tail ? head - tail : 0;
}
