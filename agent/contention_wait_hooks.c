/*
 * contention_wait_hooks.c - condition variables and semaphores, for the
 * block profile.
 *
 * A condition variable wait blocks by definition, so with the profile on
 * each one is timed, including the retaking of its mutex; the sampler
 * then keeps it by its length. A semaphore is tried first: taking a
 * token that is there is not blocking. Waits that time out or are
 * interrupted still blocked, and count; calls that fail at once (a bad
 * argument) do not.
 */
#include "contention_hooks.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <time.h>

void cont_wait_hooks_resolve(void)
{
	cont_resolve_all(COND_WAIT, SEM_CLOCKWAIT);
}

TRIAGE_API int pthread_cond_wait(pthread_cond_t *cv, pthread_mutex_t *m)
{
	int (*fn)(pthread_cond_t *, pthread_mutex_t *) =
	    REAL(COND_WAIT, pthread_cond_wait);
	struct cont_wait w;
	int r;

	if (likely(!cont_block_on()) || !fn)
		return fn ? fn(cv, m) : ENOSYS;
	if (!cont_block_wait_begin(&w))
		return fn(cv, m);
	r = fn(cv, m);
	cont_wait_end(&w, CONT_BLOCK, r == 0, pthread_cond_wait, RA());
	return r;
}

TRIAGE_API int pthread_cond_timedwait(pthread_cond_t *cv, pthread_mutex_t *m,
				      const struct timespec *t)
{
	int (*fn)(pthread_cond_t *, pthread_mutex_t *,
		  const struct timespec *) =
	    REAL(COND_TIMEDWAIT, pthread_cond_timedwait);
	struct cont_wait w;
	int r;

	if (likely(!cont_block_on()) || !fn)
		return fn ? fn(cv, m, t) : ENOSYS;
	if (!cont_block_wait_begin(&w))
		return fn(cv, m, t);
	r = fn(cv, m, t);
	cont_wait_end(&w, CONT_BLOCK, r == 0 || r == ETIMEDOUT,
		      pthread_cond_timedwait, RA());
	return r;
}

TRIAGE_API int pthread_cond_clockwait(pthread_cond_t *cv, pthread_mutex_t *m,
				      clockid_t c, const struct timespec *t)
{
	int (*fn)(pthread_cond_t *, pthread_mutex_t *, clockid_t,
		  const struct timespec *) =
	    REAL(COND_CLOCKWAIT, pthread_cond_clockwait);
	struct cont_wait w;
	int r;

	if (likely(!cont_block_on()) || !fn)
		return fn ? fn(cv, m, c, t) : ENOSYS;
	if (!cont_block_wait_begin(&w))
		return fn(cv, m, c, t);
	r = fn(cv, m, c, t);
	cont_wait_end(&w, CONT_BLOCK, r == 0 || r == ETIMEDOUT,
		      pthread_cond_clockwait, RA());
	return r;
}

/* Whether a failed semaphore wait had blocked. */
static bool sem_blocked(int r)
{
	return r == 0 || errno == ETIMEDOUT || errno == EINTR;
}

TRIAGE_API int sem_wait(sem_t *s)
{
	int (*fn)(sem_t *) = REAL(SEM_WAIT, sem_wait);
	struct cont_wait w;
	int r;

	if (likely(!cont_block_on()) || !fn)
		return fn ? fn(s) : cont_no_sem();
	if (cont_sem_taken(s))
		return 0;
	if (!cont_block_wait_begin(&w))
		return fn(s);
	r = fn(s);
	cont_wait_end(&w, CONT_BLOCK, sem_blocked(r), sem_wait, RA());
	return r;
}

TRIAGE_API int sem_timedwait(sem_t *s, const struct timespec *t)
{
	int (*fn)(sem_t *, const struct timespec *) =
	    REAL(SEM_TIMEDWAIT, sem_timedwait);
	struct cont_wait w;
	int r;

	if (likely(!cont_block_on()) || !fn)
		return fn ? fn(s, t) : cont_no_sem();
	if (cont_sem_taken(s))
		return 0;
	if (!cont_block_wait_begin(&w))
		return fn(s, t);
	r = fn(s, t);
	cont_wait_end(&w, CONT_BLOCK, sem_blocked(r), sem_timedwait, RA());
	return r;
}

TRIAGE_API int sem_clockwait(sem_t *s, clockid_t c, const struct timespec *t)
{
	int (*fn)(sem_t *, clockid_t, const struct timespec *) =
	    REAL(SEM_CLOCKWAIT, sem_clockwait);
	struct cont_wait w;
	int r;

	if (likely(!cont_block_on()) || !fn)
		return fn ? fn(s, c, t) : cont_no_sem();
	if (cont_sem_taken(s))
		return 0;
	if (!cont_block_wait_begin(&w))
		return fn(s, c, t);
	r = fn(s, c, t);
	cont_wait_end(&w, CONT_BLOCK, sem_blocked(r), sem_clockwait, RA());
	return r;
}
