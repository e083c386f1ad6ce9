/*
 * report_internal.h - the pieces behind report_top(), shared by its
 * files: unit formatting (report_units.c), the filtered view of a
 * profile (report_view.c) and the graph of functions (report_graph.c).
 */
#ifndef TRIAGE_REPORT_INTERNAL_H
#define TRIAGE_REPORT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "hashindex.h"
#include "profile.h"
#include "report.h"

/* pprof's -edgefraction default; edges below it lose their inline mark. */
#define REPORT_EDGE_FRACTION 0.001

/* |v| as Go's pprof computes it (INT64_MIN stays negative). */
static inline int64_t report_abs64(int64_t v)
{
	return v < 0 ? (int64_t)(0 - (uint64_t)v) : v;
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
	size_t stamp;		 /* the last sample that added to cum */
	bool kept;		 /* in the set a rebuild keeps */
	bool may_inline;	 /* an inner line of some location */
	bool inline_in, call_in; /* reached by inlined / real calls */
};

struct report_edge {
	uint32_t src, dst;
	int64_t weight;
	bool is_inline; /* every call along it was inlined */
	size_t stamp;
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
};

/*
 * Builds the function graph of a view and trims it as pprof's -top does
 * (node fraction, node count), sorted by flat or, with `cum`, by cum.
 * 0 or TRIAGE_ENOMEM. Free with report_graph_free().
 */
int report_graph_build(struct report_graph *g, const struct report_view *v,
		       const struct report_options *o, struct tprof_arena *a);
void report_graph_free(struct report_graph *g);

#endif /* TRIAGE_REPORT_INTERNAL_H */
