/*
 * report_top.c - a test driver: `report-top FILE [pprof flags]` prints
 * what report_top() makes of a profile file, for comparison with
 * `go tool pprof -top [flags] FILE`. Flags take Go's forms, -flag=value
 * or -flag value: -sample_index, -nodecount, -nodefraction, -cum,
 * -focus, -ignore, -hide, -show.
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of flag `name` at argv[*i], or NULL when it is another. */
static const char *flag_value(int argc, char **argv, int *i, const char *name)
{
	const char *a = argv[*i] + 1;
	size_t n = strlen(name);

	if (*a == '-')
		a++;
	if (strncmp(a, name, n))
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

/* Applies one flag; returns -1 when it is unknown. */
static int parse_flag(int argc, char **argv, int *i, struct report_options *o)
{
	const char **strs[] = {&o->sample_index, &o->focus, &o->ignore,
			       &o->hide, &o->show};
	static const char *const names[] = {"sample_index", "focus", "ignore",
					    "hide", "show"};
	const char *v;
	size_t k;

	if (!strcmp(argv[*i], "-cum") || !strcmp(argv[*i], "--cum")) {
		o->cum = true;
		return 0;
	}
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if ((v = flag_value(argc, argv, i, names[k]))) {
			*strs[k] = v;
			return 0;
		}
	if ((v = flag_value(argc, argv, i, "nodecount"))) {
		o->nodecount = (int)strtol(v, NULL, 10);
		return 0;
	}
	if ((v = flag_value(argc, argv, i, "nodefraction"))) {
		o->nodefraction = strtod(v, NULL);
		return 0;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct report_options o;
	const char *file = NULL;
	struct tprof *p;
	char err[512];
	int i, rc;

	report_options_init(&o);
	for (i = 1; i < argc; i++) {
		if (argv[i][0] != '-') {
			file = argv[i];
		} else if (parse_flag(argc, argv, &i, &o)) {
			fprintf(stderr, "report-top: unknown flag %s\n",
				argv[i]);
			return 2;
		}
	}
	if (!file) {
		fprintf(stderr, "usage: report-top FILE [flags]\n");
		return 2;
	}
	rc = tprof_read_file(file, &p, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "report-top: %s\n", err);
		return 1;
	}
	o.source_name = file;
	rc = report_top(stdout, p, &o, err, sizeof(err));
	tprof_free(p);
	if (rc) {
		fprintf(stderr, "report-top: %s\n", err);
		return 1;
	}
	return 0;
}
