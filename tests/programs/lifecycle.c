/*
 * lifecycle - a program that does the things that break profilers:
 * forks, execs, and creates thousands of short threads, while burning
 * CPU in named functions.
 *
 * usage: lifecycle fork SECONDS      both processes burn; prints child=PID
 *        lifecycle threads N         creates and joins N short threads
 *        lifecycle exec SECONDS      burns a second, then execs "burn"
 *        lifecycle burn SECONDS      burns in after_exec_work
 */
#include "burn.h"

#include <pthread.h>
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
	if (!strcmp(argv[1], "burn")) {
		after_exec_work(s);
		return 0;
	}
	return 2;
}
