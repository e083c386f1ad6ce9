/*
 * heap_pair_cost - the time of one malloc/free pair of a small block,
 * for bench/heap_overhead.sh, which runs it with and without libtriage
 * preloaded and subtracts.
 *
 * usage: heap_pair_cost [PAIRS]
 *
 * Allocates and frees blocks of 16 to 256 bytes in turn (the sizes
 * glibc serves from its per-thread cache, its fastest path) PAIRS times
 * per batch, in 7 batches, and prints the fastest batch's time per pair
 * as ns_per_pair=: the least disturbed by other processes, which only
 * ever add time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BATCHES 7

/* Through a volatile, so the compiler cannot drop the pair. */
static void *volatile sink;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t batch(long pairs)
{
	int64_t t0 = now_ns();
	long i;

	for (i = 0; i < pairs; i++) {
		sink = malloc(16 + (size_t)(i & 15) * 16);
		free(sink);
	}
	return now_ns() - t0;
}

int main(int argc, char **argv)
{
	long pairs = argc > 1 ? strtol(argv[1], NULL, 10) : 5000000;
	int64_t best = INT64_MAX, t;
	int b;

	if (pairs < 1) {
		fprintf(stderr, "usage: heap_pair_cost [PAIRS]\n");
		return 2;
	}
	batch(pairs / 10); /* warm the cache and the lazy bindings */
	for (b = 0; b < BATCHES; b++) {
		t = batch(pairs);
		if (t < best)
			best = t;
	}
	printf("ns_per_pair=%.2f\n", (double)best / (double)pairs);
	return 0;
}
