/*
 * test_thread_text.c - the text forms of a thread dump, byte for byte:
 * Go's count profile (debug=1) with its sort order, offsets and the
 * stackless records, and the per-thread traceback (debug=2) with its
 * header, inlined frames, unknown code, "created by" and the reasons a
 * thread has no stack. Names come from a fake resolver.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thread_text.h"

/* The fake program: three functions, one with an inlined callee. */
static int fake_frames(void *ctx, uint64_t pc, struct tsym_frame *out, int max)
{
	static const struct tsym_frame leaf = {
	    "wait_here", "wait_here", "/src/w.c", 10, 8, 0x1000};
	static const struct tsym_frame inner = {"inner", "inner", "/src/m.c",
						5,	 4,	  0x2000};
	static const struct tsym_frame outer = {"outer", "outer", "/src/m.c",
						20,	 18,	  0x2000};
	static const struct tsym_frame bare = {"no_lines", "no_lines", "",
					       0,	   0,	       0x3000};

	if (pc >= 0x1000 && pc < 0x1100) {
		out[0] = leaf;
		return 1;
	}
	if (pc >= 0x2000 && pc < 0x2100 && max >= 2) {
		out[0] = inner;
		out[1] = outer;
		return 2;
	}
	if (pc >= 0x3000 && pc < 0x3100) {
		out[0] = bare;
		return 1;
	}
	return 0;
}

static const char *fake_module(void *ctx, uint64_t pc, uint64_t *offset)
{
	if (pc < 0x9000)
		return NULL;
	*offset = pc - 0x9000 + 0x100;
	return "/lib/libx.so";
}

static const struct tdump_resolver resolver = {fake_frames, fake_module, NULL};

static void count_profile(void **state)
{
	static const uint64_t a[] = {0x1010, 0x2021, 0x9051};
	static const uint64_t b[] = {0x3008};
	struct tdump_record recs[] = {
	    {1, 1, b, NULL},
	    {2, 0, NULL, "did not answer in 1000 ms [disk sleep]"},
	    {5, 3, a, NULL},
	};
	struct tdump_text t = {0};

	tdump_write_count(&t, "threads", 8, recs, 3, true, &resolver);
	assert_false(t.failed);
	assert_string_equal(
	    t.buf,
	    "threads profile: total 8\n"
	    "5 @ 0x1010 0x2021 0x9051\n"
	    "#\t0x1010\twait_here+0x10\t/src/w.c:10\n"
	    "#\t0x2020\tinner+0x20\t/src/m.c:5\n"
	    "#\t0x2020\touter+0x20\t/src/m.c:20\n"
	    "#\t0x9050\t/lib/libx.so+0x150\n"
	    "\n"
	    "1 @ 0x3008\n"
	    "#\t0x3008\tno_lines+0x8\t?\n"
	    "\n"
	    "# 2 without a stack: did not answer in 1000 ms [disk sleep]\n"
	    "\n");
	free(t.buf);
}

/* Equal counts: by stack; a creation stack's every pc is a return. */
static void count_ties_and_returns(void **state)
{
	static const uint64_t a[] = {0x2011};
	static const uint64_t b[] = {0x1011};
	struct tdump_record recs[] = {{3, 1, a, NULL}, {3, 1, b, NULL}};
	struct tdump_text t = {0};

	tdump_write_count(&t, "threadcreate", 6, recs, 2, false, &resolver);
	assert_string_equal(t.buf, "threadcreate profile: total 6\n"
				   "3 @ 0x1011\n"
				   "#\t0x1010\twait_here+0x10\t/src/w.c:10\n"
				   "\n"
				   "3 @ 0x2011\n"
				   "#\t0x2010\tinner+0x10\t/src/m.c:5\n"
				   "#\t0x2010\touter+0x10\t/src/m.c:20\n"
				   "\n");
	free(t.buf);
}

static void one_thread(void **state)
{
	static const uint64_t pcs[] = {0x1010, 0x2021, 0x9051};
	static const uint64_t creator[] = {0x3011};
	struct tdump_thread th = {
	    .tid = 4250,
	    .task = {'S', "keep\"er]", 0, 0, 202, "futex_wait_queue"},
	    .outcome = TDUMP_STACK,
	    .depth = 3,
	    .pcs = pcs,
	};
	struct tdump_text t = {0};

	tdump_write_thread(&t, "thread", &th, 1000, creator, 1, &resolver);
	assert_string_equal(
	    t.buf,
	    "thread 4250 [sleeping, syscall futex, wchan futex_wait_queue, "
	    "name \"keep\\x22er\\x5d\"]:\n"
	    "wait_here(...)\n"
	    "\t/src/w.c:10 +0x10\n"
	    "inner(...)\n"
	    "\t/src/m.c:5\n"
	    "outer(...)\n"
	    "\t/src/m.c:20 +0x21\n"
	    "?(...)\n"
	    "\t/lib/libx.so +0x151\n"
	    "created by no_lines\n"
	    "\t? +0x11\n"
	    "\n");
	free(t.buf);
}

static void threads_without_stacks(void **state)
{
	struct tdump_thread th = {
	    .tid = 7,
	    .task = {'D', "vforker", 0, 0, -1, ""},
	    .outcome = TDUMP_NO_ANSWER,
	};
	struct tdump_text t = {0};

	tdump_write_thread(&t, "goroutine", &th, 250, NULL, 0, &resolver);
	th.outcome = TDUMP_BLOCKED;
	th.task.state = 'S';
	th.task.syscall = 999;
	tdump_write_thread(&t, "thread", &th, 250, NULL, 0, &resolver);
	assert_string_equal(t.buf,
			    "goroutine 7 [disk sleep, name \"vforker\"]:\n"
			    "no stack: did not answer in 250 ms\n"
			    "\n"
			    "thread 7 [sleeping, syscall 999, name "
			    "\"vforker\"]:\n"
			    "no stack: blocks the dump signal\n"
			    "\n");
	free(t.buf);
}

static void deep_stacks_are_elided(void **state)
{
	uint64_t pcs[TDUMP_MAX_DEPTH];
	struct tdump_thread th = {.tid = 1,
				  .task = {.state = 'R', .name = "spin"},
				  .outcome = TDUMP_STACK,
				  .depth = TDUMP_MAX_DEPTH,
				  .pcs = pcs};
	struct tdump_text t = {0};
	int i;

	for (i = 0; i < TDUMP_MAX_DEPTH; i++)
		pcs[i] = 0x1011;
	th.task.syscall = TDUMP_SYSCALL_RUNNING;
	tdump_write_thread(&t, "thread", &th, 1000, NULL, 0, &resolver);
	assert_non_null(strstr(t.buf, "thread 1 [running, name \"spin\"]:\n"
				      "wait_here(...)\n"));
	assert_non_null(strstr(t.buf, "\t/src/w.c:10 +0x11\n"
				      "...additional frames elided...\n\n"));
	free(t.buf);
}

static void state_texts(void **state)
{
	struct tdump_task task = {'t', "", 0, 0, TDUMP_SYSCALL_UNKNOWN, ""};
	char buf[64], tiny[8];

	assert_string_equal(tdump_state_text(&task, buf, sizeof(buf)),
			    "tracing stop");
	task.state = 'Q';
	task.syscall = 0;
	snprintf(task.wchan, sizeof(task.wchan), "pipe_read");
	assert_string_equal(tdump_state_text(&task, buf, sizeof(buf)),
			    "state Q, syscall read, wchan pipe_read");
	/* Cut, never overrun. */
	assert_string_equal(tdump_state_text(&task, tiny, sizeof(tiny)),
			    "state Q");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(count_profile),
	    cmocka_unit_test(count_ties_and_returns),
	    cmocka_unit_test(one_thread),
	    cmocka_unit_test(threads_without_stacks),
	    cmocka_unit_test(deep_stacks_are_elided),
	    cmocka_unit_test(state_texts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
