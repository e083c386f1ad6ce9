/*
 * main.c - the triage command: dispatches to one subcommand per folder.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const struct cli_command commands[] = {
	{"run", "start a program with the agent preloaded", cmd_run},
	{"pprof", "fetch and report a profile", cmd_pprof},
	{"logs", "the lines of one trace across services' logs", cmd_logs},
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: triage COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\n'triage COMMAND --help' tells more.\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("triage %s\n", TRIAGE_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "triage: unknown command '%s'; see 'triage --help'\n",
		argv[1]);
	return CLI_USAGE;
}
