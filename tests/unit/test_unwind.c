/*
 * test_unwind.c - the unwinder (agent/unwind*.c) on live stacks.
 *
 * libunwind is the oracle: for stacks captured in place and, from the
 * same ucontext, for samples taken in signal handlers. The frames must
 * also resolve (dladdr) to the known chain of
 * tests/programs/unwind_chain.c, which is built without frame pointers. Also:
 * junk contexts, a thread whose stack bounds are unknown, a library loaded
 * after tunw_init(), and the cache.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <cmocka.h>
#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "unwind.h"
#include "unwind_chain.h"

#define MAXF 64

/* ---- helpers ---- */

static const char *fn_name(uint64_t pc)
{
	Dl_info di;

	if (!dladdr((void *)pc, &di) || !di.dli_sname)
		return "?";
	return di.dli_sname;
}

static const char *obj_name(uint64_t pc)
{
	Dl_info di;

	if (!dladdr((void *)pc, &di) || !di.dli_fname)
		return "?";
	return di.dli_fname;
}

static bool in_libc(uint64_t pc)
{
	return strstr(obj_name(pc), "libc.so") != NULL;
}

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static void print_stack(const char *title, const uint64_t *pcs, int n)
{
	int i;

	fprintf(stderr, "%s (%d frames):\n", title, n);
	for (i = 0; i < n; i++)
		fprintf(stderr, "  #%-2d %#lx %s (%s)\n", i,
			(unsigned long)pcs[i], fn_name(pcs[i]),
			obj_name(pcs[i]));
}

/* Asserts that pcs[from..] resolve to the given names, in order. */
static void expect_names(const uint64_t *pcs, int n, int from, ...)
{
	const char *want;
	va_list ap;
	int i = from;

	va_start(ap, from);
	while ((want = va_arg(ap, const char *)) != NULL) {
		if (i >= n || strcmp(fn_name(pcs[i]), want) != 0) {
			print_stack("stack", pcs, n);
			fail_msg("frame #%d: want %s, got %s", i, want,
				 i < n ? fn_name(pcs[i]) : "(none)");
		}
		i++;
	}
	va_end(ap);
}

/* Waits for *flag to become non-zero, up to secs; false on timeout. */
static bool wait_flag(volatile int *flag, int secs)
{
	struct timespec start, now, pause = {0, 100000};

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE)) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= secs)
			return false;
		nanosleep(&pause, NULL);
	}
	return true;
}

/* ---- captures in place, against libunwind ---- */

struct capture {
	uint64_t tunw[MAXF];
	int nt;
	void *unw[MAXF];
	int nu;
};

/* Exported, so that dladdr can name it. */
void uwt_test_capture(void *arg);
void uwt_test_capture(void *arg)
{
	struct capture *c = arg;

	c->nt = tunw_backtrace_here(c->tunw, MAXF);
	c->nu = unw_backtrace(c->unw, MAXF);
	uwt_sink++;
}

/*
 * Both captures were taken in uwt_test_capture at different call sites, so
 * their first return addresses differ; everything above must be equal.
 */
static void expect_same_as_libunwind(const struct capture *c)
{
	uint64_t u[MAXF];
	int i, k;

	for (i = 0; i < c->nu; i++)
		u[i] = (uint64_t)c->unw[i];
	assert_true(c->nt >= 2);
	for (k = 0; k < c->nu && u[k] != c->tunw[1]; k++)
		;
	if (k == c->nu || k > 2 || c->nt - 1 != c->nu - k) {
		print_stack("tunw", c->tunw, c->nt);
		print_stack("libunwind", u, c->nu);
		fail_msg("stacks differ: tunw %d frames, libunwind %d from #%d",
			 c->nt, c->nu, k);
	}
	for (i = 1; i < c->nt; i++) {
		if (c->tunw[i] != u[k + i - 1]) {
			print_stack("tunw", c->tunw, c->nt);
			print_stack("libunwind", u, c->nu);
			fail_msg("frame #%d: tunw %#lx, libunwind %#lx", i,
				 (unsigned long)c->tunw[i],
				 (unsigned long)u[k + i - 1]);
		}
	}
	assert_string_equal(fn_name(c->tunw[0]), "uwt_test_capture");
}

static void test_recursion_matches_libunwind(void **state)
{
	struct capture c;
	int i, recurse = 0;

	memset(&c, 0, sizeof(c));
	uwt_recurse(30, uwt_test_capture, &c);
	expect_same_as_libunwind(&c);
	for (i = 0; i < c.nt; i++)
		recurse += strcmp(fn_name(c.tunw[i]), "uwt_recurse") == 0;
	assert_int_equal(recurse, 31);
}

static void test_through_libc_matches_libunwind(void **state)
{
	struct capture c;
	int i, libc = 0;

	memset(&c, 0, sizeof(c));
	uwt_via_qsort(uwt_test_capture, &c);
	expect_same_as_libunwind(&c);
	/* The sanitizer build replaces qsort with its own, in the
	 * executable: then the frames between are the interceptor's. */
	for (i = 1; i < c.nt && strcmp(fn_name(c.tunw[i]), "uwt_via_qsort");
	     i++)
		libc += in_libc(c.tunw[i]) || SANITIZED;
	if (libc < 2 || i == c.nt) {
		print_stack("tunw", c.tunw, c.nt);
		fail_msg("expected qsort's frames below uwt_via_qsort");
	}
}

/* ---- samples from signals ---- */

enum spin { SPIN_CHAIN, SPIN_LIBC };

struct worker {
	pthread_t th;
	pid_t tid;
	enum spin spin;
	bool declare_stack;
	volatile int running, stop;
	char *buf;
};

void *uwt_test_worker(void *arg);
void *uwt_test_worker(void *arg)
{
	struct worker *w = arg;
	pthread_attr_t attr;
	void *lo;
	size_t size;

	w->tid = (pid_t)syscall(SYS_gettid);
	/* The agent's pthread_create, linked into this test, declares every
	 * new thread's stack; a worker that must be undeclared forgets it. */
	tunw_thread_set_stack(0, 0);
	if (w->declare_stack &&
	    pthread_getattr_np(pthread_self(), &attr) == 0) {
		pthread_attr_getstack(&attr, &lo, &size);
		tunw_thread_set_stack((uint64_t)lo, (uint64_t)lo + size);
		pthread_attr_destroy(&attr);
	}
	if (w->spin == SPIN_CHAIN)
		uwt_spin_outer(&w->running, &w->stop);
	else
		uwt_spin_libc(&w->running, &w->stop, w->buf);
	uwt_sink++;
	return NULL;
}

static void start_worker(struct worker *w, enum spin spin, bool declare,
			 const pthread_attr_t *attr)
{
	memset(w, 0, sizeof(*w));
	w->spin = spin;
	w->declare_stack = declare;
	if (spin == SPIN_LIBC) {
		w->buf = malloc(65536);
		assert_non_null(w->buf);
	}
	assert_int_equal(pthread_create(&w->th, attr, uwt_test_worker, w), 0);
	assert_true(wait_flag(&w->running, 10));
}

static void stop_worker(struct worker *w)
{
	w->stop = 1;
	assert_int_equal(pthread_join(w->th, NULL), 0);
	free(w->buf);
}

/* The last SIGPROF sample: tunw's, and libunwind's from the same
 * ucontext as the oracle. */
static struct {
	uint64_t pcs[MAXF];
	int n;
	uint64_t unw[MAXF];
	int nu;
	volatile int done;
} sample;

/* libunwind's walk from a handler's ucontext. */
static int libunwind_from(void *uc, uint64_t *pcs, int max)
{
	unw_cursor_t cur;
	unw_word_t ip;
	int n = 0;

	if (unw_init_local2(&cur, uc, UNW_INIT_SIGNAL_FRAME) < 0)
		return 0;
	do {
		if (unw_get_reg(&cur, UNW_REG_IP, &ip) < 0)
			break;
		pcs[n++] = ip;
	} while (n < max && unw_step(&cur) > 0);
	return n;
}

void uwt_test_on_prof(int sig, siginfo_t *si, void *uc);
void uwt_test_on_prof(int sig, siginfo_t *si, void *uc)
{
	sample.n = tunw_backtrace_uc(uc, sample.pcs, MAXF);
	sample.nu = libunwind_from(uc, sample.unw, MAXF);
	__atomic_store_n(&sample.done, 1, __ATOMIC_RELEASE);
}

/* Whether the last sample is the same as libunwind's, frame by frame. */
static bool sample_matches_libunwind(void)
{
	int i;

	for (i = 0; i < sample.n && i < sample.nu; i++)
		if (sample.pcs[i] != sample.unw[i])
			break;
	if (i == sample.n && i == sample.nu)
		return true;
	print_stack("tunw", sample.pcs, sample.n);
	print_stack("libunwind", sample.unw, sample.nu);
	return false;
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(sig, &sa, NULL), 0);
}

/* Sends SIGPROF to the worker and waits for the handler's sample. */
static int take_sample(pid_t tid)
{
	sample.done = 0;
	assert_int_equal(syscall(SYS_tgkill, getpid(), tid, SIGPROF), 0);
	assert_true(wait_flag(&sample.done, 10));
	return sample.n;
}

static void test_signal_in_frameless_leaf(void **state)
{
	struct tunw_stats before, after;
	struct worker w;
	int n;

	install(SIGPROF, uwt_test_on_prof);
	start_worker(&w, SPIN_CHAIN, true, NULL);
	tunw_get_stats(&before);
	n = take_sample(w.tid);
	tunw_get_stats(&after);
	stop_worker(&w);

	assert_true(sample_matches_libunwind());
	expect_names(sample.pcs, n, 0, "uwt_spin_leaf", "uwt_spin_mid",
		     "uwt_spin_outer", "uwt_test_worker", NULL);
	/* The walk reached the thread's first frame, in libc, and ended
	 * there for want of a caller, not for an error. */
	assert_true(in_libc(sample.pcs[n - 1]));
	assert_int_equal(after.stops_bad_rule, before.stops_bad_rule);
	assert_int_equal(after.stops_bad_read, before.stops_bad_read);
	assert_int_equal(after.stops_no_fde, before.stops_no_fde);
	assert_int_equal(after.stops_no_module, before.stops_no_module);
	assert_int_equal(after.slow_reads, before.slow_reads);
}

/*
 * A sample of uwt_spin_libc: in memset or strlen under uwt_spin_libc,
 * or in uwt_spin_libc itself. (In the sanitizer build, the interceptors
 * of memset and strlen and the runtime they call may come between.)
 * Returns whether pcs[0] was in libc; clears *ok when the stack is not
 * as expected.
 */
static bool check_libc_sample(const uint64_t *pcs, int n, bool *ok)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(fn_name(pcs[i]), "uwt_spin_libc") == 0)
			break;
	if (i + 1 >= n || strcmp(fn_name(pcs[i + 1]), "uwt_test_worker") != 0 ||
	    (!SANITIZED && (i > 1 || (i == 1 && !in_libc(pcs[0]))))) {
		print_stack("unexpected sample", pcs, n);
		*ok = false;
	}
	return in_libc(pcs[0]);
}

static void test_signal_in_libc(void **state)
{
	struct worker w;
	int i, n, in_lib = 0;
	bool ok = true;

	install(SIGPROF, uwt_test_on_prof);
	start_worker(&w, SPIN_LIBC, true, NULL);
	/* memset and strlen take most of the loop's time. */
	for (i = 0; i < 2000 && in_lib < 20 && ok; i++) {
		n = take_sample(w.tid);
		in_lib += check_libc_sample(sample.pcs, n, &ok);
		ok = ok && sample_matches_libunwind();
	}
	stop_worker(&w);
	assert_true(ok);
	assert_int_equal(in_lib, 20);
}

static struct {
	uint64_t here[MAXF];
	int nhere;
	volatile int running, stop;
} nested;

void uwt_test_on_usr1(int sig, siginfo_t *si, void *uc);
void uwt_test_on_usr1(int sig, siginfo_t *si, void *uc)
{
	nested.nhere = tunw_backtrace_here(nested.here, MAXF);
	uwt_spin_in_handler(&nested.running, &nested.stop);
	uwt_sink++;
}

static void test_through_signal_trampoline(void **state)
{
	struct worker w;
	int n;

	install(SIGPROF, uwt_test_on_prof);
	install(SIGUSR1, uwt_test_on_usr1);
	memset(&nested, 0, sizeof(nested));
	start_worker(&w, SPIN_CHAIN, true, NULL);
	assert_int_equal(syscall(SYS_tgkill, getpid(), w.tid, SIGUSR1), 0);
	assert_true(wait_flag(&nested.running, 10));
	n = take_sample(w.tid);
	nested.stop = 1;
	stop_worker(&w);

	assert_true(sample_matches_libunwind());
	/* The SIGPROF sample: the handler, glibc's __restore_rt, then the
	 * interrupted leaf with its exact PC. */
	expect_names(sample.pcs, n, 0, "uwt_spin_in_handler",
		     "uwt_test_on_usr1", NULL);
	assert_true(n > 2 && in_libc(sample.pcs[2]));
	expect_names(sample.pcs, n, 3, "uwt_spin_leaf", "uwt_spin_mid",
		     "uwt_spin_outer", "uwt_test_worker", NULL);

	/* The same from inside the SIGUSR1 handler itself. */
	expect_names(nested.here, nested.nhere, 0, "uwt_test_on_usr1", NULL);
	assert_true(nested.nhere > 1 && in_libc(nested.here[1]));
	expect_names(nested.here, nested.nhere, 2, "uwt_spin_leaf",
		     "uwt_spin_mid", "uwt_spin_outer", "uwt_test_worker", NULL);
}

static void test_unknown_stack_bounds(void **state)
{
	struct tunw_stats s0, s1, s2;
	size_t size = 1 << 20;
	pthread_attr_t attr;
	struct worker w;
	uint64_t first[MAXF];
	void *stack;
	int n1, n2, refreshed;

	/* A stack mapped after the snapshot, never declared. */
	assert_int_equal(tunw_refresh(), 0);
	stack = mmap(NULL, size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	assert_true(stack != MAP_FAILED);
	pthread_attr_init(&attr);
	pthread_attr_setstack(&attr, stack, size);
	install(SIGPROF, uwt_test_on_prof);
	start_worker(&w, SPIN_CHAIN, false, &attr);

	tunw_get_stats(&s0);
	n1 = take_sample(w.tid);
	memcpy(first, sample.pcs, sizeof(first));
	tunw_get_stats(&s1);

	/* The handler asked for the mappings; once refreshed, the stack is
	 * known and read directly. */
	refreshed = tunw_refresh_if_changed();
	n2 = take_sample(w.tid);
	tunw_get_stats(&s2);
	stop_worker(&w);
	pthread_attr_destroy(&attr);
	munmap(stack, size);

	expect_names(first, n1, 0, "uwt_spin_leaf", "uwt_spin_mid",
		     "uwt_spin_outer", "uwt_test_worker", NULL);
	assert_true(s1.slow_reads > s0.slow_reads);
	assert_int_equal(refreshed, 1);
	expect_names(sample.pcs, n2, 0, "uwt_spin_leaf", "uwt_spin_mid",
		     "uwt_spin_outer", "uwt_test_worker", NULL);
	assert_int_equal(s2.slow_reads, s1.slow_reads);
}

/* ---- junk ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* A value that looks like a pointer into something, or not at all. */
static uint64_t junk_value(const uint64_t *buf, size_t words)
{
	static const uint64_t fixed[] = {0,
					 1,
					 8,
					 0x1000,
					 0xffffffffffffffff,
					 0x7ffffffff000,
					 0xffff800000000000};

	switch (rnd() % 6) {
	case 0:
		return fixed[rnd() % (sizeof(fixed) / sizeof(fixed[0]))];
	case 1:
		return (uint64_t)(uintptr_t)uwt_recurse + rnd() % 64;
	case 2:
		return (uint64_t)(uintptr_t)memset + rnd() % 256;
	case 3:
		return (uint64_t)(uintptr_t)(buf + rnd() % words);
	case 4:
		return (uint64_t)(uintptr_t)tunw_backtrace_uc + rnd() % 512;
	default:
		return rnd();
	}
}

static void test_junk_contexts_never_crash(void **state)
{
	enum { WORDS = 512 };
	uint64_t *heap = malloc(WORDS * 8), local[WORDS], pcs[MAXF];
	ucontext_t uc;
	int i, j, n, longest = 0;

	assert_non_null(heap);
	for (i = 0; i < 20000; i++) {
		uint64_t *buf = i % 2 ? heap : local;

		for (j = 0; j < WORDS; j++)
			buf[j] = junk_value(buf, WORDS);
		memset(&uc, 0, sizeof(uc));
		for (j = 0; j < NGREG; j++)
			uc.uc_mcontext.gregs[j] =
			    (greg_t)junk_value(buf, WORDS);
		if (i % 3 == 0)
			uc.uc_mcontext.gregs[REG_RSP] =
			    (greg_t)(uintptr_t)(buf + rnd() % WORDS);
		n = tunw_backtrace_uc(&uc, pcs, MAXF);
		assert_true(n >= 0 && n <= MAXF);
		if (uc.uc_mcontext.gregs[REG_RIP])
			assert_int_equal(
			    pcs[0], (uint64_t)uc.uc_mcontext.gregs[REG_RIP]);
		if (n > longest)
			longest = n;
	}
	free(heap);
	print_message("longest junk stack: %d frames\n", longest);

	/* A PC in no object: that PC alone. */
	memset(&uc, 0, sizeof(uc));
	uc.uc_mcontext.gregs[REG_RIP] = 0x1234;
	uc.uc_mcontext.gregs[REG_RSP] = (greg_t)(uintptr_t)local;
	assert_int_equal(tunw_backtrace_uc(&uc, pcs, MAXF), 1);
	/* A good PC, an unmapped stack: the PC alone. */
	uc.uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)uwt_recurse + 4;
	uc.uc_mcontext.gregs[REG_RSP] = 0x1000;
	assert_int_equal(tunw_backtrace_uc(&uc, pcs, MAXF), 1);
	/* Bad arguments. */
	assert_int_equal(tunw_backtrace_uc(NULL, pcs, MAXF), 0);
	assert_int_equal(tunw_backtrace_uc(&uc, pcs, 0), 0);
	assert_int_equal(tunw_backtrace_here(pcs, 0), 0);
}

/* ---- a library loaded later ---- */

static void test_dlopen_after_init(void **state)
{
	struct tunw_stats s0, s1;
	struct capture c;
	uwt_dlib_fn call;
	void *lib;
	int i, in_lib = 0;

	/* Earlier tests may have left a refresh wanted. */
	assert_true(tunw_refresh_if_changed() >= 0);
	assert_int_equal(tunw_refresh_if_changed(), 0);
	lib = dlopen(UWT_DLIB_PATH, RTLD_NOW | RTLD_LOCAL);
	assert_non_null(lib);
	call = (uwt_dlib_fn)dlsym(lib, "uwt_dlib_call");
	assert_non_null(call);

	/* Unknown to the snapshot: the walk stops at its first frame. */
	tunw_get_stats(&s0);
	memset(&c, 0, sizeof(c));
	call(3, uwt_test_capture, &c);
	tunw_get_stats(&s1);
	assert_int_equal(c.nt, 2);
	assert_string_equal(fn_name(c.tunw[1]), "uwt_dlib_call");
	assert_int_equal(s1.stops_no_module, s0.stops_no_module + 1);

	assert_int_equal(tunw_refresh_if_changed(), 1);
	assert_int_equal(tunw_refresh_if_changed(), 0);
	memset(&c, 0, sizeof(c));
	call(3, uwt_test_capture, &c);
	expect_same_as_libunwind(&c);
	for (i = 0; i < c.nt; i++)
		in_lib += strcmp(fn_name(c.tunw[i]), "uwt_dlib_call") == 0;
	assert_int_equal(in_lib, 4);

	assert_int_equal(dlclose(lib), 0);
	assert_int_equal(tunw_refresh_if_changed(), 1);
}

/* ---- concurrency ---- */

/* The return addresses above uwt_spin_leaf, the same in every thread
 * spinning there. */
static uint64_t chain_ras[3];
static int stress_samples, stress_bad;

void uwt_test_on_prof_stress(int sig, siginfo_t *si, void *uc);
void uwt_test_on_prof_stress(int sig, siginfo_t *si, void *uc)
{
	uint64_t pcs[MAXF];
	int n = tunw_backtrace_uc(uc, pcs, MAXF);

	if (n < 4 || memcmp(pcs + 1, chain_ras, sizeof(chain_ras)) != 0)
		__atomic_fetch_add(&stress_bad, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&stress_samples, 1, __ATOMIC_RELAXED);
}

struct sampler {
	struct worker *workers;
	int nworkers;
	volatile int stop;
};

/* Sends SIGPROF round the workers as fast as it can. */
static void *sampler_main(void *arg)
{
	struct sampler *s = arg;
	int i = 0;

	while (!s->stop) {
		syscall(SYS_tgkill, getpid(), s->workers[i].tid, SIGPROF);
		i = (i + 1) % s->nworkers;
	}
	return NULL;
}

#define STRESS_SAMPLES 500

static void test_samples_during_dlopen_churn(void **state)
{
	enum { NW = 2 };
	struct worker w[NW];
	struct sampler s = {w, NW, 0};
	struct timespec t0, t;
	pthread_t th;
	void *lib;
	double secs;
	int i, n, churn = 0, bad;

	install(SIGPROF, uwt_test_on_prof);
	for (i = 0; i < NW; i++)
		start_worker(&w[i], SPIN_CHAIN, true, NULL);
	n = take_sample(w[0].tid);
	memcpy(chain_ras, sample.pcs + 1, sizeof(chain_ras));
	bad = n < 4 || strcmp(fn_name(chain_ras[2]), "uwt_test_worker");

	/* Handlers unwind while snapshots are replaced and retired, and
	 * the cache's generation changes under them. */
	install(SIGPROF, uwt_test_on_prof_stress);
	assert_int_equal(pthread_create(&th, NULL, sampler_main, &s), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		lib = dlopen(UWT_DLIB_PATH, RTLD_NOW | RTLD_LOCAL);
		bad |= !lib || tunw_refresh_if_changed() != 1;
		bad |= !lib || dlclose(lib) != 0;
		bad |= tunw_refresh_if_changed() != 1;
		bad |= churn % 8 == 0 && tunw_refresh() != 0;
		churn++;
		clock_gettime(CLOCK_MONOTONIC, &t);
		secs = (double)(t.tv_sec - t0.tv_sec) +
		       (double)(t.tv_nsec - t0.tv_nsec) / 1e9;
		/* A busy machine delivers fewer signals: go on for longer
		 * rather than test less. */
	} while (secs < 15 && (secs < 1 || __atomic_load_n(&stress_samples,
							   __ATOMIC_RELAXED) <
					       STRESS_SAMPLES));
	s.stop = 1;
	pthread_join(th, NULL);
	for (i = 0; i < NW; i++)
		stop_worker(&w[i]);
	install(SIGPROF, uwt_test_on_prof);

	print_message("%d samples during %d dlopen/dlclose rounds, %.1f s\n",
		      stress_samples, churn, secs);
	assert_false(bad);
	assert_int_equal(stress_bad, 0);
	assert_true(stress_samples >= STRESS_SAMPLES);
}

/* ---- the cache ---- */

static void test_cache_hit_equals_miss(void **state)
{
	struct tunw_stats s[3];
	struct capture c[2];
	volatile int rounds = 2; /* one call site: no unrolling */
	int i;

	/* A fresh cache, so the first capture decodes every frame. */
	tunw_shutdown();
	assert_int_equal(tunw_init(), 0);
	assert_int_equal(tunw_init(), 0); /* a second init changes nothing */
	memset(c, 0, sizeof(c));
	for (i = 0; i < rounds; i++) {
		tunw_get_stats(&s[i]);
		uwt_recurse(10, uwt_test_capture, &c[i]);
	}
	tunw_get_stats(&s[2]);

	assert_int_equal(c[0].nt, c[1].nt);
	assert_memory_equal(c[0].tunw, c[1].tunw, c[0].nt * sizeof(uint64_t));
	expect_same_as_libunwind(&c[1]);
	assert_true(s[1].cache_misses - s[0].cache_misses >= 5);
	assert_int_equal(s[2].cache_misses, s[1].cache_misses);
	/* One step per frame, plus the one over tunw_backtrace_here. */
	assert_int_equal(s[2].cache_hits - s[1].cache_hits,
			 (uint64_t)c[1].nt + 1);
}

static int setup(void **state)
{
	return tunw_init();
}

static int teardown(void **state)
{
	tunw_shutdown();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_recursion_matches_libunwind),
	    cmocka_unit_test(test_through_libc_matches_libunwind),
	    cmocka_unit_test(test_signal_in_frameless_leaf),
	    cmocka_unit_test(test_signal_in_libc),
	    cmocka_unit_test(test_through_signal_trampoline),
	    cmocka_unit_test(test_unknown_stack_bounds),
	    cmocka_unit_test(test_junk_contexts_never_crash),
	    cmocka_unit_test(test_dlopen_after_init),
	    cmocka_unit_test(test_samples_during_dlopen_churn),
	    cmocka_unit_test(test_cache_hit_equals_miss),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
