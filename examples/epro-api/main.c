/*
 * main.c - epro-api, the front of the playbook's cross-service scene:
 * patients submit reports (electronic patient-reported outcomes) here,
 * and it stores them in data-storage over HTTP.
 *
 * usage: epro-api [--port N] [--storage URL]
 *
 * Listens on 127.0.0.1 only (port 8080; 0 lets the kernel pick) and
 * prints "listening on 127.0.0.1:PORT" once ready; data-storage is at
 * URL (http://127.0.0.1:8081). Logs go through libtriage's logger:
 * TRIAGE_LOG_PATH names the file (stderr without it),
 * TRIAGE_SERVICE_NAME the service ("epro-api" unless set). SIGTERM or
 * SIGINT stops it.
 */
#include "epro_api.h"
#include "example.h"

#include <curl/curl.h>
#include <errno.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <triage.h>
#include <unistd.h>

#define DEFAULT_PORT 8080
#define DEFAULT_STORAGE "http://127.0.0.1:8081"

/* Returns 0, 1 for --help, or -1 after printing why. */
static int parse_args(int argc, char **argv, long *port,
		      struct epro_config *cfg)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
		if (!strcmp(argv[i], "--port") &&
		    ex_parse_long(next, 0, 65535, port) == 0)
			i++;
		else if (!strcmp(argv[i], "--storage") && next &&
			 !strncmp(next, "http", 4))
			cfg->storage = argv[++i];
		else {
			fprintf(stderr,
				"epro-api: bad argument '%s'; see --help\n",
				argv[i]);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct epro_config cfg = {.storage = DEFAULT_STORAGE};
	struct MHD_Daemon *d;
	long port = DEFAULT_PORT;
	int rc = parse_args(argc, argv, &port, &cfg);

	if (rc) {
		fprintf(rc > 0 ? stdout : stderr,
			"usage: epro-api [--port N] [--storage URL]\n"
			"  --port N       TCP port on 127.0.0.1 (default %d; 0 "
			"picks a free one)\n"
			"  --storage URL  data-storage (default %s)\n",
			DEFAULT_PORT, DEFAULT_STORAGE);
		return rc > 0 ? 0 : 2;
	}
	setenv("TRIAGE_SERVICE_NAME", "epro-api", 0);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) || ex_catch_stop() < 0)
		return 1;

	d = epro_http_start(&cfg, (unsigned)port);
	if (!d) {
		fprintf(stderr, "epro-api: cannot listen on 127.0.0.1:%ld\n",
			port);
		return 1;
	}
	port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
	triage_log_kv(TRIAGE_LOG_INFO,
		      TRIAGE_FIELDS(TRIAGE_STR("storage", cfg.storage)),
		      "listening on 127.0.0.1:%ld", port);
	printf("listening on 127.0.0.1:%ld\n", port);
	fflush(stdout);

	ex_wait_for_stop();
	MHD_stop_daemon(d);
	triage_info("stopped");
	triage_log_flush();
	curl_global_cleanup();
	return 0;
}
