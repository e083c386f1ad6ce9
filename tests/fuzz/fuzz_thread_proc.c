/*
 * fuzz_thread_proc.c - the parsers of /proc/self/task/TID files on
 * arbitrary bytes: status, syscall and wchan, then the text a dump makes
 * of what they returned.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "thread_proc.h"
#include "thread_text.h"
#include "triage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct tdump_task t;
	char wchan[64], buf[256];
	long nr;

	memset(&t, 0, sizeof(t));
	if (tdump_parse_status(text, size, &t) == 0) {
		if (strlen(t.name) >= sizeof(t.name) || t.state == '?')
			__builtin_trap();
	}
	if (tdump_parse_syscall(text, size, &nr) == 0) {
		if (nr < TDUMP_SYSCALL_RUNNING || nr > TDUMP_SYSCALL_MAX)
			__builtin_trap();
		t.syscall = nr;
	}
	if (tdump_parse_wchan(text, size, wchan, sizeof(wchan)) == 0) {
		if (strlen(wchan) >= sizeof(wchan))
			__builtin_trap();
		memcpy(t.wchan, wchan, sizeof(wchan));
	}
	/* Whatever was parsed must print within its buffer. */
	tdump_state_text(&t, buf, sizeof(buf));
	if (strlen(buf) >= sizeof(buf))
		__builtin_trap();
	return 0;
}
