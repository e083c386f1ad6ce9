/*
 * cli_pprof_server.c - a stand-in pprof server for the tests of
 * `triage pprof`: it serves one fixed profile file, byte for byte, on a
 * TCP port the kernel picks and, when asked, on a Unix socket named
 * <pid>.sock as an agent's would be, so the command can be tested
 * without the agent.
 *
 * usage: cli_pprof_server FILE [--socket-dir DIR] [--token T]
 *
 * Prints "listening on 127.0.0.1:PORT" (and "socket PATH") once ready,
 * then one line per request: "request PATH?QUERY auth=HEADER".
 * Paths: /debug/pprof/profile and /heap serve FILE, and /slow serves it
 * after ?seconds=N seconds, as a server recording a profile; /busy 500s
 * like a Go server whose CPU profiler is in use; /garbage serves bytes
 * that are not a profile; others are 404. With --token, a request
 * without "Authorization: Bearer T" gets 401. Ends on SIGTERM/SIGINT.
 */
#include <microhttpd.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static char *profile;
static size_t profile_len;
static const char *token;

static int read_file(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0)
		return -1;
	profile_len = (size_t)st.st_size;
	profile = malloc(profile_len + 1);
	if (!profile || read(fd, profile, profile_len) != (ssize_t)profile_len)
		return -1;
	close(fd);
	return 0;
}

static enum MHD_Result add_query(void *cls, enum MHD_ValueKind kind,
				 const char *key, const char *value)
{
	char *q = cls;
	size_t n = strlen(q);

	snprintf(q + n, 512 - n, "%s%s=%s", n ? "&" : "", key,
		 value ? value : "");
	return MHD_YES;
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status,
			      const char *type, const void *body, size_t len,
			      int go_error)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	MHD_add_response_header(r, "Content-Type", type);
	if (go_error)
		MHD_add_response_header(r, "X-Go-Pprof", "1");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result text_error(struct MHD_Connection *c, unsigned status,
				  const char *msg)
{
	return answer(c, status, "text/plain; charset=utf-8", msg, strlen(msg),
		      1);
}

static int authorized(struct MHD_Connection *c, const char *auth)
{
	char want[256];

	if (!token)
		return 1;
	snprintf(want, sizeof(want), "Bearer %s", token);
	return auth && !strcmp(auth, want);
}

/* Waits ?seconds=N, as a server recording a profile that long. */
static void record(struct MHD_Connection *c)
{
	const char *s =
	    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "seconds");
	struct timespec ts = {s ? strtol(s, NULL, 10) : 0, 0};

	while (ts.tv_sec > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_len, void **state)
{
	static const char garbage[] = "this is not a profile\n";
	const char *auth =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	char query[512] = "";

	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_query, query);
	printf("request %s?%s auth=%s\n", url, query, auth ? auth : "");
	fflush(stdout);

	if (!authorized(c, auth))
		return text_error(c, 401, "missing or wrong bearer token\n");
	if (!strcmp(url, "/debug/pprof/slow"))
		record(c);
	if (!strcmp(url, "/debug/pprof/profile") ||
	    !strcmp(url, "/debug/pprof/slow") ||
	    !strcmp(url, "/debug/pprof/heap"))
		return answer(c, 200, "application/octet-stream", profile,
			      profile_len, 0);
	if (!strcmp(url, "/debug/pprof/busy"))
		return text_error(c, 500,
				  "Could not enable CPU profiling: "
				  "cpu profiling already in use\n");
	if (!strcmp(url, "/debug/pprof/garbage"))
		return answer(c, 200, "application/octet-stream", garbage,
			      sizeof(garbage) - 1, 0);
	return text_error(c, 404, "Unknown profile\n");
}

static int unix_listener(const char *dir, char *path, size_t len)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(path, len, "%s/%d.sock", dir, (int)getpid());
	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 16) < 0)
		return -1;
	return fd;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct MHD_Daemon *tcp, *unx = NULL;
	const char *dir = NULL;
	char path[256];
	sigset_t set;
	int i, sig, fd;

	for (i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--socket-dir"))
			dir = argv[i + 1];
		else if (!strcmp(argv[i], "--token"))
			token = argv[i + 1];
	}
	if (argc < 2 || read_file(argv[1]) < 0) {
		fprintf(stderr, "usage: cli_pprof_server FILE "
				"[--socket-dir DIR] [--token T]\n");
		return 2;
	}

	/* Signals are taken by sigwait below, not by the server threads. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	tcp = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
			       handle, NULL, MHD_OPTION_SOCK_ADDR, &sin,
			       MHD_OPTION_END);
	if (!tcp)
		return 1;
	printf("listening on 127.0.0.1:%u\n",
	       MHD_get_daemon_info(tcp, MHD_DAEMON_INFO_BIND_PORT)->port);
	if (dir) {
		fd = unix_listener(dir, path, sizeof(path));
		if (fd >= 0)
			unx = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD,
					       0, NULL, NULL, handle, NULL,
					       MHD_OPTION_LISTEN_SOCKET, fd,
					       MHD_OPTION_END);
		if (!unx) {
			fprintf(stderr, "cannot serve on %s: %s\n", path,
				strerror(errno));
			return 1;
		}
		printf("socket %s\n", path);
	}
	fflush(stdout);

	sigwait(&set, &sig);
	if (unx)
		MHD_stop_daemon(unx);
	MHD_stop_daemon(tcp);
	if (dir)
		unlink(path);
	return 0;
}
