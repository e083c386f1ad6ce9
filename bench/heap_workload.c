/*
 * heap_workload - a malloc-heavy service loop, for the heap profiler's
 * overhead benchmark (bench/heap_overhead.sh).
 *
 * usage: heap_workload THREADS REQUESTS
 *
 * Each thread serves REQUESTS requests. A request allocates 8 blocks
 * (mostly 16 bytes to 1 KiB, some up to 16 KiB: the sizes of strings,
 * nodes and buffers), writes each and reads it back into a checksum,
 * then frees 7 of them and puts the eighth in a cache of 4096 entries,
 * freeing the entry it replaces: short-lived garbage and a working set
 * that churns, the two shapes of a service's heap. About half of the
 * time goes to malloc and free.
 *
 * Prints work_ns (wall time of the request loops) and cpu_ns (CPU time
 * of the process in them).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PER_REQUEST 8
#define CACHE 4096

struct worker {
	pthread_t thread;
	long requests;
	uint64_t rng;
	uint64_t sum;
	void *cache[CACHE];
};

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static size_t request_size(uint64_t *rng)
{
	uint64_t r = next_rand(rng);

	if (r % 16 == 0)
		return 1024 + (r >> 8) % (15 * 1024); /* buffers */
	return 16 + (r >> 8) % 1008;		      /* strings, nodes */
}

/* Writes a block the way code fills a buffer, and reads it back. */
static uint64_t use(unsigned char *p, size_t n, uint64_t seed)
{
	uint64_t h = seed;
	size_t i;

	memset(p, (int)(seed & 0xff), n);
	for (i = 0; i < n; i += 64)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static void *serve(void *arg)
{
	struct worker *w = arg;
	unsigned char *blocks[PER_REQUEST];
	long r;
	int i;

	for (r = 0; r < w->requests; r++) {
		for (i = 0; i < PER_REQUEST; i++) {
			size_t n = request_size(&w->rng);

			blocks[i] = malloc(n);
			w->sum += use(blocks[i], n, w->sum + (uint64_t)i);
		}
		for (i = 1; i < PER_REQUEST; i++)
			free(blocks[i]);
		i = (int)(next_rand(&w->rng) % CACHE);
		free(w->cache[i]);
		w->cache[i] = blocks[0];
	}
	for (i = 0; i < CACHE; i++)
		free(w->cache[i]);
	return NULL;
}

static int64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	static struct worker w[64];
	int threads = argc > 1 ? atoi(argv[1]) : 1, i;
	long requests = argc > 2 ? atol(argv[2]) : 1000000;
	int64_t t0, c0;
	uint64_t sum = 0;

	if (threads < 1 || threads > 64 || requests < 1) {
		fprintf(stderr, "usage: heap_workload THREADS REQUESTS\n");
		return 2;
	}
	t0 = now_ns(CLOCK_MONOTONIC);
	c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	for (i = 0; i < threads; i++) {
		w[i].requests = requests;
		w[i].rng = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
		if (pthread_create(&w[i].thread, NULL, serve, &w[i]))
			return 1;
	}
	for (i = 0; i < threads; i++) {
		pthread_join(w[i].thread, NULL);
		sum += w[i].sum;
	}
	printf("work_ns=%lld\ncpu_ns=%lld\nchecksum=%llx\n",
	       (long long)(now_ns(CLOCK_MONOTONIC) - t0),
	       (long long)(now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0),
	       (unsigned long long)sum);
	return 0;
}
