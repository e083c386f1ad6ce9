/*
 * flags.c - the one flag parser of the triage command (see flags.h).
 *
 * Numbers are parsed strictly: "5s", "1e3" or " 5" for an integer is an
 * error naming the flag, because an operator who mistyped a duration
 * should learn it before waiting for a profile.
 */
#include "flags.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "triage %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; see 'triage %s --help'\n", cmd);
}

static const struct cli_flag *find_flag(const struct cli_flag *flags,
					const char *name, size_t len)
{
	for (; flags->name; flags++)
		if (strlen(flags->name) == len &&
		    !strncmp(flags->name, name, len))
			return flags;
	return NULL;
}

static int parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "true") || !strcmp(s, "1")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "false") || !strcmp(s, "0")) {
		*out = false;
		return 0;
	}
	return -1;
}

/* Strict decimal number in [min, max]: no space, no junk after it. */
static int parse_number(const char *s, bool integer, double min, double max,
			double *out)
{
	char *end;
	double v;

	if (!*s || *s == ' ' || *s == '\t' || *s == '+')
		return -1;
	errno = 0;
	if (integer) {
		long long n = strtoll(s, &end, 10);

		v = (double)n;
	} else {
		v = strtod(s, &end);
	}
	if (errno || *end || isnan(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * Stores `val` into the flag `f`, written `flag` on the command line;
 * prints the reason and returns -1 when the value is bad.
 */
static int set_value(const char *cmd, const struct cli_flag *f,
		     const char *flag, const char *val)
{
	double v;

	switch (f->type) {
	case CLI_FLAG_BOOL:
		if (parse_bool(val, f->value) == 0)
			return 0;
		cli_usage_error(cmd, "%s wants true or false, not '%s'", flag,
				val);
		return -1;
	case CLI_FLAG_STRING:
		*(const char **)f->value = val;
		return 0;
	case CLI_FLAG_INT:
	case CLI_FLAG_DOUBLE:
		break;
	}
	if (parse_number(val, f->type == CLI_FLAG_INT, f->min, f->max, &v)) {
		cli_usage_error(
		    cmd, "%s wants a %s from %g to %g, not '%s'", flag,
		    f->type == CLI_FLAG_INT ? "whole number" : "number", f->min,
		    f->max, val);
		return -1;
	}
	if (f->type == CLI_FLAG_INT)
		*(int *)f->value = (int)v;
	else
		*(double *)f->value = v;
	return 0;
}

/* Parses the flag at argv[*ind]; advances *ind past it and its value. */
static int parse_one(const char *cmd, const struct cli_flag *flags, int argc,
		     char **argv, int *ind)
{
	const char *arg = argv[*ind];
	const char *name = arg + (arg[1] == '-' ? 2 : 1);
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct cli_flag *f = find_flag(flags, name, len);
	char flag[64];

	(*ind)++;
	snprintf(flag, sizeof(flag), "%.*s", (int)(name - arg + len), arg);
	if (!f) {
		cli_usage_error(cmd, "unknown flag '%s'", flag);
		return -1;
	}
	if (eq)
		return set_value(cmd, f, flag, eq + 1);
	if (f->type == CLI_FLAG_BOOL) {
		*(bool *)f->value = true;
		return 0;
	}
	if (*ind >= argc) {
		cli_usage_error(cmd, "flag '%s' needs a value (%s)", flag,
				f->arg ? f->arg : "a value");
		return -1;
	}
	return set_value(cmd, f, flag, argv[(*ind)++]);
}

static bool is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "-help") ||
	       !strcmp(arg, "--help");
}

int cli_flags_parse(const char *cmd, const struct cli_flag *flags, int argc,
		    char **argv, int *ind, bool *dashdash)
{
	*dashdash = false;
	while (*ind < argc) {
		const char *arg = argv[*ind];

		if (arg[0] != '-' || arg[1] == '\0')
			return 0;
		if (!strcmp(arg, "--")) {
			(*ind)++;
			*dashdash = true;
			return 0;
		}
		if (is_help(arg))
			return CLI_FLAGS_HELP;
		if (parse_one(cmd, flags, argc, argv, ind) < 0)
			return -1;
	}
	return 0;
}

void cli_flags_print(FILE *out, const struct cli_flag *flags, const char *dash)
{
	char left[40];

	for (; flags->name; flags++) {
		snprintf(left, sizeof(left), "%s%s%s%s", dash, flags->name,
			 flags->arg ? " " : "", flags->arg ? flags->arg : "");
		fprintf(out, "  %-22s %s\n", left, flags->help);
	}
}
