/*
 * metrics_shard.c - the per-thread cells behind counters and histograms
 * (see metrics.h for the layout).
 *
 * Memory: a thread that never updates a metric costs nothing; one that
 * does owns a chunk table (8 bytes per 512 cells in use) and 4 KiB per
 * chunk it touched. A service with 100 series and 50 updating threads
 * spends about 200 KiB. When a thread exits, its cells are added into
 * the retired shard (its chunks are adopted where the retired shard has
 * none), so counters never go down and dead threads cost nothing more.
 */
#include "metrics.h"

#include "log.h"
#include "options.h"

#include <stdlib.h>
#include <string.h>

#define MAX_CELLS (1u << 30)
#define CHUNK_BYTES (METRICS_CHUNK_CELLS * sizeof(uint64_t))

pthread_mutex_t metrics_lock = PTHREAD_MUTEX_INITIALIZER;
METRICS_TLS struct metrics_tls metrics_tls;
TRIAGE_API METRICS_TLS
    uint64_t *triage_metric_chunks_[TRIAGE_METRIC_FAST_CHUNKS_ + 1];

struct shard {
	uint64_t **chunks;
	uint32_t nchunks;
	struct shard *next;
};

static struct {
	uint32_t ncells;
	uint64_t *sums; /* a bit per cell: set for a sum (a double) */
	uint32_t nsums; /* words in `sums` */
	struct shard *live;
	struct shard retired;
	pthread_key_t key;
	bool key_ok;
	bool warned;
} cells;

static METRICS_TLS struct shard *tls_shard;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void before_fork(void)
{
	pthread_mutex_lock(&metrics_lock);
}

static void after_fork(void)
{
	pthread_mutex_unlock(&metrics_lock);
}

/* The child keeps the parent's counts: the shards of threads it does
 * not have are plain data now, summed like the rest. */
static void after_fork_child(void)
{
	pthread_mutex_init(&metrics_lock, NULL);
}

static void shard_free(struct shard *s)
{
	uint32_t c;

	for (c = 0; c < s->nchunks; c++)
		free(s->chunks[c]);
	free(s->chunks);
	free(s);
}

/* Makes room for chunk `c` in the table; under the lock. */
static int shard_grow(struct shard *s, uint32_t c)
{
	uint32_t n = s->nchunks ? s->nchunks : 4;
	uint64_t **t;

	if (c < s->nchunks)
		return 0;
	while (n <= c)
		n *= 2;
	t = calloc(n, sizeof(*t));
	if (!t)
		return TRIAGE_ENOMEM;
	if (s->nchunks)
		memcpy(t, s->chunks, s->nchunks * sizeof(*t));
	free(s->chunks);
	s->chunks = t;
	s->nchunks = n;
	return 0;
}

/* Makes chunk `c` exist; under the lock. */
static int shard_ensure(struct shard *s, uint32_t c)
{
	uint64_t *chunk;

	if (shard_grow(s, c))
		return TRIAGE_ENOMEM;
	if (s->chunks[c])
		return 0;
	chunk = aligned_alloc(64, CHUNK_BYTES);
	if (!chunk)
		return TRIAGE_ENOMEM;
	memset(chunk, 0, CHUNK_BYTES);
	s->chunks[c] = chunk;
	return 0;
}

static bool is_sum(uint32_t off)
{
	uint32_t w = off / 64;

	return w < cells.nsums && (cells.sums[w] >> (off % 64) & 1);
}

/* Adds cell `from` into cell `to`, both at offset `off`. */
static void cell_fold(uint64_t *to, const uint64_t *from, uint32_t off)
{
	uint64_t v = __atomic_load_n(from, __ATOMIC_RELAXED);
	double d;

	if (is_sum(off)) {
		memcpy(&d, &v, sizeof(d));
		metrics_sum_bump(to, d);
	} else {
		metrics_count_bump(to, v);
	}
}

/* Adds everything `src` counted into `dst`; the only failure (growing
 * dst's table) happens before anything moved. Under the lock. */
static int shard_fold(struct shard *dst, struct shard *src)
{
	uint32_t c, i;

	if (src->nchunks && shard_grow(dst, src->nchunks - 1))
		return TRIAGE_ENOMEM;
	for (c = 0; c < src->nchunks; c++) {
		uint64_t *from = src->chunks[c], *to = dst->chunks[c];

		if (!from)
			continue;
		if (!to) {
			dst->chunks[c] = from;
			src->chunks[c] = NULL;
			continue;
		}
		for (i = 0; i < METRICS_CHUNK_CELLS; i++)
			cell_fold(&to[i], &from[i],
				  (c << METRICS_CHUNK_SHIFT) + i);
	}
	return 0;
}

static void unlink_shard(struct shard *s)
{
	struct shard **pp;

	for (pp = &cells.live; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			return;
		}
	}
}

/*
 * Thread exit: fold the thread's cells into the retired shard. Should
 * that fail for memory, the shard stays in the list, still counted. A
 * thread that updates a metric after this (in another key's destructor)
 * gets a new shard, and glibc calls this again for it; past its last
 * round of destructors that shard stays in the list, counted too.
 */
static void shard_exit(void *p)
{
	struct shard *s = p;

	pthread_mutex_lock(&metrics_lock);
	if (shard_fold(&cells.retired, s) == 0) {
		unlink_shard(s);
		shard_free(s);
	}
	tls_shard = NULL;
	metrics_tls.chunks = NULL;
	metrics_tls.nchunks = 0;
	memset(triage_metric_chunks_, 0, sizeof(triage_metric_chunks_));
	pthread_mutex_unlock(&metrics_lock);
}

static void init(void)
{
	cells.key_ok = pthread_key_create(&cells.key, shard_exit) == 0;
	pthread_atfork(before_fork, after_fork, after_fork_child);
}

/* Marks cell `off` as a sum; under the lock. */
static int mark_sum(uint32_t off)
{
	uint32_t w = off / 64, n = cells.nsums ? cells.nsums : 16;
	uint64_t *t;

	if (w >= cells.nsums) {
		while (n <= w)
			n *= 2;
		t = realloc(cells.sums, n * sizeof(*t));
		if (!t)
			return TRIAGE_ENOMEM;
		memset(t + cells.nsums, 0, (n - cells.nsums) * sizeof(*t));
		cells.sums = t;
		cells.nsums = n;
	}
	cells.sums[w] |= (uint64_t)1 << (off % 64);
	return 0;
}

int metrics_cells_reserve(uint32_t n, uint32_t *off)
{
	uint32_t at = cells.ncells;

	pthread_once(&init_once, init);
	/* A series never straddles two chunks, so a histogram's update
	 * finds all its cells with one lookup. */
	if (n <= METRICS_CHUNK_CELLS &&
	    (at & (METRICS_CHUNK_CELLS - 1)) + n > METRICS_CHUNK_CELLS)
		at = (at | (METRICS_CHUNK_CELLS - 1)) + 1;
	if (n < 1 || n > METRICS_CHUNK_CELLS || at > MAX_CELLS - n ||
	    mark_sum(at + n - 1))
		return TRIAGE_ENOMEM;
	*off = at;
	cells.ncells = at + n;
	return 0;
}

/* Where triage.h's inline increment finds cell `off`: past the fast
 * table, at its last entry, which stays NULL, so that it calls. */
uint64_t metrics_where(uint32_t off)
{
	uint64_t c = off >> METRICS_CHUNK_SHIFT;
	uint64_t byte = (off & (METRICS_CHUNK_CELLS - 1)) * sizeof(uint64_t);

	if (c > TRIAGE_METRIC_FAST_CHUNKS_)
		c = TRIAGE_METRIC_FAST_CHUNKS_;
	return c | byte << 32;
}

/* The calling thread's shard, made on first use; under the lock. */
static struct shard *own_shard(void)
{
	struct shard *s;

	if (tls_shard)
		return tls_shard;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (cells.key_ok && pthread_setspecific(cells.key, s)) {
		free(s);
		return NULL;
	}
	s->next = cells.live;
	cells.live = s;
	tls_shard = s;
	return s;
}

uint64_t *metrics_cell_make(uint32_t off)
{
	uint32_t c = off >> METRICS_CHUNK_SHIFT;
	uint64_t *p = NULL;
	struct shard *s;

	pthread_mutex_lock(&metrics_lock);
	s = own_shard();
	if (s && shard_ensure(s, c) == 0) {
		metrics_tls.chunks = s->chunks;
		metrics_tls.nchunks = s->nchunks;
		if (c < TRIAGE_METRIC_FAST_CHUNKS_)
			triage_metric_chunks_[c] = s->chunks[c];
		p = &s->chunks[c][off & (METRICS_CHUNK_CELLS - 1)];
	} else if (!cells.warned) {
		cells.warned = true;
		tlog(TLOG_WARN, "out of memory for metric cells; updates lost");
	}
	pthread_mutex_unlock(&metrics_lock);
	return p;
}

/* Adds a shard's cells into `total` (the raw cells, counts and the
 * bits of sums). */
static void sum_shard(const struct shard *s, uint64_t *total, uint32_t n)
{
	uint32_t c, i,
	    nch = (n + METRICS_CHUNK_CELLS - 1) >> METRICS_CHUNK_SHIFT;

	for (c = 0; c < s->nchunks && c < nch; c++) {
		const uint64_t *chunk = s->chunks[c];
		uint32_t base = c << METRICS_CHUNK_SHIFT;
		uint32_t lim = n - base < METRICS_CHUNK_CELLS
				   ? n - base
				   : METRICS_CHUNK_CELLS;

		if (!chunk)
			continue;
		for (i = 0; i < lim; i++)
			cell_fold(&total[base + i], &chunk[i], base + i);
	}
}

double *metrics_cells_sum(uint32_t *n)
{
	uint32_t len = cells.ncells ? cells.ncells : 1, i;
	uint64_t *raw = calloc(len, sizeof(uint64_t));
	double *total = malloc(len * sizeof(double));
	const struct shard *s;

	if (!raw || !total) {
		free(raw);
		free(total);
		return NULL;
	}
	for (s = cells.live; s; s = s->next)
		sum_shard(s, raw, cells.ncells);
	sum_shard(&cells.retired, raw, cells.ncells);
	for (i = 0; i < cells.ncells; i++) {
		if (is_sum(i))
			memcpy(&total[i], &raw[i], sizeof(double));
		else
			total[i] = (double)raw[i];
	}
	free(raw);
	*n = cells.ncells;
	return total;
}
