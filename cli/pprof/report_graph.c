/*
 * report_graph.c - the graph behind pprof's reports, at function
 * granularity: one node per function name (or per mapping file for
 * frames without one), flat = value of samples whose innermost frame is
 * that function, cum = value of samples with the function anywhere in
 * the stack, counted once per sample. Edges between caller and callee
 * carry the value of the samples that make that call. -top needs only
 * whether a node is reached through inlined calls, so for it only edges
 * into functions that were inlined somewhere (inner lines of a location)
 * are tracked; the tree and the DOT graph ask for all of them.
 *
 * Trimming follows pprof: nodes whose |cum| falls under nodefraction of
 * the total are dropped and the graph rebuilt from the samples without
 * them; then, with a node count, only the first nodes in sort order are
 * kept and the graph is rebuilt once more; last, edges lighter than
 * edgefraction of the total are dropped.
 */
#include "report_internal.h"

#include "triage.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_NODE UINT32_MAX

/* The identity of a node: pprof's NodeInfo once aggregated to functions. */
struct node_key {
	const char *name;
	const char *objfile;
	int64_t start_line;
};

struct graph_ctx {
	struct report_graph *g;
	struct tprof_arena *a;
	struct tprof_index node_ix;
	size_t nodes_cap;
};

static bool node_eq(const void *ctx, uint32_t pos, const void *key)
{
	const struct report_node *n =
	    &((const struct graph_ctx *)ctx)->g->nodes[pos];
	const struct node_key *k = key;

	return n->start_line == k->start_line && !strcmp(n->name, k->name) &&
	       !strcmp(n->objfile, k->objfile);
}

const char *report_path_base(const char *path, char *buf, size_t len)
{
	size_t n = strlen(path), start;

	if (!n)
		return ".";
	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 1 && path[0] == '/')
		return "/";
	for (start = n; start > 0 && path[start - 1] != '/'; start--)
		;
	snprintf(buf, len, "%.*s", (int)(n - start), path + start);
	return buf;
}

const char *report_frame_name(const struct tprof_location *l,
			      const struct tprof_line *line, char *buf,
			      size_t len)
{
	char base[4096];

	if (line && *line->function->name)
		return line->function->name;
	if (l->mapping && *l->mapping->filename) {
		snprintf(
		    buf, len, "[%s]",
		    report_path_base(l->mapping->filename, base, sizeof(base)));
		return buf;
	}
	return "<unknown>";
}

/* Sets the two strings a node is shown and tie-broken by. */
static int node_names(struct graph_ctx *c, struct report_node *n)
{
	char base[4096], *s;
	size_t len;

	if (*n->name)
		n->printable = (char *)n->name;
	else if (*n->objfile)
		n->printable = NULL;
	else
		n->printable = (char *)"<unknown>";
	if (!n->printable) {
		report_path_base(n->objfile, base, sizeof(base));
		len = strlen(base) + 3;
		n->printable = tprof_arena_calloc(c->a, len, 1);
		if (!n->printable)
			return TRIAGE_ENOMEM;
		snprintf(n->printable, len, "[%s]", base);
	}

	/* fmt.Sprint of the NodeInfo, for pprof's last tie-break. */
	len = strlen(n->name) + strlen(n->objfile) + 48;
	s = tprof_arena_calloc(c->a, len, 1);
	if (!s)
		return TRIAGE_ENOMEM;
	snprintf(s, len, "{%s  0  %" PRId64 " 0 %s}", n->name, n->start_line,
		 n->objfile);
	n->info = s;
	return 0;
}

/* The node with key `k`, created on first sight; NO_NODE when OOM. */
static uint32_t node_intern(struct graph_ctx *c, const struct node_key *k)
{
	struct report_graph *g = c->g;
	uint64_t h = tprof_hash_add(tprof_hash_str(k->name),
				    tprof_hash_add(tprof_hash_str(k->objfile),
						   (uint64_t)k->start_line));
	uint32_t pos = tprof_index_find(&c->node_ix, h, node_eq, c, k);
	struct report_node *n;

	if (pos != TPROF_INDEX_NONE)
		return pos;
	if (g->nnodes >= TPROF_INDEX_MAX ||
	    tprof_grow((void **)&g->nodes, &c->nodes_cap, g->nnodes + 1,
		       sizeof(*g->nodes)))
		return NO_NODE;
	n = &g->nodes[g->nnodes];
	memset(n, 0, sizeof(*n));
	n->name = k->name;
	n->objfile = k->objfile;
	n->start_line = k->start_line;
	if (node_names(c, n) ||
	    tprof_index_add(&c->node_ix, h, (uint32_t)g->nnodes))
		return NO_NODE;
	return (uint32_t)g->nnodes++;
}

/* The key of a frame: its function's name, or for a nameless function
 * (or a location without lines) the mapping's file. */
static void frame_key(struct node_key *k, const struct tprof_location *l,
		      const struct tprof_line *line)
{
	const char *obj = l->mapping ? l->mapping->filename : "";

	k->name = line ? line->function->name : "";
	k->objfile = "";
	k->start_line = 0;
	if (!*k->name) {
		k->objfile = obj;
		k->start_line = line ? line->function->start_line : 0;
	}
}

/* Creates the nodes of every location's lines. */
static int create_nodes(struct graph_ctx *c, const struct report_view *v)
{
	struct report_graph *g = c->g;
	const struct tprof *p = v->p;
	struct node_key k;
	size_t i, j, n = 0;

	for (i = 0; i < p->nlocations; i++)
		n += v->locs[i].nlines ? v->locs[i].nlines : 1;
	g->loc_start =
	    tprof_arena_calloc(c->a, p->nlocations + 1, sizeof(*g->loc_start));
	g->loc_nodes = tprof_arena_calloc(c->a, n, sizeof(*g->loc_nodes));
	if (!g->loc_start || !g->loc_nodes)
		return TRIAGE_ENOMEM;

	for (i = 0, n = 0; i < p->nlocations; i++) {
		const struct report_loc *vl = &v->locs[i];

		g->loc_start[i] = n;
		for (j = 0; j < (vl->nlines ? vl->nlines : 1); j++) {
			frame_key(&k, &p->locations[i],
				  vl->nlines ? vl->lines[j] : NULL);
			g->loc_nodes[n] = node_intern(c, &k);
			if (g->loc_nodes[n] == NO_NODE)
				return TRIAGE_ENOMEM;
			if (j + 1 < vl->nlines)
				g->nodes[g->loc_nodes[n]].may_inline = true;
			n++;
		}
	}
	g->loc_start[i] = n;
	return 0;
}

static bool edge_eq(const void *ctx, uint32_t pos, const void *key)
{
	const struct report_edge *e =
	    &((const struct report_graph *)ctx)->edges[pos];
	const uint32_t *k = key;

	return e->src == k[0] && e->dst == k[1];
}

/* Adds a sample's weight to the edge src -> dst, once per sample. */
static int edge_add(struct report_graph *g, uint32_t src, uint32_t dst,
		    int64_t w, bool is_inline, bool residual, size_t stamp)
{
	uint32_t key[2] = {src, dst};
	uint64_t h = tprof_hash_add(tprof_hash_u64(src), dst);
	uint32_t pos = tprof_index_find(&g->edge_ix, h, edge_eq, g, key);
	struct report_edge *e;

	if (pos == TPROF_INDEX_NONE) {
		if (g->nedges >= TPROF_INDEX_MAX ||
		    tprof_grow((void **)&g->edges, &g->edges_cap, g->nedges + 1,
			       sizeof(*g->edges)) ||
		    tprof_index_add(&g->edge_ix, h, (uint32_t)g->nedges))
			return TRIAGE_ENOMEM;
		pos = (uint32_t)g->nedges++;
		e = &g->edges[pos];
		e->src = src;
		e->dst = dst;
		e->weight = 0;
		e->is_inline = is_inline;
		e->residual = e->dropped = false;
		e->stamp = 0;
	}
	e = &g->edges[pos];
	if (e->stamp == stamp)
		return 0;
	e->stamp = stamp;
	e->weight = report_add(e->weight, w);
	if (!is_inline)
		e->is_inline = false;
	if (residual)
		e->residual = true;
	return 0;
}

/*
 * Walks one sample from the root: cum once per node, edges once per
 * pair, flat to the innermost frame unless that frame was left out.
 */
static int add_sample(struct report_graph *g, const struct report_view *v,
		      const struct report_sample *s, size_t stamp,
		      bool kept_only)
{
	uint32_t parent = NO_NODE;
	bool residual = false;
	size_t i, k;

	for (i = s->nlocs; i-- > 0;) {
		size_t li = (size_t)(s->locs[i] - v->p->locations);
		size_t start = g->loc_start[li],
		       n = g->loc_start[li + 1] - start;

		for (k = n; k-- > 0;) {
			uint32_t id = g->loc_nodes[start + k];
			struct report_node *node = &g->nodes[id];

			if (kept_only && !node->kept) {
				residual = true;
				continue;
			}
			if (node->stamp != stamp) {
				node->stamp = stamp;
				node->cum = report_add(node->cum, s->value);
			}
			if (parent != NO_NODE && id != parent &&
			    (node->may_inline || (g->mode & GRAPH_ALL_EDGES)) &&
			    edge_add(g, parent, id, s->value, k != n - 1,
				     residual, stamp))
				return TRIAGE_ENOMEM;
			parent = id;
			residual = false;
		}
	}
	if (parent != NO_NODE && !residual)
		g->nodes[parent].flat =
		    report_add(g->nodes[parent].flat, s->value);
	return 0;
}

/* (Re)computes every node's values and the edges from the samples,
 * leaving out unkept nodes when `kept_only`; lists the nodes left. */
static int accumulate(struct report_graph *g, const struct report_view *v,
		      bool kept_only)
{
	size_t i;

	for (i = 0; i < g->nnodes; i++) {
		g->nodes[i].flat = g->nodes[i].cum = 0;
		g->nodes[i].stamp = 0;
	}
	g->nedges = 0;
	tprof_index_free(&g->edge_ix);

	for (i = 0; i < v->nsamples; i++) {
		if (v->samples[i].value == 0)
			continue;
		if (add_sample(g, v, &v->samples[i], i + 1, kept_only))
			return TRIAGE_ENOMEM;
	}

	g->nshown = 0;
	for (i = 0; i < g->nnodes; i++)
		if (g->nodes[i].flat || g->nodes[i].cum)
			g->shown[g->nshown++] = &g->nodes[i];
	return 0;
}

/* Heaviest |value| first. */
static int cmp_weight(int64_t x, int64_t y)
{
	x = report_abs64(x);
	y = report_abs64(y);
	return x == y ? 0 : x > y ? -1 : 1;
}

/*
 * pprof's orders of nodes: by a first value (heaviest first), the name,
 * a second value, then the full identity, so the order is total.
 */
static int cmp_nodes(const void *pa, const void *pb, int64_t a1, int64_t b1,
		     int64_t a2, int64_t b2)
{
	const struct report_node *a = *(struct report_node *const *)pa;
	const struct report_node *b = *(struct report_node *const *)pb;
	int c = cmp_weight(a1, b1);

	if (!c)
		c = strcmp(a->printable, b->printable);
	if (!c)
		c = cmp_weight(a2, b2);
	return c ? c : strcmp(a->info, b->info);
}

#define NODE(p) (*(struct report_node *const *)(p))

static int cmp_flat(const void *a, const void *b)
{
	return cmp_nodes(a, b, NODE(a)->flat, NODE(b)->flat, NODE(a)->cum,
			 NODE(b)->cum);
}

static int cmp_cum(const void *a, const void *b)
{
	return cmp_nodes(a, b, NODE(a)->cum, NODE(b)->cum, NODE(a)->flat,
			 NODE(b)->flat);
}

static int cmp_score(const void *a, const void *b)
{
	return cmp_nodes(a, b, NODE(a)->score, NODE(b)->score, NODE(a)->flat,
			 NODE(b)->flat);
}

/* Per node: the weights on each side, and their entropy so far. */
struct entropy {
	double total[2]; /* [0] callers, [1] callees (with the own flat) */
	double score[2];
	bool any[2];
};

/* -f log2 f for a share f of a side's total. */
static double entropy_term(double w, double total)
{
	double frac;

	if (total == 0 || w == 0)
		return 0;
	frac = w / total;
	return -frac * log2(frac);
}

/*
 * pprof's entropy score, which favours nodes where paths split or join
 * over nodes that only pass a path through: for each side (callers,
 * callees) 1 when it has no edge, else the entropy of its edges' shares
 * (the callee side counting the node's own flat); the sum times cum,
 * plus flat.
 */
static int entropy_scores(struct report_graph *g)
{
	struct entropy *en = calloc(g->nnodes, sizeof(*en));
	size_t i, k;

	if (!en)
		return TRIAGE_ENOMEM;
	for (i = 0; i < g->nnodes; i++)
		if (g->nodes[i].flat > 0)
			en[i].total[1] = (double)g->nodes[i].flat;
	for (i = 0; i < g->nedges; i++) {
		const struct report_edge *e = &g->edges[i];
		double w = e->weight > 0 ? (double)e->weight : 0;

		en[e->dst].total[0] += w;
		en[e->dst].any[0] = true;
		en[e->src].total[1] += w;
		en[e->src].any[1] = true;
	}
	for (i = 0; i < g->nedges; i++) {
		const struct report_edge *e = &g->edges[i];
		double w = (double)report_abs64(e->weight);

		en[e->dst].score[0] += entropy_term(w, en[e->dst].total[0]);
		en[e->src].score[1] += entropy_term(w, en[e->src].total[1]);
	}
	for (i = 0; i < g->nnodes; i++) {
		struct report_node *n = &g->nodes[i];
		double score = 0;

		if (n->flat > 0 && en[i].any[1])
			en[i].score[1] +=
			    entropy_term((double)n->flat, en[i].total[1]);
		for (k = 0; k < 2; k++)
			score += en[i].any[k] ? en[i].score[k] : 1;
		n->score =
		    report_add(report_dtoi(score * (double)n->cum), n->flat);
	}
	free(en);
	return 0;
}

static int sort_shown(struct report_graph *g, bool cum)
{
	int (*cmp)(const void *, const void *) = cum ? cmp_cum : cmp_flat;

	if (g->mode & GRAPH_VISUAL) {
		if (entropy_scores(g))
			return TRIAGE_ENOMEM;
		cmp = cmp_score;
	}
	qsort(g->shown, g->nshown, sizeof(*g->shown), cmp);
	return 0;
}

static int cmp_edge(const void *pa, const void *pb, void *ctx)
{
	const struct report_graph *g = ctx;
	const struct report_edge *a = *(const struct report_edge *const *)pa;
	const struct report_edge *b = *(const struct report_edge *const *)pb;
	int c;

	if (a->weight != b->weight) {
		int64_t x = report_abs64(a->weight),
			y = report_abs64(b->weight);

		if (x != y)
			return x > y ? -1 : 1;
	}
	c = strcmp(g->nodes[a->src].printable, g->nodes[b->src].printable);
	if (c)
		return c;
	return strcmp(g->nodes[a->dst].printable, g->nodes[b->dst].printable);
}

void report_sort_edges(const struct report_graph *g,
		       const struct report_edge **edges, size_t n)
{
	qsort_r(edges, n, sizeof(*edges), cmp_edge, (void *)g);
}

/* Drops the edges into shown nodes that are under the cutoff. */
static void trim_edges(struct report_graph *g, int64_t edge_cutoff)
{
	size_t i;

	for (i = 0; i < g->nedges; i++) {
		struct report_edge *e = &g->edges[i];
		const struct report_node *dst = &g->nodes[e->dst];

		if (report_abs64(e->weight) >= edge_cutoff ||
		    !(dst->flat || dst->cum))
			continue;
		e->dropped = true;
		g->dropped_edges++;
	}
}

/* The edges into each node, lightest last: in[start[n], start[n+1]). */
struct in_edges {
	const struct report_edge **in;
	size_t *start;
	uint32_t *seen; /* per node: the last search that reached it */
	uint32_t *queue;
};

/* Whether e->src reaches e->dst by a path that avoids e. */
static bool redundant(const struct report_graph *g, const struct in_edges *ie,
		      const struct report_edge *e, uint32_t search)
{
	size_t head = 0, tail = 0, k;

	ie->queue[tail++] = e->dst;
	ie->seen[e->dst] = search;
	while (head < tail) {
		uint32_t n = ie->queue[head++];

		for (k = ie->start[n]; k < ie->start[n + 1]; k++) {
			const struct report_edge *x = ie->in[k];

			if (x == e || x->dropped || ie->seen[x->src] == search)
				continue;
			if (x->src == e->src)
				return true;
			ie->seen[x->src] = search;
			ie->queue[tail++] = x->src;
		}
	}
	return false;
}

/*
 * pprof's last step for pictures: an edge over removed nodes (residual)
 * goes when its ends are joined another way. Nodes are visited from the
 * last shown, each one's residual edges from the lightest, stopping at
 * its first real call.
 */
static int remove_redundant_edges(struct report_graph *g)
{
	struct in_edges ie;
	size_t i, k, n = g->nnodes, *fill;
	uint32_t search = 0;
	int rc = TRIAGE_ENOMEM;

	ie.in = calloc(g->nedges + 1, sizeof(*ie.in));
	ie.start = calloc(n + 1, sizeof(*ie.start));
	fill = calloc(n + 1, sizeof(*fill));
	ie.seen = calloc(n + 1, sizeof(*ie.seen));
	ie.queue = calloc(n + 1, sizeof(*ie.queue));
	if (!ie.in || !ie.start || !fill || !ie.seen || !ie.queue)
		goto out;
	for (i = 0; i < g->nedges; i++)
		if (!g->edges[i].dropped)
			ie.start[g->edges[i].dst + 1]++;
	for (i = 0; i < n; i++)
		ie.start[i + 1] += ie.start[i];
	for (i = 0; i < g->nedges; i++)
		if (!g->edges[i].dropped)
			ie.in[ie.start[g->edges[i].dst] +
			      fill[g->edges[i].dst]++] = &g->edges[i];
	for (i = 0; i < n; i++)
		report_sort_edges(g, ie.in + ie.start[i],
				  ie.start[i + 1] - ie.start[i]);

	for (i = g->nshown; i-- > 0;) {
		uint32_t id = (uint32_t)(g->shown[i] - g->nodes);

		for (k = ie.start[id + 1]; k-- > ie.start[id];) {
			struct report_edge *e = (struct report_edge *)ie.in[k];

			if (!e->residual)
				break;
			if (redundant(g, &ie, e, ++search))
				e->dropped = true;
		}
	}
	rc = 0;
out:
	free(ie.in);
	free(ie.start);
	free(fill);
	free(ie.seen);
	free(ie.queue);
	return rc;
}

/* Marks nodes reached by the edges left. */
static void mark_inline(struct report_graph *g)
{
	size_t i;

	for (i = 0; i < g->nedges; i++) {
		const struct report_edge *e = &g->edges[i];
		struct report_node *dst = &g->nodes[e->dst];

		if (e->dropped)
			continue;
		if (e->is_inline)
			dst->inline_in = true;
		else
			dst->call_in = true;
	}
}

/* Keeps only the shown nodes from `from` on, and rebuilds. */
static int keep_and_rebuild(struct report_graph *g, const struct report_view *v,
			    size_t nkeep)
{
	size_t i;

	for (i = 0; i < g->nnodes; i++)
		g->nodes[i].kept = false;
	for (i = 0; i < nkeep; i++)
		g->shown[i]->kept = true;
	return accumulate(g, v, true);
}

/* pprof's newTrimmedGraph (not its call-tree variant). */
static int trim(struct report_graph *g, const struct report_view *v,
		const struct report_options *o)
{
	int64_t total = 0, node_cutoff, edge_cutoff;
	size_t i, nkeep = 0;

	for (i = 0; i < g->nshown; i++)
		total = report_add(total, g->shown[i]->flat);
	node_cutoff =
	    report_abs64(report_dtoi((double)total * o->nodefraction));
	edge_cutoff =
	    report_abs64(report_dtoi((double)total * o->edgefraction));

	if (node_cutoff > 0) {
		for (i = 0; i < g->nshown; i++)
			if (report_abs64(g->shown[i]->cum) >= node_cutoff)
				g->shown[nkeep++] = g->shown[i];
		if (nkeep != g->nshown) {
			g->dropped_nodes = g->nshown - nkeep;
			if (keep_and_rebuild(g, v, nkeep))
				return TRIAGE_ENOMEM;
		}
	}
	g->orig_count = g->nshown;
	if (sort_shown(g, o->cum))
		return TRIAGE_ENOMEM;

	if (o->nodecount > 0 && g->nshown > (size_t)o->nodecount) {
		if (keep_and_rebuild(g, v, (size_t)o->nodecount) ||
		    sort_shown(g, o->cum))
			return TRIAGE_ENOMEM;
	}
	trim_edges(g, edge_cutoff);
	if ((g->mode & GRAPH_VISUAL) && remove_redundant_edges(g))
		return TRIAGE_ENOMEM;
	mark_inline(g);
	return 0;
}

int report_graph_build(struct report_graph *g, const struct report_view *v,
		       const struct report_options *o, struct tprof_arena *a,
		       unsigned mode)
{
	struct graph_ctx c = {.g = g, .a = a};
	int rc;

	memset(g, 0, sizeof(*g));
	g->mode = mode;
	tprof_index_init(&g->edge_ix);
	tprof_index_init(&c.node_ix);
	rc = create_nodes(&c, v);
	tprof_index_free(&c.node_ix);
	if (!rc) {
		g->shown = tprof_malloc(g->nnodes * sizeof(*g->shown));
		if (!g->shown)
			rc = TRIAGE_ENOMEM;
	}
	if (!rc)
		rc = accumulate(g, v, false);
	if (!rc)
		rc = trim(g, v, o);
	return rc;
}

void report_graph_free(struct report_graph *g)
{
	tprof_mfree(g->nodes);
	tprof_mfree(g->edges);
	tprof_mfree(g->shown);
	tprof_index_free(&g->edge_ix);
	memset(g, 0, sizeof(*g));
}
