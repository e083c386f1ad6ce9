/*
 * span_current.h - the calling thread's current span context, which the
 * logger reads for every line and spans set and restore.
 */
#ifndef TRIAGE_SPAN_CURRENT_H
#define TRIAGE_SPAN_CURRENT_H

#include "triage.h"

/*
 * Makes `ctx` the calling thread's current context, or clears it when
 * `ctx` is NULL. Stores the previous one in *prev when `prev` is not
 * NULL (a cleared context reads back as all zero), so a caller can put
 * it back.
 */
void span_current_set(const struct triage_span_context *ctx,
		      struct triage_span_context *prev);

#endif
