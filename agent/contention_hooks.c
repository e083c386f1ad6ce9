/*
 * contention_hooks.c - the interposed lock, wait and semaphore calls.
 *
 * Every hook starts with one relaxed load of its profile's setting; when
 * the profile is off, as it is by default, it jumps straight to libc.
 * When the mutex profile is on, a lock first tries the real trylock: a
 * lock that is free costs that and nothing more. Only a lock that is
 * held by another thread, and picked by the sampler, is timed (the
 * vDSO's CLOCK_MONOTONIC) and its waiter's stack recorded. A condition
 * variable wait always blocks, so with the block profile on each one is
 * timed; a semaphore is first tried without blocking.
 *
 * The real functions are found with dlsym(RTLD_NEXT), eagerly before
 * the agent starts and lazily if a library's constructor locks sooner.
 * pthread_cond_wait and pthread_cond_timedwait exist in two versions on
 * x86_64; the hooks call the current one (GLIBC_2.3.2), which is what
 * every program built since 2003 links against.
 *
 * The agent's own threads, and a thread already inside a hook (a signal
 * handler that locks while its thread records), pass straight through.
 * Recording takes no lock and allocates nothing (see
 * contention_table.h), since the caller may be an allocator holding the
 * very lock it waited for.
 */
#include "contention_hooks.h"

#include "contention_sampling.h"
#include "threads.h"
#include "unwind.h"

#include <dlfcn.h>
#include <errno.h>
#include <time.h>

#define TLS __thread __attribute__((tls_model("initial-exec")))

/* Frames of the agent's own between the unwinder and the hook's caller;
 * a few more than there are, in case the compiler does not inline. */
#define MAX_OWN_FRAMES 6

static const struct {
	const char *name;
	const char *version; /* tried first when set */
} real_names[N_REAL] = {
	[MUTEX_LOCK] = {"pthread_mutex_lock", NULL},
	[MUTEX_TRYLOCK] = {"pthread_mutex_trylock", NULL},
	[MUTEX_TIMEDLOCK] = {"pthread_mutex_timedlock", NULL},
	[MUTEX_CLOCKLOCK] = {"pthread_mutex_clocklock", NULL},
	[RW_RDLOCK] = {"pthread_rwlock_rdlock", NULL},
	[RW_TRYRDLOCK] = {"pthread_rwlock_tryrdlock", NULL},
	[RW_TIMEDRDLOCK] = {"pthread_rwlock_timedrdlock", NULL},
	[RW_CLOCKRDLOCK] = {"pthread_rwlock_clockrdlock", NULL},
	[RW_WRLOCK] = {"pthread_rwlock_wrlock", NULL},
	[RW_TRYWRLOCK] = {"pthread_rwlock_trywrlock", NULL},
	[RW_TIMEDWRLOCK] = {"pthread_rwlock_timedwrlock", NULL},
	[RW_CLOCKWRLOCK] = {"pthread_rwlock_clockwrlock", NULL},
	[COND_WAIT] = {"pthread_cond_wait", "GLIBC_2.3.2"},
	[COND_TIMEDWAIT] = {"pthread_cond_timedwait", "GLIBC_2.3.2"},
	[COND_CLOCKWAIT] = {"pthread_cond_clockwait", NULL},
	[SEM_WAIT] = {"sem_wait", NULL},
	[SEM_TRYWAIT] = {"sem_trywait", NULL},
	[SEM_TIMEDWAIT] = {"sem_timedwait", NULL},
	[SEM_CLOCKWAIT] = {"sem_clockwait", NULL},
};

void *cont_real[N_REAL];

static TLS struct {
	bool in_hook;
	uint64_t rand;
} tls;

void *cont_resolve(enum real_id id)
{
	void *p = NULL;

	if (real_names[id].version)
		p = dlvsym(RTLD_NEXT, real_names[id].name,
			   real_names[id].version);
	if (!p)
		p = dlsym(RTLD_NEXT, real_names[id].name);
	if (p)
		__atomic_store_n(&cont_real[id], p, __ATOMIC_RELAXED);
	return p;
}

void cont_resolve_all(enum real_id first, enum real_id last)
{
	int id;

	for (id = first; id <= (int)last; id++)
		if (!__atomic_load_n(&cont_real[id], __ATOMIC_RELAXED))
			cont_resolve((enum real_id)id);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t next_rand(void)
{
	if (!tls.rand)
		tls.rand = (uint64_t)now_ns() ^ ((uint64_t)thr_gettid() << 32) ^
			   (uint64_t)(uintptr_t)&tls;
	return cont_rand(&tls.rand);
}

/* Whether this thread's waits may be recorded at all. */
static bool recordable(void)
{
	return !tls.in_hook && !thr_is_agent();
}

/* A contended lock: decides whether to time it (sampled before the
 * wait, as Go does, so unsampled waits cost no clock reads). */
bool cont_mutex_wait_begin(struct cont_wait *w)
{
	int fraction = __atomic_load_n(&cont.mutex_fraction, __ATOMIC_RELAXED);

	if (!recordable() ||
	    !cont_mutex_sampled(fraction, fraction > 1 ? next_rand() : 0))
		return false;
	w->t0 = now_ns();
	return true;
}

/* A blocking wait: always timed; sampled by its length at the end. */
bool cont_block_wait_begin(struct cont_wait *w)
{
	if (!recordable())
		return false;
	w->t0 = now_ns();
	return true;
}

/*
 * Records the stack that waited: the hook `leaf` (so the profile shows
 * which call blocked), then its caller at return address `ra` and the
 * caller's callers. The agent's own frames below the hook are dropped.
 */
__attribute__((noinline)) static void record(enum cont_kind k, int64_t d,
					     const void *leaf, const void *ra)
{
	uint64_t buf[1 + MAX_OWN_FRAMES + CONT_MAX_DEPTH];
	int n, at;

	n = tunw_backtrace_here(buf + 1, MAX_OWN_FRAMES + CONT_MAX_DEPTH);
	for (at = 1; at <= n && at <= MAX_OWN_FRAMES; at++)
		if (buf[at] == (uint64_t)(uintptr_t)ra)
			break;
	if (at > n || at > MAX_OWN_FRAMES) {
		/* The unwinder lost its way: the caller is still known. */
		buf[1] = (uint64_t)(uintptr_t)ra;
		at = n = 1;
	}
	/* +1: every pc is read as a return address, and entry + 1 - 1 is
	 * the hook's first instruction. */
	buf[at - 1] = (uint64_t)(uintptr_t)leaf + 1;
	__atomic_thread_fence(__ATOMIC_ACQUIRE); /* the table's mapping */
	cont_table_add(&cont.tables[k], buf + at - 1, n - at + 2, d);
}

void cont_wait_end(struct cont_wait *w, enum cont_kind k, bool waited,
		   const void *leaf, const void *ra)
{
	int saved = errno;
	int64_t d = now_ns() - w->t0;
	long rate = __atomic_load_n(&cont.block_rate, __ATOMIC_RELAXED);

	if (waited &&
	    (k == CONT_MUTEX ||
	     cont_block_sampled(rate, d, rate > 1 ? next_rand() : 0))) {
		tls.in_hook = true;
		record(k, d, leaf, ra);
		tls.in_hook = false;
	}
	errno = saved;
}

/* Takes a semaphore if that needs no wait; errno as it was if not. */
bool cont_sem_taken(sem_t *s)
{
	int (*try)(sem_t *) = REAL(SEM_TRYWAIT, sem_trywait);
	int saved = errno;

	if (try && try(s) == 0)
		return true;
	errno = saved;
	return false;
}

int cont_no_sem(void)
{
	errno = ENOSYS;
	return -1;
}
