/*
 * options.h - parsing of the agent's options (internal).
 */
#ifndef TRIAGE_AGENT_OPTIONS_H
#define TRIAGE_AGENT_OPTIONS_H

#include "triage.h"

#include <stdbool.h>

/* Marks a function as part of libtriage's exported API. */
#define TRIAGE_API __attribute__((visibility("default")))

/* Parses a decimal integer in [min, max]; no sign, space or junk. */
int opt_parse_int(const char *s, long min, long max, long *out);

/* Like triage_options_from_env(); `*bad` names the malformed variable. */
int opt_from_env(struct triage_options *opts, const char **bad);

/* Only the logger's TRIAGE_LOG_* and TRIAGE_SERVICE_NAME variables, over
 * what `opts` holds: the logger configures itself with these alone, so
 * that a malformed variable of another module does not silence it. */
int opt_log_from_env(struct triage_options *opts, const char **bad);

/* True when the agent starts itself: preloaded, or TRIAGE_AUTOSTART=1
 * (TRIAGE_AUTOSTART=0 never). Reads only the environment. */
bool opt_autostart(void);

/* Checks the ranges of an options struct given to triage_start(). */
int opt_validate(const struct triage_options *opts);

#endif
