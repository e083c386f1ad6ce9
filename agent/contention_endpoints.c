/*
 * contention_endpoints.c - /debug/pprof/mutex and /debug/pprof/block.
 *
 * Go's parameters: debug=0 (the default) for gzipped profile.proto,
 * debug>0 for the legacy text, seconds=N for a delta profile (what
 * happened during the next N seconds; proto only). Go quietly reads a
 * malformed debug as 0; triage answers 400 with the reason instead, as
 * it does for seconds, so a typo is not mistaken for an empty profile.
 * A profile that is off answers like Go's: a valid profile with no
 * samples.
 */
#include "contention.h"

#include "contention_internal.h"
#include "options.h"
#include "triage.h"
#include "unwind.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * Waits out a delta profile, to the millisecond, looking every 100 ms
 * whether the client left or the agent stops (then false).
 */
static bool wait_seconds(const struct http_req *req, long seconds)
{
	int64_t end = mono_ns() + seconds * 1000000000LL, left;
	struct timespec step;

	for (;;) {
		if (http_client_gone(req) ||
		    __atomic_load_n(&cont_waits_cancelled, __ATOMIC_ACQUIRE))
			return false;
		left = end - mono_ns();
		if (left <= 0)
			return true;
		if (left > 100000000)
			left = 100000000;
		step.tv_sec = 0;
		step.tv_nsec = left;
		nanosleep(&step, NULL);
	}
}

static void send_proto(struct http_resp *resp, struct tprof *p,
		       const char *filename)
{
	uint8_t *buf;
	size_t len;
	int err = tprof_encode(p, &buf, &len);

	if (err) {
		http_error(resp, 500, "could not encode the profile: %s",
			   triage_strerror(err));
		return;
	}
	resp->content_type = "application/octet-stream";
	resp->filename = filename;
	resp->body = (char *)buf;
	resp->len = len;
}

/* The profile as it stands: proto, or text when `debug` > 0. */
static void serve_now(struct http_resp *resp, enum cont_kind k, long debug)
{
	struct cont_snapshot s;
	struct tprof *p;
	char *text;
	size_t len;
	int err = cont_snapshot_take(&cont.tables[k], &s);

	if (!err && debug > 0) {
		err = cont_profile_text(k, &s, &text, &len);
		if (!err) {
			resp->content_type = "text/plain; charset=utf-8";
			resp->body = text;
			resp->len = len;
		}
	} else if (!err) {
		err = cont_profile_build(k, &s, 0, &p);
		if (!err) {
			send_proto(resp, p, cont_kind_name(k));
			tprof_free(p);
		}
	}
	cont_snapshot_free(&s);
	if (err)
		http_error(resp, 500, "could not build the %s profile: %s",
			   cont_kind_name(k), triage_strerror(err));
}

/* What happened in the next `seconds`: p1 - p0, as Go computes it. */
static void serve_delta(const struct http_req *req, struct http_resp *resp,
			enum cont_kind k, long seconds)
{
	static const char *const names[] = {"mutex-delta", "block-delta"};
	struct cont_snapshot s0, s1;
	struct tprof *p;

	if (cont_snapshot_take(&cont.tables[k], &s0)) {
		http_error(resp, 500, "failed to collect profile");
		return;
	}
	if (!wait_seconds(req, seconds)) {
		cont_snapshot_free(&s0);
		http_error(resp, 500, "profile cancelled");
		return;
	}
	if (cont_snapshot_take(&cont.tables[k], &s1)) {
		cont_snapshot_free(&s0);
		http_error(resp, 500, "failed to collect profile");
		return;
	}
	cont_snapshot_sub(&s1, &s0);
	if (cont_profile_build(k, &s1, s1.mono_ns - s0.mono_ns, &p)) {
		http_error(resp, 500, "failed to compute delta");
	} else {
		send_proto(resp, p, names[k]);
		tprof_free(p);
	}
	cont_snapshot_free(&s0);
	cont_snapshot_free(&s1);
}

static void serve(const struct http_req *req, struct http_resp *resp,
		  enum cont_kind k)
{
	const char *sec = http_query(req, "seconds");
	const char *dbg = http_query(req, "debug");
	long seconds = 0, debug = 0;

	if (sec &&
	    opt_parse_int(sec, 1, TRIAGE_PROFILE_SECONDS_MAX, &seconds)) {
		http_error(resp, 400,
			   "invalid value for \"seconds\" - must be a positive "
			   "integer not above %d",
			   TRIAGE_PROFILE_SECONDS_MAX);
		return;
	}
	if (dbg && opt_parse_int(dbg, 0, INT_MAX, &debug)) {
		http_error(resp, 400,
			   "invalid value for \"debug\" - must be a "
			   "non-negative integer");
		return;
	}
	if (sec && debug != 0) {
		http_error(resp, 400,
			   "seconds and debug params are "
			   "incompatible");
		return;
	}
	/* Stacks through libraries loaded since the last look unwind
	 * fully from now on. */
	tunw_refresh_if_changed();
	if (sec)
		serve_delta(req, resp, k, seconds);
	else
		serve_now(resp, k, debug);
}

static void h_mutex(const struct http_req *req, struct http_resp *resp)
{
	serve(req, resp, CONT_MUTEX);
}

static void h_block(const struct http_req *req, struct http_resp *resp)
{
	serve(req, resp, CONT_BLOCK);
}

static const struct http_route routes[] = {
	{"/debug/pprof/mutex", false, h_mutex},
	{"/debug/pprof/block", false, h_block},
};

const struct http_route *contention_routes(size_t *n)
{
	*n = sizeof(routes) / sizeof(routes[0]);
	return routes;
}
