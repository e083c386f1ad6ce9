/*
 * triage.h - the public interface of libtriage, the diagnostics agent
 * that lives inside a C or C++ service.
 *
 * The agent needs no code change: preload it (`triage run -- ./svc`, or
 * LD_PRELOAD=libtriage.so) and it starts itself from the TRIAGE_*
 * environment. A service that links it may instead call triage_start()
 * with its own options. Once started it serves Go's /debug/pprof
 * endpoints on a Unix socket readable only by the owner, and on TCP only
 * when asked.
 *
 * Every call that can fail returns 0 or a negative TRIAGE_E* code;
 * triage_strerror() turns a code into text. Nothing here prints.
 */
#ifndef TRIAGE_H
#define TRIAGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TRIAGE_VERSION "0.1.0"

/* Error codes: every failing call returns one of these (negative). */
enum triage_error {
	TRIAGE_OK = 0,
	TRIAGE_EINVAL = -1,    /* an option or argument is out of range */
	TRIAGE_ENOMEM = -2,    /* an allocation failed */
	TRIAGE_ESYS = -3,      /* a system call failed; errno tells which */
	TRIAGE_EBUSY = -4,     /* already running (agent, profile) */
	TRIAGE_ENOTOKEN = -5,  /* a non-loopback listen without a token */
	TRIAGE_EHTTP = -6,     /* the HTTP server could not start */
	TRIAGE_ESTATE = -7,    /* not started, or stopping */
	TRIAGE_EFORMAT = -8,   /* malformed input (profile, header, ...) */
	TRIAGE_EEXIST = -9,    /* a metric of that name is registered */
};

/* Limits that the endpoints and options enforce (see docs/endpoints.md). */
#define TRIAGE_CPU_HZ_DEFAULT 100
#define TRIAGE_CPU_HZ_MAX 1000
#define TRIAGE_PROFILE_SECONDS_DEFAULT 30
#define TRIAGE_PROFILE_SECONDS_MAX 3600
#define TRIAGE_HEAP_SAMPLE_DEFAULT 524288

/*
 * Options of triage_start(). Fill with triage_options_init() (defaults)
 * or triage_options_from_env() (defaults overridden by TRIAGE_*), then
 * change what you need. Strings are copied by triage_start().
 */
struct triage_options {
	/* Folder of the always-on Unix socket <pid>.sock (TRIAGE_SOCKET_DIR;
	 * default /tmp/triage-<uid>). Created 0700 when missing. */
	const char *socket_dir;
	/* "[host]:port" for the TCP listener, or NULL for none
	 * (TRIAGE_LISTEN). The host defaults to 127.0.0.1. */
	const char *listen;
	/* Bearer token every request must carry (TRIAGE_TOKEN). Required
	 * when `listen` names a non-loopback address. */
	const char *token;
	/* CPU sampling rate in Hz, 1..TRIAGE_CPU_HZ_MAX (TRIAGE_CPU_HZ). */
	int cpu_hz;
	/* When set, profile the CPU from start to exit and write the profile
	 * to this file at exit (TRIAGE_CPUPROFILE). */
	const char *cpuprofile;
	/* Sampling timer: 0 picks perf events and falls back to POSIX CPU
	 * timers; 1 forces perf events, 2 forces POSIX timers
	 * (TRIAGE_CPU_TIMER=auto|perf|posix). */
	int cpu_timer;
	/* 0 quiet, 1 warnings (default), 2 informational (TRIAGE_VERBOSE). */
	int verbose;
	/* Mean bytes between heap samples, a Poisson process as in Go and
	 * tcmalloc: TRIAGE_HEAP_SAMPLE_DEFAULT (512 KiB); 1 records every
	 * allocation; 0 turns heap profiling off (TRIAGE_HEAP_SAMPLE). */
	long heap_sample;
	/* Report on average 1 in this many mutex contentions; 0 (default)
	 * off, as Go's SetMutexProfileFraction (TRIAGE_MUTEX_FRACTION). */
	int mutex_fraction;
	/* Sample one blocking event per this many nanoseconds spent
	 * blocked; 1 records every event; 0 (default) off, as Go's
	 * SetBlockProfileRate (TRIAGE_BLOCK_RATE). */
	long block_rate;
	/* The real-time signal that asks each thread for its stack in a
	 * thread dump: 0 (default) for SIGRTMIN+3, else a number from
	 * SIGRTMIN to SIGRTMAX, for a program that uses SIGRTMIN+3 itself
	 * (TRIAGE_DUMP_SIGNAL). */
	int dump_signal;

	/* The logger (triage_log_write; docs/logging.md). It reads these
	 * from the environment by itself when triage_start() is not called.
	 * Where lines go: NULL or "stderr" (default), "stdout", or a file
	 * that is appended to and rotated (TRIAGE_LOG_PATH). */
	const char *log_path;
	/* Lines below this level are dropped before any formatting: an
	 * enum triage_log_level, default TRIAGE_LOG_INFO
	 * (TRIAGE_LOG_LEVEL=debug|info|warn|error|off). */
	int log_level;
	/* 0 one JSON object a line (default), 1 a plain line for people,
	 * coloured by level on a terminal (TRIAGE_LOG_FORMAT=json|plain). */
	int log_format;
	/* Rotate the file when it reaches this many bytes; 0 (default)
	 * never (TRIAGE_LOG_MAX_SIZE, with an optional k, M or G). */
	long long log_max_size;
	/* Rotate the file when the local day changes: 1 (default) or 0
	 * (TRIAGE_LOG_DAILY). */
	int log_daily;
	/* Rotated files kept beside the current one, the oldest removed
	 * first; 0 (default) keeps them all (TRIAGE_LOG_KEEP). */
	int log_keep;
	/* Rotated files older than this many days are removed; 0 (default)
	 * never (TRIAGE_LOG_MAX_AGE_DAYS). */
	int log_max_age_days;
	/* 1 writes every line through at once instead of batching them
	 * (TRIAGE_LOG_SYNC): slower, but a SIGKILL loses nothing. */
	int log_sync;
	/* The service's name, written in every line as "service"
	 * (TRIAGE_SERVICE_NAME); NULL for none. Spans' resource carries it
	 * as service.name (NULL: OTEL_SERVICE_NAME, else
	 * "unknown_service:<program>"). */
	const char *service_name;
	/* Where spans are exported over OTLP/HTTP: a base URL to which
	 * "/v1/traces" is appended (TRIAGE_OTLP_ENDPOINT); "" for no
	 * export; NULL leaves it to the environment, OpenTelemetry's
	 * variables included (docs/tracing.md). */
	const char *otlp_endpoint;
};

/* Fills `opts` with the defaults. */
void triage_options_init(struct triage_options *opts);

/*
 * Fills `opts` with the defaults overridden by the TRIAGE_* environment.
 * Returns TRIAGE_EINVAL, naming nothing, when a variable is malformed;
 * the agent's autostart then reports the variable on stderr.
 */
int triage_options_from_env(struct triage_options *opts);

/*
 * Starts the agent: the debug HTTP server and whatever the options ask
 * for. `opts` may be NULL for the environment's options. Returns
 * TRIAGE_EBUSY when already started, TRIAGE_ENOTOKEN for a non-loopback
 * listen without a token.
 */
int triage_start(const struct triage_options *opts);

/* Stops the agent and waits for its threads. Safe to call twice. */
int triage_stop(void);

/* The Unix socket path the running agent serves, or NULL. */
const char *triage_socket_path(void);

/* The TCP port the running agent serves, or 0 when it has none. */
int triage_tcp_port(void);

/* A short English text for a TRIAGE_E* code. */
const char *triage_strerror(int err);

/*
 * Trace context: the W3C identity of the span a thread is working for.
 * The logger stamps every line with the calling thread's current
 * context; spans (triage_span_start/end) set and restore it.
 */
struct triage_span_context {
	uint8_t trace_id[16]; /* all zero is invalid */
	uint8_t span_id[8];   /* all zero is invalid */
	uint8_t flags;        /* W3C trace-flags: bit 0 is "sampled" */
};

/*
 * Copies the calling thread's current span context into *out. Returns
 * 0, or TRIAGE_ESTATE when the thread has none. Async-signal-safe.
 */
int triage_span_current(struct triage_span_context *out);

/*
 * Logging: one JSON object a line with go-zero's field names
 * (docs/logging.md):
 *
 *   {"@timestamp":"2026-12-04T08:12:03.123+08:00","level":"info",
 *    "content":"patient 42 imported","trace":"4bf9...","span":"00f0...",
 *    "caller":"import/batch.c:88","service":"epro-api","rows":120}
 *
 * `trace`, `span` and `parent` come from the calling thread's current
 * span and are left out when it has none. Any bytes make valid JSON:
 * control characters are escaped and invalid UTF-8 becomes U+FFFD.
 *
 *   triage_info("patient %d imported", id);
 *   triage_info_kv(TRIAGE_FIELDS(TRIAGE_INT("rows", n),
 *                                TRIAGE_STR("ward", ward)),
 *                  "batch done in %s", elapsed);
 *
 * Lines of each thread are batched in a buffer of its own and written
 * whole with one write(2): lines of different threads never mix. After
 * a thread's first line (which allocates its buffer) a call allocates
 * nothing; a line with five fields costs about 250 ns of CPU, its share
 * of the write included (bench/log_cost). Batches go
 * out when full, every 100 ms, at an error line, at exit and on a fatal
 * signal (SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL; SIGTERM and SIGINT
 * when left at their default), so a crash loses no line.
 *
 * The logger needs no triage_start(): it configures itself from the
 * TRIAGE_LOG_* environment on first use. Calls are thread-safe; a call
 * from a signal handler that interrupts a call of the same thread drops
 * its line (counted in triage_log_lines_dropped_total).
 */
enum triage_log_level {
	TRIAGE_LOG_DEBUG,
	TRIAGE_LOG_INFO,
	TRIAGE_LOG_WARN,
	TRIAGE_LOG_ERROR,
	TRIAGE_LOG_OFF, /* as a threshold only: log nothing */
};

enum triage_log_type {
	TRIAGE_LOG_STR,
	TRIAGE_LOG_INT,
	TRIAGE_LOG_UINT,
	TRIAGE_LOG_DOUBLE,
	TRIAGE_LOG_BOOL,
};

/* A typed key-value field of a line. A NULL string is written as null;
 * a double that is not finite as "NaN", "+Inf" or "-Inf". */
struct triage_log_field {
	const char *key;
	enum triage_log_type type;
	union {
		const char *s;
		int64_t i;
		uint64_t u;
		double d;
		int b;
	} v;
};

/* Field makers, inline functions so that C and C++ both take them. */
static inline struct triage_log_field triage_log_field_(const char *key,
							enum triage_log_type t)
{
	struct triage_log_field f;

	f.key = key;
	f.type = t;
	f.v.u = 0;
	return f;
}
static inline struct triage_log_field triage_log_str_(const char *k,
						      const char *x)
{
	struct triage_log_field f = triage_log_field_(k, TRIAGE_LOG_STR);

	f.v.s = x;
	return f;
}
static inline struct triage_log_field triage_log_int_(const char *k,
						      int64_t x)
{
	struct triage_log_field f = triage_log_field_(k, TRIAGE_LOG_INT);

	f.v.i = x;
	return f;
}
static inline struct triage_log_field triage_log_uint_(const char *k,
						       uint64_t x)
{
	struct triage_log_field f = triage_log_field_(k, TRIAGE_LOG_UINT);

	f.v.u = x;
	return f;
}
static inline struct triage_log_field triage_log_double_(const char *k,
							 double x)
{
	struct triage_log_field f = triage_log_field_(k, TRIAGE_LOG_DOUBLE);

	f.v.d = x;
	return f;
}
static inline struct triage_log_field triage_log_bool_(const char *k, int x)
{
	struct triage_log_field f = triage_log_field_(k, TRIAGE_LOG_BOOL);

	f.v.b = !!x;
	return f;
}

#define TRIAGE_STR(k, x) triage_log_str_((k), (x))
#define TRIAGE_INT(k, x) triage_log_int_((k), (x))
#define TRIAGE_UINT(k, x) triage_log_uint_((k), (x))
#define TRIAGE_DOUBLE(k, x) triage_log_double_((k), (x))
#define TRIAGE_BOOL(k, x) triage_log_bool_((k), (x))

/* Expands to "array, count" for the _kv calls; the array lives until
 * the end of the call's statement. */
#ifdef __cplusplus
}
#include <initializer_list>
template <typename... T> struct triage_log_count_ {
	enum : size_t { value = sizeof...(T) };
};
template <typename... T> triage_log_count_<T...> triage_log_count(const T &...);
#define TRIAGE_FIELDS(...)                                                 \
	std::initializer_list<struct triage_log_field>{__VA_ARGS__}.begin(), \
	    decltype(triage_log_count(__VA_ARGS__))::value
extern "C" {
#else
#define TRIAGE_FIELDS(...)                                                 \
	(const struct triage_log_field[]){__VA_ARGS__},                    \
	    (sizeof((const struct triage_log_field[]){__VA_ARGS__}) /      \
	     sizeof(struct triage_log_field))
#endif

/*
 * Writes one line at `level` when the logger's level lets it through:
 * the printf-style content, then `nfields` fields in their order.
 * `file` and `line` give the caller (its last two path components are
 * written). Never fails and keeps errno; a line that cannot be written
 * is counted as dropped. Use the macros below.
 */
void triage_log_write(enum triage_log_level level, const char *file,
		      int line, const struct triage_log_field *fields,
		      size_t nfields, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

#define triage_log(level, ...)                                             \
	triage_log_write((level), __FILE__, __LINE__, NULL, 0, __VA_ARGS__)
/* `fields_and_count` is a TRIAGE_FIELDS(...) */
#define triage_log_kv(level, fields_and_count, ...)                        \
	triage_log_write((level), __FILE__, __LINE__, fields_and_count,     \
			 __VA_ARGS__)
#define triage_debug(...) triage_log(TRIAGE_LOG_DEBUG, __VA_ARGS__)
#define triage_info(...) triage_log(TRIAGE_LOG_INFO, __VA_ARGS__)
#define triage_warn(...) triage_log(TRIAGE_LOG_WARN, __VA_ARGS__)
#define triage_error(...) triage_log(TRIAGE_LOG_ERROR, __VA_ARGS__)
#define triage_debug_kv(f, ...) triage_log_kv(TRIAGE_LOG_DEBUG, f, __VA_ARGS__)
#define triage_info_kv(f, ...) triage_log_kv(TRIAGE_LOG_INFO, f, __VA_ARGS__)
#define triage_warn_kv(f, ...) triage_log_kv(TRIAGE_LOG_WARN, f, __VA_ARGS__)
#define triage_error_kv(f, ...) triage_log_kv(TRIAGE_LOG_ERROR, f, __VA_ARGS__)

/* True when a line at `level` would be written: guard expensive
 * arguments with it. */
int triage_log_enabled(enum triage_log_level level);

/*
 * Writes every line logged so far, by any thread, and waits for the
 * write. Returns 0, or TRIAGE_ESYS when the output refused some (they
 * are counted as dropped).
 */
int triage_log_flush(void);

/*
 * Spans: timed operations of a trace (docs/tracing.md). A span records
 * its name, kind, start and end, status and attributes; a sampled span
 * is exported over OTLP/HTTP when TRIAGE_OTLP_ENDPOINT is set (by a
 * background thread: ending a span never waits on the network).
 *
 * Every call accepts a NULL span (what a failed start returns) and then
 * does nothing, so instrumented code needs no checks. Spans allocate:
 * do not start or end them in signal handlers.
 */
enum triage_span_kind {
	TRIAGE_SPAN_INTERNAL,
	TRIAGE_SPAN_SERVER,
	TRIAGE_SPAN_CLIENT,
	TRIAGE_SPAN_PRODUCER,
	TRIAGE_SPAN_CONSUMER,
};

struct triage_span;

/*
 * Starts a span named `name` (copied). `parent` NULL makes it a child of
 * the calling thread's current span, or the root of a new trace when
 * there is none; otherwise it continues `parent`'s trace (an invalid
 * context starts a new one). The span becomes the thread's current span
 * until triage_span_end(), which restores the one before. NULL when
 * memory runs out.
 */
struct triage_span *triage_span_start(const char *name,
				      enum triage_span_kind kind,
				      const struct triage_span_context *parent);

/*
 * Ends the span and frees it: the span must not be used afterwards. On
 * the thread that started it, the previous current span comes back.
 */
void triage_span_end(struct triage_span *span);

/* Marks the span failed (status ERROR), with `message` (may be NULL). */
void triage_span_set_error(struct triage_span *span, const char *message);

/*
 * Attributes: a key and a value, both copied. Setting a key again
 * replaces its value. Past 128 attributes a span counts the others as
 * dropped.
 */
void triage_span_attr_str(struct triage_span *span, const char *key,
			  const char *value);
void triage_span_attr_int(struct triage_span *span, const char *key,
			  int64_t value);
void triage_span_attr_double(struct triage_span *span, const char *key,
			     double value);
void triage_span_attr_bool(struct triage_span *span, const char *key,
			   int value);

/* Copies the span's context into *out, e.g. to start a child on another
 * thread. TRIAGE_EINVAL for a NULL span. */
int triage_span_context(const struct triage_span *span,
			struct triage_span_context *out);

/*
 * Hands a span to another thread: triage_span_attach() makes `span` the
 * calling thread's current span (logs and child spans use it) and saves
 * the one it replaces in *saved; triage_span_detach() puts it back. End
 * the span after the other thread has detached it.
 */
void triage_span_attach(struct triage_span *span,
			struct triage_span_context *saved);
void triage_span_detach(const struct triage_span_context *saved);

/*
 * W3C Trace Context. triage_traceparent_parse() reads a traceparent
 * header value ("00-<trace-id>-<parent-id>-<flags>"; a higher version as
 * far as version 00 defines it) and returns TRIAGE_EFORMAT when the
 * header must be ignored: wrong length, upper-case or non-hex digits,
 * all-zero IDs, version ff, trailing data after version 00. Only the
 * sampled flag is kept. triage_traceparent_format() writes version 00
 * and a NUL (56 bytes); TRIAGE_EINVAL for an invalid context.
 */
int triage_traceparent_parse(const char *value,
			     struct triage_span_context *out);
int triage_traceparent_format(const struct triage_span_context *ctx,
			      char out[56]);

#ifdef MHD_VERSION
/*
 * A SERVER span for a request that libmicrohttpd is serving (include
 * <microhttpd.h> first): it continues the trace of the request's
 * traceparent, keeping its tracestate, or starts a new trace when the
 * header is absent, repeated or invalid. End it when the response is
 * queued or the request completes.
 */
struct triage_span *triage_span_from_mhd(struct MHD_Connection *conn,
					 const char *name);
#endif

#ifdef CURLINC_CURL_H
/*
 * A CLIENT span, child of the calling thread's current span, for a
 * libcurl transfer (include <curl/curl.h> first): adds its traceparent
 * (and the trace's tracestate) to *headers. Set CURLOPT_HTTPHEADER to
 * *headers, run the transfer, then end the span and free the list.
 */
struct triage_span *triage_span_to_curl(struct curl_slist **headers,
					const char *name);
#endif

/*
 * Metrics: counters, gauges and histograms, served with the process's
 * own metrics at /metrics in Prometheus's text format (docs/metrics.md).
 *
 * A metric is registered once, by name, and lives until the process
 * exits. Registering checks Prometheus's rules and fails with
 * TRIAGE_EINVAL (a bad name, label or bucket list) or TRIAGE_EEXIST (the
 * name is taken); triage_metric_error() then says what was wrong. The
 * registry works whether or not the agent runs: a service may register
 * and count from its first line, and /metrics shows everything once the
 * agent starts.
 *
 * Updates (inc, add, observe) take no lock and touch only memory of the
 * calling thread, so they cost a few nanoseconds and do not slow down
 * as threads are added. A thread's first update of a metric allocates
 * its share of cells; do not update metrics from signal handlers.
 *
 * Label names are given as a NULL-terminated array (NULL for none). A
 * metric with labels is a family: triage_metric_*_with() returns the
 * child for one set of label values, which the caller should keep, and
 * updates go to children. Updating the family itself does nothing, nor
 * does updating NULL (what a failed _new or _with leaves).
 */
struct triage_metric_counter;
struct triage_metric_gauge;
struct triage_metric_histogram;

#define TRIAGE_METRIC_MAX_LABELS 16
#define TRIAGE_METRIC_MAX_BUCKETS 256

/*
 * Registers a counter. `name` matches [a-zA-Z_:][a-zA-Z0-9_:]* and ends
 * in "_total"; `help` is any UTF-8 text (may be NULL); label names match
 * [a-zA-Z_][a-zA-Z0-9_]*, do not start with "__" and are distinct. On
 * TRIAGE_EEXIST, *out is the metric already registered when it has the
 * same kind, help, labels (and buckets), else NULL.
 */
int triage_metric_counter_new(struct triage_metric_counter **out,
			      const char *name, const char *help,
			      const char *const *label_names);

/*
 * The child of `family` for `label_values` (NULL-terminated, one per
 * label name, any UTF-8), created at zero on first use. Lookups take no
 * lock. NULL, with triage_metric_error() set, when the values do not
 * match the labels or are not UTF-8, or memory runs out.
 */
struct triage_metric_counter *
triage_metric_counter_with(struct triage_metric_counter *family,
			   const char *const *label_values);

/* Adds 1. */
void triage_metric_counter_inc(struct triage_metric_counter *c);

/*
 * The increment is also inline, since a call alone costs more than the
 * add. A counter starts with where its count cell is, in 64 bits: low,
 * an index into a thread-local table of the thread's first chunks of
 * cells; high, a byte offset in that chunk. The call above is the way
 * when the table has no chunk there: a thread's first update in the
 * chunk, or a series past the table, whose index is that of the last
 * entry, always empty. Define TRIAGE_NO_INLINE to always call. The names
 * ending in "_" are the library's, not API: they change with its soname.
 */
#define TRIAGE_METRIC_FAST_CHUNKS_ 32
extern __thread uint64_t
    *triage_metric_chunks_[TRIAGE_METRIC_FAST_CHUNKS_ + 1]
    __attribute__((tls_model("initial-exec")));

#if !defined(TRIAGE_NO_INLINE) && defined(__GNUC__)
static inline void
triage_metric_counter_inc_(struct triage_metric_counter *c)
{
	uint64_t where, *chunk, *p;

	if (__builtin_expect(c != NULL, 1)) {
		where = *(const uint64_t *)(const void *)c;
		chunk = triage_metric_chunks_[(uint32_t)where];
		if (__builtin_expect(chunk != NULL, 1)) {
			/* Only this thread writes the cell; the relaxed
			 * atomics are plain moves that a scrape reads whole. */
			p = (uint64_t *)(void *)((char *)chunk + (where >> 32));
			__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + 1,
					 __ATOMIC_RELAXED);
			return;
		}
	}
	(triage_metric_counter_inc)(c);
}
#define triage_metric_counter_inc(c) triage_metric_counter_inc_(c)
#endif

/* Adds `v`; a negative or NaN `v` is ignored (counters only go up). */
void triage_metric_counter_add(struct triage_metric_counter *c, double v);

/* Registers a gauge; the rules of triage_metric_counter_new() except
 * that the name need not end in "_total". */
int triage_metric_gauge_new(struct triage_metric_gauge **out,
			    const char *name, const char *help,
			    const char *const *label_names);

/* The child of a gauge family; as triage_metric_counter_with(). */
struct triage_metric_gauge *
triage_metric_gauge_with(struct triage_metric_gauge *family,
			 const char *const *label_values);

/* Sets the gauge (one atomic store). */
void triage_metric_gauge_set(struct triage_metric_gauge *g, double v);

/* Adds `v`, which may be negative (an atomic compare-and-swap loop). */
void triage_metric_gauge_add(struct triage_metric_gauge *g, double v);

/*
 * Registers a histogram with the upper bounds `buckets[0..n)`: finite
 * and strictly increasing (a last +Inf is allowed and dropped; the +Inf
 * bucket is always there), at most TRIAGE_METRIC_MAX_BUCKETS. `buckets`
 * NULL (with n 0) takes Prometheus's usual latency buckets, .005 to 10
 * seconds. The label "le" is reserved; the rules of counters apply,
 * except that the name must not end in _total, _bucket, _sum or _count.
 */
int triage_metric_histogram_new(struct triage_metric_histogram **out,
				const char *name, const char *help,
				const char *const *label_names,
				const double *buckets, size_t n);

/* The child of a histogram family; as triage_metric_counter_with(). */
struct triage_metric_histogram *
triage_metric_histogram_with(struct triage_metric_histogram *family,
			     const char *const *label_values);

/* Counts `v` in the first bucket whose bound is >= v, and adds it to
 * the sum (a NaN goes to +Inf and makes the sum NaN, as in Go). */
void triage_metric_histogram_observe(struct triage_metric_histogram *h,
				     double v);

/* Fills out[0..count) with start, start*factor, start*factor^2, ...
 * TRIAGE_EINVAL unless start > 0, factor > 1 and count >= 1. */
int triage_metric_exponential_buckets(double start, double factor,
				      size_t count, double *out);

/* Fills out[0..count) with start, start+width, ... TRIAGE_EINVAL unless
 * width > 0 and count >= 1. */
int triage_metric_linear_buckets(double start, double width, size_t count,
				 double *out);

/* What the calling thread's last failed metric call found wrong, e.g.
 * 'metric name "http-requests_total": '-' at 4 is not allowed'; "" when
 * none failed. Valid until the thread's next metric call. */
const char *triage_metric_error(void);

/* Exposition formats of triage_metric_expose(). */
enum triage_metric_format {
	TRIAGE_METRIC_TEXT = 0,        /* text/plain; version=0.0.4 */
	TRIAGE_METRIC_OPENMETRICS = 1, /* application/openmetrics-text 1.0 */
};

/* Writes every metric, the process's included, as /metrics serves them,
 * into a malloc'd buffer that the caller frees. */
int triage_metric_expose(enum triage_metric_format format, char **text,
			 size_t *len);

/*
 * HTTP middleware: request counts and latencies of the service's own
 * HTTP server, as http_requests_total{path,status} and
 * http_request_duration_seconds{path,status} (default buckets). Call
 * triage_metric_http_start() when a request arrives and
 * triage_metric_http_done() with its route and status when it is
 * answered. Pass the route ("/patients/:id"), not a URL carrying ids:
 * past 1000 series, new paths are counted as path="other".
 */
uint64_t triage_metric_http_start(void);
void triage_metric_http_done(uint64_t start, const char *path, int status);

#ifdef MHD_VERSION
/*
 * The middleware for libmicrohttpd (include <microhttpd.h> first). Put
 * your handler in a static struct triage_metric_mhd and give MHD
 * triage_metric_mhd_access with it as the access handler, and
 * MHD_OPTION_NOTIFY_COMPLETED, triage_metric_mhd_completed, with it too:
 *
 *   static struct triage_metric_mhd mw = {.handler = on_request};
 *   MHD_start_daemon(flags, port, NULL, NULL, triage_metric_mhd_access,
 *                    &mw, MHD_OPTION_NOTIFY_COMPLETED,
 *                    triage_metric_mhd_completed, &mw, MHD_OPTION_END);
 *
 * Your handler and completion callback are called as before, with
 * their own cls and a *con_cls of their own. `path_label` maps a URL to
 * its route for the path label; NULL uses the URL's path as it is.
 * Requests that end before a response is queued are not counted.
 */
struct triage_metric_mhd {
	MHD_AccessHandlerCallback handler;
	void *handler_cls;
	MHD_RequestCompletedCallback completed; /* may be NULL */
	void *completed_cls;
	const char *(*path_label)(const char *url, void *handler_cls);
};

enum MHD_Result triage_metric_mhd_access(void *cls,
					 struct MHD_Connection *conn,
					 const char *url, const char *method,
					 const char *version,
					 const char *upload_data,
					 size_t *upload_data_size,
					 void **con_cls);
void triage_metric_mhd_completed(void *cls, struct MHD_Connection *conn,
				 void **con_cls,
				 enum MHD_RequestTerminationCode toe);
#endif

#ifdef __cplusplus
}
#endif

#endif /* TRIAGE_H */
