/*
 * tracecontext.c - W3C traceparent and tracestate (see tracecontext.h).
 *
 * Both parsers read at most their input's length and never allocate, so
 * a server can run them on every request's headers.
 */
#include "tracecontext.h"

#include "options.h"

#include <string.h>

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1; /* upper case too: the spec allows lower case only */
}

/* Reads 2*n lowercase hex digits into out[0..n). */
static bool hex_bytes(const char *s, uint8_t *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

bool tctx_valid(const struct triage_span_context *ctx)
{
	return !all_zero(ctx->trace_id, sizeof(ctx->trace_id)) &&
	       !all_zero(ctx->span_id, sizeof(ctx->span_id));
}

static bool ows(char c)
{
	return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *len)
{
	while (*len && ows(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && ows((*s)[*len - 1]))
		(*len)--;
}

/*
 * Version 00 is exactly 55 characters. A higher version is read as far
 * as 00 defines it: the flags must end the value or be followed by '-',
 * and whatever follows is not ours to read.
 */
int tctx_parse_traceparent(const char *v, size_t len,
			   struct triage_span_context *out)
{
	struct triage_span_context c;
	uint8_t version, flags;

	trim(&v, &len);
	if (len < 3 || v[2] != '-' || !hex_bytes(v, &version, 1))
		return TRIAGE_EFORMAT;
	if (version == 0xff || len < TCTX_TRACEPARENT_LEN)
		return TRIAGE_EFORMAT;
	if (version == 0 && len != TCTX_TRACEPARENT_LEN)
		return TRIAGE_EFORMAT;
	if (len > TCTX_TRACEPARENT_LEN && v[TCTX_TRACEPARENT_LEN] != '-')
		return TRIAGE_EFORMAT;
	if (v[35] != '-' || v[52] != '-')
		return TRIAGE_EFORMAT;
	if (!hex_bytes(v + 3, c.trace_id, 16) ||
	    !hex_bytes(v + 36, c.span_id, 8) || !hex_bytes(v + 53, &flags, 1))
		return TRIAGE_EFORMAT;
	if (!tctx_valid(&c))
		return TRIAGE_EFORMAT;

	/* Only the flags this version defines are kept. */
	c.flags = flags & TCTX_FLAG_SAMPLED;
	*out = c;
	return 0;
}

TRIAGE_API int triage_traceparent_parse(const char *value,
					struct triage_span_context *out)
{
	if (!value || !out)
		return TRIAGE_EINVAL;
	return tctx_parse_traceparent(value, strlen(value), out);
}

TRIAGE_API int triage_traceparent_format(const struct triage_span_context *ctx,
					 char out[56])
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;
	size_t i;

	if (!ctx || !out || !tctx_valid(ctx))
		return TRIAGE_EINVAL;
	*p++ = '0';
	*p++ = '0';
	*p++ = '-';
	for (i = 0; i < 16; i++) {
		*p++ = hex[ctx->trace_id[i] >> 4];
		*p++ = hex[ctx->trace_id[i] & 15];
	}
	*p++ = '-';
	for (i = 0; i < 8; i++) {
		*p++ = hex[ctx->span_id[i] >> 4];
		*p++ = hex[ctx->span_id[i] & 15];
	}
	*p++ = '-';
	*p++ = '0';
	*p++ = hex[ctx->flags & TCTX_FLAG_SAMPLED];
	*p = '\0';
	return 0;
}

/* --- tracestate --- */

static bool key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '-' || c == '*' || c == '/';
}

static bool key_part(const char *s, size_t n, size_t max, bool digit_first)
{
	size_t i;

	if (n == 0 || n > max)
		return false;
	if (!(s[0] >= 'a' && s[0] <= 'z') &&
	    !(digit_first && s[0] >= '0' && s[0] <= '9'))
		return false;
	for (i = 1; i < n; i++)
		if (!key_char(s[i]))
			return false;
	return true;
}

/* A simple key, or tenant@system (tenant up to 241 characters, system
 * up to 14 and starting with a letter). */
static bool valid_key(const char *k, size_t n)
{
	const char *at = memchr(k, '@', n);
	size_t t;

	if (!at)
		return key_part(k, n, TSTATE_MAX_KEY, true);
	t = (size_t)(at - k);
	return key_part(k, t, 241, true) &&
	       key_part(at + 1, n - t - 1, 14, false);
}

/* Printable ASCII but ',' and '='; the caller has trimmed the trailing
 * optional whitespace, so the last character is not a space. */
static bool valid_value(const char *v, size_t n)
{
	size_t i;

	if (n == 0 || n > TSTATE_MAX_VALUE)
		return false;
	for (i = 0; i < n; i++)
		if (v[i] < 0x20 || v[i] > 0x7e || v[i] == ',' || v[i] == '=')
			return false;
	return true;
}

struct tstate_member {
	const char *p; /* "key=value" */
	size_t len, keylen;
	bool kept;
};

/* Splits and checks; fills m[] with the non-empty members. */
static int tstate_split(const char *s, size_t len, struct tstate_member *m,
			size_t *count)
{
	size_t n = 0, i;

	for (;;) {
		const char *comma = memchr(s, ',', len);
		size_t mlen = comma ? (size_t)(comma - s) : len;
		const char *p = s, *eq;
		size_t plen = mlen;

		trim(&p, &plen);
		if (plen) {
			if (n == TSTATE_MAX_MEMBERS)
				return TRIAGE_EFORMAT;
			eq = memchr(p, '=', plen);
			if (!eq || !valid_key(p, (size_t)(eq - p)) ||
			    !valid_value(eq + 1, plen - (size_t)(eq - p) - 1))
				return TRIAGE_EFORMAT;
			m[n].p = p;
			m[n].len = plen;
			m[n].keylen = (size_t)(eq - p);
			m[n].kept = true;
			for (i = 0; i < n; i++)
				if (m[i].keylen == m[n].keylen &&
				    !memcmp(m[i].p, p, m[n].keylen))
					return TRIAGE_EFORMAT;
			n++;
		}
		if (!comma)
			break;
		len -= mlen + 1;
		s = comma + 1;
	}
	*count = n;
	return 0;
}

static size_t joined_len(const struct tstate_member *m, size_t n)
{
	size_t total = 0, kept = 0, i;

	for (i = 0; i < n; i++)
		if (m[i].kept) {
			total += m[i].len;
			kept++;
		}
	return kept ? total + kept - 1 : 0;
}

/* Drops whole members until the list fits in TSTATE_KEEP characters:
 * the rightmost one over 128 characters, else the rightmost one. */
static void tstate_truncate(struct tstate_member *m, size_t n)
{
	while (joined_len(m, n) > TSTATE_KEEP) {
		size_t i, victim = n;

		for (i = n; i-- > 0;)
			if (m[i].kept && m[i].len > 128) {
				victim = i;
				break;
			}
		if (victim == n)
			for (i = n; i-- > 0;)
				if (m[i].kept) {
					victim = i;
					break;
				}
		m[victim].kept = false;
	}
}

int tstate_parse(const char *value, size_t len, char out[TSTATE_KEEP + 1])
{
	struct tstate_member m[TSTATE_MAX_MEMBERS];
	size_t n = 0, i, o = 0;
	int err;

	out[0] = '\0';
	err = tstate_split(value, len, m, &n);
	if (err)
		return err;
	tstate_truncate(m, n);
	for (i = 0; i < n; i++) {
		if (!m[i].kept)
			continue;
		if (o)
			out[o++] = ',';
		memcpy(out + o, m[i].p, m[i].len);
		o += m[i].len;
	}
	out[o] = '\0';
	return 0;
}
