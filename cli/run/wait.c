/*
 * wait.c - waiting on the child of `triage run`: for its agent's socket
 * to appear, and for its end.
 */
#include "run.h"

#include <errno.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#define POLL_NS (10 * 1000 * 1000)

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The agent creates the socket from a thread of the child, and nothing
 * tells us when, so we look for it every 10 ms until the deadline,
 * stopping early if the child ends.
 */
int run_wait_socket(const char *path, pid_t child, int timeout_ms, int *wstatus)
{
	const struct timespec pause = {0, POLL_NS};
	long long deadline = now_ms() + timeout_ms;
	struct stat st;

	for (;;) {
		if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			return 1;
		if (waitpid(child, wstatus, WNOHANG) == child) {
			run_forward_to(0);
			return -1;
		}
		if (now_ms() >= deadline)
			return 0;
		nanosleep(&pause, NULL);
	}
}

int run_wait_child(pid_t child)
{
	int st = 0;

	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	run_forward_to(0);
	return st;
}
