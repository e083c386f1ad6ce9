/*
 * gzip.c - gzip for profiles, over zlib. Profiles are written at the
 * fastest level, as Go writes them. Reading is bounded: a small file
 * that inflates to gigabytes (a gzip bomb) is refused with a clear
 * error once its output passes the caller's limit, before the memory is
 * spent. zlib's own allocations go through the checked allocator.
 */
#include "gzip.h"

#include "arena.h"
#include "triage.h"

#include <limits.h>
#include <stdio.h>
#include <zlib.h>

/* zlib hands its input and output sizes over as `uInt`. */
#define ZCHUNK ((size_t)1 << 30)
/* gunzip_run()'s result when a member is followed by non-gzip bytes. */
#define GZ_TRAILING 1000

static voidpf gz_alloc(voidpf opaque, uInt items, uInt size)
{
	(void)opaque;
	if (size && items > SIZE_MAX / size)
		return Z_NULL;
	return tprof_malloc((size_t)items * size);
}

static void gz_free(voidpf opaque, voidpf p)
{
	(void)opaque;
	tprof_mfree(p);
}

int tprof_is_gzip(const uint8_t *buf, size_t len)
{
	return len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b;
}

/* Feeds zlib at most ZCHUNK bytes of what remains of a buffer. */
static uInt zfeed(size_t remaining)
{
	return (uInt)(remaining < ZCHUNK ? remaining : ZCHUNK);
}

int tprof_gzip(const uint8_t *in, size_t len, int level, uint8_t **out,
	       size_t *outlen)
{
	z_stream zs = {.zalloc = gz_alloc, .zfree = gz_free};
	size_t cap, in_done = 0, out_done = 0;
	uint8_t *buf;
	int rc;

	*out = NULL;
	/* 15 window bits + 16 asks zlib for a gzip header and trailer. */
	if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return TRIAGE_ENOMEM;
	cap = len < ZCHUNK ? deflateBound(&zs, (uLong)len) : len + len / 8 + 64;
	buf = tprof_malloc(cap);
	if (!buf) {
		deflateEnd(&zs);
		return TRIAGE_ENOMEM;
	}

	do {
		if (cap - out_done < 64 &&
		    tprof_grow((void **)&buf, &cap, cap + 1, 1))
			break;
		zs.next_in = (Bytef *)(uintptr_t)(in + in_done);
		zs.avail_in = zfeed(len - in_done);
		zs.next_out = buf + out_done;
		zs.avail_out = zfeed(cap - out_done);
		rc = deflate(&zs, zs.avail_in == len - in_done ? Z_FINISH
							       : Z_NO_FLUSH);
		in_done = (size_t)(zs.next_in - in);
		out_done = (size_t)(zs.next_out - buf);
	} while (rc == Z_OK || rc == Z_BUF_ERROR);

	deflateEnd(&zs);
	if (rc != Z_STREAM_END) {
		tprof_mfree(buf);
		return TRIAGE_ENOMEM;
	}
	*out = buf;
	*outlen = out_done;
	return 0;
}

/* Writes a reason into `err`, returns `code`. */
static int gz_error(char *err, size_t errlen, int code, const char *what)
{
	if (errlen)
		snprintf(err, errlen, "not a profile: %s", what);
	return code;
}

/*
 * Makes room in the output buffer for more data, up to `max` + 1 bytes:
 * the extra byte tells data of exactly `max` bytes from more. The first
 * guess is a few times the input, as profiles compress about 4:1.
 */
static int gunzip_room(uint8_t **buf, size_t *cap, size_t used, size_t max,
		       size_t inlen)
{
	size_t want;
	uint8_t *p;

	if (max < SIZE_MAX)
		max++;
	if (used < *cap)
		return 0;
	if (used >= max)
		return TRIAGE_EFORMAT;
	want = *cap ? *cap : (inlen < SIZE_MAX / 4 ? inlen * 4 : inlen);
	if (want < 4096)
		want = 4096;
	if (want <= used)
		want = used <= SIZE_MAX / 2 ? used * 2 : SIZE_MAX;
	if (want > max)
		want = max;
	p = tprof_realloc(*buf, want);
	if (!p)
		return TRIAGE_ENOMEM;
	*buf = p;
	*cap = want;
	return 0;
}

/* Inflates every member; returns a zlib code or a TRIAGE_E* code. */
static int gunzip_run(z_stream *zs, const uint8_t *in, size_t len, size_t max,
		      uint8_t **buf, size_t *cap, size_t *used)
{
	size_t in_done = 0;
	int rc, err;

	for (;;) {
		err = gunzip_room(buf, cap, *used, max, len);
		if (err)
			return err;
		zs->next_in = (Bytef *)(uintptr_t)(in + in_done);
		zs->avail_in = zfeed(len - in_done);
		zs->next_out = *buf + *used;
		zs->avail_out = zfeed(*cap - *used);
		rc = inflate(zs, Z_NO_FLUSH);
		in_done = (size_t)(zs->next_in - in);
		*used = (size_t)(zs->next_out - *buf);
		if (*used > max)
			return TRIAGE_EFORMAT;

		if (rc == Z_STREAM_END) {
			if (in_done == len)
				return Z_STREAM_END;
			/* Another member may follow, as in `cat a.gz b.gz`. */
			if (!tprof_is_gzip(in + in_done, len - in_done))
				return GZ_TRAILING;
			if (inflateReset(zs) != Z_OK)
				return Z_STREAM_ERROR;
			continue;
		}
		if (rc == Z_BUF_ERROR && in_done == len)
			return Z_BUF_ERROR; /* input ended mid-stream */
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			return rc;
	}
}

int tprof_gunzip(const uint8_t *in, size_t len, size_t max, uint8_t **out,
		 size_t *outlen, char *err, size_t errlen)
{
	z_stream zs = {.zalloc = gz_alloc, .zfree = gz_free};
	uint8_t *buf = NULL;
	size_t cap = 0, used = 0;
	char why[160];
	int rc;

	*out = NULL;
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return gz_error(err, errlen, TRIAGE_ENOMEM, "out of memory");
	rc = gunzip_run(&zs, in, len, max, &buf, &cap, &used);
	if (rc == Z_STREAM_END) {
		inflateEnd(&zs);
		*out = buf;
		*outlen = used;
		return 0;
	}

	if (rc == TRIAGE_EFORMAT)
		snprintf(why, sizeof(why),
			 "gzip data expands past the limit of %zu bytes", max);
	else if (rc == TRIAGE_ENOMEM || rc == Z_MEM_ERROR)
		snprintf(why, sizeof(why), "out of memory while decompressing");
	else if (rc == Z_BUF_ERROR)
		snprintf(why, sizeof(why), "gzip data is truncated");
	else if (rc == GZ_TRAILING)
		snprintf(why, sizeof(why), "trailing garbage after gzip data");
	else
		snprintf(why, sizeof(why), "gzip data is corrupt (%s)",
			 zs.msg ? zs.msg : "bad stream");
	inflateEnd(&zs);
	tprof_mfree(buf);
	return gz_error(err, errlen,
			rc == TRIAGE_ENOMEM || rc == Z_MEM_ERROR
			    ? TRIAGE_ENOMEM
			    : TRIAGE_EFORMAT,
			why);
}
