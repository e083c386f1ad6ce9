/*
 * symbolize_dwarf.c - one address to its frames, from DWARF and, when
 * there is none, from the ELF symbol table.
 *
 * The concrete function at the address comes from the unit's function
 * index; below it, the DIEs whose ranges hold the address form the
 * inline chain (DW_TAG_inlined_subroutine inside lexical blocks inside
 * the function). The innermost frame's line comes from the line table;
 * each outer frame's line is where it called the inlined function, read
 * from the inner DIE's DW_AT_call_file and DW_AT_call_line. Names follow
 * DW_AT_abstract_origin and DW_AT_specification to the declaration that
 * carries them.
 */
#include "symbolize_internal.h"

#include "demangle.h"
#include "triage.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NEST 64 /* DIE nesting followed below a function */

/* A frame before interning: strings borrowed from libdw. */
struct raw_frame {
	Dwarf_Die die; /* subprogram or inlined_subroutine */
	const char *file;
	int64_t line;
};

static const char *attr_string(Dwarf_Die *die, unsigned name)
{
	Dwarf_Attribute a;

	if (!dwarf_attr_integrate(die, name, &a))
		return NULL;
	return dwarf_formstring(&a);
}

static bool is_function(int tag)
{
	return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine;
}

/* Whether a DIE of this tag may hold the code of inlined calls. */
static bool is_code_scope(int tag)
{
	return is_function(tag) || tag == DW_TAG_lexical_block ||
	       tag == DW_TAG_try_block || tag == DW_TAG_catch_block;
}

/*
 * From the concrete function `fn` down to the innermost inlined call
 * holding `addr`. Fills chain[0] (the physical function) to
 * chain[n - 1] (the innermost) and returns n.
 */
static int inline_chain(Dwarf_Die *fn, Dwarf_Addr addr, Dwarf_Die *chain,
			int max)
{
	Dwarf_Die cur = *fn, child;
	int n = 1, nest = 0;

	chain[0] = *fn;
	while (nest++ < MAX_NEST && dwarf_child(&cur, &child) == 0) {
		bool found = false;

		do {
			int tag = dwarf_tag(&child);

			if (!is_code_scope(tag) ||
			    dwarf_haspc(&child, addr) <= 0)
				continue;
			/* A nested function is a physical one of its own. */
			if (tag == DW_TAG_subprogram)
				n = 0;
			if (is_function(tag) && n < max)
				chain[n++] = child;
			cur = child;
			found = true;
			break;
		} while (dwarf_siblingof(&child, &child) == 0);
		if (!found)
			break;
	}
	return n;
}

/* The file at index `idx` of the line table of the unit holding `die`. */
static const char *unit_file(Dwarf_Die *die, Dwarf_Word idx)
{
	Dwarf_Die cu;
	Dwarf_Files *files;
	size_t nfiles;

	if (!dwarf_diecu(die, &cu, NULL, NULL) ||
	    dwarf_getsrcfiles(&cu, &files, &nfiles) != 0 || idx >= nfiles)
		return NULL;
	return dwarf_filesrc(files, idx, NULL, NULL);
}

/* Where the inlined call `die` was made: a file and line in its caller. */
static void call_site(Dwarf_Die *die, const char **file, int64_t *line)
{
	Dwarf_Attribute a;
	Dwarf_Word v;

	*file = NULL;
	*line = 0;
	if (dwarf_attr(die, DW_AT_call_file, &a) &&
	    dwarf_formudata(&a, &v) == 0)
		*file = unit_file(die, v);
	if (dwarf_attr(die, DW_AT_call_line, &a) &&
	    dwarf_formudata(&a, &v) == 0)
		*line = (int64_t)v;
}

/* Interns `file`, joined to the unit's DW_AT_comp_dir when relative. */
static const char *full_path(struct tsym *s, Dwarf_Die *die, const char *file)
{
	Dwarf_Die cu;
	Dwarf_Attribute a;
	const char *dir = NULL;
	char *joined;
	const char *r;

	if (!file || !file[0] || file[0] == '/')
		return tsym_intern(&s->strings, file);
	if (dwarf_diecu(die, &cu, NULL, NULL) &&
	    dwarf_attr(&cu, DW_AT_comp_dir, &a))
		dir = dwarf_formstring(&a);
	if (!dir || !dir[0])
		return tsym_intern(&s->strings, file);
	if (asprintf(&joined, "%s/%s", dir, file) < 0)
		return NULL;
	r = tsym_intern(&s->strings, joined);
	free(joined);
	return r;
}

/*
 * Fills the two names of a function: for C++ the demangled, simplified
 * one and the mangled one (less any clone suffix: "_Z3fooi.cold" is
 * foo's code); for C the one name twice.
 */
static int set_names(struct tsym *s, const char *linkage, const char *plain,
		     struct tsym_frame *f)
{
	const char *sys = linkage ? linkage : plain;
	const char *dot = strchr(sys, '.');
	char *readable = tdemangle(sys);

	if (readable && dot) {
		char *bare = strndup(sys, (size_t)(dot - sys));

		f->system_name = bare ? tsym_intern(&s->strings, bare) : NULL;
		free(bare);
	} else {
		f->system_name = tsym_intern(&s->strings, sys);
	}
	f->name =
	    readable ? tsym_intern(&s->strings, readable) : f->system_name;
	free(readable);
	return f->name && f->system_name ? 0 : TRIAGE_ENOMEM;
}

static bool is_cxx(Dwarf_Die *die)
{
	Dwarf_Die cu;

	if (!dwarf_diecu(die, &cu, NULL, NULL))
		return false;
	switch (dwarf_srclang(&cu)) {
	case DW_LANG_C_plus_plus:
	case DW_LANG_C_plus_plus_03:
	case DW_LANG_C_plus_plus_11:
	case DW_LANG_C_plus_plus_14:
		return true;
	default:
		return false;
	}
}

/* The DIE that carries the name, through origins and specifications. */
static Dwarf_Die named_die(Dwarf_Die *die)
{
	Dwarf_Die d = *die, next;
	Dwarf_Attribute a;
	int hops;

	for (hops = 0; hops < 8 && !dwarf_hasattr(&d, DW_AT_name); hops++) {
		if (!dwarf_attr(&d, DW_AT_abstract_origin, &a) &&
		    !dwarf_attr(&d, DW_AT_specification, &a))
			break;
		if (!dwarf_formref_die(&a, &next))
			break;
		d = next;
	}
	return d;
}

/*
 * The DIEs enclosing `target`, outermost first, found by descending from
 * its unit through the one sibling whose subtree spans its offset (a
 * DIE's children follow it in .debug_info). Returns the count, or -1.
 */
static int parents_of(Dwarf_Die *target, Dwarf_Die *chain, int max)
{
	Dwarf_Off want = dwarf_dieoffset(target);
	Dwarf_Die cur, child, next;
	int n = 0;

	if (!dwarf_diecu(target, &cur, NULL, NULL))
		return -1;
	while (dwarf_child(&cur, &child) == 0) {
		while (dwarf_dieoffset(&child) != want &&
		       dwarf_siblingof(&child, &next) == 0 &&
		       dwarf_dieoffset(&next) <= want)
			child = next;
		if (dwarf_dieoffset(&child) == want)
			return n;
		if (n == max)
			return -1;
		chain[n++] = child;
		cur = child;
	}
	return -1;
}

/*
 * "ns::(anonymous namespace)::Class::name" for a C++ function that has
 * no mangled name in DWARF (GCC gives none to internal linkage), from
 * the namespaces and classes around its declaration. NULL when unknown.
 */
static char *qualified_name(Dwarf_Die *die)
{
	Dwarf_Die named = named_die(die), chain[MAX_NEST];
	const char *leaf = dwarf_diename(&named);
	char *q = NULL;
	size_t len = 0;
	FILE *f;
	int n, i;

	if (!leaf || (n = parents_of(&named, chain, MAX_NEST)) < 0)
		return NULL;
	f = open_memstream(&q, &len);
	if (!f)
		return NULL;
	for (i = 0; i < n; i++) {
		const char *part = dwarf_diename(&chain[i]);

		switch (dwarf_tag(&chain[i])) {
		case DW_TAG_namespace:
			/* Unnamed, or named "" by some producers. */
			fprintf(f, "%s::",
				part && *part ? part : "(anonymous namespace)");
			break;
		case DW_TAG_class_type:
		case DW_TAG_structure_type:
		case DW_TAG_union_type:
		case DW_TAG_subprogram: /* a local class's function */
			if (part)
				fprintf(f, "%s::", part);
			break;
		default:
			break;
		}
	}
	fputs(leaf, f);
	if (fclose(f) != 0) {
		free(q);
		return NULL;
	}
	return q;
}

/* The mangled ELF symbol at `pc`, for a C++ function DWARF left bare. */
static const char *mangled_symbol_at(struct tsym *s, Dwfl_Module *mod,
				     uint64_t pc)
{
	const char *nm = tsym_symbol_at(&s->symtabs, mod, pc, NULL);

	return nm && strncmp(nm, "_Z", 2) == 0 ? nm : NULL;
}

/*
 * The first line of a function: DW_AT_decl_line, or for a function
 * without one (GCC gives a lambda's body none) the line of its entry.
 */
static int64_t start_line(Dwarf_Die *die)
{
	Dwarf_Die cu;
	Dwarf_Addr entry;
	Dwarf_Line *l;
	int line;

	if (dwarf_decl_line(die, &line) == 0)
		return line;
	if (dwarf_entrypc(die, &entry) != 0 ||
	    !dwarf_diecu(die, &cu, NULL, NULL) ||
	    !(l = dwarf_getsrc_die(&cu, entry)) || dwarf_lineno(l, &line) != 0)
		return 0;
	return line;
}

/* One interned frame from a function DIE and the line executing in it. */
static int describe(struct tsym *s, Dwfl_Module *mod, uint64_t pc,
		    const struct raw_frame *rf, bool physical,
		    struct tsym_frame *f)
{
	Dwarf_Die die = rf->die;
	const char *linkage = attr_string(&die, DW_AT_linkage_name);
	const char *plain = attr_string(&die, DW_AT_name);
	const char *file = rf->file;
	char *qualified = NULL;
	int rc;

	if (!linkage)
		linkage = attr_string(&die, DW_AT_MIPS_linkage_name);
	if (!linkage && is_cxx(&die)) {
		linkage = physical ? mangled_symbol_at(s, mod, pc) : NULL;
		if (!linkage && (qualified = qualified_name(&die)))
			plain = qualified;
	}
	if (!linkage && !plain && physical)
		linkage = tsym_symbol_at(&s->symtabs, mod, pc, NULL);
	rc = set_names(s, linkage, plain ? plain : "", f);
	if (rc == 0 && qualified) {
		/* The bare DWARF name as the system name: were the two equal,
		 * pprof would "simplify" the readable one and strip the
		 * parentheses of "(anonymous namespace)". */
		f->system_name = tsym_intern(&s->strings,
					     attr_string(&die, DW_AT_name)
						 ?: qualified);
		rc = f->system_name ? 0 : TRIAGE_ENOMEM;
	}
	free(qualified);
	if (rc < 0)
		return rc;
	if (!file)
		file = dwarf_decl_file(&die);
	f->file = full_path(s, &die, file);
	f->line = rf->line;
	f->start_line = start_line(&die);
	return f->file ? 0 : TRIAGE_ENOMEM;
}

/* The line table's row for `addr`: file and line, or NULL and 0. */
static void line_at(Dwarf_Die *cu, Dwarf_Addr addr, const char **file,
		    int64_t *line)
{
	Dwarf_Line *l = dwarf_getsrc_die(cu, addr);
	int n = 0;

	*file = l ? dwarf_linesrc(l, NULL, NULL) : NULL;
	*line = l && dwarf_lineno(l, &n) == 0 ? n : 0;
}

/* The frames of `pc` from DWARF; 0 when no function there has any. */
static int dwarf_frames(struct tsym *s, Dwfl_Module *mod, Dwarf_Die *cu,
			uint64_t pc, Dwarf_Addr addr, struct tsym_frame *out,
			int max)
{
	const struct tsym_index *ix = tsym_functions_of(&s->index, cu);
	Dwarf_Die fn, chain[TSYM_MAX_FRAMES];
	struct raw_frame rf;
	int n, k, rc;

	if (!ix)
		return TRIAGE_ENOMEM;
	if (!tsym_index_find(ix, addr, &fn))
		return 0;
	n = inline_chain(&fn, addr, chain,
			 max < TSYM_MAX_FRAMES ? max : TSYM_MAX_FRAMES);

	/* Innermost first; each outer frame is at the inner one's call. */
	line_at(cu, addr, &rf.file, &rf.line);
	for (k = n - 1; k >= 0; k--) {
		rf.die = chain[k];
		rc = describe(s, mod, pc, &rf, k == 0, &out[n - 1 - k]);
		if (rc < 0)
			return rc;
		call_site(&chain[k], &rf.file, &rf.line);
	}
	return n;
}

/* A frame from the ELF symbol table, with a line if DWARF has one. */
static int symtab_frame(struct tsym *s, Dwfl_Module *mod, Dwarf_Die *cu,
			uint64_t pc, Dwarf_Addr addr, struct tsym_frame *f)
{
	const char *nm = tsym_symbol_at(&s->symtabs, mod, pc, NULL);
	const char *file = NULL;
	int64_t line = 0;

	if (!nm)
		return 0;
	if (cu)
		line_at(cu, addr, &file, &line);
	if (set_names(s, nm, nm, f) < 0)
		return TRIAGE_ENOMEM;
	f->file = cu ? full_path(s, cu, file) : tsym_intern(&s->strings, "");
	f->line = line;
	f->start_line = 0;
	return f->file ? 1 : TRIAGE_ENOMEM;
}

/* The unit at `pc` found through our index of the module's units. */
static Dwarf_Die *unit_at(struct tsym *s, Dwfl_Module *mod, uint64_t pc,
			  Dwarf_Addr *bias, Dwarf_Die *unit)
{
	Dwarf *dbg = dwfl_module_getdwarf(mod, bias);
	const struct tsym_index *ix =
	    dbg ? tsym_units_of(&s->index, dbg) : NULL;

	return ix && tsym_index_find(ix, pc - *bias, unit) ? unit : NULL;
}

/* The entry of the symbol holding `pc`, in each of its `n` frames. */
static void set_entry(struct tsym *s, Dwfl_Module *mod, uint64_t pc,
		      struct tsym_frame *out, int n)
{
	uint64_t start = 0;
	int i;

	if (n > 0 && !tsym_symbol_at(&s->symtabs, mod, pc, &start))
		start = 0;
	for (i = 0; i < n; i++)
		out[i].entry = start;
}

int tsym_resolve(struct tsym *s, uint64_t pc, struct tsym_frame *out, int max)
{
	Dwfl_Module *mod = dwfl_addrmodule(s->dwfl, pc);
	Dwarf_Addr bias = 0, lo, hi;
	Dwarf_Die *cu, unit;
	int n = 0;

	/* libdwfl may answer with the module below an unmapped address. */
	if (!mod || max <= 0 ||
	    !dwfl_module_info(mod, NULL, &lo, &hi, NULL, NULL, NULL, NULL) ||
	    pc < lo || pc >= hi)
		return 0;
	cu = dwfl_module_addrdie(mod, pc, &bias);
	if (!cu)
		cu = unit_at(s, mod, pc, &bias, &unit);
	if (cu)
		n = dwarf_frames(s, mod, cu, pc, pc - bias, out, max);
	if (n == 0)
		n = symtab_frame(s, mod, cu, pc, pc - bias, out);
	set_entry(s, mod, pc, out, n);
	return n;
}
