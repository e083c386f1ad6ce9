/*
 * fuzz_proc_maps.c - the /proc/PID/maps parser on arbitrary bytes: one
 * line through tmaps_parse_line(), and the whole input as a maps text
 * through tmaps_parse(), then a few lookups in what it returned.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc_maps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tmaps_entry e;
	struct tmaps m;
	const char *why;
	char err[128];
	FILE *f;
	size_t i;

	if (tmaps_parse_line((const char *)data, size, &e, &why) == 0) {
		if (e.limit <= e.start || strlen(e.path) > size)
			__builtin_trap();
		free(e.path);
	} else if (!why) {
		__builtin_trap();
	}

	if (size == 0)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	if (tmaps_parse(f, size & 1, &m, err, sizeof(err)) == 0) {
		for (i = 1; i < m.n; i++)
			if (m.e[i - 1].start > m.e[i].start)
				__builtin_trap();
		for (i = 0; i < m.n; i++)
			if (tmaps_find(&m, m.e[i].start) == NULL)
				__builtin_trap();
		tmaps_find(&m, 0);
		tmaps_find(&m, UINT64_MAX);
		tmaps_free(&m);
	}
	fclose(f);
	return 0;
}
