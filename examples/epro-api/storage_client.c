/*
 * storage_client.c - epro-api's one call to data-storage, over libcurl.
 *
 * The call is a CLIENT span: triage_span_to_curl() adds its traceparent
 * to the request, so data-storage's lines carry the same trace ID, and
 * data-storage's span is this span's child. A failed call marks the span
 * failed, so its "span end" line is an error.
 */
#include "epro_api.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <triage.h>

#define ANSWER_MAX 4096

struct answer {
	char text[ANSWER_MAX];
	size_t len;
};

static size_t keep_answer(char *data, size_t size, size_t n, void *ctx)
{
	struct answer *a = ctx;
	size_t room = sizeof(a->text) - 1 - a->len, take = size * n;

	if (take > room)
		take = room;
	memcpy(a->text + a->len, data, take);
	a->len += take;
	a->text[a->len] = '\0';
	return size * n;
}

/* The "error" of data-storage's JSON answer, or the status alone. */
static void failure_reason(const struct answer *a, long status, char *why,
			   size_t cap)
{
	cJSON *doc = cJSON_ParseWithLength(a->text, a->len);
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(doc, "error");

	if (cJSON_IsString(err))
		snprintf(why, cap, "data-storage answered %ld: %s", status,
			 err->valuestring);
	else
		snprintf(why, cap, "data-storage answered %ld", status);
	cJSON_Delete(doc);
}

/* Runs the transfer; returns the status or -1 (reason in why). */
static long transfer(CURL *curl, const char *url, const char *body, size_t len,
		     struct curl_slist *headers, struct answer *a, char *why,
		     size_t cap)
{
	CURLcode res;
	long status = -1;

	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep_answer);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	res = curl_easy_perform(curl);
	if (res != CURLE_OK) {
		snprintf(why, cap, "data-storage unreachable: %s",
			 curl_easy_strerror(res));
		return -1;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 400)
		failure_reason(a, status, why, cap);
	return status;
}

long storage_post(const struct epro_config *cfg, const char *body, size_t len,
		  char *why, size_t cap)
{
	struct curl_slist *headers =
	    curl_slist_append(NULL, "Content-Type: application/json");
	struct triage_span *span =
	    triage_span_to_curl(&headers, "POST data-storage /reports");
	CURL *curl = curl_easy_init();
	struct answer a = {.len = 0};
	char url[512];
	long status = -1;

	*why = '\0';
	snprintf(url, sizeof(url), "%s/reports", cfg->storage);
	triage_log_kv(TRIAGE_LOG_INFO, TRIAGE_FIELDS(TRIAGE_STR("url", url)),
		      "calling data-storage");
	if (!curl || !headers)
		snprintf(why, cap, "out of memory for the call");
	else
		status = transfer(curl, url, body, len, headers, &a, why, cap);
	if ((status < 200 || status >= 300) && !*why)
		snprintf(why, cap, "data-storage answered %ld", status);
	triage_span_attr_int(span, "http.status_code", status);
	if (status < 200 || status >= 300)
		triage_span_set_error(span, why);
	triage_span_end(span);
	curl_easy_cleanup(curl);
	curl_slist_free_all(headers);
	return status;
}
