/*
 * spawn.c - starting the program of `triage run`.
 *
 * A close-on-exec pipe tells the parent whether exec succeeded: it
 * reads end-of-file when it did, and the child's errno when it did not,
 * so a mistyped program name is reported as such, not as a service that
 * exited at once with status 127.
 */
#include "run.h"

#include "agent_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* In the child: exec, or send errno up the pipe and exit. */
static void __attribute__((noreturn))
exec_child(char **argv, int errfd, const sigset_t *mask, pid_t parent)
{
	char sock[PATH_MAX], pid[16];
	int e;

	/* A SIGKILL of `triage run` leaves nothing to forward; the program
	 * then gets SIGTERM rather than run on unseen, holding its port.
	 * The check after covers a parent that died before the prctl. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		kill(getpid(), SIGTERM);

	if (cli_agent_socket(getpid(), sock, sizeof(sock)) == 0)
		unlink(sock);
	/* A whole-run profile is this program's, not its children's. */
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("TRIAGE_CPUPROFILE_PID", pid, 1);
	sigprocmask(SIG_SETMASK, mask, NULL);
	execvp(argv[0], argv);
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0)
		e = 0; /* the parent then sees a child exiting 127 */
	_exit(127);
}

/* Reads the exec result: 0 when the pipe closed empty, else errno. */
static int exec_result(int fd)
{
	int e = 0;
	ssize_t n;

	do
		n = read(fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(e) ? e : 0;
}

int run_spawn(char **argv, pid_t *pid)
{
	sigset_t old;
	pid_t self = getpid();
	int fds[2], e;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return errno;

	/* Signals wait until the child's pid is known to the forwarder. */
	run_forward_block(&old);
	*pid = fork();
	if (*pid < 0) {
		e = errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		close(fds[0]);
		close(fds[1]);
		return e;
	}
	if (*pid == 0) {
		close(fds[0]);
		exec_child(argv, fds[1], &old, self);
	}
	close(fds[1]);
	run_forward_to(*pid);
	e = exec_result(fds[0]);
	close(fds[0]);
	if (e)
		run_wait_child(*pid);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return e;
}
