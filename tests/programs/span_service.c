/*
 * span_service - makes spans that the OTLP tests check at a receiver.
 *
 *   span_service scene   two HTTP hops through libmicrohttpd and libcurl
 *                        (an incoming traceparent and two tracestate
 *                        headers), nested spans with attributes and an
 *                        error, a span handed to another thread, and an
 *                        unsampled one; prints each span as this
 *                        process knows it, one JSON object a line
 *   span_service burst N  N spans as fast as they come; prints how long
 *                        the slowest triage_span_end took, how long
 *                        triage_stop took, and the exporter's counters
 *   span_service fork    10 spans, a fork whose child makes 3 and exits,
 *                        then 2 more; prints both pids
 *   span_service options URL early|late
 *                        triage_start() with URL and service "from-options"
 *                        in its options, before any span (early) or after
 *                        2 spans went to the environment's endpoint (late);
 *                        then 3 spans
 *
 * Links libtriage; TRIAGE_OTLP_ENDPOINT names the receiver.
 */
#include <curl/curl.h>
#include <microhttpd.h>

#include "triage.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TRACEPARENT "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static int port;

static void hex(const uint8_t *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* One expected span. `attrs` is a JSON object's inside, "" for none. */
static void expect(const struct triage_span *s, const char *name, int kind,
		   const uint8_t *parent, int status, const char *message,
		   const char *attrs, const char *tracestate, int exported)
{
	struct triage_span_context c;
	char trace[33], span[17], par[17] = "";

	triage_span_context(s, &c);
	hex(c.trace_id, 16, trace);
	hex(c.span_id, 8, span);
	if (parent)
		hex(parent, 8, par);
	pthread_mutex_lock(&out_lock);
	printf("{\"name\":\"%s\",\"kind\":%d,\"trace\":\"%s\",\"span\":\"%s\","
	       "\"parent\":\"%s\",\"status\":%d,\"message\":\"%s\","
	       "\"attrs\":{%s},\"tracestate\":\"%s\",\"exported\":%s}\n",
	       name, kind, trace, span, par, status, message, attrs, tracestate,
	       exported ? "true" : "false");
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

/* The caller's span ID as the request's traceparent header says it. */
static int header_parent(struct MHD_Connection *conn, uint8_t out[8])
{
	const char *tp =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "traceparent");
	struct triage_span_context c;

	if (!tp || triage_traceparent_parse(tp, &c))
		return -1;
	memcpy(out, c.span_id, 8);
	return 0;
}

static size_t discard(char *p, size_t s, size_t n, void *arg)
{
	return s * n;
}

/* GET /back through libcurl, inside a client span. */
static void call_back(const struct triage_span_context *server)
{
	struct curl_slist *h = NULL;
	struct triage_span *cs = triage_span_to_curl(&h, "GET /back");
	CURL *c = curl_easy_init();
	char url[64];
	long code = 0;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/back", port);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	triage_span_attr_int(cs, "http.response.status_code", code);
	if (code >= 500)
		triage_span_set_error(cs, "HTTP 500");
	expect(cs, "GET /back", 3, server->span_id, 2, "HTTP 500",
	       "\"http.response.status_code\":\"500\"",
	       "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", 1);
	triage_span_end(cs);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
}

static void serve_front(struct MHD_Connection *conn)
{
	struct triage_span *srv = triage_span_from_mhd(conn, "GET /front");
	struct triage_span_context sc;
	struct triage_span *child;
	uint8_t parent[8];

	triage_span_context(srv, &sc);
	header_parent(conn, parent);

	child = triage_span_start("load patient", TRIAGE_SPAN_INTERNAL, NULL);
	triage_span_attr_str(child, "patient.id", "p-42");
	triage_span_attr_int(child, "rows", 3);
	triage_span_attr_double(child, "ratio", 0.5);
	triage_span_attr_bool(child, "cached", 1);
	expect(child, "load patient", 1, sc.span_id, 0, "",
	       "\"patient.id\":\"p-42\",\"rows\":\"3\",\"ratio\":\"0.5\","
	       "\"cached\":\"true\"",
	       "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", 1);
	triage_span_end(child);

	call_back(&sc);

	triage_span_set_error(srv, "backend said 500");
	expect(srv, "GET /front", 2, parent, 2, "backend said 500", "",
	       "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", 1);
	triage_span_end(srv);
}

static void serve_back(struct MHD_Connection *conn)
{
	struct triage_span *srv = triage_span_from_mhd(conn, "GET /back");
	uint8_t parent[8];

	header_parent(conn, parent);
	expect(srv, "GET /back", 2, parent, 0, "", "",
	       "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", 1);
	triage_span_end(srv);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *data,
				  size_t *size, void **con_cls)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	int status = 200;

	if (!*con_cls) {
		*con_cls = conn;
		return MHD_YES;
	}
	if (!strcmp(url, "/front")) {
		serve_front(conn);
	} else {
		serve_back(conn);
		status = 500;
	}
	r = MHD_create_response_from_buffer(2, (void *)"ok",
					    MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(conn, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

struct handoff {
	struct triage_span *batch;
};

static void *worker(void *arg)
{
	struct handoff *h = arg;
	struct triage_span_context saved, bc;
	struct triage_span *item;

	triage_span_attach(h->batch, &saved);
	triage_span_context(h->batch, &bc);
	item = triage_span_start("batch item", TRIAGE_SPAN_CONSUMER, NULL);
	expect(item, "batch item", 5, bc.span_id, 0, "", "", "", 1);
	triage_span_end(item);
	triage_span_detach(&saved);
	return NULL;
}

static int scene(void)
{
	struct MHD_Daemon *d;
	struct curl_slist *h = NULL;
	struct handoff ho;
	struct triage_span_context unsampled, bc;
	struct triage_span *s;
	pthread_t t;
	CURL *c;
	char url[64];

	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
				 MHD_USE_THREAD_PER_CONNECTION,
			     0, NULL, NULL, on_request, NULL, MHD_OPTION_END);
	if (!d)
		return 1;
	port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;

	/* An incoming request carrying a trace: two tracestate headers. */
	h = curl_slist_append(h, "traceparent: " TRACEPARENT);
	h = curl_slist_append(h, "tracestate: congo=t61rcWkgMzE");
	h = curl_slist_append(h, "TraceState: rojo=00f067aa0ba902b7");
	c = curl_easy_init();
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/front", port);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	if (curl_easy_perform(c) != CURLE_OK)
		return 1;
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	MHD_stop_daemon(d);

	/* A span handed to another thread. */
	ho.batch = triage_span_start("batch", TRIAGE_SPAN_PRODUCER, NULL);
	triage_span_context(ho.batch, &bc);
	pthread_create(&t, NULL, worker, &ho);
	pthread_join(t, NULL);
	expect(ho.batch, "batch", 4, NULL, 0, "", "", "", 1);
	triage_span_end(ho.batch);

	/* A caller that did not sample: the span is not exported. */
	triage_traceparent_parse(
	    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00",
	    &unsampled);
	s = triage_span_start("unsampled", TRIAGE_SPAN_SERVER, &unsampled);
	expect(s, "unsampled", 2, unsampled.span_id, 0, "", "", "", 0);
	triage_span_end(s);
	return triage_stop();
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* A counter's value in /metrics' text; 0 when it is not there. */
static double counter(const char *text, const char *name)
{
	const char *p = strstr(text, name);
	size_t n = strlen(name);

	while (p && (p != text && p[-1] != '\n'))
		p = strstr(p + 1, name);
	return p && p[n] == ' ' ? strtod(p + n + 1, NULL) : 0;
}

static int burst(long n)
{
	double worst = 0, t0, t, stop_ms;
	struct triage_span *s;
	char *text;
	size_t len;
	long i;

	for (i = 0; i < n; i++) {
		s = triage_span_start("burst", TRIAGE_SPAN_INTERNAL, NULL);
		t0 = now_us();
		triage_span_end(s);
		t = now_us() - t0;
		if (t > worst)
			worst = t;
	}
	t0 = now_us();
	triage_stop();
	stop_ms = (now_us() - t0) / 1e3;
	if (triage_metric_expose(TRIAGE_METRIC_TEXT, &text, &len))
		return 1;
	printf("{\"made\":%ld,\"max_end_us\":%.1f,\"stop_ms\":%.1f,"
	       "\"exported\":%.0f,\"dropped\":%.0f}\n",
	       n, worst, stop_ms, counter(text, "triage_spans_exported_total"),
	       counter(text, "triage_spans_dropped_total"));
	free(text);
	return 0;
}

static void make(const char *name, int n)
{
	while (n-- > 0)
		triage_span_end(triage_span_start(name, TRIAGE_SPAN_INTERNAL,
						  NULL));
}

/* The parent's queued spans must reach the receiver once, from the
 * parent; the child's from the child. */
static int fork_scene(void)
{
	int status;
	pid_t pid;

	make("parent before fork", 10);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		make("child", 3);
		exit(0); /* the exporter flushes at exit */
	}
	if (waitpid(pid, &status, 0) != pid || status != 0)
		return 1;
	make("parent after fork", 2);
	printf("{\"parent\":%d,\"child\":%d}\n", (int)getpid(), (int)pid);
	return triage_stop();
}

/* Options given to triage_start() win over the environment, whether
 * the exporter has started (late) or not (early). */
static int options_scene(const char *url, int late)
{
	struct triage_options o;
	int err;

	if (late)
		make("before start", 2);
	if (triage_options_from_env(&o))
		return 1;
	o.otlp_endpoint = url;
	o.service_name = "from-options";
	err = triage_start(&o);
	if (err) {
		fprintf(stderr, "triage_start: %s\n", triage_strerror(err));
		return 1;
	}
	make("after start", 3);
	return triage_stop();
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "scene"))
		return scene();
	if (argc == 4 && !strcmp(argv[1], "options"))
		return options_scene(argv[2], !strcmp(argv[3], "late"));
	if (argc == 2 && !strcmp(argv[1], "fork"))
		return fork_scene();
	if (argc == 3 && !strcmp(argv[1], "burst"))
		return burst(strtol(argv[2], NULL, 10));
	fprintf(stderr, "usage: span_service scene | burst N | fork | "
			"options URL early|late\n");
	return 2;
}
