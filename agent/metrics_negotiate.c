/*
 * metrics_negotiate.c - choosing the exposition format from the
 * scraper's Accept header.
 *
 * Prometheus asks for OpenMetrics first and text 0.0.4 at a lower q,
 * e.g. "application/openmetrics-text;version=1.0.0,application/
 * openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,
 * * / *;q=0.1". The media ranges are tried in order of q (ties keep
 * their order); the first that triage can write wins, and text 0.0.4
 * is the answer when none can (or there is no header), as in Go.
 */
#include "metrics.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_RANGES 32

#define CT_TEXT "text/plain; version=0.0.4; charset=utf-8"
#define CT_OM "application/openmetrics-text; version=1.0.0; charset=utf-8"
#define CT_OM_OLD "application/openmetrics-text; version=0.0.1; charset=utf-8"

struct range {
	const char *type; /* points into the copy; NUL-terminated */
	const char *version;
	double q;
};

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* A q value from 0 to 1; -1 when malformed. */
static double parse_q(const char *s)
{
	char *end;
	double q = strtod(s, &end);

	if (end == s || *end || !(q >= 0 && q <= 1))
		return -1;
	return q;
}

/* Parses one "type/subtype; k=v; ..." range in place; false to skip
 * it (no type, or q=0, or a malformed q). */
static bool parse_range(char *s, struct range *r)
{
	char *next = strchr(s, ';');

	if (next)
		*next++ = '\0';
	r->type = trim(s);
	r->version = NULL;
	r->q = 1;
	if (!strchr(r->type, '/'))
		return false;
	while (next) {
		char *param = next, *eq, *k, *v;

		next = strchr(param, ';');
		if (next)
			*next++ = '\0';
		eq = strchr(param, '=');
		if (!eq)
			continue;
		*eq = '\0';
		k = trim(param);
		v = trim(eq + 1);
		if (*v == '"' && strlen(v) >= 2 && v[strlen(v) - 1] == '"') {
			v[strlen(v) - 1] = '\0';
			v++;
		}
		if (!strcasecmp(k, "q"))
			r->q = parse_q(v);
		else if (!strcasecmp(k, "version"))
			r->version = v;
	}
	return r->q > 0;
}

/* What triage writes for a range, or -1. */
static int format_of(const struct range *r, const char **ct)
{
	const char *v = r->version;

	if (!strcasecmp(r->type, "application/openmetrics-text")) {
		if (!v || !strcmp(v, "1.0.0")) {
			*ct = CT_OM;
			return TRIAGE_METRIC_OPENMETRICS;
		}
		if (!strcmp(v, "0.0.1")) {
			*ct = CT_OM_OLD;
			return TRIAGE_METRIC_OPENMETRICS;
		}
		return -1;
	}
	if ((!strcasecmp(r->type, "text/plain") &&
	     (!v || !strcmp(v, "0.0.4"))) ||
	    !strcmp(r->type, "*/*") || !strcasecmp(r->type, "text/*")) {
		*ct = CT_TEXT;
		return TRIAGE_METRIC_TEXT;
	}
	return -1;
}

enum triage_metric_format metrics_negotiate(const char *accept,
					    const char **content_type)
{
	struct range r[MAX_RANGES];
	char *copy, *item, *save = NULL;
	size_t n = 0, i;
	int fmt = -1;

	*content_type = CT_TEXT;
	if (!accept || !(copy = strdup(accept)))
		return TRIAGE_METRIC_TEXT;
	for (item = strtok_r(copy, ",", &save); item && n < MAX_RANGES;
	     item = strtok_r(NULL, ",", &save))
		if (parse_range(item, &r[n]))
			n++;
	/* A stable sort by q, highest first: ties keep the header's order. */
	for (i = 1; i < n; i++) {
		struct range t = r[i];
		size_t j = i;

		while (j > 0 && r[j - 1].q < t.q) {
			r[j] = r[j - 1];
			j--;
		}
		r[j] = t;
	}
	for (i = 0; i < n && fmt < 0; i++)
		fmt = format_of(&r[i], content_type);
	free(copy);
	if (fmt < 0) {
		*content_type = CT_TEXT;
		return TRIAGE_METRIC_TEXT;
	}
	return (enum triage_metric_format)fmt;
}
