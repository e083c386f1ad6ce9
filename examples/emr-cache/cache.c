/*
 * cache.c - the EMR cache, and its leak.
 *
 * Every request for a record starts a thread that loads the record (10
 * MB), adds it to a global list and then stays, waiting to be told the
 * record went stale, which nothing ever tells it. Each request costs a
 * thread and 10 MB that are never given back: after a few days of
 * traffic the OOM killer ends the service. The playbook's memory scene
 * finds this with the heap profile and the thread dump; the fix is a
 * bounded cache with no thread per record (docs/playbook.md).
 */
#include "emr_cache.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct emr_record {
	char id[72];
	unsigned char *bundle; /* EMR_RECORD_BYTES */
	struct emr_record *next;
};

/* The cache: every record ever loaded. */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t invalidated = PTHREAD_COND_INITIALIZER;
static struct emr_record *cache;
static size_t cache_records;

/* A request waits for its record to be in the cache. */
struct load {
	const char *id;
	pthread_mutex_t lock;
	pthread_cond_t done;
	bool finished;
	int result;
};

/* Keeps the record warm until it is invalidated: never. */
__attribute__((noinline)) static void
wait_for_invalidation(struct emr_record *r)
{
	pthread_mutex_lock(&cache_lock);
	for (;;)
		pthread_cond_wait(&invalidated, &cache_lock);
}

static void finish(struct load *l, int result)
{
	pthread_mutex_lock(&l->lock);
	l->result = result;
	l->finished = true;
	pthread_cond_signal(&l->done);
	pthread_mutex_unlock(&l->lock);
}

/*
 * Loads the record the request asked for, adds it to the cache, tells
 * the request, then keeps the record warm: the function allocates, and
 * it never returns, so the heap profile and the thread dump both name
 * it.
 */
__attribute__((noinline)) static struct emr_record *
load_emr_record(struct load *l)
{
	struct emr_record *r = malloc(sizeof(*r));

	if (r)
		r->bundle = malloc(EMR_RECORD_BYTES);
	if (!r || !r->bundle) {
		free(r);
		finish(l, -1);
		return NULL;
	}
	memset(r->bundle, 'E', EMR_RECORD_BYTES); /* every page really used */
	strncpy(r->id, l->id, sizeof(r->id) - 1);
	r->id[sizeof(r->id) - 1] = '\0';

	pthread_mutex_lock(&cache_lock);
	r->next = cache;
	cache = r;
	cache_records++;
	pthread_mutex_unlock(&cache_lock);
	finish(l, 0); /* `l` is gone from here on */
	wait_for_invalidation(r);
	return r;
}

static void *record_keeper(void *arg)
{
	pthread_setname_np(pthread_self(), "emr-keeper");
	return load_emr_record(arg);
}

int emr_cache_load(const char *id)
{
	struct load l = {.id = id, .finished = false};
	pthread_attr_t attr;
	pthread_t t;
	int err;

	pthread_mutex_init(&l.lock, NULL);
	pthread_cond_init(&l.done, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&t, &attr, record_keeper, &l);
	pthread_attr_destroy(&attr);
	if (err)
		return -1;

	pthread_mutex_lock(&l.lock);
	while (!l.finished)
		pthread_cond_wait(&l.done, &l.lock);
	pthread_mutex_unlock(&l.lock);
	pthread_cond_destroy(&l.done);
	pthread_mutex_destroy(&l.lock);
	return l.result;
}

void emr_cache_stats(size_t *records, size_t *bytes)
{
	pthread_mutex_lock(&cache_lock);
	*records = cache_records;
	*bytes = cache_records * EMR_RECORD_BYTES;
	pthread_mutex_unlock(&cache_lock);
}
