/*
 * otlp_encode.h - spans to an OTLP ExportTraceServiceRequest, and the
 * receiver's answer back (internal).
 */
#ifndef TRIAGE_AGENT_OTLP_ENCODE_H
#define TRIAGE_AGENT_OTLP_ENCODE_H

#include "span.h"

#include <stddef.h>
#include <stdint.h>

/* What the spans' Resource says about the process. */
struct otlp_resource {
	const char *service_name;
	int64_t pid;
};

/*
 * Encodes spans[0..n) as one ExportTraceServiceRequest (one resource,
 * one scope named "triage") into a malloc'd buffer. 0, or TRIAGE_ENOMEM.
 */
int otlp_encode_spans(struct triage_span *const *spans, size_t n,
		      const struct otlp_resource *res, uint8_t **out,
		      size_t *len);

/*
 * Reads an ExportTraceServiceResponse: *rejected is the partial
 * success's rejected_spans (0 when absent). An empty body is a full
 * success. TRIAGE_EFORMAT when the body is not that message.
 */
int otlp_decode_response(const uint8_t *body, size_t len, int64_t *rejected);

#endif
