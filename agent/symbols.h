/*
 * symbols.h - the agent's symbolizer, and the turning of raw stacks into
 * profile locations (internal). Ordinary code only, never a handler.
 */
#ifndef TRIAGE_AGENT_SYMBOLS_H
#define TRIAGE_AGENT_SYMBOLS_H

#include "proc_maps.h"
#include "profile.h"
#include "stack_table.h"
#include "symbolize.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * A symbolization session adds locations to one profile being built.
 * It holds the agent's symbolizer (one session at a time, process-wide)
 * and this moment's mappings, which it adds to the profile, the main
 * binary first.
 */
struct sym_session;

/* With `b` NULL, a session for text: sym_session_stack() is not used. */
struct sym_session *sym_session_begin(struct tprof_builder *b);

/*
 * The frames at `pc` (see tsym_lookup()); their strings stay valid until
 * sym_session_end(). Returns the count, 0 when unknown.
 */
int sym_session_frames(struct sym_session *s, uint64_t pc,
		       struct tsym_frame *out, int max);

/* The executable mapping holding `pc`, or NULL. */
const struct tmaps_entry *sym_session_mapping(struct sym_session *s,
					      uint64_t pc);

/* Location ids of one stack; see tloc_stack() for `leaf_exact`. */
int sym_session_stack(struct sym_session *s, const uint64_t *pcs, size_t n,
		      bool leaf_exact, uint64_t *ids);

/* Sets the mappings' has_* flags and releases the symbolizer. */
void sym_session_end(struct sym_session *s);

/* A thread's name from /proc ("" when it is gone). */
void sym_thread_name(pid_t tid, char *buf, size_t len);

/*
 * Adds one sample per entry of `stacks` (taken by signals: leaf exact)
 * to `b`: values {count, count * period}, and the thread's id and name
 * as labels.
 */
int sym_add_stacks(struct tprof_builder *b, const struct stack_table *stacks,
		   int64_t period);

/* The function name at `pc` into `buf`; 0, or -1 when unknown. */
int sym_name(uint64_t pc, char *buf, size_t len);

/* Frees the symbolizer (at stop); it is made again on demand. */
void sym_release(void);

/* In a forked child: start over with no symbolizer. */
void sym_after_fork_child(void);

#endif
