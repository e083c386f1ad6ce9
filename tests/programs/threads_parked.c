/*
 * threads_parked.c - a process whose threads sit still in known places,
 * for the thread-dump tests and benchmark.
 *
 * usage: threads_parked N [--masked] [--vfork SECONDS] [--own-rt K]
 *
 * Starts N threads: two in three wait on a condition variable that is
 * never signalled, in park_on_condvar(), named "parked-cond"; one in
 * three reads a pipe that is never written, in park_in_read(), named
 * "parked-read". --masked adds one thread that blocks every signal,
 * parked in park_masked() ("parked-masked"); --vfork one thread that
 * vforks a child which sleeps SECONDS before it exits, leaving the
 * thread asleep in the kernel, uninterruptibly, in park_in_vfork()
 * ("parked-vfork"); the child prints "vfork-child PID" on stderr. The
 * threads are made by make_parked_threads().
 *
 * --own-rt K installs a handler of the program's own on SIGRTMIN+K.
 *
 * Prints "ready" once every thread is asleep in the kernel (its /proc
 * state says so), then waits in main() for a signal to end it. Signals
 * never wake a parked thread for good: each waits in a loop.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static int never_pipe[2];
static long vfork_seconds;

__attribute__((noinline)) static void park_on_condvar(void)
{
	pthread_mutex_lock(&lock);
	for (;;)
		pthread_cond_wait(&never, &lock);
}

__attribute__((noinline)) static void park_in_read(void)
{
	char c;

	for (;;)
		if (read(never_pipe[0], &c, 1) == 0)
			return;
}

__attribute__((noinline)) static void park_masked(void)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	park_on_condvar();
}

/*
 * The child only makes raw system calls (it shares our memory): it says
 * "vfork-child PID" on stderr, so a test can end it, then sleeps.
 */
__attribute__((noinline)) static void park_in_vfork(void)
{
	struct timespec ts = {vfork_seconds, 0};
	char msg[32] = "vfork-child ", digits[12];
	pid_t child = vfork();
	long pid, n = 12, k = 0;

	if (child == 0) {
		for (pid = syscall(SYS_getpid); pid > 0; pid /= 10)
			digits[k++] = (char)('0' + pid % 10);
		while (k > 0)
			msg[n++] = digits[--k];
		msg[n++] = '\n';
		syscall(SYS_write, 2, msg, n);
		syscall(SYS_nanosleep, &ts, NULL);
		syscall(SYS_exit, 0);
	}
	park_on_condvar();
}

static void own_handler(int sig)
{
}

static void *thread_main(void *arg)
{
	const char *what = arg;

	pthread_setname_np(pthread_self(), what);
	if (!strcmp(what, "parked-read"))
		park_in_read();
	else if (!strcmp(what, "parked-masked"))
		park_masked();
	else if (!strcmp(what, "parked-vfork"))
		park_in_vfork();
	else
		park_on_condvar();
	return NULL;
}

__attribute__((noinline)) static int make_parked_threads(long n, bool masked,
							 bool vfork_one)
{
	pthread_t t;
	long i;

	for (i = 0; i < n; i++)
		if (pthread_create(&t, NULL, thread_main,
				   i % 3 == 2 ? "parked-read" : "parked-cond"))
			return -1;
	if (masked && pthread_create(&t, NULL, thread_main, "parked-masked"))
		return -1;
	if (vfork_one && pthread_create(&t, NULL, thread_main, "parked-vfork"))
		return -1;
	return 0;
}

/* How many threads named parked-* are asleep in the kernel (S or D). */
static long asleep(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	long n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[300], buf[512], *state;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/stat",
			 e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && strstr(buf, "(parked-") &&
		    (state = strrchr(buf, ')')) &&
		    (state[2] == 'S' || state[2] == 'D'))
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 0, want;
	bool masked = false, vfork_one = false;
	struct timespec step = {0, 5000000};
	int i;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--masked"))
			masked = true;
		else if (!strcmp(argv[i], "--vfork") && i + 1 < argc)
			vfork_one = (vfork_seconds = atol(argv[++i])) > 0;
		else if (!strcmp(argv[i], "--own-rt") && i + 1 < argc)
			signal(SIGRTMIN + atoi(argv[++i]), own_handler);
	}
	if (n < 0 || n > 100000 || pipe(never_pipe)) {
		fprintf(stderr, "usage: threads_parked N [--masked] "
				"[--vfork SECONDS] [--own-rt K]\n");
		return 2;
	}
	if (make_parked_threads(n, masked, vfork_one)) {
		perror("threads_parked: pthread_create");
		return 1;
	}
	want = n + masked + vfork_one;
	while (asleep() < want)
		nanosleep(&step, NULL);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
