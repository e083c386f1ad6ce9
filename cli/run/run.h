/*
 * run.h - the pieces of `triage run` (internal to cli/run/).
 */
#ifndef TRIAGE_CLI_RUN_H
#define TRIAGE_CLI_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <sys/types.h>

/* The flags of `triage run`; NULL or 0 when not given. */
struct run_options {
	const char *listen;
	const char *cpuprofile;
	const char *socket_dir;
	const char *token_file;
	int hz;
};

/*
 * Finds libtriage.so: $TRIAGE_LIB, then ../lib/ beside the triage
 * binary, then the install prefix's lib dir. Writes its absolute path
 * into `out`. Returns 0, or -1 with a reason naming what to do in `err`.
 */
int run_find_agent(char *out, size_t len, char *err, size_t errlen);

/*
 * Checks a --listen value, "[host]:port", and tells whether its host is
 * a loopback address (an empty host means 127.0.0.1). Returns 0, or -1
 * when malformed.
 */
int run_parse_listen(const char *listen, bool *loopback);

/*
 * Exports what the agent reads: LD_PRELOAD with `agent` in front, and a
 * TRIAGE_* variable for each flag given, overriding the environment.
 * Returns 0, or -1 with a reason in `err`.
 */
int run_export_env(const struct run_options *o, const char *agent, char *err,
		   size_t errlen);

/* Blocks the signals that are forwarded; the old mask goes to *old. */
void run_forward_block(sigset_t *old);

/* From now on, forwards SIGINT, SIGTERM, SIGHUP and SIGQUIT to `child`;
 * 0 stops forwarding (once the child is reaped, its pid may be reused). */
void run_forward_to(pid_t child);

/*
 * Starts argv[0] (searched in PATH) with the current environment and
 * forwards signals to it (run_forward_to). Before exec the child removes
 * a stale socket an earlier process of the same pid left where its own
 * agent will serve. Returns 0 with *pid set, or the errno of a failed
 * exec (the child is then reaped).
 */
int run_spawn(char **argv, pid_t *pid);

/*
 * Waits up to `timeout_ms` for a socket at `path`. Returns 1 when it is
 * there, 0 on timeout, or -1 when the child exited first (its wait
 * status in *wstatus).
 */
int run_wait_socket(const char *path, pid_t child, int timeout_ms,
		    int *wstatus);

/* Waits for the child to end; returns its wait status. */
int run_wait_child(pid_t child);

#endif
