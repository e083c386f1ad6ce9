/*
 * test_logs_line.c - the line scanner of `triage logs` (cli/logs/line.c)
 * and its times and durations (cli/logs/timestamp.c): what it finds in
 * a logger's line, what it refuses as not JSON, and how it decodes
 * strings for a terminal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "logs.h"

#include <stdlib.h>
#include <string.h>

/* 2026-12-04T08:12:03.123Z in microseconds since 1970 (python3's
 * datetime(2026,12,4,8,12,3,123000,tzinfo=utc).timestamp()). */
#define T_0812 1796371923123000LL

static int parse(const char *s, struct logs_line *l)
{
	return logs_line_parse(s, strlen(s), l);
}

static char *dec(const struct logs_str *s)
{
	static char buf[256];

	logs_str_decode(s, buf, sizeof(buf));
	return buf;
}

static void test_finds_the_logger_keys(void **state)
{
	struct logs_line l;
	const char *line =
	    "{\"@timestamp\":\"2026-12-04T08:12:03.123Z\",\"level\":\"info\","
	    "\"content\":\"stored\",\"trace\":"
	    "\"4bf92f3577b34da6a3ce929d0e0e4736\","
	    "\"span\":\"00f067aa0ba902b7\",\"caller\":\"svc/http.c:42\","
	    "\"service\":\"data-storage\",\"parent\":\"1111111111111111\","
	    "\"id\":\"p-17\",\"score\":11,\"ok\":true,\"tags\":[1,{\"a\":null}]"
	    "}";

	assert_int_equal(parse(line, &l), 0);
	assert_true(l.has_time);
	assert_true(l.time_us == T_0812);
	assert_string_equal(dec(&l.level), "info");
	assert_string_equal(dec(&l.content), "stored");
	assert_string_equal(dec(&l.trace), "4bf92f3577b34da6a3ce929d0e0e4736");
	assert_string_equal(dec(&l.span), "00f067aa0ba902b7");
	assert_string_equal(dec(&l.parent), "1111111111111111");
	assert_string_equal(dec(&l.service), "data-storage");
	assert_string_equal(dec(&l.caller), "svc/http.c:42");
	assert_int_equal(l.nfields, 4);
	assert_string_equal(dec(&l.fields[0].key), "id");
	assert_true(l.fields[0].is_str);
	assert_string_equal(dec(&l.fields[1].key), "score");
	assert_false(l.fields[1].is_str);
	assert_int_equal(l.fields[1].val.n, 2);
	assert_memory_equal(l.fields[3].val.p, "[1,{\"a\":null}]", 14);
	assert_false(logs_line_is_error(&l));
}

static void test_span_end_fields_and_errors(void **state)
{
	struct logs_line l;

	assert_int_equal(
	    parse("{\"level\":\"info\",\"content\":\"span end\",\"span_name\":"
		  "\"POST /store\",\"kind\":\"server\",\"duration\":\"8.6ms\","
		  "\"error\":\"invalid report\"}",
		  &l),
	    0);
	assert_string_equal(dec(&l.span_name), "POST /store");
	assert_string_equal(dec(&l.kind), "server");
	assert_string_equal(dec(&l.duration), "8.6ms");
	assert_string_equal(dec(&l.error), "invalid report");
	assert_true(logs_line_is_error(&l));
	assert_false(l.has_time);

	assert_int_equal(parse("{\"level\":\"error\"}", &l), 0);
	assert_true(logs_line_is_error(&l));
	assert_int_equal(parse("{\"level\":\"fatal\"}", &l), 0);
	assert_true(logs_line_is_error(&l));
	assert_int_equal(parse("{\"error\":true}", &l), 0);
	assert_true(logs_line_is_error(&l));
	assert_int_equal(parse("{\"error\":false}", &l), 0);
	assert_false(logs_line_is_error(&l));
	assert_int_equal(parse("{\"error\":null}", &l), 0);
	assert_false(logs_line_is_error(&l));
	assert_int_equal(parse("{\"error\":\"\"}", &l), 0);
	assert_false(logs_line_is_error(&l));
}

static void test_first_standard_key_wins_and_non_strings_ignored(void **state)
{
	struct logs_line l;

	assert_int_equal(parse("{\"level\":\"warn\",\"level\":\"error\","
			       "\"trace\":42,\"trace\":\"abc\"}",
			       &l),
			 0);
	assert_string_equal(dec(&l.level), "warn");
	assert_string_equal(dec(&l.trace), "abc");
	assert_int_equal(l.nfields, 0);
}

static void test_fields_beyond_the_limit_are_counted(void **state)
{
	char line[4096];
	struct logs_line l;
	size_t n = 0;
	int i;

	n += (size_t)snprintf(line + n, sizeof(line) - n, "{\"f0\":0");
	for (i = 1; i < LOGS_FIELDS_MAX + 5; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, ",\"f%d\":%d",
				      i, i);
	snprintf(line + n, sizeof(line) - n, "}");
	assert_int_equal(parse(line, &l), 0);
	assert_int_equal(l.nfields, LOGS_FIELDS_MAX);
	assert_int_equal(l.fields_dropped, 5);
}

static void test_accepts_what_json_allows(void **state)
{
	static const char *const good[] = {
	    "{}",
	    "  {\"a\" : 1 ,\t\"b\":[ ] }  ",
	    "{\"a\":1}\r",
	    "{\"a\":-0.5e+10,\"b\":0,\"c\":1E3,\"d\":-12}",
	    "{\"a\":\"\\u00e9\\ud83d\\ude00\\\"\\\\\\/\\b\\f\\n\\r\\t\"}",
	    "{\"a\":{\"b\":{\"c\":[true,false,null,\"x\"]}}}",
	    "{\"caf\xc3\xa9\":\"\xe2\x82\xac\"}",
	};
	struct logs_line l;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (parse(good[i], &l) != 0)
			fail_msg("refused valid JSON: %s", good[i]);
}

static void test_refuses_what_json_does_not(void **state)
{
	static const char *const bad[] = {
	    "",
	    "GET /healthz 200",
	    "[1,2]",
	    "\"str\"",
	    "{",
	    "{\"a\":1",
	    "{\"a\":1,}",
	    "{\"a\" 1}",
	    "{a:1}",
	    "{\"a\":01}",
	    "{\"a\":1.}",
	    "{\"a\":-}",
	    "{\"a\":1e}",
	    "{\"a\":tru}",
	    "{\"a\":\"x}",
	    "{\"a\":\"\\x\"}",
	    "{\"a\":\"\\u12g4\"}",
	    "{\"a\":\"tab\there\"}",
	    "{\"a\":1} trailing",
	    "{\"a\":1}{\"b\":2}",
	    "{\"a\":[1,]}",
	    "{\"a\":[1 2]}",
	};
	struct logs_line l;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse(bad[i], &l) == 0)
			fail_msg("took as JSON: %s", bad[i]);
}

static void test_nesting_is_limited(void **state)
{
	char line[512];
	struct logs_line l;
	int depth, i, n;

	for (depth = LOGS_NESTING_MAX - 1; depth <= LOGS_NESTING_MAX + 2;
	     depth++) {
		n = snprintf(line, sizeof(line), "{\"a\":");
		for (i = 0; i < depth; i++)
			line[n++] = '[';
		for (i = 0; i < depth; i++)
			line[n++] = ']';
		line[n++] = '}';
		line[n] = '\0';
		assert_int_equal(parse(line, &l),
				 depth <= LOGS_NESTING_MAX ? 0 : -1);
	}
}

static void test_decoding_keeps_control_characters_visible(void **state)
{
	struct logs_line l;
	char small[8];

	assert_int_equal(
	    parse("{\"content\":\"a\\nb\\u001b[31m\\t\\\"q\\\" \\u00e9 "
		  "\\ud83d\\ude00 \\ud800x\"}",
		  &l),
	    0);
	assert_true(l.content.escaped);
	assert_string_equal(dec(&l.content), "a\\nb\\u001b[31m\\t\"q\" "
					     "\xc3\xa9 \xf0\x9f\x98\x80 "
					     "\xef\xbf\xbdx");
	/* Cut at a whole character, never inside an escape. */
	assert_int_equal(logs_str_decode(&l.content, small, sizeof(small)), 4);
	assert_string_equal(small, "a\\nb");
}

static void test_times_with_zones_and_fractions(void **state)
{
	static const struct {
		const char *s;
		long long us;
	} ok[] = {
	    {"2026-12-04T08:12:03.123Z", T_0812},
	    {"2026-12-04T16:12:03.123+08:00", T_0812},
	    {"2026-12-04T02:42:03.123-05:30", T_0812},
	    {"2026-12-04T08:12:03.123456789Z", T_0812 + 456},
	    {"2026-12-04T08:12:03Z", T_0812 - 123000},
	    {"2000-02-29T23:59:59z", 951868799000000LL},
	    {"1970-01-01T00:00:00.000Z", 0},
	};
	static const char *const bad[] = {
	    "2026-13-04T08:12:03.123Z",
	    "2026-02-29T08:12:03Z",
	    "2026-12-04 08:12:03.123Z",
	    "2026-12-04T08:12:03.123",
	    "2026-12-04T24:00:00Z",
	    "2026-12-04T08:12:03.Z",
	    "2026-12-04T08:12:03.1234567890Z",
	    "2026-12-04T08:12:03+0800",
	    "2026-12-04T08:12:03.123+08:00x",
	    "26-12-04T08:12:03Z",
	};
	int64_t us;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (logs_time_parse(ok[i].s, strlen(ok[i].s), &us))
			fail_msg("refused %s", ok[i].s);
		if (us != ok[i].us)
			fail_msg("%s: %lld, not %lld", ok[i].s, (long long)us,
				 ok[i].us);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (logs_time_parse(bad[i], strlen(bad[i]), &us) == 0)
			fail_msg("took %s", bad[i]);
}

static void test_time_format_round_trips(void **state)
{
	char out[LOGS_TIME_TEXT];
	int64_t us;

	logs_time_format(T_0812 + 456, out);
	assert_string_equal(out, "2026-12-04T08:12:03.123456Z");
	assert_int_equal(logs_time_parse(out, strlen(out), &us), 0);
	assert_true(us == T_0812 + 456);
}

static void test_go_durations(void **state)
{
	static const struct {
		const char *s;
		double us;
	} ok[] = {
	    {"12.3ms", 12300},	   {"0.5s", 500000},	 {"350us", 350},
	    {"350\xc2\xb5s", 350}, {"1m2.5s", 62500000}, {"1500ns", 1.5},
	    {"2h", 7200e6},
	};
	static const char *const bad[] = {"",	     "12", "ms",
					  "12.3 ms", "1x", "-1ms"};
	double us;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(
		    logs_duration_parse(ok[i].s, strlen(ok[i].s), &us), 0);
		if (us < ok[i].us - 1e-6 || us > ok[i].us + 1e-6)
			fail_msg("%s: %f, not %f", ok[i].s, us, ok[i].us);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (logs_duration_parse(bad[i], strlen(bad[i]), &us) == 0)
			fail_msg("took %s", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_finds_the_logger_keys),
	    cmocka_unit_test(test_span_end_fields_and_errors),
	    cmocka_unit_test(
		test_first_standard_key_wins_and_non_strings_ignored),
	    cmocka_unit_test(test_fields_beyond_the_limit_are_counted),
	    cmocka_unit_test(test_accepts_what_json_allows),
	    cmocka_unit_test(test_refuses_what_json_does_not),
	    cmocka_unit_test(test_nesting_is_limited),
	    cmocka_unit_test(test_decoding_keeps_control_characters_visible),
	    cmocka_unit_test(test_times_with_zones_and_fractions),
	    cmocka_unit_test(test_time_format_round_trips),
	    cmocka_unit_test(test_go_durations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
