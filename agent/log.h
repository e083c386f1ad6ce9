/*
 * log.h - the agent's own diagnostics (internal).
 *
 * The agent never writes to the host's stdout. Its rare messages go to
 * stderr, prefixed "triage: ", in one write() so they do not interleave
 * with the host's output, and only at or below the verbosity asked for.
 */
#ifndef TRIAGE_AGENT_LOG_H
#define TRIAGE_AGENT_LOG_H

enum { TLOG_ERROR = 0, TLOG_WARN = 1, TLOG_INFO = 2 };

void tlog_set_level(int level);
void tlog(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
