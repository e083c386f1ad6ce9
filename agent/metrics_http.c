/*
 * metrics_http.c - the HTTP middleware: request counts and latencies of
 * the service's own HTTP server, by path and status.
 *
 * The generic pair (triage_metric_http_start/done) fits any server. The
 * libmicrohttpd wrapper sits between MHD and the service's handler: it
 * notes the time on a request's first call, hands the handler a
 * *con_cls of its own, and records when MHD reports the request done,
 * reading the status MHD queued. Children are found without a lock;
 * a flood of distinct paths (a scanner's 404s) stops making series at
 * HTTP_MAX_SERIES and is counted as path="other".
 */
#include <microhttpd.h>

#include "metrics.h"

#include "log.h"
#include "options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HTTP_MAX_SERIES 1000

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static struct metrics_series *requests, *durations;

static void init(void)
{
	static const char *const labels[] = {"path", "status", NULL};

	if (metrics_register(METRICS_COUNTER, "http_requests_total",
			     "HTTP requests answered, by path and status.",
			     labels, NULL, 0, false, &requests) ||
	    metrics_register(METRICS_HISTOGRAM, "http_request_duration_seconds",
			     "Time from a request's arrival to its answer, "
			     "in seconds, by path and status.",
			     labels, NULL, 0, false, &durations)) {
		tlog(TLOG_WARN, "HTTP metrics off: %s", triage_metric_error());
		requests = durations = NULL;
	}
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

TRIAGE_API uint64_t triage_metric_http_start(void)
{
	return now_ns();
}

/* The child for path and status, or for path "other" past the cap. */
static struct metrics_series *child(struct metrics_series *fam,
				    const char *path, const char *status)
{
	const char *v[] = {path, status, NULL};
	struct metrics_series *s = metrics_child(fam, v, HTTP_MAX_SERIES);

	if (!s) {
		v[0] = "other";
		s = metrics_child(fam, v, 0);
	}
	return s;
}

TRIAGE_API void triage_metric_http_done(uint64_t start, const char *path,
					int status)
{
	uint64_t end = now_ns();
	struct metrics_series *c, *d;
	char code[16];

	pthread_once(&init_once, init);
	if (!requests)
		return;
	snprintf(code, sizeof(code), "%d", status);
	c = child(requests, path ? path : "", code);
	d = child(durations, path ? path : "", code);
	if (c)
		triage_metric_counter_inc((struct triage_metric_counter *)c);
	if (d)
		triage_metric_histogram_observe(
		    (struct triage_metric_histogram *)d,
		    end > start ? (double)(end - start) / 1e9 : 0);
}

/* What the wrapper keeps per request; `user` is the handler's own
 * *con_cls. */
struct mhd_request {
	uint64_t start;
	void *user;
	char *path;
};

static char *path_of(const struct triage_metric_mhd *mw, const char *url)
{
	const char *p =
	    mw->path_label ? mw->path_label(url, mw->handler_cls) : url;

	return strdup(p ? p : "");
}

TRIAGE_API enum MHD_Result
triage_metric_mhd_access(void *cls, struct MHD_Connection *conn,
			 const char *url, const char *method,
			 const char *version, const char *upload_data,
			 size_t *upload_data_size, void **con_cls)
{
	const struct triage_metric_mhd *mw = cls;
	struct mhd_request *r = *con_cls;

	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r || !(r->path = path_of(mw, url))) {
			free(r);
			return MHD_NO;
		}
		r->start = now_ns();
		*con_cls = r;
	}
	return mw->handler(mw->handler_cls, conn, url, method, version,
			   upload_data, upload_data_size, &r->user);
}

TRIAGE_API void triage_metric_mhd_completed(void *cls,
					    struct MHD_Connection *conn,
					    void **con_cls,
					    enum MHD_RequestTerminationCode toe)
{
	const struct triage_metric_mhd *mw = cls;
	struct mhd_request *r = *con_cls;
	const union MHD_ConnectionInfo *ci;

	if (!r)
		return;
	if (mw->completed)
		mw->completed(mw->completed_cls, conn, &r->user, toe);
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_HTTP_STATUS);
	if (ci && ci->http_status)
		triage_metric_http_done(r->start, r->path,
					(int)ci->http_status);
	free(r->path);
	free(r);
	*con_cls = NULL;
}
