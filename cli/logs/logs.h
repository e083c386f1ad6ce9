/*
 * logs.h - the parts of `triage logs`: a scanner for one JSON log line,
 * a bounded line reader, the table of a trace's spans, the time-ordered
 * merge of several files, and the two outputs (text and JSON).
 *
 * Nothing here holds more than a bounded amount per input or per span:
 * a trace has few spans and few lines, a log file may have billions.
 */
#ifndef TRIAGE_CLI_LOGS_H
#define TRIAGE_CLI_LOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- one line (line.c, timestamp.c) ---- */

/* A JSON string as it stands in the line, between its quotes: still
 * escaped when `escaped`. `p` is NULL when the key is absent. */
struct logs_str {
	const char *p;
	uint32_t n; /* a line is at most LOGS_LINE_MAX bytes */
	bool escaped;
};

/* A member that is none of the standard keys, in line order. A string
 * value points between its quotes; any other value is its JSON text. */
struct logs_field {
	struct logs_str key;
	struct logs_str val;
	bool is_str;
};

#define LOGS_FIELDS_MAX 32

/* What `triage logs` needs of one line; every pointer is into the line. */
struct logs_line {
	int64_t time_us; /* @timestamp in microseconds since 1970, UTC */
	bool has_time;
	bool has_error; /* an "error" member that is not false/null/"" */
	struct logs_str timestamp, level, content, trace, span, parent;
	struct logs_str service, caller;
	struct logs_str span_name, kind, duration, error; /* span end */
	struct logs_field fields[LOGS_FIELDS_MAX];
	unsigned nfields, fields_dropped;
};

/*
 * Scans `n` bytes (no newline; a trailing \r or blanks are allowed) as
 * one JSON object and fills `out` from its top-level members. The whole
 * line is validated as JSON (strings, escapes, numbers, nesting up to
 * LOGS_NESTING_MAX); a duplicate standard key keeps its first value.
 * Returns 0, or -1 when the line is not one JSON object.
 */
#define LOGS_NESTING_MAX 64
int logs_line_parse(const char *s, size_t n, struct logs_line *out);

/* True when the string equals the NUL-ended `lit` byte for byte. */
bool logs_str_is(const struct logs_str *s, const char *lit);

/*
 * Writes `s` decoded for a reader into `out` (at most `cap` bytes with
 * the NUL): escapes become their characters, except control characters,
 * which stay written as \n, \t or \u00XX so that no log line can drive
 * the terminal. Returns the length written (cut at a character).
 */
size_t logs_str_decode(const struct logs_str *s, char *out, size_t cap);

/* The line is an error: level error (or go-zero's fatal, severe,
 * alert), or an "error" member. */
bool logs_line_is_error(const struct logs_line *l);

/*
 * Parses an RFC 3339 time, 2026-12-04T08:12:03.123Z or ...+08:00 (Go's
 * 2006-01-02T15:04:05.000Z07:00, with 0 to 9 fraction digits), into
 * microseconds since 1970 UTC. Returns 0 or -1.
 */
int logs_time_parse(const char *s, size_t n, int64_t *us);

/* Writes `us` as 2026-12-04T08:12:03.123456Z into out[64]. */
#define LOGS_TIME_TEXT 64
void logs_time_format(int64_t us, char out[LOGS_TIME_TEXT]);

/*
 * Parses a Go duration such as go-zero's "12.3ms" ("ns", "us", "µs",
 * "ms", "s", "m", "h"; several parts like "1m2.5s") into microseconds.
 * Returns 0 or -1.
 */
int logs_duration_parse(const char *s, size_t n, double *us);

/* ---- reading lines (reader.c) ---- */

/* Longest line kept; a longer one is skipped and counted. */
#define LOGS_LINE_MAX (1 << 20)

struct logs_reader {
	int fd;
	char *buf;
	size_t cap, start, end;
	bool eof, skipping;
	uint64_t too_long; /* lines longer than LOGS_LINE_MAX */
};

/* Reads from `fd` (not closed by the reader). Returns 0 or -ENOMEM. */
int logs_reader_init(struct logs_reader *r, int fd);
void logs_reader_free(struct logs_reader *r);

/*
 * The next line without its newline, valid until the next call.
 * Returns 1 with a line, 0 at the end, or a negative errno.
 */
int logs_reader_next(struct logs_reader *r, const char **line, size_t *len);

/* ---- the spans of one trace (spans.c) ---- */

/* Spans remembered per trace; lines of further spans count as spanless. */
#define LOGS_SPANS_MAX 65536

struct logs_span {
	uint64_t id, parent;
	bool has_parent;
	unsigned lines; /* 0: known only as some span's parent */
	int64_t first_us, last_us;
	bool has_end, error;
	double end_us; /* duration from the "span end" line */
	char service[48], name[64], kind[16], error_msg[160];
	uint32_t order; /* when first seen */
	/* Filled by logs_spans_tree(). */
	int tree_depth;
	struct logs_span *tree_next, *child, *sibling;
	bool listed;
};

struct logs_spans {
	struct logs_span **slots; /* open addressing on the id */
	size_t cap, count;
	uint64_t dropped_lines; /* lines of spans beyond LOGS_SPANS_MAX */
};

void logs_spans_init(struct logs_spans *t);
void logs_spans_free(struct logs_spans *t);

/*
 * Accounts one line of the trace to its span, creating the span (and a
 * placeholder for a parent not seen yet). `service` is used when the
 * line has none.
 */
void logs_spans_add(struct logs_spans *t, const struct logs_line *l,
		    const char *service);

/*
 * The nesting of span `id` as known now: how many of its ancestors have
 * lines (a caller known only by ID, outside these logs, adds none).
 */
int logs_spans_depth(const struct logs_spans *t, uint64_t id);

/* Span `id` is `anc` or one of its descendants. */
bool logs_spans_within(const struct logs_spans *t, uint64_t id, uint64_t anc);

/*
 * Span `top` is a proper ancestor of `id`: *branch is then the child of
 * `top` on the way up from `id` (maybe `id` itself).
 */
bool logs_spans_branch(const struct logs_spans *t, uint64_t id, uint64_t top,
		       uint64_t *branch);

/*
 * Links the spans depth first (roots, then each span's children, each
 * level by start time), with each span's depth in the whole tree, and
 * returns the first one; NULL when there is none.
 */
struct logs_span *logs_spans_tree(struct logs_spans *t);

/* Parses 16 hex digits; returns 0 or -1. */
int logs_span_id_parse(const struct logs_str *s, uint64_t *id);

/* ---- the merge (merge.c) ---- */

/* One line of the trace waiting for its turn. */
struct logs_pending {
	int64_t time_us;
	uint64_t seq; /* read order within its input */
	uint64_t span;
	bool has_span, span_end;
	int depth; /* set when it goes out */
	size_t len;
	char text[]; /* the line, NUL-ended */
};

struct logs_input {
	const char *path;    /* "-" for stdin */
	const char *service; /* from the file name, for lines without one */
	struct logs_reader reader;
	int64_t watermark; /* latest time read from this input */
	bool done;
	struct logs_pending **heap; /* the trace's lines read, not shown */
	size_t nheap, capheap;
	uint64_t seq;
	uint64_t last_span; /* of the last line shown */
	bool has_last_span;
	uint64_t lines, not_json, no_time;
};

struct logs_counts {
	uint64_t lines, kept, not_json, no_time, too_long, late;
};

/* Called for each line of the trace, in time order; returns 0, or a
 * positive value that stops the merge (the output failed). */
typedef int (*logs_emit_fn)(void *ctx, const struct logs_input *in,
			    const struct logs_pending *p);

struct logs_merge {
	struct logs_input *inputs;
	size_t ninputs;
	char trace[33];	   /* the trace wanted, lowercase hex */
	int64_t window_us; /* how far lines of one input may be out of order */
	size_t pending_bytes;
	const struct logs_input *failed; /* the input a read failed on */
	int64_t last_emitted;
	bool emitted_any;
	struct logs_spans spans;
	struct logs_counts counts;
};

/* Lines of the trace held back at most (bytes); past it, the oldest
 * goes out even if its window has not passed. */
#define LOGS_PENDING_MAX (32u << 20)

/*
 * Merges the inputs (opened, readers initialised) by @timestamp, calling
 * `emit` for every line of `m->trace`. Within an input, lines may be out
 * of order by up to `m->window_us`: a line is shown once every other
 * input has reached its time plus the window (or ended). Equal times in
 * different inputs go parent before child, and a child's "span end"
 * before its parent's. Returns 0, the first nonzero value of `emit`, or
 * a negative errno from reading (m->failed says which input).
 */
int logs_merge_run(struct logs_merge *m, logs_emit_fn emit, void *ctx);
void logs_merge_free(struct logs_merge *m);

/* ---- output (render.c, render_json.c) ---- */

struct logs_render {
	FILE *out;
	bool color;
	char *buf; /* decoded strings */
	size_t bufcap;
	char scratch[4096];
};

int logs_render_line(void *ctx, const struct logs_input *in,
		     const struct logs_pending *p);
void logs_render_summary(struct logs_render *r, struct logs_merge *m);

int logs_render_json_line(void *ctx, const struct logs_input *in,
			  const struct logs_pending *p);
void logs_render_json_summary(struct logs_render *r, struct logs_merge *m);

/* Writes `s` as a JSON string, quotes included. */
void logs_json_string(FILE *out, const char *s);

#endif
