/*
 * proc_maps.c - parsing /proc/PID/maps into a sorted list of mappings.
 *
 * A line reads "start-limit perms offset major:minor inode   path", the
 * numbers in hex except the decimal inode, the path padded to a column
 * and running to the end of the line (so it may hold spaces). The parser
 * trusts none of it: a fuzz target feeds it garbage.
 */
#include "proc_maps.h"

#include "triage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* No line the kernel writes comes near this (paths stop at PATH_MAX). */
#define TMAPS_LINE_MAX 65536

static const char deleted_suffix[] = " (deleted)";

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses 1 to 16 hex digits at *p (before `end`); advances *p. */
static bool parse_hex(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;
	int d;

	while (s < end && s - *p < 16 && (d = hexval(*s)) >= 0) {
		x = x << 4 | (uint64_t)d;
		s++;
	}
	if (s == *p || (s < end && hexval(*s) >= 0))
		return false;
	*v = x;
	*p = s;
	return true;
}

/* Parses a decimal number that fits in 64 bits; advances *p. */
static bool parse_dec(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;

	while (s < end && *s >= '0' && *s <= '9') {
		unsigned d = (unsigned)(*s - '0');

		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
		s++;
	}
	if (s == *p)
		return false;
	*v = x;
	*p = s;
	return true;
}

static bool expect(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return false;
	(*p)++;
	return true;
}

/* Parses "rwxp": each of r, w, x or '-', then 'p' or 's'. */
static bool parse_perms(const char **p, const char *end, struct tmaps_entry *e)
{
	const char *s = *p;

	if (end - s < 4 || (s[0] != 'r' && s[0] != '-') ||
	    (s[1] != 'w' && s[1] != '-') || (s[2] != 'x' && s[2] != '-') ||
	    (s[3] != 'p' && s[3] != 's'))
		return false;
	e->read = s[0] == 'r';
	e->exec = s[2] == 'x';
	*p = s + 4;
	return true;
}

/* Copies the rest of the line as the path, without " (deleted)". */
static int take_path(const char *s, const char *end, struct tmaps_entry *e)
{
	size_t n = (size_t)(end - s);
	size_t sl = sizeof(deleted_suffix) - 1;

	if (n > sl && memcmp(end - sl, deleted_suffix, sl) == 0) {
		n -= sl;
		e->deleted = true;
	}
	e->path = malloc(n + 1);
	if (!e->path)
		return TRIAGE_ENOMEM;
	memcpy(e->path, s, n);
	e->path[n] = '\0';
	return 0;
}

int tmaps_parse_line(const char *line, size_t len, struct tmaps_entry *e,
		     const char **why)
{
	const char *p = line, *end = line + len;
	uint64_t major, minor, inode;

	memset(e, 0, sizeof(*e));
	*why = NULL;
	if (memchr(line, '\0', len))
		*why = "NUL byte in line";
	else if (!parse_hex(&p, end, &e->start) || !expect(&p, end, '-'))
		*why = "bad start address";
	else if (!parse_hex(&p, end, &e->limit) || !expect(&p, end, ' '))
		*why = "bad end address";
	else if (e->limit <= e->start)
		*why = "end address not above start";
	else if (!parse_perms(&p, end, e) || !expect(&p, end, ' '))
		*why = "bad permissions";
	else if (!parse_hex(&p, end, &e->offset) || !expect(&p, end, ' '))
		*why = "bad offset";
	else if (!parse_hex(&p, end, &major) || !expect(&p, end, ':') ||
		 !parse_hex(&p, end, &minor) || !expect(&p, end, ' '))
		*why = "bad device";
	else if (!parse_dec(&p, end, &inode) ||
		 (p < end && *p != ' ' && *p != '\t'))
		*why = "bad inode";
	if (*why)
		return TRIAGE_EFORMAT;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return take_path(p, end, e);
}

void tmaps_free(struct tmaps *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->e[i].path);
	free(m->e);
	m->e = NULL;
	m->n = 0;
}

static int by_start(const void *a, const void *b)
{
	const struct tmaps_entry *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Appends `e` to `m`, growing it geometrically. */
static int push(struct tmaps *m, size_t *cap, const struct tmaps_entry *e)
{
	if (m->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct tmaps_entry *ne = realloc(m->e, ncap * sizeof(*ne));

		if (!ne)
			return TRIAGE_ENOMEM;
		m->e = ne;
		*cap = ncap;
	}
	m->e[m->n++] = *e;
	return 0;
}

/* Parses one getline() result; keeps it in `m` unless filtered out. */
static int parse_one(char *line, ssize_t n, bool exec_only, struct tmaps *m,
		     size_t *cap, const char **why)
{
	struct tmaps_entry e;
	int rc;

	if (n > TMAPS_LINE_MAX) {
		*why = "line longer than 65536 bytes";
		return TRIAGE_EFORMAT;
	}
	if (n > 0 && line[n - 1] == '\n')
		n--;
	rc = tmaps_parse_line(line, (size_t)n, &e, why);
	if (rc < 0)
		return rc;
	if (exec_only && !e.exec) {
		free(e.path);
		return 0;
	}
	rc = push(m, cap, &e);
	if (rc < 0) {
		free(e.path);
		*why = "out of memory";
	}
	return rc;
}

int tmaps_parse(FILE *f, bool exec_only, struct tmaps *out, char *err,
		size_t errlen)
{
	char *line = NULL;
	size_t linecap = 0, cap = 0, lineno = 0, i;
	const char *why = NULL;
	ssize_t n;
	int rc = 0;

	out->e = NULL;
	out->n = 0;
	while ((n = getline(&line, &linecap, f)) >= 0) {
		lineno++;
		rc = parse_one(line, n, exec_only, out, &cap, &why);
		if (rc < 0)
			goto fail;
	}
	if (!feof(f)) {
		rc = errno == ENOMEM ? TRIAGE_ENOMEM : TRIAGE_ESYS;
		why = rc == TRIAGE_ENOMEM ? "out of memory" : "read error";
		goto fail;
	}
	free(line);

	/* The kernel lists mappings in order; a made-up text may not. */
	for (i = 1; i < out->n; i++) {
		if (out->e[i - 1].start > out->e[i].start) {
			qsort(out->e, out->n, sizeof(*out->e), by_start);
			break;
		}
	}
	return 0;

fail:
	if (err && errlen)
		snprintf(err, errlen, "line %zu: %s", lineno, why);
	free(line);
	tmaps_free(out);
	return rc;
}

int tmaps_read(pid_t pid, bool exec_only, struct tmaps *out)
{
	char path[64];
	FILE *f;
	int rc;

	out->e = NULL;
	out->n = 0;
	if (pid < 0)
		return TRIAGE_EINVAL;
	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/maps");
	else
		snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return TRIAGE_ESYS;
	rc = tmaps_parse(f, exec_only, out, NULL, 0);
	fclose(f);
	if (rc < 0)
		return rc;
	return tmaps_fill_build_ids(pid, out);
}

const struct tmaps_entry *tmaps_find(const struct tmaps *m, uint64_t addr)
{
	size_t lo = 0, hi = m->n;

	/* Finds the last entry starting at or below addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->e[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || addr >= m->e[lo - 1].limit)
		return NULL;
	return &m->e[lo - 1];
}
