/*
 * report_traces.c - pprof's -traces: the profile's header lines, then
 * every sample the filters kept, in the profile's order (after pprof's
 * merge of equal samples): its labels, its value beside the leaf, and
 * its stack one frame a line, inlined frames marked.
 */
#include "report.h"

#include "report_internal.h"
#include "triage.h"

#include <stdlib.h>
#include <string.h>

#define SEPARATOR                                                              \
	"-----------+---------------------------------------------------"      \
	"----"

/*
 * The unit of numeric label `key`, as pprof picks it: the first unit
 * any sample gives it, else "bytes" for alignment and request, else the
 * key itself.
 */
static const char *num_label_unit(const struct tprof *p, const char *key)
{
	size_t i, j;

	for (i = 0; i < p->nsamples; i++)
		for (j = 0; j < p->samples[i].nlabels; j++) {
			const struct tprof_label *l = &p->samples[i].labels[j];

			if (!*l->str && *l->num_unit && !strcmp(l->key, key))
				return l->num_unit;
		}
	if (!strcmp(key, "alignment") || !strcmp(key, "request"))
		return "bytes";
	return key;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * One line per label key ("%10s:  v1 v2"), string labels sorted, then
 * numeric ones sorted, as pprof prints them.
 */
static int print_labels(FILE *out, const struct report *r,
			const struct tprof_sample *s)
{
	char **lines = calloc(s->nlabels + 1, sizeof(*lines)), v[64];
	size_t i, j, n, pass, len;
	FILE *f;

	if (!lines)
		return TRIAGE_ENOMEM;
	for (pass = 0; pass < 2; pass++) {
		n = 0;
		for (i = 0; i < s->nlabels; i++) {
			const struct tprof_label *l = &s->labels[i];
			bool numeric = !*l->str;

			if (numeric != (pass == 1) ||
			    (numeric && !l->num && !*l->num_unit))
				continue;
			for (j = 0; j < i; j++) /* the key's first label */
				if (!strcmp(s->labels[j].key, l->key) &&
				    !*s->labels[j].str == numeric)
					break;
			if (j < i)
				continue;
			f = open_memstream(&lines[n], &len);
			if (!f)
				break;
			fprintf(f, "%10s: ", l->key);
			for (j = i; j < s->nlabels; j++) {
				const struct tprof_label *m = &s->labels[j];

				if (strcmp(m->key, l->key) ||
				    !*m->str != numeric)
					continue;
				if (numeric)
					report_scaled_label(
					    v, sizeof(v), m->num,
					    num_label_unit(r->p, m->key),
					    "auto");
				fprintf(f, " %s", numeric ? v : m->str);
			}
			fclose(f);
			n++;
		}
		qsort(lines, n, sizeof(*lines), cmp_str);
		for (i = 0; i < n; i++) {
			fprintf(out, "%s\n", lines[i]);
			free(lines[i]);
			lines[i] = NULL;
		}
	}
	free(lines);
	return 0;
}

/* One sample's block: labels, then the stack from the leaf. */
static int print_sample(FILE *out, const struct report *r,
			const struct report_sample *s,
			const struct tprof_sample *ps)
{
	char value[64], name[4200];
	bool first = true;
	size_t i, j;

	fprintf(out, "%s\n", SEPARATOR);
	if (print_labels(out, r, ps))
		return TRIAGE_ENOMEM;
	report_format(r, value, sizeof(value), s->value);
	for (i = 0; i < s->nlocs; i++) {
		const struct tprof_location *l = s->locs[i];
		const struct report_loc *vl =
		    &r->view.locs[l - r->p->locations];
		size_t n = vl->nlines ? vl->nlines : 1;

		for (j = 0; j < n; j++) {
			const char *fn = report_frame_name(
			    l, vl->nlines ? vl->lines[j] : NULL, name,
			    sizeof(name));

			fprintf(out, "%*s   %s%s\n",
				report_width(first ? value : "", 10),
				first ? value : "", fn,
				j != n - 1 ? " (inline)" : "");
			first = false;
		}
	}
	return 0;
}

int report_traces(FILE *out, const struct tprof *p,
		  const struct report_options *o, char *err, size_t errlen)
{
	struct report r;
	size_t i;
	int rc;

	rc = report_open(&r, p, o, err, errlen);
	if (rc)
		return rc;
	report_print_profile_labels(out, &r);
	for (i = 0; !rc && i < r.view.nsamples; i++) {
		const struct report_sample *s = &r.view.samples[i];

		if (s->nlocs)
			rc = print_sample(out, &r, s, s->sample);
	}
	if (rc)
		snprintf(err, errlen, "out of memory");
	else
		fprintf(out, "%s\n", SEPARATOR);
	if (!rc)
		rc = report_check_output(out, err, errlen);
	report_close(&r);
	return rc;
}
