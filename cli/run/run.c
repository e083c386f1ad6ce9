/*
 * run.c - `triage run`: starts a program with the agent preloaded, says
 * where the agent serves, and stands in for the program until it ends
 * (signals go through to it, its exit status comes back out), so it can
 * sit in a service manager or a shell pipeline in the program's place.
 */
#include "cli.h"
#include "flags.h"
#include "agent_socket.h"
#include "run.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* How long the agent may take to open its socket before we say so. */
#define SOCKET_WAIT_MS 5000

static struct run_options opts;

static const struct cli_flag run_flags[] = {
    {"listen", CLI_FLAG_STRING, &opts.listen, 0, 0, "ADDR",
     "also serve TCP at [host]:port (TRIAGE_LISTEN)"},
    {"hz", CLI_FLAG_INT, &opts.hz, 1, TRIAGE_CPU_HZ_MAX, "N",
     "CPU sampling rate, 1..1000 (TRIAGE_CPU_HZ)"},
    {"cpuprofile", CLI_FLAG_STRING, &opts.cpuprofile, 0, 0, "FILE",
     "CPU profile of the whole run (TRIAGE_CPUPROFILE)"},
    {"socket-dir", CLI_FLAG_STRING, &opts.socket_dir, 0, 0, "DIR",
     "folder of the socket <pid>.sock (TRIAGE_SOCKET_DIR)"},
    {"token-file", CLI_FLAG_STRING, &opts.token_file, 0, 0, "F",
     "bearer token that clients must send (TRIAGE_TOKEN)"},
    {NULL, CLI_FLAG_BOOL, NULL, 0, 0, NULL, NULL},
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: triage run [OPTIONS] -- PROG [ARGS]\n\n"
		"Starts PROG with the triage agent (libtriage.so) preloaded "
		"and prints where\nthe agent serves /debug/pprof. Signals "
		"sent to triage (INT, TERM, HUP, QUIT)\ngo to PROG; triage "
		"exits with PROG's status, 128+N if signal N killed it.\n"
		"If triage itself is killed, PROG gets SIGTERM.\n\n"
		"options:\n");
	cli_flags_print(out, run_flags, "--");
	fprintf(out,
		"\nA flag overrides the variable named beside it. The agent "
		"is found through\n$TRIAGE_LIB, then ../lib/ beside this "
		"binary, then the install prefix.\n\n"
		"example:\n"
		"  triage run --listen :6060 -- ./patient-import\n"
		"  triage pprof -seconds 10 http://127.0.0.1:6060\n");
}

/* Checks what the flag parser cannot; returns 0 or CLI_USAGE. */
static int check_args(int argc, char **argv, int ind, bool dashdash)
{
	bool loopback;
	const char *tok = getenv("TRIAGE_TOKEN");

	if (!dashdash) {
		cli_usage_error("run", "%s",
				ind < argc ? "put '--' before PROG"
					   : "missing '-- PROG'");
		return CLI_USAGE;
	}
	if (ind >= argc) {
		cli_usage_error("run", "missing PROG after '--'");
		return CLI_USAGE;
	}
	if (!opts.listen)
		return 0;
	if (run_parse_listen(opts.listen, &loopback) < 0) {
		cli_usage_error("run",
				"--listen wants [host]:port such as :6060, "
				"not '%s'",
				opts.listen);
		return CLI_USAGE;
	}
	if (!loopback && !opts.token_file && !(tok && *tok)) {
		cli_usage_error("run",
				"--listen %s is not a loopback address and "
				"needs --token-file or TRIAGE_TOKEN",
				opts.listen);
		return CLI_USAGE;
	}
	return 0;
}

/* Prints where the agent of `pid` serves, once it does. */
static void announce(const char *prog, pid_t pid, const char *sock)
{
	const char *listen = getenv("TRIAGE_LISTEN");
	const char *colon = listen ? strrchr(listen, ':') : NULL;
	char host[256];

	fprintf(stderr, "triage: agent for %s (pid %d) at unix:%s", prog,
		(int)pid, sock);
	if (colon) {
		snprintf(host, sizeof(host), "%.*s", (int)(colon - listen),
			 listen);
		if (!*host)
			snprintf(host, sizeof(host), "127.0.0.1");
		if (!strcmp(colon + 1, "0"))
			fprintf(stderr,
				" and a TCP port the kernel picked on %s",
				host);
		else
			fprintf(stderr, " and http://%s:%s", host, colon + 1);
	}
	fputc('\n', stderr);
}

/* Turns a wait status into our exit status, telling of a crash. */
static int exit_status(const char *prog, pid_t pid, int st)
{
	int sig;

	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	sig = WTERMSIG(st);
	if (sig != SIGINT && sig != SIGTERM && sig != SIGHUP && sig != SIGQUIT)
		fprintf(stderr,
			"triage: %s (pid %d) was killed by signal %d "
			"(%s)%s\n",
			prog, (int)pid, sig, strsignal(sig),
			WCOREDUMP(st) ? ", core dumped" : "");
	return 128 + sig;
}

/* Starts PROG and stands in for it until it ends. */
static int run_program(char **prog)
{
	char agent[PATH_MAX], sock[PATH_MAX], err[PATH_MAX + 200];
	pid_t pid;
	int e, st;

	if (run_find_agent(agent, sizeof(agent), err, sizeof(err)) < 0 ||
	    run_export_env(&opts, agent, err, sizeof(err)) < 0) {
		fprintf(stderr, "triage run: %s\n", err);
		return CLI_FAIL;
	}
	e = run_spawn(prog, &pid);
	if (e) {
		fprintf(stderr, "triage run: cannot run '%s': %s\n", prog[0],
			strerror(e));
		return e == ENOENT ? 127 : 126;
	}
	if (cli_agent_socket(pid, sock, sizeof(sock)) < 0)
		snprintf(sock, sizeof(sock), "(socket path too long)");
	switch (run_wait_socket(sock, pid, SOCKET_WAIT_MS, &st)) {
	case 1:
		announce(prog[0], pid, sock);
		break;
	case 0:
		fprintf(stderr,
			"triage run: the agent of %s (pid %d) did not "
			"open %s within %d s; %s runs on without it\n",
			prog[0], (int)pid, sock, SOCKET_WAIT_MS / 1000,
			prog[0]);
		break;
	default:
		return exit_status(prog[0], pid, st);
	}
	return exit_status(prog[0], pid, run_wait_child(pid));
}

int cmd_run(int argc, char **argv)
{
	bool dashdash;
	int ind = 1, rc;

	rc = cli_flags_parse("run", run_flags, argc, argv, &ind, &dashdash);
	if (rc == CLI_FLAGS_HELP) {
		usage(stdout);
		return 0;
	}
	if (rc < 0)
		return CLI_USAGE;
	rc = check_args(argc, argv, ind, dashdash);
	if (rc)
		return rc;
	return run_program(argv + ind);
}
