/*
 * report_tree.c - pprof's -tree and -peek: for each function of the
 * trimmed graph, its callers (each with the value of its calls and their
 * share of the function's cum), the function's own row as in -top, and
 * its callees. -peek shows only the functions whose name matches a
 * regex, and is never trimmed (the command line sees to that).
 */
#include "report.h"

#include "report_internal.h"
#include "triage.h"

#include <regex.h>
#include <stdlib.h>

#define SEPARATOR                                                              \
	"----------------------------------------------------------+--"        \
	"-----------"
#define LEGEND                                                                 \
	"      flat  flat%   sum%        cum   cum%   calls calls% + "         \
	"context \t \t "

/* The edges in and out of each node, grouped by node. */
struct adjacency {
	const struct report_edge **in, **out;
	size_t *in_start, *out_start; /* node i: [start[i], start[i+1]) */
};

/* Groups the edges left after trimming by their ends, each group in
 * pprof's order. */
static int adjacency_build(struct adjacency *adj, const struct report_graph *g,
			   struct tprof_arena *a)
{
	size_t i, n = g->nnodes, *ifill, *ofill;

	adj->in = tprof_arena_calloc(a, g->nedges + 1, sizeof(*adj->in));
	adj->out = tprof_arena_calloc(a, g->nedges + 1, sizeof(*adj->out));
	adj->in_start = tprof_arena_calloc(a, n + 1, sizeof(size_t));
	adj->out_start = tprof_arena_calloc(a, n + 1, sizeof(size_t));
	ifill = tprof_arena_calloc(a, n + 1, sizeof(size_t));
	ofill = tprof_arena_calloc(a, n + 1, sizeof(size_t));
	if (!adj->in || !adj->out || !adj->in_start || !adj->out_start ||
	    !ifill || !ofill)
		return TRIAGE_ENOMEM;

	for (i = 0; i < g->nedges; i++) {
		if (g->edges[i].dropped)
			continue;
		adj->in_start[g->edges[i].dst + 1]++;
		adj->out_start[g->edges[i].src + 1]++;
	}
	for (i = 0; i < n; i++) {
		adj->in_start[i + 1] += adj->in_start[i];
		adj->out_start[i + 1] += adj->out_start[i];
	}
	for (i = 0; i < g->nedges; i++) {
		const struct report_edge *e = &g->edges[i];

		if (e->dropped)
			continue;
		adj->in[adj->in_start[e->dst] + ifill[e->dst]++] = e;
		adj->out[adj->out_start[e->src] + ofill[e->src]++] = e;
	}
	for (i = 0; i < n; i++) {
		report_sort_edges(g, adj->in + adj->in_start[i],
				  adj->in_start[i + 1] - adj->in_start[i]);
		report_sort_edges(g, adj->out + adj->out_start[i],
				  adj->out_start[i + 1] - adj->out_start[i]);
	}
	return 0;
}

/* One caller or callee line: the value, its share of cum, the name. */
static void print_edge(FILE *out, const struct report *r,
		       const struct report_edge *e, const char *name,
		       int64_t cum)
{
	char w[64], pct[32];

	report_format(r, w, sizeof(w), e->weight);
	report_percentage(pct, sizeof(pct), e->weight, cum);
	fprintf(out, "%*s %s |   %s%s\n", report_width(w, 50), w, pct, name,
		e->is_inline ? " (inline)" : "");
}

/* One node's block; adds its flat to *sum. */
static void print_node(FILE *out, const struct report *r,
		       const struct report_graph *g,
		       const struct adjacency *adj, size_t id, int64_t *sum)
{
	const struct report_node *n = &g->nodes[id];
	char flat[64], cum[64], fp[32], sp[32], cp[32];
	size_t j;

	fprintf(out, "%s\n", SEPARATOR);
	for (j = adj->in_start[id]; j < adj->in_start[id + 1]; j++)
		print_edge(out, r, adj->in[j],
			   g->nodes[adj->in[j]->src].printable, n->cum);

	*sum = report_add(*sum, n->flat);
	report_format(r, flat, sizeof(flat), n->flat);
	report_format(r, cum, sizeof(cum), n->cum);
	report_percentage(fp, sizeof(fp), n->flat, r->total);
	report_percentage(sp, sizeof(sp), *sum, r->total);
	report_percentage(cp, sizeof(cp), n->cum, r->total);
	fprintf(out, "%*s %s %s %*s %s                | %s\n",
		report_width(flat, 10), flat, fp, sp, report_width(cum, 10),
		cum, cp, n->printable);

	for (j = adj->out_start[id]; j < adj->out_start[id + 1]; j++)
		print_edge(out, r, adj->out[j],
			   g->nodes[adj->out[j]->dst].printable, n->cum);
}

/* The header and every (matching) node; TRIAGE_EINVAL when -peek's
 * regex matched none. */
static int print_tree(FILE *out, const struct report *r,
		      const struct report_graph *g, const regex_t *rx,
		      char *err, size_t errlen)
{
	struct adjacency adj;
	size_t i, matched = 0;
	int64_t sum = 0;

	if (adjacency_build(&adj, g, r->a)) {
		snprintf(err, errlen, "out of memory");
		return TRIAGE_ENOMEM;
	}
	report_print_graph_labels(out, r, g);
	fprintf(out, "%s\n%s\n", SEPARATOR, LEGEND);
	for (i = 0; i < g->nshown; i++) {
		const struct report_node *n = g->shown[i];

		if (rx && regexec(rx, n->printable, 0, NULL, 0))
			continue;
		matched++;
		print_node(out, r, g, &adj, (size_t)(n - g->nodes), &sum);
	}
	if (g->nshown)
		fprintf(out, "%s\n", SEPARATOR);
	if (rx && !matched) {
		snprintf(err, errlen, "no matches found for regexp: %s",
			 r->o->symbol);
		return TRIAGE_EINVAL;
	}
	return 0;
}

/* Compiles the -peek/-list regex; *rx stays NULL when there is none. */
int report_symbol_regex(const struct report_options *o, regex_t *buf,
			regex_t **rx, char *err, size_t errlen)
{
	char why[128];
	int rc;

	*rx = NULL;
	if (!o->symbol)
		return 0;
	rc = regcomp(buf, o->symbol, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		regerror(rc, buf, why, sizeof(why));
		snprintf(err, errlen, "parsing argument regexp %s: %s",
			 o->symbol, why);
		return TRIAGE_EINVAL;
	}
	*rx = buf;
	return 0;
}

int report_tree(FILE *out, const struct tprof *p,
		const struct report_options *o, char *err, size_t errlen)
{
	struct report r;
	struct report_graph g = {0};
	regex_t buf, *rx;
	int rc;

	rc = report_symbol_regex(o, &buf, &rx, err, errlen);
	if (rc)
		return rc;
	rc = report_open(&r, p, o, err, errlen);
	if (!rc) {
		rc = report_graph_build(&g, &r.view, o, r.a, GRAPH_ALL_EDGES);
		if (rc)
			snprintf(err, errlen, "out of memory");
	}
	if (!rc) {
		report_select_unit(&r, &g);
		rc = print_tree(out, &r, &g, rx, err, errlen);
	}
	if (!rc)
		rc = report_check_output(out, err, errlen);
	report_graph_free(&g);
	if (r.a)
		report_close(&r);
	if (rx)
		regfree(rx);
	return rc;
}
