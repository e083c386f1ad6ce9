/*
 * report.h - pprof's reports over the profile model, as Go 1.19's
 * `go tool pprof` prints them: -top (report_top), -tree and -peek
 * (report_tree), -traces (report_traces), -list (report_list) and the
 * call graph in DOT (report_dot); and report_combine(), which reads
 * several profiles (and bases to subtract) as one, as pprof merges its
 * sources.
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
	double edgefraction; /* default 0.001 */
	bool cum;	     /* sort by cum */
	/* POSIX extended regexes (regcomp), NULL = none; matched against
	 * function names, file names and mapping file names as pprof does. */
	const char *focus, *ignore, *hide, *show;
	const char *unit;	 /* the unit values print in; NULL: pprof's
				  * choice ("minimum") */
	const char *symbol;	 /* -peek and -list: the functions to show */
	const char *source_path; /* -list: where sources are looked for,
				  * ':'-separated; NULL: the current folder */
	const char *source_name; /* shown nowhere unless pprof would */
	bool compact_labels;	 /* graph reports leave out the profile's
				  * header lines (as in pprof's shell) */
};

/* Fills `o` with pprof's defaults for -top. */
void report_options_init(struct report_options *o);

/*
 * Each writes one report of `p` to `out`. Returns 0, or a negative
 * TRIAGE_E* code with a one-line reason in `err` (a bad sample index or
 * regex, or a -peek/-list regex that matches nothing: TRIAGE_EINVAL).
 */
typedef int (*report_fn)(FILE *out, const struct tprof *p,
			 const struct report_options *o, char *err,
			 size_t errlen);

/* The header lines and one row per function with flat, flat%, sum%,
 * cum, cum%. */
int report_top(FILE *out, const struct tprof *p, const struct report_options *o,
	       char *err, size_t errlen);

/* Each function with its callers and callees; only those matching
 * o->symbol when set (-peek). */
int report_tree(FILE *out, const struct tprof *p,
		const struct report_options *o, char *err, size_t errlen);

/* Every sample's value and stack. */
int report_traces(FILE *out, const struct tprof *p,
		  const struct report_options *o, char *err, size_t errlen);

/* The source of the functions matching o->symbol, with flat and cum
 * per line; says so when a file cannot be read. */
int report_list(FILE *out, const struct tprof *p,
		const struct report_options *o, char *err, size_t errlen);

/* The call graph in Graphviz's DOT language. */
int report_dot(FILE *out, const struct tprof *p, const struct report_options *o,
	       char *err, size_t errlen);

/*
 * The value index -sample_index `si` selects in `p` (NULL: the default).
 * 0, or TRIAGE_EINVAL with pprof's complaint in `err`.
 */
int report_sample_index(const struct tprof *p, const char *si, size_t *out,
			char *err, size_t errlen);

/* The profile's header lines (File, Type, Time, Duration...) alone,
 * as the shell greets with them. */
int report_header(FILE *out, const struct tprof *p,
		  const struct report_options *o, char *err, size_t errlen);

/*
 * Gives functions the short names go tool pprof shows (report_names.c):
 * mangled names demangled, demangled C++ without parameters and
 * template arguments; names a producer set itself are kept. 0 or
 * TRIAGE_ENOMEM.
 */
int report_simplify_names(struct tprof *p);

/* One profile given to report_combine(). */
struct report_input {
	const struct tprof *p;
	const char *name; /* for messages */
	double scale;	  /* 1; -1 for a base */
	bool diff_base;	  /* label its samples pprof::base=true */
};

/*
 * Combines `n` profiles into one as pprof merges its sources: equal
 * sample and period types are required (TRIAGE_EINVAL otherwise, with
 * a reason naming both). The result shares strings with the inputs,
 * which must outlive it; free it with tprof_free().
 */
int report_combine(const struct report_input *in, size_t n, struct tprof **out,
		   char *err, size_t errlen);

#endif /* TRIAGE_REPORT_H */
