/*
 * fuzz_metrics_proc.c - the /proc/self/stat and /proc/stat parsers of
 * the process metrics on arbitrary bytes: no read past the input, and
 * what they return is a plain non-negative number.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so ASan sees any read past the end. */
	char *text = malloc(size ? size : 1);
	struct metrics_proc_stat st;
	double bt;

	if (!text)
		return 0;
	memcpy(text, data, size);
	if (metrics_parse_proc_stat(text, size, &st) == 0 &&
	    (st.utime_ticks < 0 || st.rss_pages < 0 || st.vsize < 0 ||
	     st.num_threads < 0 || st.starttime_ticks < 0))
		__builtin_trap();
	if (metrics_parse_btime(text, size, &bt) == 0 && !(bt >= 0))
		__builtin_trap();
	free(text);
	return 0;
}
