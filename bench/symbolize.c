/*
 * bench/symbolize.c - how long symbolizing a profile's addresses takes:
 * N distinct addresses spread over the code of this binary (DWARF from
 * the build), of libc (DWARF from libc6-dbg when installed) and of
 * libstdc++ (symbol tables only, on Debian), each resolved by a fresh
 * symbolizer (cold: debug info loaded on the way), then again (cached).
 * The anchor is eu-addr2line -f -i on the same addresses of this
 * process, timed in the same run.
 *
 * Usage: bench_symbolize [N]   (default 10000)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proc_maps.h"
#include "symbolize.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* N distinct addresses spread evenly over the executable mapping at `in`. */
static uint64_t *spread(const void *in, size_t n, const char **path)
{
	struct tmaps m;
	const struct tmaps_entry *e;
	uint64_t *pcs, span, i;

	if (tmaps_read(0, true, &m) < 0)
		return NULL;
	e = tmaps_find(&m, (uint64_t)(uintptr_t)in);
	pcs = e ? malloc(n * sizeof(*pcs)) : NULL;
	if (pcs) {
		span = e->limit - e->start;
		for (i = 0; i < n; i++)
			pcs[i] = e->start + i * span / n;
		*path = strdup(e->path);
	}
	tmaps_free(&m);
	return pcs;
}

/* Wall time of eu-addr2line on the same addresses, or -1. */
static double anchor(const uint64_t *pcs, size_t n)
{
	char cmd[128];
	double t0 = now();
	FILE *p;
	size_t i;

	snprintf(cmd, sizeof(cmd),
		 "eu-addr2line --pid=%d -f -i > /dev/null", (int)getpid());
	p = popen(cmd, "w");
	if (!p)
		return -1;
	for (i = 0; i < n; i++)
		fprintf(p, "0x%llx\n", (unsigned long long)pcs[i]);
	if (pclose(p) != 0)
		return -1;
	return now() - t0;
}

static void run(const char *what, const void *in, size_t n)
{
	const char *path = "";
	uint64_t *pcs = spread(in, n, &path);
	struct tsym_frame f[TSYM_MAX_FRAMES];
	struct tsym *s;
	size_t i, known = 0, frames = 0;
	double t0, cold, warm, eu;

	if (!pcs || !(s = tsym_new(0))) {
		fprintf(stderr, "%s: cannot set up\n", what);
		exit(1);
	}
	t0 = now();
	for (i = 0; i < n; i++) {
		int k = tsym_lookup(s, pcs[i], f, TSYM_MAX_FRAMES);

		known += k > 0;
		frames += (size_t)k;
	}
	cold = now() - t0;
	t0 = now();
	for (i = 0; i < n; i++)
		tsym_lookup(s, pcs[i], f, TSYM_MAX_FRAMES);
	warm = now() - t0;
	eu = anchor(pcs, n);

	printf("%s (%s): %zu addresses, %zu resolved, %zu frames\n", what,
	       path, n, known, frames);
	printf("  tsym cold %.1f ms (%.1f us/address), cached %.2f ms\n",
	       cold * 1e3, cold * 1e6 / (double)n, warm * 1e3);
	if (eu > 0)
		printf("  eu-addr2line %.1f ms; tsym cold / eu-addr2line = "
		       "%.2f\n",
		       eu * 1e3, cold / eu);
	tsym_free(s);
	free(pcs);
	free((char *)path);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
	void *cxx = dlopen("libstdc++.so.6", RTLD_NOW);

	run("this binary", (const void *)main, n);
	run("libc", dlsym(RTLD_DEFAULT, "qsort"), n);
	if (cxx)
		run("libstdc++", dlsym(cxx, "__cxa_demangle"), n);
	return 0;
}
