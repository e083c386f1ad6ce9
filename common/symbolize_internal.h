/*
 * symbolize_internal.h - what the parts of the symbolizer share: the
 * string pool, the per-address cache, the address indexes over DWARF
 * and over the symbol tables, and the resolver that uses them.
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
	uint16_t n;	/* frame count; 0 for an unknown address */
	uint16_t used;
};

struct tsym_cache {
	struct tsym_slot *slots;
	size_t cap, count;
	struct tsym_frame *frames;
	size_t nframes, frames_cap;
};

/* The slot of `pc`, or NULL. */
const struct tsym_slot *tsym_cache_get(const struct tsym_cache *c, uint64_t pc);
/* Stores the frames of `pc`; returns 0 or TRIAGE_ENOMEM. */
int tsym_cache_put(struct tsym_cache *c, uint64_t pc,
		   const struct tsym_frame *f, int n);
void tsym_cache_clear(struct tsym_cache *c);
void tsym_cache_free(struct tsym_cache *c);

/* Sorted address ranges, each with its DIE: the concrete functions of
 * one compilation unit, or the compilation units of one module. */
struct tsym_range {
	uint64_t lo, hi; /* DWARF addresses (before the module's bias) */
	Dwarf_Die die;
};

struct tsym_index {
	Dwarf *dbg;    /* key, with `key`: */
	Dwarf_Off key; /* the unit's offset, or -1 for the module's units */
	struct tsym_range *r;
	size_t n;
	struct tsym_index *next; /* hash chain */
};

struct tsym_indexes {
	struct tsym_index **buckets;
	size_t nbuckets, count;
};

/* The functions of `cudie`, indexed on first use; NULL when out of
 * memory. */
const struct tsym_index *tsym_functions_of(struct tsym_indexes *ix,
					   Dwarf_Die *cudie);
/* The compile units of `dbg`, for modules without .debug_aranges (clang
 * writes none by default, and libdw 0.188 finds no unit without them). */
const struct tsym_index *tsym_units_of(struct tsym_indexes *ix, Dwarf *dbg);
/* The DIE whose range holds DWARF address `addr`. */
bool tsym_index_find(const struct tsym_index *ix, uint64_t addr,
		     Dwarf_Die *die);
void tsym_indexes_free(struct tsym_indexes *ix);

/* The function symbols of each module, for names DWARF lacks. */
struct tsym_symtabs {
	struct tsym_symtab **buckets;
	size_t nbuckets;
};

/* The name of the function symbol holding `pc` in `mod`, or NULL;
 * its address into `*start` when `start` is not NULL. */
const char *tsym_symbol_at(struct tsym_symtabs *st, Dwfl_Module *mod,
			   uint64_t pc, uint64_t *start);
void tsym_symtabs_free(struct tsym_symtabs *st);

struct tsym {
	pid_t pid; /* the real pid, even for this process */
	Dwfl *dwfl;
	uint64_t maps_sig; /* hash of the file mappings last reported */
	struct tsym_strings strings;
	struct tsym_cache cache;
	struct tsym_indexes index;
	struct tsym_symtabs symtabs;
};

/*
 * Resolves `pc` with DWARF, then the ELF symbol table; writes up to
 * `max` frames, innermost first, with interned strings. Returns the
 * count, 0 when unknown, or TRIAGE_ENOMEM.
 */
int tsym_resolve(struct tsym *s, uint64_t pc, struct tsym_frame *out, int max);

#endif /* TRIAGE_SYMBOLIZE_INTERNAL_H */
