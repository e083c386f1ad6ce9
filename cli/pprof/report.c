/*
 * report.c - pprof's -top report: picks the value to report, builds the
 * filtered view (whose total is taken before any filter, as pprof does,
 * so percentages stay relative to the whole profile) and the
 * trimmed function graph, picks the output unit from the smallest and
 * largest values shown, and prints the header and the rows.
 */
#include "report.h"

#include "report_internal.h"
#include "triage.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What a report is about; everything else comes from the profile. */
struct report {
	const struct tprof *p;
	const struct report_options *o;
	size_t vi;	  /* which value of each sample */
	const char *type; /* its sample type and unit */
	const char *unit;
	const char *out_unit; /* "minimum" until chosen from the graph */
	int64_t total;
};

void report_options_init(struct report_options *o)
{
	memset(o, 0, sizeof(*o));
	o->nodefraction = 0.005;
}

/* Go's strconv.Atoi: optional sign, decimal digits, in range of int. */
static bool parse_int(const char *s, long *out)
{
	const char *d = s + (*s == '+' || *s == '-');
	char *end;
	long v;

	if (*d < '0' || *d > '9')
		return false;
	v = strtol(s, &end, 10);
	if (*end || v < INT_MIN || v > INT_MAX)
		return false;
	*out = v;
	return true;
}

/* Writes pprof's complaint about an unknown sample index. */
static int bad_sample_index(const struct tprof *p, const char *si, char *err,
			    size_t errlen)
{
	size_t i, n;

	n = (size_t)snprintf(err, errlen,
			     "sample_index \"%s\" must be one of: [", si);
	for (i = 0; i < p->nsample_types && n < errlen; i++)
		n += (size_t)snprintf(err + n, errlen - n, "%s%s", i ? " " : "",
				      p->sample_types[i].type);
	if (n < errlen)
		snprintf(err + n, errlen - n, "]");
	return TRIAGE_EINVAL;
}

/*
 * The value index that -sample_index `si` selects: by default the
 * default_sample_type, else the last type; else an index, else a type
 * name (with or without an "inuse_" prefix).
 */
static int pick_index(const struct tprof *p, const char *si, size_t *out,
		      char *err, size_t errlen)
{
	const char *bare;
	long n;
	size_t i;

	if (!p->nsample_types) {
		snprintf(err, errlen, "profile has no samples");
		return TRIAGE_EFORMAT;
	}
	*out = p->nsample_types - 1;
	if (!si || !*si) {
		for (i = 0; *p->default_sample_type && i < p->nsample_types;
		     i++)
			if (!strcmp(p->sample_types[i].type,
				    p->default_sample_type)) {
				*out = i;
				break;
			}
		return 0;
	}
	if (parse_int(si, &n)) {
		if (n < 0 || (size_t)n >= p->nsample_types) {
			snprintf(
			    err, errlen,
			    "sample_index %s is outside the range [0..%zu]", si,
			    p->nsample_types - 1);
			return TRIAGE_EINVAL;
		}
		*out = (size_t)n;
		return 0;
	}
	bare = strncmp(si, "inuse_", 6) ? si : si + 6;
	for (i = 0; i < p->nsample_types; i++)
		if (!strcmp(p->sample_types[i].type, si) ||
		    !strcmp(p->sample_types[i].type, bare)) {
			*out = i;
			return 0;
		}
	return bad_sample_index(p, si, err, errlen);
}

static void format_value(const struct report *r, char *buf, size_t len,
			 int64_t v)
{
	report_scaled_label(buf, len, v, r->unit, r->out_unit);
}

/*
 * The unit rows are printed in: the readable unit of the smallest
 * nonzero value shown, moved up when the total needs a larger unit and
 * the smallest value would still read as at least 0.01.
 */
static void select_output_unit(struct report *r, const struct report_graph *g)
{
	int64_t min = 0, max = r->total, m;
	const char *min_unit, *max_unit, *unit;
	size_t i;

	if (g->nshown == 0)
		return;
	for (i = 0; i < g->nshown; i++) {
		m = report_abs64(g->shown[i]->flat);
		if (m == 0)
			m = report_abs64(g->shown[i]->cum);
		if (m > 0 && (min == 0 || m < min))
			min = m;
	}
	if (min == 0)
		min = max;
	report_scale(min, r->unit, "minimum", &min_unit);
	report_scale(max, r->unit, "minimum", &max_unit);
	unit = min_unit;
	if (strcmp(min_unit, max_unit) && (int64_t)((uint64_t)min * 100) < max)
		report_scale((int64_t)((uint64_t)min * 100), r->unit, "minimum",
			     &unit);
	r->out_unit = *unit ? unit : r->unit;
}

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

/* File, Build ID, comments, Type, Time and Duration, as pprof shows. */
static void print_profile_labels(FILE *out, const struct report *r)
{
	const struct tprof *p = r->p;
	char a[4096], b[64], c[32], pct[40] = "";
	const char *unit;
	size_t i;

	if (p->nmappings && *p->mappings[0].filename)
		fprintf(
		    out, "File: %s\n",
		    report_path_base(p->mappings[0].filename, a, sizeof(a)));
	if (p->nmappings && *p->mappings[0].build_id)
		fprintf(out, "Build ID: %s\n", p->mappings[0].build_id);
	for (i = 0; i < p->ncomments; i++)
		if (p->comments[i][0] != '#' && !repeated(p->comments, i))
			fprintf(out, "%s\n", p->comments[i]);
	if (*r->type)
		fprintf(out, "Type: %s\n", r->type);
	if (p->time_nanos) {
		format_time(a, sizeof(a), p->time_nanos);
		fprintf(out, "Time: %s\n", a);
	}
	if (p->duration_nanos) {
		double total_ns =
		    report_scale(r->total, r->unit, "nanoseconds", &unit);

		report_scaled_label(a, sizeof(a), p->duration_nanos,
				    "nanoseconds", "auto");
		format_value(r, b, sizeof(b), r->total);
		if (!strcmp(unit, "ns") && total_ns != 0) {
			report_percentage(c, sizeof(c), (int64_t)total_ns,
					  p->duration_nanos);
			snprintf(pct, sizeof(pct), "(%s)", c);
		}
		fprintf(out, "Duration: %s, Total samples = %s %s\n", a, b,
			pct);
	}
}

/* "Active filters:" and one line per filter, cut after 80 bytes. */
static void print_filters(FILE *out, const struct report_options *o)
{
	static const char *const names[4] = {"focus", "ignore", "hide", "show"};
	const char *values[4] = {o->focus, o->ignore, o->hide, o->show};
	bool any = false;
	size_t i, n;

	for (i = 0; i < 4; i++) {
		if (!values[i] || !*values[i])
			continue;
		if (!any)
			fprintf(out, "Active filters:\n");
		any = true;
		n = strlen(names[i]) + 1 + strlen(values[i]);
		if (n <= 80)
			fprintf(out, "   %s=%s\n", names[i], values[i]);
		else
			fprintf(out, "   %s=%.*s\xe2\x80\xa6\n", names[i],
				(int)(80 - strlen(names[i]) - 1), values[i]);
	}
}

/* The lines after the profile's own: what is shown and what was cut. */
static void print_graph_labels(FILE *out, const struct report *r,
			       const struct report_graph *g)
{
	char a[64], b[64], pct[32];
	const char *trimmed = pct;
	int64_t flat = 0;
	size_t i;

	print_filters(out, r->o);
	for (i = 0; i < g->nshown; i++)
		flat += g->shown[i]->flat;
	format_value(r, a, sizeof(a), flat);
	format_value(r, b, sizeof(b), r->total);
	report_percentage(pct, sizeof(pct), flat, r->total);
	while (*trimmed == ' ')
		trimmed++;
	fprintf(out, "Showing nodes accounting for %s, %s of %s total\n", a,
		trimmed, b);
	if (!r->total)
		return;
	if (g->dropped_nodes) {
		format_value(r, a, sizeof(a),
			     report_abs64((int64_t)((double)r->total *
						    r->o->nodefraction)));
		fprintf(out, "Dropped %zu node%s (cum <= %s)\n",
			g->dropped_nodes, g->dropped_nodes > 1 ? "s" : "", a);
	}
	if (g->nshown && g->nshown < g->orig_count)
		fprintf(out, "Showing top %zu nodes out of %zu\n", g->nshown,
			g->orig_count);
}

/*
 * The printf width that pads `s` to `cols` characters as Go does: Go
 * counts UTF-8 characters, printf bytes (a unit such as "μs" taken
 * from the profile as it is has both).
 */
static int width(const char *s, int cols)
{
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) == 0x80)
			cols++;
	return cols;
}

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
		sum += n->flat;
		format_value(r, flat, sizeof(flat), n->flat);
		format_value(r, cum, sizeof(cum), n->cum);
		report_percentage(fp, sizeof(fp), n->flat, r->total);
		report_percentage(sp, sizeof(sp), sum, r->total);
		report_percentage(cp, sizeof(cp), n->cum, r->total);
		fprintf(out, "%*s %s %s %*s %s  %s%s\n", width(flat, 10), flat,
			fp, sp, width(cum, 10), cum, cp, n->printable, inl);
	}
}

int report_top(FILE *out, const struct tprof *p, const struct report_options *o,
	       char *err, size_t errlen)
{
	struct report r = {.p = p, .o = o, .out_unit = "minimum"};
	struct report_view view;
	struct report_graph g = {0};
	struct tprof_arena *a;
	int rc;

	rc = pick_index(p, o->sample_index, &r.vi, err, errlen);
	if (rc)
		return rc;
	r.type = p->sample_types[r.vi].type;
	r.unit = p->sample_types[r.vi].unit;

	a = tprof_arena_new();
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return TRIAGE_ENOMEM;
	}
	rc = report_view_build(&view, p, r.vi, o, a, err, errlen);
	r.total = view.total;
	if (!rc) {
		rc = report_graph_build(&g, &view, o, a);
		if (rc)
			snprintf(err, errlen, "out of memory");
	}
	if (!rc) {
		select_output_unit(&r, &g);
		print_profile_labels(out, &r);
		print_graph_labels(out, &r, &g);
		print_rows(out, &r, &g);
		if (ferror(out)) {
			snprintf(err, errlen, "writing the report failed");
			rc = TRIAGE_ESYS;
		}
	}
	report_graph_free(&g);
	tprof_arena_free(a);
	return rc;
}
