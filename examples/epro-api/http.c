/*
 * http.c - the routes of epro-api, where patients submit reports:
 *
 *   POST /report  {"patientId": "...", "score": N, ...}: stores the
 *                 report in data-storage and answers 201
 *                 {"status": "stored", "requestId": ID}; when the
 *                 storage fails, 502 {"error": "...", "requestId": ID}
 *   GET  /healthz "ok"
 *
 * The requestId is the request's trace ID: what a patient (or support)
 * reads from an error is what `triage logs --trace` takes. epro-api
 * checks only the shape of a report; data-storage checks its values
 * (and fails on some, see examples/data-storage/storage.c).
 */
#include "epro_api.h"
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

/* Answers {"<key>": text, "requestId": id}. */
static enum MHD_Result answer(struct MHD_Connection *c, unsigned status,
			      const char *key, const char *text,
			      const char *request_id)
{
	cJSON *obj = cJSON_CreateObject();
	char *out = NULL;
	enum MHD_Result rc;

	if (obj && cJSON_AddStringToObject(obj, key, text) &&
	    cJSON_AddStringToObject(obj, "requestId", request_id))
		out = cJSON_PrintUnformatted(obj);
	cJSON_Delete(obj);
	if (!out)
		return ex_reply(c, 500, "application/json",
				"{\"error\":\"out of memory\"}");
	rc = ex_reply(c, status, "application/json", out);
	cJSON_free(out);
	return rc;
}

/* The span's trace ID in hex: the request ID shown to the patient. */
static void request_id(const struct triage_span *span, char out[33])
{
	struct triage_span_context ctx;
	int i;

	out[0] = '\0';
	if (triage_span_context(span, &ctx))
		return;
	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", ctx.trace_id[i]);
}

/* A report has a string patientId and a numeric score; its values are
 * data-storage's business. */
static bool well_formed(const cJSON *doc)
{
	return cJSON_IsObject(doc) &&
	       cJSON_IsString(
		   cJSON_GetObjectItemCaseSensitive(doc, "patientId")) &&
	       cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(doc, "score"));
}

/* Stores the report through data-storage and answers the patient. */
static enum MHD_Result submit(struct MHD_Connection *c, struct epro_config *cfg,
			      const struct ex_body *req, const cJSON *doc,
			      struct triage_span *span, const char *id)
{
	const cJSON *patient =
	    cJSON_GetObjectItemCaseSensitive(doc, "patientId");
	char why[300];
	long status;

	triage_log_kv(
	    TRIAGE_LOG_INFO,
	    TRIAGE_FIELDS(TRIAGE_STR("patientId", patient->valuestring)),
	    "report received");
	status = storage_post(cfg, req->data, req->len, why, sizeof(why));
	if (status >= 200 && status < 300) {
		triage_info("report stored");
		return answer(c, 201, "status", "stored", id);
	}
	triage_span_set_error(span, why);
	triage_log_kv(TRIAGE_LOG_ERROR,
		      TRIAGE_FIELDS(TRIAGE_INT("storageStatus", status)),
		      "report not stored: %s", why);
	return answer(c, 502, "error",
		      "the report could not be stored; quote the requestId "
		      "to support",
		      id);
}

/* POST /report once its body has arrived: one SERVER span around it. */
static enum MHD_Result post_report(struct MHD_Connection *c,
				   struct epro_config *cfg,
				   const struct ex_body *req)
{
	struct triage_span *span = triage_span_from_mhd(c, "POST /report");
	cJSON *doc = NULL;
	enum MHD_Result rc;
	char id[33];

	request_id(span, id);
	if (!req->too_big)
		doc =
		    cJSON_ParseWithLength(req->data ? req->data : "", req->len);
	if (well_formed(doc)) {
		rc = submit(c, cfg, req, doc, span, id);
	} else {
		triage_warn("malformed report refused");
		rc = answer(c, 400, "error",
			    "a report is a JSON object with patientId "
			    "(string) and score (number)",
			    id);
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
	if (strcmp(url, "/report"))
		return ex_reply(
		    c, 404, "application/json",
		    "{\"error\":\"no such route; try POST /report\"}");
	if (strcmp(method, "POST"))
		return ex_reply(c, 405, "application/json",
				"{\"error\":\"use POST\"}");
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

struct MHD_Daemon *epro_http_start(struct epro_config *cfg, unsigned port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};

	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
		MHD_USE_ERROR_LOG,
	    (uint16_t)port, NULL, NULL, handle, cfg, MHD_OPTION_SOCK_ADDR, &sin,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, cfg,
	    MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
}
