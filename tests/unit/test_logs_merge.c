/*
 * test_logs_merge.c - the merge of `triage logs` (cli/logs/merge.c), its
 * line reader (reader.c) and span table (spans.c), on small files
 * written by the test: time order across files and within the window,
 * ties at the same millisecond, lines out of the window, long lines,
 * and the tree of spans with the time of each hop.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "logs.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TRACE "4bf92f3577b34da6a3ce929d0e0e4736"
#define OTHER "0af7651916cd43dd8448eb211c80319c"
#define MAX_INPUTS 4
#define MAX_OUT 64

struct collected {
	char rows[MAX_OUT][96]; /* "service:content:depth" */
	size_t n;
};

/* A file holding `text`, opened for reading at its start. */
static int file_of(const char *text)
{
	char path[] = "/tmp/test_logs_merge.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static int collect(void *ctx, const struct logs_input *in,
		   const struct logs_pending *p)
{
	struct collected *c = ctx;
	struct logs_line l;
	char content[64];

	assert_int_equal(logs_line_parse(p->text, p->len, &l), 0);
	logs_str_decode(&l.content, content, sizeof(content));
	assert_true(c->n < MAX_OUT);
	snprintf(c->rows[c->n++], sizeof(c->rows[0]), "%s:%s:%d", in->service,
		 content, p->depth);
	return 0;
}

/* Merges the NULL-ended file texts (services a, b, c...) with a window
 * of `window_ms`; the merge is left for the caller to inspect and free. */
static void merge(struct logs_merge *m, struct logs_input *inputs,
		  const char *const *texts, int window_ms, struct collected *c)
{
	static const char *const names[] = {"a", "b", "c", "d"};
	size_t i;

	memset(m, 0, sizeof(*m));
	memset(inputs, 0, MAX_INPUTS * sizeof(*inputs));
	memset(c, 0, sizeof(*c));
	m->inputs = inputs;
	for (i = 0; texts[i]; i++) {
		inputs[i].path = names[i];
		inputs[i].service = names[i];
		assert_int_equal(
		    logs_reader_init(&inputs[i].reader, file_of(texts[i])), 0);
	}
	m->ninputs = i;
	memcpy(m->trace, TRACE, 33);
	m->window_us = window_ms * 1000LL;
	logs_spans_init(&m->spans);
	assert_int_equal(logs_merge_run(m, collect, c), 0);
}

static void done(struct logs_merge *m)
{
	size_t i;

	for (i = 0; i < m->ninputs; i++) {
		close(m->inputs[i].reader.fd);
		logs_reader_free(&m->inputs[i].reader);
	}
	logs_merge_free(m);
}

/* A line of the trace at 08:00:00.`ms`, in `span` under `parent`. */
#define LINE(ms, content, span, parent)                                        \
	"{\"@timestamp\":\"2026-12-04T08:00:00." ms "Z\",\"level\":\"info\","  \
	"\"content\":\"" content "\",\"trace\":\"" TRACE "\",\"span\":\"" span \
	"\"" parent "}\n"
#define UNDER(p) ",\"parent\":\"" p "\""
#define OTHER_LINE(ms)                                                         \
	"{\"@timestamp\":\"2026-12-04T08:00:00." ms "Z\",\"level\":\"info\","  \
	"\"content\":\"x\",\"trace\":\"" OTHER "\"}\n"
#define S1 "0000000000000001"
#define S2 "0000000000000002"
#define S3 "0000000000000003"

static void assert_rows(const struct collected *c, const char *const *want)
{
	size_t i;

	for (i = 0; want[i]; i++) {
		if (i >= c->n)
			fail_msg("row %zu missing: want %s", i, want[i]);
		if (strcmp(c->rows[i], want[i]))
			fail_msg("row %zu: %s, want %s", i, c->rows[i],
				 want[i]);
	}
	if (c->n != i)
		fail_msg("%zu rows, want %zu", c->n, i);
}

static void test_two_files_interleave_by_time(void **state)
{
	const char *texts[] = {
	    LINE("100", "a1", S1, "")
		OTHER_LINE("101") "not json\n" LINE("300", "a3", S1, "")
		    LINE("500", "a5", S1, ""),
	    LINE("200", "b2", S2, UNDER(S1)) LINE("400", "b4", S2, UNDER(S1))
		OTHER_LINE("450"),
	    NULL};
	const char *want[] = {"a:a1:0", "b:b2:1", "a:a3:0",
			      "b:b4:1", "a:a5:0", NULL};
	struct logs_input in[MAX_INPUTS];
	struct logs_merge m;
	struct collected c;

	merge(&m, in, texts, 1000, &c);
	assert_rows(&c, want);
	assert_int_equal(m.counts.lines, 8);
	assert_int_equal(m.counts.kept, 5);
	assert_int_equal(m.counts.not_json, 1);
	assert_int_equal(m.counts.late, 0);
	done(&m);
}

static void test_reordering_within_the_window_is_undone(void **state)
{
	const char *texts[] = {LINE("300", "third", S1, "")
				   LINE("100", "first", S1, "")
				       LINE("200", "second", S1, ""),
			       NULL};
	const char *want[] = {"a:first:0", "a:second:0", "a:third:0", NULL};
	struct logs_input in[MAX_INPUTS];
	struct logs_merge m;
	struct collected c;

	merge(&m, in, texts, 250, &c);
	assert_rows(&c, want);
	assert_int_equal(m.counts.late, 0);
	done(&m);
}

/* Beyond the window a line is shown late (after a later one went out),
 * not lost, and counted. */
static void test_a_line_beyond_the_window_is_late(void **state)
{
	const char *texts[] = {
	    LINE("100", "early", S1, "") LINE("300", "mid", S1, "")
		LINE("900", "later", S1, "") LINE("200", "straggler", S1, ""),
	    NULL};
	const char *want[] = {"a:early:0", "a:mid:0", "a:straggler:0",
			      "a:later:0", NULL};
	struct logs_input in[MAX_INPUTS];
	struct logs_merge m;
	struct collected c;

	merge(&m, in, texts, 100, &c);
	assert_rows(&c, want);
	assert_int_equal(m.counts.late, 1);
	done(&m);
}

/* At one millisecond: the caller's line before the callee's, the
 * callee's span end before the caller's; a file keeps its own order. */
static void test_ties_follow_the_call(void **state)
{
	const char *texts[] = {
	    LINE("100", "call", S1, "") LINE("100", "call2", S1, "")
		LINE("200", "span end", S1, "") LINE("200", "after", S1, ""),
	    LINE("100", "serve", S2, UNDER(S1))
		LINE("200", "span end", S2, UNDER(S1)),
	    NULL};
	const char *want[] = {
	    "a:call:0",	    "a:call2:0", "b:serve:1", "b:span end:1",
	    "a:span end:0", "a:after:0", NULL};
	struct logs_input in[MAX_INPUTS];
	struct logs_merge m;
	struct collected c;

	merge(&m, in, texts, 1000, &c);
	assert_rows(&c, want);
	done(&m);
}

/* Without "span end" lines: at one millisecond, a caller's line after
 * its call (back in its own span) goes after the callee's lines. */
static void test_ties_after_a_returned_call(void **state)
{
	const char *texts[] = {LINE("100", "call", S1, "")
				   LINE("100", "calling", S2, UNDER(S1))
				       LINE("100", "after", S1, ""),
			       LINE("100", "serve", S3, UNDER(S2))
				   LINE("100", "served", S3, UNDER(S2)),
			       NULL};
	const char *want[] = {"a:call:0",   "a:calling:1", "b:serve:2",
			      "b:served:2", "a:after:0",   NULL};
	struct logs_input in[MAX_INPUTS];
	struct logs_merge m;
	struct collected c;

	merge(&m, in, texts, 1000, &c);
	assert_rows(&c, want);
	done(&m);
}

/* The callee's lines come first in the files' order, but its parent's
 * first line is within the window: the nesting is right anyway. */
static void test_depth_uses_parents_read_later(void **state)
{
	const char *texts[] = {LINE("100", "root", S1, "")
				   LINE("150", "calling", S2, UNDER(S1)),
			       LINE("120", "child", S3, UNDER(S2)), NULL};
	const char *want[] = {"a:root:0", "b:child:2", "a:calling:1", NULL};
	struct logs_input in[MAX_INPUTS];
	struct logs_merge m;
	struct collected c;

	merge(&m, in, texts, 1000, &c);
	assert_rows(&c, want);
	done(&m);
}

static void test_long_lines_are_skipped_and_counted(void **state)
{
	size_t big = LOGS_LINE_MAX + 10, n;
	char *text = malloc(big + 1024);
	struct logs_input in[MAX_INPUTS];
	const char *texts[2] = {text, NULL};
	const char *want[] = {"a:before:0", "a:after:0", NULL};
	struct logs_merge m;
	struct collected c;

	assert_non_null(text);
	n = (size_t)sprintf(text, LINE("100", "before", S1, ""));
	memset(text + n, 'x', big);
	n += big;
	/* The last line has no newline and ends in \r\n's \r. */
	n += (size_t)sprintf(text + n, "\n" LINE("200", "after", S1, ""));
	text[n - 1] = '\r';
	merge(&m, in, texts, 1000, &c);
	assert_rows(&c, want);
	assert_int_equal(m.counts.too_long, 1);
	assert_int_equal(m.counts.not_json, 0);
	done(&m);
	free(text);
}

static void test_span_tree_and_hop_times(void **state)
{
	const char *texts[] = {
	    LINE(
		"100", "root", S1,
		UNDER("00000000000000ff")) "{\"@timestamp\":\"2026-12-04T08:00:"
					   "00.900Z\",\"level\":"
					   "\"info\",\"content\":\"span "
					   "end\",\"trace\":\"" TRACE
					   "\",\"span\":\"" S1
					   "\",\"parent\":\"00000000000000ff\","
					   "\"span_name\":\"POST "
					   "/report\",\"kind\":\"server\","
					   "\"duration\":\"800.5ms\"}\n",
	    LINE(
		"200", "in", S2,
		UNDER(S1)) "{\"@timestamp\":\"2026-12-04T08:00:00.450Z\","
			   "\"level\":"
			   "\"error\",\"content\":\"failed\",\"trace\":\"" TRACE
			   "\",\"span\":\"" S2 "\",\"parent\":\"" S1 "\","
			   "\"error\":\"disk full\"}\n",
	    NULL};
	struct logs_input in[MAX_INPUTS];
	struct logs_span *s;
	struct logs_merge m;
	struct collected c;

	merge(&m, in, texts, 1000, &c);
	assert_int_equal(m.spans.count, 3);
	s = logs_spans_tree(&m.spans);
	/* The caller outside these logs, known only by ID. */
	assert_non_null(s);
	assert_true(s->id == 0xff);
	assert_int_equal(s->lines, 0);
	assert_int_equal(s->tree_depth, 0);
	s = s->tree_next;
	assert_true(s->id == 1);
	assert_int_equal(s->tree_depth, 1);
	assert_string_equal(s->name, "POST /report");
	assert_string_equal(s->kind, "server");
	assert_string_equal(s->service, "a");
	assert_true(s->has_end && s->end_us == 800500);
	assert_false(s->error);
	s = s->tree_next;
	assert_true(s->id == 2);
	assert_int_equal(s->tree_depth, 2);
	assert_false(s->has_end);
	assert_true(s->last_us - s->first_us == 250000);
	assert_true(s->error);
	assert_string_equal(s->error_msg, "disk full");
	assert_null(s->tree_next);
	done(&m);
}

/* Parents that name each other end neither the tree nor the depth. */
static void test_a_cycle_of_parents_ends(void **state)
{
	const char *texts[] = {LINE("100", "x", S1, UNDER(S2))
				   LINE("200", "y", S2, UNDER(S1)),
			       NULL};
	struct logs_input in[MAX_INPUTS];
	struct logs_span *s;
	struct logs_merge m;
	struct collected c;
	int n = 0;

	merge(&m, in, texts, 1000, &c);
	assert_int_equal(c.n, 2);
	for (s = logs_spans_tree(&m.spans); s; s = s->tree_next)
		n++;
	assert_int_equal(n, 2);
	done(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_two_files_interleave_by_time),
	    cmocka_unit_test(test_reordering_within_the_window_is_undone),
	    cmocka_unit_test(test_a_line_beyond_the_window_is_late),
	    cmocka_unit_test(test_ties_follow_the_call),
	    cmocka_unit_test(test_ties_after_a_returned_call),
	    cmocka_unit_test(test_depth_uses_parents_read_later),
	    cmocka_unit_test(test_long_lines_are_skipped_and_counted),
	    cmocka_unit_test(test_span_tree_and_hop_times),
	    cmocka_unit_test(test_a_cycle_of_parents_ends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
