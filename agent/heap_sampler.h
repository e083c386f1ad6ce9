/*
 * heap_sampler.h - the arithmetic of heap sampling (internal).
 *
 * Allocations are sampled as a Poisson process over allocated bytes,
 * as tcmalloc and Go do: each thread counts down the bytes to its next
 * sample, an interval drawn from an exponential distribution of mean
 * `rate`, so that an allocation of S bytes is sampled with probability
 * 1 - exp(-S / rate) whatever came before it. A profile then scales
 * each sampled record back up by the inverse of that probability.
 *
 * Pure functions of their arguments: no allocation, no locks, safe in
 * an allocation hook.
 */
#ifndef TRIAGE_AGENT_HEAP_SAMPLER_H
#define TRIAGE_AGENT_HEAP_SAMPLER_H

#include <stdint.h>

/* A seed for heap_rng_next() from two values that differ per thread. */
uint64_t heap_rng_seed(uint64_t a, uint64_t b);

/* The next 64 random bits (xorshift64*); `*state` is never 0. */
uint64_t heap_rng_next(uint64_t *state);

/*
 * Bytes to count down before the next sample: floor(E) + 1 with E
 * exponential of mean `rate`, so that "sample when an allocation of S
 * bytes reaches the countdown" happens with probability
 * 1 - exp(-S / rate) for every integer S. A rate of 1 returns 0: every
 * allocation, even of 0 bytes, is sampled, as in Go.
 */
int64_t heap_next_interval(long rate, uint64_t *rng);

/*
 * Go's un-sampling of one record of `count` sampled blocks of `bytes`
 * in all: both are divided by the probability that a block of the
 * record's average size is sampled. A rate <= 1 leaves them as they
 * are; a zero count or size gives zeros.
 */
void heap_unsample(int64_t count, int64_t bytes, long rate, int64_t *count_out,
		   int64_t *bytes_out);

#endif
