/*
 * contention_internal.h - what the parts of the contention profiles
 * share: their settings and tables, and the making of profiles from
 * snapshots (internal to contention_*.c and their tests).
 */
#ifndef TRIAGE_AGENT_CONTENTION_INTERNAL_H
#define TRIAGE_AGENT_CONTENTION_INTERNAL_H

#include "contention_table.h"
#include "profile.h"

#include <stddef.h>
#include <stdint.h>

enum cont_kind { CONT_MUTEX, CONT_BLOCK };

/* 8192 distinct stacks a profile: 4.5 MiB of address space each, of
 * which only the entries in use are ever touched. */
#define CONT_TABLE_CAP 8192

struct cont_state {
	int mutex_fraction; /* read by every hook; 0 = off */
	long block_rate;    /* read by every hook; 0 = off */
	int mutex_period;   /* what recorded mutex values are scaled by */
	struct cont_table tables[2]; /* by enum cont_kind */
};

extern struct cont_state cont;

/* Set while the agent stops: delta profiles that wait give up. */
extern int cont_waits_cancelled;

/* The profile's name in Go's index and file names: "mutex", "block". */
const char *cont_kind_name(enum cont_kind k);

/*
 * A profile.proto of what `s` holds (a snapshot of cont.tables[k], or a
 * difference of two): sample types contentions/count and
 * delay/nanoseconds, mutex values multiplied by cont.mutex_period, the
 * heaviest stacks first. `duration_ns` is 0 except for deltas.
 */
int cont_profile_build(enum cont_kind k, const struct cont_snapshot *s,
		       int64_t duration_ns, struct tprof **out);

/*
 * Go's legacy text of the same (debug=1): a "--- mutex:" or
 * "--- contention:" header, then "<delay> <count> @ <pcs>" per stack with
 * its frames, values as recorded (not scaled). `*out` is malloc'd.
 */
int cont_profile_text(enum cont_kind k, const struct cont_snapshot *s,
		      char **out, size_t *len);

#endif
