/*
 * test_heap_table.c - the heap profiler's tables: size classes, records
 * per (stack, class), live blocks, the filter that free() reads, stale
 * entries, put-back after a failed realloc, and concurrent use.
 *
 * Block addresses are made up: the table never dereferences them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "heap_table.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static const uint64_t stack_a[] = {0x401000, 0x402000, 0x403000};
static const uint64_t stack_b[] = {0x501000, 0x502000};

static int reset(void **state)
{
	heap_table_reset();
	return 0;
}

static const struct heap_record *only_record(void)
{
	assert_int_equal(heap_table_nrecords(), 1);
	return heap_table_record(0);
}

static void size_classes(void **state)
{
	static const uint64_t in[] = {0,  1,   8,   9,	 64,   65,   80,
				      81, 128, 129, 160, 4096, 4097, 1 << 20};
	static const uint64_t out[] = {0,  8,	8,   16,  64,	80,   80,
				       96, 128, 160, 160, 4096, 5120, 1 << 20};
	uint64_t s, c;
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		assert_int_equal(heap_size_class(in[i]), out[i]);
	/* Every size fits its class, within 25% above 64; classes are
	 * their own class. */
	for (s = 1; s < 70000; s += 7) {
		c = heap_size_class(s);
		assert_true(c >= s);
		assert_true(s <= 64 ? c - s < 8 : c - s < s / 4 + 1);
		assert_int_equal(heap_size_class(c), c);
	}
	assert_int_equal(heap_size_class(UINT64_MAX), UINT64_MAX);
}

static void add_and_take(void **state)
{
	const void *p = (void *)0x7f0000001000;
	const struct heap_record *r;
	struct heap_block b;

	assert_false(heap_table_maybe(p));
	assert_int_equal(heap_table_add(p, 100, stack_a, 3), 0);
	assert_true(heap_table_maybe(p));
	r = only_record();
	assert_int_equal(r->allocs, 1);
	assert_int_equal(r->alloc_bytes, 100);
	assert_int_equal(r->size_class, 112);
	assert_int_equal(r->depth, 3);
	assert_memory_equal(r->pcs, stack_a, sizeof(stack_a));

	b = heap_table_take(p);
	assert_int_equal(b.record, 0);
	assert_int_equal(b.size, 100);
	assert_false(heap_table_maybe(p));
	assert_int_equal(r->frees, 0); /* the caller counts the free */
	heap_table_count_free(b);
	assert_int_equal(r->frees, 1);
	assert_int_equal(r->free_bytes, 100);

	/* Not live any more: nothing to take. */
	b = heap_table_take(p);
	assert_int_equal(b.record, -1);
	heap_table_count_free(b);
	assert_int_equal(r->frees, 1);
}

static void records_by_stack_and_class(void **state)
{
	heap_table_add((void *)0x1000, 100, stack_a, 3);
	heap_table_add((void *)0x2000, 110, stack_a, 3); /* same class */
	heap_table_add((void *)0x3000, 200, stack_a, 3); /* another */
	heap_table_add((void *)0x4000, 100, stack_b, 2); /* another stack */
	heap_table_add((void *)0x5000, 100, stack_a, 2); /* a prefix */
	assert_int_equal(heap_table_nrecords(), 4);
	assert_int_equal(heap_table_record(0)->allocs, 2);
	assert_int_equal(heap_table_record(0)->alloc_bytes, 210);
	/* The same stack is stored once. */
	assert_int_equal(heap_table_record(0)->stack,
			 heap_table_record(1)->stack);
	assert_ptr_equal(heap_table_record(0)->pcs, heap_table_record(1)->pcs);
	assert_true(heap_table_record(2)->stack != heap_table_record(0)->stack);
}

static void stale_entry_counts_as_freed(void **state)
{
	const void *p = (void *)0x7f0000002000;
	const struct heap_record *r;
	struct heap_table_stats st;

	/* The free of the first block was never seen; the address comes
	 * back sampled: the first counts as freed. */
	heap_table_add(p, 64, stack_a, 3);
	heap_table_add(p, 64, stack_a, 3);
	r = only_record();
	assert_int_equal(r->allocs, 2);
	assert_int_equal(r->frees, 1);
	heap_table_stats(&st);
	assert_int_equal(st.live, 1);
}

static void put_back_after_failed_realloc(void **state)
{
	const void *p = (void *)0x7f0000003000;
	struct heap_block b;

	heap_table_add(p, 4096, stack_b, 2);
	b = heap_table_take(p);
	assert_false(heap_table_maybe(p));
	heap_table_put_back(p, b);
	assert_true(heap_table_maybe(p));
	assert_int_equal(only_record()->frees, 0);
	b = heap_table_take(p);
	assert_int_equal(b.size, 4096);
}

static void shared_granule(void **state)
{
	/* Two 8-byte blocks in one 16-byte granule share a filter bit,
	 * which stays set until both are gone. */
	const void *p = (void *)0x7f0000004000, *q = (void *)0x7f0000004008;

	heap_table_add(p, 8, stack_a, 3);
	heap_table_add(q, 8, stack_a, 3);
	assert_int_equal(heap_filter_index(p), heap_filter_index(q));
	heap_table_count_free(heap_table_take(p));
	assert_true(heap_table_maybe(q));
	heap_table_count_free(heap_table_take(q));
	assert_false(heap_table_maybe(q));
}

static void pin_is_sticky(void **state)
{
	const void *p = (void *)0x7f0000005000;

	heap_table_pin(p);
	assert_true(heap_table_maybe(p));
	heap_table_add(p, 32, stack_a, 3);
	heap_table_count_free(heap_table_take(p));
	assert_true(heap_table_maybe(p));
}

static bool filter_empty(void)
{
	size_t i;

	for (i = 0; i < sizeof(heap_filter) / sizeof(heap_filter[0]); i++)
		if (heap_filter[i])
			return false;
	for (i = 0; i < sizeof(heap_filter_summary) / 8; i++)
		if (heap_filter_summary[i])
			return false;
	return true;
}

static bool summary_bit(uint32_t g)
{
	return (heap_filter_summary[g / 64] >> (g % 64)) & 1;
}

static void summary_covers_live_blocks(void **state)
{
	/* p and q: one summary group, different filter bits; r another
	 * group. */
	const void *p = (void *)0x7f0000010000, *q = (void *)0x7f0000010040;
	const void *r =
	    (const char *)p + (16 << (HEAP_FILTER_BITS - HEAP_SUMMARY_BITS));
	uint32_t gp = heap_filter_group(heap_filter_index(p));
	uint32_t gr = heap_filter_group(heap_filter_index(r));

	assert_int_equal(gp, heap_filter_group(heap_filter_index(q)));
	assert_int_not_equal(heap_filter_index(p), heap_filter_index(q));
	assert_int_not_equal(gp, gr);
	heap_table_add(p, 64, stack_a, 3);
	heap_table_add(q, 64, stack_a, 3);
	assert_true(summary_bit(gp));
	assert_false(summary_bit(gr));
	assert_false(heap_table_maybe(r)); /* stops at the summary */
	heap_table_count_free(heap_table_take(p));
	assert_true(summary_bit(gp));
	assert_true(heap_table_maybe(q));
	assert_false(heap_table_maybe(p));
	heap_table_count_free(heap_table_take(q));
	assert_true(filter_empty());
}

static void many_blocks(void **state)
{
	const long n = 200000;
	struct heap_table_stats st;
	long i;

	/* Spread over more granules than the filter has, so bits are
	 * shared modulo its size, and over every stripe. */
	for (i = 0; i < n; i++)
		assert_int_equal(heap_table_add((void *)(0x10000 + i * 48),
						(uint64_t)(i % 5000) + 1,
						stack_a, 3),
				 0);
	heap_table_stats(&st);
	assert_int_equal(st.live, n);
	assert_int_equal(st.stacks, 1);
	for (i = n - 1; i >= 0; i--) {
		struct heap_block b =
		    heap_table_take((void *)(0x10000 + i * 48));

		assert_int_equal(b.size, (uint64_t)(i % 5000) + 1);
		heap_table_count_free(b);
	}
	heap_table_stats(&st);
	assert_int_equal(st.live, 0);
	assert_true(filter_empty());
}

struct worker {
	uintptr_t base;
	long n;
};

static void *churn(void *arg)
{
	struct worker *w = arg;
	long i, round;

	for (round = 0; round < 4; round++) {
		for (i = 0; i < w->n; i++)
			heap_table_add((void *)(w->base + i * 16), 16,
				       i % 2 ? stack_a : stack_b,
				       i % 2 ? 3 : 2);
		for (i = 0; i < w->n; i++)
			heap_table_count_free(
			    heap_table_take((void *)(w->base + i * 16)));
	}
	return NULL;
}

static void concurrent_use(void **state)
{
	struct worker w[4];
	pthread_t t[4];
	uint64_t allocs = 0, frees = 0;
	struct heap_table_stats st;
	size_t i;

	for (i = 0; i < 4; i++) {
		w[i].base = 0x100000000ull * (i + 1);
		w[i].n = 20000;
		assert_int_equal(pthread_create(&t[i], NULL, churn, &w[i]), 0);
	}
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < heap_table_nrecords(); i++) {
		allocs += heap_table_record(i)->allocs;
		frees += heap_table_record(i)->frees;
	}
	heap_table_stats(&st);
	assert_int_equal(allocs, 4 * 4 * 20000);
	assert_int_equal(frees, allocs);
	assert_int_equal(st.live, 0);
	assert_true(filter_empty());
}

static void depth_is_capped(void **state)
{
	uint64_t pcs[HEAP_MAX_DEPTH + 10];
	size_t i;

	for (i = 0; i < HEAP_MAX_DEPTH + 10; i++)
		pcs[i] = 0x400000 + i;
	heap_table_add((void *)0x9000, 10, pcs, HEAP_MAX_DEPTH + 10);
	assert_int_equal(only_record()->depth, HEAP_MAX_DEPTH);
	heap_table_add((void *)0xa000, 10, pcs, 0); /* no stack at all */
	assert_int_equal(heap_table_nrecords(), 2);
	assert_int_equal(heap_table_record(1)->depth, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(size_classes),
	    cmocka_unit_test_setup(add_and_take, reset),
	    cmocka_unit_test_setup(records_by_stack_and_class, reset),
	    cmocka_unit_test_setup(stale_entry_counts_as_freed, reset),
	    cmocka_unit_test_setup(put_back_after_failed_realloc, reset),
	    cmocka_unit_test_setup(shared_granule, reset),
	    cmocka_unit_test_setup(pin_is_sticky, reset),
	    cmocka_unit_test_setup(summary_covers_live_blocks, reset),
	    cmocka_unit_test_setup(many_blocks, reset),
	    cmocka_unit_test_setup(concurrent_use, reset),
	    cmocka_unit_test_setup(depth_is_capped, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
