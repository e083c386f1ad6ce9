/*
 * agent_socket.c - the path of an agent's Unix socket, computed as the
 * agent computes it, so `triage run` can wait for it and `triage pprof
 * PID` can reach it.
 */
#include "agent_socket.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int cli_agent_socket(pid_t pid, char *out, size_t len)
{
	const char *dir = getenv("TRIAGE_SOCKET_DIR");
	int n;

	/* An empty variable counts as unset, as the agent reads it. */
	if (dir && *dir)
		n = snprintf(out, len, "%s/%d.sock", dir, (int)pid);
	else
		n = snprintf(out, len, "/tmp/triage-%u/%d.sock",
			     (unsigned)getuid(), (int)pid);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}
