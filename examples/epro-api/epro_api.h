/*
 * epro_api.h - what the parts of the epro-api service share.
 */
#ifndef EPRO_API_H
#define EPRO_API_H

#include <stddef.h>

struct epro_config {
	const char *storage; /* data-storage's base URL */
};

/*
 * POSTs a report (`body`, JSON) to data-storage's /reports, in a CLIENT
 * span that carries the trace to it. Returns the HTTP status, or -1 when
 * no answer came; the reason of a failure is in why[cap].
 */
long storage_post(const struct epro_config *cfg, const char *body, size_t len,
		  char *why, size_t cap);

/* Serves POST /report and GET /healthz on 127.0.0.1:port; NULL on error. */
struct MHD_Daemon *epro_http_start(struct epro_config *cfg, unsigned port);

#endif
