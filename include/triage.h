/*
 * triage.h - the public interface of libtriage, the diagnostics agent
 * that lives inside a C or C++ service.
 *
 * The agent needs no code change: preload it (`triage run -- ./svc`, or
 * LD_PRELOAD=libtriage.so) and it starts itself from the TRIAGE_*
 * environment. A service that links it may instead call triage_start()
 * with its own options. Once started it serves Go's /debug/pprof
 * endpoints on a Unix socket readable only by the owner, and on TCP only
 * when asked.
 *
 * Every call that can fail returns 0 or a negative TRIAGE_E* code;
 * triage_strerror() turns a code into text. Nothing here prints.
 */
#ifndef TRIAGE_H
#define TRIAGE_H

#ifdef __cplusplus
extern "C" {
#endif

#define TRIAGE_VERSION "0.1.0"

/* Error codes: every failing call returns one of these (negative). */
enum triage_error {
	TRIAGE_OK = 0,
	TRIAGE_EINVAL = -1,    /* an option or argument is out of range */
	TRIAGE_ENOMEM = -2,    /* an allocation failed */
	TRIAGE_ESYS = -3,      /* a system call failed; errno tells which */
	TRIAGE_EBUSY = -4,     /* already running (agent, profile) */
	TRIAGE_ENOTOKEN = -5,  /* a non-loopback listen without a token */
	TRIAGE_EHTTP = -6,     /* the HTTP server could not start */
	TRIAGE_ESTATE = -7,    /* not started, or stopping */
	TRIAGE_EFORMAT = -8,   /* malformed input (profile, header, ...) */
};

/* Limits that the endpoints and options enforce (see docs/endpoints.md). */
#define TRIAGE_CPU_HZ_DEFAULT 100
#define TRIAGE_CPU_HZ_MAX 1000
#define TRIAGE_PROFILE_SECONDS_DEFAULT 30
#define TRIAGE_PROFILE_SECONDS_MAX 3600
#define TRIAGE_HEAP_SAMPLE_DEFAULT 524288

/*
 * Options of triage_start(). Fill with triage_options_init() (defaults)
 * or triage_options_from_env() (defaults overridden by TRIAGE_*), then
 * change what you need. Strings are copied by triage_start().
 */
struct triage_options {
	/* Folder of the always-on Unix socket <pid>.sock (TRIAGE_SOCKET_DIR;
	 * default /tmp/triage-<uid>). Created 0700 when missing. */
	const char *socket_dir;
	/* "[host]:port" for the TCP listener, or NULL for none
	 * (TRIAGE_LISTEN). The host defaults to 127.0.0.1. */
	const char *listen;
	/* Bearer token every request must carry (TRIAGE_TOKEN). Required
	 * when `listen` names a non-loopback address. */
	const char *token;
	/* CPU sampling rate in Hz, 1..TRIAGE_CPU_HZ_MAX (TRIAGE_CPU_HZ). */
	int cpu_hz;
	/* When set, profile the CPU from start to exit and write the profile
	 * to this file at exit (TRIAGE_CPUPROFILE). */
	const char *cpuprofile;
	/* Sampling timer: 0 picks perf events and falls back to POSIX CPU
	 * timers; 1 forces perf events, 2 forces POSIX timers
	 * (TRIAGE_CPU_TIMER=auto|perf|posix). */
	int cpu_timer;
	/* 0 quiet, 1 warnings (default), 2 informational (TRIAGE_VERBOSE). */
	int verbose;
	/* Mean bytes between heap samples, a Poisson process as in Go and
	 * tcmalloc: TRIAGE_HEAP_SAMPLE_DEFAULT (512 KiB); 1 records every
	 * allocation; 0 turns heap profiling off (TRIAGE_HEAP_SAMPLE). */
	long heap_sample;
	/* Report on average 1 in this many mutex contentions; 0 (default)
	 * off, as Go's SetMutexProfileFraction (TRIAGE_MUTEX_FRACTION). */
	int mutex_fraction;
	/* Sample one blocking event per this many nanoseconds spent
	 * blocked; 1 records every event; 0 (default) off, as Go's
	 * SetBlockProfileRate (TRIAGE_BLOCK_RATE). */
	long block_rate;
	/* The real-time signal that asks each thread for its stack in a
	 * thread dump: 0 (default) for SIGRTMIN+3, else a number from
	 * SIGRTMIN to SIGRTMAX, for a program that uses SIGRTMIN+3 itself
	 * (TRIAGE_DUMP_SIGNAL). */
	int dump_signal;
};

/* Fills `opts` with the defaults. */
void triage_options_init(struct triage_options *opts);

/*
 * Fills `opts` with the defaults overridden by the TRIAGE_* environment.
 * Returns TRIAGE_EINVAL, naming nothing, when a variable is malformed;
 * the agent's autostart then reports the variable on stderr.
 */
int triage_options_from_env(struct triage_options *opts);

/*
 * Starts the agent: the debug HTTP server and whatever the options ask
 * for. `opts` may be NULL for the environment's options. Returns
 * TRIAGE_EBUSY when already started, TRIAGE_ENOTOKEN for a non-loopback
 * listen without a token.
 */
int triage_start(const struct triage_options *opts);

/* Stops the agent and waits for its threads. Safe to call twice. */
int triage_stop(void);

/* The Unix socket path the running agent serves, or NULL. */
const char *triage_socket_path(void);

/* The TCP port the running agent serves, or 0 when it has none. */
int triage_tcp_port(void);

/* A short English text for a TRIAGE_E* code. */
const char *triage_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* TRIAGE_H */
