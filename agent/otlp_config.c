/*
 * otlp_config.c - where spans go and how: the TRIAGE_OTLP_* variables,
 * or OpenTelemetry's OTEL_* ones when those are unset, as the SDKs read
 * them.
 */
#include "otlp_config.h"

#include "log.h"
#include "options.h"
#include "otlp_exporter.h"
#include "otlp_headers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first of the variables that is set and not empty. */
static const char *env_first(const char *a, const char *b)
{
	const char *v = getenv(a);

	if (v && *v)
		return v;
	v = b ? getenv(b) : NULL;
	return v && *v ? v : NULL;
}

static long env_num(const char *name, const char *otel, long def, long min,
		    long max)
{
	const char *v = env_first(name, otel);
	long n;

	if (!v)
		return def;
	if (opt_parse_int(v, min, max, &n)) {
		tlog(TLOG_WARN, "%s=%s is not a number in %ld..%ld; using %ld",
		     getenv(name) ? name : otel, v, min, max, def);
		return def;
	}
	return n;
}

/* The traces URL: TRIAGE_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT
 * are base URLs (with /v1/traces appended), as OpenTelemetry's SDKs
 * read the latter; OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is taken as is. */
/* base + "/v1/traces", without doubling a trailing '/'. */
static char *append_traces(const char *base)
{
	size_t n = strlen(base);
	char *url;

	while (n && base[n - 1] == '/')
		n--;
	url = malloc(n + sizeof("/v1/traces"));
	if (url) {
		memcpy(url, base, n);
		memcpy(url + n, "/v1/traces", sizeof("/v1/traces"));
	}
	return url;
}

static char *traces_url(void)
{
	const char *base = getenv("TRIAGE_OTLP_ENDPOINT");
	const char *exact = getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");

	if (!base || !*base) {
		if (exact && *exact)
			return strdup(exact);
		base = getenv("OTEL_EXPORTER_OTLP_ENDPOINT");
	}
	return base && *base ? append_traces(base) : NULL;
}

static char *service_name(void)
{
	const char *s = env_first("TRIAGE_SERVICE_NAME", "OTEL_SERVICE_NAME");
	char buf[300];

	if (s)
		return strdup(s);
	/* OpenTelemetry's default, naming the program. */
	snprintf(buf, sizeof(buf), "unknown_service:%s",
		 program_invocation_short_name);
	return strdup(buf);
}

/* Extra headers (e.g. an API key) and compression, as OpenTelemetry's
 * SDKs read them. */
static void read_request_config(struct otlp_config *c)
{
	const char *h =
	    env_first("TRIAGE_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS");
	const char *z = env_first("TRIAGE_OTLP_COMPRESSION",
				  "OTEL_EXPORTER_OTLP_COMPRESSION");

	if (h && otlp_parse_headers(h, &c->headers))
		tlog(TLOG_WARN,
		     "%s is malformed (want k1=v1,k2=v2 with "
		     "%%-encoded values); no extra headers sent",
		     getenv("TRIAGE_OTLP_HEADERS")
			 ? "TRIAGE_OTLP_HEADERS"
			 : "OTEL_EXPORTER_OTLP_HEADERS");
	c->gzip = z && !strcmp(z, "gzip");
	if (z && !c->gzip && strcmp(z, "none"))
		tlog(TLOG_WARN,
		     "OTLP compression %s is not gzip or none; "
		     "sending uncompressed",
		     z);
}

void otlp_read_config(struct otlp_config *c)
{
	c->url = traces_url();
	c->service = service_name();
	c->queue = env_num("TRIAGE_OTLP_QUEUE", "OTEL_BSP_MAX_QUEUE_SIZE",
			   OTLP_QUEUE_DEFAULT, 2, 1 << 20);
	c->batch =
	    env_num("TRIAGE_OTLP_BATCH", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
		    OTLP_BATCH_DEFAULT, 1, 1 << 20);
	c->delay_ms = env_num("TRIAGE_OTLP_DELAY_MS", "OTEL_BSP_SCHEDULE_DELAY",
			      OTLP_DELAY_MS_DEFAULT, 1, 3600000);
	c->timeout_ms =
	    env_num("TRIAGE_OTLP_TIMEOUT_MS", "OTEL_EXPORTER_OTLP_TIMEOUT",
		    OTLP_TIMEOUT_MS_DEFAULT, 1, 3600000);
	c->retries =
	    env_num("TRIAGE_OTLP_RETRIES", NULL, OTLP_RETRIES_DEFAULT, 0, 100);
	c->exit_wait_ms = env_num("TRIAGE_OTLP_EXIT_WAIT_MS", NULL,
				  OTLP_EXIT_WAIT_MS_DEFAULT, 0, 3600000);
	read_request_config(c);
}

void otlp_config_override(struct otlp_config *c, const char *endpoint,
			  const char *service)
{
	char *v;

	if (endpoint) {
		v = *endpoint ? append_traces(endpoint) : NULL;
		if (*endpoint && !v)
			return; /* out of memory: keep what there was */
		free(c->url);
		c->url = v;
	}
	if (service && (v = strdup(service))) {
		free(c->service);
		c->service = v;
	}
}
