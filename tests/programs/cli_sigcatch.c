/*
 * cli_sigcatch.c - a child for the tests of `triage run`: it catches
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT even when started with them
 * ignored (as shells start background jobs), prints "ready" once its
 * handlers are in place, and exits with 100 + the first signal caught,
 * so the test can tell that a signal reached it through triage.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
	if (!caught)
		caught = sig;
}

int main(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	struct sigaction sa = {.sa_handler = on_signal};
	sigset_t none;
	size_t i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	printf("ready\n");
	fflush(stdout);

	/* Nothing else runs here, so waiting in sigsuspend is exact. */
	sigemptyset(&none);
	while (!caught)
		sigsuspend(&none);
	printf("caught %d\n", (int)caught);
	return 100 + caught;
}
