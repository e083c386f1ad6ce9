/*
 * profile.h - the in-memory model of a pprof profile (profile.proto),
 * its building, and its gzip+protobuf encoding and decoding.
 *
 * One model serves both halves: the agent builds a profile and encodes
 * it; the command decodes any profile (ours, Go's, anyone's) into the
 * same model and analyses it. Everything a profile owns lives in one
 * arena, freed at once by tprof_free(). Strings are NUL-terminated copies
 * (the empty string, never NULL, for "unset").
 *
 * Ids are the proto's: nonzero, unique within their kind. A decoded
 * profile is validated: every id it references exists, every string
 * index is in range, every sample has as many values as sample types.
 */
#ifndef TRIAGE_PROFILE_H
#define TRIAGE_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tprof_value_type {
	const char *type; /* e.g. "cpu" */
	const char *unit; /* e.g. "nanoseconds" */
};

struct tprof_function {
	uint64_t id;
	const char *name;        /* readable (demangled) */
	const char *system_name; /* e.g. mangled */
	const char *filename;
	int64_t start_line;
};

struct tprof_line {
	const struct tprof_function *function;
	int64_t line;
	int64_t column;
};

struct tprof_mapping {
	uint64_t id;
	uint64_t memory_start;
	uint64_t memory_limit;
	uint64_t file_offset;
	const char *filename;
	const char *build_id;
	bool has_functions;
	bool has_filenames;
	bool has_line_numbers;
	bool has_inline_frames;
};

struct tprof_location {
	uint64_t id;
	const struct tprof_mapping *mapping; /* NULL when mapping_id is 0 */
	uint64_t address;
	struct tprof_line *lines; /* innermost first, physical caller last */
	size_t nlines;
	bool is_folded;
};

struct tprof_label {
	const char *key;
	const char *str;      /* "" when the label is numeric */
	int64_t num;
	const char *num_unit; /* "" when none */
};

struct tprof_sample {
	const struct tprof_location **locations; /* leaf first */
	size_t nlocations;
	int64_t *values; /* nsample_types of them */
	struct tprof_label *labels;
	size_t nlabels;
};

struct tprof {
	struct tprof_value_type *sample_types;
	size_t nsample_types;
	struct tprof_sample *samples;
	size_t nsamples;
	struct tprof_mapping *mappings;
	size_t nmappings;
	struct tprof_location *locations;
	size_t nlocations;
	struct tprof_function *functions;
	size_t nfunctions;
	const char *drop_frames;
	const char *keep_frames;
	int64_t time_nanos;
	int64_t duration_nanos;
	struct tprof_value_type period_type;
	int64_t period;
	const char **comments;
	size_t ncomments;
	const char *default_sample_type; /* "" when unset */

	struct tprof_arena *arena; /* owns everything above */
};

void tprof_free(struct tprof *p);

/*
 * Decoding. `buf` is gzip-compressed or plain profile.proto. On failure
 * returns a negative TRIAGE_E* code and writes a one-line reason into
 * `err` (e.g. "not a profile: gzip data is truncated"). Bounded: input
 * that would expand past `max_bytes` of decompressed data is refused
 * (0 picks a default of 1 GiB).
 */
int tprof_decode(const uint8_t *buf, size_t len, size_t max_bytes,
		 struct tprof **out, char *err, size_t errlen);

/* Reads and decodes a file (see tprof_decode). */
int tprof_read_file(const char *path, struct tprof **out, char *err,
		    size_t errlen);

/*
 * Encoding: profile.proto, gzip-compressed (fast level, as Go does).
 * `*out` is malloc'd; the caller frees it.
 */
int tprof_encode(const struct tprof *p, uint8_t **out, size_t *len);

/* Encodes and writes to a file, atomically (write, then rename). */
int tprof_write_file(const struct tprof *p, const char *path);

/*
 * Building. A builder interns strings, functions and locations so each
 * is stored once, and assigns ids 1..N in first-seen order.
 * tprof_builder_finish() hands over the finished profile and frees the
 * builder. Functions returning an id return 0 when out of memory; the
 * error is then reported by finish.
 */
struct tprof_builder;

struct tprof_builder *tprof_builder_new(void);
void tprof_builder_free(struct tprof_builder *b);

void tprof_add_sample_type(struct tprof_builder *b, const char *type,
			   const char *unit);
void tprof_set_period(struct tprof_builder *b, const char *type,
		      const char *unit, int64_t period);
void tprof_set_time(struct tprof_builder *b, int64_t time_nanos,
		    int64_t duration_nanos);
void tprof_set_default_sample_type(struct tprof_builder *b,
				   const char *type);
void tprof_add_comment(struct tprof_builder *b, const char *comment);
void tprof_set_drop_frames(struct tprof_builder *b, const char *regex);

/* Flags of tprof_add_mapping(). */
#define TPROF_HAS_FUNCTIONS 1u
#define TPROF_HAS_FILENAMES 2u
#define TPROF_HAS_LINE_NUMBERS 4u
#define TPROF_HAS_INLINE_FRAMES 8u

/* Adds a mapping; interned by (start, limit, offset, filename). */
uint64_t tprof_add_mapping(struct tprof_builder *b, uint64_t start,
			   uint64_t limit, uint64_t offset,
			   const char *filename, const char *build_id,
			   unsigned flags);

/* Sets the has_* flags of a mapping already added. */
void tprof_set_mapping_flags(struct tprof_builder *b, uint64_t mapping_id,
			     unsigned flags);

/* Interned by all four fields. NULL strings count as "". */
uint64_t tprof_add_function(struct tprof_builder *b, const char *name,
			    const char *system_name, const char *filename,
			    int64_t start_line);

/* One line of a location, as given to tprof_add_location(). */
struct tprof_line_in {
	uint64_t function_id;
	int64_t line;
};

/*
 * Adds a location; interned by (mapping_id, address): a second call with
 * the same pair returns the first id and ignores `lines`.
 */
uint64_t tprof_add_location(struct tprof_builder *b, uint64_t mapping_id,
			    uint64_t address, const struct tprof_line_in *lines,
			    size_t nlines);

/* A label given to tprof_add_sample(): str set, or num (+ unit). */
struct tprof_label_in {
	const char *key;
	const char *str; /* NULL for a numeric label */
	int64_t num;
	const char *num_unit;
};

/*
 * Adds a sample: location ids leaf first, and exactly as many values as
 * sample types were added. Samples are not merged here.
 */
int tprof_add_sample(struct tprof_builder *b, const uint64_t *location_ids,
		     size_t nlocations, const int64_t *values,
		     const struct tprof_label_in *labels, size_t nlabels);

/* Hands over the profile; frees the builder. */
int tprof_builder_finish(struct tprof_builder *b, struct tprof **out);

#endif /* TRIAGE_PROFILE_H */
