/*
 * profile_wire.h - the decoder's fast path for samples (internal): a
 * profile's bulk is its Sample messages, and unpacking each with
 * protobuf-c costs several allocations apiece, so the decoder splits
 * them out of the message (pw_split), lets protobuf-c unpack the rest,
 * and reads each sample straight from the wire (pw_sample_parse).
 */
#ifndef TRIAGE_PROFILE_WIRE_H
#define TRIAGE_PROFILE_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* One Sample message's bytes, inside the raw profile. */
struct pw_slice {
	const uint8_t *p;
	size_t len;
};

struct pw_split {
	uint8_t *rest; /* the profile without its samples (tprof_malloc) */
	size_t rest_len;
	struct pw_slice *samples; /* in order (tprof_malloc) */
	size_t nsamples;
	size_t nlocs, nvalues, nlabels; /* totals over the samples */
};

/* A Label as on the wire: string indexes and the number. */
struct pw_label {
	int64_t key, str, num, num_unit;
};

/* One sample read from the wire; the arrays are reused between calls. */
struct pw_sample {
	uint64_t *locs;
	size_t nlocs, locs_cap;
	int64_t *values;
	size_t nvalues, values_cap;
	struct pw_label *labels;
	size_t nlabels, labels_cap;
};

/*
 * Walks the top-level fields of a Profile message in `raw`, checking its
 * wire format, and every Sample in it (pw_sample_parse). Returns 0,
 * TRIAGE_EFORMAT for malformed bytes, or TRIAGE_ENOMEM. Free `out` with
 * pw_split_free() in every case.
 */
int pw_split(const uint8_t *raw, size_t len, struct pw_split *out);
void pw_split_free(struct pw_split *s);

/*
 * Reads one Sample message: location ids and values (packed or not),
 * labels. Returns 0, TRIAGE_EFORMAT, or TRIAGE_ENOMEM.
 */
int pw_sample_parse(const uint8_t *p, size_t len, struct pw_sample *s);
void pw_sample_free(struct pw_sample *s);

#endif /* TRIAGE_PROFILE_WIRE_H */
