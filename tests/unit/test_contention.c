/*
 * test_contention.c - the contention profiles' parts: the sampling
 * decisions (Go's rules, over many draws of a seeded generator), the
 * lock-free table (accumulation, a full table, deltas, threads racing
 * on the same stacks), the hooks in this very process (a mutex held for
 * a known time, semaphores, condition variables, the agent's own
 * threads left out), and the profiles built from a table (types, order,
 * scaling, the lost-events frame, Go's text).
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "contention.h"
#include "contention_internal.h"
#include "contention_sampling.h"
#include "threads.h"
#include "triage.h"

#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else /* GCC would otherwise make specialised copies, renamed */
#define NOINLINE __attribute__((noinline, noclone))
#endif

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {0, ms * 1000000L};

	while (nanosleep(&ts, &ts))
		;
}

/* ---- sampling decisions ---- */

static void mutex_sampling(void **state)
{
	uint64_t seed = 42, i, hits = 0;

	for (i = 0; i < 1000; i++) {
		assert_false(cont_mutex_sampled(0, cont_rand(&seed)));
		assert_false(cont_mutex_sampled(-3, cont_rand(&seed)));
		assert_true(cont_mutex_sampled(1, cont_rand(&seed)));
	}
	/* 1 in 5 on average: 400000 draws give 80000 +- 0.5% or so. */
	for (i = 0; i < 400000; i++)
		hits += cont_mutex_sampled(5, cont_rand(&seed));
	if (hits < 78000 || hits > 82000)
		fail_msg("fraction 5: %llu of 400000 sampled, want ~80000",
			 (unsigned long long)hits);
}

static void block_sampling(void **state)
{
	uint64_t seed = 7, i, half = 0, rare = 0;

	for (i = 0; i < 1000; i++) {
		uint64_t r = cont_rand(&seed);

		assert_false(cont_block_sampled(0, 1000000, r));
		assert_true(cont_block_sampled(1, 0, r));
		assert_true(cont_block_sampled(1, 5, r));
		assert_true(cont_block_sampled(1000, 1000, r));
		assert_true(cont_block_sampled(1000, 123456, r));
		assert_false(cont_block_sampled(1000, -1, r));
	}
	/* Shorter than the rate: probability (d + 1) / rate. */
	for (i = 0; i < 200000; i++) {
		half += cont_block_sampled(1000, 499, cont_rand(&seed));
		rare += cont_block_sampled(1000, 9, cont_rand(&seed));
	}
	if (half < 98000 || half > 102000)
		fail_msg("d=499 rate=1000: %llu of 200000, want ~100000",
			 (unsigned long long)half);
	if (rare < 1800 || rare > 2200)
		fail_msg("d=9 rate=1000: %llu of 200000, want ~2000",
			 (unsigned long long)rare);
}

static void rand_is_seeded_from_zero(void **state)
{
	uint64_t s = 0, a = cont_rand(&s), b = cont_rand(&s);

	assert_int_not_equal(s, 0);
	assert_int_not_equal(a, b);
}

/* ---- the table ---- */

/* The snapshot's counts of the entry holding `pcs`, or {-1, -1}. */
static struct cont_counts counts_of(const struct cont_table *t,
				    const struct cont_snapshot *s,
				    const uint64_t *pcs, int depth)
{
	struct cont_counts none = {-1, -1};
	uint32_t i;

	for (i = 0; i < s->n; i++) {
		const struct cont_entry *e = &t->entries[i];

		if ((s->v[i].count || s->v[i].delay) && e->depth == depth &&
		    !memcmp(e->pcs, pcs, (size_t)depth * sizeof(*pcs)))
			return s->v[i];
	}
	return none;
}

static void table_accumulates(void **state)
{
	uint64_t a[3] = {0x1001, 0x2002, 0x3003}, b[2] = {0x1001, 0x2002};
	struct cont_table t;
	struct cont_snapshot s;
	struct cont_counts c;

	assert_int_equal(cont_table_init(&t, 16), 0);
	cont_table_add(&t, a, 3, 100);
	cont_table_add(&t, a, 3, 250);
	cont_table_add(&t, b, 2, 7);
	cont_table_add(&t, a, 0, 9); /* no stack: ignored */
	assert_int_equal(cont_snapshot_take(&t, &s), 0);
	c = counts_of(&t, &s, a, 3);
	assert_int_equal(c.count, 2);
	assert_int_equal(c.delay, 350);
	c = counts_of(&t, &s, b, 2);
	assert_int_equal(c.count, 1);
	assert_int_equal(c.delay, 7);
	assert_int_equal(s.lost.count, 0);
	assert_true(s.time_ns > 0 && s.mono_ns > 0);
	cont_snapshot_free(&s);

	cont_table_reset(&t);
	assert_int_equal(cont_snapshot_take(&t, &s), 0);
	assert_int_equal(s.n, 0);
	cont_snapshot_free(&s);
	assert_int_equal(cont_table_init(&t, 12), TRIAGE_EINVAL);
}

static void table_full_counts_lost(void **state)
{
	struct cont_table t;
	struct cont_snapshot s;
	uint64_t pc;
	uint32_t i, n = 0;

	assert_int_equal(cont_table_init(&t, 4), 0);
	for (pc = 1; pc <= 6; pc++)
		cont_table_add(&t, &pc, 1, (int64_t)pc * 10);
	pc = 2;
	cont_table_add(&t, &pc, 1, 1); /* known stacks still count */
	assert_int_equal(cont_snapshot_take(&t, &s), 0);
	for (i = 0; i < s.n; i++)
		n += s.v[i].count > 0;
	assert_int_equal(n, 4);
	assert_int_equal(s.lost.count, 2);
	assert_int_equal(counts_of(&t, &s, &pc, 1).count, 2);
	cont_snapshot_free(&s);
}

static void table_clamps_depth(void **state)
{
	uint64_t pcs[CONT_MAX_DEPTH + 10];
	struct cont_table t;
	struct cont_snapshot s;
	int i;

	for (i = 0; i < CONT_MAX_DEPTH + 10; i++)
		pcs[i] = 0x400000 + (uint64_t)i;
	assert_int_equal(cont_table_init(&t, 8), 0);
	cont_table_add(&t, pcs, CONT_MAX_DEPTH + 10, 5);
	assert_int_equal(cont_snapshot_take(&t, &s), 0);
	assert_int_equal(counts_of(&t, &s, pcs, CONT_MAX_DEPTH).count, 1);
	cont_snapshot_free(&s);
}

static void snapshot_delta(void **state)
{
	uint64_t a = 0xa, b = 0xb, c = 0xc;
	struct cont_table t;
	struct cont_snapshot s0, s1;

	assert_int_equal(cont_table_init(&t, 8), 0);
	cont_table_add(&t, &a, 1, 1000);
	cont_table_add(&t, &b, 1, 2000);
	assert_int_equal(cont_snapshot_take(&t, &s0), 0);
	cont_table_add(&t, &b, 1, 30);
	cont_table_add(&t, &c, 1, 40);
	assert_int_equal(cont_snapshot_take(&t, &s1), 0);
	cont_snapshot_sub(&s1, &s0);
	assert_int_equal(counts_of(&t, &s1, &a, 1).count, -1); /* zero */
	assert_int_equal(counts_of(&t, &s1, &b, 1).count, 1);
	assert_int_equal(counts_of(&t, &s1, &b, 1).delay, 30);
	assert_int_equal(counts_of(&t, &s1, &c, 1).delay, 40);
	cont_snapshot_free(&s0);
	cont_snapshot_free(&s1);
}

#define RACERS 4
#define RACE_ADDS 50000
#define RACE_STACKS 64

static struct cont_table race_table;

static void *racer(void *arg)
{
	uint64_t seed = (uint64_t)(uintptr_t)arg + 1, pcs[3];
	int i;

	for (i = 0; i < RACE_ADDS; i++) {
		uint64_t k = cont_rand(&seed) % RACE_STACKS;

		pcs[0] = 0x1000 + k;
		pcs[1] = 0x2000 + k % 7;
		pcs[2] = 0x3000;
		cont_table_add(&race_table, pcs, 3, (int64_t)k + 1);
	}
	return NULL;
}

/* Threads adding the same stacks at once: nothing lost, no duplicate. */
static void table_races(void **state)
{
	pthread_t t[RACERS];
	struct cont_snapshot s;
	int64_t count = 0, stacks = 0;
	uint32_t i;

	assert_int_equal(cont_table_init(&race_table, 128), 0);
	for (i = 0; i < RACERS; i++)
		assert_int_equal(
		    pthread_create(&t[i], NULL, racer, (void *)(uintptr_t)i),
		    0);
	for (i = 0; i < RACERS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(cont_snapshot_take(&race_table, &s), 0);
	for (i = 0; i < s.n; i++) {
		count += s.v[i].count;
		stacks += s.v[i].count > 0;
	}
	assert_int_equal(count, RACERS * RACE_ADDS);
	assert_int_equal(stacks, RACE_STACKS);
	assert_int_equal(s.lost.count, 0);
	cont_snapshot_free(&s);
}

/* ---- the hooks, in this process ---- */

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static int holding;

static void *hold_50ms(void *arg)
{
	pthread_mutex_lock(&held);
	__atomic_store_n(&holding, 1, __ATOMIC_RELEASE);
	sleep_ms(50);
	pthread_mutex_unlock(&held);
	return NULL;
}

/* The one entry of a table, or NULL when there is not exactly one. */
static const struct cont_entry *only_entry(enum cont_kind k,
					   struct cont_snapshot *s)
{
	const struct cont_entry *found = NULL;
	uint32_t i, n = 0;

	assert_int_equal(cont_snapshot_take(&cont.tables[k], s), 0);
	for (i = 0; i < s->n; i++) {
		if (s->v[i].count) {
			found = &cont.tables[k].entries[i];
			n++;
		}
	}
	return n == 1 ? found : NULL;
}

static void hooks_reset(void)
{
	contention_stop();
	cont_table_reset(&cont.tables[CONT_MUTEX]);
	cont_table_reset(&cont.tables[CONT_BLOCK]);
}

static NOINLINE int64_t wait_for_held(void)
{
	int64_t t0 = now_ns();

	pthread_mutex_lock(&held);
	t0 = now_ns() - t0;
	pthread_mutex_unlock(&held);
	return t0;
}

static void hook_times_a_held_mutex(void **state)
{
	const struct cont_entry *e;
	struct cont_snapshot s;
	pthread_t t;
	int64_t waited;
	uint32_t i;

	hooks_reset();
	contention_configure(1, 0);
	__atomic_store_n(&holding, 0, __ATOMIC_RELEASE);
	assert_int_equal(pthread_create(&t, NULL, hold_50ms, NULL), 0);
	while (!__atomic_load_n(&holding, __ATOMIC_ACQUIRE))
		sleep_ms(1);
	waited = wait_for_held();
	pthread_join(t, NULL);
	contention_stop();

	e = only_entry(CONT_MUTEX, &s);
	assert_non_null(e);
	/* The hook itself, as a return address just past its entry. */
	assert_int_equal(e->pcs[0],
			 (uint64_t)(uintptr_t)pthread_mutex_lock + 1);
	assert_true(e->depth >= 3);
	for (i = 0; i < s.n && !s.v[i].count; i++)
		;
	assert_int_equal(s.v[i].count, 1);
	if (s.v[i].delay > waited || s.v[i].delay < waited * 8 / 10)
		fail_msg("recorded %lld ns, the caller waited %lld ns",
			 (long long)s.v[i].delay, (long long)waited);
	cont_snapshot_free(&s);
}

static void hook_off_records_nothing(void **state)
{
	struct cont_snapshot s;
	pthread_t t;

	hooks_reset();
	__atomic_store_n(&holding, 0, __ATOMIC_RELEASE);
	assert_int_equal(pthread_create(&t, NULL, hold_50ms, NULL), 0);
	while (!__atomic_load_n(&holding, __ATOMIC_ACQUIRE))
		sleep_ms(1);
	wait_for_held();
	pthread_join(t, NULL);
	assert_null(only_entry(CONT_MUTEX, &s));
	assert_int_equal(s.n, 0);
	cont_snapshot_free(&s);
}

static void *agent_waits(void *arg)
{
	wait_for_held();
	return NULL;
}

static void hook_skips_agent_threads(void **state)
{
	struct cont_snapshot s;
	pthread_t holder, agent;

	hooks_reset();
	contention_configure(1, 1);
	__atomic_store_n(&holding, 0, __ATOMIC_RELEASE);
	assert_int_equal(pthread_create(&holder, NULL, hold_50ms, NULL), 0);
	while (!__atomic_load_n(&holding, __ATOMIC_ACQUIRE))
		sleep_ms(1);
	assert_int_equal(thr_create_agent(&agent, "test", agent_waits, NULL),
			 0);
	pthread_join(agent, NULL);
	pthread_join(holder, NULL);
	contention_stop();
	assert_null(only_entry(CONT_MUTEX, &s));
	assert_int_equal(s.n, 0);
	cont_snapshot_free(&s);
}

static void hook_semaphores(void **state)
{
	struct timespec past = {-1, 0};
	struct cont_snapshot s;
	const struct cont_entry *e;
	sem_t sem;
	int i;

	hooks_reset();
	contention_configure(0, 1);
	sem_init(&sem, 0, 2);
	/* Tokens that are there: no wait, nothing recorded. */
	assert_int_equal(sem_wait(&sem), 0);
	assert_int_equal(sem_timedwait(&sem, &past), 0);
	for (i = 0; i < 10; i++) {
		errno = 0;
		assert_int_equal(sem_timedwait(&sem, &past), -1);
		assert_int_equal(errno, ETIMEDOUT);
	}
	contention_stop();
	sem_destroy(&sem);
	e = only_entry(CONT_BLOCK, &s);
	assert_non_null(e);
	assert_int_equal(e->pcs[0], (uint64_t)(uintptr_t)sem_timedwait + 1);
	assert_int_equal(e->count, 10);
	cont_snapshot_free(&s);
}

static pthread_mutex_t cv_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int cv_value;

static void *cv_poster(void *arg)
{
	int i;

	for (i = 1; i <= 200; i++) {
		pthread_mutex_lock(&cv_mu);
		cv_value = i;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&cv_mu);
	}
	return NULL;
}

/* Condition variables still work (the right libc version is called),
 * timed waits time out, and every wait is recorded. */
static void hook_condition_variables(void **state)
{
	struct timespec soon;
	struct cont_snapshot s;
	pthread_t t;
	int64_t count = 0;
	uint32_t i;

	hooks_reset();
	contention_configure(0, 1);
	assert_int_equal(pthread_create(&t, NULL, cv_poster, NULL), 0);
	pthread_mutex_lock(&cv_mu);
	while (cv_value < 200)
		pthread_cond_wait(&cv, &cv_mu);
	clock_gettime(CLOCK_REALTIME, &soon);
	soon.tv_nsec = 0;
	assert_int_equal(pthread_cond_timedwait(&cv, &cv_mu, &soon), ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &soon);
	soon.tv_nsec = 0;
	assert_int_equal(
	    pthread_cond_clockwait(&cv, &cv_mu, CLOCK_MONOTONIC, &soon),
	    ETIMEDOUT);
	pthread_mutex_unlock(&cv_mu);
	pthread_join(t, NULL);
	contention_stop();

	assert_int_equal(cont_snapshot_take(&cont.tables[CONT_BLOCK], &s), 0);
	for (i = 0; i < s.n; i++)
		count += s.v[i].count;
	assert_true(count >= 2);
	cont_snapshot_free(&s);
}

/* ---- profiles from a table ---- */

static NOINLINE void known_caller(void)
{
	__asm__ volatile("" ::: "memory");
}

static void fill_mutex_table(void)
{
	uint64_t heavy[2] = {(uint64_t)(uintptr_t)pthread_mutex_lock + 1,
			     (uint64_t)(uintptr_t)known_caller + 1};
	uint64_t light[1] = {(uint64_t)(uintptr_t)known_caller + 1};

	hooks_reset();
	cont_table_add(&cont.tables[CONT_MUTEX], light, 1, 100);
	cont_table_add(&cont.tables[CONT_MUTEX], heavy, 2, 5000);
	cont_table_add(&cont.tables[CONT_MUTEX], heavy, 2, 7000);
}

static const char *fn_of(const struct tprof_sample *smp, size_t i)
{
	const struct tprof_location *l = smp->locations[i];

	return l->nlines ? l->lines[l->nlines - 1].function->name : "?";
}

static void profile_proto(void **state)
{
	struct cont_snapshot s;
	struct tprof *p;

	fill_mutex_table();
	cont.mutex_period = 3;
	assert_int_equal(cont_snapshot_take(&cont.tables[CONT_MUTEX], &s), 0);
	s.lost.count = 2;
	s.lost.delay = 50;
	assert_int_equal(cont_profile_build(CONT_MUTEX, &s, 0, &p), 0);
	assert_int_equal(p->nsample_types, 2);
	assert_string_equal(p->sample_types[0].type, "contentions");
	assert_string_equal(p->sample_types[0].unit, "count");
	assert_string_equal(p->sample_types[1].type, "delay");
	assert_string_equal(p->sample_types[1].unit, "nanoseconds");
	assert_string_equal(p->period_type.type, "contentions");
	assert_string_equal(p->period_type.unit, "count");
	assert_int_equal(p->period, 1);
	assert_int_equal(p->time_nanos, s.time_ns);
	assert_int_equal(p->nsamples, 3);
	/* Heaviest first; mutex values times the fraction. */
	assert_int_equal(p->samples[0].values[0], 2 * 3);
	assert_int_equal(p->samples[0].values[1], 12000 * 3);
	assert_string_equal(fn_of(&p->samples[0], 0), "pthread_mutex_lock");
	assert_string_equal(fn_of(&p->samples[0], 1), "known_caller");
	assert_int_equal(p->samples[1].values[1], 100 * 3);
	assert_string_equal(fn_of(&p->samples[2], 0),
			    "triage_contention_table_full");
	assert_int_equal(p->samples[2].values[0], 2 * 3);
	tprof_free(p);

	/* Block values are not scaled. */
	assert_int_equal(cont_profile_build(CONT_BLOCK, &s, 7, &p), 0);
	assert_int_equal(p->duration_nanos, 7);
	assert_int_equal(p->samples[0].values[1], 12000);
	tprof_free(p);
	cont_snapshot_free(&s);
}

static void profile_text(void **state)
{
	struct cont_snapshot s;
	char *text, want[256];
	size_t len;

	fill_mutex_table();
	cont.mutex_period = 3;
	assert_int_equal(cont_snapshot_take(&cont.tables[CONT_MUTEX], &s), 0);
	assert_int_equal(cont_profile_text(CONT_MUTEX, &s, &text, &len), 0);
	assert_int_equal(strlen(text), len);
	assert_true(strncmp(text,
			    "--- mutex:\ncycles/second=1000000000\n"
			    "sampling period=0\n",
			    strlen("--- mutex:\ncycles/second=1000000000\n"
				   "sampling period=0\n")) == 0);
	/* Raw values, heaviest first, the stack's return addresses. */
	snprintf(want, sizeof(want), "\n12000 2 @ 0x%llx 0x%llx\n",
		 (unsigned long long)(uintptr_t)pthread_mutex_lock + 1,
		 (unsigned long long)(uintptr_t)known_caller + 1);
	if (!strstr(text, want))
		fail_msg("no '%s' in:\n%s", want, text);
	snprintf(want, sizeof(want), "#\t0x%llx\tpthread_mutex_lock+0x0\t",
		 (unsigned long long)(uintptr_t)pthread_mutex_lock);
	if (!strstr(text, want))
		fail_msg("no '%s' in:\n%s", want, text);
	if (!strstr(text, "\tknown_caller") ||
	    !strstr(text, "test_contention.c:") ||
	    !strstr(text, "\n\n100 1 @ "))
		fail_msg("frames or second record missing:\n%s", text);
	assert_true(strstr(text, "12000 2 @") < strstr(text, "100 1 @"));
	free(text);

	assert_int_equal(cont_profile_text(CONT_BLOCK, &s, &text, &len), 0);
	assert_true(strncmp(text, "--- contention:\ncycles/second=1000000000\n",
			    41) == 0);
	assert_null(strstr(text, "sampling period"));
	free(text);
	cont_snapshot_free(&s);
	hooks_reset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(mutex_sampling),
	    cmocka_unit_test(block_sampling),
	    cmocka_unit_test(rand_is_seeded_from_zero),
	    cmocka_unit_test(table_accumulates),
	    cmocka_unit_test(table_full_counts_lost),
	    cmocka_unit_test(table_clamps_depth),
	    cmocka_unit_test(snapshot_delta),
	    cmocka_unit_test(table_races),
	    cmocka_unit_test(hook_times_a_held_mutex),
	    cmocka_unit_test(hook_off_records_nothing),
	    cmocka_unit_test(hook_skips_agent_threads),
	    cmocka_unit_test(hook_semaphores),
	    cmocka_unit_test(hook_condition_variables),
	    cmocka_unit_test(profile_proto),
	    cmocka_unit_test(profile_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
