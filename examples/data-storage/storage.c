/*
 * storage.c - where data-storage keeps reports: a count per partition
 * (chosen by a hash of the patient ID) and a histogram of scores.
 *
 * It trusts its callers more than it should: a report with an empty
 * patientId or a score outside 0..SCORE_MAX fails here, deep in the
 * storage, with a 500 to the caller. That is the failing hop of the
 * playbook's cross-service scene.
 */
#include "data_storage.h"

#include <stdint.h>
#include <stdio.h>
#include <triage.h>

void storage_init(struct storage *st)
{
	pthread_mutex_init(&st->lock, NULL);
}

/* FNV-1a of the patient ID, folded onto the partitions; -1 for "". */
static int partition_of(const char *patient)
{
	uint32_t h = 2166136261u;

	if (!*patient)
		return -1;
	for (; *patient; patient++)
		h = (h ^ (unsigned char)*patient) * 16777619u;
	return (int)(h % PARTITIONS);
}

long storage_put(struct storage *st, const char *patient, long score, char *why,
		 size_t cap)
{
	struct triage_span *span =
	    triage_span_start("storage.put", TRIAGE_SPAN_INTERNAL, NULL);
	int part = partition_of(patient);
	long n = -1;

	triage_log_kv(TRIAGE_LOG_DEBUG,
		      TRIAGE_FIELDS(TRIAGE_INT("partition", part)),
		      "writing the report");
	if (part < 0)
		snprintf(why, cap, "no partition for an empty patientId");
	else if (score < 0 || score > SCORE_MAX)
		snprintf(why, cap, "score %ld has no bucket (0..%d)", score,
			 SCORE_MAX);
	else {
		pthread_mutex_lock(&st->lock);
		st->per_partition[part]++;
		st->per_score[score]++;
		n = ++st->reports;
		pthread_mutex_unlock(&st->lock);
	}
	if (n < 0) {
		triage_log_kv(TRIAGE_LOG_ERROR,
			      TRIAGE_FIELDS(TRIAGE_STR("patientId", patient),
					    TRIAGE_INT("score", score)),
			      "cannot store the report: %s", why);
		triage_span_set_error(span, why);
	}
	triage_span_end(span);
	return n;
}
