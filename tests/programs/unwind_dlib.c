/*
 * unwind_dlib.c - a shared object that the unwinder's test loads after
 * tunw_init(), to check that a refresh finds it and its frames unwind.
 */
#include "unwind_chain.h"

__attribute__((visibility("default"))) volatile int uwt_dlib_sink;

__attribute__((visibility("default"), noinline)) int
uwt_dlib_call(int depth, uwt_probe_fn probe, void *arg)
{
	int r;

	if (depth <= 0) {
		probe(arg);
		uwt_dlib_sink++;
		return 0;
	}
	r = uwt_dlib_call(depth - 1, probe, arg);
	uwt_dlib_sink += r;
	return r + 1;
}
