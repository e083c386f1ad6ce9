/*
 * fuzz_log_escape.c - the logger's JSON string escaper on any bytes: the
 * output is valid UTF-8 with no raw control byte, quote or lone
 * backslash, so it is a valid JSON string body; decoding it gives back
 * the input where the input is valid UTF-8, and U+FFFD for each byte
 * that is not. The raw writer (whole lines) and the chunked one (the
 * content) must agree, and the plain mode must keep lines single.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logger.h"

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

/* Decodes a JSON string body (the escaper emits only \u00XX forms);
 * traps on anything a JSON parser would reject. */
static size_t decode(const char *p, size_t n, char *out)
{
	size_t i, k = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 || c == '"')
			__builtin_trap();
		if (c != '\\') {
			out[k++] = (char)c;
			continue;
		}
		if (++i >= n)
			__builtin_trap();
		switch (p[i]) {
		case '"':
		case '\\':
		case '/':
			out[k++] = p[i];
			break;
		case 'b':
			out[k++] = '\b';
			break;
		case 'f':
			out[k++] = '\f';
			break;
		case 'n':
			out[k++] = '\n';
			break;
		case 'r':
			out[k++] = '\r';
			break;
		case 't':
			out[k++] = '\t';
			break;
		case 'u':
			if (i + 4 >= n || p[i + 1] != '0' || p[i + 2] != '0')
				__builtin_trap();
			hi = hexval(p[i + 3]);
			lo = hexval(p[i + 4]);
			if (hi < 0 || lo < 0 || hi > 1)
				__builtin_trap();
			out[k++] = (char)(hi << 4 | lo);
			i += 4;
			break;
		default:
			__builtin_trap();
		}
	}
	return k;
}

/* The input with each byte of invalid UTF-8 replaced, as the escaper
 * must have done it; uses the same rules written another way. */
static size_t expected(const uint8_t *p, size_t n, char *out)
{
	size_t i = 0, k = 0, len, j;

	while (i < n) {
		uint8_t c = p[i];
		uint32_t cp;

		len = c < 0x80		   ? 1
		      : (c & 0xe0) == 0xc0 ? 2
		      : (c & 0xf0) == 0xe0 ? 3
		      : (c & 0xf8) == 0xf0 ? 4
					   : 0;
		cp = len == 1	? c
		     : len == 2 ? c & 0x1f
		     : len == 3 ? c & 0x0f
				: c & 0x07;
		for (j = 1; len > 1 && j < len; j++) {
			if (i + j >= n || (p[i + j] & 0xc0) != 0x80) {
				len = 0;
				break;
			}
			cp = cp << 6 | (p[i + j] & 0x3f);
		}
		if (len > 1 &&
		    ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		     (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		     (cp >= 0xd800 && cp <= 0xdfff)))
			len = 0;
		if (len == 0) {
			memcpy(out + k, "\xef\xbf\xbd", 3);
			k += 3;
			i++;
		} else {
			memcpy(out + k, p + i, len);
			k += len;
			i += len;
		}
	}
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lg_out o = {.grow = lg_heap_grow};
	char *raw = malloc(size * 6 + 8), *dec = malloc(size * 3 + 1);
	char *want = malloc(size * 3 + 1);
	size_t n, rn, wn;

	if (!raw || !dec || !want)
		goto out;
	lg_escape(&o, (const char *)data, size, LG_ESC_JSON);
	if (o.failed)
		goto out;
	rn = (size_t)(lg_esc_raw(raw, (const char *)data, size, LG_ESC_JSON) -
		      raw);
	if (rn != o.len || (rn && memcmp(raw, o.p, rn)))
		__builtin_trap();

	n = o.len ? decode(o.p, o.len, dec) : 0;
	wn = expected(data, size, want);
	if (n != wn || (n && memcmp(dec, want, n)))
		__builtin_trap();

	o.len = 0;
	lg_escape(&o, (const char *)data, size, LG_ESC_PLAIN);
	if (!o.failed && o.len && memchr(o.p, '\n', o.len))
		__builtin_trap();
out:
	free(o.p);
	free(raw);
	free(dec);
	free(want);
	return 0;
}
