/*
 * span_current.c - one span context per thread (see span_current.h).
 *
 * A plain thread-local: reading it takes no lock and no call into the
 * dynamic linker once the thread has touched it, so the logger can read
 * it on every line and a signal handler can read it too. The
 * initial-exec model keeps the access a %fs-relative load; libtriage is
 * loaded at startup (preloaded or linked), where that model is allowed.
 */
#include "span_current.h"

#include <string.h>

static __thread struct triage_span_context current
    __attribute__((tls_model("initial-exec")));

static int valid(const struct triage_span_context *ctx)
{
	static const uint8_t zero[16];

	return memcmp(ctx->trace_id, zero, sizeof(ctx->trace_id)) != 0 &&
	       memcmp(ctx->span_id, zero, sizeof(ctx->span_id)) != 0;
}

void span_current_set(const struct triage_span_context *ctx,
		      struct triage_span_context *prev)
{
	if (prev)
		*prev = current;
	if (ctx)
		current = *ctx;
	else
		memset(&current, 0, sizeof(current));
}

int triage_span_current(struct triage_span_context *out)
{
	if (!valid(&current))
		return TRIAGE_ESTATE;
	*out = current;
	return 0;
}
