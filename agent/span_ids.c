/*
 * span_ids.c - random trace and span IDs.
 *
 * W3C asks for IDs that are random and unique; reading getrandom() for
 * each span would cost a system call per span, so each thread seeds a
 * xoshiro256** generator once from getrandom() and draws from it. A
 * forked child must not repeat its parent's IDs: a fork bumps a
 * generation number and every thread of the child reseeds on its next
 * draw.
 */
#include "span.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define TLS __thread __attribute__((tls_model("initial-exec")))

struct rng {
	uint64_t s[4];
	unsigned gen; /* 0: not seeded */
};

static TLS struct rng rng;
static atomic_uint fork_gen = 1;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void after_fork_child(void)
{
	atomic_fetch_add(&fork_gen, 1);
}

static void install_atfork(void)
{
	pthread_atfork(NULL, NULL, after_fork_child);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t next(struct rng *r)
{
	uint64_t out = rotl(r->s[1] * 5, 7) * 9, t = r->s[1] << 17;

	r->s[2] ^= r->s[0];
	r->s[3] ^= r->s[1];
	r->s[1] ^= r->s[2];
	r->s[0] ^= r->s[3];
	r->s[2] ^= t;
	r->s[3] = rotl(r->s[3], 45);
	return out;
}

/* Seeds from the kernel; should getrandom fail (seccomp, an old
 * kernel), from the clock, the pid and the thread's address, spread by
 * splitmix64 so that the state is never all zero. */
static void seed(struct rng *r)
{
	uint64_t x;
	struct timespec ts;
	int i;

	if (getrandom(r->s, sizeof(r->s), GRND_NONBLOCK) ==
		(ssize_t)sizeof(r->s) &&
	    (r->s[0] | r->s[1] | r->s[2] | r->s[3]))
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^
	    ((uint64_t)getpid() << 16) ^ (uint64_t)(uintptr_t)r;
	for (i = 0; i < 4; i++) {
		uint64_t z = (x += 0x9e3779b97f4a7c15ull);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		r->s[i] = z ^ (z >> 31);
	}
}

void span_random_id(uint8_t *out, size_t n)
{
	unsigned gen = atomic_load_explicit(&fork_gen, memory_order_relaxed);
	uint64_t v;
	size_t i;

	if (rng.gen != gen) {
		pthread_once(&atfork_once, install_atfork);
		seed(&rng);
		rng.gen = gen;
	}
	do {
		for (i = 0; i < n; i += 8) {
			v = next(&rng);
			memcpy(out + i, &v, n - i < 8 ? n - i : 8);
		}
		v = 0;
		for (i = 0; i < n; i++)
			v |= out[i];
	} while (!v);
}
