/*
 * profile_wire.c - reading the protobuf wire format for the decoder's
 * fast path: splitting a Profile's Sample messages out of it, and
 * reading a Sample (repeated location_id = 1 and value = 2, packed or
 * not; repeated Label label = 3 with key, str, num, num_unit = 1..4).
 * Unknown fields are skipped, as protobuf requires; anything that does
 * not parse (a varint past ten bytes or past the end, a length past
 * the end, a group or a reserved wire type) is malformed.
 */
#include "profile_wire.h"

#include "arena.h"
#include "triage.h"

#include <string.h>

enum { WIRE_VARINT = 0, WIRE_I64 = 1, WIRE_LEN = 2, WIRE_I32 = 5 };

/* A read position and the end of the bytes. */
struct cursor {
	const uint8_t *p, *end;
};

static int read_varint(struct cursor *c, uint64_t *v)
{
	uint64_t x = 0;
	unsigned shift;

	for (shift = 0; shift < 64 && c->p < c->end; shift += 7) {
		uint8_t b = *c->p++;

		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return TRIAGE_EFORMAT;
}

/* Reads a field's key; *payload gets a LEN field's bytes. */
static int read_field(struct cursor *c, uint64_t *field, unsigned *wire,
		      struct cursor *payload)
{
	uint64_t key, n;

	if (read_varint(c, &key))
		return TRIAGE_EFORMAT;
	*field = key >> 3;
	*wire = (unsigned)(key & 7);
	if (*field == 0)
		return TRIAGE_EFORMAT;
	switch (*wire) {
	case WIRE_VARINT:
		return 0;
	case WIRE_I64:
		n = 8;
		break;
	case WIRE_I32:
		n = 4;
		break;
	case WIRE_LEN:
		if (read_varint(c, &n))
			return TRIAGE_EFORMAT;
		break;
	default:
		return TRIAGE_EFORMAT;
	}
	if (n > (uint64_t)(c->end - c->p))
		return TRIAGE_EFORMAT;
	payload->p = c->p;
	payload->end = c->p + n;
	c->p += n;
	return 0;
}

/* Skips the value of a varint field (others were skipped by reading). */
static int skip_value(struct cursor *c, unsigned wire)
{
	uint64_t v;

	return wire == WIRE_VARINT ? read_varint(c, &v) : 0;
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	return need <= *cap ? 0 : tprof_grow(arr, cap, need, elem);
}

/* Appends a varint field's value, or a packed run of them. */
static int read_repeated(struct cursor *c, unsigned wire,
			 const struct cursor *payload, uint64_t **arr,
			 size_t *n, size_t *cap)
{
	struct cursor run = *payload;
	uint64_t v;

	if (wire == WIRE_VARINT) {
		if (read_varint(c, &v))
			return TRIAGE_EFORMAT;
		if (grow((void **)arr, cap, *n + 1, sizeof(**arr)))
			return TRIAGE_ENOMEM;
		(*arr)[(*n)++] = v;
		return 0;
	}
	if (wire != WIRE_LEN)
		return TRIAGE_EFORMAT;
	while (run.p < run.end) {
		if (read_varint(&run, &v))
			return TRIAGE_EFORMAT;
		if (grow((void **)arr, cap, *n + 1, sizeof(**arr)))
			return TRIAGE_ENOMEM;
		(*arr)[(*n)++] = v;
	}
	return 0;
}

static int read_label(const struct cursor *payload, struct pw_label *l)
{
	struct cursor c = *payload, sub;
	uint64_t field, v;
	unsigned wire;
	int64_t *slot[5] = {NULL, &l->key, &l->str, &l->num, &l->num_unit};

	memset(l, 0, sizeof(*l));
	while (c.p < c.end) {
		if (read_field(&c, &field, &wire, &sub))
			return TRIAGE_EFORMAT;
		if (field > 4 || wire != WIRE_VARINT) {
			if (field <= 4 && wire != WIRE_VARINT)
				return TRIAGE_EFORMAT;
			if (skip_value(&c, wire))
				return TRIAGE_EFORMAT;
			continue;
		}
		if (read_varint(&c, &v))
			return TRIAGE_EFORMAT;
		*slot[field] = (int64_t)v;
	}
	return 0;
}

int pw_sample_parse(const uint8_t *p, size_t len, struct pw_sample *s)
{
	struct cursor c = {p, p + len}, payload;
	uint64_t field;
	unsigned wire;
	int rc;

	s->nlocs = s->nvalues = s->nlabels = 0;
	while (c.p < c.end) {
		if (read_field(&c, &field, &wire, &payload))
			return TRIAGE_EFORMAT;
		switch (field) {
		case 1:
			rc = read_repeated(&c, wire, &payload, &s->locs,
					   &s->nlocs, &s->locs_cap);
			break;
		case 2:
			rc = read_repeated(&c, wire, &payload,
					   (uint64_t **)&s->values, &s->nvalues,
					   &s->values_cap);
			break;
		case 3:
			if (wire != WIRE_LEN)
				return TRIAGE_EFORMAT;
			rc = grow((void **)&s->labels, &s->labels_cap,
				  s->nlabels + 1, sizeof(*s->labels));
			if (!rc)
				rc = read_label(&payload,
						&s->labels[s->nlabels++]);
			break;
		default:
			rc = skip_value(&c, wire);
		}
		if (rc)
			return rc;
	}
	return 0;
}

void pw_sample_free(struct pw_sample *s)
{
	tprof_mfree(s->locs);
	tprof_mfree(s->values);
	tprof_mfree(s->labels);
	memset(s, 0, sizeof(*s));
}

/* Appends the bytes [from, to) of a field that is not a sample. */
static int keep_field(struct pw_split *s, size_t *cap, const uint8_t *from,
		      const uint8_t *to)
{
	size_t n = (size_t)(to - from);

	/* One byte more: protobuf-c wants a buffer, even for nothing. */
	if (grow((void **)&s->rest, cap, s->rest_len + n + 1, 1))
		return TRIAGE_ENOMEM;
	memcpy(s->rest + s->rest_len, from, n);
	s->rest_len += n;
	return 0;
}

int pw_split(const uint8_t *raw, size_t len, struct pw_split *out)
{
	struct cursor c = {raw, raw + len}, payload;
	struct pw_sample scratch = {0};
	size_t rest_cap = 0, cap = 0;
	uint64_t field;
	unsigned wire;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	while (!rc && c.p < c.end) {
		const uint8_t *start = c.p;

		rc = read_field(&c, &field, &wire, &payload);
		if (!rc)
			rc = skip_value(&c, wire);
		if (rc)
			break;
		if (field != 2 || wire != WIRE_LEN) {
			rc = keep_field(out, &rest_cap, start, c.p);
			continue;
		}
		rc = pw_sample_parse(
		    payload.p, (size_t)(payload.end - payload.p), &scratch);
		if (!rc)
			rc = grow((void **)&out->samples, &cap,
				  out->nsamples + 1, sizeof(*out->samples));
		if (rc)
			break;
		out->samples[out->nsamples].p = payload.p;
		out->samples[out->nsamples++].len =
		    (size_t)(payload.end - payload.p);
		out->nlocs += scratch.nlocs;
		out->nvalues += scratch.nvalues;
		out->nlabels += scratch.nlabels;
	}
	if (!rc && !out->rest)
		rc = keep_field(out, &rest_cap, raw, raw);
	pw_sample_free(&scratch);
	return rc;
}

void pw_split_free(struct pw_split *s)
{
	tprof_mfree(s->rest);
	tprof_mfree(s->samples);
	memset(s, 0, sizeof(*s));
}
