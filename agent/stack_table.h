/*
 * stack_table.h - counts of distinct (thread, stack) pairs, as the
 * profiler's thread drains samples (internal). Ordinary code only.
 */
#ifndef TRIAGE_AGENT_STACK_TABLE_H
#define TRIAGE_AGENT_STACK_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct stack_entry {
	uint64_t hash;
	pid_t tid;
	int depth;
	size_t pcs_at; /* index of the first pc in the table's pool */
	int64_t count;
};

struct stack_table {
	struct stack_entry *entries;
	size_t nentries, cap_entries;
	uint32_t *index; /* open addressing: entry number + 1, 0 = empty */
	size_t index_size;
	uint64_t *pool;
	size_t npool, cap_pool;
};

void stack_table_init(struct stack_table *t);
void stack_table_free(struct stack_table *t);

/* Adds `count` to the pair, creating it. 0 or TRIAGE_ENOMEM. */
int stack_table_add(struct stack_table *t, pid_t tid, const uint64_t *pcs,
		    int depth, int64_t count);

static inline const uint64_t *stack_table_pcs(const struct stack_table *t,
					      const struct stack_entry *e)
{
	return t->pool + e->pcs_at;
}

#endif
