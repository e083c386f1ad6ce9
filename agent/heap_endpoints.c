/*
 * heap_endpoints.c - the handlers of /debug/pprof/heap and /allocs.
 *
 * Both serve the same data, as in Go; only the default sample type
 * differs (inuse_space for heap, alloc_space for allocs). Parameters:
 * debug (0 proto, >= 1 text), gc (accepted and ignored: there is no
 * collector to run, the profile is always current) and seconds (a
 * delta profile over that many seconds, proto only). Unlike Go, a
 * malformed value is an error, not a silent 0.
 */
#include "heap_endpoints.h"

#include "heap_profile.h"
#include "heap_table.h"
#include "options.h"
#include "pprof_endpoints.h"
#include "triage.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads an optional integer parameter in [min, max]; false after a 400. */
static bool param(const struct http_req *req, struct http_resp *resp,
		  const char *name, long min, long max, const char *what,
		  long *value)
{
	const char *s = http_query(req, name);

	if (!s || opt_parse_int(s, min, max, value) == 0)
		return true;
	http_error(resp, 400, "invalid value for \"%s\" - must be %s", name,
		   what);
	return false;
}

static void send_proto(struct http_resp *resp, struct tprof *p,
		       const char *filename)
{
	uint8_t *buf;
	size_t len;
	int err = tprof_encode(p, &buf, &len);

	if (err) {
		http_error(resp, 500, "could not encode the heap profile: %s",
			   triage_strerror(err));
		return;
	}
	resp->content_type = "application/octet-stream";
	resp->filename = filename;
	resp->body = (char *)buf;
	resp->len = len;
}

static void send_current(struct http_resp *resp, const char *name,
			 const char *default_type, long debug)
{
	struct heap_snapshot s;
	struct tprof *p = NULL;
	char *text = NULL;
	size_t len = 0;
	int err = heap_snapshot_take(&s);

	if (!err && debug)
		err = heap_profile_text(&s, &text, &len);
	else if (!err)
		err = heap_profile_proto(&s, default_type, 0, &p);
	heap_snapshot_free(&s);
	if (err) {
		http_error(resp, 500, "could not build the %s profile: %s",
			   name, triage_strerror(err));
		return;
	}
	if (debug) {
		resp->content_type = "text/plain; charset=utf-8";
		resp->body = text;
		resp->len = len;
		return;
	}
	send_proto(resp, p, name);
	tprof_free(p);
}

/* The two views of the same data. */
struct view {
	const char *name;
	const char *delta_name; /* the file name of a delta profile */
	const char *default_type;
};

static const struct view heap_view = {"heap", "heap-delta", NULL};
static const struct view allocs_view = {"allocs", "allocs-delta",
					"alloc_space"};

/* Go's delta profile: what changed over `seconds`. */
static void send_delta(const struct http_req *req, struct http_resp *resp,
		       const struct view *v, long seconds)
{
	struct heap_snapshot s0, s1;
	struct tprof *p = NULL;
	int err;

	if (heap_snapshot_take(&s0)) {
		http_error(resp, 500, "failed to collect profile");
		return;
	}
	if (!pprof_wait_seconds(req, seconds)) {
		heap_snapshot_free(&s0);
		http_error(resp, 500, "profile cancelled");
		return;
	}
	err = heap_snapshot_take(&s1);
	if (!err) {
		heap_snapshot_subtract(&s1, &s0);
		err = heap_profile_proto(&s1, v->default_type,
					 s1.mono_ns - s0.mono_ns, &p);
	}
	heap_snapshot_free(&s0);
	heap_snapshot_free(&s1);
	if (err) {
		http_error(resp, 500, "failed to compute delta");
		return;
	}
	send_proto(resp, p, v->delta_name);
	tprof_free(p);
}

static void serve(const struct http_req *req, struct http_resp *resp,
		  const struct view *v)
{
	long debug = 0, gc = 0, seconds = 0;

	if (!param(req, resp, "debug", 0, INT_MAX, "a non-negative integer",
		   &debug) ||
	    !param(req, resp, "gc", 0, INT_MAX, "a non-negative integer",
		   &gc) ||
	    !param(req, resp, "seconds", 1, TRIAGE_PROFILE_SECONDS_MAX,
		   "a positive integer not above 3600", &seconds))
		return;
	if (!http_query(req, "seconds")) {
		send_current(resp, v->name, v->default_type, debug);
		return;
	}
	if (debug) {
		http_error(resp, 400,
			   "seconds and debug params are "
			   "incompatible");
		return;
	}
	send_delta(req, resp, v, seconds);
}

static void h_heap(const struct http_req *req, struct http_resp *resp)
{
	serve(req, resp, &heap_view);
}

static void h_allocs(const struct http_req *req, struct http_resp *resp)
{
	serve(req, resp, &allocs_view);
}

static const struct http_route routes[] = {
    {"/debug/pprof/heap", false, h_heap},
    {"/debug/pprof/allocs", false, h_allocs},
};

const struct http_route *heap_routes(size_t *n)
{
	*n = sizeof(routes) / sizeof(routes[0]);
	return routes;
}

long heap_index_count(void)
{
	struct heap_table_stats st;

	heap_table_stats(&st);
	return (long)st.live;
}
