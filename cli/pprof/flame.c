/*
 * flame.c - the flame graph: the samples the filters keep, merged into
 * a tree of call paths from the root (one frame per function, inlined
 * functions as frames of their own), written as data into a single
 * self-contained HTML page (flame_page.c) whose script draws it, shows
 * each frame's value and share on hover, zooms on click, highlights
 * frames matching a search and flips into an icicle.
 *
 * A frame's width is the sum of |value| of the samples through it, so
 * a diff (-diff_base) draws growth and shrinkage alike; the signed sum
 * is what the tooltip says.
 */
#include "flame.h"

#include "report_internal.h"
#include "triage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROOT 0

struct flame_node {
	uint32_t parent, name;
	int64_t value, width, self;
};

struct flame {
	struct report *r;
	struct flame_node *nodes;
	size_t nnodes, cap;
	struct tprof_index child_ix; /* (parent, name) -> node */
	const char **names;	     /* interned frame names */
	size_t nnames, names_cap;
	struct tprof_index name_ix;
	uint32_t *loc_names; /* per location: name of each line */
	size_t *loc_start;
};

static bool name_eq(const void *ctx, uint32_t pos, const void *key)
{
	return !strcmp(((const struct flame *)ctx)->names[pos], key);
}

/* The id of frame name `s` (copied into the report's arena). */
static int intern(struct flame *f, const char *s, uint32_t *id)
{
	uint64_t h = tprof_hash_str(s);
	uint32_t pos = tprof_index_find(&f->name_ix, h, name_eq, f, s);

	if (pos == TPROF_INDEX_NONE) {
		char *copy = tprof_arena_strndup(f->r->a, s, strlen(s));

		if (!copy || f->nnames >= TPROF_INDEX_MAX ||
		    tprof_grow((void **)&f->names, &f->names_cap, f->nnames + 1,
			       sizeof(*f->names)) ||
		    tprof_index_add(&f->name_ix, h, (uint32_t)f->nnames))
			return TRIAGE_ENOMEM;
		pos = (uint32_t)f->nnames;
		f->names[f->nnames++] = copy;
	}
	*id = pos;
	return 0;
}

/* Names every line of every location (innermost first). */
static int name_locations(struct flame *f)
{
	const struct report_view *v = &f->r->view;
	const struct tprof *p = v->p;
	char buf[4200];
	size_t i, j, n = 0;

	for (i = 0; i < p->nlocations; i++)
		n += v->locs[i].nlines ? v->locs[i].nlines : 1;
	f->loc_start = tprof_arena_calloc(f->r->a, p->nlocations + 1,
					  sizeof(*f->loc_start));
	f->loc_names = tprof_arena_calloc(f->r->a, n, sizeof(uint32_t));
	if (!f->loc_start || !f->loc_names)
		return TRIAGE_ENOMEM;
	for (i = 0, n = 0; i < p->nlocations; i++) {
		const struct report_loc *vl = &v->locs[i];

		f->loc_start[i] = n;
		for (j = 0; j < (vl->nlines ? vl->nlines : 1); j++) {
			const char *s = report_frame_name(
			    &p->locations[i], vl->nlines ? vl->lines[j] : NULL,
			    buf, sizeof(buf));

			if (intern(f, s, &f->loc_names[n++]))
				return TRIAGE_ENOMEM;
		}
	}
	f->loc_start[i] = n;
	return 0;
}

static bool child_eq(const void *ctx, uint32_t pos, const void *key)
{
	const struct flame_node *n = &((const struct flame *)ctx)->nodes[pos];
	const uint32_t *k = key;

	return n->parent == k[0] && n->name == k[1];
}

/* The child of `parent` named `name`, created on first sight. */
static int child(struct flame *f, uint32_t parent, uint32_t name, uint32_t *id)
{
	uint32_t key[2] = {parent, name};
	uint64_t h = tprof_hash_add(tprof_hash_u64(parent), name);
	uint32_t pos = tprof_index_find(&f->child_ix, h, child_eq, f, key);

	if (pos == TPROF_INDEX_NONE) {
		if (f->nnodes >= TPROF_INDEX_MAX ||
		    tprof_grow((void **)&f->nodes, &f->cap, f->nnodes + 1,
			       sizeof(*f->nodes)) ||
		    tprof_index_add(&f->child_ix, h, (uint32_t)f->nnodes))
			return TRIAGE_ENOMEM;
		pos = (uint32_t)f->nnodes++;
		memset(&f->nodes[pos], 0, sizeof(f->nodes[pos]));
		f->nodes[pos].parent = parent;
		f->nodes[pos].name = name;
	}
	*id = pos;
	return 0;
}

/* Adds every sample along its path from the root. */
static int build_tree(struct flame *f)
{
	const struct report_view *v = &f->r->view;
	size_t i, j, k;
	uint32_t root_name;

	if (intern(f, "root", &root_name) ||
	    tprof_grow((void **)&f->nodes, &f->cap, 1, sizeof(*f->nodes)))
		return TRIAGE_ENOMEM;
	memset(f->nodes, 0, sizeof(*f->nodes));
	f->nodes[ROOT].name = root_name;
	f->nnodes = 1;
	for (i = 0; i < v->nsamples; i++) {
		const struct report_sample *s = &v->samples[i];
		int64_t w = report_abs64(s->value);
		uint32_t at = ROOT;

		if (!s->value)
			continue;
		f->nodes[ROOT].value =
		    report_add(f->nodes[ROOT].value, s->value);
		f->nodes[ROOT].width = report_add(f->nodes[ROOT].width, w);
		for (j = s->nlocs; j-- > 0;) {
			size_t li = (size_t)(s->locs[j] - v->p->locations);

			for (k = f->loc_start[li + 1];
			     k-- > f->loc_start[li];) {
				if (child(f, at, f->loc_names[k], &at))
					return TRIAGE_ENOMEM;
				f->nodes[at].value =
				    report_add(f->nodes[at].value, s->value);
				f->nodes[at].width =
				    report_add(f->nodes[at].width, w);
			}
		}
		f->nodes[at].self = report_add(f->nodes[at].self, s->value);
	}
	return 0;
}

/* Writes `s` as a JSON string. */
static void put_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '<') /* never "</script>" inside the page */
			fputs("\\u003c", out);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* The data the page's script reads. */
static void put_data(FILE *out, const struct flame *f, const char *title,
		     bool icicle)
{
	const struct report *r = f->r;
	size_t i;

	fputs("{\"title\":", out);
	put_json_string(out, title);
	fputs(",\"type\":", out);
	put_json_string(out, r->type);
	fputs(",\"unit\":", out);
	put_json_string(out, r->unit);
	fprintf(out, ",\"total\":%lld,\"icicle\":%s,\"names\":[",
		(long long)r->total, icicle ? "true" : "false");
	for (i = 0; i < f->nnames; i++) {
		if (i)
			fputc(',', out);
		put_json_string(out, f->names[i]);
	}
	/* Nodes in creation order: a parent always comes before its
	 * children. Each is [parent, name, value, width, self]. */
	fputs("],\"nodes\":[", out);
	for (i = 0; i < f->nnodes; i++) {
		const struct flame_node *n = &f->nodes[i];

		fprintf(out, "%s[%d,%u,%lld,%lld,%lld]", i ? "," : "",
			i == ROOT ? -1 : (int)n->parent, n->name,
			(long long)n->value, (long long)n->width,
			(long long)n->self);
		if (i % 8 == 7)
			fputc('\n', out);
	}
	fputs("]}", out);
}

int flame_write(FILE *out, const struct tprof *p,
		const struct report_options *o, const char *title, bool icicle,
		char *err, size_t errlen)
{
	struct report r;
	struct flame f = {.r = &r};
	int rc;

	rc = report_open(&r, p, o, err, errlen);
	if (rc)
		return rc;
	tprof_index_init(&f.child_ix);
	tprof_index_init(&f.name_ix);
	rc = name_locations(&f);
	if (!rc)
		rc = build_tree(&f);
	if (rc) {
		snprintf(err, errlen, "out of memory");
	} else {
		fputs(flame_page_head, out);
		put_data(out, &f, title, icicle);
		fputs(flame_page_tail, out);
		rc = report_check_output(out, err, errlen);
	}
	tprof_index_free(&f.child_ix);
	tprof_index_free(&f.name_ix);
	tprof_mfree(f.nodes);
	tprof_mfree(f.names);
	report_close(&r);
	return rc;
}
