/*
 * otlp_headers.c - what the exporter adds to its requests from the
 * environment: headers (OTEL_EXPORTER_OTLP_HEADERS' format) and a gzip
 * body.
 */
#include "otlp_headers.h"

#include "triage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* RFC 9110's token characters: what a header name may hold. */
static bool tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

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

static void trim(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

/* Appends "name: value" (value percent-decoded) to `line`; false when
 * the pair is malformed or would smuggle in a line break. */
static bool header_line(const char *k, size_t kn, const char *v, size_t vn,
			char *line, size_t size)
{
	size_t i, o;

	if (kn == 0 || kn + vn + 3 > size)
		return false;
	for (i = 0; i < kn; i++)
		if (!tchar(k[i]))
			return false;
	memcpy(line, k, kn);
	memcpy(line + kn, ": ", 2);
	o = kn + 2;
	for (i = 0; i < vn; i++) {
		int c = (unsigned char)v[i];

		if (c == '%') {
			if (i + 2 >= vn || hexval(v[i + 1]) < 0 ||
			    hexval(v[i + 2]) < 0)
				return false;
			c = hexval(v[i + 1]) << 4 | hexval(v[i + 2]);
			i += 2;
		}
		if (c == '\r' || c == '\n' || c == '\0')
			return false;
		line[o++] = (char)c;
	}
	line[o] = '\0';
	return true;
}

int otlp_parse_headers(const char *spec, struct curl_slist **out)
{
	struct curl_slist *list = NULL, *l;
	char line[1024];
	const char *p = spec;

	*out = NULL;
	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p), kn, vn;
		const char *eq = memchr(p, '=', n), *k = p, *v;
		const char *m = p;
		size_t mn = n;

		trim(&m, &mn);
		if (mn == 0) { /* an empty member, e.g. after a last comma */
			p = comma ? comma + 1 : NULL;
			continue;
		}
		if (!eq)
			goto bad;
		kn = (size_t)(eq - p);
		v = eq + 1;
		vn = n - kn - 1;
		trim(&k, &kn);
		trim(&v, &vn);
		if (!header_line(k, kn, v, vn, line, sizeof(line)))
			goto bad;
		l = curl_slist_append(list, line);
		if (!l)
			goto bad;
		list = l;
		p = comma ? comma + 1 : NULL;
	}
	*out = list;
	return 0;
bad:
	curl_slist_free_all(list);
	return TRIAGE_EFORMAT;
}

int otlp_gzip(const uint8_t *in, size_t n, uint8_t **out, size_t *outlen)
{
	z_stream z;
	uLong bound;
	int rc;

	memset(&z, 0, sizeof(z));
	/* 16 + 15: a gzip wrapper around a 32 KiB window. */
	if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 16 + 15, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return TRIAGE_ENOMEM;
	bound = deflateBound(&z, (uLong)n);
	*out = malloc(bound);
	if (!*out) {
		deflateEnd(&z);
		return TRIAGE_ENOMEM;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)n;
	z.next_out = *out;
	z.avail_out = (uInt)bound;
	rc = deflate(&z, Z_FINISH);
	*outlen = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(*out);
		*out = NULL;
		return TRIAGE_ENOMEM;
	}
	return 0;
}
