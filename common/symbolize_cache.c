/*
 * symbolize_cache.c - what the symbolizer remembers between lookups: the
 * strings it handed out (interned, so a profile of thousands of frames
 * holds each function name once) and the frames of every address it
 * resolved, so that an address seen in many samples is resolved once.
 */
#include "symbolize_internal.h"

#include "triage.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE 65536

/* The address cache is dropped, not grown, past this many frames, so
 * that a process profiled for weeks does not grow without bound. */
#define CACHE_MAX_FRAMES (1u << 20)

struct tsym_chunk {
	struct tsym_chunk *next;
	size_t used, cap;
	char data[];
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ull;
	return h;
}

/* Copies `s` (n bytes and a NUL) into the current chunk or a new one. */
static const char *store(struct tsym_strings *st, const char *s, size_t n)
{
	struct tsym_chunk *c = st->chunks;
	char *p;

	if (!c || c->cap - c->used < n + 1) {
		size_t cap = n + 1 > CHUNK_SIZE ? n + 1 : CHUNK_SIZE;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->next = st->chunks;
		c->used = 0;
		c->cap = cap;
		st->chunks = c;
	}
	p = c->data + c->used;
	memcpy(p, s, n + 1);
	c->used += n + 1;
	return p;
}

static int grow_strings(struct tsym_strings *st)
{
	size_t cap = st->cap ? st->cap * 2 : 1024, i;
	const char **slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return TRIAGE_ENOMEM;
	for (i = 0; i < st->cap; i++) {
		size_t j;

		if (!st->slots[i])
			continue;
		j = hash_str(st->slots[i]) & (cap - 1);
		while (slots[j])
			j = (j + 1) & (cap - 1);
		slots[j] = st->slots[i];
	}
	free(st->slots);
	st->slots = slots;
	st->cap = cap;
	return 0;
}

const char *tsym_intern(struct tsym_strings *st, const char *str)
{
	size_t j;
	const char *p;

	if (!str)
		str = "";
	if ((st->count + 1) * 2 > st->cap && grow_strings(st) < 0)
		return NULL;
	j = hash_str(str) & (st->cap - 1);
	while (st->slots[j]) {
		if (strcmp(st->slots[j], str) == 0)
			return st->slots[j];
		j = (j + 1) & (st->cap - 1);
	}
	p = store(st, str, strlen(str));
	if (!p)
		return NULL;
	st->slots[j] = p;
	st->count++;
	return p;
}

void tsym_strings_free(struct tsym_strings *st)
{
	struct tsym_chunk *c = st->chunks;

	while (c) {
		struct tsym_chunk *next = c->next;

		free(c);
		c = next;
	}
	free(st->slots);
	memset(st, 0, sizeof(*st));
}

static size_t hash_pc(uint64_t pc, size_t cap)
{
	return (size_t)((pc * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);
}

const struct tsym_slot *tsym_cache_get(const struct tsym_cache *c, uint64_t pc)
{
	size_t j;

	if (!c->cap)
		return NULL;
	for (j = hash_pc(pc, c->cap); c->slots[j].used;
	     j = (j + 1) & (c->cap - 1))
		if (c->slots[j].pc == pc)
			return &c->slots[j];
	return NULL;
}

static int grow_slots(struct tsym_cache *c)
{
	size_t cap = c->cap ? c->cap * 2 : 1024, i;
	struct tsym_slot *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return TRIAGE_ENOMEM;
	for (i = 0; i < c->cap; i++) {
		size_t j;

		if (!c->slots[i].used)
			continue;
		j = hash_pc(c->slots[i].pc, cap);
		while (slots[j].used)
			j = (j + 1) & (cap - 1);
		slots[j] = c->slots[i];
	}
	free(c->slots);
	c->slots = slots;
	c->cap = cap;
	return 0;
}

static int reserve_frames(struct tsym_cache *c, size_t n)
{
	size_t cap = c->frames_cap ? c->frames_cap : 1024;
	struct tsym_frame *f;

	if (c->nframes + n <= c->frames_cap)
		return 0;
	while (cap < c->nframes + n)
		cap *= 2;
	f = realloc(c->frames, cap * sizeof(*f));
	if (!f)
		return TRIAGE_ENOMEM;
	c->frames = f;
	c->frames_cap = cap;
	return 0;
}

int tsym_cache_put(struct tsym_cache *c, uint64_t pc,
		   const struct tsym_frame *f, int n)
{
	size_t j;

	if (c->nframes + (size_t)n > CACHE_MAX_FRAMES)
		tsym_cache_clear(c);
	if ((c->count + 1) * 2 > c->cap && grow_slots(c) < 0)
		return TRIAGE_ENOMEM;
	if (reserve_frames(c, (size_t)n) < 0)
		return TRIAGE_ENOMEM;
	j = hash_pc(pc, c->cap);
	while (c->slots[j].used && c->slots[j].pc != pc)
		j = (j + 1) & (c->cap - 1);
	if (!c->slots[j].used)
		c->count++;
	c->slots[j].pc = pc;
	c->slots[j].first = (uint32_t)c->nframes;
	c->slots[j].n = (uint16_t)n;
	c->slots[j].used = 1;
	if (n > 0)
		memcpy(c->frames + c->nframes, f, (size_t)n * sizeof(*f));
	c->nframes += (size_t)n;
	return 0;
}

/* Forgets every address; keeps the memory for reuse. */
void tsym_cache_clear(struct tsym_cache *c)
{
	if (c->slots)
		memset(c->slots, 0, c->cap * sizeof(*c->slots));
	c->count = 0;
	c->nframes = 0;
}

void tsym_cache_free(struct tsym_cache *c)
{
	free(c->slots);
	free(c->frames);
	memset(c, 0, sizeof(*c));
}
