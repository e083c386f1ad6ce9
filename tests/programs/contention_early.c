/*
 * contention_early - a library whose constructor locks, waits on a
 * condition variable and a semaphore before the agent's own constructor
 * may have run: preloaded beside libtriage, it checks that the hooks
 * find libc's functions on their own that early, whatever the order.
 * It says "early: ok" on stderr when every call did what libc does.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>

__attribute__((constructor)) static void lock_early(void)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
	struct timespec past = {0, 0};
	sem_t s;
	int ok = 1;

	ok &= pthread_mutex_lock(&m) == 0;
	ok &= pthread_cond_timedwait(&c, &m, &past) == ETIMEDOUT;
	ok &= pthread_mutex_unlock(&m) == 0;
	ok &= pthread_rwlock_rdlock(&rw) == 0;
	ok &= pthread_rwlock_unlock(&rw) == 0;
	ok &= sem_init(&s, 0, 1) == 0;
	ok &= sem_wait(&s) == 0;
	ok &= sem_timedwait(&s, &past) == -1 && errno == ETIMEDOUT;
	fprintf(stderr, "early: %s\n", ok ? "ok" : "WRONG");
}
