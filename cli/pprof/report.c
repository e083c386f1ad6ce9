/*
 * report.c - what every report starts from: the value it is about
 * (-sample_index), the filtered view of the profile (whose total is
 * taken before any filter, as pprof does, so percentages stay relative
 * to the whole profile), and the unit values are printed in (-unit, or
 * pprof's pick from the smallest and largest values shown).
 */
#include "report.h"

#include "report_internal.h"
#include "triage.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

void report_options_init(struct report_options *o)
{
	memset(o, 0, sizeof(*o));
	o->nodefraction = 0.005;
	o->edgefraction = REPORT_EDGE_FRACTION;
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

int report_sample_index(const struct tprof *p, const char *si, size_t *out,
			char *err, size_t errlen)
{
	return pick_index(p, si, out, err, errlen);
}

void report_format(const struct report *r, char *buf, size_t len, int64_t v)
{
	report_scaled_label(buf, len, v, r->unit, r->out_unit);
}

void report_select_unit(struct report *r, const struct report_graph *g)
{
	int64_t min = 0, max = r->total, m;
	const char *min_unit, *max_unit, *unit;
	size_t i;

	if (strcmp(r->out_unit, "minimum") || g->nshown == 0)
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

int report_open(struct report *r, const struct tprof *p,
		const struct report_options *o, char *err, size_t errlen)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->p = p;
	r->o = o;
	r->out_unit = o->unit && *o->unit ? o->unit : "minimum";
	rc = pick_index(p, o->sample_index, &r->vi, err, errlen);
	if (rc)
		return rc;
	r->type = p->sample_types[r->vi].type;
	r->unit = p->sample_types[r->vi].unit;

	r->a = tprof_arena_new();
	if (!r->a) {
		snprintf(err, errlen, "out of memory");
		return TRIAGE_ENOMEM;
	}
	rc = report_view_build(&r->view, p, r->vi, o, r->a, err, errlen);
	r->total = r->view.total;
	if (rc)
		report_close(r);
	return rc;
}

void report_close(struct report *r)
{
	tprof_arena_free(r->a);
	r->a = NULL;
}

int report_check_output(FILE *out, char *err, size_t errlen)
{
	if (fflush(out) == 0 && !ferror(out))
		return 0;
	snprintf(err, errlen, "writing the report failed");
	return TRIAGE_ESYS;
}
