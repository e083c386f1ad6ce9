/*
 * thread_profile.c - thread dumps and creation stacks grouped into
 * records and samples (see thread_profile.h).
 *
 * Grouping sorts the threads so that equal keys are adjacent and counts
 * the runs: no hash table, and the same order every time.
 */
#include "thread_profile.h"

#include "triage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_INLINE 16
/* Synthetic frames of stackless threads sit at these addresses, one
 * per reason, in no mapping. */
#define SYNTHETIC_BASE 1

static int names_frames(void *ctx, uint64_t pc, struct tsym_frame *out, int max)
{
	return sym_session_frames(ctx, pc, out, max);
}

static const char *names_module(void *ctx, uint64_t pc, uint64_t *offset)
{
	const struct tmaps_entry *e = sym_session_mapping(ctx, pc);

	if (!e || !e->path[0])
		return NULL;
	*offset = pc - e->start + e->offset;
	return e->path;
}

int tdump_names_begin(struct tdump_names *n, struct tprof_builder *b)
{
	n->s = sym_session_begin(b);
	if (!n->s)
		return TRIAGE_ENOMEM;
	n->r.frames = names_frames;
	n->r.module = names_module;
	n->r.ctx = n->s;
	return 0;
}

void tdump_names_end(struct tdump_names *n)
{
	sym_session_end(n->s);
	n->s = NULL;
}

static int cmp_pcs(const uint64_t *a, int na, const uint64_t *b, int nb)
{
	int i;

	for (i = 0; i < na && i < nb; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return (na > nb) - (na < nb);
}

/* A thread of a dump with the text of why it has no stack ("" if it has
 * one), as grouping sees it. */
struct keyed {
	const struct tdump_thread *t;
	const char *why;
};

/* By stack, the stackless after, by why. */
static int by_stack(const void *x, const void *y)
{
	const struct keyed *a = x, *b = y;

	if (!a->why[0] != !b->why[0])
		return a->why[0] ? 1 : -1;
	if (a->why[0])
		return strcmp(a->why, b->why);
	return cmp_pcs(a->t->pcs, a->t->depth, b->t->pcs, b->t->depth);
}

/* As by_stack, then by thread name and state. */
static int by_sample(const void *x, const void *y)
{
	const struct keyed *a = x, *b = y;
	int c = by_stack(x, y);

	if (c)
		return c;
	c = strcmp(a->t->task.name, b->t->task.name);
	if (c)
		return c;
	return (a->t->task.state > b->t->task.state) -
	       (a->t->task.state < b->t->task.state);
}

/*
 * The threads of `d` keyed and sorted with `cmp`; `why` receives the
 * texts, with the state added when `with_state`. NULL when out of memory.
 */
static struct keyed *keyed_threads(const struct tdump *d, char (*why)[192],
				   bool with_state,
				   int (*cmp)(const void *, const void *))
{
	struct keyed *k = calloc(d->n ? d->n : 1, sizeof(*k));
	char reason[96], state[160];
	size_t i;

	if (!k)
		return NULL;
	for (i = 0; i < d->n; i++) {
		const struct tdump_thread *t = &d->threads[i];

		k[i].t = t;
		k[i].why = why[i];
		why[i][0] = '\0';
		if (!tdump_outcome_text(t, d->timeout_ms, reason,
					sizeof(reason)))
			continue;
		if (with_state)
			snprintf(
			    why[i], sizeof(why[i]), "%s [%s]", reason,
			    tdump_state_text(&t->task, state, sizeof(state)));
		else
			snprintf(why[i], sizeof(why[i]), "%s", reason);
	}
	qsort(k, d->n, sizeof(*k), cmp);
	return k;
}

int tdump_groups_of_dump(const struct tdump *d, struct tdump_groups *g)
{
	struct keyed *k;
	size_t i;

	memset(g, 0, sizeof(*g));
	g->why = calloc(d->n ? d->n : 1, sizeof(*g->why));
	g->recs = calloc(d->n ? d->n : 1, sizeof(*g->recs));
	k = g->why && g->recs ? keyed_threads(d, g->why, true, by_stack) : NULL;
	if (!k) {
		tdump_groups_free(g);
		return TRIAGE_ENOMEM;
	}
	for (i = 0; i < d->n; i++) {
		struct tdump_record *r = g->n ? &g->recs[g->n - 1] : NULL;

		if (r && by_stack(&k[i], &k[i - 1]) == 0) {
			r->count++;
			continue;
		}
		r = &g->recs[g->n++];
		r->count = 1;
		r->depth = k[i].t->depth;
		r->pcs = k[i].t->pcs;
		r->no_stack = k[i].why[0] ? k[i].why : NULL;
	}
	free(k);
	return 0;
}

void tdump_groups_free(struct tdump_groups *g)
{
	free(g->recs);
	free(g->why);
	memset(g, 0, sizeof(*g));
}

/* True when one of the frames at `pc` is the function `name`. */
static bool frame_named(const struct tdump_resolver *r, uint64_t pc,
			const char *name)
{
	struct tsym_frame f[MAX_INLINE];
	int j, n = r->frames(r->ctx, pc, f, MAX_INLINE);

	for (j = 0; j < n; j++)
		if (!strcmp(f[j].name, name))
			return true;
	return false;
}

/*
 * The recorded stack starts in tdump_note_create, called by threads.c's
 * create(), itself called by pthread_create (or jumped to: a tail call
 * leaves no frame of pthread_create). Each is skipped once at most, so a
 * host function that happens to be named "create" stays.
 */
int tdump_create_skip(const struct tdump_resolver *r, const uint64_t *pcs,
		      int depth)
{
	int i = 0;

	if (depth < 1 || !frame_named(r, pcs[0] - 1, "tdump_note_create"))
		return 0;
	i = 1;
	if (i < depth && frame_named(r, pcs[i] - 1, "create") &&
	    !frame_named(r, pcs[i] - 1, "pthread_create"))
		i++;
	if (i < depth && frame_named(r, pcs[i] - 1, "pthread_create"))
		i++;
	return i;
}

/* A synthetic location whose one frame is `text`: 0 when out of memory. */
static uint64_t synthetic(struct tprof_builder *b, const char *text,
			  uint64_t address)
{
	char name[128];
	struct tprof_line_in line = {0, 0};

	snprintf(name, sizeof(name), "[no stack: %s]", text);
	line.function_id = tprof_add_function(b, name, name, "", 0);
	if (!line.function_id)
		return 0;
	return tprof_add_location(b, 0, address, &line, 1);
}

/* Adds one sample of `count` threads like k->t. */
static int add_thread_sample(struct tprof_builder *b, struct sym_session *s,
			     const struct keyed *k, int64_t count)
{
	uint64_t ids[TDUMP_MAX_DEPTH];
	const char *state = tdump_state_words(k->t->task.state);
	struct tprof_label_in labels[2] = {
	    {"thread_name", k->t->task.name, 0, NULL},
	    {"thread_state", state ? state : "unknown", 0, NULL},
	};
	size_t n = (size_t)k->t->depth;
	int err;

	if (k->why[0]) {
		ids[0] = synthetic(b, k->why,
				   SYNTHETIC_BASE + (uint64_t)k->t->outcome);
		n = 1;
		if (!ids[0])
			return TRIAGE_ENOMEM;
	} else {
		err = sym_session_stack(s, k->t->pcs, n, true, ids);
		if (err)
			return err;
	}
	return tprof_add_sample(b, ids, n, &count, labels, 2);
}

static int add_thread_samples(struct tprof_builder *b, struct sym_session *s,
			      const struct tdump *d)
{
	char(*why)[192] = calloc(d->n ? d->n : 1, sizeof(*why));
	struct keyed *k = why ? keyed_threads(d, why, false, by_sample) : NULL;
	size_t i, run = 0;
	int err = k ? 0 : TRIAGE_ENOMEM;

	for (i = 0; !err && i < d->n; i++) {
		if (i + 1 < d->n && by_sample(&k[i], &k[i + 1]) == 0)
			continue;
		err = add_thread_sample(b, s, &k[i], (int64_t)(i + 1 - run));
		run = i + 1;
	}
	free(k);
	free(why);
	return err;
}

/* A builder for a count profile named `name`, taken at `time_ns`. */
static struct tprof_builder *count_builder(const char *name, int64_t time_ns)
{
	struct tprof_builder *b = tprof_builder_new();

	if (!b)
		return NULL;
	tprof_add_sample_type(b, name, "count");
	tprof_set_period(b, name, "count", 1);
	tprof_set_time(b, time_ns, 0);
	return b;
}

int tdump_threads_profile(const struct tdump *d, const char *name,
			  struct tprof **out)
{
	struct tprof_builder *b = count_builder(name, d->time_ns);
	struct tdump_names nm;
	int err;

	if (!b)
		return TRIAGE_ENOMEM;
	err = tdump_names_begin(&nm, b);
	if (!err) {
		err = add_thread_samples(b, nm.s, d);
		tdump_names_end(&nm);
	}
	if (err) {
		tprof_builder_free(b);
		return err;
	}
	return tprof_builder_finish(b, out);
}

static int add_create_samples(struct tprof_builder *b, struct tdump_names *nm,
			      const struct tdump_creates *c)
{
	uint64_t ids[TDUMP_CREATE_DEPTH];
	size_t i;
	int err = 0;

	for (i = 0; !err && i < c->n; i++) {
		const struct tdump_create_rec *r = &c->recs[i];
		int skip = tdump_create_skip(&nm->r, r->pcs, r->depth);
		size_t n = (size_t)(r->depth - skip);

		if (n == 0) {
			ids[0] = synthetic(b, "creation stack not recorded",
					   SYNTHETIC_BASE + 16);
			n = 1;
			err = ids[0] ? 0 : TRIAGE_ENOMEM;
		} else {
			err = sym_session_stack(nm->s, r->pcs + skip, n, false,
						ids);
		}
		if (!err)
			err = tprof_add_sample(b, ids, n, &r->count, NULL, 0);
	}
	return err;
}

int tdump_create_profile(const struct tdump_creates *c, struct tprof **out)
{
	struct timespec ts;
	struct tprof_builder *b;
	struct tdump_names nm;
	int err;

	clock_gettime(CLOCK_REALTIME, &ts);
	b = count_builder("threadcreate",
			  (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
	if (!b)
		return TRIAGE_ENOMEM;
	err = tdump_names_begin(&nm, b);
	if (!err) {
		err = add_create_samples(b, &nm, c);
		tdump_names_end(&nm);
	}
	if (err) {
		tprof_builder_free(b);
		return err;
	}
	return tprof_builder_finish(b, out);
}
