/*
 * cli.h - what the subcommands of the triage command share.
 */
#ifndef TRIAGE_CLI_H
#define TRIAGE_CLI_H

#include "triage.h"

/* Exit statuses: 1 for a failure, 2 for bad usage (with a one-line
 * reason on stderr). */
#define CLI_FAIL 1
#define CLI_USAGE 2

struct cli_command {
	const char *name;
	const char *help;
	int (*fn)(int argc, char **argv);
};

int cmd_run(int argc, char **argv);
int cmd_pprof(int argc, char **argv);
int cmd_logs(int argc, char **argv);

#endif
