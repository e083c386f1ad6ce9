/*
 * test_heap_sampler.c - the sampling arithmetic: intervals drawn with
 * mean `rate`, each allocation sampled with probability
 * 1 - exp(-size/rate), and Go's scaling back to unbiased estimates.
 *
 * The statistical checks draw from a fixed seed, so they are
 * deterministic; their bounds are still set at four or more standard
 * errors, so that a change of generator does not make them flaky.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "heap_sampler.h"

#include <math.h>
#include <stdio.h>

static void intervals_have_mean_rate(void **state)
{
	const long rate = 4096, n = 200000;
	uint64_t rng = heap_rng_seed(1, 2);
	double sum = 0, mean, se;
	int64_t v, min = INT64_MAX;
	long i;

	for (i = 0; i < n; i++) {
		v = heap_next_interval(rate, &rng);
		sum += (double)v;
		if (v < min)
			min = v;
	}
	/* floor(E) + 1 has mean rate + about 1/2; its SE is rate/sqrt(n). */
	mean = sum / (double)n;
	se = (double)rate / sqrt((double)n);
	printf("mean interval %.1f for rate %ld (SE %.1f)\n", mean, rate, se);
	assert_true(fabs(mean - ((double)rate + 0.5)) < 5 * se);
	assert_true(min >= 1);
}

/* Sampling an allocation stream: "sample when the countdown reaches the
 * allocation", as the hooks do. */
static double sampled_fraction(long rate, int64_t size, long n, uint64_t seed)
{
	uint64_t rng = heap_rng_seed(seed, 7);
	int64_t left = heap_next_interval(rate, &rng);
	long i, k = 0;

	for (i = 0; i < n; i++) {
		left -= size;
		if (left <= 0) {
			k++;
			left = heap_next_interval(rate, &rng);
		}
	}
	return (double)k / (double)n;
}

static void allocation_sampled_with_poisson_probability(void **state)
{
	const long rate = 4096, n = 400000;
	const int64_t sizes[] = {1, 16, 100, 1000, 4096, 20000};
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		double p = 1 - exp(-(double)sizes[i] / rate);
		double got = sampled_fraction(rate, sizes[i], n, i + 1);
		double se = sqrt(p * (1 - p) / n);

		printf("size %lld: sampled %.5f, expected %.5f (SE %.5f)\n",
		       (long long)sizes[i], got, p, se);
		assert_true(fabs(got - p) < 5 * se);
	}
}

static void rate_one_samples_everything(void **state)
{
	uint64_t rng = heap_rng_seed(3, 4);

	assert_int_equal(heap_next_interval(1, &rng), 0);
	assert_int_equal(heap_next_interval(0, &rng), 0);
	assert_true(sampled_fraction(1, 0, 1000, 1) == 1.0);
	assert_true(sampled_fraction(1, 1, 1000, 1) == 1.0);
}

static void unsample_matches_go(void **state)
{
	int64_t c, b;

	/* One block of exactly the rate: scale 1 / (1 - 1/e). */
	heap_unsample(1, 524288, 524288, &c, &b);
	assert_int_equal(c, 1);
	assert_int_equal(b, (int64_t)(524288 / (1 - exp(-1.0))));
	/* Ten blocks of 1 KiB at 512 KiB: scale 1/(1-exp(-1/512)). */
	heap_unsample(10, 10240, 524288, &c, &b);
	assert_int_equal(c, (int64_t)(10 / (1 - exp(-1024.0 / 524288))));
	assert_int_equal(b, (int64_t)(10240 / (1 - exp(-1024.0 / 524288))));
	/* Rates 0 and 1 leave values alone; zeros stay zeros. */
	heap_unsample(3, 300, 1, &c, &b);
	assert_true(c == 3 && b == 300);
	heap_unsample(3, 300, 0, &c, &b);
	assert_true(c == 3 && b == 300);
	heap_unsample(0, 300, 4096, &c, &b);
	assert_true(c == 0 && b == 0);
	heap_unsample(3, 0, 4096, &c, &b);
	assert_true(c == 0 && b == 0);
	/* A difference (delta profile) scales its negative values too. */
	heap_unsample(-2, -8192, 8192, &c, &b);
	assert_int_equal(c, (int64_t)(-2 / (1 - exp(-0.5))));
	assert_int_equal(b, (int64_t)(-8192 / (1 - exp(-0.5))));
}

/* Sample N blocks of S bytes, scale back: within 4 standard errors of
 * N*S, for sizes well below, at and above the rate. */
static void estimates_are_unbiased(void **state)
{
	const long rate = 8192, n = 100000;
	const int64_t sizes[] = {64, 8192, 100000};
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		double p = 1 - exp(-(double)sizes[i] / rate);
		long k =
		    lround(sampled_fraction(rate, sizes[i], n, 11 + i) * n);
		double truth = (double)n * sizes[i];
		double rel_se = sqrt((1 - p) / (n * p));
		int64_t c, b;

		heap_unsample(k, k * sizes[i], rate, &c, &b);
		printf("size %lld: estimate %lld of %.0f (relative SE %.4f)\n",
		       (long long)sizes[i], (long long)b, truth, rel_se);
		assert_true(fabs(b - truth) / truth < 4 * rel_se + 1e-9);
	}
}

static void rng_streams_differ(void **state)
{
	uint64_t a = heap_rng_seed(1, 0), b = heap_rng_seed(2, 0);
	int same = 0, i;

	assert_true(a != 0 && b != 0 && a != b);
	for (i = 0; i < 1000; i++)
		same += heap_rng_next(&a) == heap_rng_next(&b);
	assert_int_equal(same, 0);
	assert_true(heap_rng_seed(0, 0) != 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(intervals_have_mean_rate),
	    cmocka_unit_test(allocation_sampled_with_poisson_probability),
	    cmocka_unit_test(rate_one_samples_everything),
	    cmocka_unit_test(unsample_matches_go),
	    cmocka_unit_test(estimates_are_unbiased),
	    cmocka_unit_test(rng_streams_differ),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
