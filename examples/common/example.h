/*
 * example.h - the plumbing the scenes' services share, so that each
 * service's own files hold only its scene.
 */
#ifndef EXAMPLE_H
#define EXAMPLE_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

/* Parses a decimal in [min, max] into *out; 0, or -1 when `s` is NULL,
 * empty, not a number or out of range. */
int ex_parse_long(const char *s, long min, long max, long *out);

/* Takes SIGTERM and SIGINT from now on (and ignores SIGPIPE); 0 or -1. */
int ex_catch_stop(void);

/* Blocks until SIGTERM or SIGINT arrives. */
void ex_wait_for_stop(void);

/* Queues a reply of `body` (copied) with its Content-Type. */
enum MHD_Result ex_reply(struct MHD_Connection *c, unsigned status,
			 const char *type, const char *body);

/* The same with an Allow header listing `allow`, for a 405 (or none
 * when NULL). */
enum MHD_Result ex_reply_allow(struct MHD_Connection *c, unsigned status,
			       const char *type, const char *body,
			       const char *allow);

/* A request body gathered from libmicrohttpd's upload calls; NUL ended.
 * Beyond `max` bytes (or out of memory) it is marked too big and stops
 * growing. */
struct ex_body {
	char *data;
	size_t len;
	bool too_big;
};

void ex_body_append(struct ex_body *b, const char *data, size_t n, size_t max);
void ex_body_free(struct ex_body *b);

#endif
