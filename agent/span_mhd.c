/*
 * span_mhd.c - a SERVER span for a libmicrohttpd request, continuing the
 * caller's trace from its traceparent and tracestate headers.
 *
 * The headers are read as the W3C processing model says: names in any
 * case; two traceparent headers, or one that is invalid, start a new
 * trace and drop the tracestate; several tracestate headers are joined
 * with ',' in the order they came; an invalid tracestate is dropped
 * without touching the traceparent.
 */
#include <microhttpd.h>

#include "options.h"
#include "span.h"
#include "tracecontext.h"

#include <string.h>
#include <strings.h>

/* The joined tracestate headers read at most; a longer one (past 32
 * full members) is dropped whole. */
#define TSTATE_READ_MAX 8192

struct trace_headers {
	int ntraceparent;
	const char *traceparent;
	char tstate[TSTATE_READ_MAX];
	size_t tlen;
	bool tstate_seen, tstate_too_long;
};

static enum MHD_Result on_header(void *cls, enum MHD_ValueKind kind,
				 const char *key, const char *value)
{
	struct trace_headers *h = cls;
	size_t n;

	if (!key || !value)
		return MHD_YES;
	if (!strcasecmp(key, "traceparent")) {
		if (h->ntraceparent++ == 0)
			h->traceparent = value;
	} else if (!strcasecmp(key, "tracestate")) {
		n = strlen(value);
		if (h->tlen + n + 2 > sizeof(h->tstate)) {
			h->tstate_too_long = true;
			return MHD_YES;
		}
		if (h->tstate_seen)
			h->tstate[h->tlen++] = ',';
		memcpy(h->tstate + h->tlen, value, n);
		h->tlen += n;
		h->tstate[h->tlen] = '\0';
		h->tstate_seen = true;
	}
	return MHD_YES;
}

TRIAGE_API struct triage_span *triage_span_from_mhd(struct MHD_Connection *conn,
						    const char *name)
{
	struct trace_headers h = {0};
	struct triage_span_context parent;
	char tstate[TSTATE_KEEP + 1];
	const char *ts = NULL;

	if (conn)
		MHD_get_connection_values(conn, MHD_HEADER_KIND, on_header, &h);
	if (h.ntraceparent != 1 ||
	    tctx_parse_traceparent(h.traceparent, strlen(h.traceparent),
				   &parent))
		return span_start_remote(name, TRIAGE_SPAN_SERVER, NULL, NULL);
	if (h.tstate_seen && !h.tstate_too_long &&
	    tstate_parse(h.tstate, h.tlen, tstate) == 0)
		ts = tstate;
	return span_start_remote(name, TRIAGE_SPAN_SERVER, &parent, ts);
}
