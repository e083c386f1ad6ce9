/*
 * log_writer - logs through triage's logger for the end-to-end tests.
 *
 *   log_writer threads N LINES   N threads log LINES lines each: content
 *                                "t=T i=I" and a payload of varying
 *                                length (every 500th over 64 KiB, some
 *                                with control bytes and invalid UTF-8),
 *                                fields thread, seq and payload
 *   log_writer crash HOW LINES   logs LINES lines, then dies: segv,
 *                                abort, term (SIGTERM at its default)
 *                                or exit (returns from main; an atexit
 *                                handler then logs one more line)
 *   log_writer count LINES       logs LINES lines, flushes, and prints
 *                                the agent's metrics on stdout; exits 1
 *                                when the flush failed
 *   log_writer span              one line inside a span with a parent
 *   log_writer fork              100 lines, a fork whose child logs 50
 *                                and exits, then 50 more in the parent
 *
 * The logger configures itself from the TRIAGE_LOG_* environment.
 */
#include "span_current.h"
#include "triage.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static long lines;
static volatile int *volatile nowhere;

/* The payload of line i: its length and bytes vary with i. */
static size_t payload(long i, char *buf, size_t cap)
{
	size_t n = i % 500 == 499 ? 70000 + (size_t)(i % 7) * 1000
				  : (size_t)(i * 37 % 5000);
	size_t k;

	if (n >= cap)
		n = cap - 1;
	for (k = 0; k < n; k++)
		buf[k] = (char)('a' + (i + (long)k) % 26);
	if (i % 10 == 3 && n > 4) {
		buf[0] = '\n';
		buf[1] = '"';
		buf[2] = (char)0xff;
		buf[3] = '\x01';
	}
	buf[n] = '\0';
	return n;
}

static void *writer(void *arg)
{
	int t = (int)(long)arg;
	size_t cap = 80000;
	char *buf = malloc(cap);
	long i;

	if (!buf)
		return NULL;
	for (i = 0; i < lines; i++) {
		payload(i, buf, cap);
		triage_info_kv(TRIAGE_FIELDS(TRIAGE_INT("thread", t),
					     TRIAGE_INT("seq", i),
					     TRIAGE_STR("payload", buf)),
			       "t=%d i=%ld", t, i);
	}
	free(buf);
	return NULL;
}

static int threads(int n)
{
	pthread_t t[64];
	int i;

	if (n < 1 || n > 64)
		return 2;
	for (i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, writer, (void *)(long)i))
			return 1;
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return 0;
}

/* Runs after the logger's own exit handler (registered later, at the
 * first line), as a host's cleanup would. */
static void late_line(void)
{
	triage_info("after the logger's exit handler");
}

static int crash(const char *how)
{
	long i;

	if (!strcmp(how, "exit"))
		atexit(late_line);

	for (i = 0; i < lines; i++)
		triage_info_kv(TRIAGE_FIELDS(TRIAGE_INT("seq", i)),
			       "before the %s", how);
	if (!strcmp(how, "segv"))
		*nowhere = 1;
	else if (!strcmp(how, "abort"))
		abort();
	else if (!strcmp(how, "term"))
		raise(SIGTERM);
	else if (!strcmp(how, "exit"))
		return 0; /* late_line() then logs after the logger exits */
	return 3;
}

static int count(void)
{
	char *text;
	size_t len;
	long i;
	int err;

	for (i = 0; i < lines; i++)
		triage_warn("line %ld", i);
	triage_debug("below the level");
	err = triage_log_flush();
	if (triage_metric_expose(TRIAGE_METRIC_TEXT, &text, &len))
		return 1;
	fwrite(text, 1, len, stdout);
	free(text);
	return err ? 1 : 0;
}

static int span(void)
{
	struct span_current cur = {0};
	int i;

	for (i = 0; i < 16; i++)
		cur.ctx.trace_id[i] = (uint8_t)(0xa0 + i);
	for (i = 0; i < 8; i++) {
		cur.ctx.span_id[i] = (uint8_t)(0x10 + i);
		cur.parent_id[i] = (uint8_t)(0x30 + i);
	}
	triage_info("outside");
	span_current_set(&cur, NULL);
	triage_error_kv(
	    TRIAGE_FIELDS(TRIAGE_DOUBLE("ms", 12.5), TRIAGE_BOOL("retry", 1)),
	    "inside");
	span_current_set(NULL, NULL);
	return 0;
}

/* The child must not write the parent's unwritten lines again. */
static int forked(void)
{
	pid_t pid;
	int i, st;

	for (i = 0; i < 100; i++)
		triage_info("parent before %d", i);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		for (i = 0; i < 50; i++)
			triage_info("child %d", i);
		exit(0);
	}
	if (waitpid(pid, &st, 0) != pid || st != 0)
		return 1;
	for (i = 0; i < 50; i++)
		triage_info("parent after %d", i);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "threads")) {
		lines = atol(argv[3]);
		return threads(atoi(argv[2]));
	}
	if (argc == 4 && !strcmp(argv[1], "crash")) {
		lines = atol(argv[3]);
		return crash(argv[2]);
	}
	if (argc == 3 && !strcmp(argv[1], "count")) {
		lines = atol(argv[2]);
		return count();
	}
	if (argc == 2 && !strcmp(argv[1], "span"))
		return span();
	if (argc == 2 && !strcmp(argv[1], "fork"))
		return forked();
	fprintf(stderr, "usage: log_writer threads N LINES | crash HOW "
			"LINES | count LINES | span | fork\n");
	return 2;
}
