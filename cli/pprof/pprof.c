/*
 * pprof.c - `triage pprof`: fetch a profile (from a URL, a file, or a
 * process's agent), keep a copy as go tool pprof does, and print its top
 * functions.
 */
#include "cli.h"
#include "flags.h"
#include "pprof.h"
#include "report.h"

#include <curl/curl.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rows shown without -top, as pprof's interactive `top`. */
#define DEFAULT_ROWS 10

static struct {
	int seconds;
	double timeout;
	const char *output;
	bool top, cum;
	int nodecount;	     /* -1 when not given */
	double nodefraction; /* -1 when not given */
	const char *sample_index, *focus, *ignore, *hide, *show;
} opts;

static const struct cli_flag pprof_flags[] = {
    {"seconds", CLI_FLAG_INT, &opts.seconds, 1, TRIAGE_PROFILE_SECONDS_MAX, "N",
     "ask the server for N seconds (?seconds=N)"},
    {"timeout", CLI_FLAG_DOUBLE, &opts.timeout, 1, 86400, "N",
     "give up after N+5 s (N: 1.5 x seconds, or 60)"},
    {"o", CLI_FLAG_STRING, &opts.output, 0, 0, "FILE",
     "save the profile in FILE instead of $HOME/pprof"},
    {"top", CLI_FLAG_BOOL, &opts.top, 0, 0, NULL,
     "print every row of the top report (default: 10)"},
    {"nodecount", CLI_FLAG_INT, &opts.nodecount, 0, INT_MAX, "N",
     "print at most N rows"},
    {"nodefraction", CLI_FLAG_DOUBLE, &opts.nodefraction, 0, 1, "F",
     "hide rows below this fraction of the total"},
    {"sample_index", CLI_FLAG_STRING, &opts.sample_index, 0, 0, "X",
     "the value to report, by name or index"},
    {"cum", CLI_FLAG_BOOL, &opts.cum, 0, 0, NULL, "sort by cumulative value"},
    {"focus", CLI_FLAG_STRING, &opts.focus, 0, 0, "RE",
     "only samples with a frame matching RE"},
    {"ignore", CLI_FLAG_STRING, &opts.ignore, 0, 0, "RE",
     "drop samples with a frame matching RE"},
    {"hide", CLI_FLAG_STRING, &opts.hide, 0, 0, "RE",
     "leave out frames matching RE"},
    {"show", CLI_FLAG_STRING, &opts.show, 0, 0, "RE",
     "keep only frames matching RE"},
    {NULL, CLI_FLAG_BOOL, NULL, 0, 0, NULL, NULL},
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: triage pprof [OPTIONS] SOURCE\n\n"
		"Fetches a profile and prints its top functions. SOURCE is:\n"
		"  http://HOST:PORT[/PATH]  a pprof endpoint (default PATH "
		"/debug/pprof/profile)\n"
		"  PID[:/PATH]              the agent of a process run under "
		"triage, through\n"
		"                           its socket in $TRIAGE_SOCKET_DIR "
		"(/tmp/triage-<uid>)\n"
		"  FILE                     a profile.proto file, gzipped or "
		"not\n\n"
		"A fetched profile is saved in $PPROF_TMPDIR or $HOME/pprof, "
		"or in -o FILE.\nTRIAGE_TOKEN, when set, is sent as a bearer "
		"token.\n\noptions:\n");
	cli_flags_print(out, pprof_flags, "-");
	fprintf(out, "\nexamples:\n"
		     "  triage pprof -seconds 10 http://127.0.0.1:6060\n"
		     "  triage pprof -top 4242:/debug/pprof/heap\n"
		     "  go tool pprof -http=: $HOME/pprof/pprof.*.pb.gz\n");
}

/* Checks a regex flag now, not after a profile of many seconds. */
static int check_regex(const char *flag, const char *re)
{
	regex_t rx;
	int rc;

	if (!re)
		return 0;
	rc = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		cli_usage_error("pprof", "-%s: '%s' is not a valid regex", flag,
				re);
		return -1;
	}
	regfree(&rx);
	return 0;
}

/* Parses flags before and after SOURCE; returns 0, 1 (help) or -1. */
static int parse_args(int argc, char **argv, const char **source)
{
	bool dashdash = false;
	int ind = 1, rc;

	opts.nodecount = -1;
	opts.nodefraction = -1;
	*source = NULL;
	while (ind < argc) {
		if (!dashdash) {
			rc = cli_flags_parse("pprof", pprof_flags, argc, argv,
					     &ind, &dashdash);
			if (rc)
				return rc;
			if (ind >= argc)
				break;
		}
		if (*source) {
			cli_usage_error("pprof",
					"one SOURCE only, not '%s' "
					"and '%s'",
					*source, argv[ind]);
			return -1;
		}
		*source = argv[ind++];
	}
	if (!*source) {
		cli_usage_error("pprof", "missing SOURCE (URL, PID or file)");
		return -1;
	}
	if (check_regex("focus", opts.focus) ||
	    check_regex("ignore", opts.ignore) ||
	    check_regex("hide", opts.hide) || check_regex("show", opts.show))
		return -1;
	return 0;
}

/* Gets the bytes of the source; says where from when remote. */
static int obtain(const struct fetch_source *src, struct fetch_buf *buf)
{
	char err[1024];
	int rc;

	if (src->kind == FETCH_FILE) {
		rc = fetch_file(src->file, buf, err, sizeof(err));
	} else {
		if (src->kind == FETCH_PID)
			fprintf(stderr,
				"Fetching profile over HTTP from %s of "
				"process %d (unix:%s)\n",
				src->url + strlen("http://localhost"),
				(int)src->pid, src->file);
		else
			fprintf(stderr, "Fetching profile over HTTP from %s\n",
				src->url);
		rc = fetch_http(src, buf, err, sizeof(err));
	}
	if (rc < 0)
		fprintf(stderr, "triage pprof: %s\n", err);
	return rc;
}

/* Saves a fetched profile where pprof would; a failure only warns. */
static void keep(const struct fetch_source *src, const struct tprof *p,
		 const struct fetch_buf *buf)
{
	char path[PATH_MAX + 600], err[PATH_MAX + 600];

	if (opts.output || src->kind == FETCH_FILE)
		return;
	if (fetch_save_auto(p, buf, path, sizeof(path), err, sizeof(err)) < 0)
		fprintf(stderr,
			"triage pprof: could not save the profile: "
			"%s\n",
			err);
	else
		fprintf(stderr, "Saved profile in %s\n", path);
}

static int report(const struct tprof *p, const char *source)
{
	struct report_options ro;
	char err[512];

	report_options_init(&ro);
	if (opts.nodecount >= 0)
		ro.nodecount = opts.nodecount;
	else if (!opts.top)
		ro.nodecount = DEFAULT_ROWS;
	if (opts.nodefraction >= 0)
		ro.nodefraction = opts.nodefraction;
	ro.cum = opts.cum;
	ro.sample_index = opts.sample_index;
	ro.focus = opts.focus;
	ro.ignore = opts.ignore;
	ro.hide = opts.hide;
	ro.show = opts.show;
	ro.source_name = source;
	if (report_top(stdout, p, &ro, err, sizeof(err)) < 0) {
		fprintf(stderr, "triage pprof: %s\n", err);
		return CLI_FAIL;
	}
	return fflush(stdout) == 0 ? 0 : CLI_FAIL;
}

/* Fetches, saves, decodes and reports; returns the exit status. */
static int pprof_source(const struct fetch_source *src, const char *source)
{
	struct fetch_buf buf = {0};
	struct tprof *p = NULL;
	char err[PATH_MAX + 200];
	int rc = CLI_FAIL;

	if (obtain(src, &buf) < 0)
		goto out;
	if (opts.output) {
		if (fetch_save_to(opts.output, &buf, err, sizeof(err)) < 0) {
			fprintf(stderr, "triage pprof: %s\n", err);
			goto out;
		}
		fprintf(stderr, "Saved profile in %s\n", opts.output);
	}
	if (tprof_decode(buf.data, buf.len, 0, &p, err, sizeof(err)) < 0) {
		fprintf(stderr, "triage pprof: %s: %s\n", source, err);
		goto out;
	}
	keep(src, p, &buf);
	rc = report(p, source);
out:
	if (p)
		tprof_free(p);
	free(buf.data);
	return rc;
}

int cmd_pprof(int argc, char **argv)
{
	struct fetch_source src;
	const char *source;
	char err[PATH_MAX + 300];
	int rc;

	rc = parse_args(argc, argv, &source);
	if (rc == CLI_FLAGS_HELP)
		usage(stdout);
	if (rc)
		return rc < 0 ? CLI_USAGE : 0;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "triage pprof: cannot start libcurl\n");
		return CLI_FAIL;
	}
	if (fetch_resolve(source, opts.seconds, opts.timeout, &src, err,
			  sizeof(err)) < 0) {
		fprintf(stderr, "triage pprof: %s\n", err);
		rc = CLI_FAIL;
	} else {
		rc = pprof_source(&src, source);
		fetch_source_free(&src);
	}
	curl_global_cleanup();
	return rc;
}
