/*
 * cpu_profiler.c - the CPU profile session (see cpu_profiler.h).
 *
 * The SIGPROF handler is installed once and never removed: a tick
 * already queued when a profile stops must find a handler, not the
 * default action, which would end the host. For the same reason the
 * ring, once made, is never unmapped: a handler that checked `sampling`
 * just before a profile stopped may still be writing its slot, and a
 * slot written that late merely lands in the next profile. This costs
 * half a megabyte and spares every sample the atomic count of handlers
 * in flight that freeing the ring would need.
 */
#include "cpu_profiler.h"

#include "log.h"
#include "sample_ring.h"
#include "stack_table.h"
#include "symbols.h"
#include "threads.h"
#include "triage.h"
#include "unwind.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* 1024 slots hold half a second of samples at 1000 Hz on two cores,
 * drained every 20 ms, and stay small enough to stay warm in cache. */
#define RING_SLOTS 1024
#define DRAIN_MS 20
#define RESCAN_EVERY 5 /* drains, i.e. every 100 ms */

static struct {
	pthread_mutex_t lock; /* start/stop; never taken by the handler */
	bool running;
	int hz;
	int64_t start_ns, start_mono;
	struct sample_ring ring __attribute__((aligned(64)));
	struct stack_table stacks __attribute__((aligned(64)));
	pthread_t thread;
	pthread_cond_t wake;
	bool stopping;
} prof = {.lock = PTHREAD_MUTEX_INITIALIZER,
	  .wake = PTHREAD_COND_INITIALIZER};

/* Read by the handler. */
static int sampling;
static struct sigaction previous;
static bool handler_installed;

static uint64_t n_samples, n_foreign;

static int64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void chain(int sig, siginfo_t *si, void *uc)
{
	__atomic_fetch_add(&n_foreign, 1, __ATOMIC_RELAXED);
	if (previous.sa_flags & SA_SIGINFO) {
		if (previous.sa_sigaction)
			previous.sa_sigaction(sig, si, uc);
	} else if (previous.sa_handler != SIG_DFL &&
		   previous.sa_handler != SIG_IGN) {
		previous.sa_handler(sig);
	}
	/* Under SIG_DFL a stray SIGPROF would end the host: ignore it. */
}

/*
 * POSIX CPU timers are checked at the kernel's tick: at a rate above HZ
 * one signal arrives for several expired periods, and si_overrun says
 * how many were folded into it. Counting them keeps the profile's total
 * equal to the CPU time used (gperftools drops them and reads a quarter
 * of it at 1000 Hz); the stacks are then those of the ticks.
 */
static uint16_t sample_weight(const siginfo_t *si)
{
	int over = si->si_code == SI_TIMER ? si->si_overrun : 0;

	return (uint16_t)(over < 0 ? 1 : over > 1000 ? 1001 : over + 1);
}

static void on_sigprof(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;
	struct ring_slot *slot;
	uint64_t pcs[RING_MAX_DEPTH];
	int depth;

	if (!cpu_timer_is_ours(si)) {
		chain(sig, si, uc);
		errno = saved;
		return;
	}
	if (__atomic_load_n(&sampling, __ATOMIC_ACQUIRE) && !thr_is_agent()) {
		/* Unwound into the handler's stack, hot in cache, then
		 * copied in one go into the ring's colder slot. */
		depth = tunw_backtrace_uc(uc, pcs, RING_MAX_DEPTH);
		slot = ring_reserve(&prof.ring);
		if (slot) {
			slot->tid = thr_gettid();
			slot->depth = (uint16_t)depth;
			slot->weight = sample_weight(si);
			memcpy(slot->pcs, pcs, (size_t)depth * sizeof(*pcs));
			ring_commit(&prof.ring, slot);
		}
	}
	errno = saved;
}

static int install_handler(void)
{
	struct sigaction sa;

	if (handler_installed)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigprof;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGPROF);
	if (sigaction(SIGPROF, &sa, &previous))
		return TRIAGE_ESYS;
	handler_installed = true;
	return 0;
}

static void drain(void)
{
	struct ring_slot *s;

	while ((s = ring_peek(&prof.ring))) {
		/* Counted here, off the signal path: one less shared line
		 * for the handlers to fight over. */
		__atomic_fetch_add(&n_samples, 1, __ATOMIC_RELAXED);
		if (s->depth > 0 &&
		    stack_table_add(&prof.stacks, s->tid, s->pcs, s->depth,
				    s->weight) < 0)
			__atomic_fetch_add(&prof.ring.dropped, 1,
					   __ATOMIC_RELAXED);
		ring_release(&prof.ring, s);
	}
}

/* triage-cpu: drains the ring and keeps the timers and unwinder current. */
static void *profiler_thread(void *unused)
{
	struct timespec deadline;
	int round = 0;

	pthread_mutex_lock(&prof.lock);
	while (!prof.stopping) {
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_nsec += DRAIN_MS * 1000000L;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&prof.wake, &prof.lock, &deadline);
		pthread_mutex_unlock(&prof.lock);
		drain();
		if (++round % RESCAN_EVERY == 0) {
			cpu_timer_rescan();
			tunw_refresh_if_changed();
		}
		pthread_mutex_lock(&prof.lock);
	}
	pthread_mutex_unlock(&prof.lock);
	return NULL;
}

int cpu_profile_start(int hz, enum cpu_timer_mode mode)
{
	int err;

	pthread_mutex_lock(&prof.lock);
	if (prof.running) {
		pthread_mutex_unlock(&prof.lock);
		return TRIAGE_EBUSY;
	}
	err = install_handler();
	if (!err)
		err = tunw_init();
	if (!err && !prof.ring.slots)
		err = ring_init(&prof.ring, RING_SLOTS);
	if (err)
		goto out;
	stack_table_init(&prof.stacks);
	prof.hz = hz;
	prof.stopping = false;
	prof.start_ns = now_ns(CLOCK_REALTIME);
	prof.start_mono = now_ns(CLOCK_MONOTONIC);
	__atomic_store_n(&sampling, 1, __ATOMIC_RELEASE);
	err = cpu_timer_start(hz, mode);
	if (!err)
		err = thr_create_agent(&prof.thread, "cpu", profiler_thread,
				       NULL) ? TRIAGE_ESYS : 0;
	if (err) {
		cpu_timer_stop();
		__atomic_store_n(&sampling, 0, __ATOMIC_RELEASE);
		stack_table_free(&prof.stacks);
		goto out;
	}
	prof.running = true;
out:
	pthread_mutex_unlock(&prof.lock);
	return err;
}

static int build(struct tprof **out, int64_t duration)
{
	struct tprof_builder *b = tprof_builder_new();
	int64_t period = 1000000000LL / prof.hz;
	int err;

	if (!b)
		return TRIAGE_ENOMEM;
	tprof_add_sample_type(b, "samples", "count");
	tprof_add_sample_type(b, "cpu", "nanoseconds");
	tprof_set_period(b, "cpu", "nanoseconds", period);
	tprof_set_time(b, prof.start_ns, duration);
	err = sym_add_stacks(b, &prof.stacks, period);
	if (err) {
		tprof_builder_free(b);
		return err;
	}
	return tprof_builder_finish(b, out);
}

int cpu_profile_stop(struct tprof **out)
{
	int64_t duration;
	int err;

	pthread_mutex_lock(&prof.lock);
	if (!prof.running) {
		pthread_mutex_unlock(&prof.lock);
		return TRIAGE_ESTATE;
	}
	cpu_timer_stop();
	__atomic_store_n(&sampling, 0, __ATOMIC_SEQ_CST);
	duration = now_ns(CLOCK_MONOTONIC) - prof.start_mono;
	prof.stopping = true;
	pthread_cond_signal(&prof.wake);
	pthread_mutex_unlock(&prof.lock);
	pthread_join(prof.thread, NULL);

	pthread_mutex_lock(&prof.lock);
	drain();
	if (prof.ring.dropped)
		tlog(TLOG_INFO, "CPU profile: %llu samples dropped",
		     (unsigned long long)prof.ring.dropped);
	err = build(out, duration);
	stack_table_free(&prof.stacks);
	prof.running = false;
	pthread_mutex_unlock(&prof.lock);
	return err;
}

bool cpu_profile_running(void)
{
	bool r;

	pthread_mutex_lock(&prof.lock);
	r = prof.running;
	pthread_mutex_unlock(&prof.lock);
	return r;
}

void cpu_profile_stats(struct cpu_profile_stats *out)
{
	out->samples = __atomic_load_n(&n_samples, __ATOMIC_RELAXED);
	out->dropped = __atomic_load_n(&prof.ring.dropped, __ATOMIC_RELAXED);
	out->foreign = __atomic_load_n(&n_foreign, __ATOMIC_RELAXED);
}

void cpu_profile_before_fork(void)
{
	pthread_mutex_lock(&prof.lock);
	cpu_timer_before_fork();
}

void cpu_profile_after_fork_parent(void)
{
	cpu_timer_after_fork_parent();
	pthread_mutex_unlock(&prof.lock);
}

void cpu_profile_after_fork_child(void)
{
	cpu_timer_after_fork_child();
	__atomic_store_n(&sampling, 0, __ATOMIC_RELEASE);
	if (prof.running) {
		/* The profiler's thread does not exist here; what the parent
		 * collected is the parent's. */
		stack_table_free(&prof.stacks);
		prof.running = false;
	}
	/* Samples the parent committed but never drained are the parent's. */
	if (prof.ring.slots)
		ring_reset(&prof.ring);
	pthread_mutex_init(&prof.lock, NULL);
	pthread_cond_init(&prof.wake, NULL);
}
