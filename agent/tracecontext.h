/*
 * tracecontext.h - the W3C Trace Context headers, traceparent and
 * tracestate (internal part; the traceparent calls are public).
 *
 * Parsing follows the Recommendation's processing model: a traceparent
 * that is invalid in any way is ignored (the caller starts a new trace)
 * and takes its tracestate with it; a higher version is read as far as
 * version 00 defines it; a tracestate with any invalid member is
 * discarded whole, without touching the traceparent.
 */
#ifndef TRIAGE_AGENT_TRACECONTEXT_H
#define TRIAGE_AGENT_TRACECONTEXT_H

#include "triage.h"

#include <stdbool.h>
#include <stddef.h>

/* The trace-flags bit that version 00 defines; the others are reserved
 * and sent as zero. */
#define TCTX_FLAG_SAMPLED 0x01

/* A traceparent of version 00: "00-" 32 hex "-" 16 hex "-" 2 hex. */
#define TCTX_TRACEPARENT_LEN 55

/* tracestate limits: members in a list, characters of a key and of a
 * value, and the characters triage propagates (the spec's minimum). */
#define TSTATE_MAX_MEMBERS 32
#define TSTATE_MAX_KEY 256
#define TSTATE_MAX_VALUE 256
#define TSTATE_KEEP 512

/* True when the context's IDs are not all zero. */
bool tctx_valid(const struct triage_span_context *ctx);

/*
 * Parses a traceparent of `len` bytes (need not end in NUL); spaces and
 * tabs around it are ignored. TRIAGE_EFORMAT when the header must be
 * ignored.
 */
int tctx_parse_traceparent(const char *value, size_t len,
			   struct triage_span_context *out);

/*
 * Checks a tracestate (one header, or several joined with ',') and
 * writes its members into out[] without optional whitespace or empty
 * members, joined with ','. Past TSTATE_KEEP characters it drops whole
 * members as the spec says: those over 128 characters first, then from
 * the right. Returns 0 (out may be ""), or TRIAGE_EFORMAT when the
 * header is invalid and must be discarded whole: a bad key or value,
 * a key given twice, more than TSTATE_MAX_MEMBERS members.
 */
int tstate_parse(const char *value, size_t len, char out[TSTATE_KEEP + 1]);

#endif
