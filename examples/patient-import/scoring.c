/*
 * scoring.c - the import's risk scoring, and the CPU scene's culprit.
 *
 * Each record is scored by its distance from the mean of the cohort
 * imported so far, and that mean is recomputed from scratch for every
 * record: quadratic work where a running sum would be linear. This is
 * the deliberate bug the playbook's CPU scene finds with a profile, so
 * score_patient_records() is kept out of line (noinline) and does its
 * arithmetic itself, calling no library function that would take the
 * flat time from it.
 */
#include "patient_import.h"

#include <stdint.h>

/* A small deterministic generator (xorshift64), seeded per batch. */
static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Uniform in [lo, hi). */
static double draw(uint64_t *s, double lo, double hi)
{
	return lo + (hi - lo) * (double)(next(s) >> 11) / 9007199254740992.0;
}

void make_patient_records(const char *batch_id, struct patient_record *r,
			  long n)
{
	uint64_t seed = 1469598103934665603ull; /* FNV-1a of the batch id */
	long i;

	for (; *batch_id; batch_id++)
		seed = (seed ^ (unsigned char)*batch_id) * 1099511628211ull;
	if (!seed)
		seed = 1;
	for (i = 0; i < n; i++) {
		r[i].age = draw(&seed, 18, 95);
		r[i].systolic = draw(&seed, 95, 180);
		r[i].diastolic = draw(&seed, 60, 110);
		r[i].glucose = draw(&seed, 70, 200);
		r[i].bmi = draw(&seed, 17, 42);
	}
}

/* Squared relative distance of one value from its cohort mean. */
#define DIST(field)                                                            \
	((r[i].field - mean.field) / (mean.field + 1.0)) *                     \
	    ((r[i].field - mean.field) / (mean.field + 1.0))

__attribute__((noinline)) double
score_patient_records(const struct patient_record *r, long n,
		      const atomic_bool *stop)
{
	double checksum = 0;
	long i, j;

	for (i = 0; i < n; i++) {
		struct patient_record mean = {0};
		double d;

		if (atomic_load_explicit(stop, memory_order_relaxed))
			return -1;

		/* The cohort mean, recomputed for every record. */
		for (j = 0; j <= i; j++) {
			mean.age += r[j].age;
			mean.systolic += r[j].systolic;
			mean.diastolic += r[j].diastolic;
			mean.glucose += r[j].glucose;
			mean.bmi += r[j].bmi;
		}
		mean.age /= (double)(i + 1);
		mean.systolic /= (double)(i + 1);
		mean.diastolic /= (double)(i + 1);
		mean.glucose /= (double)(i + 1);
		mean.bmi /= (double)(i + 1);

		d = DIST(age) + DIST(systolic) + DIST(diastolic) +
		    DIST(glucose) + DIST(bmi);
		checksum += d / (1.0 + d);
	}
	return checksum;
}
