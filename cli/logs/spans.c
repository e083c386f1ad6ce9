/*
 * spans.c - what `triage logs` remembers of a trace: one summary per
 * span (its parent, service, first and last line, the "span end" line's
 * name, kind, duration and error), never the lines themselves.
 *
 * A span's parent may come later than the span (the caller logs its
 * client span's first line after the callee has answered): it is a
 * placeholder until then. A line's depth is taken when it is shown,
 * which is after every input has been read a window further, so its
 * ancestors are known by then unless they log nothing.
 */
#include "logs.h"

#include <stdlib.h>
#include <string.h>

void logs_spans_init(struct logs_spans *t)
{
	memset(t, 0, sizeof(*t));
}

void logs_spans_free(struct logs_spans *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++)
		free(t->slots[i]);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static int hexdigit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int logs_span_id_parse(const struct logs_str *s, uint64_t *id)
{
	uint64_t v = 0;
	size_t i;
	int d;

	if (!s->p || s->n != 16 || s->escaped)
		return -1;
	for (i = 0; i < 16; i++) {
		d = hexdigit((unsigned char)s->p[i]);
		if (d < 0)
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	*id = v;
	return 0;
}

static size_t slot_of(uint64_t id, size_t cap)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdULL;
	id ^= id >> 33;
	return (size_t)id & (cap - 1);
}

static struct logs_span *find(const struct logs_spans *t, uint64_t id)
{
	size_t i;

	if (!t->cap)
		return NULL;
	for (i = slot_of(id, t->cap); t->slots[i]; i = (i + 1) & (t->cap - 1))
		if (t->slots[i]->id == id)
			return t->slots[i];
	return NULL;
}

/* Doubles the table (kept at most half full). Returns 0 or -1. */
static int grow(struct logs_spans *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 64, i, j;
	struct logs_span **ns = calloc(ncap, sizeof(*ns));

	if (!ns)
		return -1;
	for (i = 0; i < t->cap; i++) {
		if (!t->slots[i])
			continue;
		for (j = slot_of(t->slots[i]->id, ncap); ns[j];
		     j = (j + 1) & (ncap - 1))
			;
		ns[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = ns;
	t->cap = ncap;
	return 0;
}

/* The span `id`, added (with no lines yet) when new; NULL when the table
 * is full or memory is short. */
static struct logs_span *get(struct logs_spans *t, uint64_t id)
{
	struct logs_span *s = find(t, id);
	size_t i;

	if (s)
		return s;
	if (t->count >= LOGS_SPANS_MAX ||
	    ((t->count + 1) * 2 > t->cap && grow(t)))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->id = id;
	s->order = (uint32_t)t->count;
	for (i = slot_of(id, t->cap); t->slots[i]; i = (i + 1) & (t->cap - 1))
		;
	t->slots[i] = s;
	t->count++;
	return s;
}

/* Copies a string member, decoded, into a fixed field, if still empty. */
static void keep(char *dst, size_t cap, const struct logs_str *s)
{
	if (!*dst && s->p)
		logs_str_decode(s, dst, cap);
}

/* A span's first line: where it hangs. The parent is added as a
 * placeholder so that the table holds every span the trace names. */
static void place(struct logs_spans *t, struct logs_span *s,
		  const struct logs_line *l)
{
	uint64_t pid;

	if (logs_span_id_parse(&l->parent, &pid) || pid == s->id)
		return;
	s->has_parent = true;
	s->parent = pid;
	get(t, pid);
}

int logs_spans_depth(const struct logs_spans *t, uint64_t id)
{
	const struct logs_span *s = find(t, id);
	size_t steps = 0;
	int depth = 0;

	while (s && s->has_parent && steps++ < t->count) {
		s = find(t, s->parent);
		if (s && s->lines)
			depth++;
	}
	return depth;
}

bool logs_spans_within(const struct logs_spans *t, uint64_t id, uint64_t anc)
{
	const struct logs_span *s = find(t, id);
	size_t steps = 0;

	if (id == anc)
		return true;
	while (s && s->has_parent && steps++ < t->count) {
		if (s->parent == anc)
			return true;
		s = find(t, s->parent);
	}
	return false;
}

bool logs_spans_branch(const struct logs_spans *t, uint64_t id, uint64_t top,
		       uint64_t *branch)
{
	const struct logs_span *s = find(t, id);
	size_t steps = 0;

	while (s && s->has_parent && steps++ < t->count) {
		if (s->parent == top) {
			*branch = s->id;
			return true;
		}
		s = find(t, s->parent);
	}
	return false;
}

/* What a "span end" line tells of its span. */
static void note_end(struct logs_span *s, const struct logs_line *l)
{
	s->has_end = true;
	keep(s->name, sizeof(s->name), &l->span_name);
	keep(s->kind, sizeof(s->kind), &l->kind);
	if (!l->duration.p || l->duration.escaped ||
	    logs_duration_parse(l->duration.p, l->duration.n, &s->end_us))
		s->end_us = -1;
}

void logs_spans_add(struct logs_spans *t, const struct logs_line *l,
		    const char *service)
{
	struct logs_span *s;
	uint64_t id;

	if (logs_span_id_parse(&l->span, &id))
		return;
	s = get(t, id);
	if (!s) {
		t->dropped_lines++;
		return;
	}
	if (!s->lines) {
		place(t, s, l);
		s->first_us = s->last_us = l->time_us;
	}
	s->lines++;
	if (l->time_us < s->first_us)
		s->first_us = l->time_us;
	if (l->time_us > s->last_us)
		s->last_us = l->time_us;
	keep(s->service, sizeof(s->service), &l->service);
	if (!*s->service && service)
		snprintf(s->service, sizeof(s->service), "%s", service);
	if (logs_str_is(&l->content, "span end"))
		note_end(s, l);
	if (logs_line_is_error(l)) {
		s->error = true;
		keep(s->error_msg, sizeof(s->error_msg),
		     l->error.p ? &l->error : &l->content);
	}
}

/* ---- the closing tree ---- */

static int by_start(const void *a, const void *b)
{
	const struct logs_span *x = *(struct logs_span *const *)a;
	const struct logs_span *y = *(struct logs_span *const *)b;

	if (x->first_us != y->first_us)
		return x->first_us < y->first_us ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Placeholders have no time of their own: they start with their first
 * child, so that they sort where their subtree begins. */
static void date_placeholders(struct logs_span **v, size_t n,
			      const struct logs_spans *t)
{
	struct logs_span *p;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!v[i]->lines || !v[i]->has_parent)
			continue;
		p = find(t, v[i]->parent);
		if (p && !p->lines &&
		    (!p->first_us || v[i]->first_us < p->first_us))
			p->first_us = p->last_us = v[i]->first_us;
	}
}

/* Links each span into its parent's list of children, in start order
 * (v is sorted by start). */
static void link_children(struct logs_span **v, size_t n,
			  const struct logs_spans *t)
{
	struct logs_span *p;
	size_t i;

	for (i = n; i-- > 0;) {
		p = v[i]->has_parent ? find(t, v[i]->parent) : NULL;
		if (p && p != v[i]) {
			v[i]->sibling = p->child;
			p->child = v[i];
		}
	}
}

/* Pushes the children of `s`, the first on top. */
static void push_children(struct logs_span *s, struct logs_span **stack,
			  size_t *top)
{
	size_t from = *top, a, b;
	struct logs_span *c, *x;

	for (c = s->child; c; c = c->sibling) {
		c->tree_depth = s->tree_depth + 1;
		stack[(*top)++] = c;
	}
	for (a = from, b = *top; a + 1 < b; a++, b--) {
		x = stack[a];
		stack[a] = stack[b - 1];
		stack[b - 1] = x;
	}
}

/* Appends `root` and its subtree, depth first, to the list at *tail.
 * The stack has room for every span twice: each is pushed once as a
 * child and at most once as a root. */
static void walk(struct logs_span *root, struct logs_span **stack,
		 struct logs_span ***tail)
{
	struct logs_span *s;
	size_t top = 0;

	root->tree_depth = 0;
	stack[top++] = root;
	while (top) {
		s = stack[--top];
		if (s->listed)
			continue;
		s->listed = true;
		**tail = s;
		*tail = &s->tree_next;
		push_children(s, stack, &top);
	}
}

struct logs_span *logs_spans_tree(struct logs_spans *t)
{
	struct logs_span **v, **stack, *head = NULL, **tail = &head;
	size_t i, n = 0;

	v = calloc(t->count + 1, sizeof(*v));
	stack = calloc(2 * t->count + 1, sizeof(*stack));
	if (!v || !stack)
		goto out;
	for (i = 0; i < t->cap; i++)
		if (t->slots[i]) {
			v[n] = t->slots[i];
			v[n]->child = v[n]->sibling = v[n]->tree_next = NULL;
			v[n++]->listed = false;
		}
	date_placeholders(v, n, t);
	qsort(v, n, sizeof(*v), by_start);
	link_children(v, n, t);
	for (i = 0; i < n; i++)
		if (!v[i]->has_parent || !find(t, v[i]->parent))
			walk(v[i], stack, &tail);
	for (i = 0; i < n; i++) /* spans in a cycle of parents */
		if (!v[i]->listed)
			walk(v[i], stack, &tail);
out:
	free(v);
	free(stack);
	return head;
}
