/*
 * report_combine.c - several profiles read as one, as pprof merges its
 * sources: the profiles must have the same sample and period types;
 * their samples are concatenated (a base's negated, and labelled
 * pprof::base=true for -diff_base), and the header is pprof's
 * combination: the earliest time, the durations added, the largest
 * period, every comment once, the first default sample type and
 * drop_frames.
 *
 * Equal samples, locations and functions across the inputs are not
 * folded here: the report's merge step (report_merge.c) compares them by
 * content, as pprof's merge does, so concatenating is enough.
 *
 * The result owns its arrays but shares its strings with the inputs,
 * which must outlive it.
 */
#include "report.h"

#include "report_internal.h"
#include "triage.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Writes "type/unit, ..." of a profile's sample types into buf. */
static void describe_types(const struct tprof *p, char *buf, size_t len)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < p->nsample_types && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s/%s",
				      i ? ", " : "", p->sample_types[i].type,
				      p->sample_types[i].unit);
}

static bool same_type(const struct tprof_value_type *a,
		      const struct tprof_value_type *b)
{
	return !strcmp(a->type, b->type) && !strcmp(a->unit, b->unit);
}

/* pprof's compatibility rule: equal period type and sample types. */
static int check_compatible(const struct report_input *in, size_t n, char *err,
			    size_t errlen)
{
	const struct tprof *a = in[0].p;
	char ta[256], tb[256];
	size_t i, k;

	for (i = 1; i < n; i++) {
		const struct tprof *b = in[i].p;
		bool ok = a->nsample_types == b->nsample_types &&
			  same_type(&a->period_type, &b->period_type);

		for (k = 0; ok && k < a->nsample_types; k++)
			ok =
			    same_type(&a->sample_types[k], &b->sample_types[k]);
		if (ok)
			continue;
		describe_types(a, ta, sizeof(ta));
		describe_types(b, tb, sizeof(tb));
		snprintf(err, errlen,
			 "cannot merge %s [%s] with %s [%s]: profiles merge "
			 "only when their sample types and period types are "
			 "the same",
			 in[0].name, ta, in[i].name, tb);
		return TRIAGE_EINVAL;
	}
	return 0;
}

/* Header fields combined as pprof's combineHeaders does. */
static int combine_header(struct tprof *out, const struct report_input *in,
			  size_t n, struct tprof_arena *a)
{
	size_t i, j, k, ncomments = 0;

	*out = *in[0].p;
	out->time_nanos = out->duration_nanos = out->period = 0;
	out->default_sample_type = "";
	for (i = 0; i < n; i++)
		ncomments += in[i].p->ncomments;
	out->comments = tprof_arena_calloc(a, ncomments, sizeof(char *));
	if (!out->comments)
		return TRIAGE_ENOMEM;
	out->ncomments = 0;

	for (i = 0; i < n; i++) {
		const struct tprof *p = in[i].p;

		/* pprof's rule, quirks included: 0 when any later one is 0. */
		if (!out->time_nanos || p->time_nanos < out->time_nanos)
			out->time_nanos = p->time_nanos;
		out->duration_nanos =
		    report_add(out->duration_nanos, p->duration_nanos);
		if (!out->period || out->period < p->period)
			out->period = p->period;
		if (!*out->default_sample_type)
			out->default_sample_type = p->default_sample_type;
		for (j = 0; j < p->ncomments; j++) {
			for (k = 0; k < out->ncomments; k++)
				if (!strcmp(out->comments[k], p->comments[j]))
					break;
			if (k == out->ncomments)
				out->comments[out->ncomments++] =
				    p->comments[j];
		}
	}
	return 0;
}

/* Offsets of each input's objects in the combined arrays. */
struct bases {
	size_t map, func, loc, sample, line;
};

/* Sizes the combined arrays; fails when a count would overflow. */
static int allocate(struct tprof *out, const struct report_input *in, size_t n,
		    struct tprof_arena *a, struct tprof_line **lines)
{
	struct bases t = {0};
	size_t i, j;

	for (i = 0; i < n; i++) {
		const struct tprof *p = in[i].p;

		t.map += p->nmappings;
		t.func += p->nfunctions;
		t.loc += p->nlocations;
		t.sample += p->nsamples;
		for (j = 0; j < p->nlocations; j++)
			t.line += p->locations[j].nlines;
	}
	out->mappings = tprof_arena_calloc(a, t.map, sizeof(*out->mappings));
	out->functions = tprof_arena_calloc(a, t.func, sizeof(*out->functions));
	out->locations = tprof_arena_calloc(a, t.loc, sizeof(*out->locations));
	out->samples = tprof_arena_calloc(a, t.sample, sizeof(*out->samples));
	*lines = tprof_arena_calloc(a, t.line, sizeof(**lines));
	if (!out->mappings || !out->functions || !out->locations ||
	    !out->samples || !*lines)
		return TRIAGE_ENOMEM;
	out->nmappings = out->nfunctions = out->nlocations = 0;
	out->nsamples = 0;
	return 0;
}

/* Copies mappings, functions and locations of one input, re-pointed. */
static void copy_places(struct tprof *out, const struct tprof *p,
			struct tprof_line **lines)
{
	const struct tprof_mapping *m0 = out->mappings + out->nmappings;
	const struct tprof_function *f0 = out->functions + out->nfunctions;
	size_t i, j;

	memcpy(out->mappings + out->nmappings, p->mappings,
	       p->nmappings * sizeof(*p->mappings));
	memcpy(out->functions + out->nfunctions, p->functions,
	       p->nfunctions * sizeof(*p->functions));
	for (i = 0; i < p->nlocations; i++) {
		const struct tprof_location *l = &p->locations[i];
		struct tprof_location *c = &out->locations[out->nlocations + i];

		*c = *l;
		if (l->mapping)
			c->mapping = m0 + (l->mapping - p->mappings);
		c->lines = *lines;
		for (j = 0; j < l->nlines; j++) {
			c->lines[j] = l->lines[j];
			c->lines[j].function =
			    f0 + (l->lines[j].function - p->functions);
		}
		*lines += l->nlines;
	}
	out->nmappings += p->nmappings;
	out->nfunctions += p->nfunctions;
}

/* As pprof's Scale: int64(float64(v) * ratio); negation exact and
 * wrapping, results past int64 clamped (Go leaves them undefined). */
static int64_t scale(int64_t v, double ratio)
{
	double x;

	if (ratio == 1)
		return v;
	if (ratio == -1)
		return (int64_t)(0 - (uint64_t)v);
	x = (double)v * ratio;
	if (x != x)
		return 0;
	if (x >= 9223372036854775807.0)
		return INT64_MAX;
	if (x <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)x;
}

/* Copies one input's samples: stacks re-pointed, values scaled. */
static int copy_samples(struct tprof *out, const struct report_input *in,
			struct tprof_arena *a)
{
	static const struct tprof_label base = {"pprof::base", "true", 0, ""};
	const struct tprof *p = in->p;
	const struct tprof_location *l0 = out->locations + out->nlocations;
	size_t i, j, nv = p->nsample_types;

	for (i = 0; i < p->nsamples; i++) {
		const struct tprof_sample *s = &p->samples[i];
		struct tprof_sample *c = &out->samples[out->nsamples++];
		size_t nl = s->nlabels + (in->diff_base ? 1 : 0);

		c->nlocations = s->nlocations;
		c->locations =
		    tprof_arena_calloc(a, s->nlocations, sizeof(*c->locations));
		c->values = tprof_arena_calloc(a, nv, sizeof(*c->values));
		c->labels = tprof_arena_calloc(a, nl, sizeof(*c->labels));
		if (!c->locations || !c->values || !c->labels)
			return TRIAGE_ENOMEM;
		for (j = 0; j < s->nlocations; j++)
			c->locations[j] = l0 + (s->locations[j] - p->locations);
		for (j = 0; j < nv; j++)
			c->values[j] = scale(s->values[j], in->scale);
		c->nlabels = 0;
		for (j = 0; j < s->nlabels; j++)
			if (!in->diff_base ||
			    strcmp(s->labels[j].key, base.key))
				c->labels[c->nlabels++] = s->labels[j];
		if (in->diff_base)
			c->labels[c->nlabels++] = base;
	}
	out->nlocations += p->nlocations;
	return 0;
}

int report_combine(const struct report_input *in, size_t n, struct tprof **out,
		   char *err, size_t errlen)
{
	struct tprof_arena *a;
	struct tprof_line *lines;
	struct tprof *c;
	size_t i;
	int rc;

	*out = NULL;
	if (n == 0) {
		snprintf(err, errlen, "no profiles to merge");
		return TRIAGE_EINVAL;
	}
	rc = check_compatible(in, n, err, errlen);
	if (rc)
		return rc;
	a = tprof_arena_new();
	c = a ? tprof_arena_calloc(a, 1, sizeof(*c)) : NULL;
	rc = c ? combine_header(c, in, n, a) : TRIAGE_ENOMEM;
	if (!rc)
		rc = allocate(c, in, n, a, &lines);
	for (i = 0; !rc && i < n; i++) {
		copy_places(c, in[i].p, &lines);
		rc = copy_samples(c, &in[i], a);
	}
	if (rc) {
		tprof_arena_free(a);
		snprintf(err, errlen, "out of memory merging profiles");
		return rc;
	}
	c->arena = a;
	*out = c;
	return 0;
}
