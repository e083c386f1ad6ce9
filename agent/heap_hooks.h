/*
 * heap_hooks.h - the heap profiler's allocation hooks and their switch
 * (internal).
 *
 * heap_malloc() and its siblings behave as the allocator the process
 * really uses (the next definition after libtriage: glibc, jemalloc,
 * tcmalloc...) and sample what passes through them. libtriage.so
 * exports them under the standard names (agent/preload/); the static
 * library does not, so that linking it replaces no allocator.
 *
 * The cost of an allocation that is not sampled is a thread-local
 * decrement and compare; of a free, one bit of a summary word and
 * sometimes one of an 8 KiB bitmap.
 * The profiler's own allocations, and those of the agent's threads,
 * are passed through and never recorded.
 */
#ifndef TRIAGE_AGENT_HEAP_HOOKS_H
#define TRIAGE_AGENT_HEAP_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where every hook goes, so that sampled stacks can drop their frames. */
#define HEAP_HOOK __attribute__((section("triage_hooks")))

/* Hooks with the semantics of the functions they are named after. */
void *heap_malloc(size_t n);
void heap_free(void *p);
void *heap_calloc(size_t n, size_t size);
void *heap_realloc(void *p, size_t n);
int heap_posix_memalign(void **out, size_t align, size_t n);
void *heap_aligned_alloc(size_t align, size_t n);
void *heap_memalign(size_t align, size_t n);
void *heap_valloc(size_t n);
void *heap_pvalloc(size_t n);

/* The calling thread's sampling state (initial-exec TLS). */
struct heap_tls {
	int64_t left;  /* bytes to allocate before the next sample */
	int64_t saved; /* `left` outside the guard */
	uint64_t rng;
	uint32_t gen; /* the configuration `left` was drawn for */
	int depth;    /* inside the profiler: nothing is recorded */
};

extern __thread struct heap_tls heap_tls
    __attribute__((tls_model("initial-exec")));

/*
 * For hooks that call another allocator entry which reaches the hooks
 * again (C++'s operator new calls malloc): between pass_enter and
 * pass_leave nothing is sampled, then the outer hook accounts the block
 * with heap_note_alloc(). The pair nests.
 */
static inline int64_t heap_pass_enter(void)
{
	int64_t saved = heap_tls.left;

	heap_tls.left = INT64_MAX;
	return saved;
}

static inline void heap_pass_leave(int64_t *saved)
{
	heap_tls.left = *saved;
}

/*
 * The profiler's guard, for the agent's own work on a host thread
 * (starting, stopping): nothing allocated inside is sampled, and the
 * sampling path takes none of the locks that work may hold. Nests.
 */
void heap_guard_enter(void);
void heap_guard_leave(void);

/* Slow paths of heap_note_alloc(); see heap_hooks.c. */
bool heap_should_sample(size_t n);
void heap_record(void *p, size_t n);

/* Counts an allocation of `n` bytes at `p` (NULL: failed) for sampling. */
static inline void heap_note_alloc(void *p, size_t n)
{
	if (p && (heap_tls.left -= (int64_t)n) <= 0 && heap_should_sample(n))
		heap_record(p, n);
}

/* Forgets `p` if it was a live sampled block (a delete that does not
 * reach free(), e.g. jemalloc's sized delete). */
void heap_note_free(void *p);

/* The next definition of `name` after libtriage, or NULL. */
void *heap_next_symbol(const char *name);

/*
 * Sets the mean sampling interval in bytes (0 off, 1 every allocation).
 * Threads pick a new rate up at their next sample, or within 1 MiB of
 * allocation when sampling was off.
 */
void heap_set_rate(long rate);

/* The rate in force; the last nonzero one, for scaling after a stop. */
long heap_rate(void);
long heap_last_rate(void);

/*
 * Starts sampling at `rate` and the thread that keeps the unwinder's
 * view of loaded code current (triage-heap). When malloc does not reach
 * libtriage (another allocator preloaded before it, or the static
 * library) says why in `why` and tells the agent's log. 0, or
 * TRIAGE_ESYS when the thread cannot start (sampling goes on).
 */
int heap_start(long rate);

/* Stops sampling (blocks already sampled are still matched to frees)
 * and the thread. */
void heap_stop(void);

/* "" when the hooks see the process's allocations, else the reason. */
const char *heap_blind_reason(void);

/* Fork: tables locked across fork(); the child keeps its live blocks. */
void heap_before_fork(void);
void heap_after_fork_parent(void);
void heap_after_fork_child(void);

#endif
