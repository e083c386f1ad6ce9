/*
 * save.c - keeping what was fetched, byte for byte, where go tool pprof
 * keeps it ($PPROF_TMPDIR, else $HOME/pprof, named after the binary and
 * the sample types), so a profile taken during an incident can be opened
 * again with any pprof tool after the process is gone.
 */
#include "pprof.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_INDEX 9999

static int write_all(int fd, const struct fetch_buf *b)
{
	size_t off = 0;
	ssize_t n;

	while (off < b->len) {
		n = write(fd, b->data + off, b->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

int fetch_save_to(const char *path, const struct fetch_buf *b, char *err,
		  size_t errlen)
{
	char tmp[PATH_MAX];
	mode_t mask = umask(0);
	bool ok;
	int fd, e = ENAMETOOLONG;

	umask(mask);

	/* Write beside, then rename: an old file is never left half new. */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >=
	    (int)sizeof(tmp))
		goto fail;
	fd = mkstemp(tmp);
	if (fd < 0) {
		e = errno;
		goto fail;
	}
	ok = fchmod(fd, 0666 & ~mask) == 0 && write_all(fd, b) == 0;
	e = errno;
	if (close(fd) < 0 && ok) {
		ok = false;
		e = errno;
	}
	if (ok && rename(tmp, path) == 0)
		return 0;
	if (ok)
		e = errno;
	unlink(tmp);
fail:
	snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
	return -1;
}

/* mkdir -p, 0755 as pprof makes it. */
static int make_dirs(const char *dir)
{
	char p[PATH_MAX];
	char *s;

	if (snprintf(p, sizeof(p), "%s", dir) >= (int)sizeof(p))
		return -1;
	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* The first folder of pprof's list that exists or can be made. */
static int save_dir(char *out, size_t len)
{
	const char *tmpdir = getenv("PPROF_TMPDIR");
	const char *home = getenv("HOME");
	const char *sys = getenv("TMPDIR");

	if (tmpdir && *tmpdir && make_dirs(tmpdir) == 0)
		return snprintf(out, len, "%s", tmpdir) < (int)len ? 0 : -1;
	if (home && *home && snprintf(out, len, "%s/pprof", home) < (int)len &&
	    make_dirs(out) == 0)
		return 0;
	return snprintf(out, len, "%s", sys && *sys ? sys : "/tmp") < (int)len
		   ? 0
		   : -1;
}

/* "pprof.<binary>.<type>.<type>." from the profile, as pprof names it. */
static void name_prefix(const struct tprof *p, char *out, size_t len)
{
	char bin[PATH_MAX];
	size_t used, i;

	used = (size_t)snprintf(out, len, "pprof.");
	if (p->nmappings && *p->mappings[0].filename) {
		snprintf(bin, sizeof(bin), "%s", p->mappings[0].filename);
		used += (size_t)snprintf(out + used, len - used, "%s.",
					 basename(bin));
	}
	for (i = 0; i < p->nsample_types && used < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%s.",
					 p->sample_types[i].type);
}

int fetch_save_auto(const struct tprof *p, const struct fetch_buf *b,
		    char *path, size_t pathlen, char *err, size_t errlen)
{
	char dir[PATH_MAX], prefix[512];
	int i, fd = -1;

	if (save_dir(dir, sizeof(dir)) < 0) {
		snprintf(err, errlen, "no folder to save the profile in");
		return -1;
	}
	name_prefix(p, prefix, sizeof(prefix));
	for (i = 1; i <= MAX_INDEX && fd < 0; i++) {
		snprintf(path, pathlen, "%s/%s%03d.pb.gz", dir, prefix, i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", path,
			 i > MAX_INDEX ? "every number is taken"
				       : strerror(errno));
		return -1;
	}
	if (write_all(fd, b) < 0 || close(fd) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path,
			 strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}
