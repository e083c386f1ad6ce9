/*
 * http_server.h - the agent's debug HTTP server (internal).
 *
 * Always a Unix socket, $TRIAGE_SOCKET_DIR/<pid>.sock, in a folder only
 * the owner may enter; TCP only when asked, on loopback unless a host is
 * named, and then only with a bearer token. Handlers run on the server's
 * own threads (one per connection), so a 30-second profile does not
 * hold up a /metrics scrape.
 */
#ifndef TRIAGE_AGENT_HTTP_SERVER_H
#define TRIAGE_AGENT_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>

struct MHD_Connection;

struct http_req {
	struct MHD_Connection *conn;
	const char *method;
	const char *path;      /* without the query */
	const char *raw_query; /* after '?', undecoded; "" when none */
	const char *body;      /* POST body, NUL-terminated */
	size_t body_len;
};

struct http_resp {
	int status;
	const char *content_type;
	const char *filename; /* for Content-Disposition: attachment */
	char *body;           /* malloc'd; the server frees it */
	size_t len;
	bool go_error;        /* an error as Go's pprof handlers send it */
};

typedef void (*http_handler)(const struct http_req *req,
			     struct http_resp *resp);

struct http_route {
	const char *path;
	bool prefix; /* matches path and everything below it */
	http_handler fn;
};

struct http_config {
	const char *socket_dir; /* NULL: /tmp/triage-<uid> */
	const char *listen;     /* NULL: no TCP */
	const char *token;      /* NULL: none */
	const struct http_route *routes;
	size_t nroutes;
};

/* Starts the listeners. 0, TRIAGE_ENOTOKEN, TRIAGE_EINVAL, TRIAGE_EHTTP. */
int http_start(const struct http_config *cfg);
void http_stop(void);

/* What the running server listens on. */
const char *http_socket_path(void);
int http_tcp_port(void);

/* "http://host:port" of the TCP listener; -1 when there is none. */
int http_tcp_url(char *buf, size_t len);

/* A query parameter, decoded, or NULL. */
const char *http_query(const struct http_req *req, const char *name);

/* True once the client has closed its end (long handlers poll this). */
bool http_client_gone(const struct http_req *req);

/* Fills `resp` with an error in Go's style: text/plain, X-Go-Pprof. */
void http_error(struct http_resp *resp, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Fills `resp` with a copy of `text`. */
void http_text(struct http_resp *resp, const char *content_type,
	       const char *text, size_t len);

/* Parses "[host]:port", "host:port", ":port" or "port". */
int http_parse_listen(const char *s, char *host, size_t hostlen, int *port);

/* In a forked child: forget the parent's server without touching it. */
void http_after_fork_child(void);

#endif
