/*
 * metrics_service - an instrumented service for the metrics end-to-end
 * tests: it links libtriage, registers every kind of metric (label
 * values with quotes, backslashes, newlines and UTF-8 among them),
 * serves its own HTTP API through the libmicrohttpd middleware, and
 * starts the agent, which serves /metrics.
 *
 *   metrics_service JOBS SECONDS
 *
 * counts JOBS in jobs_processed_total, prints "agent=<port> app=<port>"
 * once both listen, and exits after SECONDS. The API answers /ok (200),
 * /fail (500) and anything else 404.
 */
#include <microhttpd.h>

#include "triage.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(const char *what, int err)
{
	fprintf(stderr, "metrics_service: %s: %s (%s)\n", what,
		triage_strerror(err), triage_metric_error());
	exit(1);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *data,
				  size_t *size, void **con_cls)
{
	unsigned status = !strcmp(url, "/ok")	  ? 200
			  : !strcmp(url, "/fail") ? 500
						  : 404;
	struct MHD_Response *r;
	enum MHD_Result rc;

	/* The first call brings the headers only, as MHD does it. */
	if (!*con_cls) {
		*con_cls = (void *)1;
		return MHD_YES;
	}
	r = MHD_create_response_from_buffer(3, (void *)"ok\n",
					    MHD_RESPMEM_PERSISTENT);
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* Routes for the path label: ids would make a series per request. */
static const char *route(const char *url, void *cls)
{
	return !strncmp(url, "/items/", 7) ? "/items/:id" : url;
}

static void register_all(long jobs)
{
	static const char *const client_labels[] = {"client", "note", NULL};
	static const char *const odd[][3] = {
	    {"quote\"d", "back\\slash", NULL},
	    {"new\nline", "Z\xc3\xbcrich \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac",
	     NULL},
	    {"", "{}=,# \t", NULL},
	};
	struct triage_metric_counter *jobs_c, *clients;
	struct triage_metric_gauge *depth;
	struct triage_metric_histogram *dur, *bytes;
	double buckets[8];
	size_t i;
	int err;

	if ((err = triage_metric_counter_new(&jobs_c, "jobs_processed_total",
					     "Jobs done.\nBy all \\workers.",
					     NULL)))
		die("jobs_processed_total", err);
	for (i = 0; i < (size_t)jobs; i++)
		triage_metric_counter_inc(jobs_c);

	if ((err = triage_metric_counter_new(
		 &clients, "requests_by_client_total", "Requests by client.",
		 client_labels)))
		die("requests_by_client_total", err);
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
		triage_metric_counter_add(
		    triage_metric_counter_with(clients, odd[i]),
		    (double)i + 0.5);

	if ((err = triage_metric_gauge_new(&depth, "queue_depth",
					   "Jobs waiting.", NULL)))
		die("queue_depth", err);
	triage_metric_gauge_set(depth, 42.5);
	triage_metric_gauge_add(depth, -2);

	if ((err = triage_metric_histogram_new(
		 &dur, "job_duration_seconds", "How long jobs take.", NULL,
		 (const double[]){0.1, 0.5, 1}, 3)))
		die("job_duration_seconds", err);
	triage_metric_histogram_observe(dur, 0.05);
	triage_metric_histogram_observe(dur, 0.7);
	triage_metric_histogram_observe(dur, 3);

	triage_metric_exponential_buckets(64, 4, 8, buckets);
	if ((err = triage_metric_histogram_new(&bytes, "payload_bytes",
					       "Payload sizes.", client_labels,
					       buckets, 8)))
		die("payload_bytes", err);
	triage_metric_histogram_observe(
	    triage_metric_histogram_with(bytes, odd[0]), 100);
	triage_metric_histogram_observe(
	    triage_metric_histogram_with(bytes, odd[1]), 1e9);
}

int main(int argc, char **argv)
{
	static struct triage_metric_mhd mw = {.handler = on_request,
					      .path_label = route};
	struct triage_options o;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *di;
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: metrics_service JOBS SECONDS\n");
		return 2;
	}
	register_all(atol(argv[1]));
	d = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
	    NULL, NULL, triage_metric_mhd_access, &mw,
	    MHD_OPTION_NOTIFY_COMPLETED, triage_metric_mhd_completed, &mw,
	    MHD_OPTION_SOCK_ADDR,
	    &(struct sockaddr_in){.sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)},
	    MHD_OPTION_END);
	di = d ? MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT) : NULL;
	if (!di)
		die("the service's HTTP server", TRIAGE_EHTTP);
	if ((err = triage_options_from_env(&o)) || (err = triage_start(&o)))
		die("triage_start", err);
	printf("agent=%d app=%u\n", triage_tcp_port(), di->port);
	fflush(stdout);
	sleep((unsigned)atoi(argv[2]));
	triage_stop();
	MHD_stop_daemon(d);
	return 0;
}
