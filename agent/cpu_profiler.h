/*
 * cpu_profiler.h - CPU profiles of the whole process (internal).
 *
 * One profile at a time, as in Go. Starting arms a CPU-time timer on
 * every host thread; each tick interrupts its thread, whose SIGPROF
 * handler unwinds the interrupted stack into a lock-free ring; the
 * profiler's thread (triage-cpu) drains the ring into a table of
 * distinct stacks. Stopping symbolizes those stacks and builds a
 * profile.proto with Go's sample types (samples/count, cpu/nanoseconds).
 */
#ifndef TRIAGE_AGENT_CPU_PROFILER_H
#define TRIAGE_AGENT_CPU_PROFILER_H

#include "cpu_timer.h"
#include "profile.h"

#include <stdbool.h>
#include <stdint.h>

/* Returns TRIAGE_EBUSY while another CPU profile runs. */
int cpu_profile_start(int hz, enum cpu_timer_mode mode);

/* Stops the running profile and hands over what it collected. */
int cpu_profile_stop(struct tprof **out);

bool cpu_profile_running(void);

struct cpu_profile_stats {
	uint64_t samples;      /* samples taken, all profiles */
	uint64_t dropped;      /* samples lost to a full ring */
	uint64_t foreign;      /* SIGPROFs that were not ours */
};
void cpu_profile_stats(struct cpu_profile_stats *out);

/*
 * Around exec: a SIGPROF queued before an exec would stay pending into
 * the new image and kill it. before_exec pauses every timer and drops
 * pending SIGPROFs; after_exec_failed resumes when the exec returned.
 */
void cpu_profile_before_exec(void);
void cpu_profile_after_exec_failed(void);

/* Fork handling: the child starts with no profile running. */
void cpu_profile_before_fork(void);
void cpu_profile_after_fork_parent(void);
void cpu_profile_after_fork_child(void);

#endif
