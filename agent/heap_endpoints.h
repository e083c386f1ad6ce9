/*
 * heap_endpoints.h - /debug/pprof/heap and /debug/pprof/allocs
 * (internal).
 */
#ifndef TRIAGE_AGENT_HEAP_ENDPOINTS_H
#define TRIAGE_AGENT_HEAP_ENDPOINTS_H

#include "http_server.h"

#include <stddef.h>

const struct http_route *heap_routes(size_t *n);

/* Sampled blocks live now: the count on the index page. */
long heap_index_count(void);

#endif
