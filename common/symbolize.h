/*
 * symbolize.h - code addresses to functions, source files, lines and
 * inlined frames, for this process or another one, with elfutils libdw.
 *
 * Profiles are symbolized where they are made, so that no consumer needs
 * the binaries: names come from DWARF (separate debug info found by build
 * ID under /usr/lib/debug, as Debian's -dbgsym packages install it) and
 * from the ELF symbol tables when there is none. C++ names are demangled
 * and simplified as pprof shows them; the mangled form is the system
 * name. Debug info is only ever read from this machine: never fetched
 * with debuginfod, whatever DEBUGINFOD_URLS says.
 *
 * A struct tsym is used by one thread at a time; symbolization opens
 * files and allocates, so never from a signal handler.
 */
#ifndef TRIAGE_SYMBOLIZE_H
#define TRIAGE_SYMBOLIZE_H

#include <stdint.h>
#include <sys/types.h>

/* A symbolizer for one process. */
struct tsym;

/* One frame at an address; strings are never NULL ("" when unknown). */
struct tsym_frame {
	const char *name;	 /* readable: demangled, simplified */
	const char *system_name; /* as linked: mangled for C++ */
	const char *file;	 /* full path of the source file */
	int64_t line;		 /* 0 when unknown */
	int64_t start_line;	 /* first line of the function, or 0 */
	/* Address of the symbol holding the pc (the physical function's
	 * entry, for "function+offset"), 0 when unknown; the same in every
	 * frame of one pc. */
	uint64_t entry;
};

/* The deepest inline chain tsym_lookup() reports. */
#define TSYM_MAX_FRAMES 64

/*
 * Makes a symbolizer for process `pid` (0 for this process) from its
 * current mappings. Returns NULL when out of memory or when the maps of
 * the process cannot be read.
 */
struct tsym *tsym_new(pid_t pid);

/* Frees `s` and every string it handed out. NULL is fine. */
void tsym_free(struct tsym *s);

/*
 * Takes in code loaded or unloaded since the last call (dlopen, dlclose)
 * by reading the maps again; cheap when nothing changed. Call it before
 * symbolizing a profile. Returns 0, TRIAGE_ESYS when the maps cannot be
 * read (the process is gone), TRIAGE_ENOMEM.
 */
int tsym_refresh(struct tsym *s);

/*
 * Resolves a code address into its frames: the innermost inlined
 * function first, the physical function last, each with the line being
 * executed in it (for an outer frame, the line of the inlined call). Pass
 * a return address minus 1, so that it lies inside the call. Writes at
 * most `max` frames (the innermost ones) and returns how many; 0 when
 * the address is unknown (anonymous or JIT code, a deleted file, no
 * symbols). Strings stay valid until tsym_free(). Results are cached per
 * address.
 */
int tsym_lookup(struct tsym *s, uint64_t pc, struct tsym_frame *out, int max);

#endif /* TRIAGE_SYMBOLIZE_H */
