/*
 * stack_locations.h - raw stacks of program counters into symbolized
 * profile locations (for the agent's profiles, and the command's views
 * of other processes).
 */
#ifndef TRIAGE_STACK_LOCATIONS_H
#define TRIAGE_STACK_LOCATIONS_H

#include "proc_maps.h"
#include "profile.h"
#include "symbolize.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tloc_cache;

/*
 * Prepares to add locations to `b`, symbolized with `sym`, their
 * mappings taken from `maps` (executable entries; the main binary is
 * added first, as pprof expects it at mapping[0]). The three must outlive
 * the cache.
 */
struct tloc_cache *tloc_new(struct tprof_builder *b, struct tsym *sym,
			    const struct tmaps *maps, const char *main_path);

/*
 * Writes the location ids of one stack into `ids` (n of them). Return
 * addresses are looked up and recorded at address - 1 (inside the call),
 * as Go does. With `leaf_exact`, pcs[0] is instead the exact interrupted
 * instruction (a signal's sample); without, every pc is a return address
 * (a stack taken by a call, as in an allocation hook).
 */
int tloc_stack(struct tloc_cache *c, const uint64_t *pcs, size_t n,
	       bool leaf_exact, uint64_t *ids);

/* Sets each mapping's has_* flags from how its lookups went; frees. */
void tloc_finish(struct tloc_cache *c);

#endif
