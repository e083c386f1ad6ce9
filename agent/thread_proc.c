/*
 * thread_proc.c - a thread's state from /proc/self/task/TID (see
 * thread_proc.h).
 *
 * Each file is read whole with one read() into a buffer on the stack and
 * parsed from that text: no stdio, so a dump of ten thousand threads
 * costs three small reads a thread and no allocation.
 */
#include "thread_proc.h"

#include "triage.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The letters of the kernel's task_state_array, with its words. */
static const struct {
	char letter;
	const char *words;
} states[] = {
    {'R', "running"},	  {'S', "sleeping"}, {'D', "disk sleep"},
    {'T', "stopped"},	  {'t', "tracing stop"}, {'X', "dead"},
    {'Z', "zombie"},	  {'P', "parked"},   {'I', "idle"},
    {'W', "waking"},	  {'K', "wakekill"}, {'x', "dead"},
};

/*
 * System calls a blocked thread is commonly found in. The numbers come
 * from <sys/syscall.h>, so the table is right on any architecture; the
 * names that an architecture lacks (open, poll... on arm64) are left out
 * there by their #ifdef.
 */
#define SC(name) {SYS_##name, #name}
static const struct {
	long nr;
	const char *name;
} syscalls[] = {
    SC(read),	     SC(write),		  SC(close),
    SC(ioctl),	     SC(pread64),	  SC(pwrite64),
    SC(readv),	     SC(writev),	  SC(sched_yield),
    SC(nanosleep),   SC(sendfile),	  SC(connect),
    SC(accept),	     SC(sendto),	  SC(recvfrom),
    SC(sendmsg),     SC(recvmsg),	  SC(shutdown),
    SC(clone),	     SC(execve),	  SC(exit),
    SC(wait4),	     SC(semop),		  SC(msgsnd),
    SC(msgrcv),	     SC(fcntl),		  SC(flock),
    SC(fsync),	     SC(fdatasync),	  SC(ftruncate),
    SC(rt_sigtimedwait), SC(rt_sigsuspend), SC(sync),
    SC(futex),	     SC(io_getevents),	  SC(semtimedop),
    SC(clock_nanosleep), SC(exit_group),	  SC(epoll_ctl),
    SC(mq_timedsend), SC(mq_timedreceive), SC(waitid),
    SC(openat),	     SC(pselect6),	  SC(ppoll),
    SC(splice),	     SC(tee),		  SC(epoll_pwait),
    SC(accept4),     SC(preadv),	  SC(pwritev),
    SC(recvmmsg),    SC(syncfs),	  SC(sendmmsg),
    SC(getrandom),   SC(copy_file_range), SC(mmap),
    SC(munmap),	     SC(madvise),	  SC(mprotect),
    SC(brk),	     SC(ptrace),	  SC(kill),
    SC(tgkill),	     SC(getpid),	  SC(gettid),
#ifdef SYS_open
    SC(open),
#endif
#ifdef SYS_poll
    SC(poll),
#endif
#ifdef SYS_select
    SC(select),
#endif
#ifdef SYS_pause
    SC(pause),
#endif
#ifdef SYS_fork
    SC(fork),
#endif
#ifdef SYS_vfork
    SC(vfork),
#endif
#ifdef SYS_epoll_wait
    SC(epoll_wait),
#endif
#ifdef SYS_io_uring_enter
    SC(io_uring_enter),
#endif
#ifdef SYS_epoll_pwait2
    SC(epoll_pwait2),
#endif
#ifdef SYS_clone3
    SC(clone3),
#endif
#ifdef SYS_futex_waitv
    SC(futex_waitv),
#endif
};
#undef SC

const char *tdump_state_words(char letter)
{
	size_t i;

	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (states[i].letter == letter)
			return states[i].words;
	return NULL;
}

const char *tdump_syscall_name(long nr)
{
	size_t i;

	for (i = 0; i < sizeof(syscalls) / sizeof(syscalls[0]); i++)
		if (syscalls[i].nr == nr)
			return syscalls[i].name;
	return NULL;
}

/* The value of the line "key:\tvalue" in `text`, its length in `*n`. */
static const char *field(const char *text, size_t len, const char *key,
			 size_t *n)
{
	size_t klen = strlen(key), at = 0, end;

	while (at < len) {
		const char *nl = memchr(text + at, '\n', len - at);

		end = nl ? (size_t)(nl - text) : len;
		if (end - at > klen && !memcmp(text + at, key, klen) &&
		    text[at + klen] == ':') {
			at += klen + 1;
			while (at < end && isblank((unsigned char)text[at]))
				at++;
			*n = end - at;
			return text + at;
		}
		at = end + 1;
	}
	return NULL;
}

/* A mask of 1 to 16 hexadecimal digits. */
static int parse_mask(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 16)
		return TRIAGE_EFORMAT;
	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return TRIAGE_EFORMAT;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return 0;
}

int tdump_parse_status(const char *text, size_t len, struct tdump_task *t)
{
	const char *v;
	size_t n;

	t->state = '?';
	t->name[0] = '\0';
	t->sig_pending = t->sig_blocked = 0;

	/* "State:\tS (sleeping)": the letter, then a space or the end. */
	v = field(text, len, "State", &n);
	if (!v || n == 0 || !isalpha((unsigned char)v[0]) ||
	    (n > 1 && v[1] != ' '))
		return TRIAGE_EFORMAT;
	t->state = v[0];

	v = field(text, len, "Name", &n);
	if (v) {
		if (n >= sizeof(t->name))
			n = sizeof(t->name) - 1;
		memcpy(t->name, v, n);
		t->name[n] = '\0';
	}
	v = field(text, len, "SigPnd", &n);
	if (v && parse_mask(v, n, &t->sig_pending))
		return TRIAGE_EFORMAT;
	v = field(text, len, "SigBlk", &n);
	if (v && parse_mask(v, n, &t->sig_blocked))
		return TRIAGE_EFORMAT;
	return 0;
}

int tdump_parse_syscall(const char *text, size_t len, long *nr)
{
	long v = 0;
	size_t i = 0;
	bool neg = false;

	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\0'))
		len--;
	if (len == 7 && !memcmp(text, "running", 7)) {
		*nr = TDUMP_SYSCALL_RUNNING;
		return 0;
	}
	if (i < len && text[i] == '-') {
		neg = true;
		i++;
	}
	if (i >= len || !isdigit((unsigned char)text[i]))
		return TRIAGE_EFORMAT;
	for (; i < len && isdigit((unsigned char)text[i]); i++) {
		v = v * 10 + (text[i] - '0');
		if (v > TDUMP_SYSCALL_MAX)
			return TRIAGE_EFORMAT;
	}
	/* The number is followed by the arguments, or ends the text. */
	if (i < len && text[i] != ' ')
		return TRIAGE_EFORMAT;
	if (neg && v != 1)
		return TRIAGE_EFORMAT;
	*nr = neg ? TDUMP_SYSCALL_NONE : v;
	return 0;
}

int tdump_parse_wchan(const char *text, size_t len, char *buf, size_t size)
{
	size_t i;

	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\0'))
		len--;
	buf[0] = '\0';
	if (len == 0 || (len == 1 && text[0] == '0'))
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)text[i]) && text[i] != '_' &&
		    text[i] != '.')
			return TRIAGE_EFORMAT;
	if (len >= size)
		len = size - 1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	return 0;
}

/* Reads /proc/self/task/TID/FILE into `buf`; the length, or -1. */
static ssize_t read_file(pid_t tid, const char *file, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/%s", (int)tid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	do
		n = read(fd, buf, size);
	while (n < 0 && errno == EINTR);
	close(fd);
	return n;
}

void tdump_read_task_details(pid_t tid, struct tdump_task *t)
{
	char buf[256];
	ssize_t n;

	n = read_file(tid, "syscall", buf, sizeof(buf));
	if (n < 0 || tdump_parse_syscall(buf, (size_t)n, &t->syscall))
		t->syscall = TDUMP_SYSCALL_UNKNOWN;
	n = read_file(tid, "wchan", buf, sizeof(buf));
	if (n < 0 || tdump_parse_wchan(buf, (size_t)n, t->wchan,
				       sizeof(t->wchan)))
		t->wchan[0] = '\0';
}

int tdump_read_task(pid_t tid, bool details, struct tdump_task *t)
{
	char buf[4096];
	ssize_t n = read_file(tid, "status", buf, sizeof(buf));
	int err;

	t->syscall = TDUMP_SYSCALL_UNKNOWN;
	t->wchan[0] = '\0';
	if (n <= 0)
		return TRIAGE_ESYS;
	err = tdump_parse_status(buf, (size_t)n, t);
	if (err)
		return err;
	if (details)
		tdump_read_task_details(tid, t);
	return 0;
}
