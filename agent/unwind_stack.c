/*
 * unwind_stack.c - where a walk may read the interrupted thread's stack.
 *
 * Reads must never fault, so each walk learns bounds before it starts,
 * cheapest first:
 *   1. the range the thread declared with tunw_thread_set_stack();
 *   2. the mapping this thread's stack was found in last time, if the
 *      snapshot is the same;
 *   3. the writable mapping holding rsp in the snapshot of
 *      /proc/self/maps, checked once with msync() (which fails on
 *      unmapped pages) because the snapshot may predate this thread;
 *   4. failing all, reads go through process_vm_readv() on our own pid,
 *      which returns an error instead of faulting, and the next
 *      tunw_refresh_if_changed() is asked to re-read the mappings.
 * Reads start at most 128 bytes (the red zone) below the starting rsp.
 *
 * The per-thread state is initial-exec TLS: no allocation on first use
 * from a handler. A handler may interrupt an update of it, so updates
 * clear a flag first and set it last.
 */
#include "unwind_internal.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define TLS __thread __attribute__((tls_model("initial-exec")))
/* How far above rsp a walk may read when nothing bounds the stack. */
#define SLOW_SPAN (64ull << 20)
#define PAGE_MASK 4095ull

struct stack_tls {
	int declared_ok;
	uint64_t declared_lo, declared_hi;
	int memo_ok;
	uint32_t memo_serial;
	uint64_t memo_lo, memo_hi;
};

static TLS struct stack_tls tls;

int tunw_maps_wanted;

void tunw_thread_set_stack(uint64_t lo, uint64_t hi)
{
	tls.declared_ok = 0;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	tls.declared_lo = lo;
	tls.declared_hi = hi;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	tls.declared_ok = lo < hi;
}

/* True when every page of [lo, hi) is mapped. */
static bool mapped(uint64_t lo, uint64_t hi)
{
	lo &= ~PAGE_MASK;
	/* The raw call: libc's msync is a cancellation point. */
	return syscall(SYS_msync, (void *)lo, (size_t)(hi - lo), MS_ASYNC) == 0;
}

/* The snapshot's mapping holding rsp, checked from floor up and
 * memoised. */
static bool from_snapshot(const struct tunw_snapshot *snap, uint64_t rsp,
			  uint64_t floor, struct tunw_span *out)
{
	if (tls.memo_ok && tls.memo_serial == snap->serial &&
	    rsp >= tls.memo_lo && rsp < tls.memo_hi) {
		out->lo = tls.memo_lo;
		out->hi = tls.memo_hi;
		return true;
	}
	if (!tunw_snapshot_mapping(snap, rsp, out))
		return false;
	if (!mapped(floor > out->lo ? floor : out->lo, out->hi))
		return false;

	tls.memo_ok = 0;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	tls.memo_serial = snap->serial;
	tls.memo_lo = out->lo;
	tls.memo_hi = out->hi;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	tls.memo_ok = 1;
	return true;
}

void tunw_stack_open(struct tunw_stack *s, const struct tunw_snapshot *snap,
		     uint64_t rsp)
{
	uint64_t floor = rsp > TUNW_RED_ZONE ? rsp - TUNW_RED_ZONE : 0;
	struct tunw_span span;

	s->slow = false;
	s->win_len = 0;
	if (tls.declared_ok && rsp >= tls.declared_lo &&
	    rsp < tls.declared_hi) {
		span.lo = tls.declared_lo;
		span.hi = tls.declared_hi;
	} else if (!snap || !from_snapshot(snap, rsp, floor, &span)) {
		s->slow = true;
		span.lo = floor;
		span.hi =
		    rsp < UINT64_MAX - SLOW_SPAN ? rsp + SLOW_SPAN : UINT64_MAX;
		__atomic_store_n(&tunw_maps_wanted, 1, __ATOMIC_RELAXED);
	}
	s->lo = floor > span.lo ? floor : span.lo;
	s->hi = span.hi;
	s->fast_span = !s->slow && s->hi - s->lo >= 8 ? s->hi - s->lo - 7 : 0;
}

/* Copies n bytes at addr in our own address space; 0 or -1. */
static int copy_remote(void *dst, uint64_t addr, size_t n)
{
	struct iovec local = {dst, n};
	struct iovec remote = {(void *)addr, n};

	return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) ==
		       (ssize_t)n
		   ? 0
		   : -1;
}

/* Serves a read from the window, refilling it from addr on a miss. */
static int read_window(struct tunw_stack *s, uint64_t addr, size_t n,
		       uint64_t *out)
{
	uint64_t v = 0;
	size_t len;

	/* Stacks are read upwards: fetch a window ahead of the address. */
	if (!(addr >= s->win_addr && addr - s->win_addr < s->win_len &&
	      s->win_len - (addr - s->win_addr) >= n)) {
		len = s->hi - addr < TUNW_WINDOW ? s->hi - addr : TUNW_WINDOW;
		s->slow_reads++;
		/* Near the end of a mapping the whole window may fail. */
		if (len <= n || copy_remote(s->win, addr, len) < 0) {
			len = n;
			if (copy_remote(s->win, addr, n) < 0) {
				s->win_len = 0;
				return -1;
			}
		}
		s->win_addr = addr;
		s->win_len = (uint32_t)len;
	}
	memcpy(&v, s->win + (addr - s->win_addr), n);
	*out = v;
	return 0;
}

__attribute__((no_sanitize("address"))) int
tunw_stack_read_any(struct tunw_stack *s, uint64_t addr, size_t n,
		    uint64_t *out)
{
	if ((n != 1 && n != 2 && n != 4 && n != 8) || addr < s->lo ||
	    addr >= s->hi || s->hi - addr < n)
		return -1;
	if (s->slow)
		return read_window(s, addr, n, out);
	if (n == 8)
		*out = *(const volatile tunw_u64u *)addr;
	else if (n == 4)
		*out = *(const volatile tunw_u32u *)addr;
	else if (n == 2)
		*out = *(const volatile tunw_u16u *)addr;
	else
		*out = *(const volatile uint8_t *)addr;
	return 0;
}
