/*
 * http.c - the routes of the emr-cache service:
 *
 *   GET /cache/emr?id=ID  loads patient ID's record into the cache;
 *                         answers {"id", "cached": true, "bytes"}
 *   GET /cache/stats      {"records", "bytes"}: what the cache holds
 *   GET /healthz          "ok"
 *
 * Errors are JSON {"error": "..."} with a 4xx or 5xx status.
 */
#include "emr_cache.h"
#include "example.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define ID_MAX 64

static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status,
				   const char *msg)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"error\":\"%s\"}", msg);
	return ex_reply(c, status, "application/json", body);
}

/* A patient id: 1 to 64 letters, digits, '-' or '_'. */
static bool valid_id(const char *id)
{
	size_t i, n = id ? strlen(id) : 0;

	if (n == 0 || n > ID_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && id[i] != '-' &&
		    id[i] != '_')
			return false;
	return true;
}

static enum MHD_Result get_record(struct MHD_Connection *c)
{
	const char *id =
	    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "id");
	char body[160];

	if (!valid_id(id))
		return reply_error(c, 400,
				   "id must be 1 to 64 letters, digits, "
				   "'-' or '_'");
	if (emr_cache_load(id) < 0)
		return reply_error(c, 503, "could not load the record");
	snprintf(body, sizeof(body),
		 "{\"id\":\"%s\",\"cached\":true,\"bytes\":%u}", id,
		 EMR_RECORD_BYTES);
	return ex_reply(c, 200, "application/json", body);
}

static enum MHD_Result get_stats(struct MHD_Connection *c)
{
	size_t records, bytes;
	char body[96];

	emr_cache_stats(&records, &bytes);
	snprintf(body, sizeof(body), "{\"records\":%zu,\"bytes\":%zu}", records,
		 bytes);
	return ex_reply(c, 200, "application/json", body);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_len, void **state)
{
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply_error(c, 405, "use GET");
	if (!strcmp(url, "/healthz"))
		return ex_reply(c, 200, "text/plain", "ok\n");
	if (!strcmp(url, "/cache/emr"))
		return get_record(c);
	if (!strcmp(url, "/cache/stats"))
		return get_stats(c);
	return reply_error(c, 404,
			   "no such route; try GET /cache/emr?id=ID, "
			   "/cache/stats or /healthz");
}

struct MHD_Daemon *emr_http_start(unsigned port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};

	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG,
	    (uint16_t)port, NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR,
	    &sin, MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_END);
}
