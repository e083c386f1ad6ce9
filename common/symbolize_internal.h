/*
 * symbolize_internal.h - what the parts of the symbolizer share: the
 * string pool, the per-address cache, the per-CU function index, and the
 * DWARF resolver that fills them.
 */
#ifndef TRIAGE_SYMBOLIZE_INTERNAL_H
#define TRIAGE_SYMBOLIZE_INTERNAL_H

#include "symbolize.h"

#include <elfutils/libdwfl.h>
#include <stdbool.h>
#include <stddef.h>

/* Interned strings: each stored once, never moved, freed all at once. */
struct tsym_strings {
	struct tsym_chunk *chunks;
	const char **slots; /* open addressing, by hash */
	size_t cap, count;
};

const char *tsym_intern(struct tsym_strings *st, const char *str);
void tsym_strings_free(struct tsym_strings *st);

/* Frames already resolved, by address. */
struct tsym_slot {
	uint64_t pc;
	uint32_t first; /* index in frames */
	uint16_t n;     /* frame count; 0 for an unknown address */
	uint16_t used;
};

struct tsym_cache {
	struct tsym_slot *slots;
	size_t cap, count;
	struct tsym_frame *frames;
	size_t nframes, frames_cap;
};

/* The slot of `pc`, or NULL. */
const struct tsym_slot *tsym_cache_get(const struct tsym_cache *c,
				       uint64_t pc);
/* Stores the frames of `pc`; returns 0 or TRIAGE_ENOMEM. */
int tsym_cache_put(struct tsym_cache *c, uint64_t pc,
		   const struct tsym_frame *f, int n);
void tsym_cache_clear(struct tsym_cache *c);
void tsym_cache_free(struct tsym_cache *c);

/* The concrete functions of one compilation unit, sorted by address. */
struct tsym_fn_range {
	uint64_t lo, hi; /* DWARF addresses (before the module's bias) */
	Dwarf_Die die;
};

struct tsym_cu_index {
	Dwarf_Off cu_off; /* key, with dbg */
	Dwarf *dbg;
	struct tsym_fn_range *r;
	size_t n;
	struct tsym_cu_index *next; /* hash chain */
};

struct tsym_cu_indexes {
	struct tsym_cu_index **buckets;
	size_t nbuckets, count;
};

/* The index of `cudie`, built on first use; NULL when out of memory. */
const struct tsym_cu_index *tsym_cu_index_get(struct tsym_cu_indexes *ix,
					      Dwarf_Die *cudie);
/* The function holding DWARF address `addr`, from the index. */
bool tsym_cu_index_find(const struct tsym_cu_index *cu, uint64_t addr,
			Dwarf_Die *fn);
void tsym_cu_indexes_free(struct tsym_cu_indexes *ix);

struct tsym {
	pid_t pid; /* the real pid, even for this process */
	Dwfl *dwfl;
	uint64_t maps_sig; /* hash of the file mappings last reported */
	struct tsym_strings strings;
	struct tsym_cache cache;
	struct tsym_cu_indexes cus;
};

/*
 * Resolves `pc` with DWARF, then the ELF symbol table; writes up to
 * `max` frames, innermost first, with interned strings. Returns the
 * count, 0 when unknown, or TRIAGE_ENOMEM.
 */
int tsym_resolve(struct tsym *s, uint64_t pc, struct tsym_frame *out,
		 int max);

#endif /* TRIAGE_SYMBOLIZE_INTERNAL_H */
