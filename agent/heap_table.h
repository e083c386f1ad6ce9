/*
 * heap_table.h - what the heap profiler knows of sampled allocations
 * (internal): one record per stack and size class with its counts of
 * sampled allocations and frees, and the set of sampled blocks still
 * live.
 *
 * Go keys its records by stack and size (its size classes). Here too a
 * record holds blocks of about one size, so that scaling a record by
 * the sampling probability of its average block stays right; classes
 * (8 bytes wide up to 64, then four per power of two) keep the number
 * of records bounded when a site allocates every size there is.
 * Bytes are counted exactly, so a rate of 1 gives exact totals.
 *
 * The process has one table. Its costs are shaped by the hooks:
 * - free() of an unsampled block must stay a few nanoseconds, so
 *   heap_table_maybe() answers from a bitmap of one bit per 16-byte
 *   address granule (modulo its size): set while a live sampled block
 *   starts in a granule with that bit. Only a set bit leads to the
 *   locked lookup. Before the bitmap it reads a summary, a bit per
 *   1/512 of the bitmap, set while any bit there is: its one cache
 *   line stays in the L1 cache of a program whose own data evicts the
 *   bitmap, and with few live sampled blocks (the usual case at
 *   512 KiB) nearly every free stops at it.
 * - live blocks are kept in 64 stripes, each with its own lock, chosen
 *   by the same bits as the bitmap, so the count of blocks behind each
 *   bit changes under one lock.
 * - records are never freed or moved, so a profile reads them without
 *   a lock while the hooks go on counting.
 *
 * Everything here allocates with malloc: call it only inside the
 * hooks' reentrancy guard (heap_hooks.c), or from ordinary code.
 */
#ifndef TRIAGE_AGENT_HEAP_TABLE_H
#define TRIAGE_AGENT_HEAP_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HEAP_FILTER_BITS 16
#define HEAP_MAX_DEPTH 64
#define HEAP_MAX_RECORDS (1u << 20)

/* One allocation site and size class. Counts are of sampled blocks. */
struct heap_record {
	const uint64_t *pcs; /* return addresses, the allocating frame first */
	uint32_t depth;
	uint32_t stack;	     /* the same number for the same stack */
	uint64_t size_class; /* the largest size of the class */
	uint64_t hash;
	/* Atomics. A free is counted after its allocation, so a reader
	 * that loads the frees first never sees more freed than
	 * allocated. */
	uint64_t allocs, alloc_bytes;
	uint64_t frees, free_bytes;
};

/* The class of a block of `size` bytes (its largest size). */
uint64_t heap_size_class(uint64_t size);

extern uint64_t heap_filter[(1u << HEAP_FILTER_BITS) / 64];
#define HEAP_SUMMARY_BITS 9
extern uint64_t heap_filter_summary[(1u << HEAP_SUMMARY_BITS) / 64];

static inline uint32_t heap_filter_index(const void *p)
{
	return (uint32_t)((uintptr_t)p >> 4) & ((1u << HEAP_FILTER_BITS) - 1);
}

/* The bit of the summary word that covers filter bit `i`. */
static inline uint32_t heap_filter_group(uint32_t i)
{
	return i >> (HEAP_FILTER_BITS - HEAP_SUMMARY_BITS);
}

/* False when `p` is certainly not a live sampled block. Lock-free. */
static inline bool heap_table_maybe(const void *p)
{
	uint32_t i = heap_filter_index(p), g = heap_filter_group(i);

	if (!((__atomic_load_n(&heap_filter_summary[g / 64],
			       __ATOMIC_RELAXED) >>
	       (g % 64)) &
	      1))
		return false;
	return (__atomic_load_n(&heap_filter[i / 64], __ATOMIC_RELAXED) >>
		(i % 64)) &
	       1;
}

/*
 * Records the sampled block `p` of `size` bytes allocated at `pcs`:
 * counts an allocation in the record of (pcs, class of size) and makes
 * `p` live.
 * A block still live at `p` (its free was never seen) is counted freed
 * first. Returns 0, or TRIAGE_ENOMEM when the sample was dropped.
 */
int heap_table_add(const void *p, uint64_t size, const uint64_t *pcs,
		   int depth);

/* A live sampled block, as heap_table_take() hands it over. */
struct heap_block {
	int64_t record; /* -1: not a live sampled block */
	uint64_t size;
};

/*
 * Forgets the live block `p`, if sampled, without counting its free.
 * The caller then counts the free with heap_table_count_free(), or puts
 * the block back with heap_table_put_back() when the real free did not
 * happen (a failed realloc). Both ignore a record of -1.
 */
struct heap_block heap_table_take(const void *p);
void heap_table_count_free(struct heap_block b);
void heap_table_put_back(const void *p, struct heap_block b);

/*
 * Marks `p` as always worth a look in free(): its filter bit is set
 * for good. For blocks of the bootstrap arena, which free() must not
 * hand to the real allocator.
 */
void heap_table_pin(const void *p);

/* The number of records so far; records 0..n-1 can be read. */
size_t heap_table_nrecords(void);
const struct heap_record *heap_table_record(size_t i);

struct heap_table_stats {
	uint64_t live;	  /* sampled blocks live now */
	uint64_t records; /* (stack, size) records */
	uint64_t stacks;  /* distinct stacks */
	uint64_t dropped; /* samples lost to memory or the record cap */
};
void heap_table_stats(struct heap_table_stats *out);

/*
 * Fork: the parent holds every lock across fork(); the child keeps the
 * parent's live blocks (they are its memory too) with the locks freed.
 */
void heap_table_lock_all(void);
void heap_table_unlock_all(void);
void heap_table_after_fork_child(void);

/* Empties the table and frees its memory. Tests only: no hook may run. */
void heap_table_reset(void);

#endif
