/*
 * logger_format.c - the bytes of a log line: JSON string escaping,
 * integers, doubles, hex and the timestamp.
 *
 * These run on every line, so each avoids the general tools where a
 * narrow one does: a table decides per byte whether it needs escaping,
 * integers come out two digits at a time, and the timestamp's date part
 * is made once a second.
 */
#include "logger.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static const char hex_digits[] = "0123456789abcdef";

bool lg_reserve_slow(struct lg_out *o, size_t need)
{
	if (!o->failed && o->grow(o, need))
		return true;
	o->failed = true;
	o->cap = o->len;
	return false;
}

bool lg_heap_grow(struct lg_out *o, size_t need)
{
	size_t cap = (o->len + need) * 2;
	char *p = realloc(o->p, cap);

	if (!p)
		return false;
	o->p = p;
	o->cap = cap;
	return true;
}

/*
 * The length of the valid UTF-8 sequence at p (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0 when invalid.
 */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n, i;
	unsigned lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static char *escape_byte(char *d, unsigned c)
{
	static const char short_form[32] = {['\b'] = 'b',
					    ['\f'] = 'f',
					    ['\n'] = 'n',
					    ['\r'] = 'r',
					    ['\t'] = 't'};

	*d++ = '\\';
	if (c == '"' || c == '\\') {
		*d++ = (char)c;
	} else if (short_form[c]) {
		*d++ = short_form[c];
	} else {
		memcpy(d, "u00", 3);
		d[3] = hex_digits[c >> 4];
		d[4] = hex_digits[c & 15];
		d += 5;
	}
	return d;
}

/* A chunk at a time, so that a long string never asks for six times
 * its size at once (the worst case, all \u00XX). */
#define ESC_CHUNK 1024

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* One flag bit (0x80 of its byte) for each of 8 bytes that is a control
 * byte, '"', '\\' or >= 0x80; the lowest flag is exact (borrows only
 * carry upwards, so a flag above a real one may be false). */
static inline uint64_t word_special(uint64_t x)
{
	uint64_t ctl = (x - ONES * 0x20) & ~x;
	uint64_t q = x ^ (ONES * '"'), b = x ^ (ONES * '\\');

	return (ctl | ((q - ONES) & ~q) | ((b - ONES) & ~b) | x) & HIGHS;
}

char *lg_esc_raw(char *d, const char *s, size_t n, enum lg_escape_mode mode)
{
	const uint8_t *cls = lg_esc_class[mode];
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	while (p < end) {
		unsigned c = *p;
		size_t len;

		if (cls[c] == 0) {
			*d++ = (char)c;
			p++;
		} else if (cls[c] == 1) {
			d = escape_byte(d, c);
			p++;
		} else if ((len = utf8_len(p, end)) != 0) {
			memcpy(d, p, len);
			d += len;
			p += len;
		} else {
			memcpy(d, "\xef\xbf\xbd", 3);
			d += 3;
			p++;
		}
	}
	return d;
}

const uint8_t lg_esc_class[2][256] = {
    [LG_ESC_JSON] =
	{[0 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xff] = 2},
    [LG_ESC_PLAIN] = {[0 ... 0x1f] = 1, [0x80 ... 0xff] = 2},
};

/* Whether s[0..n) needs no escaping: eight bytes at a time, the last
 * word overlapping the one before, never reading past the string. */
bool lg_clean_long(const unsigned char *p, size_t n)
{
	uint64_t w, f = 0;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		__builtin_memcpy(&w, p + i, 8);
		f |= word_special(w);
	}
	__builtin_memcpy(&w, p + n - 8, 8);
	return (f | word_special(w)) == 0;
}

/* A chunk at a time, so that a long string never asks for six times its
 * size at once. A UTF-8 sequence is never cut: a chunk ends at most
 * three bytes late. */
void lg_escape_slow(struct lg_out *o, const char *s, size_t n,
		    enum lg_escape_mode mode)
{
	size_t done = 0, chunk;
	char *d;

	while (done < n) {
		chunk = n - done < ESC_CHUNK ? n - done : ESC_CHUNK;
		while (done + chunk < n &&
		       ((unsigned char)s[done + chunk] & 0xc0) == 0x80 &&
		       chunk < ESC_CHUNK + 3)
			chunk++;
		if (!lg_reserve(o, chunk * 6 + 8))
			return;
		d = lg_esc_raw(o->p + o->len, s + done, chunk, mode);
		o->len = (size_t)(d - o->p);
		done += chunk;
	}
}

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

static unsigned digit_count(uint64_t v)
{
	unsigned n = 1;

	while (v >= 10000) {
		v /= 10000;
		n += 4;
	}
	return n + (v >= 10) + (v >= 100) + (v >= 1000);
}

/* Two digits at a time from the right; 32-bit division once the value
 * fits, as most logged numbers do. */
size_t lg_fmt_u64(char *dst, uint64_t v)
{
	unsigned n, hi, lo;
	char *p;
	uint32_t w;

	/* Statuses, line numbers, small counts: most numbers in logs. */
	if (v < 10) {
		dst[0] = (char)('0' + v);
		return 1;
	}
	if (v < 100) {
		__builtin_memcpy(dst, digit_pairs + 2 * v, 2);
		return 2;
	}
	if (v < 10000) {
		hi = (unsigned)v / 100;
		lo = (unsigned)v % 100;
		n = hi >= 10;
		if (n)
			__builtin_memcpy(dst, digit_pairs + 2 * hi, 2);
		else
			dst[0] = (char)('0' + hi);
		__builtin_memcpy(dst + 1 + n, digit_pairs + 2 * lo, 2);
		return 3 + n;
	}
	n = digit_count(v);
	p = dst + n;

	while (v > UINT32_MAX) {
		unsigned r = (unsigned)(v % 100);

		v /= 100;
		p -= 2;
		__builtin_memcpy(p, digit_pairs + 2 * r, 2);
	}
	w = (uint32_t)v;
	while (w >= 100) {
		unsigned r = w % 100;

		w /= 100;
		p -= 2;
		__builtin_memcpy(p, digit_pairs + 2 * r, 2);
	}
	if (w >= 10)
		__builtin_memcpy(p - 2, digit_pairs + 2 * w, 2);
	else
		p[-1] = (char)('0' + w);
	return n;
}

size_t lg_fmt_i64(char *dst, int64_t v)
{
	if (v >= 0)
		return lg_fmt_u64(dst, (uint64_t)v);
	*dst = '-';
	return 1 + lg_fmt_u64(dst + 1, -(uint64_t)v);
}

/*
 * Most doubles in logs are short decimals (12.5, 0.25, 301.5). For
 * those, the smallest k with m / 10^k == v for an integer m gives the
 * shortest digits that read back exactly, because the division is
 * correctly rounded. Others take printf's %.15g..%.17g, the first that
 * reads back the same.
 */
size_t lg_fmt_double(char *buf, double v)
{
	static const double p10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
	char digits[24];
	size_t n = 0, nd, k, whole;
	int prec;

	if (fabs(v) < 1e12) {
		for (k = 0; k < 7; k++) {
			double x = v * p10[k];
			double m = (double)(int64_t)(x + (x < 0 ? -0.5 : 0.5));

			if (m / p10[k] != v)
				continue;
			if (v < 0 || (v == 0 && signbit(v)))
				buf[n++] = '-';
			nd = lg_fmt_u64(digits, (uint64_t)fabs(m));
			if (k == 0) {
				lg_copy(buf + n, digits, nd);
				return n + nd;
			}
			/* m = 5, k = 2 is 0.05: zeros where digits lack. */
			whole = nd > k ? nd - k : 0;
			if (whole) {
				lg_copy(buf + n, digits, whole);
				n += whole;
			} else {
				buf[n++] = '0';
			}
			buf[n++] = '.';
			for (; nd < k; k--)
				buf[n++] = '0';
			lg_copy(buf + n, digits + whole, nd - whole);
			return n + nd - whole;
		}
	}
	for (prec = 15; prec <= 17; prec++) {
		int len = snprintf(buf, LG_DOUBLE_MAX, "%.*g", prec, v);

		if (prec == 17 || strtod(buf, NULL) == v)
			return (size_t)len;
	}
	return 0;
}

void lg_put_double(struct lg_out *o, double v)
{
	if (lg_reserve(o, LG_DOUBLE_MAX))
		o->len += lg_fmt_double(o->p + o->len, v);
}

static const char hex_pairs[513] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

char *lg_hex_raw(char *d, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		__builtin_memcpy(d + 2 * i, hex_pairs + 2 * b[i], 2);
	return d + 2 * n;
}

void lg_put_hex(struct lg_out *o, const uint8_t *b, size_t n)
{
	if (lg_reserve(o, 2 * n))
		o->len = (size_t)(lg_hex_raw(o->p + o->len, b, n) - o->p);
}

static void two(char *d, unsigned v)
{
	memcpy(d, digit_pairs + 2 * (v % 100), 2);
}

/* The date part and the zone of a new second. */
static void stamp_second(struct lg_stamp *c, time_t sec)
{
	struct tm tm;
	long off;
	char *z = c->zone;

	localtime_r(&sec, &tm);
	two(c->date, (unsigned)(tm.tm_year + 1900) / 100);
	two(c->date + 2, (unsigned)(tm.tm_year + 1900));
	c->date[4] = '-';
	two(c->date + 5, (unsigned)tm.tm_mon + 1);
	c->date[7] = '-';
	two(c->date + 8, (unsigned)tm.tm_mday);
	c->date[10] = 'T';
	two(c->date + 11, (unsigned)tm.tm_hour);
	c->date[13] = ':';
	two(c->date + 14, (unsigned)tm.tm_min);
	c->date[16] = ':';
	two(c->date + 17, (unsigned)tm.tm_sec);

	off = tm.tm_gmtoff / 60;
	if (off == 0) {
		*z++ = 'Z';
	} else {
		*z++ = off < 0 ? '-' : '+';
		off = off < 0 ? -off : off;
		two(z, (unsigned)(off / 60));
		z[2] = ':';
		two(z + 3, (unsigned)(off % 60));
		z += 5;
	}
	c->zone_len = (uint8_t)(z - c->zone);
	c->sec = sec;
}

char *lg_time_raw(char *d, struct lg_stamp *c, const struct timespec *ts)
{
	unsigned ms = (unsigned)(ts->tv_nsec / 1000000);

	if (ts->tv_sec != c->sec || !c->zone_len)
		stamp_second(c, ts->tv_sec);
	memcpy(d, c->date, 19);
	d[19] = '.';
	d[20] = (char)('0' + ms / 100);
	two(d + 21, ms);
	memcpy(d + 23, c->zone, sizeof(c->zone));
	return d + 23 + c->zone_len;
}

void lg_put_time(struct lg_out *o, struct lg_stamp *c,
		 const struct timespec *ts)
{
	if (lg_reserve(o, LG_TIME_MAX))
		o->len = (size_t)(lg_time_raw(o->p + o->len, c, ts) - o->p);
}
