/*
 * line.c - the scanner for one JSON log line.
 *
 * One pass over the bytes, no allocation: it validates the whole object
 * (so a line of garbage is counted, not half-read) and records where the
 * top-level members that `triage logs` needs stand. Every line of a
 * multi-gigabyte file goes through here, which is why it is not a
 * general JSON parser building a tree.
 */
#include "logs.h"

#include <stdint.h>
#include <string.h>

struct scan {
	const char *p, *end;
};

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
				 *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Bytes of `w` that are zero (high bit set in each such byte; exact for
 * the lowest one, which is all plain_run() looks at). */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
static uint64_t zero_bytes(uint64_t w)
{
	return (w - ONES) & ~w & HIGHS;
}

/*
 * Skips the bytes of a string that need no attention (anything but a
 * quote, a backslash or a control character), eight at a time: strings
 * are most of a log line, and this loop is most of the command's time.
 */
static const char *plain_run(const char *p, const char *end)
{
	uint64_t w, hit;

	while (end - p >= 8) {
		memcpy(&w, p, 8);
		hit = zero_bytes(w ^ (ONES * '"')) |
		      zero_bytes(w ^ (ONES * '\\')) |
		      ((w - ONES * 0x20) & ~w & HIGHS);
		if (hit) {
			if (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
				return p + (__builtin_ctzll(hit) >> 3);
			break;
		}
		p += 8;
	}
	while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
		p++;
	return p;
}

/*
 * A string, the opening quote already read: what lies between the
 * quotes, or .p == NULL when it is not a valid JSON string. Returned by
 * value (two registers) rather than through a pointer, so that the
 * caller's copies do not read back fields just written one by one.
 */
static struct logs_str scan_string(struct scan *s)
{
	struct logs_str out = {NULL, 0, false};
	const char *p = s->p;
	bool escaped = false;
	int i;

	for (;;) {
		p = plain_run(p, s->end);
		if (p >= s->end || (unsigned char)*p < 0x20)
			return out;
		if (*p == '"')
			break;
		escaped = true;
		if (++p >= s->end)
			return out;
		if (*p == 'u') {
			if (s->end - p < 5)
				return out;
			for (i = 1; i <= 4; i++)
				if (hexval((unsigned char)p[i]) < 0)
					return out;
			p += 5;
		} else if (*p && strchr("\"\\/bfnrt", *p)) {
			p++;
		} else {
			return out;
		}
	}
	out.p = s->p;
	out.n = (uint32_t)(p - s->p);
	out.escaped = escaped;
	s->p = p + 1;
	return out;
}

static bool is_digit(const struct scan *s)
{
	return s->p < s->end && *s->p >= '0' && *s->p <= '9';
}

/* A number as JSON writes it: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)? */
static int scan_number(struct scan *s)
{
	if (s->p < s->end && *s->p == '-')
		s->p++;
	if (!is_digit(s))
		return -1;
	if (*s->p++ != '0')
		while (is_digit(s))
			s->p++;
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (!is_digit(s))
			return -1;
		while (is_digit(s))
			s->p++;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (!is_digit(s))
			return -1;
		while (is_digit(s))
			s->p++;
	}
	return 0;
}

static int scan_word(struct scan *s, const char *w, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n))
		return -1;
	s->p += n;
	return 0;
}

static int scan_value(struct scan *s, int nesting);

/* An object or array, its opening bracket already read. */
static int scan_container(struct scan *s, char close, int nesting)
{
	if (nesting > LOGS_NESTING_MAX)
		return -1;
	skip_ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		return 0;
	}
	for (;;) {
		if (close == '}') {
			if (s->p >= s->end || *s->p++ != '"' ||
			    !scan_string(s).p)
				return -1;
			skip_ws(s);
			if (s->p >= s->end || *s->p++ != ':')
				return -1;
		}
		if (scan_value(s, nesting + 1))
			return -1;
		skip_ws(s);
		if (s->p >= s->end)
			return -1;
		if (*s->p == close) {
			s->p++;
			return 0;
		}
		if (*s->p++ != ',')
			return -1;
		skip_ws(s);
	}
}

/* Any value; `nesting` is how many containers hold it. */
static int scan_value(struct scan *s, int nesting)
{
	skip_ws(s);
	if (s->p >= s->end)
		return -1;
	switch (*s->p) {
	case '"':
		s->p++;
		return scan_string(s).p ? 0 : -1;
	case '{':
		s->p++;
		return scan_container(s, '}', nesting);
	case '[':
		s->p++;
		return scan_container(s, ']', nesting);
	case 't':
		return scan_word(s, "true", 4);
	case 'f':
		return scan_word(s, "false", 5);
	case 'n':
		return scan_word(s, "null", 4);
	default:
		return scan_number(s);
	}
}

bool logs_str_is(const struct logs_str *s, const char *lit)
{
	size_t n = strlen(lit);

	return s->p && s->n == n && !memcmp(s->p, lit, n);
}

/* Key `k` is the literal `lit`: a length test first, then a memcmp of
 * a constant size, which the compiler turns into a few compares. Every
 * key of every line goes through here. */
#define KEY_IS(k, lit)                                                         \
	((k)->n == sizeof(lit) - 1 && !memcmp((k)->p, lit, sizeof(lit) - 1))

/* The member of `l` that key `k` names, or NULL if it is a user field. */
static struct logs_str *standard_slot(struct logs_line *l,
				      const struct logs_str *k)
{
	if (k->escaped)
		return NULL;
	switch (k->n) {
	case 4:
		return KEY_IS(k, "span") ? &l->span : NULL;
	case 5:
		return KEY_IS(k, "level")   ? &l->level
		       : KEY_IS(k, "trace") ? &l->trace
					    : NULL;
	case 6:
		return KEY_IS(k, "parent")   ? &l->parent
		       : KEY_IS(k, "caller") ? &l->caller
					     : NULL;
	case 7:
		return KEY_IS(k, "content")   ? &l->content
		       : KEY_IS(k, "service") ? &l->service
					      : NULL;
	case 10:
		return KEY_IS(k, "@timestamp") ? &l->timestamp : NULL;
	default:
		return NULL;
	}
}

/* An "error" member marks the line unless it says there is none:
 * false, null or "". */
static bool error_value_set(const struct logs_field *f)
{
	if (f->is_str)
		return f->val.n > 0;
	return !(f->val.n == 5 && !memcmp(f->val.p, "false", 5)) &&
	       !(f->val.n == 4 && !memcmp(f->val.p, "null", 4));
}

/* The fields of a "span end" line that the span table reads, which are
 * also shown as user fields. */
static void note_span_field(struct logs_line *l, const struct logs_field *f)
{
	struct logs_str *slot = NULL;

	if (KEY_IS(&f->key, "error")) {
		l->has_error = l->has_error || error_value_set(f);
		slot = f->is_str ? &l->error : NULL;
	} else if (f->is_str && KEY_IS(&f->key, "span_name")) {
		slot = &l->span_name;
	} else if (f->is_str && KEY_IS(&f->key, "kind")) {
		slot = &l->kind;
	} else if (f->is_str && KEY_IS(&f->key, "duration")) {
		slot = &l->duration;
	}
	if (slot && !slot->p)
		*slot = f->val;
}

/* A top-level member whose key has been read: stores where it stands. */
static int scan_member(struct scan *s, struct logs_line *l, struct logs_str key)
{
	struct logs_str *slot = standard_slot(l, &key);
	struct logs_field f = {.key = key};
	const char *start;

	skip_ws(s);
	if (s->p < s->end && *s->p == '"') {
		s->p++;
		f.val = scan_string(s);
		if (!f.val.p)
			return -1;
		f.is_str = true;
	} else {
		start = s->p;
		if (scan_value(s, 1))
			return -1;
		f.val.p = start;
		f.val.n = (uint32_t)(s->p - start);
	}
	if (slot) {
		/* A standard key holds a string; any other value is kept
		 * out of the way, as if the key were absent. */
		if (f.is_str && !slot->p)
			*slot = f.val;
		return 0;
	}
	note_span_field(l, &f);
	if (l->nfields < LOGS_FIELDS_MAX)
		l->fields[l->nfields++] = f;
	else
		l->fields_dropped++;
	return 0;
}

int logs_line_parse(const char *text, size_t n, struct logs_line *l)
{
	struct scan s = {text, text + n};
	struct logs_str key;

	memset(l, 0, offsetof(struct logs_line, fields));
	l->nfields = l->fields_dropped = 0;
	skip_ws(&s);
	if (s.p >= s.end || *s.p++ != '{')
		return -1;
	skip_ws(&s);
	if (s.p < s.end && *s.p == '}') {
		s.p++;
		goto tail;
	}
	for (;;) {
		if (s.p >= s.end || *s.p++ != '"')
			return -1;
		key = scan_string(&s);
		if (!key.p)
			return -1;
		skip_ws(&s);
		if (s.p >= s.end || *s.p++ != ':' || scan_member(&s, l, key))
			return -1;
		skip_ws(&s);
		if (s.p >= s.end)
			return -1;
		if (*s.p == '}') {
			s.p++;
			break;
		}
		if (*s.p++ != ',')
			return -1;
		skip_ws(&s);
	}
tail:
	skip_ws(&s);
	if (s.p != s.end)
		return -1;
	if (l->timestamp.p && !l->timestamp.escaped &&
	    logs_time_parse(l->timestamp.p, l->timestamp.n, &l->time_us) == 0)
		l->has_time = true;
	return 0;
}

bool logs_line_is_error(const struct logs_line *l)
{
	return l->has_error || logs_str_is(&l->level, "error") ||
	       logs_str_is(&l->level, "fatal") ||
	       logs_str_is(&l->level, "severe") ||
	       logs_str_is(&l->level, "alert");
}

/* Appends code point `c` as UTF-8; returns the bytes written (0 when it
 * does not fit). */
static size_t put_utf8(char *o, size_t room, unsigned c)
{
	if (c < 0x80 && room >= 1) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800 && room >= 2) {
		o[0] = (char)(0xc0 | c >> 6);
		o[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c >= 0x800 && c < 0x10000 && room >= 3) {
		o[0] = (char)(0xe0 | c >> 12);
		o[1] = (char)(0x80 | (c >> 6 & 0x3f));
		o[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	if (c >= 0x10000 && room >= 4) {
		o[0] = (char)(0xf0 | c >> 18);
		o[1] = (char)(0x80 | (c >> 12 & 0x3f));
		o[2] = (char)(0x80 | (c >> 6 & 0x3f));
		o[3] = (char)(0x80 | (c & 0x3f));
		return 4;
	}
	return 0;
}

static unsigned hex4(const char *p)
{
	return (unsigned)(hexval((unsigned char)p[0]) << 12 |
			  hexval((unsigned char)p[1]) << 8 |
			  hexval((unsigned char)p[2]) << 4 |
			  hexval((unsigned char)p[3]));
}

/* One escape at p[0] == '\\' (validated by the scanner): the code point
 * it stands for, advancing *used past it. */
static unsigned unescape(const char *p, const char *end, size_t *used)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	unsigned c, lo;

	if (p[1] != 'u') {
		*used = 2;
		return (unsigned char)to[strchr(from, p[1]) - from];
	}
	c = hex4(p + 2);
	*used = 6;
	if (c >= 0xd800 && c < 0xdc00 && end - p >= 12 && p[6] == '\\' &&
	    p[7] == 'u') {
		lo = hex4(p + 8);
		if (lo >= 0xdc00 && lo < 0xe000) {
			*used = 12;
			return 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
		}
	}
	if (c >= 0xd800 && c < 0xe000)
		return 0xfffd; /* a lone surrogate */
	return c;
}

/* How a control character is shown: \n, \t, \r or \u00XX. */
static size_t put_control(char *o, size_t room, unsigned c)
{
	static const char hex[] = "0123456789abcdef";
	const char *short_form = c == '\n'   ? "\\n"
				 : c == '\t' ? "\\t"
				 : c == '\r' ? "\\r"
					     : NULL;

	if (short_form) {
		if (room < 2)
			return 0;
		memcpy(o, short_form, 2);
		return 2;
	}
	if (room < 6)
		return 0;
	memcpy(o, "\\u00", 4);
	o[4] = hex[c >> 4 & 0xf];
	o[5] = hex[c & 0xf];
	return 6;
}

size_t logs_str_decode(const struct logs_str *s, char *out, size_t cap)
{
	const char *p = s->p, *end = s->p + s->n;
	size_t o = 0, used, w;
	unsigned c;

	if (!cap)
		return 0;
	while (p && p < end) {
		if (*p != '\\') {
			used = 1;
			c = (unsigned char)*p;
			w = 0;
			if (o + 1 < cap) {
				out[o] = *p;
				w = 1;
			}
		} else {
			c = unescape(p, end, &used);
			w = c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)
				? put_control(out + o, cap - 1 - o, c)
				: put_utf8(out + o, cap - 1 - o, c);
		}
		if (!w)
			break;
		o += w;
		p += used;
	}
	out[o] = '\0';
	return o;
}
