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

#include <stdlib.h>
#include <string.h>

#define MAX_CELLS (1u << 30)
#define CHUNK_BYTES (METRICS_CHUNK_CELLS * sizeof(double))

pthread_mutex_t metrics_lock = PTHREAD_MUTEX_INITIALIZER;
METRICS_TLS struct metrics_tls metrics_tls;

struct shard {
	double **chunks;
	uint32_t nchunks;
	struct shard *next;
};

static struct {
	uint32_t ncells;
	struct shard *live;
	struct shard retired;
	pthread_key_t key;
	bool key_ok;
	bool warned;
} cells;

static METRICS_TLS struct shard *tls_shard;
static METRICS_TLS bool tls_exited;
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
	double **t;

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
	double *chunk;

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

/* Adds everything `src` counted into `dst`; the only failure (growing
 * dst's table) happens before anything moved. Under the lock. */
static int shard_fold(struct shard *dst, struct shard *src)
{
	uint32_t c, i;

	if (src->nchunks && shard_grow(dst, src->nchunks - 1))
		return TRIAGE_ENOMEM;
	for (c = 0; c < src->nchunks; c++) {
		double *from = src->chunks[c], *to = dst->chunks[c];

		if (!from)
			continue;
		if (!to) {
			dst->chunks[c] = from;
			src->chunks[c] = NULL;
			continue;
		}
		for (i = 0; i < METRICS_CHUNK_CELLS; i++) {
			double v;

			__atomic_load(&from[i], &v, __ATOMIC_RELAXED);
			v += to[i];
			__atomic_store(&to[i], &v, __ATOMIC_RELAXED);
		}
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

/* Thread exit: fold the thread's cells into the retired shard. Should
 * that fail for memory, the shard stays in the list, still counted. */
static void shard_exit(void *p)
{
	struct shard *s = p;

	pthread_mutex_lock(&metrics_lock);
	if (shard_fold(&cells.retired, s) == 0) {
		unlink_shard(s);
		shard_free(s);
	}
	tls_shard = NULL;
	tls_exited = true;
	metrics_tls.chunks = NULL;
	metrics_tls.nchunks = 0;
	pthread_mutex_unlock(&metrics_lock);
}

static void init(void)
{
	cells.key_ok = pthread_key_create(&cells.key, shard_exit) == 0;
	pthread_atfork(before_fork, after_fork, after_fork_child);
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
	if (n > METRICS_CHUNK_CELLS || at > MAX_CELLS - n)
		return TRIAGE_ENOMEM;
	*off = at;
	cells.ncells = at + n;
	return 0;
}

/* The calling thread's shard, made on first use; under the lock. */
static struct shard *own_shard(void)
{
	struct shard *s;

	if (tls_exited)
		return &cells.retired;
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

void metrics_cell_add_slow(uint32_t off, double v)
{
	uint32_t c = off >> METRICS_CHUNK_SHIFT;
	struct shard *s;

	pthread_mutex_lock(&metrics_lock);
	s = own_shard();
	if (s && shard_ensure(s, c) == 0) {
		double *p = &s->chunks[c][off & (METRICS_CHUNK_CELLS - 1)];
		double cur;

		__atomic_load(p, &cur, __ATOMIC_RELAXED);
		cur += v;
		__atomic_store(p, &cur, __ATOMIC_RELAXED);
		if (s == tls_shard) {
			metrics_tls.chunks = s->chunks;
			metrics_tls.nchunks = s->nchunks;
		}
	} else if (!cells.warned) {
		cells.warned = true;
		tlog(TLOG_WARN, "out of memory for metric cells; updates lost");
	}
	pthread_mutex_unlock(&metrics_lock);
}

static void sum_shard(const struct shard *s, double *total, uint32_t n)
{
	uint32_t c, i,
	    nch = (n + METRICS_CHUNK_CELLS - 1) >> METRICS_CHUNK_SHIFT;

	for (c = 0; c < s->nchunks && c < nch; c++) {
		const double *chunk = s->chunks[c];
		uint32_t base = c << METRICS_CHUNK_SHIFT;
		uint32_t lim = n - base < METRICS_CHUNK_CELLS
				   ? n - base
				   : METRICS_CHUNK_CELLS;

		if (!chunk)
			continue;
		for (i = 0; i < lim; i++) {
			double v;

			__atomic_load(&chunk[i], &v, __ATOMIC_RELAXED);
			total[base + i] += v;
		}
	}
}

double *metrics_cells_sum(uint32_t *n)
{
	double *total = calloc(cells.ncells ? cells.ncells : 1, sizeof(double));
	const struct shard *s;

	if (!total)
		return NULL;
	for (s = cells.live; s; s = s->next)
		sum_shard(s, total, cells.ncells);
	sum_shard(&cells.retired, total, cells.ncells);
	*n = cells.ncells;
	return total;
}
