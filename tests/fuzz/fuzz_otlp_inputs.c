/*
 * fuzz_otlp_inputs.c - what the span exporter reads from outside: the
 * receiver's answer (an ExportTraceServiceResponse), its Retry-After
 * header, and the headers variable (TRIAGE_OTLP_HEADERS). Never a
 * crash; a wait is never negative nor past the cap; an accepted header
 * list holds no line break.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "otlp_encode.h"
#include "otlp_exporter.h"
#include "otlp_headers.h"

static void check_headers(const char *spec)
{
	struct curl_slist *h, *l;

	if (otlp_parse_headers(spec, &h))
		return;
	for (l = h; l; l = l->next)
		if (strpbrk(l->data, "\r\n") || !strstr(l->data, ": "))
			__builtin_trap();
	curl_slist_free_all(h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size + 1);
	int64_t rejected;
	long ms;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (otlp_decode_response(copy, size, &rejected) == 0 && rejected < 0)
		__builtin_trap();
	if (otlp_retry_after((const char *)copy, size, 1700000000, &ms) == 0 &&
	    (ms < 0 || ms > OTLP_RETRY_AFTER_MAX_MS))
		__builtin_trap();
	copy[size] = '\0';
	check_headers((const char *)copy);
	free(copy);
	return 0;
}
