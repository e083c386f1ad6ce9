/*
 * agent_path.c - finding libtriage.so to preload.
 *
 * The path goes into LD_PRELOAD, which the child may read after changing
 * its directory, so it is always made absolute.
 */
#include "run.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef TRIAGE_LIBDIR
#define TRIAGE_LIBDIR "/usr/local/lib"
#endif

#define AGENT_NAME "libtriage.so"

/* Resolves `path` into `out` when it is a readable file. */
static int try_path(const char *path, char *out, size_t len)
{
	char abs[PATH_MAX];

	if (access(path, R_OK) != 0 || !realpath(path, abs))
		return -1;
	if (strlen(abs) >= len)
		return -1;
	memcpy(out, abs, strlen(abs) + 1);
	return 0;
}

/* ../lib/libtriage.so relative to the running triage binary. */
static int beside_binary(char *path, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int w;

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	w = snprintf(path, len, "%s/../lib/%s", dirname(exe), AGENT_NAME);
	return w < 0 || (size_t)w >= len ? -1 : 0;
}

int run_find_agent(char *out, size_t len, char *err, size_t errlen)
{
	const char *env = getenv("TRIAGE_LIB");
	char near[PATH_MAX];
	const char *installed = TRIAGE_LIBDIR "/" AGENT_NAME;

	if (env && *env) {
		if (try_path(env, out, len) == 0)
			return 0;
		snprintf(err, errlen,
			 "TRIAGE_LIB=%s is not a readable file; point it at "
			 "libtriage.so or unset it",
			 env);
		return -1;
	}
	if (beside_binary(near, sizeof(near)) == 0 &&
	    try_path(near, out, len) == 0)
		return 0;
	if (try_path(installed, out, len) == 0)
		return 0;
	snprintf(err, errlen,
		 "cannot find %s (looked beside the triage binary and in %s); "
		 "build it with 'make' or set TRIAGE_LIB to its path",
		 AGENT_NAME, TRIAGE_LIBDIR);
	return -1;
}
