/*
 * thread_create.h - where the host's threads are created: the
 * threadcreate profile, as Go keeps it (internal).
 *
 * The pthread_create interposer records the creating thread's stack;
 * each distinct stack is a record with a count that only grows (threads
 * that have ended still count, as in Go). The new thread remembers its
 * record, so a thread dump can say "created by" under each stack.
 */
#ifndef TRIAGE_AGENT_THREAD_CREATE_H
#define TRIAGE_AGENT_THREAD_CREATE_H

#include <stddef.h>
#include <stdint.h>

/* The deepest creation stack kept, frames of the interposer included. */
#define TDUMP_CREATE_DEPTH 64

/*
 * Records the calling thread's stack as the creation site of a thread it
 * is about to start. Returns the record's id (1 and up), or 0 when it
 * could not be recorded (out of memory, or too many distinct stacks).
 * Called by pthread_create for the host's threads, never the agent's.
 */
int tdump_note_create(void);

/*
 * In a new thread, before its own code runs: `created_by` is what
 * tdump_note_create() returned in its creator.
 */
void tdump_thread_begin(int created_by);

/* The record that created the calling thread, or 0 (async-signal-safe). */
int tdump_created_by_self(void);

/* A copy of the records: record id i is recs[i - 1]. */
struct tdump_create_rec {
	int64_t count;
	int depth;
	const uint64_t *pcs; /* return addresses, innermost first */
};

struct tdump_creates {
	struct tdump_create_rec *recs;
	size_t n;
	uint64_t *pool; /* owns the pcs */
	int64_t total;	/* threads created since the agent was loaded */
};

/* Copies the records; 0 or TRIAGE_ENOMEM. Free with tdump_creates_free. */
int tdump_creates_copy(struct tdump_creates *out);
void tdump_creates_free(struct tdump_creates *c);

/* The number of threads created so far (the index page's count). */
int64_t tdump_creates_total(void);

#endif
