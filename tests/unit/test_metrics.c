/*
 * test_metrics.c - the metrics registry: name and label rules, bad
 * registrations and their messages, exact sums under many threads
 * (threads that exit included), the text and OpenMetrics output
 * (escaping, histogram buckets, numbers), content negotiation, and the
 * /proc parsers on good and malformed input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The value of the sample line that starts with `series` + ' '. */
static double sample(const char *text, const char *series)
{
	size_t n = strlen(series);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, series, n) && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	print_error("no sample %s in:\n%s\n", series, text);
	fail();
	return NAN;
}

static char *expose(enum triage_metric_format f)
{
	char *text;
	size_t len;

	assert_int_equal(triage_metric_expose(f, &text, &len), 0);
	assert_int_equal(strlen(text), len);
	assert_true(len > 0 && text[len - 1] == '\n');
	return text;
}

/* Expects registration to fail with `err` and the message to hold
 * `words`. */
static void expect_counter_error(const char *name, const char *const *labels,
				 int err, const char *words)
{
	struct triage_metric_counter *c = (void *)1;

	assert_int_equal(triage_metric_counter_new(&c, name, "h", labels), err);
	assert_null(c);
	if (!strstr(triage_metric_error(), words)) {
		print_error("error for %s: \"%s\", wanted \"%s\"\n", name,
			    triage_metric_error(), words);
		fail();
	}
}

static void names(void **state)
{
	size_t bad;

	assert_true(metrics_valid_metric_name("a:b_c9", &bad));
	assert_true(metrics_valid_metric_name(":x", &bad));
	assert_false(metrics_valid_metric_name("", &bad));
	assert_false(metrics_valid_metric_name("9a", &bad));
	assert_int_equal(bad, 0);
	assert_false(metrics_valid_metric_name("http-requests", &bad));
	assert_int_equal(bad, 4);
	assert_true(metrics_valid_label_name("_a9", &bad));
	assert_false(metrics_valid_label_name("a:b", &bad));
	assert_int_equal(bad, 1);
	assert_false(metrics_valid_label_name("", &bad));
	assert_true(metrics_valid_utf8(
	    "Z\xc3\xbcrich \xe6\x97\xa5 \xf0\x9f\x98\x80", &bad));
	assert_false(metrics_valid_utf8("a\xc3", &bad));
	assert_int_equal(bad, 1);
	assert_false(metrics_valid_utf8("\xc0\xaf", &bad));	/* overlong */
	assert_false(metrics_valid_utf8("\xed\xa0\x80", &bad)); /* surrogate */
	assert_false(metrics_valid_utf8("\xf4\x90\x80\x80", &bad));
	assert_false(metrics_valid_utf8("\xff", &bad));
}

static void bad_registrations(void **state)
{
	static const char *const dup[] = {"a", "a", NULL};
	static const char *const reserved[] = {"__name", NULL};
	static const char *const dash[] = {"a-b", NULL};
	static const char *const le[] = {"le", NULL};
	struct triage_metric_histogram *h = (void *)1;
	struct triage_metric_gauge *g = (void *)1;

	expect_counter_error("http-requests_total", NULL, TRIAGE_EINVAL,
			     "'-' at 4");
	expect_counter_error("requests", NULL, TRIAGE_EINVAL,
			     "must end in _total");
	expect_counter_error("", NULL, TRIAGE_EINVAL, "needs a name");
	expect_counter_error(NULL, NULL, TRIAGE_EINVAL, "needs a name");
	expect_counter_error("x_total", dup, TRIAGE_EINVAL, "appears twice");
	expect_counter_error("x_total", reserved, TRIAGE_EINVAL, "__");
	expect_counter_error("x_total", dash, TRIAGE_EINVAL,
			     "label name \"a-b\"");
	expect_counter_error("process_cpu_seconds_total", NULL, TRIAGE_EINVAL,
			     "the agent's own");
	expect_counter_error("triage_x_total", NULL, TRIAGE_EINVAL,
			     "the agent's own");

	assert_int_equal(
	    triage_metric_histogram_new(&h, "lat_bad", "", le, NULL, 0),
	    TRIAGE_EINVAL);
	assert_non_null(strstr(triage_metric_error(), "le"));
	assert_int_equal(
	    triage_metric_histogram_new(&h, "lat_bad", "", NULL,
					(const double[]){1, 0.5, 2}, 3),
	    TRIAGE_EINVAL);
	assert_non_null(strstr(triage_metric_error(), "must increase"));
	assert_int_equal(triage_metric_histogram_new(&h, "lat_bad", "", NULL,
						     (const double[]){1, NAN},
						     2),
			 TRIAGE_EINVAL);
	assert_int_equal(triage_metric_histogram_new(&h, "lat_bad", "", NULL,
						     (const double[]){1, 1}, 2),
			 TRIAGE_EINVAL);
	assert_int_equal(
	    triage_metric_histogram_new(&h, "lat_bad_count", "", NULL, NULL, 0),
	    TRIAGE_EINVAL);
	assert_null(h);
	assert_int_equal(
	    triage_metric_gauge_new(&g, "g", "bad \xff help", NULL),
	    TRIAGE_EINVAL);
	assert_non_null(strstr(triage_metric_error(), "not UTF-8"));
}

static void duplicates(void **state)
{
	static const char *const labels[] = {"k", NULL};
	struct triage_metric_counter *a, *b;
	struct triage_metric_histogram *h;
	struct triage_metric_gauge *g;

	assert_int_equal(
	    triage_metric_counter_new(&a, "dup_total", "help", labels), 0);
	assert_string_equal(triage_metric_error(), "");
	/* The same definition: the existing metric comes back. */
	assert_int_equal(
	    triage_metric_counter_new(&b, "dup_total", "help", labels),
	    TRIAGE_EEXIST);
	assert_ptr_equal(a, b);
	assert_non_null(strstr(triage_metric_error(), "already registered"));
	/* Another definition: nothing comes back. */
	assert_int_equal(
	    triage_metric_counter_new(&b, "dup_total", "other", labels),
	    TRIAGE_EEXIST);
	assert_null(b);
	assert_non_null(strstr(triage_metric_error(), "another definition"));
	/* OpenMetrics would name both families "dup". */
	assert_int_equal(triage_metric_gauge_new(&g, "dup", "", NULL),
			 TRIAGE_EEXIST);
	assert_non_null(strstr(triage_metric_error(), "clashes with counter"));
	/* A histogram's samples take three more names. */
	assert_int_equal(
	    triage_metric_histogram_new(&h, "dup_h", "", NULL, NULL, 0), 0);
	assert_int_equal(triage_metric_gauge_new(&g, "dup_h_sum", "", NULL),
			 TRIAGE_EEXIST);
	assert_non_null(strstr(triage_metric_error(), "histogram \"dup_h\""));
}

static void label_mismatch(void **state)
{
	static const char *const labels[] = {"method", "path", NULL};
	struct triage_metric_counter *c, *plain;

	assert_int_equal(
	    triage_metric_counter_new(&c, "mismatch_total", "", labels), 0);
	assert_null(
	    triage_metric_counter_with(c, (const char *[]){"GET", NULL}));
	assert_non_null(strstr(triage_metric_error(),
			       "has 2 labels but 1 value was given"));
	assert_null(triage_metric_counter_with(
	    c, (const char *[]){"GET", "/", "x", NULL}));
	assert_non_null(strstr(triage_metric_error(), "more than 2 values"));
	assert_null(triage_metric_counter_with(c, NULL));
	assert_null(triage_metric_counter_with(
	    c, (const char *[]){"GET", "\xc3", NULL}));
	assert_non_null(
	    strstr(triage_metric_error(), "label path is not UTF-8"));
	assert_non_null(
	    triage_metric_counter_with(c, (const char *[]){"GET", "/", NULL}));
	assert_string_equal(triage_metric_error(), "");
	assert_int_equal(
	    triage_metric_counter_new(&plain, "plain_total", "", NULL), 0);
	assert_null(
	    triage_metric_counter_with(plain, (const char *[]){"x", NULL}));
	assert_non_null(strstr(triage_metric_error(), "has no labels"));
}

#define THREADS 8
#define PER_THREAD 200000

struct worker {
	struct triage_metric_counter *c, *child;
	struct triage_metric_histogram *h;
	struct triage_metric_gauge *g;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		triage_metric_counter_inc(w->c);
		triage_metric_counter_add(w->child, 2);
		triage_metric_histogram_observe(w->h, (double)(i % 4));
		triage_metric_gauge_add(w->g, 1);
	}
	return NULL;
}

/* Threads that have exited and threads still running both count. */
static void concurrent_sums(void **state)
{
	static const char *const labels[] = {"k", NULL};
	struct triage_metric_counter *child_fam;
	pthread_t t[THREADS];
	struct worker w;
	char *text;
	int i;

	assert_int_equal(
	    triage_metric_counter_new(&w.c, "conc_total", "", NULL), 0);
	assert_int_equal(triage_metric_counter_new(
			     &child_fam, "conc_child_total", "", labels),
			 0);
	w.child =
	    triage_metric_counter_with(child_fam, (const char *[]){"v", NULL});
	assert_int_equal(
	    triage_metric_histogram_new(&w.h, "conc_hist", "", NULL,
					(const double[]){0.5, 1.5, 2.5}, 3),
	    0);
	assert_int_equal(triage_metric_gauge_new(&w.g, "conc_gauge", "", NULL),
			 0);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, work, &w), 0);
	for (i = 0; i < THREADS / 2; i++)
		pthread_join(t[i], NULL);
	/* Mid-run: what is there is at least the half that finished. */
	text = expose(TRIAGE_METRIC_TEXT);
	assert_true(sample(text, "conc_total") >= THREADS / 2 * PER_THREAD);
	free(text);
	for (; i < THREADS; i++)
		pthread_join(t[i], NULL);
	work(&w); /* and the main thread, which stays */

	text = expose(TRIAGE_METRIC_TEXT);
	assert_int_equal((long)sample(text, "conc_total"),
			 (THREADS + 1) * PER_THREAD);
	assert_int_equal((long)sample(text, "conc_child_total{k=\"v\"}"),
			 2L * (THREADS + 1) * PER_THREAD);
	assert_int_equal((long)sample(text, "conc_gauge"),
			 (THREADS + 1) * PER_THREAD);
	assert_int_equal((long)sample(text, "conc_hist_count"),
			 (THREADS + 1) * PER_THREAD);
	/* Values 0,1,2,3 in turn: a quarter per bucket, cumulative. */
	assert_int_equal((long)sample(text, "conc_hist_bucket{le=\"0.5\"}"),
			 (THREADS + 1) * PER_THREAD / 4);
	assert_int_equal((long)sample(text, "conc_hist_bucket{le=\"2.5\"}"),
			 3L * (THREADS + 1) * PER_THREAD / 4);
	assert_int_equal((long)sample(text, "conc_hist_sum"),
			 6L * (THREADS + 1) * PER_THREAD / 4);
	free(text);
}

/*
 * Checks one histogram series in text: buckets in increasing le order,
 * counts cumulative, +Inf last and equal to _count (promtool lets the
 * opposite through, so we check it here).
 */
static void check_histogram(const char *text, const char *name,
			    const char *labels)
{
	char prefix[256], count[256];
	const char *p = text;
	double last_le = -INFINITY, last_v = 0;
	bool inf = false;
	size_t n;

	snprintf(prefix, sizeof(prefix), "%s_bucket{%s%sle=\"", name, labels,
		 *labels ? "," : "");
	n = strlen(prefix);
	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		double le, v;
		char *end;

		if (strncmp(p, prefix, n))
			continue;
		assert_false(inf); /* nothing after +Inf */
		le = strtod(p + n, &end);
		assert_true(le > last_le);
		assert_int_equal(strncmp(end, "\"} ", 3), 0);
		v = strtod(end + 3, NULL);
		assert_true(v >= last_v);
		inf = isinf(le);
		last_le = le;
		last_v = v;
	}
	assert_true(inf);
	snprintf(count, sizeof(count), "%s_count%s%s%s", name,
		 *labels ? "{" : "", labels, *labels ? "}" : "");
	assert_true(sample(text, count) == last_v);
}

static void text_format(void **state)
{
	static const char *const labels[] = {"a", "b", NULL};
	struct triage_metric_counter *c;
	struct triage_metric_histogram *h, *hc;
	double b[4];
	char *text;

	assert_int_equal(triage_metric_counter_new(&c, "fmt_total",
						   "Line one\nback\\slash "
						   "\"quoted\"",
						   labels),
			 0);
	triage_metric_counter_inc(triage_metric_counter_with(
	    c, (const char *[]){"q\"\\\n", "\xe6\x97\xa5", NULL}));
	assert_int_equal(triage_metric_exponential_buckets(0.001, 10, 4, b), 0);
	assert_int_equal(
	    triage_metric_histogram_new(&h, "fmt_seconds", "", labels, b, 4),
	    0);
	hc = triage_metric_histogram_with(h, (const char *[]){"x", "y", NULL});
	triage_metric_histogram_observe(hc, 0.0005);
	triage_metric_histogram_observe(hc, 0.5);
	triage_metric_histogram_observe(hc, 50);
	triage_metric_histogram_observe(hc, NAN);
	/* The family itself has labels: updating it shows nowhere. */
	triage_metric_histogram_observe(h, 1);

	text = expose(TRIAGE_METRIC_TEXT);
	assert_non_null(strstr(text,
			       "# HELP fmt_total Line one\\nback\\\\slash "
			       "\"quoted\"\n# TYPE fmt_total counter\n"));
	assert_non_null(strstr(text, "fmt_total{a=\"q\\\"\\\\\\n\",b=\"\xe6\x97"
				     "\xa5\"} 1\n"));
	assert_non_null(strstr(text, "# TYPE fmt_seconds histogram\n"
				     "fmt_seconds_bucket{a=\"x\",b=\"y\","
				     "le=\"0.001\"} 1\n"));
	assert_non_null(strstr(text, "le=\"1\"} 2\n"));
	assert_non_null(strstr(text, "le=\"+Inf\"} 4\n"));
	assert_non_null(strstr(text, "fmt_seconds_sum{a=\"x\",b=\"y\"} NaN\n"));
	check_histogram(text, "fmt_seconds", "a=\"x\",b=\"y\"");
	check_histogram(text, "conc_hist", "");
	assert_non_null(strstr(text, "\nprocess_cpu_seconds_total "));
	assert_non_null(strstr(text, "\nprocess_threads "));
	assert_null(strstr(text, "# EOF"));
	free(text);

	text = expose(TRIAGE_METRIC_OPENMETRICS);
	assert_non_null(strstr(text, "# HELP fmt Line one\\nback\\\\slash "
				     "\\\"quoted\\\"\n# TYPE fmt counter\n"
				     "fmt_total{"));
	assert_non_null(strstr(text, "le=\"1.0\"} 2\n"));
	assert_non_null(strstr(text, "le=\"0.001\"} 1\n"));
	assert_non_null(strstr(text, "# TYPE process_cpu_seconds counter\n"));
	assert_null(strstr(text, "\n\n"));
	assert_string_equal(text + strlen(text) - 6, "# EOF\n");
	free(text);
}

static void numbers(void **state)
{
	static const struct {
		double v;
		bool le;
		const char *want;
	} cases[] = {
	    {0, false, "0"},
	    {-3, false, "-3"},
	    {1e6, false, "1000000"},
	    {1, true, "1.0"},
	    {0.1, false, "0.1"},
	    {0.1 + 0.2, false, "0.30000000000000004"},
	    {1e-9, false, "1e-09"},
	    {2.5e20, false, "2.5e+20"},
	    {1.8446744073709552e19, false, "1.8446744073709552e+19"},
	    {INFINITY, false, "+Inf"},
	    {-INFINITY, false, "-Inf"},
	    {NAN, false, "NaN"},
	};
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		metrics_format_double(cases[i].v, cases[i].le, buf);
		assert_string_equal(buf, cases[i].want);
	}
}

static void buckets(void **state)
{
	double b[4];

	assert_int_equal(triage_metric_exponential_buckets(1, 2, 4, b), 0);
	assert_true(b[0] == 1 && b[1] == 2 && b[2] == 4 && b[3] == 8);
	assert_int_equal(triage_metric_linear_buckets(-1, 0.5, 4, b), 0);
	assert_true(b[0] == -1 && b[3] == 0.5);
	assert_int_equal(triage_metric_exponential_buckets(0, 2, 4, b),
			 TRIAGE_EINVAL);
	assert_int_equal(triage_metric_exponential_buckets(1, 1, 4, b),
			 TRIAGE_EINVAL);
	assert_int_equal(triage_metric_exponential_buckets(1, 2, 0, b),
			 TRIAGE_EINVAL);
	assert_int_equal(triage_metric_linear_buckets(1, 0, 4, b),
			 TRIAGE_EINVAL);
}

/* Which bucket a value lands in, with an even and an odd number of
 * bounds (the search counts them two at a time): a bound is its own
 * bucket's top, and NaN goes to +Inf. */
static void bucket_edges(void **state)
{
	static const double even[] = {1, 2}, odd[] = {1, 2, 3};
	static const double v[] = {1, -INFINITY, 1.5, 2, 3, INFINITY, NAN};
	struct triage_metric_histogram *he, *ho;
	char *text;
	size_t i;

	assert_int_equal(
	    triage_metric_histogram_new(&he, "edge_even", "", NULL, even, 2),
	    0);
	assert_int_equal(
	    triage_metric_histogram_new(&ho, "edge_odd", "", NULL, odd, 3), 0);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		triage_metric_histogram_observe(he, v[i]);
		triage_metric_histogram_observe(ho, v[i]);
	}
	text = expose(TRIAGE_METRIC_TEXT);
	assert_int_equal((long)sample(text, "edge_even_bucket{le=\"1\"}"), 2);
	assert_int_equal((long)sample(text, "edge_even_bucket{le=\"2\"}"), 4);
	assert_int_equal((long)sample(text, "edge_even_bucket{le=\"+Inf\"}"),
			 7);
	assert_int_equal((long)sample(text, "edge_odd_bucket{le=\"2\"}"), 4);
	assert_int_equal((long)sample(text, "edge_odd_bucket{le=\"3\"}"), 5);
	assert_int_equal((long)sample(text, "edge_odd_bucket{le=\"+Inf\"}"), 7);
	free(text);
}

static void negotiate(void **state)
{
	static const struct {
		const char *accept;
		enum triage_metric_format want;
		const char *version;
	} cases[] = {
	    {NULL, TRIAGE_METRIC_TEXT, "0.0.4"},
	    {"", TRIAGE_METRIC_TEXT, "0.0.4"},
	    {"application/openmetrics-text;version=1.0.0,application/"
	     "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0."
	     "4;q=0.5,*/*;q=0.1",
	     TRIAGE_METRIC_OPENMETRICS, "1.0.0"},
	    {"application/openmetrics-text; version=0.0.1",
	     TRIAGE_METRIC_OPENMETRICS, "0.0.1"},
	    {"text/plain;version=0.0.4;q=0.9, application/openmetrics-text;"
	     "q=0.5",
	     TRIAGE_METRIC_TEXT, "0.0.4"},
	    {"text/plain;q=0.1, application/openmetrics-text; "
	     "version=\"1.0.0\"",
	     TRIAGE_METRIC_OPENMETRICS, "1.0.0"},
	    {"application/openmetrics-text;version=2.0.0", TRIAGE_METRIC_TEXT,
	     "0.0.4"},
	    {"application/openmetrics-text;q=0", TRIAGE_METRIC_TEXT, "0.0.4"},
	    {"application/openmetrics-text;q=abc", TRIAGE_METRIC_TEXT, "0.0.4"},
	    {"application/vnd.google.protobuf;proto=io.prometheus.client."
	     "MetricFamily;encoding=delimited,application/openmetrics-text;"
	     "q=0.7",
	     TRIAGE_METRIC_OPENMETRICS, "1.0.0"},
	    {";;,,;q=1,/", TRIAGE_METRIC_TEXT, "0.0.4"},
	};
	const char *ct;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum triage_metric_format f =
		    metrics_negotiate(cases[i].accept, &ct);

		if (f != cases[i].want || !strstr(ct, cases[i].version)) {
			print_error("Accept: %s -> %d %s\n", cases[i].accept, f,
				    ct);
			fail();
		}
	}
}

static void proc_stat(void **state)
{
	static const char good[] =
	    "1234 (a) b) c) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 "
	    "50 0 0 20 0 7 0 4242 123456789 321 18446744073709551615\n";
	static const char *const bad[] = {
	    "",
	    "1234 (noclose S 1 2",
	    "1234 (a) S 1 2 3",
	    "1234 (a) S 1 1234 1234 0 -1 4194560 100 0 0 0 x 50 0 0 20 0 7 "
	    "0 4242 123456789 321",
	    "1234 (a)S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 "
	    "7 0 4242 123456789 321",
	};
	struct metrics_proc_stat st;
	char real[4096];
	size_t i, n;
	FILE *f;

	assert_int_equal(metrics_parse_proc_stat(good, strlen(good), &st), 0);
	assert_true(st.utime_ticks == 250 && st.stime_ticks == 50);
	assert_true(st.num_threads == 7 && st.starttime_ticks == 4242);
	assert_true(st.vsize == 123456789 && st.rss_pages == 321);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(
		    metrics_parse_proc_stat(bad[i], strlen(bad[i]), &st),
		    TRIAGE_EFORMAT);
	/* Truncated anywhere: never a read past the end. */
	for (n = 0; n < strlen(good) - 25; n++)
		assert_int_equal(metrics_parse_proc_stat(good, n, &st),
				 TRIAGE_EFORMAT);

	f = fopen("/proc/self/stat", "r");
	assert_non_null(f);
	n = fread(real, 1, sizeof(real), f);
	fclose(f);
	assert_int_equal(metrics_parse_proc_stat(real, n, &st), 0);
	assert_true(st.num_threads >= 1 && st.rss_pages > 0);
}

static void btime(void **state)
{
	static const char text[] = "cpu  1 2 3\nintr 5 6\nbtime 1700000000\n"
				   "processes 9\n";
	double v = 0;

	assert_int_equal(metrics_parse_btime(text, strlen(text), &v), 0);
	assert_true(v == 1700000000);
	assert_int_equal(metrics_parse_btime("btime x\n", 8, &v),
			 TRIAGE_EFORMAT);
	assert_int_equal(metrics_parse_btime("btime 12x\n", 10, &v),
			 TRIAGE_EFORMAT);
	assert_int_equal(metrics_parse_btime("xbtime 1\n", 9, &v),
			 TRIAGE_EFORMAT);
	assert_int_equal(metrics_parse_btime("", 0, &v), TRIAGE_EFORMAT);
}

/* NULL handles are ignored; a forked child keeps the counts and can
 * update and scrape (the registry's lock is reset across fork). */
static void null_and_fork(void **state)
{
	struct triage_metric_counter *c;
	char *text;
	pid_t pid;
	int status;

	triage_metric_counter_inc(NULL);
	triage_metric_counter_add(NULL, 1);
	triage_metric_gauge_set(NULL, 1);
	triage_metric_gauge_add(NULL, 1);
	triage_metric_histogram_observe(NULL, 1);
	assert_null(
	    triage_metric_counter_with(NULL, (const char *[]){"x", NULL}));

	assert_int_equal(
	    triage_metric_counter_new(&c, "forked_total", "", NULL), 0);
	triage_metric_counter_add(c, 5);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		triage_metric_counter_inc(c);
		if (triage_metric_expose(TRIAGE_METRIC_TEXT, &text,
					 &(size_t){0}))
			_exit(2);
		_exit(strstr(text, "\nforked_total 6\n") ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	text = expose(TRIAGE_METRIC_TEXT);
	assert_non_null(strstr(text, "\nforked_total 5\n"));
	free(text);
}

/* A counter's increments (inline, called, through a pointer) and its
 * adds land in different cells; the exposition shows their total. */
static void counts_and_sums(void **state)
{
	void (*inc)(struct triage_metric_counter *) = triage_metric_counter_inc;
	struct triage_metric_counter *c;
	char *text;
	int i;

	assert_int_equal(triage_metric_counter_new(&c, "mixed_total", "", NULL),
			 0);
	for (i = 0; i < 1000; i++)
		triage_metric_counter_inc(c);
	(triage_metric_counter_inc)(c);
	inc(c);
	triage_metric_counter_add(c, 0.25);
	triage_metric_counter_add(c, 0.5);
	text = expose(TRIAGE_METRIC_TEXT);
	assert_non_null(strstr(text, "\nmixed_total 1002.75\n"));
	free(text);
}

/* Increments a counter 1000 times, inline. */
static void *inc_1000(void *arg)
{
	struct triage_metric_counter *c = arg;
	int i;

	for (i = 0; i < 1000; i++)
		triage_metric_counter_inc(c);
	return NULL;
}

/*
 * The inline increment's table covers a thread's first chunks of
 * cells; a series past them (here after 40 histograms of a chunk each)
 * goes through the call, in any thread, and counts the same.
 */
static void past_fast_table(void **state)
{
	struct triage_metric_histogram *h = NULL;
	struct triage_metric_counter *far;
	double bounds[TRIAGE_METRIC_MAX_BUCKETS];
	char name[32], *text;
	pthread_t t;
	int i;

	for (i = 0; i < TRIAGE_METRIC_MAX_BUCKETS; i++)
		bounds[i] = i + 1;
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "wide_%d", i);
		assert_int_equal(
		    triage_metric_histogram_new(&h, name, "", NULL, bounds,
						TRIAGE_METRIC_MAX_BUCKETS),
		    0);
	}
	assert_int_equal(triage_metric_counter_new(&far, "far_total", "", NULL),
			 0);
	/* The table index of the counter's cell is the empty last entry. */
	assert_int_equal((uint32_t) * (const uint64_t *)(const void *)far,
			 TRIAGE_METRIC_FAST_CHUNKS_);
	assert_int_equal(pthread_create(&t, NULL, inc_1000, far), 0);
	inc_1000(far);
	pthread_join(t, NULL);
	triage_metric_histogram_observe(h, 300);
	text = expose(TRIAGE_METRIC_TEXT);
	assert_int_equal((long)sample(text, "far_total"), 2000);
	assert_int_equal((long)sample(text, "wide_39_bucket{le=\"256\"}"), 0);
	assert_int_equal((long)sample(text, "wide_39_count"), 1);
	free(text);
}

static pthread_key_t late_key;

/* A destructor of another key, run after the metrics' own one. */
static void late_update(void *arg)
{
	struct triage_metric_counter *c = arg;
	int i;

	for (i = 0; i < 10; i++)
		triage_metric_counter_inc(c);
}

static void *inc_then_exit(void *arg)
{
	int i;

	pthread_setspecific(late_key, arg);
	for (i = 0; i < 5; i++)
		triage_metric_counter_inc(arg);
	return NULL;
}

/* Updates made after the thread's cells were folded at its exit (in a
 * later key's destructor) are kept too. */
static void update_after_fold(void **state)
{
	struct triage_metric_counter *c;
	pthread_t t;
	char *text;

	assert_int_equal(triage_metric_counter_new(&c, "late_total", "", NULL),
			 0);
	assert_int_equal(pthread_key_create(&late_key, late_update), 0);
	assert_int_equal(pthread_create(&t, NULL, inc_then_exit, c), 0);
	pthread_join(t, NULL);
	pthread_key_delete(late_key);
	text = expose(TRIAGE_METRIC_TEXT);
	assert_int_equal((long)sample(text, "late_total"), 15);
	free(text);
}

/* The middleware's path cap: past the limit, new paths are "other". */
static void http_paths(void **state)
{
	char path[32], *text;
	int i;

	for (i = 0; i < 1100; i++) {
		snprintf(path, sizeof(path), "/scan/%d", i);
		triage_metric_http_done(triage_metric_http_start(), path, 404);
	}
	text = expose(TRIAGE_METRIC_TEXT);
	assert_true(sample(text, "http_requests_total{path=\"/scan/0\","
				 "status=\"404\"}") == 1);
	assert_true(sample(text, "http_requests_total{path=\"other\","
				 "status=\"404\"}") == 100);
	check_histogram(text, "http_request_duration_seconds",
			"path=\"other\",status=\"404\"");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(names),
	    cmocka_unit_test(bad_registrations),
	    cmocka_unit_test(duplicates),
	    cmocka_unit_test(label_mismatch),
	    cmocka_unit_test(concurrent_sums),
	    cmocka_unit_test(text_format),
	    cmocka_unit_test(numbers),
	    cmocka_unit_test(buckets),
	    cmocka_unit_test(negotiate),
	    cmocka_unit_test(proc_stat),
	    cmocka_unit_test(btime),
	    cmocka_unit_test(null_and_fork),
	    cmocka_unit_test(http_paths),
	    cmocka_unit_test(counts_and_sums),
	    cmocka_unit_test(past_fast_table),
	    cmocka_unit_test(update_after_fold),
	    cmocka_unit_test(bucket_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
