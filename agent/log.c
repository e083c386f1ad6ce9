/*
 * log.c - the agent's diagnostics on stderr (see log.h).
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int log_level = TLOG_WARN;

void tlog_set_level(int level)
{
	log_level = level;
}

void tlog(int level, const char *fmt, ...)
{
	char buf[512];
	int saved = errno;
	va_list ap;
	int n;

	if (level > log_level)
		return;
	memcpy(buf, "triage: ", 8);
	va_start(ap, fmt);
	n = vsnprintf(buf + 8, sizeof(buf) - 9, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	n += 8;
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	buf[n++] = '\n';
	if (write(STDERR_FILENO, buf, (size_t)n) < 0) {
		/* Nowhere left to say it. */
	}
	errno = saved;
}
