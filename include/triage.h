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
