/*
 * otlp_headers.h - the exporter's extra request headers and gzip body
 * (internal).
 */
#ifndef TRIAGE_AGENT_OTLP_HEADERS_H
#define TRIAGE_AGENT_OTLP_HEADERS_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Reads headers in OTEL_EXPORTER_OTLP_HEADERS' form, "k1=v1,k2=v2" (the
 * values percent-encoded; spaces around pairs, and empty pairs, are
 * ignored) into a libcurl list of "k1: v1" lines (NULL for an empty
 * spec). TRIAGE_EFORMAT, and no list, when a pair is malformed: no '=',
 * a name that is not an HTTP token, a bad %XX, a decoded CR, LF or NUL,
 * a line over 1 KiB.
 */
int otlp_parse_headers(const char *spec, struct curl_slist **out);

/* Compresses in[0..n) into a malloc'd gzip member. 0, or TRIAGE_ENOMEM. */
int otlp_gzip(const uint8_t *in, size_t n, uint8_t **out, size_t *outlen);

#endif
