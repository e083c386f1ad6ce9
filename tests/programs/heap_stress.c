/*
 * heap_stress - many threads allocating and freeing blocks of random
 * sizes with every allocation call, some freed by another thread than
 * the one that allocated them, for the heap profiler's stress test.
 *
 * usage: heap_stress THREADS OPS ROUNDS FIFO
 *
 * Each round, every thread does OPS operations on its own slots, then
 * frees all it holds; the program then prints
 *   round <r> allocs <allocation calls so far> rss_kb <RSS after frees>
 * After the last round it prints "done" and waits for "exit" on FIFO,
 * so that a profile can be taken with nothing of its own in use. Every
 * allocation happens in stress_alloc or stress_grow.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif

#define SLOTS 512
#define MAILBOX 256
#define MAX_THREADS 64

struct mailbox {
	pthread_mutex_t lock;
	void *p[MAILBOX];
	int n;
};

struct worker {
	pthread_t thread;
	int id;
	uint64_t rng;
	long ops;
	long allocs;
	void *slots[SLOTS];
};

static struct mailbox boxes[MAX_THREADS];
static struct worker workers[MAX_THREADS];
static int nthreads;

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Mostly small blocks, some medium, a few large (mmap'd by glibc). */
static size_t random_size(uint64_t *rng)
{
	uint64_t r = next_rand(rng) % 1000;

	if (r < 900)
		return 16 * (1 + next_rand(rng) % 256);
	if (r < 990)
		return 4096 * (1 + next_rand(rng) % 16);
	return 256 * 1024;
}

NOINLINE static void *stress_alloc(struct worker *w, size_t n)
{
	void *p = NULL;

	switch (next_rand(&w->rng) % 5) {
	case 0:
		p = malloc(n);
		break;
	case 1:
		p = calloc(1, n);
		break;
	case 2:
		if (posix_memalign(&p, 64, n))
			p = NULL;
		break;
	case 3:
		p = aligned_alloc(64, (n + 63) & ~(size_t)63);
		break;
	default:
		p = realloc(NULL, n);
		break;
	}
	if (p) {
		memset(p, 1, n < 256 ? n : 256);
		w->allocs++;
	}
	return p;
}

NOINLINE static void *stress_grow(struct worker *w, void *p, size_t n)
{
	void *q = realloc(p, n);

	if (!q)
		return p;
	w->allocs++;
	return q;
}

/* Hands `p` to another thread, which frees it; false when its box is
 * full. */
static int give_away(struct worker *w, void *p)
{
	struct mailbox *b = &boxes[next_rand(&w->rng) % nthreads];
	int ok;

	pthread_mutex_lock(&b->lock);
	ok = b->n < MAILBOX;
	if (ok)
		b->p[b->n++] = p;
	pthread_mutex_unlock(&b->lock);
	return ok;
}

static void empty_box(int id)
{
	struct mailbox *b = &boxes[id];

	pthread_mutex_lock(&b->lock);
	while (b->n > 0)
		free(b->p[--b->n]);
	pthread_mutex_unlock(&b->lock);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	long i;
	int s;

	for (i = 0; i < w->ops; i++) {
		uint64_t r = next_rand(&w->rng);

		s = (int)(r % SLOTS);
		if (!w->slots[s]) {
			w->slots[s] = stress_alloc(w, random_size(&w->rng));
		} else if (r % 10 < 5) {
			free(w->slots[s]);
			w->slots[s] = NULL;
		} else if (r % 10 < 8) {
			w->slots[s] =
			    stress_grow(w, w->slots[s], random_size(&w->rng));
		} else if (give_away(w, w->slots[s])) {
			w->slots[s] = NULL;
		}
		if (i % 64 == 0)
			empty_box(w->id);
	}
	for (s = 0; s < SLOTS; s++) {
		free(w->slots[s]);
		w->slots[s] = NULL;
	}
	return NULL;
}

static long rss_kb(void)
{
	long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%*d %ld", &pages) != 1)
			pages = 0;
		fclose(f);
	}
	return pages * (sysconf(_SC_PAGESIZE) / 1024);
}

static void wait_exit(const char *fifo)
{
	char line[32];
	FILE *f = fopen(fifo, "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strcmp(line, "exit\n"))
			break;
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	long ops, rounds, r, allocs = 0;
	int i;

	if (argc != 5) {
		fprintf(stderr, "usage: heap_stress THREADS OPS ROUNDS FIFO\n");
		return 2;
	}
	nthreads = atoi(argv[1]);
	ops = atol(argv[2]);
	rounds = atol(argv[3]);
	if (nthreads < 1 || nthreads > MAX_THREADS)
		return 2;
	for (i = 0; i < nthreads; i++)
		pthread_mutex_init(&boxes[i].lock, NULL);
	for (r = 1; r <= rounds; r++) {
		for (i = 0; i < nthreads; i++) {
			workers[i].id = i;
			workers[i].ops = ops;
			workers[i].rng = 0x9e3779b97f4a7c15ull *
					 (uint64_t)(r * MAX_THREADS + i + 1);
			if (pthread_create(&workers[i].thread, NULL, work,
					   &workers[i]))
				return 1;
		}
		for (i = 0; i < nthreads; i++)
			pthread_join(workers[i].thread, NULL);
		allocs = 0;
		for (i = 0; i < nthreads; i++) {
			empty_box(i);
			allocs += workers[i].allocs;
		}
		printf("round %ld allocs %ld rss_kb %ld\n", r, allocs,
		       rss_kb());
		fflush(stdout);
	}
	printf("done\n");
	fflush(stdout);
	wait_exit(argv[4]);
	return 0;
}
