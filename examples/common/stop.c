/*
 * stop.c - a service's orderly stop on SIGTERM or SIGINT (see example.h).
 *
 * A signal handler may only write(): it writes a byte to a pipe, and the
 * main thread, blocked reading the pipe, goes on to stop the server.
 */
#include "example.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

static int stop_pipe[2] = {-1, -1};

static void on_stop(int sig)
{
	char c = (char)sig;
	int saved = errno;

	if (write(stop_pipe[1], &c, 1) < 0)
		c = 0;
	errno = saved;
}

int ex_catch_stop(void)
{
	struct sigaction sa = {.sa_handler = on_stop};

	if (pipe(stop_pipe) < 0)
		return -1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

void ex_wait_for_stop(void)
{
	char c;

	while (read(stop_pipe[0], &c, 1) < 0 && errno == EINTR)
		;
}
