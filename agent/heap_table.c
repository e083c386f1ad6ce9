/*
 * heap_table.c - records of sampled allocations and the live sampled
 * blocks (see heap_table.h).
 *
 * Three structures, each under its own locks:
 * - records: (stack, size class) -> counts, in chunks that never move,
 *   behind
 *   one mutex taken only by sampled allocations (one per 512 KiB
 *   allocated, by default); a record's counts are atomics that frees
 *   update without that mutex. Stacks are interned once, their program
 *   counters in a pool.
 * - live blocks: address -> record, in 64 open-addressed stripes.
 * - the filter: a bit per 16-byte granule (modulo 2^16 granules), and
 *   beside it the number of live blocks behind each bit, changed under
 *   the stripe lock of that bit (stripe = granule % 64), so that setting
 *   and clearing a bit never race. Bits of one word belong to different
 *   stripes, hence the atomic or/and on the word.
 * - the summary: a bit per group of 128 filter bits, and the number of
 *   set filter bits in each group, under one lock of its own, taken
 *   only when a filter bit changes (a sampled block's allocation or
 *   free). A summary bit is set before its filter bit and cleared
 *   after, so a free never finds the summary clear over a live block.
 *
 * Lock order: records, then stripes in index order (only fork takes
 * more than one at a time), then the summary.
 */
#include "heap_table.h"

#include "triage.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NSTRIPES 64
#define STRIPE_MIN_CAP 16
#define CHUNK_RECORDS 1024
#define MAX_CHUNKS (HEAP_MAX_RECORDS / CHUNK_RECORDS)
#define POOL_CHUNK 8192 /* program counters per pool chunk */
#define STICKY UINT16_MAX

struct live {
	uintptr_t key; /* block address; 0 is an empty slot */
	uint64_t size;
	uint32_t record;
};

struct stripe {
	pthread_mutex_t lock;
	struct live *slots;
	uint32_t cap; /* 0 or a power of two */
	uint32_t shift;
	uint32_t n;
} __attribute__((aligned(64)));

struct stack {
	uint64_t hash;
	const uint64_t *pcs;
	uint32_t depth;
};

uint64_t heap_filter[(1u << HEAP_FILTER_BITS) / 64]
    __attribute__((aligned(64)));
static uint16_t filter_counts[1u << HEAP_FILTER_BITS];
uint64_t heap_filter_summary[(1u << HEAP_SUMMARY_BITS) / 64]
    __attribute__((aligned(64)));
static struct {
	pthread_mutex_t lock;
	uint32_t set[1u << HEAP_SUMMARY_BITS]; /* set filter bits per group */
} summary = {.lock = PTHREAD_MUTEX_INITIALIZER};
/* Static initialisers: the hooks may run before any constructor. */
static struct stripe stripes[NSTRIPES] = {
    [0 ... NSTRIPES - 1] = {.lock = PTHREAD_MUTEX_INITIALIZER},
};

static struct {
	pthread_mutex_t lock;
	struct heap_record *chunks[MAX_CHUNKS];
	size_t nrecords; /* published with release after the record is set */
	uint32_t *index; /* records by (stack, size): number + 1, 0 empty */
	size_t index_size;
	struct stack *stacks;
	size_t nstacks, cap_stacks;
	uint32_t *stack_index; /* stacks by hash: number + 1, 0 empty */
	size_t stack_index_size;
	uint64_t *pool; /* current chunk; its word 0 links the previous */
	size_t pool_used;
	uint64_t dropped;
} recs = {.lock = PTHREAD_MUTEX_INITIALIZER};

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static uint64_t hash_stack(const uint64_t *pcs, int depth)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ (uint64_t)depth;
	int i;

	for (i = 0; i < depth; i++)
		h = mix(h ^ pcs[i]);
	return h;
}

/* --- records ------------------------------------------------------ */

uint64_t heap_size_class(uint64_t size)
{
	int top;
	uint64_t step;

	if (size <= 64)
		return (size + 7) & ~(uint64_t)7;
	/* Four classes per power of two: [2^k, 2^(k+1)) in steps of
	 * 2^(k-2), each named by its largest size. */
	top = 63 - __builtin_clzll(size - 1);
	step = (uint64_t)1 << (top - 2);
	if (size - 1 > UINT64_MAX - step)
		return UINT64_MAX;
	return ((size - 1) / step + 1) * step;
}

const struct heap_record *heap_table_record(size_t i)
{
	return &recs.chunks[i / CHUNK_RECORDS][i % CHUNK_RECORDS];
}

size_t heap_table_nrecords(void)
{
	return __atomic_load_n(&recs.nrecords, __ATOMIC_ACQUIRE);
}

/* Doubles an open-addressed index of numbers + 1, rehashing with
 * `hash_of(i)`. Under recs.lock. */
static int grow_index(uint32_t **index, size_t *size, size_t n,
		      uint64_t (*hash_of)(size_t))
{
	size_t cap = *size ? *size * 2 : 256, i, at;
	uint32_t *next = calloc(cap, sizeof(*next));

	if (!next)
		return TRIAGE_ENOMEM;
	for (i = 0; i < n; i++) {
		at = hash_of(i) & (cap - 1);
		while (next[at])
			at = (at + 1) & (cap - 1);
		next[at] = (uint32_t)(i + 1);
	}
	free(*index);
	*index = next;
	*size = cap;
	return 0;
}

static uint64_t stack_hash_of(size_t i)
{
	return recs.stacks[i].hash;
}

static uint64_t record_hash_of(size_t i)
{
	return heap_table_record(i)->hash;
}

/* Copies `depth` program counters into the pool. Under recs.lock. */
static const uint64_t *pool_copy(const uint64_t *pcs, int depth)
{
	uint64_t *chunk, *at;

	if (!recs.pool || recs.pool_used + (size_t)depth > POOL_CHUNK) {
		chunk = malloc(POOL_CHUNK * sizeof(*chunk));
		if (!chunk)
			return NULL;
		chunk[0] = (uint64_t)(uintptr_t)recs.pool;
		recs.pool = chunk;
		recs.pool_used = 1;
	}
	at = recs.pool + recs.pool_used;
	memcpy(at, pcs, (size_t)depth * sizeof(*pcs));
	recs.pool_used += (size_t)depth;
	return at;
}

/* The number of the stack, interned on first sight; -1 without memory.
 * Under recs.lock. */
static int64_t intern_stack(const uint64_t *pcs, int depth, uint64_t h)
{
	struct stack *s;
	size_t at;

	if ((recs.nstacks + 1) * 2 > recs.stack_index_size &&
	    grow_index(&recs.stack_index, &recs.stack_index_size, recs.nstacks,
		       stack_hash_of))
		return -1;
	at = h & (recs.stack_index_size - 1);
	for (; recs.stack_index[at];
	     at = (at + 1) & (recs.stack_index_size - 1)) {
		s = &recs.stacks[recs.stack_index[at] - 1];
		if (s->hash == h && s->depth == (uint32_t)depth &&
		    !memcmp(s->pcs, pcs, (size_t)depth * sizeof(*pcs)))
			return recs.stack_index[at] - 1;
	}
	if (recs.nstacks == recs.cap_stacks) {
		size_t cap = recs.cap_stacks ? recs.cap_stacks * 2 : 256;
		struct stack *more =
		    realloc(recs.stacks, cap * sizeof(*recs.stacks));

		if (!more)
			return -1;
		recs.stacks = more;
		recs.cap_stacks = cap;
	}
	s = &recs.stacks[recs.nstacks];
	s->pcs = pool_copy(pcs, depth);
	if (!s->pcs)
		return -1;
	s->hash = h;
	s->depth = (uint32_t)depth;
	recs.stack_index[at] = (uint32_t)++recs.nstacks;
	return (int64_t)recs.nstacks - 1;
}

/* Appends a record and publishes it. Under recs.lock. */
static int64_t new_record(uint32_t stack, uint64_t cls, uint64_t h)
{
	size_t n = recs.nrecords;
	struct heap_record *r;

	if (n >= HEAP_MAX_RECORDS)
		return -1;
	if (!recs.chunks[n / CHUNK_RECORDS]) {
		recs.chunks[n / CHUNK_RECORDS] =
		    calloc(CHUNK_RECORDS, sizeof(struct heap_record));
		if (!recs.chunks[n / CHUNK_RECORDS])
			return -1;
	}
	r = &recs.chunks[n / CHUNK_RECORDS][n % CHUNK_RECORDS];
	r->pcs = recs.stacks[stack].pcs;
	r->depth = recs.stacks[stack].depth;
	r->stack = stack;
	r->size_class = cls;
	r->hash = h;
	__atomic_store_n(&recs.nrecords, n + 1, __ATOMIC_RELEASE);
	return (int64_t)n;
}

/* The record of (pcs, class), made on first sight; -1 when it cannot
 * be. Under recs.lock. */
static int64_t find_record(const uint64_t *pcs, int depth, uint64_t cls)
{
	uint64_t sh = hash_stack(pcs, depth), h = mix(sh ^ cls);
	const struct heap_record *r;
	int64_t stack;
	size_t at;

	stack = intern_stack(pcs, depth, sh);
	if (stack < 0)
		return -1;
	if ((recs.nrecords + 1) * 2 > recs.index_size &&
	    grow_index(&recs.index, &recs.index_size, recs.nrecords,
		       record_hash_of))
		return -1;
	at = h & (recs.index_size - 1);
	for (; recs.index[at]; at = (at + 1) & (recs.index_size - 1)) {
		r = heap_table_record(recs.index[at] - 1);
		if (r->hash == h && r->size_class == cls &&
		    r->stack == (uint32_t)stack)
			return recs.index[at] - 1;
	}
	if (new_record((uint32_t)stack, cls, h) < 0)
		return -1;
	recs.index[at] = (uint32_t)recs.nrecords;
	return (int64_t)recs.nrecords - 1;
}

static struct heap_record *record_at(int64_t i)
{
	return &recs.chunks[i / CHUNK_RECORDS][i % CHUNK_RECORDS];
}

void heap_table_count_free(struct heap_block b)
{
	struct heap_record *r;

	if (b.record < 0)
		return;
	r = record_at(b.record);
	__atomic_fetch_add(&r->free_bytes, b.size, __ATOMIC_RELEASE);
	__atomic_fetch_add(&r->frees, 1, __ATOMIC_RELEASE);
}

/* --- the filter (under the stripe lock of the bit) ----------------- */

/* Filter bit `i` is being set: its summary bit first. */
static void summary_inc(uint32_t i)
{
	uint32_t g = heap_filter_group(i);

	pthread_mutex_lock(&summary.lock);
	if (summary.set[g]++ == 0)
		__atomic_fetch_or(&heap_filter_summary[g / 64],
				  1ull << (g % 64), __ATOMIC_RELEASE);
	pthread_mutex_unlock(&summary.lock);
}

/* Filter bit `i` was cleared: its summary bit after. */
static void summary_dec(uint32_t i)
{
	uint32_t g = heap_filter_group(i);

	pthread_mutex_lock(&summary.lock);
	if (--summary.set[g] == 0)
		__atomic_fetch_and(&heap_filter_summary[g / 64],
				   ~(1ull << (g % 64)), __ATOMIC_RELEASE);
	pthread_mutex_unlock(&summary.lock);
}

static void filter_inc(uint32_t i)
{
	if (filter_counts[i] == STICKY)
		return;
	if (filter_counts[i]++ == 0) {
		summary_inc(i);
		__atomic_fetch_or(&heap_filter[i / 64], 1ull << (i % 64),
				  __ATOMIC_RELEASE);
	}
}

static void filter_dec(uint32_t i)
{
	if (filter_counts[i] == STICKY)
		return;
	if (--filter_counts[i] == 0) {
		__atomic_fetch_and(&heap_filter[i / 64], ~(1ull << (i % 64)),
				   __ATOMIC_RELEASE);
		summary_dec(i);
	}
}

/* --- live blocks (under the stripe lock) --------------------------- */

static uint32_t slot_of(const struct stripe *s, uintptr_t key)
{
	return (uint32_t)(((uint64_t)key * 0x9e3779b97f4a7c15ull) >> s->shift);
}

/* The slot holding `key`, or the empty slot where it would go. */
static uint32_t probe(const struct stripe *s, uintptr_t key)
{
	uint32_t at = slot_of(s, key), mask = s->cap - 1;

	while (s->slots[at].key && s->slots[at].key != key)
		at = (at + 1) & mask;
	return at;
}

static int grow_stripe(struct stripe *s)
{
	uint32_t cap = s->cap ? s->cap * 2 : STRIPE_MIN_CAP, i;
	struct stripe next = *s;

	next.slots = calloc(cap, sizeof(*next.slots));
	if (!next.slots)
		return TRIAGE_ENOMEM;
	next.cap = cap;
	next.shift = 64 - (uint32_t)__builtin_ctz(cap);
	for (i = 0; i < s->cap; i++)
		if (s->slots[i].key)
			next.slots[probe(&next, s->slots[i].key)] = s->slots[i];
	free(s->slots);
	s->slots = next.slots;
	s->cap = next.cap;
	s->shift = next.shift;
	return 0;
}

/* Empties slot `at`, moving later entries of the run back so every
 * entry stays reachable from its home slot (no tombstones). */
static void remove_at(struct stripe *s, uint32_t at)
{
	uint32_t mask = s->cap - 1, next = at, home;

	for (;;) {
		s->slots[at].key = 0;
		for (;;) {
			next = (next + 1) & mask;
			if (!s->slots[next].key)
				return;
			home = slot_of(s, s->slots[next].key);
			/* Stays if its home lies cyclically in (at, next]. */
			if (at <= next ? (home <= at || home > next)
				       : (home <= at && home > next))
				break;
		}
		s->slots[at] = s->slots[next];
		at = next;
	}
}

/*
 * Makes `b` live at `p`. Returns true, with the block a stale entry at
 * `p` held in `*stale` (record -1 when none), or false without memory.
 */
static bool live_insert(const void *p, struct heap_block b,
			struct heap_block *stale)
{
	uint32_t i = heap_filter_index(p), at;
	struct stripe *s = &stripes[i % NSTRIPES];

	stale->record = -1;
	pthread_mutex_lock(&s->lock);
	if ((s->n + 1) * 2 > s->cap && grow_stripe(s)) {
		pthread_mutex_unlock(&s->lock);
		return false;
	}
	at = probe(s, (uintptr_t)p);
	if (s->slots[at].key) {
		stale->record = s->slots[at].record;
		stale->size = s->slots[at].size;
	} else {
		s->slots[at].key = (uintptr_t)p;
		s->n++;
		filter_inc(i);
	}
	s->slots[at].record = (uint32_t)b.record;
	s->slots[at].size = b.size;
	pthread_mutex_unlock(&s->lock);
	return true;
}

int heap_table_add(const void *p, uint64_t size, const uint64_t *pcs, int depth)
{
	struct heap_block b = {.size = size}, stale;
	struct heap_record *r;

	if (depth > HEAP_MAX_DEPTH)
		depth = HEAP_MAX_DEPTH;
	pthread_mutex_lock(&recs.lock);
	b.record =
	    find_record(pcs, depth < 0 ? 0 : depth, heap_size_class(size));
	pthread_mutex_unlock(&recs.lock);
	if (b.record < 0) {
		__atomic_fetch_add(&recs.dropped, 1, __ATOMIC_RELAXED);
		return TRIAGE_ENOMEM;
	}

	/* Counted before the block can be found, so a free is never
	 * counted before its allocation. */
	r = record_at(b.record);
	__atomic_fetch_add(&r->alloc_bytes, size, __ATOMIC_RELEASE);
	__atomic_fetch_add(&r->allocs, 1, __ATOMIC_RELEASE);
	if (!live_insert(p, b, &stale)) {
		heap_table_count_free(b);
		__atomic_fetch_add(&recs.dropped, 1, __ATOMIC_RELAXED);
		return TRIAGE_ENOMEM;
	}
	heap_table_count_free(stale);
	return 0;
}

struct heap_block heap_table_take(const void *p)
{
	uint32_t i = heap_filter_index(p), at;
	struct stripe *s = &stripes[i % NSTRIPES];
	struct heap_block b = {-1, 0};

	pthread_mutex_lock(&s->lock);
	if (s->cap) {
		at = probe(s, (uintptr_t)p);
		if (s->slots[at].key) {
			b.record = s->slots[at].record;
			b.size = s->slots[at].size;
			remove_at(s, at);
			s->n--;
			filter_dec(i);
		}
	}
	pthread_mutex_unlock(&s->lock);
	return b;
}

void heap_table_put_back(const void *p, struct heap_block b)
{
	struct heap_block stale;

	if (b.record < 0)
		return;
	/* Without memory to keep it live, it counts as freed. */
	if (live_insert(p, b, &stale))
		heap_table_count_free(stale);
	else
		heap_table_count_free(b);
}

void heap_table_pin(const void *p)
{
	uint32_t i = heap_filter_index(p);
	struct stripe *s = &stripes[i % NSTRIPES];

	pthread_mutex_lock(&s->lock);
	if (filter_counts[i] == 0)
		summary_inc(i); /* for good: a sticky bit is never cleared */
	filter_counts[i] = STICKY;
	__atomic_fetch_or(&heap_filter[i / 64], 1ull << (i % 64),
			  __ATOMIC_RELEASE);
	pthread_mutex_unlock(&s->lock);
}

void heap_table_stats(struct heap_table_stats *out)
{
	int i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < NSTRIPES; i++)
		out->live += __atomic_load_n(&stripes[i].n, __ATOMIC_RELAXED);
	pthread_mutex_lock(&recs.lock);
	out->records = recs.nrecords;
	out->stacks = recs.nstacks;
	out->dropped = __atomic_load_n(&recs.dropped, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&recs.lock);
}

/* --- fork, tests ---------------------------------------------------- */

void heap_table_lock_all(void)
{
	int i;

	pthread_mutex_lock(&recs.lock);
	for (i = 0; i < NSTRIPES; i++)
		pthread_mutex_lock(&stripes[i].lock);
	pthread_mutex_lock(&summary.lock);
}

void heap_table_unlock_all(void)
{
	int i;

	pthread_mutex_unlock(&summary.lock);
	for (i = NSTRIPES - 1; i >= 0; i--)
		pthread_mutex_unlock(&stripes[i].lock);
	pthread_mutex_unlock(&recs.lock);
}

void heap_table_after_fork_child(void)
{
	int i;

	pthread_mutex_init(&recs.lock, NULL);
	pthread_mutex_init(&summary.lock, NULL);
	for (i = 0; i < NSTRIPES; i++)
		pthread_mutex_init(&stripes[i].lock, NULL);
}

void heap_table_reset(void)
{
	uint64_t *chunk, *prev;
	size_t i;

	for (i = 0; i < NSTRIPES; i++) {
		free(stripes[i].slots);
		stripes[i].slots = NULL;
		stripes[i].cap = stripes[i].n = 0;
	}
	for (i = 0; i < MAX_CHUNKS; i++) {
		free(recs.chunks[i]);
		recs.chunks[i] = NULL;
	}
	for (chunk = recs.pool; chunk; chunk = prev) {
		prev = (uint64_t *)(uintptr_t)chunk[0];
		free(chunk);
	}
	free(recs.index);
	free(recs.stacks);
	free(recs.stack_index);
	recs.pool = NULL;
	recs.index = NULL;
	recs.stacks = NULL;
	recs.stack_index = NULL;
	recs.nrecords = recs.index_size = recs.nstacks = recs.cap_stacks =
	    recs.stack_index_size = recs.pool_used = 0;
	recs.dropped = 0;
	memset(heap_filter, 0, sizeof(heap_filter));
	memset(filter_counts, 0, sizeof(filter_counts));
	memset(summary.set, 0, sizeof(summary.set));
	memset(heap_filter_summary, 0, sizeof(heap_filter_summary));
}
