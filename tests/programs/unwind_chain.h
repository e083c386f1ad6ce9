/*
 * unwind_chain.h - known call chains for the unwinder's tests, compiled
 * with -O2 -fomit-frame-pointer (see unwind.cmake) so that the unwinder
 * must follow the CFI, as it must for Debian's libc.
 */
#ifndef TRIAGE_TESTS_UNWIND_CHAIN_H
#define TRIAGE_TESTS_UNWIND_CHAIN_H

/* Called at the top of a chain; it records stacks. */
typedef void (*uwt_probe_fn)(void *arg);

/* Non-zero after the calls, so that nothing is a tail call. */
extern volatile int uwt_sink;

/* Calls probe(arg) under `depth` frames of uwt_recurse. */
int uwt_recurse(int depth, uwt_probe_fn probe, void *arg);

/* Calls probe(arg) from a qsort() comparator: through libc's frames. */
int uwt_via_qsort(uwt_probe_fn probe, void *arg);

/* uwt_spin_outer -> uwt_spin_mid -> uwt_spin_leaf, a frameless leaf
 * that spins until *stop; sets *running first. */
void uwt_spin_outer(volatile int *running, volatile int *stop);
void uwt_spin_mid(volatile int *running, volatile int *stop);
void uwt_spin_leaf(volatile int *running, volatile int *stop);

/* Calls memset() and strlen() on buf (at least 64 KiB) until *stop. */
void uwt_spin_libc(volatile int *running, volatile int *stop, char *buf);

/* Spins until *stop; for use inside a signal handler. */
void uwt_spin_in_handler(volatile int *running, volatile int *stop);

/* In the shared object built from unwind_dlib.c (found with dlsym):
 * probe under `depth` frames of its own. */
int uwt_dlib_call(int depth, uwt_probe_fn probe, void *arg);
typedef int (*uwt_dlib_fn)(int depth, uwt_probe_fn probe, void *arg);

#endif
