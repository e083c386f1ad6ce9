/*
 * agent_socket.h - where a process's agent serves its Unix socket.
 */
#ifndef TRIAGE_CLI_AGENT_SOCKET_H
#define TRIAGE_CLI_AGENT_SOCKET_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Writes $TRIAGE_SOCKET_DIR/<pid>.sock (the directory defaulting to
 * /tmp/triage-<uid>, as the agent's) into `out`. Returns 0, or -1 when
 * it does not fit.
 */
int cli_agent_socket(pid_t pid, char *out, size_t len);

#endif
