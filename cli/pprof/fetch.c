/*
 * fetch.c - getting a profile's bytes: over HTTP with libcurl (TCP or
 * an agent's Unix socket), or from a file.
 *
 * When a server refuses, the operator needs its reason, not just a
 * status: Go's servers and our agent send it as text/plain (marked with
 * X-Go-Pprof), so a text/plain body is shown beside the status.
 */
#include "pprof.h"
#include "triage.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* How much of an error body is shown. */
#define REASON_MAX 400

/* State of one transfer, shared with libcurl's callbacks. */
struct transfer {
	struct fetch_buf *body;
	bool too_big;
	char status_line[128]; /* of the last response: "HTTP/1.1 500 ..." */
	bool text_plain;
	struct fetch_progress progress;
};

int fetch_buf_append(struct fetch_buf *b, const void *data, size_t n,
		     size_t max)
{
	size_t cap = b->cap ? b->cap : 64 * 1024;
	uint8_t *p;

	if (n > max || b->len > max - n)
		return -1;
	while (cap < b->len + n)
		cap *= 2;
	if (cap != b->cap) {
		p = realloc(b->data, cap);
		if (!p)
			return -1;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, n);
	b->len += n;
	return 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;

	if (fetch_buf_append(t->body, data, size * n, FETCH_MAX_BYTES) < 0) {
		t->too_big = true;
		return 0;
	}
	return size * n;
}

/* Keeps the status line and notes a text/plain body. */
static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n;

	if (len > 5 && !strncmp(data, "HTTP/", 5)) {
		snprintf(t->status_line, sizeof(t->status_line), "%.*s",
			 (int)len, data);
		t->status_line[strcspn(t->status_line, "\r\n")] = '\0';
		t->text_plain = false;
	} else if (len > 13 && !strncasecmp(data, "content-type:", 13)) {
		t->text_plain = memmem(data, len, "text/plain", 10) != NULL;
	}
	return len;
}

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct transfer *t = arg;

	fetch_progress_update(&t->progress, (long long)dlnow);
	return 0;
}

/* "500 Internal Server Error" from the status line, or the bare code
 * (HTTP/2 has no reason phrase). */
static void status_text(const struct transfer *t, long code, char *out,
			size_t len)
{
	const char *sp = strchr(t->status_line, ' ');
	size_t n;

	if (!sp || !sp[1]) {
		snprintf(out, len, "%ld", code);
		return;
	}
	snprintf(out, len, "%s", sp + 1);
	n = strlen(out);
	while (n > 0 && out[n - 1] == ' ')
		out[--n] = '\0';
}

/* The failure for an HTTP error status, with the server's reason. */
static void http_error(const struct transfer *t, long code, char *err,
		       size_t errlen)
{
	const struct fetch_buf *b = t->body;
	char status[128];
	int n = 0;

	status_text(t, code, status, sizeof(status));
	if (t->text_plain && b->len) {
		n = (int)(b->len < REASON_MAX ? b->len : REASON_MAX);
		while (n > 0 &&
		       (b->data[n - 1] == '\n' || b->data[n - 1] == '\r' ||
			b->data[n - 1] == ' '))
			n--;
	}
	snprintf(err, errlen, "server said %s%s%.*s%s", status, n ? ": " : "",
		 n, n ? (const char *)b->data : "",
		 code == 401 || code == 403
		     ? " (set TRIAGE_TOKEN to the agent's token)"
		     : "");
}

/* Sets the options of one GET; returns the header list to free. */
static struct curl_slist *setup(CURL *c, const struct fetch_source *src,
				struct transfer *t, char *errbuf)
{
	const char *token = getenv("TRIAGE_TOKEN");
	struct curl_slist *headers = NULL;
	char *auth = NULL;

	curl_easy_setopt(c, CURLOPT_URL, src->url);
	if (src->kind == FETCH_PID)
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, src->file);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(src->timeout * 1000));
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "triage/" TRIAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, t);
	if (t->progress.on) {
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, t);
	}
	if (src->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (token && *token &&
	    asprintf(&auth, "Authorization: Bearer %s", token) >= 0) {
		headers = curl_slist_append(NULL, auth);
		free(auth);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	}
	return headers;
}

/* The failure of a transfer that got no HTTP answer. */
static void transfer_error(const struct fetch_source *src,
			   const struct transfer *t, CURLcode rc,
			   const char *errbuf, char *err, size_t errlen)
{
	const char *why = *errbuf ? errbuf : curl_easy_strerror(rc);

	if (t->too_big)
		snprintf(err, errlen, "the answer is larger than %zu MiB",
			 FETCH_MAX_BYTES >> 20);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		snprintf(err, errlen,
			 "no answer within %.0f s (%s); raise -timeout",
			 src->timeout, why);
	else if (rc == CURLE_COULDNT_CONNECT && src->kind == FETCH_PID)
		snprintf(err, errlen,
			 "cannot connect to %s (%s); is process %d's agent "
			 "running?",
			 src->file, why, (int)src->pid);
	else if (rc == CURLE_COULDNT_CONNECT)
		snprintf(err, errlen,
			 "cannot fetch %s: %s; is the service serving there "
			 "(triage run --listen HOST:PORT -- PROG)?",
			 src->url, why);
	else
		snprintf(err, errlen, "cannot fetch %s: %s", src->url, why);
}

int fetch_http(const struct fetch_source *src, struct fetch_buf *out, char *err,
	       size_t errlen)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct transfer t = {.body = out};
	struct curl_slist *headers;
	CURL *c = curl_easy_init();
	CURLcode rc;
	long code = 0;

	if (!c) {
		snprintf(err, errlen, "cannot start libcurl");
		return -1;
	}
	fetch_progress_start(&t.progress, src->seconds);
	headers = setup(c, src, &t, errbuf);
	rc = curl_easy_perform(c);
	fetch_progress_end(&t.progress);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);

	if (rc != CURLE_OK) {
		transfer_error(src, &t, rc, errbuf, err, errlen);
		return -1;
	}
	if (code < 200 || code > 299) {
		http_error(&t, code, err, errlen);
		return -1;
	}
	return 0;
}

int fetch_file(const char *path, struct fetch_buf *out, char *err,
	       size_t errlen)
{
	char chunk[64 * 1024];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path,
			 strerror(errno));
		return -1;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || fetch_buf_append(out, chunk, (size_t)n,
					      FETCH_MAX_BYTES) < 0) {
			snprintf(err, errlen, "cannot read %s: %s", path,
				 n < 0 ? strerror(errno) : "too large");
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 0;
}
