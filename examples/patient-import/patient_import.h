/*
 * patient_import.h - what the parts of the patient-import service share.
 */
#ifndef PATIENT_IMPORT_H
#define PATIENT_IMPORT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

/* One patient's vitals as an import batch carries them. */
struct patient_record {
	double age;
	double systolic;
	double diastolic;
	double glucose;
	double bmi;
};

/* Fills `n` records, the same ones for the same batch id. */
void make_patient_records(const char *batch_id, struct patient_record *r,
			  long n);

/*
 * Scores every record against the cohort before it and returns the sum
 * of the scores (the batch's checksum). Stops early, returning -1, once
 * *stop is set.
 */
double score_patient_records(const struct patient_record *r, long n,
			     const atomic_bool *stop);

/* The service's state, shared by its connection threads. */
struct import_config {
	long work;	  /* records per batch */
	atomic_bool stop; /* set on shutdown: imports cut short */

	/* Imports not yet answered, so shutdown can wait for them. */
	pthread_mutex_t lock;
	pthread_cond_t idle;
	int active;
};

/* Serves the HTTP routes (see http.c) on 127.0.0.1:port; NULL on error. */
struct MHD_Daemon *import_http_start(struct import_config *cfg, unsigned port);

/*
 * Stops accepting, cuts running imports short, waits (a few seconds at
 * most) until each has sent its answer, then stops the server.
 */
void import_http_stop(struct MHD_Daemon *d, struct import_config *cfg);

#endif
