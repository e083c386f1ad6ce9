/*
 * test_tracecontext.c - W3C Trace Context: the traceparent and
 * tracestate cases of the Recommendation and of its test suite (valid
 * and invalid lengths, upper case, all-zero IDs, version ff, future
 * versions with extra fields, optional whitespace), the tracestate
 * limits (32 members, key and value lengths, the 512 characters kept),
 * and formatting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tracecontext.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRACE "4bf92f3577b34da6a3ce929d0e0e4736"
#define PARENT "00f067aa0ba902b7"

static int parse(const char *v, struct triage_span_context *c)
{
	return triage_traceparent_parse(v, c);
}

static void expect_invalid(const char *v)
{
	struct triage_span_context c;

	if (parse(v, &c) != TRIAGE_EFORMAT) {
		print_error("accepted an invalid traceparent: \"%s\"\n", v);
		fail();
	}
}

static void expect_valid(const char *v, uint8_t flags)
{
	static const uint8_t trace[16] = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3,
					  0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d,
					  0x0e, 0x0e, 0x47, 0x36};
	static const uint8_t parent[8] = {0x00, 0xf0, 0x67, 0xaa,
					  0x0b, 0xa9, 0x02, 0xb7};
	struct triage_span_context c;

	if (parse(v, &c) != 0) {
		print_error("rejected a valid traceparent: \"%s\"\n", v);
		fail();
	}
	assert_memory_equal(c.trace_id, trace, 16);
	assert_memory_equal(c.span_id, parent, 8);
	assert_int_equal(c.flags, flags);
}

static void test_traceparent_valid(void **state)
{
	expect_valid("00-" TRACE "-" PARENT "-01", 1);
	expect_valid("00-" TRACE "-" PARENT "-00", 0);
	/* Bits other than sampled are reserved: masked, not an error. */
	expect_valid("00-" TRACE "-" PARENT "-09", 1);
	expect_valid("00-" TRACE "-" PARENT "-ff", 1);
	expect_valid("00-" TRACE "-" PARENT "-fe", 0);
	/* Optional whitespace around the value. */
	expect_valid(" 00-" TRACE "-" PARENT "-01", 1);
	expect_valid("\t00-" TRACE "-" PARENT "-01", 1);
	expect_valid("00-" TRACE "-" PARENT "-01 ", 1);
	expect_valid("\t 00-" TRACE "-" PARENT "-01 \t", 1);
}

static void test_traceparent_lengths(void **state)
{
	expect_invalid("");
	expect_invalid("00");
	expect_invalid("00-");
	/* Version with one, three or four digits. */
	expect_invalid("0-" TRACE "-" PARENT "-01");
	expect_invalid("000-" TRACE "-" PARENT "-01");
	expect_invalid("0000-" TRACE "-" PARENT "-01");
	/* trace-id of 31 and 33 digits, parent-id of 15 and 17. */
	expect_invalid("00-4bf92f3577b34da6a3ce929d0e0e473-" PARENT "-01");
	expect_invalid("00-4bf92f3577b34da6a3ce929d0e0e47361-" PARENT "-01");
	expect_invalid("00-" TRACE "-00f067aa0ba902b-01");
	expect_invalid("00-" TRACE "-00f067aa0ba902b71-01");
	/* Flags of one and three digits. */
	expect_invalid("00-" TRACE "-" PARENT "-1");
	expect_invalid("00-" TRACE "-" PARENT "-001");
	/* Version 00 is exactly 55 characters: no trailing data. */
	expect_invalid("00-" TRACE "-" PARENT "-01.");
	expect_invalid("00-" TRACE "-" PARENT "-01-what-the-future-will-be");
	expect_invalid("00-" TRACE "-" PARENT "-01-");
}

static void test_traceparent_characters(void **state)
{
	/* Upper case anywhere. */
	expect_invalid("00-4BF92F3577B34DA6A3CE929D0E0E4736-" PARENT "-01");
	expect_invalid("00-" TRACE "-00F067AA0BA902B7-01");
	expect_invalid("00-" TRACE "-" PARENT "-0A");
	expect_invalid("0A-" TRACE "-" PARENT "-01");
	/* Non-hex characters in each field. */
	expect_invalid(".0-" TRACE "-" PARENT "-01");
	expect_invalid("0.-" TRACE "-" PARENT "-01");
	expect_invalid("00-.bf92f3577b34da6a3ce929d0e0e4736-" PARENT "-01");
	expect_invalid("00-4bf92f3577b34da6a3ce929d0e0e473.-" PARENT "-01");
	expect_invalid("00-" TRACE "-.0f067aa0ba902b7-01");
	expect_invalid("00-" TRACE "-00f067aa0ba902b.-01");
	expect_invalid("00-" TRACE "-" PARENT "-.0");
	expect_invalid("00-" TRACE "-" PARENT "-0.");
	expect_invalid("00-" TRACE "-" PARENT "-0g");
	/* Wrong separators. */
	expect_invalid("00_" TRACE "-" PARENT "-01");
	expect_invalid("00-" TRACE "_" PARENT "-01");
	expect_invalid("00-" TRACE "-" PARENT "_01");
}

static void test_traceparent_zero_ids(void **state)
{
	expect_invalid("00-00000000000000000000000000000000-" PARENT "-01");
	expect_invalid("00-" TRACE "-0000000000000000-01");
	expect_invalid(
	    "00-00000000000000000000000000000000-0000000000000000-01");
}

static void test_traceparent_versions(void **state)
{
	/* Version ff is forbidden, with or without more fields. */
	expect_invalid("ff-" TRACE "-" PARENT "-01");
	expect_invalid("ff-" TRACE "-" PARENT "-01-00");
	/* A future version is read as far as 00 defines it. */
	expect_valid("cc-" TRACE "-" PARENT "-01", 1);
	expect_valid("01-" TRACE "-" PARENT "-00", 0);
	expect_valid("cc-" TRACE "-" PARENT "-01-what-the-future-will-be-like",
		     1);
	expect_valid("fe-" TRACE "-" PARENT "-01-", 1);
	/* ... but the flags must end the value or be followed by '-'. */
	expect_invalid("cc-" TRACE "-" PARENT "-01.what-the-future-will-be");
	expect_invalid("cc-" TRACE "-" PARENT "-012");
	/* ... and shorter than 55 characters restarts the trace. */
	expect_invalid("cc-" TRACE "-" PARENT "-1");
	expect_invalid("cc-" TRACE "-" PARENT);
	/* ... and its IDs follow the same rules. */
	expect_invalid("cc-00000000000000000000000000000000-" PARENT "-01");
	expect_invalid("cc-" TRACE "-00F067AA0BA902B7-01");
}

static void test_traceparent_format(void **state)
{
	struct triage_span_context c, zero;
	char out[56];

	memset(&zero, 0, sizeof(zero));
	assert_int_equal(parse("00-" TRACE "-" PARENT "-01", &c), 0);
	assert_int_equal(triage_traceparent_format(&c, out), 0);
	assert_string_equal(out, "00-" TRACE "-" PARENT "-01");

	/* A future version comes out as 00, its extra fields gone. */
	assert_int_equal(parse("cc-" TRACE "-" PARENT "-03-extra", &c), 0);
	assert_int_equal(triage_traceparent_format(&c, out), 0);
	assert_string_equal(out, "00-" TRACE "-" PARENT "-01");

	/* Reserved flags are never sent. */
	c.flags = 0xfe;
	assert_int_equal(triage_traceparent_format(&c, out), 0);
	assert_string_equal(out, "00-" TRACE "-" PARENT "-00");

	assert_int_equal(triage_traceparent_format(&zero, out), TRIAGE_EINVAL);
	assert_int_equal(triage_traceparent_parse(NULL, &c), TRIAGE_EINVAL);
}

/* --- tracestate --- */

static void expect_state(const char *in, const char *want)
{
	char out[TSTATE_KEEP + 1];
	int err = tstate_parse(in, strlen(in), out);

	if (err || strcmp(out, want)) {
		print_error("tracestate \"%.60s...\": got %d \"%s\", want "
			    "\"%s\"\n",
			    in, err, err ? "" : out, want);
		fail();
	}
}

static void expect_state_invalid(const char *in)
{
	char out[TSTATE_KEEP + 1];

	if (tstate_parse(in, strlen(in), out) != TRIAGE_EFORMAT) {
		print_error("accepted an invalid tracestate \"%.80s\"\n", in);
		fail();
	}
}

static void test_tracestate_valid(void **state)
{
	expect_state("", "");
	expect_state(" \t ", "");
	expect_state(",,", "");
	expect_state("foo=1", "foo=1");
	expect_state("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
		     "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
	/* Optional whitespace around members goes; empty members too. */
	expect_state("foo=1 \t , \t bar=2, \t baz=3", "foo=1,bar=2,baz=3");
	expect_state("\t foo=1 \t", "foo=1");
	expect_state("foo=1,,bar=2,", "foo=1,bar=2");
	/* Leading spaces belong to the value. */
	expect_state("foo= 1", "foo= 1");
	/* Multi-tenant keys. */
	expect_state("tenant@vendor=x,0digit@v-1=y",
		     "tenant@vendor=x,0digit@v-1=y");
	expect_state("a_-*/z=1", "a_-*/z=1");
	/* Several headers, joined with ',' by the caller: order kept. */
	expect_state("foo=1,bar=2,rojo=1,congo=2,baz=3",
		     "foo=1,bar=2,rojo=1,congo=2,baz=3");
}

static void test_tracestate_all_characters(void **state)
{
	char key[64], value[128], in[256], want[256];
	size_t n = 0;
	int c;

	snprintf(key, sizeof(key), "abcdefghijklmnopqrstuvwxyz0123456789_-*/");
	for (c = 0x20; c <= 0x7e; c++)
		if (c != ',' && c != '=')
			value[n++] = (char)c;
	value[n] = '\0';
	snprintf(in, sizeof(in), "%s=%s", key, value);
	expect_state(in, in);
	snprintf(in, sizeof(in), "%s@a-z0-9_-*/=%s", key, value);
	snprintf(want, sizeof(want), "%s", in);
	expect_state(in, want);
}

static void test_tracestate_invalid(void **state)
{
	/* Bad keys. */
	expect_state_invalid("foo =1");
	expect_state_invalid("FOO=1");
	expect_state_invalid("foo.bar=1");
	expect_state_invalid("=1");
	expect_state_invalid("_foo=1");
	/* Bad tenant@system forms. */
	expect_state_invalid("foo@=1,bar=2");
	expect_state_invalid("@foo=1,bar=2");
	expect_state_invalid("foo@@bar=1,bar=2");
	expect_state_invalid("foo@bar@baz=1,bar=2");
	expect_state_invalid("foo@1bar=1");
	/* Bad values. */
	expect_state_invalid("foo=bar=baz");
	expect_state_invalid("foo=,bar=3");
	expect_state_invalid("foo");
	expect_state_invalid("foo=a\tb");
	expect_state_invalid("foo=caf\xc3\xa9");
	/* A key given twice, in one header or across two. */
	expect_state_invalid("foo=1,foo=1");
	expect_state_invalid("foo=1,foo=2");
	expect_state_invalid("foo=1,bar=2,foo=3");
}

static char *repeat(char c, size_t n, const char *tail)
{
	size_t t = strlen(tail);
	char *s = malloc(n + t + 1);

	assert_non_null(s);
	memset(s, c, n);
	memcpy(s + n, tail, t + 1);
	return s;
}

static void test_tracestate_limits(void **state)
{
	char in[1024], out[TSTATE_KEEP + 1];
	char *s;
	size_t n = 0;
	int i;

	/* 32 members are fine, 33 are not. */
	for (i = 1; i <= 32; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, "%sbar%02d=%02d",
				      i > 1 ? "," : "", i, i);
	assert_int_equal(tstate_parse(in, n, out), 0);
	assert_string_equal(out, in);
	n += (size_t)snprintf(in + n, sizeof(in) - n, ",bar33=33");
	assert_int_equal(tstate_parse(in, n, out), TRIAGE_EFORMAT);

	/* Keys: 256 characters, tenant 241 and system 14. */
	s = repeat('z', 256, "=1");
	assert_int_equal(tstate_parse(s, strlen(s), out), 0);
	free(s);
	s = repeat('z', 257, "=1");
	expect_state_invalid(s);
	free(s);
	s = repeat('t', 241, "@vvvvvvvvvvvvvv=1");
	assert_int_equal(tstate_parse(s, strlen(s), out), 0);
	free(s);
	s = repeat('t', 242, "@v=1");
	expect_state_invalid(s);
	free(s);
	expect_state_invalid("t@vvvvvvvvvvvvvvv=1");

	/* Values: 256 characters, not 257. */
	s = repeat('v', 256, "");
	snprintf(in, sizeof(in), "k=%s", s);
	assert_int_equal(tstate_parse(in, strlen(in), out), 0);
	snprintf(in, sizeof(in), "k=%sv", s);
	expect_state_invalid(in);
	free(s);
}

/* Past 512 characters whole members go: the long ones (over 128)
 * first, then from the right. */
static void test_tracestate_truncation(void **state)
{
	char in[2048], out[TSTATE_KEEP + 1], want[1024];
	char *big = repeat('x', 200, "");
	size_t n = 0, w = 0;
	int i;

	/* 20 members of 22 characters ("kNN=" + 18 'v') and one of 204
	 * in the middle: 20*22 + 19 + 204 + 1 = 664 > 512. */
	for (i = 0; i < 20; i++) {
		n += (size_t)snprintf(in + n, sizeof(in) - n,
				      "%sk%02d=vvvvvvvvvvvvvvvvvv",
				      i ? "," : "", i);
		if (i == 9)
			n += (size_t)snprintf(in + n, sizeof(in) - n, ",big=%s",
					      big);
	}
	for (i = 0; i < 20; i++)
		w += (size_t)snprintf(want + w, sizeof(want) - w,
				      "%sk%02d=vvvvvvvvvvvvvvvvvv",
				      i ? "," : "", i);
	assert_int_equal(tstate_parse(in, n, out), 0);
	assert_string_equal(out, want); /* 459 characters: only big went */

	/* 30 short members, 689 characters: the rightmost ones go. */
	n = 0;
	for (i = 0; i < 30; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n,
				      "%sk%02d=vvvvvvvvvvvvvvvvvv",
				      i ? "," : "", i);
	assert_int_equal(tstate_parse(in, n, out), 0);
	assert_true(strlen(out) <= TSTATE_KEEP);
	assert_int_equal(strlen(out), 22 * 22 + 21); /* 22 members kept */
	assert_int_equal(strncmp(out, in, strlen(out)), 0);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_traceparent_valid),
	    cmocka_unit_test(test_traceparent_lengths),
	    cmocka_unit_test(test_traceparent_characters),
	    cmocka_unit_test(test_traceparent_zero_ids),
	    cmocka_unit_test(test_traceparent_versions),
	    cmocka_unit_test(test_traceparent_format),
	    cmocka_unit_test(test_tracestate_valid),
	    cmocka_unit_test(test_tracestate_all_characters),
	    cmocka_unit_test(test_tracestate_invalid),
	    cmocka_unit_test(test_tracestate_limits),
	    cmocka_unit_test(test_tracestate_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
