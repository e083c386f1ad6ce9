/*
 * contention_fight - threads that wait on each other for known times,
 * for checking the contention profiles against the program's own
 * measurements.
 *
 * Four phases of ROUNDS rounds each. In every round one thread holds a
 * resource for HOLD_MS milliseconds while the main thread waits for it,
 * in a function named for what it waits on:
 *   wait_for_lock   pthread_mutex_lock      (mutex profile)
 *   wait_for_read   pthread_rwlock_rdlock   (mutex profile)
 *   wait_on_cond    pthread_cond_wait       (block profile)
 *   wait_on_sem     sem_wait                (block profile)
 * The threads hand rounds over through atomics and nanosleep, never
 * through anything the agent hooks, so these four are the only waits.
 * The main thread times each wait on its own clock and prints the sums,
 *   mutex_ns=N rwlock_ns=N cond_ns=N sem_ns=N
 * then "done", and stays until killed. With "fork" it then forks a child
 * that prints "child=<pid>" and stays too; with "stream" it goes on with
 * mutex rounds for ever, printing "round <end_ns> <wait_ns>" for each
 * (end on CLOCK_REALTIME, as profiles' times are).
 *
 * usage: contention_fight ROUNDS HOLD_MS [fork|stream]
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else /* GCC would otherwise make specialised copies, renamed */
#define NOINLINE __attribute__((noinline, noclone))
#endif
/* Keeps the call a call: a tail call would drop the waiting frame. */
#define KEEP_FRAME() __asm__ volatile("" ::: "memory")

static int rounds, hold_ms;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t cv_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int cv_round; /* under cv_mu */
static sem_t sem;

/* Round hand-over: the other thread has the resource / is ready. */
static int taken, released;

static long long now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts))
		;
}

static void await(int *flag, int value)
{
	struct timespec step = {0, 100000};

	while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) < value)
		nanosleep(&step, NULL);
}

static void signal_round(int *flag, int value)
{
	__atomic_store_n(flag, value, __ATOMIC_RELEASE);
}

static NOINLINE int wait_for_lock(pthread_mutex_t *m)
{
	int r = pthread_mutex_lock(m);

	KEEP_FRAME();
	return r;
}

static NOINLINE int wait_for_read(pthread_rwlock_t *l)
{
	int r = pthread_rwlock_rdlock(l);

	KEEP_FRAME();
	return r;
}

static NOINLINE int wait_on_cond(pthread_cond_t *c, pthread_mutex_t *m)
{
	int r = pthread_cond_wait(c, m);

	KEEP_FRAME();
	return r;
}

static NOINLINE int wait_on_sem(sem_t *s)
{
	int r = sem_wait(s);

	KEEP_FRAME();
	return r;
}

/* The other side of each phase: holds, then lets go after HOLD_MS. */
static void *mutex_holder(void *arg)
{
	int n = (int)(long)arg, i;

	for (i = 1; i <= n; i++) {
		await(&released, i - 1);
		pthread_mutex_lock(&mu);
		signal_round(&taken, i);
		sleep_ms(hold_ms);
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

static void *rwlock_holder(void *arg)
{
	int i;

	for (i = 1; i <= rounds; i++) {
		await(&released, i - 1);
		pthread_rwlock_wrlock(&rw);
		signal_round(&taken, i);
		sleep_ms(hold_ms);
		pthread_rwlock_unlock(&rw);
	}
	return NULL;
}

static void *cond_signaller(void *arg)
{
	int i;

	for (i = 1; i <= rounds; i++) {
		await(&taken, i);
		sleep_ms(hold_ms);
		pthread_mutex_lock(&cv_mu);
		cv_round = i;
		pthread_cond_signal(&cv);
		pthread_mutex_unlock(&cv_mu);
	}
	return NULL;
}

static void *sem_poster(void *arg)
{
	int i;

	for (i = 1; i <= rounds; i++) {
		await(&taken, i);
		sleep_ms(hold_ms);
		sem_post(&sem);
	}
	return NULL;
}

static void start(pthread_t *t, void *(*fn)(void *), long arg)
{
	__atomic_store_n(&taken, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&released, 0, __ATOMIC_RELEASE);
	if (pthread_create(t, NULL, fn, (void *)arg)) {
		fprintf(stderr, "contention_fight: pthread_create failed\n");
		exit(1);
	}
}

/* n rounds of waiting for the mutex; with `report`, one line each. */
static long long mutex_rounds(int n, int report)
{
	long long total = 0, t0, wait;
	pthread_t t;
	int i;

	start(&t, mutex_holder, n);
	for (i = 1; i <= n; i++) {
		await(&taken, i);
		t0 = now_ns(CLOCK_MONOTONIC);
		wait_for_lock(&mu);
		wait = now_ns(CLOCK_MONOTONIC) - t0;
		total += wait;
		pthread_mutex_unlock(&mu);
		signal_round(&released, i);
		if (report) {
			printf("round %lld %lld\n", now_ns(CLOCK_REALTIME),
			       wait);
			fflush(stdout);
		}
	}
	pthread_join(t, NULL);
	return total;
}

static long long rwlock_rounds(void)
{
	long long total = 0, t0;
	pthread_t t;
	int i;

	start(&t, rwlock_holder, 0);
	for (i = 1; i <= rounds; i++) {
		await(&taken, i);
		t0 = now_ns(CLOCK_MONOTONIC);
		wait_for_read(&rw);
		total += now_ns(CLOCK_MONOTONIC) - t0;
		pthread_rwlock_unlock(&rw);
		signal_round(&released, i);
	}
	pthread_join(t, NULL);
	return total;
}

static long long cond_rounds(void)
{
	long long total = 0, t0;
	pthread_t t;
	int i;

	start(&t, cond_signaller, 0);
	for (i = 1; i <= rounds; i++) {
		pthread_mutex_lock(&cv_mu);
		signal_round(&taken, i);
		/* Each call timed: a spurious wakeup is a second wait. */
		while (cv_round < i) {
			t0 = now_ns(CLOCK_MONOTONIC);
			wait_on_cond(&cv, &cv_mu);
			total += now_ns(CLOCK_MONOTONIC) - t0;
		}
		pthread_mutex_unlock(&cv_mu);
	}
	pthread_join(t, NULL);
	return total;
}

static long long sem_rounds(void)
{
	long long total = 0, t0;
	pthread_t t;
	int i;

	sem_init(&sem, 0, 0);
	start(&t, sem_poster, 0);
	for (i = 1; i <= rounds; i++) {
		signal_round(&taken, i);
		t0 = now_ns(CLOCK_MONOTONIC);
		wait_on_sem(&sem);
		total += now_ns(CLOCK_MONOTONIC) - t0;
	}
	pthread_join(t, NULL);
	return total;
}

static void stay(void)
{
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	const char *mode = argc > 3 ? argv[3] : "";
	long long m, r, c, s;
	pid_t child;

	if (argc < 3 || argc > 4)
		return 2;
	rounds = atoi(argv[1]);
	hold_ms = atoi(argv[2]);
	if (rounds < 1 || hold_ms < 1)
		return 2;
	m = mutex_rounds(rounds, 0);
	r = rwlock_rounds();
	c = cond_rounds();
	s = sem_rounds();
	printf("mutex_ns=%lld rwlock_ns=%lld cond_ns=%lld sem_ns=%lld\n", m, r,
	       c, s);
	printf("done\n");
	fflush(stdout);
	if (!strcmp(mode, "stream"))
		for (;;)
			mutex_rounds(rounds, 1);
	if (!strcmp(mode, "fork")) {
		child = fork();
		if (child == 0)
			stay();
		printf("child=%d\n", (int)child);
		fflush(stdout);
	}
	stay();
}
