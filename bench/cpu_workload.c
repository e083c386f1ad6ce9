/*
 * cpu_workload - a fixed amount of CPU work on N threads, at a stack
 * depth of about 30 frames, timing itself.
 *
 * It prints "work_ns=<wall time of the work>" so a profiler's start-up
 * and exit costs (reading symbols, writing the file) are left out: what
 * is compared is the cost while the service runs; and "cpu_ns=<CPU time
 * of the worker threads>", what a profile of them should account for.
 *
 * With CPU_WORKLOAD_TIMER_HZ=N in the environment, each worker arms the
 * same per-thread perf event the agent uses, at N Hz, with an empty
 * SIGPROF handler: the cost of the timer interrupts and signals alone,
 * the floor under any profiler that samples CPU time at that rate.
 *
 * usage: cpu_workload THREADS ITERATIONS
 */
#include <fcntl.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static long iterations;
static long long thread_cpu[64];
static volatile double sink;

NOINLINE double kernel(long n)
{
	double x = 1.0;

	for (long i = 0; i < n; i++)
		x = x * 1.0000001 + 0.25;
	return x;
}

/* Descends to a depth of about 30 frames before doing the work. */
NOINLINE double descend(int depth, long n)
{
	double r;

	if (depth == 0)
		return kernel(n);
	r = descend(depth - 1, n);
	sink += r * 1e-12;
	return r;
}

static int timer_hz;

static void empty_handler(int sig, siginfo_t *si, void *uc)
{
}

/* The agent's timer (task-clock perf event signalling this thread). */
static void arm_timer(void)
{
	struct perf_event_attr a;
	struct f_owner_ex owner = {F_OWNER_TID, (pid_t)syscall(SYS_gettid)};
	int fd;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.sample_period = 1000000000ull / (unsigned)timer_hz;
	fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (fd < 0 || fcntl(fd, F_SETFL, O_ASYNC) ||
	    fcntl(fd, F_SETSIG, SIGPROF) || fcntl(fd, F_SETOWN_EX, &owner) ||
	    ioctl(fd, PERF_EVENT_IOC_ENABLE, 0))
		fprintf(stderr, "cpu_workload: no perf event\n");
}

static void *worker(void *arg)
{
	struct timespec ts;

	if (timer_hz)
		arm_timer();
	for (long i = 0; i < iterations / 1000; i++)
		sink += descend(26, 1000000);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	thread_cpu[(long)arg] = ts.tv_sec * 1000000000LL + ts.tv_nsec;
	return arg;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	pthread_t t[64];
	long long start, cpu = 0;
	int n, i;

	if (argc != 3)
		return 2;
	n = atoi(argv[1]);
	iterations = atol(argv[2]);
	if (n < 1 || n > 64)
		return 2;
	if (getenv("CPU_WORKLOAD_TIMER_HZ")) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = empty_handler;
		sa.sa_flags = SA_SIGINFO | SA_RESTART;
		sigaction(SIGPROF, &sa, NULL);
		timer_hz = atoi(getenv("CPU_WORKLOAD_TIMER_HZ"));
	}
	start = now_ns();
	for (i = 0; i < n; i++)
		pthread_create(&t[i], NULL, worker, (void *)(long)i);
	for (i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		cpu += thread_cpu[i];
	}
	printf("work_ns=%lld\ncpu_ns=%lld\n", now_ns() - start, cpu);
	return 0;
}
