/*
 * heap_sampler.c - random intervals between heap samples, and the
 * scaling of sampled records back to estimates (see heap_sampler.h).
 */
#include "heap_sampler.h"

#include <math.h>

/* An interval so long that it never ends, for absurd rates. */
#define NEVER (INT64_C(1) << 62)

uint64_t heap_rng_seed(uint64_t a, uint64_t b)
{
	/* splitmix64 of the mix: neighbouring inputs give unrelated seeds. */
	uint64_t z = a * 0x9e3779b97f4a7c15ull + b;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return z ? z : 0x2545f4914f6cdd1dull;
}

uint64_t heap_rng_next(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

int64_t heap_next_interval(long rate, uint64_t *rng)
{
	double u, e;

	if (rate <= 1)
		return 0;
	/* u uniform in (0, 1]: 53 random bits, never 0, so log(u) is
	 * finite and -log(u) >= 0. */
	u = (double)((heap_rng_next(rng) >> 11) + 1) * 0x1p-53;
	e = -log(u) * (double)rate;
	if (e >= (double)NEVER)
		return NEVER;
	return (int64_t)e + 1;
}

void heap_unsample(int64_t count, int64_t bytes, long rate, int64_t *count_out,
		   int64_t *bytes_out)
{
	double avg, scale;

	if (count == 0 || bytes == 0) {
		*count_out = 0;
		*bytes_out = 0;
		return;
	}
	if (rate <= 1) {
		*count_out = count;
		*bytes_out = bytes;
		return;
	}
	avg = (double)bytes / (double)count;
	scale = 1 / (1 - exp(-avg / (double)rate));
	*count_out = (int64_t)((double)count * scale);
	*bytes_out = (int64_t)((double)bytes * scale);
}
