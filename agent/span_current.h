/*
 * span_current.h - the calling thread's current span, which the logger
 * reads for every line and spans set and restore.
 */
#ifndef TRIAGE_SPAN_CURRENT_H
#define TRIAGE_SPAN_CURRENT_H

#include "triage.h"

#include <stdbool.h>

/* What a thread knows of the span it works for: the W3C context, and
 * the span's parent (all zero for a root span), which the logger writes
 * so that `triage logs` can nest a request's spans. */
struct span_current {
	struct triage_span_context ctx;
	uint8_t parent_id[8];
};

/*
 * Makes `cur` the calling thread's current span, or clears it when `cur`
 * is NULL. Stores the previous one in *prev when `prev` is not NULL (none
 * reads back as all zero), so a caller can put it back.
 */
void span_current_set(const struct span_current *cur,
		      struct span_current *prev);

/* Copies the current span into *out; returns false (and zeroes *out)
 * when the thread has none. Async-signal-safe. */
bool span_current_get(struct span_current *out);

#endif
