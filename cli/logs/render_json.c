/*
 * render_json.c - `triage logs --json`: each line of the trace as it was
 * written, with "depth" (its span nesting) and, when it had none, the
 * "service" its file stands for; then one summary object, the only one
 * without an @timestamp: {"summary":{...}}.
 */
#include "logs.h"

#include <inttypes.h>
#include <string.h>

void logs_json_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', out);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

int logs_render_json_line(void *ctx, const struct logs_input *in,
			  const struct logs_pending *p)
{
	struct logs_render *r = ctx;
	struct logs_line l;

	/* Parsed when read, so it ends with the object's closing brace. */
	if (logs_line_parse(p->text, p->len, &l) || !p->len)
		return 0;
	fwrite(p->text, 1, p->len - 1, r->out);
	fprintf(r->out, ",\"depth\":%d", p->depth);
	if (!l.service.p && *in->service) {
		fputs(",\"service\":", r->out);
		logs_json_string(r->out, in->service);
	}
	fputs("}\n", r->out);
	return ferror(r->out) ? 1 : 0;
}

static void json_span(FILE *out, const struct logs_span *s)
{
	char start[LOGS_TIME_TEXT];

	fprintf(out, "{\"span\":\"%016" PRIx64 "\"", s->id);
	if (s->has_parent)
		fprintf(out, ",\"parent\":\"%016" PRIx64 "\"", s->parent);
	fputs(",\"service\":", out);
	logs_json_string(out, s->service);
	fputs(",\"name\":", out);
	logs_json_string(out, s->name);
	fputs(",\"kind\":", out);
	logs_json_string(out, s->kind);
	fprintf(out, ",\"depth\":%d,\"lines\":%u", s->tree_depth, s->lines);
	if (s->lines) {
		logs_time_format(s->first_us, start);
		fprintf(out, ",\"start\":\"%s\"", start);
	}
	if (s->has_end && s->end_us >= 0)
		fprintf(out,
			",\"duration_ms\":%.3f,\"duration_from\":"
			"\"span end\"",
			s->end_us / 1000.0);
	else if (s->lines)
		fprintf(out,
			",\"duration_ms\":%.3f,\"duration_from\":\"lines\"",
			(double)(s->last_us - s->first_us) / 1000.0);
	fprintf(out, ",\"error\":%s", s->error ? "true" : "false");
	if (s->error) {
		fputs(",\"error_message\":", out);
		logs_json_string(out, s->error_msg);
	}
	fputc('}', out);
}

void logs_render_json_summary(struct logs_render *r, struct logs_merge *m)
{
	const struct logs_span *s = logs_spans_tree(&m->spans);
	const struct logs_counts *c = &m->counts;

	fprintf(r->out,
		"{\"summary\":{\"trace\":\"%s\",\"lines\":%" PRIu64
		",\"spans\":[",
		m->trace, c->kept);
	for (; s; s = s->tree_next) {
		json_span(r->out, s);
		if (s->tree_next)
			fputc(',', r->out);
	}
	fprintf(r->out,
		"],\"read\":%" PRIu64 ",\"not_json\":%" PRIu64
		",\"too_long\":%" PRIu64 ",\"no_timestamp\":%" PRIu64
		",\"out_of_order\":%" PRIu64 "}}\n",
		c->lines, c->not_json, c->too_long, c->no_time, c->late);
}
