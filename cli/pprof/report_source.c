/*
 * report_source.c - finding the source files a profile names, as pprof
 * does for -list: a path is first trimmed (the part up to the base name
 * of a search folder, as when the profile was taken in a checkout of the
 * same project elsewhere, and /proc/self/cwd/), then opened when
 * absolute, else looked for under each search folder and its parents.
 * Also Go's lexical path cleaning, which pprof applies to file names.
 */
#include "report_internal.h"

#include "triage.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *report_path_clean(const char *path, struct tprof_arena *a)
{
	size_t n = strlen(path), r = 0, w = 0, dotdot = 0;
	bool rooted = n && path[0] == '/';
	char *out = tprof_arena_calloc(a, n + 2, 1);

	if (!out)
		return NULL;
	if (!n) {
		out[0] = '.';
		return out;
	}
	if (rooted) {
		out[w++] = '/';
		r = dotdot = 1;
	}
	while (r < n) {
		if (path[r] == '/') {
			r++;
		} else if (path[r] == '.' &&
			   (r + 1 == n || path[r + 1] == '/')) {
			r++;
		} else if (path[r] == '.' && path[r + 1] == '.' &&
			   (r + 2 == n || path[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) { /* back up one element */
				w--;
				while (w > dotdot && out[w] != '/')
					w--;
			} else if (!rooted) {
				if (w > 0)
					out[w++] = '/';
				out[w++] = '.';
				out[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				out[w++] = '/';
			for (; r < n && path[r] != '/'; r++)
				out[w++] = path[r];
		}
	}
	if (w == 0)
		out[w++] = '.';
	out[w] = '\0';
	return out;
}

/* Go's filepath.Base of the first `len` bytes of `dir`, into buf. */
static void dir_base(const char *dir, size_t len, char *buf, size_t buflen)
{
	char tmp[PATH_MAX], b[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%.*s", (int)len, dir);
	snprintf(buf, buflen, "%s", report_path_base(tmp, b, sizeof(b)));
}

const char *report_trim_path(const char *path, const char *search)
{
	static const char *const prefixes[] = {"/proc/self/cwd/./",
					       "/proc/self/cwd/"};
	char base[PATH_MAX], want[PATH_MAX + 2];
	const char *dir = search, *found;
	size_t i, len;

	for (; *search;) {
		len = strcspn(dir, ":");
		dir_base(dir, len, base, sizeof(base));
		snprintf(want, sizeof(want), "/%s/", base);
		found = strstr(path, want);
		if (found)
			return found + strlen(want);
		if (!dir[len])
			break;
		dir += len + 1;
	}
	for (i = 0; i < 2; i++)
		if (!strncmp(path, prefixes[i], strlen(prefixes[i])))
			return path + strlen(prefixes[i]);
	return path;
}

/* Go's error text for a failed open: "open PATH: reason", lower case. */
static void open_error(const char *path, int err, char *why, size_t len)
{
	size_t at = strlen("open ") + strlen(path) + strlen(": ");

	snprintf(why, len, "open %s: %s", path, strerror(err));
	if (at < len)
		why[at] = (char)tolower((unsigned char)why[at]);
}

FILE *report_source_open(const char *path, const char *search, char *why,
			 size_t whylen)
{
	char dir[PATH_MAX], full[2 * PATH_MAX + 2];
	const char *rel = report_trim_path(path, search), *d = search;
	size_t len;
	FILE *f;

	if (rel[0] == '/') {
		f = fopen(rel, "r");
		if (!f)
			open_error(rel, errno, why, whylen);
		return f;
	}
	for (;;) {
		len = strcspn(d, ":");
		snprintf(dir, sizeof(dir), "%.*s", (int)len, d);
		for (;;) {
			char *slash;

			snprintf(full, sizeof(full), "%s/%s", dir, rel);
			f = fopen(full, "r");
			if (f)
				return f;
			slash = strrchr(dir, '/');
			if (!slash || (slash == dir && !dir[1]))
				break;
			if (slash == dir)
				slash[1] = '\0';
			else
				*slash = '\0';
		}
		if (!d[len])
			break;
		d += len + 1;
	}
	snprintf(why, whylen, "could not find file %s on path %s", rel, search);
	return NULL;
}
