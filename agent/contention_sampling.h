/*
 * contention_sampling.h - which contention and blocking events the
 * profiles record (internal).
 *
 * The rules are Go's, so that an operator who knows
 * SetMutexProfileFraction and SetBlockProfileRate reads triage's
 * profiles the same way:
 * - mutex: one contended lock in `fraction` on average, each picked at
 *   random; the profile multiplies what it recorded by `fraction`;
 * - block: a wait of `rate` ns or more always; a shorter wait of d ns
 *   with probability (d + 1) / rate; values are not scaled.
 * Random numbers come from a per-thread xorshift generator: no lock, no
 * system call, good enough to pick samples.
 */
#ifndef TRIAGE_AGENT_CONTENTION_SAMPLING_H
#define TRIAGE_AGENT_CONTENTION_SAMPLING_H

#include <stdbool.h>
#include <stdint.h>

/* The next number of a xorshift64* generator; a zero state is seeded. */
static inline uint64_t cont_rand(uint64_t *state)
{
	uint64_t x = *state;

	if (!x)
		x = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Whether to record a contended lock; `r` is a fresh random number. */
static inline bool cont_mutex_sampled(int fraction, uint64_t r)
{
	if (fraction <= 0)
		return false;
	return fraction == 1 || r % (uint64_t)fraction == 0;
}

/* Whether to record a wait of `delay_ns`; `r` is a fresh random number. */
static inline bool cont_block_sampled(long rate, int64_t delay_ns, uint64_t r)
{
	if (rate <= 0)
		return false;
	if (delay_ns >= rate)
		return true;
	return delay_ns >= 0 && r % (uint64_t)rate <= (uint64_t)delay_ns;
}

#endif
