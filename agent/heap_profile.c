/*
 * heap_profile.c - snapshots of the heap table, and the proto and text
 * heap profiles made from them (see heap_profile.h).
 *
 * The counts are sampled ones; the proto scales them back to estimates
 * (Go's scaleHeapSample), the text keeps them raw with the rate in its
 * header so that a reader can scale them itself, as Go's text does.
 * Every program counter of a record is a return address (a stack taken
 * by a call), so locations are looked up at address - 1.
 */
#include "heap_profile.h"

#include "heap_hooks.h"
#include "heap_sampler.h"
#include "heap_table.h"
#include "symbols.h"
#include "triage.h"

#include <dlfcn.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int heap_snapshot_take(struct heap_snapshot *s)
{
	size_t n = heap_table_nrecords(), i;

	memset(s, 0, sizeof(*s));
	s->recs = calloc(n ? n : 1, sizeof(*s->recs));
	if (!s->recs)
		return TRIAGE_ENOMEM;
	for (i = 0; i < n; i++) {
		const struct heap_record *r = heap_table_record(i);
		struct heap_snap_rec *o = &s->recs[i];

		/* Frees first: every free counted was counted after its
		 * allocation, so allocs read later is never below. */
		o->frees =
		    (int64_t)__atomic_load_n(&r->frees, __ATOMIC_ACQUIRE);
		o->free_bytes =
		    (int64_t)__atomic_load_n(&r->free_bytes, __ATOMIC_ACQUIRE);
		o->allocs =
		    (int64_t)__atomic_load_n(&r->allocs, __ATOMIC_ACQUIRE);
		o->alloc_bytes =
		    (int64_t)__atomic_load_n(&r->alloc_bytes, __ATOMIC_ACQUIRE);
		o->pcs = r->pcs;
		o->depth = r->depth;
	}
	s->n = n;
	s->time_ns = now_ns(CLOCK_REALTIME);
	s->mono_ns = now_ns(CLOCK_MONOTONIC);
	s->rate = heap_last_rate();
	return 0;
}

void heap_snapshot_free(struct heap_snapshot *s)
{
	free(s->recs);
	memset(s, 0, sizeof(*s));
}

void heap_snapshot_subtract(struct heap_snapshot *later,
			    const struct heap_snapshot *earlier)
{
	size_t i;

	for (i = 0; i < earlier->n && i < later->n; i++) {
		later->recs[i].allocs -= earlier->recs[i].allocs;
		later->recs[i].alloc_bytes -= earlier->recs[i].alloc_bytes;
		later->recs[i].frees -= earlier->recs[i].frees;
		later->recs[i].free_bytes -= earlier->recs[i].free_bytes;
	}
}

static int64_t inuse_of(const struct heap_snap_rec *r)
{
	return r->allocs - r->frees;
}

static int64_t inuse_bytes_of(const struct heap_snap_rec *r)
{
	return r->alloc_bytes - r->free_bytes;
}

/* Go's `bytes` label: the average size of the blocks allocated (of
 * those freed, in a difference where none was allocated). */
static int64_t block_size(const struct heap_snap_rec *r)
{
	if (r->allocs)
		return r->alloc_bytes / r->allocs;
	return r->frees ? r->free_bytes / r->frees : 0;
}

/* The four values of a record, scaled back from the sample. */
static void values_of(const struct heap_snap_rec *r, long rate, int64_t v[4])
{
	heap_unsample(r->allocs, r->alloc_bytes, rate, &v[0], &v[1]);
	heap_unsample(inuse_of(r), inuse_bytes_of(r), rate, &v[2], &v[3]);
}

/* Why a profile may say less than the process did, as a comment. */
static void add_comments(struct tprof_builder *b)
{
	char text[320];

	if (heap_blind_reason()[0]) {
		snprintf(text, sizeof(text), "heap profile is empty: %s",
			 heap_blind_reason());
		tprof_add_comment(b, text);
	} else if (heap_rate() == 0) {
		tprof_add_comment(b, "heap profiling is off "
				     "(TRIAGE_HEAP_SAMPLE=0, or the agent "
				     "stopped)");
	}
}

/*
 * Adds one sample per record, in record order, skipping unchanged
 * ones when `skip_zero`. `from[k]`, when given, receives the record of
 * sample k.
 */
static int add_samples(struct tprof_builder *b, const struct heap_snapshot *s,
		       bool skip_zero, size_t *from)
{
	struct sym_session *sess = sym_session_begin(b);
	uint64_t ids[HEAP_MAX_DEPTH];
	size_t i, k = 0;
	int err = sess ? 0 : TRIAGE_ENOMEM;

	for (i = 0; !err && i < s->n; i++) {
		const struct heap_snap_rec *r = &s->recs[i];
		struct tprof_label_in label = {"bytes", NULL, block_size(r),
					       NULL};
		int64_t v[4];

		if (skip_zero && r->allocs == 0 && r->frees == 0)
			continue;
		values_of(r, s->rate, v);
		err = sym_session_stack(sess, r->pcs, r->depth, false, ids);
		if (!err)
			err = tprof_add_sample(b, ids, r->depth, v, &label,
					       label.num ? 1 : 0);
		if (from)
			from[k++] = i;
	}
	sym_session_end(sess);
	return err;
}

static int build(const struct heap_snapshot *s, const char *default_type,
		 int64_t duration_ns, size_t *from, struct tprof **out)
{
	struct tprof_builder *b = tprof_builder_new();
	int err;

	if (!b)
		return TRIAGE_ENOMEM;
	tprof_add_sample_type(b, "alloc_objects", "count");
	tprof_add_sample_type(b, "alloc_space", "bytes");
	tprof_add_sample_type(b, "inuse_objects", "count");
	tprof_add_sample_type(b, "inuse_space", "bytes");
	tprof_set_period(b, "space", "bytes", s->rate);
	if (default_type)
		tprof_set_default_sample_type(b, default_type);
	tprof_set_time(b, s->time_ns, duration_ns);
	add_comments(b);
	err = add_samples(b, s, duration_ns > 0, from);
	if (err) {
		tprof_builder_free(b);
		return err;
	}
	return tprof_builder_finish(b, out);
}

int heap_profile_proto(const struct heap_snapshot *s, const char *default_type,
		       int64_t duration_ns, struct tprof **out)
{
	return build(s, default_type, duration_ns, NULL, out);
}

/* --- the text form ---------------------------------------------------- */

static int by_inuse_bytes(const void *a, const void *b, void *snap)
{
	const struct heap_snapshot *s = snap;
	const struct heap_snap_rec *x = &s->recs[*(const size_t *)a];
	const struct heap_snap_rec *y = &s->recs[*(const size_t *)b];
	int64_t bx = inuse_bytes_of(x), by = inuse_bytes_of(y);

	return bx > by ? -1 : bx < by ? 1 : 0;
}

/*
 * One "#\t<pc>\t<func>+<off>\t<file>:<line>" line per frame of a
 * location, innermost first. The offset is from the physical
 * function's entry, known when the dynamic symbol table has it (dladdr);
 * without it the "+<off>" is left out.
 */
static void print_location(FILE *f, const struct tprof_location *loc)
{
	const struct tprof_function *phys;
	Dl_info info;
	bool off = false;
	size_t i;

	if (!loc->nlines) {
		fprintf(f, "#\t%#" PRIx64 "\n", loc->address);
		return;
	}
	phys = loc->lines[loc->nlines - 1].function;
	if (dladdr((void *)(uintptr_t)loc->address, &info) && info.dli_sname &&
	    info.dli_saddr && !strcmp(info.dli_sname, phys->system_name))
		off = true;
	for (i = 0; i < loc->nlines; i++) {
		const struct tprof_line *l = &loc->lines[i];

		fprintf(f, "#\t%#" PRIx64 "\t%s", loc->address,
			l->function->name);
		if (off)
			fprintf(f, "+%#" PRIx64,
				loc->address -
				    (uint64_t)(uintptr_t)info.dli_saddr);
		fprintf(f, "\t%s:%" PRId64 "\n", l->function->filename,
			l->line);
	}
}

static void print_record(FILE *f, const struct heap_snap_rec *r,
			 const struct tprof_sample *sm)
{
	size_t i;

	fprintf(f, "%" PRId64 ": %" PRId64 " [%" PRId64 ": %" PRId64 "] @",
		inuse_of(r), inuse_bytes_of(r), r->allocs, r->alloc_bytes);
	for (i = 0; i < r->depth; i++)
		fprintf(f, " %#" PRIx64, r->pcs[i]);
	fprintf(f, "\n");
	for (i = 0; i < sm->nlocations; i++)
		print_location(f, sm->locations[i]);
	fprintf(f, "\n");
}

/* The agent's figures, where Go prints runtime.MemStats. */
static void print_stats(FILE *f, long rate)
{
	struct heap_table_stats st;
	struct rusage ru;
	long rss = 0;
	FILE *m = fopen("/proc/self/statm", "re");

	heap_table_stats(&st);
	if (m) {
		if (fscanf(m, "%*d %ld", &rss) != 1)
			rss = 0;
		fclose(m);
	}
	getrusage(RUSAGE_SELF, &ru);
	fprintf(f, "\n# triage heap profiler\n");
	fprintf(f, "# SampleRate = %ld\n", rate);
	fprintf(f, "# LiveSampledBlocks = %" PRIu64 "\n", st.live);
	fprintf(f, "# Records = %" PRIu64 "\n", st.records);
	fprintf(f, "# Stacks = %" PRIu64 "\n", st.stacks);
	fprintf(f, "# DroppedSamples = %" PRIu64 "\n", st.dropped);
	if (heap_blind_reason()[0])
		fprintf(f, "# Blind = %s\n", heap_blind_reason());
	fprintf(f, "# RSS = %ld\n", rss * sysconf(_SC_PAGESIZE));
	fprintf(f, "# MaxRSS = %ld\n", ru.ru_maxrss * 1024);
}

int heap_profile_text(const struct heap_snapshot *s, char **out, size_t *len)
{
	size_t *from = calloc(s->n ? s->n : 1, sizeof(*from)), i;
	int64_t t[4] = {0, 0, 0, 0};
	struct tprof *p = NULL;
	FILE *f;
	int err;

	if (!from)
		return TRIAGE_ENOMEM;
	err = build(s, NULL, 0, from, &p);
	f = err ? NULL : open_memstream(out, len);
	if (!f) {
		tprof_free(p);
		free(from);
		return err ? err : TRIAGE_ENOMEM;
	}
	for (i = 0; i < s->n; i++) {
		const struct heap_snap_rec *r = &s->recs[i];

		t[0] += inuse_of(r);
		t[1] += inuse_bytes_of(r);
		t[2] += r->allocs;
		t[3] += r->alloc_bytes;
	}
	fprintf(f,
		"heap profile: %" PRId64 ": %" PRId64 " [%" PRId64 ": %" PRId64
		"] @ heap/%ld\n",
		t[0], t[1], t[2], t[3], 2 * s->rate);

	/* Samples are in record order: sort their numbers, not them. */
	for (i = 0; i < p->nsamples; i++)
		from[i] = i;
	qsort_r(from, p->nsamples, sizeof(*from), by_inuse_bytes, (void *)s);
	for (i = 0; i < p->nsamples; i++)
		print_record(f, &s->recs[from[i]], &p->samples[from[i]]);
	print_stats(f, s->rate);
	err = ferror(f) ? TRIAGE_ENOMEM : 0;
	fclose(f);
	tprof_free(p);
	free(from);
	return err;
}
