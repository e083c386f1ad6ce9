/*
 * sample_cost - what one CPU-profile sample costs at a stack depth of
 * about 30, against the cost of delivering an empty signal, measured
 * in the same run.
 *
 * Both are driven the same way: the thread queues a signal to itself
 * with rt_tgsigqueueinfo from 30 frames deep. A: SIGUSR1 with an empty
 * handler. B: SIGPROF marked as a perf-event tick, taken by the agent's
 * real handler while a profile runs (unwind, ring, commit). Batches
 * alternate A and B; the figures are medians of ns per signal.
 *
 * usage: sample_cost [ROUNDS]
 */
#include "cpu_profiler.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define BATCH 500 /* under the ring's 1024 slots: nothing dropped */
#define DEPTH 24

static pid_t pid, tid;

static void empty(int sig, siginfo_t *si, void *uc)
{
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void send(int sig, int code)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = code;
	syscall(SYS_rt_tgsigqueueinfo, pid, tid, sig, &si);
}

/* Sends a batch from `depth` frames further down; ns per signal. */
__attribute__((noinline)) static double batch(int depth, int sig, int code)
{
	long long t0;
	double r;

	if (depth > 0) {
		r = batch(depth - 1, sig, code);
		__asm__ volatile("" ::: "memory"); /* no tail call */
		return r;
	}
	t0 = now_ns();
	for (int i = 0; i < BATCH; i++)
		send(sig, code);
	return (double)(now_ns() - t0) / BATCH;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 21;
	double *a = calloc(rounds, sizeof(*a)), *b = calloc(rounds, sizeof(*b));
	struct timespec drain = {0, 50 * 1000000L};
	struct cpu_profile_stats st;
	struct sigaction sa;
	struct tprof *p;
	int64_t best = 0;
	size_t depth = 0;

	pid = getpid();
	tid = (pid_t)syscall(SYS_gettid);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = empty;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	/* A 1 Hz POSIX timer: the real ticks are negligible here. */
	if (cpu_profile_start(1, CPU_TIMER_POSIX)) {
		fprintf(stderr, "sample_cost: cannot start a profile\n");
		return 1;
	}
	for (int r = 0; r < rounds; r++) {
		a[r] = batch(DEPTH, SIGUSR1, SI_QUEUE);
		b[r] = batch(DEPTH, SIGPROF, POLL_IN);
		nanosleep(&drain, NULL); /* let the profiler drain its ring */
	}
	cpu_profile_stats(&st);
	if (cpu_profile_stop(&p) == 0) {
		/* The depth of the stack most samples had. */
		for (size_t i = 0; i < p->nsamples; i++)
			if (p->samples[i].values[0] > best) {
				best = p->samples[i].values[0];
				depth = p->samples[i].nlocations;
			}
		tprof_free(p);
	}
	qsort(a, rounds, sizeof(*a), cmp);
	qsort(b, rounds, sizeof(*b), cmp);
	printf("empty signal:        %8.0f ns (median of %d batches of %d)\n",
	       a[rounds / 2], rounds, BATCH);
	printf("triage sample:       %8.0f ns (stack depth %zu frames)\n",
	       b[rounds / 2], depth);
	printf("cost of the sample:  %8.0f ns over the empty signal\n",
	       b[rounds / 2] - a[rounds / 2]);
	printf("samples taken %llu, dropped %llu\n",
	       (unsigned long long)st.samples, (unsigned long long)st.dropped);
	return 0;
}
