/*
 * fuzz_demangle.c - the simplifier of demangled C++ names on arbitrary
 * text: it must stay within its input and never return more than it was
 * given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "demangle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *d;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	d = tdemangle_simplify(s);
	if (d && strlen(d) > strlen(s))
		__builtin_trap();
	free(d);
	free(s);
	return 0;
}
