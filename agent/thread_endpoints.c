/*
 * thread_endpoints.c - the thread profile and the threadcreate profile
 * over HTTP, at Go's paths.
 *
 *   /debug/pprof/threads       debug=0 proto, 1 grouped text, 2 a dump
 *   /debug/pprof/goroutine     the same, in Go's words, for tools that
 *                              ask for Go's path
 *   /debug/pprof/threadcreate  where threads were created
 *
 * At /goroutine the text says "goroutine profile:" and "goroutine N
 * [...]:" and the sample type is "goroutine", so that tools written for
 * Go's format read it unchanged; /threads says "threads profile:" and
 * "thread N [...]:". Go reads `debug` with Atoi, so garbage means 0;
 * triage answers 400 instead, as it does for every malformed parameter.
 */
#include "thread_endpoints.h"

#include "options.h"
#include "profile.h"
#include "thread_create.h"
#include "thread_dump.h"
#include "thread_profile.h"
#include "thread_text.h"
#include "triage.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How a path names its profile. */
struct flavour {
	const char *name; /* profile and sample type */
	const char *word; /* a thread's header in debug=2 */
};

static const struct flavour threads_flavour = {"threads", "thread"};
static const struct flavour goroutine_flavour = {"goroutine", "goroutine"};

/* Reads an optional integer parameter in [min, max]; false after a 400. */
static bool int_param(const struct http_req *req, struct http_resp *resp,
		      const char *name, long min, long max, long *value)
{
	const char *s = http_query(req, name);

	if (!s)
		return true;
	if (opt_parse_int(s, min, max, value) == 0)
		return true;
	if (max == LONG_MAX)
		http_error(resp, 400,
			   "invalid value for \"%s\" - must be an integer "
			   "from %ld",
			   name, min);
	else
		http_error(resp, 400,
			   "invalid value for \"%s\" - must be an integer "
			   "from %ld to %ld",
			   name, min, max);
	return false;
}

/*
 * The parameters every profile of this file takes. A delta profile
 * (seconds=N) is Go's; triage does not take one of threads yet.
 */
static bool common_params(const struct http_req *req, struct http_resp *resp,
			  long *debug)
{
	if (http_query(req, "seconds")) {
		http_error(resp, 400,
			   "\"seconds\" parameter is not supported "
			   "for this profile type");
		return false;
	}
	return int_param(req, resp, "debug", 0, LONG_MAX, debug);
}

static void send_profile(struct http_resp *resp, const char *name,
			 struct tprof *p, int err)
{
	uint8_t *buf;
	size_t len;

	if (!err) {
		err = tprof_encode(p, &buf, &len);
		tprof_free(p);
	}
	if (err) {
		http_error(resp, 500, "could not build the %s profile: %s",
			   name, triage_strerror(err));
		return;
	}
	resp->content_type = "application/octet-stream";
	resp->filename = name;
	resp->body = (char *)buf;
	resp->len = len;
}

static void send_text(struct http_resp *resp, struct tdump_text *t)
{
	if (t->failed || !t->buf) {
		free(t->buf);
		http_error(resp, 500, "out of memory");
		return;
	}
	resp->content_type = "text/plain; charset=utf-8";
	resp->body = t->buf;
	resp->len = t->len;
}

/* debug=1: one record per stack. */
static void write_grouped(struct tdump_text *t, const struct flavour *f,
			  const struct tdump *d)
{
	struct tdump_groups g;
	struct tdump_names nm;

	if (tdump_groups_of_dump(d, &g) || tdump_names_begin(&nm, NULL)) {
		t->failed = true;
		tdump_groups_free(&g);
		return;
	}
	tdump_write_count(t, f->name, (int64_t)(d->n + d->omitted), g.recs, g.n,
			  true, &nm.r);
	if (d->omitted)
		tdump_printf(t, "# %zu more threads were not dumped\n",
			     d->omitted);
	tdump_names_end(&nm);
	tdump_groups_free(&g);
}

/* The creating code's stack of thread `th`, or NULL. */
static const uint64_t *creator_of(const struct tdump_thread *th,
				  const struct tdump_creates *c, int *skips,
				  const struct tdump_resolver *r, int *depth)
{
	const struct tdump_create_rec *rec;
	int id = th->created_by;

	if (id < 1 || (size_t)id > c->n)
		return NULL;
	rec = &c->recs[id - 1];
	if (skips[id - 1] < 0)
		skips[id - 1] = tdump_create_skip(r, rec->pcs, rec->depth);
	*depth = rec->depth - skips[id - 1];
	return rec->pcs + skips[id - 1];
}

/* debug=2: every thread. */
static void write_all(struct tdump_text *t, const struct flavour *f,
		      const struct tdump *d)
{
	struct tdump_creates c;
	struct tdump_names nm;
	int *skips = NULL, depth = 0;
	size_t i;

	if (tdump_creates_copy(&c)) {
		t->failed = true;
		return;
	}
	skips = malloc((c.n ? c.n : 1) * sizeof(*skips));
	if (!skips || tdump_names_begin(&nm, NULL)) {
		t->failed = true;
		free(skips);
		tdump_creates_free(&c);
		return;
	}
	memset(skips, 0xff, (c.n ? c.n : 1) * sizeof(*skips));
	for (i = 0; i < d->n && !t->failed; i++) {
		const struct tdump_thread *th = &d->threads[i];
		const uint64_t *cr = creator_of(th, &c, skips, &nm.r, &depth);

		tdump_write_thread(t, f->word, th, d->timeout_ms, cr,
				   cr ? depth : 0, &nm.r);
	}
	if (d->omitted)
		tdump_printf(t, "%zu more threads were not dumped\n",
			     d->omitted);
	tdump_names_end(&nm);
	free(skips);
	tdump_creates_free(&c);
}

static void serve_threads(const struct http_req *req, struct http_resp *resp,
			  const struct flavour *f)
{
	long debug = 0, timeout = TDUMP_TIMEOUT_DEFAULT;
	struct tdump_text text = {0};
	struct tprof *p = NULL;
	struct tdump d;
	char sig[32];
	int err;

	if (!common_params(req, resp, &debug) ||
	    !int_param(req, resp, "timeout_ms", 1, TDUMP_TIMEOUT_MAX, &timeout))
		return;
	err = tdump_take(&d, (int)timeout, debug >= 2);
	if (err == TRIAGE_EBUSY) {
		tdump_signal(sig, sizeof(sig));
		http_error(resp, 500,
			   "Could not take the thread dump: the program "
			   "handles %s itself; set TRIAGE_DUMP_SIGNAL to a "
			   "real-time signal it leaves alone",
			   sig);
		return;
	}
	if (err) {
		http_error(resp, 500, "Could not take the thread dump: %s",
			   triage_strerror(err));
		return;
	}
	if (debug == 0) {
		err = tdump_threads_profile(&d, f->name, &p);
		tdump_free(&d);
		send_profile(resp, f->name, p, err);
		return;
	}
	if (debug == 1)
		write_grouped(&text, f, &d);
	else
		write_all(&text, f, &d);
	tdump_free(&d);
	send_text(resp, &text);
}

static void h_threads(const struct http_req *req, struct http_resp *resp)
{
	serve_threads(req, resp, &threads_flavour);
}

static void h_goroutine(const struct http_req *req, struct http_resp *resp)
{
	serve_threads(req, resp, &goroutine_flavour);
}

/* debug>=1 of threadcreate: Go's count profile of creation stacks. */
static void write_creates(struct tdump_text *t, const struct tdump_creates *c)
{
	struct tdump_record *recs = calloc(c->n ? c->n : 1, sizeof(*recs));
	struct tdump_names nm;
	size_t i;

	if (!recs || tdump_names_begin(&nm, NULL)) {
		free(recs);
		t->failed = true;
		return;
	}
	for (i = 0; i < c->n; i++) {
		int skip =
		    tdump_create_skip(&nm.r, c->recs[i].pcs, c->recs[i].depth);

		recs[i].count = c->recs[i].count;
		recs[i].pcs = c->recs[i].pcs + skip;
		recs[i].depth = c->recs[i].depth - skip;
		if (recs[i].depth == 0)
			recs[i].no_stack = "creation stack not recorded";
	}
	tdump_write_count(t, "threadcreate", c->total, recs, c->n, false,
			  &nm.r);
	tdump_names_end(&nm);
	free(recs);
}

static void h_threadcreate(const struct http_req *req, struct http_resp *resp)
{
	struct tdump_text text = {0};
	struct tdump_creates c;
	struct tprof *p = NULL;
	long debug = 0;
	int err;

	if (!common_params(req, resp, &debug))
		return;
	err = tdump_creates_copy(&c);
	if (err) {
		http_error(resp, 500, "out of memory");
		return;
	}
	if (debug == 0) {
		err = tdump_create_profile(&c, &p);
		tdump_creates_free(&c);
		send_profile(resp, "threadcreate", p, err);
		return;
	}
	write_creates(&text, &c);
	tdump_creates_free(&c);
	send_text(resp, &text);
}

long tdump_index_threads(void)
{
	return (long)tdump_count_threads();
}

long tdump_index_creates(void)
{
	return (long)tdump_creates_total();
}

static const struct http_route routes[] = {
    {"/debug/pprof/threads", false, h_threads},
    {"/debug/pprof/goroutine", false, h_goroutine},
    {"/debug/pprof/threadcreate", false, h_threadcreate},
};

const struct http_route *tdump_routes(size_t *n)
{
	*n = sizeof(routes) / sizeof(routes[0]);
	return routes;
}
