/*
 * agent.c - the agent's life: start, stop, autostart when preloaded,
 * fork and exit.
 *
 * Preloaded (LD_PRELOAD, or `triage run`), the agent starts itself from
 * the TRIAGE_* environment before main. A forked child gets its own
 * socket at once and starts clean; an exec'd program starts the agent
 * again from the same environment, so the agent survives both.
 */
#include "contention.h"
#include "cpu_profiler.h"
#include "heap_endpoints.h"
#include "heap_hooks.h"
#include "http_server.h"
#include "log.h"
#include "logger.h"
#include "metrics.h"
#include "options.h"
#include "otlp_exporter.h"
#include "pprof_endpoints.h"
#include "symbols.h"
#include "thread_dump.h"
#include "thread_endpoints.h"
#include "threads.h"
#include "triage.h"
#include "unwind.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
	pthread_mutex_t lock;
	bool started;
	struct triage_options opts; /* strings point into `strings` */
	char *strings[4];
	bool cpuprofile_running;
} agent = {.lock = PTHREAD_MUTEX_INITIALIZER};

static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

/* Every module that serves HTTP contributes a table of routes. */
typedef const struct http_route *(*route_table_fn)(size_t *n);
static const route_table_fn route_tables[] = {
	pprof_routes,
	heap_routes,
	tdump_routes,
	contention_routes,
	metrics_routes,
};
#define MAX_ROUTES 64
static struct http_route routes[MAX_ROUTES];

/* Gathers the modules' routes, the catch-all 404 last. */
static size_t gather_routes(void)
{
	size_t n = 0, i, j, k;

	for (i = 0; i < sizeof(route_tables) / sizeof(route_tables[0]); i++) {
		const struct http_route *t = route_tables[i](&k);

		for (j = 0; j < k && n < MAX_ROUTES - 1; j++)
			routes[n++] = t[j];
	}
	routes[n++] = pprof_unknown_route;
	return n;
}

static const char *keep(int slot, const char *s)
{
	free(agent.strings[slot]);
	agent.strings[slot] = s ? strdup(s) : NULL;
	return agent.strings[slot];
}

static void copy_options(const struct triage_options *o)
{
	agent.opts = *o;
	agent.opts.socket_dir = keep(0, o->socket_dir);
	agent.opts.listen = keep(1, o->listen);
	agent.opts.token = keep(2, o->token);
	agent.opts.cpuprofile = keep(3, o->cpuprofile);
}

/* Writes the whole-run CPU profile (TRIAGE_CPUPROFILE). */
static void write_cpuprofile(void)
{
	struct tprof *p;
	int err;

	if (!agent.cpuprofile_running)
		return;
	agent.cpuprofile_running = false;
	err = cpu_profile_stop(&p);
	if (!err) {
		err = tprof_write_file(p, agent.opts.cpuprofile);
		tprof_free(p);
	}
	if (err)
		tlog(TLOG_ERROR, "could not write the CPU profile to %s: %s",
		     agent.opts.cpuprofile, triage_strerror(err));
	else
		tlog(TLOG_INFO, "CPU profile written to %s",
		     agent.opts.cpuprofile);
}

static void at_exit(void)
{
	heap_guard_enter();
	write_cpuprofile();
	/* Only the socket file: stopping the server's threads at exit
	 * could wait on a request that is still running. */
	if (http_socket_path())
		unlink(http_socket_path());
	heap_guard_leave();
}

static int start_locked(void)
{
	struct http_config cfg = {0};
	int err;

	tlog_set_level(agent.opts.verbose);
	err = tunw_init();
	if (err)
		return err;
	pprof_configure(agent.opts.cpu_hz,
			(enum cpu_timer_mode)agent.opts.cpu_timer);
	tdump_configure(agent.opts.dump_signal);
	contention_configure(agent.opts.mutex_fraction, agent.opts.block_rate);
	cfg.socket_dir = agent.opts.socket_dir;
	cfg.listen = agent.opts.listen;
	cfg.token = agent.opts.token;
	cfg.routes = routes;
	cfg.nroutes = gather_routes();
	err = http_start(&cfg);
	if (err)
		return err;
	if (heap_start(agent.opts.heap_sample))
		tlog(TLOG_WARN, "no triage-heap thread: stacks through code "
				"loaded from now on may be cut short");
	if (agent.opts.cpuprofile) {
		err = cpu_profile_start(agent.opts.cpu_hz,
					(enum cpu_timer_mode)agent.opts.cpu_timer);
		if (err) {
			heap_stop();
			http_stop();
			return err;
		}
		agent.cpuprofile_running = true;
	}
	agent.started = true;
	return 0;
}

static void before_fork(void)
{
	pthread_mutex_lock(&agent.lock);
	cpu_profile_before_fork();
	heap_before_fork();
}

static void after_fork_parent(void)
{
	heap_after_fork_parent();
	cpu_profile_after_fork_parent();
	pthread_mutex_unlock(&agent.lock);
}

/*
 * The child has one thread and copies of the parent's state. It forgets
 * the parent's threads, server and profile, and serves on its own
 * socket. A whole-run CPU profile stays the parent's.
 */
static void after_fork_child(void)
{
	bool was_started = agent.started;

	thr_after_fork_child();
	cpu_profile_after_fork_child();
	heap_after_fork_child();
	http_after_fork_child();
	sym_after_fork_child();
	contention_after_fork_child();
	pthread_mutex_init(&agent.lock, NULL);
	agent.started = false;
	agent.cpuprofile_running = false;
	agent.opts.cpuprofile = NULL;
	heap_guard_enter();
	if (was_started && start_locked())
		tlog(TLOG_WARN, "agent not restarted in child %d",
		     (int)getpid());
	heap_guard_leave();
}

static void install_hooks(void)
{
	pthread_atfork(before_fork, after_fork_parent, after_fork_child);
	atexit(at_exit);
}

TRIAGE_API int triage_start(const struct triage_options *opts)
{
	struct triage_options env;
	const char *bad;
	int err;

	if (!opts) {
		err = opt_from_env(&env, &bad);
		if (err)
			return err;
		opts = &env;
	}
	err = opt_validate(opts);
	if (err)
		return err;
	pthread_once(&hooks_once, install_hooks);
	pthread_mutex_lock(&agent.lock);
	if (agent.started) {
		pthread_mutex_unlock(&agent.lock);
		return TRIAGE_EBUSY;
	}
	/* The agent's own allocations here must not be sampled: they
	 * happen under locks that sampling takes (the unwinder's). */
	heap_guard_enter();
	copy_options(opts);
	lg_configure(opts);
	otlp_exporter_configure(opts->otlp_endpoint, opts->service_name);
	err = start_locked();
	heap_guard_leave();
	pthread_mutex_unlock(&agent.lock);
	return err;
}

TRIAGE_API int triage_stop(void)
{
	struct tprof *p;

	/* Spans work without the agent: their exporter stops either way. */
	otlp_exporter_stop();
	pthread_mutex_lock(&agent.lock);
	if (!agent.started) {
		pthread_mutex_unlock(&agent.lock);
		return 0;
	}
	heap_guard_enter();
	pprof_cancel_waits();
	contention_stop();
	write_cpuprofile();
	if (cpu_profile_stop(&p) == 0)
		tprof_free(p);
	heap_stop();
	http_stop();
	sym_release();
	heap_guard_leave();
	agent.started = false;
	pthread_mutex_unlock(&agent.lock);
	return 0;
}

TRIAGE_API const char *triage_socket_path(void)
{
	return http_socket_path();
}

TRIAGE_API int triage_tcp_port(void)
{
	return http_tcp_port();
}

/*
 * A whole-run profile belongs to the program `triage run` started; its
 * children inherit the environment but must not overwrite the file.
 */
static bool cpuprofile_is_ours(void)
{
	const char *owner = getenv("TRIAGE_CPUPROFILE_PID");

	return !owner || !*owner || strtol(owner, NULL, 10) == getpid();
}

__attribute__((constructor)) static void autostart(void)
{
	struct triage_options o;
	const char *bad;
	char url[300];
	int err;

	if (!opt_autostart())
		return;
	if (opt_from_env(&o, &bad)) {
		tlog(TLOG_ERROR, "%s is malformed; the agent is off", bad);
		return;
	}
	if (!cpuprofile_is_ours())
		o.cpuprofile = NULL;
	err = triage_start(&o);
	if (err) {
		tlog(TLOG_ERROR, "agent not started: %s", triage_strerror(err));
		return;
	}
	tlog(TLOG_INFO, "agent serving on unix:%s", triage_socket_path());
	if (http_tcp_url(url, sizeof(url)) == 0)
		tlog(TLOG_INFO, "listening on %s", url);
}
