/*
 * logger_line.c - a whole log line, as go-zero's JSON or as plain text
 * for a terminal.
 *
 * JSON keys come in a fixed order (the contract `triage logs` reads):
 * @timestamp, level, content, trace, span, caller, service, parent, then
 * the caller's fields in their order. Plain lines read
 * `time LEVEL [trace] content k=v ... caller=dir/file.c:42`.
 */
#include "logger.h"

#include <math.h>
#include <string.h>

/* Padded to 17 bytes, so that a line copies 16 of them in one move. */
static const struct {
	char s[17];
	size_t n;
} level_json[] = {
#define LEVEL(l, name) [l] = {name, sizeof(name) - 1}
    LEVEL(TRIAGE_LOG_DEBUG, "\"level\":\"debug\""),
    LEVEL(TRIAGE_LOG_INFO, "\"level\":\"info\""),
    LEVEL(TRIAGE_LOG_WARN, "\"level\":\"warn\""),
    LEVEL(TRIAGE_LOG_ERROR, "\"level\":\"error\""),
#undef LEVEL
};

const char *lg_caller(const char *file)
{
	const char *p, *last = NULL;

	if (!file)
		return "?";
	for (p = file + strlen(file); p > file; p--) {
		if (p[-1] != '/')
			continue;
		if (last)
			return p;
		last = p;
	}
	return file;
}

/* The caller for plain lines. */
static void put_caller(struct lg_out *o, const struct lg_line *l)
{
	const char *c = lg_caller(l->file);
	char num[24];

	lg_escape(o, c, strlen(c), LG_ESC_JSON);
	LG_PUT_LIT(o, ":");
	lg_put(o, num, lg_fmt_i64(num, l->line));
}

static void put_nonfinite(struct lg_out *o, double d)
{
	if (isnan(d))
		LG_PUT_LIT(o, "\"NaN\"");
	else if (d > 0)
		LG_PUT_LIT(o, "\"+Inf\"");
	else
		LG_PUT_LIT(o, "\"-Inf\"");
}

/* A field's value as JSON. */
static void put_value(struct lg_out *o, const struct triage_log_field *f)
{
	char num[24];

	switch (f->type) {
	case TRIAGE_LOG_STR:
		if (!f->v.s) {
			LG_PUT_LIT(o, "null");
			return;
		}
		LG_PUT_LIT(o, "\"");
		lg_escape(o, f->v.s, strlen(f->v.s), LG_ESC_JSON);
		LG_PUT_LIT(o, "\"");
		return;
	case TRIAGE_LOG_INT:
		lg_put(o, num, lg_fmt_i64(num, f->v.i));
		return;
	case TRIAGE_LOG_UINT:
		lg_put(o, num, lg_fmt_u64(num, f->v.u));
		return;
	case TRIAGE_LOG_DOUBLE:
		if (isfinite(f->v.d))
			lg_put_double(o, f->v.d);
		else
			put_nonfinite(o, f->v.d);
		return;
	case TRIAGE_LOG_BOOL:
		if (f->v.b)
			LG_PUT_LIT(o, "true");
		else
			LG_PUT_LIT(o, "false");
		return;
	}
	LG_PUT_LIT(o, "null");
}

#define RAW_LIT(d, lit)                                                        \
	do {                                                                   \
		__builtin_memcpy((d), (lit), sizeof(lit) - 1);                 \
		(d) += sizeof(lit) - 1;                                        \
	} while (0)

/* A string at d, escaped when it must be; room for 6 * n bytes. */
static char *esc_raw(char *d, const char *s, size_t n)
{
	if (n < 8 || !lg_clean_long((const unsigned char *)s, n)) {
		if (n >= 8)
			return lg_esc_raw(d, s, n, LG_ESC_JSON);
		for (size_t i = 0; i < n; i++)
			if (lg_esc_class[LG_ESC_JSON][(unsigned char)s[i]])
				return lg_esc_raw(d, s, n, LG_ESC_JSON);
	}
	lg_copy(d, s, n);
	return d + n;
}

/* A field's value at d, which has room for it escaped. */
static char *value_raw(char *d, const struct triage_log_field *f, size_t n)
{
	switch (f->type) {
	case TRIAGE_LOG_STR:
		if (!f->v.s) {
			RAW_LIT(d, "null");
			return d;
		}
		*d++ = '"';
		d = esc_raw(d, f->v.s, n);
		*d++ = '"';
		return d;
	case TRIAGE_LOG_INT:
		return d + lg_fmt_i64(d, f->v.i);
	case TRIAGE_LOG_UINT:
		return d + lg_fmt_u64(d, f->v.u);
	case TRIAGE_LOG_DOUBLE:
		if (isfinite(f->v.d))
			return d + lg_fmt_double(d, f->v.d);
		if (isnan(f->v.d))
			RAW_LIT(d, "\"NaN\"");
		else if (f->v.d > 0)
			RAW_LIT(d, "\"+Inf\"");
		else
			RAW_LIT(d, "\"-Inf\"");
		return d;
	case TRIAGE_LOG_BOOL:
		if (f->v.b)
			RAW_LIT(d, "true");
		else
			RAW_LIT(d, "false");
		return d;
	}
	RAW_LIT(d, "null");
	return d;
}

/*
 * The fields, each with one check for room: its key and string value
 * escaped at worst, six bytes for one. A field too long for that to be
 * reasonable takes the chunked path instead.
 */
/*
 * Copies a NUL-terminated string of at most `max` bytes that needs no
 * escaping, in one pass with no strlen; NULL when it is longer or needs
 * care (the caller then takes the general path). Keys and most values
 * are short and plain.
 */
static inline char *copy_plain(char *d, const char *s, size_t max)
{
	const uint8_t *cls = lg_esc_class[LG_ESC_JSON];
	size_t i;

	for (i = 0; i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\0')
			return d + i;
		if (cls[c])
			return NULL;
		d[i] = (char)c;
	}
	return NULL;
}

/* One field in general: its key and string value escaped at worst, six
 * bytes for one; a very long one through the chunked escaper. */
static void put_field_json(struct lg_out *o, const struct triage_log_field *f,
			   const char *key)
{
	size_t kn = strlen(key);
	size_t vn = f->type == TRIAGE_LOG_STR && f->v.s ? strlen(f->v.s) : 0;
	char *d;

	if (kn + vn > 4096) {
		LG_PUT_LIT(o, ",\"");
		lg_escape(o, key, kn, LG_ESC_JSON);
		LG_PUT_LIT(o, "\":");
		put_value(o, f);
		return;
	}
	if (!lg_reserve(o, 6 * (kn + vn) + LG_DOUBLE_MAX + 16))
		return;
	d = o->p + o->len;
	RAW_LIT(d, ",\"");
	d = esc_raw(d, key, kn);
	RAW_LIT(d, "\":");
	d = value_raw(d, f, vn);
	o->len = (size_t)(d - o->p);
}

#define SHORT_KEY 32
#define SHORT_VALUE 64

/* The fields: short plain ones in one pass, others in general. */
static void put_fields_json(struct lg_out *o, const struct lg_line *l)
{
	size_t i;
	char *d, *e;

	for (i = 0; i < l->nfields; i++) {
		const struct triage_log_field *f = &l->fields[i];
		const char *key = f->key ? f->key : "";
		bool str = f->type == TRIAGE_LOG_STR && f->v.s;

		if (!lg_reserve(o, SHORT_KEY + SHORT_VALUE + 8))
			return;
		d = o->p + o->len;
		RAW_LIT(d, ",\"");
		if (!(e = copy_plain(d, key, SHORT_KEY)))
			goto general;
		d = e;
		RAW_LIT(d, "\":");
		if (str) {
			*d++ = '"';
			if (!(e = copy_plain(d, f->v.s, SHORT_VALUE)))
				goto general;
			d = e;
			*d++ = '"';
		} else {
			d = value_raw(d, f, 0);
		}
		o->len = (size_t)(d - o->p);
		continue;
	general:
		put_field_json(o, f, key);
	}
}

/* trace, span, caller, service and parent: one check for room. */
/* `","trace":"<hex>","span":"<hex>` of the line's span, made once for
 * each span a thread logs under. */
static const char *span_hex(struct lg_cache *c, const struct span_current *s)
{
	char *d = c->span_hex;

	if (memcmp(&c->span, s, sizeof(*s)) == 0 && c->span_hex[0])
		return c->span_hex;
	RAW_LIT(d, "\",\"trace\":\"");
	d = lg_hex_raw(d, s->ctx.trace_id, 16);
	RAW_LIT(d, "\",\"span\":\"");
	d = lg_hex_raw(d, s->ctx.span_id, 8);
	c->span = *s;
	return c->span_hex;
}

#define SPAN_HEX_LEN (11 + 32 + 10 + 16)
_Static_assert(SPAN_HEX_LEN <= sizeof(((struct lg_cache *)0)->span_hex),
	       "room for the span's hex");

static void put_context_json(struct lg_out *o, const struct lg_config *cfg,
			     struct lg_cache *c, const struct lg_line *l)
{
	static const uint8_t zero[8];
	const char *caller = lg_caller(l->file);
	size_t cn = strlen(caller);
	char *d;

	if (cn > 4096)
		cn = 4096;
	if (!lg_reserve(o, 6 * cn + cfg->service_json_len + 160))
		return;
	d = o->p + o->len;
	if (l->span) {
		memcpy(d, span_hex(c, l->span), SPAN_HEX_LEN);
		d += SPAN_HEX_LEN;
	}
	RAW_LIT(d, "\",\"caller\":\"");
	d = esc_raw(d, caller, cn);
	*d++ = ':';
	d += lg_fmt_i64(d, l->line);
	*d++ = '"';
	memcpy(d, cfg->service_json, cfg->service_json_len);
	d += cfg->service_json_len;
	if (l->span && memcmp(l->span->parent_id, zero, 8) != 0) {
		RAW_LIT(d, ",\"parent\":\"");
		d = lg_hex_raw(d, l->span->parent_id, 8);
		*d++ = '"';
	}
	o->len = (size_t)(d - o->p);
}

void lg_format_json(struct lg_out *o, const struct lg_config *cfg,
		    struct lg_cache *c, const struct lg_line *l)
{
	char *d;

	if (!lg_reserve(o, 64 + LG_TIME_MAX))
		return;
	d = o->p + o->len;
	RAW_LIT(d, "{\"@timestamp\":\"");
	d = lg_time_raw(d, &c->stamp, &l->ts);
	RAW_LIT(d, "\",");
	__builtin_memcpy(d, level_json[l->level].s, 16);
	d += level_json[l->level].n;
	RAW_LIT(d, ",\"content\":\"");
	o->len = (size_t)(d - o->p);

	lg_put_content(o, LG_ESC_JSON, c->scratch, c->scratch_len, l->err,
		       l->fmt, *l->ap);
	put_context_json(o, cfg, c, l);
	put_fields_json(o, l);
	LG_PUT_LIT(o, "}\n");
}

/* --- plain --- */

static const char *const level_plain[] = {
    [TRIAGE_LOG_DEBUG] = "DEBUG",
    [TRIAGE_LOG_INFO] = "INFO ",
    [TRIAGE_LOG_WARN] = "WARN ",
    [TRIAGE_LOG_ERROR] = "ERROR",
};

static const char *const level_color[] = {
    [TRIAGE_LOG_DEBUG] = "\033[90m",
    [TRIAGE_LOG_INFO] = "\033[32m",
    [TRIAGE_LOG_WARN] = "\033[33m",
    [TRIAGE_LOG_ERROR] = "\033[1;31m",
};

/* A string value bare when a reader can tell where it ends, else
 * quoted and escaped as in JSON. */
static void put_plain_str(struct lg_out *o, const char *s)
{
	size_t n = strlen(s), i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f)
			break;
	}
	if (n > 0 && i == n) {
		lg_put(o, s, n);
		return;
	}
	LG_PUT_LIT(o, "\"");
	lg_escape(o, s, n, LG_ESC_JSON);
	LG_PUT_LIT(o, "\"");
}

static void put_fields_plain(struct lg_out *o, const struct lg_line *l)
{
	size_t i;

	for (i = 0; i < l->nfields; i++) {
		const struct triage_log_field *f = &l->fields[i];

		LG_PUT_LIT(o, " ");
		put_plain_str(o, f->key ? f->key : "");
		LG_PUT_LIT(o, "=");
		if (f->type == TRIAGE_LOG_STR && f->v.s)
			put_plain_str(o, f->v.s);
		else if (f->type == TRIAGE_LOG_DOUBLE && !isfinite(f->v.d))
			lg_put(o,
			       isnan(f->v.d) ? "NaN"
			       : f->v.d > 0  ? "+Inf"
					     : "-Inf",
			       isnan(f->v.d) ? 3 : 4);
		else
			put_value(o, f);
	}
}

void lg_format_plain(struct lg_out *o, const struct lg_config *cfg,
		     struct lg_cache *c, const struct lg_line *l)
{
	lg_put_time(o, &c->stamp, &l->ts);
	LG_PUT_LIT(o, " ");
	if (cfg->color)
		lg_put(o, level_color[l->level], strlen(level_color[l->level]));
	lg_put(o, level_plain[l->level], 5);
	if (cfg->color)
		LG_PUT_LIT(o, "\033[0m");
	if (l->span) {
		LG_PUT_LIT(o, " [");
		lg_put_hex(o, l->span->ctx.trace_id, 16);
		LG_PUT_LIT(o, "]");
	}
	LG_PUT_LIT(o, " ");
	lg_put_content(o, LG_ESC_PLAIN, c->scratch, c->scratch_len, l->err,
		       l->fmt, *l->ap);
	put_fields_plain(o, l);
	LG_PUT_LIT(o, " caller=");
	put_caller(o, l);
	LG_PUT_LIT(o, "\n");
}
