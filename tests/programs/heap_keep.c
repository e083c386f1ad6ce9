/*
 * heap_keep - keeps an exact, known number of bytes from known
 * functions, one function per allocation call of the malloc family
 * (and, in heap_keep_cxx.cc, of C++'s new), for the heap profile tests.
 *
 * usage: HEAP_KEEP_N=N heap_keep FIFO
 *
 * Each keep_* function allocates N blocks of a fixed size and keeps
 * them; keep_before_main runs before main, keep_in_thread in a thread
 * started after main. Every function prints what it keeps:
 *   keep <function> <blocks> <bytes>    in use at the end
 *   alloc <function> <blocks> <bytes>   allocated, freed or not
 * then the program prints "ready" and reads commands from FIFO:
 *   free   frees the blocks of keep_freed, keep_cxx_freed and
 *          keep_realloc, then prints "freed"
 *   exit   exits
 * Built -O2 without frame pointers, as services are.
 */
#include "heap_keep.h"

#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif

#define MAX_BLOCKS 20000

static void *blocks[16][MAX_BLOCKS];
static long n_blocks;

void keep_report(const char *what, const char *func, long blocks_, long bytes)
{
	printf("%s %s %ld %ld\n", what, func, blocks_, bytes);
	fflush(stdout);
}

static long env_n(void)
{
	const char *s = getenv("HEAP_KEEP_N");
	long n = s ? strtol(s, NULL, 10) : 100;

	return n < 1 ? 1 : n > MAX_BLOCKS ? MAX_BLOCKS : n;
}

/* Writes into a block, as a program would, so nothing is optimised out. */
static void touch(void *p, size_t n)
{
	if (!p) {
		fprintf(stderr, "heap_keep: out of memory\n");
		exit(1);
	}
	memset(p, 0x5a, n < 64 ? n : 64);
}

NOINLINE static void keep_malloc(void **out, long n)
{
	for (long i = 0; i < n; i++) {
		out[i] = malloc(8192);
		touch(out[i], 8192);
	}
	keep_report("keep", __func__, n, n * 8192);
}

NOINLINE static void keep_calloc(void **out, long n)
{
	for (long i = 0; i < n; i++) {
		out[i] = calloc(4, 4096);
		touch(out[i], 16384);
	}
	keep_report("keep", __func__, n, n * 16384);
}

/* Grown twice: realloc counts as a free and an allocation. */
NOINLINE static void keep_realloc(void **out, long n)
{
	for (long i = 0; i < n; i++) {
		void *p = malloc(2048);

		touch(p, 2048);
		p = realloc(p, 4096);
		touch(p, 4096);
		out[i] = realloc(p, 8192);
		touch(out[i], 8192);
	}
	keep_report("keep", __func__, n, n * 8192);
	keep_report("alloc", __func__, 3 * n, n * (2048 + 4096 + 8192));
}

/* reallocarray: a free and an allocation, as realloc (glibc's calls
 * realloc through its PLT, so the hooks see it). */
NOINLINE static void keep_reallocarray(void **out, long n)
{
	for (long i = 0; i < n; i++) {
		void *p = malloc(1024);

		touch(p, 1024);
		out[i] = reallocarray(p, 3, 4096);
		touch(out[i], 12288);
	}
	keep_report("keep", __func__, n, n * 12288);
	keep_report("alloc", __func__, 2 * n, n * (1024 + 12288));
}

NOINLINE static void keep_posix_memalign(void **out, long n)
{
	for (long i = 0; i < n; i++) {
		if (posix_memalign(&out[i], 64, 8192))
			out[i] = NULL;
		touch(out[i], 8192);
	}
	keep_report("keep", __func__, n, n * 8192);
}

NOINLINE static void keep_aligned_alloc(void **out, long n)
{
	for (long i = 0; i < n; i++) {
		out[i] = aligned_alloc(4096, 8192);
		touch(out[i], 8192);
	}
	keep_report("keep", __func__, n, n * 8192);
}

NOINLINE static void keep_memalign(void **out, long n)
{
	for (long i = 0; i < n; i++) {
		out[i] = memalign(256, 10240);
		touch(out[i], 10240);
	}
	keep_report("keep", __func__, n, n * 10240);
}

NOINLINE static void keep_valloc(void **out, long n)
{
	for (long i = 0; i < n; i++) {
		out[i] = valloc(8192);
		touch(out[i], 8192);
	}
	keep_report("keep", __func__, n, n * 8192);
}

NOINLINE static void keep_freed(void **out, long n)
{
	for (long i = 0; i < n; i++) {
		out[i] = malloc(9216);
		touch(out[i], 9216);
	}
	keep_report("keep", __func__, n, n * 9216);
}

/* Before main: a constructor of the program itself. */
__attribute__((constructor)) NOINLINE static void keep_before_main(void)
{
	long n = env_n();

	for (long i = 0; i < n; i++) {
		blocks[15][i] = malloc(8192);
		touch(blocks[15][i], 8192);
	}
	n_blocks = n;
}

NOINLINE static void *keep_in_thread(void *arg)
{
	void **out = arg;

	for (long i = 0; i < n_blocks; i++) {
		out[i] = malloc(8192);
		touch(out[i], 8192);
	}
	return NULL;
}

static void free_all(void **p, long n)
{
	for (long i = 0; i < n; i++)
		free(p[i]);
}

static int serve(const char *fifo)
{
	char line[64];
	FILE *f = fopen(fifo, "r");

	if (!f) {
		perror(fifo);
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (!strcmp(line, "free\n")) {
			free_all(blocks[7], n_blocks);
			free_all(blocks[2], n_blocks);
			keep_cxx_release();
			printf("freed\n");
			fflush(stdout);
		} else if (!strcmp(line, "exit\n")) {
			break;
		}
	}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	long n = n_blocks;
	pthread_t t;

	if (argc != 2) {
		fprintf(stderr, "usage: HEAP_KEEP_N=N heap_keep FIFO\n");
		return 2;
	}
	keep_report("keep", "keep_before_main", n, n * 8192);
	keep_malloc(blocks[0], n);
	keep_calloc(blocks[1], n);
	keep_realloc(blocks[2], n);
	keep_reallocarray(blocks[9], n);
	keep_posix_memalign(blocks[3], n);
	keep_aligned_alloc(blocks[4], n);
	keep_memalign(blocks[5], n);
	keep_valloc(blocks[6], n);
	keep_freed(blocks[7], n);
	keep_cxx(n);
	if (pthread_create(&t, NULL, keep_in_thread, blocks[8]) ||
	    pthread_join(t, NULL))
		return 1;
	keep_report("keep", "keep_in_thread", n, n * 8192);
	printf("ready\n");
	fflush(stdout);
	return serve(argv[1]);
}
