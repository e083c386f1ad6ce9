/*
 * merge.c - the lines of one trace from several log files, in time
 * order, in one pass and bounded memory.
 *
 * Each file is in time order except for small reorderings: threads take
 * their timestamps and then race to write. So each input keeps the
 * trace's lines it has read in a small heap (by time, then file order),
 * and a line goes out only when every input has been read past its time
 * plus the window, or has ended. Lines of other traces are read only for
 * their time, which is what lets an input move on; they are never kept.
 * Reading always goes to the input that is furthest behind, so all of
 * them advance together and nothing waits on a file read to its end.
 */
#include "logs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- one input's heap, by (time, read order) ---- */

static bool earlier(const struct logs_pending *a, const struct logs_pending *b)
{
	return a->time_us < b->time_us ||
	       (a->time_us == b->time_us && a->seq < b->seq);
}

static void swap(struct logs_pending **h, size_t i, size_t j)
{
	struct logs_pending *x = h[i];

	h[i] = h[j];
	h[j] = x;
}

static int heap_push(struct logs_input *in, struct logs_pending *p)
{
	struct logs_pending **nh;
	size_t i, ncap;

	if (in->nheap == in->capheap) {
		ncap = in->capheap ? in->capheap * 2 : 16;
		nh = realloc(in->heap, ncap * sizeof(*nh));
		if (!nh)
			return -ENOMEM;
		in->heap = nh;
		in->capheap = ncap;
	}
	i = in->nheap++;
	in->heap[i] = p;
	while (i && earlier(in->heap[i], in->heap[(i - 1) / 2])) {
		swap(in->heap, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	return 0;
}

static struct logs_pending *heap_pop(struct logs_input *in)
{
	struct logs_pending *top = in->heap[0];
	size_t i = 0, c;

	in->heap[0] = in->heap[--in->nheap];
	for (;;) {
		c = 2 * i + 1;
		if (c >= in->nheap)
			break;
		if (c + 1 < in->nheap && earlier(in->heap[c + 1], in->heap[c]))
			c++;
		if (!earlier(in->heap[c], in->heap[i]))
			break;
		swap(in->heap, i, c);
		i = c;
	}
	return top;
}

/* ---- reading ---- */

static bool of_trace(const struct logs_line *l, const char *trace)
{
	return l->trace.p && l->trace.n == 32 && !l->trace.escaped &&
	       !strncasecmp(l->trace.p, trace, 32);
}

/* Keeps a line of the trace until its turn. */
static int hold(struct logs_merge *m, struct logs_input *in, const char *text,
		size_t len, const struct logs_line *l)
{
	struct logs_pending *p;
	int rc;

	while (len && (text[len - 1] == '\r' || text[len - 1] == ' ' ||
		       text[len - 1] == '\t'))
		len--;
	p = malloc(sizeof(*p) + len + 1);
	if (!p)
		return -ENOMEM;
	p->time_us = l->time_us;
	p->seq = in->seq++;
	logs_spans_add(&m->spans, l, in->service);
	p->has_span = logs_span_id_parse(&l->span, &p->span) == 0;
	p->depth = 0;
	p->span_end = logs_str_is(&l->content, "span end");
	p->len = len;
	memcpy(p->text, text, len);
	p->text[len] = '\0';
	rc = heap_push(in, p);
	if (rc) {
		free(p);
		return rc;
	}
	m->pending_bytes += sizeof(*p) + len + 1;
	if (m->emitted_any && l->time_us < m->last_emitted)
		m->counts.late++;
	return 0;
}

static bool is_blank(const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return n == 0;
}

/* Reads one line of `in`. Returns 0 or a negative errno. */
static int read_one(struct logs_merge *m, struct logs_input *in)
{
	struct logs_line l;
	const char *text;
	size_t len;
	int rc = logs_reader_next(&in->reader, &text, &len);

	if (rc <= 0) {
		in->done = true;
		if (rc < 0)
			m->failed = in;
		return rc;
	}
	in->lines++;
	if (is_blank(text, len))
		return 0;
	if (logs_line_parse(text, len, &l)) {
		in->not_json++;
		return 0;
	}
	if (!of_trace(&l, m->trace)) {
		if (l.has_time && l.time_us > in->watermark)
			in->watermark = l.time_us;
		return 0;
	}
	if (!l.has_time) {
		in->no_time++;
		return 0;
	}
	if (l.time_us > in->watermark)
		in->watermark = l.time_us;
	return hold(m, in, text, len, &l);
}

/* ---- choosing the next line ---- */

static int depth_of(const struct logs_merge *m, const struct logs_pending *p)
{
	return p->has_span ? logs_spans_depth(&m->spans, p->span) : 0;
}

/*
 * Whether input `in`, whose next line is `p`, has come back up from a
 * call that `q` (another input's line) was part of: its last line shown
 * was in a span below p's, on the branch that holds q's span. The call
 * has returned in `in`, so q happened before p.
 */
static bool returned_from(const struct logs_merge *m,
			  const struct logs_input *in,
			  const struct logs_pending *p,
			  const struct logs_pending *q)
{
	uint64_t branch;

	return in->has_last_span && p->has_span && q->has_span &&
	       logs_spans_branch(&m->spans, in->last_span, p->span, &branch) &&
	       logs_spans_within(&m->spans, q->span, branch);
}

/*
 * Whether a (head of input ia) goes before b (head of input ib) when
 * both have the same time, as a millisecond clock often makes them. A
 * line of a call that has already returned in the other input goes
 * first. Otherwise: a parent's line before its child's (the request
 * goes down), a child's "span end" before its parent's and before the
 * parent's lines that follow the call (the answer comes back up).
 */
static bool tie_first(const struct logs_merge *m, const struct logs_input *ia,
		      const struct logs_pending *a, const struct logs_input *ib,
		      const struct logs_pending *b)
{
	int da, db;

	if (returned_from(m, ib, b, a))
		return true;
	if (returned_from(m, ia, a, b))
		return false;
	da = depth_of(m, a);
	db = depth_of(m, b);
	if (!a->span_end && !b->span_end)
		return da < db;
	if (a->span_end && b->span_end)
		return da > db;
	if (a->span_end)
		return db <= da;
	return da > db;
}

/* The input whose first held line goes next, or NULL if none holds any. */
static struct logs_input *best_input(struct logs_merge *m)
{
	struct logs_input *best = NULL, *in;
	const struct logs_pending *a, *b;
	size_t i;

	for (i = 0; i < m->ninputs; i++) {
		in = &m->inputs[i];
		if (!in->nheap)
			continue;
		if (!best) {
			best = in;
			continue;
		}
		a = in->heap[0];
		b = best->heap[0];
		if (a->time_us < b->time_us ||
		    (a->time_us == b->time_us && tie_first(m, in, a, best, b)))
			best = in;
	}
	return best;
}

/* A held line may go once no input can still bring an earlier one. */
static bool ready(const struct logs_merge *m, const struct logs_pending *p)
{
	const struct logs_input *in;
	size_t i;

	if (m->pending_bytes > LOGS_PENDING_MAX)
		return true;
	for (i = 0; i < m->ninputs; i++) {
		in = &m->inputs[i];
		if (!in->done && in->watermark - m->window_us < p->time_us)
			return false;
	}
	return true;
}

/* The input not yet ended that is furthest behind, or NULL. */
static struct logs_input *laggard(struct logs_merge *m)
{
	struct logs_input *lag = NULL, *in;
	size_t i;

	for (i = 0; i < m->ninputs; i++) {
		in = &m->inputs[i];
		if (!in->done && (!lag || in->watermark < lag->watermark))
			lag = in;
	}
	return lag;
}

static int emit_one(struct logs_merge *m, struct logs_input *in,
		    logs_emit_fn emit, void *ctx)
{
	struct logs_pending *p = heap_pop(in);
	int rc;

	m->pending_bytes -= sizeof(*p) + p->len + 1;
	if (!m->emitted_any || p->time_us > m->last_emitted)
		m->last_emitted = p->time_us;
	m->emitted_any = true;
	m->counts.kept++;
	p->depth = depth_of(m, p);
	in->has_last_span = p->has_span;
	in->last_span = p->span;
	rc = emit(ctx, in, p);
	free(p);
	return rc;
}

static void total_counts(struct logs_merge *m)
{
	const struct logs_input *in;
	size_t i;

	for (i = 0; i < m->ninputs; i++) {
		in = &m->inputs[i];
		m->counts.lines += in->lines;
		m->counts.not_json += in->not_json;
		m->counts.no_time += in->no_time;
		m->counts.too_long += in->reader.too_long;
	}
}

int logs_merge_run(struct logs_merge *m, logs_emit_fn emit, void *ctx)
{
	struct logs_input *best, *lag;
	size_t i;
	int rc = 0;

	for (i = 0; i < m->ninputs; i++)
		m->inputs[i].watermark = INT64_MIN + m->window_us;
	for (;;) {
		best = best_input(m);
		if (best && ready(m, best->heap[0])) {
			rc = emit_one(m, best, emit, ctx);
			if (rc)
				break;
			continue;
		}
		lag = laggard(m);
		if (!lag) /* all ended: every held line was ready */
			break;
		rc = read_one(m, lag);
		if (rc)
			break;
	}
	total_counts(m);
	return rc;
}

void logs_merge_free(struct logs_merge *m)
{
	struct logs_input *in;
	size_t i;

	for (i = 0; i < m->ninputs; i++) {
		in = &m->inputs[i];
		while (in->nheap)
			free(heap_pop(in));
		free(in->heap);
		in->heap = NULL;
		in->capheap = 0;
	}
	logs_spans_free(&m->spans);
}
