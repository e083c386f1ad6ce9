/*
 * threads.c - pthread_create interposition and the agent's own threads.
 *
 * Every thread created through pthread_create starts in
 * triage_thread_start, which records what the agent needs before the
 * thread's own code runs (profiles show it below the thread's start
 * routine, named so that nobody wonders what it is). The real
 * pthread_create is looked up with RTLD_NEXT, so the same code works
 * preloaded, linked, or linked statically.
 */
#include "threads.h"

#include "cpu_timer.h"
#include "log.h"
#include "options.h"
#include "thread_create.h"
#include "unwind.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TLS __thread __attribute__((tls_model("initial-exec")))
#define MAX_AGENT_THREADS 128

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *,
			 void *(*)(void *), void *);
typedef int (*setname_fn)(pthread_t, const char *);

static TLS pid_t tls_tid;
static TLS bool tls_agent;
static TLS int tls_agent_scope;

static create_fn real_create;
static setname_fn real_setname;
static pthread_key_t exit_key;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* The agent's tids, for the profiler's scan of /proc/self/task. */
static pthread_mutex_t agent_lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t agent_tids[MAX_AGENT_THREADS];

struct start {
	void *(*fn)(void *);
	void *arg;
	bool agent;
	int created_by; /* the thread_create.h record of the creator */
	char name[16];
};

pid_t thr_gettid(void)
{
	if (!tls_tid)
		tls_tid = (pid_t)syscall(SYS_gettid);
	return tls_tid;
}

bool thr_is_agent(void)
{
	return tls_agent;
}

bool thr_is_agent_tid(pid_t tid)
{
	bool found = false;
	int i;

	pthread_mutex_lock(&agent_lock);
	for (i = 0; i < MAX_AGENT_THREADS && !found; i++)
		found = agent_tids[i] == tid;
	pthread_mutex_unlock(&agent_lock);
	return found;
}

static void agent_tid_set(pid_t old, pid_t new)
{
	int i;

	pthread_mutex_lock(&agent_lock);
	for (i = 0; i < MAX_AGENT_THREADS; i++) {
		if (agent_tids[i] == old) {
			agent_tids[i] = new;
			break;
		}
	}
	pthread_mutex_unlock(&agent_lock);
}

/* Runs at the exit of every thread started through triage_thread_start. */
static void thread_exit(void *unused)
{
	if (tls_agent)
		agent_tid_set(thr_gettid(), 0);
	else
		cpu_timer_detach_self();
}

static void init_once_fn(void)
{
	real_create = (create_fn)dlsym(RTLD_NEXT, "pthread_create");
	real_setname = (setname_fn)dlsym(RTLD_NEXT, "pthread_setname_np");
	if (pthread_key_create(&exit_key, thread_exit))
		tlog(TLOG_WARN, "no thread-exit hook; short threads may leak "
				"timers while profiling");
}

static void record_stack(void)
{
	pthread_attr_t attr;
	void *lo;
	size_t size;

	if (pthread_getattr_np(pthread_self(), &attr))
		return;
	if (!pthread_attr_getstack(&attr, &lo, &size))
		tunw_thread_set_stack((uint64_t)(uintptr_t)lo,
				      (uint64_t)(uintptr_t)lo + size);
	pthread_attr_destroy(&attr);
}

static void become_agent(const char *name)
{
	char full[16];

	tls_agent = true;
	snprintf(full, sizeof(full), "triage-%.8s", name);
	prctl(PR_SET_NAME, full, 0, 0, 0);
	agent_tid_set(0, thr_gettid());
}

static void *triage_thread_start(void *p)
{
	struct start s = *(struct start *)p;

	free(p);
	record_stack();
	if (s.agent)
		become_agent(s.name);
	else
		cpu_timer_attach_self();
	tdump_thread_begin(s.created_by);
	pthread_setspecific(exit_key, (void *)1);
	return s.fn(s.arg);
}

static int create(pthread_t *t, const pthread_attr_t *attr,
		  void *(*fn)(void *), void *arg, bool agent,
		  const char *name)
{
	struct start *s;
	int err;

	pthread_once(&init_once, init_once_fn);
	if (!real_create)
		return EAGAIN;
	s = malloc(sizeof(*s));
	if (!s)
		return real_create(t, attr, fn, arg);
	s->fn = fn;
	s->arg = arg;
	s->agent = agent;
	s->created_by = agent ? 0 : tdump_note_create();
	snprintf(s->name, sizeof(s->name), "%s", name);
	err = real_create(t, attr, triage_thread_start, s);
	if (err)
		free(s);
	return err;
}

TRIAGE_API int pthread_create(pthread_t *t, const pthread_attr_t *attr,
			      void *(*fn)(void *), void *arg)
{
	bool agent = tls_agent || tls_agent_scope > 0;

	return create(t, attr, fn, arg, agent, "http");
}

/*
 * Libraries the agent uses name their threads (libmicrohttpd says
 * "MHD-listen"); an agent thread keeps its triage-* name instead, so
 * operators and the profiler can tell it apart.
 */
TRIAGE_API int pthread_setname_np(pthread_t t, const char *name)
{
	pthread_once(&init_once, init_once_fn);
	if (tls_agent && pthread_equal(t, pthread_self()))
		return 0;
	if (!real_setname)
		return ENOSYS;
	return real_setname(t, name);
}

int thr_create_agent(pthread_t *t, const char *name, void *(*fn)(void *),
		     void *arg)
{
	return create(t, NULL, fn, arg, true, name);
}

void thr_agent_scope_enter(void)
{
	tls_agent_scope++;
}

void thr_agent_scope_leave(void)
{
	tls_agent_scope--;
}

void thr_after_fork_child(void)
{
	pthread_mutex_init(&agent_lock, NULL);
	memset(agent_tids, 0, sizeof(agent_tids));
	tls_tid = 0;
	tls_agent = false;
	tls_agent_scope = 0;
}
