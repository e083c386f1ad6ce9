/*
 * thread_proc.h - what the kernel says of one thread of this process,
 * from /proc/self/task/TID (internal): its state, name, signal masks,
 * current system call and where it sleeps in the kernel.
 *
 * The thread dump reads it before it signals a thread (the signal wakes
 * the thread, so the state seen afterwards would be the handler's) and
 * for the threads that never answer. The parsers take the files' text,
 * so the tests and the fuzzer can feed them anything.
 */
#ifndef TRIAGE_AGENT_THREAD_PROC_H
#define TRIAGE_AGENT_THREAD_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Values of tdump_task.syscall besides a system call's number. */
#define TDUMP_SYSCALL_NONE (-1)    /* blocked outside a system call */
#define TDUMP_SYSCALL_RUNNING (-2) /* on a CPU: the kernel will not say */
#define TDUMP_SYSCALL_UNKNOWN (-3) /* not read, or unreadable */
/* The largest system call number the parser takes. */
#define TDUMP_SYSCALL_MAX 100000

struct tdump_task {
	char state;	      /* the letter of "State:", '?' when unknown */
	char name[16];	      /* "Name:" as the kernel escapes it */
	uint64_t sig_pending; /* SigPnd: pending for this thread only */
	uint64_t sig_blocked; /* SigBlk: bit N-1 is signal N */
	long syscall;	      /* a number, or a TDUMP_SYSCALL_* value */
	char wchan[64];	      /* kernel function it sleeps in, or "" */
};

/*
 * Parses the text of /proc/.../status (`len` bytes, NUL not needed) into
 * the state, name and masks of `t`, leaving the other fields alone.
 * Returns 0, or TRIAGE_EFORMAT when "State:" is missing or malformed or
 * a mask is not hexadecimal. Fields absent from the text keep "" or 0.
 */
int tdump_parse_status(const char *text, size_t len, struct tdump_task *t);

/*
 * Parses the text of /proc/.../syscall: "running", "-1 SP PC" (blocked
 * outside a system call) or "NR ARG1 .. ARG6 SP PC". Returns 0 with the
 * number or a TDUMP_SYSCALL_* value in `*nr`, or TRIAGE_EFORMAT.
 */
int tdump_parse_syscall(const char *text, size_t len, long *nr);

/*
 * Parses the text of /proc/.../wchan into `buf` (at most `size` bytes
 * with the NUL): the symbol, or "" for "0" or nothing. Returns 0, or
 * TRIAGE_EFORMAT for text that is not one symbol name.
 */
int tdump_parse_wchan(const char *text, size_t len, char *buf, size_t size);

/* The kernel's word for a state letter ("sleeping" for 'S'), or NULL. */
const char *tdump_state_words(char letter);

/* The x86_64 name of a common system call ("futex"), or NULL. */
const char *tdump_syscall_name(long nr);

/*
 * Reads /proc/self/task/TID/status into `t`, and with `details` its
 * syscall and wchan files too (else syscall is TDUMP_SYSCALL_UNKNOWN and
 * wchan ""). Returns 0, TRIAGE_ESYS when the thread is gone, or
 * TRIAGE_EFORMAT.
 */
int tdump_read_task(pid_t tid, bool details, struct tdump_task *t);

/* Reads the syscall and wchan files into `t` (a detail read later). */
void tdump_read_task_details(pid_t tid, struct tdump_task *t);

#endif
