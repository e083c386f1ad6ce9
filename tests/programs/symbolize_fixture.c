/*
 * symbolize_fixture.c - the C half of the symbolizer's fixture: a plain
 * function, and an inline chain of two always_inline functions.
 * Built with -O2 -g and frame pointers.
 */
#include "symbolize_fixture.h"

TFX_NOINLINE void tfx_probe(struct tfx_site *s, int line)
{
	s->pc = (uint64_t)(uintptr_t)__builtin_return_address(0) - 1;
	s->line = line;
	__asm__ volatile("" ::: "memory");
}

TFX_NOINLINE int tfx_plain(struct tfx_sites *s, int x)
{
	TFX_PROBE(&s->plain);
	return x * 3 + 1;
}

static inline __attribute__((always_inline)) int tfx_inner(struct tfx_sites *s,
							   int x)
{
	TFX_PROBE(&s->inl);
	return x + 7;
}

static inline __attribute__((always_inline)) int tfx_middle(struct tfx_sites *s,
							    int x)
{
	int r = (s->inl_middle_line = __LINE__, tfx_inner(s, x));

	return r * 2;
}

TFX_NOINLINE int tfx_outer(struct tfx_sites *s, int x)
{
	int r = (s->inl_outer_line = __LINE__, tfx_middle(s, x));

	return r - 1;
}

int tfx_run_c(struct tfx_sites *s, int x)
{
	return tfx_plain(s, x) + tfx_outer(s, x);
}
