/*
 * metrics_expose.c - writing metrics in Prometheus's text format 0.0.4
 * and in OpenMetrics 1.0.
 *
 * The two differ in little: OpenMetrics names a counter family without
 * its _total (the samples keep it), escapes '"' in HELP too, writes
 * integral "le" bounds as 1.0, and ends with "# EOF". Families come in
 * one contiguous group each, HELP and TYPE first; histogram buckets are
 * cumulative and increasing, end with +Inf equal to _count, and every
 * number is the shortest text that reads back to the same double.
 */
#include "metrics.h"

#include "options.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void metrics_buf_put(struct metrics_buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void metrics_buf_str(struct metrics_buf *b, const char *s)
{
	metrics_buf_put(b, s, strlen(s));
}

static size_t format_integer(double v, char *buf)
{
	unsigned long long u = (unsigned long long)fabs(v);
	char tmp[24];
	size_t n = 0, len = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		buf[len++] = '-';
	while (n)
		buf[len++] = tmp[--n];
	buf[len] = '\0';
	return len;
}

size_t metrics_format_double(double v, bool om_le, char *buf)
{
	int prec;
	size_t n;

	if (isnan(v))
		return (size_t)snprintf(buf, 32, "NaN");
	if (isinf(v))
		return (size_t)snprintf(buf, 32, v > 0 ? "+Inf" : "-Inf");
	if (v == floor(v) && fabs(v) < 1e15) {
		n = format_integer(v, buf);
		if (om_le)
			n += (size_t)snprintf(buf + n, 32 - n, ".0");
		return n;
	}
	/* The shortest precision that reads back exactly. */
	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, 32, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	n = (size_t)snprintf(buf, 32, "%.*g", prec, v);
	if (om_le && !strpbrk(buf, ".e"))
		n += (size_t)snprintf(buf + n, 32 - n, ".0");
	return n;
}

void metrics_buf_escaped(struct metrics_buf *b, const char *s, bool quote)
{
	const char *run = s;

	for (; *s; s++) {
		const char *esc = NULL;

		if (*s == '\\')
			esc = "\\\\";
		else if (*s == '\n')
			esc = "\\n";
		else if (*s == '"' && quote)
			esc = "\\\"";
		if (!esc)
			continue;
		metrics_buf_put(b, run, (size_t)(s - run));
		metrics_buf_put(b, esc, 2);
		run = s + 1;
	}
	metrics_buf_put(b, run, (size_t)(s - run));
}

void metrics_write_header(struct metrics_buf *b, bool om, const char *name,
			  const char *help, const char *type)
{
	size_t n = strlen(name);

	/* OpenMetrics names the counter family, not its _total samples. */
	if (om && !strcmp(type, "counter") && n > 6 &&
	    !strcmp(name + n - 6, "_total"))
		n -= 6;
	if (help && *help) {
		metrics_buf_str(b, "# HELP ");
		metrics_buf_put(b, name, n);
		metrics_buf_put(b, " ", 1);
		metrics_buf_escaped(b, help, om);
		metrics_buf_put(b, "\n", 1);
	}
	metrics_buf_str(b, "# TYPE ");
	metrics_buf_put(b, name, n);
	metrics_buf_put(b, " ", 1);
	metrics_buf_str(b, type);
	metrics_buf_put(b, "\n", 1);
}

static void write_label(struct metrics_buf *b, bool *first, const char *name,
			const char *value)
{
	metrics_buf_put(b, *first ? "{" : ",", 1);
	*first = false;
	metrics_buf_str(b, name);
	metrics_buf_put(b, "=\"", 2);
	metrics_buf_escaped(b, value, true);
	metrics_buf_put(b, "\"", 1);
}

void metrics_write_sample(struct metrics_buf *b, bool om, const char *name,
			  const char *suffix, char *const *labels,
			  char *const *values, size_t nlabels,
			  const char *extra_label, const char *extra_value,
			  double v)
{
	bool first = true;
	char num[32];
	size_t i;

	metrics_buf_str(b, name);
	if (suffix)
		metrics_buf_str(b, suffix);
	for (i = 0; i < nlabels; i++)
		write_label(b, &first, labels[i], values[i]);
	if (extra_label)
		write_label(b, &first, extra_label, extra_value);
	if (!first)
		metrics_buf_put(b, "}", 1);
	metrics_buf_put(b, " ", 1);
	metrics_buf_put(b, num, metrics_format_double(v, false, num));
	metrics_buf_put(b, "\n", 1);
}

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
					     total[s->off]);
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
