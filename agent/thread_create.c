/*
 * thread_create.c - the creation stacks of the host's threads (see
 * thread_create.h).
 *
 * Records live in an array in order of first sight, their program
 * counters in one pool, found again through an open-addressed index of
 * their hashes, all behind one mutex: creating a thread costs tens of
 * microseconds already, and the unwind and the lookup add one or two.
 * The mutex is held across fork (pthread_atfork), so a child never
 * inherits it locked by a thread that does not exist there.
 */
#include "thread_create.h"

#include "triage.h"
#include "unwind.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define TLS __thread __attribute__((tls_model("initial-exec")))
/* Past this many distinct creation stacks new ones are not recorded:
 * a bound on the memory a program that creates threads from generated
 * code could make the agent hold. */
#define MAX_RECORDS 65536

struct rec {
	uint64_t hash;
	int64_t count;
	int depth;
	size_t at; /* index of the first pc in the pool */
};

static struct {
	pthread_mutex_t lock;
	struct rec *recs;
	size_t n, cap;
	uint32_t *index; /* record number + 1; 0 is empty */
	size_t index_size;
	uint64_t *pool;
	size_t npool, cap_pool;
	int64_t total;
} tc = {.lock = PTHREAD_MUTEX_INITIALIZER};

static pthread_once_t fork_once = PTHREAD_ONCE_INIT;
static TLS int tls_created_by;

static void before_fork(void)
{
	pthread_mutex_lock(&tc.lock);
}

static void after_fork(void)
{
	pthread_mutex_unlock(&tc.lock);
}

static void install_fork_hooks(void)
{
	pthread_atfork(before_fork, after_fork, after_fork);
}

static uint64_t hash_pcs(const uint64_t *pcs, int depth)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;
	int i;

	for (i = 0; i < depth; i++) {
		h ^= pcs[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return h ^ (uint64_t)depth;
}

static bool same(const struct rec *r, uint64_t h, const uint64_t *pcs,
		 int depth)
{
	return r->hash == h && r->depth == depth &&
	       !memcmp(tc.pool + r->at, pcs, (size_t)depth * sizeof(*pcs));
}

/* Doubles the index at half full; 0 or TRIAGE_ENOMEM. */
static int grow_index(void)
{
	size_t size = tc.index_size ? tc.index_size * 2 : 256, i;
	uint32_t *index = calloc(size, sizeof(*index));

	if (!index)
		return TRIAGE_ENOMEM;
	for (i = 0; i < tc.n; i++) {
		size_t at = tc.recs[i].hash & (size - 1);

		while (index[at])
			at = (at + 1) & (size - 1);
		index[at] = (uint32_t)(i + 1);
	}
	free(tc.index);
	tc.index = index;
	tc.index_size = size;
	return 0;
}

/* Room for one more record of `depth` pcs; 0 or TRIAGE_ENOMEM. */
static int reserve(int depth)
{
	if (tc.n == tc.cap) {
		size_t cap = tc.cap ? tc.cap * 2 : 64;
		struct rec *r = realloc(tc.recs, cap * sizeof(*r));

		if (!r)
			return TRIAGE_ENOMEM;
		tc.recs = r;
		tc.cap = cap;
	}
	if (!tc.pool || tc.npool + (size_t)depth > tc.cap_pool) {
		size_t cap = tc.cap_pool ? tc.cap_pool * 2 : 4096;
		uint64_t *p;

		while (cap < tc.npool + (size_t)depth)
			cap *= 2;
		p = realloc(tc.pool, cap * sizeof(*p));
		if (!p)
			return TRIAGE_ENOMEM;
		tc.pool = p;
		tc.cap_pool = cap;
	}
	if ((tc.n + 1) * 2 > tc.index_size)
		return grow_index();
	return 0;
}

/* The id of the record of this stack, made if new; 0 when it cannot. */
static int add_locked(const uint64_t *pcs, int depth)
{
	uint64_t h = hash_pcs(pcs, depth);
	size_t at;

	if (tc.index_size) {
		for (at = h & (tc.index_size - 1); tc.index[at];
		     at = (at + 1) & (tc.index_size - 1)) {
			struct rec *r = &tc.recs[tc.index[at] - 1];

			if (same(r, h, pcs, depth)) {
				r->count++;
				return (int)tc.index[at];
			}
		}
	}
	if (tc.n >= MAX_RECORDS || reserve(depth))
		return 0;
	tc.recs[tc.n] = (struct rec){h, 1, depth, tc.npool};
	memcpy(tc.pool + tc.npool, pcs, (size_t)depth * sizeof(*pcs));
	tc.npool += (size_t)depth;
	for (at = h & (tc.index_size - 1); tc.index[at];
	     at = (at + 1) & (tc.index_size - 1))
		;
	tc.index[at] = (uint32_t)(++tc.n);
	return (int)tc.n;
}

__attribute__((noinline)) int tdump_note_create(void)
{
	uint64_t pcs[TDUMP_CREATE_DEPTH];
	int depth, id;

	pthread_once(&fork_once, install_fork_hooks);
	depth = tunw_backtrace_here(pcs, TDUMP_CREATE_DEPTH);
	pthread_mutex_lock(&tc.lock);
	tc.total++;
	id = add_locked(pcs, depth);
	pthread_mutex_unlock(&tc.lock);
	return id;
}

void tdump_thread_begin(int created_by)
{
	tls_created_by = created_by;
}

int tdump_created_by_self(void)
{
	return tls_created_by;
}

int tdump_creates_copy(struct tdump_creates *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&tc.lock);
	out->total = tc.total;
	out->recs = calloc(tc.n ? tc.n : 1, sizeof(*out->recs));
	out->pool = malloc((tc.npool ? tc.npool : 1) * sizeof(*out->pool));
	if (!out->recs || !out->pool) {
		pthread_mutex_unlock(&tc.lock);
		tdump_creates_free(out);
		return TRIAGE_ENOMEM;
	}
	if (tc.npool)
		memcpy(out->pool, tc.pool, tc.npool * sizeof(*out->pool));
	for (i = 0; i < tc.n; i++) {
		out->recs[i].count = tc.recs[i].count;
		out->recs[i].depth = tc.recs[i].depth;
		out->recs[i].pcs = out->pool + tc.recs[i].at;
	}
	out->n = tc.n;
	pthread_mutex_unlock(&tc.lock);
	return 0;
}

void tdump_creates_free(struct tdump_creates *c)
{
	free(c->recs);
	free(c->pool);
	memset(c, 0, sizeof(*c));
}

int64_t tdump_creates_total(void)
{
	int64_t n;

	pthread_mutex_lock(&tc.lock);
	n = tc.total;
	pthread_mutex_unlock(&tc.lock);
	return n;
}
