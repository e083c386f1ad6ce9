/*
 * cpu_shares - a CPU-bound program with three functions of known CPU
 * shares (50%, 30%, 20%), for checking what a profile reports.
 *
 * Each share is measured in the thread's own CPU time (burn.h). Built with -O2 and
 * without frame pointers; every function is noinline so its name is
 * what the profile must show, and the call chain is
 * main -> run_rounds -> stage_{alpha,beta,gamma} -> burn_{alpha,beta,gamma}.
 *
 * usage: cpu_shares SECONDS
 */
#include "burn.h"

#include <stdio.h>
#include <stdlib.h>

BURN_FUNCTION(burn_alpha)
BURN_FUNCTION(burn_beta)
BURN_FUNCTION(burn_gamma)

NOINLINE void stage_alpha(double s)
{
	burn_alpha(s);
	burn_sink += 1;
}

NOINLINE void stage_beta(double s)
{
	burn_beta(s);
	burn_sink += 1;
}

NOINLINE void stage_gamma(double s)
{
	burn_gamma(s);
	burn_sink += 1;
}

NOINLINE void run_rounds(double seconds)
{
	long long end = burn_thread_ns() + (long long)(seconds * 1e9);
	/* 13.7 ms a round: no multiple of a sampling period, so sampling
	 * never falls into step with the rounds. */
	const double quantum = 0.0137;

	while (burn_thread_ns() < end) {
		stage_alpha(quantum * 5 / 10);
		stage_beta(quantum * 3 / 10);
		stage_gamma(quantum * 2 / 10);
	}
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? strtod(argv[1], NULL) : 3;

	run_rounds(seconds);
	printf("done %.1f\n", seconds);
	return 0;
}
