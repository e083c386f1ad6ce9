/*
 * report.h - pprof's text reports over the profile model. `report_top`
 * prints what `go tool pprof -top` prints (Go 1.19's pprof): the header
 * lines, then one row per function with flat, flat%, sum%, cum, cum%,
 * in pprof's units, order and trimming.
 */
#ifndef TRIAGE_REPORT_H
#define TRIAGE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "profile.h"

struct report_options {
	/* NULL = the default: default_sample_type or the last type; a
	 * type name (an "inuse_" prefix may be left off) or an index. */
	const char *sample_index;
	int nodecount;	     /* <= 0: no limit (as -top on the command line) */
	double nodefraction; /* default 0.005 */
	bool cum;	     /* sort by cum */
	/* POSIX extended regexes (regcomp), NULL = none; matched against
	 * function names, file names and mapping file names as pprof does. */
	const char *focus, *ignore, *hide, *show;
	const char *source_name; /* shown nowhere unless pprof would */
};

/* Fills `o` with pprof's defaults for -top. */
void report_options_init(struct report_options *o);

/*
 * Writes the header lines and rows of the -top report of `p` to `out`.
 * Returns 0, or a negative TRIAGE_E* code with a one-line reason in
 * `err` (a bad sample index or regex: TRIAGE_EINVAL).
 */
int report_top(FILE *out, const struct tprof *p, const struct report_options *o,
	       char *err, size_t errlen);

#endif /* TRIAGE_REPORT_H */
