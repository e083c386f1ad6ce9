/*
 * exec_hooks.c - the exec family, interposed so that a program which
 * calls exec while a CPU profile runs is not killed by it.
 *
 * A SIGPROF that a timer queued just before the exec stays pending
 * across it, and the new image has SIGPROF at its default action,
 * "terminate". So before the real call the CPU timers are paused and
 * any pending SIGPROF is discarded (cpu_profile_before_exec); if the
 * exec fails, profiling resumes as if nothing happened.
 *
 * glibc's exec functions call its internal execve directly, so each
 * entry point is interposed, not execve alone. The list-taking forms
 * (execl, execle, execlp) gather their arguments into an array on the
 * stack and go through the array forms.
 */
#include "cpu_profiler.h"
#include "options.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>

typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*execvp_fn)(const char *, char *const[]);
typedef int (*execvpe_fn)(const char *, char *const[], char *const[]);
typedef int (*fexecve_fn)(int, char *const[], char *const[]);
typedef int (*execveat_fn)(int, const char *, char *const[], char *const[],
			   int);

extern char **environ;

/* Finds the next definition of `name`; ENOSYS when there is none. */
static void *next(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (!p)
		errno = ENOSYS;
	return p;
}

/* Runs after a failed exec: profiling goes on, errno is kept. */
static int failed(int ret)
{
	int saved = errno;

	cpu_profile_after_exec_failed();
	errno = saved;
	return ret;
}

TRIAGE_API int execve(const char *path, char *const argv[],
		      char *const envp[])
{
	execve_fn real = (execve_fn)next("execve");

	if (!real)
		return -1;
	cpu_profile_before_exec();
	return failed(real(path, argv, envp));
}

TRIAGE_API int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

TRIAGE_API int execvpe(const char *file, char *const argv[],
		       char *const envp[])
{
	execvpe_fn real = (execvpe_fn)next("execvpe");

	if (!real)
		return -1;
	cpu_profile_before_exec();
	return failed(real(file, argv, envp));
}

TRIAGE_API int execvp(const char *file, char *const argv[])
{
	execvp_fn real = (execvp_fn)next("execvp");

	if (!real)
		return -1;
	cpu_profile_before_exec();
	return failed(real(file, argv));
}

TRIAGE_API int fexecve(int fd, char *const argv[], char *const envp[])
{
	fexecve_fn real = (fexecve_fn)next("fexecve");

	if (!real)
		return -1;
	cpu_profile_before_exec();
	return failed(real(fd, argv, envp));
}

TRIAGE_API int execveat(int dirfd, const char *path, char *const argv[],
			char *const envp[], int flags)
{
	execveat_fn real = (execveat_fn)next("execveat");

	if (!real)
		return -1;
	cpu_profile_before_exec();
	return failed(real(dirfd, path, argv, envp, flags));
}

/*
 * Counts the arguments of an execl-style list after `arg0`, up to and
 * including its NULL; E2BIG past a bound that keeps the array on the
 * stack small (the kernel's own limit on arguments is far lower than
 * what fits in 8 MiB of stack anyway).
 */
#define LIST_MAX 65536

static size_t list_length(const char *arg0, va_list ap)
{
	size_t n = 1;

	if (!arg0)
		return 1;
	while (n < LIST_MAX && va_arg(ap, const char *))
		n++;
	return n + 1;
}

/* Gathers arg0 and the list into argv (n slots, the last one NULL). */
static void list_gather(char **argv, size_t n, const char *arg0, va_list ap)
{
	size_t i;

	argv[0] = (char *)arg0;
	for (i = 1; i < n; i++)
		argv[i] = arg0 ? va_arg(ap, char *) : NULL;
	argv[n - 1] = NULL;
}

enum list_kind { LIST_PATH, LIST_SEARCH, LIST_ENV };

/* The execl-style calls: the list gathered on the stack, then the
 * array form (execle's environment follows the list's NULL). */
static int exec_list(enum list_kind kind, const char *path, const char *arg0,
		     va_list ap)
{
	va_list count;
	size_t n;

	va_copy(count, ap);
	n = list_length(arg0, count);
	va_end(count);
	if (n > LIST_MAX) {
		errno = E2BIG;
		return -1;
	}
	char *argv[n];

	list_gather(argv, n, arg0, ap);
	switch (kind) {
	case LIST_SEARCH:
		return execvp(path, argv);
	case LIST_ENV:
		return execve(path, argv, va_arg(ap, char *const *));
	default:
		return execve(path, argv, environ);
	}
}

TRIAGE_API int execl(const char *path, const char *arg0, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg0);
	ret = exec_list(LIST_PATH, path, arg0, ap);
	va_end(ap);
	return ret;
}

TRIAGE_API int execlp(const char *file, const char *arg0, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg0);
	ret = exec_list(LIST_SEARCH, file, arg0, ap);
	va_end(ap);
	return ret;
}

TRIAGE_API int execle(const char *path, const char *arg0, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg0);
	ret = exec_list(LIST_ENV, path, arg0, ap);
	va_end(ap);
	return ret;
}
