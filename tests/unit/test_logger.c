/*
 * test_logger.c - the logger's pieces: JSON escaping, numbers, the
 * timestamp, the content's conversions against snprintf, whole lines,
 * the TRIAGE_LOG_* options, and no heap allocation per line (counted by
 * a malloc of this program's own).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "logger.h"
#include "options.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifdef __SANITIZE_ADDRESS__
#define UNDER_ASAN 1
#endif

#ifndef UNDER_ASAN
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

/* The calling thread's allocations: the logger's flusher thread makes
 * a few of its own once (its share of the metrics' cells). */
static __thread long allocations;

void *malloc(size_t n)
{
	allocations++;
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	allocations++;
	return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	allocations++;
	return __libc_realloc(p, n);
}
#define COUNTS_ALLOCATIONS 1
#else
/* ASan owns malloc: allocations are counted in the plain build. */
static __thread long allocations;
#define COUNTS_ALLOCATIONS 0
#endif

/* An lg_out on the heap, NUL-terminated for comparing. */
static const char *text(struct lg_out *o)
{
	lg_put(o, "", 1);
	o->len--;
	return o->p;
}

static const char *escaped(const char *s, size_t n, enum lg_escape_mode m)
{
	static struct lg_out o = {.grow = lg_heap_grow};

	o.len = 0;
	lg_escape(&o, s, n, m);
	return text(&o);
}

#define ESC(lit) escaped((lit), sizeof(lit) - 1, LG_ESC_JSON)

static void escaping(void **state)
{
	char big[3000];

	assert_string_equal(ESC("plain text"), "plain text");
	assert_string_equal(ESC("a\"b\\c"), "a\\\"b\\\\c");
	assert_string_equal(ESC("\n\t\r\b\f"), "\\n\\t\\r\\b\\f");
	assert_string_equal(ESC("\x01\x1f\x7f"), "\\u0001\\u001f\x7f");
	assert_string_equal(ESC("nul\0in"), "nul\\u0000in");
	/* Valid UTF-8 stays; each invalid byte becomes U+FFFD. */
	assert_string_equal(ESC("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
			    "h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	assert_string_equal(ESC("\xff"), "\xef\xbf\xbd");
	assert_string_equal(ESC("\xc3"), "\xef\xbf\xbd");
	assert_string_equal(ESC("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(ESC("\xed\xa0\x80"), /* a surrogate */
			    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(ESC("\xf4\x90\x80\x80x"), /* above U+10FFFF */
			    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			    "\xef\xbf\xbdx");
	/* Eight at a time: the special byte last, at every offset. */
	assert_string_equal(ESC("abcdefghijklmno\""), "abcdefghijklmno\\\"");
	assert_string_equal(ESC("abcdefghi\nk"), "abcdefghi\\nk");
	/* Plain text keeps quotes and backslashes. */
	assert_string_equal(escaped("a\"b\\\n", 5, LG_ESC_PLAIN), "a\"b\\\\n");
	/* Past one chunk, with a sequence across the chunk's end. */
	memset(big, 'x', sizeof(big));
	memcpy(big + 1023, "\xe2\x82\xac", 3);
	assert_int_equal(strlen(escaped(big, sizeof(big), LG_ESC_JSON)),
			 sizeof(big));
	assert_memory_equal(escaped(big, sizeof(big), LG_ESC_JSON) + 1023,
			    "\xe2\x82\xac", 3);
}

static void integers(void **state)
{
	char b[32];

	assert_int_equal(lg_fmt_u64(b, 0), 1);
	assert_memory_equal(b, "0", 1);
	assert_int_equal(lg_fmt_u64(b, 18446744073709551615ull), 20);
	assert_memory_equal(b, "18446744073709551615", 20);
	assert_int_equal(lg_fmt_i64(b, INT64_MIN), 20);
	assert_memory_equal(b, "-9223372036854775808", 20);
	assert_int_equal(lg_fmt_u64(b, 4294967296ull), 10);
	assert_memory_equal(b, "4294967296", 10);
	assert_int_equal(lg_fmt_i64(b, -7), 2);
	assert_memory_equal(b, "-7", 2);
	/* Each width of the short cases and the first long one. */
	for (uint64_t v = 1; v <= 100000; v = v * 10 + 7) {
		char want[32];
		size_t n = (size_t)snprintf(want, sizeof(want), "%llu",
					    (unsigned long long)v);

		assert_int_equal(lg_fmt_u64(b, v), n);
		assert_memory_equal(b, want, n);
	}
	for (uint64_t v = 9; v <= 1000000; v = v * 10 + 9) {
		char want[32];
		size_t n = (size_t)snprintf(want, sizeof(want), "%llu",
					    (unsigned long long)v);

		assert_int_equal(lg_fmt_u64(b, v), n);
		assert_memory_equal(b, want, n);
		n = (size_t)snprintf(want, sizeof(want), "%llu",
				     (unsigned long long)v + 1);
		assert_int_equal(lg_fmt_u64(b, v + 1), n);
		assert_memory_equal(b, want, n);
	}
}

static void doubles(void **state)
{
	static const struct {
		double v;
		const char *s;
	} cases[] = {
	    {12.5, "12.5"},
	    {0.05, "0.05"},
	    {-0.5, "-0.5"},
	    {3, "3"},
	    {0.1 + 0.2, "0.30000000000000004"},
	    {301.49999999999994, "301.49999999999994"},
	    {1e20, "1e+20"},
	    {-1234567.125, "-1234567.125"},
	    {1e-7, "1e-07"},
	};
	char b[LG_DOUBLE_MAX + 1];
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		n = lg_fmt_double(b, cases[i].v);
		b[n] = '\0';
		assert_string_equal(b, cases[i].s);
		assert_true(strtod(b, NULL) == cases[i].v);
	}
}

static void timestamps(void **state)
{
	struct timespec ts = {1796371923, 123456789}; /* 2026-12-04 */
	struct lg_stamp c = {0};
	char b[LG_TIME_MAX + 1];

	setenv("TZ", "UTC", 1);
	tzset();
	*lg_time_raw(b, &c, &ts) = '\0';
	assert_string_equal(b, "2026-12-04T08:12:03.123Z");
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	memset(&c, 0, sizeof(c));
	ts.tv_nsec = 7000000;
	*lg_time_raw(b, &c, &ts) = '\0';
	assert_string_equal(b, "2026-12-04T16:12:03.007+08:00");
	setenv("TZ", "America/St_Johns", 1); /* -03:30 */
	tzset();
	memset(&c, 0, sizeof(c));
	*lg_time_raw(b, &c, &ts) = '\0';
	assert_string_equal(b, "2026-12-04T04:42:03.007-03:30");
	setenv("TZ", "UTC", 1);
	tzset();
}

static const char *content(const char *fmt, ...)
{
	static struct lg_out o = {.grow = lg_heap_grow};
	static char scratch[64];
	va_list ap;

	o.len = 0;
	va_start(ap, fmt);
	lg_put_content(&o, LG_ESC_PLAIN, scratch, sizeof(scratch), 0, fmt, ap);
	va_end(ap);
	return text(&o);
}

/* Conversions done here must print what snprintf prints. */
static void conversions(void **state)
{
	char want[256], *big;

	snprintf(want, sizeof(want),
		 "%d %i %u %x %X %c %s %p %% %ld %lu %lld "
		 "%llu %zu %zd %hd %hhu %jd %td",
		 -5, 7, 4000000000u, 0xbeef, 0xbeef, 'q', "str", (void *)want,
		 -9L, 9UL, -1LL, 1ULL, (size_t)42, (ssize_t)-42, (short)-3,
		 (unsigned char)200, (intmax_t)-77, (ptrdiff_t)-12);
	assert_string_equal(
	    content("%d %i %u %x %X %c %s %p %% %ld %lu %lld %llu %zu %zd "
		    "%hd %hhu %jd %td",
		    -5, 7, 4000000000u, 0xbeef, 0xbeef, 'q', "str",
		    (void *)want, -9L, 9UL, -1LL, 1ULL, (size_t)42,
		    (ssize_t)-42, (short)-3, (unsigned char)200, (intmax_t)-77,
		    (ptrdiff_t)-12),
	    want);
	assert_string_equal(content("%s|%p", (char *)NULL, NULL),
			    "(null)|(nil)");
	/* Through vsnprintf: widths, precision, floats. */
	assert_string_equal(
	    content("[%5d|%-3s|%.2f|%08.3f]", 42, "a", 3.14159, -2.5),
	    "[   42|a  |3.14|-002.500]");
	/* Longer than the scratch: a mapping of its own. */
	big = malloc(5001);
	memset(big, 'z', 5000);
	big[5000] = '\0';
	assert_int_equal(strlen(content("%5s%s", "", big)), 5005);
	free(big);
	/* Control bytes from an argument are escaped too. */
	assert_string_equal(content("a%sb", "\n"), "a\\nb");
}

static void callers(void **state)
{
	assert_string_equal(lg_caller("/a/b/agent/logger.c"), "agent/logger.c");
	assert_string_equal(lg_caller("logger.c"), "logger.c");
	assert_string_equal(lg_caller("x/logger.c"), "x/logger.c");
	assert_string_equal(lg_caller(NULL), "?");
}

/* lg_format_json with the content's arguments. */
static void format_json(struct lg_out *o, const struct lg_config *cfg,
			struct lg_cache *c, struct lg_line *l, ...)
{
	va_list ap;

	va_start(ap, l);
	l->ap = &ap;
	lg_format_json(o, cfg, c, l);
	va_end(ap);
}

/* A whole line, exactly as the contract writes it. */
static void json_line(void **state)
{
	struct lg_config cfg = {.service_json = ",\"service\":\"epro-api\"",
				.service_json_len = 21};
	struct span_current span = {
	    .ctx = {.trace_id = {0x4b, 0xf9}, .span_id = {0, 0xf0}},
	    .parent_id = {[7] = 1}};
	struct triage_log_field f[] = {TRIAGE_STR("path", "/p\"1"),
				       TRIAGE_INT("n", -3),
				       TRIAGE_UINT("u", 7),
				       TRIAGE_DOUBLE("ms", NAN),
				       TRIAGE_DOUBLE("inf", -INFINITY),
				       TRIAGE_BOOL("ok", 0),
				       TRIAGE_STR("none", NULL)};
	char scratch[64];
	struct lg_out o = {.grow = lg_heap_grow};
	struct lg_cache c = {.scratch = scratch, .scratch_len = 64};
	struct lg_line l = {.level = TRIAGE_LOG_WARN,
			    .ts = {1796371923, 5000000},
			    .file = "src/svc/main.c",
			    .line = 42,
			    .span = &span,
			    .fields = f,
			    .nfields = 7,
			    .fmt = "patient %d"};

	setenv("TZ", "UTC", 1);
	tzset();
	format_json(&o, &cfg, &c, &l, 7);
	assert_string_equal(
	    text(&o),
	    "{\"@timestamp\":\"2026-12-04T08:12:03.005Z\",\"level\":\"warn\","
	    "\"content\":\"patient 7\","
	    "\"trace\":\"4bf90000000000000000000000000000\","
	    "\"span\":\"00f0000000000000\",\"caller\":\"svc/main.c:42\","
	    "\"service\":\"epro-api\",\"parent\":\"0000000000000001\","
	    "\"path\":\"/p\\\"1\",\"n\":-3,\"u\":7,\"ms\":\"NaN\","
	    "\"inf\":\"-Inf\",\"ok\":false,\"none\":null}\n");
	free(o.p);
}

/* The line's last field, `,"key":"value"`, as the general escaper
 * writes it. */
static char *field_expected(const char *key, const char *value)
{
	struct lg_out o = {.grow = lg_heap_grow};

	LG_PUT_LIT(&o, ",\"");
	lg_escape(&o, key, strlen(key), LG_ESC_JSON);
	LG_PUT_LIT(&o, "\":\"");
	lg_escape(&o, value, strlen(value), LG_ESC_JSON);
	LG_PUT_LIT(&o, "\"}\n");
	text(&o);
	return o.p;
}

/* One line with the single field key=value; checks its end. */
static void check_field(const char *key, const char *value)
{
	struct lg_config cfg = {.service_json = ""};
	struct triage_log_field f[] = {TRIAGE_STR(key, value)};
	char scratch[64], *want = field_expected(key, value);
	struct lg_out o = {.grow = lg_heap_grow};
	struct lg_cache c = {.scratch = scratch, .scratch_len = 64};
	struct lg_line l = {.level = TRIAGE_LOG_INFO,
			    .file = "t.c",
			    .fields = f,
			    .nfields = 1,
			    .fmt = "x"};
	size_t n, w = strlen(want);

	format_json(&o, &cfg, &c, &l);
	n = strlen(text(&o));
	assert_true(n >= w);
	if (strcmp(o.p + n - w, want))
		fail_msg("key \"%s\" value \"%s\": line %s", key, value, o.p);
	free(o.p);
	free(want);
}

/*
 * Short plain keys and values take a one-pass copy, others the general
 * escaper: every length around the short limits, a byte to escape at
 * every place, and each string ending on the last byte of a page whose
 * next page is not mapped, so that a read past its end would fault.
 */
static void fields_every_length(void **state)
{
	static const char special[] = {'"', '\\', '\n', '\x01', '\x7f'};
	long page = sysconf(_SC_PAGESIZE);
	char *map = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *end = map + page, other[8] = "v";
	size_t len, at, k;

	assert_true(map != MAP_FAILED);
	assert_int_equal(mprotect(end, (size_t)page, PROT_NONE), 0);
	for (len = 0; len <= 80; len++) {
		char *s = end - len - 1;

		for (at = 0; at <= len; at++) {
			for (k = 0; k < sizeof(special); k++) {
				memset(s, 'a' + (int)(len % 26), len);
				s[len] = '\0';
				if (at < len)
					s[at] = special[k];
				check_field(s, other);
				check_field(len ? s + len - 1 : s, s);
				if (at == len)
					break;
			}
		}
	}
	/* UTF-8 stays as it is, an invalid byte does not. */
	strcpy(end - 12, "caf\xc3\xa9 \xff bar");
	check_field("k", end - 12);
	check_field(end - 12, "v");
	munmap(map, 2 * (size_t)page);
}

/* Blocks are reserved ahead of the writes without moving the size,
 * and rotation's trim gives them back. */
static void file_reserve(void **state)
{
	char path[] = "/tmp/test_logger.XXXXXX";
	struct lg_file f, dev;
	struct stat st;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(lg_file_open(path, &f, time(NULL)), 0);
	assert_int_equal(f.reserved, 0);
	lg_file_reserve(&f, 100);
	assert_int_equal(write(f.fd, "0123456789", 10), 10);
	f.size += 10;
	assert_int_equal(fstat(f.fd, &st), 0);
	assert_int_equal(st.st_size, 10);
	if (f.reserved != LLONG_MAX) {
		/* The file system could: a mebibyte and more is there. */
		assert_true(f.reserved >= 100 + (1 << 20));
		assert_true((long long)st.st_blocks * 512 >= 1 << 20);
		lg_file_trim(&f);
		assert_int_equal(fstat(f.fd, &st), 0);
		assert_int_equal(st.st_size, 10);
		assert_true((long long)st.st_blocks * 512 < 64 * 1024);
	}
	close(f.fd);
	unlink(path);

	/* Not a regular file: nothing is reserved, nothing trimmed. */
	assert_int_equal(lg_file_open("/dev/null", &dev, time(NULL)), 0);
	assert_int_equal(dev.reserved, LLONG_MAX);
	lg_file_reserve(&dev, 100);
	lg_file_trim(&dev);
	close(dev.fd);
}

static void clear_env(void)
{
	static const char *const vars[] = {
	    "TRIAGE_LOG_PATH",	       "TRIAGE_LOG_LEVEL",
	    "TRIAGE_LOG_FORMAT",       "TRIAGE_LOG_MAX_SIZE",
	    "TRIAGE_LOG_DAILY",	       "TRIAGE_LOG_KEEP",
	    "TRIAGE_LOG_MAX_AGE_DAYS", "TRIAGE_LOG_SYNC",
	    "TRIAGE_SERVICE_NAME"};
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(*vars); i++)
		unsetenv(vars[i]);
}

static void options(void **state)
{
	struct triage_options o;
	const char *bad = NULL;

	clear_env();
	triage_options_init(&o);
	assert_int_equal(o.log_level, TRIAGE_LOG_INFO);
	assert_int_equal(o.log_daily, 1);
	assert_int_equal(opt_log_from_env(&o, &bad), 0);
	assert_null(o.log_path);

	setenv("TRIAGE_LOG_LEVEL", "WARN", 1);
	setenv("TRIAGE_LOG_FORMAT", "plain", 1);
	setenv("TRIAGE_LOG_MAX_SIZE", "10M", 1);
	setenv("TRIAGE_LOG_KEEP", "5", 1);
	setenv("TRIAGE_LOG_PATH", "/var/log/x.log", 1);
	setenv("TRIAGE_SERVICE_NAME", "epro-api", 1);
	assert_int_equal(opt_log_from_env(&o, &bad), 0);
	assert_int_equal(o.log_level, TRIAGE_LOG_WARN);
	assert_int_equal(o.log_format, 1);
	assert_int_equal(o.log_max_size, 10LL << 20);
	assert_int_equal(o.log_keep, 5);
	assert_string_equal(o.log_path, "/var/log/x.log");
	assert_string_equal(o.service_name, "epro-api");
	assert_int_equal(opt_validate(&o), 0);

	setenv("TRIAGE_LOG_MAX_SIZE", "12x", 1);
	assert_int_equal(opt_log_from_env(&o, &bad), TRIAGE_EINVAL);
	assert_string_equal(bad, "TRIAGE_LOG_MAX_SIZE");
	setenv("TRIAGE_LOG_MAX_SIZE", "k", 1);
	assert_int_equal(opt_log_from_env(&o, &bad), TRIAGE_EINVAL);
	setenv("TRIAGE_LOG_MAX_SIZE", "4096", 1);
	setenv("TRIAGE_LOG_LEVEL", "verbose", 1);
	assert_int_equal(opt_log_from_env(&o, &bad), TRIAGE_EINVAL);
	assert_string_equal(bad, "TRIAGE_LOG_LEVEL");
	clear_env();

	o.log_level = 9;
	assert_int_equal(opt_validate(&o), TRIAGE_EINVAL);
}

/* Lines through the public call into a file: no allocation per line,
 * and a line larger than a thread's buffer still whole. */
static void no_allocation(void **state)
{
	char path[] = "/tmp/test_logger.XXXXXX";
	struct triage_options o;
	long before, i;
	char *big, *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int fd = mkstemp(path), lines = 0;

	assert_true(fd >= 0);
	close(fd);
	triage_options_init(&o);
	o.log_path = path;
	lg_configure(&o);
	/* The thread's first line takes its buffer, and its first flush
	 * its share of the line counters' cells: once a thread. */
	triage_info("first line");
	triage_log_flush();

	before = allocations;
	for (i = 0; i < 40000; i++)
		triage_info_kv(TRIAGE_FIELDS(TRIAGE_STR("path", "/x"),
					     TRIAGE_INT("i", i),
					     TRIAGE_DOUBLE("ms", 1.5)),
			       "request %ld", i);
	if (COUNTS_ALLOCATIONS)
		assert_int_equal(allocations, before);

	big = malloc(200001);
	memset(big, 'b', 200000);
	big[200000] = '\0';
	triage_info_kv(TRIAGE_FIELDS(TRIAGE_STR("big", big)), "big");
	assert_int_equal(triage_log_flush(), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	while ((n = getline(&line, &cap, f)) > 0) {
		lines++;
		assert_int_equal(line[0], '{');
		assert_int_equal(line[n - 1], '\n');
		if (strstr(line, "\"content\":\"big\""))
			assert_true(n > 200000);
	}
	assert_int_equal(lines, 40002);
	free(line);
	fclose(f);
	free(big);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(escaping),
	    cmocka_unit_test(integers),
	    cmocka_unit_test(doubles),
	    cmocka_unit_test(timestamps),
	    cmocka_unit_test(conversions),
	    cmocka_unit_test(callers),
	    cmocka_unit_test(json_line),
	    cmocka_unit_test(fields_every_length),
	    cmocka_unit_test(file_reserve),
	    cmocka_unit_test(options),
	    cmocka_unit_test(no_allocation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
