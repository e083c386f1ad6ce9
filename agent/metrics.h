/*
 * metrics.h - the metrics registry and its per-thread cells (internal).
 *
 * Every counter and histogram series owns a run of cells at a fixed
 * offset, the same offset in every thread's shard. A thread updates only
 * its own shard, with a plain load, add and store (no locked
 * instruction, no shared cache line), so updates cost a few nanoseconds
 * and scale with threads. A scrape sums the cells of every shard, and
 * of the "retired" shard that keeps what exited threads counted.
 *
 * A shard is a table of chunks of METRICS_CHUNK_CELLS cells (4 KiB),
 * allocated when the thread first updates a series in that chunk. A
 * series' cells are counts (64-bit integers) and, last, one sum (a
 * double): a counter has its increments and the sum of its adds, a
 * histogram a count per bucket (the +Inf bucket included) and the sum
 * of what it observed. Counts are integers because an integer add is
 * the cheapest update there is (the increment is inlined into the
 * host, triage.h), and a count stays exact. Gauges hold one value in
 * their series, updated atomically, since "set" has no per-thread
 * meaning.
 *
 * One mutex (metrics_lock) guards the registry, the list of shards and
 * their chunk tables; the update fast path never takes it.
 */
#ifndef TRIAGE_AGENT_METRICS_H
#define TRIAGE_AGENT_METRICS_H

#include "triage.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define METRICS_CHUNK_SHIFT 9
#define METRICS_CHUNK_CELLS (1u << METRICS_CHUNK_SHIFT)
#define METRICS_MAX_NAME 200
#define METRICS_TLS __thread __attribute__((tls_model("initial-exec")))

enum metrics_kind { METRICS_COUNTER, METRICS_GAUGE, METRICS_HISTOGRAM };

struct metrics_family;

/*
 * One series: a metric without labels, or one child of a family. The
 * public handles (struct triage_metric_counter, ...) are series.
 */
struct metrics_series {
	uint64_t where; /* first cell, as triage.h's increment finds it */
	uint32_t off;	/* first cell; unused by gauges */
	uint64_t gauge; /* a gauge's value, the bits of a double */
	struct metrics_family *fam;
	char **values; /* label values, fam->nlabels of them */
	uint64_t hash;
	struct metrics_series *next; /* the family's series, in order */
};

/* Open-addressing table of a family's children, read without the lock;
 * replaced (never changed in place) when it grows. */
struct metrics_table {
	size_t mask;
	struct metrics_table *older; /* kept: readers may still be there */
	struct metrics_series *slot[];
};

struct metrics_family {
	enum metrics_kind kind;
	char *name; /* as registered; counters end in _total */
	char *help; /* "" when none */
	size_t nlabels;
	char **labels;
	size_t nbounds; /* finite histogram bounds */
	double *bounds;
	uint32_t ncells;	     /* per series */
	struct metrics_series *root; /* what _new returned */
	struct metrics_table *table; /* children, when nlabels > 0 */
	struct metrics_series *first, *last;
	size_t nseries;
	struct metrics_family *next;
};

struct triage_metric_counter {
	struct metrics_series s;
};
struct triage_metric_gauge {
	struct metrics_series s;
};
struct triage_metric_histogram {
	struct metrics_series s;
};
_Static_assert(offsetof(struct triage_metric_counter, s.where) == 0,
	       "triage.h's inline increment reads a counter's first bytes");

extern pthread_mutex_t metrics_lock;

/* --- metrics_registry.c --- */

/* The registered families, in registration order (under the lock). */
struct metrics_family *metrics_families(void);

/* Registers a family; `internal` lets the agent use names it reserves
 * (triage_*, process_*). Sets the thread's error text on failure. */
int metrics_register(enum metrics_kind kind, const char *name, const char *help,
		     const char *const *labels, const double *bounds,
		     size_t nbounds, bool internal,
		     struct metrics_series **out);

/* The child for `values`; with `limit`, NULL (and no error) instead of
 * a new child once the family has that many. */
struct metrics_series *metrics_child(struct metrics_series *family,
				     const char *const *values, size_t limit);

/* Sets the calling thread's error text (triage_metric_error). */
void metrics_set_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Name and UTF-8 rules (exposed for the tests). */
bool metrics_valid_metric_name(const char *s, size_t *bad);
bool metrics_valid_label_name(const char *s, size_t *bad);
bool metrics_valid_utf8(const char *s, size_t *bad);

/* --- metrics_shard.c --- */

/* Reserves `n` cells in every shard, n - 1 counts and a sum; returns
 * the first offset. Under the lock. TRIAGE_ENOMEM past the offset
 * space. */
int metrics_cells_reserve(uint32_t n, uint32_t *off);

/* The cells of all shards summed, indexed by offset; `*n` of them. The
 * caller holds the lock and frees the array. NULL when out of memory. */
double *metrics_cells_sum(uint32_t *n);

/* The calling thread's cell `off`, its chunk made if need be: what
 * the fast paths fall back on. NULL (warned once) when memory runs out;
 * the update is lost. */
uint64_t *metrics_cell_make(uint32_t off);

/* Where triage.h's inline increment finds cell `off` (a series'
 * `where`). */
uint64_t metrics_where(uint32_t off);

/* The calling thread's cells (fast path state). triage.h's inline
 * increment reads triage_metric_chunks_ instead, a copy of the table's
 * first TRIAGE_METRIC_FAST_CHUNKS_ entries at a fixed place in the
 * thread. */
struct metrics_tls {
	uint64_t **chunks;
	uint32_t nchunks;
};
extern METRICS_TLS struct metrics_tls metrics_tls;

/* The calling thread's cell `off`, or NULL when its chunk is not there
 * yet. The owner is the only writer; relaxed atomics keep the
 * scraper's reads defined and compile to plain moves. */
static inline uint64_t *metrics_cell(uint32_t off)
{
	uint32_t c = off >> METRICS_CHUNK_SHIFT;
	uint64_t *chunk;

	if (__builtin_expect(c < metrics_tls.nchunks, 1) &&
	    __builtin_expect((chunk = metrics_tls.chunks[c]) != NULL, 1))
		return &chunk[off & (METRICS_CHUNK_CELLS - 1)];
	return NULL;
}

/* The calling thread's cell `off`, made on the thread's first update
 * in its chunk; NULL only when memory runs out. */
static inline uint64_t *metrics_cell_or_make(uint32_t off)
{
	uint64_t *p = metrics_cell(off);

	return __builtin_expect(p != NULL, 1) ? p : metrics_cell_make(off);
}

static inline void metrics_count_bump(uint64_t *p, uint64_t n)
{
	__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + n,
			 __ATOMIC_RELAXED);
}

/* A sum cell holds a double's bits. */
static inline void metrics_sum_bump(uint64_t *p, double v)
{
	uint64_t bits = __atomic_load_n(p, __ATOMIC_RELAXED);
	double cur;

	memcpy(&cur, &bits, sizeof(cur));
	cur += v;
	memcpy(&bits, &cur, sizeof(bits));
	__atomic_store_n(p, bits, __ATOMIC_RELAXED);
}

/* --- metrics_text.c --- */

/* A growing text buffer; `oom` once an append failed. */
struct metrics_buf {
	char *p;
	size_t len, cap;
	bool oom;
};

void metrics_buf_put(struct metrics_buf *b, const char *s, size_t n);
void metrics_buf_str(struct metrics_buf *b, const char *s);

/* A number as Prometheus reads it: shortest round-trip form, "+Inf",
 * "-Inf", "NaN". `om_le` adds ".0" to integers, as OpenMetrics wants
 * for "le" values. Returns the length written into buf (>= 32 bytes). */
size_t metrics_format_double(double v, bool om_le, char *buf);

/* Writes `s` escaped: backslash and newline always, '"' when `quote`. */
void metrics_buf_escaped(struct metrics_buf *b, const char *s, bool quote);

/* A family's HELP and TYPE lines. */
void metrics_write_header(struct metrics_buf *b, bool om, const char *name,
			  const char *help, const char *type);

/* One sample: name suffix {labels, extra label} value. */
void metrics_write_sample(struct metrics_buf *b, bool om, const char *name,
			  const char *suffix, char *const *labels,
			  char *const *values, size_t nlabels,
			  const char *extra_label, const char *extra_value,
			  double v);

/* --- metrics_negotiate.c --- */

/* Which format an Accept header asks for, as Prometheus's Go client
 * negotiates it; *content_type is the Content-Type to answer with. */
enum triage_metric_format metrics_negotiate(const char *accept,
					    const char **content_type);

/* --- metrics_procfs.c --- */

struct metrics_proc_stat {
	double utime_ticks, stime_ticks;
	double num_threads;
	double starttime_ticks;
	double vsize;
	double rss_pages;
};

/* Parses /proc/<pid>/stat text; TRIAGE_EFORMAT when malformed. */
int metrics_parse_proc_stat(const char *text, size_t len,
			    struct metrics_proc_stat *out);

/* Finds "btime N" in /proc/stat text; TRIAGE_EFORMAT when absent. */
int metrics_parse_btime(const char *text, size_t len, double *btime);

/* --- metrics_process.c --- */

/* Writes the process_* families. */
void metrics_write_process(struct metrics_buf *b, bool om);

/* --- metrics_agent.c --- */

/* Writes the agent's own health families that are not registered
 * metrics (CPU profile samples). */
void metrics_write_agent(struct metrics_buf *b, bool om);

/* Registers the agent's health counters (once). */
void metrics_agent_init(void);

/* Counts a profile served; `kind` is "cpu", "heap", ... */
void metrics_profile_served(const char *kind);

/*
 * Counters that the agent's logger and span exporter feed. Each is
 * registered on its first request, so /metrics shows only the counters
 * that something feeds.
 */
enum metrics_agent_counter {
	METRICS_LOG_LINES,
	METRICS_LOG_LINES_DROPPED,
	METRICS_SPANS_EXPORTED,
	METRICS_SPANS_DROPPED,
};
struct triage_metric_counter *
metrics_agent_counter(enum metrics_agent_counter which);

/* --- metrics_endpoint.c --- */

struct http_route;

/* The route of /metrics. */
const struct http_route *metrics_routes(size_t *n);

#endif
