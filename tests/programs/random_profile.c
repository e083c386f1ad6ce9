/*
 * random_profile.c - a test program: `random-profile SEED FILE` writes a
 * pseudo-random profile that exercises what the -top report has to get
 * right, for tests/e2e/report_vs_go.sh to compare triage's report with
 * `go tool pprof -top` on many shapes: inlined frames (inline and
 * partial-inline callees), nameless functions and frames without
 * symbols in named and unnamed mappings, recursion, equal values (the
 * tie-breaks), negative values, deep and empty stacks, optional
 * drop_frames, labels, and value ranges that pick every unit.
 */
#include "profile.h"

#include <stdio.h>
#include <stdlib.h>

static uint64_t rng_state;

/* xorshift64*: small, seedable, the same on every machine. */
static uint64_t rnd(uint64_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (rng_state * 2685821657736338717ull) % n;
}

static const char *const names[] = {
    "main",
    "run",
    "handle",
    "parse",
    "hash",
    "memcpy",
    "malloc",
    "Cache::load(int)",
    "std::vector<int>::push_back(int const&)",
    "operator new(unsigned long)",
    "(anonymous namespace)::helper()",
    "net/http.(*conn).serve",
    "runtime.mallocgc",
    "",
    "",
};
static const char *const files[] = {"/usr/bin/svc", "/lib/libc.so.6", "[vdso]",
				    "", "/opt/x/libfoo.so"};

/* Adds the mappings and functions; returns how many functions. */
static size_t add_symbols(struct tprof_builder *b, uint64_t *fids)
{
	size_t i, n = sizeof(names) / sizeof(names[0]);

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		tprof_add_mapping(b, 0x400000 + i * 0x1000000,
				  0x400000 + (i + 1) * 0x1000000, 0, files[i],
				  i ? "" : "0123abcd", TPROF_HAS_FUNCTIONS);
	for (i = 0; i < n; i++)
		fids[i] = tprof_add_function(b, names[i], "",
					     i % 3 ? "a.c" : "b.c", (int64_t)i);
	return n;
}

/* Adds `n` locations, some with inlined lines, some with none. */
static void add_locations(struct tprof_builder *b, const uint64_t *fids,
			  size_t nfuncs, uint64_t *lids, size_t n)
{
	struct tprof_line_in lines[3];
	size_t i, j, nl;

	for (i = 0; i < n; i++) {
		uint64_t map = rnd(6); /* 0: no mapping */

		nl = rnd(10) < 1 ? 0 : rnd(10) < 7 ? 1 : 1 + rnd(3);
		for (j = 0; j < nl; j++) {
			lines[j].function_id = fids[rnd(nfuncs)];
			lines[j].line = (int64_t)rnd(100);
		}
		lids[i] =
		    tprof_add_location(b, map, 0x1000 + i * 16, lines, nl);
	}
}

/* A value whose size picks a unit: tiny, medium or huge. */
static int64_t rnd_value(void)
{
	static const int64_t scale[] = {1, 1000, 1000000, 1000000000};
	int64_t v = (int64_t)(1 + rnd(50)) * scale[rnd(4)];

	return rnd(20) ? v : -v;
}

int main(int argc, char **argv)
{
	struct tprof_builder *b;
	struct tprof_label_in label = {"worker", "w1", 0, NULL};
	uint64_t fids[32], lids[200], stack[40];
	size_t i, j, nfuncs, nlocs, nsamples, depth;
	struct tprof *p;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: random-profile SEED FILE\n");
		return 2;
	}
	rng_state = strtoull(argv[1], NULL, 10) * 0x9e3779b97f4a7c15ull + 1;
	b = tprof_builder_new();
	tprof_add_sample_type(b, "samples", "count");
	tprof_add_sample_type(b, rnd(2) ? "cpu" : "space",
			      rnd(2) ? "nanoseconds" : "bytes");
	tprof_set_period(b, "cpu", "nanoseconds", 10000000);
	if (rnd(2))
		tprof_set_time(b, 1700000000000000000LL + (int64_t)rnd(1),
			       (int64_t)(1 + rnd(30)) * 1000000000);
	if (rnd(3) == 0)
		tprof_set_drop_frames(b, "malloc|operator new.*");

	nfuncs = add_symbols(b, fids);
	nlocs = 20 + rnd(180);
	add_locations(b, fids, nfuncs, lids, nlocs);
	nsamples = 50 + rnd(400);
	for (i = 0; i < nsamples; i++) {
		int64_t v[2];

		depth = rnd(30) ? 1 + rnd(sizeof(stack) / sizeof(stack[0])) : 0;
		for (j = 0; j < depth; j++)
			stack[j] = lids[rnd(nlocs)];
		v[1] = rnd_value();
		v[0] = v[1] < 0 ? -1 : 1;
		tprof_add_sample(b, stack, depth, v, &label, rnd(2));
	}
	rc = tprof_builder_finish(b, &p);
	if (!rc)
		rc = tprof_write_file(p, argv[2]);
	tprof_free(p);
	if (rc) {
		fprintf(stderr, "random-profile: failed (%d)\n", rc);
		return 1;
	}
	return 0;
}
