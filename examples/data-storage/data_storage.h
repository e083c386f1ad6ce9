/*
 * data_storage.h - what the parts of the data-storage service share.
 */
#ifndef DATA_STORAGE_H
#define DATA_STORAGE_H

#include <pthread.h>
#include <stddef.h>

/* Scores go from 0 to SCORE_MAX; the histogram has a bucket for each. */
#define SCORE_MAX 10
#define PARTITIONS 16

/* The stored reports: counts per partition and per score, in memory. */
struct storage {
	pthread_mutex_t lock;
	long reports;
	long per_partition[PARTITIONS];
	long per_score[SCORE_MAX + 1];
};

void storage_init(struct storage *st);

/*
 * Stores a report of `patient` with `score` and returns its number
 * (from 1), or -1 with the reason in why[cap]. It fails for a report
 * that epro-api lets through: an empty patientId (no partition to put it
 * in) or a score outside 0..SCORE_MAX (no bucket for it).
 */
long storage_put(struct storage *st, const char *patient, long score, char *why,
		 size_t cap);

/* Serves POST /reports and GET /healthz on 127.0.0.1:port; NULL on error. */
struct MHD_Daemon *storage_http_start(struct storage *st, unsigned port);

#endif
