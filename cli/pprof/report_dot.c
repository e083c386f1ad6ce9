/*
 * report_dot.c - the call graph in Graphviz's DOT language, drawn the
 * way pprof draws it: a legend box with the header lines; one box per
 * function labelled with its flat and cum, its font growing with flat
 * and its colour with cum (red for growth, green for shrinkage in a
 * diff); edges as thick and as red as their share of the total, dotted
 * when they pass over functions that were trimmed away.
 *
 * The graph is trimmed as pprof trims it for pictures (80 nodes unless
 * told otherwise, chosen by its entropy score). pprof's "nodelets"
 * (boxes for label values) are not drawn.
 */
#include "report.h"

#include "report_internal.h"
#include "triage.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Writes `s` escaped for a DOT string: \ and " escaped, newlines as
 * left-justified line breaks. */
static void put_escaped(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', out);
		if (*s == '\n')
			fputs("\\l", out);
		else
			fputc(*s, out);
	}
}

/*
 * A node's colour for a share `score` of the total in [-1, 1]: grey near
 * zero, towards red as it grows, towards green as it shrinks; pale for
 * the background, strong for the border.
 */
static void dot_color(double score, bool background, char *buf, size_t len)
{
	double sat = background ? 0.1 : 1.0, val = background ? 0.93 : 0.7;
	double r, g, b;

	score = fmax(-1.0, fmin(1.0, score));
	if (fabs(score) < 0.2)
		sat *= fabs(score) / 0.2;
	/* Move scores away from grey: |score|^0.3, keeping the sign. */
	if (score > 0)
		score = pow(score, 0.3);
	else if (score < 0)
		score = -pow(-score, 0.3);
	if (score < 0) {
		g = val;
		r = val * (1 + sat * score);
	} else {
		r = val;
		g = val * (1 - sat * score);
	}
	b = val * (1 - sat);
	snprintf(buf, len, "#%02x%02x%02x", (unsigned)(uint8_t)(r * 255.0),
		 (unsigned)(uint8_t)(g * 255.0),
		 (unsigned)(uint8_t)(b * 255.0));
}

/*
 * The label of a node: the name cut into lines at its scope separators
 * (a Go package path dropped first), as the boxes read best narrow.
 */
static void put_name_lines(FILE *out, const char *name)
{
	const char *slash = NULL, *s;

	for (s = name; *s && *s != '(' && *s != ' ' && *s != '<'; s++)
		if (*s == '/')
			slash = s;
	if (slash && slash[1])
		name = slash + 1;
	for (s = name; *s; s++) {
		if (s[0] == ':' && s[1] == ':') {
			fputs("\\n", out);
			s++;
		} else if (*s == '.' && s != name && s[1] && s[1] != '.') {
			fputs("\\n", out);
		} else if (*s == '\\' || *s == '"') {
			fputc('\\', out);
			fputc(*s, out);
		} else {
			fputc(*s, out);
		}
	}
	fputs("\\n", out);
}

struct legend {
	FILE *out;
	bool first;
};

static void legend_line(void *ctx, const char *line)
{
	struct legend *l = ctx;

	if (l->first) {
		fputc('"', l->out);
		put_escaped(l->out, line);
		fputs("\" [shape=box fontsize=16 label=\"", l->out);
		l->first = false;
	}
	put_escaped(l->out, line);
	fputs("\\l", l->out);
}

static void print_node(FILE *out, const struct report *r,
		       const struct report_node *n, size_t id, double max_flat)
{
	char flat[64], cum[64], pct[32], fg[16], bg[16];
	double share =
	    r->total ? (double)n->cum / (double)report_abs64(r->total) : 0;
	int font = 8;

	report_format(r, flat, sizeof(flat), n->flat);
	report_format(r, cum, sizeof(cum), n->cum);
	if (max_flat != 0 && n->flat != 0 &&
	    (double)report_abs64(n->flat) <= max_flat)
		font += (int)ceil(
		    16.0 * sqrt((double)report_abs64(n->flat) / max_flat));
	fprintf(out, "N%zu [label=\"", id);
	put_name_lines(out, n->printable);
	if (n->flat) {
		report_percentage(pct, sizeof(pct), n->flat, r->total);
		fprintf(out, "%s (%s)", flat, pct + strspn(pct, " "));
	} else {
		fputs("0", out);
	}
	if (n->cum != n->flat) {
		report_percentage(pct, sizeof(pct), n->cum, r->total);
		fprintf(out, "%sof %s (%s)", n->flat ? "\\n" : " ", cum,
			pct + strspn(pct, " "));
	}
	dot_color(share, false, fg, sizeof(fg));
	dot_color(share, true, bg, sizeof(bg));
	fprintf(out, "\" id=\"node%zu\" fontsize=%d shape=box tooltip=\"", id,
		font);
	put_escaped(out, n->printable);
	fprintf(out, " (%s)\" color=\"%s\" fillcolor=\"%s\"]\n",
		n->cum != n->flat ? cum : flat, fg, bg);
}

static void print_edge(FILE *out, const struct report *r,
		       const struct report_graph *g,
		       const struct report_edge *e, const uint32_t *ids)
{
	const char *src = g->nodes[e->src].printable;
	const char *dst = g->nodes[e->dst].printable;
	char w[64], color[16];
	int64_t weight, width;
	int k;

	report_format(r, w, sizeof(w), e->weight);
	fprintf(out, "N%u -> N%u [label=\" %s%s\"", ids[e->src], ids[e->dst], w,
		e->is_inline ? "\\n (inline)" : "");
	if (r->total) {
		weight = report_abs64(report_mul(e->weight, 100) / r->total);
		width = report_abs64(report_mul(e->weight, 5) / r->total);
		if (weight > 0)
			fprintf(out, " weight=%d",
				1 + (int)(weight < 100 ? weight : 100));
		if (width > 0)
			fprintf(out, " penwidth=%d",
				1 + (int)(width < 5 ? width : 5));
		dot_color((double)e->weight / (double)report_abs64(r->total),
			  false, color, sizeof(color));
		fprintf(out, " color=\"%s\"", color);
	}
	for (k = 0; k < 2; k++) { /* the edge's and its label's */
		fputs(k ? " labeltooltip=\"" : " tooltip=\"", out);
		put_escaped(out, src);
		fprintf(out, " %s ", e->residual ? "..." : "->");
		put_escaped(out, dst);
		fprintf(out, " (%s)\"", w);
	}
	fprintf(out, "%s]\n", e->residual ? " style=\"dotted\"" : "");
}

/* The nodes shown, numbered from 1 in order, and their edges. */
static int print_graph(FILE *out, const struct report *r,
		       const struct report_graph *g)
{
	const struct report_edge **edges;
	uint32_t *ids = calloc(g->nnodes + 1, sizeof(*ids));
	double max_flat = 0;
	size_t i, n = 0;

	edges = calloc(g->nedges + 1, sizeof(*edges));
	if (!ids || !edges) {
		free(ids);
		free(edges);
		return TRIAGE_ENOMEM;
	}
	for (i = 0; i < g->nshown; i++) {
		ids[g->shown[i] - g->nodes] = (uint32_t)(i + 1);
		if ((double)report_abs64(g->shown[i]->flat) > max_flat)
			max_flat = (double)report_abs64(g->shown[i]->flat);
	}
	for (i = 0; i < g->nshown; i++)
		print_node(out, r, g->shown[i], i + 1, max_flat);
	for (i = 0; i < g->nedges; i++)
		if (!g->edges[i].dropped && ids[g->edges[i].src] &&
		    ids[g->edges[i].dst])
			edges[n++] = &g->edges[i];
	report_sort_edges(g, edges, n);
	for (i = 0; i < n; i++)
		print_edge(out, r, g, edges[i], ids);
	free(ids);
	free(edges);
	return 0;
}

int report_dot(FILE *out, const struct tprof *p, const struct report_options *o,
	       char *err, size_t errlen)
{
	struct legend legend = {out, true};
	struct report_graph g = {0};
	struct report r;
	char title[4096] = "unnamed", base[4096];
	int rc;

	rc = report_open(&r, p, o, err, errlen);
	if (rc)
		return rc;
	rc = report_graph_build(&g, &r.view, o, r.a,
				GRAPH_ALL_EDGES | GRAPH_VISUAL);
	if (!rc) {
		report_select_unit(&r, &g);
		if (p->nmappings && *p->mappings[0].filename)
			snprintf(title, sizeof(title), "%s",
				 report_path_base(p->mappings[0].filename, base,
						  sizeof(base)));
		fputs("digraph \"", out);
		put_escaped(out, title);
		fputs("\" {\nnode [style=filled fillcolor=\"#f8f8f8\"]\n"
		      "subgraph cluster_L { ",
		      out);
		report_graph_labels(&r, &g, true, legend_line, &legend);
		fputs("\" tooltip=\"", out);
		put_escaped(out, title);
		fputs("\"] }\n", out);
		rc = print_graph(out, &r, &g);
		fputs("}\n", out);
	}
	if (rc)
		snprintf(err, errlen, "out of memory");
	else
		rc = report_check_output(out, err, errlen);
	report_graph_free(&g);
	report_close(&r);
	return rc;
}
