/*
 * otlp_send.h - one POST of encoded spans to /v1/traces (internal).
 */
#ifndef TRIAGE_AGENT_OTLP_SEND_H
#define TRIAGE_AGENT_OTLP_SEND_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What one attempt came to. */
struct otlp_result {
	long status;	     /* HTTP status; 0 when no answer came */
	long retry_after_ms; /* -1 when the answer had no Retry-After */
	int64_t rejected;    /* spans a 2xx answer says it rejected */
	char error[128];     /* why it failed, for the agent's log */
};

struct otlp_sender;

/* A sender for `url` (copied) that reuses its connection, adds the
 * header lines `extra` (copied; may be NULL) and, with `gzip`, sends
 * bodies gzip-compressed. NULL when out of memory. */
struct otlp_sender *otlp_sender_new(const char *url,
				    const struct curl_slist *extra, bool gzip);

/* Makes requests under way give up as soon as `stop()` returns true
 * (libcurl asks about once a second, or sooner). */
void otlp_sender_abort_when(struct otlp_sender *s, bool (*stop)(void));
void otlp_sender_free(struct otlp_sender *s);

/* POSTs `body` as application/x-protobuf (gzip-compressed when the
 * sender was made so), giving up after `timeout_ms`.
 * Fills *r; 0 for a 2xx answer, else TRIAGE_EHTTP. */
int otlp_send(struct otlp_sender *s, const uint8_t *body, size_t len,
	      long timeout_ms, struct otlp_result *r);

#endif
