/*
 * unwind_cost.c - what one CPU-profile sample costs when its SIGPROF
 * handler unwinds with tunw_backtrace_uc(), at a stack depth of about 30.
 *
 * The thread recurses to depth ~30 and sends itself SIGPROF with tgkill
 * in a loop. Three handlers take turns, round after round so that drift
 * of the machine hits them alike: A is empty (the cost of delivering a
 * signal), B unwinds with tunw_backtrace_uc() into a local buffer of 64,
 * C with libunwind's unw_backtrace() as the reference point. It prints
 * the median ns per signal of each, the differences to A, the frames per
 * sample and the cache hit rate of B's frame steps; then what keeping
 * the snapshot current costs, and the ratio of the added costs B/C.
 * bench/unwind_cost/README.md has results.
 *
 * Usage: unwind_cost [rounds [signals-per-round [depth]]]
 *        (defaults 11 200000 28)
 */
#include <libunwind.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "unwind.h"

/* Frames of recursion; main, libc's start and _start add a few. */
#define DEPTH 28
#define MAXF 64

static volatile int sink;
static volatile uint64_t frames;

static void on_prof_empty(int sig, siginfo_t *si, void *uc)
{
}

static void on_prof_tunw(int sig, siginfo_t *si, void *uc)
{
	uint64_t pcs[MAXF];

	frames += (uint64_t)tunw_backtrace_uc(uc, pcs, MAXF);
}

static void on_prof_libunwind(int sig, siginfo_t *si, void *uc)
{
	void *pcs[MAXF];

	frames += (uint64_t)unw_backtrace(pcs, MAXF);
}

static void install(void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGPROF, &sa, NULL) < 0) {
		perror("sigaction");
		exit(1);
	}
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Sends n signals to this thread; returns ns per signal. */
__attribute__((noinline)) static double signal_loop(long n)
{
	pid_t pid = getpid(), tid = (pid_t)syscall(SYS_gettid);
	double t0 = now_ns();
	long i;

	for (i = 0; i < n; i++)
		syscall(SYS_tgkill, pid, tid, SIGPROF);
	return (now_ns() - t0) / (double)n;
}

/* The timed loop runs at the top of `depth` frames. */
__attribute__((noinline)) static double at_depth(int depth, long n)
{
	double r;

	if (depth <= 0)
		return signal_loop(n);
	r = at_depth(depth - 1, n);
	sink++;
	return r;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* What the aggregator pays to keep the snapshot current. */
static void print_refresh_costs(void)
{
	double t0, t1, t2;
	int i;

	t0 = now_ns();
	for (i = 0; i < 10000; i++)
		tunw_refresh_if_changed();
	t1 = now_ns();
	for (i = 0; i < 100; i++)
		tunw_refresh();
	t2 = now_ns();
	printf("tunw_refresh_if_changed (nothing changed) %.0f ns, "
	       "tunw_refresh %.0f ns\n",
	       (t1 - t0) / 10000, (t2 - t1) / 100);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 11;
	long n = argc > 2 ? atol(argv[2]) : 200000;
	int depth = argc > 3 ? atoi(argv[3]) : DEPTH;
	double *a, *b, *c, *db, *dc;
	struct tunw_stats s0, s1;
	uint64_t tunw_frames = 0;
	int r;

	if (rounds < 1 || n < 1 || depth < 0 || depth > 50 || tunw_init() < 0) {
		fprintf(stderr,
			"usage: unwind_cost [rounds [signals [depth]]]\n");
		return 2;
	}
	a = calloc((size_t)rounds, sizeof(double));
	b = calloc((size_t)rounds, sizeof(double));
	c = calloc((size_t)rounds, sizeof(double));
	db = calloc((size_t)rounds, sizeof(double));
	dc = calloc((size_t)rounds, sizeof(double));
	if (!a || !b || !c || !db || !dc)
		return 1;

	/* Warm both unwinders' caches outside the timed rounds. */
	install(on_prof_tunw);
	at_depth(depth, 1000);
	install(on_prof_libunwind);
	at_depth(depth, 1000);

	tunw_get_stats(&s0);
	for (r = 0; r < rounds; r++) {
		install(on_prof_empty);
		a[r] = at_depth(depth, n);
		install(on_prof_tunw);
		frames = 0;
		b[r] = at_depth(depth, n);
		tunw_frames += frames;
		install(on_prof_libunwind);
		c[r] = at_depth(depth, n);
		db[r] = b[r] - a[r];
		dc[r] = c[r] - a[r];
	}
	tunw_get_stats(&s1);

	printf("signals per round %ld, rounds %d, frames per sample %.1f\n", n,
	       rounds, (double)tunw_frames / ((double)n * rounds));
	printf("A empty handler          %8.1f ns/signal (median)\n",
	       median(a, rounds));
	printf("B tunw_backtrace_uc      %8.1f ns/signal, B-A %.1f ns "
	       "(median of paired differences %.1f)\n",
	       median(b, rounds), median(b, rounds) - median(a, rounds),
	       median(db, rounds));
	printf("C libunwind unw_backtrace %7.1f ns/signal, C-A %.1f ns "
	       "(median of paired differences %.1f)\n",
	       median(c, rounds), median(c, rounds) - median(a, rounds),
	       median(dc, rounds));
	printf("ratio tunw/libunwind of the added cost: %.2f\n",
	       median(db, rounds) / median(dc, rounds));
	printf("tunw cache: %llu hits, %llu misses per frame step (%.4f%% "
	       "hits); stops: bad rule %llu, bad read %llu, no FDE %llu, "
	       "no module %llu\n",
	       (unsigned long long)(s1.cache_hits - s0.cache_hits),
	       (unsigned long long)(s1.cache_misses - s0.cache_misses),
	       100.0 * (double)(s1.cache_hits - s0.cache_hits) /
		   (double)(s1.cache_hits - s0.cache_hits + s1.cache_misses -
			    s0.cache_misses),
	       (unsigned long long)(s1.stops_bad_rule - s0.stops_bad_rule),
	       (unsigned long long)(s1.stops_bad_read - s0.stops_bad_read),
	       (unsigned long long)(s1.stops_no_fde - s0.stops_no_fde),
	       (unsigned long long)(s1.stops_no_module - s0.stops_no_module));
	print_refresh_costs();
	tunw_shutdown();
	free(a);
	free(b);
	free(c);
	free(db);
	free(dc);
	return 0;
}
