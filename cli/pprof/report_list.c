/*
 * report_list.c - pprof's -list REGEX: for each function whose name
 * matches, and each source file it has lines in, a ROUTINE block with
 * the function's flat and cum, then the source around the lines that
 * have samples, each line with its own flat and cum (a dot for none).
 *
 * Values are kept per source line (pprof's "lines" granularity, never
 * trimmed): cum counts a sample once per line of a matching function in
 * its stack, flat goes to the sample's innermost line. Only lines of
 * matching functions are tracked at all. When a file cannot be read the
 * block says why, as pprof does.
 */
#include "report.h"

#include "report_internal.h"
#include "triage.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NO_NODE UINT32_MAX
#define MARGIN 5 /* source lines shown around those with samples */

/* One source line of a matching function (pprof's NodeInfo at line
 * granularity with object names). */
struct line_node {
	const char *name, *file, *objfile;
	int64_t line, start_line;
	int64_t flat, cum;
	size_t stamp;
};

struct list_ctx {
	struct report *r;
	const regex_t *rx;
	struct line_node *nodes;
	size_t nnodes, cap;
	struct tprof_index ix;
	uint32_t *loc_nodes; /* per location line (or lineless location) */
	size_t *loc_start;
};

static bool node_eq(const void *ctx, uint32_t pos, const void *key)
{
	const struct line_node *a = &((const struct list_ctx *)ctx)->nodes[pos];
	const struct line_node *b = key;

	return a->line == b->line && a->start_line == b->start_line &&
	       !strcmp(a->name, b->name) && !strcmp(a->file, b->file) &&
	       !strcmp(a->objfile, b->objfile);
}

/* The node of `k` when its function matches, created on first sight. */
static int node_for(struct list_ctx *c, const struct line_node *k, uint32_t *id)
{
	uint64_t h = tprof_hash_add(
	    tprof_hash_add(tprof_hash_str(k->name), tprof_hash_str(k->file)),
	    tprof_hash_add((uint64_t)k->line, tprof_hash_str(k->objfile)));
	uint32_t pos;

	*id = NO_NODE;
	if (regexec(c->rx, k->name, 0, NULL, 0))
		return 0;
	pos = tprof_index_find(&c->ix, h, node_eq, c, k);
	if (pos == TPROF_INDEX_NONE) {
		if (c->nnodes >= TPROF_INDEX_MAX ||
		    tprof_grow((void **)&c->nodes, &c->cap, c->nnodes + 1,
			       sizeof(*c->nodes)) ||
		    tprof_index_add(&c->ix, h, (uint32_t)c->nnodes))
			return TRIAGE_ENOMEM;
		pos = (uint32_t)c->nnodes++;
		c->nodes[pos] = *k;
	}
	*id = pos;
	return 0;
}

/* The key of one line of a location (NULL: a location without lines). */
static int line_key(struct list_ctx *c, const struct tprof_location *l,
		    const struct tprof_line *line, struct line_node *k)
{
	memset(k, 0, sizeof(*k));
	k->name = k->file = "";
	k->objfile = l->mapping ? l->mapping->filename : "";
	if (!line)
		return 0;
	k->name = line->function->name;
	k->line = line->line;
	k->start_line = line->function->start_line;
	if (*line->function->filename) {
		/* As pprof names files: trimmed for -source_path, cleaned. */
		const char *sp = c->r->o->source_path;

		k->file = report_path_clean(
		    report_trim_path(line->function->filename, sp ? sp : ""),
		    c->r->a);
		if (!k->file)
			return TRIAGE_ENOMEM;
	}
	return 0;
}

/* Maps every location's lines to nodes (NO_NODE when not matching). */
static int map_locations(struct list_ctx *c)
{
	const struct tprof *p = c->r->p;
	const struct report_view *v = &c->r->view;
	struct line_node k;
	size_t i, j, n = 0;
	int rc;

	for (i = 0; i < p->nlocations; i++)
		n += v->locs[i].nlines ? v->locs[i].nlines : 1;
	c->loc_start = tprof_arena_calloc(c->r->a, p->nlocations + 1,
					  sizeof(*c->loc_start));
	c->loc_nodes = tprof_arena_calloc(c->r->a, n, sizeof(*c->loc_nodes));
	if (!c->loc_start || !c->loc_nodes)
		return TRIAGE_ENOMEM;
	for (i = 0, n = 0; i < p->nlocations; i++) {
		const struct report_loc *vl = &v->locs[i];

		c->loc_start[i] = n;
		for (j = 0; j < (vl->nlines ? vl->nlines : 1); j++) {
			rc = line_key(c, &p->locations[i],
				      vl->nlines ? vl->lines[j] : NULL, &k);
			if (!rc)
				rc = node_for(c, &k, &c->loc_nodes[n++]);
			if (rc)
				return rc;
		}
	}
	c->loc_start[i] = n;
	return 0;
}

/* Adds every sample: cum once per line node, flat to the innermost. */
static void accumulate(struct list_ctx *c)
{
	const struct report_view *v = &c->r->view;
	size_t i, j, k;

	for (i = 0; i < v->nsamples; i++) {
		const struct report_sample *s = &v->samples[i];

		if (!s->value || !s->nlocs)
			continue;
		for (j = 0; j < s->nlocs; j++) {
			size_t li = (size_t)(s->locs[j] - v->p->locations);

			for (k = c->loc_start[li]; k < c->loc_start[li + 1];
			     k++) {
				struct line_node *n;

				if (c->loc_nodes[k] == NO_NODE)
					continue;
				n = &c->nodes[c->loc_nodes[k]];
				if (n->stamp != i + 1) {
					n->stamp = i + 1;
					n->cum = report_add(n->cum, s->value);
				}
			}
		}
		j = c->loc_start[s->locs[0] - v->p->locations];
		if (c->loc_nodes[j] != NO_NODE)
			c->nodes[c->loc_nodes[j]].flat = report_add(
			    c->nodes[c->loc_nodes[j]].flat, s->value);
	}
}

static int cmp_node(const void *pa, const void *pb)
{
	const struct line_node *a = *(struct line_node *const *)pa;
	const struct line_node *b = *(struct line_node *const *)pb;
	int c = strcmp(a->name, b->name);

	if (!c)
		c = strcmp(a->file, b->file);
	if (!c && a->line != b->line)
		c = a->line < b->line ? -1 : 1;
	return c;
}

/* A value, or "." for zero, as pprof's listings show it. */
static const char *value_or_dot(const struct report *r, int64_t v, char *buf,
				size_t len)
{
	if (!v)
		return ".";
	report_format(r, buf, len, v);
	return buf;
}

/* The source lines [start, end] with each line's values; stops at the
 * end of the file as pprof does. */
static void print_source(FILE *out, const struct report *r, FILE *src,
			 struct line_node **ns, size_t n, int64_t start,
			 int64_t end)
{
	char *text = NULL, a[64], b[64];
	size_t cap = 0, k = 0;
	int64_t lineno = 0, flat, cum;
	ssize_t len;

	while ((len = getline(&text, &cap, src)) >= 0 && ++lineno <= end) {
		if (len && text[len - 1] == '\n')
			text[--len] = '\0';
		if (len && text[len - 1] == '\r')
			text[--len] = '\0';
		if (lineno < start)
			continue;
		flat = cum = 0;
		for (; k < n && ns[k]->line < lineno; k++)
			;
		for (; k < n && ns[k]->line == lineno; k++) {
			flat = report_add(flat, ns[k]->flat);
			cum = report_add(cum, ns[k]->cum);
		}
		fprintf(out, "%10s %10s %6lld:%s\n",
			value_or_dot(r, flat, a, sizeof(a)),
			value_or_dot(r, cum, b, sizeof(b)), (long long)lineno,
			text);
	}
	free(text);
}

/* One ROUTINE block: the nodes of one function in one file. */
static void print_routine(FILE *out, const struct report *r,
			  struct line_node **ns, size_t n, const char *search)
{
	char flat[64], cum[64], pct[32], why[PATH_MAX + 200];
	int64_t fsum = 0, csum = 0, start, end, s;
	FILE *src;
	size_t i;

	/* From the function's start (or 5 lines above its first line with
	 * samples) to 5 lines past its last line with samples. */
	start = ns[0]->start_line ? ns[0]->start_line : ns[0]->line - MARGIN;
	end = ns[0]->line + MARGIN;
	for (i = 0; i < n; i++) {
		fsum = report_add(fsum, ns[i]->flat);
		csum = report_add(csum, ns[i]->cum);
		s = ns[i]->start_line ? ns[i]->start_line
				      : ns[i]->line - MARGIN;
		if (s < start)
			start = s;
		if (ns[i]->line + MARGIN > end)
			end = ns[i]->line + MARGIN;
	}
	if (start < 1)
		start = 1;

	report_format(r, flat, sizeof(flat), fsum);
	report_format(r, cum, sizeof(cum), csum);
	report_percentage(pct, sizeof(pct), csum, r->total);
	fprintf(out, "ROUTINE ======================== %s in %s\n", ns[0]->name,
		ns[0]->file);
	fprintf(out, "%*s %*s (flat, cum) %s of Total\n",
		report_width(flat, 10), flat, report_width(cum, 10), cum, pct);
	src = report_source_open(ns[0]->file, search, why, sizeof(why));
	if (!src) {
		fprintf(out, " Error: %s\n", why);
		return;
	}
	print_source(out, r, src, ns, n, start, end);
	fclose(src);
}

/* Every matching function, by name, and each of its files, by name. */
static int print_list(FILE *out, struct list_ctx *c, char *err, size_t errlen)
{
	const char *search = c->r->o->source_path;
	struct line_node **ns;
	char cwd[PATH_MAX], total[64];
	size_t i, j, k, n = 0;

	ns = tprof_arena_calloc(c->r->a, c->nnodes + 1, sizeof(*ns));
	if (!ns)
		return TRIAGE_ENOMEM;
	for (i = 0; i < c->nnodes; i++)
		if (c->nodes[i].flat || c->nodes[i].cum)
			ns[n++] = &c->nodes[i];
	if (!n) {
		snprintf(err, errlen, "no matches found for regexp: %s",
			 c->r->o->symbol);
		return TRIAGE_EINVAL;
	}
	if (!search || !*search)
		search = getcwd(cwd, sizeof(cwd)) ? cwd : ".";
	qsort(ns, n, sizeof(*ns), cmp_node);

	report_format(c->r, total, sizeof(total), c->r->total);
	fprintf(out, "Total: %s\n", total);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && !strcmp(ns[j]->name, ns[i]->name); j++)
			;
		if (!*ns[j - 1]->file) {
			fprintf(out, "No source information for %s\n",
				ns[i]->name);
			continue;
		}
		for (k = i; k < j; k = i) {
			for (i = k; i < j && !strcmp(ns[i]->file, ns[k]->file);
			     i++)
				;
			if (*ns[k]->file)
				print_routine(out, c->r, ns + k, i - k, search);
		}
	}
	return 0;
}

int report_list(FILE *out, const struct tprof *p,
		const struct report_options *o, char *err, size_t errlen)
{
	struct report r;
	struct list_ctx c = {.r = &r};
	regex_t buf, *rx;
	int rc;

	if (!o->symbol) {
		snprintf(err, errlen, "-list needs a regex of function names");
		return TRIAGE_EINVAL;
	}
	rc = report_symbol_regex(o, &buf, &rx, err, errlen);
	if (rc)
		return rc;
	c.rx = rx;
	tprof_index_init(&c.ix);
	rc = report_open(&r, p, o, err, errlen);
	if (!rc) {
		rc = map_locations(&c);
		if (!rc) {
			accumulate(&c);
			rc = print_list(out, &c, err, errlen);
		}
		if (rc == TRIAGE_ENOMEM)
			snprintf(err, errlen, "out of memory");
		if (!rc)
			rc = report_check_output(out, err, errlen);
		report_close(&r);
	}
	tprof_index_free(&c.ix);
	tprof_mfree(c.nodes);
	regfree(rx);
	return rc;
}
