/*
 * thread_endpoints.h - /debug/pprof/threads, /goroutine and
 * /threadcreate (internal).
 */
#ifndef TRIAGE_AGENT_THREAD_ENDPOINTS_H
#define TRIAGE_AGENT_THREAD_ENDPOINTS_H

#include "http_server.h"

#include <stddef.h>

/* The routes, for agent.c's route_tables. */
const struct http_route *tdump_routes(size_t *n);

/* The index page's counts: host threads now, threads created so far. */
long tdump_index_threads(void);
long tdump_index_creates(void);

#endif
