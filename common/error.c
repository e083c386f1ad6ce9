/*
 * error.c - the one table of error texts behind triage_strerror().
 */
#include "triage.h"

#include <stddef.h>

static const char *const error_text[] = {
	[-TRIAGE_OK] = "success",
	[-TRIAGE_EINVAL] = "invalid argument",
	[-TRIAGE_ENOMEM] = "out of memory",
	[-TRIAGE_ESYS] = "system call failed",
	[-TRIAGE_EBUSY] = "already running",
	[-TRIAGE_ENOTOKEN] = "a non-loopback listen address needs TRIAGE_TOKEN",
	[-TRIAGE_EHTTP] = "the HTTP server could not start",
	[-TRIAGE_ESTATE] = "the agent is not running",
	[-TRIAGE_EFORMAT] = "malformed input",
	[-TRIAGE_EEXIST] = "a metric of that name is already registered",
};

__attribute__((visibility("default"))) const char *triage_strerror(int err)
{
	size_t i = (size_t)(err > 0 ? err : -err);

	if (err > 0 || i >= sizeof(error_text) / sizeof(error_text[0]) ||
	    !error_text[i])
		return "unknown error";
	return error_text[i];
}
