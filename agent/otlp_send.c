/*
 * otlp_send.c - the HTTP side of the exporter: one libcurl handle kept
 * across requests (so the connection stays open), a POST of binary
 * protobuf, and what the answer says (status, Retry-After, partial
 * success).
 */
#include "otlp_send.h"

#include "otlp_encode.h"
#include "otlp_exporter.h"
#include "otlp_headers.h"
#include "triage.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Past this, the answer's body is not read: a partial success is tiny. */
#define MAX_ANSWER 65536

struct otlp_sender {
	CURL *curl;
	struct curl_slist *headers;
	char *url;
	bool gzip;
	bool (*stop)(void);
	char answer[MAX_ANSWER];
	size_t answer_len;
	long retry_after_ms;
};

/* Appends a line to s->headers; false (the list kept) when out of
 * memory. */
static bool add_header(struct otlp_sender *s, const char *line)
{
	struct curl_slist *l = curl_slist_append(s->headers, line);

	if (l)
		s->headers = l;
	return l != NULL;
}

struct otlp_sender *otlp_sender_new(const char *url,
				    const struct curl_slist *extra, bool gzip)
{
	struct otlp_sender *s = calloc(1, sizeof(*s));
	bool ok;

	if (!s)
		return NULL;
	s->url = strdup(url);
	s->curl = curl_easy_init();
	s->gzip = gzip;
	ok = s->url && s->curl &&
	     add_header(s, "Content-Type: application/x-protobuf") &&
	     /* No "Expect: 100-continue" round trip before each batch. */
	     add_header(s, "Expect:") &&
	     (!gzip || add_header(s, "Content-Encoding: gzip"));
	for (; ok && extra; extra = extra->next)
		ok = add_header(s, extra->data);
	if (!ok) {
		otlp_sender_free(s);
		return NULL;
	}
	return s;
}

void otlp_sender_abort_when(struct otlp_sender *s, bool (*stop)(void))
{
	s->stop = stop;
}

void otlp_sender_free(struct otlp_sender *s)
{
	if (!s)
		return;
	if (s->curl)
		curl_easy_cleanup(s->curl);
	curl_slist_free_all(s->headers);
	free(s->url);
	free(s);
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct otlp_sender *s = arg;
	size_t len = size * n, room = MAX_ANSWER - s->answer_len;

	memcpy(s->answer + s->answer_len, data, len < room ? len : room);
	s->answer_len += len < room ? len : room;
	return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	static const char name[] = "retry-after:";
	struct otlp_sender *s = arg;
	size_t len = size * n;
	long ms;

	if (len > sizeof(name) - 1 &&
	    !strncasecmp(data, name, sizeof(name) - 1) &&
	    otlp_retry_after(data + sizeof(name) - 1, len - (sizeof(name) - 1),
			     time(NULL), &ms) == 0)
		s->retry_after_ms = ms;
	return len;
}

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct otlp_sender *s = arg;

	return s->stop && s->stop() ? 1 : 0; /* non-zero aborts */
}

static void set_options(struct otlp_sender *s, const uint8_t *body, size_t len,
			long timeout_ms)
{
	CURL *c = s->curl;

	curl_easy_setopt(c, CURLOPT_URL, s->url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "triage/" TRIAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
			 timeout_ms > 0 ? timeout_ms : 1);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, s);
}

int otlp_send(struct otlp_sender *s, const uint8_t *body, size_t len,
	      long timeout_ms, struct otlp_result *r)
{
	CURLcode rc;

	uint8_t *packed = NULL;

	memset(r, 0, sizeof(*r));
	r->retry_after_ms = -1;
	s->answer_len = 0;
	s->retry_after_ms = -1;
	if (s->gzip) {
		if (otlp_gzip(body, len, &packed, &len)) {
			snprintf(r->error, sizeof(r->error), "%s",
				 triage_strerror(TRIAGE_ENOMEM));
			return TRIAGE_ENOMEM;
		}
		body = packed;
	}
	set_options(s, body, len, timeout_ms);
	rc = curl_easy_perform(s->curl);
	free(packed);
	if (rc != CURLE_OK) {
		snprintf(r->error, sizeof(r->error), "%s",
			 curl_easy_strerror(rc));
		return TRIAGE_EHTTP;
	}
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &r->status);
	r->retry_after_ms = s->retry_after_ms;
	if (r->status < 200 || r->status > 299) {
		snprintf(r->error, sizeof(r->error), "HTTP status %ld",
			 r->status);
		return TRIAGE_EHTTP;
	}

	/* A 2xx answer whose body is not a response still took the spans. */
	if (otlp_decode_response((const uint8_t *)s->answer, s->answer_len,
				 &r->rejected))
		r->rejected = 0;
	return 0;
}
