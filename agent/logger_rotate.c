/*
 * logger_rotate.c - the log file's rotation, by size and by day.
 *
 * The current file keeps its name (TRIAGE_LOG_PATH), so `tail -F` and
 * log shippers follow it. A rotated file takes the name plus a dash and
 * a date, as go-zero's and logrotate's dateext do:
 *
 *   app.log-2026-12-03             the day that ended (daily rotation)
 *   app.log-2026-12-04T08-12-03    when it reached the size limit
 *
 * with ".1", ".2", ... if that name is taken. Pruning goes by
 * modification time, newest kept first, so both kinds count together
 * against TRIAGE_LOG_KEEP and TRIAGE_LOG_MAX_AGE_DAYS. One process per
 * file: two processes rotating the same file would rename each other's.
 *
 * Appending to a file whose blocks are not allocated yet costs the
 * kernel more than the copy itself: ext4 reserves, maps and accounts
 * each delayed block as the pages fill. The file's blocks are therefore
 * asked for a mebibyte ahead (fallocate with KEEP_SIZE, so the size
 * that readers see does not move), which made a line's write(2) about a
 * quarter cheaper in bench/log_cost. Rotation gives the room left past
 * the end back; a process that exits leaves at most a mebibyte of it,
 * which the next writer of the file fills.
 */
#include "logger.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The local midnight after `t`. */
static time_t next_midnight(time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_hour = 0;
	tm.tm_min = 0;
	tm.tm_sec = 0;
	tm.tm_mday++;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

int lg_file_open(const char *path, struct lg_file *f, time_t now)
{
	struct stat st;
	int fd;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return TRIAGE_ESYS;
	if (fstat(fd, &st)) {
		close(fd);
		return TRIAGE_ESYS;
	}
	f->fd = fd;
	f->size = st.st_size;
	f->reserved = S_ISREG(st.st_mode) ? st.st_size : LLONG_MAX;
	/* A file left from an earlier day rotates at its first write. */
	f->day_end = next_midnight(
	    st.st_size > 0 && st.st_mtime < now ? st.st_mtime : now);
	return 0;
}

#define RESERVE_AHEAD (1 << 20)

void lg_file_reserve(struct lg_file *f, size_t n)
{
	long long want = f->size + (long long)n;

	if (want <= f->reserved)
		return;
	/* Not a file system that can (EOPNOTSUPP), or a full disk: the
	 * writes go on as they would have without. */
	if (fallocate(f->fd, FALLOC_FL_KEEP_SIZE, f->size,
		      (off_t)n + RESERVE_AHEAD))
		f->reserved = LLONG_MAX;
	else
		f->reserved = want + RESERVE_AHEAD;
}

/* Truncating a file to its own size frees the blocks past its end. */
void lg_file_trim(const struct lg_file *f)
{
	struct stat st;

	if (f->fd < 0 || f->reserved == LLONG_MAX || f->reserved <= f->size)
		return;
	if (fstat(f->fd, &st) == 0 && S_ISREG(st.st_mode))
		(void)!ftruncate(f->fd, st.st_size);
}

bool lg_rotate_due(const struct lg_config *cfg, const struct lg_file *f,
		   time_t now)
{
	return (cfg->max_size > 0 && f->size >= cfg->max_size) ||
	       (cfg->daily && now >= f->day_end);
}

/* "<path>-<date>" for the file being rotated, free on disk. */
static int backup_name(const struct lg_config *cfg, const struct lg_file *f,
		       time_t now, char *out, size_t size)
{
	char date[32];
	struct tm tm;
	time_t t = now >= f->day_end ? f->day_end - 1 : now;
	size_t n;
	int i;

	localtime_r(&t, &tm);
	strftime(date, sizeof(date),
		 now >= f->day_end ? "%Y-%m-%d" : "%Y-%m-%dT%H-%M-%S", &tm);
	if ((size_t)snprintf(out, size, "%s-%s", cfg->path, date) >= size)
		return TRIAGE_EINVAL;
	n = strlen(out);
	for (i = 1; access(out, F_OK) == 0; i++)
		if ((size_t)snprintf(out + n, size - n, ".%d", i) >= size - n)
			return TRIAGE_EINVAL;
	return 0;
}

int lg_rotate(const struct lg_config *cfg, struct lg_file *f, time_t now)
{
	char backup[PATH_MAX];
	struct lg_file nf;

	if (backup_name(cfg, f, now, backup, sizeof(backup)))
		return TRIAGE_EINVAL;
	if (rename(cfg->path, backup))
		return TRIAGE_ESYS;
	if (lg_file_open(cfg->path, &nf, now)) {
		/* Keep writing where we were, under its new name, rather
		 * than lose lines; the next write tries again. */
		rename(backup, cfg->path);
		return TRIAGE_ESYS;
	}
	lg_file_trim(f);
	close(f->fd);
	*f = nf;
	f->day_end = next_midnight(now);
	lg_prune(cfg, now);
	return 0;
}

struct backup {
	char name[NAME_MAX + 1];
	struct timespec mtime;
};

/* By modification time to the nanosecond (many rotations can fall in
 * one second), then by name as versions: "x.10" after "x.9". */
static int newest_first(const void *a, const void *b)
{
	const struct backup *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? 1 : -1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? 1 : -1;
	return -strverscmp(x->name, y->name);
}

/* The rotated files of `base` in `dir`: base-<digit>... */
static struct backup *list_backups(const char *dir, const char *base,
				   size_t *count)
{
	size_t blen = strlen(base), n = 0, cap = 0;
	struct backup *v = NULL, *nv;
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(dir);
	int dfd;

	if (!d)
		return NULL;
	dfd = dirfd(d);
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, base, blen) || e->d_name[blen] != '-' ||
		    e->d_name[blen + 1] < '0' || e->d_name[blen + 1] > '9')
			continue;
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		snprintf(v[n].name, sizeof(v[n].name), "%s", e->d_name);
		v[n++].mtime = st.st_mtim;
	}
	closedir(d);
	*count = n;
	return v;
}

int lg_prune(const struct lg_config *cfg, time_t now)
{
	char *copy, *slash, *dir, *base;
	struct backup *v;
	size_t n = 0, i;
	int removed = 0, dfd;

	if (!cfg->path || (cfg->keep <= 0 && cfg->max_age_days <= 0))
		return 0;
	copy = strdup(cfg->path);
	if (!copy)
		return 0;
	slash = strrchr(copy, '/');
	dir = slash ? (slash == copy ? "/" : copy) : ".";
	base = slash ? slash + 1 : copy;
	if (slash)
		*slash = '\0';
	v = list_backups(dir, base, &n);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (v)
		qsort(v, n, sizeof(*v), newest_first);
	for (i = 0; v && dfd >= 0 && i < n; i++) {
		bool too_many = cfg->keep > 0 && i >= (size_t)cfg->keep;
		bool too_old =
		    cfg->max_age_days > 0 &&
		    now - v[i].mtime.tv_sec > (time_t)cfg->max_age_days * 86400;

		if ((too_many || too_old) && !unlinkat(dfd, v[i].name, 0))
			removed++;
	}
	if (dfd >= 0)
		close(dfd);
	free(v);
	free(copy);
	return removed;
}
