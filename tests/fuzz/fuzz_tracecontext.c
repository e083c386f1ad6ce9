/*
 * fuzz_tracecontext.c - the W3C parsers on arbitrary bytes: never a
 * crash or an overread; an accepted traceparent formats back to a value
 * that parses to the same context; an accepted tracestate comes out
 * within 512 characters and reads back unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tracecontext.h"

static void check_traceparent(const char *s, size_t n)
{
	struct triage_span_context a, b;
	char out[56];

	if (tctx_parse_traceparent(s, n, &a))
		return;
	if (!tctx_valid(&a) || (a.flags & ~TCTX_FLAG_SAMPLED))
		__builtin_trap();
	if (triage_traceparent_format(&a, out) || strlen(out) != 55)
		__builtin_trap();
	if (tctx_parse_traceparent(out, 55, &b) || memcmp(&a, &b, sizeof(a)))
		__builtin_trap();
}

static void check_tracestate(const char *s, size_t n)
{
	char out[TSTATE_KEEP + 1], again[TSTATE_KEEP + 1];
	size_t len;

	if (tstate_parse(s, n, out))
		return;
	len = strlen(out);
	if (len > TSTATE_KEEP)
		__builtin_trap();
	if (tstate_parse(out, len, again) || strcmp(out, again))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so ASan sees any read past the end. */
	char *s = malloc(size ? size : 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	check_traceparent(s, size);
	check_tracestate(s, size);
	free(s);
	return 0;
}
