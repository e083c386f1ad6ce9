/*
 * threads.h - the agent's view of the host's threads (internal).
 *
 * libtriage interposes pthread_create so that every new thread is known
 * from its first instruction: its stack bounds are recorded for the
 * unwinder, the CPU profiler arms its timer at once (a thread that lives
 * 2 ms is still sampled), and threads the agent itself starts are named
 * triage-* and kept out of every profile.
 */
#ifndef TRIAGE_AGENT_THREADS_H
#define TRIAGE_AGENT_THREADS_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

/* The kernel's id of the calling thread (cached; async-signal-safe). */
pid_t thr_gettid(void);

/* True when the calling thread belongs to the agent. */
bool thr_is_agent(void);

/* True when `tid` is one of the agent's threads. */
bool thr_is_agent_tid(pid_t tid);

/*
 * Starts an agent thread named "triage-<name>" (the name is cut to the
 * kernel's 15 characters). Threads it creates in turn are agent threads.
 */
int thr_create_agent(pthread_t *t, const char *name, void *(*fn)(void *),
		     void *arg);

/*
 * While the calling thread is inside an agent scope, threads it creates
 * (for example libmicrohttpd's) are agent threads.
 */
void thr_agent_scope_enter(void);
void thr_agent_scope_leave(void);

/* In a forked child: forget the parent's threads. */
void thr_after_fork_child(void);

#endif
