/*
 * contention.h - the lock-contention profiles, /debug/pprof/mutex and
 * /debug/pprof/block (internal).
 *
 * libtriage interposes the blocking pthread and semaphore calls. The
 * mutex profile records the time threads waited for pthread mutexes and
 * rwlocks that others held; the block profile the time they waited in
 * condition variables and semaphores. Each event is charged to the stack
 * that waited. Both are off by default, as in Go: then every hook is one
 * load of a flag and a jump to libc.
 */
#ifndef TRIAGE_AGENT_CONTENTION_H
#define TRIAGE_AGENT_CONTENTION_H

#include "http_server.h"

#include <stddef.h>

/*
 * Turns the profiles on or off: `mutex_fraction` N > 0 records on
 * average one contended lock in N (Go's SetMutexProfileFraction);
 * `block_rate` R > 0 records every wait of R ns or more and a shorter
 * wait of d ns with probability d/R (Go's SetBlockProfileRate). The
 * unwinder must be initialised first. What was recorded is kept across
 * calls, as Go keeps it; a profile whose tables cannot be mapped stays
 * off, with a warning.
 */
void contention_configure(int mutex_fraction, long block_rate);

/* Turns both profiles off and ends delta profiles that are waiting. */
void contention_stop(void);

/* In a forked child: forget what the parent recorded. */
void contention_after_fork_child(void);

/* The routes of /debug/pprof/mutex and /debug/pprof/block. */
const struct http_route *contention_routes(size_t *n);

#endif
