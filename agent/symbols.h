/*
 * symbols.h - the agent's symbolizer and the turning of raw stacks into
 * profile locations (internal). Ordinary code only, never a handler.
 */
#ifndef TRIAGE_AGENT_SYMBOLS_H
#define TRIAGE_AGENT_SYMBOLS_H

#include "profile.h"
#include "stack_table.h"

#include <stddef.h>
#include <stdint.h>

/*
 * Adds one sample per entry of `stacks` to `b`: location ids symbolized
 * in this process, values {count, count * period}, and the thread's id
 * and name as labels. Adds the mappings with their build ids.
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
