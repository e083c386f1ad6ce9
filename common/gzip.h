/*
 * gzip.h - gzip compression of encoded profiles and bounded
 * decompression of received ones (internal).
 */
#ifndef TRIAGE_GZIP_H
#define TRIAGE_GZIP_H

#include <stddef.h>
#include <stdint.h>

/* True when `buf` starts with the gzip magic bytes 1f 8b. */
int tprof_is_gzip(const uint8_t *buf, size_t len);

/*
 * Compresses `len` bytes into a gzip member (with a real gzip header) at
 * zlib `level`. `*out` is malloc'd. 0 or TRIAGE_ENOMEM.
 */
int tprof_gzip(const uint8_t *in, size_t len, int level, uint8_t **out,
	       size_t *outlen);

/*
 * Decompresses gzip data (one member or several concatenated) into a
 * malloc'd `*out`, refusing to produce more than `max` bytes. Returns 0,
 * or TRIAGE_EFORMAT / TRIAGE_ENOMEM with a one-line reason in `err`.
 */
int tprof_gunzip(const uint8_t *in, size_t len, size_t max, uint8_t **out,
		 size_t *outlen, char *err, size_t errlen);

#endif /* TRIAGE_GZIP_H */
