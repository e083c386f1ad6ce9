/*
 * unwind_chain.c - the call chains of unwind_chain.h. Every call is
 * followed by a write to uwt_sink so that the compiler keeps each frame
 * (no tail calls), and noinline/noclone keep the functions' names.
 */
#include "unwind_chain.h"

#include <stdlib.h>
#include <string.h>

#ifdef __clang__
#define KEEP __attribute__((noinline))
#else
#define KEEP __attribute__((noinline, noclone))
#endif

volatile int uwt_sink;

KEEP int uwt_recurse(int depth, uwt_probe_fn probe, void *arg)
{
	int r;

	if (depth <= 0) {
		probe(arg);
		uwt_sink++;
		return 0;
	}
	r = uwt_recurse(depth - 1, probe, arg);
	uwt_sink += r;
	return r + 1;
}

static uwt_probe_fn qsort_probe;
static void *qsort_arg;

KEEP static int compare(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	if (qsort_probe) {
		qsort_probe(qsort_arg);
		qsort_probe = NULL;
		uwt_sink++;
	}
	return (x > y) - (x < y);
}

KEEP int uwt_via_qsort(uwt_probe_fn probe, void *arg)
{
	int v[8] = {5, 3, 7, 1, 8, 2, 6, 4};

	qsort_probe = probe;
	qsort_arg = arg;
	qsort(v, 8, sizeof(v[0]), compare);
	uwt_sink++;
	return v[0];
}

KEEP void uwt_spin_leaf(volatile int *running, volatile int *stop)
{
	*running = 1;
	while (!*stop)
		;
}

KEEP void uwt_spin_mid(volatile int *running, volatile int *stop)
{
	uwt_spin_leaf(running, stop);
	uwt_sink++;
}

KEEP void uwt_spin_outer(volatile int *running, volatile int *stop)
{
	uwt_spin_mid(running, stop);
	uwt_sink++;
}

KEEP void uwt_spin_libc(volatile int *running, volatile int *stop, char *buf)
{
	unsigned int i = 0;

	*running = 1;
	while (!*stop) {
		memset(buf, 'a' + (int)(i++ % 26), 65535);
		buf[65535] = '\0';
		uwt_sink += (int)strlen(buf);
	}
}

KEEP void uwt_spin_in_handler(volatile int *running, volatile int *stop)
{
	*running = 1;
	while (!*stop)
		uwt_sink++;
}
