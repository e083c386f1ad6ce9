/*
 * symbolize_fixture.h - a shared object of known functions for the
 * symbolizer's tests: each records the address of a call inside it and
 * the source line of that call, to compare with what tsym_lookup() says.
 */
#ifndef TSYM_FIXTURE_H
#define TSYM_FIXTURE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A probe: the call instruction's address and the line it is on. */
struct tfx_site {
	uint64_t pc; /* return address of the probe call, minus 1 */
	int line;    /* __LINE__ of the call */
};

struct tfx_sites {
	struct tfx_site plain;	/* tfx_plain(), C */
	struct tfx_site inl;	/* tfx_inner() in tfx_middle() in tfx_outer() */
	int inl_middle_line;	/* where tfx_middle() calls tfx_inner() */
	int inl_outer_line;	/* where tfx_outer() calls tfx_middle() */
	struct tfx_site tmpl;	/* tfx::Cache<int>::put(), C++ from here on */
	struct tfx_site anon;	/* tfx::(anonymous namespace)::hidden() */
	struct tfx_site less;	/* tfx::Key::operator<() */
	struct tfx_site call;	/* tfx::Fn::operator()() */
	struct tfx_site shift;	/* tfx::operator<<() */
	struct tfx_site lambda; /* a lambda in tfx::run_lambda() */
	struct tfx_site member; /* tfx::Acc<int>::add() inlined in use_acc() */
	int member_caller_line; /* where use_acc() calls add() */
};

/* Records the caller's call site into `s`. Never inlined. */
void tfx_probe(struct tfx_site *s, int line);

/* The C functions holding probes, for tests that look them up. */
int tfx_plain(struct tfx_sites *s, int x);
int tfx_outer(struct tfx_sites *s, int x);

/* Run every probe of the C part and of the C++ part. */
int tfx_run_c(struct tfx_sites *s, int x);
int tfx_run_cxx(struct tfx_sites *s, int x);

#ifdef __cplusplus
}
#endif

/* Probes at this line; the barrier keeps the call from being a tail
 * call, whose return address would be in the caller's caller. */
#define TFX_PROBE(site)                                                        \
	do {                                                                   \
		tfx_probe((site), __LINE__);                                   \
		__asm__ volatile("" ::: "memory");                             \
	} while (0)

/* Out of line and not cloned, so each function has its own code. */
#if defined(__clang__)
#define TFX_NOINLINE __attribute__((noinline))
#else
#define TFX_NOINLINE __attribute__((noinline, noclone))
#endif

#endif /* TSYM_FIXTURE_H */
