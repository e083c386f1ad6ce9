/*
 * thread_text.c - thread dumps and the threadcreate profile as text (see
 * thread_text.h).
 *
 * Offsets follow Go: a "#" line of debug=1 shows the address looked up
 * (a return address less one, inside the call) and its distance from
 * the function's entry; a frame of debug=2 shows the return address's
 * distance, and an inlined frame none. C frames have no arguments to
 * show, so every function is written "name(...)".
 */
#include "thread_text.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INLINE 16

void tdump_printf(struct tdump_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	while (!t->failed) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf ? t->buf + t->len : NULL,
			      t->buf ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = true;
			return;
		}
		if (t->buf && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		size_t want = (t->cap ? t->cap * 2 : 4096) + (size_t)n;
		char *p = realloc(t->buf, want);

		if (!p) {
			t->failed = true;
			return;
		}
		t->buf = p;
		t->cap = want;
	}
}

/* Stacks compare by depth-wise pcs, so that equal stacks are adjacent. */
static int cmp_stacks(const struct tdump_record *a,
		      const struct tdump_record *b)
{
	int i;

	for (i = 0; i < a->depth && i < b->depth; i++)
		if (a->pcs[i] != b->pcs[i])
			return a->pcs[i] < b->pcs[i] ? -1 : 1;
	return (a->depth > b->depth) - (a->depth < b->depth);
}

/* Most first; stacks before the stackless; then by stack or reason. */
static int by_count(const void *x, const void *y)
{
	const struct tdump_record *a = x, *b = y;

	if (!a->no_stack != !b->no_stack)
		return a->no_stack ? 1 : -1;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	if (a->no_stack)
		return strcmp(a->no_stack, b->no_stack);
	return cmp_stacks(a, b);
}

/* The "#" lines of one stack. */
static void write_hash_frames(struct tdump_text *t, const uint64_t *pcs,
			      int depth, bool leaf_exact,
			      const struct tdump_resolver *r)
{
	struct tsym_frame f[MAX_INLINE];
	int i, j, n;

	for (i = 0; i < depth; i++) {
		uint64_t pc = pcs[i] - (i == 0 && leaf_exact ? 0 : 1);
		uint64_t off = 0;
		const char *mod;

		n = r->frames(r->ctx, pc, f, MAX_INLINE);
		if (n <= 0) {
			mod = r->module(r->ctx, pc, &off);
			if (mod)
				tdump_printf(
				    t, "#\t%#" PRIx64 "\t%s+%#" PRIx64 "\n", pc,
				    mod, off);
			else
				tdump_printf(t, "#\t%#" PRIx64 "\n", pc);
			continue;
		}
		for (j = 0; j < n; j++) {
			tdump_printf(t, "#\t%#" PRIx64 "\t%s+%#" PRIx64 "\t",
				     pc, f[j].name,
				     f[j].entry ? pc - f[j].entry : 0);
			if (f[j].file[0])
				tdump_printf(t, "%s:%" PRId64 "\n", f[j].file,
					     f[j].line);
			else if ((mod = r->module(r->ctx, pc, &off)))
				tdump_printf(t, "%s\n", mod);
			else
				tdump_printf(t, "?\n");
		}
	}
}

void tdump_write_count(struct tdump_text *t, const char *name, int64_t total,
		       struct tdump_record *recs, size_t n, bool leaf_exact,
		       const struct tdump_resolver *r)
{
	size_t i;
	int k;

	qsort(recs, n, sizeof(*recs), by_count);
	tdump_printf(t, "%s profile: total %" PRId64 "\n", name, total);
	for (i = 0; i < n; i++) {
		const struct tdump_record *rec = &recs[i];

		if (rec->no_stack) {
			tdump_printf(t, "# %" PRId64 " without a stack: %s\n\n",
				     rec->count, rec->no_stack);
			continue;
		}
		tdump_printf(t, "%" PRId64 " @", rec->count);
		for (k = 0; k < rec->depth; k++)
			tdump_printf(t, " %#" PRIx64, rec->pcs[k]);
		tdump_printf(t, "\n");
		write_hash_frames(t, rec->pcs, rec->depth, leaf_exact, r);
		tdump_printf(t, "\n");
	}
}

const char *tdump_state_text(const struct tdump_task *task, char *buf,
			     size_t len)
{
	const char *words = tdump_state_words(task->state);
	const char *sc = tdump_syscall_name(task->syscall);
	size_t n;

	if (words)
		n = (size_t)snprintf(buf, len, "%s", words);
	else
		n = (size_t)snprintf(buf, len, "state %c", task->state);
	if (n < len && sc)
		n += (size_t)snprintf(buf + n, len - n, ", syscall %s", sc);
	else if (n < len && task->syscall >= 0)
		n += (size_t)snprintf(buf + n, len - n, ", syscall %ld",
				      task->syscall);
	if (n < len && task->wchan[0])
		snprintf(buf + n, len - n, ", wchan %s", task->wchan);
	return buf;
}

const char *tdump_outcome_text(const struct tdump_thread *t, int timeout_ms,
			       char *buf, size_t len)
{
	switch (t->outcome) {
	case TDUMP_STACK:
		if (t->depth > 0)
			return NULL;
		snprintf(buf, len, "unwinding found no frame");
		break;
	case TDUMP_NO_ANSWER:
		snprintf(buf, len, "did not answer in %d ms", timeout_ms);
		break;
	case TDUMP_BLOCKED:
		snprintf(buf, len, "blocks the dump signal");
		break;
	case TDUMP_STILL_PENDING:
		snprintf(buf, len, "has not taken an earlier dump's signal");
		break;
	case TDUMP_NOT_SENT:
		snprintf(buf, len, "the dump signal could not be queued");
		break;
	case TDUMP_EXITED:
		snprintf(buf, len, "exited");
		break;
	}
	return buf;
}

/* The thread's name, quoted, with quotes, brackets and controls escaped
 * so that the header stays one parsable line. */
static void write_name(struct tdump_text *t, const char *name)
{
	const unsigned char *p;

	tdump_printf(t, "name \"");
	for (p = (const unsigned char *)name; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\' ||
		    *p == ']')
			tdump_printf(t, "\\x%02x", *p);
		else
			tdump_printf(t, "%c", *p);
	}
	tdump_printf(t, "\"");
}

/* One pc of a traceback: a function line and a location line a frame. */
static void write_trace_frames(struct tdump_text *t, uint64_t pc,
			       uint64_t lookup, const char *prefix,
			       const struct tdump_resolver *r)
{
	struct tsym_frame f[MAX_INLINE];
	const char *mod;
	uint64_t off = 0;
	int j, n = r->frames(r->ctx, lookup, f, MAX_INLINE);

	if (n <= 0) {
		mod = r->module(r->ctx, lookup, &off);
		tdump_printf(t, "%s?(...)\n", prefix);
		if (mod)
			tdump_printf(t, "\t%s +%#" PRIx64 "\n", mod,
				     off + (pc - lookup));
		else
			tdump_printf(t, "\t? pc=%#" PRIx64 "\n", pc);
		return;
	}
	for (j = 0; j < n; j++) {
		bool inlined = j < n - 1;

		tdump_printf(t, "%s%s(...)\n\t", prefix, f[j].name);
		if (f[j].file[0])
			tdump_printf(t, "%s:%" PRId64, f[j].file, f[j].line);
		else if ((mod = r->module(r->ctx, lookup, &off)))
			tdump_printf(t, "%s", mod);
		else
			tdump_printf(t, "?");
		if (!inlined && f[j].entry && pc > f[j].entry)
			tdump_printf(t, " +%#" PRIx64, pc - f[j].entry);
		tdump_printf(t, "\n");
	}
}

void tdump_write_thread(struct tdump_text *t, const char *word,
			const struct tdump_thread *th, int timeout_ms,
			const uint64_t *creator, int creator_depth,
			const struct tdump_resolver *r)
{
	char state[160], why[80];
	int i;

	tdump_printf(t, "%s %d [%s, ", word, (int)th->tid,
		     tdump_state_text(&th->task, state, sizeof(state)));
	write_name(t, th->task.name);
	tdump_printf(t, "]:\n");
	if (tdump_outcome_text(th, timeout_ms, why, sizeof(why)))
		tdump_printf(t, "no stack: %s\n", why);
	for (i = 0; i < th->depth; i++) {
		uint64_t pc = th->pcs[i];

		write_trace_frames(t, pc, i == 0 ? pc : pc - 1, "", r);
	}
	if (th->depth >= TDUMP_MAX_DEPTH)
		tdump_printf(t, "...additional frames elided...\n");
	if (creator && creator_depth > 0) {
		/* Like Go, the function that made the thread, once. */
		struct tsym_frame f[MAX_INLINE];
		uint64_t pc = creator[0];
		int n = r->frames(r->ctx, pc - 1, f, MAX_INLINE);
		uint64_t off = 0;
		const char *mod;

		if (n > 0 && f[0].file[0])
			tdump_printf(t, "created by %s\n\t%s:%" PRId64,
				     f[0].name, f[0].file, f[0].line);
		else if (n > 0)
			tdump_printf(t, "created by %s\n\t?", f[0].name);
		else if ((mod = r->module(r->ctx, pc - 1, &off)))
			tdump_printf(t, "created by ?\n\t%s", mod);
		else
			tdump_printf(t, "created by ?\n\t? pc=%#" PRIx64, pc);
		if (n > 0 && f[n - 1].entry && pc > f[n - 1].entry)
			tdump_printf(t, " +%#" PRIx64, pc - f[n - 1].entry);
		tdump_printf(t, "\n");
	}
	tdump_printf(t, "\n");
}
