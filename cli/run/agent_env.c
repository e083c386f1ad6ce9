/*
 * agent_env.c - the environment that starts the agent in the child:
 * LD_PRELOAD, and one TRIAGE_* variable per flag of `triage run`.
 *
 * Everything is exported in the parent before fork, so the child only
 * has to exec; a flag overrides a variable the caller had set.
 */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOKEN_MAX 4096

/* True when the colon- or space-separated `list` holds `item`. */
static bool list_has(const char *list, const char *item)
{
	size_t n = strlen(item);
	const char *p = list;

	while ((p = strstr(p, item))) {
		bool starts = p == list || p[-1] == ':' || p[-1] == ' ';
		bool ends = p[n] == '\0' || p[n] == ':' || p[n] == ' ';

		if (starts && ends)
			return true;
		p += n;
	}
	return false;
}

static int preload(const char *agent)
{
	const char *old = getenv("LD_PRELOAD");
	char *val;
	int rc;

	if (!old || !*old)
		return setenv("LD_PRELOAD", agent, 1);
	if (list_has(old, agent))
		return 0;
	if (asprintf(&val, "%s:%s", agent, old) < 0)
		return -1;
	rc = setenv("LD_PRELOAD", val, 1);
	free(val);
	return rc;
}

/* Reads the token: the file's first line, without trailing blanks. */
static int read_token(const char *path, char *tok, size_t len, char *err,
		      size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		snprintf(err, errlen, "cannot read token file %s: %s", path,
			 strerror(errno));
		return -1;
	}
	n = read(fd, tok, len - 1);
	close(fd);
	if (n < 0)
		n = 0;
	tok[n] = '\0';
	tok[strcspn(tok, "\r\n")] = '\0';
	n = (ssize_t)strlen(tok);
	while (n > 0 && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
		tok[--n] = '\0';
	if (n == 0) {
		snprintf(err, errlen, "token file %s is empty", path);
		return -1;
	}
	return 0;
}

int run_export_env(const struct run_options *o, const char *agent, char *err,
		   size_t errlen)
{
	char tok[TOKEN_MAX], hz[16];
	int rc = 0;

	if (o->token_file) {
		if (read_token(o->token_file, tok, sizeof(tok), err, errlen))
			return -1;
		rc |= setenv("TRIAGE_TOKEN", tok, 1);
	}
	if (o->hz) {
		snprintf(hz, sizeof(hz), "%d", o->hz);
		rc |= setenv("TRIAGE_CPU_HZ", hz, 1);
	}
	if (o->listen)
		rc |= setenv("TRIAGE_LISTEN", o->listen, 1);
	if (o->cpuprofile)
		rc |= setenv("TRIAGE_CPUPROFILE", o->cpuprofile, 1);
	if (o->socket_dir)
		rc |= setenv("TRIAGE_SOCKET_DIR", o->socket_dir, 1);
	rc |= preload(agent);
	if (rc) {
		snprintf(err, errlen, "cannot set the environment: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}
