/*
 * fuzz_profile_decode.c - libFuzzer target for tprof_decode(): any input
 * is refused cleanly or decoded; a decoded profile must encode, decode
 * again, and keep its samples, locations and functions.
 */
#include <stdint.h>
#include <stdlib.h>

#include "profile.h"

/* Small enough that a bomb is refused long before the RSS limit. */
#define FUZZ_MAX_BYTES (8u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tprof *p, *q;
	uint8_t *buf;
	size_t len;
	char err[256];

	if (tprof_decode(data, size, FUZZ_MAX_BYTES, &p, err, sizeof(err)))
		return 0;
	if (tprof_encode(p, &buf, &len))
		abort();
	if (tprof_decode(buf, len, 0, &q, err, sizeof(err)))
		abort();
	if (q->nsamples != p->nsamples || q->nlocations != p->nlocations ||
	    q->nfunctions != p->nfunctions || q->nmappings != p->nmappings)
		abort();
	tprof_free(q);
	free(buf);
	tprof_free(p);
	return 0;
}
