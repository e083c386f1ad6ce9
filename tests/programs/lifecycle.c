/*
 * lifecycle - a program that does the things that break profilers:
 * forks, execs, and creates thousands of short threads, while burning
 * CPU in named functions.
 *
 * usage: lifecycle fork SECONDS      both processes burn; prints child=PID
 *        lifecycle threads N         creates and joins N short threads
 *        lifecycle exec SECONDS      burns a second, then execs "burn"
 *        lifecycle burn SECONDS      burns in after_exec_work
 *        lifecycle pending SECONDS   once a CPU profile has installed
 *                                    its handler, execs "unblock" with a
 *                                    SIGPROF pending (blocked)
 *        lifecycle unblock SECONDS   unblocks SIGPROF, prints "survived"
 */
#include "burn.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

BURN_FUNCTION(parent_work)
BURN_FUNCTION(child_work)
BURN_FUNCTION(after_exec_work)
BURN_FUNCTION(before_exec_work)

NOINLINE void *short_task(void *arg)
{
	double x = 0;

	for (int i = 0; i < 2000; i++)
		x += i * 0.5;
	burn_sink += x;
	return arg;
}

static int do_fork(double s)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return 1;
	if (pid == 0) {
		child_work(s);
		_exit(0);
	}
	printf("child=%d\n", (int)pid);
	fflush(stdout);
	parent_work(s);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

static int do_threads(long n)
{
	pthread_t t;
	long i;

	for (i = 0; i < n; i++) {
		if (pthread_create(&t, NULL, short_task, NULL))
			return 1;
		pthread_join(t, NULL);
	}
	printf("threads=%ld\n", n);
	return 0;
}

/*
 * Waits (up to SECONDS) for a SIGPROF handler, then leaves a SIGPROF
 * pending across an exec: the exec'd image, which unblocks it at its
 * default action, lives only if the agent dropped it before the exec.
 */
static int do_pending(double s)
{
	struct sigaction sa;
	sigset_t prof;
	time_t end = time(NULL) + (time_t)s;

	do {
		sigaction(SIGPROF, NULL, &sa);
		if (sa.sa_handler != SIG_DFL)
			break;
		usleep(10000);
	} while (time(NULL) < end);
	if (sa.sa_handler == SIG_DFL) {
		fprintf(stderr, "no SIGPROF handler appeared\n");
		return 3;
	}
	sigemptyset(&prof);
	sigaddset(&prof, SIGPROF);
	sigprocmask(SIG_BLOCK, &prof, NULL);
	raise(SIGPROF);
	execl("/proc/self/exe", "lifecycle", "unblock", "1", (char *)0);
	return 1;
}

static int do_unblock(void)
{
	sigset_t prof;

	sigemptyset(&prof);
	sigaddset(&prof, SIGPROF);
	sigprocmask(SIG_UNBLOCK, &prof, NULL);
	printf("survived\n");
	return 0;
}

int main(int argc, char **argv)
{
	double s = argc > 2 ? strtod(argv[2], NULL) : 1;

	if (argc < 3)
		return 2;
	if (!strcmp(argv[1], "fork"))
		return do_fork(s);
	if (!strcmp(argv[1], "threads"))
		return do_threads((long)s);
	if (!strcmp(argv[1], "exec")) {
		before_exec_work(1);
		execl("/proc/self/exe", argv[0], "burn", argv[2], (char *)0);
		return 1;
	}
	if (!strcmp(argv[1], "pending"))
		return do_pending(s);
	if (!strcmp(argv[1], "unblock"))
		return do_unblock();
	if (!strcmp(argv[1], "burn")) {
		after_exec_work(s);
		return 0;
	}
	return 2;
}
