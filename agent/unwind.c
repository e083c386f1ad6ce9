/*
 * unwind.c - the unwinder's lifecycle and entry points: publishing
 * snapshots safely for handlers, and the frame loop of a backtrace.
 *
 * Snapshots are published with an atomic pointer swap. A handler counts
 * itself in `inflight` before it loads the pointer and out when done; a
 * retired snapshot is freed only when a refresh sees no handler in
 * flight, which proves none can still hold it (a handler that counted
 * itself in later loads the new pointer). Retired snapshots that are
 * still busy wait for the next refresh, so their number stays bounded by
 * the dlopen/dlclose churn between two quiet moments.
 */
#include "unwind_internal.h"

#include "triage.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <ucontext.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bool initialised;
static struct tunw_snapshot *current;
static struct tunw_snapshot *retired;
static int inflight;

static struct tunw_stats stats;

/*
 * Counters are diagnostics: a plain load and store, not a locked add,
 * keep them off the cost of a sample (handlers on several cores would
 * fight over the line). Concurrent samples may lose an increment.
 */
static void count(uint64_t *counter, uint64_t n)
{
	if (n)
		__atomic_store_n(counter,
				 __atomic_load_n(counter, __ATOMIC_RELAXED) + n,
				 __ATOMIC_RELAXED);
}

void tunw_get_stats(struct tunw_stats *out)
{
	out->cache_hits = __atomic_load_n(&stats.cache_hits, __ATOMIC_RELAXED);
	out->cache_misses =
	    __atomic_load_n(&stats.cache_misses, __ATOMIC_RELAXED);
	out->stops_no_module =
	    __atomic_load_n(&stats.stops_no_module, __ATOMIC_RELAXED);
	out->stops_no_fde =
	    __atomic_load_n(&stats.stops_no_fde, __ATOMIC_RELAXED);
	out->stops_bad_rule =
	    __atomic_load_n(&stats.stops_bad_rule, __ATOMIC_RELAXED);
	out->stops_bad_read =
	    __atomic_load_n(&stats.stops_bad_read, __ATOMIC_RELAXED);
	out->slow_reads = __atomic_load_n(&stats.slow_reads, __ATOMIC_RELAXED);
}

/* Frees the retired snapshots if no handler is in flight. Under lock. */
static void reclaim(void)
{
	struct tunw_snapshot *s;

	if (!retired || __atomic_load_n(&inflight, __ATOMIC_SEQ_CST) != 0)
		return;
	while (retired) {
		s = retired;
		retired = s->retired_next;
		tunw_snapshot_free(s);
	}
}

/* Builds and publishes a new snapshot. Under lock. */
static int rebuild(void)
{
	struct tunw_snapshot *s, *old;
	int wanted;

	/* Cleared first: a handler asking during the build asks again. */
	wanted = __atomic_exchange_n(&tunw_maps_wanted, 0, __ATOMIC_RELAXED);
	s = tunw_snapshot_build(current);
	if (!s) {
		if (wanted)
			__atomic_store_n(&tunw_maps_wanted, 1,
					 __ATOMIC_RELAXED);
		return TRIAGE_ENOMEM;
	}
	old = __atomic_exchange_n(&current, s, __ATOMIC_SEQ_CST);
	if (old) {
		old->retired_next = retired;
		retired = old;
	}
	reclaim();
	return 0;
}

int tunw_init(void)
{
	int rc = 0;

	pthread_mutex_lock(&lock);
	if (initialised)
		goto out;
	if (tunw_cache_create() < 0) {
		rc = TRIAGE_ENOMEM;
		goto out;
	}
	memset(&stats, 0, sizeof(stats));
	rc = rebuild();
	if (rc < 0) {
		tunw_cache_destroy();
		goto out;
	}
	initialised = true;
out:
	pthread_mutex_unlock(&lock);
	return rc;
}

int tunw_refresh(void)
{
	int rc;

	pthread_mutex_lock(&lock);
	rc = initialised ? rebuild() : TRIAGE_ESTATE;
	pthread_mutex_unlock(&lock);
	return rc;
}

int tunw_refresh_if_changed(void)
{
	unsigned long long adds, subs;
	int rc = 0;

	pthread_mutex_lock(&lock);
	if (!initialised) {
		rc = TRIAGE_ESTATE;
		goto out;
	}
	tunw_snapshot_counters(&adds, &subs);
	if (adds != current->adds || subs != current->subs ||
	    __atomic_load_n(&tunw_maps_wanted, __ATOMIC_RELAXED)) {
		rc = rebuild();
		if (rc == 0)
			rc = 1;
	} else {
		reclaim();
	}
out:
	pthread_mutex_unlock(&lock);
	return rc;
}

void tunw_shutdown(void)
{
	pthread_mutex_lock(&lock);
	tunw_snapshot_free(
	    __atomic_exchange_n(&current, NULL, __ATOMIC_SEQ_CST));
	while (retired) {
		struct tunw_snapshot *s = retired;

		retired = s->retired_next;
		tunw_snapshot_free(s);
	}
	tunw_cache_destroy();
	initialised = false;
	pthread_mutex_unlock(&lock);
}

/* Counts why a walk stopped. */
static void count_stop(int rc)
{
	switch (rc) {
	case TUNW_STEP_NO_MODULE:
		count(&stats.stops_no_module, 1);
		break;
	case TUNW_STEP_NO_FDE:
		count(&stats.stops_no_fde, 1);
		break;
	case TUNW_STEP_BAD_RULE:
		count(&stats.stops_bad_rule, 1);
		break;
	case TUNW_STEP_BAD_READ:
		count(&stats.stops_bad_read, 1);
		break;
	}
}

/*
 * Walks from w->regs, storing PCs after skipping `skip` frames. Enters
 * and leaves the in-flight count around its use of the snapshot.
 */
static int walk(struct tunw_walk *w, uint64_t *pcs, int max, int skip)
{
	int n, why;

	__atomic_fetch_add(&inflight, 1, __ATOMIC_SEQ_CST);
	w->snap = __atomic_load_n(&current, __ATOMIC_SEQ_CST);
	w->hits = w->misses = 0;
	tunw_stack_open(&w->stk, w->snap, w->regs.r[TUNW_RSP]);
	w->stk.slow_reads = 0;
	n = tunw_walk_frames(w, pcs, max, skip, &why);
	__atomic_fetch_sub(&inflight, 1, __ATOMIC_RELEASE);

	count_stop(why);
	count(&stats.cache_hits, w->hits);
	count(&stats.cache_misses, w->misses);
	count(&stats.slow_reads, w->stk.slow_reads);
	return n;
}

int tunw_backtrace_uc(const void *ucontext, uint64_t *pcs, int max)
{
	const ucontext_t *uc = ucontext;
	const greg_t *g;
	struct tunw_walk w;
	int saved_errno = errno, n;

	if (!uc || !pcs || max <= 0)
		return 0;
	g = uc->uc_mcontext.gregs;
	w.regs.r[TUNW_RAX] = (uint64_t)g[REG_RAX];
	w.regs.r[TUNW_RDX] = (uint64_t)g[REG_RDX];
	w.regs.r[TUNW_RCX] = (uint64_t)g[REG_RCX];
	w.regs.r[TUNW_RBX] = (uint64_t)g[REG_RBX];
	w.regs.r[TUNW_RSI] = (uint64_t)g[REG_RSI];
	w.regs.r[TUNW_RDI] = (uint64_t)g[REG_RDI];
	w.regs.r[TUNW_RBP] = (uint64_t)g[REG_RBP];
	w.regs.r[TUNW_RSP] = (uint64_t)g[REG_RSP];
	w.regs.r[TUNW_R8] = (uint64_t)g[REG_R8];
	w.regs.r[TUNW_R9] = (uint64_t)g[REG_R9];
	w.regs.r[TUNW_R10] = (uint64_t)g[REG_R10];
	w.regs.r[TUNW_R11] = (uint64_t)g[REG_R11];
	w.regs.r[TUNW_R12] = (uint64_t)g[REG_R12];
	w.regs.r[TUNW_R13] = (uint64_t)g[REG_R13];
	w.regs.r[TUNW_R14] = (uint64_t)g[REG_R14];
	w.regs.r[TUNW_R15] = (uint64_t)g[REG_R15];
	w.regs.r[TUNW_RA] = (uint64_t)g[REG_RIP];
	w.regs.valid = (1u << TUNW_NREGS) - 1;
	w.exact = true;

	n = walk(&w, pcs, max, 0);
	errno = saved_errno;
	return n;
}

_Static_assert(TUNW_RBX == 3 && TUNW_RBP == 6 && TUNW_RSP == 7 &&
		   TUNW_R12 == 12 && TUNW_R15 == 15 && TUNW_RA == 16,
	       "the offsets in tunw_backtrace_here's asm");

/*
 * Captures the callee-saved registers, rsp and a PC inside this function,
 * all at one point of its body so that its own CFI describes them; the
 * walk then skips this frame (never inlined, so it is exactly one).
 */
__attribute__((noinline)) int tunw_backtrace_here(uint64_t *pcs, int max)
{
	struct tunw_walk w;
	int saved_errno = errno, n;

	if (!pcs || max <= 0)
		return 0;
	__asm__ volatile("movq %%rbx, 24(%0)\n\t"
			 "movq %%rbp, 48(%0)\n\t"
			 "movq %%r12, 96(%0)\n\t"
			 "movq %%r13, 104(%0)\n\t"
			 "movq %%r14, 112(%0)\n\t"
			 "movq %%r15, 120(%0)\n\t"
			 "movq %%rsp, 56(%0)\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "movq %%rax, 128(%0)\n"
			 "1:"
			 :
			 : "r"(w.regs.r)
			 : "rax", "memory");
	w.regs.valid =
	    TUNW_CALLEE_SAVED | TUNW_BIT(TUNW_RSP) | TUNW_BIT(TUNW_RA);
	w.exact = true;

	n = walk(&w, pcs, max, 1);
	errno = saved_errno;
	return n;
}
