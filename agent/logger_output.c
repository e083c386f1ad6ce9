/*
 * logger_output.c - where batches of lines go, and when.
 *
 * A batch goes out in write(2) calls made under one lock, so no other
 * batch can come between its pieces even on a pipe (where only writes
 * of up to PIPE_BUF bytes are atomic) or after a short write. The lock
 * also orders rotation against writes.
 *
 * Batches leave a thread's buffer when it is full, at an error line,
 * and otherwise through the "triage-log" thread, every 100 ms: a quiet
 * thread's lines wait at most that long, and lines of different threads
 * are out of order in the output by at most that much. At exit, and on
 * a fatal signal before the process dies, everything committed is
 * written; the signal path takes no lock and uses write(2) alone, which
 * is async-signal-safe.
 */
#include "logger.h"

#include "log.h"
#include "metrics.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define FLUSH_INTERVAL_NS (100 * 1000 * 1000)

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct lg_config *out_cfg;
static struct lg_file file = {.fd = -1};
static atomic_int out_fd = STDERR_FILENO;

static struct triage_metric_counter *lines_counter, *dropped_counter;
static atomic_uint_fast64_t dropped_pending;

static atomic_bool flusher_running;
atomic_bool lg_flusher_wanted;

void lg_count_dropped(uint32_t n)
{
	atomic_fetch_add_explicit(&dropped_pending, n, memory_order_relaxed);
}

/* Moves lines counted anywhere into the metrics (not in a handler). */
static void count(uint32_t written, uint64_t dropped)
{
	dropped += atomic_exchange(&dropped_pending, 0);
	if (lines_counter && written)
		triage_metric_counter_add(lines_counter, written);
	if (dropped_counter && dropped)
		triage_metric_counter_add(dropped_counter, (double)dropped);
}

static uint32_t newlines(const char *p, size_t n)
{
	uint32_t k = 0;
	const char *e = p + n;

	while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		k++;
		p++;
	}
	return k;
}

/*
 * Writes every byte of the iovecs to fd, through short writes, EINTR,
 * and EAGAIN on a non-blocking descriptor (waiting up to a second for
 * room). Returns the bytes written.
 */
static size_t write_all(int fd, struct iovec *iov, int cnt)
{
	size_t done = 0;
	ssize_t n;
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};

	while (cnt > 0) {
		n = writev(fd, iov, cnt);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && poll(&pfd, 1, 1000) == 1)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
		while (cnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return done;
}

static int output_writev(struct iovec *iov, int cnt, uint32_t lines)
{
	size_t total = 0, done;
	uint32_t lost = 0;
	time_t now;
	int i, err = 0, saved = errno;

	for (i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	pthread_mutex_lock(&out_lock);
	/* Before the write: lines of a new day go to the new day's file. */
	if (out_cfg && out_cfg->std_fd < 0 && file.fd >= 0) {
		now = time(NULL);
		if (lg_rotate_due(out_cfg, &file, now) &&
		    lg_rotate(out_cfg, &file, now) == 0)
			atomic_store(&out_fd, file.fd);
		lg_file_reserve(&file, total);
	}
	done = write_all(atomic_load(&out_fd), iov, cnt);
	if (done < total) {
		/* The lines not wholly written are lost (a full disk, a
		 * closed pipe). */
		for (i = 0; i < cnt; i++)
			lost += newlines(iov[i].iov_base, iov[i].iov_len);
		lost = lost > lines ? lines : lost;
		err = TRIAGE_ESYS;
	}
	file.size += (long long)done;
	pthread_mutex_unlock(&out_lock);
	count(lines - lost, lost);
	errno = saved;
	return err;
}

int lg_output_write(const char *p, size_t n, uint32_t lines)
{
	struct iovec iov = {(void *)p, n};

	return output_writev(&iov, 1, lines);
}

int lg_output_writev(const char *a, size_t na, const char *b, size_t nb,
		     uint32_t lines)
{
	struct iovec iov[2] = {{(void *)a, na}, {(void *)b, nb}};

	return output_writev(iov, 2, lines);
}

void lg_output_write_unlocked(const char *p, size_t n)
{
	struct iovec iov = {(void *)p, n};

	write_all(atomic_load(&out_fd), &iov, 1);
}

int lg_output_open(const struct lg_config *cfg)
{
	struct lg_file f = {.fd = -1};
	int err = 0;

	if (cfg->std_fd < 0)
		err = lg_file_open(cfg->path, &f, time(NULL));
	if (err)
		return err;
	pthread_mutex_lock(&out_lock);
	if (file.fd >= 0) {
		lg_file_trim(&file);
		close(file.fd);
	}
	file = f;
	out_cfg = cfg;
	atomic_store(&out_fd, cfg->std_fd < 0 ? f.fd : cfg->std_fd);
	pthread_mutex_unlock(&out_lock);
	if (cfg->std_fd < 0)
		lg_prune(cfg, time(NULL));
	return 0;
}

/* --- the flusher thread --- */

static void *flusher(void *arg)
{
	struct timespec t = {0, FLUSH_INTERVAL_NS};

	pthread_setname_np(pthread_self(), "triage-log");
	for (;;) {
		nanosleep(&t, NULL);
		lg_flush_all(false);
		count(0, 0);
	}
	return NULL;
}

/* Started on first use and at a forked child's first line, with every
 * signal blocked so that none of the host's lands on it. */
void lg_flusher_start(void)
{
	pthread_t t;
	pthread_attr_t attr;
	sigset_t all, old;

	atomic_store(&lg_flusher_wanted, false);
	if (atomic_exchange(&flusher_running, true))
		return;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	if (pthread_create(&t, &attr, flusher, NULL)) {
		atomic_store(&flusher_running, false);
		tlog(TLOG_WARN, "no log flusher thread: lines wait for a full "
				"buffer, an error line or exit");
	}
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* --- exit, fork, fatal signals --- */

static const int fatal_signals[] = {SIGSEGV, SIGBUS,  SIGABRT, SIGFPE,
				    SIGILL,  SIGTERM, SIGINT};
static struct sigaction previous[NSIG];
static atomic_int in_fatal;

/*
 * Writes what every thread committed, then lets the signal do what it
 * did before: a fault re-executes the faulting instruction with the old
 * disposition; a sent signal (kill, raise, abort) is sent again.
 */
static void on_fatal(int sig, siginfo_t *si, void *uc)
{
	struct timespec ms = {0, 1000000};
	int saved = errno, expect = 0, i;

	/* One thread writes; another that crashes meanwhile waits for it
	 * (up to two seconds) rather than end the process mid-write. */
	if (atomic_compare_exchange_strong(&in_fatal, &expect, 1)) {
		lg_flush_all(true);
		atomic_store(&in_fatal, 2);
	} else {
		for (i = 0; i < 2000 && atomic_load(&in_fatal) == 1; i++)
			nanosleep(&ms, NULL);
	}
	sigaction(sig, &previous[sig], NULL);
	if (si->si_code <= 0 || sig == SIGABRT || sig == SIGTERM ||
	    sig == SIGINT)
		raise(sig);
	errno = saved;
}

/* SIGTERM and SIGINT only when nobody handles them: then they kill the
 * process, and we write before they do. */
static void install_fatal(void)
{
	struct sigaction sa, old;
	size_t i;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fatal;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(fatal_signals) / sizeof(*fatal_signals); i++) {
		sig = fatal_signals[i];
		if (sigaction(sig, NULL, &old))
			continue;
		if ((sig == SIGTERM || sig == SIGINT) &&
		    (old.sa_flags & SA_SIGINFO || old.sa_handler != SIG_DFL))
			continue;
		previous[sig] = old;
		sigaction(sig, &sa, NULL);
	}
}

atomic_bool lg_exiting;

/* From here on lines are written through: atexit handlers registered
 * before this one, and destructors, run after it and may log. */
static void at_exit(void)
{
	atomic_store(&lg_exiting, true);
	lg_flush_all(false);
	count(0, 0);
}

static void after_fork_child(void)
{
	pthread_mutex_init(&out_lock, NULL);
	lg_buffers_after_fork_child();
	atomic_store(&flusher_running, false);
	atomic_store(&lg_flusher_wanted, true);
}

void lg_output_start(void)
{
	static atomic_bool once;

	if (atomic_exchange(&once, true))
		return;
	lines_counter = metrics_agent_counter(METRICS_LOG_LINES);
	dropped_counter = metrics_agent_counter(METRICS_LOG_LINES_DROPPED);
	install_fatal();
	atexit(at_exit);
	pthread_atfork(NULL, NULL, after_fork_child);
	lg_flusher_start();
}
