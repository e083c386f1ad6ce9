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
#include "example.h"

#include <errno.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_PORT 8889

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
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
		if (!strcmp(argv[i], "--port") && i + 1 < argc &&
		    ex_parse_long(argv[i + 1], 0, 65535, port) == 0) {
			i++;
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
	struct MHD_Daemon *d;
	long port = DEFAULT_PORT;
	int rc = parse_args(argc, argv, &port);

	if (rc) {
		usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 2;
	}
	if (ex_catch_stop() < 0) {
		perror("emr-cache: pipe");
		return 1;
	}

	d = emr_http_start((unsigned)port);
	if (!d) {
		fprintf(stderr, "emr-cache: cannot listen on 127.0.0.1:%ld\n",
			port);
		return 1;
	}
	printf("listening on 127.0.0.1:%u\n",
	       MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port);
	fflush(stdout);

	ex_wait_for_stop();
	MHD_stop_daemon(d);
	fprintf(stderr, "emr-cache: stopped\n");
	return 0;
}
