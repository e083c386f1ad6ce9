/*
 * progress.c - the countdown shown while the server records a profile.
 *
 * A CPU profile of 30 s is 30 s of silence; a bar that counts down tells
 * the operator that nothing hangs. It is drawn on a terminal only, so
 * logs and pipes get the plain "Fetching profile" line and nothing else.
 */
#include "pprof.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BAR_WIDTH 30

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void fetch_progress_start(struct fetch_progress *pr, int seconds)
{
	memset(pr, 0, sizeof(*pr));
	pr->on = seconds > 0 && isatty(STDERR_FILENO);
	pr->seconds = seconds;
	pr->start_ms = now_ms();
}

/* The line for `elapsed_ms` into the recording, nothing received yet. */
static void countdown(const struct fetch_progress *pr, long long elapsed_ms,
		      char *line, size_t len)
{
	static const char full[] = "##############################";
	static const char empty[] = "------------------------------";
	long long total_ms = (long long)pr->seconds * 1000;
	int filled, left;

	if (elapsed_ms >= total_ms) {
		snprintf(line, len, "[%s] waiting for the server", full);
		return;
	}
	filled = (int)(BAR_WIDTH * elapsed_ms / total_ms);
	left = (int)((total_ms - elapsed_ms + 999) / 1000);
	snprintf(line, len, "[%.*s%.*s] %d s left", filled, full,
		 BAR_WIDTH - filled, empty, left);
}

void fetch_progress_update(struct fetch_progress *pr, long long received)
{
	char line[sizeof(pr->shown)];

	if (!pr->on)
		return;
	if (received > 0)
		snprintf(line, sizeof(line), "receiving the profile: %lld KiB",
			 (received + 1023) / 1024);
	else
		countdown(pr, now_ms() - pr->start_ms, line, sizeof(line));
	if (!strcmp(line, pr->shown))
		return;
	fprintf(stderr, "\r%s\033[K", line);
	memcpy(pr->shown, line, sizeof(line));
}

void fetch_progress_end(struct fetch_progress *pr)
{
	if (pr->on && pr->shown[0])
		fputs("\r\033[K", stderr);
	pr->shown[0] = '\0';
}
