/*
 * otlp_config.h - the span exporter's settings, from the environment
 * (internal; the variables are listed in docs/tracing.md).
 */
#ifndef TRIAGE_AGENT_OTLP_CONFIG_H
#define TRIAGE_AGENT_OTLP_CONFIG_H

#include <curl/curl.h>
#include <stdbool.h>

/* url is NULL when no endpoint is set: no export. */
struct otlp_config {
	char *url;
	char *service;
	struct curl_slist *headers; /* extra request headers */
	bool gzip;
	long queue, batch, delay_ms, timeout_ms, retries, exit_wait_ms;
};

/* Reads the TRIAGE_OTLP_* variables, falling back on OpenTelemetry's
 * OTEL_* names; a malformed number is reported and its default used. */
void otlp_read_config(struct otlp_config *c);

/*
 * What triage_start()'s options say, over the environment: `endpoint`
 * (a base URL; "" for no export) and `service`, each unless NULL.
 */
void otlp_config_override(struct otlp_config *c, const char *endpoint,
			  const char *service);

#endif
