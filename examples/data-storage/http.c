/*
 * http.c - the routes of data-storage:
 *
 *   POST /reports  {"patientId": "...", "score": N}: stores the report
 *                  and answers 201 {"report": N}; 500 with a JSON error
 *                  when the storage fails (see storage.c)
 *   GET  /healthz  "ok"
 *
 * Each request is a SERVER span continuing the caller's traceparent, so
 * its log lines carry the caller's trace ID.
 */
#include "data_storage.h"
#include "example.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <triage.h>

#define BODY_MAX (64 * 1024)

/* Answers {"<key>": value} with a string or a number. */
static enum MHD_Result reply_field(struct MHD_Connection *c, unsigned status,
				   const char *key, const char *s, double num)
{
	cJSON *obj = cJSON_CreateObject();
	char *text = NULL;
	enum MHD_Result rc;

	if (obj && (s ? cJSON_AddStringToObject(obj, key, s)
		      : cJSON_AddNumberToObject(obj, key, num)))
		text = cJSON_PrintUnformatted(obj);
	cJSON_Delete(obj);
	if (!text)
		return ex_reply(c, 500, "application/json",
				"{\"error\":\"out of memory\"}");
	rc = ex_reply(c, status, "application/json", text);
	cJSON_free(text);
	return rc;
}

/* Stores the report in `doc` and answers; inside the request's span. */
static enum MHD_Result store(struct MHD_Connection *c, struct storage *st,
			     const cJSON *doc, struct triage_span *span)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(doc, "patientId");
	const cJSON *score = cJSON_GetObjectItemCaseSensitive(doc, "score");
	char why[160];
	long n;

	if (!cJSON_IsString(id) || !cJSON_IsNumber(score)) {
		triage_span_set_error(span, "malformed report");
		triage_warn("malformed report: patientId or score missing");
		return reply_field(c, 400, "error",
				   "patientId (string) and score (number) "
				   "are required",
				   0);
	}
	triage_log_kv(TRIAGE_LOG_INFO,
		      TRIAGE_FIELDS(TRIAGE_STR("patientId", id->valuestring),
				    TRIAGE_INT("score", score->valueint)),
		      "store request");
	n = storage_put(st, id->valuestring, (long)score->valuedouble, why,
			sizeof(why));
	if (n < 0) {
		triage_span_set_error(span, why);
		triage_log_kv(TRIAGE_LOG_ERROR,
			      TRIAGE_FIELDS(TRIAGE_INT("status", 500)),
			      "answering 500: %s", why);
		return reply_field(c, 500, "error", why, 0);
	}
	triage_log_kv(TRIAGE_LOG_INFO, TRIAGE_FIELDS(TRIAGE_INT("report", n)),
		      "report stored");
	return reply_field(c, 201, "report", NULL, (double)n);
}

/* POST /reports once its body has arrived: one SERVER span around it. */
static enum MHD_Result post_report(struct MHD_Connection *c, struct storage *st,
				   const struct ex_body *req)
{
	struct triage_span *span = triage_span_from_mhd(c, "POST /reports");
	cJSON *doc = NULL;
	enum MHD_Result rc;

	if (req->too_big) {
		triage_span_set_error(span, "body too large");
		rc = reply_field(c, 413, "error", "body is larger than 64 KiB",
				 0);
	} else {
		doc =
		    cJSON_ParseWithLength(req->data ? req->data : "", req->len);
		rc = cJSON_IsObject(doc)
			 ? store(c, st, doc, span)
			 : reply_field(c, 400, "error",
				       "body is not a JSON object", 0);
	}
	cJSON_Delete(doc);
	triage_span_end(span);
	return rc;
}

static void completed(void *cls, struct MHD_Connection *c, void **state,
		      enum MHD_RequestTerminationCode why)
{
	struct ex_body *req = *state;

	if (req) {
		ex_body_free(req);
		free(req);
		*state = NULL;
	}
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_len, void **state)
{
	struct ex_body *req = *state;

	if (!strcmp(url, "/healthz"))
		return ex_reply(c, 200, "text/plain", "ok\n");
	if (strcmp(url, "/reports"))
		return reply_field(c, 404, "error",
				   "no such route; try POST /reports", 0);
	if (strcmp(method, "POST"))
		return reply_field(c, 405, "error", "use POST", 0);
	if (!req) {
		*state = calloc(1, sizeof(struct ex_body));
		return *state ? MHD_YES : MHD_NO;
	}
	if (*upload_len) {
		ex_body_append(req, upload, *upload_len, BODY_MAX);
		*upload_len = 0;
		return MHD_YES;
	}
	return post_report(c, cls, req);
}

struct MHD_Daemon *storage_http_start(struct storage *st, unsigned port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};

	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
		MHD_USE_ERROR_LOG,
	    (uint16_t)port, NULL, NULL, handle, st, MHD_OPTION_SOCK_ADDR, &sin,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, st,
	    MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
}
