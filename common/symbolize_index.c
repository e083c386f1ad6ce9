/*
 * symbolize_index.c - address indexes over DWARF, sorted ranges searched
 * by bisection: the concrete functions of one compilation unit, and the
 * units of one module.
 *
 * Functions: a C++ unit that includes the standard library holds tens of
 * thousands of DIEs; walking them once per address (as dwarf_getscopes
 * does) makes a profile of thousands of addresses take seconds. The
 * index is built in one walk that skips the type trees (see collect()),
 * which holds every concrete function GCC and clang write.
 *
 * Units: libdw finds the unit at an address through .debug_aranges,
 * which clang does not write unless asked (-gdwarf-aranges); without it,
 * the ranges of every unit's DIE stand in.
 */
#include "symbolize_internal.h"

#include "triage.h"

#include <dwarf.h>
#include <stdlib.h>
#include <string.h>

/* Namespaces nest; imported units chain. Neither goes this deep. */
#define MAX_DEPTH 32

/* The key of a module's index of units, beside the units' own offsets. */
#define UNITS_KEY ((Dwarf_Off)-1)

struct builder {
	struct tsym_range *r;
	size_t n, cap;
	bool oom;
};

static void add_range(struct builder *b, uint64_t lo, uint64_t hi,
		      const Dwarf_Die *die)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct tsym_range *r = realloc(b->r, cap * sizeof(*r));

		if (!r) {
			b->oom = true;
			return;
		}
		b->r = r;
		b->cap = cap;
	}
	b->r[b->n].lo = lo;
	b->r[b->n].hi = hi;
	b->r[b->n].die = *die;
	b->n++;
}

static void add_ranges(struct builder *b, Dwarf_Die *die)
{
	Dwarf_Addr base, lo, hi;
	ptrdiff_t off = 0;

	while ((off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0)
		if (hi > lo)
			add_range(b, lo, hi, die);
}

/*
 * Indexes the functions under `parent`. Concrete functions sit at the top
 * of the unit or in namespaces, and, inside a function, in the closure
 * type of a lambda or in a local class; a class outside any function
 * holds only declarations, so its members are not walked.
 */
static void collect(struct builder *b, Dwarf_Die *parent, int depth,
		    bool in_function)
{
	Dwarf_Die child, unit;
	Dwarf_Attribute attr;

	if (depth > MAX_DEPTH || dwarf_child(parent, &child) != 0)
		return;
	do {
		switch (dwarf_tag(&child)) {
		case DW_TAG_subprogram:
			add_ranges(b, &child);
			collect(b, &child, depth + 1, true);
			break;
		case DW_TAG_namespace:
		case DW_TAG_module:
			collect(b, &child, depth + 1, in_function);
			break;
		case DW_TAG_class_type:
		case DW_TAG_structure_type:
		case DW_TAG_union_type:
		case DW_TAG_lexical_block:
			if (in_function)
				collect(b, &child, depth + 1, true);
			break;
		case DW_TAG_imported_unit: /* dwz moves shared DIEs there */
			if (dwarf_attr(&child, DW_AT_import, &attr) &&
			    dwarf_formref_die(&attr, &unit))
				collect(b, &unit, depth + 1, in_function);
			break;
		default:
			break;
		}
	} while (!b->oom && dwarf_siblingof(&child, &child) == 0);
}

static int by_lo(const void *a, const void *b)
{
	const struct tsym_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	/* Of two ranges starting together, the narrower one wins a tie. */
	return x->hi > y->hi ? -1 : x->hi < y->hi;
}

static size_t hash_key(const Dwarf *dbg, Dwarf_Off off, size_t n)
{
	uint64_t h = (uint64_t)(uintptr_t)dbg * 0x9e3779b97f4a7c15ull;

	h ^= (uint64_t)off * 0xc2b2ae3d27d4eb4full;
	return (size_t)(h >> 17) & (n - 1);
}

static int grow(struct tsym_indexes *ix)
{
	size_t n = ix->nbuckets ? ix->nbuckets * 2 : 64, i;
	struct tsym_index **b = calloc(n, sizeof(*b));

	if (!b)
		return TRIAGE_ENOMEM;
	for (i = 0; i < ix->nbuckets; i++) {
		struct tsym_index *c = ix->buckets[i], *next;

		for (; c; c = next) {
			size_t j = hash_key(c->dbg, c->key, n);

			next = c->next;
			c->next = b[j];
			b[j] = c;
		}
	}
	free(ix->buckets);
	ix->buckets = b;
	ix->nbuckets = n;
	return 0;
}

/* Every compile unit of `dbg` with code, by its ranges. */
static void collect_units(struct builder *b, Dwarf *dbg)
{
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	uint8_t type;

	while (!b->oom &&
	       dwarf_get_units(dbg, cu, &cu, NULL, &type, &cudie, NULL) == 0)
		if (type == DW_UT_compile)
			add_ranges(b, &cudie);
}

/* Builds the index of a unit's functions, or of `dbg`'s units. */
static struct tsym_index *build(Dwarf *dbg, Dwarf_Die *cudie)
{
	struct tsym_index *c = calloc(1, sizeof(*c));
	struct builder b = {0};

	if (!c)
		return NULL;
	if (cudie)
		collect(&b, cudie, 0, false);
	else
		collect_units(&b, dbg);
	if (b.oom) {
		free(b.r);
		free(c);
		return NULL;
	}
	qsort(b.r, b.n, sizeof(*b.r), by_lo);
	c->dbg = dbg;
	c->key = cudie ? dwarf_dieoffset(cudie) : UNITS_KEY;
	c->r = b.r;
	c->n = b.n;
	return c;
}

/* The index under (dbg, key), built on first use. */
static const struct tsym_index *get(struct tsym_indexes *ix, Dwarf *dbg,
				    Dwarf_Die *cudie)
{
	Dwarf_Off key = cudie ? dwarf_dieoffset(cudie) : UNITS_KEY;
	struct tsym_index *c;
	size_t j;

	if (ix->count >= ix->nbuckets && grow(ix) < 0)
		return NULL;
	j = hash_key(dbg, key, ix->nbuckets);
	for (c = ix->buckets[j]; c; c = c->next)
		if (c->dbg == dbg && c->key == key)
			return c;
	c = build(dbg, cudie);
	if (!c)
		return NULL;
	c->next = ix->buckets[j];
	ix->buckets[j] = c;
	ix->count++;
	return c;
}

const struct tsym_index *tsym_functions_of(struct tsym_indexes *ix,
					   Dwarf_Die *cudie)
{
	return get(ix, dwarf_cu_getdwarf(cudie->cu), cudie);
}

const struct tsym_index *tsym_units_of(struct tsym_indexes *ix, Dwarf *dbg)
{
	return get(ix, dbg, NULL);
}

bool tsym_index_find(const struct tsym_index *ix, uint64_t addr, Dwarf_Die *die)
{
	size_t lo = 0, hi = ix->n;

	/* The last range starting at or below addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix->r[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Ranges of distinct functions or units do not overlap; look back
	 * a little for a nested function inside a wider one. */
	for (hi = lo; hi > 0 && lo - hi < 4; hi--) {
		if (addr < ix->r[hi - 1].hi) {
			*die = ix->r[hi - 1].die;
			return true;
		}
	}
	return false;
}

void tsym_indexes_free(struct tsym_indexes *ix)
{
	size_t i;

	for (i = 0; i < ix->nbuckets; i++) {
		struct tsym_index *c = ix->buckets[i], *next;

		for (; c; c = next) {
			next = c->next;
			free(c->r);
			free(c);
		}
	}
	free(ix->buckets);
	memset(ix, 0, sizeof(*ix));
}
