/*
 * shell_commands.c - what the shell understands, as go tool pprof's
 * shell does: settings (sample_index=, focus=, ignore=, hide=, show=,
 * unit=, nodecount=...), reports that print what the flag of the same
 * name prints (top, tree, peek, list, traces, dot, svg: header lines
 * kept short, as pprof's shell keeps them), pictures (web, flame) and
 * help, options, quit.
 *
 * A report's words after its name are pprof's: a number is the node
 * count, -cum sorts by cum, >FILE writes to FILE, -RE ignores and RE
 * focuses, for that command only. "top20" is "top 20".
 */
#include "shell.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Rows of `top` when neither the command nor nodecount= says. */
#define SHELL_TOP_ROWS 10

enum setting_kind { SET_STRING, SET_INT, SET_DOUBLE };

struct setting {
	const char *name;
	enum setting_kind kind;
	size_t offset; /* in struct report_options */
	const char *help;
};

#define OPT(f) offsetof(struct report_options, f)

static const struct setting settings[] = {
    {"sample_index", SET_STRING, OPT(sample_index),
     "the value to report, by name or index"},
    {"focus", SET_STRING, OPT(focus), "only samples with a frame matching"},
    {"ignore", SET_STRING, OPT(ignore), "drop samples with a frame matching"},
    {"hide", SET_STRING, OPT(hide), "leave out frames matching"},
    {"show", SET_STRING, OPT(show), "keep only frames matching"},
    {"unit", SET_STRING, OPT(unit), "print values in this unit"},
    {"source_path", SET_STRING, OPT(source_path),
     "list: folders to search for sources"},
    {"nodecount", SET_INT, OPT(nodecount), "show at most N functions"},
    {"nodefraction", SET_DOUBLE, OPT(nodefraction),
     "hide functions under this fraction of the total"},
    {"edgefraction", SET_DOUBLE, OPT(edgefraction),
     "hide calls under this fraction of the total"},
};

#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

typedef void (*command_fn)(struct shell *sh, int argc, char **argv);

struct command {
	const char *name;
	command_fn fn;
	const char *args;
	const char *help;
};

static void cmd_report(struct shell *sh, int argc, char **argv);
static void cmd_web(struct shell *sh, int argc, char **argv);
static void cmd_flame(struct shell *sh, int argc, char **argv);
static void cmd_options(struct shell *sh, int argc, char **argv);
static void cmd_help(struct shell *sh, int argc, char **argv);
static void cmd_quit(struct shell *sh, int argc, char **argv);

static const struct command commands[] = {
    {"top", cmd_report, "[N] [-cum]", "the top functions (10 by default)"},
    {"tree", cmd_report, "[N]", "each function with callers and callees"},
    {"peek", cmd_report, "RE", "callers and callees of functions matching"},
    {"list", cmd_report, "RE", "annotated source of functions matching"},
    {"traces", cmd_report, "", "every sample's stack"},
    {"dot", cmd_report, "[>FILE]", "the call graph in DOT"},
    {"svg", cmd_report, "[>FILE]", "the call graph as SVG (Graphviz)"},
    {"web", cmd_web, "", "the call graph as SVG, opened in a browser"},
    {"flame", cmd_flame, "[FILE]", "the flame graph, opened in a browser"},
    {"options", cmd_options, "", "the current settings (also: o)"},
    {"o", cmd_options, NULL, NULL},
    {"help", cmd_help, "", "this list"},
    {"quit", cmd_quit, "", "leave (also: exit, q, Ctrl-D)"},
    {"exit", cmd_quit, NULL, NULL},
    {"q", cmd_quit, NULL, NULL},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

const char *shell_word(size_t i)
{
	if (i < NCOMMANDS)
		return commands[i].name;
	if (i < NCOMMANDS + NSETTINGS)
		return settings[i - NCOMMANDS].name;
	return NULL;
}

/* Keeps a copy of `s` that outlives the line; NULL when out of room. */
static char *own(struct shell *sh, const char *s)
{
	size_t i, n = sizeof(sh->owned) / sizeof(sh->owned[0]);
	char *copy = strdup(s);

	if (!copy)
		return NULL;
	for (i = 0; i < n && sh->owned[i]; i++)
		;
	if (i == n) { /* all taken: free those no setting points to */
		for (i = 0; i < n; i++) {
			size_t k;

			for (k = 0; k < NSETTINGS; k++)
				if (settings[k].kind == SET_STRING &&
				    *(const char **)((char *)sh->o +
						     settings[k].offset) ==
					sh->owned[i])
					break;
			if (k == NSETTINGS) {
				free(sh->owned[i]);
				sh->owned[i] = NULL;
			}
		}
		for (i = 0; i < n && sh->owned[i]; i++)
			;
	}
	if (i == n) {
		free(copy);
		return NULL;
	}
	sh->owned[i] = copy;
	return copy;
}

/* Checks a new sample_index or regex before it is kept. */
static bool valid_value(const struct shell *sh, const struct setting *st,
			const char *value)
{
	char err[512];
	size_t index;
	regex_t rx;

	if (!*value)
		return true;
	if (!strcmp(st->name, "sample_index")) {
		if (report_sample_index(sh->p, value, &index, err,
					sizeof(err)) == 0)
			return true;
		fprintf(stderr, "%s\n", err);
		return false;
	}
	if (strcmp(st->name, "unit") && strcmp(st->name, "source_path")) {
		if (regcomp(&rx, value, REG_EXTENDED | REG_NOSUB)) {
			fprintf(stderr, "%s: '%s' is not a valid regex\n",
				st->name, value);
			return false;
		}
		regfree(&rx);
	}
	return true;
}

/* name=value; false when `name` is no setting. */
static bool set(struct shell *sh, const char *name, const char *value)
{
	const struct setting *st = NULL;
	char *end;
	void *field;
	size_t i;

	for (i = 0; i < NSETTINGS; i++)
		if (!strcmp(settings[i].name, name))
			st = &settings[i];
	if (!st)
		return false;
	field = (char *)sh->o + st->offset;
	errno = 0;
	if (st->kind == SET_INT) {
		long v = strtol(value, &end, 10);

		if (*end || end == value || errno || v < -1 || v > INT_MAX)
			fprintf(stderr, "%s: want a number, not '%s'\n", name,
				value);
		else
			*(int *)field = (int)v;
	} else if (st->kind == SET_DOUBLE) {
		double v = strtod(value, &end);

		if (*end || end == value || v < 0 || v > 1)
			fprintf(stderr,
				"%s: want a fraction from 0 to 1, "
				"not '%s'\n",
				name, value);
		else
			*(double *)field = v;
	} else if (valid_value(sh, st, value)) {
		const char *copy = *value ? own(sh, value) : NULL;

		if (*value && !copy)
			fprintf(stderr, "%s: out of memory\n", name);
		else
			*(const char **)field = copy;
	}
	return true;
}

/* "a|b": two regexes joined, as pprof joins focus words. */
static const char *join_regex(struct shell *sh, const char *a, const char *b)
{
	char *both;
	const char *kept;

	if (!a)
		return b;
	if (asprintf(&both, "%s|%s", a, b) < 0)
		return a;
	kept = own(sh, both);
	free(both);
	return kept ? kept : a;
}

/* The words after a report's name: count, -cum, >FILE, focus/ignore. */
static int report_words(struct shell *sh, int argc, char **argv,
			struct report_options *o, const char **output)
{
	const char *focus = NULL, *ignore = NULL;
	char *end;
	int i;

	for (i = 0; i < argc; i++) {
		long n = strtol(argv[i], &end, 10);

		if (!*end && end != argv[i] && n >= 0 && n <= INT_MAX) {
			o->nodecount = (int)n;
		} else if (argv[i][0] == '>') {
			*output = argv[i][1] ? argv[i] + 1 : NULL;
			if (!*output && i + 1 < argc)
				*output = argv[++i];
			if (!*output) {
				fprintf(stderr, "unexpected end of line "
						"after >\n");
				return -1;
			}
		} else if (!strcmp(argv[i], "-cum") ||
			   !strcmp(argv[i], "--cum")) {
			o->cum = true;
		} else if (argv[i][0] == '-') {
			ignore = join_regex(sh, ignore, argv[i] + 1);
		} else {
			focus = join_regex(sh, focus, argv[i]);
		}
	}
	if (focus)
		o->focus = focus;
	if (ignore)
		o->ignore = ignore;
	return 0;
}

static void cmd_report(struct shell *sh, int argc, char **argv)
{
	const struct pprof_report *rep = pprof_report_find(argv[0]);
	struct report_options o = *sh->o;
	const char *output = NULL;
	int first = 1;

	o.compact_labels = true;
	if (rep->takes_symbol) {
		if (argc < 2) {
			fprintf(stderr, "command %s requires an argument\n",
				argv[0]);
			return;
		}
		o.symbol = argv[1];
		first = 2;
	}
	if (report_words(sh, argc - first, argv + first, &o, &output) < 0)
		return;
	if (o.nodecount < 0 && !strcmp(rep->name, "top"))
		o.nodecount = SHELL_TOP_ROWS;
	pprof_run_report(rep, sh->p, &o, output);
}

/* A new temporary file ending in `suffix`; its path goes in `path`. */
static int temp_file(char *path, size_t len, const char *prefix,
		     const char *suffix)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, len, "%s/%sXXXXXX%s", dir && *dir ? dir : "/tmp", prefix,
		 suffix);
	fd = mkstemps(path, (int)strlen(suffix));
	if (fd < 0) {
		fprintf(stderr, "cannot create %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

static void cmd_web(struct shell *sh, int argc, char **argv)
{
	struct report_options o = *sh->o;
	const char *output = NULL;
	char path[PATH_MAX];

	if (report_words(sh, argc - 1, argv + 1, &o, &output) < 0 ||
	    temp_file(path, sizeof(path), "triage-graph-", ".svg") < 0)
		return;
	if (pprof_run_report(pprof_report_find("svg"), sh->p, &o, path) < 0) {
		unlink(path);
		return;
	}
	shell_show_file(path, "the call graph");
}

static void cmd_flame(struct shell *sh, int argc, char **argv)
{
	char path[PATH_MAX];

	if (argc > 1)
		snprintf(path, sizeof(path), "%s", argv[1]);
	else if (temp_file(path, sizeof(path), "triage-flame-", ".html") < 0)
		return;
	if (pprof_write_flame(sh->p, sh->o, path, false) == 0)
		shell_show_file(path, "the flame graph");
}

static void cmd_options(struct shell *sh, int argc, char **argv)
{
	char value[64];
	size_t i;

	for (i = 0; i < NSETTINGS; i++) {
		const void *field = (const char *)sh->o + settings[i].offset;
		const char *s = value;

		if (settings[i].kind == SET_INT && *(const int *)field < 0)
			s = "(default)";
		else if (settings[i].kind == SET_INT)
			snprintf(value, sizeof(value), "%d",
				 *(const int *)field);
		else if (settings[i].kind == SET_DOUBLE)
			snprintf(value, sizeof(value), "%g",
				 *(const double *)field);
		else
			s = *(const char *const *)field
				? *(const char *const *)field
				: "";
		printf("  %-14s = %-16s // %s\n", settings[i].name, s,
		       settings[i].help);
	}
}

static void cmd_help(struct shell *sh, int argc, char **argv)
{
	size_t i;

	printf("Commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		if (commands[i].help)
			printf("  %-8s %-12s %s\n", commands[i].name,
			       commands[i].args, commands[i].help);
	printf("Settings (name=value; name= clears):\n");
	for (i = 0; i < NSETTINGS; i++)
		printf("  %-14s %s\n", settings[i].name, settings[i].help);
	printf("After a report: N (node count), -cum, >FILE, RE (focus), "
	       "-RE (ignore).\nRegexes are POSIX extended.\n");
}

static void cmd_quit(struct shell *sh, int argc, char **argv)
{
	sh->quit = true;
}

/* "top20" -> "top" and "20" (pprof's abbreviation). */
static int split_digits(char **argv, int argc, char *digits, size_t len)
{
	char *w = argv[0];
	size_t n = strlen(w), k = n;

	while (k > 0 && isdigit((unsigned char)w[k - 1]))
		k--;
	if (k == 0 || k == n || n - k >= len || argc >= SHELL_MAX_ARGS)
		return argc;
	memcpy(digits, w + k, n - k + 1);
	w[k] = '\0';
	memmove(argv + 2, argv + 1, (size_t)(argc - 1) * sizeof(*argv));
	argv[1] = digits;
	return argc + 1;
}

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* Cuts `s` in place into its blank-separated words. */
static int split_words(char *s, char **argv, int max)
{
	int argc = 0;

	while (argc < max) {
		s += strspn(s, " \t");
		if (!*s)
			break;
		argv[argc++] = s;
		s += strcspn(s, " \t");
		if (*s)
			*s++ = '\0';
	}
	argv[argc] = NULL;
	return argc;
}

/* name=value: a setting; says so when `name` is none. */
static void assign(struct shell *sh, char *line, char *eq)
{
	char *argv[3], *value = eq + 1;
	size_t n;

	*eq = '\0';
	if (split_words(line, argv, 2) != 1) {
		fprintf(stderr, "want name=value, as in focus=parse\n");
		return;
	}
	value += strspn(value, " \t");
	n = strlen(value);
	while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
		value[--n] = '\0';
	if (!set(sh, argv[0], value))
		fprintf(stderr,
			"unknown setting \"%s\" (type o to list "
			"them)\n",
			argv[0]);
}

void shell_execute(struct shell *sh, char *line)
{
	char *argv[SHELL_MAX_ARGS + 1], *eq, digits[16];
	const struct command *c;
	int argc;

	eq = strchr(line, '=');
	if (eq && (size_t)(eq - line) == strcspn(line, "=>")) {
		assign(sh, line, eq);
		return;
	}
	argc = split_words(line, argv, SHELL_MAX_ARGS - 1);
	if (!argc)
		return;
	c = find_command(argv[0]);
	if (!c) {
		argc = split_digits(argv, argc, digits, sizeof(digits));
		c = find_command(argv[0]);
	}
	if (!c) {
		fprintf(stderr, "unrecognized command: \"%s\" (type help)\n",
			argv[0]);
		return;
	}
	c->fn(sh, argc, argv);
}
