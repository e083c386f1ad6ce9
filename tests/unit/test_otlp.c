/*
 * test_otlp.c - the exporter's request options: the headers variable
 * (OTEL_EXPORTER_OTLP_HEADERS' form, good and malformed, no header
 * injection) and the gzip body (inflated back by zlib).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "otlp_headers.h"
#include "triage.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void expect_headers(const char *spec, const char *const *want)
{
	struct curl_slist *h, *l;

	assert_int_equal(otlp_parse_headers(spec, &h), 0);
	for (l = h; *want; want++, l = l->next) {
		assert_non_null(l);
		assert_string_equal(l->data, *want);
	}
	assert_null(l);
	curl_slist_free_all(h);
}

static void expect_malformed(const char *spec)
{
	struct curl_slist *h = (void *)1;

	if (otlp_parse_headers(spec, &h) != TRIAGE_EFORMAT) {
		print_error("accepted headers \"%s\"\n", spec);
		fail();
	}
	assert_null(h);
}

static void test_headers(void **state)
{
	const char *none[] = {NULL};
	const char *one[] = {"x-api-key: s3cr t", NULL};
	const char *two[] = {"Authorization: Bearer abc", "tenant: a,b=c",
			     NULL};
	const char *empty_value[] = {"x-flag: ", NULL};

	expect_headers("", none);
	expect_headers("x-api-key=s3cr%20t", one);
	expect_headers(" Authorization = Bearer%20abc ,tenant=a%2Cb%3Dc", two);
	expect_headers("x-flag=", empty_value);
	expect_headers("x-api-key=s3cr%20t,", one); /* empty members skipped */
	expect_headers(" , x-api-key=s3cr%20t, ,", one);

	expect_malformed("novalue");
	expect_malformed("=v");
	expect_malformed("bad name=v");
	expect_malformed("k=%zz");
	expect_malformed("k=%2");
	/* A decoded line break would add a header of the caller's choice. */
	expect_malformed("k=a%0d%0aHost:%20evil");
	expect_malformed("k=a%00b");
}

static void test_gzip(void **state)
{
	uint8_t in[5000], back[5000], *z;
	size_t zn, i;
	uLongf n = sizeof(back);
	z_stream s;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i % 7 == 0 ? i : 'a');
	assert_int_equal(otlp_gzip(in, sizeof(in), &z, &zn), 0);
	assert_true(zn < sizeof(in) / 2);
	assert_int_equal(z[0], 0x1f); /* the gzip magic */
	assert_int_equal(z[1], 0x8b);

	memset(&s, 0, sizeof(s));
	assert_int_equal(inflateInit2(&s, 16 + 15), Z_OK);
	s.next_in = z;
	s.avail_in = (uInt)zn;
	s.next_out = back;
	s.avail_out = (uInt)n;
	assert_int_equal(inflate(&s, Z_FINISH), Z_STREAM_END);
	assert_int_equal(s.total_out, sizeof(in));
	inflateEnd(&s);
	assert_memory_equal(in, back, sizeof(in));
	free(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_headers),
	    cmocka_unit_test(test_gzip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
