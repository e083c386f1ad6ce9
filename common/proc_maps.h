/*
 * proc_maps.h - the memory mappings of a process, from /proc/PID/maps,
 * with the GNU build ID of each mapped ELF file.
 *
 * Profiles name their mappings from this list (pprof's Mapping: start,
 * limit, file offset, path, build ID), and the symbolizer uses it to tell
 * when a process has loaded or unloaded code.
 */
#ifndef TRIAGE_PROC_MAPS_H
#define TRIAGE_PROC_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Room for the hex of a 20-byte (SHA-1) build ID and its NUL. */
#define TMAPS_BUILD_ID_MAX 41

struct tmaps_entry {
	uint64_t start;	 /* first byte mapped */
	uint64_t limit;	 /* one past the last byte mapped */
	uint64_t offset; /* file offset of `start` */
	/* "" for anonymous memory; pseudo names such as "[vdso]" kept; a
	 * " (deleted)" suffix removed. */
	char *path;
	bool exec;
	bool read;
	bool deleted; /* the path had the " (deleted)" suffix */
	/* Lowercase hex of the NT_GNU_BUILD_ID note, "" if none known. */
	char build_id[TMAPS_BUILD_ID_MAX];
};

struct tmaps {
	struct tmaps_entry *e; /* sorted by start */
	size_t n;
};

/*
 * Reads the mappings of process `pid` (0 for this process), keeping only
 * executable ones when `exec_only` is set, and fills in build IDs. For
 * this process a build ID comes from the image loaded in memory when the
 * dynamic loader knows it, so a binary deleted or replaced on disk still
 * has its own; otherwise from the file. Returns 0, TRIAGE_ESYS when the
 * maps file cannot be read, TRIAGE_EFORMAT when a line is malformed, or
 * TRIAGE_ENOMEM. `*out` is empty on failure.
 */
int tmaps_read(pid_t pid, bool exec_only, struct tmaps *out);

/* Frees what tmaps_read() or tmaps_parse() filled in; `m` becomes empty. */
void tmaps_free(struct tmaps *m);

/* The entry whose [start, limit) holds `addr`, or NULL. */
const struct tmaps_entry *tmaps_find(const struct tmaps *m, uint64_t addr);

/*
 * Writes the lowercase hex of the GNU build ID note of the ELF file at
 * `path` into `hex` (at most `len` bytes with the NUL). Returns 0,
 * TRIAGE_ESYS when the file cannot be opened, TRIAGE_EFORMAT when it is
 * not ELF or has no build ID, TRIAGE_EINVAL when `len` is too small.
 * `hex` is "" on failure.
 */
int tmaps_build_id(const char *path, char *hex, size_t len);

/*
 * The parsers behind tmaps_read(), exposed for the tests and the fuzzer.
 *
 * tmaps_parse_line() parses one line (`len` bytes, no newline) into `e`,
 * with `e->path` malloc'd and `e->build_id` "". On malformed input it
 * returns TRIAGE_EFORMAT and points `*why` at a static text naming the
 * fault (e.g. "bad permissions"); TRIAGE_ENOMEM when out of memory.
 *
 * tmaps_parse() parses a whole maps text from `f` without filling build
 * IDs. On failure it writes "line N: why" into `err`.
 */
int tmaps_parse_line(const char *line, size_t len, struct tmaps_entry *e,
		     const char **why);
int tmaps_parse(FILE *f, bool exec_only, struct tmaps *out, char *err,
		size_t errlen);

/*
 * Fills the build IDs of `m`'s file-backed entries (see tmaps_read()).
 * An entry whose ID cannot be found keeps "". Returns 0 or TRIAGE_ENOMEM.
 */
int tmaps_fill_build_ids(pid_t pid, struct tmaps *m);

#endif /* TRIAGE_PROC_MAPS_H */
