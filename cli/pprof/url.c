/*
 * url.c - turning what the user typed into the URL to fetch, as
 * `go tool pprof` does: http:// when no scheme is given, the CPU profile
 * when no path is, and ?seconds=N when -seconds asks for a duration.
 */
#include "pprof.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_PATH "/debug/pprof/profile"

/* True when the query item `item` (of length n) is named `name`. */
static bool item_is(const char *item, size_t n, const char *name)
{
	size_t k = strlen(name);

	return n >= k && !strncmp(item, name, k) && (n == k || item[k] == '=');
}

/* The value of a seconds= item when it is a positive number, else 0. */
static int item_seconds(const char *val, size_t n)
{
	char buf[16];
	char *end;
	long v;

	if (n == 0 || n >= sizeof(buf))
		return 0;
	memcpy(buf, val, n);
	buf[n] = '\0';
	v = strtol(buf, &end, 10);
	return *end || v <= 0 || v > 1000000 ? 0 : (int)v;
}

/*
 * Rebuilds `query` without its seconds= items, appending seconds=N when
 * seconds > 0; stores into *duration the seconds the query asks for.
 * Returns a malloc'd string ("" for no query) or NULL.
 */
static char *set_seconds(const char *query, int seconds, int *duration)
{
	size_t cap = (query ? strlen(query) : 0) + 32, used = 0, n;
	char *out = malloc(cap);
	const char *p;

	if (!out)
		return NULL;
	out[0] = '\0';
	for (p = query; p && *p; p += n + (p[n] == '&')) {
		n = strcspn(p, "&");
		if (item_is(p, n, "seconds")) {
			*duration = n > 8 ? item_seconds(p + 8, n - 8) : 0;
			if (seconds > 0)
				continue;
		}
		if (n > 0)
			used +=
			    (size_t)snprintf(out + used, cap - used, "%s%.*s",
					     used ? "&" : "", (int)n, p);
	}
	if (seconds > 0) {
		snprintf(out + used, cap - used, "%sseconds=%d",
			 used ? "&" : "", seconds);
		*duration = seconds;
	}
	return out;
}

/* Parses `src`, adding http:// (and 127.0.0.1 before a bare :port). */
static CURLU *parse(const char *src)
{
	CURLU *u = curl_url();
	char *full = NULL;
	CURLUcode rc;

	if (!u)
		return NULL;
	if (!strstr(src, "://") &&
	    asprintf(&full, "http://%s%s", src[0] == ':' ? "127.0.0.1" : "",
		     src) < 0) {
		curl_url_cleanup(u);
		return NULL;
	}
	rc = curl_url_set(u, CURLUPART_URL, full ? full : src, 0);
	free(full);
	if (rc != CURLUE_OK) {
		curl_url_cleanup(u);
		return NULL;
	}
	return u;
}

static bool http_scheme(CURLU *u)
{
	char *scheme = NULL;
	bool ok;

	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
		return false;
	ok = !strcmp(scheme, "http") || !strcmp(scheme, "https");
	curl_free(scheme);
	return ok;
}

/* Sets the default path when there is none, and the seconds. */
static int adjust(CURLU *u, int seconds, int *duration)
{
	char *path = NULL, *query = NULL, *q;
	CURLUcode rc = CURLUE_OK;

	if (curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK ||
	    !strcmp(path, "/") || !*path)
		rc = curl_url_set(u, CURLUPART_PATH, DEFAULT_PATH, 0);
	curl_free(path);
	if (rc != CURLUE_OK)
		return -1;

	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	q = set_seconds(query, seconds, duration);
	curl_free(query);
	if (!q)
		return -1;
	rc = curl_url_set(u, CURLUPART_QUERY, *q ? q : NULL, 0);
	free(q);
	return rc == CURLUE_OK ? 0 : -1;
}

int fetch_adjust_url(const char *src, int seconds, char **url, int *duration)
{
	CURLU *u = parse(src);
	char *s = NULL;
	int rc = -1;

	*url = NULL;
	*duration = 0;
	if (!u)
		return -1;
	if (http_scheme(u) && adjust(u, seconds, duration) == 0 &&
	    curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK) {
		*url = strdup(s);
		rc = *url ? 0 : -1;
	}
	curl_free(s);
	curl_url_cleanup(u);
	return rc;
}
