/*
 * span_current.c - one current span per thread (see span_current.h).
 *
 * A plain thread-local: reading it takes no lock and no call into the
 * dynamic linker, so the logger can read it on every line and a signal
 * handler can read it too. The initial-exec model keeps the access a
 * %fs-relative load; libtriage is loaded at startup (preloaded or
 * linked), where that model is allowed.
 */
#include "span_current.h"

#include <stdbool.h>
#include <string.h>

static __thread struct span_current current
    __attribute__((tls_model("initial-exec")));

static bool valid(const struct triage_span_context *ctx)
{
	static const uint8_t zero[16];

	return memcmp(ctx->trace_id, zero, sizeof(ctx->trace_id)) != 0 &&
	       memcmp(ctx->span_id, zero, sizeof(ctx->span_id)) != 0;
}

void span_current_set(const struct span_current *cur,
		      struct span_current *prev)
{
	if (prev)
		*prev = current;
	if (cur)
		current = *cur;
	else
		memset(&current, 0, sizeof(current));
}

bool span_current_get(struct span_current *out)
{
	if (!valid(&current.ctx)) {
		memset(out, 0, sizeof(*out));
		return false;
	}
	*out = current;
	return true;
}

int triage_span_current(struct triage_span_context *out)
{
	if (!valid(&current.ctx))
		return TRIAGE_ESTATE;
	*out = current.ctx;
	return 0;
}
