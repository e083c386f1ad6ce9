/*
 * fuzz_cli_source.c - libFuzzer target for what `triage pprof` and
 * `triage run` parse from the command line: URLs (fetch_adjust_url),
 * PID[:/path] sources (fetch_parse_pid) and --listen addresses
 * (run_parse_listen). The first byte picks the -seconds given.
 */
#include "pprof.h"
#include "run.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What follows the host of an absolute URL. */
static const char *path_of(const char *url)
{
	const char *p = strstr(url, "://");

	p = p ? strchr(p + 3, '/') : NULL;
	return p ? p : "";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *url = NULL;
	const char *path;
	int duration, seconds;
	bool loopback;
	pid_t pid;

	if (size < 1)
		return 0;
	seconds = data[0] % 8;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';

	if (fetch_adjust_url(s, seconds, &url, &duration) == 0) {
		/* Adjusting an adjusted URL changes nothing of ours: the
		 * path and query, and the duration. (libcurl may still
		 * rewrite a host, e.g. "3" into "0.0.0.3".) */
		char *again = NULL;
		int d2;

		if (fetch_adjust_url(url, seconds, &again, &d2) != 0 ||
		    strcmp(path_of(url), path_of(again)) || d2 != duration)
			abort();
		free(again);
	}
	free(url);
	if (fetch_parse_pid(s, &pid, &path) == 0 &&
	    (pid <= 0 || (path && path[0] != '/')))
		abort();
	run_parse_listen(s, &loopback);
	free(s);
	return 0;
}
