/*
 * thread_profile.h - a thread dump and the creation stacks as profiles:
 * the records of the text forms, and profile.proto (internal).
 *
 * As Go's goroutine and threadcreate profiles: one sample type,
 * "<name>"/"count", period type the same, period 1. Threads without a
 * stack stand on one synthetic frame that says why, e.g.
 * "[no stack: did not answer in 1000 ms]", so totals always count every
 * thread and `pprof -top` shows the stuck ones.
 */
#ifndef TRIAGE_AGENT_THREAD_PROFILE_H
#define TRIAGE_AGENT_THREAD_PROFILE_H

#include "profile.h"
#include "symbols.h"
#include "thread_create.h"
#include "thread_dump.h"
#include "thread_text.h"

/* The agent's symbolizer as a resolver of the text forms. */
struct tdump_names {
	struct sym_session *s;
	struct tdump_resolver r;
};

/*
 * Begins a symbolization session (for text when `b` is NULL, else also
 * adding locations to `b`). 0 or TRIAGE_ENOMEM.
 */
int tdump_names_begin(struct tdump_names *n, struct tprof_builder *b);
void tdump_names_end(struct tdump_names *n);

/* The count-profile records of a dump: threads grouped by stack, the
 * stackless by why and by state. */
struct tdump_groups {
	struct tdump_record *recs;
	size_t n;
	char (*why)[192]; /* the texts the stackless records point to */
};

int tdump_groups_of_dump(const struct tdump *d, struct tdump_groups *g);
void tdump_groups_free(struct tdump_groups *g);

/*
 * How many frames at the start of a creation stack belong to the agent's
 * pthread_create interposer, to leave out as Go leaves out its runtime's
 * frames. 0 when it cannot tell (no symbols): then all are shown.
 */
int tdump_create_skip(const struct tdump_resolver *r, const uint64_t *pcs,
		      int depth);

/*
 * The dump as a profile named `name` ("threads" or "goroutine"): one
 * sample per stack, thread name and state, labelled "thread_name" and
 * "thread_state". 0, TRIAGE_ENOMEM.
 */
int tdump_threads_profile(const struct tdump *d, const char *name,
			  struct tprof **out);

/* The threadcreate profile of the records `c`. */
int tdump_create_profile(const struct tdump_creates *c, struct tprof **out);

#endif
