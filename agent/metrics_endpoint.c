/*
 * metrics_endpoint.c - /metrics on the agent's HTTP server: every
 * registered metric, the process's and the agent's own, in the format
 * the scraper's Accept header asks for (text 0.0.4 unless it asks for
 * OpenMetrics). It takes no parameters.
 */
#include <microhttpd.h>

#include "metrics.h"

#include "http_server.h"

#include <stdlib.h>

static void h_metrics(const struct http_req *req, struct http_resp *resp)
{
	const char *accept = MHD_lookup_connection_value(
	    req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	const char *type;
	enum triage_metric_format fmt = metrics_negotiate(accept, &type);
	char *text;
	size_t len;
	int err = triage_metric_expose(fmt, &text, &len);

	if (err) {
		http_error(resp, 500, "metrics: %s", triage_strerror(err));
		return;
	}
	resp->content_type = type;
	resp->body = text;
	resp->len = len;
}

static const struct http_route routes[] = {
    {"/metrics", false, h_metrics},
};

const struct http_route *metrics_routes(size_t *n)
{
	*n = sizeof(routes) / sizeof(routes[0]);
	return routes;
}
