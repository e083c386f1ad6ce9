/*
 * metrics_expose.c - a whole exposition: the process's metrics, the
 * agent's, then every registered family, in text 0.0.4 or OpenMetrics
 * (which ends with "# EOF").
 *
 * Families come in one contiguous group each, HELP and TYPE first.
 * Histogram buckets are cumulative and increasing and end with +Inf,
 * which equals _count: both come from one read of each bucket's cells.
 */
#include "metrics.h"

#include "options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void write_histogram(struct metrics_buf *b, bool om,
			    const struct metrics_family *f,
			    const struct metrics_series *s, const double *cell)
{
	double cum = 0;
	char le[32];
	size_t i;

	for (i = 0; i <= f->nbounds; i++) {
		cum += cell[i];
		if (i < f->nbounds)
			metrics_format_double(f->bounds[i], om, le);
		else
			snprintf(le, sizeof(le), "+Inf");
		metrics_write_sample(b, om, f->name, "_bucket", f->labels,
				     s->values, f->nlabels, "le", le, cum);
	}
	metrics_write_sample(b, om, f->name, "_sum", f->labels, s->values,
			     f->nlabels, NULL, NULL, cell[f->nbounds + 1]);
	metrics_write_sample(b, om, f->name, "_count", f->labels, s->values,
			     f->nlabels, NULL, NULL, cum);
}

/* Under the lock: no child appears while the family is written. */
static void write_family(struct metrics_buf *b, bool om,
			 const struct metrics_family *f, const double *total)
{
	static const char *const types[] = {"counter", "gauge", "histogram"};
	const struct metrics_series *s;

	if (!f->nseries)
		return;
	metrics_write_header(b, om, f->name, f->help, types[f->kind]);
	for (s = f->first; s; s = s->next) {
		double v;

		if (f->kind == METRICS_GAUGE) {
			uint64_t bits =
			    __atomic_load_n(&s->gauge, __ATOMIC_RELAXED);

			memcpy(&v, &bits, sizeof(v));
			metrics_write_sample(b, om, f->name, NULL, f->labels,
					     s->values, f->nlabels, NULL, NULL,
					     v);
		} else if (f->kind == METRICS_COUNTER) {
			metrics_write_sample(b, om, f->name, NULL, f->labels,
					     s->values, f->nlabels, NULL, NULL,
					     total[s->off] + total[s->off + 1]);
		} else {
			write_histogram(b, om, f, s, total + s->off);
		}
	}
}

TRIAGE_API int triage_metric_expose(enum triage_metric_format format,
				    char **text, size_t *len)
{
	bool om = format == TRIAGE_METRIC_OPENMETRICS;
	struct metrics_buf b = {0};
	const struct metrics_family *f;
	double *total;
	uint32_t n;

	*text = NULL;
	*len = 0;
	if (format != TRIAGE_METRIC_TEXT && !om)
		return TRIAGE_EINVAL;
	metrics_agent_init();
	metrics_write_process(&b, om);
	metrics_write_agent(&b, om);
	pthread_mutex_lock(&metrics_lock);
	total = metrics_cells_sum(&n);
	for (f = metrics_families(); f && total; f = f->next)
		write_family(&b, om, f, total);
	pthread_mutex_unlock(&metrics_lock);
	if (om)
		metrics_buf_str(&b, "# EOF\n");
	if (!total || b.oom || !b.p) {
		free(total);
		free(b.p);
		return TRIAGE_ENOMEM;
	}
	free(total);
	*text = b.p;
	*len = b.len;
	return 0;
}
