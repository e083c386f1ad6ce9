/*
 * heap_interpose.c - the allocator's names, exported by libtriage.so
 * only: the malloc family, and C++'s operator new and delete in every
 * form (jemalloc and tcmalloc define their own, which never reach
 * malloc). The static library leaves this file out, so that linking it
 * replaces no allocator.
 *
 * An operator new calls the next definition of itself, which may call
 * malloc (libstdc++'s does): that inner call passes through unsampled
 * (heap_pass_enter) and the block is accounted here, with the caller of
 * new as its leaf frame. The pass is left by a cleanup that also runs
 * when new throws: this file is built with -fexceptions.
 */
#include "heap_hooks.h"
#include "options.h"

#include <malloc.h>
#include <stddef.h>
#include <stdlib.h>

/* Tells heap_hooks.c that the names above are really exported. */
const int heap_interposer_present = 1;

TRIAGE_API HEAP_HOOK void *malloc(size_t n)
{
	return heap_malloc(n);
}

TRIAGE_API HEAP_HOOK void free(void *p)
{
	heap_free(p);
}

TRIAGE_API HEAP_HOOK void *calloc(size_t n, size_t size)
{
	return heap_calloc(n, size);
}

TRIAGE_API HEAP_HOOK void *realloc(void *p, size_t n)
{
	return heap_realloc(p, n);
}

TRIAGE_API HEAP_HOOK int posix_memalign(void **out, size_t align, size_t n)
{
	return heap_posix_memalign(out, align, n);
}

TRIAGE_API HEAP_HOOK void *aligned_alloc(size_t align, size_t n)
{
	return heap_aligned_alloc(align, n);
}

TRIAGE_API HEAP_HOOK void *memalign(size_t align, size_t n)
{
	return heap_memalign(align, n);
}

TRIAGE_API HEAP_HOOK void *valloc(size_t n)
{
	return heap_valloc(n);
}

TRIAGE_API HEAP_HOOK void *pvalloc(size_t n)
{
	return heap_pvalloc(n);
}

/* --- C++ ------------------------------------------------------------ */

/* std::align_val_t is passed as a size_t, std::nothrow_t by address. */
typedef void *(*new_fn)(size_t);
typedef void *(*new_nt_fn)(size_t, const void *);
typedef void *(*new_al_fn)(size_t, size_t);
typedef void *(*new_al_nt_fn)(size_t, size_t, const void *);
typedef void (*del_fn)(void *);
typedef void (*del_sz_fn)(void *, size_t);
typedef void (*del_nt_fn)(void *, const void *);
typedef void (*del_sz_al_fn)(void *, size_t, size_t);
typedef void (*del_al_nt_fn)(void *, size_t, const void *);

/* The next definition of `name`, looked up on first use: libstdc++ may
 * be loaded after libtriage started, with a dlopen'ed C++ library. */
static void *next(void **cache, const char *name)
{
	void *f = __atomic_load_n(cache, __ATOMIC_ACQUIRE);

	if (!f) {
		f = heap_next_symbol(name);
		__atomic_store_n(cache, f, __ATOMIC_RELEASE);
	}
	return f;
}

static void pass_leave(int64_t *saved)
{
	heap_pass_leave(saved);
}

#define PASS                                                                   \
	int64_t pass_saved __attribute__((cleanup(pass_leave), unused)) =      \
	    heap_pass_enter()

/*
 * Defines one operator new: `sym` its mangled name, `fn_t` its type,
 * `params` and `args` its parameter list and the call's arguments. If
 * there is no next definition (no C++ runtime), malloc serves it.
 */
#define DEFINE_NEW(fn_name, sym, fn_t, params, args)                           \
	TRIAGE_API HEAP_HOOK void *fn_name params __asm__(sym);                \
	TRIAGE_API HEAP_HOOK void *fn_name params                              \
	{                                                                      \
		static void *cache;                                            \
		fn_t fn = (fn_t)next(&cache, sym);                             \
		void *p;                                                       \
                                                                               \
		{                                                              \
			PASS;                                                  \
			p = fn ? fn args : heap_malloc(n);                     \
		}                                                              \
		heap_note_alloc(p, n);                                         \
		return p;                                                      \
	}

DEFINE_NEW(new_1, "_Znwm", new_fn, (size_t n), (n))
DEFINE_NEW(new_arr_1, "_Znam", new_fn, (size_t n), (n))
DEFINE_NEW(new_nt, "_ZnwmRKSt9nothrow_t", new_nt_fn, (size_t n, const void *nt),
	   (n, nt))
DEFINE_NEW(new_arr_nt, "_ZnamRKSt9nothrow_t", new_nt_fn,
	   (size_t n, const void *nt), (n, nt))
DEFINE_NEW(new_al, "_ZnwmSt11align_val_t", new_al_fn, (size_t n, size_t al),
	   (n, al))
DEFINE_NEW(new_arr_al, "_ZnamSt11align_val_t", new_al_fn, (size_t n, size_t al),
	   (n, al))
DEFINE_NEW(new_al_nt, "_ZnwmSt11align_val_tRKSt9nothrow_t", new_al_nt_fn,
	   (size_t n, size_t al, const void *nt), (n, al, nt))
DEFINE_NEW(new_arr_al_nt, "_ZnamSt11align_val_tRKSt9nothrow_t", new_al_nt_fn,
	   (size_t n, size_t al, const void *nt), (n, al, nt))

/*
 * Defines one operator delete: the block leaves the table before the
 * next definition frees it (a thread handed the address afterwards
 * must not lose its record); without a next definition, free.
 */
#define DEFINE_DELETE(fn_name, sym, fn_t, params, args)                        \
	TRIAGE_API HEAP_HOOK void fn_name params __asm__(sym);                 \
	TRIAGE_API HEAP_HOOK void fn_name params                               \
	{                                                                      \
		static void *cache;                                            \
		fn_t fn = (fn_t)next(&cache, sym);                             \
                                                                               \
		heap_note_free(p);                                             \
		if (fn)                                                        \
			fn args;                                               \
		else                                                           \
			heap_free(p);                                          \
	}

DEFINE_DELETE(del_1, "_ZdlPv", del_fn, (void *p), (p))
DEFINE_DELETE(del_arr_1, "_ZdaPv", del_fn, (void *p), (p))
DEFINE_DELETE(del_sz, "_ZdlPvm", del_sz_fn, (void *p, size_t n), (p, n))
DEFINE_DELETE(del_arr_sz, "_ZdaPvm", del_sz_fn, (void *p, size_t n), (p, n))
DEFINE_DELETE(del_nt, "_ZdlPvRKSt9nothrow_t", del_nt_fn,
	      (void *p, const void *nt), (p, nt))
DEFINE_DELETE(del_arr_nt, "_ZdaPvRKSt9nothrow_t", del_nt_fn,
	      (void *p, const void *nt), (p, nt))
DEFINE_DELETE(del_al, "_ZdlPvSt11align_val_t", del_sz_fn, (void *p, size_t al),
	      (p, al))
DEFINE_DELETE(del_arr_al, "_ZdaPvSt11align_val_t", del_sz_fn,
	      (void *p, size_t al), (p, al))
DEFINE_DELETE(del_sz_al, "_ZdlPvmSt11align_val_t", del_sz_al_fn,
	      (void *p, size_t n, size_t al), (p, n, al))
DEFINE_DELETE(del_arr_sz_al, "_ZdaPvmSt11align_val_t", del_sz_al_fn,
	      (void *p, size_t n, size_t al), (p, n, al))
DEFINE_DELETE(del_al_nt, "_ZdlPvSt11align_val_tRKSt9nothrow_t", del_al_nt_fn,
	      (void *p, size_t al, const void *nt), (p, al, nt))
DEFINE_DELETE(del_arr_al_nt, "_ZdaPvSt11align_val_tRKSt9nothrow_t",
	      del_al_nt_fn, (void *p, size_t al, const void *nt), (p, al, nt))
