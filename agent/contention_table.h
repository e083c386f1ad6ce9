/*
 * contention_table.h - the stacks that waited, with how often and how
 * long (internal).
 *
 * Written from inside the host's own lock calls, so adding takes no
 * lock and never allocates: a host allocator that takes pthread mutexes
 * (jemalloc does) may be the very caller, holding the lock it just
 * waited for. The memory is mapped once, when a profile is turned on.
 * Entries are claimed from a dense array and published through an
 * open-addressed index; counts grow by atomic adds. Readers take a
 * snapshot of the counts at any time, without stopping writers.
 */
#ifndef TRIAGE_AGENT_CONTENTION_TABLE_H
#define TRIAGE_AGENT_CONTENTION_TABLE_H

#include <stdint.h>

/* Go keeps 32 frames of a blocking stack; C++ stacks run deeper. */
#define CONT_MAX_DEPTH 64

struct cont_entry {
	uint64_t hash;
	int32_t depth;
	int64_t count;		      /* atomic */
	int64_t delay;		      /* atomic, nanoseconds */
	uint64_t pcs[CONT_MAX_DEPTH]; /* return addresses, leaf first */
};

struct cont_table {
	struct cont_entry *entries;
	uint32_t *index;    /* entry number + 1, 0 = empty; 2 * cap slots */
	uint32_t cap;	    /* entries */
	uint32_t used;	    /* atomic: entries claimed so far */
	int64_t lost_count; /* atomic: events that found no room */
	int64_t lost_delay; /* atomic */
};

/* Maps room for `cap` distinct stacks. 0 or TRIAGE_ENOMEM. */
int cont_table_init(struct cont_table *t, uint32_t cap);

/* Forgets every stack; only when no thread can be adding. */
void cont_table_reset(struct cont_table *t);

/*
 * Adds one event of `delay_ns` to the stack `pcs` (at most
 * CONT_MAX_DEPTH frames are kept). Lock-free and async-signal-safe. An
 * event that finds the table full is counted as lost.
 */
void cont_table_add(struct cont_table *t, const uint64_t *pcs, int depth,
		    int64_t delay_ns);

struct cont_counts {
	int64_t count, delay;
};

/* The counts of a table at one moment, by entry number. */
struct cont_snapshot {
	uint32_t n;	       /* entries covered */
	struct cont_counts *v; /* n of them; zero for unpublished entries */
	struct cont_counts lost;
	int64_t time_ns; /* CLOCK_REALTIME when taken */
	int64_t mono_ns; /* CLOCK_MONOTONIC when taken */
};

/* Takes a snapshot (allocates). 0 or TRIAGE_ENOMEM. */
int cont_snapshot_take(const struct cont_table *t, struct cont_snapshot *s);

/* s -= base, entry by entry: what happened between the two. */
void cont_snapshot_sub(struct cont_snapshot *s,
		       const struct cont_snapshot *base);

void cont_snapshot_free(struct cont_snapshot *s);

#endif
