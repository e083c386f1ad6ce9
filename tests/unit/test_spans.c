/*
 * test_spans.c - spans without an exporter: parents and the thread's
 * current span, explicit parents and new traces, attributes and status,
 * handing a span to another thread, unique IDs (after fork too); the
 * exporter's queue under several producers; a batch encoded and read
 * back; Retry-After and backoff.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "otlp_encode.h"
#include "otlp_exporter.h"
#include "otlp_queue.h"
#include "span.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const uint8_t zero[16];

static void expect_current(const struct triage_span *s)
{
	struct triage_span_context cur, want;

	if (!s) {
		assert_int_equal(triage_span_current(&cur), TRIAGE_ESTATE);
		return;
	}
	assert_int_equal(triage_span_current(&cur), 0);
	assert_int_equal(triage_span_context(s, &want), 0);
	assert_memory_equal(&cur, &want, sizeof(cur));
}

static void test_nesting(void **state)
{
	struct triage_span *root, *child, *grand;
	struct span_current sc;

	expect_current(NULL);
	root = triage_span_start("root", TRIAGE_SPAN_SERVER, NULL);
	assert_non_null(root);
	expect_current(root);
	assert_memory_equal(root->cur.parent_id, zero, 8);
	assert_int_equal(root->cur.ctx.flags, 1); /* a new trace is sampled */

	child = triage_span_start("child", TRIAGE_SPAN_INTERNAL, NULL);
	expect_current(child);
	assert_memory_equal(child->cur.ctx.trace_id, root->cur.ctx.trace_id,
			    16);
	assert_memory_equal(child->cur.parent_id, root->cur.ctx.span_id, 8);
	assert_memory_not_equal(child->cur.ctx.span_id, root->cur.ctx.span_id,
				8);

	/* The logger's view carries the parent too. */
	assert_true(span_current_get(&sc));
	assert_memory_equal(sc.parent_id, root->cur.ctx.span_id, 8);

	grand = triage_span_start("grandchild", TRIAGE_SPAN_CLIENT, NULL);
	assert_memory_equal(grand->cur.parent_id, child->cur.ctx.span_id, 8);
	triage_span_end(grand);
	expect_current(child);
	triage_span_end(child);
	expect_current(root);
	triage_span_end(root);
	expect_current(NULL);
}

static void test_explicit_parent(void **state)
{
	struct triage_span_context p, bad;
	struct triage_span *s;

	assert_int_equal(
	    triage_traceparent_parse("00-4bf92f3577b34da6a3ce929d0e0e4736-"
				     "00f067aa0ba902b7-00",
				     &p),
	    0);
	s = triage_span_start("continued", TRIAGE_SPAN_SERVER, &p);
	assert_memory_equal(s->cur.ctx.trace_id, p.trace_id, 16);
	assert_memory_equal(s->cur.parent_id, p.span_id, 8);
	assert_int_equal(s->cur.ctx.flags, 0); /* the caller did not sample */
	triage_span_end(s);

	/* An invalid context starts a new trace. */
	memset(&bad, 0, sizeof(bad));
	s = triage_span_start("new", TRIAGE_SPAN_SERVER, &bad);
	assert_memory_not_equal(s->cur.ctx.trace_id, zero, 16);
	assert_memory_equal(s->cur.parent_id, zero, 8);
	triage_span_end(s);
	expect_current(NULL);
}

static void test_attributes_and_status(void **state)
{
	struct triage_span *s = triage_span_start("attrs", 0, NULL);
	char key[16];
	int i;

	triage_span_attr_str(s, "http.route", "/patients/:id");
	triage_span_attr_int(s, "http.status_code", 200);
	triage_span_attr_double(s, "ratio", 0.25);
	triage_span_attr_bool(s, "cached", 1);
	triage_span_attr_int(s, "http.status_code", 503); /* replaces */
	assert_int_equal(s->nattrs, 4);
	assert_string_equal(s->attrs[0].v.s, "/patients/:id");
	assert_int_equal(s->attrs[1].type, SPAN_ATTR_INT);
	assert_int_equal(s->attrs[1].v.i, 503);
	assert_true(s->attrs[3].v.b);
	for (i = 0; i < SPAN_MAX_ATTRS + 10; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		triage_span_attr_int(s, key, i);
	}
	assert_int_equal(s->nattrs, SPAN_MAX_ATTRS);
	assert_int_equal(s->dropped_attrs, 14);
	triage_span_set_error(s, "upstream said 503");
	assert_true(s->error);
	assert_string_equal(s->message, "upstream said 503");
	triage_span_end(s);
}

static void test_null_span(void **state)
{
	struct triage_span_context c;

	triage_span_end(NULL);
	triage_span_set_error(NULL, "x");
	triage_span_attr_str(NULL, "k", "v");
	triage_span_attr_int(NULL, "k", 1);
	assert_int_equal(triage_span_context(NULL, &c), TRIAGE_EINVAL);
	triage_span_attach(NULL, &c);
	assert_memory_equal(c.trace_id, zero, 16);
	triage_span_detach(&c);
	expect_current(NULL);
}

struct handoff {
	struct triage_span *span;
	struct triage_span_context child_ctx;
	uint8_t child_parent[8];
	int had_current_before, current_after;
};

static void *worker(void *arg)
{
	struct handoff *h = arg;
	struct triage_span_context saved, cur;
	struct triage_span *child;

	h->had_current_before = triage_span_current(&cur) == 0;
	triage_span_attach(h->span, &saved);
	child = triage_span_start("work", TRIAGE_SPAN_INTERNAL, NULL);
	triage_span_context(child, &h->child_ctx);
	memcpy(h->child_parent, child->cur.parent_id, 8);
	triage_span_end(child);
	triage_span_detach(&saved);
	h->current_after = triage_span_current(&cur);
	return NULL;
}

static void test_handoff(void **state)
{
	struct handoff h = {0};
	pthread_t t;

	h.span = triage_span_start("request", TRIAGE_SPAN_SERVER, NULL);
	assert_int_equal(pthread_create(&t, NULL, worker, &h), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_false(h.had_current_before);
	assert_memory_equal(h.child_ctx.trace_id, h.span->cur.ctx.trace_id, 16);
	assert_memory_equal(h.child_parent, h.span->cur.ctx.span_id, 8);
	assert_int_equal(h.current_after, TRIAGE_ESTATE);
	expect_current(h.span); /* this thread's span was not touched */
	triage_span_end(h.span);
	expect_current(NULL);
}

/* Attaching over a span of the thread's own puts that span back whole,
 * its parent's ID included. */
static void test_attach_restores(void **state)
{
	struct triage_span *mine = triage_span_start("mine", 0, NULL);
	struct triage_span *mid = triage_span_start("mid", 0, NULL);
	struct triage_span *other = triage_span_start("other", 0, NULL);
	struct triage_span_context saved;
	struct span_current sc;

	triage_span_end(other); /* back to mid */
	triage_span_attach(mine, &saved);
	expect_current(mine);
	triage_span_detach(&saved);
	expect_current(mid);
	assert_true(span_current_get(&sc));
	assert_memory_equal(sc.parent_id, mine->cur.ctx.span_id, 8);
	triage_span_end(mid);
	triage_span_end(mine);
	expect_current(NULL);
}

/* Spans ended out of order, with a tracestate shared among them: the
 * thread's state holds references of its own, so nothing is used after
 * it is freed (the sanitizer build checks), and the children of a
 * remote parent inherit its tracestate. */
static void test_out_of_order(void **state)
{
	struct triage_span_context p;
	struct triage_span *srv, *a, *b, *c;

	triage_traceparent_parse(
	    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", &p);
	srv = span_start_remote("server", TRIAGE_SPAN_SERVER, &p, "congo=x");
	a = triage_span_start("a", 0, NULL);
	b = triage_span_start("b", 0, NULL);
	assert_string_equal(span_tracestate(b), "congo=x");
	triage_span_end(srv); /* first, out of order */
	triage_span_end(a);
	expect_current(b);
	c = triage_span_start("c", 0, NULL);
	assert_string_equal(span_tracestate(c), "congo=x");
	triage_span_end(c);
	triage_span_end(b);
	/* b's predecessor comes back though it has ended: the caller broke
	 * the nesting, and the context is all that is left of it. */
	c = triage_span_start("d", 0, NULL);
	assert_string_equal(span_tracestate(c), "congo=x");
	triage_span_end(c);
	triage_span_attach(NULL, &p);
	triage_span_detach(&p);
	expect_current(NULL);
}

static int cmp_id(const void *a, const void *b)
{
	return memcmp(a, b, 8);
}

static void test_unique_ids(void **state)
{
	enum { N = 20000 };
	uint8_t(*ids)[8] = malloc(N * 8);
	int i;

	for (i = 0; i < N; i++) {
		span_random_id(ids[i], 8);
		assert_memory_not_equal(ids[i], zero, 8);
	}
	qsort(ids, N, 8, cmp_id);
	for (i = 1; i < N; i++)
		assert_memory_not_equal(ids[i - 1], ids[i], 8);
	free(ids);
}

/* Without a reseed, parent and child would draw the same IDs. */
static void test_ids_after_fork(void **state)
{
	uint8_t mine[16], theirs[16];
	int fd[2], status;
	pid_t pid;

	span_random_id(mine, 16); /* seeded before the fork */
	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		span_random_id(theirs, 16);
		_exit(write(fd[1], theirs, 16) == 16 ? 0 : 1);
	}
	span_random_id(mine, 16);
	assert_int_equal(read(fd[0], theirs, 16), 16);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_memory_not_equal(mine, theirs, 16);
	close(fd[0]);
	close(fd[1]);
}

/* --- the exporter's queue --- */

enum { PRODUCERS = 4, PER_PRODUCER = 200000 };

struct qtest {
	struct otlp_queue q;
	atomic_size_t pushed_sum, full;
};

static void *producer(void *arg)
{
	struct qtest *t = arg;
	static atomic_size_t next_id = 1;
	size_t i, id;

	for (i = 0; i < PER_PRODUCER; i++) {
		id = atomic_fetch_add(&next_id, 1);
		while (!oq_push(&t->q, (void *)id))
			atomic_fetch_add(&t->full, 1);
		atomic_fetch_add(&t->pushed_sum, id);
	}
	return NULL;
}

static void test_queue_producers(void **state)
{
	struct qtest t;
	pthread_t th[PRODUCERS];
	size_t got = 0, sum = 0, i;
	void *item;

	assert_int_equal(oq_init(&t.q, 1000), 0);
	assert_int_equal(oq_capacity(&t.q), 1024);
	atomic_init(&t.pushed_sum, 0);
	atomic_init(&t.full, 0);
	for (i = 0; i < PRODUCERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, producer, &t), 0);
	while (got < (size_t)PRODUCERS * PER_PRODUCER) {
		item = oq_pop(&t.q);
		if (item) {
			got++;
			sum += (size_t)item;
		}
	}
	for (i = 0; i < PRODUCERS; i++)
		pthread_join(th[i], NULL);
	assert_null(oq_pop(&t.q));
	assert_int_equal(sum, atomic_load(&t.pushed_sum));
	free(t.q.cells);
}

static void test_queue_full(void **state)
{
	struct otlp_queue q;
	size_t i;

	assert_int_equal(oq_init(&q, 4), 0);
	for (i = 1; i <= 4; i++)
		assert_true(oq_push(&q, (void *)i));
	assert_false(oq_push(&q, (void *)5));
	assert_int_equal(oq_len(&q), 4);
	assert_ptr_equal(oq_pop(&q), (void *)1);
	assert_true(oq_push(&q, (void *)5));
	for (i = 2; i <= 5; i++)
		assert_ptr_equal(oq_pop(&q), (void *)i);
	assert_null(oq_pop(&q));
	oq_reset(&q);
	assert_int_equal(oq_len(&q), 0);
	free(q.cells);
}

/* --- encoding --- */

static void test_encode(void **state)
{
	struct otlp_resource res = {"epro-api", 4242};
	struct triage_span *root, *child, *spans[2];
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest
	    *req;
	Opentelemetry__Proto__Trace__V1__Span *a, *b;
	uint8_t *buf;
	size_t len;

	root =
	    span_start_remote("GET /patients", TRIAGE_SPAN_SERVER, NULL, NULL);
	child = triage_span_start("SELECT", TRIAGE_SPAN_CLIENT, NULL);
	triage_span_attr_str(child, "db.system", "postgresql");
	triage_span_attr_int(child, "rows", -3);
	triage_span_set_error(child, "timeout");
	/* Ended by hand: no exporter is configured in this test. */
	child->end_ns = child->start_ns + 1500;
	root->end_ns = root->start_ns + 9000;
	spans[0] = root;
	spans[1] = child;
	assert_int_equal(otlp_encode_spans(spans, 2, &res, &buf, &len), 0);

	req =
	    opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
		NULL, len, buf);
	assert_non_null(req);
	assert_int_equal(req->n_resource_spans, 1);
	assert_string_equal(req->resource_spans[0]
				->resource->attributes[0]
				->value->string_value,
			    "epro-api");
	assert_int_equal(req->resource_spans[0]->scope_spans[0]->n_spans, 2);
	a = req->resource_spans[0]->scope_spans[0]->spans[0];
	b = req->resource_spans[0]->scope_spans[0]->spans[1];
	assert_string_equal(a->name, "GET /patients");
	assert_int_equal(a->kind, 2);
	assert_int_equal(a->parent_span_id.len, 0);
	assert_int_equal(a->end_time_unix_nano - a->start_time_unix_nano, 9000);
	assert_int_equal(b->kind, 3);
	assert_memory_equal(b->parent_span_id.data, root->cur.ctx.span_id, 8);
	assert_memory_equal(b->trace_id.data, root->cur.ctx.trace_id, 16);
	assert_int_equal(b->n_attributes, 2);
	assert_int_equal(b->attributes[1]->value->int_value, -3);
	assert_int_equal(b->status->code, 2);
	assert_string_equal(b->status->message, "timeout");
	assert_int_equal(b->flags, 1);
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(
	    req, NULL);
	free(buf);

	triage_span_end(child);
	triage_span_end(root);
	expect_current(NULL);
}

static void test_retry_rules(void **state)
{
	int64_t rejected;
	long ms;
	int i;

	assert_int_equal(otlp_retry_after("5", 1, 0, &ms), 0);
	assert_int_equal(ms, 5000);
	assert_int_equal(otlp_retry_after(" 0 \r\n", 5, 0, &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(otlp_retry_after("99999999999999", 14, 0, &ms), 0);
	assert_int_equal(ms, OTLP_RETRY_AFTER_MAX_MS);
	/* 1445412480 is Wed, 21 Oct 2015 07:28:00 GMT. */
	assert_int_equal(otlp_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 29,
					  1445412480 - 7, &ms),
			 0);
	assert_int_equal(ms, 7000);
	assert_int_equal(otlp_retry_after("soon", 4, 0, &ms), TRIAGE_EFORMAT);
	assert_int_equal(otlp_retry_after("", 0, 0, &ms), TRIAGE_EFORMAT);

	for (i = 0; i < 8; i++) {
		long lo = otlp_backoff_ms(i, 0.0),
		     hi = otlp_backoff_ms(i, 0.999);
		long base = 1000L << (i < 5 ? i : 5);

		assert_true(lo >= base * 8 / 10 && hi <= base * 12 / 10);
	}
	assert_true(otlp_retryable_status(429) && otlp_retryable_status(503));
	assert_true(otlp_retryable_status(502) && otlp_retryable_status(504));
	assert_false(otlp_retryable_status(400) || otlp_retryable_status(500));

	/* The answer: empty is a full success; partial success counted. */
	assert_int_equal(otlp_decode_response(NULL, 0, &rejected), 0);
	assert_int_equal(rejected, 0);
	assert_int_equal(otlp_decode_response(
			     (const uint8_t *)"\x0a\x0b\x08\x03\x12\x07too big",
			     13, &rejected),
			 0);
	assert_int_equal(rejected, 3);
	assert_int_equal(
	    otlp_decode_response((const uint8_t *)"\xff\xff", 2, &rejected),
	    TRIAGE_EFORMAT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nesting),
	    cmocka_unit_test(test_explicit_parent),
	    cmocka_unit_test(test_attributes_and_status),
	    cmocka_unit_test(test_null_span),
	    cmocka_unit_test(test_handoff),
	    cmocka_unit_test(test_attach_restores),
	    cmocka_unit_test(test_out_of_order),
	    cmocka_unit_test(test_unique_ids),
	    cmocka_unit_test(test_ids_after_fork),
	    cmocka_unit_test(test_queue_producers),
	    cmocka_unit_test(test_queue_full),
	    cmocka_unit_test(test_encode),
	    cmocka_unit_test(test_retry_rules),
	};

	/* The span-end lines are written (their code runs under the
	 * sanitizers too) but not shown. */
	setenv("TRIAGE_LOG_PATH", "/dev/null", 1);
	/* No receiver here: spans are freed when they end. */
	unsetenv("TRIAGE_OTLP_ENDPOINT");
	unsetenv("OTEL_EXPORTER_OTLP_ENDPOINT");
	unsetenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
