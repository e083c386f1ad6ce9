/*
 * logger_content.c - a line's printf-style content, escaped as it is
 * written.
 *
 * The conversions that most log lines use (%s %d %u %x %c %p, with
 * length modifiers) are formatted here, straight into the line: no
 * scratch copy and no call to vsnprintf, which costs more than the rest
 * of the line. Anything else (widths, precisions, floats, %m) goes
 * through vsnprintf into the thread's scratch buffer, then the escaper.
 */
#include "logger.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

/* The integer argument of a conversion with length `lmod`. */
static uint64_t arg_unsigned(va_list *ap, char lmod)
{
	switch (lmod) {
	case 'L':
		return va_arg(*ap, unsigned long long);
	case 'l':
		return va_arg(*ap, unsigned long);
	case 'z':
		return va_arg(*ap, size_t);
	case 'j':
		return va_arg(*ap, uintmax_t);
	case 't':
		return (uint64_t)va_arg(*ap, ptrdiff_t);
	case 'h':
		return (unsigned short)va_arg(*ap, unsigned);
	case 'H':
		return (unsigned char)va_arg(*ap, unsigned);
	default:
		return va_arg(*ap, unsigned);
	}
}

static int64_t arg_signed(va_list *ap, char lmod)
{
	switch (lmod) {
	case 'L':
		return va_arg(*ap, long long);
	case 'l':
		return va_arg(*ap, long);
	case 'z':
		return va_arg(*ap, ssize_t);
	case 'j':
		return va_arg(*ap, intmax_t);
	case 't':
		return va_arg(*ap, ptrdiff_t);
	case 'h':
		return (short)va_arg(*ap, int);
	case 'H':
		return (signed char)va_arg(*ap, int);
	default:
		return va_arg(*ap, int);
	}
}

/* Reads a length modifier; 'L' stands for ll and 'H' for hh. */
static const char *length_mod(const char *f, char *lmod)
{
	*lmod = 0;
	if (*f == 'l' || *f == 'h') {
		*lmod = *f++;
		if (*f == *lmod) {
			*lmod = *lmod == 'l' ? 'L' : 'H';
			f++;
		}
	} else if (*f == 'z' || *f == 'j' || *f == 't') {
		*lmod = *f++;
	}
	return f;
}

static void put_hex_int(struct lg_out *o, uint64_t v, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[16];
	size_t n = 0;

	do {
		tmp[sizeof(tmp) - ++n] = digits[v & 15];
		v >>= 4;
	} while (v);
	lg_put(o, tmp + sizeof(tmp) - n, n);
}

/* One conversion at f (just past '%'), one that fast_format() allowed.
 * Returns the rest of the format. */
static const char *convert(struct lg_out *o, enum lg_escape_mode mode,
			   const char *f, va_list *ap)
{
	char num[24], lmod;
	const char *s;
	void *ptr;
	unsigned char c;

	f = length_mod(f, &lmod);
	switch (*f) {
	case 'd':
	case 'i':
		lg_put(o, num, lg_fmt_i64(num, arg_signed(ap, lmod)));
		break;
	case 'u':
		lg_put(o, num, lg_fmt_u64(num, arg_unsigned(ap, lmod)));
		break;
	case 'x':
	case 'X':
		put_hex_int(o, arg_unsigned(ap, lmod), *f == 'X');
		break;
	case 'c':
		if (lmod)
			return NULL;
		c = (unsigned char)va_arg(*ap, int);
		lg_escape(o, (const char *)&c, 1, mode);
		break;
	case 's':
		if (lmod)
			return NULL;
		s = va_arg(*ap, const char *);
		s = s ? s : "(null)";
		lg_escape(o, s, strlen(s), mode);
		break;
	case 'p':
		if (lmod)
			return NULL;
		ptr = va_arg(*ap, void *);
		if (!ptr) {
			LG_PUT_LIT(o, "(nil)");
			break;
		}
		LG_PUT_LIT(o, "0x");
		put_hex_int(o, (uintptr_t)ptr, false);
		break;
	default:
		return NULL;
	}
	return f + 1;
}

/* Whether every conversion of fmt is one that convert() handles; checked
 * first, so that no argument is consumed by a start that must be undone
 * (the line may even have moved in between). */
static bool fast_format(const char *f)
{
	char lmod;

	while ((f = strchr(f, '%')) != NULL) {
		if (f[1] == '%') {
			f += 2;
			continue;
		}
		f = length_mod(f + 1, &lmod);
		switch (*f) {
		case 'd':
		case 'i':
		case 'u':
		case 'x':
		case 'X':
			break;
		case 'c':
		case 's':
		case 'p':
			if (lmod)
				return false;
			break;
		default:
			return false;
		}
		f++;
	}
	return true;
}

static void content_fast(struct lg_out *o, enum lg_escape_mode mode,
			 const char *fmt, va_list *ap)
{
	const char *f = fmt;

	for (;;) {
		const char *pct = strchr(f, '%');

		if (!pct) {
			lg_escape(o, f, strlen(f), mode);
			return;
		}
		lg_escape(o, f, (size_t)(pct - f), mode);
		if (pct[1] == '%') {
			LG_PUT_LIT(o, "%");
			f = pct + 2;
			continue;
		}
		f = convert(o, mode, pct + 1, ap);
		if (!f)
			return; /* fast_format() let through what it must not */
	}
}

/* The format is the caller's of triage_log_write, whose format
 * attribute has the compiler check it at the call site; here it is
 * data. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
/* vsnprintf into the scratch, or for a long content into a mapping of
 * its own (rare enough that a system call does not matter). */
static void content_slow(struct lg_out *o, enum lg_escape_mode mode,
			 char *scratch, size_t scratch_len, int err,
			 const char *fmt, va_list ap)
{
	va_list again;
	int n;
	char *big;

	va_copy(again, ap);
	errno = err;
	n = vsnprintf(scratch, scratch_len, fmt, ap);
	if (n < 0) {
		LG_PUT_LIT(o, "(bad format)");
	} else if ((size_t)n < scratch_len) {
		lg_escape(o, scratch, (size_t)n, mode);
	} else {
		big = mmap(NULL, (size_t)n + 1, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (big == MAP_FAILED) {
			lg_escape(o, scratch, scratch_len - 1, mode);
		} else {
			errno = err;
			vsnprintf(big, (size_t)n + 1, fmt, again);
			lg_escape(o, big, (size_t)n, mode);
			munmap(big, (size_t)n + 1);
		}
	}
	va_end(again);
}
#pragma GCC diagnostic pop

void lg_put_content(struct lg_out *o, enum lg_escape_mode mode, char *scratch,
		    size_t scratch_len, int err, const char *fmt, va_list ap)
{
	va_list fast;

	if (!fmt)
		return;
	if (!fast_format(fmt)) {
		content_slow(o, mode, scratch, scratch_len, err, fmt, ap);
		return;
	}
	va_copy(fast, ap);
	content_fast(o, mode, fmt, &fast);
	va_end(fast);
}
