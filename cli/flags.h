/*
 * flags.h - table-driven parsing of a subcommand's flags.
 *
 * Each subcommand describes its flags in a table; one parser reads them
 * all, Go style and GNU style alike (-seconds 5, --seconds=5), so no
 * subcommand grows its own option loop.
 */
#ifndef TRIAGE_CLI_FLAGS_H
#define TRIAGE_CLI_FLAGS_H

#include <stdbool.h>
#include <stdio.h>

enum cli_flag_type {
	CLI_FLAG_BOOL,	 /* value: bool * */
	CLI_FLAG_INT,	 /* value: int *, within [min, max] */
	CLI_FLAG_DOUBLE, /* value: double *, within [min, max] */
	CLI_FLAG_STRING, /* value: const char ** (points into argv) */
};

struct cli_flag {
	const char *name; /* without dashes, e.g. "seconds" */
	enum cli_flag_type type;
	void *value;
	double min, max;  /* range of a number */
	const char *arg;  /* the value's name in --help, e.g. "N" */
	const char *help; /* one line */
};

/* cli_flags_parse() found -h, -help or --help. */
#define CLI_FLAGS_HELP 1

/*
 * Parses the flags of `cmd` ("run", "pprof") that start at argv[*ind],
 * against `flags` (ended by an entry whose name is NULL). A flag is
 * written with one dash or two; its value is the next argument or
 * follows '='. A bool takes no value unless written -name=true|false.
 *
 * Stops at the first argument that is not a flag (a lone "-" is not a
 * flag) and leaves *ind on it, or after "--", setting *dashdash.
 * Returns 0, CLI_FLAGS_HELP, or -1 after printing a one-line reason to
 * stderr.
 */
int cli_flags_parse(const char *cmd, const struct cli_flag *flags, int argc,
		    char **argv, int *ind, bool *dashdash);

/* Prints one line per flag, each name after `dash` ("-" or "--"). */
void cli_flags_print(FILE *out, const struct cli_flag *flags, const char *dash);

/* Prints "triage CMD: REASON; see 'triage CMD --help'" to stderr. */
void cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
