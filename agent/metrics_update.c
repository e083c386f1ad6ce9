/*
 * metrics_update.c - the hot path: counter increments, gauge updates,
 * histogram observations, and the bucket helpers.
 *
 * Counters and histograms write the calling thread's own cells (see
 * metrics.h), so an update is a few loads and one add, with no locked
 * instruction and no cache line shared with another thread. Gauges
 * are one shared value, since setting has no per-thread meaning.
 */
#include "metrics.h"

#include "options.h"

#include <math.h>
#include <string.h>

/* A NULL handle (a failed _new or _with) is ignored: the host must not
 * crash over a metric. triage.h inlines this where it can; the name is
 * in parentheses so that its macro does not replace it here. */
TRIAGE_API void(triage_metric_counter_inc)(struct triage_metric_counter *c)
{
	uint64_t *p;

	if (__builtin_expect(c != NULL, 1) &&
	    (p = metrics_cell_or_make(c->s.off)) != NULL)
		metrics_count_bump(p, 1);
}

/* Adds go to the counter's sum cell, its second. */
TRIAGE_API void triage_metric_counter_add(struct triage_metric_counter *c,
					  double v)
{
	uint64_t *p;

	if (__builtin_expect(c != NULL, 1) && v > 0 &&
	    (p = metrics_cell_or_make(c->s.off + 1)) != NULL)
		metrics_sum_bump(p, v);
}

static double from_bits(uint64_t b)
{
	double d;

	memcpy(&d, &b, sizeof(d));
	return d;
}

static uint64_t to_bits(double d)
{
	uint64_t b;

	memcpy(&b, &d, sizeof(b));
	return b;
}

TRIAGE_API void triage_metric_gauge_set(struct triage_metric_gauge *g, double v)
{
	if (g)
		__atomic_store_n(&g->s.gauge, to_bits(v), __ATOMIC_RELAXED);
}

TRIAGE_API void triage_metric_gauge_add(struct triage_metric_gauge *g, double v)
{
	uint64_t old;

	if (!g)
		return;
	old = __atomic_load_n(&g->s.gauge, __ATOMIC_RELAXED);
	while (!__atomic_compare_exchange_n(&g->s.gauge, &old,
					    to_bits(from_bits(old) + v), true,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/*
 * The index of the first bound >= v, or n (the +Inf bucket), NaN
 * included. Without branches on the data: observed values are as
 * unpredictable as the latencies they measure, and a mispredicted
 * search costs more than the comparisons. Up to 16 bounds (most
 * histograms) it counts the bounds below v, two at a time in a vector
 * (a compare gives -1 per lane where true).
 */
typedef double metrics_v2d __attribute__((vector_size(16)));
typedef long long metrics_v2l __attribute__((vector_size(16)));

static size_t bucket_of(const double *b, size_t n, double v)
{
	metrics_v2d vv = {v, v}, x;
	metrics_v2l below = {0, 0};
	size_t lo = 0, i;

	if (n <= 16) {
		if (v != v)
			return n;
		for (i = 0; i + 2 <= n; i += 2) {
			__builtin_memcpy(&x, b + i, sizeof(x));
			below -= x < vv;
		}
		if (i < n)
			lo = b[i] < v;
		return lo + (size_t)(below[0] + below[1]);
	}
	while (n > 1) {
		size_t half = n / 2;

		lo = !(b[lo + half - 1] >= v) ? lo + half : lo;
		n -= half;
	}
	return lo + !(b[lo] >= v);
}

TRIAGE_API void
triage_metric_histogram_observe(struct triage_metric_histogram *h, double v)
{
	const struct metrics_family *f;
	uint32_t off;
	uint64_t *cells;
	size_t i;

	if (__builtin_expect(h == NULL, 0))
		return;
	f = h->s.fam;
	off = h->s.off;
	i = bucket_of(f->bounds, f->nbounds, v);
	/* A series never straddles chunks: one lookup finds its cells. */
	if ((cells = metrics_cell_or_make(off)) == NULL)
		return;
	metrics_count_bump(&cells[i], 1);
	metrics_sum_bump(&cells[f->nbounds + 1], v);
}

TRIAGE_API int triage_metric_exponential_buckets(double start, double factor,
						 size_t count, double *out)
{
	size_t i;

	if (!(start > 0) || !(factor > 1) || !isfinite(start) ||
	    !isfinite(factor) || count < 1 || !out) {
		metrics_set_error("exponential buckets need start > 0, "
				  "factor > 1 and count >= 1 (got %g, %g, %zu)",
				  start, factor, count);
		return TRIAGE_EINVAL;
	}
	for (i = 0; i < count; i++, start *= factor)
		out[i] = start;
	return 0;
}

TRIAGE_API int triage_metric_linear_buckets(double start, double width,
					    size_t count, double *out)
{
	size_t i;

	if (!(width > 0) || !isfinite(start) || !isfinite(width) || count < 1 ||
	    !out) {
		metrics_set_error("linear buckets need width > 0 and count "
				  ">= 1 (got %g, %g, %zu)",
				  start, width, count);
		return TRIAGE_EINVAL;
	}
	for (i = 0; i < count; i++)
		out[i] = start + (double)i * width;
	return 0;
}
