/*
 * report_text.c - pprof's -top (its "text" report): the header lines,
 * then one row per function of the trimmed graph with flat, flat%,
 * the running sum%, cum and cum%, and an inline mark.
 */
#include "report.h"

#include "report_internal.h"

#include <stdio.h>

/* The column line and one row per node, with the running sum. */
static void print_rows(FILE *out, const struct report *r,
		       const struct report_graph *g)
{
	char flat[64], cum[64], fp[32], sp[32], cp[32];
	int64_t sum = 0;
	size_t i;

	fprintf(out, "%10s %5s%% %5s%% %10s %5s%%\n", "flat", "flat", "sum",
		"cum", "cum");
	for (i = 0; i < g->nshown; i++) {
		const struct report_node *n = g->shown[i];
		const char *inl = "";

		if (n->inline_in)
			inl = n->call_in ? " (partial-inline)" : " (inline)";
		sum = report_add(sum, n->flat);
		report_format(r, flat, sizeof(flat), n->flat);
		report_format(r, cum, sizeof(cum), n->cum);
		report_percentage(fp, sizeof(fp), n->flat, r->total);
		report_percentage(sp, sizeof(sp), sum, r->total);
		report_percentage(cp, sizeof(cp), n->cum, r->total);
		fprintf(out, "%*s %s %s %*s %s  %s%s\n", report_width(flat, 10),
			flat, fp, sp, report_width(cum, 10), cum, cp,
			n->printable, inl);
	}
}

int report_top(FILE *out, const struct tprof *p, const struct report_options *o,
	       char *err, size_t errlen)
{
	struct report r;
	struct report_graph g = {0};
	int rc;

	rc = report_open(&r, p, o, err, errlen);
	if (rc)
		return rc;
	rc = report_graph_build(&g, &r.view, o, r.a, 0);
	if (rc) {
		snprintf(err, errlen, "out of memory");
	} else {
		report_select_unit(&r, &g);
		report_print_graph_labels(out, &r, &g);
		print_rows(out, &r, &g);
		rc = report_check_output(out, err, errlen);
	}
	report_graph_free(&g);
	report_close(&r);
	return rc;
}
