/*
 * span.c - starting and ending spans, their attributes and status, and
 * handing a span to another thread.
 *
 * A span is one allocation (its name inline) made at start; ending it
 * stamps the time, restores the thread's previous span, writes the
 * span-end log line and hands the span to the exporter, which frees it
 * once sent. Unsampled spans, and all spans when no exporter is set up,
 * are freed at once. Neither call waits for another thread or makes a
 * system call (clock_gettime is the vDSO's), the log line's write aside
 * (the logger batches it).
 */
#include "span.h"

#include "options.h"
#include "otlp_exporter.h"
#include "tracecontext.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TLS __thread __attribute__((tls_model("initial-exec")))

/* The tracestate of the thread's current span, when the span is of
 * this process: its children inherit it. */
static TLS struct span_tstate_ref cur_ts;

/* What triage_span_attach() replaced, so detach restores it whole (the
 * public struct holds the context only). */
#define ATTACH_DEPTH 8
static TLS struct {
	struct span_current cur;
	struct span_tstate_ref ts;
} attached[ATTACH_DEPTH];
static TLS unsigned nattached;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const char *span_kind_name(enum triage_span_kind kind)
{
	static const char *const names[] = {
	    [TRIAGE_SPAN_INTERNAL] = "internal",
	    [TRIAGE_SPAN_SERVER] = "server",
	    [TRIAGE_SPAN_CLIENT] = "client",
	    [TRIAGE_SPAN_PRODUCER] = "producer",
	    [TRIAGE_SPAN_CONSUMER] = "consumer",
	};

	if ((unsigned)kind >= sizeof(names) / sizeof(names[0]))
		return "internal";
	return names[kind];
}

static struct span_tstate *tstate_new(const char *text)
{
	size_t n = strlen(text);
	struct span_tstate *t;

	if (!n)
		return NULL;
	t = malloc(sizeof(*t) + n + 1);
	if (!t)
		return NULL;
	atomic_init(&t->refs, 1);
	memcpy(t->text, text, n + 1);
	return t;
}

static struct span_tstate *tstate_ref(struct span_tstate *t)
{
	if (t)
		atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
	return t;
}

static void tstate_unref(struct span_tstate *t)
{
	if (t &&
	    atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) == 1)
		free(t);
}

/* A reference to the thread's current tracestate when `ctx` is the
 * context it belongs to. */
static struct span_tstate *
inherited_tstate(const struct triage_span_context *ctx)
{
	if (cur_ts.t && !memcmp(cur_ts.span_id, ctx->span_id, 8))
		return tstate_ref(cur_ts.t);
	return NULL;
}

/* Makes `t` (a reference the caller gives up) the thread's current
 * tracestate, for span `span_id`; returns the one it replaces, whose
 * reference the caller now holds. */
static struct span_tstate_ref swap_tstate(const uint8_t *span_id,
					  struct span_tstate *t)
{
	struct span_tstate_ref old = cur_ts;

	memcpy(cur_ts.span_id, span_id, 8);
	cur_ts.t = t;
	return old;
}

/* Fills the span's context: a child of `parent` when it is valid, else
 * the root of a new, sampled trace. */
static void set_identity(struct triage_span *s,
			 const struct triage_span_context *parent)
{
	if (parent && tctx_valid(parent)) {
		memcpy(s->cur.ctx.trace_id, parent->trace_id, 16);
		memcpy(s->cur.parent_id, parent->span_id, 8);
		s->cur.ctx.flags = parent->flags & TCTX_FLAG_SAMPLED;
	} else {
		span_random_id(s->cur.ctx.trace_id, 16);
		s->cur.ctx.flags = TCTX_FLAG_SAMPLED;
	}
	span_random_id(s->cur.ctx.span_id, 8);
}

static struct triage_span *start(const char *name, enum triage_span_kind kind,
				 const struct triage_span_context *parent,
				 struct span_tstate *tstate)
{
	size_t n = name ? strlen(name) : 0;
	struct triage_span *s = malloc(sizeof(*s) + n + 1);

	if (!s) {
		tstate_unref(tstate);
		return NULL;
	}
	memset(s, 0, sizeof(*s));
	memcpy(s->name, name ? name : "", n + 1);
	s->kind = kind;
	s->tstate = tstate;
	set_identity(s, parent);
	s->owner = pthread_self();

	/* The new span becomes current; end puts these back. */
	span_current_set(&s->cur, &s->prev);
	s->prev_ts = swap_tstate(s->cur.ctx.span_id, tstate_ref(s->tstate));
	s->start_ns = now_ns();
	return s;
}

TRIAGE_API struct triage_span *
triage_span_start(const char *name, enum triage_span_kind kind,
		  const struct triage_span_context *parent)
{
	struct span_current cur;

	if (!parent && span_current_get(&cur))
		parent = &cur.ctx;
	return start(name, kind, parent,
		     parent ? inherited_tstate(parent) : NULL);
}

struct triage_span *span_start_remote(const char *name,
				      enum triage_span_kind kind,
				      const struct triage_span_context *parent,
				      const char *tstate)
{
	struct span_tstate *t = NULL;

	if (parent && tctx_valid(parent) && tstate)
		t = tstate_new(tstate);
	return start(name, kind, parent, t);
}

void span_free(struct triage_span *s)
{
	uint32_t i;

	if (!s)
		return;
	for (i = 0; i < s->nattrs; i++) {
		free(s->attrs[i].key);
		if (s->attrs[i].type == SPAN_ATTR_STR)
			free(s->attrs[i].v.s);
	}
	free(s->attrs);
	free(s->message);
	tstate_unref(s->tstate);
	tstate_unref(s->prev_ts.t);
	free(s);
}

/* Restores the thread's previous span when `s` is current here and was
 * started here. A span ended elsewhere, or after a span started later,
 * leaves the thread's span be. */
static void restore_current(struct triage_span *s)
{
	struct span_current now;
	struct span_tstate_ref mine;

	if (!pthread_equal(s->owner, pthread_self()) ||
	    !span_current_get(&now) ||
	    memcmp(now.ctx.span_id, s->cur.ctx.span_id, 8)) {
		tstate_unref(s->prev_ts.t);
		s->prev_ts.t = NULL;
		return;
	}
	span_current_set(tctx_valid(&s->prev.ctx) ? &s->prev : NULL, NULL);
	mine = swap_tstate(s->prev_ts.span_id, s->prev_ts.t);
	tstate_unref(mine.t);
	s->prev_ts.t = NULL;
}

TRIAGE_API void triage_span_end(struct triage_span *s)
{
	if (!s)
		return;
	s->end_ns = now_ns();
	if (s->end_ns < s->start_ns)
		s->end_ns = s->start_ns; /* the wall clock stepped back */
	span_log_end(s);
	restore_current(s);
	if (!(s->cur.ctx.flags & TCTX_FLAG_SAMPLED) || !otlp_enqueue(s))
		span_free(s);
}

TRIAGE_API void triage_span_set_error(struct triage_span *s,
				      const char *message)
{
	if (!s)
		return;
	s->error = true;
	free(s->message);
	s->message = message ? strdup(message) : NULL;
}

/* The slot for `key`: its own when set before, else a new one; NULL
 * when the span is full (the attribute is counted as dropped) or memory
 * runs out. */
static struct span_attr *attr_slot(struct triage_span *s, const char *key)
{
	struct span_attr *a;
	uint32_t i;

	for (i = 0; i < s->nattrs; i++)
		if (!strcmp(s->attrs[i].key, key)) {
			a = &s->attrs[i];
			if (a->type == SPAN_ATTR_STR)
				free(a->v.s);
			return a;
		}
	if (s->nattrs == SPAN_MAX_ATTRS) {
		s->dropped_attrs++;
		return NULL;
	}
	if (s->nattrs == s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 4;

		a = realloc(s->attrs, cap * sizeof(*a));
		if (!a)
			return NULL;
		s->attrs = a;
		s->cap = cap;
	}
	a = &s->attrs[s->nattrs];
	a->key = strdup(key);
	if (!a->key)
		return NULL;
	s->nattrs++;
	return a;
}

TRIAGE_API void triage_span_attr_str(struct triage_span *s, const char *key,
				     const char *value)
{
	struct span_attr *a;
	char *copy;

	if (!s || !key)
		return;
	copy = strdup(value ? value : "");
	a = copy ? attr_slot(s, key) : NULL;
	if (!a) {
		free(copy);
		return;
	}
	a->type = SPAN_ATTR_STR;
	a->v.s = copy;
}

TRIAGE_API void triage_span_attr_int(struct triage_span *s, const char *key,
				     int64_t value)
{
	struct span_attr *a = s && key ? attr_slot(s, key) : NULL;

	if (a) {
		a->type = SPAN_ATTR_INT;
		a->v.i = value;
	}
}

TRIAGE_API void triage_span_attr_double(struct triage_span *s, const char *key,
					double value)
{
	struct span_attr *a = s && key ? attr_slot(s, key) : NULL;

	if (a) {
		a->type = SPAN_ATTR_DOUBLE;
		a->v.d = value;
	}
}

TRIAGE_API void triage_span_attr_bool(struct triage_span *s, const char *key,
				      int value)
{
	struct span_attr *a = s && key ? attr_slot(s, key) : NULL;

	if (a) {
		a->type = SPAN_ATTR_BOOL;
		a->v.b = value != 0;
	}
}

TRIAGE_API int triage_span_context(const struct triage_span *s,
				   struct triage_span_context *out)
{
	if (!s || !out)
		return TRIAGE_EINVAL;
	*out = s->cur.ctx;
	return 0;
}

TRIAGE_API void triage_span_attach(struct triage_span *s,
				   struct triage_span_context *saved)
{
	struct span_tstate_ref old;
	struct span_current prev;

	if (!s) {
		if (saved)
			memset(saved, 0, sizeof(*saved));
		return;
	}
	span_current_set(&s->cur, &prev);
	if (saved)
		*saved = prev.ctx;
	old = swap_tstate(s->cur.ctx.span_id, tstate_ref(s->tstate));
	if (nattached < ATTACH_DEPTH) {
		attached[nattached].cur = prev;
		attached[nattached].ts = old;
	} else {
		tstate_unref(
		    old.t); /* too deep: the context alone comes back */
	}
	nattached++;
}

TRIAGE_API void triage_span_detach(const struct triage_span_context *saved)
{
	struct span_current cur = {0};
	struct span_tstate_ref ts = {{0}, NULL}, mine;

	if (nattached > 0) {
		nattached--;
		if (nattached < ATTACH_DEPTH) {
			cur = attached[nattached].cur;
			ts = attached[nattached].ts;
		}
	}

	/* Trust the saved record only when it is what the caller saved. */
	if (!saved || memcmp(&cur.ctx, saved, sizeof(*saved))) {
		memset(&cur, 0, sizeof(cur));
		if (saved)
			cur.ctx = *saved;
		tstate_unref(ts.t);
		ts.t = NULL;
	}
	span_current_set(tctx_valid(&cur.ctx) ? &cur : NULL, NULL);
	mine = swap_tstate(ts.span_id, ts.t);
	tstate_unref(mine.t);
}
