/*
 * contention_lock_hooks.c - pthread mutexes and rwlocks, for the mutex
 * profile.
 *
 * Each hook has the same shape: profile off, straight to libc; on, the
 * real trylock first, and only when it says EBUSY (the lock is held by
 * another thread) the sampled, timed, real lock. Any other answer of the
 * try is the lock's own (a robust mutex whose owner died is taken with
 * EOWNERDEAD either way; too many readers is EAGAIN either way) and is
 * returned as it is. A timed lock that times out still waited, and
 * counts.
 */
#include "contention_hooks.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>

void cont_lock_hooks_resolve(void)
{
	cont_resolve_all(MUTEX_LOCK, RW_CLOCKWRLOCK);
}

static int try_mutex(pthread_mutex_t *m)
{
	int (*fn)(pthread_mutex_t *) =
	    REAL(MUTEX_TRYLOCK, pthread_mutex_trylock);

	return fn ? fn(m) : EBUSY;
}

static int try_read(pthread_rwlock_t *l)
{
	int (*fn)(pthread_rwlock_t *) =
	    REAL(RW_TRYRDLOCK, pthread_rwlock_tryrdlock);

	return fn ? fn(l) : EBUSY;
}

static int try_write(pthread_rwlock_t *l)
{
	int (*fn)(pthread_rwlock_t *) =
	    REAL(RW_TRYWRLOCK, pthread_rwlock_trywrlock);

	return fn ? fn(l) : EBUSY;
}

TRIAGE_API int pthread_mutex_lock(pthread_mutex_t *m)
{
	int (*fn)(pthread_mutex_t *) = REAL(MUTEX_LOCK, pthread_mutex_lock);
	struct cont_wait w;
	int r;

	if (likely(!cont_mutex_on()) || !fn)
		return fn ? fn(m) : ENOSYS;
	r = try_mutex(m);
	if (r != EBUSY || !cont_mutex_wait_begin(&w))
		return r != EBUSY ? r : fn(m);
	r = fn(m);
	cont_wait_end(&w, CONT_MUTEX, r == 0, pthread_mutex_lock, RA());
	return r;
}

TRIAGE_API int pthread_mutex_timedlock(pthread_mutex_t *m,
				       const struct timespec *t)
{
	int (*fn)(pthread_mutex_t *, const struct timespec *) =
	    REAL(MUTEX_TIMEDLOCK, pthread_mutex_timedlock);
	struct cont_wait w;
	int r;

	if (likely(!cont_mutex_on()) || !fn)
		return fn ? fn(m, t) : ENOSYS;
	r = try_mutex(m);
	if (r != EBUSY || !cont_mutex_wait_begin(&w))
		return r != EBUSY ? r : fn(m, t);
	r = fn(m, t);
	cont_wait_end(&w, CONT_MUTEX, r == 0 || r == ETIMEDOUT,
		      pthread_mutex_timedlock, RA());
	return r;
}

TRIAGE_API int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t c,
				       const struct timespec *t)
{
	int (*fn)(pthread_mutex_t *, clockid_t, const struct timespec *) =
	    REAL(MUTEX_CLOCKLOCK, pthread_mutex_clocklock);
	struct cont_wait w;
	int r;

	if (likely(!cont_mutex_on()) || !fn)
		return fn ? fn(m, c, t) : ENOSYS;
	r = try_mutex(m);
	if (r != EBUSY || !cont_mutex_wait_begin(&w))
		return r != EBUSY ? r : fn(m, c, t);
	r = fn(m, c, t);
	cont_wait_end(&w, CONT_MUTEX, r == 0 || r == ETIMEDOUT,
		      pthread_mutex_clocklock, RA());
	return r;
}

TRIAGE_API int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
	int (*fn)(pthread_rwlock_t *) = REAL(RW_RDLOCK, pthread_rwlock_rdlock);
	struct cont_wait w;
	int r;

	if (likely(!cont_mutex_on()) || !fn)
		return fn ? fn(l) : ENOSYS;
	r = try_read(l);
	if (r != EBUSY || !cont_mutex_wait_begin(&w))
		return r != EBUSY ? r : fn(l);
	r = fn(l);
	cont_wait_end(&w, CONT_MUTEX, r == 0, pthread_rwlock_rdlock, RA());
	return r;
}

TRIAGE_API int pthread_rwlock_timedrdlock(pthread_rwlock_t *l,
					  const struct timespec *t)
{
	int (*fn)(pthread_rwlock_t *, const struct timespec *) =
	    REAL(RW_TIMEDRDLOCK, pthread_rwlock_timedrdlock);
	struct cont_wait w;
	int r;

	if (likely(!cont_mutex_on()) || !fn)
		return fn ? fn(l, t) : ENOSYS;
	r = try_read(l);
	if (r != EBUSY || !cont_mutex_wait_begin(&w))
		return r != EBUSY ? r : fn(l, t);
	r = fn(l, t);
	cont_wait_end(&w, CONT_MUTEX, r == 0 || r == ETIMEDOUT,
		      pthread_rwlock_timedrdlock, RA());
	return r;
}

TRIAGE_API int pthread_rwlock_clockrdlock(pthread_rwlock_t *l, clockid_t c,
					  const struct timespec *t)
{
	int (*fn)(pthread_rwlock_t *, clockid_t, const struct timespec *) =
	    REAL(RW_CLOCKRDLOCK, pthread_rwlock_clockrdlock);
	struct cont_wait w;
	int r;

	if (likely(!cont_mutex_on()) || !fn)
		return fn ? fn(l, c, t) : ENOSYS;
	r = try_read(l);
	if (r != EBUSY || !cont_mutex_wait_begin(&w))
		return r != EBUSY ? r : fn(l, c, t);
	r = fn(l, c, t);
	cont_wait_end(&w, CONT_MUTEX, r == 0 || r == ETIMEDOUT,
		      pthread_rwlock_clockrdlock, RA());
	return r;
}

TRIAGE_API int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
	int (*fn)(pthread_rwlock_t *) = REAL(RW_WRLOCK, pthread_rwlock_wrlock);
	struct cont_wait w;
	int r;

	if (likely(!cont_mutex_on()) || !fn)
		return fn ? fn(l) : ENOSYS;
	r = try_write(l);
	if (r != EBUSY || !cont_mutex_wait_begin(&w))
		return r != EBUSY ? r : fn(l);
	r = fn(l);
	cont_wait_end(&w, CONT_MUTEX, r == 0, pthread_rwlock_wrlock, RA());
	return r;
}

TRIAGE_API int pthread_rwlock_timedwrlock(pthread_rwlock_t *l,
					  const struct timespec *t)
{
	int (*fn)(pthread_rwlock_t *, const struct timespec *) =
	    REAL(RW_TIMEDWRLOCK, pthread_rwlock_timedwrlock);
	struct cont_wait w;
	int r;

	if (likely(!cont_mutex_on()) || !fn)
		return fn ? fn(l, t) : ENOSYS;
	r = try_write(l);
	if (r != EBUSY || !cont_mutex_wait_begin(&w))
		return r != EBUSY ? r : fn(l, t);
	r = fn(l, t);
	cont_wait_end(&w, CONT_MUTEX, r == 0 || r == ETIMEDOUT,
		      pthread_rwlock_timedwrlock, RA());
	return r;
}

TRIAGE_API int pthread_rwlock_clockwrlock(pthread_rwlock_t *l, clockid_t c,
					  const struct timespec *t)
{
	int (*fn)(pthread_rwlock_t *, clockid_t, const struct timespec *) =
	    REAL(RW_CLOCKWRLOCK, pthread_rwlock_clockwrlock);
	struct cont_wait w;
	int r;

	if (likely(!cont_mutex_on()) || !fn)
		return fn ? fn(l, c, t) : ENOSYS;
	r = try_write(l);
	if (r != EBUSY || !cont_mutex_wait_begin(&w))
		return r != EBUSY ? r : fn(l, c, t);
	r = fn(l, c, t);
	cont_wait_end(&w, CONT_MUTEX, r == 0 || r == ETIMEDOUT,
		      pthread_rwlock_clockwrlock, RA());
	return r;
}
