/*
 * contention.c - turning the contention profiles on and off (see
 * contention.h).
 *
 * The tables are mapped when a profile is first turned on and never
 * unmapped: a hook that read the flag just before the profile stopped
 * may still be adding to its table.
 */
#include "contention.h"

#include "contention_hooks.h"
#include "contention_internal.h"
#include "log.h"
#include "triage.h"
#include "unwind.h"

#include <stdbool.h>

struct cont_state cont;

int cont_waits_cancelled;

/*
 * Before the agent starts, the hooks' real functions are looked up, so
 * that the hooks meet dlsym only if another library's constructor locks
 * sooner. Calling into each hook file also makes a static link keep it:
 * a linker takes an archive member only for a symbol still undefined,
 * and a sanitizer's runtime, linked first, defines pthread_mutex_lock
 * (weakly) already.
 */
__attribute__((constructor(101))) static void resolve_hooks(void)
{
	cont_lock_hooks_resolve();
	cont_wait_hooks_resolve();
}

const char *cont_kind_name(enum cont_kind k)
{
	return k == CONT_MUTEX ? "mutex" : "block";
}

/* Maps the table of `k` if needed; false when it cannot be. */
static bool ensure_table(enum cont_kind k)
{
	struct cont_table *t = &cont.tables[k];
	int err;

	if (t->index)
		return true;
	err = cont_table_init(t, CONT_TABLE_CAP);
	if (err)
		tlog(TLOG_WARN, "%s profile off: %s", cont_kind_name(k),
		     triage_strerror(err));
	return !err;
}

void contention_configure(int mutex_fraction, long block_rate)
{
	int err;

	/* Recording unwinds the waiter's stack. */
	if ((mutex_fraction > 0 || block_rate > 0) && (err = tunw_init())) {
		tlog(TLOG_WARN, "contention profiles off: %s",
		     triage_strerror(err));
		mutex_fraction = 0;
		block_rate = 0;
	}
	if (mutex_fraction > 0 && !ensure_table(CONT_MUTEX))
		mutex_fraction = 0;
	if (block_rate > 0 && !ensure_table(CONT_BLOCK))
		block_rate = 0;
	if (mutex_fraction > 0)
		cont.mutex_period = mutex_fraction;
	__atomic_store_n(&cont_waits_cancelled, 0, __ATOMIC_RELEASE);
	/* Release: a hook that sees the flag sees the mapped table. */
	__atomic_store_n(&cont.mutex_fraction, mutex_fraction,
			 __ATOMIC_RELEASE);
	__atomic_store_n(&cont.block_rate, block_rate > 0 ? block_rate : 0,
			 __ATOMIC_RELEASE);
}

void contention_stop(void)
{
	__atomic_store_n(&cont.mutex_fraction, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&cont.block_rate, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&cont_waits_cancelled, 1, __ATOMIC_RELEASE);
}

void contention_after_fork_child(void)
{
	/* The child has one thread, so nobody is adding. */
	cont_table_reset(&cont.tables[CONT_MUTEX]);
	cont_table_reset(&cont.tables[CONT_BLOCK]);
}
