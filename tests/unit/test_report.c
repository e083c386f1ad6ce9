/*
 * test_report.c - the -top report on small hand-built profiles, compared
 * byte for byte with what `go tool pprof -top` (Go 1.19) printed for the
 * same profiles written to files (TZ=UTC): units and their choice,
 * percentages, sort order, inline marks, header lines, trimming, the
 * filters, sample index selection, drop_frames, pprof's merge of equal
 * samples; and the errors. Then the pieces under the other reports:
 * combining profiles (-diff_base), pprof's short function names, and
 * its path cleaning and trimming for -list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "profile.h"
#include "report.h"
#include "report_internal.h"
#include "triage.h"

#define CPU(n) ((int64_t)(n)*10000000)

/* Adds a sample of `n` CPU samples with a leaf-first stack. */
static void cpu_sample(struct tprof_builder *b, int64_t n,
		       const uint64_t *stack, size_t depth)
{
	int64_t v[2] = {n, CPU(n)};

	assert_int_equal(tprof_add_sample(b, stack, depth, v, NULL, 0), 0);
}

/*
 * A CPU profile of a small service: parse is inlined into handle and
 * also called from main (partial-inline), checksum is inlined into hash
 * only (inline), memcpy is in libc, and one libc frame has no symbol.
 */
static struct tprof *small_cpu(void)
{
	struct tprof_builder *b = tprof_builder_new();
	struct tprof_line_in l[2];
	uint64_t svc, libc, fmain, fhandle, fparse, fhash, fsum, fmemcpy;
	uint64_t main_, parse_in_handle, handle, hash, memcpy_, anon, parse,
	    sum_in_hash;
	struct tprof *p;

	tprof_add_sample_type(b, "samples", "count");
	tprof_add_sample_type(b, "cpu", "nanoseconds");
	tprof_set_period(b, "cpu", "nanoseconds", 10000000);
	tprof_set_time(b, 1700000000000000000LL, 2000000000LL);
	tprof_add_comment(b, "built by test_report");
	tprof_add_comment(b, "#not shown");
	svc = tprof_add_mapping(
	    b, 0x400000, 0x500000, 0, "/usr/local/bin/svc", "f00d",
	    TPROF_HAS_FUNCTIONS | TPROF_HAS_FILENAMES | TPROF_HAS_LINE_NUMBERS |
		TPROF_HAS_INLINE_FRAMES);
	libc = tprof_add_mapping(b, 0x7f0000000000, 0x7f0000200000, 0,
				 "/lib/x86_64-linux-gnu/libc.so.6", "",
				 TPROF_HAS_FUNCTIONS);
	fmain = tprof_add_function(b, "main", "main", "/src/svc.c", 10);
	fhandle = tprof_add_function(b, "handle", "handle", "/src/svc.c", 20);
	fparse = tprof_add_function(b, "parse", "parse", "/src/parse.c", 5);
	fhash = tprof_add_function(b, "hash", "hash", "/src/hash.c", 1);
	fmemcpy = tprof_add_function(b, "memcpy", "memcpy", "", 0);

	l[0] = (struct tprof_line_in){fmain, 12};
	main_ = tprof_add_location(b, svc, 0x401000, l, 1);
	l[0] = (struct tprof_line_in){fparse, 7};
	l[1] = (struct tprof_line_in){fhandle, 22};
	parse_in_handle = tprof_add_location(b, svc, 0x402000, l, 2);
	l[0] = (struct tprof_line_in){fhandle, 25};
	handle = tprof_add_location(b, svc, 0x403000, l, 1);
	l[0] = (struct tprof_line_in){fhash, 3};
	hash = tprof_add_location(b, svc, 0x404000, l, 1);
	l[0] = (struct tprof_line_in){fmemcpy, 0};
	memcpy_ = tprof_add_location(b, libc, 0x7f0000005000, l, 1);
	anon = tprof_add_location(b, libc, 0x7f0000006000, NULL, 0);
	fsum = tprof_add_function(b, "checksum", "checksum", "/src/hash.c", 30);
	l[0] = (struct tprof_line_in){fsum, 31};
	l[1] = (struct tprof_line_in){fhash, 4};
	sum_in_hash = tprof_add_location(b, svc, 0x408000, l, 2);
	l[0] = (struct tprof_line_in){fparse, 9};
	parse = tprof_add_location(b, svc, 0x407000, l, 1);

	cpu_sample(b, 50, (uint64_t[]){parse_in_handle, main_}, 2);
	cpu_sample(b, 30, (uint64_t[]){hash, handle, main_}, 3);
	cpu_sample(b, 10, (uint64_t[]){memcpy_, hash, handle, main_}, 4);
	cpu_sample(b, 5, (uint64_t[]){anon, handle, main_}, 3);
	cpu_sample(b, 4, (uint64_t[]){parse, main_}, 2);
	cpu_sample(b, 2, (uint64_t[]){sum_in_hash, handle, main_}, 3);
	cpu_sample(b, 1, (uint64_t[]){main_}, 1);
	assert_int_equal(tprof_builder_finish(b, &p), 0);
	return p;
}

/* Adds a heap sample: allocated and in-use bytes, leaf-first stack. */
static void heap_sample(struct tprof_builder *b, int64_t alloc, int64_t inuse,
			const uint64_t *stack, size_t depth)
{
	int64_t v[2] = {alloc, inuse};

	assert_int_equal(tprof_add_sample(b, stack, depth, v, NULL, 0), 0);
}

/*
 * A C++ heap profile: malloc and operator new are dropped by
 * drop_frames (but a stack of malloc alone keeps it), a nameless
 * function shows as its mapping's file, a frame without mapping or
 * symbol as <unknown>; alloc_space is the default sample type.
 */
static struct tprof *heapish(void)
{
	struct tprof_builder *b = tprof_builder_new();
	struct tprof_line_in l[2];
	uint64_t svc, fmain, fload, fmalloc, fnew, fanon;
	uint64_t main_, load, malloc_, new_in_load, anon, unknown;
	struct tprof *p;

	tprof_add_sample_type(b, "alloc_space", "bytes");
	tprof_add_sample_type(b, "inuse_space", "bytes");
	tprof_set_default_sample_type(b, "alloc_space");
	tprof_set_period(b, "space", "bytes", 524288);
	tprof_set_drop_frames(b, "malloc|operator new");
	svc = tprof_add_mapping(b, 0x400000, 0x500000, 0, "/opt/cache/bin/", "",
				TPROF_HAS_FUNCTIONS);
	fmain = tprof_add_function(b, "main", "", "cache.cc", 1);
	fload = tprof_add_function(b, "Cache::load(int)", "_ZN5Cache4loadEi",
				   "cache.cc", 40);
	fmalloc = tprof_add_function(b, "malloc", "", "", 0);
	fnew = tprof_add_function(b, "operator new(unsigned long)", "_Znwm", "",
				  0);
	fanon = tprof_add_function(b, "", "", "", 77);

	l[0] = (struct tprof_line_in){fmain, 5};
	main_ = tprof_add_location(b, svc, 0x401000, l, 1);
	l[0] = (struct tprof_line_in){fload, 44};
	load = tprof_add_location(b, svc, 0x402000, l, 1);
	l[0] = (struct tprof_line_in){fmalloc, 0};
	malloc_ = tprof_add_location(b, 0, 0x7f00, l, 1);
	l[0] = (struct tprof_line_in){fnew, 0};
	l[1] = (struct tprof_line_in){fload, 45};
	new_in_load = tprof_add_location(b, svc, 0x404000, l, 2);
	l[0] = (struct tprof_line_in){fanon, 0};
	anon = tprof_add_location(b, svc, 0x405000, l, 1);
	unknown = tprof_add_location(b, 0, 0x406000, NULL, 0);

	heap_sample(b, 3 << 20, 1 << 20,
		    (uint64_t[]){malloc_, new_in_load, load, main_}, 4);
	heap_sample(b, 700 << 10, 0, (uint64_t[]){malloc_, load, main_}, 3);
	heap_sample(b, 5000, 5000, (uint64_t[]){anon, main_}, 2);
	heap_sample(b, 300, 300, (uint64_t[]){unknown, main_}, 2);
	heap_sample(b, 100, 0, (uint64_t[]){malloc_, main_}, 2);
	heap_sample(b, 64, 64, (uint64_t[]){malloc_}, 1);
	assert_int_equal(tprof_builder_finish(b, &p), 0);
	return p;
}

/* A contention profile with no samples at all. */
static struct tprof *empty(void)
{
	struct tprof_builder *b = tprof_builder_new();
	struct tprof *p;

	tprof_add_sample_type(b, "contentions", "count");
	tprof_add_sample_type(b, "delay", "nanoseconds");
	assert_int_equal(tprof_builder_finish(b, &p), 0);
	return p;
}

/*
 * An unmerged difference of two snapshots: samples with the same stack
 * and opposite signs, which pprof sums before totalling |value| (the
 * two for shrink cancel out), and a comment given twice.
 */
static struct tprof *diff_profile(void)
{
	struct tprof_builder *b = tprof_builder_new();
	struct tprof_label_in label = {"req", "a", 0, NULL};
	struct tprof_line_in l = {0, 1};
	uint64_t m, grow, shrink, main_;
	struct tprof *p;
	static const int64_t v[] = {5, -3, -4, 4, 7, -1};

	tprof_add_sample_type(b, "objects", "count");
	tprof_add_comment(b, "diff of two snapshots");
	tprof_add_comment(b, "diff of two snapshots");
	m = tprof_add_mapping(b, 0x1000, 0x2000, 0, "/bin/d", "",
			      TPROF_HAS_FUNCTIONS);
	l.function_id = tprof_add_function(b, "grow", "", "", 0);
	grow = tprof_add_location(b, m, 0x1100, &l, 1);
	l.function_id = tprof_add_function(b, "shrink", "", "", 0);
	shrink = tprof_add_location(b, m, 0x1200, &l, 1);
	l.function_id = tprof_add_function(b, "main", "", "", 0);
	main_ = tprof_add_location(b, m, 0x1300, &l, 1);

	tprof_add_sample(b, (uint64_t[]){grow, main_}, 2, &v[0], NULL, 0);
	tprof_add_sample(b, (uint64_t[]){grow, main_}, 2, &v[1], NULL, 0);
	tprof_add_sample(b, (uint64_t[]){shrink, main_}, 2, &v[2], NULL, 0);
	tprof_add_sample(b, (uint64_t[]){shrink, main_}, 2, &v[3], NULL, 0);
	tprof_add_sample(b, (uint64_t[]){shrink, main_}, 2, &v[4], &label, 1);
	tprof_add_sample(b, &main_, 1, &v[5], NULL, 0);
	assert_int_equal(tprof_builder_finish(b, &p), 0);
	assert_int_equal(p->nsamples, 6);
	return p;
}

/* go tool pprof -top diff.pb.gz */
static const char diff_default[] =
    "File: d\n"
    "diff of two snapshots\n"
    "Type: objects\n"
    "Showing nodes accounting for 8, 80.00% of 10 total\n"
    "      flat  flat%   sum%        cum   cum%\n"
    "         7 70.00% 70.00%          7 70.00%  shrink\n"
    "         2 20.00% 90.00%          2 20.00%  grow\n"
    "        -1 10.00% 80.00%          8 80.00%  main\n";

/* go tool pprof -top small.pb.gz */
static const char small_default[] =
    "File: svc\n"
    "Build ID: f00d\n"
    "built by test_report\n"
    "Type: cpu\n"
    "Time: Nov 14, 2023 at 10:13pm (UTC)\n"
    "Duration: 2s, Total samples = 1.02s (51.00%)\n"
    "Showing nodes accounting for 1.02s, 100% of 1.02s total\n"
    "      flat  flat%   sum%        cum   cum%\n"
    "     0.54s 52.94% 52.94%      0.54s 52.94%  parse (partial-inline)\n"
    "     0.30s 29.41% 82.35%      0.42s 41.18%  hash\n"
    "     0.10s  9.80% 92.16%      0.10s  9.80%  memcpy\n"
    "     0.05s  4.90% 97.06%      0.05s  4.90%  [libc.so.6]\n"
    "     0.02s  1.96% 99.02%      0.02s  1.96%  checksum (inline)\n"
    "     0.01s  0.98%   100%      1.02s   100%  main\n"
    "         0     0%   100%      0.97s 95.10%  handle\n";

/* go tool pprof -top -cum small.pb.gz */
static const char small_cum[] =
    "File: svc\n"
    "Build ID: f00d\n"
    "built by test_report\n"
    "Type: cpu\n"
    "Time: Nov 14, 2023 at 10:13pm (UTC)\n"
    "Duration: 2s, Total samples = 1.02s (51.00%)\n"
    "Showing nodes accounting for 1.02s, 100% of 1.02s total\n"
    "      flat  flat%   sum%        cum   cum%\n"
    "     0.01s  0.98%  0.98%      1.02s   100%  main\n"
    "         0     0%  0.98%      0.97s 95.10%  handle\n"
    "     0.54s 52.94% 53.92%      0.54s 52.94%  parse (partial-inline)\n"
    "     0.30s 29.41% 83.33%      0.42s 41.18%  hash\n"
    "     0.10s  9.80% 93.14%      0.10s  9.80%  memcpy\n"
    "     0.05s  4.90% 98.04%      0.05s  4.90%  [libc.so.6]\n"
    "     0.02s  1.96%   100%      0.02s  1.96%  checksum (inline)\n";

/* go tool pprof -top -nodecount=3 small.pb.gz */
static const char small_nodecount3[] =
    "File: svc\n"
    "Build ID: f00d\n"
    "built by test_report\n"
    "Type: cpu\n"
    "Time: Nov 14, 2023 at 10:13pm (UTC)\n"
    "Duration: 2s, Total samples = 1020ms (51.00%)\n"
    "Showing nodes accounting for 940ms, 92.16% of 1020ms total\n"
    "Showing top 3 nodes out of 7\n"
    "      flat  flat%   sum%        cum   cum%\n"
    "     540ms 52.94% 52.94%      540ms 52.94%  parse\n"
    "     300ms 29.41% 82.35%      420ms 41.18%  hash\n"
    "     100ms  9.80% 92.16%      100ms  9.80%  memcpy\n";

/* go tool pprof -top -focus=hash small.pb.gz */
static const char small_focus_hash[] =
    "File: svc\n"
    "Build ID: f00d\n"
    "built by test_report\n"
    "Type: cpu\n"
    "Time: Nov 14, 2023 at 10:13pm (UTC)\n"
    "Duration: 2s, Total samples = 1020ms (51.00%)\n"
    "Active filters:\n"
    "   focus=hash\n"
    "Showing nodes accounting for 420ms, 41.18% of 1020ms total\n"
    "      flat  flat%   sum%        cum   cum%\n"
    "     300ms 29.41% 29.41%      420ms 41.18%  hash\n"
    "     100ms  9.80% 39.22%      100ms  9.80%  memcpy\n"
    "      20ms  1.96% 41.18%       20ms  1.96%  checksum (inline)\n"
    "         0     0% 41.18%      420ms 41.18%  handle\n"
    "         0     0% 41.18%      420ms 41.18%  main\n";

/* go tool pprof -top -ignore=memcpy small.pb.gz */
static const char small_ignore_memcpy[] =
    "File: svc\n"
    "Build ID: f00d\n"
    "built by test_report\n"
    "Type: cpu\n"
    "Time: Nov 14, 2023 at 10:13pm (UTC)\n"
    "Duration: 2s, Total samples = 1.02s (51.00%)\n"
    "Active filters:\n"
    "   ignore=memcpy\n"
    "Showing nodes accounting for 0.92s, 90.20% of 1.02s total\n"
    "      flat  flat%   sum%        cum   cum%\n"
    "     0.54s 52.94% 52.94%      0.54s 52.94%  parse (partial-inline)\n"
    "     0.30s 29.41% 82.35%      0.32s 31.37%  hash\n"
    "     0.05s  4.90% 87.25%      0.05s  4.90%  [libc.so.6]\n"
    "     0.02s  1.96% 89.22%      0.02s  1.96%  checksum (inline)\n"
    "     0.01s  0.98% 90.20%      0.92s 90.20%  main\n"
    "         0     0% 90.20%      0.87s 85.29%  handle\n";

/* go tool pprof -top -hide=hash small.pb.gz */
static const char small_hide_hash[] =
    "File: svc\n"
    "Build ID: f00d\n"
    "built by test_report\n"
    "Type: cpu\n"
    "Time: Nov 14, 2023 at 10:13pm (UTC)\n"
    "Duration: 2s, Total samples = 1.02s (51.00%)\n"
    "Active filters:\n"
    "   hide=hash\n"
    "Showing nodes accounting for 1.02s, 100% of 1.02s total\n"
    "      flat  flat%   sum%        cum   cum%\n"
    "     0.54s 52.94% 52.94%      0.54s 52.94%  parse (partial-inline)\n"
    "     0.32s 31.37% 84.31%      0.97s 95.10%  handle\n"
    "     0.10s  9.80% 94.12%      0.10s  9.80%  memcpy\n"
    "     0.05s  4.90% 99.02%      0.05s  4.90%  [libc.so.6]\n"
    "     0.01s  0.98%   100%      1.02s   100%  main\n";

/* go tool pprof -top -show=parse|main small.pb.gz */
static const char small_show[] =
    "File: svc\n"
    "Build ID: f00d\n"
    "built by test_report\n"
    "Type: cpu\n"
    "Time: Nov 14, 2023 at 10:13pm (UTC)\n"
    "Duration: 2s, Total samples = 1020ms (51.00%)\n"
    "Active filters:\n"
    "   show=parse|main\n"
    "Showing nodes accounting for 1020ms, 100% of 1020ms total\n"
    "      flat  flat%   sum%        cum   cum%\n"
    "     540ms 52.94% 52.94%      540ms 52.94%  parse\n"
    "     480ms 47.06%   100%     1020ms   100%  main\n";

/* go tool pprof -top -sample_index=samples small.pb.gz */
static const char small_samples[] =
    "File: svc\n"
    "Build ID: f00d\n"
    "built by test_report\n"
    "Type: samples\n"
    "Time: Nov 14, 2023 at 10:13pm (UTC)\n"
    "Duration: 2s, Total samples = 102 \n"
    "Showing nodes accounting for 102, 100% of 102 total\n"
    "      flat  flat%   sum%        cum   cum%\n"
    "        54 52.94% 52.94%         54 52.94%  parse (partial-inline)\n"
    "        30 29.41% 82.35%         42 41.18%  hash\n"
    "        10  9.80% 92.16%         10  9.80%  memcpy\n"
    "         5  4.90% 97.06%          5  4.90%  [libc.so.6]\n"
    "         2  1.96% 99.02%          2  1.96%  checksum (inline)\n"
    "         1  0.98%   100%        102   100%  main\n"
    "         0     0%   100%         97 95.10%  handle\n";

/* go tool pprof -top -nodefraction=0.06 small.pb.gz */
static const char small_dropped[] =
    "File: svc\n"
    "Build ID: f00d\n"
    "built by test_report\n"
    "Type: cpu\n"
    "Time: Nov 14, 2023 at 10:13pm (UTC)\n"
    "Duration: 2s, Total samples = 1.02s (51.00%)\n"
    "Showing nodes accounting for 0.95s, 93.14% of 1.02s total\n"
    "Dropped 2 nodes (cum <= 0.06s)\n"
    "      flat  flat%   sum%        cum   cum%\n"
    "     0.54s 52.94% 52.94%      0.54s 52.94%  parse (partial-inline)\n"
    "     0.30s 29.41% 82.35%      0.42s 41.18%  hash\n"
    "     0.10s  9.80% 92.16%      0.10s  9.80%  memcpy\n"
    "     0.01s  0.98% 93.14%      1.02s   100%  main\n"
    "         0     0% 93.14%      0.97s 95.10%  handle\n";

/* go tool pprof -top heapish.pb.gz */
static const char heap_default[] =
    "File: bin\n"
    "Type: alloc_space\n"
    "Showing nodes accounting for 3772.10kB, 99.86% of 3777.34kB total\n"
    "Dropped 3 nodes (cum <= 18.89kB)\n"
    "      flat  flat%   sum%        cum   cum%\n"
    "    3772kB 99.86% 99.86%     3772kB 99.86%  Cache::load(int)\n"
    "    0.10kB 0.0026% 99.86%  3777.27kB   100%  main\n";

/* go tool pprof -top -sample_index=1 -cum heapish.pb.gz */
static const char heap_inuse_cum[] =
    "File: bin\n"
    "Type: inuse_space\n"
    "Showing nodes accounting for 1MB, 99.49% of 1.01MB total\n"
    "Dropped 3 nodes (cum <= 0.01MB)\n"
    "      flat  flat%   sum%        cum   cum%\n"
    "         0     0%     0%     1.01MB   100%  main\n"
    "       1MB 99.49% 99.49%        1MB 99.49%  Cache::load(int)\n";

/* go tool pprof -top -nodefraction=0 heapish.pb.gz */
static const char heap_all[] =
    "File: bin\n"
    "Type: alloc_space\n"
    "Showing nodes accounting for 3777.34kB, 100% of 3777.34kB total\n"
    "      flat  flat%   sum%        cum   cum%\n"
    "    3772kB 99.86% 99.86%     3772kB 99.86%  Cache::load(int)\n"
    "    4.88kB  0.13%   100%     4.88kB  0.13%  [bin]\n"
    "    0.29kB 0.0078%   100%     0.29kB 0.0078%  <unknown>\n"
    "    0.10kB 0.0026%   100%  3777.27kB   100%  main\n"
    "    0.06kB 0.0017%   100%     0.06kB 0.0017%  malloc\n";

/* go tool pprof -top -nodefraction=0 -hide=bin heapish.pb.gz */
static const char heap_hide_bin[] =
    "File: bin\n"
    "Type: alloc_space\n"
    "Active filters:\n"
    "   hide=bin\n"
    "Showing nodes accounting for 0.36kB, 0.0094% of 3777.34kB total\n"
    "      flat  flat%   sum%        cum   cum%\n"
    "    0.29kB 0.0078% 0.0078%     0.29kB 0.0078%  <unknown>\n"
    "    0.06kB 0.0017% 0.0094%     0.06kB 0.0017%  malloc\n";

/* go tool pprof -top empty.pb.gz */
static const char empty_default[] =
    "Type: delay\n"
    "Showing nodes accounting for 0, 0% of 0 total\n"
    "      flat  flat%   sum%        cum   cum%\n";

/* Runs report_top into a string; the options are -flag=value words. */
static char *run_top(const struct tprof *p, const char *const *flags)
{
	struct report_options o;
	char *text = NULL, err[256] = "";
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int rc;

	assert_non_null(out);
	report_options_init(&o);
	for (; flags && *flags; flags++) {
		const char *f = *flags, *v = strchr(f, '=');

		v = v ? v + 1 : "";
		if (!strcmp(f, "-cum"))
			o.cum = true;
		else if (!strncmp(f, "-nodecount=", 11))
			o.nodecount = (int)strtol(v, NULL, 10);
		else if (!strncmp(f, "-nodefraction=", 14))
			o.nodefraction = strtod(v, NULL);
		else if (!strncmp(f, "-sample_index=", 14))
			o.sample_index = v;
		else if (!strncmp(f, "-focus=", 7))
			o.focus = v;
		else if (!strncmp(f, "-ignore=", 8))
			o.ignore = v;
		else if (!strncmp(f, "-hide=", 6))
			o.hide = v;
		else if (!strncmp(f, "-show=", 6))
			o.show = v;
		else
			fail_msg("unknown flag %s", f);
	}
	rc = report_top(out, p, &o, err, sizeof(err));
	fclose(out);
	if (rc)
		fail_msg("report_top failed: %d %s", rc, err);
	return text;
}

/* Checks the report of `p` with `flags` against Go's text. */
static void expect_top(const struct tprof *p, const char *want,
		       const char *const *flags)
{
	char *got = run_top(p, flags);

	assert_string_equal(got, want);
	free(got);
}

#define FLAGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_small_cpu(void **state)
{
	struct tprof *p = small_cpu();

	(void)state;
	expect_top(p, small_default, NULL);
	expect_top(p, small_cum, FLAGS("-cum"));
	expect_top(p, small_nodecount3, FLAGS("-nodecount=3"));
	expect_top(p, small_samples, FLAGS("-sample_index=samples"));
	expect_top(p, small_samples, FLAGS("-sample_index=0"));
	expect_top(p, small_dropped, FLAGS("-nodefraction=0.06"));
	tprof_free(p);
}

static void test_small_cpu_filters(void **state)
{
	struct tprof *p = small_cpu();

	(void)state;
	expect_top(p, small_focus_hash, FLAGS("-focus=hash"));
	expect_top(p, small_ignore_memcpy, FLAGS("-ignore=memcpy"));
	expect_top(p, small_hide_hash, FLAGS("-hide=hash"));
	expect_top(p, small_show, FLAGS("-show=parse|main"));
	tprof_free(p);
}

static void test_heap_units_and_drop_frames(void **state)
{
	struct tprof *p = heapish();

	(void)state;
	expect_top(p, heap_default, NULL);
	expect_top(p, heap_inuse_cum, FLAGS("-sample_index=1", "-cum"));
	expect_top(p, heap_inuse_cum,
		   FLAGS("-sample_index=inuse_space", "-cum"));
	expect_top(p, heap_all, FLAGS("-nodefraction=0"));
	expect_top(p, heap_hide_bin, FLAGS("-nodefraction=0", "-hide=bin"));
	tprof_free(p);
}

static void test_merged_samples(void **state)
{
	struct tprof *p = diff_profile();

	(void)state;
	expect_top(p, diff_default, NULL);
	tprof_free(p);
}

static void test_empty_profile(void **state)
{
	struct tprof *p = empty();
	char *got;

	(void)state;
	expect_top(p, empty_default, NULL);
	/* A filter longer than 80 bytes is cut, as pprof does. */
	got = run_top(p, FLAGS("-focus=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			       "xxxxxxxxxxxxxxxx"));
	assert_non_null(strstr(got, "Active filters:\n   focus=xxxxxxxxxxxx"
				    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
				    "xxxxxxxxxxxxxxxxxxxxxx\xe2\x80\xa6\n"));
	free(got);
	tprof_free(p);
}

/* Calls report_top expecting failure `code` with reason `want`. */
static void expect_error(const struct tprof *p, struct report_options *o,
			 int code, const char *want)
{
	char err[256] = "", *text = NULL;
	size_t len;
	FILE *out = open_memstream(&text, &len);
	int rc = report_top(out, p, o, err, sizeof(err));

	fclose(out);
	assert_int_equal(rc, code);
	assert_string_equal(err, want);
	assert_int_equal(len, 0);
	free(text);
}

static void test_errors(void **state)
{
	struct tprof *p = small_cpu(), *none;
	struct tprof_builder *b = tprof_builder_new();
	struct report_options o;

	(void)state;
	report_options_init(&o);
	o.sample_index = "alloc_space";
	expect_error(p, &o, TRIAGE_EINVAL,
		     "sample_index \"alloc_space\" must be one of: "
		     "[samples cpu]");
	o.sample_index = "2";
	expect_error(p, &o, TRIAGE_EINVAL,
		     "sample_index 2 is outside the range [0..1]");
	o.sample_index = NULL;
	o.ignore = "a(b";
	expect_error(p, &o, TRIAGE_EINVAL,
		     "parsing ignore regexp: a(b: Unmatched ( or \\(");

	assert_int_equal(tprof_builder_finish(b, &none), 0);
	report_options_init(&o);
	expect_error(none, &o, TRIAGE_EFORMAT, "profile has no samples");
	tprof_free(none);
	tprof_free(p);
}

/* Writes report `fn` of `p` with default options into a new string. */
static char *run_report(report_fn fn, const struct tprof *p,
			const struct report_options *o)
{
	char err[256], *text = NULL;
	size_t len;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	assert_int_equal(fn(out, p, o, err, sizeof(err)), 0);
	fclose(out);
	return text;
}

/*
 * Combining: a profile minus itself as a diff base leaves nothing, each
 * base sample labelled pprof::base=true and negated; the header is
 * pprof's (comments once, durations added); profiles of different
 * types are refused with both named.
 */
static void test_combine(void **state)
{
	struct tprof *p = small_cpu(), *heap = heapish(), *c;
	struct report_input in[2] = {{p, "a.pb.gz", 1, false},
				     {p, "b.pb.gz", -1, true}};
	struct report_options o;
	char err[512], *text;
	size_t i, j;

	(void)state;
	assert_int_equal(report_combine(in, 2, &c, err, sizeof(err)), 0);
	assert_int_equal(c->nsamples, 2 * p->nsamples);
	assert_int_equal(c->ncomments, 2); /* "built by", "#not shown" */
	assert_int_equal(c->duration_nanos, 2 * p->duration_nanos);
	for (i = 0; i < p->nsamples; i++) {
		const struct tprof_sample *b = &c->samples[p->nsamples + i];

		assert_int_equal(b->values[1], -p->samples[i].values[1]);
		for (j = 0; j < b->nlabels; j++)
			if (!strcmp(b->labels[j].key, "pprof::base"))
				break;
		assert_true(j < b->nlabels);
		assert_string_equal(b->labels[j].str, "true");
	}
	report_options_init(&o);
	text = run_report(report_top, c, &o);
	assert_non_null(strstr(text, "Showing nodes accounting for 0, 0% of "
				     "1.02s total\n"));
	free(text);
	tprof_free(c);

	in[1].p = heap;
	assert_int_equal(report_combine(in, 2, &c, err, sizeof(err)),
			 TRIAGE_EINVAL);
	assert_null(c);
	assert_non_null(strstr(err, "cannot merge a.pb.gz [samples/count, "
				    "cpu/nanoseconds] with b.pb.gz ["));
	tprof_free(heap);
	tprof_free(p);
}

/* Function names as go tool pprof shows them. */
static void test_simplify_names(void **state)
{
	static const char *const cases[][3] = {
	    /* name, system name, shown */
	    {"ns::Cache<int>::put(int const&)",
	     "ns::Cache<int>::put(int const&)", "ns::Cache::put"},
	    {"", "_ZN2ns5Cache3putERKi", "ns::Cache::put"},
	    {"_ZN2ns5Cache3putERKi", "_ZN2ns5Cache3putERKi", "ns::Cache::put"},
	    {"operator new(unsigned long)", "_Znwm",
	     "operator new(unsigned long)"},
	    {"main.(*T).run", "main.(*T).run", "main.(*T).run"},
	    {"pkg.F[...]", "pkg.F[...]", "pkg.F[...]"},
	    {"ns::f(a))b", "ns::f(a))b", "ns::f)b"},
	    {"plain_c", "", "plain_c"},
	    {"", "plain_c", "plain_c"},
	};
	struct tprof_builder *b = tprof_builder_new();
	struct tprof_line_in line = {0, 1};
	uint64_t m, loc;
	int64_t v = 1;
	struct tprof *p;
	size_t i;

	(void)state;
	tprof_add_sample_type(b, "samples", "count");
	m = tprof_add_mapping(b, 0x1000, 0x2000, 0, "/bin/x", "", 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		line.function_id =
		    tprof_add_function(b, cases[i][0], cases[i][1], "", 0);
		loc = tprof_add_location(b, m, 0x1000 + i, &line, 1);
		tprof_add_sample(b, &loc, 1, &v, NULL, 0);
	}
	assert_int_equal(tprof_builder_finish(b, &p), 0);
	assert_int_equal(report_simplify_names(p), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(p->functions[i].name, cases[i][2]);
	tprof_free(p);
}

/* Go's filepath.Clean, and pprof's trimming of source paths. */
static void test_paths(void **state)
{
	static const char *const clean[][2] = {
	    {"", "."},
	    {"/", "/"},
	    {"a/b/../c", "a/c"},
	    {"/../x", "/x"},
	    {"a/../..", ".."},
	    {"./a//b/", "a/b"},
	    {"../../a", "../../a"},
	    {"/a/./b/.", "/a/b"},
	    {"a/..", "."},
	};
	struct tprof_arena *a = tprof_arena_new();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(clean) / sizeof(clean[0]); i++)
		assert_string_equal(report_path_clean(clean[i][0], a),
				    clean[i][1]);
	tprof_arena_free(a);
	assert_string_equal(
	    report_trim_path("/build/proj/src/a.c", "/home/me/proj"),
	    "src/a.c");
	assert_string_equal(report_trim_path("/proc/self/cwd/src/a.c", ""),
			    "src/a.c");
	assert_string_equal(report_trim_path("/usr/src/a.c", "/x:/y/usr"),
			    "src/a.c");
	assert_string_equal(report_trim_path("/usr/src/a.c", ""),
			    "/usr/src/a.c");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_small_cpu),
	    cmocka_unit_test(test_small_cpu_filters),
	    cmocka_unit_test(test_heap_units_and_drop_frames),
	    cmocka_unit_test(test_merged_samples),
	    cmocka_unit_test(test_empty_profile),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_combine),
	    cmocka_unit_test(test_simplify_names),
	    cmocka_unit_test(test_paths),
	};

	/* The Time: line is in the local zone; Go's text was made in UTC. */
	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
