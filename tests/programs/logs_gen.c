/*
 * logs_gen.c - writes a large JSON log, as a busy service's logger
 * would, for the bounded-memory test and the throughput figure of
 * `triage logs` (tests/e2e/logs_memory.sh).
 *
 * usage: logs_gen BYTES TRACE EVERY
 *
 * About BYTES of lines at 100,000 lines a second, each of a random
 * trace, with times out of order by up to 2 ms (threads racing to
 * write); every EVERY-th line belongs to TRACE (three nested spans, in
 * turn); one line in 10,007 is not JSON.
 * The counts go to stderr as "lines=N trace_lines=K garbage=G".
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* 2026-12-04T08:00:00.000Z plus `us`. */
static void timestamp(int64_t us, char out[64])
{
	time_t secs = 1796371200 + (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)(us / 1000 % 1000));
}

/* A line of the wanted trace: spans 1 > 2 > 3, cycling. */
static int trace_line(char *buf, size_t cap, const char *ts, const char *trace,
		      uint64_t k)
{
	static const char *const spans[] = {
	    "00000000000000a1", "00000000000000a2", "00000000000000a3"};
	unsigned s = (unsigned)(k % 3);
	char parent[40] = "";

	if (s)
		snprintf(parent, sizeof(parent), ",\"parent\":\"%s\"",
			 spans[s - 1]);
	return snprintf(buf, cap,
			"{\"@timestamp\":\"%s\",\"level\":\"info\",\"content\":"
			"\"step %" PRIu64 "\",\"trace\":\"%s\",\"span\":\"%s\","
			"\"caller\":\"svc/handler.c:%u\",\"service\":\"svc\"%s,"
			"\"k\":%" PRIu64 "}\n",
			ts, k, trace, spans[s], 40 + s, parent, k);
}

static int other_line(char *buf, size_t cap, const char *ts, uint64_t i)
{
	uint64_t a = next_random(), b = next_random();

	return snprintf(buf, cap,
			"{\"@timestamp\":\"%s\",\"level\":\"info\",\"content\":"
			"\"request served\",\"trace\":\"%016" PRIx64
			"%016" PRIx64 "\",\"span\":\"%016" PRIx64 "\","
			"\"caller\":\"svc/handler.c:88\",\"service\":\"svc\","
			"\"path\":\"/api/v1/items/%" PRIu64 "\",\"status\":200,"
			"\"duration\":\"%.1fms\"}\n",
			ts, a, b | 1, a ^ b, i % 100000,
			(double)(b % 1000) / 10);
}

int main(int argc, char **argv)
{
	uint64_t target, every, written = 0, i, kept = 0, garbage = 0;
	char line[512], ts[64];
	int64_t us;
	int n;

	if (argc != 4 || strlen(argv[2]) != 32) {
		fprintf(stderr, "usage: logs_gen BYTES TRACE EVERY\n");
		return 2;
	}
	target = strtoull(argv[1], NULL, 10);
	every = strtoull(argv[3], NULL, 10);
	setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	for (i = 0; written < target; i++) {
		us = (int64_t)i * 10 - (int64_t)(next_random() % 2000);
		timestamp(us < 0 ? 0 : us, ts);
		if (every && i % every == every / 2)
			n = trace_line(line, sizeof(line), ts, argv[2], kept++);
		else if (i % 10007 == 5000)
			n = snprintf(line, sizeof(line),
				     "%s panic: %" PRIu64 " (not JSON)\n", ts,
				     (garbage++, i));
		else
			n = other_line(line, sizeof(line), ts, i);
		fwrite(line, 1, (size_t)n, stdout);
		written += (uint64_t)n;
	}
	if (fflush(stdout))
		return 1;
	fprintf(stderr,
		"lines=%" PRIu64 " trace_lines=%" PRIu64 " garbage=%" PRIu64
		"\n",
		i, kept, garbage);
	return 0;
}
