/*
 * main.c - emr-cache, the service of the playbook's memory scene: a
 * cache of patients' EMR records whose memory only ever grows.
 *
 * usage: emr-cache [--port N]
 *
 * Listens on 127.0.0.1 only (port 8889; 0 lets the kernel pick) and
 * prints "listening on 127.0.0.1:PORT" once ready. SIGTERM or SIGINT
 * stops it.
 */
#include "emr_cache.h"

#include <errno.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_PORT 8889

static int stop_pipe[2] = {-1, -1};

/* Signal handlers may only write(); main reads the pipe. */
static void on_stop(int sig)
{
	char c = (char)sig;
	int saved = errno;

	if (write(stop_pipe[1], &c, 1) < 0)
		c = 0;
	errno = saved;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: emr-cache [--port N]\n"
		"  --port N  TCP port on 127.0.0.1 (default %d; 0 picks "
		"a free one)\n",
		DEFAULT_PORT);
}

/* Returns 0, 1 for --help, or -1 after printing why. */
static int parse_args(int argc, char **argv, long *port)
{
	char *end;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
		if (!strcmp(argv[i], "--port") && i + 1 < argc) {
			errno = 0;
			*port = strtol(argv[++i], &end, 10);
			if (!errno && !*end && *argv[i] && *port >= 0 &&
			    *port <= 65535)
				continue;
		}
		fprintf(stderr, "emr-cache: bad argument '%s'; see --help\n",
			argv[i]);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_stop};
	struct MHD_Daemon *d;
	long port = DEFAULT_PORT;
	int rc = parse_args(argc, argv, &port);
	char c;

	if (rc) {
		usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 2;
	}
	if (pipe(stop_pipe) < 0) {
		perror("emr-cache: pipe");
		return 1;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	d = emr_http_start((unsigned)port);
	if (!d) {
		fprintf(stderr, "emr-cache: cannot listen on 127.0.0.1:%ld\n",
			port);
		return 1;
	}
	printf("listening on 127.0.0.1:%u\n",
	       MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port);
	fflush(stdout);

	while (read(stop_pipe[0], &c, 1) < 0 && errno == EINTR)
		;
	MHD_stop_daemon(d);
	fprintf(stderr, "emr-cache: stopped\n");
	return 0;
}
