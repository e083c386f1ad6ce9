/*
 * unwind.h - an async-signal-safe DWARF CFI stack unwinder for x86_64
 * (internal to libtriage).
 *
 * The CPU profiler's signal handler captures the interrupted thread's
 * stack with tunw_backtrace_uc(). Everything that is unsafe in a handler
 * (dl_iterate_phdr, malloc, reading /proc/self/maps) happens beforehand,
 * in tunw_init() and tunw_refresh*(), which publish a snapshot of the
 * loaded objects' .eh_frame_hdr tables. In the handler the unwinder reads
 * only that snapshot, the objects' unwind tables and the interrupted
 * thread's own stack, within recorded bounds, and keeps the rules of the
 * frames it has seen in a lock-free per-PC cache, so that a sample of a
 * warm stack costs a few nanoseconds per frame.
 *
 * Limits:
 * - Objects without .eh_frame_hdr, code without CFI (there is no frame
 *   pointer fallback) and code outside any object (JIT) end the stack.
 * - A library unloaded, or replaced by another at the same address,
 *   between two refreshes (~100 ms) is still described by the snapshot:
 *   a sample whose stack goes through its old range reads its tables,
 *   which are unmapped by then. Legitimate stacks never hold such
 *   frames; a corrupt stack might.
 * - A thread that never declared its stack and was created after the
 *   last snapshot, inside an address range the snapshot saw mapped
 *   differently, is bounded by the old mapping (checked with msync to
 *   be mapped, but not that it is readable to its end).
 * - The frame after a signal frame is listed with its exact PC, which a
 *   consumer subtracting 1 attributes one byte early.
 * - initial-exec TLS: when libtriage is dlopen'ed rather than preloaded,
 *   glibc must have 48 bytes of static TLS to spare (it normally does).
 */
#ifndef TRIAGE_AGENT_UNWIND_H
#define TRIAGE_AGENT_UNWIND_H

#include <stdint.h>

/*
 * Allocates the rule cache and takes the first snapshot of the loaded
 * objects and of the process's writable mappings. Call outside signal
 * context, before any handler may unwind. Returns 0 (also when already
 * initialised: the agent and each profile may call it), TRIAGE_ENOMEM or
 * TRIAGE_ESYS.
 */
int tunw_init(void);

/*
 * Rebuilds the snapshot unconditionally and publishes it; handlers that
 * are running keep the one they started with. Outside signal context.
 * Returns 0, TRIAGE_ESTATE before tunw_init(), TRIAGE_ENOMEM or
 * TRIAGE_ESYS.
 */
int tunw_refresh(void);

/*
 * Cheap check, meant to be called every ~100 ms from a normal thread:
 * rebuilds the snapshot only when an object was loaded or unloaded since
 * the last one (dl_iterate_phdr's adds/subs counters), or when a handler
 * met a stack that the snapshot did not know. Also frees retired
 * snapshots once no handler can still be reading them. Returns 1 when it
 * rebuilt, 0 when nothing changed, or a negative TRIAGE_E* code.
 */
int tunw_refresh_if_changed(void);

/*
 * Frees the cache and every snapshot. The caller guarantees that no
 * handler runs any more (the sampling signal is stopped and drained).
 */
void tunw_shutdown(void);

/*
 * Records the calling thread's stack as [lo, hi), e.g. from
 * pthread_getattr_np(); stack reads of later samples of this thread stay
 * within it. Threads that never call it have their stack looked up in
 * the snapshot of /proc/self/maps. Async-signal-safe.
 */
void tunw_thread_set_stack(uint64_t lo, uint64_t hi);

/*
 * Unwinds from a signal handler's ucontext_t (third argument of an
 * SA_SIGINFO handler). pcs[0] is the interrupted PC; later entries are
 * return addresses, unmodified (a consumer looking up the call site
 * subtracts 1), except that a frame interrupted by a nested signal
 * appears with its exact PC. Returns the number of entries written,
 * 0..max. Async-signal-safe: no allocation, no lock, no stdio; errno is
 * preserved. Uses about 3 KiB of the stack it runs on.
 */
int tunw_backtrace_uc(const void *ucontext, uint64_t *pcs, int max);

/*
 * Like tunw_backtrace_uc() for the calling thread's current stack:
 * pcs[0] is the return address into the caller of tunw_backtrace_here()
 * (the unwinder's own frame is skipped), later entries the return
 * addresses above it. Async-signal-safe.
 */
int tunw_backtrace_here(uint64_t *pcs, int max);

/* Counters since tunw_init(), per frame step (hits and misses) or per
 * stack (stops). Read with relaxed atomics: a consistent-enough view. */
struct tunw_stats {
	uint64_t cache_hits;	  /* frame rules found in the cache */
	uint64_t cache_misses;	  /* frame rules decoded from the CFI */
	uint64_t stops_no_module; /* PC in no known object */
	uint64_t stops_no_fde;	  /* object has no CFI for the PC */
	uint64_t stops_bad_rule;  /* CFI unsupported, malformed or absurd */
	uint64_t stops_bad_read;  /* a read fell outside the stack bounds */
	uint64_t slow_reads;	  /* stacks read through process_vm_readv */
};

void tunw_get_stats(struct tunw_stats *out);

#endif
