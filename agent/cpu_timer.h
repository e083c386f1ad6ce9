/*
 * cpu_timer.h - one CPU-time timer per host thread, signalling that
 * thread with SIGPROF (internal).
 *
 * Timers on a thread's CPU clock (setitimer, timer_create) tick only at
 * the kernel's HZ, so at 1000 Hz they under-sample by the ratio of the
 * two rates. A per-thread software perf event (task-clock) is driven by a
 * high-resolution timer instead and is allowed on one's own process; it
 * is the first choice. POSIX CPU-clock timers are the fallback where
 * perf events are forbidden (seccomp, perf_event_paranoid) and beyond a
 * budget of file descriptors, so that a host with thousands of threads
 * never runs out of descriptors because of us.
 */
#ifndef TRIAGE_AGENT_CPU_TIMER_H
#define TRIAGE_AGENT_CPU_TIMER_H

#include <signal.h>
#include <stdbool.h>

enum cpu_timer_mode { CPU_TIMER_AUTO, CPU_TIMER_PERF, CPU_TIMER_POSIX };

/*
 * Arms a timer at `hz` on every host thread (the agent's excluded), and
 * on threads created from now on. Returns 0 or a negative TRIAGE_E*.
 */
int cpu_timer_start(int hz, enum cpu_timer_mode mode);

/* Disarms every timer. Signals already queued may still arrive. */
void cpu_timer_stop(void);

/* Attaches threads that appeared without pthread_create and forgets
 * those that are gone. Called periodically by the profiler's thread. */
void cpu_timer_rescan(void);

/* For the thread-creation trampoline; no-ops when not profiling. */
void cpu_timer_attach_self(void);
void cpu_timer_detach_self(void);

/* In the SIGPROF handler: is this signal from one of our timers? */
bool cpu_timer_is_ours(const siginfo_t *si);

/* How many threads are armed with perf events and with POSIX timers. */
void cpu_timer_counts(int *perf, int *posix);

/* Stops every armed timer without forgetting it, and starts them
 * again (around an exec). */
void cpu_timer_pause(void);
void cpu_timer_resume(void);

/* Around fork: the registry is locked across it, so the child gets a
 * consistent copy to clean up. */
void cpu_timer_before_fork(void);
void cpu_timer_after_fork_parent(void);
void cpu_timer_after_fork_child(void);

#endif
