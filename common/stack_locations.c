/*
 * stack_locations.c - symbolizing stacks into profile locations.
 *
 * Each distinct address is symbolized once per profile. A mapping is
 * marked has_functions only when every lookup in it found a function,
 * as Go does, so a consumer knows whether to try symbolizing it again.
 */
#include "stack_locations.h"

#include "triage.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INLINE 32

struct map_state {
	uint64_t id;
	size_t found, named, lined; /* lookups: all, with name, with line */
};

struct tloc_cache {
	struct tprof_builder *b;
	struct tsym *sym;
	const struct tmaps *maps;
	struct map_state *states; /* one per maps->e entry */
	uint64_t *keys;           /* address << 1 | is_leaf, 0 = empty */
	uint64_t *vals;
	size_t size, used;
};

static void add_mapping(struct tloc_cache *c, size_t i)
{
	const struct tmaps_entry *e = &c->maps->e[i];

	c->states[i].id = tprof_add_mapping(c->b, e->start, e->limit,
					    e->offset, e->path, e->build_id,
					    0);
}

struct tloc_cache *tloc_new(struct tprof_builder *b, struct tsym *sym,
			    const struct tmaps *maps, const char *main_path)
{
	struct tloc_cache *c = calloc(1, sizeof(*c));
	size_t i;

	if (!c)
		return NULL;
	c->b = b;
	c->sym = sym;
	c->maps = maps;
	c->states = calloc(maps->n ? maps->n : 1, sizeof(*c->states));
	c->size = 1024;
	c->keys = calloc(c->size, sizeof(*c->keys));
	c->vals = calloc(c->size, sizeof(*c->vals));
	if (!c->states || !c->keys || !c->vals) {
		tloc_finish(c);
		return NULL;
	}
	for (i = 0; i < maps->n && main_path; i++)
		if (!strcmp(maps->e[i].path, main_path)) {
			add_mapping(c, i);
			break;
		}
	for (i = 0; i < maps->n; i++)
		if (!c->states[i].id)
			add_mapping(c, i);
	return c;
}

static int grow(struct tloc_cache *c)
{
	size_t size = c->size * 2, i;
	uint64_t *keys = calloc(size, sizeof(*keys));
	uint64_t *vals = calloc(size, sizeof(*vals));

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return TRIAGE_ENOMEM;
	}
	for (i = 0; i < c->size; i++) {
		size_t at;

		if (!c->keys[i])
			continue;
		at = (c->keys[i] * 0x9e3779b97f4a7c15ull >> 20) & (size - 1);
		while (keys[at])
			at = (at + 1) & (size - 1);
		keys[at] = c->keys[i];
		vals[at] = c->vals[i];
	}
	free(c->keys);
	free(c->vals);
	c->keys = keys;
	c->vals = vals;
	c->size = size;
	return 0;
}

/* Symbolizes `addr` and adds its location. */
static uint64_t make_location(struct tloc_cache *c, uint64_t addr)
{
	struct tsym_frame frames[MAX_INLINE];
	struct tprof_line_in lines[MAX_INLINE];
	const struct tmaps_entry *e = tmaps_find(c->maps, addr);
	struct map_state *st = e ? &c->states[e - c->maps->e] : NULL;
	int n = tsym_lookup(c->sym, addr, frames, MAX_INLINE), i;

	if (n < 0)
		n = 0;
	for (i = 0; i < n; i++) {
		lines[i].function_id = tprof_add_function(
			c->b, frames[i].name, frames[i].system_name,
			frames[i].file, frames[i].start_line);
		lines[i].line = frames[i].line;
	}
	if (st) {
		st->found++;
		st->named += n > 0;
		st->lined += n > 0 && frames[n - 1].line > 0;
	}
	return tprof_add_location(c->b, st ? st->id : 0, addr, lines,
				  (size_t)n);
}

static int location_of(struct tloc_cache *c, uint64_t pc, bool leaf,
		       uint64_t *id)
{
	uint64_t addr = leaf ? pc : pc - 1;
	uint64_t key = addr << 1 | leaf | 1ull << 63;
	size_t at;

	if ((c->used + 1) * 2 > c->size && grow(c))
		return TRIAGE_ENOMEM;
	at = (key * 0x9e3779b97f4a7c15ull >> 20) & (c->size - 1);
	for (; c->keys[at]; at = (at + 1) & (c->size - 1)) {
		if (c->keys[at] == key) {
			*id = c->vals[at];
			return 0;
		}
	}
	*id = make_location(c, addr);
	if (!*id)
		return TRIAGE_ENOMEM;
	c->keys[at] = key;
	c->vals[at] = *id;
	c->used++;
	return 0;
}

int tloc_stack(struct tloc_cache *c, const uint64_t *pcs, size_t n,
	       bool leaf_exact, uint64_t *ids)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		err = location_of(c, pcs[i], leaf_exact && i == 0, &ids[i]);
		if (err)
			return err;
	}
	return 0;
}

void tloc_finish(struct tloc_cache *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; c->states && i < c->maps->n; i++) {
		const struct map_state *st = &c->states[i];
		unsigned flags = 0;

		if (!st->id || !st->found)
			continue;
		if (st->named == st->found)
			flags |= TPROF_HAS_FUNCTIONS;
		if (st->lined == st->found)
			flags |= TPROF_HAS_FILENAMES | TPROF_HAS_LINE_NUMBERS |
				 TPROF_HAS_INLINE_FRAMES;
		tprof_set_mapping_flags(c->b, st->id, flags);
	}
	free(c->states);
	free(c->keys);
	free(c->vals);
	free(c);
}
