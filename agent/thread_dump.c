/*
 * thread_dump.c - every host thread's stack, each unwound by the thread
 * itself in a signal handler (see thread_dump.h).
 *
 * The dumping thread makes one slot per thread and sends each thread the
 * dump signal with rt_tgsigqueueinfo, the slot's number and the dump's
 * generation in the signal's value: the handler finds its slot without a
 * search and knows a signal of an older dump when it sees one. A handler
 * may run long after its dump ended (a thread that sat in the kernel
 * until then), so the slots are reached through `current` and an
 * in-flight count, as the unwinder guards its snapshots: the dump
 * retracts `current`, waits for the handlers already inside to leave,
 * and only then frees the slots. A handler stuck inside (its thread
 * stopped by a debugger in the middle of it) costs the slots, never a
 * hang or a write to freed memory.
 *
 * The handler stays installed once installed: a late signal must find
 * it, for a real-time signal's default action ends the process.
 */
#include "thread_dump.h"

#include "log.h"
#include "thread_create.h"
#include "threads.h"
#include "triage.h"
#include "unwind.h"

#include <dirent.h>
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* How often the wait looks for threads that ended without answering. */
#define SLICE_MS 10
/* How long a dump waits for handlers still inside its slots. */
#define DRAIN_MS 200

struct slot {
	pid_t tid;
	int done; /* set by the handler, last */
	int depth;
	int created_by;
	uint64_t pcs[TDUMP_MAX_DEPTH];
};

struct capture {
	uint32_t gen;
	uint32_t answered; /* a futex word: the dumper sleeps on it */
	uint32_t expected;
	size_t n;
	struct slot *slots;
};

static struct capture *current;
static int inflight;
static uint32_t generation;

static pthread_mutex_t dump_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;
static int configured; /* 0: SIGRTMIN + TDUMP_SIGNAL_OFFSET */

static int dump_signo(void)
{
	int s = __atomic_load_n(&configured, __ATOMIC_RELAXED);

	return s ? s : SIGRTMIN + TDUMP_SIGNAL_OFFSET;
}

int tdump_configure(int signo)
{
	if (signo && (signo < SIGRTMIN || signo > SIGRTMAX))
		return TRIAGE_EINVAL;
	__atomic_store_n(&configured, signo, __ATOMIC_RELAXED);
	return 0;
}

int tdump_signal(char *buf, size_t len)
{
	int s = dump_signo();

	snprintf(buf, len, "SIGRTMIN+%d", s - SIGRTMIN);
	return s;
}

static void on_dump_signal(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;
	uint64_t key = (uint64_t)(uintptr_t)si->si_value.sival_ptr;
	struct capture *c;
	struct slot *s;

	/* Only our own queued signals; a stray one is ignored, where the
	 * default action would have ended the host. */
	if (si->si_code != SI_QUEUE || si->si_pid != getpid()) {
		errno = saved;
		return;
	}
	__atomic_fetch_add(&inflight, 1, __ATOMIC_SEQ_CST);
	c = __atomic_load_n(&current, __ATOMIC_SEQ_CST);
	if (c && (uint32_t)(key >> 32) == c->gen &&
	    (key & 0xffffffffu) < c->n) {
		s = &c->slots[key & 0xffffffffu];
		if (s->tid == thr_gettid() &&
		    !__atomic_load_n(&s->done, __ATOMIC_RELAXED)) {
			s->depth =
			    tunw_backtrace_uc(uc, s->pcs, TDUMP_MAX_DEPTH);
			s->created_by = tdump_created_by_self();
			__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
			if (__atomic_add_fetch(&c->answered, 1,
					       __ATOMIC_SEQ_CST) == c->expected)
				syscall(SYS_futex, &c->answered,
					FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
		}
	}
	__atomic_fetch_sub(&inflight, 1, __ATOMIC_RELEASE);
	errno = saved;
}

/*
 * Installs the handler unless the program has one of its own there.
 * 0, or TRIAGE_EBUSY.
 */
static int install_handler(int signo)
{
	struct sigaction sa, old;

	if (sigaction(signo, NULL, &old))
		return TRIAGE_ESYS;
	if ((old.sa_flags & SA_SIGINFO) && old.sa_sigaction == on_dump_signal)
		return 0;
	if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler != SIG_DFL &&
	    old.sa_handler != SIG_IGN)
		return TRIAGE_EBUSY;
	if ((old.sa_flags & SA_SIGINFO) && old.sa_sigaction)
		return TRIAGE_EBUSY;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_dump_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	return sigaction(signo, &sa, NULL) ? TRIAGE_ESYS : 0;
}

static void after_fork_child(void)
{
	/* The dumping thread, if there was one, is not in the child. */
	pthread_mutex_init(&dump_lock, NULL);
	__atomic_store_n(&current, NULL, __ATOMIC_SEQ_CST);
	__atomic_store_n(&inflight, 0, __ATOMIC_SEQ_CST);
}

static void install_fork_hook(void)
{
	pthread_atfork(NULL, NULL, after_fork_child);
}

static int64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int by_tid(const void *a, const void *b)
{
	pid_t x = ((const struct tdump_thread *)a)->tid;
	pid_t y = ((const struct tdump_thread *)b)->tid;

	return (x > y) - (x < y);
}

/* The host's thread ids into d->threads (sorted); 0 or an error. */
static int list_threads(struct tdump *d)
{
	DIR *dir = opendir("/proc/self/task");
	size_t cap = 0;
	struct dirent *e;
	pid_t self = thr_gettid();

	if (!dir)
		return TRIAGE_ESYS;
	while ((e = readdir(dir))) {
		pid_t tid = (pid_t)strtol(e->d_name, NULL, 10);

		if (tid <= 0 || tid == self || thr_is_agent_tid(tid))
			continue;
		if (d->n == TDUMP_MAX_THREADS) {
			d->omitted++;
			continue;
		}
		if (d->n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			void *p =
			    realloc(d->threads, ncap * sizeof(*d->threads));

			if (!p) {
				closedir(dir);
				return TRIAGE_ENOMEM;
			}
			d->threads = p;
			cap = ncap;
		}
		memset(&d->threads[d->n], 0, sizeof(d->threads[0]));
		d->threads[d->n++].tid = tid;
	}
	closedir(dir);
	qsort(d->threads, d->n, sizeof(*d->threads), by_tid);
	return 0;
}

static bool has_signal(uint64_t mask, int signo)
{
	return (mask >> (signo - 1)) & 1;
}

static int send_dump_signal(int signo, pid_t tid, uint64_t key)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = signo;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_ptr = (void *)(uintptr_t)key;
	return (int)syscall(SYS_rt_tgsigqueueinfo, getpid(), tid, signo, &si);
}

/*
 * Reads each thread's state and signals those that can answer. Threads
 * gone meanwhile are dropped. Sets c->expected.
 */
static void ask_threads(struct tdump *d, struct capture *c, int signo,
			bool details)
{
	size_t i, kept = 0;

	for (i = 0; i < d->n; i++) {
		struct tdump_thread t = d->threads[i];

		if (tdump_read_task(t.tid, details, &t.task) == TRIAGE_ESYS)
			continue; /* ended since the listing */
		if (t.task.state == 'Z' || t.task.state == 'X')
			t.outcome = TDUMP_EXITED;
		else if (has_signal(t.task.sig_pending, signo))
			t.outcome = TDUMP_STILL_PENDING;
		else if (has_signal(t.task.sig_blocked, signo))
			t.outcome = TDUMP_BLOCKED;
		else
			t.outcome = TDUMP_NO_ANSWER; /* until it answers */
		c->slots[kept].tid = t.tid;
		if (t.outcome == TDUMP_NO_ANSWER &&
		    send_dump_signal(signo, t.tid,
				     (uint64_t)c->gen << 32 | kept) != 0) {
			if (errno == ESRCH)
				continue;
			t.outcome = TDUMP_NOT_SENT;
		}
		if (t.outcome == TDUMP_NO_ANSWER)
			__atomic_add_fetch(&c->expected, 1, __ATOMIC_SEQ_CST);
		d->threads[kept++] = t;
	}
	d->n = kept;
}

/* How many asked threads have neither answered nor ended. */
static size_t still_waiting(struct tdump *d, struct capture *c)
{
	size_t i, n = 0;

	for (i = 0; i < d->n; i++) {
		struct tdump_thread *t = &d->threads[i];

		if (t->outcome != TDUMP_NO_ANSWER ||
		    __atomic_load_n(&c->slots[i].done, __ATOMIC_ACQUIRE))
			continue;
		if (syscall(SYS_tgkill, getpid(), t->tid, 0) != 0 &&
		    errno == ESRCH) {
			t->outcome = TDUMP_EXITED;
			continue;
		}
		n++;
	}
	return n;
}

/* Sleeps on the answer count until all answered or the deadline. */
static void wait_answers(struct tdump *d, struct capture *c, int64_t deadline)
{
	for (;;) {
		uint32_t seen = __atomic_load_n(&c->answered, __ATOMIC_SEQ_CST);
		int64_t left = deadline - now_ns(CLOCK_MONOTONIC);
		struct timespec ts = {0, SLICE_MS * 1000000L};

		if (seen >= c->expected || left <= 0 || !still_waiting(d, c))
			return;
		if (left < ts.tv_nsec)
			ts.tv_nsec = (long)left;
		syscall(SYS_futex, &c->answered, FUTEX_WAIT_PRIVATE, seen, &ts,
			NULL, 0);
	}
}

/*
 * Retracts the capture from the handlers; true once none is inside it,
 * false when one stayed past DRAIN_MS (the slots must then be kept).
 */
static bool retract(void)
{
	int64_t end = now_ns(CLOCK_MONOTONIC) + DRAIN_MS * 1000000LL;
	struct timespec pause = {0, 100000};

	__atomic_store_n(&current, NULL, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&inflight, __ATOMIC_SEQ_CST)) {
		if (now_ns(CLOCK_MONOTONIC) > end)
			return false;
		nanosleep(&pause, NULL);
	}
	return true;
}

/* Copies the answers from the slots into the dump's own pool. */
static int collect(struct tdump *d, struct capture *c)
{
	size_t i, total = 0, at = 0;

	for (i = 0; i < d->n; i++)
		if (__atomic_load_n(&c->slots[i].done, __ATOMIC_ACQUIRE))
			total += (size_t)c->slots[i].depth;
	d->pool = malloc((total ? total : 1) * sizeof(*d->pool));
	if (!d->pool)
		return TRIAGE_ENOMEM;
	for (i = 0; i < d->n; i++) {
		struct tdump_thread *t = &d->threads[i];
		const struct slot *s = &c->slots[i];

		if (!__atomic_load_n(&s->done, __ATOMIC_ACQUIRE)) {
			if (t->task.syscall == TDUMP_SYSCALL_UNKNOWN)
				tdump_read_task_details(t->tid, &t->task);
			continue;
		}
		t->outcome = TDUMP_STACK;
		t->depth = s->depth;
		t->created_by = s->created_by;
		memcpy(d->pool + at, s->pcs,
		       (size_t)s->depth * sizeof(*s->pcs));
		t->pcs = d->pool + at;
		at += (size_t)s->depth;
	}
	return 0;
}

/* Signals, waits and collects; called with dump_lock held. */
static int capture_all(struct tdump *d, int signo, bool details)
{
	struct capture *c = calloc(1, sizeof(*c));
	int64_t deadline;
	int err;

	if (!c)
		return TRIAGE_ENOMEM;
	c->slots = calloc(d->n ? d->n : 1, sizeof(*c->slots));
	if (!c->slots) {
		free(c);
		return TRIAGE_ENOMEM;
	}
	c->n = d->n;
	c->gen = ++generation;
	__atomic_store_n(&current, c, __ATOMIC_SEQ_CST);

	deadline = now_ns(CLOCK_MONOTONIC) + d->timeout_ms * 1000000LL;
	ask_threads(d, c, signo, details);
	wait_answers(d, c, deadline);
	if (!retract()) {
		/* A handler never left: keep its slots, forever. */
		tlog(TLOG_INFO,
		     "thread dump: a handler is stuck; %zu bytes "
		     "kept",
		     c->n * sizeof(*c->slots));
		return collect(d, c);
	}
	err = collect(d, c);
	free(c->slots);
	free(c);
	return err;
}

int tdump_take(struct tdump *d, int timeout_ms, bool details)
{
	int signo = dump_signo(), err;

	memset(d, 0, sizeof(*d));
	if (timeout_ms < 1 || timeout_ms > TDUMP_TIMEOUT_MAX)
		return TRIAGE_EINVAL;
	pthread_once(&fork_once, install_fork_hook);
	d->timeout_ms = timeout_ms;
	d->time_ns = now_ns(CLOCK_REALTIME);

	pthread_mutex_lock(&dump_lock);
	err = install_handler(signo);
	if (!err && tunw_init() == 0)
		tunw_refresh_if_changed(); /* code dlopen'ed since */
	if (!err)
		err = list_threads(d);
	if (!err)
		err = capture_all(d, signo, details);
	pthread_mutex_unlock(&dump_lock);
	if (err)
		tdump_free(d);
	return err;
}

void tdump_free(struct tdump *d)
{
	free(d->threads);
	free(d->pool);
	memset(d, 0, sizeof(*d));
}

size_t tdump_count_threads(void)
{
	DIR *dir = opendir("/proc/self/task");
	struct dirent *e;
	size_t n = 0;

	if (!dir)
		return 0;
	while ((e = readdir(dir))) {
		pid_t tid = (pid_t)strtol(e->d_name, NULL, 10);

		if (tid > 0 && !thr_is_agent_tid(tid) && tid != thr_gettid())
			n++;
	}
	closedir(dir);
	return n;
}
