/*
 * test_span_http.c - the libmicrohttpd and libcurl helpers over real
 * HTTP on loopback: which incoming traceparent and tracestate headers a
 * server span continues and which start a new trace (none, valid, two
 * traceparents, invalid ones, a future version, names in any case, a
 * tracestate split over several headers, an invalid tracestate), and
 * the headers a client span made inside the request sends on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <microhttpd.h>

#include "span.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRACE "4bf92f3577b34da6a3ce929d0e0e4736"
#define PARENT "00f067aa0ba902b7"
#define TP "traceparent: 00-" TRACE "-" PARENT "-01"

/* What the handler saw, for one request. */
static struct {
	char trace[33], parent[17], span[17];
	char tracestate[600];
	char out_traceparent[80], out_tracestate[600];
} seen;

static void hex(const uint8_t *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *data,
				  size_t *size, void **con_cls)
{
	struct triage_span *s, *c;
	struct curl_slist *h = NULL, *l;
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (!*con_cls) {
		*con_cls = conn;
		return MHD_YES;
	}
	s = triage_span_from_mhd(conn, "GET /");
	hex(s->cur.ctx.trace_id, 16, seen.trace);
	hex(s->cur.parent_id, 8, seen.parent);
	hex(s->cur.ctx.span_id, 8, seen.span);
	snprintf(seen.tracestate, sizeof(seen.tracestate), "%s",
		 span_tracestate(s));

	/* A call onwards: its headers, as libcurl would send them. */
	c = triage_span_to_curl(&h, "GET /next");
	seen.out_traceparent[0] = seen.out_tracestate[0] = '\0';
	for (l = h; l; l = l->next) {
		if (!strncmp(l->data, "traceparent: ", 13))
			snprintf(seen.out_traceparent,
				 sizeof(seen.out_traceparent), "%s",
				 l->data + 13);
		if (!strncmp(l->data, "tracestate: ", 12))
			snprintf(seen.out_tracestate,
				 sizeof(seen.out_tracestate), "%s",
				 l->data + 12);
	}
	triage_span_end(c);
	curl_slist_free_all(h);
	triage_span_end(s);

	r = MHD_create_response_from_buffer(0, (void *)"",
					    MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(conn, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static int port;

static int setup(void **state)
{
	struct MHD_Daemon *d =
	    MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
			     on_request, NULL, MHD_OPTION_END);

	if (!d)
		return -1;
	port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	MHD_stop_daemon(*state);
	return 0;
}

static size_t discard(char *p, size_t s, size_t n, void *arg)
{
	return s * n;
}

/* Sends GET / with the given header lines (NULL-terminated). */
static void request(const char *const *lines)
{
	struct curl_slist *h = NULL;
	CURL *c = curl_easy_init();
	char url[64];
	long code = 0;

	memset(&seen, 0, sizeof(seen));
	for (; *lines; lines++)
		h = curl_slist_append(h, *lines);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	assert_int_equal(code, 200);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
}

static void expect_new_trace(void)
{
	assert_string_not_equal(seen.trace, TRACE);
	assert_string_equal(seen.parent, "0000000000000000");
	assert_string_equal(seen.tracestate, "");
	assert_string_equal(seen.out_tracestate, "");
}

static void expect_continued(const char *tracestate)
{
	char want[80];

	assert_string_equal(seen.trace, TRACE);
	assert_string_equal(seen.parent, PARENT);
	assert_string_equal(seen.tracestate, tracestate);
	/* Sent on: version 00, same trace, a new parent, the state as is. */
	assert_int_equal(strlen(seen.out_traceparent), 55);
	snprintf(want, sizeof(want), "00-%s-", TRACE);
	assert_int_equal(strncmp(seen.out_traceparent, want, 36), 0);
	assert_int_equal(strncmp(seen.out_traceparent + 36, PARENT, 16) != 0,
			 1);
	assert_int_equal(strncmp(seen.out_traceparent + 36, seen.span, 16) != 0,
			 1); /* the client span's ID, not the server's */
	assert_string_equal(seen.out_tracestate, tracestate);
}

static void test_no_headers(void **state)
{
	const char *h[] = {NULL};

	request(h);
	expect_new_trace();
	assert_int_equal(strlen(seen.out_traceparent), 55);
}

static void test_valid(void **state)
{
	const char *h[] = {TP, "tracestate: rojo=00f067aa0ba902b7 , congo=t61",
			   NULL};

	request(h);
	expect_continued("rojo=00f067aa0ba902b7,congo=t61");
	assert_string_equal(seen.out_traceparent + 53, "01");
}

static void test_names_in_any_case(void **state)
{
	const char *h[] = {"TrAcEpArEnT: 00-" TRACE "-" PARENT "-01",
			   "TRACESTATE: foo=1", NULL};

	request(h);
	expect_continued("foo=1");
}

static void test_tracestate_split(void **state)
{
	/* "tracestate;" is how libcurl sends an empty header. */
	const char *h[] = {TP, "tracestate: foo=1,bar=2", "tracestate;",
			   "tracestate: baz=3", NULL};

	request(h);
	expect_continued("foo=1,bar=2,baz=3");
}

static void test_tracestate_invalid(void **state)
{
	const char *h[] = {TP, "tracestate: foo=1", "tracestate: foo=2", NULL};

	request(h); /* a key twice: the state goes, the parent stays */
	expect_continued("");
}

static void test_two_traceparents(void **state)
{
	const char *h[] = {TP, "traceparent: 00-" TRACE "-" PARENT "-01",
			   "tracestate: foo=1", NULL};

	request(h);
	expect_new_trace();
}

static void test_invalid_traceparent(void **state)
{
	const char *upper[] = {
	    "traceparent: 00-4BF92F3577B34DA6A3CE929D0E0E4736-"
	    "00f067aa0ba902b7-01",
	    "tracestate: foo=1", NULL};
	const char *ff[] = {"traceparent: ff-" TRACE "-" PARENT "-01", NULL};
	const char *zero[] = {"traceparent: 00-" TRACE "-0000000000000000-01",
			      NULL};
	const char *only_state[] = {"tracestate: foo=1", NULL};

	request(upper);
	expect_new_trace();
	request(ff);
	expect_new_trace();
	request(zero);
	expect_new_trace();
	request(only_state);
	expect_new_trace();
}

static void test_future_version(void **state)
{
	const char *h[] = {"traceparent: cc-" TRACE "-" PARENT
			   "-01-extra-field",
			   "tracestate: foo=1", NULL};

	request(h);
	expect_continued("foo=1");
}

static void test_unsampled_caller(void **state)
{
	const char *h[] = {"traceparent: 00-" TRACE "-" PARENT "-00", NULL};

	request(h);
	expect_continued("");
	assert_string_equal(seen.out_traceparent + 53, "00");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_headers),
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_names_in_any_case),
	    cmocka_unit_test(test_tracestate_split),
	    cmocka_unit_test(test_tracestate_invalid),
	    cmocka_unit_test(test_two_traceparents),
	    cmocka_unit_test(test_invalid_traceparent),
	    cmocka_unit_test(test_future_version),
	    cmocka_unit_test(test_unsampled_caller),
	};

	/* The span-end lines are written (their code runs under the
	 * sanitizers too) but not shown. */
	setenv("TRIAGE_LOG_PATH", "/dev/null", 1);
	unsetenv("TRIAGE_OTLP_ENDPOINT");
	unsetenv("OTEL_EXPORTER_OTLP_ENDPOINT");
	unsetenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
	return cmocka_run_group_tests(tests, setup, teardown);
}
