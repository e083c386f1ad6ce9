/*
 * logs.c - `triage logs --trace ID [FILE...]`: the lines of one trace
 * from the JSON logs of several services, merged by time, indented by
 * span nesting, errors marked, and the time of each hop at the end.
 * Reads stdin when no file is given. One pass, bounded memory: files
 * of any size.
 */
#include "cli.h"
#include "flags.h"
#include "logs.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WINDOW_MS_DEFAULT 1000
#define WINDOW_MS_MAX 3600000

static struct {
	const char *trace, *color;
	bool json;
	int window_ms;
} opts;

static const struct cli_flag logs_flags[] = {
    {"trace", CLI_FLAG_STRING, &opts.trace, 0, 0, "ID",
     "the trace: 32 hex digits, or a whole traceparent"},
    {"json", CLI_FLAG_BOOL, &opts.json, 0, 0, NULL,
     "one JSON object per line, then a summary object"},
    {"color", CLI_FLAG_STRING, &opts.color, 0, 0, "WHEN",
     "colour errors: auto (on a terminal), always, never"},
    {"window", CLI_FLAG_INT, &opts.window_ms, 0, WINDOW_MS_MAX, "MS",
     "how far a file may be out of time order (1000)"},
    {NULL, CLI_FLAG_BOOL, NULL, 0, 0, NULL, NULL},
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: triage logs --trace ID [OPTIONS] [FILE...]\n\n"
		"Shows the lines of one trace from the JSON logs of several "
		"services (stdin\nwhen no FILE is given), merged by "
		"@timestamp: time, service, level and\ncontent indented by "
		"span nesting, errors marked with '!'; then each span\nwith "
		"the time spent in it (from its \"span end\" line, or ~ from "
		"its first to\nits last line). Lines that are not JSON are "
		"skipped and counted on stderr.\nExits 1 when no line of "
		"the trace was found.\n\noptions:\n");
	cli_flags_print(out, logs_flags, "--");
	fprintf(out,
		"\nA line without a \"service\" field takes its file's name "
		"(epro-api.log:\nepro-api).\n\n"
		"example:\n"
		"  triage logs --trace 4bf92f3577b34da6a3ce929d0e0e4736 "
		"epro-api.log data-storage.log\n");
}

/* The trace ID from 32 hex digits or a traceparent, lowercased into
 * out[33]; -1 when it is neither or all zeros. */
static int trace_id(const char *arg, char out[33])
{
	size_t n = strlen(arg), i;
	bool zero = true;

	if (n == 55 && arg[2] == '-' && arg[35] == '-' && arg[52] == '-')
		arg += 3;
	else if (n != 32)
		return -1;
	for (i = 0; i < 32; i++) {
		if (!isxdigit((unsigned char)arg[i]))
			return -1;
		out[i] = (char)tolower((unsigned char)arg[i]);
		zero = zero && arg[i] == '0';
	}
	out[32] = '\0';
	return zero ? -1 : 0;
}

/* Flags before, between and after the FILEs, which go to files[]. */
static int parse_args(int argc, char **argv, const char **files, size_t *n)
{
	bool dashdash = false;
	int ind = 1, rc;

	opts.window_ms = WINDOW_MS_DEFAULT;
	while (ind < argc) {
		if (!dashdash) {
			rc = cli_flags_parse("logs", logs_flags, argc, argv,
					     &ind, &dashdash);
			if (rc)
				return rc;
			if (ind >= argc)
				break;
		}
		files[(*n)++] = argv[ind++];
	}
	if (!opts.trace) {
		cli_usage_error("logs", "missing --trace ID");
		return -1;
	}
	if (opts.color && strcmp(opts.color, "auto") &&
	    strcmp(opts.color, "always") && strcmp(opts.color, "never")) {
		cli_usage_error("logs",
				"--color wants auto, always or never, not '%s'",
				opts.color);
		return -1;
	}
	return 0;
}

/* The service a file stands for: its name up to the first dot. */
static const char *service_of(const char *path, char *buf, size_t cap)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	snprintf(buf, cap, "%.*s", (int)strcspn(base, "."), base);
	return buf;
}

static bool use_color(void)
{
	const char *term = getenv("TERM"), *no = getenv("NO_COLOR");

	if (opts.color && strcmp(opts.color, "auto"))
		return !strcmp(opts.color, "always");
	return isatty(STDOUT_FILENO) && !(no && *no) &&
	       !(term && !strcmp(term, "dumb"));
}

/* Opens every input before reading any: a mistyped name is reported
 * before pages of output. */
static int open_inputs(struct logs_merge *m, const char **files, size_t n,
		       char (*names)[64])
{
	struct logs_input *in;
	bool std;
	int fd;
	size_t i;

	for (i = 0; i < n; i++) {
		in = &m->inputs[m->ninputs];
		std = !strcmp(files[i], "-");
		fd = std ? STDIN_FILENO : open(files[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "triage logs: cannot open %s: %s\n",
				files[i], strerror(errno));
			return -1;
		}
		in->path = files[i];
		in->service = std ? "" : service_of(files[i], names[i], 64);
		if (logs_reader_init(&in->reader, fd)) {
			if (!std)
				close(fd);
			fprintf(stderr, "triage logs: out of memory\n");
			return -1;
		}
		m->ninputs++;
	}
	return 0;
}

static void close_inputs(struct logs_merge *m)
{
	size_t i;

	for (i = 0; i < m->ninputs; i++) {
		if (m->inputs[i].reader.fd != STDIN_FILENO)
			close(m->inputs[i].reader.fd);
		logs_reader_free(&m->inputs[i].reader);
	}
}

/* What was skipped, on stderr, so that a short answer is explained;
 * after a failed read, only that failure is said. */
static void report_counts(const struct logs_merge *m, bool failed)
{
	const struct logs_counts *c = &m->counts;

	if (c->not_json)
		fprintf(stderr,
			"triage logs: skipped %" PRIu64
			" line%s that %s not JSON\n",
			c->not_json, c->not_json == 1 ? "" : "s",
			c->not_json == 1 ? "is" : "are");
	if (c->too_long)
		fprintf(stderr,
			"triage logs: skipped %" PRIu64
			" lines longer than %d bytes\n",
			c->too_long, LOGS_LINE_MAX);
	if (c->no_time)
		fprintf(stderr,
			"triage logs: skipped %" PRIu64
			" lines of the trace without a valid @timestamp\n",
			c->no_time);
	if (c->late)
		fprintf(stderr,
			"triage logs: %" PRIu64
			" lines came more than --window %d ms out of "
			"order and are shown late\n",
			c->late, opts.window_ms);
	if (m->spans.dropped_lines)
		fprintf(stderr,
			"triage logs: more than %d spans; %" PRIu64
			" lines shown without nesting\n",
			LOGS_SPANS_MAX, m->spans.dropped_lines);
	if (!c->kept && !failed)
		fprintf(stderr,
			"triage logs: no line of trace %s among %" PRIu64
			" line%s read\n",
			m->trace, c->lines, c->lines == 1 ? "" : "s");
}

/* Reads, merges and shows; returns the exit status. */
static int show(struct logs_merge *m)
{
	struct logs_render r = {.out = stdout, .color = use_color()};
	int rc;

	rc = logs_merge_run(
	    m, opts.json ? logs_render_json_line : logs_render_line, &r);
	if (rc < 0)
		fprintf(stderr, "triage logs: reading %s: %s\n",
			m->failed ? m->failed->path : "input", strerror(-rc));
	if (rc == 0 && m->counts.kept) {
		if (opts.json)
			logs_render_json_summary(&r, m);
		else
			logs_render_summary(&r, m);
	}
	free(r.buf);
	report_counts(m, rc < 0);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "triage logs: writing: %s\n", strerror(errno));
		return CLI_FAIL;
	}
	return rc || !m->counts.kept ? CLI_FAIL : 0;
}

int cmd_logs(int argc, char **argv)
{
	struct logs_merge m = {0};
	const char **files = calloc((size_t)argc + 1, sizeof(*files));
	char(*names)[64] = calloc((size_t)argc + 1, sizeof(*names));
	size_t nfiles = 0;
	int rc;

	m.inputs = calloc((size_t)argc + 1, sizeof(*m.inputs));
	if (!files || !names || !m.inputs) {
		rc = CLI_FAIL;
		goto out;
	}
	rc = parse_args(argc, argv, files, &nfiles);
	if (rc == CLI_FLAGS_HELP) {
		usage(stdout);
		rc = 0;
		goto out;
	}
	if (rc || trace_id(opts.trace, m.trace)) {
		if (!rc)
			cli_usage_error("logs",
					"--trace wants 32 hex digits (not all "
					"zero) or a traceparent, not '%s'",
					opts.trace);
		rc = CLI_USAGE;
		goto out;
	}
	if (!nfiles)
		files[nfiles++] = "-";
	m.window_us = (int64_t)opts.window_ms * 1000;
	logs_spans_init(&m.spans);
	rc = open_inputs(&m, files, nfiles, names) ? CLI_FAIL : show(&m);
	close_inputs(&m);
	logs_merge_free(&m);
out:
	free(files);
	free(names);
	free(m.inputs);
	return rc;
}
