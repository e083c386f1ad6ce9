/*
 * profile_encode.c - the model to profile.proto: builds the protobuf-c
 * message (with a string table holding "" first and every distinct
 * string once), packs it and gzips it at the fastest level, as Go does.
 * The message's arrays live in a scratch arena freed once packed; sample
 * values are handed to protobuf-c in place.
 */
#include "profile.h"

#include "arena.h"
#include "gzip.h"
#include "hashindex.h"
#include "profile.pb-c.h"
#include "triage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

typedef Perftools__Profiles__Profile pb_profile;
typedef Perftools__Profiles__ValueType pb_value_type;
typedef Perftools__Profiles__Sample pb_sample;
typedef Perftools__Profiles__Label pb_label;
typedef Perftools__Profiles__Mapping pb_mapping;
typedef Perftools__Profiles__Location pb_location;
typedef Perftools__Profiles__Line pb_line;
typedef Perftools__Profiles__Function pb_function;

struct encoder {
	struct tprof_arena *scratch;
	struct tprof_index str_ix;
	char **strs; /* the string table being built */
	size_t nstrs, strs_cap;
	int err;
	pb_profile msg;
};

static bool enc_str_eq(const void *ctx, uint32_t pos, const void *key)
{
	return !strcmp(((const struct encoder *)ctx)->strs[pos], key);
}

/* The string table index of `s`, adding it on first sight. */
static int64_t enc_str(struct encoder *e, const char *s)
{
	uint64_t h;
	uint32_t pos;

	if (!s || !*s)
		return 0;
	h = tprof_hash_str(s);
	pos = tprof_index_find(&e->str_ix, h, enc_str_eq, e, s);
	if (pos != TPROF_INDEX_NONE)
		return pos;
	if (tprof_grow((void **)&e->strs, &e->strs_cap, e->nstrs + 1,
		       sizeof(*e->strs)) ||
	    tprof_index_add(&e->str_ix, h, (uint32_t)e->nstrs)) {
		e->err = TRIAGE_ENOMEM;
		return 0;
	}
	e->strs[e->nstrs] = (char *)(uintptr_t)s;
	return (int64_t)e->nstrs++;
}

/*
 * `n` messages of `size` bytes, each set up by `init`, and the array of
 * pointers to them that protobuf-c wants. NULL when out of memory.
 */
static void **enc_messages(struct encoder *e, size_t n, size_t size,
			   void (*init)(void *))
{
	char *msgs = tprof_arena_calloc(e->scratch, n, size);
	void **ptrs = tprof_arena_calloc(e->scratch, n, sizeof(*ptrs));
	size_t i;

	if (!msgs || !ptrs) {
		e->err = TRIAGE_ENOMEM;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		ptrs[i] = msgs + i * size;
		init(ptrs[i]);
	}
	return ptrs;
}

#define ENC_MESSAGES(e, n, type, init)                                         \
	((type **)enc_messages(e, n, sizeof(type), (void (*)(void *))(init)))

static void enc_value_type(struct encoder *e, pb_value_type *pb,
			   const struct tprof_value_type *vt)
{
	pb->type = enc_str(e, vt->type);
	pb->unit = enc_str(e, vt->unit);
}

static int enc_sample_types(struct encoder *e, const struct tprof *p)
{
	size_t i;

	e->msg.sample_type =
	    ENC_MESSAGES(e, p->nsample_types, pb_value_type,
			 perftools__profiles__value_type__init);
	if (!e->msg.sample_type)
		return e->err;
	e->msg.n_sample_type = p->nsample_types;
	for (i = 0; i < p->nsample_types; i++)
		enc_value_type(e, e->msg.sample_type[i], &p->sample_types[i]);
	return 0;
}

static int enc_mappings(struct encoder *e, const struct tprof *p)
{
	size_t i;

	e->msg.mapping = ENC_MESSAGES(e, p->nmappings, pb_mapping,
				      perftools__profiles__mapping__init);
	if (!e->msg.mapping)
		return e->err;
	e->msg.n_mapping = p->nmappings;
	for (i = 0; i < p->nmappings; i++) {
		const struct tprof_mapping *m = &p->mappings[i];
		pb_mapping *pb = e->msg.mapping[i];

		pb->id = m->id;
		pb->memory_start = m->memory_start;
		pb->memory_limit = m->memory_limit;
		pb->file_offset = m->file_offset;
		pb->filename = enc_str(e, m->filename);
		pb->build_id = enc_str(e, m->build_id);
		pb->has_functions = m->has_functions;
		pb->has_filenames = m->has_filenames;
		pb->has_line_numbers = m->has_line_numbers;
		pb->has_inline_frames = m->has_inline_frames;
	}
	return 0;
}

static int enc_functions(struct encoder *e, const struct tprof *p)
{
	size_t i;

	e->msg.function = ENC_MESSAGES(e, p->nfunctions, pb_function,
				       perftools__profiles__function__init);
	if (!e->msg.function)
		return e->err;
	e->msg.n_function = p->nfunctions;
	for (i = 0; i < p->nfunctions; i++) {
		const struct tprof_function *f = &p->functions[i];
		pb_function *pb = e->msg.function[i];

		pb->id = f->id;
		pb->name = enc_str(e, f->name);
		pb->system_name = enc_str(e, f->system_name);
		pb->filename = enc_str(e, f->filename);
		pb->start_line = f->start_line;
	}
	return 0;
}

static int enc_locations(struct encoder *e, const struct tprof *p)
{
	size_t i, j, nlines = 0, k = 0;
	pb_line **lines;

	for (i = 0; i < p->nlocations; i++)
		nlines += p->locations[i].nlines;
	e->msg.location = ENC_MESSAGES(e, p->nlocations, pb_location,
				       perftools__profiles__location__init);
	lines =
	    ENC_MESSAGES(e, nlines, pb_line, perftools__profiles__line__init);
	if (!e->msg.location || !lines)
		return e->err;
	e->msg.n_location = p->nlocations;

	for (i = 0; i < p->nlocations; i++) {
		const struct tprof_location *l = &p->locations[i];
		pb_location *pb = e->msg.location[i];

		pb->id = l->id;
		pb->mapping_id = l->mapping ? l->mapping->id : 0;
		pb->address = l->address;
		pb->is_folded = l->is_folded;
		pb->n_line = l->nlines;
		pb->line = lines + k;
		for (j = 0; j < l->nlines; j++, k++) {
			lines[k]->function_id = l->lines[j].function->id;
			lines[k]->line = l->lines[j].line;
			lines[k]->column = l->lines[j].column;
		}
	}
	return 0;
}

/* Fills one sample's labels from the run of messages at `pb`. */
static void enc_labels(struct encoder *e, pb_label **pb,
		       const struct tprof_sample *s)
{
	size_t i;

	for (i = 0; i < s->nlabels; i++) {
		const struct tprof_label *l = &s->labels[i];

		pb[i]->key = enc_str(e, l->key);
		pb[i]->str = enc_str(e, l->str);
		pb[i]->num = l->num;
		pb[i]->num_unit = enc_str(e, l->num_unit);
	}
}

static int enc_samples(struct encoder *e, const struct tprof *p)
{
	size_t i, j, nlocs = 0, nlabels = 0, kl = 0, kb = 0;
	uint64_t *ids;
	pb_label **labels;

	for (i = 0; i < p->nsamples; i++) {
		nlocs += p->samples[i].nlocations;
		nlabels += p->samples[i].nlabels;
	}
	e->msg.sample = ENC_MESSAGES(e, p->nsamples, pb_sample,
				     perftools__profiles__sample__init);
	labels = ENC_MESSAGES(e, nlabels, pb_label,
			      perftools__profiles__label__init);
	ids = tprof_arena_calloc(e->scratch, nlocs, sizeof(*ids));
	if (!e->msg.sample || !labels || !ids)
		return e->err ? e->err : TRIAGE_ENOMEM;
	e->msg.n_sample = p->nsamples;

	for (i = 0; i < p->nsamples; i++) {
		const struct tprof_sample *s = &p->samples[i];
		pb_sample *pb = e->msg.sample[i];

		pb->n_location_id = s->nlocations;
		pb->location_id = ids + kl;
		for (j = 0; j < s->nlocations; j++)
			ids[kl++] = s->locations[j]->id;
		pb->n_value = p->nsample_types;
		pb->value = (int64_t *)(uintptr_t)s->values;
		pb->n_label = s->nlabels;
		pb->label = labels + kb;
		enc_labels(e, pb->label, s);
		kb += s->nlabels;
	}
	return 0;
}

/* The top-level scalars, the period type and the comments. */
static int enc_profile_fields(struct encoder *e, const struct tprof *p)
{
	pb_value_type **pt;
	size_t i;

	e->msg.drop_frames = enc_str(e, p->drop_frames);
	e->msg.keep_frames = enc_str(e, p->keep_frames);
	e->msg.time_nanos = p->time_nanos;
	e->msg.duration_nanos = p->duration_nanos;
	e->msg.period = p->period;
	e->msg.default_sample_type = enc_str(e, p->default_sample_type);

	pt = ENC_MESSAGES(e, 1, pb_value_type,
			  perftools__profiles__value_type__init);
	e->msg.comment =
	    tprof_arena_calloc(e->scratch, p->ncomments, sizeof(int64_t));
	if (!pt || !e->msg.comment)
		return TRIAGE_ENOMEM;
	enc_value_type(e, pt[0], &p->period_type);
	e->msg.period_type = pt[0];
	e->msg.n_comment = p->ncomments;
	for (i = 0; i < p->ncomments; i++)
		e->msg.comment[i] = enc_str(e, p->comments[i]);
	return 0;
}

/* Packs the finished message into a malloc'd buffer. */
static int enc_pack(struct encoder *e, uint8_t **out, size_t *len)
{
	size_t size;

	e->msg.string_table = e->strs;
	e->msg.n_string_table = e->nstrs;
	size = perftools__profiles__profile__get_packed_size(&e->msg);
	*out = tprof_malloc(size);
	if (!*out)
		return TRIAGE_ENOMEM;
	*len = perftools__profiles__profile__pack(&e->msg, *out);
	return 0;
}

int tprof_encode(const struct tprof *p, uint8_t **out, size_t *len)
{
	struct encoder e = {0};
	uint8_t *raw = NULL;
	size_t rawlen = 0;
	int err;

	*out = NULL;
	*len = 0;
	perftools__profiles__profile__init(&e.msg);
	tprof_index_init(&e.str_ix);
	e.scratch = tprof_arena_new();
	/* string_table[0] is "", which enc_str() never looks up. */
	err = !e.scratch || tprof_grow((void **)&e.strs, &e.strs_cap, 1,
				       sizeof(*e.strs))
		  ? TRIAGE_ENOMEM
		  : 0;
	if (!err)
		e.strs[e.nstrs++] = (char *)"";

	if (!err)
		err = enc_sample_types(&e, p);
	if (!err)
		err = enc_mappings(&e, p);
	if (!err)
		err = enc_functions(&e, p);
	if (!err)
		err = enc_locations(&e, p);
	if (!err)
		err = enc_samples(&e, p);
	if (!err)
		err = enc_profile_fields(&e, p);
	if (!err && e.err)
		err = e.err;
	if (!err)
		err = enc_pack(&e, &raw, &rawlen);
	if (!err)
		err = tprof_gzip(raw, rawlen, Z_BEST_SPEED, out, len);

	tprof_mfree(raw);
	tprof_mfree(e.strs);
	tprof_index_free(&e.str_ix);
	tprof_arena_free(e.scratch);
	return err;
}

/* Writes all of `buf` to `fd`; 0 or TRIAGE_ESYS with errno set. */
static int write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return TRIAGE_ESYS;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Opens a new temporary file beside `path` (same folder, so the final
 * rename is atomic). The name goes into `tmp`.
 */
static int open_beside(const char *path, char *tmp, size_t tmplen)
{
	static unsigned counter;
	unsigned i;
	int fd;

	for (i = 0; i < 100; i++) {
		unsigned n = __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);

		if ((size_t)snprintf(tmp, tmplen, "%s.tmp.%ld.%u", path,
				     (long)getpid(), n) >= tmplen) {
			errno = ENAMETOOLONG;
			return -1;
		}
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

int tprof_write_file(const struct tprof *p, const char *path)
{
	char tmp[4096];
	uint8_t *buf;
	size_t len;
	int fd, err, saved;

	err = tprof_encode(p, &buf, &len);
	if (err)
		return err;
	fd = open_beside(path, tmp, sizeof(tmp));
	if (fd < 0) {
		tprof_mfree(buf);
		return TRIAGE_ESYS;
	}
	err = write_all(fd, buf, len);
	saved = errno;
	tprof_mfree(buf);
	if (close(fd) && !err) {
		err = TRIAGE_ESYS;
		saved = errno;
	}
	if (!err && rename(tmp, path)) {
		err = TRIAGE_ESYS;
		saved = errno;
	}
	if (err) {
		unlink(tmp);
		errno = saved;
	}
	return err;
}
