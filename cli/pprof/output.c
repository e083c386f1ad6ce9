/*
 * output.c - running one report for the flags or the shell: the table
 * of reports by name, pprof's per-report defaults (80 nodes for
 * pictures and trees, all rows for -top, no trimming at all for -peek
 * and -list), the -output file, SVG through Graphviz's `dot`, and the
 * flame graph's file.
 */
#include "pprof.h"

#include "flame.h"
#include "report_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const struct pprof_report reports[] = {
    {"top", report_top, true, 0, false, false},
    {"text", report_top, true, 0, false, false},
    {"tree", report_tree, true, 80, false, false},
    {"peek", report_tree, false, 0, true, false},
    {"traces", report_traces, true, 80, false, false},
    {"list", report_list, false, 0, true, false},
    {"dot", report_dot, true, 80, false, false},
    {"svg", report_dot, true, 80, false, true},
};

const struct pprof_report *pprof_report_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(reports) / sizeof(reports[0]); i++)
		if (!strcmp(reports[i].name, name))
			return &reports[i];
	return NULL;
}

/* Runs `dot -Tsvg FILE` with its output into `out`. */
static int run_dot(const char *file, FILE *out, char *err, size_t errlen)
{
	char *argv[] = {"dot", "-Tsvg", (char *)file, NULL};
	posix_spawn_file_actions_t fa;
	char buf[65536];
	int pipefd[2], status, rc;
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	rc = posix_spawnp(&pid, "dot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (rc) {
		close(pipefd[0]);
		if (rc == ENOENT)
			snprintf(err, errlen,
				 "drawing the graph needs Graphviz's 'dot', "
				 "which is not installed (apt-get install "
				 "graphviz); -dot writes the graph as DOT "
				 "text without it");
		else
			snprintf(err, errlen, "cannot run dot: %s",
				 strerror(rc));
		return -1;
	}
	while ((n = read(pipefd[0], buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || fwrite(buf, 1, (size_t)n, out) != (size_t)n)
			break;
	}
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(err, errlen,
			 "Graphviz's dot failed to draw the graph");
		return -1;
	}
	return 0;
}

int pprof_dot_to_svg(const char *dot, size_t len, FILE *out, char *err,
		     size_t errlen)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	FILE *f;
	int fd, rc;

	snprintf(path, sizeof(path), "%s/triage-graph-XXXXXX.dot",
		 dir && *dir ? dir : "/tmp");
	fd = mkstemps(path, 4);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		snprintf(err, errlen, "cannot create %s: %s", path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rc = fwrite(dot, 1, len, f) == len ? 0 : -1;
	if (fclose(f) || rc) {
		snprintf(err, errlen, "cannot write %s", path);
		unlink(path);
		return -1;
	}
	rc = run_dot(path, out, err, errlen);
	unlink(path);
	return rc;
}

/* The report into `out`: DOT text piped through Graphviz for SVG. */
static int write_report(const struct pprof_report *rep, const struct tprof *p,
			const struct report_options *o, FILE *out, char *err,
			size_t errlen)
{
	char *dot = NULL;
	size_t len = 0;
	FILE *mem;
	int rc;

	if (!rep->graphviz)
		return rep->fn(out, p, o, err, errlen) ? -1 : 0;
	mem = open_memstream(&dot, &len);
	if (!mem) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = rep->fn(mem, p, o, err, errlen);
	if (fclose(mem) && !rc) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	if (!rc)
		rc = pprof_dot_to_svg(dot, len, out, err, errlen);
	if (!rc && fflush(out)) {
		snprintf(err, errlen, "writing the report failed");
		rc = -1;
	}
	free(dot);
	return rc ? -1 : 0;
}

int pprof_run_report(const struct pprof_report *rep, const struct tprof *p,
		     const struct report_options *o, const char *output)
{
	struct report_options ro = *o;
	char err[4096];
	FILE *out = stdout;
	int rc;

	if (ro.nodecount < 0)
		ro.nodecount = rep->nodecount;
	if (!rep->trim) {
		ro.nodecount = 0;
		ro.nodefraction = ro.edgefraction = 0;
	}
	if (output) {
		fprintf(stderr, "Generating report in %s\n", output);
		out = fopen(output, "w");
		if (!out) {
			fprintf(stderr, "triage pprof: cannot create %s: %s\n",
				output, strerror(errno));
			return -1;
		}
	}
	rc = write_report(rep, p, &ro, out, err, sizeof(err));
	if (out != stdout && fclose(out) && !rc) {
		snprintf(err, sizeof(err), "writing %s failed", output);
		rc = -1;
	}
	if (rc)
		fprintf(stderr, "triage pprof: %s\n", err);
	return rc;
}

int pprof_write_flame(const struct tprof *p, const struct report_options *o,
		      const char *path, bool icicle)
{
	char err[1024], title[4096] = "profile", base[4096];
	FILE *out = fopen(path, "w");
	int rc;

	if (!out) {
		fprintf(stderr, "triage pprof: cannot create %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	if (p->nmappings && *p->mappings[0].filename)
		snprintf(title, sizeof(title), "%s",
			 report_path_base(p->mappings[0].filename, base,
					  sizeof(base)));
	rc = flame_write(out, p, o, title, icicle, err, sizeof(err));
	if (fclose(out) && !rc) {
		snprintf(err, sizeof(err), "writing %s failed", path);
		rc = -1;
	}
	if (rc) {
		fprintf(stderr, "triage pprof: %s\n", err);
		unlink(path);
		return -1;
	}
	fprintf(stderr, "Flame graph in %s\n", path);
	return 0;
}
