/*
 * fuzz_metrics_accept.c - content negotiation of /metrics on arbitrary
 * Accept headers: never a crash, and the Content-Type always names the
 * format that was chosen.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *accept = malloc(size + 1);
	const char *ct = NULL;
	enum triage_metric_format f;

	if (!accept)
		return 0;
	memcpy(accept, data, size);
	accept[size] = '\0';
	f = metrics_negotiate(accept, &ct);
	if (!ct)
		__builtin_trap();
	if ((f == TRIAGE_METRIC_OPENMETRICS) !=
	    (strncmp(ct, "application/openmetrics-text", 28) == 0))
		__builtin_trap();
	if (f == TRIAGE_METRIC_TEXT && strcmp(ct, "text/plain; version=0.0.4; "
						  "charset=utf-8"))
		__builtin_trap();
	free(accept);
	return 0;
}
