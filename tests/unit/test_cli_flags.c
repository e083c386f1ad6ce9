/*
 * test_cli_flags.c - the command's flag parser (cli/flags.c) and the
 * --listen check of `triage run` (cli/run/listen.c), on good and on
 * malformed input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "flags.h"
#include "run.h"

#include <stdio.h>
#include <string.h>

static struct {
	bool top;
	int seconds;
	double fraction;
	const char *out;
} v;

static const struct cli_flag flags[] = {
    {"top", CLI_FLAG_BOOL, &v.top, 0, 0, NULL, "t"},
    {"seconds", CLI_FLAG_INT, &v.seconds, 1, 3600, "N", "s"},
    {"fraction", CLI_FLAG_DOUBLE, &v.fraction, 0, 1, "F", "f"},
    {"o", CLI_FLAG_STRING, &v.out, 0, 0, "FILE", "o"},
    {NULL, CLI_FLAG_BOOL, NULL, 0, 0, NULL, NULL},
};

/* Parses a NULL-ended argv (argv[0] is the subcommand). */
static int parse(const char **args, int *ind, bool *dashdash)
{
	int argc = 0;

	memset(&v, 0, sizeof(v));
	while (args[argc])
		argc++;
	*ind = 1;
	return cli_flags_parse("test", flags, argc, (char **)args, ind,
			       dashdash);
}

static void test_both_dash_styles_and_equals(void **state)
{
	const char *args[] = {
	    "x",	   "-top", "--seconds", "5", "-fraction=0.25",
	    "--o=f.pb.gz", "src",  NULL};
	bool dd;
	int ind;

	assert_int_equal(parse(args, &ind, &dd), 0);
	assert_true(v.top);
	assert_int_equal(v.seconds, 5);
	assert_true(v.fraction == 0.25);
	assert_string_equal(v.out, "f.pb.gz");
	assert_int_equal(ind, 6);
	assert_false(dd);
}

static void test_stops_at_dashdash_and_at_lone_dash(void **state)
{
	const char *a[] = {"x", "-top", "--", "-seconds", NULL};
	const char *b[] = {"x", "-", "-top", NULL};
	bool dd;
	int ind;

	assert_int_equal(parse(a, &ind, &dd), 0);
	assert_int_equal(ind, 3);
	assert_true(dd);
	assert_int_equal(parse(b, &ind, &dd), 0);
	assert_int_equal(ind, 1);
	assert_false(dd);
}

static void test_bool_values(void **state)
{
	const char *on[] = {"x", "-top=true", NULL};
	const char *off[] = {"x", "-top=false", NULL};
	const char *bad[] = {"x", "-top=yes please", NULL};
	bool dd;
	int ind;

	assert_int_equal(parse(on, &ind, &dd), 0);
	assert_true(v.top);
	assert_int_equal(parse(off, &ind, &dd), 0);
	assert_false(v.top);
	assert_int_equal(parse(bad, &ind, &dd), -1);
}

static void test_help(void **state)
{
	const char *a[] = {"x", "-top", "--help", "-nonsense", NULL};
	const char *b[] = {"x", "-h", NULL};
	const char *c[] = {"x", "-help", NULL};
	bool dd;
	int ind;

	assert_int_equal(parse(a, &ind, &dd), CLI_FLAGS_HELP);
	assert_int_equal(parse(b, &ind, &dd), CLI_FLAGS_HELP);
	assert_int_equal(parse(c, &ind, &dd), CLI_FLAGS_HELP);
}

static void test_malformed(void **state)
{
	static const char *cases[][4] = {
	    {"x", "-nope", NULL},			  /* unknown */
	    {"x", "---top", NULL},			  /* three dashes */
	    {"x", "-seconds", NULL},			  /* no value */
	    {"x", "-seconds", "", NULL},		  /* empty value */
	    {"x", "-seconds", "0", NULL},		  /* below range */
	    {"x", "-seconds", "3601", NULL},		  /* above range */
	    {"x", "-seconds", "5s", NULL},		  /* junk after */
	    {"x", "-seconds", " 5", NULL},		  /* leading space */
	    {"x", "-seconds", "+5", NULL},		  /* sign */
	    {"x", "-seconds", "2.5", NULL},		  /* not whole */
	    {"x", "-seconds=99999999999999999999", NULL}, /* overflow */
	    {"x", "-fraction", "nan", NULL},
	    {"x", "-fraction", "1.5", NULL},
	    {"x", "-=5", NULL},
	    {"x", "--=", NULL},
	};
	bool dd;
	int ind;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = parse(cases[i], &ind, &dd);

		if (rc != -1)
			fail_msg("case %zu (%s %s): expected -1, got %d", i,
				 cases[i][1], cases[i][2] ? cases[i][2] : "",
				 rc);
	}
}

static void test_listen_good(void **state)
{
	static const struct {
		const char *addr;
		bool loopback;
	} cases[] = {
	    {":6060", true},
	    {"127.0.0.1:6060", true},
	    {"127.1.2.3:0", true},
	    {"localhost:80", true},
	    {"[::1]:6060", true},
	    {"0.0.0.0:6060", false},
	    {"10.0.0.5:65535", false},
	    {"[::]:6060", false},
	    {"example.org:443", false},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool lb = !cases[i].loopback;

		if (run_parse_listen(cases[i].addr, &lb) != 0)
			fail_msg("%s: expected valid", cases[i].addr);
		if (lb != cases[i].loopback)
			fail_msg("%s: loopback expected %d, got %d",
				 cases[i].addr, cases[i].loopback, lb);
	}
}

static void test_listen_malformed(void **state)
{
	static const char *cases[] = {
	    "",		 "6060",     ":",	    ":65536",
	    ":-1",	 ":60a",     ":123456",	    "::1:6060",
	    "[::1:6060", "a b:6060", "host/x:6060", "127.0.0.1:",
	    "127.0.0.1",
	};
	size_t i;
	bool lb;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (run_parse_listen(cases[i], &lb) != -1)
			fail_msg("'%s': expected malformed", cases[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_both_dash_styles_and_equals),
	    cmocka_unit_test(test_stops_at_dashdash_and_at_lone_dash),
	    cmocka_unit_test(test_bool_values),
	    cmocka_unit_test(test_help),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_listen_good),
	    cmocka_unit_test(test_listen_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
