/*
 * pprof.h - the pieces of `triage pprof` (internal to cli/pprof/):
 * resolving a source, fetching it, showing progress, saving it.
 */
#ifndef TRIAGE_CLI_PPROF_H
#define TRIAGE_CLI_PPROF_H

#include "profile.h"
#include "report.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Where a profile comes from. */
enum fetch_kind {
	FETCH_FILE, /* a file on disk */
	FETCH_URL,  /* http(s) over TCP */
	FETCH_PID,  /* http over the Unix socket of a process's agent */
};

struct fetch_source {
	enum fetch_kind kind;
	char *url;   /* URL and PID: what to GET (PID: http://localhost/...) */
	char *file;  /* FILE: the file; PID: the agent's socket */
	pid_t pid;   /* PID only */
	int seconds; /* the duration the request asks for; 0 if none */
	double timeout; /* of the whole transfer, in seconds */
	bool insecure;	/* https+insecure://: no TLS verification */
};

/*
 * Resolves SOURCE as typed: an http(s) URL or host:port, an existing
 * file, or a PID ("123" or "123:/debug/pprof/heap") whose agent socket
 * must exist. `seconds` (0 for none) is set on URLs; `timeout` (0 for
 * pprof's default: 1.5 x seconds, else 60 s) gets 5 s of slack. Returns
 * 0, or -1 with a reason naming what to do in `err`.
 */
int fetch_resolve(const char *arg, int seconds, double timeout,
		  struct fetch_source *src, char *err, size_t errlen);
void fetch_source_free(struct fetch_source *src);

/*
 * "123" or "123:/path..." into a pid and a path (NULL when none given).
 * Returns 0, or -1 when `arg` is not of that form.
 */
int fetch_parse_pid(const char *arg, pid_t *pid, const char **path);

/*
 * Turns `src` into the URL to fetch: http:// when no scheme is given,
 * /debug/pprof/profile when no path is, and seconds=N in the query when
 * seconds > 0. *duration gets the seconds the URL asks for (0 if none).
 * Returns 0 with a malloc'd *url, or -1 when `src` is not an http(s) URL.
 */
int fetch_adjust_url(const char *src, int seconds, char **url, int *duration);

/* Bytes fetched or read; `data` is malloc'd. */
struct fetch_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

/* Appends; returns 0, or -1 when out of memory or past `max`. */
int fetch_buf_append(struct fetch_buf *b, const void *data, size_t n,
		     size_t max);

/* Largest body or file read: a profile is far smaller. */
#define FETCH_MAX_BYTES ((size_t)1 << 30)

/*
 * GETs the source's URL. An HTTP error status is a failure whose reason
 * carries the status and the server's text. Returns 0, or -1 with a
 * reason in `err`.
 */
int fetch_http(const struct fetch_source *src, struct fetch_buf *out, char *err,
	       size_t errlen);

/* Reads a whole file. Returns 0, or -1 with a reason in `err`. */
int fetch_file(const char *path, struct fetch_buf *out, char *err,
	       size_t errlen);

/*
 * The countdown shown while a profile of `seconds` is being recorded:
 * on a terminal only, redrawn on one stderr line.
 */
struct fetch_progress {
	bool on;
	int seconds;
	long long start_ms;
	char shown[80];
};

void fetch_progress_start(struct fetch_progress *pr, int seconds);
/* Redraws for `received` bytes so far. */
void fetch_progress_update(struct fetch_progress *pr, long long received);
/* Clears the line. */
void fetch_progress_end(struct fetch_progress *pr);

/* Writes the bytes to `path` (replacing it). Returns 0 or -1. */
int fetch_save_to(const char *path, const struct fetch_buf *b, char *err,
		  size_t errlen);

/*
 * Saves the bytes as go tool pprof does, in $PPROF_TMPDIR or
 * $HOME/pprof, named pprof.<binary>.<types>.NNN.pb.gz for the next
 * free NNN. Writes the path chosen into `path`. Returns 0 or -1.
 */
int fetch_save_auto(const struct tprof *p, const struct fetch_buf *b,
		    char *path, size_t pathlen, char *err, size_t errlen);

/* How the profiles given on the command line are to be fetched. */
struct load_request {
	char **sources; /* merged into one profile */
	size_t nsources;
	const char *diff_base; /* subtracted and marked as the base */
	const char *base;      /* subtracted */
	int seconds;
	double timeout;
	const char *save_as; /* -o: where to keep the (one) source */
};

/* The profile reports read, and the profiles it was made from. */
struct load_result {
	struct tprof *p; /* parts[0] itself, or their combination */
	struct tprof **parts;
	size_t nparts;
	bool combined;	   /* p is its own profile, not parts[0] */
	const char *title; /* the first source as given */
};

/*
 * Resolves, fetches (with the countdown on a terminal), saves (remote
 * sources, as go tool pprof does) and decodes every source and base,
 * then combines them as pprof merges sources. Returns 0, or -1 after
 * printing why to stderr.
 */
int load_profiles(const struct load_request *req, struct load_result *out);
void load_result_free(struct load_result *r);

/* A report as the flags and the shell name it. */
struct pprof_report {
	const char *name;
	report_fn fn;
	bool trim;	   /* false: never trimmed (-peek, -list) */
	int nodecount;	   /* when -nodecount is not given */
	bool takes_symbol; /* -peek RE, -list RE */
	bool graphviz;	   /* -svg: DOT through Graphviz */
};

/* The report called `name`, or NULL. */
const struct pprof_report *pprof_report_find(const char *name);

/*
 * Writes report `rep` of `p` with options `o` (copied and adjusted for
 * the report as pprof does) to `output`, or to stdout when it is NULL.
 * nodecount < 0 in `o` means "not given". Returns 0, or -1 after
 * printing why to stderr.
 */
int pprof_run_report(const struct pprof_report *rep, const struct tprof *p,
		     const struct report_options *o, const char *output);

/*
 * Pipes DOT text through Graphviz into SVG on `out`. Returns 0, or -1
 * with a reason (Graphviz missing: how to install it) in `err`.
 */
int pprof_dot_to_svg(const char *dot, size_t len, FILE *out, char *err,
		     size_t errlen);

/*
 * Writes the interactive flame graph of `p` to `path`. Returns 0, or
 * -1 after printing why to stderr.
 */
int pprof_write_flame(const struct tprof *p, const struct report_options *o,
		      const char *path, bool icicle);

/*
 * The interactive shell over `p`, starting from the settings in `o`
 * (which it changes). Returns the command's exit status.
 */
int pprof_shell(const struct tprof *p, const char *title,
		struct report_options *o);

#endif
