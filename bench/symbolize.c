/*
 * bench/symbolize.c - how long symbolizing a profile's addresses takes:
 * N distinct addresses spread over the code of this binary (DWARF from
 * the build), of libc (DWARF from libc6-dbg when installed) and of
 * libstdc++ (symbol tables only, on Debian), each resolved by a fresh
 * symbolizer (cold: debug info loaded on the way), then again (cached).
 * The anchor is eu-addr2line -f -i on the same addresses of this
 * process, timed in the same run.
 *
 * Usage: bench_symbolize [-n] [N]   (N defaults to 10000; -n: no anchor)
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdbool.h>
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

/*
 * N distinct addresses spread evenly over the executable mapping at `in`;
 * `*path` and `*base` tell the file and its load address.
 */
static uint64_t *spread(const void *in, size_t n, char **path, uint64_t *base)
{
	struct tmaps m;
	const struct tmaps_entry *e;
	uint64_t *pcs, span, i;
	Dl_info info;

	if (tmaps_read(0, true, &m) < 0 || !dladdr(in, &info))
		return NULL;
	e = tmaps_find(&m, (uint64_t)(uintptr_t)in);
	pcs = e ? malloc(n * sizeof(*pcs)) : NULL;
	if (pcs) {
		span = e->limit - e->start;
		for (i = 0; i < n; i++)
			pcs[i] = e->start + i * span / n;
		*path = strdup(e->path);
		*base = (uint64_t)(uintptr_t)info.dli_fbase;
	}
	tmaps_free(&m);
	return pcs;
}

/*
 * Wall time of eu-addr2line -f -i on the same addresses of the same file
 * (given relative to its load address), or -1; `*known` counts the
 * addresses it found a function for.
 */
static double anchor(const char *path, uint64_t base, const uint64_t *pcs,
		     size_t n, size_t *known)
{
	char cmd[PATH_MAX + 64], out[] = "/tmp/bench-symbolize-XXXXXX";
	char line[4096];
	double t0, t;
	FILE *p;
	size_t i;
	int fd = mkstemp(out);

	if (fd < 0)
		return -1;
	close(fd);
	snprintf(cmd, sizeof(cmd), "eu-addr2line -a -f -i -e '%s' > %s", path,
		 out);
	t0 = now();
	p = popen(cmd, "w");
	if (!p)
		return -1;
	for (i = 0; i < n; i++)
		fprintf(p, "0x%llx\n", (unsigned long long)(pcs[i] - base));
	pclose(p); /* exit status 1 when some address has no name */
	t = now() - t0;

	/* -a prints each address before its frames. */
	*known = 0;
	p = fopen(out, "r");
	while (p && fgets(line, sizeof(line), p))
		if (strncmp(line, "0x", 2) == 0 && fgets(line, sizeof(line), p))
			*known += strncmp(line, "??", 2) != 0;
	if (p)
		fclose(p);
	unlink(out);
	return t;
}

static void run(const char *what, const void *in, size_t n, bool with_anchor)
{
	char *path = NULL;
	uint64_t base = 0, *pcs = spread(in, n, &path, &base);
	struct tsym_frame f[TSYM_MAX_FRAMES];
	struct tsym *s;
	size_t i, known = 0, frames = 0, eu_known = 0;
	double t0, first = 0, cold, warm, eu = -1;

	if (!pcs || !(s = tsym_new(0))) {
		fprintf(stderr, "%s: cannot set up\n", what);
		exit(1);
	}
	t0 = now();
	for (i = 0; i < n; i++) {
		int k = tsym_lookup(s, pcs[i], f, TSYM_MAX_FRAMES);

		known += k > 0;
		frames += (size_t)k;
		if (i == 0)
			first = now() - t0;
	}
	cold = now() - t0;
	t0 = now();
	for (i = 0; i < n; i++)
		tsym_lookup(s, pcs[i], f, TSYM_MAX_FRAMES);
	warm = now() - t0;
	tsym_free(s);
	if (with_anchor)
		eu = anchor(path, base, pcs, n, &eu_known);

	printf("%s (%s): %zu addresses\n", what, path, n);
	printf("  tsym: %zu resolved, %zu frames; cold %.1f ms (the first "
	       "address, loading debug info, %.1f ms; %.1f us an address), "
	       "cached %.2f ms\n",
	       known, frames, cold * 1e3, first * 1e3, cold * 1e6 / (double)n,
	       warm * 1e3);
	if (eu > 0)
		printf("  eu-addr2line: %zu resolved; %.1f ms; tsym cold / "
		       "eu-addr2line = %.2f\n",
		       eu_known, eu * 1e3, cold / eu);
	free(pcs);
	free(path);
}

int main(int argc, char **argv)
{
	bool with_anchor = !(argc > 1 && strcmp(argv[1], "-n") == 0);
	int arg = with_anchor ? 1 : 2;
	size_t n = argc > arg ? strtoul(argv[arg], NULL, 10) : 10000;
	void *cxx = dlopen("libstdc++.so.6", RTLD_NOW);
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);

	run("this binary", (const void *)main, n, with_anchor);
	if (libc)
		run("libc", dlsym(libc, "qsort"), n, with_anchor);
	if (cxx)
		run("libstdc++", dlsym(cxx, "__cxa_demangle"), n, with_anchor);
	return 0;
}
