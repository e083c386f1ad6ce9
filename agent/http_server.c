/*
 * http_server.c - the debug HTTP server on libmicrohttpd (http_server.h).
 *
 * The server binds its own sockets and hands them to libmicrohttpd, so
 * the socket file is created with the right mode from the start and the
 * kernel's choice of port (":0") is known. A request's raw query string
 * is kept from the URI-log callback, because /debug/pprof/symbol reads
 * addresses joined by '+', which query decoding would turn into spaces.
 */
#include "http_server.h"

#include "log.h"
#include "threads.h"
#include "triage.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_BODY (1 << 20)
#define MAX_CONNECTIONS 32

/* One per listener: the Unix socket, and TCP when asked. */
struct listener {
	struct MHD_Daemon *daemon;
	int fd;
	bool need_token;
};

/* One per request, made by the URI-log callback. */
struct req_ctx {
	char *uri;
	char *body;
	size_t body_len;
	bool too_large;
	bool headers_seen; /* the first call brings headers only */
};

static struct {
	struct listener unix_l, tcp_l;
	char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int tcp_port;
	char tcp_host[256];
	char *token;
	const struct http_route *routes;
	size_t nroutes;
} srv = {.unix_l.fd = -1, .tcp_l.fd = -1};

static bool is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	}
	return false;
}

int http_parse_listen(const char *s, char *host, size_t hostlen, int *port)
{
	const char *colon, *p;
	size_t n;
	long v;
	char *end;

	if (!s || !*s)
		return TRIAGE_EINVAL;
	if (s[0] == '[') {
		p = strchr(s, ']');
		if (!p || p[1] != ':')
			return TRIAGE_EINVAL;
		n = (size_t)(p - s - 1);
		s++;
		colon = p + 1;
	} else {
		colon = strrchr(s, ':');
		n = colon ? (size_t)(colon - s) : 0;
		if (colon && memchr(s, ':', n))
			return TRIAGE_EINVAL; /* IPv6 needs brackets */
	}
	if (n >= hostlen)
		return TRIAGE_EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	if (!n)
		snprintf(host, hostlen, "127.0.0.1");
	p = colon ? colon + 1 : s;
	errno = 0;
	v = strtol(p, &end, 10);
	if (!*p || *end || errno || v < 0 || v > 65535 || *p == '-' ||
	    *p == '+')
		return TRIAGE_EINVAL;
	*port = (int)v;
	return 0;
}

/* The folder must be ours and closed to others, or we refuse to use it:
 * anyone could have made /tmp/triage-<uid> first. */
static int prepare_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return TRIAGE_ESYS;
	if (lstat(dir, &st) || !S_ISDIR(st.st_mode))
		return TRIAGE_ESYS;
	if (st.st_uid != geteuid() || (st.st_mode & 077)) {
		tlog(TLOG_ERROR, "%s is not a folder that only this user can "
				 "enter; not serving there", dir);
		errno = EACCES;
		return TRIAGE_ESYS;
	}
	return 0;
}

/* Removes sockets left by processes that died without cleaning up. */
static void remove_stale(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (pid <= 0 || strcmp(end, ".sock"))
			continue;
		if (kill((pid_t)pid, 0) && errno == ESRCH)
			unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

static int open_unix(const char *dir)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	mode_t old;
	int fd, err;

	err = prepare_dir(dir);
	if (err)
		return err;
	remove_stale(dir);
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%d.sock", dir,
		     (int)getpid()) >= (int)sizeof(sa.sun_path))
		return TRIAGE_EINVAL;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return TRIAGE_ESYS;
	unlink(sa.sun_path);
	old = umask(0177);
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (err || listen(fd, 64)) {
		close(fd);
		return TRIAGE_ESYS;
	}
	snprintf(srv.socket_path, sizeof(srv.socket_path), "%s", sa.sun_path);
	srv.unix_l.fd = fd;
	return 0;
}

static int open_tcp(const char *listen_addr, bool have_token)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[256], port_s[8];
	int port, fd, one = 1;

	if (http_parse_listen(listen_addr, host, sizeof(host), &port))
		return TRIAGE_EINVAL;
	snprintf(port_s, sizeof(port_s), "%d", port);
	if (getaddrinfo(host, port_s, &hints, &ai))
		return TRIAGE_EINVAL;
	if (!is_loopback(ai->ai_addr) && !have_token) {
		freeaddrinfo(ai);
		return TRIAGE_ENOTOKEN;
	}
	srv.tcp_l.need_token = have_token;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		tlog(TLOG_ERROR, "cannot listen on %s: %s", listen_addr,
		     strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return TRIAGE_EHTTP;
	}
	freeaddrinfo(ai);
	srv.tcp_port = ntohs(ss.ss_family == AF_INET6
				     ? ((struct sockaddr_in6 *)&ss)->sin6_port
				     : ((struct sockaddr_in *)&ss)->sin_port);
	srv.tcp_l.fd = fd;
	snprintf(srv.tcp_host, sizeof(srv.tcp_host), "%s", host);
	return 0;
}

const char *http_query(const struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
					   name);
}

bool http_client_gone(const struct http_req *req)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct pollfd p;

	if (!ci)
		return false;
	p.fd = ci->connect_fd;
	p.events = POLLRDHUP;
	return poll(&p, 1, 0) > 0 &&
	       (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

void http_text(struct http_resp *resp, const char *content_type,
	       const char *text, size_t len)
{
	resp->content_type = content_type;
	resp->body = malloc(len + 1);
	resp->len = resp->body ? len : 0;
	if (resp->body)
		memcpy(resp->body, text, len);
}

void http_error(struct http_resp *resp, int status, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n > (int)sizeof(text) - 2)
		n = sizeof(text) - 2;
	text[n++] = '\n';
	free(resp->body);
	resp->filename = NULL;
	resp->status = status;
	resp->go_error = true;
	http_text(resp, "text/plain; charset=utf-8", text, (size_t)n);
}

/* Compares in time that does not depend on where the strings differ. */
static bool token_ok(struct MHD_Connection *conn)
{
	const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						    "Authorization");
	size_t n, m, i;
	unsigned char diff = 0;

	if (!h || strncasecmp(h, "Bearer ", 7))
		return false;
	h += 7;
	n = strlen(h);
	m = strlen(srv.token);
	for (i = 0; i < m; i++)
		diff |= (unsigned char)(srv.token[i] ^ (i < n ? h[i] : 0));
	return !diff && n == m;
}

static http_handler route(const char *path)
{
	size_t i;

	for (i = 0; i < srv.nroutes; i++) {
		const struct http_route *r = &srv.routes[i];
		size_t n = strlen(r->path);

		if (r->prefix ? !strncmp(path, r->path, n)
			      : !strcmp(path, r->path))
			return r->fn;
	}
	return NULL;
}

static enum MHD_Result send_resp(struct MHD_Connection *conn,
				 struct http_resp *resp)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char disp[128];

	r = MHD_create_response_from_buffer(resp->len, resp->body,
					    MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(resp->body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (resp->content_type)
		MHD_add_response_header(r, "Content-Type", resp->content_type);
	if (resp->go_error)
		MHD_add_response_header(r, "X-Go-Pprof", "1");
	if (resp->status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
	if (resp->filename) {
		snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"",
			 resp->filename);
		MHD_add_response_header(r, "Content-Disposition", disp);
	}
	ret = MHD_queue_response(conn, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Collects a POST body across calls; true once it is complete. */
static bool collect_body(struct req_ctx *ctx, const char *data, size_t *size)
{
	char *p;

	if (!*size)
		return true;
	if (ctx->too_large || ctx->body_len + *size > MAX_BODY) {
		ctx->too_large = true;
		*size = 0;
		return false;
	}
	p = realloc(ctx->body, ctx->body_len + *size + 1);
	if (p) {
		memcpy(p + ctx->body_len, data, *size);
		ctx->body = p;
		ctx->body_len += *size;
		p[ctx->body_len] = '\0';
	} else {
		ctx->too_large = true;
	}
	*size = 0;
	return false;
}

static void dispatch(struct http_req *req, struct http_resp *resp,
		     const struct listener *l, const struct req_ctx *ctx)
{
	http_handler fn;

	if (l->need_token && !token_ok(req->conn)) {
		http_error(resp, 401, "Unauthorized: this agent needs "
				      "'Authorization: Bearer <token>'");
		return;
	}
	if (ctx->too_large) {
		http_error(resp, 413, "request body larger than %d bytes",
			   MAX_BODY);
		return;
	}
	if (strcmp(req->method, "GET") && strcmp(req->method, "POST") &&
	    strcmp(req->method, "HEAD")) {
		http_error(resp, 405, "method not allowed");
		return;
	}
	fn = route(req->path);
	if (!fn) {
		http_error(resp, 404, "404 page not found");
		return;
	}
	fn(req, resp);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *data,
				  size_t *size, void **con_cls)
{
	const struct listener *l = cls;
	struct req_ctx *ctx = *con_cls;
	struct http_req req = {conn, method, url, "", "", 0};
	struct http_resp resp = {.status = 200};
	const char *q;

	if (!ctx)
		return MHD_NO;
	if (!ctx->headers_seen) {
		ctx->headers_seen = true;
		return MHD_YES;
	}
	if (!collect_body(ctx, data, size))
		return MHD_YES;
	q = strchr(ctx->uri, '?');
	req.raw_query = q ? q + 1 : "";
	if (ctx->body) {
		req.body = ctx->body;
		req.body_len = ctx->body_len;
	}
	dispatch(&req, &resp, l, ctx);
	return send_resp(conn, &resp);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct req_ctx *ctx = calloc(1, sizeof(*ctx));

	if (ctx && !(ctx->uri = strdup(uri))) {
		free(ctx);
		ctx = NULL;
	}
	return ctx;
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
		    enum MHD_RequestTerminationCode code)
{
	struct req_ctx *ctx = *con_cls;

	if (ctx) {
		free(ctx->uri);
		free(ctx->body);
		free(ctx);
	}
	*con_cls = NULL;
}

__attribute__((format(printf, 2, 0))) static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	tlog(TLOG_INFO, "http: %s", msg);
}

static int start_daemon(struct listener *l)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL |
			 MHD_USE_ERROR_LOG;

	/* Threads libmicrohttpd starts from here are the agent's. */
	thr_agent_scope_enter();
	l->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, l,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		MHD_OPTION_LISTEN_SOCKET, l->fd,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
		MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
		MHD_OPTION_CONNECTION_TIMEOUT, 120u,
		MHD_OPTION_THREAD_STACK_SIZE, (size_t)(256 << 10),
		MHD_OPTION_END);
	thr_agent_scope_leave();
	return l->daemon ? 0 : TRIAGE_EHTTP;
}

static void close_listener(struct listener *l)
{
	if (l->daemon)
		MHD_stop_daemon(l->daemon);
	else if (l->fd >= 0)
		close(l->fd);
	l->daemon = NULL;
	l->fd = -1;
}

int http_start(const struct http_config *cfg)
{
	char dir[PATH_MAX];
	int err;

	if (cfg->socket_dir)
		snprintf(dir, sizeof(dir), "%s", cfg->socket_dir);
	else
		snprintf(dir, sizeof(dir), "/tmp/triage-%u",
			 (unsigned)geteuid());
	srv.routes = cfg->routes;
	srv.nroutes = cfg->nroutes;
	srv.token = cfg->token ? strdup(cfg->token) : NULL;
	err = cfg->listen ? open_tcp(cfg->listen, srv.token != NULL) : 0;
	if (!err)
		err = open_unix(dir);
	if (!err)
		err = start_daemon(&srv.unix_l);
	if (!err && srv.tcp_l.fd >= 0)
		err = start_daemon(&srv.tcp_l);
	if (err)
		http_stop();
	return err;
}

void http_stop(void)
{
	close_listener(&srv.tcp_l);
	close_listener(&srv.unix_l);
	if (srv.socket_path[0])
		unlink(srv.socket_path);
	srv.socket_path[0] = '\0';
	srv.tcp_port = 0;
	free(srv.token);
	srv.token = NULL;
}

const char *http_socket_path(void)
{
	return srv.socket_path[0] ? srv.socket_path : NULL;
}

int http_tcp_port(void)
{
	return srv.tcp_port;
}

int http_tcp_url(char *buf, size_t len)
{
	bool v6 = strchr(srv.tcp_host, ':') != NULL;

	if (srv.tcp_l.fd < 0)
		return -1;
	snprintf(buf, len, "http://%s%s%s:%d", v6 ? "[" : "", srv.tcp_host,
		 v6 ? "]" : "", srv.tcp_port);
	return 0;
}

void http_after_fork_child(void)
{
	/* The daemons' threads stayed in the parent: stopping them here
	 * would wait forever. Close our copies of the listening sockets so
	 * the child does not hold the parent's port, and start afresh. */
	if (srv.unix_l.fd >= 0)
		close(srv.unix_l.fd);
	if (srv.tcp_l.fd >= 0)
		close(srv.tcp_l.fd);
	memset(&srv.unix_l, 0, sizeof(srv.unix_l));
	memset(&srv.tcp_l, 0, sizeof(srv.tcp_l));
	srv.unix_l.fd = srv.tcp_l.fd = -1;
	srv.socket_path[0] = '\0';
	srv.tcp_port = 0;
	free(srv.token);
	srv.token = NULL;
}
