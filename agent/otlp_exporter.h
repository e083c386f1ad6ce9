/*
 * otlp_exporter.h - sending ended spans to an OTLP/HTTP receiver from
 * the agent's thread triage-otlp (internal; docs/tracing.md).
 */
#ifndef TRIAGE_AGENT_OTLP_EXPORTER_H
#define TRIAGE_AGENT_OTLP_EXPORTER_H

#include "span.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Defaults of the knobs (OpenTelemetry's batch span processor's). */
#define OTLP_QUEUE_DEFAULT 2048
#define OTLP_BATCH_DEFAULT 512
#define OTLP_DELAY_MS_DEFAULT 5000
#define OTLP_TIMEOUT_MS_DEFAULT 10000
#define OTLP_RETRIES_DEFAULT 5
#define OTLP_EXIT_WAIT_MS_DEFAULT 5000
/* A Retry-After longer than this is waited for this long only. */
#define OTLP_RETRY_AFTER_MAX_MS 60000

/*
 * Takes an ended span for export: true when the exporter owns it now
 * (it frees it, sent or dropped), false when no endpoint is configured
 * (the caller frees it). A full queue drops and counts the span. Never
 * waits: no lock, one system call at most (waking the exporter).
 */
bool otlp_enqueue(struct triage_span *span);

/*
 * Sends what is queued and stops the exporter thread, waiting at most
 * TRIAGE_OTLP_EXIT_WAIT_MS. Spans ended later start it again. Called by
 * triage_stop() and at exit.
 */
void otlp_exporter_stop(void);

/*
 * triage_start()'s options: the base URL (`endpoint`, "" for no export)
 * and the service's name, each unless NULL, over the environment. Before
 * the first span ends they are kept for the setup; after, what is queued
 * is sent to the old endpoint (as at a stop) and the exporter switches.
 */
void otlp_exporter_configure(const char *endpoint, const char *service);

/* Spans exported and dropped since the process started. */
void otlp_exporter_counts(uint64_t *exported, uint64_t *dropped);

/* --- otlp_retry.c --- */

/*
 * Reads a Retry-After value (delta-seconds or an HTTP-date) into *ms,
 * relative to `now`, capped at OTLP_RETRY_AFTER_MAX_MS. TRIAGE_EFORMAT
 * when it is neither.
 */
int otlp_retry_after(const char *value, size_t len, time_t now, long *ms);

/* The wait before retry number `attempt` (0 first): 1 s doubling up to
 * 32 s, each +-20% at random (`rnd` uniform in [0, 1)). */
long otlp_backoff_ms(int attempt, double rnd);

/* True for the HTTP statuses OTLP says to retry: 429, 502, 503, 504. */
bool otlp_retryable_status(long status);

#endif
