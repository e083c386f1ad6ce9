/*
 * burn.h - CPU burning for the test programs.
 *
 * Work is measured on the thread's own CPU clock, not in loop counts,
 * so a share of CPU holds on a loaded machine. BURN_FUNCTION defines a
 * named function with the loop inside it, so a profile's flat time lands
 * on that name; the clock is read rarely, so it is a negligible part of
 * the profile.
 */
#ifndef TRIAGE_TEST_BURN_H
#define TRIAGE_TEST_BURN_H

#include <time.h>

#define NOINLINE __attribute__((noinline))

static volatile double burn_sink;

static inline long long burn_thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Spins until this thread has used `ns` more nanoseconds of CPU. */
#define BURN_LOOP(ns)                                                   \
	do {                                                            \
		long long end_ = burn_thread_ns() + (long long)(ns);    \
		double x_ = burn_sink;                                  \
		do {                                                    \
			for (int i_ = 0; i_ < 20000; i_++)              \
				x_ = x_ * 1.0000001 + 0.5;              \
		} while (burn_thread_ns() < end_);                      \
		burn_sink = x_;                                         \
	} while (0)

/* Defines `void name(double seconds)`; not a tail call, so a caller's
 * frame stays on the stack below it. */
#define BURN_FUNCTION(name)                                             \
	NOINLINE void name(double seconds)                              \
	{                                                               \
		BURN_LOOP(seconds * 1e9);                               \
		burn_sink += 1;                                         \
	}

#endif
