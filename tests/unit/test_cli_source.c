/*
 * test_cli_source.c - how `triage pprof` reads SOURCE (cli/pprof/url.c,
 * cli/pprof/source.c): URLs get pprof's defaults, PIDs and their paths
 * are recognised, files win over hosts, and malformed sources are
 * refused with a reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "pprof.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void expect_url(const char *src, int seconds, const char *want,
		       int want_duration)
{
	char *url = NULL;
	int duration = -1;

	if (fetch_adjust_url(src, seconds, &url, &duration) != 0)
		fail_msg("%s: expected %s, got an error", src, want);
	if (strcmp(url, want))
		fail_msg("%s (seconds %d): expected %s, got %s", src, seconds,
			 want, url);
	if (duration != want_duration)
		fail_msg("%s: expected duration %d, got %d", src, want_duration,
			 duration);
	free(url);
}

static void test_url_defaults(void **state)
{
	expect_url("localhost:6060", 0,
		   "http://localhost:6060/debug/pprof/profile", 0);
	expect_url(":6060", 0, "http://127.0.0.1:6060/debug/pprof/profile", 0);
	expect_url("http://h:1", 0, "http://h:1/debug/pprof/profile", 0);
	expect_url("http://h:1/", 0, "http://h:1/debug/pprof/profile", 0);
	expect_url("https://h/debug/pprof/heap", 0,
		   "https://h/debug/pprof/heap", 0);
	expect_url("[::1]:6060/debug/pprof/trace", 0,
		   "http://[::1]:6060/debug/pprof/trace", 0);
}

static void test_url_seconds(void **state)
{
	expect_url("h:1", 5, "http://h:1/debug/pprof/profile?seconds=5", 5);
	expect_url("http://h:1/debug/pprof/profile?seconds=9", 0,
		   "http://h:1/debug/pprof/profile?seconds=9", 9);
	expect_url("http://h:1/debug/pprof/profile?seconds=9", 3,
		   "http://h:1/debug/pprof/profile?seconds=3", 3);
	expect_url("http://h:1/x?debug=1&seconds=9&gc=1", 2,
		   "http://h:1/x?debug=1&gc=1&seconds=2", 2);
	expect_url("http://h:1/x?seconds=abc", 0, "http://h:1/x?seconds=abc",
		   0);
	expect_url("http://h:1/x?secondsx=4&&a", 1,
		   "http://h:1/x?secondsx=4&a&seconds=1", 1);
}

static void test_url_malformed(void **state)
{
	static const char *cases[] = {
	    "ftp://h/x",  "file:///etc/passwd", "http://", "http://h:99999",
	    "gopher://h", "http://a b/",	"",
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *url = NULL;
		int d;

		if (fetch_adjust_url(cases[i], 0, &url, &d) != -1)
			fail_msg("'%s': expected an error, got %s", cases[i],
				 url ? url : "(null)");
		assert_null(url);
	}
}

static void test_pid_forms(void **state)
{
	const char *path = "unset";
	pid_t pid = 0;

	assert_int_equal(fetch_parse_pid("4242", &pid, &path), 0);
	assert_int_equal(pid, 4242);
	assert_null(path);
	assert_int_equal(fetch_parse_pid("17:/debug/pprof/heap", &pid, &path),
			 0);
	assert_int_equal(pid, 17);
	assert_string_equal(path, "/debug/pprof/heap");
}

static void test_pid_malformed(void **state)
{
	static const char *cases[] = {
	    "",	   "0",		  "-1",
	    "12a", "12:",	  "12:heap",
	    " 12", "99999999999", "localhost:6060",
	    ":/x", "12/x",
	};
	const char *path;
	pid_t pid;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (fetch_parse_pid(cases[i], &pid, &path) != -1)
			fail_msg("'%s': expected not a PID, got %d", cases[i],
				 (int)pid);
}

static void test_resolve_kinds_and_timeouts(void **state)
{
	char dir[] = "/tmp/test_cli_source.XXXXXX", file[64], err[512];
	struct fetch_source src;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/4242", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);

	/* An existing file wins, even when its name is a number. */
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(fetch_resolve("4242", 0, 0, &src, err, sizeof(err)),
			 0);
	assert_int_equal(src.kind, FETCH_FILE);
	fetch_source_free(&src);

	assert_int_equal(fetch_resolve("h:1", 10, 0, &src, err, sizeof(err)),
			 0);
	assert_int_equal(src.kind, FETCH_URL);
	assert_true(src.timeout == 20.0); /* 1.5 x 10 + 5 */
	fetch_source_free(&src);
	assert_int_equal(fetch_resolve("h:1", 0, 0, &src, err, sizeof(err)), 0);
	assert_true(src.timeout == 65.0); /* 60 + 5 */
	fetch_source_free(&src);
	assert_int_equal(fetch_resolve("h:1", 10, 2, &src, err, sizeof(err)),
			 0);
	assert_true(src.timeout == 7.0); /* -timeout 2, + 5 */
	fetch_source_free(&src);

	assert_int_equal(
	    fetch_resolve("https+insecure://h:1", 0, 0, &src, err, sizeof(err)),
	    0);
	assert_true(src.insecure);
	assert_string_equal(src.url, "https://h:1/debug/pprof/profile");
	fetch_source_free(&src);

	assert_int_equal(chdir("/"), 0);
	unlink(file);
	rmdir(dir);
}

static void test_resolve_refusals(void **state)
{
	struct fetch_source src;
	char err[512];

	/* A missing file is not taken for a host name. */
	assert_int_equal(fetch_resolve("/nonexistent/profile.pb.gz", 0, 0, &src,
				       err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "give a profile file"));
	assert_int_equal(
	    fetch_resolve("profile.pb.gz", 0, 0, &src, err, sizeof(err)), -1);

	/* A directory is not a profile. */
	assert_int_equal(fetch_resolve("/", 0, 0, &src, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));

	/* A PID without an agent socket. */
	setenv("TRIAGE_SOCKET_DIR", "/nonexistent", 1);
	assert_int_equal(fetch_resolve("1", 0, 0, &src, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no agent socket at /nonexistent/1.sock"));

	assert_int_equal(
	    fetch_resolve("ftp://h/x", 0, 0, &src, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not an http(s) URL"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_url_defaults),
	    cmocka_unit_test(test_url_seconds),
	    cmocka_unit_test(test_url_malformed),
	    cmocka_unit_test(test_pid_forms),
	    cmocka_unit_test(test_pid_malformed),
	    cmocka_unit_test(test_resolve_kinds_and_timeouts),
	    cmocka_unit_test(test_resolve_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
