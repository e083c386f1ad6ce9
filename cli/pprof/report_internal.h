/*
 * report_internal.h - the pieces behind the reports, shared by their
 * files: unit formatting (report_units.c), the filtered view of a
 * profile (report_view.c), the graph of functions (report_graph.c), the
 * context every report starts from and its header lines (report.c,
 * report_labels.c).
 */
#ifndef TRIAGE_REPORT_INTERNAL_H
#define TRIAGE_REPORT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <regex.h>

#include "arena.h"
#include "hashindex.h"
#include "profile.h"
#include "report.h"

/* pprof's -edgefraction default: lighter edges are dropped. */
#define REPORT_EDGE_FRACTION 0.001

/* a + b wrapping around as Go's int64 does (no undefined overflow). */
static inline int64_t report_add(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

/* a * b wrapping around as Go's int64 does. */
static inline int64_t report_mul(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a * (uint64_t)b);
}

/* int64(x) as Go computes it on amd64: NaN and values past the range
 * give INT64_MIN (C leaves them undefined). */
static inline int64_t report_dtoi(double x)
{
	if (!(x > -9223372036854775808.0 && x < 9223372036854775808.0))
		return INT64_MIN;
	return (int64_t)x;
}

/* |v| as Go's pprof computes it (INT64_MIN stays negative). */
static inline int64_t report_abs64(int64_t v)
{
	return v < 0 ? (int64_t)(0 - (uint64_t)v) : v;
}

/*
 * The printf width that pads `s` to `cols` characters as Go does: Go
 * counts UTF-8 characters, printf bytes (a unit such as "μs" taken
 * from the profile as it is has both).
 */
static inline int report_width(const char *s, int cols)
{
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) == 0x80)
			cols++;
	return cols;
}

/*
 * Scales `value` from unit `from` to unit `to` ("minimum" and "auto" pick
 * a readable unit). `*unit` gets the unit to print, "" for counts.
 */
double report_scale(int64_t value, const char *from, const char *to,
		    const char **unit);

/* `value` scaled and printed with two decimals, ".00" and "-0" dropped. */
void report_scaled_label(char *buf, size_t len, int64_t value, const char *from,
			 const char *to);

/* Go's filepath.Base of `path`, in `buf` (or a constant). */
const char *report_path_base(const char *path, char *buf, size_t len);

/*
 * A frame's name as function-level reports print it: its function's
 * name, else "[base name of the mapping's file]", else "<unknown>"
 * (`line` NULL for a location without lines). May use `buf`.
 */
const char *report_frame_name(const struct tprof_location *l,
			      const struct tprof_line *line, char *buf,
			      size_t len);

/* |value| / total as pprof prints it: "%5.2f%%", "%5.2g%%" or "  100%". */
void report_percentage(char *buf, size_t len, int64_t value, int64_t total);

/* A location as the report sees it, after drop_frames, hide and show. */
struct report_loc {
	const struct tprof_line **lines; /* innermost first */
	size_t nlines;
};

/* A sample that passed the filters: its (possibly shortened) stack and
 * its selected value. */
struct report_sample {
	const struct tprof_location *const *locs; /* leaf first */
	size_t nlocs;
	int64_t value;
	const struct tprof_sample *sample; /* the first of the merged ones */
};

/* A sample after pprof's merge of equal samples: the first of them,
 * and the sum of their selected values. */
struct report_merged {
	const struct tprof_sample *sample;
	int64_t value;
};

struct report_view {
	const struct tprof *p;
	size_t value_index;
	struct report_merged *merged; /* every merged sample, nonzero */
	size_t nmerged;
	int64_t total;		 /* sum of |value| (of diff-base ones if any) */
	struct report_loc *locs; /* one per p->locations[] */
	struct report_sample *samples; /* those the filters kept */
	size_t nsamples;
};

/*
 * Merges equal samples as pprof does when it reads a profile, dropping
 * those that sum to zero, and totals the selected value over them; sets
 * merged, nmerged and total of `v` (p and value_index set). 0 or
 * TRIAGE_ENOMEM.
 */
int report_view_merge(struct report_view *v, struct tprof_arena *a);

/*
 * Builds the view of `p` for value `value_index`: merging (above),
 * drop_frames pruning, then focus/ignore/hide/show as pprof applies them.
 * Memory comes from `a`. Returns 0 or TRIAGE_EINVAL (bad regex) / TRIAGE_ENOMEM
 * with a reason in `err`.
 */
int report_view_build(struct report_view *v, const struct tprof *p,
		      size_t value_index, const struct report_options *o,
		      struct tprof_arena *a, char *err, size_t errlen);

/* One entry of the report: a function (or an unnamed place). */
struct report_node {
	const char *name;    /* the function's name; "" when it has none */
	const char *objfile; /* when nameless: the mapping's file, or "" */
	int64_t start_line;  /* when nameless: the function's start line */
	char *printable;     /* what the row shows */
	char *info;	     /* pprof's last tie-break key */
	int64_t flat, cum;
	int64_t score;		 /* -dot: pprof's entropy score */
	size_t stamp;		 /* the last sample that added to cum */
	bool kept;		 /* in the set a rebuild keeps */
	bool may_inline;	 /* an inner line of some location */
	bool inline_in, call_in; /* reached by inlined / real calls */
};

struct report_edge {
	uint32_t src, dst;
	int64_t weight;
	bool is_inline; /* every call along it was inlined */
	bool residual;	/* some sample reached dst over removed nodes */
	bool dropped;	/* under the edge cutoff: not in the report */
	size_t stamp;
};

/* What a graph is built for (report_graph_build's `mode`). */
enum {
	GRAPH_ALL_EDGES = 1, /* every edge, not only those -top needs */
	GRAPH_VISUAL = 2,    /* -dot: pprof's entropy order for trimming */
};

struct report_graph {
	struct report_node *nodes;
	size_t nnodes;
	uint32_t *loc_nodes; /* node of each view line, by location */
	size_t *loc_start;   /* location i's nodes: [loc_start[i], [i+1]) */
	struct report_edge *edges;
	size_t nedges, edges_cap;
	struct tprof_index edge_ix;
	struct report_node **shown; /* the nodes in the report, sorted */
	size_t nshown;
	size_t orig_count;    /* nodes before -nodecount */
	size_t dropped_nodes; /* nodes under the -nodefraction cutoff */
	size_t dropped_edges; /* edges under the -edgefraction cutoff */
	unsigned mode;
};

/*
 * Builds the function graph of a view and trims it as pprof does (node
 * fraction, node count, edge fraction), sorted by flat or, with `cum`,
 * by cum. `mode`: GRAPH_* flags. 0 or TRIAGE_ENOMEM. Free with
 * report_graph_free().
 */
int report_graph_build(struct report_graph *g, const struct report_view *v,
		       const struct report_options *o, struct tprof_arena *a,
		       unsigned mode);
void report_graph_free(struct report_graph *g);

/* pprof's order of the edges of one node: heaviest first, then by the
 * names of their ends. */
void report_sort_edges(const struct report_graph *g,
		       const struct report_edge **edges, size_t n);

/* What every report starts from: the value it is about, its unit and
 * total, and the filtered view of the profile. */
struct report {
	const struct tprof *p;
	const struct report_options *o;
	size_t vi;	  /* which value of each sample */
	const char *type; /* its sample type and unit */
	const char *unit;
	const char *out_unit; /* "minimum" until chosen from the graph */
	int64_t total;
	struct tprof_arena *a; /* the view's and graph's memory */
	struct report_view view;
};

/*
 * Picks the value, builds the view (whose total is taken before any
 * filter, so percentages stay relative to the whole profile). 0 or a
 * TRIAGE_E* code with a reason in `err`. Close with report_close().
 */
int report_open(struct report *r, const struct tprof *p,
		const struct report_options *o, char *err, size_t errlen);
void report_close(struct report *r);

/* A value in the report's output unit, as pprof prints it. */
void report_format(const struct report *r, char *buf, size_t len, int64_t v);

/* Chooses the output unit from the values a graph shows (pprof's rule),
 * unless -unit named one. */
void report_select_unit(struct report *r, const struct report_graph *g);

/* File, Build ID, comments, Type, Time, Duration: one line each. */
void report_print_profile_labels(FILE *out, const struct report *r);

/* The header lines of a graph report (profile labels, active filters,
 * what is shown and what was cut); `dot` adds the dropped edges and
 * writes each line through `line` with its context. */
typedef void (*report_line_fn)(void *ctx, const char *line);
void report_graph_labels(const struct report *r, const struct report_graph *g,
			 bool dot, report_line_fn line, void *ctx);

/* report_graph_labels() printed one per line to `out`. */
void report_print_graph_labels(FILE *out, const struct report *r,
			       const struct report_graph *g);

/*
 * Compiles o->symbol (-peek, -list) into `buf` and points *rx at it, or
 * sets *rx to NULL when there is none. 0 or TRIAGE_EINVAL with pprof's
 * complaint in `err`. regfree() *rx when set.
 */
int report_symbol_regex(const struct report_options *o, regex_t *buf,
			regex_t **rx, char *err, size_t errlen);

/* Go's filepath.Clean of `path`, in `a`; NULL when out of memory. */
char *report_path_clean(const char *path, struct tprof_arena *a);

/*
 * pprof's trimPath with no -trim_path: the part of `path` after
 * "/<base of a search folder>/" (`search`: ':'-separated folders, "" for
 * none), else after /proc/self/cwd/, else `path` itself.
 */
const char *report_trim_path(const char *path, const char *search);

/*
 * Opens the source file `path` named in a profile, searching the
 * ':'-separated folders `search` as pprof does. NULL with Go's reason
 * in `why` when it cannot.
 */
FILE *report_source_open(const char *path, const char *search, char *why,
			 size_t whylen);

/* Ends a report: TRIAGE_ESYS with a reason when writing `out` failed. */
int report_check_output(FILE *out, char *err, size_t errlen);

#endif /* TRIAGE_REPORT_INTERNAL_H */
