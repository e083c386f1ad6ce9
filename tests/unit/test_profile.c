/*
 * test_profile.c - the profile model: building and interning, the
 * encode/decode round trip of every field, decoding profiles Go wrote,
 * and refusing malformed input (bad gzip, bad proto, bad indexes and
 * ids, bombs) with a clear error and no crash; out-of-memory at every
 * allocation reported, not crashed on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "arena.h"
#include "profile.h"
#include "profile.pb-c.h"
#include "triage.h"

/* Path of a file under tests/data. */
static const char *data_path(const char *name)
{
	static char path[4096];
	const char *src = getenv("TRIAGE_SOURCE");

	const char *slash = strrchr(__FILE__, '/');

	/* Without CTest's TRIAGE_SOURCE: beside this file's folder. */
	if (src)
		snprintf(path, sizeof(path), "%s/tests/data/%s", src, name);
	else
		snprintf(path, sizeof(path), "%.*s/../data/%s",
			 (int)(slash - __FILE__), __FILE__, name);
	return path;
}

/* Reads a whole file into a malloc'd buffer. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* gzip of `len` bytes at `in`, with zlib directly (an independent path). */
static uint8_t *gz(const uint8_t *in, size_t len, size_t *outlen)
{
	uLong cap = compressBound(len) + 64;
	uint8_t *out = malloc(cap);
	z_stream zs = {0};

	assert_non_null(out);
	assert_int_equal(
	    deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*outlen = zs.total_out;
	deflateEnd(&zs);
	return out;
}

/* Builds a profile that uses every field of the model. */
static struct tprof *build_rich(void)
{
	struct tprof_builder *b = tprof_builder_new();
	struct tprof_line_in lines[2];
	struct tprof_label_in labels[2] = {
	    {"request", "GET /x", 0, NULL},
	    {"bytes", NULL, 4096, "bytes"},
	};
	uint64_t m1, m2, f1, f2, f3, l1, l2, l3, stack[3];
	int64_t v[2];
	struct tprof *p;

	assert_non_null(b);
	tprof_add_sample_type(b, "samples", "count");
	tprof_add_sample_type(b, "cpu", "nanoseconds");
	tprof_set_period(b, "cpu", "nanoseconds", 10000000);
	tprof_set_time(b, 1700000000123456789LL, 3000000000LL);
	tprof_set_default_sample_type(b, "cpu");
	tprof_add_comment(b, "made by test_profile");
	tprof_add_comment(b, "# hidden comment");
	tprof_set_drop_frames(b, "malloc|free");
	m1 = tprof_add_mapping(b, 0x400000, 0x500000, 0x1000, "/usr/bin/svc",
			       "abcdef0123", TPROF_HAS_FUNCTIONS);
	m2 = tprof_add_mapping(b, 0x7f0000000000, 0x7f0000100000, 0,
			       "/lib/libc.so.6", NULL, 0);
	tprof_set_mapping_flags(b, m2,
				TPROF_HAS_FUNCTIONS | TPROF_HAS_FILENAMES |
				    TPROF_HAS_LINE_NUMBERS |
				    TPROF_HAS_INLINE_FRAMES);
	f1 = tprof_add_function(b, "main", "main", "svc.c", 10);
	f2 = tprof_add_function(b, "hot", "_Z3hotv", "svc.c", 20);
	f3 = tprof_add_function(b, "memcpy", NULL, NULL, 0);

	lines[0] = (struct tprof_line_in){f2, 25};
	lines[1] = (struct tprof_line_in){f1, 12};
	l1 = tprof_add_location(b, m1, 0x401234, lines, 2); /* inlined */
	lines[0] = (struct tprof_line_in){f1, 14};
	l2 = tprof_add_location(b, m1, 0x401300, lines, 1);
	lines[0] = (struct tprof_line_in){f3, 0};
	l3 = tprof_add_location(b, m2, 0x7f0000000100, lines, 1);

	stack[0] = l3, stack[1] = l1, stack[2] = l2;
	v[0] = 3, v[1] = 30000000;
	assert_int_equal(tprof_add_sample(b, stack, 3, v, labels, 2), 0);
	v[0] = 1, v[1] = 10000000;
	assert_int_equal(tprof_add_sample(b, stack + 1, 2, v, labels, 1), 0);
	v[0] = -2, v[1] = -20000000;
	assert_int_equal(tprof_add_sample(b, stack + 2, 1, v, NULL, 0), 0);
	assert_int_equal(tprof_add_sample(b, NULL, 0, v, NULL, 0), 0);
	assert_int_equal(tprof_builder_finish(b, &p), 0);
	return p;
}

static void assert_value_type_equal(const struct tprof_value_type *a,
				    const struct tprof_value_type *b)
{
	assert_string_equal(a->type, b->type);
	assert_string_equal(a->unit, b->unit);
}

static void assert_mapping_equal(const struct tprof_mapping *a,
				 const struct tprof_mapping *b)
{
	assert_int_equal(a->id, b->id);
	assert_int_equal(a->memory_start, b->memory_start);
	assert_int_equal(a->memory_limit, b->memory_limit);
	assert_int_equal(a->file_offset, b->file_offset);
	assert_string_equal(a->filename, b->filename);
	assert_string_equal(a->build_id, b->build_id);
	assert_int_equal(a->has_functions, b->has_functions);
	assert_int_equal(a->has_filenames, b->has_filenames);
	assert_int_equal(a->has_line_numbers, b->has_line_numbers);
	assert_int_equal(a->has_inline_frames, b->has_inline_frames);
}

static void assert_function_equal(const struct tprof_function *a,
				  const struct tprof_function *b)
{
	assert_int_equal(a->id, b->id);
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->system_name, b->system_name);
	assert_string_equal(a->filename, b->filename);
	assert_int_equal(a->start_line, b->start_line);
}

static void assert_location_equal(const struct tprof_location *a,
				  const struct tprof_location *b)
{
	size_t j;

	assert_int_equal(a->id, b->id);
	assert_int_equal(a->mapping ? a->mapping->id : 0,
			 b->mapping ? b->mapping->id : 0);
	assert_int_equal(a->address, b->address);
	assert_int_equal(a->is_folded, b->is_folded);
	assert_int_equal(a->nlines, b->nlines);
	for (j = 0; j < a->nlines; j++) {
		assert_function_equal(a->lines[j].function,
				      b->lines[j].function);
		assert_int_equal(a->lines[j].line, b->lines[j].line);
		assert_int_equal(a->lines[j].column, b->lines[j].column);
	}
}

static void assert_sample_equal(const struct tprof_sample *a,
				const struct tprof_sample *b, size_t nvalues)
{
	size_t j;

	assert_int_equal(a->nlocations, b->nlocations);
	for (j = 0; j < a->nlocations; j++)
		assert_int_equal(a->locations[j]->id, b->locations[j]->id);
	for (j = 0; j < nvalues; j++)
		assert_int_equal(a->values[j], b->values[j]);
	assert_int_equal(a->nlabels, b->nlabels);
	for (j = 0; j < a->nlabels; j++) {
		assert_string_equal(a->labels[j].key, b->labels[j].key);
		assert_string_equal(a->labels[j].str, b->labels[j].str);
		assert_int_equal(a->labels[j].num, b->labels[j].num);
		assert_string_equal(a->labels[j].num_unit,
				    b->labels[j].num_unit);
	}
}

/* Every field of two models, compared. */
static void assert_profiles_equal(const struct tprof *a, const struct tprof *b)
{
	size_t i;

	assert_int_equal(a->nsample_types, b->nsample_types);
	for (i = 0; i < a->nsample_types; i++)
		assert_value_type_equal(&a->sample_types[i],
					&b->sample_types[i]);
	assert_int_equal(a->nmappings, b->nmappings);
	for (i = 0; i < a->nmappings; i++)
		assert_mapping_equal(&a->mappings[i], &b->mappings[i]);
	assert_int_equal(a->nfunctions, b->nfunctions);
	for (i = 0; i < a->nfunctions; i++)
		assert_function_equal(&a->functions[i], &b->functions[i]);
	assert_int_equal(a->nlocations, b->nlocations);
	for (i = 0; i < a->nlocations; i++)
		assert_location_equal(&a->locations[i], &b->locations[i]);
	assert_int_equal(a->nsamples, b->nsamples);
	for (i = 0; i < a->nsamples; i++)
		assert_sample_equal(&a->samples[i], &b->samples[i],
				    a->nsample_types);
	assert_string_equal(a->drop_frames, b->drop_frames);
	assert_string_equal(a->keep_frames, b->keep_frames);
	assert_int_equal(a->time_nanos, b->time_nanos);
	assert_int_equal(a->duration_nanos, b->duration_nanos);
	assert_value_type_equal(&a->period_type, &b->period_type);
	assert_int_equal(a->period, b->period);
	assert_int_equal(a->ncomments, b->ncomments);
	for (i = 0; i < a->ncomments; i++)
		assert_string_equal(a->comments[i], b->comments[i]);
	assert_string_equal(a->default_sample_type, b->default_sample_type);
}

/* Encodes and decodes `p`; returns the decoded copy. */
static struct tprof *round_trip(const struct tprof *p)
{
	struct tprof *q = NULL;
	uint8_t *buf;
	size_t len;
	char err[256] = "";
	int rc;

	assert_int_equal(tprof_encode(p, &buf, &len), 0);
	assert_true(len > 20);
	/* A real gzip member: magic, deflate, and the zlib path reads it. */
	assert_int_equal(buf[0], 0x1f);
	assert_int_equal(buf[1], 0x8b);
	assert_int_equal(buf[2], 8);
	rc = tprof_decode(buf, len, 0, &q, err, sizeof(err));
	if (rc)
		fail_msg("decode of our own encoding failed: %s", err);
	free(buf);
	return q;
}

static void test_round_trip_every_field(void **state)
{
	struct tprof *p = build_rich(), *q;

	(void)state;
	q = round_trip(p);
	assert_profiles_equal(p, q);

	/* The fields as the builder was told them. */
	assert_int_equal(q->nsamples, 4);
	assert_int_equal(q->samples[0].nlocations, 3);
	assert_int_equal(q->samples[3].nlocations, 0);
	assert_int_equal(q->samples[2].values[0], -2);
	assert_string_equal(q->samples[0].labels[0].str, "GET /x");
	assert_string_equal(q->samples[0].labels[1].str, "");
	assert_int_equal(q->samples[0].labels[1].num, 4096);
	assert_string_equal(q->samples[0].labels[1].num_unit, "bytes");
	assert_int_equal(q->locations[0].nlines, 2);
	assert_string_equal(q->locations[0].lines[0].function->name, "hot");
	assert_string_equal(q->locations[0].lines[1].function->name, "main");
	assert_string_equal(q->mappings[0].build_id, "abcdef0123");
	assert_true(q->mappings[0].has_functions);
	assert_false(q->mappings[0].has_filenames);
	assert_true(q->mappings[1].has_inline_frames);
	assert_string_equal(q->comments[1], "# hidden comment");
	assert_string_equal(q->drop_frames, "malloc|free");
	assert_string_equal(q->default_sample_type, "cpu");
	assert_string_equal(q->functions[2].system_name, "");
	tprof_free(p);
	tprof_free(q);
}

static void test_encoding_has_each_string_once(void **state)
{
	struct tprof *p = build_rich();
	Perftools__Profiles__Profile *m;
	uint8_t *buf, *raw;
	size_t len, rawlen, i, j;
	char err[256];

	(void)state;
	assert_int_equal(tprof_encode(p, &buf, &len), 0);
	/* Decompress with zlib itself and unpack with protobuf-c. */
	rawlen = 1 << 20;
	raw = malloc(rawlen);
	assert_non_null(raw);
	{
		z_stream zs = {0};

		assert_int_equal(inflateInit2(&zs, 31), Z_OK);
		zs.next_in = buf;
		zs.avail_in = (uInt)len;
		zs.next_out = raw;
		zs.avail_out = (uInt)rawlen;
		assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
		rawlen = zs.total_out;
		inflateEnd(&zs);
	}
	m = perftools__profiles__profile__unpack(NULL, rawlen, raw);
	assert_non_null(m);
	assert_true(m->n_string_table > 10);
	assert_string_equal(m->string_table[0], "");
	for (i = 0; i < m->n_string_table; i++)
		for (j = i + 1; j < m->n_string_table; j++)
			if (!strcmp(m->string_table[i], m->string_table[j]))
				fail_msg("string %zu and %zu are both \"%s\"",
					 i, j, m->string_table[i]);
	perftools__profiles__profile__free_unpacked(m, NULL);
	free(raw);
	free(buf);
	tprof_free(p);
	(void)err;
}

static void test_builder_interns(void **state)
{
	struct tprof_builder *b = tprof_builder_new();
	struct tprof_line_in line;
	uint64_t m1, m2, m3, f1, f2, f3, f4, l1, l2, l3;
	struct tprof *p;

	(void)state;
	tprof_add_sample_type(b, "samples", "count");
	m1 = tprof_add_mapping(b, 1, 2, 0, "/a", "id1", 0);
	m2 = tprof_add_mapping(b, 1, 2, 0, "/a", "other-build-id", 0);
	m3 = tprof_add_mapping(b, 1, 2, 0, "/b", NULL, 0);
	assert_int_equal(m1, 1);
	assert_int_equal(m2, 1);
	assert_int_equal(m3, 2);

	f1 = tprof_add_function(b, "f", "f", "f.c", 1);
	f2 = tprof_add_function(b, "f", "f", "f.c", 1);
	f3 = tprof_add_function(b, "f", "f", "f.c", 2);
	f4 = tprof_add_function(b, "f", NULL, "f.c", 1);
	assert_int_equal(f1, 1);
	assert_int_equal(f2, 1);
	assert_int_equal(f3, 2);
	assert_int_equal(f4, 3);
	/* NULL and "" are the same string. */
	assert_int_equal(tprof_add_function(b, "f", "", "f.c", 1), 3);

	line = (struct tprof_line_in){f1, 5};
	l1 = tprof_add_location(b, m1, 0x10, &line, 1);
	line = (struct tprof_line_in){f3, 6};
	l2 = tprof_add_location(b, m1, 0x10, &line, 1); /* lines ignored */
	l3 = tprof_add_location(b, m3, 0x10, &line, 1);
	assert_int_equal(l1, 1);
	assert_int_equal(l2, 1);
	assert_int_equal(l3, 2);

	assert_int_equal(tprof_builder_finish(b, &p), 0);
	assert_int_equal(p->nmappings, 2);
	assert_string_equal(p->mappings[0].build_id, "id1");
	assert_int_equal(p->nfunctions, 3);
	assert_int_equal(p->nlocations, 2);
	assert_int_equal(p->locations[0].lines[0].line, 5);
	/* Interned strings are shared. */
	assert_ptr_equal(p->functions[0].name, p->functions[1].name);
	assert_ptr_equal(p->functions[0].filename, p->functions[2].filename);
	tprof_free(p);
}

static void test_builder_refuses_bad_ids(void **state)
{
	struct tprof_builder *b;
	struct tprof_line_in line = {7, 1};
	uint64_t ids[1] = {5};
	int64_t v[1] = {1};
	struct tprof *p;

	(void)state;
	/* A sample before any sample type, or with an unknown location. */
	b = tprof_builder_new();
	assert_int_equal(tprof_add_sample(b, NULL, 0, v, NULL, 0),
			 TRIAGE_EINVAL);
	tprof_add_sample_type(b, "samples", "count");
	assert_int_equal(tprof_add_sample(b, ids, 1, v, NULL, 0),
			 TRIAGE_EINVAL);
	assert_int_equal(tprof_builder_finish(b, &p), 0);
	assert_int_equal(p->nsamples, 0);
	tprof_free(p);

	/* A location with an unknown function: sticky, reported by finish. */
	b = tprof_builder_new();
	assert_int_equal(tprof_add_location(b, 0, 0x10, &line, 1), 0);
	assert_int_equal(tprof_builder_finish(b, &p), TRIAGE_EINVAL);
	assert_null(p);

	/* A sample type after samples. */
	b = tprof_builder_new();
	tprof_add_sample_type(b, "samples", "count");
	assert_int_equal(tprof_add_sample(b, NULL, 0, v, NULL, 0), 0);
	tprof_add_sample_type(b, "cpu", "nanoseconds");
	assert_int_equal(tprof_builder_finish(b, &p), TRIAGE_EINVAL);

	/* NULL builders (tprof_builder_new out of memory) never crash. */
	tprof_add_sample_type(NULL, "a", "b");
	assert_int_equal(tprof_add_function(NULL, "f", NULL, NULL, 0), 0);
	assert_int_equal(tprof_builder_finish(NULL, &p), TRIAGE_ENOMEM);
	tprof_builder_free(NULL);
	tprof_free(NULL);
}

static bool has_function(const struct tprof *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nfunctions; i++)
		if (!strcmp(p->functions[i].name, name))
			return true;
	return false;
}

static void test_decode_go_cpu(void **state)
{
	struct tprof *p, *q;
	char err[256] = "";
	size_t i;

	(void)state;
	if (tprof_read_file(data_path("go-cpu.pb.gz"), &p, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(p->nsample_types, 2);
	assert_string_equal(p->sample_types[0].type, "samples");
	assert_string_equal(p->sample_types[0].unit, "count");
	assert_string_equal(p->sample_types[1].type, "cpu");
	assert_string_equal(p->sample_types[1].unit, "nanoseconds");
	assert_string_equal(p->period_type.type, "cpu");
	assert_int_equal(p->period, 10000000);
	assert_true(p->duration_nanos > 1000000000);
	assert_true(p->time_nanos > 0);
	assert_true(p->nsamples > 10);
	for (i = 0; i < p->nsamples; i++) {
		/* Go writes cpu = samples x period, leaf first. */
		assert_int_equal(p->samples[i].values[1],
				 p->samples[i].values[0] * p->period);
		assert_true(p->samples[i].nlocations > 0);
	}
	assert_true(p->nmappings >= 1);
	assert_non_null(strstr(p->mappings[0].filename, "mkprofiles"));
	assert_true(p->mappings[0].has_functions);
	assert_true(has_function(p, "main.countPrimes"));
	assert_true(has_function(p, "main.hashRecords"));
	assert_true(has_function(p, "main.sortRecords"));

	q = round_trip(p);
	assert_profiles_equal(p, q);
	tprof_free(q);
	tprof_free(p);
}

static void test_decode_go_heap(void **state)
{
	struct tprof *p, *q;
	char err[256] = "";
	size_t i, nbytes = 0;
	static const char *const types[] = {"alloc_objects", "alloc_space",
					    "inuse_objects", "inuse_space"};

	(void)state;
	if (tprof_read_file(data_path("go-heap.pb.gz"), &p, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(p->nsample_types, 4);
	for (i = 0; i < 4; i++)
		assert_string_equal(p->sample_types[i].type, types[i]);
	assert_string_equal(p->sample_types[1].unit, "bytes");
	assert_string_equal(p->period_type.type, "space");
	assert_int_equal(p->period, 16384);
	assert_true(has_function(p, "main.allocLarge"));
	assert_true(has_function(p, "main.allocSmall"));
	/* Go labels every heap sample that allocated with its block size. */
	for (i = 0; i < p->nsamples; i++) {
		const struct tprof_sample *s = &p->samples[i];

		if (!s->values[0])
			continue;
		assert_int_equal(s->nlabels, 1);
		assert_string_equal(s->labels[0].key, "bytes");
		assert_true(s->labels[0].num > 0);
		nbytes++;
	}
	assert_true(nbytes > 10);

	q = round_trip(p);
	assert_profiles_equal(p, q);
	tprof_free(q);
	tprof_free(p);
}

/* Decodes `buf` expecting failure `code` with `needle` in the reason. */
static void expect_refusal(const uint8_t *buf, size_t len, size_t max, int code,
			   const char *needle)
{
	struct tprof *p = (struct tprof *)(uintptr_t)1;
	char err[256] = "";
	int rc = tprof_decode(buf, len, max, &p, err, sizeof(err));

	if (rc != code || !strstr(err, needle))
		fail_msg("want %d \"...%s...\", got %d \"%s\"", code, needle,
			 rc, err);
	assert_null(p);
	assert_null(strchr(err, '\n'));
}

static void test_refuses_non_profiles(void **state)
{
	static const uint8_t ff[] = {0xff, 0xff, 0xff, 0xff};
	static const char text[] = "this is not a profile\n";
	uint8_t *z;
	size_t zlen;

	(void)state;
	expect_refusal(ff, 0, 0, TRIAGE_EFORMAT, "empty");
	expect_refusal(ff, sizeof(ff), 0, TRIAGE_EFORMAT,
		       "neither gzip nor a valid profile.proto");
	expect_refusal((const uint8_t *)text, strlen(text), 0, TRIAGE_EFORMAT,
		       "neither gzip nor");
	z = gz(ff, sizeof(ff), &zlen);
	expect_refusal(z, zlen, 0, TRIAGE_EFORMAT,
		       "gzip data does not hold a valid profile.proto");
	free(z);
	/* Only the gzip magic. */
	expect_refusal((const uint8_t *)"\x1f\x8b", 2, 0, TRIAGE_EFORMAT,
		       "truncated");
}

static void test_refuses_truncated_and_corrupt_gzip(void **state)
{
	uint8_t *buf, *raw, *trail;
	size_t len, cut, rawlen;
	struct tprof *p;
	char err[256];

	(void)state;
	buf = slurp(data_path("go-cpu.pb.gz"), &len);
	for (cut = 2; cut < len; cut += len / 7)
		expect_refusal(buf, cut, 0, TRIAGE_EFORMAT, "truncated");
	/* A flipped byte in the deflate stream or the CRC. */
	buf[len / 2] ^= 0x55;
	expect_refusal(buf, len, 0, TRIAGE_EFORMAT, "gzip data is corrupt");
	buf[len / 2] ^= 0x55;
	buf[len - 6] ^= 1;
	expect_refusal(buf, len, 0, TRIAGE_EFORMAT, "gzip data is corrupt");
	buf[len - 6] ^= 1;

	/* Garbage after the member. */
	trail = malloc(len + 3);
	assert_non_null(trail);
	memcpy(trail, buf, len);
	memcpy(trail + len, "xyz", 3);
	expect_refusal(trail, len + 3, 0, TRIAGE_EFORMAT, "trailing garbage");
	free(trail);

	/* The plain protobuf, cut short, is refused by protobuf-c. */
	assert_int_equal(tprof_decode(buf, len, 0, &p, err, sizeof(err)), 0);
	tprof_free(p);
	{
		z_stream zs = {0};

		rawlen = 1 << 20;
		raw = malloc(rawlen);
		assert_int_equal(inflateInit2(&zs, 31), Z_OK);
		zs.next_in = buf;
		zs.avail_in = (uInt)len;
		zs.next_out = raw;
		zs.avail_out = (uInt)rawlen;
		assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
		rawlen = zs.total_out;
		inflateEnd(&zs);
	}
	assert_int_equal(tprof_decode(raw, rawlen, 0, &p, err, sizeof(err)), 0);
	tprof_free(p);
	expect_refusal(raw, rawlen - 3, 0, TRIAGE_EFORMAT, "neither gzip nor");
	expect_refusal(raw, rawlen / 2, 0, TRIAGE_EFORMAT, "neither gzip nor");
	free(raw);
	free(buf);
}

static void test_multi_member_gzip(void **state)
{
	uint8_t *buf, *raw, *a, *b, *both;
	size_t len, rawlen, alen, blen;
	struct tprof *p, *q;
	char err[256];

	(void)state;
	buf = slurp(data_path("go-heap.pb.gz"), &len);
	assert_int_equal(tprof_decode(buf, len, 0, &p, err, sizeof(err)), 0);
	{
		z_stream zs = {0};

		rawlen = 1 << 20;
		raw = malloc(rawlen);
		assert_int_equal(inflateInit2(&zs, 31), Z_OK);
		zs.next_in = buf;
		zs.avail_in = (uInt)len;
		zs.next_out = raw;
		zs.avail_out = (uInt)rawlen;
		assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
		rawlen = zs.total_out;
		inflateEnd(&zs);
	}
	/* `cat a.gz b.gz` of the two halves is the whole profile. */
	a = gz(raw, rawlen / 3, &alen);
	b = gz(raw + rawlen / 3, rawlen - rawlen / 3, &blen);
	both = malloc(alen + blen);
	memcpy(both, a, alen);
	memcpy(both + alen, b, blen);
	if (tprof_decode(both, alen + blen, 0, &q, err, sizeof(err)))
		fail_msg("%s", err);
	assert_profiles_equal(p, q);

	/* The byte limit: exactly the decompressed size passes. */
	tprof_free(q);
	assert_int_equal(
	    tprof_decode(both, alen + blen, rawlen, &q, err, sizeof(err)), 0);
	tprof_free(q);
	expect_refusal(both, alen + blen, rawlen - 1, TRIAGE_EFORMAT,
		       "past the limit of");
	/* The limit applies to plain input too. */
	expect_refusal(raw, rawlen, rawlen - 1, TRIAGE_EFORMAT,
		       "larger than the limit");

	free(a);
	free(b);
	free(both);
	free(raw);
	free(buf);
	tprof_free(p);
}

static void test_refuses_gzip_bomb(void **state)
{
	size_t n = 64u << 20, zlen;
	uint8_t *zeros = calloc(1, n), *z;

	(void)state;
	assert_non_null(zeros);
	z = gz(zeros, n, &zlen);
	free(zeros);
	assert_true(zlen < 200000);
	expect_refusal(z, zlen, 1u << 20, TRIAGE_EFORMAT,
		       "gzip data expands past the limit of 1048576 bytes");
	free(z);
}

/* Hand-made protobuf bytes that lie about lengths. */
static void test_refuses_lying_lengths(void **state)
{
	/* Profile.sample (field 2) with a length of 2^64 - 1. */
	static const uint8_t huge_len[] = {0x12, 0xff, 0xff, 0xff, 0xff, 0xff,
					   0xff, 0xff, 0xff, 0xff, 0x01, 0x00};
	/* A sample whose packed location_id claims 10^9 bytes. */
	static const uint8_t billion[] = {0x12, 0x09, 0x0a, 0x80, 0x94, 0xeb,
					  0xdc, 0x03, 0x01, 0x02, 0x03};
	/* string_table (field 6) entry claiming 2^31 bytes. */
	static const uint8_t big_string[] = {0x32, 0x80, 0x80, 0x80, 0x80,
					     0x08, 'a',	 'b',  'c'};
	/* A varint that never ends. */
	static const uint8_t endless[] = {0x48, 0xff, 0xff, 0xff, 0xff, 0xff,
					  0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint8_t *z;
	size_t zlen;

	(void)state;
	expect_refusal(huge_len, sizeof(huge_len), 0, TRIAGE_EFORMAT,
		       "a valid profile.proto");
	expect_refusal(billion, sizeof(billion), 0, TRIAGE_EFORMAT,
		       "a valid profile.proto");
	expect_refusal(big_string, sizeof(big_string), 0, TRIAGE_EFORMAT,
		       "a valid profile.proto");
	expect_refusal(endless, sizeof(endless), 0, TRIAGE_EFORMAT,
		       "a valid profile.proto");
	z = gz(billion, sizeof(billion), &zlen);
	expect_refusal(z, zlen, 0, TRIAGE_EFORMAT,
		       "gzip data does not hold a valid profile.proto");
	free(z);
}

/* The densest valid messages still fit protobuf-c's memory budget. */
static void test_dense_messages_decode(void **state)
{
	size_t n = 300000, len = 2 + 2 * n, i;
	uint8_t *buf = malloc(len);
	struct tprof *p;
	char err[256] = "";

	(void)state;
	assert_non_null(buf);
	buf[0] = 0x32, buf[1] = 0; /* string_table[0] = "" */
	for (i = 0; i < n; i++) /* empty samples (no sample types) */
		buf[2 + 2 * i] = 0x12, buf[3 + 2 * i] = 0;
	if (tprof_decode(buf, len, 0, &p, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(p->nsamples, n);
	tprof_free(p);
	for (i = 0; i < n; i++) /* empty strings */
		buf[2 + 2 * i] = 0x32;
	if (tprof_decode(buf, len, 0, &p, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(p->nsamples, 0);
	tprof_free(p);
	free(buf);
}

/* A small valid message that the tests below break one way each. */
struct crafted {
	Perftools__Profiles__Profile prof;
	Perftools__Profiles__ValueType st, *stp[1];
	Perftools__Profiles__Mapping map, *mapp[1];
	Perftools__Profiles__Function fn[2], *fnp[2];
	Perftools__Profiles__Line line, *linep[1];
	Perftools__Profiles__Location loc, *locp[1];
	Perftools__Profiles__Label label, *labelp[1];
	Perftools__Profiles__Sample sample, *samplep[1];
	uint64_t locids[1];
	int64_t values[2];
	int64_t comments[1];
	char *strs[5];
};

static void crafted_init(struct crafted *c)
{
	static char s0[] = "", s1[] = "cpu", s2[] = "nanoseconds",
		    s3[] = "main", s4[] = "/bin/x";

	memset(c, 0, sizeof(*c));
	perftools__profiles__profile__init(&c->prof);
	perftools__profiles__value_type__init(&c->st);
	perftools__profiles__mapping__init(&c->map);
	perftools__profiles__function__init(&c->fn[0]);
	perftools__profiles__function__init(&c->fn[1]);
	perftools__profiles__line__init(&c->line);
	perftools__profiles__location__init(&c->loc);
	perftools__profiles__label__init(&c->label);
	perftools__profiles__sample__init(&c->sample);
	c->strs[0] = s0, c->strs[1] = s1, c->strs[2] = s2;
	c->strs[3] = s3, c->strs[4] = s4;
	c->prof.string_table = c->strs;
	c->prof.n_string_table = 5;

	c->st.type = 1, c->st.unit = 2;
	c->stp[0] = &c->st;
	c->prof.sample_type = c->stp, c->prof.n_sample_type = 1;
	c->map.id = 1, c->map.filename = 4;
	c->mapp[0] = &c->map;
	c->prof.mapping = c->mapp, c->prof.n_mapping = 1;
	c->fn[0].id = 1, c->fn[0].name = 3;
	c->fn[1].id = 2, c->fn[1].name = 1;
	c->fnp[0] = &c->fn[0], c->fnp[1] = &c->fn[1];
	c->prof.function = c->fnp, c->prof.n_function = 1;
	c->line.function_id = 1, c->line.line = 7;
	c->linep[0] = &c->line;
	c->loc.id = 1, c->loc.mapping_id = 1, c->loc.address = 0x1000;
	c->loc.line = c->linep, c->loc.n_line = 1;
	c->locp[0] = &c->loc;
	c->prof.location = c->locp, c->prof.n_location = 1;
	c->label.key = 1, c->label.str = 3;
	c->labelp[0] = &c->label;
	c->locids[0] = 1, c->values[0] = 5;
	c->sample.location_id = c->locids, c->sample.n_location_id = 1;
	c->sample.value = c->values, c->sample.n_value = 1;
	c->sample.label = c->labelp, c->sample.n_label = 1;
	c->samplep[0] = &c->sample;
	c->prof.sample = c->samplep, c->prof.n_sample = 1;
	c->prof.comment = c->comments, c->prof.n_comment = 1;
	c->comments[0] = 3;
}

/* Packs the crafted message and decodes it (plain, not gzip). */
static int crafted_decode(struct crafted *c, struct tprof **p, char *err,
			  size_t errlen)
{
	size_t len = perftools__profiles__profile__get_packed_size(&c->prof);
	uint8_t *buf = malloc(len + 1);
	int rc;

	assert_non_null(buf);
	perftools__profiles__profile__pack(&c->prof, buf);
	rc = tprof_decode(buf, len, 0, p, err, errlen);
	free(buf);
	return rc;
}

static void expect_crafted_refusal(struct crafted *c, const char *needle)
{
	struct tprof *p = NULL;
	char err[256] = "";
	int rc = crafted_decode(c, &p, err, sizeof(err));

	if (rc != TRIAGE_EFORMAT || strcmp(err, needle))
		fail_msg("want EFORMAT \"%s\", got %d \"%s\"", needle, rc, err);
	assert_null(p);
}

static void test_crafted_valid(void **state)
{
	struct crafted c;
	struct tprof *p;
	char err[256] = "";

	(void)state;
	crafted_init(&c);
	if (crafted_decode(&c, &p, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(p->nsamples, 1);
	assert_string_equal(p->samples[0].locations[0]->lines[0].function->name,
			    "main");
	assert_string_equal(p->samples[0].labels[0].key, "cpu");
	assert_string_equal(p->comments[0], "main");
	assert_string_equal(p->period_type.type, "");
	tprof_free(p);
}

static void test_crafted_bad_strings(void **state)
{
	static char x[] = "x";
	struct crafted c;

	(void)state;
	crafted_init(&c);
	c.strs[0] = x;
	expect_crafted_refusal(&c, "profile: string_table[0] must be \"\"");
	crafted_init(&c);
	c.prof.n_string_table = 0;
	c.prof.n_comment = 0;
	expect_crafted_refusal(&c, "profile: string_table[0] must be \"\" "
				   "(the table is empty)");
	crafted_init(&c);
	c.fn[0].name = 99;
	expect_crafted_refusal(&c, "profile: function 1 has name string index "
				   "99, outside the string table of 5");
	crafted_init(&c);
	c.st.unit = -1;
	expect_crafted_refusal(&c, "profile: sample type 0 has unit string "
				   "index -1, outside the string table of 5");
	crafted_init(&c);
	c.map.build_id = 5;
	expect_crafted_refusal(&c, "profile: mapping 1 has build_id string "
				   "index 5, outside the string table of 5");
	crafted_init(&c);
	c.label.num_unit = 1000000;
	expect_crafted_refusal(&c, "profile: sample 0 label has num_unit "
				   "string index 1000000, outside the string "
				   "table of 5");
	crafted_init(&c);
	c.comments[0] = 6;
	expect_crafted_refusal(&c, "profile: comment 0 has text string index "
				   "6, outside the string table of 5");
	crafted_init(&c);
	c.prof.drop_frames = 77;
	expect_crafted_refusal(&c, "profile: the profile has drop_frames "
				   "string index 77, outside the string table "
				   "of 5");
}

static void test_crafted_bad_ids(void **state)
{
	struct crafted c;

	(void)state;
	crafted_init(&c);
	c.locids[0] = 99;
	expect_crafted_refusal(&c, "profile: sample 0 references location 99, "
				   "which does not exist");
	crafted_init(&c);
	c.locids[0] = 0;
	expect_crafted_refusal(&c, "profile: sample 0 references location 0, "
				   "which does not exist");
	crafted_init(&c);
	c.line.function_id = 7;
	expect_crafted_refusal(&c, "profile: location 1 line 0 references "
				   "function 7, which does not exist");
	crafted_init(&c);
	c.line.function_id = 0;
	expect_crafted_refusal(&c, "profile: location 1 line 0 references "
				   "function 0, which does not exist");
	crafted_init(&c);
	c.loc.mapping_id = 5;
	expect_crafted_refusal(&c, "profile: location 1 references mapping 5, "
				   "which does not exist");
	crafted_init(&c);
	c.map.id = 0;
	c.loc.mapping_id = 0;
	expect_crafted_refusal(&c, "profile: mapping 0 has id 0, which is "
				   "reserved");
	crafted_init(&c);
	c.loc.id = 0;
	expect_crafted_refusal(&c, "profile: location 0 has id 0, which is "
				   "reserved");
	crafted_init(&c);
	c.prof.n_function = 2;
	c.fn[1].id = 1;
	expect_crafted_refusal(&c, "profile: functions 0 and 1 both have id 1");
	crafted_init(&c);
	c.sample.n_value = 2;
	expect_crafted_refusal(&c, "profile: sample 0 has 2 values for 1 "
				   "sample types");
	crafted_init(&c);
	c.sample.n_value = 0;
	expect_crafted_refusal(&c, "profile: sample 0 has 0 values for 1 "
				   "sample types");
}

static void test_crafted_sparse_ids(void **state)
{
	struct crafted c;
	struct tprof *p;
	char err[256] = "";

	(void)state;
	/* Ids need not be 1..N: any unique nonzero ids resolve. */
	crafted_init(&c);
	c.prof.n_function = 2;
	c.fn[0].id = 1000000007;
	c.fn[1].id = 3;
	c.line.function_id = 1000000007;
	c.map.id = 42;
	c.loc.mapping_id = 42;
	c.loc.id = UINT64_MAX;
	c.locids[0] = UINT64_MAX;
	if (crafted_decode(&c, &p, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(p->samples[0].locations[0]->id, UINT64_MAX);
	assert_int_equal(p->samples[0].locations[0]->mapping->id, 42);
	assert_int_equal(p->locations[0].lines[0].function->id, 1000000007);
	tprof_free(p);
}

static void test_write_and_read_file(void **state)
{
	char dir[] = "/tmp/test_profile.XXXXXX", path[256], err[256] = "";
	struct tprof *p = build_rich(), *q;
	struct stat st;
	FILE *ls;
	char line[512];
	int n = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/cpu.pb.gz", dir);
	assert_int_equal(tprof_write_file(p, path), 0);
	assert_int_equal(tprof_write_file(p, path), 0); /* replaces */
	if (tprof_read_file(path, &q, err, sizeof(err)))
		fail_msg("%s", err);
	assert_profiles_equal(p, q);
	tprof_free(q);
	assert_int_equal(stat(path, &st), 0);

	/* No temporary file is left beside it. */
	snprintf(line, sizeof(line), "ls -A %s", dir);
	ls = popen(line, "r");
	while (fgets(line, sizeof(line), ls))
		n++;
	pclose(ls);
	assert_int_equal(n, 1);

	/* A folder that does not exist: an error, errno set. */
	snprintf(path, sizeof(path), "%s/missing/cpu.pb.gz", dir);
	assert_int_equal(tprof_write_file(p, path), TRIAGE_ESYS);
	assert_int_equal(tprof_read_file(path, &q, err, sizeof(err)),
			 TRIAGE_ESYS);
	assert_non_null(strstr(err, "No such file"));
	snprintf(path, sizeof(path), "%s/cpu.pb.gz", dir);
	unlink(path);
	rmdir(dir);
	tprof_free(p);
}

/*
 * Every allocation fails in turn: building, encoding and decoding must
 * report TRIAGE_ENOMEM (or succeed once the failure comes too late).
 */
static void test_out_of_memory_in_turn(void **state)
{
	struct tprof *p, *q;
	uint8_t *buf = NULL, *gold;
	size_t len, goldlen;
	char err[256];
	long n;
	int rc, done = 0;

	(void)state;
	p = build_rich();
	assert_int_equal(tprof_encode(p, &gold, &goldlen), 0);
	tprof_free(p);

	for (n = 1; done != 7; n++) {
		tprof_fail_alloc_after(n);
		rc = 0;
		if (!(done & 1)) {
			struct tprof_builder *b = tprof_builder_new();
			uint64_t f = tprof_add_function(b, "f", "g", "h", 1);
			struct tprof_line_in l = {f, 2};
			uint64_t loc = tprof_add_location(b, 0, 1, &l, 1);
			int64_t v = 1;

			tprof_add_sample_type(b, "samples", "count");
			tprof_add_sample(b, &loc, 1, &v, NULL, 0);
			rc = tprof_builder_finish(b, &q);
			if (!rc) {
				done |= 1;
				tprof_free(q);
			}
			assert_true(rc == 0 || rc == TRIAGE_ENOMEM);
		}
		tprof_fail_alloc_after(0);
		p = build_rich();
		tprof_fail_alloc_after(n);
		if (!(done & 2)) {
			rc = tprof_encode(p, &buf, &len);
			assert_true(rc == 0 || rc == TRIAGE_ENOMEM);
			if (!rc)
				done |= 2;
			free(buf);
			buf = NULL;
		}
		if (!(done & 4)) {
			rc = tprof_decode(gold, goldlen, 0, &q, err,
					  sizeof(err));
			if (rc != 0 && rc != TRIAGE_ENOMEM)
				fail_msg("allocation %ld: %d %s", n, rc, err);
			if (!rc) {
				done |= 4;
				tprof_free(q);
			}
		}
		tprof_fail_alloc_after(0);
		tprof_free(p);
		assert_true(n < 100000);
	}
	free(gold);
}

/* A profile of the size a long CPU profile reaches, built and checked. */
static void test_build_at_scale(void **state)
{
	enum { NLOC = 20000, NSAMPLES = 300000, DEPTH = 16 };
	struct tprof_builder *b = tprof_builder_new();
	struct tprof *p, *q;
	uint64_t stack[DEPTH], ids[NLOC];
	char name[32];
	uint32_t x = 1;
	size_t i, j;
	int64_t v;

	(void)state;
	tprof_add_sample_type(b, "samples", "count");
	for (i = 0; i < NLOC; i++) {
		struct tprof_line_in l;

		snprintf(name, sizeof(name), "fn%zu", i % 5000);
		l.function_id = tprof_add_function(b, name, NULL, "x.c", 1);
		l.line = (int64_t)i;
		ids[i] = tprof_add_location(b, 0, 0x1000 + i * 4, &l, 1);
		assert_int_equal(ids[i], i + 1);
	}
	for (i = 0; i < NSAMPLES; i++) {
		for (j = 0; j < DEPTH; j++) {
			x = x * 1103515245u + 12345u;
			stack[j] = ids[(x >> 8) % NLOC];
		}
		v = (int64_t)i;
		assert_int_equal(tprof_add_sample(b, stack, DEPTH, &v, NULL, 0),
				 0);
	}
	assert_int_equal(tprof_builder_finish(b, &p), 0);
	assert_int_equal(p->nsamples, NSAMPLES);
	assert_int_equal(p->nlocations, NLOC);
	assert_int_equal(p->nfunctions, 5000);
	assert_int_equal(p->samples[NSAMPLES - 1].values[0], NSAMPLES - 1);
	q = round_trip(p);
	assert_int_equal(q->nsamples, NSAMPLES);
	assert_int_equal(q->samples[12345].locations[7]->id,
			 p->samples[12345].locations[7]->id);
	tprof_free(q);
	tprof_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_every_field),
	    cmocka_unit_test(test_encoding_has_each_string_once),
	    cmocka_unit_test(test_builder_interns),
	    cmocka_unit_test(test_builder_refuses_bad_ids),
	    cmocka_unit_test(test_decode_go_cpu),
	    cmocka_unit_test(test_decode_go_heap),
	    cmocka_unit_test(test_refuses_non_profiles),
	    cmocka_unit_test(test_refuses_truncated_and_corrupt_gzip),
	    cmocka_unit_test(test_multi_member_gzip),
	    cmocka_unit_test(test_refuses_gzip_bomb),
	    cmocka_unit_test(test_refuses_lying_lengths),
	    cmocka_unit_test(test_dense_messages_decode),
	    cmocka_unit_test(test_crafted_valid),
	    cmocka_unit_test(test_crafted_bad_strings),
	    cmocka_unit_test(test_crafted_bad_ids),
	    cmocka_unit_test(test_crafted_sparse_ids),
	    cmocka_unit_test(test_write_and_read_file),
	    cmocka_unit_test(test_out_of_memory_in_turn),
	    cmocka_unit_test(test_build_at_scale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
