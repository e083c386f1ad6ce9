/*
 * fuzz_logs_line.c - libFuzzer target for the log-line scanner of
 * `triage logs` (cli/logs/line.c) and what reads its results: the time
 * and duration parsers, the string decoder, and the span table.
 *
 * The input, split at newlines, is a log; each line goes through the
 * scanner, and the lines it takes are accounted to a span table whose
 * tree is then built, as the command does for one trace.
 */
#include "logs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decoding never writes more than the escaped text, nor past `cap`. */
static void check_decode(const struct logs_str *s)
{
	char buf[64], *all;
	size_t n;

	if (!s->p)
		return;
	n = logs_str_decode(s, buf, sizeof(buf));
	if (n >= sizeof(buf) || buf[n] != '\0')
		abort();
	all = malloc(s->n + 1);
	if (!all)
		return;
	n = logs_str_decode(s, all, s->n + 1);
	if (n > s->n || all[n] != '\0')
		abort();
	free(all);
}

static void check_line(const char *p, size_t n, struct logs_spans *spans)
{
	struct logs_line l;
	int64_t us;
	double d;
	unsigned i;

	if (logs_line_parse(p, n, &l))
		return;
	if (l.nfields > LOGS_FIELDS_MAX)
		abort();
	check_decode(&l.content);
	check_decode(&l.level);
	check_decode(&l.error);
	for (i = 0; i < l.nfields; i++) {
		check_decode(&l.fields[i].key);
		if (l.fields[i].is_str)
			check_decode(&l.fields[i].val);
	}
	if (l.timestamp.p)
		logs_time_parse(l.timestamp.p, l.timestamp.n, &us);
	if (l.duration.p &&
	    logs_duration_parse(l.duration.p, l.duration.n, &d) == 0 && d < 0)
		abort();
	logs_spans_add(spans, &l, "fuzz");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	struct logs_spans spans;
	struct logs_span *s;
	size_t listed = 0;

	logs_spans_init(&spans);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		check_line(p, (size_t)((nl ? nl : end) - p), &spans);
		p = nl ? nl + 1 : end;
	}
	for (s = logs_spans_tree(&spans); s; s = s->tree_next)
		if (++listed > spans.count || s->tree_depth < 0)
			abort();
	if (listed != spans.count)
		abort();
	logs_spans_free(&spans);
	return 0;
}
