/*
 * args.c - the services' numeric arguments (see example.h).
 */
#include "example.h"

#include <errno.h>
#include <stdlib.h>

int ex_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
