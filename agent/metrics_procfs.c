/*
 * metrics_procfs.c - parsers of the /proc texts behind the process
 * metrics: /proc/<pid>/stat and the btime line of /proc/stat. They read
 * only the bytes they are given, which need not end in a NUL.
 */
#include "metrics.h"

#include <string.h>

/* Reads field after field of space-separated numbers. */
static bool next_number(const char **p, const char *end, double *v)
{
	const char *s = *p;
	double x = 0;
	bool any = false;

	while (s < end && *s == ' ')
		s++;
	if (s < end && *s == '-') /* some fields are signed; we skip them */
		s++;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		x = x * 10 + (*s - '0');
		any = true;
	}
	if (!any || (s < end && *s != ' ' && *s != '\n'))
		return false;
	*p = s;
	*v = x;
	return true;
}

/*
 * /proc/<pid>/stat: "pid (comm) state f4 f5 ...". comm may hold spaces
 * and parentheses, so fields are counted from the last ')'. Fields
 * (1-based, proc(5)): 14 utime, 15 stime, 20 num_threads, 22
 * starttime, 23 vsize, 24 rss.
 */
int metrics_parse_proc_stat(const char *text, size_t len,
			    struct metrics_proc_stat *out)
{
	const char *end = text + len, *p = NULL, *s;
	double f[25];
	int field;

	for (s = text; s < end; s++)
		if (*s == ')')
			p = s;
	if (!p || p + 4 > end || p[1] != ' ' || p[2] < 'A' || p[2] > 'z' ||
	    p[3] != ' ')
		return TRIAGE_EFORMAT;
	p += 3; /* at the space before field 4 */
	for (field = 4; field <= 24; field++)
		if (!next_number(&p, end, &f[field]))
			return TRIAGE_EFORMAT;
	out->utime_ticks = f[14];
	out->stime_ticks = f[15];
	out->num_threads = f[20];
	out->starttime_ticks = f[22];
	out->vsize = f[23];
	out->rss_pages = f[24];
	return 0;
}

int metrics_parse_btime(const char *text, size_t len, double *btime)
{
	const char *end = text + len, *line = text;

	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *eol = nl ? nl : end, *p = line + 5;
		double v;

		if (eol - line > 6 && !memcmp(line, "btime ", 6) &&
		    next_number(&p, eol, &v) && p == eol) {
			*btime = v;
			return 0;
		}
		line = eol + 1;
	}
	return TRIAGE_EFORMAT;
}
