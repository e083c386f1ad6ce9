/*
 * http.c - the routes of the patient-import service:
 *
 *   POST /import/data  {"batchId": "..."}: scores a batch of records and
 *                      answers {"batchId", "recordsProcessed", "checksum"}
 *   GET  /healthz      "ok"
 *
 * Errors are JSON {"error": "..."} with a 4xx or 5xx status. Each
 * connection has its own thread, so /healthz answers while an import
 * keeps a core busy.
 */
#include "patient_import.h"
#include "example.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BODY_MAX (1024 * 1024)

/* Answers a JSON object; takes ownership of `obj`. */
static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status,
				  cJSON *obj)
{
	char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;
	enum MHD_Result rc;

	cJSON_Delete(obj);
	if (!text)
		return ex_reply_allow(c, 500, "application/json",
				      "{\"error\":\"out of memory\"}", NULL);
	rc = ex_reply_allow(c, status, "application/json", text, NULL);
	cJSON_free(text);
	return rc;
}

static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status,
				   const char *msg)
{
	cJSON *obj = cJSON_CreateObject();

	if (obj && !cJSON_AddStringToObject(obj, "error", msg)) {
		cJSON_Delete(obj);
		obj = NULL;
	}
	return reply_json(c, status, obj);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Scores the batch and answers; the CPU-heavy part of the service. */
static enum MHD_Result import_batch(struct MHD_Connection *c,
				    struct import_config *cfg,
				    const char *batch_id)
{
	struct patient_record *records =
	    malloc((size_t)cfg->work * sizeof(*records));
	struct timespec t0;
	double checksum;
	cJSON *obj;

	if (!records)
		return reply_error(c, 503, "out of memory for the batch");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	make_patient_records(batch_id, records, cfg->work);
	checksum = score_patient_records(records, cfg->work, &cfg->stop);
	free(records);
	if (checksum < 0)
		return reply_error(c, 503, "shutting down");
	fprintf(stderr, "patient-import: batch %s: %ld records in %.2f s\n",
		batch_id, cfg->work, seconds_since(&t0));

	obj = cJSON_CreateObject();
	if (obj && (!cJSON_AddStringToObject(obj, "batchId", batch_id) ||
		    !cJSON_AddNumberToObject(obj, "recordsProcessed",
					     (double)cfg->work) ||
		    !cJSON_AddNumberToObject(obj, "checksum", checksum))) {
		cJSON_Delete(obj);
		obj = NULL;
	}
	return reply_json(c, 200, obj);
}

/* POST /import/data once its whole body has arrived. */
static enum MHD_Result import_data(struct MHD_Connection *c,
				   struct import_config *cfg,
				   const struct ex_body *req)
{
	const cJSON *id;
	cJSON *doc;
	enum MHD_Result rc;

	if (req->too_big)
		return reply_error(c, 413, "body is larger than 1 MiB");
	doc = cJSON_ParseWithLength(req->data ? req->data : "", req->len);
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return reply_error(c, 400, "body is not a JSON object");
	}
	id = cJSON_GetObjectItemCaseSensitive(doc, "batchId");
	if (!cJSON_IsString(id) || !*id->valuestring)
		rc = reply_error(c, 400,
				 "batchId (a non-empty string) "
				 "is missing");
	else
		rc = import_batch(c, cfg, id->valuestring);
	cJSON_Delete(doc);
	return rc;
}

/* Counts an import from its first byte until its answer is sent. */
static void import_begin(struct import_config *cfg)
{
	pthread_mutex_lock(&cfg->lock);
	cfg->active++;
	pthread_mutex_unlock(&cfg->lock);
}

/* Called by the server once a request is answered (or dropped). */
static void completed(void *cls, struct MHD_Connection *c, void **state,
		      enum MHD_RequestTerminationCode why)
{
	struct import_config *cfg = cls;
	struct ex_body *req = *state;

	if (!req)
		return;
	ex_body_free(req);
	free(req);
	*state = NULL;
	pthread_mutex_lock(&cfg->lock);
	if (--cfg->active == 0)
		pthread_cond_broadcast(&cfg->idle);
	pthread_mutex_unlock(&cfg->lock);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_len, void **state)
{
	struct ex_body *req = *state;
	bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");

	if (!strcmp(url, "/healthz"))
		return get ? ex_reply_allow(c, 200, "text/plain", "ok\n", NULL)
			   : ex_reply_allow(c, 405, "text/plain", "use GET\n",
					    "GET, HEAD");
	if (strcmp(url, "/import/data"))
		return reply_error(c, 404,
				   "no such route; try POST "
				   "/import/data or GET /healthz");
	if (strcmp(method, "POST"))
		return ex_reply_allow(c, 405, "application/json",
				      "{\"error\":\"use POST\"}", "POST");

	if (!req) {
		*state = calloc(1, sizeof(struct ex_body));
		if (!*state)
			return MHD_NO;
		import_begin(cls);
		return MHD_YES;
	}
	if (*upload_len) {
		ex_body_append(req, upload, *upload_len, BODY_MAX);
		*upload_len = 0;
		return MHD_YES;
	}
	return import_data(c, cls, req);
}

struct MHD_Daemon *import_http_start(struct import_config *cfg, unsigned port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	pthread_condattr_t attr;

	pthread_mutex_init(&cfg->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&cfg->idle, &attr);
	pthread_condattr_destroy(&attr);

	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG,
	    (uint16_t)port, NULL, NULL, handle, cfg, MHD_OPTION_SOCK_ADDR, &sin,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, cfg,
	    MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_END);
}

void import_http_stop(struct MHD_Daemon *d, struct import_config *cfg)
{
	struct timespec deadline;
	int rc = 0;

	MHD_quiesce_daemon(d);
	atomic_store(&cfg->stop, true);

	/* Stopping the server closes every connection, so first let the
	 * cut imports send their 503. */
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += 5;
	pthread_mutex_lock(&cfg->lock);
	while (cfg->active > 0 && rc == 0)
		rc = pthread_cond_timedwait(&cfg->idle, &cfg->lock, &deadline);
	pthread_mutex_unlock(&cfg->lock);
	MHD_stop_daemon(d);
}
