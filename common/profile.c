/*
 * profile.c - the lifetime of a profile model: everything it owns lives
 * in its arena (see arena.c), including the struct itself.
 */
#include "profile.h"

#include "arena.h"

void tprof_free(struct tprof *p)
{
	if (p)
		tprof_arena_free(p->arena);
}
