/*
 * otlp_encode.c - a batch of spans as OTLP's protobuf, with protobuf-c
 * and the messages of proto/opentelemetry (see otlp_encode.h).
 *
 * The messages of a batch live in a handful of arrays sized up front
 * (spans, their statuses, their attributes), so a batch of 512 spans
 * costs a few allocations, not thousands; the strings are the spans'
 * own, borrowed until the bytes are packed.
 */
#include "otlp_encode.h"

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "tracecontext.h"

#include <stdlib.h>
#include <string.h>

typedef Opentelemetry__Proto__Common__V1__AnyValue AnyValue;
typedef Opentelemetry__Proto__Common__V1__KeyValue KeyValue;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope Scope;
typedef Opentelemetry__Proto__Resource__V1__Resource Resource;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans ResourceSpans;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans ScopeSpans;
typedef Opentelemetry__Proto__Trace__V1__Span Span;
typedef Opentelemetry__Proto__Trace__V1__Status Status;
typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest
    Request;
typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse
    Response;

/* triage's kinds to OTLP's SpanKind (1 INTERNAL .. 5 CONSUMER). */
static Opentelemetry__Proto__Trace__V1__Span__SpanKind
otlp_kind(enum triage_span_kind k)
{
	switch (k) {
	case TRIAGE_SPAN_SERVER:
		return OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER;
	case TRIAGE_SPAN_CLIENT:
		return OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CLIENT;
	case TRIAGE_SPAN_PRODUCER:
		return OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_PRODUCER;
	case TRIAGE_SPAN_CONSUMER:
		return OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CONSUMER;
	default:
		return OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_INTERNAL;
	}
}

/* The arrays one batch's messages live in. */
struct batch_mem {
	Span *spans;
	Span **span_ptrs;
	Status *statuses;
	KeyValue *kvs;
	KeyValue **kv_ptrs;
	AnyValue *values;
};

static void batch_mem_free(struct batch_mem *m)
{
	free(m->spans);
	free(m->span_ptrs);
	free(m->statuses);
	free(m->kvs);
	free(m->kv_ptrs);
	free(m->values);
}

static int batch_mem_alloc(struct batch_mem *m, size_t nspans, size_t nattrs)
{
	size_t na = nattrs ? nattrs : 1;

	memset(m, 0, sizeof(*m));
	m->spans = calloc(nspans, sizeof(*m->spans));
	m->span_ptrs = calloc(nspans, sizeof(*m->span_ptrs));
	m->statuses = calloc(nspans, sizeof(*m->statuses));
	m->kvs = calloc(na, sizeof(*m->kvs));
	m->kv_ptrs = calloc(na, sizeof(*m->kv_ptrs));
	m->values = calloc(na, sizeof(*m->values));
	if (!m->spans || !m->span_ptrs || !m->statuses || !m->kvs ||
	    !m->kv_ptrs || !m->values) {
		batch_mem_free(m);
		return TRIAGE_ENOMEM;
	}
	return 0;
}

static void set_attr(KeyValue *kv, AnyValue *v, const struct span_attr *a)
{
	opentelemetry__proto__common__v1__key_value__init(kv);
	opentelemetry__proto__common__v1__any_value__init(v);
	kv->key = a->key;
	kv->value = v;
	switch (a->type) {
	case SPAN_ATTR_STR:
		v->value_case =
		    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
		v->string_value = a->v.s;
		break;
	case SPAN_ATTR_INT:
		v->value_case =
		    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
		v->int_value = a->v.i;
		break;
	case SPAN_ATTR_DOUBLE:
		v->value_case =
		    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE;
		v->double_value = a->v.d;
		break;
	case SPAN_ATTR_BOOL:
		v->value_case =
		    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
		v->bool_value = a->v.b;
		break;
	}
}

/* Fills span message `out` from `s`; its attributes take the next
 * entries of the batch's arrays from *next on. */
static void set_span(Span *out, Status *st, struct triage_span *s,
		     struct batch_mem *m, size_t *next)
{
	static const uint8_t no_parent[8];
	uint32_t i;

	opentelemetry__proto__trace__v1__span__init(out);
	out->trace_id.data = s->cur.ctx.trace_id;
	out->trace_id.len = 16;
	out->span_id.data = s->cur.ctx.span_id;
	out->span_id.len = 8;
	if (memcmp(s->cur.parent_id, no_parent, 8)) {
		out->parent_span_id.data = s->cur.parent_id;
		out->parent_span_id.len = 8;
	}
	out->trace_state = (char *)span_tracestate(s);
	out->flags = s->cur.ctx.flags;
	out->name = s->name;
	out->kind = otlp_kind(s->kind);
	out->start_time_unix_nano = s->start_ns;
	out->end_time_unix_nano = s->end_ns;

	out->attributes = &m->kv_ptrs[*next];
	for (i = 0; i < s->nattrs; i++, (*next)++) {
		m->kv_ptrs[*next] = &m->kvs[*next];
		set_attr(&m->kvs[*next], &m->values[*next], &s->attrs[i]);
	}
	out->n_attributes = s->nattrs;
	out->dropped_attributes_count = s->dropped_attrs;

	opentelemetry__proto__trace__v1__status__init(st);
	if (s->error) {
		st->code =
		    OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR;
		st->message = s->message ? s->message : (char *)"";
	}
	out->status = st;
}

static void set_str_attr(KeyValue *kv, AnyValue *v, const char *key,
			 const char *value)
{
	struct span_attr a = {.key = (char *)key, .type = SPAN_ATTR_STR};

	a.v.s = (char *)value;
	set_attr(kv, v, &a);
}

int otlp_encode_spans(struct triage_span *const *spans, size_t n,
		      const struct otlp_resource *res, uint8_t **out,
		      size_t *len)
{
	KeyValue rkv[4], *rkv_ptrs[4];
	AnyValue rval[4];
	struct span_attr pid = {.key = (char *)"process.pid",
				.type = SPAN_ATTR_INT};
	Resource resource = OPENTELEMETRY__PROTO__RESOURCE__V1__RESOURCE__INIT;
	Scope scope =
	    OPENTELEMETRY__PROTO__COMMON__V1__INSTRUMENTATION_SCOPE__INIT;
	ScopeSpans ss = OPENTELEMETRY__PROTO__TRACE__V1__SCOPE_SPANS__INIT;
	ResourceSpans rs =
	    OPENTELEMETRY__PROTO__TRACE__V1__RESOURCE_SPANS__INIT;
	ScopeSpans *ss_ptr = &ss;
	ResourceSpans *rs_ptr = &rs;
	Request req =
	    OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
	struct batch_mem m;
	size_t nattrs = 0, next = 0, i;

	for (i = 0; i < n; i++)
		nattrs += spans[i]->nattrs;
	if (batch_mem_alloc(&m, n ? n : 1, nattrs))
		return TRIAGE_ENOMEM;
	for (i = 0; i < n; i++) {
		m.span_ptrs[i] = &m.spans[i];
		set_span(&m.spans[i], &m.statuses[i], spans[i], &m, &next);
	}

	/* The resource: who made these spans. */
	set_str_attr(&rkv[0], &rval[0], "service.name", res->service_name);
	set_str_attr(&rkv[1], &rval[1], "telemetry.sdk.name", "triage");
	set_str_attr(&rkv[2], &rval[2], "telemetry.sdk.version",
		     TRIAGE_VERSION);
	pid.v.i = res->pid;
	set_attr(&rkv[3], &rval[3], &pid);
	for (i = 0; i < 4; i++)
		rkv_ptrs[i] = &rkv[i];
	resource.attributes = rkv_ptrs;
	resource.n_attributes = 4;

	scope.name = (char *)"triage";
	scope.version = (char *)TRIAGE_VERSION;
	ss.scope = &scope;
	ss.spans = m.span_ptrs;
	ss.n_spans = n;
	rs.resource = &resource;
	rs.scope_spans = &ss_ptr;
	rs.n_scope_spans = 1;
	req.resource_spans = &rs_ptr;
	req.n_resource_spans = 1;

	*len =
	    opentelemetry__proto__collector__trace__v1__export_trace_service_request__get_packed_size(
		&req);
	*out = malloc(*len ? *len : 1);
	if (*out)
		opentelemetry__proto__collector__trace__v1__export_trace_service_request__pack(
		    &req, *out);
	batch_mem_free(&m);
	return *out ? 0 : TRIAGE_ENOMEM;
}

int otlp_decode_response(const uint8_t *body, size_t len, int64_t *rejected)
{
	Response *r;

	*rejected = 0;
	if (len == 0)
		return 0;
	r = opentelemetry__proto__collector__trace__v1__export_trace_service_response__unpack(
	    NULL, len, body);
	if (!r)
		return TRIAGE_EFORMAT;
	if (r->partial_success && r->partial_success->rejected_spans > 0)
		*rejected = r->partial_success->rejected_spans;
	opentelemetry__proto__collector__trace__v1__export_trace_service_response__free_unpacked(
	    r, NULL);
	return 0;
}
