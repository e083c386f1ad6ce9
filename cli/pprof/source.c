/*
 * source.c - deciding what SOURCE names: a URL, a file, or a process
 * whose agent answers on its Unix socket.
 *
 * A word with "://" is a URL; then an existing file wins; then a number
 * is a PID; then host:port is a URL. Anything else is an error that
 * lists the three forms, because a mistyped file name must not turn
 * into a request to a host of that name, as it does in go tool pprof.
 */
#include "pprof.h"

#include "agent_socket.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define INSECURE "https+insecure://"
#define DEFAULT_TIMEOUT 60.0
#define TIMEOUT_SLACK 5.0

int fetch_parse_pid(const char *arg, pid_t *pid, const char **path)
{
	long v = 0;
	const char *p = arg;

	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > INT_MAX)
			return -1;
	}
	if (p == arg || v == 0 || (*p && (p[0] != ':' || p[1] != '/')))
		return -1;
	*pid = (pid_t)v;
	*path = *p ? p + 1 : NULL;
	return 0;
}

/* host:port[/...] with no scheme: a colon before any slash. */
static bool looks_like_host_port(const char *arg)
{
	const char *colon = strchr(arg, ':');
	const char *slash = strchr(arg, '/');

	return colon && colon != arg + strlen(arg) - 1 &&
	       (!slash || colon < slash);
}

static int resolve_url(const char *arg, int seconds, struct fetch_source *src,
		       char *err, size_t errlen)
{
	char *plain = NULL;
	int rc;

	/* pprof's https+insecure:// is https without checking the cert. */
	if (!strncmp(arg, INSECURE, strlen(INSECURE))) {
		src->insecure = true;
		if (asprintf(&plain, "https://%s", arg + strlen(INSECURE)) < 0)
			return -1;
		arg = plain;
	}
	src->kind = FETCH_URL;
	rc = fetch_adjust_url(arg, seconds, &src->url, &src->seconds);
	if (rc < 0)
		snprintf(err, errlen,
			 "%s is not an http(s) URL such as "
			 "http://127.0.0.1:6060/debug/pprof/profile",
			 arg);
	free(plain);
	return rc;
}

/* Explains why `pid` cannot be reached at `sock`; returns -1. */
static int pid_unreachable(pid_t pid, const char *sock, char *err,
			   size_t errlen)
{
	char proc[32];
	struct stat st;
	bool alive, has_sock;

	snprintf(proc, sizeof(proc), "/proc/%d", (int)pid);
	alive = stat(proc, &st) == 0;
	has_sock = stat(sock, &st) == 0 && S_ISSOCK(st.st_mode);
	if (alive && !has_sock)
		snprintf(err, errlen,
			 "process %d has no agent socket at %s; start it "
			 "with 'triage run -- PROG' (or LD_PRELOAD="
			 "libtriage.so), or set TRIAGE_SOCKET_DIR to where "
			 "its agent serves",
			 (int)pid, sock);
	else if (has_sock)
		snprintf(err, errlen,
			 "process %d is gone; %s is left over from it",
			 (int)pid, sock);
	else
		snprintf(err, errlen, "no process %d is running", (int)pid);
	return -1;
}

static int resolve_pid(pid_t pid, const char *path, int seconds,
		       struct fetch_source *src, char *err, size_t errlen)
{
	char sock[PATH_MAX], *base = NULL;
	char proc[32];
	struct stat st;
	int rc;

	if (cli_agent_socket(pid, sock, sizeof(sock)) < 0) {
		snprintf(err, errlen, "TRIAGE_SOCKET_DIR is too long");
		return -1;
	}
	snprintf(proc, sizeof(proc), "/proc/%d", (int)pid);
	if (stat(sock, &st) != 0 || !S_ISSOCK(st.st_mode) ||
	    stat(proc, &st) != 0)
		return pid_unreachable(pid, sock, err, errlen);

	src->kind = FETCH_PID;
	src->pid = pid;
	src->file = strdup(sock);
	if (!src->file ||
	    asprintf(&base, "http://localhost%s", path ? path : "/") < 0)
		return -1;
	rc = fetch_adjust_url(base, seconds, &src->url, &src->seconds);
	if (rc < 0)
		snprintf(err, errlen, "%s is not a valid path", path);
	free(base);
	return rc;
}

/* Picks the kind of source; fills `src` except the timeout. */
static int resolve_kind(const char *arg, int seconds, struct fetch_source *src,
			char *err, size_t errlen)
{
	struct stat st;
	const char *path;
	pid_t pid;
	int missing;

	if (strstr(arg, "://"))
		return resolve_url(arg, seconds, src, err, errlen);
	missing = stat(arg, &st) == 0 ? 0 : errno;
	if (!missing) {
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "%s is not a regular file", arg);
			return -1;
		}
		src->kind = FETCH_FILE;
		src->file = strdup(arg);
		return src->file ? 0 : -1;
	}
	if (fetch_parse_pid(arg, &pid, &path) == 0)
		return resolve_pid(pid, path, seconds, src, err, errlen);
	if (looks_like_host_port(arg))
		return resolve_url(arg, seconds, src, err, errlen);
	snprintf(err, errlen,
		 "%s: %s; give a profile file, an http(s) URL or "
		 "host:port, or the PID of a process run under triage",
		 arg, strerror(missing));
	return -1;
}

int fetch_resolve(const char *arg, int seconds, double timeout,
		  struct fetch_source *src, char *err, size_t errlen)
{
	memset(src, 0, sizeof(*src));
	snprintf(err, errlen, "out of memory");
	if (resolve_kind(arg, seconds, src, err, errlen) < 0) {
		fetch_source_free(src);
		return -1;
	}
	if (timeout <= 0)
		timeout =
		    src->seconds > 0 ? src->seconds * 1.5 : DEFAULT_TIMEOUT;
	src->timeout = timeout + TIMEOUT_SLACK;
	return 0;
}

void fetch_source_free(struct fetch_source *src)
{
	free(src->url);
	free(src->file);
	src->url = NULL;
	src->file = NULL;
}
