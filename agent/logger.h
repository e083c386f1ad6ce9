/*
 * logger.h - the structured logger behind triage_log_write (internal).
 *
 * logger.c         the call: level check, the thread's buffer, commit
 * logger_format.c  bytes of a line: JSON escaping, numbers, timestamps
 * logger_content.c the printf-style content
 * logger_line.c    a whole line, as JSON or as plain text
 * logger_output.c  where batches go: one write(2) under a lock, the
 *                  flusher thread, exit, fork and fatal signals
 * logger_rotate.c  the file's rotation by size and by day
 */
#ifndef TRIAGE_AGENT_LOGGER_H
#define TRIAGE_AGENT_LOGGER_H

#include "span_current.h"
#include "triage.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* --- logger_format.c --- */

/*
 * A line being built: bytes at p[0..len) of a window of `cap`. When a
 * write needs more room, grow() is asked for it; when it cannot give
 * it, the line is marked failed, and `cap` drops to `len` so that later
 * writes find no room and do nothing.
 */
struct lg_out {
	char *p;
	size_t len, cap;
	bool failed;
	bool (*grow)(struct lg_out *o, size_t need);
	void *owner;
};

bool lg_reserve_slow(struct lg_out *o, size_t need);

static inline bool lg_reserve(struct lg_out *o, size_t need)
{
	return __builtin_expect(o->cap - o->len >= need, 1) ||
	       lg_reserve_slow(o, need);
}

/* Copies a few bytes without a call: most pieces of a line are short
 * (a key, a number, a level), and a call to memcpy costs more than the
 * copy. */
static inline void lg_copy(char *d, const char *s, size_t n)
{
	if (n >= 8) {
		size_t i;

		for (i = 0; i + 8 <= n; i += 8)
			__builtin_memcpy(d + i, s + i, 8);
		if (i < n)
			__builtin_memcpy(d + n - 8, s + n - 8, 8);
	} else if (n >= 4) {
		__builtin_memcpy(d, s, 4);
		__builtin_memcpy(d + n - 4, s + n - 4, 4);
	} else {
		if (n > 0)
			d[0] = s[0];
		if (n > 1)
			d[1] = s[1];
		if (n > 2)
			d[2] = s[2];
	}
}

static inline void lg_put(struct lg_out *o, const char *s, size_t n)
{
	if (n > 0 && lg_reserve(o, n)) {
		if (__builtin_constant_p(n))
			__builtin_memcpy(o->p + o->len, s, n);
		else
			lg_copy(o->p + o->len, s, n);
		o->len += n;
	}
}

/* A grow() that reallocs o->p: for lines built outside the logger's
 * buffers (the service name, tests). */
bool lg_heap_grow(struct lg_out *o, size_t need);

#define LG_PUT_LIT(o, lit) lg_put((o), (lit), sizeof(lit) - 1)

/* How lg_escape treats quotes: inside a JSON string they are escaped;
 * in plain text only control bytes are. */
enum lg_escape_mode { LG_ESC_JSON, LG_ESC_PLAIN };

/*
 * Appends s[0..n) so that it is valid inside a JSON string: `"` and `\`
 * escaped (JSON mode), control bytes as \n, \t, ... or \u00XX, and each
 * byte of invalid UTF-8 as U+FFFD. Valid UTF-8 decodes back unchanged.
 */
/* Per byte and mode: 0 copied as it is, 1 escaped, 2 starts UTF-8. */
extern const uint8_t lg_esc_class[2][256];

/* Whether n >= 8 bytes at p need no escaping (JSON's rules; stricter
 * than plain's). */
bool lg_clean_long(const unsigned char *p, size_t n);

/* The escaper proper, for strings that need it. */
void lg_escape_slow(struct lg_out *o, const char *s, size_t n,
		    enum lg_escape_mode mode);

static inline void lg_escape(struct lg_out *o, const char *s, size_t n,
			     enum lg_escape_mode mode)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned acc = 0;
	size_t i;

	if (n < 8) {
		for (i = 0; i < n; i++)
			acc |= lg_esc_class[mode][p[i]];
		if (!acc) {
			lg_put(o, s, n);
			return;
		}
	} else if (n <= 1024 && lg_clean_long(p, n)) {
		lg_put(o, s, n);
		return;
	}
	lg_escape_slow(o, s, n, mode);
}

/* Decimal digits of v into dst (at least 20 bytes); returns the count. */
size_t lg_fmt_u64(char *dst, uint64_t v);
size_t lg_fmt_i64(char *dst, int64_t v);

/*
 * The lg_*_raw and lg_fmt_* writers write at d, which has room, and
 * return the end (or the count); the lg_put_* ones make room first.
 */

/* Escapes s[0..n) at d, which has room for 6 * n bytes. */
char *lg_esc_raw(char *d, const char *s, size_t n, enum lg_escape_mode mode);

/* A finite double in the shortest form that reads back the same, as a
 * JSON number (no NaN or Inf: the caller writes those as strings). */
#define LG_DOUBLE_MAX 32
size_t lg_fmt_double(char *d, double v);
void lg_put_double(struct lg_out *o, double v);

/* Lowercase hex of n bytes. */
char *lg_hex_raw(char *d, const uint8_t *b, size_t n);
void lg_put_hex(struct lg_out *o, const uint8_t *b, size_t n);

/* The timestamp of the thread's last second, so that a line formats
 * only its milliseconds: "2006-01-02T15:04:05" and "Z" or "+08:00". */
struct lg_stamp {
	time_t sec;
	char date[20];
	char zone[8];
	uint8_t zone_len;
};

/* Writes ts in Go's 2006-01-02T15:04:05.000Z07:00, local time. */
#define LG_TIME_MAX 32
char *lg_time_raw(char *d, struct lg_stamp *c, const struct timespec *ts);
void lg_put_time(struct lg_out *o, struct lg_stamp *c,
		 const struct timespec *ts);

/* --- logger_content.c --- */

/*
 * Appends the printf-style content, escaped. Common conversions (%s %d
 * %u %x %c %p with l, ll, z, j, t) are formatted here; anything else
 * (widths, precisions, floats, %m) goes through vsnprintf into
 * `scratch`. `err` is the errno to show for %m.
 */
void lg_put_content(struct lg_out *o, enum lg_escape_mode mode, char *scratch,
		    size_t scratch_len, int err, const char *fmt, va_list ap);

/* --- logger_line.c --- */

struct lg_config;

/* Everything one line holds. */
struct lg_line {
	enum triage_log_level level;
	struct timespec ts;
	const char *file;
	int line;
	const struct span_current *span; /* NULL when none */
	const struct triage_log_field *fields;
	size_t nfields;
	const char *fmt;
	va_list *ap;
	int err;
};

/* The caches a thread keeps between its lines. */
struct lg_cache {
	struct lg_stamp stamp;
	char *scratch;
	size_t scratch_len;
	/* The hex of the last span seen: a thread logs many lines for one
	 * span. */
	struct span_current span;
	char span_hex[80];
};

void lg_format_json(struct lg_out *o, const struct lg_config *cfg,
		    struct lg_cache *c, const struct lg_line *l);
void lg_format_plain(struct lg_out *o, const struct lg_config *cfg,
		     struct lg_cache *c, const struct lg_line *l);

/* The last two components of a path: "a/b/c.c" gives "b/c.c". */
const char *lg_caller(const char *file);

/* --- logger.c --- */

/* The configuration lines are formatted with; immutable once made. */
struct lg_config {
	int level;
	int format; /* 0 json, 1 plain */
	bool color; /* plain, on a terminal */
	bool sync;  /* write each line through */
	int std_fd; /* 1 or 2, or -1 for the file `path` */
	char *path;
	long long max_size;
	bool daily;
	int keep;
	int max_age_days;
	char *service;	    /* raw, or NULL */
	char *service_json; /* `,"service":"..."`, escaped, or "" */
	size_t service_json_len;
};

/* The configuration in force; makes it from the environment on first
 * use. */
const struct lg_config *lg_config_get(void);

/*
 * Writes the committed lines of every thread's buffer (the flusher,
 * exit and signal handlers use it). `from_signal` takes no lock, since
 * the crashed thread may hold one.
 */
void lg_flush_all(bool from_signal);

/* Applies `opts` now when the logger is in use, else at its first line
 * (triage_start calls it). */
void lg_configure(const struct triage_options *opts);

/* Forgets every buffer's unwritten lines: the child of a fork. */
void lg_buffers_after_fork_child(void);

/* --- logger_output.c --- */

/*
 * Writes n bytes holding `lines` whole lines with as few write(2) calls
 * as the output takes, under the output lock so that no other batch
 * comes between, then rotates the file if it is due. Returns 0 or
 * TRIAGE_ESYS (the lines are then counted as dropped).
 */
int lg_output_write(const char *p, size_t n, uint32_t lines);

/* The same, for a line too large for any buffer: two pieces in one
 * writev, so that the line stays whole. */
int lg_output_writev(const char *a, size_t na, const char *b, size_t nb,
		     uint32_t lines);

/* Counts lines lost before they reached the output (no buffer, a
 * nested call); safe anywhere, added to the metric later. */
void lg_count_dropped(uint32_t n);

/* From a signal handler: no lock, no rotation, no counters. */
void lg_output_write_unlocked(const char *p, size_t n);

/* Opens the output of `cfg` (closing the previous one). */
int lg_output_open(const struct lg_config *cfg);

/* Set at exit: every line is written through from then on. */
extern atomic_bool lg_exiting;

/* Set in a forked child: the next line starts a flusher thread there
 * (a fork handler must not start threads). */
extern atomic_bool lg_flusher_wanted;
void lg_flusher_start(void);

/* Starts the flusher thread and the exit, fork and signal handlers,
 * once per process. */
void lg_output_start(void);

/* --- logger_rotate.c --- */

struct lg_file {
	int fd;
	long long size;	    /* bytes in the current file */
	long long reserved; /* blocks allocated up to here; LLONG_MAX
			     * when the file takes no reservation */
	time_t day_end;	    /* the local midnight that ends its day */
};

/* True when `f` is due for rotation under `cfg` at `now`. */
bool lg_rotate_due(const struct lg_config *cfg, const struct lg_file *f,
		   time_t now);

/*
 * Renames the current file to its backup name, opens a new one in its
 * place and removes the backups that `keep` and `max_age_days` no
 * longer allow. `f` then describes the new file; on failure it keeps
 * the old one and returns TRIAGE_ESYS.
 */
int lg_rotate(const struct lg_config *cfg, struct lg_file *f, time_t now);

/* Opens (creating) the file for appending; fills `f`. */
int lg_file_open(const char *path, struct lg_file *f, time_t now);

/* Has the file's blocks allocated ahead of the next `n` bytes, a
 * mebibyte at a time, without changing its size. */
void lg_file_reserve(struct lg_file *f, size_t n);

/* Gives back the blocks reserved past the file's end. */
void lg_file_trim(const struct lg_file *f);

/* Removes backups beyond what `cfg` keeps; returns how many. */
int lg_prune(const struct lg_config *cfg, time_t now);

#endif
