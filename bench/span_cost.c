/*
 * span_cost - what starting and ending a span costs, against two anchors
 * measured in the same run: a pair of clock_gettime(CLOCK_REALTIME)
 * calls (a span reads the clock twice) and a pair of calls to an empty
 * function that the compiler cannot inline.
 *
 * Each round times a batch of each, alternating anchor and span; the
 * figures are medians over the rounds, in ns per operation, with the
 * span's ratio to each anchor. With "export", the spans are sampled and
 * go to an OTLP receiver that this program serves itself (libmicrohttpd
 * answering 200), so the exporter thread encodes and sends while the
 * spans are made, as in a service; the queue holds a whole round, which
 * is flushed (untimed) before the next, so no span is dropped and the
 * figure is the cost of a span that is exported. Without, no endpoint is
 * set and ended spans are freed at once.
 *
 * usage: span_cost [ROUNDS [N]] [export]
 */
#include <microhttpd.h>

#include "triage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

__attribute__((noinline)) static void empty(void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

static double clock_pairs(long n)
{
	struct timespec a, b;
	double t0 = now_ns();
	long i;

	for (i = 0; i < n; i++) {
		clock_gettime(CLOCK_REALTIME, &a);
		clock_gettime(CLOCK_REALTIME, &b);
		__asm__ volatile("" : : "r"(&a), "r"(&b) : "memory");
	}
	return (now_ns() - t0) / n;
}

static double empty_pairs(long n)
{
	double t0 = now_ns();
	long i;

	for (i = 0; i < n; i++) {
		empty(&i);
		empty(&i);
	}
	return (now_ns() - t0) / n;
}

static double spans(long n, int attrs)
{
	double t0 = now_ns();
	long i;

	for (i = 0; i < n; i++) {
		struct triage_span *s =
		    triage_span_start("GET /patients/:id", TRIAGE_SPAN_SERVER,
				      NULL);

		if (attrs) {
			triage_span_attr_str(s, "http.route", "/patients/:id");
			triage_span_attr_int(s, "http.response.status_code",
					     200);
		}
		triage_span_end(s);
	}
	return (now_ns() - t0) / n;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp);
	return v[n / 2];
}

/* The receiver: every POST answered 200 with an empty body. */
static enum MHD_Result sink(void *cls, struct MHD_Connection *c,
			    const char *url, const char *method,
			    const char *version, const char *data, size_t *size,
			    void **con_cls)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (!*con_cls) {
		*con_cls = c;
		return MHD_YES;
	}
	if (*size) {
		*size = 0;
		return MHD_YES;
	}
	r = MHD_create_response_from_buffer(0, (void *)"",
					    MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static struct MHD_Daemon *start_sink(long queue)
{
	struct MHD_Daemon *d = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, sink, NULL,
	    MHD_OPTION_END);
	char url[64];

	if (!d)
		return NULL;
	snprintf(url, sizeof(url), "http://127.0.0.1:%u",
		 MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port);
	setenv("TRIAGE_OTLP_ENDPOINT", url, 1);
	snprintf(url, sizeof(url), "%ld", queue);
	setenv("TRIAGE_OTLP_QUEUE", url, 1);
	return d;
}

/* The exporter's counters, from /metrics' text. */
static void print_counts(void)
{
	static const char *const names[] = {"triage_spans_exported_total",
					    "triage_spans_dropped_total"};
	char *text, *p;
	size_t len, i;

	if (triage_metric_expose(TRIAGE_METRIC_TEXT, &text, &len))
		return;
	for (i = 0; i < 2; i++) {
		p = strstr(text, names[i]);
		while (p && p != text && p[-1] != '\n')
			p = strstr(p + 1, names[i]);
		printf("  %-34s %8.0f\n", names[i],
		       p ? strtod(p + strlen(names[i]), NULL) : 0.0);
	}
	free(text);
}

static void report(const char *what, double v, double clk, double call)
{
	printf("  %-34s %8.1f ns   x%5.2f clock pair   x%6.1f call pair\n",
	       what, v, v / clk, v / call);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 21;
	long n = argc > 2 ? atol(argv[2]) : 200000;
	int export = argc > 3 && !strcmp(argv[3], "export");
	double *clk, *call, *sp, *spa;
	struct MHD_Daemon *d = NULL;
	int r;

	if (rounds < 1 || n < 1) {
		fprintf(stderr, "usage: span_cost [ROUNDS [N]] [export]\n");
		return 2;
	}
	unsetenv("TRIAGE_OTLP_ENDPOINT");
	unsetenv("OTEL_EXPORTER_OTLP_ENDPOINT");
	unsetenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
	if (export && !(d = start_sink(2 * n + 1024))) {
		fprintf(stderr, "span_cost: no receiver\n");
		return 1;
	}
	clk = calloc(rounds, sizeof(*clk));
	call = calloc(rounds, sizeof(*call));
	sp = calloc(rounds, sizeof(*sp));
	spa = calloc(rounds, sizeof(*spa));
	spans(n / 10, 1); /* warm up: the first span sets the exporter up */
	for (r = 0; r < rounds; r++) {
		clk[r] = clock_pairs(n);
		sp[r] = spans(n, 0);
		call[r] = empty_pairs(n);
		spa[r] = spans(n, 1);
		if (export)
			triage_stop(); /* untimed: sends the round's spans */
	}
	printf("span start+end, %s; medians of %d rounds of %ld\n",
	       export ? "exported to a local OTLP receiver"
		      : "no exporter (spans freed at end)",
	       rounds, n);
	printf("  %-34s %8.1f ns\n", "anchor: clock_gettime pair",
	       median(clk, rounds));
	printf("  %-34s %8.1f ns\n", "anchor: empty call pair",
	       median(call, rounds));
	report("span start+end", median(sp, rounds), median(clk, rounds),
	       median(call, rounds));
	report("span start+end, 2 attributes", median(spa, rounds),
	       median(clk, rounds), median(call, rounds));
	if (d) {
		print_counts();
		MHD_stop_daemon(d);
	}
	return 0;
}
