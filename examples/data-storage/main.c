/*
 * main.c - data-storage, the back end of the playbook's cross-service
 * scene: epro-api stores patients' reports here over HTTP, and some
 * reports make it fail (see storage.c).
 *
 * usage: data-storage [--port N]
 *
 * Listens on 127.0.0.1 only (port 8081; 0 lets the kernel pick) and
 * prints "listening on 127.0.0.1:PORT" once ready. Logs go through
 * libtriage's logger: TRIAGE_LOG_PATH names the file (stderr without
 * it), TRIAGE_SERVICE_NAME the service ("data-storage" unless set).
 * SIGTERM or SIGINT stops it.
 */
#include "data_storage.h"
#include "example.h"

#include <errno.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <triage.h>
#include <unistd.h>

#define DEFAULT_PORT 8081

/* Returns 0, 1 for --help, or -1 after printing why. */
static int parse_args(int argc, char **argv, long *port)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return 1;
	if (argc == 1)
		return 0;
	if (argc == 3 && !strcmp(argv[1], "--port") &&
	    ex_parse_long(argv[2], 0, 65535, port) == 0)
		return 0;
	fprintf(stderr, "data-storage: bad arguments; see --help\n");
	return -1;
}

int main(int argc, char **argv)
{
	static struct storage st;
	struct MHD_Daemon *d;
	long port = DEFAULT_PORT;
	int rc = parse_args(argc, argv, &port);

	if (rc) {
		fprintf(rc > 0 ? stdout : stderr,
			"usage: data-storage [--port N]\n"
			"  --port N  TCP port on 127.0.0.1 (default %d; 0 "
			"picks a free one)\n",
			DEFAULT_PORT);
		return rc > 0 ? 0 : 2;
	}
	setenv("TRIAGE_SERVICE_NAME", "data-storage", 0);
	storage_init(&st);
	if (ex_catch_stop() < 0)
		return 1;

	d = storage_http_start(&st, (unsigned)port);
	if (!d) {
		fprintf(stderr,
			"data-storage: cannot listen on 127.0.0.1:%ld\n", port);
		return 1;
	}
	port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
	triage_log_kv(TRIAGE_LOG_INFO, TRIAGE_FIELDS(TRIAGE_INT("port", port)),
		      "listening on 127.0.0.1:%ld", port);
	printf("listening on 127.0.0.1:%ld\n", port);
	fflush(stdout);

	ex_wait_for_stop();
	MHD_stop_daemon(d);
	triage_info("stopped");
	triage_log_flush();
	return 0;
}
