/*
 * test_heap_hooks.c - the allocation hooks called directly (the static
 * library exports no allocator names, so here the "real" allocator
 * behind them is libc's): what each records, at rate 1 and rate 0,
 * the stack's leaf frame, realloc as a free and an allocation, a
 * failed realloc, the guard, and the Poisson rate through the hooks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "heap_hooks.h"
#include "heap_table.h"

#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Rate 1 and an empty table. A thread that saw sampling off looks at
 * the rate again within 1 MiB of allocation: one large block brings it
 * up to date before the table is emptied.
 */
static int at_rate_1(void **state)
{
	heap_set_rate(1);
	heap_free(heap_malloc(2 << 20));
	heap_table_reset();
	return 0;
}

/* The record holding live block `p`: its counts, by size class. */
static const struct heap_record *record_of_class(uint64_t size)
{
	size_t i;

	for (i = 0; i < heap_table_nrecords(); i++)
		if (heap_table_record(i)->size_class == heap_size_class(size))
			return heap_table_record(i);
	return NULL;
}

static uint64_t total(int which)
{
	uint64_t t = 0;
	size_t i;

	for (i = 0; i < heap_table_nrecords(); i++) {
		const struct heap_record *r = heap_table_record(i);

		t += which == 0	  ? r->allocs
		     : which == 1 ? r->frees
		     : which == 2 ? r->alloc_bytes
				  : r->free_bytes;
	}
	return t;
}

__attribute__((noinline)) static void *allocate_here(size_t n)
{
	void *p = heap_malloc(n);

	__asm__ volatile("" ::: "memory"); /* not a tail call */
	return p;
}

static void malloc_and_free(void **state)
{
	void *p = allocate_here(1000);
	const struct heap_record *r;
	Dl_info info;

	assert_non_null(p);
	memset(p, 1, 1000);
	assert_true(heap_table_maybe(p));
	r = record_of_class(1000);
	assert_non_null(r);
	assert_int_equal(r->allocs, 1);
	assert_int_equal(r->alloc_bytes, 1000);
	/* The hooks' frames are dropped: the leaf is the caller. */
	assert_true(r->depth >= 2);
	assert_true(dladdr((void *)(uintptr_t)(r->pcs[0] - 1), &info));
	assert_non_null(info.dli_sname ? info.dli_sname : "");
	heap_free(p);
	assert_int_equal(r->frees, 1);
	assert_int_equal(r->free_bytes, 1000);
	assert_false(heap_table_maybe(p));
	heap_free(NULL);
}

static void leaf_is_the_caller(void **state)
{
	void *p = allocate_here(333);
	const struct heap_record *r = record_of_class(333);
	uintptr_t fn = (uintptr_t)allocate_here;

	assert_non_null(r);
	/* pcs[0] returns into allocate_here, just after its call. */
	assert_true(r->pcs[0] > fn && r->pcs[0] < fn + 256);
	heap_free(p);
}

static void every_allocator(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p[8] = {0};

	p[0] = heap_calloc(10, 30);
	assert_int_equal(posix_memalign(&p[1], 64, 8), 0);
	free(p[1]);
	assert_int_equal(heap_posix_memalign(&p[1], 64, 500), 0);
	p[2] = heap_aligned_alloc(256, 512);
	p[3] = heap_memalign(128, 700);
	p[4] = heap_valloc(900);
	p[5] = heap_pvalloc(1); /* rounded up to a page */
	for (int i = 0; i < 6; i++)
		assert_non_null(p[i]);
	assert_int_equal((uintptr_t)p[1] % 64, 0);
	assert_int_equal((uintptr_t)p[2] % 256, 0);
	assert_int_equal((uintptr_t)p[3] % 128, 0);
	assert_int_equal((uintptr_t)p[4] % page, 0);
	assert_int_equal(total(0), 6);
	assert_int_equal(total(2), 300 + 500 + 512 + 700 + 900 + page);
	for (int i = 0; i < 6; i++)
		heap_free(p[i]);
	assert_int_equal(total(1), 6);
	assert_int_equal(total(3), total(2));

	/* Bad requests are the real allocator's to refuse. */
	assert_int_equal(heap_posix_memalign(&p[6], 3, 8), EINVAL);
	assert_null(heap_calloc(SIZE_MAX / 2, 3));
	assert_int_equal(total(0), 6);
}

static void realloc_is_free_and_malloc(void **state)
{
	void *p = heap_malloc(100), *q;

	memset(p, 7, 100);
	q = heap_realloc(p, 5000);
	assert_non_null(q);
	assert_int_equal(((unsigned char *)q)[99], 7);
	assert_int_equal(total(0), 2);
	assert_int_equal(total(1), 1);
	assert_int_equal(total(3), 100);
	assert_true(heap_table_maybe(q));

	/* A failed realloc leaves the block live and uncounted. */
	errno = 0;
	assert_null(heap_realloc(q, SIZE_MAX - 4096));
	assert_int_equal(errno, ENOMEM);
	assert_true(heap_table_maybe(q));
	assert_int_equal(total(1), 1);

	/* realloc(NULL, n) allocates. */
	p = heap_realloc(NULL, 64);
	assert_int_equal(total(0), 3);
	heap_free(p);
	heap_free(q);
	assert_int_equal(total(1), 3);
}

static void nothing_at_rate_0(void **state)
{
	void *p;
	int i;

	heap_set_rate(0);
	for (i = 0; i < 100; i++) {
		p = heap_malloc(64 * 1024);
		heap_free(p);
	}
	/* The thread was armed for rate 1: its next allocation is
	 * sampled, then it sees the change. */
	assert_true(total(0) <= 1);
}

static void guard_hides_allocations(void **state)
{
	void *p;
	int64_t saved;

	heap_guard_enter();
	heap_guard_enter();
	p = heap_malloc(100);
	heap_guard_leave();
	heap_free(p);
	heap_guard_leave();
	assert_int_equal(total(0), 0);

	/* A pass leaves frees seen, allocations not. */
	p = heap_malloc(100);
	saved = heap_pass_enter();
	heap_free(p);
	heap_free(heap_malloc(100));
	heap_pass_leave(&saved);
	assert_int_equal(total(0), 1);
	assert_int_equal(total(1), 1);
}

static void note_alloc_for_wrappers(void **state)
{
	char block[64];

	/* What operator new does after its pass. */
	heap_note_alloc(block, 64);
	assert_int_equal(total(0), 1);
	heap_note_alloc(NULL, 64);
	assert_int_equal(total(0), 1);
	heap_note_free(block);
	assert_int_equal(total(1), 1);
}

static void poisson_rate_through_hooks(void **state)
{
	const long rate = 16384, n = 40000;
	const size_t size = 4096;
	double p = 1 - exp(-(double)size / rate), got, se;
	long i;

	heap_set_rate(rate);
	for (i = 0; i < n; i++)
		heap_free(heap_malloc(size));
	got = (double)total(0) / n;
	se = sqrt(p * (1 - p) / n);
	printf("sampled %.4f of allocations, expected %.4f (SE %.4f)\n", got, p,
	       se);
	assert_true(fabs(got - p) < 5 * se);
	assert_int_equal(total(1), total(0));
	heap_set_rate(1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(malloc_and_free, at_rate_1),
	    cmocka_unit_test_setup(leaf_is_the_caller, at_rate_1),
	    cmocka_unit_test_setup(every_allocator, at_rate_1),
	    cmocka_unit_test_setup(realloc_is_free_and_malloc, at_rate_1),
	    cmocka_unit_test_setup(nothing_at_rate_0, at_rate_1),
	    cmocka_unit_test_setup(guard_hides_allocations, at_rate_1),
	    cmocka_unit_test_setup(note_alloc_for_wrappers, at_rate_1),
	    cmocka_unit_test_setup(poisson_rate_through_hooks, at_rate_1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
