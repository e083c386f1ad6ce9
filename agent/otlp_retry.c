/*
 * otlp_retry.c - when to send a failed batch again: OTLP's retryable
 * statuses, the receiver's Retry-After, exponential backoff with jitter.
 */
#include "otlp_exporter.h"

#include <curl/curl.h>
#include <string.h>

bool otlp_retryable_status(long status)
{
	return status == 429 || status == 502 || status == 503 || status == 504;
}

long otlp_backoff_ms(int attempt, double rnd)
{
	long base = 1000;

	if (attempt > 5)
		attempt = 5;
	base <<= attempt;
	return (long)((double)base * (0.8 + 0.4 * rnd));
}

int otlp_retry_after(const char *value, size_t len, time_t now, long *ms)
{
	char buf[64];
	size_t i;
	time_t when;
	long s = 0;

	while (len && (*value == ' ' || *value == '\t')) {
		value++;
		len--;
	}
	while (len && (value[len - 1] == ' ' || value[len - 1] == '\t' ||
		       value[len - 1] == '\r' || value[len - 1] == '\n'))
		len--;
	if (len == 0 || len >= sizeof(buf))
		return TRIAGE_EFORMAT;

	/* delta-seconds: digits only. */
	for (i = 0; i < len && value[i] >= '0' && value[i] <= '9'; i++)
		if (s < OTLP_RETRY_AFTER_MAX_MS / 1000)
			s = s * 10 + (value[i] - '0');
	if (i == len) {
		*ms = s * 1000 < OTLP_RETRY_AFTER_MAX_MS
			  ? s * 1000
			  : OTLP_RETRY_AFTER_MAX_MS;
		return 0;
	}

	/* Else an HTTP-date, which libcurl knows how to read. */
	memcpy(buf, value, len);
	buf[len] = '\0';
	when = curl_getdate(buf, NULL);
	if (when == (time_t)-1)
		return TRIAGE_EFORMAT;
	if (when <= now)
		*ms = 0;
	else if (when - now >= OTLP_RETRY_AFTER_MAX_MS / 1000)
		*ms = OTLP_RETRY_AFTER_MAX_MS;
	else
		*ms = (long)(when - now) * 1000;
	return 0;
}
