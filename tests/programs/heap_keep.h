/*
 * heap_keep.h - what the C and C++ halves of heap_keep share.
 */
#ifndef HEAP_KEEP_H
#define HEAP_KEEP_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Prints "keep <function> <blocks> <bytes>", what the profile must show
 * in use at that function (and "alloc ..." for what it allocated). */
void keep_report(const char *what, const char *func, long blocks, long bytes);

/* The C++ allocations: n blocks each; sizes are fixed by the types. */
void keep_cxx(long n);
/* Deletes the blocks of keep_cxx_freed. */
void keep_cxx_release(void);

#ifdef __cplusplus
}
#endif

#endif
