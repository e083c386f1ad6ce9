/*
 * pprof_endpoints.c - the handlers of /debug/pprof/.
 *
 * Paths, parameters, content types and error texts are Go's
 * (net/http/pprof), so go tool pprof, Pyroscope and Parca work
 * unchanged. One deliberate difference: Go quietly replaces a bad
 * `seconds` with 30; an operator who typed seconds=5s deserves to know,
 * so triage answers 400 and says what it accepts.
 */
#include "pprof_endpoints.h"

#include "cpu_profiler.h"
#include "heap_endpoints.h"
#include "metrics.h"
#include "options.h"
#include "profile.h"
#include "symbols.h"
#include "thread_endpoints.h"
#include "triage.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SYMBOLS 100000

static int default_hz = TRIAGE_CPU_HZ_DEFAULT;
static enum cpu_timer_mode default_mode = CPU_TIMER_AUTO;
static int cancelled;

/* What the index lists, sorted by name as Go's: the rows triage serves
 * so far, with a count where Go shows one. */
static const struct {
	const char *name;
	const char *href;
	const char *what;
	long (*count)(void); /* NULL: no count */
} index_rows[] = {
	{"allocs", "allocs?debug=1",
	 "Sampled allocations since the start, live or freed, by allocating "
	 "stack (alloc_space by default). The count is of sampled blocks "
	 "still live.",
	 heap_index_count},
	{"block", "block?debug=1",
	 "Stacks that waited on condition variables and semaphores, with "
	 "how long. Off unless TRIAGE_BLOCK_RATE is set.", NULL},
	{"cmdline", "cmdline",
	 "The command line that started this process, arguments separated "
	 "by NUL bytes.", NULL},
	{"goroutine", "goroutine?debug=1",
	 "The threads profile under Go's name, for tools that ask for it.",
	 tdump_index_threads},
	{"heap", "heap?debug=1",
	 "Sampled allocations still live, by allocating stack (inuse_space "
	 "by default); one sample per 512 KiB allocated on average "
	 "(TRIAGE_HEAP_SAMPLE). Add ?seconds=N for what changed in N "
	 "seconds.",
	 heap_index_count},
	{"mutex", "mutex?debug=1",
	 "Stacks that waited for pthread mutexes and rwlocks held by other "
	 "threads, with how long. Off unless TRIAGE_MUTEX_FRACTION is set.",
	 NULL},
	{"profile", "profile",
	 "CPU profile: where the threads spend CPU time. Add ?seconds=N "
	 "(default 30) and optionally &hz=N. Read it with go tool pprof or "
	 "triage pprof.", NULL},
	{"symbol", "symbol",
	 "Function names of addresses, for pprof's remote symbolization.",
	 NULL},
	{"threadcreate", "threadcreate?debug=1",
	 "Stack traces that led to the creation of new threads.",
	 tdump_index_creates},
	{"threads", "threads?debug=1",
	 "Stack traces of all current threads, with their state from /proc. "
	 "debug=2 lists every thread.",
	 tdump_index_threads},
};

void pprof_configure(int hz, enum cpu_timer_mode mode)
{
	default_hz = hz;
	default_mode = mode;
	__atomic_store_n(&cancelled, 0, __ATOMIC_RELEASE);
}

void pprof_cancel_waits(void)
{
	__atomic_store_n(&cancelled, 1, __ATOMIC_RELEASE);
}

static void append(char **buf, size_t *len, size_t *cap, const char *fmt,
		   ...) __attribute__((format(printf, 4, 5)));

/* Appends formatted text to a growing buffer; stops growing on OOM. */
static void append(char **buf, size_t *len, size_t *cap, const char *fmt,
		   ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(*buf ? *buf + *len : NULL,
			      *buf ? *cap - *len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (*buf && *len + (size_t)n < *cap) {
			*len += (size_t)n;
			return;
		}
		size_t want = (*cap ? *cap * 2 : 1024) + (size_t)n;
		char *p = realloc(*buf, want);

		if (!p)
			return;
		*buf = p;
		*cap = want;
	}
}

static void h_index(const struct http_req *req, struct http_resp *resp)
{
	char *b = NULL;
	size_t len = 0, cap = 0, i;

	append(&b, &len, &cap,
	       "<html>\n<head>\n<title>/debug/pprof/</title>\n</head>\n"
	       "<body>\n/debug/pprof/<br>\n<br>\n"
	       "Types of profiles available:\n<table>\n"
	       "<thead><td>Count</td><td>Profile</td></thead>\n");
	for (i = 0; i < sizeof(index_rows) / sizeof(index_rows[0]); i++) {
		append(&b, &len, &cap, "<tr><td>");
		if (index_rows[i].count)
			append(&b, &len, &cap, "%ld", index_rows[i].count());
		append(&b, &len, &cap,
		       "</td><td><a href='%s'>%s</a></td></tr>\n",
		       index_rows[i].href, index_rows[i].name);
	}
	append(&b, &len, &cap,
	       "</table>\n<a href='goroutine?debug=2'>full goroutine stack "
	       "dump</a>\n<br>\n<p>\nProfile Descriptions:\n<ul>\n");
	for (i = 0; i < sizeof(index_rows) / sizeof(index_rows[0]); i++)
		append(&b, &len, &cap,
		       "<li><div class=profile-name>%s: </div> %s</li>\n",
		       index_rows[i].name, index_rows[i].what);
	append(&b, &len, &cap, "</ul>\n</p>\n</body>\n</html>\n");
	if (!b) {
		http_error(resp, 500, "out of memory");
		return;
	}
	resp->content_type = "text/html; charset=utf-8";
	resp->body = b;
	resp->len = len;
}

static void h_cmdline(const struct http_req *req, struct http_resp *resp)
{
	char buf[65536];
	FILE *f = fopen("/proc/self/cmdline", "re");
	size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;

	if (f)
		fclose(f);
	/* argv joined by NUL, without the final NUL, as Go writes it. */
	if (n && buf[n - 1] == '\0')
		n--;
	http_text(resp, "text/plain; charset=utf-8", buf, n);
}

/* Reads an optional integer parameter in [1, max]; false after a 400. */
static bool int_param(const struct http_req *req, struct http_resp *resp,
		      const char *name, long max, long *value)
{
	const char *s = http_query(req, name);

	if (!s)
		return true;
	if (opt_parse_int(s, 1, max, value) == 0)
		return true;
	http_error(resp, 400,
		   "invalid value for \"%s\" - must be a positive integer "
		   "not above %ld",
		   name, max);
	return false;
}

bool pprof_wait_seconds(const struct http_req *req, long seconds)
{
	struct timespec end, step = {0, 100 * 1000000L};

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += seconds;
	for (;;) {
		struct timespec now;

		if (http_client_gone(req) ||
		    __atomic_load_n(&cancelled, __ATOMIC_ACQUIRE))
			return false;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec ||
		    (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			return true;
		nanosleep(&step, NULL);
	}
}

static void h_profile(const struct http_req *req, struct http_resp *resp)
{
	long seconds = TRIAGE_PROFILE_SECONDS_DEFAULT, hz = default_hz;
	struct tprof *p = NULL;
	uint8_t *buf;
	size_t len;
	int err;

	if (!int_param(req, resp, "seconds", TRIAGE_PROFILE_SECONDS_MAX,
		       &seconds) ||
	    !int_param(req, resp, "hz", TRIAGE_CPU_HZ_MAX, &hz))
		return;
	err = cpu_profile_start((int)hz, default_mode);
	if (err == TRIAGE_EBUSY) {
		http_error(resp, 500, "Could not enable CPU profiling: cpu "
				      "profiling already in use");
		return;
	}
	if (err) {
		http_error(resp, 500, "Could not enable CPU profiling: %s",
			   triage_strerror(err));
		return;
	}
	if (!pprof_wait_seconds(req, seconds)) {
		if (cpu_profile_stop(&p) == 0)
			tprof_free(p);
		http_error(resp, 500, "profile cancelled");
		return;
	}
	err = cpu_profile_stop(&p);
	if (!err)
		err = tprof_encode(p, &buf, &len);
	tprof_free(p);
	if (err) {
		http_error(resp, 500, "Could not build the CPU profile: %s",
			   triage_strerror(err));
		return;
	}
	metrics_profile_served("cpu");
	resp->content_type = "application/octet-stream";
	resp->filename = "profile";
	resp->body = (char *)buf;
	resp->len = len;
}

/*
 * Go's symbol protocol: addresses joined by '+' in the query (GET) or
 * the body (POST); one "0x... name" line per address that resolves.
 */
static void h_symbol(const struct http_req *req, struct http_resp *resp)
{
	const char *in = !strcmp(req->method, "POST") ? req->body
						       : req->raw_query;
	char *b = NULL, *copy = strdup(in ? in : ""), *word, *next;
	size_t len = 0, cap = 0, count = 0;
	char name[512];

	append(&b, &len, &cap, "num_symbols: 1\n");
	for (word = copy; word && *word && count < MAX_SYMBOLS;
	     word = next, count++) {
		char *end;
		uint64_t pc;

		next = strchr(word, '+');
		if (next)
			*next++ = '\0';
		errno = 0;
		pc = strtoull(word, &end, 0);
		if (errno || *end || end == word)
			continue;
		if (sym_name(pc, name, sizeof(name)) == 0)
			append(&b, &len, &cap, "%#" PRIx64 " %s\n", pc, name);
	}
	free(copy);
	if (!b) {
		http_error(resp, 500, "out of memory");
		return;
	}
	resp->content_type = "text/plain; charset=utf-8";
	resp->body = b;
	resp->len = len;
}

static void h_unknown(const struct http_req *req, struct http_resp *resp)
{
	http_error(resp, 404, "Unknown profile");
}

static const struct http_route routes[] = {
	{"/debug/pprof", false, h_index},
	{"/debug/pprof/", false, h_index},
	{"/debug/pprof/cmdline", false, h_cmdline},
	{"/debug/pprof/profile", false, h_profile},
	{"/debug/pprof/symbol", false, h_symbol},
};

const struct http_route *pprof_routes(size_t *n)
{
	*n = sizeof(routes) / sizeof(routes[0]);
	return routes;
}

/* Matched last, after every module's routes. */
const struct http_route pprof_unknown_route = {"/debug/pprof/", true,
					       h_unknown};
