/*
 * report_names.c - the function names reports show, as go tool pprof
 * makes them when it reads a profile: a function whose name is unset or
 * only repeats its system name is given a short C++ name, its mangled
 * system name demangled without parameters or template arguments, or,
 * when the name already reads as demangled C++ ("ns::f(int)",
 * "v<int>::at"), the parameter lists and template arguments cut out.
 * Names a producer demangled itself (name != system name) stay as they
 * are, as pprof leaves them.
 */
#include "report.h"

#include "demangle.h"
#include "report_internal.h"
#include "triage.h"

#include <stdlib.h>
#include <string.h>

/* pprof's guess that a name is demangled C++ (not Java, not Go). */
static bool looks_like_cplusplus(const char *name)
{
	if (strstr(name, ".<") || strstr(name, "]).")) /* Java, Go */
		return false;
	return strpbrk(name, "<>[]") || strstr(name, "::");
}

/*
 * Removes every outermost open..close pair, with what is inside, from
 * `s` in place, as pprof does: an unopened close stops the removal, an
 * unclosed open stays.
 */
static void remove_matching(char *s, char open, char close)
{
	const char set[3] = {open, close, '\0'};
	size_t cur = 0, first = 0;
	int nesting = 0;

	for (;;) {
		cur += strcspn(s + cur, set);
		if (!s[cur])
			return;
		if (s[cur] == open) {
			if (++nesting == 1)
				first = cur;
		} else if (--nesting < 0) {
			return;
		} else if (nesting == 0) {
			memmove(s + first, s + cur + 1,
				strlen(s + cur + 1) + 1);
			cur = first;
			continue;
		}
		cur++;
	}
}

/* The short name of one function, or NULL to keep the one it has. */
static char *short_name(const struct tprof_function *f)
{
	char *name;

	if (*f->name && strcmp(f->name, f->system_name))
		return NULL; /* demangled by the producer */
	name = tdemangle(f->system_name);
	if (name)
		return name;
	if (!looks_like_cplusplus(f->system_name))
		return *f->name ? NULL : strdup(f->system_name);
	name = strdup(f->system_name);
	if (name) {
		remove_matching(name, '(', ')');
		remove_matching(name, '<', '>');
	}
	return name;
}

int report_simplify_names(struct tprof *p)
{
	size_t i;

	for (i = 0; i < p->nfunctions; i++) {
		struct tprof_function *f = &p->functions[i];
		char *name = short_name(f);
		const char *kept;

		if (!name)
			continue;
		kept = tprof_arena_strndup(p->arena, name, strlen(name));
		free(name);
		if (!kept)
			return TRIAGE_ENOMEM;
		f->name = kept;
	}
	return 0;
}
