/*
 * symbols.c - the agent's one symbolizer, and stacks into samples.
 *
 * libdw's view of the process is costly to build and cheap to keep, so
 * one symbolizer serves every profile and the /symbol endpoint, behind a
 * mutex (profiles are built one at a time anyway). It is refreshed when
 * the process has loaded or unloaded code since the last use.
 */
#include "symbols.h"

#include "stack_locations.h"
#include "triage.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FRAMES 128

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct tsym *sym;

/* Takes the lock and returns a current symbolizer, or NULL (unlocked). */
static struct tsym *acquire(void)
{
	pthread_mutex_lock(&lock);
	if (!sym)
		sym = tsym_new(0);
	else
		tsym_refresh(sym);
	if (!sym) {
		pthread_mutex_unlock(&lock);
		return NULL;
	}
	return sym;
}

void sym_thread_name(pid_t tid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", (int)tid);
	buf[0] = '\0';
	f = fopen(path, "re");
	if (f) {
		if (fgets(buf, (int)len, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
}

struct sym_session {
	struct tmaps maps;
	struct tloc_cache *cache;
};

struct sym_session *sym_session_begin(struct tprof_builder *b)
{
	struct sym_session *s = calloc(1, sizeof(*s));
	char exe[PATH_MAX];
	ssize_t n;

	if (!s)
		return NULL;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	if (tmaps_read(0, true, &s->maps)) {
		free(s);
		return NULL;
	}
	if (!acquire()) {
		tmaps_free(&s->maps);
		free(s);
		return NULL;
	}
	s->cache = b ? tloc_new(b, sym, &s->maps, exe) : NULL;
	if (b && !s->cache) {
		sym_session_end(s);
		return NULL;
	}
	return s;
}

int sym_session_stack(struct sym_session *s, const uint64_t *pcs, size_t n,
		      bool leaf_exact, uint64_t *ids)
{
	return tloc_stack(s->cache, pcs, n, leaf_exact, ids);
}

int sym_session_frames(struct sym_session *s, uint64_t pc,
		       struct tsym_frame *out, int max)
{
	int n = tsym_lookup(sym, pc, out, max);

	return n > 0 ? n : 0;
}

const struct tmaps_entry *sym_session_mapping(struct sym_session *s,
					      uint64_t pc)
{
	return tmaps_find(&s->maps, pc);
}

void sym_session_end(struct sym_session *s)
{
	if (!s)
		return;
	if (s->cache)
		tloc_finish(s->cache);
	pthread_mutex_unlock(&lock);
	tmaps_free(&s->maps);
	free(s);
}

int sym_add_stacks(struct tprof_builder *b, const struct stack_table *stacks,
		   int64_t period)
{
	struct sym_session *s = sym_session_begin(b);
	uint64_t ids[MAX_FRAMES];
	char name[32];
	size_t i;
	int err = s ? 0 : TRIAGE_ENOMEM;

	for (i = 0; !err && i < stacks->nentries; i++) {
		const struct stack_entry *e = &stacks->entries[i];
		size_t depth = e->depth > MAX_FRAMES ? MAX_FRAMES : e->depth;
		int64_t values[2] = {e->count, e->count * period};
		struct tprof_label_in labels[2] = {
			{"thread_id", NULL, e->tid, NULL},
			{"thread_name", name, 0, NULL},
		};

		err = sym_session_stack(s, stack_table_pcs(stacks, e), depth,
					true, ids);
		if (err)
			break;
		sym_thread_name(e->tid, name, sizeof(name));
		err = tprof_add_sample(b, ids, depth, values, labels,
				       name[0] ? 2 : 1);
	}
	sym_session_end(s);
	return err;
}

int sym_name(uint64_t pc, char *buf, size_t len)
{
	struct tsym_frame frames[MAX_FRAMES];
	int n;

	if (!acquire())
		return -1;
	/* Like Go's FuncForPC, the innermost (inlined) function. */
	n = tsym_lookup(sym, pc, frames, MAX_FRAMES);
	if (n > 0)
		snprintf(buf, len, "%s", frames[0].name);
	pthread_mutex_unlock(&lock);
	return n > 0 ? 0 : -1;
}

void sym_release(void)
{
	pthread_mutex_lock(&lock);
	tsym_free(sym);
	sym = NULL;
	pthread_mutex_unlock(&lock);
}

void sym_after_fork_child(void)
{
	/* Another thread may have been using it at the fork: abandon it
	 * rather than free state that may be half-updated. */
	pthread_mutex_init(&lock, NULL);
	sym = NULL;
}
