/*
 * span_log.c - the line the logger writes when a span ends (the
 * contract of docs/logging.md): level info, or error when the span
 * failed; content "span end"; the span's name, kind and duration, and
 * its error message. `triage logs` reads the hop times from these.
 *
 * The line carries the ending span's own IDs, whichever thread ends it:
 * the span is made the thread's current one for the call.
 */
#include "span.h"

#include "tracecontext.h"

#include <stdio.h>

void span_log_end(const struct triage_span *s)
{
	enum triage_log_level level =
	    s->error ? TRIAGE_LOG_ERROR : TRIAGE_LOG_INFO;
	struct span_current saved;
	char duration[32];

	/* Written only when the logger lets info lines through. */
	if (!triage_log_enabled(TRIAGE_LOG_INFO))
		return;
	snprintf(duration, sizeof(duration), "%.1fms",
		 (double)(s->end_ns - s->start_ns) / 1e6);
	span_current_set(&s->cur, &saved);
	if (s->error)
		triage_log_kv(
		    level,
		    TRIAGE_FIELDS(
			TRIAGE_STR("span_name", s->name),
			TRIAGE_STR("kind", span_kind_name(s->kind)),
			TRIAGE_STR("duration", duration),
			TRIAGE_STR("error", s->message ? s->message : "error")),
		    "span end");
	else
		triage_log_kv(
		    level,
		    TRIAGE_FIELDS(TRIAGE_STR("span_name", s->name),
				  TRIAGE_STR("kind", span_kind_name(s->kind)),
				  TRIAGE_STR("duration", duration)),
		    "span end");
	span_current_set(tctx_valid(&saved.ctx) ? &saved : NULL, NULL);
}
