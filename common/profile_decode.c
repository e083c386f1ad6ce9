/*
 * profile_decode.c - profile.proto to the model, for profiles from
 * anywhere: gzip or plain bytes, decompressed within a size limit; the
 * samples split out and read straight from the wire (profile_wire.c:
 * they are the bulk, and protobuf-c would allocate for each), the rest
 * unpacked by protobuf-c with an allocator that has a budget too; then
 * checked (string indexes in range, ids nonzero, unique and existing,
 * as many values as sample types) while it is copied into the model's
 * arena. Every refusal names what was wrong in one line.
 */
#include "profile.h"

#include "arena.h"
#include "gzip.h"
#include "hashindex.h"
#include "profile.pb-c.h"
#include "profile_wire.h"
#include "triage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DECODE_DEFAULT_MAX ((size_t)1 << 30)
/* protobuf-c may allocate this many times the message size, plus 1 MiB. */
#define DECODE_BUDGET_FACTOR 128

typedef Perftools__Profiles__Profile pb_profile;
typedef Perftools__Profiles__Sample pb_sample;
typedef Perftools__Profiles__Location pb_location;

/* protobuf-c's allocations for one unpack, counted against a budget. */
struct pb_budget {
	size_t left;
	bool over; /* the budget ran out */
	bool oom;  /* malloc failed within the budget */
};

static void *budget_alloc(void *data, size_t size)
{
	struct pb_budget *b = data;
	void *p;

	if (size > b->left) {
		b->over = true;
		return NULL;
	}
	p = tprof_malloc(size);
	if (!p) {
		b->oom = true;
		return NULL;
	}
	b->left -= size;
	return p;
}

static void budget_free(void *data, void *p)
{
	(void)data;
	tprof_mfree(p);
}

struct decoder {
	const pb_profile *pb;
	const struct pw_split *split; /* the samples, still on the wire */
	struct pw_sample scratch;
	struct tprof *p;
	struct tprof_arena *a;
	const char **strs; /* the string table, copied into the arena */
	struct tprof_index map_ix, func_ix, loc_ix;
	char *err;
	size_t errlen;
};

/* Writes "profile: <reason>" into the error buffer; TRIAGE_EFORMAT. */
__attribute__((format(printf, 2, 3))) static int dec_fail(struct decoder *d,
							  const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!d->errlen)
		return TRIAGE_EFORMAT;
	n = snprintf(d->err, d->errlen, "profile: ");
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < d->errlen)
		vsnprintf(d->err + n, d->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return TRIAGE_EFORMAT;
}

static int dec_nomem(struct decoder *d)
{
	if (d->errlen)
		snprintf(d->err, d->errlen, "profile: out of memory");
	return TRIAGE_ENOMEM;
}

/*
 * Resolves string index `idx` of `field` of `what` (e.g. "function 3")
 * into `*out`.
 */
static int dec_str(struct decoder *d, int64_t idx, const char **out,
		   const char *what, const char *field)
{
	if (idx < 0 || (uint64_t)idx >= d->pb->n_string_table)
		return dec_fail(d,
				"%s has %s string index %lld, outside the "
				"string table of %zu",
				what, field, (long long)idx,
				d->pb->n_string_table);
	*out = d->strs[idx];
	return 0;
}

/* Copies the string table into the arena; checks that [0] is "". */
static int dec_strings(struct decoder *d)
{
	size_t i, n = d->pb->n_string_table;

	if (n == 0 || d->pb->string_table[0][0] != '\0')
		return dec_fail(d, "string_table[0] must be \"\"%s",
				n ? "" : " (the table is empty)");
	d->strs = tprof_arena_calloc(d->a, n, sizeof(*d->strs));
	if (!d->strs)
		return dec_nomem(d);
	for (i = 0; i < n; i++) {
		const char *s = d->pb->string_table[i];

		d->strs[i] = tprof_arena_strndup(d->a, s, strlen(s));
		if (!d->strs[i])
			return dec_nomem(d);
	}
	return 0;
}

/* An array of model objects whose first member is their uint64_t id. */
struct id_array {
	const char *base;
	size_t stride, n;
};

static bool id_eq(const void *ctx, uint32_t pos, const void *key)
{
	const struct id_array *arr = ctx;

	return *(const uint64_t *)(const void *)(arr->base +
						 pos * arr->stride) ==
	       *(const uint64_t *)key;
}

/* The object with `id` in `arr`, or NULL. Ids 1..N in order hit at once. */
static const void *id_find(const struct tprof_index *ix,
			   const struct id_array *arr, uint64_t id)
{
	uint32_t pos;

	if (id - 1 < arr->n && id_eq(arr, (uint32_t)(id - 1), &id))
		return arr->base + (id - 1) * arr->stride;
	pos = tprof_index_find(ix, tprof_hash_u64(id), id_eq, arr, &id);
	return pos == TPROF_INDEX_NONE ? NULL : arr->base + pos * arr->stride;
}

/* Indexes the ids of `arr`, refusing 0 and duplicates. */
static int id_index(struct decoder *d, struct tprof_index *ix,
		    const struct id_array *arr, const char *kind)
{
	size_t i;

	if (arr->n > TPROF_INDEX_MAX || tprof_index_reserve(ix, arr->n))
		return dec_nomem(d);
	for (i = 0; i < arr->n; i++) {
		uint64_t id =
		    *(const uint64_t *)(const void *)(arr->base +
						      i * arr->stride);
		uint32_t pos;

		if (id == 0)
			return dec_fail(d, "%s %zu has id 0, which is reserved",
					kind, i);
		pos = tprof_index_find(ix, tprof_hash_u64(id), id_eq, arr, &id);
		if (pos != TPROF_INDEX_NONE)
			return dec_fail(d, "%ss %u and %zu both have id %llu",
					kind, pos, i, (unsigned long long)id);
		if (tprof_index_add(ix, tprof_hash_u64(id), (uint32_t)i))
			return dec_nomem(d);
	}
	return 0;
}

#define ID_ARRAY(ptr, count)                                                   \
	{                                                                      \
		(const char *)(ptr), sizeof(*(ptr)), (count)                   \
	}

static int dec_value_type(struct decoder *d, struct tprof_value_type *vt,
			  const Perftools__Profiles__ValueType *pb,
			  const char *what)
{
	if (!pb) {
		vt->type = vt->unit = "";
		return 0;
	}
	if (dec_str(d, pb->type, &vt->type, what, "type") ||
	    dec_str(d, pb->unit, &vt->unit, what, "unit"))
		return TRIAGE_EFORMAT;
	return 0;
}

static int dec_sample_types(struct decoder *d)
{
	struct tprof *p = d->p;
	char what[64];
	size_t i;

	p->nsample_types = d->pb->n_sample_type;
	p->sample_types = tprof_arena_calloc(d->a, p->nsample_types,
					     sizeof(*p->sample_types));
	if (!p->sample_types)
		return dec_nomem(d);
	for (i = 0; i < p->nsample_types; i++) {
		snprintf(what, sizeof(what), "sample type %zu", i);
		if (dec_value_type(d, &p->sample_types[i],
				   d->pb->sample_type[i], what))
			return TRIAGE_EFORMAT;
	}
	return 0;
}

static int dec_mappings(struct decoder *d)
{
	struct tprof *p = d->p;
	char what[64];
	size_t i;

	p->nmappings = d->pb->n_mapping;
	p->mappings =
	    tprof_arena_calloc(d->a, p->nmappings, sizeof(*p->mappings));
	if (!p->mappings)
		return dec_nomem(d);
	for (i = 0; i < p->nmappings; i++) {
		const Perftools__Profiles__Mapping *pb = d->pb->mapping[i];
		struct tprof_mapping *m = &p->mappings[i];

		snprintf(what, sizeof(what), "mapping %llu",
			 (unsigned long long)pb->id);
		m->id = pb->id;
		m->memory_start = pb->memory_start;
		m->memory_limit = pb->memory_limit;
		m->file_offset = pb->file_offset;
		if (dec_str(d, pb->filename, &m->filename, what, "filename") ||
		    dec_str(d, pb->build_id, &m->build_id, what, "build_id"))
			return TRIAGE_EFORMAT;
		m->has_functions = pb->has_functions;
		m->has_filenames = pb->has_filenames;
		m->has_line_numbers = pb->has_line_numbers;
		m->has_inline_frames = pb->has_inline_frames;
	}
	struct id_array arr = ID_ARRAY(p->mappings, p->nmappings);
	return id_index(d, &d->map_ix, &arr, "mapping");
}

static int dec_functions(struct decoder *d)
{
	struct tprof *p = d->p;
	char what[64];
	size_t i;

	p->nfunctions = d->pb->n_function;
	p->functions =
	    tprof_arena_calloc(d->a, p->nfunctions, sizeof(*p->functions));
	if (!p->functions)
		return dec_nomem(d);
	for (i = 0; i < p->nfunctions; i++) {
		const Perftools__Profiles__Function *pb = d->pb->function[i];
		struct tprof_function *f = &p->functions[i];

		snprintf(what, sizeof(what), "function %llu",
			 (unsigned long long)pb->id);
		f->id = pb->id;
		f->start_line = pb->start_line;
		if (dec_str(d, pb->name, &f->name, what, "name") ||
		    dec_str(d, pb->system_name, &f->system_name, what,
			    "system_name") ||
		    dec_str(d, pb->filename, &f->filename, what, "filename"))
			return TRIAGE_EFORMAT;
	}
	struct id_array arr = ID_ARRAY(p->functions, p->nfunctions);
	return id_index(d, &d->func_ix, &arr, "function");
}

/* Resolves a location's mapping and lines. */
static int dec_location_refs(struct decoder *d, struct tprof_location *l,
			     const pb_location *pb)
{
	struct id_array maps = ID_ARRAY(d->p->mappings, d->p->nmappings);
	struct id_array funcs = ID_ARRAY(d->p->functions, d->p->nfunctions);
	size_t j;

	if (pb->mapping_id) {
		l->mapping = id_find(&d->map_ix, &maps, pb->mapping_id);
		if (!l->mapping)
			return dec_fail(d,
					"location %llu references mapping "
					"%llu, which does not exist",
					(unsigned long long)pb->id,
					(unsigned long long)pb->mapping_id);
	}
	for (j = 0; j < pb->n_line; j++) {
		uint64_t fid = pb->line[j]->function_id;

		l->lines[j].function = id_find(&d->func_ix, &funcs, fid);
		if (!l->lines[j].function)
			return dec_fail(d,
					"location %llu line %zu references "
					"function %llu, which does not exist",
					(unsigned long long)pb->id, j,
					(unsigned long long)fid);
		l->lines[j].line = pb->line[j]->line;
		l->lines[j].column = pb->line[j]->column;
	}
	return 0;
}

static int dec_locations(struct decoder *d)
{
	struct tprof *p = d->p;
	struct tprof_line *lines;
	size_t i, nlines = 0;

	for (i = 0; i < d->pb->n_location; i++)
		nlines += d->pb->location[i]->n_line;
	p->nlocations = d->pb->n_location;
	p->locations =
	    tprof_arena_calloc(d->a, p->nlocations, sizeof(*p->locations));
	lines = tprof_arena_calloc(d->a, nlines, sizeof(*lines));
	if (!p->locations || !lines)
		return dec_nomem(d);

	for (i = 0; i < p->nlocations; i++) {
		const pb_location *pb = d->pb->location[i];
		struct tprof_location *l = &p->locations[i];

		l->id = pb->id;
		l->address = pb->address;
		l->is_folded = pb->is_folded;
		l->lines = lines;
		l->nlines = pb->n_line;
		lines += pb->n_line;
		if (dec_location_refs(d, l, pb))
			return TRIAGE_EFORMAT;
	}
	struct id_array arr = ID_ARRAY(p->locations, p->nlocations);
	return id_index(d, &d->loc_ix, &arr, "location");
}

/* Copies one sample's labels, resolving their strings. */
static int dec_labels(struct decoder *d, struct tprof_sample *s,
		      const struct pw_sample *in, size_t si)
{
	char what[64];
	size_t j;

	snprintf(what, sizeof(what), "sample %zu label", si);
	for (j = 0; j < in->nlabels; j++) {
		const struct pw_label *pl = &in->labels[j];
		struct tprof_label *l = &s->labels[j];

		l->num = pl->num;
		if (dec_str(d, pl->key, &l->key, what, "key") ||
		    dec_str(d, pl->str, &l->str, what, "str") ||
		    dec_str(d, pl->num_unit, &l->num_unit, what, "num_unit"))
			return TRIAGE_EFORMAT;
	}
	return 0;
}

/* Resolves one sample's location ids; 0 and unknown ids are errors. */
static int dec_sample_locations(struct decoder *d, struct tprof_sample *s,
				const struct pw_sample *in, size_t si)
{
	struct id_array locs = ID_ARRAY(d->p->locations, d->p->nlocations);
	size_t j;

	for (j = 0; j < in->nlocs; j++) {
		uint64_t id = in->locs[j];

		s->locations[j] = id ? id_find(&d->loc_ix, &locs, id) : NULL;
		if (!s->locations[j])
			return dec_fail(d,
					"sample %zu references location %llu, "
					"which does not exist",
					si, (unsigned long long)id);
	}
	return 0;
}

/* Reads the samples from the wire into arrays sized by the split. */
static int dec_samples(struct decoder *d)
{
	const struct pw_split *sp = d->split;
	struct tprof *p = d->p;
	size_t i, nv = p->nsample_types;
	const struct tprof_location **locs;
	struct tprof_label *labels;
	int64_t *values;
	int rc;

	p->nsamples = sp->nsamples;
	p->samples = tprof_arena_calloc(d->a, p->nsamples, sizeof(*p->samples));
	locs = tprof_arena_calloc(d->a, sp->nlocs, sizeof(*locs));
	labels = tprof_arena_calloc(d->a, sp->nlabels, sizeof(*labels));
	values = tprof_arena_calloc(d->a, p->nsamples, nv * sizeof(*values));
	if (!p->samples || !locs || !labels || !values)
		return dec_nomem(d);

	for (i = 0; i < p->nsamples; i++) {
		struct pw_sample *in = &d->scratch;
		struct tprof_sample *s = &p->samples[i];

		rc = pw_sample_parse(sp->samples[i].p, sp->samples[i].len, in);
		if (rc)
			return rc == TRIAGE_ENOMEM ? dec_nomem(d) : rc;
		if (in->nvalues != nv)
			return dec_fail(d,
					"sample %zu has %zu values for %zu "
					"sample types",
					i, in->nvalues, nv);
		s->locations = locs;
		s->nlocations = in->nlocs;
		locs += in->nlocs;
		s->values = values + i * nv;
		if (nv)
			memcpy(s->values, in->values, nv * sizeof(*values));
		s->labels = labels;
		s->nlabels = in->nlabels;
		labels += in->nlabels;
		if (dec_sample_locations(d, s, in, i) ||
		    dec_labels(d, s, in, i))
			return TRIAGE_EFORMAT;
	}
	return 0;
}

/* The top-level fields: frames regexes, times, period, comments. */
static int dec_profile_fields(struct decoder *d)
{
	const pb_profile *pb = d->pb;
	struct tprof *p = d->p;
	char what[64];
	size_t i;

	if (dec_str(d, pb->drop_frames, &p->drop_frames, "the profile",
		    "drop_frames") ||
	    dec_str(d, pb->keep_frames, &p->keep_frames, "the profile",
		    "keep_frames") ||
	    dec_str(d, pb->default_sample_type, &p->default_sample_type,
		    "the profile", "default_sample_type") ||
	    dec_value_type(d, &p->period_type, pb->period_type, "period type"))
		return TRIAGE_EFORMAT;
	p->time_nanos = pb->time_nanos;
	p->duration_nanos = pb->duration_nanos;
	p->period = pb->period;

	p->ncomments = pb->n_comment;
	p->comments =
	    tprof_arena_calloc(d->a, p->ncomments, sizeof(*p->comments));
	if (!p->comments)
		return dec_nomem(d);
	for (i = 0; i < p->ncomments; i++) {
		snprintf(what, sizeof(what), "comment %zu", i);
		if (dec_str(d, pb->comment[i], &p->comments[i], what, "text"))
			return TRIAGE_EFORMAT;
	}
	return 0;
}

/* Checks and copies an unpacked message and its samples into a new
 * model. */
static int dec_convert(const pb_profile *pb, const struct pw_split *split,
		       struct tprof **out, char *err, size_t errlen)
{
	struct decoder d = {
	    .pb = pb, .split = split, .err = err, .errlen = errlen};
	int rc;

	tprof_index_init(&d.map_ix);
	tprof_index_init(&d.func_ix);
	tprof_index_init(&d.loc_ix);
	d.a = tprof_arena_new();
	d.p = d.a ? tprof_arena_calloc(d.a, 1, sizeof(*d.p)) : NULL;
	rc = d.p ? 0 : dec_nomem(&d);
	if (!rc) {
		d.p->arena = d.a;
		rc = dec_strings(&d);
	}
	if (!rc)
		rc = dec_sample_types(&d);
	if (!rc)
		rc = dec_mappings(&d);
	if (!rc)
		rc = dec_functions(&d);
	if (!rc)
		rc = dec_locations(&d);
	if (!rc)
		rc = dec_samples(&d);
	if (!rc)
		rc = dec_profile_fields(&d);

	tprof_index_free(&d.map_ix);
	tprof_index_free(&d.func_ix);
	tprof_index_free(&d.loc_ix);
	pw_sample_free(&d.scratch);
	if (rc) {
		tprof_arena_free(d.a);
		return rc;
	}
	*out = d.p;
	return 0;
}

/* Writes "not a profile: <why>" into err; returns `code`. */
static int not_a_profile(char *err, size_t errlen, int code, const char *why)
{
	if (errlen)
		snprintf(err, errlen, "not a profile: %s", why);
	return code;
}

/* The refusal of bytes that are not a Profile message. */
static int not_a_message(bool was_gzip, char *err, size_t errlen)
{
	return not_a_profile(err, errlen, TRIAGE_EFORMAT,
			     was_gzip ? "the gzip data does not hold a valid "
					"profile.proto message"
				      : "neither gzip nor a valid "
					"profile.proto message");
}

/*
 * Splits the samples out of `raw`, then unpacks the rest with protobuf-c
 * under a memory budget. Measured with protobuf-c 1.4, the worst valid
 * message, a run of empty samples (2 bytes each on the wire), takes 57
 * times its size counting the parse bookkeeping; the budget allows twice
 * that.
 */
static int dec_unpack(const uint8_t *raw, size_t len, bool was_gzip,
		      struct pw_split *split, pb_profile **out, char *err,
		      size_t errlen)
{
	struct pb_budget budget = {0};
	ProtobufCAllocator alloc = {budget_alloc, budget_free, &budget};
	int rc;

	rc = pw_split(raw, len, split);
	if (rc == TRIAGE_ENOMEM)
		return not_a_profile(err, errlen, TRIAGE_ENOMEM,
				     "out of memory while unpacking");
	if (rc)
		return not_a_message(was_gzip, err, errlen);
	len = split->rest_len;
	budget.left = len <= (SIZE_MAX - (1u << 20)) / DECODE_BUDGET_FACTOR
			  ? len * DECODE_BUDGET_FACTOR + (1u << 20)
			  : SIZE_MAX;
	*out = perftools__profiles__profile__unpack(&alloc, len, split->rest);
	if (*out)
		return 0;
	if (budget.oom)
		return not_a_profile(err, errlen, TRIAGE_ENOMEM,
				     "out of memory while unpacking");
	if (budget.over)
		return not_a_profile(err, errlen, TRIAGE_EFORMAT,
				     "the message would take more memory to "
				     "unpack than any valid profile of its "
				     "size");
	return not_a_message(was_gzip, err, errlen);
}

int tprof_decode(const uint8_t *buf, size_t len, size_t max_bytes,
		 struct tprof **out, char *err, size_t errlen)
{
	bool gz = tprof_is_gzip(buf, len);
	size_t max = max_bytes ? max_bytes : DECODE_DEFAULT_MAX;
	const uint8_t *raw = buf;
	uint8_t *inflated = NULL;
	pb_profile *pb = NULL;
	struct pw_split split;
	ProtobufCAllocator alloc = {budget_alloc, budget_free, NULL};
	struct pb_budget budget = {SIZE_MAX, false, false};
	int rc;

	*out = NULL;
	if (len == 0)
		return not_a_profile(err, errlen, TRIAGE_EFORMAT,
				     "the input is empty");
	if (gz) {
		rc = tprof_gunzip(buf, len, max, &inflated, &len, err, errlen);
		if (rc)
			return rc;
		raw = inflated;
	} else if (len > max) {
		return not_a_profile(err, errlen, TRIAGE_EFORMAT,
				     "the input is larger than the limit");
	}

	rc = dec_unpack(raw, len, gz, &split, &pb, err, errlen);
	if (!rc)
		rc = dec_convert(pb, &split, out, err, errlen);
	alloc.allocator_data = &budget;
	if (pb)
		perftools__profiles__profile__free_unpacked(pb, &alloc);
	pw_split_free(&split);
	tprof_mfree(inflated);
	return rc;
}

/* Reads a whole regular file of at most `max` bytes into `*buf`. */
static int read_all(const char *path, size_t max, uint8_t **buf, size_t *len,
		    char *err, size_t errlen)
{
	struct stat st;
	size_t done = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*buf = NULL;
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
		close(fd);
		return TRIAGE_EFORMAT;
	}
	*buf = tprof_malloc((size_t)st.st_size);
	if (!*buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		return TRIAGE_ENOMEM;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, *buf + done, (size_t)st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s: %s", path,
				 n ? strerror(errno)
				   : "file shrank while read");
			goto fail;
		}
		done += (size_t)n;
	}
	close(fd);
	*len = done;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	tprof_mfree(*buf);
	*buf = NULL;
	return TRIAGE_ESYS;
}

int tprof_read_file(const char *path, struct tprof **out, char *err,
		    size_t errlen)
{
	uint8_t *buf;
	size_t len;
	char why[256];
	int rc;

	*out = NULL;
	rc = read_all(path, DECODE_DEFAULT_MAX, &buf, &len, err, errlen);
	if (rc)
		return rc;
	rc = tprof_decode(buf, len, 0, out, why, sizeof(why));
	if (rc && errlen)
		snprintf(err, errlen, "%s: %s", path, why);
	tprof_mfree(buf);
	return rc;
}
