/*
 * contention_profile.c - snapshots of the contention tables into
 * profile.proto and into Go's legacy text (see contention_internal.h).
 *
 * Both are Go's: the same sample and period types, the heaviest stacks
 * first, and in text "cycles" that are nanoseconds, which the header's
 * cycles/second=1000000000 says, so pprof's legacy parser converts them
 * right. Events that found the table full are charged to one synthetic
 * frame in the proto and mentioned in a comment line of the text.
 */
#include "contention_internal.h"

#include "symbols.h"
#include "triage.h"

#include <dlfcn.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOST_FRAME "triage_contention_table_full"

/* Entries with events, heaviest delay first (then by entry number). */
struct order {
	uint32_t *idx;
	size_t n;
};

static int by_delay(const void *a, const void *b, void *snap)
{
	const struct cont_snapshot *s = snap;
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;

	if (s->v[i].delay != s->v[j].delay)
		return s->v[i].delay > s->v[j].delay ? -1 : 1;
	return i < j ? -1 : 1;
}

static int order_of(const struct cont_snapshot *s, struct order *o)
{
	uint32_t i;

	o->n = 0;
	o->idx = malloc((s->n ? s->n : 1) * sizeof(*o->idx));
	if (!o->idx)
		return TRIAGE_ENOMEM;
	for (i = 0; i < s->n; i++)
		if (s->v[i].count || s->v[i].delay)
			o->idx[o->n++] = i;
	qsort_r(o->idx, o->n, sizeof(*o->idx), by_delay, (void *)s);
	return 0;
}

static void add_lost(struct tprof_builder *b, const struct cont_counts *lost,
		     int64_t scale)
{
	struct tprof_line_in line = {0, 0};
	int64_t values[2] = {lost->count * scale, lost->delay * scale};
	uint64_t loc;

	line.function_id = tprof_add_function(b, LOST_FRAME, LOST_FRAME, "", 0);
	loc = tprof_add_location(b, 0, 0, &line, 1);
	tprof_add_sample(b, &loc, 1, values, NULL, 0);
}

/* Adds one sample per entry of `o`, symbolized, values times `scale`. */
static int add_samples(struct tprof_builder *b, enum cont_kind k,
		       const struct cont_snapshot *s, const struct order *o,
		       int64_t scale)
{
	const struct cont_table *t = &cont.tables[k];
	struct sym_session *ss = sym_session_begin(b);
	uint64_t ids[CONT_MAX_DEPTH];
	size_t i;
	int err = ss ? 0 : TRIAGE_ENOMEM;

	for (i = 0; !err && i < o->n; i++) {
		const struct cont_entry *e = &t->entries[o->idx[i]];
		const struct cont_counts *c = &s->v[o->idx[i]];
		int64_t values[2] = {c->count * scale, c->delay * scale};

		/* Taken by a call, not a signal: every pc is a return
		 * address. */
		err =
		    sym_session_stack(ss, e->pcs, (size_t)e->depth, false, ids);
		if (!err)
			err = tprof_add_sample(b, ids, (size_t)e->depth, values,
					       NULL, 0);
	}
	sym_session_end(ss);
	return err;
}

static int build(enum cont_kind k, const struct cont_snapshot *s,
		 const struct order *o, int64_t duration, int64_t scale,
		 struct tprof **out)
{
	struct tprof_builder *b = tprof_builder_new();
	int err;

	if (!b)
		return TRIAGE_ENOMEM;
	tprof_add_sample_type(b, "contentions", "count");
	tprof_add_sample_type(b, "delay", "nanoseconds");
	tprof_set_period(b, "contentions", "count", 1);
	tprof_set_time(b, s->time_ns, duration);
	err = add_samples(b, k, s, o, scale);
	if (err) {
		tprof_builder_free(b);
		return err;
	}
	if (s->lost.count > 0)
		add_lost(b, &s->lost, scale);
	return tprof_builder_finish(b, out);
}

static int64_t scale_of(enum cont_kind k)
{
	int period = cont.mutex_period;

	return k == CONT_MUTEX && period > 0 ? period : 1;
}

int cont_profile_build(enum cont_kind k, const struct cont_snapshot *s,
		       int64_t duration_ns, struct tprof **out)
{
	struct order o;
	int err = order_of(s, &o);

	if (!err)
		err = build(k, s, &o, duration_ns, scale_of(k), out);
	free(o.idx);
	return err;
}

/*
 * The offset of a location from the start of its physical function, for
 * the text's "name+0x1f". Found with dladdr, which knows exported
 * symbols only; a static function has none, and gets no offset rather
 * than one from the wrong symbol.
 */
static bool entry_offset(const struct tprof_location *l, uint64_t *off)
{
	const struct tprof_function *f = l->lines[l->nlines - 1].function;
	Dl_info info;

	if (!dladdr((void *)(uintptr_t)l->address, &info) || !info.dli_sname ||
	    !info.dli_saddr)
		return false;
	if (strcmp(info.dli_sname, f->system_name) &&
	    strcmp(info.dli_sname, f->name))
		return false;
	*off = l->address - (uint64_t)(uintptr_t)info.dli_saddr;
	return true;
}

/* "#\t<pc>\t<func>+<off>\t<file>:<line>" per frame, inlined ones
 * first, as Go's printStackRecord writes them. */
static void put_frames(FILE *f, const struct tprof_sample *smp)
{
	char off[32];
	uint64_t o;
	size_t i, j;

	for (i = 0; i < smp->nlocations; i++) {
		const struct tprof_location *l = smp->locations[i];

		if (!l->nlines) {
			fprintf(f, "#\t0x%" PRIx64 "\n", l->address);
			continue;
		}
		off[0] = '\0';
		if (entry_offset(l, &o))
			snprintf(off, sizeof(off), "+0x%" PRIx64, o);
		for (j = 0; j < l->nlines; j++)
			fprintf(f, "#\t0x%" PRIx64 "\t%s%s\t%s:%" PRId64 "\n",
				l->address, l->lines[j].function->name, off,
				l->lines[j].function->filename,
				l->lines[j].line);
	}
}

static void put_records(FILE *f, enum cont_kind k,
			const struct cont_snapshot *s, const struct order *o,
			const struct tprof *p)
{
	const struct cont_table *t = &cont.tables[k];
	size_t i;
	int d;

	for (i = 0; i < o->n && i < p->nsamples; i++) {
		const struct cont_entry *e = &t->entries[o->idx[i]];
		const struct cont_counts *c = &s->v[o->idx[i]];

		fprintf(f, "%" PRId64 " %" PRId64 " @", c->delay, c->count);
		for (d = 0; d < e->depth; d++)
			fprintf(f, " 0x%" PRIx64, e->pcs[d]);
		fputc('\n', f);
		put_frames(f, &p->samples[i]);
		fputc('\n', f);
	}
}

int cont_profile_text(enum cont_kind k, const struct cont_snapshot *s,
		      char **out, size_t *len)
{
	struct tprof *p = NULL;
	struct order o;
	FILE *f;
	int err = order_of(s, &o);

	if (!err)
		err = build(k, s, &o, 0, 1, &p);
	f = err ? NULL : open_memstream(out, len);
	if (!err && !f)
		err = TRIAGE_ENOMEM;
	if (f) {
		fprintf(f, "--- %s:\n",
			k == CONT_MUTEX ? "mutex" : "contention");
		fprintf(f, "cycles/second=1000000000\n");
		if (k == CONT_MUTEX)
			fprintf(f, "sampling period=%d\n",
				__atomic_load_n(&cont.mutex_fraction,
						__ATOMIC_RELAXED));
		put_records(f, k, s, &o, p);
		if (s->lost.count > 0)
			fprintf(f,
				"# %" PRId64 " waits (%" PRId64 " ns) not "
				"shown: the table of stacks is full\n",
				s->lost.count, s->lost.delay);
		if (fclose(f) && !err)
			err = TRIAGE_ENOMEM;
		if (err) {
			free(*out);
			*out = NULL;
		}
	}
	tprof_free(p);
	free(o.idx);
	return err;
}
