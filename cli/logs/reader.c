/*
 * reader.c - lines from a file descriptor, in bounded memory.
 *
 * The buffer starts small and grows only as far as the longest line it
 * must hold, up to LOGS_LINE_MAX; a longer line is skipped to its
 * newline and counted, so one runaway line neither stops the reading
 * nor takes the memory that a file's size would.
 */
#include "logs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READER_START (256u << 10)

int logs_reader_init(struct logs_reader *r, int fd)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->cap = READER_START;
	r->buf = malloc(r->cap);
	if (!r->buf)
		return -ENOMEM;
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return 0;
}

void logs_reader_free(struct logs_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* Makes room after the data: moves it to the front, or grows the
 * buffer. Returns 0, or -1 when the line in it is already too long. */
static int make_room(struct logs_reader *r)
{
	size_t want;
	char *nb;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
		return 0;
	}
	if (r->cap > LOGS_LINE_MAX)
		return -1;
	want = r->cap * 2 > LOGS_LINE_MAX + 1 ? LOGS_LINE_MAX + 1 : r->cap * 2;
	nb = realloc(r->buf, want);
	if (!nb)
		return -1;
	r->buf = nb;
	r->cap = want;
	return 0;
}

/* Reads more into the buffer. Returns bytes read, 0 at the end, or a
 * negative errno. */
static ssize_t fill(struct logs_reader *r)
{
	ssize_t got;

	do
		got = read(r->fd, r->buf + r->end, r->cap - r->end);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return -errno;
	r->end += (size_t)got;
	return got;
}

/* Drops the buffered part of a too-long line: everything up to its
 * newline, or all of it while no newline has come. */
static void skip_long(struct logs_reader *r)
{
	char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);

	if (nl) {
		r->start = (size_t)(nl - r->buf) + 1;
		r->skipping = false;
	} else {
		r->start = r->end = 0;
	}
}

int logs_reader_next(struct logs_reader *r, const char **line, size_t *len)
{
	char *nl;
	ssize_t got;

	for (;;) {
		if (r->skipping)
			skip_long(r);
		if (!r->skipping) {
			nl = memchr(r->buf + r->start, '\n', r->end - r->start);
			if (nl) {
				*line = r->buf + r->start;
				*len = (size_t)(nl - *line);
				r->start += *len + 1;
				return 1;
			}
		}
		if (r->eof)
			break;
		if (r->end == r->cap && make_room(r) < 0) {
			r->too_long++;
			r->skipping = true;
			r->start = r->end = 0;
		}
		got = fill(r);
		if (got < 0)
			return (int)got;
		r->eof = got == 0;
	}
	if (r->skipping || r->start == r->end)
		return 0;
	*line = r->buf + r->start; /* the last line, without a newline */
	*len = r->end - r->start;
	r->start = r->end;
	return 1;
}
