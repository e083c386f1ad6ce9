/*
 * forward.c - passing the signals an operator sends to `triage run` on
 * to the program it started, so stopping the wrapper stops the service
 * the way the service expects.
 *
 * A signal typed at the terminal (Ctrl-C, Ctrl-\) already reaches the
 * child, which shares our process group; forwarding it too would make
 * the child see it twice, so only signals sent by a process are
 * forwarded.
 */
#include "run.h"

#include <signal.h>
#include <stddef.h>

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

static volatile sig_atomic_t child_pid;

static void forward(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	if (si && si->si_code == SI_KERNEL)
		return;
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

void run_forward_block(sigset_t *old)
{
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

void run_forward_to(pid_t child)
{
	struct sigaction sa = {0};
	size_t i;

	child_pid = child;
	sa.sa_sigaction = forward;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaction(forwarded[i], &sa, NULL);
}
