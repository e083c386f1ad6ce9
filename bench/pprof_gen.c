/*
 * pprof_gen - writes a large CPU profile for the analyser benchmark:
 * about a million samples over tens of thousands of distinct stacks, as
 * a long profile of a big C++ service would have (deep stacks sharing
 * their roots, a skewed distribution of hot paths, thread labels).
 *
 * usage: pprof_gen FILE [SAMPLES [STACKS [SEED]]]
 *        (defaults: 1000000 samples, 40000 stacks, seed 1)
 *
 * The stacks are random walks down a call tree of 3000 functions: each
 * function calls a handful of others, so stacks share prefixes as real
 * ones do. Samples pick stacks with a Zipf-like skew. Deterministic for
 * a seed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

#define NFUNCS 3000
#define CALLEES 6
#define MAX_DEPTH 48
#define NTHREADS 16

static unsigned long long rng = 1;

static unsigned rnd(unsigned n)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)((rng >> 33) % n);
}

struct stack {
	uint64_t locs[MAX_DEPTH];
	size_t depth;
};

/* The functions, their call sites (locations), and who calls whom. */
static uint64_t func_loc[NFUNCS][CALLEES + 1];
static unsigned callee[NFUNCS][CALLEES];

static void make_functions(struct tprof_builder *b, uint64_t map)
{
	static const char *const modules[] = {"net",  "http", "db", "cache",
					      "json", "auth", "io", "sched"};
	char name[160], file[96];
	size_t f, k;

	for (f = 0; f < NFUNCS; f++) {
		const char *m = modules[f % 8];
		uint64_t id;

		snprintf(name, sizeof(name),
			 "svc::%s::Handler%zu::step%zu(Request const&, int)", m,
			 f / 8, f % 13);
		snprintf(file, sizeof(file), "/src/svc/%s/handler%zu.cc", m,
			 f / 8);
		id = tprof_add_function(b, name, name, file, (int64_t)(f * 7));
		/* One location per call site in the function, plus its own
		 * leaf address. */
		for (k = 0; k <= CALLEES; k++) {
			struct tprof_line_in line = {id, (int64_t)(f * 7 + k)};

			func_loc[f][k] = tprof_add_location(
			    b, map, 0x400000 + f * 0x100 + k * 8, &line, 1);
		}
		for (k = 0; k < CALLEES; k++)
			callee[f][k] =
			    (unsigned)((f * 31 + k * 97 + rnd(NFUNCS / 4) + 1) %
				       NFUNCS);
	}
}

/* A random walk from one of a few roots: leaf first in the result. */
static void make_stack(struct stack *s)
{
	uint64_t path[MAX_DEPTH];
	unsigned f = rnd(4), depth = 8 + rnd(MAX_DEPTH - 8), k, i;

	for (i = 0; i < depth; i++) {
		k = rnd(CALLEES);
		path[i] =
		    i + 1 == depth ? func_loc[f][CALLEES] : func_loc[f][k];
		f = callee[f][k];
	}
	for (i = 0; i < depth; i++)
		s->locs[i] = path[depth - 1 - i];
	s->depth = depth;
}

int main(int argc, char **argv)
{
	size_t nsamples = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000;
	size_t nstacks = argc > 3 ? strtoul(argv[3], NULL, 10) : 40000;
	struct tprof_builder *b;
	struct stack *stacks;
	struct tprof *p;
	char thread[32];
	size_t i;
	uint64_t map;

	if (argc < 2 || !nsamples || !nstacks) {
		fprintf(stderr, "usage: pprof_gen FILE [SAMPLES [STACKS "
				"[SEED]]]\n");
		return 2;
	}
	rng = argc > 4 ? strtoull(argv[4], NULL, 10) : 1;
	stacks = calloc(nstacks, sizeof(*stacks));
	b = tprof_builder_new();
	if (!stacks || !b)
		return 1;
	tprof_add_sample_type(b, "samples", "count");
	tprof_add_sample_type(b, "cpu", "nanoseconds");
	tprof_set_period(b, "cpu", "nanoseconds", 10000000);
	tprof_set_time(b, 1700000000000000000LL, 600000000000LL);
	map = tprof_add_mapping(
	    b, 0x400000, 0x800000, 0, "/usr/bin/svc", "0123456789abcdef",
	    TPROF_HAS_FUNCTIONS | TPROF_HAS_FILENAMES | TPROF_HAS_LINE_NUMBERS);
	make_functions(b, map);
	for (i = 0; i < nstacks; i++)
		make_stack(&stacks[i]);

	for (i = 0; i < nsamples; i++) {
		/* Skewed: the square of a uniform pick favours low indexes. */
		size_t r = rnd(1u << 16), k = (r * r >> 16) * nstacks >> 16;
		int64_t v[2] = {1, 10000000};
		struct tprof_label_in l = {"thread", thread, 0, NULL};

		snprintf(thread, sizeof(thread), "worker-%u", rnd(NTHREADS));
		if (tprof_add_sample(b, stacks[k].locs, stacks[k].depth, v, &l,
				     1))
			return 1;
	}
	if (tprof_builder_finish(b, &p) || tprof_write_file(p, argv[1])) {
		fprintf(stderr, "pprof_gen: cannot write %s\n", argv[1]);
		return 1;
	}
	printf("%zu samples, %zu stacks, %zu locations, %zu functions\n",
	       p->nsamples, nstacks, p->nlocations, p->nfunctions);
	tprof_free(p);
	free(stacks);
	return 0;
}
