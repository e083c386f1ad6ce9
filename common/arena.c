/*
 * arena.c - memory for the profile code: a bump allocator of large
 * chunks, so that a profile with millions of small objects is one free
 * away from gone, and the checked allocation underneath it.
 */
#include "arena.h"

#include "triage.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_FIRST_CHUNK (64u << 10)
#define ARENA_MAX_CHUNK (8u << 20)
#define ARENA_ALIGN 16u

struct arena_chunk {
	struct arena_chunk *next;
	size_t size; /* usable bytes after the header */
	size_t used;
	max_align_t data[];
};

struct tprof_arena {
	struct arena_chunk *head; /* the chunk being filled */
	size_t next_size;	  /* size of the next ordinary chunk */
	size_t total;
};

/* Countdown of the failure-injection hook; 0 means off. */
static long fail_countdown;

void tprof_fail_alloc_after(long n)
{
	__atomic_store_n(&fail_countdown, n, __ATOMIC_RELAXED);
}

/* True when the hook says this allocation must fail. */
static int injected_failure(void)
{
	long n = __atomic_load_n(&fail_countdown, __ATOMIC_RELAXED);

	if (n <= 0)
		return 0;
	if (n == 1)
		return 1; /* stays at 1: every later call fails too */
	__atomic_fetch_sub(&fail_countdown, 1, __ATOMIC_RELAXED);
	return 0;
}

void *tprof_malloc(size_t size)
{
	if (injected_failure())
		return NULL;
	return malloc(size ? size : 1);
}

void *tprof_realloc(void *p, size_t size)
{
	if (injected_failure())
		return NULL;
	return realloc(p, size ? size : 1);
}

void tprof_mfree(void *p)
{
	free(p);
}

int tprof_grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return TRIAGE_ENOMEM;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / elem)
		return TRIAGE_ENOMEM;
	p = tprof_realloc(*arr, ncap * elem);
	if (!p)
		return TRIAGE_ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

struct tprof_arena *tprof_arena_new(void)
{
	struct tprof_arena *a = tprof_malloc(sizeof(*a));

	if (!a)
		return NULL;
	a->head = NULL;
	a->next_size = ARENA_FIRST_CHUNK;
	a->total = sizeof(*a);
	return a;
}

void tprof_arena_free(struct tprof_arena *a)
{
	struct arena_chunk *c, *next;

	if (!a)
		return;
	for (c = a->head; c; c = next) {
		next = c->next;
		tprof_mfree(c);
	}
	tprof_mfree(a);
}

/*
 * Adds a chunk of at least `min` usable bytes. A request larger than a
 * quarter of the ordinary chunk size gets a chunk of its own, linked
 * behind the head so the head's free space is not wasted.
 */
static struct arena_chunk *arena_add_chunk(struct tprof_arena *a, size_t min)
{
	int own = min > a->next_size / 4;
	size_t size = own ? min : a->next_size;
	struct arena_chunk *c;

	if (size > SIZE_MAX - sizeof(*c))
		return NULL;
	c = tprof_malloc(sizeof(*c) + size);
	if (!c)
		return NULL;
	c->size = size;
	c->used = 0;
	a->total += sizeof(*c) + size;
	if (own && a->head) {
		c->next = a->head->next;
		a->head->next = c;
		return c;
	}
	c->next = a->head;
	a->head = c;
	if (a->next_size < ARENA_MAX_CHUNK)
		a->next_size *= 2;
	return c;
}

void *tprof_arena_calloc(struct tprof_arena *a, size_t n, size_t size)
{
	struct arena_chunk *c = a->head;
	size_t bytes, off;

	if (size && n > SIZE_MAX / size)
		return NULL;
	bytes = n * size;
	if (bytes > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	bytes = (bytes + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (!bytes)
		bytes = ARENA_ALIGN;

	if (!c || c->size - c->used < bytes) {
		c = arena_add_chunk(a, bytes);
		if (!c)
			return NULL;
	}
	off = c->used;
	c->used += bytes;
	memset((char *)c->data + off, 0, bytes);
	return (char *)c->data + off;
}

char *tprof_arena_strndup(struct tprof_arena *a, const char *s, size_t len)
{
	char *d;

	if (len == SIZE_MAX)
		return NULL;
	d = tprof_arena_calloc(a, len + 1, 1);
	if (d && len)
		memcpy(d, s, len);
	return d;
}

size_t tprof_arena_size(const struct tprof_arena *a)
{
	return a->total;
}
