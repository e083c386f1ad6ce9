/*
 * pprof.c - `triage pprof`: read profiles (files, URLs, processes'
 * agents; several are merged, bases subtracted), then print the report
 * the flags ask for, write a flame graph, or open the interactive shell
 * when no report is asked for, as go tool pprof does.
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
#include <unistd.h>

/* Rows shown without a report when stdin is not a terminal. */
#define DEFAULT_ROWS 10

static struct {
	int seconds;
	double timeout;
	const char *save_as, *output, *flame;
	bool top, text, tree, traces, dot, svg, cum, icicle;
	bool inuse_space, inuse_objects, alloc_space, alloc_objects;
	const char *peek, *list;
	int nodecount;	     /* -1 when not given */
	double nodefraction; /* -1 when not given */
	double edgefraction; /* -1 when not given */
	const char *sample_index, *focus, *ignore, *hide, *show, *unit;
	const char *diff_base, *base, *source_path;
} opts;

static const struct cli_flag pprof_flags[] = {
    {"seconds", CLI_FLAG_INT, &opts.seconds, 1, TRIAGE_PROFILE_SECONDS_MAX, "N",
     "ask the server for N seconds (?seconds=N)"},
    {"timeout", CLI_FLAG_DOUBLE, &opts.timeout, 1, 86400, "N",
     "give up after N+5 s (N: 1.5 x seconds, or 60)"},
    {"o", CLI_FLAG_STRING, &opts.save_as, 0, 0, "FILE",
     "save the (first) profile in FILE instead of $HOME/pprof"},
    {"top", CLI_FLAG_BOOL, &opts.top, 0, 0, NULL,
     "report: the functions by flat value, every row"},
    {"text", CLI_FLAG_BOOL, &opts.text, 0, 0, NULL, "report: as -top"},
    {"tree", CLI_FLAG_BOOL, &opts.tree, 0, 0, NULL,
     "report: each function with its callers and callees"},
    {"peek", CLI_FLAG_STRING, &opts.peek, 0, 0, "RE",
     "report: callers and callees of functions matching RE"},
    {"list", CLI_FLAG_STRING, &opts.list, 0, 0, "RE",
     "report: source of functions matching RE, per line"},
    {"traces", CLI_FLAG_BOOL, &opts.traces, 0, 0, NULL,
     "report: every sample's stack"},
    {"dot", CLI_FLAG_BOOL, &opts.dot, 0, 0, NULL,
     "report: the call graph in Graphviz's DOT"},
    {"svg", CLI_FLAG_BOOL, &opts.svg, 0, 0, NULL,
     "report: the call graph as SVG (needs Graphviz)"},
    {"flame", CLI_FLAG_STRING, &opts.flame, 0, 0, "FILE",
     "write an interactive flame graph (HTML) to FILE"},
    {"icicle", CLI_FLAG_BOOL, &opts.icicle, 0, 0, NULL,
     "flame graph: roots at the top"},
    {"output", CLI_FLAG_STRING, &opts.output, 0, 0, "FILE",
     "write the report to FILE instead of stdout"},
    {"nodecount", CLI_FLAG_INT, &opts.nodecount, 0, INT_MAX, "N",
     "show at most N functions"},
    {"nodefraction", CLI_FLAG_DOUBLE, &opts.nodefraction, 0, 1, "F",
     "hide functions below this fraction of the total"},
    {"edgefraction", CLI_FLAG_DOUBLE, &opts.edgefraction, 0, 1, "F",
     "hide calls below this fraction of the total"},
    {"sample_index", CLI_FLAG_STRING, &opts.sample_index, 0, 0, "X",
     "the value to report, by name or index"},
    {"inuse_space", CLI_FLAG_BOOL, &opts.inuse_space, 0, 0, NULL,
     "as -sample_index=inuse_space"},
    {"inuse_objects", CLI_FLAG_BOOL, &opts.inuse_objects, 0, 0, NULL,
     "as -sample_index=inuse_objects"},
    {"alloc_space", CLI_FLAG_BOOL, &opts.alloc_space, 0, 0, NULL,
     "as -sample_index=alloc_space"},
    {"alloc_objects", CLI_FLAG_BOOL, &opts.alloc_objects, 0, 0, NULL,
     "as -sample_index=alloc_objects"},
    {"cum", CLI_FLAG_BOOL, &opts.cum, 0, 0, NULL, "sort by cumulative value"},
    {"focus", CLI_FLAG_STRING, &opts.focus, 0, 0, "RE",
     "only samples with a frame matching RE"},
    {"ignore", CLI_FLAG_STRING, &opts.ignore, 0, 0, "RE",
     "drop samples with a frame matching RE"},
    {"hide", CLI_FLAG_STRING, &opts.hide, 0, 0, "RE",
     "leave out frames matching RE"},
    {"show", CLI_FLAG_STRING, &opts.show, 0, 0, "RE",
     "keep only frames matching RE"},
    {"unit", CLI_FLAG_STRING, &opts.unit, 0, 0, "U",
     "print values in unit U (ms, MB, ...)"},
    {"diff_base", CLI_FLAG_STRING, &opts.diff_base, 0, 0, "SOURCE",
     "show the change from SOURCE (% of SOURCE's total)"},
    {"base", CLI_FLAG_STRING, &opts.base, 0, 0, "SOURCE",
     "subtract SOURCE (an earlier profile of the same process)"},
    {"source_path", CLI_FLAG_STRING, &opts.source_path, 0, 0, "DIRS",
     "-list: search these folders (':'-separated) for sources"},
    {NULL, CLI_FLAG_BOOL, NULL, 0, 0, NULL, NULL},
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: triage pprof [OPTIONS] SOURCE...\n\n"
		"Reads profiles and reports on them as go tool pprof does; "
		"with no report\nflag, opens an interactive shell (on a "
		"terminal; otherwise prints the top 10).\nSeveral SOURCEs "
		"are merged. A SOURCE is:\n"
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
		"token. Regexes are POSIX\nextended ones (pprof's are RE2: "
		"no \\d, \\w or (?i) here).\n\noptions:\n");
	cli_flags_print(out, pprof_flags, "-");
	fprintf(out,
		"\nexamples:\n"
		"  triage pprof -seconds 10 http://127.0.0.1:6060\n"
		"  triage pprof -top 4242:/debug/pprof/heap\n"
		"  triage pprof -flame cpu.html cpu.pb.gz\n"
		"  triage pprof -top -diff_base before.pb.gz after.pb.gz\n");
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

/* The report the flags ask for (NULL: none); -1 when more than one. */
static int chosen_report(const struct pprof_report **rep)
{
	const struct {
		bool on;
		const char *name;
	} asked[] = {
	    {opts.top, "top"},		 {opts.text, "text"},
	    {opts.tree, "tree"},	 {opts.peek != NULL, "peek"},
	    {opts.list != NULL, "list"}, {opts.traces, "traces"},
	    {opts.dot, "dot"},		 {opts.svg, "svg"},
	};
	const char *first = NULL;
	size_t i;

	*rep = NULL;
	for (i = 0; i < sizeof(asked) / sizeof(asked[0]); i++) {
		if (!asked[i].on)
			continue;
		if (first) {
			cli_usage_error("pprof",
					"-%s and -%s: ask for one report at "
					"a time",
					first, asked[i].name);
			return -1;
		}
		first = asked[i].name;
		*rep = pprof_report_find(first);
	}
	return 0;
}

/* The -inuse_space etc. shorthands, as -sample_index. */
static int sample_shorthand(void)
{
	const struct {
		bool on;
		const char *name;
	} s[] = {{opts.inuse_space, "inuse_space"},
		 {opts.inuse_objects, "inuse_objects"},
		 {opts.alloc_space, "alloc_space"},
		 {opts.alloc_objects, "alloc_objects"}};
	size_t i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		if (!s[i].on)
			continue;
		if (opts.sample_index) {
			cli_usage_error("pprof",
					"-%s and -sample_index=%s: pick one "
					"value",
					s[i].name, opts.sample_index);
			return -1;
		}
		opts.sample_index = s[i].name;
	}
	return 0;
}

/* Flags before, between and after the SOURCEs; returns 0, 1 (help) or
 * -1. */
static int parse_args(int argc, char **argv, struct load_request *req)
{
	bool dashdash = false;
	int ind = 1, rc;

	opts.nodecount = -1;
	opts.nodefraction = opts.edgefraction = -1;
	req->sources = calloc((size_t)argc, sizeof(char *));
	if (!req->sources)
		return -1;
	while (ind < argc) {
		if (!dashdash) {
			rc = cli_flags_parse("pprof", pprof_flags, argc, argv,
					     &ind, &dashdash);
			if (rc)
				return rc;
			if (ind >= argc)
				break;
		}
		req->sources[req->nsources++] = argv[ind++];
	}
	if (!req->nsources) {
		cli_usage_error("pprof", "missing SOURCE (URL, PID or file)");
		return -1;
	}
	if (opts.diff_base && opts.base) {
		cli_usage_error("pprof", "-diff_base and -base: give one");
		return -1;
	}
	if (check_regex("focus", opts.focus) ||
	    check_regex("ignore", opts.ignore) ||
	    check_regex("hide", opts.hide) || check_regex("show", opts.show) ||
	    check_regex("peek", opts.peek) || check_regex("list", opts.list))
		return -1;
	return sample_shorthand();
}

static void fill_options(struct report_options *ro)
{
	report_options_init(ro);
	ro->nodecount = opts.nodecount;
	if (opts.nodefraction >= 0)
		ro->nodefraction = opts.nodefraction;
	if (opts.edgefraction >= 0)
		ro->edgefraction = opts.edgefraction;
	ro->cum = opts.cum;
	ro->sample_index = opts.sample_index;
	ro->focus = opts.focus;
	ro->ignore = opts.ignore;
	ro->hide = opts.hide;
	ro->show = opts.show;
	ro->unit = opts.unit;
	ro->symbol = opts.peek ? opts.peek : opts.list;
	ro->source_path = opts.source_path;
}

/* What to do with the profile once read; returns the exit status. */
static int act(const struct load_result *lr, const struct pprof_report *rep)
{
	struct report_options ro;
	int rc = 0;

	fill_options(&ro);
	if (opts.flame &&
	    pprof_write_flame(lr->p, &ro, opts.flame, opts.icicle) < 0)
		return CLI_FAIL;
	if (!rep && opts.flame)
		return 0;
	/* A prompt only for a person: both ends on a terminal. */
	if (!rep && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
		return pprof_shell(lr->p, lr->title, &ro);
	if (!rep) {
		rep = pprof_report_find("top");
		if (ro.nodecount < 0)
			ro.nodecount = DEFAULT_ROWS;
	}
	if (pprof_run_report(rep, lr->p, &ro, opts.output) < 0)
		rc = CLI_FAIL;
	return rc;
}

int cmd_pprof(int argc, char **argv)
{
	struct load_request req = {0};
	const struct pprof_report *rep;
	struct load_result lr;
	int rc;

	rc = parse_args(argc, argv, &req);
	if (!rc)
		rc = chosen_report(&rep);
	if (rc == CLI_FLAGS_HELP)
		usage(stdout);
	if (rc) {
		free(req.sources);
		return rc < 0 ? CLI_USAGE : 0;
	}
	if (opts.save_as && req.nsources > 1) {
		cli_usage_error("pprof", "-o saves one SOURCE; %zu are given",
				req.nsources);
		free(req.sources);
		return CLI_USAGE;
	}
	req.diff_base = opts.diff_base;
	req.base = opts.base;
	req.seconds = opts.seconds;
	req.timeout = opts.timeout;
	req.save_as = opts.save_as;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "triage pprof: cannot start libcurl\n");
		free(req.sources);
		return CLI_FAIL;
	}
	rc = CLI_FAIL;
	if (load_profiles(&req, &lr) == 0) {
		rc = act(&lr, rep);
		load_result_free(&lr);
	}
	curl_global_cleanup();
	free(req.sources);
	return rc;
}
