/*
 * heap_profile.h - heap profiles from the heap table (internal): a
 * snapshot of the records, differences of two snapshots, and the
 * profile.proto and legacy text forms Go's /debug/pprof/heap serves.
 * Ordinary code only (symbolizes, allocates).
 */
#ifndef TRIAGE_AGENT_HEAP_PROFILE_H
#define TRIAGE_AGENT_HEAP_PROFILE_H

#include "profile.h"

#include <stddef.h>
#include <stdint.h>

/* One record at one moment: counts of sampled blocks and their bytes
 * (negative only in a difference). */
struct heap_snap_rec {
	const uint64_t *pcs;
	uint32_t depth;
	int64_t allocs, alloc_bytes;
	int64_t frees, free_bytes;
};

struct heap_snapshot {
	struct heap_snap_rec *recs; /* record i of the table at index i */
	size_t n;
	int64_t time_ns; /* CLOCK_REALTIME when taken */
	int64_t mono_ns; /* CLOCK_MONOTONIC when taken */
	long rate;	 /* for scaling: the last nonzero rate */
};

/* Copies the counts of every record. 0 or TRIAGE_ENOMEM. */
int heap_snapshot_take(struct heap_snapshot *s);
void heap_snapshot_free(struct heap_snapshot *s);

/* later -= earlier, record by record (records never move). */
void heap_snapshot_subtract(struct heap_snapshot *later,
			    const struct heap_snapshot *earlier);

/*
 * The profile.proto form: Go's four sample types, un-sampled as Go
 * does, a numeric label `bytes` (the average block size) per sample, period
 * type space/bytes. `default_type` is NULL for heap, "alloc_space" for
 * allocs. `duration_ns` > 0 marks a difference: records that did not
 * change are left out, as Go's delta profiles leave them.
 */
int heap_profile_proto(const struct heap_snapshot *s, const char *default_type,
		       int64_t duration_ns, struct tprof **out);

/*
 * The legacy text form (?debug=1): a "heap profile:" header with the
 * raw sampled totals and heap/<2*rate>, one record per (stack, size)
 * sorted by bytes in use, each followed by its symbolized frames, then
 * the agent's own figures as '#' comments. `*out` is malloc'd.
 */
int heap_profile_text(const struct heap_snapshot *s, char **out, size_t *len);

#endif
