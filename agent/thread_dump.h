/*
 * thread_dump.h - the stacks of every thread of the host, taken inside
 * the process (internal).
 *
 * A dump lists /proc/self/task, reads each thread's state from /proc,
 * then sends each host thread a real-time signal (SIGRTMIN+3 unless
 * TRIAGE_DUMP_SIGNAL says otherwise) whose handler unwinds the thread's
 * own stack into a slot made for it. It waits for the answers until a
 * deadline, so a thread that cannot answer (asleep in the kernel
 * uninterruptibly, stopped by a tracer, blocking the signal) is reported
 * with what /proc says of it and never holds the dump up. The agent's
 * own threads are left out.
 *
 * The signal interrupts blocking system calls in the threads it reaches.
 * The handler is installed with SA_RESTART, so most restart unseen, but
 * the kernel never restarts some of them after a handler, whatever the
 * flags (signal(7)): epoll_wait, epoll_pwait, poll, ppoll, select,
 * pselect, nanosleep, clock_nanosleep, sleep and usleep (which return
 * early), io_getevents, semop and semtimedop, msgrcv and msgsnd,
 * sigtimedwait, and socket calls with a receive or send timeout. They
 * fail with EINTR, as they do under any profiler or debugger that
 * signals threads (Go's runtime preempts its threads the same way); code
 * that retries on EINTR, as it must anyway, is unaffected.
 */
#ifndef TRIAGE_AGENT_THREAD_DUMP_H
#define TRIAGE_AGENT_THREAD_DUMP_H

#include "thread_proc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The deepest stack a dump keeps of a thread. */
#define TDUMP_MAX_DEPTH 128
/* The most threads one dump covers; the rest are counted, not shown. */
#define TDUMP_MAX_THREADS 65536
/* Deadline of a dump, in milliseconds: default and largest. */
#define TDUMP_TIMEOUT_DEFAULT 1000
#define TDUMP_TIMEOUT_MAX 10000
/* The default signal is SIGRTMIN + this. */
#define TDUMP_SIGNAL_OFFSET 3

/* What became of one thread in a dump. */
enum tdump_outcome {
	TDUMP_STACK,	     /* answered with its stack */
	TDUMP_NO_ANSWER,     /* signalled, silent until the deadline */
	TDUMP_BLOCKED,	     /* blocks the dump signal: not asked */
	TDUMP_STILL_PENDING, /* an earlier dump's signal still waits */
	TDUMP_NOT_SENT,	     /* the signal could not be queued */
	TDUMP_EXITED,	     /* a zombie: ended, not yet reaped */
};

struct tdump_thread {
	pid_t tid;
	struct tdump_task task; /* /proc's view, read before the signal */
	enum tdump_outcome outcome;
	int depth;	     /* 0 unless outcome is TDUMP_STACK */
	const uint64_t *pcs; /* pcs[0] the interrupted pc, then returns */
	int created_by;	     /* a thread_create.h record id, or 0 */
};

struct tdump {
	struct tdump_thread *threads; /* sorted by tid */
	size_t n;
	size_t omitted;	 /* threads past TDUMP_MAX_THREADS */
	int timeout_ms;	 /* the deadline it had */
	int64_t time_ns; /* when it was taken (CLOCK_REALTIME) */
	uint64_t *pool;	 /* owns the pcs */
};

/*
 * Sets the signal dumps use: 0 for the default, else a real-time signal
 * number (SIGRTMIN..SIGRTMAX). Takes effect at the next dump. Returns 0
 * or TRIAGE_EINVAL.
 */
int tdump_configure(int signo);

/* The signal dumps use, and its name ("SIGRTMIN+3") into `buf`. */
int tdump_signal(char *buf, size_t len);

/*
 * Takes a dump of every host thread, waiting at most `timeout_ms` for
 * their answers; with `details`, every thread's system call and wchan
 * are read too (those of threads without a stack always are). One dump
 * runs at a time; a second caller waits for the first. Returns 0,
 * TRIAGE_EBUSY when the program has its own handler on the dump signal,
 * TRIAGE_ENOMEM or TRIAGE_ESYS. Free with tdump_free().
 */
int tdump_take(struct tdump *d, int timeout_ms, bool details);
void tdump_free(struct tdump *d);

/* The host's threads now: /proc/self/task less the agent's. */
size_t tdump_count_threads(void);

#endif
