/*
 * symbolize_symtab.c - the function symbols of each module, sorted by
 * address, for names where DWARF has none: stripped binaries, assembly,
 * libraries without debug info, and C++ functions of internal linkage.
 *
 * libdwfl's own lookup (dwfl_module_addrinfo) scans the whole symbol
 * table on every call: some 200 us an address in libstdc++, most of the
 * time of a profile. This table is read once per module.
 */
#include "symbolize_internal.h"

#include "triage.h"

#include <gelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct tsym_sym {
	uint64_t addr, limit; /* [addr, limit) */
	const char *name;     /* owned by libdwfl, alive with the module */
	int rank;	      /* of the binding: global over weak over local */
	bool sized;	      /* st_size was set */
};

struct tsym_symtab {
	Dwfl_Module *mod;
	struct tsym_sym *s;
	size_t n;
	struct tsym_symtab *next;
};

static int rank_of(const GElf_Sym *sym)
{
	switch (GELF_ST_BIND(sym->st_info)) {
	case STB_GLOBAL:
		return 2;
	case STB_WEAK:
		return 1;
	default:
		return 0;
	}
}

static int by_addr(const void *a, const void *b)
{
	const struct tsym_sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->rank - y->rank; /* the best of aliases last */
}

/*
 * Where a symbol without a size ends, at the latest: the end of its
 * section (hand-written assembly often has no size; the next symbol
 * ends it sooner, see tsym_symbol_at()).
 */
static uint64_t section_end(Elf *elf, GElf_Word shndx, GElf_Addr bias,
			    uint64_t addr)
{
	Elf_Scn *scn = elf ? elf_getscn(elf, shndx) : NULL;
	GElf_Shdr sh;

	if (!scn || !gelf_getshdr(scn, &sh))
		return addr + 1;
	return sh.sh_addr + sh.sh_size + bias;
}

/* A symbol without a size ends where the next symbol starts, if sooner
 * than its section's end. */
static void bound_sizeless(struct tsym_symtab *t)
{
	size_t i, next = 0;

	for (i = 0; i < t->n; i++) {
		while (next < t->n && t->s[next].addr <= t->s[i].addr)
			next++;
		if (!t->s[i].sized && next < t->n &&
		    t->s[next].addr < t->s[i].limit)
			t->s[i].limit = t->s[next].addr;
	}
}

/* Reads the function symbols of `mod`; NULL when out of memory. */
static struct tsym_symtab *read_symtab(Dwfl_Module *mod)
{
	struct tsym_symtab *t = calloc(1, sizeof(*t));
	int count = dwfl_module_getsymtab(mod), i;

	if (!t)
		return NULL;
	t->mod = mod;
	if (count <= 1)
		return t;
	t->s = malloc((size_t)count * sizeof(*t->s));
	if (!t->s) {
		free(t);
		return NULL;
	}
	for (i = 1; i < count; i++) {
		GElf_Sym sym;
		GElf_Addr addr, bias;
		GElf_Word shndx;
		Elf *elf;
		const char *name = dwfl_module_getsym_info(mod, i, &sym, &addr,
							   &shndx, &elf, &bias);
		int type = GELF_ST_TYPE(sym.st_info);

		if (!name || !name[0] || shndx == SHN_UNDEF ||
		    (type != STT_FUNC && type != STT_GNU_IFUNC))
			continue;
		t->s[t->n].addr = addr;
		t->s[t->n].limit = addr + sym.st_size;
		if (sym.st_size == 0)
			t->s[t->n].limit = section_end(elf, shndx, bias, addr);
		t->s[t->n].name = name;
		t->s[t->n].rank = rank_of(&sym);
		t->s[t->n].sized = sym.st_size > 0;
		t->n++;
	}
	qsort(t->s, t->n, sizeof(*t->s), by_addr);
	bound_sizeless(t);
	return t;
}

static size_t hash_mod(const Dwfl_Module *mod, size_t n)
{
	return (size_t)(((uintptr_t)mod * 0x9e3779b97f4a7c15ull) >> 21) &
	       (n - 1);
}

static struct tsym_symtab *symtab_of(struct tsym_symtabs *st, Dwfl_Module *mod)
{
	struct tsym_symtab *t;
	size_t j;

	if (!st->nbuckets) {
		st->buckets = calloc(256, sizeof(*st->buckets));
		if (!st->buckets)
			return NULL;
		st->nbuckets = 256;
	}
	j = hash_mod(mod, st->nbuckets);
	for (t = st->buckets[j]; t; t = t->next)
		if (t->mod == mod)
			return t;
	t = read_symtab(mod);
	if (!t)
		return NULL;
	t->next = st->buckets[j];
	st->buckets[j] = t;
	return t;
}

const char *tsym_symbol_at(struct tsym_symtabs *st, Dwfl_Module *mod,
			   uint64_t pc, uint64_t *start)
{
	const struct tsym_symtab *t = symtab_of(st, mod);
	size_t lo = 0, hi, k;

	if (!t)
		return NULL;
	hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->s[mid].addr <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}

	/* The closest symbol at or below pc that holds it. */
	for (k = lo; k > 0 && lo - k < 8; k--) {
		if (pc < t->s[k - 1].limit) {
			if (start)
				*start = t->s[k - 1].addr;
			return t->s[k - 1].name;
		}
	}
	return NULL;
}

void tsym_symtabs_free(struct tsym_symtabs *st)
{
	size_t i;

	for (i = 0; i < st->nbuckets; i++) {
		struct tsym_symtab *t = st->buckets[i], *next;

		for (; t; t = next) {
			next = t->next;
			free(t->s);
			free(t);
		}
	}
	free(st->buckets);
	memset(st, 0, sizeof(*st));
}
