/*
 * main.c - patient-import, the service of the playbook's CPU scene: an
 * import endpoint that pins a core for seconds per batch.
 *
 * usage: patient-import [--port N] [--work N]
 *
 * Listens on 127.0.0.1 only (port 8888; 0 lets the kernel pick) and
 * prints "listening on 127.0.0.1:PORT" once ready. --work sets the
 * records per batch, so tests can keep a batch short. SIGTERM or SIGINT
 * stops it cleanly, cutting a running import short.
 */
#include "patient_import.h"
#include "example.h"

#include <errno.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_PORT 8888
#define DEFAULT_WORK 100000L /* some 5 s a batch: the work is n^2 */
#define MAX_WORK 1000000L

static void usage(FILE *out)
{
	fprintf(out,
		"usage: patient-import [--port N] [--work N]\n"
		"  --port N  TCP port on 127.0.0.1 (default %d; 0 picks "
		"a free one)\n"
		"  --work N  records scored per batch (default %ld, at "
		"most %ld)\n",
		DEFAULT_PORT, DEFAULT_WORK, MAX_WORK);
}

/* Returns 0, 1 for --help, or -1 after printing why. */
static int parse_args(int argc, char **argv, long *port, long *work)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
		if (!strcmp(argv[i], "--port") &&
		    ex_parse_long(next, 0, 65535, port) == 0)
			i++;
		else if (!strcmp(argv[i], "--work") &&
			 ex_parse_long(next, 1, MAX_WORK, work) == 0)
			i++;
		else {
			fprintf(stderr,
				"patient-import: bad argument '%s'; "
				"see --help\n",
				argv[i]);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct import_config cfg;
	struct MHD_Daemon *d;
	long port = DEFAULT_PORT, work = DEFAULT_WORK;
	int rc = parse_args(argc, argv, &port, &work);

	if (rc) {
		usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 2;
	}
	cfg.work = work;
	atomic_init(&cfg.stop, false);
	if (ex_catch_stop() < 0) {
		perror("patient-import: pipe");
		return 1;
	}
	d = import_http_start(&cfg, (unsigned)port);
	if (!d) {
		fprintf(stderr,
			"patient-import: cannot listen on "
			"127.0.0.1:%ld\n",
			port);
		return 1;
	}
	printf("listening on 127.0.0.1:%u\n",
	       MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port);
	fflush(stdout);

	ex_wait_for_stop();
	import_http_stop(d, &cfg);
	fprintf(stderr, "patient-import: stopped\n");
	return 0;
}
