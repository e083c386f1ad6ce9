/*
 * http.c - replies and request bodies over libmicrohttpd (see
 * example.h).
 */
#include "example.h"

#include <stdlib.h>
#include <string.h>

enum MHD_Result ex_reply(struct MHD_Connection *c, unsigned status,
			 const char *type, const char *body)
{
	return ex_reply_allow(c, status, type, body, NULL);
}

enum MHD_Result ex_reply_allow(struct MHD_Connection *c, unsigned status,
			       const char *type, const char *body,
			       const char *allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	if (allow)
		MHD_add_response_header(r, "Allow", allow);
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

void ex_body_append(struct ex_body *b, const char *data, size_t n, size_t max)
{
	char *p;

	if (b->too_big || b->len + n > max) {
		b->too_big = true;
		return;
	}
	p = realloc(b->data, b->len + n + 1);
	if (!p) {
		b->too_big = true;
		return;
	}
	memcpy(p + b->len, data, n);
	p[b->len + n] = '\0';
	b->data = p;
	b->len += n;
}

void ex_body_free(struct ex_body *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
}
