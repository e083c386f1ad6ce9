/*
 * test_options.c - the agent's options: defaults, TRIAGE_* variables,
 * integer parsing and listen addresses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "http_server.h"
#include "options.h"

#include <stdlib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static void clear_env(void)
{
	static const char *const vars[] = {
		"TRIAGE_SOCKET_DIR", "TRIAGE_LISTEN", "TRIAGE_TOKEN",
		"TRIAGE_CPU_HZ", "TRIAGE_CPUPROFILE", "TRIAGE_CPU_TIMER",
		"TRIAGE_VERBOSE", "TRIAGE_HEAP_SAMPLE", "TRIAGE_MUTEX_FRACTION",
		"TRIAGE_BLOCK_RATE", "TRIAGE_DUMP_SIGNAL"};
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

static void defaults(void **state)
{
	struct triage_options o;

	triage_options_init(&o);
	assert_int_equal(o.cpu_hz, 100);
	assert_null(o.listen);
	assert_null(o.token);
	assert_null(o.cpuprofile);
	assert_int_equal(o.cpu_timer, 0);
	assert_int_equal(o.heap_sample, 524288);
	assert_int_equal(o.mutex_fraction, 0);
	assert_int_equal(o.block_rate, 0);
	assert_int_equal(opt_validate(&o), 0);
}

static void parse_int(void **state)
{
	long v = -7;

	assert_int_equal(opt_parse_int("250", 1, 1000, &v), 0);
	assert_int_equal(v, 250);
	assert_int_equal(opt_parse_int("1000", 1, 1000, &v), 0);
	assert_int_equal(opt_parse_int("1", 1, 1000, &v), 0);
	v = -7;
	assert_int_equal(opt_parse_int("0", 1, 1000, &v), TRIAGE_EINVAL);
	assert_int_equal(opt_parse_int("1001", 1, 1000, &v), TRIAGE_EINVAL);
	assert_int_equal(opt_parse_int("-5", 1, 1000, &v), TRIAGE_EINVAL);
	assert_int_equal(opt_parse_int("+5", 1, 1000, &v), TRIAGE_EINVAL);
	assert_int_equal(opt_parse_int(" 5", 1, 1000, &v), TRIAGE_EINVAL);
	assert_int_equal(opt_parse_int("5s", 1, 1000, &v), TRIAGE_EINVAL);
	assert_int_equal(opt_parse_int("1OO", 1, 1000, &v), TRIAGE_EINVAL);
	assert_int_equal(opt_parse_int("", 1, 1000, &v), TRIAGE_EINVAL);
	assert_int_equal(opt_parse_int(NULL, 1, 1000, &v), TRIAGE_EINVAL);
	assert_int_equal(opt_parse_int("99999999999999999999", 1, 1000, &v),
			 TRIAGE_EINVAL);
	assert_int_equal(v, -7); /* untouched on error */
}

static void from_env(void **state)
{
	struct triage_options o;
	const char *bad = "x";

	clear_env();
	setenv("TRIAGE_CPU_HZ", "1000", 1);
	setenv("TRIAGE_LISTEN", ":6060", 1);
	setenv("TRIAGE_TOKEN", "s3cret", 1);
	setenv("TRIAGE_CPU_TIMER", "posix", 1);
	setenv("TRIAGE_SOCKET_DIR", "", 1);
	setenv("TRIAGE_HEAP_SAMPLE", "0", 1);
	setenv("TRIAGE_MUTEX_FRACTION", "5", 1);
	setenv("TRIAGE_BLOCK_RATE", "1", 1);
	assert_int_equal(opt_from_env(&o, &bad), 0);
	assert_int_equal(o.heap_sample, 0);
	assert_int_equal(o.mutex_fraction, 5);
	assert_int_equal(o.block_rate, 1);
	assert_null(bad);
	assert_int_equal(o.cpu_hz, 1000);
	assert_string_equal(o.listen, ":6060");
	assert_string_equal(o.token, "s3cret");
	assert_int_equal(o.cpu_timer, 2);
	assert_null(o.socket_dir); /* empty means unset */
	clear_env();
}

static void from_env_rejects(void **state)
{
	static const char *const cases[][2] = {
		{"TRIAGE_CPU_HZ", "0"},       {"TRIAGE_CPU_HZ", "1001"},
		{"TRIAGE_CPU_HZ", "fast"},    {"TRIAGE_CPU_TIMER", "hpet"},
		{"TRIAGE_VERBOSE", "9"},      {"TRIAGE_HEAP_SAMPLE", "-1"},
		{"TRIAGE_MUTEX_FRACTION", "x"}, {"TRIAGE_BLOCK_RATE", "1e6"},
		{"TRIAGE_DUMP_SIGNAL", "10"}, {"TRIAGE_DUMP_SIGNAL", "65"},
		{"TRIAGE_DUMP_SIGNAL", "SIGRTMIN+5"},
	};
	struct triage_options o;
	const char *bad;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		clear_env();
		setenv(cases[i][0], cases[i][1], 1);
		bad = NULL;
		assert_int_equal(opt_from_env(&o, &bad), TRIAGE_EINVAL);
		assert_non_null(bad);
		assert_string_equal(bad, cases[i][0]);
	}
	clear_env();
}

static void validate(void **state)
{
	struct triage_options o;

	triage_options_init(&o);
	o.cpu_hz = 0;
	assert_int_equal(opt_validate(&o), TRIAGE_EINVAL);
	o.cpu_hz = 1001;
	assert_int_equal(opt_validate(&o), TRIAGE_EINVAL);
	o.cpu_hz = 100;
	o.cpu_timer = 3;
	assert_int_equal(opt_validate(&o), TRIAGE_EINVAL);
	o.cpu_timer = 0;
	o.dump_signal = SIGUSR1;
	assert_int_equal(opt_validate(&o), TRIAGE_EINVAL);
	o.dump_signal = SIGRTMIN + 5;
	assert_int_equal(opt_validate(&o), 0);
}

/* The thread dump's signal: a real-time one, or 0 for the default. */
static void dump_signal(void **state)
{
	struct triage_options o;
	const char *bad = NULL;
	char num[16];

	clear_env();
	assert_int_equal(opt_from_env(&o, &bad), 0);
	assert_int_equal(o.dump_signal, 0);
	snprintf(num, sizeof(num), "%d", SIGRTMIN + 7);
	setenv("TRIAGE_DUMP_SIGNAL", num, 1);
	assert_int_equal(opt_from_env(&o, &bad), 0);
	assert_int_equal(o.dump_signal, SIGRTMIN + 7);
	clear_env();
}

static void listen_addresses(void **state)
{
	static const struct {
		const char *in, *host;
		int port;
	} good[] = {
		{":6060", "127.0.0.1", 6060},
		{"6060", "127.0.0.1", 6060},
		{"127.0.0.1:0", "127.0.0.1", 0},
		{"0.0.0.0:80", "0.0.0.0", 80},
		{"[::1]:6060", "::1", 6060},
		{"localhost:7", "localhost", 7},
	};
	static const char *const bad[] = {
		"", ":", "host:", ":65536", ":-1", "::1:80", "[::1]80",
		"[::1", "host:6o", ":+5",
	};
	char host[64];
	int port;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(http_parse_listen(good[i].in, host,
						   sizeof(host), &port), 0);
		assert_string_equal(host, good[i].host);
		assert_int_equal(port, good[i].port);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (http_parse_listen(bad[i], host, sizeof(host), &port) !=
		    TRIAGE_EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(parse_int),
		cmocka_unit_test(from_env),
		cmocka_unit_test(from_env_rejects),
		cmocka_unit_test(validate),
		cmocka_unit_test(dump_signal),
		cmocka_unit_test(listen_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
