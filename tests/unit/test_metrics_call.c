/*
 * test_metrics_call.c - a program built with TRIAGE_NO_INLINE: the
 * counter increment is the library's function, and increments from
 * several threads (the called path and the thread-local table it
 * fills) sum exactly.
 */
#define TRIAGE_NO_INLINE
#include "triage.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef triage_metric_counter_inc
#error "TRIAGE_NO_INLINE must leave triage_metric_counter_inc a function"
#endif

#define THREADS 4
#define PER_THREAD 100000

static void *work(void *arg)
{
	struct triage_metric_counter *c = arg;
	int i;

	for (i = 0; i < PER_THREAD; i++)
		triage_metric_counter_inc(c);
	return NULL;
}

static void called_sums(void **state)
{
	struct triage_metric_counter *c;
	pthread_t t[THREADS];
	char *text, want[64];
	size_t len;
	int i;

	(void)state;
	assert_int_equal(
	    triage_metric_counter_new(&c, "called_total", "", NULL), 0);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, work, c), 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	triage_metric_counter_inc(NULL); /* ignored, as inline */

	assert_int_equal(triage_metric_expose(TRIAGE_METRIC_TEXT, &text, &len),
			 0);
	snprintf(want, sizeof(want), "\ncalled_total %d\n",
		 THREADS * PER_THREAD);
	assert_non_null(strstr(text, want));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(called_sums),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
