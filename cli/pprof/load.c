/*
 * load.c - from the sources on the command line to the one profile the
 * reports read: each source (and -diff_base/-base) is resolved, fetched
 * or read, kept where go tool pprof keeps fetched profiles, decoded,
 * and then all are combined as pprof merges them (bases negated, a
 * diff base's samples labelled pprof::base=true).
 */
#include "pprof.h"

#include "cli.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

	if (src->kind == FETCH_FILE)
		return;
	if (fetch_save_auto(p, buf, path, sizeof(path), err, sizeof(err)) < 0)
		fprintf(stderr,
			"triage pprof: could not save the profile: "
			"%s\n",
			err);
	else
		fprintf(stderr, "Saved profile in %s\n", path);
}

/* Resolves, fetches, saves and decodes one source into *out. */
static int load_one(const char *arg, const struct load_request *req,
		    const char *save_as, struct tprof **out)
{
	struct fetch_source src;
	struct fetch_buf buf = {0};
	char err[PATH_MAX + 300];
	int rc = -1;

	*out = NULL;
	if (fetch_resolve(arg, req->seconds, req->timeout, &src, err,
			  sizeof(err)) < 0) {
		fprintf(stderr, "triage pprof: %s\n", err);
		return -1;
	}
	if (obtain(&src, &buf) < 0)
		goto out;
	if (save_as) {
		if (fetch_save_to(save_as, &buf, err, sizeof(err)) < 0) {
			fprintf(stderr, "triage pprof: %s\n", err);
			goto out;
		}
		fprintf(stderr, "Saved profile in %s\n", save_as);
	}
	if (tprof_decode(buf.data, buf.len, 0, out, err, sizeof(err)) < 0) {
		fprintf(stderr, "triage pprof: %s: %s\n", arg, err);
		goto out;
	}
	if (!save_as)
		keep(&src, *out, &buf);
	rc = 0;
out:
	free(buf.data);
	fetch_source_free(&src);
	return rc;
}

/* Combines the parts, sources first, then the base. */
static int combine(const struct load_request *req, struct load_result *r)
{
	struct report_input *in = calloc(r->nparts, sizeof(*in));
	char err[1024];
	size_t i;
	int rc;

	if (!in) {
		fprintf(stderr, "triage pprof: out of memory\n");
		return -1;
	}
	for (i = 0; i < r->nparts; i++) {
		bool is_base = i >= req->nsources;

		in[i].p = r->parts[i];
		in[i].name = is_base
				 ? (req->diff_base ? req->diff_base : req->base)
				 : req->sources[i];
		in[i].scale = is_base ? -1 : 1;
		in[i].diff_base = is_base && req->diff_base;
	}
	rc = report_combine(in, r->nparts, &r->p, err, sizeof(err));
	free(in);
	if (rc) {
		fprintf(stderr, "triage pprof: %s\n", err);
		return -1;
	}
	r->combined = true;
	return 0;
}

int load_profiles(const struct load_request *req, struct load_result *out)
{
	const char *base = req->diff_base ? req->diff_base : req->base;
	size_t i, n = req->nsources + (base ? 1 : 0);

	memset(out, 0, sizeof(*out));
	out->title = req->nsources ? req->sources[0] : "";
	out->parts = calloc(n, sizeof(*out->parts));
	if (!out->parts) {
		fprintf(stderr, "triage pprof: out of memory\n");
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *arg = i < req->nsources ? req->sources[i] : base;

		if (load_one(arg, req, i == 0 ? req->save_as : NULL,
			     &out->parts[i]) < 0) {
			load_result_free(out);
			return -1;
		}
		out->nparts++;
	}
	if (n == 1)
		out->p = out->parts[0];
	else if (combine(req, out) < 0) {
		load_result_free(out);
		return -1;
	}
	/* pprof names functions so after merging; reports read them. */
	if (report_simplify_names(out->p)) {
		fprintf(stderr, "triage pprof: out of memory\n");
		load_result_free(out);
		return -1;
	}
	return 0;
}

void load_result_free(struct load_result *r)
{
	size_t i;

	if (r->combined)
		tprof_free(r->p);
	for (i = 0; i < r->nparts; i++)
		tprof_free(r->parts[i]);
	free(r->parts);
	memset(r, 0, sizeof(*r));
}
