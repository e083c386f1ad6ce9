/*
 * report_merge.c - pprof reads every profile through its merge step,
 * which sums samples that are the same (the same stack of equal
 * locations, the same labels) and drops those whose values are all
 * zero. For positive values that changes nothing a report shows; with
 * negative values (a diff) the total, sum of |value|, is taken after
 * the sums, so it is done here the same way.
 *
 * Equal is pprof's notion: functions equal by name, system name, file
 * and start line; mappings by rounded size, offset and build ID (else
 * file); locations by mapping, address relative to it, folding and
 * lines.
 */
#include "report_internal.h"

#include "triage.h"

#include <string.h>

struct merge_ctx {
	const struct tprof *p;
	struct tprof_arena *a;
	uint32_t *func_class; /* per function: first equal function */
	uint32_t *map_class;  /* per mapping */
	uint32_t *loc_class;  /* per location */
	struct tprof_index ix;
};

static bool func_eq(const void *ctx, uint32_t pos, const void *key)
{
	const struct tprof_function *a =
	    &((const struct merge_ctx *)ctx)->p->functions[pos];
	const struct tprof_function *b = key;

	return a->start_line == b->start_line && !strcmp(a->name, b->name) &&
	       !strcmp(a->system_name, b->system_name) &&
	       !strcmp(a->filename, b->filename);
}

static uint64_t map_size(const struct tprof_mapping *m)
{
	uint64_t size = m->memory_limit - m->memory_start + 0xfff;

	return size - size % 0x1000;
}

static const char *map_name(const struct tprof_mapping *m)
{
	return *m->build_id ? m->build_id : m->filename;
}

static bool map_eq(const void *ctx, uint32_t pos, const void *key)
{
	const struct tprof_mapping *a =
	    &((const struct merge_ctx *)ctx)->p->mappings[pos];
	const struct tprof_mapping *b = key;

	return map_size(a) == map_size(b) && a->file_offset == b->file_offset &&
	       !strcmp(map_name(a), map_name(b));
}

/* The class of a location's mapping, plus one; 0 for none. */
static uint32_t loc_map(const struct merge_ctx *c,
			const struct tprof_location *l)
{
	return l->mapping ? c->map_class[l->mapping - c->p->mappings] + 1 : 0;
}

static uint64_t loc_addr(const struct tprof_location *l)
{
	return l->mapping ? l->address - l->mapping->memory_start : l->address;
}

static bool loc_eq(const void *ctx, uint32_t pos, const void *key)
{
	const struct merge_ctx *c = ctx;
	const struct tprof_location *a = &c->p->locations[pos];
	const struct tprof_location *b = key;
	size_t j;

	if (loc_map(c, a) != loc_map(c, b) || loc_addr(a) != loc_addr(b) ||
	    a->is_folded != b->is_folded || a->nlines != b->nlines)
		return false;
	for (j = 0; j < a->nlines; j++)
		if (a->lines[j].line != b->lines[j].line ||
		    c->func_class[a->lines[j].function - c->p->functions] !=
			c->func_class[b->lines[j].function - c->p->functions])
			return false;
	return true;
}

static uint64_t func_hash(const struct tprof_function *f)
{
	return tprof_hash_add(tprof_hash_add(tprof_hash_str(f->name),
					     tprof_hash_str(f->system_name)),
			      tprof_hash_add(tprof_hash_str(f->filename),
					     (uint64_t)f->start_line));
}

static uint64_t map_hash(const struct tprof_mapping *m)
{
	return tprof_hash_add(tprof_hash_add(map_size(m), m->file_offset),
			      tprof_hash_str(map_name(m)));
}

static uint64_t loc_hash(const struct merge_ctx *c,
			 const struct tprof_location *l)
{
	uint64_t h = tprof_hash_add(loc_map(c, l), loc_addr(l)) + l->is_folded;
	size_t j;

	for (j = 0; j < l->nlines; j++)
		h = tprof_hash_add(
		    h, c->func_class[l->lines[j].function - c->p->functions] ^
			   ((uint64_t)l->lines[j].line << 32));
	return h;
}

/* The object at position i of one kind, and its hash. */
typedef const void *(*object_fn)(const struct merge_ctx *c, size_t i);
typedef uint64_t (*hash_fn)(const struct merge_ctx *c, size_t i);

static const void *func_at(const struct merge_ctx *c, size_t i)
{
	return &c->p->functions[i];
}

static uint64_t func_hash_at(const struct merge_ctx *c, size_t i)
{
	return func_hash(&c->p->functions[i]);
}

static const void *map_at(const struct merge_ctx *c, size_t i)
{
	return &c->p->mappings[i];
}

static uint64_t map_hash_at(const struct merge_ctx *c, size_t i)
{
	return map_hash(&c->p->mappings[i]);
}

static const void *loc_at(const struct merge_ctx *c, size_t i)
{
	return &c->p->locations[i];
}

static uint64_t loc_hash_at(const struct merge_ctx *c, size_t i)
{
	return loc_hash(c, &c->p->locations[i]);
}

/* Gives each of `n` objects the position of the first one equal to it. */
static int classify_kind(struct merge_ctx *c, size_t n, uint32_t *classes,
			 tprof_index_eq eq, object_fn object, hash_fn hash)
{
	size_t i;

	tprof_index_free(&c->ix);
	for (i = 0; i < n; i++) {
		uint64_t h = hash(c, i);
		uint32_t pos = tprof_index_find(&c->ix, h, eq, c, object(c, i));

		if (pos == TPROF_INDEX_NONE) {
			if (tprof_index_add(&c->ix, h, (uint32_t)i))
				return TRIAGE_ENOMEM;
			pos = (uint32_t)i;
		}
		classes[i] = pos;
	}
	return 0;
}

/* Classes of equal functions, mappings and locations, in that order
 * since each kind's equality uses the classes of the one before. */
static int classify(struct merge_ctx *c)
{
	const struct tprof *p = c->p;

	c->func_class = tprof_arena_calloc(c->a, p->nfunctions, 4);
	c->map_class = tprof_arena_calloc(c->a, p->nmappings, 4);
	c->loc_class = tprof_arena_calloc(c->a, p->nlocations, 4);
	if (!c->func_class || !c->map_class || !c->loc_class ||
	    p->nlocations > TPROF_INDEX_MAX ||
	    p->nfunctions > TPROF_INDEX_MAX || p->nmappings > TPROF_INDEX_MAX)
		return TRIAGE_ENOMEM;
	if (classify_kind(c, p->nfunctions, c->func_class, func_eq, func_at,
			  func_hash_at) ||
	    classify_kind(c, p->nmappings, c->map_class, map_eq, map_at,
			  map_hash_at) ||
	    classify_kind(c, p->nlocations, c->loc_class, loc_eq, loc_at,
			  loc_hash_at))
		return TRIAGE_ENOMEM;
	return 0;
}

/* How pprof reads a label: a string, a number, or nothing at all. */
static int label_kind(const struct tprof_label *l)
{
	if (*l->str)
		return 1;
	return l->num || *l->num_unit ? 2 : 0;
}

/* Order of labels in a key: by kind and name; stable otherwise. */
static int label_cmp(const struct tprof_label *a, const struct tprof_label *b)
{
	int c = label_kind(a) - label_kind(b);

	return c ? c : strcmp(a->key, b->key);
}

/* The labels of a sample that count, sorted into `out` (`n` max). */
static size_t sorted_labels(const struct tprof_sample *s,
			    const struct tprof_label **out)
{
	size_t i, j, n = 0;

	for (i = 0; i < s->nlabels; i++) {
		const struct tprof_label *l = &s->labels[i];

		if (!label_kind(l))
			continue;
		for (j = n; j > 0 && label_cmp(out[j - 1], l) > 0; j--)
			out[j] = out[j - 1];
		out[j] = l;
		n++;
	}
	return n;
}

/* Whether two samples have the same labels, as pprof compares them. */
static bool labels_equal(const struct tprof_sample *a,
			 const struct tprof_sample *b, struct tprof_arena *ar)
{
	const struct tprof_label *small[32], **la = small, **lb;
	size_t i, n;

	if (!a->nlabels && !b->nlabels)
		return true;
	if (a->nlabels + b->nlabels > 32)
		la = tprof_arena_calloc(ar, a->nlabels + b->nlabels,
					sizeof(*la));
	if (!la)
		return false; /* out of memory: keep them apart */
	lb = la + a->nlabels;
	n = sorted_labels(a, la);
	if (sorted_labels(b, lb) != n)
		return false;
	for (i = 0; i < n; i++)
		if (label_cmp(la[i], lb[i]) || strcmp(la[i]->str, lb[i]->str) ||
		    la[i]->num != lb[i]->num ||
		    strcmp(la[i]->num_unit, lb[i]->num_unit))
			return false;
	return true;
}

struct merge_state {
	struct merge_ctx *c;
	const struct tprof_sample **first; /* each merged sample's first */
	struct tprof_arena *scratch;	   /* label sorting */
};

static bool sample_eq(const void *ctx, uint32_t pos, const void *key)
{
	const struct merge_state *m = ctx;
	const struct tprof_sample *a = m->first[pos], *b = key;
	const uint32_t *lc = m->c->loc_class;
	const struct tprof_location *base = m->c->p->locations;
	size_t j;

	if (a->nlocations != b->nlocations)
		return false;
	for (j = 0; j < a->nlocations; j++)
		if (lc[a->locations[j] - base] != lc[b->locations[j] - base])
			return false;
	return labels_equal(a, b, m->scratch);
}

/* Hash of the labels that count, independent of their order (summed),
 * as equal samples may list them in any order. */
static uint64_t labels_hash(const struct tprof_sample *s)
{
	uint64_t h = 0;
	size_t i;

	for (i = 0; i < s->nlabels; i++) {
		const struct tprof_label *l = &s->labels[i];
		int kind = label_kind(l);

		if (kind)
			h += tprof_hash_add(
			    tprof_hash_add(tprof_hash_str(l->key),
					   (uint64_t)kind),
			    kind == 1
				? tprof_hash_str(l->str)
				: tprof_hash_add((uint64_t)l->num,
						 tprof_hash_str(l->num_unit)));
	}
	return h;
}

static uint64_t sample_hash(const struct merge_ctx *c,
			    const struct tprof_sample *s)
{
	uint64_t h = s->nlocations ^ labels_hash(s);
	size_t j;

	for (j = 0; j < s->nlocations; j++)
		h = tprof_hash_add(
		    h, c->loc_class[s->locations[j] - c->p->locations]);
	return h;
}

/* Whether a sample carries pprof's diff-base label. */
static bool diff_base(const struct tprof_sample *s)
{
	size_t i;

	for (i = 0; i < s->nlabels; i++)
		if (!strcmp(s->labels[i].key, "pprof::base") &&
		    !strcmp(s->labels[i].str, "true"))
			return true;
	return false;
}

/* Sums equal samples into `sums` (nsample_types per merged sample). */
static int merge(struct merge_state *m, int64_t *sums, size_t *count)
{
	const struct tprof *p = m->c->p;
	size_t i, k, nv = p->nsample_types;

	tprof_index_free(&m->c->ix);
	*count = 0;
	for (i = 0; i < p->nsamples; i++) {
		const struct tprof_sample *s = &p->samples[i];
		uint64_t h;
		uint32_t pos;

		/* pprof skips these: they must not take a place first. */
		for (k = 0; k < nv && !s->values[k]; k++)
			;
		if (k == nv)
			continue;
		h = sample_hash(m->c, s);
		pos = tprof_index_find(&m->c->ix, h, sample_eq, m, s);
		if (pos == TPROF_INDEX_NONE) {
			pos = (uint32_t)(*count)++;
			m->first[pos] = s;
			memset(sums + pos * nv, 0, nv * sizeof(*sums));
			if (tprof_index_add(&m->c->ix, h, pos))
				return TRIAGE_ENOMEM;
		}
		for (k = 0; k < nv; k++)
			sums[pos * nv + k] =
			    report_add(sums[pos * nv + k], s->values[k]);
	}
	return 0;
}

int report_view_merge(struct report_view *v, struct tprof_arena *a)
{
	const struct tprof *p = v->p;
	struct merge_ctx c = {.p = p, .a = a};
	struct merge_state m = {.c = &c};
	size_t i, k, n, nv = p->nsample_types;
	int64_t *sums, total = 0, base = 0;
	int rc;

	tprof_index_init(&c.ix);
	m.first = tprof_arena_calloc(a, p->nsamples, sizeof(*m.first));
	sums = tprof_arena_calloc(a, p->nsamples, nv * sizeof(*sums));
	v->merged = tprof_arena_calloc(a, p->nsamples, sizeof(*v->merged));
	m.scratch = tprof_arena_new();
	rc = m.first && sums && v->merged && m.scratch ? classify(&c)
						       : TRIAGE_ENOMEM;
	if (!rc)
		rc = merge(&m, sums, &n);
	tprof_index_free(&c.ix);
	tprof_arena_free(m.scratch);
	if (rc)
		return rc;

	/* Samples that sum to zero in every value are gone. */
	for (i = 0, v->nmerged = 0; i < n; i++) {
		int64_t *s = sums + i * nv, w = report_abs64(s[v->value_index]);

		for (k = 0; k < nv && !s[k]; k++)
			;
		if (k == nv)
			continue;
		v->merged[v->nmerged].sample = m.first[i];
		v->merged[v->nmerged++].value = s[v->value_index];
		total = report_add(total, w);
		if (diff_base(m.first[i]))
			base = report_add(base, w);
	}
	v->total = base > 0 ? base : total;
	return 0;
}
