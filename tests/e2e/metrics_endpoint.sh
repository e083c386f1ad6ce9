#!/usr/bin/env bash
# /metrics of an instrumented service and of a preloaded one: promtool
# accepts the text format (every metric kind, label values with quotes,
# backslashes, newlines and UTF-8); the histograms are well formed (what
# promtool does not check); the values are the ones the service counted,
# the middleware's included; OpenMetrics when asked; the same through
# the Unix socket; and the process metrics of a service that knows
# nothing of triage.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/metrics.sh"

start_metrics_service 1234
for path in ok ok ok fail fail nope items/1 items/2; do
	curl -s -o /dev/null "http://127.0.0.1:$APP/$path"
done

url=http://127.0.0.1:$AGENT/metrics
code=$(curl -s -D "$WORK/h" -o "$WORK/m.txt" -w '%{http_code}' "$url")
[ "$code" = 200 ] || fail "/metrics: HTTP $code"
grep -qi '^Content-Type: text/plain; version=0.0.4; charset=utf-8' "$WORK/h" ||
	fail "content type: $(grep -i content-type "$WORK/h")"
promtool check metrics <"$WORK/m.txt" >"$WORK/lint" 2>&1 ||
	fail "promtool check metrics: $(cat "$WORK/lint")"
pass "promtool check metrics accepts the text format"

n=$(check_histograms "$WORK/m.txt") || fail "$n"
pass "$n histogram series: increasing le, cumulative, +Inf equal to _count"

expect() {
	local got
	got=$(sample "$WORK/m.txt" "$1")
	[ "$got" = "$2" ] || fail "$1: got '$got', want '$2'"
}
expect 'jobs_processed_total' 1234
expect 'queue_depth' 40.5
expect 'requests_by_client_total{client="quote\"d",note="back\\slash"}' 0.5
expect 'requests_by_client_total{client="new\nline",note="Zürich ✓ 日本"}' 1.5
expect 'job_duration_seconds_bucket{le="0.5"}' 1
expect 'job_duration_seconds_count' 3
expect 'job_duration_seconds_sum' 3.75
expect 'payload_bytes_count{client="new\nline",note="Zürich ✓ 日本"}' 1
expect 'http_requests_total{path="/ok",status="200"}' 3
expect 'http_requests_total{path="/fail",status="500"}' 2
expect 'http_requests_total{path="/items/:id",status="404"}' 2
expect 'http_request_duration_seconds_count{path="/ok",status="200"}' 3
expect 'triage_profiles_served_total{profile="cpu"}' 0
grep -q '^# HELP jobs_processed_total Jobs done.\\nBy all \\\\workers.$' "$WORK/m.txt" ||
	fail "HELP escaping: $(grep 'HELP jobs' "$WORK/m.txt")"
pass "values, escaping and the middleware's counts"

# The process metrics, against what ps says of the same process.
for m in process_cpu_seconds_total process_resident_memory_bytes \
	process_virtual_memory_bytes process_open_fds process_max_fds \
	process_start_time_seconds process_threads \
	process_virtual_memory_max_bytes; do
	grep -q "^$m [0-9]" "$WORK/m.txt" || fail "no $m"
done
threads=$(ps -o nlwp= -p "$SVC" | tr -d ' ')
got=$(sample "$WORK/m.txt" process_threads)
[ "$got" -ge 3 ] && [ "$got" -le $((threads + 4)) ] ||
	fail "process_threads $got, ps says $threads"
[ "$(sample "$WORK/m.txt" process_max_fds)" = "$(prlimit -p "$SVC" --nofile -o SOFT --noheadings | tr -d ' ')" ] ||
	fail "process_max_fds $(sample "$WORK/m.txt" process_max_fds)"
start=$(sample "$WORK/m.txt" process_start_time_seconds)
awk -v s="$start" -v now="$(date +%s)" 'BEGIN { exit !(s <= now + 1 && s > now - 120) }' ||
	fail "process_start_time_seconds $start, now $(date +%s)"
pass "process metrics: threads $got (ps: $threads), start time $start"

# A profile served shows in the agent's health.
curl -s -o /dev/null "http://127.0.0.1:$AGENT/debug/pprof/profile?seconds=1"
curl -s -o "$WORK/m2.txt" "$url"
expect_m2() {
	local got
	got=$(sample "$WORK/m2.txt" "$1")
	[ "$got" = "$2" ] || fail "$1: got '$got', want '$2'"
}
expect_m2 'triage_profiles_served_total{profile="cpu"}' 1
grep -q '^triage_cpu_profile_samples_total [0-9]' "$WORK/m2.txt" ||
	fail "no triage_cpu_profile_samples_total"
pass "profiles served and samples taken"

# OpenMetrics, with the Accept header Prometheus sends.
accept='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
curl -s -D "$WORK/h" -o "$WORK/om.txt" -H "Accept: $accept" "$url"
grep -qi '^Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8' "$WORK/h" ||
	fail "OpenMetrics content type: $(grep -i content-type "$WORK/h")"
[ "$(tail -n1 "$WORK/om.txt")" = "# EOF" ] || fail "no # EOF at the end"
grep -q '^# TYPE jobs_processed counter$' "$WORK/om.txt" || fail "OM counter family"
grep -q '^jobs_processed_total 1234$' "$WORK/om.txt" || fail "OM counter sample"
grep -q '^job_duration_seconds_bucket{le="1.0"} 2$' "$WORK/om.txt" || fail "OM le"
grep -qx '' "$WORK/om.txt" && fail "a blank line in OpenMetrics"
pass "OpenMetrics when Accept asks for it"

# The Unix socket serves the same.
code=$(get "$SVC" /metrics "$WORK/unix.txt")
[ "$code" = 200 ] && [ "$(sample "$WORK/unix.txt" jobs_processed_total)" = 1234 ] ||
	fail "/metrics over the Unix socket: $code"
pass "/metrics over the Unix socket"

# A service with no instrumentation, the agent preloaded.
start_preloaded
curl -s -o "$WORK/pre.txt" "http://127.0.0.1:$PRE_PORT/metrics"
promtool check metrics <"$WORK/pre.txt" >"$WORK/lint" 2>&1 ||
	fail "promtool on the preloaded service: $(cat "$WORK/lint")"
rss=$(sample "$WORK/pre.txt" process_resident_memory_bytes)
ps_rss=$(($(ps -o rss= -p "$PRE") * 1024))
awk -v a="$rss" -v b="$ps_rss" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a > 0 && d < b / 2) }' ||
	fail "RSS $rss, ps says $ps_rss"
[ "$(sample "$WORK/pre.txt" process_threads)" -ge 1 ] || fail "no threads"
pass "preloaded patient-import: process metrics (RSS $rss, ps $ps_rss)"
