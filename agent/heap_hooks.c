/*
 * heap_hooks.c - the allocation hooks of the heap profiler (see
 * heap_hooks.h), and their configuration.
 *
 * Fast paths first: an allocation subtracts its size from the thread's
 * countdown and, while that stays positive, tail-calls the real
 * allocator; a free reads one bit of the table's filter and tail-calls
 * the real free. Only a countdown that runs out (heap_should_sample) or
 * a set bit leads to the slow paths.
 *
 * The real functions are found with dlsym(RTLD_NEXT), on the first
 * call, which may come from the dynamic loader before any constructor.
 * dlsym may itself allocate: the thread that resolves is then served
 * from a static bootstrap arena, whose blocks free() recognises (their
 * filter bits are pinned) and never hands to the real allocator.
 *
 * The profiler's own work on a thread runs inside a guard (`depth`):
 * its countdown is parked at INT64_MAX so that nothing it allocates is
 * sampled, and frees skip the table, whose locks it may hold.
 *
 * Every hook lives in the section triage_hooks, so that a sampled
 * stack drops its leading frames there, whatever the compiler inlined.
 */
#include "heap_hooks.h"

#include "heap_sampler.h"
#include "heap_table.h"
#include "log.h"
#include "options.h"
#include "threads.h"
#include "triage.h"
#include "unwind.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HOOK HEAP_HOOK
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define TLS __thread __attribute__((tls_model("initial-exec")))

/* While sampling is off, a thread looks again after this many bytes. */
#define OFF_RECHECK (1 << 20)
#define BOOT_SIZE (256 * 1024)
#define REFRESH_MS 250
/* Frames of the hooks above the caller, at most. */
#define HOOK_FRAMES 8

extern const char __start_triage_hooks[] __attribute__((visibility("hidden")));
extern const char __stop_triage_hooks[] __attribute__((visibility("hidden")));

/* Defined by agent/preload/heap_interpose.c, in libtriage.so only. */
extern const int heap_interposer_present
    __attribute__((weak, visibility("hidden")));

TLS struct heap_tls heap_tls;
static TLS bool tls_resolving;

static struct {
	void *(*malloc)(size_t);
	void (*free)(void *);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	int (*posix_memalign)(void **, size_t, size_t);
	void *(*aligned_alloc)(size_t, size_t);
	void *(*memalign)(size_t, size_t);
	void *(*valloc)(size_t);
	void *(*pvalloc)(size_t);
} real;

static int resolve_state; /* 0 not yet, 1 resolving, 2 done */

static char boot[BOOT_SIZE] __attribute__((aligned(4096)));
static size_t boot_used;

static struct {
	pthread_mutex_t lock; /* configuration, start and stop */
	long rate;
	long last_rate;
	uint32_t gen; /* bumped at each change of rate */
	int rate_set; /* 0 until the rate is known */
	int unwinder; /* 0 not tried, 1 ready, -1 failed */
	pthread_t thread;
	pthread_cond_t wake;
	bool thread_running, stopping;
	char blind[256];
} heap = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

/* --- finding the real allocator ------------------------------------ */

void *heap_next_symbol(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

/* RTLD_NEXT, else glibc's own entry, so a strange link still works. */
static void *find(const char *name, const char *libc_name)
{
	void *f = dlsym(RTLD_NEXT, name);

	return f ? f : dlsym(RTLD_DEFAULT, libc_name);
}

static void resolve_all(void)
{
	__typeof__(real) r;

	r.malloc = find("malloc", "__libc_malloc");
	r.free = find("free", "__libc_free");
	r.calloc = find("calloc", "__libc_calloc");
	r.realloc = find("realloc", "__libc_realloc");
	r.posix_memalign = find("posix_memalign", "__posix_memalign");
	r.aligned_alloc = find("aligned_alloc", "__libc_memalign");
	r.memalign = find("memalign", "__libc_memalign");
	r.valloc = find("valloc", "__libc_valloc");
	r.pvalloc = find("pvalloc", "__libc_pvalloc");
	__atomic_store_n(&real.free, r.free, __ATOMIC_RELEASE);
	__atomic_store_n(&real.calloc, r.calloc, __ATOMIC_RELEASE);
	__atomic_store_n(&real.realloc, r.realloc, __ATOMIC_RELEASE);
	__atomic_store_n(&real.posix_memalign, r.posix_memalign,
			 __ATOMIC_RELEASE);
	__atomic_store_n(&real.aligned_alloc, r.aligned_alloc,
			 __ATOMIC_RELEASE);
	__atomic_store_n(&real.memalign, r.memalign, __ATOMIC_RELEASE);
	__atomic_store_n(&real.valloc, r.valloc, __ATOMIC_RELEASE);
	__atomic_store_n(&real.pvalloc, r.pvalloc, __ATOMIC_RELEASE);
	__atomic_store_n(&real.malloc, r.malloc, __ATOMIC_RELEASE);
}

/*
 * Resolves the real functions once. Other threads wait; the resolving
 * thread itself may come back here from inside dlsym, and then finds
 * the pointers still NULL and uses the bootstrap arena.
 */
static void resolve(void)
{
	int expected = 0;

	if (__atomic_compare_exchange_n(&resolve_state, &expected, 1, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		tls_resolving = true;
		resolve_all();
		tls_resolving = false;
		__atomic_store_n(&resolve_state, 2, __ATOMIC_RELEASE);
		return;
	}
	if (tls_resolving)
		return;
	while (__atomic_load_n(&resolve_state, __ATOMIC_ACQUIRE) != 2)
		sched_yield();
}

/* --- the bootstrap arena ------------------------------------------- */

/* A block of the static arena, its size in the 8 bytes before it. */
static void *boot_alloc(size_t align, size_t n)
{
	size_t at, start, end;

	if (align < 16)
		align = 16;
	at = __atomic_load_n(&boot_used, __ATOMIC_RELAXED);
	do {
		start = (at + sizeof(size_t) + align - 1) & ~(align - 1);
		end = start + ((n + 15) & ~(size_t)15);
		if (n > BOOT_SIZE || end > BOOT_SIZE)
			return NULL;
	} while (!__atomic_compare_exchange_n(
	    &boot_used, &at, end, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	memcpy(boot + start - sizeof(size_t), &n, sizeof(n));
	heap_table_pin(boot + start);
	return boot + start;
}

static bool boot_owns(const void *p)
{
	return (const char *)p >= boot && (const char *)p < boot + BOOT_SIZE;
}

/* --- the configuration ---------------------------------------------- */

/* What the environment asks for when the agent will start itself. */
static long env_rate(void)
{
	const char *s = getenv("TRIAGE_HEAP_SAMPLE");
	long v = TRIAGE_HEAP_SAMPLE_DEFAULT;

	if (!opt_autostart())
		return 0;
	if (s && opt_parse_int(s, 0, 1L << 40, &v))
		return 0; /* malformed: the agent will not start either */
	return v;
}

/* Under heap.lock. */
static void set_rate_locked(long rate)
{
	__atomic_store_n(&heap.rate, rate, __ATOMIC_RELAXED);
	if (rate > 0)
		heap.last_rate = rate;
	__atomic_store_n(&heap.rate_set, 1, __ATOMIC_RELEASE);
	__atomic_fetch_add(&heap.gen, 1, __ATOMIC_RELEASE);
}

void heap_set_rate(long rate)
{
	pthread_mutex_lock(&heap.lock);
	set_rate_locked(rate);
	pthread_mutex_unlock(&heap.lock);
}

/* The rate, read from the environment the first time: allocations
 * before the agent's constructor are sampled as it will ask. */
static long current_rate(void)
{
	if (UNLIKELY(!__atomic_load_n(&heap.rate_set, __ATOMIC_ACQUIRE))) {
		long r = env_rate();

		pthread_mutex_lock(&heap.lock);
		if (!heap.rate_set)
			set_rate_locked(r);
		pthread_mutex_unlock(&heap.lock);
	}
	return __atomic_load_n(&heap.rate, __ATOMIC_RELAXED);
}

long heap_rate(void)
{
	return current_rate();
}

long heap_last_rate(void)
{
	long r;

	current_rate();
	pthread_mutex_lock(&heap.lock);
	r = heap.last_rate;
	pthread_mutex_unlock(&heap.lock);
	return r;
}

/* --- the slow paths ------------------------------------------------- */

static uint64_t seed_of(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return heap_rng_seed(
	    (uint64_t)thr_gettid() ^ (uint64_t)(uintptr_t)&heap_tls,
	    (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

/*
 * The countdown ran out with an allocation of `n` bytes: true when it
 * is to be recorded. Draws the next interval. A countdown that was not
 * drawn for the rate in force (a new thread, a new rate) is drawn
 * afresh first and the allocation weighed against it.
 */
HOOK __attribute__((noinline)) bool heap_should_sample(size_t n)
{
	struct heap_tls *t = &heap_tls;
	uint32_t gen;
	long rate;

	if (t->depth) {
		t->left = INT64_MAX;
		return false;
	}
	rate = current_rate();
	gen = __atomic_load_n(&heap.gen, __ATOMIC_ACQUIRE);
	if (rate <= 0 || thr_is_agent()) {
		t->left = rate <= 0 ? OFF_RECHECK : INT64_MAX;
		t->gen = gen;
		return false;
	}
	if (t->gen != gen || !t->rng) {
		if (!t->rng)
			t->rng = seed_of();
		t->gen = gen;
		t->left = heap_next_interval(rate, &t->rng) - (int64_t)n;
		if (t->left > 0)
			return false;
	}
	t->left = heap_next_interval(rate, &t->rng);
	return true;
}

static void guard_enter(struct heap_tls *t)
{
	if (t->depth++ == 0) {
		t->saved = t->left;
		t->left = INT64_MAX;
	}
}

static void guard_leave(struct heap_tls *t)
{
	if (--t->depth == 0)
		t->left = t->saved;
}

void heap_guard_enter(void)
{
	guard_enter(&heap_tls);
}

void heap_guard_leave(void)
{
	guard_leave(&heap_tls);
}

static bool in_hooks(uint64_t pc)
{
	return pc - 1 >= (uintptr_t)__start_triage_hooks &&
	       pc - 1 < (uintptr_t)__stop_triage_hooks;
}

/* Records the sampled block `p` of `n` bytes with the caller's stack. */
HOOK __attribute__((noinline)) void heap_record(void *p, size_t n)
{
	struct heap_tls *t = &heap_tls;
	uint64_t pcs[HEAP_MAX_DEPTH + HOOK_FRAMES];
	int saved_errno = errno, depth, skip = 0;

	guard_enter(t);
	/* Before the agent starts (allocations of the loader, of libc's
	 * and other libraries' constructors), the unwinder is made here. */
	if (UNLIKELY(!__atomic_load_n(&heap.unwinder, __ATOMIC_ACQUIRE)))
		__atomic_store_n(&heap.unwinder, tunw_init() ? -1 : 1,
				 __ATOMIC_RELEASE);
	depth = tunw_backtrace_here(pcs, HEAP_MAX_DEPTH + HOOK_FRAMES);
	while (skip < depth && in_hooks(pcs[skip]))
		skip++;
	heap_table_add(p, n, pcs + skip, depth - skip);
	guard_leave(t);
	errno = saved_errno;
}

HOOK void heap_note_free(void *p)
{
	if (UNLIKELY(heap_table_maybe(p)) && p && !heap_tls.depth &&
	    !boot_owns(p))
		heap_table_count_free(heap_table_take(p));
}

/* --- the hooks ------------------------------------------------------- */

HOOK __attribute__((noinline)) static void *early_malloc(size_t n)
{
	resolve();
	if (__atomic_load_n(&real.malloc, __ATOMIC_ACQUIRE))
		return heap_malloc(n);
	return boot_alloc(16, n);
}

HOOK void *heap_malloc(size_t n)
{
	void *(*fn)(size_t) = real.malloc;
	void *p;

	if (UNLIKELY(!fn))
		return early_malloc(n);
	if (LIKELY((heap_tls.left -= (int64_t)n) > 0) || !heap_should_sample(n))
		return fn(n);
	p = fn(n);
	if (p)
		heap_record(p, n);
	return p;
}

/* free() of a block whose filter bit is set, or before resolution. A
 * bootstrap block never reaches the real free. */
HOOK __attribute__((noinline)) static void free_slow(void *p)
{
	void (*fn)(void *);

	if (p && boot_owns(p))
		return;
	if (p && !heap_tls.depth)
		heap_table_count_free(heap_table_take(p));
	fn = __atomic_load_n(&real.free, __ATOMIC_ACQUIRE);
	if (!fn) {
		resolve();
		fn = __atomic_load_n(&real.free, __ATOMIC_ACQUIRE);
		if (!fn)
			return; /* only inside dlsym: leaked, harmlessly */
	}
	fn(p);
}

HOOK void heap_free(void *p)
{
	void (*fn)(void *) = real.free;

	if (UNLIKELY(heap_table_maybe(p)) || UNLIKELY(!fn))
		free_slow(p);
	else
		fn(p);
}

HOOK __attribute__((noinline)) static void *early_calloc(size_t n, size_t size)
{
	size_t total;

	resolve();
	if (__atomic_load_n(&real.calloc, __ATOMIC_ACQUIRE))
		return heap_calloc(n, size);
	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return boot_alloc(16, total); /* the arena is zeroed, never reused */
}

HOOK void *heap_calloc(size_t n, size_t size)
{
	void *(*fn)(size_t, size_t) = real.calloc;
	size_t total;
	void *p;

	if (UNLIKELY(!fn))
		return early_calloc(n, size);
	if (UNLIKELY(__builtin_mul_overflow(n, size, &total)))
		return fn(n, size);
	if (LIKELY((heap_tls.left -= (int64_t)total) > 0) ||
	    !heap_should_sample(total))
		return fn(n, size);
	p = fn(n, size);
	if (p)
		heap_record(p, total);
	return p;
}

/* realloc of a bootstrap block: a new block, never the arena's free. */
static void *boot_realloc(void *p, size_t n)
{
	size_t old;
	void *q;

	memcpy(&old, (char *)p - sizeof(size_t), sizeof(old));
	q = heap_malloc(n);
	if (q)
		memcpy(q, p, old < n ? old : n);
	return q;
}

/*
 * realloc of a block that may be sampled (or before resolution): the
 * old block is taken out of the table before the real call, so that a
 * thread given the same address afterwards cannot lose its record, and
 * put back if the call fails. Accounted as a free and an allocation.
 */
HOOK __attribute__((noinline)) static void *realloc_slow(void *p, size_t n)
{
	void *(*fn)(void *, size_t);
	struct heap_block old = {-1, 0};
	void *q;

	if (!__atomic_load_n(&real.realloc, __ATOMIC_ACQUIRE))
		resolve();
	if (p && boot_owns(p))
		return boot_realloc(p, n);
	fn = __atomic_load_n(&real.realloc, __ATOMIC_ACQUIRE);
	if (!fn)
		return p ? NULL : boot_alloc(16, n);
	if (p && !heap_tls.depth)
		old = heap_table_take(p);
	q = fn(p, n);
	if (!q && n) {
		heap_table_put_back(p, old);
		return NULL;
	}
	heap_table_count_free(old);
	heap_note_alloc(q, n);
	return q;
}

HOOK void *heap_realloc(void *p, size_t n)
{
	void *(*fn)(void *, size_t) = real.realloc;
	void *q;

	if (UNLIKELY(!fn) || UNLIKELY(heap_table_maybe(p)))
		return realloc_slow(p, n);
	if (LIKELY((heap_tls.left -= (int64_t)n) > 0) || !heap_should_sample(n))
		return fn(p, n);
	q = fn(p, n);
	if (q)
		heap_record(q, n);
	return q;
}

static bool power_of_two(size_t a)
{
	return a && !(a & (a - 1));
}

HOOK __attribute__((noinline)) static int
early_posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	resolve();
	if (__atomic_load_n(&real.posix_memalign, __ATOMIC_ACQUIRE))
		return heap_posix_memalign(out, align, n);
	if (!power_of_two(align) || align % sizeof(void *))
		return EINVAL;
	p = boot_alloc(align, n);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

HOOK int heap_posix_memalign(void **out, size_t align, size_t n)
{
	int (*fn)(void **, size_t, size_t) = real.posix_memalign;
	int rc;

	if (UNLIKELY(!fn))
		return early_posix_memalign(out, align, n);
	if (LIKELY((heap_tls.left -= (int64_t)n) > 0) || !heap_should_sample(n))
		return fn(out, align, n);
	rc = fn(out, align, n);
	if (rc == 0)
		heap_record(*out, n);
	return rc;
}

/*
 * The (alignment, size) allocators. `fn` is the real one, `acct` the
 * bytes to account (pvalloc rounds up to a page). Before resolution the
 * caller gets a block of the bootstrap arena.
 */
static inline __attribute__((always_inline)) void *
aligned_hook(void *(*fn)(size_t, size_t), size_t align, size_t n, size_t acct)
{
	void *p;

	if (LIKELY((heap_tls.left -= (int64_t)acct) > 0) ||
	    !heap_should_sample(acct))
		return fn(align, n);
	p = fn(align, n);
	if (p)
		heap_record(p, acct);
	return p;
}

/* valloc and pvalloc take no alignment; adapt them to aligned_hook. */
static void *call_valloc(size_t align, size_t n)
{
	return real.valloc(n);
}

static void *call_pvalloc(size_t align, size_t n)
{
	return real.pvalloc(n);
}

enum aligned_kind { ALIGNED_ALLOC, MEMALIGN, VALLOC, PVALLOC };

/*
 * An (alignment, size) allocator called before resolution: resolves,
 * then calls the hook again, or serves the resolving thread from the
 * bootstrap arena. NULL when the real function does not exist.
 */
HOOK __attribute__((noinline)) static void *
early_aligned(enum aligned_kind kind, size_t align, size_t n)
{
	void *const *fn[] = {
	    [ALIGNED_ALLOC] = (void *const *)&real.aligned_alloc,
	    [MEMALIGN] = (void *const *)&real.memalign,
	    [VALLOC] = (void *const *)&real.valloc,
	    [PVALLOC] = (void *const *)&real.pvalloc,
	};

	resolve();
	if (!__atomic_load_n(&real.malloc, __ATOMIC_ACQUIRE)) {
		if (!power_of_two(align)) {
			errno = EINVAL;
			return NULL;
		}
		return boot_alloc(align, n);
	}
	if (!__atomic_load_n(fn[kind], __ATOMIC_ACQUIRE)) {
		errno = ENOMEM;
		return NULL;
	}
	switch (kind) {
	case ALIGNED_ALLOC:
		return heap_aligned_alloc(align, n);
	case MEMALIGN:
		return heap_memalign(align, n);
	case VALLOC:
		return heap_valloc(n);
	default:
		return heap_pvalloc(n);
	}
}

HOOK void *heap_aligned_alloc(size_t align, size_t n)
{
	void *(*fn)(size_t, size_t) = real.aligned_alloc;

	if (UNLIKELY(!fn))
		return early_aligned(ALIGNED_ALLOC, align, n);
	return aligned_hook(fn, align, n, n);
}

HOOK void *heap_memalign(size_t align, size_t n)
{
	void *(*fn)(size_t, size_t) = real.memalign;

	if (UNLIKELY(!fn))
		return early_aligned(MEMALIGN, align, n);
	return aligned_hook(fn, align, n, n);
}

HOOK void *heap_valloc(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (UNLIKELY(!real.valloc))
		return early_aligned(VALLOC, page, n);
	return aligned_hook(call_valloc, page, n, n);
}

HOOK void *heap_pvalloc(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t rounded = (n + page - 1) & ~(page - 1);

	if (UNLIKELY(!real.pvalloc))
		return early_aligned(PVALLOC, page, rounded);
	return aligned_hook(call_pvalloc, page, n, rounded);
}

/* --- start, stop, fork ------------------------------------------------ */

/* triage-heap: keeps the unwinder's view of loaded code current, so
 * that allocations in code loaded later unwind through it. */
static void *refresher(void *unused)
{
	struct timespec deadline;

	pthread_mutex_lock(&heap.lock);
	while (!heap.stopping) {
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_nsec += REFRESH_MS * 1000000L;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&heap.wake, &heap.lock, &deadline);
		pthread_mutex_unlock(&heap.lock);
		tunw_refresh_if_changed();
		pthread_mutex_lock(&heap.lock);
	}
	pthread_mutex_unlock(&heap.lock);
	return NULL;
}

/* Whether malloc reaches these hooks; the reason into heap.blind if
 * not. Under heap.lock. */
static bool check_sight(void)
{
	void *m = dlsym(RTLD_DEFAULT, "malloc");
	Dl_info self, other;

	heap.blind[0] = '\0';
	if (!&heap_interposer_present) {
		snprintf(heap.blind, sizeof(heap.blind),
			 "the static libtriage does not interpose the "
			 "allocator; preload libtriage.so to profile the heap");
		return false;
	}
	if (!m || !dladdr(m, &other) || !dladdr((void *)heap_malloc, &self) ||
	    other.dli_fbase != self.dli_fbase) {
		snprintf(heap.blind, sizeof(heap.blind),
			 "malloc is %s's, which comes before libtriage.so: "
			 "put libtriage.so first in LD_PRELOAD",
			 m && dladdr(m, &other) && other.dli_fname
			     ? other.dli_fname
			     : "another library");
		return false;
	}
	return true;
}

int heap_start(long rate)
{
	bool sees;
	int err = 0;

	pthread_mutex_lock(&heap.lock);
	set_rate_locked(rate);
	sees = check_sight();
	if (!sees)
		tlog(&heap_interposer_present ? TLOG_WARN : TLOG_INFO,
		     "heap profiles will be empty: %s", heap.blind);
	if (sees && rate > 0 && !heap.thread_running) {
		heap.stopping = false;
		if (thr_create_agent(&heap.thread, "heap", refresher, NULL))
			err = TRIAGE_ESYS;
		else
			heap.thread_running = true;
	}
	pthread_mutex_unlock(&heap.lock);
	return err;
}

void heap_stop(void)
{
	bool join;

	pthread_mutex_lock(&heap.lock);
	set_rate_locked(0);
	join = heap.thread_running;
	heap.stopping = true;
	heap.thread_running = false;
	pthread_cond_signal(&heap.wake);
	pthread_mutex_unlock(&heap.lock);
	if (join)
		pthread_join(heap.thread, NULL);
}

const char *heap_blind_reason(void)
{
	return heap.blind;
}

void heap_before_fork(void)
{
	pthread_mutex_lock(&heap.lock);
	heap_table_lock_all();
}

void heap_after_fork_parent(void)
{
	heap_table_unlock_all();
	pthread_mutex_unlock(&heap.lock);
}

void heap_after_fork_child(void)
{
	heap_table_after_fork_child();
	pthread_mutex_init(&heap.lock, NULL);
	pthread_cond_init(&heap.wake, NULL);
	/* The refresher is the parent's; the child's own agent starts
	 * another. This thread draws from a new seed, not its parent's. */
	heap.thread_running = false;
	heap_tls.rng = 0;
	heap_tls.gen = 0;
}
