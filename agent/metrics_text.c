/*
 * metrics_text.c - the pieces of an exposition: a growing buffer,
 * numbers as Prometheus reads them, escaping, HELP/TYPE headers and
 * sample lines, in text 0.0.4 or OpenMetrics.
 *
 * The formats differ here in little: OpenMetrics names a counter
 * family without its _total (the samples keep it), escapes '"' in HELP
 * too, and writes integral "le" bounds as 1.0. Every number is the
 * shortest text that reads back to the same double.
 */
#include "metrics.h"

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
