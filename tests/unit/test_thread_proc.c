/*
 * test_thread_proc.c - the parsers of /proc/self/task/TID: status,
 * syscall and wchan, on the kernel's own text and on malformed text;
 * the state and system call names; and a read of this very thread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "thread_proc.h"
#include "threads.h"
#include "triage.h"

#define LEN(s) (sizeof(s) - 1)

static const char status_text[] = "Name:\tparked-cond\n"
				  "Umask:\t0022\n"
				  "State:\tS (sleeping)\n"
				  "Tgid:\t4242\n"
				  "Pid:\t4250\n"
				  "SigQ:\t1/95413\n"
				  "SigPnd:\t0000000000000000\n"
				  "ShdPnd:\t0000000000000000\n"
				  "SigBlk:\t0000000000000004\n"
				  "SigIgn:\t0000000000001000\n"
				  "SigCgt:\t0000000100000000\n";

static void status_of_a_sleeping_thread(void **state)
{
	struct tdump_task t;

	assert_int_equal(tdump_parse_status(status_text, LEN(status_text), &t),
			 0);
	assert_int_equal(t.state, 'S');
	assert_string_equal(t.name, "parked-cond");
	assert_int_equal(t.sig_pending, 0);
	assert_int_equal(t.sig_blocked, 4); /* SIGQUIT, bit 3 - 1 */
}

static void status_pending_and_masks(void **state)
{
	static const char text[] = "State:\tD (disk sleep)\n"
				   "SigPnd:\t0000001000000000\n"
				   "SigBlk:\tFFFFFFFE7FFBFEFF";
	struct tdump_task t;

	assert_int_equal(tdump_parse_status(text, LEN(text), &t), 0);
	assert_int_equal(t.state, 'D');
	assert_string_equal(t.name, "");
	assert_true(t.sig_pending == 1ull << 36); /* signal 37 */
	assert_true(t.sig_blocked == 0xfffffffe7ffbfeffull);
}

static void status_name_is_cut_to_fifteen(void **state)
{
	static const char text[] = "Name:\tabcdefghijklmnopqrstuvwxyz\n"
				   "State:\tR (running)\n";
	struct tdump_task t;

	assert_int_equal(tdump_parse_status(text, LEN(text), &t), 0);
	assert_string_equal(t.name, "abcdefghijklmno");
}

static void status_malformed(void **state)
{
	static const char *const bad[] = {
	    "",
	    "Name:\tx\n",			       /* no State */
	    "State:\t\n",			       /* empty */
	    "State:\t5 (five)\n",		       /* not a letter */
	    "State:\tSS (sleeping)\n",		       /* two letters */
	    "State:\tS\nSigBlk:\txyz\n",	       /* not hex */
	    "State:\tS\nSigPnd:\t\n",		       /* empty mask */
	    "State:\tS\nSigBlk:\t00000000000000000\n", /* 17 digits */
	    "Statement:\tS\n",			       /* another key */
	};
	struct tdump_task t;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = tdump_parse_status(bad[i], strlen(bad[i]), &t);

		if (rc != TRIAGE_EFORMAT)
			fail_msg("'%s': %d, not TRIAGE_EFORMAT", bad[i], rc);
	}
}

static void status_stops_at_len(void **state)
{
	/* "State" lies past the length given: not seen. */
	static const char text[] = "Name:\tx\nState:\tS\n";
	struct tdump_task t;

	assert_int_equal(tdump_parse_status(text, 8, &t), TRIAGE_EFORMAT);
}

static void syscall_forms(void **state)
{
	long nr = 0;

	assert_int_equal(tdump_parse_syscall("running\n", 8, &nr), 0);
	assert_int_equal(nr, TDUMP_SYSCALL_RUNNING);
	assert_int_equal(tdump_parse_syscall("-1 0x7ffd 0x7f12\n", 17, &nr), 0);
	assert_int_equal(nr, TDUMP_SYSCALL_NONE);
	static const char futex[] =
	    "202 0x55d0 0x80 0x0 0x0 0x0 0x0 0x7ffd 0x7f12\n";
	assert_int_equal(tdump_parse_syscall(futex, LEN(futex), &nr), 0);
	assert_int_equal(nr, 202);
	assert_int_equal(tdump_parse_syscall("0", 1, &nr), 0);
	assert_int_equal(nr, 0);
}

static void syscall_malformed(void **state)
{
	static const char *const bad[] = {
	    "",	    "\n",	  "runnin",   "running!",	 "abc",
	    "-",    "-2 0x1 0x2", "202x 0x1", "12345678901 0x1", "100001 0x1",
	    " 202", "+202",
	};
	size_t i;
	long nr;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = tdump_parse_syscall(bad[i], strlen(bad[i]), &nr);

		if (rc != TRIAGE_EFORMAT)
			fail_msg("'%s': %d, not TRIAGE_EFORMAT", bad[i], rc);
	}
}

static void wchan_forms(void **state)
{
	char buf[16];

	assert_int_equal(tdump_parse_wchan("0", 1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(tdump_parse_wchan("", 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(
	    tdump_parse_wchan("do_epoll_wait\n", 14, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "do_epoll_wait");
	/* Cut to the buffer, never past it. */
	assert_int_equal(tdump_parse_wchan("poll_schedule_timeout.constprop.0",
					   33, buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "poll_schedule_t");
	assert_int_equal(tdump_parse_wchan("a b", 3, buf, sizeof(buf)),
			 TRIAGE_EFORMAT);
	assert_int_equal(tdump_parse_wchan("x\ny", 3, buf, sizeof(buf)),
			 TRIAGE_EFORMAT);
}

static void names(void **state)
{
	assert_string_equal(tdump_state_words('S'), "sleeping");
	assert_string_equal(tdump_state_words('D'), "disk sleep");
	assert_string_equal(tdump_state_words('t'), "tracing stop");
	assert_null(tdump_state_words('Q'));
	assert_string_equal(tdump_syscall_name(SYS_futex), "futex");
	assert_string_equal(tdump_syscall_name(SYS_read), "read");
	assert_string_equal(tdump_syscall_name(SYS_epoll_wait), "epoll_wait");
	assert_string_equal(tdump_syscall_name(SYS_vfork), "vfork");
	assert_null(tdump_syscall_name(-1));
	assert_null(tdump_syscall_name(99999));
}

/* This thread, read while it runs: running, its own name, and inside
 * read(), of its own syscall file. */
static void read_this_thread(void **state)
{
	struct tdump_task t;

	prctl(PR_SET_NAME, "proc-test", 0, 0, 0);
	assert_int_equal(tdump_read_task(thr_gettid(), true, &t), 0);
	assert_int_equal(t.state, 'R');
	assert_string_equal(t.name, "proc-test");
	assert_int_equal(t.syscall, SYS_read);
	assert_int_equal(tdump_read_task(0x7ffffff0, false, &t), TRIAGE_ESYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(status_of_a_sleeping_thread),
	    cmocka_unit_test(status_pending_and_masks),
	    cmocka_unit_test(status_name_is_cut_to_fifteen),
	    cmocka_unit_test(status_malformed),
	    cmocka_unit_test(status_stops_at_len),
	    cmocka_unit_test(syscall_forms),
	    cmocka_unit_test(syscall_malformed),
	    cmocka_unit_test(wchan_forms),
	    cmocka_unit_test(names),
	    cmocka_unit_test(read_this_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
