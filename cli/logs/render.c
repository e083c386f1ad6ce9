/*
 * render.c - the text output of `triage logs`: one row per line of the
 * trace (time of day, service, level, the content indented by span
 * nesting, the other fields as key=value), errors marked with '!' and,
 * on a terminal, in colour; then the spans with the time of each hop.
 */
#include "logs.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define SERVICE_WIDTH 12
#define NAME_WIDTH 30

#define RED "\033[1;31m"
#define YELLOW "\033[33m"
#define DIM "\033[2m"
#define RESET "\033[0m"

/* The decoded form of `s` in the render's scratch space (never longer
 * than the escaped form); an empty string when it does not fit. */
static const char *decoded(struct logs_render *r, const struct logs_str *s)
{
	logs_str_decode(s, r->scratch, sizeof(r->scratch));
	return r->scratch;
}

/* Decodes into `buf` (room for the whole string: decoding never makes
 * it longer) and returns it. */
static char *decode_all(const struct logs_str *s, char **buf, size_t *cap)
{
	char *nb;

	if (s->n + 1 > *cap) {
		nb = realloc(*buf, s->n + 1);
		if (!nb)
			return NULL;
		*buf = nb;
		*cap = s->n + 1;
	}
	logs_str_decode(s, *buf, *cap);
	return *buf;
}

/* The time of day as written, 08:12:03.123 of 2026-12-04T08:12:03.123Z. */
static void time_of_day(const struct logs_str *ts, char *out, size_t cap)
{
	size_t end = 11;

	while (end < ts->n && ts->p[end] != 'Z' && ts->p[end] != 'z' &&
	       ts->p[end] != '+' && ts->p[end] != '-')
		end++;
	snprintf(out, cap, "%.*s", (int)(end - 11), ts->p + 11);
}

static bool needs_quotes(const char *v)
{
	return !*v || strpbrk(v, " \"=") != NULL;
}

/* A value that is not a string, as its JSON text on one row. */
static void put_raw(FILE *out, const struct logs_str *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		fputc(v->p[i] == '\t' || v->p[i] == '\r' ? ' ' : v->p[i], out);
}

/* The user fields, key=value, a string quoted when it holds a space. */
static void put_fields(struct logs_render *r, const struct logs_line *l)
{
	const struct logs_field *f;
	const char *v;
	unsigned i;

	for (i = 0; i < l->nfields; i++) {
		f = &l->fields[i];
		fprintf(r->out, "  %s=", decoded(r, &f->key));
		if (!f->is_str) {
			put_raw(r->out, &f->val);
			continue;
		}
		v = decode_all(&f->val, &r->buf, &r->bufcap);
		if (!v)
			continue;
		if (!needs_quotes(v)) {
			fputs(v, r->out);
			continue;
		}
		fputc('"', r->out);
		for (; *v; v++)
			fprintf(r->out, *v == '"' ? "\\%c" : "%c", *v);
		fputc('"', r->out);
	}
	if (l->fields_dropped)
		fprintf(r->out, "  (%u more fields)", l->fields_dropped);
}

int logs_render_line(void *ctx, const struct logs_input *in,
		     const struct logs_pending *p)
{
	struct logs_render *r = ctx;
	struct logs_line l;
	char tod[32], service[64], level[16];
	const char *content;
	bool error;

	if (logs_line_parse(p->text, p->len, &l))
		return 0; /* it parsed when read */
	error = logs_line_is_error(&l);
	time_of_day(&l.timestamp, tod, sizeof(tod));
	logs_str_decode(&l.level, level, sizeof(level));
	if (l.service.p)
		logs_str_decode(&l.service, service, sizeof(service));
	else
		snprintf(service, sizeof(service), "%s", in->service);
	content = decode_all(&l.content, &r->buf, &r->bufcap);

	if (r->color && error)
		fputs(RED, r->out);
	fprintf(r->out, "%c %s %-*s ", error ? '!' : ' ', tod, SERVICE_WIDTH,
		service);
	if (r->color && !error && !strcmp(level, "warn"))
		fprintf(r->out, YELLOW "%-5s" RESET, level);
	else
		fprintf(r->out, "%-5s", level);
	fprintf(r->out, " %*s%s", 2 * p->depth, "", content ? content : "");
	if (r->color && !error)
		fputs(DIM, r->out);
	put_fields(r, &l);
	if (r->color)
		fputs(RESET, r->out);
	fputc('\n', r->out);
	return ferror(r->out) ? 1 : 0;
}

/* The time of a hop: the "span end" line's duration, else ~ the time
 * from the span's first line to its last; "-" when it has no lines. */
static void hop_time(const struct logs_span *s, char *out, size_t cap)
{
	if (s->has_end && s->end_us >= 0)
		snprintf(out, cap, "%.1fms", s->end_us / 1000.0);
	else if (s->lines)
		snprintf(out, cap, "~%.1fms",
			 (double)(s->last_us - s->first_us) / 1000.0);
	else
		snprintf(out, cap, "-");
}

static void span_label(const struct logs_span *s, char *out, size_t cap)
{
	if (*s->name)
		snprintf(out, cap, "%s", s->name);
	else
		snprintf(out, cap, "span %016" PRIx64 "%s", s->id,
			 s->lines ? "" : " (no lines)");
}

void logs_render_summary(struct logs_render *r, struct logs_merge *m)
{
	const struct logs_span *s = logs_spans_tree(&m->spans);
	char label[96], took[32];
	int pad;

	fprintf(r->out, "\ntrace %s: %" PRIu64 " lines, %zu spans\n", m->trace,
		m->counts.kept, m->spans.count);
	if (!s)
		return;
	fprintf(r->out, "  %-*s %-*s %-8s %10s\n", SERVICE_WIDTH, "SERVICE",
		NAME_WIDTH, "SPAN", "KIND", "TIME");
	for (; s; s = s->tree_next) {
		span_label(s, label, sizeof(label));
		hop_time(s, took, sizeof(took));
		pad = NAME_WIDTH - 2 * s->tree_depth;
		if (r->color && s->error)
			fputs(RED, r->out);
		fprintf(r->out, "%c %-*s %*s%-*s %-8s %10s",
			s->error ? '!' : ' ', SERVICE_WIDTH, s->service,
			2 * s->tree_depth, "", pad > 0 ? pad : 0, label,
			*s->kind ? s->kind : "-", took);
		if (s->error)
			fprintf(r->out, "  error: %s", s->error_msg);
		if (r->color && s->error)
			fputs(RESET, r->out);
		fputc('\n', r->out);
	}
}
