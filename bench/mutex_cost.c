/*
 * mutex_cost - what the contention hooks cost a lock that is free, and
 * a blocking wait that the block profile records, against libc itself
 * in the same run.
 *
 * Run with libtriage preloaded. The anchor calls libc's own functions
 * (looked up in libc.so.6, past the agent's hooks); the two others call
 * the hooked ones, with the profiles off (the default) and on (mutex
 * fraction 1, block rate 1: every event recorded). The agent is
 * restarted between batches to switch; the batches alternate A, B, C
 * and the figures are medians of ns per call.
 *
 * usage: LD_PRELOAD=libtriage.so mutex_cost [ROUNDS [PAIRS]]
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "triage.h"

#define SEM_CALLS 20000

typedef int (*lock_fn)(pthread_mutex_t *);
typedef int (*timedwait_fn)(sem_t *, const struct timespec *);

/* The agent's API, when it is preloaded. */
static void (*opts_init)(struct triage_options *);
static int (*agent_start)(const struct triage_options *);
static int (*agent_stop)(void);

static lock_fn libc_lock, libc_unlock;
static timedwait_fn libc_timedwait;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp);
	return v[n / 2];
}

/* ns per lock+unlock pair, through `lock` (NULL: the hooked symbol). */
__attribute__((noinline)) static double pairs(lock_fn lock, lock_fn unlock,
					      long n)
{
	static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	double t0 = now_ns();
	long i;

	if (lock) {
		for (i = 0; i < n; i++) {
			lock(&m);
			unlock(&m);
		}
	} else {
		for (i = 0; i < n; i++) {
			pthread_mutex_lock(&m);
			pthread_mutex_unlock(&m);
		}
	}
	return (now_ns() - t0) / n;
}

/* ns per sem_timedwait on an empty semaphore with a deadline passed. */
__attribute__((noinline)) static double timeouts(timedwait_fn wait)
{
	struct timespec past = {-1, 0}; /* glibc: ETIMEDOUT, no system call */
	sem_t s;
	double t0;
	int i;

	sem_init(&s, 0, 0);
	t0 = now_ns();
	for (i = 0; i < SEM_CALLS; i++) {
		if (wait)
			wait(&s, &past);
		else
			sem_timedwait(&s, &past);
	}
	t0 = (now_ns() - t0) / SEM_CALLS;
	sem_destroy(&s);
	return t0;
}

static int restart_agent(int fraction, long rate)
{
	struct triage_options o;

	agent_stop();
	opts_init(&o);
	o.verbose = 0;
	o.mutex_fraction = fraction;
	o.block_rate = rate;
	return agent_start(&o);
}

static int find_functions(void)
{
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);

	if (!libc)
		return -1;
	libc_lock = (lock_fn)dlsym(libc, "pthread_mutex_lock");
	libc_unlock = (lock_fn)dlsym(libc, "pthread_mutex_unlock");
	libc_timedwait = (timedwait_fn)dlsym(libc, "sem_timedwait");
	opts_init = (void (*)(struct triage_options *))dlsym(
	    RTLD_DEFAULT, "triage_options_init");
	agent_start = (int (*)(const struct triage_options *))dlsym(
	    RTLD_DEFAULT, "triage_start");
	agent_stop = (int (*)(void))dlsym(RTLD_DEFAULT, "triage_stop");
	return libc_lock && libc_unlock && libc_timedwait ? 0 : -1;
}

static void report(const char *what, double a, double b, double c)
{
	printf("%s\n", what);
	printf("  libc direct:          %8.2f ns\n", a);
	printf("  triage, profiles off: %8.2f ns  (+%.2f ns, x%.3f)\n", b,
	       b - a, b / a);
	printf("  triage, profiles on:  %8.2f ns  (+%.2f ns, x%.3f)\n", c,
	       c - a, c / a);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 21;
	long n = argc > 2 ? atol(argv[2]) : 2000000;
	double *la, *lb, *lc, *sa, *sb, *sc;
	int r;

	if (rounds < 1 || n < 1 || find_functions()) {
		fprintf(stderr, "mutex_cost: bad arguments or no libc\n");
		return 2;
	}
	if (!agent_start) {
		fprintf(stderr, "mutex_cost: preload libtriage.so\n");
		return 2;
	}
	la = calloc(rounds, sizeof(double));
	lb = calloc(rounds, sizeof(double));
	lc = calloc(rounds, sizeof(double));
	sa = calloc(rounds, sizeof(double));
	sb = calloc(rounds, sizeof(double));
	sc = calloc(rounds, sizeof(double));
	for (r = 0; r < rounds; r++) {
		la[r] = pairs(libc_lock, libc_unlock, n);
		sa[r] = timeouts(libc_timedwait);
		if (restart_agent(0, 0))
			return 1;
		lb[r] = pairs(NULL, NULL, n);
		sb[r] = timeouts(NULL);
		if (restart_agent(1, 1))
			return 1;
		lc[r] = pairs(NULL, NULL, n);
		sc[r] = timeouts(NULL);
	}
	agent_stop();
	printf("medians of %d rounds, alternating\n", rounds);
	report("uncontended pthread_mutex_lock + unlock, per pair:",
	       median(la, rounds), median(lb, rounds), median(lc, rounds));
	report("sem_timedwait timing out at once (on: each one recorded, "
	       "with its stack):",
	       median(sa, rounds), median(sb, rounds), median(sc, rounds));
	return 0;
}
