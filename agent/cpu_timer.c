/*
 * cpu_timer.c - per-thread CPU-time timers (see cpu_timer.h).
 *
 * The registry of armed threads is guarded by one mutex that only
 * ordinary code takes (thread start and exit, the profiler's rescan);
 * the signal handler never touches it.
 */
#include "cpu_timer.h"

#include "log.h"
#include "threads.h"
#include "triage.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Marks our POSIX timers' signals (si_value) among other SIGPROFs. */
#define TIMER_COOKIE 0x74726961

struct armed {
	pid_t tid;
	int fd;        /* perf event, or -1 */
	timer_t timer; /* POSIX timer when fd is -1 */
	bool seen;     /* found by the current rescan */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct armed *armed;
static size_t narmed, capacity;
static bool active;
static int cur_hz;
static enum cpu_timer_mode cur_mode;
static bool perf_denied; /* perf_event_open failed: use POSIX from now */
static int perf_budget;  /* descriptors we allow ourselves */
static int nperf;

static int perf_open(pid_t tid, int hz)
{
	struct perf_event_attr a;
	struct f_owner_ex owner = {F_OWNER_TID, tid};
	int fd;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.sample_period = 1000000000ull / (unsigned)hz;
	a.disabled = 1;
	fd = (int)syscall(SYS_perf_event_open, &a, tid, -1, -1,
			  PERF_FLAG_FD_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM)) {
		/* perf_event_paranoid >= 2 allows user time only. */
		a.exclude_kernel = 1;
		a.exclude_hv = 1;
		fd = (int)syscall(SYS_perf_event_open, &a, tid, -1, -1,
				  PERF_FLAG_FD_CLOEXEC);
	}
	if (fd < 0)
		return -errno;
	if (fcntl(fd, F_SETFL, O_ASYNC) || fcntl(fd, F_SETSIG, SIGPROF) ||
	    fcntl(fd, F_SETOWN_EX, &owner) ||
	    ioctl(fd, PERF_EVENT_IOC_ENABLE, 0)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/*
 * Closes a perf event descriptor, but only if it still is one: a host
 * that closed "all its descriptors" may have reused the number.
 */
static void perf_close(int fd)
{
	char path[32], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return;
	target[n] = '\0';
	if (!strcmp(target, "anon_inode:[perf_event]"))
		close(fd);
}

static int posix_open(pid_t tid, int hz, timer_t *out)
{
	/* The CPU clock of one thread, as glibc encodes it for a tid. */
	clockid_t clock = (clockid_t)((~(unsigned)tid << 3) | 4 | 2);
	struct sigevent ev;
	struct itimerspec its;
	long ns = 1000000000L / hz;

	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_THREAD_ID;
	ev.sigev_signo = SIGPROF;
	ev.sigev_value.sival_int = TIMER_COOKIE;
	ev._sigev_un._tid = tid;
	if (timer_create(clock, &ev, out))
		return -errno;
	its.it_interval.tv_sec = ns / 1000000000L;
	its.it_interval.tv_nsec = ns % 1000000000L;
	its.it_value = its.it_interval;
	if (timer_settime(*out, 0, &its, NULL)) {
		int err = -errno;

		timer_delete(*out);
		return err;
	}
	return 0;
}

static bool want_perf(void)
{
	return cur_mode != CPU_TIMER_POSIX && !perf_denied &&
	       nperf < perf_budget;
}

/* Arms `tid`; the lock is held. */
static int arm(pid_t tid)
{
	struct armed a = {tid, -1, 0, true};
	int err = -1;

	if (want_perf()) {
		err = a.fd = perf_open(tid, cur_hz);
		if (a.fd >= 0)
			nperf++;
		else if (err == -ENOSYS || err == -EACCES || err == -EPERM) {
			if (cur_mode == CPU_TIMER_PERF)
				return TRIAGE_ESYS;
			perf_denied = true;
			tlog(TLOG_INFO, "perf events unavailable (%s); using "
					"POSIX CPU timers", strerror(-err));
		}
	}
	if (a.fd < 0) {
		if (cur_mode == CPU_TIMER_PERF && err != -ESRCH)
			return TRIAGE_ESYS;
		if (err == -ESRCH || posix_open(tid, cur_hz, &a.timer) < 0)
			return TRIAGE_ESYS; /* the thread is gone, or limits */
	}
	if (narmed == capacity) {
		size_t n = capacity ? capacity * 2 : 64;
		struct armed *p = realloc(armed, n * sizeof(*p));

		if (!p) {
			if (a.fd >= 0) {
				perf_close(a.fd);
				nperf--;
			} else {
				timer_delete(a.timer);
			}
			return TRIAGE_ENOMEM;
		}
		armed = p;
		capacity = n;
	}
	armed[narmed++] = a;
	return 0;
}

static void disarm_at(size_t i)
{
	if (armed[i].fd >= 0) {
		perf_close(armed[i].fd);
		nperf--;
	} else {
		timer_delete(armed[i].timer);
	}
	armed[i] = armed[--narmed];
}

static ssize_t find(pid_t tid)
{
	size_t i;

	for (i = 0; i < narmed; i++)
		if (armed[i].tid == tid)
			return (ssize_t)i;
	return -1;
}

/* Walks /proc/self/task: arms new host threads, drops vanished ones. */
static void rescan_locked(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	size_t i;

	if (!d)
		return;
	for (i = 0; i < narmed; i++)
		armed[i].seen = false;
	while ((e = readdir(d))) {
		pid_t tid = (pid_t)strtol(e->d_name, NULL, 10);
		ssize_t at;

		if (tid <= 0)
			continue;
		at = find(tid);
		if (at >= 0)
			armed[at].seen = true;
		else if (!thr_is_agent_tid(tid))
			arm(tid);
	}
	closedir(d);
	for (i = narmed; i-- > 0;)
		if (!armed[i].seen)
			disarm_at(i);
}

static int fd_budget(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return 1024;
	/* A quarter of the host's descriptors at most. */
	return rl.rlim_cur / 4 > 4096 ? 4096 : (int)(rl.rlim_cur / 4);
}

int cpu_timer_start(int hz, enum cpu_timer_mode mode)
{
	pthread_mutex_lock(&lock);
	cur_hz = hz;
	cur_mode = mode;
	perf_budget = fd_budget();
	active = true;
	rescan_locked();
	if (mode == CPU_TIMER_PERF && perf_denied) {
		pthread_mutex_unlock(&lock);
		cpu_timer_stop();
		return TRIAGE_ESYS;
	}
	pthread_mutex_unlock(&lock);
	return 0;
}

void cpu_timer_stop(void)
{
	pthread_mutex_lock(&lock);
	active = false;
	while (narmed)
		disarm_at(narmed - 1);
	pthread_mutex_unlock(&lock);
}

void cpu_timer_rescan(void)
{
	pthread_mutex_lock(&lock);
	if (active)
		rescan_locked();
	pthread_mutex_unlock(&lock);
}

void cpu_timer_attach_self(void)
{
	pid_t tid;

	if (!__atomic_load_n(&active, __ATOMIC_RELAXED))
		return;
	tid = thr_gettid();
	pthread_mutex_lock(&lock);
	if (active) {
		/* A thread starts here, so an entry with its tid is a dead
		 * thread's whose tid was reused before the rescan saw it. */
		ssize_t at = find(tid);

		if (at >= 0)
			disarm_at((size_t)at);
		arm(tid);
	}
	pthread_mutex_unlock(&lock);
}

void cpu_timer_detach_self(void)
{
	ssize_t at;

	if (!__atomic_load_n(&narmed, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&lock);
	at = find(thr_gettid());
	if (at >= 0)
		disarm_at((size_t)at);
	pthread_mutex_unlock(&lock);
}

bool cpu_timer_is_ours(const siginfo_t *si)
{
	if (si->si_code == POLL_IN)
		return true;
	return si->si_code == SI_TIMER &&
	       si->si_value.sival_int == TIMER_COOKIE;
}

void cpu_timer_counts(int *perf, int *posix)
{
	pthread_mutex_lock(&lock);
	*perf = nperf;
	*posix = (int)narmed - nperf;
	pthread_mutex_unlock(&lock);
}

/* Sets every armed timer going (`on`) or still; the lock is held. */
static void set_all_locked(bool on)
{
	long ns = 1000000000L / (cur_hz > 0 ? cur_hz : 1);
	struct itimerspec its = {{0, 0}, {0, 0}};
	size_t i;

	if (on) {
		its.it_interval.tv_sec = ns / 1000000000L;
		its.it_interval.tv_nsec = ns % 1000000000L;
		its.it_value = its.it_interval;
	}
	for (i = 0; i < narmed; i++) {
		if (armed[i].fd >= 0)
			ioctl(armed[i].fd, on ? PERF_EVENT_IOC_ENABLE
					      : PERF_EVENT_IOC_DISABLE, 0);
		else
			timer_settime(armed[i].timer, 0, &its, NULL);
	}
}

void cpu_timer_pause(void)
{
	pthread_mutex_lock(&lock);
	set_all_locked(false);
	pthread_mutex_unlock(&lock);
}

void cpu_timer_resume(void)
{
	pthread_mutex_lock(&lock);
	if (active)
		set_all_locked(true);
	pthread_mutex_unlock(&lock);
}

void cpu_timer_before_fork(void)
{
	pthread_mutex_lock(&lock);
}

void cpu_timer_after_fork_parent(void)
{
	pthread_mutex_unlock(&lock);
}

void cpu_timer_after_fork_child(void)
{
	size_t i;

	/* The events watch the parent's threads; POSIX timers are not
	 * inherited. Close our copies and start clean. */
	for (i = 0; i < narmed; i++)
		if (armed[i].fd >= 0)
			close(armed[i].fd);
	free(armed);
	armed = NULL;
	narmed = capacity = 0;
	nperf = 0;
	active = false;
	pthread_mutex_init(&lock, NULL);
}
