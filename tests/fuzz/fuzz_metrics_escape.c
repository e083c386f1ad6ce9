/*
 * fuzz_metrics_escape.c - a sample line with an arbitrary label value
 * and an arbitrary HELP text: each comes out on exactly one line, and
 * unescaping the label value gives back the bytes that went in.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

/* Undoes the label-value escaping between the quotes of `p`. */
static size_t unescape(const char *p, const char *end, char *out)
{
	size_t n = 0;

	for (; p < end; p++) {
		if (*p == '\\') {
			p++;
			if (p >= end)
				__builtin_trap();
			if (*p == 'n')
				out[n++] = '\n';
			else if (*p == '\\' || *p == '"')
				out[n++] = *p;
			else
				__builtin_trap();
		} else if (*p == '"' || *p == '\n') {
			__builtin_trap();
		} else {
			out[n++] = *p;
		}
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *value = malloc(size + 1), *back = malloc(size + 1);
	char *const names[] = {"k"};
	struct metrics_buf b = {0};
	const char *open, *close;

	if (!value || !back)
		goto out;
	memcpy(value, data, size);
	value[size] = '\0';
	metrics_write_sample(&b, false, "m", NULL, names, &value, 1, NULL, NULL,
			     1);
	if (b.oom)
		goto out;
	if (strchr(b.p, '\n') != b.p + b.len - 1)
		__builtin_trap();
	open = b.p + strlen("m{k=\"");
	close = strstr(b.p, "\"} 1\n");
	if (strncmp(b.p, "m{k=\"", 5) || !close ||
	    unescape(open, close, back) != strlen(value) ||
	    memcmp(back, value, strlen(value)))
		__builtin_trap();

	b.len = 0;
	metrics_write_header(&b, true, "m", value, "gauge");
	if (!b.oom && *value &&
	    strchr(b.p, '\n') != strstr(b.p, "\n# TYPE m gauge\n"))
		__builtin_trap();
out:
	free(b.p);
	free(value);
	free(back);
	return 0;
}
