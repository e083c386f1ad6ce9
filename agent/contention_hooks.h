/*
 * contention_hooks.h - what the interposed calls share: libc's real
 * functions, the settings' fast checks, and the slow path that times
 * and records a wait (internal to contention_*_hooks.c).
 */
#ifndef TRIAGE_AGENT_CONTENTION_HOOKS_H
#define TRIAGE_AGENT_CONTENTION_HOOKS_H

#include "contention_internal.h"
#include "options.h"

#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>

#define likely(x) __builtin_expect(!!(x), 1)

/* Where the hook returns to: its caller's frame, the top of the stack
 * the profile keeps. */
#define RA() __builtin_return_address(0)

enum real_id {
	MUTEX_LOCK,
	MUTEX_TRYLOCK,
	MUTEX_TIMEDLOCK,
	MUTEX_CLOCKLOCK,
	RW_RDLOCK,
	RW_TRYRDLOCK,
	RW_TIMEDRDLOCK,
	RW_CLOCKRDLOCK,
	RW_WRLOCK,
	RW_TRYWRLOCK,
	RW_TIMEDWRLOCK,
	RW_CLOCKWRLOCK,
	COND_WAIT,
	COND_TIMEDWAIT,
	COND_CLOCKWAIT,
	SEM_WAIT,
	SEM_TRYWAIT,
	SEM_TIMEDWAIT,
	SEM_CLOCKWAIT,
	N_REAL
};

/* libc's functions, by id; NULL until looked up. */
extern void *cont_real[N_REAL];

/* Looks up a real function; NULL when libc lacks it. */
void *cont_resolve(enum real_id id);

/* Looks up those from `first` to `last` not yet known. */
void cont_resolve_all(enum real_id first, enum real_id last);

/* Each hook file's lookups (see contention.c for why they are calls). */
void cont_lock_hooks_resolve(void);
void cont_wait_hooks_resolve(void);

static inline void *cont_real_fn(enum real_id id)
{
	void *p = __atomic_load_n(&cont_real[id], __ATOMIC_RELAXED);

	return likely(p) ? p : cont_resolve(id);
}

/* libc's `fn`, typed as `fn`; NULL only when libc lacks it. */
#define REAL(id, fn) ((__typeof__(&fn))cont_real_fn(id))

static inline bool cont_mutex_on(void)
{
	return __atomic_load_n(&cont.mutex_fraction, __ATOMIC_RELAXED) != 0;
}

static inline bool cont_block_on(void)
{
	return __atomic_load_n(&cont.block_rate, __ATOMIC_RELAXED) != 0;
}

/* A wait being timed. */
struct cont_wait {
	int64_t t0;
};

/*
 * A lock found held: true when this wait is to be timed (the thread is
 * not the agent's, and the sampler picked it); then call cont_wait_end()
 * once the lock is taken.
 */
bool cont_mutex_wait_begin(struct cont_wait *w);

/* A wait about to block: true when it is to be timed. */
bool cont_block_wait_begin(struct cont_wait *w);

/*
 * Ends a timed wait. When `waited` (the call blocked and did not fail
 * at once) and the block sampler agrees, records the waiting stack:
 * the hook `leaf` over its caller at `ra`. Keeps errno.
 */
void cont_wait_end(struct cont_wait *w, enum cont_kind k, bool waited,
		   const void *leaf, const void *ra);

/* Takes semaphore `s` if that needs no wait; errno as it was if not. */
bool cont_sem_taken(sem_t *s);

/* A semaphore call libc lacks: -1, errno ENOSYS. */
int cont_no_sem(void);

#endif
