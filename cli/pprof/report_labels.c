/*
 * report_labels.c - the header lines of pprof's reports: the profile's
 * (File, Build ID, comments, Type, Time, Duration), then for graph
 * reports the active filters and what the report shows of the total,
 * with what trimming dropped.
 */
#include "report_internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* "Jan 2, 2006 at 3:04pm (MST)" in the local time zone, as Go prints. */
static void format_time(char *buf, size_t len, int64_t nanos)
{
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
					     "May", "Jun", "Jul", "Aug",
					     "Sep", "Oct", "Nov", "Dec"};
	time_t t =
	    (time_t)(nanos / 1000000000 - (nanos % 1000000000 < 0 ? 1 : 0));
	struct tm tm;
	char zone[64];
	int hour;

	tzset();
	if (!localtime_r(&t, &tm)) {
		snprintf(buf, len, "?");
		return;
	}
	if (!strftime(zone, sizeof(zone), "%Z", &tm))
		zone[0] = '\0';
	hour = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
	snprintf(buf, len, "%s %d, %d at %d:%02d%s (%s)", months[tm.tm_mon],
		 tm.tm_mday, tm.tm_year + 1900, hour, tm.tm_min,
		 tm.tm_hour < 12 ? "am" : "pm", zone);
}

/* Whether comment i already came earlier (pprof's merge drops it). */
static bool repeated(const char *const *comments, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (!strcmp(comments[j], comments[i]))
			return true;
	return false;
}

/* The Duration line: the duration and the total, with the share of
 * the duration when the total is a time. */
static void duration_line(const struct report *r, char *line, size_t len)
{
	char a[64], b[64], c[32], pct[40] = "";
	const char *unit;
	double total_ns = report_scale(r->total, r->unit, "nanoseconds", &unit);

	report_scaled_label(a, sizeof(a), r->p->duration_nanos, "nanoseconds",
			    "auto");
	report_format(r, b, sizeof(b), r->total);
	if (!strcmp(unit, "ns") && total_ns != 0) {
		report_percentage(c, sizeof(c), report_dtoi(total_ns),
				  r->p->duration_nanos);
		snprintf(pct, sizeof(pct), "(%s)", c);
	}
	snprintf(line, len, "Duration: %s, Total samples = %s %s", a, b, pct);
}

static void profile_labels(const struct report *r, report_line_fn line,
			   void *ctx)
{
	const struct tprof *p = r->p;
	char a[4096], buf[4200];
	size_t i;

	if (p->nmappings && *p->mappings[0].filename) {
		snprintf(
		    buf, sizeof(buf), "File: %s",
		    report_path_base(p->mappings[0].filename, a, sizeof(a)));
		line(ctx, buf);
	}
	if (p->nmappings && *p->mappings[0].build_id) {
		snprintf(buf, sizeof(buf), "Build ID: %s",
			 p->mappings[0].build_id);
		line(ctx, buf);
	}
	for (i = 0; i < p->ncomments; i++)
		if (p->comments[i][0] != '#' && !repeated(p->comments, i))
			line(ctx, p->comments[i]);
	if (*r->type) {
		snprintf(buf, sizeof(buf), "Type: %s", r->type);
		line(ctx, buf);
	}
	if (p->time_nanos) {
		format_time(a, sizeof(a), p->time_nanos);
		snprintf(buf, sizeof(buf), "Time: %s", a);
		line(ctx, buf);
	}
	if (p->duration_nanos) {
		duration_line(r, buf, sizeof(buf));
		line(ctx, buf);
	}
}

static void print_line(void *ctx, const char *line)
{
	fprintf(ctx, "%s\n", line);
}

void report_print_profile_labels(FILE *out, const struct report *r)
{
	profile_labels(r, print_line, out);
}

/* "Active filters:" and one line per filter, cut after 80 bytes. */
static void filter_labels(const struct report_options *o, report_line_fn line,
			  void *ctx)
{
	static const char *const names[4] = {"focus", "ignore", "hide", "show"};
	const char *values[4] = {o->focus, o->ignore, o->hide, o->show};
	char buf[200];
	bool any = false;
	size_t i, n;

	for (i = 0; i < 4; i++) {
		if (!values[i] || !*values[i])
			continue;
		if (!any)
			line(ctx, "Active filters:");
		any = true;
		n = strlen(names[i]) + 1 + strlen(values[i]);
		if (n <= 80)
			snprintf(buf, sizeof(buf), "   %s=%s", names[i],
				 values[i]);
		else
			snprintf(buf, sizeof(buf), "   %s=%.*s\xe2\x80\xa6",
				 names[i], (int)(80 - strlen(names[i]) - 1),
				 values[i]);
		line(ctx, buf);
	}
}

/* "Dropped N nodes (cum <= X)", and the same for edges. */
static void dropped_label(const struct report *r, size_t n, const char *what,
			  const char *key, double fraction, report_line_fn line,
			  void *ctx)
{
	char a[64], buf[160];

	report_format(r, a, sizeof(a),
		      report_abs64(report_dtoi((double)r->total * fraction)));
	snprintf(buf, sizeof(buf), "Dropped %zu %s%s (%s <= %s)", n, what,
		 n > 1 ? "s" : "", key, a);
	line(ctx, buf);
}

void report_graph_labels(const struct report *r, const struct report_graph *g,
			 bool dot, report_line_fn line, void *ctx)
{
	char a[64], b[64], pct[32], buf[256];
	const char *trimmed = pct;
	int64_t flat = 0;
	size_t i;

	if (dot || !r->o->compact_labels)
		profile_labels(r, line, ctx);
	filter_labels(r->o, line, ctx);
	for (i = 0; i < g->nshown; i++)
		flat = report_add(flat, g->shown[i]->flat);
	report_format(r, a, sizeof(a), flat);
	report_format(r, b, sizeof(b), r->total);
	report_percentage(pct, sizeof(pct), flat, r->total);
	while (*trimmed == ' ')
		trimmed++;
	snprintf(buf, sizeof(buf),
		 "Showing nodes accounting for %s, %s of %s total", a, trimmed,
		 b);
	line(ctx, buf);
	if (r->total) {
		if (g->dropped_nodes)
			dropped_label(r, g->dropped_nodes, "node", "cum",
				      r->o->nodefraction, line, ctx);
		if (dot && g->dropped_edges)
			dropped_label(r, g->dropped_edges, "edge", "freq",
				      r->o->edgefraction, line, ctx);
		if (g->nshown && g->nshown < g->orig_count) {
			snprintf(buf, sizeof(buf),
				 "Showing top %zu nodes out of %zu", g->nshown,
				 g->orig_count);
			line(ctx, buf);
		}
	}
}

void report_print_graph_labels(FILE *out, const struct report *r,
			       const struct report_graph *g)
{
	report_graph_labels(r, g, false, print_line, out);
}

int report_header(FILE *out, const struct tprof *p,
		  const struct report_options *o, char *err, size_t errlen)
{
	struct report r;
	int rc = report_open(&r, p, o, err, errlen);

	if (rc)
		return rc;
	report_print_profile_labels(out, &r);
	report_close(&r);
	return report_check_output(out, err, errlen);
}
