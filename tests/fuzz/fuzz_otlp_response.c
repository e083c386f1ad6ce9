/*
 * fuzz_otlp_response.c - what the span exporter reads from a receiver:
 * the body of its answer (an ExportTraceServiceResponse) and the
 * Retry-After header. Never a crash; a wait is never negative nor past
 * the cap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "otlp_encode.h"
#include "otlp_exporter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t rejected;
	uint8_t *copy = malloc(size ? size : 1);
	long ms;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (otlp_decode_response(copy, size, &rejected) == 0 && rejected < 0)
		__builtin_trap();
	if (otlp_retry_after((const char *)copy, size, 1700000000, &ms) == 0 &&
	    (ms < 0 || ms > OTLP_RETRY_AFTER_MAX_MS))
		__builtin_trap();
	free(copy);
	return 0;
}
