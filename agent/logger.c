/*
 * logger.c - triage_log_write: the level check, the calling thread's
 * buffer, and handing batches of whole lines to the output.
 *
 * Each thread formats its lines into a 64 KiB buffer of its own, with no
 * lock and no allocation: a call costs a clock read and the formatting.
 * The buffer's committed end and line count move together in one
 * atomic word, published after a line is complete, so anyone flushing
 * (the owner when the buffer is full, the flusher thread every 100 ms,
 * exit, a fatal signal) writes whole lines only. A per-buffer mutex
 * keeps flushers apart; the owner alone moves the end back to the start,
 * and only under that mutex.
 *
 * A line that does not fit in an empty buffer moves to a mapping of its
 * own and goes out with the pending lines in one writev, still whole.
 *
 * Buffers are never freed: a thread that exits flushes its buffer and
 * leaves it to the next new thread, so the list that a signal handler
 * walks only ever grows.
 */
#include "logger.h"

#include "options.h"
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define LG_BUF_SIZE (64 * 1024)
#define LG_SCRATCH_SIZE 4096

struct lg_buf {
	struct lg_buf *next;
	/* End of the whole lines (low 32 bits) and their running count
	 * (high 32), published by the owner after each line. */
	_Atomic uint64_t committed;
	/* Written out up to here; under `lock`. */
	uint32_t flushed, flushed_lines;
	pthread_mutex_t lock;
	atomic_bool in_use;

	/* The owner's own view; only the owner reads or writes these. */
	uint32_t end, lines;
	bool busy;   /* mid-line: a signal handler's line is dropped */
	char *spill; /* a line too large for the buffer, or NULL */
	size_t spill_cap;
	struct lg_cache cache;
	char *data;
};

static struct lg_buf *_Atomic buffers;
static pthread_mutex_t buffers_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t thread_key;
static __thread struct lg_buf *mine __attribute__((tls_model("initial-exec")));

static const struct lg_config *_Atomic config;
static pthread_mutex_t config_lock = PTHREAD_MUTEX_INITIALIZER;
static struct triage_options pending;
static bool have_pending;

static inline uint64_t pack(uint32_t end, uint32_t lines)
{
	return (uint64_t)lines << 32 | end;
}

/* --- flushing --- */

/* Writes what `b` has committed and not yet written. Caller holds
 * b->lock, or is a signal handler. */
static int flush_locked(struct lg_buf *b, bool from_signal)
{
	uint64_t c = atomic_load_explicit(&b->committed, memory_order_acquire);
	uint32_t end = (uint32_t)c, lines = (uint32_t)(c >> 32);
	int err = 0;

	if (end <= b->flushed)
		return 0;
	if (from_signal)
		lg_output_write_unlocked(b->data + b->flushed,
					 end - b->flushed);
	else
		err = lg_output_write(b->data + b->flushed, end - b->flushed,
				      lines - b->flushed_lines);
	b->flushed = end;
	b->flushed_lines = lines;
	return err;
}

/* The owner's flush: writes and moves everything back to the start. */
static int flush_own(struct lg_buf *b)
{
	int err;

	pthread_mutex_lock(&b->lock);
	err = flush_locked(b, false);
	b->end = 0;
	b->flushed = 0;
	atomic_store_explicit(&b->committed, pack(0, b->lines),
			      memory_order_release);
	pthread_mutex_unlock(&b->lock);
	return err;
}

void lg_flush_all(bool from_signal)
{
	struct lg_buf *b;

	b = atomic_load_explicit(&buffers, memory_order_acquire);
	for (; b; b = b->next) {
		if (from_signal) {
			flush_locked(b, true);
			continue;
		}
		pthread_mutex_lock(&b->lock);
		flush_locked(b, false);
		pthread_mutex_unlock(&b->lock);
	}
}

TRIAGE_API int triage_log_flush(void)
{
	struct lg_buf *b;
	int err = 0, e;

	if (!atomic_load(&config))
		return 0;
	b = atomic_load_explicit(&buffers, memory_order_acquire);
	for (; b; b = b->next) {
		pthread_mutex_lock(&b->lock);
		e = flush_locked(b, false);
		pthread_mutex_unlock(&b->lock);
		err = err ? err : e;
	}
	return err;
}

void lg_buffers_after_fork_child(void)
{
	struct lg_buf *b;

	pthread_mutex_init(&buffers_lock, NULL);
	for (b = atomic_load(&buffers); b; b = b->next) {
		pthread_mutex_init(&b->lock, NULL);
		b->end = b->flushed = 0;
		b->flushed_lines = b->lines;
		atomic_store(&b->committed, pack(0, b->lines));
		if (b != mine)
			atomic_store(&b->in_use, false);
	}
}

/* --- the thread's buffer --- */

static void thread_exit(void *arg)
{
	struct lg_buf *b = arg;

	/* Busy: a signal handler's line must not flush under our lock. */
	b->busy = true;
	flush_own(b);
	b->busy = false;
	mine = NULL;
	atomic_store(&b->in_use, false);
}

static struct lg_buf *buf_new(void)
{
	struct lg_buf *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->data = malloc(LG_BUF_SIZE);
	b->cache.scratch = malloc(LG_SCRATCH_SIZE);
	if (!b->data || !b->cache.scratch) {
		free(b->data);
		free(b->cache.scratch);
		free(b);
		return NULL;
	}
	b->cache.scratch_len = LG_SCRATCH_SIZE;
	pthread_mutex_init(&b->lock, NULL);
	return b;
}

/* The calling thread's buffer: a free one left by an exited thread, or
 * a new one. NULL when memory is out. */
static struct lg_buf *buf_acquire(void)
{
	struct lg_buf *b;
	bool no = false;

	pthread_mutex_lock(&buffers_lock);
	for (b = atomic_load(&buffers); b; b = b->next)
		if (atomic_compare_exchange_strong(&b->in_use, &no, true))
			break;
		else
			no = false;
	if (!b && (b = buf_new()) != NULL) {
		atomic_store(&b->in_use, true);
		b->next = atomic_load(&buffers);
		atomic_store_explicit(&buffers, b, memory_order_release);
	}
	pthread_mutex_unlock(&buffers_lock);
	if (b) {
		mine = b;
		pthread_setspecific(thread_key, b);
	}
	return b;
}

/*
 * lg_out's grow() for a line in a thread's buffer: first make room by
 * writing the pending lines and moving the partial line to the start,
 * then move the line to a mapping that grows as needed.
 */
static bool buf_grow(struct lg_out *o, size_t need)
{
	struct lg_buf *b = o->owner;
	size_t line_len = o->len - b->end, size;
	char *p;

	if (o->p == b->data && b->end > 0) {
		flush_own(b);
		memmove(b->data, b->data + o->len - line_len, line_len);
		o->len = line_len;
		if (o->cap - o->len >= need)
			return true;
	}
	size = (o->len + need) * 2;
	size = (size + 4095) & ~(size_t)4095;
	if (!b->spill) {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return false;
		memcpy(p, o->p, o->len);
	} else {
		p = mremap(b->spill, b->spill_cap, size, MREMAP_MAYMOVE);
		if (p == MAP_FAILED)
			return false;
	}
	b->spill = p;
	b->spill_cap = size;
	o->p = p;
	o->cap = size;
	return true;
}

/* A spilled line goes out now, after the pending ones and with them. */
static void commit_spill(struct lg_buf *b, struct lg_out *o)
{
	int err;

	pthread_mutex_lock(&b->lock);
	b->lines++;
	err = lg_output_writev(b->data + b->flushed, b->end - b->flushed, o->p,
			       o->len, b->lines - b->flushed_lines);
	b->end = b->flushed = 0;
	b->flushed_lines = b->lines;
	atomic_store_explicit(&b->committed, pack(0, b->lines),
			      memory_order_release);
	pthread_mutex_unlock(&b->lock);
	munmap(b->spill, b->spill_cap);
	b->spill = NULL;
	(void)err;
}

/* --- configuration --- */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* `,"service":"<escaped>"`, made once. */
static char *service_json(const char *name)
{
	struct lg_out o = {.grow = lg_heap_grow};

	if (!name)
		return strdup("");
	LG_PUT_LIT(&o, ",\"service\":\"");
	lg_escape(&o, name, strlen(name), LG_ESC_JSON);
	LG_PUT_LIT(&o, "\"");
	lg_put(&o, "", 1);
	if (o.failed) {
		free(o.p);
		return NULL;
	}
	return o.p;
}

static struct lg_config *config_make(const struct triage_options *opts)
{
	struct lg_config *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->level = opts->log_level;
	c->format = opts->log_format;
	c->sync = opts->log_sync;
	c->max_size = opts->log_max_size;
	c->daily = opts->log_daily;
	c->keep = opts->log_keep;
	c->max_age_days = opts->log_max_age_days;
	c->std_fd = STDERR_FILENO;
	if (opts->log_path && !strcmp(opts->log_path, "stdout"))
		c->std_fd = STDOUT_FILENO;
	else if (opts->log_path && strcmp(opts->log_path, "stderr") &&
		 strcmp(opts->log_path, "-"))
		c->std_fd = -1;
	c->path = c->std_fd < 0 ? dup_or_null(opts->log_path) : NULL;
	c->service = dup_or_null(opts->service_name);
	c->service_json = service_json(opts->service_name);
	c->service_json_len = c->service_json ? strlen(c->service_json) : 0;
	if ((c->std_fd < 0 && !c->path) || !c->service_json ||
	    (opts->service_name && !c->service)) {
		free(c->path);
		free(c->service);
		free(c->service_json);
		free(c);
		return NULL;
	}
	c->color = c->format == 1 && c->std_fd >= 0 && isatty(c->std_fd) &&
		   !getenv("NO_COLOR");
	return c;
}

/*
 * Makes `opts` the configuration in force. The one it replaces is not
 * freed: a thread may still be formatting with it, and configuring
 * happens a few times in a process's life at most.
 */
static int config_apply(const struct triage_options *opts)
{
	struct lg_config *c = config_make(opts);
	int err;

	if (!c)
		return TRIAGE_ENOMEM;
	if (atomic_load(&config))
		triage_log_flush();
	err = lg_output_open(c);
	if (err) {
		tlog(TLOG_WARN,
		     "cannot open log file %s: %s; logging to "
		     "stderr",
		     c->path, strerror(errno));
		c->std_fd = STDERR_FILENO;
		lg_output_open(c);
	}
	atomic_store_explicit(&config, c, memory_order_release);
	return err;
}

static void first_use(void)
{
	struct triage_options o;
	const char *bad = NULL;

	if (have_pending) {
		o = pending;
	} else {
		triage_options_init(&o);
		if (opt_log_from_env(&o, &bad))
			tlog(TLOG_WARN,
			     "%s=%s is malformed; logging with the "
			     "defaults from there on",
			     bad, getenv(bad));
	}
	pthread_key_create(&thread_key, thread_exit);
	if (config_apply(&o) == TRIAGE_ENOMEM)
		return;
	lg_output_start();
}

const struct lg_config *lg_config_get(void)
{
	const struct lg_config *c;

	c = atomic_load_explicit(&config, memory_order_acquire);
	if (c)
		return c;
	pthread_mutex_lock(&config_lock);
	if (!atomic_load(&config))
		first_use();
	pthread_mutex_unlock(&config_lock);
	return atomic_load_explicit(&config, memory_order_acquire);
}

void lg_configure(const struct triage_options *opts)
{
	struct triage_options *p = &pending;

	pthread_mutex_lock(&config_lock);
	*p = *opts;
	p->log_path = dup_or_null(opts->log_path);
	p->service_name = dup_or_null(opts->service_name);
	have_pending = true;
	if (atomic_load(&config))
		config_apply(p);
	pthread_mutex_unlock(&config_lock);
}

/* --- the call --- */

TRIAGE_API int triage_log_enabled(enum triage_log_level level)
{
	const struct lg_config *c = lg_config_get();

	return c && (int)level >= c->level && level <= TRIAGE_LOG_ERROR;
}

/* Formats one line into the thread's buffer; false when it was
 * dropped (no memory for a line that large). */
static bool format_line(struct lg_buf *b, const struct lg_config *cfg,
			const struct lg_line *l)
{
	struct lg_out o = {.p = b->data,
			   .len = b->end,
			   .cap = LG_BUF_SIZE,
			   .grow = buf_grow,
			   .owner = b};

	if (cfg->format == 1)
		lg_format_plain(&o, cfg, &b->cache, l);
	else
		lg_format_json(&o, cfg, &b->cache, l);
	if (o.failed) {
		if (b->spill) {
			munmap(b->spill, b->spill_cap);
			b->spill = NULL;
		}
		return false;
	}
	if (o.p != b->data) {
		commit_spill(b, &o);
		return true;
	}
	b->end = (uint32_t)o.len;
	b->lines++;
	atomic_store_explicit(&b->committed, pack(b->end, b->lines),
			      memory_order_release);
	return true;
}

TRIAGE_API void triage_log_write(enum triage_log_level level, const char *file,
				 int line,
				 const struct triage_log_field *fields,
				 size_t nfields, const char *fmt, ...)
{
	int err = errno;
	const struct lg_config *cfg = lg_config_get();
	struct span_current span;
	struct lg_line l;
	struct lg_buf *b;
	va_list ap;

	if (!cfg || (int)level < cfg->level || level > TRIAGE_LOG_ERROR) {
		errno = err;
		return;
	}
	l.err = err;
	b = mine ? mine : buf_acquire();
	if (!b || b->busy) {
		lg_count_dropped(1);
		errno = l.err;
		return;
	}
	b->busy = true;
	if (atomic_load_explicit(&lg_flusher_wanted, memory_order_relaxed))
		lg_flusher_start();

	l.level = level;
	clock_gettime(CLOCK_REALTIME, &l.ts);
	l.file = file;
	l.line = line;
	l.span = span_current_get(&span) ? &span : NULL;
	l.fields = fields;
	l.nfields = fields ? nfields : 0;
	l.fmt = fmt;
	va_start(ap, fmt);
	l.ap = &ap;
	if (!format_line(b, cfg, &l))
		lg_count_dropped(1);
	va_end(ap);

	if (cfg->sync || level == TRIAGE_LOG_ERROR ||
	    atomic_load_explicit(&lg_exiting, memory_order_relaxed))
		flush_own(b);
	b->busy = false;
	errno = l.err;
}
