/*
 * profile_builder.c - building a profile piece by piece, as the agent
 * does while sampling: strings, mappings, functions and locations are
 * interned in hash indexes so each is stored once and gets the id
 * 1..N of its first appearance; samples are appended. Everything is kept
 * in growable arrays until tprof_builder_finish() lays the model out in
 * its arena, turning ids into pointers.
 *
 * Errors are sticky: an allocation failure or an unknown id makes the
 * call return 0 and is reported once, by tprof_builder_finish().
 */
#include "profile.h"

#include "arena.h"
#include "hashindex.h"
#include "triage.h"

#include <string.h>

/* A location as added: lines are a run of the builder's line array. */
struct build_location {
	uint64_t mapping_id;
	uint64_t address;
	size_t line_start;
	size_t nlines;
};

/* A sample as added: runs of the builder's location, label arrays. */
struct build_sample {
	size_t loc_start;
	size_t nlocs;
	size_t label_start;
	size_t nlabels;
};

/* A growable array: its elements, how many are used, capacity. */
#define VEC(type)                                                              \
	struct {                                                               \
		type *v;                                                       \
		size_t n, cap;                                                 \
	}

struct tprof_builder {
	struct tprof_arena *arena; /* strings now, the model at the end */
	int err;		   /* first sticky error, or 0 */

	VEC(const char *) strs;
	struct tprof_index str_ix;
	VEC(struct tprof_value_type) types;
	VEC(struct tprof_mapping) maps;
	struct tprof_index map_ix;
	VEC(struct tprof_function) funcs;
	struct tprof_index func_ix;
	VEC(struct build_location) locs;
	struct tprof_index loc_ix;
	VEC(struct tprof_line_in) lines;

	VEC(struct build_sample) samples;
	VEC(uint32_t) sample_locs; /* location positions, leaf first */
	VEC(int64_t) values;	   /* types.n per sample */
	VEC(struct tprof_label) labels;
	size_t nvalues; /* values per sample, fixed by the first sample */

	VEC(const char *) comments;
	struct tprof_value_type period_type;
	int64_t period, time_nanos, duration_nanos;
	const char *default_type, *drop_frames;
};

/* Appends one element to a VEC; evaluates to 0 or TRIAGE_ENOMEM. */
#define VEC_PUSH(b, vec, elem)                                                 \
	(tprof_grow((void **)&(vec).v, &(vec).cap, (vec).n + 1,                \
		    sizeof(*(vec).v))                                          \
	     ? builder_fail(b, TRIAGE_ENOMEM)                                  \
	     : ((vec).v[(vec).n++] = (elem), 0))

/* Records the first error; returns it for convenience. */
static int builder_fail(struct tprof_builder *b, int err)
{
	if (!b->err)
		b->err = err;
	return err;
}

struct tprof_builder *tprof_builder_new(void)
{
	struct tprof_builder *b = tprof_malloc(sizeof(*b));

	if (!b)
		return NULL;
	memset(b, 0, sizeof(*b));
	b->arena = tprof_arena_new();
	if (!b->arena) {
		tprof_mfree(b);
		return NULL;
	}
	tprof_index_init(&b->str_ix);
	tprof_index_init(&b->map_ix);
	tprof_index_init(&b->func_ix);
	tprof_index_init(&b->loc_ix);
	b->period_type.type = b->period_type.unit = "";
	b->default_type = b->drop_frames = "";
	return b;
}

/* Frees the builder but not its arena. */
static void builder_release(struct tprof_builder *b)
{
	tprof_mfree(b->strs.v);
	tprof_index_free(&b->str_ix);
	tprof_mfree(b->types.v);
	tprof_mfree(b->maps.v);
	tprof_index_free(&b->map_ix);
	tprof_mfree(b->funcs.v);
	tprof_index_free(&b->func_ix);
	tprof_mfree(b->locs.v);
	tprof_index_free(&b->loc_ix);
	tprof_mfree(b->lines.v);
	tprof_mfree(b->samples.v);
	tprof_mfree(b->sample_locs.v);
	tprof_mfree(b->values.v);
	tprof_mfree(b->labels.v);
	tprof_mfree(b->comments.v);
	tprof_mfree(b);
}

void tprof_builder_free(struct tprof_builder *b)
{
	if (!b)
		return;
	tprof_arena_free(b->arena);
	builder_release(b);
}

static bool str_eq(const void *ctx, uint32_t pos, const void *key)
{
	const struct tprof_builder *b = ctx;

	return !strcmp(b->strs.v[pos], key);
}

/*
 * The interned copy of `s` (NULL counts as ""), so equal strings share
 * one pointer and the other tables can compare pointers. On failure
 * records the error and returns "".
 */
static const char *intern(struct tprof_builder *b, const char *s)
{
	uint64_t h;
	uint32_t pos;
	char *copy;

	if (!s)
		s = "";
	h = tprof_hash_str(s);
	pos = tprof_index_find(&b->str_ix, h, str_eq, b, s);
	if (pos != TPROF_INDEX_NONE)
		return b->strs.v[pos];

	copy = tprof_arena_strndup(b->arena, s, strlen(s));
	if (!copy || VEC_PUSH(b, b->strs, copy) ||
	    tprof_index_add(&b->str_ix, h, (uint32_t)(b->strs.n - 1))) {
		builder_fail(b, TRIAGE_ENOMEM);
		return "";
	}
	return copy;
}

void tprof_add_sample_type(struct tprof_builder *b, const char *type,
			   const char *unit)
{
	struct tprof_value_type vt;

	if (!b)
		return;
	if (b->samples.n) {
		/* The samples already added have one value too few. */
		builder_fail(b, TRIAGE_EINVAL);
		return;
	}
	vt.type = intern(b, type);
	vt.unit = intern(b, unit);
	VEC_PUSH(b, b->types, vt);
}

void tprof_set_period(struct tprof_builder *b, const char *type,
		      const char *unit, int64_t period)
{
	if (!b)
		return;
	b->period_type.type = intern(b, type);
	b->period_type.unit = intern(b, unit);
	b->period = period;
}

void tprof_set_time(struct tprof_builder *b, int64_t time_nanos,
		    int64_t duration_nanos)
{
	if (!b)
		return;
	b->time_nanos = time_nanos;
	b->duration_nanos = duration_nanos;
}

void tprof_set_default_sample_type(struct tprof_builder *b, const char *type)
{
	if (b)
		b->default_type = intern(b, type);
}

void tprof_add_comment(struct tprof_builder *b, const char *comment)
{
	if (b)
		VEC_PUSH(b, b->comments, intern(b, comment));
}

void tprof_set_drop_frames(struct tprof_builder *b, const char *regex)
{
	if (b)
		b->drop_frames = intern(b, regex);
}

static bool mapping_eq(const void *ctx, uint32_t pos, const void *key)
{
	const struct tprof_mapping *m =
	    &((const struct tprof_builder *)ctx)->maps.v[pos];
	const struct tprof_mapping *k = key;

	return m->memory_start == k->memory_start &&
	       m->memory_limit == k->memory_limit &&
	       m->file_offset == k->file_offset && m->filename == k->filename;
}

/* Applies TPROF_HAS_* flags to a mapping. */
static void mapping_set_flags(struct tprof_mapping *m, unsigned flags)
{
	m->has_functions = flags & TPROF_HAS_FUNCTIONS;
	m->has_filenames = flags & TPROF_HAS_FILENAMES;
	m->has_line_numbers = flags & TPROF_HAS_LINE_NUMBERS;
	m->has_inline_frames = flags & TPROF_HAS_INLINE_FRAMES;
}

uint64_t tprof_add_mapping(struct tprof_builder *b, uint64_t start,
			   uint64_t limit, uint64_t offset,
			   const char *filename, const char *build_id,
			   unsigned flags)
{
	struct tprof_mapping m = {0};
	uint64_t h;
	uint32_t pos;

	if (!b)
		return 0;
	m.memory_start = start;
	m.memory_limit = limit;
	m.file_offset = offset;
	m.filename = intern(b, filename);
	h = tprof_hash_add(tprof_hash_add(tprof_hash_u64(start), limit),
			   tprof_hash_add(offset, (uintptr_t)m.filename));
	pos = tprof_index_find(&b->map_ix, h, mapping_eq, b, &m);
	if (pos != TPROF_INDEX_NONE)
		return pos + 1;

	m.id = b->maps.n + 1;
	m.build_id = intern(b, build_id);
	mapping_set_flags(&m, flags);
	if (VEC_PUSH(b, b->maps, m) ||
	    tprof_index_add(&b->map_ix, h, (uint32_t)(m.id - 1)))
		return builder_fail(b, TRIAGE_ENOMEM), 0;
	return m.id;
}

void tprof_set_mapping_flags(struct tprof_builder *b, uint64_t mapping_id,
			     unsigned flags)
{
	if (!b)
		return;
	if (mapping_id == 0 || mapping_id > b->maps.n) {
		builder_fail(b, TRIAGE_EINVAL);
		return;
	}
	mapping_set_flags(&b->maps.v[mapping_id - 1], flags);
}

static bool function_eq(const void *ctx, uint32_t pos, const void *key)
{
	const struct tprof_function *f =
	    &((const struct tprof_builder *)ctx)->funcs.v[pos];
	const struct tprof_function *k = key;

	return f->name == k->name && f->system_name == k->system_name &&
	       f->filename == k->filename && f->start_line == k->start_line;
}

uint64_t tprof_add_function(struct tprof_builder *b, const char *name,
			    const char *system_name, const char *filename,
			    int64_t start_line)
{
	struct tprof_function f;
	uint64_t h;
	uint32_t pos;

	if (!b)
		return 0;
	f.name = intern(b, name);
	f.system_name = intern(b, system_name);
	f.filename = intern(b, filename);
	f.start_line = start_line;
	h = tprof_hash_add(
	    tprof_hash_add(tprof_hash_u64((uintptr_t)f.name),
			   (uintptr_t)f.system_name),
	    tprof_hash_add((uintptr_t)f.filename, (uint64_t)start_line));
	pos = tprof_index_find(&b->func_ix, h, function_eq, b, &f);
	if (pos != TPROF_INDEX_NONE)
		return pos + 1;

	f.id = b->funcs.n + 1;
	if (VEC_PUSH(b, b->funcs, f) ||
	    tprof_index_add(&b->func_ix, h, (uint32_t)(f.id - 1)))
		return builder_fail(b, TRIAGE_ENOMEM), 0;
	return f.id;
}

static bool location_eq(const void *ctx, uint32_t pos, const void *key)
{
	const struct build_location *l =
	    &((const struct tprof_builder *)ctx)->locs.v[pos];
	const struct build_location *k = key;

	return l->mapping_id == k->mapping_id && l->address == k->address;
}

/* Checks the ids a new location refers to; TRIAGE_EINVAL if unknown. */
static int location_check(const struct tprof_builder *b, uint64_t mapping_id,
			  const struct tprof_line_in *lines, size_t nlines)
{
	size_t i;

	if (mapping_id > b->maps.n)
		return TRIAGE_EINVAL;
	for (i = 0; i < nlines; i++)
		if (lines[i].function_id == 0 ||
		    lines[i].function_id > b->funcs.n)
			return TRIAGE_EINVAL;
	return 0;
}

uint64_t tprof_add_location(struct tprof_builder *b, uint64_t mapping_id,
			    uint64_t address, const struct tprof_line_in *lines,
			    size_t nlines)
{
	struct build_location l = {mapping_id, address, 0, nlines};
	uint64_t h, id;
	uint32_t pos;

	if (!b)
		return 0;
	h = tprof_hash_add(tprof_hash_u64(mapping_id), address);
	pos = tprof_index_find(&b->loc_ix, h, location_eq, b, &l);
	if (pos != TPROF_INDEX_NONE)
		return pos + 1;
	if (location_check(b, mapping_id, lines, nlines))
		return builder_fail(b, TRIAGE_EINVAL), 0;

	l.line_start = b->lines.n;
	if (nlines && tprof_grow((void **)&b->lines.v, &b->lines.cap,
				 b->lines.n + nlines, sizeof(*lines)))
		return builder_fail(b, TRIAGE_ENOMEM), 0;
	if (nlines)
		memcpy(b->lines.v + b->lines.n, lines, nlines * sizeof(*lines));
	id = b->locs.n + 1;
	if (VEC_PUSH(b, b->locs, l) ||
	    tprof_index_add(&b->loc_ix, h, (uint32_t)(id - 1)))
		return builder_fail(b, TRIAGE_ENOMEM), 0;
	b->lines.n += nlines;
	return id;
}

/* Appends a sample's labels, interning their strings. */
static int sample_add_labels(struct tprof_builder *b,
			     const struct tprof_label_in *in, size_t n)
{
	size_t i;

	if (n && tprof_grow((void **)&b->labels.v, &b->labels.cap,
			    b->labels.n + n, sizeof(*b->labels.v)))
		return builder_fail(b, TRIAGE_ENOMEM);
	for (i = 0; i < n; i++) {
		struct tprof_label *l = &b->labels.v[b->labels.n + i];

		l->key = intern(b, in[i].key);
		l->str = intern(b, in[i].str);
		l->num = in[i].str ? 0 : in[i].num;
		l->num_unit = in[i].str ? "" : intern(b, in[i].num_unit);
	}
	b->labels.n += n;
	return b->err;
}

int tprof_add_sample(struct tprof_builder *b, const uint64_t *location_ids,
		     size_t nlocations, const int64_t *values,
		     const struct tprof_label_in *labels, size_t nlabels)
{
	struct build_sample s;
	size_t i, nv;

	if (!b)
		return TRIAGE_ENOMEM;
	if (b->err)
		return b->err;
	nv = b->types.n;
	if (nv == 0 || (nlocations && !location_ids) || !values ||
	    (nlabels && !labels))
		return TRIAGE_EINVAL;
	for (i = 0; i < nlocations; i++)
		if (location_ids[i] == 0 || location_ids[i] > b->locs.n)
			return TRIAGE_EINVAL;

	if (tprof_grow((void **)&b->sample_locs.v, &b->sample_locs.cap,
		       b->sample_locs.n + nlocations, sizeof(uint32_t)) ||
	    tprof_grow((void **)&b->values.v, &b->values.cap, b->values.n + nv,
		       sizeof(int64_t)))
		return builder_fail(b, TRIAGE_ENOMEM);
	s.loc_start = b->sample_locs.n;
	s.nlocs = nlocations;
	s.label_start = b->labels.n;
	s.nlabels = nlabels;
	if (sample_add_labels(b, labels, nlabels) || VEC_PUSH(b, b->samples, s))
		return b->err;

	for (i = 0; i < nlocations; i++)
		b->sample_locs.v[b->sample_locs.n + i] =
		    (uint32_t)(location_ids[i] - 1);
	b->sample_locs.n += nlocations;
	memcpy(b->values.v + b->values.n, values, nv * sizeof(*values));
	b->values.n += nv;
	return 0;
}

/* Copies `n` elements of `size` bytes into the arena; NULL on failure. */
static void *arena_dup(struct tprof_arena *a, const void *src, size_t n,
		       size_t size)
{
	void *d = tprof_arena_calloc(a, n, size);

	if (d && n)
		memcpy(d, src, n * size);
	return d;
}

/* Lays out the locations with their lines, ids turned into pointers. */
static int finish_locations(struct tprof_builder *b, struct tprof *p)
{
	struct tprof_line *lines;
	size_t i, j;

	p->nlocations = b->locs.n;
	p->locations =
	    tprof_arena_calloc(b->arena, b->locs.n, sizeof(*p->locations));
	lines = tprof_arena_calloc(b->arena, b->lines.n, sizeof(*lines));
	if (!p->locations || !lines)
		return TRIAGE_ENOMEM;

	for (i = 0; i < b->locs.n; i++) {
		const struct build_location *bl = &b->locs.v[i];
		struct tprof_location *l = &p->locations[i];

		l->id = i + 1;
		l->mapping =
		    bl->mapping_id ? &p->mappings[bl->mapping_id - 1] : NULL;
		l->address = bl->address;
		l->lines = lines + bl->line_start;
		l->nlines = bl->nlines;
		for (j = 0; j < bl->nlines; j++) {
			const struct tprof_line_in *in =
			    &b->lines.v[bl->line_start + j];

			l->lines[j].function =
			    &p->functions[in->function_id - 1];
			l->lines[j].line = in->line;
		}
	}
	return 0;
}

/* Lays out the samples: location pointers, values and labels. */
static int finish_samples(struct tprof_builder *b, struct tprof *p)
{
	const struct tprof_location **locs;
	int64_t *values;
	struct tprof_label *labels;
	size_t i, nv = b->types.n;

	p->nsamples = b->samples.n;
	p->samples =
	    tprof_arena_calloc(b->arena, b->samples.n, sizeof(*p->samples));
	locs = tprof_arena_calloc(b->arena, b->sample_locs.n, sizeof(*locs));
	values = arena_dup(b->arena, b->values.v, b->values.n, sizeof(*values));
	labels = arena_dup(b->arena, b->labels.v, b->labels.n, sizeof(*labels));
	if (!p->samples || !locs || !values || !labels)
		return TRIAGE_ENOMEM;

	for (i = 0; i < b->sample_locs.n; i++)
		locs[i] = &p->locations[b->sample_locs.v[i]];
	for (i = 0; i < b->samples.n; i++) {
		const struct build_sample *bs = &b->samples.v[i];
		struct tprof_sample *s = &p->samples[i];

		s->locations = locs + bs->loc_start;
		s->nlocations = bs->nlocs;
		s->values = values + i * nv;
		s->labels = labels + bs->label_start;
		s->nlabels = bs->nlabels;
	}
	return 0;
}

/* Builds the model in the builder's arena. */
static int builder_layout(struct tprof_builder *b, struct tprof **out)
{
	struct tprof_arena *a = b->arena;
	struct tprof *p = tprof_arena_calloc(a, 1, sizeof(*p));

	if (!p)
		return TRIAGE_ENOMEM;
	p->arena = a;
	p->nsample_types = b->types.n;
	p->sample_types =
	    arena_dup(a, b->types.v, b->types.n, sizeof(*b->types.v));
	p->nmappings = b->maps.n;
	p->mappings = arena_dup(a, b->maps.v, b->maps.n, sizeof(*b->maps.v));
	p->nfunctions = b->funcs.n;
	p->functions =
	    arena_dup(a, b->funcs.v, b->funcs.n, sizeof(*b->funcs.v));
	p->ncomments = b->comments.n;
	p->comments =
	    arena_dup(a, b->comments.v, b->comments.n, sizeof(*b->comments.v));
	if (!p->sample_types || !p->mappings || !p->functions || !p->comments)
		return TRIAGE_ENOMEM;
	if (finish_locations(b, p) || finish_samples(b, p))
		return TRIAGE_ENOMEM;

	p->drop_frames = b->drop_frames;
	p->keep_frames = "";
	p->time_nanos = b->time_nanos;
	p->duration_nanos = b->duration_nanos;
	p->period_type = b->period_type;
	p->period = b->period;
	p->default_sample_type = b->default_type;
	*out = p;
	return 0;
}

int tprof_builder_finish(struct tprof_builder *b, struct tprof **out)
{
	int err;

	*out = NULL;
	if (!b)
		return TRIAGE_ENOMEM;
	err = b->err ? b->err : builder_layout(b, out);
	if (err) {
		tprof_builder_free(b);
		*out = NULL;
		return err;
	}
	builder_release(b); /* the arena now belongs to the profile */
	return 0;
}
