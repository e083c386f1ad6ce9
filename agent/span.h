/*
 * span.h - what a span holds, for the exporter and the helpers
 * (internal; the API is triage_span_* in triage.h).
 */
#ifndef TRIAGE_AGENT_SPAN_H
#define TRIAGE_AGENT_SPAN_H

#include "span_current.h"
#include "triage.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Attributes a span keeps; later ones are counted as dropped (OTel's
 * default limit). */
#define SPAN_MAX_ATTRS 128

enum span_attr_type {
	SPAN_ATTR_STR,
	SPAN_ATTR_INT,
	SPAN_ATTR_DOUBLE,
	SPAN_ATTR_BOOL
};

struct span_attr {
	char *key;
	enum span_attr_type type;
	union {
		char *s;
		int64_t i;
		double d;
		bool b;
	} v;
};

/* A tracestate shared by the spans of one trace in this process, freed
 * with the last reference. */
struct span_tstate {
	atomic_int refs;
	char text[];
};

/* The tracestate of the span a thread works for: the span's ID and a
 * reference of the thread's own, so that nothing a thread holds can be
 * freed under it, whatever order spans end in. */
struct span_tstate_ref {
	uint8_t span_id[8];
	struct span_tstate *t;
};

struct triage_span {
	struct span_current cur;	/* its context and parent's ID */
	struct span_current prev;	/* the thread's span before it */
	struct span_tstate_ref prev_ts; /* ... and its tracestate */
	pthread_t owner;		/* the thread that started it */
	enum triage_span_kind kind;
	uint64_t start_ns, end_ns; /* Unix time */
	bool error;
	char *message; /* status message, with error */
	struct span_tstate *tstate;
	struct span_attr *attrs;
	uint32_t nattrs, cap, dropped_attrs;
	char name[];
};

/* Starts a span whose parent came from another process (a server
 * span): `tstate` is its tracestate text, or NULL. */
struct triage_span *span_start_remote(const char *name,
				      enum triage_span_kind kind,
				      const struct triage_span_context *parent,
				      const char *tstate);

/* The tracestate to send with the span's context ("" when none). */
static inline const char *span_tracestate(const struct triage_span *span)
{
	return span && span->tstate ? span->tstate->text : "";
}

/* Frees a span that has ended (the exporter calls it once sent). */
void span_free(struct triage_span *span);

/* Fills `out` with 16 or 8 random bytes, never all zero. */
void span_random_id(uint8_t *out, size_t n);

/* The words the log line and the docs use for a kind. */
const char *span_kind_name(enum triage_span_kind kind);

/* Writes the span-end log line of an ended span (span_log.c), when the
 * logger lets info lines through. */
void span_log_end(const struct triage_span *span);

#endif
