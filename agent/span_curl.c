/*
 * span_curl.c - a CLIENT span for a libcurl transfer, and the W3C
 * headers that carry its context to the server.
 */
#include <curl/curl.h>

#include "options.h"
#include "span.h"
#include "tracecontext.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends a header line; on failure the list stays as it was (libcurl
 * returns NULL and keeps the old list). */
static void add_header(struct curl_slist **headers, const char *line)
{
	struct curl_slist *l = curl_slist_append(*headers, line);

	if (l)
		*headers = l;
}

TRIAGE_API struct triage_span *triage_span_to_curl(struct curl_slist **headers,
						   const char *name)
{
	static const char tp[] = "traceparent: ", ts[] = "tracestate: ";
	struct triage_span *s =
	    triage_span_start(name, TRIAGE_SPAN_CLIENT, NULL);
	char line[sizeof(tp) + 56];
	const char *state;
	size_t n;
	char *l;

	if (!s || !headers)
		return s;
	memcpy(line, tp, sizeof(tp) - 1);
	triage_traceparent_format(&s->cur.ctx, line + sizeof(tp) - 1);
	add_header(headers, line);

	/* The trace's tracestate goes on unchanged: triage has no entry of
	 * its own in it. */
	state = span_tracestate(s);
	if (!*state)
		return s;
	n = strlen(state);
	l = malloc(sizeof(ts) + n);
	if (l) {
		memcpy(l, ts, sizeof(ts) - 1);
		memcpy(l + sizeof(ts) - 1, state, n + 1);
		add_header(headers, l);
		free(l);
	}
	return s;
}
