/*
 * fuzz_cli_flags.c - libFuzzer target for the command's flag parser:
 * the input, split at newlines, is an argv parsed against a table with
 * a flag of each type, the way `triage pprof` parses (flags, then a
 * source, then flags again).
 */
#include "flags.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct {
	bool b;
	int i;
	double d;
	const char *s;
} v;

static const struct cli_flag flags[] = {
    {"b", CLI_FLAG_BOOL, &v.b, 0, 0, NULL, "b"},
    {"i", CLI_FLAG_INT, &v.i, 1, 3600, "N", "i"},
    {"d", CLI_FLAG_DOUBLE, &v.d, 0, 1, "F", "d"},
    {"s", CLI_FLAG_STRING, &v.s, 0, 0, "S", "s"},
    {NULL, CLI_FLAG_BOOL, NULL, 0, 0, NULL, NULL},
};

static int devnull = -1, saved_stderr = -1;

/* The parser explains every rejection on stderr; fuzzing needs none of
 * it, but a crash report must still get through, so stderr is silenced
 * only around each parse. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	saved_stderr = dup(STDERR_FILENO);
	return devnull < 0 || saved_stderr < 0;
}

static int parse_quietly(int argc, char **argv, int *ind, bool *dd)
{
	int rc;

	fflush(stderr);
	dup2(devnull, STDERR_FILENO);
	rc = cli_flags_parse("fuzz", flags, argc, argv, ind, dd);
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *p, *argv[MAX_ARGS + 1];
	int argc = 1, ind = 1, rc = 0;
	bool dd = false;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = "fuzz";
	for (p = buf; argc < MAX_ARGS; argc++) {
		argv[argc] = p;
		p = strchr(p, '\n');
		if (!p) {
			argc++;
			break;
		}
		*p++ = '\0';
	}
	argv[argc] = NULL;

	memset(&v, 0, sizeof(v));
	while (ind < argc && rc == 0) {
		rc = parse_quietly(argc, argv, &ind, &dd);
		if (ind > argc || (v.i && (v.i < 1 || v.i > 3600)) || v.d < 0 ||
		    v.d > 1)
			abort();
		if (rc == 0 && ind < argc)
			ind++;
	}
	free(buf);
	return 0;
}
