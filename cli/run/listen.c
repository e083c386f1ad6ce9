/*
 * listen.c - checking a --listen address before the agent sees it.
 *
 * The agent checks it too, but from inside the child, where a mistake
 * would only show as a line in the service's log; here it stops the
 * command with a reason. The forms are the agent's: "[host]:port", with
 * an IPv6 host in brackets and an empty host meaning 127.0.0.1.
 */
#include "run.h"

#include <stdlib.h>
#include <string.h>

/* A decimal port 0..65535; 0 lets the kernel pick. */
static int parse_port(const char *s)
{
	long v = 0;

	if (!*s || strlen(s) > 5)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v <= 65535 ? 0 : -1;
}

static bool is_loopback(const char *host, size_t len)
{
	if (len == 0)
		return true;
	if (len == 9 && !strncmp(host, "localhost", 9))
		return true;
	if (len == 5 && !strncmp(host, "[::1]", 5))
		return true;
	return len >= 4 && !strncmp(host, "127.", 4);
}

int run_parse_listen(const char *listen, bool *loopback)
{
	const char *colon = strrchr(listen, ':');
	size_t hostlen;

	if (!colon || parse_port(colon + 1) < 0)
		return -1;
	hostlen = (size_t)(colon - listen);

	/* An IPv6 host must be bracketed, else its colons hide the port. */
	if (memchr(listen, ':', hostlen) &&
	    (listen[0] != '[' || listen[hostlen - 1] != ']'))
		return -1;
	if (memchr(listen, ' ', hostlen) || memchr(listen, '/', hostlen))
		return -1;
	*loopback = is_loopback(listen, hostlen);
	return 0;
}
