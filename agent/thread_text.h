/*
 * thread_text.h - the text forms of thread dumps and of the threadcreate
 * profile, in the layout of Go's goroutine profile (internal).
 *
 * debug=1 is Go's count profile: "<name> profile: total N", then one
 * record per distinct stack, most frequent first: "<count> @ <pc>...",
 * and one "#\t<pc>\t<function>+<offset>\t<file>:<line>" line a frame.
 * debug=2 is one entry per thread, laid out as Go's tracebacks are:
 * "thread <tid> [<state>, ...]:", then for each frame the function and
 * on the next line, after a tab, "<file>:<line> +<offset>".
 *
 * Names come through a resolver, so the tests can give their own.
 */
#ifndef TRIAGE_AGENT_THREAD_TEXT_H
#define TRIAGE_AGENT_THREAD_TEXT_H

#include "symbolize.h"
#include "thread_dump.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growing text; `failed` once an allocation failed. */
struct tdump_text {
	char *buf;
	size_t len, cap;
	bool failed;
};

void tdump_printf(struct tdump_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Names of program counters. frames() is tsym_lookup(): the frames at
 * `pc`, innermost first, with `entry` the physical function's start (0
 * when unknown); module() the path of the object holding `pc` and the
 * pc's offset in that file, or NULL.
 */
struct tdump_resolver {
	int (*frames)(void *ctx, uint64_t pc, struct tsym_frame *out, int max);
	const char *(*module)(void *ctx, uint64_t pc, uint64_t *offset);
	void *ctx;
};

/*
 * One record of a count profile: `count` threads with this stack, or,
 * when `no_stack` is set, threads without one (then `pcs` is unused and
 * `no_stack` says why, e.g. "did not answer in 1000 ms; disk sleep").
 */
struct tdump_record {
	int64_t count;
	int depth;
	const uint64_t *pcs;
	const char *no_stack;
};

/*
 * Writes a debug=1 count profile. Records are sorted in place: by count,
 * most first, then by stack. Those with a stack come first, in Go's
 * layout; those without follow as "#" comment lines, which pprof's
 * parser of this format skips. With `leaf_exact`, pcs[0] of each stack
 * is an interrupted instruction (a signal's), else a return address.
 */
void tdump_write_count(struct tdump_text *t, const char *name, int64_t total,
		       struct tdump_record *recs, size_t n, bool leaf_exact,
		       const struct tdump_resolver *r);

/*
 * The state of a thread as a dump shows it: "sleeping, syscall futex,
 * wchan futex_wait_queue". Into `buf`; returns buf.
 */
const char *tdump_state_text(const struct tdump_task *task, char *buf,
			     size_t len);

/* Why a thread of a dump has no stack, e.g. "did not answer in 1000
 * ms"; NULL for TDUMP_STACK. Into `buf`. */
const char *tdump_outcome_text(const struct tdump_thread *t, int timeout_ms,
			       char *buf, size_t len);

/*
 * Writes one thread of a debug=2 dump: `word` ("thread" or "goroutine")
 * and the id, its state and name, its frames, and "created by" with the
 * first frame of `creator` when known (already cut to the creating
 * code). A blank line ends it.
 */
void tdump_write_thread(struct tdump_text *t, const char *word,
			const struct tdump_thread *th, int timeout_ms,
			const uint64_t *creator, int creator_depth,
			const struct tdump_resolver *r);

#endif
