/*
 * pprof_endpoints.h - Go's /debug/pprof surface (internal).
 */
#ifndef TRIAGE_AGENT_PPROF_ENDPOINTS_H
#define TRIAGE_AGENT_PPROF_ENDPOINTS_H

#include "cpu_timer.h"
#include "http_server.h"

/* The routes of /debug/pprof's index, cmdline, CPU profile, symbol. */
const struct http_route *pprof_routes(size_t *n);

/* The 404 "Unknown profile" for the rest of /debug/pprof/. */
extern const struct http_route pprof_unknown_route;

/* What CPU profiles taken over HTTP use unless the request says; also
 * re-arms waits after pprof_cancel_waits(). */
void pprof_configure(int hz, enum cpu_timer_mode mode);

/* Waits `seconds` for a profile; false when the client left or the
 * agent stops (pprof_cancel_waits). */
bool pprof_wait_seconds(const struct http_req *req, long seconds);

/* Makes profile requests that are waiting give up (the agent stops). */
void pprof_cancel_waits(void);

#endif
