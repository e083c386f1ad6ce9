/*
 * span_cost - what starting and ending a span costs, against two anchors
 * measured in the same run: a pair of clock_gettime(CLOCK_REALTIME)
 * calls (a span reads the clock twice) and a pair of calls to an empty
 * function that the compiler cannot inline.
 *
 * Each round times a batch of each, alternating anchor and span, in the
 * calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so that other
 * threads taking the CPU do not count; the figures are medians over the
 * rounds, in ns per operation, with the span's ratio to each anchor.
 *
 * With "export", spans are sampled and go to an OTLP receiver that this
 * program serves itself (libmicrohttpd answering 200): the exporter
 * thread encodes and sends while spans are made, as in a service. The
 * queue holds a whole round and each round is waited for (untimed) until
 * it has been sent, so no span is dropped. The exporter thread's own CPU
 * time per span is reported too, read from /proc for triage-otlp.
 * Without "export" no endpoint is set and ended spans are freed at once.
 *
 * The logger is off (TRIAGE_LOG_LEVEL=off) but with "log", where each
 * span's end also writes its log line, to /dev/null.
 *
 * usage: span_cost [ROUNDS [N]] [export|log]
 */
#include <microhttpd.h>

#include "triage.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

__attribute__((noinline)) static void empty(void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

static double clock_pairs(long n)
{
	struct timespec a, b;
	double t0 = cpu_ns();
	long i;

	for (i = 0; i < n; i++) {
		clock_gettime(CLOCK_REALTIME, &a);
		clock_gettime(CLOCK_REALTIME, &b);
		__asm__ volatile("" : : "r"(&a), "r"(&b) : "memory");
	}
	return (cpu_ns() - t0) / n;
}

static double empty_pairs(long n)
{
	double t0 = cpu_ns();
	long i;

	for (i = 0; i < n; i++) {
		empty(&i);
		empty(&i);
	}
	return (cpu_ns() - t0) / n;
}

static double spans(long n, int attrs)
{
	double t0 = cpu_ns();
	long i;

	for (i = 0; i < n; i++) {
		struct triage_span *s = triage_span_start(
		    "GET /patients/:id", TRIAGE_SPAN_SERVER, NULL);

		if (attrs) {
			triage_span_attr_str(s, "http.route", "/patients/:id");
			triage_span_attr_int(s, "http.response.status_code",
					     200);
		}
		triage_span_end(s);
	}
	return (cpu_ns() - t0) / n;
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
	struct MHD_Daemon *d =
	    MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
			     sink, NULL, MHD_OPTION_END);
	char v[64];

	if (!d)
		return NULL;
	snprintf(v, sizeof(v), "http://127.0.0.1:%u",
		 MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port);
	setenv("TRIAGE_OTLP_ENDPOINT", v, 1);
	snprintf(v, sizeof(v), "%ld", queue);
	setenv("TRIAGE_OTLP_QUEUE", v, 1);
	setenv("TRIAGE_OTLP_DELAY_MS", "10", 1);
	return d;
}

/* A counter's value from /metrics' text (0 when absent). */
static double counter(const char *name)
{
	char *text, *p;
	size_t len;
	double v = 0;

	if (triage_metric_expose(TRIAGE_METRIC_TEXT, &text, &len))
		return -1;
	p = strstr(text, name);
	while (p && p != text && p[-1] != '\n')
		p = strstr(p + 1, name);
	if (p)
		v = strtod(p + strlen(name), NULL);
	free(text);
	return v;
}

/* Waits (untimed) until `total` spans have been exported. */
static void wait_exported(double total)
{
	struct timespec ms = {0, 1000000};

	while (counter("triage_spans_exported_total") < total)
		nanosleep(&ms, NULL);
}

/* CPU seconds of the thread named triage-otlp, from /proc. */
static double exporter_cpu_s(void)
{
	char path[300], buf[512], *p;
	unsigned long ut, st;
	struct dirent *e;
	double s = -1;
	DIR *d = opendir("/proc/self/task");
	FILE *f;

	while (d && (e = readdir(d))) {
		snprintf(path, sizeof(path), "/proc/self/task/%s/stat",
			 e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) &&
		    strstr(buf, "(triage-otlp)") && (p = strrchr(buf, ')')) &&
		    sscanf(p + 2,
			   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			   "%lu %lu",
			   &ut, &st) == 2)
			s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
		fclose(f);
	}
	if (d)
		closedir(d);
	return s;
}

static void report(const char *what, double v, double clk, double call)
{
	printf("  %-30s %8.1f ns   x%5.2f clock pair   x%6.1f call pair\n",
	       what, v, v / clk, v / call);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 21;
	long n = argc > 2 ? atol(argv[2]) : 200000;
	int export = argc > 3 && !strcmp(argv[3], "export");
	int log = argc > 3 && !strcmp(argv[3], "log");
	double *clk, *call, *sp, *spa, made = 0, cpu;
	struct MHD_Daemon *d = NULL;
	int r;

	if (rounds < 1 || n < 1) {
		fprintf(stderr, "usage: span_cost [ROUNDS [N]] [export|log]\n");
		return 2;
	}
	setenv("TRIAGE_LOG_LEVEL", log ? "info" : "off", 1);
	if (log)
		setenv("TRIAGE_LOG_PATH", "/dev/null", 1);
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
	made = n / 10;
	for (r = 0; r < rounds; r++) {
		clk[r] = clock_pairs(n);
		sp[r] = spans(n, 0);
		call[r] = empty_pairs(n);
		spa[r] = spans(n, 1);
		made += 2 * n;
		if (export)
			wait_exported(made);
	}
	printf("span start+end, %s; caller's CPU time, medians of %d rounds "
	       "of %ld\n",
	       export ? "exported to a local OTLP receiver"
	       : log  ? "no exporter, span-end log line to /dev/null"
		      : "no exporter (spans freed at end), logger off",
	       rounds, n);
	printf("  %-30s %8.1f ns\n", "anchor: clock_gettime pair",
	       median(clk, rounds));
	printf("  %-30s %8.1f ns\n", "anchor: empty call pair",
	       median(call, rounds));
	report("span start+end", median(sp, rounds), median(clk, rounds),
	       median(call, rounds));
	report("span start+end, 2 attributes", median(spa, rounds),
	       median(clk, rounds), median(call, rounds));
	if (d) {
		cpu = exporter_cpu_s();
		printf("  exporter thread: %.0f ns CPU per span sent; "
		       "exported %.0f, dropped %.0f\n",
		       cpu * 1e9 / made, counter("triage_spans_exported_total"),
		       counter("triage_spans_dropped_total"));
		triage_stop();
		MHD_stop_daemon(d);
	}
	return 0;
}
